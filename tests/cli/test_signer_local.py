"""signer-local, run as a program: every subcommand against throw-away stores.

The binary is $SGN_SIGNER_LOCAL_BIN, else <repo>/build/service/signer-local. Output is checked
against what the AWS CLI v2 prints (--output json): json.dumps(indent=4) layout, ISO 8601
timestamps with +00:00, nothing at all for operations without output members, exit 254 and
"An error occurred (<Code>) when calling the <Operation> operation: <message>" for service errors,
exit 2 with a usage line for command-line mistakes.
"""

import base64
import hashlib
import json
import os
import re
import shutil
import stat
import subprocess
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
BIN = Path(os.environ.get("SGN_SIGNER_LOCAL_BIN", REPO / "build" / "service" / "signer-local"))

NOTATION = "Notation-OCI-SHA384-ECDSA"
PAYLOAD_FORMAT = "application/vnd.cncf.notary.payload.v1+json"
PAYLOAD = json.dumps(
    {
        "targetArtifact": {
            "mediaType": "application/vnd.oci.image.manifest.v1+json",
            "digest": "sha256:" + "ab" * 32,
            "size": 1234,
        }
    },
    separators=(",", ":"),
).encode()
USAGE = ("usage: signer-local [--store DIR] [--caller-principal ARN] [--allow-other-owner] "
         "<command> [options]")
ISO = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\+00:00$")
SERVICE_ERROR = re.compile(
    r"^\nAn error occurred \((?P<code>\w+)\) when calling the (?P<op>\w+) operation: (?P<msg>.+)\n$",
    re.S,
)
COMMANDS = [
    "init",
    "put-signing-profile",
    "get-signing-profile",
    "list-signing-profiles",
    "cancel-signing-profile",
    "revoke-signing-profile",
    "revoke-signature",
    "describe-signing-job",
    "list-signing-jobs",
    "list-signing-platforms",
    "get-signing-platform",
    "sign-payload",
    "get-revocation-status",
    "revoke-certificate",
    "add-profile-permission",
    "list-profile-permissions",
    "remove-profile-permission",
    "tag-resource",
    "untag-resource",
    "list-tags-for-resource",
    "create-access-key",
    "list-access-keys",
    "update-access-key",
    "delete-access-key",
    "export-root",
    "install-notation-trust",
    "validate-trust-policy",
]


# --- helpers ------------------------------------------------------------------------------


def _env(home, **extra):
    env = {k: v for k, v in os.environ.items()}
    for k in ("SIGNER_LOCAL_STORE", "NOTATION_CONFIG", "XDG_CONFIG_HOME", "XDG_DATA_HOME"):
        env.pop(k, None)
    env["HOME"] = str(home)
    env.update({k: str(v) for k, v in extra.items()})
    return env


class Result:
    def __init__(self, proc):
        self.rc = proc.returncode
        self.out = proc.stdout
        self.err = proc.stderr

    def json(self):
        assert self.rc == 0, f"exit {self.rc}: {self.err}"
        return json.loads(self.out)

    def __repr__(self):
        return f"Result(rc={self.rc}, out={self.out!r}, err={self.err!r})"


class SignerLocal:
    """One store, one fake $HOME."""

    def __init__(self, tmp_path):
        self.home = tmp_path / "home"
        self.home.mkdir()
        self.store = tmp_path / "store"

    def run(self, *args, store=True, env=None, input=None):
        cmd = [str(BIN)]
        if store:
            cmd += ["--store", str(self.store)]
        cmd += [str(a) for a in args]
        proc = subprocess.run(
            cmd,
            capture_output=True,
            text=True,
            env=env if env is not None else _env(self.home),
            input=input,
            timeout=120,
        )
        return Result(proc)

    def ok(self, *args, **kw):
        r = self.run(*args, **kw)
        assert r.rc == 0, f"{args}: exit {r.rc}: {r.err}"
        assert r.err == "", r.err
        return r

    def json(self, *args, **kw):
        r = self.ok(*args, **kw)
        assert_aws_cli_layout(r.out)
        return json.loads(r.out)

    # Shortcuts.
    def put_profile(self, name, *extra, platform=NOTATION):
        return self.json(
            "put-signing-profile", "--profile-name", name, "--platform-id", platform, *extra
        )

    def sign(self, name, *extra, payload=PAYLOAD):
        return self.json(
            "sign-payload",
            "--profile-name",
            name,
            "--payload",
            base64.b64encode(payload).decode(),
            "--payload-format",
            PAYLOAD_FORMAT,
            *extra,
        )


def assert_aws_cli_layout(text):
    """Exactly what Python's json.dumps(indent=4, ensure_ascii=False) prints, plus a newline."""
    assert text.endswith("\n")
    assert text == json.dumps(json.loads(text), indent=4, ensure_ascii=False) + "\n"


def assert_service_error(r, code, operation):
    assert r.rc == 254, r
    assert r.out == ""
    m = SERVICE_ERROR.match(r.err)
    assert m, f"not the AWS CLI error form: {r.err!r}"
    assert m["code"] == code, r.err
    assert m["op"] == operation, r.err
    return m["msg"]


def assert_usage_error(r, fragment):
    assert r.rc == 2, r
    assert r.out == ""
    lines = r.err.splitlines()
    assert lines[0] == USAGE
    assert lines[-1].startswith("signer-local: error: "), r.err
    assert fragment in lines[-1], r.err


def b64url_decode(s):
    return base64.urlsafe_b64decode(s + "=" * (-len(s) % 4))


def der_tlv(data, off):
    """(tag, header_len, value_len) of the DER element at off."""
    tag = data[off]
    first = data[off + 1]
    if first < 0x80:
        return tag, 2, first
    n = first & 0x7F
    return tag, 2 + n, int.from_bytes(data[off + 2 : off + 2 + n], "big")


def tbs_sha384_hex(der):
    tag, hdr, _ = der_tlv(der, 0)
    assert tag == 0x30
    tag, thdr, tlen = der_tlv(der, hdr)
    assert tag == 0x30
    return hashlib.sha384(der[hdr : hdr + thdr + tlen]).hexdigest()


def jws_envelope(sign_output):
    env = json.loads(base64.b64decode(sign_output["signature"]))
    protected = json.loads(b64url_decode(env["protected"]))
    certs = [base64.b64decode(c) for c in env["header"]["x5c"]]
    return env, protected, certs


def chain_hashes(certs):
    h = [tbs_sha384_hex(c) for c in certs]
    return [h[i] + (h[i + 1] if i + 1 < len(h) else h[i]) for i in range(len(h))]


def revocation_query(sl, signed, version_arn, *hashes, when=None):
    _, protected, certs = jws_envelope(signed)
    job_arn = signed["metadata"]["com.amazonaws.signer.signingJob"]
    return sl.json(
        "get-revocation-status",
        "--signature-timestamp",
        when or protected["io.cncf.notary.authenticSigningTime"],
        "--platform-id",
        NOTATION,
        "--profile-version-arn",
        version_arn,
        "--job-arn",
        job_arn,
        "--certificate-hashes",
        *(hashes or chain_hashes(certs)),
    )


@pytest.fixture(scope="session", autouse=True)
def _binary():
    if not BIN.is_file():
        pytest.fail(f"{BIN} not built: build the signer-local target or set SGN_SIGNER_LOCAL_BIN")


@pytest.fixture
def sl(tmp_path):
    return SignerLocal(tmp_path)


@pytest.fixture
def signed(sl):
    """A profile and one signature made with it."""
    put = sl.put_profile("app")
    out = sl.sign("app")
    return put, out


# --- global behaviour ---------------------------------------------------------------------


@pytest.mark.parametrize("args", [["--help"], ["-h"], ["help"]])
def test_help_lists_every_command(sl, args):
    r = sl.ok(*args, store=False)
    assert r.out.startswith(USAGE + "\n")
    for name in COMMANDS:
        assert f"  {name}\n" in r.out


@pytest.mark.parametrize("args", [["version"], ["--version"]])
def test_version(sl, args):
    r = sl.ok(*args, store=False)
    assert re.fullmatch(r"signer-local \d+\.\d+\.\d+\S*\n", r.out), r.out


