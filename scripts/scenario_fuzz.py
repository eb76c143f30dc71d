#!/usr/bin/env python3
"""Semantic fuzzing of `orrery run`: random training scenarios that are
valid YAML of the documented keys (scenarios/README.md), small enough to run
in about a second each, checked for what every run owes its user.

    scripts/scenario_fuzz.py ORRERY [--count N] [--seed S] [--out DIR] [--timeout SECONDS]

Each scenario draws a cluster (device, node, scale-out topology), a network
model, a transformer (dense or mixture of experts, gelu or swiglu...), a
parallel plan (tp, pp, dp, cp, ep, vpp, sequence parallelism, rank order), a
schedule and the training options (ZeRO stage, recompute, precision,
attention, kernels, gradient reduction...), and sometimes policies (failures
and checkpoints, bubble filling). Draws are not filtered for feasibility: a
plan that does not divide, or a model that does not fit, is part of the test.

Where scripts/fuzz_replay.py mutates the shipped scenarios (mostly into bad
ones), this draws valid combinations of keys that no shipped scenario holds,
and checks what each run owes (each check names its contract):
  * the exit status is 0, 1 (infeasible, or out of memory) or 2 (a bad
    configuration): never a signal, an abort or another status, and never
    past the timeout (docs/CONTRACTS.md, exit codes);
  * exit 1 and 2 print an `error:` line; exit 2's names the scenario file
    with line and column (the bad-input contract); `orrery check` exits 2
    exactly where the run does;
  * exit 0 prints one JSON object whose numbers are all finite;
  * the same scenario and seed give byte-identical output, run twice;
  * with the analytic network and dp >= 2, `--full` (no symmetry reduction)
    gives the same summary but for `events` (docs/ARCHITECTURE.md, Symmetry
    reduction: "exactly those of the full run except the events count");
  * one scenario in five again with `-o` (every device, which turns the
    reduction off; or, one in ten, one replica with `--trace` too): the same
    summary but `events`, the HDF5 file, and a trace that reads as JSON;
  * training: 0 < mfu <= hfu <= 1, bubble_fraction in [0, 1), tokens_per_s =
    global_batch x seq_len / iteration_time_s, comm_bytes the sum of its
    three parts, the iteration no shorter than the pipeline (synchronized);
    with failures over a horizon of D days, (1 - goodput)·D days = lost work
    + checkpoint and restart overheads;
  * serving: finished + rejected = requests, ordered quantiles, each ttft
    statistic at most e2e's, total tokens = input + output, Little's law
    L = X·W (exact over a run every request leaves), goodput <= throughput,
    KV use mean <= peak <= 1, optimal_fraction in [0, 1] (0 when none finished);
  * neural graphics: points_per_frame = width x height x samples_per_ray,
    bytes_moved = bytes_per_frame x frames, ordered frame latencies;
  * traffic: no collective's bus bandwidth nor any flow above what a device's
    links carry at once, the completion no earlier than a collective's end,
    and one collective alone timed by the analytic and the flow network
    within a factor 2 of each other;
  * one training scenario in four again on the other network: where the flow
    network's iteration is over 1.25 times the analytic one's, the analytic
    run warned that links were oversubscribed.

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

DEVICES = ["A100-SXM4-80GB", "H100-SXM5-80GB", "H200-SXM-141GB"]


def pick(rng, choices, weights=None):
    return rng.choices(choices, weights=weights, k=1)[0]


def sometimes(rng, fields, options):
    """Sets each key of `options`, a (probability, value) pair, with its probability."""
    for key, (p, value) in options.items():
        if rng.random() < p:
            fields[key] = value


def cluster_yaml(rng):
    """A cluster of 1 to 8 nodes of 8 devices, with a scale-out network."""
    nodes = pick(rng, [1, 2, 4, 8], [2, 3, 3, 2])
    device = pick(rng, DEVICES)
    node_kind = pick(rng, ["nvswitch", "pcie"], [4, 1])
    nics = pick(rng, [1, 2, 8])
    rail = "true" if nics > 1 and rng.random() < 0.3 else "false"
    if node_kind == "nvswitch":
        node = (f'{{ kind: nvswitch, devices: 8, bandwidth: "{pick(rng, [300, 450])} GB/s", nics: {nics}, '
                f'nic_bandwidth: "{pick(rng, [100, 200, 400])} Gb/s", rail_optimized: {rail} }}')
    else:
        node = (f'{{ kind: pcie, devices: 8, switches: {pick(rng, [1, 2])}, bandwidth: "32 GB/s", nics: {nics}, '
                f'nic_bandwidth: "{pick(rng, [100, 200])} Gb/s", rail_optimized: {rail} }}')
    lines = [f"  nodes: {nodes}", f"  device: {device}", f"  node: {node}"]
    nv = float(re.search(r'bandwidth: "(\d+) GB/s"', node).group(1)) * 1e9
    nic = float(re.search(r'nic_bandwidth: "(\d+) Gb/s"', node).group(1)) / 8 * 1e9
    egress = nv + nics * nic  # its node link and every NIC of its node: more than a device can ever send
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
        if device.startswith("A100") and training["precision"] == "fp8":
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


def policies_yaml(rng):
    if rng.random() < 0.1:
        return ("policies:\n  failures: { kind: classes, classes: [ { name: GPU, scope: gpu, mtbf: \"%d h\" } ] }\n"
                "  checkpoint: { kind: async, interval: daly }\n"
                "  horizon: { days: %d }" % (pick(rng, [1000, 50000]), pick(rng, [1, 3])))
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
    kind = pick(rng, ["training", "serving", "traffic", "neural_graphics"], [5, 2, 2, 1])
    if kind == "neural_graphics":
        text, points = neural_graphics_yaml(rng)
        return f"seed: {seed}\n{text}network: {{ model: {network} }}\n", {"network": network, "points": points}
    facts = {"network": network, "dp": 0, "egress": egress}
    if kind == "serving":
        return head + serving_yaml(rng, devices, device) + "\n", facts
    if kind == "traffic":
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


def training_invariants(s, text):
    """Identities and bounds a training summary owes whatever the plan (docs/CONTRACTS.md's keys)."""
    problems = []
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


def check(orrery, path, facts, timeout, record=0, twin=False):
    """The problems of one scenario ([] when it passes), and its exit status. `record`: 0, or run it again
    with -o (1) or with -o, one replica and --trace (2); `twin`: run a training scenario on the other network."""
    network = facts["network"]
    text = text_of(path)
    rc, out, err = run(orrery, path, [], timeout)
    if rc is None:
        return [f"ran past {timeout} s"], rc
    name = os.path.basename(path)
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
        problems = []
        if "error:" not in err:
            problems.append(f"exit 2 without an error line: {err.strip()[-200:]}")
        elif not re.search(re.escape(name) + r":\d+:\d+: error:", err):
            problems.append(f"exit 2 without file:line:column: {err.strip()[-200:]}")
        return problems, rc
    if rc == 1:
        return ([] if "error:" in err else [f"exit 1 without an error line: {err.strip()[-200:]}"]), rc
    try:
        summary = json.loads(out)
    except json.JSONDecodeError as e:
        return [f"exit 0 but stdout is not one JSON object ({e})"], rc
    problems = []
    if not finite(summary):
        problems.append("a summary number is not finite")
    if "kind: training" in text:
        problems += training_invariants(summary, text)
    elif "kind: serving" in text:
        problems += serving_invariants(summary)
    elif "kind: traffic" in text:
        problems += traffic_invariants(summary, facts["egress"])
    elif "kind: neural_graphics" in text:
        problems += neural_graphics_invariants(summary, facts["points"])
    rc2, out2, _ = run(orrery, path, [], timeout)
    if rc2 != rc or strip_wall(out2) != strip_wall(out):
        problems.append("a second run of the same scenario and seed differs")
    if record:
        with tempfile.TemporaryDirectory() as tmp:
            h5 = os.path.join(tmp, "r.h5")
            trace = os.path.join(tmp, "t.json")
            # Every device (the reduction off), or one replica with a Perfetto trace too (the reduction on).
            options = ["-o", h5] if record == 1 else ["-o", h5, "--record-devices", "representative", "--trace", trace]
            rc4, out4, err4 = run(orrery, path, options, timeout * 4)
            if rc4 != 0:
                problems.append(f"{' '.join(options[::2])} exits {rc4} where the run without exits 0: "
                                f"{err4.strip()[-200:]}")
            else:
                diff = summary_diff(summary, json.loads(out4))
                if diff:
                    problems.append("recording (-o) changes " + ", ".join(diff[:6]))
                if not os.path.exists(h5):
                    problems.append("-o exits 0 but wrote no file")
                if record == 2:
                    try:
                        with open(trace) as f:
                            json.load(f)
                    except (OSError, json.JSONDecodeError) as e:
                        problems.append(f"--trace exits 0 but its file does not read as JSON ({e})")
    if "kind: traffic" in text and text.count("    - {") == 1 and "  collectives:" in text:
        # One collective alone: the analytic network (alone but for its own step's sharing) and the flow
        # network (max-min) time it alike, within the overlap of steps that one charges and the other not.
        other, rc5, out5, _ = on_other_network(orrery, text, network, timeout)
        if rc5 == 0:
            a, b = summary["collective_time_s"][0], json.loads(out5)["collective_time_s"][0]
            if a > 0 and b > 0 and not 0.5 <= a / b <= 2:
                problems.append(f"one collective alone takes {a} s on {network} and {b} s on {other}")
    if twin and "kind: training" in text and "policies:" not in text:
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
            problems, rc = check(args.orrery, path, facts, args.timeout, 0 if i % 5 else 1 + (i // 5) % 2,
                                 i % 4 == 2)
            statuses[rc] = statuses.get(rc, 0) + 1
            if problems:
                failed += 1
                keep = os.path.join(args.out, os.path.basename(path))
                with open(keep, "w") as f:
                    f.write(text + "".join(f"# FAILED: {p}\n" for p in problems))
                print(f"{keep}: " + "; ".join(problems), file=sys.stderr)
    counts = ", ".join(f"exit {k}: {v}" for k, v in sorted(statuses.items(), key=lambda kv: str(kv[0])))
    print(f"scenario_fuzz: {args.count} scenarios (seed {args.seed}; {counts}), {failed} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
