#!/usr/bin/env python3
"""`pullwatch classify` on the CI log corpus (tests/data/logs) and on bad inputs.

Every corpus log has a sidecar NAME.expected.json, a list of {"line", "image", "outcome",
"category"}: the events a maintainer wants from it (negatives.log: none). The same log must
give the same events from standard input, gzip-compressed, with CRLF line ends and inside a
directory; --summary must count what the event lines say.

usage: check_classify.py PULLWATCH WORKDIR [NAME...]   (names limit the corpus logs checked)
"""
import gzip
import json
import os
import random
import shutil
import subprocess
import sys
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

CORPUS = Path(__file__).resolve().parent.parent / "data" / "logs"
FIELDS = ("line", "image", "outcome", "category")
CATEGORIES = ("platform", "integrity", "disk", "rate_limit", "auth", "not_found", "server_error",
              "tls", "dns", "timeout", "connection", "transport", "canceled", "backoff", "unknown")

failures = []
checks = 0


def check(ok, what):
    global checks
    checks += 1
    if not ok:
        failures.append(what)
        print(f"FAIL {what}")
    return ok


def run(pullwatch, args, stdin=None, timeout=60):
    started = time.monotonic()
    p = subprocess.run([pullwatch, "classify", *args], input=stdin, capture_output=True,
                       timeout=timeout)
    return p, time.monotonic() - started


def events_of(p):
    """The event lines of a run, or None when one is not a JSON object."""
    events = []
    for raw in p.stdout.splitlines():
        try:
            event = json.loads(raw.decode("utf-8"))
        except (UnicodeDecodeError, json.JSONDecodeError):
            return None
        if not isinstance(event, dict):
            return None
        events.append(event)
    return events


def key(event):
    return tuple(event.get(f) for f in FIELDS)


def show(event):
    text = event.get("text")
    rule = event.get("rule")
    extra = f"  [{rule}] {text[:140]!r}" if rule else ""
    return (f"line {event.get('line')}: {event.get('outcome')}/{event.get('category')} "
            f"{event.get('image')}{extra}")


def matches(want, got):
    """An expected event's "line" may list several acceptable lines (first evidence or summary)."""
    lines = want["line"] if isinstance(want["line"], list) else [want["line"]]
    return got.get("line") in lines and all(got.get(f) == want.get(f) for f in FIELDS[1:])


def compare(name, got, want, log_lines):
    """Readable differences between the events found and the expected ones."""
    unmatched = list(got)
    missing = []
    for w in want:
        found = next((g for g in unmatched if matches(w, g)), None)
        if found is None:
            missing.append(w)
        else:
            unmatched.remove(found)
    if not missing and not unmatched:
        return True
    first = lambda line: line[0] if isinstance(line, list) else (line or 0)
    print(f"  {name}: {len(missing)} expected event(s) not found, {len(unmatched)} unexpected")
    for w in sorted(missing, key=lambda w: first(w["line"])):
        lines = w["line"] if isinstance(w["line"], list) else [w["line"]]
        print(f"    missing {show(w)}")
        for line in lines:
            if 0 < line <= len(log_lines):
                print(f"            log {line}: {log_lines[line - 1][:160]!r}")
            for g in unmatched:
                if g.get("line") == line:
                    print(f"            got instead: {show(g)}")
    for g in sorted(unmatched, key=lambda g: g.get("line") or 0):
        print(f"    unexpected {show(g)}")
    return False


def summary_matches(path, p, events):
    lines = p.stdout.decode(errors="replace").splitlines()
    if not check(p.returncode == 0 and len(lines) == 1, f"{path.name} --summary: exit {p.returncode}, "
                 f"{len(lines)} lines"):
        return
    summary = json.loads(lines[0])
    counts = Counter("ok" if e["outcome"] == "ok" else e["category"] for e in events)
    want = {"events": len(events), "ok": counts["ok"]}
    want.update({c: counts[c] for c in CATEGORIES})
    got = {k: summary.get(k) for k in want}
    check(got == want, f"{path.name} --summary counts {got} != per-event counts {want}")
    physical = path.read_bytes().count(b"\n")
    check(summary.get("lines") == physical, f"{path.name} --summary lines {summary.get('lines')} "
          f"!= {physical}")


