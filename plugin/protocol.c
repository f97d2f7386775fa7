/* The Notation plugin protocol: stdin, stdout, stderr and Go's JSON rules (see protocol.h). */
#include "protocol.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "sgn/util.h"

/* --- streams ----------------------------------------------------------------------------- */

void pl_io_init(pl_io *io)
{
    int fd, devnull;

    /* A closed 0, 1 or 2 would be reused by the next open(); give each a harmless target. */
    for (fd = 0; fd <= 2; fd++) {
        if (fcntl(fd, F_GETFD) < 0 && errno == EBADF) {
            int n = open("/dev/null", fd == 0 ? O_RDONLY : O_WRONLY);
            if (n >= 0 && n != fd) {
                dup2(n, fd);
                close(n);
            }
        }
    }
    io->out_fd = fcntl(1, F_DUPFD_CLOEXEC, 3);
    io->err_fd = fcntl(2, F_DUPFD_CLOEXEC, 3);
    devnull = open("/dev/null", O_WRONLY | O_CLOEXEC);
    if (io->out_fd < 0 || io->err_fd < 0 || devnull < 0) {
        if (io->out_fd >= 0)
            close(io->out_fd);
        if (io->err_fd >= 0)
            close(io->err_fd);
        io->out_fd = 1;
        io->err_fd = 2;
    } else {
        dup2(devnull, 1);
        dup2(devnull, 2);
    }
    if (devnull >= 0)
        close(devnull);
}

void pl_io_close(pl_io *io)
{
    /* give 1 and 2 back, so that whatever runs at exit (sanitizer reports) reaches them */
    if (io->out_fd > 2) {
        dup2(io->out_fd, 1);
        close(io->out_fd);
    }
    if (io->err_fd > 2) {
        dup2(io->err_fd, 2);
        close(io->err_fd);
    }
    io->out_fd = io->err_fd = -1;
}

static int write_all(int fd, const char *p, size_t n)
{
    while (n > 0) {
        ssize_t w = write(fd, p, n);
        if (w < 0) {
            if (errno == EINTR)
                continue;
            return -1;
        }
        p += w;
        n -= (size_t)w;
    }
    return 0;
}

/* --- results ----------------------------------------------------------------------------- */

void pl_result_free(pl_result *r)
{
    cJSON_Delete(r->json);
    free(r->text);
    sgn_buf_free(&r->msg);
    r->json = NULL;
    r->text = NULL;
    r->code = 0;
}

int pl_fail(pl_result *r, int code, const char *fmt, ...)
{
    va_list ap;
    int n;

    if (r->code != 0)
        return code;
    r->code = code;
    r->msg.len = 0;
    va_start(ap, fmt);
    n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    if (n > 0 && sgn_buf_reserve(&r->msg, (size_t)n, NULL) == SGN_OK) {
        va_start(ap, fmt);
        vsnprintf((char *)r->msg.data, (size_t)n + 1, fmt, ap);
        va_end(ap);
        r->msg.len = (size_t)n;
    }
    return code;
}

int pl_fail_span(pl_result *r, int code, const char *prefix, sgn_span s, const char *suffix)
{
    if (r->code != 0)
        return code;
    r->code = code;
    r->msg.len = 0;
    if (sgn_buf_puts(&r->msg, prefix, NULL) < 0 ||
        sgn_buf_append(&r->msg, s.ptr, s.len, NULL) < 0 ||
        sgn_buf_puts(&r->msg, suffix, NULL) < 0)
        r->msg.len = 0;
    return code;
}

int pl_fail_error(pl_result *r, const sgn_error *err)
{
    int code = err->code != 0 ? err->code : SGN_EINTERNAL;

    return pl_fail(r, code, "%s", err->msg);
}

const char *pl_error_code(int code)
{
    switch (code) {
    case SGN_EINVALID: return "VALIDATION_ERROR";
    case SGN_ECONTRACT: return "UNSUPPORTED_CONTRACT_VERSION";
    case SGN_EDENIED: return "ACCESS_DENIED";
    case SGN_ETHROTTLED: return "THROTTLED";
    case SGN_ETIMEOUT: return "TIMEOUT";
    default: return "ERROR";
    }
}

/* A JSON string exactly as Go's json.Marshal writes it: HTML-escaped <, > and &, U+2028 and
 * U+2029 escaped, invalid UTF-8 as \ufffd. */
