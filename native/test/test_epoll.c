/* epoll backend: the shared contract, the epoll-only flags (ET, ONESHOT,
 * RDHUP, EXCLUSIVE), kernel errors passed through, the dup pitfall, the
 * in-place flattening of struct epoll_event into 8-byte slots, and two
 * threads waiting at once. */
#include "mtest_contract.h"

#include <pthread.h>
#include <stdatomic.h>

static const struct mt_backend B_EPOLL = MT_BACKEND_EPOLL;

static void epoll_own_fd(void)
{
    int64_t h = mt_open(&B_EPOLL);
    int epfd = mux_epoll_fd(h);
    CHECK_GE(epfd, 0);
    CHECK_EQ(mux_is_cloexec(epfd), 1);
    CHECK_EQ(mux_epoll_ctl(h, MUX_CTL_ADD, epfd, EPOLLIN), -EINVAL);
    /* another epoll instance can be watched, this one cannot watch itself */
    int64_t h2 = mt_open(&B_EPOLL);
    CHECK_NE(mux_epoll_fd(h2), epfd);
    CHECK_EQ(mux_epoll_ctl(h, MUX_CTL_ADD, mux_epoll_fd(h2), EPOLLIN), 0);
    CHECK_EQ(mux_epoll_ctl(h, MUX_CTL_DEL, mux_epoll_fd(h2), 0), 0);
    mt_close(&B_EPOLL, h2);
    mt_close(&B_EPOLL, h);
}

/* epoll_open creates the epoll fd, then the wakeup eventfd, each at the
 * lowest free number; both go away with the instance. */
static void epoll_wakefd(void)
{
    int p1 = mux_eventfd(0, 1), p2 = mux_eventfd(0, 1);
    CHECK_GE(p1, 0);
    CHECK_GE(p2, 0);
    CHECK_EQ(mux_close(p1), 0);
    CHECK_EQ(mux_close(p2), 0);
    int lo = p1 < p2 ? p1 : p2, hi = p1 < p2 ? p2 : p1;
    int64_t h = mt_open(&B_EPOLL);
    CHECK_EQ(mux_epoll_fd(h), lo);
    contract_wakefd_reserved(&B_EPOLL, h, hi);
    mt_close(&B_EPOLL, h);
    CHECK_EQ(mux_is_cloexec(lo), -EBADF);
    CHECK_EQ(mux_is_cloexec(hi), -EBADF);
}

static void epoll_regular_file(void)
{
    char path[256];
    mt_temp_path(path, sizeof path, "epoll-file");
    int fd = mux_open_file(path, 1);
    CHECK_GE(fd, 0);
    CHECK_EQ(unlink(path), 0);
    int64_t h = mt_open(&B_EPOLL);
    CHECK_EQ(mux_epoll_ctl(h, MUX_CTL_ADD, fd, EPOLLIN | EPOLLOUT), -EPERM);
    CHECK_EQ(mux_epoll_ctl(h, MUX_CTL_MOD, fd, EPOLLIN), -EPERM);
    mt_close(&B_EPOLL, h);
    CHECK_EQ(mux_close(fd), 0);
}

/* Edge-triggered: one write, one event. */
static void epoll_et(void)
{
    int sv[2];
    mt_pair(sv);
    int64_t h = mt_open(&B_EPOLL);
    struct mt_ready r;
    CHECK_EQ(mux_epoll_ctl(h, MUX_CTL_ADD, sv[0], (int)(EPOLLIN | EPOLLET)), 0);
    CHECK_EQ(mt_wait(&B_EPOLL, h, 4, 0, &r), 0);
    mt_put(sv[1], 1);
    CHECK_EQ(mt_wait(&B_EPOLL, h, 4, 0, &r), 1);
    CHECK_EQ(r.fd[0], sv[0]);
    CHECK_EQ(r.ev[0], EPOLLIN);
    CHECK_EQ(mt_wait(&B_EPOLL, h, 4, 0, &r), 0); /* data still unread, no new edge */
    CHECK_EQ(mux_readable_bytes(sv[0]), 1);
    mt_put(sv[1], 1); /* a new edge */
    CHECK_EQ(mt_wait(&B_EPOLL, h, 4, 0, &r), 1);
    CHECK_EQ(mt_events(&r, sv[0]), EPOLLIN);
    CHECK_EQ(mt_wait(&B_EPOLL, h, 4, 0, &r), 0);
    mt_close(&B_EPOLL, h);
    mt_close_pair(sv);
}

