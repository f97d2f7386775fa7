/* verify-signature: trusted identity and revocation (research/aws-signer-plugin.md §4). */
#include <math.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "backend_select.h"
#include "commands.h"
#include "sgn/envelope.h"
#include "sgn/util.h"
#include "sgn/x509.h"

#define MSG_WILDCARD                                                                           \
    SGN_MSG_WILDCARD " Use signing profile ARNs such as "                                      \
                     "\"arn:aws:signer:<region>:<account>:/signing-profiles/<name>\"."
#define MSG_CERT_PARSE "unable to parse certificates in certificate chain."

/* One extended attribute the plugin reads: present in the map, and its value if a string. */
typedef struct vs_attr {
    int present;
    int is_string;
    sgn_buf value;
} vs_attr;

/* map[string]interface{} extendedAttributes, keeping only the two attributes the plugin reads */
typedef struct vs_extended {
    int set;
    vs_attr profile_version;
    vs_attr signing_job;
} vs_extended;

/* plugin.VerifySignatureRequest */
typedef struct vs_request {
    sgn_buf contract_version;
    struct vs_signature {
        struct vs_critical {
            sgn_buf content_type;
            sgn_buf signing_scheme;
            pl_time expiry;
            pl_time authentic_signing_time;
            vs_extended extended;
        } critical;
        int unprocessed_set;
        pl_byteslist chain;
    } signature;
    struct vs_trust_policy {
        pl_strlist trusted_identities;
        pl_strlist signature_verification;
    } trust_policy;
    pl_config config;
} vs_request;

static void extended_clear(vs_extended *x)
{
    sgn_buf_free(&x->profile_version.value);
    sgn_buf_free(&x->signing_job.value);
    memset(x, 0, sizeof(*x));
}

/* Go decodes interface{} numbers as float64 and fails on one that overflows. */
static int numbers_fit_float64(const cJSON *v)
{
    const cJSON *e;

    if (cJSON_IsNumber(v))
        return !isinf(v->valuedouble);
    for (e = v->child; e != NULL; e = e->next) /* nesting is bounded by cJSON's limit */
        if (!numbers_fit_float64(e))
            return 0;
    return 1;
}

static int decode_extended(void *target, const cJSON *v)
{
    vs_extended *x = target;
    const cJSON *m;
    int rc = SGN_OK;

    if (cJSON_IsNull(v)) {
        extended_clear(x);
        return SGN_OK;
    }
    /* interface{} values: anything goes, except numbers that overflow a float64 */
    if (!cJSON_IsObject(v) || !numbers_fit_float64(v))
        return SGN_EINVALID;
    x->set = 1;
    for (m = v->child; rc == SGN_OK && m != NULL; m = m->next) {
        vs_attr *a = NULL;
        if (strcmp(m->string, SGN_ATTR_PROFILE_VERSION) == 0)
            a = &x->profile_version;
        else if (strcmp(m->string, SGN_ATTR_SIGNING_JOB) == 0)
            a = &x->signing_job;
        if (a == NULL)
            continue;
        a->present = 1;
        a->is_string = cJSON_IsString(m);
        a->value.len = 0;
        if (a->is_string)
            rc = sgn_buf_puts(&a->value, m->valuestring, NULL);
    }
    return rc;
}

static const pl_field critical_fields[] = {
    {"contentType", pl_decode_string, offsetof(struct vs_critical, content_type)},
    {"signingScheme", pl_decode_string, offsetof(struct vs_critical, signing_scheme)},
    {"expiry", pl_decode_time, offsetof(struct vs_critical, expiry)},
    {"authenticSigningTime", pl_decode_time, offsetof(struct vs_critical, authentic_signing_time)},
    {"extendedAttributes", decode_extended, offsetof(struct vs_critical, extended)},
};

static int decode_critical(void *target, const cJSON *v)
{
    return pl_decode_struct(target, critical_fields,
                            sizeof(critical_fields) / sizeof(critical_fields[0]), v);
}

static const pl_field signature_fields[] = {
    {"criticalAttributes", decode_critical, offsetof(struct vs_signature, critical)},
    {"unprocessedAttributes", pl_decode_strlist_nilness,
     offsetof(struct vs_signature, unprocessed_set)},
    {"certificateChain", pl_decode_byteslist, offsetof(struct vs_signature, chain)},
};

