/* io_uring shims: the readiness multiplexer (the shared backend contract plus what is
 * particular to io_uring polls) and the completion ring (conformance.md F1-F7), against the
 * real kernel. Every case closes what it opens; the sanitizer build runs the same. */
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <pthread.h>
#include <stdatomic.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/utsname.h>

#include "mtest_contract.h"

#define IORING_POLL_ADD_MULTI_ (1U << 0) /* <linux/io_uring.h> values, read back via mux_const */
#define F_MORE ((uint32_t)mux_const(MUX_C_IORING_CQE_F_MORE))
#define F_BUFFER ((uint32_t)mux_const(MUX_C_IORING_CQE_F_BUFFER))
#define BUFFER_SHIFT ((int)mux_const(MUX_C_IORING_CQE_BUFFER_SHIFT))

static const struct mt_backend B_URING = MT_BACKEND_URING;

/* ------------------------------------------------------------------ helpers */

/* A connected TCP pair over 127.0.0.1: c (client) and s (accepted), both non-blocking. */
static void tcp_pair(int *c, int *s)
{
    int ls = mux_tcp_socket(0);
    CHECK_GE(ls, 0);
    CHECK_EQ(mux_bind4(ls, 0x7f000001, 0), 0);
    CHECK_EQ(mux_listen(ls, 4), 0);
    *c = mux_tcp_socket(0);
    CHECK_EQ(mux_connect4(*c, 0x7f000001, mux_local_port(ls)), 0);
    CHECK_EQ(mux_set_nonblock(*c, 1), 0);
    *s = mux_accept(ls, 1);
    CHECK_GE(*s, 0);
    CHECK_EQ(mux_close(ls), 0);
}

static int64_t stat_of(int64_t h, int which)
{
    return mux_uring_stat(h, which);
}

struct cqe {
    uint64_t ud;
    int32_t res;
    uint32_t flags;
};

#define MAXC 256

struct comps {
    int n;
    struct cqe c[MAXC];
};

/* mux_ring_wait into a heap buffer of exactly capacity records (for ASan). */
static int ring_wait(int64_t h, int capacity, int min, int64_t timeout_ms, struct comps *out)
{
    size_t len = (size_t)capacity * (size_t)mux_const(MUX_C_IO_URING_CQE_SIZE);
    unsigned char *buf = malloc(len ? len : 1);
    int n = mux_ring_wait(h, (int64_t)(intptr_t)buf, capacity, min, timeout_ms);
    out->n = n;
    for (int i = 0; i < n && i < MAXC; i++)
        memcpy(&out->c[i], buf + (size_t)i * 16, 16);
    free(buf);
    return n;
}

/* The completion for ud, or NULL. */
static const struct cqe *find(const struct comps *cs, uint64_t ud)
{
    for (int i = 0; i < cs->n && i < MAXC; i++)
        if (cs->c[i].ud == ud)
            return &cs->c[i];
    return NULL;
}

static int count_ud(const struct comps *cs, uint64_t ud)
{
    int k = 0;
    for (int i = 0; i < cs->n && i < MAXC; i++)
        k += cs->c[i].ud == ud;
    return k;
}

/* ------------------------------------------------------------------ readiness */

/* The ring's own fd cannot be registered (as epoll refuses itself); it is cloexec. */
static void uring_own_fd(void)
{
    int64_t h = mt_open(&B_URING);
    int rfd = mux_uring_fd(h);
    CHECK_GE(rfd, 0);
    CHECK_EQ(mux_is_cloexec(rfd), 1);
    CHECK_EQ(mux_uring_ctl(h, MUX_CTL_ADD, rfd, POLLIN), -EINVAL);
    CHECK_EQ(mux_uring_ctl(h, MUX_CTL_MOD, rfd, POLLIN), -EINVAL);
    CHECK_EQ(mux_uring_ctl(h, MUX_CTL_DEL, rfd, 0), -EINVAL);
    mt_close(&B_URING, h);
}

static void uring_wakefd(void)
{
    int probe = mux_eventfd(0, 1);
    CHECK_GE(probe, 0);
    CHECK_EQ(mux_close(probe), 0);
    int64_t h = mt_open(&B_URING);
    contract_wakefd_reserved(&B_URING, h, probe);
    mt_close(&B_URING, h);
    CHECK_EQ(mux_is_cloexec(probe), -EBADF); /* closed with the instance */
}

/* EXCLUSIVE and unknown bits are refused; EPOLLET and EPOLLONESHOT are accepted. */
static void uring_flags(void)
{
    int sv[2];
    mt_pair(sv);
    int64_t h = mt_open(&B_URING);
    CHECK_EQ(mux_uring_ctl(h, MUX_CTL_ADD, sv[0], (int)(POLLIN | EPOLLEXCLUSIVE)), -EINVAL);
    CHECK_EQ(mux_uring_ctl(h, MUX_CTL_ADD, sv[0], POLLIN | 0x100), -EINVAL);
    CHECK_EQ(mux_uring_ctl(h, MUX_CTL_ADD, sv[0], POLLIN | POLLNVAL), -EINVAL);
    CHECK_EQ(mux_uring_ctl(h, MUX_CTL_ADD, sv[0], (int)(POLLIN | EPOLLET | EPOLLONESHOT)), 0);
    CHECK_EQ(mux_uring_ctl(h, MUX_CTL_MOD, sv[0], (int)(POLLIN | EPOLLEXCLUSIVE)), -EINVAL);
    CHECK_EQ(mux_uring_ctl(h, MUX_CTL_MOD, sv[0], (int)(POLLOUT | EPOLLET)), 0);
    mt_close(&B_URING, h);
    mt_close_pair(sv);
}

