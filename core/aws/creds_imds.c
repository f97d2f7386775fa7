/* EC2 instance metadata (IMDSv2 with the IMDSv1 fallback): the role name, then its credentials
 * (aws-sdk-go-v2's ec2rolecreds and feature/ec2/imds; aws-c-auth's credentials_provider_imds.c). */
#include "creds_int.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "sgn/util.h"

#define IMDS_V4 "http://169.254.169.254"
#define IMDS_V6 "http://[fd00:ec2::254]"
#define IMDS_TTL "21600"

/* An environment variable, else the profile's config key. */
static const char *setting(const sgn_aws__chain *ch, const char *var, const char *key)
{
    const char *v = sgn_aws_getenv_nonempty(ch->ctx->env, var);

    if (v == NULL && ch->ctx->profile != NULL)
        v = sgn_aws_config_get(ch->ctx->config, ch->ctx->profile, key);
    return v != NULL && v[0] != '\0' ? v : NULL;
}

typedef struct imds {
    sgn_aws__chain *ch;
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
    return sgn_aws__http_attempts(resp, m->ch, method, url, hdrs, nh, m->timeout_ms, m->attempts,
                                  "IMDS", err);
}

/* SGN_ENOTFOUND with a note when there is no instance metadata service to ask (disabled,
 * nothing listening, no role attached) and `required` is NULL; errors otherwise. */
int sgn_aws__from_imds(sgn_aws_creds *out, sgn_aws__chain *ch, const char *required_by,
                       sgn_error *err)
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
        sgn_aws__note(ch, "EC2 instance metadata: disabled by AWS_EC2_METADATA_DISABLED=true");
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
        if ((rc = sgn_aws__keep_secret(ch, (const char *)resp.body, err)) < 0 ||
            (rc = sgn_strdup(&m.token, (const char *)resp.body, err)) < 0)
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
            rc = sgn_aws__wrap(err, m.source, &e2, rc);
            goto out;
        }
        sgn_aws__note(ch, "EC2 instance metadata: %s", e2.msg);
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
            sgn_aws__note(ch, "EC2 instance metadata: %s", e2.msg);
            rc = SGN_ENOTFOUND;
        } else {
            rc = sgn_aws__wrap(err, m.source, &e2, rc);
        }
        goto out;
    }
    if (resp.status == 404 && required_by == NULL) {
        sgn_aws__note(ch, "EC2 instance metadata: no IAM role attached to the instance (HTTP 404)");
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
        rc = sgn_aws__wrap(err, m.source, &e2, rc);
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
        const char *code = sgn_aws__json_str(json, "Code");

        if (code != NULL && strcmp(code, "Success") != 0) {
            const char *msg = sgn_aws__json_str(json, "Message");
            char shown[256] = "";

            if (msg != NULL)
                sgn_aws__printable(shown, sizeof(shown), msg, strlen(msg));
            rc = sgn_error_set(err, SGN_EINVALID, "%s: role %s: %s%s%s", m.source, role, code,
                               shown[0] ? ": " : "", shown);
            goto out;
        }
    }
    if ((rc = sgn_aws__creds_from_json(&c, json, "Token", m.source, err)) < 0)
        goto out;
    rc = sgn_aws__finish(out, &c, ch, m.source, err);
out:
    sgn_aws__json_wipe_free(json);
    sgn_aws_free_secret(m.token);
    sgn_aws_creds_free(&c);
    sgn_aws__response_wipe_free(&resp);
    return rc;
}
