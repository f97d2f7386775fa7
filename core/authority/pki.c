/* The store's PKI: a self-signed P-384 root, an issuing CA and short-lived leaves, rotated as
 * they age. Keys are 0600 PEM files under keys/; certificates live in the certs table. */
#include "internal.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sgn/crypto.h"
#include "sgn/util.h"
#include "sgn/x509.h"

#define ROOT_SUBJECT "C=US,ST=WA,O=Local Signer,OU=Cryptography,CN=Local Signer Code Signing Root CA G1"
#define LEAF_SUBJECT "C=US,ST=WA,L=Seattle,O=Local Signer,OU=Local Signer Cryptography,CN=Local Signer"

typedef struct cert_row {
    int64_t id;
    X509 *cert;
    EVP_PKEY *key;           /* loaded when needed (row_key) */
    char key_file[128];
    int64_t not_before, not_after, created_at;
} cert_row;

static void row_free(cert_row *r)
{
    X509_free(r->cert);
    EVP_PKEY_free(r->key);
    memset(r, 0, sizeof(*r));
}

static int key_path(char *out, size_t cap, sgn_authority *a, const char *file, sgn_error *err)
{
    if (snprintf(out, cap, "%s/%s/%s", a->dir, SGN_STORE_KEYS, file) >= (int)cap)
        return sgn_error_set(err, SGN_EIO, "store path too long");
    return SGN_OK;
}

/* Generate a key, issue its certificate and record both. */
static int make_cert(cert_row *out, sgn_authority *a, sgn_cert_kind kind, const char *subject,
                     int64_t not_before, int64_t not_after, const cert_row *issuer,
                     sgn_error *err)
{
    static const char *const kinds[] = {"root", "ca", "leaf"};
    sgn_cert_spec spec = {kind, subject, not_before, not_after, kind == SGN_CERT_CA ? 0 : -1};
    EVP_PKEY *key = NULL;
    X509 *cert = NULL;
    unsigned char *der = NULL;
    size_t der_len = 0;
    char tbs[97], file[64], rnd[13], path[PATH_MAX];
    sqlite3_stmt *st = NULL;
    int rc;

    memset(out, 0, sizeof(*out));
    /* A key file is only ever written holding the store's write lock, and committed (named by
     * its certificate's row) before the lock is released: an open's stray-key cleanup, which
     * decides under that lock, then never takes a live writer's key (store_files.c). A
     * deferred (read) transaction would write the file before asking for the lock. */
    if (sqlite3_txn_state(a->db, "main") != SQLITE_TXN_WRITE)
        return sgn_error_set(err, SGN_EINTERNAL,
                             "a %s key would be written outside a write transaction",
                             kinds[kind]);
    if ((rc = sgn_crypto_generate_p384(&key, err)) < 0 ||
        (rc = sgn_x509_issue(&cert, &spec, key, issuer ? issuer->cert : NULL,
                             issuer ? issuer->key : NULL, err)) < 0 ||
        (rc = sgn_x509_to_der(&der, &der_len, cert, err)) < 0 ||
        (rc = sgn_x509_tbs_sha384_hex(tbs, der, der_len, err)) < 0 ||
        (rc = sgn_random_alnum(rnd, 12, err)) < 0)
        goto out;
    snprintf(file, sizeof(file), "%s-%s.pem", kinds[kind], rnd);
    if ((rc = key_path(path, sizeof(path), a, file, err)) < 0 ||
        (rc = sgn_crypto_write_key_pem(path, key, err)) < 0)
        goto out;
    if ((rc = sgn_authority__prepare(
             a, &st,
             "INSERT INTO certs(kind, parent_id, der, key_file, tbs_hash, not_before, not_after, "
             "created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
             err)) < 0)
        goto out;
    sqlite3_bind_text(st, 1, kinds[kind], -1, SQLITE_STATIC);
    if (issuer)
        sqlite3_bind_int64(st, 2, issuer->id);
    else
        sqlite3_bind_null(st, 2);
    sqlite3_bind_blob(st, 3, der, (int)der_len, SQLITE_STATIC);
    sqlite3_bind_text(st, 4, file, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 5, tbs, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 6, not_before);
    sqlite3_bind_int64(st, 7, not_after);
    sqlite3_bind_int64(st, 8, sgn_authority_now(a));
    if (sqlite3_step(st) != SQLITE_DONE) {
        rc = sgn_authority__db_fail(a, err, "cannot record a certificate");
        goto out;
    }
    out->id = sqlite3_last_insert_rowid(a->db);
    snprintf(out->key_file, sizeof(out->key_file), "%s", file);
    out->cert = cert;
    out->key = key;
    out->not_before = not_before;
    out->not_after = not_after;
    out->created_at = sgn_authority_now(a);
    cert = NULL;
    key = NULL;
out:
    sqlite3_finalize(st);
    free(der);
    X509_free(cert);
    EVP_PKEY_free(key);
    return rc;
}

