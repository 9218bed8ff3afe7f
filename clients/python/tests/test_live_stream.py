"""The Python reader decodes a live stream and a run file produced by the Swift side."""
import os
import subprocess
import sys

import numpy as np
import pytest
import zmq

sys.path.insert(0, os.path.join(os.path.dirname(__file__), ".."))
import smartpix_reader as spr  # noqa: E402

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", "..", ".."))
SMARTPIX = os.environ.get("SMARTPIX", os.path.join(ROOT, ".build", "debug", "smartpix"))


def pattern(seed, records, pixels, bits, signed):
    return np.array([[spr.test_pattern_code(seed, r, p, bits, signed) for p in range(pixels)] for r in records])


@pytest.mark.parametrize("bits,signed,slices", [(2, False, 20), (4, True, 2), (8, False, 3)])
def test_live_stream_decodes_exactly(tmp_path, bits, signed, slices):
    ctx = zmq.Context.instance()
    pull = ctx.socket(zmq.PULL)
    port = pull.bind_to_random_port("tcp://127.0.0.1")
    record_file = tmp_path / "run.spxr"
    args = [SMARTPIX, "test-stream", "--endpoint", f"connect:tcp://127.0.0.1:{port}", "--messages", "12",
            "--batch", "5", "--bits", str(bits), "--slices", str(slices), "--seed", "7", "--run-id", "99",
            "--charge", "--truth", "--record", str(record_file)]
    if signed:
        args.append("--signed")
    producer = subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    messages = []
    try:
        while pull.poll(20000):
            m = spr.decode(pull.recv_multipart())
            messages.append(m)
            if m.kind == "end-of-run":
                break
    finally:
        pull.close(linger=0)
    out, err = producer.communicate(timeout=30)
    assert producer.returncode == 0, err.decode()

    kinds = [m.kind for m in messages]
    assert kinds == ["run-start"] + ["frames"] * 12 + ["end-of-run"]
    assert [m.sequence for m in messages] == list(range(14))
    assert all(m.run_id == 99 for m in messages)
    assert messages[0].configuration["test_pattern"]["seed"] == 7

    frames = [m for m in messages if m.kind == "frames"]
    pixels = 13 * 21 * slices
    for m in frames:
        assert m.shape == (slices, 13, 21) and m.adc_bits == bits and m.signed_codes == signed
        bx = m.records["bunch_crossing"]
        assert m.first_bunch_crossing == bx[0]
        expected = pattern(7, [int(b) for b in bx], pixels, bits, signed)
        assert np.array_equal(m.codes.reshape(len(bx), pixels), expected)
        # Charge is code x 400 e in the test pattern; truth label j of record r is r + j/100.
        assert np.array_equal(m.charge, m.codes.astype(np.float32) * 400)
        assert np.allclose(m.truth, bx[:, None].astype(np.float32) + np.arange(13, dtype=np.float32) / 100)
    assert messages[-1].totals["records"] == sum(m.record_count for m in frames) == 60
    assert messages[-1].totals["messages"] == 12
    assert messages[-1].totals["bunch_crossings"] == 60

    # The run file holds the same messages, byte for byte decodable the same way.
    from_file = [spr.decode(p) for p in spr.read_run_file(str(record_file))]
    assert [m.kind for m in from_file] == kinds
    assert all(np.array_equal(a.codes, b.codes) for a, b in zip(frames, [m for m in from_file if m.kind == "frames"]))


def test_reader_rejects_what_the_document_forbids():
    ok_header = bytearray(spr.MAGIC + bytes(44))
    ok_header[4] = 1
    ok_header[6] = 6  # heartbeat
    ok_header[7] = 1
    assert spr.decode([bytes(ok_header)]).kind == "heartbeat"
    bad = bytearray(ok_header)
    bad[0] = 0
    with pytest.raises(spr.DecodeError, match="magic"):
        spr.decode([bytes(bad)])
    bad = bytearray(ok_header)
    bad[6] = 9
    with pytest.raises(spr.DecodeError, match="kind"):
        spr.decode([bytes(bad)])
    with pytest.raises(spr.DecodeError, match="parts"):
        spr.decode([bytes(ok_header), b"extra"])


def test_packing_examples_from_the_document():
    assert spr.unpack_codes(bytes([0x39, 0x03]), 1, 5, 2, False).tolist() == [[1, 2, 3, 0, 3]]
    assert spr.unpack_codes(bytes([0x78, 0x0F]), 1, 3, 4, True).tolist() == [[-8, 7, -1]]


def test_decisions_carry_the_kept_frames_through_the_chain(tmp_path):
    """test-stream -> onpixel-infer --forward-frames -> trigger-filter -> this reader: every
    kept cluster arrives with its frame, bit for bit the test pattern, and nothing else."""
    bin_dir = os.path.dirname(SMARTPIX)
    ctx = zmq.Context.instance()
    pull = ctx.socket(zmq.PULL)
    port = pull.bind_to_random_port("tcp://127.0.0.1")
    stages = [
        [os.path.join(bin_dir, "trigger-filter"), "--input", "bind:tcp://127.0.0.1:*", "--output", f"connect:tcp://127.0.0.1:{port}",
         "--policy", "point-cut", "--threshold", "1", "--idle-timeout", "20s"],
    ]
    trigger = subprocess.Popen(stages[0], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    # The trigger's own line names the port it bound.
    line = trigger.stderr.readline()
    predictions = line.split("predictions from ")[1].split(",")[0]
    infer = subprocess.Popen([os.path.join(bin_dir, "onpixel-infer"), "--input", "bind:tcp://127.0.0.1:*", "--output", f"connect:{predictions}",
                              "--forward-frames", "--idle-timeout", "20s"], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    frames_endpoint = infer.stderr.readline().split("frames from ")[1].split(",")[0]
    producer = subprocess.run([SMARTPIX, "test-stream", "--endpoint", f"connect:{frames_endpoint}", "--messages", "10", "--batch", "20",
                               "--bits", "4", "--signed", "--slices", "2", "--seed", "5"], capture_output=True, text=True, timeout=60)
    assert producer.returncode == 0, producer.stderr
    messages = []
    try:
        while pull.poll(30000):
            m = spr.decode(pull.recv_multipart())
            messages.append(m)
            if m.kind == "end-of-run":
                break
    finally:
        pull.close(linger=0)
    assert infer.wait(timeout=30) == 0, infer.stderr.read()
    out, err = trigger.communicate(timeout=30)
    assert trigger.returncode == 0, out + err

    decisions = [m for m in messages if m.kind == "decisions"]
    assert sum(m.record_count for m in decisions) == 200 and messages[-1].totals["records"] == 200
    kept = 0
    for m in decisions:
        keep = m.records["keep"] == 1
        bx = m.records["bunch_crossing"][keep]
        assert m.frames is not None and len(m.frames.records) == keep.sum()
        assert np.array_equal(m.frames.records["bunch_crossing"], bx)
        expected = pattern(5, [int(b) for b in bx], 13 * 21 * 2, 4, True).reshape(len(bx), 13 * 21 * 2)
        assert np.array_equal(m.frames.codes.reshape(len(bx), 13 * 21 * 2), expected)
        kept += int(keep.sum())
    assert 0 < kept < 200, "a 1 GeV cut on random-looking clusters keeps some, not all"
    assert f"frames forwarded {kept} of 200" in out
