/* Trust policy validation with a fix for every problem (sgn/trustpolicy.h has the rules). */
#include "sgn/trustpolicy.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <cjson/cJSON.h>

#include "sgn/aws_roots.h"
#include "sgn/identity.h"
#include "sgn/notation_trust.h"
#include "identity_internal.h"

#define MSG_MAX 1024
#define DN_MAX_ATTRS 32
#define LOCAL_STORE "signer-local-ts"

typedef struct ctx {
    sgn_trustpolicy_findings *out;
    sgn_error *err;
    const char *config_dir;
    long index;        /* current statement, -1 for the document */
    const char *name;  /* current statement's name, or NULL */
    int oom;
} ctx;

static char *dup_or_null(const char *s)
{
    return s ? strdup(s) : NULL;
}

/* Append a finding (callers format message and fix first, with fmt). Memory failures are
 * remembered in c->oom and reported once at the end. */
static void add(ctx *c, const char *code, sgn_trustpolicy_severity sev, const char *field,
                const char *value, const char *message, const char *fix)
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

static void fmt(char *buf, const char *format, ...) __attribute__((format(printf, 2, 3)));
static void fmt(char *buf, const char *format, ...)
{
    va_list ap;

    va_start(ap, format);
    vsnprintf(buf, MSG_MAX, format, ap);
    va_end(ap);
}

/* The statement, quoted for messages. */
static const char *where(ctx *c, char *buf)
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

static void unknown_members(ctx *c, const cJSON *obj, const char *const *known, size_t n,
                            const char *field)
{
    const cJSON *it;
    char m[MSG_MAX], f[MSG_MAX], w[300];
    size_t i;

    cJSON_ArrayForEach(it, obj) {
        for (i = 0; i < n; i++)
            if (strcasecmp(it->string, known[i]) == 0)
                break;
        if (i < n)
            continue;
        if (c->index < 0)
            fmt(m, "notation does not know the member \"%s\" and ignores it", it->string);
        else
            fmt(m, "%s: notation does not know the member \"%s\" and ignores it", where(c, w),
                it->string);
        fmt(f, "remove \"%s\" or correct its spelling (members: %s%s%s%s%s%s%s%s%s)", it->string,
            known[0], n > 1 ? ", " : "", n > 1 ? known[1] : "", n > 2 ? ", " : "",
            n > 2 ? known[2] : "", n > 3 ? ", " : "", n > 3 ? known[3] : "", n > 4 ? ", " : "",
            n > 4 ? known[4] : "");
        add(c, "member-unknown", SGN_TRUSTPOLICY_WARNING, field, it->string, m, f);
    }
}

static void type_invalid(ctx *c, const char *field, const char *want)
{
    char m[MSG_MAX], f[MSG_MAX], w[300];

    if (c->index < 0)
        fmt(m, "\"%s\" must be %s; notation cannot read the document", field, want);
    else
        fmt(m, "%s: \"%s\" must be %s; notation cannot read the document", where(c, w), field,
            want);
    fmt(f, "make \"%s\" %s", field, want);
    add(c, "type-invalid", SGN_TRUSTPOLICY_ERROR, field, NULL, m, f);
}

/* An array of strings (null counts as empty, as in Go). Returns 0 and reports if it is not. */
static int string_array(ctx *c, const cJSON *v, const char *field)
{
    const cJSON *it;

    if (v == NULL || cJSON_IsNull(v))
        return 1;
    if (!cJSON_IsArray(v)) {
        type_invalid(c, field, "an array of strings");
        return 0;
    }
    cJSON_ArrayForEach(it, v) {
        if (!cJSON_IsString(it)) {
            type_invalid(c, field, "an array of strings");
            return 0;
        }
    }
    return 1;
}

static int array_len(const cJSON *v)
{
    return cJSON_IsArray(v) ? cJSON_GetArraySize(v) : 0;
}

/* --- registry scopes --------------------------------------------------------------------- */

