/* The generic path of a signer-local command: flags -> Signer input object -> call -> print. */
#include "service.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sgn/backend.h"
#include "sgn/util.h"

/* Files given as fileb:// or file:// may be larger than a Signer payload: the service, not the
 * command line, answers with its ValidationException. This only bounds memory. */
#define PARAM_FILE_MAX (64u * 1024 * 1024)
#define MAX_PAGES 100000

int sl_usage_error(sl_ctx *ctx, sgn_error *err, const char *fmt, ...)
{
    va_list ap;

    ctx->usage_error = 1;
    if (err != NULL && err->code == 0) {
        err->code = SGN_EINVALID;
        va_start(ap, fmt);
        vsnprintf(err->msg, sizeof(err->msg), fmt, ap);
        va_end(ap);
    }
    return SGN_EINVALID;
}

int sl_parse(sl_ctx *ctx, sl_opt *opts, size_t n, int argc, char **argv, sgn_error *err)
{
    int rc, help = 0;

    sgn_buf_free(&ctx->synopsis);
    if ((rc = sl_args_synopsis(&ctx->synopsis, opts, n, err)) < 0)
        return rc;
    if ((rc = sl_args_parse(opts, n, argc, argv, &help, err)) < 0) {
        ctx->usage_error = 1;
        return rc;
    }
    if (help) {
        sgn_buf text = SGN_BUF_INIT;

        rc = sgn_buf_printf(&text, err, "usage: %s [--store DIR] %s%s%s\n\n", SL_PROG,
                            ctx->cmd->name, ctx->synopsis.len ? " " : "",
                            sgn_buf_cstr(&ctx->synopsis));
        if (rc == SGN_OK)
            rc = sl_wrap(&text, ctx->cmd->summary, 0, SL_HELP_WIDTH, err);
        if (rc == SGN_OK)
            rc = sl_write_stdout(sgn_buf_cstr(&text), text.len, err);
        sgn_buf_free(&text);
        if (rc < 0)
            return rc;
        ctx->help_shown = 1;
    }
    return SGN_OK;
}

int sl_store_dir(sl_ctx *ctx, char **out, sgn_error *err)
{
    if (ctx->store_opt != NULL)
        return sgn_strdup(out, ctx->store_opt, err);
    return sgn_authority_default_dir(out, ctx->env.signer_local_store, ctx->env.xdg_data_home,
                                     ctx->env.home, err);
}

int sl_open_store(sl_ctx *ctx, sgn_authority **out, sgn_error *err)
{
    sgn_authority_opts opts = {0};
    char *dir = NULL;
    int rc;

    *out = NULL;
    if ((rc = sl_store_dir(ctx, &dir, err)) < 0)
        return rc;
    opts.create = 1;
    opts.allow_other_owner = ctx->allow_other_owner;
    rc = sgn_authority_open(out, dir, &opts, err);
    free(dir);
    if (rc == SGN_OK && ctx->caller_principal != NULL) {
        /* arn:<partition>:iam::<account>:...: the account is the fifth field */
        const char *p = ctx->caller_principal, *acc = NULL;
        char account[13] = "";
        int field;

        for (field = 0; p != NULL && field < 4; field++)
            p = (p = strchr(p, ':')) ? p + 1 : NULL;
        acc = p;
        if (acc != NULL && strchr(acc, ':') != NULL && strchr(acc, ':') - acc == 12)
            memcpy(account, acc, 12);
        sgn_caller c = {account, ctx->caller_principal};
        if ((rc = sgn_authority_set_caller(*out, &c, err)) < 0) {
            ctx->usage_error = 1;
            sgn_authority_close(*out);
            *out = NULL;
        }
    }
    return rc;
}

int sl_call(sl_ctx *ctx, const char *operation, sl_op_fn fn, sgn_authority *a, const cJSON *in,
            cJSON **out, sgn_error *err)
{
    int rc;

    *out = NULL;
    ctx->operation = operation;
    rc = fn(a, in, out, err);
    if (rc < 0) {
        cJSON_Delete(*out);
        *out = NULL;
        return rc;
    }
    ctx->operation = NULL;
    if (*out == NULL && (*out = cJSON_CreateObject()) == NULL)
        return sgn_error_set(err, SGN_ENOMEM, "out of memory");
    return SGN_OK;
}

