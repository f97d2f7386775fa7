"""Locating and driving the binaries the e2e tests use: notation (the real CLI, or the notation-host
stand-in), the C plugin, and signer-local. Every call has a timeout so nothing can hang CI."""

import json
import os
import re
import shutil
import subprocess

REPO_ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", "..", ".."))
PLUGIN_NAME = "com.amazonaws.signer.notation.plugin"
PLUGIN_EXE = "notation-" + PLUGIN_NAME
PAYLOAD_FORMAT = "application/vnd.cncf.notary.payload.v1+json"
DEFAULT_TIMEOUT = 120

# Variables that must not leak from the developer's shell into the tests: registry credentials and
# notation directories, AWS settings (the plugin would otherwise consider real AWS) and the local
# Signer's store (each test sets its own).
_SCRUB_PREFIXES = ("AWS_", "NOTATION_", "SIGNER_LOCAL_")


def tools_dir():
    return os.environ.get("SGN_TOOLS_DIR") or os.path.join(REPO_ROOT, ".tools", "bin")


def plugin_bin():
    return os.environ.get("SGN_PLUGIN_BIN") or os.path.join(REPO_ROOT, "build", "plugin", PLUGIN_EXE)


def signer_local_bin():
    return os.environ.get("SGN_SIGNER_LOCAL_BIN") or os.path.join(REPO_ROOT, "build", "service", "signer-local")


def notation_bin():
    """NOTATION_BIN, else <tools dir>/notation (installed by scripts/install-deps.sh), else PATH."""
    for cand in (os.environ.get("NOTATION_BIN"), os.path.join(tools_dir(), "notation"), shutil.which("notation")):
        if cand and os.access(cand, os.X_OK):
            return cand
    return None


def ratify_bin():
    """RATIFY_BIN, else <tools dir>/ratify (built by scripts/install-deps.sh from tests/e2e/ratify-cli)."""
    return os.environ.get("RATIFY_BIN") or os.path.join(tools_dir(), "ratify")


def kyverno_host_bin():
    """SGN_KYVERNO_HOST_BIN, else <tools dir>/kyverno-host (built from tests/e2e/kyverno-host)."""
    return os.environ.get("SGN_KYVERNO_HOST_BIN") or os.path.join(tools_dir(), "kyverno-host")


def clean_env(extra=None):
    env = {k: v for k, v in os.environ.items() if not k.startswith(_SCRUB_PREFIXES)}
    env.update(extra or {})
    return env


def run(argv, env=None, timeout=DEFAULT_TIMEOUT, input=None, cwd=None):
    """Run argv to completion (text mode) and return the CompletedProcess; never raises on exit status."""
    try:
        return subprocess.run(argv, env=env, input=input, cwd=cwd, capture_output=True, text=True,
                              timeout=timeout, stdin=None if input is not None else subprocess.DEVNULL)
    except subprocess.TimeoutExpired as e:
        raise AssertionError(f"timed out after {timeout}s: {' '.join(argv)}\nstdout: {e.stdout}\nstderr: {e.stderr}")


def describe(cp):
    return f"$ {' '.join(cp.args)}\nexit {cp.returncode}\n--- stdout\n{cp.stdout}\n--- stderr\n{cp.stderr}"


def install_plugin(config_dir, binary=None):
    """Copy the plugin into notation's nested layout: <cfg>/plugins/<name>/notation-<name>."""
    binary = binary or plugin_bin()
    dest_dir = os.path.join(config_dir, "plugins", PLUGIN_NAME)
    os.makedirs(dest_dir, exist_ok=True)
    dest = os.path.join(dest_dir, PLUGIN_EXE)
    shutil.copyfile(binary, dest)
    os.chmod(dest, 0o755)
    return dest


def install_plugin_flat(plugin_dir, binary=None):
    """Copy the plugin into Ratify 1.x's flat layout: <dir>/notation-<name>."""
    binary = binary or plugin_bin()
    os.makedirs(plugin_dir, exist_ok=True)
    dest = os.path.join(plugin_dir, PLUGIN_EXE)
    shutil.copyfile(binary, dest)
    os.chmod(dest, 0o755)
    return dest


def notation_flavour(binary):
    """("notation-host" | "notation", version line) from `notation version`."""
    cp = run([binary, "version"], env=clean_env(), timeout=30)
    version = next((l.split(":", 1)[1].strip() for l in cp.stdout.splitlines() if l.startswith("Version:")), "?")
    return ("notation-host" if "notation-host" in cp.stdout else "notation"), version


