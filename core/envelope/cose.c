/* application/cose: COSE_Sign1_Tagged as notation-core-go builds and go-cose v1.3 reads it
 * (research/notation-specs.md §3.4). */
#include <stdlib.h>
#include <string.h>
#include <cbor.h>

#include "envelope/envelope_int.h"
#include "sgn/crypto.h"
#include "sgn/util.h"

#define COSE_TAG_SIGN1 18
#define CBOR_TAG_EPOCH 1
#define COSE_LABEL_ALG 1
#define COSE_LABEL_CRIT 2
#define COSE_LABEL_CONTENT_TYPE 3
#define COSE_LABEL_X5CHAIN 33
/* Deep enough for any envelope; bounds the work libcbor does on hostile input. */
#define CBOR_MAX_DEPTH 32

static const unsigned char empty_bytes[1] = {0};

/* ---- building ----------------------------------------------------------------------------- */

/* An integer item of the smallest width, so libcbor emits the shortest encoding. */
static cbor_item_t *build_int(int64_t v)
{
    uint64_t u = v >= 0 ? (uint64_t)v : (uint64_t)(-(v + 1));

    if (u <= UINT8_MAX)
        return v >= 0 ? cbor_build_uint8((uint8_t)u) : cbor_build_negint8((uint8_t)u);
    if (u <= UINT16_MAX)
        return v >= 0 ? cbor_build_uint16((uint16_t)u) : cbor_build_negint16((uint16_t)u);
    if (u <= UINT32_MAX)
        return v >= 0 ? cbor_build_uint32((uint32_t)u) : cbor_build_negint32((uint32_t)u);
    return v >= 0 ? cbor_build_uint64(u) : cbor_build_negint64(u);
}

static cbor_item_t *build_bytes(const unsigned char *p, size_t n)
{
    return cbor_build_bytestring(n ? p : empty_bytes, n);
}

/* Tag 1 (epoch seconds) around an integer: the form notation's decoder requires. */
static cbor_item_t *build_epoch(int64_t t)
{
    cbor_item_t *tag = cbor_new_tag(CBOR_TAG_EPOCH), *v = build_int(t);

    if (tag == NULL || v == NULL) {
        if (tag)
            cbor_decref(&tag);
        if (v)
            cbor_decref(&v);
        return NULL;
    }
    cbor_tag_set_item(tag, v); /* takes its own reference */
    cbor_decref(&v);
    return tag;
}

/* Add key/value to a definite map; always releases the caller's references. */
static int map_put(cbor_item_t *map, cbor_item_t *key, cbor_item_t *value)
{
    int ok = key != NULL && value != NULL &&
             cbor_map_add(map, (struct cbor_pair){.key = key, .value = value});

    if (key)
        cbor_decref(&key);
    if (value)
        cbor_decref(&value);
    return ok;
}

/* Append to a definite array; always releases the caller's reference. */
static int array_put(cbor_item_t *array, cbor_item_t *item)
{
    int ok = item != NULL && cbor_array_push(array, item);

    if (item)
        cbor_decref(&item);
    return ok;
}

static int serialize(unsigned char **out, size_t *len, const cbor_item_t *item, sgn_error *err)
{
    unsigned char *buf = NULL;
    size_t cap = 0;

    *out = NULL;
    *len = cbor_serialize_alloc(item, &buf, &cap);
    if (*len == 0) {
        free(buf);
        return sgn_error_set(err, SGN_ENOMEM, "cannot encode CBOR");
    }
    *out = buf;
    return SGN_OK;
}

typedef struct entry {
    cbor_item_t *key;
    cbor_item_t *value;
    unsigned char *enc; /* the key's encoding, the sort key */
    size_t enc_len;
} entry;

/* RFC 8949 §4.2.1 core deterministic order: bytewise lexicographic order of encoded keys. */
static int cmp_entries(const void *a, const void *b)
{
    const entry *x = a, *y = b;
    size_t n = x->enc_len < y->enc_len ? x->enc_len : y->enc_len;
    int c = memcmp(x->enc, y->enc, n);

    if (c != 0)
        return c;
    return x->enc_len < y->enc_len ? -1 : x->enc_len > y->enc_len;
}

