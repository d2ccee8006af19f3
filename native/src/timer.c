/* timerfd: a timer that is an fd, so a loop can sleep in select/poll/epoll
 * until exactly the next deadline instead of the millisecond granularity of
 * their timeouts. CLOCK_MONOTONIC, the clock System.nanoTime() reads on Linux. */
#include <errno.h>
#include <stdint.h>
#include <sys/timerfd.h>
#include <time.h>
#include <unistd.h>

#include "internal.h"

#define NANOS_PER_SEC 1000000000LL

int mux_timerfd(int nonblock)
{
    int fd = timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC | (nonblock ? TFD_NONBLOCK : 0));
    return fd < 0 ? -errno : fd;
}

static struct timespec to_timespec(int64_t nanos)
{
    struct timespec ts;
    ts.tv_sec = (time_t)(nanos / NANOS_PER_SEC);
    ts.tv_nsec = (long)(nanos % NANOS_PER_SEC);
    return ts;
}

int mux_timerfd_arm(int fd, int64_t delay_ns, int64_t interval_ns)
{
    if (delay_ns < 0 || interval_ns < 0)
        return -EINVAL;
    struct itimerspec its;
    its.it_value = to_timespec(delay_ns); /* 0 disarms */
    its.it_interval = to_timespec(interval_ns);
    return timerfd_settime(fd, 0, &its, NULL) < 0 ? -errno : 0;
}

int64_t mux_timerfd_read(int fd)
{
    uint64_t expirations = 0;
    ssize_t n;
    do {
        n = read(fd, &expirations, sizeof expirations);
    } while (n < 0 && errno == EINTR);
    if (n < 0)
        return -errno;
    if (n != (ssize_t)sizeof expirations)
        return -EINVAL; /* not a timerfd (an eventfd would also give 8 bytes) */
    return expirations > (uint64_t)INT64_MAX ? INT64_MAX : (int64_t)expirations;
}

int64_t mux_monotonic_nanos(void)
{
    struct timespec ts;
    if (clock_gettime(CLOCK_MONOTONIC, &ts) < 0)
        return -errno;
    return (int64_t)ts.tv_sec * NANOS_PER_SEC + ts.tv_nsec;
}
