"""verify-signature (research/aws-signer-plugin.md §4, §7 verifier tests, §9 vectors 5-8)."""

import base64
import hashlib
import json
import os
import re
import shutil
import subprocess

import pytest

from plugin_helpers import (ATTR_JOB, ATTR_PROFILE_VERSION, AWS_OFFLINE_CONFIG, JOB_ARN, MALFORMED,
                            PROFILE_ARN, PROFILE_VERSION_ARN, RC, TEST_CERT_1, TEST_CERT_1_HASH,
                            TEST_CERT_2_HASH, TI, SignerLocal, b64, cert_b64, envelope_request,
                            verify_request, verify_request_from_jws)

TI_FAIL = "Signature publisher doesn't match any trusted identities."
WILDCARD = "The AWSSigner plugin does not support wildcard identity in the trust policy."
PROCESSED = [ATTR_PROFILE_VERSION, ATTR_JOB]
GRS_FAILED = "GetRevocationStatus call failed with error: "
CERT_PARSE = "unable to parse certificates in certificate chain."


def matched(identity):
    return f"Signature publisher matched {json.dumps(identity)} trusted identity."


def made_by(version=PROFILE_VERSION_ARN):
    return f" The signature was made by signing profile version {json.dumps(version)}."


def ti_only(ids, **kw):
    return verify_request(ids=ids, caps=(TI,), **kw)


# --- framework validation (§2.3) ---------------------------------------------------------------

def mutate(fn):
    req = verify_request()
    fn(req)
    return req


def _set(path, value):
    def apply(req):
        obj = req
        for k in path[:-1]:
            obj = obj[k]
        if value is ...:
            obj.pop(path[-1], None)
        else:
            obj[path[-1]] = value
    return apply


SIG = "signature"
CRIT = ("signature", "criticalAttributes")


@pytest.mark.parametrize("request_body, message", [
    ({}, "contractVersion cannot be empty"),
    ({"contractVersion": ""}, "contractVersion cannot be empty"),
    ({"contractVersion": "1.0"}, "signature cannot be empty"),
    ({"contractVersion": "1.0", "signature": {}}, "signature cannot be empty"),
    ({"contractVersion": "1.0", "signature": {"unprocessedAttributes": None}},
     "signature cannot be empty"),
    # reflect.DeepEqual: an empty but non-nil list or map is not the zero value
    ({"contractVersion": "1.0", "signature": {"unprocessedAttributes": []}},
     "signature's criticalAttributes cannot be empty"),
    ({"contractVersion": "1.0", "signature": {"certificateChain": []}},
     "signature's criticalAttributes cannot be empty"),
    ({"contractVersion": "1.0", "signature": {"criticalAttributes": {}, "certificateChain": ["AA=="]}},
     "signature's criticalAttributes cannot be empty"),
    ({"contractVersion": "1.0", "signature": {"criticalAttributes": {"extendedAttributes": {}}}},
     "signature's criticalAttributes's contentType cannot be empty"),
    ({"contractVersion": "1.0", "signature": {"criticalAttributes": {"expiry": "0001-01-01T00:00:00Z"}}},
     "signature's criticalAttributes's contentType cannot be empty"),
    ({"contractVersion": "1.0", "signature": {"criticalAttributes": {"contentType": "x"}}},
     "signature's criticalAttributes's signingScheme cannot be empty"),
    ({"contractVersion": "1.0",
      "signature": {"criticalAttributes": {"contentType": "x", "signingScheme": "y"}}},
     "signature's criticalAttributes's certificateChain cannot be empty"),
    ({"contractVersion": "1.0",
      "signature": {"criticalAttributes": {"contentType": "x", "signingScheme": "y"},
                    "certificateChain": []}},
     "signature's criticalAttributes's certificateChain cannot be empty"),
    ({"contractVersion": "1.0",
      "signature": {"criticalAttributes": {"contentType": "x", "signingScheme": "y"},
                    "certificateChain": ["AA=="]}},
     "signature's trustPolicy cannot be empty"),
    ({"contractVersion": "1.0",
      "signature": {"criticalAttributes": {"contentType": "x", "signingScheme": "y"},
                    "certificateChain": ["AA=="]},
      "trustPolicy": {"trustedIdentities": None, "signatureVerification": None}},
     "signature's trustPolicy cannot be empty"),
    ({"contractVersion": "1.0",
      "signature": {"criticalAttributes": {"contentType": "x", "signingScheme": "y"},
                    "certificateChain": ["AA=="]},
      "trustPolicy": {"trustedIdentities": []}},
     "signature's trustPolicy's signatureVerification cannot be empty"),
    ({"contractVersion": "1.0",
      "signature": {"criticalAttributes": {"contentType": "x", "signingScheme": "y"},
                    "certificateChain": ["AA=="]},
      "trustPolicy": {"signatureVerification": []}},
     "signature's trustPolicy's signatureVerification cannot be empty"),
])
def test_required_fields(plugin, request_body, message):
    plugin.run("verify-signature", stdin=request_body).error(
        "VALIDATION_ERROR", f"{MALFORMED}: {message}")


