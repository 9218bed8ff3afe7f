"""Training with the seed's stack on the simulator's data: a small run learns, MDMM reaches
its target, and the Keras model and the imported integer model agree bit for bit."""
import json
import os
import subprocess
import sys
import time

import numpy as np
import pytest

HERE = os.path.dirname(__file__)
sys.path.insert(0, os.path.join(HERE, ".."))
ROOT = os.path.abspath(os.path.join(HERE, "..", "..", ".."))
BUILD = os.environ.get("SMARTPIX_BUILD", os.path.join(ROOT, ".build", "debug"))
SMARTPIX = os.path.join(BUILD, "smartpix")
ENV = dict(os.environ, TF_CPP_MIN_LOG_LEVEL="3")


def run(args, **kwargs):
    return subprocess.run(args, capture_output=True, text=True, timeout=900, env=ENV, **kwargs)


@pytest.fixture(scope="module")
def data(tmp_path_factory):
    folder = tmp_path_factory.mktemp("training-data")
    r = run([SMARTPIX, "training-data", "--events", "3000", "--out", str(folder)])
    assert r.returncode == 0, r.stderr
    return folder


def train(data, out, *extra):
    r = run([sys.executable, "-m", "smartpix.train", "--data", str(data), "--out", str(out), *extra],
            cwd=os.path.join(HERE, ".."))
    assert r.returncode == 0, r.stderr[-3000:]
    return json.loads(r.stdout.strip().splitlines()[-1])


def test_training_data_is_what_the_front_end_sends(data):
    manifest = json.load(open(data / "manifest.json"))
    assert manifest["slices"] == 2 and manifest["front_end"]["slice_indices"] == [0, 19]
    assert manifest["front_end"]["noise_e"] == 30 and manifest["front_end"]["threshold_e"] == 400
    assert [p["seed"] for p in manifest["parts"]] == [1, 2, 3]
    x = np.load(data / "train-inputs.npy")
    y = np.load(data / "train-labels.npy")
    assert x.dtype == np.int8 and x.shape == (3000, 13, 21, 2) and y.shape == (3000, 13)
    assert x.min() >= -8 and x.max() <= 7 and (x != 0).any(axis=(1, 2, 3)).all()


def test_a_small_run_learns_and_imports_bit_for_bit(data, tmp_path):
    """8 epochs on 3,000 clusters: from 2.7 after the first epoch to below 1.6 (seeded and
    deterministic; 1.34 when written). Then the Keras model and `smartpix infer` on the
    imported model file give the same 14 outputs for 1,000 test inputs, bit for bit."""
    summary = train(data, tmp_path / "m", "--epochs", "8", "--batch", "256", "--seed", "1")
    assert summary["best_validation_loss"] < 1.6, summary
    manifest = json.load(open(data / "manifest.json"))
    e = manifest["input_encoding"]
    r = run([SMARTPIX, "import-keras", str(tmp_path / "m.h5"), "--slices", "2", "--out", str(tmp_path / "m.json"),
             "--encoding-mean", repr(e["mean"]), "--encoding-std", repr(e["std"])])
    assert r.returncode == 0, r.stderr
    x = np.load(data / "test-inputs.npy")[:1000].astype(np.float32) / 8
    x.astype("<f4").tofile(tmp_path / "in.bin")
    r = run([SMARTPIX, "infer", "--model", str(tmp_path / "m.json"), "--inputs", str(tmp_path / "in.bin"),
             "--outputs", str(tmp_path / "out.bin")])
    assert r.returncode == 0, r.stderr
    ours = np.fromfile(tmp_path / "out.bin", dtype="<f4").reshape(-1, 14)
    from smartpix import train as t
    model = t.create_model((13, 21, 2))
    model.load_weights(str(tmp_path / "m.h5"))
    theirs = model.predict(x, batch_size=1000, verbose=0).astype(np.float32)
    assert np.array_equal(ours, theirs), np.abs(ours - theirs).max()


