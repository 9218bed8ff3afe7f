"""Interop with smart-pixels-ml: the Python stream client on a live readout-sim, datasets
exported as parquet and read back with pandas, Keras checkpoints imported bit for bit."""
import json
import os
import subprocess
import sys

import h5py
import numpy as np
import pandas as pd
import pytest
import zmq

HERE = os.path.dirname(__file__)
sys.path.insert(0, os.path.join(HERE, ".."))
from smartpix import Stream, Frames  # noqa: E402
from smartpix.parquet import LABEL_NAMES  # noqa: E402

ROOT = os.path.abspath(os.path.join(HERE, "..", "..", ".."))
BUILD = os.environ.get("SMARTPIX_BUILD", os.path.join(ROOT, ".build", "debug"))
SMARTPIX = os.path.join(BUILD, "smartpix")
READOUT_SIM = os.path.join(BUILD, "readout-sim")
REFERENCE = os.environ.get("SMARTPIX_REFERENCE", os.path.join(ROOT, "..", "shared", "reference"))
SEED_MODELS = os.path.join(REFERENCE, "seed-models")


def free_port():
    s = zmq.Context.instance().socket(zmq.PULL)
    port = s.bind_to_random_port("tcp://127.0.0.1")
    s.close(linger=0)
    return port


def test_stream_client_reads_a_live_readout_sim():
    port = free_port()
    producer = subprocess.Popen([READOUT_SIM, "--mode", "physics", "--endpoint", f"tcp://127.0.0.1:{port}", "--clusters", "300",
                                 "--truth", "--charge", "--batch", "32"], stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    batches = []
    with Stream(f"tcp://127.0.0.1:{port}", timeout_ms=60000) as s:
        for b in s:
            batches.append(b)
        assert s.complete, (s.records, s.end_of_run)
        assert s.run_start["producer"] == "readout-sim"
    out, err = producer.communicate(timeout=60)
    assert producer.returncode == 0, err.decode()
    assert all(isinstance(b, Frames) for b in batches)
    bx = np.concatenate([b.bunch_crossing for b in batches])
    assert len(bx) == 300 and np.all(np.diff(bx.astype(np.int64)) >= 0)
    assert np.all(np.concatenate([b.timestamp_ns for b in batches]) == 25 * bx)
    codes = np.concatenate([b.codes for b in batches])
    charge = np.concatenate([b.charge for b in batches])
    truth = np.concatenate([b.truth for b in batches])
    assert codes.shape == (300, 2, 13, 21) and charge.shape == (300, 2, 13, 21) and truth.shape == (300, 13)
    # 2-bit flash codes of the measured charge: thresholds 400, 1600, 2400 e.
    expected = (charge >= 400).astype(int) + (charge >= 1600) + (charge >= 2400)
    assert np.array_equal(codes, np.where(charge == 0, 0, expected))
    assert np.all(truth[:, LABEL_NAMES.index("z-entry")] == 100)


def test_example_streams_to_parquet(tmp_path):
    port = free_port()
    producer = subprocess.Popen([READOUT_SIM, "--mode", "physics", "--slices", "20", "--endpoint", f"tcp://127.0.0.1:{port}",
                                 "--clusters", "100", "--truth", "--charge"], stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    example = os.path.join(HERE, "..", "examples", "stream_to_parquet.py")
    r = subprocess.run([sys.executable, example, "--endpoint", f"tcp://127.0.0.1:{port}", "--out", str(tmp_path), "--tag", "live",
                        "--timeout-ms", "60000"], capture_output=True, text=True, timeout=120)
    producer.communicate(timeout=60)
    assert r.returncode == 0, r.stderr
    recon = pd.read_parquet(tmp_path / "recon3D_live.parquet")
    labels = pd.read_parquet(tmp_path / "labels_live.parquet")
    assert recon.shape == (100, 5460) and list(recon.columns) == [str(i) for i in range(5460)]
    assert list(labels.columns) == LABEL_NAMES and len(labels) == 100


def run(args):
    r = subprocess.run([SMARTPIX] + args, capture_output=True, text=True, timeout=300)
    return r.returncode, r.stdout, r.stderr


def test_export_dataset_is_read_back_by_pandas(tmp_path):
    code, out, err = run(["export-dataset", "--events", "400", "--out", str(tmp_path), "--tag", "t1", "--seed", "3"])
    assert code == 0, err
    recon3d = pd.read_parquet(tmp_path / "recon3D_t1.parquet")
    recon2d = pd.read_parquet(tmp_path / "recon2D_t1.parquet")
    labels = pd.read_parquet(tmp_path / "labels_t1.parquet")
    assert list(recon3d.columns) == [str(i) for i in range(5460)] and list(recon2d.columns) == [str(i) for i in range(273)]
    assert list(labels.columns) == LABEL_NAMES and len(labels) == len(recon3d) == len(recon2d) == 400
    x = recon3d.to_numpy().reshape(-1, 20, 13, 21)  # what smart-pixels-ml's generator does
    assert np.array_equal(x[:, 19].reshape(-1, 273), recon2d.to_numpy())
    # Charge in electrons: the final slice holds at most the pairs created (some leave the region).
    total = x[:, 19].sum(axis=(1, 2))
    assert np.all(total <= labels["number_eh_pairs"].to_numpy() * 1.0001 + 1) and np.median(total) > 4000
    # Mid-plane hit in the central 3 x 3 pixels; cotAlpha = n_x / n_z.
    assert labels["x-midplane"].abs().max() <= 75 and labels["y-midplane"].abs().max() <= 18.75
    assert np.allclose(labels["cotAlpha"], labels["n_x"] / labels["n_z"], rtol=1e-5, atol=1e-6)
    # Same seed, same data.
    code, _, err = run(["export-dataset", "--events", "400", "--out", str(tmp_path / "again"), "--tag", "t1", "--seed", "3"])
    assert code == 0, err
    assert pd.read_parquet(tmp_path / "again" / "recon3D_t1.parquet").equals(recon3d)


def test_export_from_a_pixelav_track_list(tmp_path):
    tracks = tmp_path / "tracks.txt"
    tracks.write_text("# cotBeta cotAlpha p flipped x y pT\n0.10 1.50 2.0 0 0.0 3.0 1.9\n-0.20 0.00 5.0 1 0.0 -2.0 -4.8\n")
    code, out, err = run(["export-dataset", "--tracks", str(tracks), "--out", str(tmp_path), "--tag", "list"])
    assert code == 0, err
    labels = pd.read_parquet(tmp_path / "labels_list.parquet")
    # PixelAV's first column is our cotBeta, the second our cotAlpha.
    assert np.allclose(labels["cotBeta"], [0.10, -0.20]) and np.allclose(labels["cotAlpha"], [1.50, 0.00])
    assert np.allclose(labels["y-local"], [3.0, -2.0]) and np.allclose(labels["pt"], [1.9, -4.8])
    tracks.write_text("0.1 1.5 2.0 0 0.0\n")
    code, _, err = run(["export-dataset", "--tracks", str(tracks), "--out", str(tmp_path)])
    assert code != 0 and "tracks.txt:1" in err


def write_checkpoint(path, slices, filters, rng, names=("q_separable_conv2d", "q_conv2d", "q_dense", "q_dense_1", "q_dense_2")):
    """A Keras 2 save_weights file of the seed architecture with random weights (layer names as given)."""
    shapes = {names[0]: [("depthwise_kernel:0", (3, 3, slices, 1)), ("pointwise_kernel:0", (1, 1, slices, filters)), ("bias:0", (filters,))],
              names[1]: [("kernel:0", (1, 1, filters, filters)), ("bias:0", (filters,))],
              names[2]: [("kernel:0", (18 * filters, 16)), ("bias:0", (16,))], names[3]: [("kernel:0", (16, 16)), ("bias:0", (16,))],
              names[4]: [("kernel:0", (16, 14)), ("bias:0", (14,))]}
    with h5py.File(path, "w") as f:
        order = ["input_1", names[0], "q_activation", names[1], "average_pooling2d", "flatten", names[2], names[3], names[4]]
        f.attrs["layer_names"] = [n.encode() for n in order]
        for layer in order:
            g = f.create_group(layer)
            ws = shapes.get(layer, [])
            g.attrs["weight_names"] = [f"{layer}/{w}".encode() for w, _ in ws]
            for w, shape in ws:
                g.create_dataset(f"{layer}/{w}", data=(rng.normal(0, 0.4, shape)).astype(np.float32))


def check_codes(model, path):
    t = model["tensors"]
    with h5py.File(path, "r") as f:
        arrays = {}
        f.visititems(lambda n, o: arrays.__setitem__(n, o[()]) if isinstance(o, h5py.Dataset) else None)
        names = [n.decode() if isinstance(n, bytes) else n for n in f.attrs["layer_names"]]
    weighted = [n for n in names if any(k.split("/")[0] == n for k in arrays)]
    def find(suffix, layer):
        return next(v for k, v in arrays.items() if k.endswith(suffix) and k.split("/")[0] == layer)
    sep, conv, dense = weighted[0], weighted[1], weighted[2:]
    checks = [("depthwise_kernel", find("depthwise_kernel:0", sep), 4, True), ("pointwise_kernel", find("pointwise_kernel:0", sep), 4, True),
              ("separable_bias", find("bias:0", sep), 4, False), ("conv_kernel", find("kernel:0", conv), 4, False),
              ("conv_bias", find("bias:0", conv), 4, False)]
    for i, layer in enumerate(dense):
        checks += [(f"dense_{i}_kernel", find("kernel:0", layer), 8, False), (f"dense_{i}_bias", find("bias:0", layer), 8, False)]
    for key, w, bits, symmetric in checks:
        q = quantize(w, bits)
        if symmetric:
            q = np.maximum(q, -(2 ** (bits - 1)) + 1)
        assert t[key]["shape"] == list(w.shape), key
        assert t[key]["codes"] == q.ravel().tolist(), key


@pytest.mark.parametrize("slices,filters,names", [(2, 5, ("q_separable_conv2d", "q_conv2d", "q_dense", "q_dense_1", "q_dense_2")),
                                                  (20, 8, ("q_separable_conv2d_4", "q_conv2d_2", "q_dense_3", "q_dense_4", "q_dense_5"))])
def test_import_keras_maps_by_position_and_quantizes_like_qkeras(tmp_path, slices, filters, names):
    path = tmp_path / "w.hdf5"
    write_checkpoint(path, slices, filters, np.random.default_rng(slices), names)
    out = tmp_path / "model.json"
    code, text, err = run(["import-keras", str(path), "--slices", str(slices), "--out", str(out), "--encoding-mean", "9", "--encoding-std", "3.5"])
    assert code == 0, err
    model = json.load(open(out))
    assert model["architecture"]["slices"] == slices and model["architecture"]["filters"] == filters
    check_codes(model, path)
    # The wrong slice count is refused with the reason.
    code, _, err = run(["import-keras", str(path), "--slices", str(22 - slices), "--out", str(out), "--encoding-mean", "9", "--encoding-std", "3.5"])
    assert code != 0 and "input slices" in err


def quantize(w, bits):
    """QKeras quantized_bits(bits, 0, alpha=1): clip(rhe(w * 2^(bits-1)), -2^(bits-1), 2^(bits-1) - 1);
    symmetric for the 4-bit depthwise and pointwise kernels (quantization.md)."""
    m = 2 ** (bits - 1)
    return np.clip(np.round(np.asarray(w) * m), -m, m - 1).astype(int)  # np.round rounds half to even


@pytest.mark.parametrize("name,slices", [("baseline-2slice-636eb1c6", 2), ("mdmm-2slice-076ea794", 2), ("type6-20slice-c8fe3c7d", 20),
                                         ("type7-20slice-8filters-8c9bbeee", 20)])
def test_import_keras_quantizes_like_qkeras(tmp_path, name, slices):
    path = os.path.join(SEED_MODELS, name + ".hdf5")
    if not os.path.exists(path):
        pytest.skip(f"the seed checkpoints are not here ({path}; SMARTPIX_REFERENCE points elsewhere)")
    out = tmp_path / "model.json"
    code, text, err = run(["import-keras", path, "--slices", str(slices), "--out", str(out), "--encoding-mean", "9", "--encoding-std", "3.5"])
    assert code == 0, err
    model = json.load(open(out))
    check_codes(model, path)
    assert model["input_encoding"]["mean"] == 9 and model["architecture"]["slices"] == slices


def test_import_refuses_a_file_that_does_not_fit(tmp_path):
    bad = tmp_path / "bad.h5"
    with h5py.File(bad, "w") as f:
        f.attrs["layer_names"] = [b"q_dense"]
        g = f.create_group("q_dense")
        g.attrs["weight_names"] = [b"q_dense/kernel:0", b"q_dense/bias:0"]
        g.create_dataset("q_dense/kernel:0", data=np.zeros((90, 16), np.float32))
        g.create_dataset("q_dense/bias:0", data=np.zeros(16, np.float32))
    code, _, err = run(["import-keras", str(bad), "--slices", "2", "--out", str(tmp_path / "m.json"), "--encoding-mean", "9", "--encoding-std", "3"])
    assert code != 0 and "the seed architecture has 5" in err
    not_hdf5 = tmp_path / "x.h5"
    not_hdf5.write_text("hello")
    code, _, err = run(["import-keras", str(not_hdf5), "--slices", "2", "--out", str(tmp_path / "m.json"), "--encoding-mean", "9", "--encoding-std", "3"])
    assert code != 0 and "not a readable Keras weights file" in err


def test_export_is_whole_electrons_with_momentum_components(tmp_path):
    code, _, err = run(["export-dataset", "--events", "200", "--out", str(tmp_path), "--tag", "w", "--seed", "5"])
    assert code == 0, err
    x = pd.read_parquet(tmp_path / "recon3D_w.parquet").to_numpy()
    labels = pd.read_parquet(tmp_path / "labels_w.parquet")
    # Whole electrons as PixelAV writes them: sub-electron induction is not a hit.
    assert np.array_equal(x, np.round(x)) and np.all(np.abs(x[x != 0]) >= 1)
    # n_x, n_y, n_z are momentum components in GeV: |p| = |pT| cosh(eta), with cotAlpha = sinh(eta)
    # for barrel tracks from the origin (physics.md).
    p = np.sqrt(labels["n_x"] ** 2 + labels["n_y"] ** 2 + labels["n_z"] ** 2)
    assert np.allclose(p, labels["pt"].abs() * np.sqrt(1 + labels["cotAlpha"] ** 2), rtol=1e-4)
    assert np.allclose(labels["cotBeta"], labels["n_y"] / labels["n_z"], rtol=1e-4, atol=1e-6)


def test_python_helper_never_imports_from_the_working_directory(tmp_path):
    """A `smartpix/` folder where the user stands must not be executed by the helper."""
    planted = tmp_path / "smartpix"
    planted.mkdir()
    marker = tmp_path / "planted-code-ran"
    code_text = f"open({str(marker)!r}, 'w').write('ran')\n"
    (planted / "__init__.py").write_text(code_text)
    (planted / "parquet.py").write_text(code_text)
    r = subprocess.run([SMARTPIX, "export-dataset", "--events", "20", "--out", "out", "--tag", "x"], cwd=tmp_path,
                       capture_output=True, text=True, timeout=300)
    assert r.returncode == 0, r.stderr
    assert not marker.exists()
    assert (tmp_path / "out" / "recon3D_x.parquet").exists()


def test_python_helper_names_a_missing_package_in_one_line(tmp_path):
    bare = tmp_path / "bare"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(bare)], check=True, timeout=120)
    env = dict(os.environ, SMARTPIX_PYTHON=str(bare / "bin" / "python"))
    weights = tmp_path / "w.h5"
    weights.write_bytes(b"\x89HDF\r\n\x1a\n")
    r = subprocess.run([SMARTPIX, "import-keras", str(weights), "--slices", "2", "--out", str(tmp_path / "m.json"),
                        "--encoding-mean", "9", "--encoding-std", "3"], capture_output=True, text=True, env=env, timeout=120)
    assert r.returncode != 0
    assert "Traceback" not in r.stderr, r.stderr
    assert "'numpy' is missing" in r.stderr and "pip install -r" in r.stderr, r.stderr
    assert len(r.stderr.strip().splitlines()) == 1, r.stderr


