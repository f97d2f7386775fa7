/* Access keys for `signer-local serve`: create, list, update, delete, and the lookup SigV4
 * verification calls. Shapes are IAM's (create-access-key, list-access-keys); errors for an
 * unknown key are IAM's NoSuchEntity (404). Only the store's own account manages keys: it is the
 * store's administrator. Secrets live only in signer.db, which is 0600; they are returned once,
 * by create, and by the lookup (to the verifier, never printed). */
#include "internal.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/rand.h>

#include "sgn/arn.h"
#include "sgn/aws_sigv4_verify.h"
#include "sgn/util.h"

#define SECRET_BYTES 30          /* 40 base64 characters, the length of an AWS secret key */
#define TOKEN_BYTES 96           /* 128 base64 characters */
#define DURATION_MIN 900         /* STS GetSessionToken's range */
#define DURATION_MAX 129600
#define DURATION_DEFAULT 43200

static const char *const key_statuses[] = {"Active", "Inactive", NULL};

/* "AKIA" or "ASIA" + 16 characters of the base32 alphabet (A-Z, 2-7), from the CSPRNG. */
static int new_key_id(char out[21], const char *prefix, sgn_error *err)
{
    static const char alphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
    unsigned char r[16];
    size_t i;

    if (RAND_bytes(r, sizeof(r)) != 1)
        return sgn_error_set(err, SGN_ECRYPTO, "cannot draw random bytes for an access key id");
    memcpy(out, prefix, 4);
    for (i = 0; i < sizeof(r); i++)
        out[4 + i] = alphabet[r[i] & 31];
    out[20] = '\0';
    return SGN_OK;
}

/* n random bytes as standard base64 (EVP_EncodeBlock); *out is freed with OPENSSL_clear_free. */
static int random_b64(char **out, size_t n, sgn_error *err)
{
    unsigned char r[TOKEN_BYTES];
    size_t cap = 4 * ((n + 2) / 3) + 1;

    *out = NULL;
    if (n > sizeof(r) || RAND_bytes(r, (int)n) != 1)
        return sgn_error_set(err, SGN_ECRYPTO, "cannot draw random bytes for a secret");
    if ((*out = OPENSSL_malloc(cap)) == NULL) {
        OPENSSL_cleanse(r, sizeof(r));
        return sgn_error_set(err, SGN_ENOMEM, "out of memory");
    }
    EVP_EncodeBlock((unsigned char *)*out, r, (int)n);
    OPENSSL_cleanse(r, sizeof(r));
    return SGN_OK;
}

static int admin_only(sgn_authority *a, const char *action, sgn_error *err)
{
    char resource[64];

    if (sgn_authority__caller_is_admin(a))
        return SGN_OK;
    snprintf(resource, sizeof(resource), "the access keys of the store of account %s",
             a->account);
    return sgn_authority__denied(a, action, resource, err);
}

/* Before a secret is written: signer.db must still be private (0600); fix it if it is not. */
static int ensure_private_db(sgn_authority *a, sgn_error *err)
{
    char path[4096];
    struct stat sb;

    snprintf(path, sizeof(path), "%s/%s", a->dir, SGN_STORE_DB);
    if (stat(path, &sb) != 0)
        return sgn_error_set(err, SGN_EIO, "cannot stat %s: %s", path, strerror(errno));
    if ((sb.st_mode & 077) != 0 && chmod(path, 0600) != 0)
        return sgn_error_set(err, SGN_EIO,
                             "%s is readable by others (mode %03o) and cannot be made 0600: %s; "
                             "no secret is stored in it",
                             path, (unsigned)(sb.st_mode & 0777), strerror(errno));
    return SGN_OK;
}

static cJSON *iso_time(int64_t t)
{
    char s[32];

    sgn_time_format_iso_offset(s, t);
    return cJSON_CreateString(s);
}

