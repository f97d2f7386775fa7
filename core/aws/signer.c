/* The AWS Signer client (see sgn/aws_signer.h). */
#include "sgn/aws_signer.h"

#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include <cjson/cJSON.h>

#include "sgn/arn.h"
#include "sgn/aws_config.h"
#include "sgn/aws_creds.h"
#include "sgn/aws_endpoint.h"
#include "sgn/aws_http.h"
#include "sgn/aws_sigv4.h"
#include "sgn/buf.h"
#include "sgn/tls_ca.h"
#include "sgn/util.h"

/* Credentials are fetched again this long before they expire. */
#define CREDS_REFRESH_MARGIN_S 60

struct sgn_aws_client {
    sgn_aws_options opts;        /* pointers only, owned by the caller */
    sgn_aws_config *config;      /* loaded on the first call */
    sgn_aws_creds creds;         /* cached after the first successful resolution */
    int have_creds;
    sgn_aws_retry retry;         /* the token bucket lives as long as the client */
    char user_agent[160];
};

/* Everything one call needs, set up by call_begin(). */
typedef struct call_ctx {
    const char *op;
    const sgn_aws_env *env;
    const char *profile;
    int profile_explicit;
    sgn_aws_endpoints ep;
    char *ca_bundle;
    sgn_tls_ca ca;               /* the system store, when no ca_bundle */
    char *proxy;                 /* for the Signer endpoint of this call */
    sgn_http_opts http;
    int64_t start_ms;
    long budget_ms;
} call_ctx;

static int nonempty(const char *s)
{
    return s != NULL && s[0] != '\0';
}

/* ---- User-Agent ---- */

