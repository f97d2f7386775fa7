/* Server-side SigV4 verification (see sgn/aws_sigv4_verify.h).
 *
 * The canonical request is rebuilt by sgn_sigv4__compute, the function the client signer uses.
 * Error names and texts follow what AWS services answer; where a text comes from a public source
 * it is cited next to the code that produces it:
 *   [iam-ts]  docs.aws.amazon.com/IAM/latest/UserGuide/signature-v4-troubleshooting.html ("Date in
 *             Credential scope does not match YYYYMMDD from ISO-8601 version of date from HTTP",
 *             "Signature not yet current: date is still later than date", "Signature expired:
 *             date is now earlier than date", "Credential should be scoped to a valid Region").
 *   [skew]    devopsaitoolkit.com/blog/aws-error-invalid-signature-clock-skew/ (STS answering
 *             403 InvalidSignatureException "Signature expired: 20260627T140000Z is now earlier
 *             than 20260627T141500Z (20260627T143000Z - 15 min.)" and "Signature not yet current:
 *             20260627T150000Z is still later than 20260627T143000Z (20260627T144500Z + 15 min.)").
 *   [host]    github.com/aws/aws-sdk-php/issues/2469 (DynamoDB: InvalidSignatureException
 *             "'Host' or ':authority' must be a 'SignedHeader' in the AWS Authorization.").
 *   [named]   github.com/awslabs/aws-mobile-appsync-sdk-js/issues/702 (IncompleteSignatureException
 *             "'accept' is named as a SignedHeader, but it does not exist in the HTTP request.").
 *   [pair]    github.com/iann0036/cloud9-sync/issues/10, awslabs/fhir-works-on-aws-deployment#379 (IncompleteSignature
 *             "'<token>' not a valid key=value pair (missing equal-sign) in Authorization header:
 *             '<value>'.").
 *   [req]     github.com/aws/chalice/issues/828 ("Authorization header requires 'Credential'
 *             parameter. ... requires existence of either a 'X-Amz-Date' or a 'Date' header.").
 *   [5elem]   github.com/mhart/aws4/issues/97 ("Credential must have exactly 5 slash-delimited
 *             elements, e.g. keyid/date/region/service/term, got '...'").
 *   [region], [service]  github.com/aws/aws-sdk-java/issues/1097, arnemolland/sigv4#15
 *             (InvalidSignatureException "Credential should be scoped to a valid region, not
 *             'us-west-1'. ", "Credential should be scoped to correct service: 'dynamodb'. ";
 *             the trailing space is AWS's).
 *   [token]   github.com/badslug/Paw-AWSSignature4DynamicValue/issues/5 (403
 *             UnrecognizedClientException "The security token included in the request is
 *             invalid."), cloudquery/cq-provider-aws#1171 (403 ExpiredTokenException "The security
 *             token included in the request is expired").
 *   [missing] github.com/common-voice/common-voice/issues/1599 (apigateway, a restJson service
 *             like Signer: MissingAuthenticationTokenException "Missing Authentication Token").
 * Texts without a source are ours and say so. */
#include "sgn/aws_sigv4_verify.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include <openssl/crypto.h>

#include "sgn/aws_sigv4.h"
#include "sigv4_int.h"

#define SKEW_SECONDS 900
#define ECHO_MAX "300" /* longest part of a request echoed into a message */

#define DENY(err, name, ...) sgn_error_set_service((err), 403, (name), "", __VA_ARGS__)
#define INCOMPLETE "IncompleteSignatureException"
#define INVALID_SIG "InvalidSignatureException"
#define UNRECOGNIZED "UnrecognizedClientException"
#define TOKEN_INVALID "The security token included in the request is invalid."
#define SIG_MISMATCH                                                                           \
    "The request signature we calculated does not match the signature you provided. Check "    \
    "your AWS Secret Access Key and signing method. Consult the service documentation for "    \
    "details."

void sgn_sigv4_key_clear(sgn_sigv4_key *key)
{
    if (key == NULL)
        return;
    if (key->secret_access_key != NULL)
        OPENSSL_clear_free(key->secret_access_key, strlen(key->secret_access_key));
    if (key->session_token != NULL)
        OPENSSL_clear_free(key->session_token, strlen(key->session_token));
    free(key->account_id);
    free(key->principal);
    memset(key, 0, sizeof(*key));
}

