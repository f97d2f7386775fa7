/* Unit tests for core/aws/tls_ca.c: the system CA store as Go's crypto/x509 finds it. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "sgn/tls_ca.h"
#include "sgn_check.h"

static char tmp[64];
static char path_a[128], path_b[128], dir_c[128], dir_d[128], missing[128];

static void touch(const char *p)
{
    FILE *f = fopen(p, "w");

    ck_assert_ptr_nonnull(f);
    fputs("-----BEGIN CERTIFICATE-----\n", f);
    fclose(f);
}

static void setup(void)
{
    snprintf(tmp, sizeof(tmp), "/tmp/sgn-tls-ca.XXXXXX");
    ck_assert_ptr_nonnull(mkdtemp(tmp));
    snprintf(path_a, sizeof(path_a), "%s/a.pem", tmp);
    snprintf(path_b, sizeof(path_b), "%s/b.pem", tmp);
    snprintf(dir_c, sizeof(dir_c), "%s/c", tmp);
    snprintf(dir_d, sizeof(dir_d), "%s/d", tmp);
    snprintf(missing, sizeof(missing), "%s/missing", tmp);
    touch(path_a);
    touch(path_b);
    ck_assert_int_eq(mkdir(dir_c, 0755), 0);
    ck_assert_int_eq(mkdir(dir_d, 0755), 0);
}

static void teardown(void)
{
    unlink(path_a);
    unlink(path_b);
    rmdir(dir_c);
    rmdir(dir_d);
    rmdir(tmp);
}

START_TEST(test_first_existing_file_and_all_dirs)
{
    sgn_error err = SGN_ERROR_INIT;
    sgn_tls_ca ca = SGN_TLS_CA_INIT;
    char want[512];
    const char *files[] = {missing, dir_c /* a directory is not a file */, path_b, path_a, NULL};
    const char *dirs[] = {dir_c, missing, path_a /* a file is not a directory */, dir_d, NULL};

    ck_assert_sgn_ok(sgn_tls_ca_find_in(&ca, NULL, NULL, files, dirs, &err), &err);
    ck_assert_str_eq(ca.file, path_b);
    snprintf(want, sizeof(want), "%s:%s", dir_c, dir_d);
    ck_assert_str_eq(ca.dirs, want);
    sgn_tls_ca_free(&ca);
    ck_assert_ptr_null(ca.file);
}
END_TEST

START_TEST(test_env_overrides)
{
    sgn_error err = SGN_ERROR_INIT;
    sgn_tls_ca ca = SGN_TLS_CA_INIT;
    char dirs_env[512];
    const char *files[] = {path_a, NULL};
    const char *dirs[] = {dir_c, NULL};

    /* SSL_CERT_FILE replaces the list; SSL_CERT_DIR is ':'-separated, empty parts skipped */
    snprintf(dirs_env, sizeof(dirs_env), "%s::%s:%s", missing, dir_d, dir_c);
    ck_assert_sgn_ok(sgn_tls_ca_find_in(&ca, path_b, dirs_env, files, dirs, &err), &err);
    ck_assert_str_eq(ca.file, path_b);
    snprintf(dirs_env, sizeof(dirs_env), "%s:%s", dir_d, dir_c);
    ck_assert_str_eq(ca.dirs, dirs_env);
    sgn_tls_ca_free(&ca);

    /* an SSL_CERT_FILE that cannot be read means no file, not the default list (as in Go) */
    ck_assert_sgn_ok(sgn_tls_ca_find_in(&ca, missing, "", files, dirs, &err), &err);
    ck_assert_ptr_null(ca.file);
    ck_assert_str_eq(ca.dirs, dir_c);   /* "" is unset */
    sgn_tls_ca_free(&ca);
}
END_TEST

START_TEST(test_nothing_found)
{
    sgn_error err = SGN_ERROR_INIT;
    sgn_tls_ca ca = SGN_TLS_CA_INIT;
    const char *files[] = {missing, NULL};
    const char *dirs[] = {missing, NULL};

    ck_assert_sgn_ok(sgn_tls_ca_find_in(&ca, NULL, NULL, files, dirs, &err), &err);
    ck_assert_ptr_null(ca.file);
    ck_assert_ptr_null(ca.dirs);
    sgn_tls_ca_free(&ca);
}
END_TEST

START_TEST(test_go_lists)
{
    /* src/crypto/x509/root_linux.go, in its order */
    ck_assert_str_eq(sgn_tls_ca_files[0], "/etc/ssl/certs/ca-certificates.crt");
    ck_assert_str_eq(sgn_tls_ca_files[5], "/etc/ssl/cert.pem");
    ck_assert_ptr_null(sgn_tls_ca_files[6]);
    ck_assert_str_eq(sgn_tls_ca_dirs[0], "/etc/ssl/certs");
    ck_assert_str_eq(sgn_tls_ca_dirs[1], "/etc/pki/tls/certs");
}
END_TEST

static Suite *tls_ca_suite(void)
{
    Suite *s = suite_create("tls_ca");
    TCase *tc = tcase_create("find");

    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, test_first_existing_file_and_all_dirs);
    tcase_add_test(tc, test_env_overrides);
    tcase_add_test(tc, test_nothing_found);
    tcase_add_test(tc, test_go_lists);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    return sgn_check_run(tls_ca_suite());
}
