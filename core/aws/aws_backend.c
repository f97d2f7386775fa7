/* The AWS Signer client backend. SigV4, the credential chain, endpoints and retries are the
 * subject of their own issue; until that lands this backend answers every call with an error
 * that names the alternatives, so a request is never sent somewhere unexpected. */
#include "sgn/backend.h"

#include <stdlib.h>

static int aws_sign_payload(sgn_backend *b, const sgn_sign_request *req, sgn_sign_result *out,
                            sgn_error *err)
{
    return sgn_error_set(err, SGN_EUNSUPPORTED,
                         "the AWS Signer network backend is not available in this build yet; "
                         "use a local Signer profile (a profile ARN with region \"local\", or "
                         "pluginConfig local-store=<dir>)");
}

static int aws_get_revocation_status(sgn_backend *b, const sgn_revocation_query *q,
                                     sgn_strlist *revoked, sgn_error *err)
{
    return sgn_error_set(err, SGN_EUNSUPPORTED,
                         "the AWS Signer network backend is not available in this build yet; "
                         "verify with a local Signer store (pluginConfig local-store=<dir>) or "
                         "skip revocation in the trust policy");
}

static void aws_free(sgn_backend *b)
{
    free(b);
}

static const sgn_backend_ops aws_ops = {"aws", aws_sign_payload, aws_get_revocation_status,
                                        aws_free};

int sgn_aws_backend_new(sgn_backend **out, const sgn_aws_options *opts, sgn_error *err)
{
    sgn_backend *b = calloc(1, sizeof(*b));

    *out = NULL;
    if (b == NULL)
        return sgn_error_set(err, SGN_ENOMEM, "out of memory");
    b->ops = &aws_ops;
    *out = b;
    return SGN_OK;
}
