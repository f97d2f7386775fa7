"""The real AWS CLI against `signer-local serve`: `python3 -m awscli signer <op> --endpoint-url URL
--region R` (awscli 1.45.11 on botocore 1.43.11, pinned by scripts/install-deps.sh) for every
operation serve supports, success output and the main errors, with credentials from the
environment only (AWS_CONFIG_FILE and AWS_SHARED_CREDENTIALS_FILE are empty temp files, HOME is a
temp directory), permanent (AKIA) and temporary (ASIA + session token) keys.

AWS CLI v1 exits 255 for a service error (v2: 254) and prints
`An error occurred (<Code>) when calling the <Op> operation: <message>` on stderr.
GetRevocationStatus carries the `data-` host prefix in the model: with --endpoint-url
http://127.0.0.1:PORT the CLI would send it to data-127.0.0.1, so the suite sets
AWS_DISABLE_HOST_PREFIX_INJECTION=true (botocore 1.43.11 also reads `disable_host_prefix_injection =
true` from the config file; both are checked here)."""
import base64
import datetime
import json
import os
import re
import shutil
import subprocess
import sys
import time

import pytest

from conftest import BIN, OTHER, OWNER, REGION, create_key, run

FORMAT = "application/vnd.cncf.notary.payload.v1+json"
PLATFORM = "Notation-OCI-SHA384-ECDSA"
PAYLOAD = b'{"targetArtifact":{"mediaType":"x","digest":"sha256:00","size":1}}'
CLI_ERROR = re.compile(r"An error occurred \((\w+)\) when calling the (\w+) operation: (.*)")
# Every operation serve answers (StartSigningJob is refused; checked below).
OPERATIONS = {
    "PutSigningProfile", "GetSigningProfile", "ListSigningProfiles", "CancelSigningProfile",
    "RevokeSigningProfile", "RevokeSignature", "DescribeSigningJob", "ListSigningJobs",
    "ListSigningPlatforms", "GetSigningPlatform", "SignPayload", "GetRevocationStatus",
    "AddProfilePermission", "ListProfilePermissions", "RemoveProfilePermission", "TagResource",
    "UntagResource", "ListTagsForResource",
}


class Cli:
    """`python3 -m awscli signer ...` with one access key in the environment and nothing else."""

    def __init__(self, server, tmp):
        self.server = server
        self.tmp = tmp
        home = tmp / "home"
        home.mkdir(exist_ok=True)
        self.config = tmp / "aws-config"
        self.config.write_text("")
        credentials = tmp / "aws-credentials"
        credentials.write_text("")
        self.base = {k: v for k, v in os.environ.items()
                     if not k.startswith(("AWS_", "BOTO_"))}
        self.base.update({
            "HOME": str(home), "AWS_CONFIG_FILE": str(self.config),
            "AWS_SHARED_CREDENTIALS_FILE": str(credentials), "AWS_MAX_ATTEMPTS": "1",
            "AWS_EC2_METADATA_DISABLED": "true", "AWS_DISABLE_HOST_PREFIX_INJECTION": "true",
            "NO_PROXY": "*", "no_proxy": "*",
        })

    def run(self, key, *args, env=None, endpoint=True):
        e = dict(self.base)
        e.update({"AWS_ACCESS_KEY_ID": key["AccessKeyId"],
                  "AWS_SECRET_ACCESS_KEY": key["SecretAccessKey"]})
        if key.get("SessionToken"):
            e["AWS_SESSION_TOKEN"] = key["SessionToken"]
        for k, v in (env or {}).items():
            if v is None:
                e.pop(k, None)
            else:
                e[k] = v
        argv = [sys.executable, "-m", "awscli", "signer", *args, "--region", REGION,
                "--output", "json"]
        if endpoint:
            argv += ["--endpoint-url", self.server.url]
        return subprocess.run(argv, env=e, capture_output=True, text=True, timeout=120,
                              stdin=subprocess.DEVNULL)

    def ok(self, key, *args, **kw):
        r = self.run(key, *args, **kw)
        assert r.returncode == 0, f"aws signer {' '.join(args)}: {r.returncode}\n{r.stderr}"
        return json.loads(r.stdout) if r.stdout.strip() else {}

    def fail(self, key, *args, **kw):
        """(code, operation, message) of a service error: exit 255, AWS CLI v1's message."""
        r = self.run(key, *args, **kw)
        assert r.returncode == 255, f"aws signer {' '.join(args)}: {r.returncode}\n{r.stderr}"
        assert r.stdout == "", r.stdout
        m = CLI_ERROR.search(r.stderr)
        assert m, r.stderr
        return m.group(1), m.group(2), m.group(3).strip()


