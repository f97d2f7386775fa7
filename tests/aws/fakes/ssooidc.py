"""Fake IAM Identity Center OIDC service (SSO OIDC) on loopback: CreateToken with the
refresh_token grant, the call that renews the token `aws sso login` cached (rest-json, unsigned).

  POST /token   Content-Type: application/json
      {"clientId", "clientSecret", "grantType": "refresh_token", "refreshToken"}
  -> 200 {"accessToken", "tokenType": "Bearer", "expiresIn": <seconds>, "refreshToken"}

The refresh token is rotated (the old one stops working) as IAM Identity Center does. When a
FakeSSOPortal is given, every access token handed out is added to its tokens, so the portal's
GetRoleCredentials accepts it.

Errors as the service sends them: x-amzn-ErrorType header plus {"error", "error_description"}:
  400 InvalidRequestException      a member missing or not a string
  400 UnsupportedGrantTypeException grantType other than refresh_token
  401 InvalidClientException       unknown clientId, or a clientSecret that does not match it
  400 InvalidGrantException        unknown (or already used) refreshToken, or one issued to
                                   another client
Scripted faults per operation "CreateToken".

Run by hand: python3 -m tests.aws.fakes.ssooidc --client ID:SECRET --refresh-token TOKEN
"""

import json
import secrets
import time

from .base import FakeServer, run_main, send_json

PATH = "/token"
ERROR_NAMES = {
    "InvalidRequestException": "invalid_request",
    "UnsupportedGrantTypeException": "unsupported_grant_type",
    "InvalidClientException": "invalid_client",
    "InvalidGrantException": "invalid_grant",
}


class FakeSSOOIDC(FakeServer):
    name = "fake-sso-oidc"

    def __init__(self, clients=None, refresh_tokens=None, portal=None, expires_in=3600,
                 rotate=True, **kw):
        super().__init__(**kw)
        self.clients = dict(clients or {})                # clientId -> clientSecret
        self.refresh_tokens = dict(refresh_tokens or {})  # refreshToken -> clientId
        self.portal = portal
        self.expires_in = expires_in
        self.rotate = rotate
        self.issued = []       # [(clientId, old refreshToken, accessToken, new refreshToken)]

    def base_headers(self, rec):
        return {"x-amzn-RequestId": rec.request_id}

    def send_error_answer(self, h, rec, status, code, message, headers=None):
        hdrs = {"x-amzn-RequestId": rec.request_id, "x-amzn-ErrorType": code}
        hdrs.update(headers or {})
        send_json(h, rec, status, {"error": ERROR_NAMES.get(code, "server_error"),
                                   "error_description": message}, hdrs)

    def operation_of(self, rec):
        return "CreateToken" if rec.path.partition("?")[0] == PATH else None

    def handle(self, h, rec):
        path = rec.path.partition("?")[0]
        if rec.method != "POST" or path != PATH:
            return self.send_error_answer(h, rec, 404, "UnknownOperationException",
                                          f"no operation at {rec.method} {path}")
        fault = self.next_fault("CreateToken")
        if fault is not None and self.apply_fault(h, rec, fault):
            return None
        try:
            args = json.loads(rec.body or b"{}")
        except ValueError:
            args = None
        names = ("clientId", "clientSecret", "grantType", "refreshToken")
        if not isinstance(args, dict) or not all(isinstance(args.get(n), str) for n in names):
            return self.send_error_answer(h, rec, 400, "InvalidRequestException",
                                          "clientId, clientSecret, grantType and refreshToken "
                                          "are required")
        if args["grantType"] != "refresh_token":
            return self.send_error_answer(h, rec, 400, "UnsupportedGrantTypeException",
                                          "Unsupported grant type")
        client = args["clientId"]
        if self.clients.get(client) != args["clientSecret"]:
            rec.auth_ok = False
            return self.send_error_answer(h, rec, 401, "InvalidClientException",
                                          "Invalid client provided")
        if self.refresh_tokens.get(args["refreshToken"]) != client:
            rec.auth_ok = False
            return self.send_error_answer(h, rec, 400, "InvalidGrantException",
                                          "Invalid refresh token provided")
        rec.auth_ok = True
        access = "aoaAAAAA-oidc-" + secrets.token_urlsafe(40)
        refresh = args["refreshToken"]
        if self.rotate:
            del self.refresh_tokens[refresh]
            refresh = "aorAAAAA-oidc-" + secrets.token_urlsafe(40)
            self.refresh_tokens[refresh] = client
        if self.portal is not None:
            self.portal.tokens[access] = time.time() + self.expires_in
        self.issued.append((client, args["refreshToken"], access, refresh))
        send_json(h, rec, 200, {"accessToken": access, "tokenType": "Bearer",
                                "expiresIn": self.expires_in, "refreshToken": refresh},
                  self.base_headers(rec))


def main():
    def add(ap):
        ap.add_argument("--client", action="append", default=[], help="ID:SECRET")
        ap.add_argument("--refresh-token", action="append", default=[],
                        help="issued to the first --client")

    def make(a):
        clients = dict(c.split(":", 1) for c in a.client)
        first = next(iter(clients), None)
        return FakeSSOOIDC(clients=clients, refresh_tokens={t: first for t in a.refresh_token},
                           host=a.host, port=a.port, verbose=a.verbose)

    return run_main(make, __doc__, add)


if __name__ == "__main__":
    raise SystemExit(main())
