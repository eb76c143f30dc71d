#!/usr/bin/env bash
# Test scripts/sweep.sh --slurm against a real single-node Slurm started here.
#
#   tests/scripts/test_sweep_slurm.sh ORRERY_BINARY SCENARIO
#
# Starts munged, slurmctld and slurmd (Debian's munge and slurm-wlm) as root with a generated
# slurm.conf in a temporary folder, names the node and the controller 'localhost' (slurmd -N), so
# that the machine's own hostname never matters, and stops them all on exit. Exits 77 (skipped)
# when those programs are missing or it is not root. SCENARIO is the quickstart scenario, as for
# test_sweep.sh. Prints 'N passed, M failed' last; exits 1 if any check failed.
set -euo pipefail

# shellcheck source=sweep_checks.sh
source "$(dirname -- "${BASH_SOURCE[0]}")/sweep_checks.sh"
for tool in munged mungekey slurmctld slurmd sbatch squeue scancel sinfo; do
    command -v "$tool" >/dev/null 2>&1 || { echo "skipped: $tool not found (apt-get install slurm-wlm munge)"; exit 77; }
done
((EUID == 0)) || { echo "skipped: the Slurm daemons need root"; exit 77; }

# munged wants every folder above its socket searchable by all, and its key private.
tmp=$(mktemp -d "${TMPDIR:-/tmp}/orrery-test-slurm.XXXXXX")
chmod 755 "$tmp"
mkdir -m 700 "$tmp/key" "$tmp/state" "$tmp/spool" "$tmp/log"
mkdir -m 755 "$tmp/run"
# Every process started for this test carries the mark, so that strays can be found by it.
mark="ORRERY_SLURM_TEST=$tmp"
daemons=()

