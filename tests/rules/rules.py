"""The normative rules of the reference documents that signer-local implements: one row per rule.

Every row cites where the rule is written: `doc` is a file of ../shared/seeds (or, when it has a
slash, a path under ../shared, e.g. research/aws-signer-api.md for the API model's constraints the
guides do not spell out), `lines` the line numbers, and `keyword` a word that must be on each cited
line (test_rules.py checks it, case-insensitively, so a citation cannot drift). `summary` is the
rule in our own words. The check is either `run` (a function taking a harness.Store) or data:
`setup` (commands that must succeed first) and `cmd` with the expected exit code, service error
code or JSON subset.

`fault=N` marks a rule the local Signer once got wrong: fault N of issue 7, fixed there; the row
failed before that fix.

NOT_COVERED lists the rules of operations the product does not have yet, with the issue that
will build them; README's Conformance section shows the same table.
"""

import datetime as dt
import json
import re
import time
from dataclasses import dataclass, field
from typing import Callable, Optional

from harness import (ACM_ARN, IOT_PLATFORMS, LAMBDA, NOTATION, PAYLOAD, REPO, add_months,
                     assert_service_error, chain_hashes, epoch, iso, jws_envelope, shared_dir,
                     signing_time)

DG = "aws-signer-developer-guide.txt"
IOT = "code-signing-for-aws-iot-guide.txt"
CSP = "container-signing-prerequisites.txt"
RN = "release-note-container-signing.txt"
XA = "cross-account-signing.txt"
API = "research/aws-signer-api.md"

VE = "ValidationException"
RNF = "ResourceNotFoundException"
DAY = 86400


@dataclass
class Rule:
    id: str
    doc: str
    lines: tuple
    keyword: str
    summary: str
    run: Optional[Callable] = None
    setup: list = field(default_factory=list)
    cmd: Optional[list] = None
    rc: int = 0
    code: Optional[str] = None
    op: Optional[str] = None
    subset: Optional[dict] = None
    fault: Optional[int] = None
    faketime: bool = False


@dataclass
class Uncovered:
    doc: str
    lines: tuple
    keyword: str
    summary: str
    issue: str


def subset_of(small, big):
    """Every member of `small` is in `big` with an equal value (recursively for objects)."""
    if isinstance(small, dict):
        return isinstance(big, dict) and all(k in big and subset_of(v, big[k]) for k, v in small.items())
    return small == big


# --- profile names and versions -----------------------------------------------------------

def names_charset(s):
    for good in ("Ab_9z", "my_lambda_signing_profile", "__", "UPPER_lower_09"):
        s.put(good)
    for bad in ("bad-name", "bad.name", "has space", "caf\u00e9", "a/b", "x:y"):
        s.fails(VE, "PutSigningProfile", "put-signing-profile", "--profile-name", bad,
                "--platform-id", NOTATION)


def names_length(s):
    s.put("ab")
    s.put("n" * 64)
    for bad in ("a", "n" * 65):
        s.fails(VE, "PutSigningProfile", "put-signing-profile", "--profile-name", bad,
                "--platform-id", NOTATION)
    for args, op in ((["get-signing-profile", "--profile-name", "n" * 65], "GetSigningProfile"),
                     (["cancel-signing-profile", "--profile-name", "a"], "CancelSigningProfile"),
                     (s.sign_args("a"), "SignPayload")):
        s.fails(VE, op, *args)


def version_format(s):
    out = s.put("app")
    assert re.fullmatch(r"[a-zA-Z0-9]{10}", out["profileVersion"]), out
    assert out["profileVersionArn"] == out["arn"] + "/" + out["profileVersion"]
    assert out["arn"] == "arn:aws:signer:local:000000000000:/signing-profiles/app"


def new_version(s):
    v1 = s.put("app")
    v2 = s.put("app")
    assert v2["arn"] == v1["arn"] and v2["profileVersion"] != v1["profileVersion"]
    got = s.get("app")
    assert got["profileVersion"] == v2["profileVersion"]
    assert got["profileVersionArn"] == v2["profileVersionArn"]


def version_checked(s):
    s.put("app")
    for bad in ("short", "elevenchars", "with-dash0"):
        s.fails(VE, "RevokeSigningProfile", "revoke-signing-profile", "--profile-name", "app",
                "--profile-version", bad, "--effective-time", iso(time.time() - 60),
                "--reason", "r")


# --- signature validity period -------------------------------------------------------------

def put_validity(s, name, value, vtype, platform=NOTATION):
    return s.run("put-signing-profile", "--profile-name", name, "--platform-id", platform,
                 "--signature-validity-period", f"value={value},type={vtype}")


def validity_bounds(cases):
    def check(s):
        for i, (value, vtype, ok) in enumerate(cases):
            r = put_validity(s, f"p{i}", value, vtype)
            if ok:
                assert r.rc == 0, (value, vtype, r)
                got = s.get(f"p{i}")["signatureValidityPeriod"]
                assert got == {"value": value, "type": vtype}, got
            else:
                assert r.rc == 254, (value, vtype, r)
                assert_service_error(r, VE, "PutSigningProfile")
    return check


def validity_default(s):
    for name, platform in (("notation", NOTATION), ("lambda", LAMBDA)):
        s.put(name, platform=platform)
        assert s.get(name)["signatureValidityPeriod"] == {"value": 135, "type": "MONTHS"}


def validity_types(s):
    for vtype in ("DAYS", "MONTHS", "YEARS"):
        assert put_validity(s, vtype.lower(), 2, vtype).rc == 0
        assert s.get(vtype.lower())["signatureValidityPeriod"] == {"value": 2, "type": vtype}
    for bad in ("WEEKS", "days", "HOURS"):
        r = put_validity(s, "bad", 2, bad)
        assert_service_error(r, VE, "PutSigningProfile")


def validity_expiry_days(s):
    at = "2030-03-15 12:00:00"
    s.put("app", "--signature-validity-period", "value=10,type=DAYS", at=at)
    signed = s.sign("app", at=at)
    job = s.json("describe-signing-job", "--job-id", signed["jobId"], at=at)
    created = epoch(job["createdAt"])
    assert epoch(job["signatureExpiresAt"]) == created + 10 * DAY, job
    _, protected, _ = jws_envelope(signed)
    assert epoch(protected["io.cncf.notary.expiry"]) == created + 10 * DAY
    assert created - epoch("2030-03-15T12:00:00Z") < 60  # the shifted clock was used


def validity_expiry_default(s):
    at = "2030-03-15 12:00:00"
    s.put("app", at=at)
    signed = s.sign("app", at=at)
    job = s.json("describe-signing-job", "--job-id", signed["jobId"], at=at)
    created = dt.datetime.fromisoformat(job["createdAt"])
    assert created.year == 2030 and created.month == 3, job
    assert job["signatureExpiresAt"] == add_months(created, 135).isoformat(), job
    assert job["signatureExpiresAt"].startswith("2041-06-15T")


def validity_not_iot(s):
    for i, platform in enumerate(IOT_PLATFORMS):
        s.fails(VE, "PutSigningProfile", "put-signing-profile", "--profile-name", f"iot{i}",
                "--platform-id", platform, "--signing-material", f"certificateArn={ACM_ARN}",
                "--signature-validity-period", "value=12,type=MONTHS")


def validity_absent_iot(s):
    for i, platform in enumerate(IOT_PLATFORMS):
        s.put(f"iot{i}", platform=platform)
        got = s.get(f"iot{i}")
        assert "signatureValidityPeriod" not in got, got
        listed = [p for p in s.json("list-signing-profiles")["profiles"] if p["profileName"] == f"iot{i}"]
        assert listed and "signatureValidityPeriod" not in listed[0], listed


# --- tags ------------------------------------------------------------------------------------

def tag_arg(tags):
    return json.dumps(tags)


def tags_50(s):
    fifty = {f"k{i}": f"v{i}" for i in range(50)}
    s.put("fifty", "--tags", tag_arg(fifty))
    assert s.get("fifty")["tags"] == fifty
    fiftyone = dict(fifty, k50="v50")
    s.fails(VE, "PutSigningProfile", "put-signing-profile", "--profile-name", "over",
            "--platform-id", NOTATION, "--tags", tag_arg(fiftyone))


def tags_key_length(s):
    s.put("ok", "--tags", tag_arg({"k" * 128: "v"}))
    for bad in ("k" * 129, ""):
        s.fails(VE, "PutSigningProfile", "put-signing-profile", "--profile-name", "bad",
                "--platform-id", NOTATION, "--tags", tag_arg({bad: "v"}))