def corpus(pullwatch, work, names):
    logs = sorted(p for p in CORPUS.iterdir()
                  if p.is_file() and not p.name.endswith(".expected.json"))
    if names:
        logs = [p for p in logs if p.name in names or p.stem in names]
    # Every run first, in parallel (each start compiles the rules), then the checks in order.
    pool = ThreadPoolExecutor(max_workers=max(2, os.cpu_count() or 2))
    runs = {}
    for log in logs:
        raw = log.read_bytes()
        gz = work / (log.name + ".gz")
        gz.write_bytes(gzip.compress(raw))
        crlf = work / ("crlf-" + log.name)
        crlf.write_bytes(raw.replace(b"\r\n", b"\n").replace(b"\n", b"\r\n"))
        folder = work / ("dir-" + log.stem)
        shutil.rmtree(folder, ignore_errors=True)
        (folder / "job").mkdir(parents=True)
        shutil.copy(log, folder / "job" / log.name)
        submit = lambda args, stdin=None: pool.submit(run, pullwatch, args, stdin)
        runs[log] = {
            "plain": submit([str(log)]),
            "summary": submit(["--summary", str(log)]),
            # The same log, read other ways, gives the same events.
            "stdin": submit(["-"], raw),
            "gzip": submit([str(gz)]),
            "crlf": submit([str(crlf)]),
            "directory": submit([str(folder)]),
            "twice": submit([str(log), str(crlf)]),
            "crlf-path": crlf,
        }
    for log in logs:
        sidecar = log.with_name(log.stem + ".expected.json")
        if not check(sidecar.exists(), f"{log.name}: no sidecar {sidecar.name}"):
            continue
        want = json.loads(sidecar.read_text())
        log_lines = log.read_bytes().decode("utf-8", errors="replace").split("\n")
        result = runs[log]
        p, _ = result["plain"].result()
        got = events_of(p)
        if not check(p.returncode == 0 and got is not None,
                     f"{log.name}: exit {p.returncode}, stderr {p.stderr.decode()[-300:]!r}"):
            continue
        check(compare(log.name, got, want, log_lines), f"{log.name}: events differ from {sidecar.name}")
        for e in got:
            ts = e.get("ts")
            check(ts is None or (isinstance(ts, str) and len(ts) == 24 and ts.endswith("Z")),
                  f"{log.name} line {e.get('line')}: ts {ts!r} is not ISO 8601 UTC with milliseconds")
            check(isinstance(e.get("rule"), str) and e["rule"] and isinstance(e.get("text"), str),
                  f"{log.name} line {e.get('line')}: rule/text missing")
        summary_matches(log, result["summary"].result()[0], got)

        base = [key(e) for e in got]
        for how in ("stdin", "gzip", "crlf", "directory"):
            p, _ = result[how].result()
            events = events_of(p)
            same = p.returncode == 0 and events is not None and [key(e) for e in events] == base
            if not check(same, f"{log.name} via {how}: exit {p.returncode}, events differ"):
                if events is not None:
                    compare(f"{log.name} via {how}", events, got, log_lines)
        # Several inputs: each event names its file.
        p, _ = result["twice"].result()
        events = events_of(p) or []
        files = Counter(e.get("file") for e in events)
        crlf = result["crlf-path"]
        check(p.returncode == 0 and files == Counter({str(log): len(got), str(crlf): len(got)}),
              f"{log.name} and its CRLF copy: file fields {dict(files)}")
    pool.shutdown()


