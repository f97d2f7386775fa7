"""Print the botocore-signed requests that tests/unit/check_sigv4_verify.c verifies (the
`botocore_cases` table). Run with botocore 1.43.11 (the pinned one):

    python3 tests/tools/gen_sigv4_verify_fixture.py

A TagResource POST and a ListTagsForResource GET on /tags/{resourceArn}, the ARN label
percent-encoded as botocore's Signer client sends it (%3A and %2F inside one segment), to a
non-default port, with a session token; the clock is frozen at 2026-01-01T00:00:00Z."""

import datetime
from unittest import mock

import botocore
import botocore.auth
import botocore.credentials
from botocore.awsrequest import AWSRequest
from botocore.utils import percent_encode

FROZEN = datetime.datetime(2026, 1, 1, 0, 0, 0)
ARN = "arn:aws:signer:us-east-1:123456789012:/signing-profiles/p"
URL = "http://127.0.0.1:8443/tags/" + percent_encode(ARN, safe="")


def sign(method, url, body, token):
    creds = botocore.credentials.Credentials(
        "AKIDEXAMPLE", "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY", token)
    headers = {"Content-Type": "application/json"} if body else {}
    req = AWSRequest(method=method, url=url, data=body, headers=headers)
    with mock.patch.object(botocore.auth, "get_current_datetime",
                           lambda remove_tzinfo=True: FROZEN):
        botocore.auth.SigV4Auth(creds, "signer", "us-east-1").add_auth(req)
    return req


print("botocore", botocore.__version__)
for method, url, body, token in (("POST", URL, b'{"tags": {"k1": "v1"}}', "SESSIONTOKEN"),
                                 ("GET", URL, b"", None),
                                 ("DELETE", URL + "?tagKeys=k1&tagKeys=k%202", b"", None)):
    r = sign(method, url, body, token)
    print(method, r.url)
    for k, v in r.headers.items():
        print(f"  {k}: {v}")
