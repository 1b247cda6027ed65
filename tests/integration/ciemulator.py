#!/usr/bin/env python3
"""A local emulation of the GitHub Actions and GitLab CI REST APIs, as far as pullwatch reads
job logs through them (Python 3 standard library only). Shapes follow shared/notes/protocols.md
sections 5 and 6.

Three listeners:
  github   http://127.0.0.1:PORT (also under /api/v3, as GitHub Enterprise Server)
           repo octo-org/octo-repo: /repos/{o}/{r}/actions/runs, .../workflows/{wf}/runs,
           .../runs/{id}/jobs, .../jobs/{id}/logs -> 302 to the storage listener
  gitlab   http://127.0.0.1:PORT/api/v4, project group/sub/project (id 42; the path must come
           %2F-encoded): /projects/:id/pipelines, .../pipelines/:pid/jobs, .../jobs/:jid/trace
  storage  http://localhost:PORT (another origin): pre-signed log downloads; it records whether
           an Authorization or PRIVATE-TOKEN header arrived (it must not).

Every list is cut into pages of --page-size items (2) whatever per_page asks, so paging is
always exercised. Job logs come from a dict job id -> text (POST /_emulator/logs, or the
`logs` argument), else DIR/<id>.log (--logs DIR), else realistic generated text.

Control endpoints (on every listener, never recorded):
  GET  /_emulator/requests  {"requests": [{"server","method","path" (raw),"headers" (lower-case)}]}
  POST /_emulator/reset     forget recorded requests and modes
  POST /_emulator/mode      e.g. {"github_ratelimit": {"count": 1, "reset_in": 2}}
                            {"github_secondary": {"count": 1, "retry_after": 1}}
                            {"gitlab_ratelimit": {"count": 1, "retry_after": 2}}
                            {"server_error": {"count": 1, "status": 502}}  (either API)
  POST /_emulator/logs      {"1001": "log text", ...}

Standalone: python3 ciemulator.py --github-token T --gitlab-token T2 [--logs DIR]
prints {"github": PORT, "gitlab": PORT, "storage": PORT, ...} as the first stdout line and
serves until terminated.
"""
import argparse
import datetime
import email.utils
import hashlib
import json
import os
import signal
import socket
import sys
import threading
import time
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

GITHUB_REPO = "octo-org/octo-repo"
GITLAB_PROJECT = "group/sub/project"
GITLAB_PROJECT_ID = 42
GITLAB_WEB = "https://gitlab.example.com"
HOUR = 3600
DAY = 86400

# (id, workflow file, branch, status, conclusion, created offset s, attempt,
#  [(job id, name, status, conclusion, start s, end s, attempt)])
GITHUB_RUNS = [
    (100, "ci.yml", "main", "completed", "success", -40 * DAY, 1,
     [(1000, "build", "completed", "success", 30, 300, 1)]),
    (101, "ci.yml", "main", "completed", "failure", -5 * HOUR, 1,
     [(1001, "build", "completed", "success", 30, 200, 1),
      (1002, "test", "completed", "failure", 40, 400, 1)]),
    (102, "ci.yml", "main", "completed", "failure", -4 * HOUR, 1,
     [(1003, "build", "completed", "success", 20, 150, 1),
      (1004, "lint", "completed", "failure", 25, 160, 1),
      (1005, "deploy", "completed", "skipped", 500, 500, 1)]),
    (103, "ci.yml", "main", "completed", "success", -3 * HOUR, 2,
     [(1006, "build", "completed", "failure", 30, 250, 1),
      (1007, "build", "completed", "success", 1800, 2000, 2)]),
    (104, "nightly.yml", "main", "completed", "success", -2 * HOUR, 1,
     [(1008, "e2e", "completed", "success", 30, 900, 1)]),
    (105, "ci.yml", "feature-x", "completed", "success", -90 * 60, 1,
     [(1009, "build", "completed", "success", 30, 300, 1)]),
    (106, "ci.yml", "main", "in_progress", None, -10 * 60, 1,
     [(1010, "build", "completed", "success", 30, 200, 1),
      (1011, "test", "in_progress", None, 40, None, 1)]),
]
GITHUB_LOG_GONE = {1004: 410}      # the API itself answers (expired logs)
GITHUB_LOG_NOT_FOUND = {1005}      # skipped: never had a log
GITHUB_BLOB_GONE = {1008}          # redirect works, the blob is gone

