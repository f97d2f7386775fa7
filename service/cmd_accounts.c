/* Sharing, tags and access keys: add/list/remove-profile-permission, tag-resource,
 * untag-resource, list-tags-for-resource (flags of `aws signer`), and create/list/update/
 * delete-access-key (flags of `aws iam`, plus the account and principal a key belongs to). */
#include "service.h"

static const sl_param add_perm_params[] = {
    {"profile-name", "profileName", SL_CONV_STRING, 1, NULL},
    {"action", "action", SL_CONV_STRING, 1, NULL},
    {"principal", "principal", SL_CONV_STRING, 1, NULL},
    {"statement-id", "statementId", SL_CONV_STRING, 1, NULL},
    {"profile-version", "profileVersion", SL_CONV_STRING, 0, NULL},
    {"revision-id", "revisionId", SL_CONV_STRING, 0, NULL},
};

const sl_operation sl_op_add_profile_permission = {
    "AddProfilePermission", sgn_authority_add_profile_permission, add_perm_params,
    N(add_perm_params), NULL,
};

static const sl_param list_perm_params[] = {
    {"profile-name", "profileName", SL_CONV_STRING, 1, NULL},
    {"next-token", "nextToken", SL_CONV_STRING, 0, NULL},
};

const sl_operation sl_op_list_profile_permissions = {
    "ListProfilePermissions", sgn_authority_list_profile_permissions, list_perm_params,
    N(list_perm_params), "permissions",
};

static const sl_param remove_perm_params[] = {
    {"profile-name", "profileName", SL_CONV_STRING, 1, NULL},
    {"statement-id", "statementId", SL_CONV_STRING, 1, NULL},
    {"revision-id", "revisionId", SL_CONV_STRING, 1, NULL},
};

const sl_operation sl_op_remove_profile_permission = {
    "RemoveProfilePermission", sgn_authority_remove_profile_permission, remove_perm_params,
    N(remove_perm_params), NULL,
};

static const sl_param tag_params[] = {
    {"resource-arn", "resourceArn", SL_CONV_STRING, 1, NULL},
    {"tags", "tags", SL_CONV_MAP, 1, NULL},
};

const sl_operation sl_op_tag_resource = {
    "TagResource", sgn_authority_tag_resource, tag_params, N(tag_params), NULL,
};

static const sl_param untag_params[] = {
    {"resource-arn", "resourceArn", SL_CONV_STRING, 1, NULL},
    {"tag-keys", "tagKeys", SL_CONV_LIST, 1, NULL},
};

const sl_operation sl_op_untag_resource = {
    "UntagResource", sgn_authority_untag_resource, untag_params, N(untag_params), NULL,
};

static const sl_param list_tags_params[] = {
    {"resource-arn", "resourceArn", SL_CONV_STRING, 1, NULL},
};

const sl_operation sl_op_list_tags_for_resource = {
    "ListTagsForResource", sgn_authority_list_tags_for_resource, list_tags_params,
    N(list_tags_params), NULL,
};

static const sl_param create_key_params[] = {
    {"account-id", "accountId", SL_CONV_STRING, 1, NULL},
    {"principal", "principal", SL_CONV_STRING, 0, NULL},
    {"temporary", "temporary", SL_CONV_BOOL, 0, NULL},
    {"duration-seconds", "durationSeconds", SL_CONV_INT, 0, NULL},
};

const sl_operation sl_op_create_access_key = {
    "CreateAccessKey", sgn_authority_create_access_key, create_key_params,
    N(create_key_params), NULL,
};

static const sl_param list_keys_params[] = {
    {"account-id", "accountId", SL_CONV_STRING, 0, NULL},
};

const sl_operation sl_op_list_access_keys = {
    "ListAccessKeys", sgn_authority_list_access_keys, list_keys_params, N(list_keys_params),
    NULL,
};

static const sl_param update_key_params[] = {
    {"access-key-id", "AccessKeyId", SL_CONV_STRING, 1, NULL},
    {"status", "Status", SL_CONV_STRING, 1, NULL},
};

const sl_operation sl_op_update_access_key = {
    "UpdateAccessKey", sgn_authority_update_access_key, update_key_params,
    N(update_key_params), NULL,
};

static const sl_param delete_key_params[] = {
    {"access-key-id", "AccessKeyId", SL_CONV_STRING, 1, NULL},
};

const sl_operation sl_op_delete_access_key = {
    "DeleteAccessKey", sgn_authority_delete_access_key, delete_key_params,
    N(delete_key_params), NULL,
};
