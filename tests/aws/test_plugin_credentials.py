"""Issue 3, case 1: every credential source alone and in precedence, the plugin pointed at the fake
Signer. Each test asserts which access key signed the SignPayload request (the fake verifies the
SigV4 signature and records the key id), and each failure names its source."""

import base64
import json
import os
import re
import shutil
import socket
import subprocess
import sys
import time

import pytest

from .helpers import (ACCOUNT, PAYLOAD, PROFILE_ARN, STATIC_KEYS, env_keys, key_id,
                      profile_lines)

ROLE_ARN = f"arn:aws:iam::{ACCOUNT}:role/notation-signer"


def signed_ok(aws, fake_signer, env=None, **config):
    """generate-envelope succeeds; returns the access key id that signed the one SignPayload."""
    aws.generate(env=env, **config).ok()
    seen = fake_signer.seen("SignPayload")
    assert len(seen) == 1, [(r.status, r.access_key) for r in seen]
    assert seen[0].auth_ok, (seen[0].auth_error, seen[0].headers)
    return seen[0].access_key


def fails(aws, fake_signer, env=None, **config):
    """generate-envelope fails before any SignPayload; returns the error message."""
    body = aws.generate(env=env, **config).error()
    assert body["errorCode"] in ("ERROR", "ACCESS_DENIED", "VALIDATION_ERROR", "TIMEOUT"), body
    assert fake_signer.seen("SignPayload") == [], "no SignPayload without credentials"
    return body["errorMessage"]


def closed_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


# --- each source alone -----------------------------------------------------------------------

def test_environment_keys(aws, fake_signer):
    assert signed_ok(aws, fake_signer, env_keys("env")) == key_id("env")
    assert fake_signer.seen()[0].header("X-Amz-Security-Token") is None


def test_environment_keys_with_session_token(aws, fake_signer):
    assert signed_ok(aws, fake_signer, env_keys("env_token")) == key_id("env_token")
    rec = fake_signer.seen()[0]
    assert rec.header("X-Amz-Security-Token") == STATIC_KEYS["env_token"][2]


def test_credentials_file_default_profile(aws, fake_signer):
    aws.write_credentials("[default]\n" + profile_lines("default_profile"))
    assert signed_ok(aws, fake_signer) == key_id("default_profile")


def test_credentials_file_profile_from_aws_profile(aws, fake_signer):
    aws.write_credentials("[default]\n" + profile_lines("default_profile")
                          + "\n[dev]\n" + profile_lines("named_profile"))
    assert signed_ok(aws, fake_signer, {"AWS_PROFILE": "dev"}) == key_id("named_profile")


def test_credentials_file_profile_from_plugin_config(aws, fake_signer):
    aws.write_credentials("[default]\n" + profile_lines("default_profile")
                          + "\n[dev]\n" + profile_lines("named_profile"))
    assert signed_ok(aws, fake_signer, aws_profile="dev") == key_id("named_profile")


def test_config_file_static_keys(aws, fake_signer):
    aws.write_config("[profile cfg]\nregion = us-east-1\n" + profile_lines("config_static"))
    assert signed_ok(aws, fake_signer, {"AWS_PROFILE": "cfg"}) == key_id("config_static")


def test_credentials_file_beats_config_file_for_the_same_profile(aws, fake_signer):
    aws.write_config("[default]\n" + profile_lines("config_static"))
    aws.write_credentials("[default]\n" + profile_lines("default_profile"))
    assert signed_ok(aws, fake_signer) == key_id("default_profile")


def write_process(tmp_path, body):
    script = tmp_path / "cred-proc.sh"
    script.write_text("#!/bin/sh\n" + body)
    script.chmod(0o755)
    return script


def test_credential_process(aws, fake_signer, tmp_path):
    akid, secret, token = STATIC_KEYS["process"]
    out = json.dumps({"Version": 1, "AccessKeyId": akid, "SecretAccessKey": secret,
                      "SessionToken": token, "Expiration": "2999-01-01T00:00:00Z"})
    script = write_process(tmp_path, f"[ \"$1\" = --flag ] || exit 3\ncat <<'EOF'\n{out}\nEOF\n")
    aws.write_config(f"[default]\ncredential_process = {script} --flag\n")
    assert signed_ok(aws, fake_signer) == akid


def test_assume_role_with_source_profile(aws, fake_signer, fake_sts):
    aws.write_config(f"[profile signer]\nrole_arn = {ROLE_ARN}\nsource_profile = base\n")
    aws.write_credentials("[base]\n" + profile_lines("source"))
    used = signed_ok(aws, fake_signer, {"AWS_PROFILE": "signer", "AWS_ENDPOINT_URL_STS": fake_sts.url})
    calls = fake_sts.seen("AssumeRole")
    assert len(calls) == 1 and calls[0].auth_ok, [(c.status, c.auth_error) for c in calls]
    assert calls[0].access_key == key_id("source")
    action, role, _, issued = fake_sts.issued[0]
    assert (action, role) == ("AssumeRole", ROLE_ARN)
    assert used == issued.access_key


