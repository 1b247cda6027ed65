#!/usr/bin/env python3
"""Writes the fuzz targets' seed corpora (tests/fuzz/corpus/<target>/) from the test data: the
CI logs of tests/data/logs, the CI emulator's API pages and logs, the built-in config and rules,
and the inputs the unit tests use. Seeds written here are named seed-*; files with other names
(crash-* regression inputs) are left alone. Run it again after the test data changes."""

import json
import pathlib
import re
import sys

HERE = pathlib.Path(__file__).resolve().parent
ROOT = HERE.parent.parent
sys.path.insert(0, str(ROOT / "tests" / "integration"))
import ciemulator  # noqa: E402  (its page and log builders, not its server)

T0 = 1747557735  # 2025-05-18T08:42:15Z: pages and logs stay the same from run to run
LOG_CHUNK = 6000  # bytes per log seed; the log target's -max_len is 8192
LOGS = sorted((ROOT / "tests" / "data" / "logs").glob("*.log")) + \
    sorted((ROOT / "tests" / "data" / "logs").glob("*.txt"))


def write(target, name, data):
    folder = HERE / "corpus" / target
    folder.mkdir(parents=True, exist_ok=True)
    if isinstance(data, str):
        data = data.encode("utf-8")
    (folder / ("seed-" + name)).write_bytes(data)


def clear(target):
    for path in (HERE / "corpus" / target).glob("seed-*"):
        path.unlink()


def chunks(data, size):
    """Pieces of at most size bytes, cut at line ends."""
    out, start = [], 0
    while start < len(data):
        end = start + size
        if end < len(data):
            cut = data.rfind(b"\n", start, end)
            end = cut + 1 if cut > start else end
        out.append(data[start:end])
        start = end
    return out


def log_seeds():
    clear("log")
    for path in LOGS:
        for i, piece in enumerate(chunks(path.read_bytes(), LOG_CHUNK)):
            write("log", "%s-%d" % (path.stem, i), piece)
    run = ciemulator.GITHUB_RUNS[1]
    write("log", "emulator-github-failure", ciemulator.github_log(1002, "test", "failure", T0))
    write("log", "emulator-github-success", ciemulator.github_log(1001, "build", "success", T0))
    write("log", "emulator-gitlab-failed", ciemulator.gitlab_trace(2002, "test", "failed", T0))
    assert run


IMAGE_PATTERNS = [
    r'image "([^"\s]+)"', r"docker pull (\S+)", r"newer image for (\S+)",
    r"up to date for (\S+)", r"Using docker image \S+ for (\S+)", r"pull access denied for ([^,\s]+)",
    r"Trying to pull (\S+)\.\.\.", r"load metadata for (\S+)", r"FROM (\S+)",
]


def reference_seeds():
    clear("reference")
    found = []
    for path in LOGS:
        text = path.read_text("utf-8", "replace")
        for pattern in IMAGE_PATTERNS:
            for m in re.finditer(pattern, text):
                name = m.group(1).rstrip(".,;:'\"")
                if name and name not in found:
                    found.append(name)
    # The shapes tst_imagereference checks, beside what the logs name.
    found += ["busybox", "library/busybox:latest", "docker.io/busybox", "index.docker.io/x/y",
              "localhost:5000/ci/tools:1.0", "[::1]:5000/app", "127.0.0.1:5000/a/b@sha256:" + "a" * 64,
              "ghcr.io/o/r:v1@sha256:" + "0123456789abcdef" * 4, "nixery.dev/shell/arm64/jq",
              "nixery.dev/arm64/shell/git", "Registry.Example.com/x", "a" * 64, "x:" + "t" * 129,
              "app@sha512:" + "f" * 128, "app@md5:" + "0" * 32, "UPPER/case", "a__b/c--d.e"]
    for i, name in enumerate(found[:48]):
        write("reference", "%02d" % i, name)


