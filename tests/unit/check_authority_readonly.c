/* The local Signer on a read-only store: a directory this process may not write (chmod, or a
 * read-only mount), opened automatically read-only, and the explicit read_only option. Reads
 * answer from the committed state, un-checkpointed WAL content included, whether the -shm file is
 * there or not; writes fail with a clear message. When the tests run as root, the reading part runs
 * in a child process as uid/gid 65532 (root ignores file modes). */
#include <errno.h>
#include <grp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <sqlite3.h>

#include "authority_fixture.h"
#include "sgn_check.h"
#include "sgn/authority.h"
#include "sgn/envelope.h"
#include "sgn/util.h"
#include "sgn/x509.h"
#include "authority/internal.h"

#define NOBODY_ID 65532 /* distroless's "nonroot" */

/* GetRevocationStatus for an envelope signed at T0 through handle a: the number of revoked
 * entities, or -1 (err set). No Check assertions: the child processes below call it. */
static int grs_count(sgn_authority *a, const sgn_envelope_info *info, sgn_error *err)
{
    return revocation_count_on(a, info, T0, NULL, err);
}

/* The same question through the plugin's in-process backend (which opens read-only). */
static int backend_count(const char *dir, const sgn_envelope_info *info, sgn_error *err)
{
    sgn_strlist hashes = SGN_STRLIST_INIT, revoked = SGN_STRLIST_INIT;
    sgn_backend *b = NULL;
    sgn_revocation_query q;
    int n = -1;

    if (sgn_local_backend_new(&b, dir, err) < 0 ||
        sgn_x509_chain_hashes(&hashes, (const unsigned char *const *)info->certs,
                              info->cert_lens, info->n_certs, err) < 0)
        goto out;
    q.signature_timestamp = T0;
    q.platform_id = SGN_PLATFORM_NOTATION;
    q.profile_version_arn = ext(info, SGN_ATTR_PROFILE_VERSION);
    q.job_arn = ext(info, SGN_ATTR_SIGNING_JOB);
    q.certificate_hashes = (const char *const *)hashes.items;
    q.n_certificate_hashes = hashes.len;
    if (sgn_backend_get_revocation_status(b, &q, &revoked, err) == SGN_OK)
        n = (int)revoked.len;
out:
    sgn_strlist_free(&revoked);
    sgn_strlist_free(&hashes);
    sgn_backend_free(b);
    return n;
}

/* Reading and writing a read-only store, as its reader (a child process). Returns 0, or the number
 * of the first failed step (its reason on stderr). */
