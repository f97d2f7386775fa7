/* Unit tests for core/aws/sigv4.c: the aws-c-auth v4 suite (read from $SGN_SHARED_DIR at test
 * time), the botocore golden vectors of research/aws-signer-api.md §1.10, the key-derivation
 * check values of §3.1, sgn_uri_encode and the error cases. Every time is pinned. */
#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

#include <cjson/cJSON.h>
#include <openssl/evp.h>

#include "sgn/aws_sigv4.h"
#include "sgn/buf.h"
#include "sgn/util.h"
#include "sgn_check.h"

#define N(a) ((int)(sizeof(a) / sizeof((a)[0])))

#define SUITE_CASES 38
#define AKID "AKIDEXAMPLE"
#define SECRET "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY"
#define T_20150830 INT64_C(1440938160) /* 2015-08-30T12:36:00Z */
#define EMPTY_SHA256 "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"

static void sha256_hex(char out[65], const void *data, size_t len)
{
    unsigned char md[32];
    unsigned int n = 0;

    ck_assert(EVP_Digest(data, len, md, &n, EVP_sha256(), NULL) == 1);
    sgn_hex_encode(out, md, sizeof(md));
}

static void hmac_hex(char out[65], const unsigned char key[32], const char *data)
{
    unsigned char md[32];
    size_t n = 0;

    ck_assert(EVP_Q_mac(NULL, "HMAC", NULL, "SHA256", NULL, key, 32,
                        (const unsigned char *)data, strlen(data), md, sizeof(md), &n) != NULL);
    ck_assert_uint_eq(n, 32);
    sgn_hex_encode(out, md, sizeof(md));
}

static void unhex32(unsigned char out[32], const char *hex)
{
    size_t i;

    ck_assert_uint_eq(strlen(hex), 64);
    for (i = 0; i < 32; i++) {
        unsigned int v;

        ck_assert_int_eq(sscanf(hex + 2 * i, "%2x", &v), 1);
        out[i] = (unsigned char)v;
    }
}

/* ---- the aws-c-auth v4 suite -------------------------------------------------------------- */

typedef struct raw_request {
    char *method;
    char *path;
    char *query;
    sgn_kv *headers;
    size_t n_headers;
    unsigned char *body;
    size_t body_len;
} raw_request;

static void raw_request_free(raw_request *r)
{
    size_t i;

    free(r->method);
    free(r->path);
    free(r->query);
    for (i = 0; i < r->n_headers; i++) {
        free(r->headers[i].key);
        free(r->headers[i].value);
    }
    free(r->headers);
    free(r->body);
    memset(r, 0, sizeof(*r));
}

static char *xstrndup(const char *s, size_t n)
{
    char *p = malloc(n + 1);

    ck_assert_ptr_nonnull(p);
    memcpy(p, s, n);
    p[n] = '\0';
    return p;
}

/* Parse request.txt: request line (the target may hold spaces: "GET /example space/ HTTP/1.1"),
 * header lines, continuation lines starting with SP/HTAB folded into the previous value with one
 * space, then a blank line and the body. Returns 0, or -1 with why set. */
