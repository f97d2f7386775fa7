/* Trust policy validation with a fix for every problem (sgn/trustpolicy.h has the rules). */
#include "sgn/trustpolicy.h"

#include <cjson/cJSON.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "identity_internal.h"
#include "sgn/aws_roots.h"
#include "sgn/identity.h"
#include "sgn/notation_trust.h"
#include "validate_int.h"

static char *dup_or_null(const char *s)
{
    return s ? strdup(s) : NULL;
}

/* Append a finding (callers format message and fix first, with fmt). Memory failures are
 * remembered in c->oom and reported once at the end. */
void sgn_trustpolicy__add(sgn_trustpolicy__ctx *c, const char *code, sgn_trustpolicy_severity sev,
                          const char *field, const char *value, const char *message,
                          const char *fix)
{
    sgn_trustpolicy_finding *items, *f;

    if (c->oom)
        return;
    items = realloc(c->out->items, (c->out->len + 1) * sizeof(*items));
    if (items == NULL) {
        c->oom = 1;
        return;
    }
    c->out->items = items;
    f = &items[c->out->len];
    memset(f, 0, sizeof(*f));
    f->code = code;
    f->severity = sev;
    f->statement = c->index;
    f->field = field;
    f->statement_name = dup_or_null(c->name);
    f->value = dup_or_null(value);
    f->message = strdup(message);
    f->fix = strdup(fix);
    if ((c->name && !f->statement_name) || (value && !f->value) || !f->message || !f->fix) {
        free(f->statement_name);
        free(f->value);
        free(f->message);
        free(f->fix);
        c->oom = 1;
        return;
    }
    c->out->len++;
    if (sev == SGN_TRUSTPOLICY_ERROR)
        c->out->n_errors++;
}

void sgn_trustpolicy__fmt(char *buf, const char *format, ...)
{
    va_list ap;

    va_start(ap, format);
    vsnprintf(buf, MSG_MAX, format, ap);
    va_end(ap);
}

/* The statement, quoted for messages. */
const char *sgn_trustpolicy__where(sgn_trustpolicy__ctx *c, char *buf)
{
    if (c->name != NULL && c->name[0] != '\0')
        snprintf(buf, 300, "statement \"%.256s\"", c->name);
    else
        snprintf(buf, 300, "statement %ld", c->index);
    return buf;
}

/* Go's encoding/json: an exact member name wins, else a case-insensitive match. */
static const cJSON *member(const cJSON *obj, const char *name)
{
    const cJSON *m = cJSON_GetObjectItemCaseSensitive(obj, name);

    return m != NULL ? m : cJSON_GetObjectItem(obj, name);
}

static void unknown_members(sgn_trustpolicy__ctx *c, const cJSON *obj, const char *const *known,
                            size_t n, const char *field)
{
    const cJSON *it;
    char m[MSG_MAX], f[MSG_MAX], w[300];
    size_t i;

    cJSON_ArrayForEach(it, obj)
    {
        for (i = 0; i < n; i++)
            if (strcasecmp(it->string, known[i]) == 0)
                break;
        if (i < n)
            continue;
        if (c->index < 0)
            sgn_trustpolicy__fmt(m, "notation does not know the member \"%s\" and ignores it",
                                 it->string);
        else
            sgn_trustpolicy__fmt(m, "%s: notation does not know the member \"%s\" and ignores it",
                                 sgn_trustpolicy__where(c, w), it->string);
        sgn_trustpolicy__fmt(f,
                             "remove \"%s\" or correct its spelling (members: %s%s%s%s%s%s%s%s%s)",
                             it->string, known[0], n > 1 ? ", " : "", n > 1 ? known[1] : "",
                             n > 2 ? ", " : "", n > 2 ? known[2] : "", n > 3 ? ", " : "",
                             n > 3 ? known[3] : "", n > 4 ? ", " : "", n > 4 ? known[4] : "");
        sgn_trustpolicy__add(c, "member-unknown", SGN_TRUSTPOLICY_WARNING, field, it->string, m, f);
    }
}

static void type_invalid(sgn_trustpolicy__ctx *c, const char *field, const char *want)
{
    char m[MSG_MAX], f[MSG_MAX], w[300];

    if (c->index < 0)
        sgn_trustpolicy__fmt(m, "\"%s\" must be %s; notation cannot read the document", field,
                             want);
    else
        sgn_trustpolicy__fmt(m, "%s: \"%s\" must be %s; notation cannot read the document",
                             sgn_trustpolicy__where(c, w), field, want);
    sgn_trustpolicy__fmt(f, "make \"%s\" %s", field, want);
    sgn_trustpolicy__add(c, "type-invalid", SGN_TRUSTPOLICY_ERROR, field, NULL, m, f);
}

