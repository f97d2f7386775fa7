/* Trusted-identity matching (the Go plugin's validateTrustedIdentity) with near-miss reasons. */
#include "sgn/identity.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "identity_internal.h"

#define PROFILES_PREFIX "/signing-profiles/"
#define PROFILE_SINGULAR "/signing-profile/"
#define JOBS_PART "/signing-jobs/"

sgn_span sgn_span_cstr(const char *s)
{
    sgn_span sp = {s ? s : "", s ? strlen(s) : 0};
    return sp;
}

int sgn_span_eq(sgn_span a, const char *s)
{
    size_t n = strlen(s);
    return a.len == n && (n == 0 || memcmp(a.ptr, s, n) == 0);
}

int sgn_span_has_nul(sgn_span s)
{
    return s.len > 0 && memchr(s.ptr, '\0', s.len) != NULL;
}

static int span_has_prefix(sgn_span s, const char *prefix)
{
    size_t n = strlen(prefix);
    return s.len >= n && memcmp(s.ptr, prefix, n) == 0;
}

static int span_contains(sgn_span s, const char *needle)
{
    size_t i, n = strlen(needle);

    if (n > s.len)
        return 0;
    for (i = 0; i + n <= s.len; i++)
        if (memcmp(s.ptr + i, needle, n) == 0)
            return 1;
    return 0;
}

