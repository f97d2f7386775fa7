/* Unit tests for core/src/crypto.c. */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <openssl/bio.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rsa.h>

#include "sgn/buf.h"
#include "sgn/crypto.h"
#include "sgn_check.h"

/* ---- helpers ------------------------------------------------------------------------------ */

typedef struct tmpdir {
    char dir[64];
    char path[128];
} tmpdir;

static void tmpdir_make(tmpdir *t, const char *file)
{
    snprintf(t->dir, sizeof(t->dir), "/tmp/sgn-check-crypto-XXXXXX");
    ck_assert_ptr_nonnull(mkdtemp(t->dir));
    snprintf(t->path, sizeof(t->path), "%s/%s", t->dir, file);
}

static void tmpdir_remove(tmpdir *t)
{
    unlink(t->path);
    rmdir(t->dir);
}

/* A key of the given kind: "P-256", "P-384", "P-521", "P-224", "RSA-<bits>", "ED25519". */
static EVP_PKEY *make_key(const char *kind)
{
    EVP_PKEY *k;

    if (strncmp(kind, "RSA-", 4) == 0)
        k = EVP_PKEY_Q_keygen(NULL, NULL, "RSA", (size_t)atoi(kind + 4));
    else if (strcmp(kind, "ED25519") == 0)
        k = EVP_PKEY_Q_keygen(NULL, NULL, "ED25519");
    else
        k = EVP_PKEY_Q_keygen(NULL, NULL, "EC", kind);
    ck_assert_msg(k != NULL, "cannot generate a %s key", kind);
    return k;
}

/* ---- keys --------------------------------------------------------------------------------- */

START_TEST(test_generate_p384)
{
    sgn_error err = SGN_ERROR_INIT;
    EVP_PKEY *key = NULL;
    const char *alg, *md;
    int cose;

    ck_assert_sgn_ok(sgn_crypto_generate_p384(&key, &err), &err);
    ck_assert_int_eq(EVP_PKEY_get_bits(key), 384);
    ck_assert_sgn_ok(sgn_crypto_key_alg(key, &alg, &cose, &md, &err), &err);
    ck_assert_str_eq(alg, "ES384");
    ck_assert_int_eq(cose, -35);
    ck_assert_str_eq(md, "SHA384");
    EVP_PKEY_free(key);
}
END_TEST

START_TEST(test_pem_round_trip)
{
    sgn_error err = SGN_ERROR_INIT;
    EVP_PKEY *key = NULL, *back = NULL;
    struct stat st;
    sgn_buf text = SGN_BUF_INIT;
    tmpdir t;

    tmpdir_make(&t, "key.pem");
    ck_assert_sgn_ok(sgn_crypto_generate_p384(&key, &err), &err);
    ck_assert_sgn_ok(sgn_crypto_write_key_pem(t.path, key, &err), &err);
    ck_assert_int_eq(stat(t.path, &st), 0);
    ck_assert_int_eq(st.st_mode & 07777, 0600);
    ck_assert_sgn_ok(sgn_read_file(&text, t.path, 65536, &err), &err);
    ck_assert_msg(strncmp(sgn_buf_cstr(&text), "-----BEGIN PRIVATE KEY-----\n", 28) == 0,
                  "not PKCS#8 PEM: %.40s", sgn_buf_cstr(&text));
    ck_assert_sgn_ok(sgn_crypto_read_key_pem(&back, t.path, &err), &err);
    ck_assert_int_eq(EVP_PKEY_eq(key, back), 1);
    sgn_buf_clear_free(&text);
    EVP_PKEY_free(key);
    EVP_PKEY_free(back);
    tmpdir_remove(&t);
}
END_TEST

static const mode_t loose_modes[] = {0644, 0640, 0604, 0660, 0700 | 0004};

START_TEST(test_read_refuses_loose_mode)
{
    sgn_error err = SGN_ERROR_INIT;
    EVP_PKEY *key = NULL, *back = (EVP_PKEY *)1;
    tmpdir t;

    tmpdir_make(&t, "key.pem");
    ck_assert_sgn_ok(sgn_crypto_generate_p384(&key, &err), &err);
    ck_assert_sgn_ok(sgn_crypto_write_key_pem(t.path, key, &err), &err);
    ck_assert_int_eq(chmod(t.path, loose_modes[_i]), 0);
    ck_assert_int_eq(sgn_crypto_read_key_pem(&back, t.path, &err), SGN_EIO);
    ck_assert_ptr_null(back);
    ck_assert_ptr_nonnull(strstr(err.msg, "group or others"));
    EVP_PKEY_free(key);
    tmpdir_remove(&t);
}
END_TEST

