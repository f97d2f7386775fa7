/* Notation trust policy documents: statements, merging, and the two policy files. */
#include "sgn/notation_trust.h"
#include "notation_int.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "sgn/buf.h"
#include "sgn/util.h"

#define POLICY_FILE_MAX (4u * 1024 * 1024)

static int check_scopes(const sgn_notation_policy_spec *spec, sgn_error *err)
{
    size_t i;

    if (spec->n_registry_scopes == 0)
        return sgn_error_set(err, SGN_EINVALID, "a trust policy statement needs a registry scope");
    for (i = 0; i < spec->n_registry_scopes; i++) {
        const char *s = spec->registry_scopes[i];

        if (s == NULL || s[0] == '\0')
            return sgn_error_set(err, SGN_EINVALID, "empty registry scope");
        if (strcmp(s, "*") == 0) {
            if (spec->n_registry_scopes > 1)
                return sgn_error_set(err, SGN_EINVALID,
                                     "registry scope \"*\" must be the only scope");
            continue;
        }
        if (sgn_notation_scope_check(s) != SGN_SCOPE_OK)
            return sgn_error_set(err, SGN_EINVALID,
                                 "invalid registry scope \"%s\": use \"*\" or a repository such "
                                 "as registry.example.com/ns/repo (no tag, digest or wildcard)",
                                 s);
    }
    return SGN_OK;
}

static int check_trust_stores(const sgn_notation_policy_spec *spec, sgn_error *err)
{
    size_t i;

    if (spec->n_trust_stores == 0)
        return sgn_error_set(err, SGN_EINVALID, "a trust policy statement needs a trust store");
    for (i = 0; i < spec->n_trust_stores; i++) {
        const char *s = spec->trust_stores[i], *name = NULL;
        sgn_notation_store_type type;

        if (sgn_notation_store_ref_parse(s, &type, &name) != SGN_STORE_REF_OK)
            return sgn_error_set(err, SGN_EINVALID,
                                 "invalid trust store reference \"%s\": use <type>:<name> with "
                                 "type ca, signingAuthority or tsa",
                                 s ? s : "");
    }
    return SGN_OK;
}

static int check_identities(const sgn_notation_policy_spec *spec, sgn_error *err)
{
    size_t i;

    if (spec->n_trusted_identities == 0)
        return sgn_error_set(err, SGN_EINVALID,
                             "a trust policy statement needs a trusted identity");
    for (i = 0; i < spec->n_trusted_identities; i++) {
        const char *s = spec->trusted_identities[i];

        if (s != NULL && strcmp(s, "*") == 0) {
            if (spec->n_trusted_identities > 1)
                return sgn_error_set(err, SGN_EINVALID,
                                     "trusted identity \"*\" must be the only identity");
            continue;
        }
        if (s == NULL || strchr(s, ':') == NULL || s[0] == ':')
            return sgn_error_set(err, SGN_EINVALID,
                                 "invalid trusted identity \"%s\": expected a signing profile "
                                 "ARN",
                                 s ? s : "");
    }
    return SGN_OK;
}

/* Append the strings to a new array under name, once each. */
static int add_unique_strings(cJSON *obj, const char *name, const char *const *items, size_t n,
                              sgn_error *err)
{
    cJSON *arr = cJSON_AddArrayToObject(obj, name), *s;
    size_t i;

    if (arr == NULL)
        return sgn_notation__oom(err);
    for (i = 0; i < n; i++) {
        if (sgn_notation__in_list(items[i], items, i))
            continue;
        if ((s = cJSON_CreateString(items[i])) == NULL || !cJSON_AddItemToArray(arr, s)) {
            cJSON_Delete(s);
            return sgn_notation__oom(err);
        }
    }
    return SGN_OK;
}