/* An array of strings (null counts as empty, as in Go). Returns 0 and reports if it is not. */
static int string_array(sgn_trustpolicy__ctx *c, const cJSON *v, const char *field)
{
    const cJSON *it;

    if (v == NULL || cJSON_IsNull(v))
        return 1;
    if (!cJSON_IsArray(v)) {
        type_invalid(c, field, "an array of strings");
        return 0;
    }
    cJSON_ArrayForEach(it, v)
    {
        if (!cJSON_IsString(it)) {
            type_invalid(c, field, "an array of strings");
            return 0;
        }
    }
    return 1;
}

int sgn_trustpolicy__array_len(const cJSON *v)
{
    return cJSON_IsArray(v) ? cJSON_GetArraySize(v) : 0;
}

/* --- registry scopes --------------------------------------------------------------------- */

static void check_scope(sgn_trustpolicy__ctx *c, const char *s, int n_scopes)
{
    char m[MSG_MAX], f[MSG_MAX], w[300], fixed[512];
    const char *code = NULL, *p;
    size_t len;

    sgn_trustpolicy__where(c, w);
    if (strcmp(s, "*") == 0) {
        if (n_scopes > 1) {
            sgn_trustpolicy__fmt(m, "%s: the registry scope \"*\" is listed with other scopes", w);
            sgn_trustpolicy__fmt(
                f, "use \"*\" alone (every repository) or remove it and keep the repositories");
            sgn_trustpolicy__add(c, "registry-scope-wildcard-mixed", SGN_TRUSTPOLICY_ERROR,
                                 "registryScopes", s, m, f);
        }
        return;
    }
    snprintf(fixed, sizeof(fixed), "%s", s);
    switch (sgn_notation_scope_check(s)) {
    case SGN_SCOPE_OK:
        return;
    case SGN_SCOPE_EMPTY:
        code = "registry-scope-empty";
        sgn_trustpolicy__fmt(m, "%s: a registry scope is empty", w);
        sgn_trustpolicy__fmt(
            f, "remove it, or write a repository such as registry.example.com/app, or \"*\"");
        break;
    case SGN_SCOPE_WILDCARD:
        code = "registry-scope-wildcard";
        sgn_trustpolicy__fmt(
            m, "%s: registry scope \"%s\" has a wildcard; notation knows only \"*\" alone", w, s);
        sgn_trustpolicy__fmt(f,
                             "list each repository (registry.example.com/app) or use \"*\" alone");
        break;
    case SGN_SCOPE_SCHEME:
        code = "registry-scope-scheme";
        p = strstr(s, "://") + 3;
        sgn_trustpolicy__fmt(m, "%s: registry scope \"%s\" has a URL scheme", w, s);
        sgn_trustpolicy__fmt(f, "write \"%s\" (no scheme)", p);
        break;
    case SGN_SCOPE_NO_REPOSITORY:
        code = "registry-scope-no-repository";
        sgn_trustpolicy__fmt(m, "%s: registry scope \"%s\" is not <registry>/<repository>", w, s);
        fixed[strcspn(fixed, "/")] = '\0';
        sgn_trustpolicy__fmt(
            f,
            "name the repository too, e.g. \"%s/app\" (a scope is one repository, not a "
            "registry), or use \"*\"",
            fixed[0] ? fixed : "registry.example.com");
        break;
    case SGN_SCOPE_DIGEST:
        code = "registry-scope-digest";
        fixed[strcspn(fixed, "@")] = '\0';
        sgn_trustpolicy__fmt(
            m, "%s: registry scope \"%s\" has a digest; a scope names a repository", w, s);
        sgn_trustpolicy__fmt(f, "write \"%s\" (no digest)", fixed);
        break;
    case SGN_SCOPE_TRAILING_SLASH:
        code = "registry-scope-trailing-slash";
        len = strlen(fixed);
        while (len > 0 && fixed[len - 1] == '/')
            fixed[--len] = '\0';
        sgn_trustpolicy__fmt(m, "%s: registry scope \"%s\" ends with '/'", w, s);
        sgn_trustpolicy__fmt(f, "write \"%s\" (no trailing '/')", fixed);
        break;
    case SGN_SCOPE_TAG:
        code = "registry-scope-tag";
        p = strchr(fixed, '/');
        fixed[strcspn(p, ":") + (size_t)(p - fixed)] = '\0';
        sgn_trustpolicy__fmt(
            m,
            "%s: registry scope \"%s\" has a tag; a scope names a repository, and every tag "
            "and digest in it",
            w, s);
        sgn_trustpolicy__fmt(f, "write \"%s\" (no tag)", fixed);
        break;
    case SGN_SCOPE_BAD_DOMAIN:
        code = "registry-scope-invalid";
        sgn_trustpolicy__fmt(
            m, "%s: registry scope \"%s\" does not start with a registry host[:port]", w, s);
        sgn_trustpolicy__fmt(
            f, "write <registry host>[:port]/<repository>, e.g. registry.example.com/app");
        break;
    case SGN_SCOPE_BAD_REPOSITORY:
        code = "registry-scope-invalid";
        sgn_trustpolicy__fmt(
            m, "%s: the repository in registry scope \"%s\" is not a valid repository name", w, s);
        sgn_trustpolicy__fmt(
            f, "use lower-case letters, digits and single '.', '_', '__' or '-' separators "
               "between '/'-separated parts, as the registry spells the repository");
        break;
    }
    sgn_trustpolicy__add(c, code, SGN_TRUSTPOLICY_ERROR, "registryScopes", s, m, f);
}

