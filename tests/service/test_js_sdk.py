"""The AWS SDK for JavaScript v3 (@aws-sdk/client-signer 3.1134.0, tests/service/js, installed by
scripts/install-deps.sh with `npm ci`) against `signer-local serve`, one operation per `node
client.mjs` run: every operation serve supports, success and the main errors (the error's name,
$metadata.httpStatusCode, and $metadata.requestId, which must be the requestID the audit trail
recorded for that call).

GetRevocationStatus has the endpoint host prefix `data-` in the SDK's model; against a custom
endpoint such as http://127.0.0.1:PORT the client option `disableHostPrefix: true` is needed
(client.mjs sets it unless told otherwise; test_host_prefix_needs_disabling shows why)."""
import base64
import datetime
import json
import os
import re
import shutil
import subprocess
import time
from pathlib import Path

import pytest

from conftest import OTHER, OWNER, REGION, Server, create_key, run

JS_DIR = Path(__file__).resolve().parent / "js"
FORMAT = "application/vnd.cncf.notary.payload.v1+json"
PLATFORM = "Notation-OCI-SHA384-ECDSA"
PAYLOAD = b'{"targetArtifact":{"mediaType":"x","digest":"sha256:00","size":1}}'
SDK_VERSION = "3.1134.0"   # package.json; its User-Agent says aws-sdk-js/3.1133.0 (the SDK's own lag)
OPERATIONS = {
    "PutSigningProfile", "GetSigningProfile", "ListSigningProfiles", "CancelSigningProfile",
    "RevokeSigningProfile", "RevokeSignature", "DescribeSigningJob", "ListSigningJobs",
    "ListSigningPlatforms", "GetSigningPlatform", "SignPayload", "GetRevocationStatus",
    "AddProfilePermission", "ListProfilePermissions", "RemoveProfilePermission", "TagResource",
    "UntagResource", "ListTagsForResource",
}


def blob(data):
    return {"$base64": base64.b64encode(data).decode()}


def epoch(dt):
    return {"$epoch": dt.timestamp()}


@pytest.fixture(scope="module")
def node():
    exe = shutil.which("node")
    if exe is None:
        pytest.fail("node not found: run scripts/install-deps.sh")
    pkg = JS_DIR / "node_modules" / "@aws-sdk" / "client-signer" / "package.json"
    if not pkg.exists():
        pytest.fail(f"{pkg} missing: run scripts/install-deps.sh (npm ci in {JS_DIR})")
    assert json.loads(pkg.read_text())["version"] == SDK_VERSION
    return exe


class Js:
    def __init__(self, node, server):
        self.node = node
        self.server = server
        self.env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
        self.env.update({"NODE_NO_WARNINGS": "1", "AWS_CONFIG_FILE": os.devnull,
                         "AWS_SHARED_CREDENTIALS_FILE": os.devnull,
                         "AWS_EC2_METADATA_DISABLED": "true", "NO_PROXY": "*"})

    def call(self, key, operation, inp=None, **opts):
        req = {"operation": operation, "input": inp or {}, "endpoint": self.server.url,
               "region": REGION, "accessKeyId": key["AccessKeyId"],
               "secretAccessKey": key["SecretAccessKey"], "maxAttempts": 1, **opts}
        if key.get("SessionToken"):
            req["sessionToken"] = key["SessionToken"]
        r = subprocess.run([self.node, str(JS_DIR / "client.mjs")], input=json.dumps(req),
                           capture_output=True, text=True, timeout=120, env=self.env,
                           cwd=str(JS_DIR))
        assert r.returncode == 0, f"{operation}: exit {r.returncode}\n{r.stdout}\n{r.stderr}"
        return json.loads(r.stdout)

    def audit_of(self, request_id):
        recs = [x for x in self.server.audit_lines() if x["requestID"] == request_id]
        assert len(recs) == 1, (request_id, recs)
        return recs[0]

    def ok(self, key, operation, inp=None, **opts):
        out = self.call(key, operation, inp, **opts)
        assert "output" in out, (operation, out)
        rec = self.audit_of(out["requestId"])
        assert rec["eventName"] == operation and "errorCode" not in rec, rec
        return out["output"]

    def fail(self, key, operation, inp=None, **opts):
        """(name, httpStatusCode, message) of a service error; its requestId is the audit's."""
        out = self.call(key, operation, inp, **opts)
        assert "error" in out, (operation, out)
        e = out["error"]
        assert e["requestId"], e
        rec = self.audit_of(e["requestId"])
        assert rec["eventName"] == operation, rec
        assert rec["errorCode"] == e["name"] and rec["errorMessage"] == e["message"], (rec, e)
        return e["name"], e["httpStatusCode"], e["message"]