int sgn_notation_policy_statement(cJSON **out, const sgn_notation_policy_spec *spec,
                                  sgn_error *err)
{
    cJSON *st = NULL, *sv, *ov;
    int rc;

    *out = NULL;
    if (spec->name == NULL || spec->name[0] == '\0')
        return sgn_error_set(err, SGN_EINVALID, "a trust policy statement needs a name");
    if ((rc = check_scopes(spec, err)) < 0 || (rc = check_trust_stores(spec, err)) < 0 ||
        (rc = check_identities(spec, err)) < 0)
        return rc;
    if ((st = cJSON_CreateObject()) == NULL)
        return sgn_notation__oom(err);
    if (cJSON_AddStringToObject(st, "name", spec->name) == NULL)
        goto nomem;
    if ((rc = add_unique_strings(st, "registryScopes", spec->registry_scopes,
                                 spec->n_registry_scopes, err)) < 0)
        goto fail;
    if ((sv = cJSON_AddObjectToObject(st, "signatureVerification")) == NULL ||
        cJSON_AddStringToObject(sv, "level", "strict") == NULL)
        goto nomem;
    if (spec->revocation != SGN_NOTATION_REVOCATION_ENFORCE) {
        const char *mode = spec->revocation == SGN_NOTATION_REVOCATION_SKIP ? "skip" : "log";
        if ((ov = cJSON_AddObjectToObject(sv, "override")) == NULL ||
            cJSON_AddStringToObject(ov, "revocation", mode) == NULL)
            goto nomem;
    }
    if ((rc = add_unique_strings(st, "trustStores", spec->trust_stores, spec->n_trust_stores,
                                 err)) < 0 ||
        (rc = add_unique_strings(st, "trustedIdentities", spec->trusted_identities,
                                 spec->n_trusted_identities, err)) < 0)
        goto fail;
    *out = st;
    return SGN_OK;
nomem:
    rc = sgn_notation__oom(err);
fail:
    cJSON_Delete(st);
    return rc;
}

int sgn_notation_policy_document_new(cJSON **out, sgn_error *err)
{
    cJSON *doc = cJSON_CreateObject();

    *out = NULL;
    if (doc == NULL || cJSON_AddStringToObject(doc, "version", "1.0") == NULL ||
        cJSON_AddArrayToObject(doc, "trustPolicies") == NULL) {
        cJSON_Delete(doc);
        return sgn_notation__oom(err);
    }
    *out = doc;
    return SGN_OK;
}

static const char *statement_name(const cJSON *st)
{
    const cJSON *name = cJSON_GetObjectItemCaseSensitive(st, "name");

    return cJSON_IsString(name) ? name->valuestring : NULL;
}

static int array_has_string(const cJSON *arr, const char *s)
{
    const cJSON *it;

    cJSON_ArrayForEach(it, arr)
        if (cJSON_IsString(it) && strcmp(it->valuestring, s) == 0)
            return 1;
    return 0;
}