def test_mdmm_reaches_its_target(data, tmp_path):
    # 12 x 47 steps: the multiplier must rise faster than over the 1,000 steps of a real epoch.
    summary = train(data, tmp_path / "s", "--epochs", "12", "--batch", "64", "--sparsity", "mdmm", "--target", "0.4", "--patience", "12",
                    "--multiplier-rate", "0.5")
    assert summary["sparsity"] >= 0.39, summary
    log = open(tmp_path / "s-log.csv").read().splitlines()
    assert log[0] == "epoch,loss,validation_loss,sparsity,multiplier,learning_rate,seconds" and len(log) == 13


def test_fine_tuning_starts_where_the_network_ended_and_never_returns_worse(data, tmp_path):
    """--init: the starting network is epoch 0, its validation loss the one its own training
    ended with; a step size large enough to make the epoch worse returns the start."""
    first = train(data, tmp_path / "a", "--epochs", "3", "--batch", "256")
    r = run([sys.executable, "-m", "smartpix.train", "--data", str(data), "--out", str(tmp_path / "b"), "--init", str(tmp_path / "a.h5"),
             "--epochs", "1", "--learning-rate", "0.5"], cwd=os.path.join(HERE, ".."))
    assert r.returncode == 0, r.stderr[-3000:]
    start = float(r.stderr.split("epoch 0 (--init): validation ")[1].split(",")[0])
    assert abs(start - first["best_validation_loss"]) < 1e-3, (start, first)
    second = json.loads(r.stdout.strip().splitlines()[-1])
    assert second["best_epoch"] == 0 and second["best_validation_loss"] == pytest.approx(first["best_validation_loss"], abs=1e-3), second


def test_smartpix_train_writes_model_weights_log_and_record(data, tmp_path):
    r = run([SMARTPIX, "train", "--data", str(data), "--epochs", "2", "--batch", "512", "--schedule", "cosine", "--out", str(tmp_path / "tiny")])
    assert r.returncode == 0, r.stderr[-3000:]
    assert "epoch 2/2" in r.stderr
    for suffix in [".json", ".h5", "-log.csv", ".record.json"]:
        assert (tmp_path / f"tiny{suffix}").exists(), suffix
    # --schedule cosine: 6 steps of 512 per epoch (3,000 clusters), 12 in all; the log has the
    # rate of each epoch's last step, 2e-3 (1 + cos(pi step / 12)) / 2 at steps 5 and 11.
    rates = [float(row.split(",")[5]) for row in open(tmp_path / "tiny-log.csv").read().splitlines()[1:]]
    expected = [2e-3 * (1 + np.cos(np.pi * step / 12)) / 2 for step in (5, 11)]
    assert rates == pytest.approx(expected, rel=1e-5), rates
    record = json.load(open(tmp_path / "tiny.record.json"))
    assert record["slices"] == 2 and record["trainer"]["epochs_run"] == 2
    assert record["evaluation"]["events"] == 300 and set(record["evaluation"]["residual_sigma"]) == {"x", "y", "cot_alpha", "cot_beta"}
    # evaluate --data: the record's evaluation, on the same test clusters.
    r = run([SMARTPIX, "evaluate", "--model", str(tmp_path / "tiny.json"), "--data", str(data), "--json"])
    assert r.returncode == 0, r.stderr
    assert json.loads(r.stdout)["residual_sigma"] == record["evaluation"]["residual_sigma"]
    r = run([SMARTPIX, "evaluate", "--model", str(tmp_path / "tiny.json"), "--events", "500", "--json", "--report", str(tmp_path / "report")])
    assert r.returncode == 0, r.stderr
    e = json.loads(r.stdout)
    assert e["events"] == 500 and 0 <= e["sparsity"] <= 1 and e["pull_sigma"]["y"] > 0
    # |cotAlpha| bins (eta uniform in +-2.5: every bin has its share) hold every cluster once.
    bins = e["by_abs_cot_alpha"]
    assert [(b["low"], b["high"]) for b in bins] == [(0, 0.5), (0.5, 1), (1, 2), (2, 4), (4, 100)]
    assert sum(b["events"] for b in bins) == 500
    page = open(tmp_path / "report" / "index.html").read()
    # Five figures inline, each histogram panel drawn with its bars and its Gaussian.
    assert page.count("<svg") == 5 and page.count("<polyline") >= 8 and page.count("<rect") > 100