@pytest.mark.parametrize("change", [
    _set(CRIT + ("authenticSigningTime",), "2022-07-06t19:10:28z"),   # Go's parser is strict
    _set(CRIT + ("authenticSigningTime",), "2022-07-06T19:10:28"),
    _set(CRIT + ("authenticSigningTime",), "2022-07-06 19:10:28Z"),
    _set(CRIT + ("authenticSigningTime",), "2022-07-06T19:10:28,5Z"),
    _set(CRIT + ("authenticSigningTime",), "2022-02-30T19:10:28Z"),
    _set(CRIT + ("authenticSigningTime",), "2022-07-06T19:10:28+24:00"),
    _set(CRIT + ("authenticSigningTime",), 1657134628),
    _set(CRIT + ("expiry",), "tomorrow"),
    _set(CRIT + ("expiry",), {}),
    _set(CRIT + ("extendedAttributes",), []),
    _set(CRIT + ("extendedAttributes",), "x"),
    _set(CRIT + ("contentType",), 1),
    _set(CRIT + ("signingScheme",), ["x"]),
    _set((SIG, "criticalAttributes"), []),
    _set((SIG, "unprocessedAttributes"), [1]),
    _set((SIG, "unprocessedAttributes"), "x"),
    _set((SIG, "certificateChain"), ["not base64!"]),
    _set((SIG, "certificateChain"), "AA=="),
    _set((SIG, "certificateChain"), [1]),
    _set(("trustPolicy", "trustedIdentities"), "x"),
    _set(("trustPolicy", "trustedIdentities"), [1]),
    _set(("trustPolicy", "signatureVerification"), [True]),
    _set(("trustPolicy",), []),
    _set((SIG,), "x"),
    _set(("pluginConfig",), {"local-store": 1}),
])
def test_malformed(plugin, change):
    plugin.run("verify-signature", stdin=mutate(change)).error("VALIDATION_ERROR", MALFORMED)


@pytest.mark.parametrize("number, ok", [("1e400", False), ("-1e400", False), ("1e308", True),
                                        ("1e-400", True), ("123456789012345678901234567890", True)])
def test_extended_attribute_numbers_must_fit_float64(plugin, number, ok):
    body = json.dumps(ti_only([PROFILE_ARN])).replace(
        '"extendedAttributes": {', '"extendedAttributes": {"n": [' + number + '], ', 1)
    res = plugin.run("verify-signature", stdin=body)
    if ok:
        assert res.ok()["verificationResults"][TI]["success"] is True
    else:
        res.error("VALIDATION_ERROR", MALFORMED)


# --- the plugin's checks (§4.3), in order ------------------------------------------------------

