/* Unit tests for core/aws/signer.c and aws_backend.c against a fake Signer: a libmicrohttpd
 * server on 127.0.0.1 that records every request (raw URI, headers, body) and answers from a
 * script. Credentials come from the environment table; no test reaches beyond the loopback. */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <microhttpd.h>

#include "sgn/aws_signer.h"
#include "sgn/backend.h"
#include "sgn/buf.h"
#include "sgn/util.h"
#include "sgn_check.h"

#define N(a) ((int)(sizeof(a) / sizeof((a)[0])))
#define MAX_REQ 8
#define MAX_SCRIPT 4

/* ---- the fake Signer ---- */

typedef struct answer {
    unsigned status;
    const char *error_type;     /* x-amzn-ErrorType, or NULL */
    const char *request_id;     /* x-amzn-RequestId, or NULL */
    const char *retry_after;    /* x-amz-retry-after, or NULL */
    const char *body;
    unsigned delay_ms;          /* answer this late */
} answer;

typedef struct seen {
    char method[16];
    char *uri;                  /* raw request target: path?query */
    char *body;
    char *user_agent, *content_type, *authorization, *host, *amz_date, *token, *sdk_request;
} seen;

typedef struct fake {
    struct MHD_Daemon *d;
    unsigned port;
    char url[64];
    pthread_mutex_t mu;
    answer script[MAX_SCRIPT];
    int n_script;
    seen req[MAX_REQ];
    int n_req;
} fake;

typedef struct conn_state {
    char *uri;
    sgn_buf body;
    int started;
} conn_state;

static void *fake_uri_log(void *cls, const char *uri, struct MHD_Connection *con)
{
    conn_state *st = calloc(1, sizeof(*st));

    if (st != NULL)
        st->uri = strdup(uri);
    return st;
}

static void fake_completed(void *cls, struct MHD_Connection *con, void **req_cls,
                           enum MHD_RequestTerminationCode toe)
{
    conn_state *st = *req_cls;

    if (st == NULL)
        return;
    free(st->uri);
    sgn_buf_free(&st->body);
    free(st);
    *req_cls = NULL;
}

static char *header_dup(struct MHD_Connection *con, const char *name)
{
    const char *v = MHD_lookup_connection_value(con, MHD_HEADER_KIND, name);

    return v != NULL ? strdup(v) : NULL;
}

static enum MHD_Result fake_handler(void *cls, struct MHD_Connection *con, const char *url,
                                    const char *method, const char *version,
                                    const char *upload_data, size_t *upload_data_size,
                                    void **req_cls)
{
    fake *f = cls;
    conn_state *st = *req_cls;
    struct MHD_Response *r;
    answer a;
    enum MHD_Result ret;
    int idx;

    if (st == NULL)
        return MHD_NO;
    if (!st->started) {
        st->started = 1;
        return MHD_YES;
    }
    if (*upload_data_size > 0) {
        sgn_buf_append(&st->body, upload_data, *upload_data_size, NULL);
        *upload_data_size = 0;
        return MHD_YES;
    }
    pthread_mutex_lock(&f->mu);
    idx = f->n_req;
    if (idx < MAX_REQ) {
        seen *s = &f->req[idx];
        snprintf(s->method, sizeof(s->method), "%s", method);
        s->uri = strdup(st->uri ? st->uri : "");
        s->body = strdup(sgn_buf_cstr(&st->body));
        s->user_agent = header_dup(con, "User-Agent");
        s->content_type = header_dup(con, "Content-Type");
        s->authorization = header_dup(con, "Authorization");
        s->host = header_dup(con, "Host");
        s->amz_date = header_dup(con, "X-Amz-Date");
        s->token = header_dup(con, "X-Amz-Security-Token");
        s->sdk_request = header_dup(con, "amz-sdk-request");
    }
    f->n_req++;
    a = f->script[idx < f->n_script ? idx : f->n_script - 1];
    pthread_mutex_unlock(&f->mu);
    if (a.delay_ms > 0)
        usleep(a.delay_ms * 1000);
    r = MHD_create_response_from_buffer(strlen(a.body), (void *)a.body, MHD_RESPMEM_MUST_COPY);
    MHD_add_response_header(r, "Content-Type", "application/json");
    if (a.request_id != NULL)
        MHD_add_response_header(r, "x-amzn-RequestId", a.request_id);
    if (a.error_type != NULL)
        MHD_add_response_header(r, "x-amzn-ErrorType", a.error_type);
    if (a.retry_after != NULL)
        MHD_add_response_header(r, "x-amz-retry-after", a.retry_after);
    ret = MHD_queue_response(con, a.status, r);
    MHD_destroy_response(r);
    return ret;
}

static void fake_start(fake *f, const answer *script, int n)
{
    const union MHD_DaemonInfo *info;
    int i;

    memset(f, 0, sizeof(*f));
    pthread_mutex_init(&f->mu, NULL);
    for (i = 0; i < n && i < MAX_SCRIPT; i++)
        f->script[i] = script[i];
    f->n_script = i;
    f->d = MHD_start_daemon(MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_ERROR_LOG, 0, NULL, NULL,
                            fake_handler, f, MHD_OPTION_URI_LOG_CALLBACK, fake_uri_log, f,
                            MHD_OPTION_NOTIFY_COMPLETED, fake_completed, f,
                            MHD_OPTION_SOCK_ADDR, NULL, MHD_OPTION_END);
    ck_assert_ptr_nonnull(f->d);
    info = MHD_get_daemon_info(f->d, MHD_DAEMON_INFO_BIND_PORT);
    ck_assert_ptr_nonnull(info);
    f->port = info->port;
    snprintf(f->url, sizeof(f->url), "http://127.0.0.1:%u", f->port);
}

