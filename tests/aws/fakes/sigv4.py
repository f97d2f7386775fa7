"""Server-side SigV4 verification for the loopback fakes (research/aws-signer-api.md §3.1, §3.2).

An independent implementation (hashlib/hmac only): it does not call the project's C signer nor
botocore's. The canonical request is rebuilt from the raw request target as received (the path is
NOT decoded before being encoded again: `%3A` on the wire becomes `%253A`), the headers named in
SignedHeaders, and the SHA-256 of the body actually received.

Keys live in a KeyTable shared by the fakes: STS, IMDS and the container endpoint register the
credentials they hand out, so that a request signed with them passes the fake Signer's check.
"""

import hashlib
import hmac
import re
import threading
import time
import urllib.parse
from dataclasses import dataclass, field
from datetime import datetime, timezone

ALGORITHM = "AWS4-HMAC-SHA256"
MAX_SKEW_SECONDS = 15 * 60
UNRESERVED = "-_.~"  # plus ASCII letters and digits, which urllib.parse.quote always keeps
EMPTY_SHA256 = hashlib.sha256(b"").hexdigest()


@dataclass
class Key:
    access_key: str
    secret_key: str
    session_token: str = None   # temporary credentials: the request must carry (and sign) it
    expires: float = None       # Unix time; None = never
    source: str = "static"      # who issued it (for the tests' messages)


class KeyTable:
    """Access key id -> Key, thread-safe."""

    def __init__(self):
        self._lock = threading.Lock()
        self._keys = {}

    def add(self, access_key, secret_key, session_token=None, expires=None, source="static"):
        with self._lock:
            self._keys[access_key] = Key(access_key, secret_key, session_token, expires, source)
        return self._keys[access_key]

    def get(self, access_key):
        with self._lock:
            return self._keys.get(access_key)

    def remove(self, access_key):
        with self._lock:
            self._keys.pop(access_key, None)

    def __contains__(self, access_key):
        return self.get(access_key) is not None


@dataclass
class AuthResult:
    ok: bool
    status: int = 200
    code: str = ""
    message: str = ""
    access_key: str = None
    signed_headers: list = field(default_factory=list)
    canonical_request: str = ""
    string_to_sign: str = ""


def _fail(code, message, status=403, access_key=None, creq="", sts=""):
    return AuthResult(False, status, code, message, access_key, [], creq, sts)


def _hmac(key, msg):
    return hmac.new(key, msg.encode("utf-8"), hashlib.sha256).digest()


def signing_key(secret, date, region, service):
    k = _hmac(("AWS4" + secret).encode("utf-8"), date)
    k = _hmac(k, region)
    k = _hmac(k, service)
    return _hmac(k, "aws4_request")


def _encode(s):
    """Strict RFC 3986 percent-encoding of a str or bytes (uppercase hex)."""
    return urllib.parse.quote(s, safe=UNRESERVED)


def _normalize_path(raw_path):
    """Remove '.' and '..' segments and collapse '//' in the path as it was sent, keeping a
    trailing slash (non-S3 services)."""
    if raw_path == "":
        return "/"
    segments = raw_path.split("/")
    out = []
    for seg in segments[1:]:
        if seg in ("", "."):
            continue
        if seg == "..":
            if out:
                out.pop()
            continue
        out.append(seg)
    path = "/" + "/".join(out)
    if raw_path.endswith("/") and path != "/":
        path += "/"
    return path


def canonical_uri(raw_path):
    """Encode the (already once-encoded) raw path a second time: every byte but the unreserved
    characters and '/' becomes %XX."""
    return urllib.parse.quote(_normalize_path(raw_path), safe="/" + UNRESERVED)


def canonical_query(raw_query):
    """Pairs split on '&' and the first '=', decoded then strictly re-encoded, sorted by key then
    value. A raw '+' is kept as a plus sign (encoded %2B), not read as a space."""
    if not raw_query:
        return ""
    pairs = []
    for part in raw_query.split("&"):
        if part == "":
            continue
        k, _, v = part.partition("=")
        k = _encode(urllib.parse.unquote_to_bytes(k))
        v = _encode(urllib.parse.unquote_to_bytes(v))
        pairs.append((k, v))
    pairs.sort()
    return "&".join(f"{k}={v}" for k, v in pairs)


def _canonical_header_value(values):
    return ",".join(re.sub(r"\s+", " ", v.strip()) for v in values)


def parse_authorization(value):
    """{'Credential': ..., 'SignedHeaders': ..., 'Signature': ...} or None when the scheme is not
    AWS4-HMAC-SHA256. Separators ', ' and ',' are both accepted."""
    if not value:
        return None
    scheme, _, rest = value.strip().partition(" ")
    if scheme != ALGORITHM:
        return None
    parts = {}
    for item in rest.split(","):
        item = item.strip()
        if not item:
            continue
        k, sep, v = item.partition("=")
        if sep:
            parts[k.strip()] = v.strip()
    return parts


def access_key_of(authorization):
    """The access key id named in an Authorization header, or None."""
    parts = parse_authorization(authorization) or {}
    cred = parts.get("Credential", "")
    return cred.split("/", 1)[0] if cred else None


def _parse_amz_date(s):
    try:
        return datetime.strptime(s, "%Y%m%dT%H%M%SZ").replace(tzinfo=timezone.utc)
    except (TypeError, ValueError):
        return None