def test_contract_version_first(plugin):
    req = verify_request(ids=["*"], caps=("bogus",), signing_time=None)
    req["contractVersion"] = "2.0"
    plugin.run("verify-signature", stdin=req).error(
        "UNSUPPORTED_CONTRACT_VERSION", '"2.0" is not a supported notary plugin contract version')


@pytest.mark.parametrize("ids", [["*"], [PROFILE_ARN, "*"], ["*", "x509.subject: CN=a"]])
def test_wildcard(plugin, ids):
    req = verify_request(ids=ids, caps=("bogus",), signing_time=None)
    msg = plugin.run("verify-signature", stdin=req).error("VALIDATION_ERROR")
    # the Go sentence first, then how to fix it (our addition)
    assert msg == (WILDCARD + ' Use signing profile ARNs such as '
                   '"arn:aws:signer:<region>:<account>:/signing-profiles/<name>".')


@pytest.mark.parametrize("ids", [["**"], [" *"], ["*/"]])
def test_not_a_wildcard(plugin, ids):
    res = plugin.run("verify-signature", stdin=ti_only(ids)).ok()
    assert res["verificationResults"][TI] == {"success": False, "reason": TI_FAIL}


@pytest.mark.parametrize("caps, bad", [
    ((TI, RC, "unsupported"), "unsupported"),
    (("SIGNATURE_GENERATOR.ENVELOPE",), "SIGNATURE_GENERATOR.ENVELOPE"),
    (("signature_verifier.trusted_identity",), "signature_verifier.trusted_identity"),
    ((TI, None), ""),
])
def test_unsupported_capability(plugin, caps, bad):
    req = verify_request(caps=caps, signing_time=None)
    plugin.run("verify-signature", stdin=req).error(
        "VALIDATION_ERROR", f"'{bad}' is not a supported plugin capability")


@pytest.mark.parametrize("value", [..., None, "0001-01-01T00:00:00Z", "0001-01-01T01:00:00+01:00",
                                   "0001-01-01T00:00:00.000Z"])
def test_missing_authentic_signing_time(plugin, value):
    req = verify_request(caps=(TI,), signing_time="x")
    crit = req["signature"]["criticalAttributes"]
    if value is ...:
        del crit["authenticSigningTime"]  # the Go plugin panics here (exit 2); we report it
    else:
        crit["authenticSigningTime"] = value
    crit["signingScheme"] = "bad"
    plugin.run("verify-signature", stdin=req).error("VALIDATION_ERROR",
                                                     "missing authenticSigningTime")


@pytest.mark.parametrize("value", ["0001-01-01T00:00:00.000000001Z", "0000-12-31T23:59:59Z",
                                   "2022-07-06T19:10:28.123456789-07:00"])
def test_nonzero_authentic_signing_time(plugin, value):
    req = ti_only([PROFILE_ARN])
    req["signature"]["criticalAttributes"]["authenticSigningTime"] = value
    assert plugin.run("verify-signature", stdin=req).ok()["verificationResults"][TI]["success"]


@pytest.mark.parametrize("scheme, ok", [
    ("notary.x509.signingAuthority", True),
    ("NOTARY.X509.SIGNINGAUTHORITY", True),
    ("notary.x509", False),
    ("badSignScheme", False),
    ("notary.x509.signingAuthority ", False),
])
def test_signing_scheme(plugin, scheme, ok):
    req = ti_only([PROFILE_ARN])
    req["signature"]["criticalAttributes"]["signingScheme"] = scheme
    res = plugin.run("verify-signature", stdin=req)
    if ok:
        assert res.ok()["verificationResults"][TI]["success"] is True
    else:
        res.error("VALIDATION_ERROR", f"'{scheme}' signing scheme is not supported")


# --- attributes (§4.2) -------------------------------------------------------------------------

PV_ERR = f'unable to parse attribute "{ATTR_PROFILE_VERSION}".'
JOB_ERR = f'unable to parse attribute "{ATTR_JOB}".'


