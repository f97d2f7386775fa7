/* Tags on signing profiles: TagResource, UntagResource, ListTagsForResource.
 *
 * The tags are the profile's (profiles.tags), the same map PutSigningProfile's tags member adds
 * to, checked by the same helpers (profile_rules.c). Rules: developer guide, "Signing profiles"
 * (up to 50 tags; Manage tags) and the TagResource / UntagResource / ListTagsForResource
 * examples; the API model's key and value constraints and these operations' own error names,
 * BadRequestException and NotFoundException (research/aws-signer-api.md §1.4, §1.6). */
#include "internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sgn/arn.h"

#define BAD_REQUEST "BadRequestException"
#define MAX_TAGS_PER_CALL 200 /* the model's map and list lengths */

/* resourceArn must be a signing profile ARN of this store's partition and region:
 * arn:<partition>:signer:<region>:<account>:/signing-profiles/<name>. *owner and *name point
 * into arn. Only the profile's owner may use the tagging operations. */
static int profile_from_arn(sgn_authority *a, sgn_arn *arn, const char **owner,
                            const char **name, const char *text, const char *action,
                            sgn_error *err)
{
    sgn_error local = SGN_ERROR_INIT;
    const char *prefix = "/signing-profiles/";

    if (sgn_arn_parse(arn, text, &local) < 0 || strcmp(arn->service, "signer") != 0 ||
        strcmp(arn->partition, sgn_partition_for_region(a->region)) != 0 ||
        strcmp(arn->region, a->region) != 0 ||
        strncmp(arn->resource, prefix, strlen(prefix)) != 0 ||
        sgn_authority__check_account(arn->account, "resourceArn", &local) < 0 ||
        sgn_authority__check_profile_name(arn->resource + strlen(prefix), &local) < 0)
        return sgn_authority__fail(err, 400, BAD_REQUEST,
                                   "Invalid resourceArn '%s': expected a signing profile ARN "
                                   "arn:%s:signer:%s:<account>:/signing-profiles/<name>",
                                   text, sgn_partition_for_region(a->region), a->region);
    *owner = arn->account;
    *name = arn->resource + strlen(prefix);
    if (strcmp(*owner, sgn_authority__caller_account(a)) != 0)
        return sgn_authority__denied(a, action, text, err);
    return SGN_OK;
}

/* The profile's tags (*tags NULL when none) and status; NotFoundException when absent. */
static int load_tags(sgn_authority *a, const char *owner, const char *name, const char *arn,
                     char **tags, char status[16], sgn_error *err)
{
    sqlite3_stmt *st = NULL;
    int rc, step;

    *tags = NULL;
    if ((rc = sgn_authority__prepare(a, &st,
                                     "SELECT tags, status FROM profiles WHERE owner = ? AND "
                                     "name = ?",
                                     err)) < 0)
        return rc;
    sqlite3_bind_text(st, 1, owner, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, name, -1, SQLITE_STATIC);
    step = sqlite3_step(st);
    if (step == SQLITE_ROW) {
        const unsigned char *t = sqlite3_column_text(st, 0);
        snprintf(status, 16, "%s", sqlite3_column_text(st, 1));
        if (t && (*tags = strdup((const char *)t)) == NULL)
            rc = sgn_error_set(err, SGN_ENOMEM, "out of memory");
    } else if (step == SQLITE_DONE) {
        rc = sgn_authority__fail(err, 404, "NotFoundException",
                                 "The signing profile %s does not exist", arn);
    } else {
        rc = sgn_authority__db_fail(a, err, "cannot read signing profiles");
    }
    sqlite3_finalize(st);
    return rc;
}

/* Add `add` and remove `remove` in one transaction. */
static int change_tags(sgn_authority *a, const char *arn_text, const char *action,
                       const cJSON *add, const cJSON *remove, cJSON **out, sgn_error *err)
{
    sgn_arn arn = SGN_ARN_INIT;
    const char *owner, *name;
    char *current = NULL, *merged = NULL, status[16] = "";
    sqlite3_stmt *st = NULL;
    int rc;

    if ((rc = profile_from_arn(a, &arn, &owner, &name, arn_text, action, err)) < 0 ||
        (rc = sgn_authority__begin(a, err)) < 0)
        goto out;
    if ((rc = load_tags(a, owner, name, arn_text, &current, status, err)) < 0)
        goto out;
    /* A canceled profile can no longer be tagged (research §1.6); its tags can be removed. */
    if (add != NULL && strcmp(status, "Canceled") == 0) {
        rc = sgn_authority__fail(err, 400, BAD_REQUEST,
                                 "The signing profile %s is Canceled and cannot be tagged",
                                 arn_text);
        goto out;
    }
    if ((rc = sgn_authority__merge_tags(&merged, current, add, remove, BAD_REQUEST, err)) < 0 ||
        (rc = sgn_authority__prepare(a, &st,
                                     "UPDATE profiles SET tags = ? WHERE owner = ? AND name = ?",
                                     err)) < 0)
        goto out;
    sqlite3_bind_text(st, 1, merged, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, owner, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 3, name, -1, SQLITE_STATIC);
    if (sqlite3_step(st) != SQLITE_DONE) {
        rc = sgn_authority__db_fail(a, err, "cannot save the tags");
        goto out;
    }
    if ((rc = sgn_authority__commit(a, err)) < 0)
        goto out;
    *out = cJSON_CreateObject();
    rc = *out ? SGN_OK : sgn_error_set(err, SGN_ENOMEM, "out of memory");
out:
    sgn_authority__rollback(a);
    sqlite3_finalize(st);
    sgn_arn_free(&arn);
    free(current);
    free(merged);
    return rc;
}

