"""Cross-account signing end to end with the real notation CLI (issue 9), against a real
`signer-local serve` and a real OCI registry (tests/e2e's docker-registry):

- account A creates a Notation profile through the API and grants account B signer:SignPayload and
  signer:RevokeSignature;
- B signs an image with `notation sign --plugin com.amazonaws.signer.notation.plugin --id <A's
  profile ARN> --plugin-config aws-signer-endpoint-url=<serve>`, B's keys in the environment
  (the plugin's AWS backend, built in this tree, installed under a temp NOTATION_CONFIG);
- the signature carries A's profile version ARN and a chain to the store's root;
- `notation verify` under a trust policy that trusts A's profile only (signingAuthority store
  holding `signer-local export-root`) passes, revocation checked through the same endpoint (the
  verifier passes the same --plugin-config: the plugin takes the endpoint from pluginConfig);
- B revokes the signature through the API (RevokeSignature with jobOwner A) and verification fails;
- a third account C is refused: notation's error carries AWS's AccessDeniedException message and
  the request id the audit trail recorded.

Binaries: SGN_SIGNER_LOCAL_BIN, SGN_PLUGIN_BIN (default build/plugin/...), notation from
NOTATION_BIN or <SGN_TOOLS_DIR or .tools/bin>/notation."""
import base64
import hashlib
import json
import os
import re
import sys
from pathlib import Path

import boto3
import pytest
from botocore.config import Config
from botocore.exceptions import ClientError

from conftest import BIN, Server, create_key, run

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))   # tests/, for e2e.lib
from e2e.lib import images, tools  # noqa: E402
from e2e.lib.registry import Registry  # noqa: E402

REGION = "us-west-2"
ADMIN = "210987654321"      # the store's own account (keys are made by it)
A = "111122223333"          # owns the profile
B = "444455556666"          # builds: signs and revokes through A's grant
C = "777788889999"          # not granted
PROFILE = "release_signing"
PLATFORM = "Notation-OCI-SHA384-ECDSA"
TRUST_STORE = "serve-ts"


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    if not BIN.exists():
        pytest.fail(f"{BIN} not built")
    plugin = tools.plugin_bin()
    ok, why = tools.plugin_ready(plugin)
    if not ok:
        pytest.fail(why)
    notation_bin = tools.notation_bin()
    if not notation_bin:
        pytest.fail("no notation binary: run scripts/install-deps.sh (or set NOTATION_BIN)")
    tmp = tmp_path_factory.mktemp("xacct")
    store = tmp / "store"
    run(store, "init", "--region", REGION, "--account-id", ADMIN)
    keys = {acct: create_key(store, acct) for acct in (A, B, C)}
    reg = Registry(workdir=str(tmp / "registry"))
    try:
        reg.start()
    except Exception as e:  # noqa: BLE001 - name the missing piece
        pytest.fail(f"docker-registry could not start: {e}")
    srv = Server(store, tmp)
    try:
        yield {"tmp": tmp, "store": store, "keys": keys, "server": srv, "registry": reg,
               "plugin": plugin, "notation_bin": notation_bin}
    finally:
        reg.stop()
        rc, err = srv.stop()
    assert rc == 0, err


def api(world, account):
    """boto3 in the store's region, as `account`."""
    key = world["keys"][account]
    return boto3.client("signer", region_name=REGION, endpoint_url=world["server"].url,
                        aws_access_key_id=key["AccessKeyId"],
                        aws_secret_access_key=key["SecretAccessKey"],
                        config=Config(inject_host_prefix=False, retries={"max_attempts": 1}))


@pytest.fixture(scope="module")
def profile(world):
    """A's profile, shared with B for signing and revocation (A's own key, through the API)."""
    a = api(world, A)
    p = a.put_signing_profile(profileName=PROFILE, platformId=PLATFORM)
    assert p["arn"] == f"arn:aws:signer:{REGION}:{A}:/signing-profiles/{PROFILE}"
    r = a.add_profile_permission(profileName=PROFILE, action="signer:SignPayload", principal=B,
                                 statementId="b-signs")
    a.add_profile_permission(profileName=PROFILE, action="signer:RevokeSignature", principal=B,
                             statementId="b-revokes", revisionId=r["revisionId"])
    return p


