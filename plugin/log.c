/* The debug log (see log.h). */
#include "log.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "sgn/buf.h"

#define LOG_SUBDIR "notation-aws-signer"
#define LOG_FILE "plugin.log"
#define DASHES                                                                                 \
    "----------------------------------------------------------------------------------------" \
    "-"

/* Refuse a log file another user could read, write or have swapped (see log.h). */
static int check_log_file(pl_log *log, int fd, const char *path)
{
    struct stat st;

    if (fstat(fd, &st) < 0) {
        snprintf(log->refused, sizeof(log->refused), "cannot stat the debug log %s: %s", path,
                 strerror(errno));
        return -1;
    }
    if (!S_ISREG(st.st_mode))
        snprintf(log->refused, sizeof(log->refused),
                 "the debug log %s is not a regular file; remove it", path);
    else if (st.st_uid != geteuid())
        snprintf(log->refused, sizeof(log->refused),
                 "the debug log %s is owned by uid %ld, not by the running user (uid %ld); "
                 "remove it", path, (long)st.st_uid, (long)geteuid());
    else if (st.st_nlink != 1)
        snprintf(log->refused, sizeof(log->refused),
                 "the debug log %s has %ld hard links; remove it", path, (long)st.st_nlink);
    else if ((st.st_mode & 077) != 0)
        snprintf(log->refused, sizeof(log->refused),
                 "the debug log %s has mode %04o, open to group or others; "
                 "run chmod 600 on it", path, (unsigned)(st.st_mode & 07777));
    else
        return 0;
    return -1;
}

void pl_log_open(pl_log *log, const char *xdg_config_home, const char *home, const char *version)
{
    sgn_buf dir = SGN_BUF_INIT;
    int fd = -1, rc;

    log->f = NULL;
    log->refused[0] = '\0';
    /* os.UserConfigDir: $XDG_CONFIG_HOME if set (it must be absolute), else $HOME/.config */
    if (xdg_config_home != NULL && xdg_config_home[0] != '\0') {
        if (xdg_config_home[0] != '/')
            goto out;
        rc = sgn_buf_printf(&dir, NULL, "%s/%s", xdg_config_home, LOG_SUBDIR);
    } else if (home != NULL && home[0] != '\0') {
        rc = sgn_buf_printf(&dir, NULL, "%s/.config/%s", home, LOG_SUBDIR);
    } else {
        goto out;
    }
    if (rc < 0 || sgn_mkdir_p(sgn_buf_cstr(&dir), 0700, NULL) < 0 ||
        sgn_buf_printf(&dir, NULL, "/%s", LOG_FILE) < 0)
        goto out;
    /* O_NONBLOCK: a FIFO planted there must not hang us (it is refused below) */
    fd = open(sgn_buf_cstr(&dir),
              O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK, 0600);
    if (fd < 0) {
        if (errno == ELOOP)
            snprintf(log->refused, sizeof(log->refused),
                     "the debug log %s is a symbolic link; remove it", sgn_buf_cstr(&dir));
        else if (errno == ENXIO)
            snprintf(log->refused, sizeof(log->refused),
                     "the debug log %s is not a regular file; remove it", sgn_buf_cstr(&dir));
        goto out;
    }
    if (check_log_file(log, fd, sgn_buf_cstr(&dir)) < 0 ||
        fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) & ~O_NONBLOCK) < 0) {
        close(fd);
        goto out;
    }
    log->f = fdopen(fd, "a");
    if (log->f == NULL) {
        close(fd);
        goto out;
    }
    pl_log_debug(log, "%s", DASHES);
    pl_log_debug(log, "Logs from execution of AWS signer plugin version: %s", version);
out:
    sgn_buf_free(&dir);
}

void pl_log_close(pl_log *log)
{
    if (log->f != NULL)
        fclose(log->f);
    log->f = NULL;
}

/* time.Now().Format(time.RFC3339Nano) in local time. */
static void format_now(char *out, size_t cap)
{
    struct timespec ts;
    struct tm tm;
    char frac[16] = "", zone[8] = "Z"; /* ".nnnnnnnnn"; "Z" or "±hh:mm" */
    size_t n;
    long off;

    clock_gettime(CLOCK_REALTIME, &ts);
    localtime_r(&ts.tv_sec, &tm);
    if (ts.tv_nsec != 0) {
        snprintf(frac, sizeof(frac), ".%09ld", ts.tv_nsec);
        for (n = strlen(frac); n > 1 && frac[n - 1] == '0'; n--)
            frac[n - 1] = '\0';
    }
    off = tm.tm_gmtoff;
    if (off != 0)
        snprintf(zone, sizeof(zone), "%c%02d:%02d", off < 0 ? '-' : '+',
                 (int)(labs(off) / 3600 % 100), (int)(labs(off) % 3600 / 60));
    snprintf(out, cap, "%04d-%02d-%02dT%02d:%02d:%02d%s%s", tm.tm_year + 1900, tm.tm_mon + 1,
             tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, frac, zone);
}

void pl_log_debug(pl_log *log, const char *fmt, ...)
{
    sgn_buf raw = SGN_BUF_INIT, clean = SGN_BUF_INIT, line = SGN_BUF_INIT;
    char when[64];
    va_list ap;
    int n;

    if (log == NULL || log->f == NULL)
        return;
    va_start(ap, fmt);
    n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    if (n < 0 || sgn_buf_reserve(&raw, (size_t)n, NULL) < 0)
        goto out;
    va_start(ap, fmt);
    vsnprintf((char *)raw.data, (size_t)n + 1, fmt, ap);
    va_end(ap);
    raw.len = (size_t)n;
    format_now(when, sizeof(when));
    /* redact first: escaping could split a secret into pieces no longer matched */
    if (sgn_redact(&clean, log->secrets, raw.data, raw.len, NULL) < 0 ||
        sgn_buf_printf(&line, NULL, "%s [DEBUG] ", when) < 0 ||
        sgn_escape_control(&line, clean.data, clean.len, NULL) < 0 ||
        sgn_buf_append(&line, "\n", 1, NULL) < 0)
        goto out;
    fwrite(line.data, 1, line.len, log->f);
    fflush(log->f);
out:
    sgn_buf_clear_free(&raw);
    sgn_buf_clear_free(&clean);
    sgn_buf_free(&line);
}
