/* Backend selection (see backend_select.h). */
#include "backend_select.h"

#include <stdlib.h>
#include <string.h>

#include "sgn/arn.h"
#include "sgn/authority.h"

void pl_backend_choose(pl_backend_plan *plan, const pl_config *cfg, sgn_span arn)
{
    sgn_arn a = SGN_ARN_INIT;

    plan->kind = PL_BACKEND_AWS;
    plan->from_config = 0;
    if (pl_config_get(&cfg->local_store) != NULL) {
        plan->kind = PL_BACKEND_LOCAL;
        plan->from_config = 1;
        return;
    }
    if (arn.len == 0 || sgn_span_has_nul(arn))
        return;
    if (sgn_arn_parse(&a, arn.ptr, NULL) == SGN_OK &&
        strcmp(a.region, SGN_LOCAL_REGION_DEFAULT) == 0)
        plan->kind = PL_BACKEND_LOCAL;
    sgn_arn_free(&a);
}

const char *pl_backend_name(const pl_backend_plan *plan)
{
    if (plan->kind == PL_BACKEND_AWS)
        return "AWS Signer";
    return plan->from_config ? "local Signer (pluginConfig local-store)"
                             : "local Signer (default store)";
}

static int config_cstr(const char **out, const pl_cfg_value *v, const char *key, sgn_error *err)
{
    *out = pl_config_get(v);
    if (*out != NULL && sgn_span_has_nul(pl_span(&v->value)))
        return sgn_error_set(err, SGN_EINVALID,
                             "pluginConfig \"%s\" must not contain a NUL character", key);
    return SGN_OK;
}

/* A whole number of milliseconds in [1, 600000] (ten minutes: longer than any host waits). */
static int config_ms(long *out, const pl_cfg_value *v, const char *key, sgn_error *err)
{
    const char *s = pl_config_get(v);
    long ms = 0;
    size_t i;

    *out = 0;
    if (s == NULL)
        return SGN_OK;
    for (i = 0; s[i] != '\0' && i < 7; i++) {
        if (s[i] < '0' || s[i] > '9')
            break;
        ms = ms * 10 + (s[i] - '0');
    }
    if (sgn_span_has_nul(pl_span(&v->value)) || i == 0 || s[i] != '\0' || ms < 1 ||
        ms > 600000)
        return sgn_error_set(err, SGN_EINVALID,
                             "pluginConfig \"%s\" must be a whole number of milliseconds from 1 "
                             "to 600000, not \"%.64s\"", key, s);
    *out = ms;
    return SGN_OK;
}

/* The plugin's own advice for a store it cannot find: its knobs, never signer-local's flags
 * (sgn_authority_open's message is written for signer-local's users). */
#define SET_STORE                                                                              \
    "set pluginConfig " PL_CFG_LOCAL_STORE " or SIGNER_LOCAL_STORE to a local Signer store "   \
    "directory"

/* The local Signer at the planned store. A store that cannot be located (no HOME) or does not
 * exist is SGN_ENOTFOUND with one message, checked here rather than on first use so that the
 * plugin words it; the store is never created. */
static int open_local(sgn_backend **out, const pl_backend_plan *plan, const pl_config *cfg,
                      const pl_env *env, sgn_error *err)
{
    sgn_error e = SGN_ERROR_INIT;
    const char *dir = NULL, *source;
    char *default_dir = NULL;
    int rc;

    if (plan->from_config) {
        if ((rc = config_cstr(&dir, &cfg->local_store, PL_CFG_LOCAL_STORE, err)) < 0)
            return rc;
        source = "pluginConfig " PL_CFG_LOCAL_STORE;
    } else {
        source = env->signer_local_store != NULL && env->signer_local_store[0] != '\0'
                     ? "SIGNER_LOCAL_STORE"
                     : "the default location";
        if ((rc = sgn_authority_default_dir(&default_dir, env->signer_local_store,
                                            env->xdg_data_home, env->home, &e)) < 0)
            return rc == SGN_EINVALID
                       ? sgn_error_set(err, SGN_ENOTFOUND,
                                       "no local Signer store: HOME is not set, so there is no "
                                       "default location; " SET_STORE)
                       : sgn_error_set(err, rc, "%s", e.msg);
        dir = default_dir;
    }
    if (!sgn_authority_store_exists(dir))
        rc = sgn_error_set(err, SGN_ENOTFOUND, "no local Signer store at %s (%s): " SET_STORE, dir,
                           source);
    else
        rc = sgn_local_backend_new(out, dir, err);
    free(default_dir);
    return rc;
}

int pl_backend_open(sgn_backend **out, const pl_backend_plan *plan, const pl_config *cfg,
                    const pl_ctx *ctx, sgn_error *err)
{
    const pl_env *env = ctx->env;
    sgn_aws_options opts;
    int rc;

    *out = NULL;
    if (plan->kind == PL_BACKEND_LOCAL)
        return open_local(out, plan, cfg, env, err);
    memset(&opts, 0, sizeof(opts));
    if ((rc = config_cstr(&opts.region, &cfg->aws_region, PL_CFG_AWS_REGION, err)) < 0 ||
        (rc = config_cstr(&opts.profile, &cfg->aws_profile, PL_CFG_AWS_PROFILE, err)) < 0 ||
        (rc = config_cstr(&opts.endpoint_url, &cfg->endpoint_url, PL_CFG_ENDPOINT_URL, err)) < 0 ||
        (rc = config_ms(&opts.timeout_ms, &cfg->timeout_ms, PL_CFG_TIMEOUT_MS, err)) < 0 ||
        (rc = config_ms(&opts.connect_timeout_ms, &cfg->connect_timeout_ms,
                        PL_CFG_CONNECT_TIMEOUT_MS, err)) < 0)
        return rc;
    opts.user_agent_version = SGN_VERSION;
    opts.env = env->aws;
    opts.log = ctx->log != NULL && ctx->log->f != NULL ? &ctx->aws_log : NULL;
    opts.secrets = ctx->secrets;
    return sgn_aws_backend_new(out, &opts, err);
}
