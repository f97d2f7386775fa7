"""verify-signature with REVOCATION_CHECK against a local Signer store that cannot be written: a
Kubernetes read-only volume or readOnlyRootFilesystem, run as a non-root uid (65532, distroless's
"nonroot"). The store is read from its committed state, including commits still in the WAL (with or
without the -shm file); signer-local's writing commands on such a store fail with exit 255 and a
message that says why.

Three ways of being read-only: "chmod" (directory 0555, files 0444, owned by us: as root, a store
another user owns), "mount" (a real read-only bind mount in a private mount namespace: `unshare -m`,
`mount --bind`, `mount -o remount,ro,bind`, over a store the reader owns, 0700/0600, so that only
the mount stops it) and "mount-other" (the Kubernetes case: a volume root made, 0755/0644, mounted
read-only and read by uid 65532). The store's safety rules (sgn_authority_open) accept another
owner for reading when nobody else may write the store; a store writable by group or others is
refused even on a read-only mount (test_world_writable_store_refused). As root, the plugin and
signer-local run as uid/gid 65532 through `setpriv --reuid 65532 --regid 65532 --clear-groups`;
the mount variants need root and a permitted `unshare -m`, and are skipped otherwise."""

import base64
import json
import os
import shutil
import sqlite3
import subprocess
import tempfile

import pytest

from plugin_helpers import (ATTR_JOB, PLUGIN_BIN, RC, SIGNER_LOCAL_BIN, TI, SignerLocal,
                            envelope_request, sanitizer_env, verify_request_from_jws)

NONROOT = 65532
IS_ROOT = os.geteuid() == 0
LAYOUTS = ("checkpointed", "wal", "wal-no-shm")


def _unshare_works():
    if not IS_ROOT or not shutil.which("unshare"):
        return False
    try:
        return subprocess.run(["unshare", "-m", "true"], capture_output=True,
                              timeout=30).returncode == 0
    except OSError:
        return False


UNSHARE = _unshare_works()


def as_reader(argv):
    """argv run as the non-root reader (uid 65532 when we are root, else ourselves)."""
    if not IS_ROOT:
        return list(argv)
    if not shutil.which("setpriv"):
        pytest.skip("setpriv (util-linux) not installed")
    return ["setpriv", "--reuid", str(NONROOT), "--regid", str(NONROOT), "--clear-groups", *argv]


def in_ro_mount(src, dst, argv):
    """argv run in a private mount namespace where dst is a read-only bind mount of src."""
    script = 'mount --bind "$1" "$2" && mount -o remount,ro,bind "$2" && shift 2 && exec "$@"'
    return ["unshare", "-m", "sh", "-c", script, "sh", str(src), str(dst), *argv]


class ReadOnlyStore:
    """A copy of a store made read-only; run() executes a command that sees it at self.path."""

    def __init__(self, root, mode):
        self.root = root            # 0755 directory outside pytest's 0700 tmp tree
        self.mode = mode
        self.src = os.path.join(root, "store")
        self.mnt = os.path.join(root, "mnt")
        self.mounted = mode.startswith("mount")
        self.path = self.mnt if self.mounted else self.src

    def run(self, argv, stdin=b"", reader=True):
        cmd = as_reader(argv) if reader else list(argv)
        if self.mounted:
            cmd = in_ro_mount(self.src, self.mnt, cmd)
        env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HOME": self.root, "LANG": "C",
               "AWS_EC2_METADATA_DISABLED": "true"}
        env.update(sanitizer_env())
        return subprocess.run(cmd, input=stdin, capture_output=True, env=env, cwd=self.root,
                              timeout=120)

    def verify(self, request):
        p = self.run([PLUGIN_BIN, "verify-signature"], stdin=json.dumps(request).encode())
        assert p.returncode == 0, (p.returncode, p.stdout, p.stderr)
        assert p.stderr == b""
        return json.loads(p.stdout)


def _copy_store(src_store, dst, layout):
    """Copy signer.db (and, for the WAL layouts, -wal and -shm) while another connection holds
    an old snapshot, so that the last commit (the revocation) lives in the WAL only."""
    os.makedirs(dst)
    shutil.copytree(src_store / "keys", os.path.join(dst, "keys"))
    names = ["signer.db"] + (["signer.db-wal"] if layout != "checkpointed" else []) + \
        (["signer.db-shm"] if layout == "wal" else [])
    for name in names:
        shutil.copyfile(src_store / name, os.path.join(dst, name))


