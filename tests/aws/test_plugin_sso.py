"""IAM Identity Center (SSO) profiles, the plugin pointed at the fake Signer, the fake SSO
portal and the fake SSO OIDC: the token cache file written as `aws sso login` writes it, both
profile forms, the refresh of an expired (or nearly expired) token with its refresh token, the
errors that name `aws sso login --profile P`, and no token or secret in any output or the debug
log."""

import hashlib
import json
import os
import stat
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


# --- refreshing the token with SSO OIDC CreateToken ----------------------------------------------

CLIENT_ID = "client-id-AbCdEf0123456789"
CLIENT_SECRET = "eyJraWQiOiJrZXktMTU2-client-SECRET-part"
REFRESH = "aorAAAAAGZ-refresh-token-SECRET-part-0123456789"


def stamp(delta):
    return datetime.fromtimestamp(time.time() + delta, timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def refreshable(aws, fake_oidc, key="corp", expires_in=-60, registration_in=86400 * 80):
    """The cache file of `aws sso login` with its client registration, and OIDC knowing both."""
    fake_oidc.clients[CLIENT_ID] = CLIENT_SECRET
    fake_oidc.refresh_tokens[REFRESH] = CLIENT_ID
    path = write_cache(aws, key, expires_in=expires_in, refreshToken=REFRESH, clientId=CLIENT_ID,
                       clientSecret=CLIENT_SECRET, registrationExpiresAt=stamp(registration_in))
    os.chmod(path, 0o600)
    return path, json.loads(path.read_text())


def oidc_env(fake_sso, fake_oidc, **more):
    return sso_env(fake_sso, AWS_ENDPOINT_URL_SSO_OIDC=fake_oidc.url, **more)


def signed_with_refreshed_token(aws, fake_signer, fake_sso, fake_oidc, path, before, env):
    t0 = time.time()
    aws.generate(env=env).ok()
    calls = fake_oidc.seen("CreateToken")
    assert len(calls) == 1 and calls[0].status == 200, [(c.status, c.body) for c in calls]
    assert calls[0].header("Authorization") is None
    assert json.loads(calls[0].body) == {"clientId": CLIENT_ID, "clientSecret": CLIENT_SECRET,
                                         "grantType": "refresh_token", "refreshToken": REFRESH}
    _, _, access, refresh = fake_oidc.issued[0]
    # the portal got the new token, and the Signer requests are signed with its role credentials
    assert fake_sso.issued[0][2] == access
    seen = fake_signer.seen("SignPayload")
    assert len(seen) == 1 and seen[0].auth_ok
    assert seen[0].access_key == fake_sso.issued[0][3].access_key
    # the cache file: new accessToken, expiresAt (now + expiresIn) and refreshToken, the rest kept
    saved = json.loads(path.read_text())
    assert saved["accessToken"] == access and saved["refreshToken"] == refresh
    expires = datetime.strptime(saved["expiresAt"], "%Y-%m-%dT%H:%M:%SZ").replace(
        tzinfo=timezone.utc).timestamp()
    assert t0 + 3600 - 5 <= expires <= time.time() + 3600 + 5, saved["expiresAt"]
    for k in ("startUrl", "region", "clientId", "clientSecret", "registrationExpiresAt"):
        assert saved[k] == before[k], k
    assert set(saved) == set(before)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert [p.name for p in path.parent.iterdir()] == [path.name]    # no temporary file left
    return access, refresh


def test_expired_token_is_refreshed(aws, fake_signer, fake_sso, fake_oidc):
    aws.write_config(SESSION_CONFIG)
    path, before = refreshable(aws, fake_oidc, expires_in=-60)
    os.chmod(path, 0o644)       # written back 0600, as the AWS CLI writes it
    env = oidc_env(fake_sso, fake_oidc)
    access, refresh = signed_with_refreshed_token(aws, fake_signer, fake_sso, fake_oidc, path,
                                                  before, env)
    # the next run uses the saved token as it is
    aws.generate(env=env).ok()
    assert len(fake_oidc.seen("CreateToken")) == 1
    assert fake_sso.seen("GetRoleCredentials")[-1].header("x-amz-sso_bearer_token") == access


@pytest.mark.parametrize("expires_in,refreshed", [(120, True), (290, True), (330, False),
                                                  (3600, False)])
def test_token_near_expiry_is_refreshed(aws, fake_signer, fake_sso, fake_oidc, expires_in,
                                        refreshed):
    """Within 5 minutes of expiresAt the token is refreshed first; further out it is used."""
    aws.write_config(SESSION_CONFIG)
    path, before = refreshable(aws, fake_oidc, expires_in=expires_in)
    fake_sso.tokens[TOKEN] = None
    env = oidc_env(fake_sso, fake_oidc)
    if refreshed:
        signed_with_refreshed_token(aws, fake_signer, fake_sso, fake_oidc, path, before, env)
    else:
        signed_by_sso(aws, fake_signer, fake_sso, env)
        assert fake_oidc.seen() == []
        assert json.loads(path.read_text()) == before


def test_token_near_expiry_is_used_when_its_refresh_fails(aws, fake_signer, fake_sso, fake_oidc):
    """A token still valid is used as it is when OIDC refuses to refresh it."""
    aws.write_config(SESSION_CONFIG)
    path, before = refreshable(aws, fake_oidc, expires_in=120)
    fake_oidc.refresh_tokens.clear()                        # InvalidGrantException
    fake_sso.tokens[TOKEN] = None
    signed_by_sso(aws, fake_signer, fake_sso, oidc_env(fake_sso, fake_oidc))
    assert fake_oidc.seen("CreateToken")[0].status == 400
    assert json.loads(path.read_text()) == before


def test_sso_oidc_endpoint_from_services_section(aws, fake_signer, fake_sso, fake_oidc):
    aws.write_config(SESSION_CONFIG.replace("region = us-east-1\n", "region = us-east-1\n"
                                            "services = local\n", 1)
                     + f"\n[services local]\nsso_oidc =\n  endpoint_url = {fake_oidc.url}\n")
    path, before = refreshable(aws, fake_oidc)
    signed_with_refreshed_token(aws, fake_signer, fake_sso, fake_oidc, path, before,
                                sso_env(fake_sso))


@pytest.mark.parametrize("case", ["invalid_grant", "invalid_client", "registration_expired",
                                  "no_refresh_token", "legacy"])
def test_expired_token_not_refreshed_names_aws_sso_login(aws, fake_signer, fake_sso, fake_oidc,
                                                         case):
    aws.write_config(LEGACY_CONFIG if case == "legacy" else SESSION_CONFIG)
    path, before = refreshable(aws, fake_oidc, key=START_URL if case == "legacy" else "corp",
                               registration_in=-60 if case == "registration_expired" else 86400)
    if case == "invalid_grant":
        fake_oidc.refresh_tokens.clear()
    elif case == "invalid_client":
        fake_oidc.clients[CLIENT_ID] = "another secret"
    elif case == "no_refresh_token":
        del before["refreshToken"]
        path.write_text(json.dumps(before))
    msg = fails(aws, fake_signer, oidc_env(fake_sso, fake_oidc))
    assert HINT in msg and "expired at" in msg and str(path) in msg, msg
    want = {"invalid_grant": "InvalidGrantException: Invalid refresh token provided (HTTP 400",
            "invalid_client": "InvalidClientException: Invalid client provided (HTTP 401",
            "registration_expired": "client registration expired at",
            "no_refresh_token": "no refreshToken",
            "legacy": "legacy sso_start_url form is never refreshed"}[case]
    assert want in msg, msg
    if case.startswith("invalid_"):
        assert fake_oidc.seen()[0].request_id in msg, msg
    else:
        assert fake_oidc.seen() == []
    assert fake_sso.seen() == []
    assert json.loads(path.read_text()) == before          # the cache file untouched
    for secret in (TOKEN, REFRESH, CLIENT_SECRET, "SECRET"):
        assert secret not in msg


def test_refresh_secrets_never_in_output_or_debug_log(aws, fake_signer, fake_sso, fake_oidc):
    aws.write_config(SESSION_CONFIG)
    path, _ = refreshable(aws, fake_oidc, expires_in=-60)
    env = oidc_env(fake_sso, fake_oidc, AWS_SIGNER_NOTATION_PLUGIN_DEBUG="true")
    res = aws.generate(env=env)
    res.ok()
    _, _, access, refresh = fake_oidc.issued[0]
    key = fake_sso.issued[0][3]
    # a failing refresh too: the token has expired again and OIDC no longer knows the client
    saved = json.loads(path.read_text())
    saved["expiresAt"] = stamp(-60)
    path.write_text(json.dumps(saved))
    fake_oidc.clients.clear()
    bad = aws.generate(env=env)
    assert bad.rc == 1
    assert "InvalidClientException" in bad.out.decode() + bad.err.decode()
    log = (aws.home / ".config" / "notation-aws-signer" / "plugin.log").read_text()
    assert "POST" in log and "/token" in log and "CreateToken" in log, log[:4000]
    assert "redacted" in log, log[:4000]
    assert "refreshed the SSO token" in log, log[:4000]
    for secret in (TOKEN, REFRESH, CLIENT_SECRET, access, refresh, key.secret_key,
                   key.session_token, "SECRET"):
        for where, text in (("stdout", res.out.decode()), ("stderr", res.err.decode()),
                            ("failure stdout", bad.out.decode()),
                            ("failure stderr", bad.err.decode()), ("debug log", log)):
            assert secret not in text, f"{secret!r} leaked into the {where}"