static int fake_count(fake *f)
{
    int n;

    pthread_mutex_lock(&f->mu);
    n = f->n_req;
    pthread_mutex_unlock(&f->mu);
    return n;
}

static void fake_stop(fake *f)
{
    int i;

    MHD_stop_daemon(f->d);
    for (i = 0; i < MAX_REQ && i < f->n_req; i++) {
        seen *s = &f->req[i];
        free(s->uri);
        free(s->body);
        free(s->user_agent);
        free(s->content_type);
        free(s->authorization);
        free(s->host);
        free(s->amz_date);
        free(s->token);
        free(s->sdk_request);
    }
    pthread_mutex_destroy(&f->mu);
}

/* ---- the environment: a table, with a count of lookups ---- */

typedef struct env_kv {
    const char *name, *value;
} env_kv;

typedef struct test_env {
    env_kv kv[16];
    int lookups;
} test_env;

static const char *table_getenv(void *ud, const char *name)
{
    test_env *e = ud;
    int i;

    e->lookups++;
    for (i = 0; i < N(e->kv) && e->kv[i].name != NULL; i++)
        if (strcmp(e->kv[i].name, name) == 0)
            return e->kv[i].value;
    return NULL;
}

static void env_set(test_env *e, const char *name, const char *value)
{
    int i;

    for (i = 0; i < N(e->kv) - 1; i++) {
        if (e->kv[i].name == NULL || strcmp(e->kv[i].name, name) == 0) {
            e->kv[i].name = name;
            e->kv[i].value = value;
            return;
        }
    }
    ck_abort_msg("environment table full");
}

/* No shared files, no IMDS: only what a test adds. */
static void env_base(test_env *e)
{
    memset(e, 0, sizeof(*e));
    env_set(e, "AWS_CONFIG_FILE", "/nonexistent/sgn-test/config");
    env_set(e, "AWS_SHARED_CREDENTIALS_FILE", "/nonexistent/sgn-test/credentials");
    env_set(e, "AWS_EC2_METADATA_DISABLED", "true");
}

static void env_creds(test_env *e)
{
    env_base(e);
    env_set(e, "AWS_ACCESS_KEY_ID", "AKID");
    env_set(e, "AWS_SECRET_ACCESS_KEY", "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY");
}

static void collect_log(void *ud, const char *line)
{
    sgn_buf *b = ud;

    sgn_buf_printf(b, NULL, "%s\n", line);
}

typedef struct setup {
    test_env env;
    sgn_aws_env aws_env;
    sgn_aws_options opts;
    sgn_aws_client *client;
    sgn_buf logbuf;
    sgn_aws_log log;
} setup;

/* A client for the fake: region us-east-1, endpoint the fake's URL. */
static void setup_client(setup *s, fake *f)
{
    sgn_error err = SGN_ERROR_INIT;

    s->aws_env.get = table_getenv;
    s->aws_env.ud = &s->env;
    memset(&s->opts, 0, sizeof(s->opts));
    s->opts.region = "us-east-1";
    s->opts.endpoint_url = f != NULL ? f->url : NULL;
    s->opts.user_agent_version = "1.1.0";
    s->opts.env = &s->aws_env;
    s->opts.timeout_ms = 20000;
    memset(&s->logbuf, 0, sizeof(s->logbuf));
    s->log.fn = collect_log;
    s->log.ud = &s->logbuf;
    s->opts.log = &s->log;
    ck_assert_sgn_ok(sgn_aws_client_new(&s->client, &s->opts, &err), &err);
}

static void setup_free(setup *s)
{
    sgn_aws_client_free(s->client);
    s->client = NULL;
    sgn_buf_free(&s->logbuf);
}

static const unsigned char payload[] = "{\"targetArtifact\":{}}";
static const char envelope[] = "{\"payload\":\"e30\",\"protected\":\"x\",\"signature\":\"y\"}";

static sgn_sign_request sample_request(void)
{
    sgn_sign_request r;

    memset(&r, 0, sizeof(r));
    r.profile_name = "my_profile";
    r.profile_owner = "123456789012";
    r.payload = payload;
    r.payload_len = sizeof(payload) - 1;
    r.payload_format = SGN_PAYLOAD_FORMAT_NOTARY;
    r.profile_arn = "arn:aws:signer:us-east-1:123456789012:/signing-profiles/my_profile";
    return r;
}

static char *sign_ok_body(void)
{
    sgn_error err = SGN_ERROR_INIT;
    sgn_buf b = SGN_BUF_INIT;
    char *sig = NULL;

    ck_assert_sgn_ok(sgn_b64_encode(&sig, (const unsigned char *)envelope, strlen(envelope), &err),
                     &err);
    ck_assert_sgn_ok(sgn_buf_printf(&b, &err,
                                    "{\"jobId\":\"job-1\",\"jobOwner\":\"123456789012\","
                                    "\"metadata\":{\"z.key\":\"1\",\"a.key\":\"2\",\"m.key\":\"3\"},"
                                    "\"signature\":\"%s\",\"unknownMember\":[1,2]}",
                                    sig),
                     &err);
    free(sig);
    return sgn_buf_detach(&b, NULL);
}

/* ---- SignPayload ---- */

