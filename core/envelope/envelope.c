#include "sgn/envelope.h"

#include <stdlib.h>
#include <string.h>
#include <openssl/x509.h>

#include "envelope/envelope_int.h"
#include "sgn/crypto.h"
#include "sgn/util.h"
#include "sgn/x509.h"

/* Largest time an RFC 3339 year can hold: 9999-12-31T23:59:59Z. */
#define TIME_MAX INT64_C(253402300799)

static const sgn_envelope__format *const formats[] = {
    &sgn_envelope__jws,
    &sgn_envelope__cose,
};

static const sgn_envelope__format *find_format(const char *media_type, sgn_error *err)
{
    size_t i;

    if (media_type == NULL)
        media_type = SGN_ENVELOPE_JWS;
    for (i = 0; i < sizeof(formats) / sizeof(formats[0]); i++)
        if (strcmp(formats[i]->media_type, media_type) == 0)
            return formats[i];
    sgn_error_set(err, SGN_EINVALID, "envelope type \"%s\" is not supported", media_type);
    return NULL;
}

int sgn_envelope__is_notary_header(const char *name)
{
    return strcmp(name, SGN_HDR_SIGNING_SCHEME) == 0 || strcmp(name, SGN_HDR_SIGNING_TIME) == 0 ||
           strcmp(name, SGN_HDR_AUTHENTIC_SIGNING_TIME) == 0 || strcmp(name, SGN_HDR_EXPIRY) == 0;
}

const char *sgn_envelope__cose_alg_name(int64_t alg)
{
    static const struct {
        int64_t id;
        const char *name;
    } table[] = {
        {-37, "PS256"}, {-38, "PS384"}, {-39, "PS512"},
        {-7, "ES256"},  {-35, "ES384"}, {-36, "ES512"},
    };
    size_t i;

    for (i = 0; i < sizeof(table) / sizeof(table[0]); i++)
        if (table[i].id == alg)
            return table[i].name;
    return NULL;
}

int sgn_envelope__add_extended(sgn_envelope_info *info, const char *key, const char *value,
                               size_t value_len, sgn_error *err)
{
    sgn_kv *kv;
    char *k = NULL, *v = NULL;

    kv = realloc(info->extended, (info->n_extended + 1) * sizeof(*kv));
    if (kv == NULL)
        return sgn_error_set(err, SGN_ENOMEM, "out of memory");
    info->extended = kv;
    k = strdup(key);
    v = malloc(value_len + 1);
    if (k == NULL || v == NULL) {
        free(k);
        free(v);
        return sgn_error_set(err, SGN_ENOMEM, "out of memory");
    }
    if (value_len > 0)
        memcpy(v, value, value_len);
    v[value_len] = '\0';
    kv[info->n_extended].key = k;
    kv[info->n_extended].value = v;
    info->n_extended++;
    return SGN_OK;
}

int sgn_envelope__add_cert(sgn_envelope_info *info, const unsigned char *der, size_t len,
                           sgn_error *err)
{
    unsigned char **certs, *copy;
    size_t *lens;

    certs = realloc(info->certs, (info->n_certs + 1) * sizeof(*certs));
    if (certs == NULL)
        return sgn_error_set(err, SGN_ENOMEM, "out of memory");
    info->certs = certs;
    lens = realloc(info->cert_lens, (info->n_certs + 1) * sizeof(*lens));
    if (lens == NULL)
        return sgn_error_set(err, SGN_ENOMEM, "out of memory");
    info->cert_lens = lens;
    copy = malloc(len ? len : 1);
    if (copy == NULL)
        return sgn_error_set(err, SGN_ENOMEM, "out of memory");
    if (len > 0)
        memcpy(copy, der, len);
    certs[info->n_certs] = copy;
    lens[info->n_certs] = len;
    info->n_certs++;
    return SGN_OK;
}

void sgn_envelope_info_free(sgn_envelope_info *info)
{
    size_t i;

    if (info == NULL)
        return;
    free(info->payload);
    free(info->content_type);
    free(info->alg);
    free(info->signing_scheme);
    for (i = 0; i < info->n_extended; i++) {
        free(info->extended[i].key);
        free(info->extended[i].value);
    }
    free(info->extended);
    sgn_strlist_free(&info->crit);
    for (i = 0; i < info->n_certs; i++)
        free(info->certs[i]);
    free(info->certs);
    free(info->cert_lens);
    free(info->signing_agent);
    memset(info, 0, sizeof(*info));
}

