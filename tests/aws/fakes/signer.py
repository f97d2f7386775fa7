"""Fake AWS Signer API on loopback, backed by the project's real local Signer (signer-local).

Routes (any Host): POST /signing-jobs/with-payload (SignPayload) and GET /revocations
(GetRevocationStatus). Every request's SigV4 is checked first (fakes/sigv4.py, service "signer",
the store's region) against the shared key table; then a scripted fault, if one is queued for
the operation, is played; otherwise signer-local answers: `sign-payload` makes a real Notary JWS
envelope that notation verifies with the store's root, `get-revocation-status` reports what
`signer-local revoke-*` revoked. Errors are restJson1: status, x-amzn-ErrorType,
{"message": ..., "code": ...}; every answer carries x-amzn-RequestId.

Run by hand:
  python3 -m tests.aws.fakes.signer --store /tmp/store --access-key AKIDEXAMPLE --secret-key SECRET
"""

import base64
import json
import os
import pathlib
import re
import subprocess
import urllib.parse

from . import sigv4
from .base import Fault, FakeServer, run_main, send_json

REPO = pathlib.Path(__file__).resolve().parents[3]
REGION = "us-east-1"
ACCOUNT = "123456789012"
PLATFORM = "Notation-OCI-SHA384-ECDSA"
PAYLOAD_FORMAT = "application/vnd.cncf.notary.payload.v1+json"

# HTTP status of each Signer error name (research/aws-signer-api.md §1.3).
ERROR_STATUS = {
    "ValidationException": 400, "BadRequestException": 400, "AccessDeniedException": 403,
    "NotFoundException": 404, "ResourceNotFoundException": 404, "ConflictException": 409,
    "ServiceLimitExceededException": 402, "TooManyRequestsException": 429,
    "ThrottlingException": 429, "InternalServiceErrorException": 500,
}
_CLI_ERROR = re.compile(r"An error occurred \((\w+)\) when calling the (\w+) operation: (.*)", re.S)


def signer_local_bin():
    """SGN_SIGNER_LOCAL_BIN, else signer-local next to SGN_PLUGIN_BIN's build tree, else build/."""
    if os.environ.get("SGN_SIGNER_LOCAL_BIN"):
        return os.path.abspath(os.environ["SGN_SIGNER_LOCAL_BIN"])
    if os.environ.get("SGN_PLUGIN_BIN"):
        sibling = pathlib.Path(os.environ["SGN_PLUGIN_BIN"]).resolve().parent.parent / "service" / "signer-local"
        if sibling.exists():
            return str(sibling)
    return str(REPO / "build" / "service" / "signer-local")


class SignerLocalError(Exception):
    def __init__(self, code, message, rc, output):
        super().__init__(f"{code}: {message}")
        self.code, self.message, self.rc, self.output = code, message, rc, output


