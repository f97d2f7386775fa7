#include "sgn/error.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <openssl/err.h>

/* vprintf-style: callers' formats are checked at their own (format-attributed) entry points. */
__attribute__((format(printf, 2, 0))) static void vset(sgn_error *err, const char *fmt, va_list ap)
{
    vsnprintf(err->msg, sizeof(err->msg), fmt, ap);
}

int sgn_error_set(sgn_error *err, int code, const char *fmt, ...)
{
    va_list ap;

    if (err == NULL || err->code != 0)
        return code;
    err->code = code;
    va_start(ap, fmt);
    vset(err, fmt, ap);
    va_end(ap);
    return code;
}

int sgn_error_set_service(sgn_error *err, int http_status, const char *svc_code,
                          const char *request_id, const char *fmt, ...)
{
    va_list ap;
    int code = sgn_code_for_service(svc_code);

    if (err == NULL || err->code != 0)
        return code;
    err->code = code;
    err->http_status = http_status;
    snprintf(err->svc_code, sizeof(err->svc_code), "%s", svc_code ? svc_code : "");
    snprintf(err->request_id, sizeof(err->request_id), "%s", request_id ? request_id : "");
    va_start(ap, fmt);
    vset(err, fmt, ap);
    va_end(ap);
    return code;
}

int sgn_error_set_openssl(sgn_error *err, const char *what)
{
    char detail[256] = "";
    unsigned long e = ERR_peek_last_error();

    if (e != 0)
        ERR_error_string_n(e, detail, sizeof(detail));
    ERR_clear_error();
    if (detail[0] != '\0')
        return sgn_error_set(err, SGN_ECRYPTO, "%s: %s", what, detail);
    return sgn_error_set(err, SGN_ECRYPTO, "%s", what);
}

void sgn_error_clear(sgn_error *err)
{
    if (err != NULL)
        memset(err, 0, sizeof(*err));
}

int sgn_code_for_service(const char *svc_code)
{
    static const struct {
        const char *name;
        int code;
    } table[] = {
        {"NotFoundException", SGN_EINVALID},       {"ResourceNotFoundException", SGN_EINVALID},
        {"ValidationException", SGN_EINVALID},     {"BadRequestException", SGN_EINVALID},
        {"ThrottlingException", SGN_ETHROTTLED},   {"AccessDeniedException", SGN_EDENIED},
    };
    size_t i;

    if (svc_code == NULL)
        return SGN_ESERVICE;
    for (i = 0; i < sizeof(table) / sizeof(table[0]); i++)
        if (strcmp(table[i].name, svc_code) == 0)
            return table[i].code;
    return SGN_ESERVICE;
}

const char *sgn_code_name(int code)
{
    switch (code) {
    case SGN_OK: return "OK";
    case SGN_EINVALID: return "EINVALID";
    case SGN_ECONTRACT: return "ECONTRACT";
    case SGN_EDENIED: return "EDENIED";
    case SGN_ETHROTTLED: return "ETHROTTLED";
    case SGN_ETIMEOUT: return "ETIMEOUT";
    case SGN_ENOTFOUND: return "ENOTFOUND";
    case SGN_ECONFLICT: return "ECONFLICT";
    case SGN_ENOMEM: return "ENOMEM";
    case SGN_EIO: return "EIO";
    case SGN_ECRYPTO: return "ECRYPTO";
    case SGN_EDB: return "EDB";
    case SGN_ENETWORK: return "ENETWORK";
    case SGN_EUNSUPPORTED: return "EUNSUPPORTED";
    case SGN_ESERVICE: return "ESERVICE";
    case SGN_ECONFIG: return "ECONFIG";
    default: return "EINTERNAL";
    }
}
