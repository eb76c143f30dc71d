# shellcheck shell=bash
# The Slurm back end of scripts/sweep.sh --slurm (sourced by it, not run; it reads sweep.sh's
# globals prog, script_dir, orrery, scenario, outdir, nkeys and the slurm_* options).
#
# The points still to run go to one job array: OUTDIR/slurm/points.XXXXXX holds one point a line
# (NAME and its key=value words, quoted by printf %q), and array task i runs line i+1 through
# run_point_line (scripts/sweep_lib.sh), so a point runs exactly as in a local sweep. sweep.sh
# then waits for the array by polling squeue (see slurm_wait), which needs no accounting database
# and lets an interrupt cancel the array. Task logs go to OUTDIR/slurm/JOBID_TASK.out.

# slurm_require_clients: exit 2 unless sbatch, squeue and scancel are on PATH.
slurm_require_clients() {
    local tool
    for tool in sbatch squeue scancel; do
        command -v "$tool" >/dev/null 2>&1 ||
            die_usage "--slurm needs the Slurm client commands, but '$tool' is not on PATH"
    done
}

# slurm_options NTASKS: sets sbatch_opts to the options of the array (the job's script comes on
# stdin). The log path is filled in by slurm_run. The comment names OUTDIR, for slurm_check_idle.
slurm_options() {
    sbatch_opts=(--job-name=orrery-sweep "--comment=$outdir"
        "--array=0-$(($1 - 1))${slurm_throttle:+%$slurm_throttle}")
    [[ -z $slurm_partition ]] || sbatch_opts+=("--partition=$slurm_partition")
    [[ -z $slurm_time ]] || sbatch_opts+=("--time=$slurm_time")
    sbatch_opts+=("${slurm_extra[@]}")
}

# slurm_check_idle: exit 2 if an array of this user still runs points of OUTDIR (its sweep.sh was
# killed without cancelling it): two tasks must never write the same point.
slurm_check_idle() {
    local job comment
    while read -r job comment; do
        [[ $comment != "$outdir" ]] ||
            die_usage "job array $job still runs points of $outdir; wait for it or scancel it first"
    done < <(squeue -h -u "$(id -un)" -n orrery-sweep -o '%A %k' 2>/dev/null || true)
}

# slurm_validate NTASKS: asks the controller whether the array would be accepted (sbatch
# --test-only submits nothing), so that a bad partition, time or --sbatch-arg exits 2 before
# anything is written.
slurm_validate() {
    slurm_options "$1"
    local out status=0
    out=$(printf '#!/bin/sh\ntrue\n' | sbatch --test-only "${sbatch_opts[@]}" 2>&1) || status=$?
    if ((status != 0)); then
        printf '%s\n' "$out" | sed 's/^/  /' >&2
        die_usage "sbatch refuses the job array (options: ${sbatch_opts[*]})"
    fi
}

# slurm_wait JOBID: returns when no task of JOBID is pending or running any more. It polls every
# tenth of the time waited so far, between 0.5 s and 15 s: a sweep of seconds ends at most 0.5 s
# late, one of hours costs the controller an squeue every 15 s.
slurm_wait() {
    local job=$1 out errors=0 start_ms now_ms delay_ms
    start_ms=$(date +%s%3N)
    while true; do
        if out=$(squeue -h -j "$job" -o %T 2>&1); then
            [[ -n $out ]] || return 0
            errors=0
        elif [[ $out == *"Invalid job id"* ]]; then
            return 0  # finished and already purged from the controller
        else
            errors=$((errors + 1))
            ((errors % 10 != 1)) || echo "$prog: squeue failed (still waiting for job $job): $out" >&2
        fi
        now_ms=$(date +%s%3N)
        delay_ms=$(((now_ms - start_ms) / 10))
        ((delay_ms >= 500)) || delay_ms=500
        ((delay_ms <= 15000)) || delay_ms=15000
        sleep "$((delay_ms / 1000)).$(printf %03d $((delay_ms % 1000)))" &
        slurm_sleep_pid=$!
        wait "$slurm_sleep_pid" || true  # a signal's trap runs at once, not after the sleep
        slurm_sleep_pid=""
    done
}

# slurm_interrupted JOBID STATUS: the trap of a signal while waiting: cancel the array and exit.
slurm_interrupted() {
    [[ -z ${slurm_sleep_pid:-} ]] || kill "$slurm_sleep_pid" 2>/dev/null || true
    scancel "$1" || true
    echo "$prog: interrupted; cancelled job array $1 (re-run the same command to resume)" >&2
    exit "$2"
}

# slurm_run NAME...: runs the points as one array, their key=value words (nkeys a point) in
# sweep.sh's todo_args, and waits for it. A task that ended without its result files or an .err
# (cancelled, out of time, its node lost) gets an .err pointing at its log. Returns 1 when the
# array could not be submitted.
slurm_run() {
    local -a names=("$@")
    local n=${#names[@]} logdir="$outdir/slurm" points p
    mkdir -p -- "$logdir"
    points=$(mktemp "$logdir/points.XXXXXX")
    for ((p = 0; p < n; p++)); do
        printf '%q ' "${names[p]}" "${todo_args[@]:p*nkeys:nkeys}" >>"$points"
        echo >>"$points"
        rm -f -- "$outdir/${names[p]}.err"  # a stale one must not stand for this attempt
    done

    slurm_options "$n"
    local job_script job
    job_script=$(
        echo '#!/usr/bin/env bash'
        echo "# From $prog --slurm: array task i runs the point on line i+1 of the points file."
        echo 'set -uo pipefail'
        printf 'export SWEEP_ORRERY=%q SWEEP_SCENARIO=%q SWEEP_OUTDIR=%q\n' "$orrery" "$scenario" "$outdir"
        printf 'source %q\n' "$script_dir/sweep_lib.sh"
        # shellcheck disable=SC2016 # the task expands it
        printf 'run_point_line %q "$SLURM_ARRAY_TASK_ID"\n' "$points"
    )
    # '%' starts a pattern in --output; '%%' is a literal one.
    if ! job=$(sbatch --parsable "${sbatch_opts[@]}" "--output=${logdir//%/%%}/%A_%a.out" \
        <<<"$job_script"); then
        echo "$prog: sbatch failed; nothing was submitted" >&2
        return 1
    fi
    job=${job%%;*}  # --parsable prints JOBID or JOBID;CLUSTER
    trap 'slurm_interrupted "$job" 129' HUP
    trap 'slurm_interrupted "$job" 130' INT
    trap 'slurm_interrupted "$job" 143' TERM
    for ((p = 0; p < n; p++)); do echo "queue ${names[p]}" >&2; done
    echo "$prog: submitted job array $job ($n tasks); logs in $logdir/${job}_TASK.out" >&2
    slurm_wait "$job"
    trap - INT TERM HUP

    local -A state=()
    local task st
    while read -r task st; do
        state[$task]=$st
    done < <(squeue -h -t all -j "$job" -o '%K %T' 2>/dev/null || true)
    for ((p = 0; p < n; p++)); do
        local name=${names[p]}
        if ! point_done "$outdir" "$name" && [[ ! -f $outdir/$name.err ]]; then
            local log="$logdir/${job}_$p.out"
            {
                echo "Slurm array task ${job}_$p ended without a result (state: ${state[$p]:-unknown})"
                echo "log: $log"
                echo "--- log (last 20 lines)"
                tail -n 20 -- "$log" 2>/dev/null || echo "(no log)"
            } | write_err "$outdir/$name"
        fi
    done
}
