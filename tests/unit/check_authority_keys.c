/* Tags operations, access keys, and stores made before accounts existed (schema version 1):
 * migration, read-only reading, retention of permission statements. */
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "authority_fixture.h"
#include "sgn/aws_sigv4_verify.h"
#include "authority/internal.h"

#define APP_ARN "arn:aws:signer:local:000000000000:/signing-profiles/app"

static void reopen(int read_only)
{
    sgn_error err = SGN_ERROR_INIT;
    sgn_authority_opts opts = {.clock = pinned, .read_only = read_only};

    sgn_authority_close(auth);
    auth = NULL;
    ck_assert_sgn_ok(sgn_authority_open(&auth, store_dir, &opts, &err), &err);
}

static void db_exec(const char *sql)
{
    char path[300];
    sqlite3 *db = NULL;
    char *msg = NULL;

    snprintf(path, sizeof(path), "%s/signer.db", store_dir);
    ck_assert_int_eq(sqlite3_open(path, &db), SQLITE_OK);
    ck_assert_msg(sqlite3_exec(db, sql, NULL, NULL, &msg) == SQLITE_OK, "%s", msg);
    sqlite3_close(db);
}

static long long db_count(const char *sql)
{
    char path[300];
    sqlite3 *db = NULL;
    sqlite3_stmt *st = NULL;
    long long n;

    snprintf(path, sizeof(path), "%s/signer.db", store_dir);
    ck_assert_int_eq(sqlite3_open(path, &db), SQLITE_OK);
    ck_assert_int_eq(sqlite3_prepare_v2(db, sql, -1, &st, NULL), SQLITE_OK);
    ck_assert_int_eq(sqlite3_step(st), SQLITE_ROW);
    n = sqlite3_column_int64(st, 0);
    sqlite3_finalize(st);
    sqlite3_close(db);
    return n;
}

static void key_clear(sgn_sigv4_key *k) /* sgn_sigv4_key_clear belongs to the SigV4 module */
{
    free(k->secret_access_key);
    free(k->session_token);
    free(k->account_id);
    free(k->principal);
    memset(k, 0, sizeof(*k));
}

static void expect_error(sgn_op_fn fn, const char *json, const char *code, const char *part)
{
    sgn_error err = SGN_ERROR_INIT;
    cJSON *out = NULL;

    ck_assert_int_lt(op(fn, json, &out, &err), 0);
    ck_assert_str_eq(err.svc_code, code);
    if (part)
        ck_assert_msg(strstr(err.msg, part) != NULL, "%s", err.msg);
}

static cJSON *tags_of(void)
{
    sgn_error err = SGN_ERROR_INIT;
    cJSON *out = NULL;

    ck_assert_sgn_ok(op(sgn_authority_list_tags_for_resource, "{\"resourceArn\":\"" APP_ARN "\"}",
                        &out, &err),
                     &err);
    return out;
}

