#!/usr/bin/env python3
"""Semantic fuzzing of `orrery run`: random scenarios that are valid YAML of
the documented keys (scenarios/README.md), small enough to run in about a
second each, checked for what every run owes its user.

    scripts/scenario_fuzz.py ORRERY [--count N] [--seed S] [--out DIR] [--timeout SECONDS]

Each scenario draws a cluster (device; NVSwitch, PCIe or xGMI nodes of 8, or
single-device nodes; a fat tree, torus, dragonfly or HammingMesh), a network
model and one of seven workloads:
  * training: a transformer (dense or mixture of experts, gelu or swiglu...),
    a parallel plan (tp, pp, dp, cp, ep, vpp, sequence parallelism, rank
    order), a schedule and the training options (ZeRO stage, recompute,
    precision, attention, kernels, gradient reduction...), and sometimes
    policies (failures of three kinds with each checkpoint and recovery
    policy, or bubble filling);
  * serving (one in five replaying a request trace of its own, in
    BurstGPT's columns), traffic (one in five a CSV of flows of its own) and
    neural graphics, each with its own keys;
  * pipeline: profiled stage times under each of the seven schedules;
  * vector_search: FPGAs, GPUs or CPUs, an IVF-PQ index, arrivals, batches;
  * chakra: a trace in orrery's text form, drawn in one global order
    (compute nodes, matched sends and receives, collectives).
Draws are not filtered for feasibility: a plan that does not divide, or a
model that does not fit, is part of the test; about one draw in ten skips
the consistency fixes, and one Chakra trace in seven carries a planted fault.

Where scripts/fuzz_replay.py mutates the shipped scenarios (mostly into bad
ones), this draws valid combinations of keys that no shipped scenario holds,
and checks what each run owes (each check names its contract):
  * the exit status is 0, 1 (infeasible, or out of memory) or 2 (a bad
    configuration): never a signal, an abort or another status, and never
    past the timeout (docs/CONTRACTS.md, exit codes);
  * exit 1 and 2 print an `error:` line; exit 2's names the scenario file
    (or, for a fault in a Chakra trace or a request trace, that file) with
    line and column, and the line it names in the scenario holds the key it
    names
    (the bad-input contract); `orrery check` exits 2
    exactly where the run does;
  * exit 0 prints one JSON object whose numbers are all finite;
  * the same scenario and seed give byte-identical output, run twice;
  * with the analytic network and dp >= 2, `--full` (no symmetry reduction)
    gives the same summary but for `events` (docs/ARCHITECTURE.md, Symmetry
    reduction: "exactly those of the full run except the events count");
  * one scenario in five again with `-o` (every device, which turns the
    reduction off; or, one in ten, one replica with `--trace` too): the same
    summary but `events`, a trace that reads as JSON, and an HDF5 file that
    agrees with its summary (h5_invariants: /summary, /memory's peak, the
    last span, the workloads' tables recounted, /link_load's bins against
    /links, and no flow-network link above its bandwidth in any bin); a
    third of the one-replica runs keep a window and some kinds of rows only
    (window_invariants);
  * one training scenario in four exported with --chakra and read back as a
    `chakra` workload on the same cluster: the same time;
  * one training scenario in ten searched (`orrery search`, 64 plans around
    it): its best and worst plans, run with `orrery run`, give the times,
    memory and MFU the search reported (and the flow time of a refined one);
  * one dense ZeRO-0 training scenario in three again at ZeRO-3, with -o:
    device 0 holds 1/(dp x cp) of the parameters, gradients and optimizer
    states (Rajbhandari et al. SC20);
  * training and pipelines: bubble_fraction the stages' mean, bubble_s the
    longest stage's;
  * training: 0 < mfu <= hfu <= 1, bubble_fraction in [0, 1), tokens_per_s =
    global_batch x seq_len / iteration_time_s, comm_bytes the sum of its
    three parts, the iteration no shorter than the pipeline (synchronized);
    with failures over a horizon of D days, (1 - goodput)·D days = lost work
    + checkpoint and restart overheads; over N iterations of one replica,
    goodput = N·T / (N·T + those losses);
  * serving: a replayed trace's rows with a response are the requests, in
    order, at (timestamp - the first's) x time_scale, with their tokens
    (trace_invariants);
    finished + rejected = requests, ordered quantiles, each ttft
    statistic at most e2e's, total tokens = input + output, Little's law
    L = X·W (exact over a run every request leaves), goodput <= throughput,
    KV use mean <= peak <= 1, optimal_fraction in [0, 1] (0 when none finished);
  * pipeline: no iteration shorter than a stage's own work, and with equal
    stages and free communication the closed forms of GPipe and 1F1B
    ((m+p-1)(F+B+W)), interleaved 1F1B (a bubble of (p-1)(F+B+W)/v) and
    Qi et al.'s Table 2 (ZB-H1, ZB-H2; ZB-V's zero bubble), to a ns per op;
  * vector search: every query answered once, batches no larger than
    `batch`, ordered latency quantiles, Little's law L = qps x latency;
  * chakra: no completion before the busiest rank's compute, and the
    traffic workload's bounds;
  * neural graphics: points_per_frame = width x height x samples_per_ray,
    bytes_moved = bytes_per_frame x frames, ordered frame latencies;
  * traffic: a CSV's rows are its flows and bytes, none done before it
    starts; no collective's bus bandwidth nor any flow above what a device's
    links carry at once, the completion no earlier than a collective's end,
    and one collective alone timed by the analytic and the flow network
    within a factor 2 of each other;
  * one training scenario in four again on the other network: where the flow
    network's iteration is over 1.25 times the analytic one's, the analytic
    run warned that links were oversubscribed; and it is never shorter.

A failing scenario is written to DIR (default build/scenario_fuzz) with what
failed; the exit status is 1 when any failed. The draws depend on --seed
alone, so a failure reproduces with the same seed and count.
"""

import argparse
import json
import math
import os
import random
import re
import subprocess
import sys
import tempfile

try:  # the result-file checks read HDF5 (scripts/install_deps.sh --test installs both); skipped without
    import h5py
    import numpy
except ImportError:
    h5py = numpy = None

DEVICES = ["A100-SXM4-80GB", "H100-SXM5-80GB", "H200-SXM-141GB"]


def pick(rng, choices, weights=None):
    return rng.choices(choices, weights=weights, k=1)[0]


def sometimes(rng, fields, options):
    """Sets each key of `options`, a (probability, value) pair, with its probability."""
    for key, (p, value) in options.items():
        if rng.random() < p:
            fields[key] = value


def cluster_yaml(rng):
    """A cluster of 1 to 8 nodes of 8 devices (NVSwitch, PCIe or xGMI nodes), or of 4 to 32 single-device
    nodes, with a scale-out network. Returns the devices, the device, the most one device can send at
    once (all its links together) and the YAML."""
    node_kind = pick(rng, ["nvswitch", "pcie", "xgmi", "single"], [8, 2, 1, 2])
    if node_kind == "single":
        return single_cluster_yaml(rng)
    nodes = pick(rng, [1, 2, 4, 8], [2, 3, 3, 2])
    device = "MI250X" if node_kind == "xgmi" else pick(rng, DEVICES)
    nics = pick(rng, [1, 2, 8])
    rail = "true" if nics > 1 and rng.random() < 0.3 else "false"
    if node_kind == "nvswitch":
        node = (f'{{ kind: nvswitch, devices: 8, bandwidth: "{pick(rng, [300, 450])} GB/s", nics: {nics}, '
                f'nic_bandwidth: "{pick(rng, [100, 200, 400])} Gb/s", rail_optimized: {rail} }}')
        local = float(re.search(r'bandwidth: "(\d+) GB/s"', node).group(1)) * 1e9
    elif node_kind == "pcie":
        node = (f'{{ kind: pcie, devices: 8, switches: {pick(rng, [1, 2])}, bandwidth: "32 GB/s", nics: {nics}, '
                f'nic_bandwidth: "{pick(rng, [100, 200])} Gb/s", rail_optimized: {rail} }}')
        local = 32e9
    else:
        # MI250X's wiring (topologies/node_xgmi): a GCD has at most 3 xGMI peers, one of them over 4 links.
        node = (f'{{ kind: xgmi, devices: 8, link_bandwidth: "50 GB/s", nics: {nics}, '
                f'nic_bandwidth: "{pick(rng, [100, 200])} Gb/s", rail_optimized: {rail} }}')
        local = 7 * 50e9
    lines = [f"  nodes: {nodes}", f"  device: {device}", f"  node: {node}"]
    nic = float(re.search(r'nic_bandwidth: "(\d+) Gb/s"', node).group(1)) / 8 * 1e9
    egress = local + nics * nic  # its node links and every NIC of its node: more than a device can ever send
    kind = pick(rng, ["fat_tree", "torus", "dragonfly"], [4, 1, 1]) if nodes > 1 else "none"
    if kind == "fat_tree":
        levels = pick(rng, [2, 3])
        radix = pick(rng, [8, 16, 32])
        over = pick(rng, [1, 1, 2])
        lines.append(f'  scale_out: {{ kind: fat_tree, levels: {levels}, radix: {radix}, oversubscription: {over}, '
                     f'link_latency: "{pick(rng, [500, 700])} ns" }}')
    elif kind == "torus":
        endpoints = nodes if rail == "true" else nodes * nics  # a rail-optimized node: one NIC on each rail
        dims = {2: [2], 4: [2, 2], 8: [2, 4], 16: [4, 4], 32: [4, 8], 64: [4, 4, 4]}[endpoints]
        lines.append(f'  scale_out: {{ kind: torus, dims: {json.dumps(dims)}, wraparound: {pick(rng, ["true", "false"])} }}')
    elif kind == "dragonfly":
        lines.append("  scale_out: { kind: dragonfly, routers: 4, endpoints_per_router: 4, global_links: 2 }")
    return nodes * 8, device, egress, "cluster:\n" + "\n".join(lines)


