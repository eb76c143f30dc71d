#!/usr/bin/env python3
"""Test scripts/orrery_plot.py and the orrery_plots package against the real simulator, and (with
--notebooks) run the failures and sweeps notebooks headless.

    python3 tests/scripts/test_plots.py ORRERY_BINARY [--notebooks]

Runs small scenarios, makes every plot kind, checks that each PNG and SVG is valid (PNG signature,
SVG parses as XML), and checks the numbers each plot draws (the data its `*_data` function
returns) against closed forms from the scenarios and against what the simulator computed another
way (summary keys, other tables). Then the bad inputs: each exits 2 with one message naming the
file and the dataset or column, and leaves nothing in the output folder. Prints
'N passed, M failed, K skipped' last; exits 1 if a check failed, 77 (skipped) without matplotlib.
"""

from __future__ import annotations

import contextlib
import io
import math
import os
import subprocess
import sys
import tempfile
import xml.etree.ElementTree as ET
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parents[1]
SCRIPTS = REPO / "scripts"
SCENARIOS = REPO / "scenarios"
sys.path.insert(0, str(HERE))
import test_orrery_h5 as h5test  # noqa: E402 - Checks, ensure_h5py, nbconvert_command

MIB, GB = 2**20, 1e9


def valid_figure(path: Path) -> bool:
    if path.suffix == ".png":
        return path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    try:
        return ET.parse(path).getroot().tag.endswith("svg")
    except ET.ParseError:
        return False


def close(a: float, b: float, rel: float = 1e-9, abs_: float = 0.0) -> bool:
    return math.isclose(a, b, rel_tol=rel, abs_tol=abs_)


def run_orrery(binary: str, scenario: str, out: Path, *extra: str) -> Path:
    subprocess.run([binary, "run", str(SCENARIOS / scenario), "-o", str(out), *extra],
                   check=True, stdout=subprocess.DEVNULL)
    return out


def cli(*args: str) -> tuple[int, str, str]:
    """orrery_plot.main in this process (saves a Python start and a matplotlib import per call)."""
    import orrery_plot

    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = orrery_plot.main([str(a) for a in args])
    return code, out.getvalue(), err.getvalue()


def check_written(c, what: str, code: int, stdout: str, expect: int) -> None:
    files = [Path(line) for line in stdout.splitlines()]
    c.check(f"{what}: exit 0 and {expect} files printed", code == 0 and len(files) == expect,
            f"exit {code}, {len(files)} files")
    bad = [str(f) for f in files if not (f.is_file() and valid_figure(f))]
    c.check(f"{what}: every PNG has the PNG signature and every SVG parses", not bad, f"invalid: {bad}")


