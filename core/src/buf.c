#include "sgn/buf.h"

#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <openssl/crypto.h>
#include <openssl/rand.h>

int sgn_buf_reserve(sgn_buf *b, size_t extra, sgn_error *err)
{
    size_t need, cap;
    unsigned char *p;

    if (extra > SIZE_MAX - b->len - 1)
        return sgn_error_set(err, SGN_ENOMEM, "buffer too large");
    need = b->len + extra + 1;
    if (need <= b->cap)
        return SGN_OK;
    cap = b->cap ? b->cap : 64;
    while (cap < need)
        cap = cap > SIZE_MAX / 2 ? need : cap * 2;
    p = realloc(b->data, cap);
    if (p == NULL)
        return sgn_error_set(err, SGN_ENOMEM, "out of memory");
    b->data = p;
    b->cap = cap;
    return SGN_OK;
}

int sgn_buf_append(sgn_buf *b, const void *p, size_t n, sgn_error *err)
{
    int rc;

    if ((rc = sgn_buf_reserve(b, n, err)) < 0)
        return rc;
    if (n > 0)
        memcpy(b->data + b->len, p, n);
    b->len += n;
    b->data[b->len] = '\0';
    return SGN_OK;
}

int sgn_buf_puts(sgn_buf *b, const char *s, sgn_error *err)
{
    return sgn_buf_append(b, s, strlen(s), err);
}

int sgn_buf_printf(sgn_buf *b, sgn_error *err, const char *fmt, ...)
{
    va_list ap;
    int n, rc;

    va_start(ap, fmt);
    n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    if (n < 0)
        return sgn_error_set(err, SGN_EINTERNAL, "format error");
    if ((rc = sgn_buf_reserve(b, (size_t)n, err)) < 0)
        return rc;
    va_start(ap, fmt);
    vsnprintf((char *)b->data + b->len, (size_t)n + 1, fmt, ap);
    va_end(ap);
    b->len += (size_t)n;
    return SGN_OK;
}

const char *sgn_buf_cstr(const sgn_buf *b)
{
    return b->data ? (const char *)b->data : "";
}

char *sgn_buf_detach(sgn_buf *b, size_t *len)
{
    char *p = (char *)b->data;

    if (p == NULL)
        p = calloc(1, 1);
    if (len)
        *len = b->len;
    b->data = NULL;
    b->len = b->cap = 0;
    return p;
}

void sgn_buf_free(sgn_buf *b)
{
    free(b->data);
    b->data = NULL;
    b->len = b->cap = 0;
}

void sgn_buf_clear_free(sgn_buf *b)
{
    if (b->data)
        OPENSSL_cleanse(b->data, b->cap);
    sgn_buf_free(b);
}

int sgn_read_fd(sgn_buf *out, int fd, size_t max, sgn_error *err)
{
    int rc;

    for (;;) {
        ssize_t n;

        if ((rc = sgn_buf_reserve(out, 65536, err)) < 0)
            return rc;
        n = read(fd, out->data + out->len, out->cap - out->len - 1);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            return sgn_error_set(err, SGN_EIO, "read failed: %s", strerror(errno));
        }
        if (n == 0)
            break;
        out->len += (size_t)n;
        out->data[out->len] = '\0';
        if (out->len > max)
            return sgn_error_set(err, SGN_EINVALID, "input is larger than %zu bytes", max);
    }
    return SGN_OK;
}

int sgn_read_file(sgn_buf *out, const char *path, size_t max, sgn_error *err)
{
    int fd, rc;

    fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return sgn_error_set(err, errno == ENOENT ? SGN_ENOTFOUND : SGN_EIO, "cannot open %s: %s",
                             path, strerror(errno));
    rc = sgn_read_fd(out, fd, max, err);
    close(fd);
    return rc;
}

static int fsync_dir_of(const char *path)
{
    char *copy = strdup(path);
    int fd, rc = 0;

    if (copy == NULL)
        return -1;
    fd = open(dirname(copy), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd >= 0) {
        rc = fsync(fd);
        close(fd);
    }
    free(copy);
    return rc;
}

int sgn_write_file_atomic(const char *path, const void *data, size_t len, mode_t mode,
                          sgn_error *err)
{
    char tmp[PATH_MAX];
    unsigned char rnd[6];
    int fd = -1, rc = SGN_OK;
    size_t off = 0;

    if (RAND_bytes(rnd, sizeof(rnd)) != 1)
        return sgn_error_set(err, SGN_ECRYPTO, "no randomness for a temporary file name");
    if (snprintf(tmp, sizeof(tmp), "%s.tmp%02x%02x%02x%02x%02x%02x", path, rnd[0], rnd[1],
                 rnd[2], rnd[3], rnd[4], rnd[5]) >= (int)sizeof(tmp))
        return sgn_error_set(err, SGN_EIO, "path too long: %s", path);
    fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode);
    if (fd < 0)
        return sgn_error_set(err, SGN_EIO, "cannot create %s: %s", path, strerror(errno));
    if (fchmod(fd, mode) != 0) {
        rc = sgn_error_set(err, SGN_EIO, "cannot chmod %s: %s", path, strerror(errno));
        goto out;
    }
    while (off < len) {
        ssize_t n = write(fd, (const char *)data + off, len - off);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            rc = sgn_error_set(err, SGN_EIO, "cannot write %s: %s", path, strerror(errno));
            goto out;
        }
        off += (size_t)n;
    }
    if (fsync(fd) != 0) {
        rc = sgn_error_set(err, SGN_EIO, "cannot fsync %s: %s", path, strerror(errno));
        goto out;
    }
    close(fd);
    fd = -1;
    if (rename(tmp, path) != 0) {
        rc = sgn_error_set(err, SGN_EIO, "cannot replace %s: %s", path, strerror(errno));
        goto out;
    }
    if (fsync_dir_of(path) != 0)
        rc = sgn_error_set(err, SGN_EIO, "cannot fsync the directory of %s", path);
out:
    if (fd >= 0)
        close(fd);
    if (rc < 0)
        unlink(tmp);
    return rc;
}

int sgn_mkdir_p(const char *path, mode_t mode, sgn_error *err)
{
    char buf[PATH_MAX];
    size_t i, n = strlen(path);

    if (n == 0 || n >= sizeof(buf))
        return sgn_error_set(err, SGN_EIO, "bad directory path");
    memcpy(buf, path, n + 1);
    for (i = 1; i <= n; i++) {
        if (buf[i] != '/' && buf[i] != '\0')
            continue;
        buf[i] = '\0';
        if (mkdir(buf, mode) != 0 && errno != EEXIST)
            return sgn_error_set(err, SGN_EIO, "cannot create directory %s: %s", buf,
                                 strerror(errno));
        buf[i] = path[i];
    }
    return SGN_OK;
}
