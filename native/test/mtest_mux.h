/* Helpers shared by the backend tests: a backend table (so the contract every
 * backend shares is tested once, for each of them), a wait that reads the
 * ready slots back, and small fd/timing utilities. */
#ifndef MTEST_MUX_H
#define MTEST_MUX_H

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <time.h>
#include <unistd.h>

#include "mtest.h"
#include "muxlab.h"

/* ---- time ---- */

static inline int64_t mt_now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static inline void mt_sleep_ms(int ms)
{
    struct timespec ts = { ms / 1000, (long)(ms % 1000) * 1000000L };
    while (nanosleep(&ts, &ts) < 0 && errno == EINTR) {
    }
}

/* ---- backends ---- */

struct mt_backend {
    const char *name;
    int64_t (*open)(void);
    int (*close)(int64_t);
    int (*ctl)(int64_t, int, int, int);
    int (*wait)(int64_t, int64_t, int, int64_t);
    int (*wakeup)(int64_t);
    uint32_t in, out; /* the backend's read and write bits */
};

static inline int64_t mt_select_open_classic(void)
{
    return mux_select_open(0);
}

static inline int64_t mt_select_open_wide(void)
{
    return mux_select_open(1);
}

#define MT_BACKEND_EPOLL \
    { "epoll", mux_epoll_open, mux_epoll_close, mux_epoll_ctl, mux_epoll_wait, mux_epoll_wakeup, EPOLLIN, EPOLLOUT }
#define MT_BACKEND_POLL \
    { "poll", mux_poll_open, mux_poll_close, mux_poll_ctl, mux_poll_wait, mux_poll_wakeup, POLLIN, POLLOUT }
#define MT_BACKEND_SELECT \
    { "select", mt_select_open_classic, mux_select_close, mux_select_ctl, mux_select_wait, mux_select_wakeup, POLLIN, POLLOUT }
#define MT_BACKEND_SELECT_WIDE \
    { "select-wide", mt_select_open_wide, mux_select_close, mux_select_ctl, mux_select_wait, mux_select_wakeup, POLLIN, POLLOUT }
#define MT_BACKEND_URING \
    { "uring", mux_uring_open, mux_uring_close, mux_uring_ctl, mux_uring_wait, mux_uring_wakeup, POLLIN, POLLOUT }

/* ---- waiting and reading the slots back ---- */

#define MT_MAXREADY 512

struct mt_ready {
    int n;                       /* the wait's return value */
    int32_t fd[MT_MAXREADY];
    uint32_t ev[MT_MAXREADY];
};

/* Waits with a heap buffer of exactly capacity * READY_SLOT_SIZE bytes (so the
 * sanitizer build catches any write past it) and decodes the returned slots,
 * { int32 fd; uint32 events } at a stride of 8 bytes. No checks here: this
 * also runs on helper threads. */
static inline int mt_wait_raw(int (*wait)(int64_t, int64_t, int, int64_t), int64_t h, int capacity,
                              int64_t timeout_ms, struct mt_ready *r)
{
    size_t len = (size_t)(capacity > 0 ? capacity : 0) * (size_t)mux_const(MUX_C_READY_SLOT_SIZE);
    unsigned char *buf = malloc(len ? len : 1);
    if (!buf) {
        r->n = -ENOMEM;
        return r->n;
    }
    memset(buf, 0xA5, len ? len : 1);
    int n = wait(h, (int64_t)(intptr_t)buf, capacity, timeout_ms);
    r->n = n;
    for (int i = 0; i < n && i < MT_MAXREADY && i < capacity; i++) {
        memcpy(&r->fd[i], buf + (size_t)i * 8, 4);
        memcpy(&r->ev[i], buf + (size_t)i * 8 + 4, 4);
    }
    free(buf);
    return n;
}

static inline int mt_wait(const struct mt_backend *b, int64_t h, int capacity, int64_t timeout_ms,
                          struct mt_ready *r)
{
    return mt_wait_raw(b->wait, h, capacity, timeout_ms, r);
}

