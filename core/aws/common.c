/* The AWS client's shared helpers (see sgn/aws.h). */
#include "sgn/aws.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <openssl/crypto.h>

const char *sgn_aws_getenv(const sgn_aws_env *env, const char *name)
{
    if (env == NULL || env->get == NULL || name == NULL)
        return NULL;
    return env->get(env->ud, name);
}

const char *sgn_aws_getenv_nonempty(const sgn_aws_env *env, const char *name)
{
    const char *v = sgn_aws_getenv(env, name);

    return v != NULL && v[0] != '\0' ? v : NULL;
}

int sgn_aws_env_true(const sgn_aws_env *env, const char *name)
{
    const char *v = sgn_aws_getenv(env, name);

    return v != NULL && strcasecmp(v, "true") == 0;
}

void sgn_aws_logf(const sgn_aws_log *log, const char *fmt, ...)
{
    char line[4096];
    va_list ap;

    if (log == NULL || log->fn == NULL)
        return;
    va_start(ap, fmt);
    vsnprintf(line, sizeof(line), fmt, ap);
    va_end(ap);
    log->fn(log->ud, line);
}

void sgn_aws_free_secret(char *s)
{
    if (s == NULL)
        return;
    OPENSSL_cleanse(s, strlen(s));
    free(s);
}

static int dup_opt(char **dst, const char *src, sgn_error *err)
{
    *dst = NULL;
    if (src == NULL)
        return SGN_OK;
    if ((*dst = strdup(src)) == NULL)
        return sgn_error_set(err, SGN_ENOMEM, "out of memory");
    return SGN_OK;
}

int sgn_aws_creds_copy(sgn_aws_creds *dst, const sgn_aws_creds *src, sgn_error *err)
{
    sgn_aws_creds c = SGN_AWS_CREDS_INIT;

    if (dup_opt(&c.access_key_id, src->access_key_id, err) < 0 ||
        dup_opt(&c.secret_access_key, src->secret_access_key, err) < 0 ||
        dup_opt(&c.session_token, src->session_token, err) < 0 ||
        dup_opt(&c.account_id, src->account_id, err) < 0) {
        sgn_aws_creds_free(&c);
        return SGN_ENOMEM;
    }
    c.expiration = src->expiration;
    memcpy(c.source, src->source, sizeof(c.source));
    *dst = c;
    return SGN_OK;
}

void sgn_aws_creds_free(sgn_aws_creds *c)
{
    static const sgn_aws_creds empty = SGN_AWS_CREDS_INIT;

    if (c == NULL)
        return;
    free(c->access_key_id);
    sgn_aws_free_secret(c->secret_access_key);
    sgn_aws_free_secret(c->session_token);
    free(c->account_id);
    *c = empty;
}
