/* Unit tests for core/envelope: JWS and COSE signing, parsing and notation-go's header rules.
 * Every time is pinned. */
#define _GNU_SOURCE /* memmem */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cbor.h>
#include <cjson/cJSON.h>
#include <openssl/evp.h>

#include "sgn/buf.h"
#include "sgn/crypto.h"
#include "sgn/envelope.h"
#include "sgn/util.h"
#include "sgn/x509.h"
#include "sgn_check.h"

#define T0 INT64_C(1700000000) /* 2023-11-14T22:13:20Z */
#define DAY INT64_C(86400)
#define YEAR (365 * DAY)
#define CTY "application/vnd.cncf.notary.payload.v1+json"
#define PAYLOAD                                                                                \
    "{\"targetArtifact\":{\"mediaType\":\"application/vnd.oci.image.manifest.v1+json\","       \
    "\"digest\":\"sha256:73c803930ea3ba1e54bc25c2bdc53edd0284c62ed651fe7b00369da519a3c333\","  \
    "\"size\":1024}}"
#define PROFILE_ARN "arn:aws:signer:local:000000000000:/signing-profiles/demo/AbCdEf1234"
#define JOB_ARN "arn:aws:signer:local:000000000000:/signing-jobs/8c1f1e4e-4c6b-4a43-9a41-0f9d"
#define AGENT "notation-go/1.3.0 com.amazonaws.signer.notation.plugin/1.1.0"

#define N(a) ((int)(sizeof(a) / sizeof((a)[0])))

static const char *const formats[] = {SGN_ENVELOPE_JWS, SGN_ENVELOPE_COSE};

static const sgn_kv extended[] = {
    {SGN_ATTR_VERIFICATION_PLUGIN, SGN_PLUGIN_NAME},
    {SGN_ATTR_PROFILE_VERSION, PROFILE_ARN},
    {SGN_ATTR_SIGNING_JOB, JOB_ARN},
};

/* ---- fixture: a P-384 root -> CA -> leaf chain -------------------------------------------- */

typedef struct pki {
    EVP_PKEY *keys[3]; /* leaf, ca, root */
    X509 *chain[3];    /* leaf, ca, root */
    unsigned char *der[3];
    size_t der_len[3];
} pki;

static void pki_make(pki *p)
{
    sgn_error err = SGN_ERROR_INIT;
    sgn_cert_spec root = {SGN_CERT_ROOT, "C=US,O=Test,CN=Test Root", T0, T0 + 20 * YEAR, 1};
    sgn_cert_spec ca = {SGN_CERT_CA, "C=US,O=Test,CN=Test CA", T0, T0 + 10 * YEAR, 0};
    sgn_cert_spec leaf = {SGN_CERT_LEAF,
                          "C=US,ST=WA,L=Seattle,O=AWS,OU=AWS Cryptography,CN=AWS Signer", T0,
                          T0 + 3 * DAY, -1};
    int i;

    memset(p, 0, sizeof(*p));
    for (i = 0; i < 3; i++)
        ck_assert_sgn_ok(sgn_crypto_generate_p384(&p->keys[i], &err), &err);
    ck_assert_sgn_ok(sgn_x509_issue(&p->chain[2], &root, p->keys[2], NULL, NULL, &err), &err);
    ck_assert_sgn_ok(sgn_x509_issue(&p->chain[1], &ca, p->keys[1], p->chain[2], p->keys[2], &err),
                     &err);
    ck_assert_sgn_ok(
        sgn_x509_issue(&p->chain[0], &leaf, p->keys[0], p->chain[1], p->keys[1], &err), &err);
    for (i = 0; i < 3; i++)
        ck_assert_sgn_ok(sgn_x509_to_der(&p->der[i], &p->der_len[i], p->chain[i], &err), &err);
}

static void pki_free(pki *p)
{
    int i;

    for (i = 0; i < 3; i++) {
        EVP_PKEY_free(p->keys[i]);
        X509_free(p->chain[i]);
        free(p->der[i]);
    }
}

static sgn_sig_attrs attrs_authority(void)
{
    sgn_sig_attrs a = {SGN_SCHEME_SIGNING_AUTHORITY, T0, T0 + YEAR, extended, N(extended), AGENT};

    return a;
}

static sgn_sig_attrs attrs_x509(void)
{
    sgn_sig_attrs a = {SGN_SCHEME_X509, T0, 0, NULL, 0, NULL};

    return a;
}

static void sign_n(sgn_buf *out, const char *type, const sgn_sig_attrs *a, pki *p, size_t n)
{
    sgn_error err = SGN_ERROR_INIT;

    ck_assert_sgn_ok(sgn_envelope_sign(out, type, (const unsigned char *)PAYLOAD,
                                       strlen(PAYLOAD), a, p->keys[0], p->chain, n, &err),
                     &err);
}

static void sign(sgn_buf *out, const char *type, const sgn_sig_attrs *a, pki *p)
{
    sign_n(out, type, a, p, 3);
}

/* ---- round trips -------------------------------------------------------------------------- */

START_TEST(test_round_trip_authority)
{
    sgn_error err = SGN_ERROR_INIT;
    const char *type = formats[_i];
    sgn_sig_attrs a = attrs_authority();
    sgn_envelope_info info;
    sgn_buf env = SGN_BUF_INIT;
    pki p;
    static const char *const crit[] = {
        "io.cncf.notary.signingScheme", "io.cncf.notary.authenticSigningTime",
        "io.cncf.notary.expiry", SGN_ATTR_VERIFICATION_PLUGIN, SGN_ATTR_PROFILE_VERSION,
        SGN_ATTR_SIGNING_JOB};
    size_t i;

    pki_make(&p);
    sign(&env, type, &a, &p);
    ck_assert_sgn_ok(sgn_envelope_verify(&info, type, env.data, env.len, &err), &err);
    ck_assert_uint_eq(info.payload_len, strlen(PAYLOAD));
    ck_assert_mem_eq(info.payload, PAYLOAD, strlen(PAYLOAD));
    ck_assert_str_eq(info.content_type, CTY);
    ck_assert_str_eq(info.alg, "ES384");
    ck_assert_str_eq(info.signing_scheme, SGN_SCHEME_SIGNING_AUTHORITY);
    ck_assert_int_eq(info.signing_time, T0);
    ck_assert_int_eq(info.authentic, 1);
    ck_assert_int_eq(info.expiry, T0 + YEAR);
    /* in header order: as given for JWS, core deterministic key order for COSE */
    ck_assert_uint_eq(info.n_extended, 3);
    for (i = 0; i < 3; i++) {
        size_t j = _i == 0 ? i : (size_t[]){2, 0, 1}[i];

        ck_assert_str_eq(info.extended[i].key, extended[j].key);
        ck_assert_str_eq(info.extended[i].value, extended[j].value);
    }
    ck_assert_uint_eq(info.crit.len, N(crit));
    for (i = 0; i < info.crit.len; i++)
        ck_assert_str_eq(info.crit.items[i], crit[i]);
    ck_assert_uint_eq(info.n_certs, 3);
    for (i = 0; i < 3; i++) {
        ck_assert_uint_eq(info.cert_lens[i], p.der_len[i]);
        ck_assert_mem_eq(info.certs[i], p.der[i], p.der_len[i]);
    }
    ck_assert_str_eq(info.signing_agent, AGENT);
    /* the chain the envelope carries passes notation's rules at the signing time */
    ck_assert_sgn_ok(sgn_x509_check_notation_chain(p.chain, 3, info.signing_time, &err), &err);
    sgn_envelope_info_free(&info);
    ck_assert_ptr_null(info.payload);
    sgn_buf_free(&env);
    pki_free(&p);
}
END_TEST

