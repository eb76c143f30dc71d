"""What every plot kind shares: the error a bad input raises, opening a result file (and saying
when a file is not one), the run's length, time units, colours, a figure, and saving it as PNG
and SVG atomically (a temporary renamed, so that a file at the final name is always complete) and
reproducibly (no dates, fixed SVG ids).

Matplotlib is imported only when a figure is made, so that bad inputs are reported without it.
Figures are `matplotlib.figure.Figure` objects, not pyplot's: no global state, nothing to close,
and a notebook's backend is left alone.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import numpy as np

NS_PER_S = 1e9
FORMATS = ("png", "svg")
# Colours of the event kinds, as in scripts/notebooks/quickstart.ipynb.
KIND_COLOURS = {"forward": "#4C72B0", "backward": "#DD8452", "weight_grad": "#55A868", "compute": "#8172B3",
                "send": "#C44E52", "collective": "#937860", "optimizer": "#DA8BC3", "checkpoint": "#8C8C8C",
                "failure": "#000000", "other": "#CCB974"}
COMM_KINDS = ("send", "collective")


class PlotInputError(Exception):
    """A bad input: the message names the file and the dataset or column; the command exits 2."""


def open_result(path: str | Path):
    """Open an orrery result file lazily (orrery_h5.ResultFile), or raise PlotInputError saying why
    the file is not one."""
    import h5py
    import orrery_h5

    path = str(path)
    if not os.path.isfile(path):
        raise PlotInputError(f"{path}: no such file")
    try:
        with h5py.File(path, "r") as f:
            if "meta/program_version" not in f or "summary" not in f:
                raise PlotInputError(f"{path}: not an orrery result file (no /meta/program_version or /summary; "
                                     "`orrery run SCENARIO -o FILE.h5` writes one)")
    except OSError as exc:
        raise PlotInputError(f"{path}: not an orrery result file (not HDF5: {exc})") from None
    return orrery_h5.open_result(path)


def missing(result, dataset: str, how: str) -> PlotInputError:
    """The error for a dataset that a plot needs and the file lacks."""
    return PlotInputError(f"{result.path}: no {dataset} in this result file ({how})")


def run_length_s(result) -> tuple[float, str]:
    """The simulated length of the run and where it comes from: the summary's iteration_time_s,
    completion_time_s or serving_time_s, else the last recorded span's end."""
    for key in ("iteration_time_s", "completion_time_s", "serving_time_s"):
        value = result.summary.get(key)
        if isinstance(value, (int, float)) and value > 0:
            return float(value), key
    if result.event_count:
        end = result.fields("events", ["end"])["end"]
        if len(end) and end.max() > 0:
            return float(end.max()) / NS_PER_S, "the last recorded span's end"
    raise missing(result, "run length", "the summary has no iteration_time_s, completion_time_s or serving_time_s "
                  "and /events is empty")


def time_unit(span_s: float) -> tuple[str, float]:
    """A unit for a time axis spanning span_s seconds: (name, seconds per unit)."""
    for name, seconds in (("days", 86400.0), ("h", 3600.0), ("s", 1.0), ("ms", 1e-3)):
        if span_s >= 2 * seconds:
            return name, seconds
    return "µs", 1e-6


def evenly(items: np.ndarray, at_most: int) -> np.ndarray:
    """At most `at_most` of `items`, evenly spaced, the first and last included."""
    if len(items) <= at_most:
        return items
    return items[np.unique(np.linspace(0, len(items) - 1, at_most).round().astype(np.int64))]


def title_of(result) -> str:
    return Path(str(result.meta.get("scenario_file") or result.path)).name


def figure(width: float, height: float):
    """A new matplotlib Figure (no pyplot)."""
    try:
        from matplotlib.figure import Figure
    except ImportError as exc:
        raise ImportError("orrery_plot needs matplotlib (Debian: apt-get install python3-matplotlib; "
                          "pip: pip install matplotlib)") from exc
    return Figure(figsize=(width, height), layout="constrained")


def check_writable(outdir: Path) -> None:
    """Create OUTDIR if needed and check that a file can be written there, before anything is drawn."""
    try:
        outdir.mkdir(parents=True, exist_ok=True)
        probe = outdir / f".orrery_plot.{os.getpid()}.probe"
        probe.write_bytes(b"")
        probe.unlink()
    except OSError as exc:
        raise PlotInputError(f"{outdir}: cannot write there ({exc.strerror or exc})") from None


def save(fig, stem: Path, formats: tuple[str, ...]) -> list[Path]:
    """Write fig as STEM.png / STEM.svg: each to a temporary in the same folder, renamed when
    complete. Dates and random SVG ids left out, so the same data give the same bytes."""
    import matplotlib

    written = []
    for fmt in formats:
        final = stem.with_name(f"{stem.name}.{fmt}")
        tmp = final.with_name(f".{final.name}.{os.getpid()}.tmp")
        metadata: dict[str, Any] = {"Software": None} if fmt == "png" else {"Date": None, "Creator": None}
        try:
            with matplotlib.rc_context({"svg.hashsalt": "orrery", "svg.fonttype": "path"}):
                fig.savefig(tmp, format=fmt, dpi=110, metadata=metadata)
            os.replace(tmp, final)
        finally:
            if tmp.exists():
                tmp.unlink()
        written.append(final)
    return written