/* Edge-triggered (multishot poll): reported when it happens, once per wait. */
static void uring_edge(void)
{
    int sv[2];
    mt_pair(sv);
    int64_t h = mt_open(&B_URING);
    struct mt_ready r;
    CHECK_EQ(mux_uring_ctl(h, MUX_CTL_ADD, sv[0], (int)(POLLIN | EPOLLET)), 0);
    CHECK_EQ(mt_wait(&B_URING, h, 4, 0, &r), 0);
    mt_put(sv[1], 1);
    CHECK_EQ(mt_wait(&B_URING, h, 4, 0, &r), 1);
    CHECK_EQ(r.fd[0], sv[0]);
    CHECK_EQ(r.ev[0], POLLIN);
    CHECK_EQ(mt_wait(&B_URING, h, 4, 0, &r), 0); /* data still unread, no new edge */
    mt_put(sv[1], 1);
    mt_put(sv[1], 1); /* two arrivals, one report */
    CHECK_EQ(mt_wait(&B_URING, h, 4, 0, &r), 1);
    CHECK_EQ(mt_events(&r, sv[0]), POLLIN);
    CHECK_EQ(mt_wait(&B_URING, h, 4, 0, &r), 0);
    CHECK_EQ(mux_drain(sv[0]), 3);
    CHECK_EQ(mt_wait(&B_URING, h, 4, 0, &r), 0); /* reading is no edge */
    /* ready at registration: reported once */
    int e = mux_eventfd(2, 1);
    CHECK_EQ(mux_uring_ctl(h, MUX_CTL_ADD, e, (int)(POLLIN | EPOLLET)), 0);
    CHECK_EQ(mt_wait(&B_URING, h, 4, 0, &r), 1);
    CHECK_EQ(mt_events(&r, e), POLLIN);
    CHECK_EQ(mt_wait(&B_URING, h, 4, 0, &r), 0);
    /* modify re-arms: a still-ready fd is reported again */
    CHECK_EQ(mux_uring_ctl(h, MUX_CTL_MOD, e, (int)(POLLIN | EPOLLET)), 0);
    CHECK_EQ(mt_wait(&B_URING, h, 4, 0, &r), 1);
    CHECK_EQ(mt_events(&r, e), POLLIN);
    CHECK_EQ(mt_wait(&B_URING, h, 4, 0, &r), 0);
    /* an edge report carries the waker's bits: data arriving on a writable socket is POLLIN */
    CHECK_EQ(mux_uring_ctl(h, MUX_CTL_MOD, sv[0], (int)(POLLIN | POLLOUT | EPOLLET)), 0);
    CHECK_EQ(mt_wait(&B_URING, h, 4, 0, &r), 1);
    CHECK_EQ(mt_events(&r, sv[0]), POLLOUT); /* the arm's own poll: the full state */
    mt_put(sv[1], 1);
    CHECK_EQ(mt_wait(&B_URING, h, 4, 0, &r), 1);
    CHECK_EQ(mt_events(&r, sv[0]), POLLIN); /* epoll would say POLLIN|POLLOUT */
    CHECK_EQ(mux_close(e), 0);
    mt_close(&B_URING, h);
    mt_close_pair(sv);
}

/* One-shot: fires once, stays registered, MOD re-arms; ADD meanwhile is EEXIST. */
static void uring_oneshot(void)
{
    int sv[2];
    mt_pair(sv);
    int64_t h = mt_open(&B_URING);
    struct mt_ready r;
    int flags = (int)(POLLIN | EPOLLONESHOT);
    CHECK_EQ(mux_uring_ctl(h, MUX_CTL_ADD, sv[0], flags), 0);
    CHECK_EQ(mt_wait(&B_URING, h, 4, 0, &r), 0);
    mt_put(sv[1], 2);
    CHECK_EQ(mt_wait(&B_URING, h, 4, 0, &r), 1);
    CHECK_EQ(r.ev[0], POLLIN);
    CHECK_EQ(mt_wait(&B_URING, h, 4, 0, &r), 0);
    mt_put(sv[1], 1);
    CHECK_EQ(mt_wait(&B_URING, h, 4, 0, &r), 0);
    CHECK_EQ(mux_uring_ctl(h, MUX_CTL_ADD, sv[0], flags), -EEXIST);
    CHECK_EQ(mux_uring_ctl(h, MUX_CTL_MOD, sv[0], flags), 0);
    CHECK_EQ(mt_wait(&B_URING, h, 4, 0, &r), 1);
    CHECK_EQ(mt_wait(&B_URING, h, 4, 0, &r), 0);
    CHECK_EQ(mux_uring_ctl(h, MUX_CTL_MOD, sv[0], POLLIN), 0); /* plain again: level */
    CHECK_EQ(mt_wait(&B_URING, h, 4, 0, &r), 1);
    CHECK_EQ(mt_wait(&B_URING, h, 4, 0, &r), 1);
    mt_close(&B_URING, h);
    mt_close_pair(sv);
}

/* RDHUP only when asked (the kernel adds it to every poll; the shim masks it). */
static void uring_rdhup(void)
{
    int sv[2];
    mt_pair(sv);
    int64_t h = mt_open(&B_URING);
    struct mt_ready r;
    CHECK_EQ(mux_uring_ctl(h, MUX_CTL_ADD, sv[0], POLLIN | POLLRDHUP), 0);
    CHECK_EQ(mt_wait(&B_URING, h, 4, 0, &r), 0);
    CHECK_EQ(mux_shutdown(sv[1], 1), 0);
    CHECK_EQ(mt_wait(&B_URING, h, 4, 0, &r), 1);
    CHECK_EQ(r.ev[0], POLLIN | POLLRDHUP);
    CHECK_EQ(mux_uring_ctl(h, MUX_CTL_MOD, sv[0], POLLIN), 0);
    CHECK_EQ(mt_wait(&B_URING, h, 4, 0, &r), 1);
    CHECK_EQ(r.ev[0], POLLIN);
    mt_close(&B_URING, h);
    mt_close_pair(sv);
}

/* A poll that fires for RDHUP alone (asked for WRITE on a full socket whose peer shut down):
 * nothing to report, and no busy loop of one-shot polls firing at once; WRITE is reported
 * when room comes. */
static void uring_quiet_rdhup(void)
{
    int sv[2];
    mt_pair(sv);
    int64_t h = mt_open(&B_URING);
    struct mt_ready r;
    CHECK_GT(mux_fill(sv[0], -1), 0);
    CHECK_EQ(mux_uring_ctl(h, MUX_CTL_ADD, sv[0], POLLOUT), 0);
    CHECK_EQ(mux_shutdown(sv[1], 1), 0);
    int64_t enters = stat_of(h, MUX_URING_STAT_ENTERS);
    int64_t t0 = mt_now_ms();
    CHECK_EQ(mt_wait(&B_URING, h, 4, 100, &r), 0);
    CHECK_GE(mt_now_ms() - t0, 100);
    CHECK_LT(stat_of(h, MUX_URING_STAT_ENTERS) - enters, 10); /* it slept, it did not spin */
    CHECK_EQ(mt_wait(&B_URING, h, 4, 0, &r), 0);
    CHECK_GT(mux_drain(sv[1]), 0);
    CHECK_EQ(mt_wait(&B_URING, h, 4, 2000, &r), 1);
    CHECK_EQ(mt_events(&r, sv[0]), POLLOUT);
    CHECK_EQ(mt_wait(&B_URING, h, 4, 0, &r), 1); /* level: still writable */
    CHECK_EQ(mt_events(&r, sv[0]), POLLOUT);
    mt_close(&B_URING, h);
    mt_close_pair(sv);
}

/* A socket's data wake-up names POLLPRI too; the shim re-polls before reporting, so normal
 * data is POLLIN alone (in a wait that was blocked when it came, too), urgent data POLLPRI. */
struct delayed_write {
    int fd;
    int ms;
    int oob;
};

static void *write_later(void *arg)
{
    struct delayed_write *w = arg;
    mt_sleep_ms(w->ms);
    if (w->oob)
        send(w->fd, "!", 1, MSG_OOB);
    else
        mt_put(w->fd, 1);
    return NULL;
}

