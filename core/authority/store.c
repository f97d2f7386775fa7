/* The store: directory layout, SQLite schema, transactions and shared helpers. */
#include "internal.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "sgn/arn.h"
#include "sgn/buf.h"
#include "sgn/util.h"

int sgn_authority__fail(sgn_error *err, int http_status, const char *svc_code, const char *fmt,
                        ...)
{
    char rid[37] = "";
    char msg[sizeof(err->msg)];
    va_list ap;

    sgn_random_uuid(rid, NULL);
    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    return sgn_error_set_service(err, http_status, svc_code, rid, "%s", msg);
}

int sgn_authority__db_fail(sgn_authority *a, sgn_error *err, const char *what)
{
    int ec = sqlite3_errcode(a->db);

    if (ec == SQLITE_BUSY || ec == SQLITE_LOCKED)
        return sgn_error_set(err, SGN_EDB, "%s: the local Signer store %s is busy; try again",
                             what, a->dir);
    return sgn_error_set(err, SGN_EDB, "%s: %s", what, sqlite3_errmsg(a->db));
}

int sgn_authority__exec(sgn_authority *a, const char *sql, sgn_error *err)
{
    if (sqlite3_exec(a->db, sql, NULL, NULL, NULL) != SQLITE_OK)
        return sgn_authority__db_fail(a, err, "store query failed");
    return SGN_OK;
}

