/* Unit tests for core/aws/sigv4_verify.c: every header-form case of the aws-c-auth suite verifies
 * (and fails with one byte changed), requests signed by sgn_sigv4_sign and by botocore verify, and
 * each refusal has AWS's name and text with no secret in it. Every clock is pinned. */
#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

#include <cjson/cJSON.h>

#include "aws/sigv4_int.h"
#include "sgn/aws_sigv4.h"
#include "sgn/aws_sigv4_verify.h"
#include "sgn/util.h"
#include "sgn_check.h"
#include "sigv4_fixture.h"

#define N(a) ((int)(sizeof(a) / sizeof((a)[0])))

#define AKID "AKIDEXAMPLE"
#define SECRET "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY"
#define TOKEN "SESSIONTOKEN-f00dfeed"
#define T_2015 INT64_C(1440938160) /* 2015-08-30T12:36:00Z, the suite's clock */
#define T_2026 INT64_C(1767225600) /* 2026-01-01T00:00:00Z */
#define INVALID_SIG "InvalidSignatureException"
#define INCOMPLETE "IncompleteSignatureException"
#define UNRECOGNIZED "UnrecognizedClientException"

/* ---- a key store in a table ------------------------------------------------------------------ */

typedef struct fake_key {
    const char *akid, *secret, *token;
    int64_t expiration;
    int active;
} fake_key;

typedef struct fake_store {
    const fake_key *keys;
    size_t n;
    int fail; /* answer SGN_EDB */
} fake_store;

static char *dup_or_null(const char *s)
{
    return s != NULL ? strdup(s) : NULL;
}

static int fake_lookup(void *ctx, const char *akid, sgn_sigv4_key *key, sgn_error *err)
{
    const fake_store *st = ctx;
    size_t i;

    if (st->fail)
        return sgn_error_set(err, SGN_EDB, "key store unavailable");
    for (i = 0; i < st->n; i++) {
        if (strcmp(st->keys[i].akid, akid) == 0) {
            key->secret_access_key = dup_or_null(st->keys[i].secret);
            key->session_token = dup_or_null(st->keys[i].token);
            key->expiration = st->keys[i].expiration;
            key->active = st->keys[i].active;
            key->account_id = strdup("123456789012");
            key->principal = strdup("arn:aws:iam::123456789012:user/alice");
            return SGN_OK;
        }
    }
    return SGN_ENOTFOUND;
}

static void assert_refused(int rc, const sgn_error *err, const char *name, const char *text)
{
    ck_assert_msg(rc < 0, "verified, want %s", name);
    ck_assert_int_eq(err->http_status, 403);
    ck_assert_msg(strcmp(err->svc_code, name) == 0, "got %s (%s), want %s", err->svc_code,
                  err->msg, name);
    if (text != NULL)
        ck_assert_msg(strstr(err->msg, text) != NULL, "message \"%s\" lacks \"%s\"", err->msg,
                      text);
    ck_assert_ptr_null(strstr(err->msg, SECRET)); /* no secret in any refusal */
    ck_assert_ptr_null(strstr(err->msg, TOKEN));
}

/* ---- the aws-c-auth suite, header form --------------------------------------------------------- */

static void request_from_raw(sgn_sigv4_request *req, const raw_request *r)
{
    memset(req, 0, sizeof(*req));
    req->method = r->method;
    req->path = r->path;
    req->query = r->query;
    req->headers = r->headers;
    req->n_headers = r->n_headers;
    req->body = r->body_len ? r->body : NULL;
    req->body_len = r->body_len;
}

static sgn_kv *raw_find(raw_request *r, const char *name)
{
    size_t i;

    for (i = 0; i < r->n_headers; i++)
        if (strcasecmp(r->headers[i].key, name) == 0)
            return &r->headers[i];
    return NULL;
}

enum { MUT_NONE, MUT_BODY, MUT_HEADER, MUT_PATH, MUT_QUERY, MUT_SECRET, MUT_COUNT };