def test_a_failed_export_leaves_no_parquet_file(tmp_path, monkeypatch):
    from smartpix import parquet
    calls = []
    real = pd.DataFrame.to_parquet

    def failing(self, path, *args, **kwargs):
        calls.append(path)
        if len(calls) == 2:
            raise OSError("disk full (simulated)")
        return real(self, path, *args, **kwargs)

    monkeypatch.setattr(pd.DataFrame, "to_parquet", failing)
    with pytest.raises(OSError):
        parquet.write(np.zeros((3, 20, 13, 21), np.float32), np.zeros((3, 13), np.float32), str(tmp_path), "t")
    assert len(calls) == 2 and os.listdir(tmp_path) == []


def test_evaluate_on_a_dataset_in_the_smart_pixels_ml_layout(tmp_path):
    """A parquet dataset (here exported from the simulator) evaluated through the chain's front
    end gives the resolution the model's own record gives on 100,000 simulated clusters: the
    same physics, so the sigmas agree within what 2,000 clusters resolve (their statistical
    error is a few per cent; 15 % leaves room for the tails)."""
    code, out, err = run(["export-dataset", "--events", "2000", "--out", str(tmp_path), "--tag", "a", "--seed", "11"])
    assert code == 0, err
    code, out, err = run(["evaluate", "--model", "type2-2slice", "--dataset", str(tmp_path), "--json"])
    assert code == 0, err
    got = json.loads(out)
    record = json.load(open(os.path.join(ROOT, "models", "type2-2slice.record.json")))["evaluation"]
    assert got["events"] == 2000
    for q in ("x", "y", "cot_alpha", "cot_beta"):
        assert got["residual_sigma"][q] == pytest.approx(record["residual_sigma"][q], rel=0.15), q
        assert 0.85 <= got["pull_sigma"][q] <= 1.15, q
    # --events takes the first clusters only.
    code, out, err = run(["evaluate", "--model", "type2-2slice", "--dataset", str(tmp_path), "--events", "500", "--json"])
    assert code == 0 and json.loads(out)["events"] == 500, err
    # What is wrong with a dataset is said with the file.
    os.remove(tmp_path / "labels_a.parquet")
    code, out, err = run(["evaluate", "--model", "type2-2slice", "--dataset", str(tmp_path)])
    assert code != 0 and "labels_a.parquet" in err and "missing" in err, err
    code, out, err = run(["evaluate", "--model", "type2-2slice", "--dataset", str(tmp_path / "nothing")])
    assert code == 64 and "--dataset" in err, err
    code, out, err = run(["evaluate", "--model", "type2-2slice", "--tag", "a"])
    assert code == 64 and "--tag needs --dataset" in err, err