static int parse_request(raw_request *r, const char *text, size_t len, const char **why)
{
    const char *p = text, *end = text + len, *eol, *sp1, *sp2, *q;
    size_t cap = 8;

    memset(r, 0, sizeof(*r));
    eol = memchr(p, '\n', (size_t)(end - p));
    if (eol == NULL)
        eol = end;
    sp1 = memchr(p, ' ', (size_t)(eol - p));
    for (sp2 = eol; sp2 > p && sp2[-1] != ' '; sp2--)
        ;
    if (sp1 == NULL || sp2 <= sp1 + 1) {
        *why = "bad request line";
        return -1;
    }
    sp2--; /* the space before HTTP/1.1 */
    r->method = xstrndup(p, (size_t)(sp1 - p));
    q = memchr(sp1 + 1, '?', (size_t)(sp2 - sp1 - 1));
    if (q != NULL) {
        r->path = xstrndup(sp1 + 1, (size_t)(q - sp1 - 1));
        r->query = xstrndup(q + 1, (size_t)(sp2 - q - 1));
    } else {
        r->path = xstrndup(sp1 + 1, (size_t)(sp2 - sp1 - 1));
    }
    r->headers = calloc(cap, sizeof(*r->headers));
    ck_assert_ptr_nonnull(r->headers);
    p = eol < end ? eol + 1 : end;
    while (p < end) {
        const char *colon;
        size_t n;

        eol = memchr(p, '\n', (size_t)(end - p));
        if (eol == NULL)
            eol = end;
        n = (size_t)(eol - p);
        if (n > 0 && p[n - 1] == '\r')
            n--;
        if (n == 0) { /* blank line: the body follows */
            p = eol < end ? eol + 1 : end;
            break;
        }
        if (p[0] == ' ' || p[0] == '\t') {
            sgn_kv *last;
            size_t old;

            if (r->n_headers == 0) {
                *why = "continuation line before any header";
                return -1;
            }
            last = &r->headers[r->n_headers - 1];
            old = strlen(last->value);
            last->value = realloc(last->value, old + n + 2);
            ck_assert_ptr_nonnull(last->value);
            last->value[old] = ' ';
            memcpy(last->value + old + 1, p, n);
            last->value[old + 1 + n] = '\0';
        } else {
            if ((colon = memchr(p, ':', n)) == NULL) {
                *why = "header line without a colon";
                return -1;
            }
            if (r->n_headers == cap) {
                cap *= 2;
                r->headers = realloc(r->headers, cap * sizeof(*r->headers));
                ck_assert_ptr_nonnull(r->headers);
            }
            r->headers[r->n_headers].key = xstrndup(p, (size_t)(colon - p));
            r->headers[r->n_headers].value = xstrndup(colon + 1, (size_t)(p + n - colon - 1));
            r->n_headers++;
        }
        p = eol < end ? eol + 1 : end;
    }
    r->body_len = (size_t)(end - p);
    r->body = (unsigned char *)xstrndup(p, r->body_len);
    return 0;
}

/* dir/name into out (which holds 4096 bytes); fails the test if it does not fit. */
static void join(char out[4096], const char *dir, const char *name)
{
    int n = snprintf(out, 4096, "%s/%s", dir, name);

    ck_assert_msg(n > 0 && n < 4096, "path too long: %s/%s", dir, name);
}

static char *read_text(const char *dir, const char *name, size_t *len)
{
    char path[4096];
    sgn_buf b = SGN_BUF_INIT;
    sgn_error err = SGN_ERROR_INIT;

    join(path, dir, name);
    if (sgn_read_file(&b, path, 1u << 20, &err) < 0)
        return NULL;
    return sgn_buf_detach(&b, len);
}

static void rstrip(char *s)
{
    size_t n = strlen(s);

    while (n > 0 && (s[n - 1] == '\n' || s[n - 1] == '\r' || s[n - 1] == ' '))
        s[--n] = '\0';
}

/* The value of the first "Name:" line of a signed request (NULL if absent). */
static char *signed_header(const char *text, const char *name)
{
    size_t nl = strlen(name);
    const char *p = text;

    while (p != NULL && *p) {
        const char *eol = strchr(p, '\n');
        size_t n = eol ? (size_t)(eol - p) : strlen(p);

        if (n > nl && strncasecmp(p, name, nl) == 0 && p[nl] == ':') {
            char *v = xstrndup(p + nl + 1, n - nl - 1);

            rstrip(v);
            return v;
        }
        p = eol ? eol + 1 : NULL;
    }
    return NULL;
}

