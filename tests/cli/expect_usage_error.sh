# Sourced by the CLI tests: `expect NAME EXPECTED_STDERR_SUBSTRING ARGS...`
# runs "$orrery" ARGS and counts a pass (in $pass, else $fail) when it exits
# with status 2, its message holds the substring, and nothing named out.* is
# left in "$tmp" (no output file, no temporary beside one).
expect() {
  local name=$1 want=$2
  shift 2
  rm -f "$tmp"/out.*
  local err status
  err=$("$orrery" "$@" 2>&1 >/dev/null)
  status=$?
  local leftovers
  leftovers=$(find "$tmp" -maxdepth 1 -name 'out.*')
  if [[ $status -eq 2 && "$err" == *"$want"* && -z "$leftovers" ]]; then
    pass=$((pass + 1))
  else
    fail=$((fail + 1))
    echo "FAIL $name: status $status, leftovers [$leftovers]"
    echo "  wanted: $want"
    echo "  got:    $err"
  fi
}

# `expect_infeasible NAME PIECE... -- ARGS...`: the same for a run that is
# valid input but cannot be done (exit 1: out of memory, a model or a design
# that does not fit): its message holds every PIECE, in any order.
expect_infeasible() {
  local name=$1
  shift
  local pieces=()
  while [[ $# -gt 0 && $1 != "--" ]]; do
    pieces+=("$1")
    shift
  done
  shift
  rm -f "$tmp"/out.*
  local err status ok=1
  err=$("$orrery" "$@" 2>&1 >/dev/null)
  status=$?
  local leftovers
  leftovers=$(find "$tmp" -maxdepth 1 -name 'out.*')
  for p in "${pieces[@]}"; do
    [[ "$err" == *"$p"* ]] || ok=0
  done
  if [[ $status -eq 1 && $ok -eq 1 && -z "$leftovers" ]]; then
    pass=$((pass + 1))
  else
    fail=$((fail + 1))
    echo "FAIL $name: status $status, leftovers [$leftovers]"
    echo "  wanted: ${pieces[*]}"
    echo "  got:    $err"
  fi
}
