/* Server-side verification of AWS Signature Version 4 (header form), for `signer-local serve`.
 *
 * Rules: research/aws-signer-api.md §3.2 (server-side verification) and §1.3 (the authentication
 * errors' names and HTTP statuses), the SigV4 algorithm of §3.1 as sgn_sigv4_sign implements it
 * (the canonical request is rebuilt by the same code, never a second copy), the skew limit of
 * 15 minutes (Signer's Common Errors; AWS answers it as InvalidSignatureException). The request target is taken raw, as it
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
 * returns SGN_OK. Every refusal is a service error (sgn_error_set_service, HTTP 403, request id
 * left empty for the caller to fill) with AWS's name and, where a public source shows it, AWS's
 * text (sources cited in core/aws/sigv4_verify.c; "ours" marks texts with no source):
 *   - no Authorization header: MissingAuthenticationTokenException "Missing Authentication
 *     Token"; none but X-Amz-Signature/X-Amz-Credential in the query (a presigned URL, not
 *     supported here): IncompleteSignatureException (ours);
 *   - IncompleteSignatureException: a scheme other than AWS4-HMAC-SHA256, or missing Credential,
 *     Signature, SignedHeaders or date, named together ("Authorization header requires
 *     'Credential' parameter. ... Authorization header requires existence of either a
 *     'X-Amz-Date' or a 'Date' header."); "'<x>' not a valid key=value pair (missing equal-sign)
 *     in Authorization header: '<value>'."; a parameter given twice or two Authorization headers
 *     (ours); an X-Amz-Date not YYYYMMDD'T'HHMMSS'Z' or a Date not RFC 1123 (ours); "Credential
 *     must have exactly 5 slash-delimited elements, e.g. keyid/date/region/service/term, got
 *     '<credential>'"; "'<name>' is named as a SignedHeader, but it does not exist in the HTTP
 *     request."; a temporary key's X-Amz-Security-Token sent but not signed (ours);
 *   - InvalidSignatureException: "'Host' or ':authority' must be a 'SignedHeader' in the AWS
 *     Authorization." (AWS answers this one as InvalidSignature, not IncompleteSignature), the same
 *     shape for an unsigned X-Amz-Date (ours); the scope: "Date in Credential scope does not match
 *     YYYYMMDD from ISO-8601 version of date from HTTP: '<scope>' != '<date>', from
 *     '<amz date>'.", "Credential should be scoped to a valid region, not '<region>'. ",
 *     "Credential should be scoped to correct service: '<service>'. ", "Credential should be
 *     scoped with a valid terminator: 'aws4_request', not '<term>'. "; the clock, more than 15
 *     minutes either way: "Signature expired: <date> is now earlier than <now-15min> (<now> - 15
 *     min.)" or "Signature not yet current: <date> is still later than <now+15min> (<now> + 15
 *     min.)"; a signed X-Amz-Content-SHA256 that is not the body's hash: "The provided
 *     'x-amz-content-sha256' header does not match what was computed." (S3's text); a signature
 *     that does not match (altered body, signed header, path, query or secret), compared in
 *     constant time: "The request signature we calculated does not match the signature you
 *     provided. Check your AWS Secret Access Key and signing method. Consult the service
 *     documentation for details." (no canonical request in the message: it would echo a session
 *     token);
 *   - UnrecognizedClientException "The security token included in the request is invalid.": an
 *     unknown access key id, a disabled key, a temporary key whose token is missing or different,
 *     a long-term key sent with a token (none told apart);
 *   - ExpiredTokenException "The security token included in the request is expired": a temporary
 *     key past its expiration (checked after its token matched).
 * The path is canonicalised normalised ("." and ".." removed, "//" collapsed) as non-S3 services
 * sign it; a signature over the path exactly as received is accepted too (it covers the very
 * bytes received; the suite's *-unnormalized cases sign so). Local failures from the lookup are
 * passed through (SGN_EDB, ...). Secrets never enter err. */
int sgn_sigv4_verify(const sgn_sigv4_request *req, const char *region, const char *service,
                     int64_t now, sgn_sigv4_key_lookup_fn lookup, void *lookup_ctx,
                     sgn_sigv4_verified *out, sgn_error *err);

#endif
