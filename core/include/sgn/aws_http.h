/* HTTP for the AWS client: libcurl as transport, the SDKs' standard retry mode on top, and the
 * parsing of AWS error responses.
 *
 * TLS is always verified (peer and host name); a CA bundle (AWS_CA_BUNDLE / ca_bundle) replaces
 * the system store, which is ca_file + ca_dirs (sgn_tls_ca_find: Go's places, SSL_CERT_FILE,
 * SSL_CERT_DIR), or libcurl's compiled-in default when both are NULL (the static plugin's libcurl
 * has none). Proxies come from the options, never from libcurl's own environment lookup,
 * so the caller decides (sgn_http_proxy_for). Every request and response is logged to the debug
 * sink with secrets redacted: the values of Authorization, X-Amz-Security-Token,
 * X-aws-ec2-metadata-token and any header holding a token are replaced by "<redacted>", and
 * bodies marked secret are logged as "<N bytes, redacted>". */
#ifndef SGN_AWS_HTTP_H
#define SGN_AWS_HTTP_H

#include <stddef.h>
#include "sgn/aws.h"
#include "sgn/aws_sigv4.h"
#include "sgn/backend.h"

typedef struct sgn_http_opts {
    long connect_timeout_ms;        /* 0 = SGN_HTTP_DEFAULT_CONNECT_TIMEOUT_MS */
    long timeout_ms;                /* one attempt, whole transfer; 0 = no per-attempt limit */
    const char *ca_bundle;          /* PEM file replacing the system CA store, or NULL */
    const char *ca_file;            /* without ca_bundle: the system store's bundle file, */
    const char *ca_dirs;            /* and its ':'-separated hashed directories (or NULL) */
    const char *proxy;              /* proxy URL, or NULL / "" for none */
    const sgn_aws_log *log;         /* debug sink, or NULL */
} sgn_http_opts;

#define SGN_HTTP_DEFAULT_CONNECT_TIMEOUT_MS 1000L

typedef struct sgn_http_request {
    const char *method;
    const char *url;                /* absolute http:// or https:// URL, already encoded */
    const sgn_kv *headers;          /* sent as given (libcurl adds none of its own but Host,
                                       Content-Length and Accept-Encoding) */
    size_t n_headers;
    const unsigned char *body;      /* NULL = no body */
    size_t body_len;
    int body_secret;                /* never log the request body (e.g. a web identity token) */
    int response_secret;            /* never log the response body (credentials) */
} sgn_http_request;

typedef struct sgn_http_response {
    long status;
    sgn_kv *headers;                /* names as received; the last block after redirects/100 */
    size_t n_headers;
    unsigned char *body;            /* NUL-terminated past body_len */
    size_t body_len;
    int attempts;                   /* set by sgn_aws_send: how many attempts were made */
} sgn_http_response;

#define SGN_HTTP_RESPONSE_INIT {0, NULL, 0, NULL, 0, 0}

/* One exchange. Any HTTP status is SGN_OK. Transport failures: SGN_ETIMEOUT when the connect or
 * transfer timeout fired ("timed out after N ms connecting to HOST" / "... waiting for HOST"),
 * SGN_ENETWORK otherwise, with libcurl's reason and the host (never the query string). */
int sgn_http_send(sgn_http_response *out, const sgn_http_request *req, const sgn_http_opts *o,
                  sgn_error *err);
/* First header with that name, compared case-insensitively; NULL if absent. */
const char *sgn_http_header(const sgn_http_response *r, const char *name);
void sgn_http_response_free(sgn_http_response *r);

/* The proxy for url from HTTPS_PROXY/https_proxy (https URLs), HTTP_PROXY/http_proxy (http
 * URLs, lowercase first as curl does), ALL_PROXY, and NO_PROXY/no_proxy ("*", host names with
 * domain-suffix matching, IP addresses). *out is NULL when no proxy applies; free() it. */
