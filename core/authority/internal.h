/* Internals of the local Signer shared by core/authority and its unit tests. */
#ifndef SGN_AUTHORITY_INTERNAL_H
#define SGN_AUTHORITY_INTERNAL_H

#include <sqlite3.h>
#include <stdint.h>
#include <openssl/evp.h>
#include <openssl/x509.h>
#include "sgn/authority.h"

/* 1: one account per store. 2: profiles belong to an owner account (issue 9); the profile's tags
 * move from its versions to the profile; profile permissions and access keys. */
#define SGN_STORE_SCHEMA_VERSION 2
#define SGN_STORE_DB "signer.db"
#define SGN_STORE_KEYS "keys"
/* How long an operation waits for another process's write transaction before "busy". */
#define SGN_STORE_BUSY_TIMEOUT_MS 30000

/* PKI lifetimes. The leaf is short-lived like AWS Signer's (about three days) and rotated daily;
 * the issuing CA lives two years and is replaced before a fresh leaf would outlive it. */
#define SGN_LEAF_LIFETIME (3 * 86400)
#define SGN_LEAF_ROTATE_AFTER (86400)
#define SGN_LEAF_BACKDATE (300)
#define SGN_CA_LIFETIME (2 * 365 * 86400)
#define SGN_ROOT_LIFETIME ((int64_t)100 * 365 * 86400)

struct sgn_authority {
    sqlite3 *db;
    char *dir;
    char *region;
    char *account;
    sgn_clock_fn clock;
    void *clock_ctx;
    int read_only;            /* no writes: see sgn_authority_open */
    char read_only_why[128];  /* for the message of a refused write */
    char *caller_account;     /* sgn_authority_set_caller; NULL = the store's own account */
    char *caller_principal;   /* with caller_account */
    int64_t busy_since_ns;    /* busy handler: when the current wait began (monotonic) */
    unsigned busy_seed;       /* busy handler: jitter */
    /* Statements of the hot paths, prepared once per handle (sgn_authority__stmt). */
    struct {
        const char *sql;      /* the literal's address */
        sqlite3_stmt *st;
    } stmts[32];
    /* The current leaf's key (pki.c): parsing its PEM cost about as much as a signature. */
    char leaf_key_file[128];
    EVP_PKEY *leaf_key;
    /* Parsed certificates by row id (a row's DER never changes): OpenSSL 3 spends about a
     * quarter of a signature's time decoding one. */
    struct {
        int64_t id;
        X509 *cert;
    } certs[4];
    unsigned next_cert;
};

typedef struct sgn_platform {
    const char *id;
    const char *display_name;
    const char *partner;
    const char *target;
    const char *category;
    const char *const *enc_allowed;
    const char *enc_default;
    const char *const *hash_allowed;
    const char *hash_default;
    const char *const *formats;
    const char *format_default;
    int max_size_mb;
    int revocation_supported;
    int needs_signing_material;  /* IoT platforms sign with an ACM certificate */
    int can_sign_payload;        /* SignPayload is only for Notation */
    int has_validity_period;     /* signatureValidityPeriod applies (Lambda, Notation only) */
    const char *const *cross_account_actions; /* AddProfilePermission's actions, in AWS's
                                                 order; NULL: no cross-account use */
} sgn_platform;

const sgn_platform *sgn_authority__platform(const char *id);
cJSON *sgn_authority__platform_json(const sgn_platform *p);

/* Service error with a fresh request id; returns the sgn code. */
int sgn_authority__fail(sgn_error *err, int http_status, const char *svc_code, const char *fmt,
                        ...) __attribute__((format(printf, 4, 5)));
int sgn_authority__db_fail(sgn_authority *a, sgn_error *err, const char *what);

/* Transactions: BEGIN IMMEDIATE (writers serialise on the store's lock; busy_timeout waits). */
int sgn_authority__begin(sgn_authority *a, sgn_error *err);
/* SGN_OK, or for a read-only handle the SGN_EIO that says why it cannot be changed. */
int sgn_authority__writable(sgn_authority *a, sgn_error *err);
int sgn_authority__commit(sgn_authority *a, sgn_error *err);
void sgn_authority__rollback(sgn_authority *a);
int sgn_authority__exec(sgn_authority *a, const char *sql, sgn_error *err);
int sgn_authority__prepare(sgn_authority *a, sqlite3_stmt **st, const char *sql, sgn_error *err);
/* As sgn_authority__prepare, for a string literal run often (signing, revocation checks,
 * access keys): the statement is prepared once per handle and kept; give it back with
 * sgn_authority__stmt_done (reset, bindings cleared) instead of sqlite3_finalize. Parsing the
 * SQL was most of the cost of a GetRevocationStatus. */
int sgn_authority__stmt(sgn_authority *a, sqlite3_stmt **st, const char *sql, sgn_error *err);
void sgn_authority__stmt_done(sgn_authority *a, sqlite3_stmt *st);