/* Verify one case with one mutation; returns 1 when the outcome is the expected one. */
static int run_vector(const char *dir, const char *name, int mut)
{
    raw_request r;
    sgn_sigv4_request req;
    sgn_sigv4_verified out;
    sgn_error err = SGN_ERROR_INIT;
    fake_key key = {AKID, NULL, NULL, 0, 1};
    fake_store st = {&key, 1, 0};
    char *ctx_text = NULL, *req_text = NULL, *old;
    size_t ctx_len = 0, req_len = 0;
    cJSON *ctx = NULL;
    const cJSON *c;
    const char *why = NULL, *want = NULL;
    int64_t sec = 0;
    int32_t nsec = 0;
    int rc, ok = 0;
    sgn_kv *h;

    memset(&r, 0, sizeof(r));
    if ((ctx_text = read_text(dir, "context.json", &ctx_len)) == NULL ||
        (req_text = read_text(dir, "header-signed-request.txt", &req_len)) == NULL ||
        (ctx = cJSON_ParseWithLength(ctx_text, ctx_len)) == NULL ||
        parse_request(&r, req_text, req_len, &why) < 0) {
        fprintf(stderr, "verify %s: unreadable case (%s)\n", name, why ? why : "files");
        goto out;
    }
    c = cJSON_GetObjectItemCaseSensitive(ctx, "credentials");
    key.secret = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(c, "secret_access_key"));
    key.token = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(c, "token"));
    ck_assert_int_eq(sgn_time_parse_rfc3339(&sec, &nsec,
                                            cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(
                                                ctx, "timestamp")),
                                            &err),
                     SGN_OK);
    request_from_raw(&req, &r);
    /* post-sts-header-after sends the token unsigned: refused by contract (the header says a
     * temporary key's token must be signed, as every SDK signs it). */
    if (strcmp(name, "post-sts-header-after") == 0)
        want = INCOMPLETE;
    switch (mut) {
    case MUT_NONE: break;
    case MUT_BODY:
        if (r.body_len == 0) {
            ok = 1; /* nothing to alter */
            goto out;
        }
        r.body[0] ^= 1;
        break;
    case MUT_HEADER:
        h = raw_find(&r, "host");
        old = h->value;
        h->value = malloc(strlen(old) + 2);
        ck_assert_ptr_nonnull(h->value);
        sprintf(h->value, "%sx", old);
        free(old);
        break;
    case MUT_PATH:
        old = r.path;
        r.path = malloc(strlen(old) + 2);
        ck_assert_ptr_nonnull(r.path);
        sprintf(r.path, "%sx", old);
        free(old);
        break;
    case MUT_QUERY:
        old = r.query;
        r.query = malloc((old ? strlen(old) : 0) + 8);
        ck_assert_ptr_nonnull(r.query);
        sprintf(r.query, "%s%szz=1", old ? old : "", old && *old ? "&" : "");
        free(old);
        break;
    case MUT_SECRET: key.secret = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEZ"; break;
    default: ck_abort();
    }
    request_from_raw(&req, &r);
    if (mut != MUT_NONE && want == NULL)
        want = INVALID_SIG;
    rc = sgn_sigv4_verify(&req, "us-east-1",
                          cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(ctx, "service")),
                          sec, fake_lookup, &st, &out, &err);
    if (want == NULL && rc != SGN_OK)
        fprintf(stderr, "verify %s: refused: %s %s\n", name, err.svc_code, err.msg);
    else if (want != NULL && (rc == SGN_OK || strcmp(err.svc_code, want) != 0))
        fprintf(stderr, "verify %s (mutation %d): got %s %s, want %s\n", name, mut,
                rc == SGN_OK ? "success" : err.svc_code, err.msg, want);
    else if (want == NULL && (strcmp(out.access_key_id, AKID) != 0 || out.request_time != sec))
        fprintf(stderr, "verify %s: wrong verified identity\n", name);
    else
        ok = 1;
out:
    raw_request_free(&r);
    cJSON_Delete(ctx);
    free(ctx_text);
    free(req_text);
    return ok;
}

START_TEST(test_suite_vectors)
{
    const char *shared = getenv("SGN_SHARED_DIR");
    char root[4096], dir[4096];
    struct dirent *de;
    size_t n = 0, failed = 0;
    DIR *d;

    ck_assert_msg(shared != NULL, "SGN_SHARED_DIR is not set (ctest sets it)");
    join(root, shared, "vectors/sigv4-aws-c-auth");
    ck_assert_msg((d = opendir(root)) != NULL, "cannot open %s", root);
    while ((de = readdir(d)) != NULL) {
        struct stat st;

        join(dir, root, de->d_name);
        if (de->d_name[0] == '.' || stat(dir, &st) != 0 || !S_ISDIR(st.st_mode))
            continue;
        n++;
        failed += !run_vector(dir, de->d_name, _i);
    }
    closedir(d);
    ck_assert_msg(n >= 38, "only %zu cases under %s", n, root);
    ck_assert_msg(failed == 0, "mutation %d: %zu of %zu cases wrong (details above)", _i, failed,
                  n);
}
END_TEST

