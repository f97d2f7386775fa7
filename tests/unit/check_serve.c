/* Unit tests for service/serve: routing, path labels, the query, the body, responses, the
 * audit trail, lookup-events, quotas, and whole requests through sv_handle with a fake
 * authentication and a fake operation table (no socket, no store). */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "serve.h"
#include "sgn/buf.h"
#include "sgn_check.h"

#define N(a) ((int)(sizeof(a) / sizeof((a)[0])))

/* ---- routing ------------------------------------------------------------------------------ */

static const struct {
    const char *method, *path, *operation, *label, *value;
} route_cases[] = {
    {"POST", "/signing-jobs/with-payload", "SignPayload", NULL, NULL},
    {"GET", "/signing-jobs/with-payload", "DescribeSigningJob", "jobId", "with-payload"},
    {"GET", "/signing-jobs/e218ee67-5dd3", "DescribeSigningJob", "jobId", "e218ee67-5dd3"},
    {"PUT", "/signing-jobs/j1/revoke", "RevokeSignature", "jobId", "j1"},
    {"POST", "/signing-jobs", "StartSigningJob", NULL, NULL},
    {"GET", "/signing-jobs", "ListSigningJobs", NULL, NULL},
    {"GET", "/revocations", "GetRevocationStatus", NULL, NULL},
    {"PUT", "/signing-profiles/my_profile", "PutSigningProfile", "profileName", "my_profile"},
    {"GET", "/signing-profiles/my_profile", "GetSigningProfile", "profileName", "my_profile"},
    {"DELETE", "/signing-profiles/my_profile", "CancelSigningProfile", "profileName",
     "my_profile"},
    {"GET", "/signing-profiles", "ListSigningProfiles", NULL, NULL},
    {"PUT", "/signing-profiles/p/revoke", "RevokeSigningProfile", "profileName", "p"},
    {"POST", "/signing-profiles/p/permissions", "AddProfilePermission", "profileName", "p"},
    {"GET", "/signing-profiles/p/permissions", "ListProfilePermissions", "profileName", "p"},
    {"DELETE", "/signing-profiles/p/permissions/stmt%201", "RemoveProfilePermission",
     "statementId", "stmt 1"},
    {"GET", "/signing-platforms/Notation-OCI-SHA384-ECDSA", "GetSigningPlatform", "platformId",
     "Notation-OCI-SHA384-ECDSA"},
    {"GET", "/signing-platforms", "ListSigningPlatforms", NULL, NULL},
    /* An ARN label is one raw segment: %2F is decoded only after routing. */
    {"POST", "/tags/arn%3Aaws%3Asigner%3Aus-east-1%3A123456789012%3A%2Fsigning-profiles%2Fp",
     "TagResource", "resourceArn", "arn:aws:signer:us-east-1:123456789012:/signing-profiles/p"},
    {"DELETE", "/tags/arn%3Aaws%3Asigner%3Aus-east-1%3A123456789012%3A%2Fsigning-profiles%2Fp",
     "UntagResource", "resourceArn", "arn:aws:signer:us-east-1:123456789012:/signing-profiles/p"},
    {"GET", "/tags/a%2Bb", "ListTagsForResource", "resourceArn", "a+b"},
};

START_TEST(test_route_match)
{
    sgn_error err = SGN_ERROR_INIT;
    sv_match m;
    size_t i;
    int found = 0;

    ck_assert_sgn_ok(sv_route_match(&m, sv_routes, sv_n_routes, route_cases[_i].method,
                                    route_cases[_i].path, &err),
                     &err);
    ck_assert_str_eq(m.route->operation, route_cases[_i].operation);
    if (route_cases[_i].label == NULL) {
        ck_assert_uint_eq(m.n_labels, 0);
    } else {
        for (i = 0; i < m.n_labels; i++)
            if (strcmp(m.label_names[i], route_cases[_i].label) == 0) {
                ck_assert_str_eq(m.label_values[i], route_cases[_i].value);
                found = 1;
            }
        ck_assert_msg(found, "label %s not found", route_cases[_i].label);
    }
    sv_match_free(&m);
}
END_TEST

static const struct {
    const char *method, *path, *code;
    int status;
} route_errors[] = {
    {"GET", "/nope", "UnknownOperationException", 404},
    {"GET", "/", "UnknownOperationException", 404},
    {"PATCH", "/signing-profiles/p", "UnknownOperationException", 404},
    {"GET", "/signing-profiles/", "UnknownOperationException", 404},
    {"GET", "/signing-profiles//permissions", "UnknownOperationException", 404},
    {"GET", "/signing-profiles/a/b/c/d", "UnknownOperationException", 404},
    {"GET", "/tags/%ZZ", "ValidationException", 400},
    {"GET", "/tags/abc%2", "ValidationException", 400},
    {"GET", "/tags/a%00b", "ValidationException", 400},
};