static void uring_pri_confirmed(void)
{
    int c, s;
    tcp_pair(&c, &s);
    int64_t h = mt_open(&B_URING);
    struct mt_ready r;
    CHECK_EQ(mux_uring_ctl(h, MUX_CTL_ADD, s, POLLIN | POLLPRI), 0);
    CHECK_EQ(mt_wait(&B_URING, h, 4, 0, &r), 0);
    int64_t confirms = stat_of(h, MUX_URING_STAT_CONFIRMS);
    struct delayed_write w = { c, 30, 0 };
    pthread_t t;
    CHECK_EQ(pthread_create(&t, NULL, write_later, &w), 0);
    CHECK_EQ(mt_wait(&B_URING, h, 4, 5000, &r), 1); /* woken in the wait by the data */
    CHECK_EQ(pthread_join(t, NULL), 0);
    CHECK_EQ(mt_events(&r, s), POLLIN);
    CHECK_GT(stat_of(h, MUX_URING_STAT_CONFIRMS), confirms);
    CHECK_EQ(mux_drain(s), 1);
    CHECK_EQ(mt_wait(&B_URING, h, 4, 0, &r), 0);
    /* urgent data: POLLPRI (and the byte before it is readable) */
    CHECK_EQ(mux_uring_ctl(h, MUX_CTL_MOD, s, POLLPRI), 0);
    CHECK_EQ(mt_wait(&B_URING, h, 4, 0, &r), 0);
    w.oob = 1;
    CHECK_EQ(pthread_create(&t, NULL, write_later, &w), 0);
    CHECK_EQ(mt_wait(&B_URING, h, 4, 5000, &r), 1);
    CHECK_EQ(pthread_join(t, NULL), 0);
    CHECK_EQ(mt_events(&r, s), POLLPRI);
    mt_close(&B_URING, h);
    CHECK_EQ(mux_close(s), 0);
    CHECK_EQ(mux_close(c), 0);
}

/* A completion that sat in the CQ since before the wait is re-polled: data read meanwhile is
 * not reported (level-triggered reports are the current state, as epoll's are). */
static void uring_stale_filtered(void)
{
    int sv[2];
    mt_pair(sv);
    int64_t h = mt_open(&B_URING);
    struct mt_ready r;
    CHECK_EQ(mux_uring_ctl(h, MUX_CTL_ADD, sv[0], POLLIN), 0);
    CHECK_EQ(mt_wait(&B_URING, h, 4, 0, &r), 0); /* armed */
    mt_put(sv[1], 3);                            /* the poll completes... */
    CHECK_EQ(mux_drain(sv[0]), 3);               /* ...and the data is gone again */
    CHECK_EQ(mt_wait(&B_URING, h, 4, 0, &r), 0);
    mt_put(sv[1], 1);
    CHECK_EQ(mt_wait(&B_URING, h, 4, 0, &r), 1);
    CHECK_EQ(r.ev[0], POLLIN);
    mt_close(&B_URING, h);
    mt_close_pair(sv);
}

/* A registered fd closed without unregistering: the armed poll keeps the file open (the peer
 * sees no EOF) until unregister; unregister is allowed for the closed number. */
static void uring_close_registered(void)
{
    int sv[2];
    mt_pair(sv);
    int64_t h = mt_open(&B_URING);
    struct mt_ready r;
    CHECK_EQ(mux_uring_ctl(h, MUX_CTL_ADD, sv[0], POLLIN), 0);
    CHECK_EQ(mt_wait(&B_URING, h, 4, 0, &r), 0); /* armed in the kernel */
    int fd = sv[0];
    CHECK_EQ(mux_close(fd), 0);
    sv[0] = -1;
    char b;
    CHECK_EQ(mux_read(sv[1], (int64_t)(intptr_t)&b, 1), -EAGAIN); /* no EOF: the file lives */
    CHECK_EQ(mux_uring_ctl(h, MUX_CTL_MOD, fd, POLLIN), -EBADF);
    CHECK_EQ(mux_uring_ctl(h, MUX_CTL_DEL, fd, 0), 0);
    CHECK_EQ(mux_read(sv[1], (int64_t)(intptr_t)&b, 1), 0); /* now EOF */
    CHECK_EQ(mux_uring_ctl(h, MUX_CTL_DEL, fd, 0), -ENOENT);
    mt_close(&B_URING, h);
    mt_close_pair(sv);
}

/* A registered fd closed while its level-triggered poll needs re-arming: the re-arm looks the
 * closed number up, fails with EBADF, and the fd is reported NVAL at every wait (as poll does). */
static void uring_nval(void)
{
    int sv[2];
    mt_pair(sv);
    int64_t h = mt_open(&B_URING);
    struct mt_ready r;
    mt_put(sv[1], 1);
    CHECK_EQ(mux_uring_ctl(h, MUX_CTL_ADD, sv[0], POLLIN), 0);
    CHECK_EQ(mt_wait(&B_URING, h, 4, 0, &r), 1); /* reported: not armed until the next wait */
    int fd = sv[0];
    CHECK_EQ(mux_close(fd), 0);
    sv[0] = -1;
    for (int i = 0; i < 2; i++) {
        CHECK_EQ(mt_wait(&B_URING, h, 4, 0, &r), 1);
        CHECK_EQ(r.fd[0], fd);
        CHECK_EQ(r.ev[0], POLLNVAL);
    }
    CHECK_EQ(mux_uring_ctl(h, MUX_CTL_DEL, fd, 0), 0);
    CHECK_EQ(mt_wait(&B_URING, h, 4, 0, &r), 0);
    mt_close(&B_URING, h);
    mt_close_pair(sv);
}

/* Unregister then close: the peer sees EOF at once (unregister submitted its removal). */
static void uring_unregister_releases_file(void)
{
    int sv[2];
    mt_pair(sv);
    int64_t h = mt_open(&B_URING);
    struct mt_ready r;
    CHECK_EQ(mux_uring_ctl(h, MUX_CTL_ADD, sv[0], POLLIN), 0);
    CHECK_EQ(mt_wait(&B_URING, h, 4, 0, &r), 0);
    int64_t enters = stat_of(h, MUX_URING_STAT_ENTERS);
    CHECK_EQ(mux_uring_ctl(h, MUX_CTL_DEL, sv[0], 0), 0);
    CHECK_EQ(stat_of(h, MUX_URING_STAT_ENTERS), enters + 1);
    CHECK_EQ(mux_close(sv[0]), 0);
    sv[0] = -1;
    char b;
    CHECK_EQ(mux_read(sv[1], (int64_t)(intptr_t)&b, 1), 0);
    mt_close(&B_URING, h);
    mt_close_pair(sv);
}

/* The registration follows the number: dup + close, and the next re-arm finds the number
 * closed (NVAL), unlike epoll, whose registration follows the open file. */
static void uring_dup(void)
{
    int sv[2];
    mt_pair(sv);
    int64_t h = mt_open(&B_URING);
    struct mt_ready r;
    int fd = sv[0];
    CHECK_EQ(mux_uring_ctl(h, MUX_CTL_ADD, fd, POLLIN), 0);
    CHECK_EQ(mt_wait(&B_URING, h, 4, 0, &r), 0);
    int copy = mux_dup(fd);
    CHECK_EQ(mux_close(fd), 0);
    mt_put(sv[1], 1);
    CHECK_EQ(mt_wait(&B_URING, h, 4, 0, &r), 1);
    CHECK_EQ(r.fd[0], fd);
    CHECK_EQ(r.ev[0], POLLNVAL);
    CHECK_EQ(mux_uring_ctl(h, MUX_CTL_DEL, fd, 0), 0);
    CHECK_EQ(mux_uring_ctl(h, MUX_CTL_DEL, copy, 0), -ENOENT);
    CHECK_EQ(mux_close(copy), 0);
    sv[0] = -1;
    mt_close(&B_URING, h);
    mt_close_pair(sv);
}

