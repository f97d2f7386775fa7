/* Unit tests for core/aws/endpoint.c: region and endpoint precedence, partition patterns,
 * configured-endpoint rules and their errors. The environment is a table per case; a config file,
 * when a case has one, is written to a temporary file named by AWS_CONFIG_FILE. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "sgn/aws_config.h"
#include "sgn/aws_endpoint.h"
#include "sgn_check.h"

#define N(a) ((int)(sizeof(a) / sizeof((a)[0])))
#define MAX_ENV 12

typedef struct env_kv {
    const char *name, *value;
} env_kv;

static const char *table_getenv(void *ud, const char *name)
{
    const env_kv *e = ud;
    int i;

    for (i = 0; i < MAX_ENV && e[i].name != NULL; i++)
        if (strcmp(e[i].name, name) == 0)
            return e[i].value;
    return NULL;
}

typedef struct ep_case {
    const char *label;
    const char *region_option, *endpoint_option, *arn_region, *profile;
    const char *config;             /* config file text; NULL = no config at all */
    env_kv env[MAX_ENV - 2];        /* room for AWS_CONFIG_FILE and the credentials file */
    int rc;
    const char *region, *region_source, *partition;
    const char *signer_url, *signer_source;
    const char *data_url, *data_source;
    const char *sts_url;
    const char *err;                /* substring of the error message */
} ep_case;

#define SERVICES_CFG                                                                           \
    "[default]\nregion = ap-south-1\nservices = s1\nendpoint_url = https://profile.example\n"  \
    "[services s1]\nsigner =\n  endpoint_url = https://svc.example/\n"                         \
    "signer_data =\n  endpoint_url = https://svcdata.example\n"                                \
    "sts =\n  endpoint_url = https://svcsts.example\n"

