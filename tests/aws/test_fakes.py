"""The fakes speak the real wire format: real SDK code (boto3/botocore) talks to them and the fake
Signer's independent SigV4 verifier agrees with botocore's signer, and with the golden signatures
of research/aws-signer-api.md §1.10."""

import base64
import hashlib
import json
import time
import urllib.error
import urllib.request
from datetime import datetime, timezone

import pytest

boto3 = pytest.importorskip("boto3")
import botocore  # noqa: E402
import botocore.credentials  # noqa: E402
import botocore.tokens  # noqa: E402
from botocore.config import Config  # noqa: E402
from botocore.exceptions import ClientError, MetadataRetrievalError, ReadTimeoutError  # noqa: E402
from botocore.utils import ContainerMetadataFetcher, InstanceMetadataFetcher  # noqa: E402

from .fakes import sigv4  # noqa: E402
from .fakes.base import Fault  # noqa: E402
from .helpers import (ACCOUNT, PAYLOAD, PAYLOAD_TYPE, PROFILE, REGION, STATIC_KEYS,  # noqa: E402
                      parse_envelope)

# --- the verifier against research §1.10's golden requests (botocore 1.43.11, fixed clock) ----

GOLDEN_KEY = ("AKIDEXAMPLE", "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY", "SESSIONTOKEN")
GOLDEN_NOW = datetime(2015, 8, 30, 12, 36, tzinfo=timezone.utc).timestamp()
ARN_PV = "arn%3Aaws%3Asigner%3Aus-east-1%3A123456789012%3A%2Fsigning-profiles%2Fmy_profile%2Fabcdef1234"
ARN_JOB = ("arn%3Aaws%3Asigner%3Aus-east-1%3A123456789012%3A%2Fsigning-jobs%2F"
           "e218ee67-5dd3-4dc4-8caf-224898b12493")
ARN_PROFILE = "arn%3Aaws%3Asigner%3Aus-east-1%3A123456789012%3A%2Fsigning-profiles%2Fmy_profile"
GOLDEN = [
    ("POST", "signer", "/signing-jobs/with-payload",
     b'{"profileName": "my_profile", "payload": "aGVsbG8=", "payloadFormat": '
     b'"application/vnd.cncf.notary.payload.v1+json", "profileOwner": "123456789012"}',
     "content-type;host;x-amz-date;x-amz-security-token",
     "cf41cfc8d9003d2363c8744863d46e21ee4063248374a18abfec44471de25c6f"),
    ("GET", "data-signer",
     "/revocations?signatureTimestamp=2023-12-06T01%3A20%3A03Z&platformId=Notation-OCI-SHA384-ECDSA"
     f"&profileVersionArn={ARN_PV}&jobArn={ARN_JOB}&certificateHashes={'b' * 96}{'c' * 96}"
     f"&certificateHashes={'a' * 192}", b"", "host;x-amz-date;x-amz-security-token",
     "5d0b34f6af3aa0efe95d69c10ccb00630554306a4e604bda3f19b5dd765915e6"),
    ("DELETE", "signer", f"/tags/{ARN_PROFILE}?tagKeys=k1&tagKeys=k2", b"",
     "host;x-amz-date;x-amz-security-token",
     "c2df7ba9b01d95397c51d81d6135e61d53190275a2d06a392f99b82860fcde1d"),
]


def golden_headers(host, signed, signature, body):
    akid = GOLDEN_KEY[0]
    headers = [("Host", f"{host}.us-east-1.amazonaws.com"), ("X-Amz-Date", "20150830T123600Z"),
               ("X-Amz-Security-Token", GOLDEN_KEY[2]), ("User-Agent", "unsigned/1.0"),
               ("Authorization", f"AWS4-HMAC-SHA256 Credential={akid}/20150830/us-east-1/signer/"
                                 f"aws4_request, SignedHeaders={signed}, Signature={signature}")]
    if body:
        headers.append(("Content-Type", "application/json"))
    return headers


@pytest.fixture
def golden_keys():
    t = sigv4.KeyTable()
    t.add(*GOLDEN_KEY)
    return t


@pytest.mark.parametrize("method,host,target,body,signed,signature", GOLDEN,
                         ids=["SignPayload", "GetRevocationStatus", "UntagResource"])
def test_verifier_accepts_botocore_golden_requests(golden_keys, method, host, target, body, signed,
                                                   signature):
    r = sigv4.verify(method, target, golden_headers(host, signed, signature, body), body,
                     golden_keys, "us-east-1", "signer", now=GOLDEN_NOW)
    assert r.ok, r.message
    assert r.access_key == "AKIDEXAMPLE"


