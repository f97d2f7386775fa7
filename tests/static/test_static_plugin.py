"""The fully static plugin (scripts/build-static.sh): no dynamic loader, no shared library, answers
the protocol, and reaches AWS over verified TLS with the CA store found the way Go finds it
(SSL_CERT_FILE, SSL_CERT_DIR, Go's Linux lists), AWS_CA_BUNDLE winning over all of them.

SGN_STATIC_PLUGIN_BIN chooses the binary (default build-static/plugin/...). When it is missing the
tests skip, or fail with SGN_E2E_STRICT=1. The HTTPS tests need signer-local from a normal build
(SGN_SIGNER_LOCAL_BIN, default build/service/signer-local) behind the fake Signer."""

import json
import os
import pathlib
import shutil
import ssl
import socket
import struct
import subprocess
import sys
import threading

import pytest

REPO = pathlib.Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO))

from tests.aws.fakes import sigv4  # noqa: E402
from tests.aws.fakes.signer import FakeSigner, LocalSigner, signer_local_bin  # noqa: E402
from tests.aws.helpers import (ACCOUNT, PROFILE, PROFILE_ARN, REGION, STATIC_KEYS,  # noqa: E402
                               envelope_of, envelope_request, env_keys)

BIN = os.path.abspath(os.environ.get("SGN_STATIC_PLUGIN_BIN") or
                      REPO / "build-static/plugin/notation-com.amazonaws.signer.notation.plugin")
DYNAMIC_BIN = os.path.abspath(os.environ.get("SGN_PLUGIN_BIN") or
                              REPO / "build/plugin/notation-com.amazonaws.signer.notation.plugin")
STRICT = os.environ.get("SGN_E2E_STRICT") == "1"

PT_DYNAMIC, PT_INTERP = 2, 3


@pytest.fixture(scope="module")
def plugin():
    if not os.access(BIN, os.X_OK):
        msg = f"static plugin {BIN} not found: run scripts/build-static.sh or set SGN_STATIC_PLUGIN_BIN"
        if STRICT:
            pytest.fail(msg)
        pytest.skip(msg)
    return BIN


def run(args, request=None, env=None, cwd=None, timeout=60):
    stdin = json.dumps(request).encode() if request is not None else b""
    return subprocess.run(args, input=stdin, capture_output=True, env=env, cwd=cwd, timeout=timeout)


def program_headers(path):
    """(p_type, ...) of every program header of an ELF64 little-endian file."""
    data = pathlib.Path(path).read_bytes()
    assert data[:4] == b"\x7fELF", "not an ELF file"
    assert data[4] == 2 and data[5] == 1, "not ELF64 little-endian"
    e_type, = struct.unpack_from("<H", data, 16)
    e_phoff, = struct.unpack_from("<Q", data, 32)
    e_phentsize, e_phnum = struct.unpack_from("<HH", data, 54)
    return e_type, [struct.unpack_from("<I", data, e_phoff + i * e_phentsize)[0] for i in range(e_phnum)]


# ---- the executable ------------------------------------------------------------------------------

def test_statically_linked(plugin):
    e_type, types = program_headers(plugin)
    assert e_type == 2, "ET_EXEC expected (a static-pie would carry PT_DYNAMIC)"
    assert PT_INTERP not in types, "has a program interpreter (dynamic loader)"
    assert PT_DYNAMIC not in types, "has a dynamic section (DT_NEEDED, relocations)"


def test_no_build_paths(plugin):
    data = pathlib.Path(plugin).read_bytes()
    paths = {str(REPO)}
    build_tree = pathlib.Path(plugin).resolve().parent.parent   # <build>/plugin/<binary>
    if (build_tree / "CMakeCache.txt").exists():
        paths.add(str(build_tree))
    for p in paths:
        assert p.encode() not in data, f"the binary contains the build path {p}"


