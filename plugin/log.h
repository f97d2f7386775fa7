/* The opt-in debug log (AWS_SIGNER_NOTATION_PLUGIN_DEBUG=true), as the Go plugin keeps it:
 * appended to <user config dir>/notation-aws-signer/plugin.log (directory 0700, file 0600), each
 * line "<RFC 3339 local time> [DEBUG] <message>". It never receives keys, credentials, tokens
 * or Authorization values: the AWS client redacts them before a line reaches the log (it does
 * log Signer request and response bodies, as the Go plugin's SDK log does; those hold the
 * payload digest and the envelope, nothing secret). If the file cannot be opened the plugin carries on without it
 * (the Go plugin exits 100 instead). */
#ifndef SGN_PLUGIN_LOG_H
#define SGN_PLUGIN_LOG_H

#include <stdio.h>

typedef struct pl_log {
    FILE *f; /* NULL when logging is off */
} pl_log;

/* Open the log under xdg_config_home (if absolute) or home/.config. */
void pl_log_open(pl_log *log, const char *xdg_config_home, const char *home, const char *version);
void pl_log_close(pl_log *log);
/* One line; no-op when log is NULL or off. */
void pl_log_debug(pl_log *log, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#endif
