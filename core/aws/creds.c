/* The AWS credential chain (see sgn/aws_creds.h).
 *
 * The order is aws-sdk-go-v2's resolveCredentialChain and resolveCredsFromProfile. Each source
 * either supplies credentials, reports that it has none (SGN_ENOTFOUND, with a note kept for the
 * final "no AWS credentials found" message), or fails with an error naming itself. Secrets never
 * reach a message or the log: the access key id is shown masked, and STS, IMDS, container and
 * credential_process answers are marked secret for the transport's log. */
#include "sgn/aws_creds.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cjson/cJSON.h>
#include "curl_lazy.h"
#include <openssl/crypto.h>

#include "sgn/arn.h"
#include "sgn/aws_endpoint.h"
#include "sgn/aws_sigv4.h"
#include "sgn/buf.h"
#include "sgn/util.h"

#define TOKEN_FILE_MAX ((size_t)1 << 20)
#define PROCESS_OUTPUT_MAX ((size_t)64 << 10)
#define PROCESS_STDERR_SHOWN 512
#define PROCESS_TIMEOUT_MS 30000L
#define CONTAINER_TIMEOUT_MS 2000L
#define CONTAINER_ATTEMPTS 3
#define CONTAINER_HOST "http://169.254.170.2"
#define IMDS_V4 "http://169.254.169.254"
#define IMDS_V6 "http://[fd00:ec2::254]"
#define IMDS_TTL "21600"
#define PROFILE_DEPTH_MAX 16

typedef struct chain {
    const sgn_aws_cred_ctx *ctx;
    long long deadline;     /* CLOCK_MONOTONIC ms; 0 = no budget */
    sgn_buf notes;          /* "source: what it found; ..." for the nothing-found message */
} chain;

/* ---- small helpers ------------------------------------------------------------------------ */

/* Milliseconds left of the budget, capped at cap (cap <= 0: no cap); at least 1. */
static long remaining_ms(const chain *ch, long cap)
{
    long long left;

    if (ch->deadline == 0)
        return cap > 0 ? cap : 0;
    left = ch->deadline - sgn_mono_ms();
    if (left < 1)
        left = 1;
    if (cap > 0 && left > cap)
        left = cap;
    return (long)left;
}

static int budget_spent(const chain *ch)
{
    return ch->deadline != 0 && sgn_mono_ms() >= ch->deadline;
}

static void note(chain *ch, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void note(chain *ch, const char *fmt, ...)
{
    char line[1024];
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(line, sizeof(line), fmt, ap);
    va_end(ap);
    /* out of memory only shortens the final message */
    (void)sgn_buf_printf(&ch->notes, NULL, "%s%s", ch->notes.len ? "; " : "", line);
}

/* Re-report a nested error (e2) with the source in front, keeping its code. */
static int wrap(sgn_error *err, const char *source, const sgn_error *e2, int rc)
{
    return sgn_error_set(err, rc, "%s: %s", source, e2->msg);
}

/* All but the last 4 characters masked, for the log. */
static void mask_akid(char out[32], const char *akid)
{
    size_t n = strlen(akid), i, shown = n > 4 ? 4 : 0;

    for (i = 0; i + shown < n && i < 24; i++)
        out[i] = '*';
    memcpy(out + i, akid + n - shown, shown);
    out[i + shown] = '\0';
}

/* printable text for a message: control characters become ' ', at most max bytes */
static void printable(char *out, size_t outsz, const char *in, size_t len)
{
    size_t i, j = 0;

    for (i = 0; i < len && j + 1 < outsz; i++)
        out[j++] = (unsigned char)in[i] < 0x20 || in[i] == 0x7f ? ' ' : in[i];
    while (j > 0 && out[j - 1] == ' ')
        j--;
    out[j] = '\0';
}

/* Check and hand over a complete set of credentials from `source`. */
static int finish(sgn_aws_creds *out, sgn_aws_creds *c, const chain *ch, const char *source,
                  sgn_error *err)
{
    char masked[32], when[32];

    if (c->access_key_id == NULL || c->access_key_id[0] == '\0' ||
        c->secret_access_key == NULL || c->secret_access_key[0] == '\0') {
        const char *what = c->access_key_id == NULL || c->access_key_id[0] == '\0'
                               ? "access key id"
                               : "secret access key";

        sgn_aws_creds_free(c);
        return sgn_error_set(err, SGN_EINVALID, "%s: no %s", source, what);
    }
    if (c->expiration != 0 && c->expiration <= ch->ctx->now) {
        sgn_time_format_rfc3339(when, c->expiration);
        sgn_aws_creds_free(c);
        return sgn_error_set(err, SGN_EINVALID, "%s: the credentials expired at %s", source,
                             when);
    }
    snprintf(c->source, sizeof(c->source), "%s", source);
    mask_akid(masked, c->access_key_id);
    sgn_aws_logf(ch->ctx->log, "credentials: %s supplied access key id %s%s", source, masked,
                 c->expiration != 0 ? " (temporary)" : "");
    *out = *c;
    memset(c, 0, sizeof(*c));   /* moved, not wiped: the caller owns the strings now */
    return SGN_OK;
}

/* Read a token file: trailing CR/LF dropped; CR or LF inside is refused (header injection). */
static int read_token_file(char **out, const char *path, const char *source, sgn_error *err)
{
    sgn_buf b = SGN_BUF_INIT;
    sgn_error e2 = SGN_ERROR_INIT;
    int rc;

    *out = NULL;
    if ((rc = sgn_read_file(&b, path, TOKEN_FILE_MAX, &e2)) < 0) {
        rc = sgn_error_set(err, rc == SGN_ENOTFOUND ? SGN_EINVALID : rc,
                           "%s: cannot read the token file: %s", source, e2.msg);
        goto out;
    }
    while (b.len > 0 && (b.data[b.len - 1] == '\n' || b.data[b.len - 1] == '\r'))
        b.data[--b.len] = '\0';
    if (b.len == 0 || memchr(b.data, '\n', b.len) || memchr(b.data, '\r', b.len) ||
        memchr(b.data, '\0', b.len)) {
        rc = sgn_error_set(err, SGN_EINVALID, "%s: the token file %s is %s", source, path,
                           b.len == 0 ? "empty" : "not a single line");
        goto out;
    }
    *out = sgn_buf_detach(&b, NULL);
    rc = SGN_OK;
out:
    sgn_buf_clear_free(&b);
    return rc;
}

/* ---- credentials JSON (container, IMDS, credential_process) -------------------------------- */

static const char *json_str(const cJSON *o, const char *name)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, name);

    return cJSON_IsString(v) && v->valuestring != NULL ? v->valuestring : NULL;
}

/* Credentials out of a JSON object; token_name is "Token" or "SessionToken". */
static int creds_from_json(sgn_aws_creds *c, const cJSON *o, const char *token_name,
                           const char *source, sgn_error *err)
{
    const char *akid = json_str(o, "AccessKeyId"), *secret = json_str(o, "SecretAccessKey");
    const char *token = json_str(o, token_name), *exp = json_str(o, "Expiration");
    const char *account = json_str(o, "AccountId");
    sgn_error e2 = SGN_ERROR_INIT;
    int32_t nsec;
    int rc;

    if (akid == NULL || akid[0] == '\0' || secret == NULL || secret[0] == '\0')
        return sgn_error_set(err, SGN_EINVALID, "%s: the answer lacks %s", source,
                             akid == NULL || akid[0] == '\0' ? "AccessKeyId" : "SecretAccessKey");
    if (exp != NULL && exp[0] != '\0' &&
        sgn_time_parse_rfc3339(&c->expiration, &nsec, exp, &e2) < 0)
        return sgn_error_set(err, SGN_EINVALID, "%s: bad Expiration: %s", source, e2.msg);
    if ((rc = sgn_strdup(&c->access_key_id, akid, err)) < 0 ||
        (rc = sgn_strdup(&c->secret_access_key, secret, err)) < 0 ||
        (token != NULL && token[0] != '\0' && (rc = sgn_strdup(&c->session_token, token, err)) < 0) ||
        (account != NULL && account[0] != '\0' && (rc = sgn_strdup(&c->account_id, account, err)) < 0))
        return rc;
    return SGN_OK;
}

