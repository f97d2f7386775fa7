/* generate-envelope: SignPayload through the selected backend
 * (research/aws-signer-plugin.md §3). */
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "backend_select.h"
#include "commands.h"
#include "sgn/arn.h"
#include "sgn/util.h"

#define MSG_EXPIRY                                                                             \
    "AWSSigner plugin doesn't support -e (--expiry) argument. Please use signing profile to "  \
    "set signature expiry."
#define MSG_BAD_KEY_SUFFIX                                                                     \
    " is not a valid AWS Signer signing profile or signing profile version ARN."

/* plugin.GenerateEnvelopeRequest */
typedef struct ge_request {
    sgn_buf contract_version;
    sgn_buf key_id;
    sgn_buf payload_type;
    sgn_buf envelope_type;
    pl_bytes payload;
    uint64_t expiry_seconds;
    pl_config config;
} ge_request;

static const pl_field request_fields[] = {
    {"contractVersion", pl_decode_string, offsetof(ge_request, contract_version)},
    {"keyId", pl_decode_string, offsetof(ge_request, key_id)},
    {"payloadType", pl_decode_string, offsetof(ge_request, payload_type)},
    {"signatureEnvelopeType", pl_decode_string, offsetof(ge_request, envelope_type)},
    {"payload", pl_decode_bytes, offsetof(ge_request, payload)},
    {"expiryDurationInSeconds", pl_decode_uint64, offsetof(ge_request, expiry_seconds)},
    {"pluginConfig", pl_decode_config, offsetof(ge_request, config)},
};

static void request_free(ge_request *q)
{
    sgn_buf_free(&q->contract_version);
    sgn_buf_free(&q->key_id);
    sgn_buf_free(&q->payload_type);
    sgn_buf_free(&q->envelope_type);
    free(q->payload.data);
    pl_config_free(&q->config);
}

/* The framework's Validate(), in its order. */
static int validate(const ge_request *q, pl_result *r)
{
    const char *missing = NULL;

    if (q->contract_version.len == 0)
        missing = "contractVersion";
    else if (q->key_id.len == 0)
        missing = "keyId";
    else if (q->payload_type.len == 0)
        missing = "payloadType";
    else if (q->envelope_type.len == 0)
        missing = "signatureEnvelopeType";
    else if (q->payload.len == 0)
        missing = "payload";
    if (missing != NULL)
        return pl_fail(r, SGN_EINVALID, PL_MSG_MALFORMED ": %s cannot be empty", missing);
    return SGN_OK;
}

/* arn.Parse(keyId) and strings.Split(resource, "/") == 3 parts; *name and *owner point into a. */
static int parse_key_id(sgn_arn *a, const char **name, const char **owner, sgn_span key_id)
{
    char *slash1, *slash2;

    if (sgn_span_has_nul(key_id)) /* cannot name a profile */
        return SGN_EINVALID;
    if (sgn_arn_parse(a, key_id.ptr, NULL) < 0)
        return SGN_EINVALID;
    slash1 = strchr(a->resource, '/');
    slash2 = slash1 ? strchr(slash1 + 1, '/') : NULL;
    if (slash1 == NULL || slash2 == NULL || strchr(slash2 + 1, '/') != NULL)
        return SGN_EINVALID;
    *name = slash2 + 1;
    *owner = a->account;
    return SGN_OK;
}

static int sign_failed(pl_result *r, const sgn_error *err)
{
    const char *msg = err->msg[0] != '\0' ? err->msg : err->svc_code;

    if (err->svc_code[0] == '\0')
        return pl_fail_error(r, err);
    /* parseAwsError: an AWS API error (with its HTTP request id) */
    if (err->request_id[0] != '\0')
        return pl_fail(r, err->code, "Failed to call AWSSigner. Error: %s. RequestID: %s.", msg,
                       err->request_id);
    return pl_fail(r, err->code, "Failed to call AWSSigner. Error: %s.", msg);
}

static int build_response(pl_result *r, const sgn_sign_result *res, const ge_request *q)
{
    cJSON *o = cJSON_CreateObject(), *ann = NULL;
    char *b64 = NULL;
    size_t *order = NULL, i, j;
    sgn_error err = SGN_ERROR_INIT;
    int rc = SGN_ENOMEM;

    if (o == NULL || sgn_b64_encode(&b64, res->signature, res->signature_len, &err) < 0 ||
        !cJSON_AddStringToObject(o, "signatureEnvelope", b64) ||
        !cJSON_AddStringToObject(o, "signatureEnvelopeType", sgn_buf_cstr(&q->envelope_type)))
        goto out;
    if (res->metadata_len > 0) {
        /* Go's json.Marshal writes map keys sorted */
        if ((order = calloc(res->metadata_len, sizeof(*order))) == NULL)
            goto out;
        for (i = 0; i < res->metadata_len; i++) {
            for (j = i; j > 0 && strcmp(res->metadata[order[j - 1]].key, res->metadata[i].key) > 0;
                 j--)
                order[j] = order[j - 1];
            order[j] = i;
        }
        if ((ann = cJSON_AddObjectToObject(o, "annotations")) == NULL)
            goto out;
        for (i = 0; i < res->metadata_len; i++) {
            const sgn_kv *kv = &res->metadata[order[i]];
            cJSON_DeleteItemFromObjectCaseSensitive(ann, kv->key); /* a repeated key: last wins */
            if (!cJSON_AddStringToObject(ann, kv->key, kv->value ? kv->value : ""))
                goto out;
        }
    }
    r->json = o;
    o = NULL;
    rc = SGN_OK;
out:
    if (rc < 0)
        pl_fail(r, err.code ? err.code : SGN_ENOMEM, "%s", err.code ? err.msg : "out of memory");
    cJSON_Delete(o);
    free(b64);
    free(order);
    return rc;
}

