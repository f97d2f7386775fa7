/* What PutSigningProfile accepts, rule by rule (developer guide, "Signing profiles"; release note,
 * "validity periods"; the API model's shapes, research/aws-signer-api.md §1.5): validity periods,
 * overrides, signing material and tags. */
#include "internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define DEFAULT_VALIDITY_VALUE 135
#define DEFAULT_VALIDITY_TYPE "MONTHS"
#define SGN_MAX_PROFILE_TAGS 50

/* The longest validity period of each type: 135 months (release note, "validity periods"; developer
 * guide, "Signing profiles"), 11 years, and in days the fewest days that any 135 calendar months
 * hold (11 years with two leap days, 4017, plus the shortest three months, 89), so that no DAYS
 * period ever outlasts 135 months. */
#define MAX_VALIDITY_MONTHS 135
#define MAX_VALIDITY_YEARS 11
#define MAX_VALIDITY_DAYS 4106

int sgn_authority__validate_validity(int64_t *value, const char **type, const sgn_platform *pl,
                             const cJSON *in, sgn_error *err)
{
    const cJSON *svp = cJSON_GetObjectItemCaseSensitive(in, "signatureValidityPeriod");
    const cJSON *v, *t;
    static const int64_t max[] = {MAX_VALIDITY_DAYS, MAX_VALIDITY_MONTHS, MAX_VALIDITY_YEARS};
    int rc, i;

    *value = 0;
    *type = "";
    if (svp == NULL || cJSON_IsNull(svp)) {
        if (pl->has_validity_period) {
            *value = DEFAULT_VALIDITY_VALUE;
            *type = DEFAULT_VALIDITY_TYPE;
        }
        return SGN_OK;
    }
    if (!pl->has_validity_period)
        return sgn_authority__fail(err, 400, "ValidationException",
                                   "Platform %s does not take a signatureValidityPeriod; only "
                                   "AWSLambda-SHA384-ECDSA and %s signatures have one",
                                   pl->id, SGN_PLATFORM_NOTATION);
    if (!cJSON_IsObject(svp))
        return sgn_authority__fail(err, 400, "ValidationException",
                                   "signatureValidityPeriod must be an object with value and "
                                   "type");
    v = cJSON_GetObjectItemCaseSensitive(svp, "value");
    t = cJSON_GetObjectItemCaseSensitive(svp, "type");
    if (!cJSON_IsNumber(v) || !cJSON_IsString(t))
        return sgn_authority__fail(err, 400, "ValidationException",
                                   "signatureValidityPeriod needs a numeric value and a type "
                                   "(DAYS, MONTHS or YEARS)");
    if ((rc = sgn_authority__check_enum(t->valuestring, "signatureValidityPeriod.type",
                                        sgn_authority__validity_types, err)) < 0)
        return rc;
    i = sgn_authority__in_list(t->valuestring, sgn_authority__validity_types);
    *type = sgn_authority__validity_types[i];
    *value = (int64_t)v->valuedouble;
    if (v->valuedouble != (double)*value || *value < 1 || *value > max[i])
        return sgn_authority__fail(err, 400, "ValidationException",
                                   "The signature validity period must be between 1 day and 135 "
                                   "months (at most %lld %s; got %g %s)",
                                   (long long)max[i], *type, v->valuedouble, *type);
    return SGN_OK;
}

/* One override: an enum member whose value the platform must also allow. */
static int check_override(const cJSON *o, const char *name, const char *path,
                          const char *const *model, const char *const *platform_allows,
                          const sgn_platform *pl, sgn_error *err)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, name);
    int rc;

    if (v == NULL || cJSON_IsNull(v))
        return SGN_OK;
    if (!cJSON_IsString(v))
        return sgn_authority__fail(err, 400, "ValidationException",
                                   "1 validation error detected: Value at '%s' must be a string",
                                   path);
    if ((rc = sgn_authority__check_enum(v->valuestring, path, model, err)) < 0)
        return rc;
    if (sgn_authority__in_list(v->valuestring, platform_allows) < 0)
        return sgn_authority__fail(err, 400, "ValidationException",
                                   "Platform %s does not support %s %s; see get-signing-platform "
                                   "for the values it allows",
                                   pl->id, path, v->valuestring);
    return SGN_OK;
}

