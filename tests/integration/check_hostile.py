#!/usr/bin/env python3
"""Hostile but ordinary inputs: bounded memory, one clear line and exit 2, nothing lost.

- `probe --deep` of a blob that never ends (declared small): `integrity`, RSS under 100 MB;
  a manifest that never ends: a failure, RSS under 100 MB;
- `render` with absurd ranges (year 0 to 9999, -99999999d): exit 0 or 2, RSS under 500 MB,
  and no abort under a 4 GB address-space limit;
- another application's SQLite file given to `demo` and `export`, and a zero-length file to
  `export`: exit 2, the file byte for byte as it was;
- a log whose image names do not parse (a host with '_', a name cut short by an ellipsis) among
  good pulls: `ingest` exits 0 and stores every good one;
- `export --out` to a FIFO and (as root) to a character device: written in place, still a FIFO
  and a device afterwards;
- a FIFO as --config, an interval of 1 ms, a user rule with an invalid pattern, a CI token with a
  line break: one line naming the file (line:column), exit 2;
- a gzip log cut in half: `ingest` and `classify` keep what it held, say "truncated gzip" in one
  line and exit 2; a second ingest of the whole file adds the rest, nothing twice;
- file names that are not UTF-8 (in a directory, and named): read like any other;
- a growing log whose last line has no newline yet: that line waits (not stored cut short) and
  is stored whole, once, when finished; a quiet file's unterminated last line is read.

usage: check_hostile.py PULLWATCH WORKDIR
"""
import csv
import gzip
import hashlib
import io
import json
import os
import resource
import shutil
import sqlite3
import stat
import subprocess
import sys
import threading
import time

sys.dont_write_bytecode = True
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from faultserver import FaultServer  # noqa: E402

LOGS = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "data", "logs")
failures = []
# Under AddressSanitizer (the asan preset sets ASAN_OPTIONS) memory costs several times more and
# the shadow memory needs terabytes of address space: looser bounds, no address-space limit.
SANITIZED = "ASAN_OPTIONS" in os.environ
SCALE = 4 if SANITIZED else 1


def check(cond, what):
    if not cond:
        failures.append(what)
        print("FAIL " + what)
    return cond


class Run:
    """A child process with its peak RSS (wait4's ru_maxrss, in KiB)."""

    def __init__(self, exe, env, args, limit_as=None, timeout=120):
        def limits():
            if limit_as:
                resource.setrlimit(resource.RLIMIT_AS, (limit_as, limit_as))
        start = time.monotonic()
        p = subprocess.Popen([exe, *args], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                             env=env, preexec_fn=limits)
        out, err = [], []
        readers = [threading.Thread(target=lambda s=s, b=b: b.append(s.read()))
                   for s, b in ((p.stdout, out), (p.stderr, err))]
        for t in readers:
            t.start()
        deadline = time.monotonic() + timeout
        while True:
            pid, status, usage = os.wait4(p.pid, os.WNOHANG)
            if pid:
                break
            if time.monotonic() > deadline:
                p.kill()
                pid, status, usage = os.wait4(p.pid, 0)
                break
            time.sleep(0.02)
        p.returncode = os.waitstatus_to_exitcode(status)
        for t in readers:
            t.join()
        self.rc = p.returncode
        self.out = out[0].decode(errors="replace")
        self.err = err[0].decode(errors="replace")
        self.rss_mb = usage.ru_maxrss / 1024
        self.cpu = usage.ru_utime + usage.ru_stime
        self.elapsed = time.monotonic() - start

    def __str__(self):
        return (f"exit {self.rc}, {self.elapsed:.1f} s, {self.rss_mb:.0f} MB, "
                f"stdout {self.out[-300:]!r}, stderr {self.err[-300:]!r}")


def digest(path):
    with open(path, "rb") as f:
        return hashlib.sha256(f.read()).hexdigest()


def one_clear_line(run):
    return run.rc == 2 and run.err.count("\n") == 1 and "pullwatch" in run.err