@pytest.mark.parametrize("command", COMMANDS)
def test_command_help(sl, command):
    for args in ([command, "--help"], ["help", command], [command, "help"]):
        r = sl.ok(*args)
        assert r.out.startswith(f"usage: signer-local [--store DIR] {command}"), r.out
    assert not sl.store.exists()  # help touches no store


USAGE_CASES = [
    ([], "the following arguments are required: command"),
    (["no-such-command"], "invalid choice: 'no-such-command'"),
    (["--bogus", "list-signing-jobs"], "unrecognized arguments: --bogus"),
    (["get-signing-profile"], "the following arguments are required: --profile-name"),
    (
        ["put-signing-profile"],
        "the following arguments are required: --profile-name, --platform-id",
    ),
    (["get-signing-profile", "--profile-name"], "argument --profile-name: expected one argument"),
    (["get-signing-profile", "--profile-name", "a", "--nope", "x"], "unrecognized arguments"),
    (["get-signing-profile", "--profile-name", "a", "stray"], "unrecognized arguments: stray"),
    (
        ["get-signing-profile", "--profile-name", "a", "--profile-name", "b"],
        "given more than once",
    ),
    (["list-signing-jobs", "--max-results", "ten"], "argument --max-results: invalid integer"),
    (["list-signing-jobs", "--is-revoked", "--no-is-revoked"], "not allowed with argument"),
    (["list-signing-jobs", "--signature-expires-before", "yesterday"], "invalid timestamp"),
    (
        ["revoke-signing-profile", "--profile-name", "a", "--profile-version", "abcdefghij",
         "--reason", "r", "--effective-time", "2024-13-01"],
        "argument --effective-time",
    ),
    (
        ["put-signing-profile", "--profile-name", "a", "--platform-id", NOTATION, "--tags", "novalue"],
        "argument --tags: expected key=value",
    ),
    (
        ["put-signing-profile", "--profile-name", "a", "--platform-id", NOTATION,
         "--signature-validity-period", "value=ten,type=MONTHS"],
        "value must be an integer",
    ),
    (
        ["put-signing-profile", "--profile-name", "a", "--platform-id", NOTATION, "--overrides", "[1]"],
        "argument --overrides: expected key=value",
    ),
    (
        ["sign-payload", "--profile-name", "a", "--payload", "not base64!", "--payload-format", "x"],
        "argument --payload: invalid base64",
    ),
    (
        ["sign-payload", "--profile-name", "a", "--payload", "fileb:///nonexistent/file",
         "--payload-format", "x"],
        "argument --payload",
    ),
    (
        ["sign-payload", "--profile-name", "a", "--payload", "aGk=", "--payload-format", "x",
         "--signature-format", "pgp"],
        "invalid choice: 'pgp'",
    ),
    (["get-revocation-status", "--platform-id", NOTATION], "the following arguments are required"),
    (["install-notation-trust", "--trust-store", "bad/name"], "argument --trust-store"),
    (["install-notation-trust", "--revocation", "sometimes"], "argument --revocation"),
    (["export-root", "--output-file"], "expected one argument"),
    (["validate-trust-policy"], "the following arguments are required: FILE"),
    (["validate-trust-policy", "a.json", "b.json"], "unrecognized arguments: b.json"),
    (["validate-trust-policy", "a.json", "--notation-config"], "expected one argument"),
]


@pytest.mark.parametrize("args,fragment", USAGE_CASES)
def test_usage_errors_exit_2(sl, args, fragment):
    r = sl.run(*args)
    assert_usage_error(r, fragment)


def test_usage_error_shows_the_command_synopsis(sl):
    r = sl.run("get-signing-profile")
    assert (
        "signer-local [--store DIR] get-signing-profile --profile-name <value> "
        "[--profile-owner <value>]" in r.err
    )


def test_store_flag_after_the_command(sl):
    r = subprocess.run(
        [str(BIN), "list-signing-profiles", "--store", str(sl.store)],
        capture_output=True,
        text=True,
        env=_env(sl.home),
    )
    assert r.returncode == 0, r.stderr
    assert (sl.store / "signer.db").exists()


# --- the store ----------------------------------------------------------------------------


def test_first_use_creates_default_store(sl):
    out = sl.put_profile("app")
    assert out["arn"] == "arn:aws:signer:local:000000000000:/signing-profiles/app"
    assert (sl.store / "signer.db").is_file()


def test_init_defaults_and_idempotence(sl):
    out = sl.json("init")
    assert out == {
        "storeDirectory": str(sl.store),
        "region": "local",
        "accountId": "000000000000",
    }
    assert sl.json("init") == out
    assert sl.json("init", "--region", "local") == out


def test_init_region_and_account(sl):
    out = sl.json("init", "--region", "eu-west-1", "--account-id", "123456789012")
    assert out["region"] == "eu-west-1" and out["accountId"] == "123456789012"
    put = sl.put_profile("app")
    assert put["arn"] == "arn:aws:signer:eu-west-1:123456789012:/signing-profiles/app"
    assert put["profileVersionArn"] == put["arn"] + "/" + put["profileVersion"]


def test_init_partition_follows_region(sl):
    sl.json("init", "--region", "cn-north-1", "--account-id", "123456789012")
    assert sl.put_profile("app")["arn"].startswith("arn:aws-cn:signer:cn-north-1:123456789012:/")


def test_init_refuses_to_change_an_existing_store(sl):
    sl.json("init")
    r = sl.run("init", "--region", "us-east-1")
    assert r.rc == 255, r
    assert r.err.startswith("signer-local: ") and "local" in r.err
    r = sl.run("init", "--account-id", "111111111111")
    assert r.rc == 255, r


def test_init_rejects_bad_account(sl):
    r = sl.run("init", "--account-id", "12")
    assert r.rc != 0
    assert r.out == ""


def test_store_from_environment(sl, tmp_path):
    env_store = tmp_path / "env-store"
    r = sl.run("init", store=False, env=_env(sl.home, SIGNER_LOCAL_STORE=env_store))
    assert json.loads(r.out)["storeDirectory"] == str(env_store), r
    xdg = tmp_path / "xdg"
    r = sl.run("init", store=False, env=_env(sl.home, XDG_DATA_HOME=xdg))
    assert json.loads(r.out)["storeDirectory"] == str(xdg / "signer-local"), r
    r = sl.run("init", store=False)
    assert json.loads(r.out)["storeDirectory"] == str(sl.home / ".local/share/signer-local"), r
    # --store wins over the environment.
    r = sl.run("init", env=_env(sl.home, SIGNER_LOCAL_STORE=env_store))
    assert json.loads(r.out)["storeDirectory"] == str(sl.store)


def test_key_files_are_private(sl, signed):
    keys = [p for p in sl.store.rglob("*") if p.is_file() and "key" in str(p.relative_to(sl.store))]
    assert keys, f"no key files under {sl.store}: {list(sl.store.rglob('*'))}"
    for p in keys:
        assert stat.S_IMODE(p.stat().st_mode) == 0o600, f"{p} is {oct(p.stat().st_mode)}"
    for p in sl.store.rglob("*"):
        if p.is_file():
            assert stat.S_IMODE(p.stat().st_mode) & 0o077 == 0, f"{p} is readable by others"
            assert b"PRIVATE KEY" not in p.read_bytes() or p in keys


# --- profiles -----------------------------------------------------------------------------


def test_put_signing_profile_output(sl):
    out = sl.put_profile("app")
    assert set(out) == {"arn", "profileVersion", "profileVersionArn"}
    assert re.fullmatch(r"[A-Za-z0-9]{10}", out["profileVersion"])
    assert out["profileVersionArn"] == out["arn"] + "/" + out["profileVersion"]


def test_put_again_makes_a_new_version(sl):
    v1 = sl.put_profile("app")["profileVersion"]
    v2 = sl.put_profile("app")["profileVersion"]
    assert v1 != v2
    assert sl.json("get-signing-profile", "--profile-name", "app")["profileVersion"] == v2


