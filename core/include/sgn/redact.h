/* What may leave the process: the secrets registry and the log-line escaper.
 *
 * The credential chain registers every secret it resolves or reads on its way (secret access
 * keys, session tokens, web identity and container authorization tokens, IMDS tokens, SSO access
 * and refresh tokens, SSO OIDC client secrets) in an sgn_secrets the caller owns. The executables
 * pass every message and log line through sgn_redact() at the boundary, just before it is
 * written, so a secret is removed whatever path it took (an AWS error message that quotes it, a
 * response body, our own text).
 *
 * sgn_redact() replaces with "<redacted>" every run of bytes covered by a 16-byte window that
 * occurs anywhere in a registered secret (so a secret cut short, or quoted in part, is caught as
 * long as 16 of its bytes are together), and every whole occurrence of a registered secret of 6
 * to 15 bytes. Shorter secrets are not matched (they would match ordinary text). Each secret is
 * also registered in its URL-encoded and JSON "\/" forms.
 *
 * Not thread-safe: one registry per request, filled and read on one thread. */
#ifndef SGN_REDACT_H
#define SGN_REDACT_H

#include <stddef.h>
#include <stdint.h>

#include "sgn/buf.h"

#define SGN_REDACT_WINDOW 16  /* fragment length matched inside long secrets */
#define SGN_REDACT_MIN 6      /* shorter secrets are not matched */
#define SGN_REDACTED "<redacted>"

typedef struct sgn_secrets {
    size_t n, cap;
    char **s;            /* the secrets (copies, wiped on free) */
    size_t *len;
    uint64_t *grams;     /* sorted hashes of every SGN_REDACT_WINDOW-byte window of each secret */
    size_t n_grams, cap_grams;
} sgn_secrets;

#define SGN_SECRETS_INIT {0, 0, NULL, NULL, NULL, 0, 0}

/* Register a copy of s[0..len) (and its encoded forms). A NULL registry, a NULL s, a secret
 * shorter than SGN_REDACT_MIN or one already registered is a no-op. SGN_ENOMEM on failure. */
int sgn_secrets_add(sgn_secrets *reg, const char *s, size_t len, sgn_error *err);
/* sgn_secrets_add of a NUL-terminated string (NULL is a no-op). */
int sgn_secrets_add_str(sgn_secrets *reg, const char *s, sgn_error *err);
/* Wipe and free every copy; the registry is reset to SGN_SECRETS_INIT. */
void sgn_secrets_free(sgn_secrets *reg);

/* Append text[0..len) to out with every registered secret (see above) replaced by
 * "<redacted>". A NULL or empty registry copies the text unchanged. */
int sgn_redact(sgn_buf *out, const sgn_secrets *reg, const void *text, size_t len,
               sgn_error *err);

/* Append text[0..len) to out with control characters escaped so that it stays one line:
 * "\n", "\r", "\t", other C0 bytes and DEL as "\xNN", C1 controls encoded in UTF-8 (U+0080 to
 * U+009F, among them NEL) and U+2028 / U+2029 as "\u0085" and the like. Everything else,
 * backslashes included, is copied as it is. */
int sgn_escape_control(sgn_buf *out, const void *text, size_t len, sgn_error *err);

#endif
