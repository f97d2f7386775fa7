/* Go's strconv.Quote, for messages that the Go plugin formats with %q. */
#include "sgn/identity.h"

#include <stdint.h>

#include "identity_internal.h"

static const char hexdig[] = "0123456789abcdef";

/* unicode.IsPrint for the ranges that matter in practice (see the header). */
static int is_print(int32_t r)
{
    if (r < 0x20 || r == 0x7F)
        return 0;
    if (r < 0x80)
        return 1;
    if (r <= 0xA0 || r == 0xAD)
        return 0;
    if ((r >= 0x600 && r <= 0x605) || r == 0x61C || r == 0x6DD || r == 0x70F || r == 0x8E2 ||
        r == 0x1680 || r == 0x180E)
        return 0;
    if ((r >= 0x2000 && r <= 0x200F) || (r >= 0x2028 && r <= 0x202F) ||
        (r >= 0x205F && r <= 0x2064) || (r >= 0x2066 && r <= 0x206F) || r == 0x3000)
        return 0;
    if ((r >= 0xD800 && r <= 0xF8FF) || (r >= 0xFDD0 && r <= 0xFDEF) || r == 0xFEFF ||
        (r >= 0xFFF0 && r <= 0xFFFB))
        return 0;
    if ((r & 0xFFFE) == 0xFFFE) /* U+xFFFE and U+xFFFF in every plane */
        return 0;
    if (r == 0x110BD || r == 0x110CD || (r >= 0x13430 && r <= 0x1343F) ||
        (r >= 0x1BCA0 && r <= 0x1BCA3) || (r >= 0x1D173 && r <= 0x1D17A) || r == 0xE0001 ||
        (r >= 0xE0020 && r <= 0xE007F) || r >= 0xF0000)
        return 0;
    return 1;
}

int sgn_identity_quote(sgn_buf *out, sgn_span s, sgn_error *err)
{
    const unsigned char *p = (const unsigned char *)s.ptr;
    size_t n = s.len;
    int rc;

    if ((rc = sgn_buf_puts(out, "\"", err)) < 0)
        return rc;
    while (n > 0) {
        size_t w;
        int32_t r = sgn_identity__utf8_decode(p, n, &w);
        char esc[12];
        size_t elen = 0;

        if (r == 0xFFFD && w == 1) {
            esc[0] = '\\';
            esc[1] = 'x';
            esc[2] = hexdig[p[0] >> 4];
            esc[3] = hexdig[p[0] & 15];
            elen = 4;
        } else if (r == '"' || r == '\\') {
            esc[0] = '\\';
            esc[1] = (char)r;
            elen = 2;
        } else if (is_print(r)) {
            rc = sgn_buf_append(out, p, w, err);
        } else {
            const char *short_esc = NULL;
            switch (r) {
            case '\a': short_esc = "\\a"; break;
            case '\b': short_esc = "\\b"; break;
            case '\f': short_esc = "\\f"; break;
            case '\n': short_esc = "\\n"; break;
            case '\r': short_esc = "\\r"; break;
            case '\t': short_esc = "\\t"; break;
            case '\v': short_esc = "\\v"; break;
            default: break;
            }
            if (short_esc != NULL) {
                esc[0] = short_esc[0];
                esc[1] = short_esc[1];
                elen = 2;
            } else if (r < 0x20 || r == 0x7F) {
                esc[0] = '\\';
                esc[1] = 'x';
                esc[2] = hexdig[(r >> 4) & 15];
                esc[3] = hexdig[r & 15];
                elen = 4;
            } else {
                int digits = r < 0x10000 ? 4 : 8, i;
                esc[0] = '\\';
                esc[1] = r < 0x10000 ? 'u' : 'U';
                for (i = 0; i < digits; i++)
                    esc[2 + i] = hexdig[(r >> (4 * (digits - 1 - i))) & 15];
                elen = (size_t)digits + 2;
            }
        }
        if (elen > 0)
            rc = sgn_buf_append(out, esc, elen, err);
        if (rc < 0)
            return rc;
        p += w;
        n -= w;
    }
    return sgn_buf_puts(out, "\"", err);
}
