/* GetRevocationStatus and certificate revocation. */
#include "internal.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "sgn/arn.h"
#include "sgn/util.h"

static int bad_arn(sgn_error *err, const char *member, const char *value, const char *why)
{
    return sgn_authority__fail(err, 400, "ValidationException", "Invalid %s \"%s\": %s", member,
                               value, why);
}

/* Parse an ARN of this store (its partition and region, any account) with resource prefix
 * `kind` ("signing-profiles" or "signing-jobs"); on success *parts holds the resource split on
 * '/' (owned by *arn). */
static int parse_store_arn(sgn_arn *arn, char **parts, size_t max_parts, size_t *n_parts,
                           sgn_authority *a, const char *member, const char *value,
                           const char *kind, sgn_error *err)
{
    sgn_error local = SGN_ERROR_INIT;
    char *p;
    size_t n = 0;
    int rc;

    if (strlen(value) < 20 || strlen(value) > 2048)
        return sgn_authority__fail(err, 400, "ValidationException",
                                   "1 validation error detected: Value at '%s' failed to satisfy "
                                   "constraint: Member must have length between 20 and 2048",
                                   member);
    if (sgn_arn_parse(arn, value, &local) < 0)
        return bad_arn(err, member, value, local.msg);
    if (strcmp(arn->service, "signer") != 0)
        return bad_arn(err, member, value, "not an AWS Signer ARN");
    if (strcmp(arn->partition, sgn_partition_for_region(a->region)) != 0 ||
        strcmp(arn->region, a->region) != 0)
        return sgn_authority__fail(
            err, 400, "ValidationException",
            "%s %s belongs to partition %s, region %s, but this Signer serves partition %s, "
            "region %s; signatures are checked where they were made",
            member, value, arn->partition, arn->region, sgn_partition_for_region(a->region),
            a->region);
    if ((rc = sgn_authority__check_account(arn->account, member, err)) < 0)
        return rc;
    p = arn->resource;
    if (*p != '/')
        return bad_arn(err, member, value, "the resource must start with \"/\"");
    p++;
    while (n < max_parts) {
        char *slash = strchr(p, '/');
        parts[n++] = p;
        if (slash == NULL)
            break;
        *slash = '\0';
        p = slash + 1;
    }
    if (strchr(p, '/') != NULL || strcmp(parts[0], kind) != 0)
        return bad_arn(err, member, value, kind[8] == 'p' ? "not a signing profile version ARN"
                                                          : "not a signing job ARN");
    *n_parts = n;
    return SGN_OK;
}

static int hash_revoked(sgn_authority *a, const char *entry, int *revoked, sgn_error *err)
{
    sqlite3_stmt *st = NULL;
    int rc;

    *revoked = 0;
    if ((rc = sgn_authority__stmt(a, &st,
                                     "SELECT 1 FROM certs WHERE revoked_pair IS NOT NULL AND "
                                     "lower(revoked_pair) = lower(?) LIMIT 1",
                                     err)) < 0)
        return rc;
    sqlite3_bind_text(st, 1, entry, -1, SQLITE_STATIC);
    rc = sqlite3_step(st);
    if (rc == SQLITE_ROW)
        *revoked = 1;
    rc = rc == SQLITE_ROW || rc == SQLITE_DONE
             ? SGN_OK
             : sgn_authority__db_fail(a, err, "cannot read certificate revocations");
    sgn_authority__stmt_done(a, st);
    return rc;
}