/* ---- signing ------------------------------------------------------------------------------ */

static int is_reserved_name(const char *name)
{
    return sgn_envelope__is_notary_header(name) || strcmp(name, "alg") == 0 ||
           strcmp(name, "cty") == 0 || strcmp(name, "crit") == 0 ||
           strcmp(name, SGN_HDR_SIGNING_AGENT) == 0;
}

static int check_attrs(const sgn_sig_attrs *attrs, int *authentic, sgn_error *err)
{
    size_t i, j;

    if (attrs == NULL || attrs->signing_scheme == NULL)
        return sgn_error_set(err, SGN_EINVALID, "signing scheme is required");
    if (strcmp(attrs->signing_scheme, SGN_SCHEME_SIGNING_AUTHORITY) == 0)
        *authentic = 1;
    else if (strcmp(attrs->signing_scheme, SGN_SCHEME_X509) == 0)
        *authentic = 0;
    else
        return sgn_error_set(err, SGN_EINVALID, "unsupported signingScheme: `%s`",
                             attrs->signing_scheme);
    if (attrs->signing_time < SGN_TIME_ZERO || attrs->signing_time > TIME_MAX)
        return sgn_error_set(err, SGN_EINVALID, "signing time %lld is out of range",
                             (long long)attrs->signing_time);
    if (attrs->expiry != 0 && (attrs->expiry <= attrs->signing_time || attrs->expiry > TIME_MAX))
        return sgn_error_set(err, SGN_EINVALID, "expiry must be after the signing time");
    if (attrs->n_extended > 0 && attrs->extended == NULL)
        return sgn_error_set(err, SGN_EINVALID, "extended attributes are missing");
    for (i = 0; i < attrs->n_extended; i++) {
        const sgn_kv *kv = &attrs->extended[i];

        if (kv->key == NULL || kv->key[0] == '\0' || kv->value == NULL)
            return sgn_error_set(err, SGN_EINVALID, "extended attribute %zu is incomplete", i);
        if (is_reserved_name(kv->key))
            return sgn_error_set(err, SGN_EINVALID,
                                 "extended attribute \"%s\" would replace a standard header",
                                 kv->key);
        for (j = 0; j < i; j++)
            if (strcmp(attrs->extended[j].key, kv->key) == 0)
                return sgn_error_set(err, SGN_EINVALID, "extended attribute \"%s\" is repeated",
                                     kv->key);
    }
    return SGN_OK;
}

