/* IAM Identity Center (SSO) profiles, resolved as aws-sdk-go-v2 does (config's
 * resolveSSOCredentials and validateSSOConfiguration, credentials/ssocreds):
 *
 *   sso_session form: [profile P] sso_session = S, sso_account_id, sso_role_name;
 *                     [sso-session S] sso_start_url, sso_region. The token cache is keyed by S.
 *   legacy form:      [profile P] sso_start_url, sso_region, sso_account_id, sso_role_name.
 *                     The token cache is keyed by the start URL.
 *
 * The token that `aws sso login` cached in $HOME/.aws/sso/cache/<sha1 hex of the key>.json
 * (accessToken, expiresAt in RFC 3339) is exchanged for role credentials with the portal's
 * GetRoleCredentials: GET /federation/credentials?account_id=A&role_name=R, header
 * x-amz-sso_bearer_token, unsigned, on https://portal.sso.<sso_region>.<dns suffix> (or the
 * configured SSO endpoint). The token is a secret: it never reaches a message or the log (the
 * transport redacts every header whose name holds "token", and the answer is marked secret).
 *
 * Not done here: refreshing an expired token through SSO OIDC CreateToken (refreshToken). An
 * expired or missing token is an error naming `aws sso login --profile P`. */
#include "creds_int.h"

#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "sgn/arn.h"
#include "sgn/aws_config.h"
#include "sgn/aws_endpoint.h"
#include "sgn/crypto.h"
#include "sgn/util.h"

#define SSO_CACHE_MAX ((size_t)1 << 20)

/* What one SSO profile needs, pointing into the config. */
typedef struct sso_profile {
    const char *profile;
    const char *session;        /* sso_session, NULL for the legacy form */
    const char *start_url;
    const char *region;
    const char *account;
    const char *role;
} sso_profile;

/* ---- the cache file ----------------------------------------------------------------------- */

int sgn_aws__sso_cache_path(char **out, const char *home, const char *key, sgn_error *err)
{
    sgn_buf b = SGN_BUF_INIT;
    char *hex = NULL;
    int rc;

    *out = NULL;
    if ((rc = sgn_crypto_digest_hex(&hex, "SHA1", key, strlen(key), err)) < 0)
        goto out;
    if ((rc = sgn_buf_printf(&b, err, "%s/.aws/sso/cache/%s.json", home, hex)) < 0)
        goto out;
    *out = sgn_buf_detach(&b, NULL);
    rc = SGN_OK;
out:
    free(hex);
    sgn_buf_free(&b);
    return rc;
}

int sgn_aws__sso_read_token(char **token, int64_t *expires_at, const char *path, int64_t now,
                            const char *source, const char *profile, sgn_error *err)
{
    sgn_buf b = SGN_BUF_INIT;
    sgn_error e2 = SGN_ERROR_INIT;
    cJSON *json = NULL;
    const char *tok, *exp;
    char when[32];
    int32_t nsec;
    int rc;

    *token = NULL;
    *expires_at = 0;
    if ((rc = sgn_read_file(&b, path, SSO_CACHE_MAX, &e2)) < 0) {
        rc = sgn_error_set(err, rc == SGN_ENOTFOUND || rc == SGN_EINVALID ? SGN_EINVALID : rc,
                           "%s: no usable cached SSO token: %s%s%s; run `aws sso login "
                           "--profile %s`",
                           source, rc == SGN_ENOTFOUND ? "" : path,
                           rc == SGN_ENOTFOUND ? "" : ": ", e2.msg, profile);
        goto out;
    }
    if ((json = cJSON_ParseWithLength((const char *)b.data, b.len)) == NULL ||
        !cJSON_IsObject(json)) {
        rc = sgn_error_set(err, SGN_EINVALID,
                           "%s: the cached SSO token file %s is not a JSON object; run `aws sso "
                           "login --profile %s`",
                           source, path, profile);
        goto out;
    }
    tok = sgn_aws__json_str(json, "accessToken");
    exp = sgn_aws__json_str(json, "expiresAt");
    if (tok == NULL || tok[0] == '\0' || exp == NULL || exp[0] == '\0') {
        rc = sgn_error_set(err, SGN_EINVALID,
                           "%s: the cached SSO token file %s lacks %s (it must hold accessToken "
                           "and expiresAt); run `aws sso login --profile %s`",
                           source, path, tok == NULL || tok[0] == '\0' ? "accessToken" : "expiresAt",
                           profile);
        goto out;
    }
    if (sgn_time_parse_rfc3339(expires_at, &nsec, exp, &e2) < 0) {
        rc = sgn_error_set(err, SGN_EINVALID,
                           "%s: the cached SSO token file %s has a bad expiresAt (%s); run `aws "
                           "sso login --profile %s`",
                           source, path, e2.msg, profile);
        goto out;
    }
    /* ssocreds: expired when now is after expiresAt */
    if (now > *expires_at) {
        sgn_time_format_rfc3339(when, *expires_at);
        rc = sgn_error_set(err, SGN_EINVALID,
                           "%s: the cached SSO token in %s expired at %s%s; run `aws sso login "
                           "--profile %s`",
                           source, path, when,
                           sgn_aws__json_str(json, "refreshToken") != NULL
                               ? " (refreshing it through SSO OIDC is not supported here)"
                               : "",
                           profile);
        goto out;
    }
    /* a header value: no line breaks (header injection) */
    if (strpbrk(tok, "\r\n") != NULL) {
        rc = sgn_error_set(err, SGN_EINVALID,
                           "%s: the accessToken in %s contains a line break; run `aws sso login "
                           "--profile %s`",
                           source, path, profile);
        goto out;
    }
    rc = sgn_strdup(token, tok, err);
out:
    sgn_aws__json_wipe_free(json);
    sgn_buf_clear_free(&b);
    return rc;
}

