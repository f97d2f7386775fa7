/* What the credential sources behind the chain share (private to core/aws/creds*.c).
 *
 * One file per source, as aws-c-auth lays out its credentials_provider_*.c: creds_env.c,
 * creds_sts.c (AssumeRole, web identity), creds_container.c, creds_imds.c, creds_process.c,
 * creds_sso.c, creds_profile.c (a profile's resolution order), and creds.c (the chain, its notes
 * and the helpers below). A source either supplies credentials through sgn_aws__finish, reports
 * that it has none (SGN_ENOTFOUND, after sgn_aws__note), or fails with an error naming itself. */
#ifndef SGN_AWS_CREDS_INT_H
#define SGN_AWS_CREDS_INT_H

#include <stddef.h>
#include <stdint.h>

#include <cjson/cJSON.h>

#include "sgn/aws_creds.h"
#include "sgn/aws_http.h"
#include "sgn/buf.h"

/* One resolution in progress. */
typedef struct sgn_aws__chain {
    const sgn_aws_cred_ctx *ctx;
    long long deadline;     /* CLOCK_MONOTONIC ms; 0 = no budget */
    sgn_buf notes;          /* "source: what it found; ..." for the nothing-found message */
} sgn_aws__chain;

/* ---- creds.c: the chain's helpers ---- */

