/* The secrets registry and the log-line escaper (see sgn/redact.h). */
#define _GNU_SOURCE /* memmem */
#include "sgn/redact.h"

#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>

#define W SGN_REDACT_WINDOW
#define BASE UINT64_C(0x100000001b3)

/* Polynomial hash of W bytes: sum p[k] * BASE^(W-1-k), modulo 2^64. */
static uint64_t window_hash(const unsigned char *p)
{
    uint64_t h = 0;

    for (size_t k = 0; k < W; k++)
        h = h * BASE + p[k];
    return h;
}

static uint64_t base_pow_w1(void)
{
    uint64_t r = 1;

    for (size_t k = 0; k + 1 < W; k++)
        r *= BASE;
    return r;
}

static int cmp_u64(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

    return x < y ? -1 : x > y;
}

static int has_gram(const sgn_secrets *reg, uint64_t h)
{
    size_t lo = 0, hi = reg->n_grams;

    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (reg->grams[mid] < h)
            lo = mid + 1;
        else if (reg->grams[mid] > h)
            hi = mid;
        else
            return 1;
    }
    return 0;
}

/* Store one form (no encoding). */
static int add_one(sgn_secrets *reg, const char *s, size_t len, sgn_error *err)
{
    char *copy;

    if (len < SGN_REDACT_MIN)
        return SGN_OK;
    for (size_t i = 0; i < reg->n; i++)
        if (reg->len[i] == len && memcmp(reg->s[i], s, len) == 0)
            return SGN_OK;
    if (reg->n == reg->cap) {
        size_t cap = reg->cap ? reg->cap * 2 : 8;
        char **ns = realloc(reg->s, cap * sizeof(*ns));
        size_t *nl;
        if (ns == NULL)
            return sgn_error_set(err, SGN_ENOMEM, "out of memory");
        reg->s = ns;
        if ((nl = realloc(reg->len, cap * sizeof(*nl))) == NULL)
            return sgn_error_set(err, SGN_ENOMEM, "out of memory");
        reg->len = nl;
        reg->cap = cap;
    }
    if (len >= W) {
        size_t need = reg->n_grams + (len - W + 1);
        if (need > reg->cap_grams) {
            size_t cap = need * 2;
            uint64_t *ng = realloc(reg->grams, cap * sizeof(*ng));
            if (ng == NULL)
                return sgn_error_set(err, SGN_ENOMEM, "out of memory");
            reg->grams = ng;
            reg->cap_grams = cap;
        }
    }
    if ((copy = malloc(len + 1)) == NULL)
        return sgn_error_set(err, SGN_ENOMEM, "out of memory");
    memcpy(copy, s, len);
    copy[len] = '\0';
    reg->s[reg->n] = copy;
    reg->len[reg->n] = len;
    reg->n++;
    if (len >= W) {
        for (size_t i = 0; i + W <= len; i++)
            reg->grams[reg->n_grams++] = window_hash((const unsigned char *)s + i);
        qsort(reg->grams, reg->n_grams, sizeof(uint64_t), cmp_u64);
    }
    return SGN_OK;
}

int sgn_secrets_add(sgn_secrets *reg, const char *s, size_t len, sgn_error *err)
{
    static const char hex[] = "0123456789ABCDEF";
    sgn_buf enc = SGN_BUF_INIT;
    int rc;

    if (reg == NULL || s == NULL || len < SGN_REDACT_MIN)
        return SGN_OK;
    if ((rc = add_one(reg, s, len, err)) < 0)
        return rc;
    /* the URL-encoded form (a query string, a form body) */
    for (size_t i = 0; i < len && rc == SGN_OK; i++) {
        unsigned char c = (unsigned char)s[i];
        if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
            c == '-' || c == '_' || c == '.' || c == '~') {
            rc = sgn_buf_append(&enc, &c, 1, err);
        } else {
            char e[3] = {'%', hex[c >> 4], hex[c & 15]};
            rc = sgn_buf_append(&enc, e, 3, err);
        }
    }
    if (rc == SGN_OK && enc.len != len)
        rc = add_one(reg, (const char *)enc.data, enc.len, err);
    /* JSON with "/" escaped */
    enc.len = 0;
    if (rc == SGN_OK && memchr(s, '/', len) != NULL) {
        for (size_t i = 0; i < len && rc == SGN_OK; i++)
            rc = s[i] == '/' ? sgn_buf_append(&enc, "\\/", 2, err)
                             : sgn_buf_append(&enc, &s[i], 1, err);
        if (rc == SGN_OK)
            rc = add_one(reg, (const char *)enc.data, enc.len, err);
    }
    sgn_buf_clear_free(&enc);
    return rc;
}

