"""Issue 3, cases 2-5: AWS errors and their mapping, retries and time budgets, revocation `skip`
making no call, and generate-envelope / verify-signature end to end through the fake Signer
(which signs with the project's local Signer). Credentials come from the environment."""

import base64
import re
import time

import pytest

from .fakes.base import Fault
from .helpers import (ACCOUNT, JWS, PROFILE_ARN, RC, REGION, TI, env_keys, envelope_of, key_id)

ENV = env_keys("env")
FAILED_CALL = "Failed to call AWSSigner. Error: {msg}. RequestID: {rid}."


def injected(code, status=None, message=None, **kw):
    from .fakes.signer import ERROR_STATUS
    return Fault(status or ERROR_STATUS[code], code, message or f"injected {code} for the test", **kw)


# --- 2. each AWS error maps right ------------------------------------------------------------

@pytest.mark.parametrize("code,status,plugin_code,attempts", [
    ("ValidationException", 400, "VALIDATION_ERROR", 1),
    ("AccessDeniedException", 403, "ACCESS_DENIED", 1),
    ("ResourceNotFoundException", 404, "VALIDATION_ERROR", 1),
    ("BadRequestException", 400, "VALIDATION_ERROR", 1),
    ("ConflictException", 409, "ERROR", 1),
    ("ServiceLimitExceededException", 402, "ERROR", 1),
    ("TooManyRequestsException", 429, "ERROR", 3),
    ("ThrottlingException", 429, "THROTTLED", 3),
    ("InternalServiceErrorException", 500, "ERROR", 3),
])
def test_sign_payload_error_mapping(aws, fake_signer, code, status, plugin_code, attempts):
    fake_signer.script("SignPayload", *[injected(code, status, f"{code} number {i}")
                                        for i in range(3)])
    body = aws.generate(env=ENV).error(plugin_code)
    seen = fake_signer.seen("SignPayload")
    assert len(seen) == attempts, [(r.status, r.time) for r in seen]
    assert all(r.auth_ok for r in seen)
    last = seen[-1]
    assert body["errorMessage"] == FAILED_CALL.format(msg=f"{code} number {attempts - 1}",
                                                      rid=last.request_id), body


def test_error_without_message_uses_the_code(aws, fake_signer):
    fake_signer.script("SignPayload", Fault(400, "ValidationException", body=b"{}",
                                            headers={"x-amzn-ErrorType": "ValidationException"}))
    body = aws.generate(env=ENV).error("VALIDATION_ERROR")
    rid = fake_signer.seen()[0].request_id
    assert body["errorMessage"] == FAILED_CALL.format(msg="ValidationException", rid=rid), body


def test_error_type_header_with_namespace_and_suffix(aws, fake_signer):
    """x-amzn-ErrorType may carry 'aws.protocoltests#Name:http://internal...' (research §1.3)."""
    fake_signer.script("SignPayload", Fault(403, "", body=b'{"Message":"capital M message"}', headers={
        "x-amzn-ErrorType": "com.amazon.coral#AccessDeniedException:http://internal.amazon.com/coral/"}))
    body = aws.generate(env=ENV).error("ACCESS_DENIED")
    rid = fake_signer.seen()[0].request_id
    assert body["errorMessage"] == FAILED_CALL.format(msg="capital M message", rid=rid), body


# Issue 7, item 12: where an AWS error's code and message may be. The message is the body's
# "message"/"Message", else the x-amzn-ErrorMessage header (aws-sdk-go's restjson
# UnmarshalError, smithy-kotlin's RestJsonErrorDeserializer); the code is x-amzn-ErrorType, else
# the body's "code", else "__type", each cut to the name ("ns#Name:http://..." -> "Name").
HEADER_ONLY = dict(body=b"", headers={"x-amzn-ErrorType": "AccessDeniedException",
                                      "x-amzn-ErrorMessage": "User: ci is not authorized (header)"})


def revocation_reason(status, rid, rest):
    return ("GetRevocationStatus call failed with error: operation error signer: "
            f"GetRevocationStatus, https response error StatusCode: {status}, RequestID: {rid}, "
            + rest)


def test_message_only_in_the_header_sign(aws, fake_signer):
    fake_signer.script("SignPayload", Fault(403, "", **HEADER_ONLY))
    body = aws.generate(env=ENV).error("ACCESS_DENIED")
    rid = fake_signer.seen()[0].request_id
    assert body["errorMessage"] == FAILED_CALL.format(msg="User: ci is not authorized (header)",
                                                      rid=rid), body


