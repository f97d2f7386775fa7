/* lookup-events: the audit trail of `signer-local serve` filtered the way
 * `aws cloudtrail lookup-events` filters CloudTrail (serve/lookup.c). */
#include "service.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "serve/serve.h"
#include "sgn/util.h"

static int parse_time(sl_ctx *ctx, const char *flag, const char *v, int64_t *t, sgn_error *err)
{
    sgn_error terr = SGN_ERROR_INIT;

    if (sgn_time_parse_cli(t, v, &terr) < 0)
        return sl_usage_error(ctx, err, "argument --%s: %s", flag, terr.msg);
    return SGN_OK;
}

int sl_cmd_lookup_events(sl_ctx *ctx, int argc, char **argv, sgn_error *err)
{
    enum { O_AUDIT, O_START, O_END, O_NAME, O_PRINCIPAL, O_RESOURCE, O_MAX };
    sl_opt opts[] = {
        [O_AUDIT] = {.name = "audit-log", .kind = SL_OPT_VALUE},
        [O_START] = {.name = "start-time", .kind = SL_OPT_VALUE},
        [O_END] = {.name = "end-time", .kind = SL_OPT_VALUE},
        [O_NAME] = {.name = "event-name", .kind = SL_OPT_VALUE},
        [O_PRINCIPAL] = {.name = "principal", .kind = SL_OPT_VALUE},
        [O_RESOURCE] = {.name = "resource-name", .kind = SL_OPT_VALUE},
        [O_MAX] = {.name = "max-results", .kind = SL_OPT_VALUE},
    };
    sv_lookup_filter f = {INT64_MIN, INT64_MAX, NULL, NULL, NULL, 0};
    char *dir = NULL, *path = NULL, *end;
    cJSON *out = NULL;
    int rc;

    if ((rc = sl_parse(ctx, opts, N(opts), argc, argv, err)) < 0 || ctx->help_shown)
        goto out;
    if (opts[O_START].value && (rc = parse_time(ctx, "start-time", opts[O_START].value,
                                                &f.start_time, err)) < 0)
        goto out;
    if (opts[O_END].value &&
        (rc = parse_time(ctx, "end-time", opts[O_END].value, &f.end_time, err)) < 0)
        goto out;
    if (opts[O_MAX].value) {
        f.max_results = strtol(opts[O_MAX].value, &end, 10);
        if (*end != '\0' || f.max_results < 1 || f.max_results > 100000) {
            rc = sl_usage_error(ctx, err, "argument --max-results: expected a positive number");
            goto out;
        }
    }
    f.event_name = opts[O_NAME].value;
    f.principal = opts[O_PRINCIPAL].value;
    f.resource_name = opts[O_RESOURCE].value;
    if (opts[O_AUDIT].value == NULL) {
        sgn_buf b = SGN_BUF_INIT;

        if ((rc = sl_store_dir(ctx, &dir, err)) < 0 ||
            (rc = sgn_buf_printf(&b, err, "%s/audit.jsonl", dir)) < 0)
            goto out;
        path = sgn_buf_detach(&b, NULL);
    }
    rc = sv_lookup_events(&out, path ? path : opts[O_AUDIT].value, &f, err);
    if (rc == SGN_ENOTFOUND && path != NULL) {
        /* The default trail does not exist before serve's first call: no events. */
        sgn_error_clear(err);
        if ((out = cJSON_CreateObject()) == NULL || cJSON_AddArrayToObject(out, "Events") == NULL)
            rc = sgn_error_set(err, SGN_ENOMEM, "out of memory");
        else
            rc = SGN_OK;
    }
    if (rc < 0)
        goto out;
    rc = sl_print_output(out, err);
out:
    cJSON_Delete(out);
    free(dir);
    free(path);
    sl_args_free(opts, N(opts));
    return rc;
}
