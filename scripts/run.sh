#!/usr/bin/env bash
# The main job: install what is missing, build in release mode, run the whole chain in one
# process on its embedded defaults. Extra arguments go to `smartpix pipeline`.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
source "$root/scripts/lib/ensure-deps.sh"
ensure_libzmq
cd "$root"
swift build -c release --product smartpix >&2
exec "$root/.build/release/smartpix" pipeline "$@"
