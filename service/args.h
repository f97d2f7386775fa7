/* A small long-option parser for signer-local's subcommands, argparse-like in its messages.
 *
 * A command describes its options in an array of sl_opt (the results are written into the same
 * array) and calls sl_args_parse on the arguments after the command name. Accepted forms:
 * "--name value", "--name=value", and for lists "--name v1 v2 ..." (values up to the next
 * argument that starts with "--"; the option may be repeated and the values accumulate). */
#ifndef SL_ARGS_H
#define SL_ARGS_H

#include <stddef.h>
#include "sgn/buf.h"
#include "sgn/error.h"

typedef enum sl_opt_kind {
    SL_OPT_VALUE, /* exactly one value, at most once */
    SL_OPT_LIST,  /* one or more values; repeatable */
    SL_OPT_FLAG,  /* no value; with `negatable`, "--no-<name>" is accepted too */
    SL_OPT_POSITIONAL /* an argument that is not an option; `name` is its metavar ("FILE").
                         Positionals take the non-option arguments in table order. */
} sl_opt_kind;

typedef struct sl_opt {
    const char *name; /* long name without the dashes, e.g. "profile-name" */
    sl_opt_kind kind;
    int required;
    int negatable;    /* SL_OPT_FLAG only */

    /* Results. */
    int seen;           /* VALUE/LIST: times given; FLAG: 1 for --name, -1 for --no-name */
    const char *value;  /* VALUE, POSITIONAL: the value (points into argv) */
    const char **values; /* LIST: n_values pointers into argv (malloc'd array) */
    size_t n_values;
} sl_opt;

/* Parse argv[0..argc) into opts. A "--help", "-h" or a lone "help" sets *help and stops (no
 * other checks). Failures are SGN_EINVALID with an argparse-style message ("the following
 * arguments are required: --a, --b", "argument --x: expected one argument",
 * "unrecognized arguments: ..."). */
int sl_args_parse(sl_opt *opts, size_t n, int argc, char **argv, int *help, sgn_error *err);

/* Free the value arrays the parser allocated. */
void sl_args_free(sl_opt *opts, size_t n);

/* Append a synopsis of the options ("--a <value> [--b <value>] [--c | --no-c]") to out. */
int sl_args_synopsis(sgn_buf *out, const sl_opt *opts, size_t n, sgn_error *err);

/* The option called name, or NULL. */
sl_opt *sl_args_find(sl_opt *opts, size_t n, const char *name);

#endif
