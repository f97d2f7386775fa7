#include "sgn/notation_trust.h"

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <dirent.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "sgn/aws_roots.h"
#include "sgn/buf.h"
#include "sgn/util.h"
#include "sgn/x509.h"

#define POLICY_FILE_MAX (4u * 1024 * 1024)

static int oom(sgn_error *err)
{
    return sgn_error_set(err, SGN_ENOMEM, "out of memory");
}

static int join_path(char **out, sgn_error *err, const char *a, const char *b)
{
    sgn_buf b_ = SGN_BUF_INIT;
    size_t n = strlen(a);
    int rc;

    *out = NULL;
    if (n > 0 && a[n - 1] == '/')
        rc = sgn_buf_printf(&b_, err, "%s%s", a, b);
    else
        rc = sgn_buf_printf(&b_, err, "%s/%s", a, b);
    if (rc < 0) {
        sgn_buf_free(&b_);
        return rc;
    }
    *out = sgn_buf_detach(&b_, NULL);
    return SGN_OK;
}

int sgn_notation_default_config_dir(char **out, const char *env_notation_config,
                                    const char *env_xdg_config_home, const char *env_home,
                                    sgn_error *err)
{
    *out = NULL;
    if (env_notation_config != NULL && env_notation_config[0] != '\0')
        return sgn_strdup(out, env_notation_config, err);
    if (env_xdg_config_home != NULL && env_xdg_config_home[0] != '\0') {
        /* Go's os.UserConfigDir, which notation uses, refuses a relative XDG_CONFIG_HOME. */
        if (env_xdg_config_home[0] != '/')
            return sgn_error_set(err, SGN_EINVALID,
                                 "path in $XDG_CONFIG_HOME is relative: \"%s\"",
                                 env_xdg_config_home);
        return join_path(out, err, env_xdg_config_home, "notation");
    }
    if (env_home != NULL && env_home[0] != '\0')
        return join_path(out, err, env_home, ".config/notation");
    return sgn_error_set(err, SGN_EINVALID,
                         "cannot find the notation configuration directory: neither "
                         "$NOTATION_CONFIG, $XDG_CONFIG_HOME nor $HOME is set");
}

int sgn_notation_store_name_valid(const char *name)
{
    const char *p;

    if (name == NULL || name[0] == '\0' || strcmp(name, ".") == 0 || strcmp(name, "..") == 0)
        return 0;
    for (p = name; *p; p++) {
        char c = *p;
        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '_' || c == '.' || c == '-'))
            return 0;
    }
    return 1;
}

int sgn_notation_revocation_parse(sgn_notation_revocation *out, const char *s, sgn_error *err)
{
    static const struct {
        const char *name;
        sgn_notation_revocation mode;
    } table[] = {
        {"enforce", SGN_NOTATION_REVOCATION_ENFORCE},
        {"log", SGN_NOTATION_REVOCATION_LOG},
        {"skip", SGN_NOTATION_REVOCATION_SKIP},
    };
    size_t i;

    for (i = 0; s != NULL && i < sizeof(table) / sizeof(table[0]); i++) {
        if (strcmp(s, table[i].name) == 0) {
            *out = table[i].mode;
            return SGN_OK;
        }
    }
    return sgn_error_set(err, SGN_EINVALID,
                         "invalid revocation mode \"%s\": use enforce, log or skip", s ? s : "");
}

/* At least one PEM certificate in pem: never install something notation cannot load. */
static int check_pem_certificate(const char *pem, size_t len, sgn_error *err)
{
    BIO *bio;
    X509 *cert;

    if (len > INT32_MAX)
        return sgn_error_set(err, SGN_EINVALID, "certificate PEM too large");
    bio = BIO_new_mem_buf(pem, (int)len);
    if (bio == NULL)
        return sgn_error_set_openssl(err, "BIO_new_mem_buf");
    cert = PEM_read_bio_X509(bio, NULL, NULL, NULL);
    BIO_free(bio);
    if (cert == NULL) {
        ERR_clear_error();
        return sgn_error_set(err, SGN_EINVALID, "no PEM certificate to install");
    }
    X509_free(cert);
    return SGN_OK;
}

static int plain_file_name(const char *name)
{
    return name != NULL && name[0] != '\0' && strchr(name, '/') == NULL &&
           strcmp(name, ".") != 0 && strcmp(name, "..") != 0;
}

