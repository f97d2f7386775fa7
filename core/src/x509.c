#include "sgn/x509.h"

#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <openssl/asn1.h>
#include <openssl/asn1t.h>
#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/objects.h>
#include <openssl/pem.h>
#include <openssl/x509v3.h>

#include "sgn/crypto.h"
#include "sgn/util.h"

/* ---- issuing ------------------------------------------------------------------------------ */

static int set_random_serial(X509 *x, sgn_error *err)
{
    int rc = SGN_OK;
    BIGNUM *bn = BN_new();
    ASN1_INTEGER *serial = NULL;

    /* Exactly 128 random bits with the top bit set: positive, never zero, fixed width. */
    if (bn == NULL || BN_rand(bn, 128, BN_RAND_TOP_ONE, BN_RAND_BOTTOM_ANY) != 1 ||
        (serial = BN_to_ASN1_INTEGER(bn, NULL)) == NULL ||
        X509_set_serialNumber(x, serial) != 1)
        rc = sgn_error_set_openssl(err, "cannot set a random serial number");
    ASN1_INTEGER_free(serial);
    BN_free(bn);
    return rc;
}

/* Parse "C=US,ST=WA,...,CN=x" (most significant first; "\," escapes a comma) into name. */
static int parse_dn(X509_NAME *name, const char *dn, sgn_error *err)
{
    int rc = SGN_OK;
    size_t n = dn ? strlen(dn) : 0, i, o;
    char *copy = NULL, *rdn;

    if (n == 0)
        return sgn_error_set(err, SGN_EINVALID, "certificate subject is empty");
    copy = malloc(n + 1);
    if (copy == NULL)
        return sgn_error_set(err, SGN_ENOMEM, "out of memory");
    rdn = copy;
    for (i = 0, o = 0; i <= n; i++) {
        char c = dn[i], *eq, *type, *end;

        if (c == '\\' && dn[i + 1] != '\0') {
            copy[o++] = dn[++i];
            continue;
        }
        if (c != ',' && c != '\0') {
            copy[o++] = c;
            continue;
        }
        copy[o] = '\0';
        type = rdn;
        while (*type == ' ')
            type++;
        eq = strchr(type, '=');
        if (eq == NULL || eq == type) {
            rc = sgn_error_set(err, SGN_EINVALID, "bad RDN \"%s\" in subject \"%s\"", type, dn);
            goto out;
        }
        *eq = '\0';
        for (end = eq; end > type && end[-1] == ' ';)
            *--end = '\0';
        if (eq[1] == '\0') {
            rc = sgn_error_set(err, SGN_EINVALID, "empty value for %s in subject \"%s\"", type,
                               dn);
            goto out;
        }
        if (X509_NAME_add_entry_by_txt(name, type, MBSTRING_UTF8,
                                       (const unsigned char *)(eq + 1), -1, -1, 0) != 1) {
            ERR_clear_error();
            rc = sgn_error_set(err, SGN_EINVALID, "bad attribute %s=%s in subject \"%s\"", type,
                               eq + 1, dn);
            goto out;
        }
        rdn = copy + ++o;
    }
out:
    free(copy);
    return rc;
}

static int add_ext(X509 *x, X509V3_CTX *ctx, int nid, const char *value, sgn_error *err)
{
    X509_EXTENSION *ext = X509V3_EXT_nconf_nid(NULL, ctx, nid, value);
    int ok;

    if (ext == NULL)
        return sgn_error_set_openssl(err, "cannot build a certificate extension");
    ok = X509_add_ext(x, ext, -1);
    X509_EXTENSION_free(ext);
    if (ok != 1)
        return sgn_error_set_openssl(err, "cannot add a certificate extension");
    return SGN_OK;
}

static int set_time(ASN1_TIME *t, int64_t sec, sgn_error *err)
{
    if (sec < INT64_C(-62135596800) || sec > INT64_C(253402300799) ||
        ASN1_TIME_adj(t, (time_t)sec, 0, 0) == NULL)
        return sgn_error_set(err, SGN_EINVALID, "certificate time %lld is out of range",
                             (long long)sec);
    return SGN_OK;
}