def tags_aws_prefix(s):
    s.put("ok", "--tags", tag_arg({"xaws:k": "v", "team": "aws:ok"}))
    s.fails(VE, "PutSigningProfile", "put-signing-profile", "--profile-name", "bad",
            "--platform-id", NOTATION, "--tags", tag_arg({"aws:k": "v"}))


def tags_value_length(s):
    s.put("ok", "--tags", tag_arg({"k": "v" * 256, "empty": ""}))
    assert s.get("ok")["tags"] == {"k": "v" * 256, "empty": ""}
    s.fails(VE, "PutSigningProfile", "put-signing-profile", "--profile-name", "bad",
            "--platform-id", NOTATION, "--tags", tag_arg({"k": "v" * 257}))


def tags_shown(s):
    s.put("app", "--tags", "team=payments,env=prod")
    assert s.get("app")["tags"] == {"team": "payments", "env": "prod"}
    listed = s.json("list-signing-profiles")["profiles"]
    assert listed[0]["tags"] == {"team": "payments", "env": "prod"}


def tags_follow_profile(s):
    s.put("app", "--tags", "team=payments,env=prod")
    s.put("app")  # a new version without --tags keeps them
    assert s.get("app")["tags"] == {"team": "payments", "env": "prod"}
    s.put("app", "--tags", "env=test,owner=me")  # adds and overwrites, as TagResource would
    assert s.get("app")["tags"] == {"team": "payments", "env": "test", "owner": "me"}
    many = {f"k{i}": "v" for i in range(47)}
    s.put("app", "--tags", tag_arg(many))  # 3 + 47 = 50
    assert len(s.get("app")["tags"]) == 50
    s.fails(VE, "PutSigningProfile", "put-signing-profile", "--profile-name", "app",
            "--platform-id", NOTATION, "--tags", "one=more")
    assert len(s.get("app")["tags"]) == 50


# --- profile states ------------------------------------------------------------------------

def status_active(s):
    s.put("app")
    assert s.get("app")["status"] == "Active"
    assert s.json("list-signing-profiles")["profiles"][0]["status"] == "Active"


def cancel_status(s):
    s.put("app")
    s.cancel("app")
    got = s.get("app")
    assert got["status"] == "Canceled", got


def cancel_no_sign(s):
    s.put("app")
    s.sign("app")
    s.cancel("app")
    s.fails(VE, "SignPayload", *s.sign_args("app"))


def cancel_keeps_signatures(s):
    put = s.put("app")
    signed = s.sign("app")
    s.cancel("app")
    assert s.revoked_entities(signed, put["profileVersionArn"]) == []
    job = s.json("describe-signing-job", "--job-id", signed["jobId"])
    assert "revocationRecord" not in job and job["status"] == "Succeeded", job
    assert [j["isRevoked"] for j in s.json("list-signing-jobs")["jobs"]] == [False]


def cancel_no_new_version(s):
    s.put("app")
    s.cancel("app")
    s.fails(VE, "PutSigningProfile", "put-signing-profile", "--profile-name", "app",
            "--platform-id", NOTATION)
    assert s.get("app")["status"] == "Canceled"


def list_include_canceled(s):
    s.put("live")
    s.put("gone")
    s.cancel("gone")
    assert s.profile_names() == ["live"]
    assert s.profile_names("--include-canceled") == ["gone", "live"]
    assert s.profile_names("--no-include-canceled") == ["live"]


def list_statuses(s):
    s.put("live")
    s.put("gone")
    s.cancel("gone")
    put = s.put("bad")
    assert s.revoke("bad", put["profileVersion"], time.time() - 60).rc == 0
    assert s.profile_names("--statuses", "Canceled") == ["gone"]
    assert s.profile_names("--statuses", "Revoked") == ["bad"]
    assert s.profile_names("--statuses", "Active", "Revoked") == ["bad", "live"]
    assert s.profile_names("--statuses", "Active") == ["live"]


def list_platform_filter(s):
    s.put("notation")
    s.put("lambda", platform=LAMBDA)
    assert s.profile_names("--platform-id", LAMBDA) == ["lambda"]
    assert s.profile_names("--platform-id", NOTATION) == ["notation"]


def jobs_filters(s):
    s.put("app", "--signature-validity-period", "value=10,type=DAYS")
    a = s.sign("app")
    s.put("long")
    b = s.sign("long")
    s.ok("revoke-signature", "--job-id", a["jobId"], "--reason", "r")

    def ids(*flags):
        return sorted(j["jobId"] for j in s.json("list-signing-jobs", *flags)["jobs"])
    assert ids() == sorted([a["jobId"], b["jobId"]])
    assert ids("--is-revoked") == [a["jobId"]]
    assert ids("--no-is-revoked") == [b["jobId"]]
    assert ids("--platform-id", NOTATION) == sorted([a["jobId"], b["jobId"]])
    assert ids("--platform-id", LAMBDA) == []
    cut = iso(time.time() + 365 * DAY)
    assert ids("--signature-expires-before", cut) == [a["jobId"]]
    assert ids("--signature-expires-after", cut) == [b["jobId"]]
    assert ids("--job-invoker", "000000000000") == sorted([a["jobId"], b["jobId"]])


def list_statuses_enum(s):
    s.put("live")
    for bad in ("Bogus", "active", "CANCELED"):
        s.fails(VE, "ListSigningProfiles", "list-signing-profiles", "--statuses", bad)
    s.fails(VE, "ListSigningProfiles", "list-signing-profiles", "--statuses", "Active", "Bogus")


def jobs_status_enum(s):
    s.put("app")
    s.sign("app")
    assert len(s.json("list-signing-jobs", "--status", "Succeeded")["jobs"]) == 1
    assert s.json("list-signing-jobs", "--status", "Failed")["jobs"] == []
    for bad in ("Bogus", "succeeded", "Done"):
        s.fails(VE, "ListSigningJobs", "list-signing-jobs", "--status", bad)


def revoked_status(s):
    put = s.put("app")
    when = int(time.time()) - 3600
    assert s.revoke("app", put["profileVersion"], when, reason="key leaked").rc == 0
    got = s.get("app")
    assert got["status"] == "Revoked", got
    rec = got["revocationRecord"]
    assert rec["revocationEffectiveFrom"] == iso(when), rec
    assert rec["revokedBy"] and rec["revokedAt"]


def revoke_any_version(s):
    v1 = s.put("app")
    v2 = s.put("app")
    assert s.revoke("app", v1["profileVersion"], time.time() - 60).rc == 0
    got = s.get("app")
    assert got["status"] == "Revoked", got
    s.fails(VE, "SignPayload", *s.sign_args("app"))
    s.fails(VE, "PutSigningProfile", "put-signing-profile", "--profile-name", "app",
            "--platform-id", NOTATION)
    assert s.get("app")["profileVersion"] == v2["profileVersion"]


def revoked_no_sign(s):
    put = s.put("app")
    s.sign("app")
    assert s.revoke("app", put["profileVersion"], time.time() - 60).rc == 0
    s.fails(VE, "SignPayload", *s.sign_args("app"))


def revoked_irreversible(s):
    put = s.put("app")
    assert s.revoke("app", put["profileVersion"], time.time() - 60).rc == 0
    s.fails(VE, "PutSigningProfile", "put-signing-profile", "--profile-name", "app",
            "--platform-id", NOTATION)
    s.cancel("app")  # cancelling a revoked profile does not bring it back either
    got = s.get("app")
    assert got["status"] == "Revoked" and "revocationRecord" in got, got


def revoke_reason(s):
    put = s.put("app")
    v = put["profileVersion"]
    when = iso(time.time() - 60)
    r = s.run("revoke-signing-profile", "--profile-name", "app", "--profile-version", v,
              "--effective-time", when)
    assert r.rc == 2 and "--reason" in r.err, r
    r = s.run("revoke-signing-profile", "--profile-name", "app", "--profile-version", v,
              "--reason", "r")
    assert r.rc == 2 and "--effective-time" in r.err, r
    for bad in ("", "x" * 501):
        s.fails(VE, "RevokeSigningProfile", "revoke-signing-profile", "--profile-name", "app",
                "--profile-version", v, "--effective-time", when, "--reason", bad)
    assert s.get("app")["status"] == "Active"
    s.ok("revoke-signing-profile", "--profile-name", "app", "--profile-version", v,
         "--effective-time", when, "--reason", "x" * 500)