static int append_go_json_string(sgn_buf *b, const unsigned char *s, size_t n)
{
    static const char hex[] = "0123456789abcdef";
    size_t i = 0;

    if (sgn_buf_puts(b, "\"", NULL) < 0)
        return -1;
    while (i < n) {
        unsigned char c = s[i];
        char esc[8];
        size_t elen = 0, w = 1;

        if (c < 0x80) {
            switch (c) {
            case '"': memcpy(esc, "\\\"", 2); elen = 2; break;
            case '\\': memcpy(esc, "\\\\", 2); elen = 2; break;
            case '\b': memcpy(esc, "\\b", 2); elen = 2; break;
            case '\f': memcpy(esc, "\\f", 2); elen = 2; break;
            case '\n': memcpy(esc, "\\n", 2); elen = 2; break;
            case '\r': memcpy(esc, "\\r", 2); elen = 2; break;
            case '\t': memcpy(esc, "\\t", 2); elen = 2; break;
            default:
                if (c < 0x20 || c == '<' || c == '>' || c == '&') {
                    memcpy(esc, "\\u00", 4);
                    esc[4] = hex[c >> 4];
                    esc[5] = hex[c & 15];
                    elen = 6;
                }
            }
            if (elen == 0 && sgn_buf_append(b, &s[i], 1, NULL) < 0)
                return -1;
        } else {
            /* validate one UTF-8 sequence (Go's utf8.DecodeRune acceptance ranges) */
            unsigned char lo = 0x80, hi = 0xBF;
            size_t need = c >= 0xC2 && c <= 0xDF ? 2 : c >= 0xE0 && c <= 0xEF ? 3
                        : c >= 0xF0 && c <= 0xF4 ? 4 : 0, k;
            if (c == 0xE0)
                lo = 0xA0;
            else if (c == 0xED)
                hi = 0x9F;
            else if (c == 0xF0)
                lo = 0x90;
            else if (c == 0xF4)
                hi = 0x8F;
            for (k = 1; need && k < need; k++)
                if (i + k >= n || s[i + k] < (k == 1 ? lo : 0x80) ||
                    s[i + k] > (k == 1 ? hi : 0xBF))
                    need = 0;
            if (need == 0) {
                memcpy(esc, "\\ufffd", 6);
                elen = 6;
            } else if (need == 3 && c == 0xE2 && s[i + 1] == 0x80 &&
                       (s[i + 2] == 0xA8 || s[i + 2] == 0xA9)) {
                memcpy(esc, s[i + 2] == 0xA8 ? "\\u2028" : "\\u2029", 6);
                elen = 6;
                w = 3;
            } else {
                w = need;
                if (sgn_buf_append(b, &s[i], w, NULL) < 0)
                    return -1;
            }
        }
        if (elen > 0 && sgn_buf_append(b, esc, elen, NULL) < 0)
            return -1;
        i += w;
    }
    return sgn_buf_puts(b, "\"", NULL) < 0 ? -1 : 0;
}

int pl_write_result(const pl_io *io, const pl_result *r)
{
    sgn_buf b = SGN_BUF_INIT;
    const char *code;
    char *json;
    int rc = 1;

    if (r->code == 0 && r->text != NULL)
        return write_all(io->out_fd, r->text, strlen(r->text)) < 0 ? 1 : 0;
    if (r->code == 0 && r->json != NULL) {
        json = cJSON_PrintUnformatted(r->json);
        if (json != NULL) {
            rc = write_all(io->out_fd, json, strlen(json)) < 0 ? 1 : 0;
            cJSON_free(json);
            return rc;
        }
        /* fall through to an ERROR: the response could not be serialised */
    }
    code = pl_error_code(r->code != 0 ? r->code : SGN_EINTERNAL);
    if (sgn_buf_puts(&b, "{\"errorCode\":", NULL) == SGN_OK &&
        append_go_json_string(&b, (const unsigned char *)code, strlen(code)) == 0) {
        int ok = 1;
        if (r->code == 0) {
            static const char m[] = "Failed to generate response. Error: out of memory";
            ok = sgn_buf_puts(&b, ",\"errorMessage\":", NULL) == SGN_OK &&
                 append_go_json_string(&b, (const unsigned char *)m, sizeof(m) - 1) == 0;
        } else if (r->msg.len > 0) {
            ok = sgn_buf_puts(&b, ",\"errorMessage\":", NULL) == SGN_OK &&
                 append_go_json_string(&b, r->msg.data, r->msg.len) == 0;
        }
        if (ok && sgn_buf_puts(&b, "}", NULL) == SGN_OK)
            write_all(io->err_fd, (const char *)b.data, b.len);
    }
    sgn_buf_free(&b);
    return 1;
}

/* --- requests ---------------------------------------------------------------------------- */