def test_message_only_in_the_header_revocation(aws, fake_signer, envelope):
    fake_signer.script("GetRevocationStatus", Fault(403, "", **HEADER_ONLY))
    res = aws.verify(envelope, env=ENV).ok()["verificationResults"]
    rid = fake_signer.seen("GetRevocationStatus")[0].request_id
    assert res[RC] == {"success": False, "reason": revocation_reason(
        403, rid, "AccessDeniedException: User: ci is not authorized (header)")}, res


def test_body_message_wins_over_the_header(aws, fake_signer, envelope):
    fake_signer.script("GetRevocationStatus", Fault(
        400, "", body=b'{"message":"from the body"}',
        headers={"x-amzn-ErrorType": "ValidationException", "x-amzn-ErrorMessage": "from the header"}))
    res = aws.verify(envelope, env=ENV).ok()["verificationResults"]
    rid = fake_signer.seen("GetRevocationStatus")[0].request_id
    assert res[RC]["reason"] == revocation_reason(400, rid, "ValidationException: from the body")


def test_no_message_anywhere_names_the_code_once(aws, fake_signer, envelope):
    fake_signer.script("GetRevocationStatus", Fault(400, "", body=b"{}", headers={
        "x-amzn-ErrorType": "ValidationException:http://internal.amazon.com/coral/"}))
    res = aws.verify(envelope, env=ENV).ok()["verificationResults"]
    rid = fake_signer.seen("GetRevocationStatus")[0].request_id
    assert res[RC]["reason"] == revocation_reason(400, rid, "ValidationException (no message)")


def test_namespaced_type_in_the_body(aws, fake_signer, envelope):
    fake_signer.script("GetRevocationStatus", Fault(404, "", body=(
        b'{"__type":"com.amazonaws.signer#ResourceNotFoundException:http://internal/",'
        b'"Message":"no such profile version"}')))
    res = aws.verify(envelope, env=ENV).ok()["verificationResults"]
    rid = fake_signer.seen("GetRevocationStatus")[0].request_id
    assert res[RC]["reason"] == revocation_reason(
        404, rid, "ResourceNotFoundException: no such profile version")


HTML_502 = Fault(502, "", content_type="text/html", body=(
    b"<!DOCTYPE html>\n<html><head><title>502 Bad Gateway</title></head>"
    b"<body><h1>Bad Gateway</h1></body></html>\n"))
NOT_AWS = "the body is not an AWS error response (Content-Type text/html)"


def test_proxy_html_page_sign(aws, fake_signer):
    fake_signer.script("SignPayload", HTML_502)
    body = aws.generate(env={**ENV, "AWS_MAX_ATTEMPTS": "1"}).error("ERROR")
    rid = fake_signer.seen()[0].request_id
    assert body["errorMessage"] == ("operation error signer: SignPayload, https response error "
                                    f"StatusCode: 502, RequestID: {rid}, {NOT_AWS}"), body


def test_proxy_html_page_revocation(aws, fake_signer, envelope):
    fake_signer.script("GetRevocationStatus", HTML_502)
    res = aws.verify(envelope, env={**ENV, "AWS_MAX_ATTEMPTS": "1"}).ok()["verificationResults"]
    rid = fake_signer.seen("GetRevocationStatus")[0].request_id
    assert res[RC] == {"success": False, "reason": "GetRevocationStatus call failed with error: "
                       "operation error signer: GetRevocationStatus, https response error "
                       f"StatusCode: 502, RequestID: {rid}, {NOT_AWS}"}, res


def test_empty_body_without_a_code(aws, fake_signer):
    fake_signer.script("SignPayload", Fault(403, "", body=b""))
    body = aws.generate(env=ENV).error("ERROR")
    rid = fake_signer.seen()[0].request_id
    assert body["errorMessage"] == ("operation error signer: SignPayload, https response error "
                                    f"StatusCode: 403, RequestID: {rid}"), body


def test_error_code_from_the_body(aws, fake_signer):
    fake_signer.script("SignPayload", Fault(404, "", body=b'{"code":"ResourceNotFoundException",'
                                                          b'"message":"no such profile"}'))
    body = aws.generate(env=ENV).error("VALIDATION_ERROR")
    assert "no such profile" in body["errorMessage"], body


