/* Signed AWS calls with the SDKs' standard retry mode (research/aws-signer-api.md §4.4).
 *
 * Every attempt is signed afresh (a new X-Amz-Date), so a long backoff never sends a stale
 * signature. The whole call, attempts and sleeps, stays inside retry->budget_ms measured on the
 * monotonic clock: each attempt's transfer timeout is cut to what is left, and no sleep or
 * attempt starts that would end past it. */
#include "sgn/aws_http.h"

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "curl_lazy.h"

#include "sgn/buf.h"
#include "sgn/util.h"

#define MAX_BACKOFF_MS 20000L
#define RETRY_COST 5
#define RETRY_TIMEOUT_COST 10
#define QUOTA_MAX 500
#define MAX_HEADERS 32

int sgn_aws_code_retryable(const char *code)
{
    static const char *const codes[] = {
        /* transient */
        "RequestTimeout", "RequestTimeoutException", "PriorRequestNotComplete",
        /* throttling (botocore's list) */
        "Throttling", "ThrottlingException", "ThrottledException", "RequestThrottledException",
        "TooManyRequestsException", "ProvisionedThroughputExceededException",
        "TransactionInProgressException", "RequestLimitExceeded", "BandwidthLimitExceeded",
        "LimitExceededException", "RequestThrottled", "SlowDown", "EC2ThrottledException",
    };

    if (code == NULL || code[0] == '\0')
        return 0;
    for (size_t i = 0; i < sizeof(codes) / sizeof(codes[0]); i++)
        if (strcmp(code, codes[i]) == 0)
            return 1;
    return 0;
}

static void sleep_ms(long ms)
{
    struct timespec ts, rem;

    if (ms <= 0)
        return;
    ts.tv_sec = ms / 1000;
    ts.tv_nsec = (ms % 1000) * 1000000L;
    while (nanosleep(&ts, &rem) != 0 && errno == EINTR)
        ts = rem;
}

/* Uniform in [0, 1) from 53 random bits. */
static int uniform01(double *out, sgn_error *err)
{
    unsigned char b[8];
    uint64_t v = 0;

    int rc;

    if ((rc = sgn_random_bytes(b, sizeof(b), err)) < 0)
        return rc;
    for (size_t i = 0; i < sizeof(b); i++)
        v = (v << 8) | b[i];
    *out = (double)(v >> 11) * (1.0 / 9007199254740992.0);
    return SGN_OK;
}

/* The parts of a call that do not change between attempts. */
typedef struct target {
    char *url;
    char *host;         /* Host header: host[:port], default ports omitted */
    char *path;         /* the endpoint's base path joined with the call's path */
} target;

static void target_free(target *t)
{
    free(t->url);
    free(t->host);
    free(t->path);
}

