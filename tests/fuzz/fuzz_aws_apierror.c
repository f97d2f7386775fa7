/* Fuzz target: reading an AWS error answer (sgn_aws_parse_error, core/aws/apierror.c): rest-json
 * bodies (Signer, SSO, SSO OIDC), query/XML bodies (STS) and the x-amzn-* headers. The input is
 * "header lines, an empty line, the body": each "Name: value" line before the first empty line
 * becomes a response header; without an empty line the whole input is the body. */
#define _GNU_SOURCE /* memmem */
#include <stdlib.h>
#include <string.h>

#include "sgn/aws_http.h"

#include "fuzz_main.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    sgn_http_response r = SGN_HTTP_RESPONSE_INIT;
    sgn_aws_api_error e;
    sgn_kv hdrs[8];
    char *copy = malloc(size + 1), *p, *end, *sep;
    size_t n = 0;

    if (copy == NULL)
        return 0;
    memcpy(copy, data, size);
    copy[size] = '\0';
    p = copy;
    end = copy + size;
    sep = memmem(copy, size, "\n\n", 2);
    if (sep != NULL) {
        *sep = '\0';
        while (p < sep && n < sizeof(hdrs) / sizeof(hdrs[0])) {
            char *nl = strchr(p, '\n'), *colon;
            if (nl != NULL)
                *nl = '\0';
            if ((colon = strchr(p, ':')) != NULL) {
                *colon = '\0';
                hdrs[n].key = p;
                hdrs[n].value = colon + 1 + (colon[1] == ' ');
                n++;
            }
            if (nl == NULL)
                break;
            p = nl + 1;
        }
        p = sep + 2;
    }
    r.status = 400;
    r.headers = hdrs;
    r.n_headers = n;
    r.body = (unsigned char *)p;
    r.body_len = (size_t)(end - p);
    sgn_aws_parse_error(&e, &r);
    free(copy);
    return 0;
}
