/* Signing jobs: SignPayload, RevokeSignature, DescribeSigningJob, ListSigningJobs. */
#include "internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sgn/buf.h"
#include "sgn/crypto.h"
#include "sgn/envelope.h"
#include "sgn/arn.h"
#include "sgn/util.h"

#define MAX_PAYLOAD 4096

static int decode_payload(unsigned char **out, size_t *len, const char *b64, sgn_error *err)
{
    sgn_error local = SGN_ERROR_INIT;

    if (sgn_b64_decode(out, len, b64, strlen(b64), &local) < 0)
        return sgn_authority__fail(err, 400, "ValidationException",
                                   "payload is not valid base64: %s", local.msg);
    if (*len < 1 || *len > MAX_PAYLOAD) {
        free(*out);
        *out = NULL;
        return sgn_authority__fail(err, 400, "ValidationException",
                                   "1 validation error detected: Value at 'payload' failed to "
                                   "satisfy constraint: Member must have length between 1 and "
                                   "4096 (got %zu bytes)",
                                   *len);
    }
    return SGN_OK;
}

/* A payload signed and not yet recorded (sgn_authority_sign_payload_unrecorded). The caller
 * is kept: the record is checked again, and may be written, through another handle. */
struct sgn_signed_job {
    char job_id[37], owner[13], name[65], version[11], platform_id[64], envelope_type[32];
    char payload_hash[65];
    char *caller_account, *caller_principal;   /* NULL: the store's own account */
    int64_t now, expiry, leaf_id;
};

void sgn_signed_job_free(sgn_signed_job *j)
{
    if (j == NULL)
        return;
    free(j->caller_account);
    free(j->caller_principal);
    free(j);
}

/* jobOwner is the profile's owner, jobInvoker the caller's account, requestedBy the caller's
 * principal (API model, SigningJob; the guide's ListSigningJobs: "IAM principal that requested
 * the signing job"). */
static int record_job(sgn_authority *a, const sgn_signed_job *j, sgn_error *err)
{
    sqlite3_stmt *st = NULL;
    char *by = sgn_authority__caller_arn(a);
    int rc;

    if ((rc = sgn_authority__stmt(
             a, &st,
             "INSERT INTO jobs(job_id, profile_name, profile_version, platform_id, job_owner, "
             "job_invoker, requested_by, status, created_at, completed_at, signature_expires_at, "
             "envelope_type, payload_sha256, leaf_cert_id) "
             "VALUES (?, ?, ?, ?, ?, ?, ?, 'Succeeded', ?, ?, ?, ?, ?, ?)",
             err)) < 0)
        goto out;
    sqlite3_bind_text(st, 1, j->job_id, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, j->name, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 3, j->version, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 4, j->platform_id, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 5, j->owner, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 6, sgn_authority__caller_account(a), -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 7, by ? by : "", -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 8, j->now);
    sqlite3_bind_int64(st, 9, j->now);
    sqlite3_bind_int64(st, 10, j->expiry);
    sqlite3_bind_text(st, 11, j->envelope_type, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 12, j->payload_hash, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 13, j->leaf_id);
    if (sqlite3_step(st) != SQLITE_DONE)
        rc = sgn_authority__db_fail(a, err, "cannot record the signing job");
out:
    sgn_authority__stmt_done(a, st);
    free(by);
    return rc;
}

/* What signing needs: the profile (Active, the caller allowed) and the signing chain. A read
 * transaction, so that signers do not queue on the write lock; *due = 1 (and nothing returned)
 * when the CA or the leaf must be replaced first. With rotate, the same under the write lock
 * (BEGIN IMMEDIATE), replacing what is due: every key file is written holding that lock and
 * committed before it is released, which the stray-key cleanup at open relies on
 * (store_files.c). */
