/* AWS error responses (rest-json for Signer, query XML for STS) and the small XML reader that
 * STS and IMDS answers need.
 *
 * Why sgn_xml_text is not an XML parser: none of the approved dependencies parses XML, and the
 * documents read here are flat, machine-written answers of a known shape (STS's
 * <ErrorResponse><Error><Code>, <AssumeRoleWithWebIdentityResult><Credentials><SessionToken>).
 * So it does the least that reads those correctly and refuses everything else: no DOCTYPE (no
 * entity definitions, so no expansion attacks), no CDATA or nested markup inside the value,
 * only the five predefined entities and numeric references. Anything unexpected is
 * SGN_EINVALID rather than a guess. */
#include "sgn/aws_http.h"

#include <ctype.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <cjson/cJSON.h>

#include "sgn/buf.h"

/* ---- XML ---- */

static const char *find_mem(const char *p, const char *end, const char *needle)
{
    size_t n = strlen(needle);

    for (; p + n <= end; p++)
        if (memcmp(p, needle, n) == 0)
            return p;
    return NULL;
}

static int has_doctype(const char *doc, size_t len)
{
    static const char dt[] = "<!doctype";

    for (size_t i = 0; i + sizeof(dt) - 1 <= len; i++)
        if (strncasecmp(doc + i, dt, sizeof(dt) - 1) == 0)
            return 1;
    return 0;
}

static int is_name_char(char c)
{
    return isalnum((unsigned char)c) || c == ':' || c == '_' || c == '-' || c == '.';
}

/* The end of a tag starting at p ('<' already consumed), skipping quoted attribute values:
 * points at the '>' or is NULL. */
static const char *tag_end(const char *p, const char *end)
{
    char quote = 0;

    for (; p < end; p++) {
        if (quote) {
            if (*p == quote)
                quote = 0;
        } else if (*p == '"' || *p == '\'') {
            quote = *p;
        } else if (*p == '<') {
            return NULL;
        } else if (*p == '>') {
            return p;
        }
    }
    return NULL;
}

static int utf8_put(sgn_buf *b, unsigned long cp, sgn_error *err)
{
    unsigned char u[4];
    size_t n;

    if (cp < 0x80) {
        u[0] = (unsigned char)cp;
        n = 1;
    } else if (cp < 0x800) {
        u[0] = (unsigned char)(0xc0 | (cp >> 6));
        u[1] = (unsigned char)(0x80 | (cp & 0x3f));
        n = 2;
    } else if (cp < 0x10000) {
        u[0] = (unsigned char)(0xe0 | (cp >> 12));
        u[1] = (unsigned char)(0x80 | ((cp >> 6) & 0x3f));
        u[2] = (unsigned char)(0x80 | (cp & 0x3f));
        n = 3;
    } else {
        u[0] = (unsigned char)(0xf0 | (cp >> 18));
        u[1] = (unsigned char)(0x80 | ((cp >> 12) & 0x3f));
        u[2] = (unsigned char)(0x80 | ((cp >> 6) & 0x3f));
        u[3] = (unsigned char)(0x80 | (cp & 0x3f));
        n = 4;
    }
    return sgn_buf_append(b, u, n, err);
}