static int store_dir(char **out, const char *config_dir, const char *store_name, sgn_error *err)
{
    sgn_buf b = SGN_BUF_INIT;
    int rc;

    *out = NULL;
    if ((rc = sgn_buf_printf(&b, err, "%s%struststore/x509/signingAuthority/%s", config_dir,
                             config_dir[strlen(config_dir) - 1] == '/' ? "" : "/", store_name)) < 0)
        return rc;
    *out = sgn_buf_detach(&b, NULL);
    return SGN_OK;
}

int sgn_notation_trust_cert_path(char **out, const char *config_dir, const char *store_name,
                                 const char *file_name, sgn_error *err)
{
    char *dir = NULL;
    int rc;

    *out = NULL;
    if (config_dir == NULL || config_dir[0] == '\0' || !sgn_notation_store_name_valid(store_name) ||
        !plain_file_name(file_name))
        return sgn_error_set(err, SGN_EINVALID, "invalid trust store, directory or file name");
    if ((rc = store_dir(&dir, config_dir, store_name, err)) == SGN_OK)
        rc = join_path(out, err, dir, file_name);
    free(dir);
    return rc;
}

int sgn_notation_write_trust_cert(char **path_out, const char *config_dir, const char *store_name,
                                  const char *file_name, const char *pem, size_t pem_len,
                                  sgn_error *err)
{
    int rc;
    char *dir = NULL, *path = NULL;
    struct stat st;

    if (path_out != NULL)
        *path_out = NULL;
    if (config_dir == NULL || config_dir[0] == '\0') {
        rc = sgn_error_set(err, SGN_EINVALID, "no notation configuration directory given");
        goto out;
    }
    if (!sgn_notation_store_name_valid(store_name)) {
        rc = sgn_error_set(err, SGN_EINVALID,
                           "invalid trust store name \"%s\": notation accepts only "
                           "[a-zA-Z0-9_.-]+",
                           store_name ? store_name : "");
        goto out;
    }
    if (!plain_file_name(file_name)) {
        rc = sgn_error_set(err, SGN_EINVALID, "invalid certificate file name \"%s\"",
                           file_name ? file_name : "");
        goto out;
    }
    if ((rc = check_pem_certificate(pem, pem_len, err)) < 0)
        goto out;
    if ((rc = store_dir(&dir, config_dir, store_name, err)) < 0)
        goto out;
    if ((rc = sgn_mkdir_p(dir, 0755, err)) < 0)
        goto out;
    if (lstat(dir, &st) != 0) {
        rc = sgn_error_set(err, SGN_EIO, "cannot stat %s: %s", dir, strerror(errno));
        goto out;
    }
    if (S_ISLNK(st.st_mode) || !S_ISDIR(st.st_mode)) {
        rc = sgn_error_set(err, SGN_EINVALID,
                           "%s is not a directory (notation refuses symlinked trust stores)", dir);
        goto out;
    }
    if ((rc = join_path(&path, err, dir, file_name)) < 0)
        goto out;
    if ((rc = sgn_write_file_atomic(path, pem, pem_len, 0644, err)) < 0)
        goto out;
    if (path_out != NULL) {
        *path_out = path;
        path = NULL;
    }
    rc = SGN_OK;
out:
    free(dir);
    free(path);
    return rc;
}

/* --- reading a trust store ------------------------------------------------------------------ */

#define STORE_FILE_MAX (1u << 20)

static void account_cert(sgn_notation_store_info *info, X509 *cert)
{
    char hex[65];

    info->n_certs++;
    if (X509_check_ca(cert) < 1 && X509_self_signed(cert, 1) != 1)
        info->n_not_ca++;
    if (info->aws_root == NULL && sgn_x509_sha256_hex(hex, cert, NULL) == SGN_OK)
        info->aws_root = sgn_aws_root_by_sha256(hex);
}

/* Count the certificates of one file (PEM, one or more; else exactly one DER) into info. */
static void inspect_file(sgn_notation_store_info *info, const char *path)
{
    sgn_buf b = SGN_BUF_INIT;
    BIO *bio = NULL;
    X509 *cert;
    size_t before = info->n_certs;
    const unsigned char *p;

    if (sgn_read_file(&b, path, STORE_FILE_MAX, NULL) < 0 || b.len > INT32_MAX ||
        (bio = BIO_new_mem_buf(b.data, (int)b.len)) == NULL)
        goto out;
    while ((cert = PEM_read_bio_X509(bio, NULL, NULL, NULL)) != NULL) {
        account_cert(info, cert);
        X509_free(cert);
    }
    if (info->n_certs == before) {
        p = (const unsigned char *)b.data;
        cert = d2i_X509(NULL, &p, (long)b.len);
        if (cert != NULL && p == (const unsigned char *)b.data + b.len)
            account_cert(info, cert);
        X509_free(cert);
    }
out:
    ERR_clear_error();
    BIO_free(bio);
    sgn_buf_free(&b);
    if (info->n_certs == before)
        info->n_bad_files++;
}