/* ---- requests signed by sgn_sigv4_sign, then altered ----------------------------------------- */

typedef struct built {
    sgn_kv h[16];
    char names[16][64];
    char values[16][512];
    size_t n;
    char path[256];
    char query[256];
    char body[64];
    sgn_sigv4_request req;
} built;

static void set_header(built *b, const char *name, const char *value)
{
    size_t i;

    for (i = 0; i < b->n && strcasecmp(b->names[i], name) != 0; i++)
        ;
    if (i == b->n) {
        ck_assert_uint_lt(b->n, N(b->names));
        b->n++;
    }
    snprintf(b->names[i], sizeof(b->names[i]), "%s", name);
    snprintf(b->values[i], sizeof(b->values[i]), "%s", value);
}

static void add_header(built *b, const char *name, const char *value)
{
    ck_assert_uint_lt(b->n, N(b->names));
    snprintf(b->names[b->n], sizeof(b->names[0]), "%s", name);
    snprintf(b->values[b->n], sizeof(b->values[0]), "%s", value);
    b->n++;
}

static void del_header(built *b, const char *name)
{
    size_t i, j = 0;

    for (i = 0; i < b->n; i++) {
        if (strcasecmp(b->names[i], name) == 0)
            continue;
        if (i != j) {
            memcpy(b->names[j], b->names[i], sizeof(b->names[0]));
            memcpy(b->values[j], b->values[i], sizeof(b->values[0]));
        }
        j++;
    }
    b->n = j;
}

static char *get_header(built *b, const char *name)
{
    size_t i;

    for (i = 0; i < b->n; i++)
        if (strcasecmp(b->names[i], name) == 0)
            return b->values[i];
    return NULL;
}

static const sgn_sigv4_request *finish(built *b)
{
    size_t i;

    for (i = 0; i < b->n; i++) {
        b->h[i].key = b->names[i];
        b->h[i].value = b->values[i];
    }
    memset(&b->req, 0, sizeof(b->req));
    b->req.method = "POST";
    b->req.path = b->path;
    b->req.query = b->query;
    b->req.headers = b->h;
    b->req.n_headers = b->n;
    b->req.body = (const unsigned char *)b->body;
    b->req.body_len = strlen(b->body);
    return &b->req;
}

/* POST /signing-profiles/p?x=1 with a JSON body, signed at T_2026 for us-east-1/signer by our own
 * signer; with token, as a temporary key. extra: one more signed header, or NULL. */
static void build(built *b, const char *token, const char *extra_name, const char *extra_value)
{
    sgn_aws_creds creds = {AKID, SECRET, NULL, 0, NULL, {0}};
    sgn_sigv4_input in = {0};
    sgn_sigv4_output out = SGN_SIGV4_OUTPUT_INIT;
    sgn_error err = SGN_ERROR_INIT;
    sgn_kv hs[3];
    size_t nh = 0;

    memset(b, 0, sizeof(*b));
    snprintf(b->path, sizeof(b->path), "/signing-profiles/p");
    snprintf(b->query, sizeof(b->query), "x=1");
    snprintf(b->body, sizeof(b->body), "{\"a\": 1}");
    creds.session_token = (char *)token;
    hs[nh].key = (char *)"Host";
    hs[nh++].value = (char *)"127.0.0.1:8443";
    hs[nh].key = (char *)"Content-Type";
    hs[nh++].value = (char *)"application/json";
    if (extra_name != NULL) {
        hs[nh].key = (char *)extra_name;
        hs[nh++].value = (char *)extra_value;
    }
    in.method = "POST";
    in.path = b->path;
    in.query = b->query;
    in.headers = hs;
    in.n_headers = nh;
    in.body = (const unsigned char *)b->body;
    in.body_len = strlen(b->body);
    in.region = "us-east-1";
    in.service = "signer";
    in.time = T_2026;
    in.normalize_path = 1;
    ck_assert_sgn_ok(sgn_sigv4_sign(&out, &in, &creds, &err), &err);
    for (nh = 0; nh < in.n_headers; nh++)
        add_header(b, hs[nh].key, hs[nh].value);
    add_header(b, "User-Agent", "unsigned/1.0"); /* sent, not signed: ignored */
    add_header(b, "X-Amz-Date", out.amz_date);
    if (out.security_token != NULL)
        add_header(b, "X-Amz-Security-Token", out.security_token);
    add_header(b, "Authorization", out.authorization);
    sgn_sigv4_output_free(&out);
}