static int signing_inputs(sgn_authority *a, sgn_signed_job *j, int64_t *vvalue, char vtype[8],
                          EVP_PKEY **key, X509 ***chain, size_t *chain_len, int rotate, int *due,
                          sgn_error *err)
{
    const sgn_platform *pl;
    int rc;

    *due = 0;
    if ((rc = rotate ? sgn_authority__begin(a, err) : sgn_authority__exec(a, "BEGIN", err)) < 0)
        return rc;
    if ((rc = sgn_authority__signable_profile(a, j->owner, j->name, j->version, j->platform_id,
                                              vvalue, vtype, err)) < 0)
        goto out;
    pl = sgn_authority__platform(j->platform_id);
    if (pl == NULL || !pl->can_sign_payload) {
        rc = sgn_authority__fail(err, 400, "ValidationException",
                                 "SignPayload is not supported for platform %s; it signs only "
                                 "with %s",
                                 j->platform_id, SGN_PLATFORM_NOTATION);
        goto out;
    }
    if ((rc = rotate ? sgn_authority__signing_chain(a, key, chain, chain_len, &j->leaf_id, err)
                     : sgn_authority__current_chain(a, key, chain, chain_len, &j->leaf_id, due,
                                                    err)) < 0 ||
        (rc = sgn_authority__commit(a, err)) < 0)
        goto out;
    return SGN_OK;
out:
    sgn_authority__rollback(a);
    EVP_PKEY_free(*key);
    *key = NULL;
    sgn_authority__chain_free(*chain, *chain_len);
    *chain = NULL;
    *chain_len = 0;
    return rc;
}

/* The envelope of a SignPayload: AWS's signed attributes for the job's profile version and the
 * job, signed at j->now (the store's clock) with key. *profile_varn and *job_arn are malloc'd. */
static int sign_envelope(sgn_buf *env, sgn_authority *a, sgn_signed_job *j, int64_t vvalue,
                         const char *vtype, const unsigned char *payload, size_t payload_len,
                         EVP_PKEY *key, X509 **chain, size_t chain_len, char **profile_varn,
                         char **job_arn, sgn_error *err)
{
    char agent[64];
    sgn_kv attrs[3];
    sgn_sig_attrs sa;

    j->now = sgn_authority_now(a);
    j->expiry = sgn_authority__add_validity(j->now, vvalue, vtype);
    /* Through a grant too, the signature names the owner's profile and job
     * (cross-account-signing.txt: signatures carry the owner account's profile ARN). */
    *profile_varn = sgn_authority__profile_version_arn(a, j->owner, j->name, j->version);
    *job_arn = sgn_authority__job_arn(a, j->owner, j->job_id);
    if (*profile_varn == NULL || *job_arn == NULL)
        return sgn_error_set(err, SGN_ENOMEM, "out of memory");
    attrs[0].key = (char *)SGN_ATTR_VERIFICATION_PLUGIN;
    attrs[0].value = (char *)SGN_PLUGIN_NAME;
    attrs[1].key = (char *)SGN_ATTR_PROFILE_VERSION;
    attrs[1].value = *profile_varn;
    attrs[2].key = (char *)SGN_ATTR_SIGNING_JOB;
    attrs[2].value = *job_arn;
    snprintf(agent, sizeof(agent), "signer-local/%s", SGN_VERSION);
    sa.signing_scheme = SGN_SCHEME_SIGNING_AUTHORITY;
    sa.signing_time = j->now;
    sa.expiry = j->expiry;
    sa.extended = attrs;
    sa.n_extended = 3;
    sa.signing_agent = agent;
    return sgn_envelope_sign(env, j->envelope_type, payload, payload_len, &sa, key, chain,
                             chain_len, err);
}