def revoke_future(s):
    put = s.put("app")
    for ahead in (3600, 86400 * 30):
        r = s.revoke("app", put["profileVersion"], time.time() + ahead)
        assert r.rc == 254, r
        assert_service_error(r, VE, "RevokeSigningProfile")
    got = s.get("app")
    assert got["status"] == "Active" and "revocationRecord" not in got, got


def revoke_past(s):
    put = s.put("app")
    when = int(time.time()) - 86400 * 3
    assert s.revoke("app", put["profileVersion"], when).rc == 0
    assert s.get("app")["revocationRecord"]["revocationEffectiveFrom"] == iso(when)


def _revoked_between(s):
    """A profile made 3 h ago, a signature made 2 h ago, the version revoked from 1 h ago."""
    put = s.put("app", at="-3h")
    signed = s.sign("app", at="-2h")
    t_sig = signing_time(signed)
    old = int(time.time()) - 3600
    assert s.revoke("app", put["profileVersion"], old).rc == 0
    assert s.revoked_entities(signed, put["profileVersionArn"]) == []
    return put, signed, t_sig, old


def revoke_earlier(s):
    put, signed, t_sig, old = _revoked_between(s)
    new = t_sig - 60
    r = s.revoke("app", put["profileVersion"], new)
    assert r.rc == 0, r
    assert s.get("app")["revocationRecord"]["revocationEffectiveFrom"] == iso(new)
    assert put["profileVersionArn"] in s.revoked_entities(signed, put["profileVersionArn"])


def revoke_later_refused(s):
    put, signed, t_sig, old = _revoked_between(s)
    r = s.revoke("app", put["profileVersion"], old + 1800)
    assert r.rc == 254, r
    assert_service_error(r, VE, "RevokeSigningProfile")
    assert s.get("app")["revocationRecord"]["revocationEffectiveFrom"] == iso(old)


def revoke_same_time(s):
    put, signed, t_sig, old = _revoked_between(s)
    before = s.get("app")["revocationRecord"]
    r = s.revoke("app", put["profileVersion"], old)
    assert r.rc == 0, r
    assert s.get("app")["revocationRecord"] == before
    assert s.revoked_entities(signed, put["profileVersionArn"]) == []


def revoke_at_or_after(s):
    put = s.put("app")
    signed = s.sign("app")
    t = int(time.time()) - 3600
    assert s.revoke("app", put["profileVersion"], t).rc == 0
    varn = put["profileVersionArn"]
    assert varn not in s.revoked_entities(signed, varn, when=t - 1)
    assert varn in s.revoked_entities(signed, varn, when=t)
    assert varn in s.revoked_entities(signed, varn, when=t + 60)
    assert varn in s.revoked_entities(signed, varn)  # the signature itself: made after t


def revoke_signature(s):
    put = s.put("app")
    a = s.sign("app")
    b = s.sign("app", payload=PAYLOAD.replace(b"1234", b"4321"))
    s.ok("revoke-signature", "--job-id", a["jobId"], "--reason", "leaked")
    job_a = a["metadata"]["com.amazonaws.signer.signingJob"]
    assert s.revoked_entities(a, put["profileVersionArn"]) == [job_a]
    assert s.revoked_entities(b, put["profileVersionArn"]) == []
    desc = s.json("describe-signing-job", "--job-id", a["jobId"])
    assert desc["revocationRecord"]["reason"] == "leaked", desc
    assert "revocationRecord" not in s.json("describe-signing-job", "--job-id", b["jobId"])
    revoked = s.json("list-signing-jobs", "--is-revoked")["jobs"]
    assert [j["jobId"] for j in revoked] == [a["jobId"]]
    assert s.get("app")["status"] == "Active"  # one signature, not the profile


def revoke_unsupported(s):
    for i, platform in enumerate(IOT_PLATFORMS):
        put = s.put(f"iot{i}", platform=platform)
        r = s.revoke(f"iot{i}", put["profileVersion"], time.time() - 60)
        assert r.rc == 254, (platform, r)
        assert_service_error(r, VE, "RevokeSigningProfile")
        assert s.get(f"iot{i}")["status"] == "Active"
    put = s.put("lambda", platform=LAMBDA)  # revocationSupported: true
    assert s.revoke("lambda", put["profileVersion"], time.time() - 60).rc == 0


# --- retention of canceled and revoked profiles ---------------------------------------------

def revocation_after_expiry(s):
    put = s.put("app", "--signature-validity-period", "value=1,type=DAYS")
    signed = s.sign("app")
    s.ok("revoke-signature", "--job-id", signed["jobId"], "--reason", "leaked")
    job = signed["metadata"]["com.amazonaws.signer.signingJob"]
    assert s.revoked_entities(signed, put["profileVersionArn"], at="+150d") == [job]


def _visible(s, name, job_id=None, at=None):
    r = s.run("get-signing-profile", "--profile-name", name, at=at)
    listed = name in s.profile_names("--include-canceled", at=at)
    by_status = name in s.profile_names("--statuses", "Canceled", "Revoked", at=at)
    job = None if job_id is None else s.run("describe-signing-job", "--job-id", job_id, at=at).rc
    return r, listed, by_status, job


def _assert_visible(s, name, job_id=None, at=None):
    r, listed, by_status, job = _visible(s, name, job_id, at)
    assert r.rc == 0 and listed and by_status, (at, r)
    assert job in (None, 0), (at, job)


def _assert_gone(s, name, job_id=None, at=None):
    r = s.run("get-signing-profile", "--profile-name", name, at=at)
    assert r.rc == 254, (at, r)
    assert_service_error(r, RNF, "GetSigningProfile")
    assert name not in s.profile_names("--include-canceled", at=at)
    assert name not in s.profile_names("--statuses", "Canceled", "Revoked", at=at)
    if job_id is not None:
        s.fails(RNF, "DescribeSigningJob", "describe-signing-job", "--job-id", job_id, at=at)
        assert job_id not in [j["jobId"] for j in s.json("list-signing-jobs", at=at)["jobs"]]


def retain_canceled_until_expiry(s):
    s.put("app", "--signature-validity-period", "value=1,type=DAYS")
    signed = s.sign("app")
    s.cancel("app")
    _assert_visible(s, "app", signed["jobId"], at="+150d")   # expired + 5 months
    _assert_gone(s, "app", signed["jobId"], at="+200d")      # expired + 6 months and more


def retain_no_signatures(s):
    s.put("app")
    s.cancel("app")
    _assert_visible(s, "app", at="+170d")
    _assert_gone(s, "app", at="+190d")


def retain_revoked(s):
    put = s.put("app", "--signature-validity-period", "value=1,type=DAYS")
    signed = s.sign("app")
    assert s.revoke("app", put["profileVersion"], time.time() - 60).rc == 0
    _assert_visible(s, "app", signed["jobId"], at="+150d")
    _assert_gone(s, "app", signed["jobId"], at="+200d")


def retain_long_signatures(s):
    s.put("app")  # 135 months
    signed = s.sign("app")
    s.cancel("app")
    _assert_visible(s, "app", signed["jobId"], at="+400d")
    _assert_visible(s, "app", signed["jobId"], at="+3650d")


def retain_active(s):
    s.put("app", "--signature-validity-period", "value=1,type=DAYS")
    signed = s.sign("app")
    r = s.run("get-signing-profile", "--profile-name", "app", at="+7300d")
    assert r.rc == 0, r
    assert s.profile_names(at="+7300d") == ["app"]
    assert s.run("describe-signing-job", "--job-id", signed["jobId"], at="+7300d").rc == 0


def retain_other_profiles(s):
    s.put("gone")
    s.cancel("gone")
    s.put("live")
    s.put("kept", "--signature-validity-period", "value=2,type=YEARS")
    s.sign("kept")
    s.cancel("kept")
    assert s.profile_names("--include-canceled", at="+200d") == ["kept", "live"]


# --- platforms -----------------------------------------------------------------------------

