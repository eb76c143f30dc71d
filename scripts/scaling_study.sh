#!/usr/bin/env bash
# How orrery's cost grows with the cluster: one training iteration of Llama 3 405B (tp 8, pp 8,
# sequence parallel, 16 micro-batches of one sequence per data-parallel replica, dp = GPUs / 64)
# on H100 nodes of 8 GPUs and 8 NICs under a 3-level fat tree of radix 128, from 64 to 131,072
# GPUs, with the analytic and the flow network. Each point is run one at a time (so that the
# points do not share the cores) under /usr/bin/time; a point that passes the time limit is
# recorded as such and the larger points of that network model are skipped. limits.events is
# lifted (--max-events 1e15), so that the time limit decides.
#
#   scripts/scaling_study.sh OUTDIR [--max-gpus N] [--networks analytic,flow] [--limit SECONDS]
#
# Writes OUTDIR/scaling.csv (network, gpus, wall_s, peak_rss_mib, events, iteration_s, status) and
# then runs scripts/plot_scaling.py on it (OUTDIR/scaling.png, .svg, and OUTDIR/scaling.md, the
# table in Markdown).
# The binary is $ORRERY if set, else build/release/orrery under the repository root.
set -euo pipefail

script_dir=$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")" && pwd)
repo_root=$(dirname -- "$script_dir")
orrery=${ORRERY:-$repo_root/build/release/orrery}

usage() {
    echo "usage: $(basename -- "$0") OUTDIR [--max-gpus N] [--networks analytic,flow] [--limit SECONDS]" >&2
    exit 2
}

[[ $# -ge 1 ]] || usage
out=$1
shift
max_gpus=131072
networks=analytic,flow
limit=600
while [[ $# -gt 0 ]]; do
    case $1 in
        --max-gpus) [[ $# -ge 2 && $2 =~ ^[0-9]+$ ]] || usage; max_gpus=$2; shift 2 ;;
        --networks) [[ $# -ge 2 ]] || usage; networks=$2; shift 2 ;;
        --limit) [[ $# -ge 2 && $2 =~ ^[0-9]+$ ]] || usage; limit=$2; shift 2 ;;
        *) usage ;;
    esac
done
[[ -x $orrery ]] || { echo "$(basename -- "$0"): no orrery binary at $orrery (build it, or set ORRERY)" >&2; exit 2; }
command -v /usr/bin/time > /dev/null || { echo "$(basename -- "$0"): needs /usr/bin/time (Debian: time)" >&2; exit 2; }

scenario() {  # GPUS NETWORK
    local gpus=$1 net=$2
    local dp=$((gpus / 64))
    cat <<YAML
seed: 1
cluster:
  nodes: $((gpus / 8))
  device: H100-SXM5-80GB
  node: { kind: nvswitch, devices: 8, bandwidth: "450 GB/s", nics: 8, nic_bandwidth: "400 Gb/s" }
  scale_out: { kind: fat_tree, levels: 3, radix: 128, link_latency: "700 ns" }
network: { model: $net }
workload:
  kind: training
  model: { preset: llama3-405b, layers: 128 }
  parallel: { tp: 8, pp: 8, dp: $dp, sequence_parallel: true }
  training: { global_batch: $((16 * dp)), micro_batch: 1, recompute: selective, distributed_optimizer: true, check_memory: false }
YAML
}

IFS=, read -r -a nets <<< "$networks"
for net in "${nets[@]}"; do
    [[ $net == analytic || $net == flow ]] || { echo "$(basename -- "$0"): --networks: '$net' is not analytic or flow" >&2; exit 2; }
done
mkdir -p "$out"
csv=$out/scaling.csv
echo "network,gpus,wall_s,peak_rss_mib,events,iteration_s,status" > "$csv"
for net in "${nets[@]}"; do
    skip=0
    for ((gpus = 64; gpus <= max_gpus; gpus *= 2)); do
        if ((skip)); then
            echo "$net,$gpus,,,,,skipped" >> "$csv"
            continue
        fi
        yaml=$out/$net-$gpus.yaml
        scenario "$gpus" "$net" > "$yaml"
        status=ok
        if ! /usr/bin/time -f '%e %M' -o "$out/$net-$gpus.time" timeout "$limit" \
                "$orrery" run "$yaml" --json --quiet --max-events 1e15 > "$out/$net-$gpus.json" 2> "$out/$net-$gpus.err"; then
            status=failed
            grep -q "Command exited with non-zero status 124" "$out/$net-$gpus.time" && status=timeout
        fi
        read -r wall rss_kib < <(tail -n 1 "$out/$net-$gpus.time")
        if [[ $status == ok ]]; then
            read -r events iter < <(python3 -c 'import json,sys; s=json.load(open(sys.argv[1])); print(s["events"], s["iteration_time_s"])' "$out/$net-$gpus.json")
        else
            events= iter=
            skip=1
        fi
        echo "$net,$gpus,$wall,$((rss_kib / 1024)),$events,$iter,$status" >> "$csv"
        echo "$net $gpus GPUs: $status, ${wall} s, $((rss_kib / 1024)) MiB" >&2
    done
done
# Debian's python3-matplotlib is the system interpreter's; $PYTHON overrides.
py=${PYTHON:-$([[ -x /usr/bin/python3 ]] && echo /usr/bin/python3 || echo python3)}
"$py" "$script_dir/plot_scaling.py" "$csv" "$out/scaling" | tee "$out/scaling.md"