def test_get_signing_profile_shape(sl):
    put = sl.put_profile(
        "app",
        "--signature-validity-period",
        "value=12,type=MONTHS",
        "--tags",
        "team=blue,env=dev",
        "--signing-parameters",
        "k=v",
        "--overrides",
        '{"signingConfiguration":{"hashAlgorithm":"SHA384"}}',
    )
    got = sl.json("get-signing-profile", "--profile-name", "app")
    assert got["profileName"] == "app"
    assert got["profileVersion"] == put["profileVersion"]
    assert got["profileVersionArn"] == put["profileVersionArn"]
    assert got["arn"] == put["arn"]
    assert got["platformId"] == NOTATION
    assert got["platformDisplayName"]
    assert got["status"] == "Active"
    assert got["signatureValidityPeriod"] == {"value": 12, "type": "MONTHS"}
    assert got["tags"] == {"team": "blue", "env": "dev"}
    assert got["signingParameters"] == {"k": "v"}
    assert got["overrides"] == {"signingConfiguration": {"hashAlgorithm": "SHA384"}}
    assert "revocationRecord" not in got


def test_default_validity_is_135_months(sl):
    sl.put_profile("app")
    got = sl.json("get-signing-profile", "--profile-name", "app")
    assert got["signatureValidityPeriod"] == {"value": 135, "type": "MONTHS"}


def test_json_forms_of_structured_flags(sl, tmp_path):
    overrides = tmp_path / "overrides.json"
    overrides.write_text('{"signingConfiguration": {"hashAlgorithm": "SHA384"}}')
    sl.put_profile(
        "app",
        "--signature-validity-period",
        '{"value": 2, "type": "YEARS"}',
        "--tags",
        '{"a": "1"}',
        "--overrides",
        f"file://{overrides}",
    )
    got = sl.json("get-signing-profile", "--profile-name", "app")
    assert got["signatureValidityPeriod"] == {"value": 2, "type": "YEARS"}
    assert got["tags"] == {"a": "1"}
    assert got["overrides"]["signingConfiguration"]["hashAlgorithm"] == "SHA384"


def test_signing_material_shorthand(sl):
    arn = "arn:aws:acm:us-east-1:123456789012:certificate/abc"
    sl.put_profile("app", "--signing-material", f"certificateArn={arn}",
                   platform="AWSIoTDeviceManagement-SHA256-ECDSA")
    got = sl.json("get-signing-profile", "--profile-name", "app")
    assert got["signingMaterial"] == {"certificateArn": arn}
    # Signer manages the certificates of the Notation platform: signing material is refused there.
    r = sl.run("put-signing-profile", "--profile-name", "nota", "--platform-id",
               "Notation-OCI-SHA384-ECDSA", "--signing-material", f"certificateArn={arn}")
    assert_service_error(r, "ValidationException", "PutSigningProfile")


def test_get_unknown_profile_is_resource_not_found(sl):
    r = sl.run("get-signing-profile", "--profile-name", "nope")
    msg = assert_service_error(r, "ResourceNotFoundException", "GetSigningProfile")
    assert "nope" in msg


def test_put_with_unknown_platform_fails(sl):
    r = sl.run("put-signing-profile", "--profile-name", "app", "--platform-id", "NoSuchPlatform")
    assert r.rc == 254, r
    assert SERVICE_ERROR.match(r.err)
    assert "PutSigningProfile" in r.err


def test_put_with_invalid_name_is_validation_error(sl):
    r = sl.run("put-signing-profile", "--profile-name", "a-b", "--platform-id", NOTATION)
    assert_service_error(r, "ValidationException", "PutSigningProfile")


def test_list_signing_profiles_filters(sl):
    sl.put_profile("one")
    sl.put_profile("two")
    sl.json("put-signing-profile", "--profile-name", "lam", "--platform-id", "AWSLambda-SHA384-ECDSA")
    sl.ok("cancel-signing-profile", "--profile-name", "two")

    names = lambda out: sorted(p["profileName"] for p in out["profiles"])  # noqa: E731
    assert names(sl.json("list-signing-profiles")) == ["lam", "one"]
    assert names(sl.json("list-signing-profiles", "--include-canceled")) == ["lam", "one", "two"]
    assert names(sl.json("list-signing-profiles", "--no-include-canceled")) == ["lam", "one"]
    assert names(sl.json("list-signing-profiles", "--platform-id", NOTATION)) == ["one"]
    assert names(
        sl.json("list-signing-profiles", "--include-canceled", "--statuses", "Canceled")
    ) == ["two"]
    assert names(
        sl.json("list-signing-profiles", "--include-canceled", "--statuses", "Active", "Canceled")
    ) == ["lam", "one", "two"]
    assert names(
        sl.json("list-signing-profiles", "--include-canceled", "--statuses", "Active,Canceled")
    ) == ["lam", "one", "two"]
    one = [p for p in sl.json("list-signing-profiles")["profiles"] if p["profileName"] == "one"][0]
    for key in ("profileName", "profileVersion", "profileVersionArn", "platformId", "status", "arn"):
        assert key in one


def test_list_signing_profiles_pagination(sl):
    for name in ("p1", "p2", "p3"):
        sl.put_profile(name)
    first = sl.json("list-signing-profiles", "--max-results", "1")
    assert len(first["profiles"]) == 1
    assert first["nextToken"]
    seen = [first["profiles"][0]["profileName"]]
    token = first["nextToken"]
    while token:
        page = sl.json("list-signing-profiles", "--max-results", "1", "--next-token", token)
        seen += [p["profileName"] for p in page["profiles"]]
        token = page.get("nextToken")
    assert sorted(seen) == ["p1", "p2", "p3"]
    # Without --max-results/--next-token every page is fetched, as the AWS CLI does.
    everything = sl.json("list-signing-profiles")
    assert sorted(p["profileName"] for p in everything["profiles"]) == ["p1", "p2", "p3"]
    assert "nextToken" not in everything


def test_list_empty_store(sl):
    assert sl.json("list-signing-profiles") == {"profiles": []}
    assert sl.json("list-signing-jobs") == {"jobs": []}


def test_cancel_signing_profile(sl):
    sl.put_profile("app")
    r = sl.ok("cancel-signing-profile", "--profile-name", "app")
    assert r.out == ""  # no output members: the AWS CLI prints nothing
    assert sl.json("get-signing-profile", "--profile-name", "app")["status"] == "Canceled"
    r = sl.run(
        "sign-payload", "--profile-name", "app", "--payload",
        base64.b64encode(PAYLOAD).decode(), "--payload-format", PAYLOAD_FORMAT,
    )
    assert r.rc == 254, r
    assert SERVICE_ERROR.match(r.err) and "SignPayload" in r.err


def test_cancel_unknown_profile(sl):
    r = sl.run("cancel-signing-profile", "--profile-name", "nope")
    assert_service_error(r, "ResourceNotFoundException", "CancelSigningProfile")


# --- platforms ----------------------------------------------------------------------------


def test_list_signing_platforms(sl):
    out = sl.json("list-signing-platforms")
    ids = [p["platformId"] for p in out["platforms"]]
    for pid in (
        NOTATION,
        "AWSLambda-SHA384-ECDSA",
        "AWSIoTDeviceManagement-SHA256-ECDSA",
        "AmazonFreeRTOS-TI-CC3220SF",
        "AmazonFreeRTOS-Default",
    ):
        assert pid in ids
    assert "nextToken" not in out
    page = sl.json("list-signing-platforms", "--max-results", "2")
    assert len(page["platforms"]) == 2 and page["nextToken"]


def test_list_signing_platforms_filter(sl):
    out = sl.json("list-signing-platforms", "--partner", "AmazonFreeRTOS")
    assert sorted(p["platformId"] for p in out["platforms"]) == [
        "AmazonFreeRTOS-Default",
        "AmazonFreeRTOS-TI-CC3220SF",
    ]