START_TEST(test_round_trip_x509)
{
    sgn_error err = SGN_ERROR_INIT;
    const char *type = formats[_i];
    sgn_sig_attrs a = attrs_x509();
    sgn_envelope_info info;
    sgn_buf env = SGN_BUF_INIT;
    pki p;

    pki_make(&p);
    sign(&env, type, &a, &p);
    ck_assert_sgn_ok(sgn_envelope_verify(&info, type, env.data, env.len, &err), &err);
    ck_assert_str_eq(info.signing_scheme, SGN_SCHEME_X509);
    ck_assert_int_eq(info.signing_time, T0);
    ck_assert_int_eq(info.authentic, 0);
    ck_assert_int_eq(info.expiry, 0);
    ck_assert_uint_eq(info.n_extended, 0);
    ck_assert_uint_eq(info.crit.len, 1);
    ck_assert_str_eq(info.crit.items[0], "io.cncf.notary.signingScheme");
    ck_assert_ptr_null(info.signing_agent);
    sgn_envelope_info_free(&info);
    sgn_buf_free(&env);
    pki_free(&p);
}
END_TEST

/* sgn_envelope_sign appends: existing contents stay in front. */
START_TEST(test_sign_appends)
{
    sgn_error err = SGN_ERROR_INIT;
    sgn_sig_attrs a = attrs_x509();
    sgn_envelope_info info;
    sgn_buf env = SGN_BUF_INIT;
    pki p;

    pki_make(&p);
    ck_assert_sgn_ok(sgn_buf_puts(&env, "prefix", &err), &err);
    sign(&env, formats[_i], &a, &p);
    ck_assert_mem_eq(env.data, "prefix", 6);
    ck_assert_sgn_ok(sgn_envelope_verify(&info, formats[_i], env.data + 6, env.len - 6, &err),
                     &err);
    sgn_envelope_info_free(&info);
    sgn_buf_free(&env);
    pki_free(&p);
}
END_TEST

/* ---- JWS layout --------------------------------------------------------------------------- */

static char *b64url_decode_str(const char *s)
{
    sgn_error err = SGN_ERROR_INIT;
    unsigned char *out = NULL;
    size_t n = 0;
    char *str;

    ck_assert_sgn_ok(sgn_b64url_decode(&out, &n, s, strlen(s), &err), &err);
    str = malloc(n + 1);
    memcpy(str, out, n);
    str[n] = '\0';
    free(out);
    return str;
}

static void assert_b64url_unpadded(const char *s)
{
    ck_assert_msg(strpbrk(s, "=+/") == NULL, "not unpadded base64url: %s", s);
}

START_TEST(test_jws_layout)
{
    static const char *const want_protected =
        "{\"alg\":\"ES384\",\"cty\":\"" CTY "\",\"crit\":[\"io.cncf.notary.signingScheme\","
        "\"io.cncf.notary.authenticSigningTime\",\"io.cncf.notary.expiry\","
        "\"io.cncf.notary.verificationPlugin\",\"com.amazonaws.signer.signingProfileVersion\","
        "\"com.amazonaws.signer.signingJob\"],"
        "\"io.cncf.notary.signingScheme\":\"notary.x509.signingAuthority\","
        "\"io.cncf.notary.authenticSigningTime\":\"2023-11-14T22:13:20Z\","
        "\"io.cncf.notary.expiry\":\"2024-11-13T22:13:20Z\","
        "\"io.cncf.notary.verificationPlugin\":\"com.amazonaws.signer.notation.plugin\","
        "\"com.amazonaws.signer.signingProfileVersion\":\"" PROFILE_ARN "\","
        "\"com.amazonaws.signer.signingJob\":\"" JOB_ARN "\"}";
    static const char *const top[] = {"payload", "protected", "header", "signature"};
    sgn_error err = SGN_ERROR_INIT;
    sgn_sig_attrs a = attrs_authority();
    sgn_buf env = SGN_BUF_INIT, input = SGN_BUF_INIT;
    cJSON *root, *it, *header, *x5c;
    char *prot, *payload;
    unsigned char *sig = NULL;
    size_t siglen = 0;
    int i;
    pki p;

    pki_make(&p);
    sign(&env, SGN_ENVELOPE_JWS, &a, &p);
    root = cJSON_ParseWithLength((const char *)env.data, env.len);
    ck_assert_ptr_nonnull(root);
    i = 0;
    cJSON_ArrayForEach(it, root) {
        ck_assert_int_lt(i, 4);
        ck_assert_str_eq(it->string, top[i++]);
    }
    ck_assert_int_eq(i, 4);

    it = cJSON_GetObjectItemCaseSensitive(root, "protected");
    assert_b64url_unpadded(it->valuestring);
    prot = b64url_decode_str(it->valuestring);
    ck_assert_str_eq(prot, want_protected);
    ck_assert_sgn_ok(sgn_buf_printf(&input, &err, "%s.", it->valuestring), &err);

    it = cJSON_GetObjectItemCaseSensitive(root, "payload");
    assert_b64url_unpadded(it->valuestring);
    payload = b64url_decode_str(it->valuestring);
    ck_assert_str_eq(payload, PAYLOAD); /* verbatim */
    ck_assert_sgn_ok(sgn_buf_puts(&input, it->valuestring, &err), &err);

    /* independent check: ES384 over ASCII(protected "." payload), raw r||s of 96 bytes */
    it = cJSON_GetObjectItemCaseSensitive(root, "signature");
    assert_b64url_unpadded(it->valuestring);
    ck_assert_sgn_ok(
        sgn_b64url_decode(&sig, &siglen, it->valuestring, strlen(it->valuestring), &err), &err);
    ck_assert_uint_eq(siglen, 96);
    ck_assert_sgn_ok(sgn_crypto_verify(p.keys[0], "SHA384", input.data, input.len, sig, siglen,
                                       &err),
                     &err);

    header = cJSON_GetObjectItemCaseSensitive(root, "header");
    ck_assert_ptr_nonnull(header);
    ck_assert_str_eq(cJSON_GetObjectItemCaseSensitive(header, "io.cncf.notary.signingAgent")
                         ->valuestring,
                     AGENT);
    x5c = cJSON_GetObjectItemCaseSensitive(header, "x5c");
    ck_assert_int_eq(cJSON_GetArraySize(x5c), 3);
    for (i = 0; i < 3; i++) {
        char *b64 = NULL;

        ck_assert_sgn_ok(sgn_b64_encode(&b64, p.der[i], p.der_len[i], &err), &err);
        ck_assert_str_eq(cJSON_GetArrayItem(x5c, i)->valuestring, b64); /* standard, padded */
        free(b64);
    }
    free(sig);
    free(prot);
    free(payload);
    cJSON_Delete(root);
    sgn_buf_free(&input);
    sgn_buf_free(&env);
    pki_free(&p);
}
END_TEST

START_TEST(test_jws_layout_x509)
{
    static const char *const want_protected =
        "{\"alg\":\"ES384\",\"cty\":\"" CTY "\",\"crit\":[\"io.cncf.notary.signingScheme\"],"
        "\"io.cncf.notary.signingScheme\":\"notary.x509\","
        "\"io.cncf.notary.signingTime\":\"2023-11-14T22:13:20Z\"}";
    sgn_sig_attrs a = attrs_x509();
    sgn_buf env = SGN_BUF_INIT;
    cJSON *root;
    char *prot;
    pki p;

    pki_make(&p);
    sign(&env, SGN_ENVELOPE_JWS, &a, &p);
    root = cJSON_ParseWithLength((const char *)env.data, env.len);
    prot = b64url_decode_str(cJSON_GetObjectItemCaseSensitive(root, "protected")->valuestring);
    ck_assert_str_eq(prot, want_protected);
    ck_assert_ptr_null(cJSON_GetObjectItemCaseSensitive(
        cJSON_GetObjectItemCaseSensitive(root, "header"), "io.cncf.notary.signingAgent"));
    free(prot);
    cJSON_Delete(root);
    sgn_buf_free(&env);
    pki_free(&p);
}
END_TEST

/* ---- COSE layout -------------------------------------------------------------------------- */

static int text_is(const cbor_item_t *it, const char *s)
{
    return cbor_isa_string(it) && cbor_string_length(it) == strlen(s) &&
           memcmp(cbor_string_handle(it), s, strlen(s)) == 0;
}

