#define _XOPEN_SOURCE 700 /* nftw */
/* The local Signer: store, PKI, profiles, SignPayload, revocation, GetRevocationStatus.
 * Every test pins the clock; stores live in fresh temporary directories. */
#include <errno.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "authority_fixture.h"
#include "sgn_check.h"
#include "sgn/authority.h"
#include "sgn/envelope.h"
#include "sgn/util.h"
#include "sgn/x509.h"
#include "authority/internal.h"

START_TEST(test_store_layout_and_reopen)
{
    sgn_error err = SGN_ERROR_INIT;
    sgn_authority *again = NULL;
    char path[512];
    struct stat sb;

    ck_assert_str_eq(sgn_authority_region(auth), "local");
    ck_assert_str_eq(sgn_authority_account(auth), "000000000000");
    snprintf(path, sizeof(path), "%s/signer.db", store_dir);
    ck_assert_int_eq(stat(path, &sb), 0);
    ck_assert_int_eq(sb.st_mode & 077, 0);
    snprintf(path, sizeof(path), "%s/keys", store_dir);
    ck_assert_int_eq(stat(path, &sb), 0);
    ck_assert_int_eq(sb.st_mode & 077, 0);
    ck_assert_sgn_ok(sgn_authority_open(&again, store_dir, NULL, &err), &err);
    ck_assert_str_eq(sgn_authority_region(again), "local");
    sgn_authority_close(again);
}
END_TEST

START_TEST(test_missing_store_without_create)
{
    sgn_error err = SGN_ERROR_INIT;
    sgn_authority *a = NULL;

    ck_assert_int_eq(sgn_authority_open(&a, "/nonexistent/sgn-store", NULL, &err), SGN_ENOTFOUND);
    ck_assert_ptr_nonnull(strstr(err.msg, "signer-local"));
    ck_assert_ptr_null(a);
}
END_TEST

START_TEST(test_create_with_region_and_account)
{
    sgn_error err = SGN_ERROR_INIT;
    sgn_authority_opts opts = {
        .create = 1, .region = "us-gov-west-1", .account = "123456789012", .clock = pinned};
    sgn_authority_opts other = {.create = 1, .region = "eu-west-1", .clock = pinned};
    sgn_authority *a = NULL;
    char dir[300];
    char *arn;

    snprintf(dir, sizeof(dir), "%s-gov", store_dir);
    ck_assert_sgn_ok(sgn_authority_open(&a, dir, &opts, &err), &err);
    arn = sgn_authority__profile_arn(a, sgn_authority_account(a), "P1");
    ck_assert_str_eq(arn, "arn:aws-us-gov:signer:us-gov-west-1:123456789012:/signing-profiles/P1");
    free(arn);
    sgn_authority_close(a);
    a = NULL;
    ck_assert_int_eq(sgn_authority_open(&a, dir, &other, &err), SGN_ECONFLICT);
    rm_tree(dir);
}
END_TEST

START_TEST(test_put_get_list_profiles)
{
    sgn_error err = SGN_ERROR_INIT;
    cJSON *in, *out = NULL;
    const char *v1 = NULL;
    char v1copy[11];

    v1 = put_profile("Prof_1");
    snprintf(v1copy, sizeof(v1copy), "%s", v1);
    ck_assert_uint_eq(strlen(v1copy), 10);
    in = obj("{\"profileName\":\"Prof_1\"}");
    ck_assert_sgn_ok(sgn_authority_get_signing_profile(auth, in, &out, &err), &err);
    ck_assert_str_eq(str(out, "status"), "Active");
    ck_assert_str_eq(str(out, "platformDisplayName"), "Notation for container registries");
    ck_assert_str_eq(str(out, "arn"), "arn:aws:signer:local:000000000000:/signing-profiles/Prof_1");
    ck_assert_int_eq(cJSON_GetObjectItem(cJSON_GetObjectItem(out, "signatureValidityPeriod"),
                                         "value")
                         ->valueint,
                     135);
    cJSON_Delete(out);
    /* a second put creates a new current version */
    put_profile("Prof_1");
    ck_assert_sgn_ok(sgn_authority_get_signing_profile(auth, in, &out, &err), &err);
    ck_assert_str_ne(str(out, "profileVersion"), v1copy);
    cJSON_Delete(out);
    cJSON_Delete(in);
    put_profile("Prof_2");
    ck_assert_sgn_ok(sgn_authority_list_signing_profiles(auth, NULL, &out, &err), &err);
    ck_assert_int_eq(cJSON_GetArraySize(cJSON_GetObjectItem(out, "profiles")), 2);
    cJSON_Delete(out);
    in = obj("{\"maxResults\":1}");
    ck_assert_sgn_ok(sgn_authority_list_signing_profiles(auth, in, &out, &err), &err);
    ck_assert_int_eq(cJSON_GetArraySize(cJSON_GetObjectItem(out, "profiles")), 1);
    ck_assert_str_eq(str(out, "nextToken"), "1");
    cJSON_Delete(out);
    cJSON_Delete(in);
}
END_TEST