/* Sign one case; returns 1 on a match, 0 on a mismatch (reason printed to stderr). */
static int run_case(const char *dir, const char *name)
{
    raw_request r;
    sgn_error err = SGN_ERROR_INIT;
    sgn_sigv4_input in = {0};
    sgn_sigv4_output out = SGN_SIGV4_OUTPUT_INIT;
    sgn_aws_creds creds = SGN_AWS_CREDS_INIT;
    char *ctx_text = NULL, *req_text = NULL, *want_cr = NULL, *want_sts = NULL, *want_sig = NULL;
    char *want_req = NULL, *want_auth = NULL, *want_tok = NULL;
    size_t ctx_len = 0, req_len = 0;
    cJSON *ctx = NULL;
    const cJSON *c, *v;
    const char *why = NULL;
    char body_hash[65];
    int64_t sec = 0;
    int32_t nsec = 0;
    int ok = 0;

    memset(&r, 0, sizeof(r));
    if ((ctx_text = read_text(dir, "context.json", &ctx_len)) == NULL ||
        (req_text = read_text(dir, "request.txt", &req_len)) == NULL ||
        (want_cr = read_text(dir, "header-canonical-request.txt", NULL)) == NULL ||
        (want_sts = read_text(dir, "header-string-to-sign.txt", NULL)) == NULL ||
        (want_sig = read_text(dir, "header-signature.txt", NULL)) == NULL ||
        (want_req = read_text(dir, "header-signed-request.txt", NULL)) == NULL) {
        why = "a case file is missing";
        goto out;
    }
    if ((ctx = cJSON_ParseWithLength(ctx_text, ctx_len)) == NULL) {
        why = "context.json does not parse";
        goto out;
    }
    c = cJSON_GetObjectItemCaseSensitive(ctx, "credentials");
    creds.access_key_id = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(c, "access_key_id"));
    creds.secret_access_key =
        cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(c, "secret_access_key"));
    creds.session_token = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(c, "token"));
    v = cJSON_GetObjectItemCaseSensitive(ctx, "timestamp");
    if (!cJSON_IsString(v) || sgn_time_parse_rfc3339(&sec, &nsec, v->valuestring, &err) < 0) {
        why = "context.json has no usable timestamp";
        goto out;
    }
    if (parse_request(&r, req_text, req_len, &why) < 0)
        goto out;
    if (cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(ctx, "sign_body"))) {
        /* S3 style: the suite signs x-amz-content-sha256 = hex SHA-256 of the body. */
        r.headers = realloc(r.headers, (r.n_headers + 1) * sizeof(*r.headers));
        ck_assert_ptr_nonnull(r.headers);
        sha256_hex(body_hash, r.body, r.body_len);
        r.headers[r.n_headers].key = xstrndup("X-Amz-Content-Sha256", 20);
        r.headers[r.n_headers].value = xstrndup(body_hash, 64);
        r.n_headers++;
    }
    in.method = r.method;
    in.path = r.path;
    in.query = r.query;
    in.headers = r.headers;
    in.n_headers = r.n_headers;
    in.body = r.body;
    in.body_len = r.body_len;
    in.region = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(ctx, "region"));
    in.service = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(ctx, "service"));
    in.time = sec;
    in.normalize_path = cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(ctx, "normalize"));
    in.omit_session_token =
        cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(ctx, "omit_session_token"));
    if (sgn_sigv4_sign(&out, &in, &creds, &err) < 0) {
        fprintf(stderr, "sigv4 %s: sign failed: %s\n", name, err.msg);
        goto out;
    }
    rstrip(want_sig);
    want_auth = signed_header(want_req, "Authorization");
    want_tok = signed_header(want_req, "X-Amz-Security-Token");
    if (strcmp(out.canonical_request, want_cr) != 0) {
        fprintf(stderr, "sigv4 %s: canonical request\n--- got\n%s\n--- want\n%s\n", name,
                out.canonical_request, want_cr);
    } else if (strcmp(out.string_to_sign, want_sts) != 0) {
        fprintf(stderr, "sigv4 %s: string to sign\n--- got\n%s\n--- want\n%s\n", name,
                out.string_to_sign, want_sts);
    } else if (strcmp(out.signature, want_sig) != 0) {
        fprintf(stderr, "sigv4 %s: signature %s, want %s\n", name, out.signature, want_sig);
    } else if (want_auth == NULL || strcmp(out.authorization, want_auth) != 0) {
        fprintf(stderr, "sigv4 %s: Authorization\n got  %s\n want %s\n", name,
                out.authorization, want_auth ? want_auth : "(none)");
    } else if ((want_tok == NULL) != (out.security_token == NULL) ||
               (want_tok != NULL && strcmp(want_tok, out.security_token) != 0)) {
        fprintf(stderr, "sigv4 %s: X-Amz-Security-Token differs from the signed request\n", name);
    } else if (strcmp(out.amz_date, "20150830T123600Z") != 0) {
        fprintf(stderr, "sigv4 %s: amz_date %s\n", name, out.amz_date);
    } else {
        ok = 1;
    }
