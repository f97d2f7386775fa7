#include "sgn/util.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>
#include <openssl/evp.h>
#include <openssl/rand.h>

int sgn_strdup(char **out, const char *s, sgn_error *err)
{
    *out = strdup(s ? s : "");
    if (*out == NULL)
        return sgn_error_set(err, SGN_ENOMEM, "out of memory");
    return SGN_OK;
}

int64_t sgn_mono_ms(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int sgn_b64_encode(char **out, const unsigned char *in, size_t len, sgn_error *err)
{
    size_t cap;

    *out = NULL;
    if (len > (size_t)INT32_MAX / 2)
        return sgn_error_set(err, SGN_EINVALID, "data too large to encode");
    cap = 4 * ((len + 2) / 3) + 1;
    *out = malloc(cap);
    if (*out == NULL)
        return sgn_error_set(err, SGN_ENOMEM, "out of memory");
    if (len == 0)
        (*out)[0] = '\0';
    else
        EVP_EncodeBlock((unsigned char *)*out, in, (int)len);
    return SGN_OK;
}

static int is_b64_char(unsigned char c)
{
    return isalnum(c) || c == '+' || c == '/';
}

/* Decode canonical padded standard base64 already stripped of CR/LF. */
static int decode_std(unsigned char **out, size_t *outlen, const char *s, size_t n,
                      sgn_error *err)
{
    size_t i, pad = 0;
    unsigned char *buf;
    int got;

    *out = NULL;
    *outlen = 0;
    if (n % 4 != 0)
        return sgn_error_set(err, SGN_EINVALID, "illegal base64 data: bad length");
    for (i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c == '=') {
            if (i < n - 2 || (i == n - 2 && s[n - 1] != '='))
                return sgn_error_set(err, SGN_EINVALID,
                                     "illegal base64 data at input byte %zu", i);
            pad++;
        } else if (!is_b64_char(c)) {
            return sgn_error_set(err, SGN_EINVALID, "illegal base64 data at input byte %zu", i);
        }
    }
    buf = malloc(n / 4 * 3 + 1);
    if (buf == NULL)
        return sgn_error_set(err, SGN_ENOMEM, "out of memory");
    if (n > 0) {
        if (n > (size_t)INT32_MAX) {
            free(buf);
            return sgn_error_set(err, SGN_EINVALID, "base64 data too large");
        }
        got = EVP_DecodeBlock(buf, (const unsigned char *)s, (int)n);
        if (got < 0 || (size_t)got < pad) {
            free(buf);
            return sgn_error_set(err, SGN_EINVALID, "illegal base64 data");
        }
        *outlen = (size_t)got - pad;
    }
    *out = buf;
    return SGN_OK;
}

int sgn_b64_decode(unsigned char **out, size_t *outlen, const char *in, size_t inlen,
                   sgn_error *err)
{
    char *clean;
    size_t i, n = 0;
    int rc;

    clean = malloc(inlen + 1);
    if (clean == NULL)
        return sgn_error_set(err, SGN_ENOMEM, "out of memory");
    for (i = 0; i < inlen; i++)
        if (in[i] != '\r' && in[i] != '\n')
            clean[n++] = in[i];
    rc = decode_std(out, outlen, clean, n, err);
    free(clean);
    return rc;
}

int sgn_b64url_encode(char **out, const unsigned char *in, size_t len, sgn_error *err)
{
    int rc;
    char *p;

    if ((rc = sgn_b64_encode(out, in, len, err)) < 0)
        return rc;
    for (p = *out; *p; p++) {
        if (*p == '+')
            *p = '-';
        else if (*p == '/')
            *p = '_';
        else if (*p == '=') {
            *p = '\0';
            break;
        }
    }
    return SGN_OK;
}

int sgn_b64url_decode(unsigned char **out, size_t *outlen, const char *in, size_t inlen,
                      sgn_error *err)
{
    char *tmp;
    size_t i, n;
    int rc;

    *out = NULL;
    if (inlen % 4 == 1)
        return sgn_error_set(err, SGN_EINVALID, "illegal base64url data: bad length");
    n = inlen + (4 - inlen % 4) % 4;
    tmp = malloc(n + 1);
    if (tmp == NULL)
        return sgn_error_set(err, SGN_ENOMEM, "out of memory");
    for (i = 0; i < inlen; i++) {
        char c = in[i];
        if (c == '-')
            c = '+';
        else if (c == '_')
            c = '/';
        else if (!isalnum((unsigned char)c)) {
            free(tmp);
            return sgn_error_set(err, SGN_EINVALID,
                                 "illegal base64url data at input byte %zu", i);
        }
        tmp[i] = c;
    }
    for (; i < n; i++)
        tmp[i] = '=';
    rc = decode_std(out, outlen, tmp, n, err);
    free(tmp);
    return rc;
}

