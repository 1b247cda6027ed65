#!/usr/bin/env python3
"""Log classification speed: `pullwatch classify --summary` against grep -E and ripgrep with the
same patterns (DESIGN.md "Performance budgets": classification at >= the speed of
`grep -E -c -f <same patterns>` on the same file, and at least ripgrep's).

Generates two logs of the given size from the real lines in tests/data/logs:
  - a GitHub Actions job log: ordinary build and test output with timestamps, about 0.5 %
    pull-related lines of many kinds;
  - a pull-dense console log (as Jenkins or a plain file keeps it, no per-line timestamps): about
    90 % pull output - docker pulls with layer progress (Pulling fs layer, Waiting, Downloading
    [==>  ] 12.3MB/45.6MB, Verifying Checksum, Download complete, Pull complete, Digest,
    Status: Downloaded newer image), ctr pulls with their progress table, kubelet pull events,
    one pull in eight failing with a real failure line of its tool.
It writes the rules of resources/rules/*.json as a POSIX ERE pattern file for `grep -E -c -f` and
as a Rust regex pattern file for `rg -c -f`, checks that the translations find the lines Python's
`re` finds with the original patterns on the corpus, then times each tool on each log (best of
3 by wall time, the file in the page cache; CPU = user + system time of that run) and prints
markdown tables. --baseline times a second pullwatch (say, a build before a change) beside it.

usage: bench_classify.py PULLWATCH [--baseline PULLWATCH] [--mb 256] [--pull-timestamps]
                         [--keep DIR]
"""
import argparse
import json
import os
import random
import re
import resource
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
    """The rule's pattern with its anchors dropped (pullwatch's prefilter drops them too, so that
    timestamped raw lines match), in POSIX ERE ("ere", GNU grep -E) or Rust regex ("rust",
    ripgrep) syntax."""
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
            if e == "x":  # \xHH: the character itself
                out.append(re.escape(chr(int(pattern[i:i + 2], 16))))
                i += 2
                continue
            if e == "b":  # a word boundary; ASCII in Rust's regex (a Unicode one stops its DFA)
                out.append("\\b" if flavour == "ere" else "(?-u:\\b)")
                continue
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
                    if e == "x":  # \xHH: the character itself
                        items.append(chr(int(pattern[j:j + 2], 16)))
                        j += 2
                        continue
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
        text = "(?i:" + text + ")"  # scoped: rg -f joins the patterns into one
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



# ---------------------------------------------------------------- the pull-dense log

# Which tool's pulls each corpus log shows: its failure lines go into that tool's pulls.
CORPUS_TOOLS = {"docker-cli": "docker", "github-actions-docker-pull": "docker",
                "gitlab-runner-trace": "docker", "gitlab-runner-timestamps": "docker",
                "buildkit": "docker", "podman": "docker",
                "containerd-ctr-crictl": "containerd",
                "kubelet-events": "kubelet", "kubectl-describe-pod": "kubelet"}
IMAGES = ["alpine:3.20", "busybox", "python:3.12", "node:20-alpine", "golang:1.22-bookworm",
          "nginx:1.27", "redis:7.2", "postgres:16", "ubuntu:24.04", "mysql:8.4",
          "quay.io/prometheus/node-exporter:v1.8.1", "ghcr.io/acme/ci-runner:v2.4.1",
          "registry.k8s.io/kube-proxy:v1.28.2", "gcr.io/distroless/static:nonroot",
          "nixery.dev/shell/git/nodejs_20/python312/awscli2/openstackclient/jq/busybox",
          "registry.lab.example.com:5000/ci/keystone:2024.2"]


def failure_lines(rules):
    """Per tool, the corpus lines that report a failed pull (real wording): a context with a
    cause, a failure wrapper, a back-off or retry notice."""
    def kinds(*wanted, failure=None):
        return [python_pattern(r) for r in rules if r.get("kind", "fail") in wanted and
                (failure is None or r.get("failure", False) == failure)]
    contexts, causes = kinds("context"), kinds("cause")
    alone = kinds("fail", "backoff", "retry") + kinds("context", failure=True)

    class Failure:
        def search(self, text):
            return any(c.search(text) for c in alone) or (
                any(c.search(text) for c in contexts) and any(c.search(text) for c in causes))
    compiled = [Failure()]
    found = {"docker": [], "containerd": [], "kubelet": []}
    for path in sorted(CORPUS.iterdir()):
        tool = CORPUS_TOOLS.get(path.stem)
        if not tool or path.name.endswith(".json"):
            continue
        for raw in path.read_text(encoding="utf-8", errors="replace").split("\n"):
            text = re.sub(r"\x1b\[[0-9;]*[A-Za-z]", "", prefix_free(raw)).replace("\r", " ")
            if text and any(c.search(text) for c in compiled):
                found[tool].append(text)
    return found