out:
    if (why != NULL)
        fprintf(stderr, "sigv4 %s: %s\n", name, why);
    sgn_sigv4_output_free(&out);
    raw_request_free(&r);
    cJSON_Delete(ctx);
    free(ctx_text);
    free(req_text);
    free(want_cr);
    free(want_sts);
    free(want_sig);
    free(want_req);
    free(want_auth);
    free(want_tok);
    return ok;
}

static int name_cmp(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

START_TEST(test_aws_c_auth_suite)
{
    const char *shared = getenv("SGN_SHARED_DIR");
    char root[4096], dir[4096];
    char *names[256];
    size_t n = 0, i, passed = 0, sign_body = 0;
    struct dirent *de;
    DIR *d;

    ck_assert_msg(shared != NULL, "SGN_SHARED_DIR is not set (ctest sets it)");
    join(root, shared, "vectors/sigv4-aws-c-auth");
    d = opendir(root);
    ck_assert_msg(d != NULL, "cannot open %s", root);
    while ((de = readdir(d)) != NULL && n < N(names)) {
        struct stat st;

        if (de->d_name[0] == '.')
            continue;
        join(dir, root, de->d_name);
        if (stat(dir, &st) == 0 && S_ISDIR(st.st_mode)) {
            names[n] = strdup(de->d_name);
            ck_assert_ptr_nonnull(names[n]);
            n++;
        }
    }
    closedir(d);
    qsort(names, n, sizeof(*names), name_cmp);
    for (i = 0; i < n; i++) {
        char *ctx;

        join(dir, root, names[i]);
        ctx = read_text(dir, "context.json", NULL);
        if (ctx != NULL && strstr(ctx, "\"sign_body\": true") != NULL)
            sign_body++;
        free(ctx);
        passed += (size_t)run_case(dir, names[i]);
    }
    fprintf(stderr,
            "sigv4 vectors: %zu passed of %zu, skipped: 0 (the %zu sign_body cases are signed "
            "with x-amz-content-sha256 added as the suite's signed request shows)\n",
            passed, n, sign_body);
    for (i = 0; i < n; i++)
        free(names[i]);
    ck_assert_msg(n >= SUITE_CASES, "only %zu case directories under %s, want %d", n, root,
                  SUITE_CASES);
    ck_assert_msg(passed == n, "%zu of %zu suite cases failed (details above)", n - passed, n);
}
END_TEST

/* ---- §1.10 botocore golden vectors -------------------------------------------------------- */

#define ARN_PROFILE                                                                            \
    "arn%3Aaws%3Asigner%3Aus-east-1%3A123456789012%3A%2Fsigning-profiles%2Fmy_profile"
#define HASHES_B                                                                               \
    "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb" \
    "bbbbbbbbcccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccc" \
    "cccccccccccccccc"
#define HASHES_A                                                                               \
    "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa" \
    "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa" \
    "aaaaaaaaaaaaaaaa"

static const struct golden {
    const char *op, *method, *host, *path, *query, *body, *signature;
} golden[] = {
    {"SignPayload", "POST", "signer.us-east-1.amazonaws.com", "/signing-jobs/with-payload", NULL,
     "{\"profileName\": \"my_profile\", \"payload\": \"aGVsbG8=\", \"payloadFormat\": "
     "\"application/vnd.cncf.notary.payload.v1+json\", \"profileOwner\": \"123456789012\"}",
     "cf41cfc8d9003d2363c8744863d46e21ee4063248374a18abfec44471de25c6f"},
    {"GetRevocationStatus", "GET", "data-signer.us-east-1.amazonaws.com", "/revocations",
     "signatureTimestamp=2023-12-06T01%3A20%3A03Z&platformId=Notation-OCI-SHA384-ECDSA"
     "&profileVersionArn=arn%3Aaws%3Asigner%3Aus-east-1%3A123456789012%3A%2Fsigning-profiles"
     "%2Fmy_profile%2Fabcdef1234&jobArn=arn%3Aaws%3Asigner%3Aus-east-1%3A123456789012%3A%2F"
     "signing-jobs%2Fe218ee67-5dd3-4dc4-8caf-224898b12493&certificateHashes=" HASHES_B
     "&certificateHashes=" HASHES_A,
     NULL, "5d0b34f6af3aa0efe95d69c10ccb00630554306a4e604bda3f19b5dd765915e6"},
    {"UntagResource", "DELETE", "signer.us-east-1.amazonaws.com", "/tags/" ARN_PROFILE,
     "tagKeys=k1&tagKeys=k2", NULL,
     "c2df7ba9b01d95397c51d81d6135e61d53190275a2d06a392f99b82860fcde1d"},
    {"TagResource", "POST", "signer.us-east-1.amazonaws.com", "/tags/" ARN_PROFILE, NULL,
     "{\"tags\": {\"k1\": \"v1\"}}",
     "29d53bf3ca10d7d1df022a7f630ee4d818929a5c73f7a1d98e25479176616fde"},
};

static const char untag_canonical[] =
    "DELETE\n"
    "/tags/arn%253Aaws%253Asigner%253Aus-east-1%253A123456789012%253A%252Fsigning-profiles"
    "%252Fmy_profile\n"
    "tagKeys=k1&tagKeys=k2\n"
    "host:signer.us-east-1.amazonaws.com\n"
    "x-amz-date:20150830T123600Z\n"
    "x-amz-security-token:SESSIONTOKEN\n"
    "\n"
    "host;x-amz-date;x-amz-security-token\n" EMPTY_SHA256;

static void assert_no_secret(const sgn_sigv4_output *out, const char *secret)
{
    ck_assert_ptr_null(strstr(out->authorization, secret));
    ck_assert_ptr_null(strstr(out->canonical_request, secret));
    ck_assert_ptr_null(strstr(out->string_to_sign, secret));
    ck_assert_ptr_null(strstr(out->signed_headers, secret));
    ck_assert_ptr_null(strstr(out->signature, secret));
}

START_TEST(test_golden)
{
    const struct golden *g = &golden[_i];
    sgn_error err = SGN_ERROR_INIT;
    sgn_aws_creds creds = {AKID, SECRET, "SESSIONTOKEN", 0, NULL, {0}};
    sgn_kv hdrs[2];
    sgn_sigv4_input in = {0};
    sgn_sigv4_output out = SGN_SIGV4_OUTPUT_INIT;
    char want_auth[512];
    size_t n = 0;

    if (g->body != NULL) {
        hdrs[n].key = (char *)"Content-Type";
        hdrs[n++].value = (char *)"application/json";
    }
    hdrs[n].key = (char *)"Host";
    hdrs[n++].value = (char *)g->host;
    in.method = g->method;
    in.path = g->path;
    in.query = g->query;
    in.headers = hdrs;
    in.n_headers = n;
    in.body = (const unsigned char *)g->body;
    in.body_len = g->body ? strlen(g->body) : 0;
    in.region = "us-east-1";
    in.service = "signer";
    in.time = T_20150830;
    in.normalize_path = 1;
    if (_i == 0)
        ck_assert_uint_eq(in.body_len, 148); /* botocore's json.dumps spacing */
    ck_assert_sgn_ok(sgn_sigv4_sign(&out, &in, &creds, &err), &err);
    ck_assert_msg(strcmp(out.signature, g->signature) == 0, "%s: signature %s, want %s\n%s",
                  g->op, out.signature, g->signature, out.canonical_request);
    snprintf(want_auth, sizeof(want_auth),
             "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/signer/aws4_request, "
             "SignedHeaders=%s, Signature=%s",
             g->body ? "content-type;host;x-amz-date;x-amz-security-token"
                     : "host;x-amz-date;x-amz-security-token",
             g->signature);
    ck_assert_str_eq(out.authorization, want_auth);
    ck_assert_str_eq(out.amz_date, "20150830T123600Z");
    ck_assert_str_eq(out.security_token, "SESSIONTOKEN");
    if (strcmp(g->op, "UntagResource") == 0)
        ck_assert_str_eq(out.canonical_request, untag_canonical);
    assert_no_secret(&out, SECRET);
    sgn_sigv4_output_free(&out);
    ck_assert_ptr_null(out.authorization);
}
END_TEST

/* ---- §3.1 key-derivation check values ----------------------------------------------------- */

/* The public API does not expose kSigning; the signature is HMAC(kSigning, string to sign), so
 * recomputing it from the documented kSigning checks the derivation. */
static const struct {
    const char *service, *ksigning;
} ksigning_cases[] = {
    {"service", "938127b5336810ddb6a5d6af445fcac9e371f9ed418ed386b022aed82901be75"},
    {"signer", "3d586e354310680b47ec48817fabb359fd05fa9ca69ff5db88556e836df1cb4e"},
};

START_TEST(test_ksigning)
{
    sgn_error err = SGN_ERROR_INIT;
    sgn_aws_creds creds = {AKID, SECRET, NULL, 0, NULL, {0}};
    sgn_kv host = {(char *)"Host", (char *)"example.amazonaws.com"};
    sgn_sigv4_input in = {0};
    sgn_sigv4_output out = SGN_SIGV4_OUTPUT_INIT;
    unsigned char key[32];
    char want[65];

    in.method = "GET";
    in.path = "/";
    in.headers = &host;
    in.n_headers = 1;
    in.region = "us-east-1";
    in.service = ksigning_cases[_i].service;
    in.time = T_20150830;
    in.normalize_path = 1;
    ck_assert_sgn_ok(sgn_sigv4_sign(&out, &in, &creds, &err), &err);
    unhex32(key, ksigning_cases[_i].ksigning);
    hmac_hex(want, key, out.string_to_sign);
    ck_assert_str_eq(out.signature, want);
    if (_i == 0) /* get-vanilla */
        ck_assert_str_eq(out.signature,
                         "5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31");
    ck_assert_ptr_null(out.security_token);
    ck_assert_str_eq(out.signed_headers, "host;x-amz-date");
    sgn_sigv4_output_free(&out);
}
END_TEST

/* ---- sgn_uri_encode ----------------------------------------------------------------------- */

static const struct {
    const char *in;
    int keep_slash;
    const char *want;
} enc_cases[] = {
    {"", 0, ""},
    {"AZaz09-._~", 0, "AZaz09-._~"},
    {"a/b", 0, "a%2Fb"},
    {"a/b", 1, "a/b"},
    {"arn:aws:signer:us-east-1:123456789012:/signing-profiles/p", 0,
     "arn%3Aaws%3Asigner%3Aus-east-1%3A123456789012%3A%2Fsigning-profiles%2Fp"},
    {"/tags/arn%3Aaws%2Fx", 1, "/tags/arn%253Aaws%252Fx"},
    {"/example space/", 1, "/example%20space/"},
    {"a+b=c&d", 0, "a%2Bb%3Dc%26d"},
    {"\xe1\x88\xb4", 0, "%E1%88%B4"},
    {"\x01\x7f\xff", 0, "%01%7F%FF"},
    {"!*'()", 1, "%21%2A%27%28%29"},
};

START_TEST(test_uri_encode)
{
    sgn_error err = SGN_ERROR_INIT;
    char *out = NULL;

    ck_assert_sgn_ok(sgn_uri_encode(&out, enc_cases[_i].in, strlen(enc_cases[_i].in),
                                    enc_cases[_i].keep_slash, &err),
                     &err);
    ck_assert_str_eq(out, enc_cases[_i].want);
    free(out);
}
END_TEST

START_TEST(test_uri_encode_embedded_nul)
{
    sgn_error err = SGN_ERROR_INIT;
    char *out = NULL;

    ck_assert_sgn_ok(sgn_uri_encode(&out, "a\0b", 3, 0, &err), &err);
    ck_assert_str_eq(out, "a%00b");
    free(out);
}
END_TEST

/* ---- canonical forms beyond the suite ----------------------------------------------------- */

static const struct {
    const char *path, *query;
    int normalize;
    const char *want_uri, *want_query;
} canon_cases[] = {
    {"", NULL, 1, "/", ""},
    {"", NULL, 0, "/", ""},
    {"/a/./b/../c/", NULL, 1, "/a/c/", ""},
    {"/a/./b/../c/", NULL, 0, "/a/./b/../c/", ""},
    {"/../..", NULL, 1, "/", ""},
    {"//a//b", NULL, 1, "/a/b", ""},
    {"/", "", 1, "/", ""},
    {"/", "b=2&a=1&a=0", 1, "/", "a=0&a=1&b=2"},
    {"/", "k", 1, "/", "k="},
    {"/", "k=&j", 1, "/", "j=&k="},
    {"/", "a=1&&b=2&", 1, "/", "a=1&b=2"},
    {"/", "x=a+b", 1, "/", "x=a%2Bb"},
    {"/", "x=a%2bb", 1, "/", "x=a%2Bb"},
    {"/", "x=a b", 1, "/", "x=a%20b"},
    {"/", "x=%zz&y=%4", 1, "/", "x=%25zz&y=%254"},
    {"/", "x=a=b", 1, "/", "x=a%3Db"},
    {"/", "x=%7E%41", 1, "/", "x=~A"},
    {"/", "B=1&a=1&_=1", 1, "/", "B=1&_=1&a=1"},
    {"/p q/%2F", NULL, 1, "/p%20q/%252F", ""},
};

START_TEST(test_canonical_forms)
{
    sgn_error err = SGN_ERROR_INIT;
    sgn_aws_creds creds = {AKID, SECRET, NULL, 0, NULL, {0}};
    sgn_kv host = {(char *)"Host", (char *)"example.amazonaws.com"};
    sgn_sigv4_input in = {0};
    sgn_sigv4_output out = SGN_SIGV4_OUTPUT_INIT;
    char want[512];

    in.method = "GET";
    in.path = canon_cases[_i].path;
    in.query = canon_cases[_i].query;
    in.headers = &host;
    in.n_headers = 1;
    in.region = "us-east-1";
    in.service = "signer";
    in.time = T_20150830;
    in.normalize_path = canon_cases[_i].normalize;
    ck_assert_sgn_ok(sgn_sigv4_sign(&out, &in, &creds, &err), &err);
    snprintf(want, sizeof(want), "GET\n%s\n%s\nhost:", canon_cases[_i].want_uri,
             canon_cases[_i].want_query);
    ck_assert_msg(strncmp(out.canonical_request, want, strlen(want)) == 0,
                  "canonical request\n%s\nwant prefix\n%s", out.canonical_request, want);
    sgn_sigv4_output_free(&out);
}
END_TEST

START_TEST(test_headers_canonical)
{
    sgn_error err = SGN_ERROR_INIT;
    sgn_aws_creds creds = {AKID, SECRET, "TOK", 0, NULL, {0}};
    sgn_kv hdrs[] = {
        {(char *)"X-B", (char *)"  two\t\tspaces  inside "},
        {(char *)"host", (char *)"localhost:8443"},
        {(char *)"x-a", (char *)"1"},
        {(char *)"X-A", (char *)"2"},
        {(char *)"X-Empty", (char *)""},
    };
    sgn_sigv4_input in = {0};
    sgn_sigv4_output out = SGN_SIGV4_OUTPUT_INIT;

    in.method = "PUT";
    in.path = "/x";
    in.headers = hdrs;
    in.n_headers = N(hdrs);
    in.body = (const unsigned char *)"{}";
    in.body_len = 2;
    in.region = "eu-west-1";
    in.service = "signer";
    in.time = 0;
    in.omit_session_token = 1;
    ck_assert_sgn_ok(sgn_sigv4_sign(&out, &in, &creds, &err), &err);
    ck_assert_str_eq(out.canonical_request,
                     "PUT\n/x\n\nhost:localhost:8443\nx-a:1,2\nx-amz-date:19700101T000000Z\n"
                     "x-b:two spaces inside\nx-empty:\n\n"
                     "host;x-a;x-amz-date;x-b;x-empty\n"
                     "44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a");
    ck_assert_str_eq(out.signed_headers, "host;x-a;x-amz-date;x-b;x-empty");
    ck_assert_str_eq(out.security_token, "TOK"); /* sent, but not signed */
    ck_assert_ptr_nonnull(strstr(out.string_to_sign, "/eu-west-1/signer/aws4_request\n"));
    sgn_sigv4_output_free(&out);
}
END_TEST

/* ---- errors ------------------------------------------------------------------------------- */

enum { E_NO_HOST, E_CR, E_LF, E_NO_REGION, E_NO_SERVICE, E_DATE_HDR, E_TOKEN_HDR, E_BAD_NAME,
       E_NO_SECRET, E_NO_METHOD, E_TOKEN_LF, E_COUNT };

START_TEST(test_errors)
{
    sgn_error err = SGN_ERROR_INIT;
    sgn_aws_creds creds = {AKID, SECRET, "TOK", 0, NULL, {0}};
    sgn_kv hdrs[2] = {{(char *)"Host", (char *)"signer.us-east-1.amazonaws.com"},
                      {(char *)"X-Ok", (char *)"fine"}};
    sgn_sigv4_input in = {0};
    sgn_sigv4_output out = SGN_SIGV4_OUTPUT_INIT;

    in.method = "GET";
    in.path = "/";
    in.headers = hdrs;
    in.n_headers = 2;
    in.region = "us-east-1";
    in.service = "signer";
    in.time = T_20150830;
    switch (_i) {
    case E_NO_HOST: hdrs[0].key = (char *)"Hostname"; break;
    case E_CR: hdrs[1].value = (char *)"a\rb"; break;
    case E_LF: hdrs[1].value = (char *)"a\nb"; break;
    case E_NO_REGION: in.region = ""; break;
    case E_NO_SERVICE: in.service = NULL; break;
    case E_DATE_HDR: hdrs[1].key = (char *)"X-Amz-Date"; break;
    case E_TOKEN_HDR: hdrs[1].key = (char *)"x-amz-security-token"; break;
    case E_BAD_NAME: hdrs[1].key = (char *)"X Bad"; break;
    case E_NO_SECRET: creds.secret_access_key = NULL; break;
    case E_NO_METHOD: in.method = ""; break;
    case E_TOKEN_LF: creds.session_token = (char *)"TOK\nX-Evil: 1"; break;
    default: ck_abort();
    }
    ck_assert_int_eq(sgn_sigv4_sign(&out, &in, &creds, &err), SGN_EINVALID);
    ck_assert_int_eq(err.code, SGN_EINVALID);
    ck_assert(err.msg[0] != '\0');
    ck_assert_ptr_null(strstr(err.msg, SECRET));
    ck_assert_ptr_null(out.authorization);
    ck_assert_ptr_null(out.canonical_request);
    if (_i == E_NO_HOST)
        ck_assert_ptr_nonnull(strstr(err.msg, "Host"));
    if (_i == E_CR || _i == E_LF)
        ck_assert_ptr_nonnull(strstr(err.msg, "CR or LF"));
    sgn_sigv4_output_free(&out);
}
END_TEST

START_TEST(test_output_free_twice)
{
    sgn_sigv4_output out = SGN_SIGV4_OUTPUT_INIT;

    sgn_sigv4_output_free(&out);
    sgn_sigv4_output_free(&out);
    sgn_sigv4_output_free(NULL);
}
END_TEST

static Suite *sigv4_suite(void)
{
    Suite *s = suite_create("sigv4");
    TCase *tc;

    tc = tcase_create("aws-c-auth");
    tcase_add_test(tc, test_aws_c_auth_suite);
    suite_add_tcase(s, tc);

    tc = tcase_create("golden");
    tcase_add_loop_test(tc, test_golden, 0, N(golden));
    tcase_add_loop_test(tc, test_ksigning, 0, N(ksigning_cases));
    suite_add_tcase(s, tc);

    tc = tcase_create("canonical");
    tcase_add_loop_test(tc, test_uri_encode, 0, N(enc_cases));
    tcase_add_test(tc, test_uri_encode_embedded_nul);
    tcase_add_loop_test(tc, test_canonical_forms, 0, N(canon_cases));
    tcase_add_test(tc, test_headers_canonical);
    suite_add_tcase(s, tc);

    tc = tcase_create("errors");
    tcase_add_loop_test(tc, test_errors, 0, E_COUNT);
    tcase_add_test(tc, test_output_free_twice);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    return sgn_check_run(sigv4_suite());
}
