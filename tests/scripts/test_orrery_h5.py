#!/usr/bin/env python3
"""Check a result file written by the simulator against scripts/RESULTS_LAYOUT.md, and the readers
in scripts/ against that file.

    python3 tests/scripts/test_orrery_h5.py RESULT.h5

RESULT.h5 is a file that `orrery run SCENARIO -o RESULT.h5` has just written. The checks: scripts/orrery_h5.py
loads it; /events has the layout's fields and sane rows; the `kinds` attribute and /names decode;
/summary/iteration_time_s equals (max(end) - min(start)) / 1e9 recomputed from /events; events_frame
works when pandas is there; the module's command line prints the summary; and, when nbconvert is
installed, scripts/notebooks/quickstart.ipynb runs headless on the file. Prints
'N passed, M failed, K skipped' last and exits 1 if any check failed.

Needs numpy and h5py. If this interpreter lacks them, the script re-runs itself under another
python3 on PATH that has them (e.g. Debian's, when a pyenv python3 comes first).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
SCRIPTS = REPO / "scripts"
NOTEBOOK = SCRIPTS / "notebooks" / "quickstart.ipynb"
_REEXEC_MARK = "ORRERY_TEST_H5_REEXEC"


def ensure_h5py() -> None:
    """Re-exec under another python3 from PATH when this one cannot import h5py and numpy."""
    try:
        import h5py  # noqa: F401
        import numpy  # noqa: F401

        return
    except ImportError:
        pass
    if not os.environ.get(_REEXEC_MARK):
        me = os.path.realpath(sys.executable)
        for d in os.environ.get("PATH", "").split(os.pathsep):
            candidate = os.path.join(d or ".", "python3")
            if not os.access(candidate, os.X_OK) or os.path.realpath(candidate) == me:
                continue
            probe = subprocess.run([candidate, "-c", "import h5py, numpy"], capture_output=True)
            if probe.returncode == 0:
                print(f"note: {sys.executable} lacks h5py/numpy; re-running under {candidate}", flush=True)
                env = dict(os.environ, **{_REEXEC_MARK: "1"})
                os.execve(candidate, [candidate, os.path.abspath(__file__), *sys.argv[1:]], env)
    print(f"FAIL no python3 with h5py and numpy (tried {sys.executable} and PATH); "
          "install them, e.g. apt-get install python3-h5py")
    print("0 passed, 1 failed")
    sys.exit(1)


class Checks:
    def __init__(self) -> None:
        self.passed = self.failed = self.skipped = 0

    def check(self, what: str, ok: bool, detail: str = "") -> bool:
        if ok:
            self.passed += 1
            print(f"ok   {what}")
        else:
            self.failed += 1
            print(f"FAIL {what}" + (f": {detail}" if detail else ""))
        return ok

    def skip(self, what: str, why: str) -> None:
        self.skipped += 1
        print(f"skip {what}: {why}")


def nbconvert_command() -> list[str] | None:
    """How to call nbconvert here, or None when it is not installed."""
    candidates = [[sys.executable, "-m", "nbconvert"]]
    if shutil.which("jupyter"):
        candidates.append(["jupyter", "nbconvert"])
    for cmd in candidates:
        try:
            if subprocess.run(cmd + ["--version"], capture_output=True, timeout=60).returncode == 0:
                return cmd
        except (OSError, subprocess.TimeoutExpired):
            pass
    return None


def check_lazy(c: Checks, orrery_h5, path: Path, r) -> None:
    """open_result's slices against the same selections made here with numpy on the whole table,
    read in blocks of 7 rows (so that slices cross blocks) and in one block."""
    import h5py
    import numpy as np

    ev, ct = r.events, r.counters
    lo = int(ev["start"].min()) + (int(ev["end"].max()) - int(ev["start"].min())) // 3 if len(ev) else 0
    hi = lo + (int(ev["end"].max()) - lo) // 2 if len(ev) else 1
    instant = ev["start"] == ev["end"]
    in_window = (ev["start"] < hi) & ((ev["end"] > lo) | (instant & (ev["start"] >= lo)))
    device = int(ev["device"][len(ev) // 2]) if len(ev) else 0
    import orrery_h5_slices

    saved = orrery_h5_slices.BLOCK_ROWS
    for block in (7, saved):
        orrery_h5_slices.BLOCK_ROWS = block  # read by ResultFile when it slices
        with orrery_h5.open_result(str(path)) as f:
            c.check(f"[block {block}] open_result: event_count, summary and names as load()",
                    f.event_count == len(ev) and f.summary.keys() == r.summary.keys() and f.names == r.names)
            c.check(f"[block {block}] events(rows=10:20) == events[10:20]",
                    np.array_equal(f.events(rows=slice(10, 20)), ev[10:20]))
            c.check(f"[block {block}] events(devices=[{device}]) == the rows of that device",
                    np.array_equal(f.events(devices=[device]), ev[ev["device"] == device]))
            c.check(f"[block {block}] events(window) == the rows overlapping [{lo}, {hi}) ns",
                    np.array_equal(f.events(window=(lo, hi)), ev[in_window]) and 0 < in_window.sum() < len(ev))
            c.check(f"[block {block}] counters(window) == the samples inside it",
                    np.array_equal(f.counters(window=(lo, hi)), ct[(ct["time"] >= lo) & (ct["time"] < hi)]))
            c.check(f"[block {block}] event_devices() == the distinct devices",
                    np.array_equal(f.event_devices(), np.unique(ev["device"])))
            c.check("meta/recorded says what was recorded", isinstance(f.meta.get("recorded"), str),
                    repr(f.meta.get("recorded")))
    orrery_h5_slices.BLOCK_ROWS = saved
    # A policy table and its labels, in a file made here.
    with tempfile.TemporaryDirectory(prefix="orrery-test-tables.") as tmp:
        made = Path(tmp) / "t.h5"
        rows = np.array([(0.0, 1.5, 1.0), (1.0, 2.5, 0.0)], dtype=[("replica", "<f8"), ("time_s", "<f8"), ("class", "<f8")])
        with h5py.File(made, "w") as h:
            h["failures"] = rows
            h["failures"].attrs["classes"] = np.array([b"gpu", b"switch"], dtype=h5py.string_dtype())
        with orrery_h5.open_result(str(made)) as f:
            c.check("table('failures') and its labels read back",
                    np.array_equal(f.table("failures"), rows) and f.labels("failures") == {"classes": ["gpu", "switch"]})
            c.check("an absent table is empty", len(f.table("restarts")) == 0 and f.labels("restarts") == {}
                    and f.event_count == 0 and len(f.events(window=(0, 1))) == 0)


def main() -> int:
    if len(sys.argv) != 2:
        print(f"usage: {sys.argv[0]} RESULT.h5", file=sys.stderr)
        return 2
    path = Path(sys.argv[1]).resolve()
    ensure_h5py()
    import numpy as np

    sys.path.insert(0, str(SCRIPTS))
    import orrery_h5

    c = Checks()
    try:
        r = orrery_h5.load(str(path))
        c.check("load() reads the file", True)
    except Exception as exc:  # noqa: BLE001 - report whatever went wrong
        c.check("load() reads the file", False, f"{type(exc).__name__}: {exc}")
        print(f"{c.passed} passed, {c.failed} failed")
        return 1

    # /events
    ev = r.events
    fields = ["start", "end", "device", "kind", "name", "micro_batch", "stage", "bytes"]
    missing = [f for f in fields if f not in (ev.dtype.names or ())]
    c.check("/events has the layout's fields", not missing, f"missing {missing}")
    c.check("/events has rows", len(ev) > 0)
    c.check("kinds attribute decodes to a list of str",
            bool(r.kinds) and all(isinstance(k, str) for k in r.kinds), repr(r.kinds))
    c.check("/names decodes to a list of str", all(isinstance(n, str) for n in r.names), repr(r.names[:5]))
    if not missing and len(ev):
        c.check("every event has end >= start", bool(np.all(ev["end"] >= ev["start"])),
                f"{int(np.sum(ev['end'] < ev['start']))} events end before they start")
        kinds = ev["kind"].astype(np.int64)
        c.check("every event kind is in the kinds attribute",
                bool(np.all((kinds >= 0) & (kinds < len(r.kinds)))), f"kind values {sorted(set(kinds.tolist()))}")
        names = ev["name"].astype(np.int64)
        c.check("every event name indexes /names", bool(np.all((names >= 0) & (names < len(r.names)))),
                f"name values in [{names.min()}, {names.max()}], {len(r.names)} names")

    # /summary and the independent check of iteration_time_s
    it = r.summary.get("iteration_time_s")
    if c.check("summary has iteration_time_s (a number)", isinstance(it, (int, float)), repr(it)) \
            and not missing and len(ev):
        recomputed = (int(ev["end"].max()) - int(ev["start"].min())) / 1e9
        c.check("iteration_time_s == (max(end) - min(start)) / 1e9 from /events",
                abs(it - recomputed) <= 1e-9 * abs(recomputed), f"summary {it!r}, events {recomputed!r}")

    # /meta, /links, /memory
    meta_keys = ["program_version", "scenario", "scenario_file", "seed", "wall_s"]
    c.check("meta has " + ", ".join(meta_keys), all(k in r.meta for k in meta_keys), f"has {sorted(r.meta)}")
    c.check("meta strings decode", all(isinstance(r.meta.get(k), str) for k in ["program_version", "scenario"]))
    c.check("/links has the layout's fields",
            set(["link", "src", "dst", "name", "busy", "bytes"]) <= set(r.links.dtype.names or ()))
    c.check("/memory has the layout's fields",
            set(["device", "peak", "parameters", "gradients", "optimizer", "activations", "buffers"])
            <= set(r.memory.dtype.names or ()))
    # Independent check of /counters against /memory: the largest `memory`
    # sample of each device is that device's peak.
    if c.check("/counters has memory samples", len(r.counters) > 0 and "memory" in r.names):
        mem_id = r.names.index("memory")
        for row in r.memory:
            samples = r.counters[(r.counters["device"] == row["device"]) & (r.counters["name"] == mem_id)]
            c.check(f"device {row['device']}: max memory counter == /memory peak",
                    len(samples) > 0 and int(samples["value"].max()) == int(row["peak"]),
                    f"{samples['value'].max() if len(samples) else None} vs {row['peak']}")

    check_lazy(c, orrery_h5, path, r)

    # events_frame
    try:
        import pandas  # noqa: F401

        have_pandas = True
    except ImportError:
        have_pandas = False
    if have_pandas:
        try:
            df = orrery_h5.events_frame(r)
            ok = (len(df) == len(ev)
                  and np.allclose(df["start_s"].to_numpy() * 1e9, ev["start"], rtol=1e-12, atol=1)
                  and np.allclose(df["end_s"].to_numpy() * 1e9, ev["end"], rtol=1e-12, atol=1)
                  and list(df["kind"]) == [r.kinds[k] for k in ev["kind"]]
                  and all(isinstance(n, str) for n in df["name"]))
            c.check("events_frame: seconds and kind/name strings match /events", ok)
            c.check("events_frame(path) works as events_frame(result)",
                    len(orrery_h5.events_frame(str(path))) == len(df))
        except Exception as exc:  # noqa: BLE001
            c.check("events_frame works", False, f"{type(exc).__name__}: {exc}")
    else:
        try:
            orrery_h5.events_frame(r)
            c.check("events_frame without pandas raises ImportError", False, "it returned")
        except ImportError as exc:
            c.check("events_frame without pandas raises a clear ImportError", "pandas" in str(exc), str(exc))

    # command line
    cli = subprocess.run([sys.executable, str(SCRIPTS / "orrery_h5.py"), str(path)], capture_output=True, text=True)
    c.check("`orrery_h5.py FILE` prints the summary",
            cli.returncode == 0 and "iteration_time_s" in cli.stdout and "program_version" in cli.stdout,
            f"exit {cli.returncode}: {cli.stderr.strip()[-500:]}")

    # notebook, headless
    nbconvert = nbconvert_command()
    if nbconvert is None:
        c.skip("quickstart notebook", "nbconvert is not installed")
    else:
        with tempfile.TemporaryDirectory(prefix="orrery-test-nb.") as tmp:
            # Work on a copy so that the figure the notebook saves lands in the temp dir.
            result = Path(tmp) / "result.h5"
            shutil.copyfile(path, result)
            env = dict(os.environ, ORRERY_RESULT=str(result), ORRERY_SAVE_FIG="1", MPLBACKEND="Agg")
            run = subprocess.run(
                nbconvert + ["--to", "notebook", "--execute", "--output-dir", tmp,
                             "--ExecutePreprocessor.timeout=300", NOTEBOOK.name],
                cwd=NOTEBOOK.parent, env=env, capture_output=True, text=True, timeout=600)
            c.check("quickstart notebook runs headless (nbconvert --execute)",
                    run.returncode == 0 and (Path(tmp) / NOTEBOOK.name).is_file(),
                    f"exit {run.returncode}: {run.stderr.strip()[-2000:]}")
            c.check("notebook saves the timeline PNG when ORRERY_SAVE_FIG is set",
                    (Path(tmp) / "result_timeline.png").is_file())

    print(f"{c.passed} passed, {c.failed} failed, {c.skipped} skipped")
    return 1 if c.failed else 0


if __name__ == "__main__":
    sys.exit(main())