/* --- signatureVerification --------------------------------------------------------------- */

static int one_of(const char *s, const char *const *list, size_t n)
{
    size_t i;

    for (i = 0; i < n; i++)
        if (strcmp(s, list[i]) == 0)
            return 1;
    return 0;
}

/* Returns the level, or NULL if it is missing or invalid (reported). */
static const char *check_verification(sgn_trustpolicy__ctx *c, const cJSON *sv)
{
    static const char *const levels[] = {"strict", "permissive", "audit", "skip"};
    static const char *const types[] = {"integrity", "authenticity", "authenticTimestamp", "expiry",
                                        "revocation"};
    static const char *const actions[] = {"enforce", "log", "skip"};
    static const char *const known[] = {"level", "override", "verifyTimestamp"};
    const cJSON *level, *ov, *vt, *it;
    const char *lv;
    char m[MSG_MAX], f[MSG_MAX], w[300];

    sgn_trustpolicy__where(c, w);
    if (sv == NULL || cJSON_IsNull(sv)) {
        sgn_trustpolicy__fmt(m, "%s has no signatureVerification", w);
        sgn_trustpolicy__fmt(f, "add \"signatureVerification\": {\"level\": \"strict\"}");
        sgn_trustpolicy__add(c, "level-missing", SGN_TRUSTPOLICY_ERROR, "signatureVerification",
                             NULL, m, f);
        return NULL;
    }
    if (!cJSON_IsObject(sv)) {
        type_invalid(c, "signatureVerification", "an object");
        return NULL;
    }
    unknown_members(c, sv, known, sizeof(known) / sizeof(known[0]), "signatureVerification");
    level = member(sv, "level");
    if (level != NULL && !cJSON_IsNull(level) && !cJSON_IsString(level)) {
        type_invalid(c, "signatureVerification.level", "a string");
        return NULL;
    }
    lv = cJSON_IsString(level) ? level->valuestring : "";
    if (lv[0] == '\0') {
        sgn_trustpolicy__fmt(m, "%s: signatureVerification.level is missing", w);
        sgn_trustpolicy__fmt(f, "set \"level\" to \"strict\" (or permissive, audit, skip)");
        sgn_trustpolicy__add(c, "level-missing", SGN_TRUSTPOLICY_ERROR, "signatureVerification",
                             NULL, m, f);
        return NULL;
    }
    if (!one_of(lv, levels, 4)) {
        sgn_trustpolicy__fmt(
            m,
            "%s: signature verification level \"%s\" is not one of strict, permissive, "
            "audit, skip",
            w, lv);
        sgn_trustpolicy__fmt(f, "set \"level\" to \"strict\" (or permissive, audit, skip)");
        sgn_trustpolicy__add(c, "level-invalid", SGN_TRUSTPOLICY_ERROR, "signatureVerification", lv,
                             m, f);
        return NULL;
    }
    ov = member(sv, "override");
    if (ov != NULL && !cJSON_IsNull(ov) && !cJSON_IsObject(ov)) {
        type_invalid(c, "signatureVerification.override", "an object");
    } else if (cJSON_GetArraySize(ov) > 0 && strcmp(lv, "skip") == 0) {
        sgn_trustpolicy__fmt(m, "%s: level \"skip\" cannot be customised with \"override\"", w);
        sgn_trustpolicy__fmt(f, "remove \"override\", or choose level strict, permissive or audit");
        sgn_trustpolicy__add(c, "override-on-skip", SGN_TRUSTPOLICY_ERROR, "signatureVerification",
                             NULL, m, f);
    } else if (ov != NULL) {
        cJSON_ArrayForEach(it, ov)
        {
            const char *val = cJSON_IsString(it) ? it->valuestring : "";

            if (!cJSON_IsString(it)) {
                type_invalid(c, "signatureVerification.override", "an object of strings");
            } else if (!one_of(it->string, types, 5)) {
                sgn_trustpolicy__fmt(
                    m,
                    "%s: \"%s\" cannot be overridden: the verification types are "
                    "integrity, authenticity, authenticTimestamp, expiry and revocation",
                    w, it->string);
                sgn_trustpolicy__fmt(
                    f,
                    "remove \"%s\" or spell it as one of authenticity, authenticTimestamp, "
                    "expiry, revocation",
                    it->string);
                sgn_trustpolicy__add(c, "override-type-invalid", SGN_TRUSTPOLICY_ERROR,
                                     "signatureVerification", it->string, m, f);
            } else if (!one_of(val, actions, 3)) {
                sgn_trustpolicy__fmt(
                    m, "%s: override action \"%s\" for \"%s\" is not one of enforce, log, skip", w,
                    val, it->string);
                sgn_trustpolicy__fmt(f, "set \"%s\" to \"enforce\" or \"log\"%s", it->string,
                                     strcmp(it->string, "revocation") == 0 ? " (or \"skip\")" : "");
                sgn_trustpolicy__add(c, "override-action-invalid", SGN_TRUSTPOLICY_ERROR,
                                     "signatureVerification", val, m, f);
            } else if (strcmp(it->string, "integrity") == 0) {
                sgn_trustpolicy__fmt(m, "%s: \"integrity\" verification cannot be overridden", w);
                sgn_trustpolicy__fmt(f, "remove \"integrity\" from \"override\"");
                sgn_trustpolicy__add(c, "override-integrity", SGN_TRUSTPOLICY_ERROR,
                                     "signatureVerification", it->string, m, f);
            } else if (strcmp(val, "skip") == 0 && strcmp(it->string, "revocation") != 0) {
                sgn_trustpolicy__fmt(
                    m, "%s: \"%s\" verification cannot be skipped; only revocation can", w,
                    it->string);
                sgn_trustpolicy__fmt(f, "set \"%s\" to \"log\" or \"enforce\"", it->string);
                sgn_trustpolicy__add(c, "override-skip-not-revocation", SGN_TRUSTPOLICY_ERROR,
                                     "signatureVerification", it->string, m, f);
            }
        }
    }
    vt = member(sv, "verifyTimestamp");
    if (vt != NULL && !cJSON_IsNull(vt)) {
        if (!cJSON_IsString(vt))
            type_invalid(c, "signatureVerification.verifyTimestamp", "a string");
        else if (vt->valuestring[0] != '\0' && strcmp(vt->valuestring, "always") != 0 &&
                 strcmp(vt->valuestring, "afterCertExpiry") != 0) {
            sgn_trustpolicy__fmt(
                m, "%s: verifyTimestamp \"%s\" is not \"always\" or \"afterCertExpiry\"", w,
                vt->valuestring);
            sgn_trustpolicy__fmt(
                f, "set \"verifyTimestamp\" to \"always\" (the default) or \"afterCertExpiry\"");
            sgn_trustpolicy__add(c, "verify-timestamp-invalid", SGN_TRUSTPOLICY_ERROR,
                                 "signatureVerification", vt->valuestring, m, f);
        }
    }
    return level->valuestring;
}