/* Replace the first occurrence of from by to in the Authorization header. */
static void edit_auth(built *b, const char *from, const char *to)
{
    char *a = get_header(b, "Authorization"), *p, tmp[512];

    ck_assert_ptr_nonnull(a);
    ck_assert_ptr_nonnull(p = strstr(a, from));
    snprintf(tmp, sizeof(tmp), "%.*s%s%s", (int)(p - a), a, to, p + strlen(from));
    snprintf(a, 512, "%s", tmp);
}

static const fake_key keys[] = {
    {AKID, SECRET, NULL, 0, 1},
    {"AKIDDISABLED", SECRET, NULL, 0, 0},
    {"AKIDTEMP", SECRET, TOKEN, T_2026 + 3600, 1},
    {"AKIDEXPIRED", SECRET, TOKEN, T_2026 - 1, 1},
};

static const struct neg {
    const char *what;
    const char *name; /* NULL: verifies */
    const char *text;
} negs[] = {
    {"own signature", NULL, NULL},
    {"no Authorization", "MissingAuthenticationTokenException", "Missing Authentication Token"},
    {"another scheme", INCOMPLETE,
     "Authorization header requires 'Credential' parameter. Authorization header requires "
     "'Signature' parameter. Authorization header requires 'SignedHeaders' parameter."},
    {"no Signature", INCOMPLETE, "Authorization header requires 'Signature' parameter."},
    {"pair without '='", INCOMPLETE,
     "'Credential' not a valid key=value pair (missing equal-sign) in Authorization header: "},
    {"Credential twice", INCOMPLETE, "more than one 'Credential'"},
    {"4-element Credential", INCOMPLETE,
     "Credential must have exactly 5 slash-delimited elements, e.g. "
     "keyid/date/region/service/term, got 'AKIDEXAMPLE/20260101/us-east-1/signer'"},
    {"no date at all", INCOMPLETE,
     "Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header."},
    {"host not signed", INVALID_SIG,
     "'Host' or ':authority' must be a 'SignedHeader' in the AWS Authorization."},
    {"signed header absent", INCOMPLETE,
     "'x-absent' is named as a SignedHeader, but it does not exist in the HTTP request."},
    {"scope region", INVALID_SIG, "Credential should be scoped to a valid region, not 'eu-west-1'. "},
    {"scope service", INVALID_SIG, "Credential should be scoped to correct service: 'signer'. "},
    {"scope terminator", INVALID_SIG,
     "Credential should be scoped with a valid terminator: 'aws4_request', not 'aws4_reques'. "},
    {"scope date", INVALID_SIG,
     "Date in Credential scope does not match YYYYMMDD from ISO-8601 version of date from HTTP: "
     "'20251231' != '20260101', from '20260101T000000Z'."},
    {"unknown key", UNRECOGNIZED, "The security token included in the request is invalid."},
    {"disabled key", UNRECOGNIZED, "The security token included in the request is invalid."},
    {"temporary key, no token", UNRECOGNIZED, "is invalid."},
    {"temporary key, wrong token", UNRECOGNIZED, "is invalid."},
    {"temporary key, expired", "ExpiredTokenException",
     "The security token included in the request is expired"},
    {"temporary key, token unsigned", INCOMPLETE, "'X-Amz-Security-Token' must be a 'SignedHeader'"},
    {"long-term key with a token", UNRECOGNIZED, "is invalid."},
    {"skew +15 min", NULL, NULL},
    {"skew +15 min 1 s", INVALID_SIG,
     "Signature expired: 20260101T000000Z is now earlier than 20260101T000001Z "
     "(20260101T001501Z - 15 min.)"},
    {"skew -15 min", NULL, NULL},
    {"skew -15 min 1 s", INVALID_SIG,
     "Signature not yet current: 20260101T000000Z is still later than 20251231T235959Z "
     "(20251231T234459Z + 15 min.)"},
    {"skew 30 min (AWS's example)", INVALID_SIG,
     "Signature expired: 20260101T000000Z is now earlier than 20260101T001500Z "
     "(20260101T003000Z - 15 min.)"},
    {"presigned query", INCOMPLETE, "Query-string authentication"},
    {"x-amz-content-sha256 wrong", INVALID_SIG,
     "The provided 'x-amz-content-sha256' header does not match what was computed."},
    {"x-amz-content-sha256 right", NULL, NULL},
    {"',' separators", NULL, NULL},
    {"two Authorization headers", INCOMPLETE, "more than one Authorization"},
    {"body altered", INVALID_SIG, "The request signature we calculated does not match"},
    {"unsigned header altered", NULL, NULL},
    {"bad X-Amz-Date", INCOMPLETE, "Got '2026-01-01T00:00:00Z'"},
};

