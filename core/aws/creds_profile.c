/* A profile of the shared files, resolved in aws-sdk-go-v2's resolveCredsFromProfile order:
 * source_profile (then AssumeRole), static keys, credential_source (then AssumeRole),
 * web_identity_token_file, SSO settings (creds_sso.c), credential_process, else the container
 * and IMDS steps (aws-c-auth's credentials_provider_profile.c). */
#include "creds_int.h"

#include <stdio.h>
#include <string.h>

#include "sgn/util.h"

#define PROFILE_DEPTH_MAX 16

typedef struct visited {
    const char *names[PROFILE_DEPTH_MAX];
    int n;
} visited;

static int static_keys(sgn_aws_creds *out, sgn_aws__chain *ch, const char *profile, sgn_error *err)
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
        (token != NULL && token[0] != '\0' &&
         (rc = sgn_strdup(&c.session_token, token, err)) < 0) ||
        (account != NULL && account[0] != '\0' &&
         (rc = sgn_strdup(&c.account_id, account, err)) < 0)) {
        sgn_aws_creds_free(&c);
        return rc;
    }
    return sgn_aws__finish(out, &c, ch, source, err);
}

static int has_keys(const sgn_aws__chain *ch, const char *profile)
{
    const char *a = sgn_aws_profile_get(ch->ctx->config, profile, "aws_access_key_id");
    const char *s = sgn_aws_profile_get(ch->ctx->config, profile, "aws_secret_access_key");

    return a != NULL && a[0] != '\0' && s != NULL && s[0] != '\0';
}

static const char *pget(const sgn_aws__chain *ch, const char *profile, const char *key)
{
    const char *v = sgn_aws_profile_get(ch->ctx->config, profile, key);

    return v != NULL && v[0] != '\0' ? v : NULL;
}

/* Resolve one profile as resolveCredsFromProfile does. `top` is the profile in effect; the
 * others are source_profile links. SGN_ENOTFOUND (top only, with a note) sends the chain on
 * to the container and IMDS steps. */
static int from_profile(sgn_aws_creds *out, sgn_aws__chain *ch, const char *profile, visited *seen,
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
            sgn_aws__note(ch, "profile \"%s\": not in %s or %s", profile,
                          sgn_aws_credentials_path(cfg), sgn_aws_config_path(cfg));
            return sgn_aws__from_fallback(out, ch, err);
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
            rc = sgn_aws__from_env(&base, ch, "environment variables", err);
            if (rc == SGN_ENOTFOUND)
                rc = sgn_error_set(err, SGN_EINVALID, "%s: credential_source Environment, but "
                                   "AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY are not both set",
                                   by);
        } else if (strcmp(cred_source, "Ec2InstanceMetadata") == 0) {
            rc = sgn_aws__from_imds(&base, ch, by, err);
        } else if (strcmp(cred_source, "EcsContainer") == 0) {
            rc = sgn_aws__from_container(&base, ch, by, err);
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
        return sgn_aws__web_identity(out, ch, wif, role, "role_arn",
                                     pget(ch, profile, "role_session_name"), tsrc, ssrc, err);
    } else if (sgn_aws__has_sso(ctx, profile)) {
        rc = sgn_aws__from_sso(&base, ch, profile, err);
    } else if (process != NULL) {
        rc = sgn_aws__from_process(&base, ch, profile, process, err);
    } else if (!top) {
        return sgn_error_set(err, SGN_EINVALID, "profile \"%s\": its source_profile \"%s\" has "
                             "no credentials", seen->names[seen->n - 2], profile);
    } else {
        if (role == NULL && (pget(ch, profile, "aws_access_key_id") != NULL ||
                             pget(ch, profile, "aws_secret_access_key") != NULL))
            sgn_aws__note(ch,
                          "profile \"%s\": only one of aws_access_key_id and "
                          "aws_secret_access_key is set (%s, %s)",
                          profile, sgn_aws_credentials_path(cfg), sgn_aws_config_path(cfg));
        else if (role == NULL)
            sgn_aws__note(ch, "profile \"%s\": no credentials in it (%s, %s)", profile,
                          sgn_aws_credentials_path(cfg), sgn_aws_config_path(cfg));
        else
            sgn_aws__note(ch,
                          "profile \"%s\": role_arn without source_profile, credential_source "
                          "or web_identity_token_file, so the role is assumed with the "
                          "credentials below",
                          profile);
        rc = sgn_aws__from_fallback(&base, ch, err);
    }
    if (rc < 0)
        goto out;
    if (role == NULL) {
        *out = base;
        memset(&base, 0, sizeof(base));
        rc = SGN_OK;
        goto out;
    }
    rc = sgn_aws__assume_role(out, ch, profile, &base, err);
out:
    sgn_aws_creds_free(&base);
    return rc;
}


int sgn_aws__from_profile(sgn_aws_creds *out, sgn_aws__chain *ch, const char *profile,
                          sgn_error *err)
{
    visited seen;

    memset(&seen, 0, sizeof(seen));
    return from_profile(out, ch, profile, &seen, err);
}
