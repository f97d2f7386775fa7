/* AWS Signature Version 4, header form (see sgn/aws_sigv4.h and research/aws-signer-api.md §3.1).
 *
 * Everything here is a pure function of its inputs: no clock, no environment, no log. The only
 * secrets are the secret access key and the keys derived from it; they live in a few stack
 * buffers that are wiped before every return. */
#include "sgn/aws_sigv4.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/params.h>

#include "sgn/buf.h"
#include "sgn/util.h"

#define SIGV4_ALGORITHM "AWS4-HMAC-SHA256"

static int is_unreserved(unsigned char c)
{
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
           c == '-' || c == '.' || c == '_' || c == '~';
}

static int hexval(unsigned char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

static int uri_encode_append(sgn_buf *b, const char *s, size_t len, int keep_slash,
                             sgn_error *err)
{
    static const char hex[] = "0123456789ABCDEF";
    int rc;
    size_t i;

    if ((rc = sgn_buf_reserve(b, len * 3 + 1, err)) < 0)
        return rc;
    for (i = 0; i < len; i++) {
        unsigned char c = (unsigned char)s[i];

        if (is_unreserved(c) || (keep_slash && c == '/')) {
            b->data[b->len++] = c;
        } else {
            b->data[b->len++] = '%';
            b->data[b->len++] = (unsigned char)hex[c >> 4];
            b->data[b->len++] = (unsigned char)hex[c & 0x0f];
        }
    }
    b->data[b->len] = '\0';
    return SGN_OK;
}

static int buf_take(char **out, sgn_buf *b, sgn_error *err)
{
    *out = sgn_buf_detach(b, NULL);
    if (*out == NULL)
        return sgn_error_set(err, SGN_ENOMEM, "out of memory");
    return SGN_OK;
}

int sgn_uri_encode(char **out, const char *s, size_t len, int keep_slash, sgn_error *err)
{
    sgn_buf b = SGN_BUF_INIT;
    int rc;

    *out = NULL;
    if ((rc = uri_encode_append(&b, s, len, keep_slash, err)) < 0) {
        sgn_buf_free(&b);
        return rc;
    }
    return buf_take(out, &b, err);
}

/* Decode %XX (a '%' not followed by two hex digits stays literal; '+' stays '+') and encode
 * strictly again, appending to b. */
static int query_component_append(sgn_buf *b, const char *s, size_t len, sgn_error *err)
{
    unsigned char *dec;
    size_t i, n = 0;
    int rc;

    if ((dec = malloc(len + 1)) == NULL)
        return sgn_error_set(err, SGN_ENOMEM, "out of memory");
    for (i = 0; i < len; i++) {
        int hi, lo;

        if (s[i] == '%' && i + 2 < len && (hi = hexval((unsigned char)s[i + 1])) >= 0 &&
            (lo = hexval((unsigned char)s[i + 2])) >= 0) {
            dec[n++] = (unsigned char)(hi << 4 | lo);
            i += 2;
        } else {
            dec[n++] = (unsigned char)s[i];
        }
    }
    rc = uri_encode_append(b, (const char *)dec, n, 0, err);
    free(dec);
    return rc;
}

/* ---- canonical URI ------------------------------------------------------------------------ */

/* Remove "." and ".." segments and empty segments ("//"); keep a trailing slash. */
static int normalize_path(char **out, const char *path, sgn_error *err)
{
    size_t len = strlen(path), nseg = 0, i;
    const char **seg = NULL;
    size_t *seglen = NULL;
    const char *p = path, *end = path + len;
    sgn_buf b = SGN_BUF_INIT;
    int rc = SGN_ENOMEM;
    int trailing = len > 0 && path[len - 1] == '/';

    *out = NULL;
    seg = calloc(len / 2 + 2, sizeof(*seg));
    seglen = calloc(len / 2 + 2, sizeof(*seglen));
    if (seg == NULL || seglen == NULL) {
        rc = sgn_error_set(err, SGN_ENOMEM, "out of memory");
        goto out;
    }
    while (p < end) {
        const char *q = memchr(p, '/', (size_t)(end - p));
        size_t n;

        if (q == NULL)
            q = end;
        n = (size_t)(q - p);
        if (n == 0 || (n == 1 && p[0] == '.')) {
            /* skip */
        } else if (n == 2 && p[0] == '.' && p[1] == '.') {
            if (nseg > 0)
                nseg--;
        } else {
            seg[nseg] = p;
            seglen[nseg] = n;
            nseg++;
        }
        p = q < end ? q + 1 : end;
    }
    if ((rc = sgn_buf_puts(&b, "/", err)) < 0)
        goto out;
    for (i = 0; i < nseg; i++) {
        if ((i > 0 && (rc = sgn_buf_puts(&b, "/", err)) < 0) ||
            (rc = sgn_buf_append(&b, seg[i], seglen[i], err)) < 0)
            goto out;
    }
    if (trailing && nseg > 0 && (rc = sgn_buf_puts(&b, "/", err)) < 0)
        goto out;
    rc = buf_take(out, &b, err);
out:
    sgn_buf_free(&b);
    free(seg);
    free(seglen);
    return rc;
}

static int canonical_uri_append(sgn_buf *cr, const char *path, int normalize, sgn_error *err)
{
    char *norm = NULL;
    int rc;

    if (path == NULL || path[0] == '\0')
        path = "/";
    if (normalize) {
        if ((rc = normalize_path(&norm, path, err)) < 0)
            return rc;
        path = norm;
    }
    rc = uri_encode_append(cr, path, strlen(path), 1, err);
    free(norm);
    return rc;
}

/* ---- canonical query ---------------------------------------------------------------------- */

typedef struct qpair {
    char *key;
    char *value;
} qpair;

static int qpair_cmp(const void *a, const void *b)
{
    const qpair *x = a, *y = b;
    int c = strcmp(x->key, y->key);

    return c != 0 ? c : strcmp(x->value, y->value);
}

static int canonical_query_append(sgn_buf *cr, const char *query, sgn_error *err)
{
    qpair *pairs = NULL;
    size_t npairs = 0, cap = 1, i;
    const char *p, *end;
    int rc = SGN_OK;

    if (query == NULL || query[0] == '\0')
        return SGN_OK;
    for (p = query; *p; p++)
        if (*p == '&')
            cap++;
    if ((pairs = calloc(cap, sizeof(*pairs))) == NULL)
        return sgn_error_set(err, SGN_ENOMEM, "out of memory");
    p = query;
    end = query + strlen(query);
    while (p < end) {
        const char *amp = memchr(p, '&', (size_t)(end - p));
        const char *eq;
        sgn_buf k = SGN_BUF_INIT, v = SGN_BUF_INIT;
        size_t n;

        if (amp == NULL)
            amp = end;
        n = (size_t)(amp - p);
        if (n > 0) {
            eq = memchr(p, '=', n);
            if ((rc = query_component_append(&k, p, eq ? (size_t)(eq - p) : n, err)) < 0 ||
                (eq != NULL &&
                 (rc = query_component_append(&v, eq + 1, (size_t)(amp - eq - 1), err)) < 0) ||
                (rc = buf_take(&pairs[npairs].key, &k, err)) < 0 ||
                (rc = buf_take(&pairs[npairs].value, &v, err)) < 0) {
                sgn_buf_free(&k);
                sgn_buf_free(&v);
                npairs++;
                goto out;
            }
            npairs++;
        }
        p = amp < end ? amp + 1 : end;
    }
    qsort(pairs, npairs, sizeof(*pairs), qpair_cmp);
    for (i = 0; i < npairs; i++) {
        if ((rc = sgn_buf_printf(cr, err, "%s%s=%s", i ? "&" : "", pairs[i].key,
                                 pairs[i].value)) < 0)
            goto out;
    }
    rc = SGN_OK;
out:
    for (i = 0; i < npairs; i++) {
        free(pairs[i].key);
        free(pairs[i].value);
    }
    free(pairs);
    return rc;
}

/* ---- canonical headers -------------------------------------------------------------------- */

typedef struct chdr {
    char *name;   /* lowercase */
    char *value;  /* trimmed, whitespace runs collapsed */
    size_t order; /* position in the input, so repeated headers keep their order */
} chdr;

static int chdr_cmp(const void *a, const void *b)
{
    const chdr *x = a, *y = b;
    int c = strcmp(x->name, y->name);

    if (c != 0)
        return c;
    return x->order < y->order ? -1 : x->order > y->order;
}

static int is_ws(char c)
{
    return c == ' ' || c == '\t';
}

static int header_name_ok(const char *s)
{
    if (s == NULL || *s == '\0')
        return 0;
    for (; *s; s++) {
        unsigned char c = (unsigned char)*s;

        if (c <= 0x20 || c >= 0x7f || c == ':')
            return 0;
    }
    return 1;
}

static int chdr_set(chdr *h, const char *name, const char *value, size_t order, sgn_error *err)
{
    size_t i, n = 0, len = strlen(value);
    const char *s = value, *e = value + len;

    h->order = order;
    if ((h->name = strdup(name)) == NULL || (h->value = malloc(len + 1)) == NULL)
        return sgn_error_set(err, SGN_ENOMEM, "out of memory");
    for (i = 0; h->name[i]; i++)
        if (h->name[i] >= 'A' && h->name[i] <= 'Z')
            h->name[i] = (char)(h->name[i] - 'A' + 'a');
    while (s < e && is_ws(*s))
        s++;
    while (e > s && is_ws(e[-1]))
        e--;
    for (; s < e; s++) {
        if (is_ws(*s)) {
            if (n > 0 && h->value[n - 1] == ' ')
                continue;
            h->value[n++] = ' ';
        } else {
            h->value[n++] = *s;
        }
    }
    h->value[n] = '\0';
    return SGN_OK;
}

/* ---- hashing ------------------------------------------------------------------------------ */

static int sha256_hex(char out[65], const void *data, size_t len, sgn_error *err)
{
    unsigned char md[32];
    unsigned int mdlen = 0;

    if (!EVP_Digest(data, len, md, &mdlen, EVP_sha256(), NULL) || mdlen != sizeof(md))
        return sgn_error_set_openssl(err, "SHA-256 for SigV4");
    sgn_hex_encode(out, md, sizeof(md));
    return SGN_OK;
}

static int hmac256(EVP_MAC *mac, unsigned char out[32], const void *key, size_t keylen,
                   const void *data, size_t len, sgn_error *err)
{
    EVP_MAC_CTX *ctx = NULL;
    OSSL_PARAM params[2];
    size_t outlen = 0;
    int rc = SGN_OK;

    params[0] = OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, (char *)"SHA256", 0);
    params[1] = OSSL_PARAM_construct_end();
    if ((ctx = EVP_MAC_CTX_new(mac)) == NULL || !EVP_MAC_init(ctx, key, keylen, params) ||
        !EVP_MAC_update(ctx, data, len) || !EVP_MAC_final(ctx, out, &outlen, 32) ||
        outlen != 32)
        rc = sgn_error_set_openssl(err, "HMAC-SHA256 for SigV4");
    EVP_MAC_CTX_free(ctx);
    return rc;
}

