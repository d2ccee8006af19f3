/* poll backend. The pollfd array lives here and is updated in place by ctl
 * (append on ADD, swap-remove on DEL, an fd -> index map for MOD/DEL), so a
 * wait copies nothing from Java. The wakeup eventfd is an ordinary entry that
 * wait drains and never reports. Not thread-safe: one thread at a time. */
#include <errno.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "internal.h"

struct mux_poll {
    int wakefd;
    struct pollfd *pfd;
    int n, cap;
    int32_t *index;   /* index[fd] = position in pfd, or -1 */
    int index_cap;
    int cursor;       /* where the next scan starts, for fairness */
};

static struct mux_poll *as_poll(int64_t h)
{
    return (struct mux_poll *)(intptr_t)h;
}

static int grow_index(struct mux_poll *p, int fd)
{
    if (fd < p->index_cap)
        return 0;
    int cap = p->index_cap ? p->index_cap : 64;
    while (cap <= fd) {
        if (cap > INT32_MAX / 2)
            return -ENOMEM;
        cap *= 2;
    }
    int32_t *idx = realloc(p->index, (size_t)cap * sizeof *idx);
    if (!idx)
        return -ENOMEM;
    for (int i = p->index_cap; i < cap; i++)
        idx[i] = -1;
    p->index = idx;
    p->index_cap = cap;
    return 0;
}

static int add_entry(struct mux_poll *p, int fd, int events)
{
    int rc = grow_index(p, fd);
    if (rc < 0)
        return rc;
    if (p->index[fd] >= 0)
        return -EEXIST;
    if (p->n == p->cap) {
        int cap = p->cap ? p->cap * 2 : 64;
        struct pollfd *pfd = realloc(p->pfd, (size_t)cap * sizeof *pfd);
        if (!pfd)
            return -ENOMEM;
        p->pfd = pfd;
        p->cap = cap;
    }
    p->pfd[p->n].fd = fd;
    p->pfd[p->n].events = (short)events;
    p->pfd[p->n].revents = 0;
    p->index[fd] = p->n;
    p->n++;
    return 0;
}

int64_t mux_poll_open(void)
{
    struct mux_poll *p = calloc(1, sizeof *p);
    if (!p)
        return -ENOMEM;
    p->wakefd = mux_wakefd_open();
    if (p->wakefd < 0) {
        int err = -p->wakefd;
        free(p);
        return -err;
    }
    int rc = add_entry(p, p->wakefd, POLLIN);
    if (rc < 0) {
        close(p->wakefd);
        free(p->index);
        free(p->pfd);
        free(p);
        return rc;
    }
    return (int64_t)(intptr_t)p;
}

int mux_poll_close(int64_t h)
{
    struct mux_poll *p = as_poll(h);
    if (!p)
        return -EINVAL;
    int rc = close(p->wakefd) < 0 ? -errno : 0;
    free(p->index);
    free(p->pfd);
    free(p);
    return rc;
}

int mux_poll_ctl(int64_t h, int op, int fd, int events)
{
    struct mux_poll *p = as_poll(h);
    if (fd < 0)
        return -EBADF;
    if (events & ~(POLLIN | POLLPRI | POLLOUT | POLLERR | POLLHUP | POLLRDHUP))
        return -EINVAL;
    if (fd == p->wakefd)
        return op == MUX_CTL_ADD ? -EEXIST : -EPERM;
    int pos = fd < p->index_cap ? p->index[fd] : -1;
    switch (op) {
    case MUX_CTL_ADD: {
        if (pos >= 0)
            return -EEXIST;
        int rc = mux_check_fd_open(fd);
        if (rc < 0)
            return rc;
        return add_entry(p, fd, events);
    }
    case MUX_CTL_MOD:
        if (pos < 0)
            return -ENOENT;
        p->pfd[pos].events = (short)events;
        return 0;
    case MUX_CTL_DEL: {
        /* allowed for an fd closed since: that is how a caller cleans up POLLNVAL */
        if (pos < 0)
            return -ENOENT;
        int last = p->n - 1;
        if (pos != last) {
            p->pfd[pos] = p->pfd[last];
            p->index[p->pfd[pos].fd] = pos;
        }
        p->index[fd] = -1;
        p->n--;
        return 0;
    }
    default:
        return -EINVAL;
    }
}

int mux_poll_wait(int64_t h, int64_t out, int capacity, int64_t timeout_ms)
{
    struct mux_poll *p = as_poll(h);
    if (capacity <= 0 || out == 0)
        return -EINVAL;
    char *buf = (char *)(intptr_t)out;
    struct mux_deadline d;
    mux_deadline_start(&d, timeout_ms);
    for (;;) {
        int ready = poll(p->pfd, (nfds_t)p->n, mux_deadline_next_ms(&d));
        int outcome = mux_wait_step(ready, &d);
        if (outcome == MUX_WAIT_AGAIN)
            continue;
        if (outcome != MUX_WAIT_EVENTS)
            return outcome;
        /* Scan from a rotating start so that, when more fds are ready than
         * the caller has room for, the ones at the end are not starved. */
        int k = 0;
        int n = p->n;
        int start = p->cursor < n ? p->cursor : 0;
        int seen = 0;
        int next = 0;
        int i = start;
        for (int step = 0; step < n && seen < ready; step++, i = (i + 1 == n) ? 0 : i + 1) {
            short re = p->pfd[i].revents;
            if (!re)
                continue;
            seen++;
            if (p->pfd[i].fd == p->wakefd) {
                mux_wakefd_drain(p->wakefd);
                continue;
            }
            if (k == capacity) {
                next = i; /* resume here next time */
                break;
            }
            struct mux_slot slot = { p->pfd[i].fd, (uint16_t)re };
            memcpy(buf + (size_t)k * sizeof slot, &slot, sizeof slot);
            k++;
        }
        p->cursor = next;
        return k;
    }
}

int mux_poll_wakeup(int64_t h)
{
    return mux_wakefd_signal(as_poll(h)->wakefd);
}

int mux_poll_count(int64_t h)
{
    return as_poll(h)->n;
}
