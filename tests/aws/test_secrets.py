"""Issue 12: no secret the credential chain resolved leaves the process, whatever path it took.

Every credential source (environment, shared files, credential_process, AssumeRole, web
identity, container with a token file or variable, IMDSv2, SSO, SSO with an OIDC refresh) is
driven through every failure we can provoke at the Signer (AWS's InvalidSignatureException that
quotes the canonical request, x-amz-security-token included; throttling; a 500; a proxy's HTML
page; a 200 with a body that is not JSON; a dropped connection; a failed GetRevocationStatus,
whose reason goes to stdout) and at the credential services (STS, the container endpoint, IMDS,
the SSO portal, SSO OIDC, credential_process), with the fakes echoing the whole request back in
their answers (Fault "{request}"). Each secret is then looked for in stdout, stderr and the debug
log, whole and in every 16-character fragment."""

import json

import pytest

from .fakes.base import Fault
from .helpers import ACCOUNT, RC, STATIC_KEYS, TI, env_keys, profile_lines
from .test_plugin_credentials import (ROLE_ARN, container_env, imds_env, web_identity_env,
                                      write_process)
from .test_plugin_sso import (CLIENT_SECRET, REFRESH, SESSION_CONFIG, TOKEN, oidc_env,
                              refreshable, sso_env, write_cache)

FRAGMENT = 16

# Long secrets of our own for the sources whose secrets the test chooses.
FILE_KEYS = ("ASIAFILEPROFILE00001", "file-secret-0123456789abcdefghij/KLMNOPQRSTUV",
             "IQoJb3JpZ2luX2VjEFILE-session-token/0123456789+abcdefghijklmnopqrstuvwxyz==")
PROCESS_KEYS = ("ASIAPROCESSLONG00001", "proc-secret-0123456789abcdefghij/KLMNOPQRSTUV",
                "IQoJb3JpZ2luX2VjPROC-session-token/0123456789+abcdefghijklmnopqrstuvwxyz==")
SOURCE_KEYS = ("ASIASOURCETOKEN00001", "src-secret-0123456789abcdefghij/KLMNOPQRSTUVW",
               "IQoJb3JpZ2luX2VjSOURCE-session-token/0123456789+abcdefghijklmnopqrstuvw==")
WEB_TOKEN = "eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJzeXN0ZW06c2VydmljZWFjY291bnQ6ZGVmYXVsdDphcHAifQ.c2ln"
CONTAINER_TOKEN = "pod-identity-token-0123456789abcdefghijklmnopqrstuvwxyz"


def leaks(text, secrets):
    """(secret, fragment) pairs of `secrets` found in text: whole, or any FRAGMENT characters."""
    found = []
    for s in secrets:
        if s in text:
            found.append((s, s))
            continue
        for i in range(len(s) - FRAGMENT + 1):
            if s[i:i + FRAGMENT] in text:
                found.append((s, s[i:i + FRAGMENT]))
                break
    return found


def log_path(aws):
    return aws.home / ".config" / "notation-aws-signer" / "plugin.log"


def assert_no_secret(aws, res, secrets):
    secrets = [s for s in secrets if s]
    assert all(len(s) >= FRAGMENT for s in secrets), secrets
    log = log_path(aws).read_text(errors="replace") if log_path(aws).exists() else ""
    assert log, "the debug log was not written"
    places = {"stdout": res.out.decode(errors="replace"),
              "stderr": res.err.decode(errors="replace"), "debug log": log}
    # the JSON on either stream, decoded (an escape must not hide a secret)
    for name in ("stdout", "stderr"):
        try:
            places[name + " (decoded)"] = json.dumps(json.loads(places[name]), ensure_ascii=False)
        except ValueError:
            pass
    bad = [(where, s, frag) for where, text in places.items() for s, frag in leaks(text, secrets)]
    assert not bad, "secrets leaked: " + "; ".join(
        f"{frag!r} of {s[:8]}... in the {where}" for where, s, frag in bad) + \
        f"\nstderr: {places['stderr'][:1500]}\nstdout: {places['stdout'][:1500]}"


# --- the credential sources ------------------------------------------------------------------
# Each returns (env, secrets): secrets is called after the run (services issue theirs during it).

