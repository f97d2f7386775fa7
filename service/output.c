/* Printing: operation outputs the way the AWS CLI v2 prints them with --output json
 * (Python's json.dumps(indent=4, ensure_ascii=False) of the parsed response, timestamps as
 * ISO 8601 with a +00:00 offset). cJSON encodes every key and scalar; this file only lays out
 * objects and arrays with 4-space indentation, which cJSON_Print (tabs, arrays on one line)
 * cannot do. */
#include "service.h"

#include <errno.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "sgn/util.h"

#define MAX_DEPTH 64

static int ends_with(const char *s, const char *suffix)
{
    size_t n = strlen(s), m = strlen(suffix);

    return n > m && strcmp(s + n - m, suffix) == 0;
}

/* Members the Signer API types as timestamps; the suffix rule catches the rest
 * (createdAt, completedAt, signatureExpiresAt, revokedAt, revocationEffectiveFrom, ...). */
static int is_timestamp_member(const char *name)
{
    return name != NULL && (ends_with(name, "At") || ends_with(name, "From"));
}

static int convert_in_place(cJSON *v, int depth, sgn_error *err)
{
    cJSON *it;
    int rc;

    if (depth > MAX_DEPTH)
        return sgn_error_set(err, SGN_EINVALID, "output nested too deeply");
    if (!cJSON_IsObject(v) && !cJSON_IsArray(v))
        return SGN_OK;
    for (it = v->child; it != NULL; it = it->next) {
        if (cJSON_IsObject(v) && cJSON_IsNumber(it) && is_timestamp_member(it->string) &&
            isfinite(it->valuedouble) && it->valuedouble < 1e15 && it->valuedouble > -1e15) {
            char iso[32];
            cJSON *s;
            size_t key_len;
            int64_t sec = (int64_t)it->valuedouble;

            if ((double)sec > it->valuedouble) /* floor, without libm */
                sec--;
            sgn_time_format_iso_offset(iso, sec);
            if ((s = cJSON_CreateString(iso)) == NULL)
                return sgn_error_set(err, SGN_ENOMEM, "out of memory");
            /* The replacement carries the member's key, allocated the way cJSON frees it. */
            key_len = strlen(it->string) + 1;
            if ((s->string = cJSON_malloc(key_len)) == NULL) {
                cJSON_Delete(s);
                return sgn_error_set(err, SGN_ENOMEM, "out of memory");
            }
            memcpy(s->string, it->string, key_len);
            if (!cJSON_ReplaceItemViaPointer(v, it, s)) {
                cJSON_Delete(s);
                return sgn_error_set(err, SGN_ENOMEM, "out of memory");
            }
            it = s;
            continue;
        }
        if ((rc = convert_in_place(it, depth + 1, err)) < 0)
            return rc;
    }
    return SGN_OK;
}

int sl_convert_timestamps(cJSON **out, const cJSON *v, sgn_error *err)
{
    cJSON *copy = cJSON_Duplicate(v, 1);
    int rc;

    *out = NULL;
    if (copy == NULL)
        return sgn_error_set(err, SGN_ENOMEM, "out of memory");
    if ((rc = convert_in_place(copy, 0, err)) < 0) {
        cJSON_Delete(copy);
        return rc;
    }
    *out = copy;
    return SGN_OK;
}

/* A scalar (or a key, as a string) exactly as cJSON encodes it. */
static int put_scalar(sgn_buf *b, const cJSON *v, sgn_error *err)
{
    char *text = cJSON_PrintUnformatted(v);
    int rc;

    if (text == NULL)
        return sgn_error_set(err, SGN_ENOMEM, "out of memory");
    rc = sgn_buf_puts(b, text, err);
    cJSON_free(text);
    return rc;
}

static int put_key(sgn_buf *b, const char *key, sgn_error *err)
{
    cJSON *s = cJSON_CreateStringReference(key ? key : "");
    int rc;

    if (s == NULL)
        return sgn_error_set(err, SGN_ENOMEM, "out of memory");
    rc = put_scalar(b, s, err);
    cJSON_Delete(s);
    return rc;
}

