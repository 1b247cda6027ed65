#!/usr/bin/env python3
"""`pullwatch probe` against a real registry (Debian's docker-registry 2.8.2 on loopback):
digests equal what was pushed (and what skopeo sees), missing tags and repositories are
not_found, deep probes count the blob bytes of the right platform, Basic and Bearer auth work
from the Docker config and from pullwatch's config, and no password or token ever shows up in
output, in the history database or in an export.

usage: check_probe.py PULLWATCH WORKDIR
"""
import base64
import csv
import hashlib
import io
import json
import os
import shutil
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import regtest  # noqa: E402

KEYS = ["ref", "registry", "outcome", "category", "http_status", "digest", "latency_ms", "bytes",
        "ratelimit_remaining", "message"]
TIMEOUT = 10     # --timeout given to every probe
WALL_LIMIT = 5.0  # a loopback probe run must end well before that (seconds, process included)
failures = []
secret_values = []  # every password/token used; none may leak
outputs = []        # (what, stdout + stderr) of every pullwatch run


def check(condition, what):
    if not condition:
        failures.append(what)
    return condition


class Pullwatch:
    def __init__(self, exe, workdir):
        self.exe, self.workdir = exe, workdir
        self.empty_docker = os.path.join(workdir, "docker-empty")
        os.makedirs(self.empty_docker)
        base = {k: v for k, v in os.environ.items()
                if k not in ("REG_PASS", "REG_TOKEN", "DOCKER_CONFIG")
                and not k.lower().endswith("_proxy")}
        # Never read the machine's ~/.docker/config.json or pullwatch config/data.
        home = os.path.join(workdir, "home")
        base.update(HOME=home, XDG_CONFIG_HOME=os.path.join(home, ".config"),
                    XDG_DATA_HOME=os.path.join(home, ".local", "share"),
                    XDG_CACHE_HOME=os.path.join(home, ".cache"))
        os.makedirs(home)
        self.base_env = base

    def run(self, args, what, docker_config=None, env=None, timeout=60):
        e = dict(self.base_env, DOCKER_CONFIG=docker_config or self.empty_docker, **(env or {}))
        start = time.monotonic()
        p = subprocess.run([self.exe, *args], capture_output=True, env=e, timeout=timeout)
        wall = time.monotonic() - start
        outputs.append((what, p.stdout + p.stderr))
        return p, wall

    def probe(self, refs, what, *opts, db=None, **kw):
        """Returns (exit code, parsed lines or None, process)."""
        store = ["--db", db] if db else ["--no-store"]
        p, wall = self.run(["probe", "--timeout", str(TIMEOUT), *store, *opts, *refs], what, **kw)
        check(wall < WALL_LIMIT, f"{what}: took {wall:.1f} s, --timeout {TIMEOUT}")
        records = []
        try:
            lines = p.stdout.decode("utf-8").splitlines()
            records = [json.loads(line) for line in lines]
        except (UnicodeDecodeError, json.JSONDecodeError) as e:
            check(False, f"{what}: stdout is not JSON lines ({e}): {p.stdout[:300]!r}")
            return p.returncode, None, p
        if not check(len(records) == len(refs),
                     f"{what}: {len(records)} lines for {len(refs)} refs: {p.stdout[:300]!r}, "
                     f"stderr {p.stderr[-300:]!r}"):
            return p.returncode, None, p
        for ref, rec in zip(refs, records):
            check(list(rec) == KEYS, f"{what}: keys {list(rec)} for {ref}")
            check(isinstance(rec.get("latency_ms"), int) and
                  0 <= rec["latency_ms"] <= wall * 1000 + 1,
                  f"{what}: latency_ms {rec.get('latency_ms')} for {ref} (run took {wall:.2f} s)")
            check(isinstance(rec.get("bytes"), int) and rec["bytes"] >= 0,
                  f"{what}: bytes {rec.get('bytes')!r}")
            check(isinstance(rec.get("http_status"), int), f"{what}: http_status type")
            check(isinstance(rec.get("message"), str), f"{what}: message type")
        return p.returncode, records, p


def canonical(ref):
    """Refs here are host:port/name[:tag]; canonical form always carries the tag."""
    name = ref.split("/", 1)[1]
    return ref if ":" in name or "@" in name else ref + ":latest"