def size_text(total_mb, fraction):
    done = total_mb * fraction
    return f"{done:.1f}MB/{total_mb:.1f}MB" if total_mb >= 1 else \
        f"{done * 1000:.1f}kB/{total_mb * 1000:.1f}kB"


def docker_bar(fraction):
    n = min(49, int(fraction * 50))
    return "[" + "=" * n + ">" + " " * (49 - n) + "]"


def split_image(image):
    """(host, path, tag) as docker names them: docker.io/library/alpine, tag "" when none."""
    first, _, rest = image.partition("/")
    host, path = (first, rest) if rest and ("." in first or ":" in first) else \
        ("docker.io", image if "/" in image else "library/" + image)
    path, _, tag = path.partition(":")
    return host, path, tag


def docker_pull(rng, failures):
    """`docker pull` as a non-TTY runner prints it (docker-cli.log, github-actions-docker-pull.log),
    with the layer progress a TTY-less `--progress` prints as lines; about one in eight fails."""
    image = rng.choice(IMAGES)
    host, path, tag = split_image(image)
    out = [rng.choice(["##[command]/usr/bin/docker pull ", "+ docker pull ", "$ docker pull "])
           + image]
    if not tag:
        out.append("Using default tag: latest")
    out.append(f"{tag or 'latest'}: Pulling from {path}")
    layers = ["%012x" % rng.getrandbits(48) for _ in range(rng.randint(2, 12))]
    sizes = [rng.choice([0.03, 0.9, 3.4, 12.6, 28.1, 45.6, 132.9]) for _ in layers]
    out += [f"{layer}: Pulling fs layer" for layer in layers]
    out += [f"{layer}: Waiting" for layer in layers[3:]]
    fail_at = rng.randrange(len(layers)) if rng.random() < 0.125 else -1
    for i, layer in enumerate(layers):
        for _ in range(rng.randint(1, 3)):
            fraction = rng.random()
            out.append(f"{layer}: Downloading {docker_bar(fraction)}  "
                       f"{size_text(sizes[i], fraction)}")
        if i == fail_at:
            out.append(rng.choice(failures))
            if rng.random() < 0.5:
                out.append("##[warning]Docker pull failed with exit code 1, back off "
                           f"{rng.uniform(1, 9):.3f} seconds before retry.")
            return out
        out += [f"{layer}: Verifying Checksum", f"{layer}: Download complete"]
    for i, layer in enumerate(layers):
        for _ in range(rng.randint(0, 2)):
            fraction = rng.random()
            out.append(f"{layer}: Extracting {docker_bar(fraction)}  "
                       f"{size_text(sizes[i], fraction)}")
        out.append(f"{layer}: Pull complete")
    out.append("Digest: sha256:%064x" % rng.getrandbits(256))
    out.append(f"Status: Downloaded newer image for {image if tag else image + ':latest'}")
    out.append(f"{host}/{path}:{tag or 'latest'}")
    return out


