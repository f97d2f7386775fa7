/* The local Signer against the rules of AWS Signer's guides that it once got wrong (issue 7):
 * revocation times, which versions revoke a profile, validity periods, overrides, tags, enums,
 * platforms without revocation, retention of canceled and revoked profiles. Each table row names
 * the rule; tests/rules/ checks the same rules through the signer-local CLI. */
#include <stdio.h>
#include <string.h>

#include "authority_fixture.h"
#include "sgn/util.h"
#include "authority/internal.h"

#define NOTATION "\"platformId\":\"Notation-OCI-SHA384-ECDSA\""
#define IOT_MATERIAL "\"signingMaterial\":{\"certificateArn\":\"arn:aws:acm:us-east-1:000000000000:certificate/abc\"}"

typedef int (*op_fn)(sgn_authority *, const cJSON *, cJSON **, sgn_error *);

/* Run fn on json; returns its code, and the output in *out when out is not NULL. */
static int call(op_fn fn, const char *json, cJSON **out, sgn_error *err)
{
    cJSON *in = obj(json), *o = NULL;
    int rc = fn(auth, in, &o, err);

    cJSON_Delete(in);
    if (out)
        *out = o;
    else
        cJSON_Delete(o);
    return rc;
}

static int revoke(const char *name, const char *version, int64_t effective, sgn_error *err)
{
    char json[256];

    snprintf(json, sizeof(json),
             "{\"profileName\":\"%s\",\"profileVersion\":\"%s\",\"reason\":\"r\","
             "\"effectiveTime\":%lld}",
             name, version, (long long)effective);
    return call(sgn_authority_revoke_signing_profile, json, NULL, err);
}

static int64_t effective_from(const char *name)
{
    sgn_error err = SGN_ERROR_INIT;
    char json[128];
    cJSON *out = NULL;
    int64_t t;

    snprintf(json, sizeof(json), "{\"profileName\":\"%s\"}", name);
    ck_assert_sgn_ok(call(sgn_authority_get_signing_profile, json, &out, &err), &err);
    t = (int64_t)cJSON_GetNumberValue(cJSON_GetObjectItem(
        cJSON_GetObjectItem(out, "revocationRecord"), "revocationEffectiveFrom"));
    cJSON_Delete(out);
    return t;
}

/* Fault 1: the effective time is in the past; a repeat moves it earlier, never later. */
START_TEST(test_revocation_effective_time_rules)
{
    sgn_error err = SGN_ERROR_INIT;
    sgn_envelope_info info;
    char v[11];
    cJSON *res;

    snprintf(v, sizeof(v), "%s", put_profile("Moving"));
    res = sign("Moving", NULL, &err); /* signed at T0 */
    ck_assert_ptr_nonnull(res);
    open_envelope(&info, res, SGN_ENVELOPE_JWS);
    pinned_now = T0 + 1000;
    ck_assert_int_eq(revoke("Moving", v, T0 + 1001, &err), SGN_EINVALID);
    ck_assert_str_eq(err.svc_code, "ValidationException");
    ck_assert_ptr_nonnull(strstr(err.msg, "in the past"));
    sgn_error_clear(&err);
    ck_assert_sgn_ok(revoke("Moving", v, T0 + 500, &err), &err);
    ck_assert_int_eq(effective_from("Moving"), T0 + 500);
    ck_assert_int_eq(revocation_count(&info, T0, NULL), 0); /* signed before T0+500 */
    ck_assert_int_eq(revoke("Moving", v, T0 + 600, &err), SGN_EINVALID);
    ck_assert_ptr_nonnull(strstr(err.msg, "never later"));
    sgn_error_clear(&err);
    ck_assert_sgn_ok(revoke("Moving", v, T0 + 500, &err), &err); /* same time: no change */
    ck_assert_sgn_ok(revoke("Moving", v, T0 - 10, &err), &err);  /* earlier: moves */
    ck_assert_int_eq(effective_from("Moving"), T0 - 10);
    ck_assert_int_eq(revocation_count(&info, T0, NULL), 1);
    cJSON_Delete(res);
    sgn_envelope_info_free(&info);
}
END_TEST

