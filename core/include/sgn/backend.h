/* The signing core's two faces behind one table of function pointers.
 *
 * A backend answers SignPayload and GetRevocationStatus with AWS Signer's semantics. The local
 * Signer (core/authority) and the AWS client (core/aws) each provide one; the plugin picks one per
 * request and never knows which it holds. Service-side failures are reported with
 * sgn_error_set_service() so callers see the AWS error name, message and request id. */
#ifndef SGN_BACKEND_H
#define SGN_BACKEND_H

#include <stddef.h>
#include <stdint.h>
#include "sgn/aws.h"
#include "sgn/redact.h"
#include "sgn/error.h"

#define SGN_PAYLOAD_FORMAT_NOTARY "application/vnd.cncf.notary.payload.v1+json"
#define SGN_ENVELOPE_JWS "application/jose+json"
#define SGN_ENVELOPE_COSE "application/cose"
#define SGN_PLATFORM_NOTATION "Notation-OCI-SHA384-ECDSA"

typedef struct sgn_kv {
    char *key;
    char *value;
} sgn_kv;

typedef struct sgn_strlist {
    char **items;
    size_t len;
} sgn_strlist;

#define SGN_STRLIST_INIT {NULL, 0}

int sgn_strlist_push(sgn_strlist *l, const char *s, sgn_error *err);
void sgn_strlist_free(sgn_strlist *l);

typedef struct sgn_sign_request {
    const char *profile_name;
    const char *profile_owner;   /* NULL or "" when not given */
    const unsigned char *payload;
    size_t payload_len;
    const char *payload_format;
    const char *envelope_type;   /* NULL = JWS. COSE is a local Signer extension. */
    const char *profile_arn;     /* the keyId, when known: the AWS backend takes the fallback
                                    region and the partition check from it */
} sgn_sign_request;

typedef struct sgn_sign_result {
    char *job_id;
    char *job_owner;
    sgn_kv *metadata;            /* sorted by key */
    size_t metadata_len;
    unsigned char *signature;    /* the complete envelope */
    size_t signature_len;
} sgn_sign_result;

void sgn_sign_result_free(sgn_sign_result *r);

typedef struct sgn_revocation_query {
    int64_t signature_timestamp; /* Unix seconds */
    int32_t signature_timestamp_nsec; /* sent to AWS with millisecond precision, as Go does */
    const char *platform_id;
    const char *profile_version_arn;
    const char *job_arn;
    const char *const *certificate_hashes;
    size_t n_certificate_hashes;
} sgn_revocation_query;

typedef struct sgn_backend sgn_backend;

typedef struct sgn_backend_ops {
    const char *name;
    int (*sign_payload)(sgn_backend *b, const sgn_sign_request *req, sgn_sign_result *out,
                        sgn_error *err);
    /* On success *revoked holds the revoked subset of the query's entities (may be empty). */
    int (*get_revocation_status)(sgn_backend *b, const sgn_revocation_query *q,
                                 sgn_strlist *revoked, sgn_error *err);
    void (*free)(sgn_backend *b);
} sgn_backend_ops;

struct sgn_backend {
    const sgn_backend_ops *ops;
    void *impl;
};

int sgn_backend_sign_payload(sgn_backend *b, const sgn_sign_request *req, sgn_sign_result *out,
                             sgn_error *err);
int sgn_backend_get_revocation_status(sgn_backend *b, const sgn_revocation_query *q,
                                      sgn_strlist *revoked, sgn_error *err);
void sgn_backend_free(sgn_backend *b);

/* Options of the AWS backend, taken from pluginConfig and the environment by the caller. Only
 * pointers are kept: everything must outlive the backend. */
typedef struct sgn_aws_options {
    const char *region;          /* pluginConfig aws-region; NULL or "" = unset */
    const char *profile;         /* pluginConfig aws-profile */
    const char *endpoint_url;    /* pluginConfig aws-signer-endpoint-url */
    const char *user_agent_version;
    const sgn_aws_env *env;      /* the environment, read through the caller; NULL = empty */
    const sgn_aws_log *log;      /* the debug log, or NULL */
    long timeout_ms;             /* budget of one call, all attempts included; 0 = the default
                                    for the operation (sgn/aws_signer.h) */
    long connect_timeout_ms;     /* 0 = SGN_HTTP_DEFAULT_CONNECT_TIMEOUT_MS */
    sgn_secrets *secrets;        /* every secret the credential chain resolves is registered
                                    here (sgn/redact.h); NULL = not recorded */
} sgn_aws_options;

/* The AWS Signer client backend (core/aws). */
int sgn_aws_backend_new(sgn_backend **out, const sgn_aws_options *opts, sgn_error *err);

#endif