/* cJSON_Delete after wiping every string (credentials answers hold secrets). */
static void json_wipe(cJSON *j)
{
    for (; j != NULL; j = j->next) {
        if (j->valuestring != NULL)
            OPENSSL_cleanse(j->valuestring, strlen(j->valuestring));
        json_wipe(j->child);
    }
}

static void json_wipe_free(cJSON *j)
{
    json_wipe(j);
    cJSON_Delete(j);
}

static void response_wipe_free(sgn_http_response *r)
{
    if (r->body != NULL)
        OPENSSL_cleanse(r->body, r->body_len);
    sgn_http_response_free(r);
}

/* ---- HTTP without signing (container, IMDS) ----------------------------------------------- */

static int http_once(sgn_http_response *resp, const chain *ch, const char *method,
                     const char *url, const sgn_kv *hdrs, size_t nh, long timeout_ms,
                     sgn_error *err)
{
    sgn_http_opts o = {0, 0, NULL, NULL, NULL};
    sgn_http_request req = {method, url, hdrs, nh, NULL, 0, 0, 1};

    if (ch->ctx->http != NULL)
        o = *ch->ctx->http;
    o.proxy = NULL;     /* link-local and loopback services are never proxied */
    o.connect_timeout_ms = timeout_ms;
    o.timeout_ms = timeout_ms;
    if (o.log == NULL)
        o.log = ch->ctx->log;
    return sgn_http_send(resp, &req, &o, err);
}

/* ---- environment -------------------------------------------------------------------------- */

static const char *env_first(const sgn_aws_env *env, const char *a, const char *b)
{
    const char *v = sgn_aws_getenv_nonempty(env, a);

    return v != NULL ? v : sgn_aws_getenv_nonempty(env, b);
}

/* SGN_ENOTFOUND (with a note) when the variables are not set. */
static int from_env(sgn_aws_creds *out, chain *ch, const char *source, sgn_error *err)
{
    const sgn_aws_env *env = ch->ctx->env;
    const char *akid = env_first(env, "AWS_ACCESS_KEY_ID", "AWS_ACCESS_KEY");
    const char *secret = env_first(env, "AWS_SECRET_ACCESS_KEY", "AWS_SECRET_KEY");
    const char *token = env_first(env, "AWS_SESSION_TOKEN", "AWS_SECURITY_TOKEN");
    const char *exp = sgn_aws_getenv_nonempty(env, "AWS_CREDENTIAL_EXPIRATION");
    const char *account = sgn_aws_getenv_nonempty(env, "AWS_ACCOUNT_ID");
    sgn_aws_creds c = SGN_AWS_CREDS_INIT;
    sgn_error e2 = SGN_ERROR_INIT;
    int32_t nsec;
    int rc;

    sgn_aws_logf(ch->ctx->log, "credentials: trying %s", source);
    if (akid == NULL || secret == NULL) {
        note(ch, "environment variables: %s", akid == NULL ? "AWS_ACCESS_KEY_ID not set" :
                 "AWS_ACCESS_KEY_ID set but AWS_SECRET_ACCESS_KEY not set");
        return SGN_ENOTFOUND;
    }
    if (exp != NULL && sgn_time_parse_rfc3339(&c.expiration, &nsec, exp, &e2) < 0)
        return sgn_error_set(err, SGN_EINVALID, "%s: bad AWS_CREDENTIAL_EXPIRATION: %s", source,
                             e2.msg);
    if ((rc = sgn_strdup(&c.access_key_id, akid, err)) < 0 ||
        (rc = sgn_strdup(&c.secret_access_key, secret, err)) < 0 ||
        (token != NULL && (rc = sgn_strdup(&c.session_token, token, err)) < 0) ||
        (account != NULL && (rc = sgn_strdup(&c.account_id, account, err)) < 0)) {
        sgn_aws_creds_free(&c);
        return rc;
    }
    return finish(out, &c, ch, source, err);
}

/* ---- STS ---------------------------------------------------------------------------------- */

static int form_add(sgn_buf *b, const char *key, const char *value, sgn_error *err)
{
    char *enc = NULL;
    int rc;

    if ((rc = sgn_uri_encode(&enc, value, strlen(value), 0, err)) < 0)
        return rc;
    rc = sgn_buf_printf(b, err, "%s%s=%s", b->len ? "&" : "", key, enc);
    sgn_aws_free_secret(enc);
    return rc;
}

static int sts_error_code(const char *code, long status)
{
    static const char *const denied[] = {"AccessDenied", "AccessDeniedException",
                                         "InvalidIdentityToken", "ExpiredTokenException",
                                         "ExpiredToken", "IDPRejectedClaim",
                                         "InvalidClientTokenId", "SignatureDoesNotMatch"};
    size_t i;

    for (i = 0; i < sizeof(denied) / sizeof(denied[0]); i++)
        if (strcmp(code, denied[i]) == 0)
            return SGN_EDENIED;
    if (strcmp(code, "Throttling") == 0 || strcmp(code, "ThrottlingException") == 0)
        return SGN_ETHROTTLED;
    return status >= 500 ? SGN_ENETWORK : SGN_EINVALID;
}

/* One STS query call; `signer` NULL sends it unsigned. */
static int sts_call(sgn_aws_creds *out, chain *ch, const char *action, const char *body,
                    int body_secret, const sgn_aws_creds *signer, const char *source,
                    sgn_error *err)
{
    const sgn_aws_cred_ctx *ctx = ch->ctx;
    sgn_http_response resp = SGN_HTTP_RESPONSE_INIT;
    sgn_aws_retry local = SGN_AWS_RETRY_INIT;
    sgn_aws_creds c = SGN_AWS_CREDS_INIT;
    sgn_error e2 = SGN_ERROR_INIT;
    sgn_buf endpoint = SGN_BUF_INIT;
    const char *fields[] = {"AccessKeyId", "SecretAccessKey", "SessionToken", "Expiration"};
    char *vals[4] = {NULL, NULL, NULL, NULL};
    sgn_aws_call call;
    int32_t nsec;
    size_t i;
    int rc;

    if (ctx->sts_endpoint != NULL && ctx->sts_endpoint[0] != '\0')
        rc = sgn_buf_puts(&endpoint, ctx->sts_endpoint, err);
    else if (ctx->region != NULL && ctx->region[0] != '\0')
        rc = sgn_buf_printf(&endpoint, err, "https://sts.%s.%s", ctx->region,
                            sgn_aws_dns_suffix(sgn_partition_for_region(ctx->region)));
    else
        rc = sgn_buf_puts(&endpoint, "https://sts.amazonaws.com", err);
    if (rc < 0)
        goto out;
    if (ctx->retry != NULL)
        local = *ctx->retry;
    if (ch->deadline != 0)
        local.budget_ms = remaining_ms(ch, local.budget_ms);
    memset(&call, 0, sizeof(call));
    call.operation = action;
    call.method = "POST";
    call.endpoint = sgn_buf_cstr(&endpoint);
    call.path = "/";
    call.content_type = "application/x-www-form-urlencoded; charset=utf-8";
    call.body = (const unsigned char *)body;
    call.body_len = strlen(body);
    call.region = ctx->region != NULL && ctx->region[0] != '\0' ? ctx->region : "us-east-1";
    call.service = "sts";
    call.creds = signer;
    call.user_agent = ctx->user_agent;
    call.body_secret = body_secret;
    call.response_secret = 1;
    sgn_aws_logf(ctx->log, "credentials: %s: STS %s at %s", source, action, call.endpoint);
    rc = sgn_aws_send(&resp, &call, ctx->http, &local, &e2);
    if (ctx->retry != NULL)
        ctx->retry->quota = local.quota;
    if (rc < 0) {
        rc = sgn_error_set(err, rc, "%s: STS %s failed: %s", source, action, e2.msg);
        goto out;
    }
    if (resp.status < 200 || resp.status > 299) {
        sgn_aws_api_error ae;

        sgn_aws_parse_error(&ae, &resp);
        rc = sgn_error_set(err, sts_error_code(ae.code, resp.status),
                           "%s: STS %s failed: %s%s%s (HTTP %ld%s%s)", source, action,
                           ae.code[0] ? ae.code : "unknown error", ae.message[0] ? ": " : "",
                           ae.message, resp.status, ae.request_id[0] ? ", request id " : "",
                           ae.request_id);
        goto out;
    }
    for (i = 0; i < 4; i++) {
        rc = sgn_xml_text(&vals[i], (const char *)resp.body, resp.body_len, fields[i], &e2);
        if (rc < 0 && !(rc == SGN_ENOTFOUND && i >= 2)) {
            rc = sgn_error_set(err, SGN_EINVALID, "%s: STS %s answer: %s", source, action,
                               rc == SGN_ENOTFOUND ? fields[i] : e2.msg);
            goto out;
        }
        sgn_error_clear(&e2);
    }
    if (vals[3] != NULL && sgn_time_parse_rfc3339(&c.expiration, &nsec, vals[3], &e2) < 0) {
        rc = sgn_error_set(err, SGN_EINVALID, "%s: STS %s answer: bad Expiration: %s", source,
                           action, e2.msg);
        goto out;
    }
    c.access_key_id = vals[0];
    c.secret_access_key = vals[1];
    c.session_token = vals[2];
    vals[0] = vals[1] = vals[2] = NULL;
    rc = finish(out, &c, ch, source, err);
out:
    free(vals[0]);
    sgn_aws_free_secret(vals[1]);
    sgn_aws_free_secret(vals[2]);
    free(vals[3]);
    sgn_aws_creds_free(&c);
    response_wipe_free(&resp);
    sgn_buf_free(&endpoint);
    return rc;
}