/* The home directory as aws-sdk-go-v2's shareddefaults.UserHomeDir finds it: HOME, else the
 * password database. */
static int home_dir(char **out, const sgn_aws_env *env, const char *source, sgn_error *err)
{
    const char *h = sgn_aws_getenv_nonempty(env, "HOME");
    struct passwd pw, *res = NULL;
    char buf[4096];

    *out = NULL;
    if (h == NULL && getpwuid_r(getuid(), &pw, buf, sizeof(buf), &res) == 0 && res != NULL &&
        res->pw_dir != NULL && res->pw_dir[0] != '\0')
        h = res->pw_dir;
    if (h == NULL)
        return sgn_error_set(err, SGN_EINVALID,
                             "%s: cannot find the SSO token cache: HOME is not set", source);
    return sgn_strdup(out, h, err);
}

/* ---- configuration ------------------------------------------------------------------------ */

static const char *pget(const sgn_aws__chain *ch, const char *profile, const char *key)
{
    const char *v = sgn_aws_profile_get(ch->ctx->config, profile, key);

    return v != NULL && v[0] != '\0' ? v : NULL;
}

/* A key of the [sso-session S] section, NULL if absent or empty. */
static const char *sget(const sgn_aws__chain *ch, const char *session, const char *key)
{
    const char *v = sgn_aws_config_sso_session_get(ch->ctx->config, session, key);

    return v != NULL && v[0] != '\0' ? v : NULL;
}

int sgn_aws__has_sso(const sgn_aws_cred_ctx *ctx, const char *profile)
{
    static const char *const keys[] = {"sso_session", "sso_start_url", "sso_region",
                                       "sso_account_id", "sso_role_name"};
    size_t i;

    for (i = 0; i < sizeof(keys) / sizeof(keys[0]); i++) {
        const char *v = sgn_aws_profile_get(ctx->config, profile, keys[i]);

        if (v != NULL && v[0] != '\0')
            return 1;
    }
    return 0;
}

/* validateSSOConfiguration: the missing keys named in Go's words. */
static int load_profile(sso_profile *sp, const sgn_aws__chain *ch, const char *profile,
                        sgn_error *err)
{
    const sgn_aws_config *cfg = ch->ctx->config;
    char missing[160] = "";

    memset(sp, 0, sizeof(*sp));
    sp->profile = profile;
    sp->session = pget(ch, profile, "sso_session");
    sp->start_url = pget(ch, profile, "sso_start_url");
    sp->region = pget(ch, profile, "sso_region");
    sp->account = pget(ch, profile, "sso_account_id");
    sp->role = pget(ch, profile, "sso_role_name");
#define MISSING(k) snprintf(missing + strlen(missing), sizeof(missing) - strlen(missing), \
                            "%s%s", missing[0] ? ", " : "", (k))
    if (sp->session != NULL) {
        const char *url, *region;

        if (!sgn_aws_config_has_sso_session(cfg, sp->session))
            return sgn_error_set(err, SGN_EINVALID,
                                 "profile \"%s\" is configured to use SSO but is missing required "
                                 "configuration: sso-session (no [sso-session %s] section in %s)",
                                 profile, sp->session, sgn_aws_config_path(cfg));
        url = sget(ch, sp->session, "sso_start_url");
        region = sget(ch, sp->session, "sso_region");
        if (region == NULL)
            MISSING("sso_region");
        if (url == NULL)
            MISSING("sso_start_url");
        if (sp->account == NULL)
            MISSING("sso_account_id");
        if (sp->role == NULL)
            MISSING("sso_role_name");
        if (missing[0])
            return sgn_error_set(err, SGN_EINVALID,
                                 "profile \"%s\" is configured to use SSO but is missing required "
                                 "configuration: %s ([sso-session %s] and [profile %s] in %s)",
                                 profile, missing, sp->session, profile,
                                 sgn_aws_config_path(cfg));
        if (sp->region != NULL && strcmp(sp->region, region) != 0)
            return sgn_error_set(err, SGN_EINVALID,
                                 "sso_region in profile \"%s\" must match sso_region in "
                                 "sso-session %s",
                                 profile, sp->session);
        if (sp->start_url != NULL && strcmp(sp->start_url, url) != 0)
            return sgn_error_set(err, SGN_EINVALID,
                                 "sso_start_url in profile \"%s\" must match sso_start_url in "
                                 "sso-session %s",
                                 profile, sp->session);
        sp->start_url = url;
        sp->region = region;
        return SGN_OK;
    }
    if (sp->region == NULL)
        MISSING("sso_region");
    if (sp->start_url == NULL)
        MISSING("sso_start_url");
    if (sp->account == NULL)
        MISSING("sso_account_id");
    if (sp->role == NULL)
        MISSING("sso_role_name");
