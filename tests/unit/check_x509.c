/* Unit tests for core/src/x509.c. Every time is pinned. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <openssl/bn.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/x509v3.h>

#include "sgn/backend.h"
#include "sgn/buf.h"
#include "sgn/crypto.h"
#include "sgn/x509.h"
#include "sgn_check.h"

#define T0 INT64_C(1700000000)          /* 2023-11-14T22:13:20Z */
#define DAY INT64_C(86400)
#define YEAR (365 * DAY)
#define LEAF_SUBJECT "C=US,ST=WA,L=Seattle,O=AWS,OU=AWS Cryptography,CN=AWS Signer"
#define CA_SUBJECT "C=US,ST=WA,O=AWS,OU=Cryptography,CN=Test Signer local Code Signing CA G1"
#define ROOT_SUBJECT "C=US,ST=WA,O=AWS,OU=Cryptography,CN=Test Signer Code Signing Root CA G1"
#define AWS_ROOT_TBS_SHA384                                                                    \
    "163b39eb810821441b047ddf99b17fec3db7c40fc0e5fcd4fd69818dd8e953d4752d210c9e6f6382eff98edc0a" \
    "2771ea"
#define AWS_ROOT_SHA256 "90a87d0543c3f094dbff9589b6649affe2f3d6e0f308799be2258461c686473f"

#define N(a) ((int)(sizeof(a) / sizeof((a)[0])))

/* ---- helpers ------------------------------------------------------------------------------ */

static EVP_PKEY *p384(void)
{
    sgn_error err = SGN_ERROR_INIT;
    EVP_PKEY *k = NULL;

    ck_assert_sgn_ok(sgn_crypto_generate_p384(&k, &err), &err);
    return k;
}

typedef struct pki {
    EVP_PKEY *root_key, *ca_key, *leaf_key;
    X509 *root, *ca, *leaf;
    X509 *chain[3]; /* leaf, ca, root */
} pki;

static X509 *issue(sgn_cert_kind kind, const char *subject, int64_t nb, int64_t na, int path_len,
                   EVP_PKEY *key, X509 *issuer, EVP_PKEY *issuer_key)
{
    sgn_error err = SGN_ERROR_INIT;
    sgn_cert_spec spec = {kind, subject, nb, na, path_len};
    X509 *x = NULL;

    ck_assert_sgn_ok(sgn_x509_issue(&x, &spec, key, issuer, issuer_key, &err), &err);
    return x;
}

/* root (20 years, pathlen 1) -> CA (10 years, pathlen 0) -> leaf (3 days), all from T0. */
static void pki_make(pki *p)
{
    p->root_key = p384();
    p->ca_key = p384();
    p->leaf_key = p384();
    p->root = issue(SGN_CERT_ROOT, ROOT_SUBJECT, T0, T0 + 20 * YEAR, 1, p->root_key, NULL, NULL);
    p->ca = issue(SGN_CERT_CA, CA_SUBJECT, T0, T0 + 10 * YEAR, 0, p->ca_key, p->root,
                  p->root_key);
    p->leaf = issue(SGN_CERT_LEAF, LEAF_SUBJECT, T0, T0 + 3 * DAY, -1, p->leaf_key, p->ca,
                    p->ca_key);
    p->chain[0] = p->leaf;
    p->chain[1] = p->ca;
    p->chain[2] = p->root;
}

static void pki_free(pki *p)
{
    X509_free(p->root);
    X509_free(p->ca);
    X509_free(p->leaf);
    EVP_PKEY_free(p->root_key);
    EVP_PKEY_free(p->ca_key);
    EVP_PKEY_free(p->leaf_key);
}

/* A certificate built directly with OpenSSL, to break one rule at a time. NULL extension values
 * are left out; name_from (or issuer) provides the issuer name. */
typedef struct raw_spec {
    const char *cn;
    const char *bc, *ku, *eku;
    const char *md;
} raw_spec;

