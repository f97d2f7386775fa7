/* credential_process: the command split as the SDKs split it, run without a shell, stdin
 * /dev/null, stdout JSON Version 1, exit status 0, bounded by the budget (aws-sdk-go-v2's
 * processcreds; aws-c-auth's credentials_provider_process.c). */
#include "creds_int.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include "sgn/util.h"

#define PROCESS_OUTPUT_MAX ((size_t)64 << 10)
#define PROCESS_STDERR_SHOWN 512
#define PROCESS_TIMEOUT_MS 30000L

void sgn_aws_argv_free(char **argv)
{
    size_t i;

    if (argv == NULL)
        return;
    for (i = 0; argv[i] != NULL; i++)
        free(argv[i]);
    free(argv);
}

/* As botocore's compat_shell_split on POSIX (shlex.split): whitespace separates words; single
 * quotes take everything literally; inside double quotes a backslash escapes only \ " $ `
 * and newline; outside quotes a backslash escapes any character. */
int sgn_aws_split_command(char ***argv, const char *cmd, sgn_error *err)
{
    char **v = NULL;
    size_t n = 0, cap = 0;
    sgn_buf word = SGN_BUF_INIT;
    const char *p = cmd;
    int rc = SGN_OK, in_word = 0;

    *argv = NULL;
    for (;;) {
        char ch = *p;

        if (ch == '\0' || ch == ' ' || ch == '\t' || ch == '\n' || ch == '\r') {
            if (in_word) {
                char **nv;

                if (n + 2 > cap) {
                    cap = cap ? cap * 2 : 8;
                    if ((nv = realloc(v, cap * sizeof(*v))) == NULL) {
                        rc = sgn_error_set(err, SGN_ENOMEM, "out of memory");
                        goto out;
                    }
                    v = nv;
                }
                if (word.len == 0)
                    sgn_buf_free(&word);    /* "" or '': an empty argument */
                if ((rc = sgn_buf_append(&word, "", 1, err)) < 0)
                    goto out;
                v[n++] = sgn_buf_detach(&word, NULL);
                v[n] = NULL;
                in_word = 0;
            }
            if (ch == '\0')
                break;
            p++;
            continue;
        }
        in_word = 1;
        if (ch == '\'') {
            const char *end = strchr(p + 1, '\'');

            if (end == NULL)
                goto unterminated;
            if ((rc = sgn_buf_append(&word, p + 1, (size_t)(end - p - 1), err)) < 0)
                goto out;
            p = end + 1;
        } else if (ch == '"') {
            for (p++;; p++) {
                if (*p == '\0')
                    goto unterminated;
                if (*p == '"')
                    break;
                if (*p == '\\' && p[1] != '\0' && strchr("\\\"$`\n", p[1]) != NULL)
                    p++;
                if ((rc = sgn_buf_append(&word, p, 1, err)) < 0)
                    goto out;
            }
            p++;
        } else if (ch == '\\') {
            if (p[1] == '\0') {
                rc = sgn_error_set(err, SGN_EINVALID,
                                   "credential_process: the command ends with a backslash");
                goto out;
            }
            if ((rc = sgn_buf_append(&word, p + 1, 1, err)) < 0)
                goto out;
            p += 2;
        } else {
            if ((rc = sgn_buf_append(&word, p, 1, err)) < 0)
                goto out;
            p++;
        }
    }
    if (n == 0) {
        rc = sgn_error_set(err, SGN_EINVALID, "credential_process: the command is empty");
        goto out;
    }
    *argv = v;
    v = NULL;
    rc = SGN_OK;
    goto out;
unterminated:
    rc = sgn_error_set(err, SGN_EINVALID, "credential_process: unterminated quote in the command");
out:
    sgn_buf_free(&word);
    sgn_aws_argv_free(v);
    return rc;
}

static int pipe_cloexec(int p[2])
{
    if (pipe(p) < 0)
        return -1;
    if (fcntl(p[0], F_SETFD, FD_CLOEXEC) < 0 || fcntl(p[1], F_SETFD, FD_CLOEXEC) < 0)
        return -1;
    return 0;
}

