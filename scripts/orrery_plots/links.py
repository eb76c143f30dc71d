"""Link utilisation by link class: each directed link's mean utilisation over the run (busy time /
the run's length, from /links) as a heat map of classes against utilisation bins, beside the bytes
each class carried.

Utilisation over time is the `link_load` plot, from /link_load, which a run writes when asked
(`orrery run -o FILE --record-links BIN`): per link class, the mean utilisation of its links in each
bin, as a heat map of classes against time, beside the class's busiest bin. On the analytic network a
link's busy time is the sum of its transfers' times (no sharing), so it can exceed the run's length
when transfers overlap: such a link lands in the last bin, and the plot's title says how many.

A link's class comes from its name as the simulator's summary forms it (sim/run/simulation.cpp's
link_class, whose byte totals are the summary's traffic_bytes_CLASS): the two ends without node
prefixes ("n3.") and indices, e.g. "n3.gpu0->n3.nvswitch" is gpu_to_nvswitch, "leaf2->agg0.1" is
leaf_to_agg.
"""

from __future__ import annotations

import math
import re

import numpy as np

from .common import NS_PER_S, figure, missing, run_length_s, time_unit, title_of

BINS = 20
_NODE_PREFIX = re.compile(r"^n[0-9]+\.")


def _end_kind(end: str) -> str:
    end = _NODE_PREFIX.sub("", end, count=1)
    out = "".join(c if c.isascii() and c.isalpha() else "_" for c in end if not (c.isdigit() or c == "."))
    return out.rstrip("_") or "link"


def link_class(name: str) -> str:
    """The class of a link named "SRC->DST", as the summary's traffic_bytes_CLASS keys name it."""
    src, arrow, dst = name.partition("->")
    return f"{_end_kind(src)}_to_{_end_kind(dst)}" if arrow else _end_kind(name)


def _nice_ceiling(x: float) -> float:
    """The smallest of 1, 2, 2.5, 5 x 10^k at or above x (x > 0)."""
    power = 10.0 ** math.floor(math.log10(x))
    return next(m * power for m in (1, 2, 2.5, 5, 10) if m * power >= x * (1 - 1e-12))


def links_data(result) -> dict:
    """Per link class: the links' mean utilisations (busy / run length), their bytes, and the share
    of the class's links in each utilisation bin."""
    links = result.table("links")
    if len(links) == 0:
        raise missing(result, "/links", "a run over a network writes one row per directed link")
    length, length_from = run_length_s(result)
    classes = np.array([link_class(result.name_of(n)) for n in links["name"]], dtype=object)
    utilisation = links["busy"] / NS_PER_S / length
    top = _nice_ceiling(min(float(utilisation.max()), 1.0)) if utilisation.max() > 0 else 1.0
    edges = np.linspace(0.0, top, BINS + 1)
    per_class = {}
    for cls in sorted(set(classes)):
        u = utilisation[classes == cls]
        counts, _ = np.histogram(np.minimum(u, top), bins=edges)
        per_class[cls] = {"utilisation": u, "bytes": int(links["bytes"][classes == cls].sum()),
                          "share": counts / len(u)}
    return {"title": title_of(result), "classes": per_class, "edges": edges, "run_length_s": length,
            "run_length_from": length_from, "over_one": int(np.sum(utilisation > 1.0))}