def single_cluster_yaml(rng):
    """4 to 32 single-device nodes straight on a torus, a HammingMesh, a fat tree or a dragonfly."""
    nodes = pick(rng, [4, 8, 16, 32])
    device = pick(rng, DEVICES)
    bw = pick(rng, [100, 400, 1600])
    kind = pick(rng, ["torus", "hammingmesh", "fat_tree", "dragonfly"])
    if kind == "torus":
        dims = {4: [2, 2], 8: [2, 4], 16: [4, 4], 32: [2, 4, 4]}[nodes]
        wrap = pick(rng, ["true", "false"])
        scale_out = (f'{{ kind: torus, dims: {json.dumps(dims)}, wraparound: {wrap}, link_bandwidth: "{bw} Gb/s" }}')
        egress = 2 * len(dims) * bw / 8 * 1e9  # two links a dimension
    elif kind == "hammingmesh":
        boards = {4: [1, 1], 8: [2, 1], 16: [2, 2], 32: [4, 2]}[nodes]
        tree = pick(rng, [100, 400])
        scale_out = (f'{{ kind: hammingmesh, board: [2, 2], boards: {json.dumps(boards)}, radix: 16, '
                     f'board_link_bandwidth: "{bw} Gb/s", tree_link_bandwidth: "{tree} Gb/s" }}')
        egress = 4 * max(bw, tree) / 8 * 1e9  # four ports: on-board mesh links, or tree links at the edges
    elif kind == "fat_tree":
        scale_out = f'{{ kind: fat_tree, levels: 2, radix: 8, link_bandwidth: "{bw} Gb/s" }}'
        egress = bw / 8 * 1e9
    else:
        scale_out = f'{{ kind: dragonfly, routers: 4, endpoints_per_router: 4, global_links: 2, link_bandwidth: "{bw} Gb/s" }}'
        egress = bw / 8 * 1e9
    text = f"cluster:\n  nodes: {nodes}\n  device: {device}\n  node: {{ kind: single }}\n  scale_out: {scale_out}"
    return nodes, device, egress, text


def model_yaml(rng):
    if rng.random() < 0.2:
        preset = pick(rng, ["gpt3-1.3b", "llama2-7b", "llama3-8b", "mixtral-8x7b", "deepseek-moe-16b"])
        layers = pick(rng, [2, 4, 8])
        return {"experts": 8 if preset in ("mixtral-8x7b",) else (64 if preset == "deepseek-moe-16b" else 1)}, \
            f"  model: {{ preset: {preset}, layers: {layers}, seq_len: {pick(rng, [512, 1024, 2048])} }}"
    heads = pick(rng, [8, 16, 32, 64])
    hidden = heads * pick(rng, [64, 128, 128, 256])  # up to 16,384: big enough to run out of memory
    fields = {
        "layers": pick(rng, [2, 4, 6, 8, 12, 16]),
        "hidden": hidden,
        "heads": heads,
        "vocab": pick(rng, [32000, 50257, 51200]),
        "seq_len": pick(rng, [256, 512, 1024, 2048, 4096]),
    }
    sometimes(rng, fields, {
        "kv_heads": (0.3, pick(rng, [h for h in (1, 2, 4, 8) if heads % h == 0])),
        "mlp": (0.4, "swiglu"),
        "norm": (0.3, "rmsnorm"),
        "positions": (0.3, "rotary"),
        "tied_embeddings": (0.2, "false"),
        "bias": (0.2, "false"),
    })
    experts = 1
    if rng.random() < 0.2:
        experts = pick(rng, [4, 8])
        fields["experts"] = experts
        fields["top_k"] = pick(rng, [1, 2])
        if rng.random() < 0.3:
            fields["shared_experts"] = 1
    body = ", ".join(f"{k}: {v}" for k, v in fields.items())
    return {"experts": experts}, f"  model: {{ {body} }}"


