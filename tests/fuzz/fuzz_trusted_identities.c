/* Fuzz target: trusted identities (trustpolicy/): the first line is the signature's
 * signingProfileVersion, each further line a trustedIdentities entry, checked as
 * verify-signature checks them (sgn_identity_check, with the wildcard test and quoting); the
 * whole input is also validated as a trust policy document (sgn_trustpolicy_validate). */
#include <stdlib.h>
#include <string.h>

#include "sgn/identity.h"
#include "sgn/trustpolicy.h"

#include "fuzz_main.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *p = (const char *)data, *end = p + size;
    sgn_span sig = {p, 0}, ids[64];
    size_t n = 0;
    sgn_identity_result res = {0, -1, NULL};
    sgn_trustpolicy_findings f = SGN_TRUSTPOLICY_FINDINGS_INIT;
    sgn_buf q = SGN_BUF_INIT;
    sgn_error err = SGN_ERROR_INIT;
    int first = 1;

    while (p <= end && n < sizeof(ids) / sizeof(ids[0])) {
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        sgn_span s = {p, (size_t)((nl ? nl : end) - p)};
        if (first)
            sig = s, first = 0;
        else
            ids[n++] = s;
        if (nl == NULL)
            break;
        p = nl + 1;
    }
    (void)sgn_identity_has_wildcard(ids, n);
    if (sgn_identity_check(&res, sig, ids, n, &err) == SGN_OK)
        sgn_identity_result_free(&res);
    (void)sgn_identity_quote(&q, sig, &err);
    sgn_buf_free(&q);
    (void)sgn_trustpolicy_validate(&f, (const char *)data, size, NULL, &err);
    sgn_trustpolicy_findings_free(&f);
    return 0;
}
