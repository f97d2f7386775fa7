/* Unit tests for core/src/util.c, arn.c and buf.c. Every time is pinned. */
#include <ctype.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "sgn/arn.h"
#include "sgn/buf.h"
#include "sgn/util.h"
#include "sgn_check.h"

#define N(a) ((int)(sizeof(a) / sizeof((a)[0])))

/* ---- base64 ------------------------------------------------------------------------------- */

/* RFC 4648 §10 test vectors. */
static const struct {
    const char *plain, *std, *url;
} b64_cases[] = {
    {"", "", ""},
    {"f", "Zg==", "Zg"},
    {"fo", "Zm8=", "Zm8"},
    {"foo", "Zm9v", "Zm9v"},
    {"foob", "Zm9vYg==", "Zm9vYg"},
    {"fooba", "Zm9vYmE=", "Zm9vYmE"},
    {"foobar", "Zm9vYmFy", "Zm9vYmFy"},
    {"\xfb\xff", "+/8=", "-_8"},
    {"\xfb\xef\xbe", "++++", "----"},
    {"\xff\xff\xff", "////", "____"},
};

START_TEST(test_b64_round_trip)
{
    sgn_error err = SGN_ERROR_INIT;
    const char *plain = b64_cases[_i].plain;
    char *enc = NULL;
    unsigned char *dec = NULL;
    size_t n = 0;

    ck_assert_sgn_ok(sgn_b64_encode(&enc, (const unsigned char *)plain, strlen(plain), &err),
                     &err);
    ck_assert_str_eq(enc, b64_cases[_i].std);
    ck_assert_sgn_ok(sgn_b64_decode(&dec, &n, enc, strlen(enc), &err), &err);
    ck_assert_ptr_nonnull(dec);
    ck_assert_uint_eq(n, strlen(plain));
    ck_assert_mem_eq(dec, plain, n);
    free(enc);
    free(dec);

    ck_assert_sgn_ok(sgn_b64url_encode(&enc, (const unsigned char *)plain, strlen(plain), &err),
                     &err);
    ck_assert_str_eq(enc, b64_cases[_i].url);
    ck_assert_sgn_ok(sgn_b64url_decode(&dec, &n, enc, strlen(enc), &err), &err);
    ck_assert_ptr_nonnull(dec);
    ck_assert_uint_eq(n, strlen(plain));
    ck_assert_mem_eq(dec, plain, n);
    free(enc);
    free(dec);
}
END_TEST

START_TEST(test_b64_random_round_trip)
{
    sgn_error err = SGN_ERROR_INIT;
    unsigned char data[1000], *dec = NULL;
    char *enc = NULL;
    size_t len, n = 0, i;

    for (i = 0; i < sizeof(data); i++)
        data[i] = (unsigned char)(i * 131 + 7);
    for (len = 0; len < sizeof(data); len += 97) {
        ck_assert_sgn_ok(sgn_b64_encode(&enc, data, len, &err), &err);
        ck_assert_sgn_ok(sgn_b64_decode(&dec, &n, enc, strlen(enc), &err), &err);
        ck_assert_uint_eq(n, len);
        ck_assert_mem_eq(dec, data, len);
        free(enc);
        free(dec);
        ck_assert_sgn_ok(sgn_b64url_encode(&enc, data, len, &err), &err);
        ck_assert_ptr_null(strpbrk(enc, "+/="));
        ck_assert_sgn_ok(sgn_b64url_decode(&dec, &n, enc, strlen(enc), &err), &err);
        ck_assert_uint_eq(n, len);
        ck_assert_mem_eq(dec, data, len);
        free(enc);
        free(dec);
    }
}
END_TEST

/* Go's encoding/json []byte decoding skips CR and LF. */
static const struct {
    const char *in, *plain;
} b64_crlf[] = {
    {"Zm9v\r\nYmFy", "foobar"},
    {"Zm9\nvYg==\n", "foob"},
    {"\r\n\r\nZg==", "f"},
    {"\n", ""},
};

