/* Accounts, callers and cross-account sharing in the local Signer (issue 9): who may do what
 * with another account's profile, profile permissions and their revisionId, platform limits. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "authority_fixture.h"
#include "sgn/backend.h"

#define A_ACC "000000000000" /* the store's own account: the fixture's default caller */
#define B_ROOT "arn:aws:iam::111122223333:root"
#define B_DEV "arn:aws:iam::111122223333:user/dev"
#define B_CI "arn:aws:iam::111122223333:role/ci"
#define B_OTHER_ROLE "arn:aws:iam::111122223333:role/other"
#define C_ROOT "arn:aws:iam::444455556666:root"
#define APP_ARN "arn:aws:signer:local:" A_ACC ":/signing-profiles/app"

static void assert_denied(const sgn_error *err, const char *who, const char *action)
{
    char want[512];

    snprintf(want, sizeof(want),
             "User: %s is not authorized to perform: signer:%s on resource: " APP_ARN, who,
             action);
    ck_assert_str_eq(err->svc_code, "AccessDeniedException");
    ck_assert_int_eq(err->http_status, 403);
    ck_assert_str_eq(err->msg, want);
}

static void grant(const char *action, const char *principal, const char *sid, const char *version)
{
    sgn_error err = SGN_ERROR_INIT;
    cJSON *out = NULL, *list = NULL;
    char json[512];
    const cJSON *rev;

    as_caller(NULL);
    ck_assert_sgn_ok(op(sgn_authority_list_profile_permissions, "{\"profileName\":\"app\"}",
                        &list, &err),
                     &err);
    rev = cJSON_GetObjectItemCaseSensitive(list, "revisionId");
    snprintf(json, sizeof(json),
             "{\"profileName\":\"app\",\"action\":\"%s\",\"principal\":\"%s\","
             "\"statementId\":\"%s\"%s%s%s%s%s}",
             action, principal, sid, version ? ",\"profileVersion\":\"" : "",
             version ? version : "", version ? "\"" : "", rev ? ",\"revisionId\":\"" : "",
             rev ? "\"" : "");
    if (rev) { /* splice the revision in before the closing quote */
        char *end = json + strlen(json) - 2;
        char tail[4];
        strcpy(tail, end);
        snprintf(end, sizeof(json) - (size_t)(end - json), "%s%s", rev->valuestring, tail);
    }
    ck_assert_sgn_ok(op(sgn_authority_add_profile_permission, json, &out, &err), &err);
    cJSON_Delete(out);
    cJSON_Delete(list);
}

static cJSON *sign_as_owner_of(const char *owner, sgn_error *err)
{
    char json[512];
    cJSON *out = NULL;

    snprintf(json, sizeof(json),
             "{\"profileName\":\"app\",\"profileOwner\":\"%s\",\"payload\":\"%s\","
             "\"payloadFormat\":\"application/vnd.cncf.notary.payload.v1+json\"}",
             owner, payload_b64);
    op(sgn_authority_sign_payload, json, &out, err);
    return out;
}

static int revoke_job(const char *job_id, sgn_error *err)
{
    char json[256];
    cJSON *out = NULL;
    int rc;

    snprintf(json, sizeof(json), "{\"jobId\":\"%s\",\"reason\":\"leaked\"}", job_id);
    rc = op(sgn_authority_revoke_signature, json, &out, err);
    cJSON_Delete(out);
    return rc;
}

START_TEST(test_set_caller_checks)
{
    sgn_error err = SGN_ERROR_INIT;
    sgn_caller bad_account = {"12345", "arn:aws:iam::12345:root"};
    sgn_caller foreign = {"111122223333", C_ROOT};
    sgn_caller bad_form = {"111122223333", "arn:aws:iam::111122223333:group/x"};
    sgn_caller wrong_partition = {"111122223333", "arn:aws-cn:iam::111122223333:root"};

    ck_assert_int_eq(sgn_authority_set_caller(auth, &bad_account, &err), SGN_EINVALID);
    memset(&err, 0, sizeof(err));
    ck_assert_int_eq(sgn_authority_set_caller(auth, &foreign, &err), SGN_EINVALID);
    ck_assert_ptr_nonnull(strstr(err.msg, "does not belong to account 111122223333"));
    memset(&err, 0, sizeof(err));
    ck_assert_int_eq(sgn_authority_set_caller(auth, &bad_form, &err), SGN_EINVALID);
    memset(&err, 0, sizeof(err));
    ck_assert_int_eq(sgn_authority_set_caller(auth, &wrong_partition, &err), SGN_EINVALID);
}
END_TEST

