/* Internal helpers shared by the backends (not exported). */
#ifndef MUXLAB_INTERNAL_H
#define MUXLAB_INTERNAL_H

#include <errno.h>
#include <stdint.h>
#include <time.h>

#include "muxlab.h"

#define MUX_HIDDEN __attribute__((visibility("hidden")))

/* A wait deadline: ms < 0 waits forever, 0 polls, > 0 is a CLOCK_MONOTONIC deadline. */
struct mux_deadline {
    int64_t ms;          /* the caller's timeout */
    int64_t end_ns;      /* absolute deadline when ms > 0 */
};

/* The clock-dependent halves, out of line: only finite timeouts (ms > 0) reach them. */
MUX_HIDDEN void mux_deadline_arm(struct mux_deadline *d);
MUX_HIDDEN int mux_deadline_next_ms_finite(const struct mux_deadline *d);
/* Nanoseconds left (0 when expired); only for finite deadlines. */
MUX_HIDDEN int64_t mux_deadline_left_ns(const struct mux_deadline *d);
MUX_HIDDEN void mux_note_eintr(void);

/* The helpers below are inline so that the common waits, timeout 0 (poll once) and < 0
 * (forever), cost a few compares and no clock read or call (scripts/bench-await's timeout-0
 * await is one of them); a finite timeout reads CLOCK_MONOTONIC as before. */
static inline void mux_deadline_start(struct mux_deadline *d, int64_t timeout_ms)
{
    d->ms = timeout_ms;
    d->end_ns = 0;
    if (timeout_ms > 0)
        mux_deadline_arm(d);
}

/* Milliseconds to pass to the next syscall: -1 forever, 0 for none left, else
 * the remaining time rounded up to a whole millisecond, capped at INT32_MAX. */
static inline int mux_deadline_next_ms(const struct mux_deadline *d)
{
    if (d->ms <= 0)
        return d->ms < 0 ? -1 : 0;
    return mux_deadline_next_ms_finite(d);
}

/* 1 when a wait that saw no events should wait again (time is left). */
static inline int mux_deadline_should_retry(const struct mux_deadline *d)
{
    if (d->ms <= 0)
        return d->ms < 0;
    return mux_deadline_left_ns(d) > 0;
}

/* What a backend's wait loop does after its syscall returned n (errno set when n < 0):
 * MUX_WAIT_EVENTS to report the n > 0 events, MUX_WAIT_AGAIN to call again (EINTR, or a
 * timeout with time left), or a value to return as is (0 timed out, -errno failed). */
#define MUX_WAIT_AGAIN 1
#define MUX_WAIT_EVENTS 2
static inline int mux_wait_step(int n, const struct mux_deadline *d)
{
    if (__builtin_expect(n > 0, 1))
        return MUX_WAIT_EVENTS;
    if (n < 0) {
        if (errno != EINTR)
            return -errno;
        mux_note_eintr();
    }
    /* EINTR, or a timeout that may have been chunked or early: go on while time is left */
    return mux_deadline_should_retry(d) ? MUX_WAIT_AGAIN : 0;
}

/* The wakeup eventfd each multiplexer owns. */
MUX_HIDDEN int mux_wakefd_open(void);
MUX_HIDDEN int mux_wakefd_signal(int fd);
MUX_HIDDEN void mux_wakefd_drain(int fd);

/* Validates an fd for registration: -EBADF when negative or not open. */
MUX_HIDDEN int mux_check_fd_open(int fd);

struct mux_slot {
    int32_t fd;
    uint32_t events;
};

#endif