def test_real_unknown_profile(aws, fake_signer):
    key = f"arn:aws:signer:{REGION}:{ACCOUNT}:/signing-profiles/NoSuchProfile"
    body = aws.generate(env=ENV, key_id=key).error("VALIDATION_ERROR")
    rid = fake_signer.seen()[0].request_id
    assert body["errorMessage"].startswith("Failed to call AWSSigner. Error: "), body
    assert "NoSuchProfile" in body["errorMessage"] and body["errorMessage"].endswith(f"RequestID: {rid}."), body


def test_real_cross_account_denied(aws, fake_signer):
    key = f"arn:aws:signer:{REGION}:111111111111:/signing-profiles/NotationProfile"
    body = aws.generate(env=ENV, key_id=key).error("ACCESS_DENIED")
    req = fake_signer.seen()[0]
    assert b'"profileOwner": "111111111111"' in req.body or b'"profileOwner":"111111111111"' in req.body
    assert body["errorMessage"].endswith(f"RequestID: {req.request_id}."), body


@pytest.mark.parametrize("code,message", [
    ("ValidationException", "1 validation error detected: certificateHashes"),
    ("AccessDeniedException", "User: arn:aws:iam::123456789012:user/ci is not authorized"),
])
def test_revocation_call_error_is_a_failed_check(aws, fake_signer, envelope, code, message):
    fake_signer.script("GetRevocationStatus", injected(code, message=message))
    out = aws.verify(envelope, env=ENV).ok()
    res = out["verificationResults"]
    assert res[TI]["success"] is True
    assert res[RC]["success"] is False
    reason = res[RC]["reason"]
    rid = fake_signer.seen("GetRevocationStatus")[0].request_id
    status = 400 if code == "ValidationException" else 403
    # The Go plugin prints the SDK's operation error (research/aws-signer-plugin.md §4.5).
    assert reason == ("GetRevocationStatus call failed with error: operation error signer: "
                      f"GetRevocationStatus, https response error StatusCode: {status}, "
                      f"RequestID: {rid}, {code}: {message}"), reason
    assert out["processedAttributes"] == ["com.amazonaws.signer.signingProfileVersion",
                                          "com.amazonaws.signer.signingJob"]


# --- 3. retries and time budgets -------------------------------------------------------------

def test_429_then_200_succeeds_after_a_backoff(aws, fake_signer):
    fake_signer.script("SignPayload", injected("TooManyRequestsException"))
    resp = aws.generate(env=ENV).ok()
    assert envelope_of(resp).job_arn
    seen = fake_signer.seen("SignPayload")
    assert [r.status for r in seen] == [429, 200]
    assert seen[1].time - seen[0].time > 0
    assert all(r.auth_ok for r in seen)  # re-signed each attempt


def test_500_then_200_on_revocation(aws, fake_signer, envelope):
    fake_signer.script("GetRevocationStatus", injected("InternalServiceErrorException"))
    res = aws.verify(envelope, env=ENV).ok()["verificationResults"]
    assert res[RC] == {"success": True, "reason": "Signature is not revoked."}
    assert [r.status for r in fake_signer.seen("GetRevocationStatus")] == [500, 200]


def test_three_500s_fail_after_exactly_three_attempts(aws, fake_signer):
    fake_signer.script("SignPayload", *[injected("InternalServiceErrorException")] * 4)
    t0 = time.monotonic()
    aws.generate(env=ENV).error("ERROR")
    assert len(fake_signer.seen("SignPayload")) == 3
    assert time.monotonic() - t0 < 15


def test_three_500s_on_revocation(aws, fake_signer, envelope):
    fake_signer.script("GetRevocationStatus", *[injected("InternalServiceErrorException")] * 4)
    res = aws.verify(envelope, env=ENV, aws_timeout_ms="10000").ok()["verificationResults"]
    seen = fake_signer.seen("GetRevocationStatus")
    assert len(seen) == 3, [r.status for r in seen]
    reason = res[RC]["reason"]
    assert res[RC]["success"] is False
    assert reason.startswith("GetRevocationStatus call failed with error: operation error signer: "
                             "GetRevocationStatus, "), reason
    assert "InternalServiceErrorException" in reason and seen[-1].request_id in reason, reason


def test_400_is_not_retried(aws, fake_signer):
    fake_signer.script("SignPayload", injected("ValidationException"), injected("ValidationException"))
    aws.generate(env=ENV).error("VALIDATION_ERROR")
    assert len(fake_signer.seen("SignPayload")) == 1


