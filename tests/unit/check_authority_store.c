/* The store's files (issue 12): refusals of stores others could swap, root's explicit consent for
 * another user's store, and the removal of stray keys and temporary files at open, including the
 * race with a writer that has written a key but not committed it yet. */
#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "authority_fixture.h"
#include "sgn_check.h"
#include "sgn/authority.h"
#include "authority/internal.h"

#define OTHER_UID 65532

static void path_of(char *out, size_t cap, const char *rel)
{
    snprintf(out, cap, "%s%s%s", store_dir, *rel ? "/" : "", rel);
}

/* The first key file of keys/ (relative path). */
static void first_key(char *out, size_t cap)
{
    char keys[600];
    DIR *d;
    struct dirent *de;

    path_of(keys, sizeof(keys), "keys");
    d = opendir(keys);
    ck_assert_ptr_nonnull(d);
    out[0] = '\0';
    while ((de = readdir(d)) != NULL)
        if (strstr(de->d_name, ".pem") != NULL && out[0] == '\0')
            snprintf(out, cap, "keys/%s", de->d_name);
    closedir(d);
    ck_assert_msg(out[0] != '\0', "no key file");
}

static void to_symlink(const char *rel)
{
    char p[600], real[620];

    path_of(p, sizeof(p), rel);
    snprintf(real, sizeof(real), "%s.real", p);
    ck_assert_int_eq(rename(p, real), 0);
    ck_assert_int_eq(symlink(real, p), 0);
}

static void chmod_rel(const char *rel, mode_t mode)
{
    char p[600];

    path_of(p, sizeof(p), rel);
    ck_assert_int_eq(chmod(p, mode), 0);
}

static void chown_rel(const char *rel)
{
    char p[600];

    path_of(p, sizeof(p), rel);
    ck_assert_int_eq(lchown(p, OTHER_UID, OTHER_UID), 0);
}

static int reopen(int read_only, int allow_other_owner, sgn_error *err)
{
    sgn_authority_opts opts = {.clock = pinned, .read_only = read_only,
                               .allow_other_owner = allow_other_owner};

    sgn_authority_close(auth);
    auth = NULL;
    return sgn_authority_open(&auth, store_dir, &opts, err);
}

enum tamper { T_DIR_777, T_DIR_770, T_KEYS_702, T_KEYS_LINK, T_DB_LINK, T_KEY_LINK, T_DIR_OWNER,
              T_DB_OWNER, T_KEY_OWNER, T_WAL_OWNER };

static const struct {
    const char *name;
    const char *fragment;   /* follows the path concerned */
    int refused_reading;    /* also refused for a read-only open */
    int root_only;
} cases[] = {
    [T_DIR_777] = {"", " is writable by group and others (mode 0777)", 1, 0},
    [T_DIR_770] = {"", " is writable by its group (mode 0770)", 1, 0},
    [T_KEYS_702] = {"keys", " is writable by others (mode 0702)", 1, 0},
    [T_KEYS_LINK] = {"keys", " is a symbolic link", 1, 0},
    [T_DB_LINK] = {"signer.db", " is a symbolic link", 1, 0},
    [T_KEY_LINK] = {NULL, " is a symbolic link", 1, 0},
    [T_DIR_OWNER] = {"", " is owned by uid 65532, not by root (uid 0)", 0, 1},
    [T_DB_OWNER] = {"signer.db", " is owned by uid 65532", 1, 1},
    [T_KEY_OWNER] = {NULL, " is owned by uid 65532", 1, 1},
    [T_WAL_OWNER] = {"signer.db-wal", " is owned by uid 65532", 1, 1},
};