def ctr_pull(rng, failures):
    """`ctr image pull` as containerd-ctr-crictl.log shows it; about one in eight fails."""
    host, path, tag = split_image(rng.choice(IMAGES))
    ref = f"{host}/{path}:{tag or 'latest'}"
    out = [f"$ sudo ctr image pull {ref}",
           f"{ref}: resolving      |{'-' * 38}|",
           "elapsed: 0.1 s" + " " * 66 + "total:   0.0 B (0.0 B/s)"]
    if rng.random() < 0.125:
        out.append(rng.choice(failures))
        return out
    out.append(f"{ref}: resolved       |{'+' * 38}|")
    out.append("index-sha256:%064x:    done           |%s|" % (rng.getrandbits(256), "+" * 38))
    out.append("manifest-sha256:%064x: done           |%s|" % (rng.getrandbits(256), "+" * 38))
    layers = [rng.getrandbits(256) for _ in range(rng.randint(2, 8))]
    for _ in range(rng.randint(2, 5)):  # ctr repaints its table: a non-TTY log gets every frame
        for layer in layers:
            done = rng.randint(0, 38)
            total = rng.uniform(0.5, 90)
            out.append("layer-sha256:%064x:    downloading    |%s%s| %5.1f MiB/%5.1f MiB"
                       % (layer, "+" * done, "-" * (38 - done), total * done / 38, total))
        out.append(f"elapsed: {rng.uniform(0.2, 30):.1f} s" + " " * 62
                   + f"total:  {rng.uniform(1, 90):.1f} M ({rng.uniform(1, 20):.1f} MiB/s)")
    for layer in layers:
        out.append("layer-sha256:%064x:    done           |%s|" % (layer, "+" * 38))
    out.append("unpacking linux/amd64 sha256:%064x..." % rng.getrandbits(256))
    out.append(f"done: {rng.uniform(0.2, 9):.9f}s")
    return out


def kubelet_pull(rng, failures):
    """A pod's image events as kubectl-describe-pod.txt and kubelet-events.log show them."""
    image = rng.choice(IMAGES)
    ago = rng.randint(5, 300)
    out = [f"  Normal   Pulling    {ago}s                   kubelet            "
           f'Pulling image "{image}"']
    if rng.random() < 0.125:
        out.append(rng.choice(failures))  # kubectl describe's or the kubelet journal's wording
        out.append(f"  Warning  Failed     {ago - 1}s                   kubelet            "
                   "Error: ErrImagePull")
        out.append(f"  Normal   BackOff    {ago - 2}s                   kubelet            "
                   f'Back-off pulling image "{image}"')
        return out
    took = rng.uniform(0.5, 70)
    out.append(f"  Normal   Pulled     {ago - 3}s                   kubelet            "
               f'Successfully pulled image "{image}" in {took:.3f}s ({took:.3f}s including '
               f"waiting). Image size: {rng.randint(10 ** 6, 10 ** 9)} bytes.")
    out.append(f"  Normal   Created    {ago - 3}s                   kubelet            "
               "Created container tools")
    out.append(f"  Normal   Started    {ago - 3}s                   kubelet            "
               "Started container tools")
    return out


def generate_pull_dense(path, megabytes, failures, timestamps=False, seed=2):
    """A CI console log that is mostly pull output, as a runner without per-line timestamps
    (Jenkins, a plain file) keeps it: docker pulls with their layer progress, ctr pulls with
    their progress table, kubelet pull events, about one pull in eight failing with a real
    failure line of that tool; one line in ten ordinary build output. With timestamps, every
    line gets GitHub Actions' prefix."""
    rng = random.Random(seed)
    t = datetime(2025, 5, 18, 8, 42, 15, tzinfo=timezone.utc)
    target = megabytes * 1000 * 1000
    written = 0
    pull_lines = 0
    lines = 0
    pulls = 0
    tools = [(docker_pull, failures["docker"])] * 6 + [(ctr_pull, failures["containerd"])] * 2 \
        + [(kubelet_pull, failures["kubelet"])] * 2
    with open(path, "w", encoding="utf-8", newline="\n") as f:
        while written < target:
            block = []
            while len(block) < 5000:
                if rng.random() < 0.4:  # 1-10 lines against a pull's ~35: a line in ten
                    block += [rng.choice(ORDINARY).format(
                        pkg=rng.choice(WORDS), mod=rng.choice(WORDS), n=rng.randint(1, 9999),
                        pct=rng.randint(1, 99)) for _ in range(rng.randint(1, 10))]
                    continue
                make, tool_failures = rng.choice(tools)
                episode = make(rng, tool_failures)
                pulls += 1
                pull_lines += len(episode)
                block += episode
            if timestamps:
                stamped = []
                for text in block:
                    t += timedelta(microseconds=rng.randint(10, 20000))
                    stamped.append(t.strftime("%Y-%m-%dT%H:%M:%S.") +
                                   f"{t.microsecond:06d}{rng.randrange(10)}Z " + text)
                block = stamped
            data = "\n".join(block) + "\n"
            f.write(data)
            written += len(data.encode("utf-8"))
            lines += len(block)
    return lines, pull_lines, pulls


# ---------------------------------------------------------------- measuring

