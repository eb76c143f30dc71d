#!/usr/bin/env python3
"""Import kernel times measured outside orrery-calibrate into an orrery-calibration/1 table.

Reads the CSVs a framework benchmark wrote (models/calibration/README.md, "Rows measured
elsewhere") and adds their rows, each with a `source` naming the framework, the backend, the
GPU, its clocks, the date and the CSV, to a measured table (--base) that orrery-calibrate wrote:

  sdpa      dtype,batch,heads,kv_heads,seq,head_dim,causal,flash_fwd_s,flash_fwd_bwd_s,cudnn_fwd_s,cudnn_fwd_bwd_s
            -> attention rows, backend flash2 and cudnn, pass forward and backward (= fwd_bwd - fwd)
  layer     kernel,tokens,hidden_or_vocab,fwd_s,fwd_bwd_s
            -> layer rows, forward and (when fwd_bwd_s is given) backward
  fp8-gemm  m,n,k,time_s,tflops  -> gemm rows, dtype fp8

Rows of the base whose source names one of the CSVs being imported are dropped first, so
importing again replaces the earlier import (and the shipped table regenerates from itself).
Python 3 standard library only. Bad input: `file:line:col: error: key: message` on stderr,
exit 2, nothing written.
"""
import argparse
import csv
import io
import os
import sys

SECTIONS = ["gemm", "memory", "attention", "hashgrid", "mlp", "spmm", "layer", "skipped"]
SDPA_COLUMNS = ["dtype", "batch", "heads", "kv_heads", "seq", "head_dim", "causal",
                "flash_fwd_s", "flash_fwd_bwd_s", "cudnn_fwd_s", "cudnn_fwd_bwd_s"]
LAYER_COLUMNS = ["kernel", "tokens", "hidden_or_vocab", "fwd_s", "fwd_bwd_s"]
GEMM_COLUMNS = ["m", "n", "k", "time_s", "tflops"]
# CSV kernel name -> (table kernel, dtype, width as a multiple of the CSV's hidden_or_vocab)
LAYER_KERNELS = {
    "layernorm": ("layernorm", "bf16", 1),
    "gelu_tanh_on_4h": ("gelu_tanh", "bf16", 4),  # the MLP activation on tokens x 4h
    "add": ("add", "bf16", 1),
    "cross_entropy_fp32_logits": ("cross_entropy", "fp32", 1),  # width = vocabulary
}
SDPA_BACKENDS = [("flash2", "FlashAttention-2", "flash"), ("cudnn", "cuDNN", "cudnn")]


class InputError(Exception):
    pass


def format_time(seconds):
    """As orrery-calibrate writes times: six significant digits, the unit that puts them in [1, 1000)."""
    for unit, scale in (("ns", 1e9), ("us", 1e6), ("ms", 1e3)):
        text = "%.6g" % (seconds * scale)
        if float(text) < 1000.0:
            return '"%s %s"' % (text, unit)
    return '"%.6g s"' % seconds


def quoted(text):
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


class CsvFile:
    """A CSV whose cells know their line and column, for located errors."""

    def __init__(self, path, columns):
        self.path = path
        self.name = os.path.basename(path)
        with open(path, newline="") as f:
            self.lines = f.read().splitlines()
        if not self.lines or next(csv.reader([self.lines[0]])) != columns:
            raise InputError("%s:1:1: error: header: expected columns %s" % (path, ",".join(columns)))
        self.columns = columns

    def rows(self):
        for number, line in enumerate(self.lines[1:], start=2):
            if not line.strip():
                continue
            cells = next(csv.reader([line]))
            if len(cells) != len(self.columns):
                raise InputError("%s:%d:1: error: row: expected %d cells, found %d"
                                 % (self.path, number, len(self.columns), len(cells)))
            starts, col = [], 1
            for cell in cells:
                starts.append(col)
                col += len(cell) + 1
            yield Cells(self, number, dict(zip(self.columns, zip(cells, starts))))


class Cells:
    def __init__(self, table, line, cells):
        self.table, self.line, self.cells = table, line, cells

    def fail(self, key, message):
        raise InputError("%s:%d:%d: error: %s: %s" % (self.table.path, self.line, self.cells[key][1], key, message))

    def text(self, key):
        return self.cells[key][0]

    def count(self, key):
        try:
            value = int(self.text(key))
        except ValueError:
            self.fail(key, "cannot read '%s' as an integer" % self.text(key))
        if value < 1:
            self.fail(key, "must be at least 1")
        return value

    def seconds(self, key):
        try:
            value = float(self.text(key))
        except ValueError:
            self.fail(key, "cannot read '%s' as seconds" % self.text(key))
        if not value > 0:
            self.fail(key, "must be positive")
        return value

    def backward(self, fwd_key, fwd_bwd_key):
        """fwd_bwd - fwd: the backward kernels alone."""
        fwd, both = self.seconds(fwd_key), self.seconds(fwd_bwd_key)
        if both <= fwd:
            self.fail(fwd_bwd_key, "forward + backward (%s s) must exceed the forward (%s s)"
                      % (self.text(fwd_bwd_key), self.text(fwd_key)))
        return both - fwd


def row(fields, seconds, source, comment=None):
    text = "  - { " + ", ".join("%s: %s" % kv for kv in fields) + ", time: %s, source: %s }" % (
        format_time(seconds), quoted(source))
    return text + ("  # " + comment if comment else "")


