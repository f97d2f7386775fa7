/* Container credentials: AWS_CONTAINER_CREDENTIALS_RELATIVE_URI against http://169.254.170.2, or
 * AWS_CONTAINER_CREDENTIALS_FULL_URI (ECS task roles, EKS Pod Identity), with the authorization
 * token from a file read on every fetch or from the environment (aws-sdk-go-v2's endpointcreds;
 * aws-c-auth's credentials_provider_ecs.c). */
#include "creds_int.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "curl_lazy.h"
#include "sgn/util.h"

#define CONTAINER_TIMEOUT_MS 2000L
#define CONTAINER_ATTEMPTS 3
#define CONTAINER_HOST "http://169.254.170.2"

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
int sgn_aws__from_container(sgn_aws_creds *out, sgn_aws__chain *ch, const char *required_by,
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
    int rc;

    if (rel == NULL && full == NULL) {
        if (required_by != NULL)
            return sgn_error_set(err, SGN_EINVALID,
                                 "%s: credential_source EcsContainer, but neither "
                                 "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI nor "
                                 "AWS_CONTAINER_CREDENTIALS_FULL_URI is set",
                                 required_by);
        sgn_aws__note(ch, "container credentials: not configured");
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
        if ((rc = sgn_aws__read_token_file(&token, ch, token_file, source, err)) < 0)
            goto out;
    } else if (token_env != NULL) {
        if (strchr(token_env, '\r') != NULL || strchr(token_env, '\n') != NULL) {
            rc = sgn_error_set(err, SGN_EINVALID,
                               "%s: AWS_CONTAINER_AUTHORIZATION_TOKEN contains a line break",
                               source);
            goto out;
        }
        if ((rc = sgn_aws__keep_secret(ch, token_env, err)) < 0 ||
            (rc = sgn_strdup(&token, token_env, err)) < 0)
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
    rc = sgn_aws__http_attempts(&resp, ch, "GET", sgn_buf_cstr(&url), hdrs, nh,
                                CONTAINER_TIMEOUT_MS, CONTAINER_ATTEMPTS, source, &e2);
    if (rc < 0) {
        rc = sgn_aws__wrap(err, source, &e2, rc);
        goto out;
    }
    if (resp.status != 200) {
        char msg[256] = "";
        cJSON *ej = cJSON_ParseWithLength((const char *)resp.body, resp.body_len);
        const char *m = ej != NULL ? sgn_aws__json_str(ej, "Message") : NULL;

        if (m == NULL && ej != NULL)
            m = sgn_aws__json_str(ej, "message");
        if (m != NULL)
            sgn_aws__printable(msg, sizeof(msg), m, strlen(m));
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
    if ((rc = sgn_aws__creds_from_json(&c, json, "Token", source, err)) < 0)
        goto out;
    rc = sgn_aws__finish(out, &c, ch, source, err);
out:
    sgn_aws__json_wipe_free(json);
    sgn_aws_free_secret(token);
    sgn_aws_creds_free(&c);
    sgn_aws__response_wipe_free(&resp);
    sgn_buf_free(&url);
    return rc;
}