/* ---- the Authorization value ---------------------------------------------------------------- */

void sgn_sigv4__auth_free(sgn_sigv4__auth *a)
{
    if (a == NULL)
        return;
    free(a->credential);
    free(a->signed_headers);
    free(a->signature);
    memset(a, 0, sizeof(*a));
}

static int is_sep(char c)
{
    return c == ',' || c == ' ' || c == '\t';
}

int sgn_sigv4__parse_authorization(sgn_sigv4__auth *a, const char *value, sgn_error *err)
{
    static const char scheme[] = "AWS4-HMAC-SHA256";
    const char *p = value;

    memset(a, 0, sizeof(*a));
    while (*p == ' ' || *p == '\t')
        p++;
    if (strncmp(p, scheme, sizeof(scheme) - 1) != 0 ||
        (p[sizeof(scheme) - 1] != '\0' && !is_sep(p[sizeof(scheme) - 1])))
        return SGN_OK; /* another scheme: every parameter is missing */
    a->scheme_ok = 1;
    p += sizeof(scheme) - 1;
    for (;;) {
        const char *tok, *eq;
        size_t n;
        char **slot = NULL;

        while (is_sep(*p))
            p++;
        if (*p == '\0')
            break;
        tok = p;
        while (*p != '\0' && !is_sep(*p))
            p++;
        n = (size_t)(p - tok);
        if ((eq = memchr(tok, '=', n)) == NULL) {
            sgn_sigv4__auth_free(a);
            /* [pair] */
            return DENY(err, INCOMPLETE,
                        "'%.*s' not a valid key=value pair (missing equal-sign) in Authorization "
                        "header: '%." ECHO_MAX "s'.",
                        (int)(n > 300 ? 300 : n), tok, value);
        }
        if ((size_t)(eq - tok) == 10 && strncmp(tok, "Credential", 10) == 0)
            slot = &a->credential;
        else if ((size_t)(eq - tok) == 13 && strncmp(tok, "SignedHeaders", 13) == 0)
            slot = &a->signed_headers;
        else if ((size_t)(eq - tok) == 9 && strncmp(tok, "Signature", 9) == 0)
            slot = &a->signature;
        if (slot == NULL)
            continue; /* unknown parameters are ignored */
        if (*slot != NULL) {
            sgn_sigv4__auth_free(a);
            return DENY(err, INCOMPLETE, /* ours: no AWS text seen */
                        "Authorization header has more than one '%.*s' parameter.",
                        (int)(eq - tok), tok);
        }
        if ((*slot = strndup(eq + 1, (size_t)(p - eq - 1))) == NULL) {
            sgn_sigv4__auth_free(a);
            return sgn_error_set(err, SGN_ENOMEM, "out of memory");
        }
    }
    return SGN_OK;
}

/* ---- dates ---------------------------------------------------------------------------------- */

/* Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's days_from_civil). */
static int64_t days_from_civil(int64_t y, int m, int d)
{
    int64_t era, yoe, doy, doe;

    y -= m <= 2;
    era = (y >= 0 ? y : y - 399) / 400;
    yoe = y - era * 400;
    doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + doe - 719468;
}

static void format_compact(char out[17], int64_t t)
{
    time_t tt = (time_t)t;
    struct tm tm;

    if (gmtime_r(&tt, &tm) == NULL || strftime(out, 17, "%Y%m%dT%H%M%SZ", &tm) != 16)
        snprintf(out, 17, "%s", "?");
}

/* Compose y-m-d h:m:s into *t and check that it round-trips (no month 13, no 31 February). */
static int civil_to_time(int64_t *t, int y, int mo, int d, int h, int mi, int s)
{
    char a[64], b[17];

    if (y < 1 || y > 9999 || mo < 1 || mo > 12 || d < 1 || d > 31 || h < 0 || h > 23 || mi < 0 ||
        mi > 59 || s < 0 || s > 59)
        return -1;
    *t = days_from_civil(y, mo, d) * 86400 + h * 3600 + mi * 60 + s;
    snprintf(a, sizeof(a), "%04d%02d%02dT%02d%02d%02dZ", y, mo, d, h, mi, s);
    format_compact(b, *t);
    return strcmp(a, b) == 0 ? 0 : -1;
}

