/* The daemon: libmicrohttpd with a pool of worker threads (one per CPU), each with its own
 * store handle (handles are not thread-safe), the raw request target taken from the URI log
 * callback (SigV4 needs the path exactly as sent: MHD decodes its `url`), bodies bounded by
 * SV_MAX_BODY, TLS through MHD's GnuTLS, SIGTERM/SIGINT drain. */
#define _GNU_SOURCE
#include "serve.h"

#include <arpa/inet.h>
#include <errno.h>
#include <microhttpd.h>
#include <netdb.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "sgn/buf.h"
#include "sgn/util.h"

#define DRAIN_MAX_MS 30000
#define CONNECTION_TIMEOUT_S 60

/* SignPayload: signed by the request's worker (signatures in parallel, no lock held), then
 * recorded together with the jobs of concurrent calls: the first waiting worker leads, records
 * every job queued so far in one transaction (one WAL sync) under the write lock, and wakes the
 * others (group commit). Nothing is answered before its job is committed. */
typedef struct job_wait {
    sgn_signed_job *job;
    int done, result;
    sgn_error err;
    struct job_wait *next;
} job_wait;

static struct {
    pthread_mutex_t m;
    pthread_cond_t c;
    job_wait *head, **tail;
    int leading;
    pthread_mutex_t *writes;   /* sv_service.write_lock */
} jobs_group = {PTHREAD_MUTEX_INITIALIZER, PTHREAD_COND_INITIALIZER, NULL, &jobs_group.head, 0,
                NULL};

static void record_group(sgn_authority *a, job_wait *batch)
{
    sgn_signed_job **jobs;
    sgn_error *errs, terr = SGN_ERROR_INIT;
    job_wait *w, *next;
    int *results, rc;
    size_t n = 0, i;

    for (w = batch; w != NULL; w = w->next)
        n++;
    jobs = calloc(n, sizeof(*jobs));
    errs = calloc(n, sizeof(*errs));
    results = calloc(n, sizeof(*results));
    if (jobs == NULL || errs == NULL || results == NULL) {
        rc = sgn_error_set(&terr, SGN_ENOMEM, "out of memory");
    } else {
        for (i = 0, w = batch; w != NULL; w = w->next)
            jobs[i++] = w->job;
        if (jobs_group.writes)
            pthread_mutex_lock(jobs_group.writes);
        rc = sgn_authority_record_jobs(a, jobs, n, results, errs, &terr);
        if (jobs_group.writes)
            pthread_mutex_unlock(jobs_group.writes);
    }
    pthread_mutex_lock(&jobs_group.m);
    for (i = 0, w = batch; w != NULL; w = next, i++) {
        next = w->next;   /* w is the waiter's: gone once it sees done */
        w->result = rc < 0 ? rc : results[i];
        if (w->result < 0)
            w->err = rc < 0 ? terr : errs[i];
        w->done = 1;
    }
    jobs_group.leading = 0;
    pthread_cond_broadcast(&jobs_group.c);
    pthread_mutex_unlock(&jobs_group.m);
    free(jobs);
    free(errs);
    free(results);
}

static int sign_payload_grouped(sgn_authority *a, const cJSON *in, cJSON **out, sgn_error *err)
{
    job_wait w;
    job_wait *batch;
    int rc;

    memset(&w, 0, sizeof(w));
    if ((rc = sgn_authority_sign_payload_unrecorded(a, in, out, &w.job, err)) < 0)
        return rc;
    pthread_mutex_lock(&jobs_group.m);
    *jobs_group.tail = &w;
    jobs_group.tail = &w.next;
    while (!w.done) {
        if (jobs_group.leading) {
            pthread_cond_wait(&jobs_group.c, &jobs_group.m);
            continue;
        }
        jobs_group.leading = 1;
        batch = jobs_group.head;
        jobs_group.head = NULL;
        jobs_group.tail = &jobs_group.head;
        pthread_mutex_unlock(&jobs_group.m);
        record_group(a, batch);
        pthread_mutex_lock(&jobs_group.m);
    }
    pthread_mutex_unlock(&jobs_group.m);
    sgn_signed_job_free(w.job);
    if (w.result < 0) {
        *err = w.err;
        cJSON_Delete(*out);
        *out = NULL;
        return w.result;
    }
    return SGN_OK;
}