int sgn_authority_sign_payload_unrecorded(sgn_authority *a, const cJSON *in, cJSON **out,
                                          sgn_signed_job **job, sgn_error *err)
{
    const char *name, *owner, *b64, *format, *envelope_type;
    unsigned char *payload = NULL;
    size_t payload_len = 0, chain_len = 0;
    char vtype[8];
    char *profile_varn = NULL, *job_arn = NULL, *sig_b64 = NULL, *payload_hash = NULL;
    int64_t vvalue;
    EVP_PKEY *key = NULL;
    X509 **chain = NULL;
    sgn_buf env = SGN_BUF_INIT;
    sgn_signed_job *j = NULL;
    cJSON *o = NULL, *meta;
    int rc, due;

    *out = NULL;
    *job = NULL;
    if ((rc = sgn_authority__get_string(&name, in, "profileName", 1, err)) < 0 ||
        (rc = sgn_authority__check_profile_name(name, err)) < 0 ||
        (rc = sgn_authority__profile_owner(&owner, a, in, "profileOwner", err)) < 0 ||
        (rc = sgn_authority__get_string(&b64, in, "payload", 1, err)) < 0 ||
        (rc = sgn_authority__get_string(&format, in, "payloadFormat", 1, err)) < 0 ||
        (rc = sgn_authority__get_string(&envelope_type, in, "signatureEnvelopeType", 0, err)) <
            0)
        return rc;
    if (strcmp(format, SGN_PAYLOAD_FORMAT_NOTARY) != 0)
        return sgn_authority__fail(err, 400, "ValidationException",
                                   "Unsupported payloadFormat %s: the only supported format is "
                                   "%s",
                                   format, SGN_PAYLOAD_FORMAT_NOTARY);
    if (envelope_type == NULL)
        envelope_type = SGN_ENVELOPE_JWS;
    if (strcmp(envelope_type, SGN_ENVELOPE_JWS) != 0 &&
        strcmp(envelope_type, SGN_ENVELOPE_COSE) != 0)
        return sgn_authority__fail(err, 400, "ValidationException",
                                   "Unsupported signatureEnvelopeType %s: use %s or %s",
                                   envelope_type, SGN_ENVELOPE_JWS, SGN_ENVELOPE_COSE);
    if ((rc = sgn_authority__writable(a, err)) < 0 ||
        (rc = decode_payload(&payload, &payload_len, b64, err)) < 0)
        return rc;
    if ((j = calloc(1, sizeof(*j))) == NULL) {
        rc = sgn_error_set(err, SGN_ENOMEM, "out of memory");
        goto out;
    }
    snprintf(j->owner, sizeof(j->owner), "%s", owner);
    snprintf(j->name, sizeof(j->name), "%s", name);
    snprintf(j->envelope_type, sizeof(j->envelope_type), "%s", envelope_type);
    if ((a->caller_account && (j->caller_account = strdup(a->caller_account)) == NULL) ||
        (a->caller_principal && (j->caller_principal = strdup(a->caller_principal)) == NULL)) {
        rc = sgn_error_set(err, SGN_ENOMEM, "out of memory");
        goto out;
    }
    if ((rc = sgn_crypto_digest_hex(&payload_hash, "SHA256", payload, payload_len, err)) < 0 ||
        (rc = sgn_random_uuid(j->job_id, err)) < 0)
        goto out;
    snprintf(j->payload_hash, sizeof(j->payload_hash), "%s", payload_hash);
    if ((rc = signing_inputs(a, j, &vvalue, vtype, &key, &chain, &chain_len, 0, &due, err)) < 0 ||
        /* Rotation (about once a day): again under the write lock, as every key write is. */
        (due && (rc = signing_inputs(a, j, &vvalue, vtype, &key, &chain, &chain_len, 1, &due,
                                     err)) < 0))
        goto out;
    /* Signed outside any transaction: signatures run in parallel across handles. What the
     * signature relies on is checked again when the job is recorded (record_one). */
    if ((rc = sign_envelope(&env, a, j, vvalue, vtype, payload, payload_len, key, chain,
                            chain_len, &profile_varn, &job_arn, err)) < 0)
        goto out;
    if ((rc = sgn_b64_encode(&sig_b64, env.data, env.len, err)) < 0)
        goto out;
    o = cJSON_CreateObject();
    if (o == NULL) {
        rc = sgn_error_set(err, SGN_ENOMEM, "out of memory");
        goto out;
    }
    cJSON_AddStringToObject(o, "jobId", j->job_id);
    cJSON_AddStringToObject(o, "jobOwner", owner);
    meta = cJSON_AddObjectToObject(o, "metadata");
    cJSON_AddStringToObject(meta, SGN_ATTR_SIGNING_JOB, job_arn);
    cJSON_AddStringToObject(meta, SGN_ATTR_PROFILE_VERSION, profile_varn);
    cJSON_AddStringToObject(o, "signature", sig_b64);
    *out = o;
    *job = j;
    j = NULL;
    rc = SGN_OK;
out:
    sgn_signed_job_free(j);
    free(payload);
    free(payload_hash);
    free(profile_varn);
    free(job_arn);
    free(sig_b64);
    sgn_buf_free(&env);
    EVP_PKEY_free(key);
    sgn_authority__chain_free(chain, chain_len);
    return rc;
}

