"""Trusted identities and signing errors as users see them through notation (acceptance items g, i)."""

import re

from e2e.lib import images, tools


def test_other_profile_identity_fails_with_plugin_reason(notation, make_profile, install_trust, image):
    """g) a trust policy naming another profile rejects the signature, and says why."""
    signing, other = make_profile("_a"), make_profile("_b")
    install_trust(other["arn"])
    cp = notation.sign(image.digest_ref, signing["arn"])
    assert cp.returncode == 0, tools.describe(cp)
    cp = notation.verify(image.digest_ref)
    assert cp.returncode == 1, tools.describe(cp)
    assert f"signature verification failed for all the signatures associated with {image.digest_ref}" in cp.stderr
    reasons = tools.plugin_failure_reasons(cp)
    assert any(re.search(r"trusted identit", r, re.I) for r in reasons), tools.describe(cp)


def test_cancelled_profile_cannot_sign(notation, signer, profile, install_trust, image):
    """i) a cancelled profile: notation sign fails with the plugin's AWS-style message, nothing is pushed."""
    install_trust(profile["arn"])
    signer("cancel-signing-profile", "--profile-name", profile["name"])
    cp = notation.sign(image.digest_ref, profile["arn"])
    assert cp.returncode == 1, tools.describe(cp)
    out = cp.stdout + cp.stderr
    assert "Failed to call AWSSigner. Error:" in out, tools.describe(cp)
    assert re.search(r"cancel+ed|not active|inactive", out, re.I), tools.describe(cp)
    assert images.list_tags(image.host, image.repo) == ["v1"]