START_TEST(test_tags_operations)
{
    cJSON *t, *in, *tags;
    char *json;
    int i;

    op_ok(sgn_authority_put_signing_profile,
          "{\"profileName\":\"app\",\"platformId\":\"Notation-OCI-SHA384-ECDSA\","
          "\"tags\":{\"team\":\"pay\"}}");
    op_ok(sgn_authority_tag_resource,
          "{\"resourceArn\":\"" APP_ARN "\",\"tags\":{\"env\":\"prod\",\"team\":\"sec\"}}");
    t = tags_of();
    ck_assert_str_eq(str(cJSON_GetObjectItem(t, "tags"), "team"), "sec");
    ck_assert_str_eq(str(cJSON_GetObjectItem(t, "tags"), "env"), "prod");
    cJSON_Delete(t);
    put_profile("app"); /* one tag map: a new version keeps what TagResource set */
    op_ok(sgn_authority_untag_resource,
          "{\"resourceArn\":\"" APP_ARN "\",\"tagKeys\":[\"team\",\"absent\"]}");
    t = tags_of();
    ck_assert_int_eq(cJSON_GetArraySize(cJSON_GetObjectItem(t, "tags")), 1);
    cJSON_Delete(t);
    /* 50 at most, counting what the profile has */
    in = cJSON_CreateObject();
    cJSON_AddStringToObject(in, "resourceArn", APP_ARN);
    tags = cJSON_AddObjectToObject(in, "tags");
    for (i = 0; i < 50; i++) {
        char k[16];
        snprintf(k, sizeof(k), "k%d", i);
        cJSON_AddStringToObject(tags, k, "v");
    }
    json = cJSON_PrintUnformatted(in);
    expect_error(sgn_authority_tag_resource, json, "BadRequestException", "at most 50 tags");
    free(json);
    cJSON_Delete(in);
    expect_error(sgn_authority_tag_resource,
                 "{\"resourceArn\":\"" APP_ARN "\",\"tags\":{\"aws:x\":\"v\"}}",
                 "BadRequestException", "Tag key 'aws:x' is invalid");
    expect_error(sgn_authority_tag_resource,
                 "{\"resourceArn\":\"" APP_ARN "\",\"tags\":{\"bad key\":\"v\"}}",
                 "BadRequestException", NULL);
    expect_error(sgn_authority_tag_resource, "{\"resourceArn\":\"" APP_ARN "\",\"tags\":{}}",
                 "BadRequestException", NULL);
    expect_error(sgn_authority_untag_resource,
                 "{\"resourceArn\":\"" APP_ARN "\",\"tagKeys\":[\"aws:k\"]}",
                 "BadRequestException", NULL);
    expect_error(sgn_authority_list_tags_for_resource,
                 "{\"resourceArn\":\"arn:aws:signer:local:000000000000:/signing-profiles/none\"}",
                 "NotFoundException", NULL);
    expect_error(sgn_authority_list_tags_for_resource, "{\"resourceArn\":\"not-an-arn\"}",
                 "BadRequestException", NULL);
    expect_error(sgn_authority_list_tags_for_resource,
                 "{\"resourceArn\":\"arn:aws:signer:local:000000000000:/signing-jobs/x\"}",
                 "BadRequestException", NULL);
    expect_error(sgn_authority_list_tags_for_resource,
                 "{\"resourceArn\":\"arn:aws:signer:us-east-1:000000000000:/signing-profiles/"
                 "app\"}",
                 "BadRequestException", NULL);
    op_ok(sgn_authority_cancel_signing_profile, "{\"profileName\":\"app\"}");
    expect_error(sgn_authority_tag_resource,
                 "{\"resourceArn\":\"" APP_ARN "\",\"tags\":{\"a\":\"b\"}}", "BadRequestException",
                 "Canceled");
    as_caller("arn:aws:iam::111122223333:root");
    expect_error(sgn_authority_untag_resource,
                 "{\"resourceArn\":\"" APP_ARN "\",\"tagKeys\":[\"env\"]}", "AccessDeniedException",
                 "signer:UntagResource on resource: " APP_ARN);
}
END_TEST

static int base32_upper(const char *s, size_t n)
{
    size_t i;

    for (i = 0; i < n; i++)
        if (!((s[i] >= 'A' && s[i] <= 'Z') || (s[i] >= '2' && s[i] <= '7')))
            return 0;
    return s[n] == '\0';
}