def test_runs_without_any_library(plugin, tmp_path):
    """An empty environment and a root with nothing but the binary, as in distroless/static."""
    r = run([plugin, "get-plugin-metadata"], {}, env={}, cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    meta = json.loads(r.stdout)
    assert meta["name"] == "com.amazonaws.signer.notation.plugin"
    assert "SIGNATURE_GENERATOR.ENVELOPE" in meta["capabilities"]
    assert "SIGNATURE_VERIFIER.REVOCATION_CHECK" in meta["capabilities"]
    assert r.stderr == b""


# ---- HTTPS to the fake Signer ----------------------------------------------------------------

def openssl(*args, cwd):
    subprocess.run(["openssl", *args], cwd=cwd, check=True, capture_output=True)


def make_ca(d, name):
    """A CA (d/<name>-ca.pem) and a server certificate for 127.0.0.1 signed by it."""
    openssl("req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes",
            "-keyout", f"{name}-ca.key", "-out", f"{name}-ca.pem", "-days", "2",
            "-subj", f"/CN=sgn static test {name} CA",
            "-addext", "basicConstraints=critical,CA:TRUE",
            "-addext", "keyUsage=critical,keyCertSign,cRLSign", cwd=d)
    openssl("req", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes",
            "-keyout", f"{name}-server.key", "-out", f"{name}-server.csr",
            "-subj", "/CN=127.0.0.1", cwd=d)
    (d / f"{name}-ext.cnf").write_text("subjectAltName=IP:127.0.0.1,DNS:localhost\n"
                                       "extendedKeyUsage=serverAuth\n")
    openssl("x509", "-req", "-in", f"{name}-server.csr", "-CA", f"{name}-ca.pem",
            "-CAkey", f"{name}-ca.key", "-CAcreateserial", "-days", "2",
            "-extfile", f"{name}-ext.cnf", "-out", f"{name}-server.pem", cwd=d)
    return d / f"{name}-ca.pem", d / f"{name}-server.pem", d / f"{name}-server.key"


@pytest.fixture(scope="module")
def pki(tmp_path_factory):
    if shutil.which("openssl") is None:
        pytest.skip("the openssl command is needed to make the test CAs")
    d = tmp_path_factory.mktemp("pki")
    ca, cert, key = make_ca(d, "test")
    other_ca, _, _ = make_ca(d, "other")
    # an SSL_CERT_DIR holding the test CA under its subject-hash name, as c_rehash makes it
    h = subprocess.run(["openssl", "x509", "-hash", "-noout", "-in", str(ca)], check=True,
                       capture_output=True, text=True).stdout.strip()
    (d / "certdir").mkdir()
    shutil.copy(ca, d / "certdir" / f"{h}.0")
    return {"ca": ca, "cert": cert, "key": key, "other_ca": other_ca, "dir": d / "certdir"}


@pytest.fixture(scope="module")
def signer_local_path():
    path = signer_local_bin()
    if not os.access(path, os.X_OK):
        msg = f"signer-local {path} not found: build it (build/) or set SGN_SIGNER_LOCAL_BIN"
        if STRICT:
            pytest.fail(msg)
        pytest.skip(msg)
    return path


@pytest.fixture(scope="module")
def https_signer(tmp_path_factory, pki, signer_local_path):
    keys = sigv4.KeyTable()
    for name, (akid, secret, token) in STATIC_KEYS.items():
        keys.add(akid, secret, token, source=name)
    store = tmp_path_factory.mktemp("signer") / "store"
    local = LocalSigner(store, signer_local_path, REGION, ACCOUNT).init()
    local.profile = local.put_profile(PROFILE)
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.minimum_version = ssl.TLSVersion.TLSv1_2
    ctx.load_cert_chain(pki["cert"], pki["key"])
    with FakeSigner(keys, local, REGION, tls=ctx) as f:
        assert f.url.startswith("https://127.0.0.1:")
        yield f


@pytest.fixture(params=["static", "dynamic"])
def tls_plugin(request, plugin):
    """The CA store rules are library code shared by both builds: check the dynamic one too when
    it is there (SGN_PLUGIN_BIN, default build/plugin/...)."""
    if request.param == "static":
        return plugin
    if not os.access(DYNAMIC_BIN, os.X_OK):
        pytest.skip(f"dynamic plugin {DYNAMIC_BIN} not built")
    return DYNAMIC_BIN


def generate(plugin, signer, tmp_path, extra_env):
    home = tmp_path / "home"
    home.mkdir(exist_ok=True)
    env = {"PATH": "/usr/bin:/bin", "HOME": str(home), "LANG": "C",
           "AWS_CONFIG_FILE": str(tmp_path / "no-config"),
           "AWS_SHARED_CREDENTIALS_FILE": str(tmp_path / "no-credentials"),
           "AWS_EC2_METADATA_DISABLED": "true", **env_keys("env")}
    env.update({k: v for k, v in extra_env.items() if v is not None})
    config = {"aws-region": REGION, "aws-signer-endpoint-url": signer.url,
              "aws-timeout-ms": "5000"}
    return run([plugin, "generate-envelope"], envelope_request(PROFILE_ARN, config=config),
               env=env, cwd=home)


def assert_signed(r, signer):
    assert r.returncode == 0, r.stderr.decode(errors="replace")
    env = envelope_of(json.loads(r.stdout))
    assert env.profile_version_arn.startswith(PROFILE_ARN + "/")
    assert signer.seen("SignPayload")[-1].auth_ok is True


def assert_tls_refused(r):
    assert r.returncode == 1, (r.returncode, r.stdout, r.stderr)
    err = json.loads(r.stderr)
    assert err["errorCode"] == "ERROR", err
    assert "certificate" in err["errorMessage"].lower(), err


def test_https_with_ssl_cert_file(tls_plugin, https_signer, pki, tmp_path):
    r = generate(tls_plugin, https_signer, tmp_path, {"SSL_CERT_FILE": str(pki["ca"])})
    assert_signed(r, https_signer)


def test_https_with_ssl_cert_dir(tls_plugin, https_signer, pki, tmp_path):
    r = generate(tls_plugin, https_signer, tmp_path,
                 {"SSL_CERT_FILE": str(tmp_path / "none.pem"), "SSL_CERT_DIR": f"/nonexistent:{pki['dir']}"})
    assert_signed(r, https_signer)


def test_https_system_store_refuses_the_test_ca(tls_plugin, https_signer, tmp_path):
    """Without SSL_CERT_FILE the host's store is used, which does not know the test CA."""
    assert_tls_refused(generate(tls_plugin, https_signer, tmp_path, {}))


def test_https_other_ca_refused(tls_plugin, https_signer, pki, tmp_path):
    assert_tls_refused(generate(tls_plugin, https_signer, tmp_path, {"SSL_CERT_FILE": str(pki["other_ca"])}))


def test_aws_ca_bundle_wins_over_ssl_cert_file(tls_plugin, https_signer, pki, tmp_path):
    r = generate(tls_plugin, https_signer, tmp_path,
                 {"AWS_CA_BUNDLE": str(pki["ca"]), "SSL_CERT_FILE": str(pki["other_ca"])})
    assert_signed(r, https_signer)
    r = generate(tls_plugin, https_signer, tmp_path,
                 {"AWS_CA_BUNDLE": str(pki["other_ca"]), "SSL_CERT_FILE": str(pki["ca"]),
                  "SSL_CERT_DIR": str(pki["dir"])})
    assert_tls_refused(r)


def test_profile_ca_bundle_wins_over_ssl_cert_file(tls_plugin, https_signer, pki, tmp_path):
    cfg = tmp_path / "config"
    cfg.write_text(f"[default]\nca_bundle = {pki['ca']}\n")
    r = generate(tls_plugin, https_signer, tmp_path,
                 {"AWS_CONFIG_FILE": str(cfg), "SSL_CERT_FILE": str(pki["other_ca"])})
    assert_signed(r, https_signer)


# ---- an https:// proxy is verified against the same store ----------------------------------

class TlsConnectProxy:
    """A minimal HTTPS proxy on loopback: TLS to the proxy, then CONNECT host:port tunnels."""

    def __init__(self, ctx):
        self.ctx, self.connects = ctx, []
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(16)
        self.port = self.sock.getsockname()[1]
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self):
        while True:
            try:
                raw, _ = self.sock.accept()
            except OSError:
                return
            threading.Thread(target=self._serve, args=(raw,), daemon=True).start()

    def _serve(self, raw):
        try:
            conn = self.ctx.wrap_socket(raw, server_side=True)
        except (OSError, ssl.SSLError):
            raw.close()
            return
        try:
            head = b""
            while b"\r\n\r\n" not in head:
                chunk = conn.recv(4096)
                if not chunk:
                    return
                head += chunk
            target = head.split(b" ")[1].decode()
            self.connects.append(target)
            host, port = target.rsplit(":", 1)
            up = socket.create_connection((host, int(port)))
            conn.sendall(b"HTTP/1.1 200 Connection established\r\n\r\n")
            threading.Thread(target=self._pipe, args=(up, conn), daemon=True).start()
            self._pipe(conn, up)
        except OSError:
            pass
        finally:
            conn.close()

    @staticmethod
    def _pipe(src, dst):
        try:
            while True:
                data = src.recv(65536)
                if not data:
                    break
                dst.sendall(data)
        except OSError:
            pass
        finally:
            try:
                dst.shutdown(socket.SHUT_WR)
            except OSError:
                pass

    def close(self):
        self.sock.close()


