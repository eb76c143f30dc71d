"""Plots of one iteration: the pipeline timeline per stage (one device's spans per pipeline stage,
or per device for a workload without stages), memory in use over time per device (/counters), and
the bubble share per stage (the summary's bubble_fraction_per_stage).

Each kind is a pair: `*_data(result)` reads what the plot shows (and raises PlotInputError when
the file lacks it), `draw_*(data)` returns the figure. Tests check the data, not the pixels.
"""

from __future__ import annotations

import numpy as np

from .common import (COMM_KINDS, KIND_COLOURS, NS_PER_S, evenly, figure, missing, run_length_s, time_unit,
                     title_of)

COMPUTE_KINDS = ("forward", "backward", "weight_grad", "compute")
MAX_ROWS = 32  # timeline rows (stages or devices)
MAX_SPANS = 200_000  # the longest spans kept on those rows (shorter ones are narrower than a pixel)
MAX_MEMORY_DEVICES = 16


def _stage_devices(result) -> list[tuple[str, int]]:
    """The timeline's rows as (label, device): the lowest device that computes each pipeline stage
    (the `stage` of its forward/backward/weight_grad/compute spans), or the first devices when no
    span carries a stage."""
    cols = result.fields("events", ["device", "kind", "stage"])
    compute_values = [i for i, k in enumerate(result.kinds) if k in COMPUTE_KINDS]
    staged = cols[np.isin(cols["kind"], compute_values) & (cols["stage"] >= 0)]
    if len(staged):
        rows = []
        for stage in np.unique(staged["stage"])[:MAX_ROWS]:
            device = int(staged["device"][staged["stage"] == stage].min())
            rows.append((f"stage {int(stage)} (device {device})", device))
        return rows
    return [(f"device {int(d)}", int(d)) for d in np.unique(cols["device"])[:MAX_ROWS]]


def timeline_data(result) -> dict:
    """Spans of one device per pipeline stage: start/end (s from the first span), kind name, row."""
    if result.event_count == 0:
        raise missing(result, "/events", "rerun with -o and --record-kinds spans")
    rows = _stage_devices(result)
    devices = [d for _, d in rows]
    ev = result.events(devices=devices)
    if len(ev) > MAX_SPANS:  # keep the longest spans, in their original order
        ev = ev[np.sort(np.argpartition(ev["end"] - ev["start"], len(ev) - MAX_SPANS)[-MAX_SPANS:])]
    t0 = int(ev["start"].min())
    row_of = {d: i for i, d in enumerate(devices)}
    kinds = np.array([result.kind_name(k) for k in ev["kind"]], dtype=object)
    start = (ev["start"] - t0) / NS_PER_S
    end = (ev["end"] - t0) / NS_PER_S
    row = np.array([row_of[int(d)] for d in ev["device"]], dtype=np.int64)
    compute = np.isin(kinds, COMPUTE_KINDS)
    busy = [float(np.sum((end - start)[compute & (row == i)])) for i in range(len(rows))]
    return {"title": title_of(result), "labels": [label for label, _ in rows], "devices": devices,
            "start_s": start, "end_s": end, "kind": kinds, "row": row, "micro_batch": ev["micro_batch"],
            "compute_busy_s": busy, "kinds": [k for k in dict.fromkeys([*result.kinds, *kinds]) if np.any(kinds == k)],
            "iteration_time_s": result.summary.get("iteration_time_s")}


def coalesce(start: np.ndarray, end: np.ndarray, gap: float) -> np.ndarray:
    """The union of the spans [start, end), with gaps shorter than `gap` closed, as (start, width)
    rows: what a row of bars looks like at a resolution of `gap`, in far fewer bars."""
    if len(start) == 0:
        return np.zeros((0, 2))
    order = np.argsort(start, kind="stable")
    s, e = start[order], np.maximum.accumulate(end[order])
    new = np.concatenate([[True], s[1:] > e[:-1] + gap])
    first = np.flatnonzero(new)
    last = np.append(first[1:] - 1, len(s) - 1)
    return np.column_stack([s[first], e[last] - s[first]])


def draw_timeline(d: dict):
    n = len(d["labels"])
    fig = figure(12, 1.3 + 0.42 * n)
    ax = fig.add_subplot()
    span = float(d["end_s"].max()) if len(d["end_s"]) else 0.0
    unit, scale = time_unit(span)
    for i, kind in enumerate(d["kinds"]):
        comm = kind in COMM_KINDS
        sel = d["kind"] == kind
        colour = KIND_COLOURS.get(kind, f"C{i % 10}")
        for j, r in enumerate(np.unique(d["row"][sel])):
            at = sel & (d["row"] == r)
            start, end = d["start_s"][at] / scale, d["end_s"][at] / scale
            # More spans than pixels (12 inches at 110 dpi): those closer than a tenth of a pixel are one bar.
            bars = (coalesce(start, end, span / scale / 13_000) if len(start) > 1300
                    else np.column_stack([start, end - start]))
            y = r + 0.24 if comm else r - 0.35
            ax.broken_barh(bars, (y, 0.16 if comm else 0.55), facecolors=colour, edgecolor="white",
                           linewidth=0.2, label=kind if j == 0 else None)
    if len(d["start_s"]) <= 3000:  # micro-batch numbers on compute bars wide enough to hold them
        for s, e, r, k, mb in zip(d["start_s"], d["end_s"], d["row"], d["kind"], d["micro_batch"]):
            if mb >= 0 and k in COMPUTE_KINDS and (e - s) >= span / 90:
                ax.text((s + e) / 2 / scale, r - 0.075, str(mb), ha="center", va="center", fontsize=6, color="white")
    ax.set_yticks(range(n), d["labels"], fontsize=8)
    ax.set_ylim(n - 0.5, -0.6)
    ax.set_xlabel(f"time ({unit})")
    it = d["iteration_time_s"]
    ax.set_title(d["title"] + (f": iteration {it / scale:.4g} {unit}" if isinstance(it, float) else ""))
    ax.legend(loc="upper left", bbox_to_anchor=(1.005, 1), fontsize=8, frameon=False)
    return fig