int sgn_envelope_sign(sgn_buf *out, const char *envelope_type, const unsigned char *payload,
                      size_t payload_len, const sgn_sig_attrs *attrs, EVP_PKEY *key,
                      X509 *const *chain, size_t chain_len, sgn_error *err)
{
    int rc;
    const sgn_envelope__format *fmt;
    sgn_envelope__sign_ctx ctx;
    const char **crit = NULL;
    sgn_buf env = SGN_BUF_INIT;
    size_t i;

    memset(&ctx, 0, sizeof(ctx));
    if ((fmt = find_format(envelope_type, err)) == NULL) {
        rc = SGN_EINVALID;
        goto out;
    }
    if (payload == NULL || payload_len == 0) {
        rc = sgn_error_set(err, SGN_EINVALID, "payload cannot be empty");
        goto out;
    }
    if ((rc = check_attrs(attrs, &ctx.authentic, err)) < 0)
        goto out;
    if (key == NULL || chain == NULL || chain_len == 0 || chain[0] == NULL) {
        rc = sgn_error_set(err, SGN_EINVALID, "a signing key and certificate chain are required");
        goto out;
    }
    if ((rc = sgn_crypto_key_alg(key, &ctx.jws_alg, &ctx.cose_alg, &ctx.md, err)) < 0)
        goto out;
    if (EVP_PKEY_eq(X509_get0_pubkey(chain[0]), key) != 1) {
        rc = sgn_error_set(err, SGN_EINVALID,
                           "the first certificate of the chain does not hold the signing key");
        goto out;
    }
    ctx.payload = payload;
    ctx.payload_len = payload_len;
    ctx.attrs = attrs;
    ctx.key = key;

    ctx.certs = calloc(chain_len, sizeof(*ctx.certs));
    ctx.cert_lens = calloc(chain_len, sizeof(*ctx.cert_lens));
    crit = calloc(3 + attrs->n_extended, sizeof(*crit));
    if (ctx.certs == NULL || ctx.cert_lens == NULL || crit == NULL) {
        rc = sgn_error_set(err, SGN_ENOMEM, "out of memory");
        goto out;
    }
    for (i = 0; i < chain_len; i++) {
        if (chain[i] == NULL) {
            rc = sgn_error_set(err, SGN_EINVALID, "certificate %zu of the chain is missing", i);
            goto out;
        }
        if ((rc = sgn_x509_to_der(&ctx.certs[i], &ctx.cert_lens[i], chain[i], err)) < 0)
            goto out;
        ctx.n_certs++;
    }

    /* notation's critical set: the scheme, the authentic time, the expiry, then every extended
     * attribute. Never alg, cty or signingTime: notation-go rejects those in crit. */
    crit[ctx.n_crit++] = SGN_HDR_SIGNING_SCHEME;
    if (ctx.authentic)
        crit[ctx.n_crit++] = SGN_HDR_AUTHENTIC_SIGNING_TIME;
    if (attrs->expiry != 0)
        crit[ctx.n_crit++] = SGN_HDR_EXPIRY;
    for (i = 0; i < attrs->n_extended; i++)
        crit[ctx.n_crit++] = attrs->extended[i].key;
    ctx.crit = crit;

    if ((rc = fmt->sign(&env, &ctx, err)) < 0)
        goto out;
    rc = sgn_buf_append(out, env.data, env.len, err);
out:
    for (i = 0; i < ctx.n_certs; i++)
        free(ctx.certs[i]);
    free(ctx.certs);
    free(ctx.cert_lens);
    free(crit);
    sgn_buf_free(&env);
    return rc;
}

/* ---- verification ------------------------------------------------------------------------- */

static int strlist_has(const sgn_strlist *l, const char *s)
{
    size_t i;

    for (i = 0; i < l->len; i++)
        if (strcmp(l->items[i], s) == 0)
            return 1;
    return 0;
}

/* notation-go's validateProtectedHeaders / validateCriticalHeaders. */
static int check_headers(const sgn_envelope__parsed *p, sgn_error *err)
{
    const sgn_envelope_info *info = p->info;
    int sa, must_scheme = 1, must_auth, must_expiry;
    size_t i;

    if (info->signing_scheme == NULL)
        return sgn_error_set(err, SGN_EINVALID, "missing \"%s\" header", SGN_HDR_SIGNING_SCHEME);
    if (strcmp(info->signing_scheme, SGN_SCHEME_SIGNING_AUTHORITY) == 0)
        sa = 1;
    else if (strcmp(info->signing_scheme, SGN_SCHEME_X509) == 0)
        sa = 0;
    else
        return sgn_error_set(err, SGN_EINVALID, "unsupported signingScheme: `%s`",
                             info->signing_scheme);
    if (sa && p->has_signing_time)
        return sgn_error_set(err, SGN_EINVALID, "\"%s\" header must not be present for %s "
                             "signing scheme", SGN_HDR_SIGNING_TIME, SGN_SCHEME_SIGNING_AUTHORITY);
    if (sa && !p->has_authentic_time)
        return sgn_error_set(err, SGN_EINVALID, "\"%s\" header is missing",
                             SGN_HDR_AUTHENTIC_SIGNING_TIME);
    if (!sa && p->has_authentic_time)
        return sgn_error_set(err, SGN_EINVALID, "\"%s\" header must not be present for %s "
                             "signing scheme", SGN_HDR_AUTHENTIC_SIGNING_TIME, SGN_SCHEME_X509);
    if (!sa && !p->has_signing_time)
        return sgn_error_set(err, SGN_EINVALID, "\"%s\" header is missing", SGN_HDR_SIGNING_TIME);

    if (info->crit.len == 0)
        return sgn_error_set(err, SGN_EINVALID, "missing \"crit\" header");
    must_auth = sa;
    must_expiry = p->has_expiry && info->expiry != SGN_TIME_ZERO;
    for (i = 0; i < info->crit.len; i++) {
        const char *name = info->crit.items[i];

        if (must_scheme && strcmp(name, SGN_HDR_SIGNING_SCHEME) == 0)
            must_scheme = 0;
        else if (must_auth && strcmp(name, SGN_HDR_AUTHENTIC_SIGNING_TIME) == 0)
            must_auth = 0;
        else if (must_expiry && strcmp(name, SGN_HDR_EXPIRY) == 0)
            must_expiry = 0;
        else if (!strlist_has(&p->present, name))
            return sgn_error_set(err, SGN_EINVALID,
                                 "\"%s\" header is marked critical but not present", name);
    }
    if (must_scheme || must_auth || must_expiry)
        return sgn_error_set(err, SGN_EINVALID,
                             "these required headers are not marked as critical:%s%s%s",
                             must_scheme ? " " SGN_HDR_SIGNING_SCHEME : "",
                             must_auth ? " " SGN_HDR_AUTHENTIC_SIGNING_TIME : "",
                             must_expiry ? " " SGN_HDR_EXPIRY : "");

    if (info->content_type == NULL)
        return sgn_error_set(err, SGN_EINVALID, "missing content type header");
    if (strcmp(info->content_type, SGN_PAYLOAD_FORMAT_NOTARY) != 0)
        return sgn_error_set(err, SGN_EINVALID, "content type \"%s\" is not supported",
                             info->content_type);
    return SGN_OK;
}

