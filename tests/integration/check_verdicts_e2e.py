#!/usr/bin/env python3
"""The seed case, reproduced end to end (issue 13): a CI job gives up on a nixery image that is
still being built, and `pullwatch explain` says so with the figures it measured.

An on-demand registry on loopback — a proxy in front of a real docker-registry that, like nixery,
never sends Docker-Content-Digest on manifests and answers the first manifest request after a
digest change only after a delay (the build) — and a plain docker-registry as the self-hosted
side, both images in one group; a GitHub Actions API emulation (ciemulator.py) serves the job
logs. `pullwatch serve` probes both images and ingests the jobs, then stops on SIGTERM; `explain`
and `explain --summary` give the verdicts. Three scenarios, each with its own proxy, CI emulation,
config, history and serve run (run side by side to keep the test short):

  slow     the job's wait for its pod times out while kubelet is still pulling the cold image:
           slow_pull, cold, the cold latency measured, advice to wait longer than that; the
           summary says the self-hosted side failed 0 times
  outage   the registry answers 500 for a while and `docker pull` fails with that 500:
           registry_outage, with the incident
  runner   kubelet cannot resolve the registry's name while every probe is fine and fast:
           runner_side

usage: check_verdicts_e2e.py PULLWATCH WORKDIR
"""
import csv
import datetime
import http.client
import io
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import threading
import time
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

sys.dont_write_bytecode = True
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import ciemulator  # noqa: E402
import regtest  # noqa: E402

BUILD_DELAY_S = 4.0     # the on-demand registry's "build" of a changed image
JOB_WAIT_S = 3          # how long the seed job waits for its pod (kubectl wait --timeout)
OUTAGE_S = 14.0         # the outage registry answers 500 this long after serve starts
RUN_SECONDS = 25.0      # 10 s intervals (the shortest allowed): probes at ~0, ~10 and ~20 s
GITHUB_TOKEN = "ghp_checkVerdictsE2e0123456789abcdef"
NIXERY_REPO, SELF_REPO = "shell/awscli2/jq", "ci/keystone-tools"
RUN_ID, JOB_ID, JOB_NAME = 7301, 73011, "canary-integration-test"
JOB_URL = f"https://github.com/{ciemulator.GITHUB_REPO}/actions/runs/{RUN_ID}/job/{JOB_ID}"
POD = "rook-ceph-tools-6b4889fdfd-h7pq2"
FIELDS = ["ts", "image", "registry", "ci_job_url", "category", "verdict", "probes", "probes_ok",
          "probe_p50_ms", "probe_max_ms", "cold", "advice", "sentence"]
SUMMARY = ["image", "group", "label", "ci_failures", "verdicts", "sentence"]
MANIFEST_PATH = re.compile(r"^/v2/(.+)/manifests/([^/]+)$")
failures = []


def check(condition, what):
    if not condition:
        failures.append(what)
    return condition


# --------------------------------------------------------------------------------------------
# The on-demand registry