def memory_data(result) -> dict:
    """Memory in use over time (the `memory` counter) on at most 16 recorded devices, evenly spaced
    by id, with each device's peak from /memory."""
    if "memory" not in result.names or result.rows("counters") == 0:
        raise missing(result, "/counters memory samples", "rerun with -o and --record-kinds counters")
    samples = result.counters()
    samples = samples[samples["name"] == result.names.index("memory")]
    if len(samples) == 0:
        raise missing(result, "/counters memory samples", "rerun with -o and --record-kinds counters")
    recorded = np.unique(samples["device"])
    devices = evenly(recorded, MAX_MEMORY_DEVICES)
    table = result.table("memory")
    peaks = {int(r["device"]): int(r["peak"]) for r in table} if len(table) else {}
    length, _ = run_length_s(result)
    series = {}
    for dev in devices:
        s = samples[samples["device"] == dev]
        s = s[np.argsort(s["time"], kind="stable")]
        series[int(dev)] = (s["time"] / NS_PER_S, s["value"].astype(float))
    return {"title": title_of(result), "devices": [int(d) for d in devices], "recorded_devices": len(recorded),
            "series": series, "peak": {int(d): peaks.get(int(d)) for d in devices}, "run_length_s": length}


def draw_memory(d: dict):
    fig = figure(11, 4.6)
    ax = fig.add_subplot()
    end = max([d["run_length_s"]] + [float(t[-1]) for t, _ in d["series"].values() if len(t)])
    unit, scale = time_unit(end)
    for i, dev in enumerate(d["devices"]):
        t, v = d["series"][dev]
        # A sample holds until the next one (RESULTS_LAYOUT.md), and the last one to the run's end.
        ax.step(np.append(t, end) / scale, np.append(v, v[-1]) / 2**30, where="post", color=f"C{i % 10}",
                linewidth=1, label=f"device {dev}")
    ax.set_xlabel(f"time ({unit})")
    ax.set_ylabel("memory in use (GiB)")
    ax.set_ylim(bottom=0)
    shown = len(d["devices"])
    ax.set_title(f"{d['title']}: memory over time, "
                 + (f"{shown} device{'s' if shown > 1 else ''}" if shown == d["recorded_devices"]
                    else f"{shown} of {d['recorded_devices']} recorded devices (evenly spaced ids)"))
    ax.grid(True, alpha=0.3)
    ax.legend(loc="upper left", bbox_to_anchor=(1.005, 1), fontsize=8, frameon=False)
    return fig


def bubbles_data(result) -> dict:
    """The summary's idle share of the pipeline phase per stage (and idle seconds, when present)."""
    share = result.summary.get("bubble_fraction_per_stage")
    if share is None:
        raise missing(result, "/summary/bubble_fraction_per_stage", "a pipeline or training run reports it")
    share = np.atleast_1d(np.asarray(share, dtype=float))
    seconds = result.summary.get("bubble_s_per_stage")
    return {"title": title_of(result), "share": share, "overall": result.summary.get("bubble_fraction"),
            "seconds": None if seconds is None else np.atleast_1d(np.asarray(seconds, dtype=float)),
            "schedule": result.summary.get("schedule")}


def draw_bubbles(d: dict):
    n = len(d["share"])
    fig = figure(max(6.0, 1.2 + 0.5 * n), 4.2)
    ax = fig.add_subplot()
    bars = ax.bar(range(n), d["share"] * 100, color="#4C72B0")
    if isinstance(d["overall"], float):
        ax.axhline(d["overall"] * 100, color="#C44E52", linestyle="--", linewidth=1,
                   label=f"whole pipeline {d['overall'] * 100:.1f}%")
        ax.legend(fontsize=8, loc="lower right")
    if d["seconds"] is not None and len(d["seconds"]) == n and n <= 32:
        unit, scale = time_unit(float(d["seconds"].max()) if n else 0.0)
        ax.bar_label(bars, [f"{s / scale:.3g} {unit}" for s in d["seconds"]], fontsize=7, padding=2)
    ax.set_xticks(range(n), [str(i) for i in range(n)] if n <= 64 else None)
    labelled = d["seconds"] is not None and len(d["seconds"]) == n and n <= 32
    ax.set_xlabel("pipeline stage" + ("\n(on the bars: bubble_s_per_stage, the idle time between\nthe stage's "
                                      "first and last operation)" if labelled else ""), fontsize=9)
    ax.set_ylabel("bubble (% of the pipeline phase)")
    ax.set_title(f"{d['title']}: bubble per stage" + (f" ({d['schedule']})" if d["schedule"] else ""))
    ax.grid(True, axis="y", alpha=0.3)
    return fig
