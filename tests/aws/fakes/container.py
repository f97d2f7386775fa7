"""Fake container credentials endpoint (ECS task roles, EKS Pod Identity) on loopback.

  GET <path> (default /v1/credentials) with `Authorization: <token>` equal to the current `token`
  (None: no header required) -> {"AccessKeyId", "SecretAccessKey", "Token", "Expiration",
  "AccountId"}; a wrong or missing token -> 403 {"code": "AccessDenied", "message": ...}.

Rotate with `fake.token = "new"` (as the Pod Identity agent rotates the token file). Credentials
handed out are added to the shared key table. Bind to 169.254.170.23 port 80 inside a private
network namespace to stand in for the EKS Pod Identity agent.

Run by hand: python3 -m tests.aws.fakes.container --token SECRET-TOKEN
"""

import secrets
import time

from . import sigv4
from .base import FakeServer, run_main, send_json
from .sts import iso, make_key_id


class FakeContainerCredentials(FakeServer):
    name = "fake-container-credentials"

    def __init__(self, keys=None, token=None, path="/v1/credentials", account="123456789012",
                 duration=6 * 3600, **kw):
        super().__init__(**kw)
        self.keys = keys if keys is not None else sigv4.KeyTable()
        self.token, self.cred_path, self.account, self.duration = token, path, account, duration
        self.key = None

    def send_error_answer(self, h, rec, status, code, message, headers=None):
        send_json(h, rec, status, {"code": code or "Error", "message": message}, headers)

    def handle(self, h, rec):
        rec.operation = "credentials"
        if rec.method != "GET" or rec.path.partition("?")[0] != self.cred_path:
            return self.send_error_answer(h, rec, 404, "NotFound", f"nothing at {rec.path}")
        fault = self.next_fault("credentials")
        if fault is not None and self.apply_fault(h, rec, fault):
            return None
        if self.token is not None and rec.header("Authorization") != self.token:
            return self.send_error_answer(h, rec, 403, "AccessDenied",
                                          "the Authorization header does not hold the current "
                                          "token")
        if self.key is None:
            self.key = self.keys.add(make_key_id("ASIA", "CONTAINER"), secrets.token_urlsafe(30),
                                     "IQoJb3Jp" + secrets.token_urlsafe(60),
                                     time.time() + self.duration, source="container")
        k = self.key
        send_json(h, rec, 200, {"AccessKeyId": k.access_key, "SecretAccessKey": k.secret_key,
                                "Token": k.session_token, "Expiration": iso(k.expires),
                                "AccountId": self.account})


def main():
    def add(ap):
        ap.add_argument("--token", default=None)
        ap.add_argument("--path", default="/v1/credentials")

    return run_main(lambda a: FakeContainerCredentials(token=a.token, path=a.path, host=a.host,
                                                       port=a.port, verbose=a.verbose), __doc__, add)


if __name__ == "__main__":
    raise SystemExit(main())
