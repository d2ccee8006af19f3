/* The contract every backend shares (readiness, level semantics, ctl and
 * wait errors), written once against struct mt_backend and run by
 * test_select.c (both flavours), test_poll.c and test_epoll.c. */
#ifndef MTEST_CONTRACT_H
#define MTEST_CONTRACT_H

#include "mtest_mux.h"

static inline int64_t mt_open(const struct mt_backend *b)
{
    int64_t h = b->open();
    CHECK_GT(h, 0);
    return h;
}

static inline void mt_close(const struct mt_backend *b, int64_t h)
{
    if (h > 0)
        CHECK_EQ(b->close(h), 0);
}

/* A connected socket with no data is writable, not readable. */
static inline void contract_fresh_pair(const struct mt_backend *b)
{
    int sv[2];
    mt_pair(sv);
    int64_t h = mt_open(b);
    struct mt_ready r;
    CHECK_EQ(b->ctl(h, MUX_CTL_ADD, sv[0], (int)(b->in | b->out)), 0);
    CHECK_EQ(b->ctl(h, MUX_CTL_ADD, sv[1], (int)b->in), 0);
    CHECK_EQ(mt_wait(b, h, 8, 0, &r), 1);
    CHECK_EQ(r.fd[0], sv[0]);
    CHECK_EQ(r.ev[0], b->out);
    CHECK_EQ(mt_count(&r, sv[1]), 0);
    mt_close(b, h);
    mt_close_pair(sv);
}

/* Level-triggered: unread data is reported by every wait until it is read. */
static inline void contract_level(const struct mt_backend *b)
{
    int sv[2];
    mt_pair(sv);
    int64_t h = mt_open(b);
    struct mt_ready r;
    CHECK_EQ(b->ctl(h, MUX_CTL_ADD, sv[0], (int)b->in), 0);
    CHECK_EQ(mt_wait(b, h, 4, 0, &r), 0);
    mt_put(sv[1], 2);
    for (int round = 0; round < 2; round++) {
        CHECK_EQ(mt_wait(b, h, 4, 0, &r), 1);
        CHECK_EQ(r.fd[0], sv[0]);
        CHECK_EQ(r.ev[0], b->in);
    }
    mt_take(sv[0], 1);
    CHECK_EQ(mt_wait(b, h, 4, 0, &r), 1);
    CHECK_EQ(mt_events(&r, sv[0]), b->in);
    mt_take(sv[0], 1);
    CHECK_EQ(mt_wait(b, h, 4, 0, &r), 0);
    mt_close(b, h);
    mt_close_pair(sv);
}

/* Readable and writable at once: one slot carrying both bits. */
static inline void contract_read_write_one_slot(const struct mt_backend *b)
{
    int sv[2];
    mt_pair(sv);
    int64_t h = mt_open(b);
    struct mt_ready r;
    mt_put(sv[1], 1);
    CHECK_EQ(b->ctl(h, MUX_CTL_ADD, sv[0], (int)(b->in | b->out)), 0);
    CHECK_EQ(mt_wait(b, h, 4, 0, &r), 1);
    CHECK_EQ(r.fd[0], sv[0]);
    CHECK_EQ(r.ev[0], b->in | b->out);
    mt_close(b, h);
    mt_close_pair(sv);
}

