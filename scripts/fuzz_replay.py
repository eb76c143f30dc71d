#!/usr/bin/env python3
"""Mutated scenarios through the real program (issue 16's acceptance test).

Copies scenarios/ (with the files its scenarios name) to a temporary folder,
writes COUNT mutants of the shipped scenarios there (1 to 3 mutations each,
from a seeded random stream: numbers replaced by extremes, quantities by bad
ones, lines deleted, duplicated or re-indented, words misspelt, YAML aliases
added), and runs each with `orrery run MUTANT -o OUT/r.h5 --record-devices
representative` under a time and an address-space limit. A mutant fails the replay when

  * the program dies of a signal, or exits with a status other than 0, 1 or 2;
  * it runs past --timeout seconds, or past what it asks for where that is
    more: its own event estimate (the `limits.events` check's, read from
    `--max-events 1`) at 10^6 events a second, or three times its unmutated
    source's time measured in the same run;
  * it exits non-zero and leaves anything in OUT, or exits 0 without the
    output or with a temporary beside it;
  * it exits 1 or 2 with no message on stderr.

With --corpus DIR the inputs are instead the scenario-reader entries of a
libFuzzer corpus (scripts/fuzz.sh leaves one in build/fuzz/corpus): the first
byte picks the reader (0 or 1 mod 4: the scenario reader), the rest is the
YAML and, after a line "--set", one key.path=value per line, given as --set.

Failing mutants are kept in --keep (default fuzz-replay-failures/) with the
program's stderr. Exits 0 when every mutant passed.

  scripts/fuzz_replay.py ORRERY [--count N] [--seed S] [--timeout SEC]
                          [--memory-gb G] [--jobs J] [--keep DIR] [--corpus DIR]
"""
import argparse
import concurrent.futures
import os
import random
import re
import resource
import shutil
import signal
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

EXTREME_NUMBERS = ["0", "-1", "1", "2", "3", "7", "64", "1000000", "1000000000", "2147483648",
                   "9223372036854775807", "1e308", "1.5", "-0.5", "nan", ".inf", "1e-300", "0x10"]
BAD_QUANTITIES = ['"0 GB/s"', '"1e308 TB/s"', '"-1 s"', '"5 parsecs"', '""', '"1 ns"', '"1e30 GiB"',
                  '"nan ms"', '"3 Gbps"', '"0 B"', '"100 d"']
WORDS = ["all", "auto", "none", "ring", "flow", "analytic", "1f1b", "zb_v", "zb_h2", "interleaved_1f1b",
         "spread", "consecutive", "fat_tree", "torus", "hammingmesh", "single", "nvswitch", "full",
         "selective", "cpu", "megatron", "eager", "true", "false", "null", "~", "[]", "{}"]
ALIASES = ["zz_anchor: &zz [1, 2, 3]\nzz_use: *zz\n",
           "zz_loop: &L\n  a: 1\n  b: *L\n",
           "".join(f"zz{i}: &zz{i} [{', '.join([f'*zz{i - 1}'] * 9) if i else 'x, x, x, x, x, x, x, x, x'}]\n"
                   for i in range(9))]


def content_lines(lines):
    return [i for i, l in enumerate(lines) if l.strip() and not l.lstrip().startswith("#")]