/* The protected header map, deterministically encoded. */
static int build_protected(unsigned char **out, size_t *out_len, const sgn_envelope__sign_ctx *c,
                           sgn_error *err)
{
    int rc = SGN_OK;
    size_t cap = 6 + c->attrs->n_extended, n = 0, i;
    entry *e = calloc(cap, sizeof(*e));
    cbor_item_t *crit = NULL, *map = NULL;

    *out = NULL;
    *out_len = 0;
    if (e == NULL)
        return sgn_error_set(err, SGN_ENOMEM, "out of memory");
    crit = cbor_new_definite_array(c->n_crit);
    if (crit == NULL)
        goto nomem;
    for (i = 0; i < c->n_crit; i++)
        if (!array_put(crit, cbor_build_string(c->crit[i])))
            goto nomem;

    e[n].key = build_int(COSE_LABEL_ALG);
    e[n++].value = build_int(c->cose_alg);
    e[n].key = build_int(COSE_LABEL_CRIT);
    e[n++].value = crit;
    crit = NULL;
    e[n].key = build_int(COSE_LABEL_CONTENT_TYPE);
    e[n++].value = cbor_build_string(SGN_PAYLOAD_FORMAT_NOTARY);
    e[n].key = cbor_build_string(SGN_HDR_SIGNING_SCHEME);
    e[n++].value = cbor_build_string(c->attrs->signing_scheme);
    e[n].key = cbor_build_string(c->authentic ? SGN_HDR_AUTHENTIC_SIGNING_TIME
                                              : SGN_HDR_SIGNING_TIME);
    e[n++].value = build_epoch(c->attrs->signing_time);
    if (c->attrs->expiry != 0) {
        e[n].key = cbor_build_string(SGN_HDR_EXPIRY);
        e[n++].value = build_epoch(c->attrs->expiry);
    }
    for (i = 0; i < c->attrs->n_extended; i++) {
        e[n].key = cbor_build_string(c->attrs->extended[i].key);
        e[n++].value = cbor_build_string(c->attrs->extended[i].value);
    }
    for (i = 0; i < n; i++) {
        if (e[i].key == NULL || e[i].value == NULL)
            goto nomem;
        if ((rc = serialize(&e[i].enc, &e[i].enc_len, e[i].key, err)) < 0)
            goto out;
    }
    qsort(e, n, sizeof(*e), cmp_entries);
    for (i = 1; i < n; i++) {
        if (cmp_entries(&e[i - 1], &e[i]) == 0) {
            rc = sgn_error_set(err, SGN_EINVALID, "protected header label is repeated");
            goto out;
        }
    }
    if ((map = cbor_new_definite_map(n)) == NULL)
        goto nomem;
    for (i = 0; i < n; i++) {
        int ok = map_put(map, e[i].key, e[i].value);

        e[i].key = e[i].value = NULL;
        if (!ok)
            goto nomem;
    }
    rc = serialize(out, out_len, map, err);
    goto out;
nomem:
    rc = sgn_error_set(err, SGN_ENOMEM, "out of memory");
out:
    for (i = 0; i < cap; i++) {
        if (e[i].key)
            cbor_decref(&e[i].key);
        if (e[i].value)
            cbor_decref(&e[i].value);
        free(e[i].enc);
    }
    free(e);
    if (crit)
        cbor_decref(&crit);
    if (map)
        cbor_decref(&map);
    return rc;
}