static int default_session_name(sgn_buf *b, const chain *ch, const char *given, sgn_error *err)
{
    if (given != NULL && given[0] != '\0')
        return sgn_buf_puts(b, given, err);
    return sgn_buf_printf(b, err, "aws-signer-notation-%lld", (long long)ch->ctx->now);
}

/* AssumeRole with the profile's role settings, signed with `base`. */
static int assume_role(sgn_aws_creds *out, chain *ch, const char *profile,
                       const sgn_aws_creds *base, sgn_error *err)
{
    const sgn_aws_config *cfg = ch->ctx->config;
    const char *role = sgn_aws_profile_get(cfg, profile, "role_arn");
    const char *ext = sgn_aws_profile_get(cfg, profile, "external_id");
    const char *dur = sgn_aws_profile_get(cfg, profile, "duration_seconds");
    const char *mfa = sgn_aws_profile_get(cfg, profile, "mfa_serial");
    sgn_buf body = SGN_BUF_INIT, name = SGN_BUF_INIT;
    char source[160];
    int rc;

    snprintf(source, sizeof(source), "profile \"%s\" role %s", profile, role);
    if (mfa != NULL && mfa[0] != '\0') {
        rc = sgn_error_set(err, SGN_EINVALID,
                           "%s: mfa_serial is set, but MFA prompts are not supported here; use "
                           "`aws configure export-credentials` or credential_process",
                           source);
        goto out;
    }
    if (dur != NULL && (dur[0] == '\0' || strspn(dur, "0123456789") != strlen(dur))) {
        rc = sgn_error_set(err, SGN_EINVALID, "%s: duration_seconds \"%s\" is not a number",
                           source, dur);
        goto out;
    }
    if ((rc = default_session_name(&name, ch,
                                   sgn_aws_profile_get(cfg, profile, "role_session_name"),
                                   err)) < 0 ||
        (rc = form_add(&body, "Action", "AssumeRole", err)) < 0 ||
        (rc = form_add(&body, "Version", "2011-06-15", err)) < 0 ||
        (rc = form_add(&body, "RoleArn", role, err)) < 0 ||
        (rc = form_add(&body, "RoleSessionName", sgn_buf_cstr(&name), err)) < 0 ||
        (ext != NULL && ext[0] != '\0' && (rc = form_add(&body, "ExternalId", ext, err)) < 0) ||
        (dur != NULL && (rc = form_add(&body, "DurationSeconds", dur, err)) < 0))
        goto out;
    sgn_aws_logf(ch->ctx->log, "credentials: %s: assuming the role with credentials from %s",
                 source, base->source);
    rc = sts_call(out, ch, "AssumeRole", sgn_buf_cstr(&body), 0, base, source, err);
out:
    sgn_buf_free(&body);
    sgn_buf_free(&name);
    return rc;
}

/* AssumeRoleWithWebIdentity, unsigned. token_source / sts_source name the source in messages. */
static int web_identity(sgn_aws_creds *out, chain *ch, const char *token_file, const char *role,
                        const char *role_setting, const char *session, const char *token_source,
                        const char *sts_source, sgn_error *err)
{
    sgn_buf body = SGN_BUF_INIT, name = SGN_BUF_INIT;
    char *token = NULL;
    int rc;

    sgn_aws_logf(ch->ctx->log, "credentials: trying %s", token_source);
    if (role == NULL || role[0] == '\0') {
        rc = sgn_error_set(err, SGN_EINVALID, "%s: %s is not set", token_source, role_setting);
        goto out;
    }
    if ((rc = read_token_file(&token, token_file, token_source, err)) < 0)
        goto out;
    if ((rc = default_session_name(&name, ch, session, err)) < 0 ||
        (rc = form_add(&body, "Action", "AssumeRoleWithWebIdentity", err)) < 0 ||
        (rc = form_add(&body, "Version", "2011-06-15", err)) < 0 ||
        (rc = form_add(&body, "RoleArn", role, err)) < 0 ||
        (rc = form_add(&body, "RoleSessionName", sgn_buf_cstr(&name), err)) < 0 ||
        (rc = form_add(&body, "WebIdentityToken", token, err)) < 0)
        goto out;
    rc = sts_call(out, ch, "AssumeRoleWithWebIdentity", sgn_buf_cstr(&body), 1, NULL, sts_source,
                  err);
out:
    sgn_aws_free_secret(token);
    sgn_buf_clear_free(&body);
    sgn_buf_free(&name);
    return rc;
}

/* ---- container credentials ---------------------------------------------------------------- */

int sgn_aws_container_url_allowed(const char *url)
{
    static const char *const hosts[] = {"localhost", "169.254.170.2", "169.254.170.23",
                                        "[fd00:ec2::23]", "[::1]", "fd00:ec2::23", "::1"};
    CURLU *u = curl_url();
    char *scheme = NULL, *host = NULL;
    int ok = 0;
    size_t i;

    if (u == NULL || url == NULL)
        goto out;
    if (curl_url_set(u, CURLUPART_URL, url, 0) != CURLUE_OK ||
        curl_url_get(u, CURLUPART_SCHEME, &scheme, 0) != CURLUE_OK ||
        curl_url_get(u, CURLUPART_HOST, &host, 0) != CURLUE_OK || host[0] == '\0')
        goto out;
    if (strcasecmp(scheme, "https") == 0) {
        ok = 1;
        goto out;
    }
    if (strcasecmp(scheme, "http") != 0)
        goto out;
    for (i = 0; i < sizeof(hosts) / sizeof(hosts[0]); i++)
        if (strcasecmp(host, hosts[i]) == 0)
            ok = 1;
    if (!ok && strncmp(host, "127.", 4) == 0) {
        /* 127.0.0.0/8: four decimal octets */
        unsigned a, b, c, d;
        char tail;

        ok = sscanf(host, "%u.%u.%u.%u%c", &a, &b, &c, &d, &tail) == 4 && a == 127 && b < 256 &&
             c < 256 && d < 256;
    }
out:
    curl_free(scheme);
    curl_free(host);
    curl_url_cleanup(u);
    return ok;
}

