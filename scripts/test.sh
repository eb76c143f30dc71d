#!/usr/bin/env bash
# Sets up, builds and runs every test: a Release build (the `ci` preset) for the
# end-to-end tests, the golden summaries and the benchmarks' smoke runs, then
# everything with the unit tests under AddressSanitizer + UndefinedBehaviorSanitizer
# (the unit tests are built once, there). Both are unity builds. Last, the fuzz
# harness (scripts/fuzz.sh) runs for 20 s over the scenario reader, --set, the
# unit parser and the CSV reader (`scripts/fuzz.sh 3600` for a long run).
# Exits non-zero on any failure. `.ci/run` calls this.
set -euo pipefail
root=$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")/.." && pwd)
cd "$root"
"$root/scripts/install_deps.sh" --test
jobs=$(nproc)

# Each section says how long the script has run, so a slow CI log shows where the time went.
section() { printf '\n==== %s (%d s) ====\n' "$*" "$SECONDS"; }

section "release build"
# Of the configure output, only the line saying whether orrery-calibrate (CUDA) is built.
configure_log=$(cmake --preset ci) || { echo "$configure_log"; exit 1; }
grep 'orrery-calibrate:' <<<"$configure_log" || true
cmake --build --preset ci -j "$jobs"
section "release tests"
ctest --preset ci -j "$jobs"

section "benchmark smoke runs"
# One short case of each benchmark, so that a crashing benchmark or a failed
# check inside one (Google Benchmark's SkipWithError, which exits 0) fails CI;
# the full runs stay out (README: Developing).
bench=build/ci/tests/bench
smoke() {
  local out
  out=$("$bench/$1" --benchmark_format=json "${@:2}") || { echo "$1 failed"; return 1; }
  if grep -q '"error_occurred": true' <<<"$out"; then
    echo "$1: a check failed:"; grep '"error_message"' <<<"$out"; return 1
  fi
}
smoke orrery_bench_engine --benchmark_filter='HoldOrrery|HoldQueueOnly' --benchmark_min_time=0.01
smoke orrery_bench_cost --benchmark_min_time=0.01
smoke orrery_bench_topology --benchmark_min_time=0.01
smoke orrery_bench_horizon --benchmark_filter='/1/' --benchmark_min_time=0.01
smoke orrery_bench_collective --benchmark_filter='AllToAll256/pairwise:1' --benchmark_min_time=0.01
smoke orrery_bench_flow --benchmark_filter='FlowChurn/16/|FlowAllToAll|ChainOverload/2000/|MaxMinChain/256/2000/128/1' --benchmark_min_time=0.01
smoke orrery_bench_training --benchmark_filter='Training1T/0/0|Recorder1T/1|Llama405B/16384|Lower1T' --benchmark_min_time=0.01
smoke orrery_bench_serving --benchmark_filter='Serving70B/60|Capacity70B/2/'
smoke orrery_bench_vector_search --benchmark_filter='VectorSearch8Fpga/20000/'
smoke orrery_bench_neural_graphics --benchmark_filter='/1/' --benchmark_min_time=0.01
smoke orrery_bench_search --benchmark_filter='70B/1/'
echo "benchmark smoke runs passed"

section "asan + ubsan build"
cmake --preset asan >/dev/null
cmake --build --preset asan -j "$jobs"
section "asan + ubsan tests"
# Four end-to-end tests run in the release section only: the validation
# report (every validation row's scenario again, with its --set variants: the
# scenarios themselves run here as goldens), the 16,384-GPU failure scenario's
# golden (its code paths run here in the smaller failure scenarios and unit
# tests), the bad-input table (some 300 runs of the program, 83 s under the
# sanitizers: the error paths it drives run here in the unit tests' located-
# error cases and under the fuzz harness below), and the calibration table's
# leave-one-out bounds (11 s under the sanitizers; its code runs here in
# leave_one_out_test).
ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
  ctest --preset asan -j "$jobs" -E '^(validation_report|golden_llama3_405b_failures|cli_bad_inputs|calibration_leave_one_out)$'
section "fuzz harness (20 s)"
scripts/fuzz.sh 20
section "all tests passed"