@pytest.mark.parametrize("caps, ext, message", [
    ((TI,), {ATTR_JOB: JOB_ARN}, PV_ERR),
    ((TI,), {ATTR_JOB: JOB_ARN, ATTR_PROFILE_VERSION: None}, PV_ERR),
    ((TI,), {ATTR_JOB: JOB_ARN, ATTR_PROFILE_VERSION: 5}, PV_ERR),
    ((TI,), {ATTR_JOB: JOB_ARN, ATTR_PROFILE_VERSION: [PROFILE_VERSION_ARN]}, PV_ERR),
    ((TI,), {ATTR_PROFILE_VERSION.upper(): PROFILE_VERSION_ARN}, PV_ERR),   # map keys are exact
    ((TI,), None, PV_ERR),
    ((TI, RC), {ATTR_PROFILE_VERSION: None}, PV_ERR),
    ((RC,), {ATTR_JOB: JOB_ARN}, PV_ERR),
    ((RC,), {ATTR_PROFILE_VERSION: PROFILE_VERSION_ARN}, JOB_ERR),
    ((RC,), {ATTR_PROFILE_VERSION: PROFILE_VERSION_ARN, ATTR_JOB: {}}, JOB_ERR),
    ((TI, RC), {ATTR_PROFILE_VERSION: PROFILE_VERSION_ARN}, JOB_ERR),
])
def test_attribute_errors(plugin, caps, ext, message):
    req = verify_request(caps=caps, config=AWS_OFFLINE_CONFIG)
    req["signature"]["criticalAttributes"]["extendedAttributes"] = ext
    plugin.run("verify-signature", stdin=req).error("VALIDATION_ERROR", message)


def test_duplicate_extended_attributes_merge_like_go(plugin):
    body = json.dumps(ti_only([PROFILE_ARN])).replace(
        '"extendedAttributes": {',
        '"extendedAttributes": {"' + ATTR_PROFILE_VERSION + '": "nope"}, "extendedAttributes": {', 1)
    assert plugin.run("verify-signature", stdin=body).ok()["verificationResults"][TI]["success"]
    body = json.dumps(ti_only([PROFILE_ARN])).replace(
        '"extendedAttributes": {', '"extendedAttributes": null, "x": {', 1)
    plugin.run("verify-signature", stdin=body).error("VALIDATION_ERROR", PV_ERR)


# --- trusted identity (§4.4): the Go test matrix through the binary ----------------------------

OTHER = "arn:aws:signer:us-west-2:000000000000:/signing-profiles/Other"