/* Run argv with stdin /dev/null; collect stdout (secret) and the first bytes of stderr until
 * both close or the deadline passes (then the child is killed). *status is waitpid's. */
static int run_process(sgn_buf *out, char *errtext, size_t errsz, int *status, char **argv,
                       long timeout_ms, const char *source, sgn_error *err)
{
    int outp[2] = {-1, -1}, errp[2] = {-1, -1}, execp[2] = {-1, -1};
    int rc = SGN_OK, exec_errno = 0, open_fds = 2;
    size_t errlen = 0;
    long long deadline = sgn_mono_ms() + timeout_ms;
    pid_t pid;
    ssize_t r;

    errtext[0] = '\0';
    if (pipe_cloexec(outp) < 0 || pipe_cloexec(errp) < 0 || pipe_cloexec(execp) < 0) {
        rc = sgn_error_set(err, SGN_EIO, "%s: pipe: %s", source, strerror(errno));
        goto out;
    }
    pid = fork();
    if (pid < 0) {
        rc = sgn_error_set(err, SGN_EIO, "%s: fork: %s", source, strerror(errno));
        goto out;
    }
    if (pid == 0) {
        int devnull = open("/dev/null", O_RDONLY);
        int e;

        if (devnull < 0 || dup2(devnull, 0) < 0 || dup2(outp[1], 1) < 0 || dup2(errp[1], 2) < 0)
            _exit(127);
        execvp(argv[0], argv);
        e = errno;
        if (write(execp[1], &e, sizeof(e)) < 0)
            _exit(127);
        _exit(127);
    }
    close(outp[1]);
    close(errp[1]);
    close(execp[1]);
    outp[1] = errp[1] = execp[1] = -1;
    /* the exec pipe closes on a successful exec; an errno arrives when it failed */
    r = read(execp[0], &exec_errno, sizeof(exec_errno));
    if (r != (ssize_t)sizeof(exec_errno))
        exec_errno = 0;
    while (open_fds > 0) {
        struct pollfd pf[2];
        nfds_t np = 0;
        long long left = deadline - sgn_mono_ms();
        int i, pr;

        if (left <= 0) {
            kill(pid, SIGKILL);
            waitpid(pid, status, 0);
            rc = sgn_error_set(err, SGN_ETIMEOUT, "%s: %s did not finish within %ld ms (killed)",
                               source, argv[0], timeout_ms);
            goto out;
        }
        if (outp[0] >= 0) {
            pf[np].fd = outp[0];
            pf[np++].events = POLLIN;
        }
        if (errp[0] >= 0) {
            pf[np].fd = errp[0];
            pf[np++].events = POLLIN;
        }
        pr = poll(pf, np, (int)left);
        if (pr < 0 && errno != EINTR) {
            kill(pid, SIGKILL);
            waitpid(pid, status, 0);
            rc = sgn_error_set(err, SGN_EIO, "%s: poll: %s", source, strerror(errno));
            goto out;
        }
        for (i = 0; pr > 0 && i < (int)np; i++) {
            char buf[4096];

            if (pf[i].revents == 0)
                continue;
            r = read(pf[i].fd, buf, sizeof(buf));
            if (r < 0 && errno == EINTR)
                continue;
            if (r <= 0) {
                if (pf[i].fd == outp[0]) {
                    close(outp[0]);
                    outp[0] = -1;
                } else {
                    close(errp[0]);
                    errp[0] = -1;
                }
                open_fds--;
                continue;
            }
            if (pf[i].fd == outp[0]) {
                if (out->len + (size_t)r > PROCESS_OUTPUT_MAX) {
                    kill(pid, SIGKILL);
                    waitpid(pid, status, 0);
                    rc = sgn_error_set(err, SGN_EINVALID, "%s: the output is larger than %zu "
                                       "bytes", source, PROCESS_OUTPUT_MAX);
                    goto out;
                }
                if ((rc = sgn_buf_append(out, buf, (size_t)r, err)) < 0) {
                    kill(pid, SIGKILL);
                    waitpid(pid, status, 0);
                    goto out;
                }
            } else if (errlen + 1 < errsz) {
                size_t take = (size_t)r < errsz - 1 - errlen ? (size_t)r : errsz - 1 - errlen;

                memcpy(errtext + errlen, buf, take);
                errlen += take;
                errtext[errlen] = '\0';
            }
        }
    }
    /* both pipes closed: the child is exiting (or closed them itself); wait within the deadline */
    for (;;) {
        pid_t w = waitpid(pid, status, WNOHANG);

        if (w == pid)
            break;
        if (w < 0 && errno != EINTR) {
            rc = sgn_error_set(err, SGN_EIO, "%s: waitpid: %s", source, strerror(errno));
            goto out;
        }
        if (sgn_mono_ms() >= deadline) {
            kill(pid, SIGKILL);
            waitpid(pid, status, 0);
            rc = sgn_error_set(err, SGN_ETIMEOUT, "%s: %s did not finish within %ld ms (killed)",
                               source, argv[0], timeout_ms);
            goto out;
        }
        poll(NULL, 0, 10);
    }
    if (exec_errno != 0)
        rc = sgn_error_set(err, SGN_EINVALID, "%s: cannot run %s: %s", source, argv[0],
                           strerror(exec_errno));
out:
    if (outp[0] >= 0)
        close(outp[0]);
    if (outp[1] >= 0)
        close(outp[1]);
    if (errp[0] >= 0)
        close(errp[0]);
    if (errp[1] >= 0)
        close(errp[1]);
    if (execp[0] >= 0)
        close(execp[0]);
    if (execp[1] >= 0)
        close(execp[1]);
    return rc;
}