def test_verifier_double_encodes_the_path(golden_keys):
    _, host, target, body, signed, sig = GOLDEN[2]
    r = sigv4.verify("DELETE", target, golden_headers(host, signed, sig, body), body, golden_keys,
                     "us-east-1", "signer", now=GOLDEN_NOW)
    assert r.canonical_request.splitlines()[1] == (
        "/tags/arn%253Aaws%253Asigner%253Aus-east-1%253A123456789012%253A%252Fsigning-profiles"
        "%252Fmy_profile")
    # The same request with the path decoded once (what a framework would hand over) fails.
    decoded = target.replace("%3A", ":").replace("%2F", "/")
    r = sigv4.verify("DELETE", decoded, golden_headers(host, signed, sig, body), body, golden_keys,
                     "us-east-1", "signer", now=GOLDEN_NOW)
    assert not r.ok and r.code == "InvalidSignatureException"


@pytest.mark.parametrize("change,code", [
    ("body", "InvalidSignatureException"),
    ("query", "InvalidSignatureException"),
    ("secret", "InvalidSignatureException"),
    ("unknown-key", "UnrecognizedClientException"),
    ("token", "UnrecognizedClientException"),
    ("no-token", "UnrecognizedClientException"),
    ("region", "InvalidSignatureException"),
    ("service", "InvalidSignatureException"),
    ("clock", "InvalidSignatureException"),
    ("no-auth", "MissingAuthenticationTokenException"),
    ("no-signature", "IncompleteSignatureException"),
    ("missing-signed-header", "InvalidSignatureException"),
])
def test_verifier_rejects(golden_keys, change, code):
    method, host, target, body, signed, sig = GOLDEN[0]
    headers = golden_headers(host, signed, sig, body)
    now, region, service = GOLDEN_NOW, "us-east-1", "signer"
    if change == "body":
        body = body.replace(b"aGVsbG8=", b"aGVsbG9=")
    elif change == "query":
        target += "?x=1"
    elif change == "secret":
        golden_keys.add(GOLDEN_KEY[0], GOLDEN_KEY[1] + "x", GOLDEN_KEY[2])
    elif change == "unknown-key":
        golden_keys.remove(GOLDEN_KEY[0])
    elif change == "token":
        headers = [(k, "OTHER" if k == "X-Amz-Security-Token" else v) for k, v in headers]
    elif change == "no-token":
        headers = [(k, v) for k, v in headers if k != "X-Amz-Security-Token"]
    elif change == "region":
        region = "us-west-2"
    elif change == "service":
        service = "sts"
    elif change == "clock":
        now += 16 * 60
    elif change == "no-auth":
        headers = [(k, v) for k, v in headers if k != "Authorization"]
    elif change == "no-signature":
        headers = [(k, v.split(", Signature=")[0]) if k == "Authorization" else (k, v) for k, v in headers]
    elif change == "missing-signed-header":
        headers = [(k, v) for k, v in headers if k != "Content-Type"]
    r = sigv4.verify(method, target, headers, body, golden_keys, region, service, now=now)
    assert not r.ok
    assert r.code == code, r.message
    assert r.status == 403


# --- boto3's signer client against the fake Signer -------------------------------------------

def signer_client(fake, key="env", host_prefix=False, **config):
    akid, secret, token = STATIC_KEYS[key] if isinstance(key, str) else key
    return boto3.client("signer", region_name=REGION, endpoint_url=fake.url,
                        aws_access_key_id=akid, aws_secret_access_key=secret,
                        aws_session_token=token,
                        config=Config(inject_host_prefix=host_prefix, **config))


def sign_with_boto3(client):
    return client.sign_payload(profileName=PROFILE, profileOwner=ACCOUNT, payload=PAYLOAD,
                               payloadFormat=PAYLOAD_TYPE)


def tbs_sha384(der):
    def tlv(off):
        first = der[off + 1]
        if first < 0x80:
            return 2, first
        n = first & 0x7F
        return 2 + n, int.from_bytes(der[off + 2:off + 2 + n], "big")
    hdr, _ = tlv(0)
    thdr, tlen = tlv(hdr)
    return hashlib.sha384(der[hdr:hdr + thdr + tlen]).hexdigest()


