/* Notation trust store and trust policy files for the local Signer (`install-notation-trust`).
 *
 * Layout written (research/notation-specs.md §4):
 *   <config>/truststore/x509/signingAuthority/<store>/signer-local-root.crt   (0644, dirs 0755)
 *   <config>/trustpolicy.oci.json and <config>/trustpolicy.json (same content)   (0644)
 * Pure library code: nothing here prints or reads the environment; callers pass env values in. */
#ifndef SGN_NOTATION_TRUST_H
#define SGN_NOTATION_TRUST_H

#include <stddef.h>
#include <cjson/cJSON.h>
#include "sgn/buf.h"
#include "sgn/error.h"

#define SGN_NOTATION_TRUST_STORE_DEFAULT "signer-local-ts"
#define SGN_NOTATION_POLICY_NAME_DEFAULT "signer-local"
#define SGN_NOTATION_ROOT_FILE "signer-local-root.crt"
#define SGN_NOTATION_POLICY_FILE "trustpolicy.oci.json"
#define SGN_NOTATION_LEGACY_POLICY_FILE "trustpolicy.json"

typedef enum sgn_notation_revocation {
    SGN_NOTATION_REVOCATION_ENFORCE = 0, /* strict level as is: no override */
    SGN_NOTATION_REVOCATION_LOG,         /* "override": {"revocation": "log"} */
    SGN_NOTATION_REVOCATION_SKIP         /* "override": {"revocation": "skip"} */
} sgn_notation_revocation;

/* One OCI trust policy statement: level "strict", the given scopes, stores and identities. */
typedef struct sgn_notation_policy_spec {
    const char *name;
    const char *const *registry_scopes; /* e.g. {"*"} or {"registry.example.com/ns/repo"} */
    size_t n_registry_scopes;
    const char *const *trust_stores;    /* "<type>:<name>": "signingAuthority:signer-local-ts" */
    size_t n_trust_stores;
    const char *const *trusted_identities; /* profile ARNs, or "*" alone */
    size_t n_trusted_identities;
    sgn_notation_revocation revocation;
} sgn_notation_policy_spec;

/* The directory notation reads its configuration from, chosen as the notation CLI does on Linux:
 * $NOTATION_CONFIG, else $XDG_CONFIG_HOME/notation (a relative XDG_CONFIG_HOME is an error, as in
 * Go's os.UserConfigDir), else $HOME/.config/notation. Empty values count as unset. The caller
 * passes the environment values. *out is malloc'd. */
int sgn_notation_default_config_dir(char **out, const char *env_notation_config,
                                    const char *env_xdg_config_home, const char *env_home,
                                    sgn_error *err);

/* 1 when name is a valid notation trust store name ([a-zA-Z0-9_.-]+, and not "." or ".."),
 * else 0. */
int sgn_notation_store_name_valid(const char *name);

/* "enforce", "log" or "skip" -> *out; anything else is SGN_EINVALID. */
int sgn_notation_revocation_parse(sgn_notation_revocation *out, const char *s, sgn_error *err);

/* Write pem (one or more PEM certificates; at least one must parse) as
 * <config_dir>/truststore/x509/signingAuthority/<store_name>/<file_name>, creating directories
 * with mode 0755 and the file (atomically) with mode 0644. store_name must be valid (above) and
 * file_name a plain file name. A store directory that is a symlink is refused (notation refuses
 * it too). On success *path_out (if not NULL) is the malloc'd path of the file. */
int sgn_notation_write_trust_cert(char **path_out, const char *config_dir, const char *store_name,
                                  const char *file_name, const char *pem, size_t pem_len,
                                  sgn_error *err);

/* The path sgn_notation_write_trust_cert writes for these names (malloc'd in *out); nothing is
 * touched. SGN_EINVALID for an empty config_dir, an invalid store name or a file name that is not
 * plain. */
int sgn_notation_trust_cert_path(char **out, const char *config_dir, const char *store_name,
                                 const char *file_name, sgn_error *err);

/* A new statement object for spec. Validates what notation would reject: empty name, no scopes,
 * "*" mixed with other scopes, no trust stores, no identities, "*" mixed with other identities,
 * identities without ':'. */
int sgn_notation_policy_statement(cJSON **out, const sgn_notation_policy_spec *spec,
                                  sgn_error *err);

/* A new, empty trust policy document {"version":"1.0","trustPolicies":[]}. */
int sgn_notation_policy_document_new(cJSON **out, sgn_error *err);

/* Merge `statement` (taken over by doc on success, left to the caller on failure) into doc:
 * a statement with the same name is replaced in place, otherwise it is appended. If another
 * statement already lists one of the new statement's registry scopes (exact string match; a
 * scope may appear in only one statement), this is SGN_ECONFLICT naming the statement and scope,
 * unless force: then the scope is removed from the other statement, and a statement left with
 * no scopes is removed. doc must be a version "1.0" document (SGN_EINVALID otherwise). */
int sgn_notation_policy_merge(cJSON *doc, cJSON *statement, int force, sgn_error *err);

/* Read <config_dir>/trustpolicy.oci.json (or, if absent, the legacy trustpolicy.json that
 * notation falls back to, so its statements are kept), merge the statement built from spec and
 * write <config_dir>/trustpolicy.oci.json and the same document to trustpolicy.json (the only
 * name notation 1.x reads) atomically with mode 0644 (config_dir is created 0755
 * if needed). A policy file that is a symlink or does not parse is refused: it is never
 * overwritten blindly. *path_out (if not NULL) is the malloc'd path written. */
int sgn_notation_install_policy(char **path_out, const char *config_dir,
                                const sgn_notation_policy_spec *spec, int force, sgn_error *err);

/* The two halves of sgn_notation_install_policy, so that a caller can check everything before it
 * changes anything. _prepare reads and merges as above and appends the document to *text; it
 * writes nothing. An empty or blank policy file (AWS's installer ships one) counts as absent.
 * _write writes text to both policy files (creating config_dir 0755); *path_out (if not NULL)
 * is the malloc'd path of trustpolicy.oci.json. Errors: SGN_EINVALID (a symlinked or unparsable
 * policy file, an invalid statement), SGN_ECONFLICT (a scope held by another statement, without
 * force), SGN_EIO. */
int sgn_notation_policy_prepare(sgn_buf *text, const char *config_dir,
                                const sgn_notation_policy_spec *spec, int force, sgn_error *err);
int sgn_notation_policy_write(char **path_out, const char *config_dir, const sgn_buf *text,
                              sgn_error *err);

#endif