int sgn_authority_get_revocation_status(sgn_authority *a, const cJSON *in, cJSON **out,
                                        sgn_error *err)
{
    const char *platform_id, *pv_arn, *job_arn;
    const cJSON *hashes = in ? cJSON_GetObjectItemCaseSensitive(in, "certificateHashes") : NULL;
    const cJSON *h;
    const sgn_platform *pl;
    int64_t ts;
    sgn_arn pv = SGN_ARN_INIT, job = SGN_ARN_INIT;
    char *pv_parts[4], *job_parts[3];
    size_t n_pv = 0, n_job = 0;
    cJSON *o = NULL, *arr;
    int rc, revoked;

    *out = NULL;
    if ((rc = sgn_authority__get_number(&ts, NULL, in, "signatureTimestamp", 1, err)) < 0 ||
        (rc = sgn_authority__get_string(&platform_id, in, "platformId", 1, err)) < 0 ||
        (rc = sgn_authority__get_string(&pv_arn, in, "profileVersionArn", 1, err)) < 0 ||
        (rc = sgn_authority__get_string(&job_arn, in, "jobArn", 1, err)) < 0)
        return rc;
    if (!cJSON_IsArray(hashes) || cJSON_GetArraySize(hashes) < 1)
        return sgn_authority__fail(err, 400, "ValidationException",
                                   "1 validation error detected: Value null at "
                                   "'certificateHashes' failed to satisfy constraint: Member "
                                   "must not be null");
    cJSON_ArrayForEach(h, hashes) if (!cJSON_IsString(h) || strlen(h->valuestring) < 1 ||
                                      strlen(h->valuestring) > 2048) return sgn_authority__fail(
        err, 400, "ValidationException",
        "Each certificateHashes entry must be a string of 1 to 2048 characters");
    pl = sgn_authority__platform(platform_id);
    if (pl == NULL || !pl->revocation_supported)
        return sgn_authority__fail(err, 400, "ValidationException",
                                   "Platform %s does not support revocation checks", platform_id);
    if ((rc = parse_store_arn(&pv, pv_parts, 4, &n_pv, a, "profileVersionArn", pv_arn,
                              "signing-profiles", err)) < 0 ||
        (rc = parse_store_arn(&job, job_parts, 3, &n_job, a, "jobArn", job_arn, "signing-jobs",
                              err)) < 0)
        goto out;
    if (n_pv != 3) {
        rc = bad_arn(err, "profileVersionArn", pv_arn,
                     "expected arn:<partition>:signer:<region>:<account>:/signing-profiles/"
                     "<name>/<version>");
        goto out;
    }
    if (n_job != 2) {
        rc = bad_arn(err, "jobArn", job_arn,
                     "expected arn:<partition>:signer:<region>:<account>:/signing-jobs/<id>");
        goto out;
    }
    /* One read transaction (one snapshot, one WAL read lock) for the lookups below. */
    if ((rc = sgn_authority__exec(a, "BEGIN", err)) < 0)
        goto out;
    o = cJSON_CreateObject();
    arr = cJSON_AddArrayToObject(o, "revokedEntities");
    if (arr == NULL) {
        rc = sgn_error_set(err, SGN_ENOMEM, "out of memory");
        goto out;
    }
    /* Any caller may ask (AWS answers GetRevocationStatus for any authenticated caller): the
     * ARNs name the owner account, whoever signed. */
    if ((rc = sgn_authority__profile_version_revoked(a, pv.account, pv_parts[1], pv_parts[2], ts,
                                                     &revoked, err)) < 0)
        goto out;
    if (revoked)
        cJSON_AddItemToArray(arr, cJSON_CreateString(pv_arn));
    if ((rc = sgn_authority__job_revoked(a, job.account, job_parts[1], &revoked, err)) < 0)
        goto out;
    if (revoked)
        cJSON_AddItemToArray(arr, cJSON_CreateString(job_arn));
    cJSON_ArrayForEach(h, hashes)
    {
        if ((rc = hash_revoked(a, h->valuestring, &revoked, err)) < 0)
            goto out;
        if (revoked)
            cJSON_AddItemToArray(arr, cJSON_CreateString(h->valuestring));
    }
    *out = o;
    o = NULL;
    rc = SGN_OK;
out:
    sgn_authority__rollback(a);   /* read only: nothing to keep */
    cJSON_Delete(o);
    sgn_arn_free(&pv);
    sgn_arn_free(&job);
    return rc;
}