/* Check one job again under the write lock, as its own caller, for what its signature relies
 * on: the profile still Active at the version signed, the caller still allowed, the leaf, its
 * CA and the root still unrevoked. Then insert it. A change is a ConflictException. */
static int record_one(sgn_authority *a, const sgn_signed_job *j, sgn_error *err)
{
    char *acc = a->caller_account, *principal = a->caller_principal;
    char version[11], platform_id[64], vtype[8];
    int64_t vvalue;
    int rc, usable = 0;

    a->caller_account = j->caller_account;
    a->caller_principal = j->caller_principal;
    rc = sgn_authority__signable_profile(a, j->owner, j->name, version, platform_id, &vvalue,
                                         vtype, err);
    if (rc == SGN_OK && strcmp(version, j->version) != 0)
        rc = sgn_authority__fail(err, 409, "ConflictException",
                                 "Signing profile %s changed (version %s, now %s) while the "
                                 "payload was being signed; sign again",
                                 j->name, j->version, version);
    if (rc == SGN_OK && (rc = sgn_authority__chain_usable(a, j->leaf_id, &usable, err)) == SGN_OK &&
        !usable)
        rc = sgn_authority__fail(err, 409, "ConflictException",
                                 "The local Signer's signing certificate was revoked while the "
                                 "payload was being signed; sign again");
    if (rc == SGN_OK)
        rc = record_job(a, j, err);
    a->caller_account = acc;
    a->caller_principal = principal;
    return rc;
}

int sgn_authority_record_jobs(sgn_authority *a, sgn_signed_job *const *jobs, size_t n,
                              int *results, sgn_error *errs, sgn_error *err)
{
    size_t i;
    int rc;

    for (i = 0; i < n; i++)
        results[i] = SGN_EINTERNAL;
    if ((rc = sgn_authority__begin(a, err)) < 0)
        return rc;
    for (i = 0; i < n; i++) {
        if ((rc = sgn_authority__exec(a, "SAVEPOINT job", err)) < 0)
            goto out;
        results[i] = record_one(a, jobs[i], &errs[i]);
        if ((rc = sgn_authority__exec(a, results[i] < 0 ? "ROLLBACK TO job; RELEASE job"
                                                        : "RELEASE job",
                                      err)) < 0)
            goto out;
    }
    /* One commit (one WAL sync) makes every job of the group durable. */
    rc = sgn_authority__commit(a, err);
out:
    sgn_authority__rollback(a);
    if (rc < 0)
        for (i = 0; i < n; i++)
            results[i] = rc;
    return rc;
}

