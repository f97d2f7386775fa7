/* Unit tests for trustpolicy/validate.c: a table of bad policies, each with the finding it must
 * produce (code, severity, value, a word of the fix), the shipped templates (no findings), and
 * the trust store checks against a notation configuration directory. */
#define _XOPEN_SOURCE 700 /* nftw */
#include <dirent.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "sgn/aws_roots.h"
#include "sgn/buf.h"
#include "sgn/notation_trust.h"
#include "sgn/trustpolicy.h"
#include "sgn_check.h"

#define N(a) ((int)(sizeof(a) / sizeof((a)[0])))

#define ARN "arn:aws:signer:us-west-2:111122223333:/signing-profiles/MyProfile"
#define GOV_ARN "arn:aws-us-gov:signer:us-gov-west-1:111122223333:/signing-profiles/MyProfile"
#define LOCAL_ARN "arn:aws:signer:local:000000000000:/signing-profiles/MyProfile"
#define Q(s) "\"" s "\""

/* A one-statement document; the fields are JSON text. */
#define DOC(scopes, sv, stores, ids)                                                            \
    "{\"version\":\"1.0\",\"trustPolicies\":[{\"name\":\"p\",\"registryScopes\":" scopes          \
    ",\"signatureVerification\":" sv ",\"trustStores\":" stores ",\"trustedIdentities\":" ids   \
    "}]}"
#define STRICT "{\"level\":\"strict\"}"
#define AWS_TS "[\"signingAuthority:aws-signer-ts\"]"
#define GOOD DOC("[\"*\"]", STRICT, AWS_TS, "[" Q(ARN) "]")

