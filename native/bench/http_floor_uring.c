/*
 * The io_uring floor of scripts/bench-http: the same server as http_floor_epoll.c on
 * io_uring, through the shim's own ring code (mux_ring_*, native/src/uring.c), not liburing.
 *
 *   muxlab-http_floor_uring PORT      (0: the kernel picks a port)
 *
 * One thread, one ring (1,024 SQEs, 16,384 CQEs; set up with IORING_SETUP_COOP_TASKRUN where
 * the kernel has it, as every ring of the shim is: see uring_setup):
 *  - one multishot accept on the listener: a completion per connection;
 *  - one multishot recv per connection into a provided-buffer ring (4,096 buffers of 1 KiB,
 *    shared by all connections); a buffer goes back to the kernel as soon as its requests are
 *    counted ("\r\n\r\n", no parsing);
 *  - one send in flight per connection of the fixed 44-byte responses it owes (see
 *    http_floor.h), up to 64 of them at once; what a short send left, or requests counted while
 *    it was in flight, go in the next send when it completes;
 *  - close: cancel the connection's requests, then close through the ring.
 * Everything queued while handling one batch of completions goes to the kernel in the next
 * mux_ring_wait: one io_uring_enter per loop iteration submits it and waits for completions.
 * A multishot request that ends (ENOBUFS when every buffer is taken, or the kernel's choice) is
 * armed again in the same batch.
 *
 * Prints "listening on 127.0.0.1:PORT" once; on SIGTERM or SIGINT (a poll on a signalfd in the
 * ring) closes everything, prints "served R requests on C connections" and exits 0.
 * Exit codes: 0 stopped by a signal, 1 a failed system call, 2 bad usage, 3 io_uring or the
 * features used (multishot accept and recv, provided-buffer rings: Linux 6.0) unavailable here.
 */
#include <linux/io_uring.h>

#define BENCH_TAG "muxlab-http_floor_uring"
#define BENCH_USAGE "usage: muxlab-http_floor_uring PORT   (0-65535; 0: any free port, printed on stdout)"
#include "http_floor.h"

#define SQ_ENTRIES 1024
#define CQ_ENTRIES 16384
#define BUFFERS 4096
#define BUFFER_SIZE 1024
#define GROUP 0
#define BATCH 1024  /* completions taken per mux_ring_wait */

/* user_data: generation << 32 | fd << 3 | kind; a completion from an earlier connection on the
 * same fd number has an older generation and is dropped (its buffer still goes back). */
enum { K_ACCEPT = 1, K_RECV, K_SEND, K_CLOSE, K_STOP };

static inline int64_t ud(uint32_t gen, int fd, int kind)
{
    return (int64_t)(((uint64_t)gen << 32) | ((uint64_t)(uint32_t)fd << 3) | (uint64_t)kind);
}

struct conn {
    uint64_t owe;     /* response bytes not yet sent (the one in flight included) */
    uint32_t gen;
    uint32_t sending; /* bytes of the send in flight, 0 if none */
    uint8_t off;      /* where owe starts within a response */
    uint8_t match;    /* floor_count state */
    uint8_t open;
};

static struct conn *conns;
static int64_t nconns;
static int64_t ring;
static int64_t bufs;
static char *mem;
static uint64_t requests, accepted;
static uint32_t next_gen = 1;
static int lfd;
static int accept_paused;

static void unavailable(const char *what, int err)
{
    fprintf(stderr, BENCH_TAG ": io_uring unavailable here: %s: %s\n", what, strerror(err));
    exit(3);
}

static void must(int rc, const char *what)
{
    if (rc < 0)
        bench_die(what, -rc);
}

static void arm_accept(void)
{
    must(mux_ring_accept(ring, lfd, 1, ud(0, lfd, K_ACCEPT)), "queue accept");
}

static void arm_recv(int fd)
{
    must(mux_ring_recv(ring, fd, GROUP, 1, ud(conns[fd].gen, fd, K_RECV)), "queue recv");
}

static void send_some(int fd, struct conn *c)
{
    size_t len = c->owe < FLOOR_BATCH * FLOOR_RESPONSE_LEN ? (size_t)c->owe : FLOOR_BATCH * FLOOR_RESPONSE_LEN;
    must(mux_ring_send(ring, fd, (int64_t)(intptr_t)(floor_out + c->off), (int)len, ud(c->gen, fd, K_SEND)),
         "queue send");
    c->sending = (uint32_t)len;
}

static void conn_close(int fd)
{
    struct conn *c = &conns[fd];
    must(mux_ring_cancel_fd(ring, fd, ud(c->gen, fd, K_CLOSE)), "queue cancel");
    must(mux_ring_close_fd(ring, fd, ud(c->gen, fd, K_CLOSE)), "queue close");
    memset(c, 0, sizeof *c);
    if (accept_paused) {
        accept_paused = 0;
        arm_accept();
    }
}

