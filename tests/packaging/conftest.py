"""Fixtures for the packaging suite: dist/ as scripts/package.sh wrote it, and notation.

  SGN_DIST_DIR      the directory package.sh wrote (default <repo>/dist)
  NOTATION_BIN      notation; default <SGN_TOOLS_DIR or .tools/bin>/notation, then PATH
  SGN_E2E_STRICT=1  fail (instead of skip) when dist/, notation, dpkg or rpm are missing
"""

import os
import re
import shutil
import sys
import tarfile

import pytest

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
sys.path.insert(0, os.path.join(ROOT, "packaging"))

import make_archives  # noqa: E402  (packaging/make_archives.py)

PLUGIN_NAME = make_archives.PLUGIN_NAME
PLUGIN_EXE = make_archives.PLUGIN_EXE


def project_version():
    with open(os.path.join(ROOT, "CMakeLists.txt")) as f:
        return re.search(r"project\(aws-signer-notation-c VERSION ([0-9.]+)", f.read()).group(1)


VERSION = project_version()


def dist_dir():
    return os.environ.get("SGN_DIST_DIR") or os.path.join(ROOT, "dist")


def need(ok, msg):
    """Skip, or under SGN_E2E_STRICT=1 fail, when something the test needs is missing."""
    if ok:
        return
    if os.environ.get("SGN_E2E_STRICT") == "1":
        pytest.fail(msg)
    pytest.skip(msg)


def notation_path():
    env = os.environ.get("NOTATION_BIN")
    if env:
        return env
    tools = os.environ.get("SGN_TOOLS_DIR") or os.path.join(ROOT, ".tools", "bin")
    p = os.path.join(tools, "notation")
    if os.path.isfile(p) and os.access(p, os.X_OK):
        return p
    return shutil.which("notation")


def archive_plugin_kind(dist):
    """'static' or 'dynamic' for the plugin in the amd64-or-first tar.gz of dist, or None."""
    try:
        names = sorted(n for n in os.listdir(dist) if n.endswith(".tar.gz"))
    except FileNotFoundError:
        return None
    if not names:
        return None
    with tarfile.open(os.path.join(dist, names[0])) as t:
        data = t.extractfile(PLUGIN_EXE).read()
    return "static" if make_archives.elf_info_bytes(data)[1] else "dynamic"


def pytest_report_header(config):
    d = dist_dir()
    kind = archive_plugin_kind(d)
    label = {"static": "the static plugin",
             "dynamic": "the DYNAMIC plugin as a stand-in (no static build was given)",
             None: "no archives yet (run scripts/package.sh)"}[kind]
    return [f"dist: {d}: {label}", f"notation: {notation_path()}"]


@pytest.fixture(scope="session")
def dist():
    d = dist_dir()
    ok = os.path.isdir(d) and any(n.endswith(".tar.gz") for n in os.listdir(d))
    need(ok, f"no plugin archives in {d}: run scripts/package.sh")
    return d


@pytest.fixture(scope="session")
def plugin_kind(dist):
    return archive_plugin_kind(dist)


@pytest.fixture(scope="session")
def notation_bin():
    nb = notation_path()
    need(nb and os.access(nb, os.X_OK), "no notation binary: run scripts/install-deps.sh (or set NOTATION_BIN)")
    return nb


@pytest.fixture
def notation_env(tmp_path):
    """A fresh user: HOME, XDG_CONFIG_HOME and XDG_CACHE_HOME in tmp_path, no NOTATION_* dirs."""
    env = {k: v for k, v in os.environ.items()
           if k not in ("NOTATION_CONFIG", "NOTATION_LIBEXEC", "NOTATION_CACHE")}
    home = tmp_path / "home"
    home.mkdir()
    env.update(HOME=str(home), XDG_CONFIG_HOME=str(home / ".config"),
               XDG_CACHE_HOME=str(home / ".cache"), NO_PROXY="127.0.0.1,localhost",
               no_proxy="127.0.0.1,localhost")
    return env
