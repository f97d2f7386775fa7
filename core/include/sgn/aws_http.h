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

/* What kind of transport failure an exchange ended in, for the retry decision. The classes are
 * aws-sdk-go-v2's RetryableConnectionError (aws/retry/retryable_error.go) mapped onto libcurl's
 * codes: connection refused, reset or closed, TLS handshake interrupted and timeouts are
 * transient; a host name that does not resolve is not (Go: a DNS "not found" is never retried;
 * libcurl cannot tell NXDOMAIN from a temporary resolver failure, and the system resolver has
 * already retried its servers); a certificate that fails verification is not (our choice: Go
 * retries it with every other send error, but no retry can change the certificate, it only
 * spends the time budget). */
typedef enum sgn_http_failure {
    SGN_HTTP_FAIL_NONE = 0,
    SGN_HTTP_FAIL_TRANSIENT,        /* refused, reset, closed, timed out: retried */
    SGN_HTTP_FAIL_RESOLVE,          /* the host (or proxy) name does not resolve */
    SGN_HTTP_FAIL_TLS,              /* TLS verification failed (certificate, host name, CA file) */
    SGN_HTTP_FAIL_OTHER             /* anything else (a response too large, ...) */
} sgn_http_failure;

/* Why a transport failure of this kind (sgn_http_failure) is not retried, as a message fragment
 * ("a host name that does not resolve is not retried"); NULL for SGN_HTTP_FAIL_NONE and
 * SGN_HTTP_FAIL_TRANSIENT, which are. A static string. */
const char *sgn_http_failure_not_retried(int failure);

typedef struct sgn_http_response {
    long status;
    sgn_kv *headers;                /* names as received; the last block after redirects/100 */
    size_t n_headers;
    unsigned char *body;            /* NUL-terminated past body_len */
    size_t body_len;
    int attempts;                   /* set by sgn_aws_send: how many attempts were made */
    int failure;                    /* sgn_http_failure of a transport failure, else 0 */
} sgn_http_response;

#define SGN_HTTP_RESPONSE_INIT {0, NULL, 0, NULL, 0, 0, 0}

/* One exchange. Any HTTP status is SGN_OK. Transport failures: SGN_ETIMEOUT when the connect or
 * transfer timeout fired ("timed out after N ms connecting to HOST" / "... waiting for HOST"),
 * SGN_ENETWORK otherwise: "could not resolve host NAME" (or "proxy host"), else "HTTP request to
 * ORIGIN failed: " and libcurl's reason (never the query string); out->failure then says which
 * kind of failure it was (sgn_http_failure), everything else in out is empty. */
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

/* Read an error out of a non-2xx response. rest-json (Signer): the code from X-Amzn-ErrorType,
 * else body "code", else body "__type", each cut to the name ("ns#Name:http://..." -> "Name",
 * smithy's sanitisation); the message from body "message" or "Message", else the
 * x-amzn-ErrorMessage (or x-amzn-error-message) header, as aws-sdk-go's restjson and
 * smithy-kotlin's RestJsonErrorDeserializer read it. query/XML (STS): <Code>, <Message> and
 * <RequestId>, read only when the root element is <ErrorResponse> or <Error> (an HTML page from a
 * proxy gives nothing). The request id from x-amzn-RequestId or x-amz-request-id first. A
 * message that goes on with "The Canonical String for this request should have been ..." or
 * "The String-to-Sign should have been ..." (a signature mismatch: it quotes the signed headers,
 * the session token among them) is cut before that text. Never fails: fields it cannot find
 * stay "". */
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
    long budget_total_ms;           /* for messages only: the whole budget that budget_ms is
                                       what is left of (e.g. aws-timeout-ms, when credentials
                                       took some of it); 0 = budget_ms */
} sgn_aws_retry;

#define SGN_AWS_RETRY_INIT {3, 0, 500, 0}

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
 * Retried: transient transport failures (SGN_HTTP_FAIL_TRANSIENT: refused, reset, closed,
 * timed out), 500/502/503/504, and the throttling and transient error codes of
 * research/aws-signer-api.md §4.4 (whatever the status); nothing else: not a host name that does
 * not resolve, not a TLS verification failure. Before retry n (1-based) it sleeps
 * rand[0,1) * min(2^(n-1) s, 20 s), honouring x-amz-retry-after (milliseconds) when present,
 * but never past the budget; a retry costs 5 tokens (10 after a timeout) from retry->quota.
 * Returns SGN_OK with the last response, whatever its status (the caller maps API errors), and
 * out->attempts set; or the last transport error, its message followed by the attempt count and
 * why no more were made: "(after N attempts)", "(after 1 attempt; a host name that does not
 * resolve is not retried)", "(after 1 attempt; another would not fit in the time left)", ... .
 * Only when the time really ran out (an attempt cut to the time left timed out, or none was
 * left) is it SGN_ETIMEOUT "did not complete within the N ms budget (after N attempts): <last
 * error>". The messages do not name the operation: callers prefix it. */
int sgn_aws_send(sgn_http_response *out, const sgn_aws_call *call, const sgn_http_opts *http,
                 sgn_aws_retry *retry, sgn_error *err);

/* 1 if an error code is retryable as throttling or transient in the standard mode. */
int sgn_aws_code_retryable(const char *code);

#endif
