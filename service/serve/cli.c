/* serve: the command's flags, then sv_serve (server.c). It lives beside the server, in the
 * serve library, so that the library's tests never need the command line's objects. */
#include "../service.h"

#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "serve.h"
#include "sgn/util.h"

/* "HOST:PORT", "[V6]:PORT" or "HOST" (default port). host is malloc'd. */
static int parse_listen(sl_ctx *ctx, const char *s, char **host, unsigned *port, sgn_error *err)
{
    const char *colon, *hs = s, *he;
    char *end;
    unsigned long p = SV_DEFAULT_PORT;

    if (s[0] == '[') {
        if ((he = strchr(s, ']')) == NULL)
            return sl_usage_error(ctx, err, "argument --listen: a missing ']' in %s", s);
        hs = s + 1;
        colon = he[1] == ':' ? he + 1 : NULL;
        if (he[1] != '\0' && colon == NULL)
            return sl_usage_error(ctx, err, "argument --listen: expected HOST:PORT, got %s", s);
    } else {
        colon = strrchr(s, ':');
        if (colon != NULL && strchr(s, ':') != colon)
            return sl_usage_error(ctx, err,
                                  "argument --listen: write an IPv6 address as [ADDR]:PORT");
        he = colon ? colon : s + strlen(s);
    }
    if (colon != NULL) {
        errno = 0;
        p = strtoul(colon + 1, &end, 10);
        if (colon[1] == '\0' || *end != '\0' || errno != 0 || p > 65535)
            return sl_usage_error(ctx, err, "argument --listen: invalid port in %s", s);
    }
    if (he == hs)
        return sl_usage_error(ctx, err, "argument --listen: no host in %s", s);
    if ((*host = strndup(hs, (size_t)(he - hs))) == NULL)
        return sgn_error_set(err, SGN_ENOMEM, "out of memory");
    *port = (unsigned)p;
    return SGN_OK;
}

int sl_cmd_serve(sl_ctx *ctx, int argc, char **argv, sgn_error *err)
{
    enum { O_LISTEN, O_CERT, O_KEY, O_PORT_FILE, O_AUDIT, O_QUOTA, O_THREADS, O_READS_ASYNC };
    sl_opt opts[] = {
        [O_LISTEN] = {.name = "listen", .kind = SL_OPT_VALUE},
        [O_CERT] = {.name = "tls-cert", .kind = SL_OPT_VALUE},
        [O_KEY] = {.name = "tls-key", .kind = SL_OPT_VALUE},
        [O_PORT_FILE] = {.name = "port-file", .kind = SL_OPT_VALUE},
        [O_AUDIT] = {.name = "audit-log", .kind = SL_OPT_VALUE},
        [O_QUOTA] = {.name = "quota", .kind = SL_OPT_VALUE},
        [O_THREADS] = {.name = "threads", .kind = SL_OPT_VALUE},
        [O_READS_ASYNC] = {.name = "audit-reads-async", .kind = SL_OPT_FLAG},
    };
    sv_serve_opts so;
    sgn_authority *a = NULL;
    char *host = NULL, *audit = NULL, *end;
    int rc;

    memset(&so, 0, sizeof(so));
    if ((rc = sl_parse(ctx, opts, N(opts), argc, argv, err)) < 0 || ctx->help_shown)
        goto out;
    if ((rc = parse_listen(ctx, opts[O_LISTEN].value ? opts[O_LISTEN].value : SV_DEFAULT_HOST,
                           &host, &so.port, err)) < 0)
        goto out;
    if (!opts[O_LISTEN].value)
        so.port = SV_DEFAULT_PORT;
    if ((opts[O_CERT].value == NULL) != (opts[O_KEY].value == NULL)) {
        rc = sl_usage_error(ctx, err, "--tls-cert and --tls-key go together");
        goto out;
    }
    if (opts[O_QUOTA].value != NULL) {
        errno = 0;
        so.quota_rps = strtod(opts[O_QUOTA].value, &end);
        if (*end != '\0' || errno != 0 || !(so.quota_rps > 0) || so.quota_rps > 1e6) {
            rc = sl_usage_error(ctx, err,
                                "argument --quota: expected requests per second (> 0), got %s",
                                opts[O_QUOTA].value);
            goto out;
        }
    }
    if (opts[O_THREADS].value != NULL) {
        unsigned long t = strtoul(opts[O_THREADS].value, &end, 10);

        if (*end != '\0' || t < 1 || t > 256) {
            rc = sl_usage_error(ctx, err, "argument --threads: expected 1 to 256, got %s",
                                opts[O_THREADS].value);
            goto out;
        }
        so.threads = (unsigned)t;
    }
    if ((rc = sl_open_store(ctx, &a, err)) < 0)
        goto out;
    if (sgn_authority_read_only(a)) {
        rc = sgn_error_set(err, SGN_EIO, "the store %s is read-only; serve needs to write it",
                           sgn_authority_dir(a));
        goto out;
    }
    if (opts[O_AUDIT].value == NULL) {
        sgn_buf b = SGN_BUF_INIT;

        if ((rc = sgn_buf_printf(&b, err, "%s/audit.jsonl", sgn_authority_dir(a))) < 0)
            goto out;
        audit = sgn_buf_detach(&b, NULL);
    }
    so.store = a;
    so.host = host;
    so.tls_cert = opts[O_CERT].value;
    so.tls_key = opts[O_KEY].value;
    so.port_file = opts[O_PORT_FILE].value;
    so.audit_log = audit ? audit : opts[O_AUDIT].value;
    so.version = SGN_VERSION;
    so.audit_reads_async = opts[O_READS_ASYNC].seen > 0;
    rc = sv_serve(&so, err);
out:
    sgn_authority_close(a);
    free(host);
    free(audit);
    sl_args_free(opts, N(opts));
    return rc;
}