int sgn_x509_issue(X509 **out, const sgn_cert_spec *spec, EVP_PKEY *subject_key, X509 *issuer,
                   EVP_PKEY *issuer_key, sgn_error *err)
{
    int rc;
    X509 *x = NULL;
    X509_NAME *name = NULL;
    X509V3_CTX ctx;
    EVP_MD *md = NULL;
    const char *mdname = NULL;
    char bc[64];
    int root = spec->kind == SGN_CERT_ROOT;

    *out = NULL;
    if (subject_key == NULL) {
        rc = sgn_error_set(err, SGN_EINVALID, "no subject key");
        goto out;
    }
    if (root) {
        issuer_key = subject_key;
    } else if (issuer == NULL || issuer_key == NULL) {
        rc = sgn_error_set(err, SGN_EINVALID, "an issuer certificate and key are required");
        goto out;
    } else if (X509_check_private_key(issuer, issuer_key) != 1) {
        ERR_clear_error();
        rc = sgn_error_set(err, SGN_EINVALID, "issuer key does not match issuer certificate");
        goto out;
    }
    if (spec->not_after <= spec->not_before) {
        rc = sgn_error_set(err, SGN_EINVALID, "certificate notAfter must follow notBefore");
        goto out;
    }
    if ((rc = sgn_crypto_key_alg(issuer_key, NULL, NULL, &mdname, err)) < 0)
        goto out;
    md = EVP_MD_fetch(NULL, mdname, NULL);
    x = X509_new();
    name = X509_NAME_new();
    if (md == NULL || x == NULL || name == NULL) {
        rc = sgn_error_set_openssl(err, "cannot allocate a certificate");
        goto out;
    }
    if (X509_set_version(x, X509_VERSION_3) != 1 || X509_set_pubkey(x, subject_key) != 1) {
        rc = sgn_error_set_openssl(err, "cannot fill the certificate");
        goto out;
    }
    if ((rc = set_random_serial(x, err)) < 0 || (rc = parse_dn(name, spec->subject, err)) < 0 ||
        (rc = set_time(X509_getm_notBefore(x), spec->not_before, err)) < 0 ||
        (rc = set_time(X509_getm_notAfter(x), spec->not_after, err)) < 0)
        goto out;
    if (X509_set_subject_name(x, name) != 1 ||
        X509_set_issuer_name(x, root ? name : X509_get_subject_name(issuer)) != 1) {
        rc = sgn_error_set_openssl(err, "cannot set certificate names");
        goto out;
    }

    X509V3_set_ctx(&ctx, root ? x : issuer, x, NULL, NULL, 0);
    if (spec->kind == SGN_CERT_LEAF) {
        if ((rc = add_ext(x, &ctx, NID_basic_constraints, "CA:FALSE", err)) < 0 ||
            (rc = add_ext(x, &ctx, NID_key_usage, "critical,digitalSignature", err)) < 0 ||
            (rc = add_ext(x, &ctx, NID_ext_key_usage, "codeSigning", err)) < 0)
            goto out;
    } else {
        if (spec->path_len >= 0)
            snprintf(bc, sizeof(bc), "critical,CA:TRUE,pathlen:%d", spec->path_len);
        else
            snprintf(bc, sizeof(bc), "critical,CA:TRUE");
        if ((rc = add_ext(x, &ctx, NID_basic_constraints, bc, err)) < 0 ||
            (rc = add_ext(x, &ctx, NID_key_usage, "critical,keyCertSign,cRLSign", err)) < 0)
            goto out;
    }
    /* SKI first: a root's AKI is taken from its own SKI. */
    if ((rc = add_ext(x, &ctx, NID_subject_key_identifier, "hash", err)) < 0 ||
        (rc = add_ext(x, &ctx, NID_authority_key_identifier, "keyid:always", err)) < 0)
        goto out;
    if (X509_sign(x, issuer_key, md) <= 0) {
        rc = sgn_error_set_openssl(err, "cannot sign the certificate");
        goto out;
    }
    *out = x;
    x = NULL;
    rc = SGN_OK;
out:
    X509_free(x);
    X509_NAME_free(name);
    EVP_MD_free(md);
    return rc;
}

