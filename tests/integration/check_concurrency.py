#!/usr/bin/env python3
"""Two pullwatch processes at once store each pull exactly once, and both succeed.

- two `ingest DIR` of the same directory at once (three rounds, fresh histories);
- two `ingest --github` of the same CI emulation at once;
- `serve` with a files source on the directory plus a manual `ingest` of it;
- two processes creating one new history at once (`ingest` and `probe`, ten rounds), and two
  `demo` runs into one path: both exit 0, the history holds one demo's events;
- the totals each ingest prints add up to what the history holds (they say what was committed).

usage: check_concurrency.py PULLWATCH WORKDIR
"""
import collections
import csv
import io
import json
import os
import shutil
import signal
import subprocess
import sys
import time

sys.dont_write_bytecode = True
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from ciemulator import CiEmulator  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
LOGS = os.path.join(HERE, "..", "data", "logs")
GITHUB_TOKEN = "ghp_concurrencyCheck0123456789"
failures = []


def check(cond, what):
    if not cond:
        failures.append(what)
        print("FAIL " + what)
    return cond


class Pullwatch:
    def __init__(self, exe, workdir):
        self.exe = exe
        self.env = {k: v for k, v in os.environ.items() if "proxy" not in k.lower()}
        for var in ("HOME", "XDG_CONFIG_HOME", "XDG_DATA_HOME"):
            self.env[var] = workdir
        self.env["GITHUB_TOKEN"] = GITHUB_TOKEN

    def start(self, *args):
        return subprocess.Popen([self.exe, *args], stdout=subprocess.PIPE,
                                stderr=subprocess.PIPE, env=self.env)

    def both(self, first, second):
        """Starts two commands at once; their (returncode, stdout, stderr)."""
        procs = [self.start(*first), self.start(*second)]
        out = []
        for p in procs:
            stdout, stderr = p.communicate(timeout=300)
            out.append((p.returncode, stdout.decode(), stderr.decode()))
        return out

    def events(self, db):
        p = subprocess.run([self.exe, "export", "--report", "events", "--db", db, "--from",
                            "2000-01-01", "--to", "+1d"], capture_output=True, env=self.env,
                           timeout=120)
        check(p.returncode == 0, f"export {db}: {p.stderr.decode()}")
        return list(csv.DictReader(io.StringIO(p.stdout.decode("utf-8"), newline="")))


def totals(stdout):
    try:
        return json.loads(stdout.strip().splitlines()[-1])
    except (ValueError, IndexError):
        return {}


def duplicates(events):
    keys = collections.Counter((e["ci_job_url"], e["ci_line"]) for e in events)
    return sum(n - 1 for n in keys.values() if n > 1)


def make_logs(workdir):
    """Many job logs: every real log of tests/data/logs, 30 times under different names."""
    logs = os.path.join(workdir, "logs")
    shutil.rmtree(logs, ignore_errors=True)
    os.makedirs(logs)
    sources = sorted(f for f in os.listdir(LOGS) if f.endswith(".log"))
    for i in range(30):
        for name in sources:
            shutil.copy(os.path.join(LOGS, name), os.path.join(logs, f"{i:02d}-{name}"))
    return logs


def check_ingest_twice(pw, workdir, logs):
    reference = os.path.join(workdir, "reference.db")
    p = subprocess.run([pw.exe, "ingest", logs, "--db", reference], capture_output=True,
                       env=pw.env, timeout=300)
    check(p.returncode == 0, f"reference ingest: {p.stderr.decode()[-300:]}")
    want = len(pw.events(reference))
    check(want > 1000, f"the logs hold many pulls ({want})")
    for round_ in range(3):
        db = os.path.join(workdir, f"twice-{round_}.db")
        results = pw.both(["ingest", logs, "--db", db], ["ingest", logs, "--db", db])
        for rc, out, err in results:
            check(rc == 0, f"ingest x2 round {round_}: exit {rc}: {err[-300:]}")
        events = pw.events(db)
        check(len(events) == want, f"ingest x2 round {round_}: {len(events)} events, want {want}")
        check(duplicates(events) == 0, f"ingest x2 round {round_}: {duplicates(events)} duplicates")
        stored = sum(totals(out).get("events", -1) for _, out, _ in results)
        check(stored == want, f"ingest x2 round {round_}: totals say {stored} stored, the history "
                              f"holds {want}")
    return want