@pytest.mark.parametrize("ids, success, reason", [
    # TestVerify_ValidTrustedIdentity
    ([PROFILE_ARN], True, matched(PROFILE_ARN)),
    ([PROFILE_VERSION_ARN], True, matched(PROFILE_VERSION_ARN)),
    ([PROFILE_ARN, PROFILE_VERSION_ARN], True, matched(PROFILE_ARN)),
    ([PROFILE_VERSION_ARN, PROFILE_ARN], True, matched(PROFILE_VERSION_ARN)),
    (["shop", PROFILE_ARN, "zop"], True, matched(PROFILE_ARN)),
    ([OTHER, PROFILE_VERSION_ARN], True, matched(PROFILE_VERSION_ARN)),
    # case-insensitive over the whole string, reported as configured
    ([PROFILE_ARN.replace("NotaryPluginIntegProfile", "notarypluginintegprofile")
      .replace("us-west-2", "US-WEST-2").replace("arn:aws:", "arn:AWS:")], True,
     matched("arn:AWS:signer:US-WEST-2:000000000000:/signing-profiles/notarypluginintegprofile")),
    ([PROFILE_VERSION_ARN.upper().replace("ARN:AWS:SIGNER:", "arn:aws:signer:")
      .replace("/SIGNING-PROFILES/", "/signing-profiles/")], True,
     matched("arn:aws:signer:US-WEST-2:000000000000:/signing-profiles/NOTARYPLUGININTEGPROFILE/OF8IVUSPJQ")),
    # TestVerify_InvalidTrustedIdentity (with our near-miss sentence where one applies)
    ([], False, TI_FAIL),
    (["Cheers!\U0001f37a"], False, TI_FAIL),
    (["arn:aws:dynamodb:us-east-2:123456789012:table/myDynamoDBTable"], False, TI_FAIL),
    ([JOB_ARN], False, TI_FAIL + f" Trusted identity {json.dumps(JOB_ARN)} is a signing job ARN; "
     "trusted identities must be signing profile (or signing profile version) ARNs, not signing "
     "job ARNs."),
    (["arn:aws:signer:us-west-2:000000000000:/beer/NotaryPluginIntegProfile"], False, TI_FAIL),
    (["arn:us-west-2:000000000000:/signing-profile/NotaryPluginIntegProfile/1234/asda"], False,
     TI_FAIL + ' Trusted identity "arn:us-west-2:000000000000:/signing-profile/'
     'NotaryPluginIntegProfile/1234/asda" uses "/signing-profile/"; AWS Signer signing profile '
     'ARNs use "/signing-profiles/".'),
    ([PROFILE_VERSION_ARN + "/asda"], False, TI_FAIL + made_by()),
    # trailing slash, other profile/account/region, wrong service
    ([PROFILE_ARN + "/"], False, TI_FAIL + made_by()),
    ([OTHER], False, TI_FAIL + made_by()),
    ([PROFILE_ARN.replace("000000000000", "111122223333")], False, TI_FAIL + made_by()),
    ([PROFILE_ARN.replace("us-west-2", "us-east-1")], False, TI_FAIL + made_by()),
    ([PROFILE_ARN.replace(":signer:", ":Signer:")], False, TI_FAIL + made_by()),
    (["x509.subject: C=US, ST=WA, O=acme", OTHER, JOB_ARN], False, TI_FAIL + made_by()),
])
def test_trusted_identity(plugin, ids, success, reason):
    resp = plugin.run("verify-signature", stdin=ti_only(ids)).ok()
    assert resp == {"verificationResults": {TI: {"success": success, "reason": reason}},
                    "processedAttributes": PROCESSED}


def test_trusted_identity_null_list(plugin):
    req = ti_only([])
    req["trustPolicy"]["trustedIdentities"] = None
    assert plugin.run("verify-signature", stdin=req).ok()["verificationResults"][TI] == {
        "success": False, "reason": TI_FAIL}


def test_trusted_identity_with_nul_is_refused(plugin):
    # cJSON strings cannot hold NUL, so "\u0000" is refused (Go keeps it and finds no match)
    body = json.dumps(ti_only([PROFILE_ARN])).replace(PROFILE_ARN + '"', PROFILE_ARN + '\\u0000x"')
    plugin.run("verify-signature", stdin=body).error("VALIDATION_ERROR", MALFORMED)


def test_trusted_identity_needs_nothing(plugin, home):
    """TI only (revocation skipped): no store, no network, no credentials, no files."""
    req = ti_only([PROFILE_ARN])
    req["signature"]["certificateChain"] = [b64(b"not a certificate")]  # not parsed for TI
    env = {"AWS_ACCESS_KEY_ID": None, "AWS_PROFILE": None}
    resp = plugin.run("verify-signature", stdin=req, env=env).ok()
    assert resp["verificationResults"] == {TI: {"success": True, "reason": matched(PROFILE_ARN)}}
    assert list(home.iterdir()) == []
    # the same for a signature from the local Signer: its default store is not opened
    req = ti_only([PROFILE_ARN.replace("us-west-2", "local")],
                  profile_version=PROFILE_VERSION_ARN.replace("us-west-2", "local"))
    assert plugin.run("verify-signature", stdin=req).ok()["verificationResults"][TI]["success"]
    assert list(home.iterdir()) == []