START_TEST(test_read_missing_and_garbage)
{
    sgn_error err = SGN_ERROR_INIT;
    EVP_PKEY *back = NULL;
    tmpdir t;

    tmpdir_make(&t, "key.pem");
    ck_assert_int_eq(sgn_crypto_read_key_pem(&back, t.path, &err), SGN_ENOTFOUND);
    sgn_error_clear(&err);
    ck_assert_sgn_ok(sgn_write_file_atomic(t.path, "not a key\n", 10, 0600, &err), &err);
    ck_assert_int_eq(sgn_crypto_read_key_pem(&back, t.path, &err), SGN_EINVALID);
    ck_assert_ptr_null(back);
    tmpdir_remove(&t);
}
END_TEST

/* An encrypted key fails to load instead of prompting for a pass phrase. */
START_TEST(test_read_encrypted_key)
{
    sgn_error err = SGN_ERROR_INIT;
    EVP_PKEY *key = NULL, *back = NULL;
    BIO *bio = BIO_new(BIO_s_mem());
    char *pem = NULL;
    long n;
    tmpdir t;

    tmpdir_make(&t, "key.pem");
    ck_assert_sgn_ok(sgn_crypto_generate_p384(&key, &err), &err);
    ck_assert_int_eq(PEM_write_bio_PrivateKey(bio, key, EVP_aes_256_cbc(),
                                              (const unsigned char *)"pw", 2, NULL, NULL),
                     1);
    n = BIO_get_mem_data(bio, &pem);
    ck_assert_sgn_ok(sgn_write_file_atomic(t.path, pem, (size_t)n, 0600, &err), &err);
    ck_assert_int_eq(sgn_crypto_read_key_pem(&back, t.path, &err), SGN_EINVALID);
    ck_assert_ptr_null(back);
    BIO_free(bio);
    EVP_PKEY_free(key);
    tmpdir_remove(&t);
}
END_TEST

/* ---- digests ------------------------------------------------------------------------------ */

static const struct {
    const char *md;
    const char *hex;
} digest_cases[] = {
    {"SHA256", "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"},
    {"SHA384", "cb00753f45a35e8bb5a03d699ac65007272c32ab0eded163"
               "1a8b605a43ff5bed8086072ba1e7cc2358baeca134c825a7"},
    {"SHA512", "ddaf35a193617abacc417349ae20413112e6fa4e89a97ea20a9eeee64b55d39a"
               "2192992a274fc1a836ba3c23a3feebbd454d4423643ce80e2a9ac94fa54ca49f"},
};

START_TEST(test_digest_hex)
{
    sgn_error err = SGN_ERROR_INIT;
    char *hex = NULL;

    ck_assert_sgn_ok(sgn_crypto_digest_hex(&hex, digest_cases[_i].md, "abc", 3, &err), &err);
    ck_assert_str_eq(hex, digest_cases[_i].hex);
    free(hex);
}
END_TEST

START_TEST(test_digest_unknown)
{
    sgn_error err = SGN_ERROR_INIT;
    char *hex = NULL;

    ck_assert_int_eq(sgn_crypto_digest_hex(&hex, "NOPE-1", "abc", 3, &err), SGN_EINVALID);
    ck_assert_ptr_null(hex);
}
END_TEST

/* ---- signatures --------------------------------------------------------------------------- */

static const struct {
    const char *kind;
    const char *md;
    size_t siglen;
} sign_cases[] = {
    {"P-256", "SHA256", 64},
    {"P-384", "SHA384", 96},
    {"P-521", "SHA512", 132},
    {"RSA-2048", "SHA256", 256},
};

START_TEST(test_sign_verify)
{
    sgn_error err = SGN_ERROR_INIT;
    EVP_PKEY *key = make_key(sign_cases[_i].kind);
    const char *md = sign_cases[_i].md;
    static const char msg[] = "eyJhbGciOiJFUzM4NCJ9.eyJ0YXJnZXRBcnRpZmFjdCI6e319";
    unsigned char *sig = NULL;
    size_t siglen = 0;
    int n;

    /* ECDSA is randomised and r or s sometimes has leading zero bytes: sign a few times. */
    for (n = 0; n < 8; n++) {
        ck_assert_sgn_ok(sgn_crypto_sign(&sig, &siglen, key, md, msg, strlen(msg), &err), &err);
        ck_assert_uint_eq(siglen, sign_cases[_i].siglen);
        ck_assert_sgn_ok(sgn_crypto_verify(key, md, msg, strlen(msg), sig, siglen, &err), &err);

        /* A changed message, a changed signature, a truncated signature, another digest. */
        ck_assert_int_eq(sgn_crypto_verify(key, md, msg, strlen(msg) - 1, sig, siglen, &err),
                         SGN_ECRYPTO);
        sgn_error_clear(&err);
        sig[siglen / 2] ^= 0x01;
        ck_assert_int_eq(sgn_crypto_verify(key, md, msg, strlen(msg), sig, siglen, &err),
                         SGN_ECRYPTO);
        sgn_error_clear(&err);
        sig[siglen / 2] ^= 0x01;
        ck_assert_int_eq(sgn_crypto_verify(key, md, msg, strlen(msg), sig, siglen - 1, &err),
                         SGN_ECRYPTO);
        sgn_error_clear(&err);
        ck_assert_int_eq(sgn_crypto_verify(key, strcmp(md, "SHA256") ? "SHA256" : "SHA384", msg,
                                           strlen(msg), sig, siglen, &err),
                         SGN_ECRYPTO);
        sgn_error_clear(&err);
        free(sig);
        sig = NULL;
    }
    EVP_PKEY_free(key);
}
END_TEST