static int cached_cert(X509 **out, sgn_authority *a, int64_t id, const void *der, size_t len,
                       sgn_error *err)
{
    size_t i, n = sizeof(a->certs) / sizeof(a->certs[0]);
    int rc;

    for (i = 0; i < n; i++)
        if (a->certs[i].cert != NULL && a->certs[i].id == id && X509_up_ref(a->certs[i].cert)) {
            *out = a->certs[i].cert;
            return SGN_OK;
        }
    if ((rc = sgn_x509_from_der(out, der, len, err)) < 0)
        return rc;
    i = a->next_cert++ % n;
    X509_free(a->certs[i].cert);
    a->certs[i].cert = X509_up_ref(*out) ? *out : NULL;
    a->certs[i].id = id;
    return SGN_OK;
}

/* Load the newest certificate of a kind (its key is read by row_key, only when used: a
 * signature needs the leaf's, issuing needs the issuer's); out->id == 0 when there is none. */
static int load_latest(cert_row *out, sgn_authority *a, const char *kind, int64_t parent_id,
                       sgn_error *err)
{
    sqlite3_stmt *st = NULL;
    int rc;

    memset(out, 0, sizeof(*out));
    if ((rc = sgn_authority__stmt(
             a, &st,
             "SELECT id, der, key_file, not_before, not_after, created_at FROM certs "
             "WHERE kind = ? AND (? = 0 OR parent_id = ?) AND revoked_at IS NULL "
             "ORDER BY created_at DESC, id DESC LIMIT 1",
             err)) < 0)
        return rc;
    sqlite3_bind_text(st, 1, kind, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 2, parent_id);
    sqlite3_bind_int64(st, 3, parent_id);
    rc = sqlite3_step(st);
    if (rc == SQLITE_DONE) {
        rc = SGN_OK;
        goto out;
    }
    if (rc != SQLITE_ROW) {
        rc = sgn_authority__db_fail(a, err, "cannot read the store's certificates");
        goto out;
    }
    out->id = sqlite3_column_int64(st, 0);
    out->not_before = sqlite3_column_int64(st, 3);
    out->not_after = sqlite3_column_int64(st, 4);
    out->created_at = sqlite3_column_int64(st, 5);
    if (snprintf(out->key_file, sizeof(out->key_file), "%s",
                 (const char *)sqlite3_column_text(st, 2)) >= (int)sizeof(out->key_file)) {
        rc = sgn_error_set(err, SGN_EIO, "store key file name too long");
        goto out;
    }
    if ((rc = cached_cert(&out->cert, a, out->id, sqlite3_column_blob(st, 1),
                          (size_t)sqlite3_column_bytes(st, 1), err)) < 0)
        goto out;
    rc = SGN_OK;
out:
    sgn_authority__stmt_done(a, st);
    if (rc < 0)
        row_free(out);
    return rc;
}

static int row_key(cert_row *r, sgn_authority *a, sgn_error *err)
{
    char path[PATH_MAX];
    int rc;

    if (r->key != NULL)
        return SGN_OK;
    if ((rc = key_path(path, sizeof(path), a, r->key_file, err)) < 0)
        return rc;
    return sgn_crypto_read_key_pem(&r->key, path, err);
}

/* The leaf's key, kept by the handle while the leaf is current (key files are written once,
 * under a fresh random name, and never change). */