static const struct {
    const char *what;
    const char *doc;
    const char *code;
    sgn_trustpolicy_severity severity;
    const char *value;    /* expected value, or NULL for none */
    const char *fix_part; /* a part of the fix */
} bad[] = {
    {"not JSON", "{\"version\":", "json-invalid", SGN_TRUSTPOLICY_ERROR, NULL, "version"},
    {"array", "[]", "json-invalid", SGN_TRUSTPOLICY_ERROR, NULL, "trustPolicies"},
    {"no version", "{\"trustPolicies\":[]}", "version-missing", SGN_TRUSTPOLICY_ERROR, NULL,
     "\"1.0\""},
    {"version 2", "{\"version\":\"2.0\",\"trustPolicies\":[]}", "version-unsupported",
     SGN_TRUSTPOLICY_ERROR, "2.0", "\"1.0\""},
    {"version number", "{\"version\":1,\"trustPolicies\":[]}", "type-invalid",
     SGN_TRUSTPOLICY_ERROR, NULL, "string"},
    {"no statements", "{\"version\":\"1.0\",\"trustPolicies\":[]}", "trust-policies-missing",
     SGN_TRUSTPOLICY_ERROR, NULL, "templates"},
    {"unknown member", "{\"version\":\"1.0\",\"trustPolicy\":[]}", "member-unknown",
     SGN_TRUSTPOLICY_WARNING, "trustPolicy", "spelling"},
    {"no name",
     "{\"version\":\"1.0\",\"trustPolicies\":[{\"registryScopes\":[\"*\"],"
     "\"signatureVerification\":" STRICT ",\"trustStores\":" AWS_TS
     ",\"trustedIdentities\":[" Q(ARN) "]}]}",
     "name-missing", SGN_TRUSTPOLICY_ERROR, NULL, "name"},
    {"duplicate name",
     "{\"version\":\"1.0\",\"trustPolicies\":[{\"name\":\"p\",\"registryScopes\":[\"a.io/x\"],"
     "\"signatureVerification\":{\"level\":\"skip\"}},{\"name\":\"p\",\"registryScopes\":"
     "[\"a.io/y\"],\"signatureVerification\":{\"level\":\"skip\"}}]}",
     "name-duplicate", SGN_TRUSTPOLICY_ERROR, "p", "rename"},
    {"trailing slash", DOC("[\"registry.example.com/app/\"]", STRICT, AWS_TS, "[" Q(ARN) "]"),
     "registry-scope-trailing-slash", SGN_TRUSTPOLICY_ERROR, "registry.example.com/app/",
     "\"registry.example.com/app\""},
    {"tag", DOC("[\"registry.example.com/app:v1\"]", STRICT, AWS_TS, "[" Q(ARN) "]"),
     "registry-scope-tag", SGN_TRUSTPOLICY_ERROR, "registry.example.com/app:v1",
     "\"registry.example.com/app\""},
    {"tag with port", DOC("[\"localhost:5000/app:v1\"]", STRICT, AWS_TS, "[" Q(ARN) "]"),
     "registry-scope-tag", SGN_TRUSTPOLICY_ERROR, "localhost:5000/app:v1",
     "\"localhost:5000/app\""},
    {"digest", DOC("[\"r.io/app@sha256:00\"]", STRICT, AWS_TS, "[" Q(ARN) "]"),
     "registry-scope-digest", SGN_TRUSTPOLICY_ERROR, "r.io/app@sha256:00", "\"r.io/app\""},
    {"registry only", DOC("[\"r.io\"]", STRICT, AWS_TS, "[" Q(ARN) "]"),
     "registry-scope-no-repository", SGN_TRUSTPOLICY_ERROR, "r.io", "\"r.io/app\""},
    {"scheme", DOC("[\"https://r.io/app\"]", STRICT, AWS_TS, "[" Q(ARN) "]"),
     "registry-scope-scheme", SGN_TRUSTPOLICY_ERROR, "https://r.io/app", "\"r.io/app\""},
    {"wildcard inside", DOC("[\"r.io/*\"]", STRICT, AWS_TS, "[" Q(ARN) "]"),
     "registry-scope-wildcard", SGN_TRUSTPOLICY_ERROR, "r.io/*", "\"*\" alone"},
    {"upper case", DOC("[\"r.io/App\"]", STRICT, AWS_TS, "[" Q(ARN) "]"),
     "registry-scope-invalid", SGN_TRUSTPOLICY_ERROR, "r.io/App", "lower-case"},
    {"star and more", DOC("[\"*\",\"r.io/app\"]", STRICT, AWS_TS, "[" Q(ARN) "]"),
     "registry-scope-wildcard-mixed", SGN_TRUSTPOLICY_ERROR, "*", "alone"},
    {"no scopes", DOC("[]", STRICT, AWS_TS, "[" Q(ARN) "]"), "registry-scopes-missing",
     SGN_TRUSTPOLICY_ERROR, NULL, "registryScopes"},
    {"scope in two statements",
     "{\"version\":\"1.0\",\"trustPolicies\":[{\"name\":\"a\",\"registryScopes\":[\"r.io/x\"],"
     "\"signatureVerification\":{\"level\":\"skip\"}},{\"name\":\"b\",\"registryScopes\":"
     "[\"r.io/x\"],\"signatureVerification\":{\"level\":\"skip\"}}]}",
     "registry-scope-duplicate", SGN_TRUSTPOLICY_ERROR, "r.io/x", "one statement"},
    {"scopes not an array", DOC("\"*\"", STRICT, AWS_TS, "[" Q(ARN) "]"), "type-invalid",
     SGN_TRUSTPOLICY_ERROR, NULL, "array"},
    {"no level", DOC("[\"*\"]", "{}", AWS_TS, "[" Q(ARN) "]"), "level-missing",
     SGN_TRUSTPOLICY_ERROR, NULL, "strict"},
    {"bad level", DOC("[\"*\"]", "{\"level\":\"Strict\"}", AWS_TS, "[" Q(ARN) "]"),
     "level-invalid", SGN_TRUSTPOLICY_ERROR, "Strict", "strict"},
    {"override integrity",
     DOC("[\"*\"]", "{\"level\":\"strict\",\"override\":{\"integrity\":\"log\"}}", AWS_TS,
         "[" Q(ARN) "]"),
     "override-integrity", SGN_TRUSTPOLICY_ERROR, "integrity", "remove"},
    {"skip expiry",
     DOC("[\"*\"]", "{\"level\":\"strict\",\"override\":{\"expiry\":\"skip\"}}", AWS_TS,
         "[" Q(ARN) "]"),
     "override-skip-not-revocation", SGN_TRUSTPOLICY_ERROR, "expiry", "\"log\""},
    {"unknown override",
     DOC("[\"*\"]", "{\"level\":\"strict\",\"override\":{\"revocations\":\"skip\"}}", AWS_TS,
         "[" Q(ARN) "]"),
     "override-type-invalid", SGN_TRUSTPOLICY_ERROR, "revocations", "revocation"},
    {"bad action",
     DOC("[\"*\"]", "{\"level\":\"strict\",\"override\":{\"revocation\":\"off\"}}", AWS_TS,
         "[" Q(ARN) "]"),
     "override-action-invalid", SGN_TRUSTPOLICY_ERROR, "off", "\"skip\""},
    {"override at skip",
     "{\"version\":\"1.0\",\"trustPolicies\":[{\"name\":\"p\",\"registryScopes\":[\"*\"],"
     "\"signatureVerification\":{\"level\":\"skip\",\"override\":{\"revocation\":\"skip\"}}}]}",
     "override-on-skip", SGN_TRUSTPOLICY_ERROR, NULL, "remove"},
    {"verifyTimestamp",
     DOC("[\"*\"]", "{\"level\":\"strict\",\"verifyTimestamp\":\"never\"}", AWS_TS,
         "[" Q(ARN) "]"),
     "verify-timestamp-invalid", SGN_TRUSTPOLICY_ERROR, "never", "afterCertExpiry"},
    {"skip with stores", DOC("[\"*\"]", "{\"level\":\"skip\"}", AWS_TS, "[" Q(ARN) "]"),
     "skip-with-trust", SGN_TRUSTPOLICY_ERROR, "skip", "remove"},
    {"no stores", DOC("[\"*\"]", STRICT, "[]", "[" Q(ARN) "]"), "trust-stores-missing",
     SGN_TRUSTPOLICY_ERROR, NULL, "signingAuthority:aws-signer-ts"},
    {"no identities", DOC("[\"*\"]", STRICT, AWS_TS, "[]"), "trusted-identities-missing",
     SGN_TRUSTPOLICY_ERROR, NULL, "signing-profiles"},
    {"store without type", DOC("[\"*\"]", STRICT, "[\"aws-signer-ts\"]", "[" Q(ARN) "]"),
     "trust-store-malformed", SGN_TRUSTPOLICY_ERROR, "aws-signer-ts",
     "\"signingAuthority:aws-signer-ts\""},
    {"type case", DOC("[\"*\"]", STRICT, "[\"signingauthority:aws-signer-ts\"]", "[" Q(ARN) "]"),
     "trust-store-type-invalid", SGN_TRUSTPOLICY_ERROR, "signingauthority:aws-signer-ts",
     "\"signingAuthority:aws-signer-ts\""},
    {"bad store name", DOC("[\"*\"]", STRICT, "[\"ca:a b\"]", "[" Q(ARN) "]"),
     "trust-store-name-invalid", SGN_TRUSTPOLICY_ERROR, "ca:a b", "letters"},
    {"AWS store as ca", DOC("[\"*\"]", STRICT, "[\"ca:aws-signer-ts\"]", "[" Q(ARN) "]"),
     "trust-store-wrong-type", SGN_TRUSTPOLICY_ERROR, "ca:aws-signer-ts",
     "\"signingAuthority:aws-signer-ts\""},
    {"local store as tsa", DOC("[\"*\"]", STRICT, "[\"tsa:signer-local-ts\"]",
                               "[" Q(LOCAL_ARN) "]"),
     "trust-store-wrong-type", SGN_TRUSTPOLICY_ERROR, "tsa:signer-local-ts",
     "\"signingAuthority:signer-local-ts\""},
    {"wildcard identity", DOC("[\"*\"]", STRICT, AWS_TS, "[\"*\"]"), "trusted-identity-wildcard",
     SGN_TRUSTPOLICY_ERROR, "*", "signing profile ARNs"},
    {"wildcard and ARN", DOC("[\"*\"]", STRICT, AWS_TS, "[\"*\"," Q(ARN) "]"),
     "trusted-identity-wildcard-mixed", SGN_TRUSTPOLICY_ERROR, "*", "remove \"*\""},
    {"singular", DOC("[\"*\"]", STRICT, AWS_TS,
                     "[\"arn:aws:signer:us-west-2:111122223333:/signing-profile/MyProfile\"]"),
     "trusted-identity-profile-singular", SGN_TRUSTPOLICY_ERROR,
     "arn:aws:signer:us-west-2:111122223333:/signing-profile/MyProfile", "\"" ARN "\""},
    {"job", DOC("[\"*\"]", STRICT, AWS_TS,
                "[\"arn:aws:signer:us-west-2:111122223333:/signing-jobs/1234\"]"),
     "trusted-identity-signing-job", SGN_TRUSTPOLICY_ERROR,
     "arn:aws:signer:us-west-2:111122223333:/signing-jobs/1234", "/signing-profiles/<profile"},
    {"trailing slash ARN", DOC("[\"*\"]", STRICT, AWS_TS, "[\"" ARN "/\"]"),
     "trusted-identity-arn-invalid", SGN_TRUSTPOLICY_ERROR, ARN "/", "\"" ARN "\""},
    {"extra segment", DOC("[\"*\"]", STRICT, AWS_TS, "[\"" ARN "/v1/x\"]"),
     "trusted-identity-arn-invalid", SGN_TRUSTPOLICY_ERROR, ARN "/v1/x", "<version>"},
    {"other service", DOC("[\"*\"]", STRICT, AWS_TS,
                          "[\"arn:aws:iam::111122223333:role/Builder\"]"),
     "trusted-identity-not-profile", SGN_TRUSTPOLICY_WARNING,
     "arn:aws:iam::111122223333:role/Builder", "signing-profiles"},
    {"no separator", DOC("[\"*\"]", STRICT, AWS_TS, "[\"MyProfile\"]"),
     "trusted-identity-malformed", SGN_TRUSTPOLICY_ERROR, "MyProfile", "ARN"},
    {"empty identity", DOC("[\"*\"]", STRICT, AWS_TS, "[\"\"]"), "trusted-identity-empty",
     SGN_TRUSTPOLICY_ERROR, "", "remove"},
    {"x509 without O", DOC("[\"*\"]", STRICT, "[\"ca:acme\"]", "[\"x509.subject: C=US, ST=WA\"]"),
     "trusted-identity-x509-invalid", SGN_TRUSTPOLICY_ERROR, "x509.subject: C=US, ST=WA",
     "O=<organization>"},
    {"x509 multi-valued",
     DOC("[\"*\"]", STRICT, "[\"ca:acme\"]", "[\"x509.subject: C=US+ST=WA, O=Acme\"]"),
     "trusted-identity-x509-invalid", SGN_TRUSTPOLICY_ERROR, "x509.subject: C=US+ST=WA, O=Acme",
     "once"},
    {"x509 overlap",
     DOC("[\"*\"]", STRICT, "[\"ca:acme\"]",
         "[\"x509.subject: C=US, ST=WA, O=Acme\",\"x509.subject: C=US, S=WA, O=Acme, CN=B\"]"),
     "trusted-identity-x509-overlap", SGN_TRUSTPOLICY_ERROR,
     "x509.subject: C=US, S=WA, O=Acme, CN=B", "more specific"},
    {"x509 with plugin",
     DOC("[\"*\"]", STRICT, AWS_TS, "[\"x509.subject: C=US, ST=WA, O=AWS\"]"),
     "trusted-identity-x509-with-plugin", SGN_TRUSTPOLICY_WARNING,
     "x509.subject: C=US, ST=WA, O=AWS", "profile ARN"},
    {"gov profile, commercial store", DOC("[\"*\"]", STRICT, AWS_TS, "[" Q(GOV_ARN) "]"),
     "trusted-identity-partition", SGN_TRUSTPOLICY_WARNING, GOV_ARN,
     "signingAuthority:aws-us-gov-signer-ts"},
};