def chain_hashes(envelope):
    h = [tbs_sha384(base64.b64decode(c)) for c in envelope.x5c]
    return [h[i] + (h[i + 1] if i + 1 < len(h) else h[i]) for i in range(len(h))]


def revocation_with_boto3(client, envelope):
    when = datetime.fromisoformat(envelope.protected["io.cncf.notary.authenticSigningTime"])
    return client.get_revocation_status(
        signatureTimestamp=when, platformId="Notation-OCI-SHA384-ECDSA",
        profileVersionArn=envelope.profile_version_arn, jobArn=envelope.job_arn,
        certificateHashes=chain_hashes(envelope))


@pytest.mark.parametrize("key", ["env", "env_token"])
def test_boto3_sign_payload_and_revocation_pass_the_fake(fake_signer, local, key):
    client = signer_client(fake_signer, key)
    out = sign_with_boto3(client)
    assert out["jobOwner"] == ACCOUNT
    assert out["ResponseMetadata"]["RequestId"] == fake_signer.seen("SignPayload")[0].request_id
    env = parse_envelope(out["signature"])
    assert env.profile_version_arn == local.profile["profileVersionArn"]
    assert env.job_arn == f"arn:aws:signer:{REGION}:{ACCOUNT}:/signing-jobs/{out['jobId']}"
    assert out["metadata"]["com.amazonaws.signer.signingJob"] == env.job_arn

    assert revocation_with_boto3(client, env)["revokedEntities"] == []
    local.revoke_signature(out["jobId"])
    assert revocation_with_boto3(client, env)["revokedEntities"] == [env.job_arn]

    seen = fake_signer.seen()
    assert [r.operation for r in seen] == ["SignPayload", "GetRevocationStatus", "GetRevocationStatus"]
    assert all(r.auth_ok and r.access_key == STATIC_KEYS[key][0] for r in seen), seen
    assert seen[1].path.startswith("/revocations?")
    assert seen[1].header("Host") == f"127.0.0.1:{fake_signer.port}"


def test_boto3_host_prefix_is_what_the_fake_would_see(fake_signer):
    """With host-prefix injection botocore goes to data-127.0.0.1 (research §1.8): the reason the
    other tests turn it off. Checked without the network: the endpoint botocore resolves."""
    client = signer_client(fake_signer, host_prefix=True)
    seen = []
    client.meta.events.register("before-send.signer.GetRevocationStatus",
                                lambda request, **_: seen.append(request.url) or _stop())
    with pytest.raises(_Stop):
        client.get_revocation_status(signatureTimestamp=datetime.now(timezone.utc),
                                     platformId="Notation-OCI-SHA384-ECDSA",
                                     profileVersionArn="arn:aws:signer:us-east-1:1:/x/y",
                                     jobArn="arn:aws:signer:us-east-1:1:/signing-jobs/z",
                                     certificateHashes=["a" * 192])
    assert seen and seen[0].startswith(f"http://data-127.0.0.1:{fake_signer.port}/revocations?")


class _Stop(Exception):
    pass


def _stop():
    raise _Stop()


@pytest.mark.parametrize("key,code", [
    (("AKIAUNKNOWNKEY000001", "secret", None), "UnrecognizedClientException"),
    ((STATIC_KEYS["env"][0], "wrong-secret", None), "InvalidSignatureException"),
    ((STATIC_KEYS["env_token"][0], STATIC_KEYS["env_token"][1], "wrong-token"), "UnrecognizedClientException"),
])
def test_boto3_bad_credentials_are_refused(fake_signer, key, code):
    client = signer_client(fake_signer, key, retries={"total_max_attempts": 1})
    with pytest.raises(ClientError) as e:
        sign_with_boto3(client)
    err = e.value.response
    assert err["Error"]["Code"] == code
    assert err["ResponseMetadata"]["HTTPStatusCode"] == 403
    rec = fake_signer.seen("SignPayload")[0]
    assert rec.auth_ok is False and rec.status == 403
    assert err["ResponseMetadata"]["RequestId"] == rec.request_id


def test_tampered_body_is_refused(fake_signer):
    """botocore signs the request; the body is changed after signing."""
    client = signer_client(fake_signer)

    def tamper(request, **_):
        request.body = request.body.replace(b'"profileName": "NotationProfile"',
                                            b'"profileName": "NotationProfilX"')
        request.headers["Content-Length"] = str(len(request.body))

    client.meta.events.register_first("before-send.signer.SignPayload", tamper)
    with pytest.raises(ClientError) as e:
        sign_with_boto3(client)
    assert e.value.response["Error"]["Code"] == "InvalidSignatureException"


