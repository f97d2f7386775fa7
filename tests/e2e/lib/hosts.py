"""What the host tests (Ratify, kyverno-host) share: signing an image through notation and the
plugin with the local Signer, the trust policy document, and moving the store out of reach."""

import contextlib
import os

from e2e.lib import tools

TRUST_STORE = "signer-local-ts"


def sign(notation, image, arn):
    """Sign image by digest with the plugin (local Signer); return the signature as
    `notation inspect -o json` reports it."""
    cp = notation.sign(image.digest_ref, arn)
    assert cp.returncode == 0, tools.describe(cp)
    return tools.signature_info(notation, image.digest_ref)


def policy_doc(identity, revocation=None, name=None):
    """A Notation trust policy document trusting one profile ARN through the signingAuthority store
    TRUST_STORE; `revocation` sets the revocation override (e.g. "skip"). `name` adds
    kyverno-notation-aws's trustPolicyName."""
    verification = {"level": "strict"}
    if revocation:
        verification["override"] = {"revocation": revocation}
    doc = {"version": "1.0", "trustPolicies": [{
        "name": "aws-signer-tp",
        "registryScopes": ["*"],
        "signatureVerification": verification,
        "trustStores": [f"signingAuthority:{TRUST_STORE}"],
        "trustedIdentities": [identity],
    }]}
    if name:
        doc = {"version": doc["version"], "trustPolicyName": name, "trustPolicies": doc["trustPolicies"]}
    return doc


@contextlib.contextmanager
def store_moved_away(store):
    """Move the local Signer store away and leave an unreadable plain file in its place, so any
    open under it fails; restore it afterwards."""
    store = str(store)
    moved = store + ".moved"
    os.rename(store, moved)
    with open(store, "w") as f:
        f.write("not a store\n")
    os.chmod(store, 0)
    try:
        yield
    finally:
        os.unlink(store)
        os.rename(moved, store)