static const struct {
    const char *json;
    const char *svc;
    const char *needle;
} put_errors[] = {
    {"{\"platformId\":\"Notation-OCI-SHA384-ECDSA\"}", "ValidationException", "profileName"},
    {"{\"profileName\":\"a\",\"platformId\":\"Notation-OCI-SHA384-ECDSA\"}", "ValidationException",
     "profileName"},
    {"{\"profileName\":\"bad-name\",\"platformId\":\"Notation-OCI-SHA384-ECDSA\"}",
     "ValidationException", "regular expression"},
    {"{\"profileName\":\"ok_name\",\"platformId\":\"NoSuchPlatform\"}", "ValidationException",
     "NoSuchPlatform"},
    {"{\"profileName\":\"ok_name\",\"platformId\":\"Notation-OCI-SHA384-ECDSA\","
     "\"signatureValidityPeriod\":{\"value\":200,\"type\":\"MONTHS\"}}",
     "ValidationException", "135 months"},
    {"{\"profileName\":\"ok_name\",\"platformId\":\"Notation-OCI-SHA384-ECDSA\","
     "\"signatureValidityPeriod\":{\"value\":2,\"type\":\"WEEKS\"}}",
     "ValidationException", "DAYS, MONTHS, YEARS"},
    {"{\"profileName\":\"ok_name\",\"platformId\":\"AWSIoTDeviceManagement-SHA256-ECDSA\"}",
     "ValidationException", "certificateArn"},
    {"{\"profileName\":\"ok_name\",\"platformId\":\"Notation-OCI-SHA384-ECDSA\","
     "\"tags\":{\"aws:x\":\"y\"}}",
     "ValidationException", "aws:"},
};

START_TEST(test_put_profile_errors)
{
    sgn_error err = SGN_ERROR_INIT;
    cJSON *in = obj(put_errors[_i].json), *out = NULL;

    ck_assert_int_eq(sgn_authority_put_signing_profile(auth, in, &out, &err), SGN_EINVALID);
    ck_assert_str_eq(err.svc_code, put_errors[_i].svc);
    ck_assert_int_eq(err.http_status, 400);
    ck_assert_uint_eq(strlen(err.request_id), 36);
    ck_assert_msg(strstr(err.msg, put_errors[_i].needle) != NULL, "%s", err.msg);
    ck_assert_ptr_null(out);
    cJSON_Delete(in);
}
END_TEST

static void check_signature(const char *type)
{
    sgn_error err = SGN_ERROR_INIT;
    sgn_envelope_info info;
    X509 *chain[3];
    cJSON *res, *in, *job = NULL;
    char expect[200];
    const char *version = put_profile("Notation_P");
    size_t i;

    snprintf(expect, sizeof(expect),
             "arn:aws:signer:local:000000000000:/signing-profiles/Notation_P/%s", version);
    res = sign("Notation_P", type, &err);
    ck_assert_msg(res != NULL, "sign failed: %s", err.msg);
    ck_assert_str_eq(str(res, "jobOwner"), "000000000000");
    open_envelope(&info, res, type ? type : SGN_ENVELOPE_JWS);
    ck_assert_str_eq(info.signing_scheme, SGN_SCHEME_SIGNING_AUTHORITY);
    ck_assert_int_eq(info.authentic, 1);
    ck_assert_int_eq(info.signing_time, T0);
    ck_assert_int_eq(info.expiry, sgn_authority__add_validity(T0, 135, "MONTHS"));
    ck_assert_str_eq(info.alg, "ES384");
    ck_assert_str_eq(ext(&info, SGN_ATTR_VERIFICATION_PLUGIN), SGN_PLUGIN_NAME);
    ck_assert_str_eq(ext(&info, SGN_ATTR_PROFILE_VERSION), expect);
    snprintf(expect, sizeof(expect), "arn:aws:signer:local:000000000000:/signing-jobs/%s",
             str(res, "jobId"));
    ck_assert_str_eq(ext(&info, SGN_ATTR_SIGNING_JOB), expect);
    ck_assert_uint_eq(info.n_certs, 3);
    for (i = 0; i < 3; i++)
        ck_assert_sgn_ok(sgn_x509_from_der(&chain[i], info.certs[i], info.cert_lens[i], &err),
                         &err);
    ck_assert_sgn_ok(sgn_x509_check_notation_chain(chain, 3, T0, &err), &err);
    for (i = 0; i < 3; i++)
        X509_free(chain[i]);
    /* the job was recorded before SignPayload returned */
    in = cJSON_CreateObject();
    cJSON_AddStringToObject(in, "jobId", str(res, "jobId"));
    ck_assert_sgn_ok(sgn_authority_describe_signing_job(auth, in, &job, &err), &err);
    ck_assert_str_eq(str(job, "status"), "Succeeded");
    ck_assert_str_eq(str(job, "profileVersion"), version);
    ck_assert_ptr_null(cJSON_GetObjectItem(job, "revocationRecord"));
    ck_assert_int_eq(revocation_count(&info, T0, NULL), 0);
    cJSON_Delete(job);
    cJSON_Delete(in);
    cJSON_Delete(res);
    sgn_envelope_info_free(&info);
}

