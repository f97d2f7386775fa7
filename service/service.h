/* signer-local: shared declarations of the command line (main.c) and its commands (cmd_*.c).
 *
 * Every command reports failure through sgn_error and the context; main.c alone turns the
 * outcome into output on stderr and an exit status:
 *   usage errors (ctx->usage_error):   usage lines + "signer-local: error: <msg>"       exit 2
 *   service errors (err.svc_code while ctx->operation is set): the AWS CLI v2's form,
 *                                      "An error occurred (<code>) when calling ..."    exit 254
 *   anything else:                     "signer-local: <msg>"                            exit 255
 * A command that succeeds may ask for another status through ctx->exit_status:
 *   validate-trust-policy with error findings (printed on stdout)                      exit 1 */
#ifndef SL_SERVICE_H
#define SL_SERVICE_H

#include <cjson/cJSON.h>

#include "args.h"
#include "sgn/authority.h"
#include "sgn/buf.h"
#include "sgn/error.h"

#define SL_PROG "signer-local"
#define SL_USAGE                                                                                \
    "usage: " SL_PROG " [--store DIR] [--caller-principal ARN] [--allow-other-owner] <command> "  \
    "[options]"

/* Help text is wrapped at this many columns. */
#define SL_HELP_WIDTH 96

/* The status of a command that ran but found the input wanting (validate-trust-policy). */
#define SL_EXIT_FINDINGS 1

/* Element count of a static array. */
#define N(a) (sizeof(a) / sizeof((a)[0]))

/* Environment values, read once by main.c (commands never call getenv). */
typedef struct sl_env {
    const char *signer_local_store;
    const char *xdg_data_home;
    const char *home;
    const char *notation_config;
    const char *xdg_config_home;
    const char *allow_other_owner;   /* SIGNER_LOCAL_ALLOW_OTHER_OWNER */
} sl_env;

struct sl_command;

typedef struct sl_ctx {
    const char *store_opt;           /* --store, or NULL */
    const char *caller_principal;    /* --caller-principal ARN, or NULL (the store's account) */
    int allow_other_owner;           /* --allow-other-owner or SIGNER_LOCAL_ALLOW_OTHER_OWNER=1 */
    sl_env env;
    const struct sl_command *cmd;    /* the command being run */
    const char *operation;           /* the Signer operation in flight, for service errors */
    int usage_error;                 /* the failure is about the command line */
    int help_shown;                  /* the command printed its help and did nothing else */
    sgn_buf synopsis;                /* the command's option synopsis, for usage messages */
    int exit_status;                 /* 0, or the status of a successful run (SL_EXIT_FINDINGS) */
} sl_ctx;

typedef int (*sl_cmd_fn)(sl_ctx *ctx, int argc, char **argv, sgn_error *err);

/* How a command-line value becomes a member of an operation's input object. */
typedef enum sl_conv {
    SL_CONV_STRING,   /* "v" */
    SL_CONV_INT,      /* an integer number */
    SL_CONV_TIME,     /* ISO 8601 or epoch seconds -> epoch seconds (number) */
    SL_CONV_BOOL,     /* --x -> true, --no-x -> false */
    SL_CONV_LIST,     /* v1 v2 ... (each may also be comma separated) -> array of strings */
    SL_CONV_MAP,      /* k=v,k2=v2 or a JSON object of strings */
    SL_CONV_VALIDITY, /* value=10,type=MONTHS or JSON -> {"value":10,"type":"MONTHS"} */
    SL_CONV_STRUCT,   /* k=v,k2={a=b},... (shorthand) or JSON or file://PATH -> object */
    SL_CONV_PAYLOAD,  /* fileb://PATH, file://PATH or a base64 literal -> base64 */
    SL_CONV_ENVELOPE  /* jws | cose -> signature envelope media type */
} sl_conv;

typedef struct sl_param {
    const char *flag;    /* command-line name without dashes */
    const char *member;  /* input member name */
    sl_conv conv;
    int required;
    const char *dflt;    /* value used when the flag is absent, or NULL */
} sl_param;

typedef int (*sl_op_fn)(sgn_authority *a, const cJSON *in, cJSON **out, sgn_error *err);

/* An AWS Signer operation exposed as a command: flags -> input object -> call -> print. */
typedef struct sl_operation {
    const char *operation;  /* the AWS name, e.g. "GetSigningProfile" */
    sl_op_fn call;
    const sl_param *params;
    size_t n_params;
    const char *result_key; /* paginated list member ("profiles"), or NULL */
} sl_operation;

typedef struct sl_command {
    const char *name;
    const sl_operation *op; /* run through sl_run_operation, or NULL */
    sl_cmd_fn run;          /* when op is NULL */
    const char *summary;
} sl_command;

/* The command table (main.c). */
extern const sl_command sl_commands[];
extern const size_t sl_n_commands;