START_TEST(test_sign_payload_request_and_response)
{
    char *ok = sign_ok_body();
    answer script[] = {{200, NULL, "rid-1", NULL, ok, 0}};
    fake f;
    setup s;
    sgn_sign_request req = sample_request();
    sgn_sign_result res;
    sgn_error err = SGN_ERROR_INIT;
    char want_cred[128], day1[16], day2[16];
    time_t t0 = time(NULL), t1;
    seen *r;

    fake_start(&f, script, N(script));
    env_creds(&s.env);
    setup_client(&s, &f);
    strftime(day1, sizeof(day1), "%Y%m%d", gmtime(&t0));
    ck_assert_sgn_ok(sgn_aws_sign_payload(s.client, &req, &res, &err), &err);
    t1 = time(NULL);
    strftime(day2, sizeof(day2), "%Y%m%d", gmtime(&t1));

    ck_assert_int_eq(fake_count(&f), 1);
    r = &f.req[0];
    ck_assert_str_eq(r->method, "POST");
    ck_assert_str_eq(r->uri, "/signing-jobs/with-payload");
    ck_assert_str_eq(r->body,
                     "{\"payload\":\"eyJ0YXJnZXRBcnRpZmFjdCI6e319\",\"payloadFormat\":"
                     "\"application/vnd.cncf.notary.payload.v1+json\",\"profileName\":"
                     "\"my_profile\",\"profileOwner\":\"123456789012\"}");
    ck_assert_str_eq(r->content_type, "application/json");
    ck_assert_ptr_nonnull(r->user_agent);
    ck_assert_str_eq(r->user_agent,
                     "aws-signer-notation-c/1.1.0 aws-signer-caller/NotationPlugin-1.1.0");
    ck_assert_ptr_nonnull(r->authorization);
    snprintf(want_cred, sizeof(want_cred), "Credential=AKID/%s/us-east-1/signer/aws4_request",
             day1);
    if (strstr(r->authorization, want_cred) == NULL)
        snprintf(want_cred, sizeof(want_cred), "Credential=AKID/%s/us-east-1/signer/aws4_request",
                 day2);
    ck_assert_msg(strstr(r->authorization, want_cred) != NULL, "Authorization: %s",
                  r->authorization);
    ck_assert_ptr_nonnull(strstr(r->authorization, "AWS4-HMAC-SHA256 "));
    ck_assert_ptr_nonnull(strstr(r->authorization, "SignedHeaders=content-type;host;x-amz-date"));
    ck_assert_ptr_nonnull(r->amz_date);
    ck_assert_ptr_null(r->token);
    ck_assert_str_eq(r->sdk_request, "attempt=1; max=3");
    ck_assert_str_eq(r->host, f.url + strlen("http://"));

    ck_assert_str_eq(res.job_id, "job-1");
    ck_assert_str_eq(res.job_owner, "123456789012");
    ck_assert_uint_eq(res.metadata_len, 3);
    ck_assert_str_eq(res.metadata[0].key, "a.key");
    ck_assert_str_eq(res.metadata[0].value, "2");
    ck_assert_str_eq(res.metadata[1].key, "m.key");
    ck_assert_str_eq(res.metadata[2].key, "z.key");
    ck_assert_str_eq(res.metadata[2].value, "1");
    ck_assert_uint_eq(res.signature_len, strlen(envelope));
    ck_assert_mem_eq(res.signature, envelope, strlen(envelope));

    sgn_sign_result_free(&res);
    setup_free(&s);
    fake_stop(&f);
    free(ok);
}
END_TEST

/* profileOwner goes out whenever it is given, even empty (as Go does); never when NULL. */
static const struct {
    const char *owner, *session_token, *body_tail;
} owner_cases[] = {
    {"", NULL, "\"profileName\":\"my_profile\",\"profileOwner\":\"\"}"},
    {NULL, "TOKEN", "\"profileName\":\"my_profile\"}"},
};

START_TEST(test_sign_payload_owner)
{
    char *ok = sign_ok_body();
    answer script[] = {{200, NULL, "rid-1", NULL, ok, 0}};
    fake f;
    setup s;
    sgn_sign_request req = sample_request();
    sgn_sign_result res;
    sgn_error err = SGN_ERROR_INIT;
    const char *tail = owner_cases[_i].body_tail;
    size_t blen;

    fake_start(&f, script, N(script));
    env_creds(&s.env);
    if (owner_cases[_i].session_token != NULL)
        env_set(&s.env, "AWS_SESSION_TOKEN", owner_cases[_i].session_token);
    setup_client(&s, &f);
    req.profile_owner = owner_cases[_i].owner;
    ck_assert_sgn_ok(sgn_aws_sign_payload(s.client, &req, &res, &err), &err);
    ck_assert_int_eq(fake_count(&f), 1);
    blen = strlen(f.req[0].body);
    ck_assert_msg(blen >= strlen(tail) && strcmp(f.req[0].body + blen - strlen(tail), tail) == 0,
                  "body %s", f.req[0].body);
    if (owner_cases[_i].session_token != NULL) {
        ck_assert_ptr_nonnull(f.req[0].token);
        ck_assert_str_eq(f.req[0].token, owner_cases[_i].session_token);
        ck_assert_ptr_nonnull(strstr(f.req[0].authorization, "x-amz-security-token"));
    }
    sgn_sign_result_free(&res);
    setup_free(&s);
    fake_stop(&f);
    free(ok);
}
END_TEST

/* ---- GetRevocationStatus ---- */

#define HASH_A                                                                                 \
    "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa" \
    "aaaaaaaa"
