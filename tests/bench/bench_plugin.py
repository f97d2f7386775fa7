#!/usr/bin/env python3
"""Wall time of the plugin's hot commands, as a host runs them: one fresh process per call.

Prints the median, p90 and min over N runs (default 100) of:
  - get-plugin-metadata ({} on stdin)
  - verify-signature, TRUSTED_IDENTITY only (what notation sends when revocation is skipped)
  - verify-signature with REVOCATION_CHECK against a local Signer store

Usage: tests/bench/bench_plugin.py [--runs N] [--plugin PATH] [--signer-local PATH]
The figures include Python's fork/exec of the process (the same cost notation-go pays).
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


def b64url_decode(s):
    return base64.urlsafe_b64decode(s + "=" * (-len(s) % 4))


def timed(cmd, stdin, runs, env):
    times = []
    for _ in range(runs):
        t0 = time.perf_counter()
        p = subprocess.run(cmd, input=stdin, capture_output=True, env=env)
        times.append(time.perf_counter() - t0)
        if p.returncode != 0:
            sys.exit("benchmark command failed: %s %s" % (cmd, p.stderr.decode()))
    return times


def report(name, times):
    times = sorted(times)
    p90 = times[int(len(times) * 0.9) - 1]
    print("%-44s median %7.2f ms   p90 %7.2f ms   min %7.2f ms   (n=%d)"
          % (name, statistics.median(times) * 1e3, p90 * 1e3, times[0] * 1e3, len(times)))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--runs", type=int, default=100)
    ap.add_argument("--plugin", default=os.path.join(
        ROOT, "build/plugin/notation-com.amazonaws.signer.notation.plugin"))
    ap.add_argument("--signer-local", default=os.path.join(ROOT, "build/service/signer-local"))
    args = ap.parse_args()

    with tempfile.TemporaryDirectory() as tmp:
        store = os.path.join(tmp, "store")
        env = dict(os.environ, HOME=tmp, SIGNER_LOCAL_STORE=store)
        env.pop("AWS_SIGNER_NOTATION_PLUGIN_DEBUG", None)

        def sl(*a):
            out = subprocess.run([args.signer_local, "--store", store] + list(a),
                                 check=True, capture_output=True, env=env).stdout
            return json.loads(out) if out.strip() else {}

        prof = sl("put-signing-profile", "--profile-name", "bench",
                  "--platform-id", "Notation-OCI-SHA384-ECDSA")
        payload = os.path.join(tmp, "payload.json")
        with open(payload, "w") as f:
            f.write('{"targetArtifact":{"mediaType":"application/vnd.oci.image.manifest.v1+json",'
                    '"digest":"sha256:' + "ab" * 32 + '","size":100}}')
        res = sl("sign-payload", "--profile-name", "bench", "--payload", "fileb://" + payload,
                 "--payload-format", "application/vnd.cncf.notary.payload.v1+json")
        env_json = json.loads(base64.b64decode(res["signature"]))
        header = json.loads(b64url_decode(env_json["protected"]))
        ext = {k: v for k, v in header.items()
               if k.startswith("com.amazonaws.")}
        request = {
            "contractVersion": "1.0",
            "signature": {
                "criticalAttributes": {
                    "contentType": header["cty"],
                    "signingScheme": header["io.cncf.notary.signingScheme"],
                    "expiry": header["io.cncf.notary.expiry"],
                    "authenticSigningTime": header["io.cncf.notary.authenticSigningTime"],
                    "extendedAttributes": ext,
                },
                "unprocessedAttributes": sorted(ext),
                "certificateChain": env_json["header"]["x5c"],
            },
            "trustPolicy": {
                "trustedIdentities": [prof["arn"]],
                "signatureVerification": ["SIGNATURE_VERIFIER.TRUSTED_IDENTITY"],
            },
        }
        ti_only = json.dumps(request).encode()
        request["trustPolicy"]["signatureVerification"].append(
            "SIGNATURE_VERIFIER.REVOCATION_CHECK")
        with_rev = json.dumps(request).encode()

        print("plugin: %s (%d bytes)" % (args.plugin, os.path.getsize(args.plugin)))
        report("get-plugin-metadata", timed([args.plugin, "get-plugin-metadata"], b"{}",
                                            args.runs, env))
        report("verify-signature (TRUSTED_IDENTITY only)",
               timed([args.plugin, "verify-signature"], ti_only, args.runs, env))
        report("verify-signature (+ local REVOCATION_CHECK)",
               timed([args.plugin, "verify-signature"], with_rev, args.runs, env))
        report("baseline: /bin/true", timed(["/bin/true"], b"", args.runs, env))


if __name__ == "__main__":
    main()
