/* get-plugin-metadata and version: static answers that touch no disk, network or credentials. */
#include <stdlib.h>
#include <string.h>

#include "commands.h"

static const pl_field metadata_fields[] = {
    {"pluginConfig", pl_decode_config, 0},
};

int pl_cmd_metadata(pl_ctx *ctx, pl_result *r)
{
    static const char *const contracts[] = {SGN_CONTRACT_VERSION};
    static const char *const caps[] = {SGN_CAP_ENVELOPE_GENERATOR, SGN_CAP_TRUSTED_IDENTITY,
                                       SGN_CAP_REVOCATION_CHECK};
    pl_config cfg = {0};
    cJSON *root = NULL;
    cJSON *o = NULL;
    int rc;

    /* The request must be valid JSON even though nothing in it is used. */
    if ((rc = pl_read_request(&root, r)) < 0)
        goto out;
    if ((rc = pl_decode_struct(&cfg, metadata_fields, 1, root)) < 0) {
        rc = rc == SGN_EINVALID ? pl_fail(r, SGN_EINVALID, "%s", PL_MSG_MALFORMED)
                                : pl_fail(r, rc, "out of memory");
        goto out;
    }
    o = cJSON_CreateObject();
    if (o == NULL || !cJSON_AddStringToObject(o, "name", PL_NAME) ||
        !cJSON_AddStringToObject(o, "description", PL_DESCRIPTION) ||
        !cJSON_AddStringToObject(o, "version", SGN_VERSION) ||
        !cJSON_AddStringToObject(o, "url", PL_URL) ||
        !cJSON_AddItemToObject(o, "supportedContractVersions",
                               cJSON_CreateStringArray(contracts, 1)) ||
        !cJSON_AddItemToObject(o, "capabilities", cJSON_CreateStringArray(caps, 3))) {
        rc = pl_fail(r, SGN_ENOMEM, "out of memory");
        goto out;
    }
    r->json = o;
    o = NULL;
    rc = SGN_OK;
out:
    (void)ctx;
    cJSON_Delete(o);
    pl_config_free(&cfg);
    cJSON_Delete(root);
    return rc;
}

int pl_cmd_version(pl_ctx *ctx, pl_result *r)
{
    static const char text[] = PL_NAME " - " PL_DESCRIPTION "\nVersion: " SGN_VERSION "\n";

    (void)ctx;
    r->text = malloc(sizeof(text));
    if (r->text == NULL)
        return pl_fail(r, SGN_ENOMEM, "out of memory");
    memcpy(r->text, text, sizeof(text));
    return SGN_OK;
}