# (id, ref, status, created offset s, [(job id, name, stage, status, start s, end s)])
GITLAB_PIPELINES = [
    (500, "main", "success", -40 * DAY, [(2000, "build", "build", "success", 30, 300)]),
    (501, "main", "failed", -5 * HOUR, [(2001, "build", "build", "success", 30, 200),
                                        (2002, "test", "test", "failed", 210, 400)]),
    (502, "main", "failed", -4 * HOUR, [(2003, "lint", "test", "failed", 20, 100),
                                        (2004, "test", "test", "failed", 25, 300),
                                        (2005, "deploy", "deploy", "manual", None, None),
                                        (2006, "cleanup", "deploy", "skipped", None, None)]),
    (503, "main", "canceled", -3 * HOUR, [(2007, "build", "build", "canceled", 20, 60),
                                          (2008, "test", "test", "skipped", None, None)]),
    (504, "feature-x", "success", -2 * HOUR, [(2009, "build", "build", "success", 30, 300)]),
    (505, "main", "running", -5 * 60, [(2010, "build", "build", "success", 30, 200),
                                       (2011, "test", "test", "running", 210, None)]),
]
GITLAB_TRACE_NOT_FOUND = {2004}
GITLAB_TRACE_REDIRECT = {2002}     # served from object storage, like GitLab with direct download
GITLAB_FINISHED = {"success", "failed", "canceled"}

PULL_IMAGE = "nixery.dev/shell/awscli2/openstackclient/jq/busybox"


def link_header(rels):
    return [("Link", ", ".join(rels))] if rels else []