static int get_arn(const char **arn, const cJSON *in, sgn_error *err)
{
    const cJSON *m = in ? cJSON_GetObjectItemCaseSensitive(in, "resourceArn") : NULL;

    if (!cJSON_IsString(m) || m->valuestring[0] == '\0')
        return sgn_authority__fail(err, 400, BAD_REQUEST,
                                   "resourceArn is required: the ARN of a signing profile");
    *arn = m->valuestring;
    return SGN_OK;
}

int sgn_authority_tag_resource(sgn_authority *a, const cJSON *in, cJSON **out, sgn_error *err)
{
    const cJSON *tags = in ? cJSON_GetObjectItemCaseSensitive(in, "tags") : NULL;
    const char *arn = NULL;
    int rc;

    *out = NULL;
    if ((rc = get_arn(&arn, in, err)) < 0)
        return rc;
    if (!cJSON_IsObject(tags) || cJSON_GetArraySize(tags) < 1 ||
        cJSON_GetArraySize(tags) > MAX_TAGS_PER_CALL)
        return sgn_authority__fail(err, 400, BAD_REQUEST,
                                   "tags is required: a map of 1 to %d tags", MAX_TAGS_PER_CALL);
    if ((rc = sgn_authority__validate_tags(tags, BAD_REQUEST, err)) < 0)
        return rc;
    return change_tags(a, arn, "TagResource", tags, NULL, out, err);
}

int sgn_authority_untag_resource(sgn_authority *a, const cJSON *in, cJSON **out, sgn_error *err)
{
    const cJSON *keys = in ? cJSON_GetObjectItemCaseSensitive(in, "tagKeys") : NULL, *k;
    const char *arn = NULL;
    int rc;

    *out = NULL;
    if ((rc = get_arn(&arn, in, err)) < 0)
        return rc;
    if (!cJSON_IsArray(keys) || cJSON_GetArraySize(keys) < 1 ||
        cJSON_GetArraySize(keys) > MAX_TAGS_PER_CALL)
        return sgn_authority__fail(err, 400, BAD_REQUEST,
                                   "tagKeys is required: a list of 1 to %d tag keys",
                                   MAX_TAGS_PER_CALL);
    cJSON_ArrayForEach(k, keys)
    {
        if (!cJSON_IsString(k))
            return sgn_authority__fail(err, 400, BAD_REQUEST, "tagKeys must be strings");
        if ((rc = sgn_authority__validate_tag_key(k->valuestring, BAD_REQUEST, err)) < 0)
            return rc;
    }
    return change_tags(a, arn, "UntagResource", NULL, keys, out, err);
}

int sgn_authority_list_tags_for_resource(sgn_authority *a, const cJSON *in, cJSON **out,
                                         sgn_error *err)
{
    sgn_arn arn = SGN_ARN_INIT;
    const char *text = NULL, *owner, *name;
    char *tags = NULL, status[16];
    cJSON *o = NULL, *t = NULL;
    int rc;

    *out = NULL;
    if ((rc = get_arn(&text, in, err)) < 0 ||
        (rc = profile_from_arn(a, &arn, &owner, &name, text, "ListTagsForResource", err)) < 0 ||
        (rc = load_tags(a, owner, name, text, &tags, status, err)) < 0)
        goto out;
    t = tags ? cJSON_Parse(tags) : cJSON_CreateObject();
    if (t == NULL || (o = cJSON_CreateObject()) == NULL || !cJSON_AddItemToObject(o, "tags", t)) {
        cJSON_Delete(t);
        rc = sgn_error_set(err, SGN_ENOMEM, "out of memory");
        goto out;
    }
    *out = o;
    o = NULL;
    rc = SGN_OK;
out:
    cJSON_Delete(o);
    sgn_arn_free(&arn);
    free(tags);
    return rc;
}
