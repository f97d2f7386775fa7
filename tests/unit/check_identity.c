/* Trusted-identity matching, revocation reasons and Go quoting (trustpolicy/), against the Go
 * plugin's TestVerify_ValidTrustedIdentity, TestVerify_InvalidTrustedIdentity and
 * TestVerify_RevokedResources (research/aws-signer-plugin.md §7). */
#include <string.h>

#include "sgn/identity.h"
#include "sgn_check.h"

#define PROFILE "arn:aws:signer:us-west-2:000000000000:/signing-profiles/NotaryPluginIntegProfile"
#define VERSION PROFILE "/OF8IVUsPJq"
#define JOB "arn:aws:signer:us-west-2:000000000000:/signing-jobs/97af3947-e7b2-4533-8d9d-6741156f0b79"
#define HASH1                                                                                  \
    "13a01b7e1de3aee0367615c59f6d001238913e594626d0e3c8784489b15a18fada1c31f39d3ba9318cb673ffd" \
    "8cd679b"
#define HASH2                                                                                  \
    "ff41924f0940448d7e46b8c327e129813b1442fb17c9b2a86d49edcb00b707c9662f561c8a3e11a592b25061d" \
    "488f2a3"
#define CERT_PEM "-----BEGIN CERTIFICATE-----\nMIIDQDCCAiigAwIBAgIRAMH0R+Owv6zXRzRJgjkWUPEw\n"

#define FAIL SGN_REASON_TI_FAILURE
#define MADE_BY " The signature was made by signing profile version \"" VERSION "\"."
#define JOB_MISS(id)                                                                           \
    " Trusted identity \"" id "\" is a signing job ARN; trusted identities must be signing "   \
    "profile (or signing profile version) ARNs, not signing job ARNs."
#define SINGULAR_MISS(id)                                                                      \
    " Trusted identity \"" id "\" uses \"/signing-profile/\"; AWS Signer signing profile ARNs " \
    "use \"/signing-profiles/\"."

#define MAX_IDS 4

typedef struct ti_case {
    const char *name;
    const char *sig;          /* NULL = VERSION */
    const char *ids[MAX_IDS]; /* NULL-terminated */
    int success;
    long matched;
    const char *reason;
} ti_case;