def verify(method, raw_target, headers, body, keys, region, service, now=None,
           require_signed_token=True):
    """Check one request's SigV4 header signature.

    method: "GET"/"POST"...; raw_target: the request target exactly as received ("/path?query");
    headers: a list of (name, value) pairs as received (repeated names allowed); body: bytes;
    keys: a KeyTable; now: Unix time (default: the clock).
    """
    now = time.time() if now is None else now
    hmap = {}
    for name, value in headers:
        hmap.setdefault(name.lower(), []).append(value)

    auth_values = hmap.get("authorization")
    if not auth_values:
        return _fail("MissingAuthenticationTokenException", "Missing Authentication Token")
    parts = parse_authorization(auth_values[0])
    if parts is None:
        return _fail("IncompleteSignatureException",
                     f"Authorization header requires the {ALGORITHM} scheme")
    missing = [p for p in ("Credential", "SignedHeaders", "Signature") if not parts.get(p)]
    if missing:
        return _fail("IncompleteSignatureException",
                     "Authorization header requires '%s' parameter(s). Authorization=%s"
                     % ("', '".join(missing), auth_values[0][:200]))
    scope = parts["Credential"].split("/")
    if len(scope) != 5:
        return _fail("IncompleteSignatureException",
                     f"Credential should be scoped to a valid region, not '{parts['Credential']}'")
    access_key, date, scope_region, scope_service, terminator = scope
    signed = parts["SignedHeaders"].split(";")
    if signed != sorted(signed) or any(h != h.lower() or not h for h in signed):
        return _fail("IncompleteSignatureException",
                     f"SignedHeaders must be lowercase and sorted: '{parts['SignedHeaders']}'",
                     access_key=access_key)
    for required in ("host",):
        if required not in signed:
            return _fail("IncompleteSignatureException",
                         f"'{required}' must be a signed header", access_key=access_key)

    amz_date = (hmap.get("x-amz-date") or [None])[0]
    if amz_date is None:
        return _fail("IncompleteSignatureException",
                     "Authorization header requires existence of either a 'X-Amz-Date' or a "
                     "'Date' header.", access_key=access_key)
    if "x-amz-date" not in signed:
        return _fail("IncompleteSignatureException", "'x-amz-date' must be a signed header",
                     access_key=access_key)
    when = _parse_amz_date(amz_date)
    if when is None:
        return _fail("IncompleteSignatureException", f"invalid X-Amz-Date '{amz_date}'",
                     access_key=access_key)
    if abs(when.timestamp() - now) > MAX_SKEW_SECONDS:
        return _fail("InvalidSignatureException",
                     "Signature expired: %s is now earlier than %s (%s - 15 min.)"
                     % (amz_date,
                        datetime.fromtimestamp(now - MAX_SKEW_SECONDS, timezone.utc).strftime("%Y%m%dT%H%M%SZ"),
                        datetime.fromtimestamp(now, timezone.utc).strftime("%Y%m%dT%H%M%SZ")),
                     access_key=access_key)
    if date != amz_date[:8] or scope_region != region or scope_service != service \
            or terminator != "aws4_request":
        return _fail("InvalidSignatureException",
                     f"Credential should be scoped to a valid region and service: expected "
                     f"{amz_date[:8]}/{region}/{service}/aws4_request, got "
                     f"{date}/{scope_region}/{scope_service}/{terminator}",
                     access_key=access_key)

    key = keys.get(access_key)
    if key is None:
        return _fail("UnrecognizedClientException",
                     "The security token included in the request is invalid.", access_key=access_key)
    token = (hmap.get("x-amz-security-token") or [None])[0]
    if key.session_token is not None:
        if token != key.session_token:
            return _fail("UnrecognizedClientException",
                         "The security token included in the request is invalid.",
                         access_key=access_key)
        if require_signed_token and "x-amz-security-token" not in signed:
            return _fail("IncompleteSignatureException",
                         "'x-amz-security-token' must be a signed header", access_key=access_key)
        if key.expires is not None and now >= key.expires:
            return _fail("ExpiredTokenException", "The security token included in the request is expired",
                         access_key=access_key)
    elif token is not None:
        return _fail("UnrecognizedClientException",
                     "The security token included in the request is invalid.", access_key=access_key)

    lines = []
    for name in signed:
        if name not in hmap:
            return _fail("InvalidSignatureException",
                         f"'{name}' is named as a SignedHeader, but it does not exist.",
                         access_key=access_key)
        lines.append(f"{name}:{_canonical_header_value(hmap[name])}\n")
    path, _, query = raw_target.partition("?")
    creq = "\n".join([
        method,
        canonical_uri(path),
        canonical_query(query),
        "".join(lines),
        ";".join(signed),
        hashlib.sha256(body or b"").hexdigest(),
    ])
    sts = "\n".join([ALGORITHM, amz_date, f"{date}/{region}/{service}/aws4_request",
                     hashlib.sha256(creq.encode("utf-8")).hexdigest()])
    expected = hmac.new(signing_key(key.secret_key, date, region, service), sts.encode("utf-8"),
                        hashlib.sha256).hexdigest()
    if not hmac.compare_digest(expected, parts["Signature"]):
        return _fail("InvalidSignatureException",
                     "The request signature we calculated does not match the signature you "
                     "provided. Check your AWS Secret Access Key and signing method. Consult the "
                     "service documentation for details.\n\nThe Canonical String for this request "
                     f"should have been\n'{creq}'\n\nThe String-to-Sign should have been\n'{sts}'\n",
                     access_key=access_key, creq=creq, sts=sts)
    return AuthResult(True, 200, "", "", access_key, signed, creq, sts)
