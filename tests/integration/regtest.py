#!/usr/bin/env python3
"""Test fixtures: a real Debian `docker-registry` (distribution 2.8.2) on loopback, in anonymous,
htpasswd (Basic) or token (Bearer, with an in-process token server) mode, plus helpers that push
tiny OCI / Docker images and multi-platform indexes over plain HTTP.

Python 3 standard library only; needs /usr/bin/docker-registry and the openssl CLI (token mode).

    with Registry("token", workdir, users={"ci": "secret"}, anonymous_pull=False) as reg:
        img = reg.push_image("ci/tool", "1")        # {"digest", "size", "config", "layers", ...}
        multi = reg.push_multiarch("ci/tool", "multi")   # OCI index over linux/amd64 + linux/arm64
        reg.tokens.requests                              # what the token server was asked
        static = reg.mint_token([("ci/tool", ["pull"])])

Run `python3 regtest.py [WORKDIR]` for a self-test of every mode.
"""
import base64
import gzip
import hashlib
import io
import json
import os
import re
import secrets
import shutil
import socket
import ssl
import subprocess
import tarfile
import tempfile
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
import warnings
from datetime import datetime, timezone
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

REGISTRY_BIN = os.environ.get("PULLWATCH_TEST_REGISTRY", "/usr/bin/docker-registry")
STARTUP_TIMEOUT = 15.0

OCI_MANIFEST = "application/vnd.oci.image.manifest.v1+json"
OCI_INDEX = "application/vnd.oci.image.index.v1+json"
OCI_CONFIG = "application/vnd.oci.image.config.v1+json"
OCI_LAYER = "application/vnd.oci.image.layer.v1.tar+gzip"
DOCKER_MANIFEST = "application/vnd.docker.distribution.manifest.v2+json"
DOCKER_LIST = "application/vnd.docker.distribution.manifest.list.v2+json"
DOCKER_CONFIG = "application/vnd.docker.container.image.v1+json"
DOCKER_LAYER = "application/vnd.docker.image.rootfs.diff.tar.gzip"
ACCEPT_ALL = ", ".join([OCI_INDEX, OCI_MANIFEST, DOCKER_LIST, DOCKER_MANIFEST])


class FixtureError(RuntimeError):
    pass


