# shellcheck shell=bash
# What test_sweep.sh and test_sweep_slurm.sh share (sourced): their arguments, the 2x2 grid of the
# quickstart scenario and its point names, and the checks' bookkeeping.
#
#   source sweep_checks.sh ORRERY_BINARY SCENARIO
#
# sets sweep (scripts/sweep.sh), binary (absolute), scenario, grid, names, and exports ORRERY.

if (($# != 2)); then
    echo "usage: $0 ORRERY_BINARY SCENARIO" >&2
    exit 2
fi
sweep="$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")" && pwd)/../../scripts/sweep.sh"
binary=$(cd -- "$(dirname -- "$1")" && pwd)/$(basename -- "$1")
scenario=$2
[[ -x $binary ]] || { echo "not an executable: $1" >&2; exit 2; }
[[ -f $scenario ]] || { echo "no scenario file: $scenario" >&2; exit 2; }
export ORRERY=$binary

# The quickstart accepts both schedules and both micro-batch counts. Point names: sweep.sh --help
# (key=value pairs joined by '__', first key slowest).
grid=("workload.schedule=gpipe,1f1b" "workload.micro_batches=4,8")
names=(
    "workload.schedule=gpipe__workload.micro_batches=4"
    "workload.schedule=gpipe__workload.micro_batches=8"
    "workload.schedule=1f1b__workload.micro_batches=4"
    "workload.schedule=1f1b__workload.micro_batches=8"
)

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

# all_files_there DIR: every grid point has a non-empty .h5 and .json in DIR.
all_files_there() {
    local n
    for n in "${names[@]}"; do
        [[ -s $1/$n.h5 && -s $1/$n.json ]] || { echo "    missing $n.h5 or $n.json"; return 1; }
    done
}

# mtimes_but DIR VICTIM: the modification times of the other points' files, to see them untouched.
mtimes_but() {
    local n
    for n in "${names[@]}"; do
        [[ $n == "$2" ]] || stat -c '%n %y' -- "$1/$n.h5" "$1/$n.json"
    done
}

# report: the last line, and the exit status (1 if any check failed).
report() {
    echo "$passed passed, $failed failed"
    ((failed == 0))
}