START_TEST(test_cose_layout)
{
    /* core deterministic order: 1, 2, 3, then text keys by encoded length, then bytes */
    static const char *const want_keys[] = {
        "1", "2", "3", "io.cncf.notary.expiry", "io.cncf.notary.signingScheme",
        "com.amazonaws.signer.signingJob", "io.cncf.notary.verificationPlugin",
        "io.cncf.notary.authenticSigningTime", "com.amazonaws.signer.signingProfileVersion"};
    static const unsigned char want_prefix[] = {0xA9, 0x01, 0x38, 0x22, 0x02, 0x86};
    sgn_error err = SGN_ERROR_INIT;
    sgn_sig_attrs a = attrs_authority();
    sgn_buf env = SGN_BUF_INIT;
    struct cbor_load_result res;
    cbor_item_t *msg, *prot, **parts, *chain = NULL;
    struct cbor_pair *pairs;
    unsigned char *tbs;
    size_t i, n, tbs_len, prot_len, payload_len, pos = 0;
    pki p;

    pki_make(&p);
    sign(&env, SGN_ENVELOPE_COSE, &a, &p);
    ck_assert_uint_eq(env.data[0], 0xD2); /* tag 18 */
    /* libcbor 0.8 cannot decode the one-byte tag 18: load the array after it */
    msg = cbor_load(env.data + 1, env.len - 1, &res);
    ck_assert_ptr_nonnull(msg);
    ck_assert_uint_eq(res.read, env.len - 1);
    ck_assert(cbor_isa_array(msg) && cbor_array_size(msg) == 4);
    parts = cbor_array_handle(msg);

    /* protected */
    prot_len = cbor_bytestring_length(parts[0]);
    ck_assert_mem_eq(cbor_bytestring_handle(parts[0]), want_prefix, sizeof(want_prefix));
    prot = cbor_load(cbor_bytestring_handle(parts[0]), prot_len, &res);
    ck_assert_ptr_nonnull(prot);
    ck_assert(cbor_isa_map(prot));
    n = cbor_map_size(prot);
    ck_assert_uint_eq(n, N(want_keys));
    pairs = cbor_map_handle(prot);
    for (i = 0; i < n; i++) {
        const cbor_item_t *k = pairs[i].key, *v = pairs[i].value;

        if (i < 3) {
            ck_assert(cbor_isa_uint(k));
            ck_assert_uint_eq(cbor_get_int(k), i + 1);
        } else {
            ck_assert_msg(text_is(k, want_keys[i]), "key %zu is not %s", i, want_keys[i]);
        }
        if (i == 0)
            ck_assert(cbor_isa_negint(v) && cbor_get_int(v) == 34); /* -35 */
        if (i == 1) {
            ck_assert_uint_eq(cbor_array_size(v), 6);
            ck_assert(text_is(cbor_array_handle(v)[0], "io.cncf.notary.signingScheme"));
            ck_assert(text_is(cbor_array_handle(v)[1], "io.cncf.notary.authenticSigningTime"));
            ck_assert(text_is(cbor_array_handle(v)[2], "io.cncf.notary.expiry"));
            ck_assert(text_is(cbor_array_handle(v)[5], SGN_ATTR_SIGNING_JOB));
        }
        if (i == 2)
            ck_assert(text_is(v, CTY));
        if (text_is(k, "io.cncf.notary.authenticSigningTime") ||
            text_is(k, "io.cncf.notary.expiry")) {
            cbor_item_t *t = cbor_tag_item(v);

            ck_assert(cbor_isa_tag(v) && cbor_tag_value(v) == 1);
            ck_assert(cbor_isa_uint(t));
            ck_assert_uint_eq(cbor_get_int(t),
                              text_is(k, "io.cncf.notary.expiry") ? T0 + YEAR : T0);
            cbor_decref(&t);
        }
        if (text_is(k, SGN_ATTR_PROFILE_VERSION))
            ck_assert(text_is(v, PROFILE_ARN));
    }

    /* unprotected: x5chain is an array of byte strings, then the signing agent */
    ck_assert(cbor_isa_map(parts[1]));
    ck_assert_uint_eq(cbor_map_size(parts[1]), 2);
    pairs = cbor_map_handle(parts[1]);
    for (i = 0; i < 2; i++)
        if (cbor_isa_uint(pairs[i].key) && cbor_get_int(pairs[i].key) == 33)
            chain = pairs[i].value;
        else
            ck_assert(text_is(pairs[i].key, "io.cncf.notary.signingAgent") &&
                      text_is(pairs[i].value, AGENT));
    ck_assert_ptr_nonnull(chain);
    ck_assert(cbor_isa_array(chain));
    ck_assert_uint_eq(cbor_array_size(chain), 3);
    for (i = 0; i < 3; i++) {
        cbor_item_t *c = cbor_array_handle(chain)[i];

        ck_assert(cbor_isa_bytestring(c));
        ck_assert_uint_eq(cbor_bytestring_length(c), p.der_len[i]);
        ck_assert_mem_eq(cbor_bytestring_handle(c), p.der[i], p.der_len[i]);
    }

    /* payload verbatim, signature raw r||s */
    payload_len = cbor_bytestring_length(parts[2]);
    ck_assert_uint_eq(payload_len, strlen(PAYLOAD));
    ck_assert_mem_eq(cbor_bytestring_handle(parts[2]), PAYLOAD, payload_len);
    ck_assert_uint_eq(cbor_bytestring_length(parts[3]), 96);

    /* independent Sig_structure: ["Signature1", protected, h'', payload] */
    tbs_len = 64 + prot_len + payload_len;
    tbs = malloc(tbs_len);
    pos += cbor_encode_array_start(4, tbs + pos, tbs_len - pos);
    pos += cbor_encode_string_start(10, tbs + pos, tbs_len - pos);
    memcpy(tbs + pos, "Signature1", 10);
    pos += 10;
    pos += cbor_encode_bytestring_start(prot_len, tbs + pos, tbs_len - pos);
    memcpy(tbs + pos, cbor_bytestring_handle(parts[0]), prot_len);
    pos += prot_len;
    pos += cbor_encode_bytestring_start(0, tbs + pos, tbs_len - pos);
    pos += cbor_encode_bytestring_start(payload_len, tbs + pos, tbs_len - pos);
    memcpy(tbs + pos, PAYLOAD, payload_len);
    pos += payload_len;
    ck_assert_sgn_ok(sgn_crypto_verify(p.keys[0], "SHA384", tbs, pos,
                                       cbor_bytestring_handle(parts[3]), 96, &err),
                     &err);
    free(tbs);
    cbor_decref(&prot);
    cbor_decref(&msg);
    sgn_buf_free(&env);
    pki_free(&p);
}
END_TEST

/* ---- tampering ---------------------------------------------------------------------------- */

START_TEST(test_jws_tampered)
{
    sgn_error err = SGN_ERROR_INIT;
    sgn_sig_attrs a = attrs_authority();
    sgn_buf env = SGN_BUF_INIT;
    sgn_envelope_info info;
    cJSON *root;
    char *text, *other = NULL, *sig;
    static const char changed[] = "{\"targetArtifact\":{\"size\":1}}";
    pki p;

    pki_make(&p);
    sign(&env, SGN_ENVELOPE_JWS, &a, &p);

    /* another payload under the same protected header and signature */
    root = cJSON_ParseWithLength((const char *)env.data, env.len);
    ck_assert_sgn_ok(sgn_b64url_encode(&other, (const unsigned char *)changed, strlen(changed),
                                       &err),
                     &err);
    cJSON_ReplaceItemInObjectCaseSensitive(root, "payload", cJSON_CreateString(other));
    text = cJSON_PrintUnformatted(root);
    ck_assert_int_eq(sgn_envelope_verify(&info, SGN_ENVELOPE_JWS, (unsigned char *)text,
                                         strlen(text), &err),
                     SGN_EINVALID);
    ck_assert_msg(strstr(err.msg, "signature") != NULL, "%s", err.msg);
    ck_assert_ptr_null(info.payload);
    cJSON_free(text);
    cJSON_Delete(root);
    sgn_error_clear(&err);

    /* one signature character changed */
    root = cJSON_ParseWithLength((const char *)env.data, env.len);
    sig = cJSON_GetObjectItemCaseSensitive(root, "signature")->valuestring;
    sig[10] = sig[10] == 'A' ? 'B' : 'A';
    text = cJSON_PrintUnformatted(root);
    ck_assert_int_eq(sgn_envelope_verify(&info, SGN_ENVELOPE_JWS, (unsigned char *)text,
                                         strlen(text), &err),
                     SGN_EINVALID);
    ck_assert_msg(strstr(err.msg, "signature") != NULL, "%s", err.msg);
    cJSON_free(text);
    cJSON_Delete(root);
    free(other);
    sgn_buf_free(&env);
    pki_free(&p);
}
END_TEST