int sgn_notation_policy_merge(cJSON *doc, cJSON *statement, int force, sgn_error *err)
{
    const cJSON *version;
    cJSON *policies, *scopes, *it, *next, *same = NULL;
    const char *name = statement_name(statement);

    version = cJSON_GetObjectItemCaseSensitive(doc, "version");
    if (!cJSON_IsObject(doc) || !cJSON_IsString(version) ||
        strcmp(version->valuestring, "1.0") != 0)
        return sgn_error_set(err, SGN_EINVALID,
                             "not a notation trust policy document of version \"1.0\"");
    if (name == NULL)
        return sgn_error_set(err, SGN_EINVALID, "the new trust policy statement has no name");
    policies = cJSON_GetObjectItemCaseSensitive(doc, "trustPolicies");
    if (policies == NULL) {
        if ((policies = cJSON_AddArrayToObject(doc, "trustPolicies")) == NULL)
            return sgn_notation__oom(err);
    } else if (!cJSON_IsArray(policies)) {
        return sgn_error_set(err, SGN_EINVALID, "\"trustPolicies\" is not an array");
    }
    scopes = cJSON_GetObjectItemCaseSensitive(statement, "registryScopes");

    /* Look for conflicts before changing anything: without force the document stays as it was. */
    cJSON_ArrayForEach(it, policies) {
        const char *other = statement_name(it);
        cJSON *theirs = cJSON_GetObjectItemCaseSensitive(it, "registryScopes"), *s;

        if (other != NULL && strcmp(other, name) == 0)
            continue;
        cJSON_ArrayForEach(s, theirs) {
            if (cJSON_IsString(s) && array_has_string(scopes, s->valuestring) && !force)
                return sgn_error_set(err, SGN_ECONFLICT,
                                     "registry scope \"%s\" already belongs to trust policy "
                                     "statement \"%s\" (a scope may appear in only one statement)",
                                     s->valuestring, other ? other : "(unnamed)");
        }
    }

    /* Move the scopes over (force), replace or append. */
    for (it = policies->child; it != NULL; it = next) {
        const char *other = statement_name(it);
        cJSON *theirs = cJSON_GetObjectItemCaseSensitive(it, "registryScopes"), *s, *snext;

        next = it->next;
        if (other != NULL && strcmp(other, name) == 0) {
            if (same == NULL) {
                same = it;
            } else { /* a duplicate name is invalid for notation: keep only one */
                cJSON_Delete(cJSON_DetachItemViaPointer(policies, it));
            }
            continue;
        }
        if (!cJSON_IsArray(theirs))
            continue;
        for (s = theirs->child; s != NULL; s = snext) {
            snext = s->next;
            if (cJSON_IsString(s) && array_has_string(scopes, s->valuestring))
                cJSON_Delete(cJSON_DetachItemViaPointer(theirs, s));
        }
        if (theirs->child == NULL)
            cJSON_Delete(cJSON_DetachItemViaPointer(policies, it));
    }
    if (same != NULL) {
        if (!cJSON_ReplaceItemViaPointer(policies, same, statement))
            return sgn_notation__oom(err);
    } else if (!cJSON_AddItemToArray(policies, statement)) {
        return sgn_notation__oom(err);
    }
    return SGN_OK;
}

/* Load an existing policy document at path into *doc; *doc stays NULL if there is no file. */
static int load_policy(cJSON **doc, const char *path, sgn_error *err)
{
    struct stat st;
    sgn_buf b = SGN_BUF_INIT;
    int rc;

    *doc = NULL;
    if (lstat(path, &st) != 0) {
        if (errno == ENOENT)
            return SGN_OK;
        return sgn_error_set(err, SGN_EIO, "cannot stat %s: %s", path, strerror(errno));
    }
    if (S_ISLNK(st.st_mode) || !S_ISREG(st.st_mode))
        return sgn_error_set(err, SGN_EINVALID,
                             "%s is not a regular file (notation refuses symlinked policy "
                             "files); not touching it",
                             path);
    if ((rc = sgn_read_file(&b, path, POLICY_FILE_MAX, err)) < 0)
        goto out;
    /* AWS's installer ships an empty trustpolicy.json (research/aws-signer-plugin.md §6.2): an
     * empty or blank file holds no statement to keep. */
    if (strspn(sgn_buf_cstr(&b), " \t\r\n") == b.len)
        goto out;
    *doc = cJSON_ParseWithLength(sgn_buf_cstr(&b), b.len);
    if (*doc == NULL || !cJSON_IsObject(*doc)) {
        cJSON_Delete(*doc);
        *doc = NULL;
        rc = sgn_error_set(err, SGN_EINVALID,
                           "%s is not a valid JSON trust policy document; fix or remove it",
                           path);
        goto out;
    }
    rc = SGN_OK;
out:
    sgn_buf_free(&b);
    return rc;
}

/* A policy document that holds something to keep: anything but a missing document or a version
 * "1.0" one without statements (a document of another version is kept, and refused by the merge). */
static int has_statements(const cJSON *doc)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(doc, "version");

    if (doc == NULL)
        return 0;
    return !cJSON_IsString(v) || strcmp(v->valuestring, "1.0") != 0 ||
           cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(doc, "trustPolicies")) > 0;
}