class LocalSigner:
    """signer-local with one store (created with `init --region us-east-1 --account-id ...`)."""

    def __init__(self, store, binary=None, region=REGION, account=ACCOUNT):
        self.store = str(store)
        self.binary = binary or signer_local_bin()
        self.region, self.account = region, account
        self._inited = False

    def env(self):
        env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "LANG": "C",
               "HOME": str(pathlib.Path(self.store).parent)}
        env.update({k: v for k, v in os.environ.items()
                    if k.startswith(("ASAN_", "UBSAN_", "LSAN_"))})
        return env

    def run(self, *args, timeout=60):
        p = subprocess.run([self.binary, "--store", self.store, *map(str, args)],
                           capture_output=True, text=True, env=self.env(), timeout=timeout)
        if p.returncode != 0:
            m = _CLI_ERROR.search(p.stderr)
            if m:
                raise SignerLocalError(m.group(1), m.group(3).strip(), p.returncode, p.stderr)
            raise SignerLocalError("InternalServiceErrorException",
                                   f"signer-local {args[0]} failed (exit {p.returncode}): "
                                   f"{p.stderr.strip()[:500]}", p.returncode, p.stderr)
        return json.loads(p.stdout) if p.stdout.strip() else {}

    def init(self):
        if not self._inited:
            out = self.run("init", "--region", self.region, "--account-id", self.account)
            assert out["region"] == self.region and out["accountId"] == self.account, out
            self._inited = True
        return self

    def put_profile(self, name):
        self.init()
        return self.run("put-signing-profile", "--profile-name", name, "--platform-id", PLATFORM)

    def sign_payload(self, profile_name, payload_b64, payload_format, profile_owner=None):
        args = ["sign-payload", "--profile-name", profile_name, "--payload", payload_b64,
                "--payload-format", payload_format]
        if profile_owner:
            args += ["--profile-owner", profile_owner]
        return self.run(*args)

    def get_revocation_status(self, timestamp, platform_id, profile_version_arn, job_arn, hashes):
        return self.run("get-revocation-status", "--signature-timestamp", timestamp,
                        "--platform-id", platform_id, "--profile-version-arn", profile_version_arn,
                        "--job-arn", job_arn, "--certificate-hashes", *hashes)

    def revoke_signature(self, job_id, reason="revoked by the test"):
        return self.run("revoke-signature", "--job-id", job_id, "--reason", reason)

    def export_root(self):
        p = subprocess.run([self.binary, "--store", self.store, "export-root"], capture_output=True,
                           text=True, env=self.env(), timeout=60, check=True)
        return p.stdout


class _WrongSecrets:
    """A key table view whose secrets are all wrong (sessions tokens and expiry kept)."""

    def __init__(self, keys):
        self.keys = keys

    def get(self, access_key):
        k = self.keys.get(access_key)
        return None if k is None else sigv4.Key(k.access_key, k.secret_key + "-wrong",
                                                k.session_token, k.expires, k.source)