static X509 *raw_cert(const raw_spec *s, EVP_PKEY *key, X509 *issuer, EVP_PKEY *issuer_key,
                      X509 *name_from)
{
    X509 *x = X509_new();
    X509_NAME *name = X509_NAME_new();
    X509V3_CTX ctx;
    const char *values[3] = {s->bc, s->ku, s->eku};
    const int nids[3] = {NID_basic_constraints, NID_key_usage, NID_ext_key_usage};
    int i;

    ck_assert_int_eq(X509_set_version(x, X509_VERSION_3), 1);
    ck_assert_int_eq(ASN1_INTEGER_set(X509_get_serialNumber(x), 4242), 1);
    ck_assert_int_eq(X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_UTF8,
                                                (const unsigned char *)s->cn, -1, -1, 0),
                     1);
    ck_assert_int_eq(X509_set_subject_name(x, name), 1);
    if (issuer == NULL) {
        issuer = x;
        issuer_key = key;
    }
    ck_assert_int_eq(
        X509_set_issuer_name(x, X509_get_subject_name(name_from ? name_from : issuer)), 1);
    ck_assert_ptr_nonnull(ASN1_TIME_adj(X509_getm_notBefore(x), (time_t)T0, 0, 0));
    ck_assert_ptr_nonnull(ASN1_TIME_adj(X509_getm_notAfter(x), (time_t)(T0 + YEAR), 0, 0));
    ck_assert_int_eq(X509_set_pubkey(x, key), 1);
    X509V3_set_ctx(&ctx, issuer, x, NULL, NULL, 0);
    for (i = 0; i < 3; i++) {
        X509_EXTENSION *ext;
        if (values[i] == NULL)
            continue;
        ext = X509V3_EXT_nconf_nid(NULL, &ctx, nids[i], values[i]);
        ck_assert_ptr_nonnull(ext);
        ck_assert_int_eq(X509_add_ext(x, ext, -1), 1);
        X509_EXTENSION_free(ext);
    }
    ck_assert_int_gt(X509_sign(x, issuer_key, EVP_get_digestbyname(s->md ? s->md : "SHA384")),
                     0);
    X509_NAME_free(name);
    return x;
}

static const raw_spec good_leaf = {"leaf", "CA:FALSE", "critical,digitalSignature", "codeSigning",
                                   NULL};
static const raw_spec good_ca = {"ca", "critical,CA:TRUE", "critical,keyCertSign,cRLSign", NULL,
                                 NULL};
static const raw_spec good_root = {"root", "critical,CA:TRUE", "critical,keyCertSign,cRLSign",
                                   NULL, NULL};

/* ---- issuing ------------------------------------------------------------------------------ */

static void assert_subject(X509 *x, const char *const *expect, int n)
{
    X509_NAME *name = X509_get_subject_name(x);
    int i;

    ck_assert_int_eq(X509_NAME_entry_count(name), n);
    for (i = 0; i < n; i++) {
        X509_NAME_ENTRY *e = X509_NAME_get_entry(name, i);
        char got[128];
        const ASN1_STRING *v = X509_NAME_ENTRY_get_data(e);

        snprintf(got, sizeof(got), "%s=%.*s",
                 OBJ_nid2sn(OBJ_obj2nid(X509_NAME_ENTRY_get_object(e))), ASN1_STRING_length(v),
                 (const char *)ASN1_STRING_get0_data(v));
        ck_assert_str_eq(got, expect[i]);
    }
}

static int ext_critical(X509 *x, int nid)
{
    int i = X509_get_ext_by_NID(x, nid, -1);

    ck_assert_int_ge(i, 0);
    return X509_EXTENSION_get_critical(X509_get_ext(x, i));
}

START_TEST(test_issue_profile)
{
    static const char *const leaf_dn[] = {"C=US", "ST=WA", "L=Seattle", "O=AWS",
                                          "OU=AWS Cryptography", "CN=AWS Signer"};
    pki p;
    X509 *certs[3];
    BIGNUM *serial;
    int i;

    pki_make(&p);
    certs[0] = p.leaf;
    certs[1] = p.ca;
    certs[2] = p.root;
    assert_subject(p.leaf, leaf_dn, 6);
    for (i = 0; i < 3; i++) {
        X509 *x = certs[i], *issuer = i < 2 ? certs[i + 1] : certs[2];
        uint32_t flags = X509_get_extension_flags(x);

        ck_assert_int_eq(X509_get_version(x), X509_VERSION_3);
        ck_assert_int_eq(X509_get_signature_nid(x), NID_ecdsa_with_SHA384);
        serial = ASN1_INTEGER_to_BN(X509_get0_serialNumber(x), NULL);
        ck_assert_int_eq(BN_is_negative(serial), 0);
        ck_assert_int_eq(BN_num_bits(serial), 128);
        BN_free(serial);
        ck_assert_ptr_nonnull(X509_get0_subject_key_id(x));
        ck_assert_ptr_nonnull(X509_get0_authority_key_id(x));
        ck_assert_int_eq(ASN1_OCTET_STRING_cmp(X509_get0_authority_key_id(x),
                                               X509_get0_subject_key_id(issuer)),
                         0);
        ck_assert_int_eq(X509_verify(x, X509_get0_pubkey(issuer)), 1);
        ck_assert_int_eq(X509_NAME_cmp(X509_get_issuer_name(x), X509_get_subject_name(issuer)),
                         0);
        ck_assert_int_eq(ext_critical(x, NID_key_usage), 1);
        ck_assert(flags & EXFLAG_BCONS);
        if (i == 0) {
            ck_assert_uint_eq(X509_get_key_usage(x), KU_DIGITAL_SIGNATURE);
            ck_assert_uint_eq(X509_get_extended_key_usage(x), XKU_CODE_SIGN);
            ck_assert(!(flags & EXFLAG_CA));
        } else {
            ck_assert_uint_eq(X509_get_key_usage(x), KU_KEY_CERT_SIGN | KU_CRL_SIGN);
            ck_assert(flags & EXFLAG_CA);
            ck_assert_int_eq(ext_critical(x, NID_basic_constraints), 1);
            ck_assert_int_eq(X509_get_pathlen(x), i == 1 ? 0 : 1);
        }
    }
    /* pinned validity */
    ck_assert_int_eq(X509_cmp_time(X509_get0_notBefore(p.leaf), &(time_t){T0 - 1}), 1);
    ck_assert_int_eq(X509_cmp_time(X509_get0_notBefore(p.leaf), &(time_t){T0}), -1);
    ck_assert_int_eq(X509_cmp_time(X509_get0_notAfter(p.leaf), &(time_t){T0 + 3 * DAY}), -1);
    ck_assert_int_eq(X509_cmp_time(X509_get0_notAfter(p.leaf), &(time_t){T0 + 3 * DAY - 1}), 1);
    pki_free(&p);
}
END_TEST