START_TEST(test_sign_payload_jws)
{
    check_signature(NULL);
}
END_TEST

START_TEST(test_sign_payload_cose)
{
    check_signature(SGN_ENVELOPE_COSE);
}
END_TEST

START_TEST(test_revoke_signature)
{
    sgn_error err = SGN_ERROR_INIT;
    sgn_envelope_info info, other;
    cJSON *res, *res2, *in, *list = NULL, *job = NULL;

    put_profile("RevokeMe");
    res = sign("RevokeMe", NULL, &err);
    res2 = sign("RevokeMe", NULL, &err);
    ck_assert_ptr_nonnull(res2);
    open_envelope(&info, res, SGN_ENVELOPE_JWS);
    open_envelope(&other, res2, SGN_ENVELOPE_JWS);
    in = cJSON_CreateObject();
    cJSON_AddStringToObject(in, "jobId", str(res, "jobId"));
    cJSON_AddStringToObject(in, "reason", "key compromise");
    ck_assert_sgn_ok(sgn_authority_revoke_signature(auth, in, &job, &err), &err);
    cJSON_Delete(job);
    ck_assert_int_eq(revocation_count(&info, T0, &list), 1);
    ck_assert_str_eq(cJSON_GetArrayItem(cJSON_GetObjectItem(list, "revokedEntities"), 0)->valuestring,
                     ext(&info, SGN_ATTR_SIGNING_JOB));
    cJSON_Delete(list);
    ck_assert_int_eq(revocation_count(&other, T0, NULL), 0);
    ck_assert_sgn_ok(sgn_authority_describe_signing_job(auth, in, &job, &err), &err);
    ck_assert_str_eq(str(cJSON_GetObjectItem(job, "revocationRecord"), "reason"), "key compromise");
    cJSON_Delete(job);
    /* list filters on isRevoked */
    cJSON_Delete(in);
    in = obj("{\"isRevoked\":true}");
    ck_assert_sgn_ok(sgn_authority_list_signing_jobs(auth, in, &job, &err), &err);
    ck_assert_int_eq(cJSON_GetArraySize(cJSON_GetObjectItem(job, "jobs")), 1);
    cJSON_Delete(job);
    cJSON_Delete(in);
    in = obj("{\"jobId\":\"00000000-0000-4000-8000-000000000000\",\"reason\":\"x\"}");
    ck_assert_int_eq(sgn_authority_revoke_signature(auth, in, &job, &err), SGN_EINVALID);
    ck_assert_str_eq(err.svc_code, "ResourceNotFoundException");
    cJSON_Delete(in);
    cJSON_Delete(res);
    cJSON_Delete(res2);
    sgn_envelope_info_free(&info);
    sgn_envelope_info_free(&other);
}
END_TEST

/* Profile revocation: revoked for signatures at or after the effective time. */
static const struct {
    int64_t effective_offset; /* relative to the signing time */
    int revoked;
} profile_revocations[] = {{-3600, 1}, {0, 1}, {1, 0}, {86400, 0}};