int32_t sgn_identity__utf8_decode(const unsigned char *s, size_t n, size_t *width)
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
        if (c == 0xE0)
            lo = 0xA0;
        else if (c == 0xED)
            hi = 0x9F; /* no UTF-16 surrogates */
    } else if (c >= 0xF0 && c <= 0xF4) {
        need = 4;
        r = c & 0x07;
        if (c == 0xF0)
            lo = 0x90;
        else if (c == 0xF4)
            hi = 0x8F; /* nothing above U+10FFFF */
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

/* A canonical member of r's simple case-folding orbit, for the ranges listed in the header. */
static int32_t fold(int32_t r)
{
    if (r >= 'A' && r <= 'Z')
        return r + 32;
    if (r < 0x80)
        return r;
    switch (r) {
    case 0x212A: return 'k';
    case 0x017F: return 's';
    case 0x212B: return 0xE5;
    case 0x0178: return 0xFF;
    case 0x00B5: return 0x3BC;
    case 0x039C: return 0x3BC;
    case 0x03C2: return 0x3C3;
    case 0x03D0: return 0x3B2;
    case 0x03D1: return 0x3B8;
    case 0x03F4: return 0x3B8;
    case 0x03D5: return 0x3C6;
    case 0x03D6: return 0x3C0;
    case 0x03F0: return 0x3BA;
    case 0x03F1: return 0x3C1;
    case 0x03F5: return 0x3B5;
    case 0x0345: return 0x3B9;
    case 0x1FBE: return 0x3B9;
    case 0x1E9E: return 0xDF;
    default: break;
    }
    if (r >= 0xC0 && r <= 0xDE && r != 0xD7)
        return r + 32;
    if ((r >= 0x100 && r <= 0x12F) || (r >= 0x132 && r <= 0x137) || (r >= 0x14A && r <= 0x177))
        return (r & 1) ? r : r + 1;
    if ((r >= 0x139 && r <= 0x148) || (r >= 0x179 && r <= 0x17E))
        return (r & 1) ? r + 1 : r;
    if (r >= 0x391 && r <= 0x3A9 && r != 0x3A2)
        return r + 32;
    if (r >= 0x410 && r <= 0x42F)
        return r + 32;
    if (r >= 0x400 && r <= 0x40F)
        return r + 80;
    return r;
}

int sgn_identity_equal_fold(sgn_span a, sgn_span b)
{
    const unsigned char *s = (const unsigned char *)a.ptr, *t = (const unsigned char *)b.ptr;
    size_t sn = a.len, tn = b.len;

    while (sn > 0 && tn > 0) {
        size_t ws, wt;
        int32_t sr = sgn_identity__utf8_decode(s, sn, &ws);
        int32_t tr = sgn_identity__utf8_decode(t, tn, &wt);

        if (sr != tr && fold(sr) != fold(tr))
            return 0;
        s += ws;
        sn -= ws;
        t += wt;
        tn -= wt;
    }
    return sn == 0 && tn == 0;
}

int sgn_identity_capability_supported(sgn_span cap)
{
    return sgn_span_eq(cap, SGN_CAP_TRUSTED_IDENTITY) || sgn_span_eq(cap, SGN_CAP_REVOCATION_CHECK);
}

int sgn_identity_has_wildcard(const sgn_span *ids, size_t n)
{
    size_t i;

    for (i = 0; i < n; i++)
        if (sgn_span_eq(ids[i], SGN_WILDCARD_IDENTITY))
            return 1;
    return 0;
}

int sgn_identity__arn_parse(sgn_identity__arn *a, sgn_span s)
{
    sgn_span *parts[5] = {&a->partition, &a->service, &a->region, &a->account, &a->resource};
    size_t i, start = 4, k = 0;

    memset(a, 0, sizeof(*a));
    if (!span_has_prefix(s, "arn:"))
        return -1;
    /* strings.SplitN(s, ":", 6): sections 1..4 end at the next ':', the resource keeps the rest */
    for (i = 4; i < s.len && k < 4; i++) {
        if (s.ptr[i] == ':') {
            parts[k]->ptr = s.ptr + start;
            parts[k]->len = i - start;
            k++;
            start = i + 1;
        }
    }
    if (k < 4)
        return -1;
    a->resource.ptr = s.ptr + start;
    a->resource.len = s.len - start;
    return 0;
}

static size_t count_segments(sgn_span s)
{
    size_t i, n = 1;

    for (i = 0; i < s.len; i++)
        if (s.ptr[i] == '/')
            n++;
    return n;
}

/* One entry against the signature identity, exactly as the Go plugin decides it. */
static int entry_matches(sgn_span sig, sgn_span id)
{
    sgn_identity__arn a;
    size_t parts, last;

    if (sgn_identity__arn_parse(&a, id) < 0 || !sgn_span_eq(a.service, "signer") ||
        !span_has_prefix(a.resource, PROFILES_PREFIX))
        return 0;
    parts = count_segments(a.resource);
    if (parts == 3) {
        sgn_span head;
        for (last = sig.len; last > 0 && sig.ptr[last - 1] != '/'; last--)
            ;
        if (last == 0)
            return 0;
        head.ptr = sig.ptr;
        head.len = last - 1;
        return sgn_identity_equal_fold(head, id);
    }
    if (parts == 4)
        return sgn_identity_equal_fold(sig, id);
    return 0;
}

sgn_identity_kind sgn_identity_classify(sgn_span id)
{
    sgn_identity__arn a;
    size_t parts, i, seg_len = 0;

    if (sgn_span_eq(id, SGN_WILDCARD_IDENTITY))
        return SGN_IDENTITY_WILDCARD;
    if (span_contains(id, PROFILE_SINGULAR))
        return SGN_IDENTITY_PROFILE_SINGULAR;
    if (sgn_identity__arn_parse(&a, id) < 0)
        return SGN_IDENTITY_OTHER;
    if (span_contains(id, JOBS_PART))
        return SGN_IDENTITY_SIGNING_JOB;
    if (!span_has_prefix(a.resource, PROFILES_PREFIX))
        return span_contains(id, PROFILES_PREFIX) ? SGN_IDENTITY_PROFILE_MALFORMED
                                                  : SGN_IDENTITY_OTHER_ARN;
    if (!sgn_span_eq(a.service, "signer"))
        return SGN_IDENTITY_PROFILE_MALFORMED;
    parts = count_segments(a.resource);
    /* "/signing-profiles/NAME[/VERSION]": every segment after the first (empty) one is set */
    for (i = 1; i < a.resource.len; i++) {
        if (a.resource.ptr[i] == '/') {
            if (seg_len == 0)
                return SGN_IDENTITY_PROFILE_MALFORMED;
            seg_len = 0;
        } else {
            seg_len++;
        }
    }
    if (seg_len == 0)
        return SGN_IDENTITY_PROFILE_MALFORMED;
    if (parts == 3)
        return SGN_IDENTITY_PROFILE;
    if (parts == 4)
        return SGN_IDENTITY_PROFILE_VERSION;
    return SGN_IDENTITY_PROFILE_MALFORMED;
}

typedef enum near_miss { NM_NONE, NM_SINGULAR, NM_JOB, NM_PROFILE } near_miss;

static near_miss classify(sgn_span id)
{
    if (span_contains(id, PROFILE_SINGULAR))
        return NM_SINGULAR;
    if (!span_has_prefix(id, "arn:"))
        return NM_NONE;
    if (span_contains(id, JOBS_PART))
        return NM_JOB;
    if (span_contains(id, PROFILES_PREFIX))
        return NM_PROFILE;
    return NM_NONE;
}

static int append_near_miss(sgn_buf *b, near_miss kind, sgn_span id, sgn_span sig,
                            sgn_error *err)
{
    int rc;

    switch (kind) {
    case NM_SINGULAR:
        if ((rc = sgn_buf_puts(b, " Trusted identity ", err)) < 0 ||
            (rc = sgn_identity_quote(b, id, err)) < 0)
            return rc;
        return sgn_buf_puts(b,
                            " uses \"/signing-profile/\"; AWS Signer signing profile ARNs use "
                            "\"/signing-profiles/\".",
                            err);
    case NM_JOB:
        if ((rc = sgn_buf_puts(b, " Trusted identity ", err)) < 0 ||
            (rc = sgn_identity_quote(b, id, err)) < 0)
            return rc;
        return sgn_buf_puts(b,
                            " is a signing job ARN; trusted identities must be signing profile "
                            "(or signing profile version) ARNs, not signing job ARNs.",
                            err);
    case NM_PROFILE:
        if ((rc = sgn_buf_puts(b, " The signature was made by signing profile version ", err)) <
                0 ||
            (rc = sgn_identity_quote(b, sig, err)) < 0)
            return rc;
        return sgn_buf_puts(b, ".", err);
    default:
        return SGN_OK;
    }
}

int sgn_identity_check(sgn_identity_result *out, sgn_span signature_identity, const sgn_span *ids,
                       size_t n, sgn_error *err)
{
    sgn_buf reason = SGN_BUF_INIT;
    near_miss miss = NM_NONE;
    size_t i, miss_at = 0;
    int rc;

    out->success = 0;
    out->matched = -1;
    out->reason = NULL;
    for (i = 0; i < n; i++) {
        if (entry_matches(signature_identity, ids[i])) {
            out->success = 1;
            out->matched = (long)i;
            break;
        }
        if (miss == NM_NONE && (miss = classify(ids[i])) != NM_NONE)
            miss_at = i;
    }
    if (out->success) {
        if ((rc = sgn_buf_puts(&reason, "Signature publisher matched ", err)) < 0 ||
            (rc = sgn_identity_quote(&reason, ids[i], err)) < 0 ||
            (rc = sgn_buf_puts(&reason, " trusted identity.", err)) < 0)
            goto out;
    } else {
        if ((rc = sgn_buf_puts(&reason, SGN_REASON_TI_FAILURE, err)) < 0)
            goto out;
        if (miss != NM_NONE &&
            (rc = append_near_miss(&reason, miss, ids[miss_at], signature_identity, err)) < 0)
            goto out;
    }
    out->reason = sgn_buf_detach(&reason, NULL);
    if (out->reason == NULL) {
        rc = sgn_error_set(err, SGN_ENOMEM, "out of memory");
        goto out;
    }
    rc = SGN_OK;
out:
    sgn_buf_free(&reason);
    if (rc < 0) {
        out->success = 0;
        out->matched = -1;
    }
    return rc;
}

void sgn_identity_result_free(sgn_identity_result *r)
{
    if (r == NULL)
        return;
    free(r->reason);
    r->reason = NULL;
}