/* Decode the character data [p, end) into b: predefined entities and numeric references. */
static int decode_text(sgn_buf *b, const char *p, const char *end, const char *name,
                       sgn_error *err)
{
    int rc;

    while (p < end) {
        const char *semi;
        size_t n;

        if (*p == '\0')
            return sgn_error_set(err, SGN_EINVALID, "XML element <%s> holds a NUL byte", name);
        if (*p != '&') {
            const char *amp = memchr(p, '&', (size_t)(end - p));
            const char *stop = amp ? amp : end;
            if (memchr(p, '\0', (size_t)(stop - p)) != NULL)
                return sgn_error_set(err, SGN_EINVALID, "XML element <%s> holds a NUL byte",
                                     name);
            if ((rc = sgn_buf_append(b, p, (size_t)(stop - p), err)) < 0)
                return rc;
            p = stop;
            continue;
        }
        semi = memchr(p, ';', (size_t)(end - p) < 12 ? (size_t)(end - p) : 12);
        if (semi == NULL)
            return sgn_error_set(err, SGN_EINVALID,
                                 "unterminated character reference in XML element <%s>", name);
        n = (size_t)(semi - p) - 1; /* between '&' and ';' */
        if (n == 2 && memcmp(p + 1, "lt", 2) == 0)
            rc = sgn_buf_puts(b, "<", err);
        else if (n == 2 && memcmp(p + 1, "gt", 2) == 0)
            rc = sgn_buf_puts(b, ">", err);
        else if (n == 3 && memcmp(p + 1, "amp", 3) == 0)
            rc = sgn_buf_puts(b, "&", err);
        else if (n == 4 && memcmp(p + 1, "quot", 4) == 0)
            rc = sgn_buf_puts(b, "\"", err);
        else if (n == 4 && memcmp(p + 1, "apos", 4) == 0)
            rc = sgn_buf_puts(b, "'", err);
        else if (n >= 2 && p[1] == '#') {
            int hex = p[2] == 'x';
            const char *d = p + (hex ? 3 : 2);
            unsigned long cp = 0;
            if (d == semi)
                return sgn_error_set(err, SGN_EINVALID,
                                     "empty character reference in XML element <%s>", name);
            for (; d < semi; d++) {
                int v;
                if (*d >= '0' && *d <= '9')
                    v = *d - '0';
                else if (hex && *d >= 'a' && *d <= 'f')
                    v = *d - 'a' + 10;
                else if (hex && *d >= 'A' && *d <= 'F')
                    v = *d - 'A' + 10;
                else
                    return sgn_error_set(err, SGN_EINVALID,
                                         "bad character reference in XML element <%s>", name);
                cp = cp * (hex ? 16 : 10) + (unsigned long)v;
                if (cp > 0x10ffff)
                    break;
            }
            if (cp == 0 || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
                return sgn_error_set(err, SGN_EINVALID,
                                     "character reference out of range in XML element <%s>",
                                     name);
            rc = utf8_put(b, cp, err);
        } else {
            return sgn_error_set(err, SGN_EINVALID, "unknown entity in XML element <%s>", name);
        }
        if (rc < 0)
            return rc;
        p = semi + 1;
    }
    return SGN_OK;
}

/* Local part of a qualified name [p, p+n): after the last ':'. */
static int name_is(const char *p, size_t n, const char *want)
{
    size_t wl = strlen(want);
    const char *colon;

    if (strchr(want, ':') == NULL) {
        for (colon = p + n; colon > p && colon[-1] != ':'; colon--)
            ;
        n -= (size_t)(colon - p);
        p = colon;
    }
    return n == wl && memcmp(p, want, n) == 0;
}

int sgn_xml_text(char **out, const char *doc, size_t len, const char *name, sgn_error *err)
{
    const char *p = doc, *end = doc + len;
    sgn_buf b = SGN_BUF_INIT;
    int rc;

    *out = NULL;
    if (doc == NULL || name == NULL || name[0] == '\0')
        return sgn_error_set(err, SGN_EINVALID, "no XML document or element name");
    if (has_doctype(doc, len))
        return sgn_error_set(err, SGN_EINVALID, "XML document with a DOCTYPE is not accepted");

    while ((p = memchr(p, '<', (size_t)(end - p))) != NULL) {
        const char *q, *gt, *nm, *vstart, *close;
        size_t nlen;

        if (end - p >= 2 && p[1] == '?') {
            if ((q = find_mem(p + 2, end, "?>")) == NULL)
                return sgn_error_set(err, SGN_EINVALID, "unterminated XML declaration");
            p = q + 2;
            continue;
        }
        if (end - p >= 4 && memcmp(p, "<!--", 4) == 0) {
            if ((q = find_mem(p + 4, end, "-->")) == NULL)
                return sgn_error_set(err, SGN_EINVALID, "unterminated XML comment");
            p = q + 3;
            continue;
        }
        if (end - p >= 9 && memcmp(p, "<![CDATA[", 9) == 0) {
            if ((q = find_mem(p + 9, end, "]]>")) == NULL)
                return sgn_error_set(err, SGN_EINVALID, "unterminated CDATA section");
            p = q + 3;
            continue;
        }
        if (end - p >= 2 && p[1] == '!')
            return sgn_error_set(err, SGN_EINVALID, "unsupported XML markup \"<!\"");
        if ((gt = tag_end(p + 1, end)) == NULL)
            return sgn_error_set(err, SGN_EINVALID, "unterminated XML tag");
        if (end - p >= 2 && p[1] == '/') {
            p = gt + 1;
            continue;
        }
        nm = p + 1;
        for (q = nm; q < gt && is_name_char(*q); q++)
            ;
        nlen = (size_t)(q - nm);
        if (nlen == 0 || (q < gt && *q != '/' && !isspace((unsigned char)*q)))
            return sgn_error_set(err, SGN_EINVALID, "malformed XML start tag");
        if (!name_is(nm, nlen, name)) {
            p = gt + 1;
            continue;
        }
        if (gt[-1] == '/') { /* <name/> */
            if ((rc = sgn_buf_reserve(&b, 0, err)) < 0)
                return rc;
            b.data[0] = '\0';
            *out = sgn_buf_detach(&b, NULL);
            return SGN_OK;
        }
        vstart = gt + 1;
        close = memchr(vstart, '<', (size_t)(end - vstart));
        if (close == NULL)
            return sgn_error_set(err, SGN_EINVALID, "XML element <%s> is not closed", name);
        /* the value must end at the matching end tag: </qname> with optional spaces */
        q = close + 2;
        if (end - close < 2 || close[1] != '/' || (size_t)(end - q) < nlen ||
            memcmp(q, nm, nlen) != 0)
            return sgn_error_set(err, SGN_EINVALID,
                                 "XML element <%s> holds markup; only text is accepted", name);
        q += nlen;
        while (q < end && isspace((unsigned char)*q))
            q++;
        if (q >= end || *q != '>')
            return sgn_error_set(err, SGN_EINVALID, "malformed end tag of XML element <%s>",
                                 name);
        if ((rc = decode_text(&b, vstart, close, name, err)) < 0 ||
            (rc = sgn_buf_reserve(&b, 0, err)) < 0) {
            sgn_buf_clear_free(&b);
            return rc;
        }
        b.data[b.len] = '\0';
        *out = sgn_buf_detach(&b, NULL);
        return SGN_OK;
    }
    return sgn_error_set(err, SGN_ENOTFOUND, "XML element <%s> not found", name);
}

/* ---- error responses ---- */

/* Copy a value into a fixed field: truncated, control characters replaced by spaces (the text
 * ends up in error messages and log lines). */
static void set_field(char *dst, size_t cap, const char *src, size_t n)
{
    size_t i;

    if (n > cap - 1)
        n = cap - 1;
    for (i = 0; i < n; i++) {
        unsigned char c = (unsigned char)src[i];
        dst[i] = (char)(c < 0x20 || c == 0x7f ? ' ' : c);
    }
    dst[i] = '\0';
}

/* "aws.protocoltests#FooError:http://internal..." -> "FooError" (Smithy's sanitisation). */
static void set_code(sgn_aws_api_error *out, const char *v)
{
    const char *colon, *hash;
    size_t n;

    if (v == NULL || out->code[0] != '\0')
        return;
    colon = strchr(v, ':');
    n = colon ? (size_t)(colon - v) : strlen(v);
    for (hash = v + n; hash > v && hash[-1] != '#'; hash--)
        ;
    n -= (size_t)(hash - v);
    while (n > 0 && isspace((unsigned char)hash[0])) {
        hash++;
        n--;
    }
    while (n > 0 && isspace((unsigned char)hash[n - 1]))
        n--;
    set_field(out->code, sizeof(out->code), hash, n);
}

static const char *json_string(const cJSON *o, const char *key)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);

    return cJSON_IsString(v) && v->valuestring != NULL ? v->valuestring : NULL;
}