static void on_accept(int32_t res, uint32_t flags)
{
    if (res >= 0) {
        int fd = res;
        if (fd >= nconns) {
            close(fd);
        } else {
            floor_nodelay(fd);
            struct conn *c = &conns[fd];
            memset(c, 0, sizeof *c);
            c->gen = next_gen++;
            c->open = 1;
            accepted++;
            arm_recv(fd);
        }
    } else if (res == -EMFILE || res == -ENFILE) {
        /* armed again when a connection closes; re-arming now would fail again at once */
        if (!(flags & IORING_CQE_F_MORE) && !accept_paused) {
            fprintf(stderr, BENCH_TAG ": accept: %s (paused until a connection closes)\n", strerror(-res));
            accept_paused = 1;
        }
        return;
    } else if (res == -EINVAL && accepted == 0) {
        unavailable("multishot accept", EINVAL);
    }
    if (!(flags & IORING_CQE_F_MORE))
        arm_accept();
}

static void on_recv(int fd, struct conn *c, int32_t res, uint32_t flags)
{
    if (flags & IORING_CQE_F_BUFFER) {
        int bid = (int)(flags >> IORING_CQE_BUFFER_SHIFT);
        if (res > 0 && c) {
            uint32_t k = floor_count(&c->match, mem + (size_t)bid * BUFFER_SIZE, (size_t)res);
            requests += k;
            c->owe += (uint64_t)k * FLOOR_RESPONSE_LEN;
        }
        must(mux_ring_buffers_recycle(bufs, bid), "recycle buffer");
    }
    if (!c)
        return; /* an earlier connection's */
    if (res > 0 || res == -ENOBUFS) {
        if (!(flags & IORING_CQE_F_MORE))
            arm_recv(fd);
        if (c->owe > 0 && c->sending == 0)
            send_some(fd, c);
        return;
    }
    if (res == -EINVAL && requests == 0)
        unavailable("multishot recv into provided buffers", EINVAL);
    conn_close(fd); /* EOF, or an error */
}

static void on_send(int fd, struct conn *c, int32_t res)
{
    if (!c)
        return;
    if (res < 0) {
        conn_close(fd);
        return;
    }
    c->sending = 0;
    c->owe -= (uint64_t)res;
    c->off = (uint8_t)((c->off + (uint32_t)res) % FLOOR_RESPONSE_LEN);
    if (c->owe > 0)
        send_some(fd, c);
}

int main(int argc, char **argv)
{
    int port = floor_port(argc, argv);
    floor_out_init();
    conns = floor_fd_table(sizeof *conns, &nconns);
    int sfd = floor_stop_fd();

    ring = mux_ring_open(SQ_ENTRIES, CQ_ENTRIES);
    if (ring < 0)
        unavailable("io_uring_setup", (int)-ring);
    mem = aligned_alloc(4096, (size_t)BUFFERS * BUFFER_SIZE);
    if (!mem)
        bench_die("aligned_alloc", ENOMEM);
    bufs = mux_ring_buffers(ring, GROUP, BUFFERS, BUFFER_SIZE, (int64_t)(intptr_t)mem);
    if (bufs < 0)
        unavailable("provided-buffer ring (IORING_REGISTER_PBUF_RING)", (int)-bufs);

    lfd = floor_listen(port);
    arm_accept();
    must(mux_ring_poll(ring, sfd, POLLIN, 0, ud(0, sfd, K_STOP)), "queue signalfd poll");

    struct io_uring_cqe *cqes = calloc(BATCH, sizeof *cqes);
    if (!cqes)
        bench_die("calloc", ENOMEM);
    int stop = 0;
    while (!stop) {
        int n = mux_ring_wait(ring, (int64_t)(intptr_t)cqes, BATCH, 1, -1);
        if (n < 0) {
            if (n == -EINTR)
                continue;
            bench_die("mux_ring_wait", -n);
        }
        for (int i = 0; i < n; i++) {
            const struct io_uring_cqe *e = &cqes[i];
            uint64_t u = e->user_data;
            int kind = (int)(u & 7);
            int fd = (int)((uint32_t)u >> 3);
            uint32_t gen = (uint32_t)(u >> 32);
            struct conn *c = NULL;
            if (kind == K_RECV || kind == K_SEND) {
                if (fd >= 0 && fd < nconns && conns[fd].open && conns[fd].gen == gen)
                    c = &conns[fd];
            }
            switch (kind) {
            case K_ACCEPT: on_accept(e->res, e->flags); break;
            case K_RECV: on_recv(fd, c, e->res, e->flags); break;
            case K_SEND: on_send(fd, c, e->res); break;
            case K_STOP: stop = 1; break;
            default: break; /* cancel and close results */
            }
        }
    }

    free(cqes);
    for (int fd = 0; fd < nconns; fd++)
        if (conns[fd].open)
            close(fd);
    mux_ring_close(ring); /* cancels what is in flight, frees the buffer ring */
    free(mem);
    close(lfd);
    close(sfd);
    free(conns);
    printf("served %llu requests on %llu connections\n", (unsigned long long)requests,
           (unsigned long long)accepted);
    return 0;
}
