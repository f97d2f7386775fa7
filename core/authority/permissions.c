/* Profile permissions: AddProfilePermission, ListProfilePermissions, RemoveProfilePermission.
 *
 * Rules (cross-account-signing.txt; developer guide, AddProfilePermission and
 * RemoveProfilePermission examples, API permissions table; research/aws-signer-api.md §1.3,
 * §1.4, §1.6): a statement grants one of four actions to an account id or a role ARN, optionally
 * for one profile version; only the Lambda and Notation platforms can be shared, each with its
 * own actions; the profile's policy has a revisionId: the first statement needs none, every later
 * change names the current one, and a stale one is a ConflictException. */
#include "internal.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sgn/arn.h"
#include "sgn/buf.h"
#include "sgn/util.h"

#define PERMISSIONS_PAGE 100
#define STATEMENT_ID_MAX 100

static const char *const known_actions[] = {"signer:SignPayload", "signer:StartSigningJob",
                                            "signer:GetSigningProfile", "signer:RevokeSignature",
                                            NULL};

static int check_action(const sgn_platform *pl, const char *action, sgn_error *err)
{
    sgn_buf set = SGN_BUF_INIT;
    size_t i;
    int rc;

    if ((rc = sgn_authority__check_enum(action, "action", known_actions, err)) < 0)
        return rc;
    if (pl == NULL || pl->cross_account_actions == NULL)
        return sgn_authority__fail(err, 400, "ValidationException",
                                   "Action %s not supported for platform %s. Cross-account "
                                   "signing is only available for the AWSLambda-SHA384-ECDSA and "
                                   "%s platforms",
                                   action, pl ? pl->id : "(unknown)", SGN_PLATFORM_NOTATION);
    if (sgn_authority__in_list(action, pl->cross_account_actions) >= 0)
        return SGN_OK;
    for (i = 0; pl->cross_account_actions[i] != NULL; i++)
        if (sgn_buf_printf(&set, NULL, "%s%s", i ? ", " : "", pl->cross_account_actions[i]) < 0)
            break;
    rc = sgn_authority__fail(err, 400, "ValidationException",
                             "Action %s not supported for platform %s. Action must be one of [%s]",
                             action, pl->id, sgn_buf_cstr(&set));
    sgn_buf_free(&set);
    return rc;
}

/* An account id, or a role of an account: arn:<partition>:iam::<account>:role/NAME. */
static int check_grantee(sgn_authority *a, const char *principal, sgn_error *err)
{
    sgn_error local = SGN_ERROR_INIT;
    const char *kind, *name;
    size_t i;

    for (i = 0; isdigit((unsigned char)principal[i]); i++)
        ;
    if (i == 12 && principal[i] == '\0')
        return SGN_OK;
    if (strncmp(principal, "arn:", 4) == 0) {
        const char *acc = strstr(principal, ":iam::");
        if (acc != NULL && strlen(acc) > 6 + 12 &&
            sgn_authority__check_principal(a, principal, acc + 6, &kind, &name, &local) == 0 &&
            strcmp(kind, "role") == 0)
            return SGN_OK;
    }
    return sgn_authority__fail(err, 400, "ValidationException",
                               "Invalid principal '%s': a principal is an AWS account id (12 "
                               "digits) or an IAM role ARN (arn:%s:iam::<account>:role/<name>)",
                               principal, sgn_partition_for_region(a->region));
}

static int check_statement_id(const char *sid, sgn_error *err)
{
    size_t i;

    for (i = 0; sid[i]; i++)
        if (!isalnum((unsigned char)sid[i]) && sid[i] != '-' && sid[i] != '_')
            break;
    if (i == 0 || i > STATEMENT_ID_MAX || sid[i] != '\0')
        return sgn_authority__fail(err, 400, "ValidationException",
                                   "1 validation error detected: Value '%s' at 'statementId' "
                                   "failed to satisfy constraint: 1 to %d characters of "
                                   "[a-zA-Z0-9-_]",
                                   sid, STATEMENT_ID_MAX);
    return SGN_OK;
}