static int build_target(target *t, const sgn_aws_call *call, sgn_error *err)
{
    CURLU *u = curl_url();
    char *scheme = NULL, *host = NULL, *port = NULL, *base = NULL;
    sgn_buf b = SGN_BUF_INIT;
    const char *path = call->path != NULL ? call->path : "";
    size_t blen;
    int rc;

    memset(t, 0, sizeof(*t));
    if (u == NULL)
        return sgn_error_set(err, SGN_ENOMEM, "out of memory");
    if (call->endpoint == NULL ||
        curl_url_set(u, CURLUPART_URL, call->endpoint, CURLU_NON_SUPPORT_SCHEME) != CURLUE_OK ||
        curl_url_get(u, CURLUPART_SCHEME, &scheme, 0) != CURLUE_OK ||
        curl_url_get(u, CURLUPART_HOST, &host, 0) != CURLUE_OK ||
        curl_url_get(u, CURLUPART_PATH, &base, 0) != CURLUE_OK) {
        rc = sgn_error_set(err, SGN_EINVALID, "invalid endpoint URL \"%s\"",
                           call->endpoint ? call->endpoint : "");
        goto out;
    }
    if (strcasecmp(scheme, "https") != 0 && strcasecmp(scheme, "http") != 0) {
        rc = sgn_error_set(err, SGN_EINVALID, "endpoint URL \"%s\" is not http:// or https://",
                           call->endpoint);
        goto out;
    }
    if (curl_url_get(u, CURLUPART_PORT, &port, CURLU_NO_DEFAULT_PORT) != CURLUE_OK)
        port = NULL;

    /* the Host header, exactly as curl would send it */
    if ((rc = sgn_buf_printf(&b, err, "%s%s%s", host, port ? ":" : "", port ? port : "")) < 0)
        goto out;
    t->host = sgn_buf_detach(&b, NULL);

    /* base path + call path, one '/' between them */
    blen = strlen(base);
    while (blen > 0 && base[blen - 1] == '/')
        blen--;
    if ((rc = sgn_buf_append(&b, base, blen, err)) < 0 ||
        (path[0] != '/' && (rc = sgn_buf_puts(&b, "/", err)) < 0) ||
        (rc = sgn_buf_puts(&b, path, err)) < 0)
        goto out;
    t->path = sgn_buf_detach(&b, NULL);

    if ((rc = sgn_buf_printf(&b, err, "%s://%s%s%s%s", scheme, t->host, t->path,
                             call->query && call->query[0] ? "?" : "",
                             call->query ? call->query : "")) < 0)
        goto out;
    t->url = sgn_buf_detach(&b, NULL);
    rc = SGN_OK;
out:
    if (rc < 0)
        target_free(t);
    sgn_buf_free(&b);
    curl_free(scheme);
    curl_free(host);
    curl_free(port);
    curl_free(base);
    curl_url_cleanup(u);
    return rc;
}

static int add_header(sgn_kv *h, size_t *n, const char *k, const char *v)
{
    if (*n >= MAX_HEADERS)
        return -1;
    h[*n].key = (char *)k;
    h[*n].value = (char *)v;
    (*n)++;
    return 0;
}

/* One attempt: sign, add the informational headers, send. */
static int attempt_once(sgn_http_response *out, const sgn_aws_call *call, const target *t,
                        const sgn_http_opts *http, const char *invocation_id, int attempt,
                        int max_attempts, sgn_error *err)
{
    sgn_kv h[MAX_HEADERS];
    size_t n = 0, n_signed;
    sgn_sigv4_output sig = SGN_SIGV4_OUTPUT_INIT;
    char request_hdr[64];
    sgn_http_request req;
    int has_body = call->body != NULL;
    int rc;

    if (call->n_extra_headers > MAX_HEADERS - 8)
        return sgn_error_set(err, SGN_EINVALID, "too many headers for %s", call->operation);
    add_header(h, &n, "Host", t->host);
    if (has_body && call->content_type != NULL)
        add_header(h, &n, "Content-Type", call->content_type);
    for (size_t i = 0; i < call->n_extra_headers; i++)
        add_header(h, &n, call->extra_headers[i].key, call->extra_headers[i].value);
    n_signed = n;

    if (call->creds != NULL) {
        sgn_sigv4_input in;
        memset(&in, 0, sizeof(in));
        in.method = call->method;
        in.path = t->path;
        in.query = call->query;
        in.headers = h;
        in.n_headers = n_signed;
        in.body = call->body;
        in.body_len = call->body_len;
        in.region = call->region;
        in.service = call->service;
        in.time = (int64_t)time(NULL);
        in.normalize_path = 1;
        if ((rc = sgn_sigv4_sign(&sig, &in, call->creds, err)) < 0)
            goto out;
        add_header(h, &n, "X-Amz-Date", sig.amz_date);
        if (sig.security_token != NULL)
            add_header(h, &n, "X-Amz-Security-Token", sig.security_token);
        add_header(h, &n, "Authorization", sig.authorization);
    }
    if (call->user_agent != NULL && call->user_agent[0] != '\0')
        add_header(h, &n, "User-Agent", call->user_agent);
    add_header(h, &n, "amz-sdk-invocation-id", invocation_id);
    snprintf(request_hdr, sizeof(request_hdr), "attempt=%d; max=%d", attempt, max_attempts);
    add_header(h, &n, "amz-sdk-request", request_hdr);

    memset(&req, 0, sizeof(req));
    req.method = call->method;
    req.url = t->url;
    req.headers = h;
    req.n_headers = n;
    req.body = call->body;
    req.body_len = call->body_len;
    req.body_secret = call->body_secret;
    req.response_secret = call->response_secret;
    rc = sgn_http_send(out, &req, http, err);
out:
    sgn_sigv4_output_free(&sig);
    return rc;
}