@pytest.fixture(scope="module")
def js(node, env):
    return Js(node, env["server"])


def profile_arn(name, account=OWNER):
    return f"arn:aws:signer:{REGION}:{account}:/signing-profiles/{name}"


def test_profiles_and_platforms(js, env):
    o = env["owner"]
    p = js.ok(o, "PutSigningProfile", {"profileName": "js_app", "platformId": PLATFORM,
                                       "signatureValidityPeriod": {"value": 2, "type": "YEARS"},
                                       "tags": {"team": "a"}})
    assert p["arn"] == profile_arn("js_app")
    g = js.ok(o, "GetSigningProfile", {"profileName": "js_app"})
    assert g["status"] == "Active" and g["profileVersionArn"] == p["profileVersionArn"]
    assert g["signatureValidityPeriod"] == {"value": 2, "type": "YEARS"}
    assert g["tags"] == {"team": "a"}
    js.ok(o, "PutSigningProfile", {"profileName": "js_more", "platformId": PLATFORM})
    # Paging: maxResults 1 hands back a nextToken the SDK sends as it got it.
    first = js.ok(o, "ListSigningProfiles", {"maxResults": 1})
    assert len(first["profiles"]) == 1 and first["nextToken"]
    second = js.ok(o, "ListSigningProfiles", {"maxResults": 1, "nextToken": first["nextToken"]})
    assert {first["profiles"][0]["profileName"], second["profiles"][0]["profileName"]} == \
        {"js_app", "js_more"}
    assert js.ok(o, "CancelSigningProfile", {"profileName": "js_more"}) == {}
    listed = js.ok(o, "ListSigningProfiles", {"includeCanceled": True,
                                              "statuses": ["Canceled"]})["profiles"]
    assert [x["profileName"] for x in listed] == ["js_more"]
    plats = js.ok(o, "ListSigningPlatforms", {})["platforms"]
    assert len(plats) == 5
    pl = js.ok(o, "GetSigningPlatform", {"platformId": PLATFORM})
    assert pl["platformId"] == PLATFORM and pl["revocationSupported"] is True
    assert pl["maxSizeInMB"] > 0


def test_sign_and_revoke(js, env):
    o = env["owner"]
    p = js.ok(o, "PutSigningProfile", {"profileName": "js_sign", "platformId": PLATFORM})
    s = js.ok(o, "SignPayload", {"profileName": "js_sign", "payload": blob(PAYLOAD),
                                 "payloadFormat": FORMAT})
    job_arn = f"arn:aws:signer:{REGION}:{OWNER}:/signing-jobs/{s['jobId']}"
    assert s["jobOwner"] == OWNER
    assert s["metadata"]["com.amazonaws.signer.signingJob"] == job_arn
    jws = json.loads(base64.b64decode(s["signature"]))
    assert len(jws["header"]["x5c"]) == 3
    d = js.ok(o, "DescribeSigningJob", {"jobId": s["jobId"]})
    assert d["status"] == "Succeeded" and d["profileVersion"] == p["profileVersion"]
    assert abs(d["createdAt"] - time.time()) < 300      # epoch seconds parsed into a Date
    now = datetime.datetime.now(datetime.timezone.utc)
    jobs = js.ok(o, "ListSigningJobs", {"isRevoked": False, "maxResults": 5,
                                        "signatureExpiresAfter": epoch(now)})["jobs"]
    assert s["jobId"] in [j["jobId"] for j in jobs]
    # A timestamp with milliseconds: the SDK sends 2024-...T...:...:....123Z in the query.
    rev = {"signatureTimestamp": {"$epoch": now.timestamp() + 0.123}, "platformId": PLATFORM,
           "profileVersionArn": p["profileVersionArn"], "jobArn": job_arn,
           "certificateHashes": ["a" * 192, "b" * 192]}
    assert js.ok(o, "GetRevocationStatus", rev) == {"revokedEntities": []}
    assert js.ok(o, "RevokeSignature", {"jobId": s["jobId"], "reason": "js"}) == {}
    assert js.ok(o, "GetRevocationStatus", rev)["revokedEntities"] == [job_arn]
    assert js.ok(o, "RevokeSigningProfile", {
        "profileName": "js_sign", "profileVersion": p["profileVersion"], "reason": "compromised",
        "effectiveTime": {"$epoch": 1577836800}}) == {}
    g = js.ok(o, "GetSigningProfile", {"profileName": "js_sign"})
    assert g["status"] == "Revoked"
    assert g["revocationRecord"]["revocationEffectiveFrom"] == 1577836800
    assert sorted(js.ok(o, "GetRevocationStatus", rev)["revokedEntities"]) == \
        sorted([job_arn, p["profileVersionArn"]])


