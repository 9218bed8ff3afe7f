#!/usr/bin/env bash
# Compares `smartpix bench transport` with libzmq's own perf tools (local_thr/remote_thr over
# tcp loopback, inproc_thr) on this machine, in one sitting, at 600 B and 16 KiB messages and
# at any sizes listed in SIZES ("SIZE:COUNT ...", e.g. SIZES="43310:100000" for the message
# size `smartpix bench frontend` prints).
# The perf tools are built from Debian's zeromq3 source package (the same libzmq as linked)
# in a cache folder outside the repository; nothing fetched is committed.
# Each figure is the best of ROUNDS runs (default 3), the two sides interleaved, because a
# shared 2-core machine makes single runs vary by a factor of two or more.
# Usage: scripts/bench-transport-vs-libzmq.sh [COUNT_600B] [COUNT_16KIB] [ROUNDS]
set -euo pipefail
count_small=${1:-2000000}
count_large=${2:-200000}
rounds=${3:-3}
root=$(cd "$(dirname "$0")/.." && pwd)
cache=${SMARTPIX_CACHE:-$HOME/.cache/smartpix}/libzmq-perf
port=${SMARTPIX_BENCH_PORT:-5599}

build_perf_tools() {
  mkdir -p "$cache"
  local tmp
  tmp=$(mktemp -d)
  if ! (cd "$tmp" && apt-get source -qq --download-only zeromq3 >/dev/null 2>&1); then
    # Debian images often list binary packages only; add the matching source lists.
    if [[ $(id -u) -ne 0 ]]; then echo "need root to enable Debian source packages (deb-src)" >&2; exit 1; fi
    for f in /etc/apt/sources.list.d/debian.sources; do
      [[ -f $f ]] && sed 's/^Types: deb$/Types: deb-src/' "$f" > /etc/apt/sources.list.d/smartpix-deb-src.sources
    done
    apt-get update -qq
    (cd "$tmp" && apt-get source -qq --download-only zeromq3 >/dev/null)
  fi
  tar -xzf "$tmp"/zeromq3_*.orig.tar.gz -C "$tmp"
  local perf
  perf=$(ls -d "$tmp"/*/perf | head -n 1)
  mkdir -p "$tmp/stub" && : > "$tmp/stub/platform.hpp"
  for tool in local_thr remote_thr inproc_thr; do
    g++ -O2 -I"$tmp/stub" -o "$cache/$tool" "$perf/$tool.cpp" -lzmq -lpthread
  done
  rm -rf "$tmp"
}

[[ -x $cache/local_thr && -x $cache/remote_thr && -x $cache/inproc_thr ]] || build_perf_tools
(cd "$root" && swift build -c release --product smartpix >/dev/null)
smartpix="$root/.build/release/smartpix"

rate_of() { sed -n 's/^mean throughput: \([0-9]*\) \[msg\/s\]$/\1/p'; }
json_rate() { python3 -c 'import json,sys; print(round(json.load(sys.stdin)["msgs_per_s"]))'; }

best() { sort -n | tail -n 1; }
ratio() { python3 -c "print(f'{$1/$2:.2f}')"; }

printf '%-8s %8s %10s %14s %14s %7s\n' transport size count "libzmq msg/s" "smartpix msg/s" ratio
extra=()
for s in ${SIZES:-}; do extra+=("${s%%:*} ${s##*:}"); done
for size_count in "600 $count_small" "16384 $count_large" "${extra[@]}"; do
  read -r size count <<<"$size_count"
  ref_tcp=(); ours_tcp=(); ref_inproc=(); ours_inproc=()
  for ((i = 0; i < rounds; i++)); do
    "$cache/local_thr" "tcp://127.0.0.1:$port" "$size" "$count" >"$cache/local.out" &
    sleep 0.3
    "$cache/remote_thr" "tcp://127.0.0.1:$port" "$size" "$count"
    wait
    ref_tcp+=("$(rate_of <"$cache/local.out")")
    ours_tcp+=("$("$smartpix" bench transport --transport tcp --size "$size" --count "$count" --json | json_rate)")
    ref_inproc+=("$("$cache/inproc_thr" "$size" "$count" | rate_of)")
    ours_inproc+=("$("$smartpix" bench transport --transport inproc --size "$size" --count "$count" --json | json_rate)")
  done
  r=$(printf '%s\n' "${ref_tcp[@]}" | best); o=$(printf '%s\n' "${ours_tcp[@]}" | best)
  printf '%-8s %8s %10s %14s %14s %7s\n' tcp "$size" "$count" "$r" "$o" "$(ratio "$o" "$r")"
  r=$(printf '%s\n' "${ref_inproc[@]}" | best); o=$(printf '%s\n' "${ours_inproc[@]}" | best)
  printf '%-8s %8s %10s %14s %14s %7s\n' inproc "$size" "$count" "$r" "$o" "$(ratio "$o" "$r")"
done
