#!/usr/bin/env bash
# Test scripts/sweep.sh against the real simulator.
#
#   tests/scripts/test_sweep.sh ORRERY_BINARY SCENARIO
#
# SCENARIO is the quickstart scenario; it must accept --set workload.schedule=gpipe|1f1b and
# --set workload.micro_batches=4|8. Prints 'N passed, M failed' last; exits 1 if any check failed.
set -euo pipefail

# shellcheck source=sweep_checks.sh
source "$(dirname -- "${BASH_SOURCE[0]}")/sweep_checks.sh"

tmp=$(mktemp -d "${TMPDIR:-/tmp}/orrery-test-sweep.XXXXXX")
trap 'rm -rf -- "$tmp"' EXIT

out="$tmp/out"

# ---- first run: every point runs ---------------------------------------------------------------
status=0
"$sweep" "$scenario" "$out" "${grid[@]}" -j 2 2>"$tmp/log1" || status=$?
sed 's/^/    | /' "$tmp/log1"
check "sweep exits 0" test "$status" -eq 0

check "one .h5 and one .json per grid point" all_files_there "$out"
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
before=$(mtimes_but "$out" "$victim")
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
check "other points untouched (mtimes)" test "$before" = "$(mtimes_but "$out" "$victim")"
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

# ---- YAML flow values: commas inside [], {} and quotes do not split ---------------------------
# A stand-in binary writes the result file and prints its --set words as the summary, so the test
# sees exactly what each point passed on (the simulator's parsing of such values has its own tests).
echoing="$tmp/echoing-orrery"
cat >"$echoing" <<'EOF'
#!/usr/bin/env python3
import json, sys
args = sys.argv[1:]
open(args[args.index("-o") + 1], "w").write("h5")
print(json.dumps({"sets": "|".join(a for i, a in enumerate(args) if i and args[i - 1] == "--set")}))
EOF
chmod +x "$echoing"
flow=("collectives[0].dims=[8,8],[4,16]" "cluster.scale_out={kind: chain, bw: \"50 GB/s\"},'a,b'")
status=0
ORRERY=$echoing "$sweep" "$scenario" "$tmp/flow" "${flow[@]}" -j 2 2>"$tmp/log4" || status=$?
check "flow-syntax sweep exits 0" test "$status" -eq 0
# 2 x 2 points; a name is the key=value pairs joined by '__', each character but [A-Za-z0-9._=-]
# turned into '_' (worked out by hand here).
flow_names=(
    "collectives_0_.dims=_8_8___cluster.scale_out=_kind__chain__bw___50_GB_s__"
    "collectives_0_.dims=_8_8___cluster.scale_out=_a_b_"
    "collectives_0_.dims=_4_16___cluster.scale_out=_kind__chain__bw___50_GB_s__"
    "collectives_0_.dims=_4_16___cluster.scale_out=_a_b_"
)
check "flow-syntax sweep has 4 points" test "$(find "$tmp/flow" -maxdepth 1 -name '*.json' | wc -l)" -eq 4
flow_files_there() {
    local n
    for n in "${flow_names[@]}"; do
        [[ -f $tmp/flow/$n.json ]] || { echo "    missing $n.json"; return 1; }
    done
}
check "flow-syntax points have the sanitized names" flow_files_there
flow_values() {
    python3 - "$tmp/flow" "${flow_names[@]}" <<'PY'
import csv, json, os, sys
outdir, names = sys.argv[1], sys.argv[2:]
values = [(d, s) for d in ["[8,8]", "[4,16]"] for s in ['{kind: chain, bw: "50 GB/s"}', "'a,b'"]]
problems = []
for name, (d, s) in zip(names, values):  # each point got its two values whole, as --set words
    got = json.load(open(os.path.join(outdir, name + ".json")))["sets"]
    if got != f"collectives[0].dims={d}|cluster.scale_out={s}":
        problems.append(f"{name}: --set words {got!r}")
rows = list(csv.reader(open(os.path.join(outdir, "index.csv"), newline="")))
if [tuple(r[:2]) for r in rows[1:]] != values:
    problems.append(f"index.csv key columns {[r[:2] for r in rows[1:]]}")
for p in problems:
    print("    " + p)
sys.exit(1 if problems else 0)
PY
}
check "each point passed its values whole; index.csv lists them" flow_values

