"""Latency CDFs of a serving, neural-graphics or vector-search run, from the rows the workload
writes (scripts/RESULTS_LAYOUT.md):

* serving (/requests, the finished requests): TTFT = first_token_s - arrival_s; TPOT =
  (finish_s - first_token_s) / (output_tokens - 1), for requests of more than one output token;
  end-to-end = finish_s - arrival_s (as workloads/serving/serving_summary.cpp counts them);
* neural graphics (/frames): latency_s;
* vector search (/queries): finish_s - arrival_s.

Each panel is the empirical CDF with its 50th, 90th and 99th percentiles marked, computed as numpy's
default quantile (linear between closest ranks), the definition the summary's _pNN_s keys use.
"""

from __future__ import annotations

import numpy as np

from .common import figure, missing, time_unit, title_of

PERCENTILES = (50, 90, 99)


def _metrics(result) -> dict[str, np.ndarray]:
    requests = result.table("requests")
    if len(requests):
        done = requests[(requests["rejected"] == 0) & np.isfinite(requests["finish_s"])]
        multi = done[done["output_tokens"] > 1]
        return {"TTFT": done["first_token_s"] - done["arrival_s"],
                "TPOT": (multi["finish_s"] - multi["first_token_s"]) / (multi["output_tokens"] - 1),
                "end-to-end latency": done["finish_s"] - done["arrival_s"]}
    frames = result.table("frames")
    if len(frames):
        return {"frame latency": frames["latency_s"]}
    queries = result.table("queries")
    if len(queries):
        return {"query latency": queries["finish_s"] - queries["arrival_s"]}
    raise missing(result, "/requests, /frames or /queries",
                  "a serving, neural_graphics or vector_search run writes one")


def latency_data(result) -> dict:
    """Per metric: the sorted sample and its 50th/90th/99th percentiles."""
    metrics = {}
    for name, values in _metrics(result).items():
        values = np.sort(np.asarray(values, dtype=float))
        pct = {p: float(np.quantile(values, p / 100)) for p in PERCENTILES} if len(values) else {}
        metrics[name] = {"values": values, "percentiles": pct}
    return {"title": title_of(result), "metrics": metrics}


def draw_latency(d: dict):
    n = len(d["metrics"])
    fig = figure(4.2 * n + 1, 4.0)
    axes = np.atleast_1d(fig.subplots(1, n, squeeze=False)[0])
    for ax, (name, m) in zip(axes, d["metrics"].items()):
        v = m["values"]
        unit, scale = time_unit(float(v.max()) if len(v) else 0.0)
        if len(v):
            ax.step(np.concatenate([[v[0]], v]) / scale, np.arange(len(v) + 1) / len(v), where="post", color="#4C72B0")
        for (p, x), style in zip(m["percentiles"].items(), ("--", "-.", ":")):
            ax.axvline(x / scale, color="#C44E52", linestyle=style, linewidth=1, label=f"p{p} {x / scale:.4g} {unit}")
        ax.set_xlabel(f"{name} ({unit})")
        ax.set_ylim(0, 1.01)
        ax.grid(True, alpha=0.3)
        ax.set_title(f"{name}, {len(v):,} samples", fontsize=10)
        if m["percentiles"]:
            ax.legend(fontsize=8, loc="lower right")
    axes[0].set_ylabel("fraction at or below")
    fig.suptitle(f"{d['title']}: latency CDFs")
    return fig
