/* Region and endpoint resolution for AWS Signer (see sgn/aws_endpoint.h). No I/O: the shared
 * files are already loaded by the caller, the environment comes through sgn_aws_env. */
#include "sgn/aws_endpoint.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "curl_lazy.h"

#include "sgn/arn.h"
#include "sgn/util.h"

typedef struct partition_info {
    const char *name;
    const char *dns_suffix;
    const char *dualstack_suffix;   /* NULL: the partition has no dual-stack endpoints */
} partition_info;

/* From the SDKs' partitions.json. */
static const partition_info partitions[] = {
    {"aws", "amazonaws.com", "api.aws"},
    {"aws-cn", "amazonaws.com.cn", "api.amazonwebservices.com.cn"},
    {"aws-us-gov", "amazonaws.com", "api.aws"},
    {"aws-iso", "c2s.ic.gov", NULL},
    {"aws-iso-b", "sc2s.sgov.gov", NULL},
    {"aws-eusc", "amazonaws.eu", NULL},
};

static const partition_info *partition_find(const char *partition)
{
    size_t i;

    for (i = 0; i < sizeof(partitions) / sizeof(partitions[0]); i++)
        if (partition != NULL && strcmp(partitions[i].name, partition) == 0)
            return &partitions[i];
    return &partitions[0];
}

const char *sgn_aws_dns_suffix(const char *partition)
{
    return partition_find(partition)->dns_suffix;
}

static int nonempty(const char *s)
{
    return s != NULL && s[0] != '\0';
}

/* A setting that is true in the environment or, when the variable is unset, in the profile. */
static int flag_setting(char source[64], const sgn_aws_endpoint_input *in, const char *var,
                        const char *key)
{
    const char *v = sgn_aws_getenv_nonempty(in->env, var);

    if (v != NULL) {
        snprintf(source, 64, "%s", var);
        return strcasecmp(v, "true") == 0;
    }
    if (in->config != NULL) {
        v = sgn_aws_profile_get(in->config, in->profile, key);
        if (v != NULL && strcasecmp(v, "true") == 0) {
            snprintf(source, 64, "profile %s %s", in->profile, key);
            return 1;
        }
    }
    return 0;
}

/* A region goes into a host name: only letters, digits and '-' (what every AWS region uses). */
static int valid_region(const char *r)
{
    size_t i, n = strlen(r);

    if (n == 0 || n > 63 || r[0] == '-' || r[n - 1] == '-')
        return 0;
    for (i = 0; i < n; i++) {
        char c = r[i];
        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '-'))
            return 0;
    }
    return 1;
}

static int resolve_region(sgn_aws_endpoints *e, const sgn_aws_endpoint_input *in, sgn_error *err)
{
    const char *v = NULL;

    if (nonempty(in->region_option)) {
        v = in->region_option;
        snprintf(e->region_source, sizeof(e->region_source), "pluginConfig aws-region");
    } else if ((v = sgn_aws_getenv_nonempty(in->env, "AWS_REGION")) != NULL) {
        snprintf(e->region_source, sizeof(e->region_source), "AWS_REGION");
    } else if ((v = sgn_aws_getenv_nonempty(in->env, "AWS_DEFAULT_REGION")) != NULL) {
        snprintf(e->region_source, sizeof(e->region_source), "AWS_DEFAULT_REGION");
    } else if (in->config != NULL &&
               nonempty(v = sgn_aws_profile_get(in->config, in->profile, "region"))) {
        snprintf(e->region_source, sizeof(e->region_source), "profile %s region", in->profile);
    } else if (nonempty(in->arn_region)) {
        v = in->arn_region;
        snprintf(e->region_source, sizeof(e->region_source), "the ARN's region");
    } else {
        if (in->config != NULL)
            return sgn_error_set(err, SGN_EINVALID,
                                 "Invalid Configuration: Missing Region (none in pluginConfig "
                                 "aws-region, AWS_REGION, AWS_DEFAULT_REGION, the region of "
                                 "profile \"%s\" in %s or %s, or the ARN)",
                                 in->profile, sgn_aws_config_path(in->config),
                                 sgn_aws_credentials_path(in->config));
        return sgn_error_set(err, SGN_EINVALID,
                             "Invalid Configuration: Missing Region (none in pluginConfig "
                             "aws-region, AWS_REGION, AWS_DEFAULT_REGION or the ARN)");
    }
    if (!valid_region(v))
        return sgn_error_set(err, SGN_EINVALID,
                             "Invalid Configuration: region \"%s\" (from %s) is not a valid host "
                             "label",
                             v, e->region_source);
    return sgn_strdup(&e->region, v, err);
}