START_TEST(test_issue_no_pathlen)
{
    EVP_PKEY *k = p384();
    X509 *root = issue(SGN_CERT_ROOT, "CN=r", T0, T0 + YEAR, -1, k, NULL, NULL);

    ck_assert_int_eq(X509_get_pathlen(root), -1);
    ck_assert(X509_get_extension_flags(root) & EXFLAG_CA);
    X509_free(root);
    EVP_PKEY_free(k);
}
END_TEST

START_TEST(test_issue_rejects)
{
    sgn_error err = SGN_ERROR_INIT;
    pki p;
    EVP_PKEY *other = p384();
    X509 *x = NULL;
    sgn_cert_spec spec = {SGN_CERT_LEAF, LEAF_SUBJECT, T0, T0 + DAY, -1};

    pki_make(&p);
    /* no issuer */
    ck_assert_int_eq(sgn_x509_issue(&x, &spec, other, NULL, NULL, &err), SGN_EINVALID);
    sgn_error_clear(&err);
    /* issuer key does not match the issuer certificate */
    ck_assert_int_eq(sgn_x509_issue(&x, &spec, other, p.ca, p.root_key, &err), SGN_EINVALID);
    sgn_error_clear(&err);
    /* notAfter before notBefore */
    spec.not_after = T0 - 1;
    ck_assert_int_eq(sgn_x509_issue(&x, &spec, other, p.ca, p.ca_key, &err), SGN_EINVALID);
    sgn_error_clear(&err);
    /* bad subjects */
    spec.not_after = T0 + DAY;
    spec.subject = "CN";
    ck_assert_int_eq(sgn_x509_issue(&x, &spec, other, p.ca, p.ca_key, &err), SGN_EINVALID);
    sgn_error_clear(&err);
    spec.subject = "";
    ck_assert_int_eq(sgn_x509_issue(&x, &spec, other, p.ca, p.ca_key, &err), SGN_EINVALID);
    sgn_error_clear(&err);
    spec.subject = "NOTANATTR=x";
    ck_assert_int_eq(sgn_x509_issue(&x, &spec, other, p.ca, p.ca_key, &err), SGN_EINVALID);
    ck_assert_ptr_null(x);
    EVP_PKEY_free(other);
    pki_free(&p);
}
END_TEST

START_TEST(test_subject_escaped_comma)
{
    static const char *const want[] = {"O=Example, Inc", "CN=a b"};
    EVP_PKEY *k = p384();
    X509 *x = issue(SGN_CERT_ROOT, "O=Example\\, Inc, CN=a b", T0, T0 + YEAR, -1, k, NULL, NULL);

    assert_subject(x, want, 2);
    X509_free(x);
    EVP_PKEY_free(k);
}
END_TEST

/* ---- encodings ---------------------------------------------------------------------------- */

START_TEST(test_der_pem_round_trip)
{
    sgn_error err = SGN_ERROR_INIT;
    pki p;
    unsigned char *der = NULL, *longer;
    size_t len = 0;
    char *pem = NULL;
    X509 *back = NULL;

    pki_make(&p);
    ck_assert_sgn_ok(sgn_x509_to_der(&der, &len, p.leaf, &err), &err);
    ck_assert_sgn_ok(sgn_x509_from_der(&back, der, len, &err), &err);
    ck_assert_int_eq(X509_cmp(back, p.leaf), 0);
    X509_free(back);
    back = NULL;
    ck_assert_sgn_ok(sgn_x509_to_pem(&pem, p.leaf, &err), &err);
    ck_assert_ptr_nonnull(strstr(pem, "-----BEGIN CERTIFICATE-----\n"));
    ck_assert_sgn_ok(sgn_x509_from_pem(&back, pem, strlen(pem), &err), &err);
    ck_assert_int_eq(X509_cmp(back, p.leaf), 0);
    X509_free(back);
    back = NULL;

    /* trailing data, truncation, garbage */
    longer = malloc(len + 1);
    memcpy(longer, der, len);
    longer[len] = 0;
    ck_assert_int_eq(sgn_x509_from_der(&back, longer, len + 1, &err), SGN_EINVALID);
    sgn_error_clear(&err);
    ck_assert_int_eq(sgn_x509_from_der(&back, der, len - 1, &err), SGN_EINVALID);
    sgn_error_clear(&err);
    ck_assert_int_eq(sgn_x509_from_pem(&back, "hello", 5, &err), SGN_EINVALID);
    ck_assert_ptr_null(back);
    free(longer);
    free(der);
    free(pem);
    pki_free(&p);
}
END_TEST