static const sgn_trustpolicy_finding *find_code(const sgn_trustpolicy_findings *f,
                                                const char *code)
{
    size_t i;

    for (i = 0; i < f->len; i++)
        if (strcmp(f->items[i].code, code) == 0)
            return &f->items[i];
    return NULL;
}

static void dump(const sgn_trustpolicy_findings *f)
{
    size_t i;

    for (i = 0; i < f->len; i++)
        fprintf(stderr, "  %s: %s | %s\n", f->items[i].code, f->items[i].message,
                f->items[i].fix);
}

START_TEST(test_good_policy_has_no_findings)
{
    sgn_trustpolicy_findings f = SGN_TRUSTPOLICY_FINDINGS_INIT;
    sgn_error err = SGN_ERROR_INIT;

    ck_assert_sgn_ok(sgn_trustpolicy_validate(&f, GOOD, strlen(GOOD), NULL, &err), &err);
    if (f.len)
        dump(&f);
    ck_assert_uint_eq(f.len, 0);
    sgn_trustpolicy_findings_free(&f);
}
END_TEST

START_TEST(test_bad_policy)
{
    sgn_trustpolicy_findings f = SGN_TRUSTPOLICY_FINDINGS_INIT;
    sgn_error err = SGN_ERROR_INIT;
    const sgn_trustpolicy_finding *got;

    ck_assert_sgn_ok(sgn_trustpolicy_validate(&f, bad[_i].doc, strlen(bad[_i].doc), NULL, &err),
                     &err);
    got = find_code(&f, bad[_i].code);
    if (got == NULL)
        dump(&f);
    ck_assert_msg(got != NULL, "%s: no finding %s", bad[_i].what, bad[_i].code);
    ck_assert_int_eq(got->severity, bad[_i].severity);
    if (bad[_i].value == NULL)
        ck_assert_ptr_null(got->value);
    else
        ck_assert_str_eq(got->value, bad[_i].value);
    ck_assert_msg(strstr(got->fix, bad[_i].fix_part) != NULL, "%s: fix \"%s\" lacks \"%s\"",
                  bad[_i].what, got->fix, bad[_i].fix_part);
    ck_assert_ptr_nonnull(got->message);
    if (bad[_i].severity == SGN_TRUSTPOLICY_ERROR)
        ck_assert_uint_gt(f.n_errors, 0);
    sgn_trustpolicy_findings_free(&f);
}
END_TEST