static const ep_case cases[] = {
    /* ---- region precedence: option > AWS_REGION > AWS_DEFAULT_REGION > profile > ARN ---- */
    {.label = "region: option first", .region_option = "us-west-2", .arn_region = "eu-west-1",
     .config = "[default]\nregion = ap-south-1\n",
     .env = {{"AWS_REGION", "us-east-2"}, {"AWS_DEFAULT_REGION", "ca-central-1"}},
     .region = "us-west-2", .region_source = "pluginConfig aws-region", .partition = "aws",
     .signer_url = "https://signer.us-west-2.amazonaws.com"},
    {.label = "region: AWS_REGION", .region_option = "", .arn_region = "eu-west-1",
     .config = "[default]\nregion = ap-south-1\n",
     .env = {{"AWS_REGION", "us-east-2"}, {"AWS_DEFAULT_REGION", "ca-central-1"}},
     .region = "us-east-2", .region_source = "AWS_REGION"},
    {.label = "region: empty AWS_REGION is unset", .arn_region = "eu-west-1",
     .config = "[default]\nregion = ap-south-1\n",
     .env = {{"AWS_REGION", ""}, {"AWS_DEFAULT_REGION", "ca-central-1"}},
     .region = "ca-central-1", .region_source = "AWS_DEFAULT_REGION"},
    {.label = "region: profile", .arn_region = "eu-west-1",
     .config = "[default]\nregion = ap-south-1\n", .region = "ap-south-1",
     .region_source = "profile default region"},
    {.label = "region: named profile", .arn_region = "eu-west-1", .profile = "p",
     .config = "[default]\nregion = ap-south-1\n[profile p]\nregion = eu-central-1\n",
     .region = "eu-central-1", .region_source = "profile p region"},
    {.label = "region: ARN last", .arn_region = "eu-west-1", .config = "[default]\n",
     .region = "eu-west-1", .region_source = "the ARN's region"},
    {.label = "region: ARN, no config", .arn_region = "cn-north-1", .region = "cn-north-1",
     .partition = "aws-cn", .signer_url = "https://signer.cn-north-1.amazonaws.com.cn"},
    {.label = "region: missing", .config = "[default]\n", .rc = SGN_EINVALID,
     .err = "Invalid Configuration: Missing Region (none in pluginConfig aws-region, AWS_REGION, "
            "AWS_DEFAULT_REGION, the region of profile \"default\" in /"},
    {.label = "region: missing, no config", .rc = SGN_EINVALID,
     .err = "Invalid Configuration: Missing Region"},
    {.label = "region: not a host label", .env = {{"AWS_REGION", "us-east-1.evil.example/x"}},
     .rc = SGN_EINVALID,
     .err = "region \"us-east-1.evil.example/x\" (from AWS_REGION) is not a valid host label"},

    /* ---- endpoint precedence: option > _SIGNER > AWS_ENDPOINT_URL > services > profile ---- */
    {.label = "endpoint: option first", .region_option = "us-east-1",
     .endpoint_option = "https://opt.example/", .config = SERVICES_CFG,
     .env = {{"AWS_ENDPOINT_URL_SIGNER", "https://envsigner.example"},
             {"AWS_ENDPOINT_URL", "https://envall.example"}},
     .signer_url = "https://opt.example", .signer_source = "pluginConfig aws-signer-endpoint-url",
     .data_url = "https://opt.example", .data_source = "pluginConfig aws-signer-endpoint-url",
     .sts_url = "https://envall.example"},
    {.label = "endpoint: AWS_ENDPOINT_URL_SIGNER", .region_option = "us-east-1",
     .config = SERVICES_CFG,
     .env = {{"AWS_ENDPOINT_URL_SIGNER", "http://127.0.0.1:9000"},
             {"AWS_ENDPOINT_URL", "https://envall.example"}},
     .signer_url = "http://127.0.0.1:9000", .signer_source = "AWS_ENDPOINT_URL_SIGNER",
     .data_url = "https://svcdata.example", .data_source = "[services s1] signer_data endpoint_url"},
    {.label = "endpoint: AWS_ENDPOINT_URL", .region_option = "us-east-1", .config = SERVICES_CFG,
     .env = {{"AWS_ENDPOINT_URL", "https://envall.example"}},
     .signer_url = "https://envall.example", .signer_source = "AWS_ENDPOINT_URL",
     .sts_url = "https://envall.example"},
    {.label = "endpoint: services section", .region_option = "us-east-1", .config = SERVICES_CFG,
     .signer_url = "https://svc.example", .signer_source = "[services s1] signer endpoint_url",
     .data_url = "https://svcdata.example", .sts_url = "https://svcsts.example"},
    {.label = "endpoint: profile endpoint_url", .region_option = "us-east-1",
     .config = "[default]\nendpoint_url = https://profile.example/base/\n",
     .signer_url = "https://profile.example/base", .signer_source = "profile default endpoint_url",
     .data_url = "https://profile.example/base", .data_source = "profile default endpoint_url",
     .sts_url = "https://sts.us-east-1.amazonaws.com"},
    {.label = "endpoint: partition default", .region_option = "us-east-1", .config = "[default]\n",
     .signer_url = "https://signer.us-east-1.amazonaws.com", .signer_source = "partition default",
     .data_url = "https://data-signer.us-east-1.amazonaws.com", .data_source = "partition default",
     .sts_url = "https://sts.us-east-1.amazonaws.com"},

    /* ---- the data endpoint ---- */
    {.label = "data: AWS_ENDPOINT_URL_SIGNER_DATA alone", .region_option = "us-east-1",
     .env = {{"AWS_ENDPOINT_URL_SIGNER_DATA", "https://vpce-1.data-signer.example"}},
     .signer_url = "https://signer.us-east-1.amazonaws.com",
     .data_url = "https://vpce-1.data-signer.example",
     .data_source = "AWS_ENDPOINT_URL_SIGNER_DATA"},
    {.label = "data: _DATA over _SIGNER", .region_option = "us-east-1",
     .env = {{"AWS_ENDPOINT_URL_SIGNER_DATA", "https://d.example"},
             {"AWS_ENDPOINT_URL_SIGNER", "https://s.example"}},
     .signer_url = "https://s.example", .data_url = "https://d.example"},
    {.label = "data: custom signer endpoint used as given", .region_option = "us-east-1",
     .env = {{"AWS_ENDPOINT_URL_SIGNER", "http://localhost:8443"}},
     .data_url = "http://localhost:8443", .data_source = "AWS_ENDPOINT_URL_SIGNER"},
    {.label = "data: option beats _DATA", .region_option = "us-east-1",
     .endpoint_option = "http://127.0.0.1:1",
     .env = {{"AWS_ENDPOINT_URL_SIGNER_DATA", "https://d.example"}},
     .data_url = "http://127.0.0.1:1"},

    /* ---- AWS_IGNORE_CONFIGURED_ENDPOINT_URLS / ignore_configured_endpoint_urls ---- */
    {.label = "ignore: env", .region_option = "us-east-1", .config = SERVICES_CFG,
     .env = {{"AWS_IGNORE_CONFIGURED_ENDPOINT_URLS", "TRUE"},
             {"AWS_ENDPOINT_URL", "https://envall.example"},
             {"AWS_ENDPOINT_URL_SIGNER_DATA", "https://d.example"}},
     .signer_url = "https://signer.us-east-1.amazonaws.com",
     .data_url = "https://data-signer.us-east-1.amazonaws.com",
     .sts_url = "https://sts.us-east-1.amazonaws.com"},
    {.label = "ignore: option still applies", .region_option = "us-east-1",
     .endpoint_option = "https://opt.example",
     .env = {{"AWS_IGNORE_CONFIGURED_ENDPOINT_URLS", "true"},
             {"AWS_ENDPOINT_URL", "https://envall.example"}},
     .signer_url = "https://opt.example", .data_url = "https://opt.example",
     .sts_url = "https://sts.us-east-1.amazonaws.com"},
    {.label = "ignore: profile", .region_option = "us-east-1",
     .config = "[default]\nignore_configured_endpoint_urls = true\n"
               "endpoint_url = https://profile.example\n",
     .signer_url = "https://signer.us-east-1.amazonaws.com"},
    {.label = "ignore: env false beats profile", .region_option = "us-east-1",
     .config = "[default]\nignore_configured_endpoint_urls = true\n"
               "endpoint_url = https://profile.example\n",
     .env = {{"AWS_IGNORE_CONFIGURED_ENDPOINT_URLS", "false"}},
     .signer_url = "https://profile.example"},

    /* ---- partition patterns, FIPS and dual-stack ---- */
    {.label = "aws fips", .region_option = "us-east-1",
     .env = {{"AWS_USE_FIPS_ENDPOINT", "true"}},
     .signer_url = "https://signer-fips.us-east-1.amazonaws.com",
     .data_url = "https://data-signer-fips.us-east-1.amazonaws.com",
     .sts_url = "https://sts-fips.us-east-1.amazonaws.com"},
    {.label = "aws dual-stack", .region_option = "eu-west-1",
     .env = {{"AWS_USE_DUALSTACK_ENDPOINT", "True"}},
     .signer_url = "https://signer.eu-west-1.api.aws",
     .data_url = "https://data-signer.eu-west-1.api.aws",
     .sts_url = "https://sts.eu-west-1.amazonaws.com"},
    {.label = "aws fips + dual-stack", .region_option = "us-west-2",
     .env = {{"AWS_USE_DUALSTACK_ENDPOINT", "true"}, {"AWS_USE_FIPS_ENDPOINT", "true"}},
     .signer_url = "https://signer-fips.us-west-2.api.aws",
     .data_url = "https://data-signer-fips.us-west-2.api.aws"},
    {.label = "aws fips from profile", .region_option = "us-east-1",
     .config = "[default]\nuse_fips_endpoint = true\n",
     .signer_url = "https://signer-fips.us-east-1.amazonaws.com"},
    {.label = "aws fips: env false beats profile", .region_option = "us-east-1",
     .config = "[default]\nuse_fips_endpoint = true\n",
     .env = {{"AWS_USE_FIPS_ENDPOINT", "false"}},
     .signer_url = "https://signer.us-east-1.amazonaws.com"},
    {.label = "aws dual-stack from profile", .region_option = "us-east-1",
     .config = "[default]\nuse_dualstack_endpoint = TRUE\n",
     .signer_url = "https://signer.us-east-1.api.aws"},
    {.label = "aws-cn", .region_option = "cn-northwest-1", .partition = "aws-cn",
     .signer_url = "https://signer.cn-northwest-1.amazonaws.com.cn",
     .data_url = "https://data-signer.cn-northwest-1.amazonaws.com.cn",
     .sts_url = "https://sts.cn-northwest-1.amazonaws.com.cn"},
    {.label = "aws-cn dual-stack", .region_option = "cn-north-1",
     .env = {{"AWS_USE_DUALSTACK_ENDPOINT", "true"}},
     .signer_url = "https://signer.cn-north-1.api.amazonwebservices.com.cn",
     .data_url = "https://data-signer.cn-north-1.api.amazonwebservices.com.cn"},
    {.label = "aws-cn fips", .region_option = "cn-north-1",
     .env = {{"AWS_USE_FIPS_ENDPOINT", "true"}},
     .signer_url = "https://signer-fips.cn-north-1.amazonaws.com.cn"},
    {.label = "aws-us-gov", .region_option = "us-gov-west-1", .partition = "aws-us-gov",
     .signer_url = "https://signer.us-gov-west-1.amazonaws.com",
     .data_url = "https://data-signer.us-gov-west-1.amazonaws.com",
     .sts_url = "https://sts.us-gov-west-1.amazonaws.com"},
    {.label = "aws-us-gov fips", .region_option = "us-gov-east-1",
     .env = {{"AWS_USE_FIPS_ENDPOINT", "true"}},
     .signer_url = "https://signer-fips.us-gov-east-1.amazonaws.com",
     .sts_url = "https://sts-fips.us-gov-east-1.amazonaws.com"},
    {.label = "aws-us-gov dual-stack", .region_option = "us-gov-west-1",
     .env = {{"AWS_USE_DUALSTACK_ENDPOINT", "true"}},
     .signer_url = "https://signer.us-gov-west-1.api.aws"},
    {.label = "aws-us-gov fips + dual-stack", .region_option = "us-gov-west-1",
     .env = {{"AWS_USE_DUALSTACK_ENDPOINT", "true"}, {"AWS_USE_FIPS_ENDPOINT", "true"}},
     .signer_url = "https://signer-fips.us-gov-west-1.api.aws"},
    {.label = "aws-iso", .region_option = "us-iso-east-1", .partition = "aws-iso",
     .signer_url = "https://signer.us-iso-east-1.c2s.ic.gov",
     .data_url = "https://data-signer.us-iso-east-1.c2s.ic.gov"},
    {.label = "aws-iso fips", .region_option = "us-iso-east-1",
     .env = {{"AWS_USE_FIPS_ENDPOINT", "true"}},
     .signer_url = "https://signer-fips.us-iso-east-1.c2s.ic.gov"},
    {.label = "aws-iso dual-stack", .region_option = "us-iso-east-1",
     .env = {{"AWS_USE_DUALSTACK_ENDPOINT", "true"}}, .rc = SGN_EINVALID,
     .err = "DualStack is enabled but this partition (aws-iso) does not support DualStack"},
    {.label = "aws-iso-b", .region_option = "us-isob-east-1", .partition = "aws-iso-b",
     .signer_url = "https://signer.us-isob-east-1.sc2s.sgov.gov",
     .sts_url = "https://sts.us-isob-east-1.sc2s.sgov.gov"},
    {.label = "aws-eusc", .region_option = "eusc-de-east-1", .partition = "aws-eusc",
     .signer_url = "https://signer.eusc-de-east-1.amazonaws.eu"},

    /* ---- custom endpoint with FIPS or dual-stack ---- */
    {.label = "fips + custom", .region_option = "us-east-1",
     .endpoint_option = "https://opt.example", .env = {{"AWS_USE_FIPS_ENDPOINT", "true"}},
     .rc = SGN_EINVALID,
     .err = "Invalid Configuration: FIPS and custom endpoint are not supported (endpoint from "
            "pluginConfig aws-signer-endpoint-url, FIPS from AWS_USE_FIPS_ENDPOINT)"},
    {.label = "fips (profile) + custom", .region_option = "us-east-1",
     .config = "[default]\nuse_fips_endpoint = true\n",
     .env = {{"AWS_ENDPOINT_URL", "https://envall.example"}}, .rc = SGN_EINVALID,
     .err = "FIPS and custom endpoint are not supported (endpoint from AWS_ENDPOINT_URL, FIPS "
            "from profile default use_fips_endpoint)"},
    {.label = "dual-stack + custom data", .region_option = "us-east-1",
     .env = {{"AWS_ENDPOINT_URL_SIGNER_DATA", "https://d.example"},
             {"AWS_USE_DUALSTACK_ENDPOINT", "true"}},
     .rc = SGN_EINVALID,
     .err = "Invalid Configuration: Dualstack and custom endpoint are not supported (endpoint "
            "from AWS_ENDPOINT_URL_SIGNER_DATA"},

    /* ---- invalid URLs name their source ---- */
    {.label = "url: ftp", .region_option = "us-east-1", .endpoint_option = "ftp://x",
     .rc = SGN_EINVALID,
     .err = "pluginConfig aws-signer-endpoint-url \"ftp://x\" is not an http(s) URL"},
    {.label = "url: file", .region_option = "us-east-1",
     .env = {{"AWS_ENDPOINT_URL", "file:///etc/passwd"}}, .rc = SGN_EINVALID,
     .err = "AWS_ENDPOINT_URL \"file:///etc/passwd\" is not"},
    {.label = "url: no scheme", .region_option = "us-east-1",
     .env = {{"AWS_ENDPOINT_URL_SIGNER", "signer.example"}}, .rc = SGN_EINVALID,
     .err = "AWS_ENDPOINT_URL_SIGNER \"signer.example\" is not a valid URL"},
    {.label = "url: no host", .region_option = "us-east-1", .endpoint_option = "https://",
     .rc = SGN_EINVALID, .err = "pluginConfig aws-signer-endpoint-url \"https://\""},
    {.label = "url: query", .region_option = "us-east-1",
     .endpoint_option = "https://h.example/?a=b", .rc = SGN_EINVALID,
     .err = "must not have a query or fragment"},
    {.label = "url: services", .region_option = "us-east-1",
     .config = "[default]\nservices = x\n[services x]\nsigner =\n  endpoint_url = gopher://h\n",
     .rc = SGN_EINVALID, .err = "[services x] signer endpoint_url \"gopher://h\" is not"},
    {.label = "url: sts", .region_option = "us-east-1",
     .env = {{"AWS_ENDPOINT_URL_STS", "ftp://sts"}}, .rc = SGN_EINVALID,
     .err = "AWS_ENDPOINT_URL_STS \"ftp://sts\" is not an http(s) URL"},

    /* ---- STS ---- */
    {.label = "sts: AWS_ENDPOINT_URL_STS", .region_option = "us-east-1", .config = SERVICES_CFG,
     .env = {{"AWS_ENDPOINT_URL_STS", "http://127.0.0.1:7/"},
             {"AWS_ENDPOINT_URL", "https://envall.example"}},
     .sts_url = "http://127.0.0.1:7", .signer_url = "https://envall.example"},
    {.label = "sts: not the profile endpoint_url", .region_option = "eu-west-3",
     .config = "[default]\nendpoint_url = https://profile.example\n",
     .sts_url = "https://sts.eu-west-3.amazonaws.com"},
};