START_TEST(test_access_key_lifecycle)
{
    sgn_error err = SGN_ERROR_INIT;
    sgn_sigv4_key key;
    cJSON *out = NULL, *k, *list = NULL;
    char id[32], tid[32], json[128], path[300];
    struct stat sb;
    int exists = 0;

    snprintf(path, sizeof(path), "%s/signer.db", store_dir);
    ck_assert_int_eq(stat(path, &sb), 0);
    ck_assert_int_eq(sb.st_mode & 0777, 0600);
    ck_assert_sgn_ok(op(sgn_authority_create_access_key,
                        "{\"accountId\":\"111122223333\",\"principal\":"
                        "\"arn:aws:iam::111122223333:user/dev\"}",
                        &out, &err),
                     &err);
    k = cJSON_GetObjectItem(out, "AccessKey");
    snprintf(id, sizeof(id), "%s", str(k, "AccessKeyId"));
    ck_assert_int_eq(strncmp(id, "AKIA", 4), 0);
    ck_assert(base32_upper(id + 4, 16));
    ck_assert_uint_eq(strlen(str(k, "SecretAccessKey")), 40);
    ck_assert_str_eq(str(k, "UserName"), "dev");
    ck_assert_str_eq(str(k, "Status"), "Active");
    ck_assert_str_eq(str(k, "CreateDate"), "2027-01-01T00:00:00+00:00");
    ck_assert_ptr_null(cJSON_GetObjectItem(k, "SessionToken"));
    ck_assert_sgn_ok(sgn_authority_lookup_access_key(auth, id, &key, &err), &err);
    ck_assert_str_eq(key.secret_access_key, str(k, "SecretAccessKey"));
    ck_assert_str_eq(key.account_id, "111122223333");
    ck_assert_str_eq(key.principal, "arn:aws:iam::111122223333:user/dev");
    ck_assert_ptr_null(key.session_token);
    ck_assert_int_eq(key.expiration, 0);
    ck_assert_int_eq(key.active, 1);
    key_clear(&key);
    cJSON_Delete(out);
    ck_assert_sgn_ok(sgn_authority__account_exists(auth, "111122223333", &exists, &err), &err);
    ck_assert_int_eq(exists, 1);
    ck_assert_sgn_ok(sgn_authority__account_exists(auth, "999999999999", &exists, &err), &err);
    ck_assert_int_eq(exists, 0);
    /* temporary */
    ck_assert_sgn_ok(op(sgn_authority_create_access_key,
                        "{\"accountId\":\"111122223333\",\"temporary\":true,"
                        "\"durationSeconds\":900}",
                        &out, &err),
                     &err);
    k = cJSON_GetObjectItem(out, "AccessKey");
    snprintf(tid, sizeof(tid), "%s", str(k, "AccessKeyId"));
    ck_assert_int_eq(strncmp(tid, "ASIA", 4), 0);
    ck_assert_str_eq(str(k, "Expiration"), "2027-01-01T00:15:00+00:00");
    ck_assert_sgn_ok(sgn_authority_lookup_access_key(auth, tid, &key, &err), &err);
    ck_assert_str_eq(key.session_token, str(k, "SessionToken"));
    ck_assert_int_eq(key.expiration, T0 + 900);
    ck_assert_str_eq(key.principal, "arn:aws:iam::111122223333:root");
    key_clear(&key);
    cJSON_Delete(out);
    /* list: no secrets */
    ck_assert_sgn_ok(op(sgn_authority_list_access_keys, "{\"accountId\":\"111122223333\"}", &list,
                        &err),
                     &err);
    ck_assert_int_eq(cJSON_GetArraySize(cJSON_GetObjectItem(list, "AccessKeyMetadata")), 2);
    {
        char *text = cJSON_PrintUnformatted(list);
        ck_assert_ptr_null(strstr(text, "Secret"));
        ck_assert_ptr_null(strstr(text, "SessionToken"));
        free(text);
    }
    cJSON_Delete(list);
    snprintf(json, sizeof(json), "{\"AccessKeyId\":\"%s\",\"Status\":\"Inactive\"}", id);
    op_ok(sgn_authority_update_access_key, json);
    ck_assert_sgn_ok(sgn_authority_lookup_access_key(auth, id, &key, &err), &err);
    ck_assert_int_eq(key.active, 0);
    key_clear(&key);
    snprintf(json, sizeof(json), "{\"AccessKeyId\":\"%s\",\"Status\":\"Off\"}", id);
    expect_error(sgn_authority_update_access_key, json, "ValidationException", "enum value set");
    snprintf(json, sizeof(json), "{\"AccessKeyId\":\"%s\"}", id);
    op_ok(sgn_authority_delete_access_key, json);
    memset(&err, 0, sizeof(err));
    ck_assert_int_eq(sgn_authority_lookup_access_key(auth, id, &key, &err), SGN_ENOTFOUND);
    expect_error(sgn_authority_delete_access_key, json, "NoSuchEntity", id);
    /* a principal of another account, a bad duration, a long-term key with a duration */
    expect_error(sgn_authority_create_access_key,
                 "{\"accountId\":\"111122223333\",\"principal\":"
                 "\"arn:aws:iam::444455556666:root\"}",
                 "ValidationException", "does not belong");
    expect_error(sgn_authority_create_access_key,
                 "{\"accountId\":\"111122223333\",\"temporary\":true,\"durationSeconds\":60}",
                 "ValidationException", "durationSeconds");
    expect_error(sgn_authority_create_access_key,
                 "{\"accountId\":\"111122223333\",\"durationSeconds\":900}",
                 "ValidationException", "temporary");
    expect_error(sgn_authority_create_access_key, "{\"accountId\":\"1111\"}",
                 "ValidationException", NULL);
}
END_TEST

/* The version-1 tables as the code before accounts created them, with one profile of two
 * versions (tags on each version) and a revoked job. */
