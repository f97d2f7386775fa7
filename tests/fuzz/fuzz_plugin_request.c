/* Fuzz target: a plugin request through the real protocol parser and the command behind it
 * (plugin/protocol.c, plugin/cmd_*.c). Built once per command (SGN_FUZZ_COMMAND): the input is
 * the request on stdin, read by pl_read_request from fd 0 (a memfd), decoded with the command's
 * field tables and validated; every backend call fails without leaving the process (no store,
 * no AWS credentials, IMDS disabled), so the envelope and trust-policy paths of verify-signature
 * run too. The response is serialised and redacted as for the real stdout, then dropped. */
#define _GNU_SOURCE /* memfd_create */
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "commands.h"

#ifndef SGN_FUZZ_COMMAND
#error "SGN_FUZZ_COMMAND names the command (generate-envelope, get-plugin-metadata, verify-signature)"
#endif

static const char *fake_env(void *ud, const char *name)
{
    (void)ud;
    if (strcmp(name, "AWS_EC2_METADATA_DISABLED") == 0)
        return "true";
    if (strcmp(name, "AWS_CONFIG_FILE") == 0 || strcmp(name, "AWS_SHARED_CREDENTIALS_FILE") == 0)
        return "/nonexistent/sgn-fuzz";
    return NULL;
}

#include "fuzz_main.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static int fd = -1;
    static const sgn_aws_env aws_env = {fake_env, NULL};
    pl_env env = {NULL, NULL, NULL, "/nonexistent/sgn-fuzz-store", NULL, &aws_env};
    pl_log log = PL_LOG_INIT;
    sgn_secrets secrets = SGN_SECRETS_INIT;
    pl_ctx ctx;
    pl_result r = PL_RESULT_INIT;
    char *out;

    if (fd < 0 && (fd = memfd_create("sgn-fuzz-stdin", 0)) < 0)
        abort();
    if (ftruncate(fd, 0) < 0 || pwrite(fd, data, size, 0) != (ssize_t)size ||
        lseek(fd, 0, SEEK_SET) != 0 || dup2(fd, 0) < 0)
        abort();
    memset(&ctx, 0, sizeof(ctx));
    ctx.env = &env;
    ctx.log = &log;
    ctx.secrets = &secrets;
    if (strcmp(SGN_FUZZ_COMMAND, "generate-envelope") == 0)
        pl_cmd_generate_envelope(&ctx, &r);
    else if (strcmp(SGN_FUZZ_COMMAND, "verify-signature") == 0)
        pl_cmd_verify_signature(&ctx, &r);
    else
        pl_cmd_metadata(&ctx, &r);
    if (r.json != NULL && (out = cJSON_PrintUnformatted(r.json)) != NULL)
        cJSON_free(out);
    pl_result_free(&r);
    sgn_secrets_free(&secrets);
    return 0;
}