/* SGN_ENOTFOUND (with a note) when not configured; when `required`, that is an error. */
static int from_container(sgn_aws_creds *out, chain *ch, const char *required_by,
                          sgn_error *err)
{
    const sgn_aws_env *env = ch->ctx->env;
    const char *rel = sgn_aws_getenv_nonempty(env, "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI");
    const char *full = sgn_aws_getenv_nonempty(env, "AWS_CONTAINER_CREDENTIALS_FULL_URI");
    const char *token_file = sgn_aws_getenv_nonempty(env, "AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE");
    const char *token_env = sgn_aws_getenv_nonempty(env, "AWS_CONTAINER_AUTHORIZATION_TOKEN");
    sgn_http_response resp = SGN_HTTP_RESPONSE_INIT;
    sgn_aws_creds c = SGN_AWS_CREDS_INIT;
    sgn_error e2 = SGN_ERROR_INIT;
    sgn_buf url = SGN_BUF_INIT;
    char source[160], *token = NULL;
    sgn_kv hdrs[3];
    size_t nh = 0;
    cJSON *json = NULL;
    int rc, attempt;

    if (rel == NULL && full == NULL) {
        if (required_by != NULL)
            return sgn_error_set(err, SGN_EINVALID,
                                 "%s: credential_source EcsContainer, but neither "
                                 "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI nor "
                                 "AWS_CONTAINER_CREDENTIALS_FULL_URI is set",
                                 required_by);
        note(ch, "container credentials: not configured");
        return SGN_ENOTFOUND;
    }
    rc = rel != NULL ? sgn_buf_printf(&url, err, "%s%s%s", CONTAINER_HOST,
                                      rel[0] == '/' ? "" : "/", rel)
                     : sgn_buf_puts(&url, full, err);
    if (rc < 0)
        goto out;
    snprintf(source, sizeof(source), "container credentials (%s)", sgn_buf_cstr(&url));
    sgn_aws_logf(ch->ctx->log, "credentials: trying %s", source);
    if (rel == NULL && !sgn_aws_container_url_allowed(full)) {
        rc = sgn_error_set(err, SGN_EINVALID,
                           "%s: AWS_CONTAINER_CREDENTIALS_FULL_URI refused: plain http is allowed "
                           "only to loopback, 169.254.170.2, 169.254.170.23 or fd00:ec2::23",
                           source);
        goto out;
    }
    if (token_file != NULL) {
        if ((rc = read_token_file(&token, token_file, source, err)) < 0)
            goto out;
    } else if (token_env != NULL) {
        if (strchr(token_env, '\r') != NULL || strchr(token_env, '\n') != NULL) {
            rc = sgn_error_set(err, SGN_EINVALID,
                               "%s: AWS_CONTAINER_AUTHORIZATION_TOKEN contains a line break",
                               source);
            goto out;
        }
        if ((rc = sgn_strdup(&token, token_env, err)) < 0)
            goto out;
    }
    hdrs[nh].key = (char *)"Accept";
    hdrs[nh++].value = (char *)"application/json";
    if (token != NULL) {
        hdrs[nh].key = (char *)"Authorization";
        hdrs[nh++].value = token;
    }
    if (ch->ctx->user_agent != NULL) {
        hdrs[nh].key = (char *)"User-Agent";
        hdrs[nh++].value = (char *)ch->ctx->user_agent;
    }
    for (attempt = 1;; attempt++) {
        response_wipe_free(&resp);
        sgn_error_clear(&e2);
        rc = http_once(&resp, ch, "GET", sgn_buf_cstr(&url), hdrs, nh,
                       remaining_ms(ch, CONTAINER_TIMEOUT_MS), &e2);
        if (rc == SGN_OK && resp.status < 500)
            break;
        if (attempt >= CONTAINER_ATTEMPTS || budget_spent(ch))
            break;
        sgn_aws_logf(ch->ctx->log, "credentials: %s: attempt %d failed, retrying", source,
                     attempt);
    }
    if (rc < 0) {
        rc = wrap(err, source, &e2, rc);
        goto out;
    }
    if (resp.status != 200) {
        char msg[256] = "";
        cJSON *ej = cJSON_ParseWithLength((const char *)resp.body, resp.body_len);
        const char *m = ej != NULL ? json_str(ej, "Message") : NULL;

        if (m == NULL && ej != NULL)
            m = json_str(ej, "message");
        if (m != NULL)
            printable(msg, sizeof(msg), m, strlen(m));
        cJSON_Delete(ej);
        rc = sgn_error_set(err,
                           resp.status == 401 || resp.status == 403 ? SGN_EDENIED
                           : resp.status >= 500                     ? SGN_ENETWORK
                                                                    : SGN_EINVALID,
                           "%s: HTTP %ld%s%s", source, resp.status, msg[0] ? ": " : "", msg);
        goto out;
    }
    if ((json = cJSON_ParseWithLength((const char *)resp.body, resp.body_len)) == NULL ||
        !cJSON_IsObject(json)) {
        rc = sgn_error_set(err, SGN_EINVALID, "%s: the answer is not a JSON object", source);
        goto out;
    }
    if ((rc = creds_from_json(&c, json, "Token", source, err)) < 0)
        goto out;
    rc = finish(out, &c, ch, source, err);
out:
    json_wipe_free(json);
    sgn_aws_free_secret(token);
    sgn_aws_creds_free(&c);
    response_wipe_free(&resp);
    sgn_buf_free(&url);
    return rc;
}

/* ---- EC2 instance metadata ---------------------------------------------------------------- */

/* An environment variable, else the profile's config key. */
static const char *setting(const chain *ch, const char *var, const char *key)
{
    const char *v = sgn_aws_getenv_nonempty(ch->ctx->env, var);

    if (v == NULL && ch->ctx->profile != NULL)
        v = sgn_aws_config_get(ch->ctx->config, ch->ctx->profile, key);
    return v != NULL && v[0] != '\0' ? v : NULL;
}

typedef struct imds {
    chain *ch;
    char base[512];
    char source[160];
    long timeout_ms;
    int attempts;
    char *token;            /* IMDSv2 session token, NULL for v1 */
} imds;

/* One IMDS request with the configured attempts. */
static int imds_get(sgn_http_response *resp, imds *m, const char *method, const char *path,
                    sgn_error *err)
{
    sgn_kv hdrs[2];
    size_t nh = 0;
    char url[1024];
    int rc = SGN_OK, attempt;
    sgn_error e2 = SGN_ERROR_INIT;

    snprintf(url, sizeof(url), "%s%s", m->base, path);
    if (strcmp(method, "PUT") == 0) {
        hdrs[nh].key = (char *)"X-aws-ec2-metadata-token-ttl-seconds";
        hdrs[nh++].value = (char *)IMDS_TTL;
    } else if (m->token != NULL) {
        hdrs[nh].key = (char *)"X-aws-ec2-metadata-token";
        hdrs[nh++].value = m->token;
    }
    if (m->ch->ctx->user_agent != NULL) {
        hdrs[nh].key = (char *)"User-Agent";
        hdrs[nh++].value = (char *)m->ch->ctx->user_agent;
    }
    for (attempt = 1;; attempt++) {
        response_wipe_free(resp);
        sgn_error_clear(&e2);
        rc = http_once(resp, m->ch, method, url, hdrs, nh, remaining_ms(m->ch, m->timeout_ms),
                       &e2);
        if (rc == SGN_OK && resp->status < 500)
            break;
        if (attempt >= m->attempts || budget_spent(m->ch))
            break;
    }
    if (rc < 0)
        sgn_error_set(err, rc, "%s", e2.msg);
    return rc;
}

/* SGN_ENOTFOUND with a note when there is no instance metadata service to ask (disabled,
 * nothing listening, no role attached) and `required` is NULL; errors otherwise. */
