"""Fake AWS STS on loopback (query protocol, XML answers in STS's exact shape).

  AssumeRole                 SigV4-signed (service "sts", fakes/sigv4.py) with a key of the
                             shared table; the RoleArn must be one of `roles` (all, when None)
  AssumeRoleWithWebIdentity  unsigned; WebIdentityToken must equal `web_identity_token`

The credentials it issues are added to the shared key table, so the fake Signer accepts requests
signed with them. Errors: <ErrorResponse><Error><Type>Sender</Type><Code>..</Code><Message>..
</Message></Error><RequestId>..</RequestId></ErrorResponse>. Scripted faults per Action.

Run by hand: python3 -m tests.aws.fakes.sts --web-identity-token TOKEN
"""

import secrets
import string
import time
import urllib.parse
from datetime import datetime, timezone
from xml.sax.saxutils import escape

from . import sigv4
from .base import FakeServer, run_main

NS = "https://sts.amazonaws.com/doc/2011-06-15/"
REGION = "us-east-1"


def make_key_id(prefix, tag):
    """A 20-character key id such as ASIASTS0ABCDEFGHIJKL (upper-case letters and digits)."""
    alphabet = string.ascii_uppercase + string.digits
    base = (prefix + tag.upper())[:12]
    return base + "".join(secrets.choice(alphabet) for _ in range(20 - len(base)))