/* Members of an input object, with AWS-style validation messages. A wrong type is a
 * ValidationException; a missing required member too. */
int sgn_authority__get_string(const char **out, const cJSON *in, const char *name, int required,
                              sgn_error *err);
int sgn_authority__get_number(int64_t *out, int *present, const cJSON *in, const char *name,
                              int required, sgn_error *err);
int sgn_authority__check_profile_name(const char *name, sgn_error *err);
int sgn_authority__check_account(const char *owner, const char *member, sgn_error *err);
/* An enum-valued member: value must be one of allowed (NULL-terminated), else a
 * ValidationException worded as AWS words it ("Member must satisfy enum value set: [...]"). */
int sgn_authority__check_enum(const char *value, const char *member, const char *const *allowed,
                              sgn_error *err);
/* Index of s in the NULL-terminated list, or -1. */
int sgn_authority__in_list(const char *s, const char *const *list);

/* The enums of the AWS Signer API model (research/aws-signer-api.md §1.5). */
extern const char *const sgn_authority__profile_statuses[]; /* Active, Canceled, Revoked */
extern const char *const sgn_authority__job_statuses[];     /* InProgress, Failed, Succeeded */
extern const char *const sgn_authority__validity_types[];   /* DAYS, MONTHS, YEARS */
extern const char *const sgn_authority__encryption_algorithms[]; /* RSA, ECDSA */
extern const char *const sgn_authority__hash_algorithms[];  /* SHA1, SHA256, SHA384 */
extern const char *const sgn_authority__image_formats[];    /* JSON, JSONEmbedded, JSONDetached */
extern const char *const sgn_authority__categories[];       /* AWSIoT */

/* A revocation reason: 1 to 500 characters. */
int sgn_authority__check_reason(const char *reason, sgn_error *err);

/* ARNs the store mints, in the owner account's name. Returns malloc'd strings. */
char *sgn_authority__profile_arn(const sgn_authority *a, const char *owner, const char *name);
char *sgn_authority__profile_version_arn(const sgn_authority *a, const char *owner,
                                         const char *name, const char *version);
char *sgn_authority__job_arn(const sgn_authority *a, const char *owner, const char *job_id);

/* callers.c: who is calling. _caller_account borrows; _caller_arn is a malloc'd copy of the
 * caller's principal ARN (arn:<partition>:iam::<account>:root by default). */
const char *sgn_authority__caller_account(const sgn_authority *a);
char *sgn_authority__caller_arn(const sgn_authority *a);
/* 1 when the caller is the store's own account (any of its principals): the store's
 * administrator (access keys, certificate revocation). */
int sgn_authority__caller_is_admin(const sgn_authority *a);
/* The 403 AccessDeniedException of AWS's shape: "User: <caller principal> is not authorized to
 * perform: signer:<action> on resource: <resource>". */
int sgn_authority__denied(sgn_authority *a, const char *action, const char *resource,
                          sgn_error *err);
/* May the caller perform signer:<action> on profile owner/name at version? The owner may do
 * anything; another account only through a permission statement of the profile naming the
 * action and the caller's account or exact role ARN, and (when the statement has one) this
 * profileVersion. SGN_OK, the AccessDeniedException, or SGN_EDB. */
int sgn_authority__authorize(sgn_authority *a, const char *owner, const char *name,
                             const char *version, const char *action, sgn_error *err);
/* The profileOwner member (default: the caller's account), checked as the API model's
 * AccountId. *owner borrows from in or from the handle. */
int sgn_authority__profile_owner(const char **owner, sgn_authority *a, const cJSON *in,
                                 const char *member, sgn_error *err);
/* Does an account exist in the store (the store's own, or one holding an access key)? */
int sgn_authority__account_exists(sgn_authority *a, const char *account, int *exists,
                                  sgn_error *err);
/* A principal ARN of `account` in the store's partition: :root, :user/NAME or :role/NAME.
 * SGN_OK or SGN_EINVALID (message says why); *kind gets "root", "user" or "role" and *name the
 * NAME (borrowed from principal; "" for root). */
int sgn_authority__check_principal(const sgn_authority *a, const char *principal,
                                   const char *account, const char **kind, const char **name,
                                   sgn_error *err);

/* schema.c: create the current schema, or bring an older store up to it (one transaction);
 * on a read-only handle of an older store, present the current shape through TEMP views. */
int sgn_authority__schema_create(sgn_authority *a, sgn_error *err);
int sgn_authority__schema_upgrade(sgn_authority *a, sgn_error *err);

/* Add a validity period to a time (calendar months for MONTHS/YEARS). */
int64_t sgn_authority__add_validity(int64_t t, int64_t value, const char *type);

/* PKI (pki.c). Called inside a write transaction. */
int sgn_authority__pki_create(sgn_authority *a, sgn_error *err);
/* The current signing key and chain (leaf, CA, root), rotating the leaf or CA when due: only
 * inside a write transaction (BEGIN IMMEDIATE), which a new key file needs (make_cert refuses
 * otherwise; see sgn_authority__remove_strays). *chain is an array of 3 new X509 references;
 * free with sgn_authority__chain_free. */
