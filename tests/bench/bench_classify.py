#!/usr/bin/env python3
"""Log classification speed: `pullwatch classify --summary` against grep -E and ripgrep with the
same patterns (DESIGN.md "Performance budgets": classification at >= the speed of
`grep -E -c -f <same patterns>` on the same file).

Generates a GitHub Actions job log of the given size (ordinary build and test output with
timestamps, about 0.5 % pull-related lines of many kinds taken from tests/data/logs), writes the
rules of resources/rules/*.json as a POSIX ERE pattern file for `grep -E -c -f` and as a Rust
regex pattern file for `rg -c -f`, checks that the translations find the lines Python's `re`
finds with the original patterns on the corpus, then times each tool (best of 3, the file in the
page cache) and prints a markdown table.

usage: bench_classify.py PULLWATCH [--mb 256] [--keep DIR]
"""
import argparse
import json
import os
import random
import re
import shutil
import subprocess
import sys
import tempfile
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent.parent
RULES = ROOT / "resources" / "rules"
CORPUS = ROOT / "tests" / "data" / "logs"


def load_rules():
    rules = []
    for path in sorted(RULES.glob("*.json")):
        for rule in json.loads(path.read_text())["rules"]:
            rules.append(rule)
    return rules


# ---------------------------------------------------------------- pattern translation

def translate(pattern, flavour, caseless=False):
    """The pattern as Vectorscan sees it in pullwatch (anchors dropped, as the prefilter does),
    in POSIX ERE ("ere", GNU grep -E) or Rust regex ("rust", ripgrep) syntax."""
    out = []
    i = 0
    n = len(pattern)
    rust_meta = set("\\.+*?()|[]{}^$#&-~")

    def letter_class(c):
        return f"[{c.lower()}{c.upper()}]" if c.isalpha() and caseless and flavour == "ere" else c

    while i < n:
        c = pattern[i]
        if c == "\\" and i + 1 < n:
            e = pattern[i + 1]
            i += 2
            if flavour == "ere":
                out.append({"d": "[0-9]", "s": "[[:space:]]", "S": "[^[:space:]]",
                            "w": "[[:alnum:]_]", "W": "[^[:alnum:]_]", "D": "[^0-9]"}.get(e)
                           or (("\\" + e) if e in ".[]()*+?{}|^$\\" else letter_class(e)))
            else:
                out.append("\\" + e if (e in "dsSwWD" or e in rust_meta) else e)
            continue
        if c == "[":
            # A bracket expression: copy it, translating escapes inside.
            j = i + 1
            negate = j < n and pattern[j] == "^"
            if negate:
                j += 1
            items = []
            first = True
            while j < n and (pattern[j] != "]" or first):
                first = False
                ch = pattern[j]
                if ch == "\\" and j + 1 < n:
                    e = pattern[j + 1]
                    j += 2
                    if flavour == "ere":
                        items.append({"d": "0-9", "s": "[:space:]", "w": "[:alnum:]_",
                                      "S": None, "W": None}.get(e, e))
                        if items[-1] is None:
                            raise ValueError(f"\\{e} inside a class: {pattern}")
                    else:
                        items.append("\\" + e if (e in "dsSwWD" or e in rust_meta) else e)
                    continue
                items.append(ch)
                j += 1
            i = j + 1
            if flavour == "ere":
                # "]" first, "-" last, "^" not first: POSIX bracket rules (no escapes inside).
                body = "".join(items)
                literal_close = "]" in items
                literal_dash = False
                cleaned = []
                for k, item in enumerate(items):
                    if item == "]":
                        continue
                    if item == "-" and (k == 0 or k == len(items) - 1):
                        literal_dash = True
                        continue
                    cleaned.append(item)
                if caseless:
                    extra = []
                    for item in cleaned:
                        if len(item) == 1 and item.isalpha():
                            extra.append(item.swapcase())
                    cleaned += extra
                body = "".join(cleaned)
                if body.startswith("^"):
                    body = body[1:] + "^"
                out.append("[" + ("^" if negate else "") + ("]" if literal_close else "") + body
                           + ("-" if literal_dash else "") + "]")
            else:
                out.append("[" + ("^" if negate else "") + "".join(items) + "]")
            continue
        if c in "^$":
            i += 1  # pullwatch's prefilter drops anchors: timestamped raw lines still match
            continue
        if c == "(" and pattern.startswith("(?", i):
            m = re.match(r"\(\?(?:P?<([A-Za-z_]\w*)>|:)", pattern[i:])
            if not m:
                raise ValueError(f"unsupported group at {i}: {pattern}")
            if flavour == "ere":
                out.append("(")
            else:
                out.append("(?:")  # rg joins the patterns into one: no duplicate group names
            i += len(m.group(0))
            continue
        if c in "*+?}" and i + 1 < n and pattern[i + 1] == "?" and flavour == "ere":
            out.append(c)  # lazy quantifiers: the same lines match greedily
            i += 2
            continue
        out.append(letter_class(c) if flavour == "ere" else c)
        i += 1
    text = "".join(out)
    if flavour == "rust" and caseless:
        text = "(?i)" + text
    return text


