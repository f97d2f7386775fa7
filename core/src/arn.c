#include "sgn/arn.h"

#include <stdlib.h>
#include <string.h>

int sgn_arn_parse(sgn_arn *out, const char *s, sgn_error *err)
{
    char *copy, *parts[6];
    int i;

    memset(out, 0, sizeof(*out));
    if (s == NULL || strncmp(s, "arn:", 4) != 0)
        return sgn_error_set(err, SGN_EINVALID, "arn: invalid prefix");
    copy = strdup(s);
    if (copy == NULL)
        return sgn_error_set(err, SGN_ENOMEM, "out of memory");
    parts[0] = copy;
    for (i = 1; i < 6; i++) {
        char *c = strchr(parts[i - 1], ':');
        if (c == NULL) {
            free(copy);
            return sgn_error_set(err, SGN_EINVALID, "arn: not enough sections");
        }
        *c = '\0';
        parts[i] = c + 1;
    }
    out->storage_ = copy;
    out->partition = parts[1];
    out->service = parts[2];
    out->region = parts[3];
    out->account = parts[4];
    out->resource = parts[5];
    return SGN_OK;
}

void sgn_arn_free(sgn_arn *a)
{
    free(a->storage_);
    memset(a, 0, sizeof(*a));
}

const char *sgn_partition_for_region(const char *region)
{
    if (region == NULL)
        return "aws";
    if (strncmp(region, "cn-", 3) == 0)
        return "aws-cn";
    if (strncmp(region, "us-gov-", 7) == 0)
        return "aws-us-gov";
    if (strncmp(region, "us-isob-", 8) == 0)
        return "aws-iso-b";
    if (strncmp(region, "us-iso-", 7) == 0)
        return "aws-iso";
    if (strncmp(region, "eusc-", 5) == 0)
        return "aws-eusc";
    return "aws";
}