PLATFORMS = {
    "AWSIoTDeviceManagement-SHA256-ECDSA": dict(
        displayName="AWS IoT Device Management SHA256-ECDSA", partner="AWSIoTDeviceManagement",
        target="SHA256-ECDSA", enc=["ECDSA"], hash=["SHA256"], formats=["JSONDetached"],
        maxSizeInMB=2048, revocationSupported=False),
    "AmazonFreeRTOS-Default": dict(
        displayName="Amazon FreeRTOS SHA256-ECDSA", partner="AmazonFreeRTOS", target="SHA256-ECDSA",
        enc=["ECDSA", "RSA"], hash=["SHA256"], formats=["JSONEmbedded"], maxSizeInMB=16,
        revocationSupported=False),
    "AmazonFreeRTOS-TI-CC3220SF": dict(
        displayName="Amazon FreeRTOS SHA1-RSA CC3220SF-Format", partner="AmazonFreeRTOS",
        target="SHA1-RSA-TISHA1", enc=["RSA"], hash=["SHA1"], formats=["JSONEmbedded"],
        maxSizeInMB=16, revocationSupported=False),
    "AWSLambda-SHA384-ECDSA": dict(
        displayName="AWS Lambda", partner="AWSLambda", target="SHA384-ECDSA", enc=["ECDSA"],
        hash=["SHA384"], formats=["JSONDetached"], maxSizeInMB=250, revocationSupported=True),
    "Notation-OCI-SHA384-ECDSA": dict(
        displayName="Notation for container registries", target="SHA384-ECDSA", enc=["ECDSA"],
        hash=["SHA384"], revocationSupported=True),
}


def platform_check(pid):
    want = PLATFORMS[pid]

    def check(s):
        listed = {p["platformId"]: p for p in s.json("list-signing-platforms")["platforms"]}
        got = s.json("get-signing-platform", "--platform-id", pid)
        assert listed[pid] == got
        for key in ("displayName", "partner", "target", "maxSizeInMB", "revocationSupported"):
            if key in want:
                assert got[key] == want[key], (key, got)
        cfg = got["signingConfiguration"]
        assert cfg["encryptionAlgorithmOptions"]["allowedValues"] == want["enc"]
        assert cfg["encryptionAlgorithmOptions"]["defaultValue"] == want["enc"][0]
        assert cfg["hashAlgorithmOptions"]["allowedValues"] == want["hash"]
        assert cfg["hashAlgorithmOptions"]["defaultValue"] == want["hash"][0]
        if "formats" in want:
            assert got["signingImageFormat"]["supportedFormats"] == want["formats"]
            assert got["signingImageFormat"]["defaultFormat"] == want["formats"][0]
        assert isinstance(got["category"], str) and got["category"]
    return check


def platforms_five(s):
    ids = [p["platformId"] for p in s.json("list-signing-platforms")["platforms"]]
    assert sorted(ids) == sorted(PLATFORMS), ids


def platform_unknown(s):
    for bad in ("Bogus", "notation-oci-sha384-ecdsa", "AWSLambda"):
        s.fails(RNF, "GetSigningPlatform", "get-signing-platform", "--platform-id", bad)
        s.fails(VE, "PutSigningProfile", "put-signing-profile", "--profile-name", "p",
                "--platform-id", bad)


def iot_certificate(s):
    for i, platform in enumerate(IOT_PLATFORMS):
        s.fails(VE, "PutSigningProfile", "put-signing-profile", "--profile-name", f"iot{i}",
                "--platform-id", platform)
        s.put(f"iot{i}", platform=platform)
        assert s.get(f"iot{i}")["signingMaterial"] == {"certificateArn": ACM_ARN}
    s.put("lambda", platform=LAMBDA)  # Signer manages Lambda's and Notation's keys
    s.put("notation")


def overrides_platform_values(s):
    def put(name, ovr):
        return ["put-signing-profile", "--profile-name", name, "--platform-id", NOTATION,
                "--overrides", json.dumps(ovr)]
    ok = {"signingConfiguration": {"encryptionAlgorithm": "ECDSA", "hashAlgorithm": "SHA384"},
          "signingImageFormat": "JSONEmbedded"}
    s.ok(*put("ok", ok))
    assert s.get("ok")["overrides"] == ok
    for bad in ({"signingConfiguration": {"encryptionAlgorithm": "RSA"}},
                {"signingConfiguration": {"hashAlgorithm": "SHA1"}},
                {"signingConfiguration": {"hashAlgorithm": "SHA256"}},
                {"signingImageFormat": "JSONDetached"}):
        s.fails(VE, "PutSigningProfile", *put("bad", bad))
    # AmazonFreeRTOS-Default allows both ECDSA and RSA.
    s.ok("put-signing-profile", "--profile-name", "rtos", "--platform-id", "AmazonFreeRTOS-Default",
         "--signing-material", f"certificateArn={ACM_ARN}", "--overrides",
         json.dumps({"signingConfiguration": {"encryptionAlgorithm": "RSA"}}))


def overrides_enums(s):
    for bad in ({"signingConfiguration": {"hashAlgorithm": "MD5"}},
                {"signingConfiguration": {"encryptionAlgorithm": "DSA"}},
                {"signingImageFormat": "XML"}):
        s.fails(VE, "PutSigningProfile", "put-signing-profile", "--profile-name", "bad",
                "--platform-id", NOTATION, "--overrides", json.dumps(bad))


# --- SignPayload -----------------------------------------------------------------------------

def payload_format(s):
    s.put("app")
    for bad in ("text/plain", "application/json", "application/vnd.cncf.notary.payload.v2+json"):
        s.fails(VE, "SignPayload", "sign-payload", "--profile-name", "app", "--payload",
                "e30=", "--payload-format", bad)


def payload_size(s):
    s.put("app")
    s.sign("app", payload=b"x" * 4096)
    s.sign("app", payload=b"x")
    big = s.tmp / "big"
    big.write_bytes(b"x" * 4097)
    empty = s.tmp / "empty"
    empty.write_bytes(b"")
    for f in (big, empty):
        s.fails(VE, "SignPayload", "sign-payload", "--profile-name", "app", "--payload",
                f"fileb://{f}", "--payload-format", "application/vnd.cncf.notary.payload.v1+json")


def payload_owner(s):
    s.put("app")
    s.json(*s.sign_args("app"), "--profile-owner", "000000000000")
    s.fails("AccessDeniedException", "SignPayload", *s.sign_args("app"), "--profile-owner",
            "111122223333")
    for bad in ("123", "1111222233334", "abcdefghijkl"):
        s.fails(VE, "SignPayload", *s.sign_args("app"), "--profile-owner", bad)


def sign_job_recorded(s):
    put = s.put("app")
    signed = s.sign("app")
    job = s.json("describe-signing-job", "--job-id", signed["jobId"])
    assert job["status"] == "Succeeded", job
    assert job["profileName"] == "app" and job["profileVersion"] == put["profileVersion"]
    assert job["platformId"] == NOTATION
    assert signed["metadata"]["com.amazonaws.signer.signingProfileVersion"] == put["profileVersionArn"]


# --- pagination ------------------------------------------------------------------------------

def max_results_bounds(s):
    s.put("app")
    for cmd, op in (("list-signing-profiles", "ListSigningProfiles"),
                    ("list-signing-jobs", "ListSigningJobs"),
                    ("list-signing-platforms", "ListSigningPlatforms")):
        for bad in ("0", "26", "-1"):
            s.fails(VE, op, cmd, "--max-results", bad)
        s.ok(cmd, "--max-results", "25")
        s.ok(cmd, "--max-results", "1")


def paginate(s, cmd, key):
    first = s.json(cmd, "--max-results", "2")
    assert len(first[key]) == 2 and first.get("nextToken"), first
    items = list(first[key])
    token = first["nextToken"]
    while token:
        page = s.json(cmd, "--max-results", "2", "--next-token", token)
        assert 1 <= len(page[key]) <= 2, page
        items += page[key]
        token = page.get("nextToken")
    return items


def next_token(s):
    for n in ("a1", "b2", "c3"):
        s.put(n)
        s.sign(n)
    assert sorted(p["profileName"] for p in paginate(s, "list-signing-profiles", "profiles")) == ["a1", "b2", "c3"]
    jobs = paginate(s, "list-signing-jobs", "jobs")
    assert len({j["jobId"] for j in jobs}) == 3
    plats = paginate(s, "list-signing-platforms", "platforms")
    assert sorted(p["platformId"] for p in plats) == sorted(PLATFORMS)
    everything = s.json("list-signing-profiles")  # without --max-results: all pages, no token
    assert len(everything["profiles"]) == 3 and "nextToken" not in everything


# --- errors ----------------------------------------------------------------------------------