def python_pattern(rule):
    """The original pattern for Python's re, anchors dropped like the prefilter."""
    p = translate_python(rule["pattern"])
    return re.compile(p, re.IGNORECASE if rule.get("caseless") else 0)


def translate_python(pattern):
    out, i, in_class = [], 0, False
    while i < len(pattern):
        c = pattern[i]
        if c == "\\" and i + 1 < len(pattern):
            out.append(pattern[i:i + 2])
            i += 2
            continue
        if in_class:
            if c == "]" and not (out[-1] == "[" or (out[-1] == "^" and out[-2] == "[")):
                in_class = False
        elif c == "[":
            in_class = True
        elif c in "^$":
            i += 1
            continue
        elif pattern.startswith("(?<", i) and not pattern.startswith("(?<=", i) \
                and not pattern.startswith("(?<!", i):
            out.append("(?P<")
            i += 3
            continue
        out.append(c)
        i += 1
    return "".join(out)


# ---------------------------------------------------------------- the log

ORDINARY = [
    "npm http fetch GET 200 https://registry.npmjs.org/{pkg} {n}ms (cache hit)",
    "npm timing reifyNode:node_modules/{pkg} Completed in {n}ms",
    "[{pct:3d}%] Building CXX object src/CMakeFiles/core.dir/{mod}.cpp.o",
    "[{pct:3d}%] Linking CXX static library libcore.a",
    "tests/test_{mod}.py::test_{mod}_{n} PASSED                                    [{pct:3d}%]",
    "  \u2713 {mod} handles {pkg} ({n} ms)",
    "PASS src/{mod}/{mod}.test.ts ({n}.{pct} s)",
    "    at Object.<anonymous> (src/{mod}/{mod}.test.ts:{n}:{pct})",
    "go: downloading github.com/{mod}/{pkg} v1.{pct}.{n}",
    "ok  \tgithub.com/acme/{mod}\t0.{n}s",
    "Compiling {pkg} v0.{pct}.{n}",
    "##[group]Run make -j4 {mod}",
    "##[endgroup]",
    "{mod}.c:{n}:{pct}: warning: unused variable 'tmp' [-Wunused-variable]",
    "Downloading https://files.pythonhosted.org/packages/{pct}/{n}/{pkg}-1.{pct}.tar.gz (120 kB)",
    "Collecting {pkg}>=1.{pct}",
    "Successfully installed {pkg}-1.{pct}.{n}",
    "{n} passing ({pct}ms)",
    "Step {pct}/{n} : RUN make {mod}",
    "  {mod}: {pct} files changed, {n} insertions(+), {pct} deletions(-)",
    "I0518 08:42:15.{n}  1187 controller.go:{pct}] Reconciling {mod}/{pkg}",
    # a few near misses: words the rules look for, in lines that are not pulls
    "npm ERR! 404 Not Found - GET https://registry.npmjs.org/{pkg} - Not found",
    "curl: (6) Could not resolve host: {mod}.example.com",
    "E   requests.exceptions.ConnectTimeout: HTTPSConnectionPool(host='{mod}.example.com', port=443): timed out",
    "fatal: unable to access 'https://github.com/acme/{mod}.git/': Could not resolve host: github.com",
]
WORDS = ["core", "http", "json", "pool", "auth", "cache", "store", "sync", "render", "probe",
         "lodash", "react", "serde", "tokio", "zod", "express", "pydantic", "numpy"]


