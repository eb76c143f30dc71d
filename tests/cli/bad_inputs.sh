#!/usr/bin/env bash
# Bad input never crashes or leaves an output file: each case below must exit
# with status 2, print one message naming file:line:column (or the --set
# argument) and the key path, and leave nothing at the -o / --trace paths.
# Usage: bad_inputs.sh ORRERY_BINARY QUICKSTART_SCENARIO TRAFFIC_SCENARIO
set -u
orrery=$1
quickstart=$2
traffic=$3
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
pass=0
fail=0

# shellcheck source=expect_usage_error.sh
source "$(dirname -- "${BASH_SOURCE[0]}")/expect_usage_error.sh"

# variant NAME SED_EXPRESSION: a copy of the quickstart with one edit.
variant() {
  sed -e "$2" "$quickstart" >"$tmp/$1.yaml"
  echo "$tmp/$1.yaml"
}

# tvariant NAME SED_EXPRESSION: a copy of the traffic scenario with one edit.
tvariant() {
  sed -e "$2" "$traffic" >"$tmp/$1.yaml"
  echo "$tmp/$1.yaml"
}

out=(-o "$tmp/out.h5" --trace "$tmp/out.json")

expect missing-file "cannot open scenario file '$tmp/nope.yaml'" run "$tmp/nope.yaml" "${out[@]}"
printf 'cluster: [1, 2\n' >"$tmp/notyaml.yaml"
printf 'cluster: &A\n  nodes: 2\n  node: *A\n' >"$tmp/aliasloop.yaml"
expect alias-loop "aliasloop.yaml:3:3: error: cluster.node: a YAML alias here refers to a mapping or list that contains it" run "$tmp/aliasloop.yaml" "${out[@]}"
mkfifo "$tmp/fifo.yaml"
expect fifo-scenario "scenario file '$tmp/fifo.yaml' is not a regular file" run "$tmp/fifo.yaml" "${out[@]}"
expect device-scenario "scenario file '/dev/zero' is not a regular file" run /dev/zero "${out[@]}"
expect huge-bandwidth "--set cluster.scale_out.link_bandwidth=1e308 TB/s: error: cluster.scale_out.link_bandwidth: '1e308 TB/s' is too large to represent" run "$quickstart" --set "cluster.scale_out.link_bandwidth=1e308 TB/s" "${out[@]}"
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
expect unknown-name "registry.yaml:15:22: error: cluster.scale_out.kind: unknown value 'fat_tre'; did you mean 'fat_tree'?; valid: chain, dragonfly, fat_tree, file, hammingmesh, torus" run "$f" "${out[@]}"
expect set-bad-path "--set workload.shedule=gpipe: error: workload: unknown key 'shedule'; did you mean 'schedule'?" run "$quickstart" --set workload.shedule=gpipe "${out[@]}"
expect set-bad-value "--set workload.micro_batches=many: error: workload.micro_batches: expected an integer, found 'many'" run "$quickstart" --set workload.micro_batches=many "${out[@]}"
expect set-no-equals "--set 'workload.schedule': expected key.path=value" run "$quickstart" --set workload.schedule "${out[@]}"
expect output-folder "-o '$tmp/no/such/dir/out.h5': folder '$tmp/no/such/dir' does not exist" run "$quickstart" -o "$tmp/no/such/dir/out.h5"
expect trace-folder "--trace '$tmp/none/t.json': folder '$tmp/none' does not exist" run "$quickstart" --trace "$tmp/none/t.json" -o "$tmp/out.h5"
expect same-output "-o and --trace name the same file '$tmp/same.out': each output needs its own" run "$quickstart" -o "$tmp/same.out" --trace "$tmp/./same.out"
expect interleaved-one-chunk "quickstart.yaml:18:3: error: workload.chunks: schedule 'interleaved_1f1b' interleaves model chunks: set chunks to 2 or more" run "$quickstart" --set workload.schedule=interleaved_1f1b "${out[@]}"
expect schedule-case "did you mean 'zb_h1'?" run "$quickstart" --set workload.schedule=ZB_H1 "${out[@]}"
expect optimizer-step "--set workload.optimizer_step=async: error: workload.optimizer_step: unknown value 'async'; valid: synchronized, post_validation" run "$quickstart" --set workload.optimizer_step=async "${out[@]}"
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
expect describe-unknown "unknown topology 'torrus'; valid: chain, dragonfly, fat_tree, file, hammingmesh, torus" describe topology torrus
expect list-unknown "unknown family 'planets'" list planets

# Devices in scenarios.
f=$(variant device-unknown 's/^  nodes: 4$/  nodes: 4\n  device: H100/')
expect device-unknown "device-unknown.yaml:14:11: error: cluster.device: unknown device 'H100'; valid: A100-SXM4-40GB" run "$f" "${out[@]}"
f=$(variant device-override 's/^  nodes: 4$/  nodes: 4\n  device: H100-SXM5-80GB\n  device_overrides: { memory_bandwidth: 3 }/')
expect device-override-unit "device-override.yaml:15:41: error: cluster.device_overrides.memory_bandwidth: '3' has no unit" run "$f" "${out[@]}"
expect device-override-no-device "error: cluster.device_overrides.peak_bf16: there is no cluster.device to override" run "$quickstart" --set "cluster.device_overrides.peak_bf16=1 PFLOP/s" "${out[@]}"
expect describe-unknown-device "unknown device 'H10'; valid: A100-SXM4-40GB" describe device H10