/* Milliseconds left of the budget, capped at cap (cap <= 0: no cap); at least 1. */
long sgn_aws__remaining_ms(const sgn_aws__chain *ch, long cap);
/* 1 once the budget has run out. */
int sgn_aws__budget_spent(const sgn_aws__chain *ch);
/* Append "what a source found" to the notes of the final "no AWS credentials found" message. */
void sgn_aws__note(sgn_aws__chain *ch, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
/* Re-report a nested error (e2) with the source in front, keeping its code rc. */
int sgn_aws__wrap(sgn_error *err, const char *source, const sgn_error *e2, int rc);
/* Printable text for a message: control characters become ' ', at most outsz - 1 bytes. */
void sgn_aws__printable(char *out, size_t outsz, const char *in, size_t len);
/* Check a complete set of credentials from `source` (key id and secret present, not expired at
 * ctx->now) and move them into *out (c is left empty); on failure c is freed. Logs the source
 * and the masked key id. */
int sgn_aws__finish(sgn_aws_creds *out, sgn_aws_creds *c, const sgn_aws__chain *ch,
                    const char *source, sgn_error *err);
/* Register a secret (a token, a key) in ctx->secrets before it is sent anywhere or can appear in
 * an answer, so that the executables redact it from every message and log line. s may be NULL. */
int sgn_aws__keep_secret(const sgn_aws__chain *ch, const char *s, sgn_error *err);
/* Read a one-line token file (trailing CR/LF dropped; CR, LF or NUL inside refused) and register
 * it (sgn_aws__keep_secret). *out is wiped and freed by the caller (sgn_aws_free_secret). */
int sgn_aws__read_token_file(char **out, const sgn_aws__chain *ch, const char *path,
                             const char *source, sgn_error *err);

/* The string member `name` of o, NULL when absent or not a string. */
const char *sgn_aws__json_str(const cJSON *o, const char *name);
/* Credentials out of a credentials JSON object (AccessKeyId, SecretAccessKey, token_name =
 * "Token" or "SessionToken", Expiration in RFC 3339, AccountId). */
int sgn_aws__creds_from_json(sgn_aws_creds *c, const cJSON *o, const char *token_name,
                             const char *source, sgn_error *err);
/* cJSON_Delete after wiping every string (credentials answers hold secrets). */
void sgn_aws__json_wipe_free(cJSON *j);
/* sgn_http_response_free after wiping the body. */
void sgn_aws__response_wipe_free(sgn_http_response *r);
/* One unsigned, unproxied exchange with a link-local or loopback service (container, IMDS). */
int sgn_aws__http_once(sgn_http_response *resp, const sgn_aws__chain *ch, const char *method,
                       const char *url, const sgn_kv *hdrs, size_t nh, long timeout_ms,
                       sgn_error *err);
/* sgn_aws__http_once to a link-local or loopback credential service (container, IMDS) with up to
 * `attempts` tries, each within what is left of the budget (capped at timeout_ms), retried as the
 * SDKs' standard mode retries (aws/retry RetryableConnectionError): 5xx answers and transient
 * transport failures (refused, reset, timed out); a host that does not resolve or a TLS
 * verification failure ends at once. Any HTTP answer is SGN_OK (the last one in *resp); a
 * transport failure is its code with err saying what failed and after how many attempts. */
int sgn_aws__http_attempts(sgn_http_response *resp, sgn_aws__chain *ch, const char *method,
                           const char *url, const sgn_kv *hdrs, size_t nh, long timeout_ms,
                           int attempts, const char *source, sgn_error *err);
/* Steps 5 and 6: container credentials, then IMDS; nothing found is the summary error. */
int sgn_aws__from_fallback(sgn_aws_creds *out, sgn_aws__chain *ch, sgn_error *err);

/* ---- the sources ---- */

/* creds_env.c: AWS_ACCESS_KEY_ID and friends; SGN_ENOTFOUND (with a note) when not set. */
int sgn_aws__from_env(sgn_aws_creds *out, sgn_aws__chain *ch, const char *source,
                      sgn_error *err);

/* creds_sts.c: AssumeRole with the profile's role settings, signed with `base`. */
int sgn_aws__assume_role(sgn_aws_creds *out, sgn_aws__chain *ch, const char *profile,
                         const sgn_aws_creds *base, sgn_error *err);
/* creds_sts.c: AssumeRoleWithWebIdentity, unsigned. token_source / sts_source name the source
 * in messages; role_setting names where role came from ("AWS_ROLE_ARN", "role_arn"). */
int sgn_aws__web_identity(sgn_aws_creds *out, sgn_aws__chain *ch, const char *token_file,
                          const char *role, const char *role_setting, const char *session,
                          const char *token_source, const char *sts_source, sgn_error *err);

/* creds_container.c: SGN_ENOTFOUND (with a note) when not configured and required_by is NULL;
 * when required_by names a profile (credential_source EcsContainer), that is an error. */
int sgn_aws__from_container(sgn_aws_creds *out, sgn_aws__chain *ch, const char *required_by,
                            sgn_error *err);

/* creds_imds.c: SGN_ENOTFOUND (with a note) when there is no instance metadata service to ask
 * and required_by is NULL; errors otherwise. */
int sgn_aws__from_imds(sgn_aws_creds *out, sgn_aws__chain *ch, const char *required_by,
                       sgn_error *err);

/* creds_process.c: the profile's credential_process command. */
int sgn_aws__from_process(sgn_aws_creds *out, sgn_aws__chain *ch, const char *profile,
                          const char *cmd, sgn_error *err);

/* creds_sso.c: 1 if the profile has any SSO setting (sso_session, sso_start_url, sso_region,
 * sso_account_id, sso_role_name): hasSSOConfiguration. */
int sgn_aws__has_sso(const sgn_aws_cred_ctx *ctx, const char *profile);
/* creds_sso.c: the profile's IAM Identity Center role credentials: the token `aws sso login`
 * cached (refreshed with SSO OIDC CreateToken and saved back to the cache file when it has
 * expired or is about to, for the sso_session form only), exchanged with the portal's
 * GetRoleCredentials. Missing tokens, expired tokens that cannot be refreshed or whose refresh
 * fails (the message holds the OIDC error code, e.g. InvalidGrantException), a token the portal
 * rejects (401/403) and incomplete configuration are errors; the token-related ones end with
 * "run `aws sso login --profile PROFILE`". */
int sgn_aws__from_sso(sgn_aws_creds *out, sgn_aws__chain *ch, const char *profile,
                      sgn_error *err);
/* creds_sso.c: "<home>/.aws/sso/cache/<lower-case hex SHA-1 of key>.json", key being the
 * sso_session name (sso_session form) or the sso_start_url (legacy form), as ssocreds'
 * StandardCachedTokenFilepath. *out is malloc'd. */
int sgn_aws__sso_cache_path(char **out, const char *home, const char *key, sgn_error *err);
/* creds_sso.c: the cached SSO token is refreshed this many seconds before it expires
 * (aws-sdk-js-v3's EXPIRE_WINDOW_MS; Go's SSOTokenProvider waits for expiry). */
#define SGN_AWS_SSO_REFRESH_WINDOW 300
/* creds_sso.c: 1 when a token expiring at expires_at (Unix seconds) is to be refreshed at now:
 * now > expires_at - SGN_AWS_SSO_REFRESH_WINDOW. Whether it can be refreshed is another matter
 * (sso_session form, refreshToken, clientId, clientSecret, registration not expired). */
int sgn_aws__sso_refresh_due(int64_t expires_at, int64_t now);

/* creds_profile.c: the profile in effect, as resolveCredsFromProfile does (source_profile
 * links followed, loops refused). SGN_ENOTFOUND never escapes: a profile without credentials
 * goes on to sgn_aws__from_fallback. */
int sgn_aws__from_profile(sgn_aws_creds *out, sgn_aws__chain *ch, const char *profile,
                          sgn_error *err);

#endif
