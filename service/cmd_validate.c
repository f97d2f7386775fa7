/* validate-trust-policy: notation's and this plugin's trust policy rules, with a fix per problem. */
#include "service.h"

#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "sgn/notation_trust.h"
#include "sgn/trustpolicy.h"
#include "sgn/util.h"

#define POLICY_MAX (4u * 1024 * 1024)

static int add_string_or_null(cJSON *obj, const char *key, const char *s)
{
    return (s != NULL ? cJSON_AddStringToObject(obj, key, s) : cJSON_AddNullToObject(obj, key)) !=
           NULL;
}

static int print_findings(const char *file, const char *config,
                          const sgn_trustpolicy_findings *f, sgn_error *err)
{
    cJSON *out = cJSON_CreateObject(), *arr, *item;
    size_t i;
    int rc = SGN_ENOMEM;

    if (out == NULL || cJSON_AddStringToObject(out, "trustPolicyFile", file) == NULL ||
        !add_string_or_null(out, "notationConfig", config) ||
        cJSON_AddBoolToObject(out, "valid", f->n_errors == 0) == NULL ||
        cJSON_AddNumberToObject(out, "errors", (double)f->n_errors) == NULL ||
        cJSON_AddNumberToObject(out, "warnings", (double)(f->len - f->n_errors)) == NULL ||
        (arr = cJSON_AddArrayToObject(out, "findings")) == NULL)
        goto out;
    for (i = 0; i < f->len; i++) {
        const sgn_trustpolicy_finding *x = &f->items[i];

        if ((item = cJSON_CreateObject()) == NULL || !cJSON_AddItemToArray(arr, item)) {
            cJSON_Delete(item);
            goto out;
        }
        if (cJSON_AddStringToObject(item, "severity",
                                    x->severity == SGN_TRUSTPOLICY_ERROR ? "error" : "warning") ==
                NULL ||
            cJSON_AddStringToObject(item, "code", x->code) == NULL ||
            (x->statement >= 0 &&
             (cJSON_AddNumberToObject(item, "statementIndex", (double)x->statement) == NULL ||
              !add_string_or_null(item, "statement", x->statement_name))) ||
            (x->field[0] != '\0' && cJSON_AddStringToObject(item, "field", x->field) == NULL) ||
            (x->value != NULL && cJSON_AddStringToObject(item, "value", x->value) == NULL) ||
            cJSON_AddStringToObject(item, "message", x->message) == NULL ||
            cJSON_AddStringToObject(item, "fix", x->fix) == NULL)
            goto out;
    }
    rc = sl_print_output(out, err);
out:
    if (rc == SGN_ENOMEM)
        sgn_error_set(err, SGN_ENOMEM, "out of memory");
    cJSON_Delete(out);
    return rc;
}

int sl_cmd_validate_trust_policy(sl_ctx *ctx, int argc, char **argv, sgn_error *err)
{
    enum { O_FILE, O_CONFIG };
    sl_opt opts[] = {
        [O_FILE] = {.name = "FILE", .kind = SL_OPT_POSITIONAL, .required = 1},
        [O_CONFIG] = {.name = "notation-config", .kind = SL_OPT_VALUE},
    };
    sgn_trustpolicy_findings findings = SGN_TRUSTPOLICY_FINDINGS_INIT;
    sgn_buf text = SGN_BUF_INIT;
    sgn_error ignored = SGN_ERROR_INIT;
    char *config = NULL;
    struct stat st;
    int rc;

    if ((rc = sl_parse(ctx, opts, N(opts), argc, argv, err)) < 0 || ctx->help_shown)
        goto out;
    if (opts[O_CONFIG].value != NULL) {
        if (opts[O_CONFIG].value[0] == '\0') {
            rc = sl_usage_error(ctx, err, "argument --notation-config: expected a directory");
            goto out;
        }
        if ((rc = sgn_strdup(&config, opts[O_CONFIG].value, err)) < 0)
            goto out;
    } else if (sgn_notation_default_config_dir(&config, ctx->env.notation_config,
                                               ctx->env.xdg_config_home, ctx->env.home,
                                               &ignored) == SGN_OK &&
               (stat(config, &st) != 0 || !S_ISDIR(st.st_mode))) {
        free(config); /* no notation configuration here: check the document only */
        config = NULL;
    }
    if ((rc = sgn_read_file(&text, opts[O_FILE].value, POLICY_MAX, err)) < 0)
        goto out;
    if ((rc = sgn_trustpolicy_validate(&findings, sgn_buf_cstr(&text), text.len, config, err)) <
        0)
        goto out;
    if ((rc = print_findings(opts[O_FILE].value, config, &findings, err)) < 0)
        goto out;
    if (findings.n_errors > 0)
        ctx->exit_status = SL_EXIT_FINDINGS;
out:
    sl_args_free(opts, N(opts));
    sgn_trustpolicy_findings_free(&findings);
    sgn_buf_free(&text);
    free(config);
    return rc;
}
