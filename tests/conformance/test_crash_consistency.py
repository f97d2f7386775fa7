"""Issue 12: crash consistency of a local Signer store. A few hundred operations (the plugin's
generate-envelope on a local store, signer-local sign-payload, revoke-signature,
put-signing-profile, cancel-signing-profile, revoke-signing-profile), one at a time, each killed
with SIGKILL after a random delay from its spawn (anywhere from before it opens the store to after
it has finished). Every few operations the current leaf is aged in the database so that the next
signature rotates it: a kill then often lands between writing the new key (or its temporary file)
and committing its certificate.

Afterwards: PRAGMA integrity_check is "ok"; every operation that reported success (exit 0 and its
complete output read before the kill) is in the store (the job, the revocation, the profile
version, the cancellation); and after the next open no key file is left that no certificate
names, nor any temporary file. Runs in about 10 to 30 s (SGN_CRASH_OPS, default 300, sets the
number of operations; SGN_CRASH_SEED the random seed, printed on failure)."""

import base64
import json
import os
import random
import signal
import sqlite3
import subprocess
import time

from plugin_helpers import (ATTR_JOB, PAYLOAD_TYPE, PLUGIN_BIN, SIGNER_LOCAL_BIN, envelope_request,
                            sanitizer_env)

OPS = int(os.environ.get("SGN_CRASH_OPS", "300"))
# Kill delays are uniform in [0, KILL_SPAN x the median duration of an uninterrupted signature],
# measured first: on any machine, some operations finish and most are cut short somewhere.
KILL_SPAN = 1.4


def _payload(i):
    return json.dumps({"targetArtifact": {
        "mediaType": "application/vnd.oci.image.manifest.v1+json",
        "digest": "sha256:" + f"{i % 256:02x}" * 32, "size": i}}).encode()


class Runner:
    def __init__(self, store, home, rng):
        self.store, self.rng = store, rng
        self.env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HOME": str(home),
                    "LANG": "C", "AWS_EC2_METADATA_DISABLED": "true"}
        self.env.update(sanitizer_env())
        self.killed = self.finished = 0
        self.max_delay = 0.02

    def run(self, argv, stdin=b"", kill=True):
        """(exit status, stdout) if the process ended by itself, else None (it was killed)."""
        p = subprocess.Popen(argv, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                             stderr=subprocess.PIPE, env=self.env)
        deadline = time.monotonic() + (self.rng.uniform(0, self.max_delay) if kill else 120)
        try:
            p.stdin.write(stdin)
            p.stdin.close()
        except BrokenPipeError:
            pass
        while p.poll() is None and time.monotonic() < deadline:
            time.sleep(0.0005)
        if p.poll() is None:
            p.send_signal(signal.SIGKILL)
            p.wait()
            p.stdout.close()
            p.stderr.close()
            self.killed += 1
            return None
        out = p.stdout.read()
        p.stdout.close()
        p.stderr.close()
        self.finished += 1
        return p.returncode, out

    def signer(self, *args, kill=True):
        return self.run([SIGNER_LOCAL_BIN, "--store", str(self.store), *args], kill=kill)


def _ok_json(r):
    """The parsed output of an operation that reported success, else None."""
    if r is None or r[0] != 0:
        return None
    try:
        return json.loads(r[1]) if r[1].strip() else {}
    except ValueError:
        return None   # a partial output is no report of success


