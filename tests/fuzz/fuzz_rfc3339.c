/* Fuzz target: the time parsers (core/src/util.c): RFC 3339 (credential Expiration, SSO
 * expiresAt, the plugin's authenticSigningTime and expiry) and the CLI's time argument. */
#include <stdlib.h>
#include <string.h>

#include "sgn/util.h"

#include "fuzz_main.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *s = malloc(size + 1);
    int64_t sec;
    int32_t nsec;
    sgn_error err = SGN_ERROR_INIT;
    char out[32];

    if (s == NULL)
        return 0;
    memcpy(s, data, size);
    s[size] = '\0';
    if (sgn_time_parse_rfc3339(&sec, &nsec, s, &err) == SGN_OK) {
        int64_t again;
        /* what parses formats, and the format parses back to the same second */
        sgn_time_format_rfc3339(out, sec);
        sgn_error_clear(&err);
        if (sec >= 0 && sec < INT64_C(253402300800) &&
            (sgn_time_parse_rfc3339(&again, &nsec, out, &err) != SGN_OK || again != sec))
            abort();
    }
    sgn_error_clear(&err);
    (void)sgn_time_parse_cli(&sec, s, &err);
    free(s);
    return 0;
}
