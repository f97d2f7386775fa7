/* Test driver for core/aws/sigv4.c (not installed): one JSON request on stdin, the signature on
 * stdout.
 *
 *   in:  {"method","path","query","headers":[[name,value],...],"body_b64","region","service",
 *         "time": unix seconds,"access_key_id","secret_access_key","session_token"?,
 *         "normalize_path"? (default true),"omit_session_token"? (default false)}
 *   out: {"authorization","amz_date","canonical_request","string_to_sign","signature"}
 *
 * Exit status 0 on success, 1 on a signing error (message on stderr), 2 on bad input. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cjson/cJSON.h>

#include "sgn/aws_sigv4.h"
#include "sgn/buf.h"
#include "sgn/util.h"

static const char *str_member(const cJSON *o, const char *name)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, name);

    return cJSON_IsString(v) ? v->valuestring : NULL;
}

static int bool_member(const cJSON *o, const char *name, int dflt)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, name);

    return cJSON_IsBool(v) ? cJSON_IsTrue(v) : dflt;
}

int main(void)
{
    sgn_error err = SGN_ERROR_INIT;
    sgn_buf in = SGN_BUF_INIT;
    cJSON *req = NULL, *resp = NULL;
    const cJSON *hdrs, *h, *t;
    sgn_kv *kv = NULL;
    size_t n = 0;
    unsigned char *body = NULL;
    size_t body_len = 0;
    sgn_sigv4_input si = {0};
    sgn_aws_creds creds = SGN_AWS_CREDS_INIT;
    sgn_sigv4_output out = SGN_SIGV4_OUTPUT_INIT;
    const char *b64;
    char *text = NULL;
    int status = 2;

    if (sgn_read_fd(&in, STDIN_FILENO, 16u << 20, &err) < 0) {
        fprintf(stderr, "sigv4_tool: reading stdin: %s\n", err.msg);
        goto out;
    }
    if ((req = cJSON_ParseWithLength(sgn_buf_cstr(&in), in.len)) == NULL ||
        !cJSON_IsObject(req)) {
        fprintf(stderr, "sigv4_tool: stdin is not a JSON object\n");
        goto out;
    }
    hdrs = cJSON_GetObjectItemCaseSensitive(req, "headers");
    if (hdrs != NULL && !cJSON_IsArray(hdrs)) {
        fprintf(stderr, "sigv4_tool: \"headers\" must be an array of [name, value]\n");
        goto out;
    }
    if ((kv = calloc((size_t)cJSON_GetArraySize(hdrs) + 1, sizeof(*kv))) == NULL)
        goto out;
    cJSON_ArrayForEach(h, hdrs) {
        const cJSON *name = cJSON_GetArrayItem(h, 0), *value = cJSON_GetArrayItem(h, 1);

        if (!cJSON_IsArray(h) || cJSON_GetArraySize(h) != 2 || !cJSON_IsString(name) ||
            !cJSON_IsString(value)) {
            fprintf(stderr, "sigv4_tool: each header must be [name, value]\n");
            goto out;
        }
        kv[n].key = name->valuestring;
        kv[n].value = value->valuestring;
        n++;
    }
    if ((b64 = str_member(req, "body_b64")) != NULL &&
        sgn_b64_decode(&body, &body_len, b64, strlen(b64), &err) < 0) {
        fprintf(stderr, "sigv4_tool: body_b64: %s\n", err.msg);
        goto out;
    }
    t = cJSON_GetObjectItemCaseSensitive(req, "time");
    if (!cJSON_IsNumber(t)) {
        fprintf(stderr, "sigv4_tool: \"time\" (Unix seconds) is required\n");
        goto out;
    }
    si.method = str_member(req, "method");
    si.path = str_member(req, "path");
    si.query = str_member(req, "query");
    si.headers = kv;
    si.n_headers = n;
    si.body = body;
    si.body_len = body_len;
    si.region = str_member(req, "region");
    si.service = str_member(req, "service");
    si.time = (int64_t)t->valuedouble;
    si.normalize_path = bool_member(req, "normalize_path", 1);
    si.omit_session_token = bool_member(req, "omit_session_token", 0);
    creds.access_key_id = (char *)str_member(req, "access_key_id");
    creds.secret_access_key = (char *)str_member(req, "secret_access_key");
    creds.session_token = (char *)str_member(req, "session_token");

    if (sgn_sigv4_sign(&out, &si, &creds, &err) < 0) {
        fprintf(stderr, "sigv4_tool: %s\n", err.msg);
        status = 1;
        goto out;
    }
    if ((resp = cJSON_CreateObject()) == NULL ||
        !cJSON_AddStringToObject(resp, "authorization", out.authorization) ||
        !cJSON_AddStringToObject(resp, "amz_date", out.amz_date) ||
        !cJSON_AddStringToObject(resp, "canonical_request", out.canonical_request) ||
        !cJSON_AddStringToObject(resp, "string_to_sign", out.string_to_sign) ||
        !cJSON_AddStringToObject(resp, "signature", out.signature) ||
        (text = cJSON_PrintUnformatted(resp)) == NULL) {
        fprintf(stderr, "sigv4_tool: out of memory\n");
        status = 1;
        goto out;
    }
    printf("%s\n", text);
    status = fflush(stdout) == 0 ? 0 : 1;
out:
    free(text);
    cJSON_Delete(resp);
    sgn_sigv4_output_free(&out);
    free(body);
    free(kv);
    cJSON_Delete(req);
    sgn_buf_free(&in);
    return status;
}
