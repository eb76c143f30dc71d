#!/bin/bash
# SIGTERM during a run that writes -o and --trace leaves nothing behind: no
# temporary, no file at either path, and the exit status is the signal's
# (128 + 15). Exits 77 (skipped) when the run ends before the signal.
# usage: signal_cleanup.sh ORRERY SCENARIO
set -u
orrery=$1
scenario=$2
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
"$orrery" run "$scenario" -o "$dir/out.h5" --trace "$dir/out.json" >/dev/null 2>&1 &
pid=$!
for _ in $(seq 50); do  # until a temporary exists (the writers open them as the run starts)
  compgen -G "$dir/*.tmp-*" >/dev/null && break
  sleep 0.1
done
kill -TERM "$pid" 2>/dev/null
wait "$pid"
rc=$?
if [ "$rc" -eq 0 ]; then echo "the run ended before the signal: not tested"; exit 77; fi
left=$(ls -A "$dir")
if [ "$rc" -ne 143 ] || [ -n "$left" ]; then
  echo "FAIL: exit $rc (want 143), left behind: ${left:-nothing}"
  exit 1
fi
echo "ok: exit 143, nothing left"