def rnf_profile(s):
    s.fails(RNF, "GetSigningProfile", "get-signing-profile", "--profile-name", "nope")
    s.fails(RNF, "CancelSigningProfile", "cancel-signing-profile", "--profile-name", "nope")
    s.fails(RNF, "SignPayload", *s.sign_args("nope"))
    s.fails(RNF, "RevokeSigningProfile", "revoke-signing-profile", "--profile-name", "nope",
            "--profile-version", "abcdefghij", "--effective-time", iso(time.time() - 60),
            "--reason", "r")
    s.put("app")
    s.fails(RNF, "RevokeSigningProfile", "revoke-signing-profile", "--profile-name", "app",
            "--profile-version", "abcdefghij", "--effective-time", iso(time.time() - 60),
            "--reason", "r")


def rnf_job(s):
    job = "00000000-0000-4000-8000-000000000000"
    s.fails(RNF, "DescribeSigningJob", "describe-signing-job", "--job-id", job)
    s.fails(RNF, "RevokeSignature", "revoke-signature", "--job-id", job, "--reason", "r")


# --- partitions ------------------------------------------------------------------------------

def cross_partition(s):
    put = s.put("app")
    signed = s.sign("app")
    own = put["profileVersionArn"]
    _, protected, certs = jws_envelope(signed)
    job = signed["metadata"]["com.amazonaws.signer.signingJob"]
    hashes = chain_hashes(certs)

    def status(varn, jarn):
        return ["get-revocation-status", "--signature-timestamp",
                protected["io.cncf.notary.authenticSigningTime"], "--platform-id", NOTATION,
                "--profile-version-arn", varn, "--job-arn", jarn, "--certificate-hashes", *hashes]
    s.ok(*status(own, job))
    gov = own.replace("arn:aws:", "arn:aws-us-gov:")
    cn = job.replace("arn:aws:", "arn:aws-cn:")
    msg = s.fails(VE, "GetRevocationStatus", *status(gov, job))
    assert "aws-us-gov" in msg, msg
    s.fails(VE, "GetRevocationStatus", *status(own, cn))


# --- the notation trust installation ---------------------------------------------------------

def _snapshot(d):
    if not d.exists():
        return {}
    return {str(p.relative_to(d)): (p.read_bytes() if p.is_file() else None)
            for p in sorted(d.rglob("*"))}


def trust_signing_authority(s):
    arn = s.put("app")["arn"]
    cfg = s.tmp / "notation"
    out = s.json("install-notation-trust", "--notation-config", cfg)
    name = out["trustStore"].split(":", 1)[1]
    assert out["trustStore"].startswith("signingAuthority:")
    store = cfg / "truststore" / "x509" / "signingAuthority" / name
    certs = list(store.iterdir())
    assert len(certs) == 1 and certs[0].read_text() == s.ok("export-root").out
    for f in ("trustpolicy.json", "trustpolicy.oci.json"):
        doc = json.loads((cfg / f).read_text())
        st = [p for p in doc["trustPolicies"] if p["name"] == out["policyName"]][0]
        assert st["trustStores"] == [out["trustStore"]]
        assert st["trustedIdentities"] == [arn]


def trust_profile_arn(s):
    put = s.put("app")
    s.put("app")
    cfg = s.tmp / "notation"
    out = s.json("install-notation-trust", "--notation-config", cfg)
    assert out["trustedIdentities"] == [put["arn"]]  # the profile ARN, never a version ARN


def trust_strict(s):
    s.put("app")
    cfg = s.tmp / "notation"
    s.json("install-notation-trust", "--notation-config", cfg)
    st = json.loads((cfg / "trustpolicy.json").read_text())["trustPolicies"][0]
    assert st["signatureVerification"]["level"] == "strict"
    assert st["registryScopes"] == ["*"]


def trust_all_notation_profiles(s):
    live = s.put("live")["arn"]
    gone = s.put("gone")["arn"]
    s.cancel("gone")
    put = s.put("bad")
    assert s.revoke("bad", put["profileVersion"], time.time() - 60).rc == 0
    s.put("lambda", platform=LAMBDA)
    cfg = s.tmp / "notation"
    out = s.json("install-notation-trust", "--notation-config", cfg)
    assert sorted(out["trustedIdentities"]) == sorted([live, gone, put["arn"]])


def trust_no_active(s):
    gone = s.put("gone")["arn"]
    s.cancel("gone")
    cfg = s.tmp / "notation"
    out = s.json("install-notation-trust", "--notation-config", cfg)
    assert out["trustedIdentities"] == [gone]


def trust_empty_policy(s):
    arn = s.put("app")["arn"]
    for i, text in enumerate(("", '{"version":"1.0","trustPolicies":[]}')):
        cfg = s.tmp / f"notation{i}"
        cfg.mkdir()
        (cfg / "trustpolicy.json").write_text(text)
        out = s.json("install-notation-trust", "--notation-config", cfg)
        doc = json.loads((cfg / "trustpolicy.json").read_text())
        assert [p["trustedIdentities"] for p in doc["trustPolicies"]] == [[arn]], doc
        assert out["trustedIdentities"] == [arn]


def trust_refusal_changes_nothing(s):
    cfg = s.tmp / "empty-store"
    before = _snapshot(cfg)
    r = s.run("install-notation-trust", "--notation-config", cfg)  # no profile, no identity
    assert r.rc != 0, r
    assert _snapshot(cfg) == before
    s.put("app")
    cfg = s.tmp / "conflict"
    cfg.mkdir()
    other = {"name": "wildcard", "registryScopes": ["*"],
             "signatureVerification": {"level": "strict"}, "trustStores": ["ca:corp"],
             "trustedIdentities": ["x509.subject: C=US, O=Corp"]}
    (cfg / "trustpolicy.json").write_text(json.dumps({"version": "1.0", "trustPolicies": [other]}))
    before = _snapshot(cfg)
    r = s.run("install-notation-trust", "--notation-config", cfg)
    assert r.rc != 0, r
    assert _snapshot(cfg) == before, "a refused install left files behind"


def aws_roots(s):
    shipped = REPO / "truststore" / "aws-signer-notation-root.crt"
    assert shipped.read_bytes() == (shared_dir() / "truststore" / "aws-signer-notation-root.crt").read_bytes()


def aws_govcloud_root(s):
    name = "aws-us-gov-signer-notation-root.crt"
    assert (REPO / "truststore" / name).read_bytes() == (shared_dir() / "truststore" / name).read_bytes()
    # installed beside the commercial root, each in its own signingAuthority store
    rules = (REPO / "truststore" / "CMakeLists.txt").read_text()
    assert "signingAuthority/aws-signer-ts" in rules and "signingAuthority/aws-us-gov-signer-ts" in rules
    doc = json.loads((REPO / "trustpolicy" / "templates" / "aws-us-gov.json").read_text())
    assert doc["trustPolicies"][0]["trustStores"] == ["signingAuthority:aws-us-gov-signer-ts"]


# --- the table ---------------------------------------------------------------------------------

def C(*args):
    return list(args)


# --- accounts and cross-account sharing (issue 9) ---------------------------------------------

XB = "arn:aws:iam::111122223333:user/dev"
XC = "arn:aws:iam::444455556666:root"
SIGN_AS = lambda s, who, name="app": s.run("--caller-principal", who, *s.sign_args(name),
                                           "--profile-owner", "000000000000")


def _grant(s, action, sid, *extra):
    listed = s.json("list-profile-permissions", "--profile-name", "app")
    rev = ("--revision-id", listed["revisionId"]) if "revisionId" in listed else ()
    return s.json("add-profile-permission", "--profile-name", "app", "--action", action,
                  "--principal", "111122223333", "--statement-id", sid, *rev, *extra)


def xa_platforms(s):
    s.put("app", platform=LAMBDA)
    _grant(s, "signer:StartSigningJob", "lambda")
    for platform in IOT_PLATFORMS:
        s.put("iot", platform=platform)
        r = s.run("add-profile-permission", "--profile-name", "iot", "--action",
                  "signer:GetSigningProfile", "--principal", "111122223333", "--statement-id", "x")
        assert "Cross-account signing is only available" in assert_service_error(
            r, VE, "AddProfilePermission")
        s.ok("cancel-signing-profile", "--profile-name", "iot", at=None)
        break  # one IoT profile name per store: the name of a canceled profile is not reused


def xa_grantee_signs_and_revokes(s):
    s.put("app")
    _grant(s, "signer:SignPayload", "sign")
    r = SIGN_AS(s, XB)
    assert r.rc == 0, r
    job = json.loads(r.out)["jobId"]
    r = s.run("--caller-principal", XB, "revoke-signature", "--job-id", job, "--reason", "x")
    assert_service_error(r, "AccessDeniedException", "RevokeSignature")
    _grant(s, "signer:RevokeSignature", "revoke")
    s.ok("--caller-principal", XB, "revoke-signature", "--job-id", job, "--reason", "x")
    assert s.json("describe-signing-job", "--job-id", job)["revocationRecord"]["revokedBy"] == XB
    r = SIGN_AS(s, XC)
    assert_service_error(r, "AccessDeniedException", "SignPayload")