def test_duplicate_capabilities(plugin):
    resp = plugin.run("verify-signature", stdin=verify_request(caps=(TI, TI))).ok()
    assert list(resp["verificationResults"]) == [TI]


def test_unprocessed_attributes_do_not_matter(plugin):
    req = ti_only([PROFILE_ARN])
    req["signature"]["unprocessedAttributes"] = ["com.example.other"]
    assert plugin.run("verify-signature", stdin=req).ok()["processedAttributes"] == PROCESSED


# --- revocation (§4.5) -------------------------------------------------------------------------

def test_revocation_with_aws_backend_fails_closed(plugin):
    """A failed GetRevocationStatus call is an unsuccessful check, not a plugin error."""
    env = {"AWS_ACCESS_KEY_ID": "AKIDEXAMPLE", "AWS_SECRET_ACCESS_KEY": "secret",
           "AWS_EC2_METADATA_DISABLED": "true"}
    resp = plugin.run("verify-signature", stdin=verify_request(config=AWS_OFFLINE_CONFIG), env=env,
                      timeout=300).ok()
    assert list(resp) == ["verificationResults", "processedAttributes"]
    assert list(resp["verificationResults"]) == [RC, TI]  # Go's sorted map keys
    assert resp["verificationResults"][TI] == {"success": True, "reason": matched(PROFILE_ARN)}
    rev = resp["verificationResults"][RC]
    assert rev["success"] is False and rev["reason"].startswith(GRS_FAILED), rev
    assert len(rev["reason"]) > len(GRS_FAILED)
    assert resp["processedAttributes"] == PROCESSED


def test_revocation_only(plugin):
    resp = plugin.run("verify-signature",
                      stdin=verify_request(caps=(RC,), config=AWS_OFFLINE_CONFIG)).ok()
    assert list(resp["verificationResults"]) == [RC]


@pytest.mark.parametrize("chain", [
    [b64(b"BadCertificate")],
    [cert_b64(TEST_CERT_1), b64(b"BadCertificate")],
    [cert_b64(TEST_CERT_1), None],
    [cert_b64(TEST_CERT_1), ""],
    [b64(base64.b64decode(cert_b64(TEST_CERT_1))[:-1])],            # truncated
    [b64(base64.b64decode(cert_b64(TEST_CERT_1)) + b"\x00")],       # trailing data
])
def test_revocation_bad_certificate(plugin, chain):
    req = verify_request(chain=chain, config=AWS_OFFLINE_CONFIG)
    plugin.run("verify-signature", stdin=req).error("VALIDATION_ERROR", CERT_PARSE)


def logged_query(home):
    log = (home / "cfg" / "notation-aws-signer" / "plugin.log").read_text()
    m = re.search(r"calling GetRevocationStatus on the [^:]*: signatureTimestamp=(\S+) "
                  r"platformId=(\S+) profileVersionArn=(\S+) jobArn=(\S+) "
                  r"certificateHashes=\[([0-9a-f,]*)\]", log)
    assert m, log
    return {"signatureTimestamp": m.group(1), "platformId": m.group(2),
            "profileVersionArn": m.group(3), "jobArn": m.group(4),
            "certificateHashes": m.group(5).split(",") if m.group(5) else []}


DEBUG = {"AWS_SIGNER_NOTATION_PLUGIN_DEBUG": "true"}


def test_revocation_query_for_go_test_certificates(plugin, home):
    """§9 vector 5: the GetRevocationStatus input of the Go plugin's TestVerify."""
    env = dict(DEBUG, XDG_CONFIG_HOME=str(home / "cfg"))
    plugin.run("verify-signature", stdin=verify_request(config=AWS_OFFLINE_CONFIG), env=env).ok()
    assert logged_query(home) == {
        "signatureTimestamp": "2022-07-06T19:10:28Z",
        "platformId": "Notation-OCI-SHA384-ECDSA",
        "profileVersionArn": PROFILE_VERSION_ARN,
        "jobArn": JOB_ARN,
        "certificateHashes": [TEST_CERT_1_HASH + TEST_CERT_2_HASH,
                              TEST_CERT_2_HASH + TEST_CERT_2_HASH],
    }