static const char *const v1_sql =
    "DROP TABLE profile_permissions; DROP TABLE access_keys; DROP TABLE profile_versions;"
    "DROP TABLE profiles;"
    "CREATE TABLE profiles(name TEXT PRIMARY KEY, current_version TEXT NOT NULL, status TEXT NOT "
    "NULL CHECK(status IN ('Active','Canceled','Revoked')), status_reason TEXT, created_at "
    "INTEGER NOT NULL, canceled_at INTEGER);"
    "CREATE TABLE profile_versions(name TEXT NOT NULL REFERENCES profiles(name), version TEXT "
    "NOT NULL, platform_id TEXT NOT NULL, validity_value INTEGER NOT NULL, validity_type TEXT "
    "NOT NULL, signing_material TEXT, overrides TEXT, signing_parameters TEXT, tags TEXT, "
    "created_at INTEGER NOT NULL, revoked_effective_from INTEGER, revoked_at INTEGER, revoked_by "
    "TEXT, revoke_reason TEXT, PRIMARY KEY(name, version));"
    "INSERT INTO profiles VALUES('old', 'Ver0000001', 'Active', NULL, 1798761600, NULL);"
    "INSERT INTO profile_versions VALUES('old', 'Ver0000000', 'Notation-OCI-SHA384-ECDSA', 135, "
    "'MONTHS', NULL, NULL, NULL, '{\"team\":\"a\"}', 1798761600, NULL, NULL, NULL, NULL);"
    "INSERT INTO profile_versions VALUES('old', 'Ver0000001', 'Notation-OCI-SHA384-ECDSA', 135, "
    "'MONTHS', NULL, NULL, NULL, '{\"team\":\"b\",\"env\":\"x\"}', 1798761600, NULL, NULL, NULL, "
    "NULL);"
    "INSERT INTO jobs(job_id, profile_name, profile_version, platform_id, job_owner, "
    "job_invoker, requested_by, status, created_at, completed_at, signature_expires_at, "
    "envelope_type, payload_sha256, revoked_at, revoked_by, revoke_reason) VALUES('job-1', "
    "'old', 'Ver0000000', 'Notation-OCI-SHA384-ECDSA', '000000000000', '000000000000', "
    "'arn:aws:iam::000000000000:root', 'Succeeded', 1798761600, 1798761600, 2100000000, "
    "'application/jose+json', '00', 1798761600, 'arn:aws:iam::000000000000:root', 'why');"
    "UPDATE meta SET value = '1' WHERE key = 'schema_version';";

static void check_old_store_reads(int statements)
{
    sgn_error err = SGN_ERROR_INIT;
    cJSON *out = NULL;

    ck_assert_sgn_ok(op(sgn_authority_get_signing_profile, "{\"profileName\":\"old\"}", &out,
                        &err),
                     &err);
    ck_assert_str_eq(str(out, "profileVersion"), "Ver0000001");
    ck_assert_str_eq(str(out, "arn"), "arn:aws:signer:local:000000000000:/signing-profiles/old");
    ck_assert_str_eq(str(cJSON_GetObjectItem(out, "tags"), "env"), "x");
    cJSON_Delete(out);
    ck_assert_sgn_ok(op(sgn_authority_get_revocation_status,
                        "{\"signatureTimestamp\":1798761601,\"platformId\":"
                        "\"Notation-OCI-SHA384-ECDSA\",\"profileVersionArn\":"
                        "\"arn:aws:signer:local:000000000000:/signing-profiles/old/Ver0000000\","
                        "\"jobArn\":\"arn:aws:signer:local:000000000000:/signing-jobs/job-1\","
                        "\"certificateHashes\":[\"00\"]}",
                        &out, &err),
                     &err);
    ck_assert_int_eq(cJSON_GetArraySize(cJSON_GetObjectItem(out, "revokedEntities")), 1);
    cJSON_Delete(out);
    ck_assert_sgn_ok(op(sgn_authority_list_profile_permissions, "{\"profileName\":\"old\"}", &out,
                        &err),
                     &err);
    ck_assert_int_eq(cJSON_GetArraySize(cJSON_GetObjectItem(out, "permissions")), statements);
    cJSON_Delete(out);
}