AUTH = [
    b'Bearer realm="https://auth.docker.io/token",service="registry.docker.io",'
    b'scope="repository:library/busybox:pull"',
    b'Bearer realm="https://auth.docker.io/token",service="registry.docker.io"',
    b'Bearer realm="https://ghcr.io/token",service="ghcr.io",scope="repository:user/image:pull"',
    b'Bearer realm="https://quay.io/v2/auth",service="quay.io",scope="repository:coreos/etcd:pull",'
    b' Basic realm="quay.io"',
    b'Bearer realm="http://127.0.0.1:5056/token",service="test-registry",'
    b'scope="repository:ci/tools:pull",error="insufficient_scope"',
    b'Bearer realm="r",error="invalid_token",error_description="The access token expired"',
    b'Basic realm="Registry Realm"',
    b'Bearer realm="r",scope="repository:samalba/my-app:pull,push"',
    b'Basic realm="say \\"hi\\", then go"',
    b'Basic realm="C:\\\\dir\\\\"',
    b'Basic realm="Z\xc3\xbcrich"',
    b"Negotiate abc==",
    b"Negotiate YIIB/+x~_-.",
    b'Negotiate abc= , Basic realm="x"',
    b'NTLM, Basic realm="x"',
    b'BEARER Realm="R",SERVICE="Reg.Example"',
    b"Bearer realm=simple,error=invalid_token",
    b'Bearer  realm = "r" ,  service= "s"  ,scope ="x"',
    b'Bearer\trealm="r",\tservice="s"',
    b'  , Bearer realm="r",, ,service="s" , ',
    b'Basic realm="x"\nBearer realm="r"',
    b'Bearer realm="https://good.example/token",realm="https://evil.example/"',
    b'Basic realm="x", Bearer realm="unterminated,service="s"',
    b'Bearer realm="a" service="b"',
    b'Bearer realm="a\x01b"',
    b"\xff\xfe\x80\x00\x7f",
]

TOKENS = [
    {"token": "eyJhbGciOiJSUzI1NiJ9.e30.c2ln", "expires_in": 300, "issued_at": "2025-05-18T08:42:10Z"},
    {"token": "abc", "access_token": "abc", "expires_in": 60},
    {"access_token": "ghp_token123"},
    {"token": "t", "expires_in": 86400 * 400},
    {"token": "t", "expires_in": -5, "issued_at": "2025-05-18T08:42:10.123456789+02:00"},
    {"token": "t", "issued_at": "2999-01-01T00:00:00Z"},
    {"token": "t", "expires_in": "300"},
    {"token": "has space"},
    {"token": 42},
    {"token": "", "access_token": ""},
    {"token": "t", "issued_at": "now"},
    {"token": "t", "expires_in": 1.5e300, "issued_at": None},
]

DIGEST = "sha256:" + "4b2f4ff4e958f6455e7d5dfc8c2dec0420fcbb4719d67393ae1aeb7d6aff6a71"
DIGEST2 = "sha256:" + "6d9ac9237a84afe1516540f40a0fafdc86859b2141954b4d643af7066d598b74"
OCI_INDEX = "application/vnd.oci.image.index.v1+json"
OCI_MANIFEST = "application/vnd.oci.image.manifest.v1+json"
DOCKER_LIST = "application/vnd.docker.distribution.manifest.list.v2+json"
DOCKER_MANIFEST = "application/vnd.docker.distribution.manifest.v2+json"


def platform_entry(os_, arch, variant=None, media=OCI_MANIFEST, digest=DIGEST):
    entry = {"mediaType": media, "digest": digest, "size": 1234,
             "platform": {"os": os_, "architecture": arch}}
    if variant:
        entry["platform"]["variant"] = variant
    return entry


def image_manifest(media, layer_media):
    return {"schemaVersion": 2, "mediaType": media,
            "config": {"mediaType": "application/vnd.oci.image.config.v1+json", "digest": DIGEST,
                       "size": 581},
            "layers": [{"mediaType": layer_media, "digest": DIGEST2, "size": 3623807}]}


MANIFESTS = [
    (OCI_INDEX, {"schemaVersion": 2, "mediaType": OCI_INDEX, "manifests": [
        platform_entry("linux", "amd64"), platform_entry("linux", "arm64", "v8"),
        platform_entry("linux", "arm", "v7")]}),
    (DOCKER_LIST, {"schemaVersion": 2, "mediaType": DOCKER_LIST, "manifests": [
        platform_entry("linux", "amd64", media=DOCKER_MANIFEST),
        platform_entry("linux", "arm64", media=DOCKER_MANIFEST)]}),
    (OCI_MANIFEST + "; charset=utf-8",
     image_manifest(OCI_MANIFEST, "application/vnd.oci.image.layer.v1.tar+gzip")),
    (DOCKER_MANIFEST, image_manifest(DOCKER_MANIFEST,
                                     "application/vnd.docker.image.rootfs.diff.tar.gzip")),
    ("application/json", image_manifest(DOCKER_MANIFEST, "x")),
    ("", {"schemaVersion": 2, "manifests": [platform_entry("windows", "amd64")]}),
    ("", {"schemaVersion": 2, "config": {"digest": DIGEST, "size": 1}, "layers": []}),
    ("application/vnd.docker.distribution.manifest.v1+prettyjws",
     {"schemaVersion": 1, "name": "x", "tag": "latest", "fsLayers": []}),
    (OCI_INDEX, {"mediaType": DOCKER_LIST, "manifests": []}),
    (OCI_MANIFEST, {"config": {"digest": "sha256:short", "size": -1}}),
]

