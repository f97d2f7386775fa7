/* One HTTP exchange over libcurl, the proxy choice, and the redacted debug log of both.
 *
 * libcurl is only the transport: the caller gives every header (the SigV4 signature covers
 * them), so curl's own defaults (Accept, Expect, the form Content-Type) are switched off, no
 * redirect is followed, and libcurl never reads the environment (the proxy is always set,
 * possibly to "", and NO_PROXY is decided by sgn_http_proxy_for). */
#include "sgn/aws_http.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "curl_lazy.h"
#include <openssl/crypto.h>

#include "sgn/buf.h"
#include "sgn/util.h"

/* Far above any AWS answer this client reads (a Signer envelope is a few KiB). */
#define MAX_RESPONSE_BODY ((size_t)16 * 1024 * 1024)
/* How much of a body the debug log shows. */
#define LOG_BODY_MAX 4096

typedef struct xfer {
    sgn_buf body;
    sgn_kv *headers;
    size_t n_headers;
    size_t cap_headers;
    int too_large;
    int nomem;
} xfer;

static void free_headers(sgn_kv *h, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        free(h[i].key);
        free(h[i].value);
    }
    free(h);
}

static size_t on_body(char *p, size_t size, size_t n, void *ud)
{
    xfer *x = ud;
    size_t len = size * n;

    if (len > MAX_RESPONSE_BODY - x->body.len) {
        x->too_large = 1;
        return 0;
    }
    if (sgn_buf_append(&x->body, p, len, NULL) < 0) {
        x->nomem = 1;
        return 0;
    }
    return len;
}

/* Called once per header line, status lines included; a new status line starts a new block (a
 * 100 Continue or a proxy's CONNECT answer came first), so only the last block is kept. */
static size_t on_header(char *p, size_t size, size_t n, void *ud)
{
    xfer *x = ud;
    size_t len = size * n, klen, vstart, vend;
    const char *colon;
    sgn_kv kv = {NULL, NULL};

    if (len >= 5 && memcmp(p, "HTTP/", 5) == 0) {
        free_headers(x->headers, x->n_headers);
        x->headers = NULL;
        x->n_headers = x->cap_headers = 0;
        return len;
    }
    colon = memchr(p, ':', len);
    if (colon == NULL || colon == p || p[0] == ' ' || p[0] == '\t')
        return len; /* blank line ending the block, or obsolete line folding: ignored */
    klen = (size_t)(colon - p);
    vstart = klen + 1;
    vend = len;
    while (vstart < vend && (p[vstart] == ' ' || p[vstart] == '\t'))
        vstart++;
    while (vend > vstart && (p[vend - 1] == '\r' || p[vend - 1] == '\n' || p[vend - 1] == ' ' ||
                             p[vend - 1] == '\t'))
        vend--;
    if (x->n_headers == x->cap_headers) {
        size_t cap = x->cap_headers ? x->cap_headers * 2 : 16;
        sgn_kv *h = realloc(x->headers, cap * sizeof(*h));
        if (h == NULL) {
            x->nomem = 1;
            return 0;
        }
        x->headers = h;
        x->cap_headers = cap;
    }
    kv.key = strndup(p, klen);
    kv.value = strndup(p + vstart, vend - vstart);
    if (kv.key == NULL || kv.value == NULL) {
        free(kv.key);
        free(kv.value);
        x->nomem = 1;
        return 0;
    }
    x->headers[x->n_headers++] = kv;
    return len;
}

/* "scheme://host:port" of url for messages: never the path or the query (they may identify
 * resources or carry parameters), never user info. */
