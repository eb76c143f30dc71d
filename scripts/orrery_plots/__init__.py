"""Plots of orrery results, for scripts/orrery_plot.py and the notebooks.

A plot kind is a pair of functions: `data(result)` reads what the plot shows from a result file
opened with `common.open_result` (raising PlotInputError, which names the file and the dataset,
when the file lacks it) and `draw(data)` makes a matplotlib Figure of it. `KINDS` lists them in
the order the command writes them; `available(result)` says which ones a file has data for.

    import orrery_plots
    r = orrery_plots.open_result("results/run.h5")
    data = orrery_plots.KINDS["bubbles"].data(r)      # numbers, for a test or a table
    fig = orrery_plots.KINDS["bubbles"].draw(data)    # a matplotlib Figure
    orrery_plots.save(fig, Path("out/run_bubbles"), ("png", "svg"))
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

from . import failures, latency, links, tables, training
from .common import FORMATS, PlotInputError, check_writable, open_result, save  # noqa: F401 - the API


@dataclass(frozen=True)
class Kind:
    name: str
    what: str  # for --help
    has_data: Callable  # result -> bool, cheap
    data: Callable  # result -> dict
    draw: Callable  # dict -> Figure


def _has_memory_samples(r) -> bool:
    return "memory" in r.names and r.rows("counters") > 0


KINDS = {k.name: k for k in (
    Kind("timeline", "pipeline timeline: one device's spans per pipeline stage (/events)",
         lambda r: r.event_count > 0, training.timeline_data, training.draw_timeline),
    Kind("memory", "memory in use over time per device (/counters)",
         _has_memory_samples, training.memory_data, training.draw_memory),
    Kind("bubbles", "bubble share per pipeline stage (/summary/bubble_fraction_per_stage)",
         lambda r: "bubble_fraction_per_stage" in r.summary, training.bubbles_data, training.draw_bubbles),
    Kind("links", "mean link utilisation by link class, as a heat map (/links)",
         lambda r: r.rows("links") > 0 and bool((r.table("links")["busy"] > 0).any()), links.links_data,
         links.draw_links),
    Kind("link_load", "link utilisation over time by link class, as a heat map (/link_load: --record-links BIN)",
         lambda r: r.rows("link_load") > 0, links.link_load_data, links.draw_link_load),
    Kind("failures", "failure and checkpoint timeline per replica (/failures, /checkpoints, /restarts, /replicas)",
         lambda r: r.rows("replicas") > 0, failures.failures_data, failures.draw_failures),
    Kind("goodput", "goodput over the horizon per replica (/checkpoints, /replicas)",
         lambda r: r.rows("replicas") > 0, failures.goodput_data, failures.draw_goodput),
    Kind("latency", "latency CDFs: TTFT, TPOT, end-to-end (/requests), frames (/frames), queries (/queries)",
         lambda r: any(r.rows(t) > 0 for t in ("requests", "frames", "queries")), latency.latency_data,
         latency.draw_latency),
)}


def available(result) -> list[str]:
    """The kinds this result file has data for, in KINDS order."""
    return [name for name, kind in KINDS.items() if kind.has_data(result)]


sweep_data, draw_sweep = tables.sweep_data, tables.draw_sweep
search_data, draw_search = tables.search_data, tables.draw_search