CONFIGS = [
    {"registries": [{"host": "localhost:5000", "insecure": True},
                    {"host": "registry.example.com", "auth": {"type": "basic", "username": "ci",
                                                              "password_env": "REG_PASSWORD"}},
                    {"host": "ghcr.io", "auth": {"type": "token", "token_env": "GHCR_TOKEN"}}],
     "images": [{"ref": "nixery.dev/shell/awscli2/openstackclient/jq/busybox", "group": "tools",
                 "label": "nixery", "interval": "5m", "deep": True, "timeout": "120s"},
                {"ref": "localhost:5000/ci/tools:1.0", "group": "tools", "label": "self-hosted",
                 "platform": "linux/arm64/v8"}],
     "ci": [{"provider": "github", "repo": "rook/rook", "workflow": "ci.yml", "branch": "main",
             "interval": "15m"},
            {"provider": "gitlab", "project": "group/sub/project",
             "api_url": "https://gitlab.example.com/api/v4", "token_env": "GL_TOKEN"},
            {"provider": "files", "path": "~/logs"}],
     "rules": [{"id": "my-proxy", "category": "connection", "pattern": "proxy said no: (?<host>\\S+)"}],
     "retention": "30d"},
    {"images": [{"ref": "busybox"}, {"ref": "docker.io/library/busybox:latest"}]},
    {"images": [{"ref": "a b"}]},
    {"registries": [{"host": "https://x/"}]},
    {"ci": [{"provider": "github", "repo": "not-owner-repo"}]},
    {"rules": [{"id": "r", "category": "nope", "pattern": "x"}]},
    {"images": [{"ref": "x", "interval": "-1s"}], "unknown": 1},
    {"registries": [{"host": "h", "auth": {"type": "basic", "password": "secret"}}]},
]


def json_seeds():
    clear("auth_challenge")
    for i, header in enumerate(AUTH):
        write("auth_challenge", "%02d" % i, header)
    clear("token_response")
    for i, body in enumerate(TOKENS):
        write("token_response", "%02d" % i, json.dumps(body))
    write("token_response", "not-json", b'{"token": "abc"')
    write("token_response", "array", b'["token"]')
    clear("manifest")
    for i, (content_type, body) in enumerate(MANIFESTS):
        write("manifest", "%02d" % i, content_type + "\n" + json.dumps(body, indent=1))
    clear("config")
    write("config", "default", (ROOT / "resources" / "config" / "default.json").read_bytes())
    for i, config in enumerate(CONFIGS):
        write("config", "%02d" % i, json.dumps(config, indent=2))
    write("config", "comment", b'// a comment\n{"images": [ ]}\n')
    write("config", "duplicate-key", b'{"retention": "1d", "retention": "2d"}')
    write("config", "truncated", b'{"images": [{"ref": "busybox"')


def ci_page_seeds():
    clear("ci_pages")
    host = "127.0.0.1:8080"
    runs = [ciemulator.github_run_json(r, T0, host) for r in ciemulator.GITHUB_RUNS[:3]]
    write("ci_pages", "github-runs", json.dumps({"total_count": len(runs), "workflow_runs": runs}))
    for run in ciemulator.GITHUB_RUNS[1:3] + ciemulator.GITHUB_RUNS[-1:]:
        jobs = [ciemulator.github_job_json(run, job, T0, host) for job in run[7]]
        write("ci_pages", "github-jobs-%d" % run[0], json.dumps({"total_count": len(jobs), "jobs": jobs}))
    pipelines = [ciemulator.gitlab_pipeline_json(p, T0) for p in ciemulator.GITLAB_PIPELINES[:3]]
    write("ci_pages", "gitlab-pipelines", json.dumps(pipelines))
    for pipeline in ciemulator.GITLAB_PIPELINES[1:3]:
        jobs = [ciemulator.gitlab_job_json(pipeline, job, T0) for job in pipeline[4]]
        write("ci_pages", "gitlab-jobs-%d" % pipeline[0], json.dumps(jobs))
    write("ci_pages", "github-empty", b'{"total_count": 0, "workflow_runs": [], "jobs": []}')
    write("ci_pages", "gitlab-empty", b"[]")
    write("ci_pages", "error-body", b'{"message": "Bad credentials", "documentation_url": "x"}')
    write("ci_pages", "string-ids", b'[{"id": "12", "status": "failed", "pipeline": {"id": "9"}}]')
    write("ci_pages", "link-header",
          b'<https://api.github.com/repositories/1/actions/runs?page=2>; rel="next", '
          b'<https://api.github.com/repositories/1/actions/runs?page=5>; rel="last"')
    write("ci_pages", "link-header-gitlab",
          b'<https://gitlab.example.com/api/v4/projects/42/pipelines?page=1&per_page=100>; '
          b'rel="first", <https://gitlab.example.com/api/v4/projects/42/pipelines?page=3>; rel=next')