START_TEST(test_unsafe_store_refused)
{
    sgn_error err = SGN_ERROR_INIT;
    char rel[280], path[600], want[800];
    int fd;

    if (cases[_i].root_only && geteuid() != 0)
        return; /* chown needs root */
    if (cases[_i].name != NULL)
        snprintf(rel, sizeof(rel), "%s", cases[_i].name);
    else
        first_key(rel, sizeof(rel));
    path_of(path, sizeof(path), rel);
    sgn_authority_close(auth);
    auth = NULL;
    switch (_i) {
    case T_DIR_777: chmod_rel("", 0777); break;
    case T_DIR_770: chmod_rel("", 0770); break;
    case T_KEYS_702: chmod_rel("keys", 0702); break;
    case T_KEYS_LINK: case T_DB_LINK: case T_KEY_LINK: to_symlink(rel); break;
    case T_DIR_OWNER:
        chown_rel("");
        chown_rel("keys");
        chown_rel("signer.db");
        break;
    case T_WAL_OWNER:
        fd = open(path, O_WRONLY | O_CREAT, 0600);
        ck_assert_int_ge(fd, 0);
        close(fd);
        /* fall through */
    default: chown_rel(rel); break;
    }
    snprintf(want, sizeof(want), "%s%s", path, cases[_i].fragment);

    ck_assert_int_eq(reopen(0, 0, &err), SGN_EIO);
    ck_assert_ptr_null(auth);
    ck_assert_msg(strstr(err.msg, "refusing to use the local Signer store ") == err.msg, "%s",
                  err.msg);
    ck_assert_msg(strstr(err.msg, want) != NULL, "want \"%s\" in: %s", want, err.msg);
    ck_assert_msg(strstr(err.msg, "fix: ") != NULL || strstr(err.msg, "fix:") != NULL ||
                      strstr(err.msg, "replace the link") != NULL,
                  "%s", err.msg);

    sgn_error_clear(&err);
    if (cases[_i].refused_reading) {
        ck_assert_int_eq(reopen(1, 0, &err), SGN_EIO);
        ck_assert_msg(strstr(err.msg, want) != NULL, "%s", err.msg);
    } else {
        ck_assert_sgn_ok(reopen(1, 0, &err), &err);
    }
}
END_TEST

START_TEST(test_root_needs_consent_for_another_users_store)
{
    sgn_error err = SGN_ERROR_INIT;
    char key[280];

    if (geteuid() != 0)
        return;
    first_key(key, sizeof(key));
    sgn_authority_close(auth);
    auth = NULL;
    chown_rel("");
    chown_rel("keys");
    chown_rel("signer.db");
    chown_rel(key);
    ck_assert_int_eq(reopen(0, 0, &err), SGN_EIO);
    ck_assert_ptr_nonnull(strstr(err.msg, "--allow-other-owner"));
    sgn_error_clear(&err);
    ck_assert_sgn_ok(reopen(0, 1, &err), &err);
    ck_assert_int_eq(sgn_authority_read_only(auth), 0);
    /* The consent covers the store's owner and root, nobody else. */
    ck_assert_int_eq(chown(store_dir, OTHER_UID + 1, OTHER_UID + 1), 0);
    ck_assert_int_eq(reopen(0, 1, &err), SGN_EIO);
    ck_assert_ptr_nonnull(strstr(err.msg, "is owned by uid 65532, neither by the store's owner"));
}
END_TEST

static int exists_rel(const char *rel)
{
    char p[600];
    struct stat sb;

    path_of(p, sizeof(p), rel);
    return lstat(p, &sb) == 0;
}

static void touch_rel(const char *rel)
{
    char p[600];
    int fd;

    path_of(p, sizeof(p), rel);
    fd = open(p, O_WRONLY | O_CREAT, 0600);
    ck_assert_int_ge(fd, 0);
    close(fd);
}