START_TEST(test_revoke_profile_effective_time)
{
    sgn_error err = SGN_ERROR_INIT;
    sgn_envelope_info info;
    const char *version = put_profile("TimeBound");
    cJSON *res, *in, *out = NULL;
    char ver[11];

    snprintf(ver, sizeof(ver), "%s", version);
    res = sign("TimeBound", NULL, &err);
    ck_assert_ptr_nonnull(res);
    open_envelope(&info, res, SGN_ENVELOPE_JWS);
    pinned_now = T0 + 2 * 86400; /* every effective time below is in the past */
    in = cJSON_CreateObject();
    cJSON_AddStringToObject(in, "profileName", "TimeBound");
    cJSON_AddStringToObject(in, "profileVersion", ver);
    cJSON_AddStringToObject(in, "reason", "retired");
    cJSON_AddNumberToObject(in, "effectiveTime", (double)(T0 + profile_revocations[_i].effective_offset));
    ck_assert_sgn_ok(sgn_authority_revoke_signing_profile(auth, in, &out, &err), &err);
    cJSON_Delete(out);
    ck_assert_int_eq(revocation_count(&info, T0, NULL), profile_revocations[_i].revoked);
    /* the profile is now Revoked and cannot sign */
    cJSON_Delete(res);
    res = sign("TimeBound", NULL, &err);
    ck_assert_ptr_null(res);
    ck_assert_str_eq(err.svc_code, "ValidationException");
    ck_assert_ptr_nonnull(strstr(err.msg, "Revoked"));
    cJSON_Delete(in);
    in = obj("{\"profileName\":\"TimeBound\"}");
    ck_assert_sgn_ok(sgn_authority_get_signing_profile(auth, in, &out, &err), &err);
    ck_assert_str_eq(str(out, "status"), "Revoked");
    ck_assert_ptr_nonnull(cJSON_GetObjectItem(out, "revocationRecord"));
    cJSON_Delete(out);
    cJSON_Delete(in);
    sgn_envelope_info_free(&info);
}
END_TEST

START_TEST(test_cancel_profile)
{
    sgn_error err = SGN_ERROR_INIT;
    sgn_envelope_info info;
    cJSON *res, *in, *out = NULL;

    put_profile("Cancelled");
    res = sign("Cancelled", NULL, &err);
    open_envelope(&info, res, SGN_ENVELOPE_JWS);
    in = obj("{\"profileName\":\"Cancelled\"}");
    ck_assert_sgn_ok(sgn_authority_cancel_signing_profile(auth, in, &out, &err), &err);
    cJSON_Delete(out);
    cJSON_Delete(res);
    res = sign("Cancelled", NULL, &err);
    ck_assert_ptr_null(res);
    ck_assert_int_eq(err.code, SGN_EINVALID);
    ck_assert_ptr_nonnull(strstr(err.msg, "Canceled"));
    /* old signatures stay valid */
    ck_assert_int_eq(revocation_count(&info, T0, NULL), 0);
    /* hidden from the default list, shown with includeCanceled */
    ck_assert_sgn_ok(sgn_authority_list_signing_profiles(auth, NULL, &out, &err), &err);
    ck_assert_int_eq(cJSON_GetArraySize(cJSON_GetObjectItem(out, "profiles")), 0);
    cJSON_Delete(out);
    cJSON_Delete(in);
    in = obj("{\"includeCanceled\":true}");
    ck_assert_sgn_ok(sgn_authority_list_signing_profiles(auth, in, &out, &err), &err);
    ck_assert_int_eq(cJSON_GetArraySize(cJSON_GetObjectItem(out, "profiles")), 1);
    cJSON_Delete(out);
    cJSON_Delete(in);
    /* the name of a canceled profile cannot be reused */
    in = obj("{\"profileName\":\"Cancelled\",\"platformId\":\"Notation-OCI-SHA384-ECDSA\"}");
    ck_assert_int_eq(sgn_authority_put_signing_profile(auth, in, &out, &err), SGN_EINVALID);
    cJSON_Delete(in);
    sgn_envelope_info_free(&info);
}
END_TEST

