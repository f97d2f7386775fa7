/* The local Signer: AWS Signer's semantics with real keys, a real CA and state in SQLite.
 *
 * A store is a directory holding signer.db (SQLite, WAL) and keys/ (0600 PKCS#8 PEM files). The
 * region and account of every ARN it mints are fixed when the store is created.
 *
 * Operations take and return cJSON objects shaped exactly like the AWS Signer REST API's
 * members (research/aws-signer-api.md §1.4): path and query parameters are merged into the input
 * object under their member names; timestamps are epoch seconds (JSON numbers); blobs are
 * standard base64. The same functions therefore serve the signer-local CLI, the plugin's
 * in-process backend and an HTTP front end. Failures are service errors
 * (sgn_error_set_service: ValidationException 400, ResourceNotFoundException 404,
 * AccessDeniedException 403, ConflictException 409, ...) or local failures (SGN_EDB, SGN_EIO).
 * Every state change is committed (WAL, synchronous=FULL) before the function returns SGN_OK.
 * Handles are not thread-safe; processes may share a store concurrently. */
#ifndef SGN_AUTHORITY_H
#define SGN_AUTHORITY_H

#include <stdint.h>
#include <cjson/cJSON.h>
#include "sgn/backend.h"
#include "sgn/error.h"

#define SGN_LOCAL_REGION_DEFAULT "local"
#define SGN_LOCAL_ACCOUNT_DEFAULT "000000000000"
#define SGN_LOCAL_STORE_ENV "SIGNER_LOCAL_STORE"

typedef struct sgn_authority sgn_authority;

typedef int64_t (*sgn_clock_fn)(void *ctx);

typedef struct sgn_authority_opts {
    int create;               /* create the store (and its PKI) if it does not exist */
    const char *region;       /* on creation; NULL = "local" */
    const char *account;      /* on creation; NULL = "000000000000" (12 digits required) */
    sgn_clock_fn clock;       /* NULL = time(NULL); tests pin it */
    void *clock_ctx;
    int read_only;            /* open for reading only (verification); create is then ignored */
    int allow_other_owner;    /* root only: open a store another user owns read-write */
} sgn_authority_opts;

/* Open (and with opts->create, create) the store in dir. Without create, a missing store is
 * SGN_ENOTFOUND with a message that says how to create one. opts may be NULL.
 *
 * Read-only stores (a read-only mount such as a Kubernetes volume, or a directory this process
 * may not write). The handle is read-only when opts->read_only asks for it, or automatically when
 * the store exists and its directory or signer.db is not writable by this process (faccessat
 * W_OK, effective ids). A read-only handle answers every reading operation from the store's
 * committed state, the un-checkpointed WAL included, and never writes: it runs no purge and no
 * journal-mode change. Every operation that would change the store fails with SGN_EIO and a
 * message naming the store and why it is read-only. How SQLite is asked to read
 * (sqlite.org/wal.html "Read-Only Databases", sqlite.org/uri.html "immutable"): when the directory
 * is writable, or signer.db-wal and signer.db-shm both exist, a plain SQLITE_OPEN_READONLY open
 * (SQLite >= 3.22 reads through a read-only -shm); when only the -wal exists, locking_mode=EXCLUSIVE
 * with the lock-free "unix-none" VFS, so the WAL index lives in heap memory and no -shm is needed
 * (the exclusive lock that mode takes is impossible on a read-only descriptor; without -shm and
 * without a writable directory no writer can be at work); when there is no -wal, signer.db holds
 * every committed change and is opened with immutable=1 (SQLite then takes no locks: nothing may
 * write the store meanwhile, which a directory nobody can write ensures).
 *
 * Who may have made the store (checked first, with lstat, as ssh's StrictModes checks ~/.ssh;
 * a refusal is SGN_EIO whose message names the path, what is wrong and the command that fixes it):
 *   - the store directory and keys/ must not be writable by group or others, whoever opens them
 *     and however (read-only too: a file somebody else may replace cannot be trusted to say what
 *     is revoked); keys/ must not be a symbolic link (the store directory may be one: its target
 *     is checked);
 *   - signer.db, signer.db-wal, signer.db-shm and every entry of keys/ must not be symbolic links
 *     (SQLite opens with SQLITE_OPEN_NOFOLLOW, key files are read with O_NOFOLLOW);
 *   - a read-write open needs the directories and those files owned by the effective user; root
 *     may write another user's store only with opts->allow_other_owner (files root then creates
 *     belong to root);
 *   - a read-only open (asked for, or automatic) also accepts files owned by the store
 *     directory's owner or by root: the verification case, e.g. uid 65532 reading a volume root
 *     made, where nobody but that owner or root may write.
 *
 * A read-write open then removes stray files from keys/ (key files no committed certificate
 * names, left by a writer killed between writing a key and committing its certificate, and the
 * temporary files of interrupted writes): only names of our pattern, decided under the write
 * lock (keys are only written inside a write transaction, so no live writer's key is taken). */