def iso(ts, millis=False):
    t = datetime.datetime.fromtimestamp(ts, datetime.timezone.utc)
    if millis:
        return t.strftime("%Y-%m-%dT%H:%M:%S.") + "%03dZ" % (t.microsecond // 1000)
    return t.strftime("%Y-%m-%dT%H:%M:%SZ")


def parse_iso(text):
    text = text.strip()
    if len(text) == 10:
        text += "T00:00:00Z"
    return datetime.datetime.fromisoformat(text.replace("Z", "+00:00")).timestamp()


def github_log(job_id, name, conclusion, start):
    """The runner's format: UTF-8 BOM, every line '<.NET "O" UTC time, 7 digits> message';
    a message with embedded newlines is written once (continuation lines carry no stamp)."""
    messages = [
        "Current runner version: '2.317.0'", "##[group]Operating System", "Ubuntu",
        "22.04.4", "LTS", "##[endgroup]", "##[group]Runner Image", "Image: ubuntu-22.04",
        "Version: 20240516.1.0", "##[endgroup]", "Complete job name: " + name,
        "##[group]Run actions/checkout@v4", "with:", "  repository: " + GITHUB_REPO,
        "##[endgroup]", "##[group]Run docker pull " + PULL_IMAGE,
        "\x1b[36;1mdocker pull %s\x1b[0m" % PULL_IMAGE, "shell: /usr/bin/bash -e {0}",
        "##[endgroup]", "Using default tag: latest"]
    if conclusion == "failure":
        messages += [
            'Error response from daemon: Get "https://nixery.dev/v2/shell/awscli2/openstackclient'
            '/jq/busybox/manifests/latest": net/http: request canceled\n(Client.Timeout exceeded '
            "while awaiting headers)",
            "##[error]Process completed with exit code 1."]
    else:
        messages += [
            "latest: Pulling from shell/awscli2/openstackclient/jq/busybox",
            "Digest: sha256:6d9ac9237a84afe1516540f40a0fafdc86859b2141954b4d643af7066d598b74",
            "Status: Downloaded newer image for %s:latest" % PULL_IMAGE,
            PULL_IMAGE + ":latest"]
    messages += ["Cleaning up orphan processes"]
    lines = []
    for i, message in enumerate(messages):
        t = datetime.datetime.fromtimestamp(start + i * 0.37, datetime.timezone.utc)
        stamp = t.strftime("%Y-%m-%dT%H:%M:%S.") + "%07dZ" % (t.microsecond * 10 + job_id % 10)
        lines.append(stamp + " " + message)
    return "\ufeff" + "\n".join(lines) + "\n"


def gitlab_trace(job_id, name, status, start):
    s = int(start)
    esc = "\x1b"
    text = (
        f"{esc}[0KRunning with gitlab-runner 17.0.0 (44feccdf){esc}[0;m\n"
        f"{esc}[0K  on docker-runner-1 t3_xYz12, system ID: s_0123456789ab{esc}[0;m\n"
        f"{esc}[0Ksection_start:{s}:prepare_executor\r{esc}[0K{esc}[0K{esc}[36;1mPreparing the "
        f'"docker" executor{esc}[0;m{esc}[0;m\n'
        f"{esc}[0KUsing Docker executor with image {PULL_IMAGE} ...{esc}[0;m\n"
        f"{esc}[0KPulling docker image {PULL_IMAGE} ...{esc}[0;m\n")
    if status == "failed":
        text += (
            f'{esc}[0;33mWARNING: Failed to pull image with policy "always": Error response from '
            f"daemon: toomanyrequests: Rate exceeded (manager.go:250:3s){esc}[0;m\n"
            f'{esc}[31;1mERROR: Job failed: failed to pull image "{PULL_IMAGE}" with specified '
            f"policies [always]: toomanyrequests: Rate exceeded (manager.go:250:3s){esc}[0;m\n"
            f"{esc}[0Ksection_end:{s + 3}:prepare_executor\r{esc}[0K\n")
    else:
        text += (
            f"{esc}[0KUsing docker image sha256:1c35c4412082 for {PULL_IMAGE} with digest "
            f"{PULL_IMAGE}@sha256:6d9ac9237a84afe1516540f40a0fafdc86859b2141954b4d643af7066d598b74"
            f" ...{esc}[0;m\n"
            f"{esc}[0Ksection_end:{s + 3}:prepare_executor\r{esc}[0K\n"
            f"{esc}[0Ksection_start:{s + 4}:step_script\r{esc}[0K{esc}[0K{esc}[36;1mExecuting "
            f'"step_script" stage of the job script{esc}[0;m{esc}[0;m\n'
            f"{esc}[32;1m$ make {name}{esc}[0;m\n"
            f"{esc}[0Ksection_end:{s + 9}:step_script\r{esc}[0K\n"
            f"{esc}[32;1mJob succeeded{esc}[0;m\n")
    return text


class State:
    def __init__(self, github_token, gitlab_token, logs=None, logs_dir=None, page_size=2):
        self.github_token = github_token
        self.gitlab_token = gitlab_token
        self.logs = {str(k): v for k, v in (logs or {}).items()}
        self.logs_dir = logs_dir
        self.page_size = page_size
        self.t0 = int(time.time())
        self.lock = threading.Lock()
        self.requests = []
        self.modes = {}
        self.storage_port = 0

    def log_text(self, job_id, default):
        with self.lock:
            if str(job_id) in self.logs:
                return self.logs[str(job_id)]
        if self.logs_dir:
            path = os.path.join(self.logs_dir, "%d.log" % job_id)
            if os.path.exists(path):
                with open(path, encoding="utf-8", newline="") as f:
                    return f.read()
        return default()

    def take_mode(self, name):
        """The mode's settings if it still applies to one more request (and count it)."""
        with self.lock:
            mode = self.modes.get(name)
            if not mode or mode.get("count", 0) <= 0:
                return None
            mode["count"] -= 1
            return dict(mode)

    def signature(self, path):
        return hashlib.sha256(("%s:%s" % (self.t0, path)).encode()).hexdigest()[:32]


def github_run_json(run, t0, host):
    rid, wf, branch, status, conclusion, offset, attempt, _ = run
    created = t0 + offset
    api = "http://%s/repos/%s" % (host, GITHUB_REPO)
    return {
        "id": rid, "name": "CI" if wf == "ci.yml" else "Nightly", "node_id": "WFR_kwLO%d" % rid,
        "head_branch": branch, "head_sha": "%040x" % (rid * 7919),
        "path": ".github/workflows/" + wf,
        "display_title": "Bump dependencies (#%d)" % rid, "run_number": rid - 99, "event": "push",
        "status": status, "conclusion": conclusion,
        "workflow_id": 161335 if wf == "ci.yml" else 161336,
        "url": "%s/actions/runs/%d" % (api, rid),
        "html_url": "https://github.com/%s/actions/runs/%d" % (GITHUB_REPO, rid),
        "created_at": iso(created), "updated_at": iso(created + 2100), "run_attempt": attempt,
        "run_started_at": iso(created + (1800 if attempt > 1 else 0)),
        "jobs_url": "%s/actions/runs/%d/jobs" % (api, rid),
        "logs_url": "%s/actions/runs/%d/logs" % (api, rid),
    }


def github_job_json(run, job, t0, host):
    rid, wf, branch, _, _, offset, _, _ = run
    jid, name, status, conclusion, start, end, attempt = job
    created = t0 + offset
    return {
        "id": jid, "run_id": rid, "workflow_name": "CI" if wf == "ci.yml" else "Nightly",
        "head_branch": branch,
        "run_url": "http://%s/repos/%s/actions/runs/%d" % (host, GITHUB_REPO, rid),
        "run_attempt": attempt, "node_id": "CR_kwDO%d" % jid, "head_sha": "%040x" % (rid * 7919),
        "url": "http://%s/repos/%s/actions/jobs/%d" % (host, GITHUB_REPO, jid),
        "html_url": "https://github.com/%s/actions/runs/%d/job/%d" % (GITHUB_REPO, rid, jid),
        "status": status, "conclusion": conclusion, "created_at": iso(created + start - 5),
        "started_at": iso(created + start),
        "completed_at": iso(created + end) if end is not None else None, "name": name,
        "steps": [{"name": "Set up job", "status": "completed", "conclusion": "success",
                   "number": 1, "started_at": iso(created + start),
                   "completed_at": iso(created + start + 2)}],
        "check_run_url": "http://%s/repos/%s/check-runs/%d" % (host, GITHUB_REPO, jid),
        "labels": ["ubuntu-latest"], "runner_id": 7, "runner_name": "GitHub Actions 7",
        "runner_group_id": 2, "runner_group_name": "GitHub Actions",
    }


def gitlab_pipeline_json(pipeline, t0):
    pid, ref, status, offset, _ = pipeline
    return {
        "id": pid, "iid": pid - 400, "project_id": GITLAB_PROJECT_ID, "status": status,
        "source": "push", "ref": ref, "sha": "%040x" % (pid * 104729), "name": None,
        "web_url": "%s/%s/-/pipelines/%d" % (GITLAB_WEB, GITLAB_PROJECT, pid),
        "created_at": iso(t0 + offset, True), "updated_at": iso(t0 + offset + 600, True),
    }


def gitlab_job_json(pipeline, job, t0):
    pid, ref, pstatus, offset, _ = pipeline
    jid, name, stage, status, start, end = job
    created = t0 + offset
    result = {
        "id": jid, "status": status, "stage": stage, "name": name, "ref": ref, "tag": False,
        "coverage": None, "allow_failure": False, "created_at": iso(created, True),
        "started_at": iso(created + start, True) if start is not None else None,
        "finished_at": iso(created + end, True) if end is not None else None,
        "erased_at": None,
        "duration": float(end - start) if start is not None and end is not None else None,
        "queued_duration": 1.52, "user": {"id": 1, "username": "maintainer"},
        "commit": {"id": "%040x" % (pid * 104729), "short_id": ("%040x" % (pid * 104729))[:8]},
        "pipeline": {"id": pid, "project_id": GITLAB_PROJECT_ID, "ref": ref,
                     "sha": "%040x" % (pid * 104729), "status": pstatus},
        "web_url": "%s/%s/-/jobs/%d" % (GITLAB_WEB, GITLAB_PROJECT, jid),
        "project": {"ci_job_token_scope_enabled": False}, "artifacts": [],
        "runner": {"id": 32, "description": "docker-runner-1", "active": True},
    }
    if status == "failed":
        result["failure_reason"] = "script_failure"
    return result


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "ciemulator/1"

    def log_message(self, fmt, *args):
        if self.server.verbose:
            sys.stderr.write("%s %s\n" % (self.server.role, fmt % args))

    @property
    def state(self):
        return self.server.state

    def send(self, status, body=b"", content_type="application/json; charset=utf-8", headers=()):
        if isinstance(body, (dict, list)):
            body = json.dumps(body).encode()
        elif isinstance(body, str):
            body = body.encode("utf-8")
        self.send_response(status)
        for name, value in headers:
            self.send_header(name, value)
        if body or status != 302:
            self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def do_POST(self):
        length = int(self.headers.get("Content-Length") or 0)
        data = json.loads(self.rfile.read(length) or b"{}")
        with self.state.lock:
            if self.path == "/_emulator/reset":
                self.state.requests.clear()
                self.state.modes.clear()
            elif self.path == "/_emulator/mode":
                self.state.modes.update(data)
            elif self.path == "/_emulator/logs":
                self.state.logs.update({str(k): v for k, v in data.items()})
            else:
                return self.send(404, {"message": "Not Found"})
        self.send(200, {"ok": True})

    def do_GET(self):
        if self.path == "/_emulator/requests":
            with self.state.lock:
                return self.send(200, {"requests": list(self.state.requests)})
        with self.state.lock:
            self.state.requests.append({
                "server": self.server.role, "method": self.command, "path": self.path,
                "headers": {k.lower(): v for k, v in self.headers.items()}})
        getattr(self, "serve_" + self.server.role)()

    # ---- paging --------------------------------------------------------------------------
    def page(self, items, query):
        size = self.state.page_size
        try:
            number = max(1, int(query.get("page", ["1"])[0]))
        except ValueError:
            number = 1
        pages = max(1, (len(items) + size - 1) // size)
        chunk = items[(number - 1) * size:number * size]
        path = urllib.parse.urlsplit(self.path).path
        host = self.headers.get("Host")

        def link(n):
            q = [(k, v) for k, vs in query.items() if k != "page" for v in vs] + [("page", str(n))]
            return "http://%s%s?%s" % (host, path, urllib.parse.urlencode(q))
        rels = []
        if number < pages:
            rels.append('<%s>; rel="next"' % link(number + 1))
            rels.append('<%s>; rel="last"' % link(pages))
        if number > 1:
            rels.append('<%s>; rel="first"' % link(1))
            rels.append('<%s>; rel="prev"' % link(number - 1))
        return chunk, number, pages, rels

    # ---- GitHub ----------------------------------------------------------------------------
    def github_error(self, status, message, headers=()):
        self.send(status, {"message": message, "documentation_url": "https://docs.github.com/rest",
                           "status": str(status)}, headers=headers)

    def ratelimit_headers(self, remaining, reset):
        return [("x-ratelimit-limit", "5000"), ("x-ratelimit-remaining", str(remaining)),
                ("x-ratelimit-used", str(5000 - remaining)), ("x-ratelimit-reset", str(reset)),
                ("x-ratelimit-resource", "core")]

    def serve_github(self):
        url = urllib.parse.urlsplit(self.path)
        query = urllib.parse.parse_qs(url.query)
        path = url.path[len("/api/v3"):] if url.path.startswith("/api/v3/") else url.path
        auth = self.headers.get("Authorization")
        if self.state.github_token and auth is None:
            return self.github_error(401, "Requires authentication")
        token = self.state.github_token
        if token and auth not in ("Bearer " + token, "token " + token):
            return self.github_error(401, "Bad credentials")
        now = int(time.time())
        mode = self.state.take_mode("github_ratelimit")
        if mode:
            return self.github_error(
                403, "API rate limit exceeded for user ID 583231.",
                self.ratelimit_headers(0, now + int(mode.get("reset_in", 2))))
        mode = self.state.take_mode("github_secondary")
        if mode:
            return self.github_error(
                403, "You have exceeded a secondary rate limit. Please wait a few minutes before "
                "you try again.", [("retry-after", str(mode.get("retry_after", 1)))])
        limits = self.ratelimit_headers(4999, now + 3600)
        if self.server_error():
            return
        parts = path.strip("/").split("/")
        if len(parts) < 5 or parts[0] != "repos" or "/".join(parts[1:3]) != GITHUB_REPO \
                or parts[3] != "actions":
            return self.github_error(404, "Not Found", limits)
        rest = parts[4:]
        host = self.headers.get("Host")
        if rest == ["runs"] or (len(rest) == 3 and rest[0] == "workflows" and rest[2] == "runs"):
            workflow = urllib.parse.unquote(rest[1]) if len(rest) == 3 else None
            runs = [r for r in GITHUB_RUNS if workflow in (None, r[1])]
            if "branch" in query:
                runs = [r for r in runs if r[2] == query["branch"][0]]
            if "status" in query:
                runs = [r for r in runs if query["status"][0] in (r[3], r[4])]
            if "created" in query:
                created = query["created"][0]
                if not created.startswith(">="):
                    return self.github_error(422, "Validation Failed", limits)
                since = parse_iso(created[2:])
                runs = [r for r in runs if self.state.t0 + r[5] >= since]
            runs.sort(key=lambda r: r[5], reverse=True)
            chunk, _, _, rels = self.page(runs, query)
            body = {"total_count": len(runs),
                    "workflow_runs": [github_run_json(r, self.state.t0, host) for r in chunk]}
            return self.send(200, body, headers=limits + link_header(rels))
        if len(rest) == 3 and rest[0] == "runs" and rest[2] == "jobs":
            run = next((r for r in GITHUB_RUNS if str(r[0]) == rest[1]), None)
            if run is None:
                return self.github_error(404, "Not Found", limits)
            jobs = run[7]
            if query.get("filter", ["latest"])[0] == "latest":
                jobs = [j for j in jobs if j[6] == run[6]]
            chunk, _, _, rels = self.page(jobs, query)
            body = {"total_count": len(jobs),
                    "jobs": [github_job_json(run, j, self.state.t0, host) for j in chunk]}
            return self.send(200, body, headers=limits + link_header(rels))
        if len(rest) == 3 and rest[0] == "jobs" and rest[2] == "logs":
            found = [(r, j) for r in GITHUB_RUNS for j in r[7] if str(j[0]) == rest[1]]
            if not found:
                return self.github_error(404, "Not Found", limits)
            jid = found[0][1][0]
            if jid in GITHUB_LOG_GONE:
                return self.github_error(GITHUB_LOG_GONE[jid], "Gone", limits)
            if jid in GITHUB_LOG_NOT_FOUND:
                return self.github_error(404, "Not Found", limits)
            blob = "/actions-results/%s/job-logs/%d.txt" % (self.state.signature(str(jid))[:8], jid)
            expires = iso(time.time() + 60)
            location = ("http://localhost:%d%s?rsct=text%%2Fplain&se=%s&sp=r&sv=2021-12-02&sr=b"
                        "&sig=%s") % (self.state.storage_port, blob, urllib.parse.quote(expires),
                                      self.state.signature(blob))
            return self.send(302, b"", headers=limits + [("Location", location)])
        return self.github_error(404, "Not Found", limits)

    # ---- GitLab ----------------------------------------------------------------------------
    def serve_gitlab(self):
        url = urllib.parse.urlsplit(self.path)
        query = urllib.parse.parse_qs(url.query)
        token = self.headers.get("PRIVATE-TOKEN")
        auth = self.headers.get("Authorization")
        if self.state.gitlab_token and token != self.state.gitlab_token \
                and auth != "Bearer " + self.state.gitlab_token:
            return self.send(401, {"message": "401 Unauthorized"})
        mode = self.state.take_mode("gitlab_ratelimit")
        if mode:
            now = int(time.time())
            after = int(mode.get("retry_after", 2))
            return self.send(429, "Retry later\n", "text/plain", [
                ("Retry-After", str(after)), ("RateLimit-Name", "throttle_authenticated_api"),
                ("RateLimit-Limit", "2000"), ("RateLimit-Observed", "2001"),
                ("RateLimit-Remaining", "0"), ("RateLimit-Reset", str(now + after)),
                ("RateLimit-ResetTime", email.utils.formatdate(now + after, usegmt=True))])
        if self.server_error():
            return
        # The raw path: an unencoded project path has too many segments and does not match.
        parts = url.path.split("/")
        if len(parts) < 6 or parts[1:4] != ["api", "v4", "projects"]:
            return self.send(404, {"error": "404 Not Found"})
        project = urllib.parse.unquote(parts[4])
        if project not in (GITLAB_PROJECT, str(GITLAB_PROJECT_ID)):
            return self.send(404, {"message": "404 Project Not Found"})
        rest = parts[5:]
        if rest == ["pipelines"]:
            pipelines = list(GITLAB_PIPELINES)
            if "ref" in query:
                pipelines = [p for p in pipelines if p[1] == query["ref"][0]]
            scope = query.get("scope", [None])[0]
            if scope == "finished":
                pipelines = [p for p in pipelines if p[2] in GITLAB_FINISHED]
            elif scope is not None:
                pipelines = [p for p in pipelines if p[2] == scope]
            if "created_after" in query:
                since = parse_iso(query["created_after"][0])
                pipelines = [p for p in pipelines if self.state.t0 + p[3] >= since]
            pipelines.sort(key=lambda p: p[0], reverse=query.get("sort", ["desc"])[0] == "desc")
            items = [gitlab_pipeline_json(p, self.state.t0) for p in pipelines]
            return self.send_gitlab_page(items, query)
        if len(rest) == 3 and rest[0] == "pipelines" and rest[2] == "jobs":
            pipeline = next((p for p in GITLAB_PIPELINES if str(p[0]) == rest[1]), None)
            if pipeline is None:
                return self.send(404, {"message": "404 Not found"})
            jobs = sorted(pipeline[4], key=lambda j: j[0], reverse=True)  # newest first
            scopes = query.get("scope[]", []) + query.get("scope", [])
            if scopes:
                jobs = [j for j in jobs if j[3] in scopes]
            items = [gitlab_job_json(pipeline, j, self.state.t0) for j in jobs]
            return self.send_gitlab_page(items, query)
        if len(rest) == 3 and rest[0] == "jobs" and rest[2] == "trace":
            found = [(p, j) for p in GITLAB_PIPELINES for j in p[4] if str(j[0]) == rest[1]]
            if not found or found[0][1][0] in GITLAB_TRACE_NOT_FOUND:
                return self.send(404, {"message": "404 Not found"})
            jid = found[0][1][0]
            if jid in GITLAB_TRACE_REDIRECT:
                blob = "/gitlab-artifacts/traces/%d/job.log" % jid
                location = ("http://localhost:%d%s?X-Amz-Algorithm=AWS4-HMAC-SHA256"
                            "&X-Amz-Expires=60&X-Amz-Signature=%s") % (
                                self.state.storage_port, blob, self.state.signature(blob))
                return self.send(302, b"", headers=[("Location", location)])
            return self.send(200, self.trace_text(jid), "text/plain; charset=utf-8")
        return self.send(404, {"error": "404 Not Found"})

    def server_error(self):
        """Answers with the server_error mode's status while it lasts (a flaky proxy)."""
        mode = self.state.take_mode("server_error")
        if mode:
            status = int(mode.get("status", 502))
            self.send(status, "<html><body><h1>%d Bad Gateway</h1></body></html>" % status,
                      "text/html")
        return bool(mode)

    def send_gitlab_page(self, items, query):
        chunk, number, pages, rels = self.page(items, query)
        headers = [("x-page", str(number)), ("x-per-page", str(self.state.page_size)),
                   ("x-next-page", str(number + 1) if number < pages else ""),
                   ("x-prev-page", str(number - 1) if number > 1 else ""),
                   ("x-total", str(len(items))), ("x-total-pages", str(pages))]
        if rels:
            headers.append(("Link", ", ".join(rels)))
        self.send(200, chunk, headers=headers)

    def trace_text(self, jid):
        for p in GITLAB_PIPELINES:
            for j in p[4]:
                if j[0] == jid:
                    start = self.state.t0 + p[3] + (j[4] or 0)
                    return self.state.log_text(jid, lambda: gitlab_trace(jid, j[1], j[3], start))
        return ""

    # ---- storage ---------------------------------------------------------------------------
    def serve_storage(self):
        url = urllib.parse.urlsplit(self.path)
        query = urllib.parse.parse_qs(url.query)
        signature = (query.get("sig") or query.get("X-Amz-Signature") or [""])[0]
        if signature != self.state.signature(url.path):
            return self.send(403, "<?xml version=\"1.0\" encoding=\"utf-8\"?><Error><Code>"
                             "AuthenticationFailed</Code></Error>", "application/xml")
        parts = url.path.strip("/").split("/")
        if parts[0] == "gitlab-artifacts":
            jid = int(parts[2])
            return self.send(200, self.trace_text(jid), "text/plain; charset=utf-8")
        jid = int(parts[-1].split(".")[0])
        if jid in GITHUB_BLOB_GONE:
            return self.send(404, '<?xml version="1.0" encoding="utf-8"?><Error><Code>'
                             "BlobNotFound</Code><Message>The specified blob does not exist."
                             "</Message></Error>", "application/xml")
        for run in GITHUB_RUNS:
            for job in run[7]:
                if job[0] == jid:
                    start = self.state.t0 + run[5] + job[4]
                    text = self.state.log_text(jid, lambda: github_log(jid, job[1], job[3], start))
                    return self.send(200, text, "text/plain; charset=utf-8")
        self.send(404, "BlobNotFound", "text/plain")


class Server(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, address, role, state, verbose, family=socket.AF_INET):
        self.address_family = family
        self.role = role
        self.state = state
        self.verbose = verbose
        super().__init__(address, Handler)


class CiEmulator:
    """with CiEmulator("gh-token", "gl-token", logs={1001: "text"}) as emu: emu.ports["github"]"""

    def __init__(self, github_token, gitlab_token, logs=None, logs_dir=None, page_size=2,
                 verbose=False):
        self.state = State(github_token, gitlab_token, logs, logs_dir, page_size)
        self.servers = [Server(("127.0.0.1", 0), "github", self.state, verbose),
                        Server(("127.0.0.1", 0), "gitlab", self.state, verbose),
                        Server(("127.0.0.1", 0), "storage", self.state, verbose)]
        self.state.storage_port = self.servers[2].server_address[1]
        try:  # "localhost" may resolve to ::1 first
            self.servers.append(Server(("::1", self.state.storage_port), "storage", self.state,
                                       verbose, socket.AF_INET6))
        except OSError:
            pass
        self.ports = {s.role: s.server_address[1] for s in self.servers}

    def start(self):
        for server in self.servers:
            threading.Thread(target=server.serve_forever, daemon=True).start()
        return self

    def stop(self):
        for server in self.servers:
            server.shutdown()
            server.server_close()

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()

    def requests(self):
        with self.state.lock:
            return list(self.state.requests)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--github-token", default="")
    parser.add_argument("--gitlab-token", default="")
    parser.add_argument("--logs", help="directory of <job id>.log files")
    parser.add_argument("--page-size", type=int, default=2)
    parser.add_argument("--verbose", action="store_true")
    args = parser.parse_args()
    emulator = CiEmulator(args.github_token, args.gitlab_token, logs_dir=args.logs,
                          page_size=args.page_size, verbose=args.verbose).start()
    info = dict(emulator.ports)
    info.update({"github_url": "http://127.0.0.1:%d" % info["github"],
                 "gitlab_url": "http://127.0.0.1:%d/api/v4" % info["gitlab"],
                 "github_repo": GITHUB_REPO, "gitlab_project": GITLAB_PROJECT})
    print(json.dumps(info), flush=True)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    try:
        while True:
            time.sleep(3600)
    except (KeyboardInterrupt, SystemExit):
        emulator.stop()


if __name__ == "__main__":
    main()
