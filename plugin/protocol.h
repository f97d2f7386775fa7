/* The Notation plugin protocol on this process's standard streams.
 *
 * Requests: stdin is read to EOF (at most PL_MAX_REQUEST bytes), parsed with cJSON and decoded
 * into the command's request struct through tables of fields, following Go's encoding/json
 * where cJSON allows (protocol.c lists where it does not).
 * Responses: on success stdout holds exactly one compact JSON value (no newline) and the exit code
 * is 0; on failure stderr holds exactly {"errorCode":"...","errorMessage":"..."} and the exit code
 * is 1. This is the only file that maps sgn codes to Notation errorCode strings.
 *
 * While a command runs, file descriptors 1 and 2 point at /dev/null (as the Go framework's
 * deferStdout does) so that nothing a library prints, and no child process, can reach the real
 * streams; the originals are kept close-on-exec and used only to deliver the result. */
#ifndef SGN_PLUGIN_PROTOCOL_H
#define SGN_PLUGIN_PROTOCOL_H

#include <stddef.h>
#include <stdint.h>
#include <cjson/cJSON.h>

#include "sgn/buf.h"
#include "sgn/error.h"
#include "sgn/identity.h"
#include "sgn/redact.h"

#define PL_MAX_REQUEST ((size_t)64 * 1024 * 1024)
#define PL_MSG_MALFORMED "Input is not a valid JSON"

typedef struct pl_io {
    int out_fd;     /* the real stdout */
    int err_fd;     /* the real stderr */
    int out_closed; /* fd 1 was closed when the plugin started: no response can be delivered */
} pl_io;

/* Save the real stdout/stderr (close-on-exec) and point fds 1 and 2 at /dev/null. Never fails:
 * if redirection is impossible the original descriptors are used directly. A closed stdout is
 * remembered (and given /dev/null, so that no file opened later becomes fd 1). */
void pl_io_init(pl_io *io);
/* Restore fds 1 and 2 and close the saved copies. */
void pl_io_close(pl_io *io);

/* The outcome of one command: a JSON response, a plain text (the `version` command), or an
 * error code and message. */
typedef struct pl_result {
    cJSON *json;
    char *text;
    int code;    /* 0 or a negative sgn_code */
    sgn_buf msg; /* errorMessage, length-counted (may hold NUL) */
} pl_result;

#define PL_RESULT_INIT {NULL, NULL, 0, SGN_BUF_INIT}

