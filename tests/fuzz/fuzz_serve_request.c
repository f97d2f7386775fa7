/* Fuzz target: signer-local serve's request parsing (service/serve/): routing on the raw path
 * segments and label percent-decoding, the query (repeated keys, ISO 8601 times, integers,
 * booleans), the JSON body into the operation's input (routes.c), the whole request through
 * sv_handle (handler.c), the AWS-shaped success and error responses (respond.c) and the audit
 * record built from the input (audit.c).
 *
 * The input is an HTTP request without the version, one field a line:
 *
 *     METHOD\n
 *     TARGET\n               raw path, optionally ?raw query
 *     Name: value\n          at most 8 headers, up to an empty line
 *     \n
 *     BODY                   the rest, any bytes, handed over without a terminating NUL
 *
 * Authentication is a stand-in (a request with an Authorization header is the caller
 * arn:aws:iam::111122223333:role/builder, one without is refused with
 * MissingAuthenticationTokenException), and every operation the real table implements is an
 * echo that answers its input, or, when the input has "fuzzError" (an AWS error name) and/or
 * "fuzzCode" (a number), the error they name with "fuzzMessage" as its message, so that the
 * error rendering sees every name, status and message. "x-fuzz-too-large: 1" marks the body
 * as having outgrown SV_MAX_BODY. No store, no socket, no audit file. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "serve.h"

#define MAX_HEADERS 8

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int64_t fixed_clock(void)
{
    return INT64_C(1767225600000);
}

static int fake_auth(void *ctx, sgn_authority *a, const sgn_sigv4_request *req,
                     sv_identity *who, sgn_error *err)
{
    size_t i;

    (void)ctx;
    (void)a;
    for (i = 0; i < req->n_headers; i++)
        if (strcasecmp(req->headers[i].key, "Authorization") == 0) {
            snprintf(who->account_id, sizeof(who->account_id), "111122223333");
            snprintf(who->principal, sizeof(who->principal),
                     "arn:aws:iam::111122223333:role/builder");
            snprintf(who->access_key_id, sizeof(who->access_key_id), "AKIAFUZZ");
            return SGN_OK;
        }
    return sv_error(err, "MissingAuthenticationTokenException", "Missing Authentication Token");
}

static sgn_authority *fake_handle(void *ctx, sgn_error *err)
{
    (void)ctx;
    (void)err;
    return (sgn_authority *)"not a store";
}

static int echo(sgn_authority *a, const cJSON *in, cJSON **out, sgn_error *err)
{
    const cJSON *name = cJSON_GetObjectItemCaseSensitive(in, "fuzzError");
    const cJSON *code = cJSON_GetObjectItemCaseSensitive(in, "fuzzCode");
    const cJSON *msg = cJSON_GetObjectItemCaseSensitive(in, "fuzzMessage");
    const char *text = cJSON_IsString(msg) ? msg->valuestring : "fuzzed";
    int n = cJSON_IsNumber(code) ? code->valueint : 0;

    (void)a;
    if (cJSON_IsString(name))   /* n as the HTTP status: 0 or nonsense included */
        return sgn_error_set_service(err, n, name->valuestring, NULL, "%s", text);
    if (cJSON_IsNumber(code))   /* a local failure: every sgn_code */
        return sgn_error_set(err, -(int)((unsigned)n % 16u) - 1, "%s", text);
    if ((*out = cJSON_Duplicate(in, 1)) == NULL)
        return sgn_error_set(err, SGN_ENOMEM, "out of memory");
    return SGN_OK;
}

static sv_operation ops[32];
static size_t n_ops;

static void init_ops(void)
{
    size_t i;

    for (i = 0; i < sv_n_operations && i < sizeof(ops) / sizeof(ops[0]); i++) {
        ops[i].name = sv_operations[i].name;
        ops[i].call = sv_operations[i].call ? echo : NULL;   /* "not yet supported" stays */
    }
    n_ops = i;
}

/* The next line of [*p, end) as a malloc'd string (an embedded NUL ends it, as on the wire). */
static char *next_line(const uint8_t **p, const uint8_t *end)
{
    const uint8_t *nl = memchr(*p, '\n', (size_t)(end - *p));
    size_t n = (size_t)((nl ? nl : end) - *p);
    char *s = malloc(n + 1);

    if (s != NULL) {
        memcpy(s, *p, n);
        s[n] = '\0';
    }
    *p = nl ? nl + 1 : end;
    return s;
}

