/* The store's files: who may own them and who may write them (checked at every open, as ssh's
 * StrictModes checks ~/.ssh), and the cleanup of key files a killed writer left behind. */
#include "internal.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "sgn/backend.h"

/* Names of the owners a store's files may have, for one open (see sgn_authority_open). */
typedef struct owners {
    uid_t me;         /* effective uid */
    uid_t store;      /* owner of the store directory */
    int any_of_store; /* files owned by the store directory's owner (or root) are accepted */
} owners;

static int unsafe(sgn_error *err, const char *dir, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static int unsafe(sgn_error *err, const char *dir, const char *fmt, ...)
{
    char what[900];
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(what, sizeof(what), fmt, ap);
    va_end(ap);
    return sgn_error_set(err, SGN_EIO, "refusing to use the local Signer store %s: %s", dir, what);
}

static int owner_ok(const owners *o, uid_t uid)
{
    return uid == o->me || (o->any_of_store && (uid == o->store || uid == 0));
}

/* The fix for a file owned by someone else, worded for who we are. */
static int bad_owner(sgn_error *err, const char *dir, const char *path, const struct stat *sb,
                     const owners *o, int read_only)
{
    if (o->any_of_store)
        return unsafe(err, dir,
                      "%s is owned by uid %u, neither by the store's owner (uid %u) nor by root; "
                      "fix: chown %u %s",
                      path, (unsigned)sb->st_uid, (unsigned)o->store, (unsigned)o->store, path);
    if (o->me == 0 && !read_only)
        return unsafe(err, dir,
                      "%s is owned by uid %u, not by root (uid 0), who runs this; fix: run as uid "
                      "%u (e.g. setpriv --reuid %u --regid %u --clear-groups ...), or chown -R 0 "
                      "%s, or allow root to use another user's store with --allow-other-owner "
                      "(signer-local) or SIGNER_LOCAL_ALLOW_OTHER_OWNER=1",
                      path, (unsigned)sb->st_uid, (unsigned)sb->st_uid, (unsigned)sb->st_uid,
                      (unsigned)sb->st_gid, dir);
    return unsafe(err, dir,
                  "%s is owned by uid %u, not by uid %u, who runs this; fix: chown %u %s (as "
                  "root), or run as uid %u",
                  path, (unsigned)sb->st_uid, (unsigned)o->me, (unsigned)o->me, path,
                  (unsigned)sb->st_uid);
}

static int check_dir(const char *dir, const char *path, const struct stat *sb, const owners *o,
                     int read_only, sgn_error *err)
{
    if (!S_ISDIR(sb->st_mode))
        return unsafe(err, dir, "%s is not a directory", path);
    if ((sb->st_mode & 022) != 0)
        return unsafe(err, dir,
                      "%s is writable by %s (mode %04o): anyone who may write it can replace the "
                      "store; fix: chmod go-w %s",
                      path, (sb->st_mode & 022) == 022 ? "group and others"
                            : (sb->st_mode & 020)       ? "its group"
                                                        : "others",
                      (unsigned)(sb->st_mode & 07777), path);
    if (!owner_ok(o, sb->st_uid))
        return bad_owner(err, dir, path, sb, o, read_only);
    return SGN_OK;
}

/* A file of the store (signer.db, -wal, -shm, an entry of keys/): no symbolic link, and one of
 * the accepted owners. A missing file is fine. */
static int check_file(const char *dir, const char *path, const owners *o, int read_only,
                      sgn_error *err)
{
    struct stat sb;

    if (lstat(path, &sb) != 0) {
        if (errno == ENOENT)
            return SGN_OK;
        return unsafe(err, dir, "cannot examine %s: %s", path, strerror(errno));
    }
    if (S_ISLNK(sb.st_mode))
        return unsafe(err, dir,
                      "%s is a symbolic link: the store's files must be its own; fix: replace "
                      "the link with the file itself (cp --remove-destination \"$(readlink -f "
                      "%s)\" %s)",
                      path, path, path);
    if (!owner_ok(o, sb.st_uid))
        return bad_owner(err, dir, path, &sb, o, read_only);
    return SGN_OK;
}

int sgn_authority__check_store_files(const char *dir, int read_only, int allow_other_owner,
                                     sgn_error *err)
{
    char keys[PATH_MAX], path[PATH_MAX];
    static const char *const db_files[] = {SGN_STORE_DB, SGN_STORE_DB "-wal", SGN_STORE_DB "-shm"};
    struct stat sb;
    owners o;
    DIR *d = NULL;
    struct dirent *de;
    size_t i;
    int rc = SGN_OK;

    if (snprintf(keys, sizeof(keys), "%s/%s", dir, SGN_STORE_KEYS) >= (int)sizeof(keys))
        return sgn_error_set(err, SGN_EINVALID, "store path too long");
    /* The directory itself may be reached through a symbolic link (stat): what it points to is
     * what is checked. */
    if (stat(dir, &sb) != 0)
        return errno == ENOENT ? SGN_OK
                               : unsafe(err, dir, "cannot examine %s: %s", dir, strerror(errno));
    o.me = geteuid();
    o.store = sb.st_uid;
    /* Reading another user's store is the read-only verification case (a volume owned by root
     * or by the image's user, read by uid 65532): accepted when nobody else may write it. Root
     * writes another user's store only when it says so. */
    o.any_of_store = read_only || (o.me == 0 && allow_other_owner);
    if ((rc = check_dir(dir, dir, &sb, &o, read_only, err)) < 0)
        return rc;
    if (lstat(keys, &sb) == 0) {
        if (S_ISLNK(sb.st_mode))
            return unsafe(err, dir,
                          "%s is a symbolic link: the store's key directory must be its own; "
                          "fix: replace the link with the directory itself",
                          keys);
        if ((rc = check_dir(dir, keys, &sb, &o, read_only, err)) < 0)
            return rc;
    } else if (errno != ENOENT) {
        return unsafe(err, dir, "cannot examine %s: %s", keys, strerror(errno));
    }
    for (i = 0; i < sizeof(db_files) / sizeof(db_files[0]); i++) {
        if (snprintf(path, sizeof(path), "%s/%s", dir, db_files[i]) >= (int)sizeof(path))
            return sgn_error_set(err, SGN_EINVALID, "store path too long");
        if ((rc = check_file(dir, path, &o, read_only, err)) < 0)
            return rc;
    }
    /* A reader that may not list keys/ (0700, another owner's) never reads a key either: only
     * the directory's own owner and modes matter to it. */
    if ((d = opendir(keys)) == NULL)
        return errno == ENOENT || (errno == EACCES && read_only)
                   ? SGN_OK
                   : unsafe(err, dir, "cannot list %s: %s", keys, strerror(errno));
    while ((de = readdir(d)) != NULL) {
        if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
            continue;
        if (snprintf(path, sizeof(path), "%s/%s", keys, de->d_name) >= (int)sizeof(path)) {
            rc = sgn_error_set(err, SGN_EINVALID, "store path too long");
            break;
        }
        if ((rc = check_file(dir, path, &o, read_only, err)) < 0)
            break;
    }
    closedir(d);
    return rc;
}

/* Our names in keys/: "<kind>-<12 alphanumerics>.pem" (pki.c), and the temporary files of
 * sgn_write_file_atomic: that name + ".tmp" + 12 hex digits. 1 key, 2 temporary, 0 other. */
static int our_name(const char *name)
{
    static const char *const kinds[] = {"root-", "ca-", "leaf-"};
    const char *p = NULL;
    size_t i;

    for (i = 0; i < 3 && p == NULL; i++)
        if (strncmp(name, kinds[i], strlen(kinds[i])) == 0)
            p = name + strlen(kinds[i]);
    if (p == NULL)
        return 0;
    for (i = 0; i < 12; i++)
        if (!((p[i] >= 'a' && p[i] <= 'z') || (p[i] >= 'A' && p[i] <= 'Z') ||
              (p[i] >= '0' && p[i] <= '9')))
            return 0;
    p += 12;
    if (strncmp(p, ".pem", 4) != 0)
        return 0;
    p += 4;
    if (*p == '\0')
        return 1;
    if (strncmp(p, ".tmp", 4) != 0)
        return 0;
    p += 4;
    for (i = 0; i < 12; i++)
        if (!((p[i] >= '0' && p[i] <= '9') || (p[i] >= 'a' && p[i] <= 'f')))
            return 0;
    return p[12] == '\0' ? 2 : 0;
}

static int cmp_str(const void *x, const void *y)
{
    return strcmp(*(char *const *)x, *(char *const *)y);
}

/* The key files the committed certificates name, sorted. */
static int referenced_keys(sgn_strlist *out, sgn_authority *a, sgn_error *err)
{
    sqlite3_stmt *st = NULL;
    int rc, step;

    if ((rc = sgn_authority__prepare(a, &st, "SELECT key_file FROM certs", err)) < 0)
        return rc;
    while ((step = sqlite3_step(st)) == SQLITE_ROW) {
        const char *f = (const char *)sqlite3_column_text(st, 0);
        if (f != NULL && (rc = sgn_strlist_push(out, f, err)) < 0)
            break;
    }
    if (rc == SGN_OK && step != SQLITE_DONE)
        rc = sgn_authority__db_fail(a, err, "cannot read the store's certificates");
    sqlite3_finalize(st);
    if (rc == SGN_OK && out->len > 1)
        qsort(out->items, out->len, sizeof(*out->items), cmp_str);
    return rc;
}

/* The files of keys/ that are ours and unreferenced: stray keys and temporary files. */
static int find_strays(sgn_strlist *out, sgn_authority *a, sgn_error *err)
{
    sgn_strlist refs = SGN_STRLIST_INIT;
    char keys[PATH_MAX];
    DIR *d = NULL;
    struct dirent *de;
    int rc;

    if (snprintf(keys, sizeof(keys), "%s/%s", a->dir, SGN_STORE_KEYS) >= (int)sizeof(keys))
        return sgn_error_set(err, SGN_EINVALID, "store path too long");
    if ((rc = referenced_keys(&refs, a, err)) < 0)
        goto out;
    if ((d = opendir(keys)) == NULL) {
        rc = errno == ENOENT ? SGN_OK
                             : sgn_error_set(err, SGN_EIO, "cannot list %s: %s", keys,
                                             strerror(errno));
        goto out;
    }
    while ((de = readdir(d)) != NULL) {
        const char *name = de->d_name;
        int kind = our_name(name);
        if (kind == 0 || (kind == 1 && bsearch(&name, refs.items, refs.len,
                                                sizeof(*refs.items), cmp_str) != NULL))
            continue;
        if ((rc = sgn_strlist_push(out, name, err)) < 0)
            break;
    }
    closedir(d);
out:
    sgn_strlist_free(&refs);
    return rc;
}

int sgn_authority__remove_strays(sgn_authority *a, int *removed, sgn_error *err)
{
    sgn_strlist strays = SGN_STRLIST_INIT;
    char path[PATH_MAX];
    size_t i;
    int rc;

    *removed = 0;
    /* A first look without the write lock: almost always nothing to do, and then no writer is
     * held up. A key file may be unreferenced only because its writer has not committed yet. */
    if ((rc = find_strays(&strays, a, err)) < 0 || strays.len == 0)
        goto out;
    sgn_strlist_free(&strays);
    /* Keys are written only inside a write transaction (pki.c's make_cert refuses otherwise;
     * before the row naming them is inserted). Holding the write lock, no writer is between writing a key and committing it,
     * so a file our name pattern matches and no committed row names was left by a writer that
     * died (or rolled back): it can go. The directory is read again under the lock. */
    if ((rc = sgn_authority__begin(a, err)) < 0)
        goto out;
    if ((rc = find_strays(&strays, a, err)) < 0)
        goto out;
    for (i = 0; i < strays.len; i++) {
        if (snprintf(path, sizeof(path), "%s/%s/%s", a->dir, SGN_STORE_KEYS, strays.items[i]) >=
            (int)sizeof(path))
            continue;
        if (unlink(path) == 0)
            (*removed)++;
        else if (errno != ENOENT) {
            rc = sgn_error_set(err, SGN_EIO, "cannot remove the stray key file %s: %s", path,
                               strerror(errno));
            goto out;
        }
    }
    rc = sgn_authority__commit(a, err);
out:
    sgn_authority__rollback(a);
    sgn_strlist_free(&strays);
    return rc;
}
