/* What the SigV4 unit tests share: the aws-c-auth suite's raw requests (request.txt and
 * header-signed-request.txt) parsed into method, path, query, headers and body. */
#include "sigv4_fixture.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <check.h>

#include "sgn/buf.h"
#include "sgn/util.h"

void raw_request_free(raw_request *r)
{
    size_t i;

    free(r->method);
    free(r->path);
    free(r->query);
    for (i = 0; i < r->n_headers; i++) {
        free(r->headers[i].key);
        free(r->headers[i].value);
    }
    free(r->headers);
    free(r->body);
    memset(r, 0, sizeof(*r));
}

char *xstrndup(const char *s, size_t n)
{
    char *p = malloc(n + 1);

    ck_assert_ptr_nonnull(p);
    memcpy(p, s, n);
    p[n] = '\0';
    return p;
}

/* Parse request.txt: request line (the target may hold spaces: "GET /example space/ HTTP/1.1"),
 * header lines, continuation lines starting with SP/HTAB folded into the previous value with one
 * space, then a blank line and the body. Returns 0, or -1 with why set. */
int parse_request(raw_request *r, const char *text, size_t len, const char **why)
{
    const char *p = text, *end = text + len, *eol, *sp1, *sp2, *q;
    size_t cap = 8;

    memset(r, 0, sizeof(*r));
    eol = memchr(p, '\n', (size_t)(end - p));
    if (eol == NULL)
        eol = end;
    sp1 = memchr(p, ' ', (size_t)(eol - p));
    for (sp2 = eol; sp2 > p && sp2[-1] != ' '; sp2--)
        ;
    if (sp1 == NULL || sp2 <= sp1 + 1) {
        *why = "bad request line";
        return -1;
    }
    sp2--; /* the space before HTTP/1.1 */
    r->method = xstrndup(p, (size_t)(sp1 - p));
    q = memchr(sp1 + 1, '?', (size_t)(sp2 - sp1 - 1));
    if (q != NULL) {
        r->path = xstrndup(sp1 + 1, (size_t)(q - sp1 - 1));
        r->query = xstrndup(q + 1, (size_t)(sp2 - q - 1));
    } else {
        r->path = xstrndup(sp1 + 1, (size_t)(sp2 - sp1 - 1));
    }
    r->headers = calloc(cap, sizeof(*r->headers));
    ck_assert_ptr_nonnull(r->headers);
    p = eol < end ? eol + 1 : end;
    while (p < end) {
        const char *colon;
        size_t n;

        eol = memchr(p, '\n', (size_t)(end - p));
        if (eol == NULL)
            eol = end;
        n = (size_t)(eol - p);
        if (n > 0 && p[n - 1] == '\r')
            n--;
        if (n == 0) { /* blank line: the body follows */
            p = eol < end ? eol + 1 : end;
            break;
        }
        if (p[0] == ' ' || p[0] == '\t') {
            sgn_kv *last;
            size_t old;

            if (r->n_headers == 0) {
                *why = "continuation line before any header";
                return -1;
            }
            last = &r->headers[r->n_headers - 1];
            old = strlen(last->value);
            last->value = realloc(last->value, old + n + 2);
            ck_assert_ptr_nonnull(last->value);
            last->value[old] = ' ';
            memcpy(last->value + old + 1, p, n);
            last->value[old + 1 + n] = '\0';
        } else {
            if ((colon = memchr(p, ':', n)) == NULL) {
                *why = "header line without a colon";
                return -1;
            }
            if (r->n_headers == cap) {
                cap *= 2;
                r->headers = realloc(r->headers, cap * sizeof(*r->headers));
                ck_assert_ptr_nonnull(r->headers);
            }
            r->headers[r->n_headers].key = xstrndup(p, (size_t)(colon - p));
            r->headers[r->n_headers].value = xstrndup(colon + 1, (size_t)(p + n - colon - 1));
            r->n_headers++;
        }
        p = eol < end ? eol + 1 : end;
    }
    r->body_len = (size_t)(end - p);
    r->body = (unsigned char *)xstrndup(p, r->body_len);
    return 0;
}

/* dir/name into out (which holds 4096 bytes); fails the test if it does not fit. */
void join(char out[4096], const char *dir, const char *name)
{
    int n = snprintf(out, 4096, "%s/%s", dir, name);

    ck_assert_msg(n > 0 && n < 4096, "path too long: %s/%s", dir, name);
}

char *read_text(const char *dir, const char *name, size_t *len)
{
    char path[4096];
    sgn_buf b = SGN_BUF_INIT;
    sgn_error err = SGN_ERROR_INIT;

    join(path, dir, name);
    if (sgn_read_file(&b, path, 1u << 20, &err) < 0)
        return NULL;
    return sgn_buf_detach(&b, len);
}

void rstrip(char *s)
{
    size_t n = strlen(s);

    while (n > 0 && (s[n - 1] == '\n' || s[n - 1] == '\r' || s[n - 1] == ' '))
        s[--n] = '\0';
}

/* The value of the first "Name:" line of a signed request (NULL if absent). */
char *signed_header(const char *text, const char *name)
{
    size_t nl = strlen(name);
    const char *p = text;

    while (p != NULL && *p) {
        const char *eol = strchr(p, '\n');
        size_t n = eol ? (size_t)(eol - p) : strlen(p);

        if (n > nl && strncasecmp(p, name, nl) == 0 && p[nl] == ':') {
            char *v = xstrndup(p + nl + 1, n - nl - 1);

            rstrip(v);
            return v;
        }
        p = eol ? eol + 1 : NULL;
    }
    return NULL;
}