int sgn_authority_open(sgn_authority **out, const char *dir, const sgn_authority_opts *opts,
                       sgn_error *err);
/* 1 if dir holds a local Signer store (its database file exists), else 0; one stat(), nothing
 * created. For a caller that words a missing store in its own terms: sgn_authority_open's
 * message tells signer-local's users what to run ("signer-local --store DIR init"), which is
 * wrong advice for the plugin, whose knobs are pluginConfig local-store and SIGNER_LOCAL_STORE. */
int sgn_authority_store_exists(const char *dir);
/* Close the handle. A read-write handle first checkpoints the WAL into signer.db (TRUNCATE when
 * no other process uses the store, else as far as it can without waiting), so a store copied or
 * mounted read-only afterwards is self-contained. */
void sgn_authority_close(sgn_authority *a);
/* 1 when the handle is read-only (asked for, or automatic: see sgn_authority_open), else 0. */
int sgn_authority_read_only(const sgn_authority *a);

const char *sgn_authority_region(const sgn_authority *a);
const char *sgn_authority_account(const sgn_authority *a);
const char *sgn_authority_dir(const sgn_authority *a);
int64_t sgn_authority_now(const sgn_authority *a);

/* Default store directory: $SIGNER_LOCAL_STORE, else $XDG_DATA_HOME/signer-local, else
 * $HOME/.local/share/signer-local. The caller passes the environment values (library code does
 * not read the environment). Returns a malloc'd path. */
int sgn_authority_default_dir(char **out, const char *env_store, const char *xdg_data_home,
                              const char *home, sgn_error *err);

/* AWS Signer operations. `in` may be NULL for operations without members. *out is a new object
 * the caller frees with cJSON_Delete (an empty object for operations with no output members). */
int sgn_authority_put_signing_profile(sgn_authority *a, const cJSON *in, cJSON **out,
                                      sgn_error *err);
int sgn_authority_get_signing_profile(sgn_authority *a, const cJSON *in, cJSON **out,
                                      sgn_error *err);
int sgn_authority_list_signing_profiles(sgn_authority *a, const cJSON *in, cJSON **out,
                                        sgn_error *err);
int sgn_authority_cancel_signing_profile(sgn_authority *a, const cJSON *in, cJSON **out,
                                         sgn_error *err);
int sgn_authority_revoke_signing_profile(sgn_authority *a, const cJSON *in, cJSON **out,
                                         sgn_error *err);
int sgn_authority_revoke_signature(sgn_authority *a, const cJSON *in, cJSON **out,
                                   sgn_error *err);
int sgn_authority_describe_signing_job(sgn_authority *a, const cJSON *in, cJSON **out,
                                       sgn_error *err);
int sgn_authority_list_signing_jobs(sgn_authority *a, const cJSON *in, cJSON **out,
                                    sgn_error *err);
int sgn_authority_list_signing_platforms(sgn_authority *a, const cJSON *in, cJSON **out,
                                         sgn_error *err);
int sgn_authority_get_signing_platform(sgn_authority *a, const cJSON *in, cJSON **out,
                                       sgn_error *err);
/* Input: profileName, profileOwner?, payload (base64), payloadFormat, and our extension
 * signatureEnvelopeType ("application/jose+json" default, or "application/cose").
 * Output: jobId, jobOwner, metadata, signature (base64 envelope). */