static void url_origin(char *out, size_t n, const char *url)
{
    CURLU *u = curl_url();
    char *scheme = NULL, *host = NULL, *port = NULL;

    snprintf(out, n, "<invalid URL>");
    if (u == NULL)
        return;
    if (curl_url_set(u, CURLUPART_URL, url, 0) == CURLUE_OK &&
        curl_url_get(u, CURLUPART_SCHEME, &scheme, 0) == CURLUE_OK &&
        curl_url_get(u, CURLUPART_HOST, &host, 0) == CURLUE_OK &&
        curl_url_get(u, CURLUPART_PORT, &port, CURLU_DEFAULT_PORT) == CURLUE_OK)
        snprintf(out, n, "%s://%s:%s", scheme, host, port);
    curl_free(scheme);
    curl_free(host);
    curl_free(port);
    curl_url_cleanup(u);
}

/* The URL without user info or fragment, for the request line of the debug log. */
static void url_for_log(char *out, size_t n, const char *url)
{
    CURLU *u = curl_url();
    char *s = NULL;

    snprintf(out, n, "<invalid URL>");
    if (u == NULL)
        return;
    if (curl_url_set(u, CURLUPART_URL, url, 0) == CURLUE_OK &&
        curl_url_set(u, CURLUPART_USER, NULL, 0) == CURLUE_OK &&
        curl_url_set(u, CURLUPART_PASSWORD, NULL, 0) == CURLUE_OK &&
        curl_url_set(u, CURLUPART_FRAGMENT, NULL, 0) == CURLUE_OK &&
        curl_url_get(u, CURLUPART_URL, &s, 0) == CURLUE_OK)
        snprintf(out, n, "%s", s);
    curl_free(s);
    curl_url_cleanup(u);
}

static int contains_ci(const char *hay, size_t len, const char *needle)
{
    size_t nl = strlen(needle);

    for (size_t i = 0; i + nl <= len; i++)
        if (strncasecmp(hay + i, needle, nl) == 0)
            return 1;
    return 0;
}

/* Header values that are credentials: Authorization, X-Amz-Security-Token, the IMDS token, the
 * container credentials' authorization token, cookies; the IMDS token's TTL is harmless. */
static int header_is_secret(const char *name)
{
    size_t len = strlen(name);
    static const char ttl[] = "-ttl-seconds";

    if (len >= sizeof(ttl) - 1 && strcasecmp(name + len - (sizeof(ttl) - 1), ttl) == 0)
        return 0;
    return contains_ci(name, len, "token") || contains_ci(name, len, "authorization") ||
           contains_ci(name, len, "cookie") || contains_ci(name, len, "secret");
}

/* Bodies naming a credential member (JSON "Token"/"SecretAccessKey", SSO's "sessionToken", STS
 * <SessionToken>, a form's WebIdentityToken=) are never logged, even when the caller forgot to
 * mark them secret. The names are matched as whole words, case-sensitively, so an error message
 * about "the security token" stays readable; a false positive costs only a log line. */
static int body_looks_secret(const unsigned char *b, size_t len)
{
    static const char *const names[] = {
        "SecretAccessKey", "secretAccessKey", "SessionToken", "sessionToken", "Token",
        "WebIdentityToken", "AccessToken", "accessToken", "refreshToken", "clientSecret",
        "Password", "password",
    };
    const char *p = (const char *)b;

    for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
        size_t nl = strlen(names[i]);
        for (size_t j = 0; j + nl <= len; j++) {
            if (memcmp(p + j, names[i], nl) != 0)
                continue;
            if ((j == 0 || !isalnum((unsigned char)p[j - 1])) &&
                (j + nl == len || !isalnum((unsigned char)p[j + nl])))
                return 1;
        }
    }
    return 0;
}

static void log_line(const sgn_aws_log *log, sgn_buf *line)
{
    if (line->data != NULL)
        log->fn(log->ud, (const char *)line->data);
    line->len = 0;
    if (line->data != NULL)
        line->data[0] = '\0';
}

