/* Process-spawning driver of the side-by-side benchmark (tests/bench/bench_side_by_side.py).
 * Not installed.
 *
 * Runs each case of a plan as a host runs a plugin: posix_spawn, the request written to the
 * child's stdin through a pipe, stdout and stderr read through pipes to EOF, then wait4. The wall
 * time runs from just before posix_spawn to wait4's return (CLOCK_MONOTONIC); the peak RSS is
 * wait4's ru_maxrss. The driver is small on purpose: Linux counts the RSS of the address space a
 * vfork-style child leaves at exec into the child's ru_maxrss, so a big driver (Python) would
 * raise every child's figure.
 *
 * Usage: bench_spawn --rounds N [--warmup N] [--retries N] [--outdir DIR] PLAN
 * PLAN, one directive a line (values run to the end of the line):
 *   case NAME        starts a case
 *   arg VALUE        argv[0], argv[1], ... (argv[0] is the executable's path; no PATH search)
 *   env KEY=VALUE    the whole environment (nothing is inherited)
 *   stdin FILE       the request (default: nothing, stdin closed at once)
 *   end              ends the case
 * Each round runs every case once, starting at case (round mod ncases), so that cases share the
 * machine's noise and none always runs first. Warm-up rounds run first and are not reported.
 * A run succeeds when it exits 0 with an empty stderr and prints the same stdout as the first
 * successful run of its case, whose stdout/stderr go to DIR/NAME.out and DIR/NAME.err. A failed
 * run is reported and run again, up to --retries times (default 0).
 * Output, one line a run (warm-up runs included for failures only):
 *   "NAME\tROUND\tWALL_NS\tMAXRSS_KB\tEXIT"            a successful, reported run
 *   "fail\tNAME\tROUND\tEXIT\tREASON\tSTDERR"           a failed run (STDERR: its first 400 bytes,
 *                                                      tabs and newlines made spaces)
 * Exit status 0 when every run succeeded (retries included), 1 when one did not even after its
 * retries (its output is also written to stderr), 2 on misuse.
 */
#define _GNU_SOURCE /* pipe2 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

struct buf {
    char *data;
    size_t len, cap;
};

struct bench_case {
    char *name;
    char **argv, **envp;
    size_t argc, envc;
    struct buf request;
    struct buf first_out;   /* the stdout every later run must repeat */
    int have_first;
};

static void die(const char *what) {
    fprintf(stderr, "bench_spawn: %s: %s\n", what, strerror(errno));
    exit(2);
}

static void buf_add(struct buf *b, const char *p, size_t n) {
    if (b->len + n + 1 > b->cap) {
        size_t cap = b->cap ? b->cap : 4096;
        while (cap < b->len + n + 1)
            cap *= 2;
        char *d = realloc(b->data, cap);
        if (!d)
            die("realloc");
        b->data = d;
        b->cap = cap;
    }
    memcpy(b->data + b->len, p, n);
    b->len += n;
    b->data[b->len] = '\0';
}

static void list_add(char ***list, size_t *n, const char *value) {
    char **l = realloc(*list, (*n + 2) * sizeof **list);
    if (!l)
        die("realloc");
    l[*n] = strdup(value);
    if (!l[*n])
        die("strdup");
    l[++*n] = NULL;
    *list = l;
}

static void read_whole(const char *path, struct buf *b) {
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        die(path);
    char chunk[65536];
    ssize_t n;
    while ((n = read(fd, chunk, sizeof chunk)) > 0)
        buf_add(b, chunk, (size_t)n);
    if (n < 0)
        die(path);
    close(fd);
}

