#!/usr/bin/env python3
"""`pullwatch selfhost`: the kit it writes works. For the seed case's nixery image all five
files; image.nix parses (`nix-instantiate --parse`) and, evaluated against a stand-in nixpkgs,
holds exactly the packages nixery builds the image from (meta-packages, nested attribute paths
matched case-insensitively, digit-leading names, arm64); the workflow is YAML with what GitHub
requires; the config lines load. The mirror script copies a real image between two registries on
loopback, and `pullwatch probe` finds the same digest at the copy. Bad input: exit 2, one line,
nothing written.

usage: check_selfhost.py PULLWATCH WORKDIR
"""
import json
import os
import shutil
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import regtest  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
FAKE_NIXPKGS = os.path.join(HERE, "..", "data", "selfhost", "fake-nixpkgs")
SEED = "nixery.dev/shell/awscli2/openstackclient/jq/busybox"
failures = []


def check(condition, what):
    if not condition:
        failures.append(what)
    return condition


def run(*args, env=None, cwd=None):
    return subprocess.run(list(args), capture_output=True, text=True, timeout=120, env=env, cwd=cwd)


def selfhost(pullwatch, ref, to, out, *extra):
    p = run(pullwatch, "selfhost", ref, "--to", to, "--out", out, *extra)
    files = [json.loads(line) for line in p.stdout.splitlines()] if p.returncode == 0 else []
    return p, files


def nix_eval(image_nix, expr):
    p = run("nix-instantiate", "--eval", "--strict", "--json", "-E",
            f"let i = import {image_nix} {{ nixpkgs = {os.path.abspath(FAKE_NIXPKGS)}; }}; in {expr}")
    return json.loads(p.stdout) if p.returncode == 0 else p.stderr.strip()


def check_seed_kit(pullwatch, workdir):
    out = os.path.join(workdir, "seed")
    p, files = selfhost(pullwatch, SEED, "ghcr.io/ORG/keystone-tools", out)
    check(p.returncode == 0, f"seed: exit {p.returncode}: {p.stderr.strip()}")
    kinds = {f["kind"]: f["file"] for f in files}
    check(sorted(kinds) == ["config", "dockerfile", "mirror", "nix", "workflow"],
          f"seed: the five files ({files})")
    check(all(os.path.isfile(f["file"]) for f in files), "seed: every file it names exists")
    check("using ghcr.io/org/keystone-tools" in p.stderr, "seed: says it lowercased ORG")
    if len(kinds) != 5:
        return

    image_nix = kinds["nix"]
    parsed = run("nix-instantiate", "--parse", image_nix)
    check(parsed.returncode == 0, f"image.nix parses: {parsed.stderr.strip()}")
    names = nix_eval(image_nix, "map (p: p.name) i.env.paths")
    check(names == ["awscli2", "bashInteractive", "busybox", "cacert", "coreutils", "iana-etc",
                    "jq", "moreutils", "nano", "openstackclient"],
          f"image.nix: nixery's package set for {SEED} ({names})")
    image = nix_eval(image_nix, "{ inherit (i) name tag cmd; }")
    check(image == {"name": "ghcr.io/org/keystone-tools", "tag": "latest", "cmd": ["bash"]},
          f"image.nix: the image's name, tag and shell ({image})")

    import yaml  # python3-yaml
    with open(kinds["workflow"], encoding="utf-8") as f:
        workflow = yaml.safe_load(f)
    on = workflow.get("on", workflow.get(True))  # YAML 1.1 reads a bare `on` as true
    jobs = workflow.get("jobs") or {}
    check(isinstance(on, dict) and on.get("schedule") and on["schedule"][0].get("cron"),
          f"workflow: a schedule ({on})")
    check(jobs and all(j.get("runs-on") and isinstance(j.get("steps"), list) and
                       all("uses" in s or "run" in s for s in j["steps"]) for j in jobs.values()),
          "workflow: every job has runs-on and steps that use or run something")
    steps = " ".join(s.get("run", "") for j in jobs.values() for s in j["steps"])
    check("nix-build image.nix" in steps and "docker://ghcr.io/org/keystone-tools:" in steps,
          "workflow: builds image.nix and pushes to the target")
    check(workflow.get("permissions", {}).get("packages") == "write",
          "workflow: may push to ghcr.io")

    with open(kinds["dockerfile"], encoding="utf-8") as f:
        dockerfile = f.read()
    check("COPY image.nix" in dockerfile and "--attr env" in dockerfile and
          dockerfile.count("\nFROM ") + dockerfile.startswith("FROM ") == 1,
          "Dockerfile: installs image.nix's packages")

    with open(kinds["config"], encoding="utf-8") as f:
        config = json.load(f)
    images = config.get("images", [])
    check([(i["ref"], i["group"], i["label"]) for i in images] ==
          [(SEED + ":latest", "keystone-tools", "nixery"),
           ("ghcr.io/org/keystone-tools:latest", "keystone-tools", "self-hosted")],
          f"config: both sides in one group ({images})")
    loads = run(pullwatch, "explain", "--config", kinds["config"], "--db",
                os.path.join(workdir, "none.db"))
    check("pullwatch.json" not in loads.stderr and "no history here" in loads.stderr,
          f"config lines load ({loads.stderr.strip()})")

    again, _ = selfhost(pullwatch, SEED, "ghcr.io/org/keystone-tools", out)
    check(again.returncode == 2 and "exists" in again.stderr,
          f"a second run into the same folder overwrites nothing ({again.stderr.strip()})")