def check_probes(exe, env):
    with FaultServer() as fs:
        host = f"127.0.0.1:{fs.port}"
        r = Run(exe, env, ["probe", "--deep", "--no-store", "--timeout", "10",
                           f"{host}/endlessblob/app:latest"])
        line = json.loads(r.out) if r.out.strip() else {}
        check(r.rc == 1 and line.get("category") == "integrity",
              f"endless blob: integrity failure: {r}")
        check(r.rss_mb < 100 * SCALE, f"endless blob: RSS {r.rss_mb:.0f} MB, want < {100 * SCALE}")
        r = Run(exe, env, ["probe", "--deep", "--no-store", "--timeout", "10",
                           f"{host}/endlessmanifest/app:latest"])
        line = json.loads(r.out) if r.out.strip() else {}
        check(r.rc == 1 and line.get("outcome") == "fail", f"endless manifest: a failure: {r}")
        check(r.rss_mb < 100 * SCALE,
              f"endless manifest: RSS {r.rss_mb:.0f} MB, want < {100 * SCALE}")
        # Headers that never end: the probe fails at the header limit, long before its timeout,
        # the process exits at once, and a good image probed beside it is not held up.
        r = Run(exe, env, ["probe", "--no-store", "--timeout", "20",
                           f"{host}/endlessheader/app:latest", f"{host}/ok/plain:latest"])
        lines = {l.get("ref"): l for l in map(json.loads, r.out.splitlines())} if r.rc in (0, 1) else {}
        bad = lines.get(f"{host}/endlessheader/app:latest", {})
        check(r.rc == 1 and bad.get("category") == "transport" and
              "headers longer than" in (bad.get("message") or ""),
              f"endless header: a transport failure at the header limit: {r}")
        check(lines.get(f"{host}/ok/plain:latest", {}).get("outcome") == "ok",
              f"endless header: the good image beside it is ok: {r}")
        check(r.elapsed < 5 * SCALE and r.cpu < 3 * SCALE,
              f"endless header: {r.elapsed:.1f} s, {r.cpu:.1f} s CPU (timeout 20 s), want < "
              f"{5 * SCALE} s and < {3 * SCALE} s CPU")
        check(r.rss_mb < 100 * SCALE, f"endless header: RSS {r.rss_mb:.0f} MB, want < {100 * SCALE}")


def check_render(exe, env, work):
    db = os.path.join(work, "demo.db")
    p = subprocess.run([exe, "demo", "--events", "20000", "--db", db], capture_output=True,
                       env=env, timeout=120)
    check(p.returncode == 0, f"demo: {p.stderr.decode()}")
    ranges = [["--from", "0000-01-01", "--to", "9999-12-31"], ["--from", "-99999999d"],
              ["--from", "1970-01-01", "--to", "2200-01-01"]]
    for view in ("timeline", "breakdown", "overview", "compare"):
        for args in ranges:
            out = os.path.join(work, f"{view}.png")
            r = Run(exe, env, ["render", "--view", view, "--db", db, "--out", out, *args])
            label = f"render {view} {' '.join(args)}"
            check(r.rc in (0, 2) and (r.rc == 0 or one_clear_line(r)), f"{label}: {r}")
            check(r.rss_mb < 500 * SCALE, f"{label}: RSS {r.rss_mb:.0f} MB, want < {500 * SCALE}")
            if view in ("timeline", "breakdown") and not SANITIZED:
                r = Run(exe, env, ["render", "--view", view, "--db", db, "--out", out, *args],
                        limit_as=4 << 30)
                check(r.rc in (0, 2), f"{label} under a 4 GB limit: {r}")