START_TEST(test_strays_removed_at_open)
{
    sgn_error err = SGN_ERROR_INIT;
    static const char *const strays[] = {"keys/leaf-AbCdEfGh1234.pem", "keys/ca-000000000000.pem",
                                         "keys/root-zzzzzzzzzzzz.pem.tmp0123456789ab",
                                         "keys/leaf-AbCdEfGh1234.pem.tmpffffffffffff"};
    static const char *const kept[] = {"keys/notes.txt", "keys/leaf-short.pem",
                                       "keys/leaf-AbCdEfGh1234.pem.bak",
                                       "keys/leaf-AbCdEfGh1234.pem.tmp0123",
                                       "keys/leaf-AbCdEfGh12345.pem"};
    char key[280];
    size_t i;
    cJSON *res;

    first_key(key, sizeof(key));
    for (i = 0; i < sizeof(strays) / sizeof(*strays); i++)
        touch_rel(strays[i]);
    for (i = 0; i < sizeof(kept) / sizeof(*kept); i++)
        touch_rel(kept[i]);
    /* A read-only open removes nothing. */
    ck_assert_sgn_ok(reopen(1, 0, &err), &err);
    for (i = 0; i < sizeof(strays) / sizeof(*strays); i++)
        ck_assert_msg(exists_rel(strays[i]), "%s removed by a read-only open", strays[i]);
    ck_assert_sgn_ok(reopen(0, 0, &err), &err);
    for (i = 0; i < sizeof(strays) / sizeof(*strays); i++)
        ck_assert_msg(!exists_rel(strays[i]), "%s not removed", strays[i]);
    for (i = 0; i < sizeof(kept) / sizeof(*kept); i++)
        ck_assert_msg(exists_rel(kept[i]), "%s removed", kept[i]);
    ck_assert_msg(exists_rel(key), "a referenced key (%s) was removed", key);
    put_profile("app");
    res = sign("app", NULL, &err);
    ck_assert_msg(res != NULL, "%s", err.msg);
    cJSON_Delete(res);
}
END_TEST

/* The newest leaf's key file name (relative), from the committed certificates. */
static void newest_leaf_key(char *out, size_t cap)
{
    sqlite3_stmt *st = NULL;

    ck_assert_int_eq(sqlite3_prepare_v2(auth->db,
                                        "SELECT key_file FROM certs WHERE kind = 'leaf' "
                                        "ORDER BY id DESC LIMIT 1",
                                        -1, &st, NULL),
                     SQLITE_OK);
    ck_assert_int_eq(sqlite3_step(st), SQLITE_ROW);
    snprintf(out, cap, "keys/%s", (const char *)sqlite3_column_text(st, 0));
    sqlite3_finalize(st);
}

/* A writer (a child process) has written a new leaf key and inserted its certificate but not
 * committed; the store is opened meanwhile. The cleanup must wait for the writer's lock and then
 * see the key as referenced: the key survives and signs. A writer that rolls back leaves a stray
 * that the next open removes. */