const sv_operation sv_operations[] = {
    {"PutSigningProfile", sgn_authority_put_signing_profile, 0},
    {"GetSigningProfile", sgn_authority_get_signing_profile, 0},
    {"ListSigningProfiles", sgn_authority_list_signing_profiles, 0},
    {"CancelSigningProfile", sgn_authority_cancel_signing_profile, 0},
    {"RevokeSigningProfile", sgn_authority_revoke_signing_profile, 0},
    {"RevokeSignature", sgn_authority_revoke_signature, 0},
    {"DescribeSigningJob", sgn_authority_describe_signing_job, 0},
    {"ListSigningJobs", sgn_authority_list_signing_jobs, 0},
    {"ListSigningPlatforms", sgn_authority_list_signing_platforms, 0},
    {"GetSigningPlatform", sgn_authority_get_signing_platform, 0},
    {"SignPayload", sign_payload_grouped, 1},
    {"GetRevocationStatus", sgn_authority_get_revocation_status, 0},
    {"AddProfilePermission", sgn_authority_add_profile_permission, 0},
    {"ListProfilePermissions", sgn_authority_list_profile_permissions, 0},
    {"RemoveProfilePermission", sgn_authority_remove_profile_permission, 0},
    {"TagResource", sgn_authority_tag_resource, 0},
    {"UntagResource", sgn_authority_untag_resource, 0},
    {"ListTagsForResource", sgn_authority_list_tags_for_resource, 0},
    {"StartSigningJob", NULL, 0}, /* a later issue: answered with ValidationException */
};
const size_t sv_n_operations = sizeof(sv_operations) / sizeof(sv_operations[0]);

typedef struct server {
    sv_service svc;
    const char *store_dir;
    pthread_key_t handle_key;   /* this worker's sgn_authority * */
    atomic_long inflight;       /* requests between the URI callback and completion */
    pthread_mutex_t park;       /* request.durable / request.suspended, across threads */
    pthread_mutex_t writes;     /* sv_service.write_lock */
} server;

/* A handled request waits for its audit line's fdatasync without holding its worker: the
 * connection is suspended (the worker serves other connections meanwhile) and the audit's
 * sync thread resumes it; MHD then calls on_request again and the response is queued. */
typedef struct request {
    server *srv;
    struct MHD_Connection *conn;
    char *target;
    sgn_buf body;
    int started;
    int body_seen;   /* the body is being read (not answered early) */
    int too_large;
    int handled;     /* resp is filled */
    int durable;     /* the audit line is durable, or its sync failed (sync_error) */
    int suspended;   /* waiting for durable */
    int sync_error;
    int orphaned;    /* completed (daemon stopped) while parked: on_durable frees it */
    char event[64];
    sv_response resp;
} request;

static void close_handle(void *p)
{
    sgn_authority_close(p);
}

static sgn_authority *thread_handle(void *ctx, sgn_error *err)
{
    server *srv = ctx;
    sgn_authority *a = pthread_getspecific(srv->handle_key);

    if (a == NULL) {
        if (sgn_authority_open(&a, srv->store_dir, NULL, err) < 0)
            return NULL;
        if (pthread_setspecific(srv->handle_key, a) != 0) {
            sgn_authority_close(a);
            sgn_error_set(err, SGN_ENOMEM, "cannot keep the worker's store handle");
            return NULL;
        }
    }
    return a;
}

static int authenticate(void *ctx, sgn_authority *a, const sgn_sigv4_request *req,
                        sv_identity *who, sgn_error *err)
{
    sgn_sigv4_verified v;
    sgn_caller caller;
    int rc;

    (void)ctx;
    memset(&v, 0, sizeof(v));
    /* Region: the store's; service: "signer" whatever the Host (data-, verification.). */
    rc = sgn_sigv4_verify(req, sgn_authority_region(a), "signer", sgn_authority_now(a),
                          sgn_authority_lookup_access_key, a, &v, err);
    if (rc < 0)
        return rc;
    snprintf(who->access_key_id, sizeof(who->access_key_id), "%s", v.access_key_id);
    snprintf(who->account_id, sizeof(who->account_id), "%s", v.account_id);
    snprintf(who->principal, sizeof(who->principal), "%s", v.principal);
    caller.account = v.account_id;
    caller.principal = v.principal;
    return sgn_authority_set_caller(a, &caller, err);
}

