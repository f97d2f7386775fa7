#!/usr/bin/env python3
"""Wall time of the plugin talking to AWS Signer, against the loopback fake Signer
(tests/aws/fakes/signer.py: SigV4 checked on every request, answers made by signer-local).

Prints the median, p90 and min over N runs of one fresh plugin process each:
  - verify-signature with REVOCATION_CHECK (one GetRevocationStatus call, env credentials)
  - verify-signature, TRUSTED_IDENTITY only (no call; the floor)
  - generate-envelope (one SignPayload call; includes signer-local signing inside the fake)

Usage: tests/bench/bench_aws.py [--runs N] [--sign-runs N] [--plugin PATH] [--signer-local PATH]
The figures include Python's fork/exec of the plugin and, for the fake's side, the HTTP server
in this process and (generate-envelope only) one signer-local process per call.
"""
import argparse
import base64
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, os.path.join(ROOT, "tests"))

from aws.fakes import sigv4  # noqa: E402
from aws.fakes.signer import FakeSigner, LocalSigner  # noqa: E402
from aws.helpers import (ACCOUNT, PAYLOAD, PAYLOAD_TYPE, PROFILE, PROFILE_ARN, REGION, RC, TI,  # noqa: E402
                         envelope_request, parse_envelope, verify_request)

AKID, SECRET = "AKIABENCHMARK0000001", "bench/secret+key"


def timed(cmd, stdin, runs, env, check):
    times = []
    for _ in range(runs):
        t0 = time.perf_counter()
        p = subprocess.run(cmd, input=stdin, capture_output=True, env=env)
        times.append(time.perf_counter() - t0)
        if check is not None and (p.returncode != 0 or not check(json.loads(p.stdout))):
            sys.exit("benchmark command failed: %s\nstdout %s\nstderr %s"
                     % (cmd, p.stdout.decode()[:500], p.stderr.decode()[:2000]))
    return times


def report(name, times):
    times = sorted(times)
    p90 = times[max(int(len(times) * 0.9) - 1, 0)]
    print("%-46s median %7.2f ms   p90 %7.2f ms   min %7.2f ms   (n=%d)"
          % (name, statistics.median(times) * 1e3, p90 * 1e3, times[0] * 1e3, len(times)))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--runs", type=int, default=100)
    ap.add_argument("--sign-runs", type=int, default=30)
    ap.add_argument("--plugin", default=os.environ.get("SGN_PLUGIN_BIN") or os.path.join(
        ROOT, "build/plugin/notation-com.amazonaws.signer.notation.plugin"))
    ap.add_argument("--signer-local", default=os.environ.get("SGN_SIGNER_LOCAL_BIN") or os.path.join(
        ROOT, "build/service/signer-local"))
    args = ap.parse_args()

    with tempfile.TemporaryDirectory() as tmp:
        local = LocalSigner(os.path.join(tmp, "store"), args.signer_local, REGION, ACCOUNT).init()
        local.put_profile(PROFILE)
        out = local.sign_payload(PROFILE, base64.b64encode(PAYLOAD).decode(), PAYLOAD_TYPE, ACCOUNT)
        envelope = parse_envelope(base64.b64decode(out["signature"]))
        keys = sigv4.KeyTable()
        keys.add(AKID, SECRET)
        home = os.path.join(tmp, "home")
        os.makedirs(home)
        env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HOME": home, "LANG": "C",
               "AWS_ACCESS_KEY_ID": AKID, "AWS_SECRET_ACCESS_KEY": SECRET,
               "AWS_CONFIG_FILE": os.path.join(tmp, "none"),
               "AWS_SHARED_CREDENTIALS_FILE": os.path.join(tmp, "none"),
               "AWS_EC2_METADATA_DISABLED": "true"}
        with FakeSigner(keys, local, REGION) as fake:
            cfg = {"aws-region": REGION, "aws-signer-endpoint-url": fake.url}
            with_rev = json.dumps(verify_request(envelope, (TI, RC), (PROFILE_ARN,), cfg)).encode()
            ti_only = json.dumps(verify_request(envelope, (TI,), (PROFILE_ARN,), cfg)).encode()
            sign = json.dumps(envelope_request(PROFILE_ARN, PAYLOAD, cfg)).encode()
            verify_cmd = [args.plugin, "verify-signature"]

            print("plugin: %s (%d bytes); fake Signer at %s" % (args.plugin, os.path.getsize(args.plugin), fake.url))
            report("verify-signature (+ REVOCATION_CHECK via fake)",
                   timed(verify_cmd, with_rev, args.runs, env,
                         lambda r: r["verificationResults"][RC]["success"] is True))
            calls = len(fake.seen("GetRevocationStatus"))
            bad = [r for r in fake.seen() if not r.auth_ok]
            report("verify-signature (TRUSTED_IDENTITY only)",
                   timed(verify_cmd, ti_only, args.runs, env,
                         lambda r: r["verificationResults"][TI]["success"] is True))
            report("generate-envelope (SignPayload via fake)",
                   timed([args.plugin, "generate-envelope"], sign, args.sign_runs, env,
                         lambda r: "signatureEnvelope" in r))
            report("baseline: /bin/true", timed(["/bin/true"], b"", args.runs, env, None))
            if calls != args.runs or bad:
                sys.exit("the fake saw %d GetRevocationStatus calls for %d runs, %d refused"
                         % (calls, args.runs, len(bad)))


if __name__ == "__main__":
    main()