class OnDemandProxy:
    """Nixery's manners in front of a real registry: manifest responses carry no
    Docker-Content-Digest (nor the Etag that repeats it), the first manifest request for a tag
    whose bytes differ from the last ones served (the first request ever included) is answered
    only after `delay` seconds, and while `failing` is set every manifest request gets a 500."""

    def __init__(self, backend, delay):
        self.backend, self.delay = backend, delay
        self.failing = False
        self.lock = threading.Lock()
        self.served = {}    # (repository, reference) -> manifest bytes last served
        self.requests = []  # (method, path, status, seconds delayed)
        proxy = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self):
                proxy._handle(self)

            do_HEAD = do_GET

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.port = self.server.server_address[1]
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def start(self):
        self.thread.start()
        return self

    def stop(self):
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(5)

    def _reply(self, handler, status, headers, body, delayed=0.0):
        with self.lock:
            self.requests.append((handler.command, handler.path, status, delayed))
        handler.send_response(status)
        for name, value in headers:
            handler.send_header(name, value)
        handler.send_header("Content-Length", str(len(body)))
        handler.end_headers()
        if handler.command != "HEAD":
            handler.wfile.write(body)

    def _handle(self, handler):
        manifest = MANIFEST_PATH.match(urllib.parse.urlsplit(handler.path).path)
        if manifest and self.failing:
            body = json.dumps({"errors": [{"code": "UNKNOWN", "message": "unknown error",
                                           "detail": "build failed"}]}).encode()
            return self._reply(handler, 500, [("Content-Type", "application/json")], body)
        # A HEAD is answered from a GET: the bytes decide whether the image changed.
        conn = http.client.HTTPConnection(self.backend, timeout=30)
        try:
            conn.request("GET", handler.path, headers={
                k: v for k, v in handler.headers.items()
                if k.lower() in ("accept", "authorization", "range")})
            resp = conn.getresponse()
            body, status, headers = resp.read(), resp.status, resp.getheaders()
        finally:
            conn.close()
        delayed = 0.0
        if manifest and status == 200:
            key = manifest.groups()
            with self.lock:
                changed = self.served.get(key) != body
                self.served[key] = body
            if changed and self.delay > 0:
                delayed = self.delay
                time.sleep(delayed)
        dropped = {"content-length", "connection", "transfer-encoding", "date", "server"}
        if manifest:
            dropped |= {"docker-content-digest", "etag"}
        kept = [(k, v) for k, v in headers if k.lower() not in dropped]
        self._reply(handler, status, kept, body, delayed)

    def manifest_requests(self):
        with self.lock:
            return [r for r in self.requests
                    if MANIFEST_PATH.match(urllib.parse.urlsplit(r[1]).path)]


# --------------------------------------------------------------------------------------------
# The CI job logs: GitHub's line format, the words kubectl, kubelet and docker print


def stamp(t):
    """The runner's timestamp: .NET round-trip UTC, 7 fractional digits."""
    d = datetime.datetime.fromtimestamp(t, datetime.timezone.utc)
    return d.strftime("%Y-%m-%dT%H:%M:%S.") + "%07d" % (d.microsecond * 10) + "Z"


def github_log(lines):
    """lines: [(unix time, message)] -> the text GitHub's log download serves."""
    return "\ufeff" + "".join(f"{stamp(t)} {m}\n" for t, m in lines)


def checkout(t):
    return [(t - 9.0, "Current runner version: '2.321.0'"),
            (t - 8.9, "##[group]Run actions/checkout@v4"),
            (t - 8.8, "with:"),
            (t - 8.8, "  repository: " + ciemulator.GITHUB_REPO),
            (t - 8.7, "##[endgroup]")]


def seed_log(image, t):
    """The seed case: the toolbox pod is scheduled, kubelet starts pulling the (cold) image,
    and the job's `kubectl wait` gives up before the pull is done."""
    wait = (f"kubectl -n rook-ceph wait --for=condition=Ready pod -l app=rook-ceph-tools "
            f"--timeout={JOB_WAIT_S}s")
    describe = "kubectl -n rook-ceph describe pod -l app=rook-ceph-tools | sed -n '/^Events:/,$p'"
    return github_log(checkout(t) + [
        (t - 0.6, "##[group]Run kubectl -n rook-ceph create -f deploy/examples/toolbox.yaml"),
        (t - 0.6, "\x1b[36;1mkubectl -n rook-ceph create -f deploy/examples/toolbox.yaml\x1b[0m"),
        (t - 0.6, f"\x1b[36;1m{describe}\x1b[0m"),
        (t - 0.6, f"\x1b[36;1m{wait}\x1b[0m"),
        (t - 0.6, "shell: /usr/bin/bash -e {0}"),
        (t - 0.6, "##[endgroup]"),
        (t - 0.4, "deployment.apps/rook-ceph-tools created"),
        (t + 0.3, "Events:"),
        (t + 0.3, "  Type    Reason     Age   From               Message"),
        (t + 0.3, "  ----    ------     ----  ----               -------"),
        (t + 0.3, "  Normal  Scheduled  1s    default-scheduler  Successfully assigned "
                  f"rook-ceph/{POD} to fv-az1152-348"),
        (t + 0.3, f'  Normal  Pulling    0s    kubelet            Pulling image "{image}"'),
        (t + JOB_WAIT_S + 0.4, f"error: timed out waiting for the condition on pods/{POD}"),
        (t + JOB_WAIT_S + 0.5, "##[error]Process completed with exit code 1."),
        (t + JOB_WAIT_S + 0.7, "Cleaning up orphan processes")])


