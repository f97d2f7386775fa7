/* The CA store TLS verifies against when no CA bundle is configured (AWS_CA_BUNDLE or a profile's
 * ca_bundle): where Go's crypto/x509 looks on Linux, so the plugin trusts what AWS's Go plugin
 * trusts, and the static plugin (whose libcurl has no CA path compiled in) finds the host's store.
 *
 * Go (src/crypto/x509/root_linux.go, root_unix.go): the first readable file of sgn_tls_ca_files,
 * or only $SSL_CERT_FILE when set; plus every directory of sgn_tls_ca_dirs, or of $SSL_CERT_DIR
 * (':'-separated) when set. Go reads every file of those directories; OpenSSL (CAPATH) finds
 * certificates there by their subject-hash names, which is how the distributions fill them.
 *
 * Library code: the caller passes the two environment values in. */
#ifndef SGN_TLS_CA_H
#define SGN_TLS_CA_H

#include "sgn/error.h"

typedef struct sgn_tls_ca {
    char *file;     /* the CA bundle file (CURLOPT_CAINFO), or NULL when none was found */
    char *dirs;     /* existing CA directories joined with ':' (CURLOPT_CAPATH), or NULL */
} sgn_tls_ca;

#define SGN_TLS_CA_INIT {NULL, NULL}

/* NULL-terminated lists, in Go's order. */
extern const char *const sgn_tls_ca_files[];
extern const char *const sgn_tls_ca_dirs[];

/* Choose the store. cert_file / cert_dir are $SSL_CERT_FILE / $SSL_CERT_DIR (NULL or "" = unset).
 * Finding nothing is not an error: out stays empty and TLS verification will fail. */
int sgn_tls_ca_find(sgn_tls_ca *out, const char *cert_file, const char *cert_dir, sgn_error *err);
/* The same with other default lists (tests). */
int sgn_tls_ca_find_in(sgn_tls_ca *out, const char *cert_file, const char *cert_dir,
                       const char *const *files, const char *const *dirs, sgn_error *err);
void sgn_tls_ca_free(sgn_tls_ca *ca);

#endif
