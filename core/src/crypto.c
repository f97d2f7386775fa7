#include "sgn/crypto.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/ec.h>
#include <openssl/err.h>
#include <openssl/objects.h>
#include <openssl/pem.h>
#include <openssl/rsa.h>

#include "sgn/buf.h"
#include "sgn/util.h"

/* Private keys are small; anything larger is not a key file. */
#define KEY_FILE_MAX (64 * 1024)

int sgn_crypto_generate_p384(EVP_PKEY **out, sgn_error *err)
{
    *out = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-384");
    if (*out == NULL)
        return sgn_error_set_openssl(err, "cannot generate a P-384 key");
    return SGN_OK;
}

int sgn_crypto_write_key_pem(const char *path, EVP_PKEY *key, sgn_error *err)
{
    int rc;
    BIO *bio = NULL;
    char *data = NULL;
    long len;

    /* A secure-heap memory BIO: the PEM text is wiped when the BIO is freed. */
    bio = BIO_new(BIO_s_secmem());
    if (bio == NULL) {
        rc = sgn_error_set_openssl(err, "cannot allocate a BIO");
        goto out;
    }
    if (PEM_write_bio_PrivateKey(bio, key, NULL, NULL, 0, NULL, NULL) != 1) {
        rc = sgn_error_set_openssl(err, "cannot encode the private key as PKCS#8");
        goto out;
    }
    len = BIO_get_mem_data(bio, &data);
    if (len <= 0 || data == NULL) {
        rc = sgn_error_set(err, SGN_ECRYPTO, "cannot encode the private key as PKCS#8");
        goto out;
    }
    rc = sgn_write_file_atomic(path, data, (size_t)len, 0600, err);
out:
    BIO_free(bio);
    return rc;
}

/* Never prompt for a pass phrase (the default callback reads the terminal): an encrypted key
 * file simply fails to load. */
static int no_pass_phrase(char *buf, int size, int rwflag, void *u)
{
    return -1;
}

int sgn_crypto_read_key_pem(EVP_PKEY **out, const char *path, sgn_error *err)
{
    int rc, fd = -1;
    struct stat st;
    sgn_buf pem = SGN_BUF_INIT;
    BIO *bio = NULL;
    EVP_PKEY *key = NULL;

    *out = NULL;
    fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
    if (fd < 0) {
        rc = sgn_error_set(err, errno == ENOENT ? SGN_ENOTFOUND : SGN_EIO,
                           "cannot open key file %s: %s", path, strerror(errno));
        goto out;
    }
    /* fstat on the open descriptor: the mode checked is the mode of the file read. */
    if (fstat(fd, &st) != 0) {
        rc = sgn_error_set(err, SGN_EIO, "cannot stat key file %s: %s", path, strerror(errno));
        goto out;
    }
    if (!S_ISREG(st.st_mode)) {
        rc = sgn_error_set(err, SGN_EIO, "key file %s is not a regular file", path);
        goto out;
    }
    if ((st.st_mode & 077) != 0) {
        rc = sgn_error_set(err, SGN_EIO,
                           "key file %s is accessible by group or others (mode %04o); "
                           "it must be 0600",
                           path, (unsigned)(st.st_mode & 07777));
        goto out;
    }
    if ((rc = sgn_read_fd(&pem, fd, KEY_FILE_MAX, err)) < 0)
        goto out;
    if (pem.len == 0 || pem.len > INT32_MAX) {
        rc = sgn_error_set(err, SGN_EINVALID, "key file %s is empty", path);
        goto out;
    }
    bio = BIO_new_mem_buf(pem.data, (int)pem.len);
    if (bio == NULL) {
        rc = sgn_error_set_openssl(err, "cannot allocate a BIO");
        goto out;
    }
    key = PEM_read_bio_PrivateKey(bio, NULL, no_pass_phrase, NULL);
    if (key == NULL) {
        ERR_clear_error();
        rc = sgn_error_set(err, SGN_EINVALID, "key file %s does not hold a PEM private key",
                           path);
        goto out;
    }
    *out = key;
    key = NULL;
    rc = SGN_OK;
out:
    EVP_PKEY_free(key);
    BIO_free(bio);
    sgn_buf_clear_free(&pem);
    if (fd >= 0)
        close(fd);
    return rc;
}

static int fetch_md(EVP_MD **out, const char *md, sgn_error *err)
{
    *out = md ? EVP_MD_fetch(NULL, md, NULL) : NULL;
    if (*out == NULL) {
        ERR_clear_error();
        return sgn_error_set(err, SGN_EINVALID, "unsupported digest \"%s\"", md ? md : "");
    }
    return SGN_OK;
}