def bad_inputs(pullwatch, work):
    # An empty file: no events, exit 0.
    empty = work / "empty.log"
    empty.write_bytes(b"")
    p, _ = run(pullwatch, [str(empty)])
    check(p.returncode == 0 and p.stdout == b"", f"empty file: exit {p.returncode}, {p.stdout[:200]!r}")
    p, _ = run(pullwatch, ["--summary", str(empty)])
    summary = json.loads(p.stdout) if p.returncode == 0 and p.stdout else {}
    check(summary.get("events") == 0 and summary.get("lines") == 0,
          f"empty file --summary: {p.stdout[:200]!r}")

    # Random bytes with NUL bytes: exit 0, no crash, fast.
    rng = random.Random(7)
    binary = work / "random.bin"
    binary.write_bytes(bytes(rng.getrandbits(8) for _ in range(4 << 20)) + b"\0" * 4096)
    p, took = run(pullwatch, [str(binary)], timeout=60)
    check(p.returncode == 0 and events_of(p) is not None and took < 10,
          f"random bytes: exit {p.returncode} after {took:.1f}s, stderr {p.stderr[-200:]!r}")

    # Random bytes around real pull errors, NUL bytes inside the error lines.
    mixed = work / "mixed.bin"
    noise = bytes(rng.getrandbits(8) for _ in range(1 << 20)).replace(b"\n", b"\0")
    mixed.write_bytes(noise + b"\nError response from daemon: toomanyrequests: You have reached your "
                      b"pull rate limit.\x00 You may increase the limit\n" + noise)
    p, took = run(pullwatch, [str(mixed)])
    events = events_of(p)
    check(p.returncode == 0 and events is not None and took < 10,
          f"random bytes around a pull error: exit {p.returncode} after {took:.1f}s")

    # A 10 MB line without a newline, a real pull error at its end.
    long_line = work / "long-line.log"
    tail = (b" Error response from daemon: Get \"https://registry-1.docker.io/v2/\": net/http: "
            b"TLS handshake timeout")
    long_line.write_bytes(b"x" * (10 << 20) + tail)
    p, took = run(pullwatch, [str(long_line)], timeout=60)
    check(p.returncode == 0 and events_of(p) is not None and took < 10,
          f"10 MB line: exit {p.returncode} after {took:.1f}s, stderr {p.stderr[-200:]!r}")
    p, took = run(pullwatch, ["--summary", str(long_line)], timeout=60)
    summary = json.loads(p.stdout) if p.returncode == 0 and p.stdout else {}
    check(summary.get("lines") == 1 and took < 10,
          f"10 MB line --summary: {p.stdout[:200]!r} after {took:.1f}s")

    # Invalid UTF-8 inside a pull error line: the event is still found, output valid JSON.
    bad_utf8 = work / "bad-utf8.log"
    bad_utf8.write_bytes(
        b"2025-05-18T08:42:15.1234567Z ##[command]/usr/bin/docker pull ghcr.io/acme/t\xc3\x28ols:1\n"
        b"2025-05-18T08:42:16.1234567Z + docker pull alpine:3.20\n"
        b"2025-05-18T08:42:17.1234567Z Error response from daemon: manifest for alpine:3.20 not found: "
        b"manifest unknown: \xff\xfe\xc0\xafmanifest unknown \xe2\x82\n")
    p, _ = run(pullwatch, [str(bad_utf8)])
    events = events_of(p)
    ok = p.returncode == 0 and events is not None and any(
        e.get("line") == 3 and e.get("category") == "not_found" for e in events)
    check(ok, f"invalid UTF-8 in a pull error: exit {p.returncode}, {p.stdout[:300]!r}")
    if events:
        check(all(e.get("ts") in (None, "2025-05-18T08:42:17.123Z") or e.get("line") != 3
                  for e in events), f"invalid UTF-8: ts {[e.get('ts') for e in events]}")

    # A missing file: exit 2, one line on stderr naming it.
    missing = work / "no-such-dir" / "missing.log"
    p, _ = run(pullwatch, [str(missing)])
    err = p.stderr.decode(errors="replace").strip().splitlines()
    check(p.returncode == 2 and len(err) == 1 and str(missing) in err[0] and p.stdout == b"",
          f"missing file: exit {p.returncode}, stderr {err}")

    # A directory without files: no events, exit 0 (nothing to read is not an error) ...
    # ... or a usage error (exit 2) naming it; never a crash or output on stdout.
    empty_dir = work / "empty-dir"
    shutil.rmtree(empty_dir, ignore_errors=True)
    (empty_dir / "sub").mkdir(parents=True)
    p, _ = run(pullwatch, [str(empty_dir)])
    err = p.stderr.decode(errors="replace").strip().splitlines()
    check((p.returncode == 0 and p.stdout == b"") or
          (p.returncode == 2 and p.stdout == b"" and len(err) == 1),
          f"empty directory: exit {p.returncode}, stdout {p.stdout[:100]!r}, stderr {err}")

    # A directory among the arguments reports each file under it.
    folder = work / "two-files"
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir()
    (folder / "a.log").write_text("Status: Downloaded newer image for alpine:3.20\n")
    with gzip.open(folder / "b.log.gz", "wt") as f:
        f.write("+ docker pull node:20\nError response from daemon: toomanyrequests: You have "
                "reached your pull rate limit.\n")
    p, _ = run(pullwatch, [str(folder)])
    events = events_of(p) or []
    got = sorted((Path(e.get("file", "")).name, e.get("outcome"), e.get("category")) for e in events)
    check(p.returncode == 0 and got == [("a.log", "ok", None), ("b.log.gz", "fail", "rate_limit")],
          f"directory with two files: {got}")