START_TEST(test_b64_skips_crlf)
{
    sgn_error err = SGN_ERROR_INIT;
    unsigned char *dec = NULL;
    size_t n = 0;

    ck_assert_sgn_ok(sgn_b64_decode(&dec, &n, b64_crlf[_i].in, strlen(b64_crlf[_i].in), &err),
                     &err);
    ck_assert_uint_eq(n, strlen(b64_crlf[_i].plain));
    ck_assert_mem_eq(dec, b64_crlf[_i].plain, n);
    free(dec);
}
END_TEST

static const char *const b64_std_bad[] = {
    "Zg=",       /* length */
    "Zg",        /* missing padding */
    "Z===",      /* too much padding */
    "====",      /* only padding */
    "Zm=v",      /* padding inside */
    "Zg==Zg==",  /* padding in the middle */
    "Zm9v=",     /* length */
    "Zm9v\tYg==",/* tab is not skipped */
    "Zm9v Yg==", /* nor is space */
    "-_8=",      /* URL alphabet */
    "Zm9v\x80Yg==",
    "Zm9v.Yg==",
};

START_TEST(test_b64_std_rejects)
{
    sgn_error err = SGN_ERROR_INIT;
    unsigned char *dec = NULL;
    size_t n = 0;
    const char *s = b64_std_bad[_i];

    ck_assert_int_eq(sgn_b64_decode(&dec, &n, s, strlen(s), &err), SGN_EINVALID);
    ck_assert_ptr_null(dec);
    ck_assert_ptr_nonnull(strstr(err.msg, "base64"));
}
END_TEST

static const char *const b64_url_bad[] = {
    "Zg==", /* padding */
    "Zm8=", /* padding */
    "+/8",  /* standard alphabet */
    "Z",    /* impossible length */
    "Zm9vY",
    "Zm9v YmFy",
    "Zm9v\nYmFy",
    "Zm9v.YmFy",
};

START_TEST(test_b64url_rejects)
{
    sgn_error err = SGN_ERROR_INIT;
    unsigned char *dec = NULL;
    size_t n = 0;
    const char *s = b64_url_bad[_i];

    ck_assert_int_eq(sgn_b64url_decode(&dec, &n, s, strlen(s), &err), SGN_EINVALID);
    ck_assert_ptr_null(dec);
}
END_TEST

START_TEST(test_hex)
{
    static const unsigned char in[] = {0x00, 0x01, 0xab, 0xcd, 0xef, 0xff, 0x10};
    char out[2 * sizeof(in) + 1];

    sgn_hex_encode(out, in, sizeof(in));
    ck_assert_str_eq(out, "0001abcdefff10");
    sgn_hex_encode(out, in, 0);
    ck_assert_str_eq(out, "");
}
END_TEST

/* ---- time --------------------------------------------------------------------------------- */

static const struct {
    const char *s;
    int64_t sec;
    int32_t nsec;
} rfc3339_good[] = {
    {"2023-11-14T22:13:20Z", INT64_C(1700000000), 0},
    {"2023-11-14T22:13:20.5Z", INT64_C(1700000000), 500000000},
    {"2023-11-14T22:13:20.123456789Z", INT64_C(1700000000), 123456789},
    {"2023-11-14T22:13:20.1234567891234Z", INT64_C(1700000000), 123456789},
    {"2023-11-15T06:13:20+08:00", INT64_C(1700000000), 0},
    {"2023-11-14T17:13:20-05:00", INT64_C(1700000000), 0},
    {"2023-11-14T22:13:20+00:00", INT64_C(1700000000), 0},
    {"2023-11-15T03:43:20.25+05:30", INT64_C(1700000000), 250000000},
    {"0001-01-01T00:00:00Z", SGN_TIME_ZERO, 0},
    {"1970-01-01T00:00:00Z", 0, 0},
    {"1969-12-31T23:59:59Z", -1, 0},
    {"2000-02-29T00:00:00Z", INT64_C(951782400), 0},
    {"2024-02-29T12:00:00Z", INT64_C(1709208000), 0},
    {"9999-12-31T23:59:59Z", INT64_C(253402300799), 0},
    {"2122-10-27T22:33:22Z", INT64_C(4822583602), 0},
};

