/* Unit tests for core/aws/config.c: the shared AWS config and credentials files. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "sgn/aws_config.h"
#include "sgn/buf.h"
#include "sgn_check.h"

#define N(a) ((int)(sizeof(a) / sizeof((a)[0])))

/* ---- a fake environment and a temp directory ---------------------------------------------- */

typedef struct tenv {
    const char *names[16];
    const char *values[16];
    int n;
} tenv;

static const char *tenv_get(void *ud, const char *name)
{
    tenv *t = ud;
    int i;

    for (i = 0; i < t->n; i++)
        if (strcmp(t->names[i], name) == 0)
            return t->values[i];
    return NULL;
}

static void tenv_set(tenv *t, const char *name, const char *value)
{
    t->names[t->n] = name;
    t->values[t->n++] = value;
}

static char tmpdir[256];

static void make_tmpdir(void)
{
    strcpy(tmpdir, "/tmp/sgn-aws-config-XXXXXX");
    ck_assert_ptr_nonnull(mkdtemp(tmpdir));
}

static void remove_tmpdir(void)
{
    char cmd[300];

    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmpdir);
    ck_assert_int_eq(system(cmd), 0);
}

static void write_file(const char *name, const char *text)
{
    char path[512];
    FILE *f;

    snprintf(path, sizeof(path), "%s/%s", tmpdir, name);
    f = fopen(path, "w");
    ck_assert_ptr_nonnull(f);
    fputs(text, f);
    fclose(f);
}

/* Load with AWS_CONFIG_FILE=tmp/config and AWS_SHARED_CREDENTIALS_FILE=tmp/credentials. */
static int load(sgn_aws_config **c, sgn_error *err)
{
    static char cfg[512], cred[512];
    tenv t = {{0}, {0}, 0};
    sgn_aws_env env = {tenv_get, &t};

    snprintf(cfg, sizeof(cfg), "%s/config", tmpdir);
    snprintf(cred, sizeof(cred), "%s/credentials", tmpdir);
    tenv_set(&t, "AWS_CONFIG_FILE", cfg);
    tenv_set(&t, "AWS_SHARED_CREDENTIALS_FILE", cred);
    return sgn_aws_config_load(c, &env, err);
}

static const char config_text[] =
    "# a comment\n"
    "; another comment\n"
    "[default]\n"
    "region = us-west-2\n"
    "\n"
    "[profile dev]\n"
    "Region=eu-west-1\n"
    "  \n"
    "AWS_ACCESS_KEY_ID = AKIDCONFIG\n"
    "services = local\n"
    "role_arn = arn:aws:iam::123456789012:role/first\n"
    "role_arn = arn:aws:iam::123456789012:role/second\n"
    "\n"
    "[orphan]\n"
    "region = ap-south-1\n"
    "\n"
    "[services local]\n"
    "signer =\n"
    "  endpoint_url = http://127.0.0.1:8443\n"
    "  Signing_Region = us-east-1\n"
    "sts =\n"
    "\tendpoint_url = http://127.0.0.1:9000\n"
    "\n"
    "[profile   spaced  ]\n"
    "region = sa-east-1\n"
    "[sso-session corp]\n"
    "sso_region = us-east-1\n";

static const char credentials_text[] =
    "[default]\r\n"
    "aws_access_key_id = AKIDDEFAULT\r\n"
    "aws_secret_access_key = secretdefault\r\n"
    "[dev]\n"
    "aws_access_key_id = AKIDCREDS\n"
    "[profile weird]\n"
    "x = 1\n";

