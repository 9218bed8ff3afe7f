"""Datasets in the smart-pixels-ml layout (parquet, read by its data generator unchanged):
recon3D_<tag>.parquet with the charge of every slice in columns '0' ... str(slices*273 - 1)
(slice k in k*273 ... k*273+272, 13 rows x 21 columns row-major within a slice), electrons;
recon2D_<tag>.parquet with the last slice in columns '0' ... '272'; labels_<tag>.parquet
with the 13 truth labels by name.

Usage (what `smartpix export-dataset` and `smartpix evaluate --dataset` run):
    python -m smartpix.parquet CHARGE.npy LABELS.npy OUT_DIR TAG
    python -m smartpix.parquet --read DATASET_DIR OUT_DIR [--tag TAG] [--limit N]
The second form reads every recon3D_<tag>.parquet with its labels_<tag>.parquet (or the one
tag) and writes OUT_DIR/charge.npy (N, slices, 13, 21) and OUT_DIR/labels.npy (N, 13, in the
order of LABEL_NAMES), float32; it prints the tags and cluster counts read.
"""
import glob
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


def read(folder: str, tag=None, limit=None):
    """The clusters of a dataset folder: (charge (N, slices, 13, 21), labels (N, 13), [(tag, n)])."""
    import pandas as pd

    if not os.path.isdir(folder):
        raise ValueError(f"{folder}: no such folder")
    tags = [tag] if tag else sorted(os.path.basename(p)[len("recon3D_"):-len(".parquet")]
                                    for p in glob.glob(os.path.join(folder, "recon3D_*.parquet")))
    if not tags:
        raise ValueError(f"{folder}: no recon3D_<tag>.parquet (smart-pixels-ml's layout)")
    charges, labels, counts = [], [], []
    for t in tags:
        recon, truth = (os.path.join(folder, f"{name}_{t}.parquet") for name in ("recon3D", "labels"))
        for path in (recon, truth):
            if not os.path.isfile(path):
                raise ValueError(f"{path}: missing (every recon3D_<tag> needs its labels_<tag>)")
        c = pd.read_parquet(recon)
        width = c.shape[1]
        if width % 273 or [str(i) for i in range(width)] != list(c.columns):
            raise ValueError(f"{recon}: columns are not '0' ... 'N*273-1' (13 x 21 pixels per slice)")
        lab = pd.read_parquet(truth)
        missing = [n for n in LABEL_NAMES if n not in lab.columns]
        if missing:
            raise ValueError(f"{truth}: no column {', '.join(missing)}")
        if len(lab) != len(c):
            raise ValueError(f"{recon} has {len(c)} clusters, {truth} {len(lab)}")
        charges.append(c.to_numpy(np.float32).reshape(len(c), width // 273, 13, 21))
        labels.append(lab[LABEL_NAMES].to_numpy(np.float32))
        counts.append((t, len(c)))
        if limit and sum(n for _, n in counts) >= limit:
            break
    if len({a.shape[1] for a in charges}) != 1:
        raise ValueError(f"{folder}: the tags have different slice counts")
    charge, label = np.concatenate(charges), np.concatenate(labels)
    if limit:
        charge, label = charge[:limit], label[:limit]
    if not np.all(np.isfinite(charge)) or not np.all(np.isfinite(label)):
        raise ValueError(f"{folder}: charge or labels hold NaN or infinity")
    return charge, label, counts


def read_main(argv):
    import argparse

    parser = argparse.ArgumentParser(prog="python -m smartpix.parquet --read")
    parser.add_argument("dataset")
    parser.add_argument("out")
    parser.add_argument("--tag")
    parser.add_argument("--limit", type=int)
    a = parser.parse_args(argv)
    try:
        charge, labels, counts = read(a.dataset, a.tag, a.limit)
        np.save(os.path.join(a.out, "charge.npy"), np.ascontiguousarray(charge))
        np.save(os.path.join(a.out, "labels.npy"), np.ascontiguousarray(labels))
    except (OSError, ValueError) as e:
        print(f"{e}", file=sys.stderr)
        return 4
    print(" ".join(f"{t}:{n}" for t, n in counts))
    return 0


def main(argv):
    if len(argv) > 1 and argv[1] == "--read":
        return read_main(argv[2:])
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