def web_identity_env(tmp_path, fake_sts, token="eyJhbGciOiJSUzI1NiJ9.irsa.sig"):
    fake_sts.web_identity_token = token
    tok = tmp_path / "irsa-token"
    tok.write_text(token)
    return {"AWS_ROLE_ARN": ROLE_ARN, "AWS_WEB_IDENTITY_TOKEN_FILE": str(tok),
            "AWS_ROLE_SESSION_NAME": "notation-pod", "AWS_ENDPOINT_URL_STS": fake_sts.url}


def test_web_identity_from_environment(aws, fake_signer, fake_sts, tmp_path):
    used = signed_ok(aws, fake_signer, web_identity_env(tmp_path, fake_sts))
    calls = fake_sts.seen("AssumeRoleWithWebIdentity")
    assert len(calls) == 1 and calls[0].status == 200
    assert calls[0].header("Authorization") is None
    action, role, session, issued = fake_sts.issued[0]
    assert (action, role, session) == ("AssumeRoleWithWebIdentity", ROLE_ARN, "notation-pod")
    assert used == issued.access_key


def container_env(tmp_path, fake_container, token=None):
    tok = tmp_path / "eks-pod-identity-token"
    tok.write_text(token if token is not None else fake_container.token)
    return {"AWS_CONTAINER_CREDENTIALS_FULL_URI": fake_container.url + "/v1/credentials",
            "AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE": str(tok)}


def test_container_credentials_full_uri_with_token_file(aws, fake_signer, fake_container, tmp_path):
    used = signed_ok(aws, fake_signer, container_env(tmp_path, fake_container))
    assert used == fake_container.key.access_key
    assert fake_container.seen()[0].header("Authorization") == fake_container.token


def test_container_credentials_token_from_environment(aws, fake_signer, fake_container):
    env = {"AWS_CONTAINER_CREDENTIALS_FULL_URI": fake_container.url + "/v1/credentials",
           "AWS_CONTAINER_AUTHORIZATION_TOKEN": fake_container.token}
    assert signed_ok(aws, fake_signer, env) == fake_container.key.access_key


def _netns_available():
    if not shutil.which("unshare") or not shutil.which("ip"):
        return "unshare or ip (iproute2) is not installed"
    p = subprocess.run(["unshare", "-n", "ip", "addr", "add", "169.254.170.23/32", "dev", "lo"],
                       capture_output=True, text=True)
    if p.returncode != 0:
        return ("cannot create a private network namespace with 169.254.170.23 on its loopback "
                f"(unshare -n ... ip addr add: {p.stderr.strip() or p.returncode}); needs root "
                "or CAP_SYS_ADMIN + CAP_NET_ADMIN")
    return None


def test_eks_pod_identity_at_its_real_address(plugin_bin, local, tmp_path):
    """The plugin reaches http://169.254.170.23/v1/credentials, served by the fake agent inside a
    private network namespace (nothing leaves it)."""
    why = _netns_available()
    if why:
        pytest.skip(why)
    work = tmp_path / "netns"
    work.mkdir()
    tests_dir = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    env = dict(os.environ, PYTHONPATH=tests_dir + os.pathsep + os.environ.get("PYTHONPATH", ""))
    p = subprocess.run(["unshare", "-n", sys.executable, "-m", "aws.fakes.podidentity",
                        "--plugin", plugin_bin, "--signer-local", local.binary, "--store", local.store,
                        "--workdir", str(work), "--profile-arn", PROFILE_ARN,
                        "--payload", base64.b64encode(PAYLOAD).decode()],
                       capture_output=True, text=True, env=env, timeout=120, cwd=tests_dir)
    assert p.returncode == 0, p.stderr
    res = json.loads(p.stdout.strip().splitlines()[-1])
    if "setup_error" in res:
        pytest.skip(res["setup_error"])
    assert res["rc"] == 0, res
    assert res["agent_requests"] and res["agent_requests"][0]["authorization"] == res["token"], res
    assert res["signer_requests"] == [{"operation": "SignPayload", "access_key": res["agent_key"],
                                       "auth_ok": True, "status": 200}], res


def imds_env(fake_imds):
    return {"AWS_EC2_METADATA_DISABLED": None, "AWS_EC2_METADATA_SERVICE_ENDPOINT": fake_imds.url}


