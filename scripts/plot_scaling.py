#!/usr/bin/env python3
"""Plot scripts/scaling_study.sh's table: wall time and peak memory against GPUs, per network
model, with ASTRA-sim's published point for reference, as PNG and SVG, and print the table as
Markdown.

    scripts/plot_scaling.py SCALING.csv OUTPUT_STEM

Reference: ASTRA-sim's analytical backend took 490 s and 5.35 GB for one GPT-3-175B-shaped
iteration on 1,024 GPUs (plus 499 s to generate its traces), as measured when issue 14 was filed;
it is drawn as one marker on each panel.
"""
import csv
import sys

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

ASTRA_SIM = {"gpus": 1024, "wall_s": 490.0, "peak_mib": 5.35e9 / 2**20}


def main() -> int:
    if len(sys.argv) != 3:
        print(__doc__, file=sys.stderr)
        return 2
    rows = list(csv.DictReader(open(sys.argv[1], newline="")))
    stem = sys.argv[2]
    fig, (t_ax, m_ax) = plt.subplots(1, 2, figsize=(11, 4.2))
    for net, marker in (("analytic", "o"), ("flow", "s")):
        ok = [r for r in rows if r["network"] == net and r["status"] == "ok"]
        if not ok:
            continue
        gpus = [int(r["gpus"]) for r in ok]
        t_ax.plot(gpus, [float(r["wall_s"]) for r in ok], marker=marker, label=f"orrery, {net}")
        m_ax.plot(gpus, [float(r["peak_rss_mib"]) for r in ok], marker=marker, label=f"orrery, {net}")
    t_ax.plot([ASTRA_SIM["gpus"]], [ASTRA_SIM["wall_s"]], "k*", markersize=12, label="ASTRA-sim analytical (GPT-3 175B)")
    m_ax.plot([ASTRA_SIM["gpus"]], [ASTRA_SIM["peak_mib"]], "k*", markersize=12, label="ASTRA-sim analytical (GPT-3 175B)")
    for ax, label in ((t_ax, "wall time per iteration (s)"), (m_ax, "peak resident memory (MiB)")):
        ax.set_xscale("log", base=2)
        ax.set_yscale("log")
        ax.set_xlabel("GPUs")
        ax.set_ylabel(label)
        ax.grid(True, which="both", alpha=0.3)
        ax.legend(fontsize=8)
    fig.suptitle("One Llama 3 405B training iteration (tp 8, pp 8), H100 nodes, 3-level fat tree")
    fig.tight_layout()
    fig.savefig(stem + ".png", dpi=120)
    fig.savefig(stem + ".svg")
    print("| network | GPUs | wall (s) | peak RSS (MiB) | events | iteration (s) | status |")
    print("|---|---:|---:|---:|---:|---:|---|")
    for r in rows:
        iteration = f"{float(r['iteration_s']):.2f}" if r['iteration_s'] else ""
        print(f"| {r['network']} | {int(r['gpus']):,} | {r['wall_s']} | {r['peak_rss_mib']} | {r['events']} | {iteration} | {r['status']} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
