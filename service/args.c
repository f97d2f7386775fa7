#include "args.h"

#include <stdlib.h>
#include <string.h>

sl_opt *sl_args_find(sl_opt *opts, size_t n, const char *name)
{
    size_t i;

    for (i = 0; i < n; i++)
        if (strcmp(opts[i].name, name) == 0)
            return &opts[i];
    return NULL;
}

/* Match "--name", "--name=..." or (negatable flags) "--no-name" against the table. */
static sl_opt *lookup(sl_opt *opts, size_t n, const char *arg, size_t len, int *negated)
{
    size_t i;

    *negated = 0;
    for (i = 0; i < n; i++) {
        if (opts[i].kind != SL_OPT_POSITIONAL && strlen(opts[i].name) == len &&
            strncmp(opts[i].name, arg, len) == 0)
            return &opts[i];
    }
    if (len > 3 && strncmp(arg, "no-", 3) == 0) {
        for (i = 0; i < n; i++) {
            if (opts[i].kind == SL_OPT_FLAG && opts[i].negatable &&
                strlen(opts[i].name) == len - 3 && strncmp(opts[i].name, arg + 3, len - 3) == 0) {
                *negated = 1;
                return &opts[i];
            }
        }
    }
    return NULL;
}

static int push_value(sl_opt *o, const char *v, sgn_error *err)
{
    const char **vals = realloc(o->values, (o->n_values + 1) * sizeof(*vals));

    if (vals == NULL)
        return sgn_error_set(err, SGN_ENOMEM, "out of memory");
    o->values = vals;
    o->values[o->n_values++] = v;
    return SGN_OK;
}

static int is_option(const char *s)
{
    return strncmp(s, "--", 2) == 0 && s[2] != '\0';
}

static int is_help(const char *s)
{
    return strcmp(s, "--help") == 0 || strcmp(s, "-h") == 0;
}

/* "unrecognized arguments: a b c": every argument from i on that no option takes. */
static int unrecognized(int argc, char **argv, int i, sgn_error *err)
{
    sgn_buf b = SGN_BUF_INIT;
    int rc;

    rc = sgn_buf_puts(&b, "unrecognized arguments:", err);
    for (; rc == SGN_OK && i < argc; i++)
        rc = sgn_buf_printf(&b, err, " %s", argv[i]);
    if (rc == SGN_OK)
        rc = sgn_error_set(err, SGN_EINVALID, "%s", sgn_buf_cstr(&b));
    sgn_buf_free(&b);
    return rc;
}

int sl_args_parse(sl_opt *opts, size_t n, int argc, char **argv, int *help, sgn_error *err)
{
    int i, rc, negated;
    size_t k;
    sgn_buf missing = SGN_BUF_INIT;

    *help = 0;
    if (argc == 1 && strcmp(argv[0], "help") == 0) {
        *help = 1;
        return SGN_OK;
    }
    for (i = 0; i < argc; i++) {
        if (is_help(argv[i])) {
            *help = 1;
            return SGN_OK;
        }
    }
    for (i = 0; i < argc; i++) {
        const char *arg = argv[i], *eq, *name;
        size_t len;
        sl_opt *o;

        if (!is_option(arg)) {
            for (k = 0; k < n; k++)
                if (opts[k].kind == SL_OPT_POSITIONAL && !opts[k].seen)
                    break;
            if (k == n)
                return unrecognized(argc, argv, i, err);
            opts[k].value = arg;
            opts[k].seen = 1;
            continue;
        }
        name = arg + 2;
        eq = strchr(name, '=');
        len = eq ? (size_t)(eq - name) : strlen(name);
        o = lookup(opts, n, name, len, &negated);
        if (o == NULL)
            return unrecognized(argc, argv, i, err);
        switch (o->kind) {
        case SL_OPT_FLAG:
            if (eq != NULL)
                return sgn_error_set(err, SGN_EINVALID,
                                     "argument --%.*s: ignored explicit argument '%s'", (int)len,
                                     name, eq + 1);
            if (o->seen != 0 && o->seen != (negated ? -1 : 1))
                return sgn_error_set(err, SGN_EINVALID,
                                     "argument --%s%s: not allowed with argument --%s%s",
                                     negated ? "no-" : "", o->name, negated ? "" : "no-",
                                     o->name);
            o->seen = negated ? -1 : 1;
            break;
        case SL_OPT_VALUE:
            if (o->seen)
                return sgn_error_set(err, SGN_EINVALID, "argument --%s: given more than once",
                                     o->name);
            if (eq != NULL) {
                o->value = eq + 1;
            } else {
                if (i + 1 >= argc || is_option(argv[i + 1]))
                    return sgn_error_set(err, SGN_EINVALID,
                                         "argument --%s: expected one argument", o->name);
                o->value = argv[++i];
            }
            o->seen = 1;
            break;
        case SL_OPT_LIST:
            if (eq != NULL) {
                if ((rc = push_value(o, eq + 1, err)) < 0)
                    return rc;
            }
            while (i + 1 < argc && !is_option(argv[i + 1])) {
                if ((rc = push_value(o, argv[++i], err)) < 0)
                    return rc;
            }
            if (o->n_values == 0)
                return sgn_error_set(err, SGN_EINVALID,
                                     "argument --%s: expected at least one argument", o->name);
            o->seen++;
            break;
        case SL_OPT_POSITIONAL: /* lookup() never returns one */
            break;
        }
    }
    for (k = 0, rc = SGN_OK; k < n && rc == SGN_OK; k++)
        if (opts[k].required && opts[k].seen == 0)
            rc = sgn_buf_printf(&missing, err, "%s%s%s", missing.len ? ", " : "",
                                opts[k].kind == SL_OPT_POSITIONAL ? "" : "--", opts[k].name);
    if (rc == SGN_OK && missing.len > 0)
        rc = sgn_error_set(err, SGN_EINVALID, "the following arguments are required: %s",
                           sgn_buf_cstr(&missing));
    sgn_buf_free(&missing);
    return rc;
}

void sl_args_free(sl_opt *opts, size_t n)
{
    size_t i;

    for (i = 0; i < n; i++) {
        free(opts[i].values);
        opts[i].values = NULL;
        opts[i].n_values = 0;
    }
}

int sl_args_synopsis(sgn_buf *out, const sl_opt *opts, size_t n, sgn_error *err)
{
    size_t i;
    int rc = SGN_OK;

    for (i = 0; i < n && rc == SGN_OK; i++) {
        const sl_opt *o = &opts[i];
        const char *open = o->required ? "" : "[", *close = o->required ? "" : "]";

        if (i > 0 && (rc = sgn_buf_puts(out, " ", err)) < 0)
            break;
        switch (o->kind) {
        case SL_OPT_FLAG:
            if (o->negatable)
                rc = sgn_buf_printf(out, err, "[--%s | --no-%s]", o->name, o->name);
            else
                rc = sgn_buf_printf(out, err, "[--%s]", o->name);
            break;
        case SL_OPT_VALUE:
            rc = sgn_buf_printf(out, err, "%s--%s <value>%s", open, o->name, close);
            break;
        case SL_OPT_LIST:
            rc = sgn_buf_printf(out, err, "%s--%s <value> [<value> ...]%s", open, o->name, close);
            break;
        case SL_OPT_POSITIONAL:
            rc = sgn_buf_printf(out, err, "%s%s%s", open, o->name, close);
            break;
        }
    }
    return rc;
}