START_TEST(test_rfc3339_parse)
{
    sgn_error err = SGN_ERROR_INIT;
    int64_t sec = 42;
    int32_t nsec = 42;

    ck_assert_sgn_ok(sgn_time_parse_rfc3339(&sec, &nsec, rfc3339_good[_i].s, &err), &err);
    ck_assert_msg(sec == rfc3339_good[_i].sec, "%s: %lld", rfc3339_good[_i].s, (long long)sec);
    ck_assert_int_eq(nsec, rfc3339_good[_i].nsec);
}
END_TEST

static const char *const rfc3339_bad[] = {
    "",
    "2023-11-14",                 /* date only */
    "2023-11-14T22:13:20",        /* no zone */
    "2023-11-14 22:13:20Z",       /* space */
    "2023-02-29T00:00:00Z",       /* not a leap year */
    "1900-02-29T00:00:00Z",       /* century, not a leap year */
    "2023-13-01T00:00:00Z",
    "2023-00-10T00:00:00Z",
    "2023-11-31T00:00:00Z",
    "2023-11-00T00:00:00Z",
    "2023-11-14T24:00:00Z",
    "2023-11-14T22:60:00Z",
    "2023-11-14T22:13:60Z",
    "2023-11-14T22:13:20.Z",      /* empty fraction */
    "2023-11-14T22:13:20+0800",   /* offset without colon */
    "2023-11-14T22:13:20+24:00",
    "2023-11-14T22:13:20Zjunk",
    "2023-1-14T22:13:20Z",
    "23-11-14T22:13:20Z",
    "2023-11-14T22:13Z",
    "2023/11/14T22:13:20Z",
    "yesterday",
};

START_TEST(test_rfc3339_rejects)
{
    sgn_error err = SGN_ERROR_INIT;
    int64_t sec;
    int32_t nsec;

    ck_assert_int_eq(sgn_time_parse_rfc3339(&sec, &nsec, rfc3339_bad[_i], &err), SGN_EINVALID);
    ck_assert_ptr_nonnull(strstr(err.msg, "RFC 3339"));
}
END_TEST

START_TEST(test_rfc3339_null)
{
    sgn_error err = SGN_ERROR_INIT;
    int64_t sec;
    int32_t nsec;

    ck_assert_int_eq(sgn_time_parse_rfc3339(&sec, &nsec, NULL, &err), SGN_EINVALID);
}
END_TEST

static const struct {
    int64_t sec;
    const char *rfc3339, *iso;
} format_cases[] = {
    {INT64_C(1700000000), "2023-11-14T22:13:20Z", "2023-11-14T22:13:20+00:00"},
    {0, "1970-01-01T00:00:00Z", "1970-01-01T00:00:00+00:00"},
    {-1, "1969-12-31T23:59:59Z", "1969-12-31T23:59:59+00:00"},
    {SGN_TIME_ZERO, "0001-01-01T00:00:00Z", "0001-01-01T00:00:00+00:00"},
    {INT64_C(951782400), "2000-02-29T00:00:00Z", "2000-02-29T00:00:00+00:00"},
    {INT64_C(253402300799), "9999-12-31T23:59:59Z", "9999-12-31T23:59:59+00:00"},
};

START_TEST(test_time_format)
{
    sgn_error err = SGN_ERROR_INIT;
    char out[32];
    int64_t back;
    int32_t nsec;

    sgn_time_format_rfc3339(out, format_cases[_i].sec);
    ck_assert_str_eq(out, format_cases[_i].rfc3339);
    ck_assert_sgn_ok(sgn_time_parse_rfc3339(&back, &nsec, out, &err), &err);
    ck_assert_int_eq(back, format_cases[_i].sec);
    sgn_time_format_iso_offset(out, format_cases[_i].sec);
    ck_assert_str_eq(out, format_cases[_i].iso);
    ck_assert_sgn_ok(sgn_time_parse_rfc3339(&back, &nsec, out, &err), &err);
    ck_assert_int_eq(back, format_cases[_i].sec);
}
END_TEST

