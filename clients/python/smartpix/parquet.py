"""Datasets in the smart-pixels-ml layout (parquet, read by its data generator unchanged):
recon3D_<tag>.parquet with the charge of every slice in columns '0' ... str(slices*273 - 1)
(slice k in k*273 ... k*273+272, 13 rows x 21 columns row-major within a slice), electrons;
recon2D_<tag>.parquet with the last slice in columns '0' ... '272'; labels_<tag>.parquet
with the 13 truth labels by name.

Usage (what `smartpix export-dataset` runs):
    python -m smartpix.parquet CHARGE.npy LABELS.npy OUT_DIR TAG
"""
import os
import sys

import numpy as np

LABEL_NAMES = ["x-entry", "y-entry", "z-entry", "n_x", "n_y", "n_z", "number_eh_pairs", "y-local", "pt",
               "cotAlpha", "cotBeta", "y-midplane", "x-midplane"]


def write(charge: np.ndarray, labels: np.ndarray, out_dir: str, tag: str) -> list:
    """charge: (N, slices, rows, columns) electrons; labels: (N, 13). Returns the paths written."""
    import pandas as pd

    if charge.ndim != 4 or labels.ndim != 2 or labels.shape[1] != len(LABEL_NAMES) or len(charge) != len(labels):
        raise ValueError(f"charge {charge.shape} and labels {labels.shape} do not fit (N, slices, rows, columns) and (N, 13)")
    n, slices, rows, columns = charge.shape
    os.makedirs(out_dir, exist_ok=True)
    flat = charge.reshape(n, slices * rows * columns).astype(np.float32)
    last = charge[:, -1].reshape(n, rows * columns).astype(np.float32)
    paths = [os.path.join(out_dir, f"{name}_{tag}.parquet") for name in ("recon3D", "recon2D", "labels")]
    frames = [
        lambda: pd.DataFrame(flat, columns=[str(i) for i in range(flat.shape[1])]),
        lambda: pd.DataFrame(last, columns=[str(i) for i in range(last.shape[1])]),
        lambda: pd.DataFrame(labels.astype(np.float32), columns=LABEL_NAMES),
    ]
    # All three under temporary names first, renamed only when every one is written: a
    # failure leaves no file that looks like part of a dataset.
    partial = [f"{p}.partial-{os.getpid()}" for p in paths]
    try:
        for make, path in zip(frames, partial):
            make().to_parquet(path, index=False)
        for tmp, path in zip(partial, paths):
            os.replace(tmp, path)
    finally:
        for tmp in partial:
            if os.path.exists(tmp):
                os.remove(tmp)
    return paths


def main(argv):
    if len(argv) != 5:
        print("usage: python -m smartpix.parquet CHARGE.npy LABELS.npy OUT_DIR TAG", file=sys.stderr)
        return 2
    try:
        paths = write(np.load(argv[1]), np.load(argv[2]), argv[3], argv[4])
    except ModuleNotFoundError as e:
        print(f"{e}: install pandas and pyarrow (scripts/test.sh puts them in .venv)", file=sys.stderr)
        return 3
    except (OSError, ValueError) as e:
        print(f"export failed: {e}", file=sys.stderr)
        return 4
    print("\n".join(paths))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