/* The same name in two accounts: two profiles, each listed only by its owner. */
START_TEST(test_same_name_two_accounts)
{
    sgn_error err = SGN_ERROR_INIT;
    cJSON *out = NULL;

    put_profile("app");
    as_caller(B_DEV);
    put_profile("app");
    ck_assert_sgn_ok(op(sgn_authority_get_signing_profile, "{\"profileName\":\"app\"}", &out,
                        &err),
                     &err);
    ck_assert_str_eq(str(out, "arn"), "arn:aws:signer:local:111122223333:/signing-profiles/app");
    cJSON_Delete(out);
    ck_assert_sgn_ok(op(sgn_authority_list_signing_profiles, NULL, &out, &err), &err);
    ck_assert_int_eq(cJSON_GetArraySize(cJSON_GetObjectItem(out, "profiles")), 1);
    cJSON_Delete(out);
    op_ok(sgn_authority_cancel_signing_profile, "{\"profileName\":\"app\"}");
    as_caller(NULL);
    ck_assert_sgn_ok(op(sgn_authority_get_signing_profile, "{\"profileName\":\"app\"}", &out,
                        &err),
                     &err);
    ck_assert_str_eq(str(out, "status"), "Active"); /* B's cancel left A's profile alone */
    ck_assert_str_eq(str(out, "arn"), APP_ARN);
    cJSON_Delete(out);
}
END_TEST

enum { OP_SIGN, OP_GET, OP_REVOKE };

static const struct grant_case {
    const char *action, *grantee, *caller;
    int op, allowed;
} grant_cases[] = {
    {"signer:SignPayload", "111122223333", B_DEV, OP_SIGN, 1},
    {"signer:SignPayload", "111122223333", B_CI, OP_SIGN, 1},
    {"signer:SignPayload", B_CI, B_CI, OP_SIGN, 1},
    {"signer:SignPayload", B_CI, B_OTHER_ROLE, OP_SIGN, 0},
    {"signer:SignPayload", B_CI, B_ROOT, OP_SIGN, 0},
    {"signer:SignPayload", "111122223333", C_ROOT, OP_SIGN, 0},
    {"signer:SignPayload", "111122223333", B_ROOT, OP_GET, 0},
    {"signer:SignPayload", "111122223333", B_ROOT, OP_REVOKE, 0},
    {"signer:GetSigningProfile", "111122223333", B_ROOT, OP_GET, 1},
    {"signer:GetSigningProfile", B_CI, B_CI, OP_GET, 1},
    {"signer:GetSigningProfile", "111122223333", B_ROOT, OP_SIGN, 0},
    {"signer:GetSigningProfile", "111122223333", C_ROOT, OP_GET, 0},
    {"signer:RevokeSignature", "111122223333", B_DEV, OP_REVOKE, 1},
    {"signer:RevokeSignature", B_CI, B_CI, OP_REVOKE, 1},
    {"signer:RevokeSignature", "111122223333", B_ROOT, OP_SIGN, 0},
    {"signer:RevokeSignature", "111122223333", C_ROOT, OP_REVOKE, 0},
};

static const char *const op_actions[] = {"SignPayload", "GetSigningProfile", "RevokeSignature"};

START_TEST(test_grants)
{
    const struct grant_case *c = &grant_cases[_i];
    sgn_error err = SGN_ERROR_INIT;
    cJSON *out = NULL, *job = NULL;
    int rc;

    put_profile("app");
    job = sign_as_owner_of(A_ACC, &err);
    ck_assert_ptr_nonnull(job);
    grant(c->action, c->grantee, "s1", NULL);
    as_caller(c->caller);
    if (c->op == OP_SIGN) {
        out = sign_as_owner_of(A_ACC, &err);
        rc = out ? SGN_OK : err.code;
    } else if (c->op == OP_GET) {
        rc = op(sgn_authority_get_signing_profile,
                "{\"profileName\":\"app\",\"profileOwner\":\"" A_ACC "\"}", &out, &err);
    } else {
        rc = revoke_job(str(job, "jobId"), &err);
    }
    if (c->allowed) {
        ck_assert_msg(rc == SGN_OK, "case %d: %s", _i, err.msg);
    } else {
        ck_assert_int_ne(rc, SGN_OK);
        assert_denied(&err, c->caller, op_actions[c->op]);
    }
    cJSON_Delete(out);
    cJSON_Delete(job);
}
END_TEST

