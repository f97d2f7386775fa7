/* Keys, digests and raw signatures over OpenSSL 3 EVP (no deprecated APIs).
 *
 * Signatures are in the form JWS and COSE carry: ECDSA as raw r||s, each integer left-padded to
 * the curve size (48 bytes for P-384); RSA as PSS with MGF1 of the same hash and salt = hash
 * length. md names are OpenSSL digest names: "SHA256", "SHA384", "SHA512". */
#ifndef SGN_CRYPTO_H
#define SGN_CRYPTO_H

#include <stddef.h>
#include <openssl/evp.h>
#include "sgn/error.h"

int sgn_crypto_generate_p384(EVP_PKEY **out, sgn_error *err);
/* PKCS#8 PEM, unencrypted, written atomically with mode 0600. */
int sgn_crypto_write_key_pem(const char *path, EVP_PKEY *key, sgn_error *err);
/* Refuses a key file readable by group or others (mode & 077) with SGN_EIO. */
int sgn_crypto_read_key_pem(EVP_PKEY **out, const char *path, sgn_error *err);

/* out must hold EVP_MAX_MD_SIZE bytes; *outlen receives the digest length. */
int sgn_crypto_digest(const char *md, const void *data, size_t len, unsigned char *out,
                      unsigned int *outlen, sgn_error *err);
/* Lower-case hex digest, malloc'd. */
int sgn_crypto_digest_hex(char **out, const char *md, const void *data, size_t len,
                          sgn_error *err);

/* Hash data with md and sign; *sig is malloc'd in JWS/COSE form (see above). */
int sgn_crypto_sign(unsigned char **sig, size_t *siglen, EVP_PKEY *key, const char *md,
                    const void *data, size_t len, sgn_error *err);
/* SGN_OK if sig (JWS/COSE form) verifies, SGN_ECRYPTO with a message otherwise. */
int sgn_crypto_verify(EVP_PKEY *key, const char *md, const void *data, size_t len,
                      const unsigned char *sig, size_t siglen, sgn_error *err);

/* ECDSA DER (SEQUENCE{r,s}) <-> raw r||s of 2*field_bytes. Both outputs malloc'd. */
int sgn_crypto_ecdsa_der_to_raw(unsigned char **raw, size_t *rawlen, const unsigned char *der,
                                size_t derlen, size_t field_bytes, sgn_error *err);
int sgn_crypto_ecdsa_raw_to_der(unsigned char **der, size_t *derlen, const unsigned char *raw,
                                size_t rawlen, sgn_error *err);

/* JWS alg ("ES384", "PS256", ...) and COSE alg (-35, -37, ...) for a key, per notation's table:
 * RSA 2048/3072/4096 -> PS256/PS384/PS512, EC P-256/P-384/P-521 -> ES256/ES384/ES512.
 * *md receives the matching digest name. SGN_EINVALID for any other key. */
int sgn_crypto_key_alg(EVP_PKEY *key, const char **jws_alg, int *cose_alg, const char **md,
                       sgn_error *err);

#endif