#define HASH_B "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb"
#define PV_ARN "arn:aws:signer:us-east-1:123456789012:/signing-profiles/my_profile/abcdef1234"
#define JOB_ARN "arn:aws:signer:us-east-1:123456789012:/signing-jobs/e218ee67-5dd3-4dc4"
#define PV_ENC                                                                                 \
    "arn%3Aaws%3Asigner%3Aus-east-1%3A123456789012%3A%2Fsigning-profiles%2Fmy_profile%2F"       \
    "abcdef1234"
#define JOB_ENC "arn%3Aaws%3Asigner%3Aus-east-1%3A123456789012%3A%2Fsigning-jobs%2Fe218ee67-5dd3-4dc4"

/* 2022-07-06T19:10:28Z = 1657134628 */
static const struct {
    int32_t nsec;
    const char *ts;
} ts_cases[] = {
    {0, "2022-07-06T19%3A10%3A28Z"},
    {999999, "2022-07-06T19%3A10%3A28Z"},          /* under a millisecond: no fraction */
    {120000000, "2022-07-06T19%3A10%3A28.12Z"},    /* .120 -> .12 */
    {100000000, "2022-07-06T19%3A10%3A28.1Z"},
    {999999999, "2022-07-06T19%3A10%3A28.999Z"},   /* truncated, never rounded up */
    {5000000, "2022-07-06T19%3A10%3A28.005Z"},
};

START_TEST(test_revocation_query)
{
    answer script[] = {{200, NULL, "rid-2", NULL,
                        "{\"revokedEntities\":[\"" JOB_ARN "\",\"" HASH_B "\"],\"x\":1}", 0}};
    const char *hashes[] = {HASH_A, HASH_B};
    sgn_revocation_query q = {1657134628, ts_cases[_i].nsec, SGN_PLATFORM_NOTATION, PV_ARN,
                              JOB_ARN, hashes, 2};
    sgn_strlist revoked = SGN_STRLIST_INIT;
    sgn_error err = SGN_ERROR_INIT;
    char want[1024];
    fake f;
    setup s;

    fake_start(&f, script, N(script));
    env_creds(&s.env);
    setup_client(&s, &f);
    ck_assert_sgn_ok(sgn_aws_get_revocation_status(s.client, &q, &revoked, &err), &err);
    ck_assert_int_eq(fake_count(&f), 1);
    snprintf(want, sizeof(want), "%s%s",
             "/revocations?certificateHashes=" HASH_A "&certificateHashes=" HASH_B
             "&jobArn=" JOB_ENC "&platformId=Notation-OCI-SHA384-ECDSA&profileVersionArn=" PV_ENC
             "&signatureTimestamp=",
             ts_cases[_i].ts);
    ck_assert_str_eq(f.req[0].method, "GET");
    ck_assert_str_eq(f.req[0].uri, want);
    /* the custom endpoint is used as given: no "data-" in front of the host */
    ck_assert_str_eq(f.req[0].host, f.url + strlen("http://"));
    ck_assert_ptr_null(f.req[0].content_type);
    ck_assert_ptr_nonnull(strstr(f.req[0].authorization, "/us-east-1/signer/aws4_request"));
    ck_assert_str_eq(f.req[0].user_agent,
                     "aws-signer-notation-c/1.1.0 aws-signer-caller/NotationPlugin-1.1.0");
    ck_assert_uint_eq(revoked.len, 2);
    ck_assert_str_eq(revoked.items[0], JOB_ARN);
    ck_assert_str_eq(revoked.items[1], HASH_B);
    sgn_strlist_free(&revoked);
    setup_free(&s);
    fake_stop(&f);
}
END_TEST

static const char *const empty_revocation_bodies[] = {
    "{\"revokedEntities\":[]}", "{\"revokedEntities\":null}", "{}", "",
};

START_TEST(test_revocation_empty)
{
    answer script[] = {{200, NULL, "rid-3", NULL, empty_revocation_bodies[_i], 0}};
    const char *hashes[] = {HASH_A};
    sgn_revocation_query q = {1657134628, 0, SGN_PLATFORM_NOTATION, PV_ARN, JOB_ARN, hashes, 1};
    sgn_strlist revoked = SGN_STRLIST_INIT;
    sgn_error err = SGN_ERROR_INIT;
    fake f;
    setup s;

    fake_start(&f, script, N(script));
    env_creds(&s.env);
    setup_client(&s, &f);
    ck_assert_sgn_ok(sgn_aws_get_revocation_status(s.client, &q, &revoked, &err), &err);
    ck_assert_uint_eq(revoked.len, 0);
    ck_assert_int_eq(fake_count(&f), 1);
    sgn_strlist_free(&revoked);
    setup_free(&s);
    fake_stop(&f);
}
END_TEST

/* ---- errors ---- */

typedef struct err_case {
    const char *label;
    int revocation;             /* 0: SignPayload, 1: GetRevocationStatus */
    const char *max_attempts;   /* AWS_MAX_ATTEMPTS, or NULL */
    answer script[MAX_SCRIPT];
    int n_script;
    int rc;
    int requests;               /* how many the fake must see */
    const char *svc_code, *msg, *request_id;
    int status;
} err_case;

#define VAL_BODY "{\"message\":\"1 validation error detected\",\"code\":\"ValidationException\"}"
#define TMR_BODY "{\"message\":\"Rate exceeded\"}"
#define ISE_BODY "{\"message\":\"Internal failure\",\"code\":\"InternalServiceErrorException\"}"