/* Without a grant, another account gets nothing of A's; its own-account operations never see
 * A's profile or jobs. */
START_TEST(test_no_grant_every_operation)
{
    sgn_error err = SGN_ERROR_INIT;
    cJSON *out = NULL, *job;
    char json[512];

    put_profile("app");
    job = sign_as_owner_of(A_ACC, &err);
    ck_assert_ptr_nonnull(job);
    as_caller(C_ROOT);
    ck_assert_int_lt(op(sgn_authority_get_signing_profile,
                        "{\"profileName\":\"app\",\"profileOwner\":\"" A_ACC "\"}", &out, &err),
                     0);
    assert_denied(&err, C_ROOT, "GetSigningProfile");
    /* a profile that does not exist is no different to an outsider */
    ck_assert_int_lt(op(sgn_authority_get_signing_profile,
                        "{\"profileName\":\"nope\",\"profileOwner\":\"" A_ACC "\"}", &out, &err),
                     0);
    ck_assert_str_eq(err.svc_code, "AccessDeniedException");
    ck_assert_ptr_null(sign_as_owner_of(A_ACC, &err));
    assert_denied(&err, C_ROOT, "SignPayload");
    ck_assert_int_lt(revoke_job(str(job, "jobId"), &err), 0);
    assert_denied(&err, C_ROOT, "RevokeSignature");
    snprintf(json, sizeof(json), "{\"jobId\":\"%s\"}", str(job, "jobId"));
    ck_assert_int_lt(op(sgn_authority_describe_signing_job, json, &out, &err), 0);
    ck_assert_str_eq(err.svc_code, "ResourceNotFoundException");
    ck_assert_sgn_ok(op(sgn_authority_list_signing_jobs, NULL, &out, &err), &err);
    ck_assert_int_eq(cJSON_GetArraySize(cJSON_GetObjectItem(out, "jobs")), 0);
    cJSON_Delete(out);
    ck_assert_sgn_ok(op(sgn_authority_list_signing_profiles, NULL, &out, &err), &err);
    ck_assert_int_eq(cJSON_GetArraySize(cJSON_GetObjectItem(out, "profiles")), 0);
    cJSON_Delete(out);
    /* operations without profileOwner act on the caller's own account: no such profile */
    ck_assert_int_lt(op(sgn_authority_cancel_signing_profile, "{\"profileName\":\"app\"}", &out,
                        &err),
                     0);
    ck_assert_str_eq(err.svc_code, "ResourceNotFoundException");
    ck_assert_int_lt(op(sgn_authority_list_profile_permissions, "{\"profileName\":\"app\"}",
                        &out, &err),
                     0);
    ck_assert_str_eq(err.svc_code, "ResourceNotFoundException");
    ck_assert_int_lt(op(sgn_authority_add_profile_permission,
                        "{\"profileName\":\"app\",\"action\":\"signer:SignPayload\","
                        "\"principal\":\"444455556666\",\"statementId\":\"me\"}",
                        &out, &err),
                     0);
    ck_assert_str_eq(err.svc_code, "ResourceNotFoundException");
    ck_assert_int_lt(op(sgn_authority_list_tags_for_resource, "{\"resourceArn\":\"" APP_ARN "\"}",
                        &out, &err),
                     0);
    ck_assert_str_eq(err.svc_code, "AccessDeniedException");
    ck_assert_int_lt(op(sgn_authority_create_access_key, "{\"accountId\":\"444455556666\"}", &out,
                        &err),
                     0);
    ck_assert_str_eq(err.svc_code, "AccessDeniedException");
    /* anyone may ask for revocation status and list platforms */
    op_ok(sgn_authority_list_signing_platforms, NULL);
    {
        sgn_envelope_info info;
        open_envelope(&info, job, NULL);
        ck_assert_int_eq(revocation_count(&info, T0, NULL), 0);
        sgn_envelope_info_free(&info);
    }
    cJSON_Delete(job);
}
END_TEST

/* Signing through a grant: the owner's ARNs in the signature, owner/invoker/requester on the
 * job, and who sees it. */