START_TEST(test_route_errors)
{
    sgn_error err = SGN_ERROR_INIT;
    sv_match m;

    ck_assert_int_lt(sv_route_match(&m, sv_routes, sv_n_routes, route_errors[_i].method,
                                    route_errors[_i].path, &err),
                     0);
    ck_assert_str_eq(err.svc_code, route_errors[_i].code);
    ck_assert_int_eq(err.http_status, route_errors[_i].status);
    ck_assert_ptr_null(m.route);
}
END_TEST

/* ---- input: query, body, labels ------------------------------------------------------------ */

static cJSON *input_for(const char *method, const char *path, const char *query, const char *body,
                        sgn_error *err)
{
    sv_match m;
    cJSON *in = NULL;

    if (sv_route_match(&m, sv_routes, sv_n_routes, method, path, err) < 0)
        return NULL;
    sv_build_input(&in, &m, query, body, body ? strlen(body) : 0, err);
    sv_match_free(&m);
    return in;
}

START_TEST(test_input_revocation_query)
{
    sgn_error err = SGN_ERROR_INIT;
    cJSON *in = input_for("GET", "/revocations",
                          "signatureTimestamp=2023-12-06T01%3A20%3A03Z&platformId=Notation-OCI"
                          "&profileVersionArn=arn%3Aaws%3Asigner%3Aus-east-1%3A1%3A%2Fp"
                          "&certificateHashes=aa&certificateHashes=bb&unknown=1",
                          NULL, &err);
    const cJSON *h;

    ck_assert_msg(in != NULL, "%s", err.msg);
    ck_assert(cJSON_IsNumber(cJSON_GetObjectItem(in, "signatureTimestamp")));
    ck_assert_double_eq(cJSON_GetObjectItem(in, "signatureTimestamp")->valuedouble, 1701825603);
    ck_assert_str_eq(cJSON_GetObjectItem(in, "profileVersionArn")->valuestring,
                     "arn:aws:signer:us-east-1:1:/p");
    h = cJSON_GetObjectItem(in, "certificateHashes");
    ck_assert(cJSON_IsArray(h));
    ck_assert_int_eq(cJSON_GetArraySize(h), 2);
    ck_assert_str_eq(cJSON_GetArrayItem(h, 1)->valuestring, "bb");
    ck_assert_ptr_null(cJSON_GetObjectItem(in, "unknown"));
    cJSON_Delete(in);
}
END_TEST

START_TEST(test_input_list_query)
{
    sgn_error err = SGN_ERROR_INIT;
    cJSON *in = input_for("GET", "/signing-profiles",
                          "includeCanceled=true&statuses=Active&statuses=Revoked&maxResults=10"
                          "&nextToken=a%20b+c",
                          "{\"ignored\":1}", &err);

    ck_assert_msg(in != NULL, "%s", err.msg);
    ck_assert(cJSON_IsTrue(cJSON_GetObjectItem(in, "includeCanceled")));
    ck_assert_int_eq(cJSON_GetArraySize(cJSON_GetObjectItem(in, "statuses")), 2);
    ck_assert_double_eq(cJSON_GetObjectItem(in, "maxResults")->valuedouble, 10);
    ck_assert_str_eq(cJSON_GetObjectItem(in, "nextToken")->valuestring, "a b c");
    ck_assert_ptr_null(cJSON_GetObjectItem(in, "ignored"));   /* a GET has no body members */
    cJSON_Delete(in);
}
END_TEST

static const struct {
    const char *method, *path, *query, *body, *code;
} input_errors[] = {
    {"GET", "/signing-profiles", "maxResults=abc", NULL, "ValidationException"},
    {"GET", "/signing-profiles", "maxResults=99999999999", NULL, "ValidationException"},
    {"GET", "/signing-profiles", "includeCanceled=maybe", NULL, "ValidationException"},
    {"GET", "/revocations", "signatureTimestamp=yesterday", NULL, "ValidationException"},
    {"GET", "/revocations", "platformId=%G0", NULL, "ValidationException"},
    {"PUT", "/signing-profiles/p", "", "{\"platformId\":", "SerializationException"},
    {"PUT", "/signing-profiles/p", "", "[1,2]", "SerializationException"},
    {"PUT", "/signing-profiles/p", "", "\"x\"", "SerializationException"},
    {"PUT", "/signing-profiles/p", "", "{} {}", "SerializationException"},
};

