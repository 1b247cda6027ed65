#!/usr/bin/env python3
"""End-to-end check of `pullwatch explain` and `export --report verdicts` on a demo history:
DESIGN.md's fields in order, one verdict per failed CI pull, the summary's counts adding up, the
CSV agreeing with the JSON, every verdict present in the demo, and bad input refused in one line.

usage: check_explain.py PULLWATCH WORKDIR
"""
import csv
import io
import json
import os
import shutil
import subprocess
import sys

RANGE = ["--from", "2000-01-01", "--to", "+1d"]
VERDICTS = ["rate_limited", "image_problem", "registry_outage", "slow_pull", "runner_side",
            "no_evidence"]
FIELDS = ["ts", "image", "registry", "ci_job_url", "category", "verdict", "probes", "probes_ok",
          "probe_p50_ms", "probe_max_ms", "cold", "advice", "sentence"]
SUMMARY = ["image", "group", "label", "ci_failures", "verdicts", "sentence"]
CSV_FIELDS = ["ts", "image", "registry", "ci_provider", "ci_repo", "ci_job_name", "ci_job_url",
              "category", "verdict", "probes", "probes_ok", "probe_p50_ms", "probe_max_ms", "cold",
              "advice"]
failures = []


def check(condition, what):
    if not condition:
        failures.append(what)


def run(pullwatch, *args):
    return subprocess.run([pullwatch, *args], capture_output=True, text=True, timeout=120)