START_TEST(test_uncommitted_key_survives_concurrent_open)
{
    sgn_error err = SGN_ERROR_INIT;
    EVP_PKEY *key = NULL;
    X509 **chain = NULL;
    size_t n = 0;
    int64_t leaf_id = 0;
    char leaf[280] = "";
    int fds[2], status;
    pid_t pid;
    cJSON *res;

    put_profile("app");
    pinned_now = T0 + 2 * 86400; /* the leaf is due for rotation */
    sgn_authority_close(auth);   /* no SQLite state crosses the fork */
    auth = NULL;
    ck_assert_int_eq(pipe(fds), 0);
    pid = fork();
    ck_assert_int_ge(pid, 0);
    if (pid == 0) {
        sgn_authority_opts opts = {.clock = pinned};
        sgn_authority *b = NULL;
        sgn_error e = SGN_ERROR_INIT;
        int ok = sgn_authority_open(&b, store_dir, &opts, &e) == SGN_OK &&
                 sgn_authority__begin(b, &e) == SGN_OK &&
                 sgn_authority__signing_chain(b, &key, &chain, &n, &leaf_id, &e) == SGN_OK;
        if (ok) {
            sqlite3_stmt *st = NULL;
            sqlite3_prepare_v2(b->db, "SELECT key_file FROM certs WHERE id = ?", -1, &st, NULL);
            sqlite3_bind_int64(st, 1, leaf_id);
            ok = sqlite3_step(st) == SQLITE_ROW;
            if (ok)
                snprintf(leaf, sizeof(leaf), "keys/%s", sqlite3_column_text(st, 0));
            sqlite3_finalize(st);
        }
        if (write(fds[1], leaf, sizeof(leaf)) != (ssize_t)sizeof(leaf))
            ok = 0;
        usleep(300 * 1000); /* the parent finds the unreferenced file and waits for the lock */
        ok = ok && sgn_authority__commit(b, &e) == SGN_OK;
        if (!ok)
            fprintf(stderr, "writer: %s\n", e.msg);
        sgn_authority_close(b);
        _exit(ok ? 0 : 1);
    }
    ck_assert_int_eq(read(fds[0], leaf, sizeof(leaf)), (ssize_t)sizeof(leaf));
    close(fds[0]);
    close(fds[1]);
    ck_assert_msg(leaf[0] != '\0' && exists_rel(leaf), "the writer wrote no key");
    ck_assert_sgn_ok(reopen(0, 0, &err), &err);
    ck_assert_int_eq(waitpid(pid, &status, 0), pid);
    ck_assert_msg(WIFEXITED(status) && WEXITSTATUS(status) == 0, "writer failed");
    ck_assert_msg(exists_rel(leaf), "the committed leaf key %s was removed", leaf);
    res = sign("app", NULL, &err);
    ck_assert_msg(res != NULL, "%s", err.msg);
    cJSON_Delete(res);

    /* Now a writer that dies (rolls back) after writing its key. */
    pinned_now = T0 + 4 * 86400;
    ck_assert_sgn_ok(sgn_authority__begin(auth, &err), &err);
    ck_assert_sgn_ok(sgn_authority__signing_chain(auth, &key, &chain, &n, &leaf_id, &err), &err);
    newest_leaf_key(leaf, sizeof(leaf));
    sgn_authority__rollback(auth);
    EVP_PKEY_free(key);
    sgn_authority__chain_free(chain, n);
    ck_assert_msg(exists_rel(leaf), "%s", leaf);
    ck_assert_sgn_ok(reopen(0, 0, &err), &err);
    ck_assert_msg(!exists_rel(leaf), "the rolled-back leaf key %s was not removed", leaf);
}
END_TEST

/* The number of entries of keys/. */
static int key_files(void)
{
    char keys[600];
    DIR *d;
    struct dirent *de;
    int n = 0;

    path_of(keys, sizeof(keys), "keys");
    d = opendir(keys);
    ck_assert_ptr_nonnull(d);
    while ((de = readdir(d)) != NULL)
        n += de->d_name[0] != '.';
    closedir(d);
    return n;
}

/* The cleanup's premise: a key file is only written holding the write lock. A rotation due in a
 * read transaction is reported (current_chain), never done; signing_chain refuses it there
 * without writing a file; SignPayload then rotates under BEGIN IMMEDIATE. */