def unmatched(pullwatch, work):
    """--unmatched: failures of no known cause, grouped by their masked text, largest first;
    failures with a cause and lines about no pull are left out."""
    log = work / "unmatched.log"
    log.write_text(
        "ctr: failed to extract layer sha256:" + "a" * 64 + ": input/output error: unknown\n"
        "Error response from daemon: toomanyrequests: You have reached your pull rate limit\n"
        "ctr: failed to extract layer sha256:" + "b" * 64 + ": input/output error: unknown\n"
        "npm ERR! 404 Not Found\n"
        "Failed to pull image \"x:1\": something new went wrong\n"
        "ctr: failed to extract layer sha256:" + "c" * 64 + ": input/output error: unknown\n")
    p, _ = run(pullwatch, ["--unmatched", str(log)])
    groups = [json.loads(line) for line in p.stdout.decode().splitlines()]
    check(p.returncode == 0, f"--unmatched exits 0: {p.returncode} {p.stderr!r}")
    check([g["count"] for g in groups] == [3, 1], f"--unmatched groups, largest first: {groups}")
    check(groups and groups[0]["text"] ==
          "ctr: failed to extract layer <digest>: input/output error: unknown",
          f"--unmatched masks the digest: {groups[:1]}")
    check(groups and groups[0]["example"].startswith("ctr: failed to extract layer sha256:aaaa"),
          f"--unmatched keeps the first line as the example: {groups[:1]}")
    p, _ = run(pullwatch, ["--unmatched", "--summary", str(log)])
    check(p.returncode == 2 and b"one at a time" in p.stderr,
          f"--unmatched with --summary: one line, exit 2: {p.returncode} {p.stderr!r}")


def main():
    pullwatch = sys.argv[1]
    work = Path(sys.argv[2])
    work.mkdir(parents=True, exist_ok=True)
    names = set(sys.argv[3:])
    corpus(pullwatch, work, names)
    if not names:
        bad_inputs(pullwatch, work)
        unmatched(pullwatch, work)
    print(f"{checks - len(failures)} passed, {len(failures)} failed")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
