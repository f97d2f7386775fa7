/* The store's SQLite schema: creation, and migration of older stores. */
#include "internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Tables whose shape did not change since version 1. */
#define CERTS_TABLE                                                                             \
    "CREATE TABLE certs("                                                                       \
    "  id INTEGER PRIMARY KEY,"                                                                 \
    "  kind TEXT NOT NULL CHECK(kind IN ('root','ca','leaf')),"                                 \
    "  parent_id INTEGER REFERENCES certs(id),"                                                 \
    "  der BLOB NOT NULL,"                                                                      \
    "  key_file TEXT NOT NULL,"                                                                 \
    "  tbs_hash TEXT NOT NULL UNIQUE,"                                                          \
    "  not_before INTEGER NOT NULL,"                                                            \
    "  not_after INTEGER NOT NULL,"                                                             \
    "  created_at INTEGER NOT NULL,"                                                            \
    "  revoked_pair TEXT,"                                                                      \
    "  revoked_at INTEGER,"                                                                     \
    "  revoke_reason TEXT);"
#define JOBS_TABLE                                                                              \
    "CREATE TABLE jobs("                                                                        \
    "  job_id TEXT PRIMARY KEY,"                                                                \
    "  profile_name TEXT NOT NULL,"                                                             \
    "  profile_version TEXT NOT NULL,"                                                          \
    "  platform_id TEXT NOT NULL,"                                                              \
    "  job_owner TEXT NOT NULL,"                                                                \
    "  job_invoker TEXT NOT NULL,"                                                              \
    "  requested_by TEXT NOT NULL,"                                                             \
    "  status TEXT NOT NULL,"                                                                   \
    "  created_at INTEGER NOT NULL,"                                                            \
    "  completed_at INTEGER NOT NULL,"                                                          \
    "  signature_expires_at INTEGER,"                                                           \
    "  envelope_type TEXT NOT NULL,"                                                            \
    "  payload_sha256 TEXT NOT NULL,"                                                           \
    "  leaf_cert_id INTEGER REFERENCES certs(id),"                                              \
    "  revoked_at INTEGER,"                                                                     \
    "  revoked_by TEXT,"                                                                        \
    "  revoke_reason TEXT);"                                                                    \
    "CREATE INDEX jobs_created ON jobs(created_at, job_id);"

/* Version 2: a profile is (owner account, name); its tags are the profile's; permissions and
 * access keys. policy_revision is the revisionId of the profile's permission policy (NULL until
 * the first statement). jobs.job_owner is the profile's owner, so (job_owner, profile_name)
 * names a job's profile. */
#define V2_TABLES                                                                               \
    "CREATE TABLE profiles("                                                                    \
    "  owner TEXT NOT NULL,"                                                                    \
    "  name TEXT NOT NULL,"                                                                     \
    "  current_version TEXT NOT NULL,"                                                          \
    "  status TEXT NOT NULL CHECK(status IN ('Active','Canceled','Revoked')),"                  \
    "  status_reason TEXT,"                                                                     \
    "  created_at INTEGER NOT NULL,"                                                            \
    "  canceled_at INTEGER,"                                                                    \
    "  tags TEXT,"                                                                              \
    "  policy_revision TEXT,"                                                                   \
    "  PRIMARY KEY(owner, name));"                                                              \
    "CREATE TABLE profile_versions("                                                            \
    "  owner TEXT NOT NULL,"                                                                    \
    "  name TEXT NOT NULL,"                                                                     \
    "  version TEXT NOT NULL,"                                                                  \
    "  platform_id TEXT NOT NULL,"                                                              \
    "  validity_value INTEGER NOT NULL,"                                                        \
    "  validity_type TEXT NOT NULL,"                                                            \
    "  signing_material TEXT,"                                                                  \
    "  overrides TEXT,"                                                                         \
    "  signing_parameters TEXT,"                                                                \
    "  created_at INTEGER NOT NULL,"                                                            \
    "  revoked_effective_from INTEGER,"                                                         \
    "  revoked_at INTEGER,"                                                                     \
    "  revoked_by TEXT,"                                                                        \
    "  revoke_reason TEXT,"                                                                     \
    "  PRIMARY KEY(owner, name, version),"                                                      \
    "  FOREIGN KEY(owner, name) REFERENCES profiles(owner, name));"                             \
    "CREATE TABLE profile_permissions("                                                         \
    "  owner TEXT NOT NULL,"                                                                    \
    "  name TEXT NOT NULL,"                                                                     \
    "  statement_id TEXT NOT NULL,"                                                             \
    "  action TEXT NOT NULL,"                                                                   \
    "  principal TEXT NOT NULL,"                                                                \
    "  profile_version TEXT,"                                                                   \
    "  created_at INTEGER NOT NULL,"                                                            \
    "  PRIMARY KEY(owner, name, statement_id),"                                                 \
    "  FOREIGN KEY(owner, name) REFERENCES profiles(owner, name));"                             \
    "CREATE TABLE access_keys("                                                                 \
    "  access_key_id TEXT PRIMARY KEY,"                                                         \
    "  secret TEXT NOT NULL,"                                                                   \
    "  session_token TEXT,"                                                                     \
    "  expiration INTEGER,"                                                                     \
    "  status TEXT NOT NULL CHECK(status IN ('Active','Inactive')),"                            \
    "  account_id TEXT NOT NULL,"                                                               \
    "  principal TEXT NOT NULL,"                                                                \
    "  created_at INTEGER NOT NULL);"                                                           \
    "CREATE INDEX access_keys_account ON access_keys(account_id);"