static void check_scope(ctx *c, const char *s, int n_scopes)
{
    char m[MSG_MAX], f[MSG_MAX], w[300], fixed[512];
    const char *code = NULL, *p;
    size_t len;

    where(c, w);
    if (strcmp(s, "*") == 0) {
        if (n_scopes > 1) {
            fmt(m, "%s: the registry scope \"*\" is listed with other scopes", w);
            fmt(f, "use \"*\" alone (every repository) or remove it and keep the repositories");
            add(c, "registry-scope-wildcard-mixed", SGN_TRUSTPOLICY_ERROR, "registryScopes", s,
                m, f);
        }
        return;
    }
    snprintf(fixed, sizeof(fixed), "%s", s);
    switch (sgn_notation_scope_check(s)) {
    case SGN_SCOPE_OK:
        return;
    case SGN_SCOPE_EMPTY:
        code = "registry-scope-empty";
        fmt(m, "%s: a registry scope is empty", w);
        fmt(f, "remove it, or write a repository such as registry.example.com/app, or \"*\"");
        break;
    case SGN_SCOPE_WILDCARD:
        code = "registry-scope-wildcard";
        fmt(m, "%s: registry scope \"%s\" has a wildcard; notation knows only \"*\" alone", w, s);
        fmt(f, "list each repository (registry.example.com/app) or use \"*\" alone");
        break;
    case SGN_SCOPE_SCHEME:
        code = "registry-scope-scheme";
        p = strstr(s, "://") + 3;
        fmt(m, "%s: registry scope \"%s\" has a URL scheme", w, s);
        fmt(f, "write \"%s\" (no scheme)", p);
        break;
    case SGN_SCOPE_NO_REPOSITORY:
        code = "registry-scope-no-repository";
        fmt(m, "%s: registry scope \"%s\" is not <registry>/<repository>", w, s);
        fixed[strcspn(fixed, "/")] = '\0';
        fmt(f, "name the repository too, e.g. \"%s/app\" (a scope is one repository, not a "
               "registry), or use \"*\"",
            fixed[0] ? fixed : "registry.example.com");
        break;
    case SGN_SCOPE_DIGEST:
        code = "registry-scope-digest";
        fixed[strcspn(fixed, "@")] = '\0';
        fmt(m, "%s: registry scope \"%s\" has a digest; a scope names a repository", w, s);
        fmt(f, "write \"%s\" (no digest)", fixed);
        break;
    case SGN_SCOPE_TRAILING_SLASH:
        code = "registry-scope-trailing-slash";
        len = strlen(fixed);
        while (len > 0 && fixed[len - 1] == '/')
            fixed[--len] = '\0';
        fmt(m, "%s: registry scope \"%s\" ends with '/'", w, s);
        fmt(f, "write \"%s\" (no trailing '/')", fixed);
        break;
    case SGN_SCOPE_TAG:
        code = "registry-scope-tag";
        p = strchr(fixed, '/');
        fixed[strcspn(p, ":") + (size_t)(p - fixed)] = '\0';
        fmt(m, "%s: registry scope \"%s\" has a tag; a scope names a repository, and every tag "
               "and digest in it",
            w, s);
        fmt(f, "write \"%s\" (no tag)", fixed);
        break;
    case SGN_SCOPE_BAD_DOMAIN:
        code = "registry-scope-invalid";
        fmt(m, "%s: registry scope \"%s\" does not start with a registry host[:port]", w, s);
        fmt(f, "write <registry host>[:port]/<repository>, e.g. registry.example.com/app");
        break;
    case SGN_SCOPE_BAD_REPOSITORY:
        code = "registry-scope-invalid";
        fmt(m, "%s: the repository in registry scope \"%s\" is not a valid repository name", w,
            s);
        fmt(f, "use lower-case letters, digits and single '.', '_', '__' or '-' separators "
               "between '/'-separated parts, as the registry spells the repository");
        break;
    }
    add(c, code, SGN_TRUSTPOLICY_ERROR, "registryScopes", s, m, f);
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
static const char *check_verification(ctx *c, const cJSON *sv)
{
    static const char *const levels[] = {"strict", "permissive", "audit", "skip"};
    static const char *const types[] = {"integrity", "authenticity", "authenticTimestamp",
                                        "expiry", "revocation"};
    static const char *const actions[] = {"enforce", "log", "skip"};
    static const char *const known[] = {"level", "override", "verifyTimestamp"};
    const cJSON *level, *ov, *vt, *it;
    const char *lv;
    char m[MSG_MAX], f[MSG_MAX], w[300];

    where(c, w);
    if (sv == NULL || cJSON_IsNull(sv)) {
        fmt(m, "%s has no signatureVerification", w);
        fmt(f, "add \"signatureVerification\": {\"level\": \"strict\"}");
        add(c, "level-missing", SGN_TRUSTPOLICY_ERROR, "signatureVerification", NULL, m, f);
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
        fmt(m, "%s: signatureVerification.level is missing", w);
        fmt(f, "set \"level\" to \"strict\" (or permissive, audit, skip)");
        add(c, "level-missing", SGN_TRUSTPOLICY_ERROR, "signatureVerification", NULL, m, f);
        return NULL;
    }
    if (!one_of(lv, levels, 4)) {
        fmt(m, "%s: signature verification level \"%s\" is not one of strict, permissive, "
               "audit, skip",
            w, lv);
        fmt(f, "set \"level\" to \"strict\" (or permissive, audit, skip)");
        add(c, "level-invalid", SGN_TRUSTPOLICY_ERROR, "signatureVerification", lv, m, f);
        return NULL;
    }
    ov = member(sv, "override");
    if (ov != NULL && !cJSON_IsNull(ov) && !cJSON_IsObject(ov)) {
        type_invalid(c, "signatureVerification.override", "an object");
    } else if (cJSON_GetArraySize(ov) > 0 && strcmp(lv, "skip") == 0) {
        fmt(m, "%s: level \"skip\" cannot be customised with \"override\"", w);
        fmt(f, "remove \"override\", or choose level strict, permissive or audit");
        add(c, "override-on-skip", SGN_TRUSTPOLICY_ERROR, "signatureVerification", NULL, m, f);
    } else if (ov != NULL) {
        cJSON_ArrayForEach(it, ov) {
            const char *val = cJSON_IsString(it) ? it->valuestring : "";

            if (!cJSON_IsString(it)) {
                type_invalid(c, "signatureVerification.override", "an object of strings");
            } else if (!one_of(it->string, types, 5)) {
                fmt(m, "%s: \"%s\" cannot be overridden: the verification types are "
                       "integrity, authenticity, authenticTimestamp, expiry and revocation",
                    w, it->string);
                fmt(f, "remove \"%s\" or spell it as one of authenticity, authenticTimestamp, "
                       "expiry, revocation",
                    it->string);
                add(c, "override-type-invalid", SGN_TRUSTPOLICY_ERROR, "signatureVerification",
                    it->string, m, f);
            } else if (!one_of(val, actions, 3)) {
                fmt(m, "%s: override action \"%s\" for \"%s\" is not one of enforce, log, skip",
                    w, val, it->string);
                fmt(f, "set \"%s\" to \"enforce\" or \"log\"%s", it->string,
                    strcmp(it->string, "revocation") == 0 ? " (or \"skip\")" : "");
                add(c, "override-action-invalid", SGN_TRUSTPOLICY_ERROR,
                    "signatureVerification", val, m, f);
            } else if (strcmp(it->string, "integrity") == 0) {
                fmt(m, "%s: \"integrity\" verification cannot be overridden", w);
                fmt(f, "remove \"integrity\" from \"override\"");
                add(c, "override-integrity", SGN_TRUSTPOLICY_ERROR, "signatureVerification",
                    it->string, m, f);
            } else if (strcmp(val, "skip") == 0 && strcmp(it->string, "revocation") != 0) {
                fmt(m, "%s: \"%s\" verification cannot be skipped; only revocation can", w,
                    it->string);
                fmt(f, "set \"%s\" to \"log\" or \"enforce\"", it->string);
                add(c, "override-skip-not-revocation", SGN_TRUSTPOLICY_ERROR,
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
            fmt(m, "%s: verifyTimestamp \"%s\" is not \"always\" or \"afterCertExpiry\"", w,
                vt->valuestring);
            fmt(f, "set \"verifyTimestamp\" to \"always\" (the default) or \"afterCertExpiry\"");
            add(c, "verify-timestamp-invalid", SGN_TRUSTPOLICY_ERROR, "signatureVerification",
                vt->valuestring, m, f);
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
        fmt(f, "add AWS's root to it: notation cert add --type signingAuthority --store %s "
               "%s (installed as share/aws-signer-notation/truststore/x509/signingAuthority/"
               "%s/%s)",
            name, root->file, name, root->file);
    else if (strcmp(name, LOCAL_STORE) == 0 && type == SGN_STORE_SIGNING_AUTHORITY)
        fmt(f, "run `signer-local install-notation-trust` (it writes the local root there), or "
               "notation cert add --type signingAuthority --store %s <(signer-local "
               "export-root)",
            name);
    else
        fmt(f, "add its root certificate: notation cert add --type %s --store %s <root.crt>",
            sgn_notation_store_type_name(type), name);
}

static int check_store_on_disk(ctx *c, const char *ref, sgn_notation_store_type type,
                               const char *name, int *wrong_type_reported)
{
    sgn_notation_store_info info, other;
    char m[MSG_MAX], f[MSG_MAX], w[300];
    int rc, t;

    where(c, w);
    if ((rc = sgn_notation_store_inspect(&info, c->config_dir, type, name, c->err)) < 0)
        return rc;
    if (!info.exists) {
        for (t = 0; t < SGN_NOTATION_STORE_TYPES; t++) {
            if (t == (int)type)
                continue;
            if ((rc = sgn_notation_store_inspect(&other, c->config_dir,
                                                 (sgn_notation_store_type)t, name, c->err)) < 0)
                return rc;
            if (other.exists)
                break;
        }
        fmt(m, "%s: trust store \"%s\" does not exist: %s/truststore/x509/%s/%s/ is missing", w,
            ref, c->config_dir, sgn_notation_store_type_name(type), name);
        if (t < SGN_NOTATION_STORE_TYPES && !*wrong_type_reported)
            fmt(f, "the store exists as type %s: write \"%s:%s\"",
                sgn_notation_store_type_name((sgn_notation_store_type)t),
                sgn_notation_store_type_name((sgn_notation_store_type)t), name);
        else
            how_to_create(f, type, name);
        add(c, "trust-store-not-found", SGN_TRUSTPOLICY_ERROR, "trustStores", ref, m, f);
        return SGN_OK;
    }
    if (info.symlink) {
        fmt(m, "%s: trust store \"%s\" is or holds a symlink; notation refuses symlinks in trust "
               "stores",
            w, ref);
        fmt(f, "replace the link with the directory or certificate file itself");
        add(c, "trust-store-symlink", SGN_TRUSTPOLICY_ERROR, "trustStores", ref, m, f);
    }
    if (info.subdirectory) {
        fmt(m, "%s: trust store \"%s\" holds a subdirectory; notation refuses the store", w, ref);
        fmt(f, "move the subdirectory out of %s/truststore/x509/%s/%s/", c->config_dir,
            sgn_notation_store_type_name(type), name);
        add(c, "trust-store-subdirectory", SGN_TRUSTPOLICY_ERROR, "trustStores", ref, m, f);
    }
    if (info.n_bad_files > 0) {
        fmt(m, "%s: trust store \"%s\" holds %zu file(s) that are not certificates; notation "
               "reads every file and refuses the store",
            w, ref, info.n_bad_files);
        fmt(f, "remove everything but PEM or DER certificates from %s/truststore/x509/%s/%s/",
            c->config_dir, sgn_notation_store_type_name(type), name);
        add(c, "trust-store-bad-file", SGN_TRUSTPOLICY_ERROR, "trustStores", ref, m, f);
    }
    if (info.n_not_ca > 0) {
        fmt(m, "%s: trust store \"%s\" holds %zu certificate(s) that are neither a CA nor "
               "self-signed; notation refuses them",
            w, ref, info.n_not_ca);
        fmt(f, "put the root (CA) certificate in the store instead of a leaf");
        add(c, "trust-store-not-ca", SGN_TRUSTPOLICY_ERROR, "trustStores", ref, m, f);
    }
    if (info.n_certs == 0 && !info.symlink && info.n_bad_files == 0) {
        fmt(m, "%s: trust store \"%s\" holds no certificate; notation refuses an empty store", w,
            ref);
        how_to_create(f, type, name);
        add(c, "trust-store-empty", SGN_TRUSTPOLICY_ERROR, "trustStores", ref, m, f);
    }
    if (info.aws_root != NULL && type != SGN_STORE_SIGNING_AUTHORITY && !*wrong_type_reported) {
        fmt(m, "%s: trust store \"%s\" holds %s, but AWS Signer signatures use the "
               "notary.x509.signingAuthority scheme, which notation verifies only against "
               "signingAuthority stores",
            w, ref, info.aws_root->subject_cn);
        fmt(f, "move the certificate to a signingAuthority store and write "
               "\"signingAuthority:%s\" (AWS's installers use \"signingAuthority:%s\")",
            name, info.aws_root->store);
        add(c, "trust-store-wrong-type", SGN_TRUSTPOLICY_ERROR, "trustStores", ref, m, f);
        *wrong_type_reported = 1;
    }
    return SGN_OK;
}

static int check_store(ctx *c, const char *ref)
{
    char m[MSG_MAX], f[MSG_MAX], w[300];
    sgn_notation_store_type type = SGN_STORE_CA;
    const char *name = NULL, *owner;
    size_t t;
    int wrong_type = 0;

    where(c, w);
    switch (sgn_notation_store_ref_parse(ref, &type, &name)) {
    case SGN_STORE_REF_NO_SEPARATOR:
        fmt(m, "%s: trust store \"%s\" is not <type>:<name>", w, ref);
        if (authority_store_owner(ref) != NULL)
            fmt(f, "write \"signingAuthority:%s\"", ref);
        else
            fmt(f, "write \"<type>:%s\" with type ca, signingAuthority or tsa", ref);
        add(c, "trust-store-malformed", SGN_TRUSTPOLICY_ERROR, "trustStores", ref, m, f);
        return SGN_OK;
    case SGN_STORE_REF_BAD_TYPE:
        fmt(m, "%s: trust store \"%s\" has an unknown type \"%.*s\"", w, ref,
            (int)(name - 1 - ref), ref);
        for (t = 0; t < SGN_NOTATION_STORE_TYPES; t++)
            if ((size_t)(name - 1 - ref) == strlen(sgn_notation_store_type_name(t)) &&
                strncasecmp(ref, sgn_notation_store_type_name(t), (size_t)(name - 1 - ref)) == 0)
                break;
        if (t < SGN_NOTATION_STORE_TYPES)
            fmt(f, "write \"%s:%s\" (types are case-sensitive)",
                sgn_notation_store_type_name(t), name);
        else
            fmt(f, "use type ca, signingAuthority or tsa%s%s%s",
                authority_store_owner(name) ? ": \"signingAuthority:" : "",
                authority_store_owner(name) ? name : "", authority_store_owner(name) ? "\"" : "");
        add(c, "trust-store-type-invalid", SGN_TRUSTPOLICY_ERROR, "trustStores", ref, m, f);
        return SGN_OK;
    case SGN_STORE_REF_BAD_NAME:
        fmt(m, "%s: trust store name in \"%s\" is not a valid store name", w, ref);
        fmt(f, "use only letters, digits, '_', '.' and '-' in the store name");
        add(c, "trust-store-name-invalid", SGN_TRUSTPOLICY_ERROR, "trustStores", ref, m, f);
        return SGN_OK;
    case SGN_STORE_REF_OK:
        break;
    }
    owner = authority_store_owner(name);
    if (owner != NULL && type != SGN_STORE_SIGNING_AUTHORITY) {
        fmt(m, "%s: \"%s\" is where %s goes, and its signatures use the "
               "notary.x509.signingAuthority scheme, which notation verifies only against "
               "signingAuthority stores",
            w, ref, owner);
        fmt(f, "write \"signingAuthority:%s\"", name);
        add(c, "trust-store-wrong-type", SGN_TRUSTPOLICY_ERROR, "trustStores", ref, m, f);
        wrong_type = 1;
    }
    /* With the type wrong, the store to check is the one the fix names: check it next run. */
    if (c->config_dir != NULL && !wrong_type)
        return check_store_on_disk(c, ref, type, name, &wrong_type);
    return SGN_OK;
}

/* --- trusted identities ------------------------------------------------------------------ */

typedef struct dn_attr {
    char type[32];
    char value[256];
} dn_attr;

typedef struct dn {
    dn_attr a[DN_MAX_ATTRS];
    size_t n;
} dn;

static void trim(char *s)
{
    size_t n = strlen(s), i = 0;

    while (n > 0 && s[n - 1] == ' ')
        s[--n] = '\0';
    while (s[i] == ' ')
        i++;
    memmove(s, s + i, n - i + 1);
}

static int hexval(char ch)
{
    if (ch >= '0' && ch <= '9')
        return ch - '0';
    if (ch >= 'a' && ch <= 'f')
        return ch - 'a' + 10;
    if (ch >= 'A' && ch <= 'F')
        return ch - 'A' + 10;
    return -1;
}

/* Parse an RFC 4514 DN as notation does (go-ldap ParseDN, then notation's checks). On a problem
 * writes it to problem (MSG_MAX) and returns -1. */
static int dn_parse(dn *d, const char *s, char *problem)
{
    const char *p = s;

    d->n = 0;
    while (*p == ' ')
        p++;
    if (*p == '\0') {
        fmt(problem, "the distinguished name is empty");
        return -1;
    }
    for (;;) {
        dn_attr *at;
        size_t tn = 0, vn = 0, k;
        int quoted = 0;

        if (d->n == DN_MAX_ATTRS) {
            fmt(problem, "the distinguished name has too many attributes");
            return -1;
        }
        at = &d->a[d->n];
        while (*p != '\0' && *p != '=' && tn + 1 < sizeof(at->type))
            at->type[tn++] = *p++;
        at->type[tn] = '\0';
        trim(at->type);
        if (*p != '=' || at->type[0] == '\0') {
            fmt(problem, "\"%s\" is not a valid distinguished name (expected ATTR=value, ...)",
                s);
            return -1;
        }
        p++;
        while (*p == ' ')
            p++;
        if (*p == '#') {
            fmt(problem, "hex-encoded values (\"=#...\") are not supported");
            return -1;
        }
        if (*p == '"') {
            quoted = 1;
            p++;
        }
        while (*p != '\0' && vn + 1 < sizeof(at->value)) {
            if (quoted && *p == '"') {
                p++;
                quoted = 0;
                continue;
            }
            if (!quoted && (*p == ',' || *p == ';' || *p == '+'))
                break;
            if (*p == '\\' && p[1] != '\0') {
                if (hexval(p[1]) >= 0 && p[2] != '\0' && hexval(p[2]) >= 0) {
                    at->value[vn++] = (char)(hexval(p[1]) * 16 + hexval(p[2]));
                    p += 3;
                } else {
                    at->value[vn++] = p[1];
                    p += 2;
                }
                continue;
            }
            at->value[vn++] = *p++;
        }
        at->value[vn] = '\0';
        trim(at->value);
        if (quoted) {
            fmt(problem, "\"%s\" has an unterminated quoted value", s);
            return -1;
        }
        if (*p == '+') {
            fmt(problem, "multi-valued RDNs (\"+\") are not supported");
            return -1;
        }
        if (strcmp(at->type, "S") == 0)
            strcpy(at->type, "ST");
        for (k = 0; k < d->n; k++) {
            if (strcmp(d->a[k].type, at->type) == 0) {
                fmt(problem, "the attribute \"%s\" appears twice", at->type);
                return -1;
            }
        }
        d->n++;
        if (*p == '\0')
            break;
        p++; /* ',' or ';' */
    }
    {
        static const char *const mandatory[] = {"C", "ST", "O"};
        size_t i, k;

        for (i = 0; i < 3; i++) {
            for (k = 0; k < d->n && strcmp(d->a[k].type, mandatory[i]) != 0; k++)
                ;
            if (k == d->n) {
                fmt(problem, "it has no \"%s\" attribute; C, ST and O are required", mandatory[i]);
                return -1;
            }
        }
    }
    return 0;
}

static int dn_subset(const dn *a, const dn *b)
{
    size_t i, k;

    for (i = 0; i < a->n; i++) {
        for (k = 0; k < b->n; k++)
            if (strcmp(a->a[i].type, b->a[k].type) == 0 &&
                strcmp(a->a[i].value, b->a[k].value) == 0)
                break;
        if (k == b->n)
            return 0;
    }
    return 1;
}

static const sgn_aws_root *root_of_partition(sgn_span partition)
{
    size_t n, i;
    const sgn_aws_root *roots = sgn_aws_roots(&n);

    for (i = 0; i < n; i++)
        if (sgn_span_eq(partition, roots[i].partition))
            return &roots[i];
    return NULL;
}

static int statement_has_store(const cJSON *stores, const char *ref)
{
    const cJSON *it;

    cJSON_ArrayForEach(it, stores)
        if (cJSON_IsString(it) && strcmp(it->valuestring, ref) == 0)
            return 1;
    return 0;
}

/* Does the statement name an AWS Signer store (any type)? */
static int statement_names_aws_store(const cJSON *stores)
{
    const cJSON *it;
    sgn_notation_store_type type;
    const char *name = NULL;

    cJSON_ArrayForEach(it, stores)
        if (cJSON_IsString(it) &&
            sgn_notation_store_ref_parse(it->valuestring, &type, &name) == SGN_STORE_REF_OK &&
            sgn_aws_root_by_store(name) != NULL)
            return 1;
    return 0;
}

static void check_profile_partition(ctx *c, const char *id, const cJSON *stores)
{
    sgn_identity__arn a;
    const sgn_aws_root *root;
    char ref[128], m[MSG_MAX], f[MSG_MAX], w[300];

    if (sgn_identity__arn_parse(&a, sgn_span_cstr(id)) < 0 || sgn_span_eq(a.region, "local") ||
        (root = root_of_partition(a.partition)) == NULL || !statement_names_aws_store(stores))
        return;
    snprintf(ref, sizeof(ref), "signingAuthority:%s", root->store);
    if (statement_has_store(stores, ref))
        return;
    fmt(m, "%s: profile \"%s\" is in partition \"%s\", whose signatures chain to the %s, but the "
           "statement does not trust \"%s\"",
        where(c, w), id, root->partition, root->subject_cn, ref);
    fmt(f, "add \"%s\" to trustStores", ref);
    add(c, "trusted-identity-partition", SGN_TRUSTPOLICY_WARNING, "trustedIdentities", id, m, f);
}

static void check_identities(ctx *c, const cJSON *ids, const cJSON *stores)
{
    char m[MSG_MAX], f[MSG_MAX], w[300], fixed[1024];
    const cJSON *it;
    int n = array_len(ids), n_x509 = 0, uses_plugin = statement_names_aws_store(stores);
    dn *dns = NULL;
    const char **dn_ids = NULL;
    int i, k;

    where(c, w);
    cJSON_ArrayForEach(it, ids) {
        if (cJSON_IsString(it) &&
            (sgn_identity_classify(sgn_span_cstr(it->valuestring)) == SGN_IDENTITY_PROFILE ||
             sgn_identity_classify(sgn_span_cstr(it->valuestring)) ==
                 SGN_IDENTITY_PROFILE_VERSION))
            uses_plugin = 1;
    }
    if (n > 0) {
        dns = calloc((size_t)n, sizeof(*dns));
        dn_ids = calloc((size_t)n, sizeof(*dn_ids));
        if (dns == NULL || dn_ids == NULL) {
            c->oom = 1;
            goto out;
        }
    }
    cJSON_ArrayForEach(it, ids) {
        const char *id = it->valuestring;
        sgn_identity_kind kind = sgn_identity_classify(sgn_span_cstr(id));
        const char *colon = strchr(id, ':'), *p;

        if (id[0] == '\0') {
            fmt(m, "%s: a trusted identity is empty", w);
            fmt(f, "remove it, or write a signing profile ARN");
            add(c, "trusted-identity-empty", SGN_TRUSTPOLICY_ERROR, "trustedIdentities", id, m, f);
            continue;
        }
        switch (kind) {
        case SGN_IDENTITY_WILDCARD:
            if (n > 1) {
                fmt(m, "%s: the trusted identity \"*\" is listed with other identities; "
                       "notation refuses that",
                    w);
                fmt(f, "remove \"*\" (the AWS Signer plugin refuses it anyway) and keep the "
                       "profile ARNs");
                add(c, "trusted-identity-wildcard-mixed", SGN_TRUSTPOLICY_ERROR,
                    "trustedIdentities", id, m, f);
            } else {
                fmt(m, "%s: %s", w, SGN_MSG_WILDCARD);
                fmt(f, "list the signing profile ARNs to trust instead, e.g. "
                       "\"arn:aws:signer:us-west-2:111122223333:/signing-profiles/MyProfile\"");
                add(c, "trusted-identity-wildcard", SGN_TRUSTPOLICY_ERROR, "trustedIdentities",
                    id, m, f);
            }
            break;
        case SGN_IDENTITY_PROFILE:
        case SGN_IDENTITY_PROFILE_VERSION:
            check_profile_partition(c, id, stores);
            break;
        case SGN_IDENTITY_PROFILE_SINGULAR:
            p = strstr(id, "/signing-profile/");
            snprintf(fixed, sizeof(fixed), "%.*s/signing-profiles/%s", (int)(p - id), id,
                     p + strlen("/signing-profile/"));
            fmt(m, "%s: trusted identity \"%s\" uses \"/signing-profile/\"; signing profile ARNs "
                   "use \"/signing-profiles/\", so it never matches",
                w, id);
            fmt(f, "write \"%s\"", fixed);
            add(c, "trusted-identity-profile-singular", SGN_TRUSTPOLICY_ERROR,
                "trustedIdentities", id, m, f);
            break;
        case SGN_IDENTITY_SIGNING_JOB:
            p = strstr(id, "/signing-jobs/");
            fmt(m, "%s: trusted identity \"%s\" is a signing job ARN; only signing profile ARNs "
                   "match",
                w, id);
            fmt(f, "trust the profile that ran the job: \"%.*s/signing-profiles/<profile name>\" "
                   "(describe-signing-job shows it)",
                (int)(p - id), id);
            add(c, "trusted-identity-signing-job", SGN_TRUSTPOLICY_ERROR, "trustedIdentities",
                id, m, f);
            break;
        case SGN_IDENTITY_PROFILE_MALFORMED:
            snprintf(fixed, sizeof(fixed), "%s", id);
            while (strlen(fixed) > 0 && fixed[strlen(fixed) - 1] == '/')
                fixed[strlen(fixed) - 1] = '\0';
            fmt(m, "%s: trusted identity \"%s\" is not a signing profile ARN "
                   "(arn:<partition>:signer:<region>:<account>:/signing-profiles/<name>[/<version>"
                   "]), so it never matches",
                w, id);
            if (strcmp(fixed, id) != 0 &&
                (sgn_identity_classify(sgn_span_cstr(fixed)) == SGN_IDENTITY_PROFILE ||
                 sgn_identity_classify(sgn_span_cstr(fixed)) == SGN_IDENTITY_PROFILE_VERSION))
                fmt(f, "write \"%s\" (no trailing '/')", fixed);
            else
                fmt(f, "write arn:<partition>:signer:<region>:<account>:/signing-profiles/<name> "
                       "(every version) or .../<name>/<version>");
            add(c, "trusted-identity-arn-invalid", SGN_TRUSTPOLICY_ERROR, "trustedIdentities", id,
                m, f);
            break;
        case SGN_IDENTITY_OTHER_ARN:
            fmt(m, "%s: trusted identity \"%s\" is an ARN but not a signing profile ARN; the AWS "
                   "Signer plugin never matches it",
                w, id);
            fmt(f, "write a signing profile ARN, "
                   "arn:<partition>:signer:<region>:<account>:/signing-profiles/<name>");
            add(c, "trusted-identity-not-profile", SGN_TRUSTPOLICY_WARNING, "trustedIdentities",
                id, m, f);
            break;
        case SGN_IDENTITY_OTHER:
            if (colon == NULL) {
                fmt(m, "%s: trusted identity \"%s\" has no ':' separator", w, id);
                fmt(f, "write a signing profile ARN, or \"x509.subject: C=..., ST=..., O=...\"");
                add(c, "trusted-identity-malformed", SGN_TRUSTPOLICY_ERROR, "trustedIdentities",
                    id, m, f);
                break;
            }
            if ((size_t)(colon - id) != strlen("x509.subject") ||
                strncmp(id, "x509.subject", (size_t)(colon - id)) != 0)
                break; /* another plugin's identity: notation passes it through */
            if (dn_parse(&dns[n_x509], colon + 1, fixed) < 0) {
                fmt(m, "%s: trusted identity \"%s\" is not a valid x509.subject: %s", w, id,
                    fixed);
                fmt(f, "write \"x509.subject: C=<country>, ST=<state>, O=<organization>[, ...]\" "
                       "with each attribute once");
                add(c, "trusted-identity-x509-invalid", SGN_TRUSTPOLICY_ERROR,
                    "trustedIdentities", id, m, f);
                break;
            }
            dn_ids[n_x509++] = id;
            if (uses_plugin) {
                fmt(m, "%s: trusted identity \"%s\" never matches an AWS Signer signature: the "
                       "plugin checks identities itself and matches only signing profile ARNs",
                    w, id);
                fmt(f, "trust the signing profile ARN instead, or move x509.subject identities "
                       "to a statement for other signers");
                add(c, "trusted-identity-x509-with-plugin", SGN_TRUSTPOLICY_WARNING,
                    "trustedIdentities", id, m, f);
            }
            break;
        }
    }
    for (i = 0; i < n_x509; i++) {
        for (k = i + 1; k < n_x509; k++) {
            if (dn_subset(&dns[i], &dns[k]) || dn_subset(&dns[k], &dns[i])) {
                fmt(m, "%s: x509 trusted identities \"%s\" and \"%s\" overlap (one is a subset of "
                       "the other)",
                    w, dn_ids[i], dn_ids[k]);
                fmt(f, "keep only the more specific one");
                add(c, "trusted-identity-x509-overlap", SGN_TRUSTPOLICY_ERROR,
                    "trustedIdentities", dn_ids[k], m, f);
            }
        }
    }
out:
    free(dns);
    free(dn_ids);
}

/* --- statements and the document --------------------------------------------------------- */

static int check_statement(ctx *c, const cJSON *st, const cJSON *policies)
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
    where(c, w);
    unknown_members(c, st, known, sizeof(known) / sizeof(known[0]), "trustPolicies");
    if (c->name == NULL || c->name[0] == '\0') {
        fmt(m, "%s has no name; every statement needs one", w);
        fmt(f, "add \"name\": \"aws-signer-tp\" (any name not used by another statement)");
        add(c, "name-missing", SGN_TRUSTPOLICY_ERROR, "name", NULL, m, f);
    } else {
        for (j = 0, other = policies->child; other != NULL && j < c->index;
             other = other->next, j++) {
            const cJSON *on = member(other, "name");
            if (cJSON_IsString(on) && strcmp(on->valuestring, c->name) == 0) {
                fmt(m, "%s has the same name as statement %ld; names must be unique", w, j);
                fmt(f, "rename one of them");
                add(c, "name-duplicate", SGN_TRUSTPOLICY_ERROR, "name", c->name, m, f);
                break;
            }
        }
    }

    scopes = member(st, "registryScopes");
    if (string_array(c, scopes, "registryScopes")) {
        if (array_len(scopes) == 0) {
            fmt(m, "%s has no registry scopes", w);
            fmt(f, "add \"registryScopes\": [\"*\"] or the repositories it covers");
            add(c, "registry-scopes-missing", SGN_TRUSTPOLICY_ERROR, "registryScopes", NULL, m,
                f);
        }
        cJSON_ArrayForEach(it, scopes) {
            const cJSON *s2;
            int seen = 0;

            check_scope(c, it->valuestring, array_len(scopes));
            /* a scope may appear once in the whole document: report its second appearance */
            for (j = 0, other = policies->child; other != NULL && j <= c->index && !seen;
                 other = other->next, j++) {
                cJSON_ArrayForEach(s2, member(other, "registryScopes")) {
                    if (j == c->index && s2 == it)
                        break;
                    if (cJSON_IsString(s2) && strcmp(s2->valuestring, it->valuestring) == 0) {
                        seen = 1;
                        fmt(m, "%s: registry scope \"%s\" is already in %s; a scope may appear "
                               "in only one statement",
                            w, it->valuestring,
                            j == c->index ? "this statement" : "an earlier statement");
                        fmt(f, "keep \"%s\" in one statement only", it->valuestring);
                        add(c, "registry-scope-duplicate", SGN_TRUSTPOLICY_ERROR,
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
        if (array_len(stores) > 0 || array_len(ids) > 0) {
            fmt(m, "%s skips verification but lists trust stores or trusted identities", w);
            fmt(f, "remove \"trustStores\" and \"trustedIdentities\", or choose level strict");
            add(c, "skip-with-trust", SGN_TRUSTPOLICY_ERROR, "signatureVerification", level, m,
                f);
        }
        return SGN_OK;
    }
    if (array_len(stores) == 0) {
        fmt(m, "%s has no trust stores", w);
        fmt(f, "add \"trustStores\": [\"signingAuthority:aws-signer-ts\"] (AWS commercial "
               "regions; GovCloud: signingAuthority:aws-us-gov-signer-ts)");
        add(c, "trust-stores-missing", SGN_TRUSTPOLICY_ERROR, "trustStores", NULL, m, f);
    }
    if (array_len(ids) == 0) {
        fmt(m, "%s has no trusted identities", w);
        fmt(f, "add \"trustedIdentities\": [\"arn:aws:signer:<region>:<account>:/"
               "signing-profiles/<name>\"]");
        add(c, "trusted-identities-missing", SGN_TRUSTPOLICY_ERROR, "trustedIdentities", NULL, m,
            f);
    }
    cJSON_ArrayForEach(it, stores) {
        if ((rc = check_store(c, it->valuestring)) < 0)
            return rc;
    }
    if (ids != NULL)
        check_identities(c, ids, stores);
    return SGN_OK;
}

int sgn_trustpolicy_validate(sgn_trustpolicy_findings *out, const char *text, size_t len,
                             const char *config_dir, sgn_error *err)
{
    static const char *const known[] = {"version", "trustPolicies"};
    ctx c = {out, err, config_dir, -1, NULL, 0};
    cJSON *doc = NULL;
    const cJSON *version, *policies, *st;
    char m[MSG_MAX], f[MSG_MAX];
    int rc = SGN_OK;

    doc = cJSON_ParseWithLength(text, len);
    if (doc == NULL || !cJSON_IsObject(doc)) {
        if (doc == NULL)
            fmt(m, "the document is not valid JSON (near byte %zu)",
                (size_t)(cJSON_GetErrorPtr() ? cJSON_GetErrorPtr() - text : 0));
        else
            fmt(m, "the document is not a JSON object");
        fmt(f, "write {\"version\": \"1.0\", \"trustPolicies\": [ ... ]}");
        add(&c, "json-invalid", SGN_TRUSTPOLICY_ERROR, "", NULL, m, f);
        goto out;
    }
    unknown_members(&c, doc, known, 2, "");
    version = member(doc, "version");
    if (version != NULL && !cJSON_IsNull(version) && !cJSON_IsString(version)) {
        type_invalid(&c, "version", "a string");
    } else if (!cJSON_IsString(version) || version->valuestring[0] == '\0') {
        fmt(m, "the document has no version");
        fmt(f, "add \"version\": \"1.0\"");
        add(&c, "version-missing", SGN_TRUSTPOLICY_ERROR, "version", NULL, m, f);
    } else if (strcmp(version->valuestring, "1.0") != 0) {
        fmt(m, "version \"%s\" is not supported; notation knows only \"1.0\"",
            version->valuestring);
        fmt(f, "set \"version\": \"1.0\"");
        add(&c, "version-unsupported", SGN_TRUSTPOLICY_ERROR, "version", version->valuestring, m,
            f);
    }
    policies = member(doc, "trustPolicies");
    if (policies != NULL && !cJSON_IsNull(policies) && !cJSON_IsArray(policies)) {
        type_invalid(&c, "trustPolicies", "an array of statements");
        goto out;
    }
    if (array_len(policies) == 0) {
        fmt(m, "the document has no trust policy statements");
        fmt(f, "add a statement to \"trustPolicies\" (see trustpolicy/templates/)");
        add(&c, "trust-policies-missing", SGN_TRUSTPOLICY_ERROR, "trustPolicies", NULL, m, f);
        goto out;
    }
    c.index = 0;
    cJSON_ArrayForEach(st, policies) {
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