static const err_case err_cases[] = {
    {"400 ValidationException", 0, NULL,
     {{400, "ValidationException", "rid-400", NULL, VAL_BODY, 0}}, 1, SGN_EINVALID, 1,
     "ValidationException", "1 validation error detected", "rid-400", 400},
    {"403 AccessDeniedException", 0, NULL,
     {{403, "AccessDeniedException:http://internal.amazon.com/coral/", "rid-403", NULL,
       "{\"Message\":\"User: x is not authorized to perform: signer:SignPayload\"}", 0}},
     1, SGN_EDENIED, 1, "AccessDeniedException",
     "User: x is not authorized to perform: signer:SignPayload", "rid-403", 403},
    {"404 ResourceNotFoundException", 0, NULL,
     {{404, NULL, "rid-404", NULL,
       "{\"message\":\"No signing profile\",\"code\":\"ResourceNotFoundException\"}", 0}},
     1, SGN_EINVALID, 1, "ResourceNotFoundException", "No signing profile", "rid-404", 404},
    {"400 no message: the code", 0, NULL,
     {{400, "ValidationException", "rid-400b", NULL, "{}", 0}}, 1, SGN_EINVALID, 1,
     "ValidationException", "ValidationException", "rid-400b", 400},
    {"429 then 200", 0, NULL,
     {{429, "TooManyRequestsException", "rid-429", NULL, TMR_BODY, 0},
      {200, NULL, "rid-ok", NULL, NULL, 0}},
     2, SGN_OK, 2, NULL, NULL, NULL, 0},
    {"429 x3", 0, NULL,
     {{429, "TooManyRequestsException", "rid-429", "5", TMR_BODY, 0}}, 1, SGN_ESERVICE, 3,
     "TooManyRequestsException", "Rate exceeded", "rid-429", 429},
    {"500 x3", 0, NULL,
     {{500, "InternalServiceErrorException", "rid-500", "5", ISE_BODY, 0}}, 1, SGN_ESERVICE, 3,
     "InternalServiceErrorException", "Internal failure", "rid-500", 500},
    {"500 with AWS_MAX_ATTEMPTS=1", 0, "1",
     {{500, "InternalServiceErrorException", "rid-500", "5", ISE_BODY, 0}}, 1, SGN_ESERVICE, 1,
     "InternalServiceErrorException", "Internal failure", "rid-500", 500},
    {"502 without an error name", 0, NULL,
     {{502, NULL, "rid-502", "5", "<html>bad gateway</html>", 0}}, 1, SGN_ESERVICE, 3, "",
     "operation error signer: SignPayload, https response error StatusCode: 502, RequestID: "
     "rid-502",
     "rid-502", 502},
    {"200 not JSON", 0, NULL, {{200, NULL, "rid-x", NULL, "not json", 0}}, 1, SGN_EINTERNAL, 1,
     "", "operation error signer: SignPayload, could not decode the response: the body is not "
     "JSON",
     "", 0},
    {"200 without signature", 0, NULL, {{200, NULL, "rid-x", NULL, "{\"jobId\":\"j\"}", 0}}, 1,
     SGN_EINTERNAL, 1, "",
     "operation error signer: SignPayload, could not decode the response: it has no signature",
     "", 0},
    {"200 with a bad signature", 0, NULL,
     {{200, NULL, "rid-x", NULL, "{\"signature\":\"!!\"}", 0}}, 1, SGN_EINTERNAL, 1, "",
     "operation error signer: SignPayload, could not decode the response: signature is not "
     "base64",
     "", 0},
    {"200 with non-string metadata", 0, NULL,
     {{200, NULL, "rid-x", NULL, "{\"signature\":\"e30=\",\"metadata\":{\"k\":1}}", 0}}, 1,
     SGN_EINTERNAL, 1, "",
     "operation error signer: SignPayload, could not decode the response: metadata \"k\" is not "
     "a string",
     "", 0},
    {"revocation 403", 1, NULL,
     {{403, "AccessDeniedException", "rid-r403", NULL, "{\"Message\":\"denied\"}", 0}}, 1,
     SGN_EDENIED, 1, "AccessDeniedException", "denied", "rid-r403", 403},
    {"revocation 400", 1, NULL,
     {{400, "ValidationException", "rid-r400", NULL, VAL_BODY, 0}}, 1, SGN_EINVALID, 1,
     "ValidationException", "1 validation error detected", "rid-r400", 400},
    {"revocation 429 x3", 1, NULL,
     {{429, "TooManyRequestsException", "rid-r429", "5", TMR_BODY, 0}}, 1, SGN_ESERVICE, 3,
     "TooManyRequestsException", "Rate exceeded", "rid-r429", 429},
    {"revocation 500 x3", 1, NULL,
     {{500, "InternalServiceErrorException", "rid-r500", "5", ISE_BODY, 0}}, 1, SGN_ESERVICE, 3,
     "InternalServiceErrorException", "Internal failure", "rid-r500", 500},
    {"revocation entities not a list", 1, NULL,
     {{200, NULL, "rid-x", NULL, "{\"revokedEntities\":\"arn\"}", 0}}, 1, SGN_EINTERNAL, 1, "",
     "operation error signer: GetRevocationStatus, could not decode the response: "
     "revokedEntities is not a list",
     "", 0},
};