@pytest.fixture(scope="module")
def cli(env, tmp_path_factory):
    return Cli(env["server"], tmp_path_factory.mktemp("awscli"))


@pytest.fixture(scope="module")
def payload_file(env):
    p = env["tmp"] / "payload.json"
    p.write_bytes(PAYLOAD)
    return f"fileb://{p}"


def profile_arn(name, account=OWNER):
    return f"arn:aws:signer:{REGION}:{account}:/signing-profiles/{name}"


def close_to_now(epoch):
    """AWS CLI v1 prints the wire's epoch seconds as they are (cli_timestamp_format none)."""
    assert isinstance(epoch, (int, float)), epoch
    assert abs(epoch - time.time()) < 300, epoch


# ---- success, operation by operation -----------------------------------------------------------

def test_profiles(cli, env):
    o = env["owner"]
    p = cli.ok(o, "put-signing-profile", "--profile-name", "cli_app", "--platform-id", PLATFORM,
               "--signature-validity-period", "value=12,type=MONTHS", "--tags", "team=a,env=ci")
    assert p["arn"] == profile_arn("cli_app")
    assert p["profileVersionArn"] == f"{p['arn']}/{p['profileVersion']}"
    assert re.fullmatch(r"[a-zA-Z0-9]{10}", p["profileVersion"])
    g = cli.ok(o, "get-signing-profile", "--profile-name", "cli_app")
    assert g["status"] == "Active" and g["profileVersionArn"] == p["profileVersionArn"]
    assert g["signatureValidityPeriod"] == {"value": 12, "type": "MONTHS"}
    assert g["platformId"] == PLATFORM and g["tags"] == {"team": "a", "env": "ci"}
    cli.ok(o, "put-signing-profile", "--profile-name", "cli_other", "--platform-id", PLATFORM)
    cli.ok(o, "put-signing-profile", "--profile-name", "cli_gone", "--platform-id", PLATFORM)
    assert cli.ok(o, "cancel-signing-profile", "--profile-name", "cli_gone") == {}
    assert cli.ok(o, "get-signing-profile", "--profile-name", "cli_gone")["status"] == "Canceled"
    # --page-size 1: the CLI follows nextToken page by page and merges them.
    names = [x["profileName"] for x in
             cli.ok(o, "list-signing-profiles", "--page-size", "1")["profiles"]]
    assert sorted(names) == ["cli_app", "cli_other"], names
    names = [x["profileName"] for x in
             cli.ok(o, "list-signing-profiles", "--include-canceled")["profiles"]]
    assert "cli_gone" in names
    only = cli.ok(o, "list-signing-profiles", "--statuses", "Canceled", "--include-canceled")
    assert [x["profileName"] for x in only["profiles"]] == ["cli_gone"]
    # Another account sees none of them.
    assert cli.ok(env["other"], "list-signing-profiles")["profiles"] == []


def test_platforms(cli, env):
    o = env["owner"]
    plats = cli.ok(o, "list-signing-platforms", "--page-size", "2")["platforms"]
    assert len(plats) == 5 and PLATFORM in [x["platformId"] for x in plats]
    p = cli.ok(o, "get-signing-platform", "--platform-id", PLATFORM)
    assert p["platformId"] == PLATFORM and p["category"] == "AWSIoT"   # the enum's only value
    assert p["revocationSupported"] is True
    assert p["signingConfiguration"]["hashAlgorithmOptions"]["defaultValue"] == "SHA384"
    assert cli.ok(o, "list-signing-platforms", "--category", "AWSIoT")["platforms"]