def test_get_signing_platform(sl):
    out = sl.json("get-signing-platform", "--platform-id", NOTATION)
    assert out["platformId"] == NOTATION
    assert out["displayName"]
    assert out["revocationSupported"] is True
    assert "SHA384" in out["signingConfiguration"]["hashAlgorithmOptions"]["allowedValues"]
    assert "ECDSA" in out["signingConfiguration"]["encryptionAlgorithmOptions"]["allowedValues"]


def test_get_unknown_platform(sl):
    r = sl.run("get-signing-platform", "--platform-id", "Nope")
    assert_service_error(r, "ResourceNotFoundException", "GetSigningPlatform")


# --- signing ------------------------------------------------------------------------------


def test_sign_payload_output_and_envelope(sl, signed):
    put, out = signed
    assert set(out) == {"jobId", "jobOwner", "metadata", "signature"}
    assert re.fullmatch(r"[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}", out["jobId"])
    assert out["jobOwner"] == "000000000000"
    job_arn = f"arn:aws:signer:local:000000000000:/signing-jobs/{out['jobId']}"
    env, protected, certs = jws_envelope(out)
    assert b64url_decode(env["payload"]) == PAYLOAD
    assert protected["alg"] == "ES384"
    assert protected["cty"] == PAYLOAD_FORMAT
    assert protected["io.cncf.notary.signingScheme"] == "notary.x509.signingAuthority"
    assert protected["io.cncf.notary.verificationPlugin"] == "com.amazonaws.signer.notation.plugin"
    assert protected["com.amazonaws.signer.signingProfileVersion"] == put["profileVersionArn"]
    assert protected["com.amazonaws.signer.signingJob"] == job_arn
    assert "io.cncf.notary.verificationPlugin" in protected["crit"]
    assert len(certs) >= 3
    assert all(c[0] == 0x30 for c in certs)
    assert job_arn in out["metadata"].values()


@pytest.mark.parametrize("form", ["fileb", "file", "base64"])
def test_sign_payload_input_forms(sl, tmp_path, form):
    sl.put_profile("app")
    path = tmp_path / "payload.json"
    path.write_bytes(PAYLOAD)
    value = {
        "fileb": f"fileb://{path}",
        "file": f"file://{path}",
        "base64": base64.b64encode(PAYLOAD).decode(),
    }[form]
    out = sl.json(
        "sign-payload", "--profile-name", "app", "--payload", value,
        "--payload-format", PAYLOAD_FORMAT,
    )
    env, _, _ = jws_envelope(out)
    assert b64url_decode(env["payload"]) == PAYLOAD


def test_sign_payload_cose(sl):
    sl.put_profile("app")
    out = sl.sign("app", "--signature-format", "cose")
    sig = base64.b64decode(out["signature"])
    assert sig[0] == 0xD2  # CBOR tag 18: COSE_Sign1
    assert PAYLOAD in sig


def test_sign_payload_explicit_jws(sl):
    sl.put_profile("app")
    out = sl.sign("app", "--signature-format", "jws")
    assert json.loads(base64.b64decode(out["signature"]))["protected"]


def test_sign_payload_with_profile_owner(sl):
    sl.put_profile("app")
    sl.sign("app", "--profile-owner", "000000000000")


def test_sign_payload_unknown_profile(sl):
    r = sl.run(
        "sign-payload", "--profile-name", "nope", "--payload", "aGk=",
        "--payload-format", PAYLOAD_FORMAT,
    )
    assert_service_error(r, "ResourceNotFoundException", "SignPayload")


def test_sign_payload_bad_format_is_validation_error(sl):
    sl.put_profile("app")
    r = sl.run(
        "sign-payload", "--profile-name", "app", "--payload", "aGk=",
        "--payload-format", "text/plain",
    )
    assert_service_error(r, "ValidationException", "SignPayload")


def test_sign_payload_too_large(sl, tmp_path):
    sl.put_profile("app")
    big = tmp_path / "big"
    big.write_bytes(b"x" * 4097)
    r = sl.run(
        "sign-payload", "--profile-name", "app", "--payload", f"fileb://{big}",
        "--payload-format", PAYLOAD_FORMAT,
    )
    assert_service_error(r, "ValidationException", "SignPayload")


# --- jobs ---------------------------------------------------------------------------------


def test_describe_signing_job(sl, signed):
    put, out = signed
    job = sl.json("describe-signing-job", "--job-id", out["jobId"])
    assert job["jobId"] == out["jobId"]
    assert job["profileName"] == "app"
    assert job["profileVersion"] == put["profileVersion"]
    assert job["platformId"] == NOTATION
    assert job["status"] == "Succeeded"
    assert job["jobOwner"] == "000000000000"
    for key in ("createdAt", "completedAt", "signatureExpiresAt"):
        assert ISO.match(job[key]), (key, job[key])
    assert job["signatureExpiresAt"] > job["createdAt"]
    assert "revocationRecord" not in job


def test_describe_unknown_job(sl):
    r = sl.run("describe-signing-job", "--job-id", "00000000-0000-4000-8000-000000000000")
    assert_service_error(r, "ResourceNotFoundException", "DescribeSigningJob")


def test_list_signing_jobs(sl, signed):
    _, out = signed
    sl.put_profile("other")
    other = sl.sign("other")
    jobs = sl.json("list-signing-jobs")["jobs"]
    assert sorted(j["jobId"] for j in jobs) == sorted([out["jobId"], other["jobId"]])
    for j in jobs:
        assert j["isRevoked"] is False
        assert j["status"] == "Succeeded"
        assert ISO.match(j["createdAt"]) and ISO.match(j["signatureExpiresAt"])
    assert len(sl.json("list-signing-jobs", "--status", "Succeeded")["jobs"]) == 2
    assert sl.json("list-signing-jobs", "--status", "Failed")["jobs"] == []
    assert len(sl.json("list-signing-jobs", "--platform-id", NOTATION)["jobs"]) == 2
    assert sl.json("list-signing-jobs", "--platform-id", "AWSLambda-SHA384-ECDSA")["jobs"] == []
    assert len(sl.json("list-signing-jobs", "--signature-expires-after", "2000-01-01")["jobs"]) == 2
    assert sl.json("list-signing-jobs", "--signature-expires-before", "2000-01-01")["jobs"] == []
    assert len(sl.json("list-signing-jobs", "--signature-expires-before", "4000000000")["jobs"]) == 2
    page = sl.json("list-signing-jobs", "--max-results", "1")
    assert len(page["jobs"]) == 1 and page["nextToken"]


# --- revocation ---------------------------------------------------------------------------


def test_fresh_signature_is_not_revoked(sl, signed):
    put, out = signed
    assert revocation_query(sl, out, put["profileVersionArn"]) == {"revokedEntities": []}


def test_revoke_signature(sl, signed):
    put, out = signed
    job_arn = out["metadata"]["com.amazonaws.signer.signingJob"]
    r = sl.ok("revoke-signature", "--job-id", out["jobId"], "--reason", "bad build")
    assert r.out == ""
    job = sl.json("describe-signing-job", "--job-id", out["jobId"])
    rec = job["revocationRecord"]
    assert rec["reason"] == "bad build"
    assert ISO.match(rec["revokedAt"])
    assert rec["revokedBy"]
    assert revocation_query(sl, out, put["profileVersionArn"]) == {"revokedEntities": [job_arn]}
    revoked = sl.json("list-signing-jobs", "--is-revoked")["jobs"]
    assert [j["jobId"] for j in revoked] == [out["jobId"]]
    assert revoked[0]["isRevoked"] is True
    assert sl.json("list-signing-jobs", "--no-is-revoked")["jobs"] == []


def test_revoke_signature_with_job_owner(sl, signed):
    _, out = signed
    sl.ok("revoke-signature", "--job-id", out["jobId"], "--reason", "r", "--job-owner", "000000000000")


def test_revoke_unknown_signature(sl):
    r = sl.run("revoke-signature", "--job-id", "00000000-0000-4000-8000-000000000000", "--reason", "r")
    assert_service_error(r, "ResourceNotFoundException", "RevokeSignature")


