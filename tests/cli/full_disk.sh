#!/usr/bin/env bash
# A write error while the outputs are written (a full disk; here the file size
# limit, `ulimit -f`, with SIGXFSZ ignored so that writes fail with EFBIG as
# they would with ENOSPC) is a clean exit 1 with a message, and nothing at the
# output paths nor beside them: for -o, for --trace and for both. HDF5's exit
# handler used to crash (SIGSEGV) after such a failure.
# Usage: full_disk.sh ORRERY_BINARY SCENARIO
set -u
orrery=$1
scenario=$2
# Under AddressSanitizer: HDF5 itself loses 1 KB on its write-error path
# (a direct leak inside libhdf5, not ours); this test is about the exit and
# the files, so leaks are not checked here.
export ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail=0
check() {  # NAME OUTPUT_ARGS...
  local name=$1
  shift
  rm -rf "${tmp:?}"/out && mkdir "$tmp/out"
  local status
  (ulimit -f 4; trap '' XFSZ; exec "$orrery" run "$scenario" "$@" --quiet >/dev/null 2>"$tmp/err")
  status=$?
  local left
  left=$(ls -A "$tmp/out")
  if [[ $status -ne 1 || -n $left ]] || ! grep -q "cannot write" "$tmp/err"; then
    echo "FAIL $name: status $status, left [$left], stderr: $(cat "$tmp/err")"
    fail=1
  else
    echo "ok   $name: exit 1, $(head -c 120 "$tmp/err")"
  fi
}
check hdf5 -o "$tmp/out/r.h5"
check trace --trace "$tmp/out/r.json"
check both -o "$tmp/out/r.h5" --trace "$tmp/out/r.json"
exit $fail
