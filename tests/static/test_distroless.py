"""The static plugin in a root filesystem like gcr.io/distroless/static:nonroot, as uid 65532, with
the root mounted read-only (Kubernetes' readOnlyRootFilesystem, a Ratify or kyverno-notation-aws
pod).

The root holds only what distroless/static gives a program, plus the plugin:

  /plugins/com.amazonaws.signer.notation.plugin/notation-com.amazonaws.signer.notation.plugin
  /etc/ssl/certs/ca-certificates.crt   ONLY the test CA of the loopback HTTPS fake Signer
  /etc/passwd, /etc/group              root, nobody, nonroot:x:65532:65532
  /etc/hosts                           localhost, and signer.distroless.test -> 127.0.0.1
  /etc/resolv.conf                     a nameserver in TEST-NET-1 (never answers)
  /home/nonroot (65532, 0700), /tmp (1777), /store (an empty mount point)

Each command runs as root through `unshare --mount` (a private mount namespace; the network is
NOT unshared, so the chroot shares the host's loopback), which binds ROOT onto itself and remounts
it read-only (`mount --bind ROOT ROOT`, `mount -o remount,ro,bind ROOT`), optionally binds a
signer-local store read-only onto ROOT/store, then runs a small Python helper that chroots into
ROOT, drops to uid/gid 65532 with no supplementary groups (setgroups, setresgid, setresuid: what
`setpriv --reuid 65532 --regid 65532 --clear-groups` does, but after the chroot, which needs root)
and execs the plugin with an environment of our choosing: HOME=/home/nonroot, distroless's PATH,
and never SSL_CERT_FILE or SSL_CERT_DIR, so the plugin must find the bundle on its own.

test_sandbox_is_distroless_nonroot_read_only checks the harness: ids 65532, no groups, only those
files, EROFS on every write (/, /tmp, the home, /store). What runs in there:
  - get-plugin-metadata with an empty environment;
  - generate-envelope through the AWS backend over HTTPS to the fake Signer at
    https://signer.distroless.test:PORT (the name exists only in the root's /etc/hosts; the
    server certificate names only it and chains to the test CA in the root's bundle), static
    credentials in the environment;
  - the same root with another CA in its bundle: the handshake is refused (no other store);
  - verify-signature with TRUSTED_IDENTITY only (empty environment, no call, no credentials);
  - verify-signature with REVOCATION_CHECK over the same HTTPS path, before and after the job is
    revoked in the signer-local store behind the fake Signer;
  - verify-signature with pluginConfig local-store=/store against a signer-local store (made
    outside with the normal build's signer-local, one of two signatures revoked) bind-mounted
    read-only: both answers right, and the store byte for byte unchanged.

Needs root, `unshare --mount` and `mount`; skipped otherwise, or failed with SGN_E2E_STRICT=1.
Binaries: SGN_STATIC_PLUGIN_BIN (default build-static/plugin/...), SGN_SIGNER_LOCAL_BIN (default
build/service/signer-local) behind the fake Signer and for the local store."""

import base64
import hashlib
import json
import os
import pathlib
import shutil
import ssl
import subprocess
import sys

import pytest

REPO = pathlib.Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO))

from tests.aws.fakes import sigv4  # noqa: E402
from tests.aws.fakes.signer import FakeSigner, LocalSigner, signer_local_bin  # noqa: E402
from tests.aws.helpers import (ACCOUNT, PROFILE, PROFILE_ARN, REGION, RC, STATIC_KEYS, TI,  # noqa: E402
                               envelope_of, envelope_request, env_keys, parse_envelope,
                               verify_request)

BIN = os.path.abspath(os.environ.get("SGN_STATIC_PLUGIN_BIN") or
                      REPO / "build-static/plugin/notation-com.amazonaws.signer.notation.plugin")
STRICT = os.environ.get("SGN_E2E_STRICT") == "1"

NONROOT = 65532
HOSTNAME = "signer.distroless.test"
PLUGIN_IN_ROOT = ("/plugins/com.amazonaws.signer.notation.plugin/"
                  "notation-com.amazonaws.signer.notation.plugin")
BUNDLE_IN_ROOT = "/etc/ssl/certs/ca-certificates.crt"
# distroless/static's PATH; no SSL_CERT_FILE / SSL_CERT_DIR on purpose.
BASE_ENV = {"PATH": "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
            "HOME": "/home/nonroot"}
HOST_PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"

