/* Signing job commands: describe, list, revoke. */
#include "service.h"

static const sl_param describe_params[] = {
    {"job-id", "jobId", SL_CONV_STRING, 1, NULL},
};

const sl_operation sl_op_describe_signing_job = {
    "DescribeSigningJob", sgn_authority_describe_signing_job, describe_params,
    N(describe_params), NULL,
};

static const sl_param list_params[] = {
    {"status", "status", SL_CONV_STRING, 0, NULL},
    {"platform-id", "platformId", SL_CONV_STRING, 0, NULL},
    {"requested-by", "requestedBy", SL_CONV_STRING, 0, NULL},
    {"is-revoked", "isRevoked", SL_CONV_BOOL, 0, NULL},
    {"signature-expires-before", "signatureExpiresBefore", SL_CONV_TIME, 0, NULL},
    {"signature-expires-after", "signatureExpiresAfter", SL_CONV_TIME, 0, NULL},
    {"job-invoker", "jobInvoker", SL_CONV_STRING, 0, NULL},
    {"max-results", "maxResults", SL_CONV_INT, 0, NULL},
    {"next-token", "nextToken", SL_CONV_STRING, 0, NULL},
};

const sl_operation sl_op_list_signing_jobs = {
    "ListSigningJobs", sgn_authority_list_signing_jobs, list_params, N(list_params), "jobs",
};

static const sl_param revoke_params[] = {
    {"job-id", "jobId", SL_CONV_STRING, 1, NULL},
    {"reason", "reason", SL_CONV_STRING, 1, NULL},
    {"job-owner", "jobOwner", SL_CONV_STRING, 0, NULL},
};

const sl_operation sl_op_revoke_signature = {
    "RevokeSignature", sgn_authority_revoke_signature, revoke_params, N(revoke_params), NULL,
};