/* Check a configured endpoint with libcurl's URL parser and copy it without trailing '/'. */
static int take_url(char **out, const char *url, const char *source, sgn_error *err)
{
    CURLU *u = curl_url();
    CURLUcode uc;
    char *scheme = NULL, *host = NULL, *query = NULL, *fragment = NULL;
    size_t n;
    int rc;

    *out = NULL;
    if (u == NULL)
        return sgn_error_set(err, SGN_ENOMEM, "out of memory");
    if ((uc = curl_url_set(u, CURLUPART_URL, url, CURLU_NON_SUPPORT_SCHEME)) != CURLUE_OK) {
        rc = sgn_error_set(err, SGN_EINVALID, "%s \"%s\" is not a valid URL: %s", source, url,
                           curl_url_strerror(uc));
        goto out;
    }
    if (curl_url_get(u, CURLUPART_SCHEME, &scheme, 0) != CURLUE_OK ||
        (strcasecmp(scheme, "http") != 0 && strcasecmp(scheme, "https") != 0)) {
        rc = sgn_error_set(err, SGN_EINVALID, "%s \"%s\" is not an http(s) URL", source, url);
        goto out;
    }
    if (curl_url_get(u, CURLUPART_HOST, &host, 0) != CURLUE_OK || host[0] == '\0') {
        rc = sgn_error_set(err, SGN_EINVALID, "%s \"%s\" is not an http(s) URL with a host",
                           source, url);
        goto out;
    }
    if (curl_url_get(u, CURLUPART_QUERY, &query, 0) == CURLUE_OK ||
        curl_url_get(u, CURLUPART_FRAGMENT, &fragment, 0) == CURLUE_OK ||
        strchr(url, '?') != NULL || strchr(url, '#') != NULL) {
        rc = sgn_error_set(err, SGN_EINVALID,
                           "%s \"%s\" must not have a query or fragment: an endpoint is "
                           "scheme://host[:port][/path]",
                           source, url);
        goto out;
    }
    if ((rc = sgn_strdup(out, url, err)) < 0)
        goto out;
    n = strlen(*out);
    while (n > 0 && (*out)[n - 1] == '/')
        (*out)[--n] = '\0';
    rc = SGN_OK;
out:
    curl_free(scheme);
    curl_free(host);
    curl_free(query);
    curl_free(fragment);
    curl_url_cleanup(u);
    return rc;
}

/* The profile's "services" section name, for messages. */
static const char *services_name(const sgn_aws_endpoint_input *in)
{
    const char *s = in->config ? sgn_aws_config_get(in->config, in->profile, "services") : NULL;

    return s != NULL ? s : "?";
}

/* A configured URL for a service: the environment variable, then the [services] entry. */
static const char *configured(char source[64], const sgn_aws_endpoint_input *in, const char *var,
                              const char *service)
{
    const char *v;

    if ((v = sgn_aws_getenv_nonempty(in->env, var)) != NULL) {
        snprintf(source, 64, "%s", var);
        return v;
    }
    if (in->config != NULL &&
        nonempty(v = sgn_aws_config_service_get(in->config, in->profile, service,
                                                "endpoint_url"))) {
        snprintf(source, 64, "[services %s] %s endpoint_url", services_name(in), service);
        return v;
    }
    return NULL;
}

