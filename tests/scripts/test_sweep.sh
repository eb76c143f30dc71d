#!/usr/bin/env bash
# Test scripts/sweep.sh against the real simulator.
#
#   tests/scripts/test_sweep.sh ORRERY_BINARY SCENARIO
#
# SCENARIO is the quickstart scenario; it must accept --set workload.schedule=gpipe|1f1b and
# --set workload.micro_batches=4|8. Prints 'N passed, M failed' last; exits 1 if any check failed.
set -euo pipefail

if (($# != 2)); then
    echo "usage: $0 ORRERY_BINARY SCENARIO" >&2
    exit 2
fi
here=$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")" && pwd)
sweep="$here/../../scripts/sweep.sh"
binary=$(cd -- "$(dirname -- "$1")" && pwd)/$(basename -- "$1")
scenario=$2
[[ -x $binary ]] || { echo "not an executable: $1" >&2; exit 2; }
[[ -f $scenario ]] || { echo "no scenario file: $scenario" >&2; exit 2; }
export ORRERY=$binary

tmp=$(mktemp -d "${TMPDIR:-/tmp}/orrery-test-sweep.XXXXXX")
trap 'rm -rf -- "$tmp"' EXIT

passed=0 failed=0
check() {  # check DESCRIPTION COMMAND...: run COMMAND, count and report the outcome
    local what=$1
    shift
    if "$@"; then
        passed=$((passed + 1))
        echo "ok   $what"
    else
        failed=$((failed + 1))
        echo "FAIL $what"
    fi
}

out="$tmp/out"
grid=("workload.schedule=gpipe,1f1b" "workload.micro_batches=4,8")
names=(
    "workload.schedule=gpipe__workload.micro_batches=4"
    "workload.schedule=gpipe__workload.micro_batches=8"
    "workload.schedule=1f1b__workload.micro_batches=4"
    "workload.schedule=1f1b__workload.micro_batches=8"
)

# ---- first run: every point runs ---------------------------------------------------------------
status=0
"$sweep" "$scenario" "$out" "${grid[@]}" -j 2 2>"$tmp/log1" || status=$?
sed 's/^/    | /' "$tmp/log1"
check "sweep exits 0" test "$status" -eq 0

all_files_there() {
    local n
    for n in "${names[@]}"; do
        [[ -s $out/$n.h5 && -s $out/$n.json ]] || { echo "    missing $n.h5 or $n.json"; return 1; }
    done
}
check "one .h5 and one .json per grid point" all_files_there
check "exactly 4 .h5 files" test "$(find "$out" -maxdepth 1 -name '*.h5' | wc -l)" -eq 4
check "no .err files" test "$(find "$out" -maxdepth 1 -name '*.err' | wc -l)" -eq 0
check "4 'run' lines, no 'skip'" \
    test "$(grep -c '^run ' "$tmp/log1")/$(grep -c '^skip ' "$tmp/log1" || true)" = "4/0"

# index.csv: header starts with the grid keys and has iteration_time_s; 4 rows in grid order.
check_index() {
    python3 - "$out/index.csv" <<'PY'
import csv, sys
with open(sys.argv[1], newline="") as f:
    rows = list(csv.reader(f))
header, data = rows[0], rows[1:]
problems = []
if header[:2] != ["workload.schedule", "workload.micro_batches"]:
    problems.append(f"header starts with {header[:2]}")
if "iteration_time_s" not in header:
    problems.append("no iteration_time_s column")
if [r[:2] for r in data] != [["gpipe", "4"], ["gpipe", "8"], ["1f1b", "4"], ["1f1b", "8"]]:
    problems.append(f"rows are {[r[:2] for r in data]}")
if "iteration_time_s" in header:
    col = header.index("iteration_time_s")
    try:
        if not all(float(r[col]) > 0 for r in data):
            problems.append("iteration_time_s not positive")
    except (ValueError, IndexError) as exc:
        problems.append(f"bad iteration_time_s cell: {exc}")
for p in problems:
    print("    " + p)
sys.exit(1 if problems else 0)
PY
}
check "index.csv has the grid keys, iteration_time_s and 4 rows in grid order" check_index

# ---- resume: delete one point, only that one runs again ----------------------------------------
victim=${names[1]}
mtimes() {
    local n
    for n in "${names[@]}"; do
        [[ $n == "$victim" ]] || stat -c '%n %y' -- "$out/$n.h5" "$out/$n.json"
    done
}
before=$(mtimes)
rm -f -- "$out/$victim.h5" "$out/$victim.json"
sleep 0.05  # so that a rewritten file would get a different mtime even on coarse clocks
status=0
"$sweep" "$scenario" "$out" "${grid[@]}" -j 2 2>"$tmp/log2" || status=$?
sed 's/^/    | /' "$tmp/log2"
check "resumed sweep exits 0" test "$status" -eq 0
check "resumed sweep runs only the deleted point" \
    test "$(grep '^run ' "$tmp/log2")" = "run $victim"
check "resumed sweep skips the 3 others" test "$(grep -c '^skip ' "$tmp/log2")" -eq 3
check "deleted point written again" test -s "$out/$victim.h5" -a -s "$out/$victim.json"
check "other points untouched (mtimes)" test "$before" = "$(mtimes)"
check "index.csv still has 4 rows" test "$(python3 -c 'import csv,sys; print(len(list(csv.reader(open(sys.argv[1])))) - 1)' "$out/index.csv")" -eq 4

# ---- failures: a failing binary leaves NAME.err and a non-zero exit ----------------------------
failing="$tmp/failing-orrery"
printf '#!/bin/sh\necho "boom: $*" >&2\nexit 1\n' >"$failing"
chmod +x "$failing"
status=0
ORRERY=$failing "$sweep" "$scenario" "$tmp/fail" a=1,2 -j 2 2>"$tmp/log3" || status=$?
check "failing points make the sweep exit 1" test "$status" -eq 1
check "each failing point has its .err" test -f "$tmp/fail/a=1.err" -a -f "$tmp/fail/a=2.err"
check ".err holds the exit status" grep -q 'exit status 1' "$tmp/fail/a=1.err"
check ".err holds the stderr" grep -q 'boom: run' "$tmp/fail/a=1.err"
check "failing points leave no .json" test ! -e "$tmp/fail/a=1.json" -a ! -e "$tmp/fail/a=2.json"

# ---- bad invocations exit 2 --------------------------------------------------------------------
exits_2() {
    local status=0
    "$sweep" "$@" >/dev/null 2>&1 || status=$?
    [[ $status -eq 2 ]] || { echo "    exit status $status for: $*"; return 1; }
}
check "no key=values: exit 2" exits_2 "$scenario" "$tmp/bad"
check "no arguments: exit 2" exits_2
check "missing scenario file: exit 2" exits_2 "$tmp/no-such.yaml" "$tmp/bad" workload.micro_batches=4
check "empty value list: exit 2" exits_2 "$scenario" "$tmp/bad" workload.micro_batches=
check "not key=values: exit 2" exits_2 "$scenario" "$tmp/bad" workload.micro_batches
check "bad -j: exit 2" exits_2 "$scenario" "$tmp/bad" workload.micro_batches=4 -j zero

echo "$passed passed, $failed failed"
((failed == 0))