START_TEST(test_finding_names_statement)
{
    static const char doc[] = DOC("[\"r.io/app/\"]", STRICT, AWS_TS, "[" Q(ARN) "]");
    sgn_trustpolicy_findings f = SGN_TRUSTPOLICY_FINDINGS_INIT;
    sgn_error err = SGN_ERROR_INIT;

    ck_assert_sgn_ok(sgn_trustpolicy_validate(&f, doc, strlen(doc), NULL, &err), &err);
    ck_assert_uint_eq(f.len, 1);
    ck_assert_uint_eq(f.n_errors, 1);
    ck_assert_int_eq(f.items[0].statement, 0);
    ck_assert_str_eq(f.items[0].statement_name, "p");
    ck_assert_str_eq(f.items[0].field, "registryScopes");
    ck_assert_ptr_nonnull(strstr(f.items[0].message, "statement \"p\""));
    sgn_trustpolicy_findings_free(&f);
}
END_TEST

/* Every shipped template passes. */
START_TEST(test_templates_are_valid)
{
    const char *src = getenv("SGN_SOURCE_DIR");
    char dir[4096], path[8192];
    DIR *d;
    struct dirent *e;
    int n = 0;

    ck_assert_ptr_nonnull(src);
    snprintf(dir, sizeof(dir), "%s/trustpolicy/templates", src);
    ck_assert_ptr_nonnull(d = opendir(dir));
    while ((e = readdir(d)) != NULL) {
        sgn_buf text = SGN_BUF_INIT;
        sgn_trustpolicy_findings f = SGN_TRUSTPOLICY_FINDINGS_INIT;
        sgn_error err = SGN_ERROR_INIT;

        if (strstr(e->d_name, ".json") == NULL)
            continue;
        snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
        ck_assert_sgn_ok(sgn_read_file(&text, path, 1 << 20, &err), &err);
        ck_assert_sgn_ok(sgn_trustpolicy_validate(&f, sgn_buf_cstr(&text), text.len, NULL, &err), &err);
        if (f.len)
            dump(&f);
        ck_assert_msg(f.len == 0, "%s has findings", e->d_name);
        sgn_trustpolicy_findings_free(&f);
        sgn_buf_free(&text);
        n++;
    }
    closedir(d);
    ck_assert_int_eq(n, 6);
}
END_TEST

