#!/usr/bin/env bash
# Every shipped scenario's summary, byte for byte, against the golden file
# recorded with the build before a change (tests/golden/NAME.json: the
# `orrery run --json` object without wall_s, the simulator's own time).
#   golden_summaries.sh ORRERY SCENARIO.yaml GOLDEN_DIR         compare one
#   golden_summaries.sh ORRERY --record SCENARIO_DIR GOLDEN_DIR record all
# A number that changes on purpose is re-recorded in the same commit, and the
# commit says why.
set -euo pipefail
orrery=$1
summary_of() {  # the JSON summary without "wall_s"
  "$orrery" run "$1" --json | sed -E 's/,?"wall_s":[^,}]*//'
}
if [[ $2 == --record ]]; then
  for s in "$3"/*.yaml; do
    name=$(basename "$s" .yaml)
    summary_of "$s" > "$4/$name.json"
    echo "recorded $name"
  done
  exit 0
fi
scenario=$2
golden="$3/$(basename "$scenario" .yaml).json"
[[ -f $golden ]] || { echo "no golden summary $golden: record it with --record"; exit 1; }
got=$(summary_of "$scenario")
if [[ $got != "$(cat "$golden")" ]]; then
  echo "summary of $scenario differs from $golden"
  diff <(tr ',' '\n' < "$golden") <(tr ',' '\n' <<<"$got") || true
  exit 1
fi
echo "$(basename "$scenario"): summary identical to the golden file"
