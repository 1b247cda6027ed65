#!/usr/bin/env python3
"""Bad input gets exit code 2 and one clear line on stderr naming what and where; never a crash.

usage: check_cli_errors.py PULLWATCH WORKDIR
"""
import os
import shutil
import subprocess
import sys


def run(pullwatch, *args):
    p = subprocess.run([pullwatch, *args], capture_output=True, timeout=60)
    return p.returncode, p.stdout.decode(), p.stderr.decode()


def main():
    pullwatch, workdir = sys.argv[1], sys.argv[2]
    shutil.rmtree(workdir, ignore_errors=True)  # every run starts from nothing
    os.makedirs(workdir)
    db = os.path.join(workdir, "errors.db")
    broken = os.path.join(workdir, "broken.json")
    with open(broken, "w") as f:
        f.write('{\n  "images": [\n    {"ref": "busybox", "interval": "5 minutes"}\n  ]\n}\n')
    garbage = os.path.join(workdir, "garbage.db")
    with open(garbage, "wb") as f:
        f.write(os.urandom(8192))
    run(pullwatch, "demo", "--events", "100", "--db", db)

    cases = [
        (["export", "--report", "events", "--db", db, "--config", broken], "broken.json:3:"),
        (["demo", "--events", "10", "--db", db, "--config", os.path.join(workdir, "none.json")],
         "none.json"),
        (["export", "--report", "nope", "--db", db], '"nope"'),
        (["export", "--report", "events", "--db", db, "--from", "2025-13-01"], '"2025-13-01"'),
        (["export", "--report", "events", "--db", db, "--bucket", "7x"], '"7x"'),
        (["export", "--report", "events", "--db", os.path.join(workdir, "missing.db")],
         "missing.db"),
        (["export", "--report", "events", "--db", garbage], "garbage.db"),
        (["export", "--report", "events", "--db", db, "--image", "nothere:1"], '"nothere:1"'),
        (["export", "--report", "events", "--db", db, "--out", "/nonexistent/dir/x.csv"],
         "/nonexistent/dir/x.csv"),
        (["demo", "--events", "-5", "--db", db], '"-5"'),
        (["demo", "--events", "10"], "--db"),
        (["frobnicate"], '"frobnicate"'),
    ]
    failed = 0
    for args, fragment in cases:
        code, out, err = run(pullwatch, *args)
        lines = [line for line in err.splitlines() if line.startswith("pullwatch:")]
        ok = code == 2 and len(lines) == 1 and fragment in lines[0] and out == ""
        if not ok:
            failed += 1
            print(f"FAIL {args}: exit {code}, stderr {err!r}, stdout {out[:80]!r}")
    # An earlier demo history is replaced, not appended to.
    code, _, err = run(pullwatch, "demo", "--events", "10", "--db", db)
    if code != 0:
        failed += 1
        print(f"FAIL: demo over a demo history should replace it: {err}")
    print(f"{len(cases) + 1 - failed} passed, {failed} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