static int parse_compact(int64_t *t, const char *s)
{
    int y, mo, d, h, mi, se, i;

    if (strlen(s) != 16 || s[8] != 'T' || s[15] != 'Z')
        return -1;
    for (i = 0; i < 15; i++)
        if (i != 8 && (s[i] < '0' || s[i] > '9'))
            return -1;
    if (sscanf(s, "%4d%2d%2dT%2d%2d%2dZ", &y, &mo, &d, &h, &mi, &se) != 6)
        return -1;
    return civil_to_time(t, y, mo, d, h, mi, se);
}

/* RFC 1123 (the HTTP Date form): "Sun, 30 Aug 2015 12:36:00 GMT". */
static int parse_rfc1123(int64_t *t, const char *s)
{
    static const char months[] = "JanFebMarAprMayJunJulAugSepOctNovDec";
    char wday[4], mon[4], zone[4];
    int y, d, h, mi, se, n = 0;
    const char *m;

    if (sscanf(s, "%3s, %2d %3s %4d %2d:%2d:%2d %3s%n", wday, &d, mon, &y, &h, &mi, &se, zone,
               &n) != 8 ||
        s[n] != '\0' || strcmp(zone, "GMT") != 0 || strlen(mon) != 3 ||
        (m = strstr(months, mon)) == NULL || (m - months) % 3 != 0)
        return -1;
    return civil_to_time(t, y, (int)((m - months) / 3) + 1, d, h, mi, se);
}

/* ---- the request ---------------------------------------------------------------------------- */

/* The first value of header `name` and how many times it occurs. */
static const char *find_header(const sgn_sigv4_request *req, const char *name, size_t *count)
{
    const char *first = NULL;
    size_t i, n = 0;

    for (i = 0; i < req->n_headers; i++) {
        if (req->headers[i].key != NULL && strcasecmp(req->headers[i].key, name) == 0) {
            if (first == NULL)
                first = req->headers[i].value != NULL ? req->headers[i].value : "";
            n++;
        }
    }
    if (count != NULL)
        *count = n;
    return first;
}

static int query_has_key(const char *query, const char *key)
{
    size_t n = strlen(key);
    const char *p = query;

    while (p != NULL && *p) {
        if (strncmp(p, key, n) == 0 && (p[n] == '=' || p[n] == '&' || p[n] == '\0'))
            return 1;
        p = strchr(p, '&');
        if (p != NULL)
            p++;
    }
    return 0;
}

/* The SignedHeaders list split on ';', lowercased, in *names (one allocation, NULL-terminated). */
static int split_signed(char ***names, size_t *n, const char *list, sgn_error *err)
{
    size_t cap = 2, len = strlen(list), i, k = 0;
    char **v, *copy;
    const char *p;

    for (p = list; *p; p++)
        cap += *p == ';';
    if ((v = malloc(cap * sizeof(*v) + len + 1)) == NULL)
        return sgn_error_set(err, SGN_ENOMEM, "out of memory");
    copy = (char *)(v + cap);
    memcpy(copy, list, len + 1);
    for (i = 0; i < len; i++)
        if (copy[i] >= 'A' && copy[i] <= 'Z')
            copy[i] = (char)(copy[i] - 'A' + 'a');
    for (p = copy; len > 0;) {
        char *semi = strchr(p, ';');

        if (semi != NULL)
            *semi = '\0';
        if (*p != '\0')
            v[k++] = (char *)p;
        if (semi == NULL)
            break;
        p = semi + 1;
    }
    v[k] = NULL;
    *names = v;
    *n = k;
    return SGN_OK;
}

static int in_list(char *const *names, size_t n, const char *name)
{
    size_t i;

    for (i = 0; i < n; i++)
        if (strcasecmp(names[i], name) == 0)
            return 1;
    return 0;
}