int sgn_authority_sign_payload(sgn_authority *a, const cJSON *in, cJSON **out, sgn_error *err);
/* SignPayload in two steps, for a server that commits the jobs of concurrent calls together:
 * sign (checks, the signing chain, the signature: no write lock held while signing) giving the
 * response and the job to record; then record jobs in one transaction, each checked again
 * there (profile still Active at the version signed, its caller still allowed): results[i] is
 * its outcome, errs[i] its error. sgn_authority_record_jobs returns < 0 (and every result is
 * that) when the transaction itself failed; nothing signed counts until it is recorded.
 * sgn_authority_sign_payload is the two for one call. */
typedef struct sgn_signed_job sgn_signed_job;
int sgn_authority_sign_payload_unrecorded(sgn_authority *a, const cJSON *in, cJSON **out,
                                          sgn_signed_job **job, sgn_error *err);
int sgn_authority_record_jobs(sgn_authority *a, sgn_signed_job *const *jobs, size_t n,
                              int *results, sgn_error *errs, sgn_error *err);
void sgn_signed_job_free(sgn_signed_job *job);
/* Input: signatureTimestamp (number), platformId, profileVersionArn, jobArn, certificateHashes
 * (array of strings). Output: revokedEntities (array, possibly empty). */
int sgn_authority_get_revocation_status(sgn_authority *a, const cJSON *in, cJSON **out,
                                        sgn_error *err);
/* Extension: revoke a certificate the store issued. Input: certificateHash (hex SHA-384 of its
 * TBSCertificate), reason. Output: certificateHashPair (the child||parent entry that
 * GetRevocationStatus will report), revokedAt. */
int sgn_authority_revoke_certificate(sgn_authority *a, const cJSON *in, cJSON **out,
                                     sgn_error *err);
/* Extension: the store's root certificate as PEM (malloc'd). */
int sgn_authority_root_pem(sgn_authority *a, char **pem, sgn_error *err);
/* Extension: the current signing chain, leaf first, rotating the leaf if due.
 * Output: certificates: [{certificate (base64 DER), tbsSha384 (hex)}]. */
int sgn_authority_describe_chain(sgn_authority *a, cJSON **out, sgn_error *err);

/* ---- Accounts, callers and cross-account sharing (issue 9) ----
 *
 * A store holds any number of accounts; an account exists once it has an access key (or is the
 * store's own account, fixed at creation). Each profile belongs to the account that created it
 * (its ARN names that account). Every operation acts as the handle's current caller:
 *   - PutSigningProfile, ListSigningProfiles, ListSigningJobs: the caller's own account;
 *   - operations naming a profile take `profileOwner` (default: the caller's account); another
 *     account's profile may be used only as a permission statement allows it
 *     (cross-account-signing.txt; developer guide, AddProfilePermission): actions
 *     signer:SignPayload, signer:StartSigningJob, signer:GetSigningProfile, signer:RevokeSignature,
 *     principal an account id or a role ARN, optional profileVersion; anything else is
 *     403 AccessDeniedException with AWS's message shape ("User: <principal ARN> is not authorized
 *     to perform: signer:<Action> on resource: <profile ARN>");
 *   - SignPayload through a grant records jobOwner = profile owner, jobInvoker = caller account,
 *     requestedBy = caller principal, and the signature carries the owner's profile version and
 *     job ARNs. DescribeSigningJob/ListSigningJobs show a job to its owner and its invoker only
 *     (others: ResourceNotFoundException); RevokeSignature by another account needs a
 *     signer:RevokeSignature grant (limited to the job's profile version if the grant names one);
 *   - GetRevocationStatus and the platform operations answer any caller; revoke_certificate and
 *     the access key operations are for the store's own account only (403 otherwise).
 * Without sgn_authority_set_caller the caller is the store's own account's root
 * (arn:<partition>:iam::<account>:root): the signer-local CLI and the in-process plugin backend. */
typedef struct sgn_caller {
    const char *account;     /* 12 digits */
    const char *principal;   /* arn:<partition>:iam::<account>:root | :user/NAME | :role/NAME */
} sgn_caller;

/* Act as caller from now on (the strings are copied). NULL restores the store's own account.
 * SGN_EINVALID for an account that is not 12 digits or a principal of another account. */
int sgn_authority_set_caller(sgn_authority *a, const sgn_caller *caller, sgn_error *err);