START_TEST(test_cross_account_job)
{
    sgn_error err = SGN_ERROR_INIT;
    sgn_envelope_info info;
    cJSON *res, *out = NULL;
    char json[256], varn[256];
    const char *version = put_profile("app");

    snprintf(varn, sizeof(varn), APP_ARN "/%s", version);
    grant("signer:SignPayload", "111122223333", "s1", NULL);
    as_caller(B_DEV);
    res = sign_as_owner_of(A_ACC, &err);
    ck_assert_msg(res != NULL, "%s", err.msg);
    ck_assert_str_eq(str(res, "jobOwner"), A_ACC);
    open_envelope(&info, res, NULL);
    ck_assert_str_eq(ext(&info, SGN_ATTR_PROFILE_VERSION), varn);
    ck_assert_ptr_nonnull(strstr(ext(&info, SGN_ATTR_SIGNING_JOB),
                                 "arn:aws:signer:local:" A_ACC ":/signing-jobs/"));
    snprintf(json, sizeof(json), "{\"jobId\":\"%s\"}", str(res, "jobId"));
    ck_assert_sgn_ok(op(sgn_authority_describe_signing_job, json, &out, &err), &err);
    ck_assert_str_eq(str(out, "jobOwner"), A_ACC);
    ck_assert_str_eq(str(out, "jobInvoker"), "111122223333");
    ck_assert_str_eq(str(out, "requestedBy"), B_DEV);
    cJSON_Delete(out);
    as_caller(NULL); /* the owner sees the job too */
    ck_assert_sgn_ok(op(sgn_authority_list_signing_jobs, "{\"jobInvoker\":\"111122223333\"}",
                        &out, &err),
                     &err);
    ck_assert_int_eq(cJSON_GetArraySize(cJSON_GetObjectItem(out, "jobs")), 1);
    cJSON_Delete(out);
    /* the grantee, without signer:RevokeSignature, cannot revoke even the job it made */
    as_caller(B_DEV);
    ck_assert_int_lt(revoke_job(str(res, "jobId"), &err), 0);
    assert_denied(&err, B_DEV, "RevokeSignature");
    grant("signer:RevokeSignature", "111122223333", "s2", NULL);
    as_caller(B_ROOT);
    ck_assert_sgn_ok(revoke_job(str(res, "jobId"), &err), &err);
    ck_assert_int_eq(revocation_count(&info, T0, NULL), 1);
    as_caller(NULL);
    ck_assert_sgn_ok(op(sgn_authority_describe_signing_job, json, &out, &err), &err);
    ck_assert_str_eq(str(cJSON_GetObjectItem(out, "revocationRecord"), "revokedBy"), B_ROOT);
    cJSON_Delete(out);
    sgn_envelope_info_free(&info);
    cJSON_Delete(res);
}
END_TEST

/* profileVersion limits a grant to that version (signer:ProfileVersion). */
START_TEST(test_version_limited_grant)
{
    sgn_error err = SGN_ERROR_INIT;
    cJSON *res, *out = NULL;
    char v1[11];

    snprintf(v1, sizeof(v1), "%s", put_profile("app"));
    grant("signer:SignPayload", "111122223333", "s1", v1);
    grant("signer:GetSigningProfile", "111122223333", "s2", v1);
    as_caller(B_ROOT);
    res = sign_as_owner_of(A_ACC, &err);
    ck_assert_msg(res != NULL, "%s", err.msg);
    cJSON_Delete(res);
    as_caller(NULL);
    put_profile("app"); /* a new current version the grants do not name */
    as_caller(B_ROOT);
    ck_assert_ptr_null(sign_as_owner_of(A_ACC, &err));
    assert_denied(&err, B_ROOT, "SignPayload");
    ck_assert_int_lt(op(sgn_authority_get_signing_profile,
                        "{\"profileName\":\"app\",\"profileOwner\":\"" A_ACC "\"}", &out, &err),
                     0);
    assert_denied(&err, B_ROOT, "GetSigningProfile");
    as_caller(NULL);
    ck_assert_int_lt(op(sgn_authority_add_profile_permission,
                        "{\"profileName\":\"app\",\"action\":\"signer:SignPayload\","
                        "\"principal\":\"111122223333\",\"statementId\":\"s3\","
                        "\"profileVersion\":\"NoSuchVer0\",\"revisionId\":\"x\"}",
                        &out, &err),
                     0);
    ck_assert_str_eq(err.svc_code, "ConflictException"); /* the stale revision is seen first */
}
END_TEST