/* --- trust stores ------------------------------------------------------------------------ */

/* A store name that holds a signingAuthority root by convention: AWS's and signer-local's. */
static const char *authority_store_owner(const char *name)
{
    if (sgn_aws_root_by_store(name) != NULL)
        return "AWS Signer's root";
    if (strcmp(name, LOCAL_STORE) == 0)
        return "signer-local's root";
    return NULL;
}

static void how_to_create(char *f, sgn_notation_store_type type, const char *name)
{
    const sgn_aws_root *root = sgn_aws_root_by_store(name);

    if (root != NULL && type == SGN_STORE_SIGNING_AUTHORITY)
        sgn_trustpolicy__fmt(
            f,
            "add AWS's root to it: notation cert add --type signingAuthority --store %s "
            "%s (installed as share/aws-signer-notation/truststore/x509/signingAuthority/"
            "%s/%s)",
            name, root->file, name, root->file);
    else if (strcmp(name, LOCAL_STORE) == 0 && type == SGN_STORE_SIGNING_AUTHORITY)
        sgn_trustpolicy__fmt(
            f,
            "run `signer-local install-notation-trust` (it writes the local root there), or "
            "notation cert add --type signingAuthority --store %s <(signer-local "
            "export-root)",
            name);
    else
        sgn_trustpolicy__fmt(
            f, "add its root certificate: notation cert add --type %s --store %s <root.crt>",
            sgn_notation_store_type_name(type), name);
}