def _revoked_in_db_file(store_dir, job_id):
    """The revocation as signer.db alone records it (immutable=1 ignores the WAL)."""
    db = sqlite3.connect(f"file:{store_dir}/signer.db?immutable=1", uri=True)
    try:
        row = db.execute("SELECT revoked_at IS NOT NULL FROM jobs WHERE job_id = ?",
                         (job_id,)).fetchone()
    finally:
        db.close()
    return bool(row[0])


def _make_readonly(store_dir, mode):
    """chmod: directories 0555, files 0444, left to us (root: another user for the reader).
    mount: the reader owns the store, 0700/0600: only the read-only mount stops it.
    mount-other: 0755/0644, left to us: a volume root made, read-only for everybody.
    world-writable: 0777/0666 (refused, read-only mount or not)."""
    dmode, fmode = {"chmod": (0o555, 0o444), "mount": (0o700, 0o600),
                    "mount-other": (0o755, 0o644), "world-writable": (0o777, 0o666)}[mode]
    owner = NONROOT if mode == "mount" and IS_ROOT else None
    for dirpath, dirnames, filenames in os.walk(store_dir):
        for f in filenames:
            os.chmod(os.path.join(dirpath, f), fmode)
            if owner is not None:
                os.chown(os.path.join(dirpath, f), owner, owner)
    for dirpath, dirnames, filenames in os.walk(store_dir, topdown=False):
        os.chmod(dirpath, dmode)
        if owner is not None:
            os.chown(dirpath, owner, owner)


def _ro_store(mode, layout, plugin, signer_local, store):
    if mode != "chmod" and not UNSHARE:
        pytest.skip("needs root and a permitted `unshare -m` for a read-only bind mount")
    profile = signer_local.put_profile()
    envelopes = []
    for _ in range(2):
        req = envelope_request(
            keyId="arn:aws:signer:local:000000000000:/signing-profiles/NotationProfile",
            pluginConfig={"local-store": str(store)})
        resp = plugin.run("generate-envelope", stdin=req).ok()
        envelopes.append((base64.b64decode(resp["signatureEnvelope"]), resp["annotations"]))
    revoked_job = envelopes[0][1][ATTR_JOB].rsplit("/", 1)[1]
    assert not (store / "signer.db-wal").exists()   # every command closed: signer.db is complete

    root = tempfile.mkdtemp(prefix="sgn-ro-")
    os.chmod(root, 0o755)
    ro = ReadOnlyStore(root, mode)
    os.makedirs(ro.mnt)
    reader = None
    if layout != "checkpointed":
        reader = sqlite3.connect(str(store / "signer.db"), isolation_level=None)
        reader.execute("BEGIN")
        reader.execute("SELECT count(*) FROM jobs").fetchall()   # an old snapshot, held
    signer_local.run("revoke-signature", "--job-id", revoked_job, "--reason", "compromised build")
    try:
        _copy_store(store, ro.src, layout)
    finally:
        if reader is not None:
            reader.rollback()
            reader.close()
    # Where the revocation lives: only in the WAL for the WAL layouts.
    assert _revoked_in_db_file(ro.src, revoked_job) == (layout == "checkpointed")
    _make_readonly(ro.src, mode)
    return ro, profile, envelopes, layout


def _remove(ro):
    for dirpath, dirnames, filenames in os.walk(ro.root):
        os.chmod(dirpath, 0o755)
    shutil.rmtree(ro.root)


@pytest.fixture(params=[(m, lay) for m in ("chmod", "mount", "mount-other") for lay in LAYOUTS],
                ids=lambda p: f"{p[0]}-{p[1]}")
def ro_store(request, plugin, signer_local, store):
    ro = _ro_store(*request.param, plugin, signer_local, store)
    yield ro
    _remove(ro[0])


