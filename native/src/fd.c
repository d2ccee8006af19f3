/* Raw fd operations: creation (always O_CLOEXEC), read/write on native
 * memory, and the RLIMIT_NOFILE knobs. */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include "internal.h"

int mux_socketpair(int nonblock, int *sv)
{
    if (!sv)
        return -EFAULT;
    int type = SOCK_STREAM | SOCK_CLOEXEC | (nonblock ? SOCK_NONBLOCK : 0);
    return socketpair(AF_UNIX, type, 0, sv) < 0 ? -errno : 0;
}

int mux_pipe(int nonblock, int *fds)
{
    if (!fds)
        return -EFAULT;
    return pipe2(fds, O_CLOEXEC | (nonblock ? O_NONBLOCK : 0)) < 0 ? -errno : 0;
}

int mux_eventfd(int initval, int nonblock)
{
    if (initval < 0)
        return -EINVAL;
    int fd = eventfd((unsigned)initval, EFD_CLOEXEC | (nonblock ? EFD_NONBLOCK : 0));
    return fd < 0 ? -errno : fd;
}

int64_t mux_read(int fd, int64_t addr, int64_t len)
{
    if (len < 0 || (addr == 0 && len > 0))
        return -EFAULT;
    ssize_t n;
    do {
        n = read(fd, (void *)(intptr_t)addr, (size_t)len);
    } while (n < 0 && errno == EINTR);
    return n < 0 ? -errno : n;
}

int64_t mux_write(int fd, int64_t addr, int64_t len)
{
    if (len < 0 || (addr == 0 && len > 0))
        return -EFAULT;
    ssize_t n;
    do {
        /* send() with MSG_NOSIGNAL would avoid SIGPIPE on sockets only; the
         * JVM ignores SIGPIPE, so write() gets EPIPE either way */
        n = write(fd, (const void *)(intptr_t)addr, (size_t)len);
    } while (n < 0 && errno == EINTR);
    return n < 0 ? -errno : n;
}

int mux_close(int fd)
{
    if (fd < 0)
        return -EBADF;
    /* Linux frees the fd even when close reports EINTR: never retry. */
    if (close(fd) < 0 && errno != EINTR)
        return -errno;
    return 0;
}

int mux_dup(int fd)
{
    int r = fcntl(fd, F_DUPFD_CLOEXEC, 0);
    return r < 0 ? -errno : r;
}

int mux_shutdown(int fd, int how)
{
    int h;
    switch (how) {
    case 0: h = SHUT_RD; break;
    case 1: h = SHUT_WR; break;
    case 2: h = SHUT_RDWR; break;
    default: return -EINVAL;
    }
    return shutdown(fd, h) < 0 ? -errno : 0;
}

int mux_set_nonblock(int fd, int on)
{
    int fl = fcntl(fd, F_GETFL);
    if (fl < 0)
        return -errno;
    int nfl = on ? (fl | O_NONBLOCK) : (fl & ~O_NONBLOCK);
    if (nfl != fl && fcntl(fd, F_SETFL, nfl) < 0)
        return -errno;
    return 0;
}

int mux_get_nonblock(int fd)
{
    int fl = fcntl(fd, F_GETFL);
    if (fl < 0)
        return -errno;
    return (fl & O_NONBLOCK) ? 1 : 0;
}

int mux_is_cloexec(int fd)
{
    int fl = fcntl(fd, F_GETFD);
    if (fl < 0)
        return -errno;
    return (fl & FD_CLOEXEC) ? 1 : 0;
}

int64_t mux_nofile_limit(int hard)
{
    struct rlimit rl;
    if (getrlimit(RLIMIT_NOFILE, &rl) < 0)
        return -errno;
    rlim_t v = hard ? rl.rlim_max : rl.rlim_cur;
    if (v == RLIM_INFINITY || v > (rlim_t)INT64_MAX)
        return INT64_MAX;
    return (int64_t)v;
}

int mux_set_nofile_limit(int64_t soft)
{
    if (soft < 0)
        return -EINVAL;
    struct rlimit rl;
    if (getrlimit(RLIMIT_NOFILE, &rl) < 0)
        return -errno;
    rl.rlim_cur = (rlim_t)soft;
    return setrlimit(RLIMIT_NOFILE, &rl) < 0 ? -errno : 0;
}

int mux_open_file(const char *path, int writable)
{
    if (!path)
        return -EFAULT;
    int flags = O_CLOEXEC | (writable ? (O_RDWR | O_CREAT) : O_RDONLY);
    int fd = open(path, flags, 0600);
    return fd < 0 ? -errno : fd;
}

int64_t mux_fill(int fd, int64_t max_bytes)
{
    static const char zeros[4096];
    int64_t total = 0;
    while (max_bytes < 0 || total < max_bytes) {
        size_t chunk = sizeof zeros;
        if (max_bytes >= 0 && (int64_t)chunk > max_bytes - total)
            chunk = (size_t)(max_bytes - total);
        ssize_t n = write(fd, zeros, chunk);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            if (errno == EAGAIN)
                break;
            return total > 0 ? total : -errno;
        }
        total += n;
    }
    return total;
}

int64_t mux_drain(int fd)
{
    char buf[4096];
    int64_t total = 0;
    for (;;) {
        ssize_t n = read(fd, buf, sizeof buf);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            if (errno == EAGAIN)
                break;
            return total > 0 ? total : -errno;
        }
        if (n == 0)
            break;
        total += n;
    }
    return total;
}

int64_t mux_readable_bytes(int fd)
{
    int n = 0;
    if (ioctl(fd, FIONREAD, &n) < 0)
        return -errno;
    return n;
}
