#!/usr/bin/env python3
"""Load figures for `signer-local serve` (issue 9, "Load"): a script to run, not a test.

It builds nothing. It makes a temp store (region us-east-1), an access key and a Notation profile,
starts `serve` on 127.0.0.1 (--threads N, default: one per CPU), and measures with wrk (Debian
package `wrk`, a Lua script that replays pre-signed requests):

  (a) SignPayload requests/s, compared with `openssl speed -seconds 5 -multi N ecdsap384` sign/s
      on the same cores (goal: at least 80%);
  (b) GetRevocationStatus requests/s with p50/p99 latency (goal: 20k/s, p99 under 5 ms).

SigV4 has no nonce and a signature is valid for 15 minutes, so each distinct request is signed
once with botocore's SigV4Auth and replayed (the server verifies every one of them in full: key
lookup, canonical request, HMAC chain, body hash). Every run must answer only 2xx (wrk's
"Non-2xx" count is checked), and after each SignPayload run the store must hold at least as many
jobs, and the audit trail at least as many lines, as wrk counted answers (durability: each
answered call is committed and fdatasync'd in the trail before its response).

wrk and the server share the machine's cores (that is what "on 2 cores" means here); the openssl
figure is the same cores with nothing else running. Figures are the median of --runs rounds,
each round measuring openssl, SignPayload and GetRevocationStatus in turn so that all three see
the same background noise.

Usage: tests/bench/bench_serve.py [--signer-local PATH] [--runs 3] [--duration 10]
         [--threads N] [--sign-connections 8] [--rev-connections 32] [--wrk-threads 2] [--keep]
"""
import argparse
import base64
import hashlib
import json
import os
import re
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.parse
from datetime import datetime, timezone

import boto3
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.config import Config
from botocore.credentials import Credentials

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
REGION = "us-east-1"
ACCOUNT = "111122223333"
PROFILE = "bench"
PLATFORM = "Notation-OCI-SHA384-ECDSA"
PAYLOAD_FORMAT = "application/vnd.cncf.notary.payload.v1+json"
N_BODIES = 64

LUA = r"""
-- Replays pre-signed requests, round robin from a per-thread start offset.
local reqs = {}
local i = 0
function init(args)
  local f = assert(io.open(args[1], "r"))
  local data = f:read("*a")
  f:close()
  for line in data:gmatch("[^\n]+") do
    local method, path, body, hdrs = line:match("^(%S+)\t(%S+)\t([^\t]*)\t(.*)$")
    local h = {}
    for k, v in hdrs:gmatch("([^\1]+)\1([^\2]*)\2") do h[k] = v end
    if body == "" then body = nil end
    reqs[#reqs + 1] = wrk.format(method, path, h, body)
  end
  i = math.random(#reqs)
end
function request()
  i = i % #reqs + 1
  return reqs[i]
end
"""


def say(*a):
    print(*a, flush=True)


def run(cmd, **kw):
    return subprocess.run(cmd, check=True, capture_output=True, text=True, **kw)


class Serve:
    def __init__(self, binary, store, tmp, threads, extra=()):
        self.port_file = os.path.join(tmp, "port")
        self.audit = os.path.join(tmp, "audit.jsonl")
        self.log = open(os.path.join(tmp, "serve.log"), "w")
        self.cmd = [binary, "--store", store, "serve", "--listen", "127.0.0.1:0", "--port-file",
                    self.port_file, "--audit-log", self.audit]
        if threads:
            self.cmd += ["--threads", str(threads)]
        self.cmd += list(extra)
        self.proc = subprocess.Popen(self.cmd, stdout=subprocess.DEVNULL, stderr=self.log)
        deadline = time.monotonic() + 20
        while not (os.path.exists(self.port_file) and open(self.port_file).read().strip()):
            if self.proc.poll() is not None or time.monotonic() > deadline:
                raise SystemExit("serve did not start: " + open(self.log.name).read())
            time.sleep(0.02)
        self.port = int(open(self.port_file).read())
        self.url = f"http://127.0.0.1:{self.port}"

    def stop(self):
        self.proc.send_signal(signal.SIGTERM)
        rc = self.proc.wait(timeout=60)
        self.log.close()
        if rc != 0:
            raise SystemExit(f"serve exited {rc}: " + open(self.log.name).read())