/* Sig_structure = ["Signature1", protected, external_aad = h'', payload] (RFC 9052 §4.4). */
static int sig_structure(sgn_buf *out, const unsigned char *prot, size_t prot_len,
                         const unsigned char *payload, size_t payload_len, sgn_error *err)
{
    int rc;
    cbor_item_t *a = cbor_new_definite_array(4);
    unsigned char *enc = NULL;
    size_t len = 0;

    if (a == NULL || !array_put(a, cbor_build_string("Signature1")) ||
        !array_put(a, build_bytes(prot, prot_len)) || !array_put(a, build_bytes(NULL, 0)) ||
        !array_put(a, build_bytes(payload, payload_len))) {
        rc = sgn_error_set(err, SGN_ENOMEM, "out of memory");
        goto out;
    }
    if ((rc = serialize(&enc, &len, a, err)) < 0)
        goto out;
    rc = sgn_buf_append(out, enc, len, err);
out:
    free(enc);
    if (a)
        cbor_decref(&a);
    return rc;
}

static int cose_sign(sgn_buf *out, const sgn_envelope__sign_ctx *c, sgn_error *err)
{
    int rc;
    unsigned char *prot = NULL, *sig = NULL, *enc = NULL;
    size_t prot_len = 0, siglen = 0, len = 0, i;
    sgn_buf tbs = SGN_BUF_INIT;
    cbor_item_t *unprot = NULL, *chain = NULL, *msg = NULL, *tag = NULL;

    if ((rc = build_protected(&prot, &prot_len, c, err)) < 0 ||
        (rc = sig_structure(&tbs, prot, prot_len, c->payload, c->payload_len, err)) < 0 ||
        (rc = sgn_crypto_sign(&sig, &siglen, c->key, c->md, tbs.data, tbs.len, err)) < 0)
        goto out;

    /* Unprotected: 33 (x5chain) is always an array, then the signing agent. Label 33 encodes
     * as 0x18 0x21 and sorts before any text label. */
    unprot = cbor_new_definite_map(c->attrs->signing_agent ? 2 : 1);
    chain = cbor_new_definite_array(c->n_certs);
    if (unprot == NULL || chain == NULL)
        goto nomem;
    for (i = 0; i < c->n_certs; i++)
        if (!array_put(chain, build_bytes(c->certs[i], c->cert_lens[i])))
            goto nomem;
    {
        int ok = map_put(unprot, build_int(COSE_LABEL_X5CHAIN), chain);

        chain = NULL;
        if (!ok)
            goto nomem;
    }
    if (c->attrs->signing_agent &&
        !map_put(unprot, cbor_build_string(SGN_HDR_SIGNING_AGENT),
                 cbor_build_string(c->attrs->signing_agent)))
        goto nomem;

    msg = cbor_new_definite_array(4);
    if (msg == NULL || !array_put(msg, build_bytes(prot, prot_len)))
        goto nomem;
    {
        int ok = array_put(msg, unprot);

        unprot = NULL;
        if (!ok)
            goto nomem;
    }
    if (!array_put(msg, build_bytes(c->payload, c->payload_len)) ||
        !array_put(msg, build_bytes(sig, siglen)))
        goto nomem;
    if ((tag = cbor_new_tag(COSE_TAG_SIGN1)) == NULL)
        goto nomem;
    cbor_tag_set_item(tag, msg);
    if ((rc = serialize(&enc, &len, tag, err)) < 0)
        goto out;
    rc = sgn_buf_append(out, enc, len, err);
    goto out;
nomem:
    rc = sgn_error_set(err, SGN_ENOMEM, "out of memory");
out:
    free(enc);
    free(prot);
    free(sig);
    sgn_buf_free(&tbs);
    if (unprot)
        cbor_decref(&unprot);
    if (chain)
        cbor_decref(&chain);
    if (msg)
        cbor_decref(&msg);
    if (tag)
        cbor_decref(&tag);
    return rc;
}

/* ---- well-formedness pre-check ------------------------------------------------------------ */

/* Walk one complete CBOR data item with libcbor's streaming decoder before cbor_load builds it:
 * refuses indefinite lengths, nesting beyond CBOR_MAX_DEPTH, counts that cannot fit in the
 * remaining bytes (so a 9-byte input cannot make libcbor allocate gigabytes) and trailing data. */
typedef struct walk {
    int event;       /* what the last callback saw */
    uint64_t count;  /* children announced by a container or tag */
} walk;

enum { EV_NONE, EV_ITEM, EV_ARRAY, EV_MAP, EV_TAG, EV_BAD };

