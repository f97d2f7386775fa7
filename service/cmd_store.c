/* init: create a store with a chosen region and account (every other command creates one with
 * the defaults on first use). */
#include "service.h"

#include <stdlib.h>
#include <string.h>

static int print_store(sgn_authority *a, sgn_error *err)
{
    cJSON *out = cJSON_CreateObject();
    int rc;

    if (out == NULL ||
        cJSON_AddStringToObject(out, "storeDirectory", sgn_authority_dir(a)) == NULL ||
        cJSON_AddStringToObject(out, "region", sgn_authority_region(a)) == NULL ||
        cJSON_AddStringToObject(out, "accountId", sgn_authority_account(a)) == NULL)
        rc = sgn_error_set(err, SGN_ENOMEM, "out of memory");
    else
        rc = sl_print_output(out, err);
    cJSON_Delete(out);
    return rc;
}

int sl_cmd_init(sl_ctx *ctx, int argc, char **argv, sgn_error *err)
{
    enum { O_REGION, O_ACCOUNT };
    sl_opt opts[] = {
        [O_REGION] = {.name = "region", .kind = SL_OPT_VALUE},
        [O_ACCOUNT] = {.name = "account-id", .kind = SL_OPT_VALUE},
    };
    const char *region = NULL, *account = NULL;
    sgn_authority_opts ao = {.allow_other_owner = ctx->allow_other_owner};
    sgn_authority *a = NULL;
    sgn_error probe = SGN_ERROR_INIT;
    char *dir = NULL;
    int rc;

    if ((rc = sl_parse(ctx, opts, N(opts), argc, argv, err)) < 0 || ctx->help_shown)
        goto out;
    region = opts[O_REGION].value;
    account = opts[O_ACCOUNT].value;
    if ((rc = sl_store_dir(ctx, &dir, err)) < 0)
        goto out;
    rc = sgn_authority_open(&a, dir, &ao, &probe);
    if (rc == SGN_ENOTFOUND) {
        ao.create = 1;
        ao.region = region;
        ao.account = account;
        if ((rc = sgn_authority_open(&a, dir, &ao, err)) < 0)
            goto out;
    } else if (rc < 0) {
        *err = probe;
        goto out;
    } else if ((region != NULL && strcmp(region, sgn_authority_region(a)) != 0) ||
               (account != NULL && strcmp(account, sgn_authority_account(a)) != 0)) {
        rc = sgn_error_set(err, SGN_ECONFLICT,
                           "the store in %s already exists with region \"%s\" and account "
                           "\"%s\"; its ARNs cannot change (use another --store)",
                           dir, sgn_authority_region(a), sgn_authority_account(a));
        goto out;
    }
    rc = print_store(a, err);
out:
    if (a != NULL)
        sgn_authority_close(a);
    sl_args_free(opts, N(opts));
    free(dir);
    return rc;
}