/* ---- signing ------------------------------------------------------------------------------ */

void sgn_sigv4_output_free(sgn_sigv4_output *out)
{
    if (out == NULL)
        return;
    free(out->authorization);
    free(out->canonical_request);
    free(out->string_to_sign);
    free(out->signed_headers);
    memset(out, 0, sizeof(*out));
}

static int check_input(const sgn_sigv4_input *in, const sgn_aws_creds *creds, sgn_error *err)
{
    size_t i;
    int have_host = 0;

    if (in == NULL || creds == NULL)
        return sgn_error_set(err, SGN_EINVALID, "SigV4: no request or no credentials");
    if (in->method == NULL || in->method[0] == '\0')
        return sgn_error_set(err, SGN_EINVALID, "SigV4: the request has no method");
    if (in->region == NULL || in->region[0] == '\0')
        return sgn_error_set(err, SGN_EINVALID, "SigV4: no region to sign for");
    if (in->service == NULL || in->service[0] == '\0')
        return sgn_error_set(err, SGN_EINVALID, "SigV4: no service name to sign for");
    if (creds->access_key_id == NULL || creds->access_key_id[0] == '\0' ||
        creds->secret_access_key == NULL || creds->secret_access_key[0] == '\0')
        return sgn_error_set(err, SGN_EINVALID,
                             "SigV4: the credentials lack an access key id or a secret key");
    if (in->body == NULL && in->body_len > 0)
        return sgn_error_set(err, SGN_EINVALID, "SigV4: body length without a body");
    if (in->n_headers > 0 && in->headers == NULL)
        return sgn_error_set(err, SGN_EINVALID, "SigV4: header count without headers");
    for (i = 0; i < in->n_headers; i++) {
        const sgn_kv *h = &in->headers[i];

        if (!header_name_ok(h->key))
            return sgn_error_set(err, SGN_EINVALID, "SigV4: header %zu has an invalid name", i);
        if (h->value == NULL || strpbrk(h->value, "\r\n") != NULL)
            return sgn_error_set(err, SGN_EINVALID,
                                 "SigV4: header \"%s\" has a missing value or one with CR or LF",
                                 h->key);
        if (strcasecmp(h->key, "host") == 0)
            have_host = 1;
        if (strcasecmp(h->key, "x-amz-date") == 0 ||
            strcasecmp(h->key, "x-amz-security-token") == 0 ||
            strcasecmp(h->key, "authorization") == 0)
            return sgn_error_set(err, SGN_EINVALID,
                                 "SigV4: header \"%s\" is added by the signer, not the caller",
                                 h->key);
    }
    if (!have_host)
        return sgn_error_set(err, SGN_EINVALID, "SigV4: the request has no Host header");
    if (in->path != NULL && strpbrk(in->path, "\r\n") != NULL)
        return sgn_error_set(err, SGN_EINVALID, "SigV4: the path contains CR or LF");
    return SGN_OK;
}