static int check_version(const char *v, sgn_error *err)
{
    size_t i;

    for (i = 0; isalnum((unsigned char)v[i]); i++)
        ;
    if (i != 10 || v[i] != '\0')
        return sgn_authority__fail(err, 400, "ValidationException",
                                   "1 validation error detected: Value '%s' at 'profileVersion' "
                                   "failed to satisfy constraint: Member must satisfy regular "
                                   "expression pattern: ^[a-zA-Z0-9]{10}$",
                                   v);
    return SGN_OK;
}

/* The caller's profile (owner = the caller's account: the permission operations take no
 * profileOwner) and its policy's revisionId (*revision NULL before the first statement). */
static int load_policy_head(sgn_authority *a, const char *name, const sgn_platform **pl,
                            char **revision, int64_t *statements, sgn_error *err)
{
    const char *owner = sgn_authority__caller_account(a);
    sqlite3_stmt *st = NULL;
    int rc, step;

    *revision = NULL;
    if ((rc = sgn_authority__prepare(
             a, &st,
             "SELECT v.platform_id, p.policy_revision, (SELECT count(*) FROM profile_permissions "
             "s WHERE s.owner = p.owner AND s.name = p.name) FROM profiles p JOIN "
             "profile_versions v ON v.owner = p.owner AND v.name = p.name AND v.version = "
             "p.current_version WHERE p.owner = ?1 AND p.name = ?2",
             err)) < 0)
        return rc;
    sqlite3_bind_text(st, 1, owner, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, name, -1, SQLITE_STATIC);
    step = sqlite3_step(st);
    if (step == SQLITE_ROW) {
        const unsigned char *r = sqlite3_column_text(st, 1);
        *pl = sgn_authority__platform((const char *)sqlite3_column_text(st, 0));
        *statements = sqlite3_column_int64(st, 2);
        rc = r ? sgn_strdup(revision, (const char *)r, err) : SGN_OK;
    } else if (step == SQLITE_DONE) {
        rc = sgn_authority__fail(err, 404, "ResourceNotFoundException",
                                 "The signing profile %s does not exist", name);
    } else {
        rc = sgn_authority__db_fail(a, err, "cannot read signing profiles");
    }
    sqlite3_finalize(st);
    return rc;
}

static int stale_revision(sgn_error *err, const char *name, const char *given,
                          const char *current)
{
    if (given == NULL)
        return sgn_authority__fail(err, 409, "ConflictException",
                                   "The policy of signing profile %s already has statements: "
                                   "pass its current revisionId (list-profile-permissions shows "
                                   "it)",
                                   name);
    return sgn_authority__fail(err, 409, "ConflictException",
                               "revisionId %s is not the current revision of the policy of "
                               "signing profile %s%s",
                               given, name, current ? "" : " (it has no policy)");
}

/* Record a new revision of owner/name's policy; *out gets {"revisionId": ...}. */
static int new_revision(sgn_authority *a, const char *name, cJSON **out, sgn_error *err)
{
    sqlite3_stmt *st = NULL;
    char rev[37];
    int rc;

    if ((rc = sgn_random_uuid(rev, err)) < 0 ||
        (rc = sgn_authority__prepare(a, &st,
                                     "UPDATE profiles SET policy_revision = ?3 WHERE owner = ?1 "
                                     "AND name = ?2",
                                     err)) < 0)
        return rc;
    sqlite3_bind_text(st, 1, sgn_authority__caller_account(a), -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, name, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 3, rev, -1, SQLITE_STATIC);
    rc = sqlite3_step(st) == SQLITE_DONE
             ? SGN_OK
             : sgn_authority__db_fail(a, err, "cannot save the profile's policy");
    sqlite3_finalize(st);
    if (rc == SGN_OK && (rc = sgn_authority__commit(a, err)) == SGN_OK) {
        if ((*out = cJSON_CreateObject()) == NULL ||
            cJSON_AddStringToObject(*out, "revisionId", rev) == NULL)
            rc = sgn_error_set(err, SGN_ENOMEM, "out of memory");
    }
    return rc;
}