def check_nixery_paths(pullwatch, workdir):
    """Nested attribute paths, case folding, digit-leading names and arm64, as nixery reads them."""
    out = os.path.join(workdir, "ansible")
    ref = "nixery.dev/arm64/shell/python311packages.ansible-core/1password/jq"
    p, files = selfhost(pullwatch, ref, "registry.example.com/ci/ansible:2", out)
    kinds = {f["kind"]: f["file"] for f in files}
    if not check(p.returncode == 0 and "nix" in kinds, f"{ref}: {p.stderr.strip()}"):
        return
    got = nix_eval(kinds["nix"], 'map (p: p.name + "@" + p.system) i.env.paths')
    want = [n + "@aarch64-linux" for n in
            ["_1password", "bashInteractive", "cacert", "coreutils", "iana-etc", "jq",
             "moreutils", "nano", "python311Packages.ansible-core"]]
    check(got == want, f"{ref}: the attributes nixery would take ({got})")
    with open(kinds["workflow"], encoding="utf-8") as f:
        text = f.read()
    check("runs-on: ubuntu-24.04-arm" in text and "secrets.REGISTRY_PASSWORD" in text and
          "docker://registry.example.com/ci/ansible:2" in text,
          "arm64 workflow: an arm runner, the registry's own secrets, the asked tag")


def check_mirror(pullwatch, workdir):
    with regtest.Registry("anonymous", os.path.join(workdir, "upstream")) as upstream, \
            regtest.Registry("anonymous", os.path.join(workdir, "own")) as own:
        pushed = upstream.push_image("tools/cli", "1.4")
        src = f"{upstream.host}/tools/cli:1.4"
        out = os.path.join(workdir, "mirror")
        p, files = selfhost(pullwatch, src, f"{own.host}/mirror/cli", out)
        kinds = sorted(f["kind"] for f in files)
        check(p.returncode == 0 and kinds == ["config", "mirror"],
              f"any image: a mirror script and the config ({kinds}, {p.stderr.strip()})")
        script = os.path.join(out, "mirror.sh")
        check(os.access(script, os.X_OK), "mirror.sh is executable")
        env = dict(os.environ, SRC_TLS_VERIFY="false", DEST_TLS_VERIFY="false", TAG="20250518")
        copied = run(script, env=env)
        check(copied.returncode == 0 and f"{own.host}/mirror/cli:20250518" in copied.stdout,
              f"mirror.sh copies: exit {copied.returncode}: {copied.stderr.strip()[-400:]}")
        probe = run(pullwatch, "probe", "--no-store", "--config", os.path.join(out, "pullwatch.json"),
                    src, f"{own.host}/mirror/cli:20250518", f"{own.host}/mirror/cli:latest")
        digests = [json.loads(line).get("digest") for line in probe.stdout.splitlines()]
        check(probe.returncode == 0 and digests == [pushed["digest"]] * 3,
              f"pullwatch probe finds the same digest at the copy, dated and latest "
              f"({digests}, want {pushed['digest']}; {probe.stderr.strip()[-300:]})")
        print(f"mirror: {src} -> {own.host}/mirror/cli:20250518 and :latest, "
              f"digest {pushed['digest'][:19]}…")


def check_errors(pullwatch, workdir):
    out = os.path.join(workdir, "bad")
    for args, says in [
            (["selfhost", SEED], "--to REPO is required"),
            (["selfhost", "--to", "ghcr.io/a/b"], "give the image to self-host"),
            (["selfhost", "nixery.dev/Shell Tools", "--to", "ghcr.io/a/b"], "invalid reference"),
            (["selfhost", SEED, "--to", "ghcr.io/a/b@sha256:" + "0" * 64], "not a digest"),
            (["selfhost", SEED, "--to", SEED + ":v2"], "names the image itself"),
            (["selfhost", SEED, "--to", "ghcr.io/a/b", "extra"], 'unexpected argument "extra"'),
    ]:
        p = run(pullwatch, *args, "--out", out)
        check(p.returncode == 2 and says in p.stderr and p.stdout == "" and
              len(p.stderr.strip().splitlines()) == 1,
              f"{' '.join(args)}: exit 2 with {says!r} ({p.returncode}: {p.stderr.strip()})")
    check(not os.path.exists(out), "bad input writes nothing")


def main():
    pullwatch, workdir = sys.argv[1], sys.argv[2]
    shutil.rmtree(workdir, ignore_errors=True)
    os.makedirs(workdir)
    check_seed_kit(pullwatch, workdir)
    check_nixery_paths(pullwatch, workdir)
    check_mirror(pullwatch, workdir)
    check_errors(pullwatch, workdir)
    for f in failures:
        print("FAIL:", f)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