START_TEST(test_refusals)
{
    const struct neg *c = &negs[_i];
    fake_store st = {keys, N(keys), 0};
    sgn_sigv4_verified out;
    sgn_error err = SGN_ERROR_INIT;
    int64_t now = T_2026;
    const char *token = NULL, *xname = NULL, *xvalue = NULL;
    char body_hash[65];
    built b;
    int rc;

    if (strncmp(c->what, "temporary key", 13) == 0)
        token = TOKEN;
    if (strncmp(c->what, "x-amz-content-sha256", 20) == 0) {
        ck_assert_sgn_ok(sgn_sigv4__sha256_hex(body_hash, "{\"a\": 1}", 8, &err), &err);
        xname = "x-amz-content-sha256";
        xvalue = strstr(c->what, "wrong") ? "0000" : body_hash;
    }
    build(&b, token, xname, xvalue);
    switch (_i) {
    case 1: del_header(&b, "Authorization"); break;
    case 2: set_header(&b, "Authorization", "Bearer " TOKEN); break;
    case 3: edit_auth(&b, ", Signature=", ", Sig="); break;
    case 4: edit_auth(&b, "Credential=", "Credential "); break;
    case 5: edit_auth(&b, "SignedHeaders=", "Credential=x, SignedHeaders="); break;
    case 6: edit_auth(&b, "/signer/aws4_request", "/signer"); break;
    case 7: del_header(&b, "X-Amz-Date"); break;
    case 8: edit_auth(&b, "content-type;host;", "content-type;"); break;
    case 9: edit_auth(&b, "SignedHeaders=", "SignedHeaders=x-absent;"); break;
    case 10: edit_auth(&b, "/us-east-1/", "/eu-west-1/"); break;
    case 11: edit_auth(&b, "/signer/", "/signe/"); break;
    case 12: edit_auth(&b, "aws4_request", "aws4_reques"); break;
    case 13: edit_auth(&b, "/20260101/", "/20251231/"); break;
    case 14: edit_auth(&b, "Credential=AKIDEXAMPLE", "Credential=AKIDUNKNOWN"); break;
    case 15: edit_auth(&b, "Credential=AKIDEXAMPLE", "Credential=AKIDDISABLED"); break;
    case 16:
        edit_auth(&b, "Credential=AKIDEXAMPLE", "Credential=AKIDTEMP");
        del_header(&b, "X-Amz-Security-Token");
        edit_auth(&b, ";x-amz-security-token", ""); /* else: a signed header absent */
        break;
    case 17:
        edit_auth(&b, "Credential=AKIDEXAMPLE", "Credential=AKIDTEMP");
        set_header(&b, "X-Amz-Security-Token", "SESSIONTOKEN-f00dfeee");
        break;
    case 18: edit_auth(&b, "Credential=AKIDEXAMPLE", "Credential=AKIDEXPIRED"); break;
    case 19:
        edit_auth(&b, "Credential=AKIDEXAMPLE", "Credential=AKIDTEMP");
        edit_auth(&b, ";x-amz-security-token", "");
        break;
    case 20: add_header(&b, "X-Amz-Security-Token", TOKEN); break;
    case 21: now = T_2026 + 900; break;
    case 22: now = T_2026 + 901; break;
    case 23: now = T_2026 - 900; break;
    case 24: now = T_2026 - 901; break;
    case 25: now = T_2026 + 1800; break;
    case 26:
        del_header(&b, "Authorization");
        snprintf(b.query, sizeof(b.query), "X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Signature=ab");
        break;
    case 27: case 28: break;
    case 29:
        edit_auth(&b, ", SignedHeaders", ",SignedHeaders");
        edit_auth(&b, ", Signature", ",Signature");
        break;
    case 30: add_header(&b, "authorization", get_header(&b, "Authorization")); break;
    case 31: b.body[1] = 'b'; break;
    case 32: set_header(&b, "User-Agent", "another/2.0"); break;
    case 33: set_header(&b, "X-Amz-Date", "2026-01-01T00:00:00Z"); break;
    default: break;
    }
    rc = sgn_sigv4_verify(finish(&b), "us-east-1", "signer", now, fake_lookup, &st, &out, &err);
    if (c->name == NULL) {
        ck_assert_msg(rc == SGN_OK, "%s: refused: %s %s", c->what, err.svc_code, err.msg);
        ck_assert_str_eq(out.access_key_id, AKID);
        ck_assert_str_eq(out.account_id, "123456789012");
        ck_assert_str_eq(out.principal, "arn:aws:iam::123456789012:user/alice");
        ck_assert_str_eq(out.region, "us-east-1");
        ck_assert_int_eq(out.request_time, T_2026);
    } else {
        assert_refused(rc, &err, c->name, c->text);
        ck_assert_int_eq(rc, err.code);
        ck_assert_str_eq(err.request_id, "");
        ck_assert_str_eq(out.access_key_id, "");
    }
}
END_TEST