static char *revision_of(void)
{
    sgn_error err = SGN_ERROR_INIT;
    cJSON *out = NULL;
    char *r;

    ck_assert_sgn_ok(op(sgn_authority_list_profile_permissions, "{\"profileName\":\"app\"}",
                        &out, &err),
                     &err);
    r = strdup(str(out, "revisionId"));
    cJSON_Delete(out);
    return r;
}

#define ADD_FMT                                                                                 \
    "{\"profileName\":\"app\",\"action\":\"signer:GetSigningProfile\","                          \
    "\"principal\":\"111122223333\",\"statementId\":\"%s\"%s%s%s}"

START_TEST(test_revision_ids)
{
    sgn_error err = SGN_ERROR_INIT;
    cJSON *out = NULL;
    char json[512], *rev1, *rev2, *rev3;

    put_profile("app");
    ck_assert_sgn_ok(op(sgn_authority_list_profile_permissions, "{\"profileName\":\"app\"}",
                        &out, &err),
                     &err);
    ck_assert_ptr_null(cJSON_GetObjectItem(out, "revisionId"));
    ck_assert_int_eq(cJSON_GetObjectItem(out, "policySizeBytes")->valueint, 0);
    cJSON_Delete(out);
    snprintf(json, sizeof(json), ADD_FMT, "first", "", "", "");
    op_ok(sgn_authority_add_profile_permission, json); /* the first needs no revisionId */
    rev1 = revision_of();
    snprintf(json, sizeof(json), ADD_FMT, "second", "", "", "");
    ck_assert_int_lt(op(sgn_authority_add_profile_permission, json, &out, &err), 0);
    ck_assert_str_eq(err.svc_code, "ConflictException");
    ck_assert_int_eq(err.http_status, 409);
    snprintf(json, sizeof(json), ADD_FMT, "second", ",\"revisionId\":\"", "stale", "\"");
    ck_assert_int_lt(op(sgn_authority_add_profile_permission, json, &out, &err), 0);
    ck_assert_str_eq(err.svc_code, "ConflictException");
    snprintf(json, sizeof(json), ADD_FMT, "second", ",\"revisionId\":\"", rev1, "\"");
    ck_assert_sgn_ok(op(sgn_authority_add_profile_permission, json, &out, &err), &err);
    rev2 = strdup(str(out, "revisionId"));
    cJSON_Delete(out);
    ck_assert_str_ne(rev1, rev2);
    snprintf(json, sizeof(json), ADD_FMT, "second", ",\"revisionId\":\"", rev2, "\"");
    ck_assert_int_lt(op(sgn_authority_add_profile_permission, json, &out, &err), 0);
    ck_assert_str_eq(err.svc_code, "ConflictException"); /* statementId in use */
    ck_assert_ptr_nonnull(strstr(err.msg, "already exists"));
    ck_assert_int_lt(op(sgn_authority_remove_profile_permission,
                        "{\"profileName\":\"app\",\"statementId\":\"first\"}", &out, &err),
                     0);
    ck_assert_str_eq(err.svc_code, "ValidationException"); /* remove requires revisionId */
    snprintf(json, sizeof(json),
             "{\"profileName\":\"app\",\"statementId\":\"first\",\"revisionId\":\"%s\"}", rev1);
    ck_assert_int_lt(op(sgn_authority_remove_profile_permission, json, &out, &err), 0);
    ck_assert_str_eq(err.svc_code, "ConflictException");
    snprintf(json, sizeof(json),
             "{\"profileName\":\"app\",\"statementId\":\"nope\",\"revisionId\":\"%s\"}", rev2);
    ck_assert_int_lt(op(sgn_authority_remove_profile_permission, json, &out, &err), 0);
    ck_assert_str_eq(err.svc_code, "ResourceNotFoundException");
    snprintf(json, sizeof(json),
             "{\"profileName\":\"app\",\"statementId\":\"first\",\"revisionId\":\"%s\"}", rev2);
    ck_assert_sgn_ok(op(sgn_authority_remove_profile_permission, json, &out, &err), &err);
    rev3 = strdup(str(out, "revisionId"));
    cJSON_Delete(out);
    ck_assert_str_ne(rev3, rev2);
    /* one statement left: the policy document IAM would hold, byte for byte */
    ck_assert_sgn_ok(op(sgn_authority_list_profile_permissions, "{\"profileName\":\"app\"}",
                        &out, &err),
                     &err);
    ck_assert_str_eq(str(out, "revisionId"), rev3);
    {
        const char *doc = "{\"Version\":\"2012-10-17\",\"Statement\":[{\"Sid\":\"second\","
                          "\"Effect\":\"Allow\",\"Principal\":{\"AWS\":"
                          "\"arn:aws:iam::111122223333:root\"},\"Action\":"
                          "\"signer:GetSigningProfile\",\"Resource\":\"" APP_ARN "\"}]}";
        const cJSON *perms = cJSON_GetObjectItem(out, "permissions");
        ck_assert_int_eq(cJSON_GetObjectItem(out, "policySizeBytes")->valueint, (int)strlen(doc));
        ck_assert_int_eq(cJSON_GetArraySize(perms), 1);
        ck_assert_str_eq(str(cJSON_GetArrayItem(perms, 0), "statementId"), "second");
    }
    cJSON_Delete(out);
    free(rev1);
    free(rev2);
    free(rev3);
}
END_TEST