# orrery cost: bad devices, operations, keys and values.
expect cost-unknown-device "unknown device 'H100'; valid: A100-SXM4-40GB" cost H100 gemm m=1 n=1 k=1
expect cost-unknown-op "unknown operation 'gem'; did you mean 'gemm'?; valid: attention" cost H100-SXM5-80GB gem m=1
expect cost-unknown-key "dtyp=bf16: error: gemm: unknown key 'dtyp'; did you mean 'dtype'?; valid: m, n, k, batch, dtype, accumulate" cost H100-SXM5-80GB gemm m=1 n=1 k=1 dtyp=bf16
expect cost-bad-integer "m=8k: error: gemm.m: expected an integer, found '8k'" cost H100-SXM5-80GB gemm m=8k n=1 k=1
expect cost-bad-accumulate "accumulate=fp33: error: gemm.accumulate: unknown value 'fp33'; did you mean 'fp32'?; valid: none, fp32, bf16, fp16" cost H100-SXM5-80GB gemm m=1 n=1 k=1 accumulate=fp33
expect cost-zero "n=0: error: gemm.n: must be at least 1, got 0" cost H100-SXM5-80GB gemm m=1 n=0 k=1
expect cost-missing-key "error: gemm: missing required key 'k' (the reduction dimension)" cost H100-SXM5-80GB gemm m=1 n=1
expect cost-bad-dtype "dtype=bf61: error: gemm.dtype: unknown dtype 'bf61'; did you mean 'bf16'?" cost H100-SXM5-80GB gemm m=1 n=1 k=1 dtype=bf61
expect cost-not-key-value "gemm: 'm1' is not key=value" cost H100-SXM5-80GB gemm m1
expect cost-bad-size "bytes=2 GB/s: error: softmax.bytes: cannot read '2 GB/s' as a size in bytes" cost H100-SXM5-80GB softmax "bytes=2 GB/s"
expect cost-no-peak "device V100-SXM2-32GB has no bf16 peak; it has: fp64, fp32, fp16" cost V100-SXM2-32GB gemm m=1 n=1 k=1 dtype=bf16
expect cost-fpga "Alveo-U55C is an FPGA: it runs ivfpq (FANNS's dataflow design) only, not gemm" cost Alveo-U55C gemm m=1 n=1 k=1
expect cost-layer-kernel "kernel=layrnorm: error: layer.kernel: unknown value 'layrnorm'; did you mean 'layernorm'?" cost H200-SXM-141GB layer kernel=layrnorm tokens=1 width=1
mkdir -p "$tmp/ngpc"
sed -e 's/^host_device: RTX-3090/host_device: RTX-3909/' "$(dirname -- "${BASH_SOURCE[0]}")/../../models/devices/NGPC-8.yaml" >"$tmp/ngpc/NGPC-8.yaml"
expect cost-ngpc-host "NGPC-8.yaml:9:14: error: host_device: unknown device 'RTX-3909'; did you mean 'RTX-3090'?" cost "$tmp/ngpc/NGPC-8.yaml" gemm m=1 n=1 k=1
mkdir -p "$tmp/sibling"
sed -e 's/device: H200-SXM-141GB,/device: H200-SXM-141GC,/' "$(dirname -- "${BASH_SOURCE[0]}")/../../models/devices/H100-SXM5-80GB.yaml" >"$tmp/sibling/H100-SXM5-80GB.yaml"
expect cost-sibling-unknown "H100-SXM5-80GB.yaml:5:32: error: calibration_sibling.device: unknown device 'H200-SXM-141GC'; did you mean 'H200-SXM-141GB'?" cost "$tmp/sibling/H100-SXM5-80GB.yaml" gemm m=1 n=1 k=1
sed -e 's/device: H200-SXM-141GB,/device: A100-SXM4-80GB,/' "$(dirname -- "${BASH_SOURCE[0]}")/../../models/devices/H100-SXM5-80GB.yaml" >"$tmp/sibling/H100-SXM5-80GB.yaml"
expect cost-sibling-other-die "H100-SXM5-80GB.yaml:5:32: error: calibration_sibling.device: A100-SXM4-80GB cannot stand for H100-SXM5-80GB: its fp64 peak is 19.5 TFLOP/s, this device's 67" cost "$tmp/sibling/H100-SXM5-80GB.yaml" gemm m=1 n=1 k=1
expect cost-no-op "usage: orrery cost DEVICE OP key=value..." cost H100-SXM5-80GB
expect cost-bad-option "cost: unknown option '--jsn'" cost H100-SXM5-80GB gemm m=1 n=1 k=1 --jsn
expect cost-loo-op "cost: --leave-one-out takes a device and no operation" cost H100-SXM5-80GB gemm --leave-one-out
expect cost-loo-no-calibration "cost: --leave-one-out checks a calibration table; --no-calibration has none" cost H100-SXM5-80GB --leave-one-out --no-calibration
expect cost-loo-no-table "V100-SXM2-32GB has no calibration table to check" cost V100-SXM2-32GB --leave-one-out
expect cost-missing-table "--calibration: cannot open '$tmp/none.yaml'" cost H100-SXM5-80GB gemm m=1 n=1 k=1 --calibration "$tmp/none.yaml"
a100_table="$(dirname -- "${BASH_SOURCE[0]}")/../../models/calibration/tables/A100-SXM4-80GB.yaml"
sed -e '0,/op: all_reduce, ranks: 8/s//op: all_reduce, ranks: 1/' "$a100_table" >"$tmp/collective_ranks.yaml"
line=$(grep -n 'ranks: 1,' "$tmp/collective_ranks.yaml" | cut -d: -f1)
expect cost-collective-ranks "collective_ranks.yaml:$line:30: error: collective[0].ranks: must be from 2 to 1024" cost A100-SXM4-80GB gemm m=1 n=1 k=1 --calibration "$tmp/collective_ranks.yaml"