/* overrides: {signingConfiguration: {encryptionAlgorithm, hashAlgorithm}, signingImageFormat}, each
 * among the values the platform lists (its signingConfiguration and signingImageFormat). */
int sgn_authority__validate_overrides(const sgn_platform *pl, const cJSON *in, sgn_error *err)
{
    const cJSON *o = cJSON_GetObjectItemCaseSensitive(in, "overrides"), *cfg;
    int rc;

    if (o == NULL || cJSON_IsNull(o))
        return SGN_OK;
    if (!cJSON_IsObject(o))
        return sgn_authority__fail(err, 400, "ValidationException",
                                   "overrides must be an object with signingConfiguration and/or "
                                   "signingImageFormat");
    cfg = cJSON_GetObjectItemCaseSensitive(o, "signingConfiguration");
    if (cfg != NULL && !cJSON_IsNull(cfg) && !cJSON_IsObject(cfg))
        return sgn_authority__fail(err, 400, "ValidationException",
                                   "overrides.signingConfiguration must be an object with "
                                   "encryptionAlgorithm and/or hashAlgorithm");
    if ((rc = check_override(cfg, "encryptionAlgorithm",
                             "overrides.signingConfiguration.encryptionAlgorithm",
                             sgn_authority__encryption_algorithms, pl->enc_allowed, pl, err)) < 0 ||
        (rc = check_override(cfg, "hashAlgorithm", "overrides.signingConfiguration.hashAlgorithm",
                             sgn_authority__hash_algorithms, pl->hash_allowed, pl, err)) < 0 ||
        (rc = check_override(o, "signingImageFormat", "overrides.signingImageFormat",
                             sgn_authority__image_formats, pl->formats, pl, err)) < 0)
        return rc;
    return SGN_OK;
}

/* Signing material is the customer's certificate (an ACM ARN) on the IoT platforms, and managed
 * by Signer itself on the others (developer guide, "Signing profiles"). */
int sgn_authority__validate_signing_material(const sgn_platform *pl, const cJSON *in, sgn_error *err)
{
    const cJSON *m = cJSON_GetObjectItemCaseSensitive(in, "signingMaterial");
    const cJSON *arn = cJSON_GetObjectItemCaseSensitive(m, "certificateArn");

    if (!pl->needs_signing_material) {
        if (m != NULL && !cJSON_IsNull(m))
            return sgn_authority__fail(err, 400, "ValidationException",
                                       "Platform %s does not take signingMaterial: AWS Signer "
                                       "manages its certificates",
                                       pl->id);
        return SGN_OK;
    }
    if (!cJSON_IsString(arn) || strncmp(arn->valuestring, "arn:", 4) != 0 ||
        strstr(arn->valuestring, ":acm:") == NULL)
        return sgn_authority__fail(err, 400, "ValidationException",
                                   "Platform %s requires signingMaterial.certificateArn, the ARN "
                                   "of an ACM certificate (arn:aws:acm:<region>:<account>:"
                                   "certificate/<id>)",
                                   pl->id);
    return SGN_OK;
}

/* A tag key: 1 to 128 characters of [a-zA-Z+-=._:/] (the model's class, where "+-=" is the range
 * '+'..'=' and so takes in digits and ",-./:;<"), not starting with "aws:". */
static int tag_key_valid(const char *k)
{
    size_t n = strlen(k), i;

    if (n < 1 || n > 128 || strncmp(k, "aws:", 4) == 0)
        return 0;
    for (i = 0; i < n; i++) {
        unsigned char c = (unsigned char)k[i];
        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '+' && c <= '=') ||
              c == '.' || c == '_' || c == ':' || c == '/'))
            return 0;
    }
    return 1;
}

