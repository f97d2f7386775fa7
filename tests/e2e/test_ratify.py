"""Ratify 1.x (the real CLI, `ratify verify -c config.json -s <subject>`, pinned by
tests/e2e/ratify-cli) verifying images signed through our plugin with the local Signer.

Set up as Ratify 1.x runs the AWS Signer plugin: the plugin FLAT in the verifier's plugin directory
(`<pluginBinDirs[0]>/notation-com.amazonaws.signer.notation.plugin`), a notation verifier whose trust
policy names a signingAuthority store, an ORAS store with plain HTTP for the loopback registry.
Ratify passes no pluginConfig to plugins (its notation verifier calls notation-go's Verify without
one), so the plugin's settings come from the environment only: the local Signer's store is found
through SIGNER_LOCAL_STORE (the signature's profile-version ARN has region "local").

The CLI has no key management providers (those are Kubernetes resources), so the trust store's
certificates come from `verificationCerts`, which Ratify uses for every named store the
`verificationCertStores` map does not list; `test_verification_cert_stores_need_kubernetes` shows
what the by-type `verificationCertStores` form does outside a cluster.
"""

import json
import os
import re

import pytest

from e2e.lib import hosts, tools

NOTARY_SIGNATURE = "application/vnd.cncf.notary.signature"


class Ratify:
    def __init__(self, binary, workdir, signer_store, root_pem):
        self.binary = binary
        self.workdir = workdir
        self.plugin_dir = os.path.join(workdir, "plugins")
        tools.install_plugin_flat(self.plugin_dir)
        self.root_pem = root_pem
        self.home = os.path.join(workdir, "home")
        os.makedirs(self.home, exist_ok=True)
        self.env = tools.clean_env({
            "HOME": self.home,                               # ~/.ratify (default certs, ORAS cache)
            "RATIFY_CONFIG": os.path.join(workdir, "ratify-config"),
            "SIGNER_LOCAL_STORE": str(signer_store),
        })

    def config(self, policy_doc, cert_stores=None):
        notation = {
            "name": "notation",
            "artifactTypes": NOTARY_SIGNATURE,
            "verificationCerts": [self.root_pem],
            "trustPolicyDoc": policy_doc,
        }
        if cert_stores is not None:
            notation["verificationCertStores"] = cert_stores
        return {
            "store": {"version": "1.0.0", "plugins": [{
                "name": "oras",
                "useHttp": True,
                "localCachePath": os.path.join(self.workdir, "oras-cache"),
            }]},
            "policy": {"version": "1.0.0", "plugin": {
                "name": "configPolicy",
                "artifactVerificationPolicies": {NOTARY_SIGNATURE: "any"},
            }},
            "verifier": {"version": "1.0.0", "pluginBinDirs": [self.plugin_dir], "plugins": [notation]},
        }

    def verify(self, subject, policy_doc, cert_stores=None):
        """Run `ratify verify`; return (CompletedProcess, the parsed JSON result or None)."""
        path = os.path.join(self.workdir, "config.json")
        with open(path, "w") as f:
            json.dump(self.config(policy_doc, cert_stores), f, indent=2)
        cp = tools.run([self.binary, "verify", "-c", path, "-s", subject], env=self.env, timeout=180)
        return cp, _json_result(cp.stdout)


def _json_result(stdout):
    """The JSON object `ratify verify` prints (PrintJSON); any log lines around it are skipped."""
    start = stdout.find("{")
    if start < 0:
        return None
    try:
        return json.JSONDecoder().raw_decode(stdout[start:])[0]
    except ValueError:
        return None


def notation_reports(result):
    """Every notation verifier report in a Ratify result (v1 output: reports per referrer)."""
    out = []
    for r in result.get("verifierReports") or []:
        if isinstance(r, dict):
            out.extend(v for v in r.get("verifierReports") or [r] if v.get("verifierName", v.get("name")) == "notation")
    return out


def report_text(result):
    """The messages and error reasons of the notation reports, where notation-go's errors (and so
    the plugin's reasons) end up."""
    return " ".join(r.get("errorReason", "") + " " + r.get("message", "") for r in notation_reports(result))