#undef MISSING
    if (missing[0])
        return sgn_error_set(err, SGN_EINVALID,
                             "profile \"%s\" is configured to use SSO but is missing required "
                             "configuration: %s (%s, %s)",
                             profile, missing, sgn_aws_credentials_path(cfg),
                             sgn_aws_config_path(cfg));
    return SGN_OK;
}

/* A region goes into a host name: letters, digits and '-' only. */
static int valid_region(const char *r)
{
    return r[0] != '\0' && strspn(r, "abcdefghijklmnopqrstuvwxyz0123456789-") == strlen(r);
}

/* The portal endpoint, as the STS one is found (endpoint.c's resolve_sts): unless
 * AWS_IGNORE_CONFIGURED_ENDPOINT_URLS / ignore_configured_endpoint_urls is true,
 * AWS_ENDPOINT_URL_SSO, AWS_ENDPOINT_URL, the profile's [services] sso endpoint_url; else
 * https://portal.sso.<sso_region>.<dns suffix>. */
static int portal_endpoint(sgn_buf *out, char source[64], const sgn_aws__chain *ch,
                           const sso_profile *sp, sgn_error *err)
{
    const sgn_aws_cred_ctx *ctx = ch->ctx;
    const char *ign = sgn_aws_getenv_nonempty(ctx->env, "AWS_IGNORE_CONFIGURED_ENDPOINT_URLS");
    const char *v = NULL;
    size_t n;
    int rc;

    if (ign == NULL && ctx->config != NULL)
        ign = sgn_aws_profile_get(ctx->config, ctx->profile, "ignore_configured_endpoint_urls");
    if (ign == NULL || strcasecmp(ign, "true") != 0) {
        if ((v = sgn_aws_getenv_nonempty(ctx->env, "AWS_ENDPOINT_URL_SSO")) != NULL) {
            snprintf(source, 64, "AWS_ENDPOINT_URL_SSO");
        } else if ((v = sgn_aws_getenv_nonempty(ctx->env, "AWS_ENDPOINT_URL")) != NULL) {
            snprintf(source, 64, "AWS_ENDPOINT_URL");
        } else if (ctx->config != NULL &&
                   (v = sgn_aws_config_service_get(ctx->config, ctx->profile, "sso",
                                                   "endpoint_url")) != NULL &&
                   v[0] != '\0') {
            snprintf(source, 64, "[services] sso endpoint_url");
        } else {
            v = NULL;
        }
    }
    if (v != NULL) {
        if (strncasecmp(v, "http://", 7) != 0 && strncasecmp(v, "https://", 8) != 0)
            return sgn_error_set(err, SGN_EINVALID, "%s \"%s\" is not an http(s) URL", source,
                                 v);
        if ((rc = sgn_buf_puts(out, v, err)) < 0)
            return rc;
        n = out->len;
        while (n > 0 && out->data[n - 1] == '/')
            out->data[--n] = '\0';
        out->len = n;
        return SGN_OK;
    }
    if (!valid_region(sp->region))
        return sgn_error_set(err, SGN_EINVALID,
                             "profile \"%s\": sso_region \"%s\" is not a region name",
                             sp->profile, sp->region);
    snprintf(source, 64, "sso_region %s", sp->region);
    return sgn_buf_printf(out, err, "https://portal.sso.%s.%s", sp->region,
                          sgn_aws_dns_suffix(sgn_partition_for_region(sp->region)));
}

