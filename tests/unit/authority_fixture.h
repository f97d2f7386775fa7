/* The fixture shared by the local Signer's unit tests (check_authority*.c). Every test pins the
 * clock (pinned_now, T0 at setup) and gets a fresh store in a temporary directory (auth). */
#ifndef SGN_AUTHORITY_FIXTURE_H
#define SGN_AUTHORITY_FIXTURE_H

#include <stdint.h>
#include <cjson/cJSON.h>

#include "sgn_check.h"
#include "sgn/authority.h"
#include "sgn/envelope.h"

#define T0 INT64_C(1798761600) /* 2027-01-01T00:00:00Z */

extern int64_t pinned_now;
extern char store_dir[256];
extern sgn_authority *auth;
extern const char *const payload_b64; /* a Notary payload, base64 */

int64_t pinned(void *ctx);
/* Check fixture: open a fresh store at T0 / close and remove it. */
void setup(void);
void teardown(void);
/* rm -r dir */
void rm_tree(const char *dir);
/* Parse JSON (asserts it parses); the caller frees. */
cJSON *obj(const char *json);
/* A string member (asserts it is there); borrowed from o. */
const char *str(const cJSON *o, const char *name);
/* Put a Notation profile; returns its version (a static buffer). */
const char *put_profile(const char *name);
/* SignPayload; returns the response (caller frees) or NULL with err set. */
cJSON *sign(const char *name, const char *type, sgn_error *err);
/* Parse and verify the envelope of a SignPayload response. */
void open_envelope(sgn_envelope_info *info, const cJSON *res, const char *type);
/* An extended signed attribute of the envelope, or NULL. */
const char *ext(const sgn_envelope_info *info, const char *key);
/* GetRevocationStatus for an envelope signed at ts; the number of revoked entities. */
int revocation_count(const sgn_envelope_info *info, int64_t ts, cJSON **out_list);
/* The same through handle a, without Check assertions (forked children call it): -1 with err
 * set on failure; *out_list (if not NULL) gets the answer. */
int revocation_count_on(sgn_authority *a, const sgn_envelope_info *info, int64_t ts,
                        cJSON **out_list, sgn_error *err);

/* Call an operation on auth with json as input (NULL: no input); *out as the operation leaves
 * it (NULL on failure); err is reset first. op_ok asserts success and frees the output. */
typedef int (*sgn_op_fn)(sgn_authority *a, const cJSON *in, cJSON **out, sgn_error *err);
int op(sgn_op_fn fn, const char *json, cJSON **out, sgn_error *err);
int op_ok(sgn_op_fn fn, const char *json);
/* Act as principal (arn:aws:iam::<12 digits>:...), or as the store's own account (NULL). */
void as_caller(const char *principal);

#endif