START_TEST(test_cose_tampered)
{
    sgn_error err = SGN_ERROR_INIT;
    sgn_sig_attrs a = attrs_authority();
    sgn_buf env = SGN_BUF_INIT;
    sgn_envelope_info info;
    unsigned char *at;
    pki p;

    pki_make(&p);
    sign(&env, SGN_ENVELOPE_COSE, &a, &p);
    at = memmem(env.data, env.len, "sha256:", 7);
    ck_assert_ptr_nonnull(at);
    at[8] ^= 0x01; /* one hex digit of the digest */
    ck_assert_int_eq(sgn_envelope_verify(&info, SGN_ENVELOPE_COSE, env.data, env.len, &err),
                     SGN_EINVALID);
    ck_assert_msg(strstr(err.msg, "signature") != NULL, "%s", err.msg);
    at[8] ^= 0x01;
    sgn_error_clear(&err);
    env.data[env.len - 1] ^= 0x01; /* last signature byte */
    ck_assert_int_eq(sgn_envelope_verify(&info, SGN_ENVELOPE_COSE, env.data, env.len, &err),
                     SGN_EINVALID);
    ck_assert_msg(strstr(err.msg, "signature") != NULL, "%s", err.msg);
    env.data[env.len - 1] ^= 0x01;
    ck_assert_sgn_ok(sgn_envelope_verify(&info, SGN_ENVELOPE_COSE, env.data, env.len,
                                         (sgn_error_clear(&err), &err)),
                     &err);
    sgn_envelope_info_free(&info);
    sgn_buf_free(&env);
    pki_free(&p);
}
END_TEST

/* Every prefix of a valid envelope, and every single-byte change, gives OK or EINVALID and never
 * crashes or leaks (the sanitizer build runs this). */
START_TEST(test_truncated_and_flipped)
{
    const char *type = formats[_i];
    sgn_sig_attrs a = attrs_authority();
    sgn_error e0 = SGN_ERROR_INIT;
    sgn_buf env = SGN_BUF_INIT;
    size_t i, ok = 0, leaf_at, leaf_end, agent_at, agent_end;
    char *b64 = NULL;
    const unsigned char *at;
    pki p;

    pki_make(&p);
    sign_n(&env, type, &a, &p, 1); /* the leaf alone: nearly every byte is then checked */
    /* Unsigned bytes that may change: the leaf certificate outside its key (the envelope check
     * does not verify the chain) and the unprotected signing agent. */
    if (_i == 0) {
        ck_assert_sgn_ok(sgn_b64_encode(&b64, p.der[0], p.der_len[0], &e0), &e0);
        at = memmem(env.data, env.len, b64, strlen(b64));
        leaf_end = strlen(b64);
    } else {
        at = memmem(env.data, env.len, p.der[0], p.der_len[0]);
        leaf_end = p.der_len[0];
    }
    ck_assert_ptr_nonnull(at);
    leaf_at = (size_t)(at - env.data);
    leaf_end += leaf_at;
    at = memmem(env.data, env.len, "io.cncf.notary.signingAgent", 27);
    ck_assert_ptr_nonnull(at);
    agent_at = (size_t)(at - env.data);
    at = memmem(env.data, env.len, AGENT, strlen(AGENT));
    ck_assert_ptr_nonnull(at);
    agent_end = (size_t)(at - env.data) + strlen(AGENT);
    free(b64);
    for (i = 0; i < env.len; i++) {
        sgn_error err = SGN_ERROR_INIT;
        sgn_envelope_info info;

        ck_assert_int_eq(sgn_envelope_verify(&info, type, env.data, i, &err), SGN_EINVALID);
        ck_assert_msg(err.msg[0] != '\0', "no message for prefix %zu", i);
    }
    for (i = 0; i < env.len; i++) {
        sgn_error err = SGN_ERROR_INIT;
        sgn_envelope_info info;
        int rc;

        env.data[i] ^= 0x5A;
        rc = sgn_envelope_verify(&info, type, env.data, env.len, &err);
        env.data[i] ^= 0x5A;
        ck_assert_msg(rc == SGN_OK || rc == SGN_EINVALID, "byte %zu: %d %s", i, rc, err.msg);
        if (rc == SGN_OK) {
            ok++;
            ck_assert_msg((i >= leaf_at && i < leaf_end) || (i >= agent_at && i < agent_end),
                          "a change of signed byte %zu was accepted", i);
            sgn_envelope_info_free(&info);
        }
    }
    ck_assert_msg(ok < env.len / 2, "%zu of %zu changes accepted", ok, env.len);
    sgn_buf_free(&env);
    pki_free(&p);
}
END_TEST

/* ---- crafted JWS envelopes ---------------------------------------------------------------- */

#define SA_TIME "\"io.cncf.notary.authenticSigningTime\":\"2023-11-14T22:13:20Z\""
#define SA_SCHEME "\"io.cncf.notary.signingScheme\":\"notary.x509.signingAuthority\""
#define X_SCHEME "\"io.cncf.notary.signingScheme\":\"notary.x509\""
#define X_TIME "\"io.cncf.notary.signingTime\":\"2023-11-14T22:13:20Z\""
#define CRIT_SA "\"crit\":[\"io.cncf.notary.signingScheme\",\"io.cncf.notary.authenticSigningTime\""
#define HEAD(alg) "{\"alg\":\"" alg "\",\"cty\":\"" CTY "\","