def presign(creds, method, url, body, host):
    headers = {"Host": host, "User-Agent": "bench_serve/wrk"}
    if body is not None:
        headers["Content-Type"] = "application/json"
    req = AWSRequest(method=method, url=url, data=body, headers=headers)
    SigV4Auth(creds, "signer", REGION).add_auth(req)
    hdrs = {k: v for k, v in req.headers.items()}
    path = urllib.parse.urlsplit(url)
    target = path.path + ("?" + path.query if path.query else "")
    return method, target, body or "", hdrs


def write_requests(path, reqs):
    with open(path, "w") as f:
        for method, target, body, hdrs in reqs:
            assert "\t" not in body and "\n" not in body
            h = "".join(f"{k}\x01{v}\x02" for k, v in hdrs.items())
            f.write(f"{method}\t{target}\t{body}\t{h}\n")


def tbs_hashes(signature_b64):
    """The certificateHashes the plugin sends: hex SHA-384 of each certificate's TBS followed
    by its issuer's, for each certificate but the root."""
    from cryptography import x509
    env = json.loads(base64.b64decode(signature_b64))
    ders = [base64.b64decode(c) for c in env["header"]["x5c"]]
    tbs = [hashlib.sha384(x509.load_der_x509_certificate(d).tbs_certificate_bytes).hexdigest()
           for d in ders]
    return [tbs[i] + tbs[i + 1] for i in range(len(tbs) - 1)]


def parse_wrk(out):
    def dur_ms(v, unit):
        return float(v) * {"us": 1e-3, "ms": 1.0, "s": 1e3, "m": 6e4}[unit]
    r = {"rps": float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1)),
         "requests": int(re.search(r"(\d+) requests in", out).group(1)),
         "non2xx": 0, "errors": 0, "timeouts": 0}
    m = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", out)
    if m:
        r["non2xx"] = int(m.group(1))
    m = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", out)
    if m:
        r["errors"] = sum(int(x) for x in m.groups()[:3])
        r["timeouts"] = int(m.group(4))
    for p in ("50", "99"):
        m = re.search(rf"^\s+{p}(?:\.000)?%\s+([\d.]+)(us|ms|s|m)\s*$", out, re.M)
        r["p" + p] = dur_ms(*m.groups()) if m else float("nan")
    return r


def openssl_speed(cores):
    cmd = ["openssl", "speed", "-seconds", "5", "-multi", str(cores), "ecdsap384"]
    out = run(cmd).stdout
    m = re.search(r"384 bits ecdsa \(nistp384\)\s+\S+\s+\S+\s+([\d.]+)\s+([\d.]+)", out)
    return float(m.group(1)), " ".join(cmd)


