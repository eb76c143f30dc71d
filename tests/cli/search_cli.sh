#!/usr/bin/env bash
# `orrery search` end to end on a small training scenario (8 GPUs, 36 plans):
# the table it writes (CSV and HDF5 hold the same rows; the CSV's rank-1 row
# has the least iteration time of the ok rows; the row count is the product of
# the axes' sizes), and its bad inputs (exit 2, one located message, no file).
# Usage: search_cli.sh ORRERY_BINARY PYTHON
set -u
orrery=$1
python=$2
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
pass=0
fail=0
# shellcheck source=expect_usage_error.sh
source "$(dirname -- "${BASH_SOURCE[0]}")/expect_usage_error.sh"

cat >"$tmp/eight.yaml" <<'YAML'
seed: 2
cluster:
  nodes: 1
  device: H100-SXM5-80GB
  node: { kind: nvswitch, devices: 8, bandwidth: "450 GB/s", nics: 8, nic_bandwidth: "400 Gb/s" }
network: { model: analytic }
workload:
  kind: training
  model: { layers: 8, hidden: 1024, heads: 16, vocab: 32000, seq_len: 1024 }
  parallel: { tp: 1, pp: 1, dp: auto }
  training: { global_batch: 16, micro_batch: 1 }
YAML
axes=(--axis tp=1,2,4 --axis pp=1,2,4 --axis micro_batch=1,2 --axis schedule=1f1b,zb_h1 --axis zero_stage=0
  --axis recompute=none --axis vpp=1 --axis cp=1)
if "$orrery" search "$tmp/eight.yaml" "${axes[@]}" --top 3 --csv "$tmp/plans.csv" -o "$tmp/plans.h5" >"$tmp/stdout"; then
  pass=$((pass + 1))
else
  fail=$((fail + 1)); echo "FAIL search exited $?"; cat "$tmp/stdout"
fi
grep -q '^36 plans on 8 devices' "$tmp/stdout" && pass=$((pass + 1)) || { fail=$((fail + 1)); echo "FAIL count line"; cat "$tmp/stdout"; }
if "$python" - "$tmp/plans.csv" "$tmp/plans.h5" <<'PY'
import csv, math, sys
import h5py
rows = list(csv.DictReader(open(sys.argv[1])))
assert len(rows) == 3 * 3 * 2 * 2, len(rows)          # the product of the axes' sizes
ok = [r for r in rows if r["status"] == "ok"]
best = min(float(r["iteration_time_s"]) for r in ok)
first = rows[0]
assert first["rank"] == "1" and float(first["iteration_time_s"]) == best, first
for r in rows:
    assert int(r["dp"]) * int(r["tp"]) * int(r["pp"]) == 8 or r["status"] == "pruned", r   # dp fills the devices
    if r["status"] == "ok":
        assert float(r["memory_floor_bytes"]) <= float(r["memory_peak_bytes"]), r
with h5py.File(sys.argv[2]) as f:
    g = f["plans"]
    assert [c.decode() if isinstance(c, bytes) else c for c in g.attrs["columns"]] == list(rows[0].keys())
    for k in ("iteration_time_s", "rank", "tp"):
        for a, b in zip(g[k][()], rows):
            assert (math.isnan(a) and b[k] == "nan") or float(a) == float(b[k]), (k, a, b[k])
    assert "workload" in f["meta/scenario"][()].decode()
PY
then pass=$((pass + 1)); else fail=$((fail + 1)); echo "FAIL the table"; fi

expect axis_unknown "unknown search axis 'tpp'; did you mean 'tp'?" search "$tmp/eight.yaml" --axis tpp=1 --csv "$tmp/out.csv"
expect axis_dp "dp is not an axis" search "$tmp/eight.yaml" --axis dp=1,2 --csv "$tmp/out.csv"
expect axis_value "--axis tp=1,x: 'x' is not an integer from 1 to 1048576" search "$tmp/eight.yaml" --axis tp=1,x --csv "$tmp/out.csv"
expect axis_schedule "'1f1f' is not a schedule; did you mean '1f1b'?" search "$tmp/eight.yaml" --axis schedule=1f1f -o "$tmp/out.h5"
expect axis_zero "'4' is not an integer from 0 to 3" search "$tmp/eight.yaml" --axis zero_stage=4 -o "$tmp/out.h5"
expect axis_twice "axis tp given twice" search "$tmp/eight.yaml" --axis tp=1 --axis tp=2 -o "$tmp/out.h5"
expect axis_empty "'' is empty" search "$tmp/eight.yaml" --axis tp=1,,2 -o "$tmp/out.h5"
expect axis_no_eq "expected NAME=v1,v2" search "$tmp/eight.yaml" --axis tp -o "$tmp/out.h5"
expect top "--top 0: must be at least 1" search "$tmp/eight.yaml" --top 0 -o "$tmp/out.h5"
expect jobs "--jobs must be in [1, 256]" search "$tmp/eight.yaml" --axis tp=1 --jobs 0 -o "$tmp/out.h5"
expect same_file "-o and --csv name the same file" search "$tmp/eight.yaml" -o "$tmp/out.x" --csv "$tmp/out.x"
expect no_dir "-o" search "$tmp/eight.yaml" -o "$tmp/nodir/out.h5"
expect not_training "workload is not \`kind: training\`" search "$(dirname -- "${BASH_SOURCE[0]}")/../../scenarios/traffic_allreduce.yaml" -o "$tmp/out.h5"
sed -e 's/dp: auto/dp: sideways/' "$tmp/eight.yaml" >"$tmp/bad.yaml"
expect bad_scenario "bad.yaml:10:33: error: workload.parallel.dp: expected an integer or auto" search "$tmp/bad.yaml" -o "$tmp/out.h5"
expect missing "cannot open" search "$tmp/none.yaml" -o "$tmp/out.h5"
# A space where no plan runs (tp 3, 5 and 6 divide neither the 16 heads nor the 8 devices): exit 1, and why.
one=(--axis pp=1 --axis micro_batch=1 --axis schedule=1f1b --axis zero_stage=0 --axis recompute=none --axis vpp=1
  --axis cp=1 --axis ep=1 --axis offload=none)
expect_infeasible no_plan_ran "error: none of the 3 plans ran (3 refused by the reader, 0 over the memory floor, 0 failed)" \
  "the commonest reason, " "widen the space with --axis" -- search "$tmp/eight.yaml" --axis tp=3,5,6 "${one[@]}"

echo "search_cli: $pass passed, $fail failed"
[[ $fail -eq 0 ]]
