"""Driving the plugin binary against the loopback fakes: a clean environment (temp HOME and AWS
files, no proxies, IMDS off unless asked), the requests notation-go sends, and result checks in
the conformance suite's discipline (exit 0 + JSON on stdout, or exit 1 + error JSON on stderr)."""

import base64
import json
import os
import pathlib
import subprocess
import time
from dataclasses import dataclass

REPO = pathlib.Path(__file__).resolve().parents[2]
PLUGIN_BIN = os.path.abspath(os.environ.get("SGN_PLUGIN_BIN")
                             or REPO / "build/plugin/notation-com.amazonaws.signer.notation.plugin")
PLUGIN_NAME = "com.amazonaws.signer.notation.plugin"

REGION = "us-east-1"
ACCOUNT = "123456789012"
PROFILE = "NotationProfile"
PROFILE_ARN = f"arn:aws:signer:{REGION}:{ACCOUNT}:/signing-profiles/{PROFILE}"
PAYLOAD_TYPE = "application/vnd.cncf.notary.payload.v1+json"
JWS = "application/jose+json"
TI = "SIGNATURE_VERIFIER.TRUSTED_IDENTITY"
RC = "SIGNATURE_VERIFIER.REVOCATION_CHECK"
PAYLOAD = json.dumps({"targetArtifact": {
    "mediaType": "application/vnd.oci.image.manifest.v1+json",
    "digest": "sha256:" + "4a" * 32, "size": 1234}}, separators=(",", ":")).encode()

# Static keys the tests hand to the plugin through each credential source. The fakes' key table
# knows all of them, so whichever source wins, the request is valid; the fake records which
# access key signed it.
SECRET = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY"
STATIC_KEYS = {
    "env": ("AKIAENVIRONMENT00001", SECRET + "env", None),
    "env_token": ("ASIAENVIRONMENTTOKEN", SECRET + "envtok", "ENV-SESSION-TOKEN/+=="),
    "default_profile": ("AKIADEFAULTPROFILE01", SECRET + "default", None),
    "named_profile": ("AKIANAMEDPROFILE0001", SECRET + "named", None),
    "config_static": ("AKIACONFIGSTATIC0001", SECRET + "config", None),
    "process": ("ASIACREDPROCESS00001", SECRET + "process", "PROCESS-SESSION-TOKEN"),
    "source": ("AKIASOURCEPROFILE001", SECRET + "source", None),
}


def key_id(name):
    return STATIC_KEYS[name][0]


def sanitizer_env():
    return {k: v for k, v in os.environ.items() if k.startswith(("ASAN_", "UBSAN_", "LSAN_"))}


@dataclass
class Result:
    rc: int
    out: bytes
    err: bytes
    seconds: float

    def ok(self):
        assert self.rc == 0, f"exit {self.rc}, stderr {self.err[:2000]!r}"
        assert self.err == b"", f"stderr must be empty on success: {self.err[:2000]!r}"
        assert self.out and not self.out.endswith(b"\n"), f"stdout {self.out[:300]!r}"
        return json.loads(self.out)

    def error(self, code=None):
        """The error JSON of a failed run: {'errorCode': ..., 'errorMessage': ...}."""
        assert self.rc == 1, f"exit {self.rc}, stdout {self.out[:500]!r}, stderr {self.err[:2000]!r}"
        assert self.out == b"", f"stdout must be empty on failure: {self.out[:300]!r}"
        body = json.loads(self.err)
        assert set(body) <= {"errorCode", "errorMessage"}, body
        if code is not None:
            assert body["errorCode"] == code, body
        body.setdefault("errorMessage", "")
        return body


