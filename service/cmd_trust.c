/* export-root and install-notation-trust: hand the store's root to notation. */
#include "service.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "sgn/backend.h"
#include "sgn/notation_trust.h"
#include "sgn/util.h"

int sl_cmd_export_root(sl_ctx *ctx, int argc, char **argv, sgn_error *err)
{
    enum { O_FILE };
    sl_opt opts[] = {
        [O_FILE] = {.name = "output-file", .kind = SL_OPT_VALUE},
    };
    sgn_authority *a = NULL;
    char *pem = NULL;
    int rc;

    if ((rc = sl_parse(ctx, opts, N(opts), argc, argv, err)) < 0 || ctx->help_shown)
        goto out;
    if ((rc = sl_open_store(ctx, &a, err)) < 0 || (rc = sgn_authority_root_pem(a, &pem, err)) < 0)
        goto out;
    if (opts[O_FILE].value != NULL)
        rc = sgn_write_file_atomic(opts[O_FILE].value, pem, strlen(pem), 0644, err);
    else
        rc = sl_write_stdout(pem, strlen(pem), err);
out:
    if (a != NULL)
        sgn_authority_close(a);
    sl_args_free(opts, N(opts));
    free(pem);
    return rc;
}

/* The ARN of every Notation profile in the store, Canceled and Revoked ones included: what a
 * canceled profile signed stays valid, and so do a revoked profile's signatures from before its
 * effective time (revocation itself is the plugin's check). */
static int notation_profile_arns(sl_ctx *ctx, sgn_authority *a, sgn_strlist *arns, sgn_error *err)
{
    cJSON *in = NULL, *out = NULL;
    const cJSON *p;
    int rc;

    if ((in = cJSON_Parse("{\"statuses\":[\"Active\",\"Canceled\",\"Revoked\"],"
                          "\"platformId\":\"" SGN_PLATFORM_NOTATION "\"}")) == NULL) {
        rc = sgn_error_set(err, SGN_ENOMEM, "out of memory");
        goto out;
    }
    if ((rc = sl_call_all_pages(ctx, "ListSigningProfiles", sgn_authority_list_signing_profiles,
                                a, in, "profiles", &out, err)) < 0)
        goto out;
    cJSON_ArrayForEach(p, cJSON_GetObjectItemCaseSensitive(out, "profiles")) {
        const cJSON *arn = cJSON_GetObjectItemCaseSensitive(p, "arn");

        if (cJSON_IsString(arn) && (rc = sgn_strlist_push(arns, arn->valuestring, err)) < 0)
            goto out;
    }
    rc = SGN_OK;
out:
    cJSON_Delete(in);
    cJSON_Delete(out);
    return rc;
}

/* The file at path into *b, and *had = 1; *had = 0 when there is none. */
static int read_if_present(sgn_buf *b, int *had, const char *path, sgn_error *err)
{
    struct stat st;

    *had = lstat(path, &st) == 0;
    return *had ? sgn_read_file(b, path, 1 << 20, err) : SGN_OK;
}

/* Undo a write: put back what path held, or remove it if it held nothing. Best effort: the
 * error already being reported is the one that matters. */
static void restore_file(const char *path, const sgn_buf *previous, int had)
{
    if (had)
        sgn_write_file_atomic(path, previous->data, previous->len, 0644, NULL);
    else
        unlink(path);
}

