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

/* What is wrong with one OCI registry scope, by notation-go's ValidateRegistryScopeFormat
 * (research/notation-specs.md §4.3): a scope is "*" alone or "<domain>/<repository>", where the
 * domain is DNS labels with an optional ":port" and the repository is distribution's lower-case
 * path grammar (components of [a-z0-9] joined by ".", "_", "__" or runs of "-", separated by
 * "/"); no tag, no digest, no wildcard. The finer kinds say which rule failed, in this order. */
typedef enum sgn_notation_scope_problem {
    SGN_SCOPE_OK = 0,
    SGN_SCOPE_EMPTY,
    SGN_SCOPE_WILDCARD,       /* a '*' in a scope other than "*" */
    SGN_SCOPE_SCHEME,         /* "https://..." */
    SGN_SCOPE_NO_REPOSITORY,  /* no '/', or an empty domain or repository */
    SGN_SCOPE_DIGEST,         /* "...@sha256:..." */
    SGN_SCOPE_TRAILING_SLASH, /* "registry/repo/" */
    SGN_SCOPE_TAG,            /* "registry/repo:tag" */
    SGN_SCOPE_BAD_DOMAIN,     /* the part before the first '/' is not host[:port] */
    SGN_SCOPE_BAD_REPOSITORY  /* upper case, "//", or other characters in the repository */
} sgn_notation_scope_problem;

/* Check one registry scope other than "*" (for "*" itself the answer is SGN_SCOPE_OK; whether it
 * stands alone is the statement's business). */
sgn_notation_scope_problem sgn_notation_scope_check(const char *scope);

/* The trust store types notation knows (truststore.Types), and their names in a policy. */
typedef enum sgn_notation_store_type {
    SGN_STORE_CA = 0,
    SGN_STORE_SIGNING_AUTHORITY,
    SGN_STORE_TSA
} sgn_notation_store_type;
#define SGN_NOTATION_STORE_TYPES 3

/* "ca", "signingAuthority" or "tsa". */
const char *sgn_notation_store_type_name(sgn_notation_store_type type);

typedef enum sgn_notation_store_ref_problem {
    SGN_STORE_REF_OK = 0,
    SGN_STORE_REF_NO_SEPARATOR, /* no ':' */
    SGN_STORE_REF_BAD_TYPE,     /* the part before ':' is not a type (exact, case-sensitive) */
    SGN_STORE_REF_BAD_NAME      /* the part after ':' is not a valid store name */
} sgn_notation_store_ref_problem;

/* Split a policy's trust store reference "<type>:<name>" at the first ':' as notation does.
 * *type and *name (pointing into ref) are set when the answer is SGN_STORE_REF_OK; *name is also
 * set for SGN_STORE_REF_BAD_TYPE. */
sgn_notation_store_ref_problem sgn_notation_store_ref_parse(const char *ref,
                                                            sgn_notation_store_type *type,
                                                            const char **name);

/* What a trust store directory <config_dir>/truststore/x509/<type>/<name> holds, judged by the
 * rules notation applies when it loads a store (research/notation-specs.md §4.1). */
typedef struct sgn_notation_store_info {
    int exists;           /* the store directory exists (a symlink counts, see below) */
    int symlink;          /* the directory or one of its files is a symlink: notation refuses */
    int subdirectory;     /* it holds a subdirectory: notation refuses */
    size_t n_files;       /* regular files in it */
    size_t n_bad_files;   /* files holding no PEM or DER certificate: notation refuses them */
    size_t n_certs;       /* certificates read */
    size_t n_not_ca;      /* certificates neither CA nor self-signed: notation refuses them */
    const struct sgn_aws_root *aws_root; /* the first AWS Signer root found (sgn/aws_roots.h) */
} sgn_notation_store_info;

/* Inspect a store; a missing directory is not an error (info->exists = 0). Reads only, never
 * writes; files larger than 1 MiB are counted as bad. Fails with SGN_EINVALID for an invalid
 * name, SGN_ENOMEM, or SGN_EIO when the directory exists but cannot be listed. */
int sgn_notation_store_inspect(sgn_notation_store_info *info, const char *config_dir,
                               sgn_notation_store_type type, const char *name, sgn_error *err);

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
 * writes nothing. An empty or blank policy file (AWS's installer ships one), or a version "1.0"
 * one without statements, counts as absent; when trustpolicy.oci.json and trustpolicy.json both
 * hold statements and differ, it is SGN_EINVALID (no force can pick one for the user).
 * _write writes text to both policy files (creating config_dir 0755); *path_out (if not NULL)
 * is the malloc'd path of trustpolicy.oci.json. Errors: SGN_EINVALID (a symlinked or unparsable
 * policy file, an invalid statement), SGN_ECONFLICT (a scope held by another statement, without
 * force), SGN_EIO. */
int sgn_notation_policy_prepare(sgn_buf *text, const char *config_dir,
                                const sgn_notation_policy_spec *spec, int force, sgn_error *err);
int sgn_notation_policy_write(char **path_out, const char *config_dir, const sgn_buf *text,
                              sgn_error *err);

#endif
