/* The AWS credential chain (see sgn/aws_creds.h): its order, its notes, and the helpers every
 * source shares (creds_int.h). The sources live one per file beside it.
 *
 * The order is aws-sdk-go-v2's resolveCredentialChain and resolveCredsFromProfile. Each source
 * either supplies credentials, reports that it has none (SGN_ENOTFOUND, with a note kept for the
 * final "no AWS credentials found" message), or fails with an error naming itself. Secrets never
 * reach a message or the log: the access key id is shown masked, and STS, IMDS, container and
 * credential_process answers are marked secret for the transport's log. */
#include "creds_int.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include <openssl/crypto.h>

#include "sgn/buf.h"
#include "sgn/util.h"

#define TOKEN_FILE_MAX ((size_t)1 << 20)

/* ---- small helpers ------------------------------------------------------------------------ */

/* Milliseconds left of the budget, capped at cap (cap <= 0: no cap); at least 1. */
long sgn_aws__remaining_ms(const sgn_aws__chain *ch, long cap)
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

int sgn_aws__budget_spent(const sgn_aws__chain *ch)
{
    return ch->deadline != 0 && sgn_mono_ms() >= ch->deadline;
}

void sgn_aws__note(sgn_aws__chain *ch, const char *fmt, ...)
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
int sgn_aws__wrap(sgn_error *err, const char *source, const sgn_error *e2, int rc)
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
void sgn_aws__printable(char *out, size_t outsz, const char *in, size_t len)
{
    size_t i, j = 0;

    for (i = 0; i < len && j + 1 < outsz; i++)
        out[j++] = (unsigned char)in[i] < 0x20 || in[i] == 0x7f ? ' ' : in[i];
    while (j > 0 && out[j - 1] == ' ')
        j--;
    out[j] = '\0';
}

int sgn_aws__keep_secret(const sgn_aws__chain *ch, const char *s, sgn_error *err)
{
    return sgn_secrets_add_str(ch->ctx->secrets, s, err);
}

/* Check and hand over a complete set of credentials from `source`. */
int sgn_aws__finish(sgn_aws_creds *out, sgn_aws_creds *c, const sgn_aws__chain *ch,
                    const char *source, sgn_error *err)
{
    char masked[32], when[32];
    int rc;

    /* registered first: whatever fails below, and whatever the services answer later, the
     * secrets are known to the redaction */
    if ((rc = sgn_aws__keep_secret(ch, c->secret_access_key, err)) < 0 ||
        (rc = sgn_aws__keep_secret(ch, c->session_token, err)) < 0) {
        sgn_aws_creds_free(c);
        return rc;
    }

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
int sgn_aws__read_token_file(char **out, const sgn_aws__chain *ch, const char *path,
                             const char *source, sgn_error *err)
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
    if ((rc = sgn_aws__keep_secret(ch, (const char *)b.data, err)) < 0)
        goto out;
    *out = sgn_buf_detach(&b, NULL);
    rc = SGN_OK;
out:
    sgn_buf_clear_free(&b);
    return rc;
}

/* ---- credentials JSON (container, IMDS, credential_process) -------------------------------- */

const char *sgn_aws__json_str(const cJSON *o, const char *name)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, name);

    return cJSON_IsString(v) && v->valuestring != NULL ? v->valuestring : NULL;
}

/* Credentials out of a JSON object; token_name is "Token" or "SessionToken". */
int sgn_aws__creds_from_json(sgn_aws_creds *c, const cJSON *o, const char *token_name,
                           const char *source, sgn_error *err)
{
    const char *akid = sgn_aws__json_str(o, "AccessKeyId");
    const char *secret = sgn_aws__json_str(o, "SecretAccessKey");
    const char *token = sgn_aws__json_str(o, token_name);
    const char *exp = sgn_aws__json_str(o, "Expiration");
    const char *account = sgn_aws__json_str(o, "AccountId");
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
        (token != NULL && token[0] != '\0' &&
         (rc = sgn_strdup(&c->session_token, token, err)) < 0) ||
        (account != NULL && account[0] != '\0' &&
         (rc = sgn_strdup(&c->account_id, account, err)) < 0))
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

void sgn_aws__json_wipe_free(cJSON *j)
{
    json_wipe(j);
    cJSON_Delete(j);
}

void sgn_aws__response_wipe_free(sgn_http_response *r)
{
    if (r->body != NULL)
        OPENSSL_cleanse(r->body, r->body_len);
    sgn_http_response_free(r);
}

/* ---- HTTP without signing (container, IMDS) ----------------------------------------------- */