static int reader_checks(const char *dir, const sgn_envelope_info *revoked,
                         const sgn_envelope_info *kept, const char *why)
{
    sgn_error err = SGN_ERROR_INIT;
    sgn_authority_opts opts = {.clock = pinned};
    sgn_authority *a = NULL;
    cJSON *in, *out = NULL;
    int step = 0, rc;

#define STEP(cond)                                                                             \
    do {                                                                                       \
        step++;                                                                                \
        if (!(cond)) {                                                                         \
            fprintf(stderr, "read-only step %d (%s) failed: %s\n", step, #cond, err.msg);      \
            goto out;                                                                          \
        }                                                                                      \
    } while (0)

    STEP(sgn_authority_open(&a, dir, &opts, &err) == SGN_OK);            /* automatic */
    STEP(sgn_authority_read_only(a) == 1);
    STEP(grs_count(a, revoked, &err) == 1);
    STEP(grs_count(a, kept, &err) == 0);
    in = cJSON_CreateObject();
    cJSON_AddStringToObject(in, "jobId", strrchr(ext(kept, SGN_ATTR_SIGNING_JOB), '/') + 1);
    cJSON_AddStringToObject(in, "reason", "key compromise");
    rc = sgn_authority_revoke_signature(a, in, &out, &err);
    cJSON_Delete(in);
    cJSON_Delete(out);
    out = NULL;
    STEP(rc == SGN_EIO && strstr(err.msg, "is read-only") && strstr(err.msg, dir) &&
         strstr(err.msg, why));
    sgn_error_clear(&err);
    in = obj("{\"profileName\":\"Another\",\"platformId\":\"Notation-OCI-SHA384-ECDSA\"}");
    rc = sgn_authority_put_signing_profile(a, in, &out, &err);
    cJSON_Delete(in);
    cJSON_Delete(out);
    STEP(rc == SGN_EIO && strstr(err.msg, "is read-only"));
    sgn_error_clear(&err);
    STEP(grs_count(a, kept, &err) == 0);      /* the refused revocation changed nothing */
    STEP(backend_count(dir, revoked, &err) == 1);
    STEP(backend_count(dir, kept, &err) == 0);
    step = 0;
out:
    sgn_authority_close(a);
    return step;
#undef STEP
}

enum ro_state { RO_CHECKPOINTED, RO_WAL_AND_SHM, RO_WAL_ONLY };
static const char *const ro_state_names[] = {"checkpointed", "wal+shm", "wal only"};

static void file_path(char *out, size_t cap, const char *suffix)
{
    snprintf(out, cap, "%s/signer.db%s", store_dir, suffix);
}

/* Whether the committed state has job_id revoked, reading signer.db alone (immutable ignores
 * the WAL): tells where a revocation lives. */
static int revoked_in_db_file(const char *job_id)
{
    char path[512], uri[600];
    sqlite3 *db = NULL;
    sqlite3_stmt *st = NULL;
    int revoked;

    file_path(path, sizeof(path), "");
    snprintf(uri, sizeof(uri), "file:%s?immutable=1", path);
    ck_assert_int_eq(sqlite3_open_v2(uri, &db, SQLITE_OPEN_READONLY | SQLITE_OPEN_URI, NULL),
                     SQLITE_OK);
    ck_assert_int_eq(sqlite3_prepare_v2(db, "SELECT revoked_at IS NOT NULL FROM jobs WHERE job_id = ?",
                                        -1, &st, NULL),
                     SQLITE_OK);
    sqlite3_bind_text(st, 1, job_id, -1, SQLITE_STATIC);
    ck_assert_int_eq(sqlite3_step(st), SQLITE_ROW);
    revoked = sqlite3_column_int(st, 0);
    sqlite3_finalize(st);
    sqlite3_close(db);
    return revoked;
}

static void set_modes(mode_t dir_mode, mode_t file_mode)
{
    static const char *const suffixes[] = {"", "-wal", "-shm"};
    char path[512];
    size_t i;

    for (i = 0; i < 3; i++) {
        file_path(path, sizeof(path), suffixes[i]);
        if (chmod(path, file_mode) != 0)
            ck_assert_int_eq(errno, ENOENT);
    }
    ck_assert_int_eq(chmod(store_dir, dir_mode), 0);
}

START_TEST(test_read_only_directory)
{
    sgn_error err = SGN_ERROR_INIT;
    sgn_envelope_info revoked, kept;
    cJSON *r1, *r2, *in, *out = NULL;
    sqlite3 *reader = NULL;
    char path[512], parent[256], *slash;
    const char *job;
    struct stat sb;
    pid_t pid;
    int status;

    put_profile("ReadOnly");
    r1 = sign("ReadOnly", NULL, &err);
    r2 = sign("ReadOnly", NULL, &err);
    ck_assert_ptr_nonnull(r2);
    open_envelope(&revoked, r1, SGN_ENVELOPE_JWS);
    open_envelope(&kept, r2, SGN_ENVELOPE_JWS);
    job = str(r1, "jobId");
    if (_i != RO_CHECKPOINTED) {
        /* Another process reads an older snapshot and will close without checkpointing: the
         * revocation then stays in the WAL only, as after a crash or while a reader is busy. */
        ck_assert_int_eq(sqlite3_exec(auth->db, "PRAGMA wal_checkpoint(TRUNCATE)", NULL, NULL,
                                      NULL),
                         SQLITE_OK);   /* everything before the revocation is in signer.db */
        file_path(path, sizeof(path), "");
        ck_assert_int_eq(sqlite3_open_v2(path, &reader, SQLITE_OPEN_READWRITE, NULL), SQLITE_OK);
        ck_assert_int_eq(sqlite3_db_config(reader, SQLITE_DBCONFIG_NO_CKPT_ON_CLOSE, 1, NULL),
                         SQLITE_OK);
        ck_assert_int_eq(sqlite3_exec(reader, "BEGIN; SELECT count(*) FROM jobs;", NULL, NULL,
                                      NULL),
                         SQLITE_OK);
    }
    in = cJSON_CreateObject();
    cJSON_AddStringToObject(in, "jobId", job);
    cJSON_AddStringToObject(in, "reason", "key compromise");
    ck_assert_sgn_ok(sgn_authority_revoke_signature(auth, in, &out, &err), &err);
    cJSON_Delete(in);
    cJSON_Delete(out);
    sgn_authority_close(auth);
    auth = NULL;
    sqlite3_close(reader);
    file_path(path, sizeof(path), "-wal");
    if (_i == RO_CHECKPOINTED) {
        ck_assert_int_ne(stat(path, &sb), 0);   /* closed cleanly: signer.db is self-contained */
        ck_assert_int_eq(revoked_in_db_file(job), 1);
    } else {
        ck_assert_int_eq(stat(path, &sb), 0);
        ck_assert_int_gt(sb.st_size, 0);
        ck_assert_int_eq(revoked_in_db_file(job), 0);   /* the revocation is in the WAL only */
    }
    if (_i == RO_WAL_ONLY) {
        file_path(path, sizeof(path), "-shm");
        ck_assert_int_eq(unlink(path), 0);
    }

    /* Read-only for everyone; the reader (uid 65532 when we are root) may traverse the parent. */
    snprintf(parent, sizeof(parent), "%s", store_dir);
    slash = strrchr(parent, '/');
    *slash = '\0';
    ck_assert_int_eq(chmod(parent, 0755), 0);
    set_modes(0555, 0444);
    pid = fork();
    ck_assert_int_ge(pid, 0);
    if (pid == 0) {
        if (geteuid() == 0 &&
            (setgroups(0, NULL) != 0 || setgid(NOBODY_ID) != 0 || setuid(NOBODY_ID) != 0)) {
            perror("dropping root");
            _exit(100);
        }
        _exit(reader_checks(store_dir, &revoked, &kept, "directory not writable"));
    }
    ck_assert_int_eq(waitpid(pid, &status, 0), pid);
    set_modes(0700, 0600);
    ck_assert_msg(WIFEXITED(status) && WEXITSTATUS(status) == 0,
                  "%s: the reader failed at step %d (see stderr)", ro_state_names[_i],
                  WIFEXITED(status) ? WEXITSTATUS(status) : -1);
    /* Nothing was written: no -shm appeared where there was none. */
    file_path(path, sizeof(path), "-shm");
    if (_i == RO_WAL_ONLY)
        ck_assert_int_ne(stat(path, &sb), 0);
    sgn_envelope_info_free(&revoked);
    sgn_envelope_info_free(&kept);
    cJSON_Delete(r1);
    cJSON_Delete(r2);
}
END_TEST

/* opts.read_only on a writable store: reads work, writes are refused, nothing is purged. */
START_TEST(test_read_only_option)
{
    sgn_error err = SGN_ERROR_INIT;
    sgn_authority_opts opts = {.clock = pinned, .read_only = 1, .create = 1};
    sgn_authority *a = NULL;
    sgn_envelope_info info;
    cJSON *res, *in, *out = NULL;

    put_profile("Option");
    res = sign("Option", NULL, &err);
    ck_assert_ptr_nonnull(res);
    open_envelope(&info, res, SGN_ENVELOPE_JWS);
    ck_assert_sgn_ok(sgn_authority_open(&a, store_dir, &opts, &err), &err);
    ck_assert_int_eq(sgn_authority_read_only(a), 1);
    ck_assert_int_eq(sgn_authority_read_only(auth), 0);
    ck_assert_int_eq(grs_count(a, &info, &err), 0);
    in = obj("{\"profileName\":\"Option\"}");
    ck_assert_int_eq(sgn_authority_cancel_signing_profile(a, in, &out, &err), SGN_EIO);
    ck_assert_ptr_nonnull(strstr(err.msg, "opened for reading only"));
    cJSON_Delete(out);
    out = NULL;
    /* The read-write handle still writes, and the read-only one sees it. */
    sgn_error_clear(&err);
    ck_assert_sgn_ok(sgn_authority_cancel_signing_profile(auth, in, &out, &err), &err);
    cJSON_Delete(out);
    cJSON_Delete(in);
    in = obj("{\"profileName\":\"Option\"}");
    ck_assert_sgn_ok(sgn_authority_get_signing_profile(a, in, &out, &err), &err);
    ck_assert_str_eq(str(out, "status"), "Canceled");
    cJSON_Delete(out);
    cJSON_Delete(in);
    sgn_authority_close(a);
    sgn_envelope_info_free(&info);
    cJSON_Delete(res);
}
END_TEST

START_TEST(test_read_only_missing_store)
{
    sgn_error err = SGN_ERROR_INIT;
    sgn_authority_opts opts = {.read_only = 1, .create = 1};
    sgn_authority *a = NULL;
    struct stat sb;

    ck_assert_int_eq(sgn_authority_open(&a, "/tmp/sgn-no-such-ro-store", &opts, &err),
                     SGN_ENOTFOUND);
    ck_assert_ptr_null(a);
    ck_assert_int_ne(stat("/tmp/sgn-no-such-ro-store", &sb), 0);   /* create is ignored */
}
END_TEST

/* A writer that closes while another process has the store open (but is not reading) still
 * leaves every commit in signer.db: the WAL is checkpointed and truncated. */
START_TEST(test_close_checkpoints_wal)
{
    sgn_error err = SGN_ERROR_INIT;
    sgn_envelope_info info;
    sqlite3 *other = NULL;
    cJSON *res, *in, *out = NULL;
    char path[512];
    struct stat sb;

    file_path(path, sizeof(path), "");
    ck_assert_int_eq(sqlite3_open_v2(path, &other, SQLITE_OPEN_READWRITE, NULL), SQLITE_OK);
    ck_assert_int_eq(sqlite3_exec(other, "SELECT count(*) FROM jobs", NULL, NULL, NULL), SQLITE_OK);
    put_profile("Checkpoint");
    res = sign("Checkpoint", NULL, &err);
    ck_assert_ptr_nonnull(res);
    open_envelope(&info, res, SGN_ENVELOPE_JWS);
    in = cJSON_CreateObject();
    cJSON_AddStringToObject(in, "jobId", str(res, "jobId"));
    cJSON_AddStringToObject(in, "reason", "key compromise");
    ck_assert_sgn_ok(sgn_authority_revoke_signature(auth, in, &out, &err), &err);
    cJSON_Delete(in);
    cJSON_Delete(out);
    sgn_authority_close(auth);
    auth = NULL;
    file_path(path, sizeof(path), "-wal");
    ck_assert_int_eq(stat(path, &sb), 0);    /* still open elsewhere: the WAL file stays ... */
    ck_assert_int_eq(sb.st_size, 0);         /* ... but empty */
    ck_assert_int_eq(revoked_in_db_file(str(res, "jobId")), 1);
    sqlite3_close(other);
    sgn_envelope_info_free(&info);
    cJSON_Delete(res);
}
END_TEST

static Suite *authority_readonly_suite(void)
{
    Suite *s = suite_create("authority_readonly");
    TCase *tc = tcase_create("read-only");

    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_loop_test(tc, test_read_only_directory, RO_CHECKPOINTED, RO_WAL_ONLY + 1);
    tcase_add_test(tc, test_read_only_option);
    tcase_add_test(tc, test_read_only_missing_store);
    tcase_add_test(tc, test_close_checkpoints_wal);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    return sgn_check_run(authority_readonly_suite());
}