static void log_body(const sgn_aws_log *log, const char *dir, const unsigned char *b, size_t len,
                     int secret)
{
    sgn_buf line = SGN_BUF_INIT;
    size_t shown = len < LOG_BODY_MAX ? len : LOG_BODY_MAX;

    if (len == 0)
        return;
    if (secret || body_looks_secret(b, len)) {
        sgn_buf_printf(&line, NULL, "http: %s body <%zu bytes, redacted>", dir, len);
        log_line(log, &line);
        sgn_buf_free(&line);
        return;
    }
    sgn_buf_printf(&line, NULL, "http: %s body (%zu bytes): ", dir, len);
    for (size_t i = 0; i < shown; i++) {
        unsigned char c = b[i];
        if (c == '\\')
            sgn_buf_puts(&line, "\\\\", NULL);
        else if (c == '\n')
            sgn_buf_puts(&line, "\\n", NULL);
        else if (c == '\r')
            sgn_buf_puts(&line, "\\r", NULL);
        else if (c < 0x20 || c == 0x7f)
            sgn_buf_printf(&line, NULL, "\\x%02x", c);
        else
            sgn_buf_append(&line, &c, 1, NULL);
    }
    if (shown < len)
        sgn_buf_printf(&line, NULL, " ... (%zu more bytes not shown)", len - shown);
    log_line(log, &line);
    sgn_buf_free(&line);
}

static void log_headers(const sgn_aws_log *log, const char *dir, const sgn_kv *h, size_t n)
{
    for (size_t i = 0; i < n; i++)
        sgn_aws_logf(log, "http: %s %s: %s", dir, h[i].key,
                     header_is_secret(h[i].key) ? "<redacted>" : h[i].value);
}

static void log_request(const sgn_aws_log *log, const sgn_http_request *req, const char *proxy)
{
    char url[2048];

    url_for_log(url, sizeof(url), req->url);
    sgn_aws_logf(log, "http: > %s %s", req->method, url);
    if (proxy != NULL && proxy[0] != '\0') {
        char origin[512];
        url_origin(origin, sizeof(origin), proxy);
        sgn_aws_logf(log, "http: via proxy %s", origin);
    }
    log_headers(log, ">", req->headers, req->n_headers);
    if (req->body != NULL)
        log_body(log, ">", req->body, req->body_len, req->body_secret);
}

static int has_header(const sgn_http_request *req, const char *name)
{
    for (size_t i = 0; i < req->n_headers; i++)
        if (strcasecmp(req->headers[i].key, name) == 0)
            return 1;
    return 0;
}

static int slist_add(struct curl_slist **l, const char *line, sgn_error *err)
{
    struct curl_slist *n = curl_slist_append(*l, line);

    if (n == NULL)
        return sgn_error_set(err, SGN_ENOMEM, "out of memory");
    *l = n;
    return SGN_OK;
}

/* The header list for curl: the caller's headers exactly, and curl's defaults disabled. */
static int build_headers(struct curl_slist **out, const sgn_http_request *req, sgn_error *err)
{
    struct curl_slist *l = NULL;
    sgn_buf line = SGN_BUF_INIT;
    int rc = SGN_OK;

    *out = NULL;
    for (size_t i = 0; i < req->n_headers && rc == SGN_OK; i++) {
        const char *k = req->headers[i].key, *v = req->headers[i].value;
        if (k == NULL || k[0] == '\0' || strpbrk(k, ":\r\n ") != NULL ||
            (v != NULL && strpbrk(v, "\r\n") != NULL)) {
            rc = sgn_error_set(err, SGN_EINVALID, "invalid HTTP header %s", k ? k : "(null)");
            break;
        }
        line.len = 0;
        /* "Name;" is curl's syntax for a header with an empty value ("Name:" removes it) */
        if (v == NULL || v[0] == '\0')
            rc = sgn_buf_printf(&line, err, "%s;", k);
        else
            rc = sgn_buf_printf(&line, err, "%s: %s", k, v);
        if (rc == SGN_OK)
            rc = slist_add(&l, (const char *)line.data, err);
    }
    if (rc == SGN_OK && !has_header(req, "Accept"))
        rc = slist_add(&l, "Accept:", err);
    if (rc == SGN_OK && !has_header(req, "Expect"))
        rc = slist_add(&l, "Expect:", err);
    if (rc == SGN_OK && !has_header(req, "Content-Type"))
        rc = slist_add(&l, "Content-Type:", err);
    /* the header list may hold Authorization and tokens */
    sgn_buf_clear_free(&line);
    if (rc < 0) {
        curl_slist_free_all(l);
        return rc;
    }
    *out = l;
    return SGN_OK;
}