/* F5 for the multiplexer: a CQ of 8 entries and 100 ready fds: all reported, every time. */
static void uring_cq_overflow(void)
{
    enum { N = 100 };
    int64_t h = mux_uring_open_sized(4, 8);
    CHECK_GT(h, 0);
    int e[N];
    for (int i = 0; i < N; i++) {
        e[i] = mux_eventfd(1, 1);
        CHECK_EQ(mux_uring_ctl(h, MUX_CTL_ADD, e[i], POLLIN), 0);
    }
    struct mt_ready r;
    for (int round = 0; round < 3; round++) {
        CHECK_EQ(mt_wait(&B_URING, h, N + 10, 0, &r), N);
        for (int i = 0; i < N; i++)
            CHECK_EQ(mt_count(&r, e[i]), 1);
    }
    CHECK_GT(stat_of(h, MUX_URING_STAT_OVERFLOWS), 0);
    CHECK_GT(stat_of(h, MUX_URING_STAT_SQ_FULL), 0); /* 100 arms through a 4-entry SQ */
    for (int i = 0; i < N; i++)
        CHECK_EQ(mux_close(e[i]), 0);
    CHECK_EQ(mux_uring_close(h), 0);
}

/* Fewer slots than ready fds: each wait is full, and every fd gets its turn. */
static void uring_rotation(void)
{
    int64_t h = mt_open(&B_URING);
    int e[3];
    for (int i = 0; i < 3; i++) {
        e[i] = mux_eventfd(1, 1);
        CHECK_EQ(mux_uring_ctl(h, MUX_CTL_ADD, e[i], POLLIN), 0);
    }
    struct mt_ready r;
    int seen[3] = { 0, 0, 0 };
    for (int round = 0; round < 3; round++) {
        int n = mt_wait(&B_URING, h, 1, 0, &r);
        CHECK_EQ(n, 1);
        for (int i = 0; i < 3 && n == 1; i++)
            seen[i] += r.fd[0] == e[i];
    }
    for (int i = 0; i < 3; i++)
        CHECK_EQ(seen[i], 1);
    for (int i = 0; i < 3; i++)
        CHECK_EQ(mux_close(e[i]), 0);
    mt_close(&B_URING, h);
}

/* Polls belong to the thread that submitted them: it exits, the kernel cancels them (at their
 * next wake-up), and the next wait re-arms and reports. The wake poll too. */
struct in_thread {
    int64_t h;
    int rc;
};

static void *wait_once(void *arg)
{
    struct in_thread *t = arg;
    struct mt_ready r;
    t->rc = mt_wait(&B_URING, t->h, 4, 0, &r);
    return NULL;
}

static void *open_in_thread(void *arg)
{
    struct in_thread *t = arg;
    t->h = mux_uring_open();
    return NULL;
}

static void *wakeup_later(void *arg)
{
    mt_sleep_ms(50);
    mux_uring_wakeup(*(int64_t *)arg);
    return NULL;
}

static void uring_thread_exit(void)
{
    int sv[2];
    mt_pair(sv);
    struct in_thread t = { 0, -99 };
    pthread_t th;
    CHECK_EQ(pthread_create(&th, NULL, open_in_thread, &t), 0); /* arms the wake poll */
    CHECK_EQ(pthread_join(th, NULL), 0);
    int64_t h = t.h;
    CHECK_GT(h, 0);
    CHECK_EQ(mux_uring_ctl(h, MUX_CTL_ADD, sv[0], POLLIN), 0);
    CHECK_EQ(pthread_create(&th, NULL, wait_once, &t), 0); /* arms sv[0]'s poll */
    CHECK_EQ(pthread_join(th, NULL), 0);
    CHECK_EQ(t.rc, 0);
    struct mt_ready r;
    mt_put(sv[1], 1);
    CHECK_EQ(mt_wait(&B_URING, h, 4, 2000, &r), 1);
    CHECK_EQ(r.fd[0], sv[0]);
    CHECK_EQ(r.ev[0], POLLIN);
    /* the wake poll's thread is gone too: a wakeup still ends a wait */
    pthread_t w;
    CHECK_EQ(pthread_create(&w, NULL, wakeup_later, &h), 0);
    CHECK_EQ(mux_drain(sv[0]), 1);
    int64_t t0 = mt_now_ms();
    CHECK_EQ(mt_wait(&B_URING, h, 4, -1, &r), 0);
    CHECK_LT(mt_now_ms() - t0, 2000);
    CHECK_EQ(pthread_join(w, NULL), 0);
    CHECK_EQ(mux_uring_close(h), 0);
    mt_close_pair(sv);
}

/* A signal during the wait: EINTR is retried with the time left. */
static void *kill_later(void *arg)
{
    mt_sleep_ms(40);
    mux_thread_kill(*(int64_t *)arg, SIGURG);
    return NULL;
}

static void uring_eintr(void)
{
    CHECK_EQ(mux_signal_install(SIGURG), 0);
    int64_t h = mt_open(&B_URING);
    int sv[2];
    mt_pair(sv);
    CHECK_EQ(mux_uring_ctl(h, MUX_CTL_ADD, sv[0], POLLIN), 0);
    struct mt_ready r;
    CHECK_EQ(mt_wait(&B_URING, h, 4, 0, &r), 0); /* armed: the next wait submits nothing */
    int64_t self = mux_thread_self();
    int64_t retries = mux_eintr_retries();
    pthread_t k;
    CHECK_EQ(pthread_create(&k, NULL, kill_later, &self), 0);
    int64_t t0 = mt_now_ms();
    CHECK_EQ(mt_wait(&B_URING, h, 4, 150, &r), 0);
    CHECK_GE(mt_now_ms() - t0, 150);
    CHECK_EQ(pthread_join(k, NULL), 0);
    CHECK_GT(mux_eintr_retries(), retries);
    mt_close(&B_URING, h);
    mt_close_pair(sv);
}

/* A regular file cannot be waited on: its poll completes at once, so level-triggered it is
 * ready at every wait (as with poll(2); epoll refuses regular files with EPERM). */
static void uring_regular_file(void)
{
    char path[128];
    mt_temp_path(path, sizeof path, "uring");
    int f = mux_open_file(path, 1);
    CHECK_GE(f, 0);
    int64_t h = mt_open(&B_URING);
    struct mt_ready r;
    CHECK_EQ(mux_uring_ctl(h, MUX_CTL_ADD, f, POLLIN | POLLOUT), 0);
    for (int i = 0; i < 2; i++) {
        CHECK_EQ(mt_wait(&B_URING, h, 4, 0, &r), 1);
        CHECK_EQ(mt_events(&r, f), POLLIN | POLLOUT);
    }
    mt_close(&B_URING, h);
    CHECK_EQ(mux_close(f), 0);
    unlink(path);
}

/* ------------------------------------------------------------------ completion ring */

