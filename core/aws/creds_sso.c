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
 * configured SSO endpoint).
 *
 * For the sso_session form only (ssocreds.SSOTokenProvider), a token that has expired, or
 * expires within SGN_AWS_SSO_REFRESH_WINDOW seconds, is first refreshed with SSO OIDC
 * CreateToken (POST /token, JSON {clientId, clientSecret, grantType: "refresh_token",
 * refreshToken}, unsigned, on https://oidc.<sso_region>.<dns suffix> or the configured SSO OIDC
 * endpoint) when the cache file holds refreshToken, clientId and clientSecret and its
 * registrationExpiresAt, if any, is still ahead; the answer's accessToken, expiresIn and
 * refreshToken are written back into the same file, every other member kept. The legacy form is
 * never refreshed. An expired token that cannot be refreshed is an error naming
 * `aws sso login --profile P`.
 *
 * Tokens, the refresh token and the client secret are secrets: they never reach a message or
 * the log (the transport redacts every header whose name holds "token"; the CreateToken request
 * and both answers are marked secret), and every copy is wiped before it is freed. */
#include "creds_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <openssl/crypto.h>

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

int sgn_aws__sso_refresh_due(int64_t expires_at, int64_t now)
{
    return now > expires_at - SGN_AWS_SSO_REFRESH_WINDOW;
}

/* The cache file, parsed. The pointers point into json; all but registration_expires are
 * secrets or sit next to them, and json is wiped when freed. */
typedef struct sso_cache {
    cJSON *json;                        /* the whole file: a rewrite keeps every member */
    const char *access_token;
    const char *refresh_token;          /* NULL when absent or empty, as the three below */
    const char *client_id;
    const char *client_secret;
    const char *registration_expires;   /* registrationExpiresAt, RFC 3339 */
    int64_t expires_at;                 /* Unix seconds */
} sso_cache;

static const char *nonempty(const char *s)
{
    return s != NULL && s[0] != '\0' ? s : NULL;
}

/* loadCachedToken: accessToken and expiresAt must be there; whether the token has expired is
 * the caller's business (it may be refreshed). */
static int load_cache(sso_cache *c, const char *path, const char *source, const char *profile,
                      sgn_error *err)
{
    sgn_buf b = SGN_BUF_INIT;
    sgn_error e2 = SGN_ERROR_INIT;
    const char *exp;
    int32_t nsec;
    int rc;

    memset(c, 0, sizeof(*c));
    if ((rc = sgn_read_file(&b, path, SSO_CACHE_MAX, &e2)) < 0) {
        rc = sgn_error_set(err, rc == SGN_ENOTFOUND || rc == SGN_EINVALID ? SGN_EINVALID : rc,
                           "%s: no usable cached SSO token: %s%s%s; run `aws sso login "
                           "--profile %s`",
                           source, rc == SGN_ENOTFOUND ? "" : path,
                           rc == SGN_ENOTFOUND ? "" : ": ", e2.msg, profile);
        goto out;
    }
    if ((c->json = cJSON_ParseWithLength((const char *)b.data, b.len)) == NULL ||
        !cJSON_IsObject(c->json)) {
        rc = sgn_error_set(err, SGN_EINVALID,
                           "%s: the cached SSO token file %s is not a JSON object; run `aws sso "
                           "login --profile %s`",
                           source, path, profile);
        goto out;
    }
    c->access_token = nonempty(sgn_aws__json_str(c->json, "accessToken"));
    exp = nonempty(sgn_aws__json_str(c->json, "expiresAt"));
    if (c->access_token == NULL || exp == NULL) {
        rc = sgn_error_set(err, SGN_EINVALID,
                           "%s: the cached SSO token file %s lacks %s (it must hold accessToken "
                           "and expiresAt); run `aws sso login --profile %s`",
                           source, path, c->access_token == NULL ? "accessToken" : "expiresAt",
                           profile);
        goto out;
    }
    if (sgn_time_parse_rfc3339(&c->expires_at, &nsec, exp, &e2) < 0) {
        rc = sgn_error_set(err, SGN_EINVALID,
                           "%s: the cached SSO token file %s has a bad expiresAt (%s); run `aws "
                           "sso login --profile %s`",
                           source, path, e2.msg, profile);
        goto out;
    }
    c->refresh_token = nonempty(sgn_aws__json_str(c->json, "refreshToken"));
    c->client_id = nonempty(sgn_aws__json_str(c->json, "clientId"));
    c->client_secret = nonempty(sgn_aws__json_str(c->json, "clientSecret"));
    c->registration_expires = nonempty(sgn_aws__json_str(c->json, "registrationExpiresAt"));
    rc = SGN_OK;
out:
    sgn_buf_clear_free(&b);
    return rc;
}

