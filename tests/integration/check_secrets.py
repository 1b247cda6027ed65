#!/usr/bin/env python3
"""No secret pullwatch sends comes back out of it, whatever the registry echoes.

The fault server's echo scenarios answer with the Authorization header they received in error
bodies (500/401/403/404/429), in the reason phrase, in a redirect's URL, from a token endpoint's
401 and with a bearer token it issued itself. `probe` (stored), `serve` and every CSV report run
against them with Basic credentials from the environment, with a `token` registry credential and
with credentials from a Docker credential helper; then the history files, the reports, stdout
and stderr are searched for every form of every secret: the password, user:password, its base64
(padded, unpadded, URL-safe), percent-encoded and JSON-escaped, the tokens. A header value with a
line break is refused before anything is sent.

usage: check_secrets.py PULLWATCH WORKDIR
"""
import base64
import glob
import json
import os
import signal
import stat
import subprocess
import sys
import time
import urllib.parse

sys.dont_write_bytecode = True
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from faultserver import ECHO_NAMES, FaultServer  # noqa: E402

failures = []


def check(cond, what):
    if not cond:
        failures.append(what)
        print("FAIL " + what)
    return cond


def forms(secret):
    raw = secret.encode()
    out = {raw, base64.b64encode(raw), base64.b64encode(raw).rstrip(b"="),
           base64.urlsafe_b64encode(raw).rstrip(b"="),
           urllib.parse.quote(secret, safe="").encode(),
           secret.replace("/", "\\/").encode()}
    return {f for f in out if len(f) >= 6}


def leaks(blob, secrets):
    return sorted({f.decode(errors="replace") for s in secrets for f in forms(s) if f in blob})


def run(exe, env, args, timeout=60):
    return subprocess.run([exe] + args, capture_output=True, env=env, timeout=timeout)


def write(path, text, mode=None):
    with open(path, "w") as f:
        f.write(text)
    if mode:
        os.chmod(path, mode)


def scan(label, exe, env, db, outputs, secrets, workdir):
    """Searches outputs, the history files and every report made from the history."""
    for what, blob in outputs:
        found = leaks(blob, secrets)
        check(not found, f"{label}: {what} carries a secret: {found}")
    for report in ("events", "availability", "breakdown", "compare"):
        out = os.path.join(workdir, f"{label}-{report}.csv")
        p = run(exe, env, ["export", "--report", report, "--db", db, "--from", "-1d",
                           "--out", out])
        check(p.returncode == 0, f"{label}: export {report}: {p.stderr.decode()[-300:]}")
        with open(out, "rb") as f:
            data = f.read()
        found = leaks(data, secrets)
        check(not found, f"{label}: {report} report carries a secret: {found}")
    for path in glob.glob(db + "*"):
        with open(path, "rb") as f:
            found = leaks(f.read(), secrets)
        check(not found, f"{label}: {os.path.basename(path)} carries a secret: {found}")