class Notation:
    """notation with its own NOTATION_CONFIG (plugins, trust store and trust policy live there)."""

    def __init__(self, binary, config_dir, env=None):
        self.binary = binary
        self.config_dir = config_dir
        self.env = clean_env({
            "NOTATION_CONFIG": config_dir,
            "NOTATION_CACHE": os.path.join(config_dir, ".cache"),
            "NOTATION_EXPERIMENTAL": "1",  # --oci-layout and --scope are experimental in notation 1.x
        })
        self.env.update(env or {})

    def run(self, *args, timeout=DEFAULT_TIMEOUT, env=None):
        e = dict(self.env)
        e.update(env or {})
        return run([self.binary, *args], env=e, timeout=timeout)

    def sign(self, reference, key_id, *extra, registry=True, timeout=DEFAULT_TIMEOUT):
        args = ["sign", "--id", key_id, "--plugin", PLUGIN_NAME]
        args += ["--insecure-registry"] if registry else ["--oci-layout"]
        return self.run(*args, *extra, reference, timeout=timeout)

    def verify(self, reference, *extra, registry=True, scope=None, timeout=DEFAULT_TIMEOUT):
        # -v makes notation log why each signature failed (the plugin's reasons are in there).
        args = ["verify", "-v"]
        args += ["--insecure-registry"] if registry else ["--oci-layout", "--scope", scope or "local.test/e2e/layout"]
        return self.run(*args, *extra, reference, timeout=timeout)

    def inspect_json(self, reference, timeout=DEFAULT_TIMEOUT):
        cp = self.run("inspect", "-o", "json", "--insecure-registry", reference, timeout=timeout)
        assert cp.returncode == 0, describe(cp)
        return json.loads(cp.stdout)


class SignerLocalError(AssertionError):
    def __init__(self, cp):
        super().__init__(describe(cp))
        self.cp = cp


class SignerLocal:
    """signer-local against one store directory; commands return the parsed JSON output."""

    def __init__(self, binary, store):
        self.binary = binary
        self.store = store

    def argv(self, *args):
        return [self.binary, "--store", self.store, *args]

    def run(self, *args, timeout=60):
        return run(self.argv(*args), env=clean_env(), timeout=timeout)

    def __call__(self, *args, timeout=60):
        cp = self.run(*args, timeout=timeout)
        if cp.returncode != 0:
            raise SignerLocalError(cp)
        return json.loads(cp.stdout) if cp.stdout.strip() else {}


def plugin_ready(binary):
    """(True, "") when the plugin answers get-plugin-metadata with our name, else (False, why)."""
    if not os.path.isfile(binary) or not os.access(binary, os.X_OK):
        return False, f"plugin binary not found: {binary} (build it, or set SGN_PLUGIN_BIN)"
    cp = run([binary, "get-plugin-metadata"], env=clean_env(), input="{}", timeout=30)
    try:
        meta = json.loads(cp.stdout) if cp.returncode == 0 else {}
    except ValueError:
        meta = {}
    if meta.get("name") != PLUGIN_NAME:
        return False, f"plugin at {binary} does not implement get-plugin-metadata yet (exit {cp.returncode})"
    return True, ""


def signer_local_ready(binary, scratch_dir):
    if not os.path.isfile(binary) or not os.access(binary, os.X_OK):
        return False, f"signer-local not found: {binary} (build it, or set SGN_SIGNER_LOCAL_BIN)"
    cp = run([binary, "--store", scratch_dir, "list-signing-platforms"], env=clean_env(), timeout=30)
    try:
        ok = cp.returncode == 0 and "platforms" in json.loads(cp.stdout)
    except ValueError:
        ok = False
    if not ok:
        return False, f"signer-local at {binary} does not implement list-signing-platforms yet (exit {cp.returncode})"
    return True, ""


_PLUGIN_REASON = re.compile(r'by (?:verification )?plugin "' + re.escape(PLUGIN_NAME)
                            + r'" failed with reason "((?:[^"\\]|\\.)*)"')


def plugin_failure_reasons(cp):
    """The reasons the plugin gave for failing a signature, as notation-go logs them with -v:
    'trusted identify verification by plugin "<name>" failed with reason "<reason>"' and
    'revocation check by verification plugin "<name>" failed with reason "<reason>"'."""
    return plugin_failure_reasons_in(cp.stdout + cp.stderr)


def plugin_failure_reasons_in(text):
    """plugin_failure_reasons() for any text that carries notation-go's messages (a Ratify report's
    errorReason, kyverno-notation-aws's response message)."""
    return [re.sub(r"\\(.)", r"\1", m) for m in _PLUGIN_REASON.findall(text)]


def signature_info(notation, reference):
    """The single signature on `reference`, as `notation inspect -o json` reports it."""
    sigs = notation.inspect_json(reference)["Signatures"]
    assert len(sigs) == 1, sigs
    return sigs[0]
