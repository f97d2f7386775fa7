/* describe-key and generate-signature: the RAW signing capability that AWS Signer does not offer.
 * The Go plugin's library methods answer these messages; its binary rejects the commands as
 * invalid. We answer the messages without reading the request. */
#include "commands.h"

int pl_cmd_describe_key(pl_ctx *ctx, pl_result *r)
{
    (void)ctx;
    return pl_fail(r, SGN_EINVALID, "DescribeKey operation is not supported");
}

int pl_cmd_generate_signature(pl_ctx *ctx, pl_result *r)
{
    (void)ctx;
    return pl_fail(r, SGN_EINVALID, "GenerateSignature operation is not supported");
}
