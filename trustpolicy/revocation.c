/* The revocation reason of the Go plugin (getRevocationResultReason). */
#include "sgn/identity.h"

#include <string.h>

int sgn_identity_revocation_reason(char **reason, int *revoked, const char *const *entities,
                                   size_t n, sgn_error *err)
{
    sgn_buf b = SGN_BUF_INIT, resources = SGN_BUF_INIT;
    int rc, cert_revoked = 0;
    size_t i;

    *reason = NULL;
    *revoked = n > 0;
    if (n == 0) {
        rc = sgn_buf_puts(&b, SGN_REASON_NOT_REVOKED, err);
        goto done;
    }
    for (i = 0; i < n; i++) {
        const char *e = entities[i] ? entities[i] : "";
        if (strncmp(e, "arn", 3) == 0) {
            if (resources.len > 0 && (rc = sgn_buf_puts(&resources, ", ", err)) < 0)
                goto out;
            if ((rc = sgn_buf_puts(&resources, e, err)) < 0)
                goto out;
        } else {
            cert_revoked = 1;
        }
    }
    rc = SGN_OK;
    if (resources.len > 0)
        rc = sgn_buf_printf(&b, err, "Resource(s) %s have been revoked.", sgn_buf_cstr(&resources));
    if (rc == SGN_OK && cert_revoked)
        rc = sgn_buf_puts(&b, SGN_REASON_CERT_REVOKED, err);
done:
    if (rc < 0)
        goto out;
    *reason = sgn_buf_detach(&b, NULL);
    if (*reason == NULL)
        rc = sgn_error_set(err, SGN_ENOMEM, "out of memory");
out:
    sgn_buf_free(&b);
    sgn_buf_free(&resources);
    return rc;
}