/* Compute the signature over the request's signed headers and compare it in constant time. */
static int signature_matches(int *match, const sgn_sigv4_request *req, char *const *names,
                             size_t n_names, const char *amz_date, const char *scope_region,
                             const char *service, const char *secret, const char *given,
                             int normalize, sgn_error *err)
{
    sgn_sigv4__request r;
    sgn_sigv4_output o = SGN_SIGV4_OUTPUT_INIT;
    sgn_kv *hs = NULL;
    size_t i, nh = 0;
    int rc;

    *match = 0;
    if ((hs = calloc(req->n_headers + 1, sizeof(*hs))) == NULL)
        return sgn_error_set(err, SGN_ENOMEM, "out of memory");
    for (i = 0; i < req->n_headers; i++)
        if (req->headers[i].key != NULL && in_list(names, n_names, req->headers[i].key)) {
            hs[nh].key = req->headers[i].key;
            hs[nh++].value = req->headers[i].value != NULL ? req->headers[i].value : "";
        }
    memset(&r, 0, sizeof(r));
    r.method = req->method;
    r.path = req->path;
    r.query = req->query;
    r.headers = hs;
    r.n_headers = nh;
    r.body = req->body;
    r.body_len = req->body_len;
    r.amz_date = amz_date;
    r.region = scope_region;
    r.service = service;
    r.normalize_path = normalize;
    if ((rc = sgn_sigv4__compute(&o, &r, secret, err)) == SGN_OK)
        *match = strlen(given) == 64 && CRYPTO_memcmp(o.signature, given, 64) == 0;
    OPENSSL_cleanse(o.signature, sizeof(o.signature));
    sgn_sigv4_output_free(&o);
    free(hs);
    return rc;
}

/* ---- verification --------------------------------------------------------------------------- */

/* The missing parts of the Authorization, named in one message as AWS does [req]. */
static int deny_incomplete(const sgn_sigv4__auth *a, int have_date, sgn_error *err)
{
    char msg[512] = "";

    if (a->credential == NULL)
        strcat(msg, "Authorization header requires 'Credential' parameter. ");
    if (a->signature == NULL)
        strcat(msg, "Authorization header requires 'Signature' parameter. ");
    if (a->signed_headers == NULL)
        strcat(msg, "Authorization header requires 'SignedHeaders' parameter. ");
    if (!have_date)
        strcat(msg, "Authorization header requires existence of either a 'X-Amz-Date' or a "
                    "'Date' header. ");
    msg[strlen(msg) - 1] = '\0'; /* the last sentence's trailing space */
    return DENY(err, INCOMPLETE, "%s", msg);
}

static int copy_out(char *dst, size_t cap, const char *src, const char *what, sgn_error *err)
{
    if (src == NULL || strlen(src) >= cap)
        return sgn_error_set(err, SGN_EINTERNAL, "SigV4: the key store's %s is missing or too long",
                             what);
    memcpy(dst, src, strlen(src) + 1);
    return SGN_OK;
}