# Collectives and traffic (scenarios/traffic_allreduce.yaml: its collective is on line 20).
f=$(tvariant empty-group 's/group: all/group: []/')
expect empty-group "empty-group.yaml:20:32: error: workload.collectives[0].group: the group is empty: a collective needs at least one device" run "$f" "${out[@]}"
f=$(tvariant duplicate-device 's/group: all/group: [0, 1, 1]/')
expect duplicate-device "duplicate-device.yaml:20:32: error: workload.collectives[0].group: device 1 appears twice in the group" run "$f" "${out[@]}"
f=$(tvariant device-range 's/group: all/group: [0, 8]/')
expect device-out-of-range "device-range.yaml:20:32: error: workload.collectives[0].group: device 8 is out of range: the cluster has 8 devices (0 to 7)" run "$f" "${out[@]}"
f=$(tvariant algorithm 's/algorithm: ring/algorithm: rnig/')
expect unknown-algorithm "algorithm.yaml:20:64: error: workload.collectives[0].algorithm: unknown value 'rnig'; did you mean 'ring'?; valid: auto, dim_rings, double_binary_tree, halving_doubling, hierarchical, ring" run "$f" "${out[@]}"
f=$(tvariant wrong-op 's/op: all_reduce/op: all_to_all/')
expect algorithm-for-another-op "wrong-op.yaml:20:64: error: workload.collectives[0].algorithm: algorithm 'ring' cannot run all_to_all; valid for all_to_all: auto, direct, pairwise" run "$f" "${out[@]}"
f=$(tvariant density 's/op: all_reduce, group: all, bytes: "1 GiB", algorithm: ring/op: sparse_all_reduce, bytes: "1 GiB", density: 1.5/')
expect density "density.yaml:20:57: error: workload.collectives[0].density: must be in (0, 1], got 1.5" run "$f" "${out[@]}"
f=$(tvariant density-zero 's/op: all_reduce, group: all, bytes: "1 GiB", algorithm: ring/op: sparse_all_reduce, bytes: "1 GiB", density: 0/')
expect density-zero "density-zero.yaml:20:57: error: workload.collectives[0].density: must be in (0, 1], got 0" run "$f" "${out[@]}"
printf 'src,dst,bytes [MiB]\n0,1,4\n1,0,four\n' >"$tmp/flows.csv"
f=$(tvariant csv 's/  collectives:/  flows:\n    - { pattern: file, file: flows.csv }\n  collectives:/')
expect bad-csv-row "flows.csv:3:5: error: workload.flows[0].file: column bytes: expected a plain number (the unit, MiB, is in the header), found 'four'" run "$f" "${out[@]}"
f=$(tvariant csv-missing 's/  collectives:/  flows:\n    - { pattern: file, file: none.csv }\n  collectives:/')
expect missing-csv "csv-missing.yaml:20:30: error: workload.flows[0].file: cannot open flow file '$tmp/none.csv'" run "$f" "${out[@]}"
# A named algorithm that the cluster cannot run, found at lowering: at its key, not as an infeasible run.
f=$(tvariant no-grid 's/algorithm: ring/algorithm: dim_rings/')
expect algorithm-needs-grid "no-grid.yaml:20:64: error: workload.collectives[0].algorithm: dim_rings cannot run this collective here: needs the group's grid shape (dims)" run "$f" "${out[@]}"
f=$(tvariant one-rank-nodes 's/algorithm: ring/algorithm: hierarchical/')
expect algorithm-needs-nodes "one-rank-nodes.yaml:20:64: error: workload.collectives[0].algorithm: hierarchical cannot run this collective here: needs at least two nodes with at least two ranks each, but the group spans 8 node(s) with 1 rank(s) on the first" run "$f" "${out[@]}"
expect set-list-index "--set workload.collectives.2.bytes=1: 'workload.collectives' is a list of 1 entries; expected an index from 0 to 0, found '2'" run "$traffic" --set workload.collectives.2.bytes=1 "${out[@]}"
expect describe-collective "unknown collective 'rign'; valid: binomial_tree" describe collective rign

