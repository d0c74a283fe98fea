#!/usr/bin/env python3
"""Check the MSRV claims that can be checked without the MSRV toolchain.

* Every package in the crate's normal dependency graph (normal and build dependencies, all
  features, every target platform; dev-dependencies left out: they build only the crate's own
  tests, examples and benches) declares a `rust-version` no newer than the crate's, or none.
  A dependency that declares none is listed, not failed: its MSRV is unknown, not known to be
  too new.
* `clippy.toml`, if it sets `msrv`, agrees with `Cargo.toml`'s `rust-version` (clippy's
  `incompatible_msrv` lint reads either).

Run from the repository root: `python3 .ci/msrv_deps.py`. Exits non-zero on a violation.
"""

import json
import re
import subprocess
import sys


def version_tuple(text):
    parts = [int(p) for p in text.split(".")]
    return tuple(parts + [0] * (3 - len(parts)))


def main():
    meta = json.loads(
        subprocess.run(
            ["cargo", "metadata", "--format-version", "1", "--all-features", "--locked"],
            check=True,
            stdout=subprocess.PIPE,
        ).stdout
    )
    packages = {p["id"]: p for p in meta["packages"]}
    root_id = meta["resolve"]["root"]
    root = packages[root_id]
    msrv_text = root.get("rust_version")
    if not msrv_text:
        sys.exit("Cargo.toml declares no rust-version")
    msrv = version_tuple(msrv_text)
    failures = []

    with open("clippy.toml", encoding="utf-8") as f:
        clippy = f.read()
    m = re.search(r'^\s*msrv\s*=\s*"([^"]+)"', clippy, re.M)
    if m and version_tuple(m.group(1)) != msrv:
        failures.append(f"clippy.toml msrv {m.group(1)} != Cargo.toml rust-version {msrv_text}")

    nodes = {n["id"]: n for n in meta["resolve"]["nodes"]}
    seen = set()
    todo = [root_id]
    while todo:
        node = nodes[todo.pop()]
        for dep in node["deps"]:
            kinds = {k["kind"] for k in dep["dep_kinds"]}
            if kinds & {None, "build"} and dep["pkg"] not in seen:
                seen.add(dep["pkg"])
                todo.append(dep["pkg"])

    undeclared = []
    for pkg_id in sorted(seen, key=lambda i: (packages[i]["name"], packages[i]["version"])):
        pkg = packages[pkg_id]
        declared = pkg.get("rust_version")
        label = f'{pkg["name"]} {pkg["version"]}'
        if declared is None:
            undeclared.append(label)
        elif version_tuple(declared) > msrv:
            failures.append(f"{label} needs Rust {declared}, newer than {msrv_text}")

    print(f"{len(seen)} packages in the normal dependency graph checked against rust-version {msrv_text}")
    if undeclared:
        print("declare no rust-version (not checked): " + ", ".join(undeclared))
    for f in failures:
        print("MSRV violation: " + f, file=sys.stderr)
    sys.exit(1 if failures else 0)


if __name__ == "__main__":
    main()