static int leaf_key(cert_row *leaf, sgn_authority *a, sgn_error *err)
{
    int rc;

    if (leaf->key != NULL)
        return SGN_OK;
    if (a->leaf_key != NULL && strcmp(a->leaf_key_file, leaf->key_file) == 0 &&
        EVP_PKEY_up_ref(a->leaf_key) == 1) {
        leaf->key = a->leaf_key;
        return SGN_OK;
    }
    if ((rc = row_key(leaf, a, err)) < 0)
        return rc;
    EVP_PKEY_free(a->leaf_key);
    a->leaf_key = NULL;
    if (EVP_PKEY_up_ref(leaf->key) == 1) {
        a->leaf_key = leaf->key;
        snprintf(a->leaf_key_file, sizeof(a->leaf_key_file), "%s", leaf->key_file);
    }
    return SGN_OK;
}

static int make_ca(cert_row *out, sgn_authority *a, const cert_row *root, int64_t now,
                   sgn_error *err)
{
    char subject[256];
    int64_t not_after = now + SGN_CA_LIFETIME;

    if (not_after > root->not_after)
        not_after = root->not_after;
    snprintf(subject, sizeof(subject),
             "C=US,ST=WA,O=Local Signer,OU=Cryptography,CN=Local Signer %s Code Signing CA G1",
             a->region);
    return make_cert(out, a, SGN_CERT_CA, subject, now - SGN_LEAF_BACKDATE, not_after, root,
                     err);
}

int sgn_authority__pki_create(sgn_authority *a, sgn_error *err)
{
    cert_row root, ca;
    int64_t now = sgn_authority_now(a);
    int rc;

    memset(&ca, 0, sizeof(ca));
    if ((rc = make_cert(&root, a, SGN_CERT_ROOT, ROOT_SUBJECT, now - SGN_LEAF_BACKDATE,
                        now + SGN_ROOT_LIFETIME, NULL, err)) < 0)
        return rc;
    rc = make_ca(&ca, a, &root, now, err);
    row_free(&ca);
    row_free(&root);
    return rc;
}

void sgn_authority__chain_free(X509 **chain, size_t n)
{
    size_t i;

    if (chain == NULL)
        return;
    for (i = 0; i < n; i++)
        X509_free(chain[i]);
    free(chain);
}

/* The chain (and the leaf's key) as sgn_authority__signing_chain and _current_chain return it.
 * rotate: replace a CA or leaf that is due (inside a write transaction); else *due = 1 and
 * nothing returned when one is due. Only the keys needed are read: the leaf's, and the issuer's
 * when issuing. */
static int chain(sgn_authority *a, EVP_PKEY **key, X509 ***chain_out, size_t *n, int64_t *leaf_id,
                 int rotate, int *due, sgn_error *err)
{
    cert_row root, ca, leaf;
    int64_t now = sgn_authority_now(a);
    X509 **c = NULL;
    int rc;

    *key = NULL;
    *chain_out = NULL;
    *n = 0;
    *due = 0;
    memset(&ca, 0, sizeof(ca));
    memset(&leaf, 0, sizeof(leaf));
    if ((rc = load_latest(&root, a, "root", 0, err)) < 0)
        return rc;
    if (root.id == 0) {
        rc = sgn_error_set(err, SGN_EDB, "the local Signer store %s has no root certificate",
                           a->dir);
        goto out;
    }
    if ((rc = load_latest(&ca, a, "ca", root.id, err)) < 0)
        goto out;
    /* A fresh leaf must not outlive its issuer. */
    if (ca.id == 0 || now + SGN_LEAF_LIFETIME > ca.not_after || now < ca.not_before) {
        row_free(&ca);
        *due = 1;
        if (!rotate)
            goto out;
        if ((rc = row_key(&root, a, err)) < 0 || (rc = make_ca(&ca, a, &root, now, err)) < 0)
            goto out;
    }
    if ((rc = load_latest(&leaf, a, "leaf", ca.id, err)) < 0)
        goto out;
    if (leaf.id == 0 || now >= leaf.created_at + SGN_LEAF_ROTATE_AFTER ||
        now >= leaf.not_after - 60 || now < leaf.not_before) {
        row_free(&leaf);
        *due = 1;
        if (!rotate)
            goto out;
        if ((rc = row_key(&ca, a, err)) < 0 ||
            (rc = make_cert(&leaf, a, SGN_CERT_LEAF, LEAF_SUBJECT, now - SGN_LEAF_BACKDATE,
                            now + SGN_LEAF_LIFETIME, &ca, err)) < 0)
            goto out;
    }
    if ((rc = leaf_key(&leaf, a, err)) < 0)
        goto out;
    c = calloc(3, sizeof(*c));
    if (c == NULL) {
        rc = sgn_error_set(err, SGN_ENOMEM, "out of memory");
        goto out;
    }
    c[0] = leaf.cert;
    c[1] = ca.cert;
    c[2] = root.cert;
    leaf.cert = ca.cert = root.cert = NULL;
    *chain_out = c;
    *n = 3;
    *key = leaf.key;
    leaf.key = NULL;
    if (leaf_id)
        *leaf_id = leaf.id;
    rc = SGN_OK;
out:
    row_free(&leaf);
    row_free(&ca);
    row_free(&root);
    return rc;
}