def xa_actions_per_platform(s):
    s.put("app")
    r = s.run("add-profile-permission", "--profile-name", "app", "--action",
              "signer:StartSigningJob", "--principal", "111122223333", "--statement-id", "s")
    assert "Action must be one of [signer:SignPayload" in assert_service_error(
        r, VE, "AddProfilePermission")
    _grant(s, "signer:SignPayload", "sign")
    assert SIGN_AS(s, XB).rc == 0
    # a role ARN as principal covers that role only
    listed = s.json("list-profile-permissions", "--profile-name", "app")
    s.json("add-profile-permission", "--profile-name", "app", "--action", "signer:GetSigningProfile",
           "--principal", "arn:aws:iam::444455556666:role/ci", "--statement-id", "role",
           "--revision-id", listed["revisionId"])
    s.ok("--caller-principal", "arn:aws:iam::444455556666:role/ci", "get-signing-profile",
         "--profile-name", "app", "--profile-owner", "000000000000")
    r = s.run("--caller-principal", XC, "get-signing-profile", "--profile-name", "app",
              "--profile-owner", "000000000000")
    assert_service_error(r, "AccessDeniedException", "GetSigningProfile")


def xa_owner_arn(s):
    version = s.put("app")["profileVersion"]
    _grant(s, "signer:SignPayload", "sign")
    r = SIGN_AS(s, XB)
    assert r.rc == 0, r
    _, protected, _ = jws_envelope(json.loads(r.out))
    assert protected["com.amazonaws.signer.signingProfileVersion"] == \
        f"arn:aws:signer:local:000000000000:/signing-profiles/app/{version}"


def revision_required(s):
    s.put("app")
    first = _grant(s, "signer:SignPayload", "first")  # no revisionId
    r = s.run("add-profile-permission", "--profile-name", "app", "--action",
              "signer:GetSigningProfile", "--principal", "111122223333", "--statement-id", "second")
    assert_service_error(r, "ConflictException", "AddProfilePermission")
    r = s.run("add-profile-permission", "--profile-name", "app", "--action",
              "signer:GetSigningProfile", "--principal", "111122223333", "--statement-id", "second",
              "--revision-id", "stale")
    assert_service_error(r, "ConflictException", "AddProfilePermission")
    s.json("add-profile-permission", "--profile-name", "app", "--action", "signer:GetSigningProfile",
           "--principal", "111122223333", "--statement-id", "second", "--revision-id",
           first["revisionId"])


def profile_version_condition(s):
    v1 = s.put("app")["profileVersion"]
    _grant(s, "signer:SignPayload", "v1", "--profile-version", v1)
    assert SIGN_AS(s, XB).rc == 0
    s.put("app")  # the current version is no longer v1
    assert_service_error(SIGN_AS(s, XB), "AccessDeniedException", "SignPayload")


def manage_tags(s):
    s.put("app")
    arn = "arn:aws:signer:local:000000000000:/signing-profiles/app"
    s.ok("tag-resource", "--resource-arn", arn, "--tags", "team=pay,env=prod")
    s.ok("untag-resource", "--resource-arn", arn, "--tag-keys", "env")
    assert s.get("app")["tags"] == {"team": "pay"}


def list_tags(s):
    s.put("app", "--tags", "team=pay")
    arn = "arn:aws:signer:local:000000000000:/signing-profiles/app"
    assert s.json("list-tags-for-resource", "--resource-arn", arn) == {"tags": {"team": "pay"}}
    r = s.run("list-tags-for-resource", "--resource-arn", arn.replace("/app", "/none"))
    assert_service_error(r, "NotFoundException", "ListTagsForResource")