START_TEST(test_errors)
{
    const err_case *c = &err_cases[_i];
    char *ok = sign_ok_body();
    answer script[MAX_SCRIPT];
    const char *hashes[] = {HASH_A};
    sgn_revocation_query q = {1657134628, 0, SGN_PLATFORM_NOTATION, PV_ARN, JOB_ARN, hashes, 1};
    sgn_strlist revoked = SGN_STRLIST_INIT;
    sgn_sign_request req = sample_request();
    sgn_sign_result res;
    sgn_error err = SGN_ERROR_INIT;
    fake f;
    setup s;
    int i, rc;

    for (i = 0; i < c->n_script; i++) {
        script[i] = c->script[i];
        if (script[i].body == NULL)
            script[i].body = ok;
    }
    fake_start(&f, script, c->n_script);
    env_creds(&s.env);
    if (c->max_attempts != NULL)
        env_set(&s.env, "AWS_MAX_ATTEMPTS", c->max_attempts);
    setup_client(&s, &f);
    if (c->revocation)
        rc = sgn_aws_get_revocation_status(s.client, &q, &revoked, &err);
    else
        rc = sgn_aws_sign_payload(s.client, &req, &res, &err);
    ck_assert_msg(rc == c->rc, "%s: rc %d (%s), want %d", c->label, rc, err.msg, c->rc);
    ck_assert_int_eq(fake_count(&f), c->requests);
    if (rc < 0) {
        ck_assert_int_eq(err.code, c->rc);
        ck_assert_str_eq(err.svc_code, c->svc_code);
        if (c->svc_code[0] != '\0')
            ck_assert_str_eq(err.msg, c->msg);
        else
            ck_assert_msg(strncmp(err.msg, c->msg, strlen(c->msg)) == 0, "%s: \"%s\"", c->label,
                          err.msg);
        ck_assert_str_eq(err.request_id, c->request_id);
        ck_assert_int_eq(err.http_status, c->status);
    } else if (!c->revocation) {
        ck_assert_uint_eq(res.signature_len, strlen(envelope));
        ck_assert_str_eq(f.req[1].sdk_request, "attempt=2; max=3");
        sgn_sign_result_free(&res);
    }
    /* the attempt count goes to the debug log, never a secret */
    if (c->svc_code != NULL && c->svc_code[0] != '\0') {
        char want[64];
        snprintf(want, sizeof(want), "after %d attempt%s", c->requests,
                 c->requests == 1 ? "" : "s");
        ck_assert_msg(strstr(sgn_buf_cstr(&s.logbuf), want) != NULL, "log: %s",
                      sgn_buf_cstr(&s.logbuf));
    }
    ck_assert_ptr_null(strstr(sgn_buf_cstr(&s.logbuf), "wJalrXUtnFEMI"));
    sgn_buf_free(&s.logbuf);
    sgn_strlist_free(&revoked);
    setup_free(&s);
    fake_stop(&f);
    free(ok);
}
END_TEST

/* ---- refused before any request ---- */

START_TEST(test_partition_mismatch)
{
    answer script[] = {{200, NULL, "rid", NULL, "{}", 0}};
    const char *hashes[] = {HASH_A};
    sgn_revocation_query q = {1657134628, 0, SGN_PLATFORM_NOTATION,
                              "arn:aws-cn:signer:cn-north-1:123456789012:/signing-profiles/p/v",
                              "arn:aws-cn:signer:cn-north-1:123456789012:/signing-jobs/j", hashes,
                              1};
    sgn_strlist revoked = SGN_STRLIST_INIT;
    sgn_sign_request req = sample_request();
    sgn_sign_result res;
    sgn_error err = SGN_ERROR_INIT;
    fake f;
    setup s;

    fake_start(&f, script, N(script));
    env_creds(&s.env);
    setup_client(&s, &f);
    req.profile_arn = "arn:aws-us-gov:signer:us-gov-west-1:123456789012:/signing-profiles/p";
    ck_assert_int_eq(sgn_aws_sign_payload(s.client, &req, &res, &err), SGN_EINVALID);
    ck_assert_str_eq(err.msg,
                     "the signing profile is in partition aws-us-gov "
                     "(arn:aws-us-gov:signer:us-gov-west-1:123456789012:/signing-profiles/p) but "
                     "the region in use, us-east-1 (from pluginConfig aws-region), is in "
                     "partition aws; set pluginConfig aws-region to a region in partition "
                     "aws-us-gov");
    sgn_error_clear(&err);
    ck_assert_int_eq(sgn_aws_get_revocation_status(s.client, &q, &revoked, &err), SGN_EINVALID);
    ck_assert_ptr_nonnull(strstr(err.msg, "is in partition aws-cn"));
    ck_assert_ptr_nonnull(strstr(err.msg, "is in partition aws;"));
    ck_assert_int_eq(fake_count(&f), 0);
    setup_free(&s);
    fake_stop(&f);
}
END_TEST

START_TEST(test_lazy)
{
    sgn_error err = SGN_ERROR_INIT;
    sgn_backend *b = NULL;
    fake f;
    setup s;
    answer script[] = {{500, NULL, NULL, NULL, "{}", 0}};

    fake_start(&f, script, N(script));
    env_base(&s.env);
    setup_client(&s, &f);
    sgn_aws_client_free(s.client);
    ck_assert_sgn_ok(sgn_aws_backend_new(&b, &s.opts, &err), &err);
    ck_assert_ptr_nonnull(b);
    sgn_backend_free(b);
    ck_assert_int_eq(err.code, 0);
    ck_assert_int_eq(s.env.lookups, 0);   /* not even the environment was read */
    ck_assert_uint_eq(s.logbuf.len, 0);   /* nor anything logged */
    ck_assert_int_eq(fake_count(&f), 0);
    fake_stop(&f);
}
END_TEST

