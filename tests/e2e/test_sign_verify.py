"""Sign and verify with the plugin and the local Signer, through notation (acceptance items a, b, c,
j) and the layout that `signer-local install-notation-trust` writes."""

import hashlib
import json
import re
import ssl

import pytest

from e2e.conftest import DEFAULT_TRUST_STORE, POLICY_JSON, POLICY_OCI_JSON, ROOT_CERT_FILE
from e2e.lib import images, tools

JOB_ARN = re.compile(r"^arn:aws:signer:local:\d{12}:/signing-jobs/[A-Za-z0-9-]+$")


def signature_tags(img):
    return [t for t in images.list_tags(img.host, img.repo) if t.startswith("sha256-")]


def test_install_notation_trust_layout(signer, notation_config, profile):
    signer("install-notation-trust", "--notation-config", str(notation_config),
           "--trusted-identity", profile["arn"], "--registry-scope", "*")
    root = notation_config / "truststore" / "x509" / "signingAuthority" / DEFAULT_TRUST_STORE / ROOT_CERT_FILE
    assert root.is_file(), f"missing {root}"
    assert "-----BEGIN CERTIFICATE-----" in root.read_text()
    policy_file = notation_config / POLICY_JSON
    assert policy_file.is_file(), (
        f"{POLICY_JSON} missing: notation 1.x (notation-go <= v1.3.2) reads only {POLICY_JSON}; "
        "newer notation-go prefers trustpolicy.oci.json and falls back to it, so write both")
    doc = json.loads(policy_file.read_text())
    assert json.loads((notation_config / POLICY_OCI_JSON).read_text()) == doc
    assert doc["version"] == "1.0"
    [stmt] = doc["trustPolicies"]
    assert stmt["registryScopes"] == ["*"]
    assert stmt["signatureVerification"]["level"] == "strict"
    assert stmt["trustStores"] == [f"signingAuthority:{DEFAULT_TRUST_STORE}"]
    assert stmt["trustedIdentities"] == [profile["arn"]]


@pytest.mark.parametrize("fmt", ["jws", "cose"])
def test_sign_and_verify_in_registry(notation, profile, install_trust, image, fmt):
    """a) JWS and c) COSE: sign by tag in the real registry, verify by tag and by digest."""
    install_trust(profile["arn"])
    cp = notation.sign(image.tag_ref, profile["arn"], "--signature-format", fmt)
    assert cp.returncode == 0, tools.describe(cp)
    assert cp.stdout.strip() == f"Successfully signed {image.digest_ref}"
    # distribution 2.8 has no Referrers API: the signature is found through the tag schema.
    assert signature_tags(image) == ["sha256-" + image.digest.split(":", 1)[1]]
    for ref in (image.tag_ref, image.digest_ref):
        cp = notation.verify(ref)
        assert cp.returncode == 0, tools.describe(cp)
        assert f"Successfully verified signature for {image.digest_ref}" in cp.stdout
    [sig] = notation.inspect_json(image.digest_ref)["Signatures"]
    assert sig["mediaType"] == {"jws": "application/jose+json", "cose": "application/cose"}[fmt]


def test_sign_and_verify_oci_layout(notation, profile, install_trust, tmp_path):
    """b) the same against an OCI image layout directory."""
    install_trust(profile["arn"])
    layout = tmp_path / "layout"
    img = images.write_oci_layout(str(layout), "v1")
    cp = notation.sign(f"{layout}:v1", profile["arn"], registry=False)
    assert cp.returncode == 0, tools.describe(cp)
    assert cp.stdout.strip() == f"Successfully signed {layout}@{img.digest}"
    assert len(images.read_oci_index(str(layout))["manifests"]) >= 2  # image + signature
    for ref in (f"{layout}:v1", f"{layout}@{img.digest}"):
        cp = notation.verify(ref, registry=False)
        assert cp.returncode == 0, tools.describe(cp)
        assert f"Successfully verified signature for {layout}@{img.digest}" in cp.stdout


def test_inspect_shows_aws_signer_attributes(notation, notation_config, profile, install_trust, image):
    """j) inspect -o json: signing scheme, verification plugin, the two AWS attributes, our chain."""
    install_trust(profile["arn"])
    cp = notation.sign(image.digest_ref, profile["arn"])
    assert cp.returncode == 0, tools.describe(cp)
    out = notation.inspect_json(image.digest_ref)
    assert out["mediaType"] == images.MANIFEST_MEDIA_TYPE
    [sig] = out["Signatures"]
    attrs = sig["signedAttributes"]
    assert attrs["signingScheme"] == "notary.x509.signingAuthority"
    assert attrs["io.cncf.notary.verificationPlugin"] == "com.amazonaws.signer.notation.plugin"
    assert attrs["com.amazonaws.signer.signingProfileVersion"] == profile["profileVersionArn"]
    assert JOB_ARN.match(attrs["com.amazonaws.signer.signingJob"]), attrs
    assert "signingTime" in attrs and "expiry" in attrs
    assert sig["signatureAlgorithm"] == "ECDSA-SHA-384"
    assert sig["signedArtifact"]["digest"] == image.digest
    # The chain ends at the store's root, the certificate install-notation-trust exported.
    root_pem = (notation_config / "truststore" / "x509" / "signingAuthority" / DEFAULT_TRUST_STORE
                / ROOT_CERT_FILE).read_text()
    root_fp = hashlib.sha256(ssl.PEM_cert_to_DER_cert(root_pem)).hexdigest()
    fingerprints = [c["SHA256Fingerprint"] for c in sig["certificates"]]
    assert len(fingerprints) >= 2 and fingerprints[-1] == root_fp, (fingerprints, root_fp)
