"""Helpers for the conformance tests of the notation plugin executable.

The plugin is run as notation-go runs it: `<bin> <command>`, the request JSON on stdin, stdout and
stderr captured. Every helper checks the protocol discipline: on success exit 0, stdout one JSON
value with no trailing newline and stderr empty; on failure exit 1, stdout empty and stderr exactly
the error JSON that Go's json.Marshal would write.

Binaries: SGN_PLUGIN_BIN (default <repo>/build/plugin/notation-com.amazonaws.signer.notation.plugin)
and SGN_SIGNER_LOCAL_BIN (default: service/signer-local of the plugin's build tree, else
<repo>/build/service/signer-local). Tests that need signer-local are skipped only when it is
missing or answers a command with its usage text (not implemented yet).
"""

import base64
import copy
import json
import os
import pathlib
import re
import subprocess
from dataclasses import dataclass

import pytest

REPO = pathlib.Path(__file__).resolve().parents[2]
PLUGIN_BIN = os.path.abspath(
    os.environ.get("SGN_PLUGIN_BIN")
    or REPO / "build/plugin/notation-com.amazonaws.signer.notation.plugin"
)


def _signer_local_bin():
    """SGN_SIGNER_LOCAL_BIN, else signer-local from the plugin's own build tree, else build/."""
    if os.environ.get("SGN_SIGNER_LOCAL_BIN"):
        return os.path.abspath(os.environ["SGN_SIGNER_LOCAL_BIN"])
    sibling = pathlib.Path(PLUGIN_BIN).parent.parent / "service" / "signer-local"
    if sibling.exists():
        return str(sibling)
    return str(REPO / "build/service/signer-local")


SIGNER_LOCAL_BIN = _signer_local_bin()


def _project_version():
    text = (REPO / "CMakeLists.txt").read_text()
    return re.search(r"project\([^)]*VERSION\s+([0-9.]+)", text).group(1)


VERSION = _project_version()

PAYLOAD_TYPE = "application/vnd.cncf.notary.payload.v1+json"
JWS = "application/jose+json"
COSE = "application/cose"
TI = "SIGNATURE_VERIFIER.TRUSTED_IDENTITY"
RC = "SIGNATURE_VERIFIER.REVOCATION_CHECK"
ATTR_PROFILE_VERSION = "com.amazonaws.signer.signingProfileVersion"
ATTR_JOB = "com.amazonaws.signer.signingJob"
MALFORMED = "Input is not a valid JSON"