static void *on_uri(void *cls, const char *uri, struct MHD_Connection *c)
{
    server *srv = cls;
    request *r = calloc(1, sizeof(*r));

    (void)c;
    atomic_fetch_add(&srv->inflight, 1);
    if (r != NULL)
        r->srv = srv;
    if (r != NULL && (r->target = strdup(uri)) == NULL) {
        free(r);
        r = NULL;
    }
    return r;
}

static void request_free(request *r)
{
    free(r->target);
    sgn_buf_free(&r->body);
    sv_response_free(&r->resp);
    free(r);
}

static void on_completed(void *cls, struct MHD_Connection *c, void **con_cls,
                         enum MHD_RequestTerminationCode toe)
{
    server *srv = cls;
    request *r = *con_cls;
    int parked = 0;

    (void)c;
    (void)toe;
    if (r != NULL) {
        /* Only MHD_stop_daemon ends a parked request; the sync thread still holds it. */
        pthread_mutex_lock(&srv->park);
        parked = r->resp.audit_pending && !r->durable;
        r->orphaned = parked;
        pthread_mutex_unlock(&srv->park);
        if (!parked)
            request_free(r);
        *con_cls = NULL;
    }
    atomic_fetch_sub(&srv->inflight, 1);
}

typedef struct header_vec {
    sgn_kv items[128];
    size_t n;
} header_vec;

static enum MHD_Result collect_header(void *cls, enum MHD_ValueKind kind, const char *key,
                                      const char *value)
{
    header_vec *h = cls;

    (void)kind;
    if (h->n < sizeof(h->items) / sizeof(h->items[0])) {
        h->items[h->n].key = (char *)key;
        h->items[h->n].value = (char *)(value ? value : "");
        h->n++;
    }
    return MHD_YES;
}

static enum MHD_Result queue(struct MHD_Connection *c, sv_response *resp)
{
    struct MHD_Response *mr;
    enum MHD_Result ok;
    char retry[16];

    mr = MHD_create_response_from_buffer(resp->body_len, resp->body ? resp->body : (char *)"",
                                         resp->body ? MHD_RESPMEM_MUST_FREE
                                                    : MHD_RESPMEM_PERSISTENT);
    if (mr == NULL) {
        sv_response_free(resp);
        return MHD_NO;
    }
    resp->body = NULL;   /* MHD owns it now */
    MHD_add_response_header(mr, "Content-Type", "application/json");
    MHD_add_response_header(mr, "x-amzn-RequestId", resp->request_id);
    if (resp->error_type[0] != '\0')
        MHD_add_response_header(mr, "x-amzn-ErrorType", resp->error_type);
    if (resp->retry_after > 0) {
        snprintf(retry, sizeof(retry), "%d", resp->retry_after);
        MHD_add_response_header(mr, "Retry-After", retry);
    }
    ok = MHD_queue_response(c, resp->status, mr);
    MHD_destroy_response(mr);
    return ok;
}

