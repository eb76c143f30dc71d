#!/usr/bin/env bash
# Measures a GPU's calibration table in one go, for a machine lent with a GPU:
# builds orrery-calibrate on its own (no simulator dependencies needed), runs
# --verify, then the full sweep, and writes DEVICE.measured.yaml with the
# provenance orrery-calibrate records (GPU, driver, CUDA, clocks, date,
# command). Progress and the verify lines go to OUT_DIR/calibrate.log too.
#
#   scripts/calibrate_on_gpu.sh DEVICE [OUT_DIR] [extra orrery-calibrate flags, e.g. --quick]
#   scripts/calibrate_on_gpu.sh H200-SXM-141GB "$OUT"
#
# Exit status: orrery-calibrate's — 0 complete, 3 written with skipped shapes
# (the table's `skipped:` list), 1 a failed verification or a family that
# stopped (see the log), 2 usage. Then copy the table to
# models/calibration/tables/ (and import framework CSVs with
# scripts/import_calibration_csv.py, see models/calibration/imports/).
set -u
device=${1:?usage: calibrate_on_gpu.sh DEVICE [OUT_DIR] [flags]}
out_dir=${2:-.}
shift $(( $# >= 2 ? 2 : 1 ))
root=$(cd "$(dirname "$0")/.." && pwd)
build=${ORRERY_CALIBRATE_BUILD:-$root/build/calibrate}
arch=${CUDA_ARCHITECTURES:-90}
mkdir -p "$out_dir"
log="$out_dir/calibrate.log"

cmake -S "$root/models/calibration/cuda" -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=Release \
      -DCMAKE_CUDA_ARCHITECTURES="$arch" >"$out_dir/build.log" 2>&1 &&
  cmake --build "$build" -j "$(nproc)" >>"$out_dir/build.log" 2>&1 ||
  { echo "calibrate_on_gpu: build failed, see $out_dir/build.log" >&2; exit 1; }

nvidia-smi --query-gpu=name,driver_version,clocks.sm,clocks.mem,temperature.gpu,power.draw \
           --format=csv >"$out_dir/gpu.csv" 2>/dev/null || true

"$build/orrery-calibrate" --verify 2>&1 | tee "$log"
verify=${PIPESTATUS[0]}
if [[ $verify -ne 0 ]]; then
  echo "calibrate_on_gpu: --verify failed (status $verify); no table measured" >&2
  exit "$verify"
fi
"$build/orrery-calibrate" --device-name "$device" --out "$out_dir/$device.measured.yaml" "$@" 2>&1 | tee -a "$log"
status=${PIPESTATUS[0]}
echo "calibrate_on_gpu: orrery-calibrate exited $status; table $out_dir/$device.measured.yaml" >&2
exit "$status"
