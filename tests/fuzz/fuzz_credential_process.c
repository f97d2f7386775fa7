/* Fuzz target: credential_process (core/aws/creds_process.c). The input is "command line, a NUL,
 * output": the command line is split as the SDKs split it (sgn_aws_split_command, nothing is
 * run), and the output is read as the process's stdout is read: a JSON object whose Version must
 * be 1, with the credentials taken by sgn_aws__creds_from_json. Without a NUL the whole input is
 * both. */
#include <stdlib.h>
#include <string.h>

#include "aws/creds_int.h"

#include "fuzz_main.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *nul = memchr(data, '\0', size);
    size_t cmd_len = nul ? (size_t)(nul - (const char *)data) : size;
    const char *out = nul ? nul + 1 : (const char *)data;
    size_t out_len = nul ? size - cmd_len - 1 : size;
    char *cmd = malloc(cmd_len + 1), **argv = NULL;
    sgn_aws_creds c = SGN_AWS_CREDS_INIT;
    sgn_error err = SGN_ERROR_INIT;
    cJSON *json;

    if (cmd == NULL)
        return 0;
    memcpy(cmd, data, cmd_len);
    cmd[cmd_len] = '\0';
    if (sgn_aws_split_command(&argv, cmd, &err) == SGN_OK)
        sgn_aws_argv_free(argv);
    free(cmd);
    sgn_error_clear(&err);
    json = cJSON_ParseWithLength(out, out_len);
    if (cJSON_IsObject(json)) {
        const cJSON *ver = cJSON_GetObjectItemCaseSensitive(json, "Version");
        if (cJSON_IsNumber(ver) && ver->valuedouble == 1)
            (void)sgn_aws__creds_from_json(&c, json, "SessionToken", "fuzz", &err);
    }
    sgn_aws_creds_free(&c);
    sgn_aws__json_wipe_free(json);
    return 0;
}