START_TEST(test_input_errors)
{
    sgn_error err = SGN_ERROR_INIT;
    cJSON *in = input_for(input_errors[_i].method, input_errors[_i].path, input_errors[_i].query,
                          input_errors[_i].body, &err);

    ck_assert_ptr_null(in);
    ck_assert_str_eq(err.svc_code, input_errors[_i].code);
    ck_assert_int_eq(err.http_status, 400);
}
END_TEST

/* The body is (body, body_len), not a C string: found by fuzz_serve_request (an exactly-sized
 * body was read one byte past its end). Bytes past body_len must not count. */
START_TEST(test_input_body_length)
{
    static const char text[] = "{\"profileName\":\"p\"}   trailing bytes past the body";
    size_t n = strlen("{\"profileName\":\"p\"}");
    sgn_error err = SGN_ERROR_INIT;
    sv_match m;
    cJSON *in = NULL;
    char *exact;

    ck_assert_sgn_ok(sv_route_match(&m, sv_routes, sv_n_routes, "POST",
                                    "/signing-jobs/with-payload", &err), &err);
    /* whitespace beyond body_len is not part of the body */
    ck_assert_sgn_ok(sv_build_input(&in, &m, "", text, n, &err), &err);
    ck_assert_str_eq(cJSON_GetObjectItem(in, "profileName")->valuestring, "p");
    cJSON_Delete(in);
    /* trailing whitespace inside it is allowed, anything else is not */
    ck_assert_sgn_ok(sv_build_input(&in, &m, "", text, n + 3, &err), &err);
    cJSON_Delete(in);
    in = NULL;
    ck_assert_int_lt(sv_build_input(&in, &m, "", text, n + 4, &err), 0);
    ck_assert_str_eq(err.svc_code, "SerializationException");
    ck_assert_ptr_null(in);
    sgn_error_clear(&err);
    /* an exactly-sized copy without a NUL (ASan sees any read past it) */
    exact = malloc(n);
    ck_assert_ptr_nonnull(exact);
    memcpy(exact, text, n);
    ck_assert_sgn_ok(sv_build_input(&in, &m, "", exact, n, &err), &err);
    cJSON_Delete(in);
    free(exact);
    sv_match_free(&m);
}
END_TEST

START_TEST(test_input_labels_win)
{
    sgn_error err = SGN_ERROR_INIT;
    cJSON *in = input_for("PUT", "/signing-profiles/from_path",
                          "", "{\"profileName\":\"from_body\",\"platformId\":\"X\"}", &err);

    ck_assert_msg(in != NULL, "%s", err.msg);
    ck_assert_str_eq(cJSON_GetObjectItem(in, "profileName")->valuestring, "from_path");
    ck_assert_str_eq(cJSON_GetObjectItem(in, "platformId")->valuestring, "X");
    cJSON_Delete(in);
    /* An empty body is an empty input. */
    in = input_for("PUT", "/signing-jobs/j/revoke", "", "", &err);
    ck_assert_ptr_nonnull(in);
    ck_assert_str_eq(cJSON_GetObjectItem(in, "jobId")->valuestring, "j");
    cJSON_Delete(in);
}
END_TEST

/* ---- responses ----------------------------------------------------------------------------- */

START_TEST(test_respond)
{
    sgn_error err = SGN_ERROR_INIT;
    sv_response r;
    cJSON *body;

    memset(&r, 0, sizeof(r));
    ck_assert_sgn_ok(sv_respond_ok(&r, NULL, &err), &err);
    ck_assert_uint_eq(r.status, 200);
    ck_assert_str_eq(r.body, "{}");
    ck_assert_str_eq(r.error_type, "");
    sv_response_free(&r);

    sgn_error_set_service(&err, 404, "ResourceNotFoundException", NULL, "Profile p not found");
    sv_respond_error(&r, &err);
    ck_assert_uint_eq(r.status, 404);
    ck_assert_str_eq(r.error_type, "ResourceNotFoundException");
    body = cJSON_Parse(r.body);
    ck_assert_str_eq(cJSON_GetObjectItem(body, "message")->valuestring, "Profile p not found");
    ck_assert_str_eq(cJSON_GetObjectItem(body, "code")->valuestring, "ResourceNotFoundException");
    cJSON_Delete(body);
    sv_response_free(&r);

    /* A local failure never shows its detail. */
    sgn_error_clear(&err);
    sgn_error_set(&err, SGN_EDB, "database is locked at /secret/path");
    sv_respond_error(&r, &err);
    ck_assert_uint_eq(r.status, 500);
    ck_assert_str_eq(r.error_type, "InternalServiceErrorException");
    ck_assert_ptr_null(strstr(r.body, "secret"));
    sv_response_free(&r);

    sgn_error_clear(&err);
    sgn_error_set(&err, SGN_EINVALID, "bad");
    sv_respond_error(&r, &err);
    ck_assert_uint_eq(r.status, 400);
    ck_assert_str_eq(r.error_type, "ValidationException");
    sv_response_free(&r);

    ck_assert_uint_eq(sv_status_for("ThrottlingException"), 429);
    ck_assert_uint_eq(sv_status_for("RequestEntityTooLargeException"), 413);
    ck_assert_uint_eq(sv_status_for("ServiceLimitExceededException"), 402);
}
END_TEST