int sgn_authority__signing_chain(sgn_authority *a, EVP_PKEY **key, X509 ***chain, size_t *n,
                                 int64_t *leaf_id, sgn_error *err);
void sgn_authority__chain_free(X509 **chain, size_t n);
/* The same without writing (outside a write transaction): *due = 1 and nothing returned when the
 * CA or the leaf must be replaced first (then call _signing_chain in a write transaction). */
int sgn_authority__current_chain(sgn_authority *a, EVP_PKEY **key, X509 ***chain, size_t *n,
                                 int64_t *leaf_id, int *due, sgn_error *err);
/* *usable = 1 when the leaf, its CA and the root are all unrevoked. */
int sgn_authority__chain_usable(sgn_authority *a, int64_t leaf_id, int *usable, sgn_error *err);

cJSON *sgn_authority__epoch(int64_t t);

/* maxResults (1..25, -1 when absent) and nextToken (a decimal offset). */
int sgn_authority__paging(int64_t *limit, int64_t *offset, const cJSON *in, sgn_error *err);

/* profiles.c, for SignPayload: the current version of owner's Active profile, after checking
 * that the caller may sign with it (signer:SignPayload), or a service error. */
int sgn_authority__signable_profile(sgn_authority *a, const char *owner, const char *name,
                                    char version[11], char platform_id[64], int64_t *vvalue,
                                    char vtype[8], sgn_error *err);
/* profiles.c, for GetRevocationStatus: revoked for a signature made at ts (ts >= effective)? */
int sgn_authority__profile_version_revoked(sgn_authority *a, const char *owner,
                                           const char *name, const char *version, int64_t ts,
                                           int *revoked, sgn_error *err);
/* profiles.c: facts about owner's profile at its current version. *found 0 when there is none. */
int sgn_authority__profile_facts(sgn_authority *a, const char *owner, const char *name,
                                 int *found, char version[11], char platform_id[64],
                                 char status[16], sgn_error *err);

/* profile_rules.c: what PutSigningProfile accepts. Each returns SGN_OK or a ValidationException.
 * _validity: the period to store (*value 0 and *type "" on platforms that take none; 135 MONTHS by
 * default). _merge_tags: the profile's tags after a new version (*out JSON text, NULL for none). */
int sgn_authority__validate_validity(int64_t *value, const char **type, const sgn_platform *pl,
                                     const cJSON *in, sgn_error *err);
int sgn_authority__validate_overrides(const sgn_platform *pl, const cJSON *in, sgn_error *err);
int sgn_authority__validate_signing_material(const sgn_platform *pl, const cJSON *in,
                                             sgn_error *err);
/* Tags (one helper for PutSigningProfile and TagResource/UntagResource; svc_code is the error
 * name the operation answers with: ValidationException, or BadRequestException for the tagging
 * operations). _merge_tags adds given to current and removes the keys of remove (an array of
 * strings, or NULL); at most SGN_MAX_PROFILE_TAGS remain. */
int sgn_authority__validate_tags(const cJSON *tags, const char *svc_code, sgn_error *err);
int sgn_authority__validate_tag_key(const char *key, const char *svc_code, sgn_error *err);
int sgn_authority__merge_tags(char **out, const char *current_json, const cJSON *given,
                              const cJSON *remove, const char *svc_code, sgn_error *err);

/* retention.c, at open: delete the Canceled and Revoked profiles whose retention has ended (all
 * their signatures expired six months ago), with their versions and jobs. Takes the write lock
 * only when there is something to delete; does nothing on a read-only store. */
int sgn_authority__purge_expired_profiles(sgn_authority *a, sgn_error *err);

/* store_files.c, at open, before SQLite opens anything. Refuses (SGN_EIO, with the path, what is
 * wrong and the command that fixes it) a store directory or keys/ that is writable by group or
 * others or owned by another user; signer.db, its -wal and -shm, and every entry of keys/ that
 * is a symbolic link or owned by another user. "Another user": not the effective uid; for a
 * read-only open, and for root with allow_other_owner, files owned by the store directory's
 * owner or by root are accepted too. Missing files are not checked (a store being created). */
int sgn_authority__check_store_files(const char *dir, int read_only, int allow_other_owner,
                                     sgn_error *err);
/* store_files.c, at a read-write open: remove the files of keys/ that match our naming and that
 * no committed certificate names (keys of a writer killed before its commit) and temporary files
 * of interrupted writes. Takes the write lock only when there is something to remove, and
 * decides under it. *removed gets the number of files removed. */
int sgn_authority__remove_strays(sgn_authority *a, int *removed, sgn_error *err);

/* jobs.c, for GetRevocationStatus. */
int sgn_authority__job_revoked(sgn_authority *a, const char *owner, const char *job_id,
                               int *revoked, sgn_error *err);

#endif
