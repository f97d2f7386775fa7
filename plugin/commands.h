/* The plugin's commands and what they share. Each command lives in its own cmd_*.c file; main.c
 * dispatches argv[1] through an explicit table of them. */
#ifndef SGN_PLUGIN_COMMANDS_H
#define SGN_PLUGIN_COMMANDS_H

#include "log.h"
#include "protocol.h"
#include "sgn/aws.h"

#define PL_NAME "com.amazonaws.signer.notation.plugin"
#define PL_DESCRIPTION "AWS Signer plugin for Notation"
#define PL_URL "https://docs.aws.amazon.com/signer"

/* The environment values the plugin uses, read once by main.c (library code never reads the
 * environment). NULL when unset. */
typedef struct pl_env {
    const char *debug;              /* AWS_SIGNER_NOTATION_PLUGIN_DEBUG */
    const char *xdg_config_home;
    const char *home;
    const char *signer_local_store; /* SIGNER_LOCAL_STORE */
    const char *xdg_data_home;
    const sgn_aws_env *aws;         /* the whole environment, for the AWS client */
} pl_env;

typedef struct pl_ctx {
    const pl_env *env;
    pl_log *log;
    sgn_aws_log aws_log;            /* the AWS client's lines, into the debug log */
    sgn_secrets *secrets;           /* what the credential chain resolved: removed from every
                                       message and log line (sgn/redact.h) */
} pl_ctx;

/* Every command fills r with a response or a failure; the return value is r's code. */
/* Set OpenSSL up for its algorithms (openssl_setup.c): no configuration file when there is
 * none, and the digest table the static build's OpenSSL does not fill. Called once, before the
 * first use of an OpenSSL algorithm, by the commands that use them (the static answers and
 * trusted-identity checks use none, and skip the cost). */
void pl_openssl_prepare(void);

int pl_cmd_metadata(pl_ctx *ctx, pl_result *r);
int pl_cmd_version(pl_ctx *ctx, pl_result *r);
int pl_cmd_generate_envelope(pl_ctx *ctx, pl_result *r);
int pl_cmd_verify_signature(pl_ctx *ctx, pl_result *r);
int pl_cmd_describe_key(pl_ctx *ctx, pl_result *r);
int pl_cmd_generate_signature(pl_ctx *ctx, pl_result *r);

#endif
