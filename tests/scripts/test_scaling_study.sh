#!/usr/bin/env bash
# Smoke test of scripts/scaling_study.sh: the two smallest points with both network models, the
# table, the plot and the Markdown table; every point must run (status ok) and report the events
# and iteration time of its JSON summary.
#   tests/scripts/test_scaling_study.sh ORRERY PYTHON
set -euo pipefail
orrery=$1
python=$2
repo_root=$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")/../.." && pwd)
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
ORRERY=$orrery PYTHON=$python "$repo_root/scripts/scaling_study.sh" "$out" --max-gpus 128 --limit 120 > /dev/null
for f in scaling.csv scaling.png scaling.svg scaling.md; do
    [[ -s $out/$f ]] || { echo "missing $f" >&2; exit 1; }
done
ok=$(grep -c ',ok$' "$out/scaling.csv")
[[ $ok == 4 ]] || { echo "expected 4 points ok, got $ok:" >&2; cat "$out/scaling.csv" >&2; exit 1; }
# The analytic 128-GPU point's events are those of its JSON summary.
want=$("$python" -c 'import json,sys; print(json.load(open(sys.argv[1]))["events"])' "$out/analytic-128.json")
got=$(awk -F, '$1=="analytic" && $2==128 {print $5}' "$out/scaling.csv")
[[ $want == "$got" ]] || { echo "events: csv $got, summary $want" >&2; exit 1; }
# Bad arguments: exit 2 with a message, nothing written.
for args in "--networks bogus" "--max-gpus many" "--limit"; do
    status=0
    # shellcheck disable=SC2086
    ORRERY=$orrery "$repo_root/scripts/scaling_study.sh" "$out/bad" $args 2> "$out/err" || status=$?
    [[ $status == 2 && -s $out/err && ! -e $out/bad ]] || { echo "scaling_study.sh $args: exit $status" >&2; exit 1; }
done
echo "scaling study smoke: ok"
