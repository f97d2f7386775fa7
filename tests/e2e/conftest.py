"""Fixtures for the end-to-end suite: a real registry, a fresh NOTATION_CONFIG with the plugin
installed, a fresh local Signer store, and the notation binary.

Binaries (environment overrides):
  NOTATION_BIN          notation; default <SGN_TOOLS_DIR or .tools/bin>/notation, then PATH
  SGN_PLUGIN_BIN        the plugin; default build/plugin/notation-com.amazonaws.signer.notation.plugin
  SGN_SIGNER_LOCAL_BIN  signer-local; default build/service/signer-local
  RATIFY_BIN            Ratify's CLI; default <tools dir>/ratify (test_ratify.py)
  SGN_KYVERNO_HOST_BIN  the kyverno-notation-aws stand-in; default <tools dir>/kyverno-host
                        (test_kyverno_host.py)
  SGN_E2E_STRICT=1      fail (instead of skip) the tests that need the plugin and signer-local when
                        those are not implemented yet, and the host tests when their host is missing
"""

import json
import os
import re

import pytest

from e2e.lib import images, tools
from e2e.lib.registry import Registry

POLICY_JSON = "trustpolicy.json"          # the only name notation 1.x (notation-go <= 1.3.2) reads
POLICY_OCI_JSON = "trustpolicy.oci.json"  # the name newer notation-go prefers
DEFAULT_TRUST_STORE = "signer-local-ts"
ROOT_CERT_FILE = "signer-local-root.crt"


def pytest_report_header(config):
    nb = tools.notation_bin()
    flavour = "%s %s" % tools.notation_flavour(nb) if nb else "not found"
    return [f"notation: {nb} ({flavour})",
            f"ratify: {tools.ratify_bin()}",
            f"kyverno-host: {tools.kyverno_host_bin()}",
            f"plugin: {tools.plugin_bin()}",
            f"signer-local: {tools.signer_local_bin()}"]


@pytest.fixture(scope="session")
def notation_bin():
    nb = tools.notation_bin()
    if not nb:
        pytest.fail("no notation binary: run scripts/install-deps.sh (or set NOTATION_BIN)")
    return nb


def _host_binary(path, what):
    if os.path.isfile(path) and os.access(path, os.X_OK):
        return path
    msg = f"{what} not found at {path}: run scripts/install-deps.sh"
    if os.environ.get("SGN_E2E_STRICT") == "1":
        pytest.fail(msg)
    pytest.skip(msg)


@pytest.fixture(scope="session")
def ratify_bin():
    return _host_binary(tools.ratify_bin(), "ratify (RATIFY_BIN)")


@pytest.fixture(scope="session")
def kyverno_host_bin():
    return _host_binary(tools.kyverno_host_bin(), "kyverno-host (SGN_KYVERNO_HOST_BIN)")


@pytest.fixture(scope="session")
def registry(tmp_path_factory):
    reg = Registry(workdir=str(tmp_path_factory.mktemp("registry")))
    reg.start()
    yield reg
    reg.stop()


@pytest.fixture(scope="session")
def product(tmp_path_factory):
    """Skips (or, with SGN_E2E_STRICT=1, fails) when the plugin or signer-local is not usable yet."""
    reasons = []
    ok, why = tools.plugin_ready(tools.plugin_bin())
    if not ok:
        reasons.append(why)
    ok, why = tools.signer_local_ready(tools.signer_local_bin(), str(tmp_path_factory.mktemp("probe-store")))
    if not ok:
        reasons.append(why)
    if reasons:
        msg = "; ".join(reasons)
        if os.environ.get("SGN_E2E_STRICT") == "1":
            pytest.fail(msg)
        pytest.skip(msg)
    return {"plugin": tools.plugin_bin(), "signer_local": tools.signer_local_bin()}


@pytest.fixture
def notation_config(tmp_path, product):
    """A fresh NOTATION_CONFIG with the plugin copied into the nested notation layout."""
    cfg = tmp_path / "notation"
    cfg.mkdir()
    tools.install_plugin(str(cfg), product["plugin"])
    return cfg


@pytest.fixture
def signer_store(tmp_path):
    store = tmp_path / "signer-store"
    store.mkdir()
    return store


@pytest.fixture
def signer(product, signer_store):
    return tools.SignerLocal(product["signer_local"], str(signer_store))


@pytest.fixture
def notation(notation_bin, notation_config, signer_store):
    # The plugin finds the local Signer's store through SIGNER_LOCAL_STORE (region "local" ARNs).
    return tools.Notation(notation_bin, str(notation_config), env={"SIGNER_LOCAL_STORE": str(signer_store)})


def _profile_name(request, suffix=""):
    base = re.sub(r"[^A-Za-z0-9_]", "_", request.node.name)[:48]
    return f"e2e_{base}{suffix}"


@pytest.fixture
def make_profile(signer, request):
    def make(suffix="", *extra):
        name = _profile_name(request, suffix)
        out = signer("put-signing-profile", "--profile-name", name, "--platform-id", "Notation-OCI-SHA384-ECDSA", *extra)
        for key in ("arn", "profileVersion", "profileVersionArn"):
            assert key in out, f"put-signing-profile output lacks {key}: {out}"
        out["name"] = name
        return out
    return make


@pytest.fixture
def profile(make_profile):
    return make_profile()


@pytest.fixture
def install_trust(signer, notation_config):
    """Run `signer-local install-notation-trust` into the test's NOTATION_CONFIG and return the
    trust policy notation 1.x reads (trustpolicy.json)."""
    def install(*identities, revocation=None, extra=()):
        args = ["install-notation-trust", "--notation-config", str(notation_config), "--registry-scope", "*"]
        for ident in identities:
            args += ["--trusted-identity", ident]
        if revocation:
            args += ["--revocation", revocation]
        signer(*args, *extra)
        return json.loads((notation_config / POLICY_JSON).read_text())
    return install


class PushedImage:
    def __init__(self, host, repo, image, tag="v1"):
        self.host, self.repo, self.image, self.tag = host, repo, image, tag
        self.digest = image.digest
        self.tag_ref = f"{host}/{repo}:{tag}"
        self.digest_ref = f"{host}/{repo}@{image.digest}"


@pytest.fixture
def image(registry, request):
    """A fresh one-layer image in the registry, in a repository of its own."""
    repo = "e2e/" + re.sub(r"[^a-z0-9]+", "-", request.node.name.lower())[:60].strip("-")
    return PushedImage(registry.host, repo, images.push_image(registry.host, repo))
