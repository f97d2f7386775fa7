/* The route table and the operation's input: research/aws-signer-api.md §1.2 (rest-json on the
 * wire) and §1.4 (each operation's method, path, query and body). */
#include "serve.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sgn/util.h"

/* Literal routes before label routes of the same shape ("/signing-jobs/with-payload" before
 * "/signing-jobs/{jobId}"): the first match wins. */
const sv_route sv_routes[] = {
    {"POST", "/signing-jobs/with-payload", "SignPayload", 1, 0, {{0}}},
    {"GET", "/revocations", "GetRevocationStatus", 0, 1,
     {{"signatureTimestamp", SV_Q_TIME},
      {"platformId", SV_Q_STRING},
      {"profileVersionArn", SV_Q_STRING},
      {"jobArn", SV_Q_STRING},
      {"certificateHashes", SV_Q_LIST}}},
    {"PUT", "/signing-profiles/{profileName}", "PutSigningProfile", 1, 0, {{0}}},
    {"GET", "/signing-profiles/{profileName}", "GetSigningProfile", 0, 1,
     {{"profileOwner", SV_Q_STRING}}},
    {"DELETE", "/signing-profiles/{profileName}", "CancelSigningProfile", 0, 0, {{0}}},
    {"GET", "/signing-profiles", "ListSigningProfiles", 0, 1,
     {{"includeCanceled", SV_Q_BOOL},
      {"maxResults", SV_Q_INT},
      {"nextToken", SV_Q_STRING},
      {"platformId", SV_Q_STRING},
      {"statuses", SV_Q_LIST}}},
    {"PUT", "/signing-profiles/{profileName}/revoke", "RevokeSigningProfile", 1, 0, {{0}}},
    {"POST", "/signing-profiles/{profileName}/permissions", "AddProfilePermission", 1, 0, {{0}}},
    {"GET", "/signing-profiles/{profileName}/permissions", "ListProfilePermissions", 0, 1,
     {{"nextToken", SV_Q_STRING}}},
    {"DELETE", "/signing-profiles/{profileName}/permissions/{statementId}",
     "RemoveProfilePermission", 0, 0, {{"revisionId", SV_Q_STRING}}},
    {"PUT", "/signing-jobs/{jobId}/revoke", "RevokeSignature", 1, 0, {{0}}},
    {"GET", "/signing-jobs/{jobId}", "DescribeSigningJob", 0, 1, {{0}}},
    {"GET", "/signing-jobs", "ListSigningJobs", 0, 1,
     {{"status", SV_Q_STRING},
      {"platformId", SV_Q_STRING},
      {"requestedBy", SV_Q_STRING},
      {"maxResults", SV_Q_INT},
      {"nextToken", SV_Q_STRING},
      {"isRevoked", SV_Q_BOOL},
      {"signatureExpiresBefore", SV_Q_TIME},
      {"signatureExpiresAfter", SV_Q_TIME},
      {"jobInvoker", SV_Q_STRING}}},
    {"POST", "/signing-jobs", "StartSigningJob", 1, 0, {{0}}},
    {"GET", "/signing-platforms/{platformId}", "GetSigningPlatform", 0, 1, {{0}}},
    {"GET", "/signing-platforms", "ListSigningPlatforms", 0, 1,
     {{"category", SV_Q_STRING},
      {"partner", SV_Q_STRING},
      {"target", SV_Q_STRING},
      {"maxResults", SV_Q_INT},
      {"nextToken", SV_Q_STRING}}},
    {"POST", "/tags/{resourceArn}", "TagResource", 1, 0, {{0}}},
    {"DELETE", "/tags/{resourceArn}", "UntagResource", 0, 0, {{"tagKeys", SV_Q_LIST}}},
    {"GET", "/tags/{resourceArn}", "ListTagsForResource", 0, 1, {{0}}},
};
const size_t sv_n_routes = sizeof(sv_routes) / sizeof(sv_routes[0]);