/* Years outside 0000..9999 have no RFC 3339 form: the formatters clamp to the ends of the range. */
static const struct {
    int64_t sec;
    const char *rfc3339, *iso;
} clamp_cases[] = {
    {INT64_C(253402300800), "9999-12-31T23:59:59Z", "9999-12-31T23:59:59+00:00"},
    {INT64_MAX, "9999-12-31T23:59:59Z", "9999-12-31T23:59:59+00:00"},
    {INT64_C(-62167219200), "0000-01-01T00:00:00Z", "0000-01-01T00:00:00+00:00"},
    {INT64_C(-62167219201), "0000-01-01T00:00:00Z", "0000-01-01T00:00:00+00:00"},
    {INT64_MIN, "0000-01-01T00:00:00Z", "0000-01-01T00:00:00+00:00"},
};

START_TEST(test_time_format_clamps)
{
    char out[32];

    sgn_time_format_rfc3339(out, clamp_cases[_i].sec);
    ck_assert_str_eq(out, clamp_cases[_i].rfc3339);
    sgn_time_format_iso_offset(out, clamp_cases[_i].sec);
    ck_assert_str_eq(out, clamp_cases[_i].iso);
}
END_TEST

static const struct {
    const char *s;
    int ok;
    int64_t sec;
} cli_cases[] = {
    {"1700000000", 1, INT64_C(1700000000)},
    {"1700000000.9", 1, INT64_C(1700000000)},
    {"0", 1, 0},
    {"2023-11-14T22:13:20Z", 1, INT64_C(1700000000)},
    {"2023-11-14T22:13:20", 1, INT64_C(1700000000)}, /* no zone: UTC */
    {"2023-11-14", 1, INT64_C(1699920000)},
    {"2023-11-15T06:13:20+08:00", 1, INT64_C(1700000000)},
    {"2023-11-14T22:13:20.75Z", 1, INT64_C(1700000000)},
    {"", 0, 0},
    {"abc", 0, 0},
    {"-5", 0, 0},
    {"1e9", 0, 0},
    {".", 0, 0},
    {"1.2.3", 0, 0},
    {"2023-11-31", 0, 0},
    {"12:00", 0, 0},
};

START_TEST(test_time_parse_cli)
{
    sgn_error err = SGN_ERROR_INIT;
    int64_t sec = 0;
    int rc = sgn_time_parse_cli(&sec, cli_cases[_i].s, &err);

    if (cli_cases[_i].ok) {
        ck_assert_msg(rc == SGN_OK, "%s: %s", cli_cases[_i].s, err.msg);
        ck_assert_int_eq(sec, cli_cases[_i].sec);
    } else {
        ck_assert_msg(rc == SGN_EINVALID, "%s accepted as %lld", cli_cases[_i].s,
                      (long long)sec);
        ck_assert_ptr_nonnull(strstr(err.msg, "invalid timestamp"));
    }
}
END_TEST

/* ---- randomness and strings --------------------------------------------------------------- */

START_TEST(test_uuid_shape)
{
    sgn_error err = SGN_ERROR_INIT;
    char a[37], b[37];
    int i;

    ck_assert_sgn_ok(sgn_random_uuid(a, &err), &err);
    ck_assert_sgn_ok(sgn_random_uuid(b, &err), &err);
    ck_assert_str_ne(a, b);
    ck_assert_uint_eq(strlen(a), 36);
    for (i = 0; i < 36; i++) {
        if (i == 8 || i == 13 || i == 18 || i == 23)
            ck_assert_int_eq(a[i], '-');
        else
            ck_assert_msg(isxdigit((unsigned char)a[i]) && !isupper((unsigned char)a[i]),
                          "%s", a);
    }
    ck_assert_int_eq(a[14], '4');
    ck_assert_ptr_nonnull(strchr("89ab", a[19]));
}
END_TEST