def main():
    exe, workdir = sys.argv[1], sys.argv[2]
    os.makedirs(workdir, exist_ok=True)
    for old in glob.glob(os.path.join(workdir, "*.db*")):
        os.remove(old)
    env = {k: v for k, v in os.environ.items() if "proxy" not in k.lower()}
    env.update(HOME=workdir, XDG_DATA_HOME=os.path.join(workdir, "data"),
               XDG_CONFIG_HOME=os.path.join(workdir, "config"),
               DOCKER_CONFIG=os.path.join(workdir, "docker-empty"), no_proxy="*", NO_PROXY="*")
    user = "ci-user"
    password = "pa/ss+w0rd=" + os.urandom(6).hex()
    registry_token = "regtoken/" + os.urandom(8).hex()
    helper_password = "helper+secret/" + os.urandom(6).hex()

    with FaultServer() as fs:
        host = f"127.0.0.1:{fs.port}"
        refs = [f"{host}/{name}:latest" for name in ECHO_NAMES]

        # 1. Basic credentials from the environment; bearer tokens from the echoing realm.
        env1 = dict(env, REG_PASS=password)
        cfg = os.path.join(workdir, "basic.json")
        write(cfg, json.dumps({
            "registries": [{"host": host, "insecure": True,
                            "auth": {"type": "basic", "username": user,
                                     "password_env": "REG_PASS"}}],
            # echo429 would make serve leave the registry alone for 30 s
            "images": [{"ref": r, "interval": "10s"} for r in refs if "echo429" not in r]}))
        db = os.path.join(workdir, "basic.db")
        p = run(exe, env1, ["probe", "--config", cfg, "--db", db, "--timeout", "5"] + refs)
        check(p.returncode == 1, f"basic: probe exit 1, got {p.returncode}: {p.stderr!r}")
        lines = [json.loads(l) for l in p.stdout.decode().splitlines()]
        check(len(lines) == len(refs), f"basic: one line per ref, got {p.stdout!r} {p.stderr!r}")
        check(all(l["outcome"] == "fail" for l in lines), f"basic: all fail: {lines}")
        echoed = [r.headers.get("authorization", "") for r in fs.requests]
        check(any(a.startswith("Basic ") for a in echoed), "basic: the server saw Basic credentials")
        check(fs.issued_tokens, "basic: the echoing realm issued a token")
        categories = {l["ref"].split("/")[1]: l["category"] for l in lines}
        check(categories.get("echo429") == "rate_limit" and categories.get("echo500") == "server_error"
              and categories.get("echo404") == "not_found" and categories.get("echo403") == "auth",
              f"basic: categories still come from the statuses: {categories}")
        echoes = [l["message"] for l in lines if "got " in l["message"] or "/leak/" in l["message"]]
        check(len(echoes) >= len(refs) - 1 and all("***" in m for m in echoes),
              f"basic: echoed secrets show as ***: {[l['message'] for l in lines]}")

        # serve on the same images, a few rounds of probes, stopped by SIGTERM
        log_path = os.path.join(workdir, "serve.log")
        with open(log_path, "wb") as log:
            proc = subprocess.Popen([exe, "serve", "--config", cfg, "--db", db], env=env1,
                                    stdout=subprocess.PIPE, stderr=log)
            deadline = time.monotonic() + 30
            while time.monotonic() < deadline:
                time.sleep(0.5)
                with open(log_path, "rb") as f:
                    if f.read().count(b"\n") >= len(refs):  # a header line + one per image
                        break
            proc.send_signal(signal.SIGTERM)
            serve_out, _ = proc.communicate(timeout=20)
        with open(log_path, "rb") as f:
            serve_err = f.read()
        check(serve_err.count(b"\n") >= len(refs), f"serve: logged its probes: {serve_err[-500:]!r}")
        secrets = [password, f"{user}:{password}"] + fs.issued_tokens
        scan("basic", exe, env1, db,
             [("probe stdout", p.stdout), ("probe stderr", p.stderr),
              ("serve stdout", serve_out), ("serve stderr", serve_err)], secrets, workdir)

        # 2. A registry token (auth type "token") sent as the Bearer token as it is.
        env2 = dict(env, REG_TOKEN=registry_token)
        cfg2 = os.path.join(workdir, "token.json")
        write(cfg2, json.dumps({"registries": [{"host": host, "insecure": True,
                                                "auth": {"type": "token",
                                                         "token_env": "REG_TOKEN"}}]}))
        db2 = os.path.join(workdir, "token.db")
        token_refs = [f"{host}/{n}:latest" for n in ("echo500/app", "echo404/app", "bearerecho/app",
                                                      "echoredirect/app")]
        p = run(exe, env2, ["probe", "--config", cfg2, "--db", db2, "--timeout", "5"] + token_refs)
        check(p.returncode == 1, f"token: probes ran and failed: {p.stdout!r} {p.stderr!r}")
        check(any(r.headers.get("authorization") == "Bearer " + registry_token for r in fs.requests),
              "token: the server saw the registry token")
        scan("token", exe, env2, db2, [("probe stdout", p.stdout), ("probe stderr", p.stderr)],
             [registry_token], workdir)

        # 3. Credentials from a Docker credential helper.
        docker = os.path.join(workdir, "docker")
        bindir = os.path.join(workdir, "bin")
        os.makedirs(docker, exist_ok=True)
        os.makedirs(bindir, exist_ok=True)
        write(os.path.join(docker, "config.json"), json.dumps({"credHelpers": {host: "pwtest"}}))
        write(os.path.join(bindir, "docker-credential-pwtest"),
              "#!/bin/sh\ncat >/dev/null\nprintf '%s' '" +
              json.dumps({"Username": "helper-user", "Secret": helper_password}) + "'\n",
              stat.S_IRWXU)
        env3 = dict(env, DOCKER_CONFIG=docker, PATH=bindir + os.pathsep + env.get("PATH", ""))
        db3 = os.path.join(workdir, "helper.db")
        p = run(exe, env3, ["probe", "--db", db3, "--insecure", "--timeout", "5"] + refs)
        check(any(r.headers.get("authorization", "") ==
                  "Basic " + base64.b64encode(f"helper-user:{helper_password}".encode()).decode()
                  for r in fs.requests), "helper: the server saw the helper's credentials")
        scan("helper", exe, env3, db3, [("probe stdout", p.stdout), ("probe stderr", p.stderr)],
             [helper_password, f"helper-user:{helper_password}"] + fs.issued_tokens, workdir)

        # 4. A secret with a line break is refused, not sent as a second header.
        before = len(fs.requests)
        env4 = dict(env, REG_PASS="pw\r\nX-Injected: 1")
        p = run(exe, env4, ["probe", "--config", cfg, "--no-store", "--timeout", "5", refs[0]])
        out = p.stdout.decode()
        check(p.returncode == 1 and "line break" in out,
              f"CR/LF secret: refused with a clear message: {out!r} {p.stderr!r}")
        check(not any("x-injected" in r.headers for r in fs.requests[before:]),
              "CR/LF secret: no injected header reached the server")

    if failures:
        print(f"{len(failures)} failure(s)")
        return 1
    print("secrets: no form of any secret in any output, report or history file")
    return 0


if __name__ == "__main__":
    sys.exit(main())
