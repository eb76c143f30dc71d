"""The calibration tables predict their own rows: `orrery cost H200-SXM-141GB --leave-one-out
--json` predicts each measured row from the rest of its family (models/calibration/README.md,
"Leave-one-out"). Each family's median |error| must stay within its bound: the figure this tree
measures (README's table) rounded up, a guard against regressions in the interpolation
(models/compute/log_grid.hpp), not the fidelity issue's 5% target, which several families miss.

usage: test_leave_one_out.py ORRERY_BINARY
"""
import json
import subprocess
import sys

# Median |predicted / measured - 1| per family, from the README's table, rounded up.
BOUNDS = {
    "gemm bf16": 0.04,
    "gemm fp16": 0.05,
    "gemm fp8": 0.08,
    "attention forward": 0.03,
    "attention backward": 0.04,
    "layer": 0.04,
    "hashgrid": 0.05,
    "mlp": 0.03,
    "spmm": 0.04,
}


def main() -> int:
    out = subprocess.run([sys.argv[1], "cost", "H200-SXM-141GB", "--leave-one-out", "--json"], check=True,
                         capture_output=True, text=True).stdout
    families = {f["family"]: f for f in json.loads(out)["families"]}
    failed = 0
    for name, bound in BOUNDS.items():
        f = families.get(name)
        if f is None or f["rows"] == 0:
            print(f"FAIL {name}: no rows checked")
            failed += 1
        elif f["median"] > bound:
            print(f"FAIL {name}: median error {f['median']:.4f} over its bound {bound} ({f['rows']} rows)")
            failed += 1
        else:
            print(f"ok   {name}: median error {f['median']:.4f} <= {bound} ({f['rows']} rows)")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