START_TEST(test_random_alnum)
{
    sgn_error err = SGN_ERROR_INIT;
    char s[65], t[65];
    size_t i;

    ck_assert_sgn_ok(sgn_random_alnum(s, 64, &err), &err);
    ck_assert_sgn_ok(sgn_random_alnum(t, 64, &err), &err);
    ck_assert_uint_eq(strlen(s), 64);
    ck_assert_str_ne(s, t);
    for (i = 0; i < 64; i++)
        ck_assert(isalnum((unsigned char)s[i]));
    ck_assert_sgn_ok(sgn_random_alnum(s, 0, &err), &err);
    ck_assert_str_eq(s, "");
}
END_TEST

START_TEST(test_strdup)
{
    sgn_error err = SGN_ERROR_INIT;
    char *s = NULL;

    ck_assert_sgn_ok(sgn_strdup(&s, "abc", &err), &err);
    ck_assert_str_eq(s, "abc");
    free(s);
    ck_assert_sgn_ok(sgn_strdup(&s, NULL, &err), &err);
    ck_assert_str_eq(s, "");
    free(s);
}
END_TEST

/* ---- ARNs --------------------------------------------------------------------------------- */

static const struct {
    const char *arn;
    const char *partition, *service, *region, *account, *resource;
} arn_good[] = {
    {"arn:aws:signer:us-west-2:123456789012:/signing-profiles/MyProfile/abcdef1234", "aws",
     "signer", "us-west-2", "123456789012", "/signing-profiles/MyProfile/abcdef1234"},
    {"arn:aws:signer:local:000000000000:/signing-jobs/8c1f1e4e-4c6b-4a43-9a41-0f9d", "aws",
     "signer", "local", "000000000000", "/signing-jobs/8c1f1e4e-4c6b-4a43-9a41-0f9d"},
    {"arn:aws:rds:eu-west-1:123456789012:db:mysql-db", "aws", "rds", "eu-west-1",
     "123456789012", "db:mysql-db"},
    {"arn:aws:s3:::my_corporate_bucket/exampleobject.png", "aws", "s3", "", "",
     "my_corporate_bucket/exampleobject.png"},
    {"arn:aws-cn:iam::123456789012:user/David", "aws-cn", "iam", "", "123456789012",
     "user/David"},
    {"arn:aws:iam::123456789012:role/a:b:c/d", "aws", "iam", "", "123456789012",
     "role/a:b:c/d"},
    {"arn:aws-us-gov:signer:us-gov-west-1:123456789012:", "aws-us-gov", "signer",
     "us-gov-west-1", "123456789012", ""},
    {"arn:::::", "", "", "", "", ""},
};

START_TEST(test_arn_parse)
{
    sgn_error err = SGN_ERROR_INIT;
    sgn_arn a = SGN_ARN_INIT;

    ck_assert_sgn_ok(sgn_arn_parse(&a, arn_good[_i].arn, &err), &err);
    ck_assert_str_eq(a.partition, arn_good[_i].partition);
    ck_assert_str_eq(a.service, arn_good[_i].service);
    ck_assert_str_eq(a.region, arn_good[_i].region);
    ck_assert_str_eq(a.account, arn_good[_i].account);
    ck_assert_str_eq(a.resource, arn_good[_i].resource);
    sgn_arn_free(&a);
    ck_assert_ptr_null(a.resource);
}
END_TEST

static const struct {
    const char *arn;
    const char *msg;
} arn_bad[] = {
    {"aws:signer:us-west-2:123456789012:/signing-profiles/p", "arn: invalid prefix"},
    {"ARN:aws:signer:us-west-2:123456789012:/signing-profiles/p", "arn: invalid prefix"},
    {"", "arn: invalid prefix"},
    {"arn", "arn: invalid prefix"},
    {"arn:", "arn: not enough sections"},
    {"arn:aws:signer", "arn: not enough sections"},
    {"arn:aws:signer:us-west-2:123456789012", "arn: not enough sections"},
    {"NotationProfile", "arn: invalid prefix"},
};

