/* Timeouts, wakeups and EINTR retries of every *_wait (epoll, poll, select
 * classic and wide), timed with CLOCK_MONOTONIC. */
#include "mtest_mux.h"

#include <pthread.h>
#include <stdatomic.h>

static const struct mt_backend B_EPOLL = MT_BACKEND_EPOLL;
static const struct mt_backend B_POLL = MT_BACKEND_POLL;
static const struct mt_backend B_SELECT = MT_BACKEND_SELECT;
static const struct mt_backend B_SELECT_WIDE = MT_BACKEND_SELECT_WIDE;

/* A backend with one registered, idle socket (nothing to read). */
struct idle {
    const struct mt_backend *b;
    int64_t h;
    int sv[2];
};

static void idle_open(struct idle *x, const struct mt_backend *b)
{
    x->b = b;
    mt_pair(x->sv);
    x->h = b->open();
    CHECK_GT(x->h, 0);
    CHECK_EQ(b->ctl(x->h, MUX_CTL_ADD, x->sv[0], (int)b->in), 0);
}

static void idle_close(struct idle *x)
{
    CHECK_EQ(x->b->close(x->h), 0);
    mt_close_pair(x->sv);
}

static void wait_zero_returns_at_once(const struct mt_backend *b)
{
    struct idle x;
    idle_open(&x, b);
    struct mt_ready r;
    int64_t t0 = mt_now_ms();
    for (int i = 0; i < 10; i++)
        CHECK_EQ(mt_wait(b, x.h, 4, 0, &r), 0);
    CHECK_LT(mt_now_ms() - t0, 100);
    idle_close(&x);
}

static void wait_timeout_200(const struct mt_backend *b)
{
    struct idle x;
    idle_open(&x, b);
    struct mt_ready r;
    int64_t t0 = mt_now_ms();
    CHECK_EQ(mt_wait(b, x.h, 4, 200, &r), 0);
    int64_t dt = mt_now_ms() - t0;
    CHECK_GE(dt, 200);
    CHECK_LT(dt, 1500);
    idle_close(&x);
}

/* A timeout that ends early because data arrives returns that data. */
static void wait_event_before_timeout(const struct mt_backend *b)
{
    struct idle x;
    idle_open(&x, b);
    struct mt_ready r;
    mt_put(x.sv[1], 1);
    int64_t t0 = mt_now_ms();
    CHECK_EQ(mt_wait(b, x.h, 4, 5000, &r), 1);
    CHECK_LT(mt_now_ms() - t0, 1000);
    CHECK_EQ(mt_events(&r, x.sv[0]), b->in);
    idle_close(&x);
}

/* A wakeup sent before the wait makes it return 0 promptly; many wakeups
 * end one wait early, not several. */
static void wakeup_before_wait(const struct mt_backend *b)
{
    struct idle x;
    idle_open(&x, b);
    struct mt_ready r;
    CHECK_EQ(b->wakeup(x.h), 0);
    int64_t t0 = mt_now_ms();
    CHECK_EQ(mt_wait(b, x.h, 4, 5000, &r), 0);
    CHECK_LT(mt_now_ms() - t0, 1000);
    /* consumed: the next wait runs its full timeout */
    t0 = mt_now_ms();
    CHECK_EQ(mt_wait(b, x.h, 4, 60, &r), 0);
    CHECK_GE(mt_now_ms() - t0, 60);

    for (int i = 0; i < 25; i++)
        CHECK_EQ(b->wakeup(x.h), 0);
    t0 = mt_now_ms();
    CHECK_EQ(mt_wait(b, x.h, 4, 5000, &r), 0);
    CHECK_LT(mt_now_ms() - t0, 1000);
    t0 = mt_now_ms();
    CHECK_EQ(mt_wait(b, x.h, 4, 100, &r), 0);
    CHECK_GE(mt_now_ms() - t0, 100);
    idle_close(&x);
}

/* A wakeup together with a ready fd: the fd is reported, the wakeup is not
 * (no extra slot) and is consumed. */
static void wakeup_with_event(const struct mt_backend *b)
{
    struct idle x;
    idle_open(&x, b);
    struct mt_ready r;
    mt_put(x.sv[1], 1);
    CHECK_EQ(b->wakeup(x.h), 0);
    CHECK_EQ(mt_wait(b, x.h, 8, 1000, &r), 1);
    CHECK_EQ(r.fd[0], x.sv[0]);
    CHECK_EQ(r.ev[0], b->in);
    mt_take(x.sv[0], 1);
    int64_t t0 = mt_now_ms();
    CHECK_EQ(mt_wait(b, x.h, 8, 60, &r), 0);
    CHECK_GE(mt_now_ms() - t0, 60);
    idle_close(&x);
}