void sgn_hex_encode(char *out, const unsigned char *in, size_t len)
{
    static const char digits[] = "0123456789abcdef";
    size_t i;

    for (i = 0; i < len; i++) {
        out[2 * i] = digits[in[i] >> 4];
        out[2 * i + 1] = digits[in[i] & 15];
    }
    out[2 * len] = '\0';
}

/* Days since 1970-01-01 for a proleptic Gregorian date (H. Hinnant's algorithm). */
static int64_t days_from_civil(int64_t y, unsigned m, unsigned d)
{
    int64_t era;
    unsigned yoe, doy, doe;

    y -= m <= 2;
    era = (y >= 0 ? y : y - 399) / 400;
    yoe = (unsigned)(y - era * 400);
    doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + (int64_t)doe - 719468;
}

static void civil_from_days(int64_t z, int64_t *y, unsigned *m, unsigned *d)
{
    int64_t era;
    unsigned doe, yoe, doy, mp;

    z += 719468;
    era = (z >= 0 ? z : z - 146096) / 146097;
    doe = (unsigned)(z - era * 146097);
    yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    mp = (5 * doy + 2) / 153;
    *d = doy - (153 * mp + 2) / 5 + 1;
    *m = mp < 10 ? mp + 3 : mp - 9;
    *y = (int64_t)yoe + era * 400 + (*m <= 2);
}

static int digits(const char *s, int n, int *val)
{
    int i, v = 0;

    for (i = 0; i < n; i++) {
        if (!isdigit((unsigned char)s[i]))
            return -1;
        v = v * 10 + (s[i] - '0');
    }
    *val = v;
    return 0;
}