stop_daemons() {
    set +e
    # This private cluster's jobs only; with no controller left scancel would retry for 18 s.
    ((${#daemons[@]} < 3)) || timeout 5 scancel --full --quiet --user=root 2>/dev/null
    local pid i
    for ((i = ${#daemons[@]} - 1; i >= 0; i--)); do  # slurmd, slurmctld, then munged
        pid=${daemons[i]}
        kill -TERM "$pid" 2>/dev/null
        for _ in {1..50}; do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
        kill -KILL "$pid" 2>/dev/null
        wait "$pid" 2>/dev/null
    done
    daemons=()
}
# strays: the pids of the processes still carrying the mark (a zombie's environ is empty).
strays() {
    local f
    for f in $(grep -lzxF -- "$mark" /proc/[0-9]*/environ 2>/dev/null); do
        f=${f#/proc/}
        echo "${f%/environ}"
    done
}
cleanup() {
    stop_daemons
    local pid
    for pid in $(strays); do kill -KILL "$pid" 2>/dev/null || true; done
    rm -rf -- "$tmp"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

show_logs() {
    local f
    for f in "$tmp"/log/*; do
        echo "--- $f"
        tail -n 20 -- "$f"
    done
}

# ---- the cluster -------------------------------------------------------------------------------
read -r ctld_port slurmd_port < <(python3 -c '
import socket
socks = [socket.socket() for _ in range(2)]
for s in socks:
    s.bind(("127.0.0.1", 0))
print(*(s.getsockname()[1] for s in socks))')
export SLURM_CONF="$tmp/slurm.conf"
# batch_sched_delay=0: the controller starts array tasks on its next pass (1 s) instead of
# waiting the default 3 s, which would dominate this test's time.
cat >"$SLURM_CONF" <<EOF
ClusterName=orrerytest
SlurmctldHost=localhost
SlurmctldPort=$ctld_port
SlurmdPort=$slurmd_port
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
CredType=cred/munge
AuthInfo=socket=$tmp/run/munge.sock
StateSaveLocation=$tmp/state
SlurmdSpoolDir=$tmp/spool
SlurmctldPidFile=$tmp/run/slurmctld.pid
SlurmdPidFile=$tmp/run/slurmd.pid
SlurmctldLogFile=$tmp/log/slurmctld.log
SlurmdLogFile=$tmp/log/slurmd.log
ProctrackType=proctrack/pgid
TaskPlugin=task/none
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
JobCompType=jobcomp/none
MpiDefault=none
MailProg=/bin/true
SelectType=select/cons_tres
SelectTypeParameters=CR_CPU
SchedulerType=sched/backfill
SchedulerParameters=batch_sched_delay=0
ReturnToService=2
SlurmdParameters=config_overrides
NodeName=localhost CPUs=$(nproc) RealMemory=100 State=UNKNOWN
PartitionName=debug Nodes=localhost Default=YES MaxTime=INFINITE State=UP
EOF

mungekey --create --keyfile="$tmp/key/munge.key"
env "$mark" munged --foreground --key-file="$tmp/key/munge.key" --socket="$tmp/run/munge.sock" \
    --pid-file="$tmp/run/munged.pid" --log-file="$tmp/log/munged.log" --seed-file="$tmp/key/munge.seed" \
    >>"$tmp/log/munged.out" 2>&1 &
daemons+=($!)
for _ in {1..50}; do [[ -S $tmp/run/munge.sock ]] && break; sleep 0.1; done
env "$mark" slurmctld -D -i >>"$tmp/log/slurmctld.out" 2>&1 &
daemons+=($!)
env "$mark" slurmd -D -N localhost >>"$tmp/log/slurmd.out" 2>&1 &
daemons+=($!)
node_state=""
for _ in {1..200}; do
    node_state=$(sinfo -h -n localhost -o %t 2>/dev/null || true)
    [[ $node_state == idle ]] && break
    sleep 0.1
done
if [[ $node_state != idle ]]; then
    echo "FAIL the single-node cluster did not come up in 20 s (node state '$node_state')"
    show_logs
    exit 1
fi
echo "ok   munged, slurmctld and slurmd up; node 'localhost' idle"

# ---- a 2x2 sweep on Slurm gives the local sweep's index ----------------------------------------
"$sweep" "$scenario" "$tmp/local" "${grid[@]}" -j 2 2>/dev/null
# A --slurm sweep waits as long as its array does: 'timeout 60' (SIGTERM: sweep.sh cancels the
# array) keeps a stuck cluster from hanging the test.
slurm_sweep() {  # slurm_sweep OUTDIR LOG [ARGS...]: a --slurm sweep of the grid, marked; sets status
    local out=$1 log=$2
    shift 2
    status=0
    env "$mark" timeout 60 "$sweep" --slurm "$@" "$scenario" "$out" "${grid[@]}" 2>"$log" || status=$?
    sed 's/^/    | /' "$log"
}
out="$tmp/slurm"
slurm_sweep "$out" "$tmp/log1" -j 2
check "slurm sweep exits 0" test "$status" -eq 0
check "4 points queued, none skipped" \
    test "$(grep -c '^queue ' "$tmp/log1")/$(grep -c '^skip ' "$tmp/log1" || true)" = "4/0"
check "one .h5 and one .json per grid point" all_files_there "$out"
# Each point ran in an array task: the task logs hold the 'run NAME' lines of run_point.
check "4 array task logs, each with one 'run' line" \
    test "$(cat "$out"/slurm/*_*.out 2>/dev/null | grep -c '^run ')/$(find "$out/slurm" -name '*_*.out' | wc -l)" = "4/4"

# The two index files must agree byte for byte but for the wall_s column: the summary's only
# wall-clock value, different on every run (tests/scripts/test_determinism.py says the same).
same_index() {
    python3 - "$1" "$2" <<'PY'
import csv, io, sys

def without_wall(path):
    with open(path, newline="") as f:
        rows = list(csv.reader(f))
    col = rows[0].index("wall_s")
    out = io.StringIO()
    csv.writer(out).writerows(r[:col] + r[col + 1:] for r in rows)
    return out.getvalue()

a, b = without_wall(sys.argv[1]), without_wall(sys.argv[2])
if a != b:
    print(f"    {sys.argv[1]}:\n{a}    {sys.argv[2]}:\n{b}")
sys.exit(a != b)
PY
}
check "index.csv equals the local sweep's (but wall_s)" same_index "$tmp/local/index.csv" "$out/index.csv"

# ---- resume: an incomplete point (no .json, a cut .h5 as a killed run leaves) runs again --------
victim=${names[2]}
before=$(mtimes_but "$out" "$victim")
rm -f -- "$out/$victim.json"
truncate -s 100 -- "$out/$victim.h5"
echo '{"iteration_' >"$out/$victim.json.tmp"
slurm_sweep "$out" "$tmp/log2"
check "resumed slurm sweep exits 0" test "$status" -eq 0
check "resumed sweep queues only the incomplete point" test "$(grep '^queue ' "$tmp/log2")" = "queue $victim"
check "resumed sweep skips the 3 others" test "$(grep -c '^skip ' "$tmp/log2")" -eq 3
check "incomplete point complete again" \
    test -s "$out/$victim.json" -a "$(stat -c %s -- "$out/$victim.h5")" -gt 100
check "other points untouched (mtimes)" test "$before" = "$(mtimes_but "$out" "$victim")"
check "index.csv still equals the local sweep's" same_index "$tmp/local/index.csv" "$out/index.csv"

# ---- interrupted: SIGTERM while tasks run cancels the array; a re-run completes ---------------
slow="$tmp/slow-orrery"
printf '#!/bin/sh\nsleep 30\nexec %q "$@"\n' "$binary" >"$slow"
chmod +x "$slow"
out="$tmp/killed"
ORRERY=$slow env "$mark" "$sweep" --slurm "$scenario" "$out" "${grid[@]}" -j 2 2>"$tmp/log3" &
sweep_pid=$!
running=""
for _ in {1..100}; do  # until a task runs
    running=$(squeue -h -t running -o %i 2>/dev/null || true)
    [[ -z $running ]] || break
    sleep 0.1
done
status=0
"$sweep" --slurm "$scenario" "$out" "${grid[@]}" 2>"$tmp/log3b" || status=$?
check "a second sweep of the same OUTDIR meanwhile: exit 2" test "$status" -eq 2
check "... naming the running array" grep -qF "still runs points of $(realpath -- "$out");" "$tmp/log3b"
kill -TERM "$sweep_pid"
status=0
wait "$sweep_pid" || status=$?
sed 's/^/    | /' "$tmp/log3"
check "a task was running when the sweep got SIGTERM" test -n "$running"
check "terminated sweep exits 143" test "$status" -eq 143
queue_empty() {
    for _ in {1..50}; do
        [[ -z $(squeue -h 2>/dev/null) ]] && return 0
        sleep 0.1
    done
    squeue
    return 1
}
check "its array is cancelled (queue empty within 5 s)" queue_empty
check "no point of it is done" test "$(find "$out" -maxdepth 1 -name '*.json' | wc -l)" -eq 0
slurm_sweep "$out" "$tmp/log4" -j 2
check "re-run exits 0" test "$status" -eq 0
check "re-run queues all 4 points" test "$(grep -c '^queue ' "$tmp/log4")" -eq 4
check "re-run's index.csv equals the local sweep's" same_index "$tmp/local/index.csv" "$out/index.csv"

# ---- failures: a failing run leaves its .err; a task killed under it gets one from sweep.sh ----
failing="$tmp/failing-orrery"
cat >"$failing" <<'EOF'
#!/bin/sh
# 'a=1' fails as a run; 'a=2' kills the array task's shell (run_point's caller), so no .err
case "$*" in
    *a=2*) kill -KILL "$PPID"; sleep 5 ;;
    *) echo "boom: $*" >&2; exit 1 ;;
esac
EOF
chmod +x "$failing"
status=0
ORRERY=$failing env "$mark" timeout 60 "$sweep" --slurm "$scenario" "$tmp/fail" a=1,2 2>"$tmp/log5" || status=$?
sed 's/^/    | /' "$tmp/log5"
check "failing points make the slurm sweep exit 1" test "$status" -eq 1
check "a failed run's .err holds its exit status" grep -q 'exit status 1' "$tmp/fail/a=1.err"
check "... and its stderr" grep -q 'boom: run' "$tmp/fail/a=1.err"
check "a killed task's .err says it ended without a result" \
    grep -q 'ended without a result (state: FAILED)' "$tmp/fail/a=2.err"
check "... and names its log" grep -q "^log: .*/fail/slurm/[0-9]*_1.out" "$tmp/fail/a=2.err"
check "no .json for either" test ! -e "$tmp/fail/a=1.json" -a ! -e "$tmp/fail/a=2.json"

# ---- bad options: sbatch refuses them before anything is written -------------------------------
status=0
"$sweep" --slurm --partition no-such-partition "$scenario" "$tmp/bad" a=1 2>"$tmp/log6" || status=$?
check "unknown partition: exit 2" test "$status" -eq 2
check "... with sbatch's message" grep -q 'invalid partition' "$tmp/log6"
check "... and nothing written" test ! -e "$tmp/bad"
status=0
"$sweep" --slurm --time soon "$scenario" "$tmp/bad" a=1 2>"$tmp/log7" || status=$?
check "bad --time: exit 2, nothing written" test "$status" -eq 2 -a ! -e "$tmp/bad"

# ---- shutdown: nothing of the cluster or its jobs is left --------------------------------------
stop_daemons
left=$(strays)
check "no stray process after stopping the daemons" test -z "$left"
[[ -z $left ]] || ps -o pid,args -p "${left//$'\n'/,}" || true

report