def outage_log(image, t):
    """`docker pull` while the registry answers 500."""
    return github_log(checkout(t) + [
        (t - 0.5, "##[group]Run docker pull " + image),
        (t - 0.5, "\x1b[36;1mdocker pull " + image + "\x1b[0m"),
        (t - 0.5, "shell: /usr/bin/bash -e {0}"),
        (t - 0.5, "##[endgroup]"),
        (t + 0.2, "Error response from daemon: received unexpected HTTP status: 500 Internal "
                  "Server Error"),
        (t + 0.3, "##[error]Process completed with exit code 1."),
        (t + 0.5, "Cleaning up orphan processes")])


def dns_log(image, t):
    """kubelet on the runner cannot resolve the registry's name."""
    ref = urllib.parse.urlsplit("//" + image)
    host, path = ref.netloc, ref.path.lstrip("/")
    repo, tag = path.rsplit(":", 1)
    return github_log(checkout(t) + [
        (t - 0.5, "##[group]Run kubectl -n rook-ceph describe pod -l app=rook-ceph-tools"),
        (t - 0.5, "shell: /usr/bin/bash -e {0}"),
        (t - 0.5, "##[endgroup]"),
        (t + 0.1, "Events:"),
        (t + 0.1, "  Type     Reason     Age   From               Message"),
        (t + 0.1, "  ----     ------     ----  ----               -------"),
        (t + 0.1, "  Normal   Scheduled  3s    default-scheduler  Successfully assigned "
                  f"rook-ceph/{POD} to fv-az1152-348"),
        (t + 0.1, f'  Normal   Pulling    2s    kubelet            Pulling image "{image}"'),
        (t + 0.1, f'  Warning  Failed     1s    kubelet            Failed to pull image "{image}": '
                  f'rpc error: code = Unknown desc = failed to pull and unpack image "{image}": '
                  f'failed to resolve reference "{image}": failed to do request: Head '
                  f'"https://{host}/v2/{repo}/manifests/{tag}": dial tcp: lookup '
                  f"{host.split(':')[0]} on 10.0.0.10:53: no such host"),
        (t + 0.1, "  Warning  Failed     1s    kubelet            Error: ErrImagePull"),
        (t + 0.4, "##[error]Process completed with exit code 1."),
        (t + 0.6, "Cleaning up orphan processes")])


# --------------------------------------------------------------------------------------------
# pullwatch


def clean_env(workdir):
    home = os.path.join(workdir, "home")
    os.makedirs(os.path.join(home, "docker"), exist_ok=True)
    env = {k: v for k, v in os.environ.items() if not k.lower().endswith("_proxy")}
    env.update(HOME=home, DOCKER_CONFIG=os.path.join(home, "docker"),
               XDG_CONFIG_HOME=os.path.join(home, ".config"),
               XDG_DATA_HOME=os.path.join(home, ".local", "share"), GITHUB_TOKEN=GITHUB_TOKEN)
    return env


def keys_and_object(line):
    """The top-level keys in the order printed, and the object."""
    keys = [k for k, _ in json.loads(line, object_pairs_hook=lambda pairs: pairs)]
    return keys, json.loads(line)