int sgn_notation_store_inspect(sgn_notation_store_info *info, const char *config_dir,
                               sgn_notation_store_type type, const char *name, sgn_error *err)
{
    sgn_buf dir = SGN_BUF_INIT, path = SGN_BUF_INIT;
    DIR *d = NULL;
    struct dirent *e;
    struct stat st;
    int rc;

    memset(info, 0, sizeof(*info));
    if (config_dir == NULL || config_dir[0] == '\0' || (unsigned)type >= SGN_NOTATION_STORE_TYPES ||
        !sgn_notation_store_name_valid(name))
        return sgn_error_set(err, SGN_EINVALID, "invalid trust store \"%s\"", name ? name : "");
    if ((rc = sgn_buf_printf(&dir, err, "%s%struststore/x509/%s/%s", config_dir,
                             config_dir[strlen(config_dir) - 1] == '/' ? "" : "/",
                             sgn_notation_store_type_name(type), name)) < 0)
        goto out;
    if (lstat(sgn_buf_cstr(&dir), &st) != 0) {
        rc = SGN_OK; /* no such store */
        goto out;
    }
    info->exists = 1;
    if (S_ISLNK(st.st_mode)) {
        info->symlink = 1;
        rc = SGN_OK;
        goto out;
    }
    if (!S_ISDIR(st.st_mode) || (d = opendir(sgn_buf_cstr(&dir))) == NULL) {
        rc = sgn_error_set(err, SGN_EIO, "cannot read trust store %s: %s", sgn_buf_cstr(&dir),
                           S_ISDIR(st.st_mode) ? strerror(errno) : "not a directory");
        goto out;
    }
    while ((e = readdir(d)) != NULL) {
        if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
            continue;
        sgn_buf_free(&path);
        if ((rc = sgn_buf_printf(&path, err, "%s/%s", sgn_buf_cstr(&dir), e->d_name)) < 0)
            goto out;
        if (lstat(sgn_buf_cstr(&path), &st) != 0)
            continue;
        if (S_ISLNK(st.st_mode))
            info->symlink = 1;
        else if (S_ISDIR(st.st_mode))
            info->subdirectory = 1;
        else if (S_ISREG(st.st_mode)) {
            info->n_files++;
            inspect_file(info, sgn_buf_cstr(&path));
        }
    }
    rc = SGN_OK;
out:
    if (d != NULL)
        closedir(d);
    sgn_buf_free(&dir);
    sgn_buf_free(&path);
    return rc;
}

/* --- trust policy statements ------------------------------------------------------------- */

static int in_list(const char *s, const char *const *list, size_t n)
{
    size_t i;

    for (i = 0; i < n; i++)
        if (strcmp(s, list[i]) == 0)
            return 1;
    return 0;
}

/* --- registry scopes and trust store references -------------------------------------------- */

static int is_lower_alnum(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
}

static int is_alnum(char c)
{
    return is_lower_alnum(c) || (c >= 'A' && c <= 'Z');
}

/* distribution's domain grammar as notation-go copies it: DNS labels ([a-zA-Z0-9], '-' inside)
 * joined by '.', then an optional ":<digits>". */
static int domain_valid(const char *d, size_t n)
{
    size_t i = 0, label;

    for (;;) {
        label = i;
        while (i < n && (is_alnum(d[i]) || d[i] == '-'))
            i++;
        if (i == label || d[label] == '-' || d[i - 1] == '-')
            return 0;
        if (i < n && d[i] == '.') {
            i++;
            continue;
        }
        break;
    }
    if (i < n && d[i] == ':') {
        size_t port = ++i;
        while (i < n && d[i] >= '0' && d[i] <= '9')
            i++;
        if (i == port)
            return 0;
    }
    return i == n;
}

