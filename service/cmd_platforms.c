/* Signing platform commands: list and get. */
#include "service.h"

static const sl_param list_params[] = {
    {"category", "category", SL_CONV_STRING, 0, NULL},
    {"partner", "partner", SL_CONV_STRING, 0, NULL},
    {"target", "target", SL_CONV_STRING, 0, NULL},
    {"max-results", "maxResults", SL_CONV_INT, 0, NULL},
    {"next-token", "nextToken", SL_CONV_STRING, 0, NULL},
};

const sl_operation sl_op_list_signing_platforms = {
    "ListSigningPlatforms", sgn_authority_list_signing_platforms, list_params, N(list_params),
    "platforms",
};

static const sl_param get_params[] = {
    {"platform-id", "platformId", SL_CONV_STRING, 1, NULL},
};

const sl_operation sl_op_get_signing_platform = {
    "GetSigningPlatform", sgn_authority_get_signing_platform, get_params, N(get_params), NULL,
};