/* ---- GetRoleCredentials ------------------------------------------------------------------- */

static int get_role_credentials(sgn_aws_creds *out, sgn_aws__chain *ch, const sso_profile *sp,
                                const char *token, const char *source, sgn_error *err)
{
    const sgn_aws_cred_ctx *ctx = ch->ctx;
    sgn_http_response resp = SGN_HTTP_RESPONSE_INIT;
    sgn_aws_retry local = SGN_AWS_RETRY_INIT;
    sgn_aws_creds c = SGN_AWS_CREDS_INIT;
    sgn_error e2 = SGN_ERROR_INIT;
    sgn_buf endpoint = SGN_BUF_INIT, query = SGN_BUF_INIT;
    sgn_http_opts http = {0, 0, NULL, NULL, NULL, NULL, NULL};
    char ep_source[64] = "", *acct = NULL, *role = NULL, *proxy = NULL;
    const cJSON *rc_obj, *exp;
    cJSON *json = NULL;
    sgn_kv hdr[2];
    sgn_aws_call call;
    int rc;

    if ((rc = portal_endpoint(&endpoint, ep_source, ch, sp, err)) < 0)
        goto out;
    if ((rc = sgn_uri_encode(&acct, sp->account, strlen(sp->account), 0, err)) < 0 ||
        (rc = sgn_uri_encode(&role, sp->role, strlen(sp->role), 0, err)) < 0 ||
        (rc = sgn_buf_printf(&query, err, "account_id=%s&role_name=%s", acct, role)) < 0)
        goto out;
    /* the portal is reached through its own proxy setting, as STS is */
    if ((rc = sgn_http_proxy_for(&proxy, ctx->env, sgn_buf_cstr(&endpoint), err)) < 0)
        goto out;
    if (ctx->http != NULL)
        http = *ctx->http;
    http.proxy = proxy;
    if (http.log == NULL)
        http.log = ctx->log;
    if (ctx->retry != NULL)
        local = *ctx->retry;
    if (ch->deadline != 0)
        local.budget_ms = sgn_aws__remaining_ms(ch, local.budget_ms);
    hdr[0].key = (char *)"x-amz-sso_bearer_token";
    hdr[0].value = (char *)token;
    hdr[1].key = (char *)"Accept";
    hdr[1].value = (char *)"application/json";
    memset(&call, 0, sizeof(call));
    call.operation = "GetRoleCredentials";
    call.method = "GET";
    call.endpoint = sgn_buf_cstr(&endpoint);
    call.path = "/federation/credentials";
    call.query = sgn_buf_cstr(&query);
    call.extra_headers = hdr;
    call.n_extra_headers = 2;
    call.region = sp->region;
    call.service = "awsssoportal";
    call.creds = NULL;          /* bearer token, not SigV4 */
    call.user_agent = ctx->user_agent;
    call.response_secret = 1;
    sgn_aws_logf(ctx->log, "credentials: %s: GetRoleCredentials for role %s in account %s at %s "
                 "(from %s)",
                 source, sp->role, sp->account, call.endpoint, ep_source);
    rc = sgn_aws_send(&resp, &call, &http, &local, &e2);
    if (ctx->retry != NULL)
        ctx->retry->quota = local.quota;
    if (rc < 0) {
        rc = sgn_error_set(err, rc, "%s: GetRoleCredentials failed: %s", source, e2.msg);
        goto out;
    }
    if (resp.status < 200 || resp.status > 299) {
        sgn_aws_api_error ae;
        char msg[600];
        const char *code;

        sgn_aws_parse_error(&ae, &resp);
        sgn_aws__printable(msg, sizeof(msg), ae.message, strlen(ae.message));
        code = ae.code[0] ? ae.code
               : resp.status == 401 ? "UnauthorizedException"
               : resp.status == 403 ? "ForbiddenException"
                                    : "unknown error";
        if (resp.status == 401 || strcmp(code, "UnauthorizedException") == 0)
            rc = sgn_error_set(err, SGN_EDENIED,
                               "%s: the SSO portal rejected the cached SSO token (%s%s%s, HTTP "
                               "%ld%s%s); run `aws sso login --profile %s`",
                               source, code, msg[0] ? ": " : "", msg, resp.status,
                               ae.request_id[0] ? ", request id " : "", ae.request_id,
                               sp->profile);
        else if (resp.status == 403)
            rc = sgn_error_set(err, SGN_EDENIED,
                               "%s: the SSO portal refused role %s in account %s (%s%s%s, HTTP "
                               "%ld%s%s); check that the role is assigned to you, or run `aws "
                               "sso login --profile %s`",
                               source, sp->role, sp->account, code, msg[0] ? ": " : "", msg,
                               resp.status, ae.request_id[0] ? ", request id " : "",
                               ae.request_id, sp->profile);
        else
            rc = sgn_error_set(err,
                               resp.status == 429 || strcmp(code, "TooManyRequestsException") == 0
                                   ? SGN_ETHROTTLED
                               : resp.status >= 500 ? SGN_ENETWORK
                                                    : SGN_EINVALID,
                               "%s: GetRoleCredentials for role %s in account %s failed: %s%s%s "
                               "(HTTP %ld%s%s)",
                               source, sp->role, sp->account, code, msg[0] ? ": " : "", msg,
                               resp.status, ae.request_id[0] ? ", request id " : "",
                               ae.request_id);
        goto out;
    }
    if ((json = cJSON_ParseWithLength((const char *)resp.body, resp.body_len)) == NULL ||
        !cJSON_IsObject(rc_obj = cJSON_GetObjectItemCaseSensitive(json, "roleCredentials"))) {
        rc = sgn_error_set(err, SGN_EINVALID,
                           "%s: the GetRoleCredentials answer has no roleCredentials object",
                           source);
        goto out;
    }
    {
        const char *akid = sgn_aws__json_str(rc_obj, "accessKeyId");
        const char *secret = sgn_aws__json_str(rc_obj, "secretAccessKey");
        const char *tok = sgn_aws__json_str(rc_obj, "sessionToken");

        if (akid == NULL || akid[0] == '\0' || secret == NULL || secret[0] == '\0') {
            rc = sgn_error_set(err, SGN_EINVALID,
                               "%s: the GetRoleCredentials answer lacks roleCredentials.%s",
                               source,
                               akid == NULL || akid[0] == '\0' ? "accessKeyId" : "secretAccessKey");
            goto out;
        }
        exp = cJSON_GetObjectItemCaseSensitive(rc_obj, "expiration");
        /* epoch milliseconds */
        if (cJSON_IsNumber(exp) && exp->valuedouble > 0)
            c.expiration = (int64_t)(exp->valuedouble / 1000);
        if ((rc = sgn_strdup(&c.access_key_id, akid, err)) < 0 ||
            (rc = sgn_strdup(&c.secret_access_key, secret, err)) < 0 ||
            (tok != NULL && tok[0] != '\0' &&
             (rc = sgn_strdup(&c.session_token, tok, err)) < 0) ||
            (rc = sgn_strdup(&c.account_id, sp->account, err)) < 0)
            goto out;
    }
    rc = sgn_aws__finish(out, &c, ch, source, err);
out:
    sgn_aws__json_wipe_free(json);
    sgn_aws_creds_free(&c);
    sgn_aws__response_wipe_free(&resp);
    sgn_buf_free(&endpoint);
    sgn_buf_free(&query);
    free(acct);
    free(role);
    free(proxy);
    return rc;
}