def assert_says_timed_out(text):
    assert re.search(r"time(d)? ?out|timeout|deadline", text, re.I), text


def test_black_hole_sign_fails_within_the_budget(aws, fake_signer):
    fake_signer.black_hole = True
    t0 = time.monotonic()
    body = aws.generate(env=ENV, aws_timeout_ms="800").error()
    elapsed = time.monotonic() - t0
    assert elapsed < 5, elapsed
    assert body["errorCode"] in ("TIMEOUT", "ERROR"), body
    assert_says_timed_out(body["errorMessage"])
    assert len(fake_signer.seen()) >= 1


def test_black_hole_revocation_fails_within_the_budget(aws, fake_signer, envelope):
    fake_signer.black_hole = True
    t0 = time.monotonic()
    res = aws.verify(envelope, env=ENV, aws_timeout_ms="800").ok()["verificationResults"]
    assert time.monotonic() - t0 < 5
    assert res[RC]["success"] is False
    assert res[RC]["reason"].startswith("GetRevocationStatus call failed with error: ")
    assert_says_timed_out(res[RC]["reason"])
    # the time really ran out: this, and only this, is a budget overrun
    assert "did not complete within the 800 ms budget" in res[RC]["reason"], res


# Issue 7, item 13: a transport failure says what happened and how many attempts were made;
# "budget" only when the time really ran out (the black-hole tests above and below).
UNRESOLVABLE = "https://data-signer.nonexistent.invalid"  # .invalid never resolves (RFC 6761)


def test_unresolvable_host_revocation_says_so(aws, fake_signer, envelope):
    t0 = time.monotonic()
    res = aws.verify(envelope, env=ENV, aws_signer_endpoint_url=UNRESOLVABLE).ok()["verificationResults"]
    assert time.monotonic() - t0 < 2
    reason = res[RC]["reason"]
    assert res[RC]["success"] is False
    assert reason.startswith("GetRevocationStatus call failed with error: operation error signer: "
                             "GetRevocationStatus, could not resolve host "
                             "data-signer.nonexistent.invalid (after 1 attempt; a host name that "
                             "does not resolve is not retried)"), reason
    assert "budget" not in reason, reason


def test_unresolvable_host_sign_says_so(aws, fake_signer):
    body = aws.generate(env=ENV, aws_signer_endpoint_url=UNRESOLVABLE).error("ERROR")
    assert body["errorMessage"].startswith(
        "operation error signer: SignPayload, could not resolve host "
        "data-signer.nonexistent.invalid (after 1 attempt; a host name that does not resolve is "
        "not retried)"), body


def test_refused_connection_names_the_attempts(aws, fake_signer, envelope):
    import socket
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))  # bound, not listening: connections are refused
        port = s.getsockname()[1]
        res = aws.verify(envelope, env={**ENV, "AWS_MAX_ATTEMPTS": "2"}, aws_timeout_ms="10000",
                         aws_signer_endpoint_url=f"http://127.0.0.1:{port}").ok()["verificationResults"]
    reason = res[RC]["reason"]
    assert res[RC]["success"] is False
    assert f"127.0.0.1:{port}" in reason and reason.endswith("(after 2 attempts)"), reason
    assert "budget" not in reason, reason


def test_black_hole_default_verify_budget_fits_ratify(aws, fake_signer, envelope):
    """No aws-timeout-ms: the default revocation budget stays inside Ratify's 2.8 s deadline
    (plus the process's own start-up)."""
    fake_signer.black_hole = True
    t0 = time.monotonic()
    res = aws.verify(envelope, env=ENV).ok()["verificationResults"]
    assert time.monotonic() - t0 < 3.5
    assert res[RC]["success"] is False
    assert_says_timed_out(res[RC]["reason"])
    assert len(fake_signer.seen("GetRevocationStatus")) >= 1


# --- 4. revocation skipped: no network, no credentials -------------------------------------

def test_trusted_identity_only_makes_no_call_and_needs_no_credentials(aws, fake_signer, envelope):
    fake_signer.black_hole = True
    t0 = time.monotonic()
    out = aws.verify(envelope, caps=(TI,)).ok()
    assert time.monotonic() - t0 < 5
    assert out["verificationResults"] == {TI: {
        "success": True, "reason": f'Signature publisher matched "{PROFILE_ARN}" trusted identity.'}}
    assert fake_signer.seen() == []