def test_permissions_tags_and_cross_account(js, env):
    o, b = env["owner"], env["other"]
    p = js.ok(o, "PutSigningProfile", {"profileName": "js_share", "platformId": PLATFORM})
    sign = {"profileName": "js_share", "profileOwner": OWNER, "payload": blob(PAYLOAD),
            "payloadFormat": FORMAT}
    name, status, msg = js.fail(b, "SignPayload", sign)
    assert (name, status) == ("AccessDeniedException", 403)
    assert msg == (f"User: arn:aws:iam::{OTHER}:root is not authorized to perform: "
                   f"signer:SignPayload on resource: {profile_arn('js_share')}")
    a = js.ok(o, "AddProfilePermission", {"profileName": "js_share",
                                          "action": "signer:SignPayload", "principal": OTHER,
                                          "statementId": "sign"})
    a2 = js.ok(o, "AddProfilePermission", {"profileName": "js_share",
                                           "action": "signer:RevokeSignature",
                                           "principal": OTHER, "statementId": "revoke",
                                           "revisionId": a["revisionId"]})
    lp = js.ok(o, "ListProfilePermissions", {"profileName": "js_share"})
    assert lp["revisionId"] == a2["revisionId"]
    assert sorted(x["statementId"] for x in lp["permissions"]) == ["revoke", "sign"]
    s = js.ok(b, "SignPayload", sign)
    assert s["jobOwner"] == OWNER
    assert s["metadata"]["com.amazonaws.signer.signingProfileVersion"] == p["profileVersionArn"]
    assert js.ok(b, "RevokeSignature", {"jobId": s["jobId"], "jobOwner": OWNER,
                                        "reason": "by the grantee"}) == {}
    d = js.ok(o, "DescribeSigningJob", {"jobId": s["jobId"]})
    assert d["revocationRecord"]["revokedBy"] == f"arn:aws:iam::{OTHER}:root"
    rm = js.ok(o, "RemoveProfilePermission", {"profileName": "js_share", "statementId": "sign",
                                              "revisionId": a2["revisionId"]})
    assert rm["revisionId"] not in (a["revisionId"], a2["revisionId"])
    assert js.fail(b, "SignPayload", sign)[0] == "AccessDeniedException"

    arn = p["arn"]
    assert js.ok(o, "TagResource", {"resourceArn": arn, "tags": {"k1": "v1", "k2": "v2"}}) == {}
    assert js.ok(o, "ListTagsForResource", {"resourceArn": arn})["tags"] == \
        {"k1": "v1", "k2": "v2"}
    assert js.ok(o, "UntagResource", {"resourceArn": arn, "tagKeys": ["k1"]}) == {}
    assert js.ok(o, "ListTagsForResource", {"resourceArn": arn})["tags"] == {"k2": "v2"}