START_TEST(test_revoke_certificate)
{
    sgn_error err = SGN_ERROR_INIT;
    sgn_envelope_info info;
    char tbs[97];
    cJSON *res, *in, *out = NULL, *list = NULL;

    put_profile("CertRev");
    res = sign("CertRev", NULL, &err);
    open_envelope(&info, res, SGN_ENVELOPE_JWS);
    ck_assert_sgn_ok(sgn_x509_tbs_sha384_hex(tbs, info.certs[0], info.cert_lens[0], &err), &err);
    in = cJSON_CreateObject();
    cJSON_AddStringToObject(in, "certificateHash", tbs);
    cJSON_AddStringToObject(in, "reason", "leaf key exposed");
    ck_assert_sgn_ok(sgn_authority_revoke_certificate(auth, in, &out, &err), &err);
    ck_assert_uint_eq(strlen(str(out, "certificateHashPair")), 192);
    cJSON_Delete(out);
    ck_assert_int_eq(revocation_count(&info, T0, &list), 1);
    ck_assert_uint_eq(strlen(cJSON_GetArrayItem(cJSON_GetObjectItem(list, "revokedEntities"), 0)
                                 ->valuestring),
                      192);
    cJSON_Delete(list);
    /* the store never signs with a revoked leaf again */
    cJSON_Delete(res);
    sgn_envelope_info_free(&info);
    res = sign("CertRev", NULL, &err);
    ck_assert_ptr_nonnull(res);
    open_envelope(&info, res, SGN_ENVELOPE_JWS);
    ck_assert_int_eq(revocation_count(&info, T0, NULL), 0);
    cJSON_Delete(in);
    in = obj("{\"certificateHash\":\"00\",\"reason\":\"x\"}");
    ck_assert_int_eq(sgn_authority_revoke_certificate(auth, in, &out, &err), SGN_EINVALID);
    cJSON_Delete(in);
    cJSON_Delete(res);
    sgn_envelope_info_free(&info);
}
END_TEST

START_TEST(test_leaf_rotation)
{
    sgn_error err = SGN_ERROR_INIT;
    sgn_envelope_info a1, a2, b1;
    cJSON *r1, *r2, *r3;

    put_profile("Rotating");
    r1 = sign("Rotating", NULL, &err);
    pinned_now = T0 + 3600;
    r2 = sign("Rotating", NULL, &err);
    pinned_now = T0 + SGN_LEAF_ROTATE_AFTER + 1;
    r3 = sign("Rotating", NULL, &err);
    ck_assert_ptr_nonnull(r3);
    open_envelope(&a1, r1, SGN_ENVELOPE_JWS);
    open_envelope(&a2, r2, SGN_ENVELOPE_JWS);
    open_envelope(&b1, r3, SGN_ENVELOPE_JWS);
    ck_assert_mem_eq(a1.certs[0], a2.certs[0], a1.cert_lens[0]);
    ck_assert_int_ne(memcmp(a1.certs[0], b1.certs[0], a1.cert_lens[0] < b1.cert_lens[0] ? a1.cert_lens[0] : b1.cert_lens[0]), 0);
    ck_assert_mem_eq(a1.certs[2], b1.certs[2], a1.cert_lens[2]);
    cJSON_Delete(r1);
    cJSON_Delete(r2);
    cJSON_Delete(r3);
    sgn_envelope_info_free(&a1);
    sgn_envelope_info_free(&a2);
    sgn_envelope_info_free(&b1);
}
END_TEST

static const struct {
    const char *json;
    const char *svc;
    int code;
} sign_errors[] = {
    {"{\"profileName\":\"Missing\",\"payload\":\"eyJ9\",\"payloadFormat\":"
     "\"application/vnd.cncf.notary.payload.v1+json\"}",
     "ResourceNotFoundException", SGN_EINVALID},
    {"{\"profileName\":\"Exists\",\"payload\":\"eyJ9\",\"payloadFormat\":\"text/plain\"}",
     "ValidationException", SGN_EINVALID},
    {"{\"profileName\":\"Exists\",\"payload\":\"\",\"payloadFormat\":"
     "\"application/vnd.cncf.notary.payload.v1+json\"}",
     "ValidationException", SGN_EINVALID},
    {"{\"profileName\":\"Exists\",\"payload\":\"!!\",\"payloadFormat\":"
     "\"application/vnd.cncf.notary.payload.v1+json\"}",
     "ValidationException", SGN_EINVALID},
    {"{\"profileName\":\"Exists\",\"profileOwner\":\"111122223333\",\"payload\":\"eyJ9\","
     "\"payloadFormat\":\"application/vnd.cncf.notary.payload.v1+json\"}",
     "AccessDeniedException", SGN_EDENIED},
    {"{\"profileName\":\"Exists\",\"payload\":\"eyJ9\",\"payloadFormat\":"
     "\"application/vnd.cncf.notary.payload.v1+json\",\"signatureEnvelopeType\":\"text/x\"}",
     "ValidationException", SGN_EINVALID},
    {"{\"payload\":\"eyJ9\",\"payloadFormat\":\"application/vnd.cncf.notary.payload.v1+json\"}",
     "ValidationException", SGN_EINVALID},
};