static void audit_input(const sv_match *m, const char *query, const uint8_t *body, size_t body_len,
                        const sv_response *resp)
{
    sgn_error err = SGN_ERROR_INIT;
    sv_identity who;
    sv_audit_event ev;
    cJSON *in = NULL, *rec = NULL;

    if (sv_build_input(&in, m, query, (const char *)body, body_len, &err) < 0) {
        sv_response r;

        memset(&r, 0, sizeof(r));
        sv_respond_error(&r, &err);   /* the error as the client would see it */
        sv_response_free(&r);
        return;
    }
    memset(&who, 0, sizeof(who));
    snprintf(who.account_id, sizeof(who.account_id), "111122223333");
    snprintf(who.principal, sizeof(who.principal), "arn:aws:iam::111122223333:role/builder");
    memset(&ev, 0, sizeof(ev));
    ev.event_name = m->route->operation;
    ev.time_ms = fixed_clock();
    ev.region = "us-east-1";
    ev.source_ip = "127.0.0.1";
    ev.user_agent = "fuzz";
    ev.who = &who;
    ev.request = in;
    ev.response = in;
    ev.read_only = m->route->read_only;
    ev.request_id = resp->request_id;
    ev.error_code = resp->error_type;
    ev.error_message = resp->error_message;
    ev.recipient_account = who.account_id;
    if (sv_audit_record(&rec, &ev, &err) == SGN_OK) {
        char *text = cJSON_PrintUnformatted(rec);
        free(text);
    }
    cJSON_Delete(rec);
    cJSON_Delete(in);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const uint8_t *p = data, *end = data + size;
    char *method = NULL, *target = NULL, *lines[MAX_HEADERS] = {0}, *path = NULL;
    const char *query;
    sgn_kv headers[MAX_HEADERS];
    size_t n_headers = 0, i, body_len;
    uint8_t *body = NULL;
    int too_large = 0;
    sv_service s;
    sv_request req;
    sv_response resp;
    sv_match m;
    sgn_error err = SGN_ERROR_INIT;

    if (n_ops == 0)
        init_ops();
    if ((method = next_line(&p, end)) == NULL || (target = next_line(&p, end)) == NULL)
        goto done;
    while (p < end && *p != '\n' && n_headers < MAX_HEADERS) {
        char *line = next_line(&p, end), *colon;

        if (line == NULL)
            goto done;
        if ((colon = strchr(line, ':')) == NULL) {
            free(line);   /* not a header: dropped */
            continue;
        }
        lines[n_headers] = line;
        *colon++ = '\0';
        colon += strspn(colon, " \t");
        headers[n_headers].key = line;
        headers[n_headers].value = colon;
        if (strcasecmp(line, "x-fuzz-too-large") == 0)
            too_large = 1;
        n_headers++;
    }
    if (p < end && *p == '\n')
        p++;
    /* The body in a buffer of exactly its size: nothing may read past body_len. */
    body_len = (size_t)(end - p);
    if (body_len > 0 && (body = malloc(body_len)) == NULL)
        goto done;
    if (body_len > 0)
        memcpy(body, p, body_len);

    /* The whole request, as the daemon hands it over. */
    memset(&s, 0, sizeof(s));
    s.routes = sv_routes;
    s.n_routes = sv_n_routes;
    s.ops = ops;
    s.n_ops = n_ops;
    s.authenticate = fake_auth;
    s.handle = fake_handle;
    s.region = "us-east-1";
    s.account = "000000000000";
    s.version = "fuzz";
    s.clock_ms = fixed_clock;
    req.method = method;
    req.target = target;
    req.headers = headers;
    req.n_headers = n_headers;
    req.body = body;
    req.body_len = too_large ? 0 : body_len;
    req.body_too_large = too_large;
    req.source_ip = "127.0.0.1";
    sv_handle(&s, &req, &resp);

    /* The layers one by one: route, input, the audit record of the input. */
    query = strchr(target, '?');
    if ((path = strndup(target, query ? (size_t)(query - target) : strlen(target))) == NULL)
        goto done_resp;
    query = query ? query + 1 : "";
    if (sv_route_match(&m, sv_routes, sv_n_routes, method, path, &err) == SGN_OK) {
        audit_input(&m, query, body, body_len, &resp);
        sv_match_free(&m);
    } else {
        sv_response r;

        memset(&r, 0, sizeof(r));
        sv_respond_error(&r, &err);
        sv_response_free(&r);
    }
    (void)sv_status_for(method);
done_resp:
    sv_response_free(&resp);
done:
    free(path);
    free(body);
    for (i = 0; i < MAX_HEADERS; i++)
        free(lines[i]);
    free(target);
    free(method);
    return 0;
}

#include "fuzz_main.h"