int sgn_aws__http_once(sgn_http_response *resp, const sgn_aws__chain *ch, const char *method,
                       const char *url, const sgn_kv *hdrs, size_t nh, long timeout_ms,
                       sgn_error *err)
{
    sgn_http_opts o = {0, 0, NULL, NULL, NULL, NULL, NULL};
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

int sgn_aws__http_attempts(sgn_http_response *resp, sgn_aws__chain *ch, const char *method,
                           const char *url, const sgn_kv *hdrs, size_t nh, long timeout_ms,
                           int attempts, const char *source, sgn_error *err)
{
    sgn_error e2 = SGN_ERROR_INIT;
    const char *stop = NULL;
    int rc = SGN_OK, attempt;

    for (attempt = 1;; attempt++) {
        sgn_aws__response_wipe_free(resp);
        sgn_error_clear(&e2);
        rc = sgn_aws__http_once(resp, ch, method, url, hdrs, nh,
                                sgn_aws__remaining_ms(ch, timeout_ms), &e2);
        if (rc == SGN_OK && resp->status < 500)
            break;
        if (rc < 0 && resp->failure != SGN_HTTP_FAIL_TRANSIENT) {
            stop = sgn_http_failure_not_retried(resp->failure);
            break;
        }
        if (attempt >= attempts || sgn_aws__budget_spent(ch))
            break;
        sgn_aws_logf(ch->ctx->log, "credentials: %s: attempt %d failed, retrying", source,
                     attempt);
    }
    if (rc < 0)
        sgn_error_set(err, rc, "%s (after %d attempt%s%s%s)", e2.msg, attempt,
                      attempt == 1 ? "" : "s", stop ? "; " : "", stop ? stop : "");
    return rc;
}

/* Steps 5 and 6: container credentials, then IMDS; nothing found is the summary error. */
int sgn_aws__from_fallback(sgn_aws_creds *out, sgn_aws__chain *ch, sgn_error *err)
{
    int rc = sgn_aws__from_container(out, ch, NULL, err);

    if (rc != SGN_ENOTFOUND)
        return rc;
    rc = sgn_aws__from_imds(out, ch, NULL, err);
    if (rc != SGN_ENOTFOUND)
        return rc;
    return sgn_error_set(err, SGN_EINVALID, "no AWS credentials found: %s",
                         sgn_buf_cstr(&ch->notes));
}

/* ---- the chain ---------------------------------------------------------------------------- */

int sgn_aws_resolve_credentials(sgn_aws_creds *out, const sgn_aws_cred_ctx *ctx, sgn_error *err)
{
    static const sgn_aws_creds empty = SGN_AWS_CREDS_INIT;
    sgn_aws__chain ch;
    int rc;

    *out = empty;
    memset(&ch, 0, sizeof(ch));
    ch.ctx = ctx;
    if (ctx->retry != NULL && ctx->retry->budget_ms > 0)
        ch.deadline = sgn_mono_ms() + ctx->retry->budget_ms;
    if (ctx->config == NULL || ctx->profile == NULL)
        return sgn_error_set(err, SGN_EINTERNAL, "credentials: no shared config loaded");
    if (!ctx->profile_first) {
        const sgn_aws_env *env = ctx->env;
        const char *wif = sgn_aws_getenv_nonempty(env, "AWS_WEB_IDENTITY_TOKEN_FILE");

        rc = sgn_aws__from_env(out, &ch, "environment variables", err);
        if (rc != SGN_ENOTFOUND)
            goto out;
        if (wif != NULL) {
            const char *role = sgn_aws_getenv_nonempty(env, "AWS_ROLE_ARN");
            char tsrc[160], ssrc[160];

            snprintf(tsrc, sizeof(tsrc), "web identity (AWS_WEB_IDENTITY_TOKEN_FILE=%s)", wif);
            snprintf(ssrc, sizeof(ssrc), "web identity (AWS_ROLE_ARN=%s)", role ? role : "");
            rc = sgn_aws__web_identity(out, &ch, wif, role, "AWS_ROLE_ARN",
                                       sgn_aws_getenv_nonempty(env, "AWS_ROLE_SESSION_NAME"),
                                       tsrc, ssrc, err);
            goto out;
        }
        sgn_aws__note(&ch, "web identity: AWS_WEB_IDENTITY_TOKEN_FILE not set");
    } else {
        sgn_aws_logf(ctx->log, "credentials: aws-profile \"%s\" is set: using only that profile",
                     ctx->profile);
    }
    rc = sgn_aws__from_profile(out, &ch, ctx->profile, err);
out:
    if (rc < 0) {
        sgn_aws_creds_free(out);
        sgn_aws_logf(ctx->log, "credentials: failed: %s", err != NULL ? err->msg : "");
    }
    sgn_buf_free(&ch.notes);
    return rc;
}