int sgn_authority_create_access_key(sgn_authority *a, const cJSON *in, cJSON **out,
                                    sgn_error *err)
{
    const cJSON *temp = in ? cJSON_GetObjectItemCaseSensitive(in, "temporary") : NULL;
    const char *account, *principal, *kind, *uname;
    char id[21], root[64], *secret = NULL, *token = NULL;
    int64_t duration = DURATION_DEFAULT, now = sgn_authority_now(a), expiration = 0;
    int rc, has_duration = 0, temporary;
    sqlite3_stmt *st = NULL;
    sgn_error local = SGN_ERROR_INIT;
    cJSON *o = NULL, *k;

    *out = NULL;
    if ((rc = admin_only(a, "CreateAccessKey", err)) < 0 ||
        (rc = sgn_authority__get_string(&account, in, "accountId", 1, err)) < 0 ||
        (rc = sgn_authority__check_account(account, "accountId", err)) < 0 ||
        (rc = sgn_authority__get_string(&principal, in, "principal", 0, err)) < 0 ||
        (rc = sgn_authority__get_number(&duration, &has_duration, in, "durationSeconds", 0,
                                        err)) < 0)
        return rc;
    if (temp && !cJSON_IsNull(temp) && !cJSON_IsBool(temp))
        return sgn_authority__fail(err, 400, "ValidationException", "temporary must be a boolean");
    temporary = cJSON_IsTrue(temp);
    if (has_duration && !temporary)
        return sgn_authority__fail(err, 400, "ValidationException",
                                   "durationSeconds applies to temporary keys only");
    if (!has_duration)
        duration = DURATION_DEFAULT;
    if (duration < DURATION_MIN || duration > DURATION_MAX)
        return sgn_authority__fail(err, 400, "ValidationException",
                                   "durationSeconds must be between %d and %d (got %lld)",
                                   DURATION_MIN, DURATION_MAX, (long long)duration);
    snprintf(root, sizeof(root), "arn:%s:iam::%s:root", sgn_partition_for_region(a->region),
             account);
    if (principal == NULL)
        principal = root;
    if (sgn_authority__check_principal(a, principal, account, &kind, &uname, &local) < 0)
        return sgn_authority__fail(err, 400, "ValidationException", "%s", local.msg);
    if ((rc = new_key_id(id, temporary ? "ASIA" : "AKIA", err)) < 0 ||
        (rc = random_b64(&secret, SECRET_BYTES, err)) < 0 ||
        (temporary && (rc = random_b64(&token, TOKEN_BYTES, err)) < 0) ||
        (rc = ensure_private_db(a, err)) < 0 || (rc = sgn_authority__begin(a, err)) < 0)
        goto out;
    if (temporary)
        expiration = now + duration;
    if ((rc = sgn_authority__prepare(a, &st,
                                     "INSERT INTO access_keys(access_key_id, secret, "
                                     "session_token, expiration, status, account_id, principal, "
                                     "created_at) VALUES (?, ?, ?, ?, 'Active', ?, ?, ?)",
                                     err)) < 0)
        goto out;
    sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, secret, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 3, token, -1, SQLITE_STATIC);
    if (temporary)
        sqlite3_bind_int64(st, 4, expiration);
    sqlite3_bind_text(st, 5, account, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 6, principal, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 7, now);
    if (sqlite3_step(st) != SQLITE_DONE) {
        rc = sgn_authority__db_fail(a, err, "cannot save the access key");
        goto out;
    }
    if ((rc = sgn_authority__commit(a, err)) < 0)
        goto out;
    if ((o = cJSON_CreateObject()) == NULL || (k = cJSON_AddObjectToObject(o, "AccessKey")) == NULL ||
        (strcmp(kind, "user") == 0 && !cJSON_AddStringToObject(k, "UserName", uname)) ||
        !cJSON_AddStringToObject(k, "AccessKeyId", id) ||
        !cJSON_AddStringToObject(k, "Status", "Active") ||
        !cJSON_AddStringToObject(k, "SecretAccessKey", secret) ||
        (token && !cJSON_AddStringToObject(k, "SessionToken", token)) ||
        (temporary && !cJSON_AddItemToObject(k, "Expiration", iso_time(expiration))) ||
        !cJSON_AddItemToObject(k, "CreateDate", iso_time(now))) {
        rc = sgn_error_set(err, SGN_ENOMEM, "out of memory");
        goto out;
    }
    *out = o;
    o = NULL;
    rc = SGN_OK;