static int set_member(cJSON *obj, const char *name, cJSON *item, sgn_error *err)
{
    if (item == NULL)
        return sgn_error_set(err, SGN_ENOMEM, "out of memory");
    if (cJSON_GetObjectItemCaseSensitive(obj, name) != NULL) {
        if (!cJSON_ReplaceItemInObjectCaseSensitive(obj, name, item)) {
            cJSON_Delete(item);
            return sgn_error_set(err, SGN_ENOMEM, "out of memory");
        }
    } else if (!cJSON_AddItemToObject(obj, name, item)) {
        cJSON_Delete(item);
        return sgn_error_set(err, SGN_ENOMEM, "out of memory");
    }
    return SGN_OK;
}

int sl_call_all_pages(sl_ctx *ctx, const char *operation, sl_op_fn fn, sgn_authority *a,
                      cJSON *in, const char *key, cJSON **out, sgn_error *err)
{
    cJSON *all = NULL, *page = NULL, *items, *dst;
    char *prev = NULL;
    int rc = SGN_OK, pages;

    *out = NULL;
    for (pages = 0; pages < MAX_PAGES; pages++) {
        const cJSON *token;

        if ((rc = sl_call(ctx, operation, fn, a, in, &page, err)) < 0)
            goto out;
        if (all == NULL) {
            all = page;
        } else {
            items = cJSON_DetachItemFromObjectCaseSensitive(page, key);
            dst = cJSON_GetObjectItemCaseSensitive(all, key);
            if (cJSON_IsArray(items) && cJSON_IsArray(dst)) {
                while (items->child != NULL)
                    cJSON_AddItemToArray(dst, cJSON_DetachItemViaPointer(items, items->child));
                cJSON_Delete(items);
            } else if (items != NULL && (rc = set_member(all, key, items, err)) < 0) {
                goto out;
            }
        }
        token = cJSON_GetObjectItemCaseSensitive(page, "nextToken");
        if (!cJSON_IsString(token) || token->valuestring[0] == '\0' ||
            (prev != NULL && strcmp(prev, token->valuestring) == 0))
            break;
        free(prev);
        if ((rc = sgn_strdup(&prev, token->valuestring, err)) < 0)
            goto out;
        if ((rc = set_member(in, "nextToken", cJSON_CreateString(prev), err)) < 0)
            goto out;
        if (page != all)
            cJSON_Delete(page);
        page = NULL;
    }
    if (page != all)
        cJSON_Delete(page);
    page = NULL;
    cJSON_DeleteItemFromObjectCaseSensitive(all, "nextToken");
    *out = all;
    all = NULL;
    rc = SGN_OK;
out:
    if (page != all)
        cJSON_Delete(page);
    cJSON_Delete(all);
    free(prev);
    return rc;
}

/* --- value conversions -------------------------------------------------------------------- */

static int read_param_file(sl_ctx *ctx, sgn_buf *b, const char *flag, const char *path,
                           sgn_error *err)
{
    sgn_error ferr = SGN_ERROR_INIT;

    if (sgn_read_file(b, path, PARAM_FILE_MAX, &ferr) < 0)
        return sl_usage_error(ctx, err, "argument --%s: %s", flag, ferr.msg);
    return SGN_OK;
}

/* The AWS CLI's shorthand syntax: "k=v,k2=v2" -> an object of strings; with nested, a value may be
 * a structure "k={a=1,b=2}" (as in --overrides signingConfiguration={hashAlgorithm=SHA384}).
 * int_key (if not NULL) names a top-level member that becomes a number. Parses from *p, stops after
 * the '}' closing a nested structure or at the end of the text. */
