#!/usr/bin/env python3
"""A crash mid-ingest leaves the previous state intact: kill -9 `pullwatch demo` while it writes,
then the history holds whole batches only, and its rollups agree with its raw events.

usage: check_crash.py PULLWATCH WORKDIR
"""
import csv
import io
import os
import shutil
import signal
import subprocess
import sys
import time

BATCH = 100000  # DemoHistory appends in batches of this size, one transaction each


def export(pullwatch, db, report):
    out = subprocess.run([pullwatch, "export", "--report", report, "--db", db,
                          "--from", "2000-01-01", "--to", "+1d"],
                         check=True, capture_output=True, timeout=120)
    return list(csv.DictReader(io.StringIO(out.stdout.decode("utf-8"), newline="")))


def main():
    pullwatch, workdir = sys.argv[1], sys.argv[2]
    shutil.rmtree(workdir, ignore_errors=True)
    os.makedirs(workdir)
    db = os.path.join(workdir, "crash.db")
    demo = subprocess.Popen([pullwatch, "demo", "--events", "20000000", "--db", db],
                            stderr=subprocess.DEVNULL)
    # Let a few batches commit, then kill it in the middle of the next ones.
    deadline = time.time() + 120
    while time.time() < deadline and demo.poll() is None:
        wal = db + "-wal"
        if os.path.exists(wal) and os.path.getsize(wal) > 12_000_000:
            break
        time.sleep(0.05)
    time.sleep(0.3)
    if demo.poll() is not None:
        print("FAIL: demo finished before it could be killed")
        return 1
    demo.send_signal(signal.SIGKILL)
    demo.wait()

    events = export(pullwatch, db, "events")
    availability = export(pullwatch, db, "availability")
    failures = []
    if not events or len(events) % BATCH != 0:
        failures.append(f"{len(events)} events survived: not whole batches of {BATCH}")
    if sum(int(r["total"]) for r in availability) != len(events):
        failures.append("rollups disagree with the raw events after the crash")
    if sum(int(r["ok"]) for r in availability) != sum(e["outcome"] == "ok" for e in events):
        failures.append("ok counts disagree after the crash")
    # The file still takes new events after the crash.
    again = subprocess.run([pullwatch, "demo", "--events", "1000", "--db", db],
                           capture_output=True, timeout=120)
    if again.returncode != 0:
        failures.append(f"history unusable after the crash: {again.stderr.decode()}")
    for f in failures:
        print("FAIL:", f)
    checks = 4
    print(f"{len(events)} events survived kill -9; "
          f"{checks - len(failures)} passed, {len(failures)} failed")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
