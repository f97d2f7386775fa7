/* Encoding, time and randomness helpers (thin wrappers over OpenSSL where it does the work). */
#ifndef SGN_UTIL_H
#define SGN_UTIL_H

#include <stddef.h>
#include <stdint.h>
#include "sgn/error.h"

/* Go's zero time.Time, 0001-01-01T00:00:00Z, in Unix seconds. */
#define SGN_TIME_ZERO INT64_C(-62135596800)

/* Standard base64 with padding (RFC 4648 §4). Output is a malloc'd NUL-terminated string. */
int sgn_b64_encode(char **out, const unsigned char *in, size_t len, sgn_error *err);
/* Decode standard padded base64 the way Go's encoding/json does for []byte: CR and LF are
 * skipped, anything else outside the alphabet, or bad padding, is SGN_EINVALID.
 * *out is malloc'd (never NULL on success, even for empty input). */
int sgn_b64_decode(unsigned char **out, size_t *outlen, const char *in, size_t inlen,
                   sgn_error *err);
/* base64url without padding (JWS). The decoder rejects padding and the standard alphabet. */
int sgn_b64url_encode(char **out, const unsigned char *in, size_t len, sgn_error *err);
int sgn_b64url_decode(unsigned char **out, size_t *outlen, const char *in, size_t inlen,
                      sgn_error *err);
/* Lower-case hex; out must hold 2*len+1 bytes. */
void sgn_hex_encode(char *out, const unsigned char *in, size_t len);

/* RFC 3339: "YYYY-MM-DDTHH:MM:SS[.frac](Z|±hh:mm)". A superset of what Go's time.Time accepts
 * (lower-case 't'/'z' and ',' before a fraction pass here); callers that must match Go exactly
 * (plugin/protocol.c) check those first. Returns Unix seconds and nanoseconds (UTC). */
int sgn_time_parse_rfc3339(int64_t *sec, int32_t *nsec, const char *s, sgn_error *err);
/* "YYYY-MM-DDTHH:MM:SSZ" (UTC, whole seconds); out must hold 32 bytes. RFC 3339 years have four
 * digits: times before 0000-01-01T00:00:00Z or after 9999-12-31T23:59:59Z are clamped to those
 * ends (both formatters). */
void sgn_time_format_rfc3339(char out[32], int64_t sec);
/* AWS CLI style "YYYY-MM-DDTHH:MM:SS+00:00"; out must hold 32 bytes. */
void sgn_time_format_iso_offset(char out[32], int64_t sec);
/* Parse a timestamp the way the AWS CLI accepts one: RFC 3339 / ISO 8601 (date only allowed),
 * or Unix epoch seconds (may be fractional; truncated). */
int sgn_time_parse_cli(int64_t *sec, const char *s, sgn_error *err);

/* n bytes from the kernel's CSPRNG (getrandom; RAND_bytes where the kernel lacks it). */
int sgn_random_bytes(void *out, size_t n, sgn_error *err);
/* Random UUID v4 in canonical lower-case form; out must hold 37 bytes. */
int sgn_random_uuid(char out[37], sgn_error *err);
/* n random characters from [A-Za-z0-9] plus a NUL; out must hold n+1 bytes. */
int sgn_random_alnum(char *out, size_t n, sgn_error *err);

/* strdup that reports ENOMEM through err. */
int sgn_strdup(char **out, const char *s, sgn_error *err);

/* Milliseconds of CLOCK_MONOTONIC: for time budgets and deadlines, never for wall time. */
int64_t sgn_mono_ms(void);

#endif
