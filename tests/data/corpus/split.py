#!/usr/bin/env python3
"""The corpus split, decided once by source: a line or log whose source URL hashes (SHA-256, first
byte) to 0 modulo 3 is held out, every other one is for development. Lines from one thread thus
never sit on both sides.

    split.py check    verify that every line and log is on the side its source says (CTest)
    split.py reader   score holdout/reader.jsonl, a person's labels of each holdout line read
                      alone (no thread, no classifier), against the corpus labels: the ceiling a
                      reader of one line reaches, to set the classifier's figures beside
"""
import hashlib
import json
import os
import re
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
SPLITS = ("dev", "holdout")
CATEGORIES = ("platform integrity disk rate_limit auth not_found server_error tls dns timeout "
              "connection transport canceled backoff unknown").split()
LABELS = CATEGORIES + ["ok", "none"]


def side(url):
    return "holdout" if hashlib.sha256(url.encode()).digest()[0] % 3 == 0 else "dev"


def log_sources(split):
    with open(os.path.join(HERE, split, "logs", "SOURCES.md"), encoding="utf-8") as f:
        for line in f:
            m = re.match(r"(\S+): (\S+) ", line)
            if m:
                yield m.group(1), m.group(2)


def check():
    problems = []
    texts = set()
    for split in SPLITS:
        with open(os.path.join(HERE, split, "lines.jsonl"), encoding="utf-8") as f:
            for number, line in enumerate(f, 1):
                entry = json.loads(line)
                where = "%s/lines.jsonl:%d" % (split, number)
                if not entry.get("source", "").startswith(("https://", "http://")):
                    problems.append(where + ": no source URL")
                elif side(entry["source"]) != split:
                    problems.append(where + ": its source belongs to " + side(entry["source"]))
                if entry.get("label") not in LABELS:
                    problems.append(where + ": unknown label %r" % entry.get("label"))
                if "bare" in entry and (entry["bare"] is not True or entry["label"] == "none"):
                    problems.append(where + ": bare is true, and only on a failure or ok line")
                for also in entry.get("also", []):
                    if also not in CATEGORIES:
                        problems.append(where + ": unknown category in also: %r" % also)
                if entry["text"] in texts:
                    problems.append(where + ": the same line twice")
                texts.add(entry["text"])
        for name, url in log_sources(split):
            if side(url) != split:
                problems.append("%s/logs/%s: its source belongs to %s" % (split, name, side(url)))
            for suffix in (".expected.json",):
                if not os.path.exists(os.path.join(HERE, split, "logs", name + suffix)):
                    problems.append("%s/logs/%s%s: missing" % (split, name, suffix))
    for problem in problems:
        print(problem)
    return 1 if problems else 0


def reader():
    def key(text):
        return hashlib.sha256(text.encode()).hexdigest()[:16]

    with open(os.path.join(HERE, "holdout", "reader.jsonl"), encoding="utf-8") as f:
        answers = {entry["text_sha256"]: entry["label"] for entry in map(json.loads, f)}
    lines = {label: [0, 0] for label in LABELS}
    with open(os.path.join(HERE, "holdout", "lines.jsonl"), encoding="utf-8") as f:
        for entry in map(json.loads, f):
            if entry.get("bare"):
                continue
            answer = answers[key(entry["text"])]
            if entry["label"] == "none":
                right = answer == "none"
            else:
                right = answer == entry["label"] or answer in entry.get("also", [])
            lines[entry["label"]][0] += 1
            lines[entry["label"]][1] += right
    print("reader of one line, holdout split\n\ncategory      lines  recall")
    for label in CATEGORIES + ["ok"]:
        total, right = lines[label]
        print("%-12s %6d  %5.1f%%" % (label, total, 100.0 * right / total))
    positives = sum(lines[label][0] for label in CATEGORIES + ["ok"])
    found = sum(lines[label][1] for label in CATEGORIES + ["ok"])
    negatives, kept = lines["none"]
    print("%-12s %6d  %5.1f%%" % ("all", positives, 100.0 * found / positives))
    print("negatives    %6d  false events %.1f%%" % (negatives, 100.0 * (negatives - kept) / negatives))
    return 0


if __name__ == "__main__":
    commands = {"check": check, "reader": reader}
    command = commands.get(sys.argv[1]) if len(sys.argv) == 2 else None
    sys.exit(command() if command else (print(__doc__) or 2))