static int version_exists(sgn_authority *a, const char *name, const char *version, int *exists,
                          sgn_error *err)
{
    sqlite3_stmt *st = NULL;
    int rc, step;

    if ((rc = sgn_authority__prepare(a, &st,
                                     "SELECT 1 FROM profile_versions WHERE owner = ? AND name = ? "
                                     "AND version = ?",
                                     err)) < 0)
        return rc;
    sqlite3_bind_text(st, 1, sgn_authority__caller_account(a), -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, name, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 3, version, -1, SQLITE_STATIC);
    step = sqlite3_step(st);
    *exists = step == SQLITE_ROW;
    if (step != SQLITE_ROW && step != SQLITE_DONE)
        rc = sgn_authority__db_fail(a, err, "cannot read signing profiles");
    sqlite3_finalize(st);
    return rc;
}

int sgn_authority_add_profile_permission(sgn_authority *a, const cJSON *in, cJSON **out,
                                         sgn_error *err)
{
    const char *name, *action, *principal, *sid, *version, *given;
    const sgn_platform *pl = NULL;
    char *current = NULL;
    int64_t statements = 0;
    sqlite3_stmt *st = NULL;
    int rc, exists = 0, step;

    *out = NULL;
    if ((rc = sgn_authority__get_string(&name, in, "profileName", 1, err)) < 0 ||
        (rc = sgn_authority__check_profile_name(name, err)) < 0 ||
        (rc = sgn_authority__get_string(&action, in, "action", 1, err)) < 0 ||
        (rc = sgn_authority__get_string(&principal, in, "principal", 1, err)) < 0 ||
        (rc = sgn_authority__get_string(&sid, in, "statementId", 1, err)) < 0 ||
        (rc = sgn_authority__get_string(&version, in, "profileVersion", 0, err)) < 0 ||
        (rc = sgn_authority__get_string(&given, in, "revisionId", 0, err)) < 0 ||
        (rc = check_statement_id(sid, err)) < 0 || (rc = check_grantee(a, principal, err)) < 0 ||
        (version && (rc = check_version(version, err)) < 0))
        return rc;
    if ((rc = sgn_authority__begin(a, err)) < 0)
        return rc;
    if ((rc = load_policy_head(a, name, &pl, &current, &statements, err)) < 0 ||
        (rc = check_action(pl, action, err)) < 0)
        goto out;
    /* The first statement needs no revisionId; any given one must be current. */
    if ((statements > 0 && given == NULL) ||
        (given != NULL && (current == NULL || strcmp(given, current) != 0))) {
        rc = stale_revision(err, name, given, current);
        goto out;
    }
    if (version && (rc = version_exists(a, name, version, &exists, err)) < 0)
        goto out;
    if (version && !exists) {
        rc = sgn_authority__fail(err, 404, "ResourceNotFoundException",
                                 "The signing profile version %s/%s does not exist", name,
                                 version);
        goto out;
    }
    if ((rc = sgn_authority__prepare(a, &st,
                                     "INSERT OR IGNORE INTO profile_permissions(owner, name, "
                                     "statement_id, action, principal, profile_version, "
                                     "created_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
                                     err)) < 0)
        goto out;
    sqlite3_bind_text(st, 1, sgn_authority__caller_account(a), -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, name, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 3, sid, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 4, action, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 5, principal, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 6, version, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 7, sgn_authority_now(a));
    step = sqlite3_step(st);
    if (step != SQLITE_DONE) {
        rc = sgn_authority__db_fail(a, err, "cannot save the permission");
        goto out;
    }
    if (sqlite3_changes(a->db) == 0) {
        rc = sgn_authority__fail(err, 409, "ConflictException",
                                 "A statement with id %s already exists in the policy of signing "
                                 "profile %s",
                                 sid, name);
        goto out;
    }
    rc = new_revision(a, name, out, err);
out:
    sgn_authority__rollback(a);
    sqlite3_finalize(st);
    free(current);
    return rc;
}

