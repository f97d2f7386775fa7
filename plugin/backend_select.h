/* Which Signer answers a request: the in-process local Signer or AWS Signer.
 *
 *   1. pluginConfig "local-store" (non-empty): the local Signer with its store in that directory;
 *   2. else, if the relevant ARN (generate-envelope: the keyId; verify-signature: the signature's
 *      signingProfileVersion) parses with region "local": the local Signer at the default store
 *      ($SIGNER_LOCAL_STORE, $XDG_DATA_HOME/signer-local, ~/.local/share/signer-local);
 *   3. else AWS Signer, configured by pluginConfig aws-region, aws-profile,
 *      aws-signer-endpoint-url, and our aws-timeout-ms / aws-connect-timeout-ms, plus the
 *      environment (credentials, region, endpoints: core/include/sgn/aws_*.h).
 * Choosing is pure; a backend is created only when a call is about to be made. */
#ifndef SGN_PLUGIN_BACKEND_SELECT_H
#define SGN_PLUGIN_BACKEND_SELECT_H

#include "commands.h"
#include "sgn/backend.h"

typedef enum pl_backend_kind { PL_BACKEND_AWS, PL_BACKEND_LOCAL } pl_backend_kind;

typedef struct pl_backend_plan {
    pl_backend_kind kind;
    int from_config; /* local: the store comes from pluginConfig local-store */
} pl_backend_plan;

void pl_backend_choose(pl_backend_plan *plan, const pl_config *cfg, sgn_span arn);

/* Create the planned backend. A local store that cannot be located (no HOME) or does not exist
 * is SGN_ENOTFOUND, worded in the plugin's terms (pluginConfig local-store, SIGNER_LOCAL_STORE);
 * the caller treats it as a failed call (verify-signature: a failed REVOCATION_CHECK). Other
 * failures (a local-store value holding a NUL, out of memory, AWS configuration) are reported
 * through err as well. */
int pl_backend_open(sgn_backend **out, const pl_backend_plan *plan, const pl_config *cfg,
                    const pl_ctx *ctx, sgn_error *err);

const char *pl_backend_name(const pl_backend_plan *plan);

#endif