static const struct {
    const char *platform, *action, *principal, *message; /* message: a part of the refusal */
} refusals[] = {
    {SGN_PLATFORM_NOTATION, "signer:StartSigningJob", "111122223333",
     "Action signer:StartSigningJob not supported for platform Notation-OCI-SHA384-ECDSA. Action "
     "must be one of [signer:SignPayload, signer:GetSigningProfile, signer:RevokeSignature]"},
    {"AWSLambda-SHA384-ECDSA", "signer:SignPayload", "111122223333",
     "Action must be one of [signer:StartSigningJob, signer:GetSigningProfile, "
     "signer:RevokeSignature]"},
    {"AmazonFreeRTOS-Default", "signer:StartSigningJob", "111122223333",
     "Cross-account signing is only available"},
    {SGN_PLATFORM_NOTATION, "signer:CancelSigningProfile", "111122223333", "enum value set"},
    {SGN_PLATFORM_NOTATION, "signer:SignPayload", "11112222333", "Invalid principal"},
    {SGN_PLATFORM_NOTATION, "signer:SignPayload", B_DEV, "Invalid principal"},
    {SGN_PLATFORM_NOTATION, "signer:SignPayload", B_ROOT, "Invalid principal"},
};

START_TEST(test_permission_refusals)
{
    sgn_error err = SGN_ERROR_INIT;
    cJSON *out = NULL;
    char json[512];

    snprintf(json, sizeof(json),
             "{\"profileName\":\"app\",\"platformId\":\"%s\"%s}", refusals[_i].platform,
             strncmp(refusals[_i].platform, "Amazon", 6) == 0
                 ? ",\"signingMaterial\":{\"certificateArn\":"
                   "\"arn:aws:acm:us-east-1:000000000000:certificate/abc\"}"
                 : "");
    op_ok(sgn_authority_put_signing_profile, json);
    snprintf(json, sizeof(json),
             "{\"profileName\":\"app\",\"action\":\"%s\",\"principal\":\"%s\","
             "\"statementId\":\"s1\"}",
             refusals[_i].action, refusals[_i].principal);
    ck_assert_int_lt(op(sgn_authority_add_profile_permission, json, &out, &err), 0);
    ck_assert_str_eq(err.svc_code, "ValidationException");
    ck_assert_msg(strstr(err.msg, refusals[_i].message) != NULL, "%s", err.msg);
}
END_TEST

static Suite *authority_accounts_suite(void)
{
    Suite *s = suite_create("authority_accounts");
    TCase *tc = tcase_create("accounts");

    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, test_set_caller_checks);
    tcase_add_test(tc, test_same_name_two_accounts);
    tcase_add_loop_test(tc, test_grants, 0, (int)(sizeof(grant_cases) / sizeof(grant_cases[0])));
    tcase_add_test(tc, test_no_grant_every_operation);
    tcase_add_test(tc, test_cross_account_job);
    tcase_add_test(tc, test_version_limited_grant);
    tcase_add_test(tc, test_revision_ids);
    tcase_add_loop_test(tc, test_permission_refusals, 0,
                        (int)(sizeof(refusals) / sizeof(refusals[0])));
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    return sgn_check_run(authority_accounts_suite());
}
