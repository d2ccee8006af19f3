/*
 * The epoll floor of scripts/bench-http: the least a keep-alive HTTP server does on epoll.
 *
 *   muxlab-http_floor_epoll PORT      (0: the kernel picks a port)
 *
 * One thread, raw system calls, edge-triggered: epoll_wait; on the listener accept4 until
 * EAGAIN; on a connection read into one 64 KiB buffer until a short read (a stream socket is
 * empty then; later data is a new edge), count the "\r\n\r\n" and write that many fixed 44-byte
 * responses (see http_floor.h) in one write. A write that falls short keeps the rest as a count
 * of bytes owed, sent when EPOLLOUT comes (connections are registered EPOLLIN|EPOLLOUT|EPOLLET
 * once, as nginx does, so no epoll_ctl follows). No parsing, no timeouts, no limits: the
 * point is the kernel's cost per request and nothing else. TCP_NODELAY on every connection, as
 * muxlab's servers set it.
 *
 * Prints "listening on 127.0.0.1:PORT" once; on SIGTERM or SIGINT (through a signalfd in the
 * epoll set) closes everything, prints "served R requests on C connections" and exits 0.
 * Exit codes: 0 stopped by a signal, 1 a failed system call, 2 bad usage.
 */
#define BENCH_TAG "muxlab-http_floor_epoll"
#define BENCH_USAGE "usage: muxlab-http_floor_epoll PORT   (0-65535; 0: any free port, printed on stdout)"
#include "http_floor.h"

#define EVENTS 512

struct conn {
    uint64_t owe;   /* response bytes not yet written */
    uint8_t off;    /* where they start within a response */
    uint8_t match;  /* floor_count state */
    uint8_t open;
};

static struct conn *conns;
static int64_t nconns;
static char in[65536];
static uint64_t requests, accepted;

static void conn_close(int fd)
{
    close(fd);
    memset(&conns[fd], 0, sizeof conns[fd]);
}

/* Writes what is owed until done or EAGAIN; 0, or -1 when the connection failed. */
static int flush(int fd, struct conn *c)
{
    while (c->owe > 0) {
        size_t len = c->owe < FLOOR_BATCH * FLOOR_RESPONSE_LEN ? (size_t)c->owe : FLOOR_BATCH * FLOOR_RESPONSE_LEN;
        ssize_t w = write(fd, floor_out + c->off, len);
        if (w < 0) {
            if (errno == EINTR)
                continue;
            return errno == EAGAIN ? 0 : -1;
        }
        c->owe -= (uint64_t)w;
        c->off = (uint8_t)((c->off + (size_t)w) % FLOOR_RESPONSE_LEN);
    }
    return 0;
}

static void on_conn(int fd, uint32_t events)
{
    struct conn *c = &conns[fd];
    if (events & (EPOLLIN | EPOLLHUP | EPOLLERR)) {
        for (;;) {
            ssize_t r = read(fd, in, sizeof in);
            if (r > 0) {
                uint32_t k = floor_count(&c->match, in, (size_t)r);
                requests += k;
                c->owe += (uint64_t)k * FLOOR_RESPONSE_LEN;
                if ((size_t)r < sizeof in)
                    break;
                continue;
            }
            if (r < 0 && errno == EINTR)
                continue;
            if (r < 0 && errno == EAGAIN)
                break;
            conn_close(fd); /* EOF or an error */
            return;
        }
    }
    if (c->owe > 0 && flush(fd, c) < 0)
        conn_close(fd);
}

static void on_listener(int ep, int lfd)
{
    for (;;) {
        int fd = accept4(lfd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
        if (fd < 0) {
            if (errno == EINTR || errno == ECONNABORTED)
                continue;
            if (errno != EAGAIN)
                fprintf(stderr, BENCH_TAG ": accept4: %s\n", strerror(errno));
            return; /* EAGAIN; at the fd limit the next connection's edge retries */
        }
        if (fd >= nconns) {
            close(fd);
            continue;
        }
        floor_nodelay(fd);
        struct epoll_event ev = { .events = EPOLLIN | EPOLLOUT | EPOLLET, .data.fd = fd };
        if (epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev) < 0)
            bench_die("epoll_ctl(ADD)", errno);
        conns[fd].open = 1;
        accepted++;
    }
}

int main(int argc, char **argv)
{
    int port = floor_port(argc, argv);
    floor_out_init();
    conns = floor_fd_table(sizeof *conns, &nconns);
    int sfd = floor_stop_fd();
    int lfd = floor_listen(port);
    int ep = epoll_create1(EPOLL_CLOEXEC);
    if (ep < 0)
        bench_die("epoll_create1", errno);
    struct epoll_event ev = { .events = EPOLLIN | EPOLLET, .data.fd = lfd };
    if (epoll_ctl(ep, EPOLL_CTL_ADD, lfd, &ev) < 0)
        bench_die("epoll_ctl(listener)", errno);
    ev = (struct epoll_event){ .events = EPOLLIN, .data.fd = sfd };
    if (epoll_ctl(ep, EPOLL_CTL_ADD, sfd, &ev) < 0)
        bench_die("epoll_ctl(signalfd)", errno);

    struct epoll_event evs[EVENTS];
    int stop = 0;
    while (!stop) {
        int n = epoll_wait(ep, evs, EVENTS, -1);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            bench_die("epoll_wait", errno);
        }
        for (int i = 0; i < n; i++) {
            int fd = evs[i].data.fd;
            if (fd == lfd)
                on_listener(ep, lfd);
            else if (fd == sfd)
                stop = 1;
            else
                on_conn(fd, evs[i].events);
        }
    }

    for (int fd = 0; fd < nconns; fd++)
        if (conns[fd].open)
            close(fd);
    close(ep);
    close(lfd);
    close(sfd);
    free(conns);
    printf("served %llu requests on %llu connections\n", (unsigned long long)requests,
           (unsigned long long)accepted);
    return 0;
}
