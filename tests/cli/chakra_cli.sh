#!/usr/bin/env bash
# Chakra traces on the command line: `orrery run --chakra PREFIX` writes one
# file per device and the communicator groups, and nothing when the run
# fails; the `chakra` workload reads them back (the completion time is the
# exported run's); the shipped example trace is what its generator writes;
# bad traces exit 2 with one message naming the file and place
# (FILE:record N (byte B) for binary files, FILE:line:column for text) and
# the key path, and leave no output file.
# Usage: chakra_cli.sh ORRERY_BINARY SCENARIOS_DIR PYTHON
set -u
orrery=$1
scenarios=$2
python=$3
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
pass=0
fail=0

# shellcheck source=expect_usage_error.sh
source "$(dirname -- "${BASH_SOURCE[0]}")/expect_usage_error.sh"

check() {  # NAME CONDITION_STATUS
  if [[ $2 -eq 0 ]]; then pass=$((pass + 1)); else fail=$((fail + 1)); echo "FAIL $1"; fi
}

# The example trace is its generator's output, byte for byte.
"$python" "$scenarios/traces/chakra_allreduce.py" "$tmp/gen"
same=0
for r in 0 1 2 3; do cmp -s "$tmp/gen.$r.et" "$scenarios/traces/chakra_allreduce.$r.et" || same=1; done
check generator-output $same

# Export, then import on the same cluster: the same completion time.
traffic="$scenarios/traffic_allreduce.yaml"
"$orrery" run "$traffic" --chakra "$tmp/ar" --json >"$tmp/original.json"
check export-files $([[ -s $tmp/ar.0.et && -s $tmp/ar.7.et && ! -e $tmp/ar.8.et && -f $tmp/ar.comm_groups.json ]]; echo $?)
sed -e '/^workload:/,$d' "$traffic" >"$tmp/import.yaml"
printf 'workload:\n  kind: chakra\n  trace: ar\n' >>"$tmp/import.yaml"
"$orrery" run "$tmp/import.yaml" --json >"$tmp/import.json"
time_of() { sed -E 's/.*"completion_time_s": ?([^,}]*).*/\1/' "$1"; }
check import-time $([[ -n $(time_of "$tmp/original.json") && $(time_of "$tmp/original.json") == $(time_of "$tmp/import.json") ]]; echo $?)
"$orrery" check "$tmp/import.yaml" >/dev/null
check import-check $?

# --chakra that cannot be written, or has nothing to write: exit 2 before the run; a run that fails
# after the graph ran (out of memory, exit 1) leaves no file either.
expect chakra-folder "--chakra '$tmp/no/such/out.0.et': folder '$tmp/no/such' does not exist" run "$traffic" --chakra "$tmp/no/such/out"
expect chakra-serving "--chakra: this workload submits its work while the run goes" run "$scenarios/serving_llama3_8b.yaml" --chakra "$tmp/out"
expect_infeasible chakra-out-of-memory "out of memory: device 0" -- run "$scenarios/calibration_22b.yaml" --set workload.training.recompute=none --chakra "$tmp/out"