def test_errors(js, env):
    o = env["owner"]
    js.ok(o, "PutSigningProfile", {"profileName": "js_err", "platformId": PLATFORM})
    assert js.fail(o, "GetSigningProfile", {"profileName": "nope_nope"}) == (
        "ResourceNotFoundException", 404, "The signing profile nope_nope does not exist")
    assert js.fail(o, "DescribeSigningJob", {"jobId": "no-such-job"})[:2] == \
        ("ResourceNotFoundException", 404)
    assert js.fail(o, "SignPayload", {"profileName": "js_err", "payload": blob(b"x" * 4097),
                                      "payloadFormat": FORMAT})[:2] == ("ValidationException", 400)
    assert js.fail(o, "GetSigningPlatform", {"platformId": "Nope"})[:2] == \
        ("ResourceNotFoundException", 404)
    assert js.fail(o, "ListTagsForResource", {"resourceArn": profile_arn("js_none")})[:2] == \
        ("NotFoundException", 404)
    assert js.fail(o, "TagResource", {"resourceArn": "not-an-arn", "tags": {"a": "b"}})[:2] == \
        ("BadRequestException", 400)
    a = js.ok(o, "AddProfilePermission", {"profileName": "js_err", "action": "signer:SignPayload",
                                          "principal": OTHER, "statementId": "e1"})
    assert js.fail(o, "AddProfilePermission", {
        "profileName": "js_err", "action": "signer:SignPayload", "principal": OTHER,
        "statementId": "e1", "revisionId": a["revisionId"]})[:2] == ("ConflictException", 409)
    assert js.fail(o, "RemoveProfilePermission", {
        "profileName": "js_err", "statementId": "e1", "revisionId": "stale"})[:2] == \
        ("ConflictException", 409)
    name, status, msg = js.fail(o, "StartSigningJob", {
        "source": {"s3": {"bucketName": "b", "key": "k", "version": "1"}},
        "destination": {"s3": {"bucketName": "b"}}, "profileName": "js_err"})
    assert (name, status) == ("ValidationException", 400) and "not yet supported" in msg
    assert js.fail(env["other"], "GetSigningProfile", {"profileName": "js_err",
                                                       "profileOwner": OWNER})[:2] == \
        ("AccessDeniedException", 403)


def test_authentication_errors(js, env):
    o = env["owner"]
    bad = dict(o, SecretAccessKey="wrong" + o["SecretAccessKey"][5:])
    assert js.fail(bad, "ListSigningPlatforms")[:2] == ("InvalidSignatureException", 403)
    unknown = {"AccessKeyId": "AKIAUNKNOWNUNKNOWN00", "SecretAccessKey": "x" * 40}
    assert js.fail(unknown, "ListSigningPlatforms")[:2] == ("UnrecognizedClientException", 403)
    t = json.loads(run(env["store"], "create-access-key", "--account-id", OWNER,
                       "--temporary").stdout)["AccessKey"]
    assert t["AccessKeyId"].startswith("ASIA")
    assert js.ok(t, "ListSigningPlatforms")["platforms"]
    assert js.fail(dict(t, SessionToken=None), "ListSigningPlatforms")[:2] == \
        ("UnrecognizedClientException", 403)
    k = create_key(env["store"], OTHER)
    run(env["store"], "update-access-key", "--access-key-id", k["AccessKeyId"], "--status",
        "Inactive")
    assert js.fail(k, "ListSigningPlatforms")[:2] == ("UnrecognizedClientException", 403)


def test_throttled(node, env, tmp_path):
    """--quota 0.05 (burst 1, a token every 20 s): the second call is ThrottlingException 429."""
    srv = Server(env["store"], tmp_path, "--quota", "0.05")
    try:
        j = Js(node, srv)
        assert j.ok(env["owner"], "ListSigningPlatforms")["platforms"]
        assert j.fail(env["owner"], "ListSigningPlatforms") == \
            ("ThrottlingException", 429, "Rate exceeded")
    finally:
        rc, err = srv.stop()
    assert rc == 0, err


def test_host_prefix_needs_disabling(js, env):
    """With the SDK's default (host prefix on), GetRevocationStatus goes to data-127.0.0.1,
    which does not resolve: the call never reaches serve."""
    before = len(env["server"].audit_lines())
    out = js.call(env["owner"], "GetRevocationStatus", {
        "signatureTimestamp": {"$epoch": 1704067200}, "platformId": PLATFORM,
        "profileVersionArn": profile_arn("x") + "/abcdefghij",
        "jobArn": f"arn:aws:signer:{REGION}:{OWNER}:/signing-jobs/x",
        "certificateHashes": ["c" * 192]}, disableHostPrefix=False)
    assert "error" in out and out["error"].get("httpStatusCode") is None, out
    # ENOTFOUND, or EAI_AGAIN on a machine without any resolver.
    assert re.fullmatch(r"getaddrinfo (ENOTFOUND|EAI_AGAIN) data-127\.0\.0\.1",
                        out["error"]["message"]), out
    assert len(env["server"].audit_lines()) == before


def test_every_operation_went_through_the_sdk(env):
    done = {x["eventName"] for x in env["server"].audit_lines()
            if x.get("userAgent", "").startswith("aws-sdk-js/") and " api/signer#" in x["userAgent"]
            and not x.get("errorCode")}
    assert OPERATIONS <= done, OPERATIONS - done
