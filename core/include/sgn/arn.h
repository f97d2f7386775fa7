/* ARNs, parsed exactly as aws-sdk-go-v2's arn.Parse: "arn:" prefix, then SplitN(":", 6) into
 * partition, service, region, account and resource (the resource keeps any further colons). */
#ifndef SGN_ARN_H
#define SGN_ARN_H

#include "sgn/error.h"

typedef struct sgn_arn {
    char *partition;
    char *service;
    char *region;
    char *account;
    char *resource;
    char *storage_; /* owns the strings above */
} sgn_arn;

#define SGN_ARN_INIT {NULL, NULL, NULL, NULL, NULL, NULL}

/* SGN_EINVALID (with a message naming the problem) if s is not an ARN. */
int sgn_arn_parse(sgn_arn *out, const char *s, sgn_error *err);
void sgn_arn_free(sgn_arn *a);

/* Partition for a region name: "aws-cn" for cn-*, "aws-us-gov" for us-gov-*, "aws-iso" for
 * us-iso-*, "aws-iso-b" for us-isob-*, "aws-eusc" for eusc-*, else "aws". */
const char *sgn_partition_for_region(const char *region);

#endif