static size_t load_plan(const char *path, struct bench_case **out) {
    FILE *f = fopen(path, "r");
    if (!f)
        die(path);
    struct bench_case *cases = NULL, *cur = NULL;
    size_t n = 0;
    char *line = NULL;
    size_t cap = 0;
    ssize_t len;
    while ((len = getline(&line, &cap, f)) >= 0) {
        if (len && line[len - 1] == '\n')
            line[--len] = '\0';
        if (len == 0 || line[0] == '#')
            continue;
        char *sp = strchr(line, ' ');
        const char *value = sp ? sp + 1 : "";
        if (sp)
            *sp = '\0';
        if (strcmp(line, "case") == 0) {
            cases = realloc(cases, (n + 1) * sizeof *cases);
            if (!cases)
                die("realloc");
            cur = &cases[n++];
            memset(cur, 0, sizeof *cur);
            cur->name = strdup(value);
            cur->envp = calloc(1, sizeof *cur->envp);  /* an empty, NULL-terminated list */
            if (!cur->name || !cur->envp)
                die("calloc");
        } else if (!cur) {
            fprintf(stderr, "bench_spawn: %s: '%s' before 'case'\n", path, line);
            exit(2);
        } else if (strcmp(line, "arg") == 0) {
            list_add(&cur->argv, &cur->argc, value);
        } else if (strcmp(line, "env") == 0) {
            list_add(&cur->envp, &cur->envc, value);
        } else if (strcmp(line, "stdin") == 0) {
            read_whole(value, &cur->request);
        } else if (strcmp(line, "end") == 0) {
            if (!cur->argc) {
                fprintf(stderr, "bench_spawn: case %s has no arg\n", cur->name);
                exit(2);
            }
            cur = NULL;
        } else {
            fprintf(stderr, "bench_spawn: %s: unknown directive '%s'\n", path, line);
            exit(2);
        }
    }
    free(line);
    fclose(f);
    *out = cases;
    return n;
}

