/* The Notation plugin protocol: stdin, stdout, stderr and requests (see protocol.h).
 *
 * Requests are parsed with cJSON (cJSON_ParseWithLengthOpts: the first value counts, what follows
 * is ignored, as with Go's Decoder.Decode) and decoded with Go's encoding/json rules where cJSON
 * allows: member names match fields ignoring ASCII case, every matching member is decoded in
 * order (the last wins, any bad one fails), null leaves a value at its zero/previous value, and a
 * JSON type the Go field cannot take is a decode error. Before decoding, the parsed text is
 * checked for what cJSON would otherwise get silently wrong or let through where Go refuses:
 *   - raw control characters (bytes below 0x20 other than tab, LF and CR), which Go's scanner
 *     rejects and which would cut a cJSON string short when NUL;
 *   - a "\u0000" escape anywhere in the value: cJSON strings end at NUL, so rather than decode a
 *     truncated string the whole request is refused (an escape is real when an odd number of
 *     backslashes precede "u0000"; every backslash in text cJSON parsed lies inside a string);
 *   - a UTF-8 byte order mark, which cJSON skips and Go does not.
 * Accepted differences from Go:
 *   - cJSON's grammar is laxer on numbers (leading zeros, "1."), and numbers are doubles: an
 *     integer field takes "1e2" as 100 and values near 2^64 round; numbers longer than 63
 *     characters do not parse;
 *   - nesting is limited to CJSON_NESTING_LIMIT (1000) instead of Go's 10000; deeper input is a
 *     clean "Input is not a valid JSON";
 *   - a lone UTF-16 surrogate escape is a parse error (Go substitutes U+FFFD), invalid UTF-8 is
 *     passed through rather than replaced with U+FFFD (error messages still print it as U+FFFD),
 *     and "\u0000" is refused (Go keeps NUL);
 *   - member names fold ASCII case only (not Go's U+212A, U+017F, U+0130, U+0131 folds);
 *   - times are read from the decoded string, so an escaped character in a time is accepted
 *     (Go parses the raw bytes between the quotes). */
#include "protocol.h"

