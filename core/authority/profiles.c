/* Signing profiles and their versions: Put, Get, List, Cancel, Revoke. */
#include "internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sgn/arn.h"
#include "sgn/util.h"


typedef struct profile_row {
    char owner[13];
    char name[65];
    char version[11];
    char status[16];
    char platform_id[64];
    char validity_type[8];
    int64_t validity_value;
    char *signing_material, *overrides, *signing_parameters, *tags, *status_reason;
    int64_t revoked_effective_from, revoked_at;
    int revoked;
    char *revoked_by;
} profile_row;

static void profile_row_free(profile_row *p)
{
    free(p->signing_material);
    free(p->overrides);
    free(p->signing_parameters);
    free(p->tags);
    free(p->status_reason);
    free(p->revoked_by);
    memset(p, 0, sizeof(*p));
}

static char *dup_col(sqlite3_stmt *st, int i)
{
    const unsigned char *t = sqlite3_column_text(st, i);
    return t ? strdup((const char *)t) : NULL;
}

#define PROFILE_COLUMNS                                                                         \
    "p.name, v.version, p.status, v.platform_id, v.validity_value, v.validity_type, "          \
    "v.signing_material, v.overrides, v.signing_parameters, p.tags, p.status_reason, "         \
    "v.revoked_effective_from, v.revoked_at, v.revoked_by, p.owner "
#define PROFILE_JOIN                                                                            \
    "FROM profiles p JOIN profile_versions v ON v.owner = p.owner AND v.name = p.name "

static void read_profile(profile_row *p, sqlite3_stmt *st)
{
    memset(p, 0, sizeof(*p));
    snprintf(p->name, sizeof(p->name), "%s", sqlite3_column_text(st, 0));
    snprintf(p->version, sizeof(p->version), "%s", sqlite3_column_text(st, 1));
    snprintf(p->status, sizeof(p->status), "%s", sqlite3_column_text(st, 2));
    snprintf(p->platform_id, sizeof(p->platform_id), "%s", sqlite3_column_text(st, 3));
    p->validity_value = sqlite3_column_int64(st, 4);
    snprintf(p->validity_type, sizeof(p->validity_type), "%s", sqlite3_column_text(st, 5));
    p->signing_material = dup_col(st, 6);
    p->overrides = dup_col(st, 7);
    p->signing_parameters = dup_col(st, 8);
    p->tags = dup_col(st, 9);
    p->status_reason = dup_col(st, 10);
    p->revoked = sqlite3_column_type(st, 12) != SQLITE_NULL;
    p->revoked_effective_from = sqlite3_column_int64(st, 11);
    p->revoked_at = sqlite3_column_int64(st, 12);
    p->revoked_by = dup_col(st, 13);
    snprintf(p->owner, sizeof(p->owner), "%s", sqlite3_column_text(st, 14));
}

/* Load owner's profile at its current version (version == NULL) or at a given version.
 * *found is 0 when there is no such profile/version. */
static int load_profile(profile_row *p, int *found, sgn_authority *a, const char *owner,
                        const char *name, const char *version, sgn_error *err)
{
    sqlite3_stmt *st = NULL;
    int rc;

    *found = 0;
    memset(p, 0, sizeof(*p));
    rc = sgn_authority__stmt(a, &st,
                                "SELECT " PROFILE_COLUMNS PROFILE_JOIN
                                "AND v.version = COALESCE(?2, p.current_version) "
                                "WHERE p.name = ?1 AND p.owner = ?3",
                                err);
    if (rc < 0)
        return rc;
    sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC);
    if (version)
        sqlite3_bind_text(st, 2, version, -1, SQLITE_STATIC);
    else
        sqlite3_bind_null(st, 2);
    sqlite3_bind_text(st, 3, owner, -1, SQLITE_STATIC);
    rc = sqlite3_step(st);
    if (rc == SQLITE_ROW) {
        read_profile(p, st);
        *found = 1;
        rc = SGN_OK;
    } else if (rc == SQLITE_DONE) {
        rc = SGN_OK;
    } else {
        rc = sgn_authority__db_fail(a, err, "cannot read signing profiles");
    }
    sgn_authority__stmt_done(a, st);
    return rc;
}

