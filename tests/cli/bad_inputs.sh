#!/usr/bin/env bash
# Bad input never crashes or leaves an output file: each case below must exit
# with status 2, print one message naming file:line:column (or the --set
# argument) and the key path, and leave nothing at the -o / --trace paths.
# Usage: bad_inputs.sh ORRERY_BINARY QUICKSTART_SCENARIO
set -u
orrery=$1
quickstart=$2
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
pass=0
fail=0

# expect NAME EXPECTED_STDERR_SUBSTRING ARGS...
expect() {
  local name=$1 want=$2
  shift 2
  rm -f "$tmp"/out.h5 "$tmp"/out.json
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

# variant NAME SED_EXPRESSION: a copy of the quickstart with one edit.
variant() {
  sed -e "$2" "$quickstart" >"$tmp/$1.yaml"
  echo "$tmp/$1.yaml"
}

out=(-o "$tmp/out.h5" --trace "$tmp/out.json")

expect missing-file "cannot open scenario file '$tmp/nope.yaml'" run "$tmp/nope.yaml" "${out[@]}"
printf 'cluster: [1, 2\n' >"$tmp/notyaml.yaml"
expect not-yaml "notyaml.yaml:2:1: error: not valid YAML" run "$tmp/notyaml.yaml" "${out[@]}"
f=$(variant duplicate 's/^  nodes: 4$/  nodes: 4\n  nodes: 5/')
expect duplicate-key "duplicate.yaml:14:3: error: cluster.nodes: duplicate key 'nodes'" run "$f" "${out[@]}"
f=$(variant toplevel '$a polices: {}')
expect unknown-top-level "toplevel.yaml:25:1: error: polices: unknown top-level key 'polices'; did you mean 'policies'?" run "$f" "${out[@]}"
f=$(variant misspelt 's/link_latency/link_latncy/')
expect misspelt-nested "misspelt.yaml:15:56: error: cluster.scale_out: unknown key 'link_latncy'; did you mean 'link_latency'?" run "$f" "${out[@]}"
f=$(variant wrongtype 's/micro_batches: 8/micro_batches: eight/')
expect wrong-type "wrongtype.yaml:20:18: error: workload.micro_batches: expected an integer, found 'eight'" run "$f" "${out[@]}"
f=$(variant zero 's/nodes: 4/nodes: 0/')
expect zero "zero.yaml:13:10: error: cluster.nodes: must be at least 1" run "$f" "${out[@]}"
f=$(variant negative 's/forward: "1 ms"/forward: "-1 ms"/')
expect negative "negative.yaml:24:40: error: workload.compute.forward: times must not be negative" run "$f" "${out[@]}"
f=$(variant nounit 's/"50 GB\/s"/50/')
expect missing-unit "nounit.yaml:15:45: error: cluster.scale_out.link_bandwidth: '50' has no unit; a bandwidth needs one, e.g. \"200 Gb/s\"" run "$f" "${out[@]}"
f=$(variant wrongunit 's/"50 GB\/s"/"10 GB"/')
expect wrong-unit "wrongunit.yaml:15:45: error: cluster.scale_out.link_bandwidth: cannot read '10 GB' as a bandwidth" run "$f" "${out[@]}"
f=$(variant registry 's/kind: chain/kind: fat_tre/')
expect unknown-name "registry.yaml:15:22: error: cluster.scale_out.kind: unknown value 'fat_tre'; valid: chain" run "$f" "${out[@]}"
expect set-bad-path "--set workload.shedule=gpipe: error: workload: unknown key 'shedule'; did you mean 'schedule'?" run "$quickstart" --set workload.shedule=gpipe "${out[@]}"
expect set-bad-value "--set workload.micro_batches=many: error: workload.micro_batches: expected an integer, found 'many'" run "$quickstart" --set workload.micro_batches=many "${out[@]}"
expect set-no-equals "--set 'workload.schedule': expected key.path=value" run "$quickstart" --set workload.schedule "${out[@]}"
expect output-folder "-o '$tmp/no/such/dir/out.h5': folder '$tmp/no/such/dir' does not exist" run "$quickstart" -o "$tmp/no/such/dir/out.h5"
expect trace-folder "--trace '$tmp/none/t.json': folder '$tmp/none' does not exist" run "$quickstart" --trace "$tmp/none/t.json" -o "$tmp/out.h5"
expect not-divisible "--set workload.micro_batches=6: error: workload.micro_batches: schedule 'interleaved_1f1b' needs micro-batches to be a multiple of the 4 stages, got 6" run "$quickstart" --set workload.schedule=interleaved_1f1b --set workload.chunks=2 --set workload.micro_batches=6 "${out[@]}"
# Zero-bubble schedules: V shapes need exactly 2 chunks, ZB-V at least p micro-batches, ZB-H1/H2 one chunk.
expect zb-v-chunks "quickstart.yaml:18:3: error: workload.chunks: schedule 'zb_v' places exactly 2 chunks on each stage, in a V; set chunks to 2 (got 1)" run "$quickstart" --set workload.schedule=zb_v "${out[@]}"
expect v-half-chunks "--set workload.chunks=3: error: workload.chunks: schedule 'v_half' places exactly 2 chunks on each stage, in a V; set chunks to 2 (got 3)" run "$quickstart" --set workload.schedule=v_half --set workload.chunks=3 "${out[@]}"
expect zb-v-micro-batches "--set workload.micro_batches=3: error: workload.micro_batches: schedule 'zb_v' needs at least as many micro-batches as the 4 stages, got 3" run "$quickstart" --set workload.schedule=zb_v --set workload.chunks=2 --set workload.micro_batches=3 "${out[@]}"
expect zb-h1-chunks "--set workload.chunks=2: error: workload.chunks: schedule 'zb_h1' runs one chunk per stage, but chunks = 2" run "$quickstart" --set workload.schedule=zb_h1 --set workload.chunks=2 "${out[@]}"
f=$(variant negweight 's/backward: "2 ms"/backward: "2 ms", weight: "-1 ms"/')
expect negative-weight "negweight.yaml:24:74: error: workload.compute.weight: times must not be negative" run "$f" "${out[@]}"
f=$(variant weightlist 's/backward: "2 ms"/backward: "2 ms", weight: ["1 ms", "1 ms"]/')
expect weight-list "weightlist.yaml:24:74: error: workload.compute.weight: gives 2 times for 4 stages; give one, or one per stage" run "$f" "${out[@]}"
expect stages-vs-devices "workload.stages: 4 stages need 4 devices, one per stage, but the cluster has 5" run "$quickstart" --set cluster.nodes=5 "${out[@]}"
expect negative-seed "--seed -3: must not be negative" run "$quickstart" --seed -3 "${out[@]}"
expect unknown-command "unknown command 'rnu'; did you mean 'run'?" rnu "$quickstart"
expect unknown-option "unrecognised option '--outptu'" run "$quickstart" --outptu x.h5
expect no-scenario "missing the scenario file" run
expect describe-unknown "unknown topology 'torus'; valid: chain" describe topology torus
expect list-unknown "unknown family 'planets'" list planets

# A valid run writes both files (the control case: the checks above are not vacuous).
if "$orrery" run "$quickstart" "${out[@]}" >/dev/null 2>&1 && [[ -s $tmp/out.h5 && -s $tmp/out.json ]]; then
  pass=$((pass + 1))
else
  fail=$((fail + 1))
  echo "FAIL control: a valid run did not write its outputs"
fi
echo "$pass passed, $fail failed"
[[ $fail -eq 0 ]]