int pl_read_request(sgn_buf *raw, gj_val *root, pl_result *r)
{
    sgn_error err = SGN_ERROR_INIT;
    gj_kind kind;

    if (sgn_read_fd(raw, 0, PL_MAX_REQUEST, &err) < 0) {
        if (err.code == SGN_EINVALID)
            return pl_fail(r, SGN_EINVALID,
                           "Input is too large: a request may be at most 64 MiB (%zu bytes)",
                           PL_MAX_REQUEST);
        return pl_fail(r, SGN_EINVALID, "%s", PL_MSG_MALFORMED);
    }
    if (gj_scan(root, (const char *)raw->data, raw->len, &err) < 0)
        return pl_fail(r, SGN_EINVALID, "%s", PL_MSG_MALFORMED);
    kind = gj_kind_of(*root);
    if (kind != GJ_OBJECT && kind != GJ_NULL) /* Go cannot decode anything else into a struct */
        return pl_fail(r, SGN_EINVALID, "%s", PL_MSG_MALFORMED);
    return SGN_OK;
}

char *pl_quote(sgn_span s)
{
    sgn_buf b = SGN_BUF_INIT;

    if (sgn_identity_quote(&b, s, NULL) < 0) {
        sgn_buf_free(&b);
        return NULL;
    }
    return sgn_buf_detach(&b, NULL);
}

sgn_span pl_span(const sgn_buf *b)
{
    sgn_span s = {sgn_buf_cstr(b), b->len};
    return s;
}

int pl_decode_struct(void *base, const pl_field *fields, size_t n_fields, gj_val v)
{
    sgn_buf key = SGN_BUF_INIT;
    gj_iter it;
    gj_val k, val;
    int rc = SGN_OK;

    if (gj_kind_of(v) == GJ_NULL)
        return SGN_OK;
    if (gj_kind_of(v) != GJ_OBJECT)
        return SGN_EINVALID;
    gj_iter_init(&it, v);
    while (rc == SGN_OK && gj_next_member(&it, &k, &val)) {
        size_t i;
        if ((rc = gj_unquote(&key, k, NULL)) < 0)
            break;
        for (i = 0; i < n_fields; i++) {
            if (gj_key_matches(sgn_buf_cstr(&key), key.len, fields[i].name)) {
                rc = fields[i].decode((char *)base + fields[i].offset, val);
                break;
            }
        }
    }
    sgn_buf_free(&key);
    return rc;
}

int pl_decode_string(void *target, gj_val v)
{
    sgn_buf *s = target;

    switch (gj_kind_of(v)) {
    case GJ_NULL: return SGN_OK; /* Go leaves a string unchanged for null */
    case GJ_STRING: return gj_unquote(s, v, NULL);
    default: return SGN_EINVALID;
    }
}

int pl_decode_uint64(void *target, gj_val v)
{
    uint64_t *out = target, n = 0;
    size_t i;

    if (gj_kind_of(v) == GJ_NULL)
        return SGN_OK;
    if (gj_kind_of(v) != GJ_NUMBER)
        return SGN_EINVALID;
    /* strconv.ParseUint(s, 10, 64): digits only, no sign, fraction or exponent */
    for (i = 0; i < v.n; i++) {
        unsigned d;
        if (v.p[i] < '0' || v.p[i] > '9')
            return SGN_EINVALID;
        d = (unsigned)(v.p[i] - '0');
        if (n > (UINT64_MAX - d) / 10)
            return SGN_EINVALID;
        n = n * 10 + d;
    }
    *out = n;
    return SGN_OK;
}

static void bytes_reset(pl_bytes *b)
{
    free(b->data);
    b->data = NULL;
    b->len = 0;
    b->set = 0;
}

/* A JSON array into []byte: each element a uint8 number (strconv.ParseUint(s, 10, 8)). */
static int bytes_from_array(pl_bytes *b, gj_val v)
{
    gj_iter it;
    gj_val e;
    size_t n = 0, cap = 16;
    unsigned char *data = malloc(cap);

    if (data == NULL)
        return SGN_ENOMEM;
    gj_iter_init(&it, v);
    while (gj_next_element(&it, &e)) {
        unsigned val = 0;
        size_t i;
        if (gj_kind_of(e) == GJ_NUMBER) {
            for (i = 0; i < e.n; i++) {
                if (e.p[i] < '0' || e.p[i] > '9' ||
                    (val = val * 10 + (unsigned)(e.p[i] - '0')) > 255) {
                    free(data);
                    return SGN_EINVALID;
                }
            }
        } else if (gj_kind_of(e) != GJ_NULL) {
            free(data);
            return SGN_EINVALID;
        }
        if (n == cap) {
            unsigned char *p = realloc(data, cap *= 2);
            if (p == NULL) {
                free(data);
                return SGN_ENOMEM;
            }
            data = p;
        }
        data[n++] = (unsigned char)val;
    }
    bytes_reset(b);
    b->data = data;
    b->len = n;
    b->set = 1;
    return SGN_OK;
}

