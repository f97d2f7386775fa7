/* Pieces shared by the AWS client (core/aws): the environment, the debug log and credentials.
 *
 * Library code never reads the process environment and never writes anywhere itself, so the
 * caller passes both in: an environment lookup (the plugin's reads getenv(); tests pass a table)
 * and a log sink (the plugin's appends to its debug log file). Every line given to the sink is
 * already redacted: no secret key, session token, Authorization value, web identity token,
 * container authorization token or IMDS token ever reaches it. */
#ifndef SGN_AWS_H
#define SGN_AWS_H

#include <stdint.h>
#include "sgn/error.h"

typedef const char *(*sgn_aws_getenv_fn)(void *ud, const char *name);

typedef struct sgn_aws_env {
    sgn_aws_getenv_fn get;
    void *ud;
} sgn_aws_env;

/* The variable's value, or NULL when it is unset (or env / env->get is NULL). */
const char *sgn_aws_getenv(const sgn_aws_env *env, const char *name);
/* The value when set and non-empty, else NULL (AWS tools treat an empty variable as unset). */
const char *sgn_aws_getenv_nonempty(const sgn_aws_env *env, const char *name);
/* 1 when the value is "true" in any letter case, else 0. */
int sgn_aws_env_true(const sgn_aws_env *env, const char *name);

typedef void (*sgn_aws_log_fn)(void *ud, const char *line);

typedef struct sgn_aws_log {
    sgn_aws_log_fn fn;
    void *ud;
} sgn_aws_log;

/* One debug line (no trailing newline needed); a no-op when log or log->fn is NULL. */
void sgn_aws_logf(const sgn_aws_log *log, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

typedef struct sgn_aws_creds {
    char *access_key_id;
    char *secret_access_key;     /* wiped by sgn_aws_creds_free */
    char *session_token;         /* NULL for long-term keys; wiped by sgn_aws_creds_free */
    int64_t expiration;          /* Unix seconds; 0 = does not expire */
    char *account_id;            /* NULL unless the source said */
    char source[160];            /* which source supplied them, for logs and messages, e.g.
                                    "environment variables", "web identity (AWS_ROLE_ARN)" */
} sgn_aws_creds;

#define SGN_AWS_CREDS_INIT {NULL, NULL, NULL, 0, NULL, {0}}

/* Deep copy; dst must be empty. */
int sgn_aws_creds_copy(sgn_aws_creds *dst, const sgn_aws_creds *src, sgn_error *err);
/* Wipe (OPENSSL_cleanse) the secret and token, free everything, reset to SGN_AWS_CREDS_INIT. */
void sgn_aws_creds_free(sgn_aws_creds *c);

/* Free a string after wiping it (NULL is fine). */
void sgn_aws_free_secret(char *s);

#endif