int sgn_aws__from_process(sgn_aws_creds *out, sgn_aws__chain *ch, const char *profile,
                          const char *cmd, sgn_error *err)
{
    sgn_buf output = SGN_BUF_INIT;
    sgn_aws_creds c = SGN_AWS_CREDS_INIT;
    char source[160], errtext[PROCESS_STDERR_SHOWN + 1], shown[PROCESS_STDERR_SHOWN + 1];
    char **argv = NULL;
    cJSON *json = NULL;
    const cJSON *ver;
    long timeout;
    int rc, status = 0;

    snprintf(source, sizeof(source), "credential_process of profile \"%s\"", profile);
    sgn_aws_logf(ch->ctx->log, "credentials: trying %s", source);
    if ((rc = sgn_aws_split_command(&argv, cmd, err)) < 0)
        goto out;
    timeout = sgn_aws__remaining_ms(ch, PROCESS_TIMEOUT_MS);
    if ((rc = run_process(&output, errtext, sizeof(errtext), &status, argv, timeout, source,
                          err)) < 0)
        goto out;
    sgn_aws__printable(shown, sizeof(shown), errtext, strlen(errtext));
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
        char how[64];

        if (WIFEXITED(status))
            snprintf(how, sizeof(how), "exited with status %d", WEXITSTATUS(status));
        else
            snprintf(how, sizeof(how), "was killed by signal %d", WTERMSIG(status));
        rc = sgn_error_set(err, SGN_EINVALID, "%s: %s %s%s%s", source, argv[0], how,
                           shown[0] ? ": " : "", shown);
        goto out;
    }
    if ((json = cJSON_ParseWithLength((const char *)output.data, output.len)) == NULL ||
        !cJSON_IsObject(json)) {
        rc = sgn_error_set(err, SGN_EINVALID, "%s: the output is not a JSON object", source);
        goto out;
    }
    ver = cJSON_GetObjectItemCaseSensitive(json, "Version");
    if (!cJSON_IsNumber(ver) || ver->valuedouble != 1) {
        rc = sgn_error_set(err, SGN_EINVALID, "%s: the output's Version is not 1", source);
        goto out;
    }
    if ((rc = sgn_aws__creds_from_json(&c, json, "SessionToken", source, err)) < 0)
        goto out;
    rc = sgn_aws__finish(out, &c, ch, source, err);
out:
    sgn_aws__json_wipe_free(json);
    sgn_aws_creds_free(&c);
    sgn_buf_clear_free(&output);
    sgn_aws_argv_free(argv);
    return rc;
}