def test_sign_describe_list_revoke(cli, env, payload_file):
    o = env["owner"]
    p = cli.ok(o, "put-signing-profile", "--profile-name", "cli_sign", "--platform-id", PLATFORM)
    s = cli.ok(o, "sign-payload", "--profile-name", "cli_sign", "--payload", payload_file,
               "--payload-format", FORMAT)
    assert s["jobOwner"] == OWNER
    job_arn = f"arn:aws:signer:{REGION}:{OWNER}:/signing-jobs/{s['jobId']}"
    assert s["metadata"]["com.amazonaws.signer.signingJob"] == job_arn
    assert s["metadata"]["com.amazonaws.signer.signingProfileVersion"] == p["profileVersionArn"]
    jws = json.loads(base64.b64decode(s["signature"]))     # the blob, base64 in the CLI's JSON
    assert jws["payload"] and jws["signature"] and len(jws["header"]["x5c"]) == 3
    pad = "=" * (-len(jws["payload"]) % 4)
    assert base64.urlsafe_b64decode(jws["payload"] + pad) == PAYLOAD

    d = cli.ok(o, "describe-signing-job", "--job-id", s["jobId"])
    assert d["status"] == "Succeeded" and d["profileName"] == "cli_sign"
    assert d["profileVersion"] == p["profileVersion"] and d["jobInvoker"] == OWNER
    assert d["requestedBy"] == f"arn:aws:iam::{OWNER}:root"
    close_to_now(d["createdAt"])
    assert d["signatureExpiresAt"] > d["createdAt"] + 365 * 86400

    jobs = cli.ok(o, "list-signing-jobs", "--no-is-revoked")["jobs"]
    assert s["jobId"] in [j["jobId"] for j in jobs]
    assert cli.ok(o, "list-signing-jobs", "--is-revoked")["jobs"] == []

    rev = ["get-revocation-status", "--signature-timestamp",
           datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"),
           "--platform-id", PLATFORM, "--profile-version-arn", p["profileVersionArn"],
           "--job-arn", job_arn, "--certificate-hashes", "a" * 192, "b" * 192]
    assert cli.ok(o, *rev) == {"revokedEntities": []}
    assert cli.ok(o, "revoke-signature", "--job-id", s["jobId"], "--reason", "cli says so") == {}
    assert cli.ok(o, *rev)["revokedEntities"] == [job_arn]
    d = cli.ok(o, "describe-signing-job", "--job-id", s["jobId"])
    assert d["revocationRecord"]["reason"] == "cli says so"
    assert d["revocationRecord"]["revokedBy"] == f"arn:aws:iam::{OWNER}:root"
    assert [j["jobId"] for j in cli.ok(o, "list-signing-jobs", "--is-revoked")["jobs"]] == \
        [s["jobId"]]

    assert cli.ok(o, "revoke-signing-profile", "--profile-name", "cli_sign", "--profile-version",
                  p["profileVersion"], "--reason", "key compromise", "--effective-time",
                  "2020-01-01T00:00:00Z") == {}
    g = cli.ok(o, "get-signing-profile", "--profile-name", "cli_sign")
    assert g["status"] == "Revoked" and g["revocationRecord"]["revocationEffectiveFrom"] == \
        1577836800
    assert p["profileVersionArn"] in cli.ok(o, *rev)["revokedEntities"]


def test_permissions(cli, env):
    o = env["owner"]
    cli.ok(o, "put-signing-profile", "--profile-name", "cli_share", "--platform-id", PLATFORM)
    a = cli.ok(o, "add-profile-permission", "--profile-name", "cli_share", "--action",
               "signer:SignPayload", "--principal", OTHER, "--statement-id", "build")
    assert set(a) == {"revisionId"}
    b = cli.ok(o, "add-profile-permission", "--profile-name", "cli_share", "--action",
               "signer:GetSigningProfile", "--principal", f"arn:aws:iam::{OTHER}:role/ci",
               "--statement-id", "read", "--revision-id", a["revisionId"])
    assert b["revisionId"] != a["revisionId"]
    lp = cli.ok(o, "list-profile-permissions", "--profile-name", "cli_share")
    assert lp["revisionId"] == b["revisionId"] and lp["policySizeBytes"] > 0
    assert sorted((x["statementId"], x["action"], x["principal"]) for x in lp["permissions"]) == [
        ("build", "signer:SignPayload", OTHER),
        ("read", "signer:GetSigningProfile", f"arn:aws:iam::{OTHER}:role/ci")]
    rm = cli.ok(o, "remove-profile-permission", "--profile-name", "cli_share", "--statement-id",
                "read", "--revision-id", b["revisionId"])
    assert set(rm) == {"revisionId"} and rm["revisionId"] != b["revisionId"]
    lp = cli.ok(o, "list-profile-permissions", "--profile-name", "cli_share")
    assert [x["statementId"] for x in lp["permissions"]] == ["build"]


