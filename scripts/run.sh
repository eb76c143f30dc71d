#!/usr/bin/env bash
# Sets up, builds (Release, incrementally) and runs a scenario:
#   scripts/run.sh [SCENARIO.yaml] [orrery run options, e.g. --set key=value]
# Default scenario: scenarios/quickstart.yaml. Prints the summary table and
# writes results/NAME.h5 under the repository root, recording the timeline of
# one representative data-parallel replica (--record-devices representative;
# every device for a workload without replicas), so that a 16,384-GPU run
# stays small. Give --record-devices all (or a list) to record more, and
# --trace results/NAME.trace.json for a Perfetto trace (none by default: it
# grows with every span).
set -euo pipefail
root=$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")/.." && pwd)
"$root/scripts/install_deps.sh"

scenario=${1:-$root/scenarios/quickstart.yaml}
[[ $# -gt 0 ]] && shift
if [[ ! -f $scenario ]]; then
  echo "error: no scenario file '$scenario'" >&2
  exit 2
fi

if [[ ! -f $root/build/release/build.ninja ]]; then
  cmake --preset release -S "$root" >/dev/null
fi
cmake --build "$root/build/release" --target orrery >&2

record=(--record-devices representative)
for arg in "$@"; do
  [[ $arg == --record-devices* ]] && record=()
done

name=$(basename -- "$scenario" .yaml)
mkdir -p "$root/results"
exec "$root/build/release/orrery" run "$scenario" -o "$root/results/$name.h5" "${record[@]}" "$@"