static void on_item(void *ctx)
{
    ((walk *)ctx)->event = EV_ITEM;
}
static void on_bad(void *ctx)
{
    ((walk *)ctx)->event = EV_BAD;
}
static void on_u8(void *ctx, uint8_t v)
{
    (void)v;
    on_item(ctx);
}
static void on_u16(void *ctx, uint16_t v)
{
    (void)v;
    on_item(ctx);
}
static void on_u32(void *ctx, uint32_t v)
{
    (void)v;
    on_item(ctx);
}
static void on_u64(void *ctx, uint64_t v)
{
    (void)v;
    on_item(ctx);
}
static void on_str(void *ctx, cbor_data d, size_t n)
{
    (void)d;
    (void)n;
    on_item(ctx);
}
static void on_f4(void *ctx, float v)
{
    (void)v;
    on_item(ctx);
}
static void on_f8(void *ctx, double v)
{
    (void)v;
    on_item(ctx);
}
static void on_bool(void *ctx, bool v)
{
    (void)v;
    on_item(ctx);
}
static void on_array(void *ctx, size_t n)
{
    ((walk *)ctx)->event = EV_ARRAY;
    ((walk *)ctx)->count = n;
}
static void on_map(void *ctx, size_t n)
{
    ((walk *)ctx)->event = EV_MAP;
    ((walk *)ctx)->count = n;
}
static void on_tag(void *ctx, uint64_t v)
{
    (void)v;
    ((walk *)ctx)->event = EV_TAG;
    ((walk *)ctx)->count = 1;
}

static const struct cbor_callbacks walk_callbacks = {
    .uint8 = on_u8,
    .uint16 = on_u16,
    .uint32 = on_u32,
    .uint64 = on_u64,
    .negint64 = on_u64,
    .negint32 = on_u32,
    .negint16 = on_u16,
    .negint8 = on_u8,
    .byte_string_start = on_bad,
    .byte_string = on_str,
    .string = on_str,
    .string_start = on_bad,
    .indef_array_start = on_bad,
    .array_start = on_array,
    .indef_map_start = on_bad,
    .map_start = on_map,
    .tag = on_tag,
    .float2 = on_f4,
    .float4 = on_f4,
    .float8 = on_f8,
    .undefined = on_item,
    .null = on_item,
    .boolean = on_bool,
    .indef_break = on_bad,
};

static int cbor_precheck(const unsigned char *data, size_t len, int allow_tags, const char *what,
                         sgn_error *err)
{
    uint64_t left[CBOR_MAX_DEPTH];
    size_t depth = 0, pos = 0;
    walk w;

    do {
        struct cbor_decoder_result r;

        w.event = EV_NONE;
        w.count = 0;
        if (pos >= len)
            return sgn_error_set(err, SGN_EINVALID, "%s: truncated CBOR", what);
        r = cbor_stream_decode(data + pos, len - pos, &walk_callbacks, &w);
        if (r.status == CBOR_DECODER_NEDATA)
            return sgn_error_set(err, SGN_EINVALID, "%s: truncated CBOR", what);
        if (r.status != CBOR_DECODER_FINISHED || r.read == 0 || w.event == EV_NONE)
            return sgn_error_set(err, SGN_EINVALID, "%s: malformed CBOR", what);
        if (w.event == EV_BAD)
            return sgn_error_set(err, SGN_EINVALID,
                                 "%s: indefinite-length CBOR is not allowed", what);
        if (w.event == EV_TAG && !allow_tags)
            return sgn_error_set(err, SGN_EINVALID, "%s: CBOR tags are not allowed here", what);
        pos += r.read;
        if (depth > 0)
            left[depth - 1]--;
        if (w.event == EV_ARRAY || w.event == EV_MAP || w.event == EV_TAG) {
            uint64_t rest = len - pos;

            if (w.count > rest || (w.event == EV_MAP && w.count > rest / 2))
                return sgn_error_set(err, SGN_EINVALID, "%s: truncated CBOR", what);
            if (w.event == EV_MAP)
                w.count *= 2;
            if (w.count > 0) {
                if (depth == CBOR_MAX_DEPTH)
                    return sgn_error_set(err, SGN_EINVALID, "%s: CBOR nested too deeply", what);
                left[depth++] = w.count;
            }
        }
        while (depth > 0 && left[depth - 1] == 0)
            depth--;
    } while (depth > 0);
    if (pos != len)
        return sgn_error_set(err, SGN_EINVALID, "%s: trailing data after the CBOR item", what);
    return SGN_OK;
}