def check_github_twice(pw, workdir):
    with CiEmulator(GITHUB_TOKEN, "unused") as emu:
        args = ["ingest", "--github", "octo-org/octo-repo", "--api-url",
                f"http://127.0.0.1:{emu.ports['github']}"]
        reference = os.path.join(workdir, "github-reference.db")
        p = subprocess.run([pw.exe, *args, "--db", reference], capture_output=True, env=pw.env,
                           timeout=300)
        check(p.returncode == 0, f"github reference: {p.stderr.decode()[-300:]}")
        want = len(pw.events(reference))
        check(want > 0, "github: the emulation's jobs hold pulls")
        for round_ in range(3):
            db = os.path.join(workdir, f"github-{round_}.db")
            results = pw.both([*args, "--db", db], [*args, "--db", db])
            for rc, out, err in results:
                check(rc == 0, f"github x2 round {round_}: exit {rc}: {err[-300:]}")
            events = pw.events(db)
            check(len(events) == want and duplicates(events) == 0,
                  f"github x2 round {round_}: {len(events)} events ({duplicates(events)} "
                  f"duplicates), want {want}")
            stored = sum(totals(out).get("events", -1) for _, out, _ in results)
            check(stored == want, f"github x2 round {round_}: totals say {stored}, want {want}")


def check_serve_and_ingest(pw, workdir, logs, want):
    db = os.path.join(workdir, "serve.db")
    cfg = os.path.join(workdir, "serve.json")
    # The logs are from 2025: serve's retention (400 days by default) would drop the raw events
    # of those ingest stored before serve's first round, and the count would depend on timing.
    with open(cfg, "w") as f:
        json.dump({"ci": [{"provider": "files", "path": logs, "interval": "10m"}],
                   "retention": "36500d"}, f)
    log_path = os.path.join(workdir, "serve.log")
    with open(log_path, "wb") as log:
        serve = subprocess.Popen([pw.exe, "serve", "--config", cfg, "--db", db], env=pw.env,
                                 stdout=subprocess.DEVNULL, stderr=log)
        ingest = subprocess.run([pw.exe, "ingest", logs, "--db", db], capture_output=True,
                                env=pw.env, timeout=300)
        check(ingest.returncode == 0, f"serve + ingest: ingest exit {ingest.returncode}: "
                                      f"{ingest.stderr.decode()[-300:]}")
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:  # serve logs a line when its CI round is done
            with open(log_path, "rb") as f:
                if f.read().count(b"\n") >= 2:
                    break
            time.sleep(0.2)
        serve.send_signal(signal.SIGTERM)
        check(serve.wait(timeout=30) == 0, "serve + ingest: serve exit 0 after SIGTERM")
    with open(log_path, errors="replace") as f:
        check(f.read().count("\n") >= 2, "serve + ingest: serve finished its CI round")
    events = pw.events(db)
    check(len(events) == want and duplicates(events) == 0,
          f"serve + ingest: {len(events)} events ({duplicates(events)} duplicates), want {want}")


def check_new_history_race(pw, workdir):
    small = os.path.join(LOGS, "docker-cli.log")
    for round_ in range(10):
        db = os.path.join(workdir, "new", f"race-{round_}.db")
        results = pw.both(["ingest", small, "--db", db],
                          ["probe", "--no-store", "--timeout", "1", "--db", db, "127.0.0.1:9/x"]
                          if round_ % 2 else ["ingest", small, "--db", db])
        for rc, out, err in results:
            check(rc in (0, 1) and "locked" not in err and "already exists" not in err,
                  f"new history round {round_}: exit {rc}: {err.strip()[-300:]}")
    db = os.path.join(workdir, "demo-race.db")
    for round_ in range(3):
        results = pw.both(["demo", "--events", "20000", "--db", db],
                          ["demo", "--events", "20000", "--db", db])
        for rc, out, err in results:
            check(rc == 0, f"demo x2 round {round_}: exit {rc}: {err.strip()[-300:]}")
        p = subprocess.run([pw.exe, "export", "--report", "availability", "--db", db, "--from",
                            "2000-01-01", "--to", "+1d", "--bucket", "1d"], capture_output=True,
                           env=pw.env, timeout=120)
        rows = list(csv.DictReader(io.StringIO(p.stdout.decode(), newline="")))
        total = sum(int(r["total"]) for r in rows)
        check(total == 20000, f"demo x2 round {round_}: the history holds {total} events, want 20000")


def main():
    exe, workdir = sys.argv[1], sys.argv[2]
    shutil.rmtree(workdir, ignore_errors=True)
    os.makedirs(workdir)
    pw = Pullwatch(exe, workdir)
    logs = make_logs(workdir)
    want = check_ingest_twice(pw, workdir, logs)
    check_github_twice(pw, workdir)
    check_serve_and_ingest(pw, workdir, logs, want)
    check_new_history_race(pw, workdir)
    if failures:
        print(f"{len(failures)} failure(s)")
        return 1
    print(f"concurrency: {want} pulls stored exactly once by every pair of processes")
    return 0


if __name__ == "__main__":
    sys.exit(main())
