/* Unit tests for core/aws/creds.c: the credential chain against a loopback server acting as STS,
 * IMDS and the container credentials endpoint. Every secret in these tests contains "SeCrEt" so
 * that no error message or log line may contain that string. */
#include <arpa/inet.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "aws/creds_int.h"
#include "sgn/aws_config.h"
#include "sgn/aws_creds.h"
#include "sgn/buf.h"
#include "sgn/util.h"
#include "sgn_check.h"

#define N(a) ((int)(sizeof(a) / sizeof((a)[0])))
#define NOW INT64_C(1700000000)     /* 2023-11-14T22:13:20Z */
#define MARK "SeCrEt"

/* ---- the loopback server ------------------------------------------------------------------ */

typedef struct server {
    struct MHD_Daemon *d;
    unsigned short port;
    pthread_mutex_t mu;
    /* behaviour */
    int imds_token_status;          /* answer to PUT /latest/api/token (200 = a token) */
    char container_token[128];      /* expected Authorization of the container endpoint */
    char sts_signer_akid[64];       /* AssumeRole must be signed by this access key id */
    char sts_signer_akid2[64];      /* ... or this one */
    char web_token[128];            /* AssumeRoleWithWebIdentity must carry this token */
    char sso_token[128];            /* GetRoleCredentials must carry this bearer token */
    char oidc_refresh[128];         /* CreateToken accepts this refresh token, else
                                     * InvalidGrantException; on success sso_token is the new
                                     * access token */
    /* records */
    int n_requests, n_sts, n_imds_put, n_container, n_sso, n_oidc;
    int imds_put_had_ttl, imds_get_had_token, imds_get_without_token;
    int sts_unsigned_web, sts_signed_ok;
    char last_container_auth[128];
    char last_sts_action[64];
    char last_sso_account[64], last_sso_role[64];
} server;

typedef struct conn {
    sgn_buf body;
} conn;

static enum MHD_Result reply(struct MHD_Connection *c, unsigned status, const char *body,
                             const char *ctype)
{
    struct MHD_Response *r = MHD_create_response_from_buffer(strlen(body), (void *)body,
                                                             MHD_RESPMEM_MUST_COPY);
    enum MHD_Result ret;

    if (ctype != NULL)
        MHD_add_response_header(r, "Content-Type", ctype);
    MHD_add_response_header(r, "x-amzn-RequestId", "req-1234");
    ret = MHD_queue_response(c, status, r);
    MHD_destroy_response(r);
    return ret;
}

static const char sts_ok_fmt[] =
    "<AssumeRoleResponse xmlns=\"https://sts.amazonaws.com/doc/2011-06-15/\">"
    "<AssumeRoleResult><Credentials>"
    "<AccessKeyId>%s</AccessKeyId>"
    "<SecretAccessKey>role" MARK "key</SecretAccessKey>"
    "<SessionToken>role" MARK "token</SessionToken>"
    "<Expiration>2100-01-01T00:00:00Z</Expiration>"
    "</Credentials></AssumeRoleResult>"
    "<ResponseMetadata><RequestId>req-1234</RequestId></ResponseMetadata>"
    "</AssumeRoleResponse>";

static const char sts_err_fmt[] =
    "<ErrorResponse xmlns=\"https://sts.amazonaws.com/doc/2011-06-15/\"><Error>"
    "<Type>Sender</Type><Code>%s</Code><Message>%s</Message></Error>"
    "<RequestId>req-1234</RequestId></ErrorResponse>";

static enum MHD_Result handle_sts(server *s, struct MHD_Connection *c, const char *body)
{
    const char *auth = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Authorization");
    char buf[2048], want[128], want2[128];

    s->n_sts++;
    if (strstr(body, "Action=AssumeRoleWithWebIdentity") != NULL) {
        char tok[200];

        snprintf(s->last_sts_action, sizeof(s->last_sts_action), "AssumeRoleWithWebIdentity");
        snprintf(tok, sizeof(tok), "WebIdentityToken=%s", s->web_token);
        if (auth != NULL)
            return reply(c, 400, "signed", NULL);
        s->sts_unsigned_web = 1;
        if (strstr(body, tok) == NULL || strstr(body, "RoleArn=arn%3Aaws%3Aiam%3A%3A") == NULL) {
            snprintf(buf, sizeof(buf), sts_err_fmt, "InvalidIdentityToken",
                     "Incorrect token audience");
            return reply(c, 400, buf, "text/xml");
        }
        snprintf(buf, sizeof(buf), sts_ok_fmt, "ASIAWEBIDENTITY1");
        return reply(c, 200, buf, "text/xml");
    }
    snprintf(s->last_sts_action, sizeof(s->last_sts_action), "AssumeRole");
    snprintf(want, sizeof(want), "Credential=%s/", s->sts_signer_akid);
    snprintf(want2, sizeof(want2), "Credential=%s/", s->sts_signer_akid2);
    if (auth == NULL || (strstr(auth, want) == NULL && (s->sts_signer_akid2[0] == '\0' ||
                                                         strstr(auth, want2) == NULL)) ||
        strstr(auth, "/sts/aws4_request") == NULL ||
        strstr(body, "Action=AssumeRole&") == NULL ||
        strstr(body, "RoleSessionName=") == NULL) {
        snprintf(buf, sizeof(buf), sts_err_fmt, "AccessDenied", "not authorized");
        return reply(c, 403, buf, "text/xml");
    }
    s->sts_signed_ok = 1;
    snprintf(buf, sizeof(buf), sts_ok_fmt, "ASIAASSUMEDROLE1");
    return reply(c, 200, buf, "text/xml");
}

static const char imds_creds[] =
    "{\"Code\":\"Success\",\"LastUpdated\":\"2023-11-14T22:00:00Z\",\"Type\":\"AWS-HMAC\","
    "\"AccessKeyId\":\"ASIAIMDSROLE1234\",\"SecretAccessKey\":\"imds" MARK "key\","
    "\"Token\":\"imds" MARK "token\",\"Expiration\":\"2100-01-01T00:00:00Z\"}";

static enum MHD_Result handle_imds(server *s, struct MHD_Connection *c, const char *method,
                                   const char *url)
{
    const char *tok = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "X-aws-ec2-metadata-token");

    if (strcmp(method, "PUT") == 0 && strcmp(url, "/latest/api/token") == 0) {
        const char *ttl =
            MHD_lookup_connection_value(c, MHD_HEADER_KIND, "X-aws-ec2-metadata-token-ttl-seconds");

        s->n_imds_put++;
        if (s->imds_token_status != 200)
            return reply(c, (unsigned)s->imds_token_status, "", NULL);
        if (ttl == NULL || strcmp(ttl, "21600") != 0)
            return reply(c, 400, "", NULL);
        s->imds_put_had_ttl = 1;
        return reply(c, 200, "imdsv2" MARK "token", "text/plain");
    }
    if (strcmp(method, "GET") != 0)
        return reply(c, 405, "", NULL);
    if (tok != NULL) {
        if (strcmp(tok, "imdsv2" MARK "token") != 0)
            return reply(c, 401, "", NULL);
        s->imds_get_had_token = 1;
    } else {
        if (s->imds_token_status == 200)
            return reply(c, 401, "", NULL);     /* v2 enforced */
        s->imds_get_without_token = 1;
    }
    if (strcmp(url, "/latest/meta-data/iam/security-credentials/") == 0)
        return reply(c, 200, "test-role\n", "text/plain");
    if (strcmp(url, "/latest/meta-data/iam/security-credentials/test-role") == 0)
        return reply(c, 200, imds_creds, "application/json");
    return reply(c, 404, "", NULL);
}

static enum MHD_Result handle_container(server *s, struct MHD_Connection *c)
{
    const char *auth = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Authorization");
    const char *accept = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Accept");

    s->n_container++;
    snprintf(s->last_container_auth, sizeof(s->last_container_auth), "%s", auth ? auth : "");
    if (accept == NULL || strcmp(accept, "application/json") != 0)
        return reply(c, 400, "{\"message\":\"no Accept\"}", "application/json");
    if (s->container_token[0] != '\0' && (auth == NULL || strcmp(auth, s->container_token) != 0))
        return reply(c, 401, "{\"message\":\"bad token\"}", "application/json");
    return reply(c, 200,
                 "{\"AccessKeyId\":\"ASIACONTAINER123\",\"SecretAccessKey\":\"ctr" MARK "key\","
                 "\"Token\":\"ctr" MARK "token\",\"Expiration\":\"2100-01-01T00:00:00Z\","
                 "\"AccountId\":\"123456789012\"}",
                 "application/json");
}