def mutate(text, rng):
    lines = text.split("\n")
    # Values more often than structure: a mutant the reader refuses at once
    # tests less than one that runs.
    kind = rng.choices(range(8), weights=[6, 3, 1, 1, 1, 3, 1, 1])[0]
    body = content_lines(lines)
    if not body:
        return text + "\n" + rng.choice(ALIASES)
    i = rng.choice(body)
    line = lines[i]
    if kind == 0:  # a number replaced by an extreme
        nums = list(re.finditer(r"(?<![\w.\"])-?\d+(\.\d+)?(e[+-]?\d+)?(?![\w.\"])", line))
        if nums:
            m = rng.choice(nums)
            lines[i] = line[:m.start()] + rng.choice(EXTREME_NUMBERS) + line[m.end():]
    elif kind == 1:  # a quantity replaced by a bad one
        qs = list(re.finditer(r'"[^"]*"', line))
        if qs:
            m = rng.choice(qs)
            lines[i] = line[:m.start()] + rng.choice(BAD_QUANTITIES) + line[m.end():]
    elif kind == 2:  # a line deleted
        del lines[i]
    elif kind == 3:  # a line duplicated (a duplicate key, or a list entry twice)
        lines.insert(i, line)
    elif kind == 4:  # re-indented
        lines[i] = ("  " + line) if rng.random() < 0.5 else line[2:] if line.startswith("  ") else line
    elif kind == 5:  # a word value replaced
        ws = list(re.finditer(r"(?<=: )[A-Za-z_][\w-]*", line))
        if ws:
            m = rng.choice(ws)
            lines[i] = line[:m.start()] + rng.choice(WORDS) + line[m.end():]
    elif kind == 6:  # a character dropped (typos in keys and values)
        if len(line) > 1:
            k = rng.randrange(len(line))
            lines[i] = line[:k] + line[k + 1:]
    else:  # aliases appended
        return "\n".join(lines) + "\n" + rng.choice(ALIASES)
    return "\n".join(lines)


def limits(memory_gb):
    def apply():
        b = int(memory_gb * (1 << 30))
        resource.setrlimit(resource.RLIMIT_AS, (b, b))
        os.setsid()
    return apply


def sets_of(path):
    """The --set lines stored beside a corpus entry (PATH.sets), as arguments."""
    try:
        with open(path + ".sets", encoding="utf-8", errors="replace") as f:
            lines = [l for l in f.read().split("\n") if "=" in l and "\x00" not in l]  # argv holds no NUL
    except FileNotFoundError:
        return []
    return [arg for l in lines for arg in ("--set", l)]


