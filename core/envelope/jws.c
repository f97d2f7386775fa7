/* application/jose+json: the flattened JWS JSON serialisation notation-core-go reads
 * (research/notation-specs.md §3.3). */
#include <stdlib.h>
#include <string.h>
#include <cjson/cJSON.h>

#include "envelope/envelope_int.h"
#include "sgn/crypto.h"
#include "sgn/util.h"

/* ---- signing ------------------------------------------------------------------------------ */

static int add_string(cJSON *obj, const char *name, const char *value, sgn_error *err)
{
    if (cJSON_AddStringToObject(obj, name, value) == NULL)
        return sgn_error_set(err, SGN_ENOMEM, "out of memory");
    return SGN_OK;
}

static int add_time(cJSON *obj, const char *name, int64_t t, sgn_error *err)
{
    char s[32];

    sgn_time_format_rfc3339(s, t);
    return add_string(obj, name, s, err);
}

/* The protected header, keys in the order AWS Signer emits them. */
static int protected_json(char **out, const sgn_envelope__sign_ctx *c, sgn_error *err)
{
    int rc;
    cJSON *h = cJSON_CreateObject(), *crit = NULL;
    size_t i;

    *out = NULL;
    if (h == NULL) {
        rc = sgn_error_set(err, SGN_ENOMEM, "out of memory");
        goto out;
    }
    if ((rc = add_string(h, "alg", c->jws_alg, err)) < 0 ||
        (rc = add_string(h, "cty", SGN_PAYLOAD_FORMAT_NOTARY, err)) < 0)
        goto out;
    if ((crit = cJSON_AddArrayToObject(h, "crit")) == NULL) {
        rc = sgn_error_set(err, SGN_ENOMEM, "out of memory");
        goto out;
    }
    for (i = 0; i < c->n_crit; i++) {
        cJSON *s = cJSON_CreateString(c->crit[i]);
        if (s == NULL || !cJSON_AddItemToArray(crit, s)) {
            cJSON_Delete(s);
            rc = sgn_error_set(err, SGN_ENOMEM, "out of memory");
            goto out;
        }
    }
    if ((rc = add_string(h, SGN_HDR_SIGNING_SCHEME, c->attrs->signing_scheme, err)) < 0 ||
        (rc = add_time(h, c->authentic ? SGN_HDR_AUTHENTIC_SIGNING_TIME : SGN_HDR_SIGNING_TIME,
                       c->attrs->signing_time, err)) < 0)
        goto out;
    if (c->attrs->expiry != 0 && (rc = add_time(h, SGN_HDR_EXPIRY, c->attrs->expiry, err)) < 0)
        goto out;
    for (i = 0; i < c->attrs->n_extended; i++)
        if ((rc = add_string(h, c->attrs->extended[i].key, c->attrs->extended[i].value, err)) < 0)
            goto out;
    *out = cJSON_PrintUnformatted(h);
    if (*out == NULL)
        rc = sgn_error_set(err, SGN_ENOMEM, "out of memory");
out:
    cJSON_Delete(h);
    return rc;
}