/* ---- encodings ---------------------------------------------------------------------------- */

int sgn_x509_to_der(unsigned char **der, size_t *len, X509 *cert, sgn_error *err)
{
    unsigned char *tmp = NULL;
    int n;

    *der = NULL;
    *len = 0;
    n = i2d_X509(cert, &tmp);
    if (n <= 0)
        return sgn_error_set_openssl(err, "cannot encode the certificate");
    *der = malloc((size_t)n);
    if (*der == NULL) {
        OPENSSL_free(tmp);
        return sgn_error_set(err, SGN_ENOMEM, "out of memory");
    }
    memcpy(*der, tmp, (size_t)n);
    *len = (size_t)n;
    OPENSSL_free(tmp);
    return SGN_OK;
}

int sgn_x509_from_der(X509 **out, const unsigned char *der, size_t len, sgn_error *err)
{
    const unsigned char *p = der;
    X509 *x;

    *out = NULL;
    if (der == NULL || len == 0 || len > LONG_MAX)
        return sgn_error_set(err, SGN_EINVALID, "empty certificate");
    x = d2i_X509(NULL, &p, (long)len);
    if (x == NULL) {
        ERR_clear_error();
        return sgn_error_set(err, SGN_EINVALID, "malformed certificate");
    }
    if (p != der + len) {
        X509_free(x);
        return sgn_error_set(err, SGN_EINVALID, "trailing data after the certificate");
    }
    *out = x;
    return SGN_OK;
}

int sgn_x509_to_pem(char **pem, X509 *cert, sgn_error *err)
{
    int rc = SGN_OK;
    BIO *bio = BIO_new(BIO_s_mem());
    char *data = NULL;
    long n;

    *pem = NULL;
    if (bio == NULL || PEM_write_bio_X509(bio, cert) != 1) {
        rc = sgn_error_set_openssl(err, "cannot encode the certificate as PEM");
        goto out;
    }
    n = BIO_get_mem_data(bio, &data);
    if (n <= 0 || (*pem = malloc((size_t)n + 1)) == NULL) {
        rc = sgn_error_set(err, SGN_ENOMEM, "out of memory");
        goto out;
    }
    memcpy(*pem, data, (size_t)n);
    (*pem)[n] = '\0';
out:
    BIO_free(bio);
    return rc;
}

int sgn_x509_from_pem(X509 **out, const char *pem, size_t len, sgn_error *err)
{
    BIO *bio;

    *out = NULL;
    if (pem == NULL || len == 0 || len > INT_MAX)
        return sgn_error_set(err, SGN_EINVALID, "empty PEM certificate");
    bio = BIO_new_mem_buf(pem, (int)len);
    if (bio == NULL)
        return sgn_error_set_openssl(err, "cannot allocate a BIO");
    *out = PEM_read_bio_X509(bio, NULL, NULL, NULL);
    BIO_free(bio);
    if (*out == NULL) {
        ERR_clear_error();
        return sgn_error_set(err, SGN_EINVALID, "no PEM certificate found");
    }
    return SGN_OK;
}

/* ---- hashes ------------------------------------------------------------------------------- */

/* One DER header at *p (at most avail bytes): a definite-length constructed SEQUENCE whose
 * contents fit. On success *p points at the contents and *content_len is their length. */
static int der_sequence(const unsigned char **p, long avail, long *content_len)
{
    int tag, xclass, ret;
    const unsigned char *q = *p;

    ret = ASN1_get_object(&q, content_len, &tag, &xclass, avail);
    if ((ret & 0x80) != 0 || ret != V_ASN1_CONSTRUCTED || tag != V_ASN1_SEQUENCE ||
        xclass != V_ASN1_UNIVERSAL)
        return -1;
    *p = q;
    return 0;
}