/* https://<prefix>[-fips].<region>.<suffix> */
static int pattern_url(char **out, const char *prefix, const sgn_aws_endpoints *e, int fips,
                       int dualstack, sgn_error *err)
{
    const partition_info *p = partition_find(e->partition);
    const char *suffix = dualstack ? p->dualstack_suffix : p->dns_suffix;
    int n;

    *out = NULL;
    if (suffix == NULL)
        return sgn_error_set(err, SGN_EINVALID,
                             "Invalid Configuration: DualStack is enabled but this partition "
                             "(%s) does not support DualStack",
                             p->name);
    n = snprintf(NULL, 0, "https://%s%s.%s.%s", prefix, fips ? "-fips" : "", e->region, suffix);
    if (n < 0 || (*out = malloc((size_t)n + 1)) == NULL)
        return sgn_error_set(err, SGN_ENOMEM, "out of memory");
    snprintf(*out, (size_t)n + 1, "https://%s%s.%s.%s", prefix, fips ? "-fips" : "", e->region,
             suffix);
    return SGN_OK;
}

static int resolve_sts(sgn_aws_endpoints *e, const sgn_aws_endpoint_input *in, int ignore,
                       int fips, sgn_error *err)
{
    char source[64] = "";
    const char *v = NULL;

    if (!ignore) {
        if ((v = sgn_aws_getenv_nonempty(in->env, "AWS_ENDPOINT_URL_STS")) != NULL) {
            snprintf(source, sizeof(source), "AWS_ENDPOINT_URL_STS");
        } else if ((v = sgn_aws_getenv_nonempty(in->env, "AWS_ENDPOINT_URL")) != NULL) {
            snprintf(source, sizeof(source), "AWS_ENDPOINT_URL");
        } else if (in->config != NULL &&
                   nonempty(v = sgn_aws_config_service_get(in->config, in->profile, "sts",
                                                           "endpoint_url"))) {
            snprintf(source, sizeof(source), "[services %s] sts endpoint_url", services_name(in));
        } else {
            v = NULL;
        }
    }
    if (v != NULL)
        return take_url(&e->sts_url, v, source, err);
    /* the header's contract: FIPS only (STS dual-stack hosts are not in every partition) */
    return pattern_url(&e->sts_url, "sts", e, fips, 0, err);
}

static int custom_with_flags(const char *url_source, int fips, const char *fips_source,
                             int dualstack, const char *ds_source, sgn_error *err)
{
    if (fips)
        return sgn_error_set(err, SGN_EINVALID,
                             "Invalid Configuration: FIPS and custom endpoint are not supported "
                             "(endpoint from %s, FIPS from %s)",
                             url_source, fips_source);
    if (dualstack)
        return sgn_error_set(err, SGN_EINVALID,
                             "Invalid Configuration: Dualstack and custom endpoint are not "
                             "supported (endpoint from %s, dual-stack from %s)",
                             url_source, ds_source);
    return SGN_OK;
}