START_TEST(test_no_credentials)
{
    answer script[] = {{200, NULL, "rid", NULL, "{}", 0}};
    sgn_sign_request req = sample_request();
    sgn_sign_result res;
    sgn_error err = SGN_ERROR_INIT;
    fake f;
    setup s;

    fake_start(&f, script, N(script));
    env_base(&s.env);
    setup_client(&s, &f);
    ck_assert_int_lt(sgn_aws_sign_payload(s.client, &req, &res, &err), 0);
    ck_assert_msg(strncmp(err.msg, "operation error signer: SignPayload, ", 37) == 0, "%s",
                  err.msg);
    ck_assert_msg(strstr(err.msg, "environment") != NULL, "%s", err.msg);
    ck_assert_msg(strstr(err.msg, "AWS_EC2_METADATA_DISABLED") != NULL ||
                      strstr(err.msg, "IMDS") != NULL || strstr(err.msg, "instance") != NULL,
                  "%s", err.msg);
    ck_assert_str_eq(err.svc_code, "");
    ck_assert_int_eq(fake_count(&f), 0);
    setup_free(&s);
    fake_stop(&f);
}
END_TEST

/* Configuration errors: each is reported before any request. */
static const struct {
    const char *label;
    const char *profile, *region, *var, *value;
    int rc;
    const char *msg;
} config_cases[] = {
    {"unknown profile (pluginConfig)", "nope", "us-east-1", NULL, NULL, SGN_ECONFIG,
     "failed to get shared config profile, nope (not in /nonexistent/sgn-test/config or "
     "/nonexistent/sgn-test/credentials)"},
    {"unknown profile (AWS_PROFILE)", NULL, "us-east-1", "AWS_PROFILE", "dev", SGN_ECONFIG,
     "failed to get shared config profile, dev"},
    {"missing region", NULL, NULL, NULL, NULL, SGN_ECONFIG,
     "operation error signer: SignPayload, Invalid Configuration: Missing Region"},
    {"bad AWS_MAX_ATTEMPTS", NULL, "us-east-1", "AWS_MAX_ATTEMPTS", "three", SGN_ECONFIG,
     "operation error signer: SignPayload, AWS_MAX_ATTEMPTS \"three\" is not a positive "
     "integer"},
    {"AWS_MAX_ATTEMPTS=0", NULL, "us-east-1", "AWS_MAX_ATTEMPTS", "0", SGN_ECONFIG,
     "operation error signer: SignPayload, AWS_MAX_ATTEMPTS \"0\" is not a positive integer"},
    {"bad AWS_RETRY_MODE", NULL, "us-east-1", "AWS_RETRY_MODE", "fast", SGN_ECONFIG,
     "operation error signer: SignPayload, AWS_RETRY_MODE \"fast\" is not one of standard, "
     "adaptive, legacy"},
    {"FIPS + custom endpoint", NULL, "us-east-1", "AWS_USE_FIPS_ENDPOINT", "true", SGN_ECONFIG,
     "operation error signer: SignPayload, Invalid Configuration: FIPS and custom endpoint are "
     "not supported"},
};

START_TEST(test_config_errors)
{
    answer script[] = {{200, NULL, "rid", NULL, "{}", 0}};
    sgn_sign_request req = sample_request();
    sgn_sign_result res;
    sgn_error err = SGN_ERROR_INIT;
    fake f;
    setup s;

    fake_start(&f, script, N(script));
    env_creds(&s.env);
    if (config_cases[_i].var != NULL)
        env_set(&s.env, config_cases[_i].var, config_cases[_i].value);
    setup_client(&s, &f);
    s.opts.profile = config_cases[_i].profile;
    s.opts.region = config_cases[_i].region;
    sgn_aws_client_free(s.client);
    ck_assert_sgn_ok(sgn_aws_client_new(&s.client, &s.opts, &err), &err);
    req.profile_arn = NULL;
    ck_assert_int_eq(sgn_aws_sign_payload(s.client, &req, &res, &err), config_cases[_i].rc);
    ck_assert_msg(strncmp(err.msg, config_cases[_i].msg, strlen(config_cases[_i].msg)) == 0,
                  "%s: \"%s\"", config_cases[_i].label, err.msg);
    ck_assert_int_eq(fake_count(&f), 0);
    setup_free(&s);
    fake_stop(&f);
}
END_TEST

/* The region falls back to the ARN's when nothing else names one. */
START_TEST(test_region_from_arn)
{
    char *ok = sign_ok_body();
    answer script[] = {{200, NULL, "rid", NULL, ok, 0}};
    sgn_sign_request req = sample_request();
    sgn_sign_result res;
    sgn_error err = SGN_ERROR_INIT;
    fake f;
    setup s;

    fake_start(&f, script, N(script));
    env_creds(&s.env);
    setup_client(&s, &f);
    s.opts.region = NULL;
    sgn_aws_client_free(s.client);
    ck_assert_sgn_ok(sgn_aws_client_new(&s.client, &s.opts, &err), &err);
    req.profile_arn = "arn:aws:signer:eu-west-1:123456789012:/signing-profiles/my_profile";
    ck_assert_sgn_ok(sgn_aws_sign_payload(s.client, &req, &res, &err), &err);
    ck_assert_ptr_nonnull(strstr(f.req[0].authorization, "/eu-west-1/signer/aws4_request"));
    sgn_sign_result_free(&res);
    /* a second call reuses the client: same credentials, no new file reads needed */
    ck_assert_sgn_ok(sgn_aws_sign_payload(s.client, &req, &res, &err), &err);
    ck_assert_int_eq(fake_count(&f), 2);
    sgn_sign_result_free(&res);
    setup_free(&s);
    fake_stop(&f);
    free(ok);
}
END_TEST

