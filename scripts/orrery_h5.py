#!/usr/bin/env python3
"""Read orrery result files (HDF5).

`orrery run SCENARIO.yaml -o OUT.h5` writes one HDF5 file per run. The authoritative description
of its layout is RESULTS_LAYOUT.md beside this file; in short:

    /meta/{program_version, scenario, scenario_file, seed, wall_s}   run metadata (scalars)
    /summary/KEY        one scalar (float, int or string) or 1-D float array per summary key
    /events             compound table, one row per simulated span:
                        start, end (int64 ns), device, kind (int8), name (row of /names),
                        micro_batch, stage (-1 when none), bytes;
                        attribute `kinds`: the name of each `kind` value (index = value)
    /names              string table indexed by /events/name and /links/name
    /links              compound table, one row per directed link: link, src, dst, name, busy, bytes
    /memory             compound table, one row per device: device, peak and its breakdown
    /counters           compound table of per-device time series: time (ns), device, name, value
    /failures, /checkpoints, /restarts, /replicas, /fillers   the policies' tables (float64 columns)

Usage as a module (needs h5py and numpy; pandas only for `events_frame`). A large result (millions
of events) is read lazily, in slices:

    import orrery_h5
    with orrery_h5.open_result("results/llama3.h5") as f:
        f.summary["goodput"], f.event_count
        f.events(window=(0, 2e9), devices=range(8))   # rows overlapping [0 s, 2 s) on devices 0-7
        f.events(rows=slice(0, 100_000))              # a row range
        f.counters(devices=[0]); f.table("failures"); f.labels("failures")["classes"]
        f.fields("events", ["device", "stage"])       # some columns of every row

A small one can be loaded whole:

    r = orrery_h5.load("results/quickstart.h5")
    r.summary["iteration_time_s"]          # also r["summary"]
    r.events["start"], r.event_kinds()     # raw ns, and the kind name of each event
    df = orrery_h5.events_frame(r)         # pandas DataFrame, times in seconds

Usage from the shell: `python3 scripts/orrery_h5.py FILE.h5` prints the summary and the metadata.
"""

from __future__ import annotations

import argparse
import sys
from dataclasses import dataclass, field
from typing import Any

try:
    import h5py
    import numpy as np
except ImportError as exc:  # pragma: no cover - depends on the machine
    raise ImportError(
        f"orrery_h5 needs numpy and h5py, which {sys.executable} lacks "
        "(Debian: apt-get install python3-h5py; pip: pip install h5py)"
    ) from exc

from orrery_h5_layout import (  # noqa: F401 - re-exported for callers
    COUNTER_DTYPE,
    EVENT_DTYPE,
    LINK_DTYPE,
    MEMORY_DTYPE,
    NS_PER_S,
    POLICY_TABLES,
    NameLookup,
    _decode,
    _read_group,
    _read_table,
)
from orrery_h5_slices import ResultFile, open_result  # noqa: F401 - re-exported for callers


@dataclass
class Result(NameLookup):
    """Everything in one result file. Fields are also reachable as `result["summary"]` etc."""

    path: str
    summary: dict[str, Any] = field(default_factory=dict)
    meta: dict[str, Any] = field(default_factory=dict)
    events: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=EVENT_DTYPE))
    kinds: list[str] = field(default_factory=list)  # kinds[k] = name of event kind value k
    names: list[str] = field(default_factory=list)  # the /names table
    links: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=LINK_DTYPE))
    memory: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=MEMORY_DTYPE))
    counters: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=COUNTER_DTYPE))

    def __getitem__(self, key: str) -> Any:
        return getattr(self, key)

    def keys(self) -> list[str]:
        return ["path", "summary", "meta", "events", "kinds", "names", "links", "memory", "counters"]

    def event_kinds(self) -> np.ndarray:
        """Kind name of every event, as a numpy object array of str."""
        return _lookup(self.kinds, self.events["kind"], self.kind_name)

    def event_names(self) -> np.ndarray:
        """Name (from /names) of every event, as a numpy object array of str."""
        return _lookup(self.names, self.events["name"], self.name_of)


