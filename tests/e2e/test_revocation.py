"""Revocation through the plugin's REVOCATION_CHECK against the local Signer (acceptance items d, e,
f, h). notation only prints the plugin's reasons with -v, which Notation.verify always passes."""

import os
import time
from datetime import datetime

from e2e.lib import tools


def signed(notation, profile, install_trust, image, **trust):
    install_trust(profile["arn"], **trust)
    cp = notation.sign(image.digest_ref, profile["arn"])
    assert cp.returncode == 0, tools.describe(cp)
    cp = notation.verify(image.digest_ref)
    assert cp.returncode == 0, tools.describe(cp)
    return tools.signature_info(notation, image.digest_ref)


def signing_epoch(sig):
    return int(datetime.fromisoformat(sig["signedAttributes"]["signingTime"]).timestamp())


def assert_revoked(cp, image, *must_mention):
    assert cp.returncode == 1, tools.describe(cp)
    assert f"signature verification failed for all the signatures associated with {image.digest_ref}" in cp.stderr
    reasons = tools.plugin_failure_reasons(cp)
    assert reasons, "no plugin reason in notation's output:\n" + tools.describe(cp)
    assert any("revoked" in r and all(m in r for m in must_mention) for r in reasons), reasons


def test_verify_fails_after_revoke_signature(notation, signer, profile, install_trust, image):
    """d) revoke-signature of the signing job."""
    sig = signed(notation, profile, install_trust, image)
    job_arn = sig["signedAttributes"]["com.amazonaws.signer.signingJob"]
    job_id = job_arn.rsplit("/", 1)[1]
    assert signer("describe-signing-job", "--job-id", job_id)["jobId"] == job_id
    assert job_id in [j["jobId"] for j in signer("list-signing-jobs")["jobs"]]
    signer("revoke-signature", "--job-id", job_id, "--reason", "e2e: revoked job")
    assert_revoked(notation.verify(image.digest_ref), image, job_arn)


def test_verify_fails_after_profile_revoked_before_signing(notation, signer, profile, install_trust, image):
    """e) revoke-signing-profile with an effective time before the signing time."""
    sig = signed(notation, profile, install_trust, image)
    signer("revoke-signing-profile", "--profile-name", profile["name"], "--profile-version", profile["profileVersion"],
           "--effective-time", str(signing_epoch(sig) - 60), "--reason", "e2e: revoked before signing")
    assert_revoked(notation.verify(image.digest_ref), image, profile["profileVersionArn"])


def test_verify_passes_when_profile_revoked_after_signing(notation, signer, profile, install_trust, image):
    """f) revoke-signing-profile with an effective time after the signing time."""
    sig = signed(notation, profile, install_trust, image)
    effective = signing_epoch(sig) + 1
    while time.time() < effective + 1:  # keep the effective time in the past when revoking
        time.sleep(0.2)
    signer("revoke-signing-profile", "--profile-name", profile["name"], "--profile-version", profile["profileVersion"],
           "--effective-time", str(effective), "--reason", "e2e: revoked after signing")
    cp = notation.verify(image.digest_ref)
    assert cp.returncode == 0, tools.describe(cp)
    assert f"Successfully verified signature for {image.digest_ref}" in cp.stdout


def test_revocation_skip_needs_no_store(notation, signer_store, profile, install_trust, image):
    """h) with `revocation: skip` notation asks only for TRUSTED_IDENTITY, which must not touch the store."""
    policy = install_trust(profile["arn"], revocation="skip")
    assert policy["trustPolicies"][0]["signatureVerification"].get("override", {}).get("revocation") == "skip", policy
    cp = notation.sign(image.digest_ref, profile["arn"])
    assert cp.returncode == 0, tools.describe(cp)
    moved = str(signer_store) + ".moved"
    os.rename(signer_store, moved)
    with open(signer_store, "w") as f:  # a plain file where the store was: any open under it fails
        f.write("not a store\n")
    os.chmod(signer_store, 0)
    try:
        cp = notation.verify(image.digest_ref)
        assert cp.returncode == 0, tools.describe(cp)
        assert f"Successfully verified signature for {image.digest_ref}" in cp.stdout
    finally:
        os.unlink(signer_store)
        os.rename(moved, signer_store)
