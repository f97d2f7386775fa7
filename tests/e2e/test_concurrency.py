"""k) Many signers at once against one local Signer store: every request succeeds and every job is
recorded. Two drivers: signer-local sign-payload, and the plugin's generate-envelope (what notation runs)."""

import base64
import json
import os
import subprocess
import time

import pytest

from e2e.lib import tools

N = 16
DEADLINE = 180  # seconds for all N processes together


def notary_payload(i):
    digest = "sha256:" + f"{i:02x}" * 32
    return json.dumps({"targetArtifact": {
        "mediaType": "application/vnd.oci.image.manifest.v1+json", "digest": digest, "size": 400 + i}}).encode()


def run_all(argvs, env, inputs):
    procs = [subprocess.Popen(a, env=env, stdin=subprocess.PIPE if inp is not None else subprocess.DEVNULL,
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
             for a, inp in zip(argvs, inputs)]
    deadline = time.monotonic() + DEADLINE
    results = []
    try:
        for p, inp in zip(procs, inputs):
            out, err = p.communicate(input=inp, timeout=max(1, deadline - time.monotonic()))
            results.append((p.returncode, out, err))
    finally:
        for p in procs:
            if p.poll() is None:
                p.kill()
                p.wait(timeout=10)
    return results


@pytest.mark.parametrize("driver", ["sign-payload", "generate-envelope"])
def test_concurrent_signing_one_store(driver, signer, signer_store, notation_config, profile, tmp_path):
    if driver == "sign-payload":
        argvs, inputs = [], []
        for i in range(N):
            f = tmp_path / f"payload{i}.json"
            f.write_bytes(notary_payload(i))
            argvs.append(signer.argv("sign-payload", "--profile-name", profile["name"], "--payload", f"fileb://{f}",
                                     "--payload-format", tools.PAYLOAD_FORMAT))
            inputs.append(None)
        env = tools.clean_env()
    else:
        plugin = os.path.join(notation_config, "plugins", tools.PLUGIN_NAME, tools.PLUGIN_EXE)
        argvs = [[plugin, "generate-envelope"]] * N
        inputs = [json.dumps({
            "contractVersion": "1.0", "keyId": profile["arn"], "payloadType": tools.PAYLOAD_FORMAT,
            "signatureEnvelopeType": "application/jose+json",
            "payload": base64.b64encode(notary_payload(i)).decode(), "pluginConfig": {}}) for i in range(N)]
        env = tools.clean_env({"SIGNER_LOCAL_STORE": str(signer_store)})

    results = run_all(argvs, env, inputs)
    failures = [(i, rc, err) for i, (rc, _, err) in enumerate(results) if rc != 0]
    assert not failures, failures
    outputs = [json.loads(out) for _, out, _ in results]
    if driver == "sign-payload":
        assert len({o["jobId"] for o in outputs}) == N
        assert all(o.get("signature") for o in outputs)
    else:
        assert all(o.get("signatureEnvelope") and o.get("signatureEnvelopeType") == "application/jose+json"
                   for o in outputs)
    jobs = signer("list-signing-jobs")["jobs"]
    assert len(jobs) == N, [j.get("jobId") for j in jobs]