# Bad traces (the import scenario names its trace on line 19: `trace:` at 19:10).
bad() {  # NAME: a scenario importing $tmp/NAME
  sed -e "s|trace: ar|trace: $1|" "$tmp/import.yaml" >"$tmp/$1.yaml"
  echo "$tmp/$1.yaml"
}
expect missing-trace "none.yaml:19:10: error: workload.trace: no trace files '$tmp/none.RANK.et' (or .et.txt)" run "$(bad none)" -o "$tmp/out.h5"
for r in 0 2 3 4 5 6 7; do cp "$tmp/ar.$r.et" "$tmp/gap.$r.et"; done
expect missing-rank "gap.yaml:19:10: error: workload.trace: rank 1 is missing: '$tmp/gap.1.et' does not exist (ranks found: 0, 2, 3, 4, 5, 6, 7)" run "$(bad gap)" -o "$tmp/out.h5"
for r in 0 1 2 3 4 5 6 7; do cp "$tmp/ar.$r.et" "$tmp/cut.$r.et"; done
head -c 40 "$tmp/ar.3.et" >"$tmp/cut.3.et"  # inside the node, past the GlobalMetadata
expect truncated "cut.3.et:record 2 (byte" run "$(bad cut)" -o "$tmp/out.h5"
# A FIFO named like a trace is refused, not read for ever.
mkfifo "$tmp/fifo.0.et"
expect fifo "fifo.yaml:19:10: error: workload.trace: trace file '$tmp/fifo.0.et' is not a regular file" run "$(bad fifo)" -o "$tmp/out.h5"
expect truncated-message "error: workload.trace: the length prefix says" run "$(bad cut)" -o "$tmp/out.h5"
# Invalid UTF-8 in a node's name: orrery's one message, without protobuf's own log line beside it.
for r in 0 1 2 3 4 5 6 7; do cp "$tmp/ar.$r.et" "$tmp/utf.$r.et"; done
/usr/bin/python3 -c 'import sys; p = sys.argv[1]; d = bytearray(open(p, "rb").read()); i = d.index(b"\x12", 12); d[i + 2] = 0xFF; open(p, "wb").write(d)' "$tmp/utf.0.et"
expect invalid-utf8 "utf.0.et:record 2 (byte" run "$(bad utf)" -o "$tmp/out.h5"
err=$("$orrery" run "$(bad utf)" -o "$tmp/out.h5" 2>&1 >/dev/null)
check invalid-utf8-one-message "$([[ $(wc -l <<<"$err") -eq 1 ]]; echo $?)"
sed -e 's/nodes: 8/nodes: 4/' "$tmp/import.yaml" >"$tmp/small.yaml"
expect fewer-devices "small.yaml:19:10: error: workload.trace: the trace has 8 ranks ('$tmp/ar.0.et' to '$tmp/ar.7.et'), but the cluster has 4 devices" run "$tmp/small.yaml" -o "$tmp/out.h5"
printf 'global_metadata { }\nnode { id: 1 type: COMP_NODE duration_micros: 5 data_deps: 3 }\n' >"$tmp/dep.0.et.txt"
expect unknown-dependency "dep.0.et.txt:2:49: error: workload.trace.node[1].data_deps: no node of rank 0 has id 3" run "$(bad dep)" -o "$tmp/out.h5"
printf 'global_metadata { }\nnode { id: 1 type: COMP_NOD }\n' >"$tmp/syntax.0.et.txt"
expect text-syntax "syntax.0.et.txt:2:29: error: workload.trace: Unknown enumeration value of \"COMP_NOD\" for field \"type\"." run "$(bad syntax)" -o "$tmp/out.h5"
printf 'node { id: 1 type: COMM_COLL_NODE attr { name: "comm_type" int64_val: 0 } attr { name: "comm_size" int64_val: -8 } }\n' >"$tmp/neg.0.et.txt"
expect negative-size "neg.0.et.txt:1:75: error: workload.trace.node[1].comm_size: must not be negative, got -8" run "$(bad neg)" -o "$tmp/out.h5"
# A named algorithm that cannot run a collective on this cluster, found at lowering: at the node that
# names it (a trace exported with hierarchical on nodes of two devices, read on nodes of one), or at
# the workload's `algorithm` for the nodes that name none.
sed -e 's/nodes: 8/nodes: 4/' -e 's|node: { kind: single }|node: { kind: nvswitch, devices: 2, bandwidth: "450 GB/s", nics: 2, nic_bandwidth: "400 Gb/s" }|' \
  -e 's/algorithm: ring/algorithm: hierarchical/' "$traffic" >"$tmp/hier_export.yaml"
"$orrery" run "$tmp/hier_export.yaml" --chakra "$tmp/hier" >/dev/null
expect node-algorithm-cannot-run "hier.0.et:record 2 (byte 30): error: workload.trace.node[0].orrery_algorithm: hierarchical cannot run the collective of node 0 here: needs at least two nodes with at least two ranks each, but the group spans 8 node(s) with 1 rank(s) on the first" run "$(bad hier)" -o "$tmp/out.h5"
expect workload-algorithm-cannot-run "--set workload.algorithm=dim_rings: error: workload.algorithm: dim_rings cannot run the collective of node 2 here: needs the group's grid shape (dims)" run "$scenarios/chakra_allreduce.yaml" --set workload.algorithm=dim_rings -o "$tmp/out.h5"
# An algorithm that cannot run a node's op at all (the shipped trace's all-reduce, node 2 of rank 0,
# under `algorithm: binomial_tree`): the scenario's choice, so the error is at its key, and names the node.
sed -e 's/algorithm: ring/algorithm: binomial_tree/' "$scenarios/chakra_allreduce.yaml" >"$tmp/tree.yaml"
cp "$scenarios"/traces/chakra_allreduce.*.et "$tmp/"
sed -i 's|trace: traces/chakra_allreduce|trace: chakra_allreduce|' "$tmp/tree.yaml"
line=$(grep -n 'algorithm: binomial_tree' "$tmp/tree.yaml" | cut -d: -f1)
expect workload-algorithm-cannot-run-op "tree.yaml:$line:14: error: workload.algorithm: algorithm 'binomial_tree' cannot run all_reduce; valid: auto, dim_rings, double_binary_tree, halving_doubling, hierarchical, ring (collective node 2 of rank 0, $tmp/chakra_allreduce.0.et:record 4 (byte 45))" run "$tmp/tree.yaml" -o "$tmp/out.h5"

echo "$pass passed, $fail failed"
[[ $fail -eq 0 ]]
