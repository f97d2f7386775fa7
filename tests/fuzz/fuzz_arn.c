/* Fuzz target: ARN parsing: sgn_arn_parse (core/src/arn.c: keyId, profile and job ARNs) and the
 * trusted-identity splitter sgn_identity__arn_parse (trustpolicy/identity.c). */
#include <stdlib.h>
#include <string.h>

#include "identity_internal.h"
#include "sgn/arn.h"

#include "fuzz_main.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *s = malloc(size + 1);
    sgn_arn a = SGN_ARN_INIT;
    sgn_identity__arn ia;
    sgn_error err = SGN_ERROR_INIT;

    if (s == NULL)
        return 0;
    memcpy(s, data, size);
    s[size] = '\0';
    if (sgn_arn_parse(&a, s, &err) == SGN_OK) {
        if (a.region != NULL)
            (void)sgn_partition_for_region(a.region);
        sgn_arn_free(&a);
    }
    (void)sgn_identity__arn_parse(&ia, (sgn_span){(const char *)data, size});
    free(s);
    return 0;
}