static int print_result(const char *store_ref, const char *cert_path, const char *policy_path,
                        const char *policy_name, const sgn_strlist *ids, sgn_error *err)
{
    cJSON *out = cJSON_CreateObject(), *arr = cJSON_CreateArray(), *s;
    size_t i;
    int rc = SGN_ENOMEM;

    if (out == NULL || arr == NULL)
        goto out;
    for (i = 0; i < ids->len; i++)
        if ((s = cJSON_CreateString(ids->items[i])) == NULL || !cJSON_AddItemToArray(arr, s))
            goto out;
    if (cJSON_AddStringToObject(out, "trustStore", store_ref) == NULL ||
        cJSON_AddStringToObject(out, "certificateFile", cert_path) == NULL ||
        cJSON_AddStringToObject(out, "trustPolicyFile", policy_path) == NULL ||
        cJSON_AddStringToObject(out, "policyName", policy_name) == NULL ||
        !cJSON_AddItemToObject(out, "trustedIdentities", arr))
        goto out;
    arr = NULL; /* owned by out */
    rc = sl_print_output(out, err);
out:
    if (rc == SGN_ENOMEM)
        sgn_error_set(err, SGN_ENOMEM, "out of memory");
    cJSON_Delete(arr);
    cJSON_Delete(out);
    return rc;
}