/* ---- hashes ------------------------------------------------------------------------------- */

/* Independent computation for our own certificates: OpenSSL's TBS encoding of a certificate it
 * made is byte-identical to the embedded one. */
static void tbs_hash_reference(char out[97], X509 *x)
{
    sgn_error err = SGN_ERROR_INIT;
    unsigned char *tbs = NULL;
    char *hex = NULL;
    int n = i2d_re_X509_tbs(x, &tbs);

    ck_assert_int_gt(n, 0);
    ck_assert_sgn_ok(sgn_crypto_digest_hex(&hex, "SHA384", tbs, (size_t)n, &err), &err);
    snprintf(out, 97, "%s", hex);
    free(hex);
    OPENSSL_free(tbs);
}

START_TEST(test_tbs_hash_own)
{
    sgn_error err = SGN_ERROR_INIT;
    pki p;
    int i;

    pki_make(&p);
    for (i = 0; i < 3; i++) {
        unsigned char *der = NULL;
        size_t len = 0;
        char got[97], want[97];

        ck_assert_sgn_ok(sgn_x509_to_der(&der, &len, p.chain[i], &err), &err);
        ck_assert_sgn_ok(sgn_x509_tbs_sha384_hex(got, der, len, &err), &err);
        tbs_hash_reference(want, p.chain[i]);
        ck_assert_uint_eq(strlen(got), 96);
        ck_assert_str_eq(got, want);
        free(der);
    }
    pki_free(&p);
}
END_TEST

static X509 *aws_root(void)
{
    sgn_error err = SGN_ERROR_INIT;
    const char *dir = getenv("SGN_SHARED_DIR");
    char path[4096];
    sgn_buf pem = SGN_BUF_INIT;
    X509 *x = NULL;

    ck_assert_msg(dir != NULL, "SGN_SHARED_DIR is not set (ctest sets it)");
    snprintf(path, sizeof(path), "%s/truststore/aws-signer-notation-root.crt", dir);
    ck_assert_sgn_ok(sgn_read_file(&pem, path, 1 << 20, &err), &err);
    ck_assert_sgn_ok(sgn_x509_from_pem(&x, (const char *)pem.data, pem.len, &err), &err);
    sgn_buf_free(&pem);
    return x;
}

START_TEST(test_tbs_hash_aws_root)
{
    sgn_error err = SGN_ERROR_INIT;
    X509 *root = aws_root();
    unsigned char *der = NULL;
    size_t len = 0;
    char got[97], thumb[65];

    ck_assert_sgn_ok(sgn_x509_to_der(&der, &len, root, &err), &err);
    ck_assert_sgn_ok(sgn_x509_tbs_sha384_hex(got, der, len, &err), &err);
    ck_assert_str_eq(got, AWS_ROOT_TBS_SHA384);
    ck_assert_sgn_ok(sgn_x509_sha256_hex(thumb, root, &err), &err);
    ck_assert_str_eq(thumb, AWS_ROOT_SHA256);
    free(der);
    X509_free(root);
}
END_TEST

START_TEST(test_tbs_hash_rejects)
{
    sgn_error err = SGN_ERROR_INIT;
    static const unsigned char garbage[] = {0x30, 0x03, 0x02, 0x01, 0x01};
    pki p;
    unsigned char *der = NULL, *longer;
    size_t len = 0;
    char out[97];

    ck_assert_int_eq(sgn_x509_tbs_sha384_hex(out, garbage, sizeof(garbage), &err), SGN_EINVALID);
    sgn_error_clear(&err);
    ck_assert_int_eq(sgn_x509_tbs_sha384_hex(out, (const unsigned char *)"", 0, &err),
                     SGN_EINVALID);
    sgn_error_clear(&err);
    pki_make(&p);
    ck_assert_sgn_ok(sgn_x509_to_der(&der, &len, p.leaf, &err), &err);
    longer = malloc(len + 2);
    memcpy(longer, der, len);
    longer[len] = longer[len + 1] = 0;
    ck_assert_int_eq(sgn_x509_tbs_sha384_hex(out, longer, len + 2, &err), SGN_EINVALID);
    sgn_error_clear(&err);
    ck_assert_int_eq(sgn_x509_tbs_sha384_hex(out, der, len / 2, &err), SGN_EINVALID);
    free(longer);
    free(der);
    pki_free(&p);
}
END_TEST

