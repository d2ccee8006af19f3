/*
 * Smoke test of an HTTP floor (http_floor_epoll.c, http_floor_uring.c), run by ctest.
 *
 *   muxlab-http_floor_check [-s] SERVER
 *
 * Starts SERVER 0 (any free port) with its stdout on a pipe, reads the port from its
 * "listening on" line, and then over loopback:
 *  1. one connection sends three pipelined requests and the first part of a fourth in one
 *     write (cut inside its "\r\n\r\n"); exactly three responses must come back, byte for byte,
 *     and nothing more within 200 ms (half a request is not a request);
 *  2. a second connection, opened meanwhile, sends one request and gets one response;
 *  3. the first sends the rest of the fourth request and gets the fourth response;
 *  4. a third connection sends 1,000 requests in one write and closes at once, reading
 *     nothing: the server's first write of the responses draws a reset from the closed socket,
 *     the next one fails with EPIPE (the connection had sent its FIN), which must not kill the
 *     server with SIGPIPE; a fourth connection must still get its response;
 *  5. all close; SIGTERM must stop the server within 10 s with exit code 0 and the summary
 *     "served N requests on 4 connections", 6 <= N <= 1,006 (the server may stop reading the
 *     third connection's requests when its writes fail).
 * -s: a server that exits with code 3 before it listens (io_uring unavailable here) is a skip:
 * its message is shown and this program exits 77, which ctest reports as skipped.
 * Exit codes: 0 passed, 1 failed (the reason on stderr), 2 bad usage, 77 skipped.
 */
#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>

#define BENCH_TAG "muxlab-http_floor_check"
#define BENCH_USAGE "usage: muxlab-http_floor_check [-s] SERVER"
#include "http_floor.h"

/* Written out here rather than taken from http_floor.h, so a change there shows. */
static const char EXPECTED[] = "HTTP/1.1 200 OK\r\nContent-Length: 6\r\n\r\nhello\n";
#define REQ "GET / HTTP/1.1\r\nHost: muxlab\r\n\r\n"

static pid_t child = -1;

static void fail(const char *fmt, const char *arg)
{
    fprintf(stderr, BENCH_TAG ": FAIL: ");
    fprintf(stderr, fmt, arg);
    fprintf(stderr, "\n");
    if (child > 0) {
        kill(child, SIGKILL);
        waitpid(child, NULL, 0);
    }
    exit(1);
}

/* Waits up to ms for fd to become readable; 1 readable, 0 timed out. */
static int readable(int fd, int ms)
{
    struct pollfd p = { .fd = fd, .events = POLLIN };
    for (;;) {
        int n = poll(&p, 1, ms);
        if (n >= 0)
            return n;
        if (errno != EINTR)
            fail("poll: %s", strerror(errno));
    }
}

/* Reads one line (without the newline) from fd within 10 s; NULL at EOF. */
static char *read_line(int fd, char *buf, size_t cap)
{
    size_t n = 0;
    while (n + 1 < cap) {
        if (!readable(fd, 10000))
            fail("%s", "no line from the server within 10 s");
        ssize_t r = read(fd, buf + n, 1);
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0)
            return n ? buf : NULL;
        if (buf[n] == '\n')
            break;
        n++;
    }
    buf[n] = 0;
    return buf;
}

static void send_all(int fd, const char *p, size_t len)
{
    while (len > 0) {
        ssize_t w = write(fd, p, len);
        if (w < 0 && errno == EINTR)
            continue;
        if (w < 0)
            fail("write: %s", strerror(errno));
        p += w;
        len -= (size_t)w;
    }
}

/* Reads exactly k responses within 5 s and compares every byte. */
static void expect_responses(int fd, int k, const char *what)
{
    char buf[16 * FLOOR_RESPONSE_LEN];
    size_t want = (size_t)k * FLOOR_RESPONSE_LEN, got = 0;
    if (want > sizeof buf)
        fail("%s", "too many responses asked for");
    while (got < want) {
        if (!readable(fd, 5000))
            fail("no (complete) response within 5 s: %s", what);
        ssize_t r = read(fd, buf + got, want - got);
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0)
            fail("connection closed before the responses: %s", what);
        got += (size_t)r;
    }
    for (int i = 0; i < k; i++)
        if (memcmp(buf + (size_t)i * FLOOR_RESPONSE_LEN, EXPECTED, FLOOR_RESPONSE_LEN) != 0)
            fail("a response differs from the expected 44 bytes: %s", what);
}