def best_of(cmd, runs=3, env=None):
    """(wall seconds, CPU seconds, stdout) of the fastest of `runs` runs."""
    best = None
    for _ in range(runs):
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        started = time.perf_counter()
        p = subprocess.run(cmd, capture_output=True, env=env)
        wall = time.perf_counter() - started
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
        if p.returncode not in (0, 1):
            raise RuntimeError(f"{cmd[0]} failed: {p.stderr.decode()[-400:]}")
        if best is None or wall < best[0]:
            best = (wall, cpu, p.stdout)
    return best


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
    parser.add_argument("--baseline", help="another pullwatch to time beside it")
    parser.add_argument("--mb", type=int, default=256, help="size of each log")
    parser.add_argument("--pull-timestamps", action="store_true",
                        help="give the pull-dense log GitHub Actions' per-line timestamps")
    parser.add_argument("--keep", help="write the logs and pattern files here and keep them")
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

    logs = []
    log = work / f"github-actions-{args.mb}mb.log"
    started = time.perf_counter()
    lines, pulls = generate(log, args.mb, pull_lines(rules))
    print(f"\n{log.name}: {log.stat().st_size / 1e6:.1f} MB, {lines} lines, {pulls} pull-related "
          f"({100 * pulls / lines:.2f} %), generated in {time.perf_counter() - started:.1f} s")
    logs.append(("GitHub Actions job log", log))
    log = work / f"pull-dense-{args.mb}mb.log"
    started = time.perf_counter()
    lines, pull_output, pulls = generate_pull_dense(log, args.mb, failure_lines(rules),
                                                    timestamps=args.pull_timestamps)
    print(f"{log.name}: {log.stat().st_size / 1e6:.1f} MB, {lines} lines, {pull_output} of them "
          f"pull output ({100 * pull_output / lines:.1f} %) from {pulls} pulls, generated in "
          f"{time.perf_counter() - started:.1f} s")
    logs.append(("pull-dense log" + (" (timestamped)" if args.pull_timestamps else ""), log))

    env = dict(os.environ, QT_QPA_PLATFORM="offscreen")
    utf8_env = dict(os.environ, LC_ALL="C.UTF-8")
    # (pullwatch has no --version: without a subcommand it opens the dashboard)
    commit = version(["git", "-C", str(ROOT), "log", "-1", "--format=pullwatch at %h (%cs)"])
    print(f"\nnproc {os.cpu_count()}; load average {os.getloadavg()[0]:.1f} at the start; "
          f"{commit}; {version(['grep', '--version'])}; "
          f"{version([rg, '--version']) if rg else 'no rg'}")
    for title, log in logs:
        with open(log, "rb") as f:  # into the page cache
            while f.read(1 << 24):
                pass
        size = log.stat().st_size
        results = []
        binaries = [("pullwatch classify --summary", args.pullwatch)]
        if args.baseline:
            binaries.append(("baseline pullwatch classify --summary", args.baseline))
        for name, binary in binaries:
            t, cpu, out = best_of([binary, "classify", "--summary", str(log)], env=env)
            results.append((name, t, cpu, f"{json.loads(out)['events']} events"))
        t, cpu, out = best_of(["grep", "-E", "-c", "-f", str(ere), str(log)], env=c_env)
        results.append(("grep -E -c -f (LC_ALL=C)", t, cpu, f"{int(out or 0)} lines"))
        grep_time = t
        t, cpu, out = best_of(["grep", "-E", "-c", "-f", str(ere), str(log)], env=utf8_env)
        results.append(("grep -E -c -f (LC_ALL=C.UTF-8)", t, cpu, f"{int(out or 0)} lines"))
        if rg:
            t, cpu, out = best_of([rg, "-c", "--no-config", "-f", str(rust), str(log)])
            results.append(("rg -c -f", t, cpu, f"{int(out or 0)} lines"))

        print(f"\n{title}, {size / 1e6:.0f} MB (best of 3; load average now "
              f"{os.getloadavg()[0]:.1f})\n")
        print("| tool | seconds | MB/s | CPU s | vs grep (C) | found |")
        print("|---|---:|---:|---:|---:|---|")
        for name, seconds, cpu, found in results:
            print(f"| {name} | {seconds:.2f} | {size / 1e6 / seconds:.0f} | {cpu:.2f} | "
                  f"{grep_time / seconds:.2f}x | {found} |")
    if not args.keep:
        shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