/* sgn_x509_tbs_sha384_hex reads the certificate with its own copy of OpenSSL's X509 template (no
 * public key decoding): it must accept exactly what d2i_X509 accepts. Seeded byte mutations of
 * our chain and of AWS's root (flips, truncations, insertions, length bytes), each judged by
 * both. */
static void same_verdict_as_d2i(const unsigned char *der, size_t len)
{
    sgn_error err = SGN_ERROR_INIT;
    const unsigned char *p = der;
    X509 *x = len > 0 ? d2i_X509(NULL, &p, (long)len) : NULL;
    int want = x != NULL && p == der + len;
    char out[97];
    int got = sgn_x509_tbs_sha384_hex(out, der, len, &err) == SGN_OK;

    X509_free(x);
    ERR_clear_error();
    ck_assert_msg(got == want, "d2i_X509 %s a %zu-byte input, sgn_x509_tbs_sha384_hex %s it (%s)",
                  want ? "accepts" : "rejects", len, got ? "accepts" : "rejects", err.msg);
}

START_TEST(test_tbs_hash_accepts_as_d2i)
{
    sgn_error err = SGN_ERROR_INIT;
    pki p;
    X509 *root = aws_root();
    X509 *certs[4];
    uint32_t seed = 12345;
    int c, accepted = 0, total = 0;

    pki_make(&p);
    certs[0] = p.chain[0];
    certs[1] = p.chain[1];
    certs[2] = p.chain[2];
    certs[3] = root;
    for (c = 0; c < 4; c++) {
        unsigned char *der = NULL, *m;
        size_t len = 0;

        ck_assert_sgn_ok(sgn_x509_to_der(&der, &len, certs[c], &err), &err);
        same_verdict_as_d2i(der, len);
        m = malloc(len + 8);
        for (int i = 0; i < 1500; i++) {
            size_t mlen = len, pos;
            memcpy(m, der, len);
            seed = seed * 1103515245u + 12345u;
            pos = (seed >> 8) % len;
            switch (i % 5) {
            case 0: /* flip one byte */
                m[pos] ^= (unsigned char)(1u << ((seed >> 3) % 8));
                break;
            case 1: /* set a byte to a tag or length byte */
                m[pos] = (unsigned char[]){0x00, 0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x13,
                                           0x17, 0x18, 0x30, 0x31, 0x80, 0x81, 0x82, 0xa0,
                                           0xa1, 0xa2, 0xa3, 0xff}[(seed >> 4) % 20];
                break;
            case 2: /* truncate */
                mlen = pos;
                break;
            case 3: /* insert a byte */
                memmove(m + pos + 1, m + pos, len - pos);
                m[pos] = (unsigned char)(seed >> 16);
                mlen = len + 1;
                break;
            default: /* delete a byte */
                memmove(m + pos, m + pos + 1, len - pos - 1);
                mlen = len - 1;
                break;
            }
            same_verdict_as_d2i(m, mlen);
            total++;
            {
                const unsigned char *q = m;
                X509 *x = d2i_X509(NULL, &q, (long)mlen);
                accepted += x != NULL;
                X509_free(x);
                ERR_clear_error();
            }
        }
        free(m);
        free(der);
    }
    /* both verdicts occur, or the comparison proves little */
    ck_assert_int_gt(accepted, 100);
    ck_assert_int_lt(accepted, total - 100);
    X509_free(root);
    pki_free(&p);
}
END_TEST

START_TEST(test_chain_hashes)
{
    sgn_error err = SGN_ERROR_INIT;
    pki p;
    unsigned char *ders[3];
    size_t lens[3];
    char h[3][97], want[193];
    sgn_strlist out = SGN_STRLIST_INIT;
    int i;

    pki_make(&p);
    for (i = 0; i < 3; i++) {
        ck_assert_sgn_ok(sgn_x509_to_der(&ders[i], &lens[i], p.chain[i], &err), &err);
        ck_assert_sgn_ok(sgn_x509_tbs_sha384_hex(h[i], ders[i], lens[i], &err), &err);
    }
    ck_assert_sgn_ok(sgn_x509_chain_hashes(&out, (const unsigned char *const *)ders, lens, 3,
                                           &err),
                     &err);
    ck_assert_uint_eq(out.len, 3);
    for (i = 0; i < 3; i++) {
        memcpy(want, h[i], 96);
        memcpy(want + 96, h[i < 2 ? i + 1 : 2], 97);
        ck_assert_uint_eq(strlen(out.items[i]), 192);
        ck_assert_str_eq(out.items[i], want);
    }
    sgn_strlist_free(&out);

    /* one certificate: h0||h0; none: empty */
    ck_assert_sgn_ok(sgn_x509_chain_hashes(&out, (const unsigned char *const *)ders, lens, 1,
                                           &err),
                     &err);
    ck_assert_uint_eq(out.len, 1);
    snprintf(want, sizeof(want), "%s%s", h[0], h[0]);
    ck_assert_str_eq(out.items[0], want);
    sgn_strlist_free(&out);
    ck_assert_sgn_ok(sgn_x509_chain_hashes(&out, NULL, NULL, 0, &err), &err);
    ck_assert_uint_eq(out.len, 0);

    /* a bad certificate leaves the list untouched */
    lens[1] = 10;
    ck_assert_int_eq(sgn_x509_chain_hashes(&out, (const unsigned char *const *)ders, lens, 3,
                                           &err),
                     SGN_EINVALID);
    ck_assert_uint_eq(out.len, 0);
    for (i = 0; i < 3; i++)
        free(ders[i]);
    pki_free(&p);
}
END_TEST