/* The profile's permission policy as IAM would hold it (a resource policy: Sid, Effect,
 * Principal, Action, Resource, and signer:ProfileVersion as the condition of a version-limited
 * statement); its compact JSON's length is policySizeBytes. */
static int add_policy_statement(sgn_authority *a, cJSON *statements, const char *name,
                                const char *sid, const char *action, const char *principal,
                                const char *version)
{
    cJSON *s = cJSON_CreateObject(), *p, *c;
    char *arn = sgn_authority__profile_arn(a, sgn_authority__caller_account(a), name);
    char root[64];
    int ok;

    if (strncmp(principal, "arn:", 4) != 0)
        snprintf(root, sizeof(root), "arn:%s:iam::%s:root", sgn_partition_for_region(a->region),
                 principal);
    ok = s != NULL && arn != NULL && cJSON_AddStringToObject(s, "Sid", sid) &&
         cJSON_AddStringToObject(s, "Effect", "Allow") &&
         (p = cJSON_AddObjectToObject(s, "Principal")) != NULL &&
         cJSON_AddStringToObject(p, "AWS", strncmp(principal, "arn:", 4) == 0 ? principal : root) &&
         cJSON_AddStringToObject(s, "Action", action) &&
         cJSON_AddStringToObject(s, "Resource", arn);
    if (ok && version)
        ok = (c = cJSON_AddObjectToObject(s, "Condition")) != NULL &&
             (c = cJSON_AddObjectToObject(c, "StringEquals")) != NULL &&
             cJSON_AddStringToObject(c, "signer:ProfileVersion", version) != NULL;
    free(arn);
    if (!ok || !cJSON_AddItemToArray(statements, s)) {
        cJSON_Delete(s);
        return SGN_ENOMEM;
    }
    return SGN_OK;
}

int sgn_authority_list_profile_permissions(sgn_authority *a, const cJSON *in, cJSON **out,
                                           sgn_error *err)
{
    const char *name, *token;
    const sgn_platform *pl = NULL;
    char *current = NULL, *policy_text = NULL, *end;
    int64_t statements = 0, offset = 0, index = 0;
    sqlite3_stmt *st = NULL;
    cJSON *o = NULL, *perms, *policy = NULL, *pstmts;
    int rc, step;

    *out = NULL;
    if ((rc = sgn_authority__get_string(&name, in, "profileName", 1, err)) < 0 ||
        (rc = sgn_authority__check_profile_name(name, err)) < 0 ||
        (rc = sgn_authority__get_string(&token, in, "nextToken", 0, err)) < 0)
        return rc;
    if (token) {
        offset = strtoll(token, &end, 10);
        if (*token == '\0' || *end != '\0' || offset < 0)
            return sgn_authority__fail(err, 400, "ValidationException", "Invalid nextToken");
    }
    if ((rc = load_policy_head(a, name, &pl, &current, &statements, err)) < 0 ||
        (rc = sgn_authority__prepare(a, &st,
                                     "SELECT statement_id, action, principal, profile_version "
                                     "FROM profile_permissions WHERE owner = ? AND name = ? "
                                     "ORDER BY created_at, rowid",
                                     err)) < 0)
        goto out;
    sqlite3_bind_text(st, 1, sgn_authority__caller_account(a), -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, name, -1, SQLITE_STATIC);
    o = cJSON_CreateObject();
    policy = cJSON_CreateObject();
    if (o == NULL || policy == NULL || !cJSON_AddStringToObject(policy, "Version", "2012-10-17") ||
        (pstmts = cJSON_AddArrayToObject(policy, "Statement")) == NULL ||
        (current && !cJSON_AddStringToObject(o, "revisionId", current)) ||
        (perms = cJSON_AddArrayToObject(o, "permissions")) == NULL) {
        rc = sgn_error_set(err, SGN_ENOMEM, "out of memory");
        goto out;
    }
    while ((step = sqlite3_step(st)) == SQLITE_ROW) {
        const char *sid = (const char *)sqlite3_column_text(st, 0);
        const char *action = (const char *)sqlite3_column_text(st, 1);
        const char *principal = (const char *)sqlite3_column_text(st, 2);
        const char *version = (const char *)sqlite3_column_text(st, 3);

        if (add_policy_statement(a, pstmts, name, sid, action, principal, version) < 0) {
            rc = sgn_error_set(err, SGN_ENOMEM, "out of memory");
            goto out;
        }
        if (index >= offset && index < offset + PERMISSIONS_PAGE) {
            cJSON *p = cJSON_CreateObject();
            if (p == NULL || !cJSON_AddItemToArray(perms, p) ||
                !cJSON_AddStringToObject(p, "action", action) ||
                !cJSON_AddStringToObject(p, "principal", principal) ||
                !cJSON_AddStringToObject(p, "statementId", sid) ||
                (version && !cJSON_AddStringToObject(p, "profileVersion", version))) {
                rc = sgn_error_set(err, SGN_ENOMEM, "out of memory");
                goto out;
            }
        } else if (index == offset + PERMISSIONS_PAGE) {
            char tok[24];
            snprintf(tok, sizeof(tok), "%lld", (long long)index);
            cJSON_AddStringToObject(o, "nextToken", tok);
        }
        index++;
    }
    if (step != SQLITE_DONE) {
        rc = sgn_authority__db_fail(a, err, "cannot read profile permissions");
        goto out;
    }
    if (index > 0 && (policy_text = cJSON_PrintUnformatted(policy)) == NULL) {
        rc = sgn_error_set(err, SGN_ENOMEM, "out of memory");
        goto out;
    }
    cJSON_AddNumberToObject(o, "policySizeBytes", policy_text ? (double)strlen(policy_text) : 0);
    *out = o;
    o = NULL;
    rc = SGN_OK;
out:
    sqlite3_finalize(st);
    cJSON_Delete(o);
    cJSON_Delete(policy);
    free(policy_text);
    free(current);
    return rc;
}