int sgn_aws__from_sso(sgn_aws_creds *out, sgn_aws__chain *ch, const char *profile,
                      sgn_error *err)
{
    sso_profile sp;
    char source[200], *home = NULL, *path = NULL, *token = NULL;
    int64_t expires_at = 0;
    int rc;

    memset(&sp, 0, sizeof(sp));
    if ((rc = load_profile(&sp, ch, profile, err)) < 0)
        goto out;
    if (sp.session != NULL)
        snprintf(source, sizeof(source), "SSO of profile \"%s\" (sso_session %.60s)", profile,
                 sp.session);
    else
        snprintf(source, sizeof(source), "SSO of profile \"%s\" (sso_start_url %.100s)", profile,
                 sp.start_url);
    sgn_aws_logf(ch->ctx->log, "credentials: trying %s", source);
    if ((rc = home_dir(&home, ch->ctx->env, source, err)) < 0 ||
        (rc = sgn_aws__sso_cache_path(&path, home,
                                      sp.session != NULL ? sp.session : sp.start_url, err)) < 0)
        goto out;
    sgn_aws_logf(ch->ctx->log, "credentials: %s: cached token file %s", source, path);
    if ((rc = sgn_aws__sso_read_token(&token, &expires_at, path, ch->ctx->now, source, profile,
                                      err)) < 0)
        goto out;
    rc = get_role_credentials(out, ch, &sp, token, source, err);
out:
    sgn_aws_free_secret(token);
    free(home);
    free(path);
    return rc;
}