static int decode_signature(void *target, const cJSON *v)
{
    return pl_decode_struct(target, signature_fields,
                            sizeof(signature_fields) / sizeof(signature_fields[0]), v);
}

static const pl_field trust_policy_fields[] = {
    {"trustedIdentities", pl_decode_strlist, offsetof(struct vs_trust_policy, trusted_identities)},
    {"signatureVerification", pl_decode_strlist,
     offsetof(struct vs_trust_policy, signature_verification)},
};

static int decode_trust_policy(void *target, const cJSON *v)
{
    return pl_decode_struct(target, trust_policy_fields,
                            sizeof(trust_policy_fields) / sizeof(trust_policy_fields[0]), v);
}

static const pl_field request_fields[] = {
    {"contractVersion", pl_decode_string, offsetof(vs_request, contract_version)},
    {"signature", decode_signature, offsetof(vs_request, signature)},
    {"trustPolicy", decode_trust_policy, offsetof(vs_request, trust_policy)},
    {"pluginConfig", pl_decode_config, offsetof(vs_request, config)},
};

static void request_free(vs_request *q)
{
    sgn_buf_free(&q->contract_version);
    sgn_buf_free(&q->signature.critical.content_type);
    sgn_buf_free(&q->signature.critical.signing_scheme);
    extended_clear(&q->signature.critical.extended);
    pl_byteslist_free(&q->signature.chain);
    pl_strlist_free(&q->trust_policy.trusted_identities);
    pl_strlist_free(&q->trust_policy.signature_verification);
    pl_config_free(&q->config);
}

/* The framework's Validate(): reflect.DeepEqual against zero structs, so an empty but non-nil
 * list or map counts as "set". */
static int validate(const vs_request *q, pl_result *r)
{
    const struct vs_critical *c = &q->signature.critical;
    int critical_zero = c->content_type.len == 0 && c->signing_scheme.len == 0 && !c->expiry.set &&
                        !c->authentic_signing_time.set && !c->extended.set;
    const char *msg = NULL;

    if (q->contract_version.len == 0)
        msg = "contractVersion cannot be empty";
    else if (critical_zero && !q->signature.unprocessed_set && !q->signature.chain.set)
        msg = "signature cannot be empty";
    else if (critical_zero)
        msg = "signature's criticalAttributes cannot be empty";
    else if (c->content_type.len == 0)
        msg = "signature's criticalAttributes's contentType cannot be empty";
    else if (c->signing_scheme.len == 0)
        msg = "signature's criticalAttributes's signingScheme cannot be empty";
    else if (q->signature.chain.n == 0)
        msg = "signature's criticalAttributes's certificateChain cannot be empty";
    else if (!q->trust_policy.trusted_identities.set && !q->trust_policy.signature_verification.set)
        msg = "signature's trustPolicy cannot be empty";
    else if (q->trust_policy.signature_verification.n == 0)
        msg = "signature's trustPolicy's signatureVerification cannot be empty";
    if (msg != NULL)
        return pl_fail(r, SGN_EINVALID, PL_MSG_MALFORMED ": %s", msg);
    return SGN_OK;
}

/* getValueAsString: the attribute must be present with a string value. */
static int get_attr(sgn_span *out, const vs_attr *a, const char *name, pl_result *r)
{
    if (!a->present || !a->is_string)
        return pl_fail(r, SGN_EINVALID, "unable to parse attribute \"%s\".", name);
    *out = pl_span(&a->value);
    return SGN_OK;
}

static int contains(const sgn_span *list, size_t n, const char *s)
{
    size_t i;

    for (i = 0; i < n; i++)
        if (sgn_span_eq(list[i], s))
            return 1;
    return 0;
}