PAYLOAD_FORMAT = "application/vnd.cncf.notary.payload.v1+json"


def need(msg):
    if STRICT:
        pytest.fail(msg)
    pytest.skip(msg)


# ---- the sandbox ---------------------------------------------------------------------------

# Mounts in the private namespace, then exec the helper. $1 root, $2 store source ("" for none).
MOUNT_SCRIPT = r'''
root=$1 store=$2; shift 2
mount --bind "$root" "$root"
mount -o remount,ro,bind "$root"
if [ -n "$store" ]; then
    mount --bind "$store" "$root/store"
    mount -o remount,ro,bind "$root/store"
fi
exec "$@"
'''

# chroot, drop to 65532:65532 with no supplementary groups, exec argv[3:] with the JSON env argv[2].
# "--probe" instead of a program reports what the process is and may do, for test_sandbox.
DROP_HELPER = r'''
import errno, json, os, sys
root, env, argv = sys.argv[1], json.loads(sys.argv[2]), sys.argv[3:]
os.chroot(root)
os.chdir("/")
os.setgroups([])
os.setresgid(65532, 65532, 65532)
os.setresuid(65532, 65532, 65532)
if argv[0] != "--probe":
    os.execve(argv[0], argv, env)
def attempt(path):
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except OSError as e:
        return errno.errorcode[e.errno]
    os.close(fd)
    os.unlink(path)
    return "written"
print(json.dumps({
    "ids": [os.getuid(), os.geteuid(), os.getgid(), os.getegid()], "groups": os.getgroups(),
    "root": sorted(os.listdir("/")), "store": sorted(os.listdir("/store")),
    "write": {p: attempt(p) for p in ("/x", "/tmp/x", "/home/nonroot/x", "/store/x",
                                     "/store/signer.db-wal")},
}))
'''


def _unshare_works():
    if os.geteuid() != 0:
        return "needs root (a private mount namespace, chroot, and uid 65532)"
    for tool in ("unshare", "mount"):
        if shutil.which(tool) is None:
            return f"needs {tool} (util-linux)"
    try:
        p = subprocess.run(["unshare", "--mount", "true"], capture_output=True, timeout=30)
    except OSError as e:
        return f"unshare --mount failed: {e}"
    if p.returncode != 0:
        return f"unshare --mount is not permitted here: {p.stderr.decode(errors='replace').strip()}"
    return None


class Rootfs:
    """A distroless/static:nonroot-like root in `path`; run() executes in it as described above."""

    def __init__(self, path, plugin, ca_pem):
        self.path = pathlib.Path(path)
        self.store_src = None          # a directory bind-mounted read-only onto /store
        p = self.path
        for d in ("etc/ssl/certs", "home/nonroot", "tmp", "store",
                  os.path.dirname(PLUGIN_IN_ROOT).lstrip("/")):
            (p / d).mkdir(parents=True, exist_ok=True)
        shutil.copyfile(plugin, p / PLUGIN_IN_ROOT.lstrip("/"))
        os.chmod(p / PLUGIN_IN_ROOT.lstrip("/"), 0o755)
        shutil.copyfile(ca_pem, p / BUNDLE_IN_ROOT.lstrip("/"))
        (p / "etc/passwd").write_text(
            "root:x:0:0:root:/root:/sbin/nologin\n"
            "nobody:x:65534:65534:nobody:/nonexistent:/sbin/nologin\n"
            "nonroot:x:65532:65532:nonroot:/home/nonroot:/sbin/nologin\n")
        (p / "etc/group").write_text("root:x:0:\nnobody:x:65534:\ntty:x:5:\nstaff:x:50:\n"
                                     "nonroot:x:65532:\n")
        (p / "etc/hosts").write_text("127.0.0.1\tlocalhost\n::1\tlocalhost ip6-localhost ip6-loopback\n"
                                     f"127.0.0.1\t{HOSTNAME}\n")
        # A nameserver that never answers: a name missing from /etc/hosts fails, it is never
        # resolved some other way.
        (p / "etc/resolv.conf").write_text("nameserver 192.0.2.53\noptions timeout:1 attempts:1\n")
        for dirpath, dirnames, filenames in os.walk(p):
            os.chmod(dirpath, 0o755)
            for f in filenames:
                if not os.path.join(dirpath, f).endswith(PLUGIN_IN_ROOT):
                    os.chmod(os.path.join(dirpath, f), 0o644)
        os.chmod(p / "tmp", 0o1777)
        os.chown(p / "home/nonroot", NONROOT, NONROOT)
        os.chmod(p / "home/nonroot", 0o700)

    def files(self):
        return sorted(str(f.relative_to(self.path)) for f in self.path.rglob("*") if f.is_file())

    def run(self, argv, request=None, env=None, timeout=60):
        stdin = json.dumps(request).encode() if request is not None else b""
        cmd = ["unshare", "--mount", "sh", "-euc", MOUNT_SCRIPT, "sh", str(self.path),
               str(self.store_src or ""), sys.executable, "-I", "-c", DROP_HELPER, str(self.path),
               json.dumps(env if env is not None else {}), *argv]
        return subprocess.run(cmd, input=stdin, capture_output=True, timeout=timeout,
                              env={"PATH": HOST_PATH, "LANG": "C"}, cwd="/")

    def plugin(self, command, request, env=None):
        return self.run([PLUGIN_IN_ROOT, command], request, env)