/* One-shot: fires once, then is disarmed but still registered; MOD re-arms. */
static void epoll_oneshot(void)
{
    int sv[2];
    mt_pair(sv);
    int64_t h = mt_open(&B_EPOLL);
    struct mt_ready r;
    int flags = (int)(EPOLLIN | EPOLLONESHOT);
    CHECK_EQ(mux_epoll_ctl(h, MUX_CTL_ADD, sv[0], flags), 0);
    mt_put(sv[1], 2);
    CHECK_EQ(mt_wait(&B_EPOLL, h, 4, 0, &r), 1);
    CHECK_EQ(r.fd[0], sv[0]);
    CHECK_EQ(r.ev[0], EPOLLIN);
    CHECK_EQ(mt_wait(&B_EPOLL, h, 4, 0, &r), 0);
    CHECK_EQ(mt_wait(&B_EPOLL, h, 4, 0, &r), 0);
    CHECK_EQ(mux_epoll_ctl(h, MUX_CTL_ADD, sv[0], flags), -EEXIST);
    CHECK_EQ(mux_epoll_ctl(h, MUX_CTL_MOD, sv[0], flags), 0);
    CHECK_EQ(mt_wait(&B_EPOLL, h, 4, 0, &r), 1);
    CHECK_EQ(mt_events(&r, sv[0]), EPOLLIN);
    CHECK_EQ(mt_wait(&B_EPOLL, h, 4, 0, &r), 0);
    CHECK_EQ(mux_epoll_ctl(h, MUX_CTL_DEL, sv[0], 0), 0);
    CHECK_EQ(mux_epoll_ctl(h, MUX_CTL_ADD, sv[0], EPOLLIN), 0); /* plain again: level */
    CHECK_EQ(mt_wait(&B_EPOLL, h, 4, 0, &r), 1);
    CHECK_EQ(mt_wait(&B_EPOLL, h, 4, 0, &r), 1);
    mt_close(&B_EPOLL, h);
    mt_close_pair(sv);
}

/* The peer's shutdown(SHUT_WR) is EPOLLRDHUP (with EPOLLIN: EOF is readable). */
static void epoll_rdhup(void)
{
    int sv[2];
    mt_pair(sv);
    int64_t h = mt_open(&B_EPOLL);
    struct mt_ready r;
    CHECK_EQ(mux_epoll_ctl(h, MUX_CTL_ADD, sv[0], EPOLLIN | EPOLLRDHUP), 0);
    CHECK_EQ(mt_wait(&B_EPOLL, h, 4, 0, &r), 0);
    CHECK_EQ(mux_shutdown(sv[1], 1), 0);
    CHECK_EQ(mt_wait(&B_EPOLL, h, 4, 0, &r), 1);
    CHECK_EQ(r.fd[0], sv[0]);
    CHECK_EQ(r.ev[0], EPOLLIN | EPOLLRDHUP);
    CHECK_EQ(mux_drain(sv[0]), 0); /* just EOF */
    /* without asking for RDHUP it is not reported */
    CHECK_EQ(mux_epoll_ctl(h, MUX_CTL_MOD, sv[0], EPOLLIN), 0);
    CHECK_EQ(mt_wait(&B_EPOLL, h, 4, 0, &r), 1);
    CHECK_EQ(r.ev[0], EPOLLIN);
    mt_close(&B_EPOLL, h);
    mt_close_pair(sv);
}

/* epoll watches the open file description, not the fd number: after
 * dup + close of the registered number, events still arrive under the old
 * number, and DEL of that number fails because it is no longer open. */
static void epoll_dup_pitfall(void)
{
    int sv[2];
    mt_pair(sv);
    int64_t h = mt_open(&B_EPOLL);
    struct mt_ready r;
    int orig = sv[0];
    CHECK_EQ(mux_epoll_ctl(h, MUX_CTL_ADD, orig, EPOLLIN), 0);
    int copy = mux_dup(orig);
    CHECK_GE(copy, 0);
    CHECK_NE(copy, orig);
    CHECK_EQ(mux_close(orig), 0);
    mt_put(sv[1], 1);
    CHECK_EQ(mt_wait(&B_EPOLL, h, 4, 0, &r), 1);
    CHECK_EQ(r.fd[0], orig);
    CHECK_EQ(r.ev[0], EPOLLIN);
    CHECK_EQ(mux_epoll_ctl(h, MUX_CTL_DEL, orig, 0), -EBADF);
    CHECK_EQ(mux_epoll_ctl(h, MUX_CTL_DEL, copy, 0), -ENOENT); /* not registered itself */
    CHECK_EQ(mt_wait(&B_EPOLL, h, 4, 0, &r), 1);               /* still there */
    CHECK_EQ(mux_close(copy), 0); /* the last reference: the registration goes */
    CHECK_EQ(mt_wait(&B_EPOLL, h, 4, 0, &r), 0);
    mt_close(&B_EPOLL, h);
    CHECK_EQ(mux_close(sv[1]), 0);
}