def expect_ok(rec, ref, host, digest, what, deep_bytes=None):
    got = {k: rec.get(k) for k in ("ref", "registry", "outcome", "category", "http_status",
                                   "digest", "ratelimit_remaining")}
    want = {"ref": canonical(ref), "registry": host, "outcome": "ok", "category": None,
            "http_status": 200, "digest": digest, "ratelimit_remaining": None}
    check(got == want, f"{what}: got {got}, want {want}; message {rec.get('message')!r}")
    if deep_bytes is None:
        check(rec.get("bytes") == 0, f"{what}: shallow probe bytes {rec.get('bytes')}, want 0")
    else:
        check(rec.get("bytes") == deep_bytes,
              f"{what}: deep bytes {rec.get('bytes')}, want config+layers = {deep_bytes}")


def expect_fail(rec, ref, host, category, what, status=None):
    got = {k: rec.get(k) for k in ("ref", "registry", "outcome", "category")}
    want = {"ref": canonical(ref), "registry": host, "outcome": "fail", "category": category}
    if status is not None:
        got["http_status"], want["http_status"] = rec.get("http_status"), status
    check(got == want, f"{what}: got {got}, want {want}; message {rec.get('message')!r}")
    check(bool(rec.get("message")), f"{what}: a failure needs a message")


def docker_config_dir(workdir, name, host, user, password):
    d = os.path.join(workdir, name)
    os.makedirs(d)
    auth = base64.b64encode(f"{user}:{password}".encode()).decode()
    secret_values.append(auth)
    with open(os.path.join(d, "config.json"), "w") as f:
        json.dump({"auths": {host: {"auth": auth}}}, f)
    return d


def write_json(path, obj):
    with open(path, "w") as f:
        json.dump(obj, f, indent=2)
    return path


def skopeo_digests(ref):
    """(sha256 of `skopeo inspect --raw`, `skopeo inspect --format {{.Digest}}`)."""
    raw = subprocess.run(["skopeo", "inspect", "--tls-verify=false", "--raw", f"docker://{ref}"],
                         capture_output=True, timeout=60)
    fmt = subprocess.run(["skopeo", "inspect", "--tls-verify=false", "--format", "{{.Digest}}",
                          f"docker://{ref}"], capture_output=True, timeout=60)
    return ("sha256:" + hashlib.sha256(raw.stdout).hexdigest() if raw.returncode == 0 else
            f"skopeo failed: {raw.stderr.decode()[-200:]}", fmt.stdout.decode().strip())


