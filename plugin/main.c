/* notation-com.amazonaws.signer.notation.plugin: the Notation plugin executable.
 *
 * argv[1] names the command; it is looked up in an explicit table. This file and the rest of
 * plugin/ are the only code that touches argv, the environment, the standard streams and the
 * exit status; everything else is the core library.
 *
 * Behaviour follows AWS's Go plugin message for message (research/aws-signer-plugin.md), with
 * these deliberate differences:
 *   - an invalid command is reported as a VALIDATION_ERROR JSON on stderr, not as plain text;
 *     describe-key and generate-signature answer the Go library's "... is not supported";
 *   - a request over 64 MiB is refused with a VALIDATION_ERROR;
 *   - requests are parsed with cJSON: protocol.c lists where that differs from Go's encoding/json;
 *   - an absent authenticSigningTime is "missing authenticSigningTime" (Go panics);
 *   - the wildcard error and the trusted-identity failure reason gain a sentence saying how to
 *     fix the policy;
 *   - backends are created only when a call is made, so TRUSTED_IDENTITY-only verification never
 *     reads AWS configuration, and configuration problems surface after request validation;
 *   - the local Signer (pluginConfig local-store, or ARNs in region "local") is an extension, and
 *     only it accepts application/cose;
 *   - a debug log that cannot be opened, or is refused (see log.h), is skipped (Go exits 100);
 *     the static commands never log, and every log entry ends with a newline. */
#include <signal.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>

#include "commands.h"

#define MSG_INVALID_COMMAND                                                                    \
    "Invalid command, valid commands are: "                                                    \
    "<generate-envelope|get-plugin-metadata|verify-signature|version>"

typedef struct pl_command {
    const char *name;
    int (*run)(pl_ctx *ctx, pl_result *r);
    int debug_log; /* may write the opt-in debug log (never for the static answers) */
} pl_command;

static const pl_command commands[] = {
    {"generate-envelope", pl_cmd_generate_envelope, 1},
    {"get-plugin-metadata", pl_cmd_metadata, 0},
    {"verify-signature", pl_cmd_verify_signature, 1},
    {"version", pl_cmd_version, 0},
    /* not advertised (no SIGNATURE_GENERATOR.RAW); answered with the Go library's messages */
    {"describe-key", pl_cmd_describe_key, 0},
    {"generate-signature", pl_cmd_generate_signature, 0},
};

static const pl_command *find_command(int argc, char **argv)
{
    size_t i;

    if (argc != 2 || argv[1] == NULL)
        return NULL;
    for (i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
        if (strcmp(argv[1], commands[i].name) == 0)
            return &commands[i];
    return NULL;
}

static const char *read_env(void *ud, const char *name)
{
    (void)ud;
    return getenv(name);
}

static void aws_log_line(void *ud, const char *line)
{
    pl_log_debug(ud, "%s", line);
}

int main(int argc, char **argv)
{
    static const sgn_aws_env aws_env = {read_env, NULL};
    pl_io io;
    pl_env env;
    pl_log log = PL_LOG_INIT;
    sgn_secrets secrets = SGN_SECRETS_INIT;
    pl_ctx ctx;
    pl_result r = PL_RESULT_INIT;
    const pl_command *cmd;
    int status;

    /* No OPENSSL_cleanup at exit: it would free, one by one, every table OpenSSL built (1.3 to
     * 1.4M instructions and a hundred munmap calls, 0.4 ms of a call to AWS), all of which
     * the exit gives back at once. Nothing is flushed or wiped by it that matters: the plugin
     * wipes its own secrets. Kept under AddressSanitizer, whose leak check would see the tables. */
#if !defined(__SANITIZE_ADDRESS__)
    OPENSSL_init_crypto(OPENSSL_INIT_NO_ATEXIT, NULL);
#endif
    /* A reader that goes away must not kill us half-way through a write. */
    signal(SIGPIPE, SIG_IGN);
    pl_io_init(&io);

    env.debug = getenv("AWS_SIGNER_NOTATION_PLUGIN_DEBUG");
    env.xdg_config_home = getenv("XDG_CONFIG_HOME");
    env.home = getenv("HOME");
    env.signer_local_store = getenv("SIGNER_LOCAL_STORE");
    env.xdg_data_home = getenv("XDG_DATA_HOME");
    env.aws = &aws_env;
    ctx.env = &env;
    ctx.log = &log;
    ctx.secrets = &secrets;
    log.secrets = &secrets;
    ctx.aws_log.fn = aws_log_line;
    ctx.aws_log.ud = &log;

    cmd = find_command(argc, argv);
    if (cmd == NULL) {
        pl_fail(&r, SGN_EINVALID, "%s", MSG_INVALID_COMMAND);
    } else {
        if (cmd->debug_log && env.debug != NULL && strcmp(env.debug, "true") == 0)
            pl_log_open(&log, env.xdg_config_home, env.home, SGN_VERSION);
        pl_log_debug(&log, "executing %s", cmd->name);
        cmd->run(&ctx, &r);
        if (r.code != 0)
            pl_log_debug(&log, "%s failed: %s %.*s", cmd->name, pl_error_code(r.code),
                         (int)(r.msg.len > 4096 ? 4096 : r.msg.len), sgn_buf_cstr(&r.msg));
        else
            pl_log_debug(&log, "%s succeeded", cmd->name);
        /* a failure is when someone reads the debug log: say why there is none */
        if (r.code != 0 && log.refused[0] != '\0')
            (void)sgn_buf_printf(&r.msg, NULL, " (debug log not written: %s)", log.refused);
    }
    status = pl_write_result(&io, &r, &secrets);
    pl_result_free(&r);
    pl_log_close(&log);
    pl_io_close(&io);
    sgn_secrets_free(&secrets);
    return status;
}
