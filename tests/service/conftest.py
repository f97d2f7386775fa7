"""Fixtures for the `signer-local serve` suite: a temp store, access keys made with
`signer-local create-access-key`, a server on 127.0.0.1:0 (--port-file), boto3 clients.

The binary is $SGN_SIGNER_LOCAL_BIN, else <repo>/build/service/signer-local."""
import json
import os
import signal
import subprocess
import time
from pathlib import Path

import boto3
import pytest
from botocore.config import Config

REPO = Path(__file__).resolve().parents[2]
BIN = Path(os.environ.get("SGN_SIGNER_LOCAL_BIN", REPO / "build" / "service" / "signer-local"))
REGION = "us-east-1"
OWNER = "111122223333"
OTHER = "444455556666"


def run(store, *args, check=True):
    r = subprocess.run([str(BIN), "--store", str(store), *args], capture_output=True, text=True,
                       timeout=60)
    if check and r.returncode != 0:
        raise AssertionError(f"signer-local {' '.join(args)}: {r.returncode}\n{r.stderr}")
    return r


def create_key(store, account, principal=None):
    args = ["create-access-key", "--account-id", account]
    if principal:
        args += ["--principal", principal]
    return json.loads(run(store, *args).stdout)["AccessKey"]


class Server:
    """A running `signer-local serve`; stop() sends SIGTERM and returns (status, stderr)."""

    def __init__(self, store, tmp, *extra, env=None):
        self.store = store
        self.port_file = tmp / f"port-{time.monotonic_ns()}"
        self.audit = tmp / "audit.jsonl"
        self.stderr_path = tmp / f"serve-{time.monotonic_ns()}.log"
        self.errf = open(self.stderr_path, "w")
        self.proc = subprocess.Popen(
            [str(BIN), "--store", str(store), "serve", "--listen", "127.0.0.1:0", "--port-file",
             str(self.port_file), "--audit-log", str(self.audit), *extra],
            stdout=subprocess.DEVNULL, stderr=self.errf, env=env)
        deadline = time.monotonic() + 20
        while not (self.port_file.exists() and self.port_file.read_text().strip()):
            if self.proc.poll() is not None:
                raise AssertionError(f"serve exited {self.proc.returncode}: {self.stderr()}")
            if time.monotonic() > deadline:
                raise AssertionError("serve did not start: " + self.stderr())
            time.sleep(0.02)
        self.port = int(self.port_file.read_text())
        self.scheme = "https" if "--tls-cert" in extra else "http"
        self.url = f"{self.scheme}://127.0.0.1:{self.port}"

    def stderr(self):
        self.errf.flush()
        return self.stderr_path.read_text()

    def stop(self, sig=signal.SIGTERM, timeout=40):
        if self.proc.poll() is None:
            self.proc.send_signal(sig)
        try:
            rc = self.proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            rc = self.proc.wait()
        self.errf.close()
        return rc, self.stderr_path.read_text()

    def audit_lines(self):
        if not self.audit.exists():
            return []
        return [json.loads(line) for line in self.audit.read_text().splitlines() if line]


def client(server, key, verify=None, retries=1, service="signer", **cfg):
    return boto3.client(
        service, region_name=REGION, endpoint_url=server.url,
        aws_access_key_id=key["AccessKeyId"], aws_secret_access_key=key["SecretAccessKey"],
        aws_session_token=key.get("SessionToken"), verify=verify,
        config=Config(inject_host_prefix=False,
                      retries={"max_attempts": retries, "mode": "standard"}, **cfg))


@pytest.fixture(scope="module")
def env(tmp_path_factory):
    if not BIN.exists():
        pytest.fail(f"{BIN} not built")
    tmp = tmp_path_factory.mktemp("serve")
    store = tmp / "store"
    run(store, "init", "--region", REGION, "--account-id", OWNER)
    owner = create_key(store, OWNER)
    other = create_key(store, OTHER)
    srv = Server(store, tmp)
    yield {"tmp": tmp, "store": store, "server": srv, "owner": owner, "other": other}
    rc, err = srv.stop()
    assert rc == 0, err


@pytest.fixture(scope="module")
def signer(env):
    return client(env["server"], env["owner"])
