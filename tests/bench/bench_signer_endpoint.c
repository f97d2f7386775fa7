/* A fast loopback stand-in for the AWS Signer API, for the side-by-side benchmark
 * (tests/bench/bench_side_by_side.py). Not installed.
 *
 * It answers, whatever the Host header:
 *   POST /signing-jobs/with-payload  (SignPayload)          200, the --sign-response file as is
 *   GET  /revocations?...            (GetRevocationStatus)  200, the --revocation-response file
 *   anything else                                           404 restJson1 NotFoundException
 * The answers are canned (made once, before the run, from a real signer-local store), so the
 * server costs next to nothing per request. SigV4 is NOT verified: a request only counts as
 * signed when its Authorization header starts with "AWS4-HMAC-SHA256 Credential=<--access-key>/".
 *
 * Usage: bench_signer_endpoint --sign-response FILE --revocation-response FILE
 *                              [--access-key AKID] [--port N]
 * Listens on 127.0.0.1 (port 0: any free port), prints "PORT\n" on stdout once it listens, and
 * runs until its stdin reaches EOF or it gets SIGTERM/SIGINT. It then prints one line per
 * operation and caller, e.g. "GetRevocationStatus go 102 signed 102", and exits 0. The caller is
 * "go" when the User-Agent holds "aws-sdk-go", else "c".
 */
#include <microhttpd.h>

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

enum { OP_SIGN, OP_REVOCATION, OP_OTHER, OP_COUNT };
static const char *const op_names[OP_COUNT] = {"SignPayload", "GetRevocationStatus", "Other"};

struct counts {
    unsigned long calls[OP_COUNT][2];  /* [op][0 = c, 1 = go] */
    unsigned long signed_calls[OP_COUNT][2];
};

static struct counts counts;          /* only the MHD thread writes it while the daemon runs */
static struct MHD_Response *responses[OP_COUNT];
static char auth_prefix[256];
static volatile sig_atomic_t stop_requested;
static int stop_pipe[2] = {-1, -1};

static char *read_file(const char *path, size_t *len) {
    FILE *f = fopen(path, "rb");
    if (!f) {
        fprintf(stderr, "bench_signer_endpoint: %s: %s\n", path, strerror(errno));
        return NULL;
    }
    size_t cap = 4096, n = 0;
    char *buf = malloc(cap);
    while (buf) {
        size_t got = fread(buf + n, 1, cap - n, f);
        n += got;
        if (n < cap)
            break;
        char *bigger = realloc(buf, cap * 2);
        if (!bigger) {
            free(buf);
            buf = NULL;
            break;
        }
        buf = bigger;
        cap *= 2;
    }
    fclose(f);
    *len = n;
    return buf;
}

static struct MHD_Response *json_response(char *body, size_t len, const char *error_type) {
    struct MHD_Response *r = MHD_create_response_from_buffer(len, body, MHD_RESPMEM_MUST_FREE);
    if (!r)
        return NULL;
    MHD_add_response_header(r, "Content-Type", "application/json");
    MHD_add_response_header(r, "x-amzn-RequestId", "00000000-0000-4000-8000-00000000bench");
    if (error_type)
        MHD_add_response_header(r, "x-amzn-ErrorType", error_type);
    return r;
}

static enum MHD_Result handle(void *cls, struct MHD_Connection *conn, const char *url,
                              const char *method, const char *version, const char *upload_data,
                              size_t *upload_data_size, void **con_cls) {
    static int seen_headers;
    if (*con_cls == NULL) {           /* first call: the headers only */
        *con_cls = &seen_headers;
        return MHD_YES;
    }
    if (*upload_data_size) {          /* the body: read and dropped */
        *upload_data_size = 0;
        return MHD_YES;
    }
    int op = OP_OTHER;
    if (strcmp(method, "POST") == 0 && strcmp(url, "/signing-jobs/with-payload") == 0)
        op = OP_SIGN;
    else if (strcmp(method, "GET") == 0 && strcmp(url, "/revocations") == 0)
        op = OP_REVOCATION;
    const char *ua = MHD_lookup_connection_value(conn, MHD_HEADER_KIND, "User-Agent");
    const char *auth = MHD_lookup_connection_value(conn, MHD_HEADER_KIND, "Authorization");
    int caller = ua && strstr(ua, "aws-sdk-go") ? 1 : 0;
    counts.calls[op][caller]++;
    if (auth && strncmp(auth, auth_prefix, strlen(auth_prefix)) == 0)
        counts.signed_calls[op][caller]++;
    return MHD_queue_response(conn, op == OP_OTHER ? MHD_HTTP_NOT_FOUND : MHD_HTTP_OK, responses[op]);
}

