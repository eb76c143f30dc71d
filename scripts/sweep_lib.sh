# shellcheck shell=bash
# Functions shared by scripts/sweep.sh and the Slurm array tasks it submits (sourced, not run).
#
# One grid point is run by run_point, whether xargs starts it on this machine or a Slurm array task
# (run_point_line) starts it on a compute node, so both paths write the same files:
#   OUTDIR/NAME.h5, OUTDIR/NAME.json (both present = done), OUTDIR/NAME.err (a failed run).
# run_point reads SWEEP_ORRERY, SWEEP_SCENARIO and SWEEP_OUTDIR from the environment.

# split_values LIST [SKIP]: sets SPLIT to LIST's values, split on the commas outside [], {} and
# YAML quotes, so that '[8,8],[4,16]' gives the two values [8,8] and [4,16]. A quote opens a quoted
# scalar only where YAML's flow syntax allows one (at the start of a value, or after '[', '{', ','
# or ':'), so the apostrophe of don't is an ordinary character. On malformed input it returns 1
# with SPLIT_ERROR the problem and SPLIT_COLUMN its column, counted from 1 at the character SKIP
# characters before LIST (the 'key=' of the argument, say).
split_values() {
    local list=$1 skip=${2:-0} cur="" stack="" quote="" quote_col=0 prev="," c i
    local -a cols=()  # column of each open bracket on the stack
    SPLIT=() SPLIT_ERROR="" SPLIT_COLUMN=0
    for ((i = 0; i < ${#list}; i++)); do
        c=${list:i:1}
        if [[ -n $quote ]]; then
            cur+=$c
            if [[ $quote == '"' && $c == \\ ]]; then  # an escape: the next character is literal
                cur+=${list:i+1:1}
                i=$((i + 1))
            elif [[ $c == "$quote" ]]; then
                quote=""
            fi
            continue
        fi
        case $c in
            \' | \")
                if [[ $prev == [\[\{,:] ]]; then quote=$c quote_col=$((skip + i + 1)); fi ;;
            \[ | \{)
                stack+=$c
                cols+=($((skip + i + 1))) ;;
            \] | \})
                local want='['
                [[ $c == '}' ]] && want='{'
                if [[ ${stack: -1} != "$want" ]]; then
                    SPLIT_COLUMN=$((skip + i + 1)) SPLIT_ERROR="'$c' closes nothing"
                    [[ -z $stack ]] || SPLIT_ERROR="'$c' does not close the '${stack: -1}' at column ${cols[-1]}"
                    return 1
                fi
                stack=${stack%?}
                unset 'cols[-1]' ;;
            ,)
                if [[ -z $stack ]]; then
                    SPLIT+=("$cur")
                    cur="" prev=","
                    continue
                fi ;;
        esac
        cur+=$c
        [[ $c == [[:space:]] ]] || prev=$c
    done
    if [[ -n $quote ]]; then
        SPLIT_COLUMN=$quote_col SPLIT_ERROR="the quote $quote is never closed"
        return 1
    fi
    if [[ -n $stack ]]; then
        SPLIT_COLUMN=${cols[-1]} SPLIT_ERROR="'${stack: -1}' is never closed"
        return 1
    fi
    SPLIT+=("$cur")
}

# point_done OUTDIR NAME: whether the point has both of its result files.
point_done() {
    [[ -f $1/$2.json && -f $1/$2.h5 ]]
}

# write_err BASE: BASE.err gets stdin, whole or not at all.
write_err() {
    cat >"$1.err.tmp"
    mv -f -- "$1.err.tmp" "$1.err"
}

# run_point NAME key=value...: one orrery run; 0 when it left NAME.h5 and NAME.json.
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
    } | write_err "$base"
    rm -f -- "$base.json.tmp" "$base.stderr.tmp"
    echo "FAILED $name ($problem; see $base.err)" >&2
    return 1
}

# run_point_line POINTS INDEX: run_point on line INDEX+1 of POINTS, a file that sweep.sh --slurm
# wrote with one point a line: NAME and its key=value words, each quoted by printf %q.
run_point_line() {
    local line
    line=$(sed -n "$(($2 + 1))p" -- "$1")
    if [[ -z $line ]]; then
        echo "run_point_line: $1 has no line $(($2 + 1))" >&2
        return 1
    fi
    local -a words
    eval "words=($line)"  # safe: every word was written by printf %q
    run_point "${words[@]}"
}

# write_index OUTDIR NKEYS KEY... then per point NAME VALUE... (grid order): OUTDIR/index.csv gets
# the grid keys, then every summary key (lists joined with ';'); one row per point that is done.
write_index() {
    python3 - "$@" <<'PY'
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
}