static const ti_case ti_cases[] = {
    /* TestVerify_ValidTrustedIdentity */
    {"signingProfileArn", NULL, {PROFILE}, 1, 0,
     "Signature publisher matched \"" PROFILE "\" trusted identity."},
    {"signingProfileVersionArn", NULL, {VERSION}, 1, 0,
     "Signature publisher matched \"" VERSION "\" trusted identity."},
    {"signingProfileAndVersionArn", NULL, {PROFILE, VERSION}, 1, 0,
     "Signature publisher matched \"" PROFILE "\" trusted identity."},
    {"signingProfileVersionAndProfileArn", NULL, {VERSION, PROFILE}, 1, 0,
     "Signature publisher matched \"" VERSION "\" trusted identity."},
    {"signingProfileArnWithGarbage", NULL, {"shop", PROFILE, "zop"}, 1, 1,
     "Signature publisher matched \"" PROFILE "\" trusted identity."},
    /* the plugin's default request: a profile ARN next to an x509.subject entry */
    {"profileThenX509Subject", NULL,
     {PROFILE, "x509.subject: C=US, ST=WA, L=Seattle, O=acme-rockets.io, OU=Finance, CN=SecureBuilder"},
     1, 0, "Signature publisher matched \"" PROFILE "\" trusted identity."},
    /* case-insensitive over the whole string; the reason quotes the entry as configured */
    {"profileUpperCase", NULL,
     {"ARN:AWS:SIGNER:US-WEST-2:000000000000:/SIGNING-PROFILES/NOTARYPLUGININTEGPROFILE"}, 0, -1,
     FAIL},
    {"profileMixedCaseAfterPrefix", NULL,
     {"arn:AWS:Signer:US-West-2:000000000000:/signing-profiles/notarypluginintegprofile"}, 0, -1,
     FAIL MADE_BY},
    {"profileCaseFolded", NULL,
     {"arn:AWS:signer:US-WEST-2:000000000000:/signing-profiles/notarypluginintegprofile"}, 1, 0,
     "Signature publisher matched "
     "\"arn:AWS:signer:US-WEST-2:000000000000:/signing-profiles/notarypluginintegprofile\" "
     "trusted identity."},
    {"versionCaseFolded", NULL,
     {"arn:aws:signer:us-west-2:000000000000:/signing-profiles/NOTARYPLUGININTEGPROFILE/of8ivuspjq"},
     1, 0,
     "Signature publisher matched "
     "\"arn:aws:signer:us-west-2:000000000000:/signing-profiles/NOTARYPLUGININTEGPROFILE/"
     "of8ivuspjq\" trusted identity."},
    {"signatureIdentityUpperCase",
     "ARN:AWS:SIGNER:US-WEST-2:000000000000:/SIGNING-PROFILES/NOTARYPLUGININTEGPROFILE/X", {PROFILE},
     1, 0, "Signature publisher matched \"" PROFILE "\" trusted identity."},
    /* first match wins, whatever comes later */
    {"firstOfTwoProfiles", NULL,
     {"arn:aws:signer:us-west-2:000000000000:/signing-profiles/Other", VERSION, PROFILE}, 1, 1,
     "Signature publisher matched \"" VERSION "\" trusted identity."},
    /* Unicode simple folding: U+212A KELVIN SIGN folds to k, U+017F LONG S to s */
    {"kelvinAndLongS", "arn:aws:signer:us-west-2:000000000000:/signing-profiles/Kiosk/v1",
     {"arn:aws:signer:us-west-2:000000000000:/signing-profiles/\xE2\x84\xAAio\xC5\xBF" "k"}, 1, 0,
     "Signature publisher matched "
     "\"arn:aws:signer:us-west-2:000000000000:/signing-profiles/\xE2\x84\xAAio\xC5\xBF" "k\" "
     "trusted identity."},

    /* TestVerify_InvalidTrustedIdentity: Go's reason, plus our near-miss sentence where one
     * applies */
    {"empty", NULL, {NULL}, 0, -1, FAIL},
    {"nonArn", NULL, {"Cheers!\xF0\x9F\x8D\xBA"}, 0, -1, FAIL},
    {"nonAWSSignerArn", NULL, {"arn:aws:dynamodb:us-east-2:123456789012:table/myDynamoDBTable"}, 0,
     -1, FAIL},
    {"SigningJobArn", NULL, {JOB}, 0, -1, FAIL JOB_MISS(JOB)},
    {"invalidSignerArn1", NULL,
     {"arn:aws:signer:us-west-2:000000000000:/beer/NotaryPluginIntegProfile"}, 0, -1, FAIL},
    {"invalidSigningProfileArn", NULL,
     {"arn:us-west-2:000000000000:/signing-profile/NotaryPluginIntegProfile/1234/asda"}, 0, -1,
     FAIL SINGULAR_MISS("arn:us-west-2:000000000000:/signing-profile/NotaryPluginIntegProfile/1234/asda")},
    {"invalidSigningProfileArn2", NULL, {VERSION "/asda"}, 0, -1, FAIL MADE_BY},
    {"x509SubjectOnly", NULL, {"x509.subject: C=US, ST=WA, O=acme"}, 0, -1, FAIL},

    /* near misses and shapes around the rules */
    {"profileTrailingSlash", NULL, {PROFILE "/"}, 0, -1, FAIL MADE_BY},
    {"versionTrailingSlash", NULL, {VERSION "/"}, 0, -1, FAIL MADE_BY},
    {"singularValidArn", NULL,
     {"arn:aws:signer:us-west-2:000000000000:/signing-profile/NotaryPluginIntegProfile"}, 0, -1,
     FAIL SINGULAR_MISS("arn:aws:signer:us-west-2:000000000000:/signing-profile/NotaryPluginIntegProfile")},
    {"otherProfile", NULL, {"arn:aws:signer:us-west-2:000000000000:/signing-profiles/Other"}, 0, -1,
     FAIL MADE_BY},
    {"otherAccount", NULL,
     {"arn:aws:signer:us-west-2:111122223333:/signing-profiles/NotaryPluginIntegProfile"}, 0, -1,
     FAIL MADE_BY},
    {"otherRegion", NULL,
     {"arn:aws:signer:us-east-1:000000000000:/signing-profiles/NotaryPluginIntegProfile"}, 0, -1,
     FAIL MADE_BY},
    {"otherPartition", NULL,
     {"arn:aws-us-gov:signer:us-west-2:000000000000:/signing-profiles/NotaryPluginIntegProfile"}, 0,
     -1, FAIL MADE_BY},
    {"otherVersion", NULL, {PROFILE "/Zz9"}, 0, -1, FAIL MADE_BY},
    {"wrongService", NULL,
     {"arn:aws:singer:us-west-2:000000000000:/signing-profiles/NotaryPluginIntegProfile"}, 0, -1,
     FAIL MADE_BY},
    {"profilePrefixOfName", NULL, {"arn:aws:signer:us-west-2:000000000000:/signing-profiles/Notary"},
     0, -1, FAIL MADE_BY},
    {"firstNearMissWins", NULL, {"x509.subject: CN=a", JOB, PROFILE "/"}, 0, -1, FAIL JOB_MISS(JOB)},
    {"nulInsideEntry", NULL, {NULL}, 0, -1, FAIL MADE_BY}, /* built specially below */
    {"signatureWithoutSlash", "not-an-arn", {PROFILE}, 0, -1,
     FAIL " The signature was made by signing profile version \"not-an-arn\"."},
};

