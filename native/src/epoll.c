/* epoll backend: epoll_create1(EPOLL_CLOEXEC), ctl, and a wait that writes
 * (fd, events) slots into the caller's buffer. The kernel first fills the
 * buffer with struct epoll_event (12 bytes, packed, on x86-64); the shim then
 * flattens it in place to 8-byte slots, walking forward (slot i ends before
 * event i+1 begins). wait keeps no state of its own, so several threads may
 * wait at once, each with its own buffer. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <unistd.h>

#include "internal.h"

struct mux_epoll {
    int epfd;
    int wakefd;
};

static struct mux_epoll *as_epoll(int64_t h)
{
    return (struct mux_epoll *)(intptr_t)h;
}

int64_t mux_epoll_open(void)
{
    struct mux_epoll *e = malloc(sizeof *e);
    if (!e)
        return -ENOMEM;
    e->epfd = epoll_create1(EPOLL_CLOEXEC);
    if (e->epfd < 0) {
        int err = errno;
        free(e);
        return -err;
    }
    e->wakefd = mux_wakefd_open();
    if (e->wakefd < 0) {
        int err = -e->wakefd;
        close(e->epfd);
        free(e);
        return -err;
    }
    struct epoll_event ev;
    memset(&ev, 0, sizeof ev);
    ev.events = EPOLLIN;
    ev.data.fd = e->wakefd;
    if (epoll_ctl(e->epfd, EPOLL_CTL_ADD, e->wakefd, &ev) < 0) {
        int err = errno;
        close(e->wakefd);
        close(e->epfd);
        free(e);
        return -err;
    }
    return (int64_t)(intptr_t)e;
}

int mux_epoll_close(int64_t h)
{
    struct mux_epoll *e = as_epoll(h);
    if (!e)
        return -EINVAL;
    close(e->wakefd);
    int rc = close(e->epfd) < 0 ? -errno : 0;
    free(e);
    return rc;
}

int mux_epoll_ctl(int64_t h, int op, int fd, int events)
{
    struct mux_epoll *e = as_epoll(h);
    int kop;
    switch (op) {
    case MUX_CTL_ADD: kop = EPOLL_CTL_ADD; break;
    case MUX_CTL_MOD: kop = EPOLL_CTL_MOD; break;
    case MUX_CTL_DEL: kop = EPOLL_CTL_DEL; break;
    default: return -EINVAL;
    }
    if (fd >= 0 && fd == e->wakefd)
        return op == MUX_CTL_ADD ? -EEXIST : -EPERM; /* the wakeup fd is ours */
    struct epoll_event ev;
    memset(&ev, 0, sizeof ev);
    ev.events = (uint32_t)events;
    ev.data.fd = fd;
    if (epoll_ctl(e->epfd, kop, fd, &ev) < 0)
        return -errno;
    return 0;
}

/* The wakeup fd was among the n flattened slots: drain it and close the gap. */
static __attribute__((noinline, cold)) int drop_wakeup(char *buf, int n, int wakefd)
{
    mux_wakefd_drain(wakefd); /* a wakeup alone ends the wait early with 0 entries */
    int k = 0;
    for (int i = 0; i < n; i++) {
        struct mux_slot slot;
        memcpy(&slot, buf + (size_t)i * sizeof slot, sizeof slot);
        if (slot.fd == wakefd)
            continue;
        memcpy(buf + (size_t)k * sizeof slot, &slot, sizeof slot);
        k++;
    }
    return k;
}

#define NOT_CALLED INT32_MIN

/* The waits the fast path in mux_epoll_wait does not finish: a finite timeout (n is
 * NOT_CALLED: the deadline starts here, before the first call), or a wait with timeout 0 or
 * forever whose first call returned n <= 0 (errno still set). Returns the events' count, 0 for
 * a timeout or -errno, with the EINTR and retry rules of every backend (mux_wait_step). */
static __attribute__((noinline)) int wait_more(struct mux_epoll *e, char *buf, int capacity,
                                               int64_t timeout_ms, int n)
{
    struct mux_deadline d;
    mux_deadline_start(&d, timeout_ms);
    for (;;) {
        if (n == NOT_CALLED)
            n = epoll_wait(e->epfd, (struct epoll_event *)(void *)buf, capacity, mux_deadline_next_ms(&d));
        int outcome = mux_wait_step(n, &d);
        if (outcome == MUX_WAIT_EVENTS)
            return n;
        if (outcome != MUX_WAIT_AGAIN)
            return outcome;
        n = NOT_CALLED;
    }
}

int mux_epoll_wait(int64_t h, int64_t out, int capacity, int64_t timeout_ms)
{
    struct mux_epoll *e = as_epoll(h);
    if (capacity <= 0 || out == 0)
        return -EINVAL;
    char *buf = (char *)(intptr_t)out;
    int n;
    if (__builtin_expect(timeout_ms <= 0, 1)) {
        /* poll once (0) or wait forever (< 0): no deadline, no clock */
        n = epoll_wait(e->epfd, (struct epoll_event *)(void *)buf, capacity, timeout_ms < 0 ? -1 : 0);
        if (__builtin_expect(n <= 0, 0))
            n = wait_more(e, buf, capacity, timeout_ms, n);
    } else {
        n = wait_more(e, buf, capacity, timeout_ms, NOT_CALLED);
    }
    if (n <= 0)
        return n;
    const int wakefd = e->wakefd;
    /* Flatten in place, walking forward: slot i (8 bytes at 8i) ends before event i + 1
     * (12 bytes at 12i + 12) begins. memcpy keeps it free of aliasing assumptions. The wakeup
     * fd is rare: the common loop only notes whether it went by. */
    int woke = 0;
    for (int i = 0; i < n; i++) {
        struct epoll_event ev;
        memcpy(&ev, buf + (size_t)i * sizeof ev, sizeof ev);
        woke |= ev.data.fd == wakefd;
        struct mux_slot slot = { ev.data.fd, ev.events };
        memcpy(buf + (size_t)i * sizeof slot, &slot, sizeof slot);
    }
    if (__builtin_expect(woke, 0))
        return drop_wakeup(buf, n, wakefd);
    return n;
}

int mux_epoll_wakeup(int64_t h)
{
    return mux_wakefd_signal(as_epoll(h)->wakefd);
}

int mux_epoll_fd(int64_t h)
{
    return as_epoll(h)->epfd;
}