static int64_t ring_open(int sq, int cq)
{
    int64_t h = mux_ring_open(sq, cq);
    CHECK_GT(h, 0);
    return h;
}

/* F3: user data comes back as given (any 64-bit value but the reserved one); NOP res 0. */
static void ring_user_data(void)
{
    int64_t h = ring_open(8, 0);
    int64_t uds[] = { 0, 1, -2, INT64_MIN, INT64_MAX, 0x1234567890abcdefLL };
    int n = (int)(sizeof uds / sizeof uds[0]);
    for (int i = 0; i < n; i++)
        CHECK_EQ(mux_ring_nop(h, uds[i]), 0);
    CHECK_EQ(mux_ring_queued(h), n);
    struct comps cs;
    int64_t enters = mux_ring_stat(h, MUX_URING_STAT_ENTERS);
    CHECK_EQ(ring_wait(h, 16, n, 1000, &cs), n);
    CHECK_EQ(mux_ring_stat(h, MUX_URING_STAT_ENTERS), enters + 1); /* one io_uring_enter */
    CHECK_EQ(mux_ring_queued(h), 0);
    for (int i = 0; i < n; i++) {
        const struct cqe *c = find(&cs, (uint64_t)uds[i]);
        CHECK(c != NULL);
        if (c) {
            CHECK_EQ(c->res, 0);
            CHECK_EQ(c->flags & F_MORE, 0);
        }
    }
    CHECK_EQ(mux_ring_nop(h, -1), -EINVAL); /* reserved */
    CHECK_EQ(mux_ring_info(h, 0), 8);
    CHECK_EQ(mux_ring_info(h, 1), 16);
    CHECK(mux_ring_info(h, 2) & mux_const(MUX_C_IORING_FEAT_NODROP));
    /* COOP_TASKRUN (5.19) and SUBMIT_ALL (5.18) where the kernel accepts them */
    struct utsname un;
    int major = 0, minor = 0;
    CHECK_EQ(uname(&un), 0);
    CHECK_EQ(sscanf(un.release, "%d.%d", &major, &minor), 2);
    int64_t setup = mux_ring_info(h, 3);
    CHECK(setup >= 0);
    CHECK_EQ((setup & mux_const(MUX_C_IORING_SETUP_COOP_TASKRUN)) != 0, major * 100 + minor >= 519);
    CHECK_EQ((setup & mux_const(MUX_C_IORING_SETUP_SUBMIT_ALL)) != 0, major * 100 + minor >= 518);
    CHECK_EQ(mux_ring_close(h), 0);
}

/* F2: one-shot poll completes once; multishot posts with F_MORE until removed; LEVEL is
 * refused by POLL_ADD (EINVAL), so level-triggered readiness is one-shot polls re-armed. */
static void ring_poll_kinds(void)
{
    int64_t h = ring_open(8, 0);
    int e = mux_eventfd(0, 1);
    uint64_t one = 1;
    struct comps cs;
    CHECK_EQ(mux_ring_poll(h, e, POLLIN, 0, 1), 0);
    CHECK_EQ(mux_ring_poll(h, e, POLLIN, IORING_POLL_ADD_MULTI_, 2), 0);
    CHECK_EQ(mux_ring_poll(h, e, POLLIN, (int)mux_const(MUX_C_IORING_POLL_ADD_LEVEL), 3), 0);
    CHECK_EQ(ring_wait(h, 16, 1, 100, &cs), 1);
    CHECK_EQ(cs.c[0].ud, 3);
    CHECK_EQ(cs.c[0].res, -EINVAL);
    for (int round = 0; round < 3; round++) {
        CHECK_EQ(mux_write(e, (int64_t)(intptr_t)&one, 8), 8);
        CHECK_EQ(ring_wait(h, 16, round == 0 ? 2 : 1, 1000, &cs), round == 0 ? 2 : 1);
        if (round == 0) {
            const struct cqe *c = find(&cs, 1);
            CHECK(c && c->res == POLLIN && (c->flags & F_MORE) == 0);
        } else {
            CHECK_EQ(count_ud(&cs, 1), 0); /* one-shot: done */
        }
        const struct cqe *m = find(&cs, 2);
        CHECK(m && m->res == POLLIN && (m->flags & F_MORE) != 0);
        CHECK_EQ(mux_drain(e), 8);
    }
    CHECK_EQ(mux_ring_poll_remove(h, 2, 4), 0);
    CHECK_EQ(ring_wait(h, 16, 2, 1000, &cs), 2);
    const struct cqe *m = find(&cs, 2);
    CHECK(m && m->res == -ECANCELED && (m->flags & F_MORE) == 0);
    const struct cqe *rm = find(&cs, 4);
    CHECK(rm && rm->res == 0);
    CHECK_EQ(mux_close(e), 0);
    CHECK_EQ(mux_ring_close(h), 0);
}

/* F4: multishot accept, multishot recv into provided buffers, ENOBUFS when they run out,
 * recycle and re-arm, and the bytes are right. */