def src_env(aws, f, tmp_path):
    akid, secret, token = STATIC_KEYS["env_token"]
    assert len(token) < FRAGMENT + 8
    # a longer token of our own, for fragments
    f.keys.add(FILE_KEYS[0].replace("FILE", "ENVV"), FILE_KEYS[1] + "env", FILE_KEYS[2] + "env")
    env = {"AWS_ACCESS_KEY_ID": FILE_KEYS[0].replace("FILE", "ENVV"),
           "AWS_SECRET_ACCESS_KEY": FILE_KEYS[1] + "env", "AWS_SESSION_TOKEN": FILE_KEYS[2] + "env"}
    return env, lambda: [FILE_KEYS[1] + "env", FILE_KEYS[2] + "env"]


def src_file(aws, f, tmp_path):
    f.keys.add(*FILE_KEYS)
    aws.write_credentials(f"[default]\naws_access_key_id = {FILE_KEYS[0]}\n"
                          f"aws_secret_access_key = {FILE_KEYS[1]}\n"
                          f"aws_session_token = {FILE_KEYS[2]}\n")
    return {}, lambda: list(FILE_KEYS[1:])


def src_process(aws, f, tmp_path):
    f.keys.add(*PROCESS_KEYS)
    out = json.dumps({"Version": 1, "AccessKeyId": PROCESS_KEYS[0],
                      "SecretAccessKey": PROCESS_KEYS[1], "SessionToken": PROCESS_KEYS[2]})
    script = write_process(tmp_path, f"cat <<'EOF'\n{out}\nEOF\n")
    aws.write_config(f"[default]\ncredential_process = {script}\n")
    return {}, lambda: list(PROCESS_KEYS[1:])


def src_assume_role(aws, f, tmp_path):
    f.keys.add(*SOURCE_KEYS)
    aws.write_config(f"[profile signer]\nrole_arn = {ROLE_ARN}\nsource_profile = base\n")
    aws.write_credentials(f"[base]\naws_access_key_id = {SOURCE_KEYS[0]}\n"
                          f"aws_secret_access_key = {SOURCE_KEYS[1]}\n"
                          f"aws_session_token = {SOURCE_KEYS[2]}\n")
    env = {"AWS_PROFILE": "signer", "AWS_ENDPOINT_URL_STS": f.sts.url}
    return env, lambda: list(SOURCE_KEYS[1:]) + issued(f.sts.issued)


def issued(lst):
    return [s for item in lst for s in (item[-1].secret_key, item[-1].session_token)]


def src_web_identity(aws, f, tmp_path):
    env = web_identity_env(tmp_path, f.sts, token=WEB_TOKEN)
    return env, lambda: [WEB_TOKEN] + issued(f.sts.issued)


def src_container_file(aws, f, tmp_path):
    f.container.token = CONTAINER_TOKEN
    env = container_env(tmp_path, f.container)
    return env, lambda: [CONTAINER_TOKEN] + container_keys(f.container)


def container_keys(c):
    k = getattr(c, "key", None)
    return [k.secret_key, k.session_token] if k is not None else []


def src_container_env(aws, f, tmp_path):
    f.container.token = CONTAINER_TOKEN
    env = {"AWS_CONTAINER_CREDENTIALS_FULL_URI": f.container.url + "/v1/credentials",
           "AWS_CONTAINER_AUTHORIZATION_TOKEN": CONTAINER_TOKEN}
    return env, lambda: [CONTAINER_TOKEN] + container_keys(f.container)


def src_imds(aws, f, tmp_path):
    def secrets():
        k = getattr(f.imds, "key", None)
        return list(f.imds.tokens) + ([k.secret_key, k.session_token] if k else [])
    return imds_env(f.imds), secrets


def src_sso(aws, f, tmp_path):
    f.sso.tokens[TOKEN] = None
    aws.write_config(SESSION_CONFIG)
    write_cache(aws, "corp")
    return sso_env(f.sso), lambda: [TOKEN] + issued(f.sso.issued)


def src_sso_refresh(aws, f, tmp_path):
    aws.write_config(SESSION_CONFIG)
    refreshable(aws, f.oidc)
    def secrets():
        new = [s for item in f.oidc.issued for s in item[2:]]
        return [TOKEN, REFRESH, CLIENT_SECRET] + new + issued(f.sso.issued)
    return oidc_env(f.sso, f.oidc), secrets


SOURCES = {
    "env": src_env, "credentials-file": src_file, "credential_process": src_process,
    "assume-role": src_assume_role, "web-identity": src_web_identity,
    "container-token-file": src_container_file, "container-token-env": src_container_env,
    "imds": src_imds, "sso": src_sso, "sso-oidc-refresh": src_sso_refresh,
}


