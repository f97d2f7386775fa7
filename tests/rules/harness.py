"""What the rules suite needs to drive signer-local: a throw-away store, a shifted clock, checks.

The process plumbing (environment, AWS CLI output layout, the service-error form, JWS helpers)
comes from the signer-local CLI suite, tests/cli/test_signer_local.py, so both suites read the
command line the same way. The binary is $SGN_SIGNER_LOCAL_BIN, else build/service/signer-local;
when it is missing the suite fails under SGN_E2E_STRICT=1 and skips otherwise.

Time: `at=` runs one command under libfaketime (`faketime`), either an offset from now
("+190d", "-3h") or an absolute UTC time ("2030-03-15 12:00:00"). A test only moves its clock
forward, so the store never sees time run backwards.
"""

import base64
import calendar
import datetime as dt
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO / "tests" / "cli"))
import test_signer_local as cli  # noqa: E402  (helpers only; its tests are not collected here)

BIN = Path(os.environ.get("SGN_SIGNER_LOCAL_BIN", REPO / "build" / "service" / "signer-local"))
STRICT = os.environ.get("SGN_E2E_STRICT", "0") == "1"

NOTATION = cli.NOTATION
LAMBDA = "AWSLambda-SHA384-ECDSA"
IOT_PLATFORMS = ["AWSIoTDeviceManagement-SHA256-ECDSA", "AmazonFreeRTOS-TI-CC3220SF", "AmazonFreeRTOS-Default"]
ACM_ARN = "arn:aws:acm:us-east-1:000000000000:certificate/abc"
PAYLOAD_FORMAT = cli.PAYLOAD_FORMAT
PAYLOAD = cli.PAYLOAD
Result = cli.Result
assert_service_error = cli.assert_service_error
jws_envelope = cli.jws_envelope
chain_hashes = cli.chain_hashes


def shared_dir():
    """The reference material: $SGN_SHARED_DIR, else <repo>/../shared."""
    env = os.environ.get("SGN_SHARED_DIR")
    return Path(env) if env else REPO.parent / "shared"


def require_binary():
    if BIN.is_file() and os.access(BIN, os.X_OK):
        return
    msg = f"{BIN} not built: build the signer-local target or set SGN_SIGNER_LOCAL_BIN"
    if STRICT:
        pytest.fail(msg)
    pytest.skip(msg)


def require_faketime():
    if shutil.which("faketime") is None:
        msg = "faketime is not installed (Debian package faketime; scripts/install-deps.sh)"
        if STRICT:
            pytest.fail(msg)
        pytest.skip(msg)


# --- time --------------------------------------------------------------------------------

def iso(epoch):
    """signer-local's (and the AWS CLI's) timestamp form."""
    return dt.datetime.fromtimestamp(int(epoch), dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%S+00:00")


def epoch(text):
    return int(dt.datetime.fromisoformat(text.replace("Z", "+00:00")).timestamp())


def add_months(when, months):
    """Calendar months, day clamped to the month's length."""
    y, m = divmod(when.month - 1 + months, 12)
    y += when.year
    day = min(when.day, calendar.monthrange(y, m + 1)[1])
    return when.replace(year=y, month=m + 1, day=day)


# --- the store ---------------------------------------------------------------------------

class Store:
    """One fresh signer-local store and fake $HOME per test."""

    def __init__(self, tmp_path):
        self.tmp = tmp_path
        self.home = tmp_path / "home"
        self.home.mkdir()
        self.store = tmp_path / "store"

    def run(self, *args, at=None, env=None):
        cmd = [str(BIN), "--store", str(self.store), *[str(a) for a in args]]
        if at is not None:
            require_faketime()
            cmd = ["faketime", *(["-f"] if at[0] in "+-" else []), at, *cmd]
        proc = subprocess.run(cmd, capture_output=True, text=True, timeout=120,
                              env=env if env is not None else cli._env(self.home))
        return Result(proc)

    def ok(self, *args, **kw):
        r = self.run(*args, **kw)
        assert r.rc == 0, f"{args}: exit {r.rc}: {r.err}"
        return r

    def json(self, *args, **kw):
        r = self.ok(*args, **kw)
        return json.loads(r.out) if r.out.strip() else {}

    def fails(self, code, op, *args, **kw):
        """The command is refused with service error `code` (exit 254)."""
        r = self.run(*args, **kw)
        assert r.rc == 254, f"{args}: expected {code}, got exit {r.rc}: out={r.out!r} err={r.err!r}"
        return assert_service_error(r, code, op)

    # Shortcuts named after the operations.
    def put(self, name, *extra, platform=NOTATION, at=None):
        if platform in IOT_PLATFORMS and "--signing-material" not in extra:
            extra = ("--signing-material", f"certificateArn={ACM_ARN}", *extra)
        return self.json("put-signing-profile", "--profile-name", name, "--platform-id", platform,
                         *extra, at=at)

    def get(self, name, at=None):
        return self.json("get-signing-profile", "--profile-name", name, at=at)

    def sign_args(self, name, payload=PAYLOAD):
        return ["sign-payload", "--profile-name", name, "--payload",
                base64.b64encode(payload).decode(), "--payload-format", PAYLOAD_FORMAT]

    def sign(self, name, payload=PAYLOAD, at=None):
        return self.json(*self.sign_args(name, payload), at=at)

    def cancel(self, name, at=None):
        return self.ok("cancel-signing-profile", "--profile-name", name, at=at)

    def revoke(self, name, version, when, reason="rules suite", at=None):
        return self.run("revoke-signing-profile", "--profile-name", name, "--profile-version",
                        version, "--effective-time", iso(when), "--reason", reason, at=at)

    def profile_names(self, *flags, at=None):
        return sorted(p["profileName"]
                      for p in self.json("list-signing-profiles", *flags, at=at)["profiles"])

    def revoked_entities(self, signed, version_arn, when=None, at=None):
        """GetRevocationStatus for one SignPayload result, as the plugin asks it."""
        _, protected, certs = jws_envelope(signed)
        ts = when if when is not None else protected["io.cncf.notary.authenticSigningTime"]
        if not isinstance(ts, str):
            ts = iso(ts)
        out = self.json("get-revocation-status", "--signature-timestamp", ts, "--platform-id",
                        NOTATION, "--profile-version-arn", version_arn, "--job-arn",
                        signed["metadata"]["com.amazonaws.signer.signingJob"],
                        "--certificate-hashes", *chain_hashes(certs), at=at)
        return out.get("revokedEntities", [])


def signing_time(signed):
    _, protected, _ = jws_envelope(signed)
    return epoch(protected["io.cncf.notary.authenticSigningTime"])