static void epoll_exclusive(void)
{
    int sv[2];
    mt_pair(sv);
    int64_t h = mt_open(&B_EPOLL);
    struct mt_ready r;
    CHECK_EQ(mux_epoll_ctl(h, MUX_CTL_ADD, sv[0], (int)(EPOLLIN | EPOLLEXCLUSIVE)), 0);
    mt_put(sv[1], 1);
    CHECK_EQ(mt_wait(&B_EPOLL, h, 4, 0, &r), 1);
    CHECK_EQ(r.ev[0], EPOLLIN);
    /* the kernel refuses MOD on an exclusive registration */
    CHECK_EQ(mux_epoll_ctl(h, MUX_CTL_MOD, sv[0], EPOLLIN), -EINVAL);
    mt_close(&B_EPOLL, h);
    mt_close_pair(sv);
}

/* 50 ready fds with distinct events, waits with capacities below, at and
 * above the ready count: every slot holds a registered fd with its own
 * events, no fd twice in one result, and nothing is lost. */
enum { NFLAT = 50 };

struct flat_fixture {
    int sv[NFLAT][2];
    int64_t h;
};

static int flat_index(const struct flat_fixture *f, int fd)
{
    for (int i = 0; i < NFLAT; i++)
        if (f->sv[i][0] == fd)
            return i;
    return -1;
}

static uint32_t flat_expected(int i)
{
    return i % 2 ? (EPOLLIN | EPOLLOUT) : EPOLLOUT;
}

static void flat_setup(struct flat_fixture *f)
{
    f->h = mt_open(&B_EPOLL);
    for (int i = 0; i < NFLAT; i++) {
        mt_pair(f->sv[i]);
        if (i % 2)
            mt_put(f->sv[i][1], 1);
        CHECK_EQ(mux_epoll_ctl(f->h, MUX_CTL_ADD, f->sv[i][0], (int)(EPOLLIN | EPOLLOUT)), 0);
    }
}

static void flat_teardown(struct flat_fixture *f)
{
    for (int i = 0; i < NFLAT; i++)
        mt_close_pair(f->sv[i]);
    mt_close(&B_EPOLL, f->h);
}

/* Checks one result; marks what was seen. Returns the number of bad slots. */
static int flat_check(const struct flat_fixture *f, const struct mt_ready *r, int *seen)
{
    int bad = 0;
    for (int k = 0; k < r->n; k++) {
        int i = flat_index(f, r->fd[k]);
        if (i < 0 || r->ev[k] != flat_expected(i) || mt_count(r, r->fd[k]) != 1) {
            bad++;
            fprintf(stderr, "  slot %d: fd %d events 0x%x\n", k, r->fd[k], r->ev[k]);
            continue;
        }
        seen[i]++;
    }
    return bad;
}

static void epoll_flatten_all(void)
{
    struct flat_fixture f;
    flat_setup(&f);
    struct mt_ready r;
    int seen[NFLAT] = { 0 };
    CHECK_EQ(mt_wait(&B_EPOLL, f.h, NFLAT + 14, 0, &r), NFLAT);
    CHECK_EQ(flat_check(&f, &r, seen), 0);
    for (int i = 0; i < NFLAT; i++)
        CHECK_EQ(seen[i], 1);
    /* exactly the ready count */
    memset(seen, 0, sizeof seen);
    CHECK_EQ(mt_wait(&B_EPOLL, f.h, NFLAT, 0, &r), NFLAT);
    CHECK_EQ(flat_check(&f, &r, seen), 0);
    for (int i = 0; i < NFLAT; i++)
        CHECK_EQ(seen[i], 1);
    flat_teardown(&f);
}

static void epoll_flatten_short(void)
{
    struct flat_fixture f;
    flat_setup(&f);
    struct mt_ready r;
    int seen[NFLAT] = { 0 };
    /* capacity 7 < 50 ready: each wait is full and correct; the kernel
     * requeues level-triggered fds behind the rest, so all show up */
    for (int round = 0; round < 8; round++) {
        CHECK_EQ(mt_wait(&B_EPOLL, f.h, 7, 0, &r), 7);
        CHECK_EQ(flat_check(&f, &r, seen), 0);
    }
    for (int i = 0; i < NFLAT; i++)
        CHECK_GE(seen[i], 1);
    for (int round = 0; round < 3; round++) {
        CHECK_EQ(mt_wait(&B_EPOLL, f.h, 1, 0, &r), 1);
        int none[NFLAT] = { 0 };
        CHECK_EQ(flat_check(&f, &r, none), 0);
    }
    flat_teardown(&f);
}

/* A pending wakeup among the ready events is dropped from the result while
 * flattening, without disturbing the slots around it. */
