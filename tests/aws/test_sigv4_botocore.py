"""The C SigV4 signer (core/aws/sigv4.c, driven through tests/tools/sigv4_tool) against botocore's
SigV4Auth on Signer-shaped requests, at a frozen clock.

Requests are built the way botocore's Signer client builds them (rest-json): path labels and query
values percent-encoded with only the unreserved characters kept (botocore.utils.percent_encode),
lists as repeated query keys, JSON bodies with Content-Type: application/json. botocore signs the
URL it is given; the C signer gets the same path and query strings as they go on the wire.

Binary: SGN_SIGV4_TOOL (default <repo>/build/tests/sigv4_tool)."""

import base64
import datetime
import json
import os
import pathlib
import random
import subprocess
from unittest import mock

import pytest

# botocore comes from PyPI (scripts/install-deps.sh pins it); a missing one is an error, not a skip.
import botocore
import botocore.auth
import botocore.credentials
from botocore.awsrequest import AWSRequest
from botocore.utils import percent_encode

REPO = pathlib.Path(__file__).resolve().parents[2]
SIGV4_TOOL = os.path.abspath(os.environ.get("SGN_SIGV4_TOOL") or REPO / "build/tests/sigv4_tool")

AKID = "AKIDEXAMPLE"
SECRET = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY"
TOKEN = "SESSIONTOKEN"
REGION = "us-east-1"
FROZEN = datetime.datetime(2015, 8, 30, 12, 36, 0)  # 20150830T123600Z, as in §1.10
FROZEN_UNIX = 1440938160
SIGNER = "https://signer.us-east-1.amazonaws.com"
DATA_SIGNER = "https://data-signer.us-east-1.amazonaws.com"
PROFILE_ARN = "arn:aws:signer:us-east-1:123456789012:/signing-profiles/my_profile"
JOB_ARN = "arn:aws:signer:us-east-1:123456789012:/signing-jobs/e218ee67-5dd3-4dc4-8caf-224898b12493"


@pytest.fixture(scope="module")
def sigv4_tool():
    if not os.access(SIGV4_TOOL, os.X_OK):
        pytest.fail(f"sigv4_tool {SIGV4_TOOL} not found: build it or set SGN_SIGV4_TOOL")
    return SIGV4_TOOL


def _frozen_clock():
    """Freeze botocore's SigV4 clock at FROZEN, whichever way this botocore reads it."""
    if hasattr(botocore.auth, "get_current_datetime"):
        return mock.patch.object(botocore.auth, "get_current_datetime",
                                 lambda remove_tzinfo=True: FROZEN)
    fake = mock.Mock(wraps=datetime)
    fake.datetime = mock.Mock(wraps=datetime.datetime)
    fake.datetime.utcnow.return_value = FROZEN
    return mock.patch.object(botocore.auth, "datetime", fake)


def label(value):
    """A rest-json path label (not greedy): only A-Z a-z 0-9 - . _ ~ kept."""
    return percent_encode(value)


def query(pairs):
    """A rest-json query string; lists are given as repeated (key, value) pairs."""
    return "&".join(f"{percent_encode(k)}={percent_encode(v)}" for k, v in pairs)


def jbody(obj):
    """A rest-json body as botocore serializes it (json.dumps default separators)."""
    return json.dumps(obj).encode("utf-8")


def botocore_sign(method, endpoint, path, qs, body, token):
    url = endpoint + path + (f"?{qs}" if qs else "")
    headers = {"Content-Type": "application/json"} if body is not None else {}
    # Sent by the real client, never signed by botocore (excluded or added after signing).
    headers["User-Agent"] = "Botocore/test"
    req = AWSRequest(method=method, url=url, data=body or b"", headers=headers)
    creds = botocore.credentials.Credentials(AKID, SECRET, token)
    with _frozen_clock():
        botocore.auth.SigV4Auth(creds, "signer", REGION).add_auth(req)
    host = botocore.auth._host_from_url(url)
    return req.headers["Authorization"], host, req


def tool_sign(tool, method, host, path, qs, body, token):
    headers = [["Host", host]]
    if body is not None:
        headers.insert(0, ["Content-Type", "application/json"])
    req = {"method": method, "path": path, "query": qs or "", "headers": headers,
           "body_b64": base64.b64encode(body or b"").decode(), "region": REGION,
           "service": "signer", "time": FROZEN_UNIX, "access_key_id": AKID,
           "secret_access_key": SECRET}
    if token is not None:
        req["session_token"] = token
    p = subprocess.run([tool], input=json.dumps(req).encode(), capture_output=True, timeout=60)
    assert p.returncode == 0, p.stderr.decode(errors="replace")
    out = json.loads(p.stdout)
    assert out["amz_date"] == "20150830T123600Z"
    assert SECRET not in p.stdout.decode()
    return out