static void slist_clear_free(struct curl_slist *l)
{
    for (struct curl_slist *p = l; p != NULL; p = p->next)
        OPENSSL_cleanse(p->data, strlen(p->data));
    curl_slist_free_all(l);
}

/* The retry class of a libcurl failure (see sgn_http_failure). */
static int failure_kind(CURLcode cc)
{
    switch (cc) {
    case CURLE_COULDNT_CONNECT:        /* refused, unreachable: Go's "dial" errors */
    case CURLE_OPERATION_TIMEDOUT:
    case CURLE_SEND_ERROR:             /* connection reset */
    case CURLE_RECV_ERROR:
    case CURLE_GOT_NOTHING:            /* closed before an answer */
    case CURLE_PARTIAL_FILE:           /* closed in the middle of one */
    case CURLE_SSL_CONNECT_ERROR:      /* handshake cut off (not a verification failure) */
    case CURLE_HTTP2:
    case CURLE_HTTP2_STREAM:
        return SGN_HTTP_FAIL_TRANSIENT;
    case CURLE_COULDNT_RESOLVE_HOST:
    case CURLE_COULDNT_RESOLVE_PROXY:
        return SGN_HTTP_FAIL_RESOLVE;
    case CURLE_PEER_FAILED_VERIFICATION:
    case CURLE_SSL_CACERT_BADFILE:
    case CURLE_SSL_CERTPROBLEM:
    case CURLE_SSL_ISSUER_ERROR:
    case CURLE_SSL_CRL_BADFILE:
    case CURLE_SSL_PINNEDPUBKEYNOTMATCH:
        return SGN_HTTP_FAIL_TLS;
    default:
        return SGN_HTTP_FAIL_OTHER;
    }
}

/* The host name of a URL, or "" */
static void url_host(char *out, size_t n, const char *url)
{
    CURLU *u = curl_url();
    char *host = NULL;

    out[0] = '\0';
    if (u == NULL)
        return;
    if (url != NULL && curl_url_set(u, CURLUPART_URL, url, CURLU_GUESS_SCHEME) == CURLUE_OK &&
        curl_url_get(u, CURLUPART_HOST, &host, 0) == CURLUE_OK)
        snprintf(out, n, "%s", host);
    curl_free(host);
    curl_url_cleanup(u);
}