def free_port():
    """A TCP port on 127.0.0.1 that was free a moment ago (prefer binding to port 0 directly)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def sha256_digest(data):
    return "sha256:" + hashlib.sha256(data).hexdigest()


def b64url(data):
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def basic_value(user, password):
    return "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode("ascii")


def rfc3339(ts):
    return datetime.fromtimestamp(ts, timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


# --------------------------------------------------------------------------------------------
# HTTP helpers


def _auth_value(auth):
    """auth: None, ("basic", user, password), ("bearer", token) or a ready Authorization value."""
    if auth is None:
        return None
    if isinstance(auth, str):
        return auth
    kind = auth[0].lower()
    if kind == "basic":
        return basic_value(auth[1], auth[2])
    if kind == "bearer":
        return "Bearer " + auth[1]
    raise ValueError(f"unknown auth {kind!r}")


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


# The fixtures trust whatever certificate a test registry has (the tests check pullwatch's trust).
_opener = urllib.request.build_opener(
    _NoRedirect, urllib.request.ProxyHandler({}),
    urllib.request.HTTPSHandler(context=ssl._create_unverified_context()))


def http(method, url, body=None, headers=None, auth=None, timeout=10):
    """One request without proxies or redirects; returns (status, headers, body) for any status."""
    req = urllib.request.Request(url, data=body, method=method)
    for k, v in (headers or {}).items():
        req.add_header(k, v)
    value = _auth_value(auth)
    if value:
        req.add_header("Authorization", value)
    try:
        with _opener.open(req, timeout=timeout) as resp:
            return resp.status, resp.headers, resp.read()
    except urllib.error.HTTPError as e:
        return e.code, e.headers, e.read()


def _expect(status, want, what, body):
    if status != want:
        raise FixtureError(f"{what}: HTTP {status}, expected {want}: {body[:300]!r}")


def push_blob(host, repo, data, auth=None):
    """Monolithic upload (POST then PUT, protocols.md §7.3). Returns the blob digest."""
    base = f"http://{host}"
    digest = sha256_digest(data)
    status, hdrs, body = http("POST", f"{base}/v2/{repo}/blobs/uploads/", b"", auth=auth)
    _expect(status, 202, f"POST upload {repo}", body)
    location = urllib.parse.urljoin(base + "/", hdrs["Location"])
    sep = "&" if "?" in location else "?"
    status, hdrs, body = http("PUT", f"{location}{sep}digest={digest}", data,
                              {"Content-Type": "application/octet-stream"}, auth=auth)
    _expect(status, 201, f"PUT blob {repo}", body)
    return digest


def push_manifest(host, repo, reference, body, media_type, auth=None):
    """PUT a manifest (or index) under a tag or its digest. Returns sha256 of the exact bytes."""
    digest = sha256_digest(body)
    status, hdrs, resp = http("PUT", f"http://{host}/v2/{repo}/manifests/{reference}", body,
                              {"Content-Type": media_type}, auth=auth)
    _expect(status, 201, f"PUT manifest {repo}:{reference}", resp)
    if hdrs.get("Docker-Content-Digest") not in (None, digest):
        raise FixtureError(f"registry digest {hdrs.get('Docker-Content-Digest')} != {digest}")
    return digest


def make_layer(text):
    """A one-file gzipped tar, byte-for-byte reproducible. Returns (gzipped bytes, diff_id)."""
    raw = io.BytesIO()
    with tarfile.open(fileobj=raw, mode="w", format=tarfile.USTAR_FORMAT) as tar:
        data = text.encode()
        info = tarfile.TarInfo("hello.txt")
        info.size, info.mtime, info.mode = len(data), 0, 0o644
        tar.addfile(info, io.BytesIO(data))
    uncompressed = raw.getvalue()
    return gzip.compress(uncompressed, mtime=0), sha256_digest(uncompressed)


def push_image(host, repo, tag, arch="amd64", os="linux", media="oci", auth=None, variant=None):
    """Push a one-layer image; tag may be None (then it is pushed by digest only).

    Returns {"digest", "size", "media_type", "platform", "config": {"digest","size"},
    "layers": [{"digest","size"}], "blob_bytes": config size + layer sizes}."""
    if media not in ("oci", "docker"):
        raise ValueError(media)
    platform = f"{os}/{arch}" + (f"/{variant}" if variant else "")
    layer, diff_id = make_layer(f"pullwatch test image {repo}:{tag} for {platform}\n")
    config = {"architecture": arch, "os": os}
    if variant:
        config["variant"] = variant
    config.update({"config": {}, "rootfs": {"type": "layers", "diff_ids": [diff_id]}})
    config_bytes = json.dumps(config, separators=(",", ":")).encode()
    config_digest = push_blob(host, repo, config_bytes, auth)
    layer_digest = push_blob(host, repo, layer, auth)
    oci = media == "oci"
    manifest = {
        "schemaVersion": 2,
        "mediaType": OCI_MANIFEST if oci else DOCKER_MANIFEST,
        "config": {"mediaType": OCI_CONFIG if oci else DOCKER_CONFIG,
                   "digest": config_digest, "size": len(config_bytes)},
        "layers": [{"mediaType": OCI_LAYER if oci else DOCKER_LAYER,
                    "digest": layer_digest, "size": len(layer)}],
    }
    body = json.dumps(manifest, separators=(",", ":")).encode()
    digest = push_manifest(host, repo, tag or sha256_digest(body), body, manifest["mediaType"],
                           auth)
    return {"digest": digest, "size": len(body), "media_type": manifest["mediaType"],
            "platform": platform,
            "config": {"digest": config_digest, "size": len(config_bytes)},
            "layers": [{"digest": layer_digest, "size": len(layer)}],
            "blob_bytes": len(config_bytes) + len(layer)}


def push_index(host, repo, tag, manifests, media="oci", auth=None):
    """Push an OCI index / Docker manifest list over already pushed manifests.

    manifests: [(manifest_digest, size, os, arch, variant_or_None)]. Returns
    {"digest", "size", "media_type"}."""
    oci = media == "oci"
    entries = []
    for digest, size, os_, arch, variant in manifests:
        platform = {"architecture": arch, "os": os_}
        if variant:
            platform["variant"] = variant
        entries.append({"mediaType": OCI_MANIFEST if oci else DOCKER_MANIFEST,
                        "digest": digest, "size": size, "platform": platform})
    index = {"schemaVersion": 2, "mediaType": OCI_INDEX if oci else DOCKER_LIST,
             "manifests": entries}
    body = json.dumps(index, separators=(",", ":")).encode()
    digest = push_manifest(host, repo, tag, body, index["mediaType"], auth)
    return {"digest": digest, "size": len(body), "media_type": index["mediaType"]}


def push_multiarch(host, repo, tag, media="oci", auth=None):
    """linux/amd64 + linux/arm64/v8 images (by digest) under an index tagged `tag`.

    Returns {"digest", "size", "media_type",
             "images": {"linux/amd64": image, "linux/arm64": image}}."""
    images = {}
    for arch, variant in (("amd64", None), ("arm64", "v8")):
        img = push_image(host, repo, None, arch=arch, media=media, auth=auth, variant=variant)
        images[f"linux/{arch}"] = img
    index = push_index(host, repo, tag,
                       [(images["linux/amd64"]["digest"], images["linux/amd64"]["size"],
                         "linux", "amd64", None),
                        (images["linux/arm64"]["digest"], images["linux/arm64"]["size"],
                         "linux", "arm64", "v8")], media=media, auth=auth)
    index["images"] = images
    return index


# --------------------------------------------------------------------------------------------
# Token server


class TokenServer:
    """Docker-style token endpoint: GET /token?service=…&scope=… on 127.0.0.1:0 in a thread.

    users: {name: password}. Basic credentials that do not match → 401 JSON error. Anonymous
    requests get pull access when anonymous_pull is true, else a token with no access (the
    registry then answers 401 insufficient_scope). Known users get what they ask for among
    user_actions. Every request is recorded in .requests; every token handed out in .issued."""

    def __init__(self, workdir, users=None, anonymous_pull=True, service="test-registry",
                 issuer="test-issuer", expires_in=300, user_actions=("pull", "push")):
        self.workdir = workdir
        self.users = dict(users or {})
        self.anonymous_pull = anonymous_pull
        self.service, self.issuer, self.expires_in = service, issuer, expires_in
        self.user_actions = set(user_actions)
        self.requests, self.issued = [], []
        self._lock = threading.Lock()
        self.key = os.path.join(workdir, "token.key")
        self.cert = os.path.join(workdir, "token.crt")
        p = subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes",
                            "-keyout", self.key, "-out", self.cert, "-days", "3650",
                            "-subj", "/CN=pullwatch-test-token-issuer"],
                           capture_output=True, timeout=60)
        if p.returncode != 0:
            raise FixtureError(f"openssl req failed: {p.stderr.decode(errors='replace')}")
        with open(self.cert) as f:
            pem = f.read()
        body = pem.split("-----BEGIN CERTIFICATE-----")[1].split("-----END CERTIFICATE-----")[0]
        self._x5c = "".join(body.split())  # base64 DER, as JWS x5c wants
        self._server = None
        self._thread = None
        self.port = None

    @property
    def realm(self):
        return f"http://127.0.0.1:{self.port}/token"

    def mint(self, access, sub="ci", expires_in=None, not_before=None):
        """RS256 JWT for access [(repository, [actions])], signed with the openssl CLI."""
        now = int(time.time())
        expires_in = self.expires_in if expires_in is None else expires_in
        header = {"typ": "JWT", "alg": "RS256", "x5c": [self._x5c]}
        claims = {"iss": self.issuer, "sub": sub, "aud": self.service,
                  "exp": now + expires_in, "nbf": (now - 10) if not_before is None else not_before,
                  "iat": now, "jti": secrets.token_hex(16),
                  "access": [{"type": "repository", "name": name, "actions": list(actions)}
                             for name, actions in access if actions]}
        signing_input = (b64url(json.dumps(header, separators=(",", ":")).encode()) + "." +
                         b64url(json.dumps(claims, separators=(",", ":")).encode()))
        sig = subprocess.run(["openssl", "dgst", "-sha256", "-sign", self.key],
                             input=signing_input.encode(), capture_output=True, check=True,
                             timeout=30).stdout
        token = signing_input + "." + b64url(sig)
        with self._lock:
            self.issued.append(token)
        return token

    def _grant(self, user, scopes):
        allowed = self.user_actions if user else ({"pull"} if self.anonymous_pull else set())
        access = []
        for scope in scopes:
            for item in scope.split():
                parts = item.split(":")
                if len(parts) < 3 or parts[0] != "repository":
                    continue
                name, actions = ":".join(parts[1:-1]), parts[-1].split(",")
                granted = [a for a in actions if a in allowed]
                if granted:
                    access.append((name, granted))
        return access

    def _handle(self, handler):
        parsed = urllib.parse.urlsplit(handler.path)
        query = urllib.parse.parse_qs(parsed.query, keep_blank_values=True)
        authz = handler.headers.get("Authorization")
        record = {"path": parsed.path, "query": query, "authorization": authz is not None,
                  "scheme": authz.split(" ", 1)[0].lower() if authz else None, "user": None,
                  "status": None}
        with self._lock:
            self.requests.append(record)

        def reply(status, obj, extra=None):
            record["status"] = status
            data = json.dumps(obj).encode()
            handler.send_response(status)
            handler.send_header("Content-Type", "application/json")
            handler.send_header("Content-Length", str(len(data)))
            for k, v in (extra or {}).items():
                handler.send_header(k, v)
            handler.end_headers()
            handler.wfile.write(data)

        if parsed.path != "/token":
            return reply(404, {"errors": [{"code": "NOT_FOUND", "message": "no such endpoint"}]})
        user = None
        if authz:
            scheme, _, value = authz.partition(" ")
            try:
                name, _, password = base64.b64decode(value.strip()).decode().partition(":")
            except Exception:
                name, password = None, None
            if scheme.lower() != "basic" or name not in self.users or \
                    self.users[name] != password:
                return reply(401, {"errors": [{"code": "UNAUTHORIZED",
                                               "message": "invalid username or password"}]},
                             {"WWW-Authenticate": 'Basic realm="pullwatch-test-token"'})
            user = name
            record["user"] = name
        if query.get("service", [self.service])[0] != self.service:
            return reply(400, {"errors": [{"code": "INVALID_REQUEST",
                                           "message": "unknown service"}]})
        now = time.time()
        token = self.mint(self._grant(user, query.get("scope", [])), sub=user or "")
        reply(200, {"token": token, "expires_in": self.expires_in, "issued_at": rfc3339(now)})

    def start(self):
        outer = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_GET(self):
                outer._handle(self)

            def log_message(self, *args):
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        self.port = self._server.server_address[1]
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()
        return self

    def stop(self):
        if self._server:
            self._server.shutdown()
            self._server.server_close()
            self._thread.join(5)
            self._server = None

    def reset(self):
        with self._lock:
            self.requests.clear()


# --------------------------------------------------------------------------------------------
# Registry


def bcrypt_hash(password):
    """A bcrypt hash the registry's htpasswd accepts: Python's crypt module (until 3.12) or
    `htpasswd -B` (apache2-utils)."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", DeprecationWarning)
            import crypt  # noqa: removed in Python 3.13
        method = getattr(crypt, "METHOD_BLOWFISH", None)
        if method is not None:
            h = crypt.crypt(password, crypt.mksalt(method, rounds=1 << 4))
            if h and h.startswith("$2"):
                return h
    except ImportError:
        pass
    tool = shutil.which("htpasswd")
    if tool:
        out = subprocess.run([tool, "-nbB", "-C", "4", "u", password], capture_output=True,
                             check=True, timeout=30).stdout.decode().strip()
        return out.split(":", 1)[1]
    raise FixtureError("no bcrypt available: need Python's crypt module (Python <= 3.12) "
                       "or htpasswd from the apache2-utils package")