static int from_imds(sgn_aws_creds *out, chain *ch, const char *required_by, sgn_error *err)
{
    const char *ep = setting(ch, "AWS_EC2_METADATA_SERVICE_ENDPOINT",
                             "ec2_metadata_service_endpoint");
    const char *mode = setting(ch, "AWS_EC2_METADATA_SERVICE_ENDPOINT_MODE",
                               "ec2_metadata_service_endpoint_mode");
    const char *tmo = setting(ch, "AWS_METADATA_SERVICE_TIMEOUT", "metadata_service_timeout");
    const char *att = setting(ch, "AWS_METADATA_SERVICE_NUM_ATTEMPTS",
                              "metadata_service_num_attempts");
    const char *v1off = setting(ch, "AWS_EC2_METADATA_V1_DISABLED", "ec2_metadata_v1_disabled");
    sgn_http_response resp = SGN_HTTP_RESPONSE_INIT;
    sgn_aws_creds c = SGN_AWS_CREDS_INIT;
    sgn_error e2 = SGN_ERROR_INIT;
    imds m;
    char path[512], role[256];
    cJSON *json = NULL;
    size_t n;
    int rc;

    memset(&m, 0, sizeof(m));
    m.ch = ch;
    if (sgn_aws_env_true(ch->ctx->env, "AWS_EC2_METADATA_DISABLED")) {
        if (required_by != NULL)
            return sgn_error_set(err, SGN_EINVALID,
                                 "%s: credential_source Ec2InstanceMetadata, but "
                                 "AWS_EC2_METADATA_DISABLED=true",
                                 required_by);
        note(ch, "EC2 instance metadata: disabled by AWS_EC2_METADATA_DISABLED=true");
        return SGN_ENOTFOUND;
    }
    if (ep != NULL)
        snprintf(m.base, sizeof(m.base), "%s", ep);
    else
        snprintf(m.base, sizeof(m.base), "%s",
                 mode != NULL && strcasecmp(mode, "IPv6") == 0 ? IMDS_V6 : IMDS_V4);
    n = strlen(m.base);
    while (n > 0 && m.base[n - 1] == '/')
        m.base[--n] = '\0';
    snprintf(m.source, sizeof(m.source), "EC2 instance metadata (%.120s)", m.base);
    m.timeout_ms = 1000;
    if (tmo != NULL) {
        char *end;
        double d = strtod(tmo, &end);

        if (*end != '\0' || !(d > 0) || d > 3600)
            return sgn_error_set(err, SGN_EINVALID,
                                 "%s: bad AWS_METADATA_SERVICE_TIMEOUT \"%s\" (seconds)",
                                 m.source, tmo);
        m.timeout_ms = (long)(d * 1000);
    }
    m.attempts = 1;
    if (att != NULL) {
        char *end;
        long a = strtol(att, &end, 10);

        if (*end != '\0' || a < 1 || a > 10)
            return sgn_error_set(err, SGN_EINVALID,
                                 "%s: bad AWS_METADATA_SERVICE_NUM_ATTEMPTS \"%s\"", m.source, att);
        m.attempts = (int)a;
    }
    sgn_aws_logf(ch->ctx->log, "credentials: trying %s", m.source);

    /* IMDSv2 session token */
    rc = imds_get(&resp, &m, "PUT", "/latest/api/token", &e2);
    if (rc == SGN_OK && resp.status == 200) {
        while (resp.body_len > 0 && isspace(resp.body[resp.body_len - 1]))
            resp.body[--resp.body_len] = '\0';
        if (resp.body_len == 0 || memchr(resp.body, '\n', resp.body_len) != NULL) {
            rc = sgn_error_set(err, SGN_EINVALID, "%s: the token answer is not one line",
                               m.source);
            goto out;
        }
        if ((rc = sgn_strdup(&m.token, (const char *)resp.body, err)) < 0)
            goto out;
    } else if ((rc == SGN_OK && (resp.status == 403 || resp.status == 404 ||
                                 resp.status == 405)) ||
               (rc == SGN_ETIMEOUT && strstr(e2.msg, "connecting to") == NULL)) {
        char why[sizeof(e2.msg)];

        if (rc == SGN_OK)
            snprintf(why, sizeof(why), "HTTP %ld", resp.status);
        else
            snprintf(why, sizeof(why), "%s", e2.msg);
        if (v1off != NULL && strcasecmp(v1off, "true") == 0) {
            rc = sgn_error_set(err, SGN_EINVALID,
                               "%s: the IMDSv2 token request failed (%s) and the IMDSv1 fallback "
                               "is disabled (AWS_EC2_METADATA_V1_DISABLED)",
                               m.source, why);
            goto out;
        }
        sgn_aws_logf(ch->ctx->log, "credentials: %s: token request failed (%s), using IMDSv1",
                     m.source, why);
    } else if (rc < 0) {
        /* nothing there: connection refused, no route, connect timeout */
        if (required_by != NULL) {
            rc = wrap(err, m.source, &e2, rc);
            goto out;
        }
        note(ch, "EC2 instance metadata: %s", e2.msg);
        rc = SGN_ENOTFOUND;
        goto out;
    } else {
        rc = sgn_error_set(err, resp.status >= 500 ? SGN_ENETWORK : SGN_EINVALID,
                           "%s: the token request answered HTTP %ld", m.source, resp.status);
        goto out;
    }

    /* role name */
    sgn_error_clear(&e2);
    if ((rc = imds_get(&resp, &m, "GET", "/latest/meta-data/iam/security-credentials/", &e2)) <
        0) {
        if (required_by == NULL && m.token == NULL) {
            note(ch, "EC2 instance metadata: %s", e2.msg);
            rc = SGN_ENOTFOUND;
        } else {
            rc = wrap(err, m.source, &e2, rc);
        }
        goto out;
    }
    if (resp.status == 404 && required_by == NULL) {
        note(ch, "EC2 instance metadata: no IAM role attached to the instance (HTTP 404)");
        rc = SGN_ENOTFOUND;
        goto out;
    }
    if (resp.status != 200) {
        rc = sgn_error_set(err, resp.status == 401 || resp.status == 403 ? SGN_EDENIED
                                : resp.status >= 500                     ? SGN_ENETWORK
                                                                         : SGN_EINVALID,
                           "%s: the role name request answered HTTP %ld", m.source, resp.status);
        goto out;
    }
    n = strcspn((const char *)resp.body, "\r\n");
    while (n > 0 && isspace(resp.body[n - 1]))
        n--;
    if (n == 0 || n >= sizeof(role)) {
        rc = sgn_error_set(err, SGN_EINVALID, "%s: no IAM role name in the answer", m.source);
        goto out;
    }
    memcpy(role, resp.body, n);
    role[n] = '\0';
    if (strpbrk(role, "/?#% ") != NULL) {
        rc = sgn_error_set(err, SGN_EINVALID, "%s: unexpected IAM role name", m.source);
        goto out;
    }

    /* the role's credentials */
    snprintf(path, sizeof(path), "/latest/meta-data/iam/security-credentials/%s", role);
    sgn_error_clear(&e2);
    if ((rc = imds_get(&resp, &m, "GET", path, &e2)) < 0) {
        rc = wrap(err, m.source, &e2, rc);
        goto out;
    }
    if (resp.status != 200) {
        rc = sgn_error_set(err, resp.status == 401 || resp.status == 403 ? SGN_EDENIED
                                : resp.status >= 500                     ? SGN_ENETWORK
                                                                         : SGN_EINVALID,
                           "%s: the credentials request for role %s answered HTTP %ld", m.source,
                           role, resp.status);
        goto out;
    }
    if ((json = cJSON_ParseWithLength((const char *)resp.body, resp.body_len)) == NULL ||
        !cJSON_IsObject(json)) {
        rc = sgn_error_set(err, SGN_EINVALID, "%s: the credentials of role %s are not a JSON "
                                              "object", m.source, role);
        goto out;
    }
    {
        const char *code = json_str(json, "Code");

        if (code != NULL && strcmp(code, "Success") != 0) {
            const char *msg = json_str(json, "Message");
            char shown[256] = "";

            if (msg != NULL)
                printable(shown, sizeof(shown), msg, strlen(msg));
            rc = sgn_error_set(err, SGN_EINVALID, "%s: role %s: %s%s%s", m.source, role, code,
                               shown[0] ? ": " : "", shown);
            goto out;
        }
    }
    if ((rc = creds_from_json(&c, json, "Token", m.source, err)) < 0)
        goto out;
    rc = finish(out, &c, ch, m.source, err);
out:
    json_wipe_free(json);
    sgn_aws_free_secret(m.token);
    sgn_aws_creds_free(&c);
    response_wipe_free(&resp);
    return rc;
}

