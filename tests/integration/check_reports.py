#!/usr/bin/env python3
"""End-to-end check of `pullwatch demo` and `pullwatch export`: every report must agree with
counting the events report by hand, and every CSV must be RFC 4180 that Python's csv reads back.

usage: check_reports.py PULLWATCH WORKDIR
"""
import collections
import csv
import io
import math
import os
import shutil
import subprocess
import sys

CATEGORIES = ["platform", "integrity", "disk", "rate_limit", "auth", "not_found", "server_error",
              "tls", "dns", "timeout", "connection", "transport", "canceled", "backoff", "unknown"]
RANGE = ["--from", "2000-01-01", "--to", "+1d"]
failures = []


def check(condition, what):
    if not condition:
        failures.append(what)


def export(pullwatch, db, report, *extra):
    out = subprocess.run([pullwatch, "export", "--report", report, "--db", db, *RANGE, *extra],
                         check=True, capture_output=True)
    data = out.stdout
    check(data.endswith(b"\r\n"), f"{report}: rows end with CRLF")
    rows = list(csv.reader(io.StringIO(data.decode("utf-8"), newline="")))
    return rows[0], [dict(zip(rows[0], r)) for r in rows[1:]]


def nearest_rank(values, p):
    values = sorted(values)
    if not values:
        return None
    rank = max(1, math.ceil(p / 100 * len(values) - 1e-9))
    return values[rank - 1]


def close(ours, exact):
    """Percentiles come from log-linear histograms: exact below 256 ms, else within 0.4 %."""
    if exact is None:
        return ours == ""
    ours = int(ours)
    return ours == exact if exact < 256 else abs(ours - exact) <= exact * 0.004 + 1


def main():
    pullwatch, workdir = sys.argv[1], sys.argv[2]
    shutil.rmtree(workdir, ignore_errors=True)  # every run starts from nothing
    os.makedirs(workdir)
    db = os.path.join(workdir, "reports.db")
    subprocess.run([pullwatch, "demo", "--events", "30000", "--db", db], check=True,
                   capture_output=True)

    header, events = export(pullwatch, db, "events")
    check(header == ["ts", "source", "image", "registry", "outcome", "category", "http_status",
                     "latency_ms", "bytes", "digest", "rule", "ci_provider", "ci_repo",
                     "ci_run_id", "ci_job_id", "ci_job_name", "ci_job_url", "ci_line",
                     "message"], "events header")
    check(len(events) == 30000, f"events rows: {len(events)}")
    check(all(e["ts"].endswith("Z") and len(e["ts"]) == 24 for e in events), "ISO timestamps")
    check(any("\n" in e["message"] for e in events), "a multi-line message survives")
    check(any(e["message"].startswith("'=") for e in events), "formula guard on '='")
    check(all(not e["message"].startswith("=") for e in events), "no unguarded formula")

    # availability: per image x hour
    _, availability = export(pullwatch, db, "availability", "--bucket", "1h")
    by_bucket = collections.defaultdict(list)
    for e in events:
        by_bucket[(e["ts"][:13], e["image"])].append(e)
    check(len(availability) == len(by_bucket), "availability: one row per image x hour with events")
    for row in availability:
        group = by_bucket[(row["bucket_start"][:13], row["image"])]
        ok = sum(e["outcome"] == "ok" for e in group)
        latencies = [int(e["latency_ms"]) for e in group if e["latency_ms"]]
        check(int(row["total"]) == len(group), f"availability total {row}")
        check(int(row["ok"]) == ok and int(row["failed"]) == len(group) - ok, f"ok/failed {row}")
        check(row["availability_pct"] == f"{100 * ok / len(group):.2f}", f"pct {row}")
        for p in (50, 95, 99):
            check(close(row[f"latency_p{p}_ms"], nearest_rank(latencies, p)), f"p{p} {row}")

    # breakdown: category x registry x image
    _, breakdown = export(pullwatch, db, "breakdown")
    counted = collections.Counter((e["category"], e["registry"], e["image"])
                                  for e in events if e["outcome"] == "fail")
    all_failures = sum(counted.values())
    check(len(breakdown) == len(counted), "breakdown rows")
    for row in breakdown:
        n = counted[(row["category"], row["registry"], row["image"])]
        check(int(row["failures"]) == n, f"breakdown {row} counted {n}")
        check(row["share_pct"] == f"{100 * n / all_failures:.2f}", f"share {row}")

    # compare: per image, incidents = runs of consecutive failures
    _, compare = export(pullwatch, db, "compare")
    per_image = collections.defaultdict(list)
    for e in events:
        per_image[e["image"]].append(e)
    check(len(compare) == len(per_image), "compare rows")
    groups = [r["group"] for r in compare]
    check(groups == sorted(groups, key=lambda g: (g == "", g)), "grouped images first")
    for row in compare:
        evs = per_image[row["image"]]
        ok = sum(e["outcome"] == "ok" for e in evs)
        check(int(row["total"]) == len(evs) and int(row["ok"]) == ok, f"compare counts {row}")
        check(row["availability_pct"] == f"{100 * ok / len(evs):.2f}", f"compare pct {row}")
        incidents, ttrs, start = 0, [], None
        for e in evs:
            t = e["ts"]
            if e["outcome"] == "fail" and start is None:
                start, incidents = t, incidents + 1
            elif e["outcome"] == "ok" and start is not None:
                ttrs.append(iso_ms(t) - iso_ms(start))
                start = None
        check(int(row["incidents"]) == incidents, f"incidents {row} counted {incidents}")
        mttr = f"{sum(ttrs) / len(ttrs) / 1000:.1f}" if ttrs else ""
        check(row["mttr_s"] == mttr, f"mttr {row} counted {mttr}")
        cats = collections.Counter(e["category"] for e in evs if e["outcome"] == "fail")
        top = min(cats, key=lambda c: (-cats[c], CATEGORIES.index(c))) if cats else ""
        check(row["top_category"] == top, f"top category {row} counted {top}")

    if failures:
        print("\n".join(failures[:20]))
        print(f"{len(failures)} failed checks")
        return 1
    print(f"events {len(events)}, availability {len(availability)}, breakdown {len(breakdown)}, "
          f"compare {len(compare)} rows agree with the events report")
    return 0


def iso_ms(ts):
    from datetime import datetime, timezone
    dt = datetime.strptime(ts, "%Y-%m-%dT%H:%M:%S.%fZ").replace(tzinfo=timezone.utc)
    return round(dt.timestamp() * 1000)


if __name__ == "__main__":
    sys.exit(main())