def anonymous_checks(pw, workdir):
    with regtest.Registry("anonymous", os.path.join(workdir, "reg-anon")) as reg:
        h = reg.host
        oci = reg.push_image("ci/tool", "1")
        docker = reg.push_image("ci/tool", "docker", media="docker")
        index = reg.push_multiarch("ci/multi", "1")
        dlist = reg.push_multiarch("ci/multi", "docker", media="docker")
        nix = reg.push_image("shell/jq/busybox", "latest")
        cases = [(f"{h}/ci/tool:1", oci), (f"{h}/ci/tool:docker", docker),
                 (f"{h}/ci/multi:1", index), (f"{h}/ci/multi:docker", dlist),
                 (f"{h}/shell/jq/busybox", nix)]
        refs = [r for r, _ in cases]
        code, recs, _ = pw.probe(refs, "anonymous ok")
        check(code == 0, f"anonymous ok: exit {code}, want 0")
        for (ref, pushed), rec in zip(cases, recs or []):
            expect_ok(rec, ref, h, pushed["digest"], f"probe {ref}")
            check(shutil.which("skopeo") is not None,
                  "skopeo is not installed (it is in .ci/packages.txt)")
            if shutil.which("skopeo"):
                # `--raw` prints the exact top-level manifest bytes: for ci/multi that is the
                # index / manifest list itself, whose digest is what a HEAD returns and what
                # `name@sha256:…` pins. Without --raw, skopeo 1.9 describes the platform it
                # picks (architecture, layers) but still reports the top-level manifest's
                # digest in .Digest, so both must equal pullwatch's digest.
                raw, fmt = skopeo_digests(ref)
                check(raw == rec.get("digest") == fmt,
                      f"skopeo {ref}: raw {raw}, .Digest {fmt}, pullwatch {rec.get('digest')}")

        # Missing tag / missing repository: not_found, 404, exit 1, order kept.
        refs = [f"{h}/ci/tool:1", f"{h}/ci/tool:nope", f"{h}/nothere/img:1"]
        code, recs, _ = pw.probe(refs, "anonymous missing")
        check(code == 1, f"missing: exit {code}, want 1")
        if recs:
            expect_ok(recs[0], refs[0], h, oci["digest"], "missing: ok ref first")
            expect_fail(recs[1], refs[1], h, "not_found", "missing tag", 404)
            expect_fail(recs[2], refs[2], h, "not_found", "missing repository", 404)
            check(recs[1].get("digest") is None, f"missing tag: digest {recs[1].get('digest')}")

        # Deep: bytes are the config + layer sizes of the image (linux/amd64 for the indexes:
        # pullwatch's default platform, matching the amd64 CI runners these tests run on).
        for ref, pushed in cases[:4]:
            image = pushed["images"]["linux/amd64"] if "images" in pushed else pushed
            code, recs, _ = pw.probe([ref], f"deep {ref}", "--deep")
            check(code == 0, f"deep {ref}: exit {code}")
            if recs:
                expect_ok(recs[0], ref, h, pushed["digest"], f"deep {ref}",
                          deep_bytes=image["blob_bytes"])

        # Deep with the platform from the config image entry.
        for platform, want in (("linux/s390x", None), ("linux/arm64", "linux/arm64")):
            ref = f"{h}/ci/multi:1"
            cfg = write_json(os.path.join(workdir, f"platform-{platform.replace('/', '-')}.json"),
                             {"registries": [{"host": h, "insecure": True}],
                              "images": [{"ref": ref, "group": "g", "label": "multi",
                                          "platform": platform}]})
            code, recs, _ = pw.probe([ref], f"deep {platform}", "--deep", "--config", cfg)
            if not recs:
                continue
            if want is None:
                check(code == 1, f"deep {platform}: exit {code}, want 1")
                expect_fail(recs[0], ref, h, "platform", f"deep {platform}")
            else:
                check(code == 0, f"deep {platform}: exit {code}, want 0")
                expect_ok(recs[0], ref, h, index["digest"], f"deep {platform}",
                          deep_bytes=index["images"][want]["blob_bytes"])

        p, _ = pw.run(["probe", "--no-store", "--timeout", "soon", f"{h}/ci/tool:1"],
                      "bad --timeout")
        check(p.returncode == 2, f"probe --timeout soon: exit {p.returncode}, want 2")


def htpasswd_checks(pw, workdir, db):
    password = "pw-" + os.urandom(9).hex()
    wrong = "wrong-" + os.urandom(9).hex()
    secret_values.extend([password, wrong])
    with regtest.Registry("htpasswd", os.path.join(workdir, "reg-basic"),
                          users={"ci": password}) as reg:
        h = reg.host
        img = reg.push_image("ci/private", "1")
        ref = f"{h}/ci/private:1"
        code, recs, _ = pw.probe([ref], "basic: no credentials", db=db)
        check(code == 1, f"basic without credentials: exit {code}")
        if recs:
            expect_fail(recs[0], ref, h, "auth", "basic without credentials", 401)

        bad = docker_config_dir(workdir, "docker-basic-bad", h, "ci", wrong)
        code, recs, _ = pw.probe([ref], "basic: wrong password", db=db, docker_config=bad)
        check(code == 1, f"basic wrong password: exit {code}")
        if recs:
            expect_fail(recs[0], ref, h, "auth", "basic wrong password", 401)

        good = docker_config_dir(workdir, "docker-basic-good", h, "ci", password)
        code, recs, _ = pw.probe([ref], "basic: docker config", db=db, docker_config=good)
        check(code == 0, f"basic via Docker config: exit {code}")
        if recs:
            expect_ok(recs[0], ref, h, img["digest"], "basic via Docker config")

        cfg = write_json(os.path.join(workdir, "basic-config.json"),
                         {"registries": [{"host": h, "auth": {"type": "basic", "username": "ci",
                                                              "password_env": "REG_PASS"}}]})
        code, recs, _ = pw.probe([ref], "basic: pullwatch config", "--config", cfg, db=db,
                                 env={"REG_PASS": password})
        check(code == 0, f"basic via config + REG_PASS: exit {code}")
        if recs:
            expect_ok(recs[0], ref, h, img["digest"], "basic via config + REG_PASS")
    return 4


