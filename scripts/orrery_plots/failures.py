"""Plots of a run under failures (the policies' tables, scripts/RESULTS_LAYOUT.md): the failure and
checkpoint timeline per replica, and goodput over the horizon.

Timeline, per replica: the run from 0 to its wall time; each failure (a marker coloured by its
class); the work it lost, drawn as the lost_work_s that ends at the failure (the progress since
the checkpoint it restored from); the time the job was down (/restarts); durable checkpoints as
ticks, when there are few enough to tell apart.

Goodput over the horizon, per replica: at each durable checkpoint, the work it holds over the wall
time so far (progress_s / time_s), ending at the replica's goodput (useful_s / wall_s in
/replicas); beside it each replica's goodput and the summary's mean with its 95% interval. A
checkpoint's progress is a lower bound of the work done by then (work after the snapshot is not
in it), so the curve sits at or below the true running goodput between checkpoints.
"""

from __future__ import annotations

import numpy as np

from .common import evenly, figure, missing, time_unit, title_of

MAX_REPLICAS = 40  # rows of the timeline, curves of the goodput plot
MAX_TICKS = 400  # checkpoints per replica drawn as ticks; more would be a solid band
MAX_POINTS = 600  # points per goodput curve


def _replicas(result):
    replicas = result.table("replicas")
    if len(replicas) == 0:
        raise missing(result, "/replicas", "a run with policies: failures and a horizon writes it")
    return replicas[np.argsort(replicas["replica"], kind="stable")]


def _rows_of(table: np.ndarray, replica: float) -> np.ndarray:
    return table[table["replica"] == replica] if len(table) else table


def failures_data(result) -> dict:
    replicas = _replicas(result)
    failures, checkpoints, restarts = result.table("failures"), result.table("checkpoints"), result.table("restarts")
    classes = result.labels("failures").get("classes", [])
    rows = []
    for rep in replicas[:MAX_REPLICAS]:
        f = _rows_of(failures, rep["replica"])
        r = _rows_of(restarts, rep["replica"])
        c = _rows_of(checkpoints, rep["replica"])
        rows.append({
            "replica": int(rep["replica"]), "wall_s": float(rep["wall_s"]),
            "failure_s": np.asarray(f["time_s"] if len(f) else [], dtype=float),
            "failure_class": np.asarray(f["class"] if len(f) else [], dtype=np.int64),
            "lost": np.column_stack([f["time_s"] - f["lost_work_s"], f["lost_work_s"]]) if len(f) else np.zeros((0, 2)),
            "down": np.column_stack([r["start_s"], r["end_s"] - r["start_s"]]) if len(r) else np.zeros((0, 2)),
            "checkpoint_s": np.asarray(c["time_s"] if len(c) else [], dtype=float)})
    return {"title": title_of(result), "rows": rows, "replicas": len(replicas), "classes": classes}


def draw_failures(d: dict):
    rows = d["rows"]
    n = len(rows)
    fig = figure(12, 1.6 + 0.36 * n)
    ax = fig.add_subplot()
    unit, scale = time_unit(max(r["wall_s"] for r in rows))
    ticks = max((len(r["checkpoint_s"]) for r in rows), default=0)
    seen = set()
    for i, r in enumerate(rows):
        ax.plot([0, r["wall_s"] / scale], [i, i], color="#BBBBBB", linewidth=1, zorder=1,
                label="running" if i == 0 else None)
        if ticks <= MAX_TICKS and len(r["checkpoint_s"]):
            ax.plot(r["checkpoint_s"] / scale, np.full(len(r["checkpoint_s"]), i), "|", color="#55A868",
                    markersize=6, label="durable checkpoint" if i == 0 else None)
        ax.broken_barh(r["lost"] / scale, (i - 0.3, 0.6), facecolors="#F2A7A7", zorder=2,
                       label="work lost" if "lost" not in seen and len(r["lost"]) else None)
        ax.broken_barh(r["down"] / scale, (i - 0.3, 0.6), facecolors="#333333", zorder=3,
                       label="down (restart)" if "down" not in seen and len(r["down"]) else None)
        seen.update(k for k in ("lost", "down") if len(r[k]))
        for cls in np.unique(r["failure_class"]):
            at = r["failure_class"] == cls
            name = d["classes"][cls] if 0 <= cls < len(d["classes"]) else f"class {cls}"
            ax.plot(r["failure_s"][at] / scale, np.full(int(at.sum()), i), "x", color=f"C{cls % 10}", markersize=6,
                    zorder=4, label=f"failure: {name}" if name not in seen else None)
            seen.add(name)
    if ticks > MAX_TICKS:
        ax.plot([], [], " ", label=f"checkpoints not drawn ({ticks:,} per replica)")
    ax.set_yticks(range(n), [f"replica {r['replica']}: {len(r['failure_s'])} failures,\n"
                             f"lost {r['lost'][:, 1].sum() / 3600:.3g} h, down {r['down'][:, 1].sum() / 3600:.3g} h"
                             for r in rows], fontsize=7)
    ax.set_ylim(n - 0.5, -0.5)
    ax.set_xlabel(f"wall time ({unit})")
    shown = "" if n == d["replicas"] else f", the first {n} of {d['replicas']} replicas"
    ax.set_title(f"{d['title']}: failures and checkpoints{shown}")
    ax.legend(loc="upper left", bbox_to_anchor=(1.005, 1), fontsize=8, frameon=False)
    return fig