@pytest.mark.parametrize("status,code", [
    (400, "ValidationException"), (403, "AccessDeniedException"),
    (404, "ResourceNotFoundException"), (429, "TooManyRequestsException"),
    (500, "InternalServiceErrorException"),
])
def test_scripted_errors_reach_boto3(fake_signer, status, code):
    fake_signer.script("SignPayload", Fault(status, code, f"scripted {code}",
                                            headers={"x-amz-retry-after": "10"}))
    client = signer_client(fake_signer, retries={"total_max_attempts": 1})
    with pytest.raises(ClientError) as e:
        sign_with_boto3(client)
    r = e.value.response
    assert (r["Error"]["Code"], r["Error"]["Message"]) == (code, f"scripted {code}")
    assert r["ResponseMetadata"]["HTTPStatusCode"] == status
    rec = fake_signer.seen("SignPayload")[0]
    assert r["ResponseMetadata"]["RequestId"] == rec.request_id
    assert r["ResponseMetadata"]["HTTPHeaders"]["x-amz-retry-after"] == "10"
    # Used once: the next call is answered normally.
    assert sign_with_boto3(client)["jobOwner"] == ACCOUNT


def test_unknown_profile_is_resource_not_found(fake_signer):
    client = signer_client(fake_signer, retries={"total_max_attempts": 1})
    with pytest.raises(ClientError) as e:
        client.sign_payload(profileName="Missing", profileOwner=ACCOUNT, payload=PAYLOAD,
                            payloadFormat=PAYLOAD_TYPE)
    assert e.value.response["Error"]["Code"] == "ResourceNotFoundException"
    assert e.value.response["ResponseMetadata"]["HTTPStatusCode"] == 404


def test_black_hole_never_answers(fake_signer):
    fake_signer.black_hole = True
    client = signer_client(fake_signer, retries={"total_max_attempts": 1}, read_timeout=0.5,
                           connect_timeout=2)
    t0 = time.monotonic()
    with pytest.raises(ReadTimeoutError):
        sign_with_boto3(client)
    assert time.monotonic() - t0 < 5
    assert len(fake_signer.seen()) == 1 and fake_signer.seen()[0].status is None


def test_scripted_delay_then_normal_answer(fake_signer):
    fake_signer.script("SignPayload", Fault(pass_through=True, delay=0.3))
    client = signer_client(fake_signer)
    t0 = time.monotonic()
    assert sign_with_boto3(client)["jobOwner"] == ACCOUNT
    assert time.monotonic() - t0 >= 0.3


def test_every_answer_has_a_request_id(fake_signer):
    for req in (urllib.request.Request(fake_signer.url + "/nowhere"),
                urllib.request.Request(fake_signer.url + "/revocations")):
        with pytest.raises(urllib.error.HTTPError) as e:
            urllib.request.urlopen(req, timeout=5)
        assert e.value.headers["x-amzn-RequestId"]
        assert e.value.headers["x-amzn-ErrorType"]
        assert "message" in json.loads(e.value.read())


# --- STS -------------------------------------------------------------------------------------

def sts_client(fake, key="source"):
    akid, secret, token = STATIC_KEYS[key] if isinstance(key, str) else key
    return boto3.client("sts", region_name=REGION, endpoint_url=fake.url,
                        aws_access_key_id=akid, aws_secret_access_key=secret,
                        aws_session_token=token, config=Config(retries={"total_max_attempts": 1}))


def test_boto3_assume_role_and_use_the_credentials(fake_sts, fake_signer):
    role = f"arn:aws:iam::{ACCOUNT}:role/signer-role"
    out = sts_client(fake_sts).assume_role(RoleArn=role, RoleSessionName="s1")
    c = out["Credentials"]
    assert c["AccessKeyId"].startswith("ASIA") and len(c["AccessKeyId"]) == 20
    assert c["Expiration"].timestamp() > time.time() + 600
    assert out["AssumedRoleUser"]["Arn"] == f"arn:aws:sts::{ACCOUNT}:assumed-role/signer-role/s1"
    assert out["ResponseMetadata"]["RequestId"] == fake_sts.seen("AssumeRole")[0].request_id
    assert fake_sts.seen("AssumeRole")[0].auth_ok
    client = signer_client(fake_signer, (c["AccessKeyId"], c["SecretAccessKey"], c["SessionToken"]))
    assert sign_with_boto3(client)["jobOwner"] == ACCOUNT
    assert fake_signer.seen()[0].access_key == c["AccessKeyId"]


