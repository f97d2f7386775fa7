/* The audit trail: one CloudTrail-shaped JSON line per API call (CloudTrail record contents:
 * eventVersion 1.08 fields), appended with O_APPEND and made durable with fdatasync before the
 * response is queued, so a state change that was answered with success is on disk twice: in
 * the store and here. */
#include "serve.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "sgn/arn.h"
#include "sgn/buf.h"
#include "sgn/util.h"

/* Group commit: lines are written under the lock in arrival order (seq = lines written so far);
 * one syncer thread fdatasyncs whatever has been written and then tells every waiter whose line
 * the sync covered, so concurrent calls share one flush and a worker never blocks on the disk
 * (sv_audit_append_async). */
typedef struct waiter {
    uint64_t seq;
    sv_audit_done_fn fn;
    void *ctx;
    int heap;              /* malloc'd by sv_audit_append_async: freed by the syncer */
    struct waiter *next;
} waiter;

struct sv_audit {
    int fd;
    pthread_mutex_t lock;
    pthread_cond_t work;       /* to the syncer: lines to sync, or stop */
    pthread_t syncer;
    int has_syncer, stop;
    uint64_t written;          /* lines written */
    uint64_t synced;           /* lines covered by a finished fdatasync (successful or not) */
    waiter *waiters;           /* in seq order */
    waiter **tail;
};

/* Members that never enter the trail: payloads and signatures (blobs, possibly confidential),
 * and credentials. */
static const char *const scrubbed[] = {
    "payload", "signature", "SecretAccessKey", "secretAccessKey", "SessionToken", "sessionToken",
};

static void scrub(cJSON *v, int depth)
{
    cJSON *it, *next;
    size_t i;

    if (depth > 32 || (!cJSON_IsObject(v) && !cJSON_IsArray(v)))
        return;
    for (it = v->child; it != NULL; it = next) {
        next = it->next;
        if (cJSON_IsObject(v) && it->string != NULL) {
            for (i = 0; i < sizeof(scrubbed) / sizeof(scrubbed[0]); i++)
                if (strcmp(it->string, scrubbed[i]) == 0)
                    break;
            if (i < sizeof(scrubbed) / sizeof(scrubbed[0])) {
                cJSON_Delete(cJSON_DetachItemViaPointer(v, it));
                continue;
            }
        }
        scrub(it, depth + 1);
    }
}

static cJSON *scrubbed_copy(const cJSON *v)
{
    cJSON *c;

    if (v == NULL)
        return cJSON_CreateNull();
    if ((c = cJSON_Duplicate(v, 1)) != NULL)
        scrub(c, 0);
    return c;
}

static const char *identity_type(const char *principal)
{
    if (principal == NULL || principal[0] == '\0')
        return "Unknown";
    if (strstr(principal, ":root") != NULL)
        return "Root";
    if (strstr(principal, ":role/") != NULL)
        return "AssumedRole";
    return "IAMUser";
}

static const char *str_member(const cJSON *o, const char *name)
{
    const cJSON *v = o ? cJSON_GetObjectItemCaseSensitive(o, name) : NULL;

    return cJSON_IsString(v) ? v->valuestring : NULL;
}

static int add_resource(cJSON *arr, const char *arn, const char *account, const char *type)
{
    cJSON *r, *it;

    if (arn == NULL || arn[0] == '\0')
        return SGN_OK;
    cJSON_ArrayForEach(it, arr)
        if (strcmp(str_member(it, "ARN") ? str_member(it, "ARN") : "", arn) == 0)
            return SGN_OK;
    if ((r = cJSON_CreateObject()) == NULL || !cJSON_AddItemToArray(arr, r))
        return SGN_ENOMEM;
    if (cJSON_AddStringToObject(r, "ARN", arn) == NULL ||
        (account && cJSON_AddStringToObject(r, "accountId", account) == NULL) ||
        cJSON_AddStringToObject(r, "type", type) == NULL)
        return SGN_ENOMEM;
    return SGN_OK;
}

/* The resources a call touched: the profile (by name and owner), the ARNs in its input, the
 * job, and the ARNs its output names. */