/* Fault 2: revoking a version that is not the current one revokes the profile too. */
START_TEST(test_revoking_old_version_revokes_profile)
{
    sgn_error err = SGN_ERROR_INIT;
    char old[11], json[128];
    cJSON *out = NULL;

    snprintf(old, sizeof(old), "%s", put_profile("TwoVersions"));
    put_profile("TwoVersions");
    pinned_now = T0 + 60;
    ck_assert_sgn_ok(revoke("TwoVersions", old, T0, &err), &err);
    ck_assert_ptr_null(sign("TwoVersions", NULL, &err));
    ck_assert_str_eq(err.svc_code, "ValidationException");
    sgn_error_clear(&err);
    snprintf(json, sizeof(json), "{\"profileName\":\"TwoVersions\"}");
    ck_assert_sgn_ok(call(sgn_authority_get_signing_profile, json, &out, &err), &err);
    ck_assert_str_eq(str(out, "status"), "Revoked");
    cJSON_Delete(out);
    ck_assert_int_eq(call(sgn_authority_put_signing_profile,
                          "{\"profileName\":\"TwoVersions\"," NOTATION "}", NULL, &err),
                     SGN_EINVALID);
}
END_TEST

/* Faults 3, 4, 5, 6, 8: what PutSigningProfile accepts. ok = 1 when it must succeed. */
static const struct {
    const char *rule;
    const char *json;
    int ok;
} put_rules[] = {
    {"135 months is the maximum", "{\"profileName\":\"prof\"," NOTATION
     ",\"signatureValidityPeriod\":{\"value\":135,\"type\":\"MONTHS\"}}", 1},
    {"136 months is too long", "{\"profileName\":\"prof\"," NOTATION
     ",\"signatureValidityPeriod\":{\"value\":136,\"type\":\"MONTHS\"}}", 0},
    {"11 years fits in 135 months", "{\"profileName\":\"prof\"," NOTATION
     ",\"signatureValidityPeriod\":{\"value\":11,\"type\":\"YEARS\"}}", 1},
    {"12 years is too long", "{\"profileName\":\"prof\"," NOTATION
     ",\"signatureValidityPeriod\":{\"value\":12,\"type\":\"YEARS\"}}", 0},
    {"4106 days fit in any 135 months", "{\"profileName\":\"prof\"," NOTATION
     ",\"signatureValidityPeriod\":{\"value\":4106,\"type\":\"DAYS\"}}", 1},
    {"4107 days may not", "{\"profileName\":\"prof\"," NOTATION
     ",\"signatureValidityPeriod\":{\"value\":4107,\"type\":\"DAYS\"}}", 0},
    {"4110 days exceed 135 months", "{\"profileName\":\"prof\"," NOTATION
     ",\"signatureValidityPeriod\":{\"value\":4110,\"type\":\"DAYS\"}}", 0},
    {"zero days", "{\"profileName\":\"prof\"," NOTATION
     ",\"signatureValidityPeriod\":{\"value\":0,\"type\":\"DAYS\"}}", 0},
    {"validity type is an enum", "{\"profileName\":\"prof\"," NOTATION
     ",\"signatureValidityPeriod\":{\"value\":2,\"type\":\"WEEKS\"}}", 0},
    {"Lambda takes a validity period", "{\"profileName\":\"prof\","
     "\"platformId\":\"AWSLambda-SHA384-ECDSA\",\"signatureValidityPeriod\":{\"value\":3,"
     "\"type\":\"YEARS\"}}", 1},
    {"IoT takes no validity period", "{\"profileName\":\"prof\","
     "\"platformId\":\"AmazonFreeRTOS-Default\"," IOT_MATERIAL ",\"signatureValidityPeriod\":"
     "{\"value\":3,\"type\":\"YEARS\"}}", 0},
    {"IoT without one is fine", "{\"profileName\":\"prof\","
     "\"platformId\":\"AWSIoTDeviceManagement-SHA256-ECDSA\"," IOT_MATERIAL "}", 1},
    {"IoT needs an ACM certificate", "{\"profileName\":\"prof\","
     "\"platformId\":\"AWSIoTDeviceManagement-SHA256-ECDSA\",\"signingMaterial\":"
     "{\"certificateArn\":\"not-an-arn\"}}", 0},
    {"Notation takes no signing material", "{\"profileName\":\"prof\"," NOTATION "," IOT_MATERIAL "}",
     0},
    {"Notation's own algorithms", "{\"profileName\":\"prof\"," NOTATION ",\"overrides\":"
     "{\"signingConfiguration\":{\"encryptionAlgorithm\":\"ECDSA\",\"hashAlgorithm\":\"SHA384\"}}}",
     1},
    {"RSA is not Notation's", "{\"profileName\":\"prof\"," NOTATION ",\"overrides\":"
     "{\"signingConfiguration\":{\"encryptionAlgorithm\":\"RSA\"}}}", 0},
    {"SHA1 is not Notation's", "{\"profileName\":\"prof\"," NOTATION ",\"overrides\":"
     "{\"signingConfiguration\":{\"hashAlgorithm\":\"SHA1\"}}}", 0},
    {"hash algorithm is an enum", "{\"profileName\":\"prof\"," NOTATION ",\"overrides\":"
     "{\"signingConfiguration\":{\"hashAlgorithm\":\"MD5\"}}}", 0},
    {"image format must be the platform's", "{\"profileName\":\"prof\"," NOTATION ",\"overrides\":"
     "{\"signingImageFormat\":\"JSONDetached\"}}", 0},
    {"RSA is allowed on FreeRTOS Default", "{\"profileName\":\"prof\","
     "\"platformId\":\"AmazonFreeRTOS-Default\"," IOT_MATERIAL ",\"overrides\":"
     "{\"signingConfiguration\":{\"encryptionAlgorithm\":\"RSA\"}}}", 1},
    {"tag keys follow the model's pattern", "{\"profileName\":\"prof\"," NOTATION
     ",\"tags\":{\"bad key\":\"v\"}}", 0},
    {"tag keys may not start with aws:", "{\"profileName\":\"prof\"," NOTATION
     ",\"tags\":{\"aws:k\":\"v\"}}", 0},
};

