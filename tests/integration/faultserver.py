#!/usr/bin/env python3
"""A scripted fake OCI registry that misbehaves on purpose (Python 3 standard library only).

Each repository name is a scenario; see ROUTES below. The server speaks raw HTTP/1.1 over
sockets so a route can hang, reset, truncate or answer garbage. Every response is sent with
`Connection: close` and the connection is closed after it.

    with FaultServer() as fs:
        fs.port                      # listening on 127.0.0.1:fs.port (and ::1 when available)
        fs.requests                  # [Request(method, path, headers, host), ...]
        fs.manifest_digest("ok/plain")

Smoke mode: `python3 faultserver.py [PORT]` prints the port and serves until Ctrl-C.
"""
import collections
import hashlib
import json
import random
import socket
import struct
import sys
import threading
import urllib.parse

Request = collections.namedtuple("Request", "method path headers host")

DOCKER_V2 = "application/vnd.docker.distribution.manifest.v2+json"
DOCKER_CONFIG = "application/vnd.docker.container.image.v1+json"
DOCKER_LAYER = "application/vnd.docker.image.rootfs.diff.tar.gzip"
OCI_INDEX = "application/vnd.oci.image.index.v1+json"
OCI_MANIFEST = "application/vnd.oci.image.manifest.v1+json"
OCI_CONFIG = "application/vnd.oci.image.config.v1+json"
OCI_LAYER = "application/vnd.oci.image.layer.v1.tar+gzip"

RATELIMIT_BODY = (b'{"errors":[{"code":"TOOMANYREQUESTS","message":"You have reached your pull rate '
                  b'limit. You may increase the limit by authenticating and upgrading: '
                  b'https://www.docker.com/increase-rate-limit"}]}')
BUILD_FAILURE_BODY = b'{"errors":[{"code":"UNKNOWN","message":"image build failure"}]}'
NOT_FOUND_BODY = (b'{"errors":[{"code":"MANIFEST_UNKNOWN","message":"manifest unknown",'
                  b'"detail":{"Tag":"latest"}}]}')
DENIED_BODY = b'{"errors":[{"code":"DENIED","message":"requested access to the resource is denied"}]}'
UNAUTHORIZED_BODY = (b'{"errors":[{"code":"UNAUTHORIZED","message":"authentication required",'
                     b'"detail":[{"Type":"repository","Name":"private/app","Action":"pull"}]}]}')
BLOB_UNKNOWN_BODY = b'{"errors":[{"code":"BLOB_UNKNOWN","message":"blob unknown to registry"}]}'
HTML_503 = (b"<html><head><title>503 Service Temporarily Unavailable</title></head>\r\n"
            b"<body><center><h1>503 Service Temporarily Unavailable</h1></center></body></html>\r\n")

REASONS = {200: "OK", 303: "See Other", 307: "Temporary Redirect", 401: "Unauthorized",
           403: "Forbidden", 404: "Not Found", 405: "Method Not Allowed", 429: "Too Many Requests",
           500: "Internal Server Error", 503: "Service Unavailable"}

# Hostile scenarios: a registry that echoes the credentials it received (the Authorization
# header, the query) in every error body, reason phrase and redirect; and bodies and headers
# that never end.
#   echo<STATUS>/app    Basic challenge; with credentials: STATUS, body "got <Authorization>"
#   echoreason/app      500 whose reason phrase is the Authorization header
#   echoredirect/app    307 to /leak/<Authorization>, which resets the connection
#   bearerecho/app      Bearer challenge (realm /echo-token, which grants a fresh token for
#                       Basic credentials); with the token: 500 "got Bearer <token>"
#   tokendeny/app       Bearer challenge; the token endpoint answers 401 "got <Authorization>"
#   endlessblob/app     deep probe: the 90-byte-declared blob streams forever (chunked)
#   endlessmanifest/app the manifest streams forever (chunked)
#   endlessheader/app   header lines forever, never the blank line
ECHO_NAMES = ("echo500/app", "echo401/app", "echo403/app", "echo404/app", "echo429/app",
              "echoreason/app", "echoredirect/app", "bearerecho/app", "tokendeny/app")

TOKEN = "fault-secret-token-" + "%032x" % random.SystemRandom().getrandbits(128)


def sha256(data):
    return "sha256:" + hashlib.sha256(data).hexdigest()