static const struct {
    const char *name;
    const char *protected_json;
    const char *payload;  /* NULL: PAYLOAD */
    const char *header;   /* NULL: {"x5c":[chain]} */
    const char *msg;      /* NULL: verifies */
} jws_cases[] = {
    {"authority baseline", HEAD("ES384") CRIT_SA "]," SA_SCHEME "," SA_TIME "}", NULL, NULL,
     NULL},
    {"x509 with fractional offset time",
     HEAD("ES384") "\"crit\":[\"io.cncf.notary.signingScheme\"]," X_SCHEME
                   ",\"io.cncf.notary.signingTime\":\"2023-11-14T23:13:20.5+01:00\"}",
     NULL, NULL, NULL},
    {"critical extended attribute present",
     HEAD("ES384") CRIT_SA ",\"io.cncf.notary.verificationPlugin\"]," SA_SCHEME "," SA_TIME
                   ",\"io.cncf.notary.verificationPlugin\":\"x\",\"other\":{\"n\":1}}",
     NULL, NULL, NULL},
    {"crit names an absent header",
     HEAD("ES384") CRIT_SA ",\"io.cncf.notary.nothere\"]," SA_SCHEME "," SA_TIME "}", NULL, NULL,
     "\"io.cncf.notary.nothere\" header is marked critical but not present"},
    {"crit names signingTime",
     HEAD("ES384") "\"crit\":[\"io.cncf.notary.signingScheme\",\"io.cncf.notary.signingTime\"],"
         X_SCHEME "," X_TIME "}",
     NULL, NULL, "marked critical but not present"},
    {"crit names alg", HEAD("ES384") CRIT_SA ",\"alg\"]," SA_SCHEME "," SA_TIME "}", NULL, NULL,
     "\"alg\" header is marked critical but not present"},
    {"crit repeats the scheme",
     HEAD("ES384") CRIT_SA ",\"io.cncf.notary.signingScheme\"]," SA_SCHEME "," SA_TIME "}", NULL,
     NULL, "marked critical but not present"},
    {"crit missing", HEAD("ES384") SA_SCHEME "," SA_TIME "}", NULL, NULL, "missing \"crit\""},
    {"crit empty", HEAD("ES384") "\"crit\":[]," SA_SCHEME "," SA_TIME "}", NULL, NULL,
     "missing \"crit\""},
    {"crit not an array", HEAD("ES384") "\"crit\":\"x\"," SA_SCHEME "," SA_TIME "}", NULL, NULL,
     "must be an array"},
    {"crit without the scheme",
     HEAD("ES384") "\"crit\":[\"io.cncf.notary.authenticSigningTime\"]," SA_SCHEME "," SA_TIME
                   "}",
     NULL, NULL, "not marked as critical"},
    {"crit without the authentic time",
     HEAD("ES384") "\"crit\":[\"io.cncf.notary.signingScheme\"]," SA_SCHEME "," SA_TIME "}", NULL,
     NULL, "not marked as critical"},
    {"expiry not critical",
     HEAD("ES384") CRIT_SA "]," SA_SCHEME "," SA_TIME
                   ",\"io.cncf.notary.expiry\":\"2024-11-13T22:13:20Z\"}",
     NULL, NULL, "not marked as critical"},
    {"authority with signingTime", HEAD("ES384") CRIT_SA "]," SA_SCHEME "," SA_TIME "," X_TIME "}",
     NULL, NULL, "must not be present"},
    {"authority without authentic time", HEAD("ES384") CRIT_SA "]," SA_SCHEME "}", NULL, NULL,
     "is missing"},
    {"x509 with authentic time",
     HEAD("ES384") CRIT_SA "]," X_SCHEME "," SA_TIME "}", NULL, NULL, "must not be present"},
    {"x509 without signing time",
     HEAD("ES384") "\"crit\":[\"io.cncf.notary.signingScheme\"]," X_SCHEME "}", NULL, NULL,
     "is missing"},
    {"unknown scheme",
     HEAD("ES384") CRIT_SA "],\"io.cncf.notary.signingScheme\":\"notary.foo\"," SA_TIME "}", NULL,
     NULL, "unsupported signingScheme"},
    {"scheme missing", HEAD("ES384") CRIT_SA "]," SA_TIME "}", NULL, NULL, "signingScheme"},
    {"alg ES256 with a P-384 key", HEAD("ES256") CRIT_SA "]," SA_SCHEME "," SA_TIME "}", NULL,
     NULL, "does not match"},
    {"alg PS384 with a P-384 key", HEAD("PS384") CRIT_SA "]," SA_SCHEME "," SA_TIME "}", NULL,
     NULL, "does not match"},
    {"alg none", HEAD("none") CRIT_SA "]," SA_SCHEME "," SA_TIME "}", NULL, NULL,
     "does not match"},
    {"alg missing",
     "{\"cty\":\"" CTY "\"," CRIT_SA "]," SA_SCHEME "," SA_TIME "}", NULL, NULL,
     "does not match"},
    {"alg a number", "{\"alg\":384,\"cty\":\"" CTY "\"," CRIT_SA "]," SA_SCHEME "," SA_TIME "}",
     NULL, NULL, "must be a string"},
    {"wrong content type",
     "{\"alg\":\"ES384\",\"cty\":\"application/json\"," CRIT_SA "]," SA_SCHEME "," SA_TIME "}",
     NULL, NULL, "content type"},
    {"repeated member", HEAD("ES384") CRIT_SA "]," SA_SCHEME "," SA_TIME "," SA_TIME "}", NULL,
     NULL, "repeated"},
    {"bad time",
     HEAD("ES384") CRIT_SA "]," SA_SCHEME
                   ",\"io.cncf.notary.authenticSigningTime\":\"yesterday\"}",
     NULL, NULL, "RFC 3339"},
    {"protected header not an object", "[1,2]", NULL, NULL, "not a JSON object"},
    {"protected header not JSON", "{\"alg\":", NULL, NULL, "not valid JSON"},
    {"payload not an object", HEAD("ES384") CRIT_SA "]," SA_SCHEME "," SA_TIME "}", "[1]", NULL,
     "not a JSON object"},
    {"no x5c", HEAD("ES384") CRIT_SA "]," SA_SCHEME "," SA_TIME "}", NULL, "{}",
     "certificate chain is not present"},
    {"empty x5c", HEAD("ES384") CRIT_SA "]," SA_SCHEME "," SA_TIME "}", NULL, "{\"x5c\":[]}",
     "certificate chain is not present"},
    {"x5c not base64", HEAD("ES384") CRIT_SA "]," SA_SCHEME "," SA_TIME "}", NULL,
     "{\"x5c\":[\"!!!!\"]}", "base64"},
    {"x5c url alphabet", HEAD("ES384") CRIT_SA "]," SA_SCHEME "," SA_TIME "}", NULL,
     "{\"x5c\":[\"MII-_w==\"]}", "base64"},
    {"x5c not a certificate", HEAD("ES384") CRIT_SA "]," SA_SCHEME "," SA_TIME "}", NULL,
     "{\"x5c\":[\"AAAA\"]}", "malformed leaf certificate"},
    {"x5c not an array", HEAD("ES384") CRIT_SA "]," SA_SCHEME "," SA_TIME "}", NULL,
     "{\"x5c\":\"AAAA\"}", "must be an array"},
    {"header not an object", HEAD("ES384") CRIT_SA "]," SA_SCHEME "," SA_TIME "}", NULL, "[]",
     "must be an object"},
};

/* Build a JWS signed with the leaf key over an arbitrary protected header and payload. */
static char *make_jws(pki *p, const char *protected_json, const char *payload,
                      const char *header)
{
    sgn_error err = SGN_ERROR_INIT;
    char *ph = NULL, *pp = NULL, *ps = NULL, *b64;
    unsigned char *sig = NULL;
    size_t siglen = 0;
    sgn_buf input = SGN_BUF_INIT, out = SGN_BUF_INIT;
    int i;

    ck_assert_sgn_ok(sgn_b64url_encode(&ph, (const unsigned char *)protected_json,
                                       strlen(protected_json), &err),
                     &err);
    ck_assert_sgn_ok(
        sgn_b64url_encode(&pp, (const unsigned char *)payload, strlen(payload), &err), &err);
    ck_assert_sgn_ok(sgn_buf_printf(&input, &err, "%s.%s", ph, pp), &err);
    ck_assert_sgn_ok(
        sgn_crypto_sign(&sig, &siglen, p->keys[0], "SHA384", input.data, input.len, &err), &err);
    ck_assert_sgn_ok(sgn_b64url_encode(&ps, sig, siglen, &err), &err);
    ck_assert_sgn_ok(sgn_buf_printf(&out, &err, "{\"payload\":\"%s\",\"protected\":\"%s\","
                                                "\"header\":",
                                    pp, ph),
                     &err);
    if (header != NULL) {
        ck_assert_sgn_ok(sgn_buf_puts(&out, header, &err), &err);
    } else {
        ck_assert_sgn_ok(sgn_buf_puts(&out, "{\"x5c\":[", &err), &err);
        for (i = 0; i < 3; i++) {
            ck_assert_sgn_ok(sgn_b64_encode(&b64, p->der[i], p->der_len[i], &err), &err);
            ck_assert_sgn_ok(sgn_buf_printf(&out, &err, "%s\"%s\"", i ? "," : "", b64), &err);
            free(b64);
        }
        ck_assert_sgn_ok(sgn_buf_puts(&out, "]}", &err), &err);
    }
    ck_assert_sgn_ok(sgn_buf_printf(&out, &err, ",\"signature\":\"%s\"}", ps), &err);
    free(ph);
    free(pp);
    free(ps);
    free(sig);
    sgn_buf_free(&input);
    return sgn_buf_detach(&out, NULL);
}