static void parse_json(sgn_aws_api_error *out, const char *body, size_t len)
{
    cJSON *j = cJSON_ParseWithLength(body, len);
    const char *v;

    if (!cJSON_IsObject(j)) {
        cJSON_Delete(j);
        return;
    }
    if ((v = json_string(j, "code")) != NULL && v[0] != '\0')
        set_code(out, v);
    if ((v = json_string(j, "__type")) != NULL && v[0] != '\0')
        set_code(out, v);
    if ((v = json_string(j, "message")) == NULL || v[0] == '\0')
        v = json_string(j, "Message");
    if (v != NULL)
        set_field(out->message, sizeof(out->message), v, strlen(v));
    cJSON_Delete(j);
}

static void xml_field(char *dst, size_t cap, const char *body, size_t len, const char *name)
{
    char *v = NULL;

    if (sgn_xml_text(&v, body, len, name, NULL) == SGN_OK) {
        set_field(dst, cap, v, strlen(v));
        free(v);
    }
}

/* Whether an XML document's root element is an AWS error: <ErrorResponse> (awsQuery: STS) or
 * <Error> (restXml without wrapping). An HTML page from a proxy is not, even if it happens to
 * hold a <Code> or <Message> element. */
static int xml_root_is_error(const char *p, const char *end)
{
    const char *q;
    size_t n;

    for (;;) {
        while (p < end && isspace((unsigned char)*p))
            p++;
        if (p >= end || *p != '<')
            return 0;
        if (end - p >= 2 && p[1] == '?' && (q = find_mem(p + 2, end, "?>")) != NULL) {
            p = q + 2;
            continue;
        }
        if (end - p >= 4 && memcmp(p, "<!--", 4) == 0 &&
            (q = find_mem(p + 4, end, "-->")) != NULL) {
            p = q + 3;
            continue;
        }
        break;
    }
    for (q = p + 1; q < end && is_name_char(*q); q++)
        ;
    n = (size_t)(q - (p + 1));
    return name_is(p + 1, n, "ErrorResponse") || name_is(p + 1, n, "Error");
}