static int transport_error(CURL *h, CURLcode cc, const char *errbuf, const xfer *x,
                           const char *url, const sgn_http_opts *o, sgn_error *err)
{
    char origin[512];
    curl_off_t connect_us = 0, total_us = 0;
    const char *why = errbuf[0] != '\0' ? errbuf : curl_easy_strerror(cc);

    url_origin(origin, sizeof(origin), url);
    if (x->nomem)
        return sgn_error_set(err, SGN_ENOMEM, "out of memory reading the response from %s",
                             origin);
    if (x->too_large)
        return sgn_error_set(err, SGN_ENETWORK,
                             "response from %s too large (more than %zu bytes)", origin,
                             MAX_RESPONSE_BODY);
    if (cc == CURLE_OPERATION_TIMEDOUT) {
        curl_easy_getinfo(h, CURLINFO_CONNECT_TIME_T, &connect_us);
        curl_easy_getinfo(h, CURLINFO_TOTAL_TIME_T, &total_us);
        if (connect_us == 0) {
            long limit = o->connect_timeout_ms > 0 ? o->connect_timeout_ms
                                                   : SGN_HTTP_DEFAULT_CONNECT_TIMEOUT_MS;
            if (o->timeout_ms > 0 && o->timeout_ms < limit)
                limit = o->timeout_ms;
            return sgn_error_set(err, SGN_ETIMEOUT, "timed out after %ld ms connecting to %s",
                                 limit, origin);
        }
        if (o->timeout_ms > 0)
            return sgn_error_set(err, SGN_ETIMEOUT, "timed out after %ld ms waiting for %s",
                                 o->timeout_ms, origin);
        return sgn_error_set(err, SGN_ETIMEOUT, "timed out after %ld ms waiting for %s",
                             (long)(total_us / 1000), origin);
    }
    if (cc == CURLE_COULDNT_RESOLVE_HOST || cc == CURLE_COULDNT_RESOLVE_PROXY) {
        char host[256];
        url_host(host, sizeof(host), cc == CURLE_COULDNT_RESOLVE_PROXY ? o->proxy : url);
        return sgn_error_set(err, SGN_ENETWORK, "could not resolve %shost %s",
                             cc == CURLE_COULDNT_RESOLVE_PROXY ? "proxy " : "",
                             host[0] ? host : origin);
    }
    return sgn_error_set(err, SGN_ENETWORK, "HTTP request to %s failed: %s", origin, why);
}

const char *sgn_http_failure_not_retried(int failure)
{
    switch (failure) {
    case SGN_HTTP_FAIL_NONE:
    case SGN_HTTP_FAIL_TRANSIENT:
        return NULL;
    case SGN_HTTP_FAIL_RESOLVE:
        return "a host name that does not resolve is not retried";
    case SGN_HTTP_FAIL_TLS:
        return "a TLS verification failure is not retried";
    default:
        return "this failure is not retried";
    }
}