static inline void contract_mod_del(const struct mt_backend *b)
{
    int sv[2];
    mt_pair(sv);
    int64_t h = mt_open(b);
    struct mt_ready r;
    CHECK_EQ(b->ctl(h, MUX_CTL_ADD, sv[0], (int)b->in), 0);
    CHECK_EQ(mt_wait(b, h, 4, 0, &r), 0);
    CHECK_EQ(b->ctl(h, MUX_CTL_MOD, sv[0], (int)b->out), 0);
    CHECK_EQ(mt_wait(b, h, 4, 0, &r), 1);
    CHECK_EQ(mt_events(&r, sv[0]), b->out);
    mt_put(sv[1], 1);
    CHECK_EQ(mt_wait(b, h, 4, 0, &r), 1);
    CHECK_EQ(mt_events(&r, sv[0]), b->out); /* readable now, but not asked */
    CHECK_EQ(b->ctl(h, MUX_CTL_MOD, sv[0], (int)(b->in | b->out)), 0);
    CHECK_EQ(mt_wait(b, h, 4, 0, &r), 1);
    CHECK_EQ(mt_events(&r, sv[0]), b->in | b->out);
    CHECK_EQ(b->ctl(h, MUX_CTL_MOD, sv[0], (int)b->in), 0);
    CHECK_EQ(mt_wait(b, h, 4, 0, &r), 1);
    CHECK_EQ(mt_events(&r, sv[0]), b->in);
    CHECK_EQ(b->ctl(h, MUX_CTL_MOD, sv[0], 0), 0); /* registered, no interest */
    CHECK_EQ(mt_wait(b, h, 4, 0, &r), 0);
    CHECK_EQ(b->ctl(h, MUX_CTL_MOD, sv[0], (int)b->in), 0);
    CHECK_EQ(b->ctl(h, MUX_CTL_DEL, sv[0], 0), 0);
    CHECK_EQ(mt_wait(b, h, 4, 0, &r), 0); /* still readable, no longer registered */
    CHECK_EQ(b->ctl(h, MUX_CTL_DEL, sv[0], 0), -ENOENT);
    CHECK_EQ(b->ctl(h, MUX_CTL_ADD, sv[0], (int)b->in), 0); /* can come back */
    CHECK_EQ(mt_wait(b, h, 4, 0, &r), 1);
    CHECK_EQ(mt_events(&r, sv[0]), b->in);
    mt_close(b, h);
    mt_close_pair(sv);
}

static inline void contract_ctl_errors(const struct mt_backend *b)
{
    int sv[2];
    mt_pair(sv);
    int64_t h = mt_open(b);
    struct mt_ready r;
    CHECK_EQ(b->ctl(h, MUX_CTL_ADD, sv[0], (int)b->out), 0);
    CHECK_EQ(b->ctl(h, MUX_CTL_ADD, sv[0], (int)b->out), -EEXIST);
    CHECK_EQ(b->ctl(h, MUX_CTL_ADD, sv[0], (int)b->in), -EEXIST);
    CHECK_EQ(b->ctl(h, MUX_CTL_MOD, sv[1], (int)b->in), -ENOENT);
    CHECK_EQ(b->ctl(h, MUX_CTL_DEL, sv[1], 0), -ENOENT);
    CHECK_EQ(b->ctl(h, MUX_CTL_ADD, -1, (int)b->in), -EBADF);
    CHECK_EQ(b->ctl(h, MUX_CTL_ADD, -7, (int)b->in), -EBADF);
    CHECK_EQ(b->ctl(h, MUX_CTL_MOD, -1, (int)b->in), -EBADF);
    CHECK_EQ(b->ctl(h, MUX_CTL_DEL, -1, 0), -EBADF);
    CHECK_EQ(b->ctl(h, 0, sv[1], (int)b->in), -EINVAL);
    CHECK_EQ(b->ctl(h, 42, sv[1], (int)b->in), -EINVAL);
    /* a closed fd on ADD (nothing opened in between, so the number is free) */
    int p[2];
    CHECK_EQ(mux_pipe(1, p), 0);
    int gone = p[0];
    CHECK_EQ(mux_close(gone), 0);
    CHECK_EQ(b->ctl(h, MUX_CTL_ADD, gone, (int)b->in), -EBADF);
    CHECK_EQ(mux_close(p[1]), 0);
    /* the failures changed nothing */
    CHECK_EQ(mt_wait(b, h, 4, 0, &r), 1);
    CHECK_EQ(r.fd[0], sv[0]);
    CHECK_EQ(r.ev[0], b->out);
    mt_close(b, h);
    mt_close_pair(sv);
}

static inline void contract_wait_args(const struct mt_backend *b)
{
    int sv[2];
    mt_pair(sv);
    int64_t h = mt_open(b);
    struct mt_ready r;
    CHECK_EQ(b->ctl(h, MUX_CTL_ADD, sv[0], (int)b->out), 0);
    CHECK_EQ(mt_wait(b, h, 0, 0, &r), -EINVAL);
    CHECK_EQ(mt_wait(b, h, -1, 0, &r), -EINVAL);
    CHECK_EQ(b->wait(h, 0, 4, 0), -EINVAL);
    CHECK_EQ(mt_wait(b, h, 1, 0, &r), 1); /* capacity 1 is fine */
    CHECK_EQ(r.fd[0], sv[0]);
    mt_close(b, h);
    mt_close_pair(sv);
}