START_TEST(test_config_parse)
{
    sgn_error err = SGN_ERROR_INIT;
    sgn_aws_config *c = NULL;

    make_tmpdir();
    write_file("config", config_text);
    write_file("credentials", credentials_text);
    ck_assert_sgn_ok(load(&c, &err), &err);

    ck_assert_str_eq(sgn_aws_config_get(c, "default", "region"), "us-west-2");
    /* keys are case-insensitive both ways */
    ck_assert_str_eq(sgn_aws_config_get(c, "dev", "region"), "eu-west-1");
    ck_assert_str_eq(sgn_aws_config_get(c, "dev", "REGION"), "eu-west-1");
    /* later duplicates win */
    ck_assert_str_eq(sgn_aws_config_get(c, "dev", "role_arn"),
                     "arn:aws:iam::123456789012:role/second");
    /* a bare [name] other than default is ignored in the config file */
    ck_assert_ptr_null(sgn_aws_config_get(c, "orphan", "region"));
    ck_assert_int_eq(sgn_aws_config_has_profile(c, "orphan"), 0);
    /* whitespace in the header is trimmed */
    ck_assert_str_eq(sgn_aws_config_get(c, "spaced", "region"), "sa-east-1");
    /* services sub-sections */
    ck_assert_str_eq(sgn_aws_config_service_get(c, "dev", "signer", "endpoint_url"),
                     "http://127.0.0.1:8443");
    ck_assert_str_eq(sgn_aws_config_service_get(c, "dev", "signer", "signing_region"),
                     "us-east-1");
    ck_assert_str_eq(sgn_aws_config_service_get(c, "dev", "sts", "endpoint_url"),
                     "http://127.0.0.1:9000");
    ck_assert_ptr_null(sgn_aws_config_service_get(c, "dev", "signer_data", "endpoint_url"));
    ck_assert_ptr_null(sgn_aws_config_service_get(c, "default", "signer", "endpoint_url"));
    /* sso-session sections are not profiles */
    ck_assert_int_eq(sgn_aws_config_has_profile(c, "corp"), 0);

    /* credentials file: bare names, CRLF line ends */
    ck_assert_str_eq(sgn_aws_credentials_get(c, "default", "aws_secret_access_key"),
                     "secretdefault");
    ck_assert_ptr_null(sgn_aws_config_get(c, "default", "aws_access_key_id"));
    /* in the credentials file "[profile weird]" is a profile named "profile weird" */
    ck_assert_int_eq(sgn_aws_config_has_profile(c, "profile weird"), 1);
    ck_assert_int_eq(sgn_aws_config_has_profile(c, "weird"), 0);
    /* the credentials file wins over the config file */
    ck_assert_str_eq(sgn_aws_profile_get(c, "dev", "aws_access_key_id"), "AKIDCREDS");
    ck_assert_str_eq(sgn_aws_config_get(c, "dev", "aws_access_key_id"), "AKIDCONFIG");
    ck_assert_str_eq(sgn_aws_profile_get(c, "dev", "region"), "eu-west-1");
    ck_assert_int_eq(sgn_aws_config_has_profile(c, "dev"), 1);
    ck_assert_int_eq(sgn_aws_config_has_profile(c, "nope"), 0);

    sgn_aws_config_free(c);
    remove_tmpdir();
}
END_TEST

START_TEST(test_config_profile_default_prefix)
{
    sgn_error err = SGN_ERROR_INIT;
    sgn_aws_config *c = NULL;

    make_tmpdir();
    write_file("config", "[default]\nregion = a\noutput = json\n[profile default]\nregion = b\n");
    ck_assert_sgn_ok(load(&c, &err), &err);
    /* both spellings mean the default profile; the later one wins per key */
    ck_assert_str_eq(sgn_aws_config_get(c, "default", "region"), "b");
    ck_assert_str_eq(sgn_aws_config_get(c, "default", "output"), "json");
    ck_assert_int_eq(sgn_aws_config_has_profile(c, "default"), 1);
    sgn_aws_config_free(c);
    remove_tmpdir();
}
END_TEST

START_TEST(test_config_multiline_value)
{
    sgn_error err = SGN_ERROR_INIT;
    sgn_aws_config *c = NULL;

    make_tmpdir();
    write_file("config", "[default]\nca_bundle = first\n  second\nregion = r\n");
    ck_assert_sgn_ok(load(&c, &err), &err);
    ck_assert_str_eq(sgn_aws_config_get(c, "default", "ca_bundle"), "first\nsecond");
    ck_assert_str_eq(sgn_aws_config_get(c, "default", "region"), "r");
    sgn_aws_config_free(c);
    remove_tmpdir();
}
END_TEST

/* [sso-session NAME] sections: read from the config file with the rules of the other sections;
 * a repeated name merges per key, the later value winning, as a repeated profile does. */
static const char sso_config_text[] =
    "# the sso_session form\n"
    "[profile dev]\n"
    "sso_session = my-sso\n"
    "sso_account_id = 123456789012\n"
    "[sso-session my-sso]\n"
    "; a comment inside the section\n"
    "SSO_Region = us-east-1\n"
    "sso_start_url = https://first.awsapps.com/start\n"
    "sso_registration_scopes =\n"
    "  # a comment between sub-keys\n"
    "\n"
    "[sso-session \t spaced\t ]\n"
    "sso_region = eu-west-1\n"
    "[sso-session\tempty]\n"
    "[profile other]\n"
    "region = r\n"
    "[sso-session my-sso]\n"
    "sso_start_url = https://second.awsapps.com/start\n";

