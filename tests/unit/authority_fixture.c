#define _XOPEN_SOURCE 700 /* nftw */
/* The fixture shared by the local Signer's unit tests: a fresh store in a temporary directory
 * with a pinned clock, and helpers for profiles, SignPayload and GetRevocationStatus. */
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "authority_fixture.h"
#include "sgn/util.h"
#include "sgn/x509.h"

int64_t pinned_now = T0;
int64_t pinned(void *ctx)
{
    (void)ctx;
    return pinned_now;
}

char store_dir[256];
sgn_authority *auth;

static int rm_entry(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
    (void)sb;
    (void)flag;
    (void)ftw;
    return remove(path);
}

void rm_tree(const char *dir)
{
    nftw(dir, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
}

void setup(void)
{
    sgn_error err = SGN_ERROR_INIT;
    sgn_authority_opts opts = {.create = 1, .clock = pinned};

    pinned_now = T0;
    snprintf(store_dir, sizeof(store_dir), "/tmp/sgn-authority-XXXXXX");
    ck_assert_ptr_nonnull(mkdtemp(store_dir));
    strcat(store_dir, "/store");
    ck_assert_sgn_ok(sgn_authority_open(&auth, store_dir, &opts, &err), &err);
}

void teardown(void)
{
    char *slash;

    sgn_authority_close(auth);
    auth = NULL;
    slash = strrchr(store_dir, '/');
    *slash = '\0';
    nftw(store_dir, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
}

cJSON *obj(const char *json)
{
    cJSON *o = cJSON_Parse(json);
    ck_assert_ptr_nonnull(o);
    return o;
}

const char *str(const cJSON *o, const char *name)
{
    const char *s = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(o, name));
    ck_assert_msg(s != NULL, "member %s missing", name);
    return s;
}

/* Put a Notation profile; returns its version (static buffer). */
const char *put_profile(const char *name)
{
    static char version[11];
    sgn_error err = SGN_ERROR_INIT;
    char json[256];
    cJSON *in, *out = NULL;

    snprintf(json, sizeof(json),
             "{\"profileName\":\"%s\",\"platformId\":\"Notation-OCI-SHA384-ECDSA\"}", name);
    in = obj(json);
    ck_assert_sgn_ok(sgn_authority_put_signing_profile(auth, in, &out, &err), &err);
    snprintf(version, sizeof(version), "%s", str(out, "profileVersion"));
    cJSON_Delete(in);
    cJSON_Delete(out);
    return version;
}

const char *const payload_b64 =
    "eyJ0YXJnZXRBcnRpZmFjdCI6eyJtZWRpYVR5cGUiOiJhcHBsaWNhdGlvbi92bmQub2NpLmltYWdlLm1hbmlmZXN0"
    "LnYxK2pzb24iLCJkaWdlc3QiOiJzaGEyNTY6YWJjIiwic2l6ZSI6MTB9fQ==";

/* SignPayload; returns the response (caller frees) or NULL with err set. */
cJSON *sign(const char *name, const char *type, sgn_error *err)
{
    char json[512];
    cJSON *in, *out = NULL;

    snprintf(json, sizeof(json),
             "{\"profileName\":\"%s\",\"payload\":\"%s\",\"payloadFormat\":"
             "\"application/vnd.cncf.notary.payload.v1+json\"%s%s%s}",
             name, payload_b64, type ? ",\"signatureEnvelopeType\":\"" : "", type ? type : "",
             type ? "\"" : "");
    in = obj(json);
    if (sgn_authority_sign_payload(auth, in, &out, err) < 0)
        out = NULL;
    cJSON_Delete(in);
    return out;
}

/* Parse the envelope of a SignPayload response and return its info. */
void open_envelope(sgn_envelope_info *info, const cJSON *res, const char *type)
{
    sgn_error err = SGN_ERROR_INIT;
    const char *b64 = str(res, "signature");
    unsigned char *env = NULL;
    size_t len = 0;

    ck_assert_sgn_ok(sgn_b64_decode(&env, &len, b64, strlen(b64), &err), &err);
    ck_assert_sgn_ok(sgn_envelope_verify(info, type, env, len, &err), &err);
    free(env);
}

const char *ext(const sgn_envelope_info *info, const char *key)
{
    size_t i;

    for (i = 0; i < info->n_extended; i++)
        if (strcmp(info->extended[i].key, key) == 0)
            return info->extended[i].value;
    return NULL;
}

/* GetRevocationStatus for an envelope; returns the number of revoked entities. */
int revocation_count_on(sgn_authority *a, const sgn_envelope_info *info, int64_t ts,
                        cJSON **out_list, sgn_error *err)
{
    sgn_strlist hashes = SGN_STRLIST_INIT;
    cJSON *in = NULL, *out = NULL, *arr;
    size_t i;
    int n = -1;

    if (out_list)
        *out_list = NULL;
    if (sgn_x509_chain_hashes(&hashes, (const unsigned char *const *)info->certs, info->cert_lens,
                              info->n_certs, err) < 0)
        goto out;
    in = cJSON_CreateObject();
    cJSON_AddNumberToObject(in, "signatureTimestamp", (double)ts);
    cJSON_AddStringToObject(in, "platformId", "Notation-OCI-SHA384-ECDSA");
    cJSON_AddStringToObject(in, "profileVersionArn", ext(info, SGN_ATTR_PROFILE_VERSION));
    cJSON_AddStringToObject(in, "jobArn", ext(info, SGN_ATTR_SIGNING_JOB));
    arr = cJSON_AddArrayToObject(in, "certificateHashes");
    for (i = 0; i < hashes.len; i++)
        cJSON_AddItemToArray(arr, cJSON_CreateString(hashes.items[i]));
    if (sgn_authority_get_revocation_status(a, in, &out, err) < 0)
        goto out;
    n = cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(out, "revokedEntities"));
    if (out_list) {
        *out_list = out;
        out = NULL;
    }
out:
    cJSON_Delete(in);
    cJSON_Delete(out);
    sgn_strlist_free(&hashes);
    return n;
}