def run_one(orrery, path, out_dir, timeout, memory_gb):
    shutil.rmtree(out_dir, ignore_errors=True)
    os.makedirs(out_dir)
    # One data-parallel replica's timeline: the output path's handling is the
    # same, and the 16,384-GPU study writes 2·10^6 spans instead of 2.5·10^8.
    cmd = [orrery, "run", path, "-o", os.path.join(out_dir, "r.h5"), "--record-devices", "representative", "--quiet",
           "--json"] + sets_of(path)
    t0 = time.monotonic()
    p = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, preexec_fn=limits(memory_gb))
    try:
        _, err = p.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        os.killpg(p.pid, signal.SIGKILL)
        p.communicate()
        return "timeout", f"ran past {timeout} s", b""
    wall = time.monotonic() - t0
    rc = p.returncode
    left = sorted(os.listdir(out_dir))
    if rc < 0:
        return "signal", f"killed by signal {-rc}", err
    if rc not in (0, 1, 2):
        return "status", f"exit status {rc}", err
    if rc != 0 and left:
        return "leftover", f"exit {rc} left {left}", err
    if rc == 0 and left != ["r.h5"]:
        return "outputs", f"exit 0 with {left}", err
    if rc != 0 and not err.strip():
        return "silent", f"exit {rc} without a message", err
    return f"exit{rc}", f"{wall:.2f} s", err


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("orrery")
    ap.add_argument("--count", type=int, default=200)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--timeout", type=float, default=20)
    ap.add_argument("--memory-gb", type=float, default=8)
    ap.add_argument("--jobs", type=int, default=2)
    ap.add_argument("--keep", default="fuzz-replay-failures")
    ap.add_argument("--corpus", help="replay a libFuzzer corpus's scenario entries instead of mutating")
    a = ap.parse_args()
    orrery = os.path.abspath(a.orrery)
    rng = random.Random(a.seed)
    work = tempfile.mkdtemp(prefix="orrery-replay-")
    try:
        scen = os.path.join(work, "scenarios")
        shutil.copytree(os.path.join(ROOT, "scenarios"), scen)
        sources = sorted(f for f in os.listdir(scen) if f.endswith(".yaml"))
        jobs = []
        corpus = sorted(os.listdir(a.corpus)) if a.corpus else []
        for i, entry in enumerate(corpus):
            with open(os.path.join(a.corpus, entry), "rb") as f:
                data = f.read()
            if not data or data[0] % 4 > 1:
                continue  # another reader's input (CSV)
            text, _, sets = data[1:].partition(b"\n--set\n")
            path = os.path.join(scen, f"zz_corpus_{i:05d}.yaml")
            with open(path, "wb") as f:
                f.write(text)
            if sets:
                with open(path + ".sets", "wb") as f:
                    f.write(sets)
            jobs.append((i, entry, path, os.path.join(work, f"out{i:05d}")))
        for i in range(0 if a.corpus else a.count):
            name = rng.choice(sources)
            with open(os.path.join(scen, name), encoding="utf-8") as f:
                text = f.read()
            for _ in range(rng.randint(1, 3)):
                text = mutate(text, rng)
            path = os.path.join(scen, f"zz_mutant_{i:05d}_{name}")
            with open(path, "w", encoding="utf-8") as f:
                f.write(text)
            jobs.append((i, name, path, os.path.join(work, f"out{i:05d}")))
        counts, failures = {}, []
        baselines = {}  # source name -> its own wall time, measured when a mutant of it runs past the timeout

        def replay(i, name, path, out):
            verdict, detail, err = run_one(orrery, path, out, a.timeout, a.memory_gb)
            if verdict != "timeout":
                return verdict, detail, err
            # What the mutant asks for: the events the program estimates for it.
            probe = subprocess.run([orrery, "run", path, "--max-events", "1", "--quiet"], capture_output=True,
                                   text=True, timeout=30 * a.timeout)
            m = re.search(r"take about ([0-9.e+]+) events", probe.stderr)
            if m and float(m.group(1)) / 1e6 > a.timeout:
                allowed = float(m.group(1)) / 1e6
                verdict, detail, err = run_one(orrery, path, out, allowed, a.memory_gb)
                if verdict == "timeout":
                    detail = f"ran past {allowed:.0f} s, its {m.group(1)} estimated events at 1e6 a second"
                if verdict != "timeout":
                    return verdict, detail + f" (within its {m.group(1)} estimated events)", err
                return verdict, detail, err
            if name not in baselines:
                t0 = time.monotonic()
                v, _, _ = run_one(orrery, os.path.join(scen, name), out, 30 * a.timeout, a.memory_gb)
                baselines[name] = time.monotonic() - t0 if v == "exit0" else None
            base = baselines[name]
            if base is None or base <= a.timeout:
                return verdict, detail, err
            verdict, detail, err = run_one(orrery, path, out, 3 * base, a.memory_gb)
            if verdict == "timeout":
                detail = f"ran past 3 × its source's {base:.1f} s"
            return verdict, detail, err

        with concurrent.futures.ThreadPoolExecutor(max_workers=a.jobs) as pool:
            futures = {pool.submit(replay, i, n, p, o): (i, n, p) for i, n, p, o in jobs}
            for fut in concurrent.futures.as_completed(futures):
                i, name, path = futures[fut]
                verdict, detail, err = fut.result()
                counts[verdict] = counts.get(verdict, 0) + 1
                if not verdict.startswith("exit"):
                    failures.append((i, name, path, verdict, detail, err))
        what = (f"{len(jobs)} scenario entries of the corpus {a.corpus}" if a.corpus else
                f"{a.count} mutants of {len(sources)} scenarios (seed {a.seed})")
        print("fuzz_replay: {}: {}".format(what, ", ".join(f"{k} {v}" for k, v in sorted(counts.items()))))
        if failures:
            os.makedirs(a.keep, exist_ok=True)
            for i, name, path, verdict, detail, err in sorted(failures):
                kept = os.path.join(a.keep, os.path.basename(path))
                shutil.copy(path, kept)
                with open(kept + ".stderr", "wb") as f:
                    f.write(err)
                print(f"FAIL mutant {i} of {name}: {verdict}: {detail} (kept as {kept})")
            return 1
        return 0
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