/* A credential scope of 1 to 3 elements (found by fuzz_sigv4_auth: the split left part[4] unset
 * and strchr read it). */
static const char *const short_scopes[] = {"AKIDEXAMPLE", "AKIDEXAMPLE/20260101",
                                           "AKIDEXAMPLE/20260101/us-east-1", ""};

START_TEST(test_short_credential_scope)
{
    fake_store st = {keys, N(keys), 0};
    sgn_sigv4_verified out;
    sgn_error err = SGN_ERROR_INIT;
    char want[256];
    built b;
    int rc;

    build(&b, NULL, NULL, NULL);
    {
        char auth[1024];
        const char *cur = get_header(&b, "Authorization"), *rest = strstr(cur, ",");
        snprintf(auth, sizeof(auth), "AWS4-HMAC-SHA256 Credential=%s%s", short_scopes[_i],
                 rest != NULL ? rest : "");
        set_header(&b, "Authorization", auth);
    }
    rc = sgn_sigv4_verify(finish(&b), "us-east-1", "signer", T_2026, fake_lookup, &st, &out, &err);
    snprintf(want, sizeof(want),
             "Credential must have exactly 5 slash-delimited elements, e.g. "
             "keyid/date/region/service/term, got '%s'", short_scopes[_i]);
    assert_refused(rc, &err, INCOMPLETE, want);
}
END_TEST

/* The temporary key verifies when it sends and signs its token; a store failure passes through. */
START_TEST(test_temporary_key_and_store_failure)
{
    fake_store st = {keys, N(keys), 0};
    sgn_sigv4_verified out;
    sgn_error err = SGN_ERROR_INIT;
    built b;

    build(&b, TOKEN, NULL, NULL);
    edit_auth(&b, "Credential=AKIDEXAMPLE", "Credential=AKIDTEMP");
    /* the AKID is not signed (only its scope is): renaming it keeps the signature valid */
    ck_assert_sgn_ok(sgn_sigv4_verify(finish(&b), "us-east-1", "signer", T_2026, fake_lookup, &st,
                                      &out, &err),
                     &err);
    ck_assert_str_eq(out.access_key_id, "AKIDTEMP");
    st.fail = 1;
    ck_assert_int_eq(sgn_sigv4_verify(finish(&b), "us-east-1", "signer", T_2026, fake_lookup,
                                      &st, &out, &err),
                     SGN_EDB);
    ck_assert_int_eq(err.code, SGN_EDB);
}
END_TEST