int sgn_aws_resolve_endpoints(sgn_aws_endpoints *out, const sgn_aws_endpoint_input *in,
                              sgn_error *err)
{
    sgn_aws_endpoints e = SGN_AWS_ENDPOINTS_INIT;
    sgn_aws_endpoint_input input = *in;
    char fips_source[64] = "", ds_source[64] = "", ignore_source[64] = "";
    const char *signer = NULL, *data = NULL;
    int fips, dualstack, ignore, rc;

    *out = e;
    if ((rc = sgn_curl_load(err)) < 0) /* URLs are checked with libcurl's parser */
        return rc;
    if (input.profile == NULL || input.profile[0] == '\0')
        input.profile = "default";
    in = &input;
    if ((rc = resolve_region(&e, in, err)) < 0)
        goto fail;
    e.partition = sgn_partition_for_region(e.region);
    fips = flag_setting(fips_source, in, "AWS_USE_FIPS_ENDPOINT", "use_fips_endpoint");
    dualstack = flag_setting(ds_source, in, "AWS_USE_DUALSTACK_ENDPOINT", "use_dualstack_endpoint");
    ignore = flag_setting(ignore_source, in, "AWS_IGNORE_CONFIGURED_ENDPOINT_URLS",
                          "ignore_configured_endpoint_urls");

    /* SignPayload */
    if (nonempty(in->endpoint_option)) {
        signer = in->endpoint_option;
        snprintf(e.signer_source, sizeof(e.signer_source),
                 "pluginConfig aws-signer-endpoint-url");
    } else if (!ignore) {
        if ((signer = sgn_aws_getenv_nonempty(in->env, "AWS_ENDPOINT_URL_SIGNER")) != NULL) {
            snprintf(e.signer_source, sizeof(e.signer_source), "AWS_ENDPOINT_URL_SIGNER");
        } else if ((signer = sgn_aws_getenv_nonempty(in->env, "AWS_ENDPOINT_URL")) != NULL) {
            snprintf(e.signer_source, sizeof(e.signer_source), "AWS_ENDPOINT_URL");
        } else if (in->config != NULL &&
                   nonempty(signer = sgn_aws_config_service_get(in->config, in->profile,
                                                                "signer", "endpoint_url"))) {
            snprintf(e.signer_source, sizeof(e.signer_source), "[services %s] signer endpoint_url",
                     services_name(in));
        } else if (in->config != NULL &&
                   nonempty(signer = sgn_aws_profile_get(in->config, in->profile,
                                                         "endpoint_url"))) {
            snprintf(e.signer_source, sizeof(e.signer_source), "profile %s endpoint_url",
                     in->profile);
        } else {
            signer = NULL;
        }
    }
    if (signer != NULL) {
        if ((rc = custom_with_flags(e.signer_source, fips, fips_source, dualstack, ds_source,
                                    err)) < 0 ||
            (rc = take_url(&e.signer_url, signer, e.signer_source, err)) < 0)
            goto fail;
    } else {
        snprintf(e.signer_source, sizeof(e.signer_source), "partition default");
        if ((rc = pattern_url(&e.signer_url, "signer", &e, fips, dualstack, err)) < 0)
            goto fail;
    }

    /* GetRevocationStatus: a custom endpoint is used literally (no "data-" host prefix) */
    if (nonempty(in->endpoint_option)) {
        data = in->endpoint_option;
        snprintf(e.data_source, sizeof(e.data_source), "%s", e.signer_source);
    } else if (!ignore && (data = configured(e.data_source, in, "AWS_ENDPOINT_URL_SIGNER_DATA",
                                             "signer_data")) != NULL) {
        /* found */
    } else if (signer != NULL) {
        data = signer;
        snprintf(e.data_source, sizeof(e.data_source), "%s", e.signer_source);
    }
    if (data != NULL) {
        if ((rc = custom_with_flags(e.data_source, fips, fips_source, dualstack, ds_source,
                                    err)) < 0 ||
            (rc = take_url(&e.data_url, data, e.data_source, err)) < 0)
            goto fail;
    } else {
        snprintf(e.data_source, sizeof(e.data_source), "partition default");
        if ((rc = pattern_url(&e.data_url, "data-signer", &e, fips, dualstack, err)) < 0)
            goto fail;
    }

    if ((rc = resolve_sts(&e, in, ignore, fips, err)) < 0)
        goto fail;
    *out = e;
    return SGN_OK;
fail:
    sgn_aws_endpoints_free(&e);
    return rc;
}

void sgn_aws_endpoints_free(sgn_aws_endpoints *e)
{
    sgn_aws_endpoints empty = SGN_AWS_ENDPOINTS_INIT;

    if (e == NULL)
        return;
    free(e->region);
    free(e->signer_url);
    free(e->data_url);
    free(e->sts_url);
    *e = empty;
}
