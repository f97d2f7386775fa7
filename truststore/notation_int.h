/* Helpers shared by the files of truststore/ (notation_trust.c, notation_policy.c). */
#ifndef SGN_NOTATION_INT_H
#define SGN_NOTATION_INT_H

#include <stddef.h>
#include "sgn/error.h"

/* SGN_ENOMEM "out of memory". */
int sgn_notation__oom(sgn_error *err);
/* *out = a "/" b (one slash), malloc'd. */
int sgn_notation__join_path(char **out, sgn_error *err, const char *a, const char *b);
/* 1 when s equals one of the first n strings of list. */
int sgn_notation__in_list(const char *s, const char *const *list, size_t n);

#endif