int sgn_authority_remove_profile_permission(sgn_authority *a, const cJSON *in, cJSON **out,
                                            sgn_error *err)
{
    const char *name, *sid, *given;
    const sgn_platform *pl = NULL;
    char *current = NULL;
    int64_t statements = 0;
    sqlite3_stmt *st = NULL;
    int rc;

    *out = NULL;
    if ((rc = sgn_authority__get_string(&name, in, "profileName", 1, err)) < 0 ||
        (rc = sgn_authority__check_profile_name(name, err)) < 0 ||
        (rc = sgn_authority__get_string(&sid, in, "statementId", 1, err)) < 0 ||
        (rc = sgn_authority__get_string(&given, in, "revisionId", 1, err)) < 0)
        return rc;
    if ((rc = sgn_authority__begin(a, err)) < 0)
        return rc;
    if ((rc = load_policy_head(a, name, &pl, &current, &statements, err)) < 0)
        goto out;
    if (current == NULL || strcmp(given, current) != 0) {
        rc = stale_revision(err, name, given, current);
        goto out;
    }
    if ((rc = sgn_authority__prepare(a, &st,
                                     "DELETE FROM profile_permissions WHERE owner = ? AND "
                                     "name = ? AND statement_id = ?",
                                     err)) < 0)
        goto out;
    sqlite3_bind_text(st, 1, sgn_authority__caller_account(a), -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, name, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 3, sid, -1, SQLITE_STATIC);
    if (sqlite3_step(st) != SQLITE_DONE) {
        rc = sgn_authority__db_fail(a, err, "cannot remove the permission");
        goto out;
    }
    if (sqlite3_changes(a->db) == 0) {
        rc = sgn_authority__fail(err, 404, "ResourceNotFoundException",
                                 "The policy of signing profile %s has no statement %s", name,
                                 sid);
        goto out;
    }
    rc = new_revision(a, name, out, err);
out:
    sgn_authority__rollback(a);
    sqlite3_finalize(st);
    free(current);
    return rc;
}
