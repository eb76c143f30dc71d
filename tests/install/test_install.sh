#!/usr/bin/env bash
# The installed tree works wherever it is put: `cmake --install` to a prefix,
# the prefix moved elsewhere, then from the moved tree
#   * `orrery run scenarios/quickstart.yaml --json` gives the build tree's
#     summary (the same program on the same data; wall_s aside);
#   * `orrery describe device` reads the device file inside the moved prefix
#     (not the source tree), $ORRERY_DATA_DIR wins over it, and a copy of the
#     program with no share/orrery beside it falls back to the source tree;
#   * scripts/sweep.sh runs the prefix's bin/orrery when $ORRERY is not set;
#   * a project outside orrery builds against the prefix with
#     find_package(orrery) and links orrery::run (tests/install/consumer);
# and `cpack -G DEB` gives a package whose control file names the shared
# libraries' Debian packages and whose contents hold the program and the data.
# Usage: test_install.sh BUILD_DIR SOURCE_DIR
set -u
build=$(cd "$1" && pwd)
source_dir=$(cd "$2" && pwd)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
unset ORRERY_DATA_DIR
pass=0
fail=0
check() {  # check NAME CONDITION-STATUS DETAIL
  if [[ $2 -eq 0 ]]; then
    pass=$((pass + 1))
  else
    fail=$((fail + 1))
    echo "FAIL $1: $3"
  fi
}

cmake --install "$build" --prefix "$tmp/first" >"$tmp/install.log" 2>&1
check install $? "$(tail -5 "$tmp/install.log")"
mv "$tmp/first" "$tmp/moved"
prefix=$tmp/moved
bin=$prefix/bin/orrery

# The same summary as the build tree's program (wall_s is the machine's time).
strip_wall() { sed -E 's/,?"wall_s":[^,}]*//'; }
"$bin" run "$prefix/share/orrery/scenarios/quickstart.yaml" --json 2>"$tmp/err" | strip_wall >"$tmp/installed.json"
status=${PIPESTATUS[0]}
"$build/orrery" run "$source_dir/scenarios/quickstart.yaml" --json 2>/dev/null | strip_wall >"$tmp/built.json"
[[ $status -eq 0 && -s $tmp/installed.json ]] && cmp -s "$tmp/installed.json" "$tmp/built.json"
check installed-run $? "status $status: $(cat "$tmp/err") $(diff "$tmp/installed.json" "$tmp/built.json" | head -5)"

# Where the data comes from: the moved prefix, $ORRERY_DATA_DIR, the source tree.
file_of() { "$@" describe device H100-SXM5-80GB 2>&1 | sed -n 's/^  file: //p'; }
got=$(file_of "$bin")
[[ $got == "$prefix/share/orrery/models/devices/H100-SXM5-80GB.yaml" ]]
check data-in-prefix $? "file: '$got'"
got=$("$bin" --version | sed -n 's/^data: //p')
[[ $got == "$prefix/share/orrery" ]]
check version-names-data $? "data: '$got'"
mkdir -p "$tmp/elsewhere/models/devices"
# (with its calibration sibling's file, which loading it reads)
cp "$source_dir/models/devices/H100-SXM5-80GB.yaml" "$source_dir/models/devices/H200-SXM-141GB.yaml" "$tmp/elsewhere/models/devices/"
got=$(ORRERY_DATA_DIR=$tmp/elsewhere file_of "$bin")
[[ $got == "$tmp/elsewhere/models/devices/H100-SXM5-80GB.yaml" ]]
check data-dir-variable $? "file: '$got'"
mkdir -p "$tmp/lone"
cp "$bin" "$tmp/lone/orrery"
got=$(file_of "$tmp/lone/orrery")
[[ $got == "$source_dir/models/devices/H100-SXM5-80GB.yaml" ]]
check data-source-tree $? "file: '$got'"

# Scripts: installed beside the data; sweep.sh runs the bin/orrery of the prefix without $ORRERY.
[[ -x $prefix/share/orrery/scripts/sweep.sh && -f $prefix/share/orrery/scripts/orrery_h5.py ]]
check scripts $? "$(ls "$prefix/share/orrery/scripts" 2>&1 | tr '\n' ' ')"
(unset ORRERY && "$prefix/share/orrery/scripts/sweep.sh" "$prefix/share/orrery/scenarios/quickstart.yaml" "$tmp/sweep" \
  workload.micro_batches=8 -j 1 >"$tmp/sweep.log" 2>&1)
[[ $? -eq 0 && $(wc -l <"$tmp/sweep/index.csv") -eq 2 ]]  # a header and the one point
check installed-sweep $? "$(tail -3 "$tmp/sweep.log")"

# A consumer project against the moved prefix.
generator=()
command -v ninja >/dev/null && generator=(-G Ninja)
if cmake -S "$source_dir/tests/install/consumer" -B "$tmp/consumer" "${generator[@]}" -DCMAKE_PREFIX_PATH="$prefix" \
  -DCMAKE_BUILD_TYPE= >"$tmp/consumer.log" 2>&1 && cmake --build "$tmp/consumer" >>"$tmp/consumer.log" 2>&1; then
  out=$("$tmp/consumer/consumer")
  [[ $out == "16 8 4" ]]  # tests/install/consumer/main.cpp: 16 endpoints, 8 switches, 4 hops
  check consumer $? "printed '$out'"
else
  check consumer 1 "$(grep -m5 -i error "$tmp/consumer.log")"
fi

# The Debian package.
if command -v dpkg-deb >/dev/null; then
  (cd "$tmp" && cpack -G DEB --config "$build/CPackConfig.cmake" -B "$tmp/pkg" >"$tmp/cpack.log" 2>&1)
  deb=$(find "$tmp/pkg" -maxdepth 1 -name '*.deb' | head -1)
  if [[ -n $deb ]]; then
    info=$(dpkg-deb -I "$deb")
    depends=$(sed -n 's/^ Depends: //p' <<<"$info")
    ok=0
    for lib in libhdf5 libyaml-cpp libfmt libboost-program-options libstdc++6; do
      [[ $depends == *"$lib"* ]] || ok=1
    done
    check deb-depends $ok "Depends: $depends"
    contents=$(dpkg-deb -c "$deb")
    ok=0
    for path in ./usr/bin/orrery ./usr/share/orrery/models/devices/H100-SXM5-80GB.yaml \
      ./usr/share/orrery/scenarios/quickstart.yaml ./usr/share/orrery/scripts/sweep.sh orreryConfig.cmake; do
      [[ $contents == *"$path"* ]] || {
        ok=1
        echo "  missing from the package: $path"
      }
    done
    check deb-contents $ok "dpkg-deb -c"
  else
    check deb 1 "no .deb: $(tail -5 "$tmp/cpack.log")"
  fi
else
  echo "dpkg-deb not found: the Debian package is not checked"
fi

echo "$pass passed, $fail failed"
[[ $fail -eq 0 ]]
