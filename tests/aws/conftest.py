"""Fixtures of the AWS client suite: the loopback fakes (Signer API backed by a fresh
signer-local store in us-east-1 / 123456789012, STS, IMDS, container credentials, the SSO
portal and SSO OIDC) sharing one key
table, and the plugin with a clean AWS environment pointed at the fake Signer.

Binaries: SGN_PLUGIN_BIN (default build/plugin/...), SGN_SIGNER_LOCAL_BIN (default: next to the
plugin's build tree, else build/service/signer-local)."""

import base64
import os

import pytest

from .fakes import sigv4
from .fakes.container import FakeContainerCredentials
from .fakes.imds import FakeIMDS
from .fakes.signer import FakeSigner, LocalSigner, signer_local_bin
from .fakes.sso import FakeSSOPortal
from .fakes.ssooidc import FakeSSOOIDC
from .fakes.sts import FakeSTS
from .helpers import (ACCOUNT, PAYLOAD, PAYLOAD_TYPE, PLUGIN_BIN, PROFILE, REGION, STATIC_KEYS,
                      AwsPlugin, parse_envelope)


def pytest_report_header(config):
    return [f"plugin: {PLUGIN_BIN}", f"signer-local: {signer_local_bin()}"]


@pytest.fixture(scope="session")
def plugin_bin():
    if not os.access(PLUGIN_BIN, os.X_OK):
        pytest.fail(f"plugin binary {PLUGIN_BIN} not found: build it or set SGN_PLUGIN_BIN")
    return PLUGIN_BIN


@pytest.fixture(scope="session")
def signer_local_path():
    path = signer_local_bin()
    if not os.access(path, os.X_OK):
        pytest.fail(f"signer-local {path} not found: build it or set SGN_SIGNER_LOCAL_BIN")
    return path


@pytest.fixture
def keys():
    table = sigv4.KeyTable()
    for name, (akid, secret, token) in STATIC_KEYS.items():
        table.add(akid, secret, token, source=name)
    return table


@pytest.fixture
def local(tmp_path, signer_local_path):
    """A signer-local store in us-east-1 with the profile NotationProfile."""
    ls = LocalSigner(tmp_path / "signer-store", signer_local_path, REGION, ACCOUNT).init()
    ls.profile = ls.put_profile(PROFILE)
    return ls


@pytest.fixture
def fake_signer(keys, local):
    with FakeSigner(keys, local, REGION) as f:
        yield f


@pytest.fixture
def fake_sts(keys):
    with FakeSTS(keys, REGION) as f:
        yield f


@pytest.fixture
def fake_imds(keys):
    with FakeIMDS(keys) as f:
        yield f


@pytest.fixture
def fake_sso(keys):
    with FakeSSOPortal(keys) as f:
        yield f


@pytest.fixture
def fake_oidc(fake_sso):
    """SSO OIDC; the access tokens it hands out are good at fake_sso."""
    with FakeSSOOIDC(portal=fake_sso) as f:
        yield f


@pytest.fixture
def fake_container(keys):
    with FakeContainerCredentials(keys, token="pod-identity-token-1") as f:
        yield f


@pytest.fixture
def aws(tmp_path, plugin_bin, fake_signer):
    """The plugin, pointed at the fake Signer (pluginConfig aws-signer-endpoint-url and
    aws-region=us-east-1), with a clean environment under tmp_path."""
    return AwsPlugin(tmp_path / "plugin-env", endpoint=fake_signer.url)


@pytest.fixture
def envelope(local):
    """A real envelope made by the store's Signer (not through the plugin)."""
    out = local.sign_payload(PROFILE, base64.b64encode(PAYLOAD).decode(), PAYLOAD_TYPE, ACCOUNT)
    return parse_envelope(base64.b64decode(out["signature"]))

