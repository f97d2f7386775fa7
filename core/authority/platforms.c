/* AWS Signer's five signing platforms. Attributes follow the real ListSigningPlatforms data
 * (research/aws-signer-api.md §2); Notation's row is what its envelopes show (ES384, SHA384).
 * Only the Lambda and Notation platforms take a signature validity period (developer guide,
 * "Signing profiles": the validity period applies to those two platforms only). */
#include "internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *const ecdsa[] = {"ECDSA", NULL};
static const char *const ecdsa_rsa[] = {"ECDSA", "RSA", NULL};
static const char *const rsa[] = {"RSA", NULL};
static const char *const sha256[] = {"SHA256", NULL};
static const char *const sha384[] = {"SHA384", NULL};
static const char *const sha1[] = {"SHA1", NULL};
static const char *const detached[] = {"JSONDetached", NULL};
static const char *const embedded[] = {"JSONEmbedded", NULL};

/* Cross-account use (cross-account-signing.txt: only the Lambda and container platforms; research
 * §1.6: StartSigningJob is not for container images, SignPayload not for Lambda). Notation's
 * order is that of AWS's refusal ("Action must be one of [signer:SignPayload,
 * signer:GetSi...", research §1.3). */
static const char *const lambda_actions[] = {"signer:StartSigningJob", "signer:GetSigningProfile",
                                             "signer:RevokeSignature", NULL};
static const char *const notation_actions[] = {"signer:SignPayload", "signer:GetSigningProfile",
                                               "signer:RevokeSignature", NULL};

static const sgn_platform platforms[] = {
    {"AWSIoTDeviceManagement-SHA256-ECDSA", "AWS IoT Device Management SHA256-ECDSA",
     "AWSIoTDeviceManagement", "SHA256-ECDSA", "AWSIoT", ecdsa, "ECDSA", sha256, "SHA256",
     detached, "JSONDetached", 2048, 0, 1, 0, 0, NULL},
    {"AWSLambda-SHA384-ECDSA", "AWS Lambda", "AWSLambda", "SHA384-ECDSA", "AWSIoT", ecdsa,
     "ECDSA", sha384, "SHA384", detached, "JSONDetached", 250, 1, 0, 0, 1, lambda_actions},
    {"AmazonFreeRTOS-TI-CC3220SF", "Amazon FreeRTOS SHA1-RSA CC3220SF-Format", "AmazonFreeRTOS",
     "SHA1-RSA-TISHA1", "AWSIoT", rsa, "RSA", sha1, "SHA1", embedded, "JSONEmbedded", 16, 0, 1,
     0, 0, NULL},
    {"AmazonFreeRTOS-Default", "Amazon FreeRTOS SHA256-ECDSA", "AmazonFreeRTOS", "SHA256-ECDSA",
     "AWSIoT", ecdsa_rsa, "ECDSA", sha256, "SHA256", embedded, "JSONEmbedded", 16, 0, 1, 0, 0,
     NULL},
    {SGN_PLATFORM_NOTATION, "Notation for container registries", "AWSSigner", "SHA384-ECDSA",
     "AWSIoT", ecdsa, "ECDSA", sha384, "SHA384", embedded, "JSONEmbedded", 1, 1, 0, 1, 1, notation_actions},
};

#define N_PLATFORMS (sizeof(platforms) / sizeof(platforms[0]))

const sgn_platform *sgn_authority__platform(const char *id)
{
    size_t i;

    for (i = 0; id != NULL && i < N_PLATFORMS; i++)
        if (strcmp(platforms[i].id, id) == 0)
            return &platforms[i];
    return NULL;
}

static cJSON *strings(const char *const *v)
{
    cJSON *arr = cJSON_CreateArray();

    while (arr && *v)
        cJSON_AddItemToArray(arr, cJSON_CreateString(*v++));
    return arr;
}