static int format_amz_date(char out[17], int64_t t, sgn_error *err)
{
    time_t tt = (time_t)t;
    struct tm tm;

    if ((int64_t)tt != t || gmtime_r(&tt, &tm) == NULL ||
        strftime(out, 17, "%Y%m%dT%H%M%SZ", &tm) != 16)
        return sgn_error_set(err, SGN_EINVALID, "SigV4: time %lld cannot be formatted",
                             (long long)t);
    return SGN_OK;
}

int sgn_sigv4_sign(sgn_sigv4_output *out, const sgn_sigv4_input *in, const sgn_aws_creds *creds,
                   sgn_error *err)
{
    sgn_sigv4_output o = SGN_SIGV4_OUTPUT_INIT;
    sgn_buf cr = SGN_BUF_INIT, sts = SGN_BUF_INIT, sh = SGN_BUF_INIT, auth = SGN_BUF_INIT;
    sgn_buf kseed = SGN_BUF_INIT;
    chdr *hs = NULL;
    size_t nh = 0, i;
    char datestamp[9], body_hash[65], cr_hash[65];
    unsigned char k1[32], k2[32];
    EVP_MAC *mac = NULL;
    const char *token = creds != NULL ? creds->session_token : NULL;
    int sign_token;
    int rc;

    if (token != NULL && token[0] == '\0')
        token = NULL;
    if (out == NULL)
        return sgn_error_set(err, SGN_EINVALID, "SigV4: no output");
    if ((rc = check_input(in, creds, err)) < 0)
        goto out;
    sign_token = token != NULL && !in->omit_session_token;
    if ((rc = format_amz_date(o.amz_date, in->time, err)) < 0)
        goto out;
    memcpy(datestamp, o.amz_date, 8);
    datestamp[8] = '\0';

    /* Headers: the caller's plus X-Amz-Date and (maybe) X-Amz-Security-Token. */
    if ((hs = calloc(in->n_headers + 2, sizeof(*hs))) == NULL) {
        rc = sgn_error_set(err, SGN_ENOMEM, "out of memory");
        goto out;
    }
    for (i = 0; i < in->n_headers; i++, nh++)
        if ((rc = chdr_set(&hs[nh], in->headers[i].key, in->headers[i].value, nh, err)) < 0) {
            nh++;
            goto out;
        }
    if ((rc = chdr_set(&hs[nh], "x-amz-date", o.amz_date, nh, err)) < 0) {
        nh++;
        goto out;
    }
    nh++;
    if (sign_token) {
        if (strpbrk(token, "\r\n") != NULL) {
            rc = sgn_error_set(err, SGN_EINVALID, "SigV4: the session token contains CR or LF");
            goto out;
        }
        rc = chdr_set(&hs[nh], "x-amz-security-token", token, nh, err);
        nh++;
        if (rc < 0)
            goto out;
    }
    qsort(hs, nh, sizeof(*hs), chdr_cmp);

    /* Canonical request. */
    if ((rc = sgn_buf_printf(&cr, err, "%s\n", in->method)) < 0 ||
        (rc = canonical_uri_append(&cr, in->path, in->normalize_path, err)) < 0 ||
        (rc = sgn_buf_puts(&cr, "\n", err)) < 0 ||
        (rc = canonical_query_append(&cr, in->query, err)) < 0 ||
        (rc = sgn_buf_puts(&cr, "\n", err)) < 0)
        goto out;
    for (i = 0; i < nh; i++) {
        int cont = i > 0 && strcmp(hs[i].name, hs[i - 1].name) == 0;

        if (cont) {
            rc = sgn_buf_printf(&cr, err, ",%s", hs[i].value);
        } else {
            rc = sgn_buf_printf(&cr, err, "%s%s:%s", i ? "\n" : "", hs[i].name, hs[i].value);
            if (rc == SGN_OK)
                rc = sgn_buf_printf(&sh, err, "%s%s", sh.len ? ";" : "", hs[i].name);
        }
        if (rc < 0)
            goto out;
    }
    if ((rc = sha256_hex(body_hash, in->body_len ? (const void *)in->body : (const void *)"",
                         in->body_len, err)) < 0)
        goto out;
    if ((rc = sgn_buf_printf(&cr, err, "\n\n%s\n%s", sgn_buf_cstr(&sh), body_hash)) < 0)
        goto out;

    /* String to sign. */
    if ((rc = sha256_hex(cr_hash, cr.data, cr.len, err)) < 0)
        goto out;
    if ((rc = sgn_buf_printf(&sts, err, SIGV4_ALGORITHM "\n%s\n%s/%s/%s/aws4_request\n%s",
                             o.amz_date, datestamp, in->region, in->service, cr_hash)) < 0)
        goto out;

    /* Key derivation and signature. */
    if ((mac = EVP_MAC_fetch(NULL, "HMAC", NULL)) == NULL) {
        rc = sgn_error_set_openssl(err, "fetching HMAC for SigV4");
        goto out;
    }
    if ((rc = sgn_buf_printf(&kseed, err, "AWS4%s", creds->secret_access_key)) < 0 ||
        (rc = hmac256(mac, k1, kseed.data, kseed.len, datestamp, 8, err)) < 0 ||
        (rc = hmac256(mac, k2, k1, 32, in->region, strlen(in->region), err)) < 0 ||
        (rc = hmac256(mac, k1, k2, 32, in->service, strlen(in->service), err)) < 0 ||
        (rc = hmac256(mac, k2, k1, 32, "aws4_request", 12, err)) < 0 ||
        (rc = hmac256(mac, k1, k2, 32, sts.data, sts.len, err)) < 0)
        goto out;
    sgn_hex_encode(o.signature, k1, 32);

    if ((rc = sgn_buf_printf(&auth, err,
                             SIGV4_ALGORITHM " Credential=%s/%s/%s/%s/aws4_request, "
                                             "SignedHeaders=%s, Signature=%s",
                             creds->access_key_id, datestamp, in->region, in->service,
                             sgn_buf_cstr(&sh), o.signature)) < 0)
        goto out;
    if ((rc = buf_take(&o.authorization, &auth, err)) < 0 ||
        (rc = buf_take(&o.canonical_request, &cr, err)) < 0 ||
        (rc = buf_take(&o.string_to_sign, &sts, err)) < 0 ||
        (rc = buf_take(&o.signed_headers, &sh, err)) < 0)
        goto out;
    o.security_token = token;
    *out = o;
    memset(&o, 0, sizeof(o));
    rc = SGN_OK;
out:
    OPENSSL_cleanse(k1, sizeof(k1));
    OPENSSL_cleanse(k2, sizeof(k2));
    sgn_buf_clear_free(&kseed);
    EVP_MAC_free(mac);
    for (i = 0; i < nh; i++) {
        free(hs[i].name);
        free(hs[i].value);
    }
    free(hs);
    sgn_buf_free(&cr);
    sgn_buf_free(&sts);
    sgn_buf_free(&sh);
    sgn_buf_free(&auth);
    sgn_sigv4_output_free(&o);
    if (rc < 0 && out != NULL)
        memset(out, 0, sizeof(*out));
    return rc;
}