int sgn_notation_policy_prepare(sgn_buf *text, const char *config_dir,
                                const sgn_notation_policy_spec *spec, int force, sgn_error *err)
{
    int rc;
    char *path = NULL, *legacy = NULL, *printed = NULL;
    const char *loaded_from;
    cJSON *doc = NULL, *other = NULL, *st = NULL;

    if (config_dir == NULL || config_dir[0] == '\0')
        return sgn_error_set(err, SGN_EINVALID, "no notation configuration directory given");
    if ((rc = sgn_notation_policy_statement(&st, spec, err)) < 0)
        goto out;
    if ((rc = sgn_notation__join_path(&path, err, config_dir, SGN_NOTATION_POLICY_FILE)) < 0 ||
        (rc = sgn_notation__join_path(&legacy, err, config_dir, SGN_NOTATION_LEGACY_POLICY_FILE)) < 0)
        goto out;
    /* notation 1.x reads only trustpolicy.json, newer notation prefers trustpolicy.oci.json: the
     * statements of whichever holds some are kept, and both get the merged document. When both
     * hold statements and they differ, either choice would drop what one notation trusts:
     * refuse and let the user reconcile them. */
    if ((rc = load_policy(&doc, path, err)) < 0 || (rc = load_policy(&other, legacy, err)) < 0)
        goto out;
    loaded_from = path;
    if (!has_statements(doc)) {
        cJSON_Delete(doc);
        doc = other;
        other = NULL;
        loaded_from = legacy;
    } else if (has_statements(other) && !cJSON_Compare(doc, other, 1)) {
        rc = sgn_error_set(err, SGN_EINVALID,
                           "%s and %s hold different trust policies (notation 1.x reads only "
                           "the second, newer notation prefers the first): make them the same, "
                           "or remove the one you do not use, then try again",
                           path, legacy);
        goto out;
    }
    if (doc == NULL && (rc = sgn_notation_policy_document_new(&doc, err)) < 0)
        goto out;
    if ((rc = sgn_notation_policy_merge(doc, st, force, err)) < 0) {
        if (rc == SGN_EINVALID && err != NULL) {
            size_t used = strlen(err->msg);
            snprintf(err->msg + used, sizeof(err->msg) - used, " (in %s)", loaded_from);
        }
        goto out;
    }
    st = NULL; /* owned by doc now */
    if ((printed = cJSON_Print(doc)) == NULL) {
        rc = sgn_notation__oom(err);
        goto out;
    }
    if ((rc = sgn_buf_puts(text, printed, err)) < 0 || (rc = sgn_buf_puts(text, "\n", err)) < 0)
        goto out;
    rc = SGN_OK;
out:
    cJSON_free(printed);
    cJSON_Delete(st);
    cJSON_Delete(doc);
    cJSON_Delete(other);
    free(path);
    free(legacy);
    return rc;
}

int sgn_notation_policy_write(char **path_out, const char *config_dir, const sgn_buf *text,
                              sgn_error *err)
{
    int rc;
    char *path = NULL, *legacy = NULL;

    if (path_out != NULL)
        *path_out = NULL;
    if ((rc = sgn_notation__join_path(&path, err, config_dir, SGN_NOTATION_POLICY_FILE)) < 0 ||
        (rc = sgn_notation__join_path(&legacy, err, config_dir, SGN_NOTATION_LEGACY_POLICY_FILE)) < 0 ||
        (rc = sgn_mkdir_p(config_dir, 0755, err)) < 0)
        goto out;
    /* notation 1.x (notation-go <= 1.3.2) reads only trustpolicy.json; newer notation-go prefers
     * trustpolicy.oci.json. Both get the same merged document. */
    if ((rc = sgn_write_file_atomic(path, text->data, text->len, 0644, err)) < 0 ||
        (rc = sgn_write_file_atomic(legacy, text->data, text->len, 0644, err)) < 0)
        goto out;
    if (path_out != NULL) {
        *path_out = path;
        path = NULL;
    }
out:
    free(path);
    free(legacy);
    return rc;
}

int sgn_notation_install_policy(char **path_out, const char *config_dir,
                                const sgn_notation_policy_spec *spec, int force, sgn_error *err)
{
    sgn_buf text = SGN_BUF_INIT;
    int rc;

    if (path_out != NULL)
        *path_out = NULL;
    if ((rc = sgn_notation_policy_prepare(&text, config_dir, spec, force, err)) == SGN_OK)
        rc = sgn_notation_policy_write(path_out, config_dir, &text, err);
    sgn_buf_free(&text);
    return rc;
}
