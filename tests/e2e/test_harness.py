"""The harness itself: registry, image push, OCI layout, and the notation binary. These need neither
the plugin nor signer-local, so they run (and must pass) before those exist."""

import json

from e2e.lib import images, tools

MANIFEST = images.MANIFEST_MEDIA_TYPE


def test_registry_serves_pushed_image(registry, image):
    assert images.resolve(registry.host, image.repo, "v1") == image.digest
    manifest = images.get_manifest(registry.host, image.repo, image.digest)
    assert manifest["mediaType"] == MANIFEST
    assert [l["digest"] for l in manifest["layers"]] == [image.image.layer_desc["digest"]]
    assert images.list_tags(registry.host, image.repo) == ["v1"]


def test_notation_version(notation_bin):
    flavour, version = tools.notation_flavour(notation_bin)
    assert version.startswith("v1."), version
    print(f"using {flavour} {version} at {notation_bin}")


def test_inspect_unsigned_image(notation_bin, image, tmp_path):
    n = tools.Notation(notation_bin, str(tmp_path / "cfg"))
    out = n.inspect_json(image.tag_ref)
    assert out == {"mediaType": MANIFEST, "Signatures": []}


def test_oci_layout_resolves_tag(notation_bin, tmp_path):
    layout = tmp_path / "layout"
    img = images.write_oci_layout(str(layout), "v1")
    index = images.read_oci_index(str(layout))
    assert index["manifests"][0]["annotations"]["org.opencontainers.image.ref.name"] == "v1"
    cfg = tmp_path / "cfg"
    cfg.mkdir()
    # A "skip" policy needs no trust store; notation still resolves the layout's tag to the digest.
    (cfg / "trustpolicy.json").write_text(json.dumps({"version": "1.0", "trustPolicies": [{
        "name": "skip-all", "registryScopes": ["*"], "signatureVerification": {"level": "skip"}}]}))
    n = tools.Notation(notation_bin, str(cfg))
    cp = n.verify(f"{layout}:v1", registry=False)
    assert cp.returncode == 0, tools.describe(cp)
    assert f"Trust policy is configured to skip signature verification for {layout}@{img.digest}" in cp.stdout


def test_sign_with_missing_plugin_fails_cleanly(notation_bin, image, tmp_path):
    n = tools.Notation(notation_bin, str(tmp_path / "cfg"))
    cp = n.sign(image.digest_ref, "arn:aws:signer:local:000000000000:/signing-profiles/none", timeout=60)
    assert cp.returncode == 1, tools.describe(cp)
    assert cp.stderr.strip().splitlines()[-1].startswith("Error: "), tools.describe(cp)
    assert images.list_tags(image.host, image.repo) == ["v1"]  # nothing was pushed