def test_tags(cli, env):
    o = env["owner"]
    arn = cli.ok(o, "put-signing-profile", "--profile-name", "cli_tags", "--platform-id",
                 PLATFORM, "--tags", "team=a")["arn"]
    assert cli.ok(o, "tag-resource", "--resource-arn", arn, "--tags", "k1=v1,k2=v2") == {}
    assert cli.ok(o, "list-tags-for-resource", "--resource-arn", arn)["tags"] == \
        {"team": "a", "k1": "v1", "k2": "v2"}
    assert cli.ok(o, "untag-resource", "--resource-arn", arn, "--tag-keys", "k1", "team") == {}
    assert cli.ok(o, "list-tags-for-resource", "--resource-arn", arn)["tags"] == {"k2": "v2"}


def test_cross_account_sign(cli, env, payload_file):
    o, b = env["owner"], env["other"]
    p = cli.ok(o, "put-signing-profile", "--profile-name", "cli_x", "--platform-id", PLATFORM)
    sign = ["sign-payload", "--profile-name", "cli_x", "--profile-owner", OWNER, "--payload",
            payload_file, "--payload-format", FORMAT]
    code, op, msg = cli.fail(b, *sign)
    assert (code, op) == ("AccessDeniedException", "SignPayload")
    assert msg == (f"User: arn:aws:iam::{OTHER}:root is not authorized to perform: "
                   f"signer:SignPayload on resource: {profile_arn('cli_x')}")
    assert all(j["profileName"] != "cli_x" for j in cli.ok(o, "list-signing-jobs")["jobs"])
    cli.ok(o, "add-profile-permission", "--profile-name", "cli_x", "--action",
           "signer:SignPayload", "--principal", OTHER, "--statement-id", "b")
    s = cli.ok(b, *sign)
    assert s["jobOwner"] == OWNER
    assert s["metadata"]["com.amazonaws.signer.signingProfileVersion"] == p["profileVersionArn"]
    d = cli.ok(b, "describe-signing-job", "--job-id", s["jobId"])
    assert d["jobOwner"] == OWNER and d["jobInvoker"] == OTHER
    # Not granted: revocation by the other account.
    code, op, msg = cli.fail(b, "revoke-signature", "--job-id", s["jobId"], "--job-owner", OWNER,
                             "--reason", "no")
    assert (code, op) == ("AccessDeniedException", "RevokeSignature")
    assert "signer:RevokeSignature" in msg


# ---- GetRevocationStatus and the host prefix ----------------------------------------------------

def revocation_args():
    return ["get-revocation-status", "--signature-timestamp", "2024-01-01T00:00:00Z",
            "--platform-id", PLATFORM, "--profile-version-arn",
            profile_arn("x") + "/abcdefghij", "--job-arn",
            f"arn:aws:signer:{REGION}:{OWNER}:/signing-jobs/x", "--certificate-hashes", "c" * 192]


def test_host_prefix_injection_must_be_disabled(cli, env):
    """Without the setting, botocore sends GetRevocationStatus to data-127.0.0.1: exit 255."""
    r = cli.run(env["owner"], *revocation_args(),
                env={"AWS_DISABLE_HOST_PREFIX_INJECTION": None})
    assert r.returncode == 255, r.stderr
    assert f'Could not connect to the endpoint URL: "http://data-127.0.0.1:{env["server"].port}' \
        "/revocations?" in r.stderr, r.stderr


def test_host_prefix_disabled_by_env(cli, env):
    assert cli.ok(env["owner"], *revocation_args()) == {"revokedEntities": []}