static void ring_accept_recv(void)
{
    int64_t h = ring_open(16, 0);
    int ls = mux_tcp_socket(1);
    CHECK_EQ(mux_bind4(ls, 0x7f000001, 0), 0);
    CHECK_EQ(mux_listen(ls, 8), 0);
    int port = mux_local_port(ls);
    CHECK_EQ(mux_ring_accept(h, ls, 1, 100), 0);
    struct comps cs;
    CHECK_EQ(ring_wait(h, 16, 0, 0, &cs), 0);
    int cl[3];
    for (int i = 0; i < 3; i++) {
        cl[i] = mux_tcp_socket(0);
        CHECK_EQ(mux_connect4(cl[i], 0x7f000001, port), 0);
    }
    int got = 0, acc[3] = { -1, -1, -1 };
    int64_t t0 = mt_now_ms();
    while (got < 3 && mt_now_ms() - t0 < 5000) {
        CHECK_GE(ring_wait(h, 16, 1, 1000, &cs), 0);
        for (int i = 0; i < cs.n; i++) {
            CHECK_EQ(cs.c[i].ud, 100);
            CHECK_GE(cs.c[i].res, 0);
            CHECK(cs.c[i].flags & F_MORE);
            if (got < 3 && cs.c[i].res >= 0)
                acc[got++] = cs.c[i].res;
        }
    }
    CHECK_EQ(got, 3);
    for (int i = 0; i < got; i++) {
        CHECK_EQ(mux_get_nonblock(acc[i]), 1);
        CHECK_EQ(mux_is_cloexec(acc[i]), 1);
    }
    enum { COUNT = 4, SIZE = 8 };
    char *mem = malloc(COUNT * SIZE);
    int64_t b = mux_ring_buffers(h, 7, COUNT, SIZE, (int64_t)(intptr_t)mem);
    CHECK_GT(b, 0);
    CHECK_EQ(mux_ring_buffers(h, 7, COUNT, SIZE, (int64_t)(intptr_t)mem), -EEXIST);
    /* which accepted socket is cl[0]'s peer is not known: watch all three */
    for (int i = 0; i < 3; i++)
        CHECK_EQ(mux_ring_recv(h, acc[i], 7, 1, 200 + i), 0);
    const char *msg = "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGH"; /* 44 bytes: 5.5 buffers */
    CHECK_EQ(mux_write(cl[1], (int64_t)(intptr_t)msg, 44), 44);
    char seen[64];
    int have = 0, ended[3] = { 0, 0, 0 };
    uint64_t who = 0; /* the recv that gets the data */
    t0 = mt_now_ms();
    /* the group runs dry after 4 buffers: the data's recv ends with ENOBUFS (and the kernel
     * may end the idle recvs on the same group the same way) */
    while ((who == 0 || !ended[who - 200]) && mt_now_ms() - t0 < 5000) {
        CHECK_GE(ring_wait(h, 16, 1, 1000, &cs), 0);
        for (int i = 0; i < cs.n; i++) {
            const struct cqe *c = &cs.c[i];
            CHECK(c->ud >= 200 && c->ud < 203);
            if (c->ud < 200 || c->ud >= 203)
                continue;
            if (c->res == -ENOBUFS) {
                CHECK_EQ(c->flags & F_MORE, 0); /* the multishot recv ended */
                ended[c->ud - 200] = 1;
                continue;
            }
            CHECK_GT(c->res, 0);
            CHECK(c->flags & F_BUFFER);
            CHECK(c->flags & F_MORE);
            CHECK(who == 0 || who == c->ud);
            who = c->ud;
            int bid = (int)(c->flags >> BUFFER_SHIFT);
            CHECK(bid >= 0 && bid < COUNT);
            if (have + c->res <= 44 && bid >= 0 && bid < COUNT)
                memcpy(seen + have, mem + bid * SIZE, (size_t)c->res);
            have += c->res;
        }
    }
    CHECK(who != 0 && ended[who - 200]);
    CHECK_EQ(have, COUNT * SIZE);
    /* return the buffers, re-arm what ended, read the rest */
    for (int bid = 0; bid < COUNT; bid++)
        CHECK_EQ(mux_ring_buffers_recycle(b, bid), 0);
    for (int i = 0; i < 3; i++)
        if (ended[i])
            CHECK_EQ(mux_ring_recv(h, acc[i], 7, 1, 200 + i), 0);
    t0 = mt_now_ms();
    while (have < 44 && mt_now_ms() - t0 < 5000) {
        CHECK_GE(ring_wait(h, 16, 1, 1000, &cs), 0);
        for (int i = 0; i < cs.n; i++) {
            const struct cqe *c = &cs.c[i];
            CHECK_EQ(c->ud, who);
            CHECK_GT(c->res, 0);
            int bid = (int)(c->flags >> BUFFER_SHIFT);
            if (have + c->res <= 44 && bid >= 0 && bid < COUNT)
                memcpy(seen + have, mem + bid * SIZE, (size_t)c->res);
            have += c->res;
            CHECK(c->flags & F_MORE);
        }
    }
    CHECK_EQ(have, 44);
    CHECK(memcmp(seen, msg, 44) == 0);
    CHECK_EQ(mux_ring_buffers_recycle(b, COUNT), -EINVAL);
    CHECK_EQ(mux_ring_buffers_recycle(b, -1), -EINVAL);
    /* EOF ends the multishot recv with res 0 */
    CHECK_EQ(mux_close(cl[1]), 0);
    int eof = 0;
    t0 = mt_now_ms();
    while (!eof && mt_now_ms() - t0 < 5000) {
        CHECK_GE(ring_wait(h, 16, 1, 1000, &cs), 0);
        for (int i = 0; i < cs.n; i++)
            if (cs.c[i].ud == who && cs.c[i].res == 0 && !(cs.c[i].flags & F_MORE))
                eof = 1;
    }
    CHECK(eof);
    CHECK_EQ(mux_ring_buffers_free(b), 0);
    /* the ring's close cancels the rest (accept, two recvs) and waits for them */
    CHECK_EQ(mux_ring_close(h), 0);
    free(mem);
    for (int i = 0; i < 3; i++) {
        CHECK_EQ(mux_close(acc[i]), 0);
        if (i != 1)
            CHECK_EQ(mux_close(cl[i]), 0);
    }
    CHECK_EQ(mux_close(ls), 0);
}

/* F5: a 4-entry CQ and 64 completions (the SQ of 4 fills up 15 times on the way): all 64
 * arrive, none twice. */
static void ring_overflow(void)
{
    int64_t h = ring_open(4, 4);
    CHECK_EQ(mux_ring_info(h, 1), 4);
    for (int i = 0; i < 64; i++)
        CHECK_EQ(mux_ring_nop(h, 1000 + i), 0);
    CHECK_GT(mux_ring_stat(h, MUX_URING_STAT_SQ_FULL), 0);
    struct comps cs;
    CHECK_EQ(ring_wait(h, 64, 64, 2000, &cs), 64);
    for (int i = 0; i < 64; i++)
        CHECK_EQ(count_ud(&cs, (uint64_t)(1000 + i)), 1);
    CHECK_GT(mux_ring_stat(h, MUX_URING_STAT_OVERFLOWS), 0);
    CHECK_EQ(ring_wait(h, 64, 0, 0, &cs), 0);
    /* a holder smaller than what is waiting: the rest stay for the next call */
    for (int i = 0; i < 10; i++)
        CHECK_EQ(mux_ring_nop(h, i), 0);
    int total = 0;
    for (int round = 0; round < 10 && total < 10; round++) {
        int n = ring_wait(h, 3, 1, 1000, &cs);
        CHECK(n >= 1 && n <= 3);
        total += n;
    }
    CHECK_EQ(total, 10);
    CHECK_EQ(mux_ring_close(h), 0);
}