static int hexval(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

int sv_pct_decode(char **out, const char *s, size_t len, int plus_is_space, sgn_error *err)
{
    char *d;
    size_t i, n = 0;

    *out = NULL;
    if ((d = malloc(len + 1)) == NULL)
        return sgn_error_set(err, SGN_ENOMEM, "out of memory");
    for (i = 0; i < len; i++) {
        char c = s[i];

        if (c == '%') {
            int hi = i + 2 < len ? hexval(s[i + 1]) : -1;
            int lo = i + 2 < len ? hexval(s[i + 2]) : -1;

            if (hi < 0 || lo < 0) {
                free(d);
                return sgn_error_set(err, SGN_EINVALID, "malformed percent-encoding in \"%.*s\"",
                                     (int)(len > 200 ? 200 : len), s);
            }
            hi = hi * 16 + lo;
            c = (char)hi;
            i += 2;
        } else if (c == '+' && plus_is_space) {
            c = ' ';
        }
        if (c == '\0') {
            free(d);
            return sgn_error_set(err, SGN_EINVALID, "a NUL byte in \"%.*s\"",
                                 (int)(len > 200 ? 200 : len), s);
        }
        d[n++] = c;
    }
    d[n] = '\0';
    *out = d;
    return SGN_OK;
}

void sv_match_free(sv_match *m)
{
    size_t i;

    for (i = 0; i < m->n_labels; i++) {
        free(m->label_names[i]);
        free(m->label_values[i]);
    }
    memset(m, 0, sizeof(*m));
}

/* Next segment of a path after *p (which points at a '/'): [*seg, *seg + *len). */
static int next_segment(const char **p, const char **seg, size_t *len)
{
    const char *s = *p, *e;

    if (*s != '/')
        return 0;
    s++;
    e = strchr(s, '/');
    if (e == NULL)
        e = s + strlen(s);
    *seg = s;
    *len = (size_t)(e - s);
    *p = e;
    return 1;
}

/* Does raw match tmpl? On a match, fills the label spans (raw). */
static int path_matches(const char *tmpl, const char *raw, const char **lab_name,
                        size_t *lab_name_len, const char **lab_val, size_t *lab_val_len,
                        size_t *n_labels)
{
    const char *t = tmpl, *r = raw, *ts = NULL, *rs = NULL;
    size_t tl = 0, rl = 0;

    *n_labels = 0;
    for (;;) {
        int more_t = next_segment(&t, &ts, &tl), more_r = next_segment(&r, &rs, &rl);

        if (!more_t || !more_r)
            return !more_t && !more_r;
        if (tl >= 2 && ts[0] == '{' && ts[tl - 1] == '}') {
            if (rl == 0 || *n_labels == SV_MAX_LABELS)
                return 0;
            lab_name[*n_labels] = ts + 1;
            lab_name_len[*n_labels] = tl - 2;
            lab_val[*n_labels] = rs;
            lab_val_len[*n_labels] = rl;
            (*n_labels)++;
        } else if (tl != rl || memcmp(ts, rs, tl) != 0) {
            return 0;
        }
    }
}

int sv_route_match(sv_match *m, const sv_route *routes, size_t n_routes, const char *method,
                   const char *raw_path, sgn_error *err)
{
    const char *ln[SV_MAX_LABELS], *lv[SV_MAX_LABELS];
    size_t lnl[SV_MAX_LABELS], lvl[SV_MAX_LABELS], n, i, r;
    int rc;

    memset(m, 0, sizeof(*m));
    for (r = 0; r < n_routes; r++) {
        if (strcmp(routes[r].method, method) != 0 ||
            !path_matches(routes[r].path, raw_path, ln, lnl, lv, lvl, &n))
            continue;
        m->route = &routes[r];
        for (i = 0; i < n; i++) {
            sgn_error derr = SGN_ERROR_INIT;

            if ((m->label_names[i] = strndup(ln[i], lnl[i])) == NULL) {
                sv_match_free(m);
                return sgn_error_set(err, SGN_ENOMEM, "out of memory");
            }
            m->n_labels = i + 1;
            if ((rc = sv_pct_decode(&m->label_values[i], lv[i], lvl[i], 0, &derr)) < 0) {
                char name[64];

                snprintf(name, sizeof(name), "%s", m->label_names[i]);
                sv_match_free(m);
                if (rc == SGN_ENOMEM)
                    return sgn_error_set(err, rc, "out of memory");
                return sv_error(err, "ValidationException", "Invalid path parameter %s: %s",
                                name, derr.msg);
            }
        }
        return SGN_OK;
    }
    return sgn_error_set_service(err, 404, "UnknownOperationException", NULL,
                                 "Unknown operation: %.8s %.400s", method, raw_path);
}

static const sv_qparam *find_qparam(const sv_route *r, const char *name)
{
    size_t i;

    for (i = 0; i < SV_MAX_QUERY && r->query[i].name != NULL; i++)
        if (strcmp(r->query[i].name, name) == 0)
            return &r->query[i];
    return NULL;
}

static int set_member(cJSON *obj, const char *name, cJSON *item, sgn_error *err)
{
    if (item == NULL)
        return sgn_error_set(err, SGN_ENOMEM, "out of memory");
    cJSON_DeleteItemFromObjectCaseSensitive(obj, name);
    if (!cJSON_AddItemToObject(obj, name, item)) {
        cJSON_Delete(item);
        return sgn_error_set(err, SGN_ENOMEM, "out of memory");
    }
    return SGN_OK;
}

static int query_value(cJSON *in, const sv_qparam *q, const char *value, sgn_error *err)
{
    cJSON *item, *arr;
    char *end;

    switch (q->type) {
    case SV_Q_LIST:
        arr = cJSON_GetObjectItemCaseSensitive(in, q->name);
        if (!cJSON_IsArray(arr)) {
            int rc;

            if ((rc = set_member(in, q->name, cJSON_CreateArray(), err)) < 0)
                return rc;
            arr = cJSON_GetObjectItemCaseSensitive(in, q->name);
        }
        if ((item = cJSON_CreateString(value)) == NULL || !cJSON_AddItemToArray(arr, item)) {
            cJSON_Delete(item);
            return sgn_error_set(err, SGN_ENOMEM, "out of memory");
        }
        return SGN_OK;
    case SV_Q_INT: {
        long long v;

        errno = 0;
        v = strtoll(value, &end, 10);
        if (value[0] == '\0' || *end != '\0' || errno != 0 || v > INT32_MAX || v < INT32_MIN)
            return sv_error(err, "ValidationException",
                            "1 validation error detected: Value '%.100s' at '%s' failed to "
                            "satisfy constraint: Member must be an integer",
                            value, q->name);
        return set_member(in, q->name, cJSON_CreateNumber((double)v), err);
    }
    case SV_Q_BOOL:
        if (strcmp(value, "true") != 0 && strcmp(value, "false") != 0)
            return sv_error(err, "ValidationException",
                            "1 validation error detected: Value '%.100s' at '%s' failed to "
                            "satisfy constraint: Member must be true or false",
                            value, q->name);
        return set_member(in, q->name, cJSON_CreateBool(value[0] == 't'), err);
    case SV_Q_TIME: {
        sgn_error terr = SGN_ERROR_INIT;
        int64_t sec;

        if (sgn_time_parse_cli(&sec, value, &terr) < 0)
            return sv_error(err, "ValidationException",
                            "1 validation error detected: Value '%.100s' at '%s' failed to "
                            "satisfy constraint: Member must be an ISO 8601 timestamp",
                            value, q->name);
        return set_member(in, q->name, cJSON_CreateNumber((double)sec), err);
    }
    case SV_Q_STRING:
    default:
        /* A repeated scalar key keeps its first value. */
        if (cJSON_GetObjectItemCaseSensitive(in, q->name) != NULL)
            return SGN_OK;
        return set_member(in, q->name, cJSON_CreateString(value), err);
    }
}

static int parse_query(cJSON *in, const sv_route *r, const char *raw, sgn_error *err)
{
    const char *p = raw;
    int rc;

    while (p != NULL && *p != '\0') {
        const char *amp = strchr(p, '&'), *end = amp ? amp : p + strlen(p), *eq;
        char *key = NULL, *val = NULL;
        const sv_qparam *q;
        sgn_error derr = SGN_ERROR_INIT;

        eq = memchr(p, '=', (size_t)(end - p));
        if (end > p) {
            rc = sv_pct_decode(&key, p, (size_t)((eq ? eq : end) - p), 1, &derr);
            if (rc == SGN_OK)
                rc = eq ? sv_pct_decode(&val, eq + 1, (size_t)(end - eq - 1), 1, &derr)
                        : sgn_strdup(&val, "", &derr);
            if (rc < 0) {
                free(key);
                free(val);
                if (rc == SGN_ENOMEM)
                    return sgn_error_set(err, rc, "out of memory");
                return sv_error(err, "ValidationException", "Invalid query string: %s",
                                derr.msg);
            }
            q = find_qparam(r, key);
            rc = q ? query_value(in, q, val, err) : SGN_OK;
            free(key);
            free(val);
            if (rc < 0)
                return rc;
        }
        p = amp ? amp + 1 : NULL;
    }
    return SGN_OK;
}

/* Is [p, end) nothing but JSON whitespace? The body is (body, body_len), not a C string: nothing
 * past end is read (fuzz_serve_request found strspn reading one byte beyond an exactly-sized
 * body, and a whitespace byte beyond it turned a valid body into a SerializationException). */
static int only_space(const char *p, const char *end)
{
    for (; p < end; p++)
        if (*p != ' ' && *p != '\t' && *p != '\r' && *p != '\n')
            return 0;
    return 1;
}

int sv_build_input(cJSON **out, const sv_match *m, const char *raw_query, const char *body,
                   size_t body_len, sgn_error *err)
{
    cJSON *in = NULL;
    size_t i;
    int rc;

    *out = NULL;
    if (m->route->body && body != NULL && body_len > 0) {
        const char *end = NULL;

        in = cJSON_ParseWithLengthOpts(body, body_len, &end, 0);
        if (in == NULL || !cJSON_IsObject(in) || (end != NULL && !only_space(end, body + body_len))) {
            cJSON_Delete(in);
            return sv_error(err, "SerializationException",
                            "The request body is not a JSON object%s",
                            in == NULL ? " (malformed JSON)" : "");
        }
    } else if ((in = cJSON_CreateObject()) == NULL) {
        return sgn_error_set(err, SGN_ENOMEM, "out of memory");
    }
    if ((rc = parse_query(in, m->route, raw_query, err)) < 0)
        goto fail;
    for (i = 0; i < m->n_labels; i++)
        if ((rc = set_member(in, m->label_names[i], cJSON_CreateString(m->label_values[i]),
                             err)) < 0)
            goto fail;
    *out = in;
    return SGN_OK;
fail:
    cJSON_Delete(in);
    return rc;
}
