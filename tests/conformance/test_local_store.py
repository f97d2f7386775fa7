"""Issue 7, item 14: a local Signer store that is missing, or that cannot be located because
HOME is not set, is one behaviour and one message. verify-signature: the REVOCATION_CHECK result
fails with a reason (the trusted-identity result is unaffected); generate-envelope: an ERROR. The
message names the plugin's own knobs (pluginConfig local-store, SIGNER_LOCAL_STORE), never
signer-local's flags."""

import pytest

from plugin_helpers import RC, TI, envelope_request, verify_request

LOCAL_PROFILE = "arn:aws:signer:local:000000000000:/signing-profiles/p"
LOCAL_VERSION = LOCAL_PROFILE + "/abcdefghij"
LOCAL_JOB = "arn:aws:signer:local:000000000000:/signing-jobs/97af3947-e7b2-4533-8d9d-6741156f0b79"
GRS_FAILED = "GetRevocationStatus call failed with error: "
SET_STORE = "set pluginConfig local-store or SIGNER_LOCAL_STORE to a local Signer store directory"
NO_HOME = ("no local Signer store: HOME is not set, so there is no default location; "
           + SET_STORE)

# no HOME, and nothing else that could name a store
ENV_NO_HOME = {"HOME": None, "XDG_DATA_HOME": None, "SIGNER_LOCAL_STORE": None}


def missing_at(path, source):
    return f"no local Signer store at {path} ({source}): {SET_STORE}"


def assert_plugin_words(text):
    assert "--store" not in text and "signer-local --" not in text, text
    assert "pluginConfig local-store" in text and "SIGNER_LOCAL_STORE" in text, text


def verify_local(plugin, env=None, config=None):
    req = verify_request(ids=(LOCAL_PROFILE,), profile_version=LOCAL_VERSION, job=LOCAL_JOB,
                         config=config)
    res = plugin.run("verify-signature", stdin=req, env=env).ok()["verificationResults"]
    assert res[TI]["success"] is True, res
    assert res[RC]["success"] is False, res
    assert res[RC]["reason"].startswith(GRS_FAILED), res
    assert_plugin_words(res[RC]["reason"])
    return res[RC]["reason"][len(GRS_FAILED):]


def generate_local(plugin, env=None, config=None):
    req = envelope_request(keyId=LOCAL_PROFILE)
    if config is not None:
        req["pluginConfig"] = config
    msg = plugin.run("generate-envelope", stdin=req, env=env).error("ERROR")
    assert_plugin_words(msg)
    return msg


def test_verify_no_home_no_store(plugin):
    assert verify_local(plugin, env=ENV_NO_HOME) == NO_HOME


def test_verify_home_but_no_store(plugin, home):
    default = home / ".local/share/signer-local"
    assert verify_local(plugin) == missing_at(default, "the default location")
    assert not default.exists()


def test_generate_no_home_no_store(plugin):
    assert generate_local(plugin, env=ENV_NO_HOME) == NO_HOME


def test_generate_home_but_no_store(plugin, home):
    default = home / ".local/share/signer-local"
    assert generate_local(plugin) == missing_at(default, "the default location")
    assert not default.exists()


@pytest.mark.parametrize("command", ["verify", "generate"])
def test_missing_store_named_by_env_or_config(plugin, tmp_path, command):
    run = verify_local if command == "verify" else generate_local
    missing = tmp_path / "no-store"
    assert run(plugin, env={"SIGNER_LOCAL_STORE": str(missing)}) == \
        missing_at(missing, "SIGNER_LOCAL_STORE")
    assert run(plugin, env=ENV_NO_HOME, config={"local-store": str(missing)}) == \
        missing_at(missing, "pluginConfig local-store")
    assert not missing.exists()