/* An RSA signature must be PSS with salt = hash length: check it with OpenSSL directly. */
START_TEST(test_rsa_is_pss)
{
    sgn_error err = SGN_ERROR_INIT;
    EVP_PKEY *key = make_key("RSA-2048");
    EVP_MD_CTX *mctx = EVP_MD_CTX_new();
    EVP_PKEY_CTX *pctx = NULL;
    unsigned char *sig = NULL;
    size_t siglen = 0;

    ck_assert_sgn_ok(sgn_crypto_sign(&sig, &siglen, key, "SHA256", "data", 4, &err), &err);
    ck_assert_int_eq(EVP_DigestVerifyInit_ex(mctx, &pctx, "SHA256", NULL, NULL, key, NULL), 1);
    ck_assert_int_eq(EVP_PKEY_CTX_set_rsa_padding(pctx, RSA_PKCS1_PSS_PADDING), 1);
    ck_assert_int_eq(EVP_PKEY_CTX_set_rsa_pss_saltlen(pctx, 32), 1);
    ck_assert_int_eq(EVP_PKEY_CTX_set_rsa_mgf1_md_name(pctx, "SHA256", NULL), 1);
    ck_assert_int_eq(EVP_DigestVerify(mctx, sig, siglen, (const unsigned char *)"data", 4), 1);
    EVP_MD_CTX_free(mctx);
    free(sig);
    EVP_PKEY_free(key);
}
END_TEST

/* ---- DER <-> raw -------------------------------------------------------------------------- */

static const struct {
    size_t field;
    const char *raw;  /* hex */
    const char *der;  /* hex */
} ecdsa_cases[] = {
    /* small r (leading zero bytes dropped in DER), s with the top bit set (0x00 added) */
    {3, "000001800000", "3009020101020400800000"},
    /* both leading zeros */
    {3, "00007f000102", "300702017f02020102"},
    /* both full width without a sign byte */
    {2, "12347fff", "3008020212340202 7fff"},
    /* r = 0x80.. needs a sign byte, s = 0 */
    {2, "80010000", "30080203008001020100"},
};

static size_t unhex(unsigned char *out, const char *hex)
{
    size_t n = 0;

    while (*hex) {
        unsigned v;
        if (*hex == ' ') {
            hex++;
            continue;
        }
        ck_assert_int_eq(sscanf(hex, "%2x", &v), 1);
        out[n++] = (unsigned char)v;
        hex += 2;
    }
    return n;
}

START_TEST(test_ecdsa_der_raw)
{
    sgn_error err = SGN_ERROR_INIT;
    unsigned char raw[64], der[64], *out = NULL;
    size_t rawlen = unhex(raw, ecdsa_cases[_i].raw), derlen = unhex(der, ecdsa_cases[_i].der);
    size_t outlen = 0;

    ck_assert_sgn_ok(sgn_crypto_ecdsa_raw_to_der(&out, &outlen, raw, rawlen, &err), &err);
    ck_assert_uint_eq(outlen, derlen);
    ck_assert_mem_eq(out, der, derlen);
    free(out);
    out = NULL;
    ck_assert_sgn_ok(
        sgn_crypto_ecdsa_der_to_raw(&out, &outlen, der, derlen, ecdsa_cases[_i].field, &err),
        &err);
    ck_assert_uint_eq(outlen, rawlen);
    ck_assert_mem_eq(out, raw, rawlen);
    free(out);
}
END_TEST