/* F6: closing the fd does not cancel its requests (the ring holds the file); cancel does. */
static void ring_cancel(void)
{
    int64_t h = ring_open(8, 0);
    char *mem = malloc(4 * 64);
    int64_t b = mux_ring_buffers(h, 1, 4, 64, (int64_t)(intptr_t)mem);
    CHECK_GT(b, 0);
    int sv[2];
    mt_pair(sv);
    CHECK_EQ(mux_ring_recv(h, sv[0], 1, 1, 42), 0);
    struct comps cs;
    CHECK_EQ(ring_wait(h, 8, 0, 0, &cs), 0);
    CHECK_EQ(mux_close(sv[0]), 0); /* close(2) on the number */
    CHECK_EQ(ring_wait(h, 8, 1, 50, &cs), 0); /* nothing: the recv is still armed */
    mt_put(sv[1], 5);
    CHECK_EQ(ring_wait(h, 8, 1, 1000, &cs), 1); /* and still receives */
    CHECK_EQ(cs.c[0].ud, 42);
    CHECK_EQ(cs.c[0].res, 5);
    CHECK(cs.c[0].flags & F_MORE);
    CHECK_EQ(mux_ring_buffers_recycle(b, (int)(cs.c[0].flags >> BUFFER_SHIFT)), 0);
    CHECK_EQ(mux_ring_cancel(h, 42, 0, 43), 0);
    CHECK_EQ(ring_wait(h, 8, 2, 1000, &cs), 2);
    const struct cqe *c = find(&cs, 42);
    CHECK(c && c->res == -ECANCELED && !(c->flags & F_MORE));
    c = find(&cs, 43);
    CHECK(c && c->res == 0);
    char x;
    CHECK_EQ(mux_read(sv[1], (int64_t)(intptr_t)&x, 1), 0); /* the file went with the request */
    /* cancelling what is not there, and by fd */
    CHECK_EQ(mux_ring_cancel(h, 42, 0, 44), 0);
    int p[2];
    CHECK_EQ(mux_pipe(1, p), 0);
    CHECK_EQ(mux_ring_poll(h, p[0], POLLIN, IORING_POLL_ADD_MULTI_, 45), 0);
    CHECK_EQ(mux_ring_poll(h, p[0], POLLIN, 0, 46), 0);
    CHECK_EQ(mux_ring_cancel_fd(h, p[0], 47), 0);
    CHECK_EQ(ring_wait(h, 8, 4, 1000, &cs), 4);
    c = find(&cs, 44);
    CHECK(c && c->res == -ENOENT);
    CHECK(find(&cs, 45) && find(&cs, 45)->res == -ECANCELED);
    CHECK(find(&cs, 46) && find(&cs, 46)->res == -ECANCELED);
    CHECK(find(&cs, 47) && find(&cs, 47)->res == 2); /* ALL: how many */
    /* IORING_OP_CLOSE closes through the ring */
    CHECK_EQ(mux_ring_close_fd(h, p[0], 48), 0);
    CHECK_EQ(ring_wait(h, 8, 1, 1000, &cs), 1);
    CHECK_EQ(cs.c[0].res, 0);
    CHECK_EQ(mux_is_cloexec(p[0]), -EBADF);
    CHECK_EQ(mux_close(p[1]), 0);
    CHECK_EQ(mux_close(sv[1]), 0);
    CHECK_EQ(mux_ring_close(h), 0);
    free(mem);
}

/* F7: a send larger than the socket buffer completes short; the rest goes in more sends. */
static void ring_short_send(void)
{
    int c, s;
    tcp_pair(&c, &s);
    int small = 4096;
    CHECK_EQ(setsockopt(c, SOL_SOCKET, SO_SNDBUF, &small, sizeof small), 0);
    enum { TOTAL = 1 << 21 };
    unsigned char *data = malloc(TOTAL);
    unsigned char *back = malloc(TOTAL);
    for (int i = 0; i < TOTAL; i++)
        data[i] = (unsigned char)(i * 31 + (i >> 11));
    int64_t h = ring_open(8, 0);
    struct comps cs;
    int sent = 0, received = 0, sends = 0, shorts = 0;
    int64_t t0 = mt_now_ms();
    while (sent < TOTAL && mt_now_ms() - t0 < 10000) {
        CHECK_EQ(mux_ring_send(h, c, (int64_t)(intptr_t)(data + sent), TOTAL - sent, 9), 0);
        sends++;
        /* the peer reads while the send is in flight (a send into a full buffer waits for room
         * inside the kernel; one that finds some room completes with what fitted) */
        int n = 0;
        while (n == 0 && mt_now_ms() - t0 < 10000) {
            int64_t r;
            while ((r = mux_read(s, (int64_t)(intptr_t)(back + received), TOTAL - received)) > 0)
                received += (int)r;
            if (ring_wait(h, 8, 1, 5, &cs) == 1)
                n = cs.c[0].res;
        }
        CHECK_GT(n, 0);
        if (n <= 0)
            break;
        shorts += n < TOTAL - sent;
        sent += n;
    }
    CHECK_EQ(sent, TOTAL);
    CHECK_GT(shorts, 0);
    CHECK_GT(sends, 1);
    while (received < TOTAL && mt_now_ms() - t0 < 10000) {
        int64_t r = mux_read(s, (int64_t)(intptr_t)(back + received), TOTAL - received);
        if (r > 0)
            received += (int)r;
        else
            mt_sleep_ms(1);
    }
    CHECK_EQ(received, TOTAL);
    CHECK(memcmp(data, back, TOTAL) == 0);
    /* a send to a closed peer: EPIPE (no SIGPIPE: MSG_NOSIGNAL) or ECONNRESET */
    CHECK_EQ(mux_close(s), 0);
    int failed = 0;
    for (int i = 0; i < 20 && !failed; i++) {
        CHECK_EQ(mux_ring_send(h, c, (int64_t)(intptr_t)data, 1000, 10), 0);
        CHECK_EQ(ring_wait(h, 8, 1, 1000, &cs), 1);
        failed = cs.c[0].res == -EPIPE || cs.c[0].res == -ECONNRESET;
        mt_sleep_ms(5);
    }
    CHECK(failed);
    CHECK_EQ(mux_ring_close(h), 0);
    CHECK_EQ(mux_close(c), 0);
    free(data);
    free(back);
}

/* Bad input: typed errors, and results that carry -errno. */
static void ring_bad_input(void)
{
    CHECK_EQ(mux_ring_open(0, 0), -EINVAL);
    CHECK_EQ(mux_ring_open(8, -1), -EINVAL);
    CHECK_EQ(mux_ring_open(8, 4), -EINVAL); /* a CQ smaller than the SQ */
    CHECK_EQ(mux_ring_close(0), -EINVAL);
    int64_t h = ring_open(8, 0);
    struct comps cs;
    CHECK_EQ(ring_wait(h, 0, 0, 0, &cs), -EINVAL);
    CHECK_EQ(ring_wait(h, 4, 5, 0, &cs), -EINVAL);
    CHECK_EQ(ring_wait(h, 4, -1, 0, &cs), -EINVAL);
    CHECK_EQ(mux_ring_wait(h, 0, 4, 0, 0), -EINVAL);
    CHECK_EQ(mux_ring_send(h, 1, 0, 10, 1), -EFAULT);
    CHECK_EQ(mux_ring_send(h, 1, 16, -1, 1), -EFAULT);
    CHECK_EQ(mux_ring_recv(h, 1, 70000, 1, 1), -EINVAL);
    char mem[64];
    CHECK_EQ(mux_ring_buffers(h, 1, 3, 8, (int64_t)(intptr_t)mem), -EINVAL); /* not a power of 2 */
    CHECK_EQ(mux_ring_buffers(h, 1, 0, 8, (int64_t)(intptr_t)mem), -EINVAL);
    CHECK_EQ(mux_ring_buffers(h, 1, 4, 0, (int64_t)(intptr_t)mem), -EINVAL);
    CHECK_EQ(mux_ring_buffers(h, -1, 4, 8, (int64_t)(intptr_t)mem), -EINVAL);
    CHECK_EQ(mux_ring_buffers(h, 1, 4, 8, 0), -EFAULT);
    CHECK_EQ(mux_ring_stat(h, 99), -EINVAL);
    CHECK_EQ(mux_ring_info(h, 9), -EINVAL);
    /* errors of the operations themselves come back in the completions */
    int e = mux_eventfd(0, 1);
    int gone = mux_eventfd(0, 1);
    CHECK_EQ(mux_close(gone), 0); /* nothing opens before the submission: the number stays free */
    CHECK_EQ(mux_ring_poll(h, gone, POLLIN, 0, 1), 0);
    CHECK_EQ(mux_ring_poll(h, -5, POLLIN, 0, 2), 0);
    CHECK_EQ(mux_ring_recv(h, gone, 99, 0, 3), 0);
    CHECK_EQ(mux_ring_accept(h, e, 1, 4), 0); /* not a socket */
    CHECK_EQ(ring_wait(h, 8, 4, 1000, &cs), 4);
    CHECK_EQ(find(&cs, 1)->res, -EBADF);
    CHECK_EQ(find(&cs, 2)->res, -EBADF);
    CHECK_EQ(find(&cs, 3)->res, -EBADF);
    CHECK_EQ(find(&cs, 4)->res, -ENOTSOCK);
    CHECK_EQ(mux_close(e), 0);
    CHECK_EQ(mux_ring_close(h), 0);
}

