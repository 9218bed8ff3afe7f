#!/usr/bin/env bash
# The whole test suite: Swift unit and socket tests, then the Python client against live
# Swift streams and the interop tools (parquet export, Keras import). Installs what is
# missing first (libzmq3-dev; Chromium for the report tests and the live page; Prometheus for
# the metrics test; a .venv with numpy, pyzmq, pytest,
# h5py, pandas, pyarrow, TensorFlow and QKeras).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
source "$root/scripts/lib/ensure-deps.sh"
ensure_libzmq
ensure_python_env "$root"
ensure_chromium
ensure_prometheus
cd "$root"
# Temporary files go here and leave with it (SwiftPM leaves TemporaryDirectory.* folders
# behind on every build and test run; pytest its folders): the suite leaves nothing in /tmp.
scratch=$(mktemp -d "${TMPDIR:-/tmp}/smartpix-test.XXXXXX")
trap 'rm -rf "$scratch"' EXIT
export TMPDIR="$scratch"
swift build --build-tests
swift test --skip-build --parallel
SMARTPIX="$root/.build/debug/smartpix" "$root/.venv/bin/python" -m pytest -q -p no:cacheprovider --basetemp "$scratch/pytest" clients/python/tests