def draw_links(d: dict):
    names = list(d["classes"])
    n = len(names)
    fig = figure(12, 1.8 + 0.38 * n)
    heat, traffic = fig.subplots(1, 2, width_ratios=[3, 1.2], sharey=True)
    share = np.array([d["classes"][c]["share"] for c in names])
    edges = d["edges"] * 100
    image = heat.pcolormesh(edges, np.arange(n + 1) - 0.5, np.ma.masked_equal(share, 0), cmap="viridis",
                            vmin=0, vmax=1, edgecolors="white", linewidth=0.3)
    fig.colorbar(image, ax=heat, label="share of the class's links", pad=0.01, fraction=0.04)
    labels = []
    for c in names:
        u = d["classes"][c]["utilisation"]
        labels.append(f"{c}\n{len(u)} links, mean {u.mean() * 100:.3g}%, max {u.max() * 100:.3g}%")
    heat.set_yticks(range(n), labels, fontsize=7)
    heat.set_ylim(n - 0.5, -0.5)
    heat.set_xlim(edges[0], edges[-1])
    heat.set_xlabel(f"mean utilisation over the run (% of {d['run_length_s']:.4g} s, {d['run_length_from']})")
    title = f"{d['title']}: link utilisation by class"
    if d["over_one"]:
        title += f" ({d['over_one']} links over 100%: overlapping transfers on the analytic network)"
    heat.set_title(title, fontsize=10)
    traffic.barh(range(n), [d["classes"][c]["bytes"] / 1e9 for c in names], color="#4C72B0")
    traffic.set_xlabel("bytes carried (GB)")
    traffic.grid(True, axis="x", alpha=0.3)
    traffic.tick_params(axis="y", left=False)
    return fig


def link_load_data(result) -> dict:
    """Per link class and time bin: the mean utilisation of the class's links (links without bytes in
    a bin count as 0) and the class's bytes, from /link_load (rows of link, start_s, bytes,
    utilisation) and /links' names."""
    load = result.table("link_load")
    if len(load) == 0:
        raise missing(result, "/link_load", "`orrery run -o FILE --record-links BIN` records it")
    links = result.table("links")
    if len(links) == 0:
        raise missing(result, "/links", "a run over a network writes one row per directed link")
    bin_s = float(result.labels("link_load")["bin_s"][0])
    classes = np.array([link_class(result.name_of(n)) for n in links["name"]], dtype=object)
    count = {c: int(np.sum(classes == c)) for c in set(classes)}
    bins = int(round(float(load["start_s"].max()) / bin_s)) + 1
    per_class = {}
    for cls in sorted(count):
        mine = classes[load["link"].astype(np.int64)] == cls
        if not mine.any():
            continue
        at = np.rint(load["start_s"][mine] / bin_s).astype(np.int64)
        util = np.bincount(at, weights=load["utilisation"][mine], minlength=bins) / count[cls]
        carried = np.bincount(at, weights=load["bytes"][mine], minlength=bins)
        per_class[cls] = {"links": count[cls], "utilisation": util, "bytes": carried}
    return {"title": title_of(result), "bin_s": bin_s, "bins": bins, "classes": per_class}


def draw_link_load(d: dict):
    names = list(d["classes"])
    n = len(names)
    fig = figure(12, 1.8 + 0.38 * n)
    heat, peak = fig.subplots(1, 2, width_ratios=[3, 1.2], sharey=True)
    util = np.array([d["classes"][c]["utilisation"] for c in names]) * 100
    unit, per_unit = time_unit(d["bins"] * d["bin_s"])
    edges = np.arange(d["bins"] + 1) * d["bin_s"] / per_unit
    top = max(100.0, float(util.max())) if util.size else 100.0
    image = heat.pcolormesh(edges, np.arange(n + 1) - 0.5, np.ma.masked_equal(util, 0), cmap="viridis", vmin=0,
                            vmax=top)
    fig.colorbar(image, ax=heat, label="mean utilisation of the class's links (%)", pad=0.01, fraction=0.04)
    heat.set_yticks(range(n), [f"{c}\n{d['classes'][c]['links']} links" for c in names], fontsize=7)
    heat.set_ylim(n - 0.5, -0.5)
    heat.set_xlabel(f"simulated time ({unit}; bins of {d['bin_s'] / per_unit:.4g} {unit})")
    heat.set_title(f"{d['title']}: link utilisation over time by class", fontsize=10)
    peak.barh(range(n), [float(d["classes"][c]["utilisation"].max()) * 100 for c in names], color="#4C72B0")
    peak.set_xlabel("busiest bin (%)")
    peak.grid(True, axis="x", alpha=0.3)
    peak.tick_params(axis="y", left=False)
    return fig