static void client_ip(struct MHD_Connection *c, char *out, size_t n)
{
    const union MHD_ConnectionInfo *ci =
        MHD_get_connection_info(c, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
    const struct sockaddr *sa = ci ? ci->client_addr : NULL;

    out[0] = '\0';
    if (sa == NULL)
        return;
    if (sa->sa_family == AF_INET)
        inet_ntop(AF_INET, &((const struct sockaddr_in *)sa)->sin_addr, out, (socklen_t)n);
    else if (sa->sa_family == AF_INET6)
        inet_ntop(AF_INET6, &((const struct sockaddr_in6 *)sa)->sin6_addr, out, (socklen_t)n);
}

/* From the audit's sync thread. */
static void on_durable(void *ctx, int error)
{
    request *r = ctx;

    pthread_mutex_lock(&r->srv->park);
    if (r->orphaned) {
        pthread_mutex_unlock(&r->srv->park);
        request_free(r);
        return;
    }
    r->durable = 1;
    r->sync_error = error;
    if (r->suspended)
        MHD_resume_connection(r->conn);
    pthread_mutex_unlock(&r->srv->park);
}

/* Queue the handled response once its audit line is durable; until then park the connection.
 * Runs on the connection's worker (first after sv_handle, then after the resume). */
static enum MHD_Result answer(request *r, struct MHD_Connection *c)
{
    int durable;

    pthread_mutex_lock(&r->srv->park);
    durable = !r->resp.audit_pending || r->durable;
    r->suspended = !durable;
    if (!durable)
        MHD_suspend_connection(c);
    pthread_mutex_unlock(&r->srv->park);
    if (!durable)
        return MHD_YES;
    if (r->resp.audit_pending && r->sync_error != 0)
        sv_respond_audit_failed(&r->resp, r->event, r->sync_error);
    r->resp.audit_pending = 0;
    return queue(c, &r->resp);
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *c, const char *url,
                                  const char *method, const char *version,
                                  const char *upload_data, size_t *upload_data_size,
                                  void **con_cls)
{
    server *srv = cls;
    request *r = *con_cls;
    header_vec *hv;
    sv_request req;
    sv_response resp;
    char ip[INET6_ADDRSTRLEN];

    (void)url;
    (void)version;
    if (r == NULL) {
        sgn_error e = SGN_ERROR_INIT;

        sgn_error_set(&e, SGN_ENOMEM, "out of memory");
        memset(&resp, 0, sizeof(resp));
        sv_respond_error(&resp, &e);
        return queue(c, &resp);
    }
    if (r->handled)
        return answer(r, c);   /* resumed: the audit line is durable */
    if (!r->started) {
        const char *cl = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Content-Length");

        r->started = 1;
        if (cl != NULL && strtoull(cl, NULL, 10) > SV_MAX_BODY)
            r->too_large = 1;
        if (!r->too_large) {
            r->body_seen = 1;
            return MHD_YES;
        }
    }
    if (*upload_data_size > 0 && r->body_seen) {
        /* A chunked body that outgrew the limit: MHD cannot answer in the middle of an upload,
         * so the rest is read and dropped (memory stays bounded) and 413 follows at its end. */
        sgn_error e = SGN_ERROR_INIT;

        if (r->body.len + *upload_data_size > SV_MAX_BODY) {
            r->too_large = 1;
            sgn_buf_free(&r->body);
        } else if (!r->too_large &&
                   sgn_buf_append(&r->body, upload_data, *upload_data_size, &e) < 0) {
            return MHD_NO;
        }
        *upload_data_size = 0;
        return MHD_YES;
    }
    /* Complete, or too large by its Content-Length: answered before any of the body is read
     * (MHD then closes the connection instead of reading it). */
    if ((hv = calloc(1, sizeof(*hv))) == NULL)
        return MHD_NO;
    MHD_get_connection_values(c, MHD_HEADER_KIND, collect_header, hv);
    client_ip(c, ip, sizeof(ip));
    memset(&req, 0, sizeof(req));
    req.method = method;
    req.target = r->target;
    req.headers = hv->items;
    req.n_headers = hv->n;
    req.body = r->body.data;
    req.body_len = r->too_large ? 0 : r->body.len;
    req.body_too_large = r->too_large;
    req.source_ip = ip;
    req.on_durable = on_durable;
    req.durable_ctx = r;
    r->conn = c;
    sv_handle(&srv->svc, &req, &r->resp);
    free(hv);
    r->handled = 1;
    snprintf(r->event, sizeof(r->event), "%s %s", method, r->target);
    return answer(r, c);
}

static int is_loopback(const struct sockaddr *sa)
{
    if (sa->sa_family == AF_INET)
        return (ntohl(((const struct sockaddr_in *)sa)->sin_addr.s_addr) >> 24) == 127;
    if (sa->sa_family == AF_INET6) {
        const struct in6_addr *a6 = &((const struct sockaddr_in6 *)sa)->sin6_addr;

        return IN6_IS_ADDR_LOOPBACK(a6) ||
               (IN6_IS_ADDR_V4MAPPED(a6) && a6->s6_addr[12] == 127);
    }
    return 0;
}

static int resolve(struct sockaddr_storage *ss, const char *host, unsigned port, sgn_error *err)
{
    struct addrinfo hints, *res = NULL;
    char portstr[8];
    int gai;

    memset(&hints, 0, sizeof(hints));
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    hints.ai_flags = AI_PASSIVE | AI_NUMERICSERV;
    snprintf(portstr, sizeof(portstr), "%u", port);
    if ((gai = getaddrinfo(host, portstr, &hints, &res)) != 0)
        return sgn_error_set(err, SGN_EINVALID, "cannot resolve the listen address %s: %s", host,
                             gai_strerror(gai));
    memset(ss, 0, sizeof(*ss));
    memcpy(ss, res->ai_addr, res->ai_addrlen);
    freeaddrinfo(res);
    return SGN_OK;
}

static int write_port_file(const char *path, unsigned port, sgn_error *err)
{
    char text[16];
    int n = snprintf(text, sizeof(text), "%u\n", port);

    return sgn_write_file_atomic(path, text, (size_t)n, 0644, err);
}

static void sleep_ms(long ms)
{
    struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};

    while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
        ;
}