static enum MHD_Result handle_sso(server *s, struct MHD_Connection *c, const char *method)
{
    const char *tok = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "x-amz-sso_bearer_token");
    const char *acct = MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, "account_id");
    const char *role = MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, "role_name");
    struct MHD_Response *r;
    enum MHD_Result ret;
    const char *body;

    s->n_sso++;
    snprintf(s->last_sso_account, sizeof(s->last_sso_account), "%s", acct ? acct : "");
    snprintf(s->last_sso_role, sizeof(s->last_sso_role), "%s", role ? role : "");
    if (strcmp(method, "GET") != 0 || acct == NULL || role == NULL)
        return reply(c, 400, "{\"message\":\"bad request\"}", "application/json");
    if (tok == NULL || strcmp(tok, s->sso_token) != 0) {
        body = "{\"message\":\"Session token not found or invalid\"}";
        r = MHD_create_response_from_buffer(strlen(body), (void *)body, MHD_RESPMEM_MUST_COPY);
        MHD_add_response_header(r, "Content-Type", "application/json");
        MHD_add_response_header(r, "x-amzn-ErrorType", "UnauthorizedException");
        MHD_add_response_header(r, "x-amzn-RequestId", "req-1234");
        ret = MHD_queue_response(c, 401, r);
        MHD_destroy_response(r);
        return ret;
    }
    return reply(c, 200,
                 "{\"roleCredentials\":{\"accessKeyId\":\"ASIASSOROLE12345\","
                 "\"secretAccessKey\":\"sso" MARK "key\",\"sessionToken\":\"sso" MARK "session\","
                 "\"expiration\":4102444800000}}",
                 "application/json");
}

/* SSO OIDC CreateToken, refresh_token grant. */
static enum MHD_Result handle_oidc(server *s, struct MHD_Connection *c, const char *body)
{
    const char *ctype = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Content-Type");
    char want[256];
    struct MHD_Response *r;
    enum MHD_Result ret;
    const char *err;

    s->n_oidc++;
    snprintf(want, sizeof(want), "\"refreshToken\":\"%s\"", s->oidc_refresh);
    if (ctype == NULL || strcmp(ctype, "application/json") != 0 ||
        MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Authorization") != NULL ||
        strstr(body, "\"clientId\":\"client-1\"") == NULL ||
        strstr(body, "\"clientSecret\":\"client" MARK "\"") == NULL ||
        strstr(body, "\"grantType\":\"refresh_token\"") == NULL)
        return reply(c, 400, "{\"error\":\"invalid_request\"}", "application/json");
    if (s->oidc_refresh[0] != '\0' && strstr(body, want) != NULL) {
        snprintf(s->sso_token, sizeof(s->sso_token), "oidc" MARK "access");
        return reply(c, 200,
                     "{\"accessToken\":\"oidc" MARK "access\",\"tokenType\":\"Bearer\","
                     "\"expiresIn\":3600,\"refreshToken\":\"oidc" MARK "refresh\"}",
                     "application/json");
    }
    err = "{\"error\":\"invalid_grant\",\"error_description\":\"Invalid refresh token "
          "provided\"}";
    r = MHD_create_response_from_buffer(strlen(err), (void *)err, MHD_RESPMEM_MUST_COPY);
    MHD_add_response_header(r, "Content-Type", "application/json");
    MHD_add_response_header(r, "x-amzn-ErrorType", "InvalidGrantException");
    MHD_add_response_header(r, "x-amzn-RequestId", "req-1234");
    ret = MHD_queue_response(c, 400, r);
    MHD_destroy_response(r);
    return ret;
}

static enum MHD_Result handler(void *cls, struct MHD_Connection *c, const char *url,
                               const char *method, const char *version, const char *upload,
                               size_t *upload_size, void **con_cls)
{
    server *s = cls;
    conn *cn = *con_cls;
    enum MHD_Result ret;

    (void)version;
    if (cn == NULL) {
        cn = calloc(1, sizeof(*cn));
        *con_cls = cn;
        return MHD_YES;
    }
    if (*upload_size > 0) {
        sgn_buf_append(&cn->body, upload, *upload_size, NULL);
        *upload_size = 0;
        return MHD_YES;
    }
    pthread_mutex_lock(&s->mu);
    s->n_requests++;
    if (strncmp(url, "/latest/", 8) == 0)
        ret = handle_imds(s, c, method, url);
    else if (strcmp(url, "/creds") == 0)
        ret = handle_container(s, c);
    else if (strcmp(url, "/federation/credentials") == 0)
        ret = handle_sso(s, c, method);
    else if (strcmp(method, "POST") == 0 && strcmp(url, "/token") == 0)
        ret = handle_oidc(s, c, sgn_buf_cstr(&cn->body));
    else if (strcmp(method, "POST") == 0 && strcmp(url, "/") == 0)
        ret = handle_sts(s, c, sgn_buf_cstr(&cn->body));
    else
        ret = reply(c, 404, "", NULL);
    pthread_mutex_unlock(&s->mu);
    return ret;
}

static void completed(void *cls, struct MHD_Connection *c, void **con_cls,
                      enum MHD_RequestTerminationCode toe)
{
    conn *cn = *con_cls;

    (void)cls;
    (void)c;
    (void)toe;
    if (cn != NULL) {
        sgn_buf_free(&cn->body);
        free(cn);
        *con_cls = NULL;
    }
}

static void server_start(server *s)
{
    struct sockaddr_in sa;
    const union MHD_DaemonInfo *info;

    memset(s, 0, sizeof(*s));
    pthread_mutex_init(&s->mu, NULL);
    s->imds_token_status = 200;
    memset(&sa, 0, sizeof(sa));
    sa.sin_family = AF_INET;
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    s->d = MHD_start_daemon(MHD_USE_INTERNAL_POLLING_THREAD, 0, NULL, NULL, handler, s,
                            MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&sa,
                            MHD_OPTION_NOTIFY_COMPLETED, completed, NULL, MHD_OPTION_END);
    ck_assert_ptr_nonnull(s->d);
    info = MHD_get_daemon_info(s->d, MHD_DAEMON_INFO_BIND_PORT);
    ck_assert_ptr_nonnull(info);
    s->port = info->port;
}

static void server_stop(server *s)
{
    MHD_stop_daemon(s->d);
    pthread_mutex_destroy(&s->mu);
}

/* ---- the fixture: environment, files, log ------------------------------------------------- */

typedef struct fx {
    const char *names[40];
    char *values[40];
    int n;
    char dir[256];
    sgn_buf log;
    char sts[128];
    int profile_first;
    const char *plugin_profile;
    long budget_ms;
    server srv;
    int have_server;
} fx;

static const char *fx_get(void *ud, const char *name)
{
    fx *f = ud;
    int i;

    for (i = f->n - 1; i >= 0; i--)
        if (strcmp(f->names[i], name) == 0)
            return f->values[i];
    return NULL;
}

static void fx_set(fx *f, const char *name, const char *value)
{
    ck_assert_int_lt(f->n, N(f->names));
    f->names[f->n] = name;
    f->values[f->n++] = strdup(value);
}

static void fx_log(void *ud, const char *line)
{
    fx *f = ud;

    sgn_buf_printf(&f->log, NULL, "%s\n", line);
    if (getenv("SGN_TEST_LOG") != NULL)
        fprintf(stderr, "log: %s\n", line);
}

static char *fx_path(fx *f, const char *name)
{
    static char path[512];

    snprintf(path, sizeof(path), "%s/%s", f->dir, name);
    return path;
}

static void fx_write(fx *f, const char *name, const char *text, mode_t mode)
{
    FILE *fp = fopen(fx_path(f, name), "w");

    ck_assert_ptr_nonnull(fp);
    fputs(text, fp);
    fclose(fp);
    ck_assert_int_eq(chmod(fx_path(f, name), mode), 0);
}

static void fx_init(fx *f, int with_server)
{
    memset(f, 0, sizeof(*f));
    strcpy(f->dir, "/tmp/sgn-aws-creds-XXXXXX");
    ck_assert_ptr_nonnull(mkdtemp(f->dir));
    fx_set(f, "HOME", f->dir);
    fx_set(f, "AWS_CONFIG_FILE", fx_path(f, "config"));
    fx_set(f, "AWS_SHARED_CREDENTIALS_FILE", fx_path(f, "credentials"));
    if (with_server) {
        char url[128];

        server_start(&f->srv);
        f->have_server = 1;
        snprintf(f->sts, sizeof(f->sts), "http://127.0.0.1:%u", f->srv.port);
        snprintf(url, sizeof(url), "http://127.0.0.1:%u", f->srv.port);
        fx_set(f, "AWS_EC2_METADATA_SERVICE_ENDPOINT", url);
    } else {
        fx_set(f, "AWS_EC2_METADATA_DISABLED", "true");
    }
}