def check_training(c, plots, qs: Path, gp: Path) -> None:
    # scenarios/quickstart.yaml: 4 stages, m = 8 micro-batches, t_f = 1 ms, t_b = 2 ms, 32 MiB
    # activations over 50 GB/s links; each stage computes m (t_f + t_b) = 24 ms.
    stages, m, compute_s = 4, 8, 8 * (1e-3 + 2e-3)
    with plots.open_result(qs) as r:
        it = r.summary["iteration_time_s"]
        t = plots.KINDS["timeline"].data(r)
        c.check("timeline: one row per stage, stage s on device s", t["devices"] == list(range(stages)), t["labels"])
        c.check("timeline: each stage's compute spans add up to m (t_f + t_b) = 24 ms (the scenario)",
                all(close(b, compute_s, abs_=1e-9 * m) for b in t["compute_busy_s"]), str(t["compute_busy_s"]))
        b = plots.KINDS["bubbles"].data(r)
        # The idle share of the iteration on each stage, 1 - m (t_f + t_b) / iteration (README's definition).
        c.check("bubbles: the share drawn per stage = 1 - 24 ms / iteration_time_s",
                len(b["share"]) == stages and all(close(s, 1 - compute_s / it, rel=1e-7) for s in b["share"]),
                f"{b['share']} vs {1 - compute_s / it}")
        ln = plots.KINDS["links"].data(r)["classes"]
        # Each directed link of the chain carries one boundary's 8 activations (or gradients) of 32 MiB.
        expect = m * 32 * MIB / (50 * GB) / it
        u = ln.get("d_to_d", {}).get("utilisation", [])
        c.check("links: 6 chain links, each busy 8 x 32 MiB / 50 GB/s of the iteration",
                list(ln) == ["d_to_d"] and len(u) == 6 and all(close(x, expect, rel=1e-6) for x in u),
                f"{list(ln)}, {list(u)} vs {expect}")
        ll = plots.KINDS["link_load"].data(r)
        d2d = ll["classes"].get("d_to_d", {})
        # The same bytes over time: the 6 links' 8 x 32 MiB each, bin by bin; on the flow network a
        # link never carries more than its bandwidth, and one transfer alone on its link fills it.
        c.check("link_load: the d_to_d bins add up to 6 links x 8 x 32 MiB",
                list(ll["classes"]) == ["d_to_d"] and close(float(d2d["bytes"].sum()), 6 * m * 32 * MIB, rel=1e-9),
                f"{list(ll['classes'])}, {float(d2d.get('bytes', [0]).sum()) if d2d else None}")
        c.check("link_load: the class's mean utilisation stays within [0, 1] and its mean over the bins is "
                "the links plot's mean utilisation (the iteration's bins)",
                0 <= float(d2d["utilisation"].min()) and float(d2d["utilisation"].max()) <= 1 + 1e-9
                and close(float(d2d["utilisation"].sum()) * ll["bin_s"] / it, expect, rel=1e-6),
                f"{float(d2d['utilisation'].sum()) * ll['bin_s'] / it} vs {expect}")
    with plots.open_result(gp) as r:
        mem = plots.KINDS["memory"].data(r)
        peaks = {int(row["device"]): int(row["peak"]) for row in r.table("memory")}
        c.check("memory: 4 devices drawn, each curve's highest sample = its /memory peak",
                mem["devices"] == [0, 1, 2, 3]
                and all(int(mem["series"][d][1].max()) == peaks[d] for d in mem["devices"]),
                f"{[(d, mem['series'][d][1].max(), peaks.get(d)) for d in mem['devices']]}")


def check_failures(c, plots, tr: Path) -> None:
    import numpy as np

    with plots.open_result(tr) as r:
        replicas = {int(x["replica"]): x for x in r.table("replicas")}
        f = plots.KINDS["failures"].data(r)
        c.check("failures: one row per replica", [row["replica"] for row in f["rows"]] == sorted(replicas))
        c.check("failures: markers, lost work and downtime per replica = /replicas failures, lost_work_s, downtime_s",
                all(len(row["failure_s"]) == int(replicas[row["replica"]]["failures"])
                    and close(row["lost"][:, 1].sum(), replicas[row["replica"]]["lost_work_s"])
                    and close(row["down"][:, 1].sum(), replicas[row["replica"]]["downtime_s"]) for row in f["rows"]))
        c.check("failures: the run had failures to draw", sum(len(row["failure_s"]) for row in f["rows"]) > 0)
        g = plots.KINDS["goodput"].data(r)
        ends = {rep: float(gp[-1]) for rep, _, gp in g["curves"]}
        c.check("goodput: each curve ends at useful_s / wall_s of /replicas",
                all(close(ends[k], v["useful_s"] / v["wall_s"]) for k, v in replicas.items()))
        # The summary's goodput is the mean over replicas (scenarios/README.md, policies).
        c.check("goodput: the mean of the replicas drawn = the summary's goodput",
                close(sum(g["final"]) / len(g["final"]), r.summary["goodput"], rel=1e-12))
        t = plots.KINDS["timeline"].data(r)
        on0 = (t["row"] == 0) & np.isin(t["kind"], ["forward", "backward"])
        start, end = t["start_s"][on0], t["end_s"][on0]
        order = np.argsort(start)
        gap = float(np.median(start[order][1:] - end[order][:-1]))  # so that about half the gaps close
        bars = plots.training.coalesce(start, end, gap)
        # The union of the spans with the gaps under `gap` closed, and only that: every span inside a bar,
        # bars more than the gap apart, each bar from some span's start to some span's end.
        at = np.searchsorted(bars[:, 0], start, side="right") - 1
        inside = bool(np.all((at >= 0) & (end <= bars[at, 0] + bars[at, 1] + 1e-12)))
        apart = bool(np.all(bars[1:, 0] - (bars[:-1, 0] + bars[:-1, 1]) > gap))
        ends = bool(np.all(np.isin(bars[:, 0], start))
                    and np.all(np.isclose(bars[:, 0] + bars[:, 1], end[:, None]).any(axis=0)))
        c.check(f"timeline: {len(start)} compute spans merged into {len(bars)} bars "
                f"(gaps under {gap * 1e3:.3g} ms closed)",
                1 < len(bars) < len(start) and inside and apart and ends, f"inside {inside}, apart {apart}, ends {ends}")
        classes = plots.KINDS["links"].data(r)["classes"]
        traffic = {k.removeprefix("traffic_bytes_"): v for k, v in r.summary.items() if k.startswith("traffic_bytes_")}
        drawn = {k: v["bytes"] for k, v in classes.items() if v["bytes"] > 0}
        c.check("links: bytes per class = the summary's traffic_bytes_CLASS (the simulator's own classes)",
                drawn == traffic and len(drawn) >= 6, f"{drawn} vs {traffic}")


