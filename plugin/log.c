/* The debug log (see log.h). */
#include "log.h"

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

void pl_log_open(pl_log *log, const char *xdg_config_home, const char *home, const char *version)
{
    sgn_buf dir = SGN_BUF_INIT;
    int fd = -1, rc;

    log->f = NULL;
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
    fd = open(sgn_buf_cstr(&dir), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC | O_NOFOLLOW, 0600);
    if (fd < 0)
        goto out;
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
    char when[64];
    va_list ap;

    if (log == NULL || log->f == NULL)
        return;
    format_now(when, sizeof(when));
    fprintf(log->f, "%s [DEBUG] ", when);
    va_start(ap, fmt);
    vfprintf(log->f, fmt, ap);
    va_end(ap);
    fputc('\n', log->f);
    fflush(log->f);
}
