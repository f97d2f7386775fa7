#include "sgn/notation_trust.h"
#include "notation_int.h"

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

int sgn_notation__oom(sgn_error *err)
{
    return sgn_error_set(err, SGN_ENOMEM, "out of memory");
}

int sgn_notation__join_path(char **out, sgn_error *err, const char *a, const char *b)
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
        return sgn_notation__join_path(out, err, env_xdg_config_home, "notation");
    }
    if (env_home != NULL && env_home[0] != '\0')
        return sgn_notation__join_path(out, err, env_home, ".config/notation");
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
        rc = sgn_notation__join_path(out, err, dir, file_name);
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
    if ((rc = sgn_notation__join_path(&path, err, dir, file_name)) < 0)
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

int sgn_notation__in_list(const char *s, const char *const *list, size_t n)
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