START_TEST(test_sign_payload_errors)
{
    sgn_error err = SGN_ERROR_INIT;
    cJSON *in = obj(sign_errors[_i].json), *out = NULL;

    put_profile("Exists");
    ck_assert_int_eq(sgn_authority_sign_payload(auth, in, &out, &err), sign_errors[_i].code);
    ck_assert_str_eq(err.svc_code, sign_errors[_i].svc);
    ck_assert_ptr_null(out);
    cJSON_Delete(in);
}
END_TEST

START_TEST(test_payload_size_limit)
{
    sgn_error err = SGN_ERROR_INIT;
    unsigned char big[4097];
    char *b64 = NULL;
    cJSON *in, *out = NULL;

    put_profile("Sized");
    memset(big, '{', sizeof(big));
    ck_assert_sgn_ok(sgn_b64_encode(&b64, big, sizeof(big), &err), &err);
    in = cJSON_CreateObject();
    cJSON_AddStringToObject(in, "profileName", "Sized");
    cJSON_AddStringToObject(in, "payload", b64);
    cJSON_AddStringToObject(in, "payloadFormat", SGN_PAYLOAD_FORMAT_NOTARY);
    ck_assert_int_eq(sgn_authority_sign_payload(auth, in, &out, &err), SGN_EINVALID);
    ck_assert_ptr_nonnull(strstr(err.msg, "4096"));
    cJSON_Delete(in);
    free(b64);
}
END_TEST

static const char *const grs_errors[] = {
    "{}",
    "{\"signatureTimestamp\":1,\"platformId\":\"Notation-OCI-SHA384-ECDSA\",\"profileVersionArn\":"
    "\"arn:aws:signer:us-west-2:000000000000:/signing-profiles/P/abcdefghij\",\"jobArn\":"
    "\"arn:aws:signer:local:000000000000:/signing-jobs/x\",\"certificateHashes\":[\"aa\"]}",
    "{\"signatureTimestamp\":1,\"platformId\":\"Notation-OCI-SHA384-ECDSA\",\"profileVersionArn\":"
    "\"arn:aws:signer:local:000000000000:/signing-profiles/P/abcdefghij\",\"jobArn\":"
    "\"arn:aws:signer:local:000000000000:/signing-profiles/x\",\"certificateHashes\":[\"aa\"]}",
    "{\"signatureTimestamp\":1,\"platformId\":\"AWSIoTDeviceManagement-SHA256-ECDSA\","
    "\"profileVersionArn\":\"arn:aws:signer:local:000000000000:/signing-profiles/P/abcdefghij\","
    "\"jobArn\":\"arn:aws:signer:local:000000000000:/signing-jobs/x\",\"certificateHashes\":"
    "[\"aa\"]}",
    "{\"signatureTimestamp\":1,\"platformId\":\"Notation-OCI-SHA384-ECDSA\",\"profileVersionArn\":"
    "\"arn:aws:signer:local:000000000000:/signing-profiles/P/abcdefghij\",\"jobArn\":"
    "\"arn:aws:signer:local:000000000000:/signing-jobs/x\",\"certificateHashes\":[]}",
    "{\"signatureTimestamp\":\"x\",\"platformId\":\"Notation-OCI-SHA384-ECDSA\"}",
};

START_TEST(test_revocation_status_validation)
{
    sgn_error err = SGN_ERROR_INIT;
    cJSON *in = obj(grs_errors[_i]), *out = NULL;

    ck_assert_int_eq(sgn_authority_get_revocation_status(auth, in, &out, &err), SGN_EINVALID);
    ck_assert_str_eq(err.svc_code, "ValidationException");
    ck_assert_ptr_null(out);
    cJSON_Delete(in);
}
END_TEST

START_TEST(test_platforms)
{
    sgn_error err = SGN_ERROR_INIT;
    cJSON *out = NULL, *in;

    ck_assert_sgn_ok(sgn_authority_list_signing_platforms(auth, NULL, &out, &err), &err);
    ck_assert_int_eq(cJSON_GetArraySize(cJSON_GetObjectItem(out, "platforms")), 5);
    cJSON_Delete(out);
    in = obj("{\"platformId\":\"Notation-OCI-SHA384-ECDSA\"}");
    ck_assert_sgn_ok(sgn_authority_get_signing_platform(auth, in, &out, &err), &err);
    ck_assert(cJSON_IsTrue(cJSON_GetObjectItem(out, "revocationSupported")));
    cJSON_Delete(out);
    cJSON_Delete(in);
    in = obj("{\"platformId\":\"Nope\"}");
    ck_assert_int_eq(sgn_authority_get_signing_platform(auth, in, &out, &err), SGN_EINVALID);
    ck_assert_str_eq(err.svc_code, "ResourceNotFoundException");
    cJSON_Delete(in);
}
END_TEST