# The real simulator takes such values whole: two scale_out maps, GPipe. With communication the
# quickstart's iteration is (m+p-1)(t_f+t_b) + 2(p-1)c with c = 5 us + 32 MiB / bandwidth (the
# closed form in scenarios/quickstart.yaml; it holds while c < t_f = 1 ms): 37.057 ms at 50 GB/s,
# 35.043 ms at 100 GB/s. Each transfer is rounded to the nanosecond, so 6 of them: within 10 ns.
maps="{kind: chain, link_bandwidth: \"50 GB/s\", link_latency: \"5 us\"},"
maps+="{kind: chain, link_bandwidth: \"100 GB/s\", link_latency: \"5 us\"}"
status=0
"$sweep" "$scenario" "$tmp/maps" "cluster.scale_out=$maps" workload.schedule=gpipe 2>"$tmp/log5" || status=$?
check "a sweep over two scale_out maps exits 0" test "$status" -eq 0
map_iterations() {
    python3 - "$tmp/maps/index.csv" <<'PY'
import csv, sys
rows = list(csv.DictReader(open(sys.argv[1], newline="")))
want = [11 * 3e-3 + 6 * (5e-6 + 32 * 2**20 / bw) for bw in (50e9, 100e9)]
got = [float(r["iteration_time_s"]) for r in rows]
ok = len(got) == 2 and all(abs(g - w) <= 1e-8 for g, w in zip(got, want))
if not ok:
    print(f"    iteration_time_s {got}, want {want}")
sys.exit(0 if ok else 1)
PY
}
check "each map reached the simulator (GPipe closed form at 50 and 100 GB/s)" map_iterations

# Malformed value lists: exit 2 naming the column in the argument and the key; nothing written.
sweep_cmd=("$sweep")
exits_2_saying() {  # exits_2_saying MESSAGE ARGS...: sweep.sh ARGS exits 2, stderr holds MESSAGE
    local message=$1 status=0
    shift
    "${sweep_cmd[@]}" "$@" >/dev/null 2>"$tmp/err" || status=$?
    [[ $status -eq 2 ]] || { echo "    exit status $status for: $*"; return 1; }
    grep -qF -- "$message" "$tmp/err" || { echo "    stderr:"; sed 's/^/    /' "$tmp/err"; return 1; }
    [[ ! -e $tmp/bad ]] || { echo "    $tmp/bad was written"; return 1; }
}
check "unclosed '[': exit 2, column 3" \
    exits_2_saying "argument 'd=[8,8', column 3: d: '[' is never closed" "$scenario" "$tmp/bad" 'd=[8,8'
check "stray ']': exit 2, column 4" \
    exits_2_saying "argument 'd=8]', column 4: d: ']' closes nothing" "$scenario" "$tmp/bad" 'd=8]'
check "'}' closing a '[': exit 2, both columns" \
    exits_2_saying "column 9: d: '}' does not close the '[' at column 7" "$scenario" "$tmp/bad" 'd={x: [1}'
check "unclosed quote: exit 2, its column" \
    exits_2_saying "column 3: d: the quote ' is never closed" "$scenario" "$tmp/bad" "d='a,b"
check "two values with one file name: exit 2" \
    exits_2_saying "two grid points map to the same file name 'd=_8_'" "$scenario" "$tmp/bad" 'd=[8],{8}'
check "--partition without --slurm: exit 2" \
    exits_2_saying "--partition, --time and --sbatch-arg go with --slurm" \
    --partition debug "$scenario" "$tmp/bad" workload.micro_batches=4
# --slurm where sbatch is not on PATH (which holds only what sweep.sh runs before its check).
nobin="$tmp/no-slurm-bin"
mkdir -p "$nobin"
for tool in bash dirname basename nproc; do ln -s "$(command -v "$tool")" "$nobin/$tool"; done
sweep_cmd=(env "PATH=$nobin" "$sweep")
check "--slurm without sbatch: exit 2, nothing written" \
    exits_2_saying "--slurm needs the Slurm client commands, but 'sbatch' is not on PATH" \
    --slurm "$scenario" "$tmp/bad" workload.micro_batches=4,8
sweep_cmd=("$sweep")

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

report