static int load(cbor_item_t **out, const unsigned char *data, size_t len, int allow_tags,
                const char *what, sgn_error *err)
{
    int rc;
    struct cbor_load_result res;

    *out = NULL;
    if ((rc = cbor_precheck(data, len, allow_tags, what, err)) < 0)
        return rc;
    *out = cbor_load(data, len, &res);
    if (*out == NULL || res.error.code != CBOR_ERR_NONE || res.read != len) {
        if (*out)
            cbor_decref(out);
        if (res.error.code == CBOR_ERR_MEMERROR)
            return sgn_error_set(err, SGN_ENOMEM, "out of memory");
        return sgn_error_set(err, SGN_EINVALID, "%s: malformed CBOR", what);
    }
    return SGN_OK;
}

/* ---- parsing ------------------------------------------------------------------------------ */

static int is_bstr(const cbor_item_t *it)
{
    return cbor_isa_bytestring(it) && cbor_bytestring_is_definite(it);
}

static int is_tstr(const cbor_item_t *it)
{
    return cbor_isa_string(it) && cbor_string_is_definite(it);
}

static int is_int(const cbor_item_t *it)
{
    return cbor_isa_uint(it) || cbor_isa_negint(it);
}

/* An integer item as int64; 0 if it does not fit. */
static int get_int64(int64_t *v, const cbor_item_t *it)
{
    uint64_t u = cbor_get_int(it);

    if (u > (uint64_t)INT64_MAX)
        return 0;
    *v = cbor_isa_uint(it) ? (int64_t)u : -1 - (int64_t)u;
    return 1;
}

/* A text string as a new C string; embedded NULs are refused. */
static int get_cstr(char **out, const cbor_item_t *it, const char *what, sgn_error *err)
{
    size_t n = cbor_string_length(it);
    const unsigned char *s = cbor_string_handle(it);

    *out = NULL;
    if (n > 0 && memchr(s, 0, n) != NULL)
        return sgn_error_set(err, SGN_EINVALID, "%s contains a NUL character", what);
    *out = malloc(n + 1);
    if (*out == NULL)
        return sgn_error_set(err, SGN_ENOMEM, "out of memory");
    if (n > 0)
        memcpy(*out, s, n);
    (*out)[n] = '\0';
    return SGN_OK;
}

typedef struct hdr_label {
    int kind; /* 0 uint, 1 negint, 2 text */
    uint64_t v;
    const unsigned char *s;
    size_t n;
} hdr_label;

static int cmp_labels(const void *a, const void *b)
{
    const hdr_label *x = a, *y = b;

    if (x->kind != y->kind)
        return x->kind < y->kind ? -1 : 1;
    if (x->kind != 2)
        return x->v < y->v ? -1 : x->v > y->v;
    if (x->n != y->n)
        return x->n < y->n ? -1 : 1;
    return x->n ? memcmp(x->s, y->s, x->n) : 0;
}