static int jws_sign(sgn_buf *out, const sgn_envelope__sign_ctx *c, sgn_error *err)
{
    int rc;
    char *hdr = NULL, *p64 = NULL, *pl64 = NULL, *s64 = NULL, *b64 = NULL, *text = NULL;
    unsigned char *sig = NULL;
    size_t siglen = 0, i;
    sgn_buf input = SGN_BUF_INIT;
    cJSON *env = NULL, *header, *x5c;

    if ((rc = protected_json(&hdr, c, err)) < 0 ||
        (rc = sgn_b64url_encode(&p64, (const unsigned char *)hdr, strlen(hdr), err)) < 0 ||
        (rc = sgn_b64url_encode(&pl64, c->payload, c->payload_len, err)) < 0)
        goto out;
    /* The signing input is ASCII(protected) "." ASCII(payload). */
    if ((rc = sgn_buf_puts(&input, p64, err)) < 0 || (rc = sgn_buf_puts(&input, ".", err)) < 0 ||
        (rc = sgn_buf_puts(&input, pl64, err)) < 0)
        goto out;
    if ((rc = sgn_crypto_sign(&sig, &siglen, c->key, c->md, input.data, input.len, err)) < 0 ||
        (rc = sgn_b64url_encode(&s64, sig, siglen, err)) < 0)
        goto out;

    rc = SGN_ENOMEM;
    if ((env = cJSON_CreateObject()) == NULL ||
        cJSON_AddStringToObject(env, "payload", pl64) == NULL ||
        cJSON_AddStringToObject(env, "protected", p64) == NULL ||
        (header = cJSON_AddObjectToObject(env, "header")) == NULL ||
        (x5c = cJSON_AddArrayToObject(header, "x5c")) == NULL)
        goto nomem;
    for (i = 0; i < c->n_certs; i++) {
        cJSON *s;

        if ((rc = sgn_b64_encode(&b64, c->certs[i], c->cert_lens[i], err)) < 0)
            goto out;
        s = cJSON_CreateString(b64);
        free(b64);
        b64 = NULL;
        if (s == NULL || !cJSON_AddItemToArray(x5c, s)) {
            cJSON_Delete(s);
            goto nomem;
        }
    }
    if (c->attrs->signing_agent != NULL &&
        cJSON_AddStringToObject(header, SGN_HDR_SIGNING_AGENT, c->attrs->signing_agent) == NULL)
        goto nomem;
    if (cJSON_AddStringToObject(env, "signature", s64) == NULL ||
        (text = cJSON_PrintUnformatted(env)) == NULL)
        goto nomem;
    rc = sgn_buf_puts(out, text, err);
    goto out;
nomem:
    rc = sgn_error_set(err, SGN_ENOMEM, "out of memory");
out:
    cJSON_free(text);
    cJSON_Delete(env);
    cJSON_free(hdr);
    free(p64);
    free(pl64);
    free(s64);
    free(b64);
    free(sig);
    sgn_buf_free(&input);
    return rc;
}

/* ---- parsing ------------------------------------------------------------------------------ */