/* The Go plugin's validate(), in its order. */
static int check_request(const vs_request *q, const sgn_span *ids, size_t n_ids,
                         const sgn_span *caps, size_t n_caps, pl_result *r)
{
    const struct vs_critical *c = &q->signature.critical;
    size_t i;
    int rc;

    if ((rc = pl_check_contract(r, pl_span(&q->contract_version))) < 0)
        return rc;
    if (sgn_identity_has_wildcard(ids, n_ids))
        return pl_fail(r, SGN_EINVALID, "%s", MSG_WILDCARD);
    for (i = 0; i < n_caps; i++)
        if (!sgn_identity_capability_supported(caps[i]))
            return pl_fail_span(r, SGN_EINVALID, "'", caps[i],
                                "' is not a supported plugin capability");
    /* Go dereferences a nil authenticSigningTime and panics; absent is an error here */
    if (!c->authentic_signing_time.set ||
        (c->authentic_signing_time.sec == SGN_TIME_ZERO && c->authentic_signing_time.nsec == 0))
        return pl_fail(r, SGN_EINVALID, "missing authenticSigningTime");
    if (!sgn_identity_equal_fold(pl_span(&c->signing_scheme),
                                 sgn_span_cstr(SGN_SCHEME_SIGNING_AUTHORITY)))
        return pl_fail_span(r, SGN_EINVALID, "'", pl_span(&c->signing_scheme),
                            "' signing scheme is not supported");
    return SGN_OK;
}

static int add_result(cJSON *results, const char *cap, int success, const char *reason)
{
    cJSON *o = cJSON_CreateObject();

    if (o == NULL || !cJSON_AddBoolToObject(o, "success", success) ||
        (reason != NULL && reason[0] != '\0' && !cJSON_AddStringToObject(o, "reason", reason)) ||
        !cJSON_AddItemToObject(results, cap, o)) {
        cJSON_Delete(o);
        return SGN_ENOMEM;
    }
    return SGN_OK;
}

static int check_trusted_identity(pl_ctx *ctx, const vs_request *q, const sgn_span *ids,
                                  size_t n_ids, cJSON *results, pl_result *r)
{
    sgn_identity_result res = {0, -1, NULL};
    sgn_error err = SGN_ERROR_INIT;
    sgn_span sig;
    int rc;

    if ((rc = get_attr(&sig, &q->signature.critical.extended.profile_version,
                       SGN_ATTR_PROFILE_VERSION, r)) < 0)
        return rc;
    if ((rc = sgn_identity_check(&res, sig, ids, n_ids, &err)) < 0)
        return pl_fail_error(r, &err);
    pl_log_debug(ctx->log, "trusted identity: %s", res.reason);
    if (add_result(results, SGN_CAP_TRUSTED_IDENTITY, res.success, res.reason) < 0)
        rc = pl_fail(r, SGN_ENOMEM, "out of memory");
    sgn_identity_result_free(&res);
    return rc;
}

/* The reason for a GetRevocationStatus call that failed: the Go plugin prints the SDK error,
 * which for an AWS API error reads "operation error signer: GetRevocationStatus, https response
 * error StatusCode: <n>, RequestID: <id>, <Code>: <message>". An answer without a message has
 * its code as the message (smithy's ErrorMessage()); the code is then said once, not twice. */
static int revocation_call_failed(sgn_buf *reason, const sgn_error *err)
{
    int rc = sgn_buf_puts(reason, "GetRevocationStatus call failed with error: ", NULL);
    int no_msg = err->msg[0] == '\0' || strcmp(err->msg, err->svc_code) == 0;

    if (rc < 0)
        return rc;
    if (err->svc_code[0] != '\0' && err->request_id[0] != '\0')
        return sgn_buf_printf(reason, NULL,
                              "operation error signer: GetRevocationStatus, https response error "
                              "StatusCode: %d, RequestID: %s, %s%s%s",
                              err->http_status, err->request_id, err->svc_code,
                              no_msg ? " (no message)" : ": ", no_msg ? "" : err->msg);
    if (err->svc_code[0] != '\0')
        return sgn_buf_printf(reason, NULL, "%s%s%s", err->svc_code,
                              no_msg ? " (no message)" : ": ", no_msg ? "" : err->msg);
    return sgn_buf_puts(reason, err->msg, NULL);
}

/* The GetRevocationStatus input, as the Go plugin's SDK debug log would show it (no secrets in
 * it: ARNs, a time and certificate hashes). */
static void log_query(pl_ctx *ctx, const pl_backend_plan *plan, int64_t when,
                      sgn_span profile_version, sgn_span job, const sgn_strlist *hashes)
{
    sgn_buf list = SGN_BUF_INIT;
    char ts[32];
    size_t i;

    if (ctx->log == NULL || ctx->log->f == NULL)
        return;
    for (i = 0; i < hashes->len; i++)
        if (sgn_buf_printf(&list, NULL, "%s%s", i ? "," : "", hashes->items[i]) < 0)
            break;
    sgn_time_format_rfc3339(ts, when);
    pl_log_debug(ctx->log,
                 "calling GetRevocationStatus on the %s: signatureTimestamp=%s platformId=%s "
                 "profileVersionArn=%.*s jobArn=%.*s certificateHashes=[%s]",
                 pl_backend_name(plan), ts, SGN_PLATFORM_NOTATION, (int)profile_version.len,
                 profile_version.ptr, (int)job.len, job.ptr, sgn_buf_cstr(&list));
    sgn_buf_free(&list);
}