static void fx_free(fx *f)
{
    char cmd[300];
    int i;

    if (f->have_server)
        server_stop(&f->srv);
    for (i = 0; i < f->n; i++)
        free(f->values[i]);
    sgn_buf_free(&f->log);
    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", f->dir);
    ck_assert_int_eq(system(cmd), 0);
}

/* Resolve as the AWS client does, then check that no secret leaked into err or the log. */
static int fx_resolve(fx *f, sgn_aws_creds *out, sgn_error *err)
{
    sgn_aws_env env = {fx_get, f};
    sgn_aws_log log = {fx_log, f};
    sgn_http_opts http = {0, 0, NULL, NULL, NULL, NULL, &log};
    sgn_aws_retry retry = SGN_AWS_RETRY_INIT;
    sgn_aws_config *cfg = NULL;
    sgn_aws_cred_ctx ctx;
    int rc, is_explicit = 0;

    memset(&ctx, 0, sizeof(ctx));
    retry.budget_ms = f->budget_ms > 0 ? f->budget_ms : 20000;
    retry.max_attempts = 1;
    ck_assert_sgn_ok(sgn_aws_config_load(&cfg, &env, err), err);
    ctx.env = &env;
    ctx.config = cfg;
    ctx.profile = sgn_aws_profile_name(f->plugin_profile, &env, &is_explicit);
    ctx.profile_explicit = is_explicit;
    ctx.profile_first = f->plugin_profile != NULL && f->plugin_profile[0] != '\0';
    ctx.region = "us-east-1";
    ctx.sts_endpoint = f->sts[0] ? f->sts : NULL;
    ctx.http = &http;
    ctx.retry = &retry;
    ctx.user_agent = "sgn-test/1.0";
    ctx.log = &log;
    ctx.now = NOW;
    rc = sgn_aws_resolve_credentials(out, &ctx, err);
    sgn_aws_config_free(cfg);
    ck_assert_msg(strstr(err->msg, MARK) == NULL, "secret in message: %s", err->msg);
    ck_assert_msg(strstr(sgn_buf_cstr(&f->log), MARK) == NULL, "secret in log: %s",
                  sgn_buf_cstr(&f->log));
    return rc;
}

#define assert_has(hay, needle)                                                                \
    ck_assert_msg(strstr((hay), (needle)) != NULL, "'%s' lacks '%s'", (hay), (needle))

/* ---- environment and profiles ------------------------------------------------------------- */

START_TEST(test_env_keys)
{
    fx f;
    sgn_error err = SGN_ERROR_INIT;
    sgn_aws_creds c = SGN_AWS_CREDS_INIT;

    fx_init(&f, 0);
    fx_set(&f, "AWS_ACCESS_KEY_ID", "AKIDENVIRONMENT1");
    fx_set(&f, "AWS_SECRET_ACCESS_KEY", "env" MARK "key");
    ck_assert_sgn_ok(fx_resolve(&f, &c, &err), &err);
    ck_assert_str_eq(c.access_key_id, "AKIDENVIRONMENT1");
    ck_assert_str_eq(c.secret_access_key, "env" MARK "key");
    ck_assert_ptr_null(c.session_token);
    ck_assert_int_eq(c.expiration, 0);
    ck_assert_str_eq(c.source, "environment variables");
    /* the log names the source and masks the key id */
    assert_has(sgn_buf_cstr(&f.log), "environment variables");
    assert_has(sgn_buf_cstr(&f.log), "ENT1");
    ck_assert_ptr_null(strstr(sgn_buf_cstr(&f.log), "AKIDENVIRONMENT1"));
    sgn_aws_creds_free(&c);

    fx_set(&f, "AWS_SESSION_TOKEN", "env" MARK "token");
    fx_set(&f, "AWS_CREDENTIAL_EXPIRATION", "2100-01-01T00:00:00Z");
    fx_set(&f, "AWS_ACCOUNT_ID", "123456789012");
    ck_assert_sgn_ok(fx_resolve(&f, &c, &err), &err);
    ck_assert_str_eq(c.session_token, "env" MARK "token");
    ck_assert_int_eq(c.expiration, INT64_C(4102444800));
    ck_assert_str_eq(c.account_id, "123456789012");
    sgn_aws_creds_free(&c);

    fx_set(&f, "AWS_CREDENTIAL_EXPIRATION", "2020-01-01T00:00:00Z");
    ck_assert_int_eq(fx_resolve(&f, &c, &err), SGN_EINVALID);
    assert_has(err.msg, "environment variables: the credentials expired at 2020-01-01");
    ck_assert_ptr_null(c.access_key_id);
    fx_free(&f);
}
END_TEST

static const char creds_file[] =
    "[default]\n"
    "aws_access_key_id = AKIDDEFAULTPROF1\n"
    "aws_secret_access_key = default" MARK "key\n"
    "[dev]\n"
    "aws_access_key_id = AKIDDEVPROFILE12\n"
    "aws_secret_access_key = dev" MARK "key\n"
    "aws_session_token = dev" MARK "token\n"
    "[base]\n"
    "aws_access_key_id = AKIDBASEPROFILE1\n"
    "aws_secret_access_key = base" MARK "key\n";

START_TEST(test_env_beats_aws_profile)
{
    fx f;
    sgn_error err = SGN_ERROR_INIT;
    sgn_aws_creds c = SGN_AWS_CREDS_INIT;

    fx_init(&f, 0);
    fx_write(&f, "credentials", creds_file, 0600);
    fx_set(&f, "AWS_PROFILE", "dev");
    fx_set(&f, "AWS_ACCESS_KEY_ID", "AKIDENVIRONMENT1");
    fx_set(&f, "AWS_SECRET_ACCESS_KEY", "env" MARK "key");
    /* as in Go: AWS_PROFILE does not override the environment's keys */
    ck_assert_sgn_ok(fx_resolve(&f, &c, &err), &err);
    ck_assert_str_eq(c.access_key_id, "AKIDENVIRONMENT1");
    sgn_aws_creds_free(&c);
    /* pluginConfig aws-profile does */
    f.plugin_profile = "dev";
    ck_assert_sgn_ok(fx_resolve(&f, &c, &err), &err);
    ck_assert_str_eq(c.access_key_id, "AKIDDEVPROFILE12");
    ck_assert_str_eq(c.session_token, "dev" MARK "token");
    assert_has(c.source, "shared credentials file ");
    assert_has(c.source, "profile \"dev\"");
    sgn_aws_creds_free(&c);
    fx_free(&f);
}
END_TEST

START_TEST(test_profile_static_keys)
{
    fx f;
    sgn_error err = SGN_ERROR_INIT;
    sgn_aws_creds c = SGN_AWS_CREDS_INIT;

    fx_init(&f, 0);
    fx_write(&f, "credentials", creds_file, 0600);
    /* default profile from the credentials file; the config file's keys lose */
    fx_write(&f, "config",
             "[default]\naws_access_key_id = AKIDCONFIGLOSES1\nregion = us-west-2\n"
             "[profile cfgonly]\naws_access_key_id = AKIDCONFIGFILE12\n"
             "aws_secret_access_key = cfg" MARK "key\n",
             0600);
    ck_assert_sgn_ok(fx_resolve(&f, &c, &err), &err);
    ck_assert_str_eq(c.access_key_id, "AKIDDEFAULTPROF1");
    assert_has(c.source, fx_path(&f, "credentials"));
    sgn_aws_creds_free(&c);
    fx_set(&f, "AWS_PROFILE", "cfgonly");
    ck_assert_sgn_ok(fx_resolve(&f, &c, &err), &err);
    ck_assert_str_eq(c.access_key_id, "AKIDCONFIGFILE12");
    assert_has(c.source, fx_path(&f, "config"));
    sgn_aws_creds_free(&c);
    fx_free(&f);
}
END_TEST

START_TEST(test_profile_missing)
{
    fx f;
    sgn_error err = SGN_ERROR_INIT;
    sgn_aws_creds c = SGN_AWS_CREDS_INIT;

    fx_init(&f, 0);
    fx_write(&f, "credentials", creds_file, 0600);
    fx_set(&f, "AWS_PROFILE", "nope");
    ck_assert_int_eq(fx_resolve(&f, &c, &err), SGN_EINVALID);
    assert_has(err.msg, "failed to get shared config profile, nope");
    assert_has(err.msg, fx_path(&f, "credentials"));
    sgn_error_clear(&err);
    /* the same through pluginConfig aws-profile, even with keys in the environment */
    f.plugin_profile = "alsonope";
    fx_set(&f, "AWS_ACCESS_KEY_ID", "AKIDENVIRONMENT1");
    fx_set(&f, "AWS_SECRET_ACCESS_KEY", "env" MARK "key");
    ck_assert_int_eq(fx_resolve(&f, &c, &err), SGN_EINVALID);
    assert_has(err.msg, "failed to get shared config profile, alsonope");
    fx_free(&f);
}
END_TEST

