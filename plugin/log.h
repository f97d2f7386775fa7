/* The opt-in debug log (AWS_SIGNER_NOTATION_PLUGIN_DEBUG=true), as the Go plugin keeps it:
 * appended to <user config dir>/notation-aws-signer/plugin.log (directory 0700, file 0600), each
 * line "<RFC 3339 local time> [DEBUG] <message>".
 *
 * Every line passes through one writer, pl_log_debug, which
 *   - removes every secret registered in log->secrets (sgn_redact: whatever the credential chain
 *     resolved, whole or in 16-byte fragments), on top of the AWS client's own redaction of
 *     Authorization, token and secret headers and credential bodies, and
 *   - escapes control characters (sgn_escape_control), so that nothing logged (a keyId, an AWS
 *     message, a response body) can end a line early or forge another.
 *
 * The file is opened with O_NOFOLLOW and created 0600. An existing file is refused, and the
 * plugin carries on without a log, when it is not a regular file, not owned by the running user,
 * has other links, or has any permission for group or others: a signing or verification never
 * fails because of its debug log (the Go plugin exits 100 when it cannot open the log). Why the
 * log was refused is kept in log->refused; main.c adds it to the error message of a command that
 * fails, which is when someone reads the log. */
#ifndef SGN_PLUGIN_LOG_H
#define SGN_PLUGIN_LOG_H

#include <stdio.h>

#include "sgn/redact.h"

typedef struct pl_log {
    FILE *f;                     /* NULL when logging is off */
    const sgn_secrets *secrets;  /* removed from every line; may be NULL */
    char refused[640];           /* why an existing log was not used ("" when it was, or when
                                    logging is off) */
} pl_log;

#define PL_LOG_INIT {NULL, NULL, {0}}

/* Open the log under xdg_config_home (if absolute) or home/.config. */
void pl_log_open(pl_log *log, const char *xdg_config_home, const char *home, const char *version);
void pl_log_close(pl_log *log);
/* One line, redacted and escaped; no-op when log is NULL or off. */
void pl_log_debug(pl_log *log, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#endif