RULES = [
    # Profile names and versions
    Rule("name-charset", DG, (582, 1335), "underscore",
         "A profile name holds only letters, digits and underscores.", run=names_charset),
    Rule("name-length", API, (223,), "len 2..64",
         "A profile name is 2 to 64 characters, on every operation that takes one.", run=names_length),
    Rule("version-arn", DG, (604,), "profile version",
         "A version is 10 letters/digits; the version ARN is the profile ARN plus '/' and the version.",
         run=version_format),
    Rule("new-version", API, (338,), "fresh",
         "PutSigningProfile on an existing Active name makes a new current version under the same ARN.",
         run=new_version),
    Rule("version-pattern", API, (254,), "len 10..10",
         "A profile version given to RevokeSigningProfile must be exactly 10 letters/digits.",
         run=version_checked),
    # Signature validity period
    Rule("validity-default", DG, (590, 634, 644, 1327), "135 months",
         "Without a validity period a Lambda or Notation profile gets 135 months.", run=validity_default),
    Rule("validity-default-is-maximum", RN, (3,), "maximum",
         "135 months is the default and the maximum: 135 MONTHS accepted, 136 refused.",
         run=validity_bounds([(135, "MONTHS", True), (136, "MONTHS", False), (1, "MONTHS", True)]),
         fault=3),
    Rule("validity-years-maximum", DG, (634,), "maximum validity",
         "In YEARS the maximum is 11 (a 12th year would exceed 135 months).",
         run=validity_bounds([(11, "YEARS", True), (12, "YEARS", False), (1, "YEARS", True)]),
         fault=3),
    Rule("validity-days-maximum", DG, (634,), "maximum validity",
         "In DAYS the maximum is 4106, the fewest days any 135-month span holds.",
         run=validity_bounds([(4106, "DAYS", True), (4107, "DAYS", False), (4110, "DAYS", False),
                              (1, "DAYS", True)]), fault=3),
    Rule("validity-positive", DG, (644,), "validity period",
         "A validity period is a positive count: 0 or negative is refused for every type.",
         run=validity_bounds([(0, "DAYS", False), (-1, "DAYS", False), (0, "MONTHS", False),
                              (-5, "MONTHS", False), (0, "YEARS", False), (-1, "YEARS", False)]),
         fault=3),
    Rule("validity-types", DG, (644, 1327), "YEARS",
         "The validity type is DAYS, MONTHS or YEARS; any other type is a ValidationException.",
         run=validity_types, fault=8),
    Rule("validity-expiry", DG, (644,), "expire after",
         "A signature expires its profile's validity period after it was made (shifted clock).",
         run=validity_expiry_days, faketime=True),
    Rule("validity-135-months-expiry", RN, (3,), "135 months",
         "With the default, a signature made on 2030-03-15 expires on 2041-06-15 (shifted clock).",
         run=validity_expiry_default, faketime=True),
    Rule("validity-only-lambda-notation", DG, (634,), "only applicable",
         "A validity period given for an IoT platform is a ValidationException.",
         run=validity_not_iot, fault=4),
    Rule("validity-absent-iot", API, (339,), "validity applies only to",
         "An IoT profile has no signatureValidityPeriod member at all.", run=validity_absent_iot,
         fault=4),
    # Tags
    Rule("tags-max-50", DG, (593,), "up to 50 tags",
         "A profile has at most 50 tags: 50 accepted, 51 refused.", run=tags_50, fault=6),
    Rule("tags-key-length", API, (224,), "len 1..128",
         "A tag key is 1 to 128 characters.", run=tags_key_length),
    Rule("tags-aws-prefix", API, (224,), "aws:",
         "A tag key may not start with 'aws:'.", run=tags_aws_prefix),
    Rule("tags-value-length", API, (224,), "len ..256",
         "A tag value is at most 256 characters (empty allowed).", run=tags_value_length),
    Rule("tags-on-profile", DG, (591,), "tags to your signing profile",
         "Tags given at creation are shown by GetSigningProfile and ListSigningProfiles.",
         run=tags_shown),
    Rule("tags-follow-profile", DG, (591, 615), "tags",
         "Tags belong to the profile: a new version keeps them, --tags adds/overwrites keys, 50 in all.",
         run=tags_follow_profile, fault=6),
    # States
    Rule("status-active", DG, (602,), "Active",
         "A new profile is Active.", run=status_active),
    Rule("cancel-status", DG, (602, 610), "Cancel",
         "CancelSigningProfile makes the profile Canceled; it can still be read.", run=cancel_status),
    Rule("cancel-no-sign", RN, (8,), "unable to be used",
         "A Canceled profile makes no new signatures (ValidationException).", run=cancel_no_sign),
    Rule("cancel-keeps-signatures", DG, (610,), "remain unaffected",
         "Cancelling leaves earlier signatures valid: nothing revoked, job not revoked.",
         run=cancel_keeps_signatures),
    Rule("cancel-no-new-version", DG, (610,), "cannot be used again",
         "A Canceled profile cannot get a new version.", run=cancel_no_new_version),
    Rule("list-include-canceled", IOT, (299,), "CANCELED",
         "ListSigningProfiles hides Canceled profiles unless includeCanceled is set.",
         run=list_include_canceled),
    Rule("list-statuses", API, (205,), "statuses",
         "ListSigningProfiles --statuses returns exactly the profiles in those statuses.",
         run=list_statuses),
    Rule("list-platform-filter", API, (205,), "platformId",
         "ListSigningProfiles --platform-id returns only that platform's profiles.",
         run=list_platform_filter),
    Rule("jobs-filters", API, (187,), "isRevoked",
         "ListSigningJobs filters by isRevoked, platformId, signature expiry before/after and jobInvoker.",
         run=jobs_filters),
    Rule("list-statuses-enum", API, (205,), "enum Active/Canceled/Revoked",
         "A status outside Active/Canceled/Revoked is a ValidationException.", run=list_statuses_enum,
         fault=8),
    Rule("jobs-status-enum", API, (187, 319), "Succeeded",
         "ListSigningJobs --status takes InProgress/Failed/Succeeded only; others are a ValidationException.",
         run=jobs_status_enum, fault=8),
    Rule("revoked-status", DG, (602, 614), "Revoke",
         "Revoking the profile's version makes it Revoked with a revocationRecord (effective time, when, who).",
         run=revoked_status),
    Rule("revoke-any-version", DG, (614,), "After a profile is revoked",
         "Revoking any version, not only the current one, revokes the profile: no signing, no new version.",
         run=revoke_any_version, fault=2),
    Rule("revoked-no-sign", DG, (1468,), "no longer be used",
         "A Revoked profile makes no new signatures (ValidationException).", run=revoked_no_sign),
    Rule("revocation-irreversible", RN, (8,), "irreversible",
         "Revocation cannot be undone: no new version, and cancelling does not change the status.",
         run=revoked_irreversible),
    Rule("revoke-needs-date-and-reason", DG, (614,), "date and a reason",
         "RevokeSigningProfile needs an effective time and a 1-500 character reason.",
         run=revoke_reason),
    # Revocation with an effective time
    Rule("revoke-effective-not-future", DG, (1470,), "cannot be in the future",
         "An effective time in the future is a ValidationException and changes nothing.",
         run=revoke_future, fault=1),
    Rule("revoke-effective-past", DG, (1470,), "in the past",
         "An effective time in the past is accepted and recorded as revocationEffectiveFrom.",
         run=revoke_past),
    Rule("revoke-repeat-earlier", DG, (1470,), "earlier",
         "Repeating the revocation with an earlier time moves it earlier; signatures in between become revoked.",
         run=revoke_earlier, fault=1),
    Rule("revoke-repeat-later", DG, (1470,), "later",
         "Repeating the revocation with a later time is a ValidationException; the record is unchanged.",
         run=revoke_later_refused, fault=1),
    Rule("revoke-repeat-same", DG, (1470,), "repeating",
         "Repeating the revocation with the same time succeeds and changes nothing.",
         run=revoke_same_time, fault=1),
    Rule("revoke-at-or-after", DG, (614,), "effective start time",
         "GetRevocationStatus reports the version revoked for signatures at or after the effective time only.",
         run=revoke_at_or_after),
    Rule("revoke-signature", DG, (1466,), "RevokeSignature",
         "RevokeSignature revokes one job: GetRevocationStatus names it, DescribeSigningJob and "
         "ListSigningJobs --is-revoked show it; others and the profile are untouched.",
         run=revoke_signature),
    Rule("revoke-unsupported-platform", API, (465, 467, 468), "false",
         "A profile on a platform without revocationSupported (the IoT ones) cannot be revoked.",
         run=revoke_unsupported, fault=9),
    Rule("revocation-checks-after-expiry", DG, (1464,), "six months beyond",
         "A revoked signature is still reported revoked after it expired (within six months).",
         run=revocation_after_expiry, faketime=True),
    # Retention
    Rule("retain-canceled-until-expiry", DG, (612,), "six months",
         "A Canceled profile and its jobs stay visible until its signatures expired plus six months, then vanish.",
         run=retain_canceled_until_expiry, fault=7, faketime=True),
    Rule("retain-no-signatures", DG, (612,), "six months",
         "A Canceled profile without signatures vanishes six months after it was canceled.",
         run=retain_no_signatures, fault=7, faketime=True),
    Rule("retain-revoked", DG, (614,), "six months",
         "A Revoked profile is kept like a Canceled one: until its signatures expired plus six months.",
         run=retain_revoked, fault=7, faketime=True),
    Rule("retain-long-signatures", DG, (612,), "have expired",
         "While a Canceled profile's signatures are unexpired (135 months) it stays visible.",
         run=retain_long_signatures, faketime=True),
    Rule("retain-active", DG, (612,), "automatically deleted",
         "Only Canceled and Revoked profiles are deleted: an Active one is there 20 years on.",
         run=retain_active, faketime=True),
    Rule("retain-per-profile", DG, (612,), "signatures generated by that profile",
         "Retention is per profile: one vanishing leaves the others listed.",
         run=retain_other_profiles, fault=7, faketime=True),
    # Platforms
    Rule("platforms-five", DG, (621,), "platforms are available",
         "ListSigningPlatforms lists exactly the five platforms.", run=platforms_five),
    Rule("platform-iot-device-management", DG, (624,), "AWSIoTDeviceManagement-SHA256-ECDSA",
         "AWSIoTDeviceManagement-SHA256-ECDSA: its display name and attributes, no revocation.",
         run=platform_check("AWSIoTDeviceManagement-SHA256-ECDSA")),
    Rule("platform-freertos-default", DG, (625,), "AmazonFreeRTOS-Default",
         "AmazonFreeRTOS-Default: ECDSA or RSA with SHA256, JSONEmbedded, no revocation.",
         run=platform_check("AmazonFreeRTOS-Default")),
    Rule("platform-freertos-cc3220sf", DG, (626,), "AmazonFreeRTOS-TI-CC3220SF",
         "AmazonFreeRTOS-TI-CC3220SF: SHA1-RSA, JSONEmbedded, no revocation.",
         run=platform_check("AmazonFreeRTOS-TI-CC3220SF")),
    Rule("platform-lambda", DG, (627,), "AWSLambda-SHA384-ECDSA",
         "AWSLambda-SHA384-ECDSA: ECDSA with SHA384, JSONDetached, revocation supported.",
         run=platform_check("AWSLambda-SHA384-ECDSA")),
    Rule("platform-notation", DG, (628,), "Notation-OCI-SHA384-ECDSA",
         "Notation-OCI-SHA384-ECDSA: ECDSA with SHA384, revocation supported.",
         run=platform_check("Notation-OCI-SHA384-ECDSA")),
    Rule("platform-unknown", API, (160,), "ResourceNotFoundException",
         "An unknown platform id is ResourceNotFoundException for GetSigningPlatform, "
         "ValidationException for PutSigningProfile.", run=platform_unknown),
    Rule("iot-needs-certificate", DG, (561,), "import your own",
         "IoT platforms sign with an imported (ACM) certificate: signingMaterial.certificateArn is required.",
         run=iot_certificate),
    Rule("overrides-platform-values", IOT, (285,), "overrides",
         "Overrides may only name the platform's allowed encryption, hash and image-format values.",
         run=overrides_platform_values, fault=5),
    Rule("overrides-enums", API, (322, 323, 325), "`",
         "Override values outside the EncryptionAlgorithm/HashAlgorithm/ImageFormat enums are refused.",
         run=overrides_enums, fault=5),
    # SignPayload
    Rule("payload-format", API, (357,), "only valid value",
         "payloadFormat must be application/vnd.cncf.notary.payload.v1+json.", run=payload_format,
         fault=8),
    Rule("payload-size", API, (263,), "1..4096",
         "The payload is 1 to 4096 bytes.", run=payload_size),
    Rule("payload-owner", API, (263,), "profileOwner",
         "profileOwner is 12 digits; another account's profile is AccessDeniedException.",
         run=payload_owner),
    Rule("sign-job-succeeded", DG, (889,), "Succeeded",
         "A signature is a signing job that ends Succeeded, naming the profile version that made it.",
         run=sign_job_recorded),
    # Pagination
    Rule("max-results-bounds", API, (187, 196, 205), "maxResults: integer (1..25)",
         "maxResults is 1 to 25 on the three list operations.", run=max_results_bounds),
    Rule("next-token", DG, (1950, 1951), "nextToken",
         "A truncated list carries nextToken; passing it back returns the rest, and the last page has none.",
         run=next_token),
    # Errors
    Rule("not-found-profile", API, (170,), "ResourceNotFoundException",
         "An unknown profile or profile version is ResourceNotFoundException.", run=rnf_profile),
    Rule("not-found-job", DG, (1707,), "ResourceNotFoundException",
         "An unknown job id is ResourceNotFoundException (DescribeSigningJob, RevokeSignature).",
         run=rnf_job),
    # Account ids and ARNs given as input (data rows: one command, its exit code and error)
    Rule("profile-owner-pattern", API, (168,), "profileOwner",
         "GetSigningProfile's profileOwner is exactly 12 digits.",
         setup=[C("put-signing-profile", "--profile-name", "app", "--platform-id", NOTATION)],
         cmd=C("get-signing-profile", "--profile-name", "app", "--profile-owner", "12"),
         rc=254, code=VE, op="GetSigningProfile"),
    Rule("profile-owner-other-account", API, (168,), "profileOwner",
         "Reading another account's profile without a permission is AccessDeniedException.",
         setup=[C("put-signing-profile", "--profile-name", "app", "--platform-id", NOTATION)],
         cmd=C("get-signing-profile", "--profile-name", "app", "--profile-owner", "111122223333"),
         rc=254, code="AccessDeniedException", op="GetSigningProfile"),
    Rule("profile-owner-own-account", API, (168,), "profileOwner",
         "Naming one's own account as profileOwner reads the profile.",
         setup=[C("put-signing-profile", "--profile-name", "app", "--platform-id", NOTATION)],
         cmd=C("get-signing-profile", "--profile-name", "app", "--profile-owner", "000000000000"),
         subset={"profileName": "app", "status": "Active"}),
    Rule("job-owner-pattern", API, (244,), "jobOwner",
         "RevokeSignature's jobOwner is exactly 12 digits.",
         cmd=C("revoke-signature", "--job-id", "x", "--reason", "r", "--job-owner", "12"),
         rc=254, code=VE, op="RevokeSignature"),
    Rule("revoke-signature-reason", API, (244,), "len 1..500",
         "RevokeSignature's reason is 1 to 500 characters.",
         cmd=C("revoke-signature", "--job-id", "x", "--reason", ""),
         rc=254, code=VE, op="RevokeSignature"),
    Rule("job-invoker-pattern", API, (187,), "jobInvoker: string (len 12..12",
         "ListSigningJobs' jobInvoker filter is exactly 12 digits; anything else is a ValidationException.",
         cmd=C("list-signing-jobs", "--job-invoker", "123"), rc=254, code=VE, op="ListSigningJobs"),
    Rule("revocation-arn-length", API, (149,), "len 20..2048",
         "GetRevocationStatus' ARNs are 20 to 2048 characters.",
         cmd=C("get-revocation-status", "--signature-timestamp", "2026-01-01T00:00:00Z",
               "--platform-id", NOTATION, "--profile-version-arn", "short", "--job-arn",
               "arn:aws:signer:local:000000000000:/signing-jobs/x", "--certificate-hashes", "aa"),
         rc=254, code=VE, op="GetRevocationStatus"),
    # Partitions
    Rule("cross-partition", DG, (1383,), "cross-partition",
         "GetRevocationStatus with an ARN of another partition is a ValidationException.",
         run=cross_partition),
    # Trust installation
    Rule("trust-signing-authority", DG, (1379,), "signingAuthority",
         "The root goes into a signingAuthority trust store that the written trust policy names.",
         run=trust_signing_authority),
    Rule("trust-profile-arn", XA, (28,), "signing profile ARN",
         "Trust policies name the profile ARN (not a version ARN) as the trusted identity.",
         run=trust_profile_arn),
    Rule("trust-policy-strict", DG, (1395,), "strict",
         "The written trust policy verifies strictly, for every registry scope.", run=trust_strict),
    Rule("trust-all-notation-profiles", DG, (610,), "remain unaffected",
         "The policy trusts every Notation profile, Canceled and Revoked ones too (their old "
         "signatures stay valid).", run=trust_all_notation_profiles, fault=10),
    Rule("trust-without-active", DG, (610,), "Existing signatures",
         "Installing trust works with no Active profile when a Notation profile exists.",
         run=trust_no_active, fault=10),
    Rule("trust-empty-policy", CSP, (38,), "configurable trust policy",
         "An empty trust policy (0 bytes or no statements, as AWS's installer ships) is filled in.",
         run=trust_empty_policy, fault=10),
    Rule("trust-refusal-atomic", CSP, (34,), "Trust store",
         "When the installation is refused nothing in the notation config changes (no root, no policy).",
         run=trust_refusal_changes_nothing, fault=10),
    Rule("trust-aws-root", CSP, (34,), "root certificate",
         "The commercial AWS Signer root the project ships is AWS's own.", run=aws_roots),
    Rule("trust-govcloud-root", CSP, (36,), "GovCloud",
         "The GovCloud trust store and root are shipped and installed next to the commercial ones.",
         run=aws_govcloud_root),
    Rule("xa-platforms", XA, (6,), "only available",
         "Cross-account signing exists only for the Lambda and Notation platforms: an IoT profile "
         "cannot be shared.", run=xa_platforms),
    Rule("xa-grantee-signs-and-revokes", XA, (8,), "revoke signatures",
         "Another account signs with a shared profile, and revokes its signatures once granted "
         "signer:RevokeSignature; an account without a grant is refused.",
         run=xa_grantee_signs_and_revokes),
    Rule("xa-add-profile-permission", XA, (22, 24), "grant",
         "AddProfilePermission grants one action to an account or a role; Notation profiles take "
         "SignPayload, not StartSigningJob.", run=xa_actions_per_platform),
    Rule("xa-owner-arn", XA, (28,), "owner account",
         "Signatures made through a shared profile carry the owner account's profile version ARN.",
         run=xa_owner_arn),
    Rule("xa-revision-id", DG, (1571, 1580), "revisionId required",
         "The first permission statement needs no revisionId; a later one needs the current one "
         "(ConflictException otherwise).", run=revision_required),
    Rule("xa-profile-version", DG, (460,), "signer:ProfileVersion",
         "A grant limited to a profile version does not cover a newer version.",
         run=profile_version_condition),
    Rule("tags-manage", DG, (615,), "Manage tags",
         "Tags can be added to and removed from an existing profile (TagResource, UntagResource).",
         run=manage_tags),
    Rule("tags-list", DG, (2151, 2152), "tags",
         "ListTagsForResource returns a profile's tags; an unknown profile is NotFoundException.",
         run=list_tags),
]