class FakeSigner(FakeServer):
    """The fake Signer API. `keys` is the shared sigv4.KeyTable; `local` a LocalSigner (or None:
    then only scripted answers can succeed)."""

    name = "fake-signer"

    def __init__(self, keys=None, local=None, region=REGION, **kw):
        super().__init__(**kw)
        self.keys = keys if keys is not None else sigv4.KeyTable()
        self.local = local
        self.region = region
        # True: check signatures against a wrong secret, so that every signed request gets AWS's
        # InvalidSignatureException quoting the canonical request (x-amz-security-token included)
        self.wrong_secret = False

    def base_headers(self, rec):
        return {"x-amzn-RequestId": rec.request_id}

    def send_error_answer(self, h, rec, status, code, message, headers=None):
        hdrs = {"x-amzn-RequestId": rec.request_id, "x-amzn-ErrorType": code}
        hdrs.update(headers or {})
        body = {"message": message, "code": code} if code else {"message": message}
        send_json(h, rec, status, body, hdrs)

    def error(self, h, rec, code, message, status=None):
        self.send_error_answer(h, rec, status or ERROR_STATUS.get(code, 400), code, message)

    # --- dispatch ---
    def operation_of(self, rec):
        path = rec.path.partition("?")[0]
        if rec.method == "POST" and path == "/signing-jobs/with-payload":
            return "SignPayload"
        if rec.method == "GET" and path == "/revocations":
            return "GetRevocationStatus"
        return "Unknown"

    def handle(self, h, rec):
        path, _, query = rec.path.partition("?")
        if rec.operation == "Unknown":
            return self.send_error_answer(h, rec, 404, "UnknownOperationException",
                                          f"no operation at {rec.method} {path}")
        keys = _WrongSecrets(self.keys) if self.wrong_secret else self.keys
        auth = sigv4.verify(rec.method, rec.path, rec.headers, rec.body, keys, self.region,
                            "signer")
        rec.auth_ok, rec.auth_error = auth.ok, None if auth.ok else auth.code
        if not auth.ok:
            return self.send_error_answer(h, rec, auth.status, auth.code, auth.message)
        fault = self.next_fault(rec.operation)
        if fault is not None and self.apply_fault(h, rec, fault):
            return None
        if rec.operation == "SignPayload":
            return self.sign_payload(h, rec)
        return self.get_revocation_status(h, rec, query)

    def _local_call(self, h, rec, fn, *args):
        if self.local is None:
            self.error(h, rec, "InternalServiceErrorException", "the fake has no local Signer")
            return None
        try:
            return fn(*args)
        except SignerLocalError as e:
            self.error(h, rec, e.code, e.message)
            return None

    def sign_payload(self, h, rec):
        if rec.header("Content-Type", "").split(";")[0].strip() != "application/json":
            return self.error(h, rec, "ValidationException", "Content-Type must be application/json")
        try:
            req = json.loads(rec.body)
            assert isinstance(req, dict)
        except (ValueError, AssertionError):
            return self.error(h, rec, "ValidationException", "the request body is not a JSON object")
        for member in ("profileName", "payload", "payloadFormat"):
            if not isinstance(req.get(member), str) or not req[member]:
                return self.error(h, rec, "ValidationException",
                                  f"1 validation error detected: Value null at '{member}' failed to "
                                  "satisfy constraint: Member must not be null")
        try:
            raw = base64.b64decode(req["payload"], validate=True)
        except ValueError:
            return self.error(h, rec, "ValidationException", "payload is not valid base64")
        if not 1 <= len(raw) <= 4096:
            return self.error(h, rec, "ValidationException",
                              "1 validation error detected: Value at 'payload' failed to satisfy "
                              "constraint: Member must have length between 1 and 4096")
        out = self._local_call(h, rec, self.local and self.local.sign_payload, req["profileName"],
                               req["payload"], req["payloadFormat"], req.get("profileOwner"))
        if out is not None:
            send_json(h, rec, 200, out, self.base_headers(rec))

    def get_revocation_status(self, h, rec, query):
        params = {}
        for part in query.split("&") if query else []:
            k, _, v = part.partition("=")
            params.setdefault(urllib.parse.unquote(k), []).append(urllib.parse.unquote(v))
        need = ("signatureTimestamp", "platformId", "profileVersionArn", "jobArn", "certificateHashes")
        missing = [n for n in need if not params.get(n)]
        if missing:
            return self.error(h, rec, "ValidationException",
                              "1 validation error detected: Value null at '%s' failed to satisfy "
                              "constraint: Member must not be null" % missing[0])
        if rec.body:
            return self.error(h, rec, "ValidationException", "GetRevocationStatus takes no body")
        out = self._local_call(h, rec, self.local and self.local.get_revocation_status,
                               params["signatureTimestamp"][0], params["platformId"][0],
                               params["profileVersionArn"][0], params["jobArn"][0],
                               params["certificateHashes"])
        if out is not None:
            send_json(h, rec, 200, {"revokedEntities": out.get("revokedEntities", [])},
                      self.base_headers(rec))


def main():
    def add(ap):
        ap.add_argument("--store", required=True, help="signer-local store (created if needed)")
        ap.add_argument("--signer-local", default=None)
        ap.add_argument("--region", default=REGION)
        ap.add_argument("--account-id", default=ACCOUNT)
        ap.add_argument("--access-key", default="AKIDEXAMPLE")
        ap.add_argument("--secret-key", default="wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY")
        ap.add_argument("--session-token", default=None)
        ap.add_argument("--profile", action="append", default=[],
                        help="create this signing profile in the store (repeatable)")

    def factory(args):
        local = LocalSigner(args.store, args.signer_local, args.region, args.account_id).init()
        for name in args.profile:
            print(json.dumps(local.put_profile(name)), flush=True)
        keys = sigv4.KeyTable()
        keys.add(args.access_key, args.secret_key, args.session_token)
        return FakeSigner(keys, local, args.region, host=args.host, port=args.port,
                          verbose=args.verbose)

    return run_main(factory, __doc__, add)


__all__ = ["FakeSigner", "LocalSigner", "Fault", "ERROR_STATUS", "REGION", "ACCOUNT"]

if __name__ == "__main__":
    raise SystemExit(main())
