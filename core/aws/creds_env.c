/* Credentials from the environment: AWS_ACCESS_KEY_ID + AWS_SECRET_ACCESS_KEY [+ AWS_SESSION_TOKEN
 * or AWS_SECURITY_TOKEN; AWS_CREDENTIAL_EXPIRATION; AWS_ACCOUNT_ID] (aws-sdk-go-v2's EnvConfig;
 * aws-c-auth's credentials_provider_environment.c). */
#include "creds_int.h"

#include <stdint.h>

#include "sgn/util.h"

static const char *env_first(const sgn_aws_env *env, const char *a, const char *b)
{
    const char *v = sgn_aws_getenv_nonempty(env, a);

    return v != NULL ? v : sgn_aws_getenv_nonempty(env, b);
}

/* SGN_ENOTFOUND (with a note) when the variables are not set. */
int sgn_aws__from_env(sgn_aws_creds *out, sgn_aws__chain *ch, const char *source, sgn_error *err)
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
        sgn_aws__note(ch, "environment variables: %s",
                      akid == NULL ? "AWS_ACCESS_KEY_ID not set"
                                   : "AWS_ACCESS_KEY_ID set but AWS_SECRET_ACCESS_KEY not set");
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
    return sgn_aws__finish(out, &c, ch, source, err);
}