void pl_result_free(pl_result *r);
/* Record a failure (the first one wins). Returns code. */
int pl_fail(pl_result *r, int code, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
/* Record a failure whose message is prefix + s (s length-counted) + suffix. */
int pl_fail_span(pl_result *r, int code, const char *prefix, sgn_span s, const char *suffix);
/* Record a failure from an sgn_error. */
int pl_fail_error(pl_result *r, const sgn_error *err);

/* Deliver r: the response on stdout or the error on stderr, with every secret registered in
 * secrets (may be NULL) removed from every string of either (sgn_redact). Returns the exit code.
 * When the response cannot be written (stdout closed, a reader that went away, a full disk),
 * the error JSON "Failed to write the response to stdout: <reason>" goes to stderr instead and
 * the exit code is 1; if stderr fails too there is nothing more to say, and the exit code is 1. */
int pl_write_result(const pl_io *io, const pl_result *r, const sgn_secrets *secrets);

/* Notation errorCode for an sgn code. */
const char *pl_error_code(int code);

/* --- requests ---------------------------------------------------------------------------- */

/* Read stdin and parse its first JSON value (what follows it is ignored, as by Go's
 * Decoder.Decode). On success *root is an object or a JSON null, owned by the caller
 * (cJSON_Delete). Failures are recorded in r as VALIDATION_ERROR ("Input is not a valid JSON", or
 * a size message above PL_MAX_REQUEST). */
int pl_read_request(cJSON **root, pl_result *r);

/* A field decoder stores the JSON value v into the field at target. It returns SGN_EINVALID when
 * Go's decoder would fail (wrong JSON type, bad base64, bad time, out-of-range number). */
typedef int (*pl_decode_fn)(void *target, const cJSON *v);

typedef struct pl_field {
    const char *name; /* JSON name, matched ignoring ASCII case like Go does */
    pl_decode_fn decode;
    size_t offset;    /* of the field inside the struct */
} pl_field;

/* Decode an object into the struct at base (null leaves it as it is; members merge into what a
 * previous occurrence set; unknown members are skipped). Every member that names a field is
 * decoded in order, so with repeated names the last one wins and any bad one fails, as in Go. */
int pl_decode_struct(void *base, const pl_field *fields, size_t n_fields, const cJSON *v);

/* Field decoders, one per Go type of the contract. */
int pl_decode_string(void *target, const cJSON *v);   /* string: sgn_buf */
int pl_decode_uint64(void *target, const cJSON *v);   /* uint64: uint64_t */

typedef struct pl_bytes {
    unsigned char *data;
    size_t len;
    int set;                                     /* non-nil */
} pl_bytes;
int pl_decode_bytes(void *target, const cJSON *v);    /* []byte: pl_bytes */

typedef struct pl_time {
    int set;                                     /* non-nil pointer */
    int64_t sec;
    int32_t nsec;
} pl_time;
int pl_decode_time(void *target, const cJSON *v);     /* *time.Time: pl_time */

typedef struct pl_strlist {
    int set;                                     /* non-nil slice */
    size_t n;
    sgn_buf arena;                               /* the strings, back to back */
    size_t *off;
    size_t *len;
    size_t cap;
} pl_strlist;
int pl_decode_strlist(void *target, const cJSON *v);  /* []string: pl_strlist */
/* Validate a []string and remember only whether it is nil (for fields the plugin ignores). */
int pl_decode_strlist_nilness(void *target, const cJSON *v); /* int */
/* Spans over the items (valid while the list lives). *out is malloc'd (NULL when n == 0). */
int pl_strlist_spans(sgn_span **out, const pl_strlist *l, sgn_error *err);
void pl_strlist_free(pl_strlist *l);

typedef struct pl_byteslist {
    int set;
    size_t n;
    pl_bytes *items;
} pl_byteslist;
int pl_decode_byteslist(void *target, const cJSON *v); /* [][]byte: pl_byteslist */
void pl_byteslist_free(pl_byteslist *l);

/* map[string]string pluginConfig, keeping only the keys the plugin reads. */
#define PL_CFG_LOCAL_STORE "local-store"
#define PL_CFG_AWS_REGION "aws-region"
#define PL_CFG_AWS_PROFILE "aws-profile"
#define PL_CFG_ENDPOINT_URL "aws-signer-endpoint-url"
#define PL_CFG_TIMEOUT_MS "aws-timeout-ms"                 /* extension */
#define PL_CFG_CONNECT_TIMEOUT_MS "aws-connect-timeout-ms" /* extension */

typedef struct pl_cfg_value {
    int present;
    sgn_buf value;
} pl_cfg_value;

typedef struct pl_config {
    int set;
    size_t n_keys;     /* keys seen, for the debug log */
    pl_cfg_value local_store;
    pl_cfg_value aws_region;
    pl_cfg_value aws_profile;
    pl_cfg_value endpoint_url;
    pl_cfg_value timeout_ms;
    pl_cfg_value connect_timeout_ms;
} pl_config;
int pl_decode_config(void *target, const cJSON *v);   /* map[string]string: pl_config */
void pl_config_free(pl_config *c);
/* The value of a present, non-empty key as a C string, else NULL. */
const char *pl_config_get(const pl_cfg_value *v);

/* Go's %q of s, for messages: a malloc'd string, or NULL when out of memory. */
char *pl_quote(sgn_span s);
/* pl_fail with the message prefix, Go's %q of s, suffix. */
int pl_fail_quoted(pl_result *r, int code, const char *prefix, sgn_span s, const char *suffix);
/* UNSUPPORTED_CONTRACT_VERSION "\"<v>\" is not a supported notary plugin contract version"
 * unless v is SGN_CONTRACT_VERSION. */
int pl_check_contract(pl_result *r, sgn_span v);

/* Span of a string field. */
sgn_span pl_span(const sgn_buf *b);

#endif
