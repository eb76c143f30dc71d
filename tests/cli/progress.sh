#!/bin/bash
# Progress goes to stderr only: with --progress the quickstart draws
# "iteration: 100.0%" there and stdout stays one JSON object; --quiet (and a
# stderr that is not a terminal, as here) draws nothing.
# usage: progress.sh ORRERY QUICKSTART PYTHON
set -u
orrery=$1
quickstart=$2
python=$3
fail=0
out=$("$orrery" run "$quickstart" --progress --json 2>/tmp/progress.$$.err)
if ! grep -q "iteration: 100.0%" /tmp/progress.$$.err; then echo "FAIL: no progress on stderr"; fail=1; fi
if ! printf '%s' "$out" | "$python" -c 'import json,sys; json.load(sys.stdin)'; then echo "FAIL: stdout is not JSON"; fail=1; fi
"$orrery" run "$quickstart" --json >/dev/null 2>/tmp/progress.$$.err
if [ -s /tmp/progress.$$.err ]; then echo "FAIL: progress drawn on a stderr that is not a terminal"; fail=1; fi
"$orrery" run "$quickstart" --progress --quiet --json >/dev/null 2>/tmp/progress.$$.err
if [ -s /tmp/progress.$$.err ]; then echo "FAIL: --quiet drew progress"; fail=1; fi
rm -f /tmp/progress.$$.err
[ "$fail" -eq 0 ] && echo "ok"
exit "$fail"
