/* Fuzz target: the AWS shared config / credentials INI reader (core/aws/config.c). The input is
 * written to a temporary file named by AWS_CONFIG_FILE and AWS_SHARED_CREDENTIALS_FILE (the
 * reader only takes files), loaded, and looked up as the credential chain does. */
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "sgn/aws_config.h"

static char ini_path[64];

static const char *fake_env(void *ud, const char *name)
{
    (void)ud;
    if (strcmp(name, "AWS_CONFIG_FILE") == 0 || strcmp(name, "AWS_SHARED_CREDENTIALS_FILE") == 0)
        return ini_path;
    if (strcmp(name, "HOME") == 0)
        return "/nonexistent";
    return NULL;
}

#include "fuzz_main.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const sgn_aws_env env = {fake_env, NULL};
    static const char *const profiles[] = {"default", "dev", "a b", ""};
    static const char *const keys[] = {"region", "role_arn", "sso_session", "aws_access_key_id",
                                       "credential_process", "endpoint_url"};
    sgn_aws_config *c = NULL;
    sgn_error err = SGN_ERROR_INIT;
    int fd;

    if (ini_path[0] == '\0') {
        strcpy(ini_path, "/tmp/sgn-fuzz-aws-config-XXXXXX");
        if ((fd = mkstemp(ini_path)) < 0)
            abort();
        close(fd);
    }
    if ((fd = open(ini_path, O_WRONLY | O_TRUNC)) < 0 || write(fd, data, size) != (ssize_t)size)
        abort();
    close(fd);
    if (sgn_aws_config_load(&c, &env, &err) == SGN_OK) {
        for (size_t p = 0; p < sizeof(profiles) / sizeof(profiles[0]); p++) {
            (void)sgn_aws_config_has_profile(c, profiles[p]);
            (void)sgn_aws_config_has_sso_session(c, profiles[p]);
            for (size_t k = 0; k < sizeof(keys) / sizeof(keys[0]); k++) {
                (void)sgn_aws_profile_get(c, profiles[p], keys[k]);
                (void)sgn_aws_config_sso_session_get(c, profiles[p], keys[k]);
                (void)sgn_aws_config_service_get(c, profiles[p], "signer", keys[k]);
            }
        }
        sgn_aws_config_free(c);
    }
    return 0;
}