out:
    sgn_authority__rollback(a);
    sqlite3_finalize(st);
    if (o != NULL) {
        /* the secret's copy in the unreturned object */
        cJSON *sk = cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(o, "AccessKey"),
                                                     "SecretAccessKey");
        if (cJSON_IsString(sk))
            OPENSSL_cleanse(sk->valuestring, strlen(sk->valuestring));
        cJSON_Delete(o);
    }
    if (secret)
        OPENSSL_clear_free(secret, strlen(secret));
    if (token)
        OPENSSL_clear_free(token, strlen(token));
    return rc;
}

int sgn_authority_list_access_keys(sgn_authority *a, const cJSON *in, cJSON **out,
                                   sgn_error *err)
{
    const char *account;
    sqlite3_stmt *st = NULL;
    cJSON *o = NULL, *arr;
    int rc, step;

    *out = NULL;
    if ((rc = admin_only(a, "ListAccessKeys", err)) < 0 ||
        (rc = sgn_authority__get_string(&account, in, "accountId", 0, err)) < 0 ||
        (account && (rc = sgn_authority__check_account(account, "accountId", err)) < 0))
        return rc;
    if ((rc = sgn_authority__prepare(a, &st,
                                     "SELECT access_key_id, status, created_at, account_id, "
                                     "principal, expiration FROM access_keys WHERE "
                                     "(?1 IS NULL OR account_id = ?1) ORDER BY account_id, "
                                     "created_at, access_key_id",
                                     err)) < 0)
        return rc;
    if (account)
        sqlite3_bind_text(st, 1, account, -1, SQLITE_STATIC);
    if ((o = cJSON_CreateObject()) == NULL ||
        (arr = cJSON_AddArrayToObject(o, "AccessKeyMetadata")) == NULL) {
        rc = sgn_error_set(err, SGN_ENOMEM, "out of memory");
        goto out;
    }
    while ((step = sqlite3_step(st)) == SQLITE_ROW) {
        cJSON *k = cJSON_CreateObject();
        if (k == NULL || !cJSON_AddItemToArray(arr, k) ||
            !cJSON_AddStringToObject(k, "AccessKeyId", (const char *)sqlite3_column_text(st, 0)) ||
            !cJSON_AddStringToObject(k, "Status", (const char *)sqlite3_column_text(st, 1)) ||
            !cJSON_AddItemToObject(k, "CreateDate", iso_time(sqlite3_column_int64(st, 2))) ||
            !cJSON_AddStringToObject(k, "AccountId", (const char *)sqlite3_column_text(st, 3)) ||
            !cJSON_AddStringToObject(k, "Principal", (const char *)sqlite3_column_text(st, 4)) ||
            (sqlite3_column_type(st, 5) != SQLITE_NULL &&
             !cJSON_AddItemToObject(k, "Expiration", iso_time(sqlite3_column_int64(st, 5))))) {
            rc = sgn_error_set(err, SGN_ENOMEM, "out of memory");
            goto out;
        }
    }
    if (step != SQLITE_DONE) {
        rc = sgn_authority__db_fail(a, err, "cannot read access keys");
        goto out;
    }
    *out = o;
    o = NULL;
    rc = SGN_OK;
out:
    sqlite3_finalize(st);
    cJSON_Delete(o);
    return rc;
}

static int no_such_key(sgn_error *err, const char *id)
{
    return sgn_authority__fail(err, 404, "NoSuchEntity",
                               "The Access Key with id %s cannot be found.", id);
}

/* UPDATE or DELETE one key by id (?1), with status as ?2 when given. */
static int change_key(sgn_authority *a, const char *sql, const char *id, const char *status,
                      cJSON **out, sgn_error *err)
{
    sqlite3_stmt *st = NULL;
    int rc;

    if ((rc = sgn_authority__begin(a, err)) < 0)
        return rc;
    if ((rc = sgn_authority__prepare(a, &st, sql, err)) < 0)
        goto out;
    sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
    if (status)
        sqlite3_bind_text(st, 2, status, -1, SQLITE_STATIC);
    if (sqlite3_step(st) != SQLITE_DONE) {
        rc = sgn_authority__db_fail(a, err, "cannot change the access key");
        goto out;
    }
    if (sqlite3_changes(a->db) == 0) {
        rc = no_such_key(err, id);
        goto out;
    }
    if ((rc = sgn_authority__commit(a, err)) < 0)
        goto out;
    *out = cJSON_CreateObject();
    rc = *out ? SGN_OK : sgn_error_set(err, SGN_ENOMEM, "out of memory");
out:
    sgn_authority__rollback(a);
    sqlite3_finalize(st);
    return rc;
}

