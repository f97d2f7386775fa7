/* Responses as restJson1 clients parse them (research/aws-signer-api.md §1.1, §1.3): 200 with
 * the output members as a JSON object; errors with the shape's status, x-amzn-ErrorType and a
 * body {"message": ..., "code": ...} that botocore (header, then code) and Go v2 (header, then
 * code or __type) both read. */
#include "serve.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Error names and statuses: the Signer model's shapes (§1.3) and the common errors the front
 * end itself answers with. */
static const struct {
    const char *name;
    unsigned status;
} statuses[] = {
    {"ValidationException", 400},
    {"BadRequestException", 400},
    {"SerializationException", 400},
    {"AccessDeniedException", 403},
    {"MissingAuthenticationTokenException", 403},
    {"IncompleteSignatureException", 403},
    {"InvalidSignatureException", 403},
    {"UnrecognizedClientException", 403},
    {"ExpiredTokenException", 403},
    {"NotFoundException", 404},
    {"ResourceNotFoundException", 404},
    {"UnknownOperationException", 404},
    {"ConflictException", 409},
    {"ServiceLimitExceededException", 402},
    {"RequestEntityTooLargeException", 413},
    {"TooManyRequestsException", 429},
    {"ThrottlingException", 429},
    {"InternalServiceErrorException", 500},
    {"ServiceUnavailable", 503},
};

unsigned sv_status_for(const char *name)
{
    size_t i;

    for (i = 0; i < sizeof(statuses) / sizeof(statuses[0]); i++)
        if (strcmp(statuses[i].name, name) == 0)
            return statuses[i].status;
    return 400;
}

int sv_error(sgn_error *err, const char *name, const char *fmt, ...)
{
    char msg[sizeof(err->msg)];
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    return sgn_error_set_service(err, (int)sv_status_for(name), name, NULL, "%s", msg);
}

void sv_response_free(sv_response *r)
{
    free(r->body);
    r->body = NULL;
    r->body_len = 0;
}

static int set_body(sv_response *r, cJSON *obj)
{
    char *text = cJSON_PrintUnformatted(obj);

    if (text == NULL)
        return SGN_ENOMEM;
    free(r->body);
    r->body = text;
    r->body_len = strlen(text);
    return SGN_OK;
}

int sv_respond_ok(sv_response *r, const cJSON *out, sgn_error *err)
{
    cJSON *empty = NULL;
    int rc;

    if (out == NULL && (out = empty = cJSON_CreateObject()) == NULL)
        return sgn_error_set(err, SGN_ENOMEM, "out of memory");
    rc = set_body(r, (cJSON *)out);
    cJSON_Delete(empty);
    if (rc < 0)
        return sgn_error_set(err, rc, "out of memory");
    r->status = 200;
    r->error_type[0] = '\0';
    r->error_message[0] = '\0';
    return SGN_OK;
}

void sv_respond_error(sv_response *r, const sgn_error *e)
{
    static const char fallback[] =
        "{\"message\":\"An internal error occurred.\",\"code\":\"InternalServiceErrorException\"}";
    const char *name, *msg = e->msg;
    unsigned status;
    cJSON *obj;

    if (e->svc_code[0] != '\0') {
        name = e->svc_code;
        status = e->http_status > 0 ? (unsigned)e->http_status : sv_status_for(name);
    } else {
        switch (e->code) {
        case SGN_EINVALID: name = "ValidationException"; break;
        case SGN_ENOTFOUND: name = "ResourceNotFoundException"; break;
        case SGN_EDENIED: name = "AccessDeniedException"; break;
        case SGN_ECONFLICT: name = "ConflictException"; break;
        case SGN_ETHROTTLED: name = "TooManyRequestsException"; break;
        default:
            name = "InternalServiceErrorException";
            msg = "An internal error occurred.";    /* the detail goes to stderr only */
            break;
        }
        status = sv_status_for(name);
    }
    r->status = status;
    snprintf(r->error_type, sizeof(r->error_type), "%s", name);
    snprintf(r->error_message, sizeof(r->error_message), "%s", msg);
    r->retry_after = status == 429 ? 1 : 0;
    obj = cJSON_CreateObject();
    if (obj == NULL || cJSON_AddStringToObject(obj, "message", msg) == NULL ||
        cJSON_AddStringToObject(obj, "code", name) == NULL || set_body(r, obj) < 0) {
        free(r->body);
        r->body = strdup(fallback);
        r->body_len = r->body ? strlen(r->body) : 0;
        if (r->status < 500) {
            r->status = 500;
            snprintf(r->error_type, sizeof(r->error_type), "InternalServiceErrorException");
        }
    }
    cJSON_Delete(obj);
}