def test_a_stop_signal_to_smartpix_train_ends_its_trainer(data, tmp_path):
    """SIGTERM to `smartpix train` (a scheduler's kill, `timeout`) ends the Python trainer with
    it and says so; the trainer used to run on, orphaned, for the rest of its epochs."""
    out = str(tmp_path / "stopped")
    p = subprocess.Popen([SMARTPIX, "train", "--data", str(data), "--epochs", "1000", "--batch", "256", "--out", out],
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=ENV)
    said = []
    for line in p.stderr:  # the trainer's progress, echoed by smartpix
        said.append(line)
        if line.startswith("epoch 1/"):
            break
    assert said and said[-1].startswith("epoch 1/"), "".join(said)[-3000:]
    p.terminate()
    rest = p.communicate(timeout=120)[1]
    assert p.returncode != 0
    assert "stopped by a signal" in rest, rest[-3000:]

    def running():  # any process still naming the output prefix (the trainer's command line has it)
        found = []
        for pid in filter(str.isdigit, os.listdir("/proc")):
            try:
                if out.encode() in open(f"/proc/{pid}/cmdline", "rb").read():
                    found.append(pid)
            except OSError:
                pass
        return found
    for _ in range(100):
        if not running():
            break
        time.sleep(0.1)
    assert not running(), "the trainer outlived smartpix"


def test_a_two_slice_network_starts_a_twenty_slice_one_exactly(tmp_path):
    """--init with 2-slice weights into a 20-slice network: slices 0 and 19 take the 2-slice
    kernels, the others zero weights, so on any input the 20-slice network predicts exactly
    what the 2-slice one does on slices 0 and 19."""
    from smartpix import train as t
    narrow = t.create_model((13, 21, 2))
    rng = np.random.default_rng(5)
    narrow.set_weights([rng.normal(0, 0.3, w.shape).astype(np.float32) for w in narrow.get_weights()])
    narrow.save_weights(str(tmp_path / "n.h5"))
    wide = t.create_model((13, 21, 20))
    t.load_initial(wide, str(tmp_path / "n.h5"))
    x = rng.integers(-8, 8, (500, 13, 21, 20)).astype(np.float32) / 8
    ours = wide.predict(x, batch_size=500, verbose=0)
    theirs = narrow.predict(x[..., [0, 19]], batch_size=500, verbose=0)
    assert np.array_equal(ours, theirs) and np.abs(theirs).max() > 0.1
    # The new slices: pointwise 0 (hence exact), depthwise blended from the kept slices (not
    # 0, or neither factor would ever get a gradient).
    depthwise, pointwise = next(l.get_weights()[:2] for l in wide.layers if l.get_weights() and l.get_weights()[0].shape == (3, 3, 20, 1))
    assert np.all(pointwise[:, :, 1:19] == 0) and np.all(np.abs(depthwise[:, :, 1:19]).sum(axis=(0, 1, 3)) > 0)
    wide.save_weights(str(tmp_path / "w.h5"))
    with pytest.raises(SystemExit, match="cannot start"):
        t.load_initial(narrow, str(tmp_path / "w.h5"))