# The Go plugin's test fixtures (internal/verifier/verifier_test.go).
PROFILE_ARN = "arn:aws:signer:us-west-2:000000000000:/signing-profiles/NotaryPluginIntegProfile"
PROFILE_VERSION_ARN = PROFILE_ARN + "/OF8IVUsPJq"
JOB_ARN = "arn:aws:signer:us-west-2:000000000000:/signing-jobs/97af3947-e7b2-4533-8d9d-6741156f0b79"
SIGNER_KEY_ID = "arn:aws:signer:us-west-2:780792624090:/signing-profiles/NotationProfile"
TEST_CERT_1 = """MIIDQDCCAiigAwIBAgIRAMH0R+Owv6zXRzRJgjkWUPEwDQYJKoZIhvcNAQELBQAw
ETEPMA0GA1UECgwGY2hpZW5iMB4XDTIyMDcxNTE3MjQ0MVoXDTIzMDgxNTE4MjQ0
MFowEjEQMA4GA1UEAwwHZm9vLmJhcjCCASIwDQYJKoZIhvcNAQEBBQADggEPADCC
AQoCggEBANn0mo5gw6VYKfLGHre6zy6eo6f1Fe2p2o5nbClmkA43OgWF0ngnwJPd
Hhfy17pqDOrfs3Uj8gGwhlZYbWVYORWHGwbHRV9FsBP3wq8HrQ2I+7UAZNsRBxWQ
Lbo0ha0NzYLIG1DYuPrNCBSzdlkjNhNZJR8QRn0+5LW8AfcOD3x6UBhDgk8kE/Y/
9outGzynHVDXObpylh6xie+PXJ6y8aPM0PZszwWv+mJznXchyvrVDUxpETI/EnL9
QMq2STEgAS0f8PCYQkKxz1s1ODb2AWwuIdqJmDhmwkYs4kqV/kyNN42H6gfgSQXf
IJMLX2fn/ZOz431jV8fUDSKUFSdJw2sCAwEAAaOBkTCBjjASBgNVHREECzAJggdm
b28uYmFyMAkGA1UdEwQCMAAwHwYDVR0jBBgwFoAU3gzqhkSDrYSfGn5E8e/3qUAw
xowwHQYDVR0OBBYEFETbSw2Lt2WIQlolvzg1lKadc0oQMA4GA1UdDwEB/wQEAwIF
oDAdBgNVHSUEFjAUBggrBgEFBQcDAQYIKwYBBQUHAwIwDQYJKoZIhvcNAQELBQAD
ggEBALc3rxSZLVc4ammm7XKQDAh7B+MX4LOj8TleVr/aYZ1iN9y2VVsKmUtLCJBa
gU2HWaoAQN2qO0FvbANuBpgf2dF8fUFygKURo9fnFSIng2rgd38cIrJP0mYYPg4x
EizD3ZznlFE7zu4MVBcZTOTAgqyzsjg/K1YfdBTCmEoNv09P7u4r1KiATBsaiKaH
h770TLUfa+PzpbIinp2cF/XYVchepCiCJDAdTR1tWKHaqeuW/WQHKso7Z6wyPO24
d3m5GyGuIRMddbp6zclSRP/I4TCS/0cOru9ATc94PaKWjDOTClYH8ykRZom8OICq
KCzg3o7lofVNdVFxDM8rrMJ06cY="""
TEST_CERT_1_HASH = "13a01b7e1de3aee0367615c59f6d001238913e594626d0e3c8784489b15a18fada1c31f39d3ba9318cb673ffd8cd679b"
TEST_CERT_2 = """MIIC7zCCAdegAwIBAgIRAPxhWP65yw1qFSMD39FxuUwwDQYJKoZIhvcNAQELBQAw
ETEPMA0GA1UECgwGY2hpZW5iMB4XDTE5MTAwNzE4MDIxMVoXDTI5MTAwNzE5MDIx
MVowETEPMA0GA1UECgwGY2hpZW5iMIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIB
CgKCAQEA4SSFBInasnQCgPLDZzz0NNlTlRm4yn2lyUP7gEzBQZc0Hp+PKE3dnMGH
bQ6w0FmGD5sMKMTIfUCRJyjiJPi0RvCEOmU+nY2UYZf+ttrVx33pWrHpkxXORxA4
rp7SzxP5GFl78Mo0CEFxOKHPqLC/Nm4SmQKhhMUJkiqc3X/9WFigBIfkFXLFZQ64
yoCq+ekvKW9GGh2Mq9VwSnB+6wem/3mPJ8x4sX1UtGu/DL5gc7gyzVCbfn8SZpb6
L7y++9zGmRwmcKMv8IaLj07fr9Ho34zm9CbwMHwUZeHC5uXcGR54t9sTNq5rgu1k
Q9LskOmPcEEkTkyKtrAs5WKHrSYdWQIDAQABo0IwQDAPBgNVHRMBAf8EBTADAQH/
MB0GA1UdDgQWBBTeDOqGRIOthJ8afkTx7/epQDDGjDAOBgNVHQ8BAf8EBAMCAYYw
DQYJKoZIhvcNAQELBQADggEBAJSVnGSdpX6nSYcsCMHu99dN/xVn+Qtvj0ovdKQo
JC5cQNjFQ7wXCSgYa2DtSMQ0McysZ+TkNWDGwi2c+HCoHAL/XNWDU261Hj/VwVI4
2p46Q4UzpWmhx5dkDV2xRhK8QMPwW2NRQqkd/75FUfRpq5xdL4IzeaNcYKXMBJyX
zSZee7oqEixEVzis7Ex7mvXBiRdjZBp8cFuRJVKPBgK7SmFkJwyLtd2OLtNehUsh
Af8fCVvIhr9YxXK+RqiRUhvJDrS9DlKA6dT4KvR41B/a8NLf6PJGyHdSFuvKZr0z
C+gMfNFGs1L2QLg1+xnoLHIey4tRXYHjpD2b/KALNr4/v+c="""
TEST_CERT_2_HASH = "ff41924f0940448d7e46b8c327e129813b1442fb17c9b2a86d49edcb00b707c9662f561c8a3e11a592b25061d488f2a3"
SIGNING_TIME = "2022-07-06T19:10:28+00:00"