@pytest.fixture(scope="module")
def https_proxy(pki):
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(pki["cert"], pki["key"])
    p = TlsConnectProxy(ctx)
    yield p
    p.close()


@pytest.mark.parametrize("ca_var", ["SSL_CERT_FILE", "AWS_CA_BUNDLE"])
def test_https_proxy_verified_with_the_same_store(tls_plugin, https_signer, https_proxy, pki,
                                                  tmp_path, ca_var):
    proxy = f"https://127.0.0.1:{https_proxy.port}"
    before = len(https_proxy.connects)
    r = generate(tls_plugin, https_signer, tmp_path, {ca_var: str(pki["ca"]), "HTTPS_PROXY": proxy})
    assert_signed(r, https_signer)
    assert https_proxy.connects[before:] == [f"127.0.0.1:{https_signer.port}"]
    # a store that does not know the proxy's CA: refused at the proxy
    r = generate(tls_plugin, https_signer, tmp_path,
                 {ca_var: str(pki["other_ca"]), "HTTPS_PROXY": proxy})
    assert r.returncode == 1, r.stdout


# ---- a distroless/static-like root: the binary, a CA bundle, nothing else -------------------

@pytest.fixture
def bare_root(tmp_path, plugin):
    if os.geteuid() != 0 or shutil.which("chroot") is None:
        pytest.skip("needs root and chroot")
    root = tmp_path / "root"
    (root / "bin").mkdir(parents=True)
    (root / "tmp").mkdir()
    shutil.copy(plugin, root / "bin" / "plugin")
    return root