int sgn_authority_sign_payload(sgn_authority *a, const cJSON *in, cJSON **out, sgn_error *err)
{
    sgn_signed_job *j = NULL;
    int rc, result, attempt;

    /* One caller (the CLI, the plugin): when what the signature relied on changed before it
     * was recorded (record_one's ConflictException), sign again with what is current, up to
     * three times. serve's group commit answers the 409 instead. */
    for (attempt = 1;; attempt++) {
        sgn_error one = SGN_ERROR_INIT;

        if ((rc = sgn_authority_sign_payload_unrecorded(a, in, out, &j, err)) < 0)
            return rc;
        /* The job is durable before we answer. */
        rc = sgn_authority_record_jobs(a, &j, 1, &result, &one, err);
        if (rc == SGN_OK && result < 0) {
            *err = one;
            rc = result;
        }
        sgn_signed_job_free(j);
        j = NULL;
        if (rc == SGN_OK)
            return SGN_OK;
        cJSON_Delete(*out);
        *out = NULL;
        if (attempt == 3 || err->http_status != 409 ||
            strcmp(err->svc_code, "ConflictException") != 0)
            return rc;
        sgn_error_clear(err);
    }
}

typedef struct job_row {
    char job_id[64], profile_name[65], profile_version[11], platform_id[64];
    char owner[13], invoker[13], status[16];
    char *requested_by, *revoked_by, *revoke_reason;
    int64_t created_at, completed_at, expires_at, revoked_at;
    int revoked;
} job_row;

#define JOB_COLUMNS                                                                             \
    "job_id, profile_name, profile_version, platform_id, job_owner, job_invoker, status, "     \
    "requested_by, created_at, completed_at, signature_expires_at, revoked_at, revoked_by, "   \
    "revoke_reason "

static char *dup_text(sqlite3_stmt *st, int i)
{
    const unsigned char *t = sqlite3_column_text(st, i);
    return t ? strdup((const char *)t) : NULL;
}

static void read_job(job_row *j, sqlite3_stmt *st)
{
    memset(j, 0, sizeof(*j));
    snprintf(j->job_id, sizeof(j->job_id), "%s", sqlite3_column_text(st, 0));
    snprintf(j->profile_name, sizeof(j->profile_name), "%s", sqlite3_column_text(st, 1));
    snprintf(j->profile_version, sizeof(j->profile_version), "%s", sqlite3_column_text(st, 2));
    snprintf(j->platform_id, sizeof(j->platform_id), "%s", sqlite3_column_text(st, 3));
    snprintf(j->owner, sizeof(j->owner), "%s", sqlite3_column_text(st, 4));
    snprintf(j->invoker, sizeof(j->invoker), "%s", sqlite3_column_text(st, 5));
    snprintf(j->status, sizeof(j->status), "%s", sqlite3_column_text(st, 6));
    j->requested_by = dup_text(st, 7);
    j->created_at = sqlite3_column_int64(st, 8);
    j->completed_at = sqlite3_column_int64(st, 9);
    j->expires_at = sqlite3_column_int64(st, 10);
    j->revoked = sqlite3_column_type(st, 11) != SQLITE_NULL;
    j->revoked_at = sqlite3_column_int64(st, 11);
    j->revoked_by = dup_text(st, 12);
    j->revoke_reason = dup_text(st, 13);
}

static void job_row_free(job_row *j)
{
    free(j->requested_by);
    free(j->revoked_by);
    free(j->revoke_reason);
    memset(j, 0, sizeof(*j));
}

static int load_job(job_row *j, int *found, sgn_authority *a, const char *job_id, sgn_error *err)
{
    sqlite3_stmt *st = NULL;
    int rc;

    *found = 0;
    memset(j, 0, sizeof(*j));
    if ((rc = sgn_authority__stmt(a, &st, "SELECT " JOB_COLUMNS "FROM jobs WHERE job_id = ?",
                                     err)) < 0)
        return rc;
    sqlite3_bind_text(st, 1, job_id, -1, SQLITE_STATIC);
    rc = sqlite3_step(st);
    if (rc == SQLITE_ROW) {
        read_job(j, st);
        *found = 1;
        rc = SGN_OK;
    } else if (rc == SQLITE_DONE) {
        rc = SGN_OK;
    } else {
        rc = sgn_authority__db_fail(a, err, "cannot read signing jobs");
    }
    sgn_authority__stmt_done(a, st);
    return rc;
}

