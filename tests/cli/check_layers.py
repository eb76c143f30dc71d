#!/usr/bin/env python3
"""Checks every project #include against the layers of docs/ARCHITECTURE.md.

The document holds the table in a ```layers block: one line per folder, bottom
first, `folder: folders it may include`. A folder may include itself, the
folders on its line, and nothing else; a folder's line may only name folders
listed above it, so no folder includes a folder above it. A source file
belongs to the longest folder of the table that is a prefix of its path;
files outside every folder (tests/, scripts/) are not checked.

Usage: check_layers.py SOURCE_ROOT
Prints one line per violation (file:line: include, and the rule) and exits 1
when there is any; prints the number of includes checked otherwise.
"""
import pathlib
import re
import sys

INCLUDE = re.compile(r'^\s*#\s*include\s+"([^"]+)"')


def read_layers(doc: pathlib.Path):
    text = doc.read_text()
    block = re.search(r"```layers\n(.*?)```", text, re.S)
    if not block:
        sys.exit(f"{doc}: no ```layers block")
    order, allowed = [], {}
    for n, line in enumerate(block.group(1).splitlines(), 1):
        line = line.split("#", 1)[0].strip()
        if not line:
            continue
        folder, _, deps = line.partition(":")
        folder = folder.strip()
        deps = deps.split()
        for d in deps:
            if d not in allowed:
                sys.exit(f"{doc}: layers line {n}: '{folder}' may include '{d}', which is not listed above it")
        order.append(folder)
        allowed[folder] = set(deps) | {folder}
    return order, allowed


def owner(path: str, folders):
    best = None
    for f in folders:
        if path == f or path.startswith(f + "/"):
            if best is None or len(f) > len(best):
                best = f
    return best


def main():
    root = pathlib.Path(sys.argv[1])
    folders, allowed = read_layers(root / "docs" / "ARCHITECTURE.md")
    bad, checked = [], 0
    for src in sorted(root.rglob("*")):
        if src.suffix not in {".hpp", ".cpp", ".cu", ".cuh", ".h"} or "build" in src.relative_to(root).parts[:1]:
            continue
        rel = src.relative_to(root).as_posix()
        mine = owner(rel, folders)
        if mine is None:
            continue
        for n, line in enumerate(src.read_text(errors="replace").splitlines(), 1):
            m = INCLUDE.match(line)
            if not m:
                continue
            target = owner(m.group(1), folders)
            if target is None:
                continue  # generated headers (orrery/version.hpp), same-folder relative names
            checked += 1
            if target not in allowed[mine]:
                bad.append(f"{rel}:{n}: includes \"{m.group(1)}\": {mine} may include only "
                           f"{', '.join(sorted(allowed[mine]))}")
    for b in bad:
        print(b)
    if bad:
        print(f"{len(bad)} includes break the layers of docs/ARCHITECTURE.md")
        return 1
    print(f"{checked} includes checked against {len(folders)} layers: none goes up")
    return 0


if __name__ == "__main__":
    sys.exit(main())