static void on_signal(int sig) {
    (void)sig;
    stop_requested = 1;
    if (stop_pipe[1] >= 0) {
        ssize_t ignored = write(stop_pipe[1], "x", 1);
        (void)ignored;
    }
}

static int usage(void) {
    fprintf(stderr, "usage: bench_signer_endpoint --sign-response FILE --revocation-response FILE "
                    "[--access-key AKID] [--port N]\n");
    return 2;
}

int main(int argc, char **argv) {
    const char *sign_path = NULL, *revocation_path = NULL, *akid = "";
    unsigned port = 0;
    for (int i = 1; i < argc; i++) {
        if (i + 1 >= argc)
            return usage();
        if (strcmp(argv[i], "--sign-response") == 0)
            sign_path = argv[++i];
        else if (strcmp(argv[i], "--revocation-response") == 0)
            revocation_path = argv[++i];
        else if (strcmp(argv[i], "--access-key") == 0)
            akid = argv[++i];
        else if (strcmp(argv[i], "--port") == 0)
            port = (unsigned)strtoul(argv[++i], NULL, 10);
        else
            return usage();
    }
    if (!sign_path || !revocation_path || port > 65535)
        return usage();
    snprintf(auth_prefix, sizeof auth_prefix, "AWS4-HMAC-SHA256 Credential=%s/", akid);

    size_t len;
    char *body = read_file(sign_path, &len);
    if (!body || !(responses[OP_SIGN] = json_response(body, len, NULL)))
        return 1;
    body = read_file(revocation_path, &len);
    if (!body || !(responses[OP_REVOCATION] = json_response(body, len, NULL)))
        return 1;
    static const char not_found[] = "{\"message\":\"no such route in the benchmark endpoint\"}";
    body = strdup(not_found);
    if (!body || !(responses[OP_OTHER] = json_response(body, strlen(body), "NotFoundException")))
        return 1;

    if (pipe(stop_pipe) != 0)
        return 1;
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_signal;
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGINT, &sa, NULL);
    signal(SIGPIPE, SIG_IGN);

    struct sockaddr_in addr;
    memset(&addr, 0, sizeof addr);
    addr.sin_family = AF_INET;
    addr.sin_port = htons((uint16_t)port);
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    /* One internal thread polling every connection: the plugins call one at a time. */
    struct MHD_Daemon *d = MHD_start_daemon(
        MHD_USE_AUTO_INTERNAL_THREAD | MHD_USE_ERROR_LOG, (uint16_t)port, NULL, NULL, handle, NULL,
        MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&addr, MHD_OPTION_CONNECTION_TIMEOUT, 30u,
        MHD_OPTION_END);
    if (!d) {
        fprintf(stderr, "bench_signer_endpoint: cannot listen on 127.0.0.1:%u\n", port);
        return 1;
    }
    const union MHD_DaemonInfo *info = MHD_get_daemon_info(d, MHD_DAEMON_INFO_BIND_PORT);
    printf("%u\n", info ? (unsigned)info->port : port);
    fflush(stdout);

    struct pollfd fds[2] = {{.fd = STDIN_FILENO, .events = POLLIN}, {.fd = stop_pipe[0], .events = POLLIN}};
    while (!stop_requested) {
        if (poll(fds, 2, -1) < 0) {
            if (errno == EINTR)
                continue;
            break;
        }
        if (fds[1].revents)
            break;
        if (fds[0].revents) {
            char buf[256];
            ssize_t n = read(STDIN_FILENO, buf, sizeof buf);
            if (n <= 0 && !(n < 0 && errno == EINTR))
                break;
        }
    }
    MHD_stop_daemon(d);
    for (int op = 0; op < OP_COUNT; op++) {
        for (int caller = 0; caller < 2; caller++)
            printf("%s %s %lu signed %lu\n", op_names[op], caller ? "go" : "c",
                   counts.calls[op][caller], counts.signed_calls[op][caller]);
        MHD_destroy_response(responses[op]);
    }
    return 0;
}