/* The Go SDK's user-agent token rule: anything outside [A-Za-z0-9!#$%&'*+-.^_`|~] becomes '-'. */
static void ua_sanitise(char *out, size_t cap, const char *in)
{
    static const char extra[] = "!#$%&'*+-.^_`|~";
    size_t i;

    for (i = 0; in[i] != '\0' && i + 1 < cap; i++) {
        unsigned char ch = (unsigned char)in[i];
        int ok = (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
                 (ch >= '0' && ch <= '9') || (ch != '\0' && strchr(extra, ch) != NULL);
        out[i] = ok ? (char)ch : '-';
    }
    out[i] = '\0';
}

void sgn_aws_user_agent(char out[160], const char *version)
{
    char v[48];              /* both copies fit in 160 bytes */

    ua_sanitise(v, sizeof(v), nonempty(version) ? version : "unknown");
    snprintf(out, 160, "aws-signer-notation-c/%s aws-signer-caller/NotationPlugin-%s", v, v);
}

/* ---- the client ---- */

int sgn_aws_client_new(sgn_aws_client **out, const sgn_aws_options *opts, sgn_error *err)
{
    sgn_aws_client *c = calloc(1, sizeof(*c));
    sgn_aws_retry r = SGN_AWS_RETRY_INIT;
    sgn_aws_creds none = SGN_AWS_CREDS_INIT;

    *out = NULL;
    if (c == NULL)
        return sgn_error_set(err, SGN_ENOMEM, "out of memory");
    if (opts != NULL)
        c->opts = *opts;
    c->creds = none;
    c->retry = r;
    sgn_aws_user_agent(c->user_agent, c->opts.user_agent_version);
    *out = c;
    return SGN_OK;
}

void sgn_aws_client_free(sgn_aws_client *c)
{
    if (c == NULL)
        return;
    sgn_aws_config_free(c->config);
    sgn_aws_creds_free(&c->creds);
    free(c);
}

/* Re-raise a failure of a step with the Go SDK's "operation error" prefix. The API error fields
 * are dropped on purpose: this is not a Signer API error, and the plugin prints the message as it
 * is. Timeouts, transport failures and out-of-memory keep their code; configuration and
 * credential problems (invalid settings, no credentials, an STS refusal) become SGN_ECONFIG,
 * which the plugin reports as ERROR, as the Go plugin does for anything that is not an AWS
 * Signer answer. */
static int op_fail(sgn_error *err, const char *op, const sgn_error *cause)
{
    int code = cause->code;

    if (code != SGN_ETIMEOUT && code != SGN_ENETWORK && code != SGN_ENOMEM &&
        code != SGN_EINTERNAL)
        code = SGN_ECONFIG;
    return sgn_error_set(err, code, "operation error signer: %s, %s", op, cause->msg);
}

/* AWS_MAX_ATTEMPTS / max_attempts and AWS_RETRY_MODE / retry_mode. */
static int retry_settings(sgn_aws_client *c, call_ctx *cc, sgn_error *err)
{
    const char *v, *src = "AWS_MAX_ATTEMPTS";
    char *end;
    long n;

    c->retry.max_attempts = 3;
    if ((v = sgn_aws_getenv_nonempty(cc->env, "AWS_MAX_ATTEMPTS")) == NULL) {
        v = sgn_aws_config_get(c->config, cc->profile, "max_attempts");
        src = "max_attempts";
    }
    if (v != NULL) {
        errno = 0;
        n = strtol(v, &end, 10);
        if (end == v || *end != '\0' || errno != 0 || n < 1 || n > INT_MAX)
            return sgn_error_set(err, SGN_EINVALID,
                                 "%s%s \"%s\" is not a positive integer",
                                 strcmp(src, "AWS_MAX_ATTEMPTS") == 0 ? "" : "profile setting ",
                                 src, v);
        c->retry.max_attempts = (int)n;
    }
    /* standard, legacy and adaptive all run as the standard mode: legacy differs only in
     * its defaults (botocore's 5 attempts) and adaptive adds client-side rate limiting, which a
     * process making one call has no use for. */
    src = "AWS_RETRY_MODE";
    if ((v = sgn_aws_getenv_nonempty(cc->env, "AWS_RETRY_MODE")) == NULL) {
        v = sgn_aws_config_get(c->config, cc->profile, "retry_mode");
        src = "profile setting retry_mode";
    }
    if (v != NULL && strcasecmp(v, "standard") != 0 && strcasecmp(v, "legacy") != 0 &&
        strcasecmp(v, "adaptive") != 0)
        return sgn_error_set(err, SGN_EINVALID,
                             "%s \"%s\" is not one of standard, adaptive, legacy", src, v);
    return SGN_OK;
}

/* Milliseconds left of the call's budget (at least 1 while any is left, 0 when spent). */
static long remaining_ms(const call_ctx *cc)
{
    long left = cc->budget_ms - (long)(sgn_mono_ms() - cc->start_ms);

    return left > 0 ? left : 0;
}

/* The partition of the ARN at hand must be the partition of the region in use. */
static int check_partition(const call_ctx *cc, const sgn_arn *arn, const char *arn_str,
                           const char *what, sgn_error *err)
{
    if (arn == NULL || strcmp(arn->partition, cc->ep.partition) == 0)
        return SGN_OK;
    return sgn_error_set(err, SGN_EINVALID,
                         "%s is in partition %s (%s) but the region in use, %s (from %s), is in "
                         "partition %s; set pluginConfig aws-region to a region in partition "
                         "%s",
                         what, arn->partition, arn_str, cc->ep.region, cc->ep.region_source,
                         cc->ep.partition, arn->partition);
}

static void call_end(call_ctx *cc)
{
    sgn_aws_endpoints_free(&cc->ep);
    free(cc->ca_bundle);
    sgn_tls_ca_free(&cc->ca);
    free(cc->proxy);
}

/* Everything before the request: the shared files, the profile, the endpoints, the partition
 * check, the retry settings, then the credentials (the only step that may touch the network). */
static int call_begin(call_ctx *cc, sgn_aws_client *c, const char *op, const char *arn_str,
                      const char *arn_what, const char *url_kind, long default_budget,
                      sgn_error *err)
{
    static const sgn_aws_endpoints no_ep = SGN_AWS_ENDPOINTS_INIT;
    sgn_error e = SGN_ERROR_INIT;
    sgn_arn arn = SGN_ARN_INIT;
    int have_arn = 0, rc;
    sgn_aws_endpoint_input in;
    const char *v, *url;

    memset(cc, 0, sizeof(*cc));
    cc->ep = no_ep;
    cc->op = op;
    cc->env = c->opts.env;
    cc->start_ms = sgn_mono_ms();
    cc->budget_ms = c->opts.timeout_ms > 0 ? c->opts.timeout_ms : default_budget;

    if (c->config == NULL && (rc = sgn_aws_config_load(&c->config, cc->env, &e)) < 0)
        return op_fail(err, op, &e);
    cc->profile = sgn_aws_profile_name(c->opts.profile, cc->env, &cc->profile_explicit);
    if (cc->profile_explicit && !sgn_aws_config_has_profile(c->config, cc->profile))
        /* the Go plugin's words (LoadDefaultConfig fails before any operation) */
        return sgn_error_set(err, SGN_ECONFIG,
                             "failed to get shared config profile, %s (not in %s or %s)",
                             cc->profile, sgn_aws_config_path(c->config),
                             sgn_aws_credentials_path(c->config));

    if (nonempty(arn_str) && sgn_arn_parse(&arn, arn_str, NULL) == SGN_OK)
        have_arn = 1;
    in.region_option = c->opts.region;
    in.endpoint_option = c->opts.endpoint_url;
    in.arn_region = have_arn ? arn.region : NULL;
    in.env = cc->env;
    in.config = c->config;
    in.profile = cc->profile;
    if ((rc = sgn_aws_resolve_endpoints(&cc->ep, &in, &e)) < 0) {
        rc = op_fail(err, op, &e);
        goto out;
    }
    if ((rc = check_partition(cc, have_arn ? &arn : NULL, arn_str, arn_what, err)) < 0)
        goto out;
    if ((rc = retry_settings(c, cc, &e)) < 0) {
        rc = op_fail(err, op, &e);
        goto out;
    }
    c->retry.budget_total_ms = cc->budget_ms; /* what messages name; budget_ms is what is left */

    /* transport settings */
    if ((v = sgn_aws_getenv_nonempty(cc->env, "AWS_CA_BUNDLE")) == NULL)
        v = sgn_aws_profile_get(c->config, cc->profile, "ca_bundle");
    if (nonempty(v) && (rc = sgn_strdup(&cc->ca_bundle, v, err)) < 0)
        goto out;
    if (cc->ca_bundle == NULL &&
        (rc = sgn_tls_ca_find(&cc->ca, sgn_aws_getenv_nonempty(cc->env, "SSL_CERT_FILE"),
                              sgn_aws_getenv_nonempty(cc->env, "SSL_CERT_DIR"), err)) < 0)
        goto out;
    url = strcmp(url_kind, "data") == 0 ? cc->ep.data_url : cc->ep.signer_url;
    if ((rc = sgn_http_proxy_for(&cc->proxy, cc->env, url, &e)) < 0) {
        rc = op_fail(err, op, &e);
        goto out;
    }
    cc->http.connect_timeout_ms = c->opts.connect_timeout_ms;
    cc->http.timeout_ms = 0;       /* sgn_aws_send cuts each attempt to the budget left */
    cc->http.ca_bundle = cc->ca_bundle;
    cc->http.ca_file = cc->ca.file;
    cc->http.ca_dirs = cc->ca.dirs;
    if (cc->ca_bundle != NULL)
        sgn_aws_logf(c->opts.log, "signer: TLS CA bundle %s (AWS_CA_BUNDLE or ca_bundle)",
                     cc->ca_bundle);
    else
        sgn_aws_logf(c->opts.log, "signer: TLS CA file %s, directories %s",
                     cc->ca.file != NULL ? cc->ca.file : "(none)",
                     cc->ca.dirs != NULL ? cc->ca.dirs : "(none)");
    cc->http.proxy = cc->proxy;
    cc->http.log = c->opts.log;
    sgn_aws_logf(c->opts.log,
                 "signer: %s: profile %s, region %s (from %s), endpoint %s (from %s), "
                 "budget %ld ms, max attempts %d",
                 op, cc->profile, cc->ep.region, cc->ep.region_source, url,
                 strcmp(url_kind, "data") == 0 ? cc->ep.data_source : cc->ep.signer_source,
                 cc->budget_ms, c->retry.max_attempts);

    /* credentials, once per client (again when they are about to expire) */
    if (c->have_creds && c->creds.expiration != 0 &&
        (int64_t)time(NULL) >= c->creds.expiration - CREDS_REFRESH_MARGIN_S) {
        sgn_aws_creds_free(&c->creds);
        c->have_creds = 0;
    }
    if (!c->have_creds) {
        sgn_aws_cred_ctx cx;
        sgn_http_opts sts_http = cc->http;
        char *sts_proxy = NULL;

        /* STS is reached through its own proxy setting; IMDS and container endpoints are the
         * credential module's business */
        if ((rc = sgn_http_proxy_for(&sts_proxy, cc->env, cc->ep.sts_url, &e)) < 0) {
            rc = op_fail(err, op, &e);
            goto out;
        }
        sts_http.proxy = sts_proxy;
        memset(&cx, 0, sizeof(cx));
        cx.env = cc->env;
        cx.config = c->config;
        cx.profile = cc->profile;
        cx.profile_explicit = cc->profile_explicit;
        cx.profile_first = nonempty(c->opts.profile);
        cx.region = cc->ep.region;
        cx.sts_endpoint = cc->ep.sts_url;
        cx.http = &sts_http;
        cx.retry = &c->retry;
        cx.user_agent = c->user_agent;
        cx.log = c->opts.log;
        cx.secrets = c->opts.secrets;
        cx.now = (int64_t)time(NULL);
        c->retry.budget_ms = remaining_ms(cc);
        if (c->retry.budget_ms <= 0) {
            free(sts_proxy);
            rc = sgn_error_set(err, SGN_ETIMEOUT,
                               "operation error signer: %s, the %ld ms budget ran out before "
                               "the credentials were resolved",
                               op, cc->budget_ms);
            goto out;
        }
        rc = sgn_aws_resolve_credentials(&c->creds, &cx, &e);
        free(sts_proxy);
        if (rc < 0) {
            sgn_aws_creds_free(&c->creds);
            rc = op_fail(err, op, &e);
            goto out;
        }
        c->have_creds = 1;
        sgn_aws_logf(c->opts.log, "signer: credentials from %s", c->creds.source);
    }
    c->retry.budget_ms = remaining_ms(cc);
    if (c->retry.budget_ms <= 0) {
        rc = sgn_error_set(err, SGN_ETIMEOUT,
                           "operation error signer: %s, the %ld ms budget ran out while resolving "
                           "credentials",
                           op, cc->budget_ms);
        goto out;
    }
    rc = SGN_OK;
out:
    sgn_arn_free(&arn);
    if (rc < 0)
        call_end(cc);
    return rc;
}

static int body_blank(const sgn_http_response *r);

/* Send and map the answer: SGN_OK with a 2xx response, else the error as the header says. */
static int call_send(sgn_http_response *resp, sgn_aws_client *c, call_ctx *cc,
                     sgn_aws_call *call, sgn_error *err)
{
    sgn_error e = SGN_ERROR_INIT;
    sgn_aws_api_error ae;
    int rc;

    call->operation = cc->op;
    call->region = cc->ep.region;
    call->service = "signer";
    call->creds = &c->creds;
    call->user_agent = c->user_agent;
    if ((rc = sgn_aws_send(resp, call, &cc->http, &c->retry, &e)) < 0)
        return op_fail(err, cc->op, &e);
    if (resp->status >= 200 && resp->status < 300) {
        sgn_aws_logf(c->opts.log, "signer: %s answered HTTP %ld after %d attempt%s", cc->op,
                     resp->status, resp->attempts, resp->attempts == 1 ? "" : "s");
        return SGN_OK;
    }
    sgn_aws_parse_error(&ae, resp);
    sgn_aws_logf(c->opts.log, "signer: %s failed with HTTP %ld %s after %d attempt%s (request id %s)",
                 cc->op, resp->status, ae.code[0] ? ae.code : "(no error code)", resp->attempts,
                 resp->attempts == 1 ? "" : "s", ae.request_id[0] ? ae.request_id : "none");
    if (ae.code[0] == '\0') {
        /* no error name in the response: the SDK's ResponseError text, not an API error; then
         * what there is to say about it (a header message, or a body that is not an AWS error,
         * such as a proxy's HTML page) */
        char why[600] = "";
        if (ae.message[0] != '\0') {
            snprintf(why, sizeof(why), ", %s", ae.message);
        } else if (!body_blank(resp)) {
            const char *ct = sgn_http_header(resp, "Content-Type");
            snprintf(why, sizeof(why),
                     ", the body is not an AWS error response (Content-Type %.200s)",
                     ct != NULL && ct[0] != '\0' ? ct : "not given");
        }
        return sgn_error_set_service(err, (int)resp->status, "", ae.request_id,
                                     "operation error signer: %s, https response error "
                                     "StatusCode: %ld, RequestID: %s%s",
                                     cc->op, resp->status, ae.request_id, why);
    }
    /* smithy's ErrorMessage(): the message, or the code when there is none */
    return sgn_error_set_service(err, (int)resp->status, ae.code, ae.request_id, "%s",
                                 ae.message[0] ? ae.message : ae.code);
}

/* A 2xx answer we cannot read is neither the caller's mistake (VALIDATION_ERROR would blame
 * the request) nor a transport failure (retrying will not help): it is an unexpected condition
 * on our side of the contract, hence SGN_EINTERNAL ("ERROR" for Notation). */
static int decode_fail(sgn_error *err, int code, const char *op, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static int decode_fail(sgn_error *err, int code, const char *op, const char *fmt, ...)
{
    char what[600];
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(what, sizeof(what), fmt, ap);
    va_end(ap);
    return sgn_error_set(err, code, "operation error signer: %s, could not decode the response: %s",
                         op, what);
}

static int body_blank(const sgn_http_response *r)
{
    size_t i;

    for (i = 0; i < r->body_len; i++)
        if (r->body[i] != ' ' && r->body[i] != '\t' && r->body[i] != '\r' && r->body[i] != '\n')
            return 0;
    return 1;
}

/* Parse a JSON object body; a blank body is an empty object, as smithy's decoders take it. */
static int parse_body(cJSON **out, const sgn_http_response *r, const char *op, sgn_error *err)
{
    *out = body_blank(r) ? cJSON_CreateObject()
                         : cJSON_ParseWithLength((const char *)r->body, r->body_len);
    if (*out == NULL)
        return decode_fail(err, SGN_EINTERNAL, op, "%s", "the body is not JSON");
    if (!cJSON_IsObject(*out)) {
        cJSON_Delete(*out);
        *out = NULL;
        return decode_fail(err, SGN_EINTERNAL, op, "%s", "the body is not a JSON object");
    }
    return SGN_OK;
}

/* An optional string member: NULL when absent or null. */
static int opt_string(const char **out, const cJSON *o, const char *name, const char *op,
                      sgn_error *err)
{
    const cJSON *m = cJSON_GetObjectItemCaseSensitive(o, name);

    *out = NULL;
    if (m == NULL || cJSON_IsNull(m))
        return SGN_OK;
    if (!cJSON_IsString(m))
        return decode_fail(err, SGN_EINTERNAL, op, "%s is not a string", name);
    *out = m->valuestring;
    return SGN_OK;
}

static int kv_cmp(const void *a, const void *b)
{
    return strcmp(((const sgn_kv *)a)->key, ((const sgn_kv *)b)->key);
}

static int decode_metadata(sgn_sign_result *res, const cJSON *md, const char *op, sgn_error *err)
{
    const cJSON *m;
    size_t n = 0, i;
    int rc;

    if (md == NULL || cJSON_IsNull(md))
        return SGN_OK;
    if (!cJSON_IsObject(md))
        return decode_fail(err, SGN_EINTERNAL, op, "%s", "metadata is not an object");
    cJSON_ArrayForEach(m, md)
        n++;
    if (n == 0)
        return SGN_OK;
    if ((res->metadata = calloc(n, sizeof(*res->metadata))) == NULL)
        return sgn_error_set(err, SGN_ENOMEM, "out of memory");
    cJSON_ArrayForEach(m, md) {
        sgn_kv *slot = NULL;

        if (!cJSON_IsString(m))
            return decode_fail(err, SGN_EINTERNAL, op, "metadata \"%s\" is not a string",
                               m->string);
        /* a repeated key: the last one wins, as in Go's map decoding */
        for (i = 0; i < res->metadata_len; i++)
            if (strcmp(res->metadata[i].key, m->string) == 0)
                slot = &res->metadata[i];
        if (slot != NULL) {
            free(slot->value);
            slot->value = NULL;
            if ((rc = sgn_strdup(&slot->value, m->valuestring, err)) < 0)
                return rc;
            continue;
        }
        slot = &res->metadata[res->metadata_len];
        if ((rc = sgn_strdup(&slot->key, m->string, err)) < 0)
            return rc;
        res->metadata_len++;
        if ((rc = sgn_strdup(&slot->value, m->valuestring, err)) < 0)
            return rc;
    }
    qsort(res->metadata, res->metadata_len, sizeof(*res->metadata), kv_cmp);
    return SGN_OK;
}

static int decode_sign_response(sgn_sign_result *res, const sgn_http_response *r, const char *op,
                                sgn_error *err)
{
    cJSON *root = NULL;
    const cJSON *sig;
    const char *s;
    sgn_error e = SGN_ERROR_INIT;
    int rc;

    if ((rc = parse_body(&root, r, op, err)) < 0)
        return rc;
    if ((rc = opt_string(&s, root, "jobId", op, err)) < 0 ||
        (s != NULL && (rc = sgn_strdup(&res->job_id, s, err)) < 0) ||
        (rc = opt_string(&s, root, "jobOwner", op, err)) < 0 ||
        (s != NULL && (rc = sgn_strdup(&res->job_owner, s, err)) < 0) ||
        (rc = decode_metadata(res, cJSON_GetObjectItemCaseSensitive(root, "metadata"), op,
                              err)) < 0)
        goto out;
    sig = cJSON_GetObjectItemCaseSensitive(root, "signature");
    if (sig == NULL || cJSON_IsNull(sig)) {
        rc = decode_fail(err, SGN_EINTERNAL, op, "%s", "it has no signature");
        goto out;
    }
    if (!cJSON_IsString(sig)) {
        rc = decode_fail(err, SGN_EINTERNAL, op, "%s", "signature is not a string");
        goto out;
    }
    if (sgn_b64_decode(&res->signature, &res->signature_len, sig->valuestring,
                       strlen(sig->valuestring), &e) < 0) {
        rc = decode_fail(err, SGN_EINTERNAL, op, "signature is not base64: %s", e.msg);
        goto out;
    }
    if (res->signature_len == 0) {
        rc = decode_fail(err, SGN_EINTERNAL, op, "%s", "the signature is empty");
        goto out;
    }
    rc = SGN_OK;
out:
    cJSON_Delete(root);
    return rc;
}

static int build_sign_body(char **out, const sgn_sign_request *req, sgn_error *err)
{
    cJSON *o = cJSON_CreateObject();
    char *b64 = NULL;
    int rc = SGN_ENOMEM;

    *out = NULL;
    if (o == NULL)
        goto nomem;
    if ((rc = sgn_b64_encode(&b64, req->payload != NULL ? req->payload : (const unsigned char *)"",
                             req->payload_len, err)) < 0)
        goto out;
    /* the members in Go's order (sorted); profileOwner whenever given, even "" */
    if (!cJSON_AddStringToObject(o, "payload", b64) ||
        (req->payload_format != NULL &&
         !cJSON_AddStringToObject(o, "payloadFormat", req->payload_format)) ||
        (req->profile_name != NULL &&
         !cJSON_AddStringToObject(o, "profileName", req->profile_name)) ||
        (req->profile_owner != NULL &&
         !cJSON_AddStringToObject(o, "profileOwner", req->profile_owner)))
        goto nomem;
    if ((*out = cJSON_PrintUnformatted(o)) == NULL)
        goto nomem;
    rc = SGN_OK;
    goto out;
nomem:
    rc = sgn_error_set(err, SGN_ENOMEM, "out of memory");
out:
    free(b64);
    cJSON_Delete(o);
    return rc;
}

int sgn_aws_sign_payload(sgn_aws_client *c, const sgn_sign_request *req, sgn_sign_result *out,
                         sgn_error *err)
{
    static const char *const op = "SignPayload";
    sgn_sign_result res = {0};
    sgn_http_response resp = SGN_HTTP_RESPONSE_INIT;
    sgn_aws_call call;
    call_ctx cc;
    char *body = NULL;
    int rc;

    memset(out, 0, sizeof(*out));
    if ((rc = call_begin(&cc, c, op, req->profile_arn, "the signing profile", "signer",
                         SGN_AWS_DEFAULT_SIGN_TIMEOUT_MS, err)) < 0)
        return rc;
    if ((rc = build_sign_body(&body, req, err)) < 0)
        goto out;
    memset(&call, 0, sizeof(call));
    call.method = "POST";
    call.endpoint = cc.ep.signer_url;
    call.path = "/signing-jobs/with-payload";
    call.content_type = "application/json";
    call.body = (const unsigned char *)body;
    call.body_len = strlen(body);
    if ((rc = call_send(&resp, c, &cc, &call, err)) < 0)
        goto out;
    if ((rc = decode_sign_response(&res, &resp, op, err)) < 0)
        goto out;
    *out = res;
    memset(&res, 0, sizeof(res));
    rc = SGN_OK;
out:
    sgn_sign_result_free(&res);
    sgn_http_response_free(&resp);
    free(body);
    call_end(&cc);
    return rc;
}

/* smithy's timestamp format for a query: t.UTC().Format("2006-01-02T15:04:05.999Z"),
 * milliseconds truncated, trailing zeros (and a bare dot) dropped. */
static void format_timestamp(char out[96], int64_t sec, int32_t nsec)
{
    time_t t = (time_t)sec;
    struct tm tm;
    char frac[16] = "";
    int ms = nsec > 0 && nsec < 1000000000 ? nsec / 1000000 : 0, width = 3;

    if (gmtime_r(&t, &tm) == NULL)
        memset(&tm, 0, sizeof(tm));
    if (ms > 0) {
        while (ms % 10 == 0) {
            ms /= 10;
            width--;
        }
        snprintf(frac, sizeof(frac), ".%0*d", width, ms);
    }
    snprintf(out, 96, "%04d-%02d-%02dT%02d:%02d:%02d%sZ", tm.tm_year + 1900, tm.tm_mon + 1,
             tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, frac);
}

static int query_add(sgn_buf *b, const char *key, const char *value, sgn_error *err)
{
    char *enc = NULL;
    int rc;

    if (value == NULL)
        return SGN_OK;
    if ((rc = sgn_uri_encode(&enc, value, strlen(value), 0, err)) < 0)
        return rc;
    rc = sgn_buf_printf(b, err, "%s%s=%s", b->len > 0 ? "&" : "", key, enc);
    free(enc);
    return rc;
}

/* The query as Go's url.Values.Encode writes it: keys sorted, list values in order. */
static int build_revocation_query(char **out, const sgn_revocation_query *q, sgn_error *err)
{
    sgn_buf b = SGN_BUF_INIT;
    char ts[96];
    size_t i;
    int rc;

    *out = NULL;
    format_timestamp(ts, q->signature_timestamp, q->signature_timestamp_nsec);
    for (i = 0; i < q->n_certificate_hashes; i++)
        if ((rc = query_add(&b, "certificateHashes", q->certificate_hashes[i], err)) < 0)
            goto out;
    if ((rc = query_add(&b, "jobArn", q->job_arn, err)) < 0 ||
        (rc = query_add(&b, "platformId", q->platform_id, err)) < 0 ||
        (rc = query_add(&b, "profileVersionArn", q->profile_version_arn, err)) < 0 ||
        (rc = query_add(&b, "signatureTimestamp", ts, err)) < 0)
        goto out;
    *out = sgn_buf_detach(&b, NULL);
    rc = SGN_OK;
out:
    sgn_buf_free(&b);
    return rc;
}

static int decode_revocation_response(sgn_strlist *revoked, const sgn_http_response *r,
                                      const char *op, sgn_error *err)
{
    cJSON *root = NULL;
    const cJSON *list, *m;
    int rc;

    if ((rc = parse_body(&root, r, op, err)) < 0)
        return rc;
    list = cJSON_GetObjectItemCaseSensitive(root, "revokedEntities");
    rc = SGN_OK;
    if (list == NULL || cJSON_IsNull(list))
        goto out;
    if (!cJSON_IsArray(list)) {
        rc = decode_fail(err, SGN_EINTERNAL, op, "%s", "revokedEntities is not a list");
        goto out;
    }
    cJSON_ArrayForEach(m, list) {
        if (!cJSON_IsString(m)) {
            rc = decode_fail(err, SGN_EINTERNAL, op, "%s",
                             "revokedEntities holds something other than strings");
            goto out;
        }
        if ((rc = sgn_strlist_push(revoked, m->valuestring, err)) < 0)
            goto out;
    }
out:
    cJSON_Delete(root);
    return rc;
}

int sgn_aws_get_revocation_status(sgn_aws_client *c, const sgn_revocation_query *q,
                                  sgn_strlist *revoked, sgn_error *err)
{
    static const char *const op = "GetRevocationStatus";
    sgn_strlist list = SGN_STRLIST_INIT;
    sgn_http_response resp = SGN_HTTP_RESPONSE_INIT;
    sgn_aws_call call;
    call_ctx cc;
    char *query = NULL;
    int rc;

    if ((rc = call_begin(&cc, c, op, q->profile_version_arn, "the signature's signing profile",
                         "data", SGN_AWS_DEFAULT_VERIFY_TIMEOUT_MS, err)) < 0)
        return rc;
    if ((rc = build_revocation_query(&query, q, err)) < 0)
        goto out;
    memset(&call, 0, sizeof(call));
    call.method = "GET";
    call.endpoint = cc.ep.data_url;
    call.path = "/revocations";
    call.query = query;
    if ((rc = call_send(&resp, c, &cc, &call, err)) < 0)
        goto out;
    if ((rc = decode_revocation_response(&list, &resp, op, err)) < 0)
        goto out;
    *revoked = list;
    list.items = NULL;
    list.len = 0;
    rc = SGN_OK;
out:
    sgn_strlist_free(&list);
    sgn_http_response_free(&resp);
    free(query);
    call_end(&cc);
    return rc;
}