class Scenario:
    def __init__(self, name, workdir, backend, self_ref, nixery_host, delay, log):
        self.name = name
        self.dir = os.path.join(workdir, name)
        os.makedirs(self.dir)
        self.proxy = OnDemandProxy(backend, delay)
        self.host = nixery_host.replace("PORT", str(self.proxy.port))
        self.nixery_ref = f"{self.host}/{NIXERY_REPO}:latest"
        self.self_ref = self_ref
        self.log = log
        self.emulator = ciemulator.CiEmulator(GITHUB_TOKEN, "")
        self.db = os.path.join(self.dir, "history.db")
        self.cfg = os.path.join(self.dir, "config.json")
        self.proc = None
        self.serve_log = None
        self.explained, self.summary = [], []
        self.pushed_digest = None
        self.started = False

    def start_servers(self):
        self.started = True
        self.proxy.start()
        self.emulator.start()

    def stop_servers(self):
        if self.started:  # shutdown() waits for a serve_forever() that has to be running
            self.emulator.stop()
            self.proxy.stop()

    def write_config(self, self_host):
        github = f"http://127.0.0.1:{self.emulator.ports['github']}"
        with open(self.cfg, "w") as f:
            json.dump({
                "registries": [{"host": self.host, "insecure": True, "on_demand": True},
                               {"host": self_host, "insecure": True}],
                "images": [
                    {"ref": self.nixery_ref, "group": "keystone-tools", "label": "nixery",
                     "interval": "10s"},
                    {"ref": self.self_ref, "group": "keystone-tools", "label": "self-hosted",
                     "interval": "10s"}],
                "ci": [{"provider": "github", "repo": ciemulator.GITHUB_REPO,
                        "api_url": github, "token_env": "GITHUB_TOKEN", "interval": "10s"}],
            }, f, indent=2)

    def set_log(self, at, pullwatch, env, category, rule=None):
        """The job's log, served from now on, and what pullwatch's classifier makes of it: one
        failed pull of the nixery image (a wrong log would fail every verdict check after)."""
        text = self.log(self.nixery_ref, at)
        self.emulator.state.logs[str(JOB_ID)] = text
        path = os.path.join(self.dir, f"{JOB_ID}.log")
        with open(path, "w", encoding="utf-8") as f:
            f.write(text)
        p = subprocess.run([pullwatch, "classify", path], capture_output=True, text=True,
                           env=env, timeout=60)
        events = [json.loads(line) for line in p.stdout.splitlines()]
        check(p.returncode == 0 and len(events) == 1 and events[0]["outcome"] == "fail"
              and events[0]["image"] == self.nixery_ref and events[0]["category"] == category
              and (rule is None or events[0]["rule"] == rule),
              f"{self.name}: classify {path} (exit {p.returncode}): {events}, want one failed "
              f"pull of {self.nixery_ref}, {category}" + (f", rule {rule}" if rule else ""))

    def start_serve(self, pullwatch, env):
        self.serve_log = open(os.path.join(self.dir, "serve.log"), "wb")
        self.proc = subprocess.Popen([pullwatch, "serve", "--config", self.cfg, "--db", self.db],
                                     stdin=subprocess.DEVNULL, stdout=self.serve_log,
                                     stderr=subprocess.STDOUT, env=env)

    def stop_serve(self):
        if self.proc is None or self.proc.poll() is not None:
            check(self.proc is not None and self.proc.returncode == 0,
                  f"{self.name}: serve ended before SIGTERM with "
                  f"{None if self.proc is None else self.proc.returncode}")
            return
        self.proc.send_signal(signal.SIGTERM)
        try:
            code = self.proc.wait(10)
            check(code == 0, f"{self.name}: serve exit code {code} after SIGTERM, want 0")
        except subprocess.TimeoutExpired:
            check(False, f"{self.name}: serve still running 10 s after SIGTERM")

    def kill_serve(self):
        if self.proc is not None and self.proc.poll() is None:
            self.proc.kill()  # our own child only
            self.proc.wait()
        if self.serve_log:
            self.serve_log.close()

    def run(self, pullwatch, env, *args):
        p = subprocess.run([pullwatch, *args, "--db", self.db, "--config", self.cfg,
                            "--from", "-1h"], capture_output=True, text=True, env=env, timeout=60)
        check(p.returncode == 0, f"{self.name}: {' '.join(args)} exit {p.returncode}: "
                                 f"{p.stderr.strip()[-300:]}")
        return p.stdout

    def explain(self, pullwatch, env):
        for keys, v in map(keys_and_object, self.run(pullwatch, env, "explain").splitlines()):
            check(keys == FIELDS, f"{self.name}: explain fields {keys}, want {FIELDS}")
            self.explained.append(v)
        for keys, row in map(keys_and_object,
                             self.run(pullwatch, env, "explain", "--summary").splitlines()):
            check(keys == SUMMARY, f"{self.name}: summary fields {keys}, want {SUMMARY}")
            self.summary.append(row)

    def probes(self, pullwatch, env, image):
        p = subprocess.run([pullwatch, "export", "--report", "events", "--db", self.db,
                            "--from", "-1h"], capture_output=True, env=env, timeout=60)
        rows = list(csv.DictReader(io.StringIO(p.stdout.decode("utf-8"), newline="")))
        return [r for r in rows if r["source"] == "probe" and r["image"] == image]

    def serve_log_tail(self):
        try:
            with open(os.path.join(self.dir, "serve.log"), errors="replace") as f:
                return "".join(f.readlines()[-15:])
        except OSError:
            return "(no log)"