def training_yaml(rng, devices, device, valid):
    """The workload section; with `valid` false, the checks that keep a draw
    consistent are skipped (a bad plan or option is then likely: exit 2)."""
    facts, model = model_yaml(rng)
    tp = pick(rng, [1, 2, 4, 8])
    pp = pick(rng, [1, 2, 4], [3, 2, 1])
    cp = pick(rng, [1, 1, 1, 2])
    if valid:
        while tp * pp * cp > devices:
            tp, pp, cp = max(1, tp // 2), pp, max(1, cp // 2)
            if tp * pp * cp > devices:
                pp = max(1, pp // 2)
    dp = devices // (tp * pp * cp) if valid else pick(rng, [1, 2, 4])
    parallel = {"tp": tp, "pp": pp, "dp": pick(rng, ["auto", dp]) if valid else dp}
    if cp > 1:
        parallel["cp"] = cp
    if facts["experts"] > 1 and dp >= 2 and rng.random() < 0.5:
        parallel["ep"] = pick(rng, [e for e in (2, 4) if dp % e == 0] or [1])
    schedule = pick(rng, ["1f1b", "gpipe", "interleaved_1f1b", "v_half", "zb_h1", "zb_h2", "zb_v"], [4, 1, 2, 1, 1, 1, 1])
    if schedule in ("interleaved_1f1b",):
        parallel["vpp"] = pick(rng, [2, 3])
    elif schedule in ("v_half", "zb_v"):
        parallel["vpp"] = 2
    if tp > 1 and rng.random() < 0.5:
        parallel["sequence_parallel"] = "true"
    if rng.random() < 0.15:
        parallel["order"] = pick(rng, ["tp-cp-pp-dp", "tp-dp-cp-pp", "dp-tp-cp-pp", "cp-tp-dp-pp"])
    micro = pick(rng, [1, 2, 4])
    micro_batches = pick(rng, [1, 2, 4, 8, 16])
    if valid and pp > 1:
        micro_batches = pp * pick(rng, [1, 2, 4])
    global_batch = max(1, dp) * micro * micro_batches
    training = {
        "global_batch": global_batch,
        "micro_batch": micro,
        "schedule": schedule,
        "zero_stage": pick(rng, [0, 0, 1, 2, 3]),
        "recompute": pick(rng, ["none", "selective", "full"]),
        "precision": pick(rng, ["bf16", "bf16", "fp16", "fp8"]),
        "attention": pick(rng, ["flash", "unfused"]),
        "kernels": pick(rng, ["megatron", "eager"]),
        "grad_reduce": pick(rng, ["after_backward", "per_chunk", "overlap"]),
        "grad_accumulation": pick(rng, ["fused", "buffer", "autograd"]),
        "check_memory": pick(rng, ["true", "false"]),
    }
    sometimes(rng, training, {
        "distributed_optimizer": (0.2, "true"),
        "optimizer_step": (0.15, "post_validation"),
        "pipeline_sends": (0.15, "asynchronous"),
        "vocab_parallel": (0.15, "true"),
        "bucket_size": (0.2, json.dumps(pick(rng, ["25 MB", "1 GB", "1TiB"]))),
        "gradient_precision": (0.15, pick(rng, ["bf16", "fp16"])),
    })
    if rng.random() < 0.1:
        training["master_weights"] = "false"
        training["optimizer_precision"] = "bf16"
    if rng.random() < 0.1:
        training["weights"] = "{ dtype: %s }" % pick(rng, ["fp8", "int8", "int4"])
    if rng.random() < 0.1:
        training["offload"] = pick(rng, ["cpu", "nvme"])
        if training["zero_stage"] == 3 and rng.random() < 0.5:
            training["offload_params"] = pick(rng, ["cpu", "nvme"])
    if valid:
        if training["zero_stage"] != 0:
            training.pop("distributed_optimizer", None)
        if pp == 1:
            training.pop("vocab_parallel", None)
        if schedule in ("zb_h1", "zb_h2", "zb_v", "v_half") and training["grad_reduce"] == "overlap":
            training["grad_reduce"] = "after_backward"
        if (device.startswith("A100") or device == "MI250X") and training["precision"] == "fp8":
            training["precision"] = "bf16"
        chunks = pp * parallel.get("vpp", 1)
        model = re.sub(r"layers: (\d+)", lambda m: f"layers: {max(chunks, int(m.group(1)) // chunks * chunks)}", model)
    body_p = ", ".join(f"{k}: {v}" for k, v in parallel.items())
    body_t = ", ".join(f"{k}: {v}" for k, v in training.items())
    text = f"workload:\n  kind: training\n{model}\n  parallel: {{ {body_p} }}\n  training: {{ {body_t} }}"
    return dp, text


def serving_yaml(rng, devices, device):
    """A serving workload: placement, router, arrivals, lengths, scheduler, KV cache."""
    preset = pick(rng, ["llama3-8b", "llama2-7b", "llama2-13b", "opt-13b", "mixtral-8x7b"])
    tp = pick(rng, [1, 2, 4, 8])
    pp = pick(rng, [1, 1, 2])
    placement = {"tp": tp, "pp": pp}
    if preset == "mixtral-8x7b" and tp > 1 and rng.random() < 0.5:
        placement["ep"] = pick(rng, [e for e in (2, 4, 8) if tp % e == 0])
    replicas = max(1, devices // (tp * pp))
    if replicas >= 2 and rng.random() < 0.3:
        placement["prefill_replicas"] = rng.randrange(1, replicas)
    def lengths(median, top):
        kind = pick(rng, ["fixed", "lognormal", "uniform", "zipf"])
        if kind == "fixed":
            return f"{{ kind: fixed, tokens: {median} }}"
        if kind == "lognormal":
            return f"{{ kind: lognormal, median: {median}, sigma: {pick(rng, [0.3, 0.8, 1.5])}, max: {top} }}"
        return f"{{ kind: {kind}, min: 1, max: {top} }}"
    arrival = pick(rng, ["poisson", "gamma"])
    requests = [f"arrival: {arrival}", f"rate: {pick(rng, [1, 10, 50, 200])}", f"count: {pick(rng, [20, 100, 300])}",
                f"prompt: {lengths(pick(rng, [64, 512, 2048]), 4096)}", f"output: {lengths(pick(rng, [16, 128, 512]), 1024)}"]
    if arrival == "gamma":
        requests.append(f"cv: {pick(rng, [0.5, 2, 4])}")
    if rng.random() < 0.2:
        requests.append("priorities: [0.3, 0.7]")
    scheduler = {"max_batch": pick(rng, [8, 64, 256]), "max_batched_tokens": pick(rng, [512, 2048, 8192]),
                 "batching": pick(rng, ["chunked", "mixed", "prefill_first"]),
                 "preemption": pick(rng, ["recompute", "swap"]), "order": pick(rng, ["fcfs", "priority"])}
    if rng.random() < 0.2:
        scheduler["nano_batches"] = pick(rng, [2, 4])
    kv = {"block_size": pick(rng, [8, 16, 32]), "allocation": pick(rng, ["paged", "reserve_max", "reserve_oracle"])}
    if rng.random() < 0.2:
        kv["blocks"] = pick(rng, [64, 1024])
    lines = ["workload:", "  kind: serving", f"  model: {{ preset: {preset} }}",
             "  placement: { " + ", ".join(f"{k}: {v}" for k, v in placement.items()) + " }",
             f"  router: {pick(rng, ['round_robin', 'least_tokens', 'kv_aware'])}",
             "  requests: { " + ", ".join(requests) + " }",
             "  scheduler: { " + ", ".join(f"{k}: {v}" for k, v in scheduler.items()) + " }",
             "  kv_cache: { " + ", ".join(f"{k}: {v}" for k, v in kv.items()) + " }",
             f"  host: {{ mode: {pick(rng, ['cuda_graphs', 'eager'])} }}",
             '  slo: { ttft: "500 ms", tpot: "50 ms" }']
    if device.startswith("A100") and rng.random() < 0.5:
        lines.append("  dtype: fp16")
    return "\n".join(lines)


def serving_trace(rng, valid):
    """A request trace in BurstGPT's columns: a requests line that replays it, and the file. Some rows have
    no response (skipped with a warning); without `valid`, one row is bad (an error at file:line:column)."""
    name = f"requests{rng.randrange(10 ** 9)}.csv"
    rows, kept = [], []
    t = 0.0
    for _ in range(pick(rng, [1, 10, 60])):
        t += rng.expovariate(pick(rng, [1, 20, 200]))
        prompt, output = rng.randrange(1, 2048), pick(rng, [0, rng.randrange(1, 512)], [1, 19])
        rows.append(f"{t:.6f},ChatGPT,{prompt},{output},{prompt + output},Conversation log")
        if output:
            kept.append((round(t, 6), prompt, output))
    if not valid:
        i = rng.randrange(len(rows))
        rows[i] = rows[i].replace(",ChatGPT,", ",ChatGPT,-", 1)
    scale = pick(rng, [1, 0.5, 2])
    text = "Timestamp,Model,Request tokens,Response tokens,Total tokens,Log Type\n" + "".join(r + "\n" for r in rows)
    return f"  requests: {{ arrival: trace, file: {name}, time_scale: {scale} }}", {name: text}, kept, scale


def trace_invariants(path, kept, scale):
    """A replayed trace's requests are its rows with a response, in order, at (timestamp - the first's) x
    time_scale (workloads/serving/requests.cpp: the replay starts with the first request), with their
    token counts (read back from /requests)."""
    if h5py is None:
        return []
    with h5py.File(path, "r") as f:
        r = f["requests"][:]
    if len(r) != len(kept):
        return [f"/requests holds {len(r)} requests of the trace's {len(kept)} rows with a response"]
    for row, (t, prompt, output) in zip(r, kept):
        if abs(row["arrival_s"] - (t - kept[0][0]) * scale) > 1e-9 * max(1, t) or row["prompt_tokens"] != prompt or \
                row["output_tokens"] != output:
            return [f"a request arrives at {row['arrival_s']} with {row['prompt_tokens']} + {row['output_tokens']} "
                    f"tokens, the trace's row at ({t} - {kept[0][0]}) x {scale} with {prompt} + {output}"]
    return []


def traffic_file(rng, devices, valid):
    """A traffic workload of one CSV of flows (src, dst, bytes, start time), and the file. Without `valid`,
    one row sends a device to itself (an error at file:line:column)."""
    name = f"flows{rng.randrange(10 ** 9)}.csv"
    rows = []
    for _ in range(pick(rng, [1, 5, 50])):
        src, dst = rng.sample(range(devices), 2)
        rows.append((src, dst, pick(rng, [1, 4096, 1 << 20, 64 << 20]), pick(rng, [0, 0, 5, 1000])))
    if not valid:
        i = rng.randrange(len(rows))
        rows[i] = (rows[i][0], rows[i][0], rows[i][2], rows[i][3])
    text = "src,dst,bytes [B],start_time [us]\n" + "".join(f"{a},{b},{c},{d}\n" for a, b, c, d in rows)
    workload = f"workload:\n  kind: traffic\n  flows:\n    - {{ pattern: file, file: {name} }}"
    return workload, {name: text}, (len(rows), sum(r[2] for r in rows), max(r[3] for r in rows) * 1e-6)


OPS = ["all_reduce", "reduce_scatter", "all_gather", "all_to_all", "broadcast", "reduce", "sparse_all_reduce"]
ALGORITHMS = ["auto", "ring", "halving_doubling", "hierarchical", "binomial_tree", "double_binary_tree", "pipeline",
              "direct", "pairwise", "dim_rings", "ok_topk"]
# What `orrery list collective` says each op can run (others are a located error, drawn now and then).
RUNS = {"all_reduce": ["ring", "halving_doubling", "hierarchical", "double_binary_tree"],
        "reduce_scatter": ["ring"], "all_gather": ["ring"], "all_to_all": ["direct", "pairwise"],
        "broadcast": ["binomial_tree", "pipeline"], "reduce": ["binomial_tree", "pipeline"],
        "sparse_all_reduce": ["ok_topk"]}


def traffic_yaml(rng, devices):
    """A traffic workload: one to three collectives (some algorithm, some group) and flow patterns."""
    lines = ["workload:", "  kind: traffic"]
    collectives = []
    for _ in range(pick(rng, [0, 1, 1, 2, 3])):
        op = pick(rng, OPS)
        fields = [f"op: {op}", f'bytes: "{pick(rng, [1, 64, 4096, 1 << 20, 64 << 20])} B"',
                  f"algorithm: {pick(rng, ALGORITHMS) if rng.random() < 0.1 else pick(rng, ['auto'] + RUNS[op])}"]
        if rng.random() < 0.4:
            size = pick(rng, [n for n in (2, 3, 4, 8, 16) if n <= devices])
            fields.append(f"group: {json.dumps(sorted(rng.sample(range(devices), size)))}")
        if op in ("broadcast", "reduce") and rng.random() < 0.5:
            fields.append("root: 1")
        if op == "sparse_all_reduce":
            fields.append(f"density: {pick(rng, [0.01, 0.1, 1])}")
        collectives.append("    - { " + ", ".join(fields) + " }")
    flows = []
    for _ in range(pick(rng, [0, 0, 1, 2]) if collectives else pick(rng, [1, 2])):
        pattern = pick(rng, ["permutation", "all_to_all", "ring", "incast", "hot_spot"])
        fields = [f"pattern: {pattern}", f'bytes: "{pick(rng, [1, 4096, 1 << 20, 16 << 20])} B"']
        if rng.random() < 0.3:
            fields.append(f'start_time: "{pick(rng, [1, 100, 10000])} us"')
        if pattern in ("incast", "hot_spot") and rng.random() < 0.5:
            fields.append(f"target: {rng.randrange(devices)}")
        flows.append("    - { " + ", ".join(fields) + " }")
    if collectives:
        lines += ["  collectives:"] + collectives
    if flows:
        lines += ["  flows:"] + flows
    return "\n".join(lines)


def traffic_invariants(s, egress):
    """A collective moves at least busbw_factor x S through each rank's links (NCCL's bus bandwidth is
    that volume over the time), and no flow is faster than its links: neither may exceed the most a
    device can send at once, `egress` bytes/s (all its links together)."""
    problems = []
    ops = s.get("collective_algorithms", "").split(",")
    for i, bw in enumerate(s.get("collective_busbw_bytes_per_s", [])):
        if i < len(ops) and ops[i].startswith("sparse_all_reduce"):
            continue  # its busbw counts the dense buffer, which it does not move
        if bw > egress * (1 + 1e-9):
            problems.append(f"collective {i} ({ops[i] if i < len(ops) else '?'}): bus bandwidth {bw:.4g} B/s "
                            f"above a device's {egress:.4g} B/s")
    if s.get("flow_bandwidth_max_bytes_per_s", 0) > egress * (1 + 1e-9):
        problems.append(f"a flow at {s['flow_bandwidth_max_bytes_per_s']:.4g} B/s, above a device's {egress:.4g} B/s")
    times = s.get("collective_time_s", [])
    if times and s["completion_time_s"] < max(times) * (1 - 1e-12):
        problems.append(f"completion_time_s {s['completion_time_s']} before a collective's end ({max(times)})")
    return problems


RESOLUTIONS = {"720p": (1280, 720), "1080p": (1920, 1080), "1440p": (2560, 1440), "4k": (3840, 2160)}


def neural_graphics_yaml(rng):
    """A neural_graphics cluster: NGPC or GPU devices, an application, a resolution, tiles."""
    nodes = pick(rng, [1, 1, 2, 4])
    device = pick(rng, ["NGPC-8", "NGPC-16", "NGPC-32", "NGPC-64", "RTX-3090", "H100-SXM5-80GB"])
    per_node = pick(rng, [1, 2, 8])
    cluster = (f"cluster:\n  device: {device}\n  nodes: {nodes}\n"
               f'  node: {{ kind: pcie, devices: {per_node}, bandwidth: "32 GB/s", nics: 1, nic_bandwidth: "100 Gb/s" }}')
    if nodes > 1:
        cluster += "\n  scale_out: { kind: fat_tree, levels: 2, radix: 16 }"
    app = pick(rng, ["nerf", "sdf", "volume", "gigapixel"])
    resolution = pick(rng, list(RESOLUTIONS))
    samples = 1 if app == "gigapixel" else pick(rng, [1, 8, 32])
    fields = [f"application: {app}", f"resolution: {resolution}", f"frames: {pick(rng, [1, 5, 20])}",
              f"frame_rate: {pick(rng, [0, 30, 120])}", f"samples_per_ray: {samples}",
              f"fused: {pick(rng, ['true', 'false'])}"]
    if rng.random() < 0.3:
        fields.append(f"tiles: {pick(rng, [1, 3, 16, 64])}")
    if rng.random() < 0.3:
        fields.append(f"encoding: {{ kind: {pick(rng, ['hash', 'dense', 'simplex'])} }}")
    if rng.random() < 0.2:
        fields.append(f"batch_points: {pick(rng, [65536, 1 << 21])}")
    text = cluster + "\nworkload:\n  kind: neural_graphics\n" + "".join(f"  {f}\n" for f in fields)
    width, height = RESOLUTIONS[resolution]
    return text, width * height * samples


def neural_graphics_invariants(s, points):
    """A frame's points are its pixels times the samples per ray; its bytes add up; latencies are ordered."""
    problems = []
    if s["points_per_frame"] != points:
        problems.append(f"points_per_frame {s['points_per_frame']}, not width x height x samples_per_ray = {points}")
    if s["bytes_moved"] != s["bytes_per_frame"] * s["frames"]:
        problems.append(f"bytes_moved {s['bytes_moved']} != bytes_per_frame x frames")
    q = [s["frame_latency_p50_s"], s["frame_latency_p95_s"], s["frame_latency_max_s"]]
    if not 0 < q[0] <= q[1] <= q[2] or s["frame_latency_mean_s"] > q[2] * (1 + 1e-12):
        problems.append(f"frame latencies not ordered: p50, p95, max {q}, mean {s['frame_latency_mean_s']}")
    if not 0 <= s["deadline_miss_fraction"] <= 1 or not s["fps"] > 0:
        problems.append(f"deadline_miss_fraction {s['deadline_miss_fraction']}, fps {s['fps']}")
    return problems


PIPELINE_SCHEDULES = ["1f1b", "gpipe", "interleaved_1f1b", "v_half", "zb_h1", "zb_h2", "zb_v"]


def pipeline_yaml(rng):
    """A profiled pipeline (workload `pipeline`): p stages on p single-device nodes, a schedule, its chunks,
    forward, backward and weight times (one for every stage, or a list), and the network between stages.
    Facts: what the closed forms need (free communication only on a zero-latency chain with nothing sent)."""
    p = pick(rng, [1, 2, 3, 4, 8])
    schedule = pick(rng, PIPELINE_SCHEDULES)
    chunks = 2 if schedule in ("v_half", "zb_v") else (pick(rng, [2, 3, 4]) if schedule == "interleaved_1f1b" else 1)
    m = pick(rng, [1, 2, p, 2 * p, 3 * p, 2 * p - 1, 4 * p + 1])
    f, b, w = (pick(rng, [1, 2, 3]) for _ in range(3))
    if rng.random() < 0.3:
        w = 0
    free = rng.random() < 0.5  # equal stages and free communication: the closed forms below apply
    uniform = free or rng.random() < 0.5
    def times(t):
        if uniform:
            return f'"{t} ms"'
        return "[" + ", ".join(f'"{t * pick(rng, [1, 2])} ms"' for _ in range(p)) + "]"
    activation = "0 B" if free else pick(rng, ["0 B", "1 MiB", "64 MiB"])
    topology = "chain" if free else pick(rng, ["chain", "fat_tree", "hammingmesh"] if p in (4, 8) else ["chain", "fat_tree"])
    latency = "0 ns" if free else pick(rng, ["0 ns", "1 us"])
    if p == 1:
        scale_out = ""
    elif topology == "chain":
        scale_out = f'  scale_out: {{ kind: chain, link_bandwidth: "50 GB/s", link_latency: "{latency}" }}\n'
    elif topology == "fat_tree":
        scale_out = "  scale_out: { kind: fat_tree, levels: 2, radix: 8, link_bandwidth: \"100 Gb/s\" }\n"
    else:
        scale_out = (f"  scale_out: {{ kind: hammingmesh, board: [2, 2], boards: [{p // 4}, 1], radix: 8, "
                     'link_bandwidth: "400 Gb/s" }\n')
    fields = [f"stages: {p}", f"micro_batches: {m}", f"schedule: {schedule}", f"chunks: {chunks}",
              f'activation_size: "{activation}"', f'activation_memory: "{pick(rng, [0, 1])} GiB"',
              f"compute: {{ model: profiled, forward: {times(f)}, backward: {times(b)}, weight: {times(w)} }}"]
    if rng.random() < 0.2:
        fields.append(f"optimizer_step: {pick(rng, ['synchronized', 'post_validation'])}")
    text = (f"cluster:\n  nodes: {p}\n  node: {{ kind: single }}\n{scale_out}workload:\n  kind: pipeline\n"
            + "".join(f"  {x}\n" for x in fields))
    free = uniform and (p == 1 or (topology == "chain" and latency == "0 ns" and activation == "0 B"))
    facts = {"p": p, "m": m, "chunks": chunks, "schedule": schedule, "free": free,
             "f": f * 1e-3, "b": b * 1e-3, "w": w * 1e-3}
    return text, facts


def pipeline_invariants(s, text, facts):
    """A profiled pipeline's bounds and, for equal stages and free communication, the closed forms of
    Huang et al. (GPipe), Narayanan et al. SC21 §2.2 (1F1B, interleaved: a bubble of (p-1)/v stage
    times) and Qi et al. ICLR'24 Table 2 (ZB-H1: (p-1)(F+B-W); ZB-H2: (p-1)(F+B-2W), zero when
    F+B = 2W, both where W is at most F and B; ZB-V zero bubble where F = B = W)."""
    problems = []
    t = s["iteration_time_s"]
    p, m, v = facts["p"], facts["m"], facts["chunks"]
    if not 0 <= s["bubble_fraction"] < 1 or len(s["bubble_fraction_per_stage"]) != p:
        problems.append(f"bubble_fraction {s['bubble_fraction']}, {len(s['bubble_fraction_per_stage'])} stages of {p}")
    def work(key):  # each stage's times, from the scenario's text
        found = re.search(key + r': (\[[^]]*\]|"[^"]*")', text).group(1)
        values = [float(x) * 1e-3 for x in re.findall(r'"(\d+) ms"', found)]
        return values if len(values) == p else values * p
    per_stage = [a + b + c for a, b, c in zip(work("forward"), work("backward"), work("weight"))]
    # A chunk takes its stage's time / v, rounded down to a ns (workloads/pipeline_profiled.cpp): an
    # iteration may come out up to a ns short per operation of the longest chain, 3 m v p of them.
    rounding = 3 * m * v * p * 1e-9
    # Every device runs its m micro-batches' forward, backward and weight work: no schedule beats that.
    if t < m * max(per_stage) - rounding:
        problems.append(f"iteration_time_s {t} below a stage's own work, {m} x {max(per_stage)} s")
    if not facts["free"]:
        return problems
    f, b, w = facts["f"], facts["b"], facts["w"]
    total = f + b + w
    want = None
    schedule = facts["schedule"]
    if schedule in ("gpipe", "1f1b"):
        want = (m + p - 1) * total
    elif schedule == "interleaved_1f1b" and m % p == 0:
        want = m * total + (p - 1) * total / v
    elif schedule == "zb_h1" and m >= p and w <= f and w <= b:
        want = m * total + (p - 1) * (f + b - w)
    elif "optimizer_step: synchronized" in text and schedule in ("zb_h2", "zb_v"):
        pass  # their bubbles are post-validated (Qi et al. §4): a synchronized step adds the warm-up's skew
    elif schedule == "zb_h2" and m >= 2 * p - 1 and w <= f and w <= b:
        # W above F leaves the warm-up's extra forwards too short to fill the bubble: no closed form then
        # (stage 0 idles before its first B whatever the order: F = 1, B = 3, W = 2 ms, p 4, m 8: 54 ms).
        want = m * total + (p - 1) * (f + b - 2 * w)
    elif schedule == "zb_v" and m >= 2 * p and f == b == w:
        want = m * total
    if want is not None and abs(t - want) > rounding + 1e-12 * want:
        problems.append(f"{schedule}: iteration_time_s {t}, the closed form {want} (p {p}, m {m}, v {v}, "
                        f"F {f}, B {b}, W {w})")
    return problems


def vector_search_yaml(rng):
    """A vector_search workload: FPGAs (FANNS's design), GPUs or CPUs, an IVF-PQ index, arrivals, batches."""
    device = pick(rng, ["Alveo-U55C", "Alveo-U280", "V100-SXM2-32GB", "A100-SXM4-80GB", "AWS-m5.4xlarge"])
    nodes = pick(rng, [1, 2, 4, 8])
    cluster = f"cluster:\n  device: {device}\n  nodes: {nodes}\n  node: {{ kind: single }}\n"
    if nodes > 1:
        cluster += ('  scale_out: { kind: fat_tree, levels: 2, radix: 16, link_bandwidth: "100 Gb/s", '
                    'link_latency: "1 us" }\n')
    index = {"dim": pick(rng, [96, 128]), "vectors": pick(rng, [1_000_000, 100_000_000, 800_000_000]),
             "nlist": pick(rng, [1024, 8192, 65536]), "m": pick(rng, [8, 16, 32]),
             "opq": pick(rng, ["true", "false"])}
    search = {"k": pick(rng, [1, 10, 100])}
    if rng.random() < 0.7:
        search["nprobe"] = pick(rng, [1, 17, 64, 99999], [10, 10, 10, 1])  # 99999: more cells than any index
    else:
        search["recall"] = pick(rng, [0.3, 0.8, 0.95])
        search["recall_curve"] = ('{ nprobe: [1, 4, 16, 64], recall: [0.3, 0.6, 0.85, 0.97], '
                                  'source: "drawn by scripts/scenario_fuzz.py" }')
    arrival = pick(rng, ["poisson", "fixed", "all_at_once", "closed"])
    queries = {"arrival": arrival, "count": pick(rng, [10, 100, 1000])}
    if arrival in ("poisson", "fixed"):
        queries["rate"] = pick(rng, [100, 10000, 1000000])
    if arrival == "closed":
        queries["in_flight"] = pick(rng, [1, 5, 64])
    fields = [f"index: {{ {', '.join(f'{k}: {v}' for k, v in index.items())} }}",
              f"search: {{ {', '.join(f'{k}: {v}' for k, v in search.items())} }}",
              f"queries: {{ {', '.join(f'{k}: {v}' for k, v in queries.items())} }}",
              f"batch: {pick(rng, [1, 4, 32])}"]
    if rng.random() < 0.3:
        fields.append(f'batch_timeout: "{pick(rng, [0, 10, 1000])} us"')
    if rng.random() < 0.2:
        fields.append(f"shards: {pick(rng, [1, 2, nodes])}")
    if device.startswith("Alveo") and rng.random() < 0.3:
        fields.append(f"design: {{ utilization: {pick(rng, [0.4, 0.6, 0.7])} }}")
    text = cluster + "workload:\n  kind: vector_search\n" + "".join(f"  {x}\n" for x in fields)
    return text, {"count": queries["count"], "nprobe": search.get("nprobe", 0)}


def vector_search_invariants(s, text, facts):
    """Every query answered once, in batches no larger than `batch`; ordered quantiles; Little's law over
    the run (qps counts the queries between the first arrival and the last answer, the window over which
    queries_in_system_mean is the time average: L = qps x latency_mean)."""
    problems = []
    batch = int(re.search(r"batch: (\d+)", text).group(1))
    if s["queries"] != facts["count"]:
        problems.append(f"{s['queries']} queries of {facts['count']}")
    if abs(s["batches"] * s["batch_size_mean"] - s["queries"]) > 1e-9 * s["queries"]:
        problems.append(f"{s['batches']} batches x {s['batch_size_mean']} queries != {s['queries']}")
    if not 1 <= s["batch_size_mean"] <= batch:
        problems.append(f"batch_size_mean {s['batch_size_mean']} outside [1, {batch}]")
    q = [s["latency_p50_s"], s["latency_p95_s"], s["latency_p99_s"]]
    if not 0 < q[0] <= q[1] <= q[2]:
        problems.append(f"latency quantiles not ordered: {q}")
    want = s["qps"] * s["latency_mean_s"]
    if abs(s["queries_in_system_mean"] - want) > 1e-6 * want:
        problems.append(f"Little's law: queries_in_system_mean {s['queries_in_system_mean']} against qps x "
                        f"latency_mean {want}")
    if facts["nprobe"] and s["nprobe"] != facts["nprobe"]:
        problems.append(f"nprobe {s['nprobe']}, the scenario's {facts['nprobe']}")
    return problems


CHAKRA_COLLECTIVES = [0, 1, 2, 5, 6, 7]  # et_def.proto: ALL_REDUCE, REDUCE, ALL_GATHER, BROADCAST, ALL_TO_ALL, REDUCE_SCATTER


def chakra_yaml(rng, valid):
    """A Chakra trace in orrery's text form (PREFIX.RANK.et.txt), drawn in one global order so that it has
    no cycle: compute nodes, matched send/receive pairs, collectives over every rank, each node waiting
    for earlier nodes of its rank. Without `valid`, one fault is planted (a receive dropped, a rank's
    collective of another size, an unsupported comm_type, a dependency on an unknown id): exit 2 at the
    node, in the trace file."""
    ranks = pick(rng, [2, 4, 8])
    prefix = f"trace{rng.randrange(10 ** 9)}"
    nodes = [[] for _ in range(ranks)]  # per rank: (id, text)
    work = [0] * ranks  # each rank's compute time, µs
    def attr(name, value):
        return f'attr {{ name: "{name}" int64_val: {value} }}'
    def add(rank, body):
        node_id = len(nodes[rank]) + 1
        deps = ""
        if nodes[rank]:
            if rng.random() < 0.8:
                deps = f" data_deps: {node_id - 1}"
            elif rng.random() < 0.5:
                deps = f" data_deps: {rng.randrange(1, node_id)}"
        nodes[rank].append(f"node {{ id: {node_id} {body}{deps} }}")
    for event in range(pick(rng, [3, 10, 40])):
        kind = pick(rng, ["compute", "p2p", "collective"], [5, 3, 2])
        if kind == "compute":
            r = rng.randrange(ranks)
            micros = pick(rng, [1, 50, 500])
            work[r] += micros
            add(r, f'name: "op{event}" type: COMP_NODE duration_micros: {micros}')
        elif kind == "p2p":
            src, dst = rng.sample(range(ranks), 2)
            size = pick(rng, [1, 4096, 1 << 20, 64 << 20])
            add(src, f"type: COMM_SEND_NODE {attr('comm_dst', dst)} {attr('comm_tag', event)} {attr('comm_size', size)}")
            add(dst, f"type: COMM_RECV_NODE {attr('comm_src', src)} {attr('comm_tag', event)} {attr('comm_size', size)}")
        else:
            comm_type = pick(rng, CHAKRA_COLLECTIVES)
            size = pick(rng, [8, 4096, 1 << 20, 64 << 20]) * ranks
            for r in range(ranks):
                add(r, f"type: COMM_COLL_NODE {attr('comm_type', comm_type)} {attr('comm_size', size)}")
    if not valid:
        fault = pick(rng, ["drop_receive", "collective_size", "comm_type", "unknown_dep", "cycle"])
        r = rng.randrange(ranks)
        if fault == "cycle":  # each of two ranks receives, then sends what the other receives first: a deadlock
            a, b = rng.sample(range(ranks), 2)
            for me, peer, first, second in ((a, b, 1, 2), (b, a, 2, 1)):
                add(me, f"type: COMM_RECV_NODE {attr('comm_src', peer)} {attr('comm_tag', 10 ** 6 + first)} "
                        f"{attr('comm_size', 64)}")
                body = (f"type: COMM_SEND_NODE {attr('comm_dst', peer)} {attr('comm_tag', 10 ** 6 + second)} "
                        f"{attr('comm_size', 64)}")
                nodes[me].append(f"node {{ id: {len(nodes[me]) + 1} {body} data_deps: {len(nodes[me])} }}")
        if fault == "drop_receive" and any("COMM_RECV_NODE" in n for n in nodes[r]):
            i = next(i for i, n in enumerate(nodes[r]) if "COMM_RECV_NODE" in n)
            nodes[r][i] = re.sub(r"type: COMM_RECV_NODE.*?(?= data_deps| \}$)", 'type: COMP_NODE duration_micros: 1',
                                 nodes[r][i])
        elif fault == "collective_size" and any("COMM_COLL_NODE" in n for n in nodes[r]):
            i = next(i for i, n in enumerate(nodes[r]) if "COMM_COLL_NODE" in n)
            nodes[r][i] = re.sub(r'"comm_size" int64_val: (\d+)', lambda m: f'"comm_size" int64_val: {int(m.group(1)) + 8}',
                                 nodes[r][i])
        elif fault == "comm_type" and any("COMM_COLL_NODE" in n for n in nodes[r]):
            i = next(i for i, n in enumerate(nodes[r]) if "COMM_COLL_NODE" in n)
            nodes[r][i] = re.sub(r'"comm_type" int64_val: \d+', '"comm_type" int64_val: 3', nodes[r][i])
        elif nodes[r]:
            nodes[r][-1] = nodes[r][-1][:-2] + f" data_deps: {len(nodes[r]) + 7} }}"
    files = {f"{prefix}.{r}.et.txt": 'global_metadata { version: "1.0.0" }\n' + "".join(n + "\n" for n in nodes[r])
             for r in range(ranks)}
    if ranks <= 8 and rng.random() < 0.4:
        cluster = (f'cluster:\n  nodes: 1\n  node: {{ kind: nvswitch, devices: {ranks}, bandwidth: "300 GB/s", '
                   'nics: 1, nic_bandwidth: "200 Gb/s" }\n')
        egress = 300e9 + 25e9
    else:
        topology = pick(rng, ['{ kind: chain, link_bandwidth: "50 GB/s", link_latency: "1 us", ring: true }',
                              '{ kind: fat_tree, levels: 2, radix: 8, link_bandwidth: "400 Gb/s" }'])
        cluster = f"cluster:\n  nodes: {ranks}\n  node: {{ kind: single }}\n  scale_out: {topology}\n"
        egress = 2 * 50e9 if "chain" in topology else 50e9
    # An algorithm every collective of the trace can run (or, drawn invalid, any one): exit 2 otherwise.
    used = {int(t) for n in sum(nodes, []) for t in re.findall(r'"comm_type" int64_val: (\d+)', n)}
    fits = ["auto"] + [a for a, ops in (("ring", {0, 2, 7}), ("binomial_tree", {1, 5}), ("pipeline", {1, 5}),
                                        ("direct", {6}), ("pairwise", {6})) if used and used <= ops]
    algorithm = pick(rng, fits if valid else ["auto", "ring", "direct", "binomial_tree"])
    text = cluster + f"workload:\n  kind: chakra\n  trace: {prefix}\n  algorithm: {algorithm}\n"
    return text, {"files": files, "work": max(work) * 1e-6, "egress": egress}


def chakra_invariants(s, facts):
    """A rank's compute nodes run one at a time on its device: the run takes at least the busiest rank's
    compute; and what a traffic run owes (traffic_invariants)."""
    problems = traffic_invariants(s, facts["egress"])
    if s["completion_time_s"] < facts["work"] * (1 - 1e-12):
        problems.append(f"completion_time_s {s['completion_time_s']} below the busiest rank's compute, {facts['work']} s")
    return problems


def policies_yaml(rng):
    if rng.random() < 0.15:
        if rng.random() < 0.4:
            failures = "{ kind: llama3 }"
        elif rng.random() < 0.5:
            failures = ('{ kind: classes, classes: [ { name: GPU, scope: gpu, mtbf: "%d h" }, '
                        '{ name: switch, scope: switch, mtbf: "%d h" } ] }' % (pick(rng, [1000, 50000]),
                                                                              pick(rng, [10000, 100000])))
        else:
            failures = ('{ kind: classes, classes: [ { name: node, scope: node, weibull_shape: %s, '
                        'weibull_scale: "%d h" } ] }' % (pick(rng, [0.7, 1, 1.5]), pick(rng, [5000, 50000])))
        interval = pick(rng, ["daly", "young", '"2 h"'])
        checkpoint = pick(rng, [f"{{ kind: async, interval: {interval} }}", f"{{ kind: sync, interval: {interval} }}",
                                f"{{ kind: in_memory, interval: {interval}, group: 2, parity: 1 }}", "{ kind: none }"])
        lines = ["policies:", f"  failures: {failures}", f"  checkpoint: {checkpoint}"]
        if rng.random() < 0.5:
            lines.append(f"  recovery: {{ kind: {pick(rng, ['restart', 'transom'])}, spares: {pick(rng, [0, 1])} }}")
        if rng.random() < 0.3:
            lines.append(f"  horizon: {{ iterations: {pick(rng, [100, 100000])}, replicas: 1 }}")
        else:
            lines.append(f"  horizon: {{ days: {pick(rng, [1, 3])} }}")
        return "\n".join(lines)
    if rng.random() < 0.1:
        if rng.random() < 0.5:
            return "policies:\n  bubble_filling: { kind: kfac }"
        return ('policies:\n  bubble_filling: { kind: tasks, tasks: [ { name: eval, duration: "%d us", count: %d } ] }'
                % (pick(rng, [10, 1000, 100000]), pick(rng, [1, 10, 1000])))
    return ""


def scenario(rng):
    """The scenario's text and what the checks need of it: the network model, dp (training), the most a
    device can send at once (traffic's bound) and the points of a frame (neural graphics)."""
    devices, device, egress, cluster = cluster_yaml(rng)
    network = pick(rng, ["analytic", "flow"], [3, 1])
    seed = rng.randrange(1, 1000)
    head = f"seed: {seed}\n{cluster}\nnetwork: {{ model: {network} }}\n"
    kind = pick(rng, ["training", "serving", "traffic", "neural_graphics", "pipeline", "vector_search", "chakra"],
                [10, 4, 4, 2, 2, 2, 2])
    if kind == "chakra":
        text, facts = chakra_yaml(rng, rng.random() < 0.85)
        return f"seed: {seed}\n{text}network: {{ model: {network} }}\n", {**facts, "network": network}
    if kind in ("pipeline", "vector_search"):
        text, facts = (pipeline_yaml if kind == "pipeline" else vector_search_yaml)(rng)
        return f"seed: {seed}\n{text}network: {{ model: {network} }}\n", {**facts, "network": network}
    if kind == "neural_graphics":
        text, points = neural_graphics_yaml(rng)
        return f"seed: {seed}\n{text}network: {{ model: {network} }}\n", {"network": network, "points": points}
    facts = {"network": network, "dp": 0, "egress": egress}
    if kind == "serving":
        text = serving_yaml(rng, devices, device)
        if rng.random() < 0.2:
            line, files, kept, scale = serving_trace(rng, rng.random() < 0.9)
            text = re.sub(r"  requests: \{.*\}", lambda _: line, text)
            facts = {**facts, "files": files, "trace": (kept, scale)}
        return head + text + "\n", facts
    if kind == "traffic":
        if rng.random() < 0.2:
            workload, files, flows = traffic_file(rng, devices, rng.random() < 0.9)
            return head + workload + "\n", {**facts, "files": files, "flows": flows}
        return head + traffic_yaml(rng, devices) + "\n", facts
    dp, workload = training_yaml(rng, devices, device, rng.random() < 0.9)
    if "offload" in workload:
        cluster += "\n  host: " + ("DGX-A100-host" if device.startswith("A100") else "DGX-2-host")
        head = f"seed: {seed}\n{cluster}\nnetwork: {{ model: {network} }}\n"
    policies = policies_yaml(rng)
    return head + f"{workload}\n{policies}\n", {**facts, "dp": dp}


def text_of(path):
    with open(path) as f:
        return f.read()


def bubble_invariants(s):
    """The pipeline's bubble keys (docs/CONTRACTS.md): bubble_fraction is the stages' mean idle share, and
    bubble_s the longest stage's idle time."""
    problems = []
    fractions, seconds = s["bubble_fraction_per_stage"], s["bubble_s_per_stage"]
    if fractions and abs(s["bubble_fraction"] - sum(fractions) / len(fractions)) > 1e-12:
        problems.append(f"bubble_fraction {s['bubble_fraction']} is not the stages' mean {sum(fractions) / len(fractions)}")
    if seconds and s["bubble_s"] != max(seconds):
        problems.append(f"bubble_s {s['bubble_s']} is not the longest stage's {max(seconds)}")
    return problems


def training_invariants(s, text, dp):
    """Identities and bounds a training summary owes whatever the plan (docs/CONTRACTS.md's keys)."""
    problems = []
    # TFLOP/s per device is the iteration's model FLOPs over its time and the dp x tp x pp x cp devices.
    devices = dp
    for axis in ("tp", "pp", "cp"):
        m = re.search(r"\b" + axis + r": (\d+)", text)
        devices *= int(m.group(1)) if m else 1
    want = s["model_flops"] / (s["iteration_time_s"] * devices) / 1e12
    if abs(s["tflops_per_device"] - want) > 1e-9 * want:
        problems.append(f"tflops_per_device {s['tflops_per_device']}, model_flops over the iteration and "
                        f"{devices} devices {want}")
    if not 0 < s["mfu"] <= s["hfu"] <= 1:
        problems.append(f"not 0 < mfu ({s['mfu']}) <= hfu ({s['hfu']}) <= 1: a device above its peak")
    if not 0 <= s["bubble_fraction"] < 1:
        problems.append(f"bubble_fraction {s['bubble_fraction']} outside [0, 1)")
    # tokens per second is the global batch's tokens over the iteration (the summary's definition).
    batch = int(re.search(r"global_batch: (\d+)", text).group(1))
    m = re.search(r"seq_len: (\d+)", text)
    if m and "preset" not in text:
        seq = int(m.group(1))
        want = batch * seq / s["iteration_time_s"]
        if abs(s["tokens_per_s"] - want) > 1e-9 * want:
            problems.append(f"tokens_per_s {s['tokens_per_s']} is not global_batch x seq_len / iteration_time_s = {want}")
    parts = s["comm_bytes_pipeline"] + s["comm_bytes_collectives"] + s["comm_bytes_in_group"]
    if s["comm_bytes"] != parts:
        problems.append(f"comm_bytes {s['comm_bytes']} is not the sum of its three parts ({parts})")
    if s["optimizer_step"] == "synchronized" and s["iteration_time_s"] < s["pipeline_time_s"]:
        problems.append(f"iteration_time_s {s['iteration_time_s']} below pipeline_time_s {s['pipeline_time_s']}")
    if s["peak_memory_bytes"] <= 0:
        problems.append("peak_memory_bytes not positive")
    days = re.search(r"horizon: \{ days: (\d+) \}", text)
    if days and "goodput" in s:
        # The horizon's wall time is useful work and the three losses (means over replicas, linear).
        wall = int(days.group(1)) * 86400
        lost = s["lost_work_s"] + s["checkpoint_overhead_s"] + s["restart_overhead_s"]
        if not 0 < s["goodput"] <= 1 or abs((1 - s["goodput"]) * wall - lost) > 1e-6 * wall:
            problems.append(f"goodput {s['goodput']} over {wall} s against lost work and overheads of {lost} s")
    iterations = re.search(r"horizon: \{ iterations: (\d+), replicas: 1 \}", text)
    if iterations and "goodput" in s:
        # One replica of N iterations: its useful time is N iterations, its wall that and the three losses.
        useful = int(iterations.group(1)) * s["horizon_iteration_time_s"]
        lost = s["lost_work_s"] + s["checkpoint_overhead_s"] + s["restart_overhead_s"]
        if abs(s["goodput"] - useful / (useful + lost)) > 1e-9:
            problems.append(f"goodput {s['goodput']} over {iterations.group(1)} iterations of "
                            f"{s['horizon_iteration_time_s']} s against losses of {lost} s")
    return problems


def serving_invariants(s):
    """What a serving summary owes: counts that add up, ordered quantiles, Little's law."""
    problems = []
    def close(a, b, what):
        if abs(a - b) > 1e-6 * max(abs(a), abs(b), 1e-12):
            problems.append(f"{what}: {a} against {b}")
    if s["requests_finished"] + s["requests_rejected"] != s["requests"]:
        problems.append(f"{s['requests_finished']} finished + {s['requests_rejected']} rejected != {s['requests']} requests")
    for m in ("ttft", "tpot", "e2e"):
        q = [s[f"{m}_p50_s"], s[f"{m}_p90_s"], s[f"{m}_p99_s"]]
        if not 0 <= q[0] <= q[1] <= q[2]:
            problems.append(f"{m} quantiles not ordered: {q}")
    # A request's first token comes no later than its last, so every order statistic does too.
    for k in ("mean", "p50", "p90", "p99"):
        if s[f"ttft_{k}_s"] > s[f"e2e_{k}_s"] * (1 + 1e-12):
            problems.append(f"ttft_{k}_s {s[f'ttft_{k}_s']} above e2e_{k}_s {s[f'e2e_{k}_s']}")
    close(s["total_tokens_per_s"], s["tokens_per_s"] + s["input_tokens_per_s"], "total_tokens_per_s against output + input")
    if s["requests_rejected"] == 0 and s["requests_finished"] > 0:
        # Little's law over the run, exact when every request arrives and leaves inside it: L = X·W.
        close(s["requests_in_system_mean"], s["throughput_rps"] * s["e2e_mean_s"], "Little's law, L against X·W")
    if not 0 <= s["slo_attainment"] <= 1 or s["goodput_rps"] > s["throughput_rps"] * (1 + 1e-12):
        problems.append(f"slo_attainment {s['slo_attainment']}, goodput {s['goodput_rps']} > throughput {s['throughput_rps']}")
    if not 0 <= s["kv_utilization_mean"] <= s["kv_utilization_peak"] <= 1:
        problems.append(f"kv utilization mean {s['kv_utilization_mean']}, peak {s['kv_utilization_peak']}")
    if not 0 <= s["optimal_fraction"] <= 1 or (s["optimal_fraction"] == 0) != (s["requests_finished"] == 0):
        problems.append(f"optimal_fraction {s['optimal_fraction']} with {s['requests_finished']} requests finished")
    return problems


def h5_invariants(path, s, text, every_device):
    """The result file against the summary it was written with (scripts/RESULTS_LAYOUT.md): /summary
    holds the same values; spans end no earlier than they start; with every device recorded, the
    largest /memory peak is peak_memory_bytes and the last span ends with the run (training and
    pipelines: the isolated iteration); the workloads' tables recount their summary's counts and
    means."""
    if h5py is None:
        return []
    problems = []
    def close(a, b, what, rel=1e-9):
        if abs(a - b) > rel * max(abs(a), abs(b), 1e-300):
            problems.append(f"{what}: {a} in the file, {b} in the summary")
    with h5py.File(path, "r") as f:
        for key, value in s.items():
            if key in ("wall_s",):
                continue
            if key not in f["summary"]:
                problems.append(f"/summary lacks {key}")
                continue
            stored = f["summary"][key][()]
            if isinstance(value, str):
                if (stored.decode() if isinstance(stored, bytes) else str(stored)) != value:
                    problems.append(f"/summary/{key} is {stored!r}, the summary's {value!r}")
            elif isinstance(value, list):
                if len(stored) != len(value) or any(float(a) != float(b) for a, b in zip(stored, value)):
                    problems.append(f"/summary/{key} differs from the summary's list")
            elif float(stored) != float(value):
                problems.append(f"/summary/{key} is {stored}, the summary's {value}")
        events = f["events"][:] if "events" in f else numpy.zeros(0)
        if len(events) and (numpy.any(events["end"] < events["start"]) or numpy.any(events["start"] < 0)):
            problems.append("/events holds a span that ends before it starts, or starts before 0")
        if every_device and "memory" in f and len(f["memory"]) and "peak_memory_bytes" in s:
            if int(f["memory"]["peak"].max()) != int(s["peak_memory_bytes"]):
                problems.append(f"/memory's largest peak {int(f['memory']['peak'].max())} is not peak_memory_bytes "
                                f"{s['peak_memory_bytes']}")
        if (every_device and len(events) and "isolated_iteration_time_s" in s and "policies:" not in text
                and ("kind: pipeline" in text or "kind: training" in text)):
            if int(events["end"].max()) != round(s["isolated_iteration_time_s"] * 1e9):
                problems.append(f"the last span ends at {int(events['end'].max())} ns, the isolated iteration at "
                                f"{s['isolated_iteration_time_s']} s")
        if "link_load" in f and len(f["link_load"]):
            # The bins add up to each link's bytes; on the flow network, whose figures are exact (a rate is
            # constant between its changes), no link carries more than its bandwidth in any bin.
            load, links = f["link_load"][:], f["links"][:]
            sums = numpy.zeros(len(links))
            numpy.add.at(sums, load["link"].astype(int), load["bytes"])
            if numpy.any(numpy.abs(sums - links["bytes"]) > 1e-6 * numpy.maximum(links["bytes"], 1)):
                problems.append("/link_load's bins do not add up to /links' bytes")
            if "model: flow" in text and load["utilisation"].max() > 1 + 1e-9:
                problems.append(f"/link_load: a link of the flow network at {load['utilisation'].max()} of its bandwidth")
        if "requests" in f and "requests_rejected" in s:
            r = f["requests"][:]
            if len(r) != s["requests"] or int(numpy.sum(r["rejected"])) != s["requests_rejected"]:
                problems.append(f"/requests: {len(r)} rows, {int(numpy.sum(r['rejected']))} rejected")
            done = r[r["rejected"] == 0]
            if "iterations" in f and len(done):
                # Token accounting: each finished request's prompt is prefilled (again, with what it has
                # generated, after a preemption that recomputes), and each of its output tokens but the first
                # (the prefill's) decoded once, but one a recompute's prefill samples in a decode's place.
                it = f["iterations"][:]
                # (Swap falls back to recompute when the host's swap space is full: any preemption may.)
                recomputed = int(numpy.sum(r["preemptions"]))
                prompt, prefilled = int(numpy.sum(done["prompt_tokens"])), int(numpy.sum(it["prefill_tokens"]))
                decoded, want = int(numpy.sum(it["decode_tokens"])), int(numpy.sum(done["output_tokens"] - 1))
                if prefilled < prompt or (prefilled != prompt and recomputed == 0):
                    problems.append(f"/iterations prefill {prefilled} tokens for prompts of {prompt}")
                if not want - recomputed <= decoded <= want:
                    problems.append(f"/iterations decode {decoded} tokens, the finished requests' outputs less "
                                    f"their first tokens {want}")
            if len(done):
                close(float(numpy.mean(done["finish_s"] - done["arrival_s"])), s["e2e_mean_s"], "mean e2e of /requests")
                close(float(numpy.mean(done["first_token_s"] - done["arrival_s"])), s["ttft_mean_s"],
                      "mean ttft of /requests")
        if "queries" in f and "latency_mean_s" in s:
            q = f["queries"][:]
            if len(q) != s["queries"] or len(f["batches"]) != s["batches"]:
                problems.append(f"/queries: {len(q)} rows, /batches: {len(f['batches'])}")
            elif len(q):
                close(float(numpy.mean(q["finish_s"] - q["arrival_s"])), s["latency_mean_s"], "mean latency of /queries")
        if "frames" in f and "frame_latency_mean_s" in s:
            fr = f["frames"][:]
            if len(fr) != s["frames"]:
                problems.append(f"/frames: {len(fr)} rows of {s['frames']} frames")
            elif len(fr):
                close(float(numpy.mean(fr["latency_s"])), s["frame_latency_mean_s"], "mean latency of /frames")
    return problems


def zero_invariants(orrery, text, dp, timeout):
    """ZeRO's partitioning (Rajbhandari et al. SC20, Figure 1): stage 3 holds 1/dp of stage 0's parameters,
    gradients and optimizer states on every device (device 0's /memory row, at its peak: model states do
    not change within the iteration). A dense model without offload, where every state is partitioned
    over the data-parallel group, context-parallel ranks included (they hold the same parameters: dp x cp
    ranks, as Megatron-LM's data-parallel-with-context group; experts' states are over their own group)."""
    cp = re.search(r"\bcp: (\d+)", text)
    dp *= int(cp.group(1)) if cp else 1
    if h5py is None:
        return []
    rows = {}
    with tempfile.TemporaryDirectory() as tmp:
        for stage in (0, 3):
            path = os.path.join(tmp, f"zero{stage}.yaml")
            with open(path, "w") as f:
                f.write(text.replace("zero_stage: 0", f"zero_stage: {stage}"))
            h5 = os.path.join(tmp, f"zero{stage}.h5")
            rc, _, err = run(orrery, path, ["-o", h5], timeout * 4)
            if rc != 0:
                return [] if stage == 3 and rc == 1 else [f"ZeRO stage {stage} with -o exits {rc}: {err.strip()[-200:]}"]
            with h5py.File(h5, "r") as f:
                rows[stage] = f["memory"][0]
    problems = []
    for state in ("parameters", "gradients", "optimizer"):
        full, part = int(rows[0][state]), int(rows[3][state])
        if part * dp != full:
            problems.append(f"ZeRO-3 holds {part} bytes of {state} on device 0, not 1/{dp} of ZeRO-0's {full}")
    return problems


def chakra_round_trip(orrery, text, summary, timeout):
    """`orrery run --chakra PREFIX` writes the run's graph as a Chakra trace; the `chakra` workload reads it
    back on the same cluster and network and takes the same time (docs/CONTRACTS.md: the completion time
    is the exported run's makespan, isolated_iteration_time_s)."""
    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "export.yaml")
        with open(path, "w") as f:
            f.write(text)
        rc, _, err = run(orrery, path, ["--chakra", os.path.join(tmp, "t")], timeout * 4)
        if rc != 0:
            return [f"--chakra exits {rc} where the run exits 0: {err.strip()[-200:]}"]
        head = text[:text.index("workload:")]
        network = re.search(r"network: \{ model: \w+ \}", text)
        body = head + (network.group(0) + "\n" if network and network.group(0) not in head else "")
        with open(os.path.join(tmp, "import.yaml"), "w") as f:
            f.write(body + "workload:\n  kind: chakra\n  trace: t\n")
        rc, out, err = run(orrery, os.path.join(tmp, "import.yaml"), [], timeout * 4)
        if rc != 0:
            return [f"the exported trace read back exits {rc}: {err.strip()[-200:]}"]
        back, want = json.loads(out)["completion_time_s"], summary["isolated_iteration_time_s"]
        if abs(back - want) > 1e-12 * want:
            return [f"the exported trace read back takes {back} s, the run {want} s"]
    return []


def window_invariants(path, window, kinds):
    """--record-window FROM,TO and --record-kinds (README): the spans kept overlap the window, the counter
    samples lie inside it, and a kind left out has no rows."""
    if h5py is None:
        return []
    problems = []
    lo, hi = window
    with h5py.File(path, "r") as f:
        events = f["events"][:] if "events" in f else numpy.zeros(0)
        counters = f["counters"][:] if "counters" in f else numpy.zeros(0)
        if len(events) and (numpy.any(events["end"] < lo) or numpy.any(events["start"] > hi)):
            problems.append(f"/events holds a span outside the window [{lo}, {hi}] ns")
        if len(counters) and (numpy.any(counters["time"] < lo) or numpy.any(counters["time"] > hi)):
            problems.append(f"/counters holds a sample outside the window [{lo}, {hi}] ns")
        if "spans" not in kinds and len(events):
            problems.append(f"--record-kinds {kinds}, but /events has {len(events)} rows")
        if "counters" not in kinds and len(counters):
            problems.append(f"--record-kinds {kinds}, but /counters has {len(counters)} rows")
    return problems


SEARCH_AXES = ["tp=1,2", "pp=1,2", "vpp=1", "cp=1", "ep=1", "micro_batch=1,2", "schedule=1f1b,zb_h1",
               "zero_stage=0,1", "recompute=none,full", "offload=none"]


def search_invariants(orrery, path, text, timeout):
    """`orrery search` over a small space of plans (SEARCH_AXES) against `orrery run` of the plans it
    reports: the best and the worst that ran, each with its iteration time, peak memory and MFU, and the
    flow network's time of a refined one, as a run of the plan gives them."""
    with tempfile.TemporaryDirectory() as tmp:
        csv_path = os.path.join(tmp, "plans.csv")
        args = [orrery, "search", path, "--jobs", "1", "--refine", "1", "--csv", csv_path]
        for axis in SEARCH_AXES:
            args += ["--axis", axis]
        try:
            p = subprocess.run(args, capture_output=True, text=True, timeout=timeout * 10)
        except subprocess.TimeoutExpired:
            return [f"orrery search ran past {timeout * 10} s"]
        if p.returncode != 0:
            return [] if p.returncode in (1, 2) and "error:" in p.stderr else \
                [f"orrery search exits {p.returncode}: {p.stderr.strip()[-200:]}"]
        with open(csv_path) as f:
            header, *rows = [line.rstrip("\n").split(",") for line in f]
        ran = [dict(zip(header, r)) for r in rows if dict(zip(header, r))["status"] == "ok"]
        problems = []
        for plan in ran[:1] + ran[-1:]:
            sets = []
            for key in ("tp", "pp", "vpp", "cp", "ep", "dp"):
                sets += ["--set", f"workload.parallel.{key}={plan[key]}"]
            for key in ("micro_batch", "schedule", "zero_stage", "recompute", "offload"):
                sets += ["--set", f"workload.training.{key}={plan[key]}"]
            # As the search has it: zero_stage alone says how model states are sharded (README, Plan search).
            sets += ["--set", "workload.training.distributed_optimizer=false"]
            for network, column in (("analytic", "iteration_time_s"), ("flow", "flow_iteration_time_s")):
                if plan[column] in ("", "nan"):
                    continue
                rc, out, err = run(orrery, path, sets + ["--set", f"network.model={network}"], timeout * 4)
                if rc != 0:
                    problems.append(f"search's plan {plan['rank']} exits {rc} when run: {err.strip()[-200:]}")
                    break
                s = json.loads(out)
                if s["iteration_time_s"] != float(plan[column]):
                    problems.append(f"search's plan {plan['rank']} on the {network} network: {plan[column]} s, "
                                    f"run: {s['iteration_time_s']} s")
                if network == "analytic" and (s["peak_memory_bytes"] != int(plan["memory_peak_bytes"])
                                              or s["mfu"] != float(plan["mfu"])):
                    problems.append(f"search's plan {plan['rank']}: memory {plan['memory_peak_bytes']}, MFU "
                                    f"{plan['mfu']}; run: {s['peak_memory_bytes']}, {s['mfu']}")
        return problems


def finite(value):
    if isinstance(value, float):
        return math.isfinite(value)
    if isinstance(value, dict):
        return all(finite(v) for v in value.values())
    if isinstance(value, list):
        return all(finite(v) for v in value)
    return True


def strip_wall(text):
    """The summary without `wall_s`, the run's own host time (the one number no run repeats)."""
    return re.sub(r'"wall_s":[^,}]*', "", text)


def run(orrery, path, extra, timeout):
    try:
        p = subprocess.run([orrery, "run", path, "--json", "--quiet", *extra], capture_output=True, text=True,
                           timeout=timeout)
        return p.returncode, p.stdout, p.stderr
    except subprocess.TimeoutExpired:
        return None, "", ""


def summary_diff(a, b):
    """The keys whose values differ between two summaries, but `events` and `wall_s` (which may)."""
    return sorted(k for k in set(a) | set(b) if k not in ("events", "wall_s") and a.get(k) != b.get(k))


def on_other_network(orrery, text, network, timeout):
    """The scenario run again on the other network model: that model's name, exit status, stdout, stderr."""
    other = "flow" if network == "analytic" else "analytic"
    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "twin.yaml")
        with open(path, "w") as f:
            f.write(text.replace(f"network: {{ model: {network} }}", f"network: {{ model: {other} }}"))
        return (other, *run(orrery, path, [], timeout))


def traffic_file_invariants(s, facts):
    """A CSV of flows (traffic_file): each row one flow, its bytes counted once, none done before it starts."""
    if "flows" not in facts:
        return []
    problems = []
    count, total, last_start = facts["flows"]
    if s["flows"] != count or s["comm_bytes"] != total:
        problems.append(f"{s['flows']} flows of {s['comm_bytes']} bytes from a file of {count} rows and {total} bytes")
    if s["completion_time_s"] < last_start:
        problems.append(f"completion_time_s {s['completion_time_s']} before the last start {last_start}")
    return problems


# What each workload's summary owes, by its `kind:` (each function says where its identities come from).
WORKLOAD_INVARIANTS = {
    "training": lambda s, text, facts: training_invariants(s, text, facts["dp"]) + bubble_invariants(s),
    "serving": lambda s, text, facts: serving_invariants(s),
    "traffic": lambda s, text, facts: traffic_invariants(s, facts["egress"]) + traffic_file_invariants(s, facts),
    "neural_graphics": lambda s, text, facts: neural_graphics_invariants(s, facts["points"]),
    "pipeline": lambda s, text, facts: pipeline_invariants(s, text, facts) + bubble_invariants(s),
    "vector_search": vector_search_invariants,
    "chakra": lambda s, text, facts: chakra_invariants(s, facts),
}


def workload_kind(text):
    return re.search(r"^workload:\n  kind: (\w+)", text, re.M).group(1)


def bad_input_problems(name, text, err):
    """An exit 2 owes one error line at file:line:column (the scenario `name`, or the Chakra trace or CSV it
    reads), and the scenario line it names holds the key it names (its last part): the place is the key's."""
    problems = []
    located = re.search(re.escape(name) + r":(\d+):\d+: error: ([\w.\[\]]+):", err)
    if located:
        line = text.splitlines()[int(located.group(1)) - 1] if int(located.group(1)) >= 1 else ""
        leaf = re.sub(r"\[\d+\]", "", located.group(2)).split(".")[-1]
        if leaf not in line:
            problems.append(f"exit 2 names {located.group(2)} at line {located.group(1)}, which reads "
                            f"'{line.strip()[:80]}'")
    kind = workload_kind(text)
    in_file = (kind == "chakra" and re.search(r"\.et\.txt:\d+:\d+: error:", err)) or (
        ("arrival: trace" in text or "pattern: file" in text) and re.search(r"\.csv:\d+:\d+: error:", err))
    if "error:" not in err:
        problems.append(f"exit 2 without an error line: {err.strip()[-200:]}")
    elif not re.search(re.escape(name) + r":\d+:\d+: error:", err) and not in_file:
        problems.append(f"exit 2 without file:line:column: {err.strip()[-200:]}")
    return problems


def recording_problems(orrery, path, text, facts, summary, record, timeout):
    """The run again with -o: every device with /link_load (record 1), or one replica with a Perfetto trace
    and, a third of the time, a window and some kinds of rows (record 2). The same summary, a result file
    that agrees with it (h5_invariants, trace_invariants, window_invariants), a trace that reads as JSON."""
    problems = []
    with tempfile.TemporaryDirectory() as tmp:
        h5 = os.path.join(tmp, "r.h5")
        trace = os.path.join(tmp, "t.json")
        # Every device (the reduction off), or one replica with a Perfetto trace too (the reduction on).
        options = ["-o", h5] if record == 1 else ["-o", h5, "--record-devices", "representative", "--trace", trace]
        span = max([v for k, v in summary.items() if k in ("iteration_time_s", "completion_time_s",
                                                             "serving_time_s") and v > 0] or [1e-3])
        window = kinds = None
        if record == 1:
            # Every link's load in some 16 bins of the run (/link_load).
            options += ["--record-links", f"{max(1000, int(span * 1e9 / 16))} ns"]
        elif workload_kind(text) != "chakra" and int(span * 1e9) % 3 == 1:
            # A third of the one-replica runs keep a window of the run, and one or both kinds.
            # At least 1 ns wide: a run of a few ns would otherwise ask for an empty window (exit 2).
            window = (int(span * 1e9 / 4), max(int(span * 1e9 / 2), int(span * 1e9 / 4) + 1))
            kinds = ["spans", "counters", "spans,counters"][int(span * 1e9) % 9 // 3]
            options += ["--record-window", f"{window[0]} ns,{window[1]} ns", "--record-kinds", kinds]
        rc, out, err = run(orrery, path, options, timeout * 4)
        if rc != 0:
            return [f"{' '.join(options[::2])} exits {rc} where the run without exits 0: {err.strip()[-200:]}"]
        recorded = json.loads(out)
        diff = summary_diff(summary, recorded)
        if diff:
            problems.append("recording (-o) changes " + ", ".join(diff[:6]))
        if not os.path.exists(h5):
            problems.append("-o exits 0 but wrote no file")
        else:
            problems += h5_invariants(h5, recorded, text, every_device=record == 1)
            if "trace" in facts:
                problems += trace_invariants(h5, *facts["trace"])
            if window:
                problems += window_invariants(h5, window, kinds)
        if record == 2:
            try:
                with open(trace) as f:
                    json.load(f)
            except (OSError, json.JSONDecodeError) as e:
                problems.append(f"--trace exits 0 but its file does not read as JSON ({e})")
    return problems


def check(orrery, path, facts, timeout, record=0, twin=False, zero=False, chakra=False, search=False):
    """The problems of one scenario ([] when it passes), and its exit status. `record`: 0, or run it again
    with -o (1) or with -o, one replica and --trace (2); `twin`: run a training scenario on the other network;
    `zero`: run a ZeRO-0 training scenario again at stage 3 (zero_invariants); `chakra`: export a training
    run as a Chakra trace and read it back (chakra_round_trip); `search`: `orrery search` a small space of
    plans around a training scenario and run its best and worst (search_invariants)."""
    network = facts["network"]
    text = text_of(path)
    kind = workload_kind(text)
    rc, out, err = run(orrery, path, [], timeout)
    if rc is None:
        return [f"ran past {timeout} s"], rc
    if rc not in (0, 1, 2):
        return [f"exit status {rc}: {err.strip()[-400:]}"], rc
    # `orrery check` reads and lowers as run does: it finds every configuration error run finds, and no other.
    try:
        checked = subprocess.run([orrery, "check", path], capture_output=True, text=True, timeout=timeout)
        if (checked.returncode == 2) != (rc == 2):
            return [f"orrery check exits {checked.returncode} where run exits {rc}: "
                    f"{(checked.stderr or err).strip()[-300:]}"], rc
    except subprocess.TimeoutExpired:
        return [f"orrery check ran past {timeout} s"], rc
    if rc == 2:
        if os.environ.get("SCENARIO_FUZZ_SHOW"):
            print(err.strip().splitlines()[0], file=sys.stderr)
        return bad_input_problems(os.path.basename(path), text, err), rc
    if rc == 1:
        return ([] if "error:" in err else [f"exit 1 without an error line: {err.strip()[-200:]}"]), rc
    try:
        summary = json.loads(out)
    except json.JSONDecodeError as e:
        return [f"exit 0 but stdout is not one JSON object ({e})"], rc
    problems = []
    if not finite(summary):
        problems.append("a summary number is not finite")
    problems += WORKLOAD_INVARIANTS[kind](summary, text, facts)
    rc2, out2, _ = run(orrery, path, [], timeout)
    if rc2 != rc or strip_wall(out2) != strip_wall(out):
        problems.append("a second run of the same scenario and seed differs")
    if record:
        problems += recording_problems(orrery, path, text, facts, summary, record, timeout)
    if kind == "traffic" and text.count("    - {") == 1 and "  collectives:" in text:
        # One collective alone: the analytic network (alone but for its own step's sharing) and the flow
        # network (max-min) time it alike, within the overlap of steps that one charges and the other not.
        other, rc5, out5, _ = on_other_network(orrery, text, network, timeout)
        if rc5 == 0:
            a, b = summary["collective_time_s"][0], json.loads(out5)["collective_time_s"][0]
            if a > 0 and b > 0 and not 0.5 <= a / b <= 2:
                problems.append(f"one collective alone takes {a} s on {network} and {b} s on {other}")
    plain_training = kind == "training" and "policies:" not in text
    if twin and plain_training:
        # The analytic network times collectives of different groups as if each had its links alone; where
        # that hides much (the flow network's iteration 25% longer), the analytic run must have said so.
        other, rc6, out6, err6 = on_other_network(orrery, text, network, timeout * 4)
        if rc6 == 0:
            times = {network: summary["iteration_time_s"], other: json.loads(out6)["iteration_time_s"]}
            warned = "asked" in (err if network == "analytic" else err6)
            if times["flow"] > 1.25 * times["analytic"] and not warned:
                problems.append(f"the flow network's iteration ({times['flow']} s) is "
                                f"{times['flow'] / times['analytic']:.2f} times the analytic one's with no "
                                f"oversubscription warning")
            # Max-min sharing only slows a transfer down, and a flow alone on its links takes the analytic
            # time (sim/exec/flow_network.hpp): no iteration runs faster on the flow network (90 drawn pairs:
            # 1.0 to 9.98 times).
            if times["flow"] < 0.99 * times["analytic"]:
                problems.append(f"the flow network's iteration ({times['flow']} s) is shorter than the analytic "
                                f"one's ({times['analytic']} s)")
    if chakra and plain_training:
        problems += chakra_round_trip(orrery, text, summary, timeout)
    if search and plain_training:
        problems += search_invariants(orrery, path, text, timeout)
    if (zero and kind == "training" and "zero_stage: 0" in text and facts.get("dp", 0) >= 2
            and "experts" not in text and "offload" not in text and "distributed_optimizer" not in text):
        problems += zero_invariants(orrery, text, facts["dp"], timeout)
    if network == "analytic" and facts.get("dp", 0) >= 2:
        rc3, out3, err3 = run(orrery, path, ["--full"], timeout * 4)
        if rc3 != 0:
            problems.append(f"--full exits {rc3} where the reduced run exits 0: {err3.strip()[-200:]}")
        else:
            full = json.loads(out3)
            diff = summary_diff(summary, full)
            if diff:
                problems.append("--full differs from the reduced run in " +
                                ", ".join(f"{k} ({summary.get(k)} reduced, {full.get(k)} full)" for k in diff[:6]))
    return problems, rc


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("orrery")
    ap.add_argument("--count", type=int, default=100)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--out", default="build/scenario_fuzz")
    ap.add_argument("--timeout", type=float, default=60)
    args = ap.parse_args()
    rng = random.Random(args.seed)
    os.makedirs(args.out, exist_ok=True)
    statuses = {}
    failed = 0
    with tempfile.TemporaryDirectory() as tmp:
        for i in range(args.count):
            text, facts = scenario(rng)
            path = os.path.join(tmp, f"fuzz-{args.seed}-{i}.yaml")
            with open(path, "w") as f:
                f.write(text)
            for name, body in facts.get("files", {}).items():  # a trace the scenario names, beside it
                with open(os.path.join(tmp, name), "w") as f:
                    f.write(body)
            problems, rc = check(args.orrery, path, facts, args.timeout, 0 if i % 5 else 1 + (i // 5) % 2,
                                 i % 4 == 2, i % 3 == 1, i % 4 == 3, i % 10 == 9)
            statuses[rc] = statuses.get(rc, 0) + 1
            if problems:
                failed += 1
                keep = os.path.join(args.out, os.path.basename(path))
                with open(keep, "w") as f:
                    f.write(text + "".join(f"# FAILED: {p}\n" for p in problems))
                for name, body in facts.get("files", {}).items():
                    with open(os.path.join(args.out, name), "w") as f:
                        f.write(body)
                print(f"{keep}: " + "; ".join(problems), file=sys.stderr)
    counts = ", ".join(f"exit {k}: {v}" for k, v in sorted(statuses.items(), key=lambda kv: str(kv[0])))
    print(f"scenario_fuzz: {args.count} scenarios (seed {args.seed}; {counts}), {failed} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