/* ---- quotas -------------------------------------------------------------------------------- */

START_TEST(test_quota)
{
    sgn_error err = SGN_ERROR_INIT;
    sv_quota *q;

    ck_assert_sgn_ok(sv_quota_new(&q, 2, &err), &err);
    ck_assert_int_eq(sv_quota_take(q, "111111111111", 1000), 1);
    ck_assert_int_eq(sv_quota_take(q, "111111111111", 1000), 1);
    ck_assert_int_eq(sv_quota_take(q, "111111111111", 1000), 0);
    ck_assert_int_eq(sv_quota_take(q, "222222222222", 1000), 1); /* per account */
    ck_assert_int_eq(sv_quota_take(q, "111111111111", 1499), 0);
    ck_assert_int_eq(sv_quota_take(q, "111111111111", 1500), 1); /* 2/s: one token in 500 ms */
    sv_quota_free(q);
    ck_assert_int_lt(sv_quota_new(&q, 0, &err), 0);
}
END_TEST

/* ---- whole requests through sv_handle ------------------------------------------------------ */

typedef struct fake {
    int calls;
    int auth_calls;
} fake;

static int fake_auth(void *ctx, sgn_authority *a, const sgn_sigv4_request *req,
                     sv_identity *who, sgn_error *err)
{
    fake *f = ctx;
    size_t i;

    (void)a;
    f->auth_calls++;
    for (i = 0; i < req->n_headers; i++)
        if (strcmp(req->headers[i].key, "Authorization") == 0 &&
            strstr(req->headers[i].value, "good") != NULL) {
            snprintf(who->account_id, sizeof(who->account_id), "111122223333");
            snprintf(who->principal, sizeof(who->principal),
                     "arn:aws:iam::111122223333:role/builder");
            snprintf(who->access_key_id, sizeof(who->access_key_id), "AKIAGOOD");
            return SGN_OK;
        }
    return sgn_error_set_service(err, 403, "InvalidSignatureException", NULL,
                                 "The request signature we calculated does not match");
}

static sgn_authority *fake_handle(void *ctx, sgn_error *err)
{
    (void)ctx;
    (void)err;
    return (sgn_authority *)"not a store";
}

static int fake_sign(sgn_authority *a, const cJSON *in, cJSON **out, sgn_error *err)
{
    (void)a;
    (void)err;
    *out = cJSON_CreateObject();
    cJSON_AddStringToObject(*out, "jobId", "j-1");
    cJSON_AddStringToObject(*out, "jobOwner", "111122223333");
    cJSON_AddStringToObject(*out, "signature", "U0lHTkFUVVJF");
    cJSON_AddStringToObject(*out, "profileSeen",
                            cJSON_GetObjectItem(in, "profileName")->valuestring);
    return SGN_OK;
}

static int fake_get(sgn_authority *a, const cJSON *in, cJSON **out, sgn_error *err)
{
    (void)a;
    (void)in;
    return sgn_error_set_service(err, 404, "ResourceNotFoundException", NULL, "no such profile");
}

static const sv_operation fake_ops[] = {
    {"SignPayload", fake_sign, 0},
    {"GetSigningProfile", fake_get, 0},
    {"StartSigningJob", NULL, 0},
};

static char audit_path[64];

static void handle(sv_service *s, const char *method, const char *target, const char *auth,
                   const char *body, int too_large, sv_response *resp)
{
    sgn_kv h[3] = {{(char *)"Host", (char *)"data-signer.us-east-1.amazonaws.com"},
                   {(char *)"User-Agent", (char *)"Boto3/1.43.11 test"},
                   {(char *)"Authorization", (char *)(auth ? auth : "")}};
    sv_request req = {method, target, h, auth ? 3 : 2, (const unsigned char *)body,
                      body ? strlen(body) : 0, too_large, "127.0.0.1", NULL, NULL};

    sv_handle(s, &req, resp);
}