def the_failure(s):
    """The one failed CI pull of the scenario's job, or None (a failure recorded)."""
    if not check(len(s.explained) == 1,
                 f"{s.name}: explain lists {len(s.explained)} failed CI pulls, want 1: "
                 f"{s.explained}"):
        return None
    v = s.explained[0]
    check(v["image"] == s.nixery_ref and v["registry"] == s.host and v["ci_job_url"] == JOB_URL,
          f"{s.name}: the failure is the job's pull of {s.nixery_ref}: {v}")
    check(v["advice"] and v["advice"] in v["sentence"] and f"job {JOB_NAME}" in v["sentence"]
          and s.nixery_ref in v["sentence"], f"{s.name}: the sentence names job, image, advice: "
                                             f"{v['sentence']}")
    return v


def summary_row(s, image):
    rows = [r for r in s.summary if r["image"] == image]
    check(len(rows) == 1, f"{s.name}: summary has one row for {image}: {s.summary}")
    return rows[0] if rows else None


def check_slow(s, pullwatch, env):
    v = the_failure(s)
    if v:
        check(v["verdict"] == "slow_pull", f"slow: verdict {v['verdict']}, want slow_pull")
        check(v["category"] == "timeout", f"slow: category {v['category']}, want timeout")
        check(v["cold"] is True, f"slow: cold {v['cold']}, want true")
        check(v["probes"] >= 2 and v["probes_ok"] == v["probes"],
              f"slow: {v['probes_ok']} of {v['probes']} probes ok, want all of at least 2")
        check(isinstance(v["probe_max_ms"], int) and v["probe_max_ms"] >= BUILD_DELAY_S * 1000,
              f"slow: probe_max_ms {v['probe_max_ms']}, want >= the {BUILD_DELAY_S} s build")
        check(isinstance(v["probe_p50_ms"], int) and v["probe_p50_ms"] < BUILD_DELAY_S * 1000,
              f"slow: probe_p50_ms {v['probe_p50_ms']}: the warm probes are fast")
        wait = re.search(r"wait at least (\d+) s", v["advice"])
        check(wait and int(wait.group(1)) > BUILD_DELAY_S and int(wait.group(1)) > JOB_WAIT_S,
              f"slow: advice {v['advice']!r} should say to wait longer than the "
              f"{BUILD_DELAY_S} s build and the job's {JOB_WAIT_S} s")
        check("a cold build after a digest change" in v["sentence"],
              f"slow: the sentence says it was a cold build: {v['sentence']}")
    nixery = summary_row(s, s.nixery_ref)
    if nixery:
        check(nixery["group"] == "keystone-tools" and nixery["label"] == "nixery"
              and nixery["ci_failures"] == 1 and nixery["verdicts"].get("slow_pull") == 1,
              f"slow: nixery summary row {nixery}")
        check(f"the self-hosted side ({s.self_ref}) failed 0 times" in nixery["sentence"],
              f"slow: the nixery summary says the self-hosted side failed 0 times: "
              f"{nixery['sentence']}")
    own = summary_row(s, s.self_ref)
    if own:
        check(own["label"] == "self-hosted" and own["ci_failures"] == 0
              and sum(own["verdicts"].values()) == 0, f"slow: self-hosted summary row {own}")
    # How the probes saw the on-demand registry: one cold build, then fast, and the digest
    # pullwatch hashed itself (the proxy never sent one) is the pushed one.
    probes = s.probes(pullwatch, env, s.nixery_ref)
    latencies = [int(p["latency_ms"] or -1) for p in probes]
    check(len(probes) >= 2 and all(p["outcome"] == "ok" for p in probes)
          and latencies[0] >= BUILD_DELAY_S * 1000
          and all(0 <= ms < BUILD_DELAY_S * 1000 for ms in latencies[1:]),
          f"slow: nixery probes: the first one cold and slow, the rest fast: {latencies}")
    check(all(p["digest"] == s.pushed_digest for p in probes),
          f"slow: nixery probes found digest {[p['digest'] for p in probes]}, "
          f"want {s.pushed_digest}")
    requests = s.proxy.manifest_requests()
    check(any(r[0] == "GET" for r in requests),
          f"slow: without Docker-Content-Digest pullwatch GETs the manifest: {requests}")
    check(sum(r[3] > 0 for r in requests) == 1,
          f"slow: one delayed (cold) manifest request: {requests}")