START_TEST(test_validity_arithmetic)
{
    /* 2027-01-31 + 1 month clamps to 2027-02-28; + 1 year of a leap day clamps too */
    ck_assert_int_eq(sgn_authority__add_validity(INT64_C(1801353600), 1, "MONTHS"),
                     INT64_C(1803772800));
    ck_assert_int_eq(sgn_authority__add_validity(INT64_C(1835395200), 1, "YEARS"),
                     INT64_C(1866931200));
    ck_assert_int_eq(sgn_authority__add_validity(T0, 10, "DAYS"), T0 + 864000);
}
END_TEST

/* 16 processes sign at once against one store: all succeed, 16 jobs are recorded. */
START_TEST(test_concurrent_signers)
{
    sgn_error err = SGN_ERROR_INIT;
    pid_t pids[16];
    cJSON *out = NULL;
    int i, status;

    put_profile("Busy");
    for (i = 0; i < 16; i++) {
        pids[i] = fork();
        ck_assert_int_ge(pids[i], 0);
        if (pids[i] == 0) {
            sgn_error e = SGN_ERROR_INIT;
            sgn_authority *a = NULL;
            sgn_authority_opts opts = {.clock = pinned};
            cJSON *in, *res = NULL;
            int ok;
            /* a fresh handle per process, as separate plugin processes have */
            if (sgn_authority_open(&a, store_dir, &opts, &e) < 0)
                _exit(3);
            in = cJSON_CreateObject();
            cJSON_AddStringToObject(in, "profileName", "Busy");
            cJSON_AddStringToObject(in, "payload", payload_b64);
            cJSON_AddStringToObject(in, "payloadFormat", SGN_PAYLOAD_FORMAT_NOTARY);
            ok = sgn_authority_sign_payload(a, in, &res, &e) == SGN_OK;
            if (!ok)
                fprintf(stderr, "child %d: %s\n", i, e.msg);
            _exit(ok ? 0 : 4);
        }
    }
    for (i = 0; i < 16; i++) {
        ck_assert_int_eq(waitpid(pids[i], &status, 0), pids[i]);
        ck_assert_msg(WIFEXITED(status) && WEXITSTATUS(status) == 0, "signer %d failed", i);
    }
    ck_assert_sgn_ok(sgn_authority_list_signing_jobs(auth, NULL, &out, &err), &err);
    ck_assert_int_eq(cJSON_GetArraySize(cJSON_GetObjectItem(out, "jobs")), 16);
    cJSON_Delete(out);
}
END_TEST

START_TEST(test_local_backend)
{
    sgn_error err = SGN_ERROR_INIT;
    sgn_backend *b = NULL;
    sgn_sign_result r;
    sgn_strlist revoked = SGN_STRLIST_INIT;
    static const unsigned char payload[] = "{\"targetArtifact\":{}}";
    sgn_sign_request req = {"Backend", "", payload, sizeof(payload) - 1,
                            SGN_PAYLOAD_FORMAT_NOTARY, NULL, NULL};
    sgn_envelope_info info;
    sgn_revocation_query q;
    sgn_strlist hashes = SGN_STRLIST_INIT;

    put_profile("Backend");
    ck_assert_sgn_ok(sgn_local_backend_new(&b, store_dir, &err), &err);
    ck_assert_sgn_ok(sgn_backend_sign_payload(b, &req, &r, &err), &err);
    ck_assert_uint_eq(r.metadata_len, 2);
    ck_assert_int_lt(strcmp(r.metadata[0].key, r.metadata[1].key), 0);
    ck_assert_sgn_ok(sgn_envelope_verify(&info, SGN_ENVELOPE_JWS, r.signature, r.signature_len, &err),
                     &err);
    ck_assert_mem_eq(info.payload, payload, sizeof(payload) - 1);
    ck_assert_sgn_ok(sgn_x509_chain_hashes(&hashes, (const unsigned char *const *)info.certs,
                                           info.cert_lens, info.n_certs, &err),
                     &err);
    q.signature_timestamp = info.signing_time;
    q.platform_id = SGN_PLATFORM_NOTATION;
    q.profile_version_arn = ext(&info, SGN_ATTR_PROFILE_VERSION);
    q.job_arn = ext(&info, SGN_ATTR_SIGNING_JOB);
    q.certificate_hashes = (const char *const *)hashes.items;
    q.n_certificate_hashes = hashes.len;
    ck_assert_sgn_ok(sgn_backend_get_revocation_status(b, &q, &revoked, &err), &err);
    ck_assert_uint_eq(revoked.len, 0);
    req.profile_name = "NoSuchProfile";
    sgn_sign_result_free(&r);
    ck_assert_int_eq(sgn_backend_sign_payload(b, &req, &r, &err), SGN_EINVALID);
    ck_assert_str_eq(err.svc_code, "ResourceNotFoundException");
    ck_assert_uint_eq(strlen(err.request_id), 36);
    sgn_strlist_free(&hashes);
    sgn_envelope_info_free(&info);
    sgn_backend_free(b);
}
END_TEST