static int shorthand_members(sl_ctx *ctx, cJSON *obj, const char *flag, const char **p, int depth,
                             int nested, const char *int_key, sgn_error *err)
{
    const char *s = *p;
    int rc;

    for (;;) {
        const char *key = s, *val;
        size_t klen = strcspn(s, "=,{}");
        char *name = NULL, *text = NULL, *end;
        cJSON *item;

        if (key[klen] != '=' || klen == 0)
            return sl_usage_error(ctx, err,
                                  "argument --%s: expected key=value[,key=value...], got '%s'",
                                  flag, key);
        s = key + klen + 1;
        if (nested && *s == '{') {
            if (depth >= 4)
                return sl_usage_error(ctx, err, "argument --%s: structures nest too deep", flag);
            s++;
            item = cJSON_CreateObject();
            if (item != NULL &&
                (rc = shorthand_members(ctx, item, flag, &s, depth + 1, nested, NULL, err)) < 0) {
                cJSON_Delete(item);
                return rc;
            }
        } else {
            val = s;
            s += strcspn(s, depth > 0 ? ",}" : ",");
            if ((text = strndup(val, (size_t)(s - val))) == NULL)
                return sgn_error_set(err, SGN_ENOMEM, "out of memory");
            if (depth == 0 && int_key != NULL && strlen(int_key) == klen &&
                strncmp(key, int_key, klen) == 0) {
                long long v;
                errno = 0;
                v = strtoll(text, &end, 10);
                if (*text == '\0' || *end != '\0' || errno != 0) {
                    rc = sl_usage_error(ctx, err, "argument --%s: %s must be an integer, got '%s'",
                                        flag, int_key, text);
                    free(text);
                    return rc;
                }
                item = cJSON_CreateNumber((double)v);
            } else {
                item = cJSON_CreateString(text);
            }
            free(text);
        }
        if ((name = strndup(key, klen)) == NULL) {
            cJSON_Delete(item);
            return sgn_error_set(err, SGN_ENOMEM, "out of memory");
        }
        rc = set_member(obj, name, item, err);
        free(name);
        if (rc < 0)
            return rc;
        if (*s == ',') {
            s++;
            continue;
        }
        if (depth > 0 && *s != '}')
            return sl_usage_error(ctx, err, "argument --%s: a '{' is not closed", flag);
        if (depth == 0 && *s != '\0')
            return sl_usage_error(ctx, err, "argument --%s: unexpected '%c'", flag, *s);
        *p = depth > 0 ? s + 1 : s;
        return SGN_OK;
    }
}

static int shorthand_object(sl_ctx *ctx, cJSON **out, const char *flag, const char *text,
                            int nested, const char *int_key, sgn_error *err)
{
    cJSON *obj = cJSON_CreateObject();
    const char *p = text;
    int rc;

    *out = NULL;
    if (obj == NULL)
        return sgn_error_set(err, SGN_ENOMEM, "out of memory");
    if (*text == '\0')
        rc = sl_usage_error(ctx, err, "argument --%s: expected key=value[,key=value...]", flag);
    else
        rc = shorthand_members(ctx, obj, flag, &p, 0, nested, int_key, err);
    if (rc < 0) {
        cJSON_Delete(obj);
        return rc;
    }
    *out = obj;
    return SGN_OK;
}

/* The members each structure of the API model takes, as dotted paths (research/aws-signer-api.md
 * §1.5): an unknown one is refused, as the AWS CLI's parameter validation refuses it. */
static const struct {
    const char *member;
    const char *const paths[5];
} shapes[] = {
    {"signatureValidityPeriod", {"value", "type"}},
    {"signingMaterial", {"certificateArn"}},
    {"overrides",
     {"signingConfiguration", "signingConfiguration.encryptionAlgorithm",
      "signingConfiguration.hashAlgorithm", "signingImageFormat"}},
};