START_TEST(test_trusted_identity_matrix)
{
    const ti_case *c = &ti_cases[_i];
    sgn_span ids[MAX_IDS];
    size_t n = 0;
    sgn_identity_result r;
    sgn_error err = SGN_ERROR_INIT;

    while (n < MAX_IDS && c->ids[n] != NULL) {
        ids[n] = sgn_span_cstr(c->ids[n]);
        n++;
    }
    if (strcmp(c->name, "nulInsideEntry") == 0) {
        /* PROFILE followed by "\0x": Go compares the whole string, so it must not match */
        static const char with_nul[] = PROFILE "\0x";
        ids[0] = (sgn_span){with_nul, sizeof(with_nul) - 1};
        n = 1;
    }
    ck_assert_sgn_ok(sgn_identity_check(&r, sgn_span_cstr(c->sig ? c->sig : VERSION), ids, n, &err),
                     &err);
    ck_assert_msg(r.success == c->success, "%s: success %d", c->name, r.success);
    ck_assert_msg(r.matched == c->matched, "%s: matched %ld", c->name, r.matched);
    ck_assert_msg(strcmp(r.reason, c->reason) == 0, "%s: reason\n  got  %s\n  want %s", c->name,
                  r.reason, c->reason);
    sgn_identity_result_free(&r);
}
END_TEST

typedef struct rev_case {
    const char *name;
    const char *entities[3];
    int revoked;
    const char *reason;
} rev_case;

/* TestVerify_RevokedResources, plus the not-revoked case */
static const rev_case rev_cases[] = {
    {"notRevoked", {NULL}, 0, "Signature is not revoked."},
    {"revokedSigningJob", {JOB}, 1, "Resource(s) " JOB " have been revoked."},
    {"revokedSigningProfile", {VERSION}, 1, "Resource(s) " VERSION " have been revoked."},
    {"revokedCertificate", {HASH1}, 1, "Certificate(s) have been revoked."},
    {"revokedCertificates", {HASH1, HASH2}, 1, "Certificate(s) have been revoked."},
    {"revokedSigningJobAndProfile", {JOB, PROFILE}, 1,
     "Resource(s) " JOB ", " PROFILE " have been revoked."},
    {"revokedSigningJobAndCert", {JOB, CERT_PEM}, 1,
     "Resource(s) " JOB " have been revoked.Certificate(s) have been revoked."},
    {"certThenTwoResources", {HASH1 HASH2, JOB, VERSION}, 1,
     "Resource(s) " JOB ", " VERSION " have been revoked.Certificate(s) have been revoked."},
};

START_TEST(test_revocation_reason)
{
    const rev_case *c = &rev_cases[_i];
    size_t n = 0;
    char *reason = NULL;
    int revoked = -1;
    sgn_error err = SGN_ERROR_INIT;

    while (n < 3 && c->entities[n] != NULL)
        n++;
    ck_assert_sgn_ok(sgn_identity_revocation_reason(&reason, &revoked, c->entities, n, &err), &err);
    ck_assert_int_eq(revoked, c->revoked);
    ck_assert_msg(strcmp(reason, c->reason) == 0, "%s: got %s", c->name, reason);
    free(reason);
}
END_TEST

typedef struct quote_case {
    const char *in;
    size_t len; /* 0 = strlen(in) */
    const char *want;
} quote_case;