def check_latency(c, plots, sv: Path) -> None:
    with plots.open_result(sv) as r:
        lat = plots.KINDS["latency"].data(r)["metrics"]
        s = r.summary
        # workloads/serving/serving_summary.cpp computes the same percentiles in C++.
        keys = {"TTFT": "ttft", "TPOT": "tpot", "end-to-end latency": "e2e"}
        ok = all(close(lat[name]["percentiles"][p], s[f"{key}_p{p}_s"])
                 for name, key in keys.items() for p in (50, 90, 99))
        c.check("latency: p50/p90/p99 drawn = the summary's ttft/tpot/e2e percentiles", ok)
        c.check("latency: one TTFT sample per finished request", len(lat["TTFT"]["values"]) == s["requests_finished"])


def check_tables(c, plots, binary: str, tmp: Path) -> Path:
    sweep = tmp / "sweep"
    env = dict(os.environ, ORRERY=binary)
    subprocess.run([str(SCRIPTS / "sweep.sh"), str(SCENARIOS / "quickstart.yaml"), str(sweep),
                    "workload.schedule=gpipe,1f1b", "workload.micro_batches=4,8", "-j", "2"],
                   check=True, env=env, stderr=subprocess.DEVNULL)
    d = plots.sweep_data(sweep / "index.csv", "workload.micro_batches", "iteration_time_s", "workload.schedule")
    # GPipe's iteration with communication (scenarios/quickstart.yaml's header): (m + p - 1)(t_f + t_b)
    # + 2 (p - 1) c, c = 5 us + 32 MiB / 50 GB/s per hop, p = 4.
    hop = 5e-6 + 32 * MIB / (50 * GB)
    xs, ys = d["series"]["gpipe"]
    c.check("sweep: GPipe's points = (m + p - 1)(t_f + t_b) + 2 (p - 1) c",
            xs == [4.0, 8.0] and all(close(y, (m + 3) * 3e-3 + 6 * hop, abs_=1e-8) for m, y in zip(xs, ys)),
            f"{xs}, {ys}")
    c.check("sweep: one series per schedule, sorted by micro-batches",
            list(d["series"]) == ["gpipe", "1f1b"] and d["series"]["1f1b"][0] == [4.0, 8.0])
    s = plots.search_data(HERE / "plans_fixture.csv")
    # tests/scripts/plans_fixture.csv: ranks 1-4 ok (out of order, one extra column), 3 pruned, 1 failed.
    c.check("search: the ok plans in rank order, rank 1 first with its time and label",
            s["rank"] == [1, 2, 3, 4] and s["iteration_time_s"][0] == 12.25
            and s["label"][0] == "tp8 pp4 dp8 vpp2 mb1 interleaved_1f1b zero1 recompute selective", str(s["label"][:1]))
    # Reasons by class: orrery search's memory floor, the reader's key path, out of memory when run.
    c.check("search: the plans left out, by status and class of reason",
            s["left_out"] == {"pruned: memory floor over capacity": 2, "failed: out of memory": 1,
                              "pruned: workload.parallel.dp": 1}, str(s["left_out"]))
    return sweep / "index.csv"


