"""EKS Pod Identity, for real: run inside a private network namespace (`unshare -n`), put
169.254.170.23 on that namespace's loopback, serve the fake container credentials endpoint at
http://169.254.170.23/v1/credentials (port 80) and the fake Signer on 127.0.0.1, and run the plugin
with exactly the variables the Pod Identity webhook injects. Prints one JSON object with the
plugin's exit status and output and what the fakes saw. No traffic leaves the namespace.

  unshare -n python3 -m tests.aws.fakes.podidentity --plugin BIN --signer-local BIN --store DIR \
      --workdir DIR
"""

import argparse
import base64
import json
import os
import subprocess
import sys

from . import sigv4
from .container import FakeContainerCredentials
from .signer import FakeSigner, LocalSigner

POD_IDENTITY_ADDR = "169.254.170.23"


def main():
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--plugin", required=True)
    ap.add_argument("--signer-local", required=True)
    ap.add_argument("--store", required=True)
    ap.add_argument("--workdir", required=True)
    ap.add_argument("--profile-arn", required=True)
    ap.add_argument("--payload", required=True, help="base64")
    args = ap.parse_args()

    for cmd in (["ip", "link", "set", "lo", "up"],
                ["ip", "addr", "add", f"{POD_IDENTITY_ADDR}/32", "dev", "lo"]):
        p = subprocess.run(cmd, capture_output=True, text=True)
        if p.returncode != 0:
            print(json.dumps({"setup_error": f"{' '.join(cmd)}: {p.stderr.strip()}"}))
            return 0
    keys = sigv4.KeyTable()
    token = "eks-pod-identity-token-" + base64.b32encode(os.urandom(10)).decode()
    token_file = os.path.join(args.workdir, "eks-pod-identity-token")
    with open(token_file, "w") as f:
        f.write(token)
    local = LocalSigner(args.store, args.signer_local)
    with FakeSigner(keys, local) as signer, \
            FakeContainerCredentials(keys, token=token, host=POD_IDENTITY_ADDR, port=80) as agent:
        home = os.path.join(args.workdir, "home")
        os.makedirs(home, exist_ok=True)
        env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HOME": home, "LANG": "C",
               "AWS_CONFIG_FILE": os.path.join(args.workdir, "no-config"),
               "AWS_SHARED_CREDENTIALS_FILE": os.path.join(args.workdir, "no-credentials"),
               "AWS_EC2_METADATA_DISABLED": "true",
               "AWS_CONTAINER_CREDENTIALS_FULL_URI": f"http://{POD_IDENTITY_ADDR}/v1/credentials",
               "AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE": token_file}
        env.update({k: v for k, v in os.environ.items() if k.startswith(("ASAN_", "UBSAN_", "LSAN_"))})
        request = {"contractVersion": "1.0", "keyId": args.profile_arn,
                   "payloadType": "application/vnd.cncf.notary.payload.v1+json",
                   "signatureEnvelopeType": "application/jose+json", "payload": args.payload,
                   "pluginConfig": {"aws-region": "us-east-1", "aws-signer-endpoint-url": signer.url}}
        p = subprocess.run([args.plugin, "generate-envelope"], input=json.dumps(request).encode(),
                           capture_output=True, env=env, timeout=60)
        print(json.dumps({
            "rc": p.returncode, "stdout": p.stdout.decode(errors="replace"),
            "stderr": p.stderr.decode(errors="replace"),
            "agent_key": agent.key.access_key if agent.key else None,
            "agent_requests": [{"path": r.path, "authorization": r.header("Authorization"),
                                "status": r.status} for r in agent.seen()],
            "token": token,
            "signer_requests": [{"operation": r.operation, "access_key": r.access_key,
                                 "auth_ok": r.auth_ok, "status": r.status} for r in signer.seen()],
        }))
    return 0


if __name__ == "__main__":
    sys.exit(main())