def token_checks(pw, workdir, db):
    password = "tpw-" + os.urandom(9).hex()
    wrong = "twrong-" + os.urandom(9).hex()
    secret_values.extend([password, wrong])
    with regtest.Registry("token", os.path.join(workdir, "reg-token"), users={"ci": password},
                          anonymous_pull=False) as reg:
        h = reg.host
        img = reg.push_image("ci/tool", "1")
        ref = f"{h}/ci/tool:1"
        tokens = reg.tokens

        tokens.reset()
        code, recs, _ = pw.probe([ref], "token: anonymous", db=db)
        check(code == 1, f"token anonymous: exit {code}")
        if recs:
            expect_fail(recs[0], ref, h, "auth", "token anonymous (no pull access)", 401)
        anon = [r for r in tokens.requests if not r["authorization"]]
        check(any("repository:ci/tool:pull" in " ".join(r["query"].get("scope", []))
                  for r in anon),
              f"token anonymous: token server never asked for repository:ci/tool:pull "
              f"anonymously: {tokens.requests}")

        tokens.reset()
        bad = docker_config_dir(workdir, "docker-token-bad", h, "ci", wrong)
        code, recs, _ = pw.probe([ref], "token: wrong password", db=db, docker_config=bad)
        check(code == 1, f"token wrong password: exit {code}")
        if recs:
            expect_fail(recs[0], ref, h, "auth", "token wrong password")
        check(any(r["scheme"] == "basic" and r["status"] == 401 for r in tokens.requests),
              f"token wrong password: token server saw {tokens.requests}")

        tokens.reset()
        good = docker_config_dir(workdir, "docker-token-good", h, "ci", password)
        code, recs, _ = pw.probe([ref], "token: docker config", db=db, docker_config=good)
        check(code == 0, f"token via Docker config: exit {code}")
        if recs:
            expect_ok(recs[0], ref, h, img["digest"], "token via Docker config")
        check(any(r["scheme"] == "basic" and r["user"] == "ci" and r["status"] == 200
                  for r in tokens.requests),
              f"token via Docker config: no Basic token request seen: {tokens.requests}")

        static = reg.mint_token([("ci/tool", ["pull"])], sub="static", expires_in=3600)
        cfg = write_json(os.path.join(workdir, "token-config.json"),
                         {"registries": [{"host": h, "auth": {"type": "token",
                                                              "token_env": "REG_TOKEN"}}]})
        code, recs, _ = pw.probe([ref], "token: static bearer", "--config", cfg, db=db,
                                 env={"REG_TOKEN": static})
        check(code == 0, f"static bearer token via config: exit {code}")
        if recs:
            expect_ok(recs[0], ref, h, img["digest"], "static bearer token via config")
        # Every token the server handed out (to pullwatch or to the pusher) is a secret too;
        # the signature part alone is what makes it one.
        for token in tokens.issued:
            secret_values.extend([token, token.rsplit(".", 1)[1]])
    return 4


def secret_checks(pw, workdir, db, stored):
    p, _ = pw.run(["export", "--report", "events", "--db", db, "--from", "-1d"], "export")
    check(p.returncode == 0, f"export: exit {p.returncode}: {p.stderr[-300:]!r}")
    rows = list(csv.reader(io.StringIO(p.stdout.decode("utf-8", "replace"), newline="")))[1:]
    check(len(rows) == stored, f"export: {len(rows)} events, want {stored} stored probes")
    files = [os.path.join(workdir, f) for f in os.listdir(workdir) if f.startswith("h.db")]
    check(os.path.join(workdir, "h.db") in files, f"no history file {db}")
    blobs = [(f, open(f, "rb").read()) for f in files] + outputs
    for secret in secret_values:
        needle = secret.encode()
        for what, data in blobs:
            check(needle not in data, f"secret {secret[:6]}… appears in {what}")


def main():
    pullwatch, workdir = sys.argv[1], os.path.abspath(sys.argv[2])
    shutil.rmtree(workdir, ignore_errors=True)  # every run starts from nothing
    os.makedirs(workdir)
    pw = Pullwatch(pullwatch, workdir)
    db = os.path.join(workdir, "h.db")
    try:
        anonymous_checks(pw, workdir)
        stored = htpasswd_checks(pw, workdir, db)
        stored += token_checks(pw, workdir, db)
        secret_checks(pw, workdir, db, stored)
    except regtest.FixtureError as e:
        failures.append(f"fixture: {e}")
    for f in failures:
        print("FAIL " + f)
    print(f"{len(failures)} failures, {len(outputs)} pullwatch runs")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