/* Several fds, some ready: exactly the ready ones, each once. Mixed fd kinds. */
static inline void contract_many_fds(const struct mt_backend *b)
{
    enum { N = 6 };
    int sv[N][2];
    int64_t h = mt_open(b);
    struct mt_ready r;
    for (int i = 0; i < N; i++) {
        mt_pair(sv[i]);
        CHECK_EQ(b->ctl(h, MUX_CTL_ADD, sv[i][0], (int)b->in), 0);
    }
    int p[2];
    CHECK_EQ(mux_pipe(1, p), 0);
    int efd = mux_eventfd(0, 1);
    CHECK_GE(efd, 0);
    CHECK_EQ(b->ctl(h, MUX_CTL_ADD, p[0], (int)b->in), 0);
    CHECK_EQ(b->ctl(h, MUX_CTL_ADD, p[1], (int)b->out), 0);
    CHECK_EQ(b->ctl(h, MUX_CTL_ADD, efd, (int)b->in), 0);

    CHECK_EQ(mt_wait(b, h, 16, 0, &r), 1); /* only the pipe's write end */
    CHECK_EQ(mt_events(&r, p[1]), b->out);

    mt_put(sv[1][1], 3);
    mt_put(sv[4][1], 1);
    uint64_t one = 1;
    CHECK_EQ(mux_write(efd, (int64_t)(intptr_t)&one, 8), 8);
    mt_put(p[1], 5);
    CHECK_EQ(mt_wait(b, h, 16, 0, &r), 5);
    for (int i = 0; i < N; i++)
        CHECK_EQ(mt_count(&r, sv[i][0]), (i == 1 || i == 4) ? 1 : 0);
    CHECK_EQ(mt_events(&r, sv[1][0]), b->in);
    CHECK_EQ(mt_events(&r, sv[4][0]), b->in);
    CHECK_EQ(mt_events(&r, p[0]), b->in);
    CHECK_EQ(mt_events(&r, p[1]), b->out);
    CHECK_EQ(mt_events(&r, efd), b->in);

    CHECK_EQ(mt_wait(b, h, 3, 0, &r), 3); /* capped at capacity, distinct fds */
    for (int i = 0; i < 3; i++)
        CHECK_EQ(mt_count(&r, r.fd[i]), 1);

    for (int i = 0; i < N; i++)
        mt_close_pair(sv[i]);
    CHECK_EQ(mux_close(efd), 0);
    mt_close_pair(p);
    mt_close(b, h);
}

/* The peer's close makes the socket readable (EOF). */
static inline void contract_peer_closed(const struct mt_backend *b)
{
    int sv[2];
    mt_pair(sv);
    int64_t h = mt_open(b);
    struct mt_ready r;
    CHECK_EQ(b->ctl(h, MUX_CTL_ADD, sv[0], (int)b->in), 0);
    CHECK_EQ(mt_wait(b, h, 4, 0, &r), 0);
    CHECK_EQ(mux_close(sv[1]), 0);
    sv[1] = -1;
    CHECK_EQ(mt_wait(b, h, 4, 0, &r), 1);
    CHECK_EQ(r.fd[0], sv[0]);
    CHECK(r.ev[0] & b->in);
    char c;
    CHECK_EQ(mux_read(sv[0], (int64_t)(intptr_t)&c, 1), 0);
    mt_close(b, h);
    mt_close_pair(sv);
}

/* A full send buffer is not writable; it is again once the peer reads. */
static inline void contract_full_not_writable(const struct mt_backend *b)
{
    int sv[2];
    mt_pair(sv);
    int64_t h = mt_open(b);
    struct mt_ready r;
    CHECK_EQ(b->ctl(h, MUX_CTL_ADD, sv[0], (int)b->out), 0);
    CHECK_EQ(b->ctl(h, MUX_CTL_ADD, sv[1], (int)b->in), 0);
    CHECK_EQ(mt_wait(b, h, 4, 0, &r), 1);
    CHECK_EQ(mt_events(&r, sv[0]), b->out);
    CHECK_GT(mux_fill(sv[0], -1), 0);
    CHECK_EQ(mt_wait(b, h, 4, 0, &r), 1);
    CHECK_EQ(mt_count(&r, sv[0]), 0);
    CHECK_EQ(mt_events(&r, sv[1]), b->in);
    CHECK_GT(mux_drain(sv[1]), 0);
    CHECK_EQ(mt_wait(b, h, 4, 0, &r), 1);
    CHECK_EQ(mt_events(&r, sv[0]), b->out);
    mt_close(b, h);
    mt_close_pair(sv);
}