/* The ASN.1 structure of a certificate exactly as d2i_X509 reads it (OpenSSL's X509 and
 * X509_CINF templates, crypto/x509/x_x509.c), except that the subjectPublicKeyInfo is read as
 * what it is structurally, SEQUENCE { AlgorithmIdentifier, BIT STRING } (X509_PUBKEY_INTERNAL in
 * x_pubkey.c), without the key decoding d2i_X509 attempts after it. That decoding is
 * opportunistic: its failures are discarded (only an out-of-memory fails d2i_X509), so a
 * certificate is accepted here exactly when d2i_X509 accepts it. It is also where d2i_X509 spends
 * most of its time, in OpenSSL 3's decoder machinery (8.8M instructions, 1.7 ms, for a chain of
 * three in a fresh process), which a hash of the TBSCertificate bytes has no use for.
 * tests/unit/check_x509.c compares both on mutated certificates. */
typedef struct {
    X509_ALGOR *algor;
    ASN1_BIT_STRING *public_key;
} sgn_spki_st;

typedef struct {
    ASN1_INTEGER *version;
    ASN1_INTEGER *serial;
    X509_ALGOR *signature;
    X509_NAME *issuer;
    X509_VAL *validity;
    X509_NAME *subject;
    sgn_spki_st *key;
    ASN1_BIT_STRING *issuer_uid;
    ASN1_BIT_STRING *subject_uid;
    STACK_OF(X509_EXTENSION) *extensions;
} sgn_tbs_st;

typedef struct {
    sgn_tbs_st *tbs;
    X509_ALGOR *sig_alg;
    ASN1_BIT_STRING *signature;
} sgn_cert_st;

ASN1_SEQUENCE(sgn_spki_st) = {
    ASN1_SIMPLE(sgn_spki_st, algor, X509_ALGOR),
    ASN1_SIMPLE(sgn_spki_st, public_key, ASN1_BIT_STRING)
} static_ASN1_SEQUENCE_END(sgn_spki_st)

ASN1_SEQUENCE(sgn_tbs_st) = {
    ASN1_EXP_OPT(sgn_tbs_st, version, ASN1_INTEGER, 0),
    ASN1_SIMPLE(sgn_tbs_st, serial, ASN1_INTEGER),
    ASN1_SIMPLE(sgn_tbs_st, signature, X509_ALGOR),
    ASN1_SIMPLE(sgn_tbs_st, issuer, X509_NAME),
    ASN1_SIMPLE(sgn_tbs_st, validity, X509_VAL),
    ASN1_SIMPLE(sgn_tbs_st, subject, X509_NAME),
    ASN1_SIMPLE(sgn_tbs_st, key, sgn_spki_st),
    ASN1_IMP_OPT(sgn_tbs_st, issuer_uid, ASN1_BIT_STRING, 1),
    ASN1_IMP_OPT(sgn_tbs_st, subject_uid, ASN1_BIT_STRING, 2),
    ASN1_EXP_SEQUENCE_OF_OPT(sgn_tbs_st, extensions, X509_EXTENSION, 3)
} static_ASN1_SEQUENCE_END(sgn_tbs_st)

ASN1_SEQUENCE(sgn_cert_st) = {
    ASN1_SIMPLE(sgn_cert_st, tbs, sgn_tbs_st),
    ASN1_SIMPLE(sgn_cert_st, sig_alg, X509_ALGOR),
    ASN1_SIMPLE(sgn_cert_st, signature, ASN1_BIT_STRING)
} static_ASN1_SEQUENCE_END(sgn_cert_st)