def checked_result(cp, result, success):
    """`ratify verify` exits 0 whether or not the subject verified; isSuccess (omitted when false)
    tells, and every notation report agrees."""
    assert cp.returncode == 0 and result is not None, tools.describe(cp)
    assert bool(result.get("isSuccess")) is success, tools.describe(cp)
    reports = notation_reports(result)
    assert reports and all(r["isSuccess"] is success for r in reports), result
    return reports


@pytest.fixture
def ratify(ratify_bin, tmp_path, signer, signer_store):
    root = str(tmp_path / "signer-local-root.crt")
    signer("export-root", "--output-file", root)
    assert os.path.getsize(root) > 0
    return Ratify(ratify_bin, str(tmp_path / "ratify"), signer_store, root)


def test_ratify_version(ratify_bin):
    cp = tools.run([ratify_bin, "version"], env=tools.clean_env(), timeout=60)
    assert cp.returncode == 0, tools.describe(cp)
    # install-deps.sh stamps the tag and commit as Ratify's Makefile does.
    assert re.search(r"^Version:\s+v1\.4\.0$", cp.stdout, re.M), cp.stdout
    assert re.search(r"^Git commit:\s+d69580b46b45373c4154ea1a9c5a2b26952beacc$", cp.stdout, re.M), cp.stdout


def test_ratify_strict_policy_verifies(ratify, notation, profile, image):
    """(a) strict policy, revocation through the plugin against the local Signer: success."""
    hosts.sign(notation, image, profile["arn"])
    cp, result = ratify.verify(image.digest_ref, hosts.policy_doc(profile["arn"]))
    reports = checked_result(cp, result, True)
    assert reports[0]["message"] == "Notation signature verification success", reports
    assert reports[0]["subject"] == image.digest_ref, reports


def test_ratify_revocation_skip_needs_no_store(ratify, notation, signer_store, profile, image):
    """(b) `revocation: skip`: notation-go asks only for TRUSTED_IDENTITY, which must not touch the
    store; it is moved away and a unreadable file put in its place."""
    hosts.sign(notation, image, profile["arn"])
    with hosts.store_moved_away(signer_store):
        cp, result = ratify.verify(image.digest_ref, hosts.policy_doc(profile["arn"], revocation="skip"))
    checked_result(cp, result, True)


def test_ratify_strict_policy_without_store_fails(ratify, notation, signer_store, profile, image):
    """The control for (b): the same move under the strict policy makes the revocation check fail."""
    hosts.sign(notation, image, profile["arn"])
    with hosts.store_moved_away(signer_store):
        cp, result = ratify.verify(image.digest_ref, hosts.policy_doc(profile["arn"]))
    checked_result(cp, result, False)
    reasons = tools.plugin_failure_reasons_in(report_text(result))
    assert any("no local Signer store" in r for r in reasons), (reasons, result)


def test_ratify_revoked_signature_fails_with_plugin_reason(ratify, notation, signer, profile, image):
    """(c) after `signer-local revoke-signature`: failure, the plugin's reason in Ratify's JSON."""
    sig = hosts.sign(notation, image, profile["arn"])
    job_arn = sig["signedAttributes"]["com.amazonaws.signer.signingJob"]
    signer("revoke-signature", "--job-id", job_arn.rsplit("/", 1)[1], "--reason", "e2e: revoked for ratify")
    cp, result = ratify.verify(image.digest_ref, hosts.policy_doc(profile["arn"]))
    reports = checked_result(cp, result, False)
    assert reports[0]["errorReason"].startswith('revocation check by verification plugin "'), reports
    reasons = tools.plugin_failure_reasons_in(report_text(result))
    assert reasons == [f"Resource(s) {job_arn} have been revoked."], (reasons, result)


def test_ratify_verification_cert_stores_need_kubernetes(ratify, notation, profile, image):
    """verificationCertStores by type (the form of Ratify's Helm chart for AWS Signer) name key
    management provider resources; the CLI has none, so the named store is empty and verification
    fails before the plugin is asked, even though verificationCerts holds the right root."""
    hosts.sign(notation, image, profile["arn"])
    stores = {"signingAuthority": {hosts.TRUST_STORE: ["signer-local-kmp"]}}
    cp, result = ratify.verify(image.digest_ref, hosts.policy_doc(profile["arn"]), cert_stores=stores)
    checked_result(cp, result, False)
    text = report_text(result)
    assert "unable to fetch certificates from Key Management Provider and Certificate Store: signer-local-kmp" in text, result
    assert not tools.plugin_failure_reasons_in(text), result
