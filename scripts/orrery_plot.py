#!/usr/bin/env python3
"""Plots of orrery results, as PNG and SVG.

    orrery_plot.py RESULT.h5 [--only KIND,...] [-o OUTDIR] [--format png,svg]
    orrery_plot.py sweep OUTDIR/index.csv --x KEY --y KEY [--hue KEY] [-o OUTDIR] [--format png,svg]
    orrery_plot.py search PLANS.csv [--top N] [-o OUTDIR] [--format png,svg]

The first form writes every plot the result file has data for (or the kinds named by --only) as
OUTDIR/STEM_KIND.png and .svg, STEM being the result file's name without .h5; `--help` lists the
kinds (timeline, memory, bubbles, links, failures, goodput, latency: orrery_plots.KINDS).

`sweep` plots one column of scripts/sweep.sh's index.csv against another, a line per value of
--hue, as OUTDIR/sweep_Y_by_X[_HUE].png; `search` plots `orrery search`'s plan table as
OUTDIR/STEM_search.png. OUTDIR defaults to the input file's folder. The files written are printed,
one a line.

Exit status: 0 written; 2 a bad input (not a result file, a dataset or column missing, an unknown
kind or format): one message naming the file and the dataset or column, and nothing written.
Each file is written to a temporary and renamed, so a file at the final name is always complete;
the same input gives the same bytes. Needs numpy, h5py and matplotlib.
"""

from __future__ import annotations

import argparse
import re
import sys
from pathlib import Path

import orrery_plots
from orrery_plots import KINDS, PlotInputError


def _formats(text: str) -> tuple[str, ...]:
    formats = tuple(dict.fromkeys(f.strip().lower() for f in text.split(",") if f.strip()))
    bad = [f for f in formats if f not in orrery_plots.FORMATS]
    if bad or not formats:
        raise PlotInputError(f"--format {text!r}: valid formats are {', '.join(orrery_plots.FORMATS)}")
    return formats


def _outdir(given: str | None, source: str) -> Path:
    return Path(given) if given else Path(source).parent


def _slug(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9._=-]+", "_", text)


def plot_result(argv: list[str]) -> list[Path]:
    p = argparse.ArgumentParser(prog="orrery_plot.py", description="Plot an orrery result file (HDF5).",
                                formatter_class=argparse.RawDescriptionHelpFormatter,
                                epilog="kinds:\n" + "\n".join(f"  {k:<9} {v.what}" for k, v in KINDS.items()))
    p.add_argument("result", help="a file written by `orrery run SCENARIO -o RESULT.h5`")
    p.add_argument("--only", help=f"comma-separated kinds, of: {', '.join(KINDS)} (default: every kind with data)")
    p.add_argument("-o", "--outdir", help="folder for the files (default: the result file's)")
    p.add_argument("--format", default="png,svg", help="png, svg or both (default png,svg)")
    args = p.parse_args(argv)
    formats = _formats(args.format)
    if args.only is not None:
        wanted = list(dict.fromkeys(k.strip() for k in args.only.split(",") if k.strip()))
        unknown = [k for k in wanted if k not in KINDS]
        if unknown or not wanted:
            named = ", ".join(repr(k) for k in unknown) or "(none)"
            raise PlotInputError(f"--only {args.only!r}: unknown kind {named}; "
                                 f"valid: {', '.join(KINDS)}")
    with orrery_plots.open_result(args.result) as result:
        if args.only is None:
            wanted = orrery_plots.available(result)
            if not wanted:
                raise PlotInputError(f"{args.result}: nothing to plot (no /events, /counters, /links, pipeline "
                                     "summary, policy or latency tables)")
        # Every plot's data first: a missing dataset stops the command before anything is written.
        data = {kind: KINDS[kind].data(result) for kind in wanted}
    outdir = _outdir(args.outdir, args.result)
    orrery_plots.check_writable(outdir)
    stem = Path(args.result).name.removesuffix(".h5")
    written = []
    for kind, d in data.items():
        written += orrery_plots.save(KINDS[kind].draw(d), outdir / f"{stem}_{kind}", formats)
    return written


def plot_sweep(argv: list[str]) -> list[Path]:
    p = argparse.ArgumentParser(prog="orrery_plot.py sweep", description="Plot a sweep's index.csv.")
    p.add_argument("index", help="OUTDIR/index.csv written by scripts/sweep.sh")
    p.add_argument("--x", required=True, help="the column on the x axis (a grid key or summary key)")
    p.add_argument("--y", required=True, help="the column on the y axis (a numeric summary key)")
    p.add_argument("--hue", help="one line per value of this column")
    p.add_argument("-o", "--outdir", help="folder for the files (default: the index's)")
    p.add_argument("--format", default="png,svg", help="png, svg or both (default png,svg)")
    args = p.parse_args(argv)
    formats = _formats(args.format)
    data = orrery_plots.sweep_data(args.index, args.x, args.y, args.hue)
    outdir = _outdir(args.outdir, args.index)
    orrery_plots.check_writable(outdir)
    name = f"sweep_{args.y}_by_{args.x}" + (f"_{args.hue}" if args.hue else "")
    return orrery_plots.save(orrery_plots.draw_sweep(data), outdir / _slug(name), formats)


def plot_search(argv: list[str]) -> list[Path]:
    p = argparse.ArgumentParser(prog="orrery_plot.py search", description="Plot `orrery search`'s plan table.")
    p.add_argument("plans", help="the CSV file `orrery search` writes")
    p.add_argument("--top", type=int, default=15, help="plans in the ranking panel (default 15)")
    p.add_argument("-o", "--outdir", help="folder for the files (default: the CSV's)")
    p.add_argument("--format", default="png,svg", help="png, svg or both (default png,svg)")
    args = p.parse_args(argv)
    if args.top < 1:
        raise PlotInputError(f"--top {args.top}: want at least 1")
    formats = _formats(args.format)
    data = orrery_plots.search_data(args.plans, args.top)
    outdir = _outdir(args.outdir, args.plans)
    orrery_plots.check_writable(outdir)
    stem = _slug(Path(args.plans).name.removesuffix(".csv")) + "_search"
    return orrery_plots.save(orrery_plots.draw_search(data), outdir / stem, formats)


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    command = {"sweep": plot_sweep, "search": plot_search}.get(argv[0] if argv else "", plot_result)
    try:
        written = command(argv[1:] if command is not plot_result else argv)
    except PlotInputError as exc:
        print(f"orrery_plot: {exc}", file=sys.stderr)
        return 2
    except ImportError as exc:  # matplotlib or h5py missing: say which, not a traceback
        print(f"orrery_plot: {exc}", file=sys.stderr)
        return 1
    for path in written:
        print(path)
    return 0


if __name__ == "__main__":
    sys.exit(main())