static int resources(cJSON *arr, const sv_audit_event *ev)
{
    const char *region = ev->region ? ev->region : "", *acct, *name, *v;
    const char *partition = sgn_partition_for_region(region);
    char arn[1024];
    int rc = SGN_OK;

    acct = str_member(ev->request, "profileOwner");
    if (acct == NULL)
        acct = ev->who->account_id[0] ? ev->who->account_id : ev->recipient_account;
    if ((name = str_member(ev->request, "profileName")) != NULL) {
        snprintf(arn, sizeof(arn), "arn:%s:signer:%s:%s:/signing-profiles/%s", partition, region,
                 acct ? acct : "", name);
        rc = add_resource(arr, arn, acct, "AWS::Signer::SigningProfile");
    }
    if (rc == SGN_OK && (v = str_member(ev->request, "resourceArn")) != NULL)
        rc = add_resource(arr, v, NULL, "AWS::Signer::SigningProfile");
    if (rc == SGN_OK && (v = str_member(ev->request, "profileVersionArn")) != NULL)
        rc = add_resource(arr, v, NULL, "AWS::Signer::SigningProfile");
    if (rc == SGN_OK && (v = str_member(ev->request, "jobArn")) != NULL)
        rc = add_resource(arr, v, NULL, "AWS::Signer::SigningJob");
    if (rc == SGN_OK && ((v = str_member(ev->request, "jobId")) != NULL ||
                         (v = str_member(ev->response, "jobId")) != NULL)) {
        const char *owner = str_member(ev->response, "jobOwner");

        if (owner == NULL)
            owner = str_member(ev->request, "jobOwner");
        if (owner == NULL)
            owner = acct;
        snprintf(arn, sizeof(arn), "arn:%s:signer:%s:%s:/signing-jobs/%s", partition, region,
                 owner ? owner : "", v);
        rc = add_resource(arr, arn, owner, "AWS::Signer::SigningJob");
    }
    if (rc == SGN_OK && (v = str_member(ev->response, "arn")) != NULL)
        rc = add_resource(arr, v, NULL, "AWS::Signer::SigningProfile");
    return rc;
}

int sv_audit_record(cJSON **out, const sv_audit_event *ev, sgn_error *err)
{
    cJSON *rec = NULL, *uid, *res, *item;
    char when[32], uuid[37], *principal_id = NULL;
    const sv_identity *who = ev->who;
    int ok;

    *out = NULL;
    if (sgn_random_uuid(uuid, err) < 0)
        return SGN_ECRYPTO;
    sgn_time_format_rfc3339(when, ev->time_ms / 1000);
    if ((rec = cJSON_CreateObject()) == NULL)
        goto nomem;
    ok = cJSON_AddStringToObject(rec, "eventVersion", "1.08") != NULL &&
         (uid = cJSON_AddObjectToObject(rec, "userIdentity")) != NULL &&
         cJSON_AddStringToObject(rec, "eventTime", when) != NULL &&
         cJSON_AddStringToObject(rec, "eventSource", "signer.amazonaws.com") != NULL &&
         cJSON_AddStringToObject(rec, "eventName", ev->event_name) != NULL &&
         cJSON_AddStringToObject(rec, "awsRegion", ev->region ? ev->region : "") != NULL &&
         cJSON_AddStringToObject(rec, "sourceIPAddress", ev->source_ip ? ev->source_ip : "") &&
         cJSON_AddStringToObject(rec, "userAgent", ev->user_agent ? ev->user_agent : "");
    if (!ok)
        goto nomem;
    if (ev->error_code != NULL && ev->error_code[0] != '\0' &&
        (cJSON_AddStringToObject(rec, "errorCode", ev->error_code) == NULL ||
         cJSON_AddStringToObject(rec, "errorMessage",
                                 ev->error_message ? ev->error_message : "") == NULL))
        goto nomem;
    /* userIdentity: an unauthenticated call still names the access key id it presented. */
    if (cJSON_AddStringToObject(uid, "type", identity_type(who->principal)) == NULL)
        goto nomem;
    if (who->principal[0] != '\0') {
        const char *slash = strrchr(who->principal, '/');
        size_t n = strlen(who->account_id) + (slash ? strlen(slash) : 0) + 1;

        if ((principal_id = malloc(n)) == NULL)
            goto nomem;
        snprintf(principal_id, n, "%s%s%s", who->account_id, slash ? ":" : "",
                 slash ? slash + 1 : "");
        if (cJSON_AddStringToObject(uid, "principalId", principal_id) == NULL ||
            cJSON_AddStringToObject(uid, "arn", who->principal) == NULL ||
            cJSON_AddStringToObject(uid, "accountId", who->account_id) == NULL)
            goto nomem;
    }
    if (who->access_key_id[0] != '\0' &&
        cJSON_AddStringToObject(uid, "accessKeyId", who->access_key_id) == NULL)
        goto nomem;
    if ((item = scrubbed_copy(ev->request)) == NULL ||
        !cJSON_AddItemToObject(rec, "requestParameters", item))
        goto nomem_item;
    item = (ev->read_only || ev->response == NULL) ? cJSON_CreateNull()
                                                   : scrubbed_copy(ev->response);
    if (item == NULL || !cJSON_AddItemToObject(rec, "responseElements", item))
        goto nomem_item;
    if (cJSON_AddStringToObject(rec, "requestID", ev->request_id) == NULL ||
        cJSON_AddStringToObject(rec, "eventID", uuid) == NULL ||
        cJSON_AddBoolToObject(rec, "readOnly", ev->read_only) == NULL ||
        (res = cJSON_AddArrayToObject(rec, "resources")) == NULL || resources(res, ev) < 0 ||
        cJSON_AddStringToObject(rec, "eventType", "AwsApiCall") == NULL ||
        cJSON_AddBoolToObject(rec, "managementEvent", 1) == NULL ||
        cJSON_AddStringToObject(rec, "recipientAccountId",
                                ev->recipient_account ? ev->recipient_account : "") == NULL ||
        cJSON_AddStringToObject(rec, "eventCategory", "Management") == NULL)
        goto nomem;
    free(principal_id);
    *out = rec;
    return SGN_OK;
nomem_item:
    cJSON_Delete(item);
nomem:
    free(principal_id);
    cJSON_Delete(rec);
    return sgn_error_set(err, SGN_ENOMEM, "out of memory");
}

