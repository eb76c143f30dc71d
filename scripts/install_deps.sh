#!/usr/bin/env bash
# Installs the Debian packages orrery needs, when missing. As root it runs
# apt-get; otherwise it prints the one apt-get line to run and exits 2.
#   scripts/install_deps.sh          build and run
#   scripts/install_deps.sh --test   also what the test suite uses (notebook execution)
set -euo pipefail
packages=(build-essential cmake ninja-build pkg-config libboost-graph-dev libboost-program-options-dev
  libyaml-cpp-dev libfmt-dev libhdf5-dev libgtest-dev libbenchmark-dev python3 python3-h5py python3-numpy
  libprotobuf-dev protobuf-compiler)  # protobuf: Chakra execution traces (workloads/chakra)
if [[ ${1:-} == --test ]]; then
  packages+=(python3-matplotlib jupyter-nbconvert python3-ipykernel clang libclang-rt-14-dev  # clang: the fuzz harness
    time  # /usr/bin/time: scripts/scaling_study.sh
    slurm-wlm munge)  # a single-node Slurm for tests/scripts/test_sweep_slurm.sh (about 20 s to install)
fi
missing=()
for p in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done
[[ ${#missing[@]} -eq 0 ]] && exit 0
if [[ $(id -u) -eq 0 ]]; then
  echo "installing: ${missing[*]}" >&2
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >&2
else
  echo "orrery needs these Debian packages; run:" >&2
  echo "  sudo apt-get install -y ${missing[*]}" >&2
  exit 2
fi
