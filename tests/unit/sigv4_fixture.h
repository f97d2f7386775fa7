/* Shared by check_sigv4.c and check_sigv4_verify.c (tests/unit/sigv4_fixture.c). */
#ifndef SGN_SIGV4_FIXTURE_H
#define SGN_SIGV4_FIXTURE_H

#include <stddef.h>
#include "sgn/backend.h"

typedef struct raw_request {
    char *method;
    char *path;
    char *query;
    sgn_kv *headers;
    size_t n_headers;
    unsigned char *body;
    size_t body_len;
} raw_request;

void raw_request_free(raw_request *r);
char *xstrndup(const char *s, size_t n);
/* Parse a raw HTTP request (request line, headers with folded continuation lines, blank line,
 * body). Returns 0, or -1 with why set. */
int parse_request(raw_request *r, const char *text, size_t len, const char **why);
/* dir/name into out (4096 bytes); fails the test if it does not fit. */
void join(char out[4096], const char *dir, const char *name);
/* The contents of dir/name (NULL when unreadable), *len set when len is not NULL. */
char *read_text(const char *dir, const char *name, size_t *len);
void rstrip(char *s);
/* The value of the first "Name:" line of a signed request (NULL if absent). */
char *signed_header(const char *text, const char *name);

#endif