class Registry:
    """docker-registry on 127.0.0.1:<random port> with a private config in workdir."""

    def __init__(self, mode="anonymous", workdir=None, users=None, anonymous_pull=True,
                 token_expires_in=300, service="test-registry", issuer="test-issuer", tls=None):
        if mode not in ("anonymous", "htpasswd", "token"):
            raise ValueError(f"unknown registry mode {mode!r}")
        self.mode = mode
        self.tls = tls  # (certificate file, key file): serve HTTPS; set it between runs
        self._own_tmp = workdir is None
        self.workdir = os.path.abspath(workdir or tempfile.mkdtemp(prefix="regtest-"))
        os.makedirs(self.workdir, exist_ok=True)
        self.users = dict(users or {})
        if mode == "htpasswd" and not self.users:
            raise ValueError("htpasswd mode needs users")
        self.anonymous_pull = anonymous_pull
        self.tokens = None
        if mode == "token":
            self.tokens = TokenServer(self.workdir, self.users, anonymous_pull, service, issuer,
                                      token_expires_in)
        self.proc = None
        self.host = None
        self.port = None
        self.config_path = os.path.join(self.workdir, "config.yml")
        self.log_path = os.path.join(self.workdir, "registry.log")
        self._log = None

    # -- lifecycle

    def _config(self):
        q = json.dumps  # JSON strings are valid YAML double-quoted scalars
        lines = ["version: 0.1",
                 "log:", "  level: info", "  formatter: text",
                 "storage:", "  filesystem:",
                 f"    rootdirectory: {q(os.path.join(self.workdir, 'data'))}",
                 "  delete:", "    enabled: true",
                 "  maintenance:", "    uploadpurging:", "      enabled: false",
                 "http:", "  addr: 127.0.0.1:0", f"  secret: {q(secrets.token_hex(16))}"]
        if self.tls:
            lines += ["  tls:", f"    certificate: {q(self.tls[0])}", f"    key: {q(self.tls[1])}"]
        if self.mode == "htpasswd":
            path = os.path.join(self.workdir, "htpasswd")
            with open(path, "w") as f:
                for name, password in self.users.items():
                    f.write(f"{name}:{bcrypt_hash(password)}\n")
            lines += ["auth:", "  htpasswd:", "    realm: pullwatch-test",
                      f"    path: {q(path)}"]
        elif self.mode == "token":
            lines += ["auth:", "  token:", f"    realm: {q(self.tokens.realm)}",
                      f"    service: {q(self.tokens.service)}",
                      f"    issuer: {q(self.tokens.issuer)}",
                      f"    rootcertbundle: {q(self.tokens.cert)}"]
        return "\n".join(lines) + "\n"

    def log_tail(self, n=30):
        try:
            with open(self.log_path, errors="replace") as f:
                return "".join(f.readlines()[-n:])
        except OSError:
            return "(no log)"

    def start(self):
        os.makedirs(self.workdir, exist_ok=True)
        if not os.access(REGISTRY_BIN, os.X_OK):
            raise FixtureError(f"{REGISTRY_BIN} not found: install the Debian package "
                               "docker-registry")
        if self.tokens:
            self.tokens.start()
        with open(self.config_path, "w") as f:
            f.write(self._config())
        env = {k: v for k, v in os.environ.items() if not k.startswith("REGISTRY_")}
        self._log = open(self.log_path, "wb")
        self.proc = subprocess.Popen([REGISTRY_BIN, "serve", self.config_path],
                                     stdin=subprocess.DEVNULL, stdout=self._log,
                                     stderr=subprocess.STDOUT, cwd=self.workdir, env=env)
        deadline = time.monotonic() + STARTUP_TIMEOUT
        pattern = re.compile(r"listening on 127\.0\.0\.1:(\d+)")
        self.port = None
        try:
            while self.port is None:
                with open(self.log_path, errors="replace") as f:
                    m = pattern.search(f.read())
                if m:
                    self.port = int(m.group(1))
                    break
                self._check_alive(deadline)
                time.sleep(0.02)
            self.host = f"127.0.0.1:{self.port}"
            while True:
                try:
                    status, _, _ = http("GET", f"{self.url}/v2/", timeout=2)
                    if status in (200, 401):
                        break
                except OSError:
                    pass
                self._check_alive(deadline)
                time.sleep(0.02)
        except BaseException:
            self.stop()
            raise
        return self

    def _check_alive(self, deadline):
        if self.proc.poll() is not None:
            raise FixtureError(f"docker-registry exited with {self.proc.returncode} during "
                               f"startup; log tail:\n{self.log_tail()}")
        if time.monotonic() > deadline:
            raise FixtureError(f"docker-registry not ready after {STARTUP_TIMEOUT:.0f} s "
                               f"(config {self.config_path}); log tail:\n{self.log_tail()}")

    def stop(self):
        if self.proc is not None:
            if self.proc.poll() is None:
                self.proc.terminate()  # SIGTERM to our own child's PID only
                try:
                    self.proc.wait(10)
                except subprocess.TimeoutExpired:
                    self.proc.kill()
                    self.proc.wait(10)
            self.proc = None
        if self._log:
            self._log.close()
            self._log = None
        if self.tokens:
            self.tokens.stop()
        if self._own_tmp:
            shutil.rmtree(self.workdir, ignore_errors=True)

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()
        return False

    # -- credentials

    @property
    def url(self):
        return f"{'https' if self.tls else 'http'}://{self.host}"

    def mint_token(self, access, sub="ci", expires_in=None):
        """A token the registry accepts, e.g. mint_token([("ci/tool", ["pull"])])."""
        if not self.tokens:
            raise FixtureError("mint_token needs a token-mode registry")
        return self.tokens.mint(access, sub=sub, expires_in=expires_in)

    def push_auth(self, repo):
        """Credentials with push rights on repo: None, Basic for the first user, or a token."""
        if self.mode == "htpasswd":
            name, password = next(iter(self.users.items()))
            return ("basic", name, password)
        if self.mode == "token":
            return ("bearer", self.mint_token([(repo, ["pull", "push"])], sub="pusher"))
        return None

    # -- pushing (credentials supplied automatically)

    def push_blob(self, repo, data):
        return push_blob(self.host, repo, data, self.push_auth(repo))

    def push_image(self, repo, tag, arch="amd64", os="linux", media="oci", variant=None):
        return push_image(self.host, repo, tag, arch, os, media, self.push_auth(repo), variant)

    def push_index(self, repo, tag, manifests, media="oci"):
        return push_index(self.host, repo, tag, manifests, media, self.push_auth(repo))

    def push_multiarch(self, repo, tag, media="oci"):
        return push_multiarch(self.host, repo, tag, media, self.push_auth(repo))

    # -- reading back like a client would (for self-tests)

    def get_manifest(self, repo, reference, user=None, password=None, method="GET"):
        """GET a manifest with the full Accept list, running the Basic or Bearer challenge.
        Returns (status, headers, body)."""
        url = f"{self.url}/v2/{repo}/manifests/{reference}"
        headers = {"Accept": ACCEPT_ALL}
        status, hdrs, body = http(method, url, headers=headers)
        if status != 401:
            return status, hdrs, body
        challenge = hdrs.get("WWW-Authenticate", "")
        if challenge.startswith("Basic"):
            auth = ("basic", user, password) if user is not None else None
            return http(method, url, headers=headers, auth=auth)
        params = dict(re.findall(r'(\w+)="([^"]*)"', challenge))
        token_url = params["realm"] + "?" + urllib.parse.urlencode(
            {"service": params.get("service", ""), "scope": params.get("scope", "")})
        auth = ("basic", user, password) if user is not None else None
        tstatus, _, tbody = http("GET", token_url, auth=auth)
        if tstatus != 200:
            return tstatus, {}, tbody
        token = json.loads(tbody)["token"]
        return http(method, url, headers=headers, auth=("bearer", token))