static int dial(int port)
{
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0)
        fail("socket: %s", strerror(errno));
    struct sockaddr_in a;
    memset(&a, 0, sizeof a);
    a.sin_family = AF_INET;
    a.sin_port = htons((uint16_t)port);
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (connect(fd, (struct sockaddr *)&a, sizeof a) < 0)
        fail("connect: %s", strerror(errno));
    return fd;
}

int main(int argc, char **argv)
{
    int skip_ok = 0;
    int i = 1;
    if (i < argc && strcmp(argv[i], "-s") == 0) {
        skip_ok = 1;
        i++;
    }
    if (argc - i != 1)
        bench_usage();
    const char *server = argv[i];
    _Static_assert(sizeof EXPECTED - 1 == FLOOR_RESPONSE_LEN, "44 bytes");
    signal(SIGPIPE, SIG_IGN);

    int out[2];
    if (pipe2(out, O_CLOEXEC) < 0)
        bench_die("pipe2", errno);
    child = fork();
    if (child < 0)
        bench_die("fork", errno);
    if (child == 0) {
        signal(SIGPIPE, SIG_DFL); /* an ignored signal stays ignored across exec: the server gets the default */
        dup2(out[1], STDOUT_FILENO);
        execl(server, server, "0", (char *)NULL);
        fprintf(stderr, BENCH_TAG ": exec %s: %s\n", server, strerror(errno));
        _exit(127);
    }
    close(out[1]);

    char line[256];
    int port = 0;
    if (!read_line(out[0], line, sizeof line)) {
        int st;
        waitpid(child, &st, 0);
        child = -1;
        if (skip_ok && WIFEXITED(st) && WEXITSTATUS(st) == 3) {
            printf("SKIPPED: %s cannot run here (io_uring unavailable, its message above)\n", server);
            return 77;
        }
        fail("%s exited before it listened", server);
    }
    if (sscanf(line, "listening on 127.0.0.1:%d", &port) != 1 || port <= 0)
        fail("unexpected first line: %s", line);

    /* 1: three requests and most of a fourth, cut after its "\r\n\r" */
    int a = dial(port);
    const char *r = REQ;
    size_t rl = strlen(REQ);
    char burst[4 * sizeof REQ];
    size_t n = 0;
    for (int k = 0; k < 3; k++, n += rl)
        memcpy(burst + n, r, rl);
    memcpy(burst + n, r, rl - 1);
    n += rl - 1;
    send_all(a, burst, n);
    expect_responses(a, 3, "three pipelined requests");
    if (readable(a, 200))
        fail("%s", "a response came for an incomplete request");

    /* 2: a second connection meanwhile */
    int b = dial(port);
    send_all(b, r, rl);
    expect_responses(b, 1, "one request on a second connection");

    /* 3: the last byte of the fourth request */
    send_all(a, "\n", 1);
    expect_responses(a, 1, "the fourth request, completed by its last byte");

    /* 4: a client that leaves with a thousand responses owed, then one that is served */
    int c = dial(port);
    static char many[1000 * (sizeof REQ - 1)];
    for (int k = 0; k < 1000; k++)
        memcpy(many + (size_t)k * rl, r, rl);
    send_all(c, many, sizeof many);
    close(c);
    usleep(200000);
    int d = dial(port);
    send_all(d, r, rl);
    expect_responses(d, 1, "a request after another client reset its connection");

    /* 5: close, stop, summary */
    close(a);
    close(b);
    close(d);
    if (kill(child, SIGTERM) < 0)
        bench_die("kill", errno);
    int st = 0;
    for (int waited = 0;; waited += 10) {
        pid_t w = waitpid(child, &st, WNOHANG);
        if (w == child)
            break;
        if (waited >= 10000)
            fail("%s", "the server did not stop within 10 s of SIGTERM");
        usleep(10000);
    }
    child = -1;
    if (!WIFEXITED(st) || WEXITSTATUS(st) != 0)
        fail("%s", "the server did not exit with code 0 after SIGTERM");
    if (!read_line(out[0], line, sizeof line))
        fail("%s", "no summary line after SIGTERM");
    unsigned long served = 0;
    char tail[64];
    if (sscanf(line, "served %lu requests on 4 connection%63s", &served, tail) != 2 || strcmp(tail, "s") != 0
        || served < 6 || served > 1006)
        fail("unexpected summary: %s", line);
    printf("ok: %s: answered byte for byte (pipelined, split), survived a reset with 1,000 responses owed,"
           " clean stop on SIGTERM (%s)\n", server, line);
    return 0;
}
