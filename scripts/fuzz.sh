#!/usr/bin/env bash
# The fuzz harness (tests/fuzz/): builds it with clang (libFuzzer, ASan,
# UBSan) in build/fuzz and runs it for SECONDS (default 60) over a corpus of
# the shipped scenarios, the seeds in tests/fuzz/seeds/ and the CSV files of
# tests/, on two jobs. A crash leaves its input in build/fuzz/ (crash-*),
# which becomes a test. Exits 0 when the run ends clean.
#   scripts/fuzz.sh [SECONDS]
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
seconds=${1:-60}
out=$root/build/fuzz
if ! command -v clang++ >/dev/null; then
  echo "fuzz: clang++ is missing (scripts/install_deps.sh --test installs it)" >&2
  exit 2
fi
cmake -S "$root/tests/fuzz" -B "$out" -G Ninja -DCMAKE_CXX_COMPILER=clang++ -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build "$out" >/dev/null
corpus=$out/corpus
rm -rf "$corpus" "$out"/fuzz-*.log && mkdir -p "$corpus"
# The first byte picks the reader (tests/fuzz/fuzz_inputs.cpp): 0 the scenario reader, 2 the
# request-trace reader (files with "trace" in their names), 3 the flow CSV reader, 4 the GraphML
# topology reader, 5 the binary Chakra trace reader, 6 the text one, 7 the calibration-table reader.
for f in "$root"/scenarios/*.yaml "$root"/tests/fuzz/seeds/*.yaml; do
  { printf '\x00'; cat "$f"; } >"$corpus/$(basename "$f").in"
done
while IFS= read -r -d '' f; do
  case $f in *trace*) byte='\x02' ;; *) byte='\x03' ;; esac
  { printf "$byte"; cat "$f"; } >"$corpus/$(basename "$f").in"
done < <(find "$root/tests" "$root/scenarios" -name '*.csv' -print0)
while IFS= read -r -d '' f; do
  case $f in *.graphml) byte='\x04' ;; *.et) byte='\x05' ;; *) byte='\x06' ;; esac
  { printf "$byte"; cat "$f"; } >"$corpus/$(basename "$f").in"
done < <(find "$root/tests" "$root/scenarios" \( -name '*.graphml' -o -name '*.et' -o -name '*.et.txt' \) -print0)
for f in "$root"/models/calibration/tables/*.yaml; do
  { printf '\x07'; cat "$f"; } >"$corpus/$(basename "$f").in"
done
cd "$out"
"$out/orrery_fuzz" -max_total_time="$seconds" -max_len=65536 -rss_limit_mb=2048 -timeout=10 \
  -jobs=2 -workers=2 -print_final_stats=1 "$corpus" 2>&1 | tee "$out/fuzz.log" | grep -E "stat::number_of_executed_units|Done|ERROR|SUMMARY" || true
if grep -q "ERROR: \|SUMMARY: " "$out"/fuzz-*.log "$out/fuzz.log" 2>/dev/null; then
  echo "fuzz: a crash (its input: $out/crash-*)" >&2
  exit 1
fi
runs=$(grep -h "stat::number_of_executed_units" "$out"/fuzz-*.log 2>/dev/null | awk '{s += $2} END {print s + 0}')
echo "fuzz: $runs inputs ran clean in ${seconds} s"
