/* Unit tests for truststore/notation_trust.c: trust store names, config directory, trust policy
 * statements, merging into existing documents, and the files written. */
#define _XOPEN_SOURCE 700
#include <errno.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cjson/cJSON.h>

#include "sgn/buf.h"
#include "sgn/notation_trust.h"
#include "sgn_check.h"

static const char TEST_PEM[] =
    "-----BEGIN CERTIFICATE-----\n"
    "MIIB7jCCAZOgAwIBAgIUey8AV8HjmG7DTwg87H4LUXXq1dgwCgYIKoZIzj0EAwIw\n"
    "TDELMAkGA1UEBhMCVVMxCzAJBgNVBAgMAldBMQ0wCwYDVQQKDARUZXN0MSEwHwYD\n"
    "VQQDDBhub3RhdGlvbiB0cnVzdCB0ZXN0IHJvb3QwHhcNMjYxMTIyMTMwMTMwWhcN\n"
    "MzYxMTE5MTMwMTMwWjBMMQswCQYDVQQGEwJVUzELMAkGA1UECAwCV0ExDTALBgNV\n"
    "BAoMBFRlc3QxITAfBgNVBAMMGG5vdGF0aW9uIHRydXN0IHRlc3Qgcm9vdDBZMBMG\n"
    "ByqGSM49AgEGCCqGSM49AwEHA0IABHe8scYmg/9DxD0CzGVYLtcDZWpwB+rx8kTR\n"
    "UeFhhI/jw/J8UCFpVngrofCf6pmoWjQkerEdFKZhO3ApaJdratejUzBRMB0GA1Ud\n"
    "DgQWBBRHoDO6mQ39k9i5kt2gjo6wo3zaoTAfBgNVHSMEGDAWgBRHoDO6mQ39k9i5\n"
    "kt2gjo6wo3zaoTAPBgNVHRMBAf8EBTADAQH/MAoGCCqGSM49BAMCA0kAMEYCIQCU\n"
    "VQeOFAQYNhWy+akTvKglSAQQzF1zN3gF46s4gFso9AIhAPS1ISFdzYV4bJ0ybNC+\n"
    "pxtbjSPA0ecYEIOc+YcFuh3o\n"
    "-----END CERTIFICATE-----\n";

#define PROFILE_ARN "arn:aws:signer:local:000000000000:/signing-profiles/app"
#define PROFILE_ARN2 "arn:aws:signer:local:000000000000:/signing-profiles/other"

/* --- helpers ------------------------------------------------------------------------------ */

static char *make_tmpdir(void)
{
    char tmpl[] = "/tmp/check_notation_trust.XXXXXX";
    char *dir = mkdtemp(tmpl);

    ck_assert_ptr_nonnull(dir);
    return strdup(dir);
}

static int rm_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
    (void)st;
    (void)flag;
    (void)ftw;
    return remove(path);
}

