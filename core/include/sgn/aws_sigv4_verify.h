/* Server-side verification of AWS Signature Version 4 (header form), for `signer-local serve`.
 *
 * Rules: research/aws-signer-api.md §3.2 (server-side verification) and §1.3 (the authentication
 * errors' names and HTTP statuses), the SigV4 algorithm of §3.1 as sgn_sigv4_sign implements it
 * (the canonical request is rebuilt by the same code, never a second copy), the skew limit of
 * 15 minutes ("RequestExpired", Signer's Common Errors). The request target is taken raw, as it
 * came on the wire, never a framework's decoded path: `%2F` inside `/tags/{resourceArn}` must
 * survive into the canonical request. */
#ifndef SGN_AWS_SIGV4_VERIFY_H
#define SGN_AWS_SIGV4_VERIFY_H

#include <stddef.h>
#include <stdint.h>
#include "sgn/backend.h"
#include "sgn/error.h"

/* One received request. Everything is borrowed for the duration of the call. */
typedef struct sgn_sigv4_request {
    const char *method;             /* "GET", "POST", ... */
    const char *path;               /* raw request target up to '?', as received ("/" at least) */
    const char *query;              /* raw query after '?', or NULL / "" */
    const sgn_kv *headers;          /* every header received, names in any case, values as
                                       received (repeated names kept in order) */
    size_t n_headers;
    const unsigned char *body;      /* the body actually received (NULL when body_len is 0) */
    size_t body_len;
} sgn_sigv4_request;

/* What the key store knows about an access key id. Strings are malloc'd by the lookup and freed
 * (secret and token wiped first) by sgn_sigv4_key_clear. */
typedef struct sgn_sigv4_key {
    char *secret_access_key;
    char *session_token;            /* non-NULL: a temporary key; the request must carry exactly
                                       this X-Amz-Security-Token, and sign it */
    int64_t expiration;             /* Unix seconds; 0 = does not expire */
    int active;                     /* 0: disabled ("Inactive") */
    char *account_id;               /* the 12-digit account the key belongs to */
    char *principal;                /* arn:aws:iam::<account>:root | :user/NAME | :role/NAME */
} sgn_sigv4_key;

void sgn_sigv4_key_clear(sgn_sigv4_key *key);

/* Look up access_key_id. Returns SGN_OK and fills *key, SGN_ENOTFOUND for an unknown id, or
 * another negative code (with err set) when the store fails. */
typedef int (*sgn_sigv4_key_lookup_fn)(void *ctx, const char *access_key_id, sgn_sigv4_key *key,
                                       sgn_error *err);

typedef struct sgn_sigv4_verified {
    char access_key_id[129];
    char account_id[13];
    char principal[2048];
    char region[64];                /* from the credential scope */
    int64_t request_time;           /* X-Amz-Date as Unix seconds */
} sgn_sigv4_verified;

/* Verify req as a request to `service` in `region` at Unix time `now`. On success fills *out and
 * returns SGN_OK. Every refusal is a service error (sgn_error_set_service, request id left empty
 * for the caller to fill) with AWS's name and status:
 *   - no Authorization header: 403 MissingAuthenticationTokenException;
 *   - a malformed Authorization (not AWS4-HMAC-SHA256, no Credential/SignedHeaders/Signature,
 *     a bad scope), no X-Amz-Date, SignedHeaders without host or x-amz-date, or a header named in
 *     SignedHeaders that is absent: 403 IncompleteSignatureException;
 *   - a scope whose service, terminator or date does not match, or whose region is not `region`:
 *     403 InvalidSignatureException (naming what was expected);
 *   - an unknown access key id: 403 UnrecognizedClientException "The security token included in
 *     the request is invalid.";
 *   - a disabled key: 403 UnrecognizedClientException (same text; a disabled key is not told apart);
 *   - an expired temporary key: 403 ExpiredTokenException; a missing or different session token:
 *     403 UnrecognizedClientException;
 *   - X-Amz-Date more than 15 minutes from now: 403 InvalidSignatureException "Signature expired:
 *     <date> is now earlier than <now-15min>" (or "later than"), with AWS's compact ISO dates;
 *   - a signature that does not match (altered body, header, path, query or secret), compared in
 *     constant time: 403 InvalidSignatureException "The request signature we calculated does not
 *     match the signature you provided. Check your AWS Secret Access Key and signing method.
 *     Consult the service documentation for details." (no canonical request in the message: it
 *     would echo a session token).
 * Local failures from the lookup are passed through (SGN_EDB, ...). Secrets never enter err. */
int sgn_sigv4_verify(const sgn_sigv4_request *req, const char *region, const char *service,
                     int64_t now, sgn_sigv4_key_lookup_fn lookup, void *lookup_ctx,
                     sgn_sigv4_verified *out, sgn_error *err);

#endif
