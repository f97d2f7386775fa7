/* Internal to core/envelope: one table of function pointers per envelope format.
 *
 * envelope.c owns what both formats share: the checks on the caller's attributes, the crit list,
 * notation-go's header rules, the alg-versus-leaf-key check and the signature check. A format
 * only encodes (sign) and decodes (parse) its own syntax. */
#ifndef SGN_ENVELOPE_INT_H
#define SGN_ENVELOPE_INT_H

#include <stddef.h>
#include <stdint.h>
#include <openssl/evp.h>
#include "sgn/buf.h"
#include "sgn/envelope.h"
#include "sgn/error.h"

#define SGN_HDR_SIGNING_SCHEME "io.cncf.notary.signingScheme"
#define SGN_HDR_SIGNING_TIME "io.cncf.notary.signingTime"
#define SGN_HDR_AUTHENTIC_SIGNING_TIME "io.cncf.notary.authenticSigningTime"
#define SGN_HDR_EXPIRY "io.cncf.notary.expiry"
#define SGN_HDR_SIGNING_AGENT "io.cncf.notary.signingAgent"

/* Everything a format needs to build and sign an envelope; validated by envelope.c. */
typedef struct sgn_envelope__sign_ctx {
    const unsigned char *payload;
    size_t payload_len;
    const sgn_sig_attrs *attrs;
    int authentic;              /* 1 for notary.x509.signingAuthority */
    EVP_PKEY *key;
    const char *jws_alg;        /* "ES384" */
    int cose_alg;               /* -35 */
    const char *md;             /* "SHA384" */
    const char *const *crit;    /* the crit list, in order */
    size_t n_crit;
    unsigned char **certs;      /* DER, leaf first */
    size_t *cert_lens;
    size_t n_certs;
} sgn_envelope__sign_ctx;

/* What a format's parser hands back for the shared checks. */
typedef struct sgn_envelope__parsed {
    sgn_envelope_info *info;    /* filled by the parser (alg, times, crit, certs, ...) */
    int has_signing_time;
    int has_authentic_time;
    int has_expiry;
    /* Labels a crit entry may name beyond the required ones: for JWS the extended headers,
     * for COSE every text label of the protected header. */
    sgn_strlist present;
    sgn_buf tbs;                /* the exact bytes the signature covers */
    unsigned char *sig;
    size_t sig_len;
} sgn_envelope__parsed;

typedef struct sgn_envelope__format {
    const char *media_type;
    /* Append the complete envelope to out. */
    int (*sign)(sgn_buf *out, const sgn_envelope__sign_ctx *ctx, sgn_error *err);
    /* Decode env into p; syntax errors are SGN_EINVALID. Header rules are checked later. */
    int (*parse)(sgn_envelope__parsed *p, const unsigned char *env, size_t len, sgn_error *err);
} sgn_envelope__format;

extern const sgn_envelope__format sgn_envelope__jws;
extern const sgn_envelope__format sgn_envelope__cose;

/* 1 if name is one of the protected headers notation itself defines (signingScheme,
 * signingTime, authenticSigningTime, expiry). */
int sgn_envelope__is_notary_header(const char *name);

/* Append key/value (value of value_len bytes, copied and NUL-terminated) to info->extended. */
int sgn_envelope__add_extended(sgn_envelope_info *info, const char *key, const char *value,
                               size_t value_len, sgn_error *err);

/* Append a copy of der to info->certs. */
int sgn_envelope__add_cert(sgn_envelope_info *info, const unsigned char *der, size_t len,
                           sgn_error *err);

/* COSE algorithm id -> JWS name ("ES384"), or NULL if notation does not use it. */
const char *sgn_envelope__cose_alg_name(int64_t alg);

#endif
