"""`signer-local serve` driven by boto3 and by raw HTTP: every operation (success and the main
errors), cross-account use, the wire details (unknown routes, bodies, host prefixes), health,
the audit trail and lookup-events, quotas, TLS, the listen policy and the SIGTERM drain."""
import datetime
import http.client
import json
import signal
import socket
import subprocess
import time

import pytest
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials
from botocore.exceptions import ClientError

from conftest import BIN, OTHER, OWNER, REGION, Server, client, create_key, run

FORMAT = "application/vnd.cncf.notary.payload.v1+json"
PLATFORM = "Notation-OCI-SHA384-ECDSA"
PAYLOAD = b'{"targetArtifact":{"mediaType":"x","digest":"sha256:00","size":1}}'


def error_of(call, *args, **kwargs):
    with pytest.raises(ClientError) as e:
        call(*args, **kwargs)
    r = e.value.response
    return r["Error"]["Code"], r["ResponseMetadata"]["HTTPStatusCode"], r["Error"]["Message"]


def signed(server, key, method, target, body=b"", host=None, headers=None):
    """A request signed by botocore's own SigV4 (service signer), for raw sends."""
    host = host or f"127.0.0.1:{server.port}"
    req = AWSRequest(method=method, url=f"http://{host}{target}", data=body,
                     headers=dict(headers or {}))
    SigV4Auth(Credentials(key["AccessKeyId"], key["SecretAccessKey"]), "signer",
              REGION).add_auth(req)
    return req


def send(server, method, target, body=b"", headers=None):
    conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=30)
    conn.request(method, target, body=body, headers=headers or {})
    r = conn.getresponse()
    data = r.read()
    conn.close()
    return r.status, dict((k.lower(), v) for k, v in r.getheaders()), data


def send_signed(server, key, method, target, body=b"", host=None, headers=None):
    req = signed(server, key, method, target, body, host, headers)
    sent = dict(req.headers.items())
    sent["Host"] = host or f"127.0.0.1:{server.port}"   # the Host botocore signed
    return send(server, method, target, body, sent)


# ---- every operation -------------------------------------------------------------------------

def test_every_operation(env, signer):
    p = signer.put_signing_profile(profileName="ops_profile", platformId=PLATFORM,
                                   signatureValidityPeriod={"value": 12, "type": "MONTHS"},
                                   tags={"team": "a"})
    assert p["arn"] == f"arn:aws:signer:{REGION}:{OWNER}:/signing-profiles/ops_profile"
    g = signer.get_signing_profile(profileName="ops_profile")
    assert g["status"] == "Active" and g["profileVersionArn"] == p["profileVersionArn"]
    names = [x["profileName"] for x in signer.list_signing_profiles()["profiles"]]
    assert "ops_profile" in names
    s = signer.sign_payload(profileName="ops_profile", payload=PAYLOAD, payloadFormat=FORMAT)
    assert s["jobOwner"] == OWNER and json.loads(s["signature"])["payload"]
    job = signer.describe_signing_job(jobId=s["jobId"])
    assert job["status"] == "Succeeded" and job["profileName"] == "ops_profile"
    assert any(j["jobId"] == s["jobId"] for j in signer.list_signing_jobs()["jobs"])
    assert signer.list_signing_jobs(isRevoked=False, maxResults=10,
                                    signatureExpiresAfter=datetime.datetime(2020, 1, 1))["jobs"]
    plats = signer.list_signing_platforms()["platforms"]
    assert any(x["platformId"] == PLATFORM for x in plats)
    assert signer.get_signing_platform(platformId=PLATFORM)["platformId"] == PLATFORM

    signer.tag_resource(resourceArn=p["arn"], tags={"k1": "v1", "k2": "v2"})
    assert signer.list_tags_for_resource(resourceArn=p["arn"])["tags"] == \
        {"team": "a", "k1": "v1", "k2": "v2"}
    signer.untag_resource(resourceArn=p["arn"], tagKeys=["k1", "team"])
    assert signer.list_tags_for_resource(resourceArn=p["arn"])["tags"] == {"k2": "v2"}

    a = signer.add_profile_permission(profileName="ops_profile", action="signer:SignPayload",
                                      principal=OTHER, statementId="s1")
    lp = signer.list_profile_permissions(profileName="ops_profile")
    assert lp["revisionId"] == a["revisionId"]
    assert lp["permissions"][0]["statementId"] == "s1"
    rm = signer.remove_profile_permission(profileName="ops_profile", statementId="s1",
                                          revisionId=a["revisionId"])
    assert rm["revisionId"] != a["revisionId"]

    job_arn = f"arn:aws:signer:{REGION}:{OWNER}:/signing-jobs/{s['jobId']}"
    rev = dict(signatureTimestamp=datetime.datetime.now(datetime.timezone.utc),
               platformId=PLATFORM, profileVersionArn=p["profileVersionArn"], jobArn=job_arn,
               certificateHashes=["a" * 192, "b" * 192])
    assert signer.get_revocation_status(**rev)["revokedEntities"] == []
    signer.revoke_signature(jobId=s["jobId"], reason="bad build")
    assert job_arn in signer.get_revocation_status(**rev)["revokedEntities"]
    assert signer.describe_signing_job(jobId=s["jobId"])["revocationRecord"]["reason"] == \
        "bad build"
    signer.revoke_signing_profile(profileName="ops_profile", profileVersion=p["profileVersion"],
                                  reason="compromised",
                                  effectiveTime=datetime.datetime(2020, 1, 1))
    assert signer.get_signing_profile(profileName="ops_profile")["status"] == "Revoked"
    p2 = signer.put_signing_profile(profileName="ops_cancel", platformId=PLATFORM)
    signer.cancel_signing_profile(profileName="ops_cancel")
    assert signer.get_signing_profile(profileName="ops_cancel")["status"] == "Canceled"
    assert p2["arn"].endswith("/ops_cancel")