int pl_decode_bytes(void *target, gj_val v)
{
    pl_bytes *b = target;
    sgn_buf s = SGN_BUF_INIT;
    unsigned char *data = NULL;
    size_t len = 0;
    int rc;

    switch (gj_kind_of(v)) {
    case GJ_NULL:
        bytes_reset(b);
        return SGN_OK;
    case GJ_ARRAY:
        return bytes_from_array(b, v);
    case GJ_STRING:
        break;
    default:
        return SGN_EINVALID;
    }
    if ((rc = gj_unquote(&s, v, NULL)) == SGN_OK &&
        (rc = sgn_b64_decode(&data, &len, sgn_buf_cstr(&s), s.len, NULL)) == SGN_OK) {
        bytes_reset(b);
        b->data = data;
        b->len = len;
        b->set = 1;
    }
    sgn_buf_free(&s);
    return rc < 0 ? SGN_EINVALID : SGN_OK;
}

int pl_decode_time(void *target, gj_val v)
{
    pl_time *t = target;
    char buf[64];
    size_t i, n;

    switch (gj_kind_of(v)) {
    case GJ_NULL:
        t->set = 0;
        return SGN_OK;
    case GJ_STRING:
        break;
    default:
        return SGN_EINVALID; /* Time.UnmarshalJSON: input is not a JSON string */
    }
    /* Go parses the raw bytes between the quotes with its strict RFC 3339 parser: upper-case
     * 'T' and 'Z', '.' before fractions, no escapes. */
    n = v.n - 2;
    if (n >= sizeof(buf))
        return SGN_EINVALID;
    for (i = 0; i < n; i++) {
        char c = v.p[1 + i];
        if (!((c >= '0' && c <= '9') || c == '-' || c == ':' || c == 'T' || c == '.' || c == 'Z' ||
              c == '+'))
            return SGN_EINVALID;
        buf[i] = c;
    }
    buf[n] = '\0';
    if (sgn_time_parse_rfc3339(&t->sec, &t->nsec, buf, NULL) < 0)
        return SGN_EINVALID;
    t->set = 1;
    return SGN_OK;
}

void pl_strlist_free(pl_strlist *l)
{
    sgn_buf_free(&l->arena);
    free(l->off);
    free(l->len);
    memset(l, 0, sizeof(*l));
}

static int strlist_push(pl_strlist *l, const sgn_buf *s)
{
    if (l->n == l->cap) {
        size_t cap = l->cap ? l->cap * 2 : 8;
        size_t *off = realloc(l->off, cap * sizeof(*off)), *len;
        if (off == NULL)
            return SGN_ENOMEM;
        l->off = off;
        len = realloc(l->len, cap * sizeof(*len));
        if (len == NULL)
            return SGN_ENOMEM;
        l->len = len;
        l->cap = cap;
    }
    l->off[l->n] = l->arena.len;
    l->len[l->n] = s->len;
    l->n++;
    return sgn_buf_append(&l->arena, s->data ? (const void *)s->data : "", s->len, NULL);
}

static int decode_strlist(pl_strlist *l, gj_val v, int keep)
{
    sgn_buf s = SGN_BUF_INIT;
    gj_iter it;
    gj_val e;
    int rc = SGN_OK;

    switch (gj_kind_of(v)) {
    case GJ_NULL:
        if (keep)
            pl_strlist_free(l);
        l->set = 0;
        return SGN_OK;
    case GJ_ARRAY:
        break;
    default:
        return SGN_EINVALID;
    }
    if (keep) {
        l->n = 0;
        l->arena.len = 0;
    }
    gj_iter_init(&it, v);
    while (rc == SGN_OK && gj_next_element(&it, &e)) {
        if (gj_kind_of(e) == GJ_STRING)
            rc = gj_unquote(&s, e, NULL);
        else if (gj_kind_of(e) == GJ_NULL)
            s.len = 0; /* null element: the zero value "" */
        else
            rc = SGN_EINVALID;
        if (rc == SGN_OK && keep)
            rc = strlist_push(l, &s);
    }
    sgn_buf_free(&s);
    l->set = 1;
    return rc;
}

int pl_decode_strlist(void *target, gj_val v)
{
    return decode_strlist(target, v, 1);
}