def compare(tool, method, endpoint, path, qs=None, body=None, token=TOKEN):
    auth, host, req = botocore_sign(method, endpoint, path, qs, body, token)
    out = tool_sign(tool, method, host, path, qs, body, token)
    assert out["authorization"] == auth, (
        f"\nbotocore: {auth}\nC:        {out['authorization']}\n"
        f"C canonical request:\n{out['canonical_request']}\n"
        f"botocore canonical request:\n"
        f"{botocore.auth.SigV4Auth(None, 'signer', REGION).canonical_request(req)}")
    return out


# ---- the harness against the §1.10 capture ----------------------------------------------------

SIGN_PAYLOAD_BODY = jbody({"profileName": "my_profile", "payload": "aGVsbG8=",
                           "payloadFormat": "application/vnd.cncf.notary.payload.v1+json",
                           "profileOwner": "123456789012"})
REVOCATION_QUERY = query([("signatureTimestamp", "2023-12-06T01:20:03Z"),
                          ("platformId", "Notation-OCI-SHA384-ECDSA"),
                          ("profileVersionArn", PROFILE_ARN + "/abcdef1234"),
                          ("jobArn", JOB_ARN),
                          ("certificateHashes", "b" * 96 + "c" * 96),
                          ("certificateHashes", "a" * 192)])

GOLDEN = {
    "SignPayload": ("POST", SIGNER, "/signing-jobs/with-payload", None, SIGN_PAYLOAD_BODY,
                    "cf41cfc8d9003d2363c8744863d46e21ee4063248374a18abfec44471de25c6f"),
    "GetRevocationStatus": ("GET", DATA_SIGNER, "/revocations", REVOCATION_QUERY, None,
                            "5d0b34f6af3aa0efe95d69c10ccb00630554306a4e604bda3f19b5dd765915e6"),
    "UntagResource": ("DELETE", SIGNER, "/tags/" + label(PROFILE_ARN),
                      query([("tagKeys", "k1"), ("tagKeys", "k2")]), None,
                      "c2df7ba9b01d95397c51d81d6135e61d53190275a2d06a392f99b82860fcde1d"),
    "TagResource": ("POST", SIGNER, "/tags/" + label(PROFILE_ARN), None,
                    jbody({"tags": {"k1": "v1"}}),
                    "29d53bf3ca10d7d1df022a7f630ee4d818929a5c73f7a1d98e25479176616fde"),
}


@pytest.mark.parametrize("op", sorted(GOLDEN))
def test_harness_reproduces_captured_botocore(op, sigv4_tool):
    """Before trusting the harness: botocore, driven as here, gives the signatures captured from
    a real botocore Signer client (research §1.10), and so does the C signer."""
    method, endpoint, path, qs, body, sig = GOLDEN[op]
    if op == "SignPayload":
        assert len(body) == 148
    if op == "UntagResource":
        assert path == ("/tags/arn%3Aaws%3Asigner%3Aus-east-1%3A123456789012%3A%2F"
                        "signing-profiles%2Fmy_profile")
    auth, _, _ = botocore_sign(method, endpoint, path, qs, body, TOKEN)
    assert auth.endswith(f", Signature={sig}"), auth
    out = compare(sigv4_tool, method, endpoint, path, qs, body)
    assert out["signature"] == sig


# ---- Signer-shaped requests ----------------------------------------------------------------