static int put_indent(sgn_buf *b, int level, sgn_error *err)
{
    return sgn_buf_printf(b, err, "%*s", level * 4, "");
}

static int format_value(sgn_buf *b, const cJSON *v, int level, sgn_error *err)
{
    const cJSON *it;
    int rc, is_obj = cJSON_IsObject(v);

    if (level > MAX_DEPTH)
        return sgn_error_set(err, SGN_EINVALID, "output nested too deeply");
    if (!is_obj && !cJSON_IsArray(v))
        return put_scalar(b, v, err);
    if (v->child == NULL)
        return sgn_buf_puts(b, is_obj ? "{}" : "[]", err);
    if ((rc = sgn_buf_puts(b, is_obj ? "{\n" : "[\n", err)) < 0)
        return rc;
    for (it = v->child; it != NULL; it = it->next) {
        if ((rc = put_indent(b, level + 1, err)) < 0)
            return rc;
        if (is_obj && ((rc = put_key(b, it->string, err)) < 0 ||
                       (rc = sgn_buf_puts(b, ": ", err)) < 0))
            return rc;
        if ((rc = format_value(b, it, level + 1, err)) < 0)
            return rc;
        if ((rc = sgn_buf_puts(b, it->next ? ",\n" : "\n", err)) < 0)
            return rc;
    }
    if ((rc = put_indent(b, level, err)) < 0)
        return rc;
    return sgn_buf_puts(b, is_obj ? "}" : "]", err);
}

int sl_format_json(sgn_buf *b, const cJSON *v, sgn_error *err)
{
    return format_value(b, v, 0, err);
}

int sl_wrap(sgn_buf *b, const char *text, int indent, int width, sgn_error *err)
{
    const char *p = text;
    int col = 0, rc = SGN_OK;

    while (*p != '\0' && rc == SGN_OK) {
        size_t word = strcspn(p, " ");

        if (col > indent && col + 1 + (int)word > width) {
            rc = sgn_buf_puts(b, "\n", err);
            col = 0;
        }
        if (rc == SGN_OK && col == 0) {
            rc = sgn_buf_printf(b, err, "%*s", indent, "");
            col = indent;
        } else if (rc == SGN_OK) {
            rc = sgn_buf_puts(b, " ", err);
            col++;
        }
        if (rc == SGN_OK)
            rc = sgn_buf_append(b, p, word, err);
        col += (int)word;
        p += word;
        while (*p == ' ')
            p++;
    }
    if (rc == SGN_OK)
        rc = sgn_buf_puts(b, "\n", err);
    return rc;
}

int sl_write_stdout(const char *text, size_t len, sgn_error *err)
{
    if (len > 0 && fwrite(text, 1, len, stdout) != len)
        return sgn_error_set(err, SGN_EIO, "cannot write the output: %s", strerror(errno));
    if (fflush(stdout) != 0)
        return sgn_error_set(err, SGN_EIO, "cannot write the output: %s", strerror(errno));
    return SGN_OK;
}

int sl_print_output(const cJSON *out, sgn_error *err)
{
    cJSON *shown = NULL;
    sgn_buf b = SGN_BUF_INIT;
    int rc;

    /* The AWS CLI prints nothing for operations without output members. */
    if (out == NULL || (cJSON_IsObject(out) && out->child == NULL))
        return SGN_OK;
    if ((rc = sl_convert_timestamps(&shown, out, err)) < 0)
        goto out;
    if ((rc = sl_format_json(&b, shown, err)) < 0 || (rc = sgn_buf_puts(&b, "\n", err)) < 0)
        goto out;
    rc = sl_write_stdout(sgn_buf_cstr(&b), b.len, err);
out:
    cJSON_Delete(shown);
    sgn_buf_free(&b);
    return rc;
}
