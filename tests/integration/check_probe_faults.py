#!/usr/bin/env python3
"""`pullwatch probe` against a fake registry that misbehaves on purpose (faultserver.py).

One JSON line per reference, the failure category each fault must map to, exit codes, the
timeout budget, redirects without Authorization, and the token never printed.

usage: check_probe_faults.py PULLWATCH WORKDIR
"""
import http.server
import json
import os
import socket
import subprocess
import sys
import threading
import time

sys.dont_write_bytecode = True  # keep the source tree clean
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from faultserver import FaultServer, sha256  # noqa: E402

KEYS = ["ref", "registry", "outcome", "category", "http_status", "digest", "latency_ms", "bytes",
        "ratelimit_remaining", "message"]
CATEGORIES = {"platform", "integrity", "disk", "rate_limit", "auth", "not_found", "server_error",
              "tls", "dns", "timeout", "connection", "transport", "canceled", "backoff", "unknown"}
TIMEOUT = 3
failures = []
checks = 0


class NotARegistry(http.server.BaseHTTPRequestHandler):
    """A web server that has never heard of /v2/."""
    paths = []

    def do_GET(self):
        NotARegistry.paths.append(self.path)
        self.send_error(404)

    do_HEAD = do_GET

    def log_message(self, *args):
        pass


def check(what, cond, detail=""):
    global checks
    checks += 1
    if not cond:
        failures.append(what)
        print(f"FAIL {what}" + (f": {detail}" if detail else ""))
    return cond


class Run:
    def __init__(self, p, elapsed):
        self.rc = p.returncode
        self.out = p.stdout.decode("utf-8", "replace")
        self.err = p.stderr.decode("utf-8", "replace")
        self.elapsed = elapsed
        self.lines = []
        for line in self.out.splitlines():
            try:
                self.lines.append(json.loads(line, object_pairs_hook=lambda kv: kv))
            except ValueError:
                self.lines.append(None)

    def objects(self):
        return [dict(kv) if kv is not None else None for kv in self.lines]

    def __str__(self):
        return f"exit {self.rc}, {self.elapsed:.1f} s, stdout {self.out.strip()!r}, stderr {self.err.strip()[-400:]!r}"


def probe(exe, env, refs, deep=False, insecure=False):
    args = [exe, "probe", "--no-store", "--timeout", str(TIMEOUT)]
    if deep:
        args.append("--deep")
    if insecure:
        args.append("--insecure")
    start = time.monotonic()
    p = subprocess.run(args + refs, capture_output=True, env=env, timeout=60)
    return Run(p, time.monotonic() - start)


def check_line(label, run, kv, ref, registry):
    """Shape of one JSON line; returns it as a dict (or {} when malformed)."""
    if not check(f"{label}: JSON line", kv is not None, str(run)):
        return {}
    got = dict(kv)
    check(f"{label}: keys in contract order", [k for k, _ in kv] == KEYS, [k for k, _ in kv])
    check(f"{label}: ref", got.get("ref") == ref, got.get("ref"))
    check(f"{label}: registry", got.get("registry") == registry, got.get("registry"))
    outcome, category = got.get("outcome"), got.get("category")
    check(f"{label}: outcome/category consistent",
          (outcome == "ok" and category is None) or (outcome == "fail" and category in CATEGORIES),
          f"{outcome}/{category}")
    for key in ("http_status", "latency_ms", "bytes"):
        v = got.get(key)
        check(f"{label}: {key} is a non-negative int",
              isinstance(v, int) and not isinstance(v, bool) and v >= 0, v)
    rl = got.get("ratelimit_remaining")
    check(f"{label}: ratelimit_remaining int or null", rl is None or isinstance(rl, int), rl)
    d = got.get("digest")
    check(f"{label}: digest null or sha256", d is None or (isinstance(d, str) and d.startswith("sha256:")
                                                           and len(d) == 71), d)
    check(f"{label}: message is a string", isinstance(got.get("message"), str), got.get("message"))
    if outcome == "fail":
        check(f"{label}: failure has a message", bool(got.get("message")), got.get("message"))
    return got