static void add_json_member(cJSON *o, const char *name, const char *json)
{
    cJSON *v;

    if (json == NULL || (v = cJSON_Parse(json)) == NULL)
        return;
    cJSON_AddItemToObject(o, name, v);
}

/* Members shared by GetSigningProfile and the ListSigningProfiles items. */
static cJSON *profile_json(sgn_authority *a, const profile_row *p, int full)
{
    const sgn_platform *pl = sgn_authority__platform(p->platform_id);
    cJSON *o = cJSON_CreateObject(), *svp;
    char *arn = sgn_authority__profile_arn(a, p->owner, p->name);
    char *varn = sgn_authority__profile_version_arn(a, p->owner, p->name, p->version);

    if (o == NULL || arn == NULL || varn == NULL) {
        cJSON_Delete(o);
        free(arn);
        free(varn);
        return NULL;
    }
    cJSON_AddStringToObject(o, "profileName", p->name);
    cJSON_AddStringToObject(o, "profileVersion", p->version);
    cJSON_AddStringToObject(o, "profileVersionArn", varn);
    if (full && p->revoked) {
        cJSON *r = cJSON_AddObjectToObject(o, "revocationRecord");
        cJSON_AddItemToObject(r, "revocationEffectiveFrom",
                              sgn_authority__epoch(p->revoked_effective_from));
        cJSON_AddItemToObject(r, "revokedAt", sgn_authority__epoch(p->revoked_at));
        cJSON_AddStringToObject(r, "revokedBy", p->revoked_by ? p->revoked_by : "");
    }
    add_json_member(o, "signingMaterial", p->signing_material);
    cJSON_AddStringToObject(o, "platformId", p->platform_id);
    if (pl)
        cJSON_AddStringToObject(o, "platformDisplayName", pl->display_name);
    if (p->validity_value > 0) { /* none on the IoT platforms */
        svp = cJSON_AddObjectToObject(o, "signatureValidityPeriod");
        cJSON_AddNumberToObject(svp, "value", (double)p->validity_value);
        cJSON_AddStringToObject(svp, "type", p->validity_type);
    }
    if (full)
        add_json_member(o, "overrides", p->overrides);
    add_json_member(o, "signingParameters", p->signing_parameters);
    cJSON_AddStringToObject(o, "status", p->status);
    if (full && p->status_reason)
        cJSON_AddStringToObject(o, "statusReason", p->status_reason);
    cJSON_AddStringToObject(o, "arn", arn);
    add_json_member(o, "tags", p->tags);
    free(arn);
    free(varn);
    return o;
}

static char *member_json(const cJSON *in, const char *name)
{
    const cJSON *m = cJSON_GetObjectItemCaseSensitive(in, name);
    return m && !cJSON_IsNull(m) ? cJSON_PrintUnformatted(m) : NULL;
}