/* ---- helper threads ---- */

struct bg {
    const struct mt_backend *b;
    int64_t h;
    int64_t timeout_ms;
    _Atomic int64_t tid;
    _Atomic int started, done;
    int64_t elapsed_ms;
    struct mt_ready r;
};

static void *bg_wait_main(void *arg)
{
    struct bg *g = arg;
    atomic_store(&g->tid, mux_thread_self());
    int64_t t0 = mt_now_ms();
    atomic_store(&g->started, 1);
    mt_wait_raw(g->b->wait, g->h, 8, g->timeout_ms, &g->r);
    g->elapsed_ms = mt_now_ms() - t0;
    atomic_store(&g->done, 1);
    return NULL;
}

static void bg_start(struct bg *g, pthread_t *t, const struct mt_backend *b, int64_t h,
                     int64_t timeout_ms)
{
    memset(g, 0, sizeof *g);
    g->b = b;
    g->h = h;
    g->timeout_ms = timeout_ms;
    atomic_init(&g->tid, 0);
    atomic_init(&g->started, 0);
    atomic_init(&g->done, 0);
    CHECK_EQ(pthread_create(t, NULL, bg_wait_main, g), 0);
    while (!atomic_load(&g->started))
        mt_sleep_ms(1);
    mt_sleep_ms(40); /* let it block in the syscall */
}

static void *bg_wakeup_main(void *arg)
{
    struct bg *g = arg;
    mt_sleep_ms(100);
    g->r.n = g->b->wakeup(g->h);
    return NULL;
}

/* A wakeup from another thread ends a blocked wait with 0. */
static void wakeup_cross_thread(const struct mt_backend *b)
{
    struct idle x;
    idle_open(&x, b);
    struct mt_ready r;
    struct bg g;
    memset(&g, 0, sizeof g);
    g.b = b;
    g.h = x.h;
    pthread_t t;
    CHECK_EQ(pthread_create(&t, NULL, bg_wakeup_main, &g), 0);
    int64_t t0 = mt_now_ms();
    CHECK_EQ(mt_wait(b, x.h, 4, 5000, &r), 0);
    int64_t dt = mt_now_ms() - t0;
    CHECK_EQ(pthread_join(t, NULL), 0);
    CHECK_EQ(g.r.n, 0);
    CHECK_GE(dt, 90);
    CHECK_LT(dt, 2500);
    idle_close(&x);
}

/* Huge timeouts (beyond int32 milliseconds, up to INT64_MAX) are capped,
 * not overflowed into "no wait" or "error": they block until a wakeup. */
static void huge_timeouts(const struct mt_backend *b)
{
    static const int64_t timeouts[] = { INT64_MAX, INT64_MAX / 1000, (int64_t)INT32_MAX + 1,
                                        (int64_t)1 << 40 };
    struct idle x;
    idle_open(&x, b);
    struct mt_ready r;
    for (size_t i = 0; i < sizeof timeouts / sizeof timeouts[0]; i++) {
        struct bg g;
        memset(&g, 0, sizeof g);
        g.b = b;
        g.h = x.h;
        pthread_t t;
        CHECK_EQ(pthread_create(&t, NULL, bg_wakeup_main, &g), 0);
        int64_t t0 = mt_now_ms();
        CHECK_EQ(mt_wait(b, x.h, 4, timeouts[i], &r), 0);
        int64_t dt = mt_now_ms() - t0;
        CHECK_EQ(pthread_join(t, NULL), 0);
        CHECK_GE(dt, 90);
        CHECK_LT(dt, 2500);
    }
    mt_put(x.sv[1], 1);
    CHECK_EQ(mt_wait(b, x.h, 4, INT64_MAX, &r), 1);
    CHECK_EQ(mt_events(&r, x.sv[0]), b->in);
    idle_close(&x);
}

static void send_signals(struct bg *g, int count)
{
    for (int i = 0; i < count; i++) {
        CHECK_EQ(mux_thread_kill(atomic_load(&g->tid), SIGURG), 0);
        mt_sleep_ms(20);
    }
}

/* Signals (handler without SA_RESTART) interrupt the blocked syscall; the
 * shim retries with the time left, so the wait still lasts its timeout. */
