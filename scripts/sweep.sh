#!/usr/bin/env bash
# Run an orrery scenario over a Cartesian grid of --set overrides, in parallel.
#
#   scripts/sweep.sh SCENARIO OUTDIR key=v1,v2,... [key2=v3,v4 ...] [-j N]
#
# For each grid point NAME (e.g. workload.schedule=gpipe__workload.micro_batches=8) it runs
#   orrery run SCENARIO -o OUTDIR/NAME.h5 --json --set key=v ...
# and keeps the JSON summary in OUTDIR/NAME.json. A point whose .h5 and .json both exist is skipped,
# so an interrupted sweep can be resumed by running the same command again. A failed point leaves
# OUTDIR/NAME.err (exit status and stderr); the others still run, and the sweep then exits 1.
# Finally OUTDIR/index.csv gets one row per successful point, in grid order.
#
# The binary is $ORRERY if set, else build/release/orrery under the repository root.
set -euo pipefail

script_dir=$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")" && pwd)
repo_root=$(dirname -- "$script_dir")
prog=$(basename -- "$0")

usage() {
    cat <<EOF
usage: $prog SCENARIO OUTDIR key=v1,v2,... [key2=v3,v4,... ...] [-j N]

Runs 'orrery run SCENARIO -o OUTDIR/NAME.h5 --json --set key=v ...' for every point of the
Cartesian product of the value lists (first key varies slowest), N points at a time
(-j may appear anywhere; default: the number of processors).

Per point NAME (key=value pairs joined by '__', characters other than [A-Za-z0-9._=-] -> '_'):
  OUTDIR/NAME.h5    the result file
  OUTDIR/NAME.json  the JSON summary (points with both files are skipped: re-run to resume)
  OUTDIR/NAME.err   exit status and stderr of a failed run
OUTDIR/index.csv: grid keys, then every summary key (lists joined with ';'); one row per
successful point, in grid order. Progress ('run NAME' / 'skip NAME') goes to stderr.

The binary is \$ORRERY if set, else build/release/orrery under the repository root.
Exit status: 0 all points succeeded, 1 some point failed, 2 bad arguments.
EOF
}

die_usage() {
    echo "$prog: $*" >&2
    echo "usage: $prog SCENARIO OUTDIR key=v1,v2,... [key2=v3,v4,... ...] [-j N]  (--help for more)" >&2
    exit 2
}

# ---- arguments -------------------------------------------------------------------------------
njobs=""
positional=()
while (($#)); do
    case $1 in
        -h | --help) usage; exit 0 ;;
        -j | --jobs) (($# >= 2)) || die_usage "$1 needs a number"; njobs=$2; shift 2 ;;
        --jobs=*) njobs=${1#--jobs=}; shift ;;
        -j*) njobs=${1#-j}; shift ;;
        --) shift; positional+=("$@"); break ;;
        -*) die_usage "unknown option: $1" ;;
        *) positional+=("$1"); shift ;;
    esac
done
if [[ -z $njobs ]]; then
    njobs=$(nproc 2>/dev/null || getconf _NPROCESSORS_ONLN 2>/dev/null || echo 1)
fi
[[ $njobs =~ ^[1-9][0-9]*$ ]] || die_usage "-j wants a positive integer, not '$njobs'"