def test_imds_v2(aws, fake_signer, fake_imds):
    used = signed_ok(aws, fake_signer, imds_env(fake_imds))
    assert used == fake_imds.key.access_key
    seen = fake_imds.seen()
    assert seen[0].operation == "token" and seen[0].method == "PUT" and seen[0].status == 200
    assert int(seen[0].header("X-aws-ec2-metadata-token-ttl-seconds")) > 0
    gets = [r for r in seen if r.method == "GET"]
    assert [r.operation for r in gets][-2:] == ["role", "credentials"], [r.path for r in seen]
    assert all(r.header("X-aws-ec2-metadata-token") in fake_imds.tokens for r in gets)


# --- precedence ------------------------------------------------------------------------------

def test_env_keys_beat_aws_profile(aws, fake_signer):
    aws.write_credentials("[dev]\n" + profile_lines("named_profile"))
    assert signed_ok(aws, fake_signer, {**env_keys("env"), "AWS_PROFILE": "dev"}) == key_id("env")


def test_plugin_config_profile_beats_env_keys(aws, fake_signer):
    aws.write_credentials("[dev]\n" + profile_lines("named_profile"))
    assert signed_ok(aws, fake_signer, env_keys("env"), aws_profile="dev") == key_id("named_profile")


def test_env_keys_beat_web_identity_and_container(aws, fake_signer, fake_sts, fake_container, tmp_path):
    env = {**web_identity_env(tmp_path, fake_sts), **container_env(tmp_path, fake_container),
           **env_keys("env")}
    assert signed_ok(aws, fake_signer, env) == key_id("env")
    assert fake_sts.seen() == [] and fake_container.seen() == []


def test_web_identity_env_beats_default_profile(aws, fake_signer, fake_sts, tmp_path):
    aws.write_credentials("[default]\n" + profile_lines("default_profile"))
    used = signed_ok(aws, fake_signer, web_identity_env(tmp_path, fake_sts))
    assert used == fake_sts.issued[0][3].access_key != key_id("default_profile")


def test_profile_static_keys_beat_container(aws, fake_signer, fake_container, tmp_path):
    aws.write_credentials("[default]\n" + profile_lines("default_profile"))
    assert signed_ok(aws, fake_signer, container_env(tmp_path, fake_container)) == key_id("default_profile")
    assert fake_container.seen() == []


def test_container_beats_imds(aws, fake_signer, fake_container, fake_imds, tmp_path):
    env = {**container_env(tmp_path, fake_container), **imds_env(fake_imds)}
    assert signed_ok(aws, fake_signer, env) == fake_container.key.access_key
    assert fake_imds.seen() == []


def test_credential_process_beats_container(aws, fake_signer, fake_container, tmp_path):
    akid, secret, _ = STATIC_KEYS["process"]
    script = write_process(tmp_path, 'echo \'{"Version": 1, "AccessKeyId": "%s", '
                                     '"SecretAccessKey": "%s", "SessionToken": "%s"}\'\n'
                           % (akid, secret, STATIC_KEYS["process"][2]))
    aws.write_config(f"[default]\ncredential_process = {script}\n")
    assert signed_ok(aws, fake_signer, container_env(tmp_path, fake_container)) == akid
    assert fake_container.seen() == []


# --- failures name their source --------------------------------------------------------------

def test_web_identity_token_file_missing(aws, fake_signer, fake_sts, tmp_path):
    env = web_identity_env(tmp_path, fake_sts)
    env["AWS_WEB_IDENTITY_TOKEN_FILE"] = str(tmp_path / "no-such-token")
    msg = fails(aws, fake_signer, env)
    assert re.search(r"web.?identity", msg, re.I), msg
    assert str(tmp_path / "no-such-token") in msg, msg
    assert fake_sts.seen() == []


def test_web_identity_token_refused_by_sts(aws, fake_signer, fake_sts, tmp_path):
    env = web_identity_env(tmp_path, fake_sts)
    fake_sts.web_identity_token = "another-token"
    msg = fails(aws, fake_signer, env)
    assert "AssumeRoleWithWebIdentity" in msg and "InvalidIdentityToken" in msg, msg


def test_credential_process_exits_1(aws, fake_signer, tmp_path):
    script = write_process(tmp_path, "echo 'token expired, log in again' >&2\nexit 1\n")
    aws.write_config(f"[default]\ncredential_process = {script}\n")
    msg = fails(aws, fake_signer)
    assert "credential_process" in msg or "credential process" in msg.lower(), msg
    assert re.search(r"\b1\b", msg), msg


def test_credential_process_prints_no_json(aws, fake_signer, tmp_path):
    script = write_process(tmp_path, "echo not-json\n")
    aws.write_config(f"[default]\ncredential_process = {script}\n")
    msg = fails(aws, fake_signer)
    assert "credential_process" in msg or "credential process" in msg.lower(), msg