def canonical_json(obj):
    return json.dumps(obj, separators=(",", ":")).encode()


class Image:
    """A manifest (or index) plus the blobs it references, all as exact bytes."""

    def __init__(self, manifest, media_type, blobs=None, children=None):
        self.manifest = manifest
        self.media_type = media_type
        self.digest = sha256(manifest)
        self.blobs = blobs or {}            # digest -> bytes served (may not match the digest)
        self.children = children or {}      # digest -> (bytes, media type) for index children
        self.blob_sizes = {}                # digest -> declared size


def _single(tag, media, config_media, layer_media, corrupt_layer=False, arch="amd64"):
    config = canonical_json({"architecture": arch, "os": "linux",
                             "config": {"Cmd": ["/bin/sh"]}, "rootfs": {"type": "layers",
                             "diff_ids": []}, "fault": tag})
    layers = [(tag + "-layer-1-" + arch).encode() * 37, (tag + "-layer-2-" + arch).encode() * 91]
    manifest = canonical_json({
        "schemaVersion": 2, "mediaType": media,
        "config": {"mediaType": config_media, "size": len(config), "digest": sha256(config)},
        "layers": [{"mediaType": layer_media, "size": len(b), "digest": sha256(b)} for b in layers],
    })
    img = Image(manifest, media)
    for b in [config] + layers:
        img.blobs[sha256(b)] = b
        img.blob_sizes[sha256(b)] = len(b)
    if corrupt_layer:
        d = sha256(layers[1])
        img.blobs[d] = b"X" + layers[1][1:]   # same length, wrong content
    return img


def build_images():
    images = {}
    for name in ("ok/plain", "nodigest/app", "limited/app", "private/app", "redir303/app",
                 "ratelimited/app", "error500/app", "error503/app", "hang/app", "reset/app",
                 "eof/app", "garbage/app", "notfound/app", "denied/app", "endlessblob/app",
                 "endlessmanifest/app", "endlessheader/app") + ECHO_NAMES:
        images[name] = _single(name, DOCKER_V2, DOCKER_CONFIG, DOCKER_LAYER)
    images["badblob/app"] = _single("badblob/app", DOCKER_V2, DOCKER_CONFIG, DOCKER_LAYER,
                                    corrupt_layer=True)
    amd = _single("index/app", OCI_MANIFEST, OCI_CONFIG, OCI_LAYER, arch="amd64")
    arm = _single("index/app", OCI_MANIFEST, OCI_CONFIG, OCI_LAYER, arch="arm64")
    index = canonical_json({
        "schemaVersion": 2, "mediaType": OCI_INDEX,
        "manifests": [
            {"mediaType": OCI_MANIFEST, "size": len(amd.manifest), "digest": amd.digest,
             "platform": {"architecture": "amd64", "os": "linux"}},
            {"mediaType": OCI_MANIFEST, "size": len(arm.manifest), "digest": arm.digest,
             "platform": {"architecture": "arm64", "os": "linux", "variant": "v8"}},
        ]})
    img = Image(index, OCI_INDEX)
    for child in (amd, arm):
        img.children[child.digest] = (child.manifest, OCI_MANIFEST)
        img.blobs.update(child.blobs)
        img.blob_sizes.update(child.blob_sizes)
    img.platform_children = {"amd64": amd, "arm64": arm}
    images["index/app"] = img
    return images


def _echo_body(text):
    return canonical_json({"errors": [{"code": "UNKNOWN", "message": "got " + text}]})


def _first_blob(img):
    return json.loads(img.manifest)["config"]["digest"]