START_TEST(test_migrate_v1_store)
{
    sgn_error err = SGN_ERROR_INIT;
    cJSON *out = NULL;

    sgn_authority_close(auth);
    auth = NULL;
    db_exec(v1_sql);
    /* read-only: answers from the old tables, changes nothing */
    reopen(1);
    check_old_store_reads(0);
    ck_assert_int_eq(op(sgn_authority_add_profile_permission,
                        "{\"profileName\":\"old\",\"action\":\"signer:SignPayload\","
                        "\"principal\":\"111122223333\",\"statementId\":\"s1\"}",
                        &out, &err),
                     SGN_EIO);
    ck_assert_ptr_nonnull(strstr(err.msg, "read-only"));
    sgn_authority_close(auth);
    auth = NULL;
    ck_assert_int_eq(db_count("SELECT value FROM meta WHERE key = 'schema_version'"), 1);
    /* read-write: migrated once, in one transaction */
    reopen(0);
    ck_assert_int_eq(db_count("SELECT value FROM meta WHERE key = 'schema_version'"), 2);
    ck_assert_int_eq(db_count("SELECT count(*) FROM profile_versions WHERE owner = "
                              "'000000000000'"),
                     2);
    check_old_store_reads(0);
    op_ok(sgn_authority_add_profile_permission,
          "{\"profileName\":\"old\",\"action\":\"signer:SignPayload\","
          "\"principal\":\"111122223333\",\"statementId\":\"s1\"}");
    out = sign("old", NULL, &err);
    ck_assert_msg(out != NULL, "%s", err.msg);
    cJSON_Delete(out);
    reopen(0); /* already at version 2: nothing more happens */
    check_old_store_reads(1);
}
END_TEST

/* A read-only store answers the sharing and key reads and refuses every change. */
START_TEST(test_read_only_store)
{
    sgn_error err = SGN_ERROR_INIT;
    sgn_sigv4_key key;
    cJSON *out = NULL;
    char id[32];

    put_profile("app");
    op_ok(sgn_authority_add_profile_permission,
          "{\"profileName\":\"app\",\"action\":\"signer:SignPayload\","
          "\"principal\":\"111122223333\",\"statementId\":\"s1\"}");
    ck_assert_sgn_ok(op(sgn_authority_create_access_key, "{\"accountId\":\"111122223333\"}",
                        &out, &err),
                     &err);
    snprintf(id, sizeof(id), "%s", str(cJSON_GetObjectItem(out, "AccessKey"), "AccessKeyId"));
    cJSON_Delete(out);
    reopen(1);
    ck_assert_sgn_ok(sgn_authority_lookup_access_key(auth, id, &key, &err), &err);
    key_clear(&key);
    ck_assert_sgn_ok(op(sgn_authority_list_profile_permissions, "{\"profileName\":\"app\"}",
                        &out, &err),
                     &err);
    ck_assert_int_eq(cJSON_GetArraySize(cJSON_GetObjectItem(out, "permissions")), 1);
    cJSON_Delete(out);
    op_ok(sgn_authority_list_tags_for_resource, "{\"resourceArn\":\"" APP_ARN "\"}");
    ck_assert_int_eq(op(sgn_authority_tag_resource,
                        "{\"resourceArn\":\"" APP_ARN "\",\"tags\":{\"a\":\"b\"}}", &out, &err),
                     SGN_EIO);
    ck_assert_int_eq(op(sgn_authority_create_access_key, "{\"accountId\":\"111122223333\"}",
                        &out, &err),
                     SGN_EIO);
}
END_TEST

/* Retention deletes an expired profile's permission statements with it. */
START_TEST(test_retention_purges_permissions)
{
    put_profile("app");
    op_ok(sgn_authority_add_profile_permission,
          "{\"profileName\":\"app\",\"action\":\"signer:SignPayload\","
          "\"principal\":\"111122223333\",\"statementId\":\"s1\"}");
    op_ok(sgn_authority_cancel_signing_profile, "{\"profileName\":\"app\"}");
    pinned_now = T0 + 200 * 86400; /* more than six months after the cancel, no signatures */
    reopen(0);
    ck_assert_int_eq(db_count("SELECT count(*) FROM profiles"), 0);
    ck_assert_int_eq(db_count("SELECT count(*) FROM profile_permissions"), 0);
}
END_TEST

static Suite *authority_keys_suite(void)
{
    Suite *s = suite_create("authority_keys");
    TCase *tc = tcase_create("keys");

    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, test_tags_operations);
    tcase_add_test(tc, test_access_key_lifecycle);
    tcase_add_test(tc, test_migrate_v1_store);
    tcase_add_test(tc, test_read_only_store);
    tcase_add_test(tc, test_retention_purges_permissions);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    return sgn_check_run(authority_keys_suite());
}
