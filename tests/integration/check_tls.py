#!/usr/bin/env python3
"""TLS as users meet it: Debian's real docker-registry over HTTPS on 127.0.0.1, with server
certificates from a throwaway CA made by openssl (one valid, one expired), then over plain HTTP.

- "insecure": false without the CA: tls, "x509: certificate signed by unknown authority";
- "insecure": false with "ca_file": ok, with the digest the registry serves;
- the expired certificate, CA given: tls, "x509: certificate has expired";
- no registry entry (a loopback registry: docker's default insecure range): ok over HTTPS with
  the certificate unchecked, as docker pulls; with a ca_file the certificate is checked;
- "insecure": true against the HTTPS port: no ok (plain HTTP to a TLS server);
- the same registry over plain HTTP: ok with no entry (HTTPS first, plain HTTP after), tls with
  "insecure": false (HTTPS only);
- a plain HTTP server that never answers a ClientHello: ok through the fallback after the
  2 s handshake bound, well inside the probe's timeout;
- a missing or non-PEM ca_file: one line with file:line:col, exit 2.

usage: check_tls.py PULLWATCH WORKDIR
"""
import json
import os
import shutil
import subprocess
import sys
import time

sys.dont_write_bytecode = True
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import regtest  # noqa: E402
from faultserver import FaultServer  # noqa: E402

failures = []


def check(cond, what):
    if not cond:
        failures.append(what)
        print("FAIL " + what)
    return cond


def openssl(*args, cwd):
    p = subprocess.run(["openssl", *args], cwd=cwd, capture_output=True, text=True, timeout=60)
    if p.returncode != 0:
        raise RuntimeError(f"openssl {' '.join(args)}: {p.stderr}")


def make_certificates(work):
    """ca.pem, server.pem (valid for 2 days) and expired.pem (2020), both for 127.0.0.1."""
    ec = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"]
    openssl("req", "-x509", *ec, "-keyout", "ca.key", "-out", "ca.pem", "-days", "2",
            "-subj", "/CN=pullwatch throwaway test CA", cwd=work)
    openssl("req", *ec, "-keyout", "server.key", "-out", "server.csr", "-subj", "/CN=127.0.0.1",
            cwd=work)
    with open(os.path.join(work, "ext.cnf"), "w") as f:
        f.write("subjectAltName=IP:127.0.0.1,DNS:localhost\n")
    openssl("x509", "-req", "-in", "server.csr", "-CA", "ca.pem", "-CAkey", "ca.key",
            "-CAcreateserial", "-out", "server.pem", "-days", "2", "-extfile", "ext.cnf", cwd=work)
    # `openssl x509` cannot date a certificate in the past; `openssl ca` can.
    for name, text in (("index.txt", ""), ("serial", "1000\n")):
        with open(os.path.join(work, name), "w") as f:
            f.write(text)
    with open(os.path.join(work, "ca.cnf"), "w") as f:
        f.write(f"[ca]\ndefault_ca = test\n[test]\ndatabase = {work}/index.txt\n"
                f"new_certs_dir = {work}\nserial = {work}/serial\ndefault_md = sha256\n"
                "policy = any\n[any]\ncommonName = supplied\n")
    openssl("ca", "-batch", "-config", "ca.cnf", "-cert", "ca.pem", "-keyfile", "ca.key",
            "-in", "server.csr", "-out", "expired.pem", "-startdate", "20200101000000Z",
            "-enddate", "20200102000000Z", "-extfile", "ext.cnf", cwd=work)
    with open(os.path.join(work, "not-a-certificate.pem"), "w") as f:
        f.write("-----BEGIN CERTIFICATE-----\nbm90IGEgY2VydGlmaWNhdGU=\n-----END CERTIFICATE-----\n")


class Pullwatch:
    def __init__(self, exe, work):
        self.exe, self.work = exe, work
        self.env = {k: v for k, v in os.environ.items() if "proxy" not in k.lower()}
        for var in ("HOME", "XDG_CONFIG_HOME", "XDG_DATA_HOME", "DOCKER_CONFIG"):
            self.env[var] = work
        self.configs = 0

    def probe(self, ref, registries=None, timeout=10):
        """(exit code, the JSON line or {}, stderr, seconds) for one probe."""
        args = ["probe", "--no-store", "--timeout", str(timeout)]
        if registries is not None:
            self.configs += 1
            cfg = os.path.join(self.work, f"config-{self.configs}.json")
            with open(cfg, "w") as f:
                json.dump({"registries": registries}, f, indent=1)
            args += ["--config", cfg]
        start = time.monotonic()
        p = subprocess.run([self.exe, *args, ref], capture_output=True, text=True, env=self.env,
                           timeout=timeout + 30)
        took = time.monotonic() - start
        try:
            line = json.loads(p.stdout.strip().splitlines()[-1])
        except (ValueError, IndexError):
            line = {}
        return p.returncode, line, p.stderr, took