def prefix_free(line):
    """A corpus line without its GitHub/GitLab timestamp prefix and BOM."""
    line = line.lstrip("\ufeff")
    m = re.match(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d+Z (?:[0-9a-f]{2}[OE][ +])?", line)
    return line[m.end():] if m else line


def pull_lines(rules):
    compiled = [python_pattern(r) for r in rules]
    lines = []
    for path in sorted(CORPUS.iterdir()):
        if path.name.endswith(".json") or path.name.startswith("negatives"):
            continue
        for raw in path.read_text(encoding="utf-8", errors="replace").split("\n"):
            text = re.sub(r"\x1b\[[0-9;]*[A-Za-z]", "", prefix_free(raw)).replace("\r", " ")
            if text and any(c.search(text) for c in compiled):
                lines.append(text)
    return lines


def generate(path, megabytes, pulls, seed=1):
    rng = random.Random(seed)
    t = datetime(2025, 5, 18, 8, 42, 15, tzinfo=timezone.utc)
    target = megabytes * 1000 * 1000
    written = 0
    pull_count = 0
    lines = 0
    with open(path, "w", encoding="utf-8", newline="\n") as f:
        f.write("\ufeff")
        while written < target:
            block = []
            for _ in range(5000):
                t += timedelta(microseconds=rng.randint(10, 20000))
                stamp = t.strftime("%Y-%m-%dT%H:%M:%S.") + f"{t.microsecond:06d}{rng.randrange(10)}Z "
                if rng.random() < 0.005:
                    text = rng.choice(pulls)
                    pull_count += 1
                else:
                    text = rng.choice(ORDINARY).format(pkg=rng.choice(WORDS), mod=rng.choice(WORDS),
                                                       n=rng.randint(1, 9999), pct=rng.randint(1, 99))
                block.append(stamp + text)
            data = "\n".join(block) + "\n"
            f.write(data)
            written += len(data.encode("utf-8"))
            lines += len(block)
    return lines, pull_count


# ---------------------------------------------------------------- measuring

def best_of(cmd, runs=3, env=None):
    times = []
    out = b""
    for _ in range(runs):
        started = time.perf_counter()
        p = subprocess.run(cmd, capture_output=True, env=env)
        times.append(time.perf_counter() - started)
        if p.returncode not in (0, 1):
            raise RuntimeError(f"{cmd[0]} failed: {p.stderr.decode()[-400:]}")
        out = p.stdout
    return min(times), out


def version(cmd):
    try:
        p = subprocess.run(cmd, capture_output=True, text=True, timeout=30,
                           env=dict(os.environ, QT_QPA_PLATFORM="offscreen"))
        return (p.stdout or p.stderr).strip().splitlines()[0]
    except (OSError, IndexError, subprocess.TimeoutExpired):
        return "?"


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("pullwatch")
    parser.add_argument("--mb", type=int, default=256)
    parser.add_argument("--keep", help="write the log and pattern files here and keep them")
    args = parser.parse_args()
    rg = shutil.which("rg")
    if not rg:
        print("ripgrep is missing (apt-get install -y ripgrep); timing grep only", file=sys.stderr)

    rules = load_rules()
    work = Path(args.keep) if args.keep else Path(tempfile.mkdtemp(prefix="bench-classify-"))
    work.mkdir(parents=True, exist_ok=True)
    ere = work / "patterns.ere"
    rust = work / "patterns.rust"
    ere.write_text("".join(translate(r["pattern"], "ere", r.get("caseless", False)) + "\n"
                           for r in rules))
    rust.write_text("".join(translate(r["pattern"], "rust", r.get("caseless", False)) + "\n"
                            for r in rules))
    c_env = dict(os.environ, LC_ALL="C")

    # The translations find the lines the original patterns find (Python re, raw lines).
    compiled = [python_pattern(r) for r in rules]
    print(f"{len(rules)} rules from {RULES.relative_to(ROOT)}; pattern files in {work}\n")
    print("| corpus log | lines | re | grep -E | rg |")
    print("|---|---:|---:|---:|---:|")
    mismatches = 0
    for path in sorted(CORPUS.iterdir()):
        if path.name.endswith(".json"):
            continue
        raw = path.read_bytes().decode("utf-8", errors="replace").split("\n")
        if raw and raw[-1] == "":
            raw.pop()
        want = sum(1 for line in raw if any(c.search(line) for c in compiled))
        grep_n = int(subprocess.run(["grep", "-E", "-c", "-a", "-f", str(ere), str(path)],
                                    capture_output=True, env=c_env).stdout or 0)
        rg_n = int(subprocess.run([rg, "-c", "-a", "--no-config", "-f", str(rust), str(path)],
                                  capture_output=True).stdout or 0) if rg else -1
        flag = "" if grep_n == want and (rg_n in (want, -1)) else " **differs**"
        mismatches += bool(flag)
        print(f"| {path.name} | {len(raw)} | {want} | {grep_n} | {rg_n}{flag} |")
    if mismatches:
        print(f"\n{mismatches} corpus logs where a translation finds other lines than Python's re "
              "(caseless rules, Unicode classes or UTF-8 decoding may explain small differences)")

    log = work / f"github-actions-{args.mb}mb.log"
    started = time.perf_counter()
    lines, pulls = generate(log, args.mb, pull_lines(rules))
    size = log.stat().st_size
    print(f"\ngenerated {size / 1e6:.1f} MB, {lines} lines, {pulls} pull-related "
          f"({100 * pulls / lines:.2f} %) in {time.perf_counter() - started:.1f} s")
    with open(log, "rb") as f:  # into the page cache
        while f.read(1 << 24):
            pass

    env = dict(os.environ, QT_QPA_PLATFORM="offscreen")
    results = []
    t, out = best_of([args.pullwatch, "classify", "--summary", str(log)], env=env)
    summary = json.loads(out)
    results.append(("pullwatch classify --summary", t, f"{summary['events']} events"))
    t, out = best_of(["grep", "-E", "-c", "-f", str(ere), str(log)], env=c_env)
    results.append(("grep -E -c -f (LC_ALL=C)", t, f"{int(out or 0)} lines"))
    utf8_env = dict(os.environ, LC_ALL="C.UTF-8")
    t, out = best_of(["grep", "-E", "-c", "-f", str(ere), str(log)], env=utf8_env)
    results.append(("grep -E -c -f (LC_ALL=C.UTF-8)", t, f"{int(out or 0)} lines"))
    if rg:
        t, out = best_of([rg, "-c", "--no-config", "-f", str(rust), str(log)])
        results.append(("rg -c -f", t, f"{int(out or 0)} lines"))

    grep_time = results[1][1]
    # (pullwatch has no --version: without a subcommand it opens the dashboard)
    commit = version(["git", "-C", str(ROOT), "log", "-1", "--format=pullwatch at %h (%cs)"])
    print(f"\nnproc {os.cpu_count()}; {commit}; "
          f"{version(['grep', '--version'])}; {version([rg, '--version']) if rg else 'no rg'}\n")
    print(f"| tool ({size / 1e6:.0f} MB, best of 3) | seconds | MB/s | vs grep (C) | found |")
    print("|---|---:|---:|---:|---|")
    for name, seconds, found in results:
        print(f"| {name} | {seconds:.2f} | {size / 1e6 / seconds:.0f} | "
              f"{grep_time / seconds:.2f}x | {found} |")
    if not args.keep:
        shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
