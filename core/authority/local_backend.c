/* The local Signer behind the backend interface, for the plugin's in-process use. The store is
 * opened on first use, so a backend that is never called never touches the disk. */
#include "internal.h"

#include <stdlib.h>
#include <string.h>

#include "sgn/util.h"

typedef struct local_backend {
    sgn_backend base;
    char *dir;
    sgn_authority *a;
    int read_only;      /* a was opened with opts.read_only */
} local_backend;

/* Verification only reads, so it opens the store read-only: it then works on a read-only mount
 * and never changes the store (no purge). Signing needs a read-write handle; a read-only one
 * opened earlier is replaced. */
static int ensure_open(local_backend *lb, int writable, sgn_error *err)
{
    sgn_authority_opts opts = {.read_only = !writable};

    if (lb->a != NULL && (!writable || !lb->read_only))
        return SGN_OK;
    sgn_authority_close(lb->a);
    lb->a = NULL;
    lb->read_only = !writable;
    return sgn_authority_open(&lb->a, lb->dir, &opts, err);
}

static int local_sign_payload(sgn_backend *b, const sgn_sign_request *req, sgn_sign_result *out,
                              sgn_error *err)
{
    local_backend *lb = (local_backend *)b;
    cJSON *in = NULL, *res = NULL, *meta, *m;
    char *b64 = NULL;
    const char *sig;
    size_t n, i = 0;
    int rc;

    if ((rc = ensure_open(lb, 1, err)) < 0 ||
        (rc = sgn_b64_encode(&b64, req->payload, req->payload_len, err)) < 0)
        goto out;
    in = cJSON_CreateObject();
    if (in == NULL) {
        rc = sgn_error_set(err, SGN_ENOMEM, "out of memory");
        goto out;
    }
    cJSON_AddStringToObject(in, "profileName", req->profile_name ? req->profile_name : "");
    if (req->profile_owner && *req->profile_owner)
        cJSON_AddStringToObject(in, "profileOwner", req->profile_owner);
    cJSON_AddStringToObject(in, "payload", b64);
    cJSON_AddStringToObject(in, "payloadFormat", req->payload_format ? req->payload_format : "");
    if (req->envelope_type)
        cJSON_AddStringToObject(in, "signatureEnvelopeType", req->envelope_type);
    if ((rc = sgn_authority_sign_payload(lb->a, in, &res, err)) < 0)
        goto out;
    sig = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(res, "signature"));
    if (sig == NULL) {
        rc = sgn_error_set(err, SGN_EINTERNAL, "local Signer returned no signature");
        goto out;
    }
    if ((rc = sgn_b64_decode(&out->signature, &out->signature_len, sig, strlen(sig), err)) < 0 ||
        (rc = sgn_strdup(&out->job_id,
                         cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(res, "jobId")),
                         err)) < 0 ||
        (rc = sgn_strdup(&out->job_owner,
                         cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(res, "jobOwner")),
                         err)) < 0)
        goto out;
    meta = cJSON_GetObjectItemCaseSensitive(res, "metadata");
    n = (size_t)cJSON_GetArraySize(meta);
    if (n > 0) {
        out->metadata = calloc(n, sizeof(*out->metadata));
        if (out->metadata == NULL) {
            rc = sgn_error_set(err, SGN_ENOMEM, "out of memory");
            goto out;
        }
        cJSON_ArrayForEach(m, meta)
        {
            if (!cJSON_IsString(m))
                continue;
            if ((rc = sgn_strdup(&out->metadata[i].key, m->string, err)) < 0 ||
                (rc = sgn_strdup(&out->metadata[i].value, m->valuestring, err)) < 0) {
                out->metadata_len = i + 1;
                goto out;
            }
            i++;
        }
        out->metadata_len = i;
        /* sorted by key, as the interface promises */
        for (i = 1; i < out->metadata_len; i++) {
            size_t j = i;
            while (j > 0 && strcmp(out->metadata[j - 1].key, out->metadata[j].key) > 0) {
                sgn_kv t = out->metadata[j];
                out->metadata[j] = out->metadata[j - 1];
                out->metadata[j - 1] = t;
                j--;
            }
        }
    }
    rc = SGN_OK;
out:
    if (rc < 0)
        sgn_sign_result_free(out);
    cJSON_Delete(in);
    cJSON_Delete(res);
    free(b64);
    return rc;
}

static int local_get_revocation_status(sgn_backend *b, const sgn_revocation_query *q,
                                       sgn_strlist *revoked, sgn_error *err)
{
    local_backend *lb = (local_backend *)b;
    cJSON *in = NULL, *res = NULL, *hashes, *e;
    size_t i;
    int rc;

    if ((rc = ensure_open(lb, 0, err)) < 0)
        return rc;
    in = cJSON_CreateObject();
    if (in == NULL)
        return sgn_error_set(err, SGN_ENOMEM, "out of memory");
    cJSON_AddNumberToObject(in, "signatureTimestamp", (double)q->signature_timestamp);
    cJSON_AddStringToObject(in, "platformId", q->platform_id ? q->platform_id : "");
    cJSON_AddStringToObject(in, "profileVersionArn",
                            q->profile_version_arn ? q->profile_version_arn : "");
    cJSON_AddStringToObject(in, "jobArn", q->job_arn ? q->job_arn : "");
    hashes = cJSON_AddArrayToObject(in, "certificateHashes");
    for (i = 0; i < q->n_certificate_hashes; i++)
        cJSON_AddItemToArray(hashes, cJSON_CreateString(q->certificate_hashes[i]));
    if ((rc = sgn_authority_get_revocation_status(lb->a, in, &res, err)) < 0)
        goto out;
    cJSON_ArrayForEach(e, cJSON_GetObjectItemCaseSensitive(res, "revokedEntities"))
    {
        if (cJSON_IsString(e) && (rc = sgn_strlist_push(revoked, e->valuestring, err)) < 0)
            goto out;
    }
    rc = SGN_OK;
out:
    if (rc < 0)
        sgn_strlist_free(revoked);
    cJSON_Delete(in);
    cJSON_Delete(res);
    return rc;
}

static void local_free(sgn_backend *b)
{
    local_backend *lb = (local_backend *)b;

    sgn_authority_close(lb->a);
    free(lb->dir);
    free(lb);
}

static const sgn_backend_ops local_ops = {"local", local_sign_payload,
                                          local_get_revocation_status, local_free};

int sgn_local_backend_new(sgn_backend **out, const char *store_dir, sgn_error *err)
{
    local_backend *lb;

    *out = NULL;
    lb = calloc(1, sizeof(*lb));
    if (lb == NULL || (lb->dir = strdup(store_dir ? store_dir : "")) == NULL) {
        free(lb);
        return sgn_error_set(err, SGN_ENOMEM, "out of memory");
    }
    lb->base.ops = &local_ops;
    lb->base.impl = lb;
    *out = &lb->base;
    return SGN_OK;
}