# Topologies (`orrery topo SPEC.yaml`, and the scale-out network of a scenario).
spec() {
  printf '%s\n' "$2" >"$tmp/$1.yaml"
  echo "$tmp/$1.yaml"
}
f=$(spec odd-radix 'endpoints: 16
topology: {kind: fat_tree, levels: 3, radix: 7, link_bandwidth: 1 GB/s}')
expect odd-radix "odd-radix.yaml:2:46: error: topology.radix: must be even, at least 4 and at most 4096, got 7" topo "$f"
f=$(spec taper 'endpoints: 16
topology: {kind: fat_tree, levels: 2, radix: 8, oversubscription: 0.5, link_bandwidth: 1 GB/s}')
expect taper-below-1 "taper.yaml:2:67: error: topology.oversubscription: must be at least 1" topo "$f"
f=$(spec dim 'endpoints: 8
topology: {kind: torus, dims: [8, 1], link_bandwidth: 1 GB/s}')
expect dimension-below-2 "dim.yaml:2:31: error: topology.dims: every dimension must be >= 2, got dims[1] = 1" topo "$f"
f=$(spec board 'endpoints: 16
topology: {kind: hammingmesh, board: [4, 4], grid: [2, 8], radix: 16, link_bandwidth: 1 GB/s}')
expect board-larger-than-grid "board.yaml:2:52: error: topology.grid: the board [4, 4] is larger than the grid [2, 8]" topo "$f"
f=$(spec count 'endpoints: 15
topology: {kind: torus, dims: [4, 4], link_bandwidth: 1 GB/s}')
expect endpoint-count "count.yaml:2:31: error: topology.dims: a torus of 4 × 4 = 16 endpoints does not fit: the network must join 15 endpoints" topo "$f"
f=$(spec cut 'cluster:
  nodes: 2
  node: {kind: xgmi, devices: 4, links: [[0, 1], [2, 3]], nic_bandwidth: 25 GB/s}
  scale_out: {kind: fat_tree, levels: 2, radix: 4}')
expect disconnected "cut.yaml:3:9: error: cluster.node: the xgmi network is disconnected: endpoint 2 (gcd2) cannot be reached from endpoint 0 (gcd0)" topo "$f"
expect scenario-torus-dims "quickstart.yaml:15:14: error: cluster.scale_out.dims: missing required key 'dims'" run "$quickstart" --set cluster.scale_out.kind=torus "${out[@]}"
expect scenario-fat-tree-radix "--set cluster.scale_out.radix=5: error: cluster.scale_out.radix: must be even, at least 4 and at most 4096, got 5" run "$quickstart" --set cluster.scale_out.kind=fat_tree --set cluster.scale_out.levels=2 --set cluster.scale_out.radix=5 "${out[@]}"
# GraphML files (`kind: file`), located in the file (tests/topologies/graphml_test.cpp has every case).
printf 'endpoints: 2\n' >"$tmp/notxml.graphml"
f=$(spec file-notxml 'topology: {kind: file, path: notxml.graphml}')
expect graphml-not-xml "notxml.graphml:1:1: error: topology.path: not well-formed XML: text outside the root element" topo "$f" --graphml "$tmp/out.graphml"
mkfifo "$tmp/fifo.graphml"
f=$(spec file-fifo 'topology: {kind: file, path: fifo.graphml}')
expect graphml-fifo "error: topology.path: GraphML file '$tmp/fifo.graphml' is not a regular file" topo "$f"
graphml() {  # graphml NAME TARGET BANDWIDTH: endpoints a and b, one edge a -- TARGET
  printf '<graphml>\n  <key id="k" for="node" attr.name="kind" attr.type="string"/>\n  <key id="b" for="edge" attr.name="bandwidth" attr.type="string"/>\n  <key id="l" for="edge" attr.name="latency" attr.type="string"/>\n  <graph edgedefault="undirected">\n    <node id="a"><data key="k">endpoint</data></node>\n    <node id="b"><data key="k">endpoint</data></node>\n    <edge source="a" target="%s"><data key="b">%s</data><data key="l">1 us</data></edge>\n  </graph>\n</graphml>\n' "$2" "$3" >"$tmp/$1.graphml"
}
graphml unknown c "100 Gb/s"
f=$(spec file-unknown 'topology: {kind: file, path: unknown.graphml}')
expect graphml-unknown-vertex "unknown.graphml:8:30: error: topology.path: edge target 'c' is not a declared node" topo "$f"
graphml badunit b "100 Gb"
f=$(spec file-badunit 'cluster: {nodes: 2, scale_out: {kind: file, path: badunit.graphml}}')
expect graphml-bad-unit "badunit.graphml:8:47: error: cluster.scale_out.path: edge a -- b: bandwidth: cannot read '100 Gb' as a bandwidth" topo "$f"
graphml good b "100 Gb/s"
f=$(spec file-size 'cluster: {nodes: 3, scale_out: {kind: file, path: good.graphml}}')
expect graphml-size "file-size.yaml:1:51: error: cluster.scale_out.path: 'good.graphml' has 2 endpoints, but the network must join 3 endpoints (3 nodes × 1 NIC)" topo "$f"
expect topo-routes-alone "--routes goes with --graphml" topo "$f" --routes
expect topo-dot-folder "--dot '$tmp/no/dir/out.dot': folder '$tmp/no/dir' does not exist" topo "$f" --dot "$tmp/no/dir/out.dot"

# The training workload (scenarios/calibration_22b.yaml: 8 GPUs, tp 8).
training="$(dirname "$quickstart")/calibration_22b.yaml"
expect training-plan-vs-devices "calibration_22b.yaml:36:13: error: workload.parallel: dp 1 × tp 4 × pp 1 × cp 1 = 4 devices, but the cluster has 8" run "$training" --set workload.parallel.tp=4 "${out[@]}"
expect training-layers-vs-stages "--set workload.parallel.pp=5: error: workload.parallel.pp: 48 layers do not split evenly over pp 5 × vpp 1 = 5 model chunks" run "$training" --set workload.parallel.pp=5 "${out[@]}"
expect training-batch "calibration_22b.yaml:37:29: error: workload.training.global_batch: global batch 4 is not a multiple of micro_batch 3 × dp 1 = 3" run "$training" --set workload.training.micro_batch=3 "${out[@]}"
expect training-pipeline-sends "--set workload.training.pipeline_sends=blocking: error: workload.training.pipeline_sends: unknown value 'blocking'; valid: asynchronous, synchronous" run "$training" --set workload.training.pipeline_sends=blocking "${out[@]}"
expect training-recompute "--set workload.training.recompute=some: error: workload.training.recompute: unknown value 'some'; valid: none, selective, full" run "$training" --set workload.training.recompute=some "${out[@]}"
expect training-zero-stage "--set workload.training.zero_stage=5: error: workload.training.zero_stage: must be 0, 1, 2 or 3, got 5" run "$training" --set workload.training.zero_stage=5 "${out[@]}"
expect training-offload-without-host "--set workload.training.offload=cpu: error: workload.training.offload: offload needs the host tier" run "$training" --set workload.training.offload=cpu "${out[@]}"
expect training-vocab-without-pipeline "--set workload.training.vocab_parallel=true: error: workload.training.vocab_parallel: vocabulary parallelism splits the output layer over pipeline stages; it needs pp > 1" run "$training" --set workload.training.vocab_parallel=true "${out[@]}"
expect training-profiled-times-unasked "--set workload.compute.forward=1ms: error: workload.compute.forward: is for \`model: profiled\` only" run "$training" --set workload.compute.forward=1ms "${out[@]}"
expect training-gqa "--set workload.model.kv_heads=5: error: workload.model.kv_heads: must divide heads 64 (grouped-query attention), got 5" run "$training" --set workload.model.kv_heads=5 "${out[@]}"
expect training-preset "--set workload.model.preset=llama3-406b: error: workload.model.preset: unknown value 'llama3-406b'; did you mean 'llama3-405b'?; valid: none, gpt3-1.3b, gpt3-6.7b, gpt3-175b, opt-13b, opt-66b, llama2-7b, llama2-13b, llama2-70b, llama3-8b, llama3-70b, llama3-405b, mixtral-8x7b, deepseek-moe-16b" run "$training" --set workload.model.preset=llama3-406b "${out[@]}"
expect training-shared-experts "--set workload.model.shared_experts=2: error: workload.model.shared_experts: needs a mixture-of-experts model (experts > 1)" run "$training" --set workload.model.shared_experts=2 "${out[@]}"
expect training-dense-layers "--set workload.model.dense_layers=-1: error: workload.model.dense_layers: must be between 0 and layers − 1" run "$training" --set workload.model.experts=8 --set workload.model.dense_layers=-1 "${out[@]}"
expect training-mlp "--set workload.model.mlp=relu: error: workload.model.mlp: unknown value 'relu'; did you mean 'gelu'?; valid: gelu, swiglu" run "$training" --set workload.model.mlp=relu "${out[@]}"
expect training-optimizer-precision "--set workload.training.optimizer_precision=fp8: error: workload.training.optimizer_precision: unknown value 'fp8'; valid: fp32, bf16, fp16" run "$training" --set workload.training.optimizer_precision=fp8 "${out[@]}"
expect training-precision-no-peak "--set workload.training.precision=fp8: error: workload.training.precision: device V100-SXM2-32GB has no fp8 peak; it has: fp64, fp32, fp16" run "$(dirname "$quickstart")/zero_100b.yaml" --set workload.training.precision=fp8 "${out[@]}"
expect training-task-cap "--set workload.training.global_batch=1000000000000: error: workload.training.global_batch: dp 1 × 1000000000000 micro-batches × 1 model chunks × 3 passes = 3e+12 tasks, more than limits.tasks = 2e+07" run "$training" --set workload.training.global_batch=1000000000000 --set workload.training.micro_batch=1 "${out[@]}"
sed -e '/^  device: /d' "$training" >"$tmp/nodevice.yaml"
expect training-no-device "nodevice.yaml:33:3: error: workload.compute.model: \`device\` prices every operation with cluster.device, but the cluster names no GPU" run "$tmp/nodevice.yaml" "${out[@]}"
expect training-max-tasks-lowered "error: workload.training.global_batch: dp 1 × 1 micro-batches × 1 model chunks × 3 passes = 3 tasks, more than limits.tasks = 2" run "$training" --max-tasks 2 "${out[@]}"
expect max-events "error: limits.events: the run would take about" run "$traffic" --max-events 1 "${out[@]}"
expect max-tasks-zero "--set limits.tasks=0: error: limits.tasks: must be in [1, 1e12], got 0" run "$training" --max-tasks 0 "${out[@]}"
expect training-seq-cap "--set workload.model.seq_len=1000000000: error: workload.model.seq_len: 1000000000 is more than orrery's cap of 16777216" run "$training" --set workload.model.seq_len=1000000000 "${out[@]}"
expect training-devices-cap "error: workload.parallel.dp: dp 1000000000 × tp 8 × pp 1 × cp 1 = 8e+09 devices" run "$training" --set workload.parallel.dp=1000000000 "${out[@]}"
expect traffic-group-cap "error: workload.collectives[0].group: a collective over 1000000 ranks runs about 2e+12 point-to-point transfers" run "$traffic" --set cluster.nodes=1000000 "${out[@]}"
expect training-key-in-a-later-section "--set workload.parallel.global_batch=8: error: workload.parallel: unknown key 'global_batch'; 'global_batch' is a key of another section: did you mean 'workload.training.global_batch'?" run "$training" --set workload.parallel.global_batch=8 "${out[@]}"
expect top-level-key-in-a-section "--set workload.seed=3: error: workload: unknown key 'seed'; 'seed' is a key of another section: did you mean 'seed'?" run "$training" --set workload.seed=3 "${out[@]}"
expect training-key-in-another-section "--set workload.training.tp=2: error: workload.training: unknown key 'tp'; 'tp' is a key of another section: did you mean 'workload.parallel.tp'?" run "$training" --set workload.training.tp=2 "${out[@]}"
expect training-order "--set workload.parallel.order=tp-dp-pp: error: workload.parallel.order: 'tp-dp-pp' must name each of tp, cp, dp, pp once" run "$training" --set workload.parallel.order=tp-dp-pp "${out[@]}"
expect training-check "calibration_22b.yaml:36:13: error: workload.parallel: dp 1 × tp 4 × pp 1 × cp 1 = 4 devices, but the cluster has 8" check "$training" --set workload.parallel.tp=4

# Out of memory is not a usage error: exit 1, the device, the peak, the capacity and the breakdown, no files.
expect_infeasible training-out-of-memory "out of memory: device 0 (A100-SXM4-80GB) peaks at 105.89 GiB, 31.38 GiB over its capacity of 74.51 GiB (80 GB); at the peak: parameters 5.16 GiB, gradients 10.32 GiB, optimizer 30.96 GiB, activations 59.45 GiB" -- run "$training" --set workload.training.recompute=none "${out[@]}"

# Failure and checkpoint policies (a small training run with failure classes).
cat >"$tmp/fail.yaml" <<'YAML'
cluster:
  nodes: 2
  device: A100-SXM4-80GB
  node: { kind: nvswitch, devices: 8, bandwidth: "300 GB/s", nics: 8, nic_bandwidth: "200 Gb/s" }
  scale_out: { kind: fat_tree, levels: 2, radix: 16 }
network: { model: analytic }
workload:
  kind: training
  model: { layers: 8, hidden: 1024, heads: 16, vocab: 32000, seq_len: 1024 }
  parallel: { tp: 8, pp: 2 }
  training: { global_batch: 8 }
policies:
  failures:
    kind: classes
    classes:
      - { name: gpu, scope: gpu, mtbf: "50000 h" }
      - { name: software, scope: job, weibull_shape: 0.7, weibull_scale: "300 h" }
  checkpoint: { kind: sync, interval: "30 min", storage_bandwidth: "10 GB/s" }
  recovery: { kind: restart, spares: 1 }
  horizon: { days: 30, replicas: 10 }
YAML
fvariant() {
  sed -e "$2" "$tmp/fail.yaml" >"$tmp/$1.yaml"
  echo "$tmp/$1.yaml"
}
f=$(fvariant mtbf 's/mtbf: "50000 h"/mtbf: "0 h"/')
expect mtbf-zero "mtbf.yaml:16:40: error: policies.failures.classes[0].mtbf: must be positive, got 0 ns" run "$f" "${out[@]}"
f=$(fvariant mtbfneg 's/mtbf: "50000 h"/mtbf: "-3 h"/')
expect mtbf-negative "mtbfneg.yaml:16:40: error: policies.failures.classes[0].mtbf: must be positive" run "$f" "${out[@]}"
f=$(fvariant shape 's/weibull_shape: 0.7/weibull_shape: 0/')
expect weibull-shape "shape.yaml:17:54: error: policies.failures.classes[1].weibull_shape: must be positive, got 0" run "$f" "${out[@]}"
f=$(fvariant halfweibull 's/weibull_shape: 0.7, //')
expect weibull-half "halfweibull.yaml:17:9: error: policies.failures.classes[1].weibull_shape: a Weibull class needs both weibull_shape and weibull_scale" run "$f" "${out[@]}"
f=$(fvariant scope 's/scope: gpu/scope: rack/')
expect failure-scope "scope.yaml:16:29: error: policies.failures.classes[0].scope: unknown value 'rack'; valid: gpu, node, nic, switch, link, job" run "$f" "${out[@]}"
f=$(fvariant parity 's/kind: sync, interval/kind: in_memory, group: 4, parity: 5, interval/')
expect parity-above-group "parity.yaml:18:52: error: policies.checkpoint.parity: must be at least 1 and below the group of 4 nodes, got 5" run "$f" "${out[@]}"
f=$(fvariant nospares 's/spares: 1 }/spares: 0, repair: false }/')
expect no-spares-no-repair "nospares.yaml:19:38: error: policies.recovery.spares: with no spares and no repair a failed node never comes back: the job can never restart" run "$f" "${out[@]}"
f=$(fvariant never 's/interval: "30 min"/interval: "20000 h"/')
expect never-progress "never.yaml:18:39: error: policies.checkpoint.interval: 20000 h between checkpoints plus 244.595 ms to write one is 59 times the job's mean time between failures" run "$f" "${out[@]}"
f=$(fvariant tooshort 's/interval: "30 min"/interval: "1 ms"/')
expect interval-too-many "tooshort.yaml:18:39: error: policies.checkpoint.interval: 1 ms between checkpoints makes 2.59e+10 checkpoints" run "$f" "${out[@]}"
expect replicas-zero "--replicas: must be at least 1, got 0" run "$tmp/fail.yaml" --replicas 0 "${out[@]}"
expect replicas-without-failures "--replicas: the scenario has no policies.failures" run "$quickstart" --replicas 4 "${out[@]}"
f=$(fvariant nohorizon '/horizon:/d')
expect no-horizon "nohorizon.yaml:13:3: error: policies.horizon: the long-horizon simulation needs policies.horizon" run "$f" "${out[@]}"
# An interval shorter than the checkpoint runs, with a warning that gives the numbers.
f=$(fvariant short 's/interval: "30 min"/interval: "100 ms"/; s/days: 30/days: 0.01/')
err=$("$orrery" run "$f" 2>&1 >/dev/null)
if [[ $? -eq 0 && "$err" == *"warning: policies.checkpoint.interval: 100 ms between checkpoints is shorter than one checkpoint (244.595 ms)"* ]]; then
  pass=$((pass + 1))
else
  fail=$((fail + 1))
  echo "FAIL short-interval-warning: $err"
fi

# Serving: bad requests, a trace's bad rows, objectives; a model that does not fit is infeasible (exit 1).
serving="$(dirname -- "$quickstart")/serving_llama3_8b.yaml"
expect serving-rate-zero "--set workload.requests.rate=0: error: workload.requests.rate: must be a positive number of requests per second, got 0" run "$serving" --set workload.requests.rate=0 "${out[@]}"
expect serving-slo-key "error: workload.slo: unknown key 'ttfb'; did you mean 'ttft'?" run "$serving" --set "workload.slo.ttfb=1 s" "${out[@]}"
expect serving-too-many "serving_llama3_8b.yaml:26:14: error: workload.requests: more than 2^24 = 16777216 requests" run "$serving" --set workload.requests.rate=1e9 --set "workload.requests.duration=1 h" --set workload.requests.count=0 "${out[@]}"
expect serving-host-kernel "--set workload.host.per_kernel=2 h: error: workload.host.per_kernel: must be in [0, 1 s]" run "$serving" --set "workload.host.per_kernel=2 h" "${out[@]}"
expect serving-tp-kv "error: workload.placement.tp: tp = 3 and the model's 8 key/value heads: one must divide the other" run "$serving" --set workload.model.preset=none --set workload.model.layers=4 --set workload.model.hidden=6144 --set workload.model.heads=48 --set workload.model.kv_heads=8 --set workload.model.vocab=32000 --set workload.model.seq_len=4096 --set workload.placement.tp=3 "${out[@]}"
expect serving-block-zero "--set workload.kv_cache.block_size=0: error: workload.kv_cache.block_size: must be in [1, 65536] tokens" run "$serving" --set workload.kv_cache.block_size=0 "${out[@]}"
printf 'timestamp,prompt_tokens,output_tokens\n0,100,20\n0.5,-3,20\n' >"$tmp/bad_trace.csv"
sed -e 's/arrival: poisson/arrival: trace\n    file: bad_trace.csv/; /rate: 30/d; /count: 1500/d; /prompt:/d; /output:/d' "$serving" >"$tmp/trace.yaml"
expect serving-trace-row "bad_trace.csv:3:5: error: workload.requests.file: column prompt_tokens: expected a count of tokens (an integer >= 0), found '-3'" run "$tmp/trace.yaml" "${out[@]}"
expect capacity-slo-key "--slo ttft_p99: the summary has no number of that name; did you mean 'ttft_p99_s'?" capacity "$serving" --slo ttft_p99=1s --set workload.requests.count=20
expect capacity-slo-bound "--slo ttft_p99_s=soon: the bound 'soon' is neither a number nor a duration" capacity "$serving" --slo ttft_p99_s=soon
expect_infeasible serving-does-not-fit "the model does not fit on a replica of tp = 1, pp = 1" "GiB of weights" -- run "$serving" --set workload.model.preset=llama3-70b "${out[@]}"

# Vector search: a recall target outside (0, 1] or beyond the curve, a design parameter outside
# FANNS's options (exit 2, located); an FPGA design over its resource budget is infeasible (exit 1,
# naming the resource), in a run and in `orrery cost`.
vsearch="$(dirname -- "$quickstart")/vector_search_fanns_sift100m.yaml"
sed -e 's/^    recall: 0.8$/    recall: 1.5/' "$vsearch" >"$tmp/recall.yaml"
expect vs-recall-range "recall.yaml:32:13: error: workload.search.recall: must be in (0, 1], got 1.5" run "$tmp/recall.yaml" "${out[@]}"
expect vs-recall-zero "--set workload.search.recall=0: error: workload.search.recall: must be in (0, 1], got 0" run "$vsearch" --set workload.search.recall=0 "${out[@]}"
expect vs-recall-curve "error: workload.search.recall: the recall curve reaches 0.8 at most" run "$vsearch" --set workload.search.recall=0.95 "${out[@]}"
expect vs-design-pes "error: workload.design: ivf_pes must be in [1, 16]" run "$vsearch" --set workload.design.ivf_pes=40 "${out[@]}"
expect vs-cost-nprobe "ivfpq: nprobe 9000 exceeds nlist 8192" cost Alveo-U55C ivfpq vectors=100000000 nprobe=9000
expect vs-batch-cap "error: workload.batch: a batch would scan 2.08e+15 PQ codes" run "$vsearch" --set workload.batch=1000000 --set workload.index.vectors=1000000000000 "${out[@]}"
big=(--set workload.design.utilization=0.5 --set workload.design.opq_unroll=4 --set workload.design.cell_queues=2
     --set workload.design.ivf_pes=16 --set workload.design.lut_pes=17 --set workload.design.scan_channels=12
     --set workload.design.scan_pes=36)
expect_infeasible vs-design-over-budget "the given design does not fit the FPGA: it needs" "LUT with the shell; the budget allows 651840" -- run "$vsearch" "${big[@]}" "${out[@]}"
expect_infeasible vs-cost-over-budget "LUT with the shell" -- cost Alveo-U55C ivfpq vectors=100000000 nprobe=17 opq=true utilization=0.5 ivf_pes=16 lut_pes=17 scan_channels=12 scan_pes=36

# Output paths that cannot be written are refused before the simulation (a file of the temporary's
# name is created there first): a folder the program cannot create files in, a name too long.
expect out-unwritable "-o '/proc/out.h5': cannot write there" run "$quickstart" -o /proc/out.h5
long=$(printf 'a%.0s' {1..300})
expect out-name-too-long "cannot write there: File name too long" run "$quickstart" -o "$tmp/$long.h5"

# Quantized and sparse weights: a per-layer list of the wrong length, an unknown type, a density outside (0, 1].
quant="$(dirname -- "$quickstart")/serving_quantized.yaml"
sed -e '/^    layers: \[/,/\]$/c\    layers: [int4, int4, int4]' "$quant" >"$tmp/wlen.yaml"
expect weights-list-length "wlen.yaml:21:13: error: workload.weights.layers: has 3 types; the model has 80 layers" run "$tmp/wlen.yaml" "${out[@]}"
sed -e 's/^             int8, int8, int8, int8, int8, int8, int8, int8\]$/             int8, int8, int8, int8, int8, int8, int8, int5]/' "$quant" >"$tmp/wtype.yaml"
expect weights-type "error: workload.weights.layers: element 79: unknown weight type 'int5'" run "$tmp/wtype.yaml" "${out[@]}"
expect weights-density "--set workload.weights.ffn_sparsity.density=1.5: error: workload.weights.ffn_sparsity.density: must be in (0, 1], got 1.5" run "$quant" --set workload.weights.ffn_sparsity.pattern=unstructured --set workload.weights.ffn_sparsity.density=1.5 "${out[@]}"

# Neural graphics: a resolution or sample count of zero, an unknown resolution (exit 2, located); a
# field whose tables exceed the device's memory is infeasible (exit 1, with the numbers).
ngpc="$(dirname -- "$quickstart")/ngpc_nerf_4k.yaml"
expect ng-samples-zero "--set workload.samples_per_ray=0: error: workload.samples_per_ray: must be in [1, 65536]" run "$ngpc" --set workload.samples_per_ray=0 "${out[@]}"
sed -e 's/^  resolution: 4k$/  width: 0\n  height: 2160/' "$ngpc" >"$tmp/ngwidth.yaml"
expect ng-width-zero "ngwidth.yaml:37:10: error: workload.width: must be at least 1" run "$tmp/ngwidth.yaml" "${out[@]}"
expect ng-resolution "--set workload.resolution=5k: error: workload.resolution: unknown resolution '5k'; valid: 720p, 1080p, 1440p, 4k, 8k" run "$ngpc" --set workload.resolution=5k "${out[@]}"
expect ng-frames-zero "--set workload.frames=0: error: workload.frames: must be in [1, 10^6]" run "$ngpc" --set workload.frames=0 "${out[@]}"
expect_infeasible ng-table-too-large "the neural field does not fit device NGPC-64: its tables take" "over the device's 24 GB" -- run "$ngpc" --set workload.encoding.log2_table=30 --set workload.encoding.features=8 "${out[@]}"
rm -f "$tmp"/out.h5 "$tmp"/out.json
if "$orrery" run "$ngpc" "${out[@]}" >/dev/null 2>&1 && [[ -s $tmp/out.h5 && -s $tmp/out.json ]]; then
  pass=$((pass + 1))
else
  fail=$((fail + 1))
  echo "FAIL ng-valid-run: no output files"
fi

# A valid run writes both files (the control case: the checks above are not vacuous).
for good in "$quickstart" "$traffic" "$training" "$tmp/fail.yaml" "$serving" "$vsearch"; do
  rm -f "$tmp"/out.h5 "$tmp"/out.json
  if "$orrery" run "$good" "${out[@]}" >/dev/null 2>&1 && [[ -s $tmp/out.h5 && -s $tmp/out.json ]]; then
    pass=$((pass + 1))
  else
    fail=$((fail + 1))
    echo "FAIL control: a valid run of $good did not write its outputs"
  fi
done
echo "$pass passed, $fail failed"
[[ $fail -eq 0 ]]