static void service_init(sv_service *s, fake *f, sgn_error *err)
{
    int fd;

    memset(s, 0, sizeof(*s));
    memset(f, 0, sizeof(*f));
    snprintf(audit_path, sizeof(audit_path), "/tmp/check_serve_audit_XXXXXX");
    fd = mkstemp(audit_path);
    ck_assert_int_ge(fd, 0);
    close(fd);
    unlink(audit_path);
    s->routes = sv_routes;
    s->n_routes = sv_n_routes;
    s->ops = fake_ops;
    s->n_ops = sizeof(fake_ops) / sizeof(fake_ops[0]);
    s->authenticate = fake_auth;
    s->handle = fake_handle;
    s->ctx = f;
    s->region = "us-east-1";
    s->account = "000000000000";
    s->version = "test";
    ck_assert_sgn_ok(sv_audit_open(&s->audit, audit_path, err), err);
}

static cJSON *audit_lines(void)
{
    sgn_buf b = SGN_BUF_INIT;
    sgn_error err = SGN_ERROR_INIT;
    cJSON *arr = cJSON_CreateArray();
    char *line, *save = NULL;

    ck_assert_sgn_ok(sgn_read_file(&b, audit_path, 1 << 20, &err), &err);
    for (line = strtok_r((char *)b.data, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
        cJSON *rec = cJSON_Parse(line);

        ck_assert_msg(rec != NULL, "not JSON: %s", line);
        cJSON_AddItemToArray(arr, rec);
    }
    sgn_buf_free(&b);
    return arr;
}

START_TEST(test_handle_flow)
{
    sgn_error err = SGN_ERROR_INIT;
    sv_service s;
    sv_response r;
    fake f;
    cJSON *lines, *rec, *uid, *body;
    struct stat st;
    char *text;

    service_init(&s, &f, &err);

    /* Health: no authentication, no audit line. */
    handle(&s, "GET", "/health", NULL, NULL, 0, &r);
    ck_assert_uint_eq(r.status, 200);
    ck_assert_ptr_nonnull(strstr(r.body, "\"status\":\"ok\""));
    sv_response_free(&r);
    ck_assert_int_eq(f.auth_calls, 0);

    /* Success: the operation sees the body, the audit line has no payload or signature. */
    handle(&s, "POST", "/signing-jobs/with-payload",
           "AWS4-HMAC-SHA256 Credential=AKIAGOOD/20240101/us-east-1/signer/aws4_request, good",
           "{\"profileName\":\"p1\",\"payload\":\"c2VjcmV0IHBheWxvYWQ=\","
           "\"payloadFormat\":\"application/vnd.cncf.notary.payload.v1+json\"}",
           0, &r);
    ck_assert_uint_eq(r.status, 200);
    body = cJSON_Parse(r.body);
    ck_assert_str_eq(cJSON_GetObjectItem(body, "profileSeen")->valuestring, "p1");
    ck_assert_str_eq(cJSON_GetObjectItem(body, "signature")->valuestring, "U0lHTkFUVVJF");
    cJSON_Delete(body);
    sv_response_free(&r);

    /* A bad signature: 403, audited with the key id presented. */
    handle(&s, "GET", "/signing-profiles/p1",
           "AWS4-HMAC-SHA256 Credential=AKIABAD/20240101/us-east-1/signer/aws4_request, "
           "SignedHeaders=host, Signature=00",
           NULL, 0, &r);
    ck_assert_uint_eq(r.status, 403);
    ck_assert_str_eq(r.error_type, "InvalidSignatureException");
    sv_response_free(&r);

    /* StartSigningJob: a clear 400, not a 404. */
    handle(&s, "POST", "/signing-jobs", "good", "{}", 0, &r);
    ck_assert_uint_eq(r.status, 400);
    ck_assert_str_eq(r.error_type, "ValidationException");
    ck_assert_ptr_nonnull(strstr(r.body, "not yet supported"));
    sv_response_free(&r);

    /* Unknown route, too large a body, malformed JSON, an operation's error. */
    handle(&s, "GET", "/nothing-here", "good", NULL, 0, &r);
    ck_assert_uint_eq(r.status, 404);
    ck_assert_str_eq(r.error_type, "UnknownOperationException");
    sv_response_free(&r);
    handle(&s, "POST", "/signing-jobs/with-payload", "good", NULL, 1, &r);
    ck_assert_uint_eq(r.status, 413);
    ck_assert_str_eq(r.error_type, "RequestEntityTooLargeException");
    sv_response_free(&r);
    handle(&s, "POST", "/signing-jobs/with-payload", "good", "{\"profileName\":", 0, &r);
    ck_assert_uint_eq(r.status, 400);
    ck_assert_str_eq(r.error_type, "SerializationException");
    sv_response_free(&r);
    handle(&s, "GET", "/signing-profiles/p1", "good", NULL, 0, &r);
    ck_assert_uint_eq(r.status, 404);
    ck_assert_str_eq(r.error_type, "ResourceNotFoundException");
    sv_response_free(&r);

    /* One line per call (health excluded), 0600, CloudTrail's shape. */
    ck_assert_int_eq(stat(audit_path, &st), 0);
    ck_assert_uint_eq(st.st_mode & 0777, 0600);
    lines = audit_lines();
    ck_assert_int_eq(cJSON_GetArraySize(lines), 7);
    rec = cJSON_GetArrayItem(lines, 0);
    text = cJSON_PrintUnformatted(rec);
    ck_assert_ptr_null(strstr(text, "c2VjcmV0IHBheWxvYWQ="));
    ck_assert_ptr_null(strstr(text, "U0lHTkFUVVJF"));
    free(text);
    ck_assert_str_eq(cJSON_GetObjectItem(rec, "eventName")->valuestring, "SignPayload");
    ck_assert_str_eq(cJSON_GetObjectItem(rec, "eventSource")->valuestring,
                     "signer.amazonaws.com");
    ck_assert_str_eq(cJSON_GetObjectItem(rec, "eventType")->valuestring, "AwsApiCall");
    ck_assert_str_eq(cJSON_GetObjectItem(rec, "awsRegion")->valuestring, "us-east-1");
    ck_assert_str_eq(cJSON_GetObjectItem(rec, "sourceIPAddress")->valuestring, "127.0.0.1");
    ck_assert_str_eq(cJSON_GetObjectItem(rec, "userAgent")->valuestring, "Boto3/1.43.11 test");
    ck_assert_uint_eq(strlen(cJSON_GetObjectItem(rec, "requestID")->valuestring), 36);
    ck_assert_str_eq(cJSON_GetObjectItem(rec, "recipientAccountId")->valuestring,
                     "111122223333");
    ck_assert_str_eq(cJSON_GetObjectItem(cJSON_GetObjectItem(rec, "requestParameters"),
                                         "profileName")->valuestring,
                     "p1");
    ck_assert_str_eq(cJSON_GetObjectItem(cJSON_GetObjectItem(rec, "responseElements"),
                                         "jobId")->valuestring,
                     "j-1");
    uid = cJSON_GetObjectItem(rec, "userIdentity");
    ck_assert_str_eq(cJSON_GetObjectItem(uid, "type")->valuestring, "AssumedRole");
    ck_assert_str_eq(cJSON_GetObjectItem(uid, "accountId")->valuestring, "111122223333");
    ck_assert_str_eq(cJSON_GetObjectItem(uid, "accessKeyId")->valuestring, "AKIAGOOD");
    ck_assert_str_eq(cJSON_GetObjectItem(uid, "principalId")->valuestring,
                     "111122223333:builder");
    ck_assert_ptr_null(cJSON_GetObjectItem(rec, "errorCode"));
    rec = cJSON_GetArrayItem(lines, 1);
    ck_assert_str_eq(cJSON_GetObjectItem(rec, "errorCode")->valuestring,
                     "InvalidSignatureException");
    ck_assert(cJSON_IsTrue(cJSON_GetObjectItem(rec, "readOnly")));
    ck_assert(cJSON_IsNull(cJSON_GetObjectItem(rec, "responseElements")));
    uid = cJSON_GetObjectItem(rec, "userIdentity");
    ck_assert_str_eq(cJSON_GetObjectItem(uid, "accessKeyId")->valuestring, "AKIABAD");
    ck_assert_ptr_null(cJSON_GetObjectItem(uid, "arn"));
    ck_assert_str_eq(cJSON_GetObjectItem(cJSON_GetArrayItem(lines, 3), "eventName")->valuestring,
                     "UnknownOperation");
    cJSON_Delete(lines);
    ck_assert_int_eq(f.auth_calls, 5);

    sv_audit_close(s.audit);
    unlink(audit_path);
}
END_TEST

START_TEST(test_handle_quota_and_audit_failure)
{
    sgn_error err = SGN_ERROR_INIT;
    sv_service s;
    sv_response r;
    fake f;

    service_init(&s, &f, &err);
    ck_assert_sgn_ok(sv_quota_new(&s.quota, 1, &err), &err);
    handle(&s, "POST", "/signing-jobs/with-payload", "good", "{\"profileName\":\"p\"}", 0, &r);
    ck_assert_uint_eq(r.status, 200);
    sv_response_free(&r);
    handle(&s, "POST", "/signing-jobs/with-payload", "good", "{\"profileName\":\"p\"}", 0, &r);
    ck_assert_uint_eq(r.status, 429);
    ck_assert_str_eq(r.error_type, "ThrottlingException");
    ck_assert_ptr_nonnull(strstr(r.body, "Rate exceeded"));
    sv_response_free(&r);
    sv_quota_free(s.quota);
    s.quota = NULL;
    sv_audit_close(s.audit);
    unlink(audit_path);

    /* No success without its audit line: /dev/full refuses every write. */
    ck_assert_sgn_ok(sv_audit_open(&s.audit, "/dev/full", &err), &err);
    handle(&s, "POST", "/signing-jobs/with-payload", "good", "{\"profileName\":\"p\"}", 0, &r);
    ck_assert_uint_eq(r.status, 500);
    ck_assert_str_eq(r.error_type, "InternalServiceErrorException");
    sv_response_free(&r);
    sv_audit_close(s.audit);
}
END_TEST

/* Group commit: a deferred request (on_durable) gets its response at once with audit_pending
 * and exactly one callback after the line's fdatasync; a read-only call with
 * audit_reads_async is not pending; its line is written all the same. */
typedef struct durable_seen {
    pthread_mutex_t m;
    int calls, error;
} durable_seen;

static void seen_durable(void *ctx, int error)
{
    durable_seen *d = ctx;

    pthread_mutex_lock(&d->m);
    d->calls++;
    d->error = error;
    pthread_mutex_unlock(&d->m);
}

START_TEST(test_handle_audit_group_commit)
{
    sgn_error err = SGN_ERROR_INIT;
    sgn_kv h[1] = {{(char *)"Authorization", (char *)"good"}};
    durable_seen d = {PTHREAD_MUTEX_INITIALIZER, 0, -1};
    sv_request req;
    sv_service s;
    sv_response r;
    cJSON *lines;
    fake f;
    int i;

    service_init(&s, &f, &err);
    memset(&req, 0, sizeof(req));
    req.method = "POST";
    req.target = "/signing-jobs/with-payload";
    req.headers = h;
    req.n_headers = 1;
    req.body = (const unsigned char *)"{\"profileName\":\"p\"}";
    req.body_len = strlen((const char *)req.body);
    req.source_ip = "127.0.0.1";
    req.on_durable = seen_durable;
    req.durable_ctx = &d;
    for (i = 0; i < 20; i++) {
        sv_handle(&s, &req, &r);
        ck_assert_uint_eq(r.status, 200);
        ck_assert_int_eq(r.audit_pending, 1);
        sv_response_free(&r);
    }
    /* A read-only call that does not wait. */
    s.audit_reads_async = 1;
    req.method = "GET";
    req.target = "/signing-profiles/p2";
    req.body = NULL;
    req.body_len = 0;
    sv_handle(&s, &req, &r);
    ck_assert_int_eq(r.audit_pending, 0);
    sv_response_free(&r);
    sv_audit_close(s.audit);   /* syncs what is left and tells every waiter */
    ck_assert_int_eq(d.calls, 20);
    ck_assert_int_eq(d.error, 0);
    lines = audit_lines();
    ck_assert_int_eq(cJSON_GetArraySize(lines), 21);
    ck_assert_str_eq(cJSON_GetObjectItem(cJSON_GetArrayItem(lines, 20), "eventName")->valuestring,
                     "GetSigningProfile");
    cJSON_Delete(lines);
    unlink(audit_path);
}
END_TEST

/* ---- lookup-events ------------------------------------------------------------------------- */

START_TEST(test_lookup_events)
{
    sgn_error err = SGN_ERROR_INIT;
    sv_service s;
    sv_response r;
    sv_lookup_filter f0 = {INT64_MIN, INT64_MAX, NULL, NULL, NULL, 0}, flt;
    fake f;
    cJSON *out, *ev;
    int fd;

    service_init(&s, &f, &err);
    handle(&s, "POST", "/signing-jobs/with-payload", "good", "{\"profileName\":\"p1\"}", 0, &r);
    sv_response_free(&r);
    handle(&s, "GET", "/signing-profiles/p2", "good", NULL, 0, &r);
    sv_response_free(&r);
    handle(&s, "GET", "/signing-profiles/p2", "bad", NULL, 0, &r);
    sv_response_free(&r);
    sv_audit_close(s.audit);
    /* A torn last line is skipped. */
    fd = open(audit_path, O_WRONLY | O_APPEND);
    ck_assert_int_eq(write(fd, "{\"eventTime\":", 13), 13);
    close(fd);

    ck_assert_sgn_ok(sv_lookup_events(&out, audit_path, &f0, &err), &err);
    ck_assert_int_eq(cJSON_GetArraySize(cJSON_GetObjectItem(out, "Events")), 3);
    ev = cJSON_GetArrayItem(cJSON_GetObjectItem(out, "Events"), 0);   /* newest first */
    ck_assert_str_eq(cJSON_GetObjectItem(ev, "EventName")->valuestring, "GetSigningProfile");
    ck_assert_str_eq(cJSON_GetObjectItem(ev, "ReadOnly")->valuestring, "true");
    ck_assert(cJSON_IsString(cJSON_GetObjectItem(ev, "CloudTrailEvent")));
    cJSON_Delete(out);

    flt = f0;
    flt.event_name = "SignPayload";
    ck_assert_sgn_ok(sv_lookup_events(&out, audit_path, &flt, &err), &err);
    ck_assert_int_eq(cJSON_GetArraySize(cJSON_GetObjectItem(out, "Events")), 1);
    ev = cJSON_GetArrayItem(cJSON_GetObjectItem(out, "Events"), 0);
    ck_assert_str_eq(cJSON_GetObjectItem(ev, "Username")->valuestring, "builder");
    ck_assert_str_eq(cJSON_GetObjectItem(ev, "AccessKeyId")->valuestring, "AKIAGOOD");
    cJSON_Delete(out);

    flt = f0;
    flt.resource_name = "p2";
    ck_assert_sgn_ok(sv_lookup_events(&out, audit_path, &flt, &err), &err);
    ck_assert_int_eq(cJSON_GetArraySize(cJSON_GetObjectItem(out, "Events")), 2);
    cJSON_Delete(out);

    flt = f0;
    flt.resource_name = "arn:aws:signer:us-east-1:111122223333:/signing-profiles/p1";
    flt.principal = "arn:aws:iam::111122223333:role/builder";
    ck_assert_sgn_ok(sv_lookup_events(&out, audit_path, &flt, &err), &err);
    ck_assert_int_eq(cJSON_GetArraySize(cJSON_GetObjectItem(out, "Events")), 1);
    cJSON_Delete(out);

    flt = f0;
    flt.max_results = 1;
    flt.end_time = 0;   /* nothing that old */
    ck_assert_sgn_ok(sv_lookup_events(&out, audit_path, &flt, &err), &err);
    ck_assert_int_eq(cJSON_GetArraySize(cJSON_GetObjectItem(out, "Events")), 0);
    cJSON_Delete(out);
    flt.end_time = INT64_MAX;
    ck_assert_sgn_ok(sv_lookup_events(&out, audit_path, &flt, &err), &err);
    ck_assert_int_eq(cJSON_GetArraySize(cJSON_GetObjectItem(out, "Events")), 1);
    cJSON_Delete(out);

    ck_assert_int_eq(sv_lookup_events(&out, "/nonexistent/audit.jsonl", &f0, &err),
                     SGN_ENOTFOUND);
    unlink(audit_path);
}
END_TEST

static Suite *serve_suite(void)
{
    Suite *s = suite_create("serve");
    TCase *tc = tcase_create("serve");

    tcase_add_loop_test(tc, test_route_match, 0, N(route_cases));
    tcase_add_loop_test(tc, test_route_errors, 0, N(route_errors));
    tcase_add_test(tc, test_input_revocation_query);
    tcase_add_test(tc, test_input_list_query);
    tcase_add_loop_test(tc, test_input_errors, 0, N(input_errors));
    tcase_add_test(tc, test_input_body_length);
    tcase_add_test(tc, test_input_labels_win);
    tcase_add_test(tc, test_respond);
    tcase_add_test(tc, test_quota);
    tcase_add_test(tc, test_handle_flow);
    tcase_add_test(tc, test_handle_quota_and_audit_failure);
    tcase_add_test(tc, test_handle_audit_group_commit);
    tcase_add_test(tc, test_lookup_events);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    return sgn_check_run(serve_suite());
}
