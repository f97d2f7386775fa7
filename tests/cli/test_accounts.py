"""signer-local's sharing, tags and access-key commands (issue 9), as `aws signer` / `aws iam`
print them. Run: python3 -m pytest -q tests/cli (SGN_SIGNER_LOCAL_BIN names the binary)."""

import os
import re
import stat

from test_signer_local import NOTATION, assert_service_error, sl  # noqa: F401  (fixture)

B_DEV = "arn:aws:iam::111122223333:user/dev"
C_ROOT = "arn:aws:iam::444455556666:root"


def profile_arn(account="000000000000", name="app"):
    return f"arn:aws:signer:local:{account}:/signing-profiles/{name}"


def test_share_sign_and_revoke_across_accounts(sl):
    version = sl.put_profile("app")["profileVersion"]
    rev = sl.json("add-profile-permission", "--profile-name", "app", "--action",
                  "signer:SignPayload", "--principal", "111122223333", "--statement-id", "sign")
    r = sl.run("add-profile-permission", "--profile-name", "app", "--action",
               "signer:RevokeSignature", "--principal", "111122223333", "--statement-id", "revoke")
    assert "pass its current revisionId" in assert_service_error(r, "ConflictException",
                                                                 "AddProfilePermission")
    sl.json("add-profile-permission", "--profile-name", "app", "--action", "signer:RevokeSignature",
            "--principal", "111122223333", "--statement-id", "revoke", "--revision-id",
            rev["revisionId"])
    listed = sl.json("list-profile-permissions", "--profile-name", "app")
    assert [p["statementId"] for p in listed["permissions"]] == ["sign", "revoke"]
    assert listed["policySizeBytes"] > 0
    signed = sl.json("--caller-principal", B_DEV, "sign-payload", "--profile-name", "app",
                     "--profile-owner", "000000000000", "--payload", "eyJhIjoxfQ==",
                     "--payload-format", "application/vnd.cncf.notary.payload.v1+json")
    assert signed["jobOwner"] == "000000000000"
    assert signed["metadata"]["com.amazonaws.signer.signingProfileVersion"] == \
        f"{profile_arn()}/{version}"
    job = sl.json("--caller-principal", B_DEV, "describe-signing-job", "--job-id", signed["jobId"])
    assert (job["jobOwner"], job["jobInvoker"], job["requestedBy"]) == \
        ("000000000000", "111122223333", B_DEV)
    sl.ok("--caller-principal", B_DEV, "revoke-signature", "--job-id", signed["jobId"],
          "--reason", "leaked")
    r = sl.run("--caller-principal", C_ROOT, "sign-payload", "--profile-name", "app",
               "--profile-owner", "000000000000", "--payload", "eyJhIjoxfQ==",
               "--payload-format", "application/vnd.cncf.notary.payload.v1+json")
    assert assert_service_error(r, "AccessDeniedException", "SignPayload") == (
        f"User: {C_ROOT} is not authorized to perform: signer:SignPayload on resource: "
        f"{profile_arn()}")
    rev = sl.json("list-profile-permissions", "--profile-name", "app")["revisionId"]
    sl.json("remove-profile-permission", "--profile-name", "app", "--statement-id", "sign",
            "--revision-id", rev)
    r = sl.run("--caller-principal", B_DEV, "sign-payload", "--profile-name", "app",
               "--profile-owner", "000000000000", "--payload", "eyJhIjoxfQ==",
               "--payload-format", "application/vnd.cncf.notary.payload.v1+json")
    assert_service_error(r, "AccessDeniedException", "SignPayload")


def test_notation_profiles_refuse_start_signing_job(sl):
    sl.put_profile("app")
    r = sl.run("add-profile-permission", "--profile-name", "app", "--action",
               "signer:StartSigningJob", "--principal", "111122223333", "--statement-id", "s")
    assert assert_service_error(r, "ValidationException", "AddProfilePermission") == (
        "Action signer:StartSigningJob not supported for platform Notation-OCI-SHA384-ECDSA. "
        "Action must be one of [signer:SignPayload, signer:GetSigningProfile, "
        "signer:RevokeSignature]")


def test_caller_principal_is_checked(sl):
    r = sl.run("--caller-principal", "arn:aws:iam::1234:root", "list-signing-profiles")
    assert r.rc == 2 and "invalid caller account" in r.err, r


def test_tags_commands(sl):
    sl.put_profile("app", "--tags", "team=pay")
    assert sl.ok("tag-resource", "--resource-arn", profile_arn(), "--tags",
                 "env=prod,team=sec").out == ""
    assert sl.json("list-tags-for-resource", "--resource-arn", profile_arn()) == \
        {"tags": {"team": "sec", "env": "prod"}}
    sl.ok("untag-resource", "--resource-arn", profile_arn(), "--tag-keys", "team")
    assert sl.json("get-signing-profile", "--profile-name", "app")["tags"] == {"env": "prod"}
    r = sl.run("list-tags-for-resource", "--resource-arn", profile_arn(name="nope"))
    assert_service_error(r, "NotFoundException", "ListTagsForResource")
    r = sl.run("tag-resource", "--resource-arn", "arn:aws:s3:::bucket", "--tags", "a=b")
    assert_service_error(r, "BadRequestException", "TagResource")
    r = sl.run("tag-resource", "--resource-arn", profile_arn(), "--tags",
               ",".join(f"k{i}=v" for i in range(50)))
    assert "at most 50 tags" in assert_service_error(r, "BadRequestException", "TagResource")


def test_access_keys(sl):
    created = sl.json("create-access-key", "--account-id", "111122223333", "--principal", B_DEV)
    key = created["AccessKey"]
    assert re.fullmatch(r"AKIA[A-Z2-7]{16}", key["AccessKeyId"])
    assert len(key["SecretAccessKey"]) == 40 and key["Status"] == "Active"
    assert key["UserName"] == "dev"
    assert stat.S_IMODE(os.stat(sl.store / "signer.db").st_mode) == 0o600
    temp = sl.json("create-access-key", "--account-id", "111122223333", "--temporary",
                   "--duration-seconds", "900")["AccessKey"]
    assert re.fullmatch(r"ASIA[A-Z2-7]{16}", temp["AccessKeyId"])
    assert temp["SessionToken"] and temp["Expiration"].endswith("+00:00")
    listed = sl.json("list-access-keys", "--account-id", "111122223333")["AccessKeyMetadata"]
    assert {k["AccessKeyId"] for k in listed} == {key["AccessKeyId"], temp["AccessKeyId"]}
    assert all("SecretAccessKey" not in k for k in listed)
    sl.ok("update-access-key", "--access-key-id", key["AccessKeyId"], "--status", "Inactive")
    listed = sl.json("list-access-keys")["AccessKeyMetadata"]
    assert [k["Status"] for k in listed if k["AccessKeyId"] == key["AccessKeyId"]] == ["Inactive"]
    sl.ok("delete-access-key", "--access-key-id", key["AccessKeyId"])
    r = sl.run("delete-access-key", "--access-key-id", key["AccessKeyId"])
    assert_service_error(r, "NoSuchEntity", "DeleteAccessKey")
    r = sl.run("create-access-key", "--account-id", "111122223333", "--principal", C_ROOT)
    assert "does not belong" in assert_service_error(r, "ValidationException", "CreateAccessKey")
    r = sl.run("--caller-principal", B_DEV, "list-access-keys")
    assert_service_error(r, "AccessDeniedException", "ListAccessKeys")