int sgn_authority_update_access_key(sgn_authority *a, const cJSON *in, cJSON **out,
                                    sgn_error *err)
{
    const char *id, *status;
    int rc;

    *out = NULL;
    if ((rc = admin_only(a, "UpdateAccessKey", err)) < 0 ||
        (rc = sgn_authority__get_string(&id, in, "AccessKeyId", 1, err)) < 0 ||
        (rc = sgn_authority__get_string(&status, in, "Status", 1, err)) < 0 ||
        (rc = sgn_authority__check_enum(status, "Status", key_statuses, err)) < 0)
        return rc;
    return change_key(a, "UPDATE access_keys SET status = ?2 WHERE access_key_id = ?1", id,
                      status, out, err);
}

int sgn_authority_delete_access_key(sgn_authority *a, const cJSON *in, cJSON **out,
                                    sgn_error *err)
{
    const char *id;
    int rc;

    *out = NULL;
    if ((rc = admin_only(a, "DeleteAccessKey", err)) < 0 ||
        (rc = sgn_authority__get_string(&id, in, "AccessKeyId", 1, err)) < 0)
        return rc;
    /* secure_delete: the freed pages holding the secret are overwritten with zeros. */
    if ((rc = sgn_authority__exec(a, "PRAGMA secure_delete=ON", err)) < 0)
        return rc;
    return change_key(a, "DELETE FROM access_keys WHERE access_key_id = ?1", id, NULL, out, err);
}

static int dup_column(char **out, sqlite3_stmt *st, int i)
{
    const unsigned char *t = sqlite3_column_text(st, i);

    *out = NULL;
    if (t == NULL)
        return 0;
    return (*out = strdup((const char *)t)) == NULL ? -1 : 0;
}

int sgn_authority_lookup_access_key(void *ctx, const char *access_key_id,
                                    struct sgn_sigv4_key *key, sgn_error *err)
{
    sgn_authority *a = ctx;
    sqlite3_stmt *st = NULL;
    int rc, step;

    memset(key, 0, sizeof(*key));
    if ((rc = sgn_authority__stmt(a, &st,
                                     "SELECT secret, session_token, expiration, status, "
                                     "account_id, principal FROM access_keys WHERE "
                                     "access_key_id = ?",
                                     err)) < 0)
        return rc;
    sqlite3_bind_text(st, 1, access_key_id, -1, SQLITE_STATIC);
    step = sqlite3_step(st);
    if (step == SQLITE_ROW) {
        key->expiration = sqlite3_column_int64(st, 2);
        key->active = strcmp((const char *)sqlite3_column_text(st, 3), "Active") == 0;
        if (dup_column(&key->secret_access_key, st, 0) < 0 ||
            dup_column(&key->session_token, st, 1) < 0 ||
            dup_column(&key->account_id, st, 4) < 0 || dup_column(&key->principal, st, 5) < 0)
            rc = sgn_error_set(err, SGN_ENOMEM, "out of memory");
    } else if (step == SQLITE_DONE) {
        rc = sgn_error_set(err, SGN_ENOTFOUND, "no access key %s in the store", access_key_id);
    } else {
        rc = sgn_authority__db_fail(a, err, "cannot read access keys");
    }
    sgn_authority__stmt_done(a, st);
    if (rc < 0 && rc != SGN_ENOTFOUND) {
        /* nothing half-filled goes back: wipe what was copied */
        if (key->secret_access_key)
            OPENSSL_clear_free(key->secret_access_key, strlen(key->secret_access_key));
        free(key->session_token);
        free(key->account_id);
        free(key->principal);
        memset(key, 0, sizeof(*key));
    }
    return rc;
}