/* go-cose: header labels are ints or text, never repeated, and never in both buckets. */
static int check_labels(const cbor_item_t *prot, const cbor_item_t *unprot, sgn_error *err)
{
    const cbor_item_t *maps[2] = {prot, unprot};
    size_t n = cbor_map_size(prot) + cbor_map_size(unprot), k = 0, i, m;
    hdr_label *l;
    int rc = SGN_OK;

    if (n == 0)
        return SGN_OK;
    l = calloc(n, sizeof(*l));
    if (l == NULL)
        return sgn_error_set(err, SGN_ENOMEM, "out of memory");
    for (m = 0; m < 2; m++) {
        struct cbor_pair *pairs = cbor_map_handle(maps[m]);

        for (i = 0; i < cbor_map_size(maps[m]); i++, k++) {
            const cbor_item_t *key = pairs[i].key;

            if (cbor_isa_uint(key) || cbor_isa_negint(key)) {
                l[k].kind = cbor_isa_uint(key) ? 0 : 1;
                l[k].v = cbor_get_int(key);
            } else if (is_tstr(key)) {
                l[k].kind = 2;
                l[k].s = cbor_string_handle(key);
                l[k].n = cbor_string_length(key);
            } else {
                rc = sgn_error_set(err, SGN_EINVALID,
                                   "COSE header label must be an integer or a text string");
                goto out;
            }
        }
    }
    qsort(l, n, sizeof(*l), cmp_labels);
    for (i = 1; i < n; i++) {
        if (cmp_labels(&l[i - 1], &l[i]) == 0) {
            rc = sgn_error_set(err, SGN_EINVALID, "COSE header label is repeated");
            goto out;
        }
    }
out:
    free(l);
    return rc;
}

/* Tag 1 around an integer: the only time form notation accepts. */
static int get_epoch(int64_t *t, int *present, const cbor_item_t *v, const char *name,
                     sgn_error *err)
{
    cbor_item_t *inner;
    int ok;

    if (!cbor_isa_tag(v) || cbor_tag_value(v) != CBOR_TAG_EPOCH)
        return sgn_error_set(err, SGN_EINVALID, "\"%s\" header must be a CBOR tag 1 time", name);
    inner = cbor_tag_item(v);
    ok = inner != NULL && is_int(inner) && get_int64(t, inner);
    if (inner)
        cbor_decref(&inner);
    if (!ok)
        return sgn_error_set(err, SGN_EINVALID,
                             "\"%s\" header must be integer epoch seconds", name);
    *present = 1;
    return SGN_OK;
}

static int parse_crit(sgn_envelope_info *info, const cbor_item_t *v, sgn_error *err)
{
    cbor_item_t **items;
    size_t i, n;
    int rc;

    if (!cbor_isa_array(v) || cbor_array_size(v) == 0)
        return sgn_error_set(err, SGN_EINVALID, "COSE crit header must be a non-empty array");
    items = cbor_array_handle(v);
    n = cbor_array_size(v);
    for (i = 0; i < n; i++) {
        char *s = NULL;

        if (!is_tstr(items[i]))
            return sgn_error_set(err, SGN_EINVALID,
                                 "COSE crit header: only text labels are supported");
        if ((rc = get_cstr(&s, items[i], "crit label", err)) < 0)
            return rc;
        rc = sgn_strlist_push(&info->crit, s, err);
        free(s);
        if (rc < 0)
            return rc;
    }
    return SGN_OK;
}