int sgn_authority_revoke_certificate(sgn_authority *a, const cJSON *in, cJSON **out,
                                     sgn_error *err)
{
    const char *hash, *reason;
    sqlite3_stmt *st = NULL;
    char pair[2 * 96 + 1], *already = NULL;
    int64_t id = 0, now = sgn_authority_now(a);
    int rc, step;
    size_t i;

    *out = NULL;
    /* The store's PKI serves every account: only the store's own account revokes in it. */
    if (!sgn_authority__caller_is_admin(a))
        return sgn_authority__denied(a, "RevokeCertificate", "the local Signer's certificates",
                                     err);
    if ((rc = sgn_authority__get_string(&hash, in, "certificateHash", 1, err)) < 0 ||
        (rc = sgn_authority__get_string(&reason, in, "reason", 1, err)) < 0)
        return rc;
    for (i = 0; hash[i] && isxdigit((unsigned char)hash[i]); i++)
        ;
    if (i != 96 || hash[i] != '\0')
        return sgn_authority__fail(err, 400, "ValidationException",
                                   "certificateHash must be the 96 hex digits of the SHA-384 of "
                                   "the certificate's TBSCertificate");
    if ((rc = sgn_authority__check_reason(reason, err)) < 0)
        return rc;
    if ((rc = sgn_authority__begin(a, err)) < 0)
        return rc;
    if ((rc = sgn_authority__prepare(
             a, &st,
             "SELECT c.id, c.tbs_hash, COALESCE(p.tbs_hash, c.tbs_hash), c.revoked_pair "
             "FROM certs c LEFT JOIN certs p ON p.id = c.parent_id WHERE lower(c.tbs_hash) = "
             "lower(?)",
             err)) < 0)
        goto out;
    sqlite3_bind_text(st, 1, hash, -1, SQLITE_STATIC);
    step = sqlite3_step(st);
    if (step == SQLITE_DONE) {
        rc = sgn_authority__fail(err, 404, "ResourceNotFoundException",
                                 "This store issued no certificate whose TBS SHA-384 is %s", hash);
        goto out;
    }
    if (step != SQLITE_ROW) {
        rc = sgn_authority__db_fail(a, err, "cannot read certificates");
        goto out;
    }
    id = sqlite3_column_int64(st, 0);
    snprintf(pair, sizeof(pair), "%s%s", sqlite3_column_text(st, 1), sqlite3_column_text(st, 2));
    if (sqlite3_column_type(st, 3) != SQLITE_NULL)
        already = strdup((const char *)sqlite3_column_text(st, 3));
    sqlite3_finalize(st);
    st = NULL;
    if (already == NULL) {
        if ((rc = sgn_authority__prepare(a, &st,
                                         "UPDATE certs SET revoked_pair = ?2, revoked_at = ?3, "
                                         "revoke_reason = ?4 WHERE id = ?1",
                                         err)) < 0)
            goto out;
        sqlite3_bind_int64(st, 1, id);
        sqlite3_bind_text(st, 2, pair, -1, SQLITE_STATIC);
        sqlite3_bind_int64(st, 3, now);
        sqlite3_bind_text(st, 4, reason, -1, SQLITE_STATIC);
        if (sqlite3_step(st) != SQLITE_DONE) {
            rc = sgn_authority__db_fail(a, err, "cannot revoke the certificate");
            goto out;
        }
    }
    if ((rc = sgn_authority__commit(a, err)) < 0)
        goto out;
    *out = cJSON_CreateObject();
    if (*out == NULL) {
        rc = sgn_error_set(err, SGN_ENOMEM, "out of memory");
        goto out;
    }
    cJSON_AddStringToObject(*out, "certificateHashPair", pair);
    cJSON_AddItemToObject(*out, "revokedAt", sgn_authority__epoch(now));
    rc = SGN_OK;
out:
    sgn_authority__rollback(a);
    sqlite3_finalize(st);
    free(already);
    return rc;
}