/* Characters (code points) of a UTF-8 string. */
static size_t utf8_chars(const char *s)
{
    size_t n = 0;

    for (; *s; s++)
        if (((unsigned char)*s & 0xC0) != 0x80)
            n++;
    return n;
}

int sgn_authority__validate_tag_key(const char *key, const char *svc_code, sgn_error *err)
{
    if (!tag_key_valid(key))
        return sgn_authority__fail(err, 400, svc_code,
                                   "Tag key '%s' is invalid: 1 to 128 characters of "
                                   "[a-zA-Z+-=._:/], not starting with aws:",
                                   key);
    return SGN_OK;
}

int sgn_authority__validate_tags(const cJSON *tags, const char *svc_code, sgn_error *err)
{
    const cJSON *t;
    int rc;

    if (tags == NULL || cJSON_IsNull(tags))
        return SGN_OK;
    if (!cJSON_IsObject(tags))
        return sgn_authority__fail(err, 400, svc_code, "tags must be a map");
    cJSON_ArrayForEach(t, tags)
    {
        if ((rc = sgn_authority__validate_tag_key(t->string, svc_code, err)) < 0)
            return rc;
        if (!cJSON_IsString(t) || utf8_chars(t->valuestring) > 256)
            return sgn_authority__fail(err, 400, svc_code,
                                       "Tag value for '%s' must be a string of at most 256 "
                                       "characters",
                                       t->string);
    }
    return SGN_OK;
}

/* Tags belong to the profile, not to a version: a new version keeps the profile's tags, and the
 * tags it names are added or replace the value of the same key, as TagResource does;
 * UntagResource removes keys (a key the profile does not have is no error). At most
 * SGN_MAX_PROFILE_TAGS in all (developer guide, "Signing profiles": up to 50 tags). *out is the
 * merged map as JSON text (NULL when there are none). */
int sgn_authority__merge_tags(char **out, const char *current_json, const cJSON *given,
                              const cJSON *remove, const char *svc_code, sgn_error *err)
{
    cJSON *merged = current_json ? cJSON_Parse(current_json) : NULL;
    const cJSON *t;
    int rc;

    *out = NULL;
    if (merged == NULL && (merged = cJSON_CreateObject()) == NULL)
        return sgn_error_set(err, SGN_ENOMEM, "out of memory");
    if (given != NULL && !cJSON_IsNull(given)) {
        cJSON_ArrayForEach(t, given)
        {
            cJSON *v = cJSON_CreateString(t->valuestring);
            if (v == NULL || (cJSON_GetObjectItemCaseSensitive(merged, t->string) != NULL
                                  ? !cJSON_ReplaceItemInObjectCaseSensitive(merged, t->string, v)
                                  : !cJSON_AddItemToObject(merged, t->string, v))) {
                cJSON_Delete(v);
                cJSON_Delete(merged);
                return sgn_error_set(err, SGN_ENOMEM, "out of memory");
            }
        }
    }
    cJSON_ArrayForEach(t, remove)
    {
        if (cJSON_IsString(t))
            cJSON_DeleteItemFromObjectCaseSensitive(merged, t->valuestring);
    }
    if (cJSON_GetArraySize(merged) > SGN_MAX_PROFILE_TAGS) {
        rc = sgn_authority__fail(err, 400, svc_code,
                                 "A signing profile can have at most %d tags (this request would "
                                 "give it %d)",
                                 SGN_MAX_PROFILE_TAGS, cJSON_GetArraySize(merged));
        cJSON_Delete(merged);
        return rc;
    }
    rc = SGN_OK;
    if (cJSON_GetArraySize(merged) > 0 && (*out = cJSON_PrintUnformatted(merged)) == NULL)
        rc = sgn_error_set(err, SGN_ENOMEM, "out of memory");
    cJSON_Delete(merged);
    return rc;
}