int sgn_sigv4_verify(const sgn_sigv4_request *req, const char *region, const char *service,
                     int64_t now, sgn_sigv4_key_lookup_fn lookup, void *lookup_ctx,
                     sgn_sigv4_verified *out, sgn_error *err)
{
    sgn_sigv4__auth a;
    sgn_sigv4_key key;
    char **names = NULL;
    size_t n_names = 0, count = 0;
    char *cred = NULL, *part[5] = {NULL, NULL, NULL, NULL, NULL};
    char amz_date[17], lo[17], hi[17], nowz[17];
    const char *auth, *xdate, *hdate, *date_src, *token, *csha;
    int64_t t = 0;
    int rc, match = 0, i;

    memset(&a, 0, sizeof(a));
    memset(&key, 0, sizeof(key));
    if (req == NULL || req->method == NULL || req->path == NULL || region == NULL ||
        service == NULL || lookup == NULL || out == NULL ||
        (req->n_headers > 0 && req->headers == NULL) || (req->body == NULL && req->body_len > 0))
        return sgn_error_set(err, SGN_EINVALID, "SigV4 verify: incomplete arguments");
    memset(out, 0, sizeof(*out));
    if (strlen(region) >= sizeof(out->region))
        return sgn_error_set(err, SGN_EINVALID, "SigV4 verify: region name too long");

    /* The Authorization header, its parameters and the date. */
    auth = find_header(req, "authorization", &count);
    if (count == 0) {
        if (query_has_key(req->query, "X-Amz-Signature") ||
            query_has_key(req->query, "X-Amz-Credential"))
            return DENY(err, INCOMPLETE, /* ours: presigned URLs are not accepted here */
                        "Query-string authentication (X-Amz-Signature) is not supported by "
                        "this endpoint: sign the request with an Authorization header.");
        return DENY(err, "MissingAuthenticationTokenException", "Missing Authentication Token");
    }
    if (count > 1)
        return DENY(err, INCOMPLETE, "The request has more than one Authorization header.");
    if ((rc = sgn_sigv4__parse_authorization(&a, auth, err)) < 0)
        return rc;
    xdate = find_header(req, "x-amz-date", NULL);
    hdate = find_header(req, "date", NULL);
    date_src = xdate != NULL ? xdate : hdate;
    if (a.credential == NULL || a.signature == NULL || a.signed_headers == NULL ||
        date_src == NULL) {
        rc = deny_incomplete(&a, date_src != NULL, err);
        goto out;
    }
    if ((xdate != NULL ? parse_compact(&t, xdate) : parse_rfc1123(&t, hdate)) < 0) {
        /* ours; AWS's wording for this case was not found in a public source */
        rc = DENY(err, INCOMPLETE,
                  "Date must be in ISO-8601 'basic format' (X-Amz-Date) or RFC 1123 (Date). "
                  "Got '%." ECHO_MAX "s'.",
                  date_src);
        goto out;
    }
    format_compact(amz_date, t);

    /* The credential scope [5elem]. */
    if ((cred = strdup(a.credential)) == NULL) {
        rc = sgn_error_set(err, SGN_ENOMEM, "out of memory");
        goto out;
    }
    part[0] = cred;
    for (i = 1; i < 5 && part[i - 1] != NULL; i++) {
        part[i] = strchr(part[i - 1], '/');
        if (part[i] != NULL)
            *part[i]++ = '\0';
    }
    if (part[4] == NULL || strchr(part[4], '/') != NULL) {
        rc = DENY(err, INCOMPLETE,
                  "Credential must have exactly 5 slash-delimited elements, e.g. "
                  "keyid/date/region/service/term, got '%." ECHO_MAX "s'",
                  a.credential);
        goto out;
    }

    /* SignedHeaders: host always, x-amz-date when it carries the date, every one present. */
    if ((rc = split_signed(&names, &n_names, a.signed_headers, err)) < 0)
        goto out;
    if (!in_list(names, n_names, "host")) {
        rc = DENY(err, INVALID_SIG, /* [host] */
                  "'Host' or ':authority' must be a 'SignedHeader' in the AWS Authorization.");
        goto out;
    }
    if (xdate != NULL && !in_list(names, n_names, "x-amz-date")) {
        rc = DENY(err, INVALID_SIG, /* ours, in the shape of [host] */
                  "'X-Amz-Date' must be a 'SignedHeader' in the AWS Authorization.");
        goto out;
    }
    for (i = 0; (size_t)i < n_names; i++) {
        if (find_header(req, names[i], NULL) == NULL) {
            rc = DENY(err, INCOMPLETE, /* [named] */
                      "'%." ECHO_MAX "s' is named as a SignedHeader, but it does not exist in "
                      "the HTTP request.",
                      names[i]);
            goto out;
        }
    }

    /* Scope: date [iam-ts], region [region], service [service], terminator (ours). */
    if (strncmp(part[1], amz_date, 8) != 0 || strlen(part[1]) != 8) {
        rc = DENY(err, INVALID_SIG,
                  "Date in Credential scope does not match YYYYMMDD from ISO-8601 version of "
                  "date from HTTP: '%.32s' != '%.8s', from '%s'.",
                  part[1], amz_date, amz_date);
        goto out;
    }
    if (strcmp(part[2], region) != 0) {
        rc = DENY(err, INVALID_SIG, "Credential should be scoped to a valid region, not '%.64s'. ",
                  part[2]);
        goto out;
    }
    if (strcmp(part[3], service) != 0) {
        rc = DENY(err, INVALID_SIG, "Credential should be scoped to correct service: '%.64s'. ",
                  service);
        goto out;
    }
    if (strcmp(part[4], "aws4_request") != 0) {
        rc = DENY(err, INVALID_SIG,
                  "Credential should be scoped with a valid terminator: 'aws4_request', not "
                  "'%.64s'. ",
                  part[4]);
        goto out;
    }

    /* The clock: at most 15 minutes either way [iam-ts] [skew]. */
    format_compact(nowz, now);
    if (t < now - SKEW_SECONDS) {
        format_compact(lo, now - SKEW_SECONDS);
        rc = DENY(err, INVALID_SIG, "Signature expired: %s is now earlier than %s (%s - 15 min.)",
                  amz_date, lo, nowz);
        goto out;
    }
    if (t > now + SKEW_SECONDS) {
        format_compact(hi, now + SKEW_SECONDS);
        rc = DENY(err, INVALID_SIG,
                  "Signature not yet current: %s is still later than %s (%s + 15 min.)", amz_date,
                  hi, nowz);
        goto out;
    }

    /* The key [token]: unknown, disabled and wrong-token keys are not told apart. */
    if (part[0][0] == '\0' || strlen(part[0]) >= sizeof(out->access_key_id)) {
        rc = DENY(err, UNRECOGNIZED, TOKEN_INVALID);
        goto out;
    }
    rc = lookup(lookup_ctx, part[0], &key, err);
    if (rc == SGN_ENOTFOUND) {
        sgn_error_clear(err);
        rc = DENY(err, UNRECOGNIZED, TOKEN_INVALID);
        goto out;
    }
    if (rc < 0) {
        rc = sgn_error_set(err, rc, "SigV4: looking up the access key failed");
        goto out;
    }
    if (key.secret_access_key == NULL || !key.active) {
        rc = DENY(err, UNRECOGNIZED, TOKEN_INVALID);
        goto out;
    }
    token = find_header(req, "x-amz-security-token", &count);
    if (key.session_token != NULL) {
        size_t tl = strlen(key.session_token);

        if (token == NULL || count != 1 || strlen(token) != tl ||
            CRYPTO_memcmp(token, key.session_token, tl) != 0) {
            rc = DENY(err, UNRECOGNIZED, TOKEN_INVALID);
            goto out;
        }
        if (key.expiration != 0 && now >= key.expiration) {
            rc = DENY(err, "ExpiredTokenException",
                      "The security token included in the request is expired");
            goto out;
        }
        if (!in_list(names, n_names, "x-amz-security-token")) {
            rc = DENY(err, INCOMPLETE, /* ours: every SDK signs the token (§3.1) */
                      "'X-Amz-Security-Token' must be a 'SignedHeader' in the AWS "
                      "Authorization.");
            goto out;
        }
    } else if (token != NULL) {
        rc = DENY(err, UNRECOGNIZED, TOKEN_INVALID); /* a token for a long-term key */
        goto out;
    }

    /* A signed x-amz-content-sha256 must be the hash of the body received. The text is S3's
     * XAmzContentSHA256Mismatch (no Signer text seen); the name is the signature failure's. */
    csha = find_header(req, "x-amz-content-sha256", NULL);
    if (csha != NULL && in_list(names, n_names, "x-amz-content-sha256")) {
        char body_hash[65];

        if ((rc = sgn_sigv4__sha256_hex(body_hash,
                                        req->body_len ? (const void *)req->body
                                                      : (const void *)"",
                                        req->body_len, err)) < 0)
            goto out;
        if (strcmp(csha, body_hash) != 0) {
            rc = DENY(err, INVALID_SIG,
                      "The provided 'x-amz-content-sha256' header does not match what was "
                      "computed.");
            goto out;
        }
    }

    /* The signature over the normalised path (what non-S3 services sign); a client that signed
     * the path exactly as sent, unnormalised, has signed the very bytes received: accepted. */
    if ((rc = signature_matches(&match, req, names, n_names, amz_date, part[2], service,
                                key.secret_access_key, a.signature, 1, err)) < 0)
        goto out;
    if (!match && (rc = signature_matches(&match, req, names, n_names, amz_date, part[2],
                                          service, key.secret_access_key, a.signature, 0,
                                          err)) < 0)
        goto out;
    if (!match) {
        rc = DENY(err, INVALID_SIG, SIG_MISMATCH);
        goto out;
    }

    if ((rc = copy_out(out->access_key_id, sizeof(out->access_key_id), part[0], "key id",
                       err)) < 0 ||
        (rc = copy_out(out->account_id, sizeof(out->account_id), key.account_id, "account id",
                       err)) < 0 ||
        (rc = copy_out(out->principal, sizeof(out->principal), key.principal, "principal",
                       err)) < 0 ||
        (rc = copy_out(out->region, sizeof(out->region), part[2], "region", err)) < 0)
        goto out;
    out->request_time = t;
    rc = SGN_OK;
out:
    if (rc < 0)
        memset(out, 0, sizeof(*out));
    sgn_sigv4_key_clear(&key);
    sgn_sigv4__auth_free(&a);
    free(names);
    free(cred);
    return rc;
}