START_TEST(test_jws_rules)
{
    sgn_error err = SGN_ERROR_INIT;
    sgn_envelope_info info;
    pki p;
    char *env;
    int rc;

    pki_make(&p);
    env = make_jws(&p, jws_cases[_i].protected_json,
                   jws_cases[_i].payload ? jws_cases[_i].payload : PAYLOAD, jws_cases[_i].header);
    rc = sgn_envelope_verify(&info, SGN_ENVELOPE_JWS, (unsigned char *)env, strlen(env), &err);
    if (jws_cases[_i].msg == NULL) {
        ck_assert_msg(rc == SGN_OK, "%s: %s", jws_cases[_i].name, err.msg);
        sgn_envelope_info_free(&info);
    } else {
        ck_assert_msg(rc == SGN_EINVALID, "%s: rc %d", jws_cases[_i].name, rc);
        ck_assert_msg(strstr(err.msg, jws_cases[_i].msg) != NULL, "%s: %s", jws_cases[_i].name,
                      err.msg);
        ck_assert_ptr_null(info.payload);
        ck_assert_uint_eq(info.n_certs, 0);
    }
    free(env);
    pki_free(&p);
}
END_TEST

/* The second crafted case: fractional seconds and an offset, and the extended attributes. */
START_TEST(test_jws_parsed_values)
{
    sgn_error err = SGN_ERROR_INIT;
    sgn_envelope_info info;
    pki p;
    char *env;

    pki_make(&p);
    env = make_jws(&p, jws_cases[1].protected_json, PAYLOAD, NULL);
    ck_assert_sgn_ok(
        sgn_envelope_verify(&info, SGN_ENVELOPE_JWS, (unsigned char *)env, strlen(env), &err),
        &err);
    ck_assert_int_eq(info.signing_time, T0);
    ck_assert_int_eq(info.authentic, 0);
    sgn_envelope_info_free(&info);
    free(env);

    /* only string-valued extended attributes are reported, in header order */
    env = make_jws(&p, jws_cases[2].protected_json, PAYLOAD, NULL);
    ck_assert_sgn_ok(
        sgn_envelope_verify(&info, SGN_ENVELOPE_JWS, (unsigned char *)env, strlen(env), &err),
        &err);
    ck_assert_uint_eq(info.n_extended, 1);
    ck_assert_str_eq(info.extended[0].key, "io.cncf.notary.verificationPlugin");
    ck_assert_str_eq(info.extended[0].value, "x");
    sgn_envelope_info_free(&info);
    free(env);
    pki_free(&p);
}
END_TEST

static const char *const jws_garbage[] = {
    "garbage",
    "{}",
    "[]",
    "null",
    "{\"payload\":\"e30\"}",
    "{\"payload\":\"e30\",\"protected\":\"e30\"}",
    "{\"payload\":1,\"protected\":\"e30\",\"signature\":\"AAAA\"}",
    "{\"payload\":\"e30=\",\"protected\":\"e30\",\"signature\":\"AAAA\"}",
    "{\"payload\":\"e30\",\"protected\":\"e30\",\"signature\":\"AAAA\"}",
    "{\"payload\":\"e30\",\"protected\":\"e3+\",\"signature\":\"AAAA\"}",
    "{\"payload\":\"e30\",\"protected\":\"e30\",\"signature\":\"AAAA\"} trailing",
    "{\"payload\":\"e30\",\"payload\":\"e30\",\"protected\":\"e30\",\"signature\":\"AA\"}",
    "{\"payload\":\"e30\",\"protected\":\"e30\",\"signature\":\"\"",
    "\"just a string\"",
};

START_TEST(test_jws_garbage)
{
    sgn_error err = SGN_ERROR_INIT;
    sgn_envelope_info info;
    const char *s = jws_garbage[_i];

    ck_assert_int_eq(
        sgn_envelope_verify(&info, SGN_ENVELOPE_JWS, (const unsigned char *)s, strlen(s), &err),
        SGN_EINVALID);
    ck_assert(err.msg[0] != '\0');
}
END_TEST

START_TEST(test_jws_deep_nesting)
{
    sgn_error err = SGN_ERROR_INIT;
    sgn_envelope_info info;
    size_t n = 100000, i;
    unsigned char *s = malloc(2 * n);

    for (i = 0; i < n; i++) {
        s[i] = '[';
        s[n + i] = ']';
    }
    ck_assert_int_eq(sgn_envelope_verify(&info, SGN_ENVELOPE_JWS, s, 2 * n, &err), SGN_EINVALID);
    free(s);
}
END_TEST

/* ---- crafted COSE envelopes --------------------------------------------------------------- */

typedef struct cose_case {
    const char *name;
    int64_t alg;         /* 0: -35 */
    int alg_text;
    const char *crit_extra;
    int crit_no_expiry;  /* expiry present but not critical */
    int time_as_text;    /* authenticSigningTime as tag 0 text */
    int time_untagged;
    int add_signing_time;
    int dup_scheme;
    const char *cty;     /* NULL: notary payload type */
    int cty_int;
    int x5chain_bstr;
    int crit_unprotected;
    int label_in_both;
    int payload_null;
    int empty_signature;
    int untagged;
    const char *msg;     /* NULL: verifies */
} cose_case;

static const cose_case cose_cases[] = {
    {.name = "baseline"},
    {.name = "alg ES256 with a P-384 key", .alg = -7, .msg = "does not match"},
    {.name = "alg PS384 with a P-384 key", .alg = -38, .msg = "does not match"},
    {.name = "unknown alg", .alg = -8, .msg = "not supported"},
    {.name = "alg as text", .alg_text = 1, .msg = "must be an integer"},
    {.name = "crit names an absent label", .crit_extra = "io.cncf.notary.nothere",
     .msg = "\"io.cncf.notary.nothere\" header is marked critical but not present"},
    {.name = "expiry not critical", .crit_no_expiry = 1, .msg = "not marked as critical"},
    {.name = "time as tag 0 text", .time_as_text = 1, .msg = "tag 1"},
    {.name = "time without tag", .time_untagged = 1, .msg = "tag 1"},
    {.name = "authority with signingTime", .add_signing_time = 1, .msg = "must not be present"},
    {.name = "repeated label", .dup_scheme = 1, .msg = "repeated"},
    {.name = "wrong content type", .cty = "application/json", .msg = "content type"},
    {.name = "content type as int", .cty_int = 1, .msg = "content type"},
    {.name = "x5chain as a single bstr", .x5chain_bstr = 1, .msg = "array"},
    {.name = "crit in unprotected", .crit_unprotected = 1, .msg = "not allowed"},
    {.name = "label in both buckets", .label_in_both = 1, .msg = "repeated"},
    {.name = "detached payload", .payload_null = 1, .msg = "attached"},
    {.name = "empty signature", .empty_signature = 1, .msg = "signature"},
    {.name = "untagged", .untagged = 1, .msg = "tag 18"},
};

static const unsigned char nothing[1] = {0};

static cbor_item_t *epoch(int64_t t)
{
    return cbor_build_tag(1, cbor_move(cbor_build_uint32((uint32_t)t)));
}

static cbor_item_t *bstr(const void *p, size_t n)
{
    return cbor_build_bytestring(n ? p : nothing, n);
}

static size_t ser(unsigned char **out, cbor_item_t *it)
{
    size_t cap = 0, n = cbor_serialize_alloc(it, out, &cap);

    ck_assert_uint_gt(n, 0);
    return n;
}

/* Pairs collected first, then put into a definite map (the parser refuses indefinite ones). */
typedef struct kvlist {
    cbor_item_t *k[16], *v[16];
    size_t n;
} kvlist;

static void kv(kvlist *l, cbor_item_t *k, cbor_item_t *v)
{
    ck_assert_uint_lt(l->n, 16);
    l->k[l->n] = k;
    l->v[l->n++] = v;
}

static cbor_item_t *to_map(kvlist *l)
{
    cbor_item_t *m = cbor_new_definite_map(l->n);
    size_t i;

    for (i = 0; i < l->n; i++)
        ck_assert(cbor_map_add(
            m, (struct cbor_pair){.key = cbor_move(l->k[i]), .value = cbor_move(l->v[i])}));
    return m;
}