/* --- trust stores in a configuration directory -------------------------------------------- */

static int rm_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
    (void)st;
    (void)flag;
    (void)ftw;
    return remove(path);
}

static char *aws_root_pem(void)
{
    sgn_buf b = SGN_BUF_INIT;
    sgn_error err = SGN_ERROR_INIT;
    char path[4096];

    snprintf(path, sizeof(path), "%s/truststore/aws-signer-notation-root.crt",
             getenv("SGN_SOURCE_DIR"));
    ck_assert_sgn_ok(sgn_read_file(&b, path, 1 << 20, &err), &err);
    return sgn_buf_detach(&b, NULL);
}

static const struct {
    const char *what;
    const char *stores;          /* JSON array */
    const char *install_type;    /* where the AWS root is put: "signingAuthority", "ca", NULL */
    const char *install_name;
    const char *code;            /* expected finding, or NULL for none */
    const char *fix_part;
} store_cases[] = {
    {"installed", AWS_TS, "signingAuthority", "aws-signer-ts", NULL, NULL},
    {"missing", AWS_TS, NULL, NULL, "trust-store-not-found", "notation cert add"},
    {"missing, other type exists", "[\"ca:my-aws\"]", "signingAuthority", "my-aws",
     "trust-store-not-found", "\"signingAuthority:my-aws\""},
    {"AWS root in a ca store", "[\"ca:my-aws\"]", "ca", "my-aws", "trust-store-wrong-type",
     "\"signingAuthority:my-aws\""},
    {"empty store", "[\"signingAuthority:empty\"]", "signingAuthority", "empty",
     "trust-store-empty", "notation cert add"},
};

