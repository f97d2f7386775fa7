"""generate-envelope (research/aws-signer-plugin.md §3, §7 signer tests, §9 vector 3)."""

import base64
import json
import re

import pytest

from plugin_helpers import (AWS_OFFLINE_CONFIG, COSE, JWS, MALFORMED, PAYLOAD_TYPE, SIGNER_KEY_ID,
                            SignerLocal, envelope_request, parse_jws)

EXPIRY_MSG = ("AWSSigner plugin doesn't support -e (--expiry) argument. "
              "Please use signing profile to set signature expiry.")
BAD_KEY = " is not a valid AWS Signer signing profile or signing profile version ARN."
LOCAL_KEY = "arn:aws:signer:local:000000000000:/signing-profiles/NotationProfile"


# --- framework validation (§2.3), in its order -------------------------------------------------

@pytest.mark.parametrize("drop, message", [
    (("contractVersion",), "contractVersion cannot be empty"),
    (("keyId",), "keyId cannot be empty"),
    (("payloadType",), "payloadType cannot be empty"),
    (("signatureEnvelopeType",), "signatureEnvelopeType cannot be empty"),
    (("payload",), "payload cannot be empty"),
    (("contractVersion", "keyId", "payload"), "contractVersion cannot be empty"),
    (("keyId", "payloadType"), "keyId cannot be empty"),
    (("signatureEnvelopeType", "payload"), "signatureEnvelopeType cannot be empty"),
])
def test_required_fields(plugin, drop, message):
    req = envelope_request(**{k: ... for k in drop})
    # framework validation comes before the plugin's own checks (expiry is the first of those)
    req["expiryDurationInSeconds"] = 4
    plugin.run("generate-envelope", stdin=req).error("VALIDATION_ERROR", f"{MALFORMED}: {message}")


@pytest.mark.parametrize("field, value", [
    ("contractVersion", ""), ("contractVersion", None), ("keyId", ""), ("keyId", None),
    ("payloadType", ""), ("signatureEnvelopeType", None), ("payload", ""), ("payload", None),
    ("payload", []),
])
def test_empty_values_count_as_missing(plugin, field, value):
    msg = plugin.run("generate-envelope", stdin=envelope_request(**{field: value})).error(
        "VALIDATION_ERROR")
    assert msg == f"{MALFORMED}: {field} cannot be empty"


def test_null_request(plugin):
    plugin.run("generate-envelope", stdin=b"null").error(
        "VALIDATION_ERROR", f"{MALFORMED}: contractVersion cannot be empty")


# --- the plugin's checks (§3.2), in order ------------------------------------------------------

def test_expiry_rejected_first(plugin):
    req = envelope_request(expiryDurationInSeconds=4, contractVersion="2.0",
                           signatureEnvelopeType=COSE, keyId="NotationProfile")
    plugin.run("generate-envelope", stdin=req).error("VALIDATION_ERROR", EXPIRY_MSG)


@pytest.mark.parametrize("version, quoted", [
    ("2.0", '"2.0"'),
    ("1.0 ", '"1.0 "'),
    ("1", '"1"'),
    ('a"b\\c', '"a\\"b\\\\c"'),
    ("x\n\t\u0001\u007f", '"x\\n\\t\\x01\\x7f"'),
    ("caf\u00e9\u200b\U0001f37a", '"caf\u00e9\\u200b\U0001f37a"'),
    ("\u00a0", '"\\u00a0"'),
])
def test_contract_version(plugin, version, quoted):
    req = envelope_request(contractVersion=version, signatureEnvelopeType="bogus", keyId="bogus")
    plugin.run("generate-envelope", stdin=req).error(
        "UNSUPPORTED_CONTRACT_VERSION",
        quoted + " is not a supported notary plugin contract version")


@pytest.mark.parametrize("envelope_type", [
    "application/cose",                # COSE comes only from the local Signer
    "application/jws",
    "APPLICATION/JOSE+JSON",
    "application/jose+json ",
    "application/jose",
    'we"ird',
])
def test_envelope_type_rejected(plugin, envelope_type):
    req = envelope_request(signatureEnvelopeType=envelope_type, keyId="NotAnArn")
    quoted = json.dumps(envelope_type)
    plugin.run("generate-envelope", stdin=req).error(
        "VALIDATION_ERROR", f"envelope type {quoted} is not supported")


def test_cose_rejected_for_aws_profile_even_with_aws_config(plugin):
    req = envelope_request(signatureEnvelopeType=COSE, pluginConfig=AWS_OFFLINE_CONFIG)
    plugin.run("generate-envelope", stdin=req).error(
        "VALIDATION_ERROR", 'envelope type "application/cose" is not supported')