def test_host_prefix_disabled_by_config_file(cli, env, tmp_path):
    config = tmp_path / "config"
    config.write_text("[default]\ndisable_host_prefix_injection = true\n")
    out = cli.ok(env["owner"], *revocation_args(),
                 env={"AWS_DISABLE_HOST_PREFIX_INJECTION": None, "AWS_CONFIG_FILE": str(config)})
    assert out == {"revokedEntities": []}


# ---- the main errors ---------------------------------------------------------------------------

def test_errors(cli, env, payload_file):
    o = env["owner"]
    cli.ok(o, "put-signing-profile", "--profile-name", "cli_err", "--platform-id", PLATFORM)
    assert cli.fail(o, "get-signing-profile", "--profile-name", "nope_nope") == (
        "ResourceNotFoundException", "GetSigningProfile",
        "The signing profile nope_nope does not exist")
    code, op, _ = cli.fail(o, "describe-signing-job", "--job-id", "no-such-job")
    assert (code, op) == ("ResourceNotFoundException", "DescribeSigningJob")
    code, op, msg = cli.fail(o, "sign-payload", "--profile-name", "cli_err", "--payload",
                             payload_file, "--payload-format", "text/plain")
    assert (code, op) == ("ValidationException", "SignPayload") and "text/plain" in msg
    code, op, _ = cli.fail(o, "get-signing-platform", "--platform-id", "Nope")
    assert (code, op) == ("ResourceNotFoundException", "GetSigningPlatform")
    code, op, _ = cli.fail(o, "list-tags-for-resource", "--resource-arn",
                           profile_arn("cli_err_missing"))
    assert (code, op) == ("NotFoundException", "ListTagsForResource")
    code, op, _ = cli.fail(o, "tag-resource", "--resource-arn", "not-an-arn", "--tags", "a=b")
    assert (code, op) == ("BadRequestException", "TagResource")
    code, op, _ = cli.fail(o, "untag-resource", "--resource-arn", profile_arn("cli_err_missing"),
                           "--tag-keys", "a")
    assert (code, op) == ("NotFoundException", "UntagResource")
    a = cli.ok(o, "add-profile-permission", "--profile-name", "cli_err", "--action",
               "signer:SignPayload", "--principal", OTHER, "--statement-id", "e1")
    code, op, _ = cli.fail(o, "add-profile-permission", "--profile-name", "cli_err", "--action",
                           "signer:SignPayload", "--principal", OTHER, "--statement-id", "e2",
                           "--revision-id", "stale")
    assert (code, op) == ("ConflictException", "AddProfilePermission")
    code, op, _ = cli.fail(o, "remove-profile-permission", "--profile-name", "cli_err",
                           "--statement-id", "e1", "--revision-id", "stale")
    assert (code, op) == ("ConflictException", "RemoveProfilePermission")
    assert cli.ok(o, "list-profile-permissions", "--profile-name", "cli_err")["revisionId"] == \
        a["revisionId"]                                      # nothing changed
    code, op, _ = cli.fail(o, "revoke-signing-profile", "--profile-name", "cli_err",
                           "--profile-version", "ZZZZZZZZZZ", "--reason", "r",
                           "--effective-time", "2020-01-01T00:00:00Z")
    assert (code, op) == ("ResourceNotFoundException", "RevokeSigningProfile")
    code, op, msg = cli.fail(o, "start-signing-job", "--source",
                             "s3={bucketName=b,key=k,version=1}", "--destination",
                             "s3={bucketName=b}", "--profile-name", "cli_err")
    assert (code, op) == ("ValidationException", "StartSigningJob")
    assert "not yet supported" in msg
    code, op, _ = cli.fail(env["other"], "get-signing-profile", "--profile-name", "cli_err",
                           "--profile-owner", OWNER)
    assert (code, op) == ("AccessDeniedException", "GetSigningProfile")


