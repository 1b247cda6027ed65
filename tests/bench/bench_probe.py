#!/usr/bin/env python3
"""Probe throughput: `pullwatch probe` against `curl --parallel` and `skopeo inspect`.

DESIGN.md "Performance budgets": 500 references against a loopback registry within 2x of
`curl --parallel` doing the same HEAD requests.

Starts an anonymous Debian `docker-registry` on 127.0.0.1 (tests/integration/regtest.py), pushes
one small one-layer OCI image into each of a few repositories and tags it until there are N
distinct references (default 5 repositories x 100 tags = 500), then times, wall clock, best and
median of R rounds (the tools interleaved within a round):

  * pullwatch probe --no-store REF x N   (one process; every line checked: ok + right digest)
  * pullwatch probe --db TMP REF x N     (once per round with a fresh database: storing included)
  * pullwatch probe --no-store REF       (one reference: process start-up and teardown)
  * curl --parallel --parallel-max 50 -I (a -K config with url/output per reference;
    every response checked: 200 + right Docker-Content-Digest)
  * curl --parallel --parallel-max 6 -I  (pullwatch's per-host limit is 6, like Qt's)
  * skopeo inspect --tls-verify=false --raw docker://REF, a sample one after another
    (skopeo is one process per reference), extrapolated to N

usage: bench_probe.py PULLWATCH_EXE [--refs 500] [--rounds 5] [--skopeo-sample 50]
                      [--repos 5] [--workdir DIR] [--keep]

Python 3 standard library only. Exit status 1 if any tool returned a wrong answer, or if
pullwatch's best time is more than 2x the best curl --parallel time (-P 50 or -P 6,
whichever was faster: the budget).
"""
import argparse
import concurrent.futures
import hashlib
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "integration"))
import regtest  # noqa: E402

BUDGET_RATIO = 2.0


def fail(message):
    print(f"bench_probe: {message}", file=sys.stderr)
    sys.exit(1)


def first_line(cmd):
    try:
        p = subprocess.run(cmd, capture_output=True, text=True, timeout=30)
        return (p.stdout or p.stderr).strip().splitlines()[0]
    except (OSError, IndexError, subprocess.TimeoutExpired):
        return "(unknown)"


def machine_info():
    model = "(unknown)"
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    model = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    return {"nproc": os.cpu_count(), "cpu": model, "kernel": platform.release()}


class Timer:
    def __init__(self):
        self.samples = []

    def add(self, seconds):
        self.samples.append(seconds)

    @property
    def best(self):
        return min(self.samples)

    @property
    def median(self):
        return statistics.median(self.samples)

    @property
    def spread(self):
        """(max - min) / min, in percent."""
        return 100.0 * (max(self.samples) - min(self.samples)) / min(self.samples)


# --------------------------------------------------------------------------------------------
# Fixture