/* One path component: [a-z0-9]+ runs joined by ".", "_", "__" or any run of '-'. */
static int component_valid(const char *c, size_t n)
{
    size_t i = 0, sep;

    if (n == 0 || !is_lower_alnum(c[0]) || !is_lower_alnum(c[n - 1]))
        return 0;
    while (i < n) {
        if (is_lower_alnum(c[i])) {
            i++;
            continue;
        }
        sep = i;
        while (i < n && !is_lower_alnum(c[i]))
            i++;
        if (!((i - sep == 1 && (c[sep] == '.' || c[sep] == '_')) ||
              (i - sep == 2 && c[sep] == '_' && c[sep + 1] == '_') ||
              strspn(c + sep, "-") >= i - sep))
            return 0;
    }
    return 1;
}

static int repository_valid(const char *r)
{
    const char *slash;

    for (;;) {
        slash = strchr(r, '/');
        if (!component_valid(r, slash ? (size_t)(slash - r) : strlen(r)))
            return 0;
        if (slash == NULL)
            return 1;
        r = slash + 1;
    }
}

sgn_notation_scope_problem sgn_notation_scope_check(const char *scope)
{
    const char *slash, *repo;

    if (scope == NULL || scope[0] == '\0')
        return SGN_SCOPE_EMPTY;
    if (strcmp(scope, "*") == 0)
        return SGN_SCOPE_OK;
    if (strchr(scope, '*') != NULL)
        return SGN_SCOPE_WILDCARD;
    if (strstr(scope, "://") != NULL)
        return SGN_SCOPE_SCHEME;
    slash = strchr(scope, '/');
    if (slash == NULL || slash == scope || slash[1] == '\0')
        return SGN_SCOPE_NO_REPOSITORY;
    repo = slash + 1;
    if (strchr(repo, '@') != NULL)
        return SGN_SCOPE_DIGEST;
    if (repo[strlen(repo) - 1] == '/')
        return SGN_SCOPE_TRAILING_SLASH;
    if (strchr(repo, ':') != NULL)
        return SGN_SCOPE_TAG;
    if (!domain_valid(scope, (size_t)(slash - scope)))
        return SGN_SCOPE_BAD_DOMAIN;
    if (!repository_valid(repo))
        return SGN_SCOPE_BAD_REPOSITORY;
    return SGN_SCOPE_OK;
}

static const char *const store_types[SGN_NOTATION_STORE_TYPES] = {"ca", "signingAuthority", "tsa"};

const char *sgn_notation_store_type_name(sgn_notation_store_type type)
{
    return (unsigned)type < SGN_NOTATION_STORE_TYPES ? store_types[type] : "";
}

sgn_notation_store_ref_problem sgn_notation_store_ref_parse(const char *ref,
                                                            sgn_notation_store_type *type,
                                                            const char **name)
{
    const char *colon = ref ? strchr(ref, ':') : NULL;
    size_t t;

    if (colon == NULL)
        return SGN_STORE_REF_NO_SEPARATOR;
    *name = colon + 1;
    for (t = 0; t < SGN_NOTATION_STORE_TYPES; t++) {
        if ((size_t)(colon - ref) == strlen(store_types[t]) &&
            strncmp(ref, store_types[t], (size_t)(colon - ref)) == 0) {
            *type = (sgn_notation_store_type)t;
            return sgn_notation_store_name_valid(colon + 1) ? SGN_STORE_REF_OK
                                                            : SGN_STORE_REF_BAD_NAME;
        }
    }
    return SGN_STORE_REF_BAD_TYPE;
}

/* "*" alone, or a fully qualified repository without tag, digest or wildcard. */
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
        return oom(err);
    for (i = 0; i < n; i++) {
        if (in_list(items[i], items, i))
            continue;
        if ((s = cJSON_CreateString(items[i])) == NULL || !cJSON_AddItemToArray(arr, s)) {
            cJSON_Delete(s);
            return oom(err);
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
        return oom(err);
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
    rc = oom(err);
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
        return oom(err);
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
            return oom(err);
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
            return oom(err);
    } else if (!cJSON_AddItemToArray(policies, statement)) {
        return oom(err);
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
    if ((rc = join_path(&path, err, config_dir, SGN_NOTATION_POLICY_FILE)) < 0 ||
        (rc = join_path(&legacy, err, config_dir, SGN_NOTATION_LEGACY_POLICY_FILE)) < 0)
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
        rc = sgn_error_set(err, SGN_ECONFLICT,
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
        rc = oom(err);
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
    if ((rc = join_path(&path, err, config_dir, SGN_NOTATION_POLICY_FILE)) < 0 ||
        (rc = join_path(&legacy, err, config_dir, SGN_NOTATION_LEGACY_POLICY_FILE)) < 0 ||
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
