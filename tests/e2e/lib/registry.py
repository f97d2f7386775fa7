"""A real OCI registry for the e2e tests: Debian's docker-registry (distribution 2.8) on loopback.

distribution 2.8 has no Referrers API, so notation stores and finds signatures through the referrers
tag schema (`sha256-<digest>` index tags). That is the fallback path every notation-go host supports.
"""

import ctypes
import os
import secrets
import shutil
import signal
import socket
import subprocess
import tempfile
import time
import urllib.error
import urllib.request

DEFAULT_BIN = "/usr/bin/docker-registry"
START_TIMEOUT = 20.0  # seconds to wait for /v2/ to answer
STOP_TIMEOUT = 10.0

CONFIG_TEMPLATE = """\
version: 0.1
log:
  level: warn
  accesslog:
    disabled: true
storage:
  filesystem:
    rootdirectory: {root}
  delete:
    enabled: true
  maintenance:
    uploadpurging:
      enabled: false
http:
  addr: 127.0.0.1:{port}
  secret: {secret}
  headers:
    X-Content-Type-Options: [nosniff]
"""


class RegistryError(RuntimeError):
    pass


def _die_with_parent():
    """preexec_fn: have the kernel send SIGTERM to the registry when its parent (pytest) dies, so a
    test run killed by a timeout leaves no registry behind."""
    PR_SET_PDEATHSIG = 1
    try:
        ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGTERM)
    except (OSError, AttributeError):
        pass


def free_port():
    """A currently free loopback port (the registry start retries if it is taken meanwhile)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def registry_binary():
    path = os.environ.get("SGN_REGISTRY_BIN") or shutil.which("docker-registry") or DEFAULT_BIN
    if not os.access(path, os.X_OK):
        raise RegistryError(
            f"docker-registry not found ({path}); run scripts/install-deps.sh (Debian package docker-registry)")
    return path


class Registry:
    """One docker-registry process with filesystem storage under `workdir`.

    Use as a context manager, or call start()/stop(). `host` is "127.0.0.1:<port>" (use it in
    references with --insecure-registry: the registry speaks plain HTTP).
    """

    def __init__(self, workdir=None, binary=None, die_with_parent=True):
        self._own_workdir = workdir is None
        self.die_with_parent = die_with_parent
        self.workdir = workdir or tempfile.mkdtemp(prefix="sgn-registry-")
        self.binary = binary or registry_binary()
        self.proc = None
        self.port = None
        self._log = None

    @property
    def host(self):
        return f"127.0.0.1:{self.port}"

    @property
    def url(self):
        return f"http://{self.host}"

    @property
    def log_path(self):
        return os.path.join(self.workdir, "registry.log")

    def start(self, attempts=5):
        root = os.path.join(self.workdir, "data")
        os.makedirs(root, exist_ok=True)
        last = None
        for _ in range(attempts):
            self.port = free_port()
            cfg = os.path.join(self.workdir, "config.yml")
            with open(cfg, "w") as f:
                f.write(CONFIG_TEMPLATE.format(root=root, port=self.port, secret=secrets.token_hex(16)))
            self._log = open(self.log_path, "ab")
            self.proc = subprocess.Popen(
                [self.binary, "serve", cfg], stdin=subprocess.DEVNULL, stdout=self._log,
                stderr=subprocess.STDOUT, start_new_session=True,
                preexec_fn=_die_with_parent if self.die_with_parent else None)
            try:
                self._wait_ready()
                return self
            except RegistryError as e:
                last = e
                self._terminate()
        raise RegistryError(f"docker-registry did not start: {last}; log: {self._tail_log()}")

    def _wait_ready(self):
        deadline = time.monotonic() + START_TIMEOUT
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RegistryError(f"exited with status {self.proc.returncode}")
            try:
                with urllib.request.urlopen(self.url + "/v2/", timeout=2) as r:
                    if r.status == 200:
                        return
            except (urllib.error.URLError, ConnectionError, socket.timeout):
                pass
            time.sleep(0.1)
        raise RegistryError(f"no answer on {self.url}/v2/ within {START_TIMEOUT}s")

    def _tail_log(self, n=2000):
        try:
            with open(self.log_path, "rb") as f:
                return f.read()[-n:].decode(errors="replace")
        except OSError:
            return ""

    def _terminate(self):
        if self.proc is not None and self.proc.poll() is None:
            try:
                os.killpg(self.proc.pid, signal.SIGTERM)
            except ProcessLookupError:
                pass
            try:
                self.proc.wait(timeout=STOP_TIMEOUT)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait(timeout=STOP_TIMEOUT)
        self.proc = None
        if self._log is not None:
            self._log.close()
            self._log = None

    def stop(self):
        self._terminate()
        if self._own_workdir:
            shutil.rmtree(self.workdir, ignore_errors=True)

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()
