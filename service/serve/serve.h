/* signer-local serve: AWS Signer's REST API over HTTP (libmicrohttpd), mapped onto the same
 * sgn_authority_* operations the command line calls (ARCHITECTURE.md, "The service is a front
 * end, not a second Signer").
 *
 * Layers, one file each, every one but server.c testable without a socket:
 *   routes.c   the route table (method + path template -> operation), path labels decoded
 *              after routing on the raw segments, the query (repeated keys -> arrays, ISO 8601
 *              -> epoch seconds), the JSON body: together the operation's input object;
 *   respond.c  success and error responses (status, x-amzn-RequestId, x-amzn-ErrorType, body
 *              {"message","code"});
 *   audit.c    CloudTrail-shaped records, appended durably (fdatasync, group commit) before a
 *              response leaves;
 *   lookup.c   `signer-local lookup-events` over the audit file;
 *   quota.c    per-account token buckets (ThrottlingException);
 *   handler.c  one request from raw target to response: health, routing, body limit,
 *              authentication (a callback), quota, input, the operation (a table), audit;
 *   server.c   the daemon: listen policy, TLS, worker threads with one store handle each,
 *              signals and drain, the real authentication (SigV4) and operation table. */
#ifndef SL_SERVE_H
#define SL_SERVE_H

#include <pthread.h>
#include <stddef.h>
#include <stdint.h>
#include <cjson/cJSON.h>

#include "sgn/authority.h"
#include "sgn/aws_sigv4_verify.h"
#include "sgn/error.h"

/* Default listen address (documented in the README). */
#define SV_DEFAULT_HOST "127.0.0.1"
#define SV_DEFAULT_PORT 8484
/* The health endpoint: unauthenticated, not audited. */
#define SV_HEALTH_PATH "/health"
/* Largest request body accepted (413 RequestEntityTooLargeException beyond). The largest valid
 * body is a PutSigningProfile with 200 tags of 128 + 256 characters, about 80 KB; SignPayload's
 * payload is at most 4096 bytes (5464 in base64), checked by the operation. */
#define SV_MAX_BODY (256u * 1024u)
#define SV_MAX_LABELS 4

/* ---- routes.c ---------------------------------------------------------------------------- */

typedef enum sv_qtype {
    SV_Q_STRING,
    SV_Q_INT,
    SV_Q_BOOL,
    SV_Q_TIME,   /* ISO 8601 (or epoch seconds) -> epoch seconds, a JSON number */
    SV_Q_LIST    /* repeated key -> array of strings */
} sv_qtype;

typedef struct sv_qparam {
    const char *name;    /* wire name = member name for every Signer operation */
    sv_qtype type;
} sv_qparam;

#define SV_MAX_QUERY 10

typedef struct sv_route {
    const char *method;
    const char *path;        /* template, e.g. "/signing-profiles/{profileName}/permissions" */
    const char *operation;   /* the AWS name, e.g. "AddProfilePermission" */
    int body;                /* the input has JSON body members */
    int read_only;           /* CloudTrail readOnly: Get/List/Describe */
    sv_qparam query[SV_MAX_QUERY];
} sv_route;

extern const sv_route sv_routes[];
extern const size_t sv_n_routes;

typedef struct sv_match {
    const sv_route *route;
    char *label_names[SV_MAX_LABELS];   /* malloc'd copies */
    char *label_values[SV_MAX_LABELS];  /* decoded, malloc'd */
    size_t n_labels;
} sv_match;

/* Find the route of (method, raw path). SGN_ENOTFOUND (404 UnknownOperationException set in
 * err) when none matches; 400 ValidationException for a label that does not decode (a bad
 * %-escape, a NUL byte). Labels are matched on the raw segments and decoded afterwards, so
 * "%2F" inside an ARN label never splits a segment. */
int sv_route_match(sv_match *m, const sv_route *routes, size_t n_routes, const char *method,
                   const char *raw_path, sgn_error *err);
void sv_match_free(sv_match *m);

/* Percent-decode s[0..len) ('+' stays '+': the SDKs send spaces as %20). SGN_EINVALID for a
 * malformed escape or a NUL byte. *out is malloc'd. */
int sv_pct_decode(char **out, const char *s, size_t len, int plus_is_space, sgn_error *err);

/* The operation's input: the body's JSON object (when the route has body members), then the
 * query parameters the route declares (unknown ones ignored), then the path labels, each under
 * its member name. A body that is not a JSON object: 400 SerializationException; a query value
 * of the wrong type: 400 ValidationException. */
int sv_build_input(cJSON **out, const sv_match *m, const char *raw_query, const char *body,
                   size_t body_len, sgn_error *err);

/* ---- respond.c --------------------------------------------------------------------------- */