static int check_revocation(pl_ctx *ctx, const vs_request *q, cJSON *results, pl_result *r)
{
    const struct vs_critical *c = &q->signature.critical;
    const pl_byteslist *chain = &q->signature.chain;
    const unsigned char **ders = NULL;
    size_t *lens = NULL, i;
    sgn_strlist hashes = SGN_STRLIST_INIT, revoked = SGN_STRLIST_INIT;
    sgn_span profile_version, job;
    sgn_revocation_query query;
    pl_backend_plan plan;
    sgn_backend *backend = NULL;
    sgn_buf failure = SGN_BUF_INIT;
    sgn_error err = SGN_ERROR_INIT;
    char *reason = NULL;
    int rc, is_revoked = 0, success;

    pl_openssl_prepare();
    if ((rc = get_attr(&profile_version, &c->extended.profile_version, SGN_ATTR_PROFILE_VERSION,
                       r)) < 0 ||
        (rc = get_attr(&job, &c->extended.signing_job, SGN_ATTR_SIGNING_JOB, r)) < 0)
        return rc;
    ders = calloc(chain->n, sizeof(*ders));
    lens = calloc(chain->n, sizeof(*lens));
    if (ders == NULL || lens == NULL) {
        rc = pl_fail(r, SGN_ENOMEM, "out of memory");
        goto out;
    }
    for (i = 0; i < chain->n; i++) {
        ders[i] = chain->items[i].data ? chain->items[i].data : (const unsigned char *)"";
        lens[i] = chain->items[i].len;
    }
    if (sgn_x509_chain_hashes(&hashes, ders, lens, chain->n, &err) < 0) {
        rc = err.code == SGN_EINVALID ? pl_fail(r, SGN_EINVALID, MSG_CERT_PARSE)
                                      : pl_fail_error(r, &err);
        goto out;
    }

    pl_backend_choose(&plan, &q->config, profile_version);
    log_query(ctx, &plan, c->authentic_signing_time.sec, profile_version, job, &hashes);
    if (sgn_span_has_nul(profile_version) || sgn_span_has_nul(job)) {
        /* such ARNs cannot be sent; AWS Signer would reject them, so fail closed the same way */
        rc = sgn_error_set(&err, SGN_EINVALID, "the signature's ARNs contain a NUL character");
    } else if ((rc = pl_backend_open(&backend, &plan, &q->config, ctx, &err)) < 0) {
        /* no local store is a failed call, as a missing store found on first use always was;
         * anything else is like the Go plugin's client creation failure */
        if (rc != SGN_ENOTFOUND || plan.kind != PL_BACKEND_LOCAL) {
            rc = pl_fail_error(r, &err);
            goto out;
        }
    } else {
        memset(&query, 0, sizeof(query));
        query.signature_timestamp = c->authentic_signing_time.sec;
        query.signature_timestamp_nsec = c->authentic_signing_time.nsec;
        query.platform_id = SGN_PLATFORM_NOTATION;
        query.profile_version_arn = profile_version.ptr;
        query.job_arn = job.ptr;
        query.certificate_hashes = (const char *const *)hashes.items;
        query.n_certificate_hashes = hashes.len;
        rc = sgn_backend_get_revocation_status(backend, &query, &revoked, &err);
    }
    if (rc < 0) {
        /* not a plugin error: the Go plugin reports a failed call as an unsuccessful check */
        if (revocation_call_failed(&failure, &err) < 0) {
            rc = pl_fail(r, SGN_ENOMEM, "out of memory");
            goto out;
        }
        success = 0;
        reason = sgn_buf_detach(&failure, NULL);
    } else {
        sgn_error_clear(&err);
        if (sgn_identity_revocation_reason(&reason, &is_revoked,
                                           (const char *const *)revoked.items, revoked.len,
                                           &err) < 0) {
            rc = pl_fail_error(r, &err);
            goto out;
        }
        success = !is_revoked;
    }
    if (reason == NULL) {
        rc = pl_fail(r, SGN_ENOMEM, "out of memory");
        goto out;
    }
    pl_log_debug(ctx->log, "revocation: %s", reason);
    rc = add_result(results, SGN_CAP_REVOCATION_CHECK, success, reason);
    if (rc < 0)
        pl_fail(r, SGN_ENOMEM, "out of memory");
out:
    free(reason);
    sgn_buf_free(&failure);
    sgn_backend_free(backend);
    sgn_strlist_free(&hashes);
    sgn_strlist_free(&revoked);
    free(ders);
    free(lens);
    return rc;
}

