/* The AWS Signer roots shipped in truststore/: their SHA-256 fingerprints, computed here with
 * OpenSSL, must be the ones ../shared/truststore/README.md publishes (read at test time from
 * $SGN_SHARED_DIR), the table in truststore/aws_roots.c must agree, and each must be a
 * self-signed CA root that meets notation's certificate rules. Every time is pinned. */
#include <ctype.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <openssl/evp.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "sgn/aws_roots.h"
#include "sgn/buf.h"
#include "sgn/x509.h"
#include "sgn_check.h"

#define T_2025 INT64_C(1735689600)     /* 2025-01-01T00:00:00Z */
#define T_2020 INT64_C(1577836800)     /* 2020-01-01T00:00:00Z: before both roots */
#define T_2125 INT64_C(4891363200)     /* 2125-01-01T00:00:00Z: after both roots */

static const char *env_dir(const char *name)
{
    const char *v = getenv(name);

    ck_assert_msg(v != NULL && v[0] != '\0', "%s is not set (run the test through ctest)", name);
    return v;
}

static void read_text(sgn_buf *b, const char *dir, const char *rel)
{
    sgn_error err = SGN_ERROR_INIT;
    char path[4096];

    snprintf(path, sizeof(path), "%s/%s", dir, rel);
    ck_assert_msg(sgn_read_file(b, path, 1 << 20, &err) == SGN_OK, "%s: %s", path, err.msg);
}

/* The fingerprint the README gives for `file`: the first "fingerprint `AA:BB:...`" after the
 * paragraph that starts with "`file`:", as lower-case hex without colons. */
static void readme_fingerprint(char out[65], const char *readme, const char *file)
{
    char key[256];
    const char *p, *q;
    size_t n = 0;

    snprintf(key, sizeof(key), "`%s`:", file);
    p = strstr(readme, key);
    ck_assert_msg(p != NULL, "README does not describe %s", file);
    p = strstr(p, "fingerprint");
    ck_assert_msg(p != NULL, "README gives no fingerprint for %s", file);
    for (p += strlen("fingerprint"); isspace((unsigned char)*p); p++)
        ; /* the README may wrap the line before the value */
    ck_assert_msg(*p == '`', "README gives no fingerprint for %s", file);
    for (q = p + 1; *q != '`' && *q != '\0'; q++) {
        if (*q == ':')
            continue;
        ck_assert_msg(isxdigit((unsigned char)*q) && n < 64, "bad fingerprint for %s", file);
        out[n++] = (char)tolower((unsigned char)*q);
    }
    out[n] = '\0';
    ck_assert_uint_eq(n, 64);
}

static X509 *load_shipped(const sgn_aws_root *r)
{
    sgn_buf pem = SGN_BUF_INIT;
    sgn_error err = SGN_ERROR_INIT;
    char rel[256];
    X509 *x = NULL;

    snprintf(rel, sizeof(rel), "truststore/%s", r->file);
    read_text(&pem, env_dir("SGN_SOURCE_DIR"), rel);
    ck_assert_sgn_ok(sgn_x509_from_pem(&x, sgn_buf_cstr(&pem), pem.len, &err), &err);
    sgn_buf_free(&pem);
    return x;
}

START_TEST(test_table_has_both_partitions)
{
    size_t n;
    const sgn_aws_root *r = sgn_aws_roots(&n);

    ck_assert_uint_eq(n, 2);
    ck_assert_str_eq(r[0].partition, "aws");
    ck_assert_str_eq(r[0].store, "aws-signer-ts");
    ck_assert_str_eq(r[1].partition, "aws-us-gov");
    ck_assert_str_eq(r[1].store, "aws-us-gov-signer-ts");
    ck_assert_ptr_eq(sgn_aws_root_by_store("aws-us-gov-signer-ts"), &r[1]);
    ck_assert_ptr_null(sgn_aws_root_by_store("signer-local-ts"));
    ck_assert_ptr_eq(sgn_aws_root_by_sha256(r[0].sha256), &r[0]);
    ck_assert_ptr_null(sgn_aws_root_by_sha256(NULL));
}
END_TEST

START_TEST(test_fingerprint_matches_readme)
{
    size_t n;
    const sgn_aws_root *r = &sgn_aws_roots(&n)[_i];
    sgn_buf readme = SGN_BUF_INIT;
    sgn_error err = SGN_ERROR_INIT;
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned int md_len = 0;
    char published[65], computed[65], ours[65];
    X509 *x = load_shipped(r);
    unsigned int k;

    read_text(&readme, env_dir("SGN_SHARED_DIR"), "truststore/README.md");
    readme_fingerprint(published, sgn_buf_cstr(&readme), r->file);

    /* OpenSSL's digest of the DER, independent of our helper... */
    ck_assert_int_eq(X509_digest(x, EVP_sha256(), md, &md_len), 1);
    ck_assert_uint_eq(md_len, 32);
    for (k = 0; k < md_len; k++)
        snprintf(computed + 2 * k, 3, "%02x", md[k]);
    ck_assert_str_eq(computed, published);
    /* ...our helper, and the table the validator uses. */
    ck_assert_sgn_ok(sgn_x509_sha256_hex(ours, x, &err), &err);
    ck_assert_str_eq(ours, published);
    ck_assert_str_eq(r->sha256, published);
    ck_assert_ptr_eq(sgn_aws_root_by_sha256(computed), r);
    X509_free(x);
    sgn_buf_free(&readme);
}
END_TEST

START_TEST(test_is_notation_root)
{
    size_t n;
    const sgn_aws_root *r = &sgn_aws_roots(&n)[_i];
    sgn_error err = SGN_ERROR_INIT;
    X509 *x = load_shipped(r);
    X509_NAME *subject = X509_get_subject_name(x);
    char cn[256] = "";
    X509 *chain[1] = {x};

    ck_assert_int_eq(X509_check_issued(x, x), X509_V_OK);
    ck_assert_int_eq(X509_check_ca(x), 1);
    ck_assert_int_gt(X509_NAME_get_text_by_NID(subject, NID_commonName, cn, sizeof(cn)), 0);
    ck_assert_str_eq(cn, r->subject_cn);
    ck_assert_sgn_ok(sgn_x509_check_notation_root(x, T_2025, &err), &err);
    ck_assert_sgn_ok(sgn_x509_check_notation_root(x, INT64_MIN, &err), &err);

    /* Outside its validity it is refused, and it is no code-signing leaf. */
    ck_assert_int_eq(sgn_x509_check_notation_root(x, T_2020, &err), SGN_EINVALID);
    ck_assert_ptr_nonnull(strstr(err.msg, "not valid yet"));
    sgn_error_clear(&err);
    ck_assert_int_eq(sgn_x509_check_notation_root(x, T_2125, &err), SGN_EINVALID);
    ck_assert_ptr_nonnull(strstr(err.msg, "expired"));
    sgn_error_clear(&err);
    ck_assert_int_eq(sgn_x509_check_notation_chain(chain, 1, T_2025, &err), SGN_EINVALID);
    X509_free(x);
}
END_TEST

static Suite *aws_roots_suite(void)
{
    Suite *s = suite_create("aws_roots");
    TCase *tc = tcase_create("core");
    size_t n;

    sgn_aws_roots(&n);
    tcase_add_test(tc, test_table_has_both_partitions);
    tcase_add_loop_test(tc, test_fingerprint_matches_readme, 0, (int)n);
    tcase_add_loop_test(tc, test_is_notation_root, 0, (int)n);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    return sgn_check_run(aws_roots_suite());
}
