#!/usr/bin/env bash
# `orrery topo --dot/--graphml` and the `file` topology through the program:
# a fat tree written as GraphML and read back as `kind: file` gives the same
# report (every line but the topology's kind: endpoints, switches, links,
# ports, diameter, average hops, bisection), the files are byte-identical
# across runs, and stdout holds only the graph when no FILE is given.
# Usage: topo_files.sh ORRERY_BINARY
set -u
orrery=$1
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
pass=0
fail=0
check() {  # check NAME STATUS DETAIL
  if [[ $2 -eq 0 ]]; then
    pass=$((pass + 1))
  else
    fail=$((fail + 1))
    echo "FAIL $1: $3"
  fi
}

printf 'endpoints: 16\ntopology: {kind: fat_tree, levels: 2, radix: 8, link_bandwidth: 400 Gb/s}\n' >"$tmp/ft.yaml"
printf 'topology: {kind: file, path: ft.graphml}\n' >"$tmp/file.yaml"

"$orrery" topo "$tmp/ft.yaml" --graphml "$tmp/ft.graphml" --dot "$tmp/ft.dot" >"$tmp/built.txt" 2>"$tmp/err"
check write $? "$(cat "$tmp/err")"
"$orrery" topo "$tmp/file.yaml" >"$tmp/read.txt" 2>"$tmp/err"
check read-back $? "$(cat "$tmp/err")"
[[ $(head -1 "$tmp/read.txt") == "topology      file" ]] && diff <(tail -n +2 "$tmp/built.txt") <(tail -n +2 "$tmp/read.txt") >/dev/null
check same-report $? "$(diff "$tmp/built.txt" "$tmp/read.txt")"
# Endpoints 0-7 are leaves 0 and 1, whose 2 × 4 uplinks of 400 Gb/s (50 GB/s) carry the half: 400 GB/s.
grep -q '^bisection     400 GB/s ' "$tmp/read.txt"
check bisection $? "$(grep bisection "$tmp/read.txt")"

"$orrery" topo "$tmp/ft.yaml" --graphml "$tmp/again.graphml" >/dev/null 2>&1
cmp -s "$tmp/ft.graphml" "$tmp/again.graphml"
check deterministic $? "two writes differ"

"$orrery" topo "$tmp/ft.yaml" --graphml >"$tmp/stdout.graphml" 2>/dev/null
[[ $(head -c 5 "$tmp/stdout.graphml") == "<?xml" ]] && ! grep -q bisection "$tmp/stdout.graphml" &&
  cmp -s "$tmp/stdout.graphml" "$tmp/ft.graphml"
check graphml-stdout $? "$(head -2 "$tmp/stdout.graphml")"
[[ $(head -1 "$tmp/ft.dot") == "graph G {" ]] && grep -q '^e0--leaf0 ' "$tmp/ft.dot"
check dot $? "$(head -3 "$tmp/ft.dot")"

# With its routes, a torus file routes as the torus: the same report.
printf 'endpoints: 16\ntopology: {kind: torus, dims: [4, 4], link_bandwidth: 50 GB/s}\n' >"$tmp/torus.yaml"
"$orrery" topo "$tmp/torus.yaml" --graphml "$tmp/torus.graphml" --routes >"$tmp/torus.txt" 2>"$tmp/err"
printf 'topology: {kind: file, path: torus.graphml, routing: given}\n' >"$tmp/tfile.yaml"
"$orrery" topo "$tmp/tfile.yaml" >"$tmp/tread.txt" 2>>"$tmp/err"
diff <(tail -n +2 "$tmp/torus.txt") <(tail -n +2 "$tmp/tread.txt") >/dev/null
check torus-routes $? "$(cat "$tmp/err"; diff "$tmp/torus.txt" "$tmp/tread.txt")"

# --routes past what it writes (1,024 endpoints): exit 2, and neither file is left.
# shellcheck source=expect_usage_error.sh
source "$(dirname -- "${BASH_SOURCE[0]}")/expect_usage_error.sh"
printf 'endpoints: 1025\ntopology: {kind: chain, link_bandwidth: 1 GB/s}\n' >"$tmp/chain.yaml"
expect routes-too-many "it writes them for at most 1024 endpoints" topo "$tmp/chain.yaml" --routes \
  --graphml "$tmp/out.graphml" --dot "$tmp/out.dot"

echo "$pass passed, $fail failed"
[[ $fail -eq 0 ]]