static void *syncer_main(void *p)
{
    sv_audit *a = p;
    waiter *done, *w, *next;
    uint64_t target;
    int rc, e;

    pthread_mutex_lock(&a->lock);
    for (;;) {
        while (!a->stop && a->written == a->synced)
            pthread_cond_wait(&a->work, &a->lock);
        if (a->written == a->synced)
            break;   /* stop, and nothing left to sync */
        target = a->written;
        pthread_mutex_unlock(&a->lock);
        while ((rc = fdatasync(a->fd)) < 0 && errno == EINTR)
            ;
        e = rc < 0 ? errno : 0;
        pthread_mutex_lock(&a->lock);
        a->synced = target;
        done = NULL;
        if (a->waiters != NULL && a->waiters->seq <= target) {
            done = a->waiters;
            for (w = done; w->next != NULL && w->next->seq <= target; w = w->next)
                ;
            a->waiters = w->next;
            w->next = NULL;
            if (a->waiters == NULL)
                a->tail = &a->waiters;
        }
        pthread_mutex_unlock(&a->lock);
        for (w = done; w != NULL; w = next) {
            sv_audit_done_fn fn = w->fn;
            void *ctx = w->ctx;

            next = w->next;   /* a blocked appender's waiter is gone once fn wakes it */
            if (w->heap)
                free(w);
            fn(ctx, e);
        }
        pthread_mutex_lock(&a->lock);
    }
    pthread_mutex_unlock(&a->lock);
    return NULL;
}

int sv_audit_open(sv_audit **out, const char *path, sgn_error *err)
{
    sv_audit *a;
    sigset_t all, old;
    int started;

    *out = NULL;
    if ((a = calloc(1, sizeof(*a))) == NULL)
        return sgn_error_set(err, SGN_ENOMEM, "out of memory");
    a->fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0600);
    if (a->fd < 0) {
        int e = errno;

        free(a);
        return sgn_error_set(err, SGN_EIO, "cannot open the audit log %s: %s", path,
                             strerror(e));
    }
    pthread_mutex_init(&a->lock, NULL);
    pthread_cond_init(&a->work, NULL);
    a->tail = &a->waiters;
    /* The sync thread takes no signals (SIGTERM and SIGINT belong to serve's sigwait). */
    sigfillset(&all);
    pthread_sigmask(SIG_SETMASK, &all, &old);
    started = pthread_create(&a->syncer, NULL, syncer_main, a) == 0;
    pthread_sigmask(SIG_SETMASK, &old, NULL);
    if (!started) {
        sv_audit_close(a);
        return sgn_error_set(err, SGN_ENOMEM, "cannot start the audit trail's sync thread");
    }
    a->has_syncer = 1;
    *out = a;
    return SGN_OK;
}