int pl_cmd_generate_envelope(pl_ctx *ctx, pl_result *r)
{
    ge_request q;
    cJSON *root = NULL;
    pl_backend_plan plan;
    sgn_backend *backend = NULL;
    sgn_sign_request sreq;
    sgn_sign_result sres;
    sgn_arn arn = SGN_ARN_INIT;
    sgn_error err = SGN_ERROR_INIT;
    const char *name = NULL, *owner = NULL;
    sgn_span type;
    int rc, cose;

    pl_openssl_prepare();
    memset(&q, 0, sizeof(q));
    memset(&sres, 0, sizeof(sres));
    if ((rc = pl_read_request(&root, r)) < 0)
        goto out;
    if ((rc = pl_decode_struct(&q, request_fields,
                               sizeof(request_fields) / sizeof(request_fields[0]), root)) < 0) {
        rc = rc == SGN_EINVALID ? pl_fail(r, SGN_EINVALID, "%s", PL_MSG_MALFORMED)
                                : pl_fail(r, rc, "out of memory");
        goto out;
    }
    cJSON_Delete(root); /* the payload has been decoded; the parsed request can go */
    root = NULL;
    if ((rc = validate(&q, r)) < 0)
        goto out;
    pl_log_debug(ctx->log,
                 "generate-envelope: keyId=%s payloadType=%s signatureEnvelopeType=%s "
                 "payload=%zu bytes, pluginConfig keys=%zu",
                 sgn_buf_cstr(&q.key_id), sgn_buf_cstr(&q.payload_type),
                 sgn_buf_cstr(&q.envelope_type), q.payload.len, q.config.n_keys);

    /* the Go plugin's validate(), in its order */
    if (q.expiry_seconds != 0) {
        rc = pl_fail(r, SGN_EINVALID, MSG_EXPIRY);
        goto out;
    }
    if ((rc = pl_check_contract(r, pl_span(&q.contract_version))) < 0)
        goto out;
    pl_backend_choose(&plan, &q.config, pl_span(&q.key_id));
    type = pl_span(&q.envelope_type);
    /* JWS always; COSE only from the local Signer (our extension: AWS Signer makes JWS only) */
    cose = sgn_span_eq(type, SGN_ENVELOPE_COSE) && plan.kind == PL_BACKEND_LOCAL;
    if (!sgn_span_eq(type, SGN_ENVELOPE_JWS) && !cose) {
        rc = pl_fail_quoted(r, SGN_EINVALID, "envelope type ", type, " is not supported");
        goto out;
    }
    if (parse_key_id(&arn, &name, &owner, pl_span(&q.key_id)) < 0) {
        rc = pl_fail_span(r, SGN_EINVALID, "", pl_span(&q.key_id), MSG_BAD_KEY_SUFFIX);
        goto out;
    }
    if (sgn_span_has_nul(pl_span(&q.payload_type))) {
        rc = pl_fail(r, SGN_EINVALID, "payloadType must not contain a NUL character");
        goto out;
    }

    pl_log_debug(ctx->log, "calling SignPayload on the %s for profile %s (owner %s)",
                 pl_backend_name(&plan), name, owner);
    if ((rc = pl_backend_open(&backend, &plan, &q.config, ctx, &err)) < 0) {
        rc = pl_fail_error(r, &err);
        goto out;
    }
    memset(&sreq, 0, sizeof(sreq));
    sreq.profile_name = name;
    sreq.profile_owner = owner;
    sreq.payload = q.payload.data;
    sreq.payload_len = q.payload.len;
    sreq.payload_format = sgn_buf_cstr(&q.payload_type);
    sreq.envelope_type = cose ? SGN_ENVELOPE_COSE : NULL;
    sreq.profile_arn = sgn_buf_cstr(&q.key_id);
    if ((rc = sgn_backend_sign_payload(backend, &sreq, &sres, &err)) < 0) {
        pl_log_debug(ctx->log, "SignPayload failed: %s (%s)", err.msg,
                     err.svc_code[0] ? err.svc_code : sgn_code_name(err.code));
        rc = sign_failed(r, &err);
        goto out;
    }
    pl_log_debug(ctx->log, "SignPayload succeeded: job %s, envelope %zu bytes, %zu annotations",
                 sres.job_id ? sres.job_id : "", sres.signature_len, sres.metadata_len);
    rc = build_response(r, &sres, &q);
out:
    sgn_sign_result_free(&sres);
    sgn_backend_free(backend);
    sgn_arn_free(&arn);
    request_free(&q);
    cJSON_Delete(root);
    return rc;
}
