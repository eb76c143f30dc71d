#!/usr/bin/env bash
# Sets up, builds and runs every test: the Release build with ctest, then the
# whole suite again under AddressSanitizer + UndefinedBehaviorSanitizer.
# Exits non-zero on any failure. `.ci/run` calls this.
set -euo pipefail
root=$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")/.." && pwd)
cd "$root"
"$root/scripts/install_deps.sh" --test
jobs=$(nproc)

section() { printf '\n==== %s ====\n' "$*"; }

section "release build"
# Of the configure output, only the line saying whether orrery-calibrate (CUDA) is built.
configure_log=$(cmake --preset release) || { echo "$configure_log"; exit 1; }
grep 'orrery-calibrate:' <<<"$configure_log" || true
cmake --build --preset release -j "$jobs"
section "release tests"
ctest --preset release -j "$jobs"

section "asan + ubsan build"
cmake --preset asan >/dev/null
cmake --build --preset asan -j "$jobs"
section "asan + ubsan tests"
ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
  ctest --preset asan -j "$jobs"
section "all tests passed"