NOT_COVERED = [
    Uncovered(DG, (856,), "StartSigningJob",
              "IoT signing uses an ACM-imported certificate whose ARN is passed to StartSigningJob", "11"),
    Uncovered(DG, (885, 887), "S3 bucket",
              "A signing job reads the object from a source S3 bucket and writes to a destination bucket", "11"),
    Uncovered(DG, (889,), "InProgress",
              "A job is InProgress, then Succeeded or Failed; empty, already signed or malformed zips fail", "11"),
    Uncovered(DG, (901,), "Failed",
              "ListSigningJobs includes Failed jobs", "11"),
    Uncovered(IOT, (199, 201), "must",
              "The source bucket is in the job's region and versioned", "11"),
    Uncovered(IOT, (217,), "same region",
              "The destination bucket is in the job's region", "11"),
    Uncovered(IOT, (285,), "overrides",
              "A profile's hash/encryption overrides change how its signing jobs sign", "11"),
    Uncovered(IOT, (820,), "signingparameters",
              "StartSigningJob takes custom signing parameters", "11"),
    Uncovered(DG, (1481,), "CloudWatch",
              "Every job state change is reported as a CloudWatch event, to both accounts when they differ", "11"),
    Uncovered(IOT, (93,), "CloudWatch",
              "Code signing objects can be monitored with CloudWatch Events", "11"),
    Uncovered(IOT, (918,), "Signature Version 4",
              "Requests are authenticated with SigV4 (the HTTP service)", "9"),
]