int sgn_envelope_verify(sgn_envelope_info *out, const char *envelope_type,
                        const unsigned char *env, size_t len, sgn_error *err)
{
    int rc;
    const sgn_envelope__format *fmt;
    sgn_envelope__parsed p;
    X509 *leaf = NULL;
    const char *alg = NULL, *md = NULL;
    sgn_error verr = SGN_ERROR_INIT;

    memset(out, 0, sizeof(*out));
    memset(&p, 0, sizeof(p));
    p.info = out;
    if ((fmt = find_format(envelope_type, err)) == NULL) {
        rc = SGN_EINVALID;
        goto out;
    }
    if (env == NULL || len == 0) {
        rc = sgn_error_set(err, SGN_EINVALID, "signature envelope is empty");
        goto out;
    }
    if ((rc = fmt->parse(&p, env, len, err)) < 0)
        goto out;
    if ((rc = check_headers(&p, err)) < 0)
        goto out;
    if (out->n_certs == 0) {
        rc = sgn_error_set(err, SGN_EINVALID, "certificate chain is not present");
        goto out;
    }
    if (sgn_x509_from_der(&leaf, out->certs[0], out->cert_lens[0], &verr) < 0) {
        rc = sgn_error_set(err, SGN_EINVALID, "malformed leaf certificate: %s", verr.msg);
        goto out;
    }
    if (sgn_crypto_key_alg(X509_get0_pubkey(leaf), &alg, NULL, &md, &verr) < 0) {
        rc = sgn_error_set(err, SGN_EINVALID, "leaf certificate key: %s", verr.msg);
        goto out;
    }
    if (out->alg == NULL || strcmp(out->alg, alg) != 0) {
        rc = sgn_error_set(err, SGN_EINVALID,
                           "signature algorithm \"%s\" does not match the leaf certificate "
                           "key (%s)",
                           out->alg ? out->alg : "", alg);
        goto out;
    }
    if (sgn_crypto_verify(X509_get0_pubkey(leaf), md, p.tbs.data, p.tbs.len, p.sig, p.sig_len,
                          &verr) < 0) {
        rc = sgn_error_set(err, SGN_EINVALID, "signature is invalid: %s", verr.msg);
        goto out;
    }
    rc = SGN_OK;
out:
    X509_free(leaf);
    sgn_strlist_free(&p.present);
    sgn_buf_free(&p.tbs);
    free(p.sig);
    if (rc < 0)
        sgn_envelope_info_free(out);
    return rc;
}