def test_assume_role_denied_by_sts(aws, fake_signer, fake_sts):
    fake_sts.roles = {"arn:aws:iam::123456789012:role/some-other-role"}
    aws.write_config(f"[profile signer]\nrole_arn = {ROLE_ARN}\nsource_profile = base\n")
    aws.write_credentials("[base]\n" + profile_lines("source"))
    msg = fails(aws, fake_signer, {"AWS_PROFILE": "signer", "AWS_ENDPOINT_URL_STS": fake_sts.url})
    assert "AssumeRole" in msg and "AccessDenied" in msg, msg
    assert fake_sts.seen("AssumeRole")[0].request_id in msg, msg


def test_container_endpoint_403(aws, fake_signer, fake_container, tmp_path):
    msg = fails(aws, fake_signer, container_env(tmp_path, fake_container, token="stale-token"))
    assert "container" in msg.lower() and "403" in msg, msg
    assert "stale-token" not in msg, "the authorization token is a secret"


def test_imds_down(aws, fake_signer):
    env = {"AWS_EC2_METADATA_DISABLED": None,
           "AWS_EC2_METADATA_SERVICE_ENDPOINT": f"http://127.0.0.1:{closed_port()}"}
    t0 = time.monotonic()
    msg = fails(aws, fake_signer, env)
    assert time.monotonic() - t0 < 15
    assert re.search(r"imds|instance metadata|ec2 metadata", msg, re.I), msg


def test_no_credentials_anywhere(aws, fake_signer):
    msg = fails(aws, fake_signer)
    assert "credential" in msg.lower(), msg


def test_unknown_plugin_config_profile(aws, fake_signer):
    aws.write_credentials("[default]\n" + profile_lines("default_profile"))
    msg = fails(aws, fake_signer, aws_profile="nope")
    assert "nope" in msg, msg


def test_secrets_never_in_errors(aws, fake_signer):
    """Wrong secret: the fake answers 403 InvalidSignatureException; the message names the AWS
    error but carries no secret."""
    env = env_keys("env")
    env["AWS_SECRET_ACCESS_KEY"] = "not-the-right-secret-value"
    body = aws.generate(env=env).error()
    assert "InvalidSignatureException" in body["errorMessage"] or "signature" in body["errorMessage"].lower(), body
    assert "not-the-right-secret-value" not in body["errorMessage"]
    assert fake_signer.seen("SignPayload")[0].auth_ok is False


@pytest.mark.parametrize("case", ["no-credentials", "unknown-aws-profile", "token-file-missing",
                                  "process-exits-1"])
def test_credential_failures_are_ERROR_like_the_go_plugin(aws, fake_signer, fake_sts, tmp_path, case):
    """The Go plugin maps any error that is not an AWS API answer (credentials, configuration,
    network) to ERROR (research/aws-signer-plugin.md §3.2 step 2 and §3.5)."""
    env, config = {}, {}
    if case == "unknown-aws-profile":
        config["aws_profile"] = "nope"
    elif case == "token-file-missing":
        env = web_identity_env(tmp_path, fake_sts)
        env["AWS_WEB_IDENTITY_TOKEN_FILE"] = str(tmp_path / "no-such-token")
    elif case == "process-exits-1":
        script = write_process(tmp_path, "exit 1\n")
        aws.write_config(f"[default]\ncredential_process = {script}\n")
    body = aws.generate(env=env, **config).error()
    assert body["errorCode"] == "ERROR", body


# --- the debug log keeps no secret ----------------------------------------------------------------

def test_debug_log_redacts_every_secret(aws, fake_signer, fake_sts, tmp_path):
    """AWS_SIGNER_NOTATION_PLUGIN_DEBUG=true logs the HTTP exchanges (STS and Signer) to the Go
    plugin's file, with no web identity token, STS-issued secret or session token, and no
    Authorization value in it."""
    env = web_identity_env(tmp_path, fake_sts, token="eyJhbGciOiJSUzI1NiJ9.irsa-secret-part.sig")
    env["AWS_SIGNER_NOTATION_PLUGIN_DEBUG"] = "true"
    aws.generate(env=env).ok()
    log = (aws.home / ".config" / "notation-aws-signer" / "plugin.log").read_text()
    assert "POST" in log and "/signing-jobs/with-payload" in log, log[:2000]
    assert "<redacted>" in log, log[:2000]
    _, _, _, issued = fake_sts.issued[0]
    authz = fake_signer.seen("SignPayload")[0].header("Authorization")
    for secret in ("irsa-secret-part", issued.secret_key, issued.session_token,
                   authz.split("Signature=")[1]):
        assert secret and secret not in log, f"{secret!r} leaked into the debug log"
