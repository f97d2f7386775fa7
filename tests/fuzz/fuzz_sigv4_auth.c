/* Fuzz target: the Authorization parser and the verifier's refusals (core/aws/sigv4_verify.c).
 *
 * The input is one Authorization value; it is parsed alone, then verified inside a fixed request
 * against a one-key store, so the scope, SignedHeaders and date paths run too. With clang and
 * -DSGN_FUZZ=ON this links libFuzzer (`build/tests/fuzz_sigv4_auth corpus/`); otherwise the
 * driver of fuzz_main.h runs it once over each file (or each file of a directory) named on the
 * command line, which ctest does over the seed corpus. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "aws/sigv4_int.h"
#include "sgn/aws_sigv4_verify.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int lookup(void *ctx, const char *akid, sgn_sigv4_key *key, sgn_error *err)
{
    (void)ctx;
    (void)err;
    if (strcmp(akid, "AKIDEXAMPLE") != 0)
        return SGN_ENOTFOUND;
    key->secret_access_key = strdup("wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY");
    key->active = 1;
    key->account_id = strdup("123456789012");
    key->principal = strdup("arn:aws:iam::123456789012:root");
    return SGN_OK;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *value = malloc(size + 1);
    sgn_sigv4__auth a;
    sgn_error err = SGN_ERROR_INIT;
    sgn_kv hs[4] = {{(char *)"Host", (char *)"127.0.0.1:8443"},
                    {(char *)"X-Amz-Date", (char *)"20260101T000000Z"},
                    {(char *)"X-Other", (char *)" a  b "},
                    {(char *)"Authorization", NULL}};
    sgn_sigv4_request req = {"GET", "/tags/arn%3Aaws%2Fx", "a=1&b", hs, 4, NULL, 0};
    sgn_sigv4_verified out;

    if (value == NULL)
        return 0;
    memcpy(value, data, size);
    value[size] = '\0'; /* an embedded NUL ends the header, as it would on the wire */
    if (sgn_sigv4__parse_authorization(&a, value, &err) == SGN_OK)
        sgn_sigv4__auth_free(&a);
    sgn_error_clear(&err);
    hs[3].value = value;
    (void)sgn_sigv4_verify(&req, "us-east-1", "signer", INT64_C(1767225600), lookup, NULL, &out,
                           &err);
    free(value);
    return 0;
}

#include "fuzz_main.h"
