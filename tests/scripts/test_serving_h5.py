#!/usr/bin/env python3
"""Check a serving run's result file against scripts/RESULTS_LAYOUT.md and its summary, by recounting.

    python3 tests/scripts/test_serving_h5.py ORRERY SCENARIO

Runs `ORRERY run SCENARIO -o TMP.h5 --json` and checks, from the tables alone: /requests and
/iterations have the layout's columns; every finished request's first token comes after its
arrival and its end after its first token; the summary's mean TTFT, throughput and token rates are
the tables' (recomputed here); each iteration's cache use stays within kv_blocks; and, in a run
without preemptions, the iterations computed exactly every prompt token and every output token but
the last of each request (Σ prefill_tokens = Σ prompt_tokens, Σ decode_tokens = Σ (output_tokens −
1)). Exits 1 on the first failed check. Needs numpy and h5py (Debian's /usr/bin/python3 has them).
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
        out = Path(tmp) / "serving.h5"
        run = subprocess.run([orrery, "run", scenario, "-o", str(out), "--json", "--quiet"],
                             capture_output=True, text=True, check=True)
        summary = json.loads(run.stdout)
        with h5py.File(out, "r") as f:
            requests = f["requests"][()]
            iterations = f["iterations"][()]

    def check(ok, what):
        if not ok:
            print(f"FAIL: {what}")
            sys.exit(1)

    check(set(requests.dtype.names) == {"arrival_s", "first_token_s", "finish_s", "prompt_tokens",
                                        "output_tokens", "preemptions", "replica", "priority", "rejected",
                                        "prefill_replica"}, f"/requests columns {requests.dtype.names}")
    check(set(iterations.dtype.names) == {"start_s", "end_s", "replica", "sequences", "prefill_tokens",
                                          "decode_tokens", "kv_blocks_used", "swapped_blocks"},
          f"/iterations columns {iterations.dtype.names}")
    check(len(requests) == summary["requests"], "one row per request")
    done = requests[requests["rejected"] == 0]
    check(len(done) == summary["requests_finished"], "finished requests")
    check(np.all(done["first_token_s"] >= done["arrival_s"]), "first token after arrival")
    check(np.all(done["finish_s"] >= done["first_token_s"]), "finish after first token")
    ttft = np.mean(done["first_token_s"] - done["arrival_s"])
    check(abs(ttft - summary["ttft_mean_s"]) <= 1e-9 * max(1.0, ttft), f"mean TTFT {ttft} vs {summary['ttft_mean_s']}")
    span = done["finish_s"].max() - requests["arrival_s"].min()
    check(abs(len(done) / span - summary["throughput_rps"]) <= 1e-9 * summary["throughput_rps"], "throughput_rps")
    check(abs(done["output_tokens"].sum() / span - summary["tokens_per_s"]) <= 1e-9 * summary["tokens_per_s"],
          "tokens_per_s")
    check(np.all(iterations["kv_blocks_used"] <= summary["kv_blocks"]), "cache use within kv_blocks")
    check(len(iterations) == summary["iterations"], "one row per iteration")
    check(np.all(iterations["end_s"] >= iterations["start_s"]), "iterations end after they start")
    if summary["preemptions"] == 0:
        check(iterations["prefill_tokens"].sum() == done["prompt_tokens"].sum(), "every prompt token prefilled once")
        check(iterations["decode_tokens"].sum() == (done["output_tokens"] - 1).sum(),
              "every output token but the last decoded once")
    print(f"ok: {len(requests)} requests, {len(iterations)} iterations")
    return 0


if __name__ == "__main__":
    sys.exit(main())