/* sgn_x509_from_der's checks and messages, without building an X509. */
static int check_certificate_der(const unsigned char *der, size_t len, sgn_error *err)
{
    const unsigned char *p = der;
    ASN1_VALUE *v;

    if (der == NULL || len == 0 || len > LONG_MAX)
        return sgn_error_set(err, SGN_EINVALID, "empty certificate");
    v = ASN1_item_d2i(NULL, &p, (long)len, ASN1_ITEM_rptr(sgn_cert_st));
    if (v == NULL) {
        ERR_clear_error();
        return sgn_error_set(err, SGN_EINVALID, "malformed certificate");
    }
    ASN1_item_free(v, ASN1_ITEM_rptr(sgn_cert_st));
    if (p != der + len)
        return sgn_error_set(err, SGN_EINVALID, "trailing data after the certificate");
    return SGN_OK;
}

int sgn_x509_tbs_sha384_hex(char out[97], const unsigned char *der, size_t len, sgn_error *err)
{
    int rc;
    const unsigned char *p = der, *tbs;
    long outer_len, tbs_content;
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned int mdlen = 0;

    out[0] = '\0';
    /* It must be a certificate at all... */
    if ((rc = check_certificate_der(der, len, err)) < 0)
        return rc;
    /* ...and the hash covers its TBSCertificate bytes exactly as given: the first element of the
     * outer SEQUENCE, header included. Re-encoding could change a foreign certificate. */
    if (der_sequence(&p, (long)len, &outer_len) != 0 || p + outer_len != der + len)
        return sgn_error_set(err, SGN_EINVALID, "certificate is not a DER SEQUENCE");
    tbs = p;
    if (der_sequence(&p, outer_len, &tbs_content) != 0 ||
        (p - tbs) + tbs_content > outer_len)
        return sgn_error_set(err, SGN_EINVALID, "certificate has no TBSCertificate");
    if ((rc = sgn_crypto_digest("SHA384", tbs, (size_t)(p - tbs) + (size_t)tbs_content, md,
                                &mdlen, err)) < 0)
        return rc;
    sgn_hex_encode(out, md, mdlen);
    return SGN_OK;
}

int sgn_x509_chain_hashes(sgn_strlist *out, const unsigned char *const *ders, const size_t *lens,
                          size_t n, sgn_error *err)
{
    int rc = SGN_OK;
    char (*h)[97] = NULL;
    char pair[2 * 96 + 1];
    sgn_strlist list = SGN_STRLIST_INIT;
    size_t i;

    if (n == 0)
        goto out;
    h = calloc(n, sizeof(*h));
    if (h == NULL) {
        rc = sgn_error_set(err, SGN_ENOMEM, "out of memory");
        goto out;
    }
    for (i = 0; i < n; i++)
        if ((rc = sgn_x509_tbs_sha384_hex(h[i], ders[i], lens[i], err)) < 0)
            goto out;
    for (i = 0; i < n; i++) {
        snprintf(pair, sizeof(pair), "%s%s", h[i], h[i + 1 < n ? i + 1 : i]);
        if ((rc = sgn_strlist_push(&list, pair, err)) < 0)
            goto out;
    }
    for (i = 0; i < list.len; i++)
        if ((rc = sgn_strlist_push(out, list.items[i], err)) < 0)
            goto out;
out:
    sgn_strlist_free(&list);
    free(h);
    return rc;
}

int sgn_x509_sha256_hex(char out[65], X509 *cert, sgn_error *err)
{
    int rc;
    unsigned char *der = NULL;
    size_t len = 0;
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned int mdlen = 0;

    out[0] = '\0';
    if ((rc = sgn_x509_to_der(&der, &len, cert, err)) < 0)
        return rc;
    rc = sgn_crypto_digest("SHA256", der, len, md, &mdlen, err);
    free(der);
    if (rc < 0)
        return rc;
    sgn_hex_encode(out, md, mdlen);
    return SGN_OK;
}

/* ---- notation's certificate rules ---------------------------------------------------------- */