int sgn_crypto_digest(const char *md, const void *data, size_t len, unsigned char *out,
                      unsigned int *outlen, sgn_error *err)
{
    int rc;
    EVP_MD *m = NULL;

    if ((rc = fetch_md(&m, md, err)) < 0)
        return rc;
    if (EVP_Digest(data, len, out, outlen, m, NULL) != 1)
        rc = sgn_error_set_openssl(err, "digest failed");
    EVP_MD_free(m);
    return rc;
}

int sgn_crypto_digest_hex(char **out, const char *md, const void *data, size_t len,
                          sgn_error *err)
{
    int rc;
    unsigned char d[EVP_MAX_MD_SIZE];
    unsigned int dlen = 0;

    *out = NULL;
    if ((rc = sgn_crypto_digest(md, data, len, d, &dlen, err)) < 0)
        return rc;
    *out = malloc(2 * (size_t)dlen + 1);
    if (*out == NULL)
        return sgn_error_set(err, SGN_ENOMEM, "out of memory");
    sgn_hex_encode(*out, d, dlen);
    return SGN_OK;
}

/* Size in bytes of one ECDSA integer for key's curve (48 for P-384, 66 for P-521). */
static size_t ec_field_bytes(EVP_PKEY *key)
{
    int bits = EVP_PKEY_get_bits(key);

    return bits > 0 ? ((size_t)bits + 7) / 8 : 0;
}

/* RSA keys sign with PSS, MGF1 of the same hash, salt length = hash length. */
static int setup_pss(EVP_PKEY_CTX *pctx, const EVP_MD *m, sgn_error *err)
{
    if (EVP_PKEY_CTX_set_rsa_padding(pctx, RSA_PKCS1_PSS_PADDING) <= 0 ||
        EVP_PKEY_CTX_set_rsa_pss_saltlen(pctx, RSA_PSS_SALTLEN_DIGEST) <= 0 ||
        EVP_PKEY_CTX_set_rsa_mgf1_md(pctx, m) <= 0)
        return sgn_error_set_openssl(err, "cannot set up RSASSA-PSS");
    return SGN_OK;
}

static int key_kind(EVP_PKEY *key)
{
    if (EVP_PKEY_is_a(key, "EC"))
        return EVP_PKEY_EC;
    if (EVP_PKEY_is_a(key, "RSA"))
        return EVP_PKEY_RSA;
    return EVP_PKEY_NONE;
}

int sgn_crypto_sign(unsigned char **sig, size_t *siglen, EVP_PKEY *key, const char *md,
                    const void *data, size_t len, sgn_error *err)
{
    int rc, kind = key ? key_kind(key) : EVP_PKEY_NONE;
    EVP_MD *m = NULL;
    EVP_MD_CTX *mctx = NULL;
    EVP_PKEY_CTX *pctx = NULL;
    unsigned char *der = NULL;
    size_t derlen = 0;

    *sig = NULL;
    *siglen = 0;
    if (kind == EVP_PKEY_NONE) {
        rc = sgn_error_set(err, SGN_EINVALID, "signing key is neither EC nor RSA");
        goto out;
    }
    if ((rc = fetch_md(&m, md, err)) < 0)
        goto out;
    mctx = EVP_MD_CTX_new();
    if (mctx == NULL) {
        rc = sgn_error_set(err, SGN_ENOMEM, "out of memory");
        goto out;
    }
    if (EVP_DigestSignInit_ex(mctx, &pctx, EVP_MD_get0_name(m), NULL, NULL, key, NULL) != 1) {
        rc = sgn_error_set_openssl(err, "cannot initialise signing");
        goto out;
    }
    if (kind == EVP_PKEY_RSA && (rc = setup_pss(pctx, m, err)) < 0)
        goto out;
    if (EVP_DigestSign(mctx, NULL, &derlen, data, len) != 1) {
        rc = sgn_error_set_openssl(err, "signing failed");
        goto out;
    }
    der = malloc(derlen ? derlen : 1);
    if (der == NULL) {
        rc = sgn_error_set(err, SGN_ENOMEM, "out of memory");
        goto out;
    }
    if (EVP_DigestSign(mctx, der, &derlen, data, len) != 1) {
        rc = sgn_error_set_openssl(err, "signing failed");
        goto out;
    }
    if (kind == EVP_PKEY_EC) {
        rc = sgn_crypto_ecdsa_der_to_raw(sig, siglen, der, derlen, ec_field_bytes(key), err);
        goto out;
    }
    *sig = der;
    *siglen = derlen;
    der = NULL;
    rc = SGN_OK;
out:
    free(der);
    EVP_MD_CTX_free(mctx);
    EVP_MD_free(m);
    return rc;
}