/* ---- notation's chain rules --------------------------------------------------------------- */

static const struct {
    int64_t at;
    int ok;
    const char *msg;
} time_cases[] = {
    {INT64_MIN, 1, NULL},
    {T0, 1, NULL},
    {T0 + DAY, 1, NULL},
    {T0 + 3 * DAY, 1, NULL}, /* notAfter itself is still valid */
    {T0 - 1, 0, "not valid yet"},
    {T0 + 3 * DAY + 1, 0, "expired"},
    {T0 + 11 * YEAR, 0, "expired"},
};

START_TEST(test_chain_validity)
{
    sgn_error err = SGN_ERROR_INIT;
    pki p;
    int rc;

    pki_make(&p);
    rc = sgn_x509_check_notation_chain(p.chain, 3, time_cases[_i].at, &err);
    if (time_cases[_i].ok) {
        ck_assert_msg(rc == SGN_OK, "at %lld: %s", (long long)time_cases[_i].at, err.msg);
    } else {
        ck_assert_int_eq(rc, SGN_EINVALID);
        ck_assert_msg(strstr(err.msg, time_cases[_i].msg) != NULL, "%s", err.msg);
    }
    pki_free(&p);
}
END_TEST

/* A broken chain: build(keys, out) fills up to 4 certificates and returns the count. */
typedef struct broken_keys {
    EVP_PKEY *leaf, *ca, *root, *other;
} broken_keys;

typedef int (*chain_builder)(broken_keys *k, X509 **out);

static int b_leaf_keycertsign(broken_keys *k, X509 **c)
{
    raw_spec l = good_leaf;

    l.ku = "critical,digitalSignature,keyCertSign";
    c[2] = raw_cert(&good_root, k->root, NULL, NULL, NULL);
    c[1] = raw_cert(&good_ca, k->ca, c[2], k->root, NULL);
    c[0] = raw_cert(&l, k->leaf, c[1], k->ca, NULL);
    return 3;
}

static int b_leaf_no_ku(broken_keys *k, X509 **c)
{
    raw_spec l = good_leaf;

    l.ku = NULL;
    c[1] = raw_cert(&good_root, k->root, NULL, NULL, NULL);
    c[0] = raw_cert(&l, k->leaf, c[1], k->root, NULL);
    return 2;
}

static int b_leaf_ku_not_critical(broken_keys *k, X509 **c)
{
    raw_spec l = good_leaf;

    l.ku = "digitalSignature";
    c[1] = raw_cert(&good_root, k->root, NULL, NULL, NULL);
    c[0] = raw_cert(&l, k->leaf, c[1], k->root, NULL);
    return 2;
}

static int b_leaf_no_digital_signature(broken_keys *k, X509 **c)
{
    raw_spec l = good_leaf;

    l.ku = "critical,nonRepudiation";
    c[1] = raw_cert(&good_root, k->root, NULL, NULL, NULL);
    c[0] = raw_cert(&l, k->leaf, c[1], k->root, NULL);
    return 2;
}

static int b_leaf_server_auth(broken_keys *k, X509 **c)
{
    raw_spec l = good_leaf;

    l.eku = "codeSigning,serverAuth";
    c[1] = raw_cert(&good_root, k->root, NULL, NULL, NULL);
    c[0] = raw_cert(&l, k->leaf, c[1], k->root, NULL);
    return 2;
}

static int b_leaf_is_ca(broken_keys *k, X509 **c)
{
    raw_spec l = good_leaf;

    l.bc = "critical,CA:TRUE";
    c[1] = raw_cert(&good_root, k->root, NULL, NULL, NULL);
    c[0] = raw_cert(&l, k->leaf, c[1], k->root, NULL);
    return 2;
}