int sgn_http_send(sgn_http_response *out, const sgn_http_request *req, const sgn_http_opts *o,
                  sgn_error *err)
{
    static const sgn_http_opts no_opts = {0, 0, NULL, NULL, NULL, NULL, NULL};
    static const sgn_http_response empty = SGN_HTTP_RESPONSE_INIT;
    CURL *h = NULL;
    struct curl_slist *hdrs = NULL;
    char errbuf[CURL_ERROR_SIZE];
    xfer x = {SGN_BUF_INIT, NULL, 0, 0, 0, 0};
    CURLcode cc = CURLE_OK;
    long status = 0;
    int rc;

    *out = empty;
    if (o == NULL)
        o = &no_opts;
    if (req == NULL || req->method == NULL || req->url == NULL)
        return sgn_error_set(err, SGN_EINVALID, "HTTP request without method or URL");
    if (strncasecmp(req->url, "http://", 7) != 0 && strncasecmp(req->url, "https://", 8) != 0)
        return sgn_error_set(err, SGN_EINVALID, "not an http:// or https:// URL");
    errbuf[0] = '\0';
    if (o->log != NULL && o->log->fn != NULL)
        log_request(o->log, req, o->proxy);
    if ((rc = build_headers(&hdrs, req, err)) < 0)
        goto out;
    /* credentials answers are small: one allocation keeps them from being copied around by
     * realloc, so the wipe in sgn_http_response_free reaches the only copy */
    if (req->response_secret && (rc = sgn_buf_reserve(&x.body, 64 * 1024, err)) < 0)
        goto out;
    if ((rc = sgn_curl_load(err)) < 0)
        goto out;
    if ((h = curl_easy_init()) == NULL) {
        rc = sgn_error_set(err, SGN_ENOMEM, "cannot create a libcurl handle");
        goto out;
    }

#define SETOPT(opt, val)                                                                       \
    do {                                                                                       \
        if ((cc = curl_easy_setopt(h, opt, val)) != CURLE_OK)                                  \
            goto setopt_failed;                                                                \
    } while (0)

    SETOPT(CURLOPT_URL, req->url);
    SETOPT(CURLOPT_PROTOCOLS_STR, "http,https");
    SETOPT(CURLOPT_FOLLOWLOCATION, 0L);
    SETOPT(CURLOPT_NOSIGNAL, 1L);
    SETOPT(CURLOPT_ERRORBUFFER, errbuf);
    SETOPT(CURLOPT_SSL_VERIFYPEER, 1L);
    SETOPT(CURLOPT_SSL_VERIFYHOST, 2L);
    SETOPT(CURLOPT_SSLVERSION, (long)CURL_SSLVERSION_TLSv1_2);
    if (o->ca_bundle != NULL && o->ca_bundle[0] != '\0') {
        /* replace the system store: the bundle file and no CA directory beside it */
        SETOPT(CURLOPT_CAINFO, o->ca_bundle);
        SETOPT(CURLOPT_CAPATH, (const char *)NULL);
        /* an https:// proxy is verified against the same store, as Go's transport does */
        SETOPT(CURLOPT_PROXY_CAINFO, o->ca_bundle);
        SETOPT(CURLOPT_PROXY_CAPATH, (const char *)NULL);
    } else if (o->ca_file != NULL || o->ca_dirs != NULL) {
        /* the system store as Go finds it (sgn_tls_ca_find), not libcurl's compiled-in one */
        SETOPT(CURLOPT_CAINFO, o->ca_file);
        SETOPT(CURLOPT_CAPATH, o->ca_dirs);
        SETOPT(CURLOPT_PROXY_CAINFO, o->ca_file);
        SETOPT(CURLOPT_PROXY_CAPATH, o->ca_dirs);
    }
    /* always set: an unset CURLOPT_PROXY makes libcurl read http_proxy etc. itself */
    SETOPT(CURLOPT_PROXY, o->proxy != NULL ? o->proxy : "");
    SETOPT(CURLOPT_NOPROXY, "");
    SETOPT(CURLOPT_CONNECTTIMEOUT_MS,
           o->connect_timeout_ms > 0 ? o->connect_timeout_ms : SGN_HTTP_DEFAULT_CONNECT_TIMEOUT_MS);
    SETOPT(CURLOPT_TIMEOUT_MS, o->timeout_ms > 0 ? o->timeout_ms : 0L);
    SETOPT(CURLOPT_HTTPHEADER, hdrs);
    /* the signed headers go to the server only, never to a proxy's CONNECT */
    SETOPT(CURLOPT_HEADEROPT, (long)CURLHEADER_SEPARATE);
    SETOPT(CURLOPT_WRITEFUNCTION, on_body);
    SETOPT(CURLOPT_WRITEDATA, &x);
    SETOPT(CURLOPT_HEADERFUNCTION, on_header);
    SETOPT(CURLOPT_HEADERDATA, &x);
    if (strcmp(req->method, "HEAD") == 0) {
        SETOPT(CURLOPT_NOBODY, 1L);
    } else if (req->body != NULL || strcmp(req->method, "POST") == 0 ||
               strcmp(req->method, "PUT") == 0 || strcmp(req->method, "PATCH") == 0) {
        /* POSTFIELDS for every method with a body (PUT too), so Content-Length is exact */
        SETOPT(CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)(req->body != NULL ? req->body_len : 0));
        SETOPT(CURLOPT_POSTFIELDS, req->body != NULL ? (const char *)req->body : "");
        SETOPT(CURLOPT_CUSTOMREQUEST, req->method);
    } else {
        SETOPT(CURLOPT_HTTPGET, 1L);
        if (strcmp(req->method, "GET") != 0)
            SETOPT(CURLOPT_CUSTOMREQUEST, req->method);
    }
