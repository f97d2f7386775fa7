"""SIGKILL during load loses no call that was answered with success (issue 9, "Load").

Client threads (boto3, no retries) sign payloads and revoke some of their signatures against
`serve` while the server is killed with SIGKILL at a random moment; then every SignPayload and
RevokeSignature answered with 200 must be in the store (the job, revoked when its revocation
was answered) and in the audit trail (its line, by request id, without an error), and the store
must pass PRAGMA integrity_check. Three rounds on the same store and trail, each a fresh server."""
import json
import random
import signal
import sqlite3
import threading
import time

from botocore.exceptions import BotoCoreError, ClientError

from conftest import OWNER, Server, client, create_key, run

PLATFORM = "Notation-OCI-SHA384-ECDSA"
FORMAT = "application/vnd.cncf.notary.payload.v1+json"
THREADS = 6
ROUNDS = 3


def worker(srv, key, seed, stop, answered):
    rnd = random.Random(seed)
    c = client(srv, key, connect_timeout=5, read_timeout=20)
    mine = []
    n = 0
    while not stop.is_set():
        n += 1
        try:
            if mine and rnd.random() < 0.3:
                job = mine.pop(rnd.randrange(len(mine)))
                r = c.revoke_signature(jobId=job, reason="kill test")
                answered.append(("RevokeSignature", job, r["ResponseMetadata"]["RequestId"]))
            else:
                payload = json.dumps({"seed": seed, "n": n}).encode()
                r = c.sign_payload(profileName="kill", payloadFormat=FORMAT, payload=payload)
                answered.append(("SignPayload", r["jobId"], r["ResponseMetadata"]["RequestId"]))
                mine.append(r["jobId"])
        except (BotoCoreError, ClientError, OSError):
            # The server is gone (or going): whatever was not answered may or may not be there.
            if stop.wait(0.01):
                return


def test_sigkill_loses_no_answered_call(tmp_path):
    store = tmp_path / "store"
    run(store, "init", "--region", "us-east-1", "--account-id", OWNER)
    key = create_key(store, OWNER)
    answered = []
    for rnd in range(ROUNDS):
        srv = Server(store, tmp_path)
        if rnd == 0:
            client(srv, key).put_signing_profile(profileName="kill", platformId=PLATFORM)
        stop = threading.Event()
        threads = [threading.Thread(target=worker, args=(srv, key, rnd * 100 + i, stop, answered))
                   for i in range(THREADS)]
        before = len(answered)
        for t in threads:
            t.start()
        # A random moment once calls are flowing.
        deadline = time.monotonic() + 20
        while len(answered) - before < 20 and time.monotonic() < deadline:
            time.sleep(0.01)
        time.sleep(random.uniform(0.0, 0.5))
        srv.proc.send_signal(signal.SIGKILL)
        srv.proc.wait()
        stop.set()
        for t in threads:
            t.join(timeout=30)
        srv.errf.close()
        assert len(answered) - before >= 20, "the load did not get going: " + srv.stderr()

    # The store: intact, every answered job there, revoked when its revocation was answered.
    db = sqlite3.connect(f"file:{store / 'signer.db'}?mode=ro", uri=True)
    assert db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    db.close()
    jobs = {j["jobId"]: j for j in json.loads(run(store, "list-signing-jobs").stdout)["jobs"]}
    revoked = {job for op, job, _ in answered if op == "RevokeSignature"}
    signed = [job for op, job, _ in answered if op == "SignPayload"]
    missing = [job for job in signed if job not in jobs]
    assert not missing, f"{len(missing)} answered SignPayload calls lost: {missing[:5]}"
    not_revoked = [job for job in revoked if not jobs[job]["isRevoked"]]
    assert not not_revoked, f"answered RevokeSignature calls lost: {not_revoked[:5]}"

    # The audit trail: every line whole, each answered call there without an error.
    lines = (tmp_path / "audit.jsonl").read_text().splitlines()
    events = {}
    for line in lines:
        e = json.loads(line)
        events[e["requestID"]] = e
    for op, job, rid in answered:
        e = events.get(rid)
        assert e is not None, f"{op} {job} (request {rid}) answered but not in the audit trail"
        assert e["eventName"] == op and "errorCode" not in e, e
        ids = (e.get("responseElements") or {}).get("jobId"), e["requestParameters"].get("jobId")
        assert job in ids, e