START_TEST(test_put_rules)
{
    sgn_error err = SGN_ERROR_INIT;
    int rc = call(sgn_authority_put_signing_profile, put_rules[_i].json, NULL, &err);

    if (put_rules[_i].ok) {
        ck_assert_msg(rc == SGN_OK, "%s: %s", put_rules[_i].rule, err.msg);
    } else {
        ck_assert_msg(rc == SGN_EINVALID, "%s: accepted", put_rules[_i].rule);
        ck_assert_str_eq(err.svc_code, "ValidationException");
        ck_assert_msg(strstr(err.msg, "profileName") == NULL, "%s: refused for its name: %s",
                      put_rules[_i].rule, err.msg);
    }
}
END_TEST

/* Fault 4: an IoT profile shows no validity period; Lambda and Notation show the default. */
START_TEST(test_validity_shown_only_where_it_applies)
{
    sgn_error err = SGN_ERROR_INIT;
    cJSON *out = NULL;

    ck_assert_sgn_ok(call(sgn_authority_put_signing_profile,
                          "{\"profileName\":\"iot\",\"platformId\":\"AmazonFreeRTOS-Default\","
                          IOT_MATERIAL "}", NULL, &err), &err);
    ck_assert_sgn_ok(call(sgn_authority_get_signing_profile, "{\"profileName\":\"iot\"}", &out,
                          &err), &err);
    ck_assert_ptr_null(cJSON_GetObjectItem(out, "signatureValidityPeriod"));
    cJSON_Delete(out);
    put_profile("nota");
    ck_assert_sgn_ok(call(sgn_authority_get_signing_profile, "{\"profileName\":\"nota\"}", &out,
                          &err), &err);
    ck_assert_int_eq(cJSON_GetNumberValue(cJSON_GetObjectItem(
                         cJSON_GetObjectItem(out, "signatureValidityPeriod"), "value")), 135);
    cJSON_Delete(out);
}
END_TEST