/* Expected values are what Go's strconv.Quote prints. */
static const quote_case quote_cases[] = {
    {"2.0", 0, "\"2.0\""},
    {"", 0, "\"\""},
    {"a\"b\\c", 0, "\"a\\\"b\\\\c\""},
    {"\a\b\f\n\r\t\v", 0, "\"\\a\\b\\f\\n\\r\\t\\v\""},
    {"\x01\x1f\x7f", 0, "\"\\x01\\x1f\\x7f\""},
    {"nul\0x", 5, "\"nul\\x00x\""},
    {"caf\xC3\xA9 \xF0\x9F\x8D\xBA", 0, "\"caf\xC3\xA9 \xF0\x9F\x8D\xBA\""},
    {"\xFF\xC3", 0, "\"\\xff\\xc3\""},
    {"\xED\xA0\x80", 0, "\"\\xed\\xa0\\x80\""}, /* an encoded surrogate is invalid UTF-8 */
    {"\xC2\x85|\xC2\xA0|\xC2\xAD", 0, "\"\\u0085|\\u00a0|\\u00ad\""},
    {"\xE2\x80\x8B\xE2\x80\xA8\xEF\xBB\xBF", 0, "\"\\u200b\\u2028\\ufeff\""},
    {"\xEE\x80\x80\xF3\xA0\x80\x81", 0, "\"\\ue000\\U000e0001\""},
    {"\xEF\xBF\xBD", 0, "\"\xEF\xBF\xBD\""}, /* a real U+FFFD is printable */
};

START_TEST(test_go_quote)
{
    const quote_case *c = &quote_cases[_i];
    sgn_buf b = SGN_BUF_INIT;
    sgn_error err = SGN_ERROR_INIT;
    sgn_span in = {c->in, c->len ? c->len : strlen(c->in)};

    ck_assert_sgn_ok(sgn_identity_quote(&b, in, &err), &err);
    ck_assert_str_eq(sgn_buf_cstr(&b), c->want);
    sgn_buf_free(&b);
}
END_TEST

typedef struct fold_case {
    const char *a, *b;
    int equal;
} fold_case;

static const fold_case fold_cases[] = {
    {"", "", 1},
    {"abc", "ABC", 1},
    {"abc", "abcd", 0},
    {"k", "\xE2\x84\xAA", 1},
    {"S", "\xC5\xBF", 1},
    {"\xC3\xA9", "\xC3\x89", 1},
    {"\xCF\x82", "\xCE\xA3", 1}, /* final sigma and capital sigma */
    {"\xD0\xB6", "\xD0\x96", 1},
    {"\xC4\xB0", "i", 0},         /* U+0130 is not in i's folding orbit */
    {"\xFF", "\xFE", 1},          /* both decode to U+FFFD, as in Go */
    {"a", "\xC3\xA0", 0},
    {"[", "{", 0},
};

START_TEST(test_equal_fold)
{
    const fold_case *c = &fold_cases[_i];

    ck_assert_int_eq(sgn_identity_equal_fold(sgn_span_cstr(c->a), sgn_span_cstr(c->b)), c->equal);
    ck_assert_int_eq(sgn_identity_equal_fold(sgn_span_cstr(c->b), sgn_span_cstr(c->a)), c->equal);
}
END_TEST

START_TEST(test_capabilities_and_wildcard)
{
    sgn_span ids[3] = {sgn_span_cstr(PROFILE), sgn_span_cstr("**"), sgn_span_cstr(" *")};
    static const char cap_nul[] = SGN_CAP_TRUSTED_IDENTITY "\0";

    ck_assert_int_eq(sgn_identity_capability_supported(sgn_span_cstr(SGN_CAP_TRUSTED_IDENTITY)), 1);
    ck_assert_int_eq(sgn_identity_capability_supported(sgn_span_cstr(SGN_CAP_REVOCATION_CHECK)), 1);
    ck_assert_int_eq(sgn_identity_capability_supported(sgn_span_cstr(SGN_CAP_ENVELOPE_GENERATOR)), 0);
    ck_assert_int_eq(
        sgn_identity_capability_supported(sgn_span_cstr("signature_verifier.trusted_identity")), 0);
    ck_assert_int_eq(sgn_identity_capability_supported((sgn_span){cap_nul, sizeof(cap_nul) - 1}),
                     0);
    ck_assert_int_eq(sgn_identity_has_wildcard(ids, 3), 0);
    ids[1] = sgn_span_cstr("*");
    ck_assert_int_eq(sgn_identity_has_wildcard(ids, 3), 1);
    ck_assert_int_eq(sgn_identity_has_wildcard(ids, 0), 0);
}
END_TEST

#define N(a) ((int)(sizeof(a) / sizeof((a)[0])))

static Suite *identity_suite(void)
{
    Suite *s = suite_create("identity");
    TCase *tc = tcase_create("core");

    tcase_add_loop_test(tc, test_trusted_identity_matrix, 0, N(ti_cases));
    tcase_add_loop_test(tc, test_revocation_reason, 0, N(rev_cases));
    tcase_add_loop_test(tc, test_go_quote, 0, N(quote_cases));
    tcase_add_loop_test(tc, test_equal_fold, 0, N(fold_cases));
    tcase_add_test(tc, test_capabilities_and_wildcard);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    return sgn_check_run(identity_suite());
}