/* The subject as Go prints it (RFC 2253 order, CN first), for messages. */
static const char *subject_of(X509 *x, char *buf, size_t n)
{
    BIO *bio = BIO_new(BIO_s_mem());
    int got = 0;

    buf[0] = '\0';
    if (bio != NULL && X509_NAME_print_ex(bio, X509_get_subject_name(x), 0,
                                          XN_FLAG_RFC2253 & ~ASN1_STRFLGS_ESC_MSB) >= 0)
        got = BIO_read(bio, buf, (int)n - 1);
    buf[got > 0 ? got : 0] = '\0';
    BIO_free(bio);
    ERR_clear_error();
    return buf;
}

static int names_equal(const X509_NAME *a, const X509_NAME *b)
{
    const unsigned char *da = NULL, *db = NULL;
    size_t la = 0, lb = 0;

    if (X509_NAME_get0_der(a, &da, &la) != 1 || X509_NAME_get0_der(b, &db, &lb) != 1)
        return 0;
    return la == lb && memcmp(da, db, la) == 0;
}

/* Go's isIssuedBy: the signature verifies with the parent key and the raw names match. */
static int issued_by(X509 *child, X509 *parent)
{
    EVP_PKEY *pk = X509_get0_pubkey(parent);
    int ok = pk != NULL && X509_verify(child, pk) == 1 &&
             names_equal(X509_get_issuer_name(child), X509_get_subject_name(parent));

    ERR_clear_error();
    return ok;
}

static int ext_critical(X509 *x, int nid)
{
    int i = X509_get_ext_by_NID(x, nid, -1);

    return i >= 0 && X509_EXTENSION_get_critical(X509_get_ext(x, i)) == 1;
}

static int check_sig_alg(X509 *x, const char *subj, sgn_error *err)
{
    int mdnid = NID_undef, pknid = NID_undef;

    if (OBJ_find_sigid_algs(X509_get_signature_nid(x), &mdnid, &pknid) == 1 &&
        (mdnid == NID_sha1 || mdnid == NID_md5 || mdnid == NID_md4 || mdnid == NID_md2 ||
         mdnid == NID_md5_sha1))
        return sgn_error_set(err, SGN_EINVALID,
                             "certificate with subject \"%s\" is signed with the insecure "
                             "algorithm %s",
                             subj, OBJ_nid2ln(X509_get_signature_nid(x)));
    return SGN_OK;
}

static int check_key_usage_present(X509 *x, uint32_t flags, const char *subj, sgn_error *err)
{
    if ((flags & EXFLAG_KUSAGE) == 0)
        return sgn_error_set(err, SGN_EINVALID,
                             "certificate with subject \"%s\": key usage extension must be "
                             "present",
                             subj);
    if (!ext_critical(x, NID_key_usage))
        return sgn_error_set(err, SGN_EINVALID,
                             "certificate with subject \"%s\": key usage extension must be "
                             "marked critical",
                             subj);
    return SGN_OK;
}