/* A request dated by an RFC 1123 Date header (no X-Amz-Date), signed with the shared compute. */
START_TEST(test_date_header_fallback)
{
    fake_store st = {keys, N(keys), 0};
    sgn_kv hs[2] = {{(char *)"Host", (char *)"127.0.0.1:8443"},
                    {(char *)"Date", (char *)"Thu, 01 Jan 2026 00:00:00 GMT"}};
    sgn_sigv4__request r = {0};
    sgn_sigv4_output o = SGN_SIGV4_OUTPUT_INIT;
    sgn_sigv4_verified out;
    sgn_error err = SGN_ERROR_INIT;
    char auth[512];
    sgn_kv sent[3];
    sgn_sigv4_request req = {0};

    r.method = "GET";
    r.path = "/signing-platforms";
    r.headers = hs;
    r.n_headers = 2;
    r.amz_date = "20260101T000000Z";
    r.region = "us-east-1";
    r.service = "signer";
    r.normalize_path = 1;
    ck_assert_sgn_ok(sgn_sigv4__compute(&o, &r, SECRET, &err), &err);
    snprintf(auth, sizeof(auth),
             "AWS4-HMAC-SHA256 Credential=" AKID "/20260101/us-east-1/signer/aws4_request, "
             "SignedHeaders=%s, Signature=%s",
             o.signed_headers, o.signature);
    sent[0] = hs[0];
    sent[1] = hs[1];
    sent[2].key = (char *)"Authorization";
    sent[2].value = auth;
    req.method = "GET";
    req.path = "/signing-platforms";
    req.headers = sent;
    req.n_headers = 3;
    ck_assert_sgn_ok(sgn_sigv4_verify(&req, "us-east-1", "signer", T_2026 + 60, fake_lookup, &st,
                                      &out, &err),
                     &err);
    ck_assert_int_eq(out.request_time, T_2026);
    sent[1].value = (char *)"Thu, 01 Jan 2026 00:00:01 GMT";
    assert_refused(sgn_sigv4_verify(&req, "us-east-1", "signer", T_2026, fake_lookup, &st, &out,
                                    &err),
                   &err, INVALID_SIG, "The request signature we calculated does not match");
    sgn_sigv4_output_free(&o);
}
END_TEST

/* ---- an ARN label with %3A and %2F: botocore 1.43.11 and our signer --------------------------- */

#define TAGS_PATH "/tags/arn%3Aaws%3Asigner%3Aus-east-1%3A123456789012%3A%2Fsigning-profiles%2Fp"

/* Produced by tests/tools/gen_sigv4_verify_fixture.py with botocore 1.43.11 (frozen clock
 * 2026-01-01T00:00:00Z, endpoint http://127.0.0.1:8443, AKIDEXAMPLE / SECRET). */
static const struct boto {
    const char *method, *query, *body, *token, *signed_headers, *signature;
} boto[] = {
    {"POST", NULL, "{\"tags\": {\"k1\": \"v1\"}}", "SESSIONTOKEN",
     "content-type;host;x-amz-date;x-amz-security-token",
     "ab1a5f06953e3c3bab62a719033a1d57f714524094493137f732bf2b4fb89fed"},
    {"GET", NULL, NULL, NULL, "host;x-amz-date",
     "60fca47166b0518f0f9bf96c0803a5e90b3d21d1b9f0248e0ce80a4c8e098f14"},
    {"DELETE", "tagKeys=k1&tagKeys=k%202", NULL, NULL, "host;x-amz-date",
     "ebf028eda88bd48dfd2a5e10604ebe0f2e30f36351d3e046239306dddae8832b"},
};

START_TEST(test_arn_path_botocore)
{
    const struct boto *c = &boto[_i];
    fake_key k = {AKID, SECRET, c->token, 0, 1};
    fake_store st = {&k, 1, 0};
    sgn_aws_creds creds = {AKID, SECRET, (char *)c->token, 0, NULL, {0}};
    sgn_kv hs[6];
    sgn_sigv4_input in = {0};
    sgn_sigv4_output o = SGN_SIGV4_OUTPUT_INIT;
    sgn_sigv4_request req = {0};
    sgn_sigv4_verified out;
    sgn_error err = SGN_ERROR_INIT;
    char auth[512];
    size_t n = 0, i;

    if (c->body != NULL) {
        hs[n].key = (char *)"Content-Type";
        hs[n++].value = (char *)"application/json";
    }
    hs[n].key = (char *)"Host";
    hs[n++].value = (char *)"127.0.0.1:8443";
    /* our signer makes botocore's signature */
    in.method = c->method;
    in.path = TAGS_PATH;
    in.query = c->query;
    in.headers = hs;
    in.n_headers = n;
    in.body = (const unsigned char *)c->body;
    in.body_len = c->body ? strlen(c->body) : 0;
    in.region = "us-east-1";
    in.service = "signer";
    in.time = T_2026;
    in.normalize_path = 1;
    ck_assert_sgn_ok(sgn_sigv4_sign(&o, &in, &creds, &err), &err);
    ck_assert_str_eq(o.signature, c->signature);
    ck_assert_str_eq(o.signed_headers, c->signed_headers);
    sgn_sigv4_output_free(&o);
    /* botocore's request verifies, with the raw target */
    snprintf(auth, sizeof(auth),
             "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20260101/us-east-1/signer/aws4_request, "
             "SignedHeaders=%s, Signature=%s",
             c->signed_headers, c->signature);
    hs[n].key = (char *)"X-Amz-Date";
    hs[n++].value = (char *)"20260101T000000Z";
    if (c->token != NULL) {
        hs[n].key = (char *)"X-Amz-Security-Token";
        hs[n++].value = (char *)c->token;
    }
    hs[n].key = (char *)"Authorization";
    hs[n++].value = auth;
    req.method = c->method;
    req.path = TAGS_PATH;
    req.query = c->query;
    req.headers = hs;
    req.n_headers = n;
    req.body = (const unsigned char *)c->body;
    req.body_len = c->body ? strlen(c->body) : 0;
    ck_assert_sgn_ok(sgn_sigv4_verify(&req, "us-east-1", "signer", T_2026, fake_lookup, &st, &out,
                                      &err),
                     &err);
    /* a framework's decoded path ("%2F" -> "/") is not what was signed */
    req.path = "/tags/arn%3Aaws%3Asigner%3Aus-east-1%3A123456789012%3A/signing-profiles/p";
    assert_refused(sgn_sigv4_verify(&req, "us-east-1", "signer", T_2026, fake_lookup, &st, &out,
                                    &err),
                   &err, INVALID_SIG, NULL);
    for (i = 0; i < n; i++)
        ck_assert_ptr_nonnull(hs[i].key);
}
END_TEST