/* Profile permissions (AWS Signer API: AddProfilePermission, ListProfilePermissions,
 * RemoveProfilePermission). Inputs and outputs are the API's members (research/aws-signer-api.md
 * §1.4): add takes profileName, action, principal, statementId, profileVersion?, revisionId?
 * and returns revisionId; list takes profileName, nextToken? and returns revisionId,
 * policySizeBytes, permissions [{action, principal, statementId, profileVersion}], nextToken;
 * remove takes profileName, statementId, revisionId and returns revisionId. Only the profile's
 * owner may call them. A revisionId that is not the profile's current one (or none, once the
 * policy has statements) is 409 ConflictException; a statementId in use is 409 ConflictException;
 * an action the platform does not allow is 400 ValidationException with AWS's text. Statements
 * are listed in the order they were added, 100 per page; policySizeBytes is the length of the
 * compact JSON of the IAM-shaped policy document (Sid, Effect, Principal.AWS, Action, Resource,
 * Condition.StringEquals signer:ProfileVersion), 0 without statements. */
int sgn_authority_add_profile_permission(sgn_authority *a, const cJSON *in, cJSON **out,
                                         sgn_error *err);
int sgn_authority_list_profile_permissions(sgn_authority *a, const cJSON *in, cJSON **out,
                                           sgn_error *err);
int sgn_authority_remove_profile_permission(sgn_authority *a, const cJSON *in, cJSON **out,
                                            sgn_error *err);

/* Tags on a signing profile's ARN (TagResource: resourceArn, tags; UntagResource: resourceArn,
 * tagKeys; ListTagsForResource: resourceArn -> tags). The guide's limits (at most 50 tags, key and
 * value patterns); only the owner; an ARN that names no profile is 404 NotFoundException, a
 * malformed one 400 BadRequestException. */
int sgn_authority_tag_resource(sgn_authority *a, const cJSON *in, cJSON **out, sgn_error *err);
int sgn_authority_untag_resource(sgn_authority *a, const cJSON *in, cJSON **out, sgn_error *err);
int sgn_authority_list_tags_for_resource(sgn_authority *a, const cJSON *in, cJSON **out,
                                         sgn_error *err);

/* Access keys for `serve` (IAM's shapes). create takes accountId, principal? (default the
 * account's root), temporary? (true: an ASIA key with a session token, durationSeconds?) and
 * returns {"AccessKey": {UserName?, AccessKeyId, Status: "Active", SecretAccessKey,
 * SessionToken?, Expiration?, CreateDate}} as `aws iam create-access-key` prints it; the secret
 * is shown only then. list takes accountId? and returns {"AccessKeyMetadata": [{AccessKeyId,
 * Status, CreateDate, AccountId, Principal}]} (no secret). update takes AccessKeyId, Status
 * ("Active" | "Inactive"); delete takes AccessKeyId; an unknown id is IAM's 404 NoSuchEntity.
 * durationSeconds is 900..129600 (default 43200), as STS GetSessionToken. Only the store's own
 * account may call these. Secrets (40 base64 characters of RAND_bytes) live in the store's
 * database, which is 0600. */
int sgn_authority_create_access_key(sgn_authority *a, const cJSON *in, cJSON **out,
                                    sgn_error *err);
int sgn_authority_list_access_keys(sgn_authority *a, const cJSON *in, cJSON **out,
                                   sgn_error *err);
int sgn_authority_update_access_key(sgn_authority *a, const cJSON *in, cJSON **out,
                                    sgn_error *err);
int sgn_authority_delete_access_key(sgn_authority *a, const cJSON *in, cJSON **out,
                                    sgn_error *err);
/* The lookup sgn_sigv4_verify calls (ctx is the sgn_authority *; see sgn/aws_sigv4_verify.h for
 * the contract: SGN_ENOTFOUND for an unknown id). */
struct sgn_sigv4_key;
int sgn_authority_lookup_access_key(void *ctx, const char *access_key_id,
                                    struct sgn_sigv4_key *key, sgn_error *err);

/* The in-process local Signer as a backend. The store is opened on first use: read-only for
 * GetRevocationStatus (so verification works on a read-only store and never changes it),
 * read-write for SignPayload. */
int sgn_local_backend_new(sgn_backend **out, const char *store_dir, sgn_error *err);

#endif