static char *write_config(const char *text)
{
    char tmpl[] = "/tmp/sgn-endpoint-XXXXXX";
    int fd = mkstemp(tmpl);
    size_t len = strlen(text);

    ck_assert_int_ge(fd, 0);
    ck_assert_int_eq(write(fd, text, len), (ssize_t)len);
    close(fd);
    return strdup(tmpl);
}

static void check_str(const ep_case *c, const char *what, const char *want, const char *got)
{
    if (want == NULL)
        return;
    ck_assert_msg(got != NULL && strcmp(want, got) == 0, "%s: %s is \"%s\", want \"%s\"",
                  c->label, what, got ? got : "(null)", want);
}

START_TEST(test_resolve)
{
    const ep_case *c = &cases[_i];
    env_kv env[MAX_ENV] = {{NULL, NULL}};
    sgn_aws_env e = {table_getenv, env};
    sgn_aws_config *cfg = NULL;
    sgn_aws_endpoints out = SGN_AWS_ENDPOINTS_INIT;
    sgn_aws_endpoint_input in;
    sgn_error err = SGN_ERROR_INIT;
    char *path = NULL;
    int i, n = 0, rc;

    for (i = 0; i < MAX_ENV - 2 && c->env[i].name != NULL; i++)
        env[n++] = c->env[i];
    if (c->config != NULL) {
        path = write_config(c->config);
        env[n++] = (env_kv){"AWS_CONFIG_FILE", path};
        env[n++] = (env_kv){"AWS_SHARED_CREDENTIALS_FILE", "/nonexistent/sgn-test/credentials"};
        ck_assert_sgn_ok(sgn_aws_config_load(&cfg, &e, &err), &err);
    }
    in = (sgn_aws_endpoint_input){c->region_option, c->endpoint_option, c->arn_region, &e, cfg,
                                  c->profile ? c->profile : "default"};
    rc = sgn_aws_resolve_endpoints(&out, &in, &err);
    ck_assert_msg(rc == c->rc, "%s: rc %d (%s), want %d", c->label, rc, err.msg, c->rc);
    if (rc == SGN_OK) {
        check_str(c, "region", c->region, out.region);
        check_str(c, "region_source", c->region_source, out.region_source);
        check_str(c, "partition", c->partition, out.partition);
        check_str(c, "signer_url", c->signer_url, out.signer_url);
        check_str(c, "signer_source", c->signer_source, out.signer_source);
        check_str(c, "data_url", c->data_url, out.data_url);
        check_str(c, "data_source", c->data_source, out.data_source);
        check_str(c, "sts_url", c->sts_url, out.sts_url);
        ck_assert_ptr_nonnull(out.signer_url);
        ck_assert_ptr_nonnull(out.data_url);
        ck_assert_ptr_nonnull(out.sts_url);
    } else {
        ck_assert_msg(strstr(err.msg, c->err) != NULL, "%s: message \"%s\" lacks \"%s\"",
                      c->label, err.msg, c->err);
        ck_assert_ptr_null(out.region);
        ck_assert_ptr_null(out.signer_url);
    }
    sgn_aws_endpoints_free(&out);
    sgn_aws_config_free(cfg);
    if (path != NULL)
        unlink(path);
    free(path);
}
END_TEST