typedef struct sv_response {
    unsigned status;
    char *body;                  /* malloc'd JSON text */
    size_t body_len;
    char error_type[64];         /* x-amzn-ErrorType, "" on success */
    char error_message[1024];    /* for the audit trail */
    char request_id[37];
    int retry_after;             /* seconds for a Retry-After header, 0 = none */
    int audit_pending;           /* sv_request.on_durable will be called */
} sv_response;

/* 200 with out as the body ("{}" for NULL). */
int sv_respond_ok(sv_response *r, const cJSON *out, sgn_error *err);
/* The error response for e: a service error keeps its name and status (a status of 0 is taken
 * from the name); a local failure is mapped (EINVALID -> 400 ValidationException, ENOTFOUND ->
 * 404 ResourceNotFoundException, EDENIED -> 403 AccessDeniedException, ECONFLICT -> 409
 * ConflictException, ETHROTTLED -> 429 TooManyRequestsException) and anything else is
 * 500 InternalServiceErrorException with a generic message (the detail stays on stderr). Never
 * fails: out of memory leaves a fixed body. */
void sv_respond_error(sv_response *r, const sgn_error *e);
/* Set err to an AWS service error, status derived from the name. Returns SGN_ESERVICE or the
 * code sgn_error_set_service picks. */
int sv_error(sgn_error *err, const char *name, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* The HTTP status of an AWS error name (400 for unknown names). */
unsigned sv_status_for(const char *name);
void sv_response_free(sv_response *r);

/* ---- audit.c ----------------------------------------------------------------------------- */

typedef struct sv_identity {
    char account_id[13];
    char principal[2048];
    char access_key_id[129];
} sv_identity;

typedef struct sv_audit_event {
    const char *event_name;          /* operation, or "UnknownOperation" */
    int64_t time_ms;                 /* wall clock, milliseconds */
    const char *region;
    const char *source_ip;
    const char *user_agent;
    const sv_identity *who;          /* account/principal empty when unauthenticated */
    const cJSON *request;            /* the input; scrubbed on the way in */
    const cJSON *response;           /* the output or NULL; scrubbed; dropped when read_only */
    int read_only;
    const char *request_id;
    const char *error_code;          /* NULL or "" on success */
    const char *error_message;
    const char *recipient_account;   /* the store account or the caller's */
} sv_audit_event;

/* The CloudTrail-shaped record of ev (eventVersion, eventTime, eventSource, eventName,
 * awsRegion, sourceIPAddress, userAgent, userIdentity, requestParameters, responseElements,
 * requestID, eventID, eventType, readOnly, errorCode, errorMessage, recipientAccountId,
 * resources). Payloads, signatures and secrets never enter it. */
int sv_audit_record(cJSON **out, const sv_audit_event *ev, sgn_error *err);

typedef struct sv_audit sv_audit;
/* Open path for appending (O_APPEND|O_CLOEXEC|O_CREAT, 0600) and start its sync thread. */
int sv_audit_open(sv_audit **out, const char *path, sgn_error *err);
/* Append one line and wait until an fdatasync covers it; thread-safe. Concurrent appends share
 * one fdatasync (group commit: the sync thread syncs every line written before it starts). */
int sv_audit_append(sv_audit *a, const cJSON *record, sgn_error *err);
/* Called from the sync thread once the line is durable (error 0) or its fdatasync failed
 * (error = errno). */
typedef void (*sv_audit_done_fn)(void *ctx, int error);
/* Append one line now (write(2), in order) and return; fn(ctx, error) follows from the sync
 * thread (fn NULL: nobody is told; the next sync covers the line). On failure (the line could
 * not be written) fn is never called. */
int sv_audit_append_async(sv_audit *a, const cJSON *record, sv_audit_done_fn fn, void *ctx,
                          sgn_error *err);
/* Sync what is left, tell the waiters, stop the sync thread, close. */
void sv_audit_close(sv_audit *a);

/* ---- lookup.c ---------------------------------------------------------------------------- */

typedef struct sv_lookup_filter {
    int64_t start_time;         /* epoch seconds, INT64_MIN = none */
    int64_t end_time;           /* INT64_MAX = none */
    const char *event_name;
    const char *principal;      /* userIdentity.arn */
    const char *resource_name;  /* a resource's ARN, or the name its ARN ends with */
    long max_results;           /* 0 = 50 */
} sv_lookup_filter;

/* {"Events": [...]} newest first, as `aws cloudtrail lookup-events` prints it: EventId,
 * EventName, ReadOnly, AccessKeyId, EventTime (epoch seconds), EventSource, Username, Resources
 * [{ResourceType, ResourceName}], CloudTrailEvent (the record as a JSON string). */
int sv_lookup_events(cJSON **out, const char *path, const sv_lookup_filter *f, sgn_error *err);

/* ---- quota.c ----------------------------------------------------------------------------- */

typedef struct sv_quota sv_quota;
/* Token buckets of rps tokens a second, burst max(1, rps), one per account. */
int sv_quota_new(sv_quota **out, double rps, sgn_error *err);
/* 1 when the account may make a request at now_ms (a token is taken), 0 when throttled. */
int sv_quota_take(sv_quota *q, const char *account, int64_t now_ms);
void sv_quota_free(sv_quota *q);

/* ---- handler.c --------------------------------------------------------------------------- */

typedef int (*sv_op_fn)(sgn_authority *a, const cJSON *in, cJSON **out, sgn_error *err);

typedef struct sv_operation {
    const char *name;
    sv_op_fn call;    /* NULL: the route answers ValidationException "not supported" */
    int own_writes;   /* takes sv_service.write_lock itself, around its writes only */
} sv_operation;

/* Authenticate req (and make its identity the handle's caller). A refusal is a service error
 * in err; who->access_key_id may be set even then, for the audit trail. */
typedef int (*sv_auth_fn)(void *ctx, sgn_authority *a, const sgn_sigv4_request *req,
                          sv_identity *who, sgn_error *err);
/* This thread's store handle (opened on first use), or NULL with err set. */
typedef sgn_authority *(*sv_handle_fn)(void *ctx, sgn_error *err);

typedef struct sv_service {
    const sv_route *routes;
    size_t n_routes;
    const sv_operation *ops;
    size_t n_ops;
    sv_auth_fn authenticate;
    sv_handle_fn handle;
    void *ctx;
    sv_audit *audit;             /* may be NULL (tests) */
    sv_quota *quota;             /* NULL = no quota */
    const char *region;
    const char *account;         /* the store's own account */
    const char *version;
    int64_t (*clock_ms)(void);   /* wall clock in ms; NULL = real time */
    /* Held around every operation that is not read-only, or NULL. The workers' store handles
     * would otherwise meet on SQLite's write lock, whose busy handler sleeps and backs off
     * (1, 2, 5, 10 ... 100 ms): a queue on a mutex hands the lock over at once. */
    pthread_mutex_t *write_lock;
    /* Read-only calls (Get/List/Describe, no state change) are answered once their line is
     * written (in the kernel: a SIGKILL loses nothing) without waiting for the fdatasync that
     * the next group commit does; calls that change state always wait. Off by default. */
    int audit_reads_async;
} sv_service;

typedef struct sv_request {
    const char *method;
    const char *target;          /* raw request target, path and query */
    const sgn_kv *headers;
    size_t n_headers;
    const unsigned char *body;
    size_t body_len;
    int body_too_large;          /* more than SV_MAX_BODY arrived (the rest was dropped) */
    const char *source_ip;
    /* NULL: sv_handle returns once the audit line is durable. Otherwise the line is written
     * and sv_handle returns at once with resp->audit_pending set; on_durable(durable_ctx,
     * error) follows from the audit's sync thread, and the response may be sent only then
     * (replaced by sv_respond_audit_failed when error != 0). */
    sv_audit_done_fn on_durable;
    void *durable_ctx;
} sv_request;

/* Answer req into *resp (always filled: never fails). */
void sv_handle(const sv_service *s, const sv_request *req, sv_response *resp);
/* Replace resp by the 500 of an audit line that could not be made durable. */
void sv_respond_audit_failed(sv_response *resp, const char *event_name, int error);

/* ---- server.c ---------------------------------------------------------------------------- */

typedef struct sv_serve_opts {
    sgn_authority *store;        /* opened by the caller: region, account, directory */
    const char *host;            /* numeric address or name; "127.0.0.1" by default */
    unsigned port;               /* 0 = any free port */
    const char *tls_cert;        /* PEM files, both or neither */
    const char *tls_key;
    const char *port_file;       /* write the bound port here, or NULL */
    const char *audit_log;       /* the audit file */
    double quota_rps;            /* 0 = no quota */
    unsigned threads;            /* 0 = the number of online CPUs */
    int audit_reads_async;       /* sv_service.audit_reads_async */
    const char *version;
} sv_serve_opts;

/* Run the service until SIGTERM or SIGINT, then drain: stop accepting, let requests in flight
 * finish (at most 30 s), stop. Startup and shutdown lines go to stderr. SGN_EINVALID for a
 * listen policy violation (plain HTTP on a non-loopback address), SGN_EUNSUPPORTED when TLS is
 * asked for and the linked libmicrohttpd has none. */
int sv_serve(const sv_serve_opts *o, sgn_error *err);

/* The operation table of the real service. */
extern const sv_operation sv_operations[];
extern const size_t sv_n_operations;

#endif