@pytest.mark.parametrize("time_form", ["iso", "epoch"])
def test_revoke_signing_profile(sl, signed, time_form):
    put, out = signed
    _, protected, _ = jws_envelope(out)
    signed_at = protected["io.cncf.notary.authenticSigningTime"]
    effective_iso = "2020-01-01T00:00:00Z"
    effective = effective_iso if time_form == "iso" else "1577836800"
    r = sl.ok(
        "revoke-signing-profile", "--profile-name", "app", "--profile-version",
        put["profileVersion"], "--reason", "key compromise", "--effective-time", effective,
    )
    assert r.out == ""
    got = sl.json("get-signing-profile", "--profile-name", "app")
    assert got["status"] == "Revoked"
    rec = got["revocationRecord"]
    assert rec["revocationEffectiveFrom"] == "2020-01-01T00:00:00+00:00"
    assert ISO.match(rec["revokedAt"])
    assert rec["revokedBy"]
    # Made after the effective time: revoked.
    assert revocation_query(sl, out, put["profileVersionArn"], when=signed_at) == {
        "revokedEntities": [put["profileVersionArn"]]
    }
    # A signature time before the effective time: not revoked.
    assert revocation_query(sl, out, put["profileVersionArn"], when="2019-12-31T23:59:59Z") == {
        "revokedEntities": []
    }
    # A revoked profile signs no more.
    r = sl.run(
        "sign-payload", "--profile-name", "app", "--payload", "aGk=",
        "--payload-format", PAYLOAD_FORMAT,
    )
    assert r.rc == 254 and "SignPayload" in r.err


def test_revoke_signing_profile_unknown_version(sl):
    sl.put_profile("app")
    r = sl.run(
        "revoke-signing-profile", "--profile-name", "app", "--profile-version", "AAAAAAAAAA",
        "--reason", "r", "--effective-time", "2020-01-01",
    )
    assert r.rc == 254, r
    assert "RevokeSigningProfile" in r.err


def test_revoke_certificate(sl, signed):
    put, out = signed
    _, _, certs = jws_envelope(out)
    pairs = chain_hashes(certs)
    leaf_hash = tbs_sha384_hex(certs[0])
    res = sl.json("revoke-certificate", "--certificate-hash", leaf_hash, "--reason", "lost")
    assert res["certificateHashPair"] == pairs[0]
    assert ISO.match(res["revokedAt"])
    got = revocation_query(sl, out, put["profileVersionArn"], *pairs)
    assert got == {"revokedEntities": [pairs[0]]}


def test_revoke_certificate_bad_hash(sl):
    r = sl.run("revoke-certificate", "--certificate-hash", "abc", "--reason", "x")
    assert_service_error(r, "ValidationException", "RevokeCertificate")


def test_revoke_certificate_unknown_hash(sl):
    r = sl.run("revoke-certificate", "--certificate-hash", "0" * 96, "--reason", "x")
    assert r.rc == 254, r
    assert "RevokeCertificate" in r.err


def test_get_revocation_status_validation(sl, signed):
    put, out = signed
    r = sl.run(
        "get-revocation-status", "--signature-timestamp", "2024-01-01T00:00:00Z",
        "--platform-id", NOTATION, "--profile-version-arn", put["profileVersionArn"],
        "--job-arn", "not-an-arn", "--certificate-hashes", "a" * 192,
    )
    assert_service_error(r, "ValidationException", "GetRevocationStatus")


def test_every_revocation_at_once(sl, signed):
    put, out = signed
    _, _, certs = jws_envelope(out)
    pairs = chain_hashes(certs)
    job_arn = out["metadata"]["com.amazonaws.signer.signingJob"]
    sl.ok("revoke-signature", "--job-id", out["jobId"], "--reason", "r")
    sl.json("revoke-certificate", "--certificate-hash", tbs_sha384_hex(certs[0]), "--reason", "r")
    sl.ok(
        "revoke-signing-profile", "--profile-name", "app", "--profile-version",
        put["profileVersion"], "--reason", "r", "--effective-time", "1577836800",
    )
    got = revocation_query(sl, out, put["profileVersionArn"], *pairs)["revokedEntities"]
    assert sorted(got) == sorted([put["profileVersionArn"], job_arn, pairs[0]])


# --- root and notation trust --------------------------------------------------------------


def pem_der(pem):
    body = "".join(l for l in pem.strip().splitlines() if not l.startswith("-----"))
    return base64.b64decode(body)


def test_export_root_stdout_and_file(sl, tmp_path, signed):
    _, out = signed
    pem = sl.ok("export-root").out
    assert pem.startswith("-----BEGIN CERTIFICATE-----\n")
    assert pem.rstrip().endswith("-----END CERTIFICATE-----")
    _, _, certs = jws_envelope(out)
    assert pem_der(pem) == certs[-1]  # the chain ends at the exported root
    target = tmp_path / "root.pem"
    r = sl.ok("export-root", "--output-file", target)
    assert r.out == ""
    assert target.read_text() == pem
    assert stat.S_IMODE(target.stat().st_mode) == 0o644


def policy_statement(name, identities, scopes=("*",), store="signer-local-ts", override=None):
    verification = {"level": "strict"}
    if override:
        verification["override"] = {"revocation": override}
    return {
        "name": name,
        "registryScopes": list(scopes),
        "signatureVerification": verification,
        "trustStores": [f"signingAuthority:{store}"],
        "trustedIdentities": list(identities),
    }


def test_install_notation_trust_layout(sl, tmp_path):
    a = sl.put_profile("app")["arn"]
    b = sl.put_profile("other")["arn"]
    gone = sl.put_profile("gone")["arn"]
    sl.ok("cancel-signing-profile", "--profile-name", "gone")
    sl.put_profile("lambda", platform="AWSLambda-SHA384-ECDSA")
    cfg = tmp_path / "notation"
    out = sl.json("install-notation-trust", "--notation-config", cfg)
    cert = cfg / "truststore/x509/signingAuthority/signer-local-ts/signer-local-root.crt"
    policy = cfg / "trustpolicy.oci.json"
    assert out["trustStore"] == "signingAuthority:signer-local-ts"
    assert out["certificateFile"] == str(cert)
    assert out["trustPolicyFile"] == str(policy)
    assert out["policyName"] == "signer-local"
    # every Notation profile: what the canceled one signed stays valid; not the Lambda profile
    assert sorted(out["trustedIdentities"]) == sorted([a, b, gone])
    assert cert.read_text() == sl.ok("export-root").out
    assert stat.S_IMODE(cert.stat().st_mode) == 0o644
    assert stat.S_IMODE(policy.stat().st_mode) == 0o644
    for d in (cert.parent, cert.parent.parent, cfg / "truststore", cfg):
        assert stat.S_IMODE(d.stat().st_mode) & 0o755 == 0o755
    assert [p.name for p in cert.parent.iterdir()] == ["signer-local-root.crt"]
    doc = json.loads(policy.read_text())
    assert doc["version"] == "1.0"
    assert len(doc["trustPolicies"]) == 1
    st = doc["trustPolicies"][0]
    assert sorted(st.pop("trustedIdentities")) == sorted([a, b, gone])
    assert st == {k: v for k, v in policy_statement("signer-local", []).items() if k != "trustedIdentities"}


def test_install_notation_trust_options(sl, tmp_path):
    sl.put_profile("app")
    cfg = tmp_path / "cfg"
    ident = "arn:aws:signer:us-east-1:123456789012:/signing-profiles/remote"
    out = sl.json(
        "install-notation-trust", "--notation-config", cfg, "--trusted-identity", ident,
        "--trust-store", "my.store_1", "--policy-name", "mine", "--registry-scope",
        "registry.example.com/team/app", "localhost:5000/app", "--revocation", "skip",
    )
    assert out["trustedIdentities"] == [ident]
    assert out["trustStore"] == "signingAuthority:my.store_1"
    assert (cfg / "truststore/x509/signingAuthority/my.store_1/signer-local-root.crt").is_file()
    doc = json.loads((cfg / "trustpolicy.oci.json").read_text())
    assert doc["trustPolicies"] == [
        policy_statement(
            "mine", [ident], ["registry.example.com/team/app", "localhost:5000/app"],
            "my.store_1", "skip",
        )
    ]


