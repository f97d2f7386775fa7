/* The shared AWS config and credentials files (research/aws-signer-api.md §4.1).
 *
 * Config file: AWS_CONFIG_FILE, else $HOME/.aws/config; sections [default], [profile NAME],
 * [services NAME] (with indented sub-sections such as "signer =\n  endpoint_url = ..."),
 * [sso-session NAME]. Credentials file: AWS_SHARED_CREDENTIALS_FILE, else
 * $HOME/.aws/credentials; sections are bare profile names. A leading "~/" in either variable is
 * the home directory. Missing files are not an error; unreadable or malformed ones are, naming
 * the file and line. Keys are matched case-insensitively (botocore lowercases them); for the
 * same profile and key, the credentials file wins over the config file. */
#ifndef SGN_AWS_CONFIG_H
#define SGN_AWS_CONFIG_H

#include "sgn/aws.h"

typedef struct sgn_aws_config sgn_aws_config;

/* The home directory as aws-sdk-go-v2's shareddefaults.UserHomeDir finds it: HOME (from env, not
 * the process environment), else the password database entry of the current user. *out is
 * malloc'd. SGN_EINVALID "cannot find <what>: HOME is not set" when neither gives one. */
int sgn_aws_home_dir(char **out, const sgn_aws_env *env, const char *what, sgn_error *err);

int sgn_aws_config_load(sgn_aws_config **out, const sgn_aws_env *env, sgn_error *err);
void sgn_aws_config_free(sgn_aws_config *c);

/* Paths actually used (for messages), never NULL after a successful load. */
const char *sgn_aws_config_path(const sgn_aws_config *c);
const char *sgn_aws_credentials_path(const sgn_aws_config *c);

/* 1 if the profile exists in either file. */
int sgn_aws_config_has_profile(const sgn_aws_config *c, const char *profile);

/* A key of a profile from the config file ([default] or [profile NAME]; a [NAME] section counts
 * for "default" only), NULL if absent. */
const char *sgn_aws_config_get(const sgn_aws_config *c, const char *profile, const char *key);
/* A key of a profile from the credentials file, NULL if absent. */
const char *sgn_aws_credentials_get(const sgn_aws_config *c, const char *profile,
                                    const char *key);
/* The credentials file's value, else the config file's. */
const char *sgn_aws_profile_get(const sgn_aws_config *c, const char *profile, const char *key);

/* A per-service setting: profile's "services = X" names section [services X], whose sub-section
 * `service` ("signer", "signer_data", "sts") holds `key` (e.g. "endpoint_url"). NULL if absent. */
const char *sgn_aws_config_service_get(const sgn_aws_config *c, const char *profile,
                                       const char *service, const char *key);

/* The [sso-session NAME] sections of the config file (aws-sdk-go-v2 config: ssoSectionPrefix;
 * a profile names one with "sso_session = NAME"). The credentials file has none: there every
 * section is a profile. NAME is the header's text after "sso-session", with the spaces and tabs
 * around it trimmed; it is compared exactly. Sections that repeat a name merge as profiles do:
 * for each key the last value wins.
 *
 * sgn_aws_config_has_sso_session: 1 if a section of that name exists (even an empty one), else 0
 * (also for NULL arguments). Tells "no such section" from "no such key".
 * sgn_aws_config_sso_session_get: the value of `key` (case-insensitive) in that section, NULL if
 * the section or the key is absent; an empty value is returned as "". The string is borrowed from
 * c and lives until sgn_aws_config_free. */
int sgn_aws_config_has_sso_session(const sgn_aws_config *c, const char *session);
const char *sgn_aws_config_sso_session_get(const sgn_aws_config *c, const char *session,
                                           const char *key);

/* The profile name in effect: explicit_profile (pluginConfig aws-profile) if non-empty, else
 * AWS_PROFILE, else AWS_DEFAULT_PROFILE (non-empty values only), else "default". *is_explicit is 1
 * unless it fell back to "default". */
const char *sgn_aws_profile_name(const char *explicit_profile, const sgn_aws_env *env,
                                 int *is_explicit);

#endif