def test_boto3_assume_role_signature_errors_are_sts_errors(fake_sts):
    with pytest.raises(ClientError) as e:
        sts_client(fake_sts, ("AKIAUNKNOWNKEY000001", "x", None)).assume_role(
            RoleArn="arn:aws:iam::1:role/r", RoleSessionName="s1")
    assert e.value.response["Error"]["Code"] == "InvalidClientTokenId"
    assert e.value.response["Error"]["Type"] == "Sender"
    with pytest.raises(ClientError) as e:
        sts_client(fake_sts, (STATIC_KEYS["source"][0], "wrong", None)).assume_role(
            RoleArn="arn:aws:iam::1:role/r", RoleSessionName="s1")
    assert e.value.response["Error"]["Code"] == "SignatureDoesNotMatch"


def test_boto3_assume_role_denied(fake_sts):
    fake_sts.roles = {"arn:aws:iam::1:role/allowed"}
    with pytest.raises(ClientError) as e:
        sts_client(fake_sts).assume_role(RoleArn="arn:aws:iam::1:role/other", RoleSessionName="s1")
    r = e.value.response
    assert r["Error"]["Code"] == "AccessDenied"
    assert r["ResponseMetadata"]["HTTPStatusCode"] == 403
    assert r["ResponseMetadata"]["RequestId"] == fake_sts.seen()[0].request_id


def test_boto3_assume_role_with_web_identity(fake_sts, fake_signer):
    fake_sts.web_identity_token = "eyJhbGciOiJSUzI1NiJ9.fake.jwt"
    client = boto3.client("sts", region_name=REGION, endpoint_url=fake_sts.url,
                          config=Config(signature_version=botocore.UNSIGNED))
    out = client.assume_role_with_web_identity(RoleArn="arn:aws:iam::1:role/irsa",
                                               RoleSessionName="pod",
                                               WebIdentityToken=fake_sts.web_identity_token)
    c = out["Credentials"]
    rec = fake_sts.seen("AssumeRoleWithWebIdentity")[0]
    assert rec.header("Authorization") is None
    client = signer_client(fake_signer, (c["AccessKeyId"], c["SecretAccessKey"], c["SessionToken"]))
    assert sign_with_boto3(client)["jobOwner"] == ACCOUNT
    with pytest.raises(ClientError) as e:
        boto3.client("sts", region_name=REGION, endpoint_url=fake_sts.url,
                     config=Config(signature_version=botocore.UNSIGNED)).assume_role_with_web_identity(
            RoleArn="arn:aws:iam::1:role/irsa", RoleSessionName="pod", WebIdentityToken="other")
    assert e.value.response["Error"]["Code"] == "InvalidIdentityToken"


def test_boto3_web_identity_provider_from_the_environment(fake_sts, tmp_path, monkeypatch):
    """botocore's own AssumeRoleWithWebIdentity provider, as on an IRSA pod."""
    fake_sts.web_identity_token = "irsa-token-value"
    tok = tmp_path / "token"
    tok.write_text(fake_sts.web_identity_token)
    session = _clean_session(monkeypatch, tmp_path, AWS_ROLE_ARN="arn:aws:iam::1:role/irsa",
                             AWS_WEB_IDENTITY_TOKEN_FILE=str(tok),
                             AWS_ENDPOINT_URL_STS=fake_sts.url)
    creds = session.get_credentials().get_frozen_credentials()
    assert creds.access_key == fake_sts.issued[0][3].access_key
    assert fake_sts.issued[0][0] == "AssumeRoleWithWebIdentity"


# --- IAM Identity Center (SSO) portal ---------------------------------------------------------

def sso_client(fake):
    """boto3's own SSO client: GetRoleCredentials is unsigned in the service model (bearer token)."""
    return boto3.client("sso", region_name=REGION, endpoint_url=fake.url,
                        config=Config(retries={"total_max_attempts": 1}))


