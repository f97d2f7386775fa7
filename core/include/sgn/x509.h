/* X.509 certificates for the local Signer's PKI and for the plugin's revocation hashing.
 *
 * Every certificate made here passes notation's code-signing rules: positive random 128-bit
 * serials, ecdsa-with-SHA384 (or the issuer key's matching hash), root and CAs with critical
 * BasicConstraints CA:TRUE and critical KeyUsage keyCertSign+cRLSign, leaves with critical
 * KeyUsage digitalSignature only, EKU codeSigning, BasicConstraints CA:FALSE; SKI and AKI. */
#ifndef SGN_X509_H
#define SGN_X509_H

#include <stddef.h>
#include <stdint.h>
#include <openssl/x509.h>
#include "sgn/error.h"
#include "sgn/backend.h"

typedef enum sgn_cert_kind { SGN_CERT_ROOT, SGN_CERT_CA, SGN_CERT_LEAF } sgn_cert_kind;

typedef struct sgn_cert_spec {
    sgn_cert_kind kind;
    /* One-line DN, most significant first, comma separated, e.g.
     * "C=US,ST=WA,L=Seattle,O=AWS,OU=AWS Cryptography,CN=AWS Signer". */
    const char *subject;
    int64_t not_before;      /* Unix seconds */
    int64_t not_after;
    int path_len;            /* CA only: pathLenConstraint, or -1 for none */
} sgn_cert_spec;

/* Issue a certificate for subject_key. For SGN_CERT_ROOT issuer and issuer_key are ignored
 * (self-signed with subject_key); otherwise both are required. */
int sgn_x509_issue(X509 **out, const sgn_cert_spec *spec, EVP_PKEY *subject_key, X509 *issuer,
                   EVP_PKEY *issuer_key, sgn_error *err);

/* *der and *pem are malloc'd: release them with free(). from_der refuses trailing bytes;
 * from_pem reads the first certificate. */
int sgn_x509_to_der(unsigned char **der, size_t *len, X509 *cert, sgn_error *err);
int sgn_x509_from_der(X509 **out, const unsigned char *der, size_t len, sgn_error *err);
int sgn_x509_to_pem(char **pem, X509 *cert, sgn_error *err);
int sgn_x509_from_pem(X509 **out, const char *pem, size_t len, sgn_error *err);

/* Lower-case hex SHA-384 of the certificate's DER TBSCertificate (96 chars + NUL).
 * Works from the DER bytes as given, without re-encoding. SGN_EINVALID if der is not a cert. */
int sgn_x509_tbs_sha384_hex(char out[97], const unsigned char *der, size_t len, sgn_error *err);

/* The Go plugin's certificateHashes: for a chain (leaf first) entry i = h[i] || h[i+1], the last
 * entry h[n-1] || h[n-1]. Pairing goes by position only. */
int sgn_x509_chain_hashes(sgn_strlist *out, const unsigned char *const *ders, const size_t *lens,
                          size_t n, sgn_error *err);

/* Lower-case hex SHA-256 of the DER (64 chars + NUL): notation's thumbprint. */
int sgn_x509_sha256_hex(char out[65], X509 *cert, sgn_error *err);

/* Check a chain (leaf first, root last) against notation's certificate rules
 * (research/notation-specs.md §3.5) and, when at != INT64_MIN, that every certificate is valid
 * at `at`. Used by tests and by the store's self-check. SGN_EINVALID names the broken rule. */
int sgn_x509_check_notation_chain(X509 *const *chain, size_t n, int64_t at, sgn_error *err);

/* Check a trust anchor against notation's rules for the root of a chain
 * (research/notation-specs.md §3.5, "Intermediate and root CAs" and "Other rules"): valid
 * extensions, self-signed (the signature verifies with its own key and issuer == subject, raw
 * bytes), no SHA-1/MD5 signature, BasicConstraints with cA=TRUE, KeyUsage present, critical and
 * with keyCertSign; and, when at != INT64_MIN, valid at `at`. SGN_EINVALID names the broken
 * rule. */
int sgn_x509_check_notation_root(X509 *root, int64_t at, sgn_error *err);

#endif