int sv_serve(const sv_serve_opts *o, sgn_error *err)
{
    server srv;
    struct sockaddr_storage ss;
    struct MHD_Daemon *d = NULL;
    sgn_buf cert = SGN_BUF_INIT, key = SGN_BUF_INIT;
    sigset_t sigs;
    unsigned threads = o->threads, port;
    unsigned int flags = MHD_USE_AUTO_INTERNAL_THREAD | MHD_USE_ITC | MHD_USE_ERROR_LOG |
                         MHD_ALLOW_SUSPEND_RESUME;
    const union MHD_DaemonInfo *info;
    int tls = o->tls_cert != NULL, rc, sig = 0, key_created = 0;
    long waited = 0;

    memset(&srv, 0, sizeof(srv));
    pthread_mutex_init(&srv.park, NULL);
    pthread_mutex_init(&srv.writes, NULL);
    srv.svc.write_lock = &srv.writes;
    jobs_group.writes = &srv.writes;
    if ((o->tls_cert == NULL) != (o->tls_key == NULL))
        return sgn_error_set(err, SGN_EINVALID, "--tls-cert and --tls-key go together");
    if ((rc = resolve(&ss, o->host ? o->host : SV_DEFAULT_HOST, o->port, err)) < 0)
        return rc;
    if (!tls && !is_loopback((struct sockaddr *)&ss))
        return sgn_error_set(err, SGN_EINVALID,
                             "refusing plain HTTP on the non-loopback address %s: requests and "
                             "answers (signatures, session tokens) would cross the network "
                             "unprotected; give --tls-cert FILE --tls-key FILE, or listen on "
                             "127.0.0.1",
                             o->host);
    if (tls) {
        if (MHD_is_feature_supported(MHD_FEATURE_TLS) != MHD_YES)
            return sgn_error_set(err, SGN_EUNSUPPORTED,
                                 "TLS was asked for (--tls-cert) but the libmicrohttpd this "
                                 "program uses was built without TLS (GnuTLS) support");
        if ((rc = sgn_read_file(&cert, o->tls_cert, 1 << 20, err)) < 0 ||
            (rc = sgn_read_file(&key, o->tls_key, 1 << 20, err)) < 0)
            goto out;
        flags |= MHD_USE_TLS;
    }
    if (ss.ss_family == AF_INET6)
        flags |= MHD_USE_IPv6;
    if (threads == 0) {
        long n = sysconf(_SC_NPROCESSORS_ONLN);

        threads = n > 0 ? (unsigned)n : 1;
    }
    if ((rc = sv_audit_open(&srv.svc.audit, o->audit_log, err)) < 0)
        goto out;
    if (o->quota_rps > 0 && (rc = sv_quota_new(&srv.svc.quota, o->quota_rps, err)) < 0)
        goto out;
    if (pthread_key_create(&srv.handle_key, close_handle) != 0) {
        rc = sgn_error_set(err, SGN_ENOMEM, "cannot create the worker handle key");
        goto out;
    }
    key_created = 1;
    srv.store_dir = sgn_authority_dir(o->store);
    srv.svc.routes = sv_routes;
    srv.svc.n_routes = sv_n_routes;
    srv.svc.ops = sv_operations;
    srv.svc.n_ops = sv_n_operations;
    srv.svc.authenticate = authenticate;
    srv.svc.handle = thread_handle;
    srv.svc.ctx = &srv;
    srv.svc.region = sgn_authority_region(o->store);
    srv.svc.account = sgn_authority_account(o->store);
    srv.svc.version = o->version;
    srv.svc.audit_reads_async = o->audit_reads_async;
    atomic_init(&srv.inflight, 0);

    /* Workers inherit this mask: only the main thread sees SIGTERM and SIGINT. */
    sigemptyset(&sigs);
    sigaddset(&sigs, SIGTERM);
    sigaddset(&sigs, SIGINT);
    pthread_sigmask(SIG_BLOCK, &sigs, NULL);
    signal(SIGPIPE, SIG_IGN);

    d = MHD_start_daemon(
        flags, 0, NULL, NULL, on_request, &srv, MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&ss,
        MHD_OPTION_URI_LOG_CALLBACK, on_uri, &srv, MHD_OPTION_NOTIFY_COMPLETED, on_completed,
        &srv, MHD_OPTION_THREAD_POOL_SIZE, threads, MHD_OPTION_CONNECTION_TIMEOUT,
        (unsigned)CONNECTION_TIMEOUT_S, MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t)(64 * 1024),
        tls ? MHD_OPTION_HTTPS_MEM_CERT : MHD_OPTION_END, sgn_buf_cstr(&cert),
        MHD_OPTION_HTTPS_MEM_KEY, sgn_buf_cstr(&key), MHD_OPTION_END);
    if (d == NULL) {
        rc = sgn_error_set(err, SGN_EIO,
                           "cannot listen on %s:%u (address in use, no permission, or%s)",
                           o->host ? o->host : SV_DEFAULT_HOST, o->port,
                           tls ? " an unusable TLS certificate or key" : " no such address");
        goto out;
    }
    info = MHD_get_daemon_info(d, MHD_DAEMON_INFO_BIND_PORT);
    port = info ? info->port : o->port;
    fprintf(stderr,
            "signer-local serve: listening on %s://%s%s%s:%u (store %s, region %s, account %s, "
            "%u worker threads, audit %s%s, quota %s)\n",
            tls ? "https" : "http", ss.ss_family == AF_INET6 ? "[" : "",
            o->host ? o->host : SV_DEFAULT_HOST, ss.ss_family == AF_INET6 ? "]" : "", port,
            srv.store_dir, srv.svc.region, srv.svc.account, threads, o->audit_log,
            o->audit_reads_async ? " (read-only calls not waiting for fdatasync)" : "",
            o->quota_rps > 0 ? "on" : "off");
    fflush(stderr);
    /* Last: a test waiting for the port file finds the startup line already written. */
    if (o->port_file != NULL && (rc = write_port_file(o->port_file, port, err)) < 0)
        goto out;

    while (sigwait(&sigs, &sig) != 0)
        ;
    fprintf(stderr, "signer-local serve: %s: draining %ld request(s) in flight\n",
            sig == SIGINT ? "SIGINT" : "SIGTERM", (long)atomic_load(&srv.inflight));
    {
        MHD_socket ls = MHD_quiesce_daemon(d);

        if (ls != MHD_INVALID_SOCKET)
            close(ls);
    }
    while (atomic_load(&srv.inflight) > 0 && waited < DRAIN_MAX_MS) {
        sleep_ms(10);
        waited += 10;
    }
    if (atomic_load(&srv.inflight) > 0)
        fprintf(stderr, "signer-local serve: %ld request(s) still running after %d s; stopping\n",
                (long)atomic_load(&srv.inflight), DRAIN_MAX_MS / 1000);
    rc = SGN_OK;
out:
    if (d != NULL)
        MHD_stop_daemon(d);   /* joins the workers: their store handles close */
    if (rc == SGN_OK)
        fprintf(stderr, "signer-local serve: stopped\n");
    if (key_created)
        pthread_key_delete(srv.handle_key);
    sv_audit_close(srv.svc.audit);   /* after the daemon: parked requests are resumed */
    pthread_mutex_destroy(&srv.park);
    pthread_mutex_destroy(&srv.writes);
    sv_quota_free(srv.svc.quota);
    sgn_buf_free(&cert);
    sgn_buf_clear_free(&key);
    return rc;
}