int sgn_secrets_add_str(sgn_secrets *reg, const char *s, sgn_error *err)
{
    return s == NULL ? SGN_OK : sgn_secrets_add(reg, s, strlen(s), err);
}

void sgn_secrets_free(sgn_secrets *reg)
{
    if (reg == NULL)
        return;
    for (size_t i = 0; i < reg->n; i++)
        OPENSSL_clear_free(reg->s[i], reg->len[i] + 1);
    free(reg->s);
    free(reg->len);
    if (reg->grams != NULL)
        OPENSSL_clear_free(reg->grams, reg->cap_grams * sizeof(uint64_t));
    memset(reg, 0, sizeof(*reg));
}

/* 1 if the W bytes at p occur in a registered secret of at least W bytes. */
static int window_in_secret(const sgn_secrets *reg, const unsigned char *p)
{
    for (size_t i = 0; i < reg->n; i++)
        if (reg->len[i] >= W && memmem(reg->s[i], reg->len[i], p, W) != NULL)
            return 1;
    return 0;
}

int sgn_redact(sgn_buf *out, const sgn_secrets *reg, const void *text, size_t len,
               sgn_error *err)
{
    const unsigned char *t = text;
    unsigned char *cover = NULL;
    size_t i;
    int rc, any = 0;

    if (reg == NULL || reg->n == 0 || len == 0)
        return sgn_buf_append(out, text, len, err);
    if ((cover = calloc(len, 1)) == NULL)
        return sgn_error_set(err, SGN_ENOMEM, "out of memory");
    if (reg->n_grams > 0 && len >= W) {
        uint64_t h = window_hash(t), top = base_pow_w1();
        for (i = 0;; i++) {
            if (has_gram(reg, h) && window_in_secret(reg, t + i)) {
                memset(cover + i, 1, W);
                any = 1;
            }
            if (i + W >= len)
                break;
            h = (h - t[i] * top) * BASE + t[i + W];
        }
    }
    for (size_t k = 0; k < reg->n; k++) {
        const unsigned char *p = t, *end = t + len, *hit;
        if (reg->len[k] >= W)
            continue;
        while ((hit = memmem(p, (size_t)(end - p), reg->s[k], reg->len[k])) != NULL) {
            memset(cover + (hit - t), 1, reg->len[k]);
            any = 1;
            p = hit + 1;
        }
    }
    if (!any) {
        free(cover);
        return sgn_buf_append(out, text, len, err);
    }
    rc = SGN_OK;
    for (i = 0; i < len && rc == SGN_OK;) {
        size_t j = i;
        while (j < len && cover[j] == cover[i])
            j++;
        rc = cover[i] ? sgn_buf_puts(out, SGN_REDACTED, err) : sgn_buf_append(out, t + i, j - i, err);
        i = j;
    }
    free(cover);
    return rc;
}

int sgn_escape_control(sgn_buf *out, const void *text, size_t len, sgn_error *err)
{
    static const char hex[] = "0123456789abcdef";
    const unsigned char *t = text;
    size_t i = 0, start = 0;
    int rc = SGN_OK;

    while (i < len && rc == SGN_OK) {
        unsigned char c = t[i];
        char esc[8];
        size_t elen = 0, w = 1;

        if (c == '\n') {
            memcpy(esc, "\\n", 2), elen = 2;
        } else if (c == '\r') {
            memcpy(esc, "\\r", 2), elen = 2;
        } else if (c == '\t') {
            memcpy(esc, "\\t", 2), elen = 2;
        } else if (c < 0x20 || c == 0x7f) {
            esc[0] = '\\', esc[1] = 'x', esc[2] = hex[c >> 4], esc[3] = hex[c & 15], elen = 4;
        } else if (c == 0xC2 && i + 1 < len && t[i + 1] >= 0x80 && t[i + 1] <= 0x9F) {
            memcpy(esc, "\\u00", 4), esc[4] = hex[t[i + 1] >> 4], esc[5] = hex[t[i + 1] & 15];
            elen = 6, w = 2;
        } else if (c == 0xE2 && i + 2 < len && t[i + 1] == 0x80 &&
                   (t[i + 2] == 0xA8 || t[i + 2] == 0xA9)) {
            memcpy(esc, t[i + 2] == 0xA8 ? "\\u2028" : "\\u2029", 6), elen = 6, w = 3;
        }
        if (elen == 0) {
            i++;
            continue;
        }
        if (i > start)
            rc = sgn_buf_append(out, t + start, i - start, err);
        if (rc == SGN_OK)
            rc = sgn_buf_append(out, esc, elen, err);
        i += w;
        start = i;
    }
    if (rc == SGN_OK && len > start)
        rc = sgn_buf_append(out, t + start, len - start, err);
    return rc;
}