def http_response_seeds():
    """Responses as registries, token servers and CI APIs send them (framing byte first: the
    read size, and 0x80 for a response to HEAD)."""
    clear("http_response")
    manifest = json.dumps({"schemaVersion": 2, "mediaType":
                           "application/vnd.docker.distribution.manifest.v2+json"}).encode()
    chunked = b"".join(b"%x\r\n%s\r\n" % (len(p), p) for p in (manifest[:20], manifest[20:]))
    responses = {
        "manifest": b"HTTP/1.1 200 OK\r\nContent-Type: application/vnd.docker.distribution."
                    b"manifest.v2+json\r\nDocker-Content-Digest: sha256:" + b"0" * 64 +
                    b"\r\nContent-Length: %d\r\n\r\n" % len(manifest) + manifest,
        "chunked": b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n" + chunked +
                   b"0\r\nX-Trailer: 1\r\n\r\n",
        "challenge": b"HTTP/1.1 401 Unauthorized\r\nWww-Authenticate: Bearer realm=\"https://"
                     b"auth.docker.io/token\",service=\"registry.docker.io\",scope=\"repository:"
                     b"library/busybox:pull\"\r\nContent-Length: 0\r\n\r\n",
        "ratelimit": b"HTTP/1.1 429 Too Many Requests\r\nRateLimit-Limit: 100;w=21600\r\n"
                     b"RateLimit-Remaining: 0;w=21600\r\nRetry-After: 3600\r\nConnection: close"
                     b"\r\n\r\n{\"errors\":[{\"code\":\"TOOMANYREQUESTS\"}]}",
        "redirect": b"HTTP/1.1 307 Temporary Redirect\r\nLocation: https://blobs.example/x?sig=1"
                    b"\r\nContent-Length: 11\r\n\r\nredirecting",
        "continue": b"HTTP/1.1 100 Continue\r\n\r\nHTTP/1.0 204 No Content\r\n\r\n",
        "folded": b"HTTP/1.1 200 OK\r\nX-A: one\r\n\ttwo\r\n\r\nto the close",
    }
    for name, wire in responses.items():
        for framing in (1, 7, 0x80 | 64):
            write("http_response", f"{name}-{framing}", bytes([framing]) + wire)


def csv_seeds():
    clear("csv")
    lines = []
    for path in LOGS:
        lines += [l for l in path.read_text("utf-8", "replace").splitlines() if l.strip()][:3]
    kinds = "tlu"
    for i in range(0, min(len(lines), 24), 3):
        cells = [(kinds[(i + j) % 3] + lines[i + j]).encode("utf-8") for j in range(3)
                 if i + j < len(lines)]
        write("csv", "log-%02d" % i, bytes([200]) + b"\x1f".join(cells))
    write("csv", "quoting", bytes([0]) + "t=SUM(A1)\x1ft\"quoted\", comma\x1ft-1\x1fl@x\x1fu+y\x1e"
          "t\ttab\x1ftline\r\nbreak\x1fe\x1ftnaïve ☃ 😀".encode("utf-8"))
    write("csv", "utf16", bytes([3]) + b"w" + "a\ud800b\udc00😀,\"".encode("utf-16-le", "surrogatepass"))
    write("csv", "numbers", bytes([1]) + b"i\x01\x02\x03\x04\x05\x06\x07\x80\x1fd\x05"
          + b"\x00\x00\x00\x00\x00\x00\xf0\xbf" + b"\x1fm\x00\x5c\x26\x05\x00\x00\x00\x00\x1fe")
    write("csv", "big-cell", bytes([0]) + b"t" + b"x,\"" * 700)


def main():
    log_seeds()
    reference_seeds()
    json_seeds()
    ci_page_seeds()
    csv_seeds()
    http_response_seeds()


if __name__ == "__main__":
    main()