static int cmp_names(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* Go's encoding/json keeps the last of repeated members and cJSON the first; refuse repeats
 * so that this parser and notation-go never read different values. */
static int check_unique_members(const cJSON *obj, const char *what, sgn_error *err)
{
    const cJSON *it;
    const char **names;
    size_t n = 0, i;
    int rc = SGN_OK;

    cJSON_ArrayForEach(it, obj)
        n++;
    if (n < 2)
        return SGN_OK;
    names = malloc(n * sizeof(*names));
    if (names == NULL)
        return sgn_error_set(err, SGN_ENOMEM, "out of memory");
    i = 0;
    cJSON_ArrayForEach(it, obj)
        names[i++] = it->string;
    qsort(names, n, sizeof(*names), cmp_names);
    for (i = 1; i < n; i++) {
        if (strcmp(names[i - 1], names[i]) == 0) {
            rc = sgn_error_set(err, SGN_EINVALID, "%s has a repeated member \"%s\"", what,
                               names[i]);
            break;
        }
    }
    free(names);
    return rc;
}

/* Parse JSON text of exactly len bytes (trailing whitespace allowed) that must be an object. */
static int parse_object(cJSON **out, const char *text, size_t len, const char *what,
                        sgn_error *err)
{
    const char *end = NULL;
    cJSON *obj;

    *out = NULL;
    obj = cJSON_ParseWithLengthOpts(text, len, &end, 0);
    if (obj == NULL)
        return sgn_error_set(err, SGN_EINVALID, "%s is not valid JSON", what);
    while (end != NULL && end < text + len &&
           (*end == ' ' || *end == '\t' || *end == '\n' || *end == '\r'))
        end++;
    if (end != text + len) {
        cJSON_Delete(obj);
        return sgn_error_set(err, SGN_EINVALID, "%s has trailing data", what);
    }
    if (!cJSON_IsObject(obj)) {
        cJSON_Delete(obj);
        return sgn_error_set(err, SGN_EINVALID, "%s is not a JSON object", what);
    }
    *out = obj;
    return SGN_OK;
}

static int member_string(const char **out, const cJSON *obj, const char *name, int required,
                         const char *what, sgn_error *err)
{
    const cJSON *it = cJSON_GetObjectItemCaseSensitive(obj, name);

    *out = NULL;
    if (it == NULL || cJSON_IsNull(it)) {
        if (required)
            return sgn_error_set(err, SGN_EINVALID, "%s: missing \"%s\"", what, name);
        return SGN_OK;
    }
    if (!cJSON_IsString(it) || it->valuestring == NULL)
        return sgn_error_set(err, SGN_EINVALID, "%s: \"%s\" must be a string", what, name);
    *out = it->valuestring;
    return SGN_OK;
}

static int header_time(int64_t *t, int *present, const cJSON *it, sgn_error *err)
{
    int32_t nsec;

    if (cJSON_IsNull(it)) /* Go reads null into a nil *time.Time: absent */
        return SGN_OK;
    if (!cJSON_IsString(it) || it->valuestring == NULL)
        return sgn_error_set(err, SGN_EINVALID, "\"%s\" header must be an RFC 3339 string",
                             it->string);
    if (sgn_time_parse_rfc3339(t, &nsec, it->valuestring, NULL) < 0)
        return sgn_error_set(err, SGN_EINVALID, "\"%s\" header is not an RFC 3339 time: \"%s\"",
                             it->string, it->valuestring);
    *present = 1;
    return SGN_OK;
}

static int dup_string(char **out, const cJSON *it, const char *name, sgn_error *err)
{
    if (cJSON_IsNull(it)) /* Go reads null as the empty value */
        return SGN_OK;
    if (!cJSON_IsString(it) || it->valuestring == NULL)
        return sgn_error_set(err, SGN_EINVALID, "\"%s\" header must be a string", name);
    return sgn_strdup(out, it->valuestring, err);
}

/* notation-core-go's parseProtectedHeaders: the known headers, then every other member is an
 * extended attribute (string-valued ones are reported). */
static int parse_protected(sgn_envelope__parsed *p, const cJSON *h, sgn_error *err)
{
    sgn_envelope_info *info = p->info;
    const cJSON *it, *c;
    int rc;

    cJSON_ArrayForEach(it, h) {
        const char *k = it->string;

        if (strcmp(k, "alg") == 0) {
            rc = dup_string(&info->alg, it, k, err);
        } else if (strcmp(k, "cty") == 0) {
            rc = dup_string(&info->content_type, it, k, err);
        } else if (strcmp(k, SGN_HDR_SIGNING_SCHEME) == 0) {
            rc = dup_string(&info->signing_scheme, it, k, err);
        } else if (strcmp(k, SGN_HDR_SIGNING_TIME) == 0) {
            if ((rc = header_time(&info->signing_time, &p->has_signing_time, it, err)) == 0 &&
                !p->has_authentic_time)
                info->authentic = 0;
        } else if (strcmp(k, SGN_HDR_AUTHENTIC_SIGNING_TIME) == 0) {
            int64_t t = 0;

            if ((rc = header_time(&t, &p->has_authentic_time, it, err)) == 0) {
                info->signing_time = t;
                info->authentic = 1;
            }
        } else if (strcmp(k, SGN_HDR_EXPIRY) == 0) {
            rc = header_time(&info->expiry, &p->has_expiry, it, err);
        } else if (strcmp(k, "crit") == 0) {
            rc = SGN_OK;
            if (cJSON_IsNull(it))
                continue;
            if (!cJSON_IsArray(it))
                return sgn_error_set(err, SGN_EINVALID, "\"crit\" header must be an array");
            cJSON_ArrayForEach(c, it) {
                if (!cJSON_IsString(c) || c->valuestring == NULL)
                    return sgn_error_set(err, SGN_EINVALID,
                                         "\"crit\" header must hold strings only");
                if ((rc = sgn_strlist_push(&info->crit, c->valuestring, err)) < 0)
                    return rc;
            }
        } else {
            if ((rc = sgn_strlist_push(&p->present, k, err)) < 0)
                return rc;
            if (cJSON_IsString(it) && it->valuestring != NULL)
                rc = sgn_envelope__add_extended(info, k, it->valuestring,
                                                strlen(it->valuestring), err);
        }
        if (rc < 0)
            return rc;
    }
    return SGN_OK;
}

static int jws_parse(sgn_envelope__parsed *p, const unsigned char *env, size_t len,
                     sgn_error *err)
{
    int rc;
    sgn_envelope_info *info = p->info;
    cJSON *root = NULL, *prot = NULL, *claims = NULL;
    const cJSON *header, *x5c, *it;
    const char *payload64, *protected64, *sig64, *agent = NULL;
    unsigned char *raw = NULL;
    size_t rawlen = 0;

    if ((rc = parse_object(&root, (const char *)env, len, "JWS envelope", err)) < 0 ||
        (rc = check_unique_members(root, "JWS envelope", err)) < 0)
        goto out;
    if ((rc = member_string(&payload64, root, "payload", 1, "JWS envelope", err)) < 0 ||
        (rc = member_string(&protected64, root, "protected", 1, "JWS envelope", err)) < 0 ||
        (rc = member_string(&sig64, root, "signature", 1, "JWS envelope", err)) < 0)
        goto out;

    /* Protected header. */
    if (sgn_b64url_decode(&raw, &rawlen, protected64, strlen(protected64), NULL) < 0) {
        rc = sgn_error_set(err, SGN_EINVALID, "JWS protected header is not base64url");
        goto out;
    }
    if ((rc = parse_object(&prot, (const char *)raw, rawlen, "JWS protected header", err)) < 0 ||
        (rc = check_unique_members(prot, "JWS protected header", err)) < 0 ||
        (rc = parse_protected(p, prot, err)) < 0)
        goto out;
    free(raw);
    raw = NULL;

    /* Payload, embedded verbatim; the JWT parser notation uses needs a JSON object. */
    if (sgn_b64url_decode(&info->payload, &info->payload_len, payload64, strlen(payload64),
                          NULL) < 0) {
        rc = sgn_error_set(err, SGN_EINVALID, "JWS payload is not base64url");
        goto out;
    }
    if ((rc = parse_object(&claims, (const char *)info->payload, info->payload_len,
                           "JWS payload", err)) < 0)
        goto out;

    if (sgn_b64url_decode(&p->sig, &p->sig_len, sig64, strlen(sig64), NULL) < 0 ||
        p->sig_len == 0) {
        rc = sgn_error_set(err, SGN_EINVALID, "JWS signature is missing or not base64url");
        goto out;
    }

    /* Unprotected header: x5c (standard base64, leaf first) and the signing agent. */
    header = cJSON_GetObjectItemCaseSensitive(root, "header");
    if (header != NULL && !cJSON_IsNull(header)) {
        if (!cJSON_IsObject(header)) {
            rc = sgn_error_set(err, SGN_EINVALID, "JWS \"header\" must be an object");
            goto out;
        }
        if ((rc = check_unique_members(header, "JWS header", err)) < 0 ||
            (rc = member_string(&agent, header, SGN_HDR_SIGNING_AGENT, 0, "JWS header", err)) < 0)
            goto out;
        if (agent != NULL && (rc = sgn_strdup(&info->signing_agent, agent, err)) < 0)
            goto out;
        x5c = cJSON_GetObjectItemCaseSensitive(header, "x5c");
        if (x5c != NULL && !cJSON_IsNull(x5c) && !cJSON_IsArray(x5c)) {
            rc = sgn_error_set(err, SGN_EINVALID, "JWS \"x5c\" must be an array");
            goto out;
        }
        cJSON_ArrayForEach(it, x5c) {
            if (!cJSON_IsString(it) || it->valuestring == NULL ||
                sgn_b64_decode(&raw, &rawlen, it->valuestring, strlen(it->valuestring), NULL) <
                    0) {
                rc = sgn_error_set(err, SGN_EINVALID,
                                   "JWS \"x5c\" entries must be standard base64 strings");
                goto out;
            }
            rc = sgn_envelope__add_cert(info, raw, rawlen, err);
            free(raw);
            raw = NULL;
            if (rc < 0)
                goto out;
        }
    }
    if (info->n_certs == 0) {
        rc = sgn_error_set(err, SGN_EINVALID, "certificate chain is not present");
        goto out;
    }

    /* The signature covers the transmitted segments, not a re-encoding. */
    if ((rc = sgn_buf_puts(&p->tbs, protected64, err)) < 0 ||
        (rc = sgn_buf_puts(&p->tbs, ".", err)) < 0 ||
        (rc = sgn_buf_puts(&p->tbs, payload64, err)) < 0)
        goto out;
    rc = SGN_OK;
out:
    free(raw);
    cJSON_Delete(claims);
    cJSON_Delete(prot);
    cJSON_Delete(root);
    return rc;
}

const sgn_envelope__format sgn_envelope__jws = {
    SGN_ENVELOPE_JWS,
    jws_sign,
    jws_parse,
};