int sgn_authority_put_signing_profile(sgn_authority *a, const cJSON *in, cJSON **out,
                                      sgn_error *err)
{
    const char *name, *platform_id, *vtype, *owner = sgn_authority__caller_account(a);
    const sgn_platform *pl;
    const cJSON *given_tags;
    profile_row cur;
    int64_t vvalue, now = sgn_authority_now(a);
    char version[11];
    char *mat = NULL, *ovr = NULL, *params = NULL, *tags = NULL, *arn = NULL, *varn = NULL;
    sqlite3_stmt *st = NULL;
    int rc, found = 0;

    *out = NULL;
    memset(&cur, 0, sizeof(cur));
    if ((rc = sgn_authority__get_string(&name, in, "profileName", 1, err)) < 0 ||
        (rc = sgn_authority__check_profile_name(name, err)) < 0 ||
        (rc = sgn_authority__get_string(&platform_id, in, "platformId", 1, err)) < 0)
        return rc;
    pl = sgn_authority__platform(platform_id);
    if (pl == NULL)
        return sgn_authority__fail(err, 400, "ValidationException",
                                   "Platform %s is not a valid signing platform; see "
                                   "list-signing-platforms",
                                   platform_id);
    given_tags = cJSON_GetObjectItemCaseSensitive(in, "tags");
    if ((rc = sgn_authority__validate_validity(&vvalue, &vtype, pl, in, err)) < 0 ||
        (rc = sgn_authority__validate_overrides(pl, in, err)) < 0 ||
        (rc = sgn_authority__validate_signing_material(pl, in, err)) < 0 ||
        (rc = sgn_authority__validate_tags(given_tags, "ValidationException", err)) < 0)
        return rc;
    mat = member_json(in, "signingMaterial");
    ovr = member_json(in, "overrides");
    params = member_json(in, "signingParameters");
    if ((rc = sgn_random_alnum(version, 10, err)) < 0 || (rc = sgn_authority__begin(a, err)) < 0)
        goto out;
    if ((rc = load_profile(&cur, &found, a, owner, name, NULL, err)) < 0 ||
        (rc = sgn_authority__merge_tags(&tags, found ? cur.tags : NULL, given_tags, NULL,
                                        "ValidationException", err)) < 0)
        goto out;
    if (found && strcmp(cur.status, "Active") != 0) {
        rc = sgn_authority__fail(err, 400, "ValidationException",
                                 "Signing profile %s is %s; the name of a %s profile cannot be "
                                 "reused",
                                 name, cur.status, cur.status);
        goto out;
    }
    if (found && strcmp(cur.platform_id, platform_id) != 0) {
        rc = sgn_authority__fail(err, 400, "ValidationException",
                                 "Signing profile %s exists for platform %s; it cannot change to "
                                 "%s",
                                 name, cur.platform_id, platform_id);
        goto out;
    }
    if (found)
        rc = sgn_authority__prepare(a, &st,
                                    "UPDATE profiles SET current_version = ?2, tags = ?4 "
                                    "WHERE name = ?1 AND owner = ?5",
                                    err);
    else
        rc = sgn_authority__prepare(a, &st,
                                    "INSERT INTO profiles(name, current_version, status, "
                                    "created_at, tags, owner) VALUES (?1, ?2, 'Active', ?3, ?4, "
                                    "?5)",
                                    err);
    if (rc < 0)
        goto out;
    sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, version, -1, SQLITE_STATIC);
    if (!found)
        sqlite3_bind_int64(st, 3, now);
    sqlite3_bind_text(st, 4, tags, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 5, owner, -1, SQLITE_STATIC);
    if (sqlite3_step(st) != SQLITE_DONE) {
        rc = sgn_authority__db_fail(a, err, "cannot save the signing profile");
        goto out;
    }
    sqlite3_finalize(st);
    st = NULL;
    if ((rc = sgn_authority__prepare(
             a, &st,
             "INSERT INTO profile_versions(name, version, platform_id, validity_value, "
             "validity_type, signing_material, overrides, signing_parameters, owner, "
             "created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
             err)) < 0)
        goto out;
    sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, version, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 3, platform_id, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 4, vvalue);
    sqlite3_bind_text(st, 5, vtype, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 6, mat, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 7, ovr, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 8, params, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 9, owner, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 10, now);
    if (sqlite3_step(st) != SQLITE_DONE) {
        rc = sgn_authority__db_fail(a, err, "cannot save the signing profile version");
        goto out;
    }
    if ((rc = sgn_authority__commit(a, err)) < 0)
        goto out;
    arn = sgn_authority__profile_arn(a, owner, name);
    varn = sgn_authority__profile_version_arn(a, owner, name, version);
    *out = cJSON_CreateObject();
    if (*out == NULL || arn == NULL || varn == NULL) {
        rc = sgn_error_set(err, SGN_ENOMEM, "out of memory");
        goto out;
    }
    cJSON_AddStringToObject(*out, "arn", arn);
    cJSON_AddStringToObject(*out, "profileVersion", version);
    cJSON_AddStringToObject(*out, "profileVersionArn", varn);
    rc = SGN_OK;
