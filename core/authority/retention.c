/* Retention of canceled and revoked signing profiles. */
#include "internal.h"

#include "sgn/util.h"

#define SGN_PROFILE_RETENTION_MONTHS 6

/* Retention (developer guide, "Signing profiles"): a Canceled or Revoked profile stays visible
 * until every signature it made has expired, plus six months; then it is deleted, with its
 * versions and its jobs. With no signatures the six months run from the cancellation or
 * revocation. (The IoT guide's "two years after cancel" is older and less specific: see the
 * README, "Conformance".) The expired profiles go to *names as owner, name pairs. */
static int expired_profiles(sgn_authority *a, sgn_strlist *names, sgn_error *err)
{
    sqlite3_stmt *st = NULL;
    int64_t now = sgn_authority_now(a);
    int rc = SGN_OK, step;

    if ((rc = sgn_authority__prepare(
             a, &st,
             "SELECT p.name, MAX(COALESCE(p.canceled_at, 0), "
             "COALESCE((SELECT MAX(v.revoked_at) FROM profile_versions v WHERE v.name = p.name "
             "AND v.owner = p.owner), 0), COALESCE((SELECT MAX(j.signature_expires_at) FROM jobs j "
             "WHERE j.profile_name = p.name AND j.job_owner = p.owner), 0)), p.owner "
             "FROM profiles p WHERE p.status != 'Active'",
             err)) < 0)
        return rc;
    while ((step = sqlite3_step(st)) == SQLITE_ROW) {
        int64_t last = sqlite3_column_int64(st, 1);
        if (now >= sgn_authority__add_validity(last, SGN_PROFILE_RETENTION_MONTHS, "MONTHS") &&
            ((rc = sgn_strlist_push(names, (const char *)sqlite3_column_text(st, 2), err)) < 0 ||
             (rc = sgn_strlist_push(names, (const char *)sqlite3_column_text(st, 0), err)) < 0))
            break;
    }
    if (rc == SGN_OK && step != SQLITE_DONE)
        rc = sgn_authority__db_fail(a, err, "cannot read signing profiles");
    sqlite3_finalize(st);
    return rc;
}

/* The profile with everything that hangs on it: jobs, versions, permission statements (its tags
 * are a column of its row). */
static int delete_profile(sgn_authority *a, const char *owner, const char *name, sgn_error *err)
{
    static const char *const sql[] = {
        "DELETE FROM jobs WHERE profile_name = ?1 AND job_owner = ?2",
        "DELETE FROM profile_versions WHERE name = ?1 AND owner = ?2",
        "DELETE FROM profile_permissions WHERE name = ?1 AND owner = ?2",
        "DELETE FROM profiles WHERE name = ?1 AND owner = ?2",
    };
    sqlite3_stmt *st = NULL;
    size_t i;
    int rc;

    for (i = 0; i < sizeof(sql) / sizeof(sql[0]); i++) {
        if ((rc = sgn_authority__prepare(a, &st, sql[i], err)) < 0)
            return rc;
        sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 2, owner, -1, SQLITE_STATIC);
        rc = sqlite3_step(st) == SQLITE_DONE
                 ? SGN_OK
                 : sgn_authority__db_fail(a, err, "cannot delete an expired signing profile");
        sqlite3_finalize(st);
        if (rc < 0)
            return rc;
    }
    return SGN_OK;
}

int sgn_authority__purge_expired_profiles(sgn_authority *a, sgn_error *err)
{
    sgn_strlist names = SGN_STRLIST_INIT;
    size_t i;
    int rc;

    /* A cheap look first: most opens find nothing and take no write lock. */
    if ((rc = expired_profiles(a, &names, err)) < 0 || names.len == 0 ||
        sqlite3_db_readonly(a->db, "main") == 1)
        goto out;
    sgn_strlist_free(&names);
    if ((rc = sgn_authority__begin(a, err)) < 0 || (rc = expired_profiles(a, &names, err)) < 0)
        goto out;
    for (i = 0; i + 1 < names.len; i += 2)
        if ((rc = delete_profile(a, names.items[i], names.items[i + 1], err)) < 0)
            goto out;
    rc = sgn_authority__commit(a, err);
out:
    sgn_authority__rollback(a);
    sgn_strlist_free(&names);
    return rc;
}
