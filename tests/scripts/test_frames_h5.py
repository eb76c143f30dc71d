#!/usr/bin/env python3
"""Check a neural_graphics run's result file against scripts/RESULTS_LAYOUT.md and its summary.

    python3 tests/scripts/test_frames_h5.py ORRERY SCENARIO

Runs `ORRERY run SCENARIO -o TMP.h5 --json` and checks, from /frames alone: the layout's columns;
one row per frame; each frame released at f / frame_rate (or at zero), its tiles done after its
release and the frame after its tiles; latency = end - release; the summary's mean, p50, p95 and
max latency and its fps ((frames - 1) / (last end - first end)) recomputed here (numpy's default
percentiles); composite_s the mean of end - tiles done. Exits 1 on the first failed check. Needs
numpy and h5py (Debian's /usr/bin/python3 has them).
"""

import json
import subprocess
import sys
import tempfile
from pathlib import Path


def main() -> int:
    try:
        import h5py
        import numpy as np
    except ImportError:
        if sys.executable != "/usr/bin/python3" and Path("/usr/bin/python3").exists():
            return subprocess.call(["/usr/bin/python3", __file__, *sys.argv[1:]])
        print("skipped: no h5py and numpy")
        return 0
    orrery, scenario = sys.argv[1], sys.argv[2]
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "frames.h5"
        run = subprocess.run([orrery, "run", scenario, "-o", str(out), "--json", "--quiet"],
                             capture_output=True, text=True, check=True)
        summary = json.loads(run.stdout)
        with h5py.File(out, "r") as f:
            frames = f["frames"][()]

    def check(ok, what):
        if not ok:
            print(f"FAIL: {what}")
            sys.exit(1)

    def near(a, b, what):
        check(abs(a - b) <= 1e-9 * max(1.0, abs(b)), f"{what}: {a} vs {b}")

    check(set(frames.dtype.names) == {"release_s", "tiles_done_s", "end_s", "latency_s"},
          f"/frames columns {frames.dtype.names}")
    n = len(frames)
    check(n == summary["frames"], "one row per frame")
    rate = summary["target_fps"]
    expected_release = np.arange(n) / rate if rate > 0 else np.zeros(n)
    check(np.allclose(frames["release_s"], expected_release, rtol=0, atol=1e-9), "released at f / frame_rate")
    check(np.all(frames["tiles_done_s"] >= frames["release_s"]), "tiles after the release")
    check(np.all(frames["end_s"] >= frames["tiles_done_s"]), "frame after its tiles")
    latency = frames["end_s"] - frames["release_s"]
    check(np.allclose(latency, frames["latency_s"], rtol=0, atol=1e-9), "latency = end - release")
    near(latency.mean(), summary["frame_latency_mean_s"], "mean latency")
    near(np.percentile(latency, 50), summary["frame_latency_p50_s"], "p50 latency")
    near(np.percentile(latency, 95), summary["frame_latency_p95_s"], "p95 latency")
    near(latency.max(), summary["frame_latency_max_s"], "max latency")
    if n > 1:
        near((n - 1) / (frames["end_s"][-1] - frames["end_s"][0]), summary["fps"], "fps")
    near((frames["end_s"] - frames["tiles_done_s"]).mean(), summary["composite_s"], "composite_s")
    print(f"ok: {n} frames")
    return 0


if __name__ == "__main__":
    sys.exit(main())
