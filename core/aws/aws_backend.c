/* The AWS Signer client behind the backend table (see sgn/backend.h, sgn/aws_signer.h).
 * Creating it only copies the option pointers: the shared files, the endpoints and the
 * credentials are resolved by the client on the first call. */
#include "sgn/backend.h"

#include <stdlib.h>

#include "sgn/aws_signer.h"

static int aws_sign_payload(sgn_backend *b, const sgn_sign_request *req, sgn_sign_result *out,
                            sgn_error *err)
{
    return sgn_aws_sign_payload(b->impl, req, out, err);
}

static int aws_get_revocation_status(sgn_backend *b, const sgn_revocation_query *q,
                                     sgn_strlist *revoked, sgn_error *err)
{
    return sgn_aws_get_revocation_status(b->impl, q, revoked, err);
}

static void aws_free(sgn_backend *b)
{
    sgn_aws_client_free(b->impl);
    free(b);
}

static const sgn_backend_ops aws_ops = {"aws", aws_sign_payload, aws_get_revocation_status,
                                        aws_free};

int sgn_aws_backend_new(sgn_backend **out, const sgn_aws_options *opts, sgn_error *err)
{
    sgn_backend *b = calloc(1, sizeof(*b));
    sgn_aws_client *c = NULL;
    int rc;

    *out = NULL;
    if (b == NULL)
        return sgn_error_set(err, SGN_ENOMEM, "out of memory");
    if ((rc = sgn_aws_client_new(&c, opts, err)) < 0) {
        free(b);
        return rc;
    }
    b->ops = &aws_ops;
    b->impl = c;
    *out = b;
    return SGN_OK;
}
