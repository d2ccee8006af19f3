/* TCP/IPv4 socket operations for the servers and the load generator. */
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>

#include "internal.h"

static int fill_addr(struct sockaddr_in *sa, int64_t addr, int port)
{
    if (addr < 0 || addr > 0xffffffffLL || port < 0 || port > 65535)
        return -EINVAL;
    memset(sa, 0, sizeof *sa);
    sa->sin_family = AF_INET;
    sa->sin_port = htons((uint16_t)port);
    sa->sin_addr.s_addr = htonl((uint32_t)addr);
    return 0;
}

int mux_tcp_socket(int nonblock)
{
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC | (nonblock ? SOCK_NONBLOCK : 0), 0);
    return fd < 0 ? -errno : fd;
}

int mux_bind4(int fd, int64_t addr, int port)
{
    struct sockaddr_in sa;
    int rc = fill_addr(&sa, addr, port);
    if (rc < 0)
        return rc;
    return bind(fd, (struct sockaddr *)&sa, sizeof sa) < 0 ? -errno : 0;
}

int mux_listen(int fd, int backlog)
{
    return listen(fd, backlog) < 0 ? -errno : 0;
}

int mux_accept(int fd, int nonblock)
{
    int c;
    do {
        c = accept4(fd, NULL, NULL, SOCK_CLOEXEC | (nonblock ? SOCK_NONBLOCK : 0));
    } while (c < 0 && errno == EINTR);
    return c < 0 ? -errno : c;
}

int mux_connect4(int fd, int64_t addr, int port)
{
    struct sockaddr_in sa;
    int rc = fill_addr(&sa, addr, port);
    if (rc < 0)
        return rc;
    /* an interrupted connect goes on in the background, like EINPROGRESS */
    if (connect(fd, (struct sockaddr *)&sa, sizeof sa) < 0)
        return errno == EINTR ? -EINPROGRESS : -errno;
    return 0;
}

int mux_local_port(int fd)
{
    struct sockaddr_in sa;
    socklen_t len = sizeof sa;
    if (getsockname(fd, (struct sockaddr *)&sa, &len) < 0)
        return -errno;
    if (sa.sin_family != AF_INET)
        return -EAFNOSUPPORT;
    return ntohs(sa.sin_port);
}

int mux_so_error(int fd)
{
    int err = 0;
    socklen_t len = sizeof err;
    if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len) < 0)
        return -errno;
    return err;
}

static int set_int(int fd, int level, int opt, int value)
{
    return setsockopt(fd, level, opt, &value, sizeof value) < 0 ? -errno : 0;
}

int mux_set_reuseaddr(int fd, int on)
{
    return set_int(fd, SOL_SOCKET, SO_REUSEADDR, on != 0);
}

int mux_set_reuseport(int fd, int on)
{
    return set_int(fd, SOL_SOCKET, SO_REUSEPORT, on != 0);
}

int mux_set_tcp_nodelay(int fd, int on)
{
    return set_int(fd, IPPROTO_TCP, TCP_NODELAY, on != 0);
}

int mux_set_linger(int fd, int on, int seconds)
{
    if (seconds < 0)
        return -EINVAL;
    struct linger l = { on != 0, seconds };
    return setsockopt(fd, SOL_SOCKET, SO_LINGER, &l, sizeof l) < 0 ? -errno : 0;
}

/* SO_RCVTIMEO / SO_SNDTIMEO from milliseconds; 0 means no timeout. */
static int set_timeout(int fd, int opt, int64_t millis)
{
    if (millis < 0)
        return -EINVAL;
    struct timeval tv;
    tv.tv_sec = (time_t)(millis / 1000);
    tv.tv_usec = (suseconds_t)((millis % 1000) * 1000);
    return setsockopt(fd, SOL_SOCKET, opt, &tv, sizeof tv) < 0 ? -errno : 0;
}

int mux_set_recv_timeout(int fd, int64_t millis)
{
    return set_timeout(fd, SO_RCVTIMEO, millis);
}

/* A blocking write that has waited this long for buffer space returns the
 * bytes it wrote so far, or -EAGAIN if it wrote none (the wait is bounded per
 * call, not per byte). */
int mux_set_send_timeout(int fd, int64_t millis)
{
    return set_timeout(fd, SO_SNDTIMEO, millis);
}