int pl_decode_strlist_nilness(void *target, gj_val v)
{
    pl_strlist tmp;
    int rc;

    memset(&tmp, 0, sizeof(tmp));
    rc = decode_strlist(&tmp, v, 0);
    *(int *)target = tmp.set;
    return rc;
}

int pl_strlist_spans(sgn_span **out, const pl_strlist *l, sgn_error *err)
{
    size_t i;

    *out = NULL;
    if (l->n == 0)
        return SGN_OK;
    *out = calloc(l->n, sizeof(**out));
    if (*out == NULL)
        return sgn_error_set(err, SGN_ENOMEM, "out of memory");
    for (i = 0; i < l->n; i++) {
        (*out)[i].ptr = (const char *)l->arena.data + l->off[i];
        (*out)[i].len = l->len[i];
    }
    return SGN_OK;
}

void pl_byteslist_free(pl_byteslist *l)
{
    size_t i;

    for (i = 0; i < l->n; i++)
        free(l->items[i].data);
    free(l->items);
    memset(l, 0, sizeof(*l));
}

int pl_decode_byteslist(void *target, gj_val v)
{
    pl_byteslist *l = target;
    gj_iter it;
    gj_val e;
    size_t cap = 0;
    int rc = SGN_OK;

    switch (gj_kind_of(v)) {
    case GJ_NULL:
        pl_byteslist_free(l);
        return SGN_OK;
    case GJ_ARRAY:
        break;
    default:
        return SGN_EINVALID;
    }
    pl_byteslist_free(l);
    l->set = 1;
    gj_iter_init(&it, v);
    while (rc == SGN_OK && gj_next_element(&it, &e)) {
        if (l->n == cap) {
            size_t ncap = cap ? cap * 2 : 4;
            pl_bytes *items = realloc(l->items, ncap * sizeof(*items));
            if (items == NULL)
                return SGN_ENOMEM;
            l->items = items;
            cap = ncap;
        }
        memset(&l->items[l->n], 0, sizeof(l->items[l->n]));
        l->n++;
        rc = pl_decode_bytes(&l->items[l->n - 1], e);
    }
    return rc;
}

void pl_config_free(pl_config *c)
{
    sgn_buf_free(&c->local_store.value);
    sgn_buf_free(&c->aws_region.value);
    sgn_buf_free(&c->aws_profile.value);
    sgn_buf_free(&c->endpoint_url.value);
    memset(c, 0, sizeof(*c));
}

static pl_cfg_value *config_slot(pl_config *c, const sgn_buf *key)
{
    sgn_span k = pl_span(key);

    if (sgn_span_eq(k, PL_CFG_LOCAL_STORE))
        return &c->local_store;
    if (sgn_span_eq(k, PL_CFG_AWS_REGION))
        return &c->aws_region;
    if (sgn_span_eq(k, PL_CFG_AWS_PROFILE))
        return &c->aws_profile;
    if (sgn_span_eq(k, PL_CFG_ENDPOINT_URL))
        return &c->endpoint_url;
    return NULL;
}

int pl_decode_config(void *target, gj_val v)
{
    pl_config *c = target;
    sgn_buf key = SGN_BUF_INIT, val = SGN_BUF_INIT;
    gj_iter it;
    gj_val k, e;
    int rc = SGN_OK;

    switch (gj_kind_of(v)) {
    case GJ_NULL:
        pl_config_free(c); /* a nil map */
        return SGN_OK;
    case GJ_OBJECT:
        break;
    default:
        return SGN_EINVALID;
    }
    c->set = 1; /* decoding into an existing map adds to it, as Go does */
    gj_iter_init(&it, v);
    while (rc == SGN_OK && gj_next_member(&it, &k, &e)) {
        pl_cfg_value *slot;
        if (gj_kind_of(e) == GJ_STRING)
            rc = gj_unquote(&val, e, NULL);
        else if (gj_kind_of(e) == GJ_NULL)
            val.len = 0;
        else
            rc = SGN_EINVALID;
        if (rc == SGN_OK)
            rc = gj_unquote(&key, k, NULL);
        if (rc != SGN_OK)
            break;
        c->n_keys++;
        if ((slot = config_slot(c, &key)) != NULL) {
            slot->present = 1;
            slot->value.len = 0;
            rc = sgn_buf_append(&slot->value, val.data ? (const void *)val.data : "", val.len,
                                NULL);
        }
    }
    sgn_buf_free(&key);
    sgn_buf_free(&val);
    return rc;
}

const char *pl_config_get(const pl_cfg_value *v)
{
    if (!v->present || v->value.len == 0)
        return NULL;
    return sgn_buf_cstr(&v->value);
}