def test_main_errors(env, signer):
    signer.put_signing_profile(profileName="err_profile", platformId=PLATFORM)
    arn = f"arn:aws:signer:{REGION}:{OWNER}:/signing-profiles/err_profile"
    assert error_of(signer.get_signing_profile, profileName="nope_nope")[:2] == \
        ("ResourceNotFoundException", 404)
    assert error_of(signer.describe_signing_job, jobId="no-such-job")[:2] == \
        ("ResourceNotFoundException", 404)
    assert error_of(signer.sign_payload, profileName="err_profile", payload=b"x",
                    payloadFormat="text/plain")[:2] == ("ValidationException", 400)
    assert error_of(signer.sign_payload, profileName="err_profile", payload=b"x" * 4097,
                    payloadFormat=FORMAT)[:2] == ("ValidationException", 400)
    assert error_of(signer.get_signing_platform, platformId="Nope")[:2] == \
        ("ResourceNotFoundException", 404)
    # Tags answer NotFound / BadRequest, not ResourceNotFound / Validation.
    assert error_of(signer.list_tags_for_resource, resourceArn=arn + "_missing")[:2] == \
        ("NotFoundException", 404)
    assert error_of(signer.tag_resource, resourceArn="not-an-arn", tags={"a": "b"})[:2] == \
        ("BadRequestException", 400)
    a = signer.add_profile_permission(profileName="err_profile", action="signer:SignPayload",
                                      principal=OTHER, statementId="e1")
    assert error_of(signer.add_profile_permission, profileName="err_profile",
                    action="signer:GetSigningProfile", principal=OTHER, statementId="e1",
                    revisionId=a["revisionId"])[:2] == ("ConflictException", 409)
    assert error_of(signer.remove_profile_permission, profileName="err_profile",
                    statementId="e1", revisionId="stale")[:2] == ("ConflictException", 409)
    assert error_of(signer.add_profile_permission, profileName="err_profile",
                    action="signer:StartSigningJob", principal=OTHER, statementId="e2",
                    revisionId=a["revisionId"])[:2] == ("ValidationException", 400)
    code, status, msg = error_of(
        signer.start_signing_job, source={"s3": {"bucketName": "b", "key": "k", "version": "1"}},
        destination={"s3": {"bucketName": "b"}}, profileName="err_profile")
    assert (code, status) == ("ValidationException", 400) and "not yet supported" in msg


def test_cross_account(env, signer):
    other = client(env["server"], env["other"])
    signer.put_signing_profile(profileName="shared", platformId=PLATFORM)
    code, status, msg = error_of(other.sign_payload, profileName="shared", profileOwner=OWNER,
                                 payload=PAYLOAD, payloadFormat=FORMAT)
    assert (code, status) == ("AccessDeniedException", 403)
    assert f"arn:aws:iam::{OTHER}:root" in msg and "signer:SignPayload" in msg
    signer.add_profile_permission(profileName="shared", action="signer:SignPayload",
                                  principal=OTHER, statementId="b")
    s = other.sign_payload(profileName="shared", profileOwner=OWNER, payload=PAYLOAD,
                           payloadFormat=FORMAT)
    assert s["jobOwner"] == OWNER
    # Not granted: GetSigningProfile.
    assert error_of(other.get_signing_profile, profileName="shared",
                    profileOwner=OWNER)[:2] == ("AccessDeniedException", 403)
    # Only the owner manages permissions and tags.
    assert error_of(other.list_profile_permissions, profileName="shared")[1] in (403, 404)


