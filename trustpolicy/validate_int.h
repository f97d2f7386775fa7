/* Internals shared by trustpolicy/validate.c and validate_identity.c. */
#ifndef SGN_TRUSTPOLICY_VALIDATE_INT_H
#define SGN_TRUSTPOLICY_VALIDATE_INT_H

#include "sgn/trustpolicy.h"
#include <cjson/cJSON.h>

#define MSG_MAX 1024
#define LOCAL_STORE "signer-local-ts"

/* One validation run: where the findings go and which statement is being read. */
typedef struct sgn_trustpolicy__ctx {
    sgn_trustpolicy_findings *out;
    sgn_error *err;
    const char *config_dir;
    long index;       /* current statement, -1 for the document */
    const char *name; /* current statement's name, or NULL */
    int oom;
} sgn_trustpolicy__ctx;

/* Record a finding (copies every string; on allocation failure sets c->oom). */
void sgn_trustpolicy__add(sgn_trustpolicy__ctx *c, const char *code, sgn_trustpolicy_severity sev,
                          const char *field, const char *value, const char *message,
                          const char *fix);
/* snprintf into a MSG_MAX buffer. */
void sgn_trustpolicy__fmt(char *buf, const char *format, ...) __attribute__((format(printf, 2, 3)));
/* "statement \"NAME\"" or "trustPolicies[i]" into buf (at least 300 bytes); returns buf. */
const char *sgn_trustpolicy__where(sgn_trustpolicy__ctx *c, char *buf);
/* Number of items of an array, 0 for anything else. */
int sgn_trustpolicy__array_len(const cJSON *v);
/* The trustedIdentities of one statement, against its trustStores. */
void sgn_trustpolicy__check_identities(sgn_trustpolicy__ctx *c, const cJSON *ids,
                                       const cJSON *stores);

#endif