def check_outage(s):
    v = the_failure(s)
    if v:
        check(v["verdict"] == "registry_outage",
              f"outage: verdict {v['verdict']}, want registry_outage")
        check(v["category"] == "server_error",
              f"outage: category {v['category']}, want server_error")
        check(v["probes_ok"] < v["probes"], f"outage: failed probes in the window: {v}")
        check("in an incident" in v["sentence"] and "server_error" in v["sentence"],
              f"outage: the sentence names the incident: {v['sentence']}")
    nixery = summary_row(s, s.nixery_ref)
    if nixery:
        check(nixery["verdicts"].get("registry_outage") == 1,
              f"outage: nixery summary row {nixery}")
    check(any(r[2] == 500 for r in s.proxy.manifest_requests()),
          "outage: the proxy answered 500 to probes")


def check_runner(s, pullwatch, env):
    v = the_failure(s)
    if v:
        check(v["verdict"] == "runner_side",
              f"runner: verdict {v['verdict']}, want runner_side (probes {v['probes_ok']}/"
              f"{v['probes']} ok, max {v['probe_max_ms']} ms, cold {v['cold']})")
        check(v["category"] == "dns", f"runner: category {v['category']}, want dns")
        check(v["probes"] >= 2 and v["probes_ok"] == v["probes"],
              f"runner: {v['probes_ok']} of {v['probes']} probes ok, want all of at least 2")
        check("DNS" in v["advice"], f"runner: the advice points at the runner's DNS: "
                                    f"{v['advice']}")
    latencies = [int(p["latency_ms"] or -1) for p in s.probes(pullwatch, env, s.nixery_ref)]
    check(latencies and all(0 <= ms < 2000 for ms in latencies),
          f"runner: the probes were fast: {latencies}")