CASES = {
    "SignPayload-no-token": ("POST", SIGNER, "/signing-jobs/with-payload", None,
                             SIGN_PAYLOAD_BODY, None),
    "GetRevocationStatus-no-token": ("GET", DATA_SIGNER, "/revocations", REVOCATION_QUERY,
                                     None, None),
    "ListTagsForResource-job": ("GET", SIGNER, "/tags/" + label(JOB_ARN), None, None, TOKEN),
    "UntagResource-unicode-keys": ("DELETE", SIGNER, "/tags/" + label(PROFILE_ARN),
                                   query([("tagKeys", "k ä/ü:1"), ("tagKeys", "Z"),
                                          ("tagKeys", "a+b=c&d")]), None, TOKEN),
    "TagResource-unicode": ("POST", SIGNER, "/tags/" + label(PROFILE_ARN), None,
                            jbody({"tags": {"kä": "v ü", "k/2": "v:2"}}), TOKEN),
    "long-session-token": ("GET", SIGNER, "/signing-profiles/" + label("p1"),
                           query([("profileOwner", "123456789012")]), None,
                           "AQoDYXdzEPT//////////wEXAMPLEtc764bNrC9SAPBSM22wDOk4x4HIZ8j4FZTwdQWL"
                           "WsKWHGBuFqwAeMicRXmxfpSPfIeoIYRqTflfKD8YUuwthAx7mSEI/qkPpKPi/kMcGd"
                           "QrmGdeehM4IC1NtBmUpp2wUE8phUZampKsburEDy0KPkyQDYwT7WZ0wq5VSXDvp75Y"
                           "U9HFvlRd8Tx6q6fE8YQcHNVXAkiY9q6d+xo0rKwT38xVqr7ZD0u0iPPkUL64lIZbqB"
                           "Az+scqKmlzm8FDrypNC9Yjc8fPOLn9FX9KSYvKTr4rvx3iSIlTJabIQwj2ICCR/oLxBA=="),
    "custom-endpoint-port": ("POST", "https://localhost:8443", "/signing-jobs/with-payload", None,
                             SIGN_PAYLOAD_BODY, TOKEN),
    "custom-endpoint-ip-port-http": ("GET", "http://127.0.0.1:9000", "/revocations",
                                     REVOCATION_QUERY, None, None),
    "custom-endpoint-default-port": ("GET", "https://signer.us-east-1.amazonaws.com:443",
                                     "/signing-platforms", query([("maxResults", "10")]), None,
                                     TOKEN),
    "ListSigningJobs": ("GET", SIGNER, "/signing-jobs",
                        query([("status", "Succeeded"), ("isRevoked", "false"),
                               ("maxResults", "10"),
                               ("signatureExpiresBefore", "2026-01-01T00:00:00Z")]), None, TOKEN),
    "RevokeSigningProfile": ("PUT", SIGNER, "/signing-profiles/my_profile/revoke", None,
                             jbody({"profileVersion": "abcdef1234", "reason": "compromised",
                                    "effectiveTime": 1704067200}), TOKEN),
    "CancelSigningProfile-empty-body": ("DELETE", SIGNER, "/signing-profiles/my_profile", None,
                                        None, TOKEN),
    "PutSigningProfile-empty-object": ("PUT", SIGNER, "/signing-profiles/my_profile", None,
                                       b"{}", TOKEN),
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_matches_botocore(name, sigv4_tool):
    method, endpoint, path, qs, body, token = CASES[name]
    compare(sigv4_tool, method, endpoint, path, qs, body, token)


# ---- random labels and query values (fixed seed) ----------------------------------------------

ALPHABET = ("abcXYZ019-._~ :/?#[]@!$&'()*+,;=%\"<>\\^`{|}"
            "äöüßéñ€中文ሴ😀\u00a0\u200b")
N_RANDOM = 40


def _random_text(rng, lo=1, hi=12):
    return "".join(rng.choice(ALPHABET) for _ in range(rng.randint(lo, hi)))


def _random_case(i):
    rng = random.Random(20150830 + i)
    method = rng.choice(["GET", "POST", "PUT", "DELETE"])
    kind = rng.randrange(4)
    if kind == 0:
        path = "/tags/" + label(f"arn:aws:signer:us-east-1:123456789012:/signing-profiles/"
                                f"{_random_text(rng)}")
    elif kind == 1:
        path = f"/signing-profiles/{label(_random_text(rng))}/permissions/" \
               f"{label(_random_text(rng))}"
    elif kind == 2:
        path = f"/signing-jobs/{label(_random_text(rng))}/revoke"
    else:
        path = f"/signing-platforms/{label(_random_text(rng))}"
    pairs = []
    for _ in range(rng.randint(0, 5)):
        key = rng.choice(["tagKeys", "statuses", "nextToken", "profileOwner", "revisionId",
                          _random_text(rng, 1, 6)])
        pairs.append((key, _random_text(rng, 0, 16)))
    qs = query(pairs) if pairs else None
    body = None
    if method in ("POST", "PUT") and rng.random() < 0.8:
        body = jbody({"reason": _random_text(rng), "tags": {_random_text(rng): _random_text(rng)}})
    token = TOKEN if rng.random() < 0.5 else None
    endpoint = rng.choice([SIGNER, "https://localhost:8443", "http://127.0.0.1:1"])
    return method, endpoint, path, qs, body, token


@pytest.mark.parametrize("i", range(N_RANDOM))
def test_random_requests_match_botocore(i, sigv4_tool):
    compare(sigv4_tool, *_random_case(i))
