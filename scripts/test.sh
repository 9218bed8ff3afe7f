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
# The reference data (PixelAV's clusters and maps, the seed's checkpoints) live beside the
# checkout, not in it; the tests that need them are skipped without, which must not go unseen.
if [[ -z ${SMARTPIX_REFERENCE:-} && ! -d "$root/../shared/reference" ]]; then
    echo "test.sh: no ../shared/reference beside this checkout (nor SMARTPIX_REFERENCE): the tests against PixelAV's data and the seed's checkpoints will be skipped" >&2
fi
swift build --build-tests
# The HTTP servers of monitoring run on Swift's concurrency pool (one thread per core), which
# the socket and process tests block for minutes in a parallel run: a server starved that
# long times out where no stage ever would (stages keep blocking work off the pool). Those
# tests run on their own, after the rest.
swift test --skip-build --parallel --skip MonitoringTests
swift test --skip-build --filter MonitoringTests
SMARTPIX="$root/.build/debug/smartpix" "$root/.venv/bin/python" -m pytest -q -p no:cacheprovider --basetemp "$scratch/pytest" clients/python/tests