class Fakes:
    def __init__(self, **kw):
        self.__dict__.update(kw)


@pytest.fixture
def fakes(keys, fake_signer, fake_sts, fake_container, fake_imds, fake_sso, fake_oidc):
    return Fakes(keys=keys, signer=fake_signer, sts=fake_sts, container=fake_container,
                 imds=fake_imds, sso=fake_sso, oidc=fake_oidc)


# --- the Signer's failures -------------------------------------------------------------------

def _script(op, *faults):
    return lambda f: f.signer.script(op, *faults)


SIGNER_FAILURES = {
    "invalid-signature": lambda f: setattr(f.signer, "wrong_secret", True),
    "throttled": _script("SignPayload", Fault(429, "ThrottlingException", "Rate exceeded {request}")),
    "500": _script("SignPayload", Fault(500, "InternalServiceErrorException", "oops {request}")),
    "html-502": _script("SignPayload", Fault(502, body=b"<html><pre>{request}</pre></html>",
                                             content_type="text/html")),
    "bad-json-200": _script("SignPayload", Fault(200, body=b'{"signature": "{request}',
                                                 content_type="application/json")),
    "error-header-only": _script("SignPayload", Fault(403, body=b"", headers={
        "x-amzn-ErrorType": "AccessDeniedException",
        "x-amzn-ErrorMessage": "denied FQoGZXIvYXdzEFILE-session-token/0123456789+abcdefghij"})),
    "connection-dropped": _script("SignPayload", Fault(close=True)),
    "revocation-check": _script("GetRevocationStatus",
                                Fault(400, "ValidationException", "bad request {request}")),
}


@pytest.mark.parametrize("failure", sorted(SIGNER_FAILURES))
@pytest.mark.parametrize("source", sorted(SOURCES))
def test_no_secret_in_any_output(aws, fakes, envelope, tmp_path, source, failure):
    env, secrets = SOURCES[source](aws, fakes, tmp_path)
    env.update({"AWS_SIGNER_NOTATION_PLUGIN_DEBUG": "true", "AWS_MAX_ATTEMPTS": "1"})
    SIGNER_FAILURES[failure](fakes)
    if failure == "revocation-check":
        res = aws.verify(envelope, caps=(TI, RC), env=env)
        out = res.ok()
        assert out["verificationResults"][RC]["success"] is False, out
        assert fakes.signer.seen("GetRevocationStatus"), "no GetRevocationStatus was sent"
    else:
        res = aws.generate(env=env)
        res.error()
        seen = fakes.signer.seen("SignPayload")
        assert seen, "the Signer was never called: the failure was not provoked"
    got = secrets()
    assert got, "no secret to look for"
    if source != "env" and failure in ("invalid-signature", "500"):
        # the provoked answer really carried the session token (the test can fail)
        assert fakes.signer.seen()[0].header("X-Amz-Security-Token") in got
    assert_no_secret(aws, res, got)


# --- the credential services' failures -------------------------------------------------------

def cred_sts_web_identity(aws, f, tmp_path):
    env, secrets = src_web_identity(aws, f, tmp_path)
    f.sts.script("AssumeRoleWithWebIdentity",
                 Fault(400, "InvalidIdentityToken", "token not valid: {request}"))
    return env, secrets


def cred_sts_assume_role(aws, f, tmp_path):
    env, secrets = src_assume_role(aws, f, tmp_path)
    f.sts.script("AssumeRole", Fault(403, "AccessDenied", "not authorized: {request}"))
    return env, secrets


def cred_container(aws, f, tmp_path):
    env, secrets = src_container_file(aws, f, tmp_path)
    f.container.script("credentials", Fault(403, "AccessDenied", "bad token: {request}"))
    return env, secrets


def cred_container_html(aws, f, tmp_path):
    env, secrets = src_container_env(aws, f, tmp_path)
    # a 500 is retried: every attempt gets one
    f.container.script("credentials", *[Fault(500, body=b"<html>{request}</html>",
                                              content_type="text/html")] * 5)
    return env, secrets


def cred_imds(aws, f, tmp_path):
    env, secrets = src_imds(aws, f, tmp_path)
    f.imds.script("credentials", *[Fault(500, body=b"{request}", content_type="text/plain")] * 5)
    return env, secrets