/* Render record as one line (the NUL replaced by '\n'). */
static char *render(const cJSON *record, size_t *len, sgn_error *err)
{
    char *text = cJSON_PrintUnformatted(record);

    if (text == NULL) {
        sgn_error_set(err, SGN_ENOMEM, "out of memory");
        return NULL;
    }
    *len = strlen(text);
    text[(*len)++] = '\n';   /* the text is written by length */
    return text;
}

/* Write one line under the lock (lines never interleave) and queue w for the sync that will
 * cover it; the caller holds a->lock. */
static int write_line(sv_audit *a, const char *text, size_t len, waiter *w, sgn_error *err)
{
    size_t off = 0;

    while (off < len) {
        ssize_t n = write(a->fd, text + off, len - off);

        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            return sgn_error_set(err, SGN_EIO, "cannot write the audit log: %s",
                                 n < 0 ? strerror(errno) : "short write");
        off += (size_t)n;
    }
    ++a->written;
    if (w != NULL) {
        w->seq = a->written;
        w->next = NULL;
        *a->tail = w;
        a->tail = &w->next;
    }
    pthread_cond_signal(&a->work);
    return SGN_OK;
}

int sv_audit_append_async(sv_audit *a, const cJSON *record, sv_audit_done_fn fn, void *ctx,
                          sgn_error *err)
{
    size_t len;
    char *text = render(record, &len, err);
    waiter *w;
    int rc;

    if (text == NULL)
        return SGN_ENOMEM;
    if (fn == NULL) {   /* written now, synced by the next group commit, nobody waits */
        w = NULL;
    } else if ((w = malloc(sizeof(*w))) == NULL) {
        free(text);
        return sgn_error_set(err, SGN_ENOMEM, "out of memory");
    } else {
        w->fn = fn;
        w->ctx = ctx;
        w->heap = 1;
    }
    pthread_mutex_lock(&a->lock);
    rc = write_line(a, text, len, w, err);
    pthread_mutex_unlock(&a->lock);
    if (rc < 0)
        free(w);
    free(text);
    return rc;
}

typedef struct blocking {
    pthread_mutex_t m;
    pthread_cond_t c;
    int done, error;
    waiter w;
} blocking;

static void wake(void *ctx, int error)
{
    blocking *b = ctx;

    pthread_mutex_lock(&b->m);
    b->done = 1;
    b->error = error;
    pthread_cond_signal(&b->c);
    pthread_mutex_unlock(&b->m);
}

int sv_audit_append(sv_audit *a, const cJSON *record, sgn_error *err)
{
    size_t len;
    char *text = render(record, &len, err);
    blocking b;
    int rc;

    if (text == NULL)
        return SGN_ENOMEM;
    memset(&b, 0, sizeof(b));
    pthread_mutex_init(&b.m, NULL);
    pthread_cond_init(&b.c, NULL);
    b.w.fn = wake;
    b.w.ctx = &b;
    pthread_mutex_lock(&a->lock);
    rc = write_line(a, text, len, &b.w, err);
    pthread_mutex_unlock(&a->lock);
    free(text);
    if (rc == SGN_OK) {
        pthread_mutex_lock(&b.m);
        while (!b.done)
            pthread_cond_wait(&b.c, &b.m);
        pthread_mutex_unlock(&b.m);
        if (b.error != 0)
            rc = sgn_error_set(err, SGN_EIO, "cannot sync the audit log: %s",
                               strerror(b.error));
    }
    pthread_cond_destroy(&b.c);
    pthread_mutex_destroy(&b.m);
    return rc;
}

void sv_audit_close(sv_audit *a)
{
    if (a == NULL)
        return;
    if (a->has_syncer) {
        /* The syncer syncs what is left and tells its waiters before it ends. */
        pthread_mutex_lock(&a->lock);
        a->stop = 1;
        pthread_cond_signal(&a->work);
        pthread_mutex_unlock(&a->lock);
        pthread_join(a->syncer, NULL);
    }
    close(a->fd);
    pthread_cond_destroy(&a->work);
    pthread_mutex_destroy(&a->lock);
    free(a);
}
