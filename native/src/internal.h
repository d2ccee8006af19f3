/* Internal helpers shared by the backends (not exported). */
#ifndef MUXLAB_INTERNAL_H
#define MUXLAB_INTERNAL_H

#include <stdint.h>
#include <time.h>

#include "muxlab.h"

#define MUX_HIDDEN __attribute__((visibility("hidden")))

/* A wait deadline: ms < 0 waits forever, 0 polls, > 0 is a CLOCK_MONOTONIC deadline. */
struct mux_deadline {
    int64_t ms;          /* the caller's timeout */
    int64_t end_ns;      /* absolute deadline when ms > 0 */
};

MUX_HIDDEN void mux_deadline_start(struct mux_deadline *d, int64_t timeout_ms);
/* Milliseconds to pass to the next syscall: -1 forever, 0 for none left, else
 * the remaining time rounded up to a whole millisecond, capped at INT32_MAX. */
MUX_HIDDEN int mux_deadline_next_ms(const struct mux_deadline *d);
/* Nanoseconds left (0 when expired); only for finite deadlines. */
MUX_HIDDEN int64_t mux_deadline_left_ns(const struct mux_deadline *d);
/* 1 when a wait that saw no events should wait again (time is left). */
MUX_HIDDEN int mux_deadline_should_retry(const struct mux_deadline *d);
MUX_HIDDEN void mux_note_eintr(void);

/* What a backend's wait loop does after its syscall returned n (errno set when n < 0):
 * MUX_WAIT_EVENTS to report the n > 0 events, MUX_WAIT_AGAIN to call again (EINTR, or a
 * timeout with time left), or a value to return as is (0 timed out, -errno failed). */
#define MUX_WAIT_AGAIN 1
#define MUX_WAIT_EVENTS 2
MUX_HIDDEN int mux_wait_step(int n, const struct mux_deadline *d);

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
