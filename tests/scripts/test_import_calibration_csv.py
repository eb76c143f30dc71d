#!/usr/bin/env python3
"""scripts/import_calibration_csv.py: the shipped H200 measured table regenerates from itself
(importing again replaces the earlier import), and bad CSV rows give a located error, exit 2
and no output file. The rows' numbers against the CSVs are checked in C++
(tests/models/calibration/calibration_import_test.cpp), through the table loader.
Usage: test_import_calibration_csv.py SOURCE_DIR"""
import os
import subprocess
import sys
import tempfile

root = sys.argv[1]
script = os.path.join(root, "scripts", "import_calibration_csv.py")
imports = os.path.join(root, "models", "calibration", "imports")
table = os.path.join(root, "models", "calibration", "tables", "H200-SXM-141GB.measured.yaml")
# The provenance the shipped table was imported with (models/calibration/imports/README.md).
ORIGIN = ["--framework", "PyTorch 2.11", "--origin",
          "NVIDIA H200 SXM 141GB, driver 580.159, CUDA 13.0, SM 1980 MHz; 2026-12-04"]
failures = []


def run(args):
    return subprocess.run([sys.executable, script] + args, capture_output=True, text=True)


def csv_args(sdpa=None, layer=None, gemm=None):
    return ["--sdpa", sdpa or os.path.join(imports, "h200-attention-sdpa.csv"),
            "--layer", layer or os.path.join(imports, "h200-layer-kernels.csv"),
            "--fp8-gemm", gemm or os.path.join(imports, "h200-fp8-gemm.csv")]


def expect(name, ok, detail=""):
    if not ok:
        failures.append(name)
        print("FAIL %s %s" % (name, detail))


with tempfile.TemporaryDirectory() as tmp:
    out = os.path.join(tmp, "regen.yaml")
    r = run(["--base", table, "--out", out] + csv_args() + ORIGIN)
    expect("regenerates", r.returncode == 0 and open(out).read() == open(table).read(), r.stderr)

    def bad(name, file_name, text, want, **which):
        path = os.path.join(tmp, file_name)
        with open(path, "w") as f:
            f.write(text)
        target = os.path.join(tmp, "bad.yaml")
        r = run(["--base", table, "--out", target] + csv_args(**{k: path for k in which}) + ORIGIN)
        expect(name, r.returncode == 2 and want in r.stderr and not os.path.exists(target)
               and not os.path.exists(target + ".tmp"), "status %d, stderr %s" % (r.returncode, r.stderr))

    # Columns counted by hand: "add,8192," puts the width at column 10.
    bad("bad_number", "l.csv", "kernel,tokens,hidden_or_vocab,fwd_s,fwd_bwd_s\nadd,8192,x,1e-05,\n",
        "l.csv:2:10: error: hidden_or_vocab: cannot read 'x' as an integer", layer=True)
    bad("unknown_kernel", "l.csv", "kernel,tokens,hidden_or_vocab,fwd_s,fwd_bwd_s\nrelu,8192,1024,1e-05,\n",
        "l.csv:2:1: error: kernel: unknown kernel 'relu'", layer=True)
    bad("backward_not_longer", "l.csv", "kernel,tokens,hidden_or_vocab,fwd_s,fwd_bwd_s\nadd,8,8,2e-05,1e-05\n",
        "l.csv:2:15: error: fwd_bwd_s: forward + backward (1e-05 s) must exceed the forward (2e-05 s)", layer=True)
    bad("header", "g.csv", "m,n,k,seconds\n", "g.csv:1:1: error: header: expected columns m,n,k,time_s,tflops",
        gemm=True)
    bad("short_row", "s.csv", ",".join(["dtype", "batch", "heads", "kv_heads", "seq", "head_dim", "causal",
                                        "flash_fwd_s", "flash_fwd_bwd_s", "cudnn_fwd_s", "cudnn_fwd_bwd_s"])
        + "\nbf16,1,2\n", "s.csv:2:1: error: row: expected 11 cells, found 3", sdpa=True)

print("import_calibration_csv: %d failed" % len(failures))
sys.exit(1 if failures else 0)