int sgn_http_proxy_for(char **out, const sgn_aws_env *env, const char *url, sgn_error *err);

/* ---- AWS error responses ---- */

typedef struct sgn_aws_api_error {
    char code[64];                  /* "ValidationException"; "" when none could be found */
    char message[512];              /* "" when the response had none */
    char request_id[64];            /* x-amzn-RequestId / x-amz-request-id / <RequestId> */
} sgn_aws_api_error;

/* Read an error out of a non-2xx response. rest-json (Signer): the code from X-Amzn-ErrorType
 * (text before ':'), else body "code", else "__type" (text after '#'); the message from body
 * "message" or "Message". query/XML (STS): <Error><Code>, <Message>, and <RequestId>. The request
 * id from x-amzn-RequestId or x-amz-request-id first. Never fails: fields it cannot find stay "". */
void sgn_aws_parse_error(sgn_aws_api_error *out, const sgn_http_response *r);

/* The text content of the first element named `name` in an XML document (STS answers), with the
 * five predefined entities and numeric character references decoded. SGN_ENOTFOUND when absent,
 * SGN_EINVALID when malformed. This is not an XML parser: it reads the flat, known shapes of STS
 * and IMDS answers and rejects anything it does not understand (DOCTYPE, CDATA in the value). */
int sgn_xml_text(char **out, const char *doc, size_t len, const char *name, sgn_error *err);

/* ---- signed calls with retries ---- */

/* The standard retry mode. One per client (process): the token bucket lives here. */
typedef struct sgn_aws_retry {
    int max_attempts;               /* AWS_MAX_ATTEMPTS / max_attempts; default 3 */
    long budget_ms;                 /* all attempts and backoff of one call; 0 = unlimited */
    int quota;                      /* retry token bucket, starts at 500 */
} sgn_aws_retry;

#define SGN_AWS_RETRY_INIT {3, 0, 500}

typedef struct sgn_aws_call {
    const char *operation;          /* "SignPayload": for logs and messages */
    const char *method;
    const char *endpoint;           /* scheme://host[:port][/base-path], as configured */
    const char *path;               /* encoded path appended to the endpoint's path */
    const char *query;              /* encoded query without '?', or NULL */
    const char *content_type;       /* sent (and signed) with a body; NULL when none */
    const unsigned char *body;
    size_t body_len;
    const sgn_kv *extra_headers;    /* e.g. Accept; signed */
    size_t n_extra_headers;
    const char *region;             /* signing region */
    const char *service;            /* signing name: "signer", "sts" */
    const sgn_aws_creds *creds;     /* NULL: send unsigned (AssumeRoleWithWebIdentity) */
    const char *user_agent;         /* full User-Agent value, not signed */
    int body_secret;
    int response_secret;
} sgn_aws_call;

/* Send the call with the standard retry mode: each attempt is signed afresh (new X-Amz-Date)
 * and carries amz-sdk-invocation-id (one UUID per call) and amz-sdk-request: attempt=N; max=M.
 * Retried: transport errors and timeouts, 500/502/503/504, and the throttling and transient
 * error codes of research/aws-signer-api.md §4.4 (whatever the status); nothing else. Before
 * retry n (1-based) it sleeps rand[0,1) * min(2^(n-1) s, 20 s), honouring x-amz-retry-after
 * (milliseconds) when present, but never past the budget; a retry costs 5 tokens (10 after a
 * timeout) from retry->quota. Returns SGN_OK with the last response, whatever its status (the
 * caller maps API errors), and out->attempts set; or the last transport error, its message
 * ending with " (after N attempts)" when more than one was made, or saying the time budget of
 * N ms ran out. */
int sgn_aws_send(sgn_http_response *out, const sgn_aws_call *call, const sgn_http_opts *http,
                 sgn_aws_retry *retry, sgn_error *err);

/* 1 if an error code is retryable as throttling or transient in the standard mode. */
int sgn_aws_code_retryable(const char *code);

#endif
