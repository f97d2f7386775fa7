#include "sgn/aws_roots.h"

#include <string.h>
#include <strings.h>

static const sgn_aws_root roots[] = {
    {"aws", "aws-signer-ts", "aws-signer-notation-root.crt", "AWS Signer Code Signing Root CA G1",
     "90a87d0543c3f094dbff9589b6649affe2f3d6e0f308799be2258461c686473f"},
    {"aws-us-gov", "aws-us-gov-signer-ts", "aws-us-gov-signer-notation-root.crt",
     "AWS Signer Code Signing GovCloud (US) Root CA G1",
     "673653ab76f41a10546cdeb4107ecd6df2c15c2c9a0d32ed97d271b4436fc3e8"},
};

const sgn_aws_root *sgn_aws_roots(size_t *n)
{
    *n = sizeof(roots) / sizeof(roots[0]);
    return roots;
}

const sgn_aws_root *sgn_aws_root_by_sha256(const char *sha256_hex)
{
    size_t i;

    for (i = 0; sha256_hex != NULL && i < sizeof(roots) / sizeof(roots[0]); i++)
        if (strcasecmp(roots[i].sha256, sha256_hex) == 0)
            return &roots[i];
    return NULL;
}

const sgn_aws_root *sgn_aws_root_by_store(const char *store)
{
    size_t i;

    for (i = 0; store != NULL && i < sizeof(roots) / sizeof(roots[0]); i++)
        if (strcmp(roots[i].store, store) == 0)
            return &roots[i];
    return NULL;
}