static cbor_item_t *str_array(const char *const *items, size_t n)
{
    cbor_item_t *a = cbor_new_definite_array(n);
    size_t i;

    for (i = 0; i < n; i++)
        ck_assert(cbor_array_push(a, cbor_move(cbor_build_string(items[i]))));
    return a;
}

/* A COSE_Sign1 signed with the leaf key, built with libcbor directly, one rule broken per case. */
static void make_cose(sgn_buf *out, pki *p, const cose_case *c)
{
    sgn_error err = SGN_ERROR_INIT;
    kvlist pl = {{NULL}, {NULL}, 0}, ul = {{NULL}, {NULL}, 0};
    const char *crit[4];
    size_t n_crit = 0, prot_len, tbs_len, enc_len, siglen = 0, i;
    cbor_item_t *prot, *unprot, *chain, *tbs_item, *msg, *top;
    unsigned char *prot_bytes = NULL, *tbs = NULL, *sig = NULL, *enc = NULL;

    crit[n_crit++] = "io.cncf.notary.signingScheme";
    crit[n_crit++] = "io.cncf.notary.authenticSigningTime";
    if (!c->crit_no_expiry)
        crit[n_crit++] = "io.cncf.notary.expiry";
    crit[n_crit++] = c->crit_extra ? c->crit_extra : "io.cncf.notary.verificationPlugin";

    if (c->alg_text)
        kv(&pl, cbor_build_uint8(1), cbor_build_string("ES384"));
    else
        kv(&pl, cbor_build_uint8(1), cbor_build_negint8((uint8_t)(-1 - (c->alg ? c->alg : -35))));
    if (!c->crit_unprotected)
        kv(&pl, cbor_build_uint8(2), str_array(crit, n_crit));
    if (c->cty_int)
        kv(&pl, cbor_build_uint8(3), cbor_build_uint8(50));
    else
        kv(&pl, cbor_build_uint8(3), cbor_build_string(c->cty ? c->cty : CTY));
    kv(&pl, cbor_build_string("io.cncf.notary.signingScheme"),
       cbor_build_string(SGN_SCHEME_SIGNING_AUTHORITY));
    if (c->dup_scheme)
        kv(&pl, cbor_build_string("io.cncf.notary.signingScheme"),
           cbor_build_string(SGN_SCHEME_SIGNING_AUTHORITY));
    if (c->time_as_text)
        kv(&pl, cbor_build_string("io.cncf.notary.authenticSigningTime"),
           cbor_build_tag(0, cbor_move(cbor_build_string("2023-11-14T22:13:20Z"))));
    else if (c->time_untagged)
        kv(&pl, cbor_build_string("io.cncf.notary.authenticSigningTime"),
           cbor_build_uint32((uint32_t)T0));
    else
        kv(&pl, cbor_build_string("io.cncf.notary.authenticSigningTime"), epoch(T0));
    if (c->add_signing_time)
        kv(&pl, cbor_build_string("io.cncf.notary.signingTime"), epoch(T0));
    kv(&pl, cbor_build_string("io.cncf.notary.expiry"), epoch(T0 + YEAR));
    if (c->crit_extra == NULL)
        kv(&pl, cbor_build_string("io.cncf.notary.verificationPlugin"),
           cbor_build_string(SGN_PLUGIN_NAME));
    prot = to_map(&pl);
    prot_len = ser(&prot_bytes, prot);
    cbor_decref(&prot);

    if (c->x5chain_bstr) {
        kv(&ul, cbor_build_uint8(33), bstr(p->der[0], p->der_len[0]));
    } else {
        chain = cbor_new_definite_array(3);
        for (i = 0; i < 3; i++)
            ck_assert(cbor_array_push(chain, cbor_move(bstr(p->der[i], p->der_len[i]))));
        kv(&ul, cbor_build_uint8(33), chain);
    }
    if (c->crit_unprotected)
        kv(&ul, cbor_build_uint8(2), str_array(crit, 1));
    if (c->label_in_both)
        kv(&ul, cbor_build_string("io.cncf.notary.signingScheme"),
           cbor_build_string(SGN_SCHEME_SIGNING_AUTHORITY));
    unprot = to_map(&ul);

    tbs_item = cbor_new_definite_array(4);
    ck_assert(cbor_array_push(tbs_item, cbor_move(cbor_build_string("Signature1"))));
    ck_assert(cbor_array_push(tbs_item, cbor_move(bstr(prot_bytes, prot_len))));
    ck_assert(cbor_array_push(tbs_item, cbor_move(bstr(NULL, 0))));
    ck_assert(cbor_array_push(tbs_item, cbor_move(bstr(PAYLOAD, strlen(PAYLOAD)))));
    tbs_len = ser(&tbs, tbs_item);
    cbor_decref(&tbs_item);
    ck_assert_sgn_ok(sgn_crypto_sign(&sig, &siglen, p->keys[0], "SHA384", tbs, tbs_len, &err),
                     &err);

    msg = cbor_new_definite_array(4);
    ck_assert(cbor_array_push(msg, cbor_move(bstr(prot_bytes, prot_len))));
    ck_assert(cbor_array_push(msg, cbor_move(unprot)));
    ck_assert(cbor_array_push(msg, cbor_move(c->payload_null ? cbor_new_null()
                                                             : bstr(PAYLOAD, strlen(PAYLOAD)))));
    ck_assert(cbor_array_push(msg, cbor_move(bstr(sig, c->empty_signature ? 0 : siglen))));
    top = c->untagged ? msg : cbor_build_tag(18, cbor_move(msg));
    enc_len = ser(&enc, top);
    cbor_decref(&top);
    ck_assert_sgn_ok(sgn_buf_append(out, enc, enc_len, &err), &err);
    free(enc);
    free(sig);
    free(tbs);
    free(prot_bytes);
}

START_TEST(test_cose_rules)
{
    sgn_error err = SGN_ERROR_INIT;
    sgn_envelope_info info;
    sgn_buf env = SGN_BUF_INIT;
    pki p;
    int rc;

    pki_make(&p);
    make_cose(&env, &p, &cose_cases[_i]);
    rc = sgn_envelope_verify(&info, SGN_ENVELOPE_COSE, env.data, env.len, &err);
    if (cose_cases[_i].msg == NULL) {
        ck_assert_msg(rc == SGN_OK, "%s: %s", cose_cases[_i].name, err.msg);
        sgn_envelope_info_free(&info);
    } else {
        ck_assert_msg(rc == SGN_EINVALID, "%s: rc %d", cose_cases[_i].name, rc);
        ck_assert_msg(strstr(err.msg, cose_cases[_i].msg) != NULL, "%s: %s",
                      cose_cases[_i].name, err.msg);
    }
    sgn_buf_free(&env);
    pki_free(&p);
}
END_TEST

static const struct {
    const char *name;
    const char *hex;
} cose_garbage[] = {
    {"empty map", "a0"},
    {"tag 18 around nothing", "d2"},
    {"tag 18 around an int", "d201"},
    {"tag 18 around an empty array", "d280"},
    {"indefinite array", "d29f40a0404040ff"},
    {"indefinite protected bytes", "d2845f4040ffa04040"},
    {"huge declared array", "d29b0000001000000000"},
    {"huge declared map", "d284 40 bb0000001000000000"},
    {"huge declared bytes", "d284 5b0000001000000000"},
    {"three items", "d283 40 a0 40"},
    {"five items", "d285 40 a0 40 41 00 40"},
    {"protected not bytes", "d284 a0 a0 40 4100"},
    {"protected bytes not a map", "d284 4101 a0 40 4100"},
    {"protected bytes with trailing data", "d284 42a000 a0 40 4100"},
    {"protected bytes truncated", "d284 41a1 a0 40 4100"},
    {"empty protected", "d284 40 a0 40 4100"},
    {"trailing data", "d284 40 a0 40 4100 00"},
    {"unprotected not a map", "d284 40 80 40 4100"},
    {"payload text", "d284 40 a0 6161 4100"},
    {"label is an array", "d284 40 a1 8000 40 4100"},
    {"reserved additional info", "d284 40 a0 40 5c"},
    {"break outside indefinite", "d284 40 a0 40 ff"},
    {"nested too deeply",
     "d281818181818181818181818181818181818181818181818181818181818181818181818181818181818181"
     "81818181818181818181818181818100"},
};