static int check_leaf(X509 *x, const char *subj, sgn_error *err)
{
    static const struct {
        uint32_t bit;
        const char *name;
    } bad_ku[] = {
        {KU_KEY_ENCIPHERMENT, "KeyEncipherment"}, {KU_DATA_ENCIPHERMENT, "DataEncipherment"},
        {KU_KEY_AGREEMENT, "KeyAgreement"},       {KU_KEY_CERT_SIGN, "CertSign"},
        {KU_CRL_SIGN, "CRLSign"},                 {KU_ENCIPHER_ONLY, "EncipherOnly"},
        {KU_DECIPHER_ONLY, "DecipherOnly"},
    },
      bad_eku[] = {
          {XKU_SSL_SERVER, "ServerAuth"}, {XKU_SSL_CLIENT, "ClientAuth"},
          {XKU_SMIME, "EmailProtection"}, {XKU_TIMESTAMP, "TimeStamping"},
          {XKU_OCSP_SIGN, "OCSPSigning"},
      };
    uint32_t flags = X509_get_extension_flags(x), ku, eku;
    size_t i;
    int rc;

    if ((flags & EXFLAG_BCONS) && (flags & EXFLAG_CA))
        return sgn_error_set(err, SGN_EINVALID,
                             "certificate with subject \"%s\": if the basic constraints "
                             "extension is present, the ca field must be set to false",
                             subj);
    if ((rc = check_key_usage_present(x, flags, subj, err)) < 0)
        return rc;
    ku = X509_get_key_usage(x);
    if ((ku & KU_DIGITAL_SIGNATURE) == 0)
        return sgn_error_set(err, SGN_EINVALID,
                             "the certificate with subject \"%s\" is invalid. The key usage "
                             "must have the bit positions for \"Digital Signature\" set",
                             subj);
    for (i = 0; i < sizeof(bad_ku) / sizeof(bad_ku[0]); i++)
        if (ku & bad_ku[i].bit)
            return sgn_error_set(err, SGN_EINVALID,
                                 "the certificate with subject \"%s\" is invalid. The key "
                                 "usage must not have the bit position for \"%s\" set",
                                 subj, bad_ku[i].name);
    if (flags & EXFLAG_XKUSAGE) {
        eku = X509_get_extended_key_usage(x);
        for (i = 0; i < sizeof(bad_eku) / sizeof(bad_eku[0]); i++)
            if (eku & bad_eku[i].bit)
                return sgn_error_set(err, SGN_EINVALID,
                                     "the certificate with subject \"%s\" is invalid. The "
                                     "extended key usage must not contain %s eku",
                                     subj, bad_eku[i].name);
    }
    if ((rc = sgn_crypto_key_alg(X509_get0_pubkey(x), NULL, NULL, NULL, err)) < 0)
        return rc;
    return SGN_OK;
}

/* expected_path_len: the number of CA certificates below this one in the chain. */
static int check_ca(X509 *x, long expected_path_len, const char *subj, sgn_error *err)
{
    uint32_t flags = X509_get_extension_flags(x);
    long max_path_len;
    int rc;

    if ((flags & EXFLAG_BCONS) == 0 || (flags & EXFLAG_CA) == 0)
        return sgn_error_set(err, SGN_EINVALID,
                             "certificate with subject \"%s\": ca field in basic constraints "
                             "must be present, critical, and set to true",
                             subj);
    max_path_len = X509_get_pathlen(x);
    if (max_path_len >= 0 && expected_path_len > max_path_len)
        return sgn_error_set(err, SGN_EINVALID,
                             "certificate with subject \"%s\": expected path length of %ld but "
                             "certificate has path length %ld instead",
                             subj, expected_path_len, max_path_len);
    if ((rc = check_key_usage_present(x, flags, subj, err)) < 0)
        return rc;
    if ((X509_get_key_usage(x) & KU_KEY_CERT_SIGN) == 0)
        return sgn_error_set(err, SGN_EINVALID,
                             "certificate with subject \"%s\": key usage must have the bit "
                             "positions for key cert sign set",
                             subj);
    return SGN_OK;
}

static int check_validity(X509 *x, const ASN1_TIME *at, int64_t at_sec, const char *subj,
                          sgn_error *err)
{
    char when[32];

    sgn_time_format_rfc3339(when, at_sec);
    if (ASN1_TIME_compare(at, X509_get0_notBefore(x)) < 0)
        return sgn_error_set(err, SGN_EINVALID,
                             "certificate with subject \"%s\" is not valid yet at %s", subj,
                             when);
    if (ASN1_TIME_compare(at, X509_get0_notAfter(x)) > 0)
        return sgn_error_set(err, SGN_EINVALID,
                             "certificate with subject \"%s\" has expired at %s", subj, when);
    return SGN_OK;
}