def test_boto3_sso_get_role_credentials_and_use_them(fake_sso, fake_signer):
    fake_sso.tokens["sso-access-token-1"] = None
    out = sso_client(fake_sso).get_role_credentials(roleName="Dev", accountId=ACCOUNT,
                                                    accessToken="sso-access-token-1")
    c = out["roleCredentials"]
    rec = fake_sso.seen("GetRoleCredentials")[0]
    assert rec.method == "GET" and rec.path.startswith("/federation/credentials?"), rec.path
    assert rec.header("x-amz-sso_bearer_token") == "sso-access-token-1"
    assert rec.header("Authorization") is None
    account, role, token, key = fake_sso.issued[0]
    assert (account, role, token) == (ACCOUNT, "Dev", "sso-access-token-1")
    assert c["accessKeyId"] == key.access_key and c["sessionToken"] == key.session_token
    assert abs(c["expiration"] / 1000 - key.expires) < 1      # epoch milliseconds
    client = signer_client(fake_signer, (c["accessKeyId"], c["secretAccessKey"], c["sessionToken"]))
    assert sign_with_boto3(client)["jobOwner"] == ACCOUNT


@pytest.mark.parametrize("token,roles,status,code", [
    ("not-a-known-token", None, 401, "UnauthorizedException"),
    ("sso-access-token-1", {("999999999999", "Admin")}, 403, "ForbiddenException"),
])
def test_boto3_sso_errors(fake_sso, token, roles, status, code):
    fake_sso.tokens["sso-access-token-1"] = None
    fake_sso.roles = roles
    with pytest.raises(ClientError) as e:
        sso_client(fake_sso).get_role_credentials(roleName="Dev", accountId=ACCOUNT,
                                                  accessToken=token)
    r = e.value.response
    assert r["Error"]["Code"] == code
    assert r["ResponseMetadata"]["HTTPStatusCode"] == status
    assert r["ResponseMetadata"]["RequestId"] == fake_sso.seen()[0].request_id


def test_botocore_sso_provider_reads_the_cache_the_plugin_reads(fake_sso, tmp_path, monkeypatch):
    """botocore's own SSO credential provider (sso_session profile, token cached under
    ~/.aws/sso/cache/<sha1 of the session name>.json) against the fake portal."""
    fake_sso.tokens["sso-access-token-2"] = None
    home = tmp_path / "home"
    cache = home / ".aws" / "sso" / "cache"
    cache.mkdir(parents=True)
    (cache / (hashlib.sha1(b"corp").hexdigest() + ".json")).write_text(json.dumps({
        "startUrl": "https://example.awsapps.com/start", "region": REGION,
        "accessToken": "sso-access-token-2",
        "expiresAt": datetime.fromtimestamp(time.time() + 3600, timezone.utc).strftime(
            "%Y-%m-%dT%H:%M:%SZ")}))
    config = tmp_path / "sso-config"
    config.write_text("[profile dev]\nsso_session = corp\nsso_account_id = 123456789012\n"
                      "sso_role_name = Dev\n[sso-session corp]\n"
                      f"sso_region = {REGION}\nsso_start_url = https://example.awsapps.com/start\n")
    # botocore fixes ~/.aws/sso/cache when it is imported: point both readers at this home
    monkeypatch.setattr(botocore.credentials.SSOProvider, "_SSO_TOKEN_CACHE_DIR", str(cache))
    monkeypatch.setattr(botocore.tokens.SSOTokenProvider, "_SSO_TOKEN_CACHE_DIR", str(cache))
    session = _clean_session(monkeypatch, tmp_path, AWS_CONFIG_FILE=str(config), AWS_PROFILE="dev",
                             AWS_ENDPOINT_URL_SSO=fake_sso.url)
    creds = session.get_credentials().get_frozen_credentials()
    assert creds.access_key == fake_sso.issued[0][3].access_key
    assert fake_sso.issued[0][:3] == ("123456789012", "Dev", "sso-access-token-2")


# --- IAM Identity Center OIDC (SSO OIDC) ----------------------------------------------------

def oidc_client(fake):
    """boto3's own SSO OIDC client: CreateToken is unsigned in the service model (auth none)."""
    return boto3.client("sso-oidc", region_name=REGION, endpoint_url=fake.url,
                        config=Config(retries={"total_max_attempts": 1}))