static int check_store_on_disk(sgn_trustpolicy__ctx *c, const char *ref,
                               sgn_notation_store_type type, const char *name,
                               int *wrong_type_reported)
{
    sgn_notation_store_info info, other;
    char m[MSG_MAX], f[MSG_MAX], w[300];
    int rc, t;

    sgn_trustpolicy__where(c, w);
    if ((rc = sgn_notation_store_inspect(&info, c->config_dir, type, name, c->err)) < 0)
        return rc;
    if (!info.exists) {
        for (t = 0; t < SGN_NOTATION_STORE_TYPES; t++) {
            if (t == (int)type)
                continue;
            if ((rc = sgn_notation_store_inspect(&other, c->config_dir, (sgn_notation_store_type)t,
                                                 name, c->err)) < 0)
                return rc;
            if (other.exists)
                break;
        }
        sgn_trustpolicy__fmt(
            m, "%s: trust store \"%s\" does not exist: %s/truststore/x509/%s/%s/ is missing", w,
            ref, c->config_dir, sgn_notation_store_type_name(type), name);
        if (t < SGN_NOTATION_STORE_TYPES && !*wrong_type_reported)
            sgn_trustpolicy__fmt(f, "the store exists as type %s: write \"%s:%s\"",
                                 sgn_notation_store_type_name((sgn_notation_store_type)t),
                                 sgn_notation_store_type_name((sgn_notation_store_type)t), name);
        else
            how_to_create(f, type, name);
        sgn_trustpolicy__add(c, "trust-store-not-found", SGN_TRUSTPOLICY_ERROR, "trustStores", ref,
                             m, f);
        return SGN_OK;
    }
    if (info.symlink) {
        sgn_trustpolicy__fmt(
            m,
            "%s: trust store \"%s\" is or holds a symlink; notation refuses symlinks in trust "
            "stores",
            w, ref);
        sgn_trustpolicy__fmt(f, "replace the link with the directory or certificate file itself");
        sgn_trustpolicy__add(c, "trust-store-symlink", SGN_TRUSTPOLICY_ERROR, "trustStores", ref, m,
                             f);
    }
    if (info.subdirectory) {
        sgn_trustpolicy__fmt(
            m, "%s: trust store \"%s\" holds a subdirectory; notation refuses the store", w, ref);
        sgn_trustpolicy__fmt(f, "move the subdirectory out of %s/truststore/x509/%s/%s/",
                             c->config_dir, sgn_notation_store_type_name(type), name);
        sgn_trustpolicy__add(c, "trust-store-subdirectory", SGN_TRUSTPOLICY_ERROR, "trustStores",
                             ref, m, f);
    }
    if (info.n_bad_files > 0) {
        sgn_trustpolicy__fmt(
            m,
            "%s: trust store \"%s\" holds %zu file(s) that are not certificates; notation "
            "reads every file and refuses the store",
            w, ref, info.n_bad_files);
        sgn_trustpolicy__fmt(
            f, "remove everything but PEM or DER certificates from %s/truststore/x509/%s/%s/",
            c->config_dir, sgn_notation_store_type_name(type), name);
        sgn_trustpolicy__add(c, "trust-store-bad-file", SGN_TRUSTPOLICY_ERROR, "trustStores", ref,
                             m, f);
    }
    if (info.n_not_ca > 0) {
        sgn_trustpolicy__fmt(
            m,
            "%s: trust store \"%s\" holds %zu certificate(s) that are neither a CA nor "
            "self-signed; notation refuses them",
            w, ref, info.n_not_ca);
        sgn_trustpolicy__fmt(f, "put the root (CA) certificate in the store instead of a leaf");
        sgn_trustpolicy__add(c, "trust-store-not-ca", SGN_TRUSTPOLICY_ERROR, "trustStores", ref, m,
                             f);
    }
    if (info.n_certs == 0 && !info.symlink && info.n_bad_files == 0) {
        sgn_trustpolicy__fmt(
            m, "%s: trust store \"%s\" holds no certificate; notation refuses an empty store", w,
            ref);
        how_to_create(f, type, name);
        sgn_trustpolicy__add(c, "trust-store-empty", SGN_TRUSTPOLICY_ERROR, "trustStores", ref, m,
                             f);
    }
    if (info.aws_root != NULL && type != SGN_STORE_SIGNING_AUTHORITY && !*wrong_type_reported) {
        sgn_trustpolicy__fmt(
            m,
            "%s: trust store \"%s\" holds %s, but AWS Signer signatures use the "
            "notary.x509.signingAuthority scheme, which notation verifies only against "
            "signingAuthority stores",
            w, ref, info.aws_root->subject_cn);
        sgn_trustpolicy__fmt(
            f,
            "move the certificate to a signingAuthority store and write "
            "\"signingAuthority:%s\" (AWS's installers use \"signingAuthority:%s\")",
            name, info.aws_root->store);
        sgn_trustpolicy__add(c, "trust-store-wrong-type", SGN_TRUSTPOLICY_ERROR, "trustStores", ref,
                             m, f);
        *wrong_type_reported = 1;
    }
    return SGN_OK;
}