START_TEST(test_missing_region_names_files)
{
    env_kv env[MAX_ENV] = {{"AWS_CONFIG_FILE", "/nonexistent/sgn/config"},
                           {"AWS_SHARED_CREDENTIALS_FILE", "/nonexistent/sgn/credentials"},
                           {"AWS_PROFILE", "dev"}};
    sgn_aws_env e = {table_getenv, env};
    sgn_aws_config *cfg = NULL;
    sgn_aws_endpoints out = SGN_AWS_ENDPOINTS_INIT;
    sgn_aws_endpoint_input in = {NULL, NULL, NULL, &e, NULL, "dev"};
    sgn_error err = SGN_ERROR_INIT;

    ck_assert_sgn_ok(sgn_aws_config_load(&cfg, &e, &err), &err);
    in.config = cfg;
    ck_assert_int_eq(sgn_aws_resolve_endpoints(&out, &in, &err), SGN_EINVALID);
    ck_assert_str_eq(err.msg, "Invalid Configuration: Missing Region (none in pluginConfig "
                              "aws-region, AWS_REGION, AWS_DEFAULT_REGION, the region of profile "
                              "\"dev\" in /nonexistent/sgn/config or /nonexistent/sgn/credentials, "
                              "or the ARN)");
    sgn_aws_config_free(cfg);
}
END_TEST

