/* sgn/redact.h: the secrets registry and the log-line escaper. */
#include <string.h>

#include "sgn/redact.h"
#include "sgn_check.h"

#define SECRET "IQoJb3JpZ2luX2VjEXAMPLE/session+token=0123456789abcdef"

/* sgn_redact of text with the registry, as a C string (static storage, one call at a time). */
static const char *redact(const sgn_secrets *reg, const char *text)
{
    static char out[1024];
    sgn_buf b = SGN_BUF_INIT;
    sgn_error err = SGN_ERROR_INIT;

    ck_assert_sgn_ok(sgn_redact(&b, reg, text, strlen(text), &err), &err);
    ck_assert_uint_lt(b.len, sizeof(out));
    memcpy(out, sgn_buf_cstr(&b), b.len + 1);
    sgn_buf_free(&b);
    return out;
}

static const struct {
    const char *text, *want;
} redact_cases[] = {
    {"x-amz-security-token:" SECRET "\n", "x-amz-security-token:<redacted>\n"},
    {SECRET SECRET, "<redacted>"},
    {"a " SECRET " b " SECRET, "a <redacted> b <redacted>"},
    /* cut short (a truncated message): the first 16 characters are enough */
    {"... token:IQoJb3JpZ2luX2Vj", "... token:<redacted>"},
    /* a fragment from the middle */
    {"[EXAMPLE/session+token=01]", "[<redacted>]"},
    /* 15 characters are not matched (documented limit) */
    {"[IQoJb3JpZ2luX2V]", "[IQoJb3JpZ2luX2V]"},
    /* URL-encoded (a form body, a query) and JSON "\/" */
    {"T=IQoJb3JpZ2luX2VjEXAMPLE%2Fsession%2Btoken%3D0123456789abcdef&x=1", "T=<redacted>&x=1"},
    {"{\"t\":\"IQoJb3JpZ2luX2VjEXAMPLE\\/session+token=0123456789abcdef\"}",
     "{\"t\":\"<redacted>\"}"},
    /* a short secret (6 to 15 bytes) only whole */
    {"pw=hunter2-x; hunter2", "pw=<redacted>; hunter2"},
    {"nothing here", "nothing here"},
    {"", ""},
};

START_TEST(test_redact)
{
    sgn_secrets reg = SGN_SECRETS_INIT;
    sgn_error err = SGN_ERROR_INIT;

    ck_assert_sgn_ok(sgn_secrets_add_str(&reg, SECRET, &err), &err);
    ck_assert_sgn_ok(sgn_secrets_add_str(&reg, "hunter2-x", &err), &err);
    ck_assert_sgn_ok(sgn_secrets_add_str(&reg, "abc", &err), &err);   /* too short: ignored */
    ck_assert_sgn_ok(sgn_secrets_add_str(&reg, NULL, &err), &err);
    ck_assert_str_eq(redact(&reg, redact_cases[_i].text), redact_cases[_i].want);
    sgn_secrets_free(&reg);
    ck_assert_uint_eq(reg.n, 0);
}
END_TEST

START_TEST(test_redact_without_registry_copies)
{
    sgn_secrets empty = SGN_SECRETS_INIT;

    ck_assert_str_eq(redact(NULL, "token " SECRET), "token " SECRET);
    ck_assert_str_eq(redact(&empty, "token " SECRET), "token " SECRET);
    ck_assert_int_eq(sgn_secrets_add_str(NULL, SECRET, NULL), SGN_OK);
}
END_TEST

START_TEST(test_redact_same_secret_twice_is_one_entry)
{
    sgn_secrets reg = SGN_SECRETS_INIT;
    size_t n;

    ck_assert_int_eq(sgn_secrets_add_str(&reg, SECRET, NULL), SGN_OK);
    n = reg.n;
    ck_assert_int_eq(sgn_secrets_add_str(&reg, SECRET, NULL), SGN_OK);
    ck_assert_uint_eq(reg.n, n);
    ck_assert_uint_eq(n, 3); /* itself, URL-encoded, JSON "\/" */
    sgn_secrets_free(&reg);
}
END_TEST

static const struct {
    const char *in, *want;
} escape_cases[] = {
    {"keyId arn:x\n2026-01-01T00:00:00Z [DEBUG] forged", "keyId arn:x\\n2026-01-01T00:00:00Z [DEBUG] forged"},
    {"a\rb\tc", "a\\rb\\tc"},
    {"\x01\x1f\x7f", "\\x01\\x1f\\x7f"},
    {"NEL\xc2\x85 LS\xe2\x80\xa8 PS\xe2\x80\xa9", "NEL\\u0085 LS\\u2028 PS\\u2029"},
    {"caf\xc3\xa9 \xe2\x82\xac back\\slash \"q\"", "caf\xc3\xa9 \xe2\x82\xac back\\slash \"q\""},
    {"\xc2", "\xc2"},
    {"", ""},
};

START_TEST(test_escape_control)
{
    sgn_buf b = SGN_BUF_INIT;
    sgn_error err = SGN_ERROR_INIT;
    const char *in = escape_cases[_i].in;

    ck_assert_sgn_ok(sgn_escape_control(&b, in, strlen(in), &err), &err);
    ck_assert_str_eq(sgn_buf_cstr(&b), escape_cases[_i].want);
    sgn_buf_free(&b);
}
END_TEST

START_TEST(test_escape_control_nul)
{
    sgn_buf b = SGN_BUF_INIT;

    ck_assert_int_eq(sgn_escape_control(&b, "a\0b", 3, NULL), SGN_OK);
    ck_assert_str_eq(sgn_buf_cstr(&b), "a\\x00b");
    sgn_buf_free(&b);
}
END_TEST

static Suite *redact_suite(void)
{
    Suite *s = suite_create("redact");
    TCase *tc = tcase_create("redact");

    tcase_add_loop_test(tc, test_redact, 0, sizeof(redact_cases) / sizeof(redact_cases[0]));
    tcase_add_test(tc, test_redact_without_registry_copies);
    tcase_add_test(tc, test_redact_same_secret_twice_is_one_entry);
    tcase_add_loop_test(tc, test_escape_control, 0, sizeof(escape_cases) / sizeof(escape_cases[0]));
    tcase_add_test(tc, test_escape_control_nul);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    return sgn_check_run(redact_suite());
}