START_TEST(test_local_backend_missing_store)
{
    sgn_error err = SGN_ERROR_INIT;
    sgn_backend *b = NULL;
    sgn_sign_result r;
    static const unsigned char payload[] = "{}";
    sgn_sign_request req = {"P1", NULL, payload, 2, SGN_PAYLOAD_FORMAT_NOTARY, NULL, NULL};
    struct stat sb;

    ck_assert_sgn_ok(sgn_local_backend_new(&b, "/tmp/sgn-no-such-store-dir", &err), &err);
    ck_assert_int_eq(sgn_backend_sign_payload(b, &req, &r, &err), SGN_ENOTFOUND);
    ck_assert_int_ne(stat("/tmp/sgn-no-such-store-dir", &sb), 0);
    sgn_backend_free(b);
}
END_TEST

START_TEST(test_default_dir)
{
    sgn_error err = SGN_ERROR_INIT;
    char *d = NULL;

    ck_assert_sgn_ok(sgn_authority_default_dir(&d, "/s", "/x", "/h", &err), &err);
    ck_assert_str_eq(d, "/s");
    free(d);
    ck_assert_sgn_ok(sgn_authority_default_dir(&d, NULL, "/x", "/h", &err), &err);
    ck_assert_str_eq(d, "/x/signer-local");
    free(d);
    ck_assert_sgn_ok(sgn_authority_default_dir(&d, "", "relative", "/h", &err), &err);
    ck_assert_str_eq(d, "/h/.local/share/signer-local");
    free(d);
    ck_assert_int_eq(sgn_authority_default_dir(&d, NULL, NULL, NULL, &err), SGN_EINVALID);
}
END_TEST

static Suite *authority_suite(void)
{
    Suite *s = suite_create("authority");
    TCase *tc = tcase_create("core");

    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_set_timeout(tc, 120);
    tcase_add_test(tc, test_store_layout_and_reopen);
    tcase_add_test(tc, test_missing_store_without_create);
    tcase_add_test(tc, test_create_with_region_and_account);
    tcase_add_test(tc, test_put_get_list_profiles);
    tcase_add_loop_test(tc, test_put_profile_errors, 0,
                        (int)(sizeof(put_errors) / sizeof(put_errors[0])));
    tcase_add_test(tc, test_sign_payload_jws);
    tcase_add_test(tc, test_sign_payload_cose);
    tcase_add_test(tc, test_revoke_signature);
    tcase_add_loop_test(tc, test_revoke_profile_effective_time, 0,
                        (int)(sizeof(profile_revocations) / sizeof(profile_revocations[0])));
    tcase_add_test(tc, test_cancel_profile);
    tcase_add_test(tc, test_revoke_certificate);
    tcase_add_test(tc, test_leaf_rotation);
    tcase_add_loop_test(tc, test_sign_payload_errors, 0,
                        (int)(sizeof(sign_errors) / sizeof(sign_errors[0])));
    tcase_add_test(tc, test_payload_size_limit);
    tcase_add_loop_test(tc, test_revocation_status_validation, 0,
                        (int)(sizeof(grs_errors) / sizeof(grs_errors[0])));
    tcase_add_test(tc, test_platforms);
    tcase_add_test(tc, test_validity_arithmetic);
    tcase_add_test(tc, test_concurrent_signers);
    tcase_add_test(tc, test_local_backend);
    tcase_add_test(tc, test_local_backend_missing_store);
    tcase_add_test(tc, test_default_dir);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    return sgn_check_run(authority_suite());
}