/* --- ops.c -------------------------------------------------------------------------------- */

/* Parse argv against opts for ctx->cmd. On a parse failure marks ctx->usage_error; on --help
 * prints the command's help to stdout, sets ctx->help_shown and returns SGN_OK: the command
 * then stops. */
int sl_parse(sl_ctx *ctx, sl_opt *opts, size_t n, int argc, char **argv, sgn_error *err);

/* Mark the failure as a usage error and set err (unless set). Returns SGN_EINVALID. */
int sl_usage_error(sl_ctx *ctx, sgn_error *err, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Resolve the store directory (--store, $SIGNER_LOCAL_STORE, XDG default) and open it with
 * opts.create = 1, acting as --caller-principal when given. */
int sl_open_store(sl_ctx *ctx, sgn_authority **out, sgn_error *err);
int sl_store_dir(sl_ctx *ctx, char **out, sgn_error *err);

/* Call op with ctx->operation set; on success ctx->operation is cleared again. */
int sl_call(sl_ctx *ctx, const char *operation, sl_op_fn fn, sgn_authority *a, const cJSON *in,
            cJSON **out, sgn_error *err);

/* Call a paginated list operation until nextToken runs out; *out holds every item of key. */
int sl_call_all_pages(sl_ctx *ctx, const char *operation, sl_op_fn fn, sgn_authority *a,
                      cJSON *in, const char *key, cJSON **out, sgn_error *err);

/* The generic runner of an sl_operation command. */
int sl_run_operation(sl_ctx *ctx, const sl_operation *op, int argc, char **argv, sgn_error *err);

/* --- output.c ----------------------------------------------------------------------------- */

/* Print an operation's output as the AWS CLI does with --output json: timestamps (numbers in
 * members named ...At or ...From) as ISO 8601, 4-space indentation; nothing for an empty
 * object. */
int sl_print_output(const cJSON *out, sgn_error *err);

/* Render v as AWS CLI-style JSON text into b (no timestamp conversion, no trailing newline). */
int sl_format_json(sgn_buf *b, const cJSON *v, sgn_error *err);

/* A copy of v with timestamps rendered as ISO 8601 strings. */
int sl_convert_timestamps(cJSON **out, const cJSON *v, sgn_error *err);

/* Append text word-wrapped at width columns, every line indented by indent, plus a newline. */
int sl_wrap(sgn_buf *b, const char *text, int indent, int width, sgn_error *err);

/* Write text to stdout; SGN_EIO if that fails. */
int sl_write_stdout(const char *text, size_t len, sgn_error *err);

/* --- operations (cmd_profiles.c, cmd_jobs.c, cmd_platforms.c, cmd_sign.c) ------------------ */

extern const sl_operation sl_op_put_signing_profile;
extern const sl_operation sl_op_get_signing_profile;
extern const sl_operation sl_op_list_signing_profiles;
extern const sl_operation sl_op_cancel_signing_profile;
extern const sl_operation sl_op_revoke_signing_profile;
extern const sl_operation sl_op_revoke_signature;
extern const sl_operation sl_op_describe_signing_job;
extern const sl_operation sl_op_list_signing_jobs;
extern const sl_operation sl_op_list_signing_platforms;
extern const sl_operation sl_op_get_signing_platform;
extern const sl_operation sl_op_sign_payload;
extern const sl_operation sl_op_get_revocation_status;
extern const sl_operation sl_op_revoke_certificate;

/* cmd_accounts.c */
extern const sl_operation sl_op_add_profile_permission;
extern const sl_operation sl_op_list_profile_permissions;
extern const sl_operation sl_op_remove_profile_permission;
extern const sl_operation sl_op_tag_resource;
extern const sl_operation sl_op_untag_resource;
extern const sl_operation sl_op_list_tags_for_resource;
extern const sl_operation sl_op_create_access_key;
extern const sl_operation sl_op_list_access_keys;
extern const sl_operation sl_op_update_access_key;
extern const sl_operation sl_op_delete_access_key;

/* --- other commands (cmd_store.c, cmd_trust.c) --------------------------------------------- */

int sl_cmd_init(sl_ctx *ctx, int argc, char **argv, sgn_error *err);
int sl_cmd_export_root(sl_ctx *ctx, int argc, char **argv, sgn_error *err);
int sl_cmd_install_notation_trust(sl_ctx *ctx, int argc, char **argv, sgn_error *err);
int sl_cmd_validate_trust_policy(sl_ctx *ctx, int argc, char **argv, sgn_error *err);

/* --- serve and its audit trail (serve/cli.c, cmd_lookup.c) ---------------------------------- */

int sl_cmd_serve(sl_ctx *ctx, int argc, char **argv, sgn_error *err);
int sl_cmd_lookup_events(sl_ctx *ctx, int argc, char **argv, sgn_error *err);

#endif