int revocation_count(const sgn_envelope_info *info, int64_t ts, cJSON **out_list)
{
    sgn_error err = SGN_ERROR_INIT;
    int n = revocation_count_on(auth, info, ts, out_list, &err);

    ck_assert_msg(n >= 0, "GetRevocationStatus failed: %s", err.msg);
    return n;
}

int op(sgn_op_fn fn, const char *json, cJSON **out, sgn_error *err)
{
    cJSON *in = json ? obj(json) : NULL;
    int rc;

    *out = NULL;
    memset(err, 0, sizeof(*err));
    rc = fn(auth, in, out, err);
    cJSON_Delete(in);
    if (rc < 0) {
        cJSON_Delete(*out);
        *out = NULL;
    }
    return rc;
}

int op_ok(sgn_op_fn fn, const char *json)
{
    sgn_error err = SGN_ERROR_INIT;
    cJSON *out = NULL;
    int rc = op(fn, json, &out, &err);

    ck_assert_msg(rc == SGN_OK, "%s failed: %s", json ? json : "(no input)", err.msg);
    cJSON_Delete(out);
    return rc;
}

void as_caller(const char *principal)
{
    sgn_error err = SGN_ERROR_INIT;
    char account[13];
    sgn_caller c = {account, principal};

    if (principal == NULL) {
        ck_assert_sgn_ok(sgn_authority_set_caller(auth, NULL, &err), &err);
        return;
    }
    ck_assert_uint_ge(strlen(principal), 25);
    memcpy(account, principal + 13, 12); /* arn:aws:iam::<account>: */
    account[12] = '\0';
    ck_assert_sgn_ok(sgn_authority_set_caller(auth, &c, &err), &err);
}
