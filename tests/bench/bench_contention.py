#!/usr/bin/env python3
"""Signing under contention: N plugin generate-envelope calls on one local Signer store, all
started at once, against the same N run one after another (as tests/e2e/test_concurrency.py drives
them: the plugin with SIGNER_LOCAL_STORE, a local profile ARN as keyId, one process per call).

Prints, over --runs rounds (default 5), the median wall time of the concurrent batch and of the
sequential batch, and their ratio (concurrent / sequential: below 1 means the concurrent batch used
the cores it had). Each round signs 2*N times; the store is made fresh once.

Usage: tests/bench/bench_contention.py [--n 64] [--runs 5] [--plugin PATH] [--signer-local PATH]
Not a test: the figures depend on the machine and on its other load.
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
PAYLOAD_TYPE = "application/vnd.cncf.notary.payload.v1+json"


def request(arn, i):
    payload = json.dumps({"targetArtifact": {
        "mediaType": "application/vnd.oci.image.manifest.v1+json",
        "digest": "sha256:" + f"{i % 256:02x}" * 32, "size": 400 + i}}).encode()
    return json.dumps({"contractVersion": "1.0", "keyId": arn, "payloadType": PAYLOAD_TYPE,
                       "signatureEnvelopeType": "application/jose+json",
                       "payload": base64.b64encode(payload).decode(),
                       "pluginConfig": {}}).encode()


def check(p, what):
    if p.returncode != 0:
        sys.exit("%s failed (exit %d): %s" % (what, p.returncode, p.stderr.decode()))


def concurrent(cmd, reqs, env):
    t0 = time.perf_counter()
    procs = [subprocess.Popen(cmd, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                              stderr=subprocess.PIPE, env=env) for _ in reqs]
    for p, r in zip(procs, reqs):
        p.stdin.write(r)
        p.stdin.close()
    outs = [(p, p.stdout.read(), p.stderr.read(), p.wait()) for p in procs]
    dt = time.perf_counter() - t0
    for p, out, err, rc in outs:
        if rc != 0:
            sys.exit("concurrent generate-envelope failed (exit %d): %s" % (rc, err.decode()))
        p.stdout.close()
        p.stderr.close()
    return dt


def sequential(cmd, reqs, env):
    t0 = time.perf_counter()
    for r in reqs:
        check(subprocess.run(cmd, input=r, capture_output=True, env=env), "generate-envelope")
    return time.perf_counter() - t0


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--n", type=int, default=64)
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--plugin", default=os.path.join(
        ROOT, "build/plugin/notation-com.amazonaws.signer.notation.plugin"))
    ap.add_argument("--signer-local", default=os.path.join(ROOT, "build/service/signer-local"))
    ap.add_argument("--store-parent", default=None,
                    help="directory to make the store in (default: a temporary directory)")
    args = ap.parse_args()

    with tempfile.TemporaryDirectory(dir=args.store_parent) as tmp:
        store = os.path.join(tmp, "store")
        env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HOME": tmp, "LANG": "C",
               "SIGNER_LOCAL_STORE": store, "AWS_EC2_METADATA_DISABLED": "true"}
        p = subprocess.run([args.signer_local, "--store", store, "put-signing-profile",
                            "--profile-name", "bench", "--platform-id",
                            "Notation-OCI-SHA384-ECDSA"], capture_output=True, env=env)
        check(p, "put-signing-profile")
        arn = json.loads(p.stdout)["arn"]
        cmd = [args.plugin, "generate-envelope"]
        reqs = [request(arn, i) for i in range(args.n)]
        sequential(cmd, reqs[:4], env)     # warm the page cache and rotate the leaf
        conc, seq = [], []
        for _ in range(args.runs):
            conc.append(concurrent(cmd, reqs, env))
            seq.append(sequential(cmd, reqs, env))
        c, s = statistics.median(conc), statistics.median(seq)
        print("store %s, %d calls per batch, %d runs, %d CPUs" % (tmp, args.n, args.runs,
                                                                  os.cpu_count() or 0))
        print("concurrent: median %.3f s  (min %.3f, max %.3f)" % (c, min(conc), max(conc)))
        print("sequential: median %.3f s  (min %.3f, max %.3f)" % (s, min(seq), max(seq)))
        print("ratio concurrent/sequential: %.2f" % (c / s))


if __name__ == "__main__":
    main()