def main():
    exe, workdir = sys.argv[1], sys.argv[2]
    os.makedirs(workdir, exist_ok=True)
    env = {k: v for k, v in os.environ.items() if "proxy" not in k.lower()}
    env.update(HOME=workdir, XDG_DATA_HOME=os.path.join(workdir, "data"),
               XDG_CONFIG_HOME=os.path.join(workdir, "config"),
               XDG_CACHE_HOME=os.path.join(workdir, "cache"),
               DOCKER_CONFIG=os.path.join(workdir, "docker"), no_proxy="*", NO_PROXY="*",
               QT_QPA_PLATFORM="offscreen")

    with FaultServer() as fs:
        host = f"127.0.0.1:{fs.port}"

        def ref(name):
            return f"{host}/{name}:latest"

        def single(name, deep=False, category=None, status=None, digest=None, message=None,
                   rl="any", nbytes=None, max_elapsed=None):
            label = name + (" (deep)" if deep else "")
            before = len(fs.requests)
            run = probe(exe, env, [ref(name)], deep=deep)
            objs = run.lines
            if not check(f"{label}: exactly one line", len(objs) == 1, str(run)):
                return run, {}, fs.requests[before:]
            got = check_line(label, run, objs[0], ref(name), host)
            want_outcome = "ok" if category is None else "fail"
            check(f"{label}: outcome {want_outcome}", got.get("outcome") == want_outcome, str(run))
            check(f"{label}: category {category}", got.get("category") == category, str(run))
            check(f"{label}: exit code", run.rc == (0 if category is None else 1), str(run))
            if status is not None:
                check(f"{label}: http_status {status}", got.get("http_status") == status,
                      got.get("http_status"))
            if digest is not None:
                check(f"{label}: digest", got.get("digest") == digest, got.get("digest"))
            if message is not None:
                check(f"{label}: message mentions {message!r}", message in str(got.get("message")),
                      got.get("message"))
            if rl != "any":
                check(f"{label}: ratelimit_remaining {rl}", got.get("ratelimit_remaining") == rl,
                      got.get("ratelimit_remaining"))
            if nbytes is not None:
                check(f"{label}: bytes {nbytes}", got.get("bytes") == nbytes, got.get("bytes"))
            if max_elapsed is not None:
                check(f"{label}: finished within {max_elapsed} s", run.elapsed <= max_elapsed,
                      f"{run.elapsed:.1f} s")
            check(f"{label}: token never printed", fs.token not in run.out + run.err)
            return run, got, fs.requests[before:]

        # --- plain manifest probes ---
        single("ok/plain", status=200, digest=fs.manifest_digest("ok/plain"), rl=None)
        # nixery-like: no Docker-Content-Digest, the prober must hash the exact body
        _, _, reqs = single("nodigest/app", status=200,
                            digest=sha256(fs.manifest_bytes("nodigest/app")))
        check("nodigest/app: manifest fetched with GET",
              any(r.method == "GET" and "/manifests/" in r.path for r in reqs),
              [(r.method, r.path) for r in reqs])
        single("ratelimited/app", category="rate_limit", status=429, rl=0, message="TOOMANYREQUESTS")
        single("limited/app", status=200, rl=76, digest=fs.manifest_digest("limited/app"))
        single("error500/app", category="server_error", status=500, message="image build failure")
        single("error503/app", category="server_error", status=503)
        single("hang/app", category="timeout", status=0, max_elapsed=TIMEOUT + 2)
        single("reset/app", category="transport", status=0)
        single("eof/app", category="transport")
        single("garbage/app", category="transport", status=0)
        single("notfound/app", category="not_found", status=404, message="MANIFEST_UNKNOWN")
        single("denied/app", category="auth", status=403)

        # --- deep probes: auth, redirects, digests, indexes ---
        _, got, reqs = single("private/app", deep=True, status=200,
                              digest=fs.manifest_digest("private/app"),
                              nbytes=fs.blob_total("private/app"))
        token_reqs = [r for r in reqs if r.path.startswith("/token")]
        check("private/app: token endpoint used", bool(token_reqs), [(r.method, r.path) for r in reqs])
        check("private/app: token request asks for the pull scope",
              any("scope=repository%3Aprivate%2Fapp%3Apull" in r.path
                  or "scope=repository:private/app:pull" in r.path for r in token_reqs),
              [r.path for r in token_reqs])
        check("private/app: manifest retried with the bearer token",
              any("/manifests/" in r.path and r.headers.get("authorization") == "Bearer " + fs.token
                  for r in reqs))
        storage = [r for r in reqs if r.path.startswith("/storage/")]
        check("private/app: redirect to storage followed", len(storage) >= 3,
              [(r.method, r.path) for r in reqs])
        check("private/app: storage reached on the redirect host (localhost)",
              all(r.host == f"localhost:{fs.port}" for r in storage), [r.host for r in storage])
        check("private/app: no Authorization sent across hosts",
              not any("authorization" in r.headers for r in storage),
              [r.headers.get("authorization", "")[:12] for r in storage])
        check("private/app: signed query kept on the redirect",
              all(r.path.endswith("?sig=xyz") for r in storage), [r.path for r in storage])

        _, _, reqs = single("redir303/app", deep=True, digest=fs.manifest_digest("redir303/app"),
                            nbytes=fs.blob_total("redir303/app"))
        check("redir303/app: 303 followed to storage",
              any(r.path.startswith("/storage/") for r in reqs), [(r.method, r.path) for r in reqs])
        single("badblob/app", deep=True, category="integrity")
        _, _, reqs = single("index/app", deep=True, digest=fs.manifest_digest("index/app"),
                            nbytes=fs.blob_total("index/app", "amd64"))
        amd = fs.images["index/app"].platform_children["amd64"].digest
        arm = fs.images["index/app"].platform_children["arm64"].digest
        check("index/app: linux/amd64 child fetched", any(r.path.endswith("/manifests/" + amd)
                                                          for r in reqs))
        check("index/app: linux/arm64 child not fetched", not any(r.path.endswith("/manifests/" + arm)
                                                                  for r in reqs))

        # --- nothing listening: bound but not listening, so connect() is refused ---
        dead = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        dead.bind(("127.0.0.1", 0))
        dead_port = dead.getsockname()[1]
        try:
            run = probe(exe, env, [f"127.0.0.1:{dead_port}/app:latest"])
            got = check_line("refused", run, run.lines[0] if len(run.lines) == 1 else None,
                             f"127.0.0.1:{dead_port}/app:latest", f"127.0.0.1:{dead_port}")
            check("refused: category connection", got.get("category") == "connection", str(run))
            check("refused: exit 1", run.rc == 1, str(run))
            check("refused: http_status 0", got.get("http_status") == 0, got.get("http_status"))
        finally:
            dead.close()

        # --- name that cannot resolve ---
        run = probe(exe, env, ["nonexistent.invalid:5000/app"], insecure=True)
        got = check_line("dns", run, run.lines[0] if len(run.lines) == 1 else None,
                         "nonexistent.invalid:5000/app:latest", "nonexistent.invalid:5000")
        check("dns: category dns", got.get("category") == "dns", str(run))
        check("dns: exit 1", run.rc == 1, str(run))
        check("dns: http_status 0", got.get("http_status") == 0, got.get("http_status"))

        # --- a web server that is no registry: GET /v2/ says 404 before any manifest ---
        web = http.server.ThreadingHTTPServer(("127.0.0.1", 0), NotARegistry)
        threading.Thread(target=web.serve_forever, daemon=True).start()
        try:
            web_host = f"127.0.0.1:{web.server_address[1]}"
            run = probe(exe, env, [f"{web_host}/app:latest"])
            got = check_line("no registry", run, run.lines[0] if len(run.lines) == 1 else None,
                             f"{web_host}/app:latest", web_host)
            check("no registry: category not_found", got.get("category") == "not_found", str(run))
            check("no registry: GET /v2/ named", got.get("http_status") == 404
                  and "no registry API here" in got.get("message", ""), str(run))
            check("no registry: no manifest request", NotARegistry.paths == ["/v2/"],
                  str(NotARegistry.paths))
        finally:
            web.shutdown()
            web.server_close()

        # --- several references in one run: input order, exit 1 when any failed ---
        names = ["limited/app", "notfound/app", "ok/plain", "error500/app", "nodigest/app"]
        run = probe(exe, env, [ref(n) for n in names])
        objs = run.objects()
        check("several: one line per ref", len(objs) == len(names), str(run))
        check("several: input order", [o.get("ref") if o else None for o in objs]
              == [ref(n) for n in names], str(run))
        check("several: outcomes", [o.get("outcome") if o else None for o in objs]
              == ["ok", "fail", "ok", "fail", "ok"], str(run))
        check("several: exit 1", run.rc == 1, str(run))
        run = probe(exe, env, [ref(n) for n in ("ok/plain", "limited/app", "nodigest/app")])
        objs = run.objects()
        check("several ok: three ok lines", [o.get("outcome") if o else None for o in objs]
              == ["ok", "ok", "ok"], str(run))
        check("several ok: exit 0", run.rc == 0, str(run))
        # a hang among others must not hold up the rest beyond the budget
        run = probe(exe, env, [ref("hang/app"), ref("ok/plain")])
        objs = run.objects()
        check("hang+ok: categories", [o.get("category") if o else "?" for o in objs]
              == ["timeout", None], str(run))
        check("hang+ok: exit 1", run.rc == 1, str(run))
        check("hang+ok: within budget", run.elapsed <= 2 * TIMEOUT + 2, f"{run.elapsed:.1f} s")

    print(f"{checks - len(failures)} passed, {len(failures)} failed")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
