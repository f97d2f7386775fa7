/* Trust policy validation: trusted identities (x509.subject DNs, AWS Signer profile ARNs) and how
 * they fit the statement's trust stores (sgn/trustpolicy.h has the rules). */
#include "sgn/trustpolicy.h"

#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "identity_internal.h"
#include "sgn/aws_roots.h"
#include "sgn/identity.h"
#include "sgn/notation_trust.h"
#include "validate_int.h"

#define DN_MAX_ATTRS 32

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
        sgn_trustpolicy__fmt(problem, "the distinguished name is empty");
        return -1;
    }
    for (;;) {
        dn_attr *at;
        size_t tn = 0, vn = 0, k;
        int quoted = 0;

        if (d->n == DN_MAX_ATTRS) {
            sgn_trustpolicy__fmt(problem, "the distinguished name has too many attributes");
            return -1;
        }
        at = &d->a[d->n];
        while (*p != '\0' && *p != '=' && tn + 1 < sizeof(at->type))
            at->type[tn++] = *p++;
        at->type[tn] = '\0';
        trim(at->type);
        if (*p != '=' || at->type[0] == '\0') {
            sgn_trustpolicy__fmt(
                problem, "\"%s\" is not a valid distinguished name (expected ATTR=value, ...)", s);
            return -1;
        }
        p++;
        while (*p == ' ')
            p++;
        if (*p == '#') {
            sgn_trustpolicy__fmt(problem, "hex-encoded values (\"=#...\") are not supported");
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
            sgn_trustpolicy__fmt(problem, "\"%s\" has an unterminated quoted value", s);
            return -1;
        }
        if (*p == '+') {
            sgn_trustpolicy__fmt(problem, "multi-valued RDNs (\"+\") are not supported");
            return -1;
        }
        if (strcmp(at->type, "S") == 0)
            strcpy(at->type, "ST");
        for (k = 0; k < d->n; k++) {
            if (strcmp(d->a[k].type, at->type) == 0) {
                sgn_trustpolicy__fmt(problem, "the attribute \"%s\" appears twice", at->type);
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
                sgn_trustpolicy__fmt(
                    problem, "it has no \"%s\" attribute; C, ST and O are required", mandatory[i]);
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

    cJSON_ArrayForEach(it, stores) if (cJSON_IsString(it) &&
                                       strcmp(it->valuestring, ref) == 0) return 1;
    return 0;
}

/* Does the statement name an AWS Signer store (any type)? */
static int statement_names_aws_store(const cJSON *stores)
{
    const cJSON *it;
    sgn_notation_store_type type;
    const char *name = NULL;

    cJSON_ArrayForEach(it, stores) if (cJSON_IsString(it) &&
                                       sgn_notation_store_ref_parse(it->valuestring, &type,
                                                                    &name) == SGN_STORE_REF_OK &&
                                       sgn_aws_root_by_store(name) != NULL) return 1;
    return 0;
}

static void check_profile_partition(sgn_trustpolicy__ctx *c, const char *id, const cJSON *stores)
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
    sgn_trustpolicy__fmt(
        m,
        "%s: profile \"%s\" is in partition \"%s\", whose signatures chain to the %s, but the "
        "statement does not trust \"%s\"",
        sgn_trustpolicy__where(c, w), id, root->partition, root->subject_cn, ref);
    sgn_trustpolicy__fmt(f, "add \"%s\" to trustStores", ref);
    sgn_trustpolicy__add(c, "trusted-identity-partition", SGN_TRUSTPOLICY_WARNING,
                         "trustedIdentities", id, m, f);
}

void sgn_trustpolicy__check_identities(sgn_trustpolicy__ctx *c, const cJSON *ids,
                                       const cJSON *stores)
{
    char m[MSG_MAX], f[MSG_MAX], w[300], fixed[1024];
    const cJSON *it;
    int n = sgn_trustpolicy__array_len(ids), n_x509 = 0,
        uses_plugin = statement_names_aws_store(stores);
    dn *dns = NULL;
    const char **dn_ids = NULL;
    int i, k;

    sgn_trustpolicy__where(c, w);
    cJSON_ArrayForEach(it, ids)
    {
        if (cJSON_IsString(it) &&
            (sgn_identity_classify(sgn_span_cstr(it->valuestring)) == SGN_IDENTITY_PROFILE ||
             sgn_identity_classify(sgn_span_cstr(it->valuestring)) == SGN_IDENTITY_PROFILE_VERSION))
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
    cJSON_ArrayForEach(it, ids)
    {
        const char *id = it->valuestring;
        sgn_identity_kind kind = sgn_identity_classify(sgn_span_cstr(id));
        const char *colon = strchr(id, ':'), *p;

        if (id[0] == '\0') {
            sgn_trustpolicy__fmt(m, "%s: a trusted identity is empty", w);
            sgn_trustpolicy__fmt(f, "remove it, or write a signing profile ARN");
            sgn_trustpolicy__add(c, "trusted-identity-empty", SGN_TRUSTPOLICY_ERROR,
                                 "trustedIdentities", id, m, f);
            continue;
        }
        switch (kind) {
        case SGN_IDENTITY_WILDCARD:
            if (n > 1) {
                sgn_trustpolicy__fmt(
                    m,
                    "%s: the trusted identity \"*\" is listed with other identities; "
                    "notation refuses that",
                    w);
                sgn_trustpolicy__fmt(
                    f, "remove \"*\" (the AWS Signer plugin refuses it anyway) and keep the "
                       "profile ARNs");
                sgn_trustpolicy__add(c, "trusted-identity-wildcard-mixed", SGN_TRUSTPOLICY_ERROR,
                                     "trustedIdentities", id, m, f);
            } else {
                sgn_trustpolicy__fmt(m, "%s: %s", w, SGN_MSG_WILDCARD);
                sgn_trustpolicy__fmt(
                    f, "list the signing profile ARNs to trust instead, e.g. "
                       "\"arn:aws:signer:us-west-2:111122223333:/signing-profiles/MyProfile\"");
                sgn_trustpolicy__add(c, "trusted-identity-wildcard", SGN_TRUSTPOLICY_ERROR,
                                     "trustedIdentities", id, m, f);
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
            sgn_trustpolicy__fmt(
                m,
                "%s: trusted identity \"%s\" uses \"/signing-profile/\"; signing profile ARNs "
                "use \"/signing-profiles/\", so it never matches",
                w, id);
            sgn_trustpolicy__fmt(f, "write \"%s\"", fixed);
            sgn_trustpolicy__add(c, "trusted-identity-profile-singular", SGN_TRUSTPOLICY_ERROR,
                                 "trustedIdentities", id, m, f);
            break;
        case SGN_IDENTITY_SIGNING_JOB:
            p = strstr(id, "/signing-jobs/");
            sgn_trustpolicy__fmt(
                m,
                "%s: trusted identity \"%s\" is a signing job ARN; only signing profile ARNs "
                "match",
                w, id);
            sgn_trustpolicy__fmt(
                f,
                "trust the profile that ran the job: \"%.*s/signing-profiles/<profile name>\" "
                "(describe-signing-job shows it)",
                (int)(p - id), id);
            sgn_trustpolicy__add(c, "trusted-identity-signing-job", SGN_TRUSTPOLICY_ERROR,
                                 "trustedIdentities", id, m, f);
            break;
        case SGN_IDENTITY_PROFILE_MALFORMED:
            snprintf(fixed, sizeof(fixed), "%s", id);
            while (strlen(fixed) > 0 && fixed[strlen(fixed) - 1] == '/')
                fixed[strlen(fixed) - 1] = '\0';
            sgn_trustpolicy__fmt(
                m,
                "%s: trusted identity \"%s\" is not a signing profile ARN "
                "(arn:<partition>:signer:<region>:<account>:/signing-profiles/<name>[/<version>"
                "]), so it never matches",
                w, id);
            if (strcmp(fixed, id) != 0 &&
                (sgn_identity_classify(sgn_span_cstr(fixed)) == SGN_IDENTITY_PROFILE ||
                 sgn_identity_classify(sgn_span_cstr(fixed)) == SGN_IDENTITY_PROFILE_VERSION))
                sgn_trustpolicy__fmt(f, "write \"%s\" (no trailing '/')", fixed);
            else
                sgn_trustpolicy__fmt(
                    f, "write arn:<partition>:signer:<region>:<account>:/signing-profiles/<name> "
                       "(every version) or .../<name>/<version>");
            sgn_trustpolicy__add(c, "trusted-identity-arn-invalid", SGN_TRUSTPOLICY_ERROR,
                                 "trustedIdentities", id, m, f);
            break;
        case SGN_IDENTITY_OTHER_ARN:
            sgn_trustpolicy__fmt(
                m,
                "%s: trusted identity \"%s\" is an ARN but not a signing profile ARN; the AWS "
                "Signer plugin never matches it",
                w, id);
            sgn_trustpolicy__fmt(
                f, "write a signing profile ARN, "
                   "arn:<partition>:signer:<region>:<account>:/signing-profiles/<name>");
            sgn_trustpolicy__add(c, "trusted-identity-not-profile", SGN_TRUSTPOLICY_WARNING,
                                 "trustedIdentities", id, m, f);
            break;
        case SGN_IDENTITY_OTHER:
            if (colon == NULL) {
                sgn_trustpolicy__fmt(m, "%s: trusted identity \"%s\" has no ':' separator", w, id);
                sgn_trustpolicy__fmt(
                    f, "write a signing profile ARN, or \"x509.subject: C=..., ST=..., O=...\"");
                sgn_trustpolicy__add(c, "trusted-identity-malformed", SGN_TRUSTPOLICY_ERROR,
                                     "trustedIdentities", id, m, f);
                break;
            }
            if ((size_t)(colon - id) != strlen("x509.subject") ||
                strncmp(id, "x509.subject", (size_t)(colon - id)) != 0)
                break; /* another plugin's identity: notation passes it through */
            if (dn_parse(&dns[n_x509], colon + 1, fixed) < 0) {
                sgn_trustpolicy__fmt(
                    m, "%s: trusted identity \"%s\" is not a valid x509.subject: %s", w, id, fixed);
                sgn_trustpolicy__fmt(
                    f, "write \"x509.subject: C=<country>, ST=<state>, O=<organization>[, ...]\" "
                       "with each attribute once");
                sgn_trustpolicy__add(c, "trusted-identity-x509-invalid", SGN_TRUSTPOLICY_ERROR,
                                     "trustedIdentities", id, m, f);
                break;
            }
            dn_ids[n_x509++] = id;
            if (uses_plugin) {
                sgn_trustpolicy__fmt(
                    m,
                    "%s: trusted identity \"%s\" never matches an AWS Signer signature: the "
                    "plugin checks identities itself and matches only signing profile ARNs",
                    w, id);
                sgn_trustpolicy__fmt(
                    f, "trust the signing profile ARN instead, or move x509.subject identities "
                       "to a statement for other signers");
                sgn_trustpolicy__add(c, "trusted-identity-x509-with-plugin",
                                     SGN_TRUSTPOLICY_WARNING, "trustedIdentities", id, m, f);
            }
            break;
        }
    }
    for (i = 0; i < n_x509; i++) {
        for (k = i + 1; k < n_x509; k++) {
            if (dn_subset(&dns[i], &dns[k]) || dn_subset(&dns[k], &dns[i])) {
                sgn_trustpolicy__fmt(
                    m,
                    "%s: x509 trusted identities \"%s\" and \"%s\" overlap (one is a subset of "
                    "the other)",
                    w, dn_ids[i], dn_ids[k]);
                sgn_trustpolicy__fmt(f, "keep only the more specific one");
                sgn_trustpolicy__add(c, "trusted-identity-x509-overlap", SGN_TRUSTPOLICY_ERROR,
                                     "trustedIdentities", dn_ids[k], m, f);
            }
        }
    }
out:
    free(dns);
    free(dn_ids);
}
