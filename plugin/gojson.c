/* Go encoding/json's reading rules over the raw request text (see gojson.h). */
#include "gojson.h"

#include <errno.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

static int is_ws(char c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

static int is_digit(char c)
{
    return c >= '0' && c <= '9';
}

static int hexval(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

static const char *skip_ws(const char *p, const char *end)
{
    while (p < end && is_ws(*p))
        p++;
    return p;
}

/* --- checking ---------------------------------------------------------------------------- */

/* p at '"'; on success *pp is just past the closing quote. */
static int scan_string(const char **pp, const char *end)
{
    const char *p = *pp + 1;

    while (p < end) {
        unsigned char c = (unsigned char)*p;
        if (c == '"') {
            *pp = p + 1;
            return 0;
        }
        if (c < 0x20)
            return -1;
        if (c == '\\') {
            if (++p >= end)
                return -1;
            switch (*p) {
            case '"': case '\\': case '/': case 'b': case 'f': case 'n': case 'r': case 't':
                p++;
                break;
            case 'u':
                if (end - p < 5 || hexval(p[1]) < 0 || hexval(p[2]) < 0 || hexval(p[3]) < 0 ||
                    hexval(p[4]) < 0)
                    return -1;
                p += 5;
                break;
            default:
                return -1;
            }
            continue;
        }
        p++;
    }
    return -1;
}

/* -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)? */
static int scan_number(const char **pp, const char *end)
{
    const char *p = *pp;

    if (p < end && *p == '-')
        p++;
    if (p >= end || !is_digit(*p))
        return -1;
    if (*p == '0')
        p++;
    else
        while (p < end && is_digit(*p))
            p++;
    if (p < end && *p == '.') {
        p++;
        if (p >= end || !is_digit(*p))
            return -1;
        while (p < end && is_digit(*p))
            p++;
    }
    if (p < end && (*p == 'e' || *p == 'E')) {
        p++;
        if (p < end && (*p == '+' || *p == '-'))
            p++;
        if (p >= end || !is_digit(*p))
            return -1;
        while (p < end && is_digit(*p))
            p++;
    }
    *pp = p;
    return 0;
}

static int scan_literal(const char **pp, const char *end, const char *lit)
{
    size_t n = strlen(lit);

    if ((size_t)(end - *pp) < n || memcmp(*pp, lit, n) != 0)
        return -1;
    *pp += n;
    return 0;
}

int gj_scan(gj_val *out, const char *in, size_t len, sgn_error *err)
{
    const char *p, *end = in + len, *start;
    char stack[GJ_MAX_DEPTH];
    size_t depth = 0;

    out->p = NULL;
    out->n = 0;
    p = skip_ws(in, end);
    if (p == end)
        return sgn_error_set(err, SGN_EINVALID, "EOF");
    start = p;
    for (;;) {
        /* a value starts at p */
        if (p >= end)
            goto bad;
        switch (*p) {
        case '{':
        case '[':
            if (depth == GJ_MAX_DEPTH)
                return sgn_error_set(err, SGN_EINVALID, "exceeded max depth");
            stack[depth++] = *p;
            p = skip_ws(p + 1, end);
            if (p < end && (*p == '}' || *p == ']')) {
                if ((*p == '}') != (stack[depth - 1] == '{'))
                    goto bad;
                p++;
                depth--;
                break;
            }
            if (stack[depth - 1] == '{') {
                if (p >= end || *p != '"' || scan_string(&p, end) < 0)
                    goto bad;
                p = skip_ws(p, end);
                if (p >= end || *p != ':')
                    goto bad;
                p = skip_ws(p + 1, end);
            }
            continue; /* parse the first member's value / the first element */
        case '"':
            if (scan_string(&p, end) < 0)
                goto bad;
            break;
        case 't':
            if (scan_literal(&p, end, "true") < 0)
                goto bad;
            break;
        case 'f':
            if (scan_literal(&p, end, "false") < 0)
                goto bad;
            break;
        case 'n':
            if (scan_literal(&p, end, "null") < 0)
                goto bad;
            break;
        default:
            if (scan_number(&p, end) < 0)
                goto bad;
            break;
        }
        /* a value ended just before p: close containers or move to the next value */
        for (;;) {
            if (depth == 0) {
                out->p = start;
                out->n = (size_t)(p - start);
                return SGN_OK;
            }
            p = skip_ws(p, end);
            if (p >= end)
                goto bad;
            if (*p == ',') {
                p = skip_ws(p + 1, end);
                if (stack[depth - 1] == '{') {
                    if (p >= end || *p != '"' || scan_string(&p, end) < 0)
                        goto bad;
                    p = skip_ws(p, end);
                    if (p >= end || *p != ':')
                        goto bad;
                    p = skip_ws(p + 1, end);
                }
                break; /* next value */
            }
            if ((*p == '}' && stack[depth - 1] == '{') || (*p == ']' && stack[depth - 1] == '[')) {
                p++;
                depth--;
                continue;
            }
            goto bad;
        }
    }
bad:
    return sgn_error_set(err, SGN_EINVALID, "invalid JSON");
}

/* --- walking checked text ---------------------------------------------------------------- */

gj_kind gj_kind_of(gj_val v)
{
    switch (v.n ? v.p[0] : 'n') {
    case 'n': return GJ_NULL;
    case 't':
    case 'f': return GJ_BOOL;
    case '"': return GJ_STRING;
    case '[': return GJ_ARRAY;
    case '{': return GJ_OBJECT;
    default: return GJ_NUMBER;
    }
}

/* End of the (checked) value starting at p. */
static const char *value_end(const char *p, const char *end)
{
    size_t depth = 0;

    switch (*p) {
    case '"':
        for (p++; p < end && *p != '"'; p++)
            if (*p == '\\')
                p++;
        return p + 1;
    case 't':
    case 'n': return p + 4;
    case 'f': return p + 5;
    case '{':
    case '[':
        for (; p < end; p++) {
            if (*p == '"') {
                for (p++; p < end && *p != '"'; p++)
                    if (*p == '\\')
                        p++;
            } else if (*p == '{' || *p == '[') {
                depth++;
            } else if (*p == '}' || *p == ']') {
                if (--depth == 0)
                    return p + 1;
            }
        }
        return end;
    default:
        while (p < end && (is_digit(*p) || *p == '-' || *p == '+' || *p == '.' || *p == 'e' ||
                           *p == 'E'))
            p++;
        return p;
    }
}

void gj_iter_init(gj_iter *it, gj_val v)
{
    it->p = v.p + 1;
    it->end = v.p + v.n;
}

static int next_value(gj_iter *it, gj_val *v)
{
    const char *p = skip_ws(it->p, it->end);
    const char *e = value_end(p, it->end);

    v->p = p;
    v->n = (size_t)(e - p);
    it->p = e;
    return 1;
}

int gj_next_member(gj_iter *it, gj_val *key, gj_val *value)
{
    const char *p = skip_ws(it->p, it->end);

    if (p >= it->end || *p == '}')
        return 0;
    if (*p == ',')
        p = skip_ws(p + 1, it->end);
    it->p = p;
    next_value(it, key);
    p = skip_ws(it->p, it->end); /* at ':' */
    it->p = p + 1;
    return next_value(it, value);
}

int gj_next_element(gj_iter *it, gj_val *elem)
{
    const char *p = skip_ws(it->p, it->end);

    if (p >= it->end || *p == ']')
        return 0;
    if (*p == ',')
        p++;
    it->p = p;
    return next_value(it, elem);
}

/* --- strings ----------------------------------------------------------------------------- */

/* Go's utf8.DecodeRune: invalid input is U+FFFD with width 1. */
static int32_t utf8_decode(const unsigned char *s, size_t n, size_t *width)
{
    unsigned char c = s[0], lo = 0x80, hi = 0xBF;
    size_t need, i;
    int32_t r;

    *width = 1;
    if (c < 0x80)
        return c;
    if (c >= 0xC2 && c <= 0xDF) {
        need = 2;
        r = c & 0x1F;
    } else if (c >= 0xE0 && c <= 0xEF) {
        need = 3;
        r = c & 0x0F;
        lo = c == 0xE0 ? 0xA0 : 0x80;
        hi = c == 0xED ? 0x9F : 0xBF;
    } else if (c >= 0xF0 && c <= 0xF4) {
        need = 4;
        r = c & 0x07;
        lo = c == 0xF0 ? 0x90 : 0x80;
        hi = c == 0xF4 ? 0x8F : 0xBF;
    } else {
        return 0xFFFD;
    }
    if (n < need)
        return 0xFFFD;
    for (i = 1; i < need; i++) {
        unsigned char b = s[i];
        if (i == 1 ? (b < lo || b > hi) : (b < 0x80 || b > 0xBF))
            return 0xFFFD;
        r = (r << 6) | (b & 0x3F);
    }
    *width = need;
    return r;
}

static size_t utf8_encode(char out[4], int32_t r)
{
    if (r < 0x80) {
        out[0] = (char)r;
        return 1;
    }
    if (r < 0x800) {
        out[0] = (char)(0xC0 | (r >> 6));
        out[1] = (char)(0x80 | (r & 0x3F));
        return 2;
    }
    if (r < 0x10000) {
        out[0] = (char)(0xE0 | (r >> 12));
        out[1] = (char)(0x80 | ((r >> 6) & 0x3F));
        out[2] = (char)(0x80 | (r & 0x3F));
        return 3;
    }
    out[0] = (char)(0xF0 | (r >> 18));
    out[1] = (char)(0x80 | ((r >> 12) & 0x3F));
    out[2] = (char)(0x80 | ((r >> 6) & 0x3F));
    out[3] = (char)(0x80 | (r & 0x3F));
    return 4;
}

static int32_t get_u4(const char *p, const char *end)
{
    int32_t r = 0;
    int i;

    if (end - p < 6 || p[0] != '\\' || p[1] != 'u')
        return -1;
    for (i = 2; i < 6; i++) {
        int h = hexval(p[i]);
        if (h < 0)
            return -1;
        r = r * 16 + h;
    }
    return r;
}

int gj_unquote(sgn_buf *out, gj_val v, sgn_error *err)
{
    const char *p = v.p + 1, *end = v.p + v.n - 1;
    int rc;

    out->len = 0;
    if ((rc = sgn_buf_reserve(out, v.n, err)) < 0)
        return rc;
    out->data[0] = '\0';
    while (p < end) {
        const char *run = p;
        char enc[4];
        size_t w;
        int32_t r;

        while (p < end && *p != '\\' && (unsigned char)*p < 0x80)
            p++;
        if (p > run && (rc = sgn_buf_append(out, run, (size_t)(p - run), err)) < 0)
            return rc;
        if (p >= end)
            break;
        if (*p != '\\') {
            r = utf8_decode((const unsigned char *)p, (size_t)(end - p), &w);
            if (r == 0xFFFD && w == 1)
                rc = sgn_buf_append(out, "\xEF\xBF\xBD", 3, err);
            else
                rc = sgn_buf_append(out, p, w, err);
            if (rc < 0)
                return rc;
            p += w;
            continue;
        }
        switch (p[1]) {
        case 'b': r = '\b'; break;
        case 'f': r = '\f'; break;
        case 'n': r = '\n'; break;
        case 'r': r = '\r'; break;
        case 't': r = '\t'; break;
        case 'u': r = -1; break;
        default: r = (unsigned char)p[1]; break; /* " \ / */
        }
        if (r >= 0) {
            p += 2;
        } else {
            r = get_u4(p, end);
            p += 6;
            if (r >= 0xD800 && r < 0xE000) {
                int32_t r2 = get_u4(p, end);
                if (r < 0xDC00 && r2 >= 0xDC00 && r2 < 0xE000) {
                    r = 0x10000 + ((r - 0xD800) << 10) + (r2 - 0xDC00);
                    p += 6;
                } else {
                    r = 0xFFFD;
                }
            }
        }
        if ((rc = sgn_buf_append(out, enc, utf8_encode(enc, r), err)) < 0)
            return rc;
    }
    return SGN_OK;
}

int gj_key_matches(const char *key, size_t key_len, const char *name)
{
    const unsigned char *k = (const unsigned char *)key;
    size_t i = 0, j = 0, nlen = strlen(name);

    while (i < key_len && j < nlen) {
        size_t w;
        int32_t r = utf8_decode(k + i, key_len - i, &w);
        char want = name[j];

        if (r >= 'a' && r <= 'z')
            r -= 32;
        else if (r == 0x212A)
            r = 'K';
        else if (r == 0x017F)
            r = 'S';
        else if (r == 0x0130 || r == 0x0131)
            r = 'I';
        if (want >= 'a' && want <= 'z')
            want = (char)(want - 32);
        if (r != want)
            return 0;
        i += w;
        j++;
    }
    return i == key_len && j == nlen;
}

int gj_numbers_fit_float64(gj_val v)
{
    const char *p = v.p, *end = v.p + v.n;

    while (p < end) {
        if (*p == '"') {
            p = value_end(p, end);
        } else if (*p == '-' || is_digit(*p)) {
            const char *e = value_end(p, end);
            char small[64], *tok = small, *stop;
            size_t n = (size_t)(e - p);
            double d;
            int ok;

            if (n >= sizeof(small) && (tok = malloc(n + 1)) == NULL)
                return 0;
            memcpy(tok, p, n);
            tok[n] = '\0';
            errno = 0;
            d = strtod(tok, &stop);
            ok = !(errno == ERANGE && isinf(d));
            if (tok != small)
                free(tok);
            if (!ok)
                return 0;
            p = e;
        } else {
            p++;
        }
    }
    return 1;
}
