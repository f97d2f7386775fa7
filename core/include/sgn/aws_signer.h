/* The AWS Signer client: SignPayload and GetRevocationStatus over HTTPS with SigV4
 * (research/aws-signer-api.md §1.7, §1.8; research/aws-signer-plugin.md §3.3-§3.5, §4.5, §5).
 *
 * Creating a client does no I/O and reads nothing: the shared files, the region, the endpoints
 * and the credentials are resolved on the first call, once per client, so get-plugin-metadata
 * and a TRUSTED_IDENTITY-only verify never touch them. The whole call (files, credentials, every
 * attempt and backoff) runs within one time budget.
 *
 * Errors. An AWS API error becomes sgn_error_set_service(err, status, code, request id, message)
 * with the AWS message, or the code itself when the message is empty (as smithy's ErrorMessage()
 * does). Anything else (configuration, credentials, transport) keeps its own code and a message
 * of the Go SDK's shape: "operation error signer: SignPayload, <what went wrong>". A signature
 * or profile ARN whose partition differs from the configured region's is refused before any
 * request with SGN_EINVALID naming both, e.g. "the signing profile is in partition aws-us-gov
 * (arn:aws-us-gov:signer:us-gov-west-1:...) but the region in use, us-east-1 (from AWS_REGION),
 * is in partition aws; set pluginConfig aws-region to a aws-us-gov region". */
#ifndef SGN_AWS_SIGNER_H
#define SGN_AWS_SIGNER_H

#include "sgn/backend.h"

#define SGN_AWS_DEFAULT_SIGN_TIMEOUT_MS 10000L   /* SignPayload: a person or CI is waiting */
#define SGN_AWS_DEFAULT_VERIFY_TIMEOUT_MS 2500L  /* GetRevocationStatus: inside Ratify's 2.8 s */

typedef struct sgn_aws_client sgn_aws_client;

int sgn_aws_client_new(sgn_aws_client **out, const sgn_aws_options *opts, sgn_error *err);
void sgn_aws_client_free(sgn_aws_client *c);

/* req->profile_arn, when set, supplies the fallback region and the partition check. */
int sgn_aws_sign_payload(sgn_aws_client *c, const sgn_sign_request *req, sgn_sign_result *out,
                         sgn_error *err);
/* q->profile_version_arn supplies the fallback region and the partition check. */
int sgn_aws_get_revocation_status(sgn_aws_client *c, const sgn_revocation_query *q,
                                  sgn_strlist *revoked, sgn_error *err);

/* The User-Agent value: "aws-signer-notation-c/<v> aws-signer-caller/NotationPlugin-<v>" with
 * the version sanitised as the Go SDK does (characters outside [A-Za-z0-9!#$%&'*+-.^_`|~]
 * become '-'). out must hold 160 bytes. */
void sgn_aws_user_agent(char out[160], const char *version);

#endif