static void *ring_wakeup_later(void *arg)
{
    mt_sleep_ms(50);
    mux_ring_wakeup(*(int64_t *)arg);
    return NULL;
}

/* A wait for completions that do not come ends at its timeout, or early at a wakeup. */
static void ring_timeout_and_wakeup(void)
{
    int64_t h = ring_open(8, 0);
    struct comps cs;
    int64_t t0 = mt_now_ms();
    CHECK_EQ(ring_wait(h, 8, 1, 100, &cs), 0);
    CHECK_GE(mt_now_ms() - t0, 100);
    pthread_t t;
    CHECK_EQ(pthread_create(&t, NULL, ring_wakeup_later, &h), 0);
    t0 = mt_now_ms();
    CHECK_EQ(ring_wait(h, 8, 1, -1, &cs), 0);
    CHECK_LT(mt_now_ms() - t0, 2000);
    CHECK_EQ(pthread_join(t, NULL), 0);
    t0 = mt_now_ms();
    CHECK_EQ(ring_wait(h, 8, 1, 50, &cs), 0); /* consumed */
    CHECK_GE(mt_now_ms() - t0, 50);
    for (int i = 0; i < 5; i++)
        CHECK_EQ(mux_ring_wakeup(h), 0);
    CHECK_EQ(mux_ring_nop(h, 5), 0);
    CHECK_EQ(ring_wait(h, 8, 3, -1, &cs), 1); /* a wakeup: what there is, at once */
    CHECK_EQ(mux_ring_close(h), 0);
}

/* The probe: this kernel has io_uring and what muxlab uses. */
static void uring_probe(void)
{
    uint8_t ops[256];
    uint32_t info[4] = { 0, 0, 0, 0 };
    int n = mux_uring_probe(ops, 256, info);
    CHECK_GT(n, (int)mux_const(MUX_C_IORING_OP_SEND));
    CHECK_EQ((int32_t)info[2], 0);
    CHECK_GE(info[1], (uint32_t)mux_const(MUX_C_IORING_OP_RECV));
    CHECK(info[0] & mux_const(MUX_C_IORING_FEAT_NODROP));
    CHECK(info[0] & mux_const(MUX_C_IORING_FEAT_EXT_ARG));
    int musts[] = { MUX_C_IORING_OP_NOP, MUX_C_IORING_OP_POLL_ADD, MUX_C_IORING_OP_POLL_REMOVE,
                    MUX_C_IORING_OP_ACCEPT, MUX_C_IORING_OP_ASYNC_CANCEL, MUX_C_IORING_OP_CLOSE,
                    MUX_C_IORING_OP_SEND, MUX_C_IORING_OP_RECV };
    for (size_t i = 0; i < sizeof musts / sizeof musts[0]; i++)
        CHECK_EQ(ops[mux_const(musts[i])], 1);
    CHECK_STR(mux_uring_op_name((int)mux_const(MUX_C_IORING_OP_POLL_ADD)), "POLL_ADD");
    CHECK_STR(mux_uring_op_name(0), "NOP");
    CHECK(mux_uring_op_name(-1) == NULL);
    CHECK(mux_uring_op_name(250) == NULL);
    CHECK_EQ(mux_uring_probe(ops, 4, NULL), -EFAULT);
}

/* F1: io_uring refused (as by seccomp or kernel.io_uring_disabled): every entry point says
 * so with the errno, nothing leaks, and the other backends work. In a thread of its own: the
 * filter stays with that thread. */
struct denial {
    int err;
    int probe, mux, ring, epoll_ok, fds_before, fds_after;
};

static void *denied(void *arg)
{
    struct denial *d = arg;
    d->fds_before = mt_fd_count();
    if (mux_uring_deny_for_thread(d->err) < 0)
        return NULL;
    uint8_t ops[8];
    uint32_t info[4];
    d->probe = mux_uring_probe(ops, 8, info);
    int64_t m = mux_uring_open();
    d->mux = (int)m;
    if (m > 0)
        mux_uring_close(m);
    int64_t r = mux_ring_open(8, 0);
    d->ring = (int)r;
    if (r > 0)
        mux_ring_close(r);
    int64_t e = mux_epoll_open();
    d->epoll_ok = e > 0;
    if (e > 0)
        mux_epoll_close(e);
    d->fds_after = mt_fd_count();
    return NULL;
}

static void uring_denied(void)
{
    int errs[] = { EPERM, ENOSYS };
    for (int i = 0; i < 2; i++) {
        struct denial d;
        memset(&d, 0, sizeof d);
        d.err = errs[i];
        pthread_t t;
        CHECK_EQ(pthread_create(&t, NULL, denied, &d), 0);
        CHECK_EQ(pthread_join(t, NULL), 0);
        CHECK_EQ(d.probe, -errs[i]);
        CHECK_EQ(d.mux, -errs[i]);
        CHECK_EQ(d.ring, -errs[i]);
        CHECK(d.epoll_ok);
        CHECK_EQ(d.fds_after, d.fds_before);
    }
    CHECK_EQ(mux_uring_deny_for_thread(0), -EINVAL);
    /* this thread is unaffected */
    int64_t h = mt_open(&B_URING);
    mt_close(&B_URING, h);
}

int main(void)
{
    int fds_at_start = mt_fd_count();
    signal(SIGPIPE, SIG_IGN);
    RUN_CONTRACT(&B_URING);
    RUN(uring_own_fd());
    RUN(uring_wakefd());
    RUN(uring_flags());
    RUN(uring_edge());
    RUN(uring_oneshot());
    RUN(uring_rdhup());
    RUN(uring_quiet_rdhup());
    RUN(uring_pri_confirmed());
    RUN(uring_stale_filtered());
    RUN(uring_close_registered());
    RUN(uring_nval());
    RUN(uring_unregister_releases_file());
    RUN(uring_dup());
    RUN(uring_cq_overflow());
    RUN(uring_rotation());
    RUN(uring_thread_exit());
    RUN(uring_eintr());
    RUN(uring_regular_file());
    RUN(ring_user_data());
    RUN(ring_poll_kinds());
    RUN(ring_accept_recv());
    RUN(ring_overflow());
    RUN(ring_cancel());
    RUN(ring_short_send());
    RUN(ring_bad_input());
    RUN(ring_timeout_and_wakeup());
    RUN(uring_probe());
    RUN(uring_denied());
    RUN(mt_no_fd_leak(fds_at_start));
    return mtest_summary("test_uring");
}