static void epoll_flatten_with_wakeup(void)
{
    struct flat_fixture f;
    flat_setup(&f);
    struct mt_ready r;
    int seen[NFLAT] = { 0 };
    /* ready-list order: the first half, the wakeup eventfd, the second half
     * (re-adding an fd queues it at the tail), so the wakeup sits mid-buffer */
    for (int i = NFLAT / 2; i < NFLAT; i++)
        CHECK_EQ(mux_epoll_ctl(f.h, MUX_CTL_DEL, f.sv[i][0], 0), 0);
    CHECK_EQ(mux_epoll_wakeup(f.h), 0);
    for (int i = NFLAT / 2; i < NFLAT; i++)
        CHECK_EQ(mux_epoll_ctl(f.h, MUX_CTL_ADD, f.sv[i][0], (int)(EPOLLIN | EPOLLOUT)), 0);
    CHECK_EQ(mt_wait(&B_EPOLL, f.h, NFLAT + 8, 0, &r), NFLAT);
    CHECK_EQ(flat_check(&f, &r, seen), 0);
    for (int i = 0; i < NFLAT; i++)
        CHECK_EQ(seen[i], 1);
    /* the wakeup was consumed by that wait */
    for (int i = 0; i < NFLAT; i++)
        CHECK_EQ(mux_epoll_ctl(f.h, MUX_CTL_DEL, f.sv[i][0], 0), 0);
    CHECK_EQ(mt_wait(&B_EPOLL, f.h, 4, 0, &r), 0);
    int64_t t0 = mt_now_ms();
    CHECK_EQ(mt_wait(&B_EPOLL, f.h, 4, 50, &r), 0);
    CHECK_GE(mt_now_ms() - t0, 50);
    flat_teardown(&f);
}

/* Two threads waiting on one instance at once, each with its own buffer:
 * two one-shot fds go to one waiter each. */
struct waiter {
    int64_t h;
    struct mt_ready r;
    _Atomic int started;
};

static void *waiter_main(void *arg)
{
    struct waiter *w = arg;
    atomic_store(&w->started, 1);
    mt_wait_raw(mux_epoll_wait, w->h, 1, 3000, &w->r);
    return NULL;
}

static void epoll_two_waiters(void)
{
    int a[2], b[2];
    mt_pair(a);
    mt_pair(b);
    int64_t h = mt_open(&B_EPOLL);
    CHECK_EQ(mux_epoll_ctl(h, MUX_CTL_ADD, a[0], (int)(EPOLLIN | EPOLLONESHOT)), 0);
    CHECK_EQ(mux_epoll_ctl(h, MUX_CTL_ADD, b[0], (int)(EPOLLIN | EPOLLONESHOT)), 0);
    struct waiter w[2];
    pthread_t t[2];
    for (int i = 0; i < 2; i++) {
        memset(&w[i], 0, sizeof w[i]);
        w[i].h = h;
        atomic_init(&w[i].started, 0);
        CHECK_EQ(pthread_create(&t[i], NULL, waiter_main, &w[i]), 0);
    }
    while (!atomic_load(&w[0].started) || !atomic_load(&w[1].started))
        mt_sleep_ms(1);
    mt_sleep_ms(30);
    int64_t t0 = mt_now_ms();
    mt_put(a[1], 1);
    mt_put(b[1], 1);
    for (int i = 0; i < 2; i++)
        CHECK_EQ(pthread_join(t[i], NULL), 0);
    CHECK_LT(mt_now_ms() - t0, 2000);
    CHECK_EQ(w[0].r.n, 1);
    CHECK_EQ(w[1].r.n, 1);
    CHECK_EQ(w[0].r.ev[0], EPOLLIN);
    CHECK_EQ(w[1].r.ev[0], EPOLLIN);
    CHECK((w[0].r.fd[0] == a[0] && w[1].r.fd[0] == b[0]) ||
          (w[0].r.fd[0] == b[0] && w[1].r.fd[0] == a[0]));
    mt_close(&B_EPOLL, h);
    mt_close_pair(a);
    mt_close_pair(b);
}

int main(void)
{
    int fds_at_start = mt_fd_count();
    signal(SIGPIPE, SIG_IGN);
    RUN_CONTRACT(&B_EPOLL);
    RUN(epoll_own_fd());
    RUN(epoll_wakefd());
    RUN(epoll_regular_file());
    RUN(epoll_et());
    RUN(epoll_oneshot());
    RUN(epoll_rdhup());
    RUN(epoll_dup_pitfall());
    RUN(epoll_exclusive());
    RUN(epoll_flatten_all());
    RUN(epoll_flatten_short());
    RUN(epoll_flatten_with_wakeup());
    RUN(epoll_two_waiters());
    RUN(mt_no_fd_leak(fds_at_start));
    return mtest_summary("test_epoll");
}
