#!/usr/bin/env bash
# `orrery run`'s recording options (--record-devices, --record-window,
# --record-kinds): each bad value exits with status 2, names the option and
# leaves nothing at the -o / --trace paths (nor a temporary beside them), even
# when the value is found wrong only once the cluster is built; `run --help`
# documents them; a selected run writes only the selected devices and says so
# in /meta/recorded.
# Usage: record_options.sh ORRERY_BINARY QUICKSTART_SCENARIO [PYTHON]
set -u
orrery=$1
quickstart=$2
python=${3:-python3}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
pass=0
fail=0
out=(-o "$tmp/out.h5" --trace "$tmp/out.json")

# shellcheck source=expect_usage_error.sh
source "$(dirname -- "${BASH_SOURCE[0]}")/expect_usage_error.sh"

expect devices-word "--record-devices '0,x': 'x' is not a device id in '0,x'" run "$quickstart" "${out[@]}" --record-devices 0,x
expect devices-range "--record-devices '3-1': range '3-1' ends before it starts" run "$quickstart" "${out[@]}" --record-devices 3-1
# The quickstart has 4 devices: found when the cluster is built, after the writers have opened their files.
expect devices-outside "--record-devices: device 4 is outside the cluster's 4 devices (0-3)" \
  run "$quickstart" "${out[@]}" --record-devices 2-4
expect window-order "--record-window '2s,1s': the window ends (1 s) at or before it starts (2 s)" \
  run "$quickstart" "${out[@]}" --record-window 2s,1s
expect window-shape "--record-window '2s': '2s' is not a window; expected FROM,TO" run "$quickstart" "${out[@]}" --record-window 2s
expect window-unit "--record-window '1 parsec,': cannot read '1 parsec' as a duration" \
  run "$quickstart" "${out[@]}" --record-window "1 parsec,"
expect kinds "--record-kinds 'span': unknown kind 'span'; valid: spans, counters" run "$quickstart" "${out[@]}" --record-kinds span
expect no-output "--record-devices: records nothing without -o or --trace" run "$quickstart" --record-devices 0
expect links-bin "--record-links '500 ns': the bin must be at least 1 us, got 500 ns" run "$quickstart" "${out[@]}" --record-links "500 ns"
expect links-unit "--record-links 'fast': cannot read 'fast' as a duration" run "$quickstart" "${out[@]}" --record-links fast
expect links-no-output "--record-links: records nothing without -o or --trace" run "$quickstart" --record-links 1ms

help=$("$orrery" run --help)
if [[ $? -eq 0 && $help == *--record-devices* && $help == *--record-window* && $help == *--record-kinds* &&
      $help == *--record-links* ]]; then
  pass=$((pass + 1))
else
  fail=$((fail + 1))
  echo "FAIL run --help does not document the recording options"
fi

# Every command's --help exits 0 and prints its usage line on stdout.
for cmd in run check list describe topo cost capacity; do
  help=$("$orrery" "$cmd" --help 2>/dev/null)
  if [[ $? -eq 0 && $help == "usage: orrery $cmd"* ]]; then
    pass=$((pass + 1))
  else
    fail=$((fail + 1))
    echo "FAIL $cmd --help: $help"
  fi
done

# A selected run: only devices 1-2, spans only; checked with h5py where there is one.
if "$orrery" run "$quickstart" -o "$tmp/sel.h5" --record-devices 1-2 --record-kinds spans >/dev/null; then
  if "$python" -c 'import h5py' 2>/dev/null; then
    got=$("$python" - "$tmp/sel.h5" <<'PY'
import sys, h5py
with h5py.File(sys.argv[1], "r") as f:
    devices = sorted(set(int(d) for d in f["events"]["device"]))
    print(devices, len(f["counters"]), f["meta/recorded"][()].decode())
PY
)
    if [[ $got == "[1, 2] 0 devices 1-2; window 0 ns to end; spans" ]]; then
      pass=$((pass + 1))
    else
      fail=$((fail + 1))
      echo "FAIL selected run: got '$got'"
    fi
  else
    echo "skip: no h5py for $python"
  fi
else
  fail=$((fail + 1))
  echo "FAIL selected run exited with status $?"
fi

# The quickstart's pipeline has no data-parallel replicas: representative records every device.
if "$orrery" run "$quickstart" -o "$tmp/rep.h5" --record-devices representative >/dev/null &&
  "$python" -c 'import h5py' 2>/dev/null; then
  got=$("$python" -c 'import sys, h5py; f = h5py.File(sys.argv[1], "r"); print(sorted(set(int(d) for d in f["events"]["device"])), f["meta/recorded"][()].decode())' "$tmp/rep.h5")
  if [[ $got == "[0, 1, 2, 3] devices all (representative: no replicas); window 0 ns to end; spans, counters" ]]; then
    pass=$((pass + 1))
  else
    fail=$((fail + 1))
    echo "FAIL representative without replicas: got '$got'"
  fi
fi

echo "$pass passed, $fail failed"
[[ $fail -eq 0 ]]