class FaultServer:
    """Context manager: starts on enter (free port unless given), stops on exit."""

    def __init__(self, port=0, silent_on_tls=False):
        self._want_port = port
        # True: a ClientHello gets no answer (like servers that wait for a line end), instead of
        # docker-registry's 400.
        self.silent_on_tls = silent_on_tls
        self.port = None
        self.token = TOKEN
        self.images = build_images()
        self.requests = []
        self.issued_tokens = []  # tokens /echo-token handed out
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._listeners = []
        self._threads = []
        self._open = set()

    # ---- helpers for tests -------------------------------------------------
    def manifest_digest(self, name):
        return self.images[name].digest

    def manifest_bytes(self, name):
        return self.images[name].manifest

    def blob_total(self, name, arch="amd64"):
        img = self.images[name]
        if hasattr(img, "platform_children"):
            img = img.platform_children[arch]
        return sum(img.blob_sizes.values())

    def requests_to(self, prefix):
        with self._lock:
            return [r for r in self.requests if r.path.startswith(prefix)]

    # ---- lifecycle ---------------------------------------------------------
    def start(self):
        s4 = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        s4.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        s4.bind(("127.0.0.1", self._want_port))
        s4.listen(64)
        self.port = s4.getsockname()[1]
        self._listeners.append(s4)
        try:  # localhost may resolve to ::1 too; answer there as well when possible
            s6 = socket.socket(socket.AF_INET6, socket.SOCK_STREAM)
            s6.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            s6.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 1)
            s6.bind(("::1", self.port))
            s6.listen(64)
            self._listeners.append(s6)
        except OSError:
            pass
        for ls in self._listeners:
            ls.settimeout(0.2)
            t = threading.Thread(target=self._accept_loop, args=(ls,), daemon=True)
            t.start()
            self._threads.append(t)
        return self

    def stop(self):
        self._stop.set()
        for t in self._threads:
            t.join(2)
        for ls in self._listeners:
            ls.close()
        with self._lock:
            conns = list(self._open)
        for c in conns:
            try:
                c.close()
            except OSError:
                pass

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()

    def _accept_loop(self, ls):
        while not self._stop.is_set():
            try:
                conn, _ = ls.accept()
            except socket.timeout:
                continue
            except OSError:
                return
            with self._lock:
                self._open.add(conn)
            threading.Thread(target=self._serve, args=(conn,), daemon=True).start()

    # ---- one connection ----------------------------------------------------
    def _serve(self, conn):
        keep_open = False
        try:
            conn.settimeout(10)
            data = b""
            while b"\r\n\r\n" not in data:
                chunk = conn.recv(65536)
                if not chunk:
                    return
                data += chunk
                if data.startswith(b"\x16") and self.silent_on_tls:
                    continue
                if data.startswith(b"\x16"):  # a TLS ClientHello: what docker-registry answers
                    conn.sendall(b"HTTP/1.1 400 Bad Request\r\nContent-Type: text/plain; "
                                 b"charset=utf-8\r\nConnection: close\r\n\r\n400 Bad Request")
                    return
                if len(data) > 1 << 20:
                    return
            head = data.split(b"\r\n\r\n", 1)[0].decode("latin-1")
            lines = head.split("\r\n")
            parts = lines[0].split(" ")
            if len(parts) != 3:
                return
            method, target = parts[0], parts[1]
            headers = {}
            for line in lines[1:]:
                if ":" in line:
                    k, v = line.split(":", 1)
                    headers[k.strip().lower()] = v.strip()
            req = Request(method, target, headers, headers.get("host", ""))
            with self._lock:
                self.requests.append(req)
            keep_open = self._dispatch(conn, req)
        except OSError:
            pass
        finally:
            if keep_open:
                self._stop.wait()
            with self._lock:
                self._open.discard(conn)
            try:
                conn.close()
            except OSError:
                pass

    def _send(self, conn, req, status, headers=(), body=b"", content_type="application/json"):
        hdrs = [("Content-Type", content_type), ("Content-Length", str(len(body)))]
        hdrs += list(headers)
        hdrs += [("Docker-Distribution-Api-Version", "registry/2.0"), ("Connection", "close")]
        out = "HTTP/1.1 %d %s\r\n" % (status, REASONS.get(status, "Status"))
        out += "".join("%s: %s\r\n" % h for h in hdrs) + "\r\n"
        payload = out.encode("latin-1")
        if req.method != "HEAD":
            payload += body
        conn.sendall(payload)
        try:
            conn.shutdown(socket.SHUT_WR)
        except OSError:
            pass

    def _dispatch(self, conn, req):
        """Answer one request. Returns True to keep the socket open (hang)."""
        url = urllib.parse.urlsplit(req.path)
        path = url.path
        if req.method not in ("GET", "HEAD"):
            self._send(conn, req, 405, body=b"")
            return False
        if path == "/v2/" or path == "/v2":
            self._send(conn, req, 200, body=b"{}")
            return False
        if path == "/token":
            q = urllib.parse.parse_qs(url.query)
            scope = q.get("scope", [""])[0]
            if scope and not scope.startswith("repository:private/app:"):
                self._send(conn, req, 200, body=canonical_json({"token": "wrong-scope",
                                                                "expires_in": 300}))
            else:
                self._send(conn, req, 200, body=canonical_json({"token": self.token,
                                                                "expires_in": 300}))
            return False
        if path == "/echo-token":
            scope = urllib.parse.parse_qs(url.query).get("scope", [""])[0]
            auth = req.headers.get("authorization", "")
            if scope.startswith("repository:tokendeny/") or not auth.startswith("Basic "):
                self._send(conn, req, 401, [("WWW-Authenticate", 'Basic realm="echo"')],
                           _echo_body(auth + " " + url.query))
                return False
            token = "issued-%032x" % random.SystemRandom().getrandbits(128)
            with self._lock:
                self.issued_tokens.append(token)
            self._send(conn, req, 200, body=canonical_json({"token": token, "expires_in": 300}))
            return False
        if path.startswith("/leak/"):
            conn.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            conn.close()
            return False
        if path.startswith("/storage/"):
            digest = path[len("/storage/"):]
            for img in self.images.values():
                if digest in img.blobs:
                    body = img.blobs[digest]
                    self._send(conn, req, 200, [("Docker-Content-Digest", digest)], body,
                               "application/octet-stream")
                    return False
            self._send(conn, req, 404, body=b"<Error><Code>NoSuchKey</Code></Error>",
                       content_type="application/xml")
            return False
        if not path.startswith("/v2/"):
            self._send(conn, req, 404, body=b"404 page not found\n", content_type="text/plain")
            return False
        rest = path[len("/v2/"):]
        for kind in ("/manifests/", "/blobs/"):
            if kind in rest:
                name, ref = rest.rsplit(kind, 1)
                return self._route(conn, req, name, kind.strip("/"), ref)
        self._send(conn, req, 404, body=b"404 page not found\n", content_type="text/plain")
        return False

    def _route(self, conn, req, name, kind, ref):
        img = self.images.get(name)
        if img is None:
            self._send(conn, req, 404, body=NOT_FOUND_BODY)
            return False
        app = name.split("/")[0]
        ratelimit = []

        # --- scenario-specific failures (manifests and blobs alike) ---
        if app == "hang":
            return True
        if app == "reset":
            conn.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            conn.close()
            return False
        if app == "garbage":
            rnd = random.Random(1234)
            junk = b"\x00\xff\x13\x37" + bytes(rnd.getrandbits(8) for _ in range(600))
            junk = junk[:300] + b"\r\n" + junk[300:] + b"\r\n\r\n"
            conn.sendall(junk)
            conn.shutdown(socket.SHUT_WR)
            return False
        if app == "eof":
            if req.method == "HEAD":
                conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Ty")
            else:
                conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: %s\r\nContent-Length: 1000\r\n"
                             b"Connection: close\r\n\r\n" % DOCKER_V2.encode() + img.manifest[:10])
            conn.shutdown(socket.SHUT_WR)
            return False
        if app == "ratelimited":
            self._send(conn, req, 429, [("Retry-After", "120"),
                                        ("ratelimit-limit", "100;w=21600"),
                                        ("ratelimit-remaining", "0;w=21600"),
                                        ("docker-ratelimit-source", "192.0.2.1")], RATELIMIT_BODY)
            return False
        if app == "error500":
            self._send(conn, req, 500, body=BUILD_FAILURE_BODY,
                       content_type="text/plain; charset=utf-8")
            return False
        if app == "error503":
            self._send(conn, req, 503, body=HTML_503, content_type="text/html")
            return False
        if app == "notfound":
            self._send(conn, req, 404, body=NOT_FOUND_BODY)
            return False
        if app == "denied":
            self._send(conn, req, 403, body=DENIED_BODY)
            return False
        if app == "private":
            if req.headers.get("authorization") != "Bearer " + self.token:
                challenge = ('Bearer realm="http://127.0.0.1:%d/token",service="fault",'
                             'scope="repository:private/app:pull"' % self.port)
                if "authorization" in req.headers:
                    challenge += ',error="invalid_token"'
                self._send(conn, req, 401, [("WWW-Authenticate", challenge)], UNAUTHORIZED_BODY)
                return False
        if app.startswith("echo") or app in ("bearerecho", "tokendeny"):
            return self._echo(conn, req, app)
        if app == "endlessheader":
            conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n")
            n = 0
            while not self._stop.is_set():
                try:
                    conn.sendall(b"X-Filler-%d: %s\r\n" % (n, b"f" * 200))
                except OSError:
                    return False
                n += 1
            return False
        if app == "endlessmanifest" and kind == "manifests" and req.method == "GET":
            self._endless(conn, img.media_type, b'{"schemaVersion":2,"layers":[' + b" " * 65536)
            return False
        if app == "endlessblob" and kind == "blobs" and ref != _first_blob(img):
            self._endless(conn, "application/octet-stream", b"\0" * 65536)
            return False
        if app == "limited":
            ratelimit = [("ratelimit-limit", "100;w=21600"), ("ratelimit-remaining", "76;w=21600")]

        # --- the well-behaved part ---
        if kind == "manifests":
            if ref == img.digest or ref == "latest":
                body, media = img.manifest, img.media_type
            elif ref in img.children:
                body, media = img.children[ref]
            else:
                self._send(conn, req, 404, body=NOT_FOUND_BODY.replace(b"latest", ref.encode()))
                return False
            hdrs = list(ratelimit)
            if app != "nodigest":
                hdrs.append(("Docker-Content-Digest", sha256(body)))
                hdrs.append(("Etag", '"%s"' % sha256(body)))
            self._send(conn, req, 200, hdrs, body, media)
            return False

        # blobs
        if ref not in img.blobs:
            self._send(conn, req, 404, body=BLOB_UNKNOWN_BODY)
            return False
        if app == "private":
            loc = "http://localhost:%d/storage/%s?sig=xyz" % (self.port, ref)
            self._send(conn, req, 307, [("Location", loc), ("Docker-Content-Digest", ref)], b"")
            return False
        if app == "redir303":
            # nixery (GCS backend) style; a relative Location on purpose: clients must
            # resolve it against the request URL.
            loc = "/storage/%s?sig=abc" % ref
            self._send(conn, req, 303, [("Location", loc)], b"", "text/html; charset=utf-8")
            return False
        body = img.blobs[ref]
        self._send(conn, req, 200, ratelimit + [("Docker-Content-Digest", ref),
                                                ("Accept-Ranges", "bytes")],
                   body, "application/octet-stream")
        return False


    def _echo(self, conn, req, app):
        auth = req.headers.get("authorization", "")
        if app in ("bearerecho", "tokendeny"):
            if not auth.startswith("Bearer "):
                challenge = ('Bearer realm="http://127.0.0.1:%d/echo-token",service="echo",'
                             'scope="repository:%s/app:pull"' % (self.port, app))
                self._send(conn, req, 401, [("WWW-Authenticate", challenge)], _echo_body(auth))
                return False
            self._send(conn, req, 500, body=_echo_body(auth))
            return False
        if not auth:
            self._send(conn, req, 401, [("WWW-Authenticate", 'Basic realm="echo"')],
                       UNAUTHORIZED_BODY)
            return False
        if app == "echoreason":
            conn.sendall(b"HTTP/1.1 500 got %s\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
                         % auth.encode("latin-1"))
            return False
        if app == "echoredirect":
            loc = "/leak/" + urllib.parse.quote(auth, safe="") + "?q=" + urllib.parse.quote(auth)
            self._send(conn, req, 307, [("Location", loc)], _echo_body(auth))
            return False
        status = int(app[len("echo"):])
        self._send(conn, req, status, [("WWW-Authenticate", 'Basic realm="echo"')]
                   if status == 401 else [], _echo_body(auth + " " + req.path))
        return False

    def _endless(self, conn, content_type, chunk):
        head = ("HTTP/1.1 200 OK\r\nContent-Type: %s\r\nTransfer-Encoding: chunked\r\n"
                "Connection: close\r\n\r\n" % content_type)
        try:
            conn.sendall(head.encode())
            framed = b"%x\r\n%s\r\n" % (len(chunk), chunk)
            while not self._stop.is_set():
                conn.sendall(framed)
        except OSError:
            pass


def main():
    port = int(sys.argv[1]) if len(sys.argv) > 1 else 0
    with FaultServer(port) as fs:
        print("fault server on 127.0.0.1:%d (token %s)" % (fs.port, fs.token), flush=True)
        for name, img in sorted(fs.images.items()):
            print("  %-16s %s" % (name, img.digest), flush=True)
        try:
            threading.Event().wait()
        except KeyboardInterrupt:
            pass


if __name__ == "__main__":
    main()