@pytest.mark.parametrize("key_id", [
    "NotationProfile",
    "arn:aws:signer:us-west-2:123:/signing-profiles/name/version/invalid",
    "arn:aws:signer:us-west-2:780792624090:/signing-profiles/NotationProfile/v1",   # a version ARN
    "arn:aws:signer:us-west-2:780792624090:/signing-profiles/NotationProfile/",
    "arn:aws:signer:us-west-2:780792624090:signing-profiles/NotationProfile",
    "arn:aws:signer:us-west-2:780792624090",
    "arn:aws:signer:us-west-2:780792624090:/signing-profiles",
    "ARN:aws:signer:us-west-2:780792624090:/signing-profiles/NotationProfile",
    "arn:aws:signer:local:000000000000:/signing-profiles/NotationProfile/v1",
    " arn:aws:signer:us-west-2:780792624090:/signing-profiles/NotationProfile",
])
def test_key_id_rejected(plugin, key_id):
    plugin.run("generate-envelope", stdin=envelope_request(keyId=key_id)).error(
        "VALIDATION_ERROR", key_id + BAD_KEY)


@pytest.mark.parametrize("key_id", [
    SIGNER_KEY_ID,
    "arn:aws:signer:us-west-2:780792624090:/beer/NotationProfile",        # the middle is not checked
    "arn:aws:kms:us-west-2:780792624090:/signing-profiles/NotationProfile",  # nor the service
    "arn:aws:signer:us-west-2::/signing-profiles/NotationProfile",        # nor the account
    "arn:aws:signer:us-west-2:1:2:/signing-profiles/NotationProfile",     # colons stay in the resource
])
def test_valid_key_id_reaches_aws_backend(plugin, key_id):
    """An ARN the Go plugin accepts goes to AWS Signer: here the configured endpoint refuses the
    connection, so after the retries the plugin answers a plain ERROR naming the endpoint."""
    env = {"AWS_ACCESS_KEY_ID": "AKIDEXAMPLE", "AWS_SECRET_ACCESS_KEY": "secret",
           "AWS_EC2_METADATA_DISABLED": "true"}
    req = envelope_request(keyId=key_id, pluginConfig=AWS_OFFLINE_CONFIG)
    msg = plugin.run("generate-envelope", stdin=req, env=env, timeout=300).error("ERROR")
    assert msg and BAD_KEY not in msg
    assert "http://127.0.0.1:9" in msg and "after 3 attempts" in msg, msg


def test_unknown_plugin_config_keys_are_ignored(plugin):
    req = envelope_request(expiryDurationInSeconds=4,
                           pluginConfig={"debug": "true", "something": "else"})
    plugin.run("generate-envelope", stdin=req).error("VALIDATION_ERROR", EXPIRY_MSG)


# --- signing with the local Signer -------------------------------------------------------------

PAYLOAD = (b'{"targetArtifact":{"mediaType":"application/vnd.oci.image.manifest.v1+json",'
           b'"digest":"sha256:4a58e8a2b6a3d8f6b8d2b1b5b1c2d9a8e4f6a0c2b3d4e5f60718293a4b5c6d7e",'
           b'"size":1024,"annotations":{"a":"b"}}}')


def local_request(store, **over):
    req = envelope_request(keyId=LOCAL_KEY, payload=base64.b64encode(PAYLOAD).decode(),
                           pluginConfig={"local-store": str(store)})
    req.update(over)
    return req


def check_annotations(resp, profile_version_arn):
    ann = resp["annotations"]
    assert list(ann) == sorted(ann)
    assert ann["com.amazonaws.signer.signingProfileVersion"] == profile_version_arn
    assert re.fullmatch(r"arn:aws:signer:local:000000000000:/signing-jobs/[0-9a-f-]{36}",
                        ann["com.amazonaws.signer.signingJob"])


def test_local_jws(plugin, signer_local, store):
    profile = signer_local.put_profile()
    resp = plugin.run("generate-envelope", stdin=local_request(store)).ok()
    assert list(resp) == ["signatureEnvelope", "signatureEnvelopeType", "annotations"]
    assert resp["signatureEnvelopeType"] == JWS
    check_annotations(resp, profile["profileVersionArn"])
    header, env = parse_jws(base64.b64decode(resp["signatureEnvelope"], validate=True))
    assert base64.urlsafe_b64decode(env["payload"] + "=" * (-len(env["payload"]) % 4)) == PAYLOAD
    assert header["cty"] == PAYLOAD_TYPE
    assert header["io.cncf.notary.signingScheme"] == "notary.x509.signingAuthority"
    assert header["io.cncf.notary.verificationPlugin"] == "com.amazonaws.signer.notation.plugin"
    assert header["com.amazonaws.signer.signingProfileVersion"] == profile["profileVersionArn"]
    assert len(env["header"]["x5c"]) >= 2