START_TEST(test_credentials_file_region)
{
    /* the credentials file can carry a region too, and wins for the same profile */
    char *cfgpath = write_config("[default]\nregion = us-west-1\n");
    char *credpath = write_config("[default]\nregion = sa-east-1\n");
    env_kv env[MAX_ENV] = {{"AWS_CONFIG_FILE", cfgpath}, {"AWS_SHARED_CREDENTIALS_FILE", credpath}};
    sgn_aws_env e = {table_getenv, env};
    sgn_aws_config *cfg = NULL;
    sgn_aws_endpoints out = SGN_AWS_ENDPOINTS_INIT;
    sgn_aws_endpoint_input in = {"", "", NULL, &e, NULL, NULL};
    sgn_error err = SGN_ERROR_INIT;

    ck_assert_sgn_ok(sgn_aws_config_load(&cfg, &e, &err), &err);
    in.config = cfg;
    ck_assert_sgn_ok(sgn_aws_resolve_endpoints(&out, &in, &err), &err);
    ck_assert_str_eq(out.region, "sa-east-1");
    ck_assert_str_eq(out.signer_url, "https://signer.sa-east-1.amazonaws.com");
    sgn_aws_endpoints_free(&out);
    sgn_aws_endpoints_free(&out); /* idempotent */
    sgn_aws_config_free(cfg);
    unlink(cfgpath);
    unlink(credpath);
    free(cfgpath);
    free(credpath);
}
END_TEST

static const struct {
    const char *partition, *suffix;
} suffixes[] = {
    {"aws", "amazonaws.com"},       {"aws-cn", "amazonaws.com.cn"},
    {"aws-us-gov", "amazonaws.com"}, {"aws-iso", "c2s.ic.gov"},
    {"aws-iso-b", "sc2s.sgov.gov"}, {"aws-eusc", "amazonaws.eu"},
};

START_TEST(test_dns_suffix)
{
    ck_assert_str_eq(sgn_aws_dns_suffix(suffixes[_i].partition), suffixes[_i].suffix);
}
END_TEST

static Suite *aws_endpoint_suite(void)
{
    Suite *s = suite_create("aws_endpoint");
    TCase *tc = tcase_create("resolve");

    tcase_add_loop_test(tc, test_resolve, 0, N(cases));
    tcase_add_test(tc, test_missing_region_names_files);
    tcase_add_test(tc, test_credentials_file_region);
    tcase_add_loop_test(tc, test_dns_suffix, 0, N(suffixes));
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    return sgn_check_run(aws_endpoint_suite());
}