def test_authentication_failures(env):
    srv = env["server"]
    bad = dict(env["owner"], SecretAccessKey="wrong" + env["owner"]["SecretAccessKey"][5:])
    assert error_of(client(srv, bad).list_signing_profiles)[:2] == \
        ("InvalidSignatureException", 403)
    unknown = {"AccessKeyId": "AKIAUNKNOWNUNKNOWN00", "SecretAccessKey": "x" * 40}
    assert error_of(client(srv, unknown).list_signing_profiles)[:2] == \
        ("UnrecognizedClientException", 403)
    status, headers, body = send(srv, "GET", "/signing-profiles")
    assert status == 403
    assert headers["x-amzn-errortype"] == "MissingAuthenticationTokenException"
    # A disabled key is refused.
    k = create_key(env["store"], OWNER)
    run(env["store"], "update-access-key", "--access-key-id", k["AccessKeyId"], "--status",
        "Inactive")
    assert error_of(client(srv, k).list_signing_profiles)[:2] == \
        ("UnrecognizedClientException", 403)


# ---- wire details ------------------------------------------------------------------------------

def test_health_unauthenticated(env):
    status, headers, body = send(env["server"], "GET", "/health")
    assert status == 200 and json.loads(body)["status"] == "ok"
    assert headers["content-type"] == "application/json"


def test_unknown_route_and_bodies(env):
    srv, key = env["server"], env["owner"]
    status, h, body = send_signed(srv, key, "GET", "/no-such-thing")
    assert status == 404 and h["x-amzn-errortype"] == "UnknownOperationException"
    assert json.loads(body)["code"] == "UnknownOperationException"
    assert len(h["x-amzn-requestid"]) == 36
    status, h, body = send_signed(srv, key, "PUT", "/signing-profiles/badjson",
                                  body=b'{"platformId": ', headers={
                                      "Content-Type": "application/json"})
    assert status == 400 and h["x-amzn-errortype"] == "SerializationException"
    status, h, body = send_signed(srv, key, "POST", "/signing-jobs/with-payload",
                                  body=b"{" + b" " * (300 * 1024) + b"}",
                                  headers={"Content-Type": "application/json"})
    assert status == 413 and h["x-amzn-errortype"] == "RequestEntityTooLargeException"
    # Chunked, no Content-Length: read to the end, dropped, then 413.
    s = socket.create_connection(("127.0.0.1", srv.port), timeout=30)
    s.sendall(b"POST /signing-jobs/with-payload HTTP/1.1\r\nHost: x\r\n"
              b"Transfer-Encoding: chunked\r\nConnection: close\r\n\r\n" +
              (b"10000\r\n" + b" " * 0x10000 + b"\r\n") * 6 + b"0\r\n\r\n")
    data = b""
    while chunk := s.recv(65536):
        data += chunk
    s.close()
    assert data.startswith(b"HTTP/1.1 413") and b"RequestEntityTooLargeException" in data
    status, h, body = send_signed(srv, key, "GET", "/signing-profiles?maxResults=many")
    assert status == 400 and h["x-amzn-errortype"] == "ValidationException"


@pytest.mark.parametrize("host", [f"data-signer.{REGION}.amazonaws.com",
                                  f"verification.signer.{REGION}.amazonaws.com",
                                  f"signer.{REGION}.amazonaws.com"])
def test_revocation_on_every_host(env, signer, host):
    p = signer.put_signing_profile(profileName="hosts", platformId=PLATFORM)
    target = ("/revocations?signatureTimestamp=2023-12-06T01%3A20%3A03Z"
              f"&platformId={PLATFORM}"
              "&profileVersionArn=" + p["profileVersionArn"].replace(":", "%3A").replace("/", "%2F")
              + f"&jobArn=arn%3Aaws%3Asigner%3A{REGION}%3A{OWNER}%3A%2Fsigning-jobs%2Fx"
              "&certificateHashes=" + "a" * 192 + "&certificateHashes=" + "b" * 192)
    status, h, body = send_signed(env["server"], env["owner"], "GET", target, host=host)
    assert status == 200, body
    assert json.loads(body) == {"revokedEntities": []}