/* ---- credential_process ------------------------------------------------------------------- */

void sgn_aws_argv_free(char **argv)
{
    size_t i;

    if (argv == NULL)
        return;
    for (i = 0; argv[i] != NULL; i++)
        free(argv[i]);
    free(argv);
}

/* As botocore's compat_shell_split on POSIX (shlex.split): whitespace separates words; single
 * quotes take everything literally; inside double quotes a backslash escapes only \ " $ `
 * and newline; outside quotes a backslash escapes any character. */
int sgn_aws_split_command(char ***argv, const char *cmd, sgn_error *err)
{
    char **v = NULL;
    size_t n = 0, cap = 0;
    sgn_buf word = SGN_BUF_INIT;
    const char *p = cmd;
    int rc = SGN_OK, in_word = 0;

    *argv = NULL;
    for (;;) {
        char ch = *p;

        if (ch == '\0' || ch == ' ' || ch == '\t' || ch == '\n' || ch == '\r') {
            if (in_word) {
                char **nv;

                if (n + 2 > cap) {
                    cap = cap ? cap * 2 : 8;
                    if ((nv = realloc(v, cap * sizeof(*v))) == NULL) {
                        rc = sgn_error_set(err, SGN_ENOMEM, "out of memory");
                        goto out;
                    }
                    v = nv;
                }
                if (word.len == 0)
                    sgn_buf_free(&word);    /* "" or '': an empty argument */
                if ((rc = sgn_buf_append(&word, "", 1, err)) < 0)
                    goto out;
                v[n++] = sgn_buf_detach(&word, NULL);
                v[n] = NULL;
                in_word = 0;
            }
            if (ch == '\0')
                break;
            p++;
            continue;
        }
        in_word = 1;
        if (ch == '\'') {
            const char *end = strchr(p + 1, '\'');

            if (end == NULL)
                goto unterminated;
            if ((rc = sgn_buf_append(&word, p + 1, (size_t)(end - p - 1), err)) < 0)
                goto out;
            p = end + 1;
        } else if (ch == '"') {
            for (p++;; p++) {
                if (*p == '\0')
                    goto unterminated;
                if (*p == '"')
                    break;
                if (*p == '\\' && p[1] != '\0' && strchr("\\\"$`\n", p[1]) != NULL)
                    p++;
                if ((rc = sgn_buf_append(&word, p, 1, err)) < 0)
                    goto out;
            }
            p++;
        } else if (ch == '\\') {
            if (p[1] == '\0') {
                rc = sgn_error_set(err, SGN_EINVALID,
                                   "credential_process: the command ends with a backslash");
                goto out;
            }
            if ((rc = sgn_buf_append(&word, p + 1, 1, err)) < 0)
                goto out;
            p += 2;
        } else {
            if ((rc = sgn_buf_append(&word, p, 1, err)) < 0)
                goto out;
            p++;
        }
    }
    if (n == 0) {
        rc = sgn_error_set(err, SGN_EINVALID, "credential_process: the command is empty");
        goto out;
    }
    *argv = v;
    v = NULL;
    rc = SGN_OK;
    goto out;
unterminated:
    rc = sgn_error_set(err, SGN_EINVALID, "credential_process: unterminated quote in the command");
out:
    sgn_buf_free(&word);
    sgn_aws_argv_free(v);
    return rc;
}

static int pipe_cloexec(int p[2])
{
    if (pipe(p) < 0)
        return -1;
    if (fcntl(p[0], F_SETFD, FD_CLOEXEC) < 0 || fcntl(p[1], F_SETFD, FD_CLOEXEC) < 0)
        return -1;
    return 0;
}

/* Run argv with stdin /dev/null; collect stdout (secret) and the first bytes of stderr until
 * both close or the deadline passes (then the child is killed). *status is waitpid's. */
static int run_process(sgn_buf *out, char *errtext, size_t errsz, int *status, char **argv,
                       long timeout_ms, const char *source, sgn_error *err)
{
    int outp[2] = {-1, -1}, errp[2] = {-1, -1}, execp[2] = {-1, -1};
    int rc = SGN_OK, exec_errno = 0, open_fds = 2;
    size_t errlen = 0;
    long long deadline = sgn_mono_ms() + timeout_ms;
    pid_t pid;
    ssize_t r;

    errtext[0] = '\0';
    if (pipe_cloexec(outp) < 0 || pipe_cloexec(errp) < 0 || pipe_cloexec(execp) < 0) {
        rc = sgn_error_set(err, SGN_EIO, "%s: pipe: %s", source, strerror(errno));
        goto out;
    }
    pid = fork();
    if (pid < 0) {
        rc = sgn_error_set(err, SGN_EIO, "%s: fork: %s", source, strerror(errno));
        goto out;
    }
    if (pid == 0) {
        int devnull = open("/dev/null", O_RDONLY);
        int e;

        if (devnull < 0 || dup2(devnull, 0) < 0 || dup2(outp[1], 1) < 0 || dup2(errp[1], 2) < 0)
            _exit(127);
        execvp(argv[0], argv);
        e = errno;
        if (write(execp[1], &e, sizeof(e)) < 0)
            _exit(127);
        _exit(127);
    }
    close(outp[1]);
    close(errp[1]);
    close(execp[1]);
    outp[1] = errp[1] = execp[1] = -1;
    /* the exec pipe closes on a successful exec; an errno arrives when it failed */
    r = read(execp[0], &exec_errno, sizeof(exec_errno));
    if (r != (ssize_t)sizeof(exec_errno))
        exec_errno = 0;
    while (open_fds > 0) {
        struct pollfd pf[2];
        nfds_t np = 0;
        long long left = deadline - sgn_mono_ms();
        int i, pr;

        if (left <= 0) {
            kill(pid, SIGKILL);
            waitpid(pid, status, 0);
            rc = sgn_error_set(err, SGN_ETIMEOUT, "%s: %s did not finish within %ld ms (killed)",
                               source, argv[0], timeout_ms);
            goto out;
        }
        if (outp[0] >= 0) {
            pf[np].fd = outp[0];
            pf[np++].events = POLLIN;
        }
        if (errp[0] >= 0) {
            pf[np].fd = errp[0];
            pf[np++].events = POLLIN;
        }
        pr = poll(pf, np, (int)left);
        if (pr < 0 && errno != EINTR) {
            kill(pid, SIGKILL);
            waitpid(pid, status, 0);
            rc = sgn_error_set(err, SGN_EIO, "%s: poll: %s", source, strerror(errno));
            goto out;
        }
        for (i = 0; pr > 0 && i < (int)np; i++) {
            char buf[4096];

            if (pf[i].revents == 0)
                continue;
            r = read(pf[i].fd, buf, sizeof(buf));
            if (r < 0 && errno == EINTR)
                continue;
            if (r <= 0) {
                if (pf[i].fd == outp[0]) {
                    close(outp[0]);
                    outp[0] = -1;
                } else {
                    close(errp[0]);
                    errp[0] = -1;
                }
                open_fds--;
                continue;
            }
            if (pf[i].fd == outp[0]) {
                if (out->len + (size_t)r > PROCESS_OUTPUT_MAX) {
                    kill(pid, SIGKILL);
                    waitpid(pid, status, 0);
                    rc = sgn_error_set(err, SGN_EINVALID, "%s: the output is larger than %zu "
                                       "bytes", source, PROCESS_OUTPUT_MAX);
                    goto out;
                }
                if ((rc = sgn_buf_append(out, buf, (size_t)r, err)) < 0) {
                    kill(pid, SIGKILL);
                    waitpid(pid, status, 0);
                    goto out;
                }
            } else if (errlen + 1 < errsz) {
                size_t take = (size_t)r < errsz - 1 - errlen ? (size_t)r : errsz - 1 - errlen;

                memcpy(errtext + errlen, buf, take);
                errlen += take;
                errtext[errlen] = '\0';
            }
        }
    }
    /* both pipes closed: the child is exiting (or closed them itself); wait within the deadline */
    for (;;) {
        pid_t w = waitpid(pid, status, WNOHANG);

        if (w == pid)
            break;
        if (w < 0 && errno != EINTR) {
            rc = sgn_error_set(err, SGN_EIO, "%s: waitpid: %s", source, strerror(errno));
            goto out;
        }
        if (sgn_mono_ms() >= deadline) {
            kill(pid, SIGKILL);
            waitpid(pid, status, 0);
            rc = sgn_error_set(err, SGN_ETIMEOUT, "%s: %s did not finish within %ld ms (killed)",
                               source, argv[0], timeout_ms);
            goto out;
        }
        poll(NULL, 0, 10);
    }
    if (exec_errno != 0)
        rc = sgn_error_set(err, SGN_EINVALID, "%s: cannot run %s: %s", source, argv[0],
                           strerror(exec_errno));
out:
    if (outp[0] >= 0)
        close(outp[0]);
    if (outp[1] >= 0)
        close(outp[1]);
    if (errp[0] >= 0)
        close(errp[0]);
    if (errp[1] >= 0)
        close(errp[1]);
    if (execp[0] >= 0)
        close(execp[0]);
    if (execp[1] >= 0)
        close(execp[1]);
    return rc;
}

