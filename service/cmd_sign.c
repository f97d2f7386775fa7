/* Signing and revocation checks: sign-payload, get-revocation-status, revoke-certificate. */
#include "service.h"

static const sl_param sign_params[] = {
    {"profile-name", "profileName", SL_CONV_STRING, 1, NULL},
    {"payload", "payload", SL_CONV_PAYLOAD, 1, NULL},
    {"payload-format", "payloadFormat", SL_CONV_STRING, 1, NULL},
    {"profile-owner", "profileOwner", SL_CONV_STRING, 0, NULL},
    /* Our extension: the envelope AWS builds is JWS; COSE is the local Signer's addition. */
    {"signature-format", "signatureEnvelopeType", SL_CONV_ENVELOPE, 0, "jws"},
};

const sl_operation sl_op_sign_payload = {
    "SignPayload", sgn_authority_sign_payload, sign_params, N(sign_params), NULL,
};

static const sl_param status_params[] = {
    {"signature-timestamp", "signatureTimestamp", SL_CONV_TIME, 1, NULL},
    {"platform-id", "platformId", SL_CONV_STRING, 1, NULL},
    {"profile-version-arn", "profileVersionArn", SL_CONV_STRING, 1, NULL},
    {"job-arn", "jobArn", SL_CONV_STRING, 1, NULL},
    {"certificate-hashes", "certificateHashes", SL_CONV_LIST, 1, NULL},
};

const sl_operation sl_op_get_revocation_status = {
    "GetRevocationStatus", sgn_authority_get_revocation_status, status_params,
    N(status_params), NULL,
};

static const sl_param revoke_cert_params[] = {
    {"certificate-hash", "certificateHash", SL_CONV_STRING, 1, NULL},
    {"reason", "reason", SL_CONV_STRING, 1, NULL},
};

const sl_operation sl_op_revoke_certificate = {
    "RevokeCertificate", sgn_authority_revoke_certificate, revoke_cert_params,
    N(revoke_cert_params), NULL,
};
