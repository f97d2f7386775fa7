/* Per-account request quotas: a token bucket per account holding at most max(1, rps) tokens,
 * refilled at rps tokens a second. A request takes one token or is answered with
 * 429 ThrottlingException "Rate exceeded" (the text AWS's throttles carry). */
#include "serve.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct bucket {
    char account[13];
    double tokens;
    int64_t last_ms;
    struct bucket *next;
} bucket;

struct sv_quota {
    double rps;
    double burst;
    pthread_mutex_t lock;
    bucket *buckets;    /* one per account seen; accounts are few */
};

int sv_quota_new(sv_quota **out, double rps, sgn_error *err)
{
    sv_quota *q;

    *out = NULL;
    if (!(rps > 0))
        return sgn_error_set(err, SGN_EINVALID, "the quota must be a positive number");
    if ((q = calloc(1, sizeof(*q))) == NULL)
        return sgn_error_set(err, SGN_ENOMEM, "out of memory");
    q->rps = rps;
    q->burst = rps < 1 ? 1 : rps;
    pthread_mutex_init(&q->lock, NULL);
    *out = q;
    return SGN_OK;
}

int sv_quota_take(sv_quota *q, const char *account, int64_t now_ms)
{
    bucket *b;
    int ok = 0;

    pthread_mutex_lock(&q->lock);
    for (b = q->buckets; b != NULL; b = b->next)
        if (strcmp(b->account, account) == 0)
            break;
    if (b == NULL && (b = calloc(1, sizeof(*b))) != NULL) {
        snprintf(b->account, sizeof(b->account), "%s", account);
        b->tokens = q->burst;
        b->last_ms = now_ms;
        b->next = q->buckets;
        q->buckets = b;
    }
    if (b != NULL) {
        if (now_ms > b->last_ms) {
            b->tokens += (double)(now_ms - b->last_ms) * q->rps / 1000.0;
            if (b->tokens > q->burst)
                b->tokens = q->burst;
            b->last_ms = now_ms;
        }
        if (b->tokens >= 1.0) {
            b->tokens -= 1.0;
            ok = 1;
        }
    }
    pthread_mutex_unlock(&q->lock);
    return ok;
}

void sv_quota_free(sv_quota *q)
{
    bucket *b, *next;

    if (q == NULL)
        return;
    for (b = q->buckets; b != NULL; b = next) {
        next = b->next;
        free(b);
    }
    pthread_mutex_destroy(&q->lock);
    free(q);
}