def _lookup(table: list[str], index: np.ndarray, fallback) -> np.ndarray:
    """`table[index]` vectorised; indices outside the table are named by `fallback(index)`."""
    index = np.asarray(index, dtype=np.int64)
    bad = (index < 0) | (index >= len(table))
    out = np.array(table + [""], dtype=object)[np.where(bad, len(table), index)]
    if bad.any():
        out[bad] = [fallback(i) for i in index[bad]]
    return out


def load(path: str) -> Result:
    """Load a result file written by `orrery run -o PATH`."""
    with h5py.File(path, "r") as f:
        result = Result(path=str(path))
        result.summary = _read_group(f.get("summary"))
        result.meta = _read_group(f.get("meta"))
        result.events = _read_table(f, "events", EVENT_DTYPE)
        if "events" in f and "kinds" in f["events"].attrs:
            kinds = _decode(f["events"].attrs["kinds"])
            result.kinds = kinds if isinstance(kinds, list) else [kinds]
        if "names" in f:
            names = _decode(f["names"][()])
            result.names = names if isinstance(names, list) else [names]
        result.links = _read_table(f, "links", LINK_DTYPE)
        result.memory = _read_table(f, "memory", MEMORY_DTYPE)
        result.counters = _read_table(f, "counters", COUNTER_DTYPE)
    return result


def events_frame(path_or_result: str | Result):
    """The /events table as a pandas DataFrame.

    Columns: start_s, end_s, duration_s (float seconds), device, kind (str), name (str),
    micro_batch, stage, bytes. Needs pandas.
    """
    try:
        import pandas as pd
    except ImportError as exc:
        raise ImportError(
            "orrery_h5.events_frame needs pandas (Debian: apt-get install python3-pandas; "
            "pip: pip install pandas); use load(path).events for the raw numpy table"
        ) from exc
    result = path_or_result if isinstance(path_or_result, Result) else load(path_or_result)
    ev = result.events
    start_s = ev["start"] / NS_PER_S
    end_s = ev["end"] / NS_PER_S
    return pd.DataFrame(
        {
            "start_s": start_s,
            "end_s": end_s,
            "duration_s": end_s - start_s,
            "device": ev["device"],
            "kind": result.event_kinds().astype(str),
            "name": result.event_names().astype(str),
            "micro_batch": ev["micro_batch"],
            "stage": ev["stage"],
            "bytes": ev["bytes"],
        }
    )


def _format(value: Any) -> str:
    if isinstance(value, np.ndarray):
        return "[" + ", ".join(_format(v.item()) for v in value.reshape(-1)) + "]"
    if isinstance(value, list):
        return "[" + ", ".join(_format(v) for v in value) + "]"
    if isinstance(value, float):
        return f"{value:.9g}"
    return str(value)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Print the summary and metadata of an orrery result file.")
    parser.add_argument("file", help="result file written by `orrery run -o FILE.h5`")
    args = parser.parse_args(argv)
    try:
        r = open_result(args.file)  # lazily: the tables are only counted
    except OSError as exc:
        print(f"orrery_h5: cannot read {args.file}: {exc}", file=sys.stderr)
        return 1

    width = max((len(k) for k in list(r.summary) + list(r.meta)), default=0)
    print("summary:")
    for key, value in r.summary.items():
        print(f"  {key:<{width}}  {_format(value)}")
    print("meta:")
    scenario = r.meta.get("scenario")
    for key, value in r.meta.items():
        if key != "scenario":
            print(f"  {key:<{width}}  {_format(value)}")
    counts = {name: r.rows(name) for name in ("events", "counters", "links", "memory", *POLICY_TABLES)}
    print("tables: " + ", ".join(f"{n} {name}" for name, n in counts.items() if n or name == "events"))
    r.close()
    if scenario is not None:
        print("scenario (resolved):")
        for line in str(scenario).rstrip("\n").splitlines():
            print("  " + line)
    return 0


if __name__ == "__main__":
    sys.exit(main())