def check_foreign_files(exe, env, work):
    foreign = os.path.join(work, "notes.db")
    con = sqlite3.connect(foreign)
    con.execute("CREATE TABLE notes(id INTEGER PRIMARY KEY, text TEXT)")
    con.execute("INSERT INTO notes(text) VALUES ('an application of its own')")
    con.commit()
    con.close()
    zero = os.path.join(work, "zero.db")
    open(zero, "wb").close()
    before = {path: digest(path) for path in (foreign, zero)}
    runs = {"demo on another application's database":
            Run(exe, env, ["demo", "--events", "1000", "--db", foreign]),
            "export of another application's database":
            Run(exe, env, ["export", "--report", "events", "--db", foreign]),
            "export of a zero-length file":
            Run(exe, env, ["export", "--report", "events", "--db", zero])}
    for label, r in runs.items():
        check(one_clear_line(r) and "not a pullwatch history" in r.err
              or "empty" in r.err, f"{label}: one line, exit 2: {r}")
    for path, sha in before.items():
        check(digest(path) == sha, f"{os.path.basename(path)} was modified")
        check(not os.path.exists(path + "-wal"), f"{os.path.basename(path)} got a WAL")


def check_odd_names(exe, env, work):
    log = os.path.join(work, "odd.log")
    good = ["Status: Downloaded newer image for busybox:latest",
            "Status: Image is up to date for alpine:3.19",
            'Successfully pulled image "nginx:1.25" in 2.104s (2.104s including waiting)']
    odd = ['Error response from daemon: manifest for private_gitlab_server.com:5005/my_repo/ci:'
           '9a495cbc014c not found: manifest unknown: manifest unknown',
           "Error response from daemon: manifest for nixery.dev/shell/findutils/\u2026 not found: "
           "manifest unknown: manifest unknown"]
    with open(log, "w") as f:
        f.write("\n".join([good[0], odd[0], good[1], odd[1], good[2]]) + "\n")
    db = os.path.join(work, "odd.db")
    r = Run(exe, env, ["ingest", log, "--db", db])
    check(r.rc == 0, f"odd names: ingest exit 0: {r}")
    totals = json.loads(r.out.strip().splitlines()[-1]) if r.out.strip() else {}
    p = subprocess.run([exe, "export", "--report", "events", "--db", db, "--from", "2000-01-01",
                        "--to", "+1d"], capture_output=True, env=env, timeout=60)
    images = {e["image"] for e in csv.DictReader(io.StringIO(p.stdout.decode(), newline=""))}
    want = {"docker.io/library/busybox:latest", "docker.io/library/alpine:3.19",
            "docker.io/library/nginx:1.25"}
    check(want <= images, f"odd names: every good pull stored: {images}")
    check(totals.get("events", 0) + totals.get("without_image", 0) >= 4,
          f"odd names: the odd pulls counted as without_image: {totals}")


def events_of(exe, env, db):
    p = subprocess.run([exe, "export", "--report", "events", "--db", db, "--from", "2000-01-01",
                        "--to", "+1d"], capture_output=True, env=env, timeout=60)
    return list(csv.DictReader(io.StringIO(p.stdout.decode(), newline="")))