static int64_t monotonic_ns(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

/* SQLite's own busy handler (sqlite3_busy_timeout) sleeps 1, 2, 5, 10, ... up to 100 ms between
 * attempts: under contention a waiter sleeps long after the lock was released, and dozens of
 * signers on one store then spend more time asleep than working. Writers here hold the lock for
 * about a millisecond (an insert and a commit), so waiters retry after 50 to 500 microseconds,
 * randomised so that they do not retry in step, for at most SGN_STORE_BUSY_TIMEOUT_MS. */
static int busy_wait(void *ctx, int count)
{
    sgn_authority *a = ctx;
    int64_t now = monotonic_ns();
    struct timespec ts;
    long us;

    if (count == 0)
        a->busy_since_ns = now;
    else if (now - a->busy_since_ns > (int64_t)SGN_STORE_BUSY_TIMEOUT_MS * 1000000)
        return 0;
    us = 50 + (long)(rand_r(&a->busy_seed) % (count < 20 ? 100 : 450));
    ts.tv_sec = 0;
    ts.tv_nsec = us * 1000;
    nanosleep(&ts, NULL);
    return 1;
}

int sgn_authority__writable(sgn_authority *a, sgn_error *err)
{
    if (a->read_only)
        return sgn_error_set(err, SGN_EIO,
                             "the local Signer store %s is read-only (%s): this operation would "
                             "change it",
                             a->dir, a->read_only_why);
    return SGN_OK;
}

int sgn_authority__begin(sgn_authority *a, sgn_error *err)
{
    int rc;

    if ((rc = sgn_authority__writable(a, err)) < 0)
        return rc;
    return sgn_authority__exec(a, "BEGIN IMMEDIATE", err);
}

int sgn_authority__commit(sgn_authority *a, sgn_error *err)
{
    if (sqlite3_exec(a->db, "COMMIT", NULL, NULL, NULL) != SQLITE_OK) {
        int rc = sgn_authority__db_fail(a, err, "cannot commit to the store");
        sgn_authority__rollback(a);
        return rc;
    }
    return SGN_OK;
}

void sgn_authority__rollback(sgn_authority *a)
{
    if (!sqlite3_get_autocommit(a->db))
        sqlite3_exec(a->db, "ROLLBACK", NULL, NULL, NULL);
}

int sgn_authority__prepare(sgn_authority *a, sqlite3_stmt **st, const char *sql, sgn_error *err)
{
    *st = NULL;
    if (sqlite3_prepare_v2(a->db, sql, -1, st, NULL) != SQLITE_OK)
        return sgn_authority__db_fail(a, err, "store query failed");
    return SGN_OK;
}

int sgn_authority__stmt(sgn_authority *a, sqlite3_stmt **st, const char *sql, sgn_error *err)
{
    size_t i, n = sizeof(a->stmts) / sizeof(a->stmts[0]);

    for (i = 0; i < n && a->stmts[i].sql != NULL; i++)
        if (a->stmts[i].sql == sql && !sqlite3_stmt_busy(a->stmts[i].st)) {
            *st = a->stmts[i].st;
            return SGN_OK;
        }
    if (sgn_authority__prepare(a, st, sql, err) < 0)
        return SGN_EDB;
    if (i < n) {   /* else (full, or this one in use): a plain statement, finalized when done */
        a->stmts[i].sql = sql;
        a->stmts[i].st = *st;
    }
    return SGN_OK;
}

void sgn_authority__stmt_done(sgn_authority *a, sqlite3_stmt *st)
{
    size_t i, n = sizeof(a->stmts) / sizeof(a->stmts[0]);

    if (st == NULL)
        return;
    for (i = 0; i < n && a->stmts[i].sql != NULL; i++)
        if (a->stmts[i].st == st) {
            /* Reset now: a statement left stepping would hold a read snapshot open. */
            sqlite3_reset(st);
            sqlite3_clear_bindings(st);
            return;
        }
    sqlite3_finalize(st);
}

int sgn_authority__get_string(const char **out, const cJSON *in, const char *name, int required,
                              sgn_error *err)
{
    const cJSON *item = in ? cJSON_GetObjectItemCaseSensitive(in, name) : NULL;

    *out = NULL;
    if (item == NULL || cJSON_IsNull(item)) {
        if (required)
            return sgn_authority__fail(err, 400, "ValidationException",
                                       "1 validation error detected: Value null at '%s' failed "
                                       "to satisfy constraint: Member must not be null",
                                       name);
        return SGN_OK;
    }
    if (!cJSON_IsString(item))
        return sgn_authority__fail(err, 400, "ValidationException",
                                   "1 validation error detected: Value at '%s' must be a string",
                                   name);
    *out = item->valuestring;
    return SGN_OK;
}

int sgn_authority__get_number(int64_t *out, int *present, const cJSON *in, const char *name,
                              int required, sgn_error *err)
{
    const cJSON *item = in ? cJSON_GetObjectItemCaseSensitive(in, name) : NULL;

    *out = 0;
    if (present)
        *present = 0;
    if (item == NULL || cJSON_IsNull(item)) {
        if (required)
            return sgn_authority__fail(err, 400, "ValidationException",
                                       "1 validation error detected: Value null at '%s' failed "
                                       "to satisfy constraint: Member must not be null",
                                       name);
        return SGN_OK;
    }
    if (!cJSON_IsNumber(item) || item->valuedouble < -9.2e18 || item->valuedouble > 9.2e18)
        return sgn_authority__fail(err, 400, "ValidationException",
                                   "1 validation error detected: Value at '%s' must be a number",
                                   name);
    *out = (int64_t)item->valuedouble;
    if (present)
        *present = 1;
    return SGN_OK;
}

int sgn_authority__check_profile_name(const char *name, sgn_error *err)
{
    size_t i, n = strlen(name);

    for (i = 0; i < n; i++)
        if (!isalnum((unsigned char)name[i]) && name[i] != '_')
            break;
    if (n < 2 || n > 64 || i != n)
        return sgn_authority__fail(err, 400, "ValidationException",
                                   "1 validation error detected: Value '%s' at 'profileName' "
                                   "failed to satisfy constraint: Member must satisfy regular "
                                   "expression pattern: ^[a-zA-Z0-9_]{2,}, length 2..64",
                                   name);
    return SGN_OK;
}

int sgn_authority__check_account(const char *owner, const char *member, sgn_error *err)
{
    size_t i, n = strlen(owner);

    for (i = 0; i < n; i++)
        if (!isdigit((unsigned char)owner[i]))
            break;
    if (n != 12 || i != n)
        return sgn_authority__fail(err, 400, "ValidationException",
                                   "1 validation error detected: Value '%s' at '%s' failed to "
                                   "satisfy constraint: Member must satisfy regular expression "
                                   "pattern: ^[0-9]{12}$",
                                   owner, member);
    return SGN_OK;
}

const char *const sgn_authority__profile_statuses[] = {"Active", "Canceled", "Revoked", NULL};
const char *const sgn_authority__job_statuses[] = {"InProgress", "Failed", "Succeeded", NULL};
const char *const sgn_authority__validity_types[] = {"DAYS", "MONTHS", "YEARS", NULL};
const char *const sgn_authority__encryption_algorithms[] = {"RSA", "ECDSA", NULL};
/* The model lists SHA1 and SHA256; the real platform data (Lambda, Notation) also uses SHA384. */
const char *const sgn_authority__hash_algorithms[] = {"SHA1", "SHA256", "SHA384", NULL};
const char *const sgn_authority__image_formats[] = {"JSON", "JSONEmbedded", "JSONDetached", NULL};
const char *const sgn_authority__categories[] = {"AWSIoT", NULL};

int sgn_authority__in_list(const char *s, const char *const *list)
{
    int i;

    for (i = 0; s != NULL && list[i] != NULL; i++)
        if (strcmp(list[i], s) == 0)
            return i;
    return -1;
}

int sgn_authority__check_enum(const char *value, const char *member, const char *const *allowed,
                              sgn_error *err)
{
    sgn_buf set = SGN_BUF_INIT;
    size_t i;
    int rc;

    if (sgn_authority__in_list(value, allowed) >= 0)
        return SGN_OK;
    for (i = 0; allowed[i] != NULL; i++)
        if (sgn_buf_printf(&set, NULL, "%s%s", i ? ", " : "", allowed[i]) < 0)
            break;
    rc = sgn_authority__fail(err, 400, "ValidationException",
                             "1 validation error detected: Value '%s' at '%s' failed to satisfy "
                             "constraint: Member must satisfy enum value set: [%s]",
                             value ? value : "null", member, sgn_buf_cstr(&set));
    sgn_buf_free(&set);
    return rc;
}

int sgn_authority__check_reason(const char *reason, sgn_error *err)
{
    size_t n = strlen(reason);

    if (n < 1 || n > 500)
        return sgn_authority__fail(err, 400, "ValidationException",
                                   "The revocation reason must be 1 to 500 characters");
    return SGN_OK;
}

static char *fmt_alloc(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static char *fmt_alloc(const char *fmt, ...)
{
    va_list ap;
    int n;
    char *s;

    va_start(ap, fmt);
    n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    if (n < 0 || (s = malloc((size_t)n + 1)) == NULL)
        return NULL;
    va_start(ap, fmt);
    vsnprintf(s, (size_t)n + 1, fmt, ap);
    va_end(ap);
    return s;
}

char *sgn_authority__profile_arn(const sgn_authority *a, const char *owner, const char *name)
{
    return fmt_alloc("arn:%s:signer:%s:%s:/signing-profiles/%s",
                     sgn_partition_for_region(a->region), a->region, owner, name);
}

char *sgn_authority__profile_version_arn(const sgn_authority *a, const char *owner,
                                         const char *name, const char *version)
{
    return fmt_alloc("arn:%s:signer:%s:%s:/signing-profiles/%s/%s",
                     sgn_partition_for_region(a->region), a->region, owner, name, version);
}

char *sgn_authority__job_arn(const sgn_authority *a, const char *owner, const char *job_id)
{
    return fmt_alloc("arn:%s:signer:%s:%s:/signing-jobs/%s", sgn_partition_for_region(a->region),
                     a->region, owner, job_id);
}

int64_t sgn_authority__add_validity(int64_t t, int64_t value, const char *type)
{
    struct tm tm;
    time_t tt = (time_t)t;
    int64_t months, y, m;

    if (strcmp(type, "DAYS") == 0)
        return t + value * 86400;
    months = strcmp(type, "YEARS") == 0 ? value * 12 : value;
    gmtime_r(&tt, &tm);
    y = tm.tm_year + (tm.tm_mon + months) / 12;
    m = (tm.tm_mon + months) % 12;
    tm.tm_year = (int)y;
    tm.tm_mon = (int)m;
    {
        static const int dim[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
        int year = (int)y + 1900;
        int leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
        int max = m == 1 && leap ? 29 : dim[m];
        if (tm.tm_mday > max)
            tm.tm_mday = max;
    }
    return (int64_t)timegm(&tm);
}

cJSON *sgn_authority__epoch(int64_t t)
{
    return cJSON_CreateNumber((double)t);
}

int64_t sgn_authority_now(const sgn_authority *a)
{
    return a->clock ? a->clock(a->clock_ctx) : (int64_t)time(NULL);
}

const char *sgn_authority_region(const sgn_authority *a)
{
    return a->region;
}

const char *sgn_authority_account(const sgn_authority *a)
{
    return a->account;
}

const char *sgn_authority_dir(const sgn_authority *a)
{
    return a->dir;
}

int sgn_authority_default_dir(char **out, const char *env_store, const char *xdg_data_home,
                              const char *home, sgn_error *err)
{
    *out = NULL;
    if (env_store && *env_store)
        *out = strdup(env_store);
    else if (xdg_data_home && *xdg_data_home == '/')
        *out = fmt_alloc("%s/signer-local", xdg_data_home);
    else if (home && *home)
        *out = fmt_alloc("%s/.local/share/signer-local", home);
    else
        return sgn_error_set(err, SGN_EINVALID,
                             "cannot locate the local Signer store: set SIGNER_LOCAL_STORE or "
                             "HOME, or pass --store");
    if (*out == NULL)
        return sgn_error_set(err, SGN_ENOMEM, "out of memory");
    return SGN_OK;
}

static int read_meta(sgn_authority *a, const char *key, char **out, sgn_error *err)
{
    sqlite3_stmt *st = NULL;
    int rc;

    *out = NULL;
    if ((rc = sgn_authority__prepare(a, &st, "SELECT value FROM meta WHERE key = ?", err)) < 0)
        return rc;
    sqlite3_bind_text(st, 1, key, -1, SQLITE_STATIC);
    if (sqlite3_step(st) == SQLITE_ROW) {
        rc = sgn_strdup(out, (const char *)sqlite3_column_text(st, 0), err);
    } else {
        rc = sgn_error_set(err, SGN_EDB, "the local Signer store %s is damaged: no %s recorded",
                           a->dir, key);
    }
    sqlite3_finalize(st);
    return rc;
}

static int put_meta(sgn_authority *a, const char *key, const char *value, sgn_error *err)
{
    sqlite3_stmt *st = NULL;
    int rc;

    if ((rc = sgn_authority__prepare(a, &st, "INSERT INTO meta(key, value) VALUES (?, ?)",
                                     err)) < 0)
        return rc;
    sqlite3_bind_text(st, 1, key, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, value, -1, SQLITE_STATIC);
    rc = sqlite3_step(st) == SQLITE_DONE ? SGN_OK
                                         : sgn_authority__db_fail(a, err, "cannot create store");
    sqlite3_finalize(st);
    return rc;
}

static int schema_present(sgn_authority *a, int *present, sgn_error *err)
{
    sqlite3_stmt *st = NULL;
    int rc;

    if ((rc = sgn_authority__prepare(
             a, &st, "SELECT count(*) FROM sqlite_master WHERE type='table' AND name='meta'",
             err)) < 0)
        return rc;
    if (sqlite3_step(st) != SQLITE_ROW)
        rc = sgn_authority__db_fail(a, err, "cannot read the store");
    else
        *present = sqlite3_column_int(st, 0) > 0;
    sqlite3_finalize(st);
    return rc;
}

/* Create schema and PKI unless another process already did (we hold the write lock). */
static int initialise(sgn_authority *a, const sgn_authority_opts *opts, sgn_error *err)
{
    const char *region = opts && opts->region ? opts->region : SGN_LOCAL_REGION_DEFAULT;
    const char *account = opts && opts->account ? opts->account : SGN_LOCAL_ACCOUNT_DEFAULT;
    char now[32], version[16];
    int rc, present = 0;
    size_t i;

    if ((rc = sgn_authority__check_account(account, "accountId", err)) < 0)
        return rc;
    for (i = 0; region[i]; i++)
        if (!isalnum((unsigned char)region[i]) && region[i] != '-')
            return sgn_error_set(err, SGN_EINVALID, "invalid region \"%s\"", region);
    if (i == 0 || i > 32)
        return sgn_error_set(err, SGN_EINVALID, "invalid region \"%s\"", region);
    if ((rc = sgn_authority__exec(a, "BEGIN EXCLUSIVE", err)) < 0)
        return rc;
    if ((rc = schema_present(a, &present, err)) < 0 || present)
        goto out;
    snprintf(now, sizeof(now), "%lld", (long long)sgn_authority_now(a));
    snprintf(version, sizeof(version), "%d", SGN_STORE_SCHEMA_VERSION);
    if ((rc = sgn_authority__schema_create(a, err)) < 0 ||
        (rc = put_meta(a, "schema_version", version, err)) < 0 ||
        (rc = put_meta(a, "region", region, err)) < 0 ||
        (rc = put_meta(a, "account", account, err)) < 0 ||
        (rc = put_meta(a, "created_at", now, err)) < 0)
        goto out;
    a->region = strdup(region);
    a->account = strdup(account);
    if (a->region == NULL || a->account == NULL) {
        rc = sgn_error_set(err, SGN_ENOMEM, "out of memory");
        goto out;
    }
    rc = sgn_authority__pki_create(a, err);
out:
    if (rc < 0)
        sgn_authority__rollback(a);
    else
        rc = sgn_authority__commit(a, err);
    free(a->region);
    free(a->account);
    a->region = a->account = NULL;
    return rc;
}

/* A new signer.db, created 0600 before SQLite opens it, so no umask ever exposes it. */
static int create_private_file(const char *path, sgn_error *err)
{
    int fd = open(path, O_WRONLY | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);

    if (fd < 0)
        return sgn_error_set(err, SGN_EIO, "cannot create %s: %s", path, strerror(errno));
    close(fd);
    return SGN_OK;
}

/* Writable for this process (effective ids): the directory (SQLite creates -wal, -shm and
 * rollback files there) and signer.db. On failure, why says which and errno's text. */
static int store_writable(const char *dir, const char *path, char *why, size_t cap)
{
    if (faccessat(AT_FDCWD, dir, W_OK | X_OK, AT_EACCESS) != 0) {
        snprintf(why, cap, "directory not writable: %s", strerror(errno));
        return 0;
    }
    if (faccessat(AT_FDCWD, path, W_OK, AT_EACCESS) != 0) {
        snprintf(why, cap, "%s not writable: %s", SGN_STORE_DB, strerror(errno));
        return 0;
    }
    return 1;
}

/* "file:" URI for path with query (sqlite.org/uri.html): every byte outside the unreserved set and
 * '/' is percent-encoded, so '?', '#' and '%' in a directory name stay part of the path. */
static char *file_uri(const char *path, const char *query)
{
    static const char hex[] = "0123456789ABCDEF";
    size_t n = strlen(path), i, j = 0;
    char *uri = malloc(5 + 3 * n + 1 + strlen(query) + 1);

    if (uri == NULL)
        return NULL;
    memcpy(uri, "file:", 5);
    j = 5;
    for (i = 0; i < n; i++) {
        unsigned char c = (unsigned char)path[i];
        if (isalnum(c) || c == '/' || c == '-' || c == '.' || c == '_' || c == '~') {
            uri[j++] = (char)c;
        } else {
            uri[j++] = '%';
            uri[j++] = hex[c >> 4];
            uri[j++] = hex[c & 15];
        }
    }
    uri[j++] = '?';
    strcpy(uri + j, query);
    return uri;
}

/* Open signer.db for reading only, choosing how by what is on disk (see sgn_authority_open). */
static int open_read_only(sgn_authority *a, const char *dir, const char *path, sgn_error *err)
{
    char wal[PATH_MAX], shm[PATH_MAX];
    const char *query = "mode=ro";
    char *uri = NULL;
    int rc, heap_wal_index = 0;
    struct stat sb;

    if (snprintf(wal, sizeof(wal), "%s-wal", path) >= (int)sizeof(wal) ||
        snprintf(shm, sizeof(shm), "%s-shm", path) >= (int)sizeof(shm))
        return sgn_error_set(err, SGN_EINVALID, "store path too long");
    if (faccessat(AT_FDCWD, dir, W_OK | X_OK, AT_EACCESS) != 0) {
        if (stat(wal, &sb) != 0)
            query = "mode=ro&immutable=1";  /* no WAL: signer.db holds every commit */
        else if (stat(shm, &sb) != 0) {
            /* A WAL but no -shm, and none can be created: the WAL index goes to heap memory
             * (locking_mode=EXCLUSIVE), which needs an exclusive lock a read-only descriptor
             * cannot take, hence no locking (vfs=unix-none): with neither -shm nor a writable
             * directory, no writer can be using the store. */
            query = "mode=ro&vfs=unix-none";
            heap_wal_index = 1;
        }
    }
    if ((uri = file_uri(path, query)) == NULL)
        return sgn_error_set(err, SGN_ENOMEM, "out of memory");
    if (sqlite3_open_v2(uri, &a->db,
                        SQLITE_OPEN_READONLY | SQLITE_OPEN_URI | SQLITE_OPEN_NOMUTEX |
                            SQLITE_OPEN_NOFOLLOW,
                        NULL) != SQLITE_OK) {
        rc = sgn_error_set(err, SGN_EDB, "cannot open the local Signer store %s: %s", path,
                           a->db ? sqlite3_errmsg(a->db) : "out of memory");
        goto out;
    }
    /* Before the first read: the WAL index is then built in heap memory from the -wal file. */
    rc = heap_wal_index ? sgn_authority__exec(a, "PRAGMA locking_mode=EXCLUSIVE", err) : SGN_OK;
out:
    free(uri);
    return rc;
}

int sgn_authority_store_exists(const char *dir)
{
    char path[PATH_MAX];
    struct stat sb;

    if (dir == NULL || *dir == '\0' ||
        snprintf(path, sizeof(path), "%s/%s", dir, SGN_STORE_DB) >= (int)sizeof(path))
        return 0;
    return stat(path, &sb) == 0;
}

int sgn_authority_open(sgn_authority **out, const char *dir, const sgn_authority_opts *opts,
                       sgn_error *err)
{
    sgn_authority *a = NULL;
    char path[PATH_MAX], keys[PATH_MAX], why[sizeof(a->read_only_why)] = "";
    int rc, removed, flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX | SQLITE_OPEN_NOFOLLOW;
    int read_only = opts && opts->read_only;
    int create = opts && opts->create && !read_only;
    int exists;
    struct stat sb;

    *out = NULL;
    if (dir == NULL || *dir == '\0')
        return sgn_error_set(err, SGN_EINVALID, "no local Signer store directory given");
    if (snprintf(path, sizeof(path), "%s/%s", dir, SGN_STORE_DB) >= (int)sizeof(path) ||
        snprintf(keys, sizeof(keys), "%s/%s", dir, SGN_STORE_KEYS) >= (int)sizeof(keys))
        return sgn_error_set(err, SGN_EINVALID, "store path too long");
    exists = stat(path, &sb) == 0;
    if (!create && !exists)
        return sgn_error_set(err, SGN_ENOTFOUND,
                             "no local Signer store at %s: create one with "
                             "\"signer-local --store %s init\" (or any signer-local command)",
                             dir, dir);
    if (read_only)
        snprintf(why, sizeof(why), "opened for reading only");
    else if (exists && !store_writable(dir, path, why, sizeof(why)))
        read_only = 1;      /* automatic: reading still works, writes fail with why */
    if (read_only)
        create = 0;
    if (create) {
        if ((rc = sgn_mkdir_p(dir, 0700, err)) < 0 || (rc = sgn_mkdir_p(keys, 0700, err)) < 0)
            return rc;
        flags |= SQLITE_OPEN_CREATE;
    }
    if ((rc = sgn_authority__check_store_files(dir, read_only,
                                               opts != NULL && opts->allow_other_owner, err)) < 0)
        return rc;
    a = calloc(1, sizeof(*a));
    if (a == NULL || (a->dir = strdup(dir)) == NULL) {
        free(a);
        return sgn_error_set(err, SGN_ENOMEM, "out of memory");
    }
    a->read_only = read_only;
    memcpy(a->read_only_why, why, sizeof(why));
    if (opts) {
        a->clock = opts->clock;
        a->clock_ctx = opts->clock_ctx;
    }
    if (read_only) {
        if ((rc = open_read_only(a, dir, path, err)) < 0)
            goto fail;
    } else {
        if (create && !exists && (rc = create_private_file(path, err)) < 0)
            goto fail;
        if (sqlite3_open_v2(path, &a->db, flags, NULL) != SQLITE_OK) {
            rc = sgn_error_set(err, SGN_EDB, "cannot open the local Signer store %s: %s", path,
                               a->db ? sqlite3_errmsg(a->db) : "out of memory");
            goto fail;
        }
        /* signer.db holds access keys' secrets: only the store's user may read it (SQLite
         * gives -wal and -shm the same mode). */
        if (chmod(path, 0600) != 0) {
            rc = sgn_error_set(err, SGN_EIO, "cannot make %s private (mode 0600): %s", path,
                               strerror(errno));
            goto fail;
        }
    }
    a->busy_seed = (unsigned)getpid() ^ (unsigned)monotonic_ns();
    sqlite3_busy_handler(a->db, busy_wait, a);
    sqlite3_extended_result_codes(a->db, 0);
    if ((!read_only && ((rc = sgn_authority__exec(a, "PRAGMA journal_mode=WAL", err)) < 0 ||
                        (rc = sgn_authority__exec(a, "PRAGMA synchronous=FULL", err)) < 0)) ||
        (rc = sgn_authority__exec(a, "PRAGMA foreign_keys=ON", err)) < 0)
        goto fail;
    if (create && (rc = initialise(a, opts, err)) < 0)
        goto fail;
    if ((rc = sgn_authority__schema_upgrade(a, err)) < 0 ||
        (rc = read_meta(a, "region", &a->region, err)) < 0 ||
        (rc = read_meta(a, "account", &a->account, err)) < 0)
        goto fail;
    if (opts && opts->create && ((opts->region && strcmp(opts->region, a->region) != 0) ||
                                 (opts->account && strcmp(opts->account, a->account) != 0))) {
        rc = sgn_error_set(err, SGN_ECONFLICT,
                           "the local Signer store %s already exists for region %s and account "
                           "%s",
                           dir, a->region, a->account);
        goto fail;
    }
    if (!read_only && ((rc = sgn_authority__purge_expired_profiles(a, err)) < 0 ||
                       (rc = sgn_authority__remove_strays(a, &removed, err)) < 0))
        goto fail;
    *out = a;
    return SGN_OK;
fail:
    sgn_authority_close(a);
    return rc;
}

void sgn_authority_close(sgn_authority *a)
{
    if (a == NULL)
        return;
    for (size_t i = 0; i < sizeof(a->stmts) / sizeof(a->stmts[0]); i++)
        sqlite3_finalize(a->stmts[i].st);
    EVP_PKEY_free(a->leaf_key);
    for (size_t i = 0; i < sizeof(a->certs) / sizeof(a->certs[0]); i++)
        X509_free(a->certs[i].cert);
    if (a->db != NULL && !a->read_only) {
        /* Best effort, never waiting: a busy store is checkpointed by its last user. */
        sqlite3_busy_timeout(a->db, 0);
        sqlite3_wal_checkpoint_v2(a->db, "main", SQLITE_CHECKPOINT_TRUNCATE, NULL, NULL);
    }
    sqlite3_close(a->db);
    free(a->dir);
    free(a->region);
    free(a->account);
    free(a->caller_account);
    free(a->caller_principal);
    free(a);
}

int sgn_authority_read_only(const sgn_authority *a)
{
    return a->read_only;
}