/* How often fd appears in the result. */
static inline int mt_count(const struct mt_ready *r, int fd)
{
    int c = 0;
    for (int i = 0; i < r->n && i < MT_MAXREADY; i++)
        if (r->fd[i] == fd)
            c++;
    return c;
}

/* The events reported for fd, or -1 when it is absent. */
static inline int64_t mt_events(const struct mt_ready *r, int fd)
{
    for (int i = 0; i < r->n && i < MT_MAXREADY; i++)
        if (r->fd[i] == fd)
            return r->ev[i];
    return -1;
}

/* ---- fds ---- */

/* A non-blocking AF_UNIX stream pair (cloexec), or {-1,-1} after a failed check. */
static inline void mt_pair(int sv[2])
{
    sv[0] = sv[1] = -1;
    int rc = mux_socketpair(1, sv);
    CHECK_EQ(rc, 0);
}

static inline void mt_close_pair(int sv[2])
{
    if (sv[0] >= 0)
        CHECK_EQ(mux_close(sv[0]), 0);
    if (sv[1] >= 0)
        CHECK_EQ(mux_close(sv[1]), 0);
    sv[0] = sv[1] = -1;
}

static inline void mt_put(int fd, int64_t n)
{
    char buf[64];
    memset(buf, 'x', sizeof buf);
    CHECK(n <= (int64_t)sizeof buf);
    CHECK_EQ(mux_write(fd, (int64_t)(intptr_t)buf, n), n);
}

static inline void mt_take(int fd, int64_t n)
{
    char buf[64];
    CHECK(n <= (int64_t)sizeof buf);
    CHECK_EQ(mux_read(fd, (int64_t)(intptr_t)buf, n), n);
}

/* Makes sure the soft RLIMIT_NOFILE allows fd numbers up to want; returns the
 * previous soft limit (to restore) or -1 when nothing was changed. */
static inline int64_t mt_raise_nofile(int64_t want)
{
    int64_t soft = mux_nofile_limit(0);
    if (soft > want)
        return -1;
    int64_t hard = mux_nofile_limit(1);
    int64_t target = want + 64 < hard ? want + 64 : hard;
    CHECK_EQ(mux_set_nofile_limit(target), 0);
    return soft;
}

static inline void mt_restore_nofile(int64_t old)
{
    if (old >= 0)
        CHECK_EQ(mux_set_nofile_limit(old), 0);
}

/* A cloexec duplicate of fd at the lowest free number >= min. */
static inline int mt_dup_at(int fd, int min)
{
    int r = fcntl(fd, F_DUPFD_CLOEXEC, min);
    CHECK_GE(r, min);
    return r;
}

/* Open fds of this process (for the leak check at the end of each suite). */
static inline int mt_fd_count(void)
{
    int64_t limit = mux_nofile_limit(0);
    int top = limit > (1 << 20) ? (1 << 20) : (int)limit;
    int n = 0;
    for (int fd = 0; fd < top; fd++)
        if (fcntl(fd, F_GETFD) >= 0)
            n++;
    return n;
}

/* Every case closed what it opened: as many fds as when the suite began. */
static inline void mt_no_fd_leak(int at_start)
{
    CHECK_EQ(mt_fd_count(), at_start);
}

/* 1 when fd is an eventfd (as the multiplexers' wakeup fds are). */
static inline int mt_is_eventfd(int fd)
{
    char path[64], target[128];
    snprintf(path, sizeof path, "/proc/self/fd/%d", fd);
    ssize_t n = readlink(path, target, sizeof target - 1);
    if (n < 0)
        return 0;
    target[n] = 0;
    return strcmp(target, "anon_inode:[eventfd]") == 0;
}

static inline void mt_temp_path(char *buf, size_t len, const char *tag)
{
    const char *dir = getenv("TMPDIR");
    if (!dir || !*dir)
        dir = "/tmp";
    snprintf(buf, len, "%s/muxlab-%s-%ld", dir, tag, (long)getpid());
}

#endif
