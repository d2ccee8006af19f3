/* timerfd shims: flags, one-shot and periodic expirations, disarm, readiness
 * in every backend (the point of a timer that is an fd), and the errors. */
#include "mtest_mux.h"

#define MS 1000000LL

static void timer_flags_and_unarmed(void)
{
    int t = mux_timerfd(1);
    CHECK_GE(t, 0);
    CHECK_EQ(mux_is_cloexec(t), 1);
    CHECK_EQ(mux_get_nonblock(t), 1);
    CHECK_EQ(mux_timerfd_read(t), -EAGAIN); /* never armed: nothing to read */
    CHECK_EQ(mux_close(t), 0);

    t = mux_timerfd(0);
    CHECK_GE(t, 0);
    CHECK_EQ(mux_get_nonblock(t), 0);
    CHECK_EQ(mux_close(t), 0);
}

static void timer_one_shot_blocking(void)
{
    int t = mux_timerfd(0);
    int64_t t0 = mux_monotonic_nanos();
    CHECK_EQ(mux_timerfd_arm(t, 30 * MS, 0), 0);
    CHECK_EQ(mux_timerfd_read(t), 1); /* a blocking read sleeps until the expiry */
    int64_t waited = mux_monotonic_nanos() - t0;
    CHECK_GE(waited, 30 * MS);
    CHECK_LT(waited, 5000 * MS);
    CHECK_EQ(mux_close(t), 0);
}

static void timer_periodic_counts_expirations(void)
{
    int t = mux_timerfd(1);
    CHECK_EQ(mux_timerfd_arm(t, 1 * MS, 1 * MS), 0);
    mt_sleep_ms(30);
    int64_t n = mux_timerfd_read(t);
    CHECK_GE(n, 20); /* ~30 expirations in 30 ms, one read returns them all */
    CHECK_EQ(mux_timerfd_read(t), -EAGAIN);
    CHECK_EQ(mux_close(t), 0);
}

static void timer_disarm_and_rearm(void)
{
    int t = mux_timerfd(1);
    CHECK_EQ(mux_timerfd_arm(t, 10 * MS, 0), 0);
    CHECK_EQ(mux_timerfd_arm(t, 0, 0), 0); /* delay 0 disarms */
    mt_sleep_ms(30);
    CHECK_EQ(mux_timerfd_read(t), -EAGAIN);
    /* re-arming replaces the deadline: the later one wins */
    CHECK_EQ(mux_timerfd_arm(t, 1 * MS, 0), 0);
    CHECK_EQ(mux_timerfd_arm(t, 60 * 1000 * MS, 0), 0);
    mt_sleep_ms(20);
    CHECK_EQ(mux_timerfd_read(t), -EAGAIN);
    CHECK_EQ(mux_close(t), 0);
}

static void timer_errors(void)
{
    int t = mux_timerfd(1);
    CHECK_EQ(mux_timerfd_arm(t, -1, 0), -EINVAL);
    CHECK_EQ(mux_timerfd_arm(t, 1 * MS, -5), -EINVAL);
    CHECK_EQ(mux_timerfd_read(t), -EAGAIN); /* a rejected arm left it unarmed */
    CHECK_EQ(mux_close(t), 0);
    CHECK_EQ(mux_timerfd_arm(-1, 1 * MS, 0), -EBADF);
    CHECK_EQ(mux_timerfd_read(-1), -EBADF);
    int e = mux_eventfd(0, 1);
    CHECK_EQ(mux_timerfd_arm(e, 1 * MS, 0), -EINVAL); /* not a timerfd */
    CHECK_EQ(mux_close(e), 0);
    int p[2];
    CHECK_EQ(mux_pipe(1, p), 0);
    mt_put(p[1], 3);
    CHECK_EQ(mux_timerfd_read(p[0]), -EINVAL); /* 3 bytes are not an expiration count */
    mt_close_pair(p);
}

static void timer_monotonic(void)
{
    struct timespec ts;
    int64_t a = mux_monotonic_nanos();
    clock_gettime(CLOCK_MONOTONIC, &ts);
    int64_t b = mux_monotonic_nanos();
    int64_t mid = (int64_t)ts.tv_sec * 1000000000LL + ts.tv_nsec;
    CHECK_GT(a, 0);
    CHECK_LE(a, mid);
    CHECK_LE(mid, b);
}

/* The timer wakes a wait with a long timeout, in every backend, and after the
 * read it is quiet again (level-triggered readiness follows the counter). */
static void timer_wakes_backend(const struct mt_backend *b)
{
    int64_t h = b->open();
    CHECK_GE(h, 0);
    int t = mux_timerfd(1);
    CHECK_EQ(b->ctl(h, MUX_CTL_ADD, t, (int)b->in), 0);
    struct mt_ready r;
    CHECK_EQ(mt_wait(b, h, 8, 0, &r), 0);
    int64_t t0 = mux_monotonic_nanos();
    CHECK_EQ(mux_timerfd_arm(t, 20 * MS, 0), 0);
    CHECK_EQ(mt_wait(b, h, 8, 5000, &r), 1);
    int64_t waited = mux_monotonic_nanos() - t0;
    CHECK_EQ(mt_count(&r, t), 1);
    CHECK(mt_events(&r, t) & b->in);
    CHECK_GE(waited, 20 * MS);
    CHECK_LT(waited, 4000 * MS);
    CHECK_EQ(mux_timerfd_read(t), 1);
    CHECK_EQ(mt_wait(b, h, 8, 0, &r), 0);
    CHECK_EQ(mux_close(t), 0);
    CHECK_EQ(b->close(h), 0);
}

int main(void)
{
    int fds_at_start = mt_fd_count();
    static const struct mt_backend backends[] = { MT_BACKEND_EPOLL, MT_BACKEND_POLL, MT_BACKEND_SELECT,
                                                  MT_BACKEND_SELECT_WIDE, MT_BACKEND_URING };
    RUN(timer_flags_and_unarmed());
    RUN(timer_one_shot_blocking());
    RUN(timer_periodic_counts_expirations());
    RUN(timer_disarm_and_rearm());
    RUN(timer_errors());
    RUN(timer_monotonic());
    for (size_t i = 0; i < sizeof backends / sizeof backends[0]; i++)
        RUN(timer_wakes_backend(&backends[i]));
    RUN(mt_no_fd_leak(fds_at_start));
    return mtest_summary("test_timer");
}