# certificates made with the openssl CLI at test time

def tbs_sha384(der, workdir):
    try:
        from cryptography import x509
        return hashlib.sha384(x509.load_der_x509_certificate(der).tbs_certificate_bytes).hexdigest()
    except ImportError:
        path = workdir / "c.der"
        path.write_bytes(der)
        tbs = workdir / "tbs.bin"
        subprocess.run(["openssl", "asn1parse", "-inform", "DER", "-in", str(path), "-strparse", "4",
                        "-noout", "-out", str(tbs)], check=True, capture_output=True)
        return hashlib.sha384(tbs.read_bytes()).hexdigest()


@pytest.fixture
def openssl_chain(tmp_path):
    """DER certificates leaf first: leaf <- intermediate <- root."""
    if shutil.which("openssl") is None:
        pytest.skip("no openssl CLI")
    d = tmp_path / "pki"
    d.mkdir()

    def sh(*args):
        subprocess.run(["openssl", *args], check=True, capture_output=True, cwd=d)

    ext = d / "ext.cnf"
    ext.write_text("[ca]\nbasicConstraints=critical,CA:TRUE\nkeyUsage=critical,keyCertSign,cRLSign\n"
                   "[leaf]\nbasicConstraints=critical,CA:FALSE\nkeyUsage=critical,digitalSignature\n"
                   "extendedKeyUsage=codeSigning\n")
    for name in ("root", "int", "leaf"):
        sh("genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-384", "-out", f"{name}.key")
    sh("req", "-x509", "-new", "-key", "root.key", "-subj", "/CN=Test Root", "-days", "2",
       "-sha384", "-out", "root.pem")
    for name, issuer, section in (("int", "root", "ca"), ("leaf", "int", "leaf")):
        sh("req", "-new", "-key", f"{name}.key", "-subj", f"/CN=Test {name}", "-out", f"{name}.csr")
        sh("x509", "-req", "-in", f"{name}.csr", "-CA", f"{issuer}.pem", "-CAkey", f"{issuer}.key",
           "-set_serial", str(int.from_bytes(os.urandom(8), "big")), "-days", "1", "-sha384",
           "-extfile", "ext.cnf", "-extensions", section, "-out", f"{name}.pem")
    ders = []
    for name in ("leaf", "int", "root"):
        sh("x509", "-in", f"{name}.pem", "-outform", "DER", "-out", f"{name}.der")
        ders.append((d / f"{name}.der").read_bytes())
    return ders


@pytest.mark.parametrize("order", [(0, 1, 2), (0,), (2, 1, 0), (1, 1)])
def test_revocation_certificate_hashes(plugin, home, tmp_path, openssl_chain, order):
    chain = [openssl_chain[i] for i in order]
    hashes = [tbs_sha384(der, tmp_path) for der in chain]
    expected = [hashes[i] + hashes[min(i + 1, len(hashes) - 1)] for i in range(len(hashes))]
    env = dict(DEBUG, XDG_CONFIG_HOME=str(home / "cfg"))
    req = verify_request(caps=(RC,), chain=[b64(c) for c in chain], config=AWS_OFFLINE_CONFIG)
    plugin.run("verify-signature", stdin=req, env=env).ok()
    assert logged_query(home)["certificateHashes"] == expected


# --- revocation against a local Signer store ---------------------------------------------------

def sign_locally(plugin, store, cose=False):
    req = envelope_request(keyId="arn:aws:signer:local:000000000000:/signing-profiles/NotationProfile",
                           pluginConfig={"local-store": str(store)})
    resp = plugin.run("generate-envelope", stdin=req).ok()
    return base64.b64decode(resp["signatureEnvelope"]), resp["annotations"]


