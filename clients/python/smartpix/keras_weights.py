"""Dump the weight arrays of a Keras/QKeras weights file (HDF5, Keras 2 `save_weights`) as
JSON on stdout, for `smartpix import-keras`, which maps them onto the network by position
and shape and quantizes them exactly as QKeras does.

Output: {"layer_names": [...], "weights": [{"layer": L, "name": N, "shape": [...],
"values": [...]}, ...]} with layers in the file's model order and, within a layer, its
weights in the file's order.

Usage: python -m smartpix.keras_weights WEIGHTS.hdf5
"""
import json
import sys


def read(path):
    import h5py  # imported here so that a missing h5py gives a clear message

    with h5py.File(path, "r") as f:
        root = f["model_weights"] if "model_weights" in f else f
        names = [n.decode() if isinstance(n, bytes) else str(n) for n in root.attrs.get("layer_names", [])]
        weights = []
        for layer in names:
            group = root[layer]
            order = [w.decode() if isinstance(w, bytes) else str(w) for w in group.attrs.get("weight_names", [])]
            if not order:  # older files: every dataset under the layer's group
                order = []
                group.visititems(lambda n, o: order.append(n) if hasattr(o, "shape") else None)
                prefix = ""
            else:
                prefix = None
            for w in order:
                d = group[w] if prefix is None else group[w]
                weights.append({"layer": layer, "name": w, "shape": list(d.shape), "values": d[()].astype(float).ravel().tolist()})
        return {"layer_names": names, "weights": weights}


def main(argv):
    if len(argv) != 2:
        print("usage: python -m smartpix.keras_weights WEIGHTS.hdf5", file=sys.stderr)
        return 2
    try:
        data = read(argv[1])
    except ModuleNotFoundError as e:
        print(f"{e}: install h5py (pip install h5py; scripts/test.sh puts it in .venv)", file=sys.stderr)
        return 3
    except (OSError, KeyError) as e:
        print(f"{argv[1]}: not a readable Keras weights file ({e})", file=sys.stderr)
        return 4
    json.dump(data, sys.stdout)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