def main():
    pullwatch, workdir = sys.argv[1], sys.argv[2]
    shutil.rmtree(workdir, ignore_errors=True)
    os.makedirs(workdir)
    db = os.path.join(workdir, "explain.db")
    subprocess.run([pullwatch, "demo", "--events", "200000", "--db", db], check=True,
                   capture_output=True)

    out = run(pullwatch, "explain", "--db", db, *RANGE)
    check(out.returncode == 0, f"explain: exit {out.returncode}: {out.stderr}")
    lines = [json.loads(line, object_pairs_hook=lambda pairs: pairs)
             for line in out.stdout.splitlines()]
    check([k for k, _ in lines[0]] == FIELDS, f"explain: fields in DESIGN.md's order ({lines[0]})")
    verdicts = [dict(line) for line in lines]

    events = run(pullwatch, "export", "--report", "events", "--db", db, *RANGE).stdout
    rows = list(csv.DictReader(io.StringIO(events, newline="")))
    failed_ci = [r for r in rows if r["source"] == "ci" and r["outcome"] == "fail"]
    check(len(verdicts) == len(failed_ci) > 0,
          f"one verdict per failed CI pull ({len(verdicts)} for {len(failed_ci)})")
    for v, e in zip(verdicts, failed_ci):
        same = (v["ts"] == e["ts"] and v["image"] == e["image"] and v["category"] == e["category"]
                and v["ci_job_url"] == e["ci_job_url"])
        check(same, f"verdict and event in the same order: {v} / {e}")
        if not same:
            break
    seen = {v["verdict"] for v in verdicts}
    check(seen == set(VERDICTS), f"the demo has every verdict (has {sorted(seen)})")
    for v in verdicts:
        ok = (v["verdict"] in VERDICTS and 0 <= v["probes_ok"] <= v["probes"]
              and isinstance(v["cold"], bool) and v["advice"] and v["advice"] in v["sentence"]
              and v["sentence"].startswith(v["ts"][:10] + " " + v["ts"][11:16] + " UTC")
              and v["image"] in v["sentence"]
              and (v["probe_p50_ms"] is None) == (v["probe_max_ms"] is None)
              and (v["probe_p50_ms"] is None or v["probe_p50_ms"] <= v["probe_max_ms"]))
        check(ok, f"a consistent verdict: {v}")
        if not ok:
            break
    slow = [v for v in verdicts if v["verdict"] == "slow_pull"]
    check(any(v["cold"] and "a cold build after a digest change" in v["sentence"] for v in slow),
          "a slow pull of a cold nixery build says so")

    summary = run(pullwatch, "explain", "--db", db, "--summary", *RANGE)
    check(summary.returncode == 0, f"explain --summary: exit {summary.returncode}")
    images = [json.loads(line, object_pairs_hook=lambda pairs: pairs)
              for line in summary.stdout.splitlines()]
    check(all([k for k, _ in i] == SUMMARY for i in images), "summary: fields in order")
    images = [dict(i) for i in images]
    for i in images:
        counts = dict(i["verdicts"])
        check(list(counts) == VERDICTS and sum(counts.values()) == i["ci_failures"],
              f"summary: verdict counts add up for {i['image']}")
        check(i["ci_failures"] == sum(v["image"] == i["image"] for v in verdicts),
              f"summary: {i['image']} has as many failures as explain lists")
    grouped = [i for i in images if i["group"]]
    check(grouped and all("in the same range the" in i["sentence"] for i in grouped),
          "summary: each grouped image says how the other side did")

    only = run(pullwatch, "explain", "--db", db, "--summary", "--group", "keystone-tools", *RANGE)
    names = [json.loads(line)["image"] for line in only.stdout.splitlines()]
    check(len(names) == 2 and all(dict(i)["group"] == "keystone-tools" for i in
                                  [json.loads(line) for line in only.stdout.splitlines()]),
          f"--group keystone-tools: its two sides ({names})")

    report = run(pullwatch, "export", "--report", "verdicts", "--db", db, *RANGE)
    check(report.returncode == 0, f"export verdicts: exit {report.returncode}: {report.stderr}")
    table = list(csv.reader(io.StringIO(report.stdout, newline="")))
    check(table[0] == CSV_FIELDS, f"verdicts CSV header ({table[0]})")
    rows = [dict(zip(table[0], r)) for r in table[1:]]
    check(len(rows) == len(verdicts), "verdicts CSV: a row per failed CI pull")
    for r, v in zip(rows, verdicts):
        same = (r["ts"] == v["ts"] and r["verdict"] == v["verdict"]
                and r["probes"] == str(v["probes"]) and r["cold"] == str(v["cold"]).lower()
                and r["probe_p50_ms"] == ("" if v["probe_p50_ms"] is None else str(v["probe_p50_ms"]))
                and r["advice"] == v["advice"])
        check(same, f"CSV and JSON agree: {r} / {v}")
        if not same:
            break

    for args, says in [
            (["--from", "yesterday"], "explain: --from: "),
            (["--from", "-1d", "--to", "-2d"], "explain: --from is after --to"),
            (["--image", "docker.io/library/nothing:latest"], "explain: --image: no image"),
            (["extra"], 'explain: unexpected argument "extra"'),
            (["--bogus"], "explain: Unknown option"),
    ]:
        bad = run(pullwatch, "explain", "--db", db, *args)
        check(bad.returncode == 2 and says in bad.stderr and bad.stdout == ""
              and len(bad.stderr.strip().splitlines()) == 1,
              f"explain {' '.join(args)}: exit 2 and one line with {says!r} "
              f"(exit {bad.returncode}: {bad.stderr.strip()})")
    missing = run(pullwatch, "explain", "--db", os.path.join(workdir, "none.db"))
    check(missing.returncode == 2 and "no history here" in missing.stderr,
          f"explain on a missing history: exit 2 ({missing.stderr.strip()})")

    for f in failures:
        print("FAIL:", f)
    print(f"{len(verdicts)} failed CI pulls explained; "
          + ", ".join(f"{v} {sum(x['verdict'] == v for x in verdicts)}" for v in VERDICTS))
    for v in VERDICTS:
        example = next((x for x in verdicts if x["verdict"] == v), None)
        if example:
            print(f"  {v}: {example['sentence']}")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
