#include "sgn/backend.h"

#include <stdlib.h>
#include <string.h>
#include <openssl/crypto.h>

int sgn_strlist_push(sgn_strlist *l, const char *s, sgn_error *err)
{
    char **items = realloc(l->items, (l->len + 1) * sizeof(*items));
    char *copy;

    if (items == NULL)
        return sgn_error_set(err, SGN_ENOMEM, "out of memory");
    l->items = items;
    copy = strdup(s);
    if (copy == NULL)
        return sgn_error_set(err, SGN_ENOMEM, "out of memory");
    l->items[l->len++] = copy;
    return SGN_OK;
}

void sgn_strlist_free(sgn_strlist *l)
{
    size_t i;

    for (i = 0; i < l->len; i++)
        free(l->items[i]);
    free(l->items);
    l->items = NULL;
    l->len = 0;
}

void sgn_sign_result_free(sgn_sign_result *r)
{
    size_t i;

    free(r->job_id);
    free(r->job_owner);
    for (i = 0; i < r->metadata_len; i++) {
        free(r->metadata[i].key);
        free(r->metadata[i].value);
    }
    free(r->metadata);
    free(r->signature);
    memset(r, 0, sizeof(*r));
}

int sgn_backend_sign_payload(sgn_backend *b, const sgn_sign_request *req, sgn_sign_result *out,
                             sgn_error *err)
{
    memset(out, 0, sizeof(*out));
    return b->ops->sign_payload(b, req, out, err);
}

int sgn_backend_get_revocation_status(sgn_backend *b, const sgn_revocation_query *q,
                                      sgn_strlist *revoked, sgn_error *err)
{
    revoked->items = NULL;
    revoked->len = 0;
    return b->ops->get_revocation_status(b, q, revoked, err);
}

void sgn_backend_free(sgn_backend *b)
{
    if (b != NULL)
        b->ops->free(b);
}