int sgn_authority__schema_create(sgn_authority *a, sgn_error *err)
{
    return sgn_authority__exec(a,
                               "CREATE TABLE meta(key TEXT PRIMARY KEY, value TEXT NOT NULL);"
                               CERTS_TABLE V2_TABLES JOBS_TABLE,
                               err);
}

static int schema_version(sgn_authority *a, int *version, sgn_error *err)
{
    sqlite3_stmt *st = NULL;
    int rc;

    if ((rc = sgn_authority__prepare(a, &st,
                                     "SELECT value FROM main.meta WHERE key = 'schema_version'",
                                     err)) < 0)
        return rc;
    if (sqlite3_step(st) == SQLITE_ROW) {
        *version = atoi((const char *)sqlite3_column_text(st, 0));
        rc = SGN_OK;
    } else {
        rc = sgn_error_set(err, SGN_EDB,
                           "the local Signer store %s is damaged: no schema_version recorded",
                           a->dir);
    }
    sqlite3_finalize(st);
    return rc;
}

/* Version 1 -> 2, inside the caller's exclusive transaction. Every existing profile belongs to
 * the store's own account (meta.account); a profile's tags are those of its current version
 * (PutSigningProfile already carried them from version to version). */
static const char *const v1_to_v2 =
    "ALTER TABLE profile_versions RENAME TO profile_versions_v1;"
    "ALTER TABLE profiles RENAME TO profiles_v1;" V2_TABLES
    "INSERT INTO profiles(owner, name, current_version, status, status_reason, created_at, "
    "  canceled_at, tags) "
    "SELECT (SELECT value FROM meta WHERE key = 'account'), p.name, p.current_version, p.status, "
    "  p.status_reason, p.created_at, p.canceled_at, "
    "  (SELECT v.tags FROM profile_versions_v1 v WHERE v.name = p.name "
    "   AND v.version = p.current_version) FROM profiles_v1 p;"
    "INSERT INTO profile_versions(owner, name, version, platform_id, validity_value, "
    "  validity_type, signing_material, overrides, signing_parameters, created_at, "
    "  revoked_effective_from, revoked_at, revoked_by, revoke_reason) "
    "SELECT (SELECT value FROM meta WHERE key = 'account'), name, version, platform_id, "
    "  validity_value, validity_type, signing_material, overrides, signing_parameters, "
    "  created_at, revoked_effective_from, revoked_at, revoked_by, revoke_reason "
    "FROM profile_versions_v1;"
    "DROP TABLE profile_versions_v1;"
    "DROP TABLE profiles_v1;"
    "UPDATE meta SET value = '2' WHERE key = 'schema_version';";

