#!/usr/bin/env bash
# Regenerates the key reference in scenarios/README.md (between the
# GENERATED markers) from `orrery describe all --markdown`.
set -euo pipefail
root=$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")/.." && pwd)
orrery=${ORRERY:-$root/build/release/orrery}
readme=$root/scenarios/README.md
begin='<!-- BEGIN GENERATED: orrery describe all --markdown -->'
end='<!-- END GENERATED -->'
generated=$("$orrery" describe all --markdown)
tmp=$(mktemp "$readme.XXXXXX")
awk -v begin="$begin" -v end="$end" -v body="$generated" '
  $0 == begin { print; print body; skip = 1; next }
  $0 == end { skip = 0 }
  !skip { print }
' "$readme" >"$tmp"
mv "$tmp" "$readme"
echo "updated $readme"