static int check_members(sl_ctx *ctx, const sl_param *p, const cJSON *obj, const char *prefix,
                         sgn_error *err)
{
    const char *const *paths = NULL;
    const cJSON *m;
    size_t i, j;
    int rc;

    for (i = 0; i < sizeof(shapes) / sizeof(shapes[0]); i++)
        if (strcmp(shapes[i].member, p->member) == 0)
            paths = shapes[i].paths;
    if (paths == NULL)
        return SGN_OK;
    cJSON_ArrayForEach(m, obj)
    {
        char path[128];
        sgn_buf known = SGN_BUF_INIT;
        int found = 0;

        snprintf(path, sizeof(path), "%s%s", prefix, m->string);
        for (j = 0; j < 5 && paths[j] != NULL; j++) {
            const char *rest = paths[j] + strlen(prefix);
            if (strcmp(paths[j], path) == 0)
                found = 1;
            else if (strncmp(paths[j], prefix, strlen(prefix)) == 0 && strchr(rest, '.') == NULL)
                sgn_buf_printf(&known, NULL, "%s%s", known.len ? ", " : "", rest);
        }
        if (!found) {
            rc = sl_usage_error(ctx, err,
                                "argument --%s: unknown parameter \"%s\", must be one of: %s",
                                p->flag, path, sgn_buf_cstr(&known));
            sgn_buf_free(&known);
            return rc;
        }
        sgn_buf_free(&known);
        if (cJSON_IsObject(m)) {
            snprintf(path, sizeof(path), "%s%s.", prefix, m->string);
            if ((rc = check_members(ctx, p, m, path, err)) < 0)
                return rc;
        }
    }
    return SGN_OK;
}

/* JSON text (or file://PATH) that must hold an object. */
static int json_object(sl_ctx *ctx, cJSON **out, const char *flag, const char *text,
                       sgn_error *err)
{
    sgn_buf b = SGN_BUF_INIT;
    int rc;

    *out = NULL;
    if (strncmp(text, "file://", 7) == 0) {
        if ((rc = read_param_file(ctx, &b, flag, text + 7, err)) < 0)
            goto out;
        text = sgn_buf_cstr(&b);
    }
    *out = cJSON_Parse(text);
    if (!cJSON_IsObject(*out)) {
        cJSON_Delete(*out);
        *out = NULL;
        rc = sl_usage_error(ctx, err, "argument --%s: expected a JSON object", flag);
        goto out;
    }
    rc = SGN_OK;
out:
    sgn_buf_free(&b);
    return rc;
}

static int looks_like_json(const char *s)
{
    while (*s == ' ' || *s == '\t' || *s == '\n' || *s == '\r')
        s++;
    return *s == '{';
}

static int map_value(sl_ctx *ctx, cJSON **out, const char *flag, const char *text,
                     sgn_error *err)
{
    const cJSON *it;
    int rc;

    if (!looks_like_json(text) && strncmp(text, "file://", 7) != 0)
        return shorthand_object(ctx, out, flag, text, 0, NULL, err);
    if ((rc = json_object(ctx, out, flag, text, err)) < 0)
        return rc;
    cJSON_ArrayForEach(it, *out) {
        if (!cJSON_IsString(it)) {
            cJSON_Delete(*out);
            *out = NULL;
            return sl_usage_error(ctx, err, "argument --%s: the value of \"%s\" must be a string",
                                  flag, it->string);
        }
    }
    return SGN_OK;
}

