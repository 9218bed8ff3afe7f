"""Compares `smartpix infer` with QKeras 0.9.0 on the same model and inputs, bit for bit.
Usage: compare_qkeras.py MODEL.json N_EVENTS SMARTPIX_BINARY [SEED]"""
import os
import subprocess
import sys
import tempfile

import numpy as np

sys.path.insert(0, os.path.dirname(__file__))
import qkeras_model  # noqa: E402


def inputs(doc, n, rng):
    a = doc["architecture"]
    shape = (n, a["rows"], a["columns"], a["slices"])
    x = np.zeros(shape, dtype=np.float32)
    half = n // 2
    x[:half] = rng.integers(-8, 8, size=(half,) + shape[1:]) / 8  # every pixel random: all codes and ties
    for e in range(half, n):  # cluster-like blobs
        r0, c0 = rng.integers(3, a["rows"] - 3), rng.integers(1, a["columns"] - 1)
        for _ in range(rng.integers(1, 13)):
            x[e, r0 + rng.integers(-3, 4), c0 + rng.integers(-1, 2), :] = rng.integers(-8, 8, size=a["slices"]) / 8
    return x


def main():
    path, n, smartpix = sys.argv[1], int(sys.argv[2]), sys.argv[3]
    seed = int(sys.argv[4]) if len(sys.argv) > 4 else 1
    model, doc = qkeras_model.load(path)
    x = inputs(doc, n, np.random.default_rng(seed))
    with tempfile.TemporaryDirectory() as d:
        x.astype("<f4").tofile(f"{d}/in.bin")
        subprocess.run([smartpix, "infer", "--model", path, "--inputs", f"{d}/in.bin", "--outputs", f"{d}/out.bin"], check=True, stdout=subprocess.DEVNULL)
        ours = np.fromfile(f"{d}/out.bin", dtype="<f4").reshape(n, 14)
    theirs = model.predict(x, batch_size=1024, verbose=0).astype(np.float32)
    same = np.all(ours == theirs, axis=1)
    print(f"{os.path.basename(path)}: {same.sum()} of {n} events identical to QKeras bit for bit "
          f"(max |difference| {np.abs(ours - theirs).max():.3g})")
    return 0 if same.all() else 1


if __name__ == "__main__":
    sys.exit(main())