cJSON *sgn_authority__platform_json(const sgn_platform *p)
{
    cJSON *o = cJSON_CreateObject(), *cfg, *opt, *fmt;

    if (o == NULL)
        return NULL;
    cJSON_AddStringToObject(o, "platformId", p->id);
    cJSON_AddStringToObject(o, "displayName", p->display_name);
    cJSON_AddStringToObject(o, "partner", p->partner);
    cJSON_AddStringToObject(o, "target", p->target);
    cJSON_AddStringToObject(o, "category", p->category);
    cfg = cJSON_AddObjectToObject(o, "signingConfiguration");
    opt = cJSON_AddObjectToObject(cfg, "encryptionAlgorithmOptions");
    cJSON_AddItemToObject(opt, "allowedValues", strings(p->enc_allowed));
    cJSON_AddStringToObject(opt, "defaultValue", p->enc_default);
    opt = cJSON_AddObjectToObject(cfg, "hashAlgorithmOptions");
    cJSON_AddItemToObject(opt, "allowedValues", strings(p->hash_allowed));
    cJSON_AddStringToObject(opt, "defaultValue", p->hash_default);
    fmt = cJSON_AddObjectToObject(o, "signingImageFormat");
    cJSON_AddItemToObject(fmt, "supportedFormats", strings(p->formats));
    cJSON_AddStringToObject(fmt, "defaultFormat", p->format_default);
    cJSON_AddNumberToObject(o, "maxSizeInMB", p->max_size_mb);
    cJSON_AddBoolToObject(o, "revocationSupported", p->revocation_supported);
    return o;
}

int sgn_authority_list_signing_platforms(sgn_authority *a, const cJSON *in, cJSON **out,
                                         sgn_error *err)
{
    const char *category, *partner, *target;
    int64_t limit, offset, index = 0;
    cJSON *o, *arr;
    size_t i;
    int rc;

    *out = NULL;
    if ((rc = sgn_authority__get_string(&category, in, "category", 0, err)) < 0 ||
        (rc = sgn_authority__get_string(&partner, in, "partner", 0, err)) < 0 ||
        (rc = sgn_authority__get_string(&target, in, "target", 0, err)) < 0 ||
        (rc = sgn_authority__paging(&limit, &offset, in, err)) < 0)
        return rc;
    if (category &&
        (rc = sgn_authority__check_enum(category, "category", sgn_authority__categories, err)) < 0)
        return rc;
    o = cJSON_CreateObject();
    arr = cJSON_AddArrayToObject(o, "platforms");
    if (arr == NULL) {
        cJSON_Delete(o);
        return sgn_error_set(err, SGN_ENOMEM, "out of memory");
    }
    for (i = 0; i < N_PLATFORMS; i++) {
        const sgn_platform *p = &platforms[i];
        if ((category && strcmp(category, p->category) != 0) ||
            (partner && strcmp(partner, p->partner) != 0) ||
            (target && strcmp(target, p->target) != 0))
            continue;
        if (index >= offset && (limit < 0 || index < offset + limit)) {
            cJSON_AddItemToArray(arr, sgn_authority__platform_json(p));
        } else if (limit >= 0 && index == offset + limit) {
            char tok[24];
            snprintf(tok, sizeof(tok), "%lld", (long long)index);
            cJSON_AddStringToObject(o, "nextToken", tok);
        }
        index++;
    }
    *out = o;
    return SGN_OK;
}

int sgn_authority_get_signing_platform(sgn_authority *a, const cJSON *in, cJSON **out,
                                       sgn_error *err)
{
    const char *id;
    const sgn_platform *p;
    int rc;

    *out = NULL;
    if ((rc = sgn_authority__get_string(&id, in, "platformId", 1, err)) < 0)
        return rc;
    p = sgn_authority__platform(id);
    if (p == NULL)
        return sgn_authority__fail(err, 404, "ResourceNotFoundException",
                                   "Platform %s does not exist", id);
    *out = sgn_authority__platform_json(p);
    return *out ? SGN_OK : sgn_error_set(err, SGN_ENOMEM, "out of memory");
}