def test_twenty_slice_data_can_take_a_models_input_code(tmp_path):
    r = run([SMARTPIX, "training-data", "--slices", "20", "--events", "200", "--encoding-from", "type2-2slice", "--out", str(tmp_path)])
    assert r.returncode == 0, r.stderr
    model = json.load(open(os.path.join(ROOT, "models", "type2-2slice.json")))
    manifest = json.load(open(tmp_path / "manifest.json"))
    assert manifest["slices"] == 20 and manifest["input_encoding"] == model["input_encoding"], (manifest["input_encoding"], model["input_encoding"])


def test_evaluate_refuses_a_test_set_the_model_cannot_read(data, tmp_path):
    r = run([SMARTPIX, "evaluate", "--model", "type2-20slice", "--data", str(data)])
    assert r.returncode == 64 and "--data" in r.stderr and "takes 20 slices" in r.stderr, r.stderr
    # The fixture's fitted constants are type2-2slice's (the same fit, the same seed); a model
    # with others would read its inputs wrongly.
    model = json.load(open(os.path.join(ROOT, "models", "type2-2slice.json")))
    model["input_encoding"]["mean"] += 1
    json.dump(model, open(tmp_path / "other.json", "w"))
    r = run([SMARTPIX, "evaluate", "--model", str(tmp_path / "other.json"), "--data", str(data)])
    assert r.returncode == 64 and "--data" in r.stderr and "other constants" in r.stderr, r.stderr


@pytest.mark.parametrize("args,named", [
    (["train", "--init", "no-such-model", "--out", "x"], "--init"),
    (["training-data", "--encoding-from", "no-such-model", "--out", "x"], "--encoding-from"),
    (["training-data", "--encoding-from", "type2-2slice-adc2", "--out", "x"], "--encoding-from"),
    (["train", "--slices", "3", "--out", "x"], "--slices"),
    (["train", "--learning-rate", "0", "--out", "x"], "--learning-rate"),
    (["train", "--data", "/nonexistent", "--out", "x"], "--data"),
    (["train", "--out", "/nonexistent/dir/x"], "--out"),
    (["evaluate", "--model", "no-such-model"], "--model"),
    (["evaluate", "--model", "type2-2slice", "--events", "5"], "--events"),
    (["training-data", "--slices", "7", "--out", "x"], "--slices"),
])
def test_bad_options_are_refused_by_name(args, named):
    r = run([SMARTPIX] + args)
    assert r.returncode == 64 and named in r.stderr, r.stderr


def test_study_reports_policies_with_the_default_model(tmp_path):
    r = run([SMARTPIX, "study", "--events", "2000", "--json", "--report", str(tmp_path / "study")])
    assert r.returncode == 0, r.stderr
    s = json.loads(r.stdout)
    names = [p["name"] for p in s["policies"]]
    assert names == ["point-cut", "uncertainty-aware", "keep-when-uncertain", "on-sensor"] and s["events"] == 2000
    for p in s["policies"][:3]:
        assert p["efficiency"] >= 0.95 and 0 <= p["data_reduction"] <= 1 and p["threshold_gev"] > 0
    assert isinstance(s["uncertainty_gain"], (int, float))
    page = open(tmp_path / "study" / "index.html").read()
    assert page.count("<svg") == 2 and page.count("<polyline") >= 3
    assert open(tmp_path / "study" / "study.csv").read().startswith("model,policy,threshold_gev")


def test_the_flash_adc_layer_codes_as_the_chip_and_its_thresholds_learn():
    """Forward: the number of thresholds the charge reaches, / 4 (the input code 2k on the
    4-bit grid), exactly as the Swift front end codes it (q >= t). Backward: the soft step
    gives every threshold a gradient from charges near it."""
    import tensorflow as tf
    from smartpix.train import flash_adc_layer

    adc = flash_adc_layer()
    q = tf.constant([[0.0, 399.9, 400.0, 1599.0, 1600.0, 2399.9, 2400.0, 9000.0]])
    with tf.GradientTape() as tape:
        out = adc(q)
        loss = tf.reduce_sum(out)
    assert out.numpy().tolist() == [[0, 0, 0.25, 0.25, 0.5, 0.5, 0.75, 0.75]]
    assert np.allclose(adc.thresholds().numpy(), [400, 1600, 2400], rtol=1e-6)
    grad = tape.gradient(loss, adc.trainable_variables)[0].numpy()
    assert np.all(grad != 0), grad