out:
    sgn_authority__rollback(a);
    sqlite3_finalize(st);
    profile_row_free(&cur);
    free(mat);
    free(ovr);
    free(params);
    free(tags);
    free(arn);
    free(varn);
    return rc;
}

static int not_found(sgn_error *err, const char *name)
{
    return sgn_authority__fail(err, 404, "ResourceNotFoundException",
                               "The signing profile %s does not exist", name);
}

int sgn_authority_get_signing_profile(sgn_authority *a, const cJSON *in, cJSON **out,
                                      sgn_error *err)
{
    const char *name, *owner;
    profile_row p;
    int rc, found;

    *out = NULL;
    if ((rc = sgn_authority__get_string(&name, in, "profileName", 1, err)) < 0 ||
        (rc = sgn_authority__check_profile_name(name, err)) < 0 ||
        (rc = sgn_authority__profile_owner(&owner, a, in, "profileOwner", err)) < 0)
        return rc;
    if ((rc = load_profile(&p, &found, a, owner, name, NULL, err)) < 0)
        return rc;
    /* Another account learns nothing, not even whether the profile exists, without a grant. */
    if ((rc = sgn_authority__authorize(a, owner, name, found ? p.version : NULL,
                                       "GetSigningProfile", err)) < 0) {
        profile_row_free(&p);
        return rc;
    }
    if (!found)
        return not_found(err, name);
    *out = profile_json(a, &p, 1);
    profile_row_free(&p);
    return *out ? SGN_OK : sgn_error_set(err, SGN_ENOMEM, "out of memory");
}

/* nextToken is the decimal offset of the next item. */
static int paging(int64_t *limit, int64_t *offset, const cJSON *in, sgn_error *err)
{
    const char *token;
    int present, rc;
    char *end;

    /* Both outputs are defined on every path, the error paths included. */
    *limit = -1;
    *offset = 0;
    if ((rc = sgn_authority__get_number(limit, &present, in, "maxResults", 0, err)) < 0 ||
        (rc = sgn_authority__get_string(&token, in, "nextToken", 0, err)) < 0)
        return rc;
    if (!present)
        *limit = -1;
    else if (*limit < 1 || *limit > 25)
        return sgn_authority__fail(err, 400, "ValidationException",
                                   "1 validation error detected: Value '%lld' at 'maxResults' "
                                   "failed to satisfy constraint: Member must have value between "
                                   "1 and 25",
                                   (long long)*limit);
    if (token) {
        *offset = strtoll(token, &end, 10);
        if (*token == '\0' || *end != '\0' || *offset < 0)
            return sgn_authority__fail(err, 400, "ValidationException", "Invalid nextToken");
    }
    return SGN_OK;
}

int sgn_authority__paging(int64_t *limit, int64_t *offset, const cJSON *in, sgn_error *err)
{
    return paging(limit, offset, in, err);
}

