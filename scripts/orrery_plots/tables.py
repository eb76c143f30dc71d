"""Plots of CSV tables: a sweep's OUTDIR/index.csv (scripts/sweep.sh: grid keys, then every summary
key, one row per successful point) as one summary key against another, one line per value of a
third; and a plan search's table (`orrery search`: rank, the plan's tp, pp, vpp, dp, cp, ep,
micro_batch, schedule, zero_stage, recompute, offload, then status ok|pruned|failed, reason,
iteration_time_s, memory_peak_bytes, mfu, tokens_per_s) as the best plans, the ok plans' memory
against throughput, and why the others were left out. Extra columns are ignored.

Errors name the file, the line (as a spreadsheet counts it: the header is line 1) and the column.
"""

from __future__ import annotations

import csv
import math
import re
from pathlib import Path

import numpy as np

from .common import PlotInputError, figure

SEARCH_NEEDS = ("rank", "status", "iteration_time_s", "memory_peak_bytes", "tokens_per_s")
PLAN_COLUMNS = ("tp", "pp", "vpp", "dp", "cp", "ep", "micro_batch", "schedule", "zero_stage", "recompute", "offload")
STATUSES = ("ok", "pruned", "failed")


def read_csv(path: str | Path, needs: tuple[str, ...]) -> list[tuple[int, dict[str, str]]]:
    """The rows of a CSV file as (line, {column: cell}), after checking that it has the columns."""
    try:
        with open(path, newline="", encoding="utf-8") as f:
            reader = csv.DictReader(f)
            header = reader.fieldnames or []
            absent = [c for c in needs if c not in header]
            if absent:
                have = ", ".join(header) if header else "none (empty file)"
                raise PlotInputError(f"{path}:1: no column {', '.join(repr(c) for c in absent)}; columns: {have}")
            return [(reader.line_num, row) for row in reader]
    except (OSError, UnicodeDecodeError, csv.Error) as exc:
        raise PlotInputError(f"{path}: cannot read as CSV ({exc})") from None


def number(path, line: int, column: str, cell: str | None, empty_ok: bool = False) -> float:
    """A cell as a float; an empty cell is NaN when empty_ok, an error otherwise."""
    text = (cell or "").strip()
    if not text and empty_ok:
        return math.nan
    try:
        return float(text)
    except ValueError:
        raise PlotInputError(f"{path}:{line}: column '{column}': {text!r} is not a number") from None


def sweep_data(path: str | Path, x: str, y: str, hue: str | None = None) -> dict:
    """Series of (x, y) per hue value, in the index's row order (sorted by x when x is numeric)."""
    rows = read_csv(path, tuple(c for c in (x, y, hue) if c))
    if not rows:
        raise PlotInputError(f"{path}: no rows (the sweep's points all failed?)")
    ys = [number(path, line, y, row[y]) for line, row in rows]
    try:
        xs: list = [float(row[x]) for _, row in rows]
        numeric = True
    except ValueError:
        xs, numeric = [row[x] for _, row in rows], False
    series: dict[str, tuple[list, list]] = {}
    for (_, row), xv, yv in zip(rows, xs, ys):
        sx, sy = series.setdefault(row[hue] if hue else "", ([], []))
        sx.append(xv)
        sy.append(yv)
    if numeric:
        for key, (sx, sy) in series.items():
            order = np.argsort(sx, kind="stable")
            series[key] = ([sx[i] for i in order], [sy[i] for i in order])
    return {"path": str(path), "x": x, "y": y, "hue": hue, "numeric_x": numeric, "series": series}


def draw_sweep(d: dict):
    fig = figure(7.5, 4.6)
    ax = fig.add_subplot()
    categories = list(dict.fromkeys(v for sx, _ in d["series"].values() for v in sx))
    for i, (key, (sx, sy)) in enumerate(d["series"].items()):
        at = sx if d["numeric_x"] else [categories.index(v) for v in sx]
        ax.plot(at, sy, marker="o", color=f"C{i % 10}", label=f"{d['hue']} = {key}" if d["hue"] else None)
    if not d["numeric_x"]:
        ax.set_xticks(range(len(categories)), categories)
    ax.set_xlabel(d["x"])
    ax.set_ylabel(d["y"])
    ax.set_title(f"{Path(d['path']).parent.name or d['path']}: {d['y']} by {d['x']}", fontsize=10)
    ax.grid(True, alpha=0.3)
    if d["hue"]:
        ax.legend(fontsize=8)
    return fig