def check_truncated_gzip(exe, env, work):
    with open(os.path.join(LOGS, "github-actions-docker-pull.log"), "rb") as f:
        text = f.read()
    whole = gzip.compress(text)
    folder = os.path.join(work, "gz")
    os.makedirs(folder)
    log = os.path.join(folder, "job.log.gz")
    with open(log, "wb") as f:
        f.write(whole[:len(whole) // 2])
    reference = os.path.join(work, "gz-reference.db")
    plain = os.path.join(work, "job.log")
    with open(plain, "wb") as f:
        f.write(text)
    Run(exe, env, ["ingest", plain, "--db", reference])
    want = len(events_of(exe, env, reference))
    db = os.path.join(work, "gz.db")
    r = Run(exe, env, ["ingest", folder, "--db", db])
    totals = json.loads(r.out.strip().splitlines()[-1]) if r.out.strip() else {}
    check(one_clear_line(r) and "job.log.gz" in r.err and "truncated gzip" in r.err,
          f"truncated gzip: ingest says so in one line, exit 2: {r}")
    half = len(events_of(exe, env, db))
    check(0 < half < want and totals.get("events") == half,
          f"truncated gzip: the first half's events stored ({half} of {want}), totals {totals}")
    r = Run(exe, env, ["classify", log])
    check(one_clear_line(r) and "truncated gzip" in r.err and r.out.count("\n") > 0,
          f"truncated gzip: classify prints what it read, then one line, exit 2: {r}")
    corrupt = os.path.join(work, "corrupt.log.gz")
    with open(corrupt, "wb") as f:  # a wrong CRC-32 in the trailer: not what it claims
        f.write(whole[:-8] + bytes([whole[-8] ^ 0xff]) + whole[-7:])
    r = Run(exe, env, ["ingest", corrupt, "--db", os.path.join(work, "corrupt.db")])
    # zlib drops what the failing read had inflated: some events may be missing, none invented.
    check(one_clear_line(r) and "corrupt.log.gz: corrupt gzip: incorrect data check (" in r.err and
          json.loads(r.out.strip().splitlines()[-1]).get("events", want + 1) <= want,
          f"corrupt gzip: one line, exit 2: {r}")
    with open(log, "wb") as f:  # the writer finishes the file
        f.write(whole)
    r = Run(exe, env, ["ingest", folder, "--db", db])
    events = events_of(exe, env, db)
    lines = [e["ci_line"] for e in events]
    check(r.rc == 0 and len(events) == want and len(set(lines)) == len(lines),
          f"truncated gzip, then whole: {len(events)} events, want {want}, each once: {r}")


def check_undecodable_names(exe, env, work):
    folder = os.fsencode(os.path.join(work, "names"))
    os.makedirs(folder)
    with open(os.path.join(LOGS, "docker-cli.log"), "rb") as f:
        text = f.read()
    odd = os.path.join(folder, b"caf\xe9-\xff.log")  # Latin-1 and a byte no encoding has
    with open(odd, "wb") as f:
        f.write(text)
    reference = os.path.join(work, "names-reference.db")
    plain = os.path.join(work, "docker-cli.log")
    with open(plain, "wb") as f:
        f.write(text)
    Run(exe, env, ["ingest", plain, "--db", reference])
    want = len(events_of(exe, env, reference))
    db = os.path.join(work, "names.db")
    r = Run(exe, env, ["ingest", os.fsdecode(folder), "--db", db])
    events = events_of(exe, env, db)
    check(r.rc == 0 and want > 0 and len(events) == want,
          f"a non-UTF-8 name in a directory: {len(events)} events, want {want}: {r}")
    check(all(e["ci_job_url"].endswith("/caf%E9-%FF.log") for e in events),
          f"a non-UTF-8 name: the job URL keeps its bytes: {[e['ci_job_url'] for e in events[:1]]}")
    p = subprocess.run([exe, "classify", odd], capture_output=True, env=env, timeout=60)
    check(p.returncode == 0 and p.stdout.count(b"\n") > 0,
          f"a non-UTF-8 name given to classify: exit {p.returncode}, {p.stderr[-200:]!r}")
    db2 = os.path.join(work, "names2.db")
    p = subprocess.run([exe, "ingest", odd, "--db", db2], capture_output=True, env=env, timeout=60)
    check(p.returncode == 0 and len(events_of(exe, env, db2)) == want,
          f"a non-UTF-8 name given to ingest: exit {p.returncode}, {p.stderr[-200:]!r}")


def check_partial_line(exe, env, work):
    log = os.path.join(work, "growing.log")
    db = os.path.join(work, "growing.db")
    first = "Status: Downloaded newer image for busybox:latest\n"
    with open(log, "w") as f:
        f.write(first + "Status: Downloaded newer image for alp")  # the writer is mid-line
    r = Run(exe, env, ["ingest", log, "--db", db])
    images = [e["image"] for e in events_of(exe, env, db)]
    check(r.rc == 0 and images == ["docker.io/library/busybox:latest"],
          f"growing log: the unfinished line waits: {images}: {r}")
    with open(log, "a") as f:
        f.write("ine:3.20\n")
    r = Run(exe, env, ["ingest", log, "--db", db])
    images = sorted(e["image"] for e in events_of(exe, env, db))
    check(r.rc == 0 and images == ["docker.io/library/alpine:3.20",
                                   "docker.io/library/busybox:latest"],
          f"growing log: the line stored whole once it ends: {images}: {r}")
    quiet = os.path.join(work, "quiet.log")
    with open(quiet, "w") as f:
        f.write(first + "Status: Image is up to date for alpine:3.19")  # ends without newline
    old = time.time() - 3600
    os.utime(quiet, (old, old))
    db = os.path.join(work, "quiet.db")
    r = Run(exe, env, ["ingest", quiet, "--db", db])
    images = sorted(e["image"] for e in events_of(exe, env, db))
    check(r.rc == 0 and images == ["docker.io/library/alpine:3.19",
                                   "docker.io/library/busybox:latest"],
          f"a quiet log's unterminated last line is read: {images}: {r}")


def check_devices(exe, env, work):
    db = os.path.join(work, "demo.db")
    fifo = os.path.join(work, "out.fifo")
    os.mkfifo(fifo)
    got = []
    reader = threading.Thread(target=lambda: got.append(open(fifo, "rb").read()))
    reader.start()
    r = Run(exe, env, ["export", "--report", "breakdown", "--db", db, "--out", fifo])
    reader.join(30)
    check(r.rc == 0, f"export to a FIFO: {r}")
    check(stat.S_ISFIFO(os.stat(fifo).st_mode), "export to a FIFO: still a FIFO")
    check(got and got[0].startswith(b"category,registry,image,failures,share_pct\r\n"),
          f"export to a FIFO: the reader got the report: {got[:1]!r}")
    if os.geteuid() == 0:
        device = os.path.join(work, "null")
        os.mknod(device, 0o666 | stat.S_IFCHR, os.makedev(1, 3))  # a /dev/null of our own
        r = Run(exe, env, ["export", "--report", "events", "--db", db, "--out", device])
        check(r.rc == 0, f"export to a character device: {r}")
        check(stat.S_ISCHR(os.stat(device).st_mode), "export to a character device: still one")
        os.remove(device)


def check_configs(exe, env, work):
    fifo = os.path.join(work, "config.fifo")
    os.mkfifo(fifo)
    r = Run(exe, env, ["export", "--report", "events", "--config", fifo], timeout=20)
    check(one_clear_line(r) and "not a regular file" in r.err and r.elapsed < 10,
          f"a FIFO as --config: refused at once: {r}")
    for name, text, want in (
            ("interval", '{"images": [{"ref": "busybox", "interval": "1ms"}]}',
             ':1:44: "interval" must be at least 10 s'),
            ("rule", '{"rules": [\n {"id": "r", "category": "dns", "pattern": "lookup ("}]}',
             ':2:44: "pattern" is not a valid regular expression')):
        path = os.path.join(work, f"{name}.json")
        with open(path, "w") as f:
            f.write(text)
        r = Run(exe, env, ["export", "--report", "events", "--config", path])
        check(one_clear_line(r) and path + want in r.err, f"config with a bad {name}: {r}")
    r = Run(exe, dict(env, GITHUB_TOKEN="ghp_x\r\nX-Injected: 1"),
            ["ingest", "--github", "octo/repo", "--api-url", "http://127.0.0.1:9",
             "--db", os.path.join(work, "gh.db")])
    check(one_clear_line(r) and "line break" in r.err, f"a token with CR/LF: refused: {r}")


def main():
    exe, work = sys.argv[1], sys.argv[2]
    shutil.rmtree(work, ignore_errors=True)
    os.makedirs(work)
    env = {k: v for k, v in os.environ.items() if "proxy" not in k.lower()}
    for var in ("HOME", "XDG_CONFIG_HOME", "XDG_DATA_HOME"):
        env[var] = work
    env["QT_QPA_PLATFORM"] = "offscreen"
    check_probes(exe, env)
    check_render(exe, env, work)
    check_foreign_files(exe, env, work)
    check_odd_names(exe, env, work)
    check_devices(exe, env, work)
    check_configs(exe, env, work)
    check_truncated_gzip(exe, env, work)
    check_undecodable_names(exe, env, work)
    check_partial_line(exe, env, work)
    if failures:
        print(f"{len(failures)} failure(s)")
        return 1
    print("hostile inputs: bounded memory, clear errors, nothing lost or replaced")
    return 0


if __name__ == "__main__":
    sys.exit(main())