static int b_ca_without_bc(broken_keys *k, X509 **c)
{
    raw_spec ca = good_ca;

    ca.bc = NULL;
    c[2] = raw_cert(&good_root, k->root, NULL, NULL, NULL);
    c[1] = raw_cert(&ca, k->ca, c[2], k->root, NULL);
    c[0] = raw_cert(&good_leaf, k->leaf, c[1], k->ca, NULL);
    return 3;
}

static int b_ca_without_keycertsign(broken_keys *k, X509 **c)
{
    raw_spec ca = good_ca;

    ca.ku = "critical,cRLSign,digitalSignature";
    c[2] = raw_cert(&good_root, k->root, NULL, NULL, NULL);
    c[1] = raw_cert(&ca, k->ca, c[2], k->root, NULL);
    c[0] = raw_cert(&good_leaf, k->leaf, c[1], k->ca, NULL);
    return 3;
}

static int b_root_pathlen_zero(broken_keys *k, X509 **c)
{
    raw_spec root = good_root;

    root.bc = "critical,CA:TRUE,pathlen:0";
    c[2] = raw_cert(&root, k->root, NULL, NULL, NULL);
    c[1] = raw_cert(&good_ca, k->ca, c[2], k->root, NULL);
    c[0] = raw_cert(&good_leaf, k->leaf, c[1], k->ca, NULL);
    return 3;
}

static int b_wrong_order(broken_keys *k, X509 **c)
{
    c[1] = raw_cert(&good_root, k->root, NULL, NULL, NULL);
    c[2] = raw_cert(&good_ca, k->ca, c[1], k->root, NULL);
    c[0] = raw_cert(&good_leaf, k->leaf, c[2], k->ca, NULL);
    return 3; /* leaf, root, ca */
}

static int b_reversed(broken_keys *k, X509 **c)
{
    c[0] = raw_cert(&good_root, k->root, NULL, NULL, NULL);
    c[1] = raw_cert(&good_ca, k->ca, c[0], k->root, NULL);
    c[2] = raw_cert(&good_leaf, k->leaf, c[1], k->ca, NULL);
    return 3; /* root, ca, leaf */
}

static int b_extra_root(broken_keys *k, X509 **c)
{
    raw_spec other = good_root;

    other.cn = "another root";
    c[2] = raw_cert(&good_root, k->root, NULL, NULL, NULL);
    c[1] = raw_cert(&good_ca, k->ca, c[2], k->root, NULL);
    c[0] = raw_cert(&good_leaf, k->leaf, c[1], k->ca, NULL);
    c[3] = raw_cert(&other, k->other, NULL, NULL, NULL);
    return 4; /* leaf, ca, root, another root */
}

static int b_not_issued_by(broken_keys *k, X509 **c)
{
    c[1] = raw_cert(&good_root, k->root, NULL, NULL, NULL);
    c[0] = raw_cert(&good_leaf, k->leaf, NULL, k->other, c[1]); /* right name, wrong key */
    return 2;
}

static int b_issuer_name_mismatch(broken_keys *k, X509 **c)
{
    raw_spec other = good_root;

    other.cn = "someone else";
    c[2] = raw_cert(&other, k->other, NULL, NULL, NULL);
    c[1] = raw_cert(&good_root, k->root, NULL, NULL, NULL);
    c[0] = raw_cert(&good_leaf, k->leaf, c[1], k->root, c[2]); /* right key, wrong name */
    X509_free(c[2]);
    c[2] = NULL;
    return 2;
}

static int b_last_not_self_signed(broken_keys *k, X509 **c)
{
    X509 *root = raw_cert(&good_root, k->root, NULL, NULL, NULL);

    c[1] = raw_cert(&good_ca, k->ca, root, k->root, NULL);
    c[0] = raw_cert(&good_leaf, k->leaf, c[1], k->ca, NULL);
    X509_free(root);
    return 2;
}

static int b_sha1(broken_keys *k, X509 **c)
{
    raw_spec l = good_leaf;

    l.md = "SHA1";
    c[1] = raw_cert(&good_root, k->root, NULL, NULL, NULL);
    c[0] = raw_cert(&l, k->leaf, c[1], k->root, NULL);
    return 2;
}

static int b_leaf_p224(broken_keys *k, X509 **c)
{
    EVP_PKEY *small = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-224");

    c[1] = raw_cert(&good_root, k->root, NULL, NULL, NULL);
    c[0] = raw_cert(&good_leaf, small, c[1], k->root, NULL);
    EVP_PKEY_free(small);
    return 2;
}

static int b_self_signed_leaf_alone_ok(broken_keys *k, X509 **c)
{
    raw_spec l = good_leaf;

    l.bc = NULL;
    c[0] = raw_cert(&l, k->leaf, NULL, NULL, NULL);
    return 1;
}

static int b_root_alone(broken_keys *k, X509 **c)
{
    c[0] = raw_cert(&good_root, k->root, NULL, NULL, NULL);
    return 1;
}