static int check_store(sgn_trustpolicy__ctx *c, const char *ref)
{
    char m[MSG_MAX], f[MSG_MAX], w[300];
    sgn_notation_store_type type = SGN_STORE_CA;
    const char *name = NULL, *owner;
    size_t t;
    int wrong_type = 0;

    sgn_trustpolicy__where(c, w);
    switch (sgn_notation_store_ref_parse(ref, &type, &name)) {
    case SGN_STORE_REF_NO_SEPARATOR:
        sgn_trustpolicy__fmt(m, "%s: trust store \"%s\" is not <type>:<name>", w, ref);
        if (authority_store_owner(ref) != NULL)
            sgn_trustpolicy__fmt(f, "write \"signingAuthority:%s\"", ref);
        else
            sgn_trustpolicy__fmt(f, "write \"<type>:%s\" with type ca, signingAuthority or tsa",
                                 ref);
        sgn_trustpolicy__add(c, "trust-store-malformed", SGN_TRUSTPOLICY_ERROR, "trustStores", ref,
                             m, f);
        return SGN_OK;
    case SGN_STORE_REF_BAD_TYPE:
        sgn_trustpolicy__fmt(m, "%s: trust store \"%s\" has an unknown type \"%.*s\"", w, ref,
                             (int)(name - 1 - ref), ref);
        for (t = 0; t < SGN_NOTATION_STORE_TYPES; t++)
            if ((size_t)(name - 1 - ref) == strlen(sgn_notation_store_type_name(t)) &&
                strncasecmp(ref, sgn_notation_store_type_name(t), (size_t)(name - 1 - ref)) == 0)
                break;
        if (t < SGN_NOTATION_STORE_TYPES)
            sgn_trustpolicy__fmt(f, "write \"%s:%s\" (types are case-sensitive)",
                                 sgn_notation_store_type_name(t), name);
        else
            sgn_trustpolicy__fmt(f, "use type ca, signingAuthority or tsa%s%s%s",
                                 authority_store_owner(name) ? ": \"signingAuthority:" : "",
                                 authority_store_owner(name) ? name : "",
                                 authority_store_owner(name) ? "\"" : "");
        sgn_trustpolicy__add(c, "trust-store-type-invalid", SGN_TRUSTPOLICY_ERROR, "trustStores",
                             ref, m, f);
        return SGN_OK;
    case SGN_STORE_REF_BAD_NAME:
        sgn_trustpolicy__fmt(m, "%s: trust store name in \"%s\" is not a valid store name", w, ref);
        sgn_trustpolicy__fmt(f, "use only letters, digits, '_', '.' and '-' in the store name");
        sgn_trustpolicy__add(c, "trust-store-name-invalid", SGN_TRUSTPOLICY_ERROR, "trustStores",
                             ref, m, f);
        return SGN_OK;
    case SGN_STORE_REF_OK:
        break;
    }
    owner = authority_store_owner(name);
    if (owner != NULL && type != SGN_STORE_SIGNING_AUTHORITY) {
        sgn_trustpolicy__fmt(
            m,
            "%s: \"%s\" is where %s goes, and its signatures use the "
            "notary.x509.signingAuthority scheme, which notation verifies only against "
            "signingAuthority stores",
            w, ref, owner);
        sgn_trustpolicy__fmt(f, "write \"signingAuthority:%s\"", name);
        sgn_trustpolicy__add(c, "trust-store-wrong-type", SGN_TRUSTPOLICY_ERROR, "trustStores", ref,
                             m, f);
        wrong_type = 1;
    }
    /* With the type wrong, the store to check is the one the fix names: check it next run. */
    if (c->config_dir != NULL && !wrong_type)
        return check_store_on_disk(c, ref, type, name, &wrong_type);
    return SGN_OK;
}

/* --- statements and the document --------------------------------------------------------- */

