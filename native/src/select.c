/* select backend, two flavours behind one set of functions.
 *
 * classic (wide == 0): glibc's fd_set, FD_SETSIZE (1024) bits. FD_SET with an
 *   fd >= FD_SETSIZE is undefined behaviour (a fortified build aborts the
 *   process), so ctl checks the range itself and returns -MUX_EFDSETSIZE.
 * wide (wide != 0): bitmaps of unsigned long words sized to the highest
 *   registered fd and grown on demand, as libevent and libev do. The kernel
 *   has no 1024 limit; select's cost follows the highest fd number (nfds).
 *
 * Interest sets are kept here; wait copies the words up to the highest fd
 * into working sets (select overwrites its arguments), so nothing is copied
 * from Java. The wakeup eventfd is watched for reading and never reported.
 * Not thread-safe: one thread at a time. */
#include <errno.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/select.h>
#include <unistd.h>

#include "internal.h"

#define WORD_BITS ((int)(8 * sizeof(unsigned long)))

_Static_assert(FD_SETSIZE % (8 * sizeof(unsigned long)) == 0, "fd_set is whole words");

struct mux_select {
    int wide;
    int wakefd;
    int maxfd;            /* highest registered fd (wakefd included), -1 if none */
    int cap;              /* fds the bitmaps and mask can hold (multiple of WORD_BITS) */
    int count;            /* registered fds, wakefd included */
    unsigned long *in[3]; /* interest: read, write, except */
    unsigned long *out[3];/* working copies handed to select() */
    int32_t *mask;        /* mask[fd]: registered events, or -1 */
    fd_set classic[6];    /* storage for the classic flavour */
};

static struct mux_select *as_select(int64_t h)
{
    return (struct mux_select *)(intptr_t)h;
}

static void bit_set(struct mux_select *s, unsigned long *set, int fd)
{
    if (!s->wide)
        FD_SET(fd, (fd_set *)(void *)set); /* fd < FD_SETSIZE checked by ctl */
    else
        set[fd / WORD_BITS] |= 1UL << (fd % WORD_BITS);
}

static void bit_clear(struct mux_select *s, unsigned long *set, int fd)
{
    if (!s->wide)
        FD_CLR(fd, (fd_set *)(void *)set);
    else
        set[fd / WORD_BITS] &= ~(1UL << (fd % WORD_BITS));
}

/* Wide flavour: make room for fd. */
static int grow(struct mux_select *s, int fd)
{
    if (fd < s->cap)
        return 0;
    int cap = s->cap ? s->cap : 256;
    while (cap <= fd) {
        if (cap > INT32_MAX / 2)
            return -ENOMEM;
        cap *= 2;
    }
    size_t old_words = (size_t)s->cap / WORD_BITS;
    size_t words = (size_t)cap / WORD_BITS;
    for (int k = 0; k < 3; k++) {
        unsigned long *in = realloc(s->in[k], words * sizeof *in);
        if (!in)
            return -ENOMEM;
        memset(in + old_words, 0, (words - old_words) * sizeof *in);
        s->in[k] = in;
        unsigned long *out = realloc(s->out[k], words * sizeof *out);
        if (!out)
            return -ENOMEM;
        s->out[k] = out;
    }
    int32_t *mask = realloc(s->mask, (size_t)cap * sizeof *mask);
    if (!mask)
        return -ENOMEM;
    for (int i = s->cap; i < cap; i++)
        mask[i] = -1;
    s->mask = mask;
    s->cap = cap;
    return 0;
}

static void set_interest(struct mux_select *s, int fd, int events)
{
    if (events & POLLIN)
        bit_set(s, s->in[0], fd);
    else
        bit_clear(s, s->in[0], fd);
    if (events & POLLOUT)
        bit_set(s, s->in[1], fd);
    else
        bit_clear(s, s->in[1], fd);
    if (events & POLLPRI)
        bit_set(s, s->in[2], fd);
    else
        bit_clear(s, s->in[2], fd);
}

static void free_select(struct mux_select *s)
{
    if (s->wide) {
        for (int k = 0; k < 3; k++) {
            free(s->in[k]);
            free(s->out[k]);
        }
    }
    free(s->mask);
    free(s);
}

int64_t mux_select_open(int wide)
{
    struct mux_select *s = calloc(1, sizeof *s);
    if (!s)
        return -ENOMEM;
    s->wide = wide != 0;
    s->maxfd = -1;
    if (!s->wide) {
        for (int k = 0; k < 3; k++) {
            FD_ZERO(&s->classic[k]);
            FD_ZERO(&s->classic[3 + k]);
            s->in[k] = (unsigned long *)(void *)&s->classic[k];
            s->out[k] = (unsigned long *)(void *)&s->classic[3 + k];
        }
        s->mask = malloc(FD_SETSIZE * sizeof *s->mask);
        if (!s->mask) {
            free(s);
            return -ENOMEM;
        }
        for (int i = 0; i < FD_SETSIZE; i++)
            s->mask[i] = -1;
        s->cap = FD_SETSIZE;
    }
    s->wakefd = mux_wakefd_open();
    if (s->wakefd < 0) {
        int err = -s->wakefd;
        free_select(s);
        return -err;
    }
    int rc = mux_select_ctl((int64_t)(intptr_t)s, MUX_CTL_ADD, s->wakefd, POLLIN);
    if (rc < 0) {
        close(s->wakefd);
        free_select(s);
        return rc;
    }
    return (int64_t)(intptr_t)s;
}

