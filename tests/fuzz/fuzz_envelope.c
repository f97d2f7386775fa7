/* Fuzz target: envelope parsing and verification (core/envelope/jws.c, cose.c) as
 * verify-signature runs it on a signature from a registry. SGN_FUZZ_ENVELOPE_TYPE picks the
 * format: application/jose+json (JWS JSON) or application/cose (COSE_Sign1, CBOR). */
#include <stdint.h>

#include "sgn/envelope.h"

#ifndef SGN_FUZZ_ENVELOPE_TYPE
#error "SGN_FUZZ_ENVELOPE_TYPE names the envelope media type"
#endif

#include "fuzz_main.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    sgn_envelope_info info;
    sgn_error err = SGN_ERROR_INIT;

    if (sgn_envelope_verify(&info, SGN_FUZZ_ENVELOPE_TYPE, data, size, &err) == SGN_OK)
        sgn_envelope_info_free(&info);
    return 0;
}