START_TEST(test_arn_rejects)
{
    sgn_error err = SGN_ERROR_INIT;
    sgn_arn a = SGN_ARN_INIT;

    ck_assert_int_eq(sgn_arn_parse(&a, arn_bad[_i].arn, &err), SGN_EINVALID);
    ck_assert_str_eq(err.msg, arn_bad[_i].msg);
    ck_assert_ptr_null(a.partition);
    ck_assert_ptr_null(a.storage_);
    sgn_arn_free(&a); /* safe after a failure */
}
END_TEST

START_TEST(test_arn_null)
{
    sgn_error err = SGN_ERROR_INIT;
    sgn_arn a = SGN_ARN_INIT;

    ck_assert_int_eq(sgn_arn_parse(&a, NULL, &err), SGN_EINVALID);
}
END_TEST

static const struct {
    const char *region, *partition;
} partition_cases[] = {
    {"us-east-1", "aws"},          {"eu-west-1", "aws"},
    {"local", "aws"},              {"cn-north-1", "aws-cn"},
    {"cn-northwest-1", "aws-cn"},  {"us-gov-west-1", "aws-us-gov"},
    {"us-iso-east-1", "aws-iso"},  {"us-isob-east-1", "aws-iso-b"},
    {"eusc-de-east-1", "aws-eusc"}, {"cn", "aws"},
    {"", "aws"},
};

START_TEST(test_partition_for_region)
{
    ck_assert_str_eq(sgn_partition_for_region(partition_cases[_i].region),
                     partition_cases[_i].partition);
}
END_TEST

START_TEST(test_partition_null)
{
    ck_assert_str_eq(sgn_partition_for_region(NULL), "aws");
}
END_TEST

/* ---- buffers and files -------------------------------------------------------------------- */

START_TEST(test_buf)
{
    sgn_error err = SGN_ERROR_INIT;
    sgn_buf b = SGN_BUF_INIT;
    char *s;
    size_t n, i;

    ck_assert_str_eq(sgn_buf_cstr(&b), "");
    ck_assert_sgn_ok(sgn_buf_puts(&b, "abc", &err), &err);
    ck_assert_sgn_ok(sgn_buf_printf(&b, &err, "-%d-%s", 42, "x"), &err);
    ck_assert_str_eq(sgn_buf_cstr(&b), "abc-42-x");
    for (i = 0; i < 1000; i++)
        ck_assert_sgn_ok(sgn_buf_append(&b, "0123456789", 10, &err), &err);
    ck_assert_uint_eq(b.len, 8 + 10000);
    ck_assert_int_eq(b.data[b.len], '\0');
    s = sgn_buf_detach(&b, &n);
    ck_assert_uint_eq(n, 10008);
    ck_assert_ptr_null(b.data);
    free(s);
    s = sgn_buf_detach(&b, &n); /* empty: still a string */
    ck_assert_ptr_nonnull(s);
    ck_assert_str_eq(s, "");
    ck_assert_uint_eq(n, 0);
    free(s);
    ck_assert_sgn_ok(sgn_buf_puts(&b, "secret", &err), &err);
    sgn_buf_clear_free(&b);
    ck_assert_ptr_null(b.data);
}
END_TEST