static int check_statement(sgn_trustpolicy__ctx *c, const cJSON *st, const cJSON *policies)
{
    static const char *const known[] = {"name", "registryScopes", "signatureVerification",
                                        "trustStores", "trustedIdentities"};
    const cJSON *name, *scopes, *stores, *ids, *it, *other;
    const char *level;
    char m[MSG_MAX], f[MSG_MAX], w[300];
    long j;
    int rc;

    if (!cJSON_IsObject(st)) {
        type_invalid(c, "trustPolicies", "an array of objects");
        return SGN_OK;
    }
    name = member(st, "name");
    if (name != NULL && !cJSON_IsNull(name) && !cJSON_IsString(name)) {
        type_invalid(c, "name", "a string");
        return SGN_OK;
    }
    c->name = cJSON_IsString(name) ? name->valuestring : NULL;
    sgn_trustpolicy__where(c, w);
    unknown_members(c, st, known, sizeof(known) / sizeof(known[0]), "trustPolicies");
    if (c->name == NULL || c->name[0] == '\0') {
        sgn_trustpolicy__fmt(m, "%s has no name; every statement needs one", w);
        sgn_trustpolicy__fmt(
            f, "add \"name\": \"aws-signer-tp\" (any name not used by another statement)");
        sgn_trustpolicy__add(c, "name-missing", SGN_TRUSTPOLICY_ERROR, "name", NULL, m, f);
    } else {
        for (j = 0, other = policies->child; other != NULL && j < c->index;
             other = other->next, j++) {
            const cJSON *on = member(other, "name");
            if (cJSON_IsString(on) && strcmp(on->valuestring, c->name) == 0) {
                sgn_trustpolicy__fmt(
                    m, "%s has the same name as statement %ld; names must be unique", w, j);
                sgn_trustpolicy__fmt(f, "rename one of them");
                sgn_trustpolicy__add(c, "name-duplicate", SGN_TRUSTPOLICY_ERROR, "name", c->name, m,
                                     f);
                break;
            }
        }
    }

    scopes = member(st, "registryScopes");
    if (string_array(c, scopes, "registryScopes")) {
        if (sgn_trustpolicy__array_len(scopes) == 0) {
            sgn_trustpolicy__fmt(m, "%s has no registry scopes", w);
            sgn_trustpolicy__fmt(f,
                                 "add \"registryScopes\": [\"*\"] or the repositories it covers");
            sgn_trustpolicy__add(c, "registry-scopes-missing", SGN_TRUSTPOLICY_ERROR,
                                 "registryScopes", NULL, m, f);
        }
        cJSON_ArrayForEach(it, scopes)
        {
            const cJSON *s2;
            int seen = 0;

            check_scope(c, it->valuestring, sgn_trustpolicy__array_len(scopes));
            /* a scope may appear once in the whole document: report its second appearance */
            for (j = 0, other = policies->child; other != NULL && j <= c->index && !seen;
                 other = other->next, j++) {
                cJSON_ArrayForEach(s2, member(other, "registryScopes"))
                {
                    if (j == c->index && s2 == it)
                        break;
                    if (cJSON_IsString(s2) && strcmp(s2->valuestring, it->valuestring) == 0) {
                        seen = 1;
                        sgn_trustpolicy__fmt(
                            m,
                            "%s: registry scope \"%s\" is already in %s; a scope may appear "
                            "in only one statement",
                            w, it->valuestring,
                            j == c->index ? "this statement" : "an earlier statement");
                        sgn_trustpolicy__fmt(f, "keep \"%s\" in one statement only",
                                             it->valuestring);
                        sgn_trustpolicy__add(c, "registry-scope-duplicate", SGN_TRUSTPOLICY_ERROR,
                                             "registryScopes", it->valuestring, m, f);
                        break;
                    }
                }
            }
        }
    }

    level = check_verification(c, member(st, "signatureVerification"));
    stores = member(st, "trustStores");
    ids = member(st, "trustedIdentities");
    if (!string_array(c, stores, "trustStores"))
        stores = NULL;
    if (!string_array(c, ids, "trustedIdentities"))
        ids = NULL;
    if (level != NULL && strcmp(level, "skip") == 0) {
        if (sgn_trustpolicy__array_len(stores) > 0 || sgn_trustpolicy__array_len(ids) > 0) {
            sgn_trustpolicy__fmt(
                m, "%s skips verification but lists trust stores or trusted identities", w);
            sgn_trustpolicy__fmt(
                f, "remove \"trustStores\" and \"trustedIdentities\", or choose level strict");
            sgn_trustpolicy__add(c, "skip-with-trust", SGN_TRUSTPOLICY_ERROR,
                                 "signatureVerification", level, m, f);
        }
        return SGN_OK;
    }
    if (sgn_trustpolicy__array_len(stores) == 0) {
        sgn_trustpolicy__fmt(m, "%s has no trust stores", w);
        sgn_trustpolicy__fmt(
            f, "add \"trustStores\": [\"signingAuthority:aws-signer-ts\"] (AWS commercial "
               "regions; GovCloud: signingAuthority:aws-us-gov-signer-ts)");
        sgn_trustpolicy__add(c, "trust-stores-missing", SGN_TRUSTPOLICY_ERROR, "trustStores", NULL,
                             m, f);
    }
    if (sgn_trustpolicy__array_len(ids) == 0) {
        sgn_trustpolicy__fmt(m, "%s has no trusted identities", w);
        sgn_trustpolicy__fmt(f, "add \"trustedIdentities\": [\"arn:aws:signer:<region>:<account>:/"
                                "signing-profiles/<name>\"]");
        sgn_trustpolicy__add(c, "trusted-identities-missing", SGN_TRUSTPOLICY_ERROR,
                             "trustedIdentities", NULL, m, f);
    }
    cJSON_ArrayForEach(it, stores)
    {
        if ((rc = check_store(c, it->valuestring)) < 0)
            return rc;
    }
    if (ids != NULL)
        sgn_trustpolicy__check_identities(c, ids, stores);
    return SGN_OK;
}

