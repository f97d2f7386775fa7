"""Fake IAM Identity Center (SSO) portal on loopback: GetRoleCredentials, the call that turns the
token `aws sso login` cached into role credentials (rest-json, unsigned, bearer token header).

  GET /federation/credentials?account_id=A&role_name=R
      x-amz-sso_bearer_token: <token>       must be one of `tokens` (token -> expiry, or None)
  -> 200 {"roleCredentials": {"accessKeyId", "secretAccessKey", "sessionToken",
                              "expiration": <epoch milliseconds>}}

Errors as the portal sends them: x-amzn-ErrorType header plus {"message": ...}:
  401 UnauthorizedException  "Session token not found or invalid" (unknown or expired token)
  403 ForbiddenException     "No access" (the (account, role) pair is not in `roles`, when set)
  400 InvalidRequestException (account_id or role_name missing)
Scripted faults per operation "GetRoleCredentials". Credentials handed out are added to the
shared key table, so the fake Signer accepts requests signed with them.

Run by hand: python3 -m tests.aws.fakes.sso --token TOKEN
"""

import secrets
import time
import urllib.parse

from . import sigv4
from .base import FakeServer, run_main, send_json
from .sts import make_key_id

PATH = "/federation/credentials"


class FakeSSOPortal(FakeServer):
    name = "fake-sso-portal"

    def __init__(self, keys=None, tokens=None, roles=None, duration=3600, **kw):
        super().__init__(**kw)
        self.keys = keys if keys is not None else sigv4.KeyTable()
        self.tokens = dict(tokens or {})      # token -> expiry (Unix seconds) or None
        self.roles = roles                    # None = any (account, role) pair
        self.duration = duration
        self.issued = []                      # [(account, role, token, Key)]

    def base_headers(self, rec):
        return {"x-amzn-RequestId": rec.request_id}

    def send_error_answer(self, h, rec, status, code, message, headers=None):
        hdrs = {"x-amzn-RequestId": rec.request_id, "x-amzn-ErrorType": code}
        hdrs.update(headers or {})
        send_json(h, rec, status, {"message": message}, hdrs)

    def operation_of(self, rec):
        return "GetRoleCredentials" if rec.path.partition("?")[0] == PATH else None

    def handle(self, h, rec):
        path, _, query = rec.path.partition("?")
        if rec.method != "GET" or path != PATH:
            return self.send_error_answer(h, rec, 404, "UnknownOperationException",
                                          f"no operation at {rec.method} {path}")
        args = dict(urllib.parse.parse_qsl(query, keep_blank_values=True))
        fault = self.next_fault("GetRoleCredentials")
        if fault is not None and self.apply_fault(h, rec, fault):
            return None
        account, role = args.get("account_id", ""), args.get("role_name", "")
        if not account or not role:
            return self.send_error_answer(h, rec, 400, "InvalidRequestException",
                                          "account_id and role_name are required")
        token = rec.header("x-amz-sso_bearer_token")
        if token not in self.tokens or (self.tokens[token] is not None
                                        and time.time() > self.tokens[token]):
            rec.auth_ok = False
            return self.send_error_answer(h, rec, 401, "UnauthorizedException",
                                          "Session token not found or invalid")
        rec.auth_ok = True
        if self.roles is not None and (account, role) not in self.roles:
            return self.send_error_answer(h, rec, 403, "ForbiddenException", "No access")
        key = self.keys.add(make_key_id("ASIA", "SSO"), secrets.token_urlsafe(30),
                            "IQoJb3JpZ2luX2VjEPSSO" + secrets.token_urlsafe(60),
                            time.time() + self.duration, source="sso")
        self.issued.append((account, role, token, key))
        send_json(h, rec, 200, {"roleCredentials": {
            "accessKeyId": key.access_key, "secretAccessKey": key.secret_key,
            "sessionToken": key.session_token, "expiration": int(key.expires * 1000)}},
            self.base_headers(rec))


def main():
    def add(ap):
        ap.add_argument("--token", action="append", default=[])

    return run_main(lambda a: FakeSSOPortal(tokens={t: None for t in a.token}, host=a.host,
                                            port=a.port, verbose=a.verbose), __doc__, add)


if __name__ == "__main__":
    raise SystemExit(main())