@pytest.mark.parametrize("mode,override", [("enforce", None), ("log", "log"), ("skip", "skip")])
def test_install_notation_trust_revocation(sl, tmp_path, mode, override):
    arn = sl.put_profile("app")["arn"]
    cfg = tmp_path / "cfg"
    sl.json("install-notation-trust", "--notation-config", cfg, "--revocation", mode)
    doc = json.loads((cfg / "trustpolicy.oci.json").read_text())
    assert doc["trustPolicies"] == [policy_statement("signer-local", [arn], override=override)]


def test_install_notation_trust_merges(sl, tmp_path):
    arn = sl.put_profile("app")["arn"]
    cfg = tmp_path / "cfg"
    cfg.mkdir()
    corp = {
        "name": "corp",
        "registryScopes": ["registry.corp.example/apps/web"],
        "signatureVerification": {"level": "audit"},
        "trustStores": ["ca:corp"],
        "trustedIdentities": ["x509.subject: C=US, ST=WA, O=Corp"],
    }
    policy = cfg / "trustpolicy.oci.json"
    policy.write_text(json.dumps({"version": "1.0", "trustPolicies": [corp]}))
    sl.json("install-notation-trust", "--notation-config", cfg)
    doc = json.loads(policy.read_text())
    assert doc["trustPolicies"] == [corp, policy_statement("signer-local", [arn])]
    # Again: the statement is replaced, not duplicated.
    sl.json("install-notation-trust", "--notation-config", cfg, "--revocation", "log")
    doc = json.loads(policy.read_text())
    assert doc["trustPolicies"] == [corp, policy_statement("signer-local", [arn], override="log")]


def test_install_notation_trust_scope_conflict(sl, tmp_path):
    arn = sl.put_profile("app")["arn"]
    cfg = tmp_path / "cfg"
    cfg.mkdir()
    other = policy_statement("wildcard", ["arn:aws:signer:us-east-1:123456789012:/signing-profiles/x"])
    policy = cfg / "trustpolicy.oci.json"
    text = json.dumps({"version": "1.0", "trustPolicies": [other]})
    policy.write_text(text)
    r = sl.run("install-notation-trust", "--notation-config", cfg)
    assert r.rc == 255, r
    assert r.err.startswith("signer-local: ")
    assert '"wildcard"' in r.err and "--force" in r.err
    assert policy.read_text() == text  # untouched
    sl.json("install-notation-trust", "--notation-config", cfg, "--force")
    doc = json.loads(policy.read_text())
    assert doc["trustPolicies"] == [policy_statement("signer-local", [arn])]


def _tree(d):
    """Every file under d with its bytes: to show that nothing changed."""
    return {str(p.relative_to(d)): p.read_bytes() for p in sorted(d.rglob("*")) if p.is_file()}


def test_install_notation_trust_keeps_the_statements_of_either_policy_file(sl, tmp_path):
    arn = sl.put_profile("app")["arn"]
    cfg = tmp_path / "cfg"
    cfg.mkdir()
    mine = policy_statement("mine", ["arn:aws:signer:us-east-1:123456789012:/signing-profiles/x"],
                            scopes=["registry.example/app"])
    # notation 1.x reads only trustpolicy.json; an empty trustpolicy.oci.json holds nothing
    (cfg / "trustpolicy.json").write_text(json.dumps({"version": "1.0", "trustPolicies": [mine]}))
    (cfg / "trustpolicy.oci.json").write_text('{"version": "1.0", "trustPolicies": []}')
    sl.json("install-notation-trust", "--notation-config", cfg)
    for name in ("trustpolicy.json", "trustpolicy.oci.json"):
        doc = json.loads((cfg / name).read_text())
        assert [st["name"] for st in doc["trustPolicies"]] == ["mine", "signer-local"], name
        assert doc["trustPolicies"][1]["trustedIdentities"] == [arn]


def test_install_notation_trust_refuses_diverging_policy_files(sl, tmp_path):
    sl.put_profile("app")
    cfg = tmp_path / "cfg"
    cfg.mkdir()
    for name, st in (("trustpolicy.json", "a"), ("trustpolicy.oci.json", "b")):
        doc = {"version": "1.0", "trustPolicies": [
            policy_statement(st, ["arn:aws:signer:us-east-1:123456789012:/signing-profiles/x"],
                             scopes=[f"registry.example/{st}"])]}
        (cfg / name).write_text(json.dumps(doc))
    before = _tree(cfg)
    r = sl.run("install-notation-trust", "--notation-config", cfg)
    assert r.rc == 255, r
    assert "hold different trust policies" in r.err and "make them the same" in r.err
    assert "--force" not in r.err  # --force cannot reconcile them
    assert _tree(cfg) == before


def test_install_notation_trust_refuses_another_stores_root(sl, tmp_path):
    sl.put_profile("app")
    cfg = tmp_path / "cfg"
    sl.json("install-notation-trust", "--notation-config", cfg)
    (tmp_path / "second").mkdir()
    other = SignerLocal(tmp_path / "second")
    other.json("put-signing-profile", "--profile-name", "b1", "--platform-id", NOTATION)
    before = _tree(cfg)
    r = other.run("install-notation-trust", "--notation-config", cfg)
    assert r.rc == 255, r
    assert "already holds another root certificate" in r.err and "--trust-store" in r.err
    assert _tree(cfg) == before
    # beside it, under its own names, both stores are trusted
    other.json("install-notation-trust", "--notation-config", cfg, "--trust-store", "second-ts",
               "--policy-name", "second", "--registry-scope", "registry.example/second")
    # or in its place, when asked
    out = other.json("install-notation-trust", "--notation-config", cfg, "--force")
    assert (cfg / "truststore/x509/signingAuthority/signer-local-ts/signer-local-root.crt"
            ).read_text() == other.ok("export-root").out
    assert out["trustedIdentities"][0].endswith("/b1")


def test_install_notation_trust_refuses_broken_policy(sl, tmp_path):
    sl.put_profile("app")
    cfg = tmp_path / "cfg"
    cfg.mkdir()
    policy = cfg / "trustpolicy.oci.json"
    policy.write_text("{not json")
    r = sl.run("install-notation-trust", "--notation-config", cfg, "--force")
    assert r.rc == 255, r
    assert str(policy) in r.err
    assert policy.read_text() == "{not json"


def test_install_notation_trust_config_dir_from_environment(sl, tmp_path):
    sl.put_profile("app")
    nc = tmp_path / "nc"
    r = sl.run("install-notation-trust", env=_env(sl.home, NOTATION_CONFIG=nc))
    assert r.rc == 0, r
    assert (nc / "trustpolicy.oci.json").is_file()
    xdg = tmp_path / "xdg"
    r = sl.run("install-notation-trust", env=_env(sl.home, XDG_CONFIG_HOME=xdg))
    assert r.rc == 0, r
    assert (xdg / "notation/trustpolicy.oci.json").is_file()
    r = sl.run("install-notation-trust")
    assert r.rc == 0, r
    assert (sl.home / ".config/notation/trustpolicy.oci.json").is_file()
    assert (
        sl.home / ".config/notation/truststore/x509/signingAuthority/signer-local-ts/"
        "signer-local-root.crt"
    ).is_file()


def test_install_notation_trust_needs_an_identity(sl, tmp_path):
    r = sl.run("install-notation-trust", "--notation-config", tmp_path / "cfg")
    assert r.rc == 255, r
    assert "--trusted-identity" in r.err
    assert not (tmp_path / "cfg" / "trustpolicy.oci.json").exists()


def test_install_notation_trust_rejects_bad_identity(sl, tmp_path):
    r = sl.run(
        "install-notation-trust", "--notation-config", tmp_path / "cfg",
        "--trusted-identity", "just-a-name",
    )
    assert_usage_error(r, "just-a-name")


# --- output form --------------------------------------------------------------------------


