#!/usr/bin/env python3
"""`pullwatch ingest` end to end against local emulations of the GitHub Actions and GitLab APIs
(ciemulator.py) and against files: every pull of every job stored with its job URL, a second
ingest adds nothing, the log storage host never sees a token, and no token reaches the output,
the history file or an export.

usage: check_ingest.py PULLWATCH WORKDIR
"""
import csv
import glob
import io
import json
import os
import shutil
import subprocess
import sys

sys.dont_write_bytecode = True
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from ciemulator import CiEmulator  # noqa: E402

GITHUB_TOKEN = "ghp_checkIngestSecret0123456789"
GITLAB_TOKEN = "glpat-checkIngestSecret98765"
failures = []
checks = 0


def check(what, cond, detail=""):
    global checks
    checks += 1
    if not cond:
        failures.append(what)
        print(f"FAIL {what}" + (f": {detail}" if detail else ""))
    return cond


class Pullwatch:
    def __init__(self, exe, workdir):
        self.exe = exe
        self.env = {k: v for k, v in os.environ.items() if "proxy" not in k.lower()}
        for var in ("HOME", "XDG_CONFIG_HOME", "XDG_DATA_HOME"):
            self.env[var] = workdir
        self.outputs = []

    def run(self, *args, env=None):
        p = subprocess.run([self.exe, *args], capture_output=True, timeout=120,
                           env={**self.env, **(env or {})})
        self.outputs += [p.stdout, p.stderr]
        return p

    def ingest(self, what, *args, env=None):
        p = self.run("ingest", *args, env=env)
        totals = None
        try:
            totals = json.loads(p.stdout.decode().strip().splitlines()[-1])
        except (ValueError, IndexError):
            pass
        check(f"{what}: exit 0", p.returncode == 0, p.stderr.decode()[-500:])
        check(f"{what}: totals printed", isinstance(totals, dict), p.stdout.decode()[-300:])
        return totals or {}

    def events(self, db):
        p = self.run("export", "--report", "events", "--db", db, "--from", "2000-01-01")
        check("export: exit 0", p.returncode == 0, p.stderr.decode())
        return list(csv.DictReader(io.StringIO(p.stdout.decode("utf-8"), newline="")))


def check_api(pw, emu, workdir, provider):
    github = provider == "github"
    db = os.path.join(workdir, f"{provider}.db")
    if github:
        args = ["--github", "octo-org/octo-repo", "--api-url",
                f"http://127.0.0.1:{emu.ports['github']}", "--db", db]
        env = {"GITHUB_TOKEN": GITHUB_TOKEN}
    else:
        args = ["--gitlab", "group/sub/project", "--api-url",
                f"http://127.0.0.1:{emu.ports['gitlab']}/api/v4", "--db", db]
        env = {"GITLAB_TOKEN": GITLAB_TOKEN}

    first = pw.ingest(f"{provider} first", *args, env=env)
    check(f"{provider}: jobs read", first.get("jobs", 0) >= 3, first)
    check(f"{provider}: pulls stored", first.get("events", 0) >= first.get("jobs", 0) - first.get(
        "missing_logs", 0), first)
    events = pw.events(db)
    check(f"{provider}: export has the stored events", len(events) == first.get("events"),
          f"{len(events)} vs {first}")
    jobs = {e["ci_job_id"] for e in events}
    check(f"{provider}: every job with a log has its pulls",
          len(jobs) == first.get("jobs", 0) - first.get("missing_logs", 0), f"{jobs} vs {first}")
    for e in events:
        check(f"{provider}: event context", e["source"] == "ci" and e["ci_provider"] == provider
              and e["ci_job_url"].startswith("https://") and int(e["ci_line"]) > 0
              and e["ci_run_id"] and e["ci_job_name"] and e["image"], e)
    check(f"{provider}: ok and failed pulls", {e["outcome"] for e in events} == {"ok", "fail"},
          {e["outcome"] for e in events})

    second = pw.ingest(f"{provider} again", *args, env=env)
    check(f"{provider}: second ingest adds nothing", second.get("jobs") == 0
          and second.get("events") == 0, second)
    check(f"{provider}: history unchanged", len(pw.events(db)) == len(events))

    storage = [r for r in emu.requests() if r["server"] == "storage"]
    if github:
        check("github: logs came from the storage host", len(storage) > 0, emu.requests()[-3:])
    for r in storage:
        check(f"{provider}: storage got no credentials",
              "authorization" not in r["headers"] and "private-token" not in r["headers"], r)

    wrong = pw.run("ingest", *args, env={("GITHUB_TOKEN" if github else "GITLAB_TOKEN"): "wrong"})
    err = wrong.stderr.decode()
    check(f"{provider}: wrong token exits 2", wrong.returncode == 2, err)
    check(f"{provider}: wrong token, one line naming 401", err.count("\n") == 1 and "401" in err,
          err)
    return db