START_TEST(test_config_sso_session)
{
    sgn_error err = SGN_ERROR_INIT;
    sgn_aws_config *c = NULL;
    const char *session;

    make_tmpdir();
    write_file("config", sso_config_text);
    write_file("credentials", "[sso-session creds]\nsso_region = us-west-2\n");
    ck_assert_sgn_ok(load(&c, &err), &err);

    /* the profile names its session; the session's keys are case-insensitive */
    session = sgn_aws_config_get(c, "dev", "sso_session");
    ck_assert_str_eq(session, "my-sso");
    ck_assert_int_eq(sgn_aws_config_has_sso_session(c, session), 1);
    ck_assert_str_eq(sgn_aws_config_sso_session_get(c, session, "sso_region"), "us-east-1");
    ck_assert_str_eq(sgn_aws_config_sso_session_get(c, session, "SSO_REGION"), "us-east-1");
    /* the repeated section: its later value wins, the keys it lacks stay */
    ck_assert_str_eq(sgn_aws_config_sso_session_get(c, session, "sso_start_url"),
                     "https://second.awsapps.com/start");
    /* an empty value is "", not absent */
    ck_assert_str_eq(sgn_aws_config_sso_session_get(c, session, "sso_registration_scopes"), "");
    ck_assert_ptr_null(sgn_aws_config_sso_session_get(c, session, "sso_account_id"));
    /* the spaces and tabs around the name are trimmed, and the name is matched exactly */
    ck_assert_int_eq(sgn_aws_config_has_sso_session(c, "spaced"), 1);
    ck_assert_str_eq(sgn_aws_config_sso_session_get(c, "spaced", "sso_region"), "eu-west-1");
    ck_assert_int_eq(sgn_aws_config_has_sso_session(c, " spaced"), 0);
    /* a section with no keys exists: no such key, not no such section */
    ck_assert_int_eq(sgn_aws_config_has_sso_session(c, "empty"), 1);
    ck_assert_ptr_null(sgn_aws_config_sso_session_get(c, "empty", "sso_region"));
    /* a missing section */
    ck_assert_int_eq(sgn_aws_config_has_sso_session(c, "nope"), 0);
    ck_assert_ptr_null(sgn_aws_config_sso_session_get(c, "nope", "sso_region"));
    /* sessions and profiles are separate name spaces */
    ck_assert_int_eq(sgn_aws_config_has_sso_session(c, "dev"), 0);
    ck_assert_int_eq(sgn_aws_config_has_profile(c, "my-sso"), 0);
    ck_assert_ptr_null(sgn_aws_config_get(c, "my-sso", "sso_region"));
    /* keys after a session section belong to the next header's profile */
    ck_assert_str_eq(sgn_aws_config_get(c, "other", "region"), "r");
    ck_assert_ptr_null(sgn_aws_config_sso_session_get(c, "empty", "region"));
    /* in the credentials file the header names a profile, not a session */
    ck_assert_int_eq(sgn_aws_config_has_sso_session(c, "creds"), 0);
    ck_assert_int_eq(sgn_aws_config_has_profile(c, "sso-session creds"), 1);
    /* NULL arguments */
    ck_assert_int_eq(sgn_aws_config_has_sso_session(NULL, "my-sso"), 0);
    ck_assert_int_eq(sgn_aws_config_has_sso_session(c, NULL), 0);
    ck_assert_ptr_null(sgn_aws_config_sso_session_get(c, NULL, "sso_region"));
    ck_assert_ptr_null(sgn_aws_config_sso_session_get(c, "my-sso", NULL));

    sgn_aws_config_free(c);
    remove_tmpdir();
}
END_TEST

START_TEST(test_config_missing_files)
{
    sgn_error err = SGN_ERROR_INIT;
    sgn_aws_config *c = NULL;

    make_tmpdir();
    ck_assert_sgn_ok(load(&c, &err), &err);
    ck_assert_ptr_nonnull(strstr(sgn_aws_config_path(c), "/config"));
    ck_assert_ptr_nonnull(strstr(sgn_aws_credentials_path(c), "/credentials"));
    ck_assert_int_eq(sgn_aws_config_has_profile(c, "default"), 0);
    ck_assert_ptr_null(sgn_aws_profile_get(c, "default", "region"));
    sgn_aws_config_free(c);
    remove_tmpdir();
}
END_TEST

static const struct {
    const char *file, *text;
    int line;
} malformed_cases[] = {
    {"config", "[default]\nregion = x\nthis is not a key\n", 3},
    {"config", "region = x\n", 1},
    {"credentials", "# c\n\n[default\naws_access_key_id = a\n", 3},
    {"credentials", "[default]\n= value\n", 2},
    {"config", "[services s]\nsigner =\n  endpoint_url\n", 3},
    {"config", "[]\n", 1},
};

START_TEST(test_config_malformed)
{
    sgn_error err = SGN_ERROR_INIT;
    sgn_aws_config *c = NULL;
    char want[600];

    make_tmpdir();
    write_file(malformed_cases[_i].file, malformed_cases[_i].text);
    ck_assert_int_eq(load(&c, &err), SGN_EINVALID);
    ck_assert_ptr_null(c);
    snprintf(want, sizeof(want), "%s/%s line %d:", tmpdir, malformed_cases[_i].file,
             malformed_cases[_i].line);
    ck_assert_msg(strstr(err.msg, want) != NULL, "'%s' lacks '%s'", err.msg, want);
    remove_tmpdir();
}
END_TEST

