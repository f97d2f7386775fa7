/* The default CA store, as Go's crypto/x509 finds it on Linux (see sgn/tls_ca.h). */
#include "sgn/tls_ca.h"

#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "sgn/buf.h"

const char *const sgn_tls_ca_files[] = {
    "/etc/ssl/certs/ca-certificates.crt",                /* Debian, Ubuntu, Gentoo, distroless */
    "/etc/pki/tls/certs/ca-bundle.crt",                  /* Fedora, RHEL 6 */
    "/etc/ssl/ca-bundle.pem",                            /* OpenSUSE */
    "/etc/pki/tls/cacert.pem",                           /* OpenELEC */
    "/etc/pki/ca-trust/extracted/pem/tls-ca-bundle.pem", /* CentOS, RHEL 7 */
    "/etc/ssl/cert.pem",                                 /* Alpine */
    NULL,
};

const char *const sgn_tls_ca_dirs[] = {
    "/etc/ssl/certs",                  /* SLES 10/11 */
    "/etc/pki/tls/certs",              /* Fedora, RHEL */
    "/system/etc/security/cacerts",    /* Android */
    "/data/misc/keychain/certs-added", /* Android, user-trusted CAs */
    NULL,
};

/* Go stops at the first file os.ReadFile can read: a readable file that is not a directory. */
static int readable_file(const char *path)
{
    struct stat st;

    return path[0] != '\0' && stat(path, &st) == 0 && !S_ISDIR(st.st_mode) &&
           access(path, R_OK) == 0;
}

/* ... and reads every directory os.ReadDir can list. */
static int readable_dir(const char *path)
{
    struct stat st;

    return path[0] != '\0' && stat(path, &st) == 0 && S_ISDIR(st.st_mode) &&
           access(path, R_OK | X_OK) == 0;
}

static int add_dir(sgn_buf *b, const char *dir, size_t len, sgn_error *err)
{
    char *d;
    int rc = SGN_OK;

    if ((d = strndup(dir, len)) == NULL)
        return sgn_error_set(err, SGN_ENOMEM, "out of memory");
    if (readable_dir(d))
        rc = sgn_buf_printf(b, err, "%s%s", b->len > 0 ? ":" : "", d);
    free(d);
    return rc;
}

int sgn_tls_ca_find_in(sgn_tls_ca *out, const char *cert_file, const char *cert_dir,
                       const char *const *files, const char *const *dirs, sgn_error *err)
{
    sgn_buf b = SGN_BUF_INIT;
    const char *chosen = NULL;
    size_t i;
    int rc = SGN_OK;

    out->file = NULL;
    out->dirs = NULL;
    if (cert_file != NULL && cert_file[0] != '\0') {
        if (readable_file(cert_file))
            chosen = cert_file;
    } else {
        for (i = 0; files[i] != NULL && chosen == NULL; i++)
            if (readable_file(files[i]))
                chosen = files[i];
    }
    if (chosen != NULL && (out->file = strdup(chosen)) == NULL)
        return sgn_error_set(err, SGN_ENOMEM, "out of memory");

    if (cert_dir != NULL && cert_dir[0] != '\0') {
        const char *p = cert_dir, *colon;

        for (;;) {
            colon = strchr(p, ':');
            if ((rc = add_dir(&b, p, colon != NULL ? (size_t)(colon - p) : strlen(p), err)) < 0)
                goto fail;
            if (colon == NULL)
                break;
            p = colon + 1;
        }
    } else {
        for (i = 0; dirs[i] != NULL; i++)
            if ((rc = add_dir(&b, dirs[i], strlen(dirs[i]), err)) < 0)
                goto fail;
    }
    if (b.len > 0)
        out->dirs = sgn_buf_detach(&b, NULL);
    sgn_buf_free(&b);
    return SGN_OK;
fail:
    sgn_buf_free(&b);
    sgn_tls_ca_free(out);
    return rc;
}

int sgn_tls_ca_find(sgn_tls_ca *out, const char *cert_file, const char *cert_dir, sgn_error *err)
{
    return sgn_tls_ca_find_in(out, cert_file, cert_dir, sgn_tls_ca_files, sgn_tls_ca_dirs, err);
}

void sgn_tls_ca_free(sgn_tls_ca *ca)
{
    free(ca->file);
    free(ca->dirs);
    ca->file = NULL;
    ca->dirs = NULL;
}