def ok(r):
    """A successful plugin answer: exit 0, empty stderr, one JSON value on stdout."""
    assert r.returncode == 0, (r.returncode, r.stdout, r.stderr.decode(errors="replace"))
    assert r.stderr == b"", r.stderr
    return json.loads(r.stdout)


# ---- fixtures --------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def plugin():
    if not os.access(BIN, os.X_OK):
        need(f"static plugin {BIN} not found: run scripts/build-static.sh or set SGN_STATIC_PLUGIN_BIN")
    why = _unshare_works()
    if why:
        need(why)
    return BIN


@pytest.fixture(scope="module")
def signer_local_path():
    path = signer_local_bin()
    if not os.access(path, os.X_OK):
        need(f"signer-local {path} not found: build it (build/) or set SGN_SIGNER_LOCAL_BIN")
    return path


def openssl(*args, cwd):
    subprocess.run(["openssl", *args], cwd=cwd, check=True, capture_output=True)


@pytest.fixture(scope="module")
def pki(tmp_path_factory):
    """A test CA and a server certificate for HOSTNAME only (no IP address, no localhost)."""
    if shutil.which("openssl") is None:
        need("the openssl command is needed to make the test CA")
    d = tmp_path_factory.mktemp("pki")
    openssl("req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes",
            "-keyout", "ca.key", "-out", "ca.pem", "-days", "2",
            "-subj", "/CN=sgn distroless test CA",
            "-addext", "basicConstraints=critical,CA:TRUE",
            "-addext", "keyUsage=critical,keyCertSign,cRLSign", cwd=d)
    openssl("req", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes",
            "-keyout", "server.key", "-out", "server.csr", "-subj", f"/CN={HOSTNAME}", cwd=d)
    (d / "ext.cnf").write_text(f"subjectAltName=DNS:{HOSTNAME}\nextendedKeyUsage=serverAuth\n")
    openssl("x509", "-req", "-in", "server.csr", "-CA", "ca.pem", "-CAkey", "ca.key",
            "-CAcreateserial", "-days", "2", "-extfile", "ext.cnf", "-out", "server.pem", cwd=d)
    openssl("req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes",
            "-keyout", "other.key", "-out", "other.pem", "-days", "2",
            "-subj", "/CN=sgn distroless other CA", cwd=d)
    return {"ca": d / "ca.pem", "cert": d / "server.pem", "key": d / "server.key",
            "other_ca": d / "other.pem"}


@pytest.fixture(scope="module")
def rootfs(tmp_path_factory, plugin, pki):
    return Rootfs(tmp_path_factory.mktemp("distroless") / "root", plugin, pki["ca"])


@pytest.fixture(scope="module")
def https_signer(tmp_path_factory, pki, signer_local_path):
    """The fake Signer over HTTPS on 127.0.0.1, answering from a real signer-local store; the
    SNI names clients sent are recorded in .sni."""
    keys = sigv4.KeyTable()
    for name, (akid, secret, token) in STATIC_KEYS.items():
        keys.add(akid, secret, token, source=name)
    store = tmp_path_factory.mktemp("signer") / "store"
    local = LocalSigner(store, signer_local_path, REGION, ACCOUNT).init()
    local.profile = local.put_profile(PROFILE)
    sni = []
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.minimum_version = ssl.TLSVersion.TLSv1_2
    ctx.load_cert_chain(pki["cert"], pki["key"])
    ctx.sni_callback = lambda sock, name, c: sni.append(name) and None
    with FakeSigner(keys, local, REGION, tls=ctx) as f:
        f.local, f.sni = local, sni
        f.endpoint = f"https://{HOSTNAME}:{f.port}"
        yield f


