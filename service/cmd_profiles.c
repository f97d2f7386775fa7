/* Signing profile commands: put, get, list, cancel and revoke. */
#include "service.h"

static const sl_param put_params[] = {
    {"profile-name", "profileName", SL_CONV_STRING, 1, NULL},
    {"platform-id", "platformId", SL_CONV_STRING, 1, NULL},
    {"signature-validity-period", "signatureValidityPeriod", SL_CONV_VALIDITY, 0, NULL},
    {"signing-material", "signingMaterial", SL_CONV_STRUCT, 0, NULL},
    {"overrides", "overrides", SL_CONV_STRUCT, 0, NULL},
    {"signing-parameters", "signingParameters", SL_CONV_MAP, 0, NULL},
    {"tags", "tags", SL_CONV_MAP, 0, NULL},
};

const sl_operation sl_op_put_signing_profile = {
    "PutSigningProfile", sgn_authority_put_signing_profile, put_params, N(put_params), NULL,
};

static const sl_param get_params[] = {
    {"profile-name", "profileName", SL_CONV_STRING, 1, NULL},
    {"profile-owner", "profileOwner", SL_CONV_STRING, 0, NULL},
};

const sl_operation sl_op_get_signing_profile = {
    "GetSigningProfile", sgn_authority_get_signing_profile, get_params, N(get_params), NULL,
};

static const sl_param list_params[] = {
    {"include-canceled", "includeCanceled", SL_CONV_BOOL, 0, NULL},
    {"platform-id", "platformId", SL_CONV_STRING, 0, NULL},
    {"statuses", "statuses", SL_CONV_LIST, 0, NULL},
    {"max-results", "maxResults", SL_CONV_INT, 0, NULL},
    {"next-token", "nextToken", SL_CONV_STRING, 0, NULL},
};

const sl_operation sl_op_list_signing_profiles = {
    "ListSigningProfiles", sgn_authority_list_signing_profiles, list_params, N(list_params),
    "profiles",
};

static const sl_param cancel_params[] = {
    {"profile-name", "profileName", SL_CONV_STRING, 1, NULL},
};

const sl_operation sl_op_cancel_signing_profile = {
    "CancelSigningProfile", sgn_authority_cancel_signing_profile, cancel_params,
    N(cancel_params), NULL,
};

static const sl_param revoke_params[] = {
    {"profile-name", "profileName", SL_CONV_STRING, 1, NULL},
    {"profile-version", "profileVersion", SL_CONV_STRING, 1, NULL},
    {"reason", "reason", SL_CONV_STRING, 1, NULL},
    {"effective-time", "effectiveTime", SL_CONV_TIME, 1, NULL},
};

const sl_operation sl_op_revoke_signing_profile = {
    "RevokeSigningProfile", sgn_authority_revoke_signing_profile, revoke_params,
    N(revoke_params), NULL,
};