int sgn_trustpolicy_validate(sgn_trustpolicy_findings *out, const char *text, size_t len,
                             const char *config_dir, sgn_error *err)
{
    static const char *const known[] = {"version", "trustPolicies"};
    sgn_trustpolicy__ctx c = {out, err, config_dir, -1, NULL, 0};
    cJSON *doc = NULL;
    const cJSON *version, *policies, *st;
    char m[MSG_MAX], f[MSG_MAX];
    int rc = SGN_OK;

    doc = cJSON_ParseWithLength(text, len);
    if (doc == NULL || !cJSON_IsObject(doc)) {
        if (doc == NULL)
            sgn_trustpolicy__fmt(m, "the document is not valid JSON (near byte %zu)",
                                 (size_t)(cJSON_GetErrorPtr() ? cJSON_GetErrorPtr() - text : 0));
        else
            sgn_trustpolicy__fmt(m, "the document is not a JSON object");
        sgn_trustpolicy__fmt(f, "write {\"version\": \"1.0\", \"trustPolicies\": [ ... ]}");
        sgn_trustpolicy__add(&c, "json-invalid", SGN_TRUSTPOLICY_ERROR, "", NULL, m, f);
        goto out;
    }
    unknown_members(&c, doc, known, 2, "");
    version = member(doc, "version");
    if (version != NULL && !cJSON_IsNull(version) && !cJSON_IsString(version)) {
        type_invalid(&c, "version", "a string");
    } else if (!cJSON_IsString(version) || version->valuestring[0] == '\0') {
        sgn_trustpolicy__fmt(m, "the document has no version");
        sgn_trustpolicy__fmt(f, "add \"version\": \"1.0\"");
        sgn_trustpolicy__add(&c, "version-missing", SGN_TRUSTPOLICY_ERROR, "version", NULL, m, f);
    } else if (strcmp(version->valuestring, "1.0") != 0) {
        sgn_trustpolicy__fmt(m, "version \"%s\" is not supported; notation knows only \"1.0\"",
                             version->valuestring);
        sgn_trustpolicy__fmt(f, "set \"version\": \"1.0\"");
        sgn_trustpolicy__add(&c, "version-unsupported", SGN_TRUSTPOLICY_ERROR, "version",
                             version->valuestring, m, f);
    }
    policies = member(doc, "trustPolicies");
    if (policies != NULL && !cJSON_IsNull(policies) && !cJSON_IsArray(policies)) {
        type_invalid(&c, "trustPolicies", "an array of statements");
        goto out;
    }
    if (sgn_trustpolicy__array_len(policies) == 0) {
        sgn_trustpolicy__fmt(m, "the document has no trust policy statements");
        sgn_trustpolicy__fmt(f,
                             "add a statement to \"trustPolicies\" (see trustpolicy/templates/)");
        sgn_trustpolicy__add(&c, "trust-policies-missing", SGN_TRUSTPOLICY_ERROR, "trustPolicies",
                             NULL, m, f);
        goto out;
    }
    c.index = 0;
    cJSON_ArrayForEach(st, policies)
    {
        c.name = NULL;
        if ((rc = check_statement(&c, st, policies)) < 0)
            goto out;
        c.index++;
    }
out:
    cJSON_Delete(doc);
    if (rc == SGN_OK && c.oom)
        rc = sgn_error_set(err, SGN_ENOMEM, "out of memory");
    return rc;
}

void sgn_trustpolicy_findings_free(sgn_trustpolicy_findings *f)
{
    size_t i;

    if (f == NULL)
        return;
    for (i = 0; i < f->len; i++) {
        free(f->items[i].statement_name);
        free(f->items[i].value);
        free(f->items[i].message);
        free(f->items[i].fix);
    }
    free(f->items);
    f->items = NULL;
    f->len = 0;
    f->n_errors = 0;
}