def aws_config(signer):
    return {"aws-region": REGION, "aws-signer-endpoint-url": signer.endpoint,
            "aws-timeout-ms": "10000"}


AWS_ENV = {**BASE_ENV, **env_keys("env")}


@pytest.fixture(scope="module")
def aws_envelopes(rootfs, https_signer):
    """Two signatures made in the root through the AWS backend over HTTPS."""
    out = []
    for _ in range(2):
        r = rootfs.plugin("generate-envelope", envelope_request(PROFILE_ARN, config=aws_config(https_signer)),
                          AWS_ENV)
        out.append((ok(r), r))
    return out


def _tree_digest(path):
    digest = {}
    for f in sorted(pathlib.Path(path).rglob("*")):
        st = f.lstat()
        digest[str(f.relative_to(path))] = (st.st_mode, st.st_mtime_ns,
                                            hashlib.sha256(f.read_bytes()).hexdigest() if f.is_file() else None)
    return digest


@pytest.fixture(scope="module")
def local_store(tmp_path_factory, signer_local_path):
    """A signer-local store made outside with the normal build's signer-local: a profile, two
    signatures, the first revoked. World-readable and owned by root (as a mounted volume would
    be); 65532 could not write it even without the read-only mount."""
    src = tmp_path_factory.mktemp("local") / "store"
    local = LocalSigner(src, signer_local_path)
    profile = local.put_profile("DistrolessProfile")
    payload = base64.b64encode(json.dumps({"targetArtifact": {
        "mediaType": "application/vnd.oci.image.manifest.v1+json",
        "digest": "sha256:" + "5b" * 32, "size": 99}}).encode()).decode()
    envs = [parse_envelope(base64.b64decode(local.sign_payload("DistrolessProfile", payload,
                                                              PAYLOAD_FORMAT)["signature"]))
            for _ in range(2)]
    local.revoke_signature(envs[0].job_id, "compromised build")
    assert sorted(os.listdir(src)) == ["keys", "signer.db"], os.listdir(src)   # checkpointed
    for dirpath, dirnames, filenames in os.walk(src):
        os.chmod(dirpath, 0o755)
        for f in filenames:
            os.chmod(os.path.join(dirpath, f), 0o644)
    return {"src": src, "profile": profile, "revoked": envs[0], "kept": envs[1]}


# ---- the tests -------------------------------------------------------------------------------

def test_sandbox_is_distroless_nonroot_read_only(rootfs, local_store):
    """The harness itself: uid/gid 65532 and no groups, nothing but the distroless files at /,
    and no path writable (EROFS everywhere, even /tmp and 65532's own home)."""
    rootfs.store_src = local_store["src"]
    try:
        r = rootfs.run(["--probe"])
    finally:
        rootfs.store_src = None
    assert r.returncode == 0, r.stderr.decode(errors="replace")
    probe = json.loads(r.stdout)
    assert probe["ids"] == [NONROOT] * 4 and probe["groups"] == [], probe
    assert probe["root"] == ["etc", "home", "plugins", "store", "tmp"], probe
    assert probe["store"] == ["keys", "signer.db"], probe
    assert set(probe["write"].values()) == {"EROFS"}, probe
    assert rootfs.files() == sorted(["etc/group", "etc/hosts", "etc/passwd", "etc/resolv.conf",
                                     "etc/ssl/certs/ca-certificates.crt",
                                     PLUGIN_IN_ROOT.lstrip("/")])


def test_metadata(rootfs):
    meta = ok(rootfs.plugin("get-plugin-metadata", {}, env={}))
    assert meta["name"] == "com.amazonaws.signer.notation.plugin"
    assert "SIGNATURE_GENERATOR.ENVELOPE" in meta["capabilities"]
    assert "SIGNATURE_VERIFIER.REVOCATION_CHECK" in meta["capabilities"]