def test_trusted_identity_only_ignores_broken_credential_sources(aws, fake_signer, envelope, tmp_path):
    """Nothing is resolved lazily when nothing is sent: a broken web identity setup is not read."""
    env = {"AWS_ROLE_ARN": "arn:aws:iam::1:role/r",
           "AWS_WEB_IDENTITY_TOKEN_FILE": str(tmp_path / "missing"),
           "AWS_CONTAINER_CREDENTIALS_FULL_URI": "http://127.0.0.1:9/creds",
           "AWS_EC2_METADATA_DISABLED": None}
    out = aws.verify(envelope, caps=(TI,), env=env).ok()
    assert out["verificationResults"][TI]["success"] is True
    assert fake_signer.seen() == []


# --- 5. end to end through the fake ----------------------------------------------------------

def test_generate_then_verify_then_revoke(aws, fake_signer, local):
    resp = aws.generate(env=ENV).ok()
    assert resp["signatureEnvelopeType"] == JWS
    env = envelope_of(resp)
    assert env.profile_version_arn == local.profile["profileVersionArn"]
    assert resp["annotations"] == {"com.amazonaws.signer.signingJob": env.job_arn,
                                   "com.amazonaws.signer.signingProfileVersion": env.profile_version_arn}
    sp = fake_signer.seen("SignPayload")[0]
    assert sp.access_key == key_id("env")
    assert sp.header("Content-Type") == "application/json"
    assert "aws-signer-caller/NotationPlugin-" in (sp.header("User-Agent") or ""), sp.header("User-Agent")

    res = aws.verify(env, env=ENV).ok()["verificationResults"]
    assert res[RC] == {"success": True, "reason": "Signature is not revoked."}
    assert res[TI]["success"] is True
    q = fake_signer.seen("GetRevocationStatus")[0]
    assert q.auth_ok and q.path.startswith("/revocations?")
    assert q.path.count("certificateHashes=") == len(env.x5c)

    local.revoke_signature(env.job_id)
    res = aws.verify(env, env=ENV).ok()["verificationResults"]
    assert res[RC] == {"success": False, "reason": f"Resource(s) {env.job_arn} have been revoked."}


def test_revoked_certificate_reason(aws, fake_signer, local, envelope):
    import hashlib

    der = base64.b64decode(envelope.x5c[0])
    # TBSCertificate of the leaf: the first element inside the outer SEQUENCE.
    def tlv(off):
        first = der[off + 1]
        if first < 0x80:
            return 2, first
        n = first & 0x7F
        return 2 + n, int.from_bytes(der[off + 2:off + 2 + n], "big")
    hdr, _ = tlv(0)
    thdr, tlen = tlv(hdr)
    leaf = hashlib.sha384(der[hdr:hdr + thdr + tlen]).hexdigest()
    local.run("revoke-certificate", "--certificate-hash", leaf, "--reason", "lost")
    res = aws.verify(envelope, env=ENV).ok()["verificationResults"]
    assert res[RC] == {"success": False, "reason": "Certificate(s) have been revoked."}


# --- partitions ------------------------------------------------------------------------------

def test_verify_in_another_partition_names_both(aws, fake_signer, envelope):
    """A commercial-partition signature checked with a GovCloud region (kyverno-notation-aws#321):
    no request is sent, and the reason names both partitions instead of an opaque HTTP 400."""
    res = aws.verify(envelope, env=ENV, aws_region="us-gov-west-1").ok()["verificationResults"]
    assert res[TI]["success"] is True
    reason = res[RC]["reason"]
    assert res[RC]["success"] is False and reason.startswith("GetRevocationStatus call failed"), res
    assert "partition aws (" in reason and "us-gov-west-1" in reason and \
        "partition aws-us-gov" in reason, reason
    # issue 7, item 14: not "to a aws region"
    assert reason.endswith("; set pluginConfig aws-region to a region in partition aws"), reason
    assert fake_signer.seen() == []


def test_sign_with_a_key_in_another_partition_names_both(aws, fake_signer):
    gov = PROFILE_ARN.replace("arn:aws:", "arn:aws-us-gov:").replace("us-east-1", "us-gov-west-1")
    body = aws.generate(env=ENV, key_id=gov).error("VALIDATION_ERROR")
    assert "partition aws-us-gov" in body["errorMessage"] and \
        "us-east-1 (from pluginConfig aws-region), is in partition aws;" in body["errorMessage"], body
    assert body["errorMessage"].endswith(
        "; set pluginConfig aws-region to a region in partition aws-us-gov"), body
    assert fake_signer.seen() == []