int sgn_authority__job_revoked(sgn_authority *a, const char *owner, const char *job_id,
                               int *revoked, sgn_error *err)
{
    job_row j;
    int rc, found;

    *revoked = 0;
    if ((rc = load_job(&j, &found, a, job_id, err)) < 0)
        return rc;
    *revoked = found && j.revoked && strcmp(j.owner, owner) == 0;
    job_row_free(&j);
    return SGN_OK;
}

static cJSON *job_json(const job_row *j, int full)
{
    const sgn_platform *pl = sgn_authority__platform(j->platform_id);
    cJSON *o = cJSON_CreateObject();

    if (o == NULL)
        return NULL;
    cJSON_AddStringToObject(o, "jobId", j->job_id);
    cJSON_AddStringToObject(o, "platformId", j->platform_id);
    if (pl)
        cJSON_AddStringToObject(o, "platformDisplayName", pl->display_name);
    cJSON_AddStringToObject(o, "profileName", j->profile_name);
    cJSON_AddStringToObject(o, "profileVersion", j->profile_version);
    cJSON_AddItemToObject(o, "createdAt", sgn_authority__epoch(j->created_at));
    if (full) {
        cJSON_AddItemToObject(o, "completedAt", sgn_authority__epoch(j->completed_at));
        cJSON_AddStringToObject(o, "requestedBy", j->requested_by ? j->requested_by : "");
    }
    cJSON_AddItemToObject(o, "signatureExpiresAt", sgn_authority__epoch(j->expires_at));
    cJSON_AddStringToObject(o, "status", j->status);
    if (full) {
        if (j->revoked) {
            cJSON *r = cJSON_AddObjectToObject(o, "revocationRecord");
            cJSON_AddStringToObject(r, "reason", j->revoke_reason ? j->revoke_reason : "");
            cJSON_AddItemToObject(r, "revokedAt", sgn_authority__epoch(j->revoked_at));
            cJSON_AddStringToObject(r, "revokedBy", j->revoked_by ? j->revoked_by : "");
        }
    } else {
        cJSON_AddBoolToObject(o, "isRevoked", j->revoked);
    }
    cJSON_AddStringToObject(o, "jobOwner", j->owner);
    cJSON_AddStringToObject(o, "jobInvoker", j->invoker);
    return o;
}

static int job_not_found(sgn_error *err, const char *job_id)
{
    return sgn_authority__fail(err, 404, "ResourceNotFoundException",
                               "The signing job %s does not exist", job_id);
}

/* Whose jobs a caller sees (DescribeSigningJob, ListSigningJobs): the profile owner's account
 * sees every job of its profiles, whoever invoked them; an account that signed through a grant
 * sees the jobs it invoked (the guide's ListSigningJobs: the jobs "you have performed"). */
static int job_visible(sgn_authority *a, const job_row *j)
{
    const char *acc = sgn_authority__caller_account(a);
    return strcmp(j->owner, acc) == 0 || strcmp(j->invoker, acc) == 0;
}

int sgn_authority_describe_signing_job(sgn_authority *a, const cJSON *in, cJSON **out,
                                       sgn_error *err)
{
    const char *job_id;
    job_row j;
    int rc, found;

    *out = NULL;
    if ((rc = sgn_authority__get_string(&job_id, in, "jobId", 1, err)) < 0)
        return rc;
    if ((rc = load_job(&j, &found, a, job_id, err)) < 0)
        return rc;
    if (!found || !job_visible(a, &j)) {
        job_row_free(&j);
        return job_not_found(err, job_id);
    }
    *out = job_json(&j, 1);
    job_row_free(&j);
    return *out ? SGN_OK : sgn_error_set(err, SGN_ENOMEM, "out of memory");
}