/* x-amz-retry-after in milliseconds, or -1. */
static long retry_after_ms(const sgn_http_response *r)
{
    const char *v = sgn_http_header(r, "x-amz-retry-after");
    char *end;
    long ms;

    if (v == NULL || *v < '0' || *v > '9')
        return -1;
    ms = strtol(v, &end, 10);
    if (*end != '\0' || ms < 0)
        return -1;
    return ms > MAX_BACKOFF_MS ? MAX_BACKOFF_MS : ms;
}

static int is_2xx(long status)
{
    return status >= 200 && status < 300;
}

static int status_retryable(long status)
{
    return status == 500 || status == 502 || status == 503 || status == 504;
}

int sgn_aws_send(sgn_http_response *out, const sgn_aws_call *call, const sgn_http_opts *http,
                 sgn_aws_retry *retry, sgn_error *err)
{
    static const sgn_http_response empty = SGN_HTTP_RESPONSE_INIT;
    static const sgn_http_opts no_opts = {0, 0, NULL, NULL, NULL, NULL, NULL};
    sgn_aws_retry defaults = SGN_AWS_RETRY_INIT;
    target t;
    char invocation_id[37];
    sgn_http_response resp = SGN_HTTP_RESPONSE_INIT;
    sgn_error last = SGN_ERROR_INIT;
    const char *op;
    const sgn_aws_log *log;
    int64_t start = sgn_mono_ms();
    int max_attempts, made = 0, taken = 0, rc, last_rc = SGN_OK;
    long budget, total;
    const char *stop = NULL;    /* why no more attempts were made, when not the limit */

    *out = empty;
    if (call == NULL || call->method == NULL)
        return sgn_error_set(err, SGN_EINVALID, "AWS call without an HTTP method");
    op = call->operation != NULL ? call->operation : call->method;
    if (http == NULL)
        http = &no_opts;
    if (retry == NULL)
        retry = &defaults;
    log = http->log;
    max_attempts = retry->max_attempts > 0 ? retry->max_attempts : 3;
    budget = retry->budget_ms > 0 ? retry->budget_ms : 0;
    total = retry->budget_total_ms > budget ? retry->budget_total_ms : budget;
    if ((rc = build_target(&t, call, err)) < 0)
        return rc;
    if ((rc = sgn_random_uuid(invocation_id, err)) < 0)
        goto out;

    for (;;) {
        sgn_http_opts o = *http;
        int timed_out, cost, cut_to_budget = 0;
        long delay, after;
        double u = 0;
        char why[1100];

        if (budget > 0) {
            long remaining = budget - (long)(sgn_mono_ms() - start);
            if (remaining <= 0)
                goto budget_exhausted;
            if (o.timeout_ms <= 0 || o.timeout_ms >= remaining) {
                o.timeout_ms = remaining;
                cut_to_budget = 1;
            }
            if (o.connect_timeout_ms <= 0)
                o.connect_timeout_ms = SGN_HTTP_DEFAULT_CONNECT_TIMEOUT_MS;
            if (o.connect_timeout_ms >= remaining) {
                o.connect_timeout_ms = remaining;
                cut_to_budget = 1;
            }
        }
        sgn_http_response_free(&resp);
        sgn_error_clear(&last);
        made++;
        last_rc = attempt_once(&resp, call, &t, &o, invocation_id, made, max_attempts, &last);
        if (last_rc < 0 && last_rc != SGN_ETIMEOUT && last_rc != SGN_ENETWORK) {
            rc = sgn_error_set(err, last_rc, "%s", last.msg);
            goto out;
        }
        timed_out = last_rc == SGN_ETIMEOUT;
        /* an attempt whose time limit was what was left of the budget, and that used it up: the
         * time really ran out (the only case the message says "budget"). A connect timeout
         * shorter than what was left fires earlier: that is a transient failure like any
         * other, retried below. libcurl fires a limit only once it has fully elapsed, measured
         * from after our start, so "used it up" is exact on the same millisecond clock. */
        if (timed_out && cut_to_budget && (long)(sgn_mono_ms() - start) >= budget)
            goto budget_exhausted;
        if (last_rc < 0 && resp.failure != SGN_HTTP_FAIL_TRANSIENT) {
            stop = sgn_http_failure_not_retried(resp.failure);
            break;
        }
        if (last_rc == SGN_OK) {
            sgn_aws_api_error e;
            if (is_2xx(resp.status)) {
                /* refund: 1 for a first-try success, else what the retries took */
                retry->quota += taken > 0 ? taken : 1;
                if (retry->quota > QUOTA_MAX)
                    retry->quota = QUOTA_MAX;
                break;
            }
            sgn_aws_parse_error(&e, &resp);
            if (!status_retryable(resp.status) && !sgn_aws_code_retryable(e.code))
                break;
            snprintf(why, sizeof(why), "%ld%s%s", resp.status, e.code[0] ? " " : "", e.code);
        } else {
            snprintf(why, sizeof(why), "%s (%s)", timed_out ? "a timeout" : "a transport error",
                     last.msg);
        }

        if (made >= max_attempts)
            break;
        cost = timed_out ? RETRY_TIMEOUT_COST : RETRY_COST;
        if (retry->quota < cost) {
            sgn_aws_logf(log, "not retrying %s after %s: retry quota exhausted", op, why);
            stop = "retry quota exhausted";
            break;
        }
        if ((rc = uniform01(&u, err)) < 0)
            goto out;
        delay = 1000L << (made - 1 < 15 ? made - 1 : 15);
        if (delay > MAX_BACKOFF_MS)
            delay = MAX_BACKOFF_MS;
        delay = (long)(u * (double)delay);
        if (last_rc == SGN_OK && (after = retry_after_ms(&resp)) >= 0)
            delay = after;
        if (budget > 0 && (long)(sgn_mono_ms() - start) + delay >= budget) {
            /* the time has not run out yet, but the next attempt would start after it has:
             * stop now with the last error, which is what happened */
            sgn_aws_logf(log, "not retrying %s after %s: waiting %ld ms would pass the %ld ms "
                         "budget", op, why, delay, total);
            stop = "another would not fit in the time left";
            break;
        }
        retry->quota -= cost;
        taken += cost;
        sgn_aws_logf(log, "retrying %s after %s in %ld ms, attempt %d of %d", op, why, delay,
                     made + 1, max_attempts);
        sleep_ms(delay);
    }

    if (last_rc == SGN_OK) {
        resp.attempts = made;
        *out = resp;
        resp = empty;
        rc = SGN_OK;
    } else {
        rc = sgn_error_set(err, last_rc, "%s (after %d attempt%s%s%s)", last.msg, made,
                           made == 1 ? "" : "s", stop != NULL ? "; " : "",
                           stop != NULL ? stop : "");
    }
    goto out;

budget_exhausted:
    if (made > 0 && last_rc == SGN_OK) {
        /* the last answer was an HTTP response: hand it over, the caller maps the API error */
        resp.attempts = made;
        *out = resp;
        resp = empty;
        rc = SGN_OK;
        goto out;
    }
    rc = sgn_error_set(err, SGN_ETIMEOUT,
                       "did not complete within the %ld ms budget (after %d attempt%s)%s%s",
                       total, made, made == 1 ? "" : "s", last.msg[0] ? ": " : "", last.msg);
out:
    sgn_http_response_free(&resp);
    target_free(&t);
    return rc;
}
