"""kyverno-notation-aws's verification path (tests/e2e/kyverno-host: notation-go v1.1.0 wired as the
extension's v1.1 release wires it) verifying images signed through our plugin with the local Signer.

Set up as the extension's pod is: the plugin in PLUGINS_DIR in notation's NESTED layout
(`<dir>/com.amazonaws.signer.notation.plugin/notation-com.amazonaws.signer.notation.plugin`), copied
into NOTATION_DIR/plugins at start-up and run through notation-go's CLI plugin manager; the
TrustPolicy and TrustStore resources written as the controllers write them; pluginConfig is the
plugin ConfigMap's data plus `"debug": "true"` (the extension runs with --debug in Nirmata's chart).
"""

import json
import os

import pytest

from e2e.lib import hosts, tools

POLICY_NAME = "tp-signer-local"


class KyvernoHost:
    def __init__(self, binary, workdir, signer_store, root_pem):
        self.binary = binary
        self.workdir = workdir
        self.plugins_dir = os.path.join(workdir, "plugins")      # PLUGINS_DIR, the image's /plugins
        tools.install_plugin(os.path.dirname(self.plugins_dir))   # <workdir>/plugins/<name>/notation-<name>
        self.root_pem = root_pem
        self.env = tools.clean_env({"SIGNER_LOCAL_STORE": str(signer_store)})
        self.runs = 0

    def verify(self, image, policy_doc, plugin_config=None, env=None):
        """Run kyverno-host on one image; return (CompletedProcess, the response JSON or None)."""
        self.runs += 1
        run_dir = os.path.join(self.workdir, f"run{self.runs}")
        notation_dir = os.path.join(run_dir, "notation")              # NOTATION_DIR, an emptyDir
        os.makedirs(notation_dir)
        policy_file = os.path.join(run_dir, "trustpolicy-cr-spec.json")
        with open(policy_file, "w") as f:
            json.dump(policy_doc, f)
        argv = [self.binary, "--notation-dir", notation_dir, "--plugins-dir", self.plugins_dir,
                "--trust-policy-file", policy_file,
                "--trust-store", f"signingAuthority:{hosts.TRUST_STORE}={self.root_pem}",
                "--trust-policy", POLICY_NAME, "--plain-http"]
        # The chart's ConfigMap notation-plugin-config holds debug: "false"; --debug makes it "true".
        for k, v in {"debug": "false", **(plugin_config or {})}.items():
            argv += ["--plugin-config", f"{k}={v}"]
        e = dict(self.env)
        e.update(env or {})
        cp = tools.run(argv + [image], env={k: v for k, v in e.items() if v is not None}, timeout=180)
        try:
            resp = json.loads(cp.stdout)
        except ValueError:
            resp = None
        return cp, resp


@pytest.fixture
def kyverno(kyverno_host_bin, tmp_path, signer, signer_store):
    root = str(tmp_path / "signer-local-root.crt")
    signer("export-root", "--output-file", root)
    return KyvernoHost(kyverno_host_bin, str(tmp_path / "kyverno"), signer_store, root)


def policy(arn, **kw):
    return hosts.policy_doc(arn, name=POLICY_NAME, **kw)


def assert_verified(cp, resp, image):
    assert resp is not None, tools.describe(cp)
    assert resp["verified"] is True and cp.returncode == 0, tools.describe(cp)
    assert resp["results"] == [{"op": "replace", "path": "/spec/containers/0/image",
                                "value": f"{image.host}/{image.repo}@{image.digest}"}], resp


def test_kyverno_strict_policy_verifies(kyverno, notation, profile, image):
    """(a) strict policy, revocation through the plugin against the local Signer: success, the tag
    resolved to the digest as the extension's JSON patch does."""
    hosts.sign(notation, image, profile["arn"])
    cp, resp = kyverno.verify(image.tag_ref, policy(profile["arn"]))
    assert_verified(cp, resp, image)
    # The plugin was run from NOTATION_DIR/plugins (nested layout) with pluginConfig debug=true
    # (notation-go logs each plugin request at debug level).
    assert 'Executing verification plugin "com.amazonaws.signer.notation.plugin"' in cp.stderr, cp.stderr
    assert 'Plugin verify-signature request: {"contractVersion":"1.0"' in cp.stderr, cp.stderr
    assert '"pluginConfig":{"debug":"true"}' in cp.stderr, cp.stderr


def test_kyverno_plugin_config_local_store(kyverno, notation, signer_store, profile, image):
    """The ConfigMap's keys reach the plugin as pluginConfig next to debug=true: `local-store` alone
    (no SIGNER_LOCAL_STORE) finds the store."""
    hosts.sign(notation, image, profile["arn"])
    cp, resp = kyverno.verify(image.digest_ref, policy(profile["arn"]),
                              plugin_config={"local-store": str(signer_store)}, env={"SIGNER_LOCAL_STORE": None})
    assert_verified(cp, resp, image)


def test_kyverno_revocation_skip_needs_no_store(kyverno, notation, signer_store, profile, image):
    """(b) `revocation: skip`: only TRUSTED_IDENTITY is asked, which must not touch the store."""
    hosts.sign(notation, image, profile["arn"])
    with hosts.store_moved_away(signer_store):
        cp, resp = kyverno.verify(image.digest_ref, policy(profile["arn"], revocation="skip"))
    assert_verified(cp, resp, image)


def test_kyverno_strict_policy_without_store_fails(kyverno, notation, signer_store, profile, image):
    """The control for (b): under the strict policy the moved store fails the revocation check."""
    hosts.sign(notation, image, profile["arn"])
    with hosts.store_moved_away(signer_store):
        cp, resp = kyverno.verify(image.digest_ref, policy(profile["arn"]))
    assert resp is not None and resp["verified"] is False and cp.returncode == 1, tools.describe(cp)
    reasons = tools.plugin_failure_reasons_in(resp["message"])
    assert any("no local Signer store" in r for r in reasons), (reasons, resp)


def test_kyverno_revoked_signature_fails_with_plugin_reason(kyverno, notation, signer, profile, image):
    """(c) after `signer-local revoke-signature`: not verified, the plugin's reason in the
    extension's response message (which Kyverno shows in the admission denial)."""
    sig = hosts.sign(notation, image, profile["arn"])
    job_arn = sig["signedAttributes"]["com.amazonaws.signer.signingJob"]
    signer("revoke-signature", "--job-id", job_arn.rsplit("/", 1)[1], "--reason", "e2e: revoked for kyverno")
    cp, resp = kyverno.verify(image.digest_ref, policy(profile["arn"]))
    assert resp is not None and resp["verified"] is False and cp.returncode == 1, tools.describe(cp)
    assert resp["message"].startswith(f"failed to verify container c0: failed to verify image {image.digest_ref}: "), resp
    reasons = tools.plugin_failure_reasons_in(resp["message"])
    assert reasons == [f"Resource(s) {job_arn} have been revoked."], (reasons, resp)
