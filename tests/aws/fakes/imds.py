"""Fake EC2 instance metadata service (IMDS) on loopback.

  PUT /latest/api/token                          needs X-aws-ec2-metadata-token-ttl-seconds
                                                 (1..21600), answers a token (text)
  GET /latest/meta-data/iam/security-credentials/        the role name
  GET /latest/meta-data/iam/security-credentials/<role>  {Code, LastUpdated, Type, AccessKeyId,
                                                          SecretAccessKey, Token, Expiration}
  GET /latest/meta-data/placement/region         the region

mode "v2-only" (default): the GETs need a valid X-aws-ec2-metadata-token (else 401);
"optional": token or none; "v1-only": the token PUT answers 403 (as when IMDSv2 is unavailable)
and the GETs need no token. Credentials handed out are added to the shared key table.

Run by hand: python3 -m tests.aws.fakes.imds --mode optional
"""

import json
import secrets
import time

from . import sigv4
from .base import FakeServer, run_main
from .sts import iso, make_key_id


class FakeIMDS(FakeServer):
    name = "fake-imds"

    def __init__(self, keys=None, role="sgn-test-instance-role", mode="v2-only", region="us-east-1",
                 duration=6 * 3600, **kw):
        super().__init__(**kw)
        self.keys = keys if keys is not None else sigv4.KeyTable()
        self.role, self.mode, self.region, self.duration = role, mode, region, duration
        self.tokens = {}   # token -> expiry (Unix time)
        self.key = None    # the credentials currently served

    def send_error_answer(self, h, rec, status, code, message, headers=None):
        h.send_raw(rec, status, (message + "\n").encode(), "text/plain", headers)

    def credentials(self):
        if self.key is None or self.key.expires - time.time() < 300:
            self.key = self.keys.add(make_key_id("ASIA", "IMDS"), secrets.token_urlsafe(30),
                                     "IQoJ" + secrets.token_urlsafe(60),
                                     time.time() + self.duration, source="imds")
        return self.key

    def _token_ok(self, rec):
        tok = rec.header("X-aws-ec2-metadata-token")
        if tok is None:
            return self.mode != "v2-only"
        return self.tokens.get(tok, 0) > time.time()

    def handle(self, h, rec):
        path = rec.path.partition("?")[0]
        if path == "/latest/api/token":
            rec.operation = "token"
            fault = self.next_fault("token")
            if fault is not None and self.apply_fault(h, rec, fault):
                return None
            if rec.method != "PUT":
                return self.send_error_answer(h, rec, 405, "", "Method Not Allowed")
            if self.mode == "v1-only":
                return self.send_error_answer(h, rec, 403, "", "Forbidden")
            if rec.header("X-Forwarded-For") is not None:
                return self.send_error_answer(h, rec, 403, "", "Forbidden")
            ttl = rec.header("X-aws-ec2-metadata-token-ttl-seconds")
            if ttl is None or not ttl.isdigit() or not 1 <= int(ttl) <= 21600:
                return self.send_error_answer(h, rec, 400, "", "Bad Request")
            tok = "AQAEA" + secrets.token_urlsafe(40)
            self.tokens[tok] = time.time() + int(ttl)
            return h.send_raw(rec, 200, tok.encode(), "text/plain",
                              {"X-aws-ec2-metadata-token-ttl-seconds": ttl})
        if rec.method != "GET":
            return self.send_error_answer(h, rec, 405, "", "Method Not Allowed")
        if not self._token_ok(rec):
            rec.operation = "unauthorized"
            return self.send_error_answer(h, rec, 401, "", "Unauthorized")
        base = "/latest/meta-data/iam/security-credentials/"
        if path == base:
            rec.operation = "role"
            fault = self.next_fault("role")
            if fault is not None and self.apply_fault(h, rec, fault):
                return None
            return h.send_raw(rec, 200, self.role.encode(), "text/plain")
        if path.startswith(base) and path[len(base):]:
            rec.operation = "credentials"
            fault = self.next_fault("credentials")
            if fault is not None and self.apply_fault(h, rec, fault):
                return None
            if path[len(base):] != self.role:
                return self.send_error_answer(h, rec, 404, "", "Not Found")
            key = self.credentials()
            body = {"Code": "Success", "LastUpdated": iso(time.time()), "Type": "AWS-HMAC",
                    "AccessKeyId": key.access_key, "SecretAccessKey": key.secret_key,
                    "Token": key.session_token, "Expiration": iso(key.expires)}
            return h.send_raw(rec, 200, json.dumps(body, indent=2).encode(), "text/plain")
        if path == "/latest/meta-data/placement/region":
            rec.operation = "region"
            return h.send_raw(rec, 200, self.region.encode(), "text/plain")
        rec.operation = "other"
        return self.send_error_answer(h, rec, 404, "", "Not Found")


def main():
    def add(ap):
        ap.add_argument("--mode", choices=["v2-only", "optional", "v1-only"], default="v2-only")
        ap.add_argument("--role", default="sgn-test-instance-role")

    return run_main(lambda a: FakeIMDS(mode=a.mode, role=a.role, host=a.host, port=a.port,
                                       verbose=a.verbose), __doc__, add)


if __name__ == "__main__":
    raise SystemExit(main())