START_TEST(test_config_unreadable)
{
    sgn_error err = SGN_ERROR_INIT;
    sgn_aws_config *c = NULL;
    char path[512];

    make_tmpdir();
    snprintf(path, sizeof(path), "%s/config", tmpdir);
    ck_assert_int_eq(mkdir(path, 0700), 0);     /* a directory cannot be read as a file */
    ck_assert_int_lt(load(&c, &err), 0);
    ck_assert_ptr_nonnull(strstr(err.msg, path));
    rmdir(path);
    remove_tmpdir();
}
END_TEST

START_TEST(test_config_too_large)
{
    sgn_error err = SGN_ERROR_INIT;
    sgn_aws_config *c = NULL;
    char path[512];
    FILE *f;
    int i;

    make_tmpdir();
    snprintf(path, sizeof(path), "%s/credentials", tmpdir);
    f = fopen(path, "w");
    ck_assert_ptr_nonnull(f);
    fputs("[default]\n", f);
    for (i = 0; i < 70000; i++)
        fputs("# padding padding\n", f);
    fclose(f);
    ck_assert_int_eq(load(&c, &err), SGN_EINVALID);
    ck_assert_ptr_nonnull(strstr(err.msg, "larger than"));
    remove_tmpdir();
}
END_TEST

START_TEST(test_config_home_expansion)
{
    sgn_error err = SGN_ERROR_INIT;
    sgn_aws_config *c = NULL;
    tenv t = {{0}, {0}, 0};
    sgn_aws_env env = {tenv_get, &t};
    char path[512], want[600];

    make_tmpdir();
    snprintf(path, sizeof(path), "%s/.aws", tmpdir);
    ck_assert_int_eq(mkdir(path, 0700), 0);
    write_file(".aws/credentials", "[default]\naws_access_key_id = AKIDHOME\n");
    write_file("alt", "[profile x]\nregion = r\n");
    tenv_set(&t, "HOME", tmpdir);
    tenv_set(&t, "AWS_CONFIG_FILE", "~/alt");
    ck_assert_sgn_ok(sgn_aws_config_load(&c, &env, &err), &err);
    snprintf(want, sizeof(want), "%s/alt", tmpdir);
    ck_assert_str_eq(sgn_aws_config_path(c), want);
    snprintf(want, sizeof(want), "%s/.aws/credentials", tmpdir);
    ck_assert_str_eq(sgn_aws_credentials_path(c), want);
    ck_assert_str_eq(sgn_aws_profile_get(c, "default", "aws_access_key_id"), "AKIDHOME");
    ck_assert_str_eq(sgn_aws_config_get(c, "x", "region"), "r");
    sgn_aws_config_free(c);
    remove_tmpdir();
}
END_TEST

static const struct {
    const char *explicit_profile, *aws_profile, *aws_default_profile, *want;
    int is_explicit;
} name_cases[] = {
    {"plugin", "env", "envdefault", "plugin", 1},
    {"", "env", "envdefault", "env", 1},
    {NULL, "", "envdefault", "envdefault", 1},
    {NULL, NULL, "", "default", 0},
    {NULL, NULL, NULL, "default", 0},
};

START_TEST(test_config_profile_name)
{
    tenv t = {{0}, {0}, 0};
    sgn_aws_env env = {tenv_get, &t};
    int is_explicit = -1;

    if (name_cases[_i].aws_profile != NULL)
        tenv_set(&t, "AWS_PROFILE", name_cases[_i].aws_profile);
    if (name_cases[_i].aws_default_profile != NULL)
        tenv_set(&t, "AWS_DEFAULT_PROFILE", name_cases[_i].aws_default_profile);
    ck_assert_str_eq(sgn_aws_profile_name(name_cases[_i].explicit_profile, &env, &is_explicit),
                     name_cases[_i].want);
    ck_assert_int_eq(is_explicit, name_cases[_i].is_explicit);
}
END_TEST

static Suite *aws_config_suite(void)
{
    Suite *s = suite_create("aws_config");
    TCase *tc = tcase_create("core");

    tcase_add_test(tc, test_config_parse);
    tcase_add_test(tc, test_config_profile_default_prefix);
    tcase_add_test(tc, test_config_multiline_value);
    tcase_add_test(tc, test_config_sso_session);
    tcase_add_test(tc, test_config_missing_files);
    tcase_add_loop_test(tc, test_config_malformed, 0, N(malformed_cases));
    tcase_add_test(tc, test_config_unreadable);
    tcase_add_test(tc, test_config_too_large);
    tcase_add_test(tc, test_config_home_expansion);
    tcase_add_loop_test(tc, test_config_profile_name, 0, N(name_cases));
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    return sgn_check_run(aws_config_suite());
}