START_TEST(test_nothing_found)
{
    fx f;
    sgn_error err = SGN_ERROR_INIT;
    sgn_aws_creds c = SGN_AWS_CREDS_INIT;

    fx_init(&f, 0);
    ck_assert_int_eq(fx_resolve(&f, &c, &err), SGN_EINVALID);
    assert_has(err.msg, "no AWS credentials found: ");
    assert_has(err.msg, "environment variables: AWS_ACCESS_KEY_ID not set");
    assert_has(err.msg, "web identity: AWS_WEB_IDENTITY_TOKEN_FILE not set");
    assert_has(err.msg, "profile \"default\": not in ");
    assert_has(err.msg, fx_path(&f, "credentials"));
    assert_has(err.msg, "container credentials: not configured");
    assert_has(err.msg, "EC2 instance metadata: disabled by AWS_EC2_METADATA_DISABLED=true");
    fx_free(&f);
}
END_TEST

/* The URL of a loopback port nobody listens on: bind, read the port, close. */
static void closed_port_url(char *url, size_t n)
{
    struct sockaddr_in sa;
    socklen_t len = sizeof(sa);
    int fd = socket(AF_INET, SOCK_STREAM, 0);

    memset(&sa, 0, sizeof(sa));
    sa.sin_family = AF_INET;
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    ck_assert_int_eq(bind(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
    ck_assert_int_eq(getsockname(fd, (struct sockaddr *)&sa, &len), 0);
    close(fd);
    snprintf(url, n, "http://127.0.0.1:%u", ntohs(sa.sin_port));
}

START_TEST(test_nothing_found_imds_refused)
{
    fx f;
    sgn_error err = SGN_ERROR_INIT;
    sgn_aws_creds c = SGN_AWS_CREDS_INIT;
    char url[64];

    closed_port_url(url, sizeof(url));

    fx_init(&f, 0);
    fx_write(&f, "config", "[default]\nregion = us-east-1\n", 0600);
    fx_set(&f, "AWS_EC2_METADATA_DISABLED", "false");
    fx_set(&f, "AWS_EC2_METADATA_SERVICE_ENDPOINT", url);
    ck_assert_int_eq(fx_resolve(&f, &c, &err), SGN_EINVALID);
    assert_has(err.msg, "no AWS credentials found: ");
    assert_has(err.msg, "profile \"default\": no credentials in it");
    assert_has(err.msg, "EC2 instance metadata: ");
    assert_has(err.msg, "127.0.0.1");
    fx_free(&f);
}
END_TEST

/* Link-local credential services retry as the SDKs' standard mode does: a refused connection
 * is transient (retried up to metadata_service_num_attempts), a host name that does not resolve
 * is not, and the note says how many attempts were made. */
START_TEST(test_imds_retry_classification)
{
    fx f;
    sgn_error err = SGN_ERROR_INIT;
    sgn_aws_creds c = SGN_AWS_CREDS_INIT;
    char url[64];

    closed_port_url(url, sizeof(url));

    fx_init(&f, 0);
    fx_write(&f, "config", "[default]\nmetadata_service_num_attempts = 3\n", 0600);
    fx_set(&f, "AWS_EC2_METADATA_DISABLED", "false");
    fx_set(&f, "AWS_EC2_METADATA_SERVICE_ENDPOINT", url);
    ck_assert_int_eq(fx_resolve(&f, &c, &err), SGN_EINVALID);
    assert_has(err.msg, "after 3 attempts");
    fx_free(&f);

    sgn_error_clear(&err);
    fx_init(&f, 0);
    fx_write(&f, "config", "[default]\nmetadata_service_num_attempts = 3\n", 0600);
    fx_set(&f, "AWS_EC2_METADATA_DISABLED", "false");
    fx_set(&f, "AWS_EC2_METADATA_SERVICE_ENDPOINT", "http://imds.nonexistent.invalid");
    ck_assert_int_eq(fx_resolve(&f, &c, &err), SGN_EINVALID);
    assert_has(err.msg, "after 1 attempt; a host name that does not resolve is not retried");
    fx_free(&f);
}
END_TEST

START_TEST(test_source_profile_assume_role)
{
    fx f;
    sgn_error err = SGN_ERROR_INIT;
    sgn_aws_creds c = SGN_AWS_CREDS_INIT;

    fx_init(&f, 1);
    fx_write(&f, "credentials", creds_file, 0600);
    fx_write(&f, "config",
             "[profile role]\nrole_arn = arn:aws:iam::123456789012:role/signer\n"
             "source_profile = base\nexternal_id = ext-1\n"
             "[profile role2]\nrole_arn = arn:aws:iam::123456789012:role/second\n"
             "source_profile = role\n",
             0600);
    snprintf(f.srv.sts_signer_akid, sizeof(f.srv.sts_signer_akid), "AKIDBASEPROFILE1");
    fx_set(&f, "AWS_PROFILE", "role");
    ck_assert_sgn_ok(fx_resolve(&f, &c, &err), &err);
    ck_assert_str_eq(c.access_key_id, "ASIAASSUMEDROLE1");
    ck_assert_str_eq(c.session_token, "role" MARK "token");
    ck_assert_int_eq(c.expiration, INT64_C(4102444800));
    assert_has(c.source, "arn:aws:iam::123456789012:role/signer");
    ck_assert_int_eq(f.srv.sts_signed_ok, 1);
    sgn_aws_creds_free(&c);

    /* a chain of two roles: the second AssumeRole is signed with the first role's keys */
    snprintf(f.srv.sts_signer_akid2, sizeof(f.srv.sts_signer_akid2), "ASIAASSUMEDROLE1");
    fx_set(&f, "AWS_PROFILE", "role2");
    ck_assert_sgn_ok(fx_resolve(&f, &c, &err), &err);
    assert_has(c.source, "arn:aws:iam::123456789012:role/second");
    ck_assert_int_eq(f.srv.n_sts, 3);
    sgn_aws_creds_free(&c);

    /* STS refuses: the error names the profile and role, STS's code, message and request id */
    snprintf(f.srv.sts_signer_akid, sizeof(f.srv.sts_signer_akid), "AKIDSOMEONEELSE1");
    snprintf(f.srv.sts_signer_akid2, sizeof(f.srv.sts_signer_akid2), "AKIDSOMEONEELSE1");
    fx_set(&f, "AWS_PROFILE", "role");
    ck_assert_int_eq(fx_resolve(&f, &c, &err), SGN_EDENIED);
    assert_has(err.msg, "profile \"role\" role arn:aws:iam::123456789012:role/signer: "
                        "STS AssumeRole failed: AccessDenied: not authorized");
    assert_has(err.msg, "request id req-1234");
    fx_free(&f);
}
END_TEST

START_TEST(test_source_profile_loop)
{
    fx f;
    sgn_error err = SGN_ERROR_INIT;
    sgn_aws_creds c = SGN_AWS_CREDS_INIT;

    fx_init(&f, 0);
    fx_write(&f, "config",
             "[profile a]\nrole_arn = arn:aws:iam::123456789012:role/a\nsource_profile = b\n"
             "[profile b]\nrole_arn = arn:aws:iam::123456789012:role/b\nsource_profile = a\n"
             "[profile c]\nrole_arn = arn:aws:iam::123456789012:role/c\nsource_profile = gone\n",
             0600);
    fx_set(&f, "AWS_PROFILE", "a");
    ck_assert_int_eq(fx_resolve(&f, &c, &err), SGN_EINVALID);
    assert_has(err.msg, "source_profile loop: a -> b -> a");
    sgn_error_clear(&err);
    fx_set(&f, "AWS_PROFILE", "c");
    ck_assert_int_eq(fx_resolve(&f, &c, &err), SGN_EINVALID);
    assert_has(err.msg, "failed to get shared config profile, gone");
    fx_free(&f);
}
END_TEST

START_TEST(test_credential_source_environment)
{
    fx f;
    sgn_error err = SGN_ERROR_INIT;
    sgn_aws_creds c = SGN_AWS_CREDS_INIT;

    fx_init(&f, 1);
    fx_write(&f, "config",
             "[profile envrole]\nrole_arn = arn:aws:iam::123456789012:role/env\n"
             "credential_source = Environment\n"
             "[profile badsource]\nrole_arn = arn:aws:iam::123456789012:role/env\n"
             "credential_source = Somewhere\n",
             0600);
    fx_set(&f, "AWS_ACCESS_KEY_ID", "AKIDENVIRONMENT1");
    fx_set(&f, "AWS_SECRET_ACCESS_KEY", "env" MARK "key");
    snprintf(f.srv.sts_signer_akid, sizeof(f.srv.sts_signer_akid), "AKIDENVIRONMENT1");
    f.plugin_profile = "envrole";
    ck_assert_sgn_ok(fx_resolve(&f, &c, &err), &err);
    ck_assert_str_eq(c.access_key_id, "ASIAASSUMEDROLE1");
    ck_assert_int_eq(f.srv.sts_signed_ok, 1);
    sgn_aws_creds_free(&c);
    f.plugin_profile = "badsource";
    ck_assert_int_eq(fx_resolve(&f, &c, &err), SGN_EINVALID);
    assert_has(err.msg, "credential_source \"Somewhere\"");
    fx_free(&f);
}
END_TEST

/* ---- IAM Identity Center (SSO) ------------------------------------------------------------ */

/* SHA-1 hex digests computed independently (Python: hashlib.sha1(key.encode()).hexdigest()). */
static const struct {
    const char *key, *hex;
} sso_cache_cases[] = {
    {"corp", "ee0bfd2552fbd840c02cc48b6e823320543c450f"},
    {"https://example.awsapps.com/start", "e8be5486177c5b5392bd9aa76563515b29358e6e"},
    {"my-sso", "0ad374308c5a4e22f723adf10145eafad7c4031c"},
    {"https://d-92671207e4.awsapps.com/start", "13f9d35043871d073ab260e020f0ffde092cb14b"},
};

START_TEST(test_sso_cache_path)
{
    sgn_error err = SGN_ERROR_INIT;
    char *path = NULL, want[256];

    snprintf(want, sizeof(want), "/home/u/.aws/sso/cache/%s.json", sso_cache_cases[_i].hex);
    ck_assert_sgn_ok(sgn_aws__sso_cache_path(&path, "/home/u", sso_cache_cases[_i].key, &err),
                     &err);
    ck_assert_str_eq(path, want);
    free(path);
}
END_TEST

#define SSO_SESSION_CONFIG                                                                     \
    "[profile sso]\nsso_session = corp\nsso_account_id = 123456789012\n"                       \
    "sso_role_name = Dev\nregion = us-west-2\n"                                                \
    "[sso-session corp]\nsso_region = us-east-1\n"                                             \
    "sso_start_url = https://example.awsapps.com/start\n"
#define SSO_LEGACY_CONFIG                                                                      \
    "[profile sso]\nsso_start_url = https://example.awsapps.com/start\nsso_region = us-east-1\n" \
    "sso_account_id = 123456789012\nsso_role_name = Dev\n"
#define SSO_SESSION_CACHE ".aws/sso/cache/ee0bfd2552fbd840c02cc48b6e823320543c450f.json"
#define SSO_LEGACY_CACHE ".aws/sso/cache/e8be5486177c5b5392bd9aa76563515b29358e6e.json"

/* A fixture with an SSO portal on the loopback server and the cache directory made. */
static void sso_init(fx *f, const char *config)
{
    char url[128], dir[512];

    fx_init(f, 1);
    snprintf(f->srv.sso_token, sizeof(f->srv.sso_token), "sso" MARK "token");
    snprintf(url, sizeof(url), "http://127.0.0.1:%u", f->srv.port);
    fx_set(f, "AWS_ENDPOINT_URL_SSO", url);
    fx_set(f, "AWS_ENDPOINT_URL_SSO_OIDC", url);
    fx_set(f, "AWS_PROFILE", "sso");
    snprintf(dir, sizeof(dir), "mkdir -p '%s/.aws/sso/cache'", f->dir);
    ck_assert_int_eq(system(dir), 0);
    fx_write(f, "config", config, 0600);
}

/* The cache file as `aws sso login` writes it; expires is Unix seconds. */
static void sso_cache(fx *f, const char *name, const char *token, int64_t expires)
{
    char when[32], text[512];

    sgn_time_format_rfc3339(when, expires);
    snprintf(text, sizeof(text),
             "{\"startUrl\": \"https://example.awsapps.com/start\", \"region\": \"us-east-1\", "
             "\"accessToken\": \"%s\", \"expiresAt\": \"%s\"}",
             token, when);
    fx_write(f, name, text, 0600);
}

START_TEST(test_sso_session_profile)
{
    fx f;
    sgn_error err = SGN_ERROR_INIT;
    sgn_aws_creds c = SGN_AWS_CREDS_INIT;

    sso_init(&f, SSO_SESSION_CONFIG);
    sso_cache(&f, SSO_SESSION_CACHE, "sso" MARK "token", NOW + 3600);
    ck_assert_sgn_ok(fx_resolve(&f, &c, &err), &err);
    ck_assert_str_eq(c.access_key_id, "ASIASSOROLE12345");
    ck_assert_str_eq(c.secret_access_key, "sso" MARK "key");
    ck_assert_str_eq(c.session_token, "sso" MARK "session");
    ck_assert_int_eq(c.expiration, INT64_C(4102444800));
    ck_assert_str_eq(c.account_id, "123456789012");
    assert_has(c.source, "SSO of profile \"sso\"");
    ck_assert_int_eq(f.srv.n_sso, 1);
    ck_assert_str_eq(f.srv.last_sso_account, "123456789012");
    ck_assert_str_eq(f.srv.last_sso_role, "Dev");
    sgn_aws_creds_free(&c);
    fx_free(&f);
}
END_TEST

START_TEST(test_sso_legacy_profile)
{
    fx f;
    sgn_error err = SGN_ERROR_INIT;
    sgn_aws_creds c = SGN_AWS_CREDS_INIT;

    sso_init(&f, SSO_LEGACY_CONFIG);
    sso_cache(&f, SSO_LEGACY_CACHE, "sso" MARK "token", NOW + 60);
    ck_assert_sgn_ok(fx_resolve(&f, &c, &err), &err);
    ck_assert_str_eq(c.access_key_id, "ASIASSOROLE12345");
    ck_assert_int_eq(f.srv.n_sso, 1);
    sgn_aws_creds_free(&c);
    fx_free(&f);
}
END_TEST

/* Expiry against the pinned clock NOW: expired only when NOW is after expiresAt (ssocreds). */
static const struct {
    int64_t offset;         /* expiresAt - NOW */
    int ok;
} sso_expiry_cases[] = {{3600, 1}, {1, 1}, {0, 1}, {-1, 0}, {-86400, 0}};

START_TEST(test_sso_token_expiry)
{
    fx f;
    sgn_error err = SGN_ERROR_INIT;
    sgn_aws_creds c = SGN_AWS_CREDS_INIT;
    int rc;

    sso_init(&f, SSO_SESSION_CONFIG);
    sso_cache(&f, SSO_SESSION_CACHE, "sso" MARK "token", NOW + sso_expiry_cases[_i].offset);
    rc = fx_resolve(&f, &c, &err);
    if (sso_expiry_cases[_i].ok) {
        ck_assert_sgn_ok(rc, &err);
        sgn_aws_creds_free(&c);
    } else {
        ck_assert_int_eq(rc, SGN_EINVALID);
        assert_has(err.msg, "expired at");
        assert_has(err.msg, SSO_SESSION_CACHE);
        assert_has(err.msg, "run `aws sso login --profile sso`");
        ck_assert_int_eq(f.srv.n_sso, 0);
    }
    fx_free(&f);
}
END_TEST

START_TEST(test_sso_token_missing)
{
    fx f;
    sgn_error err = SGN_ERROR_INIT;
    sgn_aws_creds c = SGN_AWS_CREDS_INIT;

    sso_init(&f, SSO_LEGACY_CONFIG);
    ck_assert_int_eq(fx_resolve(&f, &c, &err), SGN_EINVALID);
    assert_has(err.msg, SSO_LEGACY_CACHE);
    assert_has(err.msg, "run `aws sso login --profile sso`");
    /* a file without expiresAt is refused as ssocreds refuses it */
    fx_write(&f, SSO_LEGACY_CACHE, "{\"accessToken\": \"sso" MARK "token\"}", 0600);
    sgn_error_clear(&err);
    ck_assert_int_eq(fx_resolve(&f, &c, &err), SGN_EINVALID);
    assert_has(err.msg, "expiresAt");
    ck_assert_int_eq(f.srv.n_sso, 0);
    fx_free(&f);
}
END_TEST

START_TEST(test_sso_token_rejected)
{
    fx f;
    sgn_error err = SGN_ERROR_INIT;
    sgn_aws_creds c = SGN_AWS_CREDS_INIT;

    sso_init(&f, SSO_SESSION_CONFIG);
    sso_cache(&f, SSO_SESSION_CACHE, "stale" MARK "token", NOW + 3600);
    ck_assert_int_eq(fx_resolve(&f, &c, &err), SGN_EDENIED);
    assert_has(err.msg, "UnauthorizedException");
    assert_has(err.msg, "run `aws sso login --profile sso`");
    fx_free(&f);
}
END_TEST

/* The refresh window against the pinned clock: refreshed when NOW > expiresAt - 300. */
static const struct {
    int64_t offset;         /* expiresAt - NOW */
    int due;
} sso_window_cases[] = {{3600, 0}, {301, 0}, {300, 0}, {299, 1}, {1, 1}, {0, 1}, {-1, 1}};

START_TEST(test_sso_refresh_due)
{
    ck_assert_int_eq(sgn_aws__sso_refresh_due(NOW + sso_window_cases[_i].offset, NOW),
                     sso_window_cases[_i].due);
}
END_TEST

/* The cache file of `aws sso login` with its client registration and refresh token. */
static void sso_cache_refreshable(fx *f, int64_t expires, int64_t registration)
{
    char when[32], reg[32], text[1024];

    sgn_time_format_rfc3339(when, expires);
    sgn_time_format_rfc3339(reg, registration);
    snprintf(text, sizeof(text),
             "{\"startUrl\": \"https://example.awsapps.com/start\", \"region\": \"us-east-1\", "
             "\"accessToken\": \"sso" MARK "token\", \"expiresAt\": \"%s\", "
             "\"refreshToken\": \"old" MARK "refresh\", \"clientId\": \"client-1\", "
             "\"clientSecret\": \"client" MARK "\", \"registrationExpiresAt\": \"%s\"}",
             when, reg);
    fx_write(f, SSO_SESSION_CACHE, text, 0644);
}

/* Refresh against the pinned clock: within 5 minutes of expiry or after it, with a refresh token
 * OIDC accepts (refreshed, saved with expiresAt = NOW + expiresIn), one it refuses (the expired
 * token is an error, the still-valid one is used), or an expired registration (never sent). */
static const struct {
    int64_t offset;         /* expiresAt - NOW */
    int64_t reg_offset;     /* registrationExpiresAt - NOW */
    int oidc_accepts;
    int n_oidc;             /* CreateToken calls expected */
    const char *want_err;   /* NULL: credentials resolved */
} sso_refresh_cases[] = {
    {600, 86400, 1, 0, NULL},
    {120, 86400, 1, 1, NULL},
    {-60, 86400, 1, 1, NULL},
    {120, 86400, 0, 1, NULL},
    {-60, 86400, 0, 1, "refreshing it failed: SSO OIDC CreateToken failed: InvalidGrantException: "
                       "Invalid refresh token provided (HTTP 400, request id req-1234); run `aws "
                       "sso login --profile sso`"},
    {-60, 0, 1, 0, "cannot be refreshed (its client registration expired at "
                   "2023-11-14T22:13:20Z); run `aws sso login --profile sso`"},
    {120, -1, 1, 0, NULL},
};

START_TEST(test_sso_refresh)
{
    fx f;
    sgn_error err = SGN_ERROR_INIT;
    sgn_aws_creds c = SGN_AWS_CREDS_INIT;
    sgn_buf saved = SGN_BUF_INIT;
    struct stat st;
    int refreshed = sso_refresh_cases[_i].n_oidc == 1 && sso_refresh_cases[_i].oidc_accepts;
    int rc;

    sso_init(&f, SSO_SESSION_CONFIG);
    if (sso_refresh_cases[_i].oidc_accepts)
        snprintf(f.srv.oidc_refresh, sizeof(f.srv.oidc_refresh), "old" MARK "refresh");
    sso_cache_refreshable(&f, NOW + sso_refresh_cases[_i].offset,
                          NOW + sso_refresh_cases[_i].reg_offset);
    rc = fx_resolve(&f, &c, &err);
    ck_assert_int_eq(f.srv.n_oidc, sso_refresh_cases[_i].n_oidc);
    if (sso_refresh_cases[_i].want_err == NULL) {
        ck_assert_sgn_ok(rc, &err);
        ck_assert_str_eq(c.access_key_id, "ASIASSOROLE12345");
        ck_assert_int_eq(f.srv.n_sso, 1);
        sgn_aws_creds_free(&c);
    } else {
        ck_assert_int_lt(rc, 0);
        assert_has(err.msg, sso_refresh_cases[_i].want_err);
        assert_has(err.msg, SSO_SESSION_CACHE);
        ck_assert_int_eq(f.srv.n_sso, 0);
    }
    ck_assert_sgn_ok(sgn_read_file(&saved, fx_path(&f, SSO_SESSION_CACHE), 4096, &err), &err);
    ck_assert_int_eq(stat(fx_path(&f, SSO_SESSION_CACHE), &st), 0);
    if (refreshed) {
        /* NOW + expiresIn 3600; the other members kept; mode 0600 */
        assert_has(sgn_buf_cstr(&saved), "\"expiresAt\":\"2023-11-14T23:13:20Z\"");
        assert_has(sgn_buf_cstr(&saved), "\"accessToken\":\"oidc" MARK "access\"");
        assert_has(sgn_buf_cstr(&saved), "\"refreshToken\":\"oidc" MARK "refresh\"");
        assert_has(sgn_buf_cstr(&saved), "\"clientSecret\":\"client" MARK "\"");
        assert_has(sgn_buf_cstr(&saved), "\"startUrl\":\"https://example.awsapps.com/start\"");
        ck_assert_int_eq(st.st_mode & 0777, 0600);
    } else {
        assert_has(sgn_buf_cstr(&saved), "\"accessToken\": \"sso" MARK "token\"");
        ck_assert_int_eq(st.st_mode & 0777, 0644);
    }
    sgn_buf_clear_free(&saved);
    fx_free(&f);
}
END_TEST

/* The legacy form is never refreshed, whatever the cache holds. */
START_TEST(test_sso_legacy_not_refreshed)
{
    fx f;
    sgn_error err = SGN_ERROR_INIT;
    sgn_aws_creds c = SGN_AWS_CREDS_INIT;
    char when[32], text[1024];

    sso_init(&f, SSO_LEGACY_CONFIG);
    snprintf(f.srv.oidc_refresh, sizeof(f.srv.oidc_refresh), "old" MARK "refresh");
    sgn_time_format_rfc3339(when, NOW - 60);
    snprintf(text, sizeof(text),
             "{\"accessToken\": \"sso" MARK "token\", \"expiresAt\": \"%s\", "
             "\"refreshToken\": \"old" MARK "refresh\", \"clientId\": \"client-1\", "
             "\"clientSecret\": \"client" MARK "\"}",
             when);
    fx_write(&f, SSO_LEGACY_CACHE, text, 0600);
    ck_assert_int_eq(fx_resolve(&f, &c, &err), SGN_EINVALID);
    assert_has(err.msg, "legacy sso_start_url form is never refreshed");
    assert_has(err.msg, "run `aws sso login --profile sso`");
    ck_assert_int_eq(f.srv.n_oidc, 0);
    fx_free(&f);
}
END_TEST

/* Incomplete configuration names the missing key (validateSSOConfiguration). */
static const struct {
    const char *config, *want;
} sso_config_cases[] = {
    {"[profile sso]\nsso_session = corp\nsso_account_id = 1\nsso_role_name = Dev\n",
     "missing required configuration: sso-session"},
    {"[profile sso]\nsso_session = corp\nsso_account_id = 1\nsso_role_name = Dev\n"
     "[sso-session corp]\nsso_region = us-east-1\n",
     "missing required configuration: sso_start_url"},
    {"[profile sso]\nsso_session = corp\nsso_role_name = Dev\n"
     "[sso-session corp]\nsso_region = us-east-1\nsso_start_url = https://x/start\n",
     "missing required configuration: sso_account_id"},
    {"[profile sso]\nsso_start_url = https://x/start\nsso_account_id = 1\nsso_role_name = Dev\n",
     "missing required configuration: sso_region"},
    {"[profile sso]\nsso_region = us-east-1\n",
     "missing required configuration: sso_start_url, sso_account_id, sso_role_name"},
    {"[profile sso]\nsso_session = corp\nsso_region = eu-west-1\nsso_account_id = 1\n"
     "sso_role_name = Dev\n[sso-session corp]\nsso_region = us-east-1\n"
     "sso_start_url = https://x/start\n",
     "sso_region in profile \"sso\" must match sso_region in sso-session corp"},
};

START_TEST(test_sso_config_incomplete)
{
    fx f;
    sgn_error err = SGN_ERROR_INIT;
    sgn_aws_creds c = SGN_AWS_CREDS_INIT;

    sso_init(&f, sso_config_cases[_i].config);
    ck_assert_int_eq(fx_resolve(&f, &c, &err), SGN_EINVALID);
    assert_has(err.msg, sso_config_cases[_i].want);
    ck_assert_int_eq(f.srv.n_sso, 0);
    fx_free(&f);
}
END_TEST

/* ---- web identity ------------------------------------------------------------------------- */

START_TEST(test_web_identity_env)
{
    fx f;
    sgn_error err = SGN_ERROR_INIT;
    sgn_aws_creds c = SGN_AWS_CREDS_INIT;

    fx_init(&f, 1);
    fx_write(&f, "token", "jwt" MARK "one\n", 0600);
    snprintf(f.srv.web_token, sizeof(f.srv.web_token), "jwt" MARK "one");
    fx_set(&f, "AWS_WEB_IDENTITY_TOKEN_FILE", fx_path(&f, "token"));
    fx_set(&f, "AWS_ROLE_ARN", "arn:aws:iam::123456789012:role/irsa");
    ck_assert_sgn_ok(fx_resolve(&f, &c, &err), &err);
    ck_assert_str_eq(c.access_key_id, "ASIAWEBIDENTITY1");
    ck_assert_int_eq(f.srv.sts_unsigned_web, 1);
    assert_has(c.source, "web identity");
    sgn_aws_creds_free(&c);

    /* the token file is read on every resolution */
    fx_write(&f, "token", "jwt" MARK "two", 0600);
    ck_assert_int_eq(fx_resolve(&f, &c, &err), SGN_EDENIED);
    assert_has(err.msg, "web identity (AWS_ROLE_ARN=arn:aws:iam::123456789012:role/irsa): "
                        "STS AssumeRoleWithWebIdentity failed: InvalidIdentityToken: "
                        "Incorrect token audience");
    assert_has(err.msg, "request id req-1234");
    sgn_error_clear(&err);

    /* a missing token file */
    fx_set(&f, "AWS_WEB_IDENTITY_TOKEN_FILE", fx_path(&f, "missing"));
    ck_assert_int_eq(fx_resolve(&f, &c, &err), SGN_EINVALID);
    assert_has(err.msg, "web identity (AWS_WEB_IDENTITY_TOKEN_FILE=");
    assert_has(err.msg, "cannot read the token file");
    fx_free(&f);
}
END_TEST

START_TEST(test_web_identity_profile)
{
    fx f;
    sgn_error err = SGN_ERROR_INIT;
    sgn_aws_creds c = SGN_AWS_CREDS_INIT;
    char cfg[1024];

    fx_init(&f, 1);
    fx_write(&f, "token", "jwt" MARK "one", 0600);
    snprintf(f.srv.web_token, sizeof(f.srv.web_token), "jwt" MARK "one");
    snprintf(cfg, sizeof(cfg),
             "[profile wi]\nrole_arn = arn:aws:iam::123456789012:role/wi\n"
             "web_identity_token_file = %s\nrole_session_name = mysession\n",
             fx_path(&f, "token"));
    fx_write(&f, "config", cfg, 0600);
    fx_set(&f, "AWS_PROFILE", "wi");
    ck_assert_sgn_ok(fx_resolve(&f, &c, &err), &err);
    ck_assert_str_eq(c.access_key_id, "ASIAWEBIDENTITY1");
    sgn_aws_creds_free(&c);
    fx_free(&f);
}
END_TEST

/* ---- IMDS --------------------------------------------------------------------------------- */

START_TEST(test_imds_v2)
{
    fx f;
    sgn_error err = SGN_ERROR_INIT;
    sgn_aws_creds c = SGN_AWS_CREDS_INIT;

    fx_init(&f, 1);
    ck_assert_sgn_ok(fx_resolve(&f, &c, &err), &err);
    ck_assert_str_eq(c.access_key_id, "ASIAIMDSROLE1234");
    ck_assert_str_eq(c.session_token, "imds" MARK "token");
    assert_has(c.source, "EC2 instance metadata (http://127.0.0.1:");
    ck_assert_int_eq(f.srv.imds_put_had_ttl, 1);
    ck_assert_int_eq(f.srv.imds_get_had_token, 1);
    ck_assert_int_eq(f.srv.imds_get_without_token, 0);
    sgn_aws_creds_free(&c);
    fx_free(&f);
}
END_TEST

START_TEST(test_imds_v1_fallback)
{
    fx f;
    sgn_error err = SGN_ERROR_INIT;
    sgn_aws_creds c = SGN_AWS_CREDS_INIT;

    fx_init(&f, 1);
    f.srv.imds_token_status = 405;
    ck_assert_sgn_ok(fx_resolve(&f, &c, &err), &err);
    ck_assert_str_eq(c.access_key_id, "ASIAIMDSROLE1234");
    ck_assert_int_eq(f.srv.imds_get_without_token, 1);
    ck_assert_int_eq(f.srv.imds_get_had_token, 0);
    sgn_aws_creds_free(&c);

    fx_set(&f, "AWS_EC2_METADATA_V1_DISABLED", "true");
    ck_assert_int_eq(fx_resolve(&f, &c, &err), SGN_EINVALID);
    assert_has(err.msg, "EC2 instance metadata (http://127.0.0.1:");
    assert_has(err.msg, "HTTP 405");
    assert_has(err.msg, "AWS_EC2_METADATA_V1_DISABLED");
    fx_free(&f);
}
END_TEST

/* ---- container ---------------------------------------------------------------------------- */

START_TEST(test_container_token_file_rotation)
{
    fx f;
    sgn_error err = SGN_ERROR_INIT;
    sgn_aws_creds c = SGN_AWS_CREDS_INIT;
    char url[128];

    fx_init(&f, 1);
    snprintf(url, sizeof(url), "http://127.0.0.1:%u/creds", f.srv.port);
    fx_set(&f, "AWS_CONTAINER_CREDENTIALS_FULL_URI", url);
    fx_set(&f, "AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE", fx_path(&f, "ctoken"));
    fx_set(&f, "AWS_CONTAINER_AUTHORIZATION_TOKEN", "env" MARK "unused");
    fx_write(&f, "ctoken", "pod" MARK "A\n", 0600);
    snprintf(f.srv.container_token, sizeof(f.srv.container_token), "pod" MARK "A");
    ck_assert_sgn_ok(fx_resolve(&f, &c, &err), &err);
    ck_assert_str_eq(c.access_key_id, "ASIACONTAINER123");
    ck_assert_str_eq(c.account_id, "123456789012");
    assert_has(c.source, "container credentials (http://127.0.0.1:");
    sgn_aws_creds_free(&c);

    /* the agent rotates the token: the next fetch reads the new one */
    fx_write(&f, "ctoken", "pod" MARK "B", 0600);
    snprintf(f.srv.container_token, sizeof(f.srv.container_token), "pod" MARK "B");
    ck_assert_sgn_ok(fx_resolve(&f, &c, &err), &err);
    ck_assert_str_eq(f.srv.last_container_auth, "pod" MARK "B");
    sgn_aws_creds_free(&c);

    /* a stale token is refused by the endpoint and the error names the source */
    snprintf(f.srv.container_token, sizeof(f.srv.container_token), "pod" MARK "C");
    ck_assert_int_eq(fx_resolve(&f, &c, &err), SGN_EDENIED);
    assert_has(err.msg, "container credentials (http://127.0.0.1:");
    assert_has(err.msg, "HTTP 401: bad token");
    sgn_error_clear(&err);

    /* the variable is used when there is no file; line breaks are refused */
    fx_set(&f, "AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE", "");
    fx_set(&f, "AWS_CONTAINER_AUTHORIZATION_TOKEN", "env" MARK "tok");
    snprintf(f.srv.container_token, sizeof(f.srv.container_token), "env" MARK "tok");
    ck_assert_sgn_ok(fx_resolve(&f, &c, &err), &err);
    sgn_aws_creds_free(&c);
    fx_set(&f, "AWS_CONTAINER_AUTHORIZATION_TOKEN", "env" MARK "tok\r\nX-Injected: 1");
    ck_assert_int_eq(fx_resolve(&f, &c, &err), SGN_EINVALID);
    assert_has(err.msg, "line break");
    fx_free(&f);
}
END_TEST

START_TEST(test_container_refused_url)
{
    fx f;
    sgn_error err = SGN_ERROR_INIT;
    sgn_aws_creds c = SGN_AWS_CREDS_INIT;

    fx_init(&f, 0);
    fx_set(&f, "AWS_CONTAINER_CREDENTIALS_FULL_URI", "http://example.com/creds");
    ck_assert_int_eq(fx_resolve(&f, &c, &err), SGN_EINVALID);
    assert_has(err.msg, "container credentials (http://example.com/creds)");
    assert_has(err.msg, "refused");
    ck_assert_int_eq(f.have_server, 0);
    fx_free(&f);
}
END_TEST

static const struct {
    const char *url;
    int ok;
} url_cases[] = {
    {"https://example.com/creds", 1},
    {"http://127.0.0.1:8080/creds", 1},
    {"http://127.1.2.3/creds", 1},
    {"http://localhost/creds", 1},
    {"http://[::1]:80/creds", 1},
    {"http://169.254.170.2/v2/credentials/x", 1},
    {"http://169.254.170.23/v1/credentials", 1},
    {"http://[fd00:ec2::23]/v1/credentials", 1},
    {"http://example.com/creds", 0},
    {"http://169.254.169.254/creds", 0},
    {"http://128.0.0.1/creds", 0},
    {"http://127.0.0.1.example.com/creds", 0},
    {"ftp://127.0.0.1/creds", 0},
    {"not a url", 0},
};

START_TEST(test_container_url_allowed)
{
    ck_assert_msg(sgn_aws_container_url_allowed(url_cases[_i].url) == url_cases[_i].ok, "%s",
                  url_cases[_i].url);
}
END_TEST

/* ---- credential_process ------------------------------------------------------------------- */

static const struct {
    const char *script;
    int rc;
    const char *want;       /* in the access key id on success, in the message on failure */
} process_cases[] = {
    {"#!/bin/sh\necho '{\"Version\": 1, \"AccessKeyId\": \"AKIDPROCESS12345\", "
     "\"SecretAccessKey\": \"proc" MARK "key\", \"SessionToken\": \"proc" MARK "tok\", "
     "\"Expiration\": \"2100-01-01T00:00:00+00:00\"}'\n",
     SGN_OK, "AKIDPROCESS12345"},
    {"#!/bin/sh\necho 'access denied by corp SSO' >&2\nexit 3\n", SGN_EINVALID,
     "credential_process of profile \"proc\": "},
    {"#!/bin/sh\necho 'not json'\n", SGN_EINVALID, "not a JSON object"},
    {"#!/bin/sh\necho '{\"Version\": 2, \"AccessKeyId\": \"A\", \"SecretAccessKey\": \"B\"}'\n",
     SGN_EINVALID, "Version is not 1"},
    {"#!/bin/sh\necho '{\"Version\": 1, \"AccessKeyId\": \"AKIDPROCESS12345\", "
     "\"SecretAccessKey\": \"proc" MARK "key\", \"Expiration\": \"2020-01-01T00:00:00Z\"}'\n",
     SGN_EINVALID, "expired at 2020-01-01"},
    {"#!/bin/sh\nexec sleep 20\n", SGN_ETIMEOUT, "did not finish within"},
};

START_TEST(test_credential_process)
{
    fx f;
    sgn_error err = SGN_ERROR_INIT;
    sgn_aws_creds c = SGN_AWS_CREDS_INIT;
    char cfg[1024];
    time_t t0;
    int rc;

    fx_init(&f, 0);
    fx_write(&f, "my helper", process_cases[_i].script, 0700);
    /* a path with a space, quoted as the SDKs split it, plus an argument */
    snprintf(cfg, sizeof(cfg), "[profile proc]\ncredential_process = \"%s\" --flag\n",
             fx_path(&f, "my helper"));
    fx_write(&f, "config", cfg, 0600);
    fx_set(&f, "AWS_PROFILE", "proc");
    f.budget_ms = 1500;
    t0 = time(NULL);
    rc = fx_resolve(&f, &c, &err);
    ck_assert_msg(rc == process_cases[_i].rc, "rc %d: %s", rc, err.msg);
    ck_assert_int_lt(time(NULL) - t0, 10);
    if (rc == SGN_OK) {
        ck_assert_str_eq(c.access_key_id, process_cases[_i].want);
        ck_assert_str_eq(c.session_token, "proc" MARK "tok");
        ck_assert_int_eq(c.expiration, INT64_C(4102444800));
        ck_assert_str_eq(c.source, "credential_process of profile \"proc\"");
    } else {
        assert_has(err.msg, process_cases[_i].want);
    }
    if (_i == 1) {
        assert_has(err.msg, "exited with status 3");
        assert_has(err.msg, "access denied by corp SSO");
    }
    sgn_aws_creds_free(&c);
    fx_free(&f);
}
END_TEST

START_TEST(test_credential_process_not_found)
{
    fx f;
    sgn_error err = SGN_ERROR_INIT;
    sgn_aws_creds c = SGN_AWS_CREDS_INIT;

    fx_init(&f, 0);
    fx_write(&f, "config", "[profile proc]\ncredential_process = /nonexistent/helper\n", 0600);
    fx_set(&f, "AWS_PROFILE", "proc");
    ck_assert_int_eq(fx_resolve(&f, &c, &err), SGN_EINVALID);
    assert_has(err.msg, "cannot run /nonexistent/helper");
    fx_free(&f);
}
END_TEST

static const struct {
    const char *cmd;
    const char *argv[5];    /* NULL-terminated; argv[0] NULL: an error */
} split_cases[] = {
    {"helper", {"helper", NULL}},
    {"  /usr/bin/helper  --a b\t c ", {"/usr/bin/helper", "--a", "b", "c", NULL}},
    {"\"/path with/space\" 'single quoted' x", {"/path with/space", "single quoted", "x", NULL}},
    {"a\\ b \"q\\\"uote\" 'no\\escape'", {"a b", "q\"uote", "no\\escape", NULL}},
    {"pre\"mid\"post 'a'\"b\"", {"premidpost", "ab", NULL}},
    {"\"\" x", {"", "x", NULL}},
    {"\"unterminated", {NULL}},
    {"'unterminated", {NULL}},
    {"   ", {NULL}},
    {"trailing\\", {NULL}},
};

START_TEST(test_split_command)
{
    sgn_error err = SGN_ERROR_INIT;
    char **argv = NULL;
    int i, rc = sgn_aws_split_command(&argv, split_cases[_i].cmd, &err);

    if (split_cases[_i].argv[0] == NULL) {
        ck_assert_int_eq(rc, SGN_EINVALID);
        ck_assert_ptr_null(argv);
        return;
    }
    ck_assert_sgn_ok(rc, &err);
    for (i = 0; split_cases[_i].argv[i] != NULL; i++) {
        ck_assert_ptr_nonnull(argv[i]);
        ck_assert_str_eq(argv[i], split_cases[_i].argv[i]);
    }
    ck_assert_ptr_null(argv[i]);
    sgn_aws_argv_free(argv);
}
END_TEST

static Suite *aws_creds_suite(void)
{
    Suite *s = suite_create("aws_creds");
    TCase *tc = tcase_create("core");

    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, test_env_keys);
    tcase_add_test(tc, test_env_beats_aws_profile);
    tcase_add_test(tc, test_profile_static_keys);
    tcase_add_test(tc, test_profile_missing);
    tcase_add_test(tc, test_nothing_found);
    tcase_add_test(tc, test_nothing_found_imds_refused);
    tcase_add_test(tc, test_imds_retry_classification);
    tcase_add_test(tc, test_source_profile_assume_role);
    tcase_add_test(tc, test_source_profile_loop);
    tcase_add_test(tc, test_credential_source_environment);
    tcase_add_loop_test(tc, test_sso_cache_path, 0, N(sso_cache_cases));
    tcase_add_test(tc, test_sso_session_profile);
    tcase_add_test(tc, test_sso_legacy_profile);
    tcase_add_loop_test(tc, test_sso_token_expiry, 0, N(sso_expiry_cases));
    tcase_add_test(tc, test_sso_token_missing);
    tcase_add_test(tc, test_sso_token_rejected);
    tcase_add_loop_test(tc, test_sso_refresh_due, 0, N(sso_window_cases));
    tcase_add_loop_test(tc, test_sso_refresh, 0, N(sso_refresh_cases));
    tcase_add_test(tc, test_sso_legacy_not_refreshed);
    tcase_add_loop_test(tc, test_sso_config_incomplete, 0, N(sso_config_cases));
    tcase_add_test(tc, test_web_identity_env);
    tcase_add_test(tc, test_web_identity_profile);
    tcase_add_test(tc, test_imds_v2);
    tcase_add_test(tc, test_imds_v1_fallback);
    tcase_add_test(tc, test_container_token_file_rotation);
    tcase_add_test(tc, test_container_refused_url);
    tcase_add_loop_test(tc, test_container_url_allowed, 0, N(url_cases));
    tcase_add_loop_test(tc, test_credential_process, 0, N(process_cases));
    tcase_add_test(tc, test_credential_process_not_found);
    tcase_add_loop_test(tc, test_split_command, 0, N(split_cases));
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    return sgn_check_run(aws_creds_suite());
}