/* ---- the parser and the key ---------------------------------------------------------------- */

START_TEST(test_parse_authorization)
{
    sgn_sigv4__auth a;
    sgn_error err = SGN_ERROR_INIT;

    ck_assert_sgn_ok(sgn_sigv4__parse_authorization(
                         &a, "  AWS4-HMAC-SHA256 Credential=a/b/c/d/e,SignedHeaders=host, "
                             "Foo=bar  Signature=00",
                         &err),
                     &err);
    ck_assert_int_eq(a.scheme_ok, 1);
    ck_assert_str_eq(a.credential, "a/b/c/d/e");
    ck_assert_str_eq(a.signed_headers, "host");
    ck_assert_str_eq(a.signature, "00");
    sgn_sigv4__auth_free(&a);
    ck_assert_sgn_ok(sgn_sigv4__parse_authorization(&a, "AWS4-HMAC-SHA256X Credential=a", &err),
                     &err);
    ck_assert_int_eq(a.scheme_ok, 0);
    ck_assert_ptr_null(a.credential);
    sgn_sigv4__auth_free(&a);
    ck_assert_sgn_ok(sgn_sigv4__parse_authorization(&a, "AWS4-HMAC-SHA256", &err), &err);
    ck_assert_int_eq(a.scheme_ok, 1);
    ck_assert_ptr_null(a.signature);
    sgn_sigv4__auth_free(&a);
}
END_TEST

START_TEST(test_key_clear)
{
    sgn_sigv4_key k = {0};

    k.secret_access_key = strdup(SECRET);
    k.session_token = strdup(TOKEN);
    k.account_id = strdup("123456789012");
    k.principal = strdup("arn:aws:iam::123456789012:root");
    sgn_sigv4_key_clear(&k);
    ck_assert_ptr_null(k.secret_access_key);
    ck_assert_ptr_null(k.session_token);
    ck_assert_ptr_null(k.principal);
    sgn_sigv4_key_clear(&k);
    sgn_sigv4_key_clear(NULL);
}
END_TEST

static Suite *sigv4_verify_suite(void)
{
    Suite *s = suite_create("sigv4_verify");
    TCase *tc;

    tc = tcase_create("aws-c-auth");
    tcase_add_loop_test(tc, test_suite_vectors, 0, MUT_COUNT);
    suite_add_tcase(s, tc);

    tc = tcase_create("refusals");
    tcase_add_loop_test(tc, test_refusals, 0, N(negs));
    tcase_add_loop_test(tc, test_short_credential_scope, 0, N(short_scopes));
    tcase_add_test(tc, test_temporary_key_and_store_failure);
    tcase_add_test(tc, test_date_header_fallback);
    suite_add_tcase(s, tc);

    tc = tcase_create("botocore");
    tcase_add_loop_test(tc, test_arn_path_botocore, 0, N(boto));
    suite_add_tcase(s, tc);

    tc = tcase_create("parts");
    tcase_add_test(tc, test_parse_authorization);
    tcase_add_test(tc, test_key_clear);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    return sgn_check_run(sigv4_verify_suite());
}
