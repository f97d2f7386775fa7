/* Growable byte buffers and whole-file helpers. */
#ifndef SGN_BUF_H
#define SGN_BUF_H

#include <stddef.h>
#include <sys/types.h>
#include "sgn/error.h"

typedef struct sgn_buf {
    unsigned char *data; /* always NUL-terminated past len once non-empty */
    size_t len;
    size_t cap;
} sgn_buf;

#define SGN_BUF_INIT {NULL, 0, 0}

int sgn_buf_reserve(sgn_buf *b, size_t extra, sgn_error *err);
int sgn_buf_append(sgn_buf *b, const void *p, size_t n, sgn_error *err);
int sgn_buf_puts(sgn_buf *b, const char *s, sgn_error *err);
int sgn_buf_printf(sgn_buf *b, sgn_error *err, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* A NUL-terminated view of the contents ("" when empty); valid until the next append. */
const char *sgn_buf_cstr(const sgn_buf *b);
/* Hand the storage to the caller (free() it); the buffer is reset. Never NULL on success. */
char *sgn_buf_detach(sgn_buf *b, size_t *len);
void sgn_buf_free(sgn_buf *b);
/* Wipe (OPENSSL_cleanse) then free: for buffers that held secrets. */
void sgn_buf_clear_free(sgn_buf *b);

/* Read all of fd (until EOF) into out; more than max bytes is SGN_EINVALID. Retries EINTR. */
int sgn_read_fd(sgn_buf *out, int fd, size_t max, sgn_error *err);
int sgn_read_file(sgn_buf *out, const char *path, size_t max, sgn_error *err);
/* Write path atomically (temp file in the same directory, fsync, rename, fsync dir) with mode. */
int sgn_write_file_atomic(const char *path, const void *data, size_t len, mode_t mode,
                          sgn_error *err);
/* mkdir -p with mode for each created component. */
int sgn_mkdir_p(const char *path, mode_t mode, sgn_error *err);

#endif