int sl_cmd_install_notation_trust(sl_ctx *ctx, int argc, char **argv, sgn_error *err)
{
    enum { O_CONFIG, O_IDENTITY, O_STORE, O_POLICY, O_SCOPE, O_REVOCATION, O_FORCE };
    sl_opt opts[] = {
        [O_CONFIG] = {.name = "notation-config", .kind = SL_OPT_VALUE},
        [O_IDENTITY] = {.name = "trusted-identity", .kind = SL_OPT_LIST},
        [O_STORE] = {.name = "trust-store", .kind = SL_OPT_VALUE},
        [O_POLICY] = {.name = "policy-name", .kind = SL_OPT_VALUE},
        [O_SCOPE] = {.name = "registry-scope", .kind = SL_OPT_LIST},
        [O_REVOCATION] = {.name = "revocation", .kind = SL_OPT_VALUE},
        [O_FORCE] = {.name = "force", .kind = SL_OPT_FLAG},
    };
    static const char *const default_scopes[] = {"*"};
    const char *store_name, *policy_name, *store_refs[1];
    sgn_notation_policy_spec spec = {0};
    sgn_strlist ids = SGN_STRLIST_INIT;
    sgn_authority *a = NULL;
    sgn_error verr = SGN_ERROR_INIT;
    char *config = NULL, *pem = NULL, *cert_path = NULL, *policy_path = NULL;
    sgn_buf store_ref = SGN_BUF_INIT, policy = SGN_BUF_INIT, previous_cert = SGN_BUF_INIT;
    size_t i;
    int rc, had_cert = 0;

    if ((rc = sl_parse(ctx, opts, N(opts), argc, argv, err)) < 0 || ctx->help_shown)
        goto out;
    store_name = opts[O_STORE].value ? opts[O_STORE].value : SGN_NOTATION_TRUST_STORE_DEFAULT;
    policy_name = opts[O_POLICY].value ? opts[O_POLICY].value : SGN_NOTATION_POLICY_NAME_DEFAULT;
    if (!sgn_notation_store_name_valid(store_name)) {
        rc = sl_usage_error(ctx, err,
                            "argument --trust-store: invalid name '%s' (notation accepts only "
                            "[a-zA-Z0-9_.-]+)",
                            store_name);
        goto out;
    }
    if (policy_name[0] == '\0') {
        rc = sl_usage_error(ctx, err, "argument --policy-name: must not be empty");
        goto out;
    }
    if (opts[O_REVOCATION].value != NULL &&
        sgn_notation_revocation_parse(&spec.revocation, opts[O_REVOCATION].value, &verr) < 0) {
        rc = sl_usage_error(ctx, err, "argument --revocation: %s", verr.msg);
        goto out;
    }
    if (opts[O_CONFIG].value != NULL)
        rc = sgn_strdup(&config, opts[O_CONFIG].value, err);
    else
        rc = sgn_notation_default_config_dir(&config, ctx->env.notation_config,
                                             ctx->env.xdg_config_home, ctx->env.home, err);
    if (rc < 0)
        goto out;

    if ((rc = sl_open_store(ctx, &a, err)) < 0)
        goto out;
    for (i = 0; i < opts[O_IDENTITY].n_values; i++)
        if ((rc = sgn_strlist_push(&ids, opts[O_IDENTITY].values[i], err)) < 0)
            goto out;
    if (ids.len == 0) {
        if ((rc = notation_profile_arns(ctx, a, &ids, err)) < 0)
            goto out;
        if (ids.len == 0) {
            rc = sgn_error_set(err, SGN_EINVALID,
                               "the store has no %s signing profile to trust: create one with "
                               "put-signing-profile, or name identities with --trusted-identity",
                               SGN_PLATFORM_NOTATION);
            goto out;
        }
    }
    if ((rc = sgn_buf_printf(&store_ref, err, "signingAuthority:%s", store_name)) < 0)
        goto out;
    store_refs[0] = sgn_buf_cstr(&store_ref);
    spec.name = policy_name;
    if (opts[O_SCOPE].n_values > 0) {
        spec.registry_scopes = opts[O_SCOPE].values;
        spec.n_registry_scopes = opts[O_SCOPE].n_values;
    } else {
        spec.registry_scopes = default_scopes;
        spec.n_registry_scopes = 1;
    }
    spec.trust_stores = store_refs;
    spec.n_trust_stores = 1;
    spec.trusted_identities = (const char *const *)ids.items;
    spec.n_trusted_identities = ids.len;

    /* Everything that can refuse is checked before any file changes: the statement, the policy
     * files it merges into, the root. Only then the root goes in, then the policy; if the policy
     * cannot be written, the trust store file is put back as it was. */
    {
        cJSON *st = NULL;
        sgn_error serr = SGN_ERROR_INIT;

        if (sgn_notation_policy_statement(&st, &spec, &serr) < 0) {
            rc = sl_usage_error(ctx, err, "%s", serr.msg);
            goto out;
        }
        cJSON_Delete(st);
    }
    if ((rc = sgn_notation_policy_prepare(&policy, config, &spec, opts[O_FORCE].seen > 0, err)) <
        0) {
        if (rc == SGN_ECONFLICT) {
            size_t used = strlen(err->msg);
            snprintf(err->msg + used, sizeof(err->msg) - used,
                     "; pass --force to move the scope to statement \"%s\"", policy_name);
        }
        goto out;
    }
    if ((rc = sgn_authority_root_pem(a, &pem, err)) < 0)
        goto out;
    if ((rc = sgn_notation_trust_cert_path(&cert_path, config, store_name, SGN_NOTATION_ROOT_FILE,
                                           err)) < 0 ||
        (rc = read_if_present(&previous_cert, &had_cert, cert_path, err)) < 0)
        goto out;
    /* Another store's root in the same place: replacing it would silently stop that store's
     * signatures from verifying. */
    if (had_cert && !opts[O_FORCE].seen &&
        (previous_cert.len != strlen(pem) || memcmp(previous_cert.data, pem, previous_cert.len))) {
        rc = sgn_error_set(err, SGN_ECONFLICT,
                           "%s already holds another root certificate (another store's?): "
                           "install this store beside it with --trust-store NAME --policy-name "
                           "NAME, or pass --force to replace it",
                           cert_path);
        goto out;
    }
    free(cert_path);
    cert_path = NULL;
    if ((rc = sgn_notation_write_trust_cert(&cert_path, config, store_name,
                                            SGN_NOTATION_ROOT_FILE, pem, strlen(pem), err)) < 0)
        goto out;
    if ((rc = sgn_notation_policy_write(&policy_path, config, &policy, err)) < 0) {
        restore_file(cert_path, &previous_cert, had_cert);
        goto out;
    }
    rc = print_result(store_refs[0], cert_path, policy_path, policy_name, &ids, err);
out:
    if (a != NULL)
        sgn_authority_close(a);
    sl_args_free(opts, N(opts));
    sgn_strlist_free(&ids);
    sgn_buf_free(&store_ref);
    sgn_buf_free(&policy);
    sgn_buf_free(&previous_cert);
    free(config);
    free(pem);
    free(cert_path);
    free(policy_path);
    return rc;
}
