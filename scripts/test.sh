#!/usr/bin/env bash
# The whole test suite: Swift unit and socket tests, then the Python reader against a live
# Swift stream. Installs what is missing first.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
source "$root/scripts/lib/ensure-deps.sh"
ensure_libzmq
ensure_python_env "$root"
cd "$root"
swift build --build-tests
swift test --skip-build --parallel
SMARTPIX="$root/.build/debug/smartpix" "$root/.venv/bin/python" -m pytest -q clients/python/tests