def plan_label(row: dict[str, str]) -> str:
    """A plan in a few words: tp, pp, dp always; the rest when they are not the default."""
    parts = [f"{k}{row[k]}" for k in ("tp", "pp", "dp") if row.get(k)]
    parts += [f"{k}{row[k]}" for k in ("vpp", "cp", "ep") if row.get(k) not in (None, "", "1", "0")]
    if row.get("micro_batch"):
        parts.append(f"mb{row['micro_batch']}")
    parts += [row[k] for k in ("schedule",) if row.get(k)]
    if row.get("zero_stage") not in (None, "", "0"):
        parts.append(f"zero{row['zero_stage']}")
    parts += [f"{k} {row[k]}" for k in ("recompute", "offload") if row.get(k) not in (None, "", "none", "false", "0")]
    return " ".join(parts)


def reason_class(reason: str) -> str:
    """What a plan was left out for, in a few words: orrery search's reasons are whole messages
    (a file position, the numbers), one per plan; the class is the memory floor, out of memory
    when run, or the scenario key the reader refused."""
    reason = reason.strip()
    if not reason:
        return "no reason given"
    if reason.startswith("memory floor"):
        return "memory floor over capacity"
    if "out of memory" in reason:
        return "out of memory"
    key = re.search(r"error: ([A-Za-z0-9_.\[\]]+):", reason)
    return key.group(1) if key else reason[:48]


def search_data(path: str | Path, top: int = 15) -> dict:
    """The ok plans by rank (labels, iteration time, peak memory, tokens/s), and the count of the
    others by status and reason."""
    ok, left_out = [], {}
    for line, row in read_csv(path, SEARCH_NEEDS):
        status = (row["status"] or "").strip()
        if status not in STATUSES:
            raise PlotInputError(f"{path}:{line}: column 'status': {status!r}; valid: {', '.join(STATUSES)}")
        if status == "ok":
            ok.append((number(path, line, "rank", row["rank"]), plan_label(row),
                       number(path, line, "iteration_time_s", row["iteration_time_s"]),
                       number(path, line, "memory_peak_bytes", row["memory_peak_bytes"]),
                       number(path, line, "tokens_per_s", row["tokens_per_s"])))
        else:
            key = f"{status}: {reason_class(row.get('reason') or '')}"
            left_out[key] = left_out.get(key, 0) + 1
    if not ok and not left_out:
        raise PlotInputError(f"{path}: no rows")
    ok.sort(key=lambda r: r[0])
    cols = list(zip(*ok)) if ok else [[], [], [], [], []]
    return {"path": str(path), "rank": list(cols[0]), "label": list(cols[1]), "iteration_time_s": list(cols[2]),
            "memory_peak_bytes": list(cols[3]), "tokens_per_s": list(cols[4]), "top": top,
            "left_out": dict(sorted(left_out.items(), key=lambda kv: (-kv[1], kv[0])))}


def draw_search(d: dict):
    from matplotlib.ticker import MaxNLocator

    fig = figure(15, max(4.5, 1.5 + 0.3 * min(d["top"], len(d["rank"]))))
    best, scatter, reasons = fig.subplots(1, 3, width_ratios=[2.2, 1.6, 1.6])
    n = min(d["top"], len(d["rank"]))
    best.barh(range(n), d["iteration_time_s"][:n], color="#4C72B0")
    best.set_yticks(range(n), [f"#{int(r)} {lab}" for r, lab in zip(d["rank"][:n], d["label"][:n])], fontsize=7)
    best.set_ylim(n - 0.5, -0.5)
    best.set_xlabel("iteration time (s)")
    best.set_title(f"the best {n} of {len(d['rank'])} feasible plans", fontsize=10)
    mem = np.array(d["memory_peak_bytes"]) / 2**30
    scatter.scatter(mem, d["tokens_per_s"], s=14, color="#4C72B0", label="ok")
    if len(mem):
        scatter.scatter(mem[:1], d["tokens_per_s"][:1], s=60, marker="*", color="#C44E52", label="rank 1", zorder=3)
        scatter.legend(fontsize=8)
    scatter.set_xlabel("peak memory per device (GiB)")
    scatter.set_ylabel("tokens/s")
    scatter.set_title("feasible plans", fontsize=10)
    keys = list(d["left_out"])
    reasons.barh(range(len(keys)), [d["left_out"][k] for k in keys], color="#8C8C8C")
    reasons.set_yticks(range(len(keys)), keys, fontsize=7)
    reasons.set_ylim(len(keys) - 0.5, -0.5)
    reasons.set_xlabel("plans")
    reasons.xaxis.set_major_locator(MaxNLocator(integer=True))
    reasons.set_title(f"left out: {sum(d['left_out'].values())}", fontsize=10)
    for a in (best, scatter, reasons):
        a.grid(True, alpha=0.3)
    fig.suptitle(f"plan search: {Path(d['path']).name}")
    return fig