def test_timestamps_are_iso_everywhere(sl, signed):
    _, out = signed
    sl.ok("revoke-signature", "--job-id", out["jobId"], "--reason", "r")
    text = sl.ok("describe-signing-job", "--job-id", out["jobId"]).out

    def walk(v, key=None):
        if isinstance(v, dict):
            for k, x in v.items():
                walk(x, k)
        elif isinstance(v, list):
            for x in v:
                walk(x, key)
        elif key and (key.endswith("At") or key.endswith("From")):
            assert isinstance(v, str) and ISO.match(v), (key, v)

    walk(json.loads(text))
    assert '"revokedAt": "' in text


def test_output_uses_four_space_indentation(sl):
    text = sl.ok("put-signing-profile", "--profile-name", "app", "--platform-id", NOTATION).out
    lines = text.splitlines()
    assert lines[0] == "{" and lines[-1] == "}"
    assert all(l.startswith('    "') for l in lines[1:-1])
    assert '": "' in lines[1]


def test_overrides_shorthand_nests_like_the_aws_cli(sl):
    sl.put_profile("nested", "--overrides",
                   "signingConfiguration={encryptionAlgorithm=ECDSA,hashAlgorithm=SHA384},"
                   "signingImageFormat=JSONEmbedded")
    got = sl.json("get-signing-profile", "--profile-name", "nested")
    assert got["overrides"] == {
        "signingConfiguration": {"encryptionAlgorithm": "ECDSA", "hashAlgorithm": "SHA384"},
        "signingImageFormat": "JSONEmbedded",
    }
    for bad in ("signingConfiguration={hashAlgorithm=SHA384", "signingConfiguration={}",
                "=x", "a=1,"):
        r = sl.run("put-signing-profile", "--profile-name", "bad", "--platform-id", NOTATION,
                   "--overrides", bad)
        assert r.rc == 2, (bad, r)
        assert "--overrides" in r.err
    # members the API's structures do not have are refused, as the AWS CLI refuses them
    for flag, bad in (("--overrides", "bogus=1"),
                      ("--overrides", "signingConfiguration={hashAlgorithm=SHA384,x=1}"),
                      ("--signature-validity-period", "value=1,type=DAYS,extra=1"),
                      ("--signing-material", '{"certificateArn": "a", "other": "b"}')):
        r = sl.run("put-signing-profile", "--profile-name", "bad", "--platform-id", NOTATION,
                   flag, bad)
        assert r.rc == 2 and "unknown parameter" in r.err, (flag, bad, r)
    # a platform's own values only (RSA is not Notation's)
    r = sl.run("put-signing-profile", "--profile-name", "rsa", "--platform-id", NOTATION,
               "--overrides", "signingConfiguration={encryptionAlgorithm=RSA}")
    assert "RSA" in assert_service_error(r, "ValidationException", "PutSigningProfile")


# --- validate-trust-policy, templates and trust material ---------------------------------

TEMPLATES = sorted((REPO / "trustpolicy" / "templates").glob("*.json"))
ARN = "arn:aws:signer:us-west-2:111122223333:/signing-profiles/MyProfile"
GOV_ARN = "arn:aws-us-gov:signer:us-gov-west-1:111122223333:/signing-profiles/MyProfile"


def notation_binary():
    """NOTATION_BIN, else <repo>/.tools/bin/notation, else PATH (as tests/e2e/lib/tools.py)."""
    for cand in (os.environ.get("NOTATION_BIN"), str(REPO / ".tools" / "bin" / "notation"),
                 shutil.which("notation")):
        if cand and os.access(cand, os.X_OK):
            return cand
    if os.environ.get("SGN_E2E_STRICT") == "1":
        pytest.fail("no notation binary: run scripts/install-deps.sh (or set NOTATION_BIN)")
    pytest.skip("no notation binary (set NOTATION_BIN)")


def notation(cfg, *args):
    return subprocess.run([notation_binary(), *map(str, args)], capture_output=True, text=True,
                          env={**_env(cfg.parent), "NOTATION_CONFIG": str(cfg)}, timeout=60)


def statement(**changes):
    st = {
        "name": "aws-signer-tp",
        "registryScopes": ["*"],
        "signatureVerification": {"level": "strict"},
        "trustStores": ["signingAuthority:aws-signer-ts"],
        "trustedIdentities": [ARN],
    }
    st.update(changes)
    return {k: v for k, v in st.items() if v is not None}  # None removes a member


def policy_doc(*statements):
    return {"version": "1.0", "trustPolicies": list(statements) or [statement()]}


def validate(sl, tmp_path, doc, *args):
    f = tmp_path / "policy.json"
    f.write_text(doc if isinstance(doc, str) else json.dumps(doc))
    r = sl.run("validate-trust-policy", f, *args, store=False)
    assert r.rc in (0, 1), r
    assert r.err == "", r.err
    assert_aws_cli_layout(r.out)
    out = json.loads(r.out)
    assert out["trustPolicyFile"] == str(f)
    assert out["valid"] == (r.rc == 0) == (out["errors"] == 0)
    assert out["errors"] + out["warnings"] == len(out["findings"])
    return r.rc, out


@pytest.mark.parametrize("template", TEMPLATES, ids=lambda p: p.name)
def test_templates_pass_the_validator(sl, template):
    r = sl.ok("validate-trust-policy", template, store=False)
    out = json.loads(r.out)
    assert out == {"trustPolicyFile": str(template), "notationConfig": None, "valid": True,
                   "errors": 0, "warnings": 0, "findings": []}
    assert not sl.store.exists()  # the validator needs no store


def test_templates_are_the_six_profiles():
    docs = {p.name: json.loads(p.read_text()) for p in TEMPLATES}
    assert sorted(docs) == sorted(f"{k}{v}.json" for k in ("aws", "aws-us-gov", "signer-local")
                                  for v in ("", "-revocation-skip"))
    want = {
        "aws": ("signingAuthority:aws-signer-ts", ARN),
        "aws-us-gov": ("signingAuthority:aws-us-gov-signer-ts", GOV_ARN),
        "signer-local": ("signingAuthority:signer-local-ts",
                         "arn:aws:signer:local:000000000000:/signing-profiles/MyProfile"),
    }
    for name, doc in docs.items():
        key = name.removesuffix(".json").removesuffix("-revocation-skip")
        assert doc["version"] == "1.0" and len(doc["trustPolicies"]) == 1
        st = doc["trustPolicies"][0]
        assert st["registryScopes"] == ["*"]
        assert st["trustStores"] == [want[key][0]]
        assert st["trustedIdentities"] == [want[key][1]]
        sv = {"level": "strict"}
        if name.endswith("-revocation-skip.json"):
            sv["override"] = {"revocation": "skip"}
        assert st["signatureVerification"] == sv


@pytest.mark.parametrize("template", TEMPLATES, ids=lambda p: p.name)
def test_notation_accepts_the_templates(tmp_path, template):
    cfg = tmp_path / "notation"
    r = notation(cfg, "policy", "import", "--force", template)
    assert r.returncode == 0, r.stderr
    r = notation(cfg, "policy", "show")
    assert r.returncode == 0, r.stderr
    assert json.loads(r.stdout) == json.loads(template.read_text())


