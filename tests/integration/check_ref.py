#!/usr/bin/env python3
"""`pullwatch ref`: one JSON line per reference on stdout, exit 1 when any is invalid.

usage: check_ref.py PULLWATCH WORKDIR
"""
import json
import subprocess
import sys

DIGEST = "sha256:" + "a" * 64
CASES = [
    ("busybox", ("docker.io", "library/busybox", "latest", "")),
    ("foo:5000", ("docker.io", "library/foo", "5000", "")),
    ("foo:5000/bar", ("foo:5000", "bar", "latest", "")),
    ("localhost/foo", ("localhost", "foo", "latest", "")),
    ("localhost:5000/tools/kube:1.30", ("localhost:5000", "tools/kube", "1.30", "")),
    ("index.docker.io/library/alpine:3.20", ("docker.io", "library/alpine", "3.20", "")),
    ("ghcr.io/example/keystone-tools", ("ghcr.io", "example/keystone-tools", "latest", "")),
    ("busybox@" + DIGEST, ("docker.io", "library/busybox", "", DIGEST)),
    ("nixery.dev/shell/awscli2/openstackclient/jq/busybox",
     ("nixery.dev", "shell/awscli2/openstackclient/jq/busybox", "latest", "")),
    # An uppercase first component is a registry (today's distribution/reference).
    ("Foo/bar", ("Foo", "bar", "latest", "")),
    ("ghcr.io/Foo/bar", None),
    ("", None),
]


def main():
    pullwatch = sys.argv[1]
    failed = 0
    for text, want in CASES:
        p = subprocess.run([pullwatch, "ref", text], capture_output=True, timeout=30)
        lines = p.stdout.decode().splitlines()
        got = json.loads(lines[0]) if len(lines) == 1 else {}
        ok = got.get("input") == text and got.get("valid") == (want is not None)
        if want is None:
            ok = ok and p.returncode == 1 and bool(got.get("error"))
        else:
            fields = (got.get("registry"), got.get("repository"), got.get("tag"),
                      got.get("digest"))
            ok = ok and p.returncode == 0 and fields == want and got.get("canonical", "").startswith(
                want[0] + "/" + want[1])
        if not ok:
            failed += 1
            print(f"FAIL {text!r}: exit {p.returncode}, {lines}")
    nixery = subprocess.run([pullwatch, "ref", CASES[8][0]], capture_output=True).stdout
    packages = json.loads(nixery).get("nixery", {}).get("packages")
    if packages != ["awscli2", "openstackclient", "jq", "busybox"]:
        failed += 1
        print(f"FAIL nixery packages: {packages}")
    # Several references: one line each, in order, exit 1 because one is invalid.
    p = subprocess.run([pullwatch, "ref", "busybox", "ghcr.io/Foo/bar", "alpine"], capture_output=True)
    inputs = [json.loads(line)["input"] for line in p.stdout.decode().splitlines()]
    if inputs != ["busybox", "ghcr.io/Foo/bar", "alpine"] or p.returncode != 1:
        failed += 1
        print(f"FAIL several: {inputs}, exit {p.returncode}")
    total = len(CASES) + 2
    print(f"{total - failed} passed, {failed} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