def check_https(pw, work, reg, ref, digest):
    host = reg.host
    ca = os.path.join(work, "ca.pem")
    rc, line, err, _ = pw.probe(ref, [{"host": host, "insecure": False}])
    check(rc == 1 and line.get("category") == "tls" and
          "x509: certificate signed by unknown authority" in line.get("message", ""),
          f"https, no CA: tls with the x509 reason: exit {rc}, {line}, {err}")
    rc, line, err, _ = pw.probe(ref, [{"host": host, "insecure": False, "ca_file": ca}])
    check(rc == 0 and line.get("outcome") == "ok" and line.get("digest") == digest,
          f"https with ca_file: ok with digest {digest}: exit {rc}, {line}, {err}")
    # ca_file relative to the config file (pw writes configs into work, beside ca.pem).
    rc, line, err, _ = pw.probe(ref, [{"host": host, "insecure": False, "ca_file": "ca.pem"}])
    check(rc == 0 and line.get("outcome") == "ok", f"https, relative ca_file: {rc}, {line}, {err}")
    rc, line, err, _ = pw.probe(ref)
    check(rc == 0 and line.get("outcome") == "ok" and line.get("digest") == digest,
          f"https, no entry (loopback, unchecked like docker): ok: exit {rc}, {line}, {err}")
    rc, line, err, _ = pw.probe(ref, [{"host": host, "ca_file": ca}])
    check(rc == 0 and line.get("outcome") == "ok",
          f"https, no insecure key, ca_file: ok: exit {rc}, {line}, {err}")
    rc, line, err, _ = pw.probe(ref, [{"host": host, "insecure": True}])
    check(rc == 1 and line.get("outcome") == "fail",
          f"\"insecure\": true against HTTPS: a failure: exit {rc}, {line}, {err}")


def check_expired(pw, work, reg, ref):
    host = reg.host
    ca = os.path.join(work, "ca.pem")
    for registries, what in (([{"host": host, "insecure": False, "ca_file": ca}], "https only"),
                             ([{"host": host, "ca_file": ca}], "no insecure key")):
        rc, line, err, _ = pw.probe(ref, registries)
        check(rc == 1 and line.get("category") == "tls" and
              "x509: certificate has expired" in line.get("message", ""),
              f"expired certificate ({what}, CA given): tls, expired: exit {rc}, {line}, {err}")


def check_plain(pw, reg, ref, digest):
    rc, line, err, took = pw.probe(ref)
    check(rc == 0 and line.get("outcome") == "ok" and line.get("digest") == digest,
          f"plain HTTP, no entry: ok through the fallback: exit {rc}, {line}, {err}")
    check(took < 2, f"plain HTTP, no entry: {took:.1f} s (the registry answers a ClientHello)")
    rc, line, err, _ = pw.probe(ref, [{"host": reg.host, "insecure": False}])
    check(rc == 1 and line.get("category") == "tls",
          f"plain HTTP, \"insecure\": false: tls (HTTPS only): exit {rc}, {line}, {err}")


def check_silent_server(pw):
    with FaultServer(silent_on_tls=True) as fs:
        ref = f"127.0.0.1:{fs.port}/ok/plain:latest"
        rc, line, err, took = pw.probe(ref, timeout=20)
        check(rc == 0 and line.get("outcome") == "ok",
              f"silent on ClientHello: ok through the fallback: exit {rc}, {line}, {err}")
        check(1.5 < took < 6, f"silent on ClientHello: {took:.1f} s, want about the 2 s bound")


def check_config_errors(pw, work):
    for ca_file, fragment in (("missing.pem", "no such file"),
                              ("not-a-certificate.pem", "no PEM certificate")):
        cfg = os.path.join(work, f"bad-{ca_file}.json")
        with open(cfg, "w") as f:
            f.write('{"registries": [\n  {"host": "127.0.0.1:1", "ca_file": "%s"}]}\n' % ca_file)
        p = subprocess.run([pw.exe, "probe", "--no-store", "--config", cfg, "127.0.0.1:1/x"],
                           capture_output=True, text=True, env=pw.env, timeout=30)
        check(p.returncode == 2 and p.stderr.count("\n") == 1 and
              f"{cfg}:2:38: " in p.stderr and fragment in p.stderr and p.stdout == "",
              f"ca_file {ca_file}: one line with file:line:col, exit 2: {p.returncode} "
              f"{p.stderr!r}")


def main():
    exe, work = sys.argv[1], os.path.abspath(sys.argv[2])
    shutil.rmtree(work, ignore_errors=True)
    os.makedirs(work)
    make_certificates(work)
    pw = Pullwatch(exe, work)
    reg = regtest.Registry("anonymous", os.path.join(work, "registry"))
    try:
        reg.start()  # plain HTTP first: the fixtures push over it
        image = reg.push_image("ci/tool", "1")
        ref, digest = f"{reg.host}/ci/tool:1", image["digest"]
        check_plain(pw, reg, ref, digest)
        reg.stop()
        reg.tls = (os.path.join(work, "server.pem"), os.path.join(work, "server.key"))
        reg.start()
        check_https(pw, work, reg, f"{reg.host}/ci/tool:1", digest)
        reg.stop()
        reg.tls = (os.path.join(work, "expired.pem"), os.path.join(work, "server.key"))
        reg.start()
        check_expired(pw, work, reg, f"{reg.host}/ci/tool:1")
    finally:
        reg.stop()
    check_silent_server(pw)
    check_config_errors(pw, work)
    if failures:
        print(f"{len(failures)} failure(s)")
        return 1
    print("ok")
    return 0


if __name__ == "__main__":
    sys.exit(main())