static char *tags_json(int n, const char *prefix)
{
    sgn_buf b = SGN_BUF_INIT;
    int i;

    sgn_buf_puts(&b, "{\"profileName\":\"tagged\"," NOTATION ",\"tags\":{", NULL);
    for (i = 0; i < n; i++)
        sgn_buf_printf(&b, NULL, "%s\"%s%d\":\"v\"", i ? "," : "", prefix, i);
    sgn_buf_puts(&b, "}}", NULL);
    return sgn_buf_detach(&b, NULL);
}

/* Fault 6: at most 50 tags, and they belong to the profile across versions. */
START_TEST(test_tags_limit_and_versions)
{
    sgn_error err = SGN_ERROR_INIT;
    char *j51 = tags_json(51, "k"), *j50 = tags_json(50, "k"), *j1 = tags_json(1, "new");
    cJSON *out = NULL;

    ck_assert_int_eq(call(sgn_authority_put_signing_profile, j51, NULL, &err), SGN_EINVALID);
    sgn_error_clear(&err);
    ck_assert_sgn_ok(call(sgn_authority_put_signing_profile, j50, NULL, &err), &err);
    /* a new version without tags keeps them */
    ck_assert_sgn_ok(call(sgn_authority_put_signing_profile,
                          "{\"profileName\":\"tagged\"," NOTATION "}", NULL, &err), &err);
    ck_assert_sgn_ok(call(sgn_authority_get_signing_profile, "{\"profileName\":\"tagged\"}",
                          &out, &err), &err);
    ck_assert_int_eq(cJSON_GetArraySize(cJSON_GetObjectItem(out, "tags")), 50);
    cJSON_Delete(out);
    /* one more key would make 51 */
    ck_assert_int_eq(call(sgn_authority_put_signing_profile, j1, NULL, &err), SGN_EINVALID);
    ck_assert_ptr_nonnull(strstr(err.msg, "50"));
    free(j51);
    free(j50);
    free(j1);
}
END_TEST

/* Fault 8: every enum is checked. */
static const struct {
    op_fn op;
    const char *json;
} enum_rules[] = {
    {sgn_authority_list_signing_profiles, "{\"statuses\":[\"Bogus\"]}"},
    {sgn_authority_list_signing_profiles, "{\"statuses\":[\"Active\",\"active\"]}"},
    {sgn_authority_list_signing_jobs, "{\"status\":\"Bogus\"}"},
    {sgn_authority_list_signing_platforms, "{\"category\":\"Bogus\"}"},
};

START_TEST(test_enums_checked)
{
    sgn_error err = SGN_ERROR_INIT;

    ck_assert_int_eq(call(enum_rules[_i].op, enum_rules[_i].json, NULL, &err), SGN_EINVALID);
    ck_assert_str_eq(err.svc_code, "ValidationException");
    ck_assert_ptr_nonnull(strstr(err.msg, "enum value set"));
}
END_TEST

/* Fault 9: a platform without revocation support cannot be revoked. */
START_TEST(test_no_revocation_on_iot)
{
    sgn_error err = SGN_ERROR_INIT;
    cJSON *out = NULL;
    char v[11];

    ck_assert_sgn_ok(call(sgn_authority_put_signing_profile,
                          "{\"profileName\":\"fw\",\"platformId\":\"AmazonFreeRTOS-TI-CC3220SF\","
                          IOT_MATERIAL "}", &out, &err), &err);
    snprintf(v, sizeof(v), "%s", str(out, "profileVersion"));
    cJSON_Delete(out);
    pinned_now = T0 + 10;
    ck_assert_int_eq(revoke("fw", v, T0, &err), SGN_EINVALID);
    ck_assert_ptr_nonnull(strstr(err.msg, "does not support revocation"));
}
END_TEST

