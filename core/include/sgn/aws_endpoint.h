/* Region and endpoint resolution for AWS Signer (research/aws-signer-api.md §1.1, §4.3).
 *
 * Region, first found: pluginConfig aws-region, AWS_REGION, AWS_DEFAULT_REGION, the profile's
 * "region", then (our extension, since the Go plugin would fail with "Missing Region") the region
 * of the profile or signature ARN the call is about. None: SGN_EINVALID "Invalid Configuration:
 * Missing Region" plus where it looked.
 *
 * Endpoint for SignPayload, first found (AWS_IGNORE_CONFIGURED_ENDPOINT_URLS=true, or the
 * profile's ignore_configured_endpoint_urls = true, skips all but the first):
 * pluginConfig aws-signer-endpoint-url, AWS_ENDPOINT_URL_SIGNER, AWS_ENDPOINT_URL, the profile's
 * [services] signer endpoint_url, the profile's endpoint_url; else the partition's pattern:
 *   aws:        https://signer.R.amazonaws.com, FIPS signer-fips.R.amazonaws.com,
 *               dual-stack signer.R.api.aws, both signer-fips.R.api.aws
 *   aws-cn:     https://signer.R.amazonaws.com.cn, dual-stack signer.R.api.amazonwebservices.com.cn
 *   aws-us-gov: https://signer.R.amazonaws.com (FIPS signer-fips.R.amazonaws.com), dual-stack api.aws
 *   aws-iso: c2s.ic.gov, aws-iso-b: sc2s.sgov.gov, aws-eusc: amazonaws.eu.
 * FIPS and dual-stack come from AWS_USE_FIPS_ENDPOINT / AWS_USE_DUALSTACK_ENDPOINT or the profile's
 * use_fips_endpoint / use_dualstack_endpoint; with a configured endpoint they are a configuration
 * error, as in the SDKs.
 *
 * Endpoint for GetRevocationStatus (the data plane): pluginConfig aws-signer-endpoint-url used as
 * given (no "data-" prefix: a custom endpoint is taken literally, unlike the SDKs, which would
 * send to data-<host>), else AWS_ENDPOINT_URL_SIGNER_DATA, else the [services] signer_data
 * endpoint_url, else the SignPayload endpoint when that was configured, else the pattern with
 * "data-signer" in place of "signer" (https://data-signer.R.amazonaws.com, FIPS data-signer-fips,
 * dual-stack data-signer.R.api.aws).
 *
 * Endpoint URLs must be http:// or https:// with a host; anything else is SGN_EINVALID naming the
 * setting it came from. A trailing '/' is dropped. */
#ifndef SGN_AWS_ENDPOINT_H
#define SGN_AWS_ENDPOINT_H

#include "sgn/aws.h"
#include "sgn/aws_config.h"

typedef struct sgn_aws_endpoint_input {
    const char *region_option;      /* pluginConfig aws-region ("" = unset) */
    const char *endpoint_option;    /* pluginConfig aws-signer-endpoint-url ("" = unset) */
    const char *arn_region;         /* region of the ARN at hand, fallback only; may be NULL */
    const sgn_aws_env *env;
    const sgn_aws_config *config;   /* may be NULL */
    const char *profile;
} sgn_aws_endpoint_input;

typedef struct sgn_aws_endpoints {
    char *region;                   /* signing region */
    char region_source[64];         /* "pluginConfig aws-region", "AWS_REGION", ... */
    const char *partition;          /* static string: "aws", "aws-cn", "aws-us-gov", ... */
    char *signer_url;               /* SignPayload endpoint: scheme://host[:port][/path] */
    char *data_url;                 /* GetRevocationStatus endpoint */
    char signer_source[64];         /* where signer_url came from ("partition default", ...) */
    char data_source[64];
    char *sts_url;                  /* STS for this region: AWS_ENDPOINT_URL_STS,
                                       AWS_ENDPOINT_URL, [services] sts, else
                                       https://sts.R.<dns suffix> (FIPS: sts-fips.R...) */
} sgn_aws_endpoints;

#define SGN_AWS_ENDPOINTS_INIT {NULL, {0}, NULL, NULL, NULL, {0}, {0}, NULL}

int sgn_aws_resolve_endpoints(sgn_aws_endpoints *out, const sgn_aws_endpoint_input *in,
                              sgn_error *err);
void sgn_aws_endpoints_free(sgn_aws_endpoints *e);

/* The DNS suffix of a partition ("amazonaws.com", "amazonaws.com.cn", ...). */
const char *sgn_aws_dns_suffix(const char *partition);

#endif