def check_commands(c, files: dict[str, Path], index: Path, tmp: Path) -> None:
    out = tmp / "out"
    run = subprocess.run([sys.executable, str(SCRIPTS / "orrery_plot.py"), str(files["qs"]), "-o", str(out)],
                         capture_output=True, text=True)
    check_written(c, "orrery_plot.py quickstart (timeline, memory, bubbles, links, link_load)", run.returncode,
                  run.stdout, 10)
    check_written(c, "--only failures,goodput", *cli(files["tr"], "--only", "failures,goodput", "-o", out)[:2], 4)
    check_written(c, "--only latency", *cli(files["sv"], "--only", "latency", "-o", out)[:2], 2)
    check_written(c, "sweep", *cli("sweep", index, "--x", "workload.micro_batches", "--y", "iteration_time_s",
                                   "--hue", "workload.schedule", "-o", out)[:2], 2)
    check_written(c, "search", *cli("search", HERE / "plans_fixture.csv", "-o", out)[:2], 2)
    again = tmp / "again"
    cli(files["qs"], "--only", "timeline", "-o", again)
    same = all((again / n).read_bytes() == (out / n).read_bytes() for n in ("qs_timeline.png", "qs_timeline.svg"))
    c.check("the same result file gives the same PNG and SVG bytes", same)


def check_bad_inputs(c, files: dict[str, Path], index: Path, tmp: Path, binary: str) -> None:
    text = tmp / "notes.txt"
    text.write_text("not a result\n")
    bare = tmp / "bare.h5"
    import h5py

    with h5py.File(bare, "w") as f:
        f["x"] = 1
    spans_only = run_orrery(binary, "quickstart.yaml", tmp / "spans.h5", "--record-kinds", "spans")
    bad_plans = tmp / "plans_bad.csv"
    bad_plans.write_text("rank,status,iteration_time_s,memory_peak_bytes,tokens_per_s\n1,maybe,1,1,1\n")
    no_column = tmp / "plans_short.csv"
    no_column.write_text("rank,status,iteration_time_s\n1,ok,2\n")
    blocker = tmp / "a_file"
    blocker.write_text("")
    cases = [
        ("a text file", [text], [str(text), "not an orrery result file (not HDF5"]),
        ("an HDF5 file that is not a result", [bare], [str(bare), "no /meta/program_version"]),
        ("a missing file", [tmp / "nope.h5"], ["nope.h5: no such file"]),
        ("--only failures on a run without policies", [files["qs"], "--only", "timeline,failures"],
         [str(files["qs"]), "no /replicas"]),
        ("--only memory on a run recorded without counters", [spans_only, "--only", "memory"],
         [str(spans_only), "no /counters memory samples", "--record-kinds counters"]),
        ("an unknown --only kind", [files["qs"], "--only", "timeline,bogus"],
         ["unknown kind 'bogus'", "valid: timeline"]),
        ("an unknown --format", [files["qs"], "--format", "gif"], ["--format 'gif'", "png, svg"]),
        ("-o on an existing file", [files["qs"], "--only", "bubbles", "-o", blocker / "sub"],
         [str(blocker), "cannot write"]),
        ("sweep: a column the index lacks", ["sweep", index, "--x", "workload.micro_batches", "--y", "nosuch"],
         [f"{index}:1: no column 'nosuch'", "columns: workload.schedule"]),
        ("sweep: a list column as y", ["sweep", index, "--x", "workload.micro_batches", "--y", "bubble_s_per_stage"],
         [f"{index}:2: column 'bubble_s_per_stage'", "is not a number"]),
        ("search: a table without the plan columns", ["search", no_column],
         [f"{no_column}:1: no column 'memory_peak_bytes'"]),
        ("search: an unknown status", ["search", bad_plans], [f"{bad_plans}:2: column 'status': 'maybe'"]),
    ]
    for what, args, wanted in cases:
        out = tmp / f"bad-{len(list(tmp.glob('bad-*')))}"
        code, stdout, stderr = cli(*args, *([] if "-o" in args else ["-o", out]))
        left = sorted(p.name for p in out.iterdir()) if out.is_dir() else []
        c.check(f"bad input, {what}: exit 2, one message naming it, nothing written",
                code == 2 and all(w in stderr for w in wanted) and len(stderr.strip().splitlines()) == 1
                and not stdout and not left, f"exit {code}, stderr {stderr.strip()!r}, left {left}")
    run = subprocess.run([sys.executable, str(SCRIPTS / "orrery_plot.py"), str(text)], capture_output=True, text=True)
    c.check("bad input from the command line: exit 2, message on stderr",
            run.returncode == 2 and "not an orrery result file" in run.stderr, f"exit {run.returncode}: {run.stderr}")


