#!/usr/bin/env bash
# The `orrery-calibrate` command line, on any machine (no GPU needed: every case
# here is decided before the GPU is touched). --help exits 0 and prints the
# usage on stdout; each bad input exits 2 with one message on stderr and
# leaves no table behind.
# Usage: calibrate_cli.sh ORRERY_CALIBRATE_BINARY
set -u
calibrate=$1
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
pass=0
fail=0

out=$("$calibrate" --help)
if [[ $? -eq 0 && "$out" == usage:* && "$out" == *"3 table written but some shapes skipped"* ]]; then pass=$((pass + 1)); else fail=$((fail + 1)); echo "FAIL --help"; fi

# expect NAME EXPECTED_STDERR_SUBSTRING ARGS...
expect() {
  local name=$1 want=$2
  shift 2
  local err status stdout
  stdout=$("$calibrate" "$@" 2>"$tmp/err")
  status=$?
  err=$(cat "$tmp/err")
  local leftovers
  leftovers=$(find "$tmp" -name 'table*')
  if [[ $status -eq 2 && "$err" == *"$want"* && -z "$stdout" && -z "$leftovers" ]]; then
    pass=$((pass + 1))
  else
    fail=$((fail + 1))
    echo "FAIL $name: status $status, stdout [$stdout], leftovers [$leftovers]"
    echo "  wanted: $want"
    echo "  got:    $err"
  fi
}

expect unknown_family "unknown kernel family 'flash'; valid: gemm, memory, attention, decode_attention, hashgrid, mlp, spmm, layer" --only gemm,flash --out "$tmp/table.yaml"
expect layer_family_known "nothing to do" --only layer,attention --quick
expect nothing_to_do "nothing to do" --quick
expect bad_count "--repetitions: expected an integer >= 1, got '-3'" --repetitions -3 --out "$tmp/table.yaml"
expect unknown_flag "unknown argument '--fast'" --fast --out "$tmp/table.yaml"
expect unwritable_out "--out: cannot write '$tmp/missing/table.yaml.tmp'" --out "$tmp/missing/table.yaml"

echo "calibrate_cli: $pass passed, $fail failed"
[[ $fail -eq 0 ]]
