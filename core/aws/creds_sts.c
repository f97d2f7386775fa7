/* Credentials from STS: AssumeRole signed with a profile's source credentials, and
 * AssumeRoleWithWebIdentity, unsigned (EKS IRSA, web_identity_token_file). The query protocol,
 * answers in XML (aws-sdk-go-v2's stscreds; aws-c-auth's credentials_provider_sts*.c). */
#include "creds_int.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sgn/arn.h"
#include "sgn/aws_endpoint.h"
#include "sgn/util.h"

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
static int sts_call(sgn_aws_creds *out, sgn_aws__chain *ch, const char *action, const char *body,
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
        local.budget_ms = sgn_aws__remaining_ms(ch, local.budget_ms);
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
    rc = sgn_aws__finish(out, &c, ch, source, err);
out:
    free(vals[0]);
    sgn_aws_free_secret(vals[1]);
    sgn_aws_free_secret(vals[2]);
    free(vals[3]);
    sgn_aws_creds_free(&c);
    sgn_aws__response_wipe_free(&resp);
    sgn_buf_free(&endpoint);
    return rc;
}

static int default_session_name(sgn_buf *b, const sgn_aws__chain *ch, const char *given,
                                sgn_error *err)
{
    if (given != NULL && given[0] != '\0')
        return sgn_buf_puts(b, given, err);
    return sgn_buf_printf(b, err, "aws-signer-notation-%lld", (long long)ch->ctx->now);
}

/* AssumeRole with the profile's role settings, signed with `base`. */
int sgn_aws__assume_role(sgn_aws_creds *out, sgn_aws__chain *ch, const char *profile,
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
int sgn_aws__web_identity(sgn_aws_creds *out, sgn_aws__chain *ch, const char *token_file,
                          const char *role, const char *role_setting, const char *session,
                          const char *token_source, const char *sts_source, sgn_error *err)
{
    sgn_buf body = SGN_BUF_INIT, name = SGN_BUF_INIT;
    char *token = NULL;
    int rc;

    sgn_aws_logf(ch->ctx->log, "credentials: trying %s", token_source);
    if (role == NULL || role[0] == '\0') {
        rc = sgn_error_set(err, SGN_EINVALID, "%s: %s is not set", token_source, role_setting);
        goto out;
    }
    if ((rc = sgn_aws__read_token_file(&token, ch, token_file, token_source, err)) < 0)
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