/* A read-only handle cannot migrate: TEMP views (searched before main) give the queries the
 * version-2 shape over the version-1 tables, and the new tables are empty. */
static const char *const v1_views =
    "CREATE TEMP VIEW profiles AS SELECT (SELECT value FROM main.meta WHERE key = 'account') "
    "  AS owner, p.name AS name, p.current_version AS current_version, p.status AS status, "
    "  p.status_reason AS status_reason, p.created_at AS created_at, "
    "  p.canceled_at AS canceled_at, (SELECT v.tags FROM main.profile_versions v "
    "  WHERE v.name = p.name AND v.version = p.current_version) AS tags, "
    "  NULL AS policy_revision FROM main.profiles p;"
    "CREATE TEMP VIEW profile_versions AS SELECT (SELECT value FROM main.meta WHERE key = "
    "  'account') AS owner, name, version, platform_id, validity_value, validity_type, "
    "  signing_material, overrides, signing_parameters, created_at, revoked_effective_from, "
    "  revoked_at, revoked_by, revoke_reason FROM main.profile_versions;"
    "CREATE TEMP TABLE profile_permissions(owner TEXT, name TEXT, statement_id TEXT, "
    "  action TEXT, principal TEXT, profile_version TEXT, created_at INTEGER);"
    "CREATE TEMP TABLE access_keys(access_key_id TEXT, secret TEXT, session_token TEXT, "
    "  expiration INTEGER, status TEXT, account_id TEXT, principal TEXT, created_at INTEGER);";

static int foreign_keys_hold(sgn_authority *a, sgn_error *err)
{
    sqlite3_stmt *st = NULL;
    int rc, step;

    if ((rc = sgn_authority__prepare(a, &st, "PRAGMA foreign_key_check", err)) < 0)
        return rc;
    step = sqlite3_step(st);
    if (step == SQLITE_ROW)
        rc = sgn_error_set(err, SGN_EDB,
                           "cannot upgrade the local Signer store %s: table %s has a row "
                           "without its parent",
                           a->dir, sqlite3_column_text(st, 0));
    else if (step != SQLITE_DONE)
        rc = sgn_authority__db_fail(a, err, "cannot upgrade the local Signer store");
    sqlite3_finalize(st);
    return rc;
}

int sgn_authority__schema_upgrade(sgn_authority *a, sgn_error *err)
{
    int rc, version = 0;

    if ((rc = schema_version(a, &version, err)) < 0)
        return rc;
    if (version == SGN_STORE_SCHEMA_VERSION)
        return SGN_OK;
    if (version > SGN_STORE_SCHEMA_VERSION || version < 1)
        return sgn_error_set(err, SGN_EDB,
                             "the local Signer store %s has schema version %d; this signer-local "
                             "knows versions 1 to %d (a newer signer-local made it)",
                             a->dir, version, SGN_STORE_SCHEMA_VERSION);
    if (a->read_only)
        return sgn_authority__exec(a, v1_views, err);
    /* Foreign keys off while tables are rebuilt (sqlite.org/lang_altertable.html); the pragma
     * is a no-op inside a transaction, hence before BEGIN. */
    if ((rc = sgn_authority__exec(a, "PRAGMA foreign_keys=OFF", err)) < 0)
        return rc;
    if ((rc = sgn_authority__exec(a, "BEGIN EXCLUSIVE", err)) < 0)
        goto out;
    /* Another process may have migrated the store while we waited for the lock. */
    if ((rc = schema_version(a, &version, err)) < 0)
        goto out;
    if (version == 1 && (rc = sgn_authority__exec(a, v1_to_v2, err)) < 0)
        goto out;
    if ((rc = foreign_keys_hold(a, err)) == SGN_OK)
        rc = sgn_authority__commit(a, err);
out:
    sgn_authority__rollback(a);
    if (rc == SGN_OK)
        rc = sgn_authority__exec(a, "PRAGMA foreign_keys=ON", err);
    else
        sgn_authority__exec(a, "PRAGMA foreign_keys=ON", NULL);
    return rc;
}