START_TEST(test_store_checks)
{
    char tmpl[] = "/tmp/check_trustpolicy.XXXXXX", doc[2048], path[4096];
    char *tmp = mkdtemp(tmpl), *pem = aws_root_pem();
    sgn_trustpolicy_findings f = SGN_TRUSTPOLICY_FINDINGS_INIT;
    sgn_error err = SGN_ERROR_INIT;
    const sgn_trustpolicy_finding *got;

    ck_assert_ptr_nonnull(tmp);
    snprintf(doc, sizeof(doc), DOC("[\"*\"]", STRICT, "%s", "[" Q(ARN) "]"),
             store_cases[_i].stores);
    if (store_cases[_i].install_type != NULL) {
        snprintf(path, sizeof(path), "%s/truststore/x509/%s/%s", tmp,
                 store_cases[_i].install_type, store_cases[_i].install_name);
        ck_assert_sgn_ok(sgn_mkdir_p(path, 0755, &err), &err);
        if (strcmp(store_cases[_i].install_name, "empty") != 0) {
            strcat(path, "/root.crt");
            ck_assert_sgn_ok(sgn_write_file_atomic(path, pem, strlen(pem), 0644, &err), &err);
        }
    }
    ck_assert_sgn_ok(sgn_trustpolicy_validate(&f, doc, strlen(doc), tmp, &err), &err);
    if (store_cases[_i].code == NULL) {
        if (f.len)
            dump(&f);
        ck_assert_uint_eq(f.len, 0);
    } else {
        got = find_code(&f, store_cases[_i].code);
        if (got == NULL)
            dump(&f);
        ck_assert_msg(got != NULL, "%s: no %s", store_cases[_i].what, store_cases[_i].code);
        ck_assert_msg(strstr(got->fix, store_cases[_i].fix_part) != NULL, "fix \"%s\"", got->fix);
    }
    sgn_trustpolicy_findings_free(&f);
    nftw(tmp, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
    free(pem);
}
END_TEST

static Suite *trustpolicy_suite(void)
{
    Suite *s = suite_create("trustpolicy");
    TCase *tc = tcase_create("validate");

    tcase_add_test(tc, test_good_policy_has_no_findings);
    tcase_add_loop_test(tc, test_bad_policy, 0, N(bad));
    tcase_add_test(tc, test_finding_names_statement);
    tcase_add_test(tc, test_templates_are_valid);
    tcase_add_loop_test(tc, test_store_checks, 0, N(store_cases));
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    return sgn_check_run(trustpolicy_suite());
}