/* notation-core-go's parseProtectedHeaders over the decoded map, in map order. */
static int parse_protected(sgn_envelope__parsed *p, const cbor_item_t *map, sgn_error *err)
{
    sgn_envelope_info *info = p->info;
    struct cbor_pair *pairs = cbor_map_handle(map);
    size_t i, n = cbor_map_size(map);
    int rc = SGN_OK;
    char *k = NULL;
    const char *alg;

    for (i = 0; i < n && rc == SGN_OK; i++) {
        const cbor_item_t *key = pairs[i].key, *v = pairs[i].value;
        int64_t label;

        if (is_int(key)) {
            if (!get_int64(&label, key))
                continue;
            if (label == COSE_LABEL_ALG) {
                if (!is_int(v) || !get_int64(&label, v))
                    return sgn_error_set(err, SGN_EINVALID,
                                         "COSE alg header must be an integer");
                if ((alg = sgn_envelope__cose_alg_name(label)) == NULL)
                    return sgn_error_set(err, SGN_EINVALID,
                                         "COSE algorithm %lld is not supported",
                                         (long long)label);
                rc = sgn_strdup(&info->alg, alg, err);
            } else if (label == COSE_LABEL_CRIT) {
                rc = parse_crit(info, v, err);
            } else if (label == COSE_LABEL_CONTENT_TYPE) {
                if (!is_tstr(v))
                    return sgn_error_set(err, SGN_EINVALID,
                                         "COSE content type header must be a text string");
                rc = get_cstr(&info->content_type, v, "content type", err);
            }
            continue;
        }
        /* check_labels() has made every other key a text string. */
        if ((rc = get_cstr(&k, key, "header label", err)) < 0)
            break;
        if ((rc = sgn_strlist_push(&p->present, k, err)) < 0)
            break;
        if (strcmp(k, SGN_HDR_SIGNING_SCHEME) == 0) {
            if (!is_tstr(v))
                rc = sgn_error_set(err, SGN_EINVALID, "invalid signingScheme");
            else
                rc = get_cstr(&info->signing_scheme, v, k, err);
        } else if (strcmp(k, SGN_HDR_SIGNING_TIME) == 0) {
            rc = get_epoch(&info->signing_time, &p->has_signing_time, v, k, err);
        } else if (strcmp(k, SGN_HDR_AUTHENTIC_SIGNING_TIME) == 0) {
            int64_t t = 0;

            if ((rc = get_epoch(&t, &p->has_authentic_time, v, k, err)) == 0) {
                info->signing_time = t;
                info->authentic = 1;
            }
        } else if (strcmp(k, SGN_HDR_EXPIRY) == 0) {
            rc = get_epoch(&info->expiry, &p->has_expiry, v, k, err);
        } else if (is_tstr(v)) {
            char *value = NULL;

            if ((rc = get_cstr(&value, v, k, err)) == 0)
                rc = sgn_envelope__add_extended(info, k, value, strlen(value), err);
            free(value);
        }
        free(k);
        k = NULL;
    }
    free(k);
    return rc;
}

static int parse_unprotected(sgn_envelope_info *info, const cbor_item_t *map, sgn_error *err)
{
    struct cbor_pair *pairs = cbor_map_handle(map);
    size_t i, j, n = cbor_map_size(map);
    int rc;

    for (i = 0; i < n; i++) {
        const cbor_item_t *key = pairs[i].key, *v = pairs[i].value;

        if (cbor_isa_uint(key) && cbor_get_int(key) == COSE_LABEL_CRIT)
            return sgn_error_set(err, SGN_EINVALID,
                                 "COSE crit header is not allowed in the unprotected bucket");
        if (cbor_isa_uint(key) && cbor_get_int(key) == COSE_LABEL_X5CHAIN) {
            cbor_item_t **certs;

            /* notation-core-go type-asserts an array, even for one certificate. */
            if (!cbor_isa_array(v))
                return sgn_error_set(err, SGN_EINVALID,
                                     "COSE x5chain must be an array of certificates");
            certs = cbor_array_handle(v);
            for (j = 0; j < cbor_array_size(v); j++) {
                if (!is_bstr(certs[j]) || cbor_bytestring_length(certs[j]) == 0)
                    return sgn_error_set(err, SGN_EINVALID,
                                         "COSE x5chain entries must be byte strings");
                if ((rc = sgn_envelope__add_cert(info, cbor_bytestring_handle(certs[j]),
                                                 cbor_bytestring_length(certs[j]), err)) < 0)
                    return rc;
            }
        } else if (is_tstr(key) && cbor_string_length(key) == strlen(SGN_HDR_SIGNING_AGENT) &&
                   memcmp(cbor_string_handle(key), SGN_HDR_SIGNING_AGENT,
                          strlen(SGN_HDR_SIGNING_AGENT)) == 0 &&
                   is_tstr(v) && info->signing_agent == NULL) {
            if ((rc = get_cstr(&info->signing_agent, v, "signing agent", err)) < 0)
                return rc;
        }
    }
    return SGN_OK;
}

