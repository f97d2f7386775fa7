/* lookup-events over the audit file, shaped like `aws cloudtrail lookup-events` output:
 * {"Events": [{EventId, EventName, ReadOnly ("true"/"false"), AccessKeyId, EventTime (ISO 8601, as the AWS CLI
 * prints it),
 * EventSource, Username, Resources: [{ResourceType, ResourceName}], CloudTrailEvent}]}, newest
 * first. A line that is not a JSON object (a torn last line after a crash) is skipped. */
#include "serve.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sgn/util.h"

static const char *str_at(const cJSON *o, const char *name)
{
    const cJSON *v = o ? cJSON_GetObjectItemCaseSensitive(o, name) : NULL;

    return cJSON_IsString(v) ? v->valuestring : NULL;
}

static int resource_matches(const cJSON *rec, const char *want)
{
    const cJSON *r;
    size_t wl = strlen(want);

    cJSON_ArrayForEach(r, cJSON_GetObjectItemCaseSensitive(rec, "resources")) {
        const char *arn = str_at(r, "ARN");
        size_t al;

        if (arn == NULL)
            continue;
        al = strlen(arn);
        if (strcmp(arn, want) == 0 ||
            (al > wl && arn[al - wl - 1] == '/' && strcmp(arn + al - wl, want) == 0))
            return 1;
    }
    return 0;
}

static int matches(const cJSON *rec, int64_t t, const sv_lookup_filter *f)
{
    const cJSON *uid = cJSON_GetObjectItemCaseSensitive(rec, "userIdentity");
    const char *s;

    if (t < f->start_time || t > f->end_time)
        return 0;
    if (f->event_name && ((s = str_at(rec, "eventName")) == NULL || strcmp(s, f->event_name)))
        return 0;
    if (f->principal && ((s = str_at(uid, "arn")) == NULL || strcmp(s, f->principal)))
        return 0;
    if (f->resource_name && !resource_matches(rec, f->resource_name))
        return 0;
    return 1;
}

/* The event as lookup-events shows it; takes rec. */
static cJSON *event_of(cJSON *rec, int64_t t)
{
    const cJSON *uid = cJSON_GetObjectItemCaseSensitive(rec, "userIdentity"), *r;
    const char *arn = str_at(uid, "arn"), *slash;
    cJSON *e = cJSON_CreateObject(), *res;
    char *text = cJSON_PrintUnformatted(rec), iso[32];
    int ok;

    sgn_time_format_iso_offset(iso, t);
    slash = arn ? strrchr(arn, '/') : NULL;
    ok = e != NULL && text != NULL &&
         cJSON_AddStringToObject(e, "EventId", str_at(rec, "eventID") ? str_at(rec, "eventID")
                                                                       : "") != NULL &&
         cJSON_AddStringToObject(e, "EventName", str_at(rec, "eventName")
                                                     ? str_at(rec, "eventName")
                                                     : "") != NULL &&
         cJSON_AddStringToObject(e, "ReadOnly",
                                 cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(rec, "readOnly"))
                                     ? "true"
                                     : "false") != NULL &&
         (str_at(uid, "accessKeyId") == NULL ||
          cJSON_AddStringToObject(e, "AccessKeyId", str_at(uid, "accessKeyId")) != NULL) &&
         cJSON_AddStringToObject(e, "EventTime", iso) != NULL &&
         cJSON_AddStringToObject(e, "EventSource", "signer.amazonaws.com") != NULL &&
         (arn == NULL ||
          cJSON_AddStringToObject(e, "Username", slash ? slash + 1 : "root") != NULL) &&
         (res = cJSON_AddArrayToObject(e, "Resources")) != NULL;
    if (ok) {
        cJSON_ArrayForEach(r, cJSON_GetObjectItemCaseSensitive(rec, "resources")) {
            cJSON *o = cJSON_CreateObject();

            if (o == NULL || !cJSON_AddItemToArray(res, o) ||
                cJSON_AddStringToObject(o, "ResourceType",
                                        str_at(r, "type") ? str_at(r, "type") : "") == NULL ||
                cJSON_AddStringToObject(o, "ResourceName",
                                        str_at(r, "ARN") ? str_at(r, "ARN") : "") == NULL) {
                ok = 0;
                break;
            }
        }
    }
    if (ok)
        ok = cJSON_AddStringToObject(e, "CloudTrailEvent", text) != NULL;
    free(text);
    cJSON_Delete(rec);
    if (!ok) {
        cJSON_Delete(e);
        return NULL;
    }
    return e;
}

int sv_lookup_events(cJSON **out, const char *path, const sv_lookup_filter *f, sgn_error *err)
{
    FILE *fp;
    cJSON *result = NULL, *events;
    char *line = NULL;
    size_t cap = 0;
    ssize_t n;
    long max = f->max_results > 0 ? f->max_results : 50;
    int rc = SGN_OK;

    *out = NULL;
    if ((fp = fopen(path, "re")) == NULL)
        return sgn_error_set(err, errno == ENOENT ? SGN_ENOTFOUND : SGN_EIO,
                             "cannot open the audit log %s: %s", path, strerror(errno));
    if ((result = cJSON_CreateObject()) == NULL ||
        (events = cJSON_AddArrayToObject(result, "Events")) == NULL) {
        rc = sgn_error_set(err, SGN_ENOMEM, "out of memory");
        goto out;
    }
    /* Oldest first in the file; newest first in the answer, the last max of the matches. */
    while ((n = getline(&line, &cap, fp)) > 0) {
        cJSON *rec = cJSON_ParseWithLength(line, (size_t)n), *ev;
        const char *when = str_at(rec, "eventTime");
        sgn_error terr = SGN_ERROR_INIT;
        int64_t t;
        int32_t ns;

        if (!cJSON_IsObject(rec) || when == NULL ||
            sgn_time_parse_rfc3339(&t, &ns, when, &terr) < 0 || !matches(rec, t, f)) {
            cJSON_Delete(rec);
            continue;
        }
        if ((ev = event_of(rec, t)) == NULL) {
            rc = sgn_error_set(err, SGN_ENOMEM, "out of memory");
            goto out;
        }
        if (events->child == NULL)
            cJSON_AddItemToArray(events, ev);
        else
            cJSON_InsertItemInArray(events, 0, ev);
        if (cJSON_GetArraySize(events) > max)
            cJSON_DeleteItemFromArray(events, (int)max);
    }
    if (ferror(fp)) {
        rc = sgn_error_set(err, SGN_EIO, "cannot read the audit log %s", path);
        goto out;
    }
    *out = result;
    result = NULL;
out:
    free(line);
    fclose(fp);
    cJSON_Delete(result);
    return rc;
}