/* The budget covers every attempt: a server that answers too late gives TIMEOUT. */
START_TEST(test_budget)
{
    answer script[] = {{200, NULL, "rid", NULL, "{}", 3000}};
    sgn_sign_request req = sample_request();
    sgn_sign_result res;
    sgn_error err = SGN_ERROR_INIT;
    struct timespec t0, t1;
    long elapsed;
    fake f;
    setup s;

    fake_start(&f, script, N(script));
    env_creds(&s.env);
    setup_client(&s, &f);
    s.opts.timeout_ms = 400;
    sgn_aws_client_free(s.client);
    ck_assert_sgn_ok(sgn_aws_client_new(&s.client, &s.opts, &err), &err);
    clock_gettime(CLOCK_MONOTONIC, &t0);
    ck_assert_int_eq(sgn_aws_sign_payload(s.client, &req, &res, &err), SGN_ETIMEOUT);
    clock_gettime(CLOCK_MONOTONIC, &t1);
    elapsed = (t1.tv_sec - t0.tv_sec) * 1000 + (t1.tv_nsec - t0.tv_nsec) / 1000000;
    ck_assert_msg(elapsed < 2500, "took %ld ms", elapsed);
    ck_assert_msg(strncmp(err.msg, "operation error signer: SignPayload, ", 37) == 0, "%s",
                  err.msg);
    setup_free(&s);
    fake_stop(&f);
}
END_TEST

/* ---- the backend table ---- */

START_TEST(test_backend)
{
    char *ok = sign_ok_body();
    answer script[] = {{200, NULL, "rid", NULL, ok, 0},
                       {200, NULL, "rid", NULL, "{\"revokedEntities\":[\"" HASH_A "\"]}", 0}};
    const char *hashes[] = {HASH_A};
    sgn_revocation_query q = {1657134628, 0, SGN_PLATFORM_NOTATION, PV_ARN, JOB_ARN, hashes, 1};
    sgn_strlist revoked = SGN_STRLIST_INIT;
    sgn_sign_request req = sample_request();
    sgn_sign_result res;
    sgn_error err = SGN_ERROR_INIT;
    sgn_backend *b = NULL;
    fake f;
    setup s;

    fake_start(&f, script, N(script));
    env_creds(&s.env);
    setup_client(&s, &f);
    ck_assert_sgn_ok(sgn_aws_backend_new(&b, &s.opts, &err), &err);
    ck_assert_str_eq(b->ops->name, "aws");
    ck_assert_sgn_ok(sgn_backend_sign_payload(b, &req, &res, &err), &err);
    ck_assert_uint_eq(res.metadata_len, 3);
    ck_assert_sgn_ok(sgn_backend_get_revocation_status(b, &q, &revoked, &err), &err);
    ck_assert_uint_eq(revoked.len, 1);
    ck_assert_int_eq(fake_count(&f), 2);
    sgn_strlist_free(&revoked);
    sgn_sign_result_free(&res);
    sgn_backend_free(b);
    setup_free(&s);
    fake_stop(&f);
    free(ok);
}
END_TEST

/* ---- User-Agent ---- */

static const struct {
    const char *version, *ua;
} ua_cases[] = {
    {"1.1.0", "aws-signer-notation-c/1.1.0 aws-signer-caller/NotationPlugin-1.1.0"},
    {"1.0 beta(x)/y", "aws-signer-notation-c/1.0-beta-x--y aws-signer-caller/NotationPlugin-1.0-beta-x--y"},
    {"a!#$%&'*+-.^_`|~z", "aws-signer-notation-c/a!#$%&'*+-.^_`|~z "
                          "aws-signer-caller/NotationPlugin-a!#$%&'*+-.^_`|~z"},
};

START_TEST(test_user_agent)
{
    char ua[160];
    char long_version[300];

    sgn_aws_user_agent(ua, ua_cases[_i].version);
    ck_assert_str_eq(ua, ua_cases[_i].ua);
    memset(long_version, '9', sizeof(long_version) - 1);
    long_version[sizeof(long_version) - 1] = '\0';
    sgn_aws_user_agent(ua, long_version);
    ck_assert_uint_lt(strlen(ua), 160);
    ck_assert_ptr_nonnull(strstr(ua, " aws-signer-caller/NotationPlugin-999"));
}
END_TEST

static Suite *aws_signer_suite(void)
{
    Suite *s = suite_create("aws_signer");
    TCase *tc = tcase_create("signer");

    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, test_sign_payload_request_and_response);
    tcase_add_loop_test(tc, test_sign_payload_owner, 0, N(owner_cases));
    tcase_add_loop_test(tc, test_revocation_query, 0, N(ts_cases));
    tcase_add_loop_test(tc, test_revocation_empty, 0, N(empty_revocation_bodies));
    tcase_add_loop_test(tc, test_errors, 0, N(err_cases));
    tcase_add_test(tc, test_partition_mismatch);
    tcase_add_test(tc, test_lazy);
    tcase_add_test(tc, test_no_credentials);
    tcase_add_loop_test(tc, test_config_errors, 0, N(config_cases));
    tcase_add_test(tc, test_region_from_arn);
    tcase_add_test(tc, test_budget);
    tcase_add_test(tc, test_backend);
    tcase_add_loop_test(tc, test_user_agent, 0, N(ua_cases));
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    return sgn_check_run(aws_signer_suite());
}