# (document, finding code, severity, value, a part of the fix, does notation accept it?)
FINDING_CASES = [
    ("trailing slash", policy_doc(statement(registryScopes=["registry.example.com/app/"])),
     "registry-scope-trailing-slash", "error", "registry.example.com/app/",
     '"registry.example.com/app"', False),
    ("tag", policy_doc(statement(registryScopes=["registry.example.com/app:v1"])),
     "registry-scope-tag", "error", "registry.example.com/app:v1",
     '"registry.example.com/app"', False),
    ("upper case repository", policy_doc(statement(registryScopes=["r.io/App"])),
     "registry-scope-invalid", "error", "r.io/App", "lower-case", False),
    ("scope twice", policy_doc(statement(name="a", registryScopes=["r.io/x"]),
                               statement(name="b", registryScopes=["r.io/x"])),
     "registry-scope-duplicate", "error", "r.io/x", "one statement", False),
    ("duplicate name", policy_doc(statement(registryScopes=["r.io/x"]),
                                  statement(registryScopes=["r.io/y"])),
     "name-duplicate", "error", "aws-signer-tp", "rename", False),
    ("bad level", policy_doc(statement(signatureVerification={"level": "strictest"})),
     "level-invalid", "error", "strictest", "strict", False),
    ("skip integrity",
     policy_doc(statement(signatureVerification={"level": "strict",
                                                 "override": {"integrity": "skip"}})),
     "override-integrity", "error", "integrity", "remove", False),
    ("store without type", policy_doc(statement(trustStores=["aws-signer-ts"])),
     "trust-store-malformed", "error", "aws-signer-ts", '"signingAuthority:aws-signer-ts"', False),
    ("x509 without O", policy_doc(statement(trustStores=["ca:acme"],
                                            trustedIdentities=["x509.subject: C=US, ST=WA"])),
     "trusted-identity-x509-invalid", "error", "x509.subject: C=US, ST=WA", "O=", False),
    # accepted by notation, refused or never matched by the plugin
    ("wildcard identity", policy_doc(statement(trustedIdentities=["*"])),
     "trusted-identity-wildcard", "error", "*", "signing profile ARNs", True),
    ("singular ARN",
     policy_doc(statement(trustedIdentities=[ARN.replace("/signing-profiles/", "/signing-profile/")])),
     "trusted-identity-profile-singular", "error",
     ARN.replace("/signing-profiles/", "/signing-profile/"), f'"{ARN}"', True),
    ("job ARN",
     policy_doc(statement(trustedIdentities=["arn:aws:signer:us-west-2:111122223333:/signing-jobs/1"])),
     "trusted-identity-signing-job", "error",
     "arn:aws:signer:us-west-2:111122223333:/signing-jobs/1", "signing-profiles", True),
    ("AWS store as ca", policy_doc(statement(trustStores=["ca:aws-signer-ts"])),
     "trust-store-wrong-type", "error", "ca:aws-signer-ts", '"signingAuthority:aws-signer-ts"',
     True),
    ("GovCloud profile, commercial store", policy_doc(statement(trustedIdentities=[GOV_ARN])),
     "trusted-identity-partition", "warning", GOV_ARN, "signingAuthority:aws-us-gov-signer-ts",
     True),
    ("misspelt member", policy_doc(statement(trustedIdentities=None, trustedIdentity=[ARN])),
     "member-unknown", "warning", "trustedIdentity", "spelling", False),
]


@pytest.mark.parametrize("what,doc,code,severity,value,fix,notation_ok", FINDING_CASES,
                         ids=[c[0] for c in FINDING_CASES])
def test_validate_finds_and_says_what_to_change(sl, tmp_path, what, doc, code, severity, value,
                                                fix, notation_ok):
    rc, out = validate(sl, tmp_path, doc)
    found = [f for f in out["findings"] if f["code"] == code]
    assert found, out
    f = found[0]
    assert f["severity"] == severity
    assert f["value"] == value
    assert fix in f["fix"], f
    assert f["statementIndex"] >= 0 and f["statement"] and f["field"] and f["message"]
    assert rc == (1 if out["errors"] else 0)


@pytest.mark.parametrize("what,doc,code,severity,value,fix,notation_ok", FINDING_CASES,
                         ids=[c[0] for c in FINDING_CASES])
def test_notation_agrees_on_its_own_rules(tmp_path, what, doc, code, severity, value, fix,
                                          notation_ok):
    f = tmp_path / "policy.json"
    f.write_text(json.dumps(doc))
    r = notation(tmp_path / "notation", "policy", "import", "--force", f)
    assert (r.returncode == 0) == notation_ok, r.stderr


def test_validate_not_json(sl, tmp_path):
    rc, out = validate(sl, tmp_path, '{"version": "1.0",')
    assert rc == 1
    assert [f["code"] for f in out["findings"]] == ["json-invalid"]
    assert "statementIndex" not in out["findings"][0]


def test_validate_missing_file(sl, tmp_path):
    r = sl.run("validate-trust-policy", tmp_path / "none.json", store=False)
    assert r.rc == 255 and r.out == "", r
    assert r.err.startswith("signer-local: ") and "none.json" in r.err


def test_validate_checks_the_given_notation_config(sl, tmp_path):
    cfg = tmp_path / "cfg"
    rc, out = validate(sl, tmp_path, policy_doc(), "--notation-config", cfg)
    assert rc == 1 and out["notationConfig"] == str(cfg)
    (f,) = out["findings"]
    assert f["code"] == "trust-store-not-found"
    assert "notation cert add --type signingAuthority --store aws-signer-ts" in f["fix"]

    # AWS's layout, as the packages install it: then the policy is valid
    store = cfg / "truststore/x509/signingAuthority/aws-signer-ts"
    store.mkdir(parents=True)
    shutil.copy(REPO / "truststore/aws-signer-notation-root.crt", store)
    rc, out = validate(sl, tmp_path, policy_doc(), "--notation-config", cfg)
    assert (rc, out["findings"]) == (0, [])

    # the AWS root in a ca store, named in the policy as such
    ca = cfg / "truststore/x509/ca/my-roots"
    ca.mkdir(parents=True)
    shutil.copy(REPO / "truststore/aws-signer-notation-root.crt", ca)
    rc, out = validate(sl, tmp_path, policy_doc(statement(trustStores=["ca:my-roots"])),
                       "--notation-config", cfg)
    assert rc == 1
    (f,) = out["findings"]
    assert f["code"] == "trust-store-wrong-type" and '"signingAuthority:my-roots"' in f["fix"]

    # a store that holds something other than certificates
    (store / "README").write_text("not a certificate\n")
    rc, out = validate(sl, tmp_path, policy_doc(), "--notation-config", cfg)
    assert [f["code"] for f in out["findings"]] == ["trust-store-bad-file"]


def test_validate_default_config_only_when_it_exists(sl, tmp_path):
    rc, out = validate(sl, tmp_path, policy_doc())
    assert (rc, out["notationConfig"]) == (0, None)
    (sl.home / ".config/notation").mkdir(parents=True)
    rc, out = validate(sl, tmp_path, policy_doc())
    assert rc == 1 and out["notationConfig"] == str(sl.home / ".config/notation")
    assert [f["code"] for f in out["findings"]] == ["trust-store-not-found"]


def test_validate_what_install_notation_trust_wrote(sl, tmp_path):
    cfg = tmp_path / "cfg"
    sl.put_profile("app")
    sl.json("install-notation-trust", "--notation-config", cfg)
    r = sl.run("validate-trust-policy", cfg / "trustpolicy.json", "--notation-config", cfg,
               store=False)
    assert r.rc == 0, r
    assert json.loads(r.out)["findings"] == []


def test_installed_trust_material_layout(tmp_path):
    """cmake --install puts the roots in notation's layout and the templates beside them."""
    build = BIN.resolve().parents[1]
    if not (build / "cmake_install.cmake").is_file():
        pytest.skip(f"{build} is not a CMake build directory")
    prefix = tmp_path / "prefix"
    r = subprocess.run(["cmake", "--install", str(build), "--prefix", str(prefix)],
                       capture_output=True, text=True, timeout=120)
    assert r.returncode == 0, r.stderr
    share = prefix / "share/aws-signer-notation"
    for store, name in (("aws-signer-ts", "aws-signer-notation-root.crt"),
                        ("aws-us-gov-signer-ts", "aws-us-gov-signer-notation-root.crt")):
        got = share / "truststore/x509/signingAuthority" / store / name
        assert got.read_bytes() == (REPO / "truststore" / name).read_bytes()
    assert sorted(p.name for p in (share / "trustpolicy").iterdir()) == [p.name for p in TEMPLATES]
    doc = prefix / "share/doc/aws-signer-notation-c"
    assert (doc / "LICENSE").read_text().startswith("\n                                 Apache License")
    assert (doc / "THIRD-PARTY-NOTICES").is_file() and (doc / "licenses/LGPL-2.1").is_file()
