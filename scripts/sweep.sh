#!/usr/bin/env bash
# Run an orrery scenario over a Cartesian grid of --set overrides, in parallel here or as one Slurm
# job array.
#
#   scripts/sweep.sh SCENARIO OUTDIR key=v1,v2,... [key2=v3,v4 ...] [-j N]
#   scripts/sweep.sh --slurm [--partition P] [--time T] [--sbatch-arg ARG]... SCENARIO OUTDIR ...
#
# For each grid point NAME (e.g. workload.schedule=gpipe__workload.micro_batches=8) it runs
#   orrery run SCENARIO -o OUTDIR/NAME.h5 --json --set key=v ...
# and keeps the JSON summary in OUTDIR/NAME.json. A point whose .h5 and .json both exist is skipped,
# so an interrupted sweep can be resumed by running the same command again. A failed point leaves
# OUTDIR/NAME.err (exit status and stderr); the others still run, and the sweep then exits 1.
# Finally OUTDIR/index.csv gets one row per successful point, in grid order. Both modes run a point
# with run_point (scripts/sweep_lib.sh); scripts/sweep_slurm.sh submits the array and waits for it.
#
# The binary is $ORRERY if set, else build/release/orrery under the repository root, else (in an
# installed tree) the bin/orrery of its prefix.
set -euo pipefail

script_dir=$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")" && pwd)
repo_root=$(dirname -- "$script_dir")
prog=$(basename -- "$0")
# shellcheck source=sweep_lib.sh
source "$script_dir/sweep_lib.sh"
# shellcheck source=sweep_slurm.sh
source "$script_dir/sweep_slurm.sh"

usage() {
    cat <<EOF
usage: $prog [--slurm [--partition P] [--time T] [--sbatch-arg ARG]...]
       SCENARIO OUTDIR key=v1,v2,... [key2=v3,v4,... ...] [-j N]

Runs 'orrery run SCENARIO -o OUTDIR/NAME.h5 --json --set key=v ...' for every point of the
Cartesian product of the value lists (first key varies slowest), N points at a time
(-j may appear anywhere; default: the number of processors). Values split on the commas
outside [], {} and quotes, so YAML flow lists and maps are values: 'dims=[8,8],[4,16]'.

--slurm: submit the points still to run as one Slurm job array, one point per task
(sbatch --array=0-K, plus %N when -j N is given), wait for it (polling squeue), then write the
index as a local sweep does. OUTDIR, SCENARIO and the binary must be visible from the nodes.
  --partition P, --time T   sbatch's --partition and --time
  --sbatch-arg ARG          any other sbatch option (repeatable), e.g. --sbatch-arg=--mem=8G
Task logs: OUTDIR/slurm/JOBID_TASK.out. An interrupted sweep cancels its array; one whose
array of the same OUTDIR still runs (its sweep.sh was killed) exits 2.

Per point NAME (key=value pairs joined by '__', characters other than [A-Za-z0-9._=-] -> '_'):
  OUTDIR/NAME.h5    the result file
  OUTDIR/NAME.json  the JSON summary (points with both files are skipped: re-run to resume)
  OUTDIR/NAME.err   exit status and stderr of a failed run
OUTDIR/index.csv: grid keys, then every summary key (lists joined with ';'); one row per
successful point, in grid order. Progress ('run NAME' / 'skip NAME'; with --slurm 'queue NAME',
and 'run NAME' in the task logs) goes to stderr.

The binary is \$ORRERY if set, else build/release/orrery under the repository root, else (in an
installed tree) the bin/orrery of its prefix.
Exit status: 0 all points succeeded, 1 some point failed, 2 bad arguments.
EOF
}

die_usage() {
    echo "$prog: $*" >&2
    echo "usage: $prog [--slurm ...] SCENARIO OUTDIR key=v1,v2,... [key2=v3,v4,... ...] [-j N]  (--help for more)" >&2
    exit 2
}