def test_a_flash_input_network_learns_its_thresholds_end_to_end(tmp_path):
    """smartpix train --input flash: the data holds the measured charge, the trainer learns
    three thresholds, the model file carries them, and evaluate and the chain's front end
    use them (flash codes, input code 2k)."""
    data = tmp_path / "data"
    r = run([SMARTPIX, "training-data", "--events", "2000", "--input", "flash", "--out", str(data)])
    assert r.returncode == 0, r.stderr
    charge, codes = np.load(data / "train-charge.npy"), np.load(data / "train-inputs.npy")
    assert charge.dtype == np.float32 and charge.shape == codes.shape == (2000, 13, 21, 2)
    # Zero suppression: a pixel without measured charge has no code; a kept pixel's last slice
    # passed its threshold (400 +- 20 e, noise 30 e).
    last = charge[..., 1]
    assert np.all(codes[charge == 0] == 0) and last[last != 0].min() > 300
    # A network that takes the input code cannot start a flash one.
    r = run([SMARTPIX, "train", "--data", str(data), "--init", "type2-2slice", "--out", str(tmp_path / "g")])
    assert r.returncode == 64 and "--init type2-2slice: no flash-input network's model file" in r.stderr, r.stderr
    r = run([SMARTPIX, "train", "--data", str(data), "--epochs", "2", "--batch", "256", "--out", str(tmp_path / "f")])
    assert r.returncode == 0, r.stderr[-3000:]
    model = json.load(open(tmp_path / "f.json"))
    t = model["flash_input"]["thresholds_e"]
    assert len(t) == 3 and 0 < t[0] < t[1] < t[2] and "input_encoding" not in model
    record = json.load(open(tmp_path / "f.record.json"))
    assert record["trainer"]["flash_thresholds_e"] == ",".join(repr(v) for v in t) or \
        [float(v) for v in record["trainer"]["flash_thresholds_e"].split(",")] == t
    r = run([SMARTPIX, "evaluate", "--model", str(tmp_path / "f.json"), "--events", "300", "--json"])
    assert r.returncode == 0 and json.loads(r.stdout)["events"] == 300, r.stderr
    # Fine-tuning a flash network starts where it ended, thresholds included (they come from
    # its model file): with a step too large to improve, the start is what comes back.
    r = run([SMARTPIX, "train", "--data", str(data), "--init", str(tmp_path / "f.h5"), "--epochs", "1", "--learning-rate", "0.5",
             "--out", str(tmp_path / "f2")])
    assert r.returncode == 0, r.stderr[-3000:]
    start = float(r.stderr.split("epoch 0 (--init): validation ")[1].split(",")[0])
    assert abs(start - record["trainer"]["best_validation_loss"]) < 1e-3, (start, record["trainer"])
    again = json.load(open(tmp_path / "f2.json"))["flash_input"]["thresholds_e"]
    assert np.allclose(again, t, atol=0.01), (again, t)
    # A network-code folder cannot train a flash network, nor fine-tune one.
    plain = tmp_path / "plain"
    assert run([SMARTPIX, "training-data", "--events", "200", "--out", str(plain)]).returncode == 0
    r = run([SMARTPIX, "train", "--data", str(plain), "--input", "flash", "--out", str(tmp_path / "g")])
    assert r.returncode == 64 and "--input flash" in r.stderr, r.stderr
    r = run([SMARTPIX, "train", "--data", str(plain), "--init", str(tmp_path / "f.h5"), "--out", str(tmp_path / "g")])
    assert r.returncode == 64 and "takes 2-bit flash codes" in r.stderr, r.stderr
