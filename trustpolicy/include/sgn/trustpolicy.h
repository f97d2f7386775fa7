/* Trust policy validation: notation's rules for an OCI trust policy document, this plugin's rules
 * for trusted identities, and (optionally) the trust stores the document names, each problem
 * reported with what to change.
 *
 * Rules and their sources:
 *  - notation (research/notation-specs.md §4.3, notation-go v1.3.2 verifier/trustpolicy):
 *    "version" "1.0"; at least one statement; names present and unique; registry scopes "*"
 *    alone or "<domain>/<repository>" (sgn_notation_scope_check), each in one statement only;
 *    signatureVerification.level strict/permissive/audit/skip, overrides of authenticity,
 *    authenticTimestamp, expiry (enforce/log) and revocation (enforce/log/skip), none at level
 *    skip; verifyTimestamp always/afterCertExpiry; level skip with no trust stores or identities,
 *    other levels with both; trust stores "<type>:<name>" (sgn_notation_store_ref_parse);
 *    trusted identities "*" alone or "<prefix>:<value>", x509.subject values RFC 4514 DNs with
 *    C, ST (or S) and O, single-valued, no duplicate attributes, no "#" hex values, no two
 *    overlapping. Members are matched case-insensitively, as Go's encoding/json does; members
 *    notation does not know are ignored by it and reported here as warnings.
 *  - this plugin (README "Where we deliberately differ", sgn/identity.h): "*" is refused; only
 *    signing profile and profile version ARNs match (sgn_identity_classify); AWS Signer and
 *    signer-local roots verify only from signingAuthority stores (the signatures use the
 *    notary.x509.signingAuthority scheme); a profile of one partition is verified against that
 *    partition's root (sgn/aws_roots.h).
 *  - the trust stores, when a notation configuration directory is given
 *    (sgn_notation_store_inspect): <config>/truststore/x509/<type>/<name>/ exists, is not a
 *    symlink, has no subdirectory, and holds only certificates, each a CA or self-signed.
 *
 * Library code: nothing is printed and the environment is not read. */
#ifndef SGN_TRUSTPOLICY_H
#define SGN_TRUSTPOLICY_H

#include <stddef.h>
#include "sgn/error.h"

typedef enum sgn_trustpolicy_severity {
    SGN_TRUSTPOLICY_ERROR = 0, /* notation refuses the document, or verification cannot succeed */
    SGN_TRUSTPOLICY_WARNING    /* accepted, but probably not what was meant */
} sgn_trustpolicy_severity;

typedef struct sgn_trustpolicy_finding {
    const char *code;         /* stable identifier, e.g. "registry-scope-trailing-slash" (static) */
    sgn_trustpolicy_severity severity;
    long statement;           /* index in trustPolicies, or -1 for the document itself */
    char *statement_name;     /* the statement's name, or NULL (none or the document) */
    const char *field;        /* the member concerned, e.g. "registryScopes" (static) */
    char *value;              /* the offending value, or NULL */
    char *message;            /* what is wrong */
    char *fix;                /* what to change */
} sgn_trustpolicy_finding;

typedef struct sgn_trustpolicy_findings {
    sgn_trustpolicy_finding *items; /* in document order */
    size_t len;
    size_t n_errors;                /* items with SGN_TRUSTPOLICY_ERROR */
} sgn_trustpolicy_findings;

#define SGN_TRUSTPOLICY_FINDINGS_INIT {NULL, 0, 0}

/* Validate the trust policy document text[0..len). Findings are appended to *out (which the
 * caller initialises with SGN_TRUSTPOLICY_FINDINGS_INIT and frees with
 * sgn_trustpolicy_findings_free, also after a failure). A document that is not JSON is a finding,
 * not a failure. config_dir: the notation configuration directory whose trust stores are
 * checked, or NULL to check none. Fails only with SGN_ENOMEM, or SGN_EIO when a trust store
 * exists but cannot be listed. */
int sgn_trustpolicy_validate(sgn_trustpolicy_findings *out, const char *text, size_t len,
                             const char *config_dir, sgn_error *err);

void sgn_trustpolicy_findings_free(sgn_trustpolicy_findings *f);

#endif