def test_local_cose(plugin, signer_local, store):
    profile = signer_local.put_profile()
    resp = plugin.run("generate-envelope", stdin=local_request(store, signatureEnvelopeType=COSE)).ok()
    assert resp["signatureEnvelopeType"] == COSE
    check_annotations(resp, profile["profileVersionArn"])
    envelope = base64.b64decode(resp["signatureEnvelope"], validate=True)
    assert envelope[0] == 0xD2  # CBOR tag 18: COSE_Sign1
    assert PAYLOAD in envelope


@pytest.mark.parametrize("variable", ["SIGNER_LOCAL_STORE", "XDG_DATA_HOME"])
def test_local_default_store(plugin, signer_local, store, tmp_path, variable):
    """A keyId in region "local" selects the local Signer at the default store."""
    if variable == "SIGNER_LOCAL_STORE":
        profile, env = signer_local.put_profile(), {"SIGNER_LOCAL_STORE": str(store)}
    else:
        data = tmp_path / "data"
        profile = SignerLocal(data / "signer-local").put_profile()
        env = {"XDG_DATA_HOME": str(data)}
    req = local_request(store)
    del req["pluginConfig"]
    resp = plugin.run("generate-envelope", stdin=req, env=env).ok()
    check_annotations(resp, profile["profileVersionArn"])


def test_local_default_store_under_home(plugin, home):
    profile = SignerLocal(home / ".local" / "share" / "signer-local").put_profile()
    req = local_request("unused")
    del req["pluginConfig"]
    check_annotations(plugin.run("generate-envelope", stdin=req).ok(), profile["profileVersionArn"])


def test_local_store_config_wins_over_region(plugin, signer_local, store):
    """pluginConfig local-store selects the local Signer whatever the keyId's region."""
    profile = signer_local.put_profile()
    key = "arn:aws:signer:us-west-2:000000000000:/signing-profiles/NotationProfile"
    resp = plugin.run("generate-envelope", stdin=local_request(store, keyId=key)).ok()
    check_annotations(resp, profile["profileVersionArn"])


def test_local_unknown_profile(plugin, signer_local, store):
    signer_local.put_profile()
    key = "arn:aws:signer:local:000000000000:/signing-profiles/Nope"
    msg = plugin.run("generate-envelope", stdin=local_request(store, keyId=key)).error(
        "VALIDATION_ERROR")
    assert re.fullmatch(r"Failed to call AWSSigner\. Error: .*Nope.*\.( RequestID: [^ ]+\.)?", msg), msg


def test_local_missing_store_is_not_created(plugin, tmp_path):
    missing = tmp_path / "no-store"
    msg = plugin.run("generate-envelope", stdin=local_request(missing)).error("ERROR")
    assert str(missing) in msg
    assert not missing.exists()


def test_local_cose_rejected_when_key_not_local(plugin, tmp_path):
    req = envelope_request(signatureEnvelopeType=COSE,
                           keyId="arn:aws:signer:loca1:000000000000:/signing-profiles/P1")
    plugin.run("generate-envelope", stdin=req).error(
        "VALIDATION_ERROR", 'envelope type "application/cose" is not supported')


def test_local_cose_invalid_key_id_after_type(plugin, store):
    req = local_request(store, signatureEnvelopeType=COSE, keyId="NotAnArn")
    plugin.run("generate-envelope", stdin=req).error("VALIDATION_ERROR", "NotAnArn" + BAD_KEY)


@pytest.mark.parametrize("key", ["aws-timeout-ms", "aws-connect-timeout-ms"])
@pytest.mark.parametrize("value", ["abc", "0", "-5", "1.5", "600001", "99999999999", " 5"])
def test_bad_timeout_config_is_a_validation_error(plugin, key, value):
    """Our timeout keys are checked when the AWS backend is about to be used."""
    req = envelope_request(pluginConfig={**AWS_OFFLINE_CONFIG, key: value})
    msg = plugin.run("generate-envelope", stdin=req).error("VALIDATION_ERROR")
    assert f'pluginConfig "{key}" must be a whole number of milliseconds' in msg, msg


def test_timeout_config_bounds_the_call(plugin):
    """A valid aws-timeout-ms is accepted and the call still fails on the refused endpoint."""
    env = {"AWS_ACCESS_KEY_ID": "AKIDEXAMPLE", "AWS_SECRET_ACCESS_KEY": "secret"}
    req = envelope_request(pluginConfig={**AWS_OFFLINE_CONFIG, "aws-timeout-ms": "300",
                                         "aws-connect-timeout-ms": "100"})
    res = plugin.run("generate-envelope", stdin=req, env=env)
    assert res.rc == 1 and res.out == b"", res.err
    body = json.loads(res.err)
    assert body["errorCode"] in ("ERROR", "TIMEOUT"), body
    assert "http://127.0.0.1:9" in body["errorMessage"], body