static size_t unhex(unsigned char *out, const char *hex)
{
    size_t n = 0;

    while (*hex) {
        unsigned v;
        if (*hex == ' ') {
            hex++;
            continue;
        }
        ck_assert_int_eq(sscanf(hex, "%2x", &v), 1);
        out[n++] = (unsigned char)v;
        hex += 2;
    }
    return n;
}

START_TEST(test_cose_garbage)
{
    sgn_error err = SGN_ERROR_INIT;
    sgn_envelope_info info;
    unsigned char buf[256];
    size_t n = unhex(buf, cose_garbage[_i].hex);

    ck_assert_msg(sgn_envelope_verify(&info, SGN_ENVELOPE_COSE, buf, n, &err) == SGN_EINVALID,
                  "%s accepted", cose_garbage[_i].name);
    ck_assert_msg(err.msg[0] != '\0', "%s: no message", cose_garbage[_i].name);
}
END_TEST

START_TEST(test_cose_deep_nesting)
{
    sgn_error err = SGN_ERROR_INIT;
    sgn_envelope_info info;
    size_t n = 200000;
    unsigned char *s = malloc(n);

    memset(s, 0x81, n);
    s[0] = 0xD2;
    s[n - 1] = 0x00;
    ck_assert_int_eq(sgn_envelope_verify(&info, SGN_ENVELOPE_COSE, s, n, &err), SGN_EINVALID);
    free(s);
}
END_TEST

/* ---- argument checks ---------------------------------------------------------------------- */

static const sgn_kv bad_alg_kv[] = {{"alg", "x"}};
static const sgn_kv bad_expiry_kv[] = {{"io.cncf.notary.expiry", "x"}};
static const sgn_kv dup_kv[] = {{"a", "1"}, {"a", "2"}};
static const sgn_kv empty_key_kv[] = {{"", "1"}};

static const struct {
    const char *name;
    const char *type;
    sgn_sig_attrs attrs;
    int wrong_key;
    int no_payload;
    const char *msg;
} sign_rejects[] = {
    {"unsupported type", "application/pkcs7", {SGN_SCHEME_X509, T0, 0, NULL, 0, NULL}, 0, 0,
     "not supported"},
    {"no scheme", SGN_ENVELOPE_JWS, {NULL, T0, 0, NULL, 0, NULL}, 0, 0, "scheme"},
    {"unknown scheme", SGN_ENVELOPE_JWS, {"notary.foo", T0, 0, NULL, 0, NULL}, 0, 0,
     "unsupported signingScheme"},
    {"expiry before signing", SGN_ENVELOPE_COSE, {SGN_SCHEME_X509, T0, T0 - 1, NULL, 0, NULL}, 0,
     0, "expiry"},
    {"extended alg", SGN_ENVELOPE_JWS, {SGN_SCHEME_X509, T0, 0, bad_alg_kv, 1, NULL}, 0, 0,
     "standard header"},
    {"extended expiry", SGN_ENVELOPE_COSE, {SGN_SCHEME_X509, T0, 0, bad_expiry_kv, 1, NULL}, 0, 0,
     "standard header"},
    {"repeated extended", SGN_ENVELOPE_JWS, {SGN_SCHEME_X509, T0, 0, dup_kv, 2, NULL}, 0, 0,
     "repeated"},
    {"empty extended key", SGN_ENVELOPE_COSE, {SGN_SCHEME_X509, T0, 0, empty_key_kv, 1, NULL}, 0,
     0, "incomplete"},
    {"key not in chain[0]", SGN_ENVELOPE_JWS, {SGN_SCHEME_X509, T0, 0, NULL, 0, NULL}, 1, 0,
     "signing key"},
    {"empty payload", SGN_ENVELOPE_COSE, {SGN_SCHEME_X509, T0, 0, NULL, 0, NULL}, 0, 1,
     "payload"},
};

START_TEST(test_sign_rejects)
{
    sgn_error err = SGN_ERROR_INIT;
    sgn_buf env = SGN_BUF_INIT;
    pki p;

    pki_make(&p);
    ck_assert_int_eq(sgn_envelope_sign(&env, sign_rejects[_i].type,
                                       (const unsigned char *)PAYLOAD,
                                       sign_rejects[_i].no_payload ? 0 : strlen(PAYLOAD),
                                       &sign_rejects[_i].attrs,
                                       sign_rejects[_i].wrong_key ? p.keys[1] : p.keys[0],
                                       p.chain, 3, &err),
                     SGN_EINVALID);
    ck_assert_msg(strstr(err.msg, sign_rejects[_i].msg) != NULL, "%s: %s", sign_rejects[_i].name,
                  err.msg);
    ck_assert_uint_eq(env.len, 0);
    sgn_buf_free(&env);
    pki_free(&p);
}
END_TEST

START_TEST(test_verify_type)
{
    sgn_error err = SGN_ERROR_INIT;
    sgn_sig_attrs a = attrs_x509();
    sgn_envelope_info info;
    sgn_buf env = SGN_BUF_INIT;
    pki p;

    pki_make(&p);
    sign(&env, NULL, &a, &p); /* NULL means JWS */
    ck_assert_uint_eq(env.data[0], '{');
    ck_assert_sgn_ok(sgn_envelope_verify(&info, NULL, env.data, env.len, &err), &err);
    sgn_envelope_info_free(&info);
    ck_assert_int_eq(sgn_envelope_verify(&info, "application/pkcs7", env.data, env.len, &err),
                     SGN_EINVALID);
    sgn_error_clear(&err);
    ck_assert_int_eq(sgn_envelope_verify(&info, SGN_ENVELOPE_COSE, env.data, env.len, &err),
                     SGN_EINVALID);
    sgn_error_clear(&err);
    ck_assert_int_eq(sgn_envelope_verify(&info, SGN_ENVELOPE_JWS, NULL, 0, &err), SGN_EINVALID);
    sgn_buf_free(&env);
    pki_free(&p);
}
END_TEST

static Suite *envelope_suite(void)
{
    Suite *s = suite_create("envelope");
    TCase *tc = tcase_create("round trip");

    tcase_add_loop_test(tc, test_round_trip_authority, 0, N(formats));
    tcase_add_loop_test(tc, test_round_trip_x509, 0, N(formats));
    tcase_add_loop_test(tc, test_sign_appends, 0, N(formats));
    tcase_add_loop_test(tc, test_sign_rejects, 0, N(sign_rejects));
    tcase_add_test(tc, test_verify_type);
    suite_add_tcase(s, tc);

    tc = tcase_create("layout");
    tcase_add_test(tc, test_jws_layout);
    tcase_add_test(tc, test_jws_layout_x509);
    tcase_add_test(tc, test_cose_layout);
    suite_add_tcase(s, tc);

    tc = tcase_create("rules");
    tcase_add_loop_test(tc, test_jws_rules, 0, N(jws_cases));
    tcase_add_test(tc, test_jws_parsed_values);
    tcase_add_loop_test(tc, test_jws_garbage, 0, N(jws_garbage));
    tcase_add_test(tc, test_jws_deep_nesting);
    tcase_add_loop_test(tc, test_cose_rules, 0, N(cose_cases));
    tcase_add_loop_test(tc, test_cose_garbage, 0, N(cose_garbage));
    tcase_add_test(tc, test_cose_deep_nesting);
    suite_add_tcase(s, tc);

    tc = tcase_create("tamper");
    tcase_set_timeout(tc, 120);
    tcase_add_test(tc, test_jws_tampered);
    tcase_add_test(tc, test_cose_tampered);
    tcase_add_loop_test(tc, test_truncated_and_flipped, 0, N(formats));
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    return sgn_check_run(envelope_suite());
}
