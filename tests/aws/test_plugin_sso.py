"""IAM Identity Center (SSO) profiles, the plugin pointed at the fake Signer and the fake SSO
portal: the token cache file written as `aws sso login` writes it, both profile forms, the errors
that name `aws sso login --profile P`, and no token or secret in any output or the debug log."""

import hashlib
import json
import time
from datetime import datetime, timezone

import pytest

from .helpers import ACCOUNT, REGION

START_URL = "https://d-9067ab12cd.awsapps.com/start"
TOKEN = "aoaAAAAAGZ-sso-access-token-SECRET-PART-0123456789"
HINT = "aws sso login --profile dev"

SESSION_CONFIG = f"""[profile dev]
sso_session = corp
sso_account_id = {ACCOUNT}
sso_role_name = NotationSigner
region = {REGION}

[sso-session corp]
sso_start_url = {START_URL}
sso_region = {REGION}
sso_registration_scopes = sso:account:access
"""

LEGACY_CONFIG = f"""[profile dev]
sso_start_url = {START_URL}
sso_region = {REGION}
sso_account_id = {ACCOUNT}
sso_role_name = NotationSigner
"""


def cache_file(aws, key):
    """~/.aws/sso/cache/<sha1 hex of key>.json under the plugin's HOME."""
    d = aws.home / ".aws" / "sso" / "cache"
    d.mkdir(parents=True, exist_ok=True)
    return d / (hashlib.sha1(key.encode()).hexdigest() + ".json")


def write_cache(aws, key, token=TOKEN, expires_in=3600, **extra):
    """The token file as the AWS CLI v2 writes it after `aws sso login`."""
    expires = datetime.fromtimestamp(time.time() + expires_in, timezone.utc)
    body = {"startUrl": START_URL, "region": REGION, "accessToken": token,
            "expiresAt": expires.strftime("%Y-%m-%dT%H:%M:%SZ"), **extra}
    path = cache_file(aws, key)
    path.write_text(json.dumps(body))
    return path


def sso_env(fake_sso, **more):
    return {"AWS_PROFILE": "dev", "AWS_ENDPOINT_URL_SSO": fake_sso.url, **more}


def signed_by_sso(aws, fake_signer, fake_sso, env, **config):
    aws.generate(env=env, **config).ok()
    calls = fake_sso.seen("GetRoleCredentials")
    assert len(calls) == 1 and calls[0].status == 200, [(c.status, c.path) for c in calls]
    assert calls[0].header("x-amz-sso_bearer_token") == TOKEN
    assert calls[0].header("Authorization") is None
    account, role, _, key = fake_sso.issued[0]
    assert (account, role) == (ACCOUNT, "NotationSigner")
    seen = fake_signer.seen("SignPayload")
    assert len(seen) == 1 and seen[0].auth_ok, [(r.status, r.auth_error) for r in seen]
    assert seen[0].access_key == key.access_key
    assert seen[0].header("X-Amz-Security-Token") == key.session_token
    return key


def fails(aws, fake_signer, env, **config):
    body = aws.generate(env=env, **config).error()
    assert body["errorCode"] in ("ERROR", "ACCESS_DENIED"), body
    assert fake_signer.seen("SignPayload") == []
    return body["errorMessage"]


# --- both profile forms ------------------------------------------------------------------------

def test_sso_session_profile(aws, fake_signer, fake_sso):
    fake_sso.tokens[TOKEN] = None
    aws.write_config(SESSION_CONFIG)
    write_cache(aws, "corp")
    signed_by_sso(aws, fake_signer, fake_sso, sso_env(fake_sso))
    rec = fake_sso.seen()[0]
    assert rec.path == f"/federation/credentials?account_id={ACCOUNT}&role_name=NotationSigner"


def test_legacy_sso_profile_named_by_plugin_config(aws, fake_signer, fake_sso):
    fake_sso.tokens[TOKEN] = None
    aws.write_config(LEGACY_CONFIG)
    write_cache(aws, START_URL)
    env = sso_env(fake_sso)
    del env["AWS_PROFILE"]
    signed_by_sso(aws, fake_signer, fake_sso, env, aws_profile="dev")


def test_sso_endpoint_from_services_section(aws, fake_signer, fake_sso):
    fake_sso.tokens[TOKEN] = None
    aws.write_config(SESSION_CONFIG.replace("region = us-east-1\n", "region = us-east-1\n"
                                            "services = local\n", 1)
                     + f"\n[services local]\nsso =\n  endpoint_url = {fake_sso.url}\n")
    write_cache(aws, "corp")
    signed_by_sso(aws, fake_signer, fake_sso, {"AWS_PROFILE": "dev"})