START_TEST(test_keys_written_only_in_write_transaction)
{
    sgn_error err = SGN_ERROR_INIT;
    EVP_PKEY *key = NULL;
    X509 **chain = NULL;
    size_t n = 0;
    int64_t leaf_id = 0;
    int due = 0, files, leaves = 0;
    sqlite3_stmt *st = NULL;
    cJSON *res;

    put_profile("app");
    res = sign("app", NULL, &err); /* the first leaf */
    ck_assert_msg(res != NULL, "%s", err.msg);
    cJSON_Delete(res);
    files = key_files();
    pinned_now = T0 + 2 * 86400; /* the leaf is due for rotation */
    ck_assert_sgn_ok(sgn_authority__exec(auth, "BEGIN", &err), &err);
    ck_assert_sgn_ok(
        sgn_authority__current_chain(auth, &key, &chain, &n, &leaf_id, &due, &err), &err);
    ck_assert_int_eq(due, 1);
    ck_assert_ptr_null(key);
    ck_assert_int_eq(sgn_authority__signing_chain(auth, &key, &chain, &n, &leaf_id, &err),
                     SGN_EINTERNAL);
    sgn_error_clear(&err);
    sgn_authority__rollback(auth);
    ck_assert_ptr_null(key);
    ck_assert_int_eq(key_files(), files);
    res = sign("app", NULL, &err);
    ck_assert_msg(res != NULL, "%s", err.msg);
    cJSON_Delete(res);
    ck_assert_int_eq(key_files(), files + 1);
    ck_assert_int_eq(sqlite3_prepare_v2(auth->db, "SELECT count(*) FROM certs WHERE kind = 'leaf'",
                                        -1, &st, NULL),
                     SQLITE_OK);
    ck_assert_int_eq(sqlite3_step(st), SQLITE_ROW);
    leaves = sqlite3_column_int(st, 0);
    sqlite3_finalize(st);
    ck_assert_int_eq(leaves, 2);
}
END_TEST

/* The leaf is revoked between the signature and its record: the record is a 409 Conflict (what
 * serve answers); sgn_authority_sign_payload signs again with a fresh leaf. */
START_TEST(test_record_rechecks_the_chain)
{
    sgn_error err = SGN_ERROR_INIT, one = SGN_ERROR_INIT;
    sgn_signed_job *j = NULL;
    cJSON *in, *out = NULL, *res;
    char json[512], hash[97];
    sqlite3_stmt *st = NULL;
    int result = 0;

    put_profile("app");
    snprintf(json, sizeof(json),
             "{\"profileName\":\"app\",\"payload\":\"%s\",\"payloadFormat\":"
             "\"application/vnd.cncf.notary.payload.v1+json\"}",
             payload_b64);
    in = obj(json);
    ck_assert_sgn_ok(sgn_authority_sign_payload_unrecorded(auth, in, &out, &j, &err), &err);
    ck_assert_int_eq(sqlite3_prepare_v2(auth->db,
                                        "SELECT tbs_hash FROM certs WHERE kind = 'leaf' "
                                        "ORDER BY id DESC LIMIT 1",
                                        -1, &st, NULL),
                     SQLITE_OK);
    ck_assert_int_eq(sqlite3_step(st), SQLITE_ROW);
    snprintf(hash, sizeof(hash), "%s", (const char *)sqlite3_column_text(st, 0));
    sqlite3_finalize(st);
    snprintf(json, sizeof(json), "{\"certificateHash\":\"%s\",\"reason\":\"test\"}", hash);
    op_ok(sgn_authority_revoke_certificate, json);
    ck_assert_sgn_ok(sgn_authority_record_jobs(auth, &j, 1, &result, &one, &err), &err);
    ck_assert_int_lt(result, 0);
    ck_assert_int_eq(one.http_status, 409);
    ck_assert_str_eq(one.svc_code, "ConflictException");
    sgn_signed_job_free(j);
    cJSON_Delete(out);
    res = sign("app", NULL, &err);
    ck_assert_msg(res != NULL, "%s", err.msg);
    cJSON_Delete(res);
    cJSON_Delete(in);
}
END_TEST

static Suite *suite(void)
{
    Suite *s = suite_create("authority_store");
    TCase *tc = tcase_create("store");

    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_loop_test(tc, test_unsafe_store_refused, 0, (int)(sizeof(cases) / sizeof(*cases)));
    tcase_add_test(tc, test_root_needs_consent_for_another_users_store);
    tcase_add_test(tc, test_strays_removed_at_open);
    tcase_add_test(tc, test_uncommitted_key_survives_concurrent_open);
    tcase_add_test(tc, test_keys_written_only_in_write_transaction);
    tcase_add_test(tc, test_record_rechecks_the_chain);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    return sgn_check_run(suite());
}