static int days_in_month(int y, int m)
{
    static const int dim[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    int leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;

    return m == 2 && leap ? 29 : dim[m - 1];
}

/* Parse "YYYY-MM-DD[THH:MM:SS[.frac]][Z|±hh:mm]". need_time/need_zone select strictness. */
static int parse_iso(int64_t *sec, int32_t *nsec, const char *s, int need_time, int need_zone)
{
    int y, mo, d, h = 0, mi = 0, se = 0, oh = 0, om = 0, sign = 0;
    int32_t ns = 0;
    const char *p = s;

    if (digits(p, 4, &y) || p[4] != '-' || digits(p + 5, 2, &mo) || p[7] != '-' ||
        digits(p + 8, 2, &d))
        return -1;
    p += 10;
    if (mo < 1 || mo > 12 || d < 1 || d > days_in_month(y, mo))
        return -1;
    if (*p == 'T' || *p == 't') {
        if (digits(p + 1, 2, &h) || p[3] != ':' || digits(p + 4, 2, &mi) || p[6] != ':' ||
            digits(p + 7, 2, &se))
            return -1;
        p += 9;
        if (h > 23 || mi > 59 || se > 59)
            return -1;
        if (*p == '.' || *p == ',') {
            int nd = 0;
            p++;
            if (!isdigit((unsigned char)*p))
                return -1;
            while (isdigit((unsigned char)*p)) {
                if (nd < 9) {
                    ns = ns * 10 + (*p - '0');
                    nd++;
                }
                p++;
            }
            while (nd++ < 9)
                ns *= 10;
        }
        if (*p == 'Z' || *p == 'z') {
            p++;
        } else if (*p == '+' || *p == '-') {
            sign = *p == '-' ? -1 : 1;
            if (digits(p + 1, 2, &oh) || p[3] != ':' || digits(p + 4, 2, &om) || oh > 23 ||
                om > 59)
                return -1;
            p += 6;
        } else if (need_zone) {
            return -1;
        }
    } else if (need_time) {
        return -1;
    }
    if (*p != '\0')
        return -1;
    *sec = days_from_civil(y, (unsigned)mo, (unsigned)d) * 86400 + h * 3600 + mi * 60 + se -
           sign * (oh * 3600 + om * 60);
    *nsec = ns;
    return 0;
}

int sgn_time_parse_rfc3339(int64_t *sec, int32_t *nsec, const char *s, sgn_error *err)
{
    if (s == NULL || parse_iso(sec, nsec, s, 1, 1) != 0)
        return sgn_error_set(err, SGN_EINVALID, "not an RFC 3339 time: \"%s\"", s ? s : "");
    return SGN_OK;
}

/* RFC 3339's years have four digits, so times outside 0000-01-01T00:00:00Z..9999-12-31T23:59:59Z are
 * clamped to those ends: a wider year would not fit "out" (32 bytes) and no RFC 3339 reader, Go's
 * included, could parse it back. Clamping the broken-down time (not the seconds) also bounds every
 * field for the compiler's format-truncation analysis. */
static void split(int64_t sec, int64_t *y, unsigned *mo, unsigned *d, int *h, int *mi, int *s)
{
    int64_t days = sec / 86400, rem = sec % 86400;

    if (rem < 0) {
        rem += 86400;
        days--;
    }
    civil_from_days(days, y, mo, d);
    *h = (int)(rem / 3600);
    *mi = (int)(rem % 3600 / 60);
    *s = (int)(rem % 60);
    if (*y < 0) {
        *y = 0, *mo = 1, *d = 1, *h = 0, *mi = 0, *s = 0;
    } else if (*y > 9999) {
        *y = 9999, *mo = 12, *d = 31, *h = 23, *mi = 59, *s = 59;
    }
}

void sgn_time_format_rfc3339(char out[32], int64_t sec)
{
    int64_t y;
    unsigned mo, d;
    int h, mi, s;

    split(sec, &y, &mo, &d, &h, &mi, &s);
    snprintf(out, 32, "%04lld-%02u-%02uT%02d:%02d:%02dZ", (long long)y, mo, d, h, mi, s);
}

void sgn_time_format_iso_offset(char out[32], int64_t sec)
{
    int64_t y;
    unsigned mo, d;
    int h, mi, s;

    split(sec, &y, &mo, &d, &h, &mi, &s);
    snprintf(out, 32, "%04lld-%02u-%02uT%02d:%02d:%02d+00:00", (long long)y, mo, d, h, mi, s);
}

int sgn_time_parse_cli(int64_t *sec, const char *s, sgn_error *err)
{
    int32_t ns;
    const char *p;
    int all_digits = s != NULL && *s != '\0';

    for (p = s; all_digits && *p; p++)
        if (!isdigit((unsigned char)*p) && *p != '.')
            all_digits = 0;
    if (all_digits && strchr(s, '-') == NULL) {
        char *end;
        double v = strtod(s, &end);
        if (*end == '\0' && v >= 0 && v < 253402300800.0) {
            *sec = (int64_t)v;
            return SGN_OK;
        }
    }
    if (s == NULL || parse_iso(sec, &ns, s, 0, 0) != 0)
        return sgn_error_set(err, SGN_EINVALID,
                             "invalid timestamp \"%s\": use ISO 8601 (2026-01-31T12:00:00Z) "
                             "or epoch seconds",
                             s ? s : "");
    return SGN_OK;
}

/* The kernel's CSPRNG (what OpenSSL's own generator is seeded from). Taken directly because
 * the first RAND_bytes of a process instantiates OpenSSL's DRBG, which fetches AES-256-CTR and
 * with it builds the provider's whole cipher table: 3.1 to 6.7M instructions (about 2 ms) in a
 * plugin process that otherwise never needs it (plain-HTTP calls; TLS does its own). */
int sgn_random_bytes(void *out, size_t n, sgn_error *err)
{
    unsigned char *p = out;

    while (n > 0) {
        ssize_t got = getrandom(p, n, 0);
        if (got < 0) {
            if (errno == EINTR)
                continue;
            if (errno == ENOSYS) /* a kernel before 3.17: OpenSSL finds another source */
                return RAND_bytes(p, (int)n) == 1 ? SGN_OK
                                                  : sgn_error_set_openssl(err, "RAND_bytes");
            return sgn_error_set(err, SGN_ECRYPTO, "getrandom: %s", strerror(errno));
        }
        p += got;
        n -= (size_t)got;
    }
    return SGN_OK;
}

int sgn_random_uuid(char out[37], sgn_error *err)
{
    unsigned char b[16];
    char hex[33];
    int rc;

    if ((rc = sgn_random_bytes(b, sizeof(b), err)) < 0)
        return rc;
    b[6] = (unsigned char)((b[6] & 0x0f) | 0x40);
    b[8] = (unsigned char)((b[8] & 0x3f) | 0x80);
    sgn_hex_encode(hex, b, sizeof(b));
    snprintf(out, 37, "%.8s-%.4s-%.4s-%.4s-%.12s", hex, hex + 8, hex + 12, hex + 16, hex + 20);
    return SGN_OK;
}

int sgn_random_alnum(char *out, size_t n, sgn_error *err)
{
    static const char alphabet[] =
        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
    size_t i = 0;

    while (i < n) {
        unsigned char b;
        if (RAND_bytes(&b, 1) != 1)
            return sgn_error_set_openssl(err, "RAND_bytes");
        if (b >= 248) /* 248 = 4 * 62: reject to keep the choice uniform */
            continue;
        out[i++] = alphabet[b % 62];
    }
    out[n] = '\0';
    return SGN_OK;
}