def test_verify_against_readonly_store(ro_store):
    ro, profile, envelopes, layout = ro_store
    (revoked_env, revoked_ann), (kept_env, _) = envelopes
    config = {"local-store": ro.path}

    resp = ro.verify(verify_request_from_jws(kept_env, [profile["arn"]], config=config))
    assert resp["verificationResults"][RC] == {"success": True,
                                               "reason": "Signature is not revoked."}
    assert resp["verificationResults"][TI]["success"] is True

    resp = ro.verify(verify_request_from_jws(revoked_env, [profile["arn"]], config=config))
    assert resp["verificationResults"][RC] == {
        "success": False, "reason": f"Resource(s) {revoked_ann[ATTR_JOB]} have been revoked."}
    assert resp["verificationResults"][TI]["success"] is True

    # Nothing was written: the files are those that were copied in.
    expected = {"signer.db", "keys"} | ({"signer.db-wal"} if layout != "checkpointed" else set()) \
        | ({"signer.db-shm"} if layout == "wal" else set())
    assert set(os.listdir(ro.src)) == expected


def test_signer_local_on_readonly_store(ro_store):
    ro, profile, envelopes, layout = ro_store
    kept_job = envelopes[1][1][ATTR_JOB].rsplit("/", 1)[1]
    sl = [SIGNER_LOCAL_BIN, "--store", ro.path]
    # the kernel checks the mode bits first: the mount is the reason only when they allow it
    why = "Read-only file system" if ro.mode == "mount" else "Permission denied"

    p = ro.run([*sl, "list-signing-profiles"])
    assert p.returncode == 0, p.stderr
    assert [x["profileName"] for x in json.loads(p.stdout)["profiles"]] == ["NotationProfile"]
    p = ro.run([*sl, "list-signing-jobs", "--is-revoked"])
    assert p.returncode == 0, p.stderr
    assert len(json.loads(p.stdout)["jobs"]) == 1

    writes = [["revoke-signature", "--job-id", kept_job, "--reason", "x"],
              ["put-signing-profile", "--profile-name", "Other",
               "--platform-id", "Notation-OCI-SHA384-ECDSA"],
              ["cancel-signing-profile", "--profile-name", "NotationProfile"]]
    for args in writes:
        p = ro.run([*sl, *args])
        err = p.stderr.decode()
        assert p.returncode == 255, (args, p.returncode, err)
        assert p.stdout == b""
        assert f"the local Signer store {ro.path} is read-only" in err, err
        assert why in err, err
    if ro.mounted:
        # On a read-only mount even root cannot write: the same refusal, not a crash.
        p = ro.run([*sl, *writes[0]], reader=False)
        assert p.returncode == 255 and b"Read-only file system" in p.stderr, p.stderr
    # The refused revocation changed nothing.
    p = ro.run([*sl, "list-signing-jobs", "--is-revoked"])
    assert p.returncode == 0 and len(json.loads(p.stdout)["jobs"]) == 1


@pytest.mark.parametrize("mounted", [False, True], ids=["chmod", "mount"])
def test_world_writable_store_refused(mounted, plugin, signer_local, store):
    """A store anybody may write is refused for reading too, read-only mount or not: whoever may
    write it could have replaced signer.db so that a revoked signature verifies as not revoked.
    The reader (uid 65532) gets the REVOCATION_CHECK failure with the path and the fix;
    signer-local exits 255 with the same message."""
    ro, profile, envelopes, _ = _ro_store("mount" if mounted else "chmod", "checkpointed",
                                          plugin, signer_local, store)
    try:
        _make_readonly(ro.src, "world-writable")
        kept_env = envelopes[1][0]
        resp = ro.verify(verify_request_from_jws(kept_env, [profile["arn"]],
                                                 config={"local-store": ro.path}))
        rc = resp["verificationResults"][RC]
        assert rc["success"] is False, rc
        assert (f"refusing to use the local Signer store {ro.path}: {ro.path} is writable by "
                f"group and others (mode 0777)") in rc["reason"], rc
        assert f"fix: chmod go-w {ro.path}" in rc["reason"], rc
        assert resp["verificationResults"][TI]["success"] is True
        p = ro.run([SIGNER_LOCAL_BIN, "--store", ro.path, "list-signing-profiles"])
        assert p.returncode == 255 and p.stdout == b"", p
        assert f"{ro.path} is writable by group and others" in p.stderr.decode(), p.stderr
    finally:
        _remove(ro)