int sgn_authority__signing_chain(sgn_authority *a, EVP_PKEY **key, X509 ***chain_out, size_t *n,
                                 int64_t *leaf_id, sgn_error *err)
{
    int due;

    return chain(a, key, chain_out, n, leaf_id, 1, &due, err);
}

int sgn_authority__current_chain(sgn_authority *a, EVP_PKEY **key, X509 ***chain_out, size_t *n,
                                 int64_t *leaf_id, int *due, sgn_error *err)
{
    return chain(a, key, chain_out, n, leaf_id, 0, due, err);
}

int sgn_authority__chain_usable(sgn_authority *a, int64_t leaf_id, int *usable, sgn_error *err)
{
    sqlite3_stmt *st = NULL;
    int rc;

    *usable = 0;
    if ((rc = sgn_authority__stmt(
             a, &st,
             "SELECT count(*) FROM certs l JOIN certs c ON c.id = l.parent_id "
             "JOIN certs r ON r.id = c.parent_id WHERE l.id = ? AND l.revoked_at IS NULL "
             "AND c.revoked_at IS NULL AND r.revoked_at IS NULL",
             err)) < 0)
        return rc;
    sqlite3_bind_int64(st, 1, leaf_id);
    if (sqlite3_step(st) == SQLITE_ROW)
        *usable = sqlite3_column_int(st, 0) == 1;
    else
        rc = sgn_authority__db_fail(a, err, "cannot read the store's certificates");
    sgn_authority__stmt_done(a, st);
    return rc;
}

int sgn_authority_root_pem(sgn_authority *a, char **pem, sgn_error *err)
{
    cert_row root;
    int rc;

    *pem = NULL;
    if ((rc = load_latest(&root, a, "root", 0, err)) < 0)
        return rc;
    if (root.id == 0)
        rc = sgn_error_set(err, SGN_EDB, "the local Signer store %s has no root certificate",
                           a->dir);
    else
        rc = sgn_x509_to_pem(pem, root.cert, err);
    row_free(&root);
    return rc;
}

int sgn_authority_describe_chain(sgn_authority *a, cJSON **out, sgn_error *err)
{
    EVP_PKEY *key = NULL;
    X509 **chain = NULL;
    size_t n = 0, i;
    cJSON *o = NULL, *arr;
    int rc;

    *out = NULL;
    if ((rc = sgn_authority__begin(a, err)) < 0)
        return rc;
    if ((rc = sgn_authority__signing_chain(a, &key, &chain, &n, NULL, err)) < 0 ||
        (rc = sgn_authority__commit(a, err)) < 0)
        goto out;
    o = cJSON_CreateObject();
    arr = cJSON_AddArrayToObject(o, "certificates");
    for (i = 0; i < n && arr; i++) {
        unsigned char *der = NULL;
        size_t len = 0;
        char *b64 = NULL, tbs[97];
        cJSON *c = cJSON_CreateObject();
        if ((rc = sgn_x509_to_der(&der, &len, chain[i], err)) < 0 ||
            (rc = sgn_b64_encode(&b64, der, len, err)) < 0 ||
            (rc = sgn_x509_tbs_sha384_hex(tbs, der, len, err)) < 0) {
            free(der);
            free(b64);
            cJSON_Delete(c);
            goto out;
        }
        cJSON_AddStringToObject(c, "certificate", b64);
        cJSON_AddStringToObject(c, "tbsSha384", tbs);
        cJSON_AddItemToArray(arr, c);
        free(der);
        free(b64);
    }
    *out = o;
    o = NULL;
    rc = SGN_OK;
out:
    sgn_authority__rollback(a);
    cJSON_Delete(o);
    EVP_PKEY_free(key);
    sgn_authority__chain_free(chain, n);
    return rc;
}