# A configuration that keeps any AWS backend call local and fast (connection refused), so that
# no test depends on the network, credentials or the instance metadata service.
AWS_OFFLINE_CONFIG = {"aws-region": "us-west-2", "aws-signer-endpoint-url": "http://127.0.0.1:9"}


def cert_b64(pem_body):
    return "".join(pem_body.split())


def go_json(obj):
    """json.Marshal as Go writes it: compact, HTML characters and U+2028/2029 escaped."""
    s = json.dumps(obj, separators=(",", ":"), ensure_ascii=False)
    for ch, esc in (("<", "\\u003c"), (">", "\\u003e"), ("&", "\\u0026"),
                    ("\u2028", "\\u2028"), ("\u2029", "\\u2029")):
        s = s.replace(ch, esc)
    return s.encode("utf-8", "surrogatepass")


@dataclass
class Result:
    rc: int
    out: bytes
    err: bytes

    def ok(self):
        """The response of a successful run, with the protocol checks applied."""
        assert self.rc == 0, f"exit {self.rc}, stderr {self.err!r}"
        assert self.err == b"", f"stderr must be empty on success: {self.err!r}"
        assert self.out and not self.out.endswith(b"\n"), f"stdout {self.out[:200]!r}"
        return json.loads(self.out)

    def error(self, code, message=None, prefix=None):
        """Check a failure; message compares exactly (byte for byte as Go would encode it)."""
        assert self.rc == 1, f"exit {self.rc}, stdout {self.out[:300]!r}, stderr {self.err!r}"
        assert self.out == b"", f"stdout must be empty on failure: {self.out[:300]!r}"
        body = json.loads(self.err)
        assert set(body) <= {"errorCode", "errorMessage"}, body
        assert body["errorCode"] == code, body
        if message is not None:
            expected = {"errorCode": code}
            if message:
                expected["errorMessage"] = message
            assert self.err == go_json(expected), f"{self.err!r} != {go_json(expected)!r}"
        if prefix is not None:
            assert body.get("errorMessage", "").startswith(prefix), body
        return body.get("errorMessage", "")


def sanitizer_env():
    return {k: v for k, v in os.environ.items()
            if k.startswith(("ASAN_", "UBSAN_", "LSAN_", "MSAN_"))}


class Plugin:
    def __init__(self, home):
        self.home = home

    def env(self, extra=None):
        # AWS_EC2_METADATA_DISABLED: never wait for an instance metadata service
        env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HOME": str(self.home), "LANG": "C",
               "AWS_EC2_METADATA_DISABLED": "true"}
        env.update(sanitizer_env())
        for k, v in (extra or {}).items():
            if v is None:
                env.pop(k, None)  # None: not in the environment at all (e.g. no HOME)
            else:
                env[k] = v
        return env

    def run(self, *args, stdin=b"", env=None, timeout=120):
        if isinstance(stdin, (dict, list)):
            stdin = json.dumps(stdin).encode()
        elif isinstance(stdin, str):
            stdin = stdin.encode()
        p = subprocess.run([PLUGIN_BIN, *args], input=stdin, capture_output=True,
                           env=self.env(env), timeout=timeout, cwd=self.home)
        return Result(p.returncode, p.stdout, p.stderr)


# --- requests ----------------------------------------------------------------------------------

def b64(data):
    return base64.b64encode(data).decode()


def envelope_request(**over):
    req = {
        "contractVersion": "1.0",
        "keyId": SIGNER_KEY_ID,
        "payloadType": PAYLOAD_TYPE,
        "signatureEnvelopeType": JWS,
        "payload": b64(b'{"targetArtifact":{"mediaType":"application/vnd.oci.image.manifest.v1+json",'
                       b'"digest":"sha256:4a58e8a2b6a3d8f6b8d2b1b5b1c2d9a8e4f6a0c2b3d4e5f60718293a4b5c6d7e","size":1}}'),
    }
    for k, v in over.items():
        if v is ...:
            req.pop(k, None)
        else:
            req[k] = copy.deepcopy(v)
    return req


