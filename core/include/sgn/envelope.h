/* Notary signature envelopes: JWS (application/jose+json, flattened JSON serialisation) and
 * COSE (application/cose, COSE_Sign1_Tagged), built the way AWS Signer builds them and parsed and
 * verified the way notation-go does (research/notation-specs.md §3). */
#ifndef SGN_ENVELOPE_H
#define SGN_ENVELOPE_H

#include <stddef.h>
#include <stdint.h>
#include <openssl/x509.h>
#include "sgn/buf.h"
#include "sgn/backend.h"
#include "sgn/error.h"

#define SGN_SCHEME_X509 "notary.x509"
#define SGN_SCHEME_SIGNING_AUTHORITY "notary.x509.signingAuthority"
#define SGN_ATTR_VERIFICATION_PLUGIN "io.cncf.notary.verificationPlugin"
#define SGN_ATTR_PROFILE_VERSION "com.amazonaws.signer.signingProfileVersion"
#define SGN_ATTR_SIGNING_JOB "com.amazonaws.signer.signingJob"
#define SGN_PLUGIN_NAME "com.amazonaws.signer.notation.plugin"

typedef struct sgn_sig_attrs {
    const char *signing_scheme;   /* SGN_SCHEME_SIGNING_AUTHORITY or SGN_SCHEME_X509 */
    int64_t signing_time;         /* authentic signing time for signingAuthority */
    int64_t expiry;               /* 0 = no expiry */
    /* Extended signed attributes, string valued, all marked critical, emitted in this order
     * (after the standard ones). */
    const sgn_kv *extended;
    size_t n_extended;
    const char *signing_agent;    /* unprotected io.cncf.notary.signingAgent, or NULL */
} sgn_sig_attrs;

/* Build and sign an envelope of envelope_type (SGN_ENVELOPE_JWS or SGN_ENVELOPE_COSE; NULL means
 * JWS) over the payload bytes verbatim, with key (whose alg follows notation's table) and chain
 * (leaf first, root last; chain[0] must hold key's public half). Appends the envelope bytes to
 * out; on failure out is unchanged. crit is signingScheme, authenticSigningTime (signingAuthority
 * only), expiry (when set), then every extended key. JWS protected header member order: alg,
 * cty, crit, signingScheme, authenticSigningTime|signingTime, expiry, extended...; COSE
 * protected map in core deterministic order; COSE x5chain is always an array. */
int sgn_envelope_sign(sgn_buf *out, const char *envelope_type, const unsigned char *payload,
                      size_t payload_len, const sgn_sig_attrs *attrs, EVP_PKEY *key,
                      X509 *const *chain, size_t chain_len, sgn_error *err);

typedef struct sgn_envelope_info {
    unsigned char *payload;
    size_t payload_len;
    char *content_type;
    char *alg;                    /* JWS alg name; for COSE the equivalent name, e.g. "ES384" */
    char *signing_scheme;
    int64_t signing_time;         /* signingTime or authenticSigningTime */
    int authentic;                /* 1 if the time was authenticSigningTime */
    int64_t expiry;               /* 0 if absent */
    sgn_kv *extended;             /* every other protected attribute with a string value */
    size_t n_extended;
    sgn_strlist crit;
    unsigned char **certs;        /* DER, leaf first */
    size_t *cert_lens;
    size_t n_certs;
    char *signing_agent;          /* or NULL */
} sgn_envelope_info;

/* Parse an envelope, apply notation-go's header rules (crit, scheme/time presence, alg matches the
 * leaf key) and verify the signature with the leaf key. Chain trust is not checked here.
 * Any malformed or unverifiable envelope is SGN_EINVALID with a message; *out is then empty.
 * extended lists the string-valued non-notary protected attributes in header order (for COSE
 * that is the map's encoded order). NULL envelope_type means JWS. */
int sgn_envelope_verify(sgn_envelope_info *out, const char *envelope_type,
                        const unsigned char *env, size_t len, sgn_error *err);
void sgn_envelope_info_free(sgn_envelope_info *info);

#endif