int pl_cmd_verify_signature(pl_ctx *ctx, pl_result *r)
{
    static const char *const processed[] = {SGN_ATTR_PROFILE_VERSION, SGN_ATTR_SIGNING_JOB};
    vs_request q;
    cJSON *root = NULL;
    sgn_span *ids = NULL, *caps = NULL;
    sgn_error err = SGN_ERROR_INIT;
    cJSON *o = NULL, *results, *ti = NULL, *rev = NULL;
    size_t n_ids, n_caps;
    int rc;

    memset(&q, 0, sizeof(q));
    if ((rc = pl_read_request(&root, r)) < 0)
        goto out;
    if ((rc = pl_decode_struct(&q, request_fields,
                               sizeof(request_fields) / sizeof(request_fields[0]), root)) < 0) {
        rc = rc == SGN_EINVALID ? pl_fail(r, SGN_EINVALID, "%s", PL_MSG_MALFORMED)
                                : pl_fail(r, rc, "out of memory");
        goto out;
    }
    cJSON_Delete(root);
    root = NULL;
    if ((rc = validate(&q, r)) < 0)
        goto out;
    n_ids = q.trust_policy.trusted_identities.n;
    n_caps = q.trust_policy.signature_verification.n;
    if ((rc = pl_strlist_spans(&ids, &q.trust_policy.trusted_identities, &err)) < 0 ||
        (rc = pl_strlist_spans(&caps, &q.trust_policy.signature_verification, &err)) < 0) {
        rc = pl_fail_error(r, &err);
        goto out;
    }
    pl_log_debug(ctx->log,
                 "verify-signature: %zu certificates, %zu trusted identities, %zu capabilities, "
                 "pluginConfig keys=%zu",
                 q.signature.chain.n, n_ids, n_caps, q.config.n_keys);
    if ((rc = check_request(&q, ids, n_ids, caps, n_caps, r)) < 0)
        goto out;

    /* results are added in Go's sorted-key order after both checks have run */
    if ((ti = cJSON_CreateObject()) == NULL || (rev = cJSON_CreateObject()) == NULL) {
        rc = pl_fail(r, SGN_ENOMEM, "out of memory");
        goto out;
    }
    if (contains(caps, n_caps, SGN_CAP_TRUSTED_IDENTITY) &&
        (rc = check_trusted_identity(ctx, &q, ids, n_ids, ti, r)) < 0)
        goto out;
    if (contains(caps, n_caps, SGN_CAP_REVOCATION_CHECK) &&
        (rc = check_revocation(ctx, &q, rev, r)) < 0)
        goto out;

    o = cJSON_CreateObject();
    results = o ? cJSON_AddObjectToObject(o, "verificationResults") : NULL;
    if (results == NULL ||
        !cJSON_AddItemToObject(o, "processedAttributes", cJSON_CreateStringArray(processed, 2))) {
        rc = pl_fail(r, SGN_ENOMEM, "out of memory");
        goto out;
    }
    if (rev->child != NULL)
        cJSON_AddItemToObject(results, SGN_CAP_REVOCATION_CHECK,
                              cJSON_DetachItemFromObject(rev, SGN_CAP_REVOCATION_CHECK));
    if (ti->child != NULL)
        cJSON_AddItemToObject(results, SGN_CAP_TRUSTED_IDENTITY,
                              cJSON_DetachItemFromObject(ti, SGN_CAP_TRUSTED_IDENTITY));
    r->json = o;
    o = NULL;
    rc = SGN_OK;
out:
    cJSON_Delete(o);
    cJSON_Delete(ti);
    cJSON_Delete(rev);
    free(ids);
    free(caps);
    request_free(&q);
    cJSON_Delete(root);
    return rc;
}
