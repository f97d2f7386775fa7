/* Internal to core/aws: the one SigV4 computation the client signer (sigv4.c) and the server-side
 * verifier (sigv4_verify.c) share, so that the canonical request exists in one copy only. */
#ifndef SGN_AWS_SIGV4_INT_H
#define SGN_AWS_SIGV4_INT_H

#include <stddef.h>
#include "sgn/aws_sigv4.h"

typedef struct sgn_sigv4__request {
    const char *method;
    const char *path;               /* as on the wire, no query; "" means "/" */
    const char *query;              /* as on the wire, without '?'; NULL or "" for none */
    const sgn_kv *headers;          /* exactly the headers to sign, names in any case, repeated
                                       names in the order received; includes X-Amz-Date (and
                                       X-Amz-Security-Token when it is signed) */
    size_t n_headers;
    const unsigned char *body;
    size_t body_len;
    const char *amz_date;           /* YYYYMMDD'T'HHMMSS'Z' */
    const char *region;
    const char *service;
    int normalize_path;
} sgn_sigv4__request;

/* Fill out->canonical_request, string_to_sign, signed_headers (new strings) and signature from r
 * and the secret key; nothing else of out is touched. Derived keys are wiped before returning. */
int sgn_sigv4__compute(sgn_sigv4_output *out, const sgn_sigv4__request *r, const char *secret,
                       sgn_error *err);

/* Lowercase hex SHA-256 of data. */
int sgn_sigv4__sha256_hex(char out[65], const void *data, size_t len, sgn_error *err);

/* The parameters of an AWS4-HMAC-SHA256 Authorization value (sigv4_verify.c), each NULL when
 * absent. `scheme_ok` is 0 when the value does not start with AWS4-HMAC-SHA256: the parameters are
 * then all NULL. Parameters are separated by commas and/or whitespace, as AWS tokenises them. */
typedef struct sgn_sigv4__auth {
    int scheme_ok;
    char *credential;
    char *signed_headers;
    char *signature;
} sgn_sigv4__auth;

/* Parse value into *a. A parameter without '=' or given twice is a 403
 * IncompleteSignatureException (err set as a service error); missing parameters are not an error
 * here (the caller names all of them, with the date, in one message, as AWS does). */
int sgn_sigv4__parse_authorization(sgn_sigv4__auth *a, const char *value, sgn_error *err);
void sgn_sigv4__auth_free(sgn_sigv4__auth *a);

#endif