static void eintr_keeps_timeout(const struct mt_backend *b)
{
    struct idle x;
    idle_open(&x, b);
    int64_t retries = mux_eintr_retries();
    int64_t sigs = mux_signal_count();
    struct bg g;
    pthread_t t;
    bg_start(&g, &t, b, x.h, 300);
    send_signals(&g, 5);
    CHECK_EQ(atomic_load(&g.done), 0); /* ~140 ms in: still waiting */
    CHECK_EQ(pthread_join(t, NULL), 0);
    CHECK_EQ(g.r.n, 0);
    CHECK_GE(g.elapsed_ms, 300);
    CHECK_LT(g.elapsed_ms, 2000);
    CHECK_GE(mux_signal_count() - sigs, 1);
    CHECK_GE(mux_eintr_retries() - retries, 1);
    CHECK_LE(mux_eintr_retries() - retries, 5);
    idle_close(&x);
}

/* A wait interrupted by signals still returns the event that comes after. */
static void eintr_then_event(const struct mt_backend *b)
{
    struct idle x;
    idle_open(&x, b);
    int64_t retries = mux_eintr_retries();
    struct bg g;
    pthread_t t;
    bg_start(&g, &t, b, x.h, 3000);
    send_signals(&g, 3);
    CHECK_EQ(atomic_load(&g.done), 0);
    mt_put(x.sv[1], 1);
    CHECK_EQ(pthread_join(t, NULL), 0);
    CHECK_EQ(g.r.n, 1);
    CHECK_EQ(g.r.fd[0], x.sv[0]);
    CHECK_EQ(g.r.ev[0], b->in);
    CHECK_LT(g.elapsed_ms, 2000);
    CHECK_GE(mux_eintr_retries() - retries, 1);
    idle_close(&x);
}

/* With no timeout (-1), signals never end the wait; a wakeup does. */
static void eintr_infinite_then_wakeup(const struct mt_backend *b)
{
    struct idle x;
    idle_open(&x, b);
    int64_t retries = mux_eintr_retries();
    struct bg g;
    pthread_t t;
    bg_start(&g, &t, b, x.h, -1);
    send_signals(&g, 3);
    mt_sleep_ms(20);
    CHECK_EQ(atomic_load(&g.done), 0);
    CHECK_EQ(b->wakeup(x.h), 0);
    CHECK_EQ(pthread_join(t, NULL), 0);
    CHECK_EQ(g.r.n, 0);
    CHECK_GE(mux_eintr_retries() - retries, 1);
    idle_close(&x);
}

static void signal_shims(void)
{
    CHECK_EQ(mux_signal_install(0), -EINVAL);
    CHECK_EQ(mux_signal_install(100000), -EINVAL);
    CHECK_EQ(mux_signal_install(SIGKILL), -EINVAL);
    CHECK_EQ(mux_thread_kill(mux_thread_self(), 0), -EINVAL);
    CHECK_EQ(mux_thread_kill(mux_thread_self(), -3), -EINVAL);
    /* a signal to ourselves runs the counting handler before kill returns */
    int64_t before = mux_signal_count();
    CHECK_EQ(mux_thread_kill(mux_thread_self(), SIGURG), 0);
    CHECK_EQ(mux_signal_count(), before + 1);
    CHECK_EQ((int64_t)pthread_self(), mux_thread_self());
}

#define RUN_ALL(fn)                  \
    do {                             \
        RUN(fn(&B_EPOLL));           \
        RUN(fn(&B_POLL));            \
        RUN(fn(&B_SELECT));          \
        RUN(fn(&B_SELECT_WIDE));     \
    } while (0)

int main(void)
{
    int fds_at_start = mt_fd_count();
    signal(SIGPIPE, SIG_IGN);
    CHECK_EQ(mux_signal_install(SIGURG), 0);
    RUN(signal_shims());
    RUN_ALL(wait_zero_returns_at_once);
    RUN_ALL(wait_timeout_200);
    RUN_ALL(wait_event_before_timeout);
    RUN_ALL(wakeup_before_wait);
    RUN_ALL(wakeup_with_event);
    RUN_ALL(wakeup_cross_thread);
    RUN_ALL(huge_timeouts);
    RUN_ALL(eintr_keeps_timeout);
    RUN_ALL(eintr_then_event);
    RUN_ALL(eintr_infinite_then_wakeup);
    RUN(mt_no_fd_leak(fds_at_start));
    return mtest_summary("test_wait");
}