def test_boto3_sso_oidc_create_token_refresh_grant(fake_oidc, fake_sso):
    fake_oidc.clients["client-id-1"] = "client-secret-1"
    fake_oidc.refresh_tokens["refresh-token-1"] = "client-id-1"
    out = oidc_client(fake_oidc).create_token(clientId="client-id-1",
                                              clientSecret="client-secret-1",
                                              grantType="refresh_token",
                                              refreshToken="refresh-token-1")
    rec = fake_oidc.seen("CreateToken")[0]
    assert (rec.method, rec.path) == ("POST", "/token")
    assert rec.header("Content-Type") == "application/json"
    assert rec.header("Authorization") is None
    assert json.loads(rec.body) == {"clientId": "client-id-1", "clientSecret": "client-secret-1",
                                    "grantType": "refresh_token",
                                    "refreshToken": "refresh-token-1"}
    client, old, access, refresh = fake_oidc.issued[0]
    assert (client, old) == ("client-id-1", "refresh-token-1")
    assert out["accessToken"] == access and out["refreshToken"] == refresh
    assert out["expiresIn"] == 3600 and out["tokenType"] == "Bearer"
    assert out["ResponseMetadata"]["RequestId"] == rec.request_id
    # rotated: the old refresh token is spent; the new access token is good at the portal
    assert "refresh-token-1" not in fake_oidc.refresh_tokens
    got = sso_client(fake_sso).get_role_credentials(roleName="Dev", accountId=ACCOUNT,
                                                    accessToken=access)
    assert got["roleCredentials"]["accessKeyId"] == fake_sso.issued[0][3].access_key


@pytest.mark.parametrize("client_secret,grant,refresh,status,code", [
    ("client-secret-1", "refresh_token", "spent-or-unknown", 400, "InvalidGrantException"),
    ("wrong-secret", "refresh_token", "refresh-token-1", 401, "InvalidClientException"),
    ("client-secret-1", "authorization_code", "refresh-token-1", 400,
     "UnsupportedGrantTypeException"),
])
def test_boto3_sso_oidc_errors(fake_oidc, client_secret, grant, refresh, status, code):
    fake_oidc.clients["client-id-1"] = "client-secret-1"
    fake_oidc.refresh_tokens["refresh-token-1"] = "client-id-1"
    with pytest.raises(ClientError) as e:
        oidc_client(fake_oidc).create_token(clientId="client-id-1", clientSecret=client_secret,
                                            grantType=grant, refreshToken=refresh)
    r = e.value.response
    assert r["Error"]["Code"] == code
    assert r["ResponseMetadata"]["HTTPStatusCode"] == status
    assert r["ResponseMetadata"]["RequestId"] == fake_oidc.seen()[0].request_id
    assert e.value.response["error_description"]


def test_botocore_sso_token_provider_refreshes_through_the_fake(fake_oidc, fake_sso, tmp_path,
                                                                monkeypatch):
    """botocore's own SSO token provider refreshes an expired cached token (sso_session profile,
    AWS_ENDPOINT_URL_SSO_OIDC) through the fake and writes the new one back to the cache."""
    fake_oidc.clients["client-id-3"] = "client-secret-3"
    fake_oidc.refresh_tokens["refresh-token-3"] = "client-id-3"
    cache = tmp_path / "home" / ".aws" / "sso" / "cache"
    cache.mkdir(parents=True)
    path = cache / (hashlib.sha1(b"corp").hexdigest() + ".json")

    def stamp(delta):
        return datetime.fromtimestamp(time.time() + delta, timezone.utc).strftime(
            "%Y-%m-%dT%H:%M:%SZ")

    path.write_text(json.dumps({
        "startUrl": "https://example.awsapps.com/start", "region": REGION,
        "accessToken": "expired-access-token", "expiresAt": stamp(-60),
        "refreshToken": "refresh-token-3", "clientId": "client-id-3",
        "clientSecret": "client-secret-3", "registrationExpiresAt": stamp(86400)}))
    config = tmp_path / "sso-config"
    config.write_text("[profile dev]\nsso_session = corp\nsso_account_id = 123456789012\n"
                      "sso_role_name = Dev\n[sso-session corp]\n"
                      f"sso_region = {REGION}\nsso_start_url = https://example.awsapps.com/start\n")
    monkeypatch.setattr(botocore.credentials.SSOProvider, "_SSO_TOKEN_CACHE_DIR", str(cache))
    monkeypatch.setattr(botocore.tokens.SSOTokenProvider, "_SSO_TOKEN_CACHE_DIR", str(cache))
    session = _clean_session(monkeypatch, tmp_path, AWS_CONFIG_FILE=str(config), AWS_PROFILE="dev",
                             AWS_ENDPOINT_URL_SSO=fake_sso.url,
                             AWS_ENDPOINT_URL_SSO_OIDC=fake_oidc.url)
    creds = session.get_credentials().get_frozen_credentials()
    _, _, access, refresh = fake_oidc.issued[0]
    assert fake_sso.issued[0][2] == access
    assert creds.access_key == fake_sso.issued[0][3].access_key
    saved = json.loads(path.read_text())
    assert (saved["accessToken"], saved["refreshToken"]) == (access, refresh)