# ---- arguments -------------------------------------------------------------------------------
njobs="" slurm=0 slurm_partition="" slurm_time="" slurm_extra=()
positional=()
while (($#)); do
    case $1 in
        -h | --help) usage; exit 0 ;;
        -j | --jobs | --partition | --time | --sbatch-arg)
            (($# >= 2)) || die_usage "$1 needs a value"
            case $1 in
                --partition) slurm_partition=$2 ;;
                --time) slurm_time=$2 ;;
                --sbatch-arg) slurm_extra+=("$2") ;;
                *) njobs=$2 ;;
            esac
            shift 2 ;;
        --jobs=*) njobs=${1#--jobs=}; shift ;;
        -j*) njobs=${1#-j}; shift ;;
        --slurm) slurm=1; shift ;;
        --partition=*) slurm_partition=${1#--partition=}; shift ;;
        --time=*) slurm_time=${1#--time=}; shift ;;
        --sbatch-arg=*) slurm_extra+=("${1#--sbatch-arg=}"); shift ;;
        --) shift; positional+=("$@"); break ;;
        -*) die_usage "unknown option: $1" ;;
        *) positional+=("$1"); shift ;;
    esac
done
if ((!slurm)) && [[ -n $slurm_partition$slurm_time || ${#slurm_extra[@]} -gt 0 ]]; then
    die_usage "--partition, --time and --sbatch-arg go with --slurm"
fi
slurm_throttle=$njobs  # with --slurm only an explicit -j limits how many tasks run at once
if [[ -z $njobs ]]; then
    njobs=$(nproc 2>/dev/null || getconf _NPROCESSORS_ONLN 2>/dev/null || echo 1)
fi
[[ $njobs =~ ^[1-9][0-9]*$ ]] || die_usage "-j wants a positive integer, not '$njobs'"
((!slurm)) || slurm_require_clients

((${#positional[@]} >= 3)) || die_usage "need SCENARIO, OUTDIR and at least one key=v1,v2,... list"
scenario=${positional[0]}
outdir=${positional[1]}
specs=("${positional[@]:2}")
[[ -f $scenario ]] || die_usage "scenario file not found: $scenario"

orrery=${ORRERY:-$repo_root/build/release/orrery}
# In an installed tree (PREFIX/share/orrery/scripts), the program is PREFIX/bin/orrery.
[[ -z ${ORRERY:-} && ! -x $orrery && -x $repo_root/../../bin/orrery ]] && orrery=$repo_root/../../bin/orrery
[[ -x $orrery ]] || die_usage "orrery binary not found or not executable: $orrery (build it, or set ORRERY)"
if ((slurm)); then  # the array's tasks start elsewhere
    scenario=$(realpath -- "$scenario")
    orrery=$(realpath -- "$orrery")
    outdir=$(realpath -m -- "$outdir")
fi

# Grid: keys[i] with its values at vals[off[i]] .. vals[off[i]+cnt[i]-1].
keys=() vals=() off=() cnt=()
for spec in "${specs[@]}"; do
    [[ $spec == *=* ]] || die_usage "not a key=v1,v2,... list: '$spec'"
    key=${spec%%=*}
    list=${spec#*=}
    [[ -n $key ]] || die_usage "empty key in '$spec'"
    for k in "${keys[@]}"; do
        [[ $k != "$key" ]] || die_usage "key given twice: $key"
    done
    [[ -n $list ]] || die_usage "empty value list for $key"
    split_values "$list" $((${#key} + 1)) ||
        die_usage "argument '$spec', column $SPLIT_COLUMN: $key: $SPLIT_ERROR"
    for v in "${SPLIT[@]}"; do
        [[ -n $v ]] || die_usage "empty value in '$spec'"
    done
    off+=("${#vals[@]}")
    cnt+=("${#SPLIT[@]}")
    vals+=("${SPLIT[@]}")
    keys+=("$key")
done
nkeys=${#keys[@]}

# ---- points ------------------------------------------------------------------------------------
# Enumerate the product with an odometer over value indices, the last key turning fastest.
# points_name[p] is the file stem; points_args holds nkeys "key=value" words per point.
points_name=() points_args=() points_vals=()
declare -A seen_names=()
idx=()
for ((i = 0; i < nkeys; i++)); do idx+=(0); done
while true; do
    name="" args=()
    for ((i = 0; i < nkeys; i++)); do
        v=${vals[off[i] + idx[i]]}
        args+=("${keys[i]}=$v")
        points_vals+=("$v")
        name+="${name:+__}${keys[i]}=$v"
    done
    name=${name//[^A-Za-z0-9._=-]/_}
    if ((${#name} > 200)); then  # stay under file-name length limits; keep it unique with a checksum
        name="${name:0:180}__$(printf '%s' "${args[*]}" | cksum | cut -d' ' -f1)"
    fi
    [[ -z ${seen_names[$name]:-} ]] || die_usage "two grid points map to the same file name '$name'"
    seen_names[$name]=1
    points_name+=("$name")
    points_args+=("${args[@]}")
    # Advance the odometer.
    i=$((nkeys - 1))
    while ((i >= 0)); do
        idx[i]=$((idx[i] + 1))
        ((idx[i] < cnt[i])) && break
        idx[i]=0
        i=$((i - 1))
    done
    ((i >= 0)) || break
done
npoints=${#points_name[@]}

# ---- running -----------------------------------------------------------------------------------
# todo_names: the points still to run; todo_args: their nkeys key=value words each.
todo_names=() todo_args=()
for ((p = 0; p < npoints; p++)); do
    name=${points_name[p]}
    if point_done "$outdir" "$name"; then
        echo "skip $name" >&2
    else
        todo_names+=("$name")
        todo_args+=("${points_args[@]:p*nkeys:nkeys}")
    fi
done
nrun=${#todo_names[@]}
if ((slurm && nrun > 0)); then
    slurm_check_idle
    slurm_validate "$nrun"
fi

mkdir -p -- "$outdir"
export SWEEP_ORRERY=$orrery SWEEP_SCENARIO=$scenario SWEEP_OUTDIR=$outdir
if ((nrun > 0 && slurm)); then
    slurm_run "${todo_names[@]}" || exit 1
elif ((nrun > 0)); then
    # xargs gets NUL-separated words: NAME then its nkeys key=value words, for each point; it starts
    # a child bash per point, which needs the functions exported.
    export -f run_point write_err
    xstatus=0
    for ((p = 0; p < nrun; p++)); do
        printf '%s\0' "${todo_names[p]}" "${todo_args[@]:p*nkeys:nkeys}"
    done | xargs -0 -r -n $((nkeys + 1)) -P "$njobs" bash -c 'set -uo pipefail; run_point "$@"' run_point ||
        xstatus=$?
    # 123: some point failed (each left its .err); anything else means xargs itself gave up.
    if ((xstatus != 0 && xstatus != 123)); then
        echo "$prog: xargs stopped with status $xstatus" >&2
        exit 1
    fi
fi

# ---- index -------------------------------------------------------------------------------------
index_args=("$outdir" "$nkeys" "${keys[@]}")
for ((p = 0; p < npoints; p++)); do
    index_args+=("${points_name[p]}" "${points_vals[@]:p*nkeys:nkeys}")
done
write_index "${index_args[@]}"

# ---- report ------------------------------------------------------------------------------------
failed=()
for name in "${points_name[@]}"; do
    point_done "$outdir" "$name" || failed+=("$name")
done
echo "$prog: $npoints points ($nrun run, $((npoints - nrun)) skipped, ${#failed[@]} failed); index: $outdir/index.csv" >&2
if ((${#failed[@]})); then
    for name in "${failed[@]}"; do
        echo "$prog: failed: $name (see $outdir/$name.err)" >&2
    done
    exit 1
fi
