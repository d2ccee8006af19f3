/* Deadlines with EINTR-safe remaining time, and the wakeup eventfd. */
#include <errno.h>
#include <fcntl.h>
#include <stdatomic.h>
#include <stdint.h>
#include <sys/eventfd.h>
#include <time.h>
#include <unistd.h>

#include "internal.h"

static _Atomic int64_t eintr_retries;

static int64_t now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

void mux_deadline_arm(struct mux_deadline *d)
{
    int64_t now = now_ns();
    /* saturate instead of overflowing: INT64_MAX ns is ~292 years */
    if (d->ms > (INT64_MAX - now) / 1000000LL)
        d->end_ns = INT64_MAX;
    else
        d->end_ns = now + d->ms * 1000000LL;
}

int64_t mux_deadline_left_ns(const struct mux_deadline *d)
{
    int64_t left = d->end_ns - now_ns();
    return left > 0 ? left : 0;
}

int mux_deadline_next_ms_finite(const struct mux_deadline *d)
{
    int64_t left = mux_deadline_left_ns(d);
    if (left <= 0)
        return 0;
    int64_t ms = (left + 999999LL) / 1000000LL; /* round up, never down to a busy 0 */
    return ms > INT32_MAX ? INT32_MAX : (int)ms;
}

void mux_note_eintr(void)
{
    atomic_fetch_add_explicit(&eintr_retries, 1, memory_order_relaxed);
}

int64_t mux_eintr_retries(void)
{
    return atomic_load_explicit(&eintr_retries, memory_order_relaxed);
}

int mux_wakefd_open(void)
{
    int fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
    return fd < 0 ? -errno : fd;
}

int mux_wakefd_signal(int fd)
{
    uint64_t one = 1;
    for (;;) {
        ssize_t n = write(fd, &one, sizeof one);
        if (n == (ssize_t)sizeof one)
            return 0;
        if (n < 0 && errno == EINTR)
            continue;
        /* EAGAIN: the counter is saturated, a wakeup is already pending. */
        if (n < 0 && errno == EAGAIN)
            return 0;
        return n < 0 ? -errno : -EIO;
    }
}

void mux_wakefd_drain(int fd)
{
    uint64_t v;
    ssize_t n;
    do {
        n = read(fd, &v, sizeof v);
    } while (n < 0 && errno == EINTR);
}

int mux_check_fd_open(int fd)
{
    if (fd < 0)
        return -EBADF;
    if (fcntl(fd, F_GETFD) < 0)
        return -errno;
    return 0;
}