/* AWS answers a signature mismatch with the canonical request and the string to sign it
 * expected, which quote every signed header: x-amz-security-token among them. Only the text
 * before them is kept ("The request signature we calculated does not match ... for details."). */
static void drop_signing_details(char *msg)
{
    static const char *const starts[] = {
        "the canonical string for this request",
        "the string-to-sign should have been",
    };
    size_t n = strlen(msg), cut = n;

    for (size_t k = 0; k < sizeof(starts) / sizeof(starts[0]); k++) {
        size_t sl = strlen(starts[k]);
        for (size_t i = 0; i + sl <= cut; i++)
            if (strncasecmp(msg + i, starts[k], sl) == 0) {
                cut = i;
                break;
            }
    }
    while (cut > 0 && isspace((unsigned char)msg[cut - 1]))
        cut--;
    msg[cut] = '\0';
}

void sgn_aws_parse_error(sgn_aws_api_error *out, const sgn_http_response *r)
{
    const char *v, *body;
    size_t len, i = 0;

    memset(out, 0, sizeof(*out));
    if (r == NULL)
        return;
    if ((v = sgn_http_header(r, "x-amzn-RequestId")) != NULL ||
        (v = sgn_http_header(r, "x-amz-request-id")) != NULL)
        set_field(out->request_id, sizeof(out->request_id), v, strlen(v));
    if ((v = sgn_http_header(r, "X-Amzn-ErrorType")) != NULL && v[0] != '\0')
        set_code(out, v);

    body = (const char *)r->body;
    len = r->body != NULL ? r->body_len : 0;
    while (i < len && isspace((unsigned char)body[i]))
        i++;
    if (i < len && body[i] == '{') {
        parse_json(out, body + i, len - i);
    } else if (i < len && body[i] == '<' && xml_root_is_error(body + i, body + len)) {
        char code[sizeof(out->code)] = "";
        xml_field(code, sizeof(code), body + i, len - i, "Code");
        if (code[0] != '\0')
            set_code(out, code);
        xml_field(out->message, sizeof(out->message), body + i, len - i, "Message");
        if (out->request_id[0] == '\0')
            xml_field(out->request_id, sizeof(out->request_id), body + i, len - i,
                      "RequestId");
    }
    /* a message the body did not give: the header rest-json services may send it in
     * (aws-sdk-go's restjson UnmarshalError reads X-Amzn-Errormessage; smithy-kotlin's
     * RestJsonErrorDeserializer reads x-amzn-error-message and lets a body message replace it) */
    if (out->message[0] == '\0' &&
        (((v = sgn_http_header(r, "x-amzn-ErrorMessage")) != NULL && v[0] != '\0') ||
         ((v = sgn_http_header(r, "x-amzn-error-message")) != NULL && v[0] != '\0')))
        set_field(out->message, sizeof(out->message), v, strlen(v));
    drop_signing_details(out->message);
}