def notation_for(world, account, name):
    """notation with its own NOTATION_CONFIG (the plugin of this tree installed in it, A's profile
    trusted), and only `account`'s keys in its environment."""
    base = world["tmp"] / name
    cfg = base / "notation"
    home = base / "home"
    if not cfg.exists():
        cfg.mkdir(parents=True)
        home.mkdir()
        (base / "aws-config").write_text("")
        (base / "aws-credentials").write_text("")
        tools.install_plugin(str(cfg), world["plugin"])
        ts = cfg / "truststore" / "x509" / "signingAuthority" / TRUST_STORE
        ts.mkdir(parents=True)
        (ts / "root.crt").write_text(run(world["store"], "export-root").stdout)
        policy = {"version": "1.0", "trustPolicies": [{
            "name": "trust-account-a-release", "registryScopes": ["*"],
            "signatureVerification": {"level": "strict"},
            "trustStores": [f"signingAuthority:{TRUST_STORE}"],
            "trustedIdentities": [f"arn:aws:signer:{REGION}:{A}:/signing-profiles/{PROFILE}"]}]}
        (cfg / "trustpolicy.json").write_text(json.dumps(policy))
    key = world["keys"][account]
    env = {"HOME": str(home), "AWS_CONFIG_FILE": str(base / "aws-config"),
           "AWS_SHARED_CREDENTIALS_FILE": str(base / "aws-credentials"),
           "AWS_EC2_METADATA_DISABLED": "true",
           "AWS_ACCESS_KEY_ID": key["AccessKeyId"], "AWS_SECRET_ACCESS_KEY": key["SecretAccessKey"]}
    for proxy in ("HTTP_PROXY", "HTTPS_PROXY", "http_proxy", "https_proxy", "ALL_PROXY",
                  "all_proxy"):
        env[proxy] = ""
    n = tools.Notation(world["notation_bin"], str(cfg), env=env)
    # No aws-region: the plugin takes the region from the ARN (us-west-2), as the store's.
    n.plugin_config = ["--plugin-config", f"aws-signer-endpoint-url={world['server'].url}"]
    return n


def push(world, repo):
    pushed = images.push_image(world["registry"].host, repo)
    return f"{world['registry'].host}/{repo}@{pushed.digest}"


def audit(world, name, account=None):
    return [x for x in world["server"].audit_lines() if x["eventName"] == name and
            (account is None or x["userIdentity"].get("accountId") == account)]


def test_b_signs_with_a_profile_then_revokes(world, profile):
    image = push(world, "xacct/app")
    b = notation_for(world, B, "b")
    cp = b.sign(image, profile["arn"], *b.plugin_config)
    assert cp.returncode == 0, tools.describe(cp)

    # The call reached serve as B, through the plugin, for A's profile.
    signs = audit(world, "SignPayload", B)
    assert len(signs) == 1 and "errorCode" not in signs[0], signs
    rec = signs[0]
    assert rec["userIdentity"]["accessKeyId"] == world["keys"][B]["AccessKeyId"]
    assert rec["requestParameters"]["profileOwner"] == A
    assert rec["requestParameters"]["profileName"] == PROFILE
    assert "aws-signer-caller/NotationPlugin-" in rec["userAgent"], rec["userAgent"]

    # The signature carries A's ARNs, and its chain ends at the store's root.
    sig = tools.signature_info(b, image)
    attrs = sig["signedAttributes"]
    assert attrs["com.amazonaws.signer.signingProfileVersion"] == profile["profileVersionArn"]
    assert profile["profileVersionArn"].startswith(f"arn:aws:signer:{REGION}:{A}:")
    job_arn = attrs["com.amazonaws.signer.signingJob"]
    assert job_arn == f"arn:aws:signer:{REGION}:{A}:/signing-jobs/{rec['responseElements']['jobId']}"
    root_pem = run(world["store"], "export-root").stdout
    root_der = base64.b64decode("".join(l for l in root_pem.splitlines() if "-----" not in l))
    chain = sig["certificates"]
    assert chain[-1]["SHA256Fingerprint"].lower() == hashlib.sha256(root_der).hexdigest()

    # Both accounts see the job: owner A, invoker B.
    job_id = job_arn.rsplit("/", 1)[1]
    d = api(world, A).describe_signing_job(jobId=job_id)
    assert (d["jobOwner"], d["jobInvoker"]) == (A, B)

    # Verification (B's keys for GetRevocationStatus, which answers any account).
    before = len(audit(world, "GetRevocationStatus"))
    cp = b.verify(image, *b.plugin_config)
    assert cp.returncode == 0, tools.describe(cp)
    assert f"Successfully verified signature for {image}" in cp.stdout
    revs = audit(world, "GetRevocationStatus")[before:]
    assert len(revs) == 1 and "errorCode" not in revs[0], revs
    assert revs[0]["requestParameters"]["jobArn"] == job_arn
    assert revs[0]["requestParameters"]["profileVersionArn"] == profile["profileVersionArn"]

    # B revokes the signature through the API (its RevokeSignature grant) ...
    api(world, B).revoke_signature(jobId=job_id, jobOwner=A, reason="leaked build")
    rr = audit(world, "RevokeSignature", B)
    assert len(rr) == 1 and "errorCode" not in rr[0], rr
    assert api(world, A).describe_signing_job(jobId=job_id)["revocationRecord"]["revokedBy"] == \
        f"arn:aws:iam::{B}:root"
    # ... and verification fails, naming the revoked job.
    cp = b.verify(image, *b.plugin_config)
    assert cp.returncode == 1, tools.describe(cp)
    assert f"Resource(s) {job_arn} have been revoked." in tools.plugin_failure_reasons(cp), \
        tools.describe(cp)
    # A verifier in account A reaches the same verdict.
    a = notation_for(world, A, "a")
    cp = a.verify(image, *a.plugin_config)
    assert cp.returncode == 1, tools.describe(cp)
    assert f"Resource(s) {job_arn} have been revoked." in tools.plugin_failure_reasons(cp)


