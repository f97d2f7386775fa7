"""Command dispatch, get-plugin-metadata, version, request reading and Go's JSON rules
(research/aws-signer-plugin.md §1, §2, §8 and §9 vectors 1-2)."""

import base64
import json
import os
import stat

import pytest

from plugin_helpers import (MALFORMED, SIGNER_KEY_ID, VERSION, envelope_request, go_json)

INVALID_COMMAND = ("Invalid command, valid commands are: "
                   "<generate-envelope|get-plugin-metadata|verify-signature|version>")
EXPIRY_MSG = ("AWSSigner plugin doesn't support -e (--expiry) argument. "
              "Please use signing profile to set signature expiry.")
METADATA = (
    '{"name":"com.amazonaws.signer.notation.plugin","description":"AWS Signer plugin for Notation",'
    '"version":"' + VERSION + '","url":"https://docs.aws.amazon.com/signer",'
    '"supportedContractVersions":["1.0"],"capabilities":["SIGNATURE_GENERATOR.ENVELOPE",'
    '"SIGNATURE_VERIFIER.TRUSTED_IDENTITY","SIGNATURE_VERIFIER.REVOCATION_CHECK"]}'
).encode()


# --- dispatch ----------------------------------------------------------------------------------

@pytest.mark.parametrize("args", [
    (),
    ("unknown",),
    ("",),
    ("GET-PLUGIN-METADATA",),
    ("get-plugin-metadata", "extra"),
    ("version", "extra"),
    ("describe-key", "x"),
    ("a", "b"),
    ("--help",),
])
def test_invalid_command(plugin, args):
    plugin.run(*args, stdin=b"{}").error("VALIDATION_ERROR", INVALID_COMMAND)


@pytest.mark.parametrize("command, message", [
    ("describe-key", "DescribeKey operation is not supported"),
    ("generate-signature", "GenerateSignature operation is not supported"),
])
@pytest.mark.parametrize("stdin", [b"", b"{}", b"not json", json.dumps({
    "contractVersion": "1.0", "keyId": SIGNER_KEY_ID, "keySpec": "EC-384",
    "hashAlgorithm": "SHA-384", "payload": "e30="}).encode()])
def test_raw_signing_commands_unsupported(plugin, command, message, stdin):
    plugin.run(command, stdin=stdin).error("VALIDATION_ERROR", message)


# --- get-plugin-metadata -----------------------------------------------------------------------

@pytest.mark.parametrize("stdin", [
    b"{}",
    b'{"type":"aws-signer"}',
    b'{"pluginConfig":{"aws-region":"us-east-1","debug":"true"}}',
    b'{"pluginConfig":null}',
    b'{"pluginConfig":{"k":null}}',
    b"null",
    b"nullgarbage",                       # Go's decoder stops after the first value
    b"{} trailing bytes are ignored",
    b'{}{"pluginConfig":5}',
    b" \t\r\n{}\n",
    b'{"unknown":[1,{"a":[true,false,null]},"\\u00e9",-0.5e+10]}',
    b'{"PluginConfig":{}}',
    b'{"a":"' + b"\xff\xfe" + b'"}',      # invalid UTF-8 is accepted (passed through by cJSON)
    b'{"a":' + b"[" * 999 + b"]" * 999 + b"}",  # nesting 1000: cJSON's limit (Go's is 10000)
])
def test_metadata_exact(plugin, stdin):
    res = plugin.run("get-plugin-metadata", stdin=stdin)
    res.ok()
    assert res.out == METADATA


def test_metadata_touches_nothing(plugin, home):
    env = {"AWS_SIGNER_NOTATION_PLUGIN_DEBUG": "true", "XDG_CONFIG_HOME": str(home / "cfg")}
    assert plugin.run("get-plugin-metadata", stdin=b"{}", env=env).out == METADATA
    assert list(home.iterdir()) == []