int sgn_crypto_verify(EVP_PKEY *key, const char *md, const void *data, size_t len,
                      const unsigned char *sig, size_t siglen, sgn_error *err)
{
    int rc, kind = key ? key_kind(key) : EVP_PKEY_NONE;
    EVP_MD *m = NULL;
    EVP_MD_CTX *mctx = NULL;
    EVP_PKEY_CTX *pctx = NULL;
    unsigned char *der = NULL;
    const unsigned char *check = sig;
    size_t checklen = siglen;

    if (kind == EVP_PKEY_NONE) {
        rc = sgn_error_set(err, SGN_EINVALID, "verification key is neither EC nor RSA");
        goto out;
    }
    if ((rc = fetch_md(&m, md, err)) < 0)
        goto out;
    if (kind == EVP_PKEY_EC) {
        /* JWS and COSE fix the width: exactly two field-sized integers. */
        if (siglen != 2 * ec_field_bytes(key)) {
            rc = sgn_error_set(err, SGN_ECRYPTO,
                               "invalid ECDSA signature: %zu bytes, expected %zu", siglen,
                               2 * ec_field_bytes(key));
            goto out;
        }
        if ((rc = sgn_crypto_ecdsa_raw_to_der(&der, &checklen, sig, siglen, err)) < 0)
            goto out;
        check = der;
    } else if (siglen != (size_t)EVP_PKEY_get_size(key)) {
        rc = sgn_error_set(err, SGN_ECRYPTO, "invalid RSA signature: %zu bytes, expected %d",
                           siglen, EVP_PKEY_get_size(key));
        goto out;
    }
    mctx = EVP_MD_CTX_new();
    if (mctx == NULL) {
        rc = sgn_error_set(err, SGN_ENOMEM, "out of memory");
        goto out;
    }
    if (EVP_DigestVerifyInit_ex(mctx, &pctx, EVP_MD_get0_name(m), NULL, NULL, key, NULL) !=
        1) {
        rc = sgn_error_set_openssl(err, "cannot initialise verification");
        goto out;
    }
    if (kind == EVP_PKEY_RSA && (rc = setup_pss(pctx, m, err)) < 0)
        goto out;
    if (EVP_DigestVerify(mctx, check, checklen, data, len) != 1) {
        ERR_clear_error();
        rc = sgn_error_set(err, SGN_ECRYPTO, "signature does not verify");
        goto out;
    }
    rc = SGN_OK;
out:
    free(der);
    EVP_MD_CTX_free(mctx);
    EVP_MD_free(m);
    return rc;
}

int sgn_crypto_ecdsa_der_to_raw(unsigned char **raw, size_t *rawlen, const unsigned char *der,
                                size_t derlen, size_t field_bytes, sgn_error *err)
{
    int rc;
    ECDSA_SIG *s = NULL;
    const BIGNUM *r = NULL, *sv = NULL;
    const unsigned char *p = der;
    unsigned char *buf = NULL;

    *raw = NULL;
    *rawlen = 0;
    if (field_bytes == 0 || field_bytes > 1024 || derlen > LONG_MAX) {
        rc = sgn_error_set(err, SGN_EINVALID, "invalid ECDSA field size %zu", field_bytes);
        goto out;
    }
    s = d2i_ECDSA_SIG(NULL, &p, (long)derlen);
    if (s == NULL || p != der + derlen) {
        ERR_clear_error();
        rc = sgn_error_set(err, SGN_EINVALID, "not a DER ECDSA signature");
        goto out;
    }
    ECDSA_SIG_get0(s, &r, &sv);
    if (BN_is_negative(r) || BN_is_negative(sv) || (size_t)BN_num_bytes(r) > field_bytes ||
        (size_t)BN_num_bytes(sv) > field_bytes) {
        rc = sgn_error_set(err, SGN_EINVALID, "ECDSA signature integers do not fit %zu bytes",
                           field_bytes);
        goto out;
    }
    buf = malloc(2 * field_bytes);
    if (buf == NULL) {
        rc = sgn_error_set(err, SGN_ENOMEM, "out of memory");
        goto out;
    }
    if (BN_bn2binpad(r, buf, (int)field_bytes) < 0 ||
        BN_bn2binpad(sv, buf + field_bytes, (int)field_bytes) < 0) {
        rc = sgn_error_set_openssl(err, "cannot encode ECDSA signature");
        goto out;
    }
    *raw = buf;
    *rawlen = 2 * field_bytes;
    buf = NULL;
    rc = SGN_OK;
out:
    free(buf);
    ECDSA_SIG_free(s);
    return rc;
}

