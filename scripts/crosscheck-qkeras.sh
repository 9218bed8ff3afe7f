#!/usr/bin/env bash
# Compares `smartpix infer` with QKeras itself, bit for bit, on random 2- and 20-slice
# models (or the model files given) and 20,000 inputs each. Installs TensorFlow 2.15.1 and
# QKeras 0.9.0 from PyPI into .venv-qkeras/ the first time (a few minutes).
# Usage: scripts/crosscheck-qkeras.sh [MODEL.json ...]
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
venv="$root/.venv-qkeras"
if ! "$venv/bin/python" -c "import qkeras" 2>/dev/null; then
  python3 -m venv "$venv"
  "$venv/bin/pip" install -q --disable-pip-version-check tensorflow-cpu==2.15.1 qkeras==0.9.0 pyparsing h5py
fi
(cd "$root" && swift build -c release --product smartpix >&2)
smartpix="$root/.build/release/smartpix"
models=("$@")
if [[ ${#models[@]} -eq 0 ]]; then
  tmp=$(mktemp -d)
  "$smartpix" make-model --slices 2 --seed 3 --out "$tmp/random-2slice.json" >/dev/null
  "$smartpix" make-model --slices 20 --seed 4 --out "$tmp/random-20slice.json" >/dev/null
  models=("$tmp/random-2slice.json" "$tmp/random-20slice.json")
fi
status=0
for m in "${models[@]}"; do
  TF_CPP_MIN_LOG_LEVEL=3 "$venv/bin/python" "$root/scripts/crosscheck/compare_qkeras.py" "$m" 20000 "$smartpix" || status=1
done
exit $status