@pytest.mark.parametrize("stdin", [
    b"",
    b"   \n",
    b"{",
    b'{"a":1',
    b"[]",
    b'"x"',
    b"1",
    b"true",
    b"nul",
    b"{'a':1}",
    b'{"a":.5}',
    b'{"a":1e}',
    b'{"a":+1}',
    b'{"a":-}',
    b'{"a":tru}',
    b'{"a":1,}',
    b'{"a" 1}',
    b'{"a":[1,]}',
    b'{"a":[1 2]}',
    b'{"a":[}',
    b'{a:1}',
    b'{"a":"\x01"}',                      # raw control character
    b'{"a":"\\x41"}',                     # unknown escape
    b'{"a":"\\u12"}',
    b'{"a":"\\ud800"}',                   # a lone surrogate: cJSON refuses it (Go: U+FFFD)
    b'\xef\xbb\xbf{}',                    # a BOM is not whitespace
    b'{"pluginConfig":5}',
    b'{"pluginConfig":"x"}',
    b'{"pluginConfig":[]}',
    b'{"pluginConfig":{"a":1}}',
    b'{"pluginConfig":{"a":true}}',
    b'{"pluginConfig":{"a":{}}}',
    b'{"a":' + b"[" * 1000 + b"]" * 1000 + b"}",  # nesting 1001: over cJSON's limit
    b'{"a":' + b"[" * 10000 + b"]" * 10000 + b"}",  # nesting 10001
])
def test_metadata_malformed(plugin, stdin):
    plugin.run("get-plugin-metadata", stdin=stdin).error("VALIDATION_ERROR", MALFORMED)


def test_request_just_under_64_mib_is_read(plugin):
    big = b'{"unknown":"' + b"x" * (60 * 1024 * 1024) + b'"}'
    res = plugin.run("get-plugin-metadata", stdin=big, timeout=600)
    assert res.out == METADATA and res.err == b"" and res.rc == 0


def test_request_of_exactly_64_mib_is_read(plugin):
    head, tail = b'{"unknown":"', b'"}'
    big = head + b"y" * (64 * 1024 * 1024 - len(head) - len(tail)) + tail
    assert len(big) == 64 * 1024 * 1024
    assert plugin.run("get-plugin-metadata", stdin=big, timeout=600).out == METADATA


@pytest.mark.parametrize("command", ["get-plugin-metadata", "generate-envelope", "verify-signature"])
def test_request_over_64_mib_is_refused(plugin, command):
    big = b'{"unknown":"' + b"z" * (64 * 1024 * 1024) + b'"}'
    msg = plugin.run(command, stdin=big, timeout=600).error("VALIDATION_ERROR")
    assert "64 MiB" in msg


def test_large_payload_is_decoded(plugin):
    # a 45 MiB payload (60 MiB of base64) reaches the plugin's own checks
    req = envelope_request(expiryDurationInSeconds=4)
    req["payload"] = base64.b64encode(os.urandom(45 * 1024 * 1024)).decode()
    plugin.run("generate-envelope", stdin=req, timeout=600).error("VALIDATION_ERROR", EXPIRY_MSG)


# --- version -----------------------------------------------------------------------------------

@pytest.mark.parametrize("stdin", [b"", b"not json"])
def test_version(plugin, stdin):
    res = plugin.run("version", stdin=stdin)
    assert res.rc == 0 and res.err == b""
    assert res.out == ("com.amazonaws.signer.notation.plugin - AWS Signer plugin for Notation\n"
                       "Version: " + VERSION + "\n").encode()


# --- Go's encoding/json rules, observed through generate-envelope ------------------------------
# expiryDurationInSeconds != 0 is the plugin's first check, so reaching its message proves that the
# request decoded; "Input is not a valid JSON" proves that it did not.

def raw_envelope_request(fields):
    """A request written by hand: fields is a list of (json key text, json value text)."""
    base = [('"contractVersion"', '"1.0"'), ('"keyId"', json.dumps(SIGNER_KEY_ID)),
            ('"payloadType"', '"application/vnd.cncf.notary.payload.v1+json"'),
            ('"signatureEnvelopeType"', '"application/jose+json"'), ('"payload"', '"e30="')]
    return ("{" + ",".join(f"{k}:{v}" for k, v in base + fields) + "}").encode()