static void cache_free(sso_cache *c)
{
    sgn_aws__json_wipe_free(c->json);
    memset(c, 0, sizeof(*c));
}

/* A token goes into a header value: no line breaks (header injection). */
static int check_token(const char *tok, const char *path, const char *source,
                       const char *profile, sgn_error *err)
{
    if (strpbrk(tok, "\r\n") != NULL)
        return sgn_error_set(err, SGN_EINVALID,
                             "%s: the accessToken in %s contains a line break; run `aws sso login "
                             "--profile %s`",
                             source, path, profile);
    return SGN_OK;
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

/* How one of the two SSO services is reached. */
typedef struct sso_service {
    const char *env;            /* AWS_ENDPOINT_URL_<service id> */
    const char *services_key;   /* its key in a [services] section */
    const char *host;           /* default host's first labels: "portal.sso", "oidc" */
} sso_service;

static const sso_service SSO_PORTAL = {"AWS_ENDPOINT_URL_SSO", "sso", "portal.sso"};
static const sso_service SSO_OIDC = {"AWS_ENDPOINT_URL_SSO_OIDC", "sso_oidc", "oidc"};

/* A service's endpoint, as the STS one is found (endpoint.c's resolve_sts): unless
 * AWS_IGNORE_CONFIGURED_ENDPOINT_URLS / ignore_configured_endpoint_urls is true,
 * AWS_ENDPOINT_URL_<SERVICE>, AWS_ENDPOINT_URL, the profile's [services] endpoint_url for the
 * service; else https://<host>.<sso_region>.<dns suffix> (the portal: portal.sso, SSO OIDC:
 * oidc, as their endpoint rule sets build them). */
static int sso_endpoint(sgn_buf *out, char source[64], const sgn_aws__chain *ch,
                        const sso_profile *sp, const sso_service *svc, sgn_error *err)
{
    const sgn_aws_cred_ctx *ctx = ch->ctx;
    const char *ign = sgn_aws_getenv_nonempty(ctx->env, "AWS_IGNORE_CONFIGURED_ENDPOINT_URLS");
    const char *v = NULL;
    size_t n;
    int rc;

    if (ign == NULL && ctx->config != NULL)
        ign = sgn_aws_profile_get(ctx->config, ctx->profile, "ignore_configured_endpoint_urls");
    if (ign == NULL || strcasecmp(ign, "true") != 0) {
        if ((v = sgn_aws_getenv_nonempty(ctx->env, svc->env)) != NULL) {
            snprintf(source, 64, "%s", svc->env);
        } else if ((v = sgn_aws_getenv_nonempty(ctx->env, "AWS_ENDPOINT_URL")) != NULL) {
            snprintf(source, 64, "AWS_ENDPOINT_URL");
        } else if (ctx->config != NULL &&
                   (v = sgn_aws_config_service_get(ctx->config, ctx->profile, svc->services_key,
                                                   "endpoint_url")) != NULL &&
                   v[0] != '\0') {
            snprintf(source, 64, "[services] %s endpoint_url", svc->services_key);
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
    return sgn_buf_printf(out, err, "https://%s.%s.%s", svc->host, sp->region,
                          sgn_aws_dns_suffix(sgn_partition_for_region(sp->region)));
}

/* Send an unsigned call to an SSO service, with the endpoint's proxy, the context's HTTP
 * options and retry mode, within the chain's budget. */
static int sso_send(sgn_http_response *resp, sgn_aws__chain *ch, sgn_aws_call *call,
                    sgn_error *err)
{
    const sgn_aws_cred_ctx *ctx = ch->ctx;
    sgn_aws_retry local = SGN_AWS_RETRY_INIT;
    sgn_http_opts http = {0, 0, NULL, NULL, NULL, NULL, NULL};
    char *proxy = NULL;
    int rc;

    /* the SSO services are reached through their own proxy setting, as STS is */
    if ((rc = sgn_http_proxy_for(&proxy, ctx->env, call->endpoint, err)) < 0)
        return rc;
    if (ctx->http != NULL)
        http = *ctx->http;
    http.proxy = proxy;
    if (http.log == NULL)
        http.log = ctx->log;
    if (ctx->retry != NULL)
        local = *ctx->retry;
    if (ch->deadline != 0)
        local.budget_ms = sgn_aws__remaining_ms(ch, local.budget_ms);
    call->creds = NULL;         /* bearer token or none, not SigV4 */
    call->user_agent = ctx->user_agent;
    call->response_secret = 1;
    rc = sgn_aws_send(resp, call, &http, &local, err);
    if (ctx->retry != NULL)
        ctx->retry->quota = local.quota;
    free(proxy);
    return rc;
}

/* ---- GetRoleCredentials ------------------------------------------------------------------- */

static int get_role_credentials(sgn_aws_creds *out, sgn_aws__chain *ch, const sso_profile *sp,
                                const char *token, const char *source, sgn_error *err)
{
    const sgn_aws_cred_ctx *ctx = ch->ctx;
    sgn_http_response resp = SGN_HTTP_RESPONSE_INIT;
    sgn_aws_creds c = SGN_AWS_CREDS_INIT;
    sgn_error e2 = SGN_ERROR_INIT;
    sgn_buf endpoint = SGN_BUF_INIT, query = SGN_BUF_INIT;
    char ep_source[64] = "", *acct = NULL, *role = NULL;
    const cJSON *rc_obj, *exp;
    cJSON *json = NULL;
    sgn_kv hdr[2];
    sgn_aws_call call;
    int rc;

    if ((rc = sso_endpoint(&endpoint, ep_source, ch, sp, &SSO_PORTAL, err)) < 0)
        goto out;
    if ((rc = sgn_uri_encode(&acct, sp->account, strlen(sp->account), 0, err)) < 0 ||
        (rc = sgn_uri_encode(&role, sp->role, strlen(sp->role), 0, err)) < 0 ||
        (rc = sgn_buf_printf(&query, err, "account_id=%s&role_name=%s", acct, role)) < 0)
        goto out;
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
    sgn_aws_logf(ctx->log, "credentials: %s: GetRoleCredentials for role %s in account %s at %s "
                 "(from %s)",
                 source, sp->role, sp->account, call.endpoint, ep_source);
    rc = sso_send(&resp, ch, &call, &e2);
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
    return rc;
}

/* ---- refreshing the token: SSO OIDC CreateToken ---------------------------------------------- */

/* Why the cached token cannot be refreshed, or NULL when it can: SSOTokenProvider is only set up
 * for the sso_session form and needs refreshToken, clientId and clientSecret; we also require
 * registrationExpiresAt (when the cache has it) to be in the future, as botocore's
 * SSOTokenProvider does, instead of sending a registration OIDC would refuse. */
static const char *cannot_refresh(char *buf, size_t n, const sso_profile *sp, const sso_cache *c,
                                  int64_t now)
{
    int64_t reg;
    int32_t nsec;
    char when[32];

    if (sp->session == NULL)
        return "the legacy sso_start_url form is never refreshed; an sso_session profile is";
    if (c->refresh_token == NULL)
        return "the cache file holds no refreshToken";
    if (c->client_id == NULL || c->client_secret == NULL)
        return "the cache file holds no client registration (clientId, clientSecret)";
    if (c->registration_expires != NULL) {
        if (sgn_time_parse_rfc3339(&reg, &nsec, c->registration_expires, NULL) < 0)
            return "the cache file's registrationExpiresAt is not an RFC 3339 time";
        if (now >= reg) {
            sgn_time_format_rfc3339(when, reg);
            snprintf(buf, n, "its client registration expired at %s", when);
            return buf;
        }
    }
    return NULL;
}

/* Replace (value non-NULL) or remove the string member name of o, wiping the old value. */
static int set_member(cJSON *o, const char *name, const char *value, sgn_error *err)
{
    sgn_aws__json_wipe_free(cJSON_DetachItemFromObjectCaseSensitive(o, name));
    if (value != NULL && cJSON_AddStringToObject(o, name, value) == NULL)
        return sgn_error_set(err, SGN_ENOMEM, "out of memory");
    return SGN_OK;
}

/* storeCachedToken: the new accessToken, expiresAt and refreshToken (removed when the answer
 * had none, as Go's omitempty does) replace the old ones; every other member is kept. Written
 * atomically, mode 0600 as the AWS CLI writes it. c's pointers are updated. */
static int save_cache(sso_cache *c, const char *path, const char *access, int64_t expires_at,
                      const char *refresh, sgn_error *err)
{
    char when[32], *text = NULL;
    int rc;

    sgn_time_format_rfc3339(when, expires_at);
    if ((rc = set_member(c->json, "accessToken", access, err)) < 0 ||
        (rc = set_member(c->json, "expiresAt", when, err)) < 0 ||
        (rc = set_member(c->json, "refreshToken", refresh, err)) < 0)
        goto out;
    c->access_token = sgn_aws__json_str(c->json, "accessToken");
    c->refresh_token = nonempty(sgn_aws__json_str(c->json, "refreshToken"));
    c->expires_at = expires_at;
    if ((text = cJSON_PrintUnformatted(c->json)) == NULL) {
        rc = sgn_error_set(err, SGN_ENOMEM, "out of memory");
        goto out;
    }
    rc = sgn_write_file_atomic(path, text, strlen(text), 0600, err);
out:
    if (text != NULL) {
        OPENSSL_cleanse(text, strlen(text));
        cJSON_free(text);
    }
    return rc;
}

/* The error of a CreateToken answer: the OIDC code (x-amzn-ErrorType, e.g.
 * InvalidGrantException) and its error_description, unless that quotes a secret we sent. */
static int oidc_error(const sgn_http_response *resp, const sso_cache *c, sgn_error *err)
{
    sgn_aws_api_error ae;
    cJSON *j = NULL;
    const char *desc, *code;
    char msg[600];
    int rc;

    sgn_aws_parse_error(&ae, resp);
    desc = ae.message;
    if (desc[0] == '\0' && resp->body != NULL &&
        (j = cJSON_ParseWithLength((const char *)resp->body, resp->body_len)) != NULL &&
        (desc = sgn_aws__json_str(j, "error_description")) == NULL)
        desc = "";
    sgn_aws__printable(msg, sizeof(msg), desc, strlen(desc));
    if (strstr(msg, c->refresh_token) != NULL || strstr(msg, c->client_secret) != NULL ||
        strstr(msg, c->access_token) != NULL)
        msg[0] = '\0';
    code = ae.code[0] ? ae.code : "unknown error";
    if (strcmp(code, "InvalidGrantException") == 0 || strcmp(code, "InvalidClientException") == 0 ||
        strcmp(code, "UnauthorizedClientException") == 0 ||
        strcmp(code, "ExpiredTokenException") == 0 || strcmp(code, "AccessDeniedException") == 0)
        rc = SGN_EDENIED;
    else if (resp->status == 429 || sgn_aws_code_retryable(code))
        rc = SGN_ETHROTTLED;
    else
        rc = resp->status >= 500 ? SGN_ENETWORK : SGN_EINVALID;
    rc = sgn_error_set(err, rc, "SSO OIDC CreateToken failed: %s%s%s (HTTP %ld%s%s)", code,
                       msg[0] ? ": " : "", msg, resp->status,
                       ae.request_id[0] ? ", request id " : "", ae.request_id);
    sgn_aws__json_wipe_free(j);
    return rc;
}

/* SSOTokenProvider.refreshToken: CreateToken with grant type refresh_token (POST /token on
 * https://oidc.<sso_region>.<dns suffix>, rest-json, unsigned), then the cache file rewritten.
 * On success *out is the new access token (a secret: sgn_aws_free_secret). Error messages name
 * no token or secret. */
static int refresh_token(char **out, sgn_aws__chain *ch, const sso_profile *sp, sso_cache *c,
                         const char *path, const char *source, sgn_error *err)
{
    const sgn_aws_cred_ctx *ctx = ch->ctx;
    sgn_http_response resp = SGN_HTTP_RESPONSE_INIT;
    sgn_error e2 = SGN_ERROR_INIT;
    sgn_buf endpoint = SGN_BUF_INIT;
    cJSON *req = NULL, *ans = NULL;
    const cJSON *exp_in;
    const char *access, *refresh;
    char ep_source[64] = "", *body = NULL, when[32];
    sgn_kv hdr[1];
    sgn_aws_call call;
    int64_t expires_in = 0;
    int rc;

    *out = NULL;
    if ((rc = sso_endpoint(&endpoint, ep_source, ch, sp, &SSO_OIDC, err)) < 0)
        goto out;
    if ((req = cJSON_CreateObject()) == NULL ||
        cJSON_AddStringToObject(req, "clientId", c->client_id) == NULL ||
        cJSON_AddStringToObject(req, "clientSecret", c->client_secret) == NULL ||
        cJSON_AddStringToObject(req, "grantType", "refresh_token") == NULL ||
        cJSON_AddStringToObject(req, "refreshToken", c->refresh_token) == NULL ||
        (body = cJSON_PrintUnformatted(req)) == NULL) {
        rc = sgn_error_set(err, SGN_ENOMEM, "out of memory");
        goto out;
    }
    hdr[0].key = (char *)"Accept";
    hdr[0].value = (char *)"application/json";
    memset(&call, 0, sizeof(call));
    call.operation = "CreateToken";
    call.method = "POST";
    call.endpoint = sgn_buf_cstr(&endpoint);
    call.path = "/token";
    call.content_type = "application/json";
    call.body = (const unsigned char *)body;
    call.body_len = strlen(body);
    call.extra_headers = hdr;
    call.n_extra_headers = 1;
    call.region = sp->region;
    call.service = "sso-oauth";
    call.body_secret = 1;       /* clientSecret, refreshToken */
    sgn_time_format_rfc3339(when, c->expires_at);
    sgn_aws_logf(ctx->log, "credentials: %s: the cached SSO token expires at %s; refreshing it "
                 "with SSO OIDC CreateToken at %s (from %s)",
                 source, when, call.endpoint, ep_source);
    if ((rc = sso_send(&resp, ch, &call, &e2)) < 0) {
        rc = sgn_error_set(err, rc, "SSO OIDC CreateToken failed: %s", e2.msg);
        goto out;
    }
    if (resp.status < 200 || resp.status > 299) {
        rc = oidc_error(&resp, c, err);
        goto out;
    }
    if ((ans = cJSON_ParseWithLength((const char *)resp.body, resp.body_len)) == NULL ||
        !cJSON_IsObject(ans)) {
        rc = sgn_error_set(err, SGN_EINVALID, "the SSO OIDC CreateToken answer is not a JSON "
                           "object");
        goto out;
    }
    access = nonempty(sgn_aws__json_str(ans, "accessToken"));
    refresh = nonempty(sgn_aws__json_str(ans, "refreshToken"));
    if ((rc = sgn_aws__keep_secret(ch, access, err)) < 0 ||
        (rc = sgn_aws__keep_secret(ch, refresh, err)) < 0)
        goto out;
    if (access == NULL || strpbrk(access, "\r\n") != NULL) {
        rc = sgn_error_set(err, SGN_EINVALID, "the SSO OIDC CreateToken answer has %s",
                           access == NULL ? "no accessToken" : "an accessToken with a line break");
        goto out;
    }
    /* expiresIn: seconds, an int32 that Go reads as 0 when absent */
    exp_in = cJSON_GetObjectItemCaseSensitive(ans, "expiresIn");
    if (cJSON_IsNumber(exp_in) && exp_in->valuedouble > 0)
        expires_in = exp_in->valuedouble < 2147483647.0 ? (int64_t)exp_in->valuedouble
                                                         : INT64_C(2147483647);
    if ((rc = save_cache(c, path, access, ctx->now + expires_in, refresh, &e2)) < 0) {
        rc = sgn_error_set(err, rc, "cannot save the refreshed SSO token: %s", e2.msg);
        goto out;
    }
    sgn_time_format_rfc3339(when, c->expires_at);
    sgn_aws_logf(ctx->log, "credentials: %s: refreshed the SSO token (valid until %s) and saved "
                 "it in %s",
                 source, when, path);
    rc = sgn_strdup(out, c->access_token, err);
out:
    if (body != NULL) {
        OPENSSL_cleanse(body, strlen(body));
        cJSON_free(body);
    }
    sgn_aws__json_wipe_free(req);
    sgn_aws__json_wipe_free(ans);
    sgn_aws__response_wipe_free(&resp);
    sgn_buf_free(&endpoint);
    return rc;
}

/* RetrieveBearerToken: the cached token, refreshed first when it has expired or expires within
 * SGN_AWS_SSO_REFRESH_WINDOW seconds and can be refreshed. A token that has expired and cannot be
 * refreshed, or whose refresh fails, is an error naming `aws sso login --profile P`; one that is
 * still valid is used as it is when its refresh fails. *out is a secret. */
static int bearer_token(char **out, sgn_aws__chain *ch, const sso_profile *sp, const char *path,
                        const char *source, sgn_error *err)
{
    const char *profile = sp->profile, *why;
    sgn_error e2 = SGN_ERROR_INIT;
    int64_t now = ch->ctx->now;
    sso_cache c;
    char when[32], reason[96];
    int rc, expired;

    *out = NULL;
    if ((rc = load_cache(&c, path, source, profile, err)) < 0)
        goto out;
    if ((rc = sgn_aws__keep_secret(ch, c.access_token, err)) < 0 ||
        (rc = sgn_aws__keep_secret(ch, c.refresh_token, err)) < 0 ||
        (rc = sgn_aws__keep_secret(ch, c.client_secret, err)) < 0)
        goto out;
    sgn_time_format_rfc3339(when, c.expires_at);
    /* ssocreds: expired when now is after expiresAt */
    expired = now > c.expires_at;
    if (sgn_aws__sso_refresh_due(c.expires_at, now)) {
        why = cannot_refresh(reason, sizeof(reason), sp, &c, now);
        if (why == NULL) {
            if ((rc = refresh_token(out, ch, sp, &c, path, source, &e2)) == SGN_OK)
                goto out;
            if (expired) {
                rc = sgn_error_set(err, rc,
                                   "%s: the cached SSO token in %s expired at %s and refreshing "
                                   "it failed: %s; run `aws sso login --profile %s`",
                                   source, path, when, e2.msg, profile);
                goto out;
            }
            sgn_aws_logf(ch->ctx->log, "credentials: %s: %s; using the cached SSO token, valid "
                         "until %s",
                         source, e2.msg, when);
        } else if (expired) {
            rc = sgn_error_set(err, SGN_EINVALID,
                               "%s: the cached SSO token in %s expired at %s and cannot be "
                               "refreshed (%s); run `aws sso login --profile %s`",
                               source, path, when, why, profile);
            goto out;
        } else {
            sgn_aws_logf(ch->ctx->log, "credentials: %s: the cached SSO token expires at %s and "
                         "cannot be refreshed (%s)",
                         source, when, why);
        }
    }
    if ((rc = check_token(c.access_token, path, source, profile, err)) < 0)
        goto out;
    rc = sgn_strdup(out, c.access_token, err);
out:
    cache_free(&c);
    return rc;
}

int sgn_aws__from_sso(sgn_aws_creds *out, sgn_aws__chain *ch, const char *profile,
                      sgn_error *err)
{
    sso_profile sp;
    char source[200], *home = NULL, *path = NULL, *token = NULL;
    sgn_error e_home = SGN_ERROR_INIT;
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
    if ((rc = sgn_aws_home_dir(&home, ch->ctx->env, "the SSO token cache", &e_home)) < 0) {
        rc = sgn_error_set(err, rc, "%s: %s", source, e_home.msg);
        goto out;
    }
    if ((rc = sgn_aws__sso_cache_path(&path, home,
                                      sp.session != NULL ? sp.session : sp.start_url, err)) < 0)
        goto out;
    sgn_aws_logf(ch->ctx->log, "credentials: %s: cached token file %s", source, path);
    if ((rc = bearer_token(&token, ch, &sp, path, source, err)) < 0)
        goto out;
    rc = get_role_credentials(out, ch, &sp, token, source, err);
out:
    sgn_aws_free_secret(token);
    free(home);
    free(path);
    return rc;
}
