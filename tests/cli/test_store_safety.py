"""Issue 12: signer-local refuses a store somebody else could have swapped (as ssh's StrictModes
refuses ~/.ssh): the store directory or keys/ writable by group or others or owned by another user,
signer.db or a key file owned by another user or a symbolic link, keys/ a symbolic link. The
message names the path, what is wrong and the command that fixes it; the exit status is 255.
Root may use another user's store only with --allow-other-owner or
SIGNER_LOCAL_ALLOW_OTHER_OWNER=1. Ownership cases need root (chown) and are skipped otherwise.

Opening a store read-write also removes stray key files (named like ours, named by no committed
certificate) and temporary files of interrupted writes, and nothing else."""

import json
import os
import shutil
import subprocess
import tempfile
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
BIN = Path(os.environ.get("SGN_SIGNER_LOCAL_BIN", REPO / "build" / "service" / "signer-local"))
IS_ROOT = os.geteuid() == 0
OTHER = 65532
needs_root = pytest.mark.skipif(not IS_ROOT, reason="chown needs root")


def run(store, *args, env=None, as_uid=None):
    e = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HOME": str(store.parent), "LANG": "C"}
    e.update(env or {})
    cmd = [str(BIN), "--store", str(store), *args]
    if as_uid is not None:
        cmd = ["setpriv", "--reuid", str(as_uid), "--regid", str(as_uid), "--clear-groups", *cmd]
    return subprocess.run(cmd, capture_output=True, text=True, env=e, timeout=120)


@pytest.fixture
def store():
    root = Path(tempfile.mkdtemp(prefix="sgn-safety-"))
    os.chmod(root, 0o755)          # outside pytest's 0700 tree: uid 65532 may reach the store
    s = root / "store"
    p = run(s, "put-signing-profile", "--profile-name", "app", "--platform-id",
            "Notation-OCI-SHA384-ECDSA")
    assert p.returncode == 0, p.stderr
    yield s
    for dirpath, dirnames, filenames in os.walk(root):
        os.chmod(dirpath, 0o755)
    shutil.rmtree(root)


def a_key(store):
    return sorted((store / "keys").iterdir())[0]


def to_link(path):
    """Move path beside the store and leave a symbolic link to it in its place."""
    real = path.parent.parent.parent / ("real-" + path.name) if path.parent.name == "keys" \
        else path.parent.parent / ("real-" + path.name)
    shutil.move(str(path), str(real))
    os.symlink(real, path)


def chown_tree(path, uid):
    for dirpath, dirnames, filenames in os.walk(path):
        os.chown(dirpath, uid, uid)
        for f in filenames:
            os.chown(os.path.join(dirpath, f), uid, uid)


# name, tamper(store), expected fragments (formatted with store, keys, db, key), needs root
CASES = [
    ("dir-0777", lambda s: os.chmod(s, 0o777),
     ["{store} is writable by group and others (mode 0777)", "fix: chmod go-w {store}"], False),
    ("dir-0770", lambda s: os.chmod(s, 0o770),
     ["{store} is writable by its group (mode 0770)", "fix: chmod go-w {store}"], False),
    ("keys-0702", lambda s: os.chmod(s / "keys", 0o702),
     ["{keys} is writable by others (mode 0702)", "fix: chmod go-w {keys}"], False),
    ("keys-symlink", lambda s: to_link(s / "keys"),
     ["{keys} is a symbolic link", "replace the link with the directory itself"], False),
    ("db-symlink", lambda s: to_link(s / "signer.db"),
     ["{db} is a symbolic link", "cp --remove-destination"], False),
    ("key-symlink", lambda s: to_link(a_key(s)),
     ["{key} is a symbolic link", "cp --remove-destination"], False),
    ("dir-other-owner", lambda s: chown_tree(s, OTHER),
     ["{store} is owned by uid 65532, not by root (uid 0), who runs this",
      "fix: run as uid 65532", "chown -R 0 {store}", "--allow-other-owner",
      "SIGNER_LOCAL_ALLOW_OTHER_OWNER=1"], True),
    ("db-other-owner", lambda s: os.chown(s / "signer.db", OTHER, OTHER),
     ["{db} is owned by uid 65532, not by root (uid 0)"], True),
    ("key-other-owner", lambda s: os.chown(a_key(s), OTHER, OTHER),
     ["{key} is owned by uid 65532, not by root (uid 0)"], True),
]