START_TEST(test_ecdsa_der_raw_rejects)
{
    sgn_error err = SGN_ERROR_INIT;
    unsigned char der[64], raw[8] = {1, 2, 3, 4, 5, 6, 7, 8}, *out = NULL;
    size_t derlen, outlen = 0;

    /* s = 0x800000 does not fit 2 bytes */
    derlen = unhex(der, "3009020101020400800000");
    ck_assert_int_eq(sgn_crypto_ecdsa_der_to_raw(&out, &outlen, der, derlen, 2, &err),
                     SGN_EINVALID);
    sgn_error_clear(&err);
    /* trailing byte, truncated, not a SEQUENCE */
    der[derlen] = 0;
    ck_assert_int_eq(sgn_crypto_ecdsa_der_to_raw(&out, &outlen, der, derlen + 1, 3, &err),
                     SGN_EINVALID);
    sgn_error_clear(&err);
    ck_assert_int_eq(sgn_crypto_ecdsa_der_to_raw(&out, &outlen, der, derlen - 1, 3, &err),
                     SGN_EINVALID);
    sgn_error_clear(&err);
    ck_assert_int_eq(sgn_crypto_ecdsa_der_to_raw(&out, &outlen, raw, sizeof(raw), 3, &err),
                     SGN_EINVALID);
    sgn_error_clear(&err);
    ck_assert_ptr_null(out);
    /* odd and empty raw lengths */
    ck_assert_int_eq(sgn_crypto_ecdsa_raw_to_der(&out, &outlen, raw, 7, &err), SGN_EINVALID);
    sgn_error_clear(&err);
    ck_assert_int_eq(sgn_crypto_ecdsa_raw_to_der(&out, &outlen, raw, 0, &err), SGN_EINVALID);
    ck_assert_ptr_null(out);
}
END_TEST

/* ---- notation's key table ----------------------------------------------------------------- */

static const struct {
    const char *kind;
    const char *jws;
    int cose;
    const char *md;
} alg_cases[] = {
    {"P-256", "ES256", -7, "SHA256"},     {"P-384", "ES384", -35, "SHA384"},
    {"P-521", "ES512", -36, "SHA512"},    {"RSA-2048", "PS256", -37, "SHA256"},
    {"RSA-3072", "PS384", -38, "SHA384"}, {"RSA-4096", "PS512", -39, "SHA512"},
};

START_TEST(test_key_alg)
{
    sgn_error err = SGN_ERROR_INIT;
    EVP_PKEY *key = make_key(alg_cases[_i].kind);
    const char *jws = NULL, *md = NULL;
    int cose = 0;

    ck_assert_sgn_ok(sgn_crypto_key_alg(key, &jws, &cose, &md, &err), &err);
    ck_assert_str_eq(jws, alg_cases[_i].jws);
    ck_assert_int_eq(cose, alg_cases[_i].cose);
    ck_assert_str_eq(md, alg_cases[_i].md);
    EVP_PKEY_free(key);
}
END_TEST

static const char *const rejected_keys[] = {"RSA-1024", "ED25519", "P-224", "RSA-2056"};

START_TEST(test_key_alg_rejects)
{
    sgn_error err = SGN_ERROR_INIT;
    EVP_PKEY *key = make_key(rejected_keys[_i]);
    const char *jws = "x", *md = "x";
    int cose = 1;

    ck_assert_int_eq(sgn_crypto_key_alg(key, &jws, &cose, &md, &err), SGN_EINVALID);
    ck_assert_ptr_null(jws);
    ck_assert_ptr_null(md);
    ck_assert_int_eq(cose, 0);
    ck_assert_msg(strstr(err.msg, "not supported") || strstr(err.msg, "unsupported"), "%s",
                  err.msg);
    EVP_PKEY_free(key);
}
END_TEST

#define N(a) ((int)(sizeof(a) / sizeof((a)[0])))

static Suite *crypto_suite(void)
{
    Suite *s = suite_create("crypto");
    TCase *tc = tcase_create("keys");

    tcase_add_test(tc, test_generate_p384);
    tcase_add_test(tc, test_pem_round_trip);
    tcase_add_loop_test(tc, test_read_refuses_loose_mode, 0, N(loose_modes));
    tcase_add_test(tc, test_read_missing_and_garbage);
    tcase_add_test(tc, test_read_encrypted_key);
    suite_add_tcase(s, tc);

    tc = tcase_create("digest");
    tcase_add_loop_test(tc, test_digest_hex, 0, N(digest_cases));
    tcase_add_test(tc, test_digest_unknown);
    suite_add_tcase(s, tc);

    tc = tcase_create("sign");
    tcase_add_loop_test(tc, test_sign_verify, 0, N(sign_cases));
    tcase_add_test(tc, test_rsa_is_pss);
    tcase_add_loop_test(tc, test_ecdsa_der_raw, 0, N(ecdsa_cases));
    tcase_add_test(tc, test_ecdsa_der_raw_rejects);
    suite_add_tcase(s, tc);

    tc = tcase_create("alg");
    tcase_set_timeout(tc, 120);
    tcase_add_loop_test(tc, test_key_alg, 0, N(alg_cases));
    tcase_add_loop_test(tc, test_key_alg_rejects, 0, N(rejected_keys));
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    return sgn_check_run(crypto_suite());
}