#undef SETOPT

    cc = curl_easy_perform(h);
    if (cc != CURLE_OK) {
        sgn_error e = SGN_ERROR_INIT;
        rc = transport_error(h, cc, errbuf, &x, req->url, o, &e);
        sgn_aws_logf(o->log, "http: < failed: %s (curl error %d)", e.msg, (int)cc);
        sgn_error_set(err, rc, "%s", e.msg);
        if (rc == SGN_ENETWORK || rc == SGN_ETIMEOUT)
            out->failure = x.too_large ? SGN_HTTP_FAIL_OTHER : failure_kind(cc);
        goto out;
    }
    curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &status);
    if (x.body.data == NULL && (rc = sgn_buf_reserve(&x.body, 0, err)) < 0)
        goto out;
    x.body.data[x.body.len] = '\0';

    if (o->log != NULL && o->log->fn != NULL) {
        sgn_aws_logf(o->log, "http: < %ld", status);
        log_headers(o->log, "<", x.headers, x.n_headers);
        log_body(o->log, "<", x.body.data, x.body.len, req->response_secret);
    }
    out->status = status;
    out->headers = x.headers;
    out->n_headers = x.n_headers;
    x.headers = NULL;
    x.n_headers = 0;
    out->body_len = x.body.len;
    out->body = x.body.data;
    x.body = (sgn_buf)SGN_BUF_INIT;
    rc = SGN_OK;
    goto out;

setopt_failed:
    rc = sgn_error_set(err, SGN_EINTERNAL, "libcurl option failed: %s", curl_easy_strerror(cc));
out:
    if (h != NULL)
        curl_easy_cleanup(h);
    slist_clear_free(hdrs);
    free_headers(x.headers, x.n_headers);
    sgn_buf_clear_free(&x.body);
    return rc;
}

const char *sgn_http_header(const sgn_http_response *r, const char *name)
{
    if (r == NULL || name == NULL)
        return NULL;
    for (size_t i = 0; i < r->n_headers; i++)
        if (strcasecmp(r->headers[i].key, name) == 0)
            return r->headers[i].value;
    return NULL;
}

void sgn_http_response_free(sgn_http_response *r)
{
    static const sgn_http_response empty = SGN_HTTP_RESPONSE_INIT;

    if (r == NULL)
        return;
    free_headers(r->headers, r->n_headers);
    if (r->body != NULL) {
        /* may have held credentials; wiping is cheap next to the transfer */
        OPENSSL_cleanse(r->body, r->body_len);
        free(r->body);
    }
    *r = empty;
}

/* ---- proxy selection ---- */

/* Parse an IP address literal (IPv6 without brackets). Returns the family or 0. */
static int parse_ip(unsigned char out[16], const char *s)
{
    if (inet_pton(AF_INET, s, out) == 1)
        return AF_INET;
    if (inet_pton(AF_INET6, s, out) == 1)
        return AF_INET6;
    return 0;
}

/* An IP host against one NO_PROXY entry: an address or a CIDR block, as curl matches them. */
static int ip_matches(const unsigned char *ip, int fam, const char *entry)
{
    char addr[64];
    const char *slash = strchr(entry, '/');
    size_t alen = slash ? (size_t)(slash - entry) : strlen(entry);
    unsigned char net[16];
    int nfam, bits, maxbits;
    char *end;

    if (alen == 0 || alen >= sizeof(addr))
        return 0;
    memcpy(addr, entry, alen);
    addr[alen] = '\0';
    if (alen > 2 && addr[0] == '[' && addr[alen - 1] == ']') {
        memmove(addr, addr + 1, alen - 2);
        addr[alen - 2] = '\0';
    }
    if ((nfam = parse_ip(net, addr)) != fam)
        return 0;
    maxbits = fam == AF_INET ? 32 : 128;
    bits = maxbits;
    if (slash != NULL) {
        long b = strtol(slash + 1, &end, 10);
        if (end == slash + 1 || *end != '\0' || b < 0 || b > maxbits)
            return 0;
        bits = (int)b;
    }
    for (int i = 0; i < bits / 8; i++)
        if (ip[i] != net[i])
            return 0;
    if (bits % 8 != 0) {
        unsigned char mask = (unsigned char)(0xff << (8 - bits % 8));
        if ((ip[bits / 8] & mask) != (net[bits / 8] & mask))
            return 0;
    }
    return 1;
}