static int visible(const char *name)
{
    sgn_error err = SGN_ERROR_INIT;
    sgn_authority *again = NULL;
    sgn_authority_opts opts = {.clock = pinned};
    char json[128];
    cJSON *out = NULL;
    int rc;

    /* The purge runs when a store is opened. */
    ck_assert_sgn_ok(sgn_authority_open(&again, store_dir, &opts, &err), &err);
    snprintf(json, sizeof(json), "{\"profileName\":\"%s\"}", name);
    {
        cJSON *in = obj(json);
        rc = sgn_authority_get_signing_profile(again, in, &out, &err);
        cJSON_Delete(in);
    }
    cJSON_Delete(out);
    sgn_authority_close(again);
    if (rc != SGN_OK)
        ck_assert_str_eq(err.svc_code, "ResourceNotFoundException");
    return rc == SGN_OK;
}

/* Fault 7: canceled and revoked profiles stay until their signatures expired plus six months. */
START_TEST(test_retention)
{
    sgn_error err = SGN_ERROR_INIT;
    int64_t expiry, until, revoked_until;
    cJSON *res, *out = NULL;
    char v[11];

    /* one day of validity: signatures made at T0 expire at T0 + 1 day */
    ck_assert_sgn_ok(call(sgn_authority_put_signing_profile,
                          "{\"profileName\":\"short\"," NOTATION ",\"signatureValidityPeriod\":"
                          "{\"value\":1,\"type\":\"DAYS\"}}", NULL, &err), &err);
    res = sign("short", NULL, &err);
    ck_assert_ptr_nonnull(res);
    cJSON_Delete(res);
    expiry = T0 + 86400;
    until = sgn_authority__add_validity(expiry, 6, "MONTHS");
    pinned_now = T0 + 3600;
    ck_assert_sgn_ok(call(sgn_authority_cancel_signing_profile, "{\"profileName\":\"short\"}",
                          NULL, &err), &err);
    /* an Active profile with no signatures is never removed */
    put_profile("forever");
    /* a revoked profile with no signatures: six months after its revocation */
    snprintf(v, sizeof(v), "%s", put_profile("revoked"));
    ck_assert_sgn_ok(revoke("revoked", v, T0, &err), &err);
    revoked_until = sgn_authority__add_validity(T0 + 3600, 6, "MONTHS");
    pinned_now = revoked_until - 1;
    ck_assert(visible("short"));
    ck_assert(visible("revoked"));
    pinned_now = revoked_until;
    ck_assert(!visible("revoked"));
    ck_assert(visible("short")); /* its last signature expired a day after T0 */
    pinned_now = until - 1;
    ck_assert(visible("short"));
    pinned_now = until;
    ck_assert(!visible("short"));
    pinned_now = T0 + (int64_t)20 * 365 * 86400;
    ck_assert(visible("forever"));
    /* its jobs went with it */
    sgn_authority_close(auth);
    {
        sgn_authority_opts opts = {.clock = pinned};
        ck_assert_sgn_ok(sgn_authority_open(&auth, store_dir, &opts, &err), &err);
    }
    ck_assert_sgn_ok(call(sgn_authority_list_signing_jobs, "{}", &out, &err), &err);
    ck_assert_int_eq(cJSON_GetArraySize(cJSON_GetObjectItem(out, "jobs")), 0);
    cJSON_Delete(out);
}
END_TEST

static Suite *rules_suite(void)
{
    Suite *s = suite_create("authority_rules");
    TCase *tc = tcase_create("rules");

    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, test_revocation_effective_time_rules);
    tcase_add_test(tc, test_revoking_old_version_revokes_profile);
    tcase_add_loop_test(tc, test_put_rules, 0, sizeof(put_rules) / sizeof(put_rules[0]));
    tcase_add_test(tc, test_validity_shown_only_where_it_applies);
    tcase_add_test(tc, test_tags_limit_and_versions);
    tcase_add_loop_test(tc, test_enums_checked, 0, sizeof(enum_rules) / sizeof(enum_rules[0]));
    tcase_add_test(tc, test_no_revocation_on_iot);
    tcase_add_test(tc, test_retention);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    return sgn_check_run(rules_suite());
}