int sgn_authority_revoke_signature(sgn_authority *a, const cJSON *in, cJSON **out,
                                   sgn_error *err)
{
    const char *job_id, *reason, *owner;
    const sgn_platform *pl;
    job_row j;
    sqlite3_stmt *st = NULL;
    char *by = NULL;
    int rc, found = 0;

    *out = NULL;
    memset(&j, 0, sizeof(j));
    if ((rc = sgn_authority__get_string(&job_id, in, "jobId", 1, err)) < 0 ||
        (rc = sgn_authority__get_string(&reason, in, "reason", 1, err)) < 0 ||
        (rc = sgn_authority__get_string(&owner, in, "jobOwner", 0, err)) < 0)
        return rc;
    if ((rc = sgn_authority__check_reason(reason, err)) < 0)
        return rc;
    if (owner && *owner && (rc = sgn_authority__check_account(owner, "jobOwner", err)) < 0)
        return rc;
    if ((rc = sgn_authority__begin(a, err)) < 0)
        return rc;
    if ((rc = load_job(&j, &found, a, job_id, err)) < 0)
        goto out;
    /* jobOwner, when given, must be the job's owner (the profile's owner). */
    if (!found || (owner && *owner && strcmp(owner, j.owner) != 0)) {
        rc = job_not_found(err, job_id);
        goto out;
    }
    /* Another account revokes only through a signer:RevokeSignature grant on the job's profile
     * (cross-account-signing.txt: grantees may "optionally revoke signatures generated by the
     * shared signing profile"), limited to the version the grant names, if any. */
    if ((rc = sgn_authority__authorize(a, j.owner, j.profile_name, j.profile_version,
                                       "RevokeSignature", err)) < 0)
        goto out;
    pl = sgn_authority__platform(j.platform_id);
    if (pl == NULL || !pl->revocation_supported) {
        rc = sgn_authority__fail(err, 400, "ValidationException",
                                 "Platform %s does not support revocation; the signature of job "
                                 "%s cannot be revoked",
                                 j.platform_id, job_id);
        goto out;
    }
    if (!j.revoked) {
        by = sgn_authority__caller_arn(a);
        if ((rc = sgn_authority__prepare(a, &st,
                                         "UPDATE jobs SET revoked_at = ?2, revoked_by = ?3, "
                                         "revoke_reason = ?4 WHERE job_id = ?1",
                                         err)) < 0)
            goto out;
        sqlite3_bind_text(st, 1, job_id, -1, SQLITE_STATIC);
        sqlite3_bind_int64(st, 2, sgn_authority_now(a));
        sqlite3_bind_text(st, 3, by ? by : "", -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 4, reason, -1, SQLITE_STATIC);
        if (sqlite3_step(st) != SQLITE_DONE) {
            rc = sgn_authority__db_fail(a, err, "cannot revoke the signature");
            goto out;
        }
    }
    if ((rc = sgn_authority__commit(a, err)) < 0)
        goto out;
    *out = cJSON_CreateObject();
    rc = *out ? SGN_OK : sgn_error_set(err, SGN_ENOMEM, "out of memory");
out:
    sgn_authority__rollback(a);
    sqlite3_finalize(st);
    job_row_free(&j);
    free(by);
    return rc;
}