static int from_process(sgn_aws_creds *out, chain *ch, const char *profile, const char *cmd,
                        sgn_error *err)
{
    sgn_buf output = SGN_BUF_INIT;
    sgn_aws_creds c = SGN_AWS_CREDS_INIT;
    char source[160], errtext[PROCESS_STDERR_SHOWN + 1], shown[PROCESS_STDERR_SHOWN + 1];
    char **argv = NULL;
    cJSON *json = NULL;
    const cJSON *ver;
    long timeout;
    int rc, status = 0;

    snprintf(source, sizeof(source), "credential_process of profile \"%s\"", profile);
    sgn_aws_logf(ch->ctx->log, "credentials: trying %s", source);
    if ((rc = sgn_aws_split_command(&argv, cmd, err)) < 0)
        goto out;
    timeout = remaining_ms(ch, PROCESS_TIMEOUT_MS);
    if ((rc = run_process(&output, errtext, sizeof(errtext), &status, argv, timeout, source,
                          err)) < 0)
        goto out;
    printable(shown, sizeof(shown), errtext, strlen(errtext));
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
        char how[64];

        if (WIFEXITED(status))
            snprintf(how, sizeof(how), "exited with status %d", WEXITSTATUS(status));
        else
            snprintf(how, sizeof(how), "was killed by signal %d", WTERMSIG(status));
        rc = sgn_error_set(err, SGN_EINVALID, "%s: %s %s%s%s", source, argv[0], how,
                           shown[0] ? ": " : "", shown);
        goto out;
    }
    if ((json = cJSON_ParseWithLength((const char *)output.data, output.len)) == NULL ||
        !cJSON_IsObject(json)) {
        rc = sgn_error_set(err, SGN_EINVALID, "%s: the output is not a JSON object", source);
        goto out;
    }
    ver = cJSON_GetObjectItemCaseSensitive(json, "Version");
    if (!cJSON_IsNumber(ver) || ver->valuedouble != 1) {
        rc = sgn_error_set(err, SGN_EINVALID, "%s: the output's Version is not 1", source);
        goto out;
    }
    if ((rc = creds_from_json(&c, json, "SessionToken", source, err)) < 0)
        goto out;
    rc = finish(out, &c, ch, source, err);
out:
    json_wipe_free(json);
    sgn_aws_creds_free(&c);
    sgn_buf_clear_free(&output);
    sgn_aws_argv_free(argv);
    return rc;
}

/* ---- profiles ----------------------------------------------------------------------------- */

typedef struct visited {
    const char *names[PROFILE_DEPTH_MAX];
    int n;
} visited;

static int static_keys(sgn_aws_creds *out, chain *ch, const char *profile, sgn_error *err)
{
    const sgn_aws_config *cfg = ch->ctx->config;
    const char *akid = sgn_aws_profile_get(cfg, profile, "aws_access_key_id");
    const char *secret = sgn_aws_profile_get(cfg, profile, "aws_secret_access_key");
    const char *token = sgn_aws_profile_get(cfg, profile, "aws_session_token");
    const char *account = sgn_aws_profile_get(cfg, profile, "aws_account_id");
    const char *file = sgn_aws_credentials_get(cfg, profile, "aws_access_key_id") != NULL
                           ? sgn_aws_credentials_path(cfg)
                           : sgn_aws_config_path(cfg);
    sgn_aws_creds c = SGN_AWS_CREDS_INIT;
    char source[160];
    int rc;

    if (token == NULL)
        token = sgn_aws_profile_get(cfg, profile, "aws_security_token");
    snprintf(source, sizeof(source), "shared credentials file %s profile \"%s\"", file, profile);
    if ((rc = sgn_strdup(&c.access_key_id, akid, err)) < 0 ||
        (rc = sgn_strdup(&c.secret_access_key, secret, err)) < 0 ||
        (token != NULL && token[0] != '\0' && (rc = sgn_strdup(&c.session_token, token, err)) < 0) ||
        (account != NULL && account[0] != '\0' &&
         (rc = sgn_strdup(&c.account_id, account, err)) < 0)) {
        sgn_aws_creds_free(&c);
        return rc;
    }
    return finish(out, &c, ch, source, err);
}

static int has_keys(const chain *ch, const char *profile)
{
    const char *a = sgn_aws_profile_get(ch->ctx->config, profile, "aws_access_key_id");
    const char *s = sgn_aws_profile_get(ch->ctx->config, profile, "aws_secret_access_key");

    return a != NULL && a[0] != '\0' && s != NULL && s[0] != '\0';
}

static const char *pget(const chain *ch, const char *profile, const char *key)
{
    const char *v = sgn_aws_profile_get(ch->ctx->config, profile, key);

    return v != NULL && v[0] != '\0' ? v : NULL;
}

static int from_fallback(sgn_aws_creds *out, chain *ch, sgn_error *err);

/* Resolve one profile as resolveCredsFromProfile does. `top` is the profile in effect; the
 * others are source_profile links. SGN_ENOTFOUND (top only, with a note) sends the chain on
 * to the container and IMDS steps. */