@pytest.mark.parametrize("fields", [
    [('"expiryDurationInSeconds"', "4")],
    [('"EXPIRYDURATIONINSECONDS"', "4")],
    [('"expiryDurationInSeconds"', "18446744073709551615")],
    [('"expiryDurationInSeconds"', "0"), ('"expiryDurationInSeconds"', "4")],  # last wins
    [('"expiryDurationInSeconds"', "4"), ('"expiryDurationInSeconds"', "null")],  # null: unchanged
    [('"expiryDurationInSeconds"', "4"), ('"payload"', "[123,125]")],  # []byte from numbers
    [('"expiryDurationInSeconds"', "4"), ('"payload"', '"e3\\n0="')],  # newlines are skipped
    [('"expiryDurationInSeconds"', "4"), ('"payload"', '"\\u0065\\u0033\\u0030\\u003d"')],
    [('"expiryDurationInSeconds"', "4"), ('"pluginConfig"', '{"unknown":"x","local":null}')],
    [('"expiryDurationInSeconds"', "4"), ('"unknown"', '{"deep":[1,2,{"x":1e999}]}')],
    [('"\\u0065xpiryDurationInSeconds"', "4")],             # escapes in keys
    [('"\\u212a"', "1"), ('"expiryDurationInSeconds"', "4")],  # unknown key
])
def test_go_decoding_accepts(plugin, fields):
    plugin.run("generate-envelope", stdin=raw_envelope_request(fields)).error(
        "VALIDATION_ERROR", EXPIRY_MSG)


@pytest.mark.parametrize("fields", [
    [('"expiryDurationInSeconds"', "-1")],
    [('"expiryDurationInSeconds"', "1.5")],
    [('"expiryDurationInSeconds"', '"4"')],
    [('"expiryDurationInSeconds"', "true")],
    [('"keyId"', "5")],
    [('"keyId"', "[]")],
    [('"keyId"', "{}")],
    [('"keyId"', "true")],
    [('"contractVersion"', "1.0")],
    [('"payload"', "5")],
    [('"payload"', '"not base64!"')],
    [('"payload"', '"e30"')],          # missing padding
    [('"payload"', '"e3=0"')],
    [('"payload"', "[256]")],
    [('"payload"', "[-1]")],
    [('"payload"', "[1.5]")],
    [('"payload"', '["a"]')],
    [('"payload"', "{}")],
    [('"pluginConfig"', '{"aws-region":5}')],
    [('"expiryDurationInSeconds"', "-1"), ('"expiryDurationInSeconds"', "4")],  # any bad value fails
])
def test_go_decoding_rejects(plugin, fields):
    plugin.run("generate-envelope", stdin=raw_envelope_request(fields)).error(
        "VALIDATION_ERROR", MALFORMED)


@pytest.mark.parametrize("key_json, shown", [
    ('"\\ud83c\\udf7a"', "\U0001f37a"),        # a surrogate pair
    ('"<&>"', "<&>"),                          # HTML characters, escaped by Go's encoder
    ('"a\\u2028b"', "a\u2028b"),
    ('"tab\\there"', "tab\there"),
])
def test_strings_decode_and_encode_like_go(plugin, key_json, shown):
    body = raw_envelope_request([('"keyId"', key_json)])
    plugin.run("generate-envelope", stdin=body).error(
        "VALIDATION_ERROR",
        shown + " is not a valid AWS Signer signing profile or signing profile version ARN.")


@pytest.mark.parametrize("key_json", [
    '"\\u0000x"',                             # cJSON strings cannot hold NUL (Go keeps it)
    '"a\\ud800b"',                            # cJSON refuses a lone surrogate (Go: U+FFFD)
])
def test_strings_cjson_cannot_decode_are_refused(plugin, key_json):
    body = raw_envelope_request([('"keyId"', key_json)])
    plugin.run("generate-envelope", stdin=body).error("VALIDATION_ERROR", MALFORMED)


@pytest.mark.parametrize("value, ok", [
    ('"a\\\\u0000"', True),       # an escaped backslash, then "u0000": no NUL
    ('"a\\\\\\u0000"', False),    # an escaped backslash, then a NUL escape
    ('"a\\"\\u0000"', False),     # an escaped quote, then a NUL escape
    ('"a\x00"', False),            # a raw NUL (a control character for Go's scanner)
])
def test_nul_is_found_in_any_string(plugin, value, ok):
    res = plugin.run("generate-envelope", stdin=raw_envelope_request(
        [('"unknown"', value), ('"expiryDurationInSeconds"', "4")]))
    res.error("VALIDATION_ERROR", EXPIRY_MSG if ok else MALFORMED)