static int payload_value(sl_ctx *ctx, cJSON **out, const char *flag, const char *text,
                         sgn_error *err)
{
    sgn_buf b = SGN_BUF_INIT;
    unsigned char *raw = NULL;
    size_t raw_len = 0;
    char *b64 = NULL;
    int rc;

    *out = NULL;
    if (strncmp(text, "fileb://", 8) == 0 || strncmp(text, "file://", 7) == 0) {
        /* fileb:// is raw bytes; file:// is the file's text, sent as its bytes. */
        const char *path = text + (text[4] == 'b' ? 8 : 7);
        if ((rc = read_param_file(ctx, &b, flag, path, err)) < 0)
            goto out;
        if ((rc = sgn_b64_encode(&b64, b.data ? b.data : (const unsigned char *)"", b.len,
                                 err)) < 0)
            goto out;
    } else {
        /* The AWS CLI v2 default (cli_binary_format base64): the value is base64. */
        sgn_error derr = SGN_ERROR_INIT;
        if (sgn_b64_decode(&raw, &raw_len, text, strlen(text), &derr) < 0) {
            rc = sl_usage_error(ctx, err,
                                "argument --%s: invalid base64 (%s); use fileb://PATH to send a "
                                "file's bytes",
                                flag, derr.msg);
            goto out;
        }
        if ((rc = sgn_b64_encode(&b64, raw, raw_len, err)) < 0)
            goto out;
    }
    *out = cJSON_CreateString(b64);
    rc = *out ? SGN_OK : sgn_error_set(err, SGN_ENOMEM, "out of memory");
out:
    sgn_buf_free(&b);
    free(raw);
    free(b64);
    return rc;
}

static int envelope_value(sl_ctx *ctx, cJSON **out, const char *flag, const char *text,
                          sgn_error *err)
{
    const char *type = NULL;

    if (strcmp(text, "jws") == 0 || strcmp(text, SGN_ENVELOPE_JWS) == 0)
        type = SGN_ENVELOPE_JWS;
    else if (strcmp(text, "cose") == 0 || strcmp(text, SGN_ENVELOPE_COSE) == 0)
        type = SGN_ENVELOPE_COSE;
    if (type == NULL)
        return sl_usage_error(ctx, err,
                              "argument --%s: invalid choice: '%s' (choose from 'jws', 'cose')",
                              flag, text);
    *out = cJSON_CreateString(type);
    return *out ? SGN_OK : sgn_error_set(err, SGN_ENOMEM, "out of memory");
}

static int list_value(cJSON **out, const sl_opt *o, sgn_error *err)
{
    cJSON *arr = cJSON_CreateArray();
    size_t i;

    *out = NULL;
    if (arr == NULL)
        return sgn_error_set(err, SGN_ENOMEM, "out of memory");
    for (i = 0; i < o->n_values; i++) {
        const char *v = o->values[i], *comma;

        /* The AWS CLI's shorthand: a list value may also be comma separated. */
        do {
            size_t len;
            char *part;
            cJSON *s;

            comma = strchr(v, ',');
            len = comma ? (size_t)(comma - v) : strlen(v);
            if ((part = strndup(v, len)) == NULL) {
                cJSON_Delete(arr);
                return sgn_error_set(err, SGN_ENOMEM, "out of memory");
            }
            s = cJSON_CreateString(part);
            free(part);
            if (s == NULL || !cJSON_AddItemToArray(arr, s)) {
                cJSON_Delete(s);
                cJSON_Delete(arr);
                return sgn_error_set(err, SGN_ENOMEM, "out of memory");
            }
            v = comma ? comma + 1 : NULL;
        } while (v != NULL);
    }
    *out = arr;
    return SGN_OK;
}