static int from_profile(sgn_aws_creds *out, chain *ch, const char *profile, visited *seen,
                        sgn_error *err)
{
    const sgn_aws_cred_ctx *ctx = ch->ctx;
    const sgn_aws_config *cfg = ctx->config;
    const char *src_profile, *cred_source, *role, *wif, *process;
    sgn_aws_creds base = SGN_AWS_CREDS_INIT;
    int top = seen->n == 0, rc, i;
    char what[160];

    snprintf(what, sizeof(what), "profile \"%s\"", profile);
    if (!sgn_aws_config_has_profile(cfg, profile)) {
        if (top && !ctx->profile_explicit) {
            note(ch, "profile \"%s\": not in %s or %s", profile, sgn_aws_credentials_path(cfg),
                 sgn_aws_config_path(cfg));
            return from_fallback(out, ch, err);
        }
        if (top)
            return sgn_error_set(err, SGN_EINVALID,
                                 "failed to get shared config profile, %s (looked in %s and %s)",
                                 profile, sgn_aws_credentials_path(cfg), sgn_aws_config_path(cfg));
        return sgn_error_set(err, SGN_EINVALID,
                             "profile \"%s\": failed to get shared config profile, %s "
                             "(source_profile; looked in %s and %s)",
                             seen->names[seen->n - 1], profile, sgn_aws_credentials_path(cfg),
                             sgn_aws_config_path(cfg));
    }
    sgn_aws_logf(ctx->log, "credentials: trying %s", what);
    for (i = 0; i < seen->n; i++)
        if (strcmp(seen->names[i], profile) == 0)
            break;
    if (i < seen->n) {
        /* a profile seen before: only its static keys count (Go clears its role options) */
        if (has_keys(ch, profile))
            return static_keys(out, ch, profile, err);
        {
            char path[512] = "";
            int j;

            for (j = 0; j < seen->n; j++)
                snprintf(path + strlen(path), sizeof(path) - strlen(path), "%s -> ",
                         seen->names[j]);
            return sgn_error_set(err, SGN_EINVALID, "profile \"%s\": source_profile loop: %s%s",
                                 seen->names[0], path, profile);
        }
    }
    /* a source profile with static keys provides them, whatever else it has */
    if (!top && has_keys(ch, profile))
        return static_keys(out, ch, profile, err);
    if (seen->n >= PROFILE_DEPTH_MAX)
        return sgn_error_set(err, SGN_EINVALID, "profile \"%s\": source_profile chain is longer "
                             "than %d", seen->names[0], PROFILE_DEPTH_MAX);
    seen->names[seen->n++] = profile;

    src_profile = pget(ch, profile, "source_profile");
    cred_source = pget(ch, profile, "credential_source");
    role = pget(ch, profile, "role_arn");
    wif = pget(ch, profile, "web_identity_token_file");
    process = pget(ch, profile, "credential_process");

    if (src_profile != NULL && cred_source != NULL)
        return sgn_error_set(err, SGN_EINVALID, "%s: only one of source_profile and "
                             "credential_source may be set", what);
    if (src_profile != NULL) {
        if (role == NULL)
            return sgn_error_set(err, SGN_EINVALID, "%s: source_profile is set but role_arn is "
                                 "not", what);
        rc = from_profile(&base, ch, src_profile, seen, err);
    } else if (has_keys(ch, profile)) {
        rc = static_keys(&base, ch, profile, err);
    } else if (cred_source != NULL) {
        const char *by = what;

        if (strcmp(cred_source, "Environment") == 0) {
            rc = from_env(&base, ch, "environment variables", err);
            if (rc == SGN_ENOTFOUND)
                rc = sgn_error_set(err, SGN_EINVALID, "%s: credential_source Environment, but "
                                   "AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY are not both set",
                                   by);
        } else if (strcmp(cred_source, "Ec2InstanceMetadata") == 0) {
            rc = from_imds(&base, ch, by, err);
        } else if (strcmp(cred_source, "EcsContainer") == 0) {
            rc = from_container(&base, ch, by, err);
        } else {
            rc = sgn_error_set(err, SGN_EINVALID, "%s: credential_source \"%s\" is not one of "
                               "Environment, Ec2InstanceMetadata, EcsContainer", what,
                               cred_source);
        }
    } else if (wif != NULL) {
        char tsrc[160], ssrc[160];

        snprintf(tsrc, sizeof(tsrc), "web identity of profile \"%s\" (web_identity_token_file=%s)",
                 profile, wif);
        snprintf(ssrc, sizeof(ssrc), "web identity of profile \"%s\" (role_arn=%s)", profile,
                 role != NULL ? role : "");
        return web_identity(out, ch, wif, role, "role_arn", pget(ch, profile, "role_session_name"),
                            tsrc, ssrc, err);
    } else if (pget(ch, profile, "sso_session") != NULL ||
               pget(ch, profile, "sso_start_url") != NULL ||
               pget(ch, profile, "sso_account_id") != NULL ||
               pget(ch, profile, "sso_role_name") != NULL) {
        return sgn_error_set(err, SGN_EINVALID,
                             "%s: SSO (IAM Identity Center) profiles are not supported here; use "
                             "`aws configure export-credentials --profile %s --format env` or a "
                             "credential_process",
                             what, profile);
    } else if (process != NULL) {
        rc = from_process(&base, ch, profile, process, err);
    } else if (!top) {
        return sgn_error_set(err, SGN_EINVALID, "profile \"%s\": its source_profile \"%s\" has "
                             "no credentials", seen->names[seen->n - 2], profile);
    } else {
        if (role == NULL && (pget(ch, profile, "aws_access_key_id") != NULL ||
                             pget(ch, profile, "aws_secret_access_key") != NULL))
            note(ch, "profile \"%s\": only one of aws_access_key_id and aws_secret_access_key "
                 "is set (%s, %s)", profile, sgn_aws_credentials_path(cfg),
                 sgn_aws_config_path(cfg));
        else if (role == NULL)
            note(ch, "profile \"%s\": no credentials in it (%s, %s)", profile,
                 sgn_aws_credentials_path(cfg), sgn_aws_config_path(cfg));
        else
            note(ch, "profile \"%s\": role_arn without source_profile, credential_source or "
                 "web_identity_token_file, so the role is assumed with the credentials below",
                 profile);
        rc = from_fallback(&base, ch, err);
    }
    if (rc < 0)
        goto out;
    if (role == NULL) {
        *out = base;
        memset(&base, 0, sizeof(base));
        rc = SGN_OK;
        goto out;
    }
    rc = assume_role(out, ch, profile, &base, err);
out:
    sgn_aws_creds_free(&base);
    return rc;
}

/* Steps 5 and 6: container credentials, then IMDS; nothing found is the summary error. */
static int from_fallback(sgn_aws_creds *out, chain *ch, sgn_error *err)
{
    int rc = from_container(out, ch, NULL, err);

    if (rc != SGN_ENOTFOUND)
        return rc;
    rc = from_imds(out, ch, NULL, err);
    if (rc != SGN_ENOTFOUND)
        return rc;
    return sgn_error_set(err, SGN_EINVALID, "no AWS credentials found: %s",
                         sgn_buf_cstr(&ch->notes));
}

/* ---- the chain ---------------------------------------------------------------------------- */

int sgn_aws_resolve_credentials(sgn_aws_creds *out, const sgn_aws_cred_ctx *ctx, sgn_error *err)
{
    static const sgn_aws_creds empty = SGN_AWS_CREDS_INIT;
    chain ch;
    visited seen;
    int rc;

    *out = empty;
    memset(&ch, 0, sizeof(ch));
    memset(&seen, 0, sizeof(seen));
    ch.ctx = ctx;
    if (ctx->retry != NULL && ctx->retry->budget_ms > 0)
        ch.deadline = sgn_mono_ms() + ctx->retry->budget_ms;
    if (ctx->config == NULL || ctx->profile == NULL)
        return sgn_error_set(err, SGN_EINTERNAL, "credentials: no shared config loaded");
    if (!ctx->profile_first) {
        const sgn_aws_env *env = ctx->env;
        const char *wif = sgn_aws_getenv_nonempty(env, "AWS_WEB_IDENTITY_TOKEN_FILE");

        rc = from_env(out, &ch, "environment variables", err);
        if (rc != SGN_ENOTFOUND)
            goto out;
        if (wif != NULL) {
            const char *role = sgn_aws_getenv_nonempty(env, "AWS_ROLE_ARN");
            char tsrc[160], ssrc[160];

            snprintf(tsrc, sizeof(tsrc), "web identity (AWS_WEB_IDENTITY_TOKEN_FILE=%s)", wif);
            snprintf(ssrc, sizeof(ssrc), "web identity (AWS_ROLE_ARN=%s)", role ? role : "");
            rc = web_identity(out, &ch, wif, role, "AWS_ROLE_ARN",
                              sgn_aws_getenv_nonempty(env, "AWS_ROLE_SESSION_NAME"), tsrc, ssrc,
                              err);
            goto out;
        }
        note(&ch, "web identity: AWS_WEB_IDENTITY_TOKEN_FILE not set");
    } else {
        sgn_aws_logf(ctx->log, "credentials: aws-profile \"%s\" is set: using only that profile",
                     ctx->profile);
    }
    rc = from_profile(out, &ch, ctx->profile, &seen, err);
out:
    if (rc < 0) {
        sgn_aws_creds_free(out);
        sgn_aws_logf(ctx->log, "credentials: failed: %s", err != NULL ? err->msg : "");
    }
    sgn_buf_free(&ch.notes);
    return rc;
}