def iso(ts):
    return datetime.fromtimestamp(ts, timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


class FakeSTS(FakeServer):
    name = "fake-sts"

    def __init__(self, keys=None, region=REGION, roles=None, web_identity_token=None,
                 duration=3600, **kw):
        super().__init__(**kw)
        self.keys = keys if keys is not None else sigv4.KeyTable()
        self.region = region
        self.roles = roles                    # None = any role ARN
        self.web_identity_token = web_identity_token
        self.duration = duration
        self.issued = []                      # [(action, role_arn, session_name, Key)]

    def send_error_answer(self, h, rec, status, code, message, headers=None):
        kind = "Receiver" if status >= 500 else "Sender"
        body = (f'<ErrorResponse xmlns="{NS}">\n  <Error>\n    <Type>{kind}</Type>\n'
                f"    <Code>{escape(code)}</Code>\n    <Message>{escape(message)}</Message>\n"
                f"  </Error>\n  <RequestId>{rec.request_id}</RequestId>\n</ErrorResponse>\n")
        hdrs = {"x-amzn-RequestId": rec.request_id}
        hdrs.update(headers or {})
        h.send_raw(rec, status, body.encode(), "text/xml", hdrs)

    def handle(self, h, rec):
        path, _, query = rec.path.partition("?")
        form = {}
        raw = rec.body.decode("utf-8", "replace") if rec.method == "POST" else query
        for k, v in urllib.parse.parse_qsl(raw, keep_blank_values=True):
            form[k] = v
        action = form.get("Action", "")
        rec.operation = action or "Unknown"
        if action not in ("AssumeRole", "AssumeRoleWithWebIdentity"):
            return self.send_error_answer(h, rec, 400, "InvalidAction",
                                          f"Could not find operation {action or '(none)'} for version "
                                          f"{form.get('Version', 'NO_VERSION_SPECIFIED')}")
        if action == "AssumeRole":
            auth = sigv4.verify(rec.method, rec.path, rec.headers, rec.body, self.keys,
                                self.region, "sts")
            rec.auth_ok = auth.ok
            if not auth.ok:
                code = {"UnrecognizedClientException": "InvalidClientTokenId",
                        "InvalidSignatureException": "SignatureDoesNotMatch",
                        "MissingAuthenticationTokenException": "MissingAuthenticationToken",
                        "IncompleteSignatureException": "IncompleteSignature",
                        "ExpiredTokenException": "ExpiredToken"}.get(auth.code, auth.code)
                rec.auth_error = code
                return self.send_error_answer(h, rec, auth.status, code, auth.message)
        elif rec.header("Authorization") is not None:
            rec.auth_ok = False
            rec.auth_error = "signed"
            return self.send_error_answer(h, rec, 400, "InvalidParameterValue",
                                          "AssumeRoleWithWebIdentity must not be signed "
                                          "(fake STS: the SDKs send it unsigned)")
        fault = self.next_fault(action)
        if fault is not None and self.apply_fault(h, rec, fault):
            return None
        role = form.get("RoleArn", "")
        session = form.get("RoleSessionName", "")
        if not role or not session:
            return self.send_error_answer(h, rec, 400, "ValidationError",
                                          "1 validation error detected: Value null at '%s' failed "
                                          "to satisfy constraint: Member must not be null"
                                          % ("roleArn" if not role else "roleSessionName"))
        if action == "AssumeRoleWithWebIdentity":
            token = form.get("WebIdentityToken", "")
            if self.web_identity_token is None or token != self.web_identity_token:
                return self.send_error_answer(h, rec, 400, "InvalidIdentityToken",
                                              "The web identity token that was passed could not "
                                              "be validated by Amazon Web Services.")
        if self.roles is not None and role not in self.roles:
            return self.send_error_answer(h, rec, 403, "AccessDenied",
                                          f"User: {rec.access_key or 'anonymous'} is not authorized "
                                          f"to perform: sts:{action} on resource: {role}")
        key = self.keys.add(make_key_id("ASIA", "STS" if action == "AssumeRole" else "WEBID"),
                            secrets.token_urlsafe(30), "FQoG" + secrets.token_urlsafe(60),
                            time.time() + self.duration, source=f"sts:{action}")
        self.issued.append((action, role, session, key))
        account = role.split(":")[4] if role.count(":") >= 5 else "123456789012"
        role_name = role.rsplit("/", 1)[-1]
        extra = ""
        if action == "AssumeRoleWithWebIdentity":
            extra = ("    <SubjectFromWebIdentityToken>system:serviceaccount:default:app"
                     "</SubjectFromWebIdentityToken>\n    <Audience>sts.amazonaws.com</Audience>\n"
                     "    <Provider>oidc.eks.us-east-1.amazonaws.com/id/FAKE</Provider>\n")
        body = (f'<{action}Response xmlns="{NS}">\n  <{action}Result>\n{extra}'
                f"    <AssumedRoleUser>\n      <AssumedRoleId>AROAFAKEROLEID:{escape(session)}</AssumedRoleId>\n"
                f"      <Arn>arn:aws:sts::{account}:assumed-role/{escape(role_name)}/{escape(session)}</Arn>\n"
                f"    </AssumedRoleUser>\n    <Credentials>\n"
                f"      <AccessKeyId>{key.access_key}</AccessKeyId>\n"
                f"      <SecretAccessKey>{key.secret_key}</SecretAccessKey>\n"
                f"      <SessionToken>{key.session_token}</SessionToken>\n"
                f"      <Expiration>{iso(key.expires)}</Expiration>\n    </Credentials>\n"
                f"  </{action}Result>\n  <ResponseMetadata>\n"
                f"    <RequestId>{rec.request_id}</RequestId>\n  </ResponseMetadata>\n"
                f"</{action}Response>\n")
        h.send_raw(rec, 200, body.encode(), "text/xml", {"x-amzn-RequestId": rec.request_id})


def main():
    def add(ap):
        ap.add_argument("--web-identity-token", default=None)
        ap.add_argument("--access-key", default="AKIDEXAMPLE")
        ap.add_argument("--secret-key", default="wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY")

    def factory(args):
        keys = sigv4.KeyTable()
        keys.add(args.access_key, args.secret_key)
        return FakeSTS(keys, web_identity_token=args.web_identity_token, host=args.host,
                       port=args.port, verbose=args.verbose)

    return run_main(factory, __doc__, add)


if __name__ == "__main__":
    raise SystemExit(main())