def goodput_data(result) -> dict:
    replicas = _replicas(result)
    checkpoints = result.table("checkpoints")
    curves = []
    for rep in replicas:
        c = _rows_of(checkpoints, rep["replica"])
        c = c[np.argsort(c["time_s"], kind="stable")] if len(c) else c
        keep = c[c["time_s"] > 0] if len(c) else c
        t = np.append(keep["time_s"] if len(keep) else [], rep["wall_s"]).astype(float)
        g = np.append(keep["progress_s"] / keep["time_s"] if len(keep) else [], rep["useful_s"] / rep["wall_s"])
        at = evenly(np.arange(len(t)), MAX_POINTS)
        curves.append((int(rep["replica"]), t[at], g[at]))
    return {"title": title_of(result), "curves": curves, "final": replicas["goodput"].astype(float),
            "replica_ids": replicas["replica"].astype(np.int64),
            "goodput": result.summary.get("goodput"), "goodput_ci95": result.summary.get("goodput_ci95")}


def draw_goodput(d: dict):
    fig = figure(12, 4.4)
    ax, dots = fig.subplots(1, 2, width_ratios=[3, 1], sharey=True)
    unit, scale = time_unit(max(float(t[-1]) for _, t, _ in d["curves"]))
    for i, (rep, t, g) in enumerate(d["curves"][:MAX_REPLICAS]):
        ax.plot(t / scale, g * 100, color=f"C{i % 10}", linewidth=0.8, alpha=0.7)
    mean, ci = d["goodput"], d["goodput_ci95"]
    for a in (ax, dots):
        if isinstance(mean, float):
            interval = f" ± {ci * 100:.2f}" if isinstance(ci, float) else ""
            a.axhline(mean * 100, color="black", linestyle="--", linewidth=1,
                      label=f"summary goodput {mean * 100:.2f}%{interval}")
            if isinstance(ci, float):
                a.axhspan((mean - ci) * 100, (mean + ci) * 100, color="black", alpha=0.1)
        a.grid(True, alpha=0.3)
    order = np.argsort(d["final"], kind="stable")
    dots.plot(np.arange(len(order)), d["final"][order] * 100, "o", color="#4C72B0", markersize=4)
    dots.set_xlabel("replicas, by goodput")
    dots.set_xticks([])
    ax.set_xlabel(f"wall time ({unit})")
    ax.set_ylabel("goodput (%)")
    ax.text(0.01, 0.02, "each curve: the work a durable checkpoint holds / wall time, ending at useful / wall time",
            transform=ax.transAxes, fontsize=7, color="#555555")
    shown = "" if len(d["curves"]) <= MAX_REPLICAS else f" (curves of the first {MAX_REPLICAS})"
    ax.set_title(f"{d['title']}: goodput over the horizon, {len(d['curves'])} replicas{shown}", fontsize=10)
    ax.legend(fontsize=8, loc="lower right")
    return fig
