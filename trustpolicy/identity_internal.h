/* Internals shared by the trustpolicy sources (not part of the public API). */
#ifndef SGN_IDENTITY_INTERNAL_H
#define SGN_IDENTITY_INTERNAL_H

#include <stddef.h>
#include <stdint.h>
#include "sgn/identity.h"

/* An ARN split the way aws-sdk-go-v2's arn.Parse splits it; the spans point into the input. */
typedef struct sgn_identity__arn {
    sgn_span partition;
    sgn_span service;
    sgn_span region;
    sgn_span account;
    sgn_span resource;
} sgn_identity__arn;

/* 0 if s is an ARN ("arn:" then at least five ':'), -1 otherwise. */
int sgn_identity__arn_parse(sgn_identity__arn *a, sgn_span s);

/* Go's utf8.DecodeRune: the rune at s and its width; invalid or short input gives U+FFFD with
 * width 1. n must be at least 1. */
int32_t sgn_identity__utf8_decode(const unsigned char *s, size_t n, size_t *width);

#endif
