"""Issue 12: the plugin refuses a local Signer store somebody else could have swapped, with the
store's message (path, what is wrong, the fix). generate-envelope (a read-write open): exit 1 and
{"errorCode":"ERROR","errorMessage":...}. verify-signature (a read-only open): the
REVOCATION_CHECK fails with that reason, the trusted-identity result stands; a read-only open also
accepts a store owned by another user when nobody else may write it (test_readonly_store.py).
Ownership cases need root (chown) and are skipped otherwise."""

import base64
import os
import shutil

import pytest

from plugin_helpers import (ATTR_JOB, RC, TI, envelope_request, verify_request_from_jws)

IS_ROOT = os.geteuid() == 0
OTHER = 65532
PROFILE = "arn:aws:signer:local:000000000000:/signing-profiles/NotationProfile"
GRS_FAILED = "GetRevocationStatus call failed with error: "


def a_key(store):
    return sorted((store / "keys").iterdir())[0]


def to_link(path, outside):
    real = outside / ("real-" + path.name)
    shutil.move(str(path), str(real))
    os.symlink(real, path)


# name, tamper(store, outside), message fragments, refused for reading too, needs root
CASES = [
    ("dir-0777", lambda s, o: os.chmod(s, 0o777),
     ["{store} is writable by group and others (mode 0777)", "fix: chmod go-w {store}"], True,
     False),
    ("keys-0720", lambda s, o: os.chmod(s / "keys", 0o720),
     ["{keys} is writable by its group (mode 0720)", "fix: chmod go-w {keys}"], True, False),
    ("keys-symlink", lambda s, o: to_link(s / "keys", o), ["{keys} is a symbolic link"], True,
     False),
    ("db-symlink", lambda s, o: to_link(s / "signer.db", o), ["{db} is a symbolic link"], True,
     False),
    ("key-symlink", lambda s, o: to_link(a_key(s), o), ["{key} is a symbolic link"], True, False),
    ("dir-other-owner", lambda s, o: [os.chown(p, OTHER, OTHER) for p in
                                      [s, s / "keys", s / "signer.db", *(s / "keys").iterdir()]],
     ["{store} is owned by uid 65532, not by root (uid 0), who runs this",
      "SIGNER_LOCAL_ALLOW_OTHER_OWNER=1"], False, True),
    ("db-other-owner", lambda s, o: os.chown(s / "signer.db", OTHER, OTHER),
     ["{db} is owned by uid 65532"], True, True),
    ("key-other-owner", lambda s, o: os.chown(a_key(s), OTHER, OTHER),
     ["{key} is owned by uid 65532"], True, True),
]


@pytest.fixture
def signed(plugin, signer_local, store):
    """A store with a profile and one signature made through the plugin."""
    signer_local.put_profile()
    resp = plugin.run("generate-envelope", stdin=envelope_request(
        keyId=PROFILE, pluginConfig={"local-store": str(store)})).ok()
    return base64.b64decode(resp["signatureEnvelope"]), resp["annotations"][ATTR_JOB]


@pytest.mark.parametrize("name,tamper,fragments,refused_reading,root_only", CASES,
                         ids=[c[0] for c in CASES])
def test_unsafe_store(plugin, store, tmp_path, signed, name, tamper, fragments, refused_reading,
                      root_only):
    if root_only and not IS_ROOT:
        pytest.skip("chown needs root")
    names = {"store": store, "keys": store / "keys", "db": store / "signer.db",
             "key": a_key(store)}
    expected = [f.format(**names) for f in fragments]
    tamper(store, tmp_path)
    config = {"local-store": str(store)}

    msg = plugin.run("generate-envelope",
                     stdin=envelope_request(keyId=PROFILE, pluginConfig=config)).error("ERROR")
    assert msg.startswith(f"refusing to use the local Signer store {store}: "), msg
    for e in expected:
        assert e in msg, (e, msg)

    envelope, _ = signed
    res = plugin.run("verify-signature", stdin=verify_request_from_jws(
        envelope, [PROFILE], config=config)).ok()["verificationResults"]
    assert res[TI]["success"] is True, res
    if refused_reading:
        assert res[RC]["success"] is False, res
        assert res[RC]["reason"].startswith(GRS_FAILED + "refusing to use the local Signer "
                                            f"store {store}: "), res
        for e in expected:
            assert e in res[RC]["reason"], (e, res)
    else:
        # Reading a store another user owns, which nobody else may write: accepted.
        assert res[RC] == {"success": True, "reason": "Signature is not revoked."}, res