int sgn_crypto_ecdsa_raw_to_der(unsigned char **der, size_t *derlen, const unsigned char *raw,
                                size_t rawlen, sgn_error *err)
{
    int rc, n;
    ECDSA_SIG *s = NULL;
    BIGNUM *r = NULL, *sv = NULL;
    unsigned char *tmp = NULL;

    *der = NULL;
    *derlen = 0;
    if (rawlen == 0 || rawlen % 2 != 0 || rawlen > 2048) {
        rc = sgn_error_set(err, SGN_EINVALID, "invalid raw ECDSA signature length %zu", rawlen);
        goto out;
    }
    r = BN_bin2bn(raw, (int)(rawlen / 2), NULL);
    sv = BN_bin2bn(raw + rawlen / 2, (int)(rawlen / 2), NULL);
    s = ECDSA_SIG_new();
    if (r == NULL || sv == NULL || s == NULL) {
        rc = sgn_error_set(err, SGN_ENOMEM, "out of memory");
        goto out;
    }
    if (ECDSA_SIG_set0(s, r, sv) != 1) {
        rc = sgn_error_set_openssl(err, "cannot build ECDSA signature");
        goto out;
    }
    r = sv = NULL; /* owned by s now */
    n = i2d_ECDSA_SIG(s, &tmp);
    if (n <= 0) {
        rc = sgn_error_set_openssl(err, "cannot encode ECDSA signature");
        goto out;
    }
    *der = malloc((size_t)n);
    if (*der == NULL) {
        rc = sgn_error_set(err, SGN_ENOMEM, "out of memory");
        goto out;
    }
    memcpy(*der, tmp, (size_t)n);
    *derlen = (size_t)n;
    rc = SGN_OK;
out:
    OPENSSL_free(tmp);
    BN_free(r);
    BN_free(sv);
    ECDSA_SIG_free(s);
    return rc;
}

int sgn_crypto_key_alg(EVP_PKEY *key, const char **jws_alg, int *cose_alg, const char **md,
                       sgn_error *err)
{
    static const struct {
        int kind;
        int size; /* RSA modulus bits or EC curve NID */
        const char *jws;
        int cose;
        const char *md;
    } table[] = {
        {EVP_PKEY_RSA, 2048, "PS256", -37, "SHA256"},
        {EVP_PKEY_RSA, 3072, "PS384", -38, "SHA384"},
        {EVP_PKEY_RSA, 4096, "PS512", -39, "SHA512"},
        {EVP_PKEY_EC, NID_X9_62_prime256v1, "ES256", -7, "SHA256"},
        {EVP_PKEY_EC, NID_secp384r1, "ES384", -35, "SHA384"},
        {EVP_PKEY_EC, NID_secp521r1, "ES512", -36, "SHA512"},
    };
    int kind, size = 0;
    size_t i;
    char group[80];

    if (jws_alg)
        *jws_alg = NULL;
    if (cose_alg)
        *cose_alg = 0;
    if (md)
        *md = NULL;
    if (key == NULL)
        return sgn_error_set(err, SGN_EINVALID, "no key");
    kind = key_kind(key);
    if (kind == EVP_PKEY_RSA) {
        /* notation takes the modulus length in whole bytes, times 8. */
        size = EVP_PKEY_get_size(key) * 8;
    } else if (kind == EVP_PKEY_EC) {
        if (EVP_PKEY_get_group_name(key, group, sizeof(group), NULL) != 1) {
            ERR_clear_error();
            return sgn_error_set(err, SGN_EINVALID, "EC key without a named curve");
        }
        size = OBJ_sn2nid(group);
        if (size == NID_undef)
            size = EC_curve_nist2nid(group);
    } else {
        return sgn_error_set(err, SGN_EINVALID,
                             "unsupported key type %s: notation accepts RSA and EC keys only",
                             EVP_PKEY_get0_type_name(key) ? EVP_PKEY_get0_type_name(key)
                                                          : "unknown");
    }
    for (i = 0; i < sizeof(table) / sizeof(table[0]); i++) {
        if (table[i].kind == kind && table[i].size == size) {
            if (jws_alg)
                *jws_alg = table[i].jws;
            if (cose_alg)
                *cose_alg = table[i].cose;
            if (md)
                *md = table[i].md;
            return SGN_OK;
        }
    }
    if (kind == EVP_PKEY_RSA)
        return sgn_error_set(err, SGN_EINVALID, "rsa key size %d bits is not supported", size);
    return sgn_error_set(err, SGN_EINVALID, "ecdsa key curve %s is not supported", group);
}
