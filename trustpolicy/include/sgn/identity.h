/* The AWS Signer plugin's verification logic as pure functions: trusted-identity matching,
 * revocation reasons, the contract and capability constants, and Go's %q quoting that the
 * plugin's messages use (research/aws-signer-plugin.md §4). No I/O, no backends, no globals.
 *
 * Strings that come from a request are passed as sgn_span (pointer + length) because JSON can
 * carry NUL characters ("\u0000") and a trust decision must never be made on a truncated
 * string. */
#ifndef SGN_IDENTITY_H
#define SGN_IDENTITY_H

#include <stddef.h>
#include "sgn/buf.h"
#include "sgn/error.h"

#define SGN_CONTRACT_VERSION "1.0"
#define SGN_CAP_ENVELOPE_GENERATOR "SIGNATURE_GENERATOR.ENVELOPE"
#define SGN_CAP_TRUSTED_IDENTITY "SIGNATURE_VERIFIER.TRUSTED_IDENTITY"
#define SGN_CAP_REVOCATION_CHECK "SIGNATURE_VERIFIER.REVOCATION_CHECK"
#define SGN_WILDCARD_IDENTITY "*"

/* Reasons and messages, word for word the Go plugin's. */
#define SGN_MSG_WILDCARD                                                                       \
    "The AWSSigner plugin does not support wildcard identity in the trust policy."
#define SGN_REASON_TI_FAILURE "Signature publisher doesn't match any trusted identities."
#define SGN_REASON_NOT_REVOKED "Signature is not revoked."
#define SGN_REASON_CERT_REVOKED "Certificate(s) have been revoked."

typedef struct sgn_span {
    const char *ptr;
    size_t len;
} sgn_span;

/* A span over a NUL-terminated C string (NULL gives the empty span). */
sgn_span sgn_span_cstr(const char *s);
/* Byte-for-byte equality of a span and a C string. */
int sgn_span_eq(sgn_span a, const char *s);
/* 1 if the span holds a NUL byte (such a value cannot become a C string unchanged). */
int sgn_span_has_nul(sgn_span s);

/* Go's strings.EqualFold: equal under Unicode simple case folding. Folding covers ASCII,
 * Latin-1, Greek, basic Cyrillic and the special orbits k/K/U+212A, s/S/U+017F, å/Å/U+212B,
 * µ/μ/Μ and σ/ς/Σ; other runes compare exactly. Invalid UTF-8 compares byte by byte. */
int sgn_identity_equal_fold(sgn_span a, sgn_span b);

/* 1 if cap is SIGNATURE_VERIFIER.TRUSTED_IDENTITY or SIGNATURE_VERIFIER.REVOCATION_CHECK
 * (exact, case-sensitive), else 0. */
int sgn_identity_capability_supported(sgn_span cap);

/* 1 if an entry of ids is exactly "*" (the Go plugin refuses such a policy), else 0. */
int sgn_identity_has_wildcard(const sgn_span *ids, size_t n);

/* What a trusted-identity entry is to the plugin, by the rules sgn_identity_check applies. */
typedef enum sgn_identity_kind {
    SGN_IDENTITY_WILDCARD = 0,      /* "*": the plugin refuses the policy (SGN_MSG_WILDCARD) */
    SGN_IDENTITY_PROFILE,           /* arn:P:signer:R:A:/signing-profiles/NAME: every version */
    SGN_IDENTITY_PROFILE_VERSION,   /* arn:P:signer:R:A:/signing-profiles/NAME/VERSION */
    SGN_IDENTITY_PROFILE_SINGULAR,  /* contains "/signing-profile/": never matches */
    SGN_IDENTITY_SIGNING_JOB,       /* an ARN naming a signing job: never matches */
    SGN_IDENTITY_PROFILE_MALFORMED, /* a "/signing-profiles/" ARN of another service, with an
                                       empty NAME or VERSION (a trailing '/') or extra segments:
                                       never matches */
    SGN_IDENTITY_OTHER_ARN,         /* an ARN of another resource: never matches */
    SGN_IDENTITY_OTHER              /* not an ARN ("x509.subject: ...", other plugins' values):
                                       the plugin ignores it */
} sgn_identity_kind;

/* Classify one trusted-identity entry. PROFILE and PROFILE_VERSION are exactly the entries that
 * can match a signature (service "signer", resource "/signing-profiles/" with 3 or 4
 * '/'-segments, none empty). */
sgn_identity_kind sgn_identity_classify(sgn_span id);

typedef struct sgn_identity_result {
    int success;     /* 1 if an entry matched */
    long matched;    /* index of the first matching entry, or -1 */
    char *reason;    /* malloc'd, NUL-free */
} sgn_identity_result;

/* The trusted-identity check of the Go plugin (validateTrustedIdentity).
 *
 * signature_identity is the signature's com.amazonaws.signer.signingProfileVersion value. The
 * entries of ids are walked in order; an entry counts only if it parses as an ARN (arn.Parse:
 * "arn:" and six ':'-separated sections) whose service is "signer" and whose resource starts
 * with "/signing-profiles/". A profile ARN (resource splits on '/' into 3 parts) matches when
 * the signature identity with its last '/'-segment removed equals it; a profile version ARN
 * (4 parts) matches when it equals the signature identity. Comparison is strings.EqualFold over
 * the whole string. The first match wins: reason "Signature publisher matched \"<entry>\" trusted
 * identity." (Go %q of the entry as configured).
 *
 * With no match the reason is "Signature publisher doesn't match any trusted identities."
 * followed, for the first near miss in list order, by one sentence saying what is wrong (our
 * addition; the Go plugin stops after the first sentence):
 *   - an entry containing "/signing-profile/" (singular);
 *   - a signer ARN naming a signing job ("/signing-jobs/");
 *   - an ARN with a "/signing-profiles/" resource that does not match (another profile, version,
 *     account, region or partition, an extra segment, a trailing '/', a service other than
 *     "signer"): the sentence names the profile version that made the signature.
 * Entries that are not ARNs (e.g. "x509.subject: ...") and ARNs of other resources are not near
 * misses. Fails only with SGN_ENOMEM. */
int sgn_identity_check(sgn_identity_result *out, sgn_span signature_identity, const sgn_span *ids,
                       size_t n, sgn_error *err);
void sgn_identity_result_free(sgn_identity_result *r);

/* The revocation result for GetRevocationStatus's revokedEntities (getRevocationResultReason):
 * none gives *revoked = 0 and "Signature is not revoked."; otherwise *revoked = 1 and the entries
 * starting with "arn" (case-sensitive) are joined with ", " into "Resource(s) <list> have been
 * revoked.", then "Certificate(s) have been revoked." is appended (no separator) if any entry
 * does not start with "arn". *reason is malloc'd. */
int sgn_identity_revocation_reason(char **reason, int *revoked, const char *const *entities,
                                   size_t n, sgn_error *err);

/* Append Go's strconv.Quote of s (what fmt's %q prints for a string) to out: double quotes;
 * \" and \\; \a \b \f \n \r \t \v; other C0 controls and DEL as \xNN; invalid UTF-8 bytes as
 * \xNN; non-printable runes (C1 controls, non-ASCII spaces, format characters such as U+200B
 * or U+FEFF, line/paragraph separators, private use, noncharacters) as \uNNNN or \UNNNNNNNN;
 * every other valid rune unchanged. Unassigned code points are treated as printable. */
int sgn_identity_quote(sgn_buf *out, sgn_span s, sgn_error *err);

#endif