# --------------------------------------------------------------------------------------------
# Self-test


def _selftest(root):
    failures = []

    def check(cond, what):
        print(("ok   " if cond else "FAIL ") + what)
        if not cond:
            failures.append(what)

    skopeo = shutil.which("skopeo")
    for mode in ("anonymous", "htpasswd", "token"):
        wd = os.path.join(root, mode)
        shutil.rmtree(wd, ignore_errors=True)
        users = {"ci": "pw-" + secrets.token_hex(8)} if mode != "anonymous" else {}
        t0 = time.monotonic()
        with Registry(mode, wd, users=users, anonymous_pull=False) as reg:
            print(f"--- {mode}: {reg.host} up in {time.monotonic() - t0:.2f} s")
            check(reg.port != 5000, f"{mode}: random port {reg.port}")
            img = reg.push_image("ci/tool", "1")
            dimg = reg.push_image("ci/tool", "docker", media="docker")
            multi = reg.push_multiarch("ci/tool", "multi")
            dmulti = reg.push_multiarch("ci/tool", "dmulti", media="docker")
            nix = reg.push_image("shell/jq/busybox", "latest")
            user, pw = (next(iter(users.items())) if users else (None, None))
            for repo, ref, want in (("ci/tool", "1", img), ("ci/tool", "docker", dimg),
                                    ("ci/tool", "multi", multi), ("ci/tool", "dmulti", dmulti),
                                    ("shell/jq/busybox", "latest", nix),
                                    ("ci/tool", multi["images"]["linux/arm64"]["digest"],
                                     multi["images"]["linux/arm64"])):
                status, hdrs, body = reg.get_manifest(repo, ref, user, pw)
                check(status == 200 and sha256_digest(body) == want["digest"]
                      and hdrs.get("Docker-Content-Digest") == want["digest"]
                      and hdrs.get("Content-Type") == want["media_type"],
                      f"{mode}: GET {repo}:{ref} -> {status} {want['digest'][:19]}")
            status, _, _ = reg.get_manifest("ci/tool", "nope", user, pw)
            check(status == 404, f"{mode}: missing tag -> {status}")
            if mode != "anonymous":
                status, _, _ = reg.get_manifest("ci/tool", "1")
                check(status == 401, f"{mode}: anonymous -> {status}")
                status, _, _ = reg.get_manifest("ci/tool", "1", user, "wrong")
                check(status == 401, f"{mode}: wrong password -> {status}")
            if mode == "token":
                kinds = [(r["scheme"], r["status"]) for r in reg.tokens.requests]
                check((None, 200) in kinds and ("basic", 200) in kinds and ("basic", 401) in kinds,
                      f"token server saw anonymous, good and bad Basic: {kinds}")
                static = reg.mint_token([("ci/tool", ["pull"])])
                status, _, _ = http("HEAD", f"{reg.url}/v2/ci/tool/manifests/1",
                                    headers={"Accept": ACCEPT_ALL}, auth=("bearer", static))
                check(status == 200, f"token: static bearer -> {status}")
                status, hdrs, _ = http("HEAD", f"{reg.url}/v2/shell/jq/busybox/manifests/latest",
                                       headers={"Accept": ACCEPT_ALL}, auth=("bearer", static))
                check(status == 401 and "insufficient_scope" in hdrs.get("WWW-Authenticate", ""),
                      f"token: wrong repo -> {status} {hdrs.get('WWW-Authenticate')}")
                expired = reg.tokens.mint([("ci/tool", ["pull"])], expires_in=-120,
                                          not_before=int(time.time()) - 600)
                status, hdrs, _ = http("HEAD", f"{reg.url}/v2/ci/tool/manifests/1",
                                       headers={"Accept": ACCEPT_ALL}, auth=("bearer", expired))
                check(status == 401 and "invalid_token" in hdrs.get("WWW-Authenticate", ""),
                      f"token: expired -> {status} {hdrs.get('WWW-Authenticate')}")
            if skopeo and mode == "anonymous":
                for ref, want in (("ci/tool:1", img["digest"]), ("ci/tool:multi", multi["digest"]),
                                  ("shell/jq/busybox", nix["digest"])):
                    p = subprocess.run([skopeo, "inspect", "--tls-verify=false", "--raw",
                                        f"docker://{reg.host}/{ref}"], capture_output=True,
                                       timeout=60)
                    check(p.returncode == 0 and sha256_digest(p.stdout) == want,
                          f"skopeo --raw {ref}: {p.stderr.decode()[-200:]}")
                    p = subprocess.run([skopeo, "inspect", "--tls-verify=false", "--format",
                                        "{{.Digest}}", f"docker://{reg.host}/{ref}"],
                                       capture_output=True, timeout=60)
                    check(p.stdout.decode().strip() == want,
                          f"skopeo --format Digest {ref}: {p.stdout.decode().strip()}")
            pid = reg.proc.pid
        check(not os.path.exists(f"/proc/{pid}") or
              open(f"/proc/{pid}/stat").read().split()[2] == "Z", f"{mode}: registry stopped")
    print(f"{len(failures)} failed")
    return 1 if failures else 0


if __name__ == "__main__":
    import sys
    sys.exit(_selftest(os.path.abspath(sys.argv[1] if len(sys.argv) > 1 else
                                       os.path.join(tempfile.gettempdir(), "regtest-selftest"))))