def verify_request(ids=(PROFILE_ARN,
                        "x509.subject: C=US, ST=WA, L=Seattle, O=acme-rockets.io, OU=Finance, CN=SecureBuilder"),
                   caps=(TI, RC), chain=None, profile_version=PROFILE_VERSION_ARN, job=JOB_ARN,
                   signing_time=SIGNING_TIME, config=None):
    """The Go plugin's mockVerifySigRequest, as notation-go would send it."""
    ext = {}
    if job is not None:
        ext[ATTR_JOB] = job
    if profile_version is not None:
        ext[ATTR_PROFILE_VERSION] = profile_version
    crit = {
        "contentType": PAYLOAD_TYPE,
        "signingScheme": "notary.x509.signingAuthority",
        "expiry": "2022-10-06T07:01:20Z",
        "extendedAttributes": ext,
    }
    if signing_time is not None:
        crit["authenticSigningTime"] = signing_time
    req = {
        "contractVersion": "1.0",
        "signature": {
            "criticalAttributes": crit,
            "unprocessedAttributes": [ATTR_JOB, ATTR_PROFILE_VERSION],
            "certificateChain": chain if chain is not None
            else [cert_b64(TEST_CERT_1), cert_b64(TEST_CERT_2)],
        },
        "trustPolicy": {"trustedIdentities": list(ids), "signatureVerification": list(caps)},
    }
    if config is not None:
        req["pluginConfig"] = dict(config)
    return req


# --- signer-local ------------------------------------------------------------------------------

class SignerLocal:
    def __init__(self, store):
        self.store = store

    def run(self, *args, check=True):
        if not os.access(SIGNER_LOCAL_BIN, os.X_OK):
            pytest.skip(f"signer-local not built ({SIGNER_LOCAL_BIN})")
        env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HOME": str(self.store.parent),
               "LANG": "C"}
        env.update(sanitizer_env())
        p = subprocess.run([SIGNER_LOCAL_BIN, "--store", str(self.store), *args],
                           capture_output=True, env=env, timeout=120)
        text = (p.stdout + p.stderr).decode(errors="replace")
        if p.returncode != 0 and text.lstrip().lower().startswith("usage:"):
            pytest.skip(f"signer-local does not implement {args[0]} yet")
        if check:
            assert p.returncode == 0, f"signer-local {args}: exit {p.returncode}: {text}"
            return json.loads(p.stdout) if p.stdout.strip() else {}
        return p

    def put_profile(self, name="NotationProfile"):
        return self.run("put-signing-profile", "--profile-name", name,
                        "--platform-id", "Notation-OCI-SHA384-ECDSA")


def parse_jws(envelope_bytes):
    """The parts of a JWS envelope that notation-go turns into a verify-signature request."""
    env = json.loads(envelope_bytes)
    prot = env["protected"]
    header = json.loads(base64.urlsafe_b64decode(prot + "=" * (-len(prot) % 4)))
    return header, env


def verify_request_from_jws(envelope_bytes, ids, caps=(TI, RC), config=None):
    header, env = parse_jws(envelope_bytes)
    standard = {"alg", "cty", "crit", "io.cncf.notary.signingScheme", "io.cncf.notary.signingTime",
                "io.cncf.notary.authenticSigningTime", "io.cncf.notary.expiry",
                "io.cncf.notary.verificationPlugin", "io.cncf.notary.verificationPluginMinVersion"}
    ext = {k: v for k, v in header.items() if k not in standard}
    crit = {
        "contentType": header["cty"],
        "signingScheme": header["io.cncf.notary.signingScheme"],
        "expiry": header.get("io.cncf.notary.expiry", "0001-01-01T00:00:00Z"),
        "authenticSigningTime": header["io.cncf.notary.authenticSigningTime"],
        "extendedAttributes": ext,
    }
    req = {
        "contractVersion": "1.0",
        "signature": {"criticalAttributes": crit, "unprocessedAttributes": sorted(ext),
                      "certificateChain": env["header"]["x5c"]},
        "trustPolicy": {"trustedIdentities": list(ids), "signatureVerification": list(caps)},
    }
    if config is not None:
        req["pluginConfig"] = dict(config)
    return req