static int b_leaf_not_self_signed_alone(broken_keys *k, X509 **c)
{
    X509 *root = raw_cert(&good_root, k->root, NULL, NULL, NULL);

    c[0] = raw_cert(&good_leaf, k->leaf, root, k->root, NULL);
    X509_free(root);
    return 1;
}

static int b_good_raw(broken_keys *k, X509 **c)
{
    c[2] = raw_cert(&good_root, k->root, NULL, NULL, NULL);
    c[1] = raw_cert(&good_ca, k->ca, c[2], k->root, NULL);
    c[0] = raw_cert(&good_leaf, k->leaf, c[1], k->ca, NULL);
    return 3;
}

static const struct {
    const char *name;
    chain_builder build;
    const char *msg; /* NULL: the chain passes */
} broken_cases[] = {
    {"good raw chain", b_good_raw, NULL},
    {"self-signed leaf alone", b_self_signed_leaf_alone_ok, NULL},
    {"leaf with keyCertSign", b_leaf_keycertsign, "CertSign"},
    {"leaf without KU", b_leaf_no_ku, "key usage extension must be present"},
    {"leaf KU not critical", b_leaf_ku_not_critical, "must be marked critical"},
    {"leaf without digitalSignature", b_leaf_no_digital_signature, "Digital Signature"},
    {"leaf EKU serverAuth", b_leaf_server_auth, "ServerAuth"},
    {"leaf CA:TRUE", b_leaf_is_ca, "set to false"},
    {"CA without BC", b_ca_without_bc, "basic constraints"},
    {"CA without keyCertSign", b_ca_without_keycertsign, "key cert sign"},
    {"root pathlen 0 above a CA", b_root_pathlen_zero, "path length"},
    {"wrong order", b_wrong_order, "not issued by"},
    {"reversed", b_reversed, "self-signed but not the last"},
    {"extra self-signed cert", b_extra_root, "self-signed but not the last"},
    {"signature by another key", b_not_issued_by, "not issued by"},
    {"issuer name mismatch", b_issuer_name_mismatch, "not issued by"},
    {"last cert not self-signed", b_last_not_self_signed, "not a root"},
    {"SHA-1 signature", b_sha1, "insecure"},
    {"P-224 leaf key", b_leaf_p224, "not supported"},
    {"root alone", b_root_alone, "set to false"},
    {"leaf alone, not self-signed", b_leaf_not_self_signed_alone, "self-signed"},
};

START_TEST(test_chain_rules)
{
    sgn_error err = SGN_ERROR_INIT;
    broken_keys k = {p384(), p384(), p384(), p384()};
    X509 *c[4] = {NULL, NULL, NULL, NULL};
    int n, i, rc;

    n = broken_cases[_i].build(&k, c);
    rc = sgn_x509_check_notation_chain(c, (size_t)n, T0 + DAY, &err);
    if (broken_cases[_i].msg == NULL) {
        ck_assert_msg(rc == SGN_OK, "%s: %s", broken_cases[_i].name, err.msg);
    } else {
        ck_assert_msg(rc == SGN_EINVALID, "%s: accepted", broken_cases[_i].name);
        ck_assert_msg(strstr(err.msg, broken_cases[_i].msg) != NULL, "%s: %s",
                      broken_cases[_i].name, err.msg);
    }
    for (i = 0; i < 4; i++)
        X509_free(c[i]);
    EVP_PKEY_free(k.leaf);
    EVP_PKEY_free(k.ca);
    EVP_PKEY_free(k.root);
    EVP_PKEY_free(k.other);
}
END_TEST

START_TEST(test_chain_empty)
{
    sgn_error err = SGN_ERROR_INIT;

    ck_assert_int_eq(sgn_x509_check_notation_chain(NULL, 0, T0, &err), SGN_EINVALID);
}
END_TEST

static Suite *x509_suite(void)
{
    Suite *s = suite_create("x509");
    TCase *tc = tcase_create("issue");

    tcase_add_test(tc, test_issue_profile);
    tcase_add_test(tc, test_issue_no_pathlen);
    tcase_add_test(tc, test_issue_rejects);
    tcase_add_test(tc, test_subject_escaped_comma);
    tcase_add_test(tc, test_der_pem_round_trip);
    suite_add_tcase(s, tc);

    tc = tcase_create("hash");
    tcase_add_test(tc, test_tbs_hash_own);
    tcase_add_test(tc, test_tbs_hash_aws_root);
    tcase_add_test(tc, test_tbs_hash_rejects);
    tcase_add_test(tc, test_tbs_hash_accepts_as_d2i);
    tcase_add_test(tc, test_chain_hashes);
    suite_add_tcase(s, tc);

    tc = tcase_create("rules");
    tcase_add_loop_test(tc, test_chain_validity, 0, N(time_cases));
    tcase_add_loop_test(tc, test_chain_rules, 0, N(broken_cases));
    tcase_add_test(tc, test_chain_empty);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    return sgn_check_run(x509_suite());
}