((${#positional[@]} >= 3)) || die_usage "need SCENARIO, OUTDIR and at least one key=v1,v2,... list"
scenario=${positional[0]}
outdir=${positional[1]}
specs=("${positional[@]:2}")
[[ -f $scenario ]] || die_usage "scenario file not found: $scenario"

orrery=${ORRERY:-$repo_root/build/release/orrery}
[[ -x $orrery ]] || die_usage "orrery binary not found or not executable: $orrery (build it, or set ORRERY)"

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
    # Split on commas; a trailing empty field ("a,") is kept by appending a sentinel comma.
    IFS=, read -r -a these <<<"$list,"
    for v in "${these[@]}"; do
        [[ -n $v ]] || die_usage "empty value in '$spec'"
    done
    off+=("${#vals[@]}")
    cnt+=("${#these[@]}")
    vals+=("${these[@]}")
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

mkdir -p -- "$outdir"

# ---- running -----------------------------------------------------------------------------------
# One point: run_point NAME key=value...; runs in a child bash started by xargs.
run_point() {
    local name=$1
    shift
    local base="$SWEEP_OUTDIR/$name"
    local cmd=("$SWEEP_ORRERY" run "$SWEEP_SCENARIO" -o "$base.h5" --json)
    local kv
    for kv in "$@"; do cmd+=(--set "$kv"); done

    echo "run $name" >&2
    rm -f -- "$base.err" "$base.json"
    local status=0
    "${cmd[@]}" >"$base.json.tmp" 2>"$base.stderr.tmp" </dev/null || status=$?
    local problem=""
    if ((status != 0)); then
        problem="exit status $status"
    elif [[ ! -f $base.h5 ]]; then
        problem="exit status 0 but no result file $base.h5"
    elif ! python3 -c 'import json, sys; assert isinstance(json.load(open(sys.argv[1])), dict)' \
        "$base.json.tmp" 2>/dev/null; then
        problem="exit status 0 but stdout is not one JSON object"
    fi
    if [[ -z $problem ]]; then
        mv -f -- "$base.json.tmp" "$base.json"
        rm -f -- "$base.stderr.tmp"
        return 0
    fi
    {
        echo "$problem"
        printf 'command:'
        printf ' %q' "${cmd[@]}"
        echo
        echo "--- stderr"
        cat -- "$base.stderr.tmp"
    } >"$base.err.tmp"
    mv -f -- "$base.err.tmp" "$base.err"
    rm -f -- "$base.json.tmp" "$base.stderr.tmp"
    echo "FAILED $name ($problem; see $base.err)" >&2
    return 1
}
export -f run_point
export SWEEP_ORRERY=$orrery SWEEP_SCENARIO=$scenario SWEEP_OUTDIR=$outdir

# Points still to run go to xargs as NUL-separated words: NAME then its nkeys key=value words.
todo=()
nrun=0
for ((p = 0; p < npoints; p++)); do
    name=${points_name[p]}
    if [[ -f $outdir/$name.json && -f $outdir/$name.h5 ]]; then
        echo "skip $name" >&2
    else
        todo+=("$name" "${points_args[@]:p*nkeys:nkeys}")
        nrun=$((nrun + 1))
    fi
done

if ((nrun > 0)); then
    xstatus=0
    printf '%s\0' "${todo[@]}" |
        xargs -0 -r -n $((nkeys + 1)) -P "$njobs" bash -c 'set -uo pipefail; run_point "$@"' run_point ||
        xstatus=$?
    # 123: some point failed (each left its .err); anything else means xargs itself gave up.
    if ((xstatus != 0 && xstatus != 123)); then
        echo "$prog: xargs stopped with status $xstatus" >&2
        exit 1
    fi
fi

# ---- index -------------------------------------------------------------------------------------
# argv: OUTDIR NKEYS KEY... then per point NAME VALUE... (grid order).
index_args=("$outdir" "$nkeys" "${keys[@]}")
for ((p = 0; p < npoints; p++)); do
    index_args+=("${points_name[p]}" "${points_vals[@]:p*nkeys:nkeys}")
done
python3 - "${index_args[@]}" <<'PY'
import csv, json, os, sys

outdir, nkeys = sys.argv[1], int(sys.argv[2])
keys = sys.argv[3:3 + nkeys]
rest = sys.argv[3 + nkeys:]
points = [(rest[i], rest[i + 1:i + 1 + nkeys]) for i in range(0, len(rest), nkeys + 1)]

def cell(v):
    if isinstance(v, bool):
        return "true" if v else "false"
    if v is None:
        return ""
    if isinstance(v, float):
        return repr(v)  # shortest text that reads back to the same double
    if isinstance(v, list):
        return ";".join(cell(x) for x in v)
    if isinstance(v, dict):
        return json.dumps(v, sort_keys=True)
    return str(v)

rows, columns = [], {}  # columns: summary keys in first-seen order (dict keeps insertion order)
for name, values in points:
    path = os.path.join(outdir, name + ".json")
    if not (os.path.isfile(path) and os.path.isfile(os.path.join(outdir, name + ".h5"))):
        continue  # failed point: no row
    with open(path) as f:
        summary = json.load(f)
    columns.update(dict.fromkeys(k for k in summary if k not in keys))  # grid keys come first already
    rows.append((values, summary))

tmp = os.path.join(outdir, "index.csv.tmp")
with open(tmp, "w", newline="") as f:
    w = csv.writer(f)
    w.writerow(keys + list(columns))
    for values, summary in rows:
        w.writerow(values + [cell(summary.get(k)) for k in columns])
os.replace(tmp, os.path.join(outdir, "index.csv"))
PY

# ---- report ------------------------------------------------------------------------------------
failed=()
for name in "${points_name[@]}"; do
    [[ -f $outdir/$name.json && -f $outdir/$name.h5 ]] || failed+=("$name")
done
echo "$prog: $npoints points ($nrun run, $((npoints - nrun)) skipped, ${#failed[@]} failed); index: $outdir/index.csv" >&2
if ((${#failed[@]})); then
    for name in "${failed[@]}"; do
        echo "$prog: failed: $name (see $outdir/$name.err)" >&2
    done
    exit 1
fi