def test_generate_envelope_over_https(https_signer, aws_envelopes):
    """SignPayload reached the fake by the name from the root's /etc/hosts (SNI and Host), over
    TLS verified with the root's bundle alone, signed with the environment's static keys."""
    for resp, _ in aws_envelopes:
        env = envelope_of(resp)
        assert env.profile_version_arn == https_signer.local.profile["profileVersionArn"]
    seen = https_signer.seen("SignPayload")
    assert len(seen) >= 2
    for rec in seen[-2:]:
        assert rec.auth_ok is True and rec.access_key == STATIC_KEYS["env"][0]
        assert rec.header("Host") == f"{HOSTNAME}:{https_signer.port}"
    assert HOSTNAME in https_signer.sni


def test_bundle_without_the_test_ca_is_refused(tmp_path, plugin, pki, https_signer):
    """The same root with another CA in its bundle: TLS fails (no other store was used)."""
    other = Rootfs(tmp_path / "root", plugin, pki["other_ca"])
    before = len(https_signer.seen())
    r = other.plugin("generate-envelope", envelope_request(PROFILE_ARN, config=aws_config(https_signer)),
                     AWS_ENV)
    assert r.returncode == 1 and r.stdout == b"", (r.returncode, r.stdout, r.stderr)
    err = json.loads(r.stderr)
    assert err["errorCode"] == "ERROR" and "certificate" in err["errorMessage"].lower(), err
    assert len(https_signer.seen()) == before


def test_trusted_identity_only(rootfs, https_signer, aws_envelopes):
    """No call, no credentials, empty environment: the identity check alone, right both ways."""
    env = envelope_of(aws_envelopes[0][0])
    before = len(https_signer.seen())
    res = ok(rootfs.plugin("verify-signature", verify_request(env, caps=(TI,)), env={}))
    assert res["verificationResults"][TI]["success"] is True, res
    assert RC not in res["verificationResults"]
    other = "arn:aws:signer:us-east-1:123456789012:/signing-profiles/Other"
    res = ok(rootfs.plugin("verify-signature", verify_request(env, caps=(TI,), ids=(other,)), env={}))
    assert res["verificationResults"][TI]["success"] is False, res
    assert len(https_signer.seen()) == before


def test_revocation_check_over_https(rootfs, https_signer, aws_envelopes):
    """GetRevocationStatus over the same HTTPS path; a job revoked in the store behind the fake
    Signer fails the check, the other signature still passes."""
    revoked, kept = (envelope_of(resp) for resp, _ in aws_envelopes)
    config = aws_config(https_signer)

    def check(env):
        before = len(https_signer.seen("GetRevocationStatus"))
        res = ok(rootfs.plugin("verify-signature", verify_request(env, config=config), AWS_ENV))
        res = res["verificationResults"]
        assert res[TI]["success"] is True, res
        q = https_signer.seen("GetRevocationStatus")[before:]
        assert len(q) == 1 and q[0].auth_ok is True, q
        assert q[0].header("Host") == f"{HOSTNAME}:{https_signer.port}"
        return res[RC]

    not_revoked = {"success": True, "reason": "Signature is not revoked."}
    assert check(revoked) == not_revoked
    assert check(kept) == not_revoked
    https_signer.local.revoke_signature(revoked.job_id)
    assert check(revoked) == {"success": False,
                              "reason": f"Resource(s) {revoked.job_arn} have been revoked."}
    assert check(kept) == not_revoked


def test_local_store_read_only(rootfs, local_store):
    """pluginConfig local-store=/store, the store a read-only bind mount: the revoked signature
    fails REVOCATION_CHECK, the other passes; the store is unchanged, not even a -wal or -shm."""
    before = _tree_digest(local_store["src"])
    config = {"local-store": "/store"}
    ids = (local_store["profile"]["arn"],)
    rootfs.store_src = local_store["src"]
    try:
        res_kept = ok(rootfs.plugin("verify-signature",
                                    verify_request(local_store["kept"], ids=ids, config=config),
                                    BASE_ENV))
        res_revoked = ok(rootfs.plugin("verify-signature",
                                       verify_request(local_store["revoked"], ids=ids, config=config),
                                       BASE_ENV))
    finally:
        rootfs.store_src = None
    kept = res_kept["verificationResults"]
    assert kept[RC] == {"success": True, "reason": "Signature is not revoked."}, kept
    assert kept[TI]["success"] is True, kept
    revoked = res_revoked["verificationResults"]
    assert revoked[RC] == {"success": False, "reason":
                           f"Resource(s) {local_store['revoked'].job_arn} have been revoked."}, revoked
    assert revoked[TI]["success"] is True, revoked
    assert _tree_digest(local_store["src"]) == before