def run_notebooks(c, binary: str) -> None:
    nbconvert = h5test.nbconvert_command()
    if nbconvert is None:
        c.skip("failures and sweeps notebooks", "nbconvert is not installed")
        return
    notebooks = ["failures.ipynb", "sweeps.ipynb"]
    with tempfile.TemporaryDirectory(prefix="orrery-test-plot-nb.") as tmp:
        env = dict(os.environ, ORRERY=binary, ORRERY_OUT=tmp, ORRERY_SAVE_FIG="1", MPLBACKEND="Agg")
        run = subprocess.run(nbconvert + ["--to", "notebook", "--execute", "--output-dir", tmp,
                                          "--ExecutePreprocessor.timeout=120", *notebooks],
                             cwd=SCRIPTS / "notebooks", env=env, capture_output=True, text=True, timeout=300)
        c.check("failures and sweeps notebooks run headless (nbconvert --execute)",
                run.returncode == 0 and all((Path(tmp) / n).is_file() for n in notebooks),
                f"exit {run.returncode}: {run.stderr.strip()[-2000:]}")
        saved = sorted(p.name for p in Path(tmp).glob("*.png"))
        want = ["transom_failures.png", "transom_goodput.png", "restart_goodput.png", "sweep_iteration_time_s.png"]
        c.check("the notebooks save their figures when ORRERY_SAVE_FIG is set",
                all(w in saved for w in want) and all(valid_figure(Path(tmp) / w) for w in want), f"saved {saved}")


def main() -> int:
    if len(sys.argv) not in (2, 3) or (len(sys.argv) == 3 and sys.argv[2] != "--notebooks"):
        print(f"usage: {sys.argv[0]} ORRERY_BINARY [--notebooks]", file=sys.stderr)
        return 2
    binary = str(Path(sys.argv[1]).resolve())
    h5test.ensure_h5py()
    try:
        import matplotlib  # noqa: F401
    except ImportError:
        print(f"skip: {sys.executable} has no matplotlib (apt-get install python3-matplotlib)")
        return 77
    sys.path.insert(0, str(SCRIPTS))
    import orrery_plots

    c = h5test.Checks()
    if len(sys.argv) == 3:
        run_notebooks(c, binary)
    else:
        with tempfile.TemporaryDirectory(prefix="orrery-test-plots.") as name:
            tmp = Path(name)
            files = {
                "qs": run_orrery(binary, "quickstart.yaml", tmp / "qs.h5", "--record-links", "1ms"),
                "gp": run_orrery(binary, "gpipe_training.yaml", tmp / "gp.h5"),
                "tr": run_orrery(binary, "transom_gpt3_175b.yaml", tmp / "tr.h5",
                                 "--set", "policies.horizon.replicas=3", "--record-devices", "0"),
                "sv": run_orrery(binary, "serving_trace.yaml", tmp / "sv.h5"),
            }
            check_training(c, orrery_plots, files["qs"], files["gp"])
            check_failures(c, orrery_plots, files["tr"])
            check_latency(c, orrery_plots, files["sv"])
            index = check_tables(c, orrery_plots, binary, tmp)
            check_commands(c, files, index, tmp)
            check_bad_inputs(c, files, index, tmp, binary)
    print(f"{c.passed} passed, {c.failed} failed, {c.skipped} skipped")
    return 1 if c.failed else 0


if __name__ == "__main__":
    sys.exit(main())
