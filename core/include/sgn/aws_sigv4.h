/* AWS Signature Version 4, header form: a pure function of (request, credentials, time).
 *
 * It follows research/aws-signer-api.md §3.1 and passes the header cases of the aws-c-auth suite
 * in ../shared/vectors/sigv4-aws-c-auth/. The path is taken exactly as it goes on the wire (for
 * the Signer API already percent-encoded once: an ARN label holds %3A and %2F) and is encoded
 * again in the canonical request, as every service but S3 expects; the query is canonicalised
 * pair by pair (decoded, strictly re-encoded, sorted by key then value, repeated keys kept). */
#ifndef SGN_AWS_SIGV4_H
#define SGN_AWS_SIGV4_H

#include <stddef.h>
#include <stdint.h>
#include "sgn/aws.h"
#include "sgn/backend.h"

typedef struct sgn_sigv4_input {
    const char *method;             /* "GET", "POST", ... */
    const char *path;               /* as sent (percent-encoded once), no query; "" means "/" */
    const char *query;              /* as sent, without '?'; NULL or "" when there is none */
    const sgn_kv *headers;          /* every header to sign, as it will be sent; must include
                                       Host. X-Amz-Date and X-Amz-Security-Token are added by
                                       the signer and must not be in this list. */
    size_t n_headers;
    const unsigned char *body;
    size_t body_len;
    const char *region;
    const char *service;            /* "signer", "sts", ... */
    int64_t time;                   /* Unix seconds the signature is made at */
    int normalize_path;             /* remove "." / ".." segments and collapse "//" (non-S3) */
    int omit_session_token;         /* add X-Amz-Security-Token after signing, unsigned (only
                                       for the suite's post-sts-header-after case) */
} sgn_sigv4_input;

typedef struct sgn_sigv4_output {
    char amz_date[17];              /* the X-Amz-Date value, YYYYMMDD'T'HHMMSS'Z' */
    char *authorization;            /* the Authorization value */
    const char *security_token;     /* the X-Amz-Security-Token value to send (points into the
                                       credentials), or NULL */
    char *canonical_request;        /* for tests and the debug log: holds no secret */
    char *string_to_sign;
    char *signed_headers;           /* "host;x-amz-date;..." */
    char signature[65];             /* lowercase hex */
} sgn_sigv4_output;

#define SGN_SIGV4_OUTPUT_INIT {{0}, NULL, NULL, NULL, NULL, NULL, {0}}

/* Sign. The caller sends X-Amz-Date: out->amz_date, Authorization: out->authorization and, when
 * out->security_token is set, X-Amz-Security-Token: out->security_token, plus exactly the headers
 * it passed. Key material is wiped before returning. SGN_EINVALID for a request that cannot be
 * signed (no Host header, a header value with CR or LF, a missing region or service). */
int sgn_sigv4_sign(sgn_sigv4_output *out, const sgn_sigv4_input *in, const sgn_aws_creds *creds,
                   sgn_error *err);
void sgn_sigv4_output_free(sgn_sigv4_output *out);

/* Percent-encode s as SigV4 and the Signer API's path labels want it: every byte but
 * A-Z a-z 0-9 - . _ ~ becomes %XX (uppercase hex); with keep_slash, '/' is kept too. */
int sgn_uri_encode(char **out, const char *s, size_t len, int keep_slash, sgn_error *err);

#endif