def test_invalid_utf8_becomes_replacement_character(plugin):
    # cJSON passes the invalid byte through and the error encoder writes it as "\ufffd" (Go
    # replaces it while decoding and writes U+FFFD raw): the same JSON string, other bytes
    body = (b'{"contractVersion":"1.0","keyId":"a\xffb","payloadType":"t",'
            b'"signatureEnvelopeType":"application/jose+json","payload":"e30="}')
    res = plugin.run("generate-envelope", stdin=body)
    assert res.rc == 1 and res.out == b""
    assert json.loads(res.err) == {
        "errorCode": "VALIDATION_ERROR",
        "errorMessage": "a\ufffdb is not a valid AWS Signer signing profile or signing profile "
                        "version ARN."}


def test_error_json_is_byte_exact(plugin):
    res = plugin.run("generate-envelope", stdin=b"")
    assert res.err == b'{"errorCode":"VALIDATION_ERROR","errorMessage":"Input is not a valid JSON"}'
    assert go_json({"errorCode": "VALIDATION_ERROR", "errorMessage": MALFORMED}) == res.err


# --- debug log ---------------------------------------------------------------------------------

DASHES = "-" * 89


def debug_env(home, value="true", **extra):
    env = {"AWS_SIGNER_NOTATION_PLUGIN_DEBUG": value, "XDG_CONFIG_HOME": str(home / "cfg")}
    env.update(extra)
    return env


def test_debug_log_written(plugin, home):
    marker = b"PAYLOAD-MARKER-" + b"q" * 16
    req = envelope_request(expiryDurationInSeconds=4,
                           payload=base64.b64encode(marker).decode())
    plugin.run("generate-envelope", stdin=req, env=debug_env(home)).error("VALIDATION_ERROR",
                                                                            EXPIRY_MSG)
    log_dir = home / "cfg" / "notation-aws-signer"
    log = log_dir / "plugin.log"
    assert stat.S_IMODE(log_dir.stat().st_mode) == 0o700
    assert stat.S_IMODE(log.stat().st_mode) == 0o600
    lines = log.read_text().splitlines()
    assert lines[0].endswith(" [DEBUG] " + DASHES)
    assert lines[1].endswith(" [DEBUG] Logs from execution of AWS signer plugin version: " + VERSION)
    for line in lines:
        when, level, _ = line.split(" ", 2)
        assert level == "[DEBUG]"
        assert len(when) >= 20 and when[4] == "-" and when[10] == "T"
    text = log.read_text()
    assert "PAYLOAD-MARKER" not in text and req["payload"] not in text
    # a second run appends
    plugin.run("generate-envelope", stdin=req, env=debug_env(home))
    assert log.read_text().count(DASHES) == 2


def test_debug_log_under_home_config(plugin, home):
    env = {"AWS_SIGNER_NOTATION_PLUGIN_DEBUG": "true"}
    plugin.run("generate-envelope", stdin=b"{}", env=env).error("VALIDATION_ERROR")
    assert (home / ".config" / "notation-aws-signer" / "plugin.log").exists()


@pytest.mark.parametrize("value", ["TRUE", "1", "yes", "", "true "])
def test_debug_log_needs_exactly_true(plugin, home, value):
    plugin.run("generate-envelope", stdin=b"{}", env=debug_env(home, value)).error(
        "VALIDATION_ERROR")
    assert not (home / "cfg").exists()


def test_debug_log_unavailable_is_not_fatal(plugin, home):
    blocker = home / "cfg"
    blocker.write_text("a file where the config directory should be")
    res = plugin.run("generate-envelope", stdin=envelope_request(expiryDurationInSeconds=4),
                     env=debug_env(home))
    res.error("VALIDATION_ERROR", EXPIRY_MSG)
    rel = plugin.run("generate-envelope", stdin=envelope_request(expiryDurationInSeconds=4),
                     env={"AWS_SIGNER_NOTATION_PLUGIN_DEBUG": "true", "XDG_CONFIG_HOME": "relative"})
    rel.error("VALIDATION_ERROR", EXPIRY_MSG)


def test_libcurl_is_not_loaded_at_start_up():
    """libcurl and its ~30 dependencies are loaded only when a request is sent (dlopen), so
    get-plugin-metadata and offline verifies do not pay for them (core/aws/curl_lazy.h)."""
    import shutil
    import subprocess
    from plugin_helpers import PLUGIN_BIN
    if shutil.which("ldd") is None:
        pytest.fail("ldd is needed for this check")
    out = subprocess.run(["ldd", PLUGIN_BIN], capture_output=True, text=True).stdout
    assert "libcurl" not in out, out