def test_policy_trusting_another_profile_refuses(world, profile):
    """The trust policy is what trusts A's profile: B's own profile of the same name does not
    verify under it."""
    b_api = api(world, B)
    own = b_api.put_signing_profile(profileName=PROFILE, platformId=PLATFORM)
    assert own["arn"] == f"arn:aws:signer:{REGION}:{B}:/signing-profiles/{PROFILE}"
    image = push(world, "xacct/own")
    b = notation_for(world, B, "b")
    cp = b.sign(image, own["arn"], *b.plugin_config)
    assert cp.returncode == 0, tools.describe(cp)
    cp = b.verify(image, *b.plugin_config)
    assert cp.returncode == 1, tools.describe(cp)
    reasons = " ".join(tools.plugin_failure_reasons(cp))
    assert "Signature publisher doesn't match any trusted identities." in reasons, \
        tools.describe(cp)


def test_c_is_refused_with_aws_message_and_request_id(world, profile):
    image = push(world, "xacct/c")
    c = notation_for(world, C, "c")
    before = len(audit(world, "SignPayload", C))
    cp = c.sign(image, profile["arn"], *c.plugin_config)
    assert cp.returncode != 0, tools.describe(cp)
    refused = audit(world, "SignPayload", C)[before:]
    assert len(refused) == 1, refused            # AccessDenied is not retried
    rec = refused[0]
    assert rec["errorCode"] == "AccessDeniedException"
    message = (f"User: arn:aws:iam::{C}:root is not authorized to perform: signer:SignPayload "
               f"on resource: {profile['arn']}")
    assert rec["errorMessage"] == message
    expected = f"Failed to call AWSSigner. Error: {message}. RequestID: {rec['requestID']}."
    assert expected in cp.stderr, tools.describe(cp)
    # Nothing was signed or pushed for C.
    assert len(c.inspect_json(image)["Signatures"]) == 0
    # Nor may C revoke a signature made with A's profile, or even see its job.
    job = api(world, B).sign_payload(profileName=PROFILE, profileOwner=A, payload=b"{}",
                                     payloadFormat="application/vnd.cncf.notary.payload.v1+json")
    with pytest.raises(ClientError) as e:
        api(world, C).revoke_signature(jobId=job["jobId"], jobOwner=A, reason="r")
    assert e.value.response["Error"]["Code"] == "AccessDeniedException"
    assert e.value.response["Error"]["Message"] == (
        f"User: arn:aws:iam::{C}:root is not authorized to perform: signer:RevokeSignature "
        f"on resource: {profile['arn']}")
    with pytest.raises(ClientError) as e:
        api(world, C).describe_signing_job(jobId=job["jobId"])
    assert e.value.response["Error"]["Code"] == "ResourceNotFoundException"
    assert "revocationRecord" not in api(world, A).describe_signing_job(jobId=job["jobId"])