static int convert(sl_ctx *ctx, const sl_param *p, const sl_opt *o, cJSON *in, sgn_error *err)
{
    const char *text = o->seen ? o->value : p->dflt;
    cJSON *item = NULL;
    int rc;

    if (p->conv == SL_CONV_BOOL) {
        if (o->seen == 0)
            return SGN_OK;
        return set_member(in, p->member, cJSON_CreateBool(o->seen > 0), err);
    }
    if (p->conv == SL_CONV_LIST) {
        if (o->seen == 0)
            return SGN_OK;
        if ((rc = list_value(&item, o, err)) < 0)
            return rc;
        return set_member(in, p->member, item, err);
    }
    if (text == NULL)
        return SGN_OK;
    switch (p->conv) {
    case SL_CONV_STRING:
        item = cJSON_CreateString(text);
        break;
    case SL_CONV_INT: {
        char *end;
        long long v;

        errno = 0;
        v = strtoll(text, &end, 10);
        if (text[0] == '\0' || *end != '\0' || errno != 0 || v > (1LL << 53) || v < -(1LL << 53))
            return sl_usage_error(ctx, err, "argument --%s: invalid integer value: '%s'", p->flag,
                                  text);
        item = cJSON_CreateNumber((double)v);
        break;
    }
    case SL_CONV_TIME: {
        int64_t sec;
        sgn_error terr = SGN_ERROR_INIT;

        if (sgn_time_parse_cli(&sec, text, &terr) < 0)
            return sl_usage_error(ctx, err, "argument --%s: %s", p->flag, terr.msg);
        item = cJSON_CreateNumber((double)sec);
        break;
    }
    case SL_CONV_MAP:
        if ((rc = map_value(ctx, &item, p->flag, text, err)) < 0)
            return rc;
        break;
    case SL_CONV_VALIDITY:
    case SL_CONV_STRUCT:
        if (looks_like_json(text) || strncmp(text, "file://", 7) == 0)
            rc = json_object(ctx, &item, p->flag, text, err);
        else
            rc = shorthand_object(ctx, &item, p->flag, text, 1,
                                  p->conv == SL_CONV_VALIDITY ? "value" : NULL, err);
        if (rc < 0 || (rc = check_members(ctx, p, item, "", err)) < 0) {
            cJSON_Delete(item);
            return rc;
        }
        break;
    case SL_CONV_PAYLOAD:
        if ((rc = payload_value(ctx, &item, p->flag, text, err)) < 0)
            return rc;
        break;
    case SL_CONV_ENVELOPE:
        if ((rc = envelope_value(ctx, &item, p->flag, text, err)) < 0)
            return rc;
        break;
    case SL_CONV_BOOL:
    case SL_CONV_LIST:
        break;
    }
    return set_member(in, p->member, item, err);
}

static sl_opt_kind kind_for(sl_conv conv)
{
    switch (conv) {
    case SL_CONV_BOOL:
        return SL_OPT_FLAG;
    case SL_CONV_LIST:
        return SL_OPT_LIST;
    default:
        return SL_OPT_VALUE;
    }
}

int sl_run_operation(sl_ctx *ctx, const sl_operation *op, int argc, char **argv, sgn_error *err)
{
    sl_opt *opts = NULL;
    cJSON *in = NULL, *out = NULL;
    sgn_authority *a = NULL;
    const sl_opt *max_results, *next_token;
    size_t i;
    int rc;

    opts = calloc(op->n_params ? op->n_params : 1, sizeof(*opts));
    if (opts == NULL)
        return sgn_error_set(err, SGN_ENOMEM, "out of memory");
    for (i = 0; i < op->n_params; i++) {
        opts[i].name = op->params[i].flag;
        opts[i].kind = kind_for(op->params[i].conv);
        opts[i].required = op->params[i].required;
        opts[i].negatable = op->params[i].conv == SL_CONV_BOOL;
    }
    if ((rc = sl_parse(ctx, opts, op->n_params, argc, argv, err)) < 0 || ctx->help_shown)
        goto out;
    if ((in = cJSON_CreateObject()) == NULL) {
        rc = sgn_error_set(err, SGN_ENOMEM, "out of memory");
        goto out;
    }
    for (i = 0; i < op->n_params; i++)
        if ((rc = convert(ctx, &op->params[i], &opts[i], in, err)) < 0)
            goto out;
    if ((rc = sl_open_store(ctx, &a, err)) < 0)
        goto out;
    max_results = sl_args_find(opts, op->n_params, "max-results");
    next_token = sl_args_find(opts, op->n_params, "next-token");
    if (op->result_key != NULL && !(max_results && max_results->seen) &&
        !(next_token && next_token->seen))
        rc = sl_call_all_pages(ctx, op->operation, op->call, a, in, op->result_key, &out, err);
    else
        rc = sl_call(ctx, op->operation, op->call, a, in, &out, err);
    if (rc < 0)
        goto out;
    rc = sl_print_output(out, err);
out:
    cJSON_Delete(in);
    cJSON_Delete(out);
    sgn_authority_close(a);
    sl_args_free(opts, op->n_params);
    free(opts);
    return rc;
}