def test_sigkill_at_random_moments(tmp_path):
    seed = int(os.environ.get("SGN_CRASH_SEED", str(random.randrange(1 << 30))))
    rng = random.Random(seed)
    store = tmp_path / "store"
    home = tmp_path / "home"
    home.mkdir()
    run = Runner(store, home, rng)
    db_path = store / "signer.db"

    def put(name):
        r = _ok_json(run.signer("put-signing-profile", "--profile-name", name, "--platform-id",
                                "Notation-OCI-SHA384-ECDSA", kill=False))
        assert r is not None
        return r["profileVersion"]

    put("main")
    f = tmp_path / "payload.json"
    f.write_bytes(_payload(0))
    durations = []
    for _ in range(7):
        t0 = time.monotonic()
        assert _ok_json(run.signer("sign-payload", "--profile-name", "main", "--payload",
                                   f"fileb://{f}", "--payload-format", PAYLOAD_TYPE,
                                   kill=False)) is not None
        durations.append(time.monotonic() - t0)
    run.max_delay = KILL_SPAN * sorted(durations)[3]
    run.killed = run.finished = 0
    # What was reported successful, to find in the store afterwards.
    jobs, revoked_jobs, versions, canceled, revoked_profiles = set(), set(), set(), set(), set()
    spare = 0
    for i in range(OPS):
        if i % 15 == 0:
            # The next signature rotates the leaf (it looks two days old).
            db = sqlite3.connect(str(db_path), timeout=30)
            db.execute("UPDATE certs SET created_at = created_at - 172800 WHERE kind = 'leaf'")
            db.commit()
            db.close()
        op = rng.choice(["plugin", "plugin", "sign", "sign", "revoke", "put", "cancel",
                         "revoke-profile"])
        if op == "plugin":
            req = envelope_request(keyId="arn:aws:signer:local:000000000000:/signing-profiles/main",
                                   payload=base64.b64encode(_payload(i)).decode(),
                                   pluginConfig={"local-store": str(store)})
            r = _ok_json(run.run([PLUGIN_BIN, "generate-envelope"], json.dumps(req).encode()))
            if r is not None:
                jobs.add(r["annotations"][ATTR_JOB].rsplit("/", 1)[1])
        elif op == "sign":
            f = tmp_path / "payload.json"
            f.write_bytes(_payload(i))
            r = _ok_json(run.signer("sign-payload", "--profile-name", "main", "--payload",
                                    f"fileb://{f}", "--payload-format", PAYLOAD_TYPE))
            if r is not None:
                jobs.add(r["jobId"])
        elif op == "revoke" and jobs:
            job = rng.choice(sorted(jobs))
            r = _ok_json(run.signer("revoke-signature", "--job-id", job, "--reason", "crash"))
            if r is not None:
                revoked_jobs.add(job)
        elif op == "put":
            name = f"p{rng.randrange(4)}"
            r = _ok_json(run.signer("put-signing-profile", "--profile-name", name,
                                    "--platform-id", "Notation-OCI-SHA384-ECDSA"))
            if r is not None:
                versions.add((name, r["profileVersion"]))
        elif op in ("cancel", "revoke-profile"):
            spare += 1
            name = f"s{spare}"
            version = put(name)
            if op == "cancel":
                r = _ok_json(run.signer("cancel-signing-profile", "--profile-name", name))
                if r is not None:
                    canceled.add(name)
            else:
                r = _ok_json(run.signer("revoke-signing-profile", "--profile-name", name,
                                        "--profile-version", version, "--effective-time",
                                        str(int(time.time()) - 60), "--reason", "crash"))
                if r is not None:
                    revoked_profiles.add((name, version))
    info = (f"seed {seed}: {OPS} operations (kill delays up to {run.max_delay * 1e3:.1f} ms), "
            f"{run.killed} killed, {run.finished} finished; "
            f"{len(jobs)} jobs, {len(revoked_jobs)} revocations, {len(versions)} versions, "
            f"{len(canceled)} cancellations, {len(revoked_profiles)} profile revocations")
    print(info)
    assert run.killed > OPS // 4 and len(jobs) > OPS // 20, info   # the test tests something

    # The next open (any read-write command) recovers the WAL and removes strays.
    assert _ok_json(run.signer("list-signing-profiles", kill=False)) is not None, info
    db = sqlite3.connect(f"file:{db_path}?mode=ro", uri=True)
    try:
        assert db.execute("PRAGMA integrity_check").fetchall() == [("ok",)], info
        in_store = {r[0] for r in db.execute("SELECT job_id FROM jobs")}
        assert jobs <= in_store, (info, jobs - in_store)
        revoked = {r[0] for r in db.execute(
            "SELECT job_id FROM jobs WHERE revoked_at IS NOT NULL")}
        assert revoked_jobs <= revoked, (info, revoked_jobs - revoked)
        stored_versions = {(r[0], r[1]) for r in db.execute(
            "SELECT name, version FROM profile_versions")}
        assert versions <= stored_versions, (info, versions - stored_versions)
        statuses = dict(db.execute("SELECT name, status FROM profiles"))
        assert all(statuses.get(n) == "Canceled" for n in canceled), info
        assert all(statuses.get(n) == "Revoked" for n, _ in revoked_profiles), info
        key_files = {r[0] for r in db.execute("SELECT key_file FROM certs")}
        rotations = db.execute("SELECT count(*) FROM certs WHERE kind = 'leaf'").fetchone()[0]
    finally:
        db.close()
    on_disk = set(os.listdir(store / "keys"))
    assert on_disk == key_files, (info, sorted(on_disk - key_files), sorted(key_files - on_disk))
    assert rotations > 3, info
