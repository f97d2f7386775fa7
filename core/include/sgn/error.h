/* One error type for the whole project.
 *
 * Every fallible function returns SGN_OK (0) or a negative sgn_code and takes `sgn_error *err` as its
 * last argument. The first failure wins: sgn_error_set() does not overwrite an error already set, so
 * callers pass errors up unchanged. Library code never prints; only plugin/protocol.c turns a code
 * into a Notation errorCode string. Messages never contain secrets. */
#ifndef SGN_ERROR_H
#define SGN_ERROR_H

#include <stddef.h>

typedef enum sgn_code {
    SGN_OK = 0,
    SGN_EINVALID = -1,     /* bad input or unsupported value: VALIDATION_ERROR */
    SGN_ECONTRACT = -2,    /* unsupported plugin contract version */
    SGN_EDENIED = -3,      /* authentication or authorisation failure: ACCESS_DENIED */
    SGN_ETHROTTLED = -4,   /* THROTTLED */
    SGN_ETIMEOUT = -5,     /* TIMEOUT */
    SGN_ENOTFOUND = -6,    /* a named thing does not exist */
    SGN_ECONFLICT = -7,    /* state does not allow the operation */
    SGN_ENOMEM = -8,
    SGN_EIO = -9,          /* file system */
    SGN_ECRYPTO = -10,     /* OpenSSL failure */
    SGN_EDB = -11,         /* SQLite failure */
    SGN_ENETWORK = -12,    /* transport failure */
    SGN_EUNSUPPORTED = -13,/* feature not available in this build or backend */
    SGN_ESERVICE = -14,    /* a Signer API error with no more specific code: see svc_code */
    SGN_EINTERNAL = -15,
    SGN_ECONFIG = -16      /* AWS configuration or credentials unusable (no credentials, an unknown
                              profile, a missing region): ERROR, as the Go plugin answers */
} sgn_code;

typedef struct sgn_error {
    int code;              /* 0 or a negative sgn_code */
    int http_status;       /* for service errors: the HTTP status AWS would answer with */
    char svc_code[64];     /* for service errors: the AWS error name, e.g. "ValidationException" */
    char request_id[64];   /* for service errors: x-amzn-RequestId */
    char msg[1024];
} sgn_error;

#define SGN_ERROR_INIT {0, 0, {0}, {0}, {0}}

/* Set err (unless already set) and return code. */
int sgn_error_set(sgn_error *err, int code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Set a Signer API error. The sgn code is derived from svc_code with the Go plugin's table
 * (sgn_code_for_service); http_status and request_id are recorded for the caller. */
int sgn_error_set_service(sgn_error *err, int http_status, const char *svc_code,
                          const char *request_id, const char *fmt, ...)
    __attribute__((format(printf, 5, 6)));

/* Append OpenSSL's error queue (and clear it) to a message; returns SGN_ECRYPTO. */
int sgn_error_set_openssl(sgn_error *err, const char *what);

void sgn_error_clear(sgn_error *err);

/* AWS error name -> sgn code, as the Go plugin maps SignPayload errors:
 * NotFound/ResourceNotFound/Validation/BadRequest -> EINVALID, ThrottlingException -> ETHROTTLED,
 * AccessDeniedException -> EDENIED, anything else -> ESERVICE. */
int sgn_code_for_service(const char *svc_code);

const char *sgn_code_name(int code);

#endif