def cred_sso(aws, f, tmp_path):
    env, secrets = src_sso(aws, f, tmp_path)
    f.sso.script("GetRoleCredentials", Fault(401, "UnauthorizedException", "no: {request}"))
    return env, secrets


def cred_oidc(aws, f, tmp_path):
    env, secrets = src_sso_refresh(aws, f, tmp_path)
    f.oidc.script("CreateToken", Fault(400, "InvalidGrantException", "no: {request}"))
    return env, secrets


def cred_process_bad_json(aws, f, tmp_path):
    # a credential_process that prints its secret and then something that is not JSON
    script = write_process(tmp_path, f"echo '{{\"Version\": 1, \"AccessKeyId\": \"{PROCESS_KEYS[0]}\","
                                     f" \"SecretAccessKey\": \"{PROCESS_KEYS[1]}\", \"SessionToken\": "
                                     f"\"{PROCESS_KEYS[2]}\"'\n")
    aws.write_config(f"[default]\ncredential_process = {script}\n")
    return {}, lambda: list(PROCESS_KEYS[1:])


def cred_process_bad_version(aws, f, tmp_path):
    out = json.dumps({"Version": 2, "AccessKeyId": PROCESS_KEYS[0],
                      "SecretAccessKey": PROCESS_KEYS[1], "SessionToken": PROCESS_KEYS[2]})
    script = write_process(tmp_path, f"cat <<'EOF'\n{out}\nEOF\n")
    aws.write_config(f"[default]\ncredential_process = {script}\n")
    return {}, lambda: list(PROCESS_KEYS[1:])


def cred_process_expired(aws, f, tmp_path):
    out = json.dumps({"Version": 1, "AccessKeyId": PROCESS_KEYS[0],
                      "SecretAccessKey": PROCESS_KEYS[1], "SessionToken": PROCESS_KEYS[2],
                      "Expiration": "2001-01-01T00:00:00Z"})
    script = write_process(tmp_path, f"cat <<'EOF'\n{out}\necho {PROCESS_KEYS[1]} >&2\nexit 1\nEOF\n")
    aws.write_config(f"[default]\ncredential_process = {script}\n")
    return {}, lambda: list(PROCESS_KEYS[1:])


CRED_FAILURES = {
    "sts-web-identity": cred_sts_web_identity, "sts-assume-role": cred_sts_assume_role,
    "container-403": cred_container, "container-html-500": cred_container_html,
    "imds-500": cred_imds, "sso-portal-401": cred_sso, "sso-oidc-400": cred_oidc,
    "process-bad-json": cred_process_bad_json, "process-version-2": cred_process_bad_version,
    "process-expired": cred_process_expired,
}


@pytest.mark.parametrize("case", sorted(CRED_FAILURES))
def test_no_secret_from_credential_service_errors(aws, fakes, tmp_path, case):
    env, secrets = CRED_FAILURES[case](aws, fakes, tmp_path)
    env.update({"AWS_SIGNER_NOTATION_PLUGIN_DEBUG": "true", "AWS_MAX_ATTEMPTS": "1",
                "AWS_METADATA_SERVICE_NUM_ATTEMPTS": "1"})
    res = aws.generate(env=env)
    res.error()
    assert fakes.signer.seen("SignPayload") == [], "credentials should have failed"
    assert_no_secret(aws, res, secrets())


def test_invalid_signature_keeps_the_first_sentence_only(aws, fakes, tmp_path):
    env, _ = src_file(aws, fakes, tmp_path)
    fakes.signer.wrong_secret = True
    msg = aws.generate(env=env).error("ERROR")["errorMessage"]
    assert "The request signature we calculated does not match the signature you provided" in msg
    assert "Canonical String" not in msg and "String-to-Sign" not in msg, msg
    assert "x-amz-security-token" not in msg and "AWS4-HMAC-SHA256" not in msg, msg


def test_the_search_finds_fragments():
    """leaks() itself: a secret cut in two, each half longer than a fragment, is found."""
    s = "0123456789abcdefghijklmnopqrstuvwxyz"
    assert leaks("x" + s[:17] + " ... " + s[-17:], [s])
    assert leaks(s[3:3 + FRAGMENT], [s])
    assert not leaks(s[:FRAGMENT - 1] + "|" + s[FRAGMENT:], [s[:2 * FRAGMENT - 1]])