int sgn_authority_list_signing_jobs(sgn_authority *a, const cJSON *in, cJSON **out,
                                    sgn_error *err)
{
    const char *status, *platform_id, *requested_by, *invoker;
    const cJSON *is_revoked = in ? cJSON_GetObjectItemCaseSensitive(in, "isRevoked") : NULL;
    int64_t before, after, limit, offset, index = 0;
    int has_before, has_after, rc, step;
    sqlite3_stmt *st = NULL;
    cJSON *o, *arr;

    *out = NULL;
    if ((rc = sgn_authority__get_string(&status, in, "status", 0, err)) < 0 ||
        (rc = sgn_authority__get_string(&platform_id, in, "platformId", 0, err)) < 0 ||
        (rc = sgn_authority__get_string(&requested_by, in, "requestedBy", 0, err)) < 0 ||
        (rc = sgn_authority__get_string(&invoker, in, "jobInvoker", 0, err)) < 0 ||
        (rc = sgn_authority__get_number(&before, &has_before, in, "signatureExpiresBefore", 0,
                                        err)) < 0 ||
        (rc = sgn_authority__get_number(&after, &has_after, in, "signatureExpiresAfter", 0,
                                        err)) < 0 ||
        (rc = sgn_authority__paging(&limit, &offset, in, err)) < 0)
        return rc;
    if (status && (rc = sgn_authority__check_enum(status, "status", sgn_authority__job_statuses,
                                                  err)) < 0)
        return rc;
    if (invoker && (rc = sgn_authority__check_account(invoker, "jobInvoker", err)) < 0)
        return rc;
    if (is_revoked && !cJSON_IsNull(is_revoked) && !cJSON_IsBool(is_revoked))
        return sgn_authority__fail(err, 400, "ValidationException", "isRevoked must be a boolean");
    if ((rc = sgn_authority__prepare(
             a, &st,
             "SELECT " JOB_COLUMNS "FROM jobs WHERE (?1 IS NULL OR status = ?1) "
             "AND (?2 IS NULL OR platform_id = ?2) AND (?3 IS NULL OR requested_by = ?3) "
             "AND (?4 IS NULL OR job_invoker = ?4) AND (?5 IS NULL OR signature_expires_at < ?5) "
             "AND (?6 IS NULL OR signature_expires_at > ?6) "
             "AND (?7 IS NULL OR (revoked_at IS NOT NULL) = ?7) "
             "AND (job_owner = ?8 OR job_invoker = ?8) "
             "ORDER BY created_at DESC, job_id",
             err)) < 0)
        return rc;
    if (status)
        sqlite3_bind_text(st, 1, status, -1, SQLITE_STATIC);
    if (platform_id)
        sqlite3_bind_text(st, 2, platform_id, -1, SQLITE_STATIC);
    if (requested_by)
        sqlite3_bind_text(st, 3, requested_by, -1, SQLITE_STATIC);
    if (invoker)
        sqlite3_bind_text(st, 4, invoker, -1, SQLITE_STATIC);
    if (has_before)
        sqlite3_bind_int64(st, 5, before);
    if (has_after)
        sqlite3_bind_int64(st, 6, after);
    if (cJSON_IsBool(is_revoked))
        sqlite3_bind_int(st, 7, cJSON_IsTrue(is_revoked));
    sqlite3_bind_text(st, 8, sgn_authority__caller_account(a), -1, SQLITE_STATIC);
    o = cJSON_CreateObject();
    arr = cJSON_AddArrayToObject(o, "jobs");
    while ((step = sqlite3_step(st)) == SQLITE_ROW) {
        if (index >= offset && (limit < 0 || index < offset + limit)) {
            job_row j;
            read_job(&j, st);
            cJSON_AddItemToArray(arr, job_json(&j, 0));
            job_row_free(&j);
        } else if (limit >= 0 && index == offset + limit) {
            char tok[24];
            snprintf(tok, sizeof(tok), "%lld", (long long)index);
            cJSON_AddStringToObject(o, "nextToken", tok);
        }
        index++;
    }
    if (step != SQLITE_DONE) {
        rc = sgn_authority__db_fail(a, err, "cannot list signing jobs");
        cJSON_Delete(o);
    } else {
        *out = o;
        rc = SGN_OK;
    }
    sqlite3_finalize(st);
    return rc;
}