int sgn_authority_list_signing_profiles(sgn_authority *a, const cJSON *in, cJSON **out,
                                        sgn_error *err)
{
    const cJSON *statuses = in ? cJSON_GetObjectItemCaseSensitive(in, "statuses") : NULL;
    const cJSON *inc = in ? cJSON_GetObjectItemCaseSensitive(in, "includeCanceled") : NULL;
    const char *platform_id;
    int64_t limit, offset, index = 0;
    sqlite3_stmt *st = NULL;
    cJSON *o = NULL, *arr;
    int rc, step, include_canceled = cJSON_IsTrue(inc);

    *out = NULL;
    if ((rc = sgn_authority__get_string(&platform_id, in, "platformId", 0, err)) < 0 ||
        (rc = paging(&limit, &offset, in, err)) < 0)
        return rc;
    if (statuses && !cJSON_IsNull(statuses) && !cJSON_IsArray(statuses))
        return sgn_authority__fail(err, 400, "ValidationException",
                                   "statuses must be a list of Active, Canceled or Revoked");
    if (inc && !cJSON_IsNull(inc) && !cJSON_IsBool(inc))
        return sgn_authority__fail(err, 400, "ValidationException",
                                   "includeCanceled must be a boolean");
    {
        const cJSON *s;
        cJSON_ArrayForEach(s, statuses)
        {
            if (!cJSON_IsString(s))
                return sgn_authority__fail(err, 400, "ValidationException",
                                           "statuses must be a list of Active, Canceled or "
                                           "Revoked");
            if ((rc = sgn_authority__check_enum(s->valuestring, "statuses",
                                                sgn_authority__profile_statuses, err)) < 0)
                return rc;
        }
    }
    if ((rc = sgn_authority__prepare(a, &st,
                                     "SELECT " PROFILE_COLUMNS PROFILE_JOIN
                                     "AND v.version = p.current_version WHERE p.owner = ? "
                                     "ORDER BY p.name",
                                     err)) < 0)
        return rc;
    sqlite3_bind_text(st, 1, sgn_authority__caller_account(a), -1, SQLITE_STATIC);
    o = cJSON_CreateObject();
    arr = cJSON_AddArrayToObject(o, "profiles");
    while ((step = sqlite3_step(st)) == SQLITE_ROW) {
        profile_row p;
        int keep = 1;

        read_profile(&p, st);
        if (cJSON_GetArraySize(statuses) > 0) {
            const cJSON *s;
            keep = 0;
            cJSON_ArrayForEach(s, statuses) if (strcmp(s->valuestring, p.status) == 0) keep = 1;
        } else if (!include_canceled && strcmp(p.status, "Canceled") == 0) {
            keep = 0;
        }
        if (platform_id && strcmp(platform_id, p.platform_id) != 0)
            keep = 0;
        if (keep) {
            if (index >= offset && (limit < 0 || index < offset + limit))
                cJSON_AddItemToArray(arr, profile_json(a, &p, 0));
            else if (limit >= 0 && index >= offset + limit &&
                     !cJSON_GetObjectItemCaseSensitive(o, "nextToken")) {
                char tok[24];
                snprintf(tok, sizeof(tok), "%lld", (long long)index);
                cJSON_AddStringToObject(o, "nextToken", tok);
            }
            index++;
        }
        profile_row_free(&p);
    }
    if (step != SQLITE_DONE) {
        rc = sgn_authority__db_fail(a, err, "cannot list signing profiles");
        cJSON_Delete(o);
    } else {
        *out = o;
        rc = SGN_OK;
    }
    sqlite3_finalize(st);
    return rc;
}

