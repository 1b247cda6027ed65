#!/usr/bin/env python3
"""`pullwatch serve` polls the configured images at their intervals and stores every probe:
against a real registry on loopback, the events per image grow with 1/interval, a missing tag is
fail/not_found, SIGTERM ends it with exit 0 within 10 s, and nothing stored is lost.

usage: check_serve.py PULLWATCH WORKDIR
"""
import csv
import io
import json
import os
import shutil
import signal
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import regtest  # noqa: E402

HEADER = ("ts,source,image,registry,outcome,category,http_status,latency_ms,bytes,digest,rule,"
          "ci_provider,ci_repo,ci_run_id,ci_job_id,ci_job_name,ci_job_url,ci_line,message"
          ).split(",")
RUN_SECONDS = 24.0  # the shortest interval a config may ask for is 10 s
failures = []


def check(condition, what):
    if not condition:
        failures.append(what)
    return condition


def export(pullwatch, db, env, what):
    p = subprocess.run([pullwatch, "export", "--report", "events", "--db", db, "--from", "-1h"],
                       capture_output=True, env=env, timeout=60)
    if not check(p.returncode == 0, f"{what}: export exit {p.returncode}: {p.stderr[-300:]!r}"):
        return []
    rows = list(csv.reader(io.StringIO(p.stdout.decode("utf-8"), newline="")))
    if not check(rows and rows[0] == HEADER, f"{what}: header {rows[:1]}"):
        return []
    return [dict(zip(HEADER, r)) for r in rows[1:]]


def by_image(events):
    out = {}
    for e in events:
        out.setdefault(e["image"], []).append(e)
    return out


def main():
    pullwatch, workdir = sys.argv[1], os.path.abspath(sys.argv[2])
    shutil.rmtree(workdir, ignore_errors=True)  # every run starts from nothing
    os.makedirs(workdir)
    home = os.path.join(workdir, "home")
    os.makedirs(os.path.join(home, "docker"))
    env = {k: v for k, v in os.environ.items() if not k.lower().endswith("_proxy")}
    env.update(HOME=home, DOCKER_CONFIG=os.path.join(home, "docker"),
               XDG_CONFIG_HOME=os.path.join(home, ".config"),
               XDG_DATA_HOME=os.path.join(home, ".local", "share"))
    db = os.path.join(workdir, "serve.db")
    proc = None
    try:
        with regtest.Registry("anonymous", os.path.join(workdir, "registry")) as reg:
            h = reg.host
            fast = reg.push_image("ci/tool", "1")
            slow = reg.push_image("ci/other", "1", media="docker")
            fast_ref, missing_ref = f"{h}/ci/tool:1", f"{h}/ci/tool:nope"
            slow_ref = f"{h}/ci/other:1"
            cfg = os.path.join(workdir, "serve.json")
            with open(cfg, "w") as f:
                json.dump({"registries": [{"host": h, "insecure": True}],
                           "images": [
                               {"ref": fast_ref, "group": "g", "label": "self-hosted",
                                "interval": "10s"},
                               {"ref": missing_ref, "group": "g", "label": "missing",
                                "interval": "10s"},
                               {"ref": slow_ref, "group": "g", "label": "slow",
                                "interval": "30s"}]}, f, indent=2)
            log = open(os.path.join(workdir, "serve.log"), "wb")
            started = time.monotonic()
            proc = subprocess.Popen([pullwatch, "serve", "--config", cfg, "--db", db],
                                    stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT,
                                    env=env)
            time.sleep(RUN_SECONDS)
            check(proc.poll() is None, f"serve exited early with {proc.returncode}")
            events = export(pullwatch, db, env, "while serving")
            elapsed = time.monotonic() - started
            per = by_image(events)
            n_fast, n_missing, n_slow = (len(per.get(r, [])) for r in
                                         (fast_ref, missing_ref, slow_ref))
            check(set(per) <= {fast_ref, missing_ref, slow_ref}, f"unexpected images {set(per)}")
            # Polling every 10 s for ~24 s gives ~3 probes (the first within a tenth of the
            # interval); allow a slow start, forbid busy loops.
            limit = int(elapsed / 10) + 2
            check(2 <= n_fast <= limit, f"10s image: {n_fast} events in {elapsed:.1f} s")
            check(2 <= n_missing <= limit, f"10s missing image: {n_missing} events")
            check(1 <= n_slow < n_fast and n_slow <= elapsed / 30 + 1,
                  f"30s image: {n_slow} events vs {n_fast} for the 10s image")
            for e in per.get(fast_ref, []) + per.get(slow_ref, []):
                want = fast["digest"] if e["image"] == fast_ref else slow["digest"]
                check((e["source"], e["registry"], e["outcome"], e["category"], e["http_status"],
                       e["digest"]) == ("probe", h, "ok", "", "200", want),
                      f"ok event {e}")
            for e in per.get(missing_ref, []):
                check((e["source"], e["outcome"], e["category"], e["http_status"]) ==
                      ("probe", "fail", "not_found", "404"), f"missing-tag event {e}")

            proc.send_signal(signal.SIGTERM)
            try:
                code = proc.wait(10)
                check(code == 0, f"serve exit code {code} after SIGTERM, want 0")
            except subprocess.TimeoutExpired:
                check(False, "serve still running 10 s after SIGTERM")
            log.close()
            after = by_image(export(pullwatch, db, env, "after SIGTERM"))
            for ref, before in ((fast_ref, n_fast), (missing_ref, n_missing), (slow_ref, n_slow)):
                check(len(after.get(ref, [])) >= before,
                      f"{ref}: {len(after.get(ref, []))} events after SIGTERM, {before} before")
    except regtest.FixtureError as e:
        failures.append(f"fixture: {e}")
    finally:
        if proc is not None and proc.poll() is None:
            proc.kill()  # our own child only
            proc.wait()
    if failures:
        try:
            with open(os.path.join(workdir, "serve.log"), errors="replace") as f:
                print("serve log tail:\n" + "".join(f.readlines()[-20:]))
        except OSError:
            pass
    for f in failures:
        print("FAIL " + f)
    print(f"{len(failures)} failures")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