static int cose_parse(sgn_envelope__parsed *p, const unsigned char *env, size_t len,
                      sgn_error *err)
{
    int rc;
    sgn_envelope_info *info = p->info;
    cbor_item_t *msg = NULL, *prot = NULL, **parts;
    const unsigned char *prot_bytes;
    size_t prot_len;

    /* As go-cose does: the message must start with tag 18's one-byte encoding (0xD2), and the
     * rest is the COSE_Sign1 array, in which tags are forbidden. Splitting the prefix off also
     * avoids libcbor 0.8, whose decoder refuses the one-byte tags 6..20 (tag 18 included). */
    if (len == 0 || env[0] != 0xD2) {
        rc = sgn_error_set(err, SGN_EINVALID, "not a COSE_Sign1_Tagged message (tag 18)");
        goto out;
    }
    if ((rc = load(&msg, env + 1, len - 1, 0, "COSE envelope", err)) < 0)
        goto out;
    if (!cbor_isa_array(msg) || cbor_array_size(msg) != 4) {
        rc = sgn_error_set(err, SGN_EINVALID, "COSE_Sign1 must be an array of four items");
        goto out;
    }
    parts = cbor_array_handle(msg);
    if (!is_bstr(parts[0]) || !cbor_isa_map(parts[1])) {
        rc = sgn_error_set(err, SGN_EINVALID,
                           "COSE_Sign1 headers must be a byte string and a map");
        goto out;
    }
    if (!is_bstr(parts[2])) {
        rc = sgn_error_set(err, SGN_EINVALID, "COSE_Sign1 payload must be attached");
        goto out;
    }
    if (!is_bstr(parts[3]) || cbor_bytestring_length(parts[3]) == 0) {
        rc = sgn_error_set(err, SGN_EINVALID, "COSE_Sign1 signature must be a non-empty "
                                              "byte string");
        goto out;
    }

    /* The protected header: a map serialised inside a byte string (empty means {}). */
    prot_bytes = cbor_bytestring_handle(parts[0]);
    prot_len = cbor_bytestring_length(parts[0]);
    if (prot_len == 0) {
        prot = cbor_new_definite_map(0);
        if (prot == NULL) {
            rc = sgn_error_set(err, SGN_ENOMEM, "out of memory");
            goto out;
        }
    } else if ((rc = load(&prot, prot_bytes, prot_len, 1, "COSE protected header", err)) < 0) {
        goto out;
    }
    if (!cbor_isa_map(prot)) {
        rc = sgn_error_set(err, SGN_EINVALID, "COSE protected header must be a map");
        goto out;
    }
    if ((rc = check_labels(prot, parts[1], err)) < 0 ||
        (rc = parse_protected(p, prot, err)) < 0 ||
        (rc = parse_unprotected(info, parts[1], err)) < 0)
        goto out;
    if (info->alg == NULL) {
        rc = sgn_error_set(err, SGN_EINVALID, "COSE alg header is missing");
        goto out;
    }
    if (info->n_certs == 0) {
        rc = sgn_error_set(err, SGN_EINVALID, "certificate chain is not present");
        goto out;
    }

    info->payload_len = cbor_bytestring_length(parts[2]);
    info->payload = malloc(info->payload_len ? info->payload_len : 1);
    p->sig_len = cbor_bytestring_length(parts[3]);
    p->sig = malloc(p->sig_len);
    if (info->payload == NULL || p->sig == NULL) {
        rc = sgn_error_set(err, SGN_ENOMEM, "out of memory");
        goto out;
    }
    if (info->payload_len > 0)
        memcpy(info->payload, cbor_bytestring_handle(parts[2]), info->payload_len);
    memcpy(p->sig, cbor_bytestring_handle(parts[3]), p->sig_len);

    /* The verifier rebuilds Sig_structure from the protected bytes as received. */
    rc = sig_structure(&p->tbs, prot_bytes, prot_len, info->payload, info->payload_len, err);
out:
    if (prot)
        cbor_decref(&prot);
    if (msg)
        cbor_decref(&msg);
    return rc;
}

const sgn_envelope__format sgn_envelope__cose = {
    SGN_ENVELOPE_COSE,
    cose_sign,
    cose_parse,
};
