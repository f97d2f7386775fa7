/* Reading a request the way Go's encoding/json reads it (json.NewDecoder(stdin).Decode(&req)).
 *
 * gj_scan() checks the first JSON value of the input against RFC 8259 exactly as Go's scanner
 * does (no leading zeros, no raw control characters in strings, nesting at most 10000) and
 * ignores whatever follows it. The other functions walk the checked text in place, so nothing
 * is built for fields the plugin does not read: a 64 MiB request costs little more than its own
 * bytes. Strings are unquoted with Go's rules: invalid UTF-8 and lone surrogates become U+FFFD,
 * and "\u0000" is kept (results are length-counted sgn_bufs). */
#ifndef SGN_PLUGIN_GOJSON_H
#define SGN_PLUGIN_GOJSON_H

#include <stddef.h>
#include "sgn/buf.h"
#include "sgn/error.h"

#define GJ_MAX_DEPTH 10000

/* A value inside checked text: p points at its first byte, n counts its bytes. */
typedef struct gj_val {
    const char *p;
    size_t n;
} gj_val;

typedef enum gj_kind { GJ_NULL, GJ_BOOL, GJ_NUMBER, GJ_STRING, GJ_ARRAY, GJ_OBJECT } gj_kind;

/* SGN_OK with *out set to the first value of in; SGN_EINVALID for empty input, a syntax error,
 * an unfinished value or nesting deeper than GJ_MAX_DEPTH. */
int gj_scan(gj_val *out, const char *in, size_t len, sgn_error *err);

gj_kind gj_kind_of(gj_val v);

typedef struct gj_iter {
    const char *p;
    const char *end;
} gj_iter;

/* Iterate an object's members or an array's elements (v must be of that kind). */
void gj_iter_init(gj_iter *it, gj_val v);
/* 1 and the next member (key still quoted), or 0 at the end. */
int gj_next_member(gj_iter *it, gj_val *key, gj_val *value);
/* 1 and the next element, or 0 at the end. */
int gj_next_element(gj_iter *it, gj_val *elem);

/* Replace out's contents with the unquoted string v (which must be a string). */
int gj_unquote(sgn_buf *out, gj_val v, sgn_error *err);

/* Go's struct field matching: key (unquoted) names field `name` exactly or after Go's name
 * folding (ASCII case, plus U+212A KELVIN SIGN, U+017F LONG S, U+0130 and U+0131). */
int gj_key_matches(const char *key, size_t key_len, const char *name);

/* 1 if every number inside v parses as a float64 without overflow, as Go requires when it
 * decodes numbers into interface{} values. */
int gj_numbers_fit_float64(gj_val v);

#endif