int mux_select_close(int64_t h)
{
    struct mux_select *s = as_select(h);
    if (!s)
        return -EINVAL;
    int rc = close(s->wakefd) < 0 ? -errno : 0;
    free_select(s);
    return rc;
}

int mux_select_ctl(int64_t h, int op, int fd, int events)
{
    struct mux_select *s = as_select(h);
    if (fd < 0)
        return -EBADF;
    if (!s->wide && fd >= FD_SETSIZE)
        return -MUX_EFDSETSIZE;
    if (events & ~(POLLIN | POLLPRI | POLLOUT | POLLERR | POLLHUP))
        return -EINVAL;
    if (s->wakefd >= 0 && fd == s->wakefd && s->count > 0)
        return op == MUX_CTL_ADD ? -EEXIST : -EPERM;
    int registered = fd < s->cap && s->mask[fd] >= 0;
    switch (op) {
    case MUX_CTL_ADD: {
        if (registered)
            return -EEXIST;
        int rc = mux_check_fd_open(fd);
        if (rc < 0)
            return rc;
        if (s->wide && (rc = grow(s, fd)) < 0)
            return rc;
        s->mask[fd] = events;
        set_interest(s, fd, events);
        s->count++;
        if (fd > s->maxfd)
            s->maxfd = fd;
        return 0;
    }
    case MUX_CTL_MOD:
        if (!registered)
            return -ENOENT;
        s->mask[fd] = events;
        set_interest(s, fd, events);
        return 0;
    case MUX_CTL_DEL:
        /* allowed for an fd closed since: select fails the whole call with
         * EBADF until the caller removes it */
        if (!registered)
            return -ENOENT;
        s->mask[fd] = -1;
        set_interest(s, fd, 0);
        s->count--;
        if (fd == s->maxfd) {
            int m = fd - 1;
            while (m >= 0 && s->mask[m] < 0)
                m--;
            s->maxfd = m;
        }
        return 0;
    default:
        return -EINVAL;
    }
}

int mux_select_wait(int64_t h, int64_t out, int capacity, int64_t timeout_ms)
{
    struct mux_select *s = as_select(h);
    if (capacity <= 0 || out == 0)
        return -EINVAL;
    char *buf = (char *)(intptr_t)out;
    int nfds = s->maxfd + 1;
    size_t words = ((size_t)nfds + WORD_BITS - 1) / WORD_BITS;
    struct mux_deadline d;
    mux_deadline_start(&d, timeout_ms);
    for (;;) {
        for (int k = 0; k < 3; k++)
            memcpy(s->out[k], s->in[k], words * sizeof(unsigned long));
        int ms = mux_deadline_next_ms(&d);
        struct timeval tv, *tvp = NULL;
        if (ms >= 0) {
            tv.tv_sec = ms / 1000;
            tv.tv_usec = (ms % 1000) * 1000;
            tvp = &tv;
        }
        int ready = select(nfds, (fd_set *)(void *)s->out[0], (fd_set *)(void *)s->out[1],
                           (fd_set *)(void *)s->out[2], tvp);
        int outcome = mux_wait_step(ready, &d);
        if (outcome == MUX_WAIT_AGAIN)
            continue;
        if (outcome != MUX_WAIT_EVENTS)
            return outcome;
        int k = 0;
        for (size_t w = 0; w < words && k < capacity; w++) {
            unsigned long r = s->out[0][w], wr = s->out[1][w], x = s->out[2][w];
            unsigned long any = r | wr | x;
            while (any && k < capacity) {
                int bit = __builtin_ctzl(any);
                unsigned long m = 1UL << bit;
                any &= any - 1;
                int fd = (int)w * WORD_BITS + bit;
                if (fd == s->wakefd) {
                    mux_wakefd_drain(s->wakefd);
                    continue;
                }
                struct mux_slot slot;
                slot.fd = fd;
                slot.events = ((r & m) ? POLLIN : 0) | ((wr & m) ? POLLOUT : 0) |
                              ((x & m) ? POLLPRI : 0);
                memcpy(buf + (size_t)k * sizeof slot, &slot, sizeof slot);
                k++;
            }
        }
        return k;
    }
}

int mux_select_wakeup(int64_t h)
{
    return mux_wakefd_signal(as_select(h)->wakefd);
}

int mux_select_max_fd(int64_t h)
{
    return as_select(h)->maxfd;
}
