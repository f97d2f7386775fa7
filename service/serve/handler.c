/* One request, from the raw target to the response, with no socket in sight: the daemon
 * (server.c) and the unit tests (a fake authentication and operation table) both call
 * sv_handle. Order: health; route (404 UnknownOperationException); body limit (413);
 * authentication (403 ...); quota (429); input (400); the operation; the audit line, durable
 * before the response exists (500 when it cannot be written). */
#include "serve.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "sgn/util.h"

static int64_t wall_ms(const sv_service *s)
{
    struct timespec ts;

    if (s->clock_ms != NULL)
        return s->clock_ms();
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static const char *header(const sv_request *req, const char *name)
{
    size_t i;

    for (i = 0; i < req->n_headers; i++)
        if (strcasecmp(req->headers[i].key, name) == 0)
            return req->headers[i].value;
    return NULL;
}

static const sv_operation *find_op(const sv_service *s, const char *name)
{
    size_t i;

    for (i = 0; i < s->n_ops; i++)
        if (strcmp(s->ops[i].name, name) == 0)
            return &s->ops[i];
    return NULL;
}

/* The access key id an Authorization header names, for the audit line of a refused call
 * (the id is not a secret; nothing else of the header is kept). */
static void presented_key(const sv_request *req, sv_identity *who)
{
    const char *auth = header(req, "Authorization"), *p;
    size_t n;

    if (who->access_key_id[0] != '\0' || auth == NULL || (p = strstr(auth, "Credential=")) == NULL)
        return;
    p += strlen("Credential=");
    n = strcspn(p, "/, ");
    if (n >= sizeof(who->access_key_id))
        n = sizeof(who->access_key_id) - 1;
    memcpy(who->access_key_id, p, n);
    who->access_key_id[n] = '\0';
}

static void health(const sv_service *s, sv_response *resp)
{
    cJSON *o = cJSON_CreateObject();
    sgn_error err = SGN_ERROR_INIT;

    if (o == NULL || cJSON_AddStringToObject(o, "status", "ok") == NULL ||
        cJSON_AddStringToObject(o, "service", "signer-local") == NULL ||
        cJSON_AddStringToObject(o, "version", s->version ? s->version : "") == NULL ||
        cJSON_AddStringToObject(o, "region", s->region ? s->region : "") == NULL ||
        sv_respond_ok(resp, o, &err) < 0) {
        sgn_error_set(&err, SGN_ENOMEM, "out of memory");
        sv_respond_error(resp, &err);
    }
    cJSON_Delete(o);
}

static void log_internal(const sv_response *resp, const char *op, const sgn_error *err)
{
    /* Only local failures are logged (messages never hold secrets: error.h). */
    if (err->svc_code[0] == '\0' && resp->status >= 500)
        fprintf(stderr, "signer-local serve: request %s (%s): %s\n", resp->request_id,
                op ? op : "-", err->msg[0] ? err->msg : sgn_code_name(err->code));
}

void sv_handle(const sv_service *s, const sv_request *req, sv_response *resp)
{
    sgn_error err = SGN_ERROR_INIT, aerr = SGN_ERROR_INIT, in_err = SGN_ERROR_INIT;
    sv_match m = {0};
    sv_identity who;
    sv_audit_event ev;
    const sv_operation *op = NULL;
    sgn_sigv4_request sreq;
    sgn_authority *a = NULL;
    cJSON *in = NULL, *out = NULL, *rec = NULL;
    const char *q;
    char *path = NULL;
    int rc, in_rc, no_wait;

    memset(resp, 0, sizeof(*resp));
    memset(&who, 0, sizeof(who));
    if (sgn_random_uuid(resp->request_id, &err) < 0)
        snprintf(resp->request_id, sizeof(resp->request_id), "00000000-0000-4000-8000-%012x", 0);
    q = strchr(req->target, '?');
    if ((path = strndup(req->target, q ? (size_t)(q - req->target) : strlen(req->target))) ==
        NULL) {
        rc = sgn_error_set(&err, SGN_ENOMEM, "out of memory");
        goto respond;
    }
    q = q ? q + 1 : "";
    if (strcmp(path, SV_HEALTH_PATH) == 0 &&
        (strcmp(req->method, "GET") == 0 || strcmp(req->method, "HEAD") == 0)) {
        health(s, resp);
        free(path);
        return;
    }
    if ((rc = sv_route_match(&m, s->routes, s->n_routes, req->method, path, &err)) < 0)
        goto respond;
    op = find_op(s, m.route->operation);
    if (req->body_too_large) {
        rc = sv_error(&err, "RequestEntityTooLargeException",
                      "Request entity too large: the body exceeds %u bytes", SV_MAX_BODY);
        goto respond;
    }
    /* The input is built before authentication so that a refused call's audit line names
     * what it asked for; its errors are answered only after authentication and quota. */
    in_rc = sv_build_input(&in, &m, q, (const char *)req->body, req->body_len, &in_err);
    if ((a = s->handle(s->ctx, &err)) == NULL) {
        rc = err.code ? err.code : SGN_EINTERNAL;
        goto respond;
    }
    sreq.method = req->method;
    sreq.path = path;
    sreq.query = q;
    sreq.headers = req->headers;
    sreq.n_headers = req->n_headers;
    sreq.body = req->body_len ? req->body : NULL;
    sreq.body_len = req->body_len;
    if ((rc = s->authenticate(s->ctx, a, &sreq, &who, &err)) < 0)
        goto respond;
    if (s->quota != NULL && !sv_quota_take(s->quota, who.account_id, sgn_mono_ms())) {
        rc = sv_error(&err, "ThrottlingException", "Rate exceeded");
        goto respond;
    }
    if (op == NULL || op->call == NULL) {
        rc = sv_error(&err, "ValidationException",
                      "%s is not yet supported by signer-local; use SignPayload",
                      m.route->operation);
        goto respond;
    }
    if ((rc = in_rc) < 0) {
        err = in_err;
        goto respond;
    }
    if (s->write_lock != NULL && !m.route->read_only && !op->own_writes) {
        pthread_mutex_lock(s->write_lock);
        rc = op->call(a, in, &out, &err);
        pthread_mutex_unlock(s->write_lock);
    } else {
        rc = op->call(a, in, &out, &err);
    }
respond:
    if (rc >= 0)
        rc = sv_respond_ok(resp, out, &err);
    if (rc < 0) {
        sv_respond_error(resp, &err);
        log_internal(resp, m.route ? m.route->operation : NULL, &err);
    }
    presented_key(req, &who);
    memset(&ev, 0, sizeof(ev));
    ev.event_name = m.route ? m.route->operation : "UnknownOperation";
    ev.time_ms = wall_ms(s);
    ev.region = s->region;
    ev.source_ip = req->source_ip;
    ev.user_agent = header(req, "User-Agent");
    ev.who = &who;
    ev.request = in;
    ev.response = rc >= 0 ? out : NULL;
    ev.read_only = m.route ? m.route->read_only : 1;
    ev.request_id = resp->request_id;
    ev.error_code = resp->error_type;
    ev.error_message = resp->error_message;
    ev.recipient_account = who.account_id[0] ? who.account_id : s->account;
    /* A read-only call with audit_reads_async: written, not waited for. */
    no_wait = s->audit_reads_async && m.route != NULL && m.route->read_only;
    if (s->audit != NULL &&
        (sv_audit_record(&rec, &ev, &aerr) < 0 ||
         (no_wait ? sv_audit_append_async(s->audit, rec, NULL, NULL, &aerr)
          : req->on_durable != NULL
              ? sv_audit_append_async(s->audit, rec, req->on_durable, req->durable_ctx, &aerr)
              : sv_audit_append(s->audit, rec, &aerr)) < 0)) {
        /* No success without its audit line. */
        fprintf(stderr, "signer-local serve: request %s (%s): %s\n", resp->request_id,
                ev.event_name, aerr.msg);
        sv_response_free(resp);
        sgn_error_clear(&aerr);
        sgn_error_set(&aerr, SGN_EIO, "the audit trail could not be written");
        sv_respond_error(resp, &aerr);
    } else if (s->audit != NULL && req->on_durable != NULL && !no_wait) {
        resp->audit_pending = 1;
    }
    cJSON_Delete(rec);
    cJSON_Delete(in);
    cJSON_Delete(out);
    sv_match_free(&m);
    free(path);
}

void sv_respond_audit_failed(sv_response *resp, const char *event_name, int error)
{
    sgn_error e = SGN_ERROR_INIT;
    char rid[sizeof(resp->request_id)];

    fprintf(stderr, "signer-local serve: request %s (%s): cannot sync the audit log: %s\n",
            resp->request_id, event_name ? event_name : "-", strerror(error));
    memcpy(rid, resp->request_id, sizeof(rid));
    sv_response_free(resp);
    sgn_error_set(&e, SGN_EIO, "the audit trail could not be written");
    sv_respond_error(resp, &e);
    memcpy(resp->request_id, rid, sizeof(rid));
}