/* Two multiplexers of the same kind are independent. */
static inline void contract_independent(const struct mt_backend *b)
{
    int sv[2];
    mt_pair(sv);
    int64_t h1 = mt_open(b), h2 = mt_open(b);
    struct mt_ready r;
    CHECK_NE(h1, h2);
    CHECK_EQ(b->ctl(h1, MUX_CTL_ADD, sv[0], (int)b->out), 0);
    CHECK_EQ(b->ctl(h2, MUX_CTL_ADD, sv[0], (int)b->in), 0);
    CHECK_EQ(mt_wait(b, h1, 4, 0, &r), 1);
    CHECK_EQ(mt_events(&r, sv[0]), b->out);
    CHECK_EQ(mt_wait(b, h2, 4, 0, &r), 0);
    CHECK_EQ(b->wakeup(h2), 0);
    CHECK_EQ(mt_wait(b, h1, 4, 0, &r), 1); /* h2's wakeup is not h1's */
    CHECK_EQ(b->ctl(h2, MUX_CTL_DEL, sv[0], 0), 0);
    CHECK_EQ(b->ctl(h1, MUX_CTL_MOD, sv[0], (int)b->in), 0);
    CHECK_EQ(mt_wait(b, h1, 4, 0, &r), 0);
    mt_close(b, h2);
    mt_close(b, h1);
    mt_close_pair(sv);
}

/* The multiplexer's own wakeup eventfd (found by the caller) cannot be
 * added, changed or removed through ctl, and is cloexec like every fd the
 * shims create. */
static inline void contract_wakefd_reserved(const struct mt_backend *b, int64_t h, int wakefd)
{
    struct mt_ready r;
    CHECK(mt_is_eventfd(wakefd));
    CHECK_EQ(mux_is_cloexec(wakefd), 1);
    CHECK_EQ(b->ctl(h, MUX_CTL_ADD, wakefd, (int)b->in), -EEXIST);
    CHECK_EQ(b->ctl(h, MUX_CTL_MOD, wakefd, (int)b->out), -EPERM);
    CHECK_EQ(b->ctl(h, MUX_CTL_DEL, wakefd, 0), -EPERM);
    /* still in place: a wakeup ends a wait early, once */
    CHECK_EQ(b->wakeup(h), 0);
    int64_t t0 = mt_now_ms();
    CHECK_EQ(mt_wait(b, h, 4, 2000, &r), 0);
    CHECK_LT(mt_now_ms() - t0, 1000);
    CHECK_EQ(mt_wait(b, h, 4, 0, &r), 0);
    /* a saturated counter (the kernel refuses further writes with EAGAIN)
     * means a wakeup is already pending: wakeup still succeeds */
    uint64_t most = UINT64_MAX - 1;
    CHECK_EQ(mux_write(wakefd, (int64_t)(intptr_t)&most, 8), 8);
    CHECK_EQ(b->wakeup(h), 0);
    t0 = mt_now_ms();
    CHECK_EQ(mt_wait(b, h, 4, 2000, &r), 0);
    CHECK_LT(mt_now_ms() - t0, 1000);
    t0 = mt_now_ms();
    CHECK_EQ(mt_wait(b, h, 4, 30, &r), 0); /* drained */
    CHECK_GE(mt_now_ms() - t0, 30);
}

/* close of a null handle is refused, not a crash */
static inline void contract_close_null(const struct mt_backend *b)
{
    CHECK_EQ(b->close(0), -EINVAL);
}

#define RUN_CONTRACT(bp)                          \
    do {                                          \
        RUN(contract_fresh_pair(bp));             \
        RUN(contract_level(bp));                  \
        RUN(contract_read_write_one_slot(bp));    \
        RUN(contract_mod_del(bp));                \
        RUN(contract_ctl_errors(bp));             \
        RUN(contract_wait_args(bp));              \
        RUN(contract_many_fds(bp));               \
        RUN(contract_peer_closed(bp));            \
        RUN(contract_full_not_writable(bp));      \
        RUN(contract_independent(bp));            \
        RUN(contract_close_null(bp));             \
    } while (0)

#endif