static int64_t now_ns(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

struct run_result {
    int64_t wall_ns;
    long maxrss_kb;
    int status;
};

/* One run of one case; stdout and stderr are left in out and err. */
static struct run_result run_once(struct bench_case *c, struct buf *out, struct buf *err) {
    int in_p[2], out_p[2], err_p[2];
    if (pipe2(in_p, O_CLOEXEC) || pipe2(out_p, O_CLOEXEC) || pipe2(err_p, O_CLOEXEC))
        die("pipe2");
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_adddup2(&fa, in_p[0], 0);
    posix_spawn_file_actions_adddup2(&fa, out_p[1], 1);
    posix_spawn_file_actions_adddup2(&fa, err_p[1], 2);
    out->len = err->len = 0;

    struct run_result r = {0, 0, 0};
    pid_t pid;
    int64_t t0 = now_ns();
    int rc = posix_spawn(&pid, c->argv[0], &fa, NULL, c->argv, c->envp);
    posix_spawn_file_actions_destroy(&fa);
    close(in_p[0]);
    close(out_p[1]);
    close(err_p[1]);
    if (rc != 0) {
        errno = rc;
        die(c->argv[0]);
    }
    int in_fd = in_p[1];
    fcntl(in_fd, F_SETFL, O_NONBLOCK);
    size_t written = 0;
    if (c->request.len == 0) {
        close(in_fd);
        in_fd = -1;
    }
    int open_fds = 2;
    struct pollfd fds[3];
    while (open_fds > 0 || in_fd >= 0) {
        fds[0] = (struct pollfd){.fd = out_p[0], .events = POLLIN};
        fds[1] = (struct pollfd){.fd = err_p[0], .events = POLLIN};
        fds[2] = (struct pollfd){.fd = in_fd, .events = POLLOUT};
        if (poll(fds, 3, -1) < 0) {
            if (errno == EINTR)
                continue;
            die("poll");
        }
        if (in_fd >= 0 && fds[2].revents) {
            ssize_t n = write(in_fd, c->request.data + written, c->request.len - written);
            if (n > 0)
                written += (size_t)n;
            if ((n < 0 && errno != EAGAIN && errno != EINTR) || written == c->request.len) {
                close(in_fd);  /* done, or the child closed its stdin (EPIPE) */
                in_fd = -1;
            }
        }
        for (int i = 0; i < 2; i++) {
            if (fds[i].fd < 0 || !fds[i].revents)
                continue;
            char chunk[65536];
            ssize_t n = read(fds[i].fd, chunk, sizeof chunk);
            if (n > 0) {
                buf_add(i == 0 ? out : err, chunk, (size_t)n);
            } else if (n == 0 || (errno != EINTR && errno != EAGAIN)) {
                close(fds[i].fd);
                if (i == 0)
                    out_p[0] = -1;
                else
                    err_p[0] = -1;
                open_fds--;
            }
        }
    }
    struct rusage ru;
    int status;
    while (wait4(pid, &status, 0, &ru) < 0) {
        if (errno != EINTR)
            die("wait4");
    }
    r.wall_ns = now_ns() - t0;
    r.maxrss_kb = ru.ru_maxrss;
    r.status = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
    return r;
}

static void save(const char *dir, const char *name, const char *ext, const struct buf *b) {
    char path[4096];
    snprintf(path, sizeof path, "%s/%s.%s", dir, name, ext);
    FILE *f = fopen(path, "wb");
    if (!f)
        die(path);
    if (b->len && fwrite(b->data, 1, b->len, f) != b->len)
        die(path);
    fclose(f);
}

static int usage(void) {
    fprintf(stderr, "usage: bench_spawn --rounds N [--warmup N] [--retries N] [--outdir DIR] PLAN\n");
    return 2;
}

int main(int argc, char **argv) {
    long rounds = -1, warmup = 1, retries = 0;
    const char *outdir = NULL, *plan = NULL;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--rounds") == 0 && i + 1 < argc)
            rounds = strtol(argv[++i], NULL, 10);
        else if (strcmp(argv[i], "--warmup") == 0 && i + 1 < argc)
            warmup = strtol(argv[++i], NULL, 10);
        else if (strcmp(argv[i], "--retries") == 0 && i + 1 < argc)
            retries = strtol(argv[++i], NULL, 10);
        else if (strcmp(argv[i], "--outdir") == 0 && i + 1 < argc)
            outdir = argv[++i];
        else if (!plan && argv[i][0] != '-')
            plan = argv[i];
        else
            return usage();
    }
    if (rounds < 1 || warmup < 0 || retries < 0 || !plan)
        return usage();
    signal(SIGPIPE, SIG_IGN);

    struct bench_case *cases;
    size_t ncases = load_plan(plan, &cases);
    if (ncases == 0) {
        fprintf(stderr, "bench_spawn: %s: no case\n", plan);
        return 2;
    }
    struct buf out = {0}, err = {0};
    int lost = 0;
    for (long round = -warmup; round < rounds; round++) {
        size_t start = (size_t)((round + warmup) % (long)ncases);
        for (size_t k = 0; k < ncases; k++) {
            struct bench_case *c = &cases[(start + k) % ncases];
            for (long attempt = 0;; attempt++) {
                struct run_result r = run_once(c, &out, &err);
                const char *bad = NULL;
                if (r.status != 0)
                    bad = "non-zero exit";
                else if (err.len)
                    bad = "output on stderr";
                else if (c->have_first && (out.len != c->first_out.len ||
                                           (out.len && memcmp(out.data, c->first_out.data, out.len))))
                    bad = "stdout differs from the first run's";
                if (!bad) {
                    if (!c->have_first) {
                        c->have_first = 1;
                        buf_add(&c->first_out, out.data ? out.data : "", out.len);
                        if (outdir) {
                            save(outdir, c->name, "out", &out);
                            save(outdir, c->name, "err", &err);
                        }
                    }
                    if (round >= 0)
                        printf("%s\t%ld\t%lld\t%ld\t%d\n", c->name, round, (long long)r.wall_ns,
                               r.maxrss_kb, r.status);
                    break;
                }
                printf("fail\t%s\t%ld\t%d\t%s\t", c->name, round, r.status, bad);
                for (size_t i = 0; i < err.len && i < 400; i++)
                    putchar(err.data[i] == '\t' || err.data[i] == '\n' ? ' ' : err.data[i]);
                putchar('\n');
                if (attempt >= retries) {
                    lost++;
                    fprintf(stderr, "bench_spawn: %s, round %ld: %s (exit %d), %ld retries\n"
                            "stdout: %.500s\nstderr: %.2000s\n", c->name, round, bad, r.status,
                            retries, out.len ? out.data : "", err.len ? err.data : "");
                    if (outdir && !c->have_first) {
                        save(outdir, c->name, "out", &out);
                        save(outdir, c->name, "err", &err);
                    }
                    break;
                }
            }
        }
    }
    fflush(stdout);
    return lost ? 1 : 0;
}