# --- IMDS and container credentials ----------------------------------------------------------

def test_botocore_imds_fetcher_v2(fake_imds):
    creds = InstanceMetadataFetcher(timeout=2, num_attempts=1, base_url=fake_imds.url + "/") \
        .retrieve_iam_role_credentials()
    assert creds["access_key"] == fake_imds.key.access_key
    assert creds["token"] == fake_imds.key.session_token
    ops = [r.operation for r in fake_imds.seen()]
    assert ops == ["token", "role", "token", "credentials"] or ops == ["token", "role", "credentials"], ops
    assert all(r.header("X-aws-ec2-metadata-token") for r in fake_imds.seen() if r.operation != "token")


def test_botocore_imds_fetcher_falls_back_to_v1(fake_imds):
    fake_imds.mode = "v1-only"
    creds = InstanceMetadataFetcher(timeout=2, num_attempts=1, base_url=fake_imds.url + "/") \
        .retrieve_iam_role_credentials()
    assert creds["access_key"] == fake_imds.key.access_key
    assert fake_imds.seen()[0].status == 403


def test_imds_v2_only_refuses_tokenless_reads(fake_imds):
    with pytest.raises(urllib.error.HTTPError) as e:
        urllib.request.urlopen(fake_imds.url + "/latest/meta-data/iam/security-credentials/", timeout=5)
    assert e.value.code == 401
    req = urllib.request.Request(fake_imds.url + "/latest/api/token", method="PUT")
    with pytest.raises(urllib.error.HTTPError) as e:
        urllib.request.urlopen(req, timeout=5)
    assert e.value.code == 400  # no X-aws-ec2-metadata-token-ttl-seconds


def test_boto3_session_uses_the_fake_imds(fake_imds, fake_signer, tmp_path, monkeypatch):
    session = _clean_session(monkeypatch, tmp_path,
                             AWS_EC2_METADATA_SERVICE_ENDPOINT=fake_imds.url + "/",
                             AWS_EC2_METADATA_DISABLED=None)
    creds = session.get_credentials().get_frozen_credentials()
    assert creds.access_key == fake_imds.key.access_key
    client = signer_client(fake_signer, (creds.access_key, creds.secret_key, creds.token))
    assert sign_with_boto3(client)["jobOwner"] == ACCOUNT


def container_fetcher():
    f = ContainerMetadataFetcher()
    f.RETRY_ATTEMPTS = 1
    return f


def test_botocore_container_fetcher(fake_container):
    fetcher = container_fetcher()
    creds = fetcher.retrieve_full_uri(fake_container.url + "/v1/credentials",
                                      headers={"Authorization": fake_container.token})
    assert creds["AccessKeyId"] == fake_container.key.access_key
    assert fake_container.seen()[0].header("Authorization") == "pod-identity-token-1"


def test_boto3_session_uses_the_fake_container_endpoint(fake_container, fake_signer, tmp_path,
                                                        monkeypatch):
    tok = tmp_path / "eks-pod-identity-token"
    tok.write_text(fake_container.token)
    session = _clean_session(monkeypatch, tmp_path,
                             AWS_CONTAINER_CREDENTIALS_FULL_URI=fake_container.url + "/v1/credentials",
                             AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE=str(tok))
    creds = session.get_credentials().get_frozen_credentials()
    assert creds.access_key == fake_container.key.access_key
    client = signer_client(fake_signer, (creds.access_key, creds.secret_key, creds.token))
    assert sign_with_boto3(client)["jobOwner"] == ACCOUNT
    # A rotated token the client does not have is refused.
    fake_container.token = "pod-identity-token-2"
    with pytest.raises(MetadataRetrievalError):
        container_fetcher().retrieve_full_uri(
            fake_container.url + "/v1/credentials", headers={"Authorization": "pod-identity-token-1"})
    assert fake_container.seen()[-1].status == 403


def _clean_session(monkeypatch, tmp_path, **env):
    """A botocore session that sees only `env` (plus empty config files)."""
    import os
    for k in list(os.environ):
        if k.startswith("AWS_"):
            monkeypatch.delenv(k)
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "no-config"))
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "no-credentials"))
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")
    monkeypatch.setenv("AWS_DEFAULT_REGION", REGION)
    for k, v in env.items():
        if v is None:
            monkeypatch.delenv(k, raising=False)
        else:
            monkeypatch.setenv(k, v)
    return boto3.Session()