#include <errno.h>
#include <fcntl.h>
#include <math.h>
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
    io->out_closed = 0;
    for (fd = 0; fd <= 2; fd++) {
        if (fcntl(fd, F_GETFD) < 0 && errno == EBADF) {
            int n = open("/dev/null", fd == 0 ? O_RDONLY : O_WRONLY);
            if (fd == 1)
                io->out_closed = 1;
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

/* Redact every string of a response in place (a revocation reason may quote an AWS message). */
static int redact_tree(cJSON *j, const sgn_secrets *secrets)
{
    sgn_buf b = SGN_BUF_INIT;
    cJSON *c;
    int rc = SGN_OK;

    if (secrets == NULL || secrets->n == 0 || j == NULL)
        return SGN_OK;
    if (cJSON_IsString(j) && j->valuestring != NULL) {
        size_t n = strlen(j->valuestring);
        if ((rc = sgn_redact(&b, secrets, j->valuestring, n, NULL)) == SGN_OK &&
            (b.len != n || memcmp(b.data, j->valuestring, n) != 0) &&
            cJSON_SetValuestring(j, sgn_buf_cstr(&b)) == NULL)
            rc = SGN_ENOMEM;
        sgn_buf_free(&b);
        return rc;
    }
    if (j->string != NULL) {
        size_t n = strlen(j->string);
        if ((rc = sgn_redact(&b, secrets, j->string, n, NULL)) == SGN_OK &&
            (b.len != n || memcmp(b.data, j->string, n) != 0)) {
            char *k = strdup(sgn_buf_cstr(&b));
            if (k == NULL || (j->type & cJSON_StringIsConst)) {
                free(k);
                rc = SGN_ENOMEM;
            } else {
                cJSON_free(j->string);
                j->string = k;
            }
        }
        sgn_buf_free(&b);
        if (rc < 0)
            return rc;
    }
    for (c = j->child; c != NULL && rc == SGN_OK; c = c->next)
        rc = redact_tree(c, secrets);
    return rc;
}

/* {"errorCode":..., "errorMessage":...} for code and msg (redacted) on stderr. */
static void write_error(const pl_io *io, int code_in, const unsigned char *msg, size_t msg_len,
                        const sgn_secrets *secrets)
{
    sgn_buf b = SGN_BUF_INIT, clean = SGN_BUF_INIT;
    const char *code = pl_error_code(code_in);
    int ok;

    if (sgn_redact(&clean, secrets, msg, msg_len, NULL) < 0) {
        static const char m[] = "Failed to generate response. Error: out of memory";
        clean.len = 0;
        (void)sgn_buf_append(&clean, m, sizeof(m) - 1, NULL);
        code = pl_error_code(SGN_ENOMEM);
    }
    ok = sgn_buf_puts(&b, "{\"errorCode\":", NULL) == SGN_OK &&
         append_go_json_string(&b, (const unsigned char *)code, strlen(code)) == 0;
    if (ok && clean.len > 0)
        ok = sgn_buf_puts(&b, ",\"errorMessage\":", NULL) == SGN_OK &&
             append_go_json_string(&b, clean.data, clean.len) == 0;
    if (ok && sgn_buf_puts(&b, "}", NULL) == SGN_OK)
        (void)write_all(io->err_fd, (const char *)b.data, b.len); /* nowhere left to report to */
    sgn_buf_clear_free(&clean);
    sgn_buf_free(&b);
}

int pl_write_result(const pl_io *io, const pl_result *r, const sgn_secrets *secrets)
{
    static const char oom[] = "Failed to generate response. Error: out of memory";
    char why[256];
    const char *out = NULL;
    char *json = NULL;
    int werr = 0;

    if (r->code != 0) {
        write_error(io, r->code, r->msg.data, r->msg.len, secrets);
        return 1;
    }
    if (r->text != NULL) {
        out = r->text;
    } else if (r->json != NULL && redact_tree(r->json, secrets) == SGN_OK &&
               (json = cJSON_PrintUnformatted(r->json)) != NULL) {
        out = json;
    } else {
        /* the response could not be serialised */
        write_error(io, SGN_EINTERNAL, (const unsigned char *)oom, sizeof(oom) - 1, secrets);
        return 1;
    }
    if (io->out_closed)
        werr = EBADF;
    else if (write_all(io->out_fd, out, strlen(out)) < 0)
        werr = errno;
    cJSON_free(json);
    if (werr == 0)
        return 0;
    snprintf(why, sizeof(why), "Failed to write the response to stdout: %s",
             werr == EBADF ? "stdout is closed" : strerror(werr));
    write_error(io, SGN_EIO, (const unsigned char *)why, strlen(why), secrets);
    return 1;
}

/* --- requests ---------------------------------------------------------------------------- */

/* Refuse what cJSON accepts or mangles in text it parsed (see the comment at the top). */
static int check_parsed_text(const char *p, size_t n)
{
    size_t i, k;

    if (n >= 3 && memcmp(p, "\xEF\xBB\xBF", 3) == 0)
        return SGN_EINVALID;
    for (i = 0; i < n; i++) {
        unsigned char c = (unsigned char)p[i];
        if (c < 0x20 && c != '\t' && c != '\n' && c != '\r')
            return SGN_EINVALID;
        if (c == '\\' && n - i >= 6 && memcmp(p + i + 1, "u0000", 5) == 0) {
            for (k = 0; k < i && p[i - 1 - k] == '\\'; k++)
                ;
            if (k % 2 == 0) /* this backslash starts an escape */
                return SGN_EINVALID;
        }
    }
    return SGN_OK;
}

int pl_read_request(cJSON **root, pl_result *r)
{
    sgn_buf raw = SGN_BUF_INIT;
    sgn_error err = SGN_ERROR_INIT;
    const char *end = NULL;
    cJSON *v = NULL;
    int rc;

    *root = NULL;
    if (sgn_read_fd(&raw, 0, PL_MAX_REQUEST, &err) < 0) {
        if (err.code == SGN_EINVALID)
            rc = pl_fail(r, SGN_EINVALID,
                         "Input is too large: a request may be at most 64 MiB (%zu bytes)",
                         PL_MAX_REQUEST);
        else
            rc = pl_fail(r, SGN_EINVALID, "%s", PL_MSG_MALFORMED);
        goto out;
    }
    if (raw.len == 0 ||
        (v = cJSON_ParseWithLengthOpts((const char *)raw.data, raw.len, &end, 0)) == NULL ||
        check_parsed_text((const char *)raw.data, (size_t)(end - (const char *)raw.data)) < 0 ||
        !(cJSON_IsObject(v) || cJSON_IsNull(v))) { /* Go decodes nothing else into a struct */
        rc = pl_fail(r, SGN_EINVALID, "%s", PL_MSG_MALFORMED);
        goto out;
    }
    *root = v;
    v = NULL;
    rc = SGN_OK;
out:
    cJSON_Delete(v);
    sgn_buf_free(&raw);
    return rc;
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

int pl_fail_quoted(pl_result *r, int code, const char *prefix, sgn_span s, const char *suffix)
{
    char *q = pl_quote(s);
    int rc;

    if (q == NULL)
        return pl_fail(r, SGN_ENOMEM, "out of memory");
    rc = pl_fail(r, code, "%s%s%s", prefix, q, suffix);
    free(q);
    return rc;
}

int pl_check_contract(pl_result *r, sgn_span v)
{
    if (sgn_span_eq(v, SGN_CONTRACT_VERSION))
        return SGN_OK;
    return pl_fail_quoted(r, SGN_ECONTRACT, "", v,
                          " is not a supported notary plugin contract version");
}

sgn_span pl_span(const sgn_buf *b)
{
    sgn_span s = {sgn_buf_cstr(b), b->len};
    return s;
}

/* Go's field matching without its non-ASCII folds: equal ignoring ASCII case. */
static int key_matches(const char *key, const char *name)
{
    for (; *key != '\0' && *name != '\0'; key++, name++) {
        char a = *key, b = *name;
        if (a >= 'A' && a <= 'Z')
            a = (char)(a - 'A' + 'a');
        if (b >= 'A' && b <= 'Z')
            b = (char)(b - 'A' + 'a');
        if (a != b)
            return 0;
    }
    return *key == '\0' && *name == '\0';
}

int pl_decode_struct(void *base, const pl_field *fields, size_t n_fields, const cJSON *v)
{
    const cJSON *m;
    int rc = SGN_OK;

    if (cJSON_IsNull(v))
        return SGN_OK;
    if (!cJSON_IsObject(v))
        return SGN_EINVALID;
    for (m = v->child; rc == SGN_OK && m != NULL; m = m->next) {
        size_t i;
        for (i = 0; i < n_fields; i++) {
            if (key_matches(m->string, fields[i].name)) {
                rc = fields[i].decode((char *)base + fields[i].offset, m);
                break;
            }
        }
    }
    return rc;
}

/* Replace s with the string value v (cJSON strings hold no NUL: pl_read_request refuses them). */
static int set_string(sgn_buf *s, const cJSON *v)
{
    s->len = 0;
    return sgn_buf_puts(s, v->valuestring, NULL);
}

int pl_decode_string(void *target, const cJSON *v)
{
    if (cJSON_IsNull(v))
        return SGN_OK; /* Go leaves a string unchanged for null */
    if (!cJSON_IsString(v))
        return SGN_EINVALID;
    return set_string(target, v);
}

/* A non-negative integral JSON number no larger than max. Go's strconv.ParseUint wants digits
 * only; cJSON's numbers are doubles, so "1e2" passes as 100 and integers above 2^53 are rounded
 * (a negative zero is still refused by its sign). */
static int number_is_uint(const cJSON *v, double max)
{
    double d = v->valuedouble;

    return cJSON_IsNumber(v) && isfinite(d) && !signbit(d) && floor(d) == d && d <= max;
}

int pl_decode_uint64(void *target, const cJSON *v)
{
    static const double two64 = 18446744073709551616.0; /* UINT64_MAX rounds to this */
    uint64_t *out = target;

    if (cJSON_IsNull(v))
        return SGN_OK;
    if (!number_is_uint(v, two64))
        return SGN_EINVALID;
    *out = v->valuedouble >= two64 ? UINT64_MAX : (uint64_t)v->valuedouble;
    return SGN_OK;
}

static void bytes_reset(pl_bytes *b)
{
    free(b->data);
    b->data = NULL;
    b->len = 0;
    b->set = 0;
}

/* A JSON array into []byte: each element a uint8 number (null is 0). */
static int bytes_from_array(pl_bytes *b, const cJSON *v)
{
    const cJSON *e;
    size_t n = 0, cap = (size_t)cJSON_GetArraySize(v);
    unsigned char *data = malloc(cap > 0 ? cap : 1);

    if (data == NULL)
        return SGN_ENOMEM;
    for (e = v->child; e != NULL; e = e->next) {
        if (!cJSON_IsNull(e) && !number_is_uint(e, 255)) {
            free(data);
            return SGN_EINVALID;
        }
        data[n++] = cJSON_IsNull(e) ? 0 : (unsigned char)e->valuedouble;
    }
    bytes_reset(b);
    b->data = data;
    b->len = n;
    b->set = 1;
    return SGN_OK;
}

int pl_decode_bytes(void *target, const cJSON *v)
{
    pl_bytes *b = target;
    unsigned char *data = NULL;
    size_t len = 0;

    if (cJSON_IsNull(v)) {
        bytes_reset(b);
        return SGN_OK;
    }
    if (cJSON_IsArray(v))
        return bytes_from_array(b, v);
    if (!cJSON_IsString(v))
        return SGN_EINVALID;
    if (sgn_b64_decode(&data, &len, v->valuestring, strlen(v->valuestring), NULL) < 0)
        return SGN_EINVALID;
    bytes_reset(b);
    b->data = data;
    b->len = len;
    b->set = 1;
    return SGN_OK;
}

int pl_decode_time(void *target, const cJSON *v)
{
    pl_time *t = target;
    const char *s;
    size_t i;

    if (cJSON_IsNull(v)) {
        t->set = 0;
        return SGN_OK;
    }
    if (!cJSON_IsString(v))
        return SGN_EINVALID; /* Time.UnmarshalJSON: input is not a JSON string */
    /* Go's strict RFC 3339 parser: upper-case 'T' and 'Z', '.' before fractions */
    s = v->valuestring;
    for (i = 0; s[i] != '\0'; i++) {
        char c = s[i];
        if (i >= 63 || !((c >= '0' && c <= '9') || c == '-' || c == ':' || c == 'T' ||
                         c == '.' || c == 'Z' || c == '+'))
            return SGN_EINVALID;
    }
    if (sgn_time_parse_rfc3339(&t->sec, &t->nsec, s, NULL) < 0)
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

static int strlist_push(pl_strlist *l, const char *s)
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
    l->len[l->n] = strlen(s);
    l->n++;
    return sgn_buf_puts(&l->arena, s, NULL);
}

static int decode_strlist(pl_strlist *l, const cJSON *v, int keep)
{
    const cJSON *e;
    int rc = SGN_OK;

    if (cJSON_IsNull(v)) {
        if (keep)
            pl_strlist_free(l);
        l->set = 0;
        return SGN_OK;
    }
    if (!cJSON_IsArray(v))
        return SGN_EINVALID;
    if (keep) {
        l->n = 0;
        l->arena.len = 0;
    }
    for (e = v->child; rc == SGN_OK && e != NULL; e = e->next) {
        if (!cJSON_IsString(e) && !cJSON_IsNull(e))
            rc = SGN_EINVALID;
        else if (keep) /* a null element is the zero value "" */
            rc = strlist_push(l, cJSON_IsString(e) ? e->valuestring : "");
    }
    l->set = 1;
    return rc;
}

int pl_decode_strlist(void *target, const cJSON *v)
{
    return decode_strlist(target, v, 1);
}

int pl_decode_strlist_nilness(void *target, const cJSON *v)
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

int pl_decode_byteslist(void *target, const cJSON *v)
{
    pl_byteslist *l = target;
    const cJSON *e;
    size_t n = 0;
    int rc = SGN_OK;

    if (cJSON_IsNull(v)) {
        pl_byteslist_free(l);
        return SGN_OK;
    }
    if (!cJSON_IsArray(v))
        return SGN_EINVALID;
    pl_byteslist_free(l);
    l->set = 1;
    for (e = v->child; e != NULL; e = e->next)
        n++;
    if (n > 0 && (l->items = calloc(n, sizeof(*l->items))) == NULL)
        return SGN_ENOMEM;
    for (e = v->child; rc == SGN_OK && e != NULL; e = e->next)
        rc = pl_decode_bytes(&l->items[l->n++], e);
    return rc;
}

void pl_config_free(pl_config *c)
{
    sgn_buf_free(&c->local_store.value);
    sgn_buf_free(&c->aws_region.value);
    sgn_buf_free(&c->aws_profile.value);
    sgn_buf_free(&c->endpoint_url.value);
    sgn_buf_free(&c->timeout_ms.value);
    sgn_buf_free(&c->connect_timeout_ms.value);
    memset(c, 0, sizeof(*c));
}

static pl_cfg_value *config_slot(pl_config *c, const char *key)
{
    if (strcmp(key, PL_CFG_LOCAL_STORE) == 0)
        return &c->local_store;
    if (strcmp(key, PL_CFG_AWS_REGION) == 0)
        return &c->aws_region;
    if (strcmp(key, PL_CFG_AWS_PROFILE) == 0)
        return &c->aws_profile;
    if (strcmp(key, PL_CFG_ENDPOINT_URL) == 0)
        return &c->endpoint_url;
    if (strcmp(key, PL_CFG_TIMEOUT_MS) == 0)
        return &c->timeout_ms;
    if (strcmp(key, PL_CFG_CONNECT_TIMEOUT_MS) == 0)
        return &c->connect_timeout_ms;
    return NULL;
}

int pl_decode_config(void *target, const cJSON *v)
{
    pl_config *c = target;
    const cJSON *m;
    int rc = SGN_OK;

    if (cJSON_IsNull(v)) {
        pl_config_free(c); /* a nil map */
        return SGN_OK;
    }
    if (!cJSON_IsObject(v))
        return SGN_EINVALID;
    c->set = 1; /* decoding into an existing map adds to it, as Go does */
    for (m = v->child; rc == SGN_OK && m != NULL; m = m->next) {
        pl_cfg_value *slot;
        if (!cJSON_IsString(m) && !cJSON_IsNull(m))
            return SGN_EINVALID;
        c->n_keys++;
        if ((slot = config_slot(c, m->string)) != NULL) {
            slot->present = 1;
            slot->value.len = 0;
            if (cJSON_IsString(m)) /* null: the zero value "" */
                rc = set_string(&slot->value, m);
        }
    }
    return rc;
}

const char *pl_config_get(const pl_cfg_value *v)
{
    if (!v->present || v->value.len == 0)
        return NULL;
    return sgn_buf_cstr(&v->value);
}