@pytest.fixture
def local_signature(plugin, signer_local, store):
    profile = signer_local.put_profile()
    envelope, annotations = sign_locally(plugin, store)
    return profile, envelope, annotations


def test_local_not_revoked(plugin, store, local_signature):
    profile, envelope, _ = local_signature
    req = verify_request_from_jws(envelope, [profile["arn"]], config={"local-store": str(store)})
    resp = plugin.run("verify-signature", stdin=req).ok()
    assert resp == {"verificationResults": {
        RC: {"success": True, "reason": "Signature is not revoked."},
        TI: {"success": True, "reason": matched(profile["arn"])}},
        "processedAttributes": PROCESSED}


def test_local_revoked_signature(plugin, signer_local, store, local_signature):
    profile, envelope, annotations = local_signature
    job_arn = annotations[ATTR_JOB]
    signer_local.run("revoke-signature", "--job-id", job_arn.rsplit("/", 1)[1],
                     "--reason", "compromised build")
    req = verify_request_from_jws(envelope, [profile["profileVersionArn"]],
                                  config={"local-store": str(store)})
    resp = plugin.run("verify-signature", stdin=req).ok()
    assert resp["verificationResults"][RC] == {
        "success": False, "reason": f"Resource(s) {job_arn} have been revoked."}
    assert resp["verificationResults"][TI]["success"] is True


def test_local_revoked_certificate(plugin, signer_local, store, local_signature, tmp_path):
    profile, envelope, _ = local_signature
    leaf = base64.b64decode(json.loads(envelope)["header"]["x5c"][0])
    signer_local.run("revoke-certificate", "--certificate-hash", tbs_sha384(leaf, tmp_path),
                     "--reason", "key compromise")
    req = verify_request_from_jws(envelope, [profile["arn"]], caps=(RC,),
                                  config={"local-store": str(store)})
    resp = plugin.run("verify-signature", stdin=req).ok()
    assert resp["verificationResults"] == {
        RC: {"success": False, "reason": "Certificate(s) have been revoked."}}


def test_local_default_store_from_signature_region(plugin, store, local_signature):
    """A signature whose profile version ARN is in region "local" is checked against the default
    local store when pluginConfig names none."""
    profile, envelope, _ = local_signature
    req = verify_request_from_jws(envelope, [profile["arn"]], caps=(RC,))
    resp = plugin.run("verify-signature", stdin=req, env={"SIGNER_LOCAL_STORE": str(store)}).ok()
    assert resp["verificationResults"][RC] == {"success": True,
                                               "reason": "Signature is not revoked."}


def test_local_missing_store_fails_closed(plugin, tmp_path, local_signature):
    profile, envelope, _ = local_signature
    missing = tmp_path / "missing-store"
    req = verify_request_from_jws(envelope, [profile["arn"]], config={"local-store": str(missing)})
    rev = plugin.run("verify-signature", stdin=req).ok()["verificationResults"][RC]
    assert rev["success"] is False and rev["reason"].startswith(GRS_FAILED)
    assert str(missing) in rev["reason"]
    assert not missing.exists()


def test_local_other_store_does_not_know_the_signature(plugin, signer_local, tmp_path,
                                                       local_signature):
    """Another store (another CA) is asked about a signature it never made: the answer is
    whatever that store says, never a crash; the trusted-identity result is unaffected."""
    profile, envelope, _ = local_signature
    other = tmp_path / "other"
    SignerLocal(other).put_profile()
    req = verify_request_from_jws(envelope, [profile["arn"]], config={"local-store": str(other)})
    resp = plugin.run("verify-signature", stdin=req).ok()
    assert resp["verificationResults"][TI]["success"] is True
    assert isinstance(resp["verificationResults"][RC]["success"], bool)