# --- errors name the fix -------------------------------------------------------------------------

def test_missing_cache_file(aws, fake_signer, fake_sso):
    aws.write_config(SESSION_CONFIG)
    msg = fails(aws, fake_signer, sso_env(fake_sso))
    assert HINT in msg, msg
    assert str(cache_file(aws, "corp")) in msg, msg
    assert fake_sso.seen() == []


def test_expired_token(aws, fake_signer, fake_sso):
    fake_sso.tokens[TOKEN] = None
    aws.write_config(LEGACY_CONFIG)
    path = write_cache(aws, START_URL, expires_in=-60)
    msg = fails(aws, fake_signer, sso_env(fake_sso))
    assert "expired" in msg and HINT in msg and str(path) in msg, msg
    assert fake_sso.seen() == []


def test_expired_token_with_refresh_token_is_not_refreshed(aws, fake_signer, fake_sso):
    aws.write_config(SESSION_CONFIG)
    write_cache(aws, "corp", expires_in=-60, refreshToken="refresh-SECRET", clientId="c",
                clientSecret="client-SECRET")
    msg = fails(aws, fake_signer, sso_env(fake_sso))
    assert "not supported" in msg and HINT in msg, msg
    assert "SECRET" not in msg


@pytest.mark.parametrize("roles,status,code", [
    (None, 401, "UnauthorizedException"),
    ({("999999999999", "Admin")}, 403, "ForbiddenException"),
])
def test_portal_refuses(aws, fake_signer, fake_sso, roles, status, code):
    fake_sso.roles = roles
    if status == 403:
        fake_sso.tokens[TOKEN] = None      # a good token, but no such assignment
    aws.write_config(SESSION_CONFIG)
    write_cache(aws, "corp")
    body = aws.generate(env=sso_env(fake_sso)).error()
    msg = body["errorMessage"]
    assert code in msg and str(status) in msg and HINT in msg, msg
    assert fake_sso.seen()[0].status == status
    assert fake_sso.seen()[0].request_id in msg, msg
    assert TOKEN not in msg and "SECRET" not in body["errorMessage"]


def test_unauthorized_says_the_token_was_rejected(aws, fake_signer, fake_sso):
    aws.write_config(LEGACY_CONFIG)
    write_cache(aws, START_URL)
    msg = fails(aws, fake_signer, sso_env(fake_sso))
    assert "rejected" in msg and HINT in msg, msg


@pytest.mark.parametrize("config,missing", [
    (SESSION_CONFIG.replace("sso_role_name = NotationSigner\n", ""), "sso_role_name"),
    (SESSION_CONFIG.replace(f"sso_start_url = {START_URL}\n", ""), "sso_start_url"),
    (SESSION_CONFIG.replace("[sso-session corp]", "[sso-session other]"), "sso-session"),
    (LEGACY_CONFIG.replace(f"sso_region = {REGION}\n", ""), "sso_region"),
    (LEGACY_CONFIG.replace(f"sso_account_id = {ACCOUNT}\n", ""), "sso_account_id"),
])
def test_incomplete_configuration_names_the_key(aws, fake_signer, fake_sso, config, missing):
    aws.write_config(config)
    write_cache(aws, "corp")
    write_cache(aws, START_URL)
    msg = fails(aws, fake_signer, sso_env(fake_sso))
    assert "missing required configuration" in msg and missing in msg, msg
    assert '"dev"' in msg, msg
    assert fake_sso.seen() == []


# --- secrets -------------------------------------------------------------------------------------

def test_token_and_credentials_never_in_output_or_debug_log(aws, fake_signer, fake_sso):
    fake_sso.tokens[TOKEN] = None
    aws.write_config(SESSION_CONFIG)
    write_cache(aws, "corp")
    env = sso_env(fake_sso, AWS_SIGNER_NOTATION_PLUGIN_DEBUG="true")
    res = aws.generate(env=env)
    res.ok()
    _, _, _, key = fake_sso.issued[0]
    # a failing run too: the portal rejects the token
    fake_sso.tokens.clear()
    bad = aws.generate(env=env)
    assert bad.rc == 1
    log = (aws.home / ".config" / "notation-aws-signer" / "plugin.log").read_text()
    assert "/federation/credentials" in log and "<redacted>" in log, log[:3000]
    assert "x-amz-sso_bearer_token" in log.lower(), log[:3000]
    for secret in (TOKEN, "SECRET-PART", key.secret_key, key.session_token):
        for where, text in (("stdout", res.out.decode()), ("stderr", res.err.decode()),
                            ("failure stderr", bad.err.decode()), ("debug log", log)):
            assert secret not in text, f"{secret!r} leaked into the {where}"
