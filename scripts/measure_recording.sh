#!/usr/bin/env bash
# What recording costs (issue 10), measured, not tested: file size, peak
# resident memory (/usr/bin/time -v) and wall time of
#  1. scenarios/llama3_405b_failures.yaml (16,384 GPUs) with -o recording one
#     representative data-parallel replica (targets: file <= 200 MB, peak <= 2 GB);
#  2. the same scenario without -o and with -o --record-devices all (every
#     span of 16,384 GPUs), and shrunk to dp 16 and dp 64 (2,048 and 8,192
#     GPUs, 16 micro-batches per replica, one horizon replica: about 4x the
#     spans), each without -o and with -o --record-devices all: recording
#     everything streams when the peak memory it adds (all minus none) stays
#     flat as the span count grows.
# usage: scripts/measure_recording.sh ORRERY [OUTDIR]   (takes minutes; prints a table)
set -euo pipefail
orrery=$(realpath "$1")
out=${2:-$(mktemp -d)}
mkdir -p "$out"
root=$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")/.." && pwd)
scenario=$root/scenarios/llama3_405b_failures.yaml
python=/usr/bin/python3

# measure NAME ARGS...: one run; prints NAME, /events rows, file MB, peak RSS MB, wall s.
measure() {
  local name=$1
  shift
  /usr/bin/time -v "$orrery" run "$@" --json >"$out/$name.json" 2>"$out/$name.time"
  local rss wall rows=- size=-
  rss=$(awk -F': ' '/Maximum resident set size/ {printf "%.0f", $2 / 1024}' "$out/$name.time")
  wall=$(awk -F': ' '/Elapsed \(wall clock\)/ {print $2}' "$out/$name.time")
  if [[ -f $out/$name.h5 ]]; then
    size=$(du -m --apparent-size "$out/$name.h5" | cut -f1)
    rows=$("$python" -c 'import sys, h5py; print(len(h5py.File(sys.argv[1], "r")["events"]))' "$out/$name.h5")
  fi
  printf '%-22s %12s %10s %12s %10s\n' "$name" "$rows" "$size" "$rss" "$wall"
}

printf '%-22s %12s %10s %12s %10s\n' run "/events rows" "file MB" "peak RSS MB" wall
measure llama3_representative "$scenario" -o "$out/llama3_representative.h5" --record-devices representative
measure llama3_none "$scenario"
measure llama3_all "$scenario" -o "$out/llama3_all.h5" --record-devices all
for dp in 16 64; do
  shrunk=(--set "cluster.nodes=$((dp * 16))" --set "workload.parallel.dp=$dp" --replicas 1
    --set "workload.training.global_batch=$((dp * 16))")
  measure "dp${dp}_none" "$scenario" "${shrunk[@]}"
  measure "dp${dp}_all" "$scenario" "${shrunk[@]}" -o "$out/dp${dp}_all.h5" --record-devices all
done
echo "(files and /usr/bin/time reports in $out)"