START_TEST(test_files)
{
    sgn_error err = SGN_ERROR_INIT;
    char dir[64], path[128], nested[160];
    sgn_buf b = SGN_BUF_INIT;
    struct stat st;

    snprintf(dir, sizeof(dir), "/tmp/sgn-check-util-XXXXXX");
    ck_assert_ptr_nonnull(mkdtemp(dir));
    snprintf(path, sizeof(path), "%s/f", dir);
    ck_assert_sgn_ok(sgn_write_file_atomic(path, "hello", 5, 0640, &err), &err);
    ck_assert_int_eq(stat(path, &st), 0);
    ck_assert_int_eq(st.st_mode & 07777, 0640);
    ck_assert_sgn_ok(sgn_write_file_atomic(path, "bye", 3, 0600, &err), &err);
    ck_assert_sgn_ok(sgn_read_file(&b, path, 100, &err), &err);
    ck_assert_str_eq(sgn_buf_cstr(&b), "bye");
    sgn_buf_free(&b);
    ck_assert_int_eq(sgn_read_file(&b, path, 2, &err), SGN_EINVALID);
    sgn_buf_free(&b);
    sgn_error_clear(&err);
    unlink(path);
    ck_assert_int_eq(sgn_read_file(&b, path, 100, &err), SGN_ENOTFOUND);
    sgn_error_clear(&err);
    /* a failure names the file asked for, not the temporary file beside it */
    snprintf(nested, sizeof(nested), "%s/missing/f", dir);
    ck_assert_int_eq(sgn_write_file_atomic(nested, "x", 1, 0600, &err), SGN_EIO);
    ck_assert_msg(strstr(err.msg, nested) != NULL && strstr(err.msg, ".tmp") == NULL, "%s",
                  err.msg);
    sgn_error_clear(&err);

    snprintf(nested, sizeof(nested), "%s/a/b/c", dir);
    ck_assert_sgn_ok(sgn_mkdir_p(nested, 0700, &err), &err);
    ck_assert_int_eq(stat(nested, &st), 0);
    ck_assert(S_ISDIR(st.st_mode));
    ck_assert_sgn_ok(sgn_mkdir_p(nested, 0700, &err), &err); /* exists: fine */
    rmdir(nested);
    snprintf(nested, sizeof(nested), "%s/a/b", dir);
    rmdir(nested);
    snprintf(nested, sizeof(nested), "%s/a", dir);
    rmdir(nested);
    rmdir(dir);
}
END_TEST

static Suite *util_suite(void)
{
    Suite *s = suite_create("util");
    TCase *tc = tcase_create("base64");

    tcase_add_loop_test(tc, test_b64_round_trip, 0, N(b64_cases));
    tcase_add_test(tc, test_b64_random_round_trip);
    tcase_add_loop_test(tc, test_b64_skips_crlf, 0, N(b64_crlf));
    tcase_add_loop_test(tc, test_b64_std_rejects, 0, N(b64_std_bad));
    tcase_add_loop_test(tc, test_b64url_rejects, 0, N(b64_url_bad));
    tcase_add_test(tc, test_hex);
    suite_add_tcase(s, tc);

    tc = tcase_create("time");
    tcase_add_loop_test(tc, test_rfc3339_parse, 0, N(rfc3339_good));
    tcase_add_loop_test(tc, test_rfc3339_rejects, 0, N(rfc3339_bad));
    tcase_add_test(tc, test_rfc3339_null);
    tcase_add_loop_test(tc, test_time_format, 0, N(format_cases));
    tcase_add_loop_test(tc, test_time_format_clamps, 0, N(clamp_cases));
    tcase_add_loop_test(tc, test_time_parse_cli, 0, N(cli_cases));
    suite_add_tcase(s, tc);

    tc = tcase_create("misc");
    tcase_add_test(tc, test_uuid_shape);
    tcase_add_test(tc, test_random_alnum);
    tcase_add_test(tc, test_strdup);
    tcase_add_test(tc, test_buf);
    tcase_add_test(tc, test_files);
    suite_add_tcase(s, tc);

    tc = tcase_create("arn");
    tcase_add_loop_test(tc, test_arn_parse, 0, N(arn_good));
    tcase_add_loop_test(tc, test_arn_rejects, 0, N(arn_bad));
    tcase_add_test(tc, test_arn_null);
    tcase_add_loop_test(tc, test_partition_for_region, 0, N(partition_cases));
    tcase_add_test(tc, test_partition_null);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    return sgn_check_run(util_suite());
}