def in_root(root, args, request, env):
    return run([shutil.which("chroot"), str(root), *args], request, env=env)


def test_bare_root_metadata(bare_root):
    r = in_root(bare_root, ["/bin/plugin", "get-plugin-metadata"], {}, env={})
    assert r.returncode == 0, r.stderr
    assert json.loads(r.stdout)["name"] == "com.amazonaws.signer.notation.plugin"


@pytest.mark.parametrize("bundle", ["/etc/ssl/certs/ca-certificates.crt", "/etc/ssl/cert.pem",
                                    "/etc/pki/tls/certs/ca-bundle.crt"])
def test_bare_root_finds_the_system_bundle(bare_root, https_signer, pki, bundle):
    """Without SSL_CERT_FILE, the CA bundle is found where Go looks (Debian/distroless, Alpine,
    Fedora places); without any bundle, TLS fails."""
    env = {"HOME": "/tmp", "AWS_EC2_METADATA_DISABLED": "true", **env_keys("env")}
    config = {"aws-region": REGION, "aws-signer-endpoint-url": https_signer.url,
              "aws-timeout-ms": "5000"}
    req = envelope_request(PROFILE_ARN, config=config)
    assert_tls_refused(in_root(bare_root, ["/bin/plugin", "generate-envelope"], req, env))
    target = bare_root / bundle.lstrip("/")
    target.parent.mkdir(parents=True, exist_ok=True)
    shutil.copy(pki["ca"], target)
    assert_signed(in_root(bare_root, ["/bin/plugin", "generate-envelope"], req, env), https_signer)
