"""Issue 3, case 5 with the real notation CLI: notation signs an image in a real registry through
the plugin and the fake Signer (which signs with the project's local Signer), trusts the store's
root (signer-local install-notation-trust, revocation enforced, i.e. level strict), and verifies
with REVOCATION_CHECK against the fake; after `signer-local revoke-signature` verification fails
naming the revocation. Reuses tests/e2e's harness (docker-registry, notation from .tools/bin)."""

import json
import os
import re

import pytest

from e2e.lib import images, tools
from e2e.lib.registry import Registry

from .helpers import ACCOUNT, PROFILE_ARN, REGION, env_keys, key_id

POLICY_JSON = "trustpolicy.json"


@pytest.fixture(scope="module")
def registry(tmp_path_factory):
    reg = Registry(workdir=str(tmp_path_factory.mktemp("registry")))
    try:
        reg.start()
    except Exception as e:  # noqa: BLE001 - name the missing piece
        pytest.fail(f"docker-registry could not start: {e}")
    yield reg
    reg.stop()


@pytest.fixture(scope="module")
def notation_bin():
    nb = tools.notation_bin()
    if not nb:
        pytest.fail("no notation binary: run scripts/install-deps.sh (or set NOTATION_BIN)")
    return nb


@pytest.fixture
def notation(notation_bin, tmp_path, plugin_bin, fake_signer):
    cfg = tmp_path / "notation"
    cfg.mkdir()
    tools.install_plugin(str(cfg), plugin_bin)
    home = tmp_path / "home"
    home.mkdir()
    env = {"HOME": str(home), "AWS_CONFIG_FILE": str(tmp_path / "aws-config"),
           "AWS_SHARED_CREDENTIALS_FILE": str(tmp_path / "aws-credentials"),
           "AWS_EC2_METADATA_DISABLED": "true", **env_keys("env")}
    for proxy in ("HTTP_PROXY", "HTTPS_PROXY", "http_proxy", "https_proxy", "ALL_PROXY", "all_proxy"):
        env[proxy] = ""
    n = tools.Notation(notation_bin, str(cfg), env=env)
    n.plugin_config = ["--plugin-config", f"aws-signer-endpoint-url={fake_signer.url}",
                       "--plugin-config", f"aws-region={REGION}"]
    return n


@pytest.fixture
def image(registry, request):
    repo = "aws/" + re.sub(r"[^a-z0-9]+", "-", request.node.name.lower())[:60].strip("-")
    pushed = images.push_image(registry.host, repo)
    return f"{registry.host}/{repo}@{pushed.digest}"


def install_trust(local, notation):
    out = local.run("install-notation-trust", "--notation-config", notation.config_dir,
                    "--registry-scope", "*", "--trusted-identity", PROFILE_ARN)
    policy = json.loads(open(os.path.join(notation.config_dir, POLICY_JSON)).read())
    st = policy["trustPolicies"][0]
    assert st["signatureVerification"]["level"] == "strict", st
    assert "override" not in st["signatureVerification"], st  # revocation enforced
    return out


def test_notation_signs_and_verifies_through_the_fake_signer(notation, local, fake_signer, image):
    install_trust(local, notation)
    cp = notation.sign(image, PROFILE_ARN, *notation.plugin_config)
    assert cp.returncode == 0, tools.describe(cp)
    sp = fake_signer.seen("SignPayload")
    assert len(sp) == 1 and sp[0].auth_ok and sp[0].access_key == key_id("env"), sp

    sig = tools.signature_info(notation, image)
    job_arn = sig["signedAttributes"]["com.amazonaws.signer.signingJob"]
    assert job_arn.startswith(f"arn:aws:signer:{REGION}:{ACCOUNT}:/signing-jobs/")
    assert sig["signedAttributes"]["com.amazonaws.signer.signingProfileVersion"] == \
        local.profile["profileVersionArn"]

    cp = notation.verify(image, *notation.plugin_config)
    assert cp.returncode == 0, tools.describe(cp)
    assert f"Successfully verified signature for {image}" in cp.stdout
    rev = fake_signer.seen("GetRevocationStatus")
    assert len(rev) == 1 and rev[0].auth_ok and rev[0].status == 200, rev

    local.revoke_signature(job_arn.rsplit("/", 1)[1], "revoked through the fake")
    cp = notation.verify(image, *notation.plugin_config)
    assert cp.returncode == 1, tools.describe(cp)
    reasons = tools.plugin_failure_reasons(cp)
    assert f"Resource(s) {job_arn} have been revoked." in reasons, tools.describe(cp)
    assert len(fake_signer.seen("GetRevocationStatus")) == 2


def test_notation_sign_reports_the_aws_error(notation, local, fake_signer, image):
    from .fakes.base import Fault
    install_trust(local, notation)
    fake_signer.script("SignPayload", Fault(403, "AccessDeniedException", "not allowed to sign"))
    cp = notation.sign(image, PROFILE_ARN, *notation.plugin_config)
    assert cp.returncode != 0, tools.describe(cp)
    rid = fake_signer.seen("SignPayload")[0].request_id
    assert f"Failed to call AWSSigner. Error: not allowed to sign. RequestID: {rid}." in cp.stderr, \
        tools.describe(cp)