def main():
    pullwatch, workdir = sys.argv[1], os.path.abspath(sys.argv[2])
    shutil.rmtree(workdir, ignore_errors=True)  # every run starts from nothing
    os.makedirs(workdir)
    env = clean_env(workdir)
    started = time.monotonic()
    # One job, canary-integration-test, whose log each scenario's emulator sets.
    ciemulator.GITHUB_RUNS[:] = [
        (RUN_ID, "canary-integration-test.yml", "master", "completed", "failure", -120, 1,
         [(JOB_ID, JOB_NAME, "completed", "failure", 5, 60, 1)])]
    scenarios = []
    try:
        with regtest.Registry("anonymous", os.path.join(workdir, "nixery-store")) as store, \
                regtest.Registry("anonymous", os.path.join(workdir, "self-hosted")) as own:
            pushed = store.push_image(NIXERY_REPO, "latest")
            own.push_image(SELF_REPO, "latest")
            self_ref = f"{own.host}/{SELF_REPO}:latest"
            # The runner scenario names its registry by host name, as a DNS failure needs one.
            scenarios = [
                Scenario("slow", workdir, store.host, self_ref, "127.0.0.1:PORT", BUILD_DELAY_S,
                         seed_log),
                Scenario("outage", workdir, store.host, self_ref, "127.0.0.1:PORT", 0.0,
                         outage_log),
                Scenario("runner", workdir, store.host, self_ref, "localhost:PORT", 0.0,
                         dns_log)]
            for s in scenarios:
                s.pushed_digest = pushed["digest"]
                s.start_servers()
                s.write_config(own.host)
            outage = scenarios[1]
            outage.proxy.failing = True
            t0 = time.time()
            # Real times, so the jobs' pulls fall among the probes: the seed job's starts with
            # the first (cold) probe, the others' a few seconds in (in the outage).
            scenarios[0].set_log(t0 + 1.0, pullwatch, env, "timeout",
                                 "kubelet.kubectl-wait-timed-out")
            scenarios[1].set_log(t0 + 3.0, pullwatch, env, "server_error")
            scenarios[2].set_log(t0 + 3.0, pullwatch, env, "dns")
            for s in scenarios:
                s.start_serve(pullwatch, env)
            time.sleep(max(0.0, OUTAGE_S - (time.time() - t0)))
            outage.proxy.failing = False
            time.sleep(max(0.0, RUN_SECONDS - (time.time() - t0)))
            for s in scenarios:
                check(s.proc.poll() is None, f"{s.name}: serve exited early with "
                                             f"{s.proc.returncode}")
            for s in scenarios:
                s.stop_serve()
            for s in scenarios:
                s.kill_serve()
                s.explain(pullwatch, env)
            check_slow(scenarios[0], pullwatch, env)
            check_outage(scenarios[1])
            check_runner(scenarios[2], pullwatch, env)
    except (regtest.FixtureError, OSError) as e:
        failures.append(f"fixture: {e}")
    finally:
        for s in scenarios:
            s.kill_serve()
            try:
                s.stop_servers()
            except Exception as e:  # a server that never started
                print(f"{s.name}: stopping servers: {e}")

    for s in scenarios:
        print(f"== {s.name}")
        for v in s.explained:
            print(f"  {v['verdict']} (probes {v['probes_ok']}/{v['probes']}, p50 "
                  f"{v['probe_p50_ms']} ms, max {v['probe_max_ms']} ms, cold "
                  f"{str(v['cold']).lower()}): {v['sentence']}")
        for r in s.summary:
            print(f"  summary {r['label'] or r['image']}: {r['sentence']}")
    if failures:
        for s in scenarios:
            print(f"{s.name}: serve log tail:\n{s.serve_log_tail()}")
    for f in failures:
        print("FAIL " + f)
    print(f"{len(failures)} failures in {time.monotonic() - started:.1f} s")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