@pytest.mark.parametrize("name,tamper,fragments,root_only", CASES, ids=[c[0] for c in CASES])
def test_unsafe_store_refused(store, name, tamper, fragments, root_only):
    if root_only and not IS_ROOT:
        pytest.skip("chown needs root")
    names = {"store": store, "keys": store / "keys", "db": store / "signer.db",
             "key": a_key(store)}
    tamper(store)
    for args in (["list-signing-profiles"],
                 ["revoke-signing-profile", "--profile-name", "app", "--profile-version", "x",
                  "--effective-time", "0", "--reason", "r"]):
        p = run(store, *args)
        assert p.returncode == 255, (args, p)
        assert p.stdout == ""
        assert p.stderr.startswith(f"signer-local: refusing to use the local Signer store "
                                   f"{store}: "), p.stderr
        for f in fragments:
            assert f.format(**names) in p.stderr, (f, p.stderr)


@needs_root
@pytest.mark.parametrize("how", ["flag", "env"])
def test_root_may_use_another_users_store_when_it_says_so(store, how):
    chown_tree(store, OTHER)
    args, env = (["--allow-other-owner"], None) if how == "flag" else \
        ([], {"SIGNER_LOCAL_ALLOW_OTHER_OWNER": "1"})
    p = subprocess.run([str(BIN), *args, "--store", str(store), "list-signing-profiles"],
                       capture_output=True, text=True, timeout=120,
                       env={"PATH": os.environ["PATH"], "HOME": str(store.parent),
                            **(env or {})})
    assert p.returncode == 0, p.stderr
    assert [x["profileName"] for x in json.loads(p.stdout)["profiles"]] == ["app"]
    # Only "1" says so.
    p = run(store, "list-signing-profiles", env={"SIGNER_LOCAL_ALLOW_OTHER_OWNER": "yes"})
    assert p.returncode == 255 and "is owned by uid 65532" in p.stderr, p.stderr


@needs_root
def test_owner_may_use_its_store_and_not_a_root_file_in_it(store):
    """As uid 65532 on its own store: fine. A signer.db root owns but 65532 may write (0666) is
    refused: the open would be read-write, and only the user's own files are trusted for that."""
    if not shutil.which("setpriv"):
        pytest.skip("setpriv (util-linux) not installed")
    chown_tree(store, OTHER)
    p = run(store, "list-signing-profiles", as_uid=OTHER)
    assert p.returncode == 0, p.stderr
    os.chown(store / "signer.db", 0, 0)
    os.chmod(store / "signer.db", 0o666)
    p = run(store, "list-signing-profiles", as_uid=OTHER)
    assert p.returncode == 255, p
    assert (f"{store}/signer.db is owned by uid 0, not by uid 65532, who runs this; fix: chown "
            f"65532 {store}/signer.db (as root), or run as uid 0") in p.stderr, p.stderr


@needs_root
def test_reading_another_users_store(store):
    """uid 65532 reading a store root owns and nobody else may write (0755): read-only, accepted."""
    if not shutil.which("setpriv"):
        pytest.skip("setpriv (util-linux) not installed")
    os.chmod(store, 0o755)
    os.chmod(store / "signer.db", 0o644)
    p = run(store, "list-signing-profiles", as_uid=OTHER)
    assert p.returncode == 0, p.stderr
    p = run(store, "cancel-signing-profile", "--profile-name", "app", as_uid=OTHER)
    assert p.returncode == 255 and "is read-only" in p.stderr, p.stderr


def test_stray_keys_and_temporary_files_removed(store):
    keys = store / "keys"
    kept = {p.name for p in keys.iterdir()}
    stray = ["leaf-AbCdEfGh1234.pem", "ca-000000000000.pem", "leaf-AbCdEfGh1234.pem.tmp0123456789ab",
             "root-zzzzzzzzzzzz.pem.tmpffffffffffff"]
    foreign = ["notes.txt", "leaf-short.pem", "leaf-AbCdEfGh1234.pem.bak",
               "leaf-AbCdEfGh1234.pem.tmp0123"]
    for n in stray + foreign:
        (keys / n).write_text("x")
        os.chmod(keys / n, 0o600)
    p = run(store, "list-signing-profiles")
    assert p.returncode == 0, p.stderr
    assert {p.name for p in keys.iterdir()} == kept | set(foreign)


def test_read_only_open_removes_nothing(store):
    """A store nobody may write (0555) is opened read-only: strays stay (no write lock, no
    unlink), the reading command works."""
    keys = store / "keys"
    (keys / "leaf-AbCdEfGh1234.pem").write_text("x")
    os.chmod(keys / "leaf-AbCdEfGh1234.pem", 0o600)
    os.chmod(store / "signer.db", 0o644)
    os.chmod(keys, 0o555)
    os.chmod(store, 0o555)
    try:
        p = run(store, "list-signing-profiles", as_uid=OTHER if IS_ROOT else None)
        assert p.returncode == 0, p.stderr
        assert (keys / "leaf-AbCdEfGh1234.pem").exists()
    finally:
        os.chmod(store, 0o700)
        os.chmod(keys, 0o700)
