/* The AWS credential chain, resolved lazily: only when a request is about to be signed.
 *
 * Order (aws-sdk-go-v2's resolveCredentialChain, which the Go plugin runs, so a drop-in finds the
 * same credentials):
 *   1. when pluginConfig aws-profile is set (ctx->profile_first), that profile, and nothing else;
 *   2. otherwise the environment: AWS_ACCESS_KEY_ID + AWS_SECRET_ACCESS_KEY [+ AWS_SESSION_TOKEN or
 *      AWS_SECURITY_TOKEN; AWS_CREDENTIAL_EXPIRATION; AWS_ACCOUNT_ID] (AWS_PROFILE does not
 *      override them, as in Go);
 *   3. web identity from the environment: AWS_ROLE_ARN + AWS_WEB_IDENTITY_TOKEN_FILE
 *      [+ AWS_ROLE_SESSION_NAME], STS AssumeRoleWithWebIdentity, unsigned (EKS IRSA);
 *   4. the profile in effect (AWS_PROFILE, AWS_DEFAULT_PROFILE or "default").
 * A profile resolves, in Go's order: source_profile (recursively, loops refused) then AssumeRole
 * of its role_arn; static keys (aws_access_key_id, aws_secret_access_key, aws_session_token;
 * credentials file first); credential_source (Environment, Ec2InstanceMetadata, EcsContainer)
 * then AssumeRole; web_identity_token_file + role_arn (AssumeRoleWithWebIdentity); SSO settings
 * (IAM Identity Center: sso_session + [sso-session] or the legacy sso_start_url form; the token
 * `aws sso login` cached in $HOME/.aws/sso/cache/<sha1>.json, exchanged with the portal's
 * GetRoleCredentials at https://portal.sso.<sso_region>.amazonaws.com, or AWS_ENDPOINT_URL_SSO /
 * AWS_ENDPOINT_URL / [services] sso endpoint_url; a missing, expired or rejected token is an
 * error naming `aws sso login --profile P`; no refresh through SSO OIDC); credential_process
 * (run without a shell, argv split as the SDKs do, stdout JSON Version 1, exit status 0, bounded
 * by the budget); and when the profile has none of these:
 *   5. container credentials: AWS_CONTAINER_CREDENTIALS_RELATIVE_URI against
 *      http://169.254.170.2, or AWS_CONTAINER_CREDENTIALS_FULL_URI; Authorization from
 *      AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE (read on every fetch) else
 *      AWS_CONTAINER_AUTHORIZATION_TOKEN (ECS task roles, EKS Pod Identity at 169.254.170.23);
 *   6. IMDSv2 (unless AWS_EC2_METADATA_DISABLED=true): PUT /latest/api/token, GET the role name,
 *      GET its credentials; IMDSv1 fallback when the token PUT answers 403/404/405 or times out,
 *      unless AWS_EC2_METADATA_V1_DISABLED=true; AWS_EC2_METADATA_SERVICE_ENDPOINT[_MODE];
 *      AWS_METADATA_SERVICE_TIMEOUT (default 1 s) and _NUM_ATTEMPTS (default 1).
 * If a profile has role_arn with source_profile or credential_source, the credentials found are
 * used to assume that role. A profile named explicitly (aws-profile, AWS_PROFILE,
 * AWS_DEFAULT_PROFILE) that exists in neither file is an error: "failed to get shared config
 * profile, NAME" (the Go plugin's words) plus the files looked in.
 *
 * Every failure names its source and why ("web identity (AWS_WEB_IDENTITY_TOKEN_FILE=/p): cannot
 * read the token file: No such file or directory"); when nothing is found, the error lists each
 * source tried and what it found. Credential errors are SGN_EDENIED only when a service said so
 * (STS AccessDenied / InvalidIdentityToken / ExpiredToken), SGN_ETIMEOUT for timeouts, else
 * SGN_EINVALID for configuration problems and SGN_ENETWORK for transport. */
#ifndef SGN_AWS_CREDS_H
#define SGN_AWS_CREDS_H

#include <stdint.h>
#include "sgn/aws.h"
#include "sgn/aws_config.h"
#include "sgn/aws_http.h"
#include "sgn/redact.h"

typedef struct sgn_aws_cred_ctx {
    const sgn_aws_env *env;
    const sgn_aws_config *config;   /* loaded shared files */
    const char *profile;            /* sgn_aws_profile_name() result */
    int profile_explicit;           /* named by aws-profile, AWS_PROFILE or AWS_DEFAULT_PROFILE */
    int profile_first;              /* named by pluginConfig aws-profile: skip steps 2 and 3 */
    const char *region;             /* for regional STS (sts.<region>.amazonaws.com); may be NULL:
                                       then the global sts.amazonaws.com */
    const char *sts_endpoint;       /* AWS_ENDPOINT_URL_STS / AWS_ENDPOINT_URL / services sts, as
                                       resolved by the caller; NULL = the regional default */
    const sgn_http_opts *http;      /* transport settings (CA bundle, log, timeouts) */
    sgn_aws_retry *retry;           /* shared budget and token bucket */
    const char *user_agent;
    const sgn_aws_log *log;
    sgn_secrets *secrets;           /* every secret resolved or read on the way (keys, tokens,
                                       client secrets) is registered here before it is used;
                                       NULL = not recorded (sgn/redact.h) */
    int64_t now;                    /* Unix seconds, for expiry checks and the default session
                                       name (STS requests are signed at the real time by
                                       sgn_aws_send) */
} sgn_aws_cred_ctx;

int sgn_aws_resolve_credentials(sgn_aws_creds *out, const sgn_aws_cred_ctx *ctx, sgn_error *err);

/* 1 if a container credentials URL may be used: https to any host; http only to loopback
 * (127.0.0.0/8, ::1, localhost), 169.254.170.2, 169.254.170.23 (EKS Pod Identity) or
 * fd00:ec2::23. */
int sgn_aws_container_url_allowed(const char *url);

/* Split a credential_process command line as the SDKs do (whitespace separates, double and
 * single quotes group, backslash escapes). *argv is NULL-terminated; free with
 * sgn_aws_argv_free. SGN_EINVALID for an unterminated quote or an empty command. */
int sgn_aws_split_command(char ***argv, const char *cmd, sgn_error *err);
void sgn_aws_argv_free(char **argv);

#endif