def populate(reg, n_refs, n_repos):
    """Push one image per repository and tag it until there are n_refs references.

    Returns [(repository, tag, digest)] in probe order (repository-major)."""
    per_repo = [n_refs // n_repos + (1 if i < n_refs % n_repos else 0) for i in range(n_repos)]
    refs = []
    jobs = []
    for r, count in enumerate(per_repo):
        if count == 0:
            continue
        repo = f"bench/r{r}"
        img = reg.push_image(repo, "t0000")
        # The exact manifest bytes, to PUT under the other tags.
        status, hdrs, body = regtest.http("GET", f"{reg.url}/v2/{repo}/manifests/t0000",
                                          headers={"Accept": img["media_type"]})
        if status != 200 or regtest.sha256_digest(body) != img["digest"]:
            fail(f"read-back of {repo}:t0000 gave HTTP {status}")
        refs.append((repo, "t0000", img["digest"]))
        for t in range(1, count):
            tag = f"t{t:04d}"
            refs.append((repo, tag, img["digest"]))
            jobs.append((repo, tag, body, img["media_type"], img["digest"]))

    def put(job):
        repo, tag, body, media_type, digest = job
        got = regtest.push_manifest(reg.host, repo, tag, body, media_type)
        if got != digest:
            raise regtest.FixtureError(f"{repo}:{tag}: {got} != {digest}")

    with concurrent.futures.ThreadPoolExecutor(8) as pool:
        list(pool.map(put, jobs))
    return refs


# --------------------------------------------------------------------------------------------
# Tools


class Pullwatch:
    def __init__(self, exe, workdir):
        self.exe = exe
        home = os.path.join(workdir, "home")
        docker = os.path.join(workdir, "docker-empty")
        os.makedirs(home, exist_ok=True)
        os.makedirs(docker, exist_ok=True)
        env = {k: v for k, v in os.environ.items()
               if k not in ("DOCKER_CONFIG",) and not k.lower().endswith("_proxy")}
        # Never the machine's ~/.docker/config.json or pullwatch config/data.
        env.update(HOME=home, DOCKER_CONFIG=docker,
                   XDG_CONFIG_HOME=os.path.join(home, ".config"),
                   XDG_DATA_HOME=os.path.join(home, ".local", "share"),
                   XDG_CACHE_HOME=os.path.join(home, ".cache"), QT_QPA_PLATFORM="offscreen")
        self.env = env

    def run(self, refs, host, extra):
        args = [self.exe, "probe", *extra, *[f"{host}/{repo}:{tag}" for repo, tag, _ in refs]]
        start = time.perf_counter()
        p = subprocess.run(args, capture_output=True, env=self.env, timeout=600)
        wall = time.perf_counter() - start
        lines = p.stdout.decode().splitlines()
        errors = []
        if p.returncode != 0:
            errors.append(f"exit {p.returncode}: {p.stderr.decode()[-300:]}")
        if len(lines) != len(refs):
            errors.append(f"{len(lines)} lines for {len(refs)} references")
        latencies = []
        for line, (repo, tag, digest) in zip(lines, refs):
            obj = json.loads(line)
            if obj.get("outcome") != "ok" or obj.get("digest") != digest or \
                    not obj.get("ref", "").endswith(f"/{repo}:{tag}"):
                errors.append(f"{repo}:{tag}: {line[:300]}")
            latencies.append(obj.get("latency_ms") or 0)
        return wall, errors, latencies


class Curl:
    def __init__(self, workdir, refs, host):
        self.config = os.path.join(workdir, "curl.conf")
        with open(self.config, "w") as f:
            for repo, tag, _ in refs:
                f.write(f'url = "http://{host}/v2/{repo}/manifests/{tag}"\n')
                f.write("output = /dev/null\n")
        self.refs = refs

    def run(self, parallel_max):
        args = ["curl", "--parallel", "--parallel-max", str(parallel_max), "-s", "-I",
                "--noproxy", "*", "-H", "Accept: " + regtest.ACCEPT_ALL,
                "-w", "%{http_code} %header{docker-content-digest} %{url}\\n", "-K", self.config]
        start = time.perf_counter()
        p = subprocess.run(args, capture_output=True, timeout=600)
        wall = time.perf_counter() - start
        errors = []
        if p.returncode != 0:
            errors.append(f"curl exit {p.returncode}: {p.stderr.decode()[-300:]}")
        want = {f"/v2/{repo}/manifests/{tag}": digest for repo, tag, digest in self.refs}
        seen = 0
        for line in p.stdout.decode().splitlines():
            parts = line.split()
            if len(parts) != 3:
                errors.append(f"curl: unexpected line {line!r}")
                continue
            code, digest, url = parts
            path = url.split("/", 3)[-1]
            path = "/" + path
            if code != "200" or want.get(path) != digest:
                errors.append(f"curl: {line}")
            seen += 1
        if seen != len(self.refs):
            errors.append(f"curl: {seen} responses for {len(self.refs)} URLs")
        return wall, errors


def skopeo_run(refs, host):
    """Sequentially, one process per reference. Returns (wall, errors)."""
    errors = []
    start = time.perf_counter()
    for repo, tag, digest in refs:
        p = subprocess.run(["skopeo", "inspect", "--tls-verify=false", "--raw",
                            f"docker://{host}/{repo}:{tag}"], capture_output=True, timeout=120,
                           env={k: v for k, v in os.environ.items()
                                if not k.lower().endswith("_proxy")})
        if p.returncode != 0 or regtest.sha256_digest(p.stdout) != digest:
            errors.append(f"skopeo {repo}:{tag}: exit {p.returncode} "
                          f"{p.stderr.decode()[-200:]}")
    return time.perf_counter() - start, errors


# --------------------------------------------------------------------------------------------


def percentile(values, q):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q / 100.0 * len(ordered)))]


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("pullwatch")
    ap.add_argument("--refs", type=int, default=500)
    ap.add_argument("--rounds", type=int, default=5)
    ap.add_argument("--skopeo-sample", type=int, default=50)
    ap.add_argument("--repos", type=int, default=5)
    ap.add_argument("--workdir")
    ap.add_argument("--keep", action="store_true", help="keep the work directory")
    opts = ap.parse_args()
    exe = os.path.abspath(opts.pullwatch)
    if not os.access(exe, os.X_OK):
        fail(f"{exe} is not executable")
    for tool in ("curl", "skopeo"):
        if not shutil.which(tool):
            fail(f"{tool} not found (apt-get install -y {tool})")
    if opts.refs < 1 or opts.rounds < 1 or opts.repos < 1:
        fail("--refs, --rounds and --repos must be positive")

    workdir = opts.workdir or tempfile.mkdtemp(prefix="bench-probe-")
    os.makedirs(workdir, exist_ok=True)
    errors = []
    try:
        with regtest.Registry("anonymous", os.path.join(workdir, "registry")) as reg:
            t0 = time.perf_counter()
            refs = populate(reg, opts.refs, min(opts.repos, opts.refs))
            repos = sorted({repo for repo, _, _ in refs})
            print(f"registry {reg.host}: {len(refs)} references = {len(repos)} repositories "
                  f"({', '.join(repos)}) x ~{len(refs) // len(repos)} tags of one small OCI image "
                  f"each (pushed in {time.perf_counter() - t0:.1f} s)", file=sys.stderr)

            pw = Pullwatch(exe, workdir)
            curl = Curl(workdir, refs, reg.host)
            timers = {k: Timer() for k in ("pw", "pw_store", "pw_one", "curl50", "curl6")}
            latencies = []

            # Warm-up (page cache, registry's first requests), not timed.
            _, errs, _ = pw.run(refs, reg.host, ["--no-store"])
            errs += curl.run(50)[1]
            if errs:
                fail("warm-up gave wrong answers, not timing:\n  " + "\n  ".join(errs[:10]))

            for rnd in range(opts.rounds):
                wall, errs, lat = pw.run(refs, reg.host, ["--no-store"])
                timers["pw"].add(wall)
                errors += errs
                latencies += lat
                wall, errs = curl.run(50)
                timers["curl50"].add(wall)
                errors += errs
                wall, errs = curl.run(6)
                timers["curl6"].add(wall)
                errors += errs
                db = os.path.join(workdir, f"history-{rnd}.db")
                wall, errs, _ = pw.run(refs, reg.host, ["--db", db])
                timers["pw_store"].add(wall)
                errors += errs
                wall, errs, _ = pw.run(refs[:1], reg.host, ["--no-store"])
                timers["pw_one"].add(wall)
                errors += errs
                print(f"round {rnd + 1}/{opts.rounds}: pullwatch {timers['pw'].samples[-1]:.3f} s, "
                      f"stored {timers['pw_store'].samples[-1]:.3f} s, "
                      f"curl50 {timers['curl50'].samples[-1]:.3f} s, "
                      f"curl6 {timers['curl6'].samples[-1]:.3f} s, "
                      f"1 ref {timers['pw_one'].samples[-1]:.3f} s", file=sys.stderr)

            sample = refs[:: max(1, len(refs) // max(1, opts.skopeo_sample))][:opts.skopeo_sample]
            skopeo_wall, errs = skopeo_run(sample, reg.host) if sample else (0.0, [])
            errors += errs
    finally:
        if not opts.keep and not opts.workdir:
            shutil.rmtree(workdir, ignore_errors=True)

    n = len(refs)
    info = machine_info()
    c50, c6 = timers["curl50"].best, timers["curl6"].best
    c50m, c6m = timers["curl50"].median, timers["curl6"].median

    def row(name, t, per_ref_n=n):
        best, med = t.best, t.median
        return (f"| {name} | {best:.3f} / {med:.3f} | {per_ref_n / best:,.0f} | "
                f"{best / c50:.2f} / {med / c50m:.2f} | {best / c6:.2f} / {med / c6m:.2f} | "
                f"{t.spread:.0f} % |")

    print()
    print(f"### Probe throughput: {n} references, loopback registry, best / median of "
          f"{opts.rounds} rounds")
    print()
    print(f"References: {len(repos)} repositories (`bench/r0`…`bench/r{len(repos) - 1}`) × "
          f"~{n // len(repos)} tags each, all tags of a repository pointing at one small OCI "
          f"image manifest; anonymous registry on 127.0.0.1; HEAD with the four manifest media "
          f"types in Accept.")
    print()
    print("| tool | wall for %d refs, s (best / median) | probes/s (best) | ratio to curl -P 50 "
          "(best / median) | ratio to curl -P 6 (best / median) | spread (max−min)/min |" % n)
    print("|---|---|---|---|---|---|")
    print(row("`pullwatch probe --no-store` (1 process)", timers["pw"]))
    print(row("`pullwatch probe --db NEW.db` (storing)", timers["pw_store"]))
    print(row("`curl --parallel --parallel-max 50 -I`", timers["curl50"]))
    print(row("`curl --parallel --parallel-max 6 -I`", timers["curl6"]))
    if sample:
        per = skopeo_wall / len(sample)
        est = per * n
        print(f"| `skopeo inspect --raw`, sequential, {len(sample)} measured, ×{n / len(sample):g} "
              f"| ≈{est:.1f} (extrapolated) | {n / est:,.0f} | {est / c50:.0f} | {est / c6:.0f} "
              f"| – |")
    one = timers["pw_one"]
    print(f"| `pullwatch probe --no-store`, 1 ref (start-up + 1 probe) | {one.best:.3f} / "
          f"{one.median:.3f} | – | – | – | {one.spread:.0f} % |")
    print()
    if latencies:
        print(f"pullwatch per-probe `latency_ms` over {len(latencies)} probes: "
              f"p50 {percentile(latencies, 50)}, p95 {percentile(latencies, 95)}, "
              f"p99 {percentile(latencies, 99)}, max {max(latencies)} "
              f"(queueing behind the 6-per-host limit is not in it: the clock starts "
              f"when the probe leaves the queue).")
    print()
    print(f"Machine: {info['nproc']} CPUs, {info['cpu']}, Linux {info['kernel']}.  ")
    print(f"Versions: {first_line(['curl', '--version'])}; {first_line(['skopeo', '--version'])}; "
          f"{first_line([regtest.REGISTRY_BIN, '--version'])}.")
    print()
    # Against the faster curl mode, whichever it was on this machine (the stricter reading).
    ratio = timers["pw"].best / min(c50, c6)
    verdict = "within" if ratio <= BUDGET_RATIO else "OVER"
    print(f"Budget (pullwatch best ≤ {BUDGET_RATIO:g} × best of curl --parallel 50 / 6): "
          f"{ratio:.2f}× — {verdict} budget.")
    if errors:
        print(f"\n{len(errors)} wrong answers, first ones:", file=sys.stderr)
        for e in errors[:10]:
            print("  " + e, file=sys.stderr)
        return 1
    return 0 if ratio <= BUDGET_RATIO else 1


if __name__ == "__main__":
    sys.exit(main())