def test_authentication_errors(cli, env):
    o = env["owner"]
    bad = dict(o, SecretAccessKey="wrong" + o["SecretAccessKey"][5:])
    code, op, msg = cli.fail(bad, "list-signing-profiles")
    assert (code, op) == ("InvalidSignatureException", "ListSigningProfiles")
    assert msg.startswith("The request signature we calculated does not match")
    unknown = {"AccessKeyId": "AKIAUNKNOWNUNKNOWN00", "SecretAccessKey": "x" * 40}
    assert cli.fail(unknown, "list-signing-platforms")[0] == "UnrecognizedClientException"
    k = create_key(env["store"], OWNER)
    run(env["store"], "update-access-key", "--access-key-id", k["AccessKeyId"], "--status",
        "Inactive")
    assert cli.fail(k, "list-signing-platforms")[0] == "UnrecognizedClientException"
    # No credentials at all: the CLI refuses before any request.
    r = cli.run(o, "list-signing-platforms",
                env={"AWS_ACCESS_KEY_ID": None, "AWS_SECRET_ACCESS_KEY": None})
    assert r.returncode == 255 and "Unable to locate credentials" in r.stderr


def test_temporary_key(cli, env, payload_file):
    t = json.loads(run(env["store"], "create-access-key", "--account-id", OWNER,
                       "--temporary").stdout)["AccessKey"]
    assert t["AccessKeyId"].startswith("ASIA") and t["SessionToken"]
    cli.ok(t, "put-signing-profile", "--profile-name", "cli_tmp", "--platform-id", PLATFORM)
    s = cli.ok(t, "sign-payload", "--profile-name", "cli_tmp", "--payload", payload_file,
               "--payload-format", FORMAT)
    assert s["jobOwner"] == OWNER
    rec = [x for x in env["server"].audit_lines() if x["eventName"] == "SignPayload"][-1]
    assert rec["userIdentity"]["accessKeyId"] == t["AccessKeyId"]
    assert rec["responseElements"]["jobId"] == s["jobId"]
    assert t["SessionToken"] not in env["server"].audit.read_text()
    no_token = dict(t, SessionToken=None)
    assert cli.fail(no_token, "list-signing-platforms")[0] == "UnrecognizedClientException"
    wrong = dict(t, SessionToken=t["SessionToken"][:-4] + "AAAA")
    code, _, msg = cli.fail(wrong, "list-signing-platforms")
    assert code == "UnrecognizedClientException"
    assert msg == "The security token included in the request is invalid."


def test_expired_temporary_key(cli, env):
    """A temporary key made two days ago (under faketime) has expired (12 h by default)."""
    faketime = shutil.which("faketime")
    if faketime is None:
        pytest.fail("faketime not found: run scripts/install-deps.sh (Debian faketime)")
    # Under ASan, libfaketime (LD_PRELOAD) comes before the ASan runtime: allow it.
    asan = os.environ.get("ASAN_OPTIONS", "")
    e = dict(os.environ, ASAN_OPTIONS=(asan + ":" if asan else "") + "verify_asan_link_order=0")
    r = subprocess.run([faketime, "-f", "-2d", str(BIN), "--store", str(env["store"]),
                        "create-access-key", "--account-id", OWNER, "--temporary"],
                       capture_output=True, text=True, timeout=60, env=e)
    assert r.returncode == 0, r.stderr
    t = json.loads(r.stdout)["AccessKey"]
    assert cli.fail(t, "list-signing-platforms") == (
        "ExpiredTokenException", "ListSigningPlatforms",
        "The security token included in the request is expired")


def test_waiter(cli, env, payload_file):
    """`aws signer wait successful-signing-job` polls DescribeSigningJob until Succeeded."""
    o = env["owner"]
    cli.ok(o, "put-signing-profile", "--profile-name", "cli_wait", "--platform-id", PLATFORM)
    s = cli.ok(o, "sign-payload", "--profile-name", "cli_wait", "--payload", payload_file,
               "--payload-format", FORMAT)
    r = cli.run(o, "wait", "successful-signing-job", "--job-id", s["jobId"])
    assert r.returncode == 0 and r.stdout == "", r.stderr
    r = cli.run(o, "wait", "successful-signing-job", "--job-id", "no-such-job")
    assert r.returncode == 255 and "Waiter SuccessfulSigningJob failed" in r.stderr, r.stderr


def test_every_operation_went_through_the_cli(env):
    """Each of serve's operations answered the AWS CLI with success at least once (by the
    audit trail's userAgent), so the list above cannot silently lose one."""
    done = {x["eventName"] for x in env["server"].audit_lines()
            if x.get("userAgent", "").startswith("aws-cli/1.45.11 ") and not x.get("errorCode")}
    assert OPERATIONS <= done, OPERATIONS - done