int sgn_authority_cancel_signing_profile(sgn_authority *a, const cJSON *in, cJSON **out,
                                         sgn_error *err)
{
    const char *name;
    profile_row p;
    sqlite3_stmt *st = NULL;
    int rc, found;

    *out = NULL;
    memset(&p, 0, sizeof(p));
    if ((rc = sgn_authority__get_string(&name, in, "profileName", 1, err)) < 0 ||
        (rc = sgn_authority__check_profile_name(name, err)) < 0)
        return rc;
    if ((rc = sgn_authority__begin(a, err)) < 0)
        return rc;
    if ((rc = load_profile(&p, &found, a, sgn_authority__caller_account(a), name, NULL, err)) <
        0)
        goto out;
    if (!found) {
        rc = not_found(err, name);
        goto out;
    }
    if (strcmp(p.status, "Active") == 0) {
        if ((rc = sgn_authority__prepare(a, &st,
                                         "UPDATE profiles SET status = 'Canceled', canceled_at = "
                                         "?2, status_reason = 'Canceled by user' WHERE name = ?1 "
                                         "AND owner = ?3",
                                         err)) < 0)
            goto out;
        sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 3, p.owner, -1, SQLITE_STATIC);
        sqlite3_bind_int64(st, 2, sgn_authority_now(a));
        if (sqlite3_step(st) != SQLITE_DONE) {
            rc = sgn_authority__db_fail(a, err, "cannot cancel the signing profile");
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
    profile_row_free(&p);
    return rc;
}

/* RevokeSigningProfile (developer guide, "Revoking signatures" and "Signing profiles"): the
 * effective time must not be in the future; revoking again may move it earlier, never later; any
 * revoked version revokes the profile, which then signs nothing more; only platforms whose record
 * says revocationSupported can be revoked. */
int sgn_authority_revoke_signing_profile(sgn_authority *a, const cJSON *in, cJSON **out,
                                         sgn_error *err)
{
    const char *name, *version, *reason;
    const sgn_platform *pl;
    int64_t effective, now = sgn_authority_now(a);
    profile_row p;
    sqlite3_stmt *st = NULL;
    char *by = NULL;
    size_t i;
    int rc, found;

    *out = NULL;
    memset(&p, 0, sizeof(p));
    if ((rc = sgn_authority__get_string(&name, in, "profileName", 1, err)) < 0 ||
        (rc = sgn_authority__check_profile_name(name, err)) < 0 ||
        (rc = sgn_authority__get_string(&version, in, "profileVersion", 1, err)) < 0 ||
        (rc = sgn_authority__get_string(&reason, in, "reason", 1, err)) < 0 ||
        (rc = sgn_authority__get_number(&effective, NULL, in, "effectiveTime", 1, err)) < 0)
        return rc;
    for (i = 0; version[i]; i++)
        if (!((version[i] >= 'a' && version[i] <= 'z') || (version[i] >= 'A' && version[i] <= 'Z') ||
              (version[i] >= '0' && version[i] <= '9')))
            break;
    if (i != 10 || version[i] != '\0')
        return sgn_authority__fail(err, 400, "ValidationException",
                                   "1 validation error detected: Value '%s' at 'profileVersion' "
                                   "failed to satisfy constraint: Member must satisfy regular "
                                   "expression pattern: ^[a-zA-Z0-9]{10}$",
                                   version);
    if ((rc = sgn_authority__check_reason(reason, err)) < 0)
        return rc;
    if (effective > now) {
        char when[32], at[32];
        sgn_time_format_rfc3339(when, effective);
        sgn_time_format_rfc3339(at, now);
        return sgn_authority__fail(err, 400, "ValidationException",
                                   "The effective time of a revocation must be in the past "
                                   "(effectiveTime %s is after now, %s)",
                                   when, at);
    }
    if ((rc = sgn_authority__begin(a, err)) < 0)
        return rc;
    if ((rc = load_profile(&p, &found, a, sgn_authority__caller_account(a), name, version,
                           err)) < 0)
        goto out;
    if (!found) {
        rc = sgn_authority__fail(err, 404, "ResourceNotFoundException",
                                 "The signing profile version %s/%s does not exist", name,
                                 version);
        goto out;
    }
    pl = sgn_authority__platform(p.platform_id);
    if (pl == NULL || !pl->revocation_supported) {
        rc = sgn_authority__fail(err, 400, "ValidationException",
                                 "Platform %s does not support revocation; signing profile %s "
                                 "cannot be revoked (cancel it instead)",
                                 p.platform_id, name);
        goto out;
    }
    if (p.revoked && effective > p.revoked_effective_from) {
        char when[32];
        sgn_time_format_rfc3339(when, p.revoked_effective_from);
        rc = sgn_authority__fail(err, 400, "ValidationException",
                                 "Signing profile version %s/%s is already revoked from %s; a "
                                 "repeated revocation may move the effective time earlier, never "
                                 "later",
                                 name, version, when);
        goto out;
    }
    if (!p.revoked || effective < p.revoked_effective_from) {
        by = sgn_authority__caller_arn(a);
        if ((rc = sgn_authority__prepare(
                 a, &st,
                 "UPDATE profile_versions SET revoked_effective_from = ?3, "
                 "revoked_at = COALESCE(revoked_at, ?4), revoked_by = COALESCE(revoked_by, ?5), "
                 "revoke_reason = COALESCE(revoke_reason, ?6) WHERE name = ?1 AND version = ?2 "
                 "AND owner = ?7",
                 err)) < 0)
            goto out;
        sqlite3_bind_text(st, 7, p.owner, -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 2, version, -1, SQLITE_STATIC);
        sqlite3_bind_int64(st, 3, effective);
        sqlite3_bind_int64(st, 4, now);
        sqlite3_bind_text(st, 5, by ? by : "", -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 6, reason, -1, SQLITE_STATIC);
        if (sqlite3_step(st) != SQLITE_DONE) {
            rc = sgn_authority__db_fail(a, err, "cannot revoke the signing profile");
            goto out;
        }
        sqlite3_finalize(st);
        st = NULL;
    }
    /* Whichever version was revoked, the profile is Revoked: it signs nothing more. */
    if ((rc = sgn_authority__prepare(a, &st,
                                     "UPDATE profiles SET status = 'Revoked', status_reason = ?2 "
                                     "WHERE name = ?1 AND owner = ?3 AND status != 'Revoked'",
                                     err)) < 0)
        goto out;
    sqlite3_bind_text(st, 3, p.owner, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, reason, -1, SQLITE_STATIC);
    if (sqlite3_step(st) != SQLITE_DONE) {
        rc = sgn_authority__db_fail(a, err, "cannot revoke the signing profile");
        goto out;
    }
    if ((rc = sgn_authority__commit(a, err)) < 0)
        goto out;
    *out = cJSON_CreateObject();
    rc = *out ? SGN_OK : sgn_error_set(err, SGN_ENOMEM, "out of memory");
out:
    sgn_authority__rollback(a);
    sqlite3_finalize(st);
    profile_row_free(&p);
    free(by);
    return rc;
}

int sgn_authority__signable_profile(sgn_authority *a, const char *owner, const char *name,
                                    char version[11], char platform_id[64], int64_t *vvalue,
                                    char vtype[8], sgn_error *err)
{
    profile_row p;
    int rc, found;

    if ((rc = load_profile(&p, &found, a, owner, name, NULL, err)) < 0)
        return rc;
    if ((rc = sgn_authority__authorize(a, owner, name, found ? p.version : NULL, "SignPayload",
                                       err)) < 0) {
        profile_row_free(&p);
        return rc;
    }
    if (!found)
        return not_found(err, name);
    if (strcmp(p.status, "Active") != 0) {
        rc = sgn_authority__fail(err, 400, "ValidationException",
                                 "Signing profile %s is %s and cannot sign; only an Active "
                                 "profile can sign (signatures it made before stay valid unless "
                                 "revoked)",
                                 name, p.status);
        profile_row_free(&p);
        return rc;
    }
    snprintf(version, 11, "%s", p.version);
    snprintf(platform_id, 64, "%s", p.platform_id);
    *vvalue = p.validity_value;
    snprintf(vtype, 8, "%s", p.validity_type);
    profile_row_free(&p);
    return SGN_OK;
}

int sgn_authority__profile_version_revoked(sgn_authority *a, const char *owner,
                                           const char *name, const char *version, int64_t ts,
                                           int *revoked, sgn_error *err)
{
    profile_row p;
    int rc, found;

    *revoked = 0;
    if ((rc = load_profile(&p, &found, a, owner, name, version, err)) < 0)
        return rc;
    if (found && p.revoked && ts >= p.revoked_effective_from)
        *revoked = 1;
    profile_row_free(&p);
    return SGN_OK;
}

int sgn_authority__profile_facts(sgn_authority *a, const char *owner, const char *name,
                                 int *found, char version[11], char platform_id[64],
                                 char status[16], sgn_error *err)
{
    profile_row p;
    int rc;

    if ((rc = load_profile(&p, found, a, owner, name, NULL, err)) < 0)
        return rc;
    if (*found) {
        snprintf(version, 11, "%s", p.version);
        snprintf(platform_id, 64, "%s", p.platform_id);
        snprintf(status, 16, "%s", p.status);
    }
    profile_row_free(&p);
    return SGN_OK;
}