def test_signer_data_client(env):
    """The separate `signer-data` client (no host prefix) reaches the same operation."""
    c = client(env["server"], env["owner"], service="signer-data")
    r = c.get_revocation_status(signatureTimestamp=datetime.datetime(2024, 1, 1),
                                platformId=PLATFORM,
                                profileVersionArn=f"arn:aws:signer:{REGION}:{OWNER}:"
                                                  "/signing-profiles/x/abcdefghij",
                                jobArn=f"arn:aws:signer:{REGION}:{OWNER}:/signing-jobs/x",
                                certificateHashes=["c" * 192])
    assert r["revokedEntities"] == []


# ---- audit trail -------------------------------------------------------------------------------

def test_audit_trail(env, signer):
    srv = env["server"]
    before = len(srv.audit_lines())
    signer.put_signing_profile(profileName="audited", platformId=PLATFORM)
    s = signer.sign_payload(profileName="audited", payload=b"top secret payload",
                            payloadFormat=FORMAT)
    bad = dict(env["owner"], SecretAccessKey="x" * 40)
    error_of(client(srv, bad).get_signing_profile, profileName="audited")
    lines = srv.audit_lines()[before:]
    assert [x["eventName"] for x in lines] == ["PutSigningProfile", "SignPayload",
                                                "GetSigningProfile"]
    text = srv.audit.read_text()
    assert "dG9wIHNlY3JldCBwYXlsb2Fk" not in text           # base64 of the payload
    assert s["signature"].decode()[:40] not in text
    assert env["owner"]["SecretAccessKey"] not in text
    rec = lines[1]
    assert rec["eventSource"] == "signer.amazonaws.com" and rec["eventType"] == "AwsApiCall"
    assert rec["awsRegion"] == REGION and rec["recipientAccountId"] == OWNER
    assert rec["userIdentity"]["type"] == "Root"
    assert rec["userIdentity"]["accessKeyId"] == env["owner"]["AccessKeyId"]
    assert rec["responseElements"]["jobId"] == s["jobId"]
    assert "payload" not in rec["requestParameters"]
    assert rec["requestID"] == s["ResponseMetadata"]["RequestId"]
    assert lines[2]["errorCode"] == "InvalidSignatureException"
    assert "arn" not in lines[2]["userIdentity"]
    assert (srv.audit.stat().st_mode & 0o777) == 0o600


def test_lookup_events(env, signer):
    signer.put_signing_profile(profileName="lookup_me", platformId=PLATFORM)
    audit = str(env["server"].audit)

    def lookup(*args):
        out = run(env["store"], "lookup-events", "--audit-log", audit, *args).stdout
        return json.loads(out)["Events"]

    ev = lookup("--event-name", "PutSigningProfile", "--resource-name", "lookup_me")
    assert len(ev) == 1
    assert ev[0]["Resources"][0]["ResourceName"].endswith("/signing-profiles/lookup_me")
    ct = json.loads(ev[0]["CloudTrailEvent"])
    assert ct["requestParameters"]["profileName"] == "lookup_me"
    assert len(lookup("--max-results", "2")) == 2
    assert lookup("--end-time", "2000-01-01T00:00:00Z") == []
    assert len(lookup("--start-time", "2000-01-01T00:00:00Z", "--event-name",
                      "PutSigningProfile")) >= 1
    assert all(e["Username"] == "root"
               for e in lookup("--principal", f"arn:aws:iam::{OWNER}:root"))
    assert lookup("--principal", "arn:aws:iam::999999999999:root") == []


# ---- quota -------------------------------------------------------------------------------------

def test_quota_throttles_and_boto3_retries(env, tmp_path):
    # 0.5 requests a second (burst 1): the second of two quick calls is throttled even on a
    # loaded machine.
    srv = Server(env["store"], tmp_path, "--quota", "0.5")
    try:
        once = client(srv, env["owner"], retries=1)
        codes = []
        for _ in range(3):
            try:
                once.list_signing_platforms()
                codes.append(200)
            except ClientError as e:
                codes.append(e.response["Error"]["Code"])
                assert e.response["ResponseMetadata"]["HTTPStatusCode"] == 429
                assert e.response["Error"]["Message"] == "Rate exceeded"
        assert "ThrottlingException" in codes
        # With retries, boto3 backs off and gets through.
        retrying = client(srv, env["owner"], retries=10)
        for _ in range(2):
            r = retrying.list_signing_platforms()
        assert r["ResponseMetadata"]["HTTPStatusCode"] == 200
        assert any(x.get("errorCode") == "ThrottlingException" for x in srv.audit_lines())
    finally:
        rc, err = srv.stop()
    assert rc == 0, err


# ---- listen policy, TLS, drain -----------------------------------------------------------------