class AwsPlugin:
    """The plugin with a clean AWS environment rooted in `root` (a temp dir):
    HOME=<root>/home, AWS_CONFIG_FILE=<root>/aws/config, AWS_SHARED_CREDENTIALS_FILE=
    <root>/aws/credentials, AWS_EC2_METADATA_DISABLED=true, nothing from the caller's shell."""

    def __init__(self, root, endpoint=None):
        self.root = pathlib.Path(root)
        self.home = self.root / "home"
        self.aws_dir = self.root / "aws"
        self.home.mkdir(parents=True, exist_ok=True)
        self.aws_dir.mkdir(parents=True, exist_ok=True)
        self.config_file = self.aws_dir / "config"
        self.credentials_file = self.aws_dir / "credentials"
        self.endpoint = endpoint
        self.extra_env = {}

    def write_config(self, text):
        self.config_file.write_text(text)

    def write_credentials(self, text):
        self.credentials_file.write_text(text)

    def plugin_config(self, **over):
        cfg = {"aws-region": REGION}
        if self.endpoint:
            cfg["aws-signer-endpoint-url"] = self.endpoint
        for k, v in over.items():
            k = k.replace("_", "-")
            if v is None:
                cfg.pop(k, None)
            else:
                cfg[k] = v
        return cfg

    def env(self, extra=None):
        env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HOME": str(self.home), "LANG": "C",
               "AWS_CONFIG_FILE": str(self.config_file),
               "AWS_SHARED_CREDENTIALS_FILE": str(self.credentials_file),
               "AWS_EC2_METADATA_DISABLED": "true"}
        env.update(sanitizer_env())
        env.update(self.extra_env)
        for k, v in (extra or {}).items():
            if v is None:
                env.pop(k, None)
            else:
                env[k] = v
        return env

    def run(self, command, request, env=None, timeout=60):
        stdin = json.dumps(request).encode() if not isinstance(request, bytes) else request
        t0 = time.monotonic()
        p = subprocess.run([PLUGIN_BIN, command], input=stdin, capture_output=True,
                           env=self.env(env), timeout=timeout, cwd=self.home)
        return Result(p.returncode, p.stdout, p.stderr, time.monotonic() - t0)

    def generate(self, env=None, key_id=PROFILE_ARN, payload=PAYLOAD, timeout=60, **config):
        return self.run("generate-envelope", envelope_request(key_id, payload, self.plugin_config(**config)),
                        env=env, timeout=timeout)

    def verify(self, envelope, caps=(TI, RC), ids=(PROFILE_ARN,), env=None, timeout=60, **config):
        return self.run("verify-signature",
                        verify_request(envelope, caps, ids, self.plugin_config(**config)),
                        env=env, timeout=timeout)


def b64(data):
    return base64.b64encode(data).decode()


def b64url_decode(s):
    return base64.urlsafe_b64decode(s + "=" * (-len(s) % 4))


def envelope_request(key_id=PROFILE_ARN, payload=PAYLOAD, config=None):
    req = {"contractVersion": "1.0", "keyId": key_id, "payloadType": PAYLOAD_TYPE,
           "signatureEnvelopeType": JWS, "payload": b64(payload)}
    if config:
        req["pluginConfig"] = dict(config)
    return req


@dataclass
class Envelope:
    raw: bytes            # the JWS JSON envelope
    protected: dict
    x5c: list             # base64 DER, leaf first

    @property
    def job_arn(self):
        return self.protected["com.amazonaws.signer.signingJob"]

    @property
    def profile_version_arn(self):
        return self.protected["com.amazonaws.signer.signingProfileVersion"]

    @property
    def job_id(self):
        return self.job_arn.rsplit("/", 1)[1]


def parse_envelope(raw):
    env = json.loads(raw)
    return Envelope(raw, json.loads(b64url_decode(env["protected"])), env["header"]["x5c"])


def envelope_of(response):
    """The Envelope in a generate-envelope response."""
    assert response["signatureEnvelopeType"] == JWS, response
    return parse_envelope(base64.b64decode(response["signatureEnvelope"]))


def verify_request(envelope, caps=(TI, RC), ids=(PROFILE_ARN,), config=None):
    """What notation-go sends for a signature made by AWS Signer (research/aws-signer-plugin.md §4.1)."""
    h = envelope.protected
    ext = {k: v for k, v in h.items() if k.startswith("com.amazonaws.")}
    req = {
        "contractVersion": "1.0",
        "signature": {
            "criticalAttributes": {
                "contentType": h["cty"],
                "signingScheme": h["io.cncf.notary.signingScheme"],
                "expiry": h.get("io.cncf.notary.expiry"),
                "authenticSigningTime": h["io.cncf.notary.authenticSigningTime"],
                "extendedAttributes": ext,
            },
            "unprocessedAttributes": sorted(ext),
            "certificateChain": list(envelope.x5c),
        },
        "trustPolicy": {"trustedIdentities": list(ids), "signatureVerification": list(caps)},
    }
    if config:
        req["pluginConfig"] = dict(config)
    return req


def env_keys(name="env"):
    """AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY (/ AWS_SESSION_TOKEN) for a STATIC_KEYS entry."""
    akid, secret, token = STATIC_KEYS[name]
    env = {"AWS_ACCESS_KEY_ID": akid, "AWS_SECRET_ACCESS_KEY": secret}
    if token:
        env["AWS_SESSION_TOKEN"] = token
    return env


def profile_lines(name):
    """aws_access_key_id / aws_secret_access_key (/ aws_session_token) lines for a STATIC_KEYS entry."""
    akid, secret, token = STATIC_KEYS[name]
    text = f"aws_access_key_id = {akid}\naws_secret_access_key = {secret}\n"
    if token:
        text += f"aws_session_token = {token}\n"
    return text