def sdpa_rows(path, origin):
    out = []
    for c in CsvFile(path, SDPA_COLUMNS).rows():
        if c.text("dtype") not in ("bf16", "fp16"):
            c.fail("dtype", "expected bf16 or fp16, got '%s'" % c.text("dtype"))
        if c.text("causal") not in ("true", "false"):
            c.fail("causal", "expected true or false, got '%s'" % c.text("causal"))
        keys = [(k, c.text(k) if k in ("dtype", "causal") else c.count(k))
                for k in ("dtype", "batch", "heads", "kv_heads", "seq", "head_dim", "causal")]
        for backend, label, prefix in SDPA_BACKENDS:
            source = "%s scaled_dot_product_attention, %s backend; %s; %s" % (origin[0], label, origin[1], c.table.name)
            fwd = c.seconds(prefix + "_fwd_s")
            bwd = c.backward(prefix + "_fwd_s", prefix + "_fwd_bwd_s")
            out.append(row(keys + [("pass", "forward"), ("backend", backend)], fwd, source))
            out.append(row(keys + [("pass", "backward"), ("backend", backend)], bwd, source + " (fwd_bwd - fwd)"))
    return out


def layer_rows(path, origin):
    out = []
    for c in CsvFile(path, LAYER_COLUMNS).rows():
        if c.text("kernel") not in LAYER_KERNELS:
            c.fail("kernel", "unknown kernel '%s'; valid: %s" % (c.text("kernel"), ", ".join(LAYER_KERNELS)))
        kernel, dtype, widen = LAYER_KERNELS[c.text("kernel")]
        source = "%s eager %s; %s; %s" % (origin[0], c.text("kernel"), origin[1], c.table.name)
        keys = [("kernel", kernel)]
        shape = [("dtype", dtype), ("tokens", c.count("tokens")), ("width", widen * c.count("hidden_or_vocab"))]
        out.append(row(keys + [("pass", "forward")] + shape, c.seconds("fwd_s"), source))
        if c.text("fwd_bwd_s"):
            out.append(row(keys + [("pass", "backward")] + shape, c.backward("fwd_s", "fwd_bwd_s"),
                           source + " (fwd_bwd - fwd)"))
    return out


def gemm_rows(path, origin):
    out = []
    for c in CsvFile(path, GEMM_COLUMNS).rows():
        source = "%s torch._scaled_mm (cuBLASLt, e4m3 x e4m3 -> bf16, fast accumulation); %s; %s" % (
            origin[0], origin[1], c.table.name)
        keys = [("dtype", "fp8"), ("m", c.count("m")), ("n", c.count("n")), ("k", c.count("k")), ("batch", 1)]
        out.append(row(keys, c.seconds("time_s"), source))
    return out


def split_base(path, drop, imported_names):
    """The base table as (header lines, {section: lines}), less dropped sections and earlier imports."""
    header, sections, current = [], {}, None
    with open(path) as f:
        lines = f.read().splitlines()
    for number, line in enumerate(lines, start=1):
        name = line.split(":", 1)[0]
        if not line.startswith((" ", "#")) and name in SECTIONS:
            current = name
            sections.setdefault(name, [])
            if line.split(":", 1)[1].split("#")[0].strip() not in ("", "[]"):
                raise InputError("%s:%d:%d: error: %s: expected one row per line below the key"
                                 % (path, number, len(name) + 3, name))
        elif current is None:
            if not line.startswith("#"):  # leading comments describe the base alone; the import writes its own
                header.append(line)
        elif any(n in line for n in imported_names) and line.lstrip().startswith("- "):
            continue
        else:
            sections[current].append(line)
    for name in drop:
        sections.pop(name, None)
    return header, sections


def main(argv):
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--base", required=True, help="measured table to add the rows to")
    p.add_argument("--out", required=True, help="table to write (may be --base)")
    p.add_argument("--drop", action="append", default=[], choices=SECTIONS, help="section of the base to leave out")
    p.add_argument("--sdpa", help="attention CSV (both backends)")
    p.add_argument("--layer", help="layer-kernel CSV")
    p.add_argument("--fp8-gemm", help="fp8 GEMM CSV")
    p.add_argument("--framework", required=True, help='what ran the kernels, e.g. "PyTorch 2.11"')
    p.add_argument("--origin", required=True, help='GPU, driver, CUDA, clocks and date, e.g. "NVIDIA H200 SXM, ..."')
    a = p.parse_args(argv)
    origin = (a.framework, a.origin)
    inputs = [(path, fn, section) for path, fn, section in
              ((a.sdpa, sdpa_rows, "attention"), (a.layer, layer_rows, "layer"), (a.fp8_gemm, gemm_rows, "gemm"))
              if path]
    try:
        header, sections = split_base(a.base, a.drop, [os.path.basename(i[0]) for i in inputs])
        for path, fn, section in inputs:
            sections.setdefault(section, []).extend(fn(path, origin))
    except (InputError, OSError) as e:
        print("import_calibration_csv: %s" % e, file=sys.stderr)
        return 2
    out = io.StringIO()
    out.write("# Rows with a `source` were measured outside orrery-calibrate and imported by\n"
              "# scripts/import_calibration_csv.py from %s;\n"
              "# the others are orrery-calibrate's (see provenance).\n"
              % ", ".join(os.path.basename(i[0]) for i in inputs))
    out.write("\n".join(header) + "\n")
    for name in SECTIONS:
        if name in sections:
            rows = sections[name]
            empty = not any(r.lstrip().startswith("- ") for r in rows)
            out.write("%s:%s\n" % (name, " []" if empty else ""))
            out.write("".join(r + "\n" for r in rows))
    tmp = a.out + ".tmp"
    with open(tmp, "w") as f:
        f.write(out.getvalue())
    os.replace(tmp, a.out)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