def test_plain_http_refused_off_loopback(env):
    r = subprocess.run([str(BIN), "--store", str(env["store"]), "serve", "--listen",
                        "0.0.0.0:0"], capture_output=True, text=True, timeout=30)
    assert r.returncode != 0
    assert "refusing plain HTTP" in r.stderr and "--tls-cert" in r.stderr


def make_tls(tmp):
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID
    import ipaddress

    now = datetime.datetime.now(datetime.timezone.utc)
    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca_name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "serve test CA")])
    ca = (x509.CertificateBuilder().subject_name(ca_name).issuer_name(ca_name)
          .public_key(ca_key.public_key()).serial_number(1)
          .not_valid_before(now - datetime.timedelta(hours=1))
          .not_valid_after(now + datetime.timedelta(days=1))
          .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
          .sign(ca_key, hashes.SHA256()))
    key = ec.generate_private_key(ec.SECP256R1())
    cert = (x509.CertificateBuilder()
            .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")]))
            .issuer_name(ca_name).public_key(key.public_key()).serial_number(2)
            .not_valid_before(now - datetime.timedelta(hours=1))
            .not_valid_after(now + datetime.timedelta(days=1))
            .add_extension(x509.SubjectAlternativeName(
                [x509.IPAddress(ipaddress.ip_address("127.0.0.1")),
                 x509.DNSName("localhost")]), critical=False)
            .sign(ca_key, hashes.SHA256()))
    paths = {n: tmp / f"{n}.pem" for n in ("ca", "cert", "key")}
    paths["ca"].write_bytes(ca.public_bytes(serialization.Encoding.PEM))
    paths["cert"].write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    paths["key"].write_bytes(key.private_bytes(serialization.Encoding.PEM,
                                               serialization.PrivateFormat.PKCS8,
                                               serialization.NoEncryption()))
    return paths


def test_tls(env, tmp_path):
    p = make_tls(tmp_path)
    srv = Server(env["store"], tmp_path, "--tls-cert", str(p["cert"]), "--tls-key", str(p["key"]))
    try:
        assert "https://" in srv.stderr()
        c = client(srv, env["owner"], verify=str(p["ca"]))
        assert c.list_signing_platforms()["platforms"]
        # A client that does not trust the test CA fails the handshake.
        with pytest.raises(Exception):
            client(srv, env["owner"], verify=True).list_signing_platforms()
    finally:
        rc, err = srv.stop()
    assert rc == 0, err


def test_sigterm_drains_in_flight_request(env, tmp_path):
    srv = Server(env["store"], tmp_path)
    body = json.dumps({"profileName": "drain", "platformId": PLATFORM}).encode()
    req = signed(srv, env["owner"], "PUT", "/signing-profiles/drain", body,
                 headers={"Content-Type": "application/json"})
    head = f"PUT /signing-profiles/drain HTTP/1.1\r\nHost: 127.0.0.1:{srv.port}\r\n" + "".join(
        f"{k}: {v}\r\n" for k, v in req.headers.items()) + \
        f"Content-Length: {len(body)}\r\nConnection: close\r\n\r\n"
    s = socket.create_connection(("127.0.0.1", srv.port), timeout=30)
    try:
        s.sendall(head.encode() + body[:10])        # in flight: half a body
        time.sleep(0.3)
        srv.proc.send_signal(signal.SIGTERM)
        time.sleep(0.5)
        assert srv.proc.poll() is None              # still draining
        # New connections are refused once draining started.
        with pytest.raises(OSError):
            socket.create_connection(("127.0.0.1", srv.port), timeout=2).close()
        s.sendall(body[10:])
        data = b""
        while True:
            chunk = s.recv(65536)
            if not chunk:
                break
            data += chunk
    finally:
        s.close()
    assert data.startswith(b"HTTP/1.1 200"), data[:200]
    rc, err = srv.stop()
    assert rc == 0, err
    assert "draining 1 request" in err and "stopped" in err
    assert srv.audit_lines()[-1]["eventName"] == "PutSigningProfile"


def test_bad_listen_arguments(env):
    for listen in ("127.0.0.1:99999", "::1:80", "[::1", "127.0.0.1:x"):
        r = subprocess.run([str(BIN), "--store", str(env["store"]), "serve", "--listen", listen],
                           capture_output=True, text=True, timeout=30)
        assert r.returncode == 2, (listen, r.stderr)
    r = subprocess.run([str(BIN), "--store", str(env["store"]), "serve", "--tls-cert", "x"],
                       capture_output=True, text=True, timeout=30)
    assert r.returncode == 2 and "go together" in r.stderr