def main():
    exe, workdir = sys.argv[1], sys.argv[2]
    shutil.rmtree(workdir, ignore_errors=True)
    os.makedirs(workdir)
    pw = Pullwatch(exe, workdir)
    dbs = []
    with CiEmulator(GITHUB_TOKEN, GITLAB_TOKEN) as emu:
        dbs.append(check_api(pw, emu, workdir, "github"))
        dbs.append(check_api(pw, emu, workdir, "gitlab"))

    # Files: a directory read twice adds its pulls once; a grown file adds only its new pull.
    logs = os.path.join(workdir, "logs")
    os.makedirs(logs)
    path = os.path.join(logs, "job.log")
    with open(path, "w") as f:
        f.write("2025-05-18T08:42:15.1234567Z Run docker pull busybox:1.36\n"
                "2025-05-18T08:42:16.1234567Z Error response from daemon: toomanyrequests: "
                "You have reached your pull rate limit. You may increase the limit by "
                "authenticating and upgrading: https://www.docker.com/increase-rate-limit\n")
    db = os.path.join(workdir, "files.db")
    first = pw.ingest("files first", logs, "--db", db)
    check("files: one pull", first.get("files") == 1 and first.get("events") == 1, first)
    again = pw.ingest("files again", logs, "--db", db)
    check("files: unchanged adds nothing", again.get("events") == 0
          and again.get("unchanged_files") == 1, again)
    with open(path, "a") as f:
        f.write("2025-05-18T08:50:00.0000000Z Status: Downloaded newer image for busybox:1.36\n")
    grown = pw.ingest("files grown", logs, "--db", db)
    check("files: grown adds the new pull", grown.get("events") == 1 and grown.get("ok") == 1,
          grown)
    events = pw.events(db)
    check("files: two events in all", len(events) == 2, events)
    dbs.append(db)
    missing = pw.run("ingest", os.path.join(workdir, "nope"), "--db", db)
    check("files: missing path exits 2 naming it", missing.returncode == 2
          and "nope" in missing.stderr.decode(), missing.stderr.decode())

    # serve ingests the config's CI sources at their interval: a log appended while it runs is
    # in the history before it stops.
    import signal
    import time
    cfg = os.path.join(workdir, "serve.json")
    with open(cfg, "w") as f:
        json.dump({"ci": [{"provider": "files", "path": logs, "interval": "10s"}]}, f)
    serve_db = os.path.join(workdir, "serve.db")
    proc = subprocess.Popen([exe, "serve", "--config", cfg, "--db", serve_db],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=pw.env)
    time.sleep(3)
    with open(path, "a") as f:
        f.write("2025-05-18T09:00:00.0000000Z Run docker pull nginx:1.25\n"
                "2025-05-18T09:00:01.0000000Z Status: Downloaded newer image for nginx:1.25\n")
    time.sleep(10)  # the next round, 10 s after the first (the shortest interval allowed)
    proc.send_signal(signal.SIGTERM)
    out, err = proc.communicate(timeout=15)
    check("serve: exits 0 on SIGTERM", proc.returncode == 0, err.decode()[-500:])
    served = pw.events(serve_db)
    check("serve: the log's pulls, the appended one included", len(served) == 3
          and served[-1]["image"] == "docker.io/library/nginx:1.25", served)
    dbs.append(serve_db)

    # No token anywhere: outputs, history files, exports.
    blobs = list(pw.outputs)
    for db in dbs:
        for f in glob.glob(db + "*"):
            with open(f, "rb") as h:
                blobs.append(h.read())
    for token in (GITHUB_TOKEN, GITLAB_TOKEN):
        check(f"token {token[:6]}… never written", all(token.encode() not in b for b in blobs))

    print(f"{checks - len(failures)} passed, {len(failures)} failed")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
