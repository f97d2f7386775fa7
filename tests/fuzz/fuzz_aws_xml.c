/* Fuzz target: the STS / IMDS XML reader (sgn_xml_text, core/aws/apierror.c), asked for every
 * element the credential chain reads from an AssumeRole / AssumeRoleWithWebIdentity answer or
 * an error document. */
#include <stdlib.h>

#include "sgn/aws_http.h"

#include "fuzz_main.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const char *const names[] = {"AccessKeyId", "SecretAccessKey", "SessionToken",
                                         "Expiration", "Code", "Message", "RequestId", "Arn"};
    sgn_error err = SGN_ERROR_INIT;

    for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
        char *v = NULL;
        sgn_error_clear(&err);
        if (sgn_xml_text(&v, (const char *)data, size, names[i], &err) == SGN_OK)
            free(v);
    }
    return 0;
}