int sgn_x509_check_notation_chain(X509 *const *chain, size_t n, int64_t at, sgn_error *err)
{
    int rc = SGN_OK;
    ASN1_TIME *t = NULL;
    char subj[256];
    size_t i;

    if (chain == NULL || n == 0)
        return sgn_error_set(err, SGN_EINVALID,
                             "certificate chain must contain at least one certificate");
    for (i = 0; i < n; i++)
        if (chain[i] == NULL)
            return sgn_error_set(err, SGN_EINVALID, "certificate %zu of the chain is missing", i);
    if (at != INT64_MIN) {
        if (at < INT64_C(-62135596800) || at > INT64_C(253402300799) ||
            (t = ASN1_TIME_adj(NULL, (time_t)at, 0, 0)) == NULL) {
            rc = sgn_error_set(err, SGN_EINVALID, "time %lld is out of range", (long long)at);
            goto out;
        }
    }
    for (i = 0; i < n; i++) {
        X509 *x = chain[i];
        uint32_t flags = X509_get_extension_flags(x);

        subject_of(x, subj, sizeof(subj));
        if (flags & EXFLAG_INVALID) {
            rc = sgn_error_set(err, SGN_EINVALID,
                               "certificate with subject \"%s\" has invalid extensions", subj);
            goto out;
        }
        if (t != NULL && (rc = check_validity(x, t, at, subj, err)) < 0)
            goto out;
        if ((rc = check_sig_alg(x, subj, err)) < 0)
            goto out;
        if (n == 1) {
            if (!issued_by(x, x)) {
                rc = sgn_error_set(err, SGN_EINVALID,
                                   "invalid self-signed certificate. subject: \"%s\"", subj);
                goto out;
            }
            rc = check_leaf(x, subj, err);
            goto out;
        }
        if (i == n - 1) {
            if (!issued_by(x, x)) {
                rc = sgn_error_set(err, SGN_EINVALID,
                                   "certificate with subject \"%s\" is not a root certificate: "
                                   "the last certificate of the chain must be self-signed",
                                   subj);
                goto out;
            }
            if ((rc = check_ca(x, (long)i - 1, subj, err)) < 0)
                goto out;
            continue;
        }
        if (issued_by(x, x)) {
            rc = sgn_error_set(err, SGN_EINVALID,
                               "invalid certificates. certificate with subject \"%s\" is "
                               "self-signed but not the last certificate in the chain",
                               subj);
            goto out;
        }
        if (i == 0)
            rc = check_leaf(x, subj, err);
        else
            rc = check_ca(x, (long)i - 1, subj, err);
        if (rc < 0)
            goto out;
        if (!issued_by(x, chain[i + 1])) {
            char parent[256];

            rc = sgn_error_set(err, SGN_EINVALID,
                               "invalid certificates or certificate with subject \"%s\" is not "
                               "issued by \"%s\"",
                               subj, subject_of(chain[i + 1], parent, sizeof(parent)));
            goto out;
        }
    }
out:
    ASN1_TIME_free(t);
    return rc;
}

int sgn_x509_check_notation_root(X509 *root, int64_t at, sgn_error *err)
{
    int rc;
    ASN1_TIME *t = NULL;
    char subj[256];

    if (root == NULL)
        return sgn_error_set(err, SGN_EINVALID, "no certificate to check");
    subject_of(root, subj, sizeof(subj));
    if (X509_get_extension_flags(root) & EXFLAG_INVALID) {
        rc = sgn_error_set(err, SGN_EINVALID,
                           "certificate with subject \"%s\" has invalid extensions", subj);
        goto out;
    }
    if (!issued_by(root, root)) {
        rc = sgn_error_set(err, SGN_EINVALID,
                           "certificate with subject \"%s\" is not self-signed", subj);
        goto out;
    }
    if ((rc = check_sig_alg(root, subj, err)) < 0 || (rc = check_ca(root, 0, subj, err)) < 0)
        goto out;
    if (at != INT64_MIN) {
        if (at < INT64_C(-62135596800) || at > INT64_C(253402300799) ||
            (t = ASN1_TIME_adj(NULL, (time_t)at, 0, 0)) == NULL) {
            rc = sgn_error_set(err, SGN_EINVALID, "time %lld is out of range", (long long)at);
            goto out;
        }
        if ((rc = check_validity(root, t, at, subj, err)) < 0)
            goto out;
    }
    rc = SGN_OK;
out:
    ASN1_TIME_free(t);
    return rc;
}