/* A host name against one NO_PROXY entry: equal, or a sub-domain of it; a leading '.' on the
 * entry and a trailing '.' on either are ignored. */
static int name_matches(const char *host, size_t hlen, const char *entry, size_t elen)
{
    if (elen > 0 && entry[0] == '.') {
        entry++;
        elen--;
    }
    if (elen > 0 && entry[elen - 1] == '.')
        elen--;
    if (elen == 0 || elen > hlen)
        return 0;
    if (strncasecmp(host + hlen - elen, entry, elen) != 0)
        return 0;
    return elen == hlen || host[hlen - elen - 1] == '.';
}

static int no_proxy_matches(const char *no_proxy, const char *host_in)
{
    char host[256];
    unsigned char ip[16];
    size_t hlen = strlen(host_in);
    int fam;
    const char *p = no_proxy;

    if (hlen >= sizeof(host))
        return 0;
    memcpy(host, host_in, hlen + 1);
    if (hlen > 2 && host[0] == '[' && host[hlen - 1] == ']') {
        memmove(host, host + 1, hlen - 2);
        hlen -= 2;
        host[hlen] = '\0';
    }
    if (hlen > 0 && host[hlen - 1] == '.')
        host[--hlen] = '\0';
    fam = parse_ip(ip, host);

    while (*p != '\0') {
        char entry[256];
        size_t elen;
        while (*p == ',' || *p == ' ' || *p == '\t')
            p++;
        elen = strcspn(p, ", \t");
        if (elen == 0)
            break;
        if (elen < sizeof(entry)) {
            memcpy(entry, p, elen);
            entry[elen] = '\0';
            if (strcmp(entry, "*") == 0)
                return 1;
            if (fam != 0 ? ip_matches(ip, fam, entry) : name_matches(host, hlen, entry, elen))
                return 1;
        }
        p += elen;
    }
    return 0;
}

static const char *env_pair(const sgn_aws_env *env, const char *lower, const char *upper)
{
    const char *v = sgn_aws_getenv_nonempty(env, lower);

    return v != NULL ? v : sgn_aws_getenv_nonempty(env, upper);
}

int sgn_http_proxy_for(char **out, const sgn_aws_env *env, const char *url, sgn_error *err)
{
    CURLU *u = NULL;
    char *scheme = NULL, *host = NULL;
    const char *proxy, *no_proxy;
    int rc;

    *out = NULL;
    if ((u = curl_url()) == NULL)
        return sgn_error_set(err, SGN_ENOMEM, "out of memory");
    if (url == NULL || curl_url_set(u, CURLUPART_URL, url, 0) != CURLUE_OK ||
        curl_url_get(u, CURLUPART_SCHEME, &scheme, 0) != CURLUE_OK ||
        curl_url_get(u, CURLUPART_HOST, &host, 0) != CURLUE_OK) {
        rc = sgn_error_set(err, SGN_EINVALID, "cannot parse URL \"%s\"", url ? url : "");
        goto out;
    }
    if (strcasecmp(scheme, "https") == 0)
        proxy = env_pair(env, "https_proxy", "HTTPS_PROXY");
    else if (strcasecmp(scheme, "http") == 0)
        proxy = env_pair(env, "http_proxy", "HTTP_PROXY");
    else
        proxy = NULL;
    if (proxy == NULL)
        proxy = env_pair(env, "all_proxy", "ALL_PROXY");
    no_proxy = env_pair(env, "no_proxy", "NO_PROXY");
    if (proxy == NULL || (no_proxy != NULL && no_proxy_matches(no_proxy, host))) {
        rc = SGN_OK;
        goto out;
    }
    rc = sgn_strdup(out, proxy, err);
out:
    curl_free(scheme);
    curl_free(host);
    curl_url_cleanup(u);
    return rc;
}
