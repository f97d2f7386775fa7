"""Fixtures for the plugin conformance tests (helpers live in plugin_helpers.py)."""

import os

import pytest

from plugin_helpers import PLUGIN_BIN, Plugin, SignerLocal


@pytest.fixture(scope="session", autouse=True)
def _plugin_binary():
    if not os.access(PLUGIN_BIN, os.X_OK):
        pytest.fail(f"plugin binary {PLUGIN_BIN} not found: build it or set SGN_PLUGIN_BIN")


@pytest.fixture
def home(tmp_path):
    h = tmp_path / "home"
    h.mkdir()
    return h


@pytest.fixture
def plugin(home):
    return Plugin(home)


@pytest.fixture
def store(tmp_path):
    return tmp_path / "store"


@pytest.fixture
def signer_local(store):
    return SignerLocal(store)


