/*
 * Shared by the two HTTP floors (http_floor_epoll.c, http_floor_uring.c) and their smoke test
 * (http_floor_check.c): the fixed response, the request counter, the listening socket and the
 * stop signal. Header only, as bench.h (every .c file in native/bench is a program).
 *
 * A floor is the least a keep-alive HTTP server can do on its mechanism: it counts requests by
 * their header terminator "\r\n\r\n" (no parsing) and answers every one with the same 44 bytes.
 * scripts/bench-http measures muxlab's servers, nginx and Netty against it.
 */
#ifndef MUXLAB_HTTP_FLOOR_H
#define MUXLAB_HTTP_FLOOR_H

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <sys/signalfd.h>
#include <sys/socket.h>

#include "bench.h"

/* The response to every request: 44 bytes, a Content-Length body, nothing else. */
#define FLOOR_RESPONSE "HTTP/1.1 200 OK\r\nContent-Length: 6\r\n\r\nhello\n"
#define FLOOR_RESPONSE_LEN 44
_Static_assert(sizeof(FLOOR_RESPONSE) - 1 == FLOOR_RESPONSE_LEN, "the floor's response is 44 bytes");

/* Most responses one write (or send) carries; more are written in further calls. */
#define FLOOR_BATCH 64

/*
 * FLOOR_BATCH + 1 copies of the response back to back. The output of a connection is a count
 * of bytes owed and the offset into the current response where they start (a short write can
 * stop mid-response): writing from floor_out + offset up to FLOOR_BATCH responses' worth
 * always stays inside the buffer, and the bytes are the right ones because it repeats.
 */
static char floor_out[(FLOOR_BATCH + 1) * FLOOR_RESPONSE_LEN];

static inline void floor_out_init(void)
{
    for (int i = 0; i <= FLOOR_BATCH; i++)
        memcpy(floor_out + (size_t)i * FLOOR_RESPONSE_LEN, FLOOR_RESPONSE, FLOOR_RESPONSE_LEN);
}

/*
 * Counts the "\r\n\r\n" in p[0..n) that complete a request; *state is how much of the
 * terminator the previous bytes of the connection had matched (0-3), so a terminator split
 * across reads is counted once.
 */
static inline uint32_t floor_count(uint8_t *state, const char *p, size_t n)
{
    static const char END[4] = { '\r', '\n', '\r', '\n' };
    uint32_t k = 0;
    uint8_t s = *state;
    const char *end = p + n;
    while (p < end) {
        if (s == 0) {
            const char *cr = memchr(p, '\r', (size_t)(end - p));
            if (!cr)
                break;
            p = cr + 1;
            s = 1;
            continue;
        }
        char c = *p++;
        if (c == END[s]) {
            if (++s == 4) {
                k++;
                s = 0;
            }
        } else {
            s = c == '\r';
        }
    }
    *state = s;
    return k;
}

/* The port argument: 0 to 65535 (0: the kernel picks one). */
static inline int floor_port(int argc, char **argv)
{
    if (argc != 2)
        bench_usage();
    int port = bench_parse_int(argv[1], 0);
    if (port > 65535)
        bench_usage();
    return port;
}

/*
 * A non-blocking listening TCP socket on 127.0.0.1:port (SO_REUSEADDR, backlog 4096); prints
 * "listening on 127.0.0.1:PORT" on stdout (the port the kernel chose for 0), the only line a
 * floor prints before it stops.
 */
static inline int floor_listen(int port)
{
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0)
        bench_die("socket", errno);
    int one = 1;
    if (setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one) < 0)
        bench_die("SO_REUSEADDR", errno);
    struct sockaddr_in a;
    memset(&a, 0, sizeof a);
    a.sin_family = AF_INET;
    a.sin_port = htons((uint16_t)port);
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (bind(fd, (struct sockaddr *)&a, sizeof a) < 0)
        bench_die("bind", errno);
    if (listen(fd, 4096) < 0)
        bench_die("listen", errno);
    socklen_t len = sizeof a;
    if (getsockname(fd, (struct sockaddr *)&a, &len) < 0)
        bench_die("getsockname", errno);
    printf("listening on 127.0.0.1:%d\n", ntohs(a.sin_port));
    fflush(stdout);
    return fd;
}

/*
 * SIGTERM and SIGINT blocked and delivered through a non-blocking signalfd instead, which the
 * loop watches like any other fd: a stop costs the loop nothing until it happens. SIGPIPE is
 * ignored: a write to a connection the client has closed (a load generator ending its run with
 * requests in flight) fails with EPIPE and closes that connection instead of killing the server.
 */
static inline int floor_stop_fd(void)
{
    if (signal(SIGPIPE, SIG_IGN) == SIG_ERR)
        bench_die("signal(SIGPIPE)", errno);
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGTERM);
    sigaddset(&set, SIGINT);
    if (sigprocmask(SIG_BLOCK, &set, NULL) < 0)
        bench_die("sigprocmask", errno);
    int fd = signalfd(-1, &set, SFD_NONBLOCK | SFD_CLOEXEC);
    if (fd < 0)
        bench_die("signalfd", errno);
    return fd;
}

/* Per-fd state for every fd the process may open (RLIMIT_NOFILE raised to the hard limit). */
static inline void *floor_fd_table(size_t entry, int64_t *count)
{
    *count = bench_raise_nofile();
    if (*count > (1 << 22))
        *count = 1 << 22;
    void *t = calloc((size_t)*count, entry);
    if (!t)
        bench_die("calloc", ENOMEM);
    return t;
}

static inline void floor_nodelay(int fd)
{
    int one = 1;
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
}

#endif /* MUXLAB_HTTP_FLOOR_H */
