#!/usr/bin/env python3
"""The same scenario and seed give byte-identical results (DESIGN.md).

Runs the scenario twice into a temporary folder and compares, byte for byte,
the raw contents of /events, /summary, /names, /links and /memory of the two
HDF5 files, and the two Perfetto traces. /meta/wall_s is the only value that
may differ (the simulator's own run time).

usage: test_determinism.py ORRERY_BINARY SCENARIO
"""
import os
import subprocess
import sys
import tempfile

try:
    import h5py
except ImportError:  # the first python3 on PATH may lack h5py; Debian's has it
    if os.path.exists("/usr/bin/python3") and sys.executable != "/usr/bin/python3":
        os.execv("/usr/bin/python3", ["/usr/bin/python3"] + sys.argv)
    raise


def raw(dataset):
    """The dataset's values, exactly: field names, types and every value (repr of
    a float is its shortest exact form; strings compare as text, not pointers)."""
    value = dataset[()]
    return repr((dataset.dtype.descr if dataset.dtype.names else str(dataset.dtype),
                 value.tolist() if hasattr(value, "tolist") else value))


def main():
    orrery, scenario = sys.argv[1], sys.argv[2]
    passed = failed = 0
    with tempfile.TemporaryDirectory() as tmp:
        runs = []
        for i in range(2):
            h5 = os.path.join(tmp, f"run{i}.h5")
            trace = os.path.join(tmp, f"run{i}.json")
            subprocess.run([orrery, "run", scenario, "-o", h5, "--trace", trace, "--json"], check=True,
                           stdout=subprocess.DEVNULL)
            runs.append((h5, trace))
        with h5py.File(runs[0][0], "r") as a, h5py.File(runs[1][0], "r") as b:
            for path in ["events", "names", "links", "memory"]:
                ok = raw(a[path]) == raw(b[path]) and len(a[path]) > 0
                passed, failed = passed + ok, failed + (not ok)
                if not ok:
                    print(f"FAIL /{path} differs between two runs (or is empty)")
            keys_a, keys_b = sorted(a["summary"].keys()), sorted(b["summary"].keys())
            ok = keys_a == keys_b and all(raw(a["summary"][k]) == raw(b["summary"][k]) for k in keys_a)
            passed, failed = passed + ok, failed + (not ok)
            if not ok:
                print("FAIL /summary differs between two runs")
            ok = a["meta/scenario"][()] == b["meta/scenario"][()]
            passed, failed = passed + ok, failed + (not ok)
        with open(runs[0][1], "rb") as fa, open(runs[1][1], "rb") as fb:
            ok = fa.read() == fb.read()
            passed, failed = passed + ok, failed + (not ok)
            if not ok:
                print("FAIL the Perfetto traces differ")
    print(f"{passed} passed, {failed} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