def count_jobs(binary, store):
    out = run([binary, "--store", store, "list-signing-jobs"]).stdout
    return len(json.loads(out)["jobs"])


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--signer-local", default=os.environ.get(
        "SGN_SIGNER_LOCAL_BIN", os.path.join(ROOT, "build", "service", "signer-local")))
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--duration", type=int, default=10, help="seconds per wrk run")
    ap.add_argument("--threads", type=int, default=0, help="serve --threads (0: one per CPU)")
    ap.add_argument("--sign-connections", type=int, default=8)
    ap.add_argument("--rev-connections", type=int, default=32)
    ap.add_argument("--wrk-threads", type=int, default=2)
    ap.add_argument("--skip-openssl", action="store_true")
    ap.add_argument("--audit-reads-async", action="store_true",
                    help="serve --audit-reads-async: read-only calls do not wait for fdatasync")
    ap.add_argument("--keep", action="store_true", help="keep the temp directory")
    a = ap.parse_args()

    binary = os.path.abspath(a.signer_local)
    if not os.access(binary, os.X_OK):
        raise SystemExit(f"{binary}: not built (give --signer-local PATH)")
    if shutil.which("wrk") is None:
        raise SystemExit("wrk not found: apt-get install wrk (scripts/install-deps.sh)")
    cores = a.threads or os.cpu_count()
    tmp = tempfile.mkdtemp(prefix="bench-serve-")
    store = os.path.join(tmp, "store")
    run([binary, "--store", store, "init", "--region", REGION, "--account-id", ACCOUNT])
    key = json.loads(run([binary, "--store", store, "create-access-key", "--account-id",
                          ACCOUNT]).stdout)["AccessKey"]
    extra = ["--audit-reads-async"] if a.audit_reads_async else []
    srv = Serve(binary, store, tmp, a.threads, extra)
    try:
        creds = Credentials(key["AccessKeyId"], key["SecretAccessKey"])
        client = boto3.client("signer", region_name=REGION, endpoint_url=srv.url,
                              aws_access_key_id=key["AccessKeyId"],
                              aws_secret_access_key=key["SecretAccessKey"],
                              config=Config(inject_host_prefix=False))
        prof = client.put_signing_profile(profileName=PROFILE, platformId=PLATFORM)
        host = f"127.0.0.1:{srv.port}"

        # SignPayload: N_BODIES distinct payloads (a Notary payload descriptor each).
        sign_reqs = []
        for i in range(N_BODIES):
            payload = json.dumps({"targetArtifact": {
                "mediaType": "application/vnd.oci.image.manifest.v1+json",
                "digest": "sha256:" + hashlib.sha256(str(i).encode()).hexdigest(),
                "size": 1000 + i}}).encode()
            body = json.dumps({"profileName": PROFILE, "payloadFormat": PAYLOAD_FORMAT,
                               "payload": base64.b64encode(payload).decode()})
            sign_reqs.append(presign(creds, "POST", srv.url + "/signing-jobs/with-payload", body,
                                     host))
        sign_file = os.path.join(tmp, "sign.req")
        write_requests(sign_file, sign_reqs)

        # GetRevocationStatus of a real signature, as the plugin asks it.
        sig = client.sign_payload(profileName=PROFILE, payloadFormat=PAYLOAD_FORMAT,
                                  payload=b'{"targetArtifact":{}}')
        meta = sig["metadata"]
        hashes = tbs_hashes(base64.b64encode(sig["signature"]).decode())
        ts = datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
        q = [("certificateHashes", h) for h in hashes] + [
            ("jobArn", meta["com.amazonaws.signer.signingJob"]), ("platformId", PLATFORM),
            ("profileVersionArn", meta["com.amazonaws.signer.signingProfileVersion"]),
            ("signatureTimestamp", ts)]
        query = "&".join(f"{k}={urllib.parse.quote(v, safe='')}" for k, v in q)
        rev_reqs = [presign(creds, "GET", f"{srv.url}/revocations?{query}", None, host)]
        rev_file = os.path.join(tmp, "rev.req")
        write_requests(rev_file, rev_reqs)
        check = client.get_revocation_status(
            signatureTimestamp=datetime.now(timezone.utc), platformId=PLATFORM,
            profileVersionArn=meta["com.amazonaws.signer.signingProfileVersion"], jobArn=meta["com.amazonaws.signer.signingJob"],
            certificateHashes=hashes)
        assert check.get("revokedEntities", []) == [], check
        lua = os.path.join(tmp, "replay.lua")
        with open(lua, "w") as f:
            f.write(LUA)

        sign_cmd = ["wrk", "-t", str(a.wrk_threads), "-c", str(a.sign_connections), "-d",
                    f"{a.duration}s", "--timeout", "10s", "--latency", "-s", lua, srv.url, "--",
                    sign_file]
        rev_cmd = ["wrk", "-t", str(a.wrk_threads), "-c", str(a.rev_connections), "-d",
                   f"{a.duration}s", "--timeout", "10s", "--latency", "-s", lua, srv.url, "--",
                   rev_file]
        rounds = []
        answered_signs = 1  # the sign_payload above
        for n in range(a.runs):
            speed, speed_cmd = (float("nan"), "") if a.skip_openssl else openssl_speed(cores)
            s = parse_wrk(run(sign_cmd).stdout)
            if s["non2xx"] or s["errors"]:
                raise SystemExit(f"SignPayload run: {s['non2xx']} non-2xx, {s['errors']} "
                                 f"socket errors")
            answered_signs += s["requests"]
            jobs = count_jobs(binary, store)
            if jobs < answered_signs:
                raise SystemExit(f"{answered_signs} SignPayload answered but {jobs} jobs stored")
            r = parse_wrk(run(rev_cmd).stdout)
            if r["non2xx"] or r["errors"]:
                raise SystemExit(f"GetRevocationStatus run: {r['non2xx']} non-2xx, "
                                 f"{r['errors']} socket errors")
            rounds.append({"openssl": speed, "sign": s, "rev": r})
            if s["timeouts"] or r["timeouts"]:
                say(f"round {n + 1}: wrk timeouts (no answer within 10 s): SignPayload "
                    f"{s['timeouts']}, GetRevocationStatus {r['timeouts']}")
            say(f"round {n + 1}: openssl {speed:.0f} sign/s; SignPayload {s['rps']:.0f}/s "
                f"({100 * s['rps'] / speed:.0f}%) "
                f"(p50 {s['p50']:.2f} ms, p99 {s['p99']:.2f} ms); GetRevocationStatus "
                f"{r['rps']:.0f}/s (p50 {r['p50']:.2f} ms, p99 {r['p99']:.2f} ms)")
        with open(srv.audit) as f:
            audit_lines = sum(1 for _ in f)
        srv.stop()
        srv = None

        med = statistics.median
        o = med(x["openssl"] for x in rounds)
        sp = med(x["sign"]["rps"] for x in rounds)
        # The machine's speed moves between rounds (shared cores): the ratio is taken per round,
        # openssl and SignPayload measured back to back, and its median reported.
        ratio = med(x["sign"]["rps"] / x["openssl"] for x in rounds)
        rv = med(x["rev"]["rps"] for x in rounds)
        p50 = med(x["rev"]["p50"] for x in rounds)
        p99 = med(x["rev"]["p99"] for x in rounds)
        say("")
        say(f"signer-local serve, {cores} worker threads, {os.cpu_count()} CPUs "
            f"(wrk on the same CPUs); median of {len(rounds)} rounds")
        say("| measure | figure | goal |")
        say("| --- | --- | --- |")
        say(f"| openssl speed ecdsap384, sign/s ({cores} processes) | {o:.0f} | |")
        say(f"| SignPayload, requests/s | {sp:.0f} | |")
        say(f"| SignPayload / openssl, per round | {100 * ratio:.0f}% | >= 80% |")
        say(f"| GetRevocationStatus, requests/s | {rv:.0f} | 20000 |")
        say(f"| GetRevocationStatus p50 / p99, ms | {p50:.2f} / {p99:.2f} | p99 < 5 |")
        say("")
        say(f"audit trail: {audit_lines} lines; store: {count_jobs(binary, store)} jobs "
            f"(>= {answered_signs} answered SignPayload)")
        say("commands:")
        say(f"  {binary} --store STORE serve --listen 127.0.0.1:0 --port-file FILE "
            f"--audit-log FILE" + (f" --threads {a.threads}" if a.threads else "") +
            "".join(" " + x for x in extra))
        if not a.skip_openssl:
            say("  " + speed_cmd)
        say("  " + " ".join(sign_cmd).replace(tmp, "$TMP"))
        say("  " + " ".join(rev_cmd).replace(tmp, "$TMP"))
    finally:
        if srv is not None:
            srv.proc.kill()
            srv.proc.wait()
        if a.keep:
            say(f"kept {tmp}")
        else:
            shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