static void rm_rf(char *dir)
{
    nftw(dir, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
    free(dir);
}

static char *path_join(const char *a, const char *b)
{
    size_t n = strlen(a) + strlen(b) + 2;
    char *p = malloc(n);

    ck_assert_ptr_nonnull(p);
    snprintf(p, n, "%s/%s", a, b);
    return p;
}

static void write_text(const char *path, const char *text)
{
    FILE *f = fopen(path, "w");

    ck_assert_ptr_nonnull(f);
    fputs(text, f);
    fclose(f);
}

static cJSON *read_json(const char *path)
{
    sgn_buf b = SGN_BUF_INIT;
    sgn_error err = SGN_ERROR_INIT;
    cJSON *j;

    ck_assert_sgn_ok(sgn_read_file(&b, path, 1 << 20, &err), &err);
    j = cJSON_ParseWithLength(sgn_buf_cstr(&b), b.len);
    sgn_buf_free(&b);
    ck_assert_msg(j != NULL, "%s does not parse", path);
    return j;
}

static mode_t mode_of(const char *path)
{
    struct stat st;

    ck_assert_int_eq(lstat(path, &st), 0);
    return st.st_mode & 07777;
}

/* Assert that got equals the JSON text want (member order matters for arrays, not objects). */
static void assert_json_eq(const cJSON *got, const char *want)
{
    cJSON *w = cJSON_Parse(want);
    char *g = cJSON_PrintUnformatted(got);

    ck_assert_msg(w != NULL, "bad expected JSON: %s", want);
    ck_assert_msg(cJSON_Compare(got, w, 1), "got %s\nwant %s", g, want);
    cJSON_Delete(w);
    cJSON_free(g);
}

static const char *const STAR[] = {"*"};
static const char *const STORES[] = {"signingAuthority:signer-local-ts"};
static const char *const IDS[] = {PROFILE_ARN};

static sgn_notation_policy_spec default_spec(void)
{
    sgn_notation_policy_spec s = {"signer-local", STAR, 1, STORES, 1, IDS, 1,
                                  SGN_NOTATION_REVOCATION_ENFORCE};
    return s;
}

/* --- store names -------------------------------------------------------------------------- */

static const struct {
    const char *name;
    int valid;
} name_cases[] = {
    {"signer-local-ts", 1}, {"aws-signer-ts", 1}, {"A.b_c-9", 1}, {"x", 1},
    {"", 0},                {".", 0},             {"..", 0},      {"a/b", 0},
    {"a b", 0},             {"a:b", 0},           {"ü", 0},       {"../etc", 0},
};

START_TEST(test_store_name_valid)
{
    ck_assert_msg(sgn_notation_store_name_valid(name_cases[_i].name) == name_cases[_i].valid,
                  "name \"%s\"", name_cases[_i].name);
}
END_TEST

START_TEST(test_store_name_null)
{
    ck_assert_int_eq(sgn_notation_store_name_valid(NULL), 0);
}
END_TEST

/* --- default config dir ------------------------------------------------------------------- */

static const struct {
    const char *notation_config, *xdg, *home;
    const char *want; /* NULL: an error */
} dir_cases[] = {
    {"/n", "/x", "/h", "/n"},
    {"", "/x", "/h", "/x/notation"},
    {NULL, "/x/", "/h", "/x/notation"},
    {NULL, NULL, "/home/u", "/home/u/.config/notation"},
    {NULL, "", "/home/u/", "/home/u/.config/notation"},
    {NULL, "relative", "/h", NULL},
    {NULL, NULL, NULL, NULL},
    {"", "", "", NULL},
};

START_TEST(test_default_config_dir)
{
    sgn_error err = SGN_ERROR_INIT;
    char *dir = NULL;
    int rc = sgn_notation_default_config_dir(&dir, dir_cases[_i].notation_config,
                                             dir_cases[_i].xdg, dir_cases[_i].home, &err);

    if (dir_cases[_i].want == NULL) {
        ck_assert_int_eq(rc, SGN_EINVALID);
        ck_assert_ptr_null(dir);
        ck_assert_str_ne(err.msg, "");
    } else {
        ck_assert_msg(rc == SGN_OK, "case %d: %s", _i, err.msg);
        ck_assert_str_eq(dir, dir_cases[_i].want);
    }
    free(dir);
}
END_TEST

/* --- revocation modes and overrides ------------------------------------------------------- */

static const struct {
    const char *text;
    int rc;
    const char *verification; /* expected signatureVerification */
} revocation_cases[] = {
    {"enforce", SGN_OK, "{\"level\":\"strict\"}"},
    {"log", SGN_OK, "{\"level\":\"strict\",\"override\":{\"revocation\":\"log\"}}"},
    {"skip", SGN_OK, "{\"level\":\"strict\",\"override\":{\"revocation\":\"skip\"}}"},
    {"SKIP", SGN_EINVALID, NULL},
    {"", SGN_EINVALID, NULL},
    {"strict", SGN_EINVALID, NULL},
};

START_TEST(test_revocation_override)
{
    sgn_error err = SGN_ERROR_INIT;
    sgn_notation_policy_spec spec = default_spec();
    cJSON *st = NULL;
    int rc = sgn_notation_revocation_parse(&spec.revocation, revocation_cases[_i].text, &err);

    ck_assert_int_eq(rc, revocation_cases[_i].rc);
    if (rc != SGN_OK) {
        ck_assert_ptr_nonnull(strstr(err.msg, "enforce, log or skip"));
        return;
    }
    ck_assert_sgn_ok(sgn_notation_policy_statement(&st, &spec, &err), &err);
    assert_json_eq(cJSON_GetObjectItemCaseSensitive(st, "signatureVerification"),
                   revocation_cases[_i].verification);
    cJSON_Delete(st);
}
END_TEST

/* --- statements --------------------------------------------------------------------------- */

START_TEST(test_statement_shape)
{
    static const char *const scopes[] = {"registry.example.com/ns/app", "localhost:5000/app",
                                         "registry.example.com/ns/app"};
    static const char *const ids[] = {PROFILE_ARN, PROFILE_ARN2, PROFILE_ARN};
    sgn_error err = SGN_ERROR_INIT;
    sgn_notation_policy_spec spec = {"p1", scopes, 3, STORES, 1, ids, 3,
                                     SGN_NOTATION_REVOCATION_ENFORCE};
    cJSON *st = NULL;

    ck_assert_sgn_ok(sgn_notation_policy_statement(&st, &spec, &err), &err);
    /* duplicates are dropped: notation refuses a scope listed twice */
    assert_json_eq(st, "{\"name\":\"p1\","
                       "\"registryScopes\":"
                       "[\"registry.example.com/ns/app\",\"localhost:5000/app\"],"
                       "\"signatureVerification\":{\"level\":\"strict\"},"
                       "\"trustStores\":[\"signingAuthority:signer-local-ts\"],"
                       "\"trustedIdentities\":[\"" PROFILE_ARN "\",\"" PROFILE_ARN2 "\"]}");
    cJSON_Delete(st);
}
END_TEST

static const char *const BAD_SCOPES_MIX[] = {"*", "r.io/a"};
static const char *const BAD_SCOPE_TAG[] = {"r.io/a:v1"};
static const char *const BAD_SCOPE_DIGEST[] = {"r.io/a@sha256:00"};
static const char *const BAD_SCOPE_WILD[] = {"r.io/*"};
static const char *const BAD_SCOPE_NOREPO[] = {"r.io"};
static const char *const BAD_SCOPE_EMPTY[] = {""};
static const char *const BAD_STORE_TYPE[] = {"x509:signer-local-ts"};
static const char *const BAD_STORE_NAME[] = {"signingAuthority:a/b"};
static const char *const BAD_STORE_PLAIN[] = {"signer-local-ts"};
static const char *const BAD_IDS_MIX[] = {"*", PROFILE_ARN};
static const char *const BAD_ID_PLAIN[] = {"my-profile"};
static const char *const GOOD_ID_STAR[] = {"*"};

static const struct {
    const char *what;
    const char *name;
    const char *const *scopes;
    size_t n_scopes;
    const char *const *stores;
    size_t n_stores;
    const char *const *ids;
    size_t n_ids;
    int rc;
    const char *msg_part;
} statement_cases[] = {
    {"ok", "p", STAR, 1, STORES, 1, IDS, 1, SGN_OK, NULL},
    {"identity *", "p", STAR, 1, STORES, 1, GOOD_ID_STAR, 1, SGN_OK, NULL},
    {"no name", "", STAR, 1, STORES, 1, IDS, 1, SGN_EINVALID, "name"},
    {"null name", NULL, STAR, 1, STORES, 1, IDS, 1, SGN_EINVALID, "name"},
    {"no scopes", "p", STAR, 0, STORES, 1, IDS, 1, SGN_EINVALID, "registry scope"},
    {"* mixed", "p", BAD_SCOPES_MIX, 2, STORES, 1, IDS, 1, SGN_EINVALID, "only scope"},
    {"tag", "p", BAD_SCOPE_TAG, 1, STORES, 1, IDS, 1, SGN_EINVALID, "r.io/a:v1"},
    {"digest", "p", BAD_SCOPE_DIGEST, 1, STORES, 1, IDS, 1, SGN_EINVALID, "digest"},
    {"wildcard", "p", BAD_SCOPE_WILD, 1, STORES, 1, IDS, 1, SGN_EINVALID, "wildcard"},
    {"no repo", "p", BAD_SCOPE_NOREPO, 1, STORES, 1, IDS, 1, SGN_EINVALID, "\"r.io\""},
    {"empty scope", "p", BAD_SCOPE_EMPTY, 1, STORES, 1, IDS, 1, SGN_EINVALID, "empty"},
    {"no stores", "p", STAR, 1, STORES, 0, IDS, 1, SGN_EINVALID, "trust store"},
    {"store type", "p", STAR, 1, BAD_STORE_TYPE, 1, IDS, 1, SGN_EINVALID, "x509:"},
    {"store name", "p", STAR, 1, BAD_STORE_NAME, 1, IDS, 1, SGN_EINVALID, "a/b"},
    {"store plain", "p", STAR, 1, BAD_STORE_PLAIN, 1, IDS, 1, SGN_EINVALID, "<type>:<name>"},
    {"no ids", "p", STAR, 1, STORES, 1, IDS, 0, SGN_EINVALID, "trusted identity"},
    {"ids mixed", "p", STAR, 1, STORES, 1, BAD_IDS_MIX, 2, SGN_EINVALID, "only identity"},
    {"id plain", "p", STAR, 1, STORES, 1, BAD_ID_PLAIN, 1, SGN_EINVALID, "my-profile"},
};

START_TEST(test_statement_validation)
{
    sgn_error err = SGN_ERROR_INIT;
    sgn_notation_policy_spec spec = {
        statement_cases[_i].name,   statement_cases[_i].scopes, statement_cases[_i].n_scopes,
        statement_cases[_i].stores, statement_cases[_i].n_stores, statement_cases[_i].ids,
        statement_cases[_i].n_ids,  SGN_NOTATION_REVOCATION_ENFORCE};
    cJSON *st = NULL;
    int rc = sgn_notation_policy_statement(&st, &spec, &err);

    ck_assert_msg(rc == statement_cases[_i].rc, "%s: rc %d (%s)", statement_cases[_i].what, rc,
                  err.msg);
    if (rc == SGN_OK) {
        ck_assert_ptr_nonnull(st);
    } else {
        ck_assert_ptr_null(st);
        ck_assert_msg(strstr(err.msg, statement_cases[_i].msg_part) != NULL, "%s: message \"%s\"",
                      statement_cases[_i].what, err.msg);
    }
    cJSON_Delete(st);
}
END_TEST

/* --- merging ------------------------------------------------------------------------------ */

#define SV "\"signatureVerification\":{\"level\":\"strict\"}"
#define OURS_TAIL                                                                               \
    ",\"trustStores\":[\"signingAuthority:signer-local-ts\"],"                                     \
    "\"trustedIdentities\":[\"" PROFILE_ARN "\"]}"
#define NEW_STAR "{\"name\":\"signer-local\",\"registryScopes\":[\"*\"]," SV OURS_TAIL
#define NEW_A "{\"name\":\"signer-local\",\"registryScopes\":[\"r.io/a\"]," SV OURS_TAIL
#define OTHER(name, scopes)                                                                     \
    "{\"name\":\"" name "\",\"registryScopes\":" scopes "," SV                                  \
    ",\"trustStores\":[\"ca:corp\"],\"trustedIdentities\":[\"x509.subject: C=US, ST=WA, O=Corp\"]}"
#define DOC(items) "{\"version\":\"1.0\",\"trustPolicies\":[" items "]}"
#define DOC0 DOC("")
#define AND ","

static const struct {
    const char *what;
    const char *doc;
    const char *statement;
    int force;
    int rc;
    const char *want; /* the document afterwards (unchanged on failure) */
    const char *msg_part;
} merge_cases[] = {
    {"empty document", DOC0, NEW_STAR, 0, SGN_OK, DOC(NEW_STAR), NULL},
    {"no trustPolicies member", "{\"version\":\"1.0\"}", NEW_STAR, 0, SGN_OK, DOC(NEW_STAR),
     NULL},
    {"append beside a different scope", DOC(OTHER("corp", "[\"r.io/corp\"]")), NEW_STAR, 0,
     SGN_OK, DOC(OTHER("corp", "[\"r.io/corp\"]") AND NEW_STAR), NULL},
    {"specific scope beside *", DOC(OTHER("corp", "[\"*\"]")), NEW_A, 0, SGN_OK,
     DOC(OTHER("corp", "[\"*\"]") AND NEW_A), NULL},
    {"replace same name in place",
     DOC(OTHER("first", "[\"r.io/x\"]") AND OTHER("signer-local", "[\"*\"]") AND
         OTHER("last", "[\"r.io/y\"]")),
     NEW_STAR, 0, SGN_OK,
     DOC(OTHER("first", "[\"r.io/x\"]") AND NEW_STAR AND OTHER("last", "[\"r.io/y\"]")), NULL},
    {"replace drops duplicate names",
     DOC(OTHER("signer-local", "[\"r.io/a\"]") AND OTHER("signer-local", "[\"r.io/b\"]")), NEW_A, 0,
     SGN_OK, DOC(NEW_A), NULL},
    {"conflict", DOC(OTHER("corp", "[\"*\"]")), NEW_STAR, 0, SGN_ECONFLICT,
     DOC(OTHER("corp", "[\"*\"]")), "\"corp\""},
    {"conflict on one of several scopes", DOC(OTHER("corp", "[\"r.io/b\",\"r.io/a\"]")), NEW_A, 0,
     SGN_ECONFLICT, DOC(OTHER("corp", "[\"r.io/b\",\"r.io/a\"]")), "r.io/a"},
    {"force drops a statement left without scopes",
     DOC(OTHER("corp", "[\"*\"]") AND OTHER("keep", "[\"r.io/k\"]")), NEW_STAR, 1, SGN_OK,
     DOC(OTHER("keep", "[\"r.io/k\"]") AND NEW_STAR), NULL},
    {"force removes only the claimed scope", DOC(OTHER("corp", "[\"r.io/b\",\"r.io/a\"]")), NEW_A,
     1, SGN_OK, DOC(OTHER("corp", "[\"r.io/b\"]") AND NEW_A), NULL},
    {"force with same name elsewhere",
     DOC(OTHER("signer-local", "[\"r.io/old\"]") AND OTHER("corp", "[\"r.io/a\"]")), NEW_A, 1,
     SGN_OK, DOC(NEW_A), NULL},
    {"same name keeps its own scopes without conflict", DOC(OTHER("signer-local", "[\"*\"]")),
     NEW_STAR, 0, SGN_OK, DOC(NEW_STAR), NULL},
    {"wrong version", "{\"version\":\"2.0\",\"trustPolicies\":[]}", NEW_STAR, 0, SGN_EINVALID,
     "{\"version\":\"2.0\",\"trustPolicies\":[]}", "1.0"},
    {"no version", "{\"trustPolicies\":[]}", NEW_STAR, 0, SGN_EINVALID, "{\"trustPolicies\":[]}",
     "1.0"},
    {"trustPolicies not an array", "{\"version\":\"1.0\",\"trustPolicies\":{}}", NEW_STAR, 0,
     SGN_EINVALID, "{\"version\":\"1.0\",\"trustPolicies\":{}}", "array"},
};

START_TEST(test_merge)
{
    sgn_error err = SGN_ERROR_INIT;
    cJSON *doc = cJSON_Parse(merge_cases[_i].doc);
    cJSON *st = cJSON_Parse(merge_cases[_i].statement);
    int rc;

    ck_assert_ptr_nonnull(doc);
    ck_assert_ptr_nonnull(st);
    rc = sgn_notation_policy_merge(doc, st, merge_cases[_i].force, &err);
    ck_assert_msg(rc == merge_cases[_i].rc, "%s: rc %d (%s)", merge_cases[_i].what, rc, err.msg);
    assert_json_eq(doc, merge_cases[_i].want);
    if (rc != SGN_OK) {
        ck_assert_msg(strstr(err.msg, merge_cases[_i].msg_part) != NULL, "%s: message \"%s\"",
                      merge_cases[_i].what, err.msg);
        cJSON_Delete(st); /* still the caller's on failure */
    }
    cJSON_Delete(doc);
}
END_TEST

START_TEST(test_document_new)
{
    sgn_error err = SGN_ERROR_INIT;
    cJSON *doc = NULL;

    ck_assert_sgn_ok(sgn_notation_policy_document_new(&doc, &err), &err);
    assert_json_eq(doc, DOC0);
    cJSON_Delete(doc);
}
END_TEST

/* --- files -------------------------------------------------------------------------------- */

START_TEST(test_write_trust_cert_layout_and_modes)
{
    sgn_error err = SGN_ERROR_INIT;
    char *tmp = make_tmpdir(), *cfg = path_join(tmp, "notation"), *path = NULL;
    char *store, *want;
    sgn_buf got = SGN_BUF_INIT;

    umask(022);
    ck_assert_sgn_ok(sgn_notation_write_trust_cert(&path, cfg, "signer-local-ts",
                                                   SGN_NOTATION_ROOT_FILE, TEST_PEM,
                                                   strlen(TEST_PEM), &err),
                     &err);
    store = path_join(cfg, "truststore/x509/signingAuthority/signer-local-ts");
    want = path_join(store, "signer-local-root.crt");
    ck_assert_str_eq(path, want);
    ck_assert_int_eq(mode_of(want), 0644);
    ck_assert_int_eq(mode_of(store), 0755);
    ck_assert_int_eq(mode_of(cfg), 0755);
    ck_assert_sgn_ok(sgn_read_file(&got, want, 1 << 20, &err), &err);
    ck_assert_str_eq(sgn_buf_cstr(&got), TEST_PEM);
    sgn_buf_free(&got);

    /* A second install replaces the file and keeps the mode, even under a strict umask. */
    umask(077);
    ck_assert_sgn_ok(sgn_notation_write_trust_cert(NULL, cfg, "signer-local-ts",
                                                   SGN_NOTATION_ROOT_FILE, TEST_PEM,
                                                   strlen(TEST_PEM), &err),
                     &err);
    ck_assert_int_eq(mode_of(want), 0644);
    umask(022);
    free(path);
    free(store);
    free(want);
    free(cfg);
    rm_rf(tmp);
}
END_TEST

static const struct {
    const char *what;
    const char *store;
    const char *file;
    const char *pem;
    int rc;
    const char *msg_part;
} cert_cases[] = {
    {"bad store name", "a/b", "root.crt", TEST_PEM, SGN_EINVALID, "[a-zA-Z0-9_.-]+"},
    {"dot-dot store", "..", "root.crt", TEST_PEM, SGN_EINVALID, "trust store name"},
    {"empty store", "", "root.crt", TEST_PEM, SGN_EINVALID, "trust store name"},
    {"file with slash", "ts", "../root.crt", TEST_PEM, SGN_EINVALID, "file name"},
    {"not a certificate", "ts", "root.crt", "hello\n", SGN_EINVALID, "no PEM certificate"},
    {"ok", "ts", "root.crt", TEST_PEM, SGN_OK, NULL},
};

START_TEST(test_write_trust_cert_rejects)
{
    sgn_error err = SGN_ERROR_INIT;
    char *tmp = make_tmpdir();
    int rc = sgn_notation_write_trust_cert(NULL, tmp, cert_cases[_i].store, cert_cases[_i].file,
                                           cert_cases[_i].pem, strlen(cert_cases[_i].pem), &err);

    ck_assert_msg(rc == cert_cases[_i].rc, "%s: rc %d (%s)", cert_cases[_i].what, rc, err.msg);
    if (rc != SGN_OK) {
        char *ts = path_join(tmp, "truststore");
        ck_assert_msg(strstr(err.msg, cert_cases[_i].msg_part) != NULL, "%s: \"%s\"",
                      cert_cases[_i].what, err.msg);
        ck_assert_int_ne(access(ts, F_OK), 0); /* nothing created */
        free(ts);
    }
    rm_rf(tmp);
}
END_TEST

START_TEST(test_write_trust_cert_refuses_symlinked_store)
{
    sgn_error err = SGN_ERROR_INIT;
    char *tmp = make_tmpdir(), *real = path_join(tmp, "elsewhere");
    char *parent = path_join(tmp, "truststore/x509/signingAuthority");
    char *link = path_join(parent, "ts");

    ck_assert_sgn_ok(sgn_mkdir_p(parent, 0755, &err), &err);
    ck_assert_int_eq(mkdir(real, 0755), 0);
    ck_assert_int_eq(symlink(real, link), 0);
    ck_assert_int_eq(sgn_notation_write_trust_cert(NULL, tmp, "ts", "root.crt", TEST_PEM,
                                                   strlen(TEST_PEM), &err),
                     SGN_EINVALID);
    ck_assert_ptr_nonnull(strstr(err.msg, "symlink"));
    free(real);
    free(parent);
    free(link);
    rm_rf(tmp);
}
END_TEST

START_TEST(test_install_policy_new_file)
{
    sgn_error err = SGN_ERROR_INIT;
    char *tmp = make_tmpdir(), *cfg = path_join(tmp, "cfg"), *path = NULL, *want;
    sgn_notation_policy_spec spec = default_spec();
    cJSON *doc;

    umask(022);
    spec.revocation = SGN_NOTATION_REVOCATION_SKIP;
    ck_assert_sgn_ok(sgn_notation_install_policy(&path, cfg, &spec, 0, &err), &err);
    want = path_join(cfg, "trustpolicy.oci.json");
    ck_assert_str_eq(path, want);
    ck_assert_int_eq(mode_of(want), 0644);
    doc = read_json(want);
    assert_json_eq(doc, DOC("{\"name\":\"signer-local\",\"registryScopes\":[\"*\"],"
                            "\"signatureVerification\":{\"level\":\"strict\",\"override\":"
                            "{\"revocation\":\"skip\"}},"
                            "\"trustStores\":[\"signingAuthority:signer-local-ts\"],"
                            "\"trustedIdentities\":[\"" PROFILE_ARN "\"]}"));
    cJSON_Delete(doc);

    /* Installing again is idempotent. */
    ck_assert_sgn_ok(sgn_notation_install_policy(NULL, cfg, &spec, 0, &err), &err);
    doc = read_json(want);
    ck_assert_int_eq(cJSON_GetArraySize(cJSON_GetObjectItem(doc, "trustPolicies")), 1);
    cJSON_Delete(doc);
    free(path);
    free(want);
    free(cfg);
    rm_rf(tmp);
}
END_TEST

START_TEST(test_install_policy_merges_existing)
{
    sgn_error err = SGN_ERROR_INIT;
    char *tmp = make_tmpdir(), *path = path_join(tmp, "trustpolicy.oci.json");
    sgn_notation_policy_spec spec = default_spec();
    sgn_buf before = SGN_BUF_INIT, after = SGN_BUF_INIT;
    cJSON *doc;

    write_text(path, DOC(OTHER("corp", "[\"*\"]")));
    ck_assert_sgn_ok(sgn_read_file(&before, path, 1 << 20, &err), &err);
    ck_assert_int_eq(sgn_notation_install_policy(NULL, tmp, &spec, 0, &err), SGN_ECONFLICT);
    ck_assert_ptr_nonnull(strstr(err.msg, "corp"));
    ck_assert_sgn_ok(sgn_read_file(&after, path, 1 << 20, &err), &err);
    ck_assert_str_eq(sgn_buf_cstr(&before), sgn_buf_cstr(&after)); /* untouched */

    sgn_error_clear(&err);
    ck_assert_sgn_ok(sgn_notation_install_policy(NULL, tmp, &spec, 1, &err), &err);
    doc = read_json(path);
    assert_json_eq(doc, DOC(NEW_STAR));
    cJSON_Delete(doc);
    sgn_buf_free(&before);
    sgn_buf_free(&after);
    free(path);
    rm_rf(tmp);
}
END_TEST

START_TEST(test_install_policy_keeps_legacy_statements)
{
    sgn_error err = SGN_ERROR_INIT;
    char *tmp = make_tmpdir(), *legacy = path_join(tmp, "trustpolicy.json");
    char *path = path_join(tmp, "trustpolicy.oci.json");
    sgn_notation_policy_spec spec = default_spec();
    cJSON *doc;

    write_text(legacy, DOC(OTHER("corp", "[\"r.io/corp\"]")));
    ck_assert_sgn_ok(sgn_notation_install_policy(NULL, tmp, &spec, 0, &err), &err);
    doc = read_json(path);
    assert_json_eq(doc, DOC(OTHER("corp", "[\"r.io/corp\"]") AND NEW_STAR));
    cJSON_Delete(doc);
    free(legacy);
    free(path);
    rm_rf(tmp);
}
END_TEST

static const struct {
    const char *what;
    const char *content; /* NULL: a symlink to a valid document */
    const char *msg_part;
} bad_policy_cases[] = {
    {"not JSON", "{\"version\":", "not a valid JSON"},
    {"JSON array", "[]", "not a valid JSON"},
    {"version 2", "{\"version\":\"2.0\",\"trustPolicies\":[]}", "1.0"},
    {"symlink", NULL, "symlink"},
};

START_TEST(test_install_policy_refuses_bad_files)
{
    sgn_error err = SGN_ERROR_INIT;
    char *tmp = make_tmpdir(), *path = path_join(tmp, "trustpolicy.oci.json");
    char *target = path_join(tmp, "real.json");
    sgn_notation_policy_spec spec = default_spec();

    if (bad_policy_cases[_i].content != NULL) {
        write_text(path, bad_policy_cases[_i].content);
    } else {
        write_text(target, DOC0);
        ck_assert_int_eq(symlink(target, path), 0);
    }
    ck_assert_int_eq(sgn_notation_install_policy(NULL, tmp, &spec, 1, &err), SGN_EINVALID);
    ck_assert_msg(strstr(err.msg, bad_policy_cases[_i].msg_part) != NULL, "%s: \"%s\"",
                  bad_policy_cases[_i].what, err.msg);
    if (bad_policy_cases[_i].content == NULL) {
        struct stat st;
        ck_assert_int_eq(lstat(path, &st), 0);
        ck_assert(S_ISLNK(st.st_mode)); /* left as it was */
    }
    free(path);
    free(target);
    rm_rf(tmp);
}
END_TEST

START_TEST(test_install_policy_invalid_spec_writes_nothing)
{
    sgn_error err = SGN_ERROR_INIT;
    char *tmp = make_tmpdir(), *path = path_join(tmp, "trustpolicy.oci.json");
    sgn_notation_policy_spec spec = default_spec();

    spec.n_trusted_identities = 0;
    ck_assert_int_eq(sgn_notation_install_policy(NULL, tmp, &spec, 0, &err), SGN_EINVALID);
    ck_assert_int_ne(access(path, F_OK), 0);
    free(path);
    rm_rf(tmp);
}
END_TEST

/* --- registry scopes and store references (notation-go ValidateRegistryScopeFormat) ------- */

static const struct {
    const char *scope;
    sgn_notation_scope_problem want;
} scope_cases[] = {
    {"*", SGN_SCOPE_OK},
    {"registry.example.com/app", SGN_SCOPE_OK},
    {"localhost:5000/ns/app", SGN_SCOPE_OK},
    {"111122223333.dkr.ecr.us-west-2.amazonaws.com/team/app", SGN_SCOPE_OK},
    {"r.io/a.b_c__d---e/f", SGN_SCOPE_OK},
    {"", SGN_SCOPE_EMPTY},
    {"r.io/*", SGN_SCOPE_WILDCARD},
    {"*.example.com/app", SGN_SCOPE_WILDCARD},
    {"https://r.io/app", SGN_SCOPE_SCHEME},
    {"r.io", SGN_SCOPE_NO_REPOSITORY},
    {"/app", SGN_SCOPE_NO_REPOSITORY},
    {"r.io/", SGN_SCOPE_NO_REPOSITORY},
    {"r.io/app@sha256:abcd", SGN_SCOPE_DIGEST},
    {"r.io/app/", SGN_SCOPE_TRAILING_SLASH},
    {"r.io/app:v1", SGN_SCOPE_TAG},
    {"-r.io/app", SGN_SCOPE_BAD_DOMAIN},
    {"r.io:/app", SGN_SCOPE_BAD_DOMAIN},
    {"r..io/app", SGN_SCOPE_BAD_DOMAIN},
    {"r.io/App", SGN_SCOPE_BAD_REPOSITORY},
    {"r.io/a//b", SGN_SCOPE_BAD_REPOSITORY},
    {"r.io/a..b", SGN_SCOPE_BAD_REPOSITORY},
    {"r.io/a___b", SGN_SCOPE_BAD_REPOSITORY},
    {"r.io/a-", SGN_SCOPE_BAD_REPOSITORY},
};

START_TEST(test_scope_check)
{
    ck_assert_msg(sgn_notation_scope_check(scope_cases[_i].scope) == scope_cases[_i].want,
                  "scope \"%s\": got %d, want %d", scope_cases[_i].scope,
                  sgn_notation_scope_check(scope_cases[_i].scope), scope_cases[_i].want);
}
END_TEST

static const struct {
    const char *ref;
    sgn_notation_store_ref_problem want;
    sgn_notation_store_type type;
    const char *name;
} ref_cases[] = {
    {"signingAuthority:aws-signer-ts", SGN_STORE_REF_OK, SGN_STORE_SIGNING_AUTHORITY,
     "aws-signer-ts"},
    {"ca:acme", SGN_STORE_REF_OK, SGN_STORE_CA, "acme"},
    {"tsa:public", SGN_STORE_REF_OK, SGN_STORE_TSA, "public"},
    {"aws-signer-ts", SGN_STORE_REF_NO_SEPARATOR, 0, NULL},
    {"signingauthority:aws-signer-ts", SGN_STORE_REF_BAD_TYPE, 0, "aws-signer-ts"},
    {"x509:ts", SGN_STORE_REF_BAD_TYPE, 0, "ts"},
    {"ca:a/b", SGN_STORE_REF_BAD_NAME, 0, NULL},
    {"ca:", SGN_STORE_REF_BAD_NAME, 0, NULL},
};

START_TEST(test_store_ref_parse)
{
    sgn_notation_store_type type = SGN_STORE_TSA;
    const char *name = NULL;

    ck_assert_int_eq(sgn_notation_store_ref_parse(ref_cases[_i].ref, &type, &name),
                     ref_cases[_i].want);
    if (ref_cases[_i].want == SGN_STORE_REF_OK) {
        ck_assert_int_eq(type, ref_cases[_i].type);
        const char *tn = sgn_notation_store_type_name(type);
        ck_assert_int_eq(strncmp(ref_cases[_i].ref, tn, strlen(tn)), 0);
        ck_assert_int_eq(ref_cases[_i].ref[strlen(tn)], ':');
    }
    if (ref_cases[_i].name != NULL)
        ck_assert_str_eq(name, ref_cases[_i].name);
}
END_TEST

START_TEST(test_store_inspect)
{
    sgn_error err = SGN_ERROR_INIT;
    sgn_notation_store_info info;
    char *tmp = make_tmpdir(), *cfg = path_join(tmp, "notation"), *store, *f;
    FILE *fp;

    /* missing */
    ck_assert_sgn_ok(sgn_notation_store_inspect(&info, cfg, SGN_STORE_CA, "acme", &err), &err);
    ck_assert_int_eq(info.exists, 0);
    /* one CA certificate */
    ck_assert_sgn_ok(sgn_notation_write_trust_cert(NULL, cfg, "ts", "root.crt", TEST_PEM,
                                                   strlen(TEST_PEM), &err),
                     &err);
    ck_assert_sgn_ok(
        sgn_notation_store_inspect(&info, cfg, SGN_STORE_SIGNING_AUTHORITY, "ts", &err), &err);
    ck_assert_int_eq(info.exists, 1);
    ck_assert_uint_eq(info.n_certs, 1);
    ck_assert_uint_eq(info.n_bad_files, 0);
    ck_assert_uint_eq(info.n_not_ca, 0);
    ck_assert_ptr_null(info.aws_root);
    /* a file that holds no certificate, and a subdirectory */
    store = path_join(cfg, "truststore/x509/signingAuthority/ts");
    f = path_join(store, "notes.txt");
    ck_assert_ptr_nonnull(fp = fopen(f, "w"));
    fputs("hello\n", fp);
    fclose(fp);
    free(f);
    f = path_join(store, "sub");
    ck_assert_int_eq(mkdir(f, 0755), 0);
    ck_assert_sgn_ok(
        sgn_notation_store_inspect(&info, cfg, SGN_STORE_SIGNING_AUTHORITY, "ts", &err), &err);
    ck_assert_uint_eq(info.n_files, 2);
    ck_assert_uint_eq(info.n_bad_files, 1);
    ck_assert_int_eq(info.subdirectory, 1);
    ck_assert_int_eq(sgn_notation_store_inspect(&info, cfg, SGN_STORE_CA, "../x", &err),
                     SGN_EINVALID);
    free(f);
    free(store);
    free(cfg);
    rm_rf(tmp);
}
END_TEST

#define N(a) ((int)(sizeof(a) / sizeof((a)[0])))

static Suite *notation_trust_suite(void)
{
    Suite *s = suite_create("notation_trust");
    TCase *tc;

    tc = tcase_create("names");
    tcase_add_loop_test(tc, test_store_name_valid, 0, N(name_cases));
    tcase_add_test(tc, test_store_name_null);
    tcase_add_loop_test(tc, test_default_config_dir, 0, N(dir_cases));
    tcase_add_loop_test(tc, test_scope_check, 0, N(scope_cases));
    tcase_add_loop_test(tc, test_store_ref_parse, 0, N(ref_cases));
    tcase_add_test(tc, test_store_inspect);
    suite_add_tcase(s, tc);

    tc = tcase_create("statements");
    tcase_add_loop_test(tc, test_revocation_override, 0, N(revocation_cases));
    tcase_add_test(tc, test_statement_shape);
    tcase_add_loop_test(tc, test_statement_validation, 0, N(statement_cases));
    tcase_add_test(tc, test_document_new);
    tcase_add_loop_test(tc, test_merge, 0, N(merge_cases));
    suite_add_tcase(s, tc);

    tc = tcase_create("files");
    tcase_add_test(tc, test_write_trust_cert_layout_and_modes);
    tcase_add_loop_test(tc, test_write_trust_cert_rejects, 0, N(cert_cases));
    tcase_add_test(tc, test_write_trust_cert_refuses_symlinked_store);
    tcase_add_test(tc, test_install_policy_new_file);
    tcase_add_test(tc, test_install_policy_merges_existing);
    tcase_add_test(tc, test_install_policy_keeps_legacy_statements);
    tcase_add_loop_test(tc, test_install_policy_refuses_bad_files, 0, N(bad_policy_cases));
    tcase_add_test(tc, test_install_policy_invalid_spec_writes_nothing);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    return sgn_check_run(notation_trust_suite());
}
