/* Raw fd shims (socketpair, pipe, eventfd, read/write, close, dup, shutdown,
 * non-blocking and cloexec flags, RLIMIT_NOFILE, fill/drain/FIONREAD, files)
 * and the TCP/IPv4 shims on 127.0.0.1, with the socket timeouts. */
#include "mtest_mux.h"

#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <sys/time.h>

#define LOOPBACK 0x7f000001

static int64_t addr_of(const void *p)
{
    return (int64_t)(intptr_t)p;
}

static void fd_socketpair(void)
{
    int sv[2] = { -1, -1 };
    CHECK_EQ(mux_socketpair(0, sv), 0);
    CHECK_GE(sv[0], 0);
    CHECK_GE(sv[1], 0);
    CHECK_NE(sv[0], sv[1]);
    for (int i = 0; i < 2; i++) {
        CHECK_EQ(mux_is_cloexec(sv[i]), 1);
        CHECK_EQ(mux_get_nonblock(sv[i]), 0);
    }
    /* both directions carry data */
    char buf[8];
    CHECK_EQ(mux_write(sv[0], addr_of("ping"), 4), 4);
    CHECK_EQ(mux_read(sv[1], addr_of(buf), sizeof buf), 4);
    CHECK(memcmp(buf, "ping", 4) == 0);
    CHECK_EQ(mux_write(sv[1], addr_of("pong!"), 5), 5);
    CHECK_EQ(mux_read(sv[0], addr_of(buf), sizeof buf), 5);
    CHECK(memcmp(buf, "pong!", 5) == 0);
    mt_close_pair(sv);

    CHECK_EQ(mux_socketpair(1, sv), 0);
    CHECK_EQ(mux_get_nonblock(sv[0]), 1);
    CHECK_EQ(mux_get_nonblock(sv[1]), 1);
    CHECK_EQ(mux_is_cloexec(sv[0]), 1);
    CHECK_EQ(mux_read(sv[0], addr_of(buf), sizeof buf), -EAGAIN);
    mt_close_pair(sv);
    CHECK_EQ(mux_socketpair(0, NULL), -EFAULT);
}

static void fd_pipe(void)
{
    int p[2] = { -1, -1 };
    CHECK_EQ(mux_pipe(0, p), 0);
    CHECK_EQ(mux_is_cloexec(p[0]), 1);
    CHECK_EQ(mux_is_cloexec(p[1]), 1);
    CHECK_EQ(mux_get_nonblock(p[0]), 0);
    char buf[8];
    CHECK_EQ(mux_write(p[1], addr_of("abc"), 3), 3);
    CHECK_EQ(mux_read(p[0], addr_of(buf), sizeof buf), 3);
    CHECK(memcmp(buf, "abc", 3) == 0);
    /* fds[0] is the read end: writing to it fails */
    CHECK_EQ(mux_write(p[0], addr_of("x"), 1), -EBADF);
    mt_close_pair(p);

    CHECK_EQ(mux_pipe(1, p), 0);
    CHECK_EQ(mux_get_nonblock(p[0]), 1);
    CHECK_EQ(mux_get_nonblock(p[1]), 1);
    CHECK_EQ(mux_read(p[0], addr_of(buf), sizeof buf), -EAGAIN);
    CHECK_EQ(mux_close(p[1]), 0);
    p[1] = -1;
    CHECK_EQ(mux_read(p[0], addr_of(buf), sizeof buf), 0); /* EOF */
    mt_close_pair(p);
    CHECK_EQ(mux_pipe(0, NULL), -EFAULT);
}

static void fd_eventfd(void)
{
    int e = mux_eventfd(3, 1);
    CHECK_GE(e, 0);
    CHECK_EQ(mux_is_cloexec(e), 1);
    CHECK_EQ(mux_get_nonblock(e), 1);
    uint64_t v = 0;
    CHECK_EQ(mux_read(e, addr_of(&v), 8), 8);
    CHECK_EQ(v, 3);
    CHECK_EQ(mux_read(e, addr_of(&v), 8), -EAGAIN);
    v = 5;
    CHECK_EQ(mux_write(e, addr_of(&v), 8), 8);
    CHECK_EQ(mux_write(e, addr_of(&v), 8), 8);
    CHECK_EQ(mux_read(e, addr_of(&v), 8), 8);
    CHECK_EQ(v, 10);
    CHECK_EQ(mux_read(e, addr_of(&v), 4), -EINVAL); /* eventfd wants 8 bytes */
    CHECK_EQ(mux_close(e), 0);
    e = mux_eventfd(0, 0);
    CHECK_GE(e, 0);
    CHECK_EQ(mux_get_nonblock(e), 0);
    CHECK_EQ(mux_close(e), 0);
    CHECK_EQ(mux_eventfd(-1, 1), -EINVAL);
}

static void fd_read_write_errors(void)
{
    int sv[2];
    mt_pair(sv);
    char buf[4];
    CHECK_EQ(mux_read(sv[0], 0, 4), -EFAULT);
    CHECK_EQ(mux_write(sv[0], 0, 4), -EFAULT);
    CHECK_EQ(mux_read(sv[0], addr_of(buf), -1), -EFAULT);
    CHECK_EQ(mux_write(sv[0], addr_of(buf), -1), -EFAULT);
    CHECK_EQ(mux_write(sv[0], addr_of(buf), 0), 0);
    CHECK_EQ(mux_read(sv[0], 0, 0), 0);
    CHECK_EQ(mux_read(-1, addr_of(buf), 4), -EBADF);
    CHECK_EQ(mux_write(-1, addr_of(buf), 4), -EBADF);
    /* a partial read leaves the rest */
    CHECK_EQ(mux_write(sv[1], addr_of("12345678"), 8), 8);
    CHECK_EQ(mux_read(sv[0], addr_of(buf), 4), 4);
    CHECK(memcmp(buf, "1234", 4) == 0);
    CHECK_EQ(mux_readable_bytes(sv[0]), 4);
    CHECK_EQ(mux_read(sv[0], addr_of(buf), 4), 4);
    CHECK(memcmp(buf, "5678", 4) == 0);
    /* writing to a closed peer: EPIPE (SIGPIPE is ignored, as in the JVM) */
    CHECK_EQ(mux_close(sv[1]), 0);
    sv[1] = -1;
    CHECK_EQ(mux_write(sv[0], addr_of("x"), 1), -EPIPE);
    CHECK_EQ(mux_read(sv[0], addr_of(buf), 4), 0);
    mt_close_pair(sv);
}

static void fd_close(void)
{
    int e = mux_eventfd(0, 1);
    CHECK_GE(e, 0);
    CHECK_EQ(mux_close(e), 0);
    CHECK_EQ(mux_close(e), -EBADF);
    CHECK_EQ(mux_is_cloexec(e), -EBADF);
    CHECK_EQ(mux_close(-1), -EBADF);
}

static void fd_dup(void)
{
    int p[2];
    CHECK_EQ(mux_pipe(1, p), 0);
    /* the dup is cloexec even when the original is not */
    CHECK_EQ(fcntl(p[1], F_SETFD, 0), 0);
    CHECK_EQ(mux_is_cloexec(p[1]), 0);
    int d = mux_dup(p[1]);
    CHECK_GE(d, 0);
    CHECK_NE(d, p[1]);
    CHECK_NE(d, p[0]);
    CHECK_EQ(mux_is_cloexec(d), 1);
    /* same open file: shared O_NONBLOCK and data path */
    CHECK_EQ(mux_get_nonblock(d), 1);
    CHECK_EQ(mux_set_nonblock(p[1], 0), 0);
    CHECK_EQ(mux_get_nonblock(d), 0);
    char c = 0;
    CHECK_EQ(mux_write(d, addr_of("z"), 1), 1);
    CHECK_EQ(mux_read(p[0], addr_of(&c), 1), 1);
    CHECK_EQ(c, 'z');
    CHECK_EQ(mux_close(d), 0);
    CHECK_EQ(mux_dup(-1), -EBADF);
    CHECK_EQ(mux_dup(d), -EBADF);
    mt_close_pair(p);
}

static void fd_shutdown(void)
{
    int sv[2];
    mt_pair(sv);
    char buf[4];
    CHECK_EQ(mux_shutdown(sv[0], 1), 0); /* SHUT_WR */
    CHECK_EQ(mux_read(sv[1], addr_of(buf), 4), 0);
    CHECK_EQ(mux_write(sv[0], addr_of("x"), 1), -EPIPE);
    CHECK_EQ(mux_write(sv[1], addr_of("y"), 1), 1); /* the other direction is open */
    CHECK_EQ(mux_read(sv[0], addr_of(buf), 4), 1);
    CHECK_EQ(mux_shutdown(sv[1], 0), 0); /* SHUT_RD */
    CHECK_EQ(mux_shutdown(sv[1], 2), 0); /* SHUT_RDWR */
    CHECK_EQ(mux_read(sv[0], addr_of(buf), 4), 0);
    CHECK_EQ(mux_shutdown(sv[0], 3), -EINVAL);
    CHECK_EQ(mux_shutdown(sv[0], -1), -EINVAL);
    CHECK_EQ(mux_shutdown(-1, 1), -EBADF);
    int p[2];
    CHECK_EQ(mux_pipe(1, p), 0);
    CHECK_EQ(mux_shutdown(p[0], 2), -ENOTSOCK);
    mt_close_pair(p);
    mt_close_pair(sv);
}

static void fd_nonblock_flags(void)
{
    int sv[2] = { -1, -1 };
    CHECK_EQ(mux_socketpair(0, sv), 0);
    CHECK_EQ(mux_get_nonblock(sv[0]), 0);
    CHECK_EQ(mux_set_nonblock(sv[0], 1), 0);
    CHECK_EQ(mux_get_nonblock(sv[0]), 1);
    CHECK_EQ(mux_get_nonblock(sv[1]), 0); /* the other end is its own file */
    CHECK_EQ(mux_set_nonblock(sv[0], 1), 0);
    CHECK_EQ(mux_get_nonblock(sv[0]), 1);
    char c;
    CHECK_EQ(mux_read(sv[0], addr_of(&c), 1), -EAGAIN);
    CHECK_EQ(mux_set_nonblock(sv[0], 0), 0);
    CHECK_EQ(mux_get_nonblock(sv[0]), 0);
    CHECK_EQ(mux_set_nonblock(-1, 1), -EBADF);
    CHECK_EQ(mux_get_nonblock(-1), -EBADF);
    CHECK_EQ(mux_is_cloexec(-1), -EBADF);
    /* only O_NONBLOCK changes: the status flags otherwise stay */
    int fl = fcntl(sv[1], F_GETFL);
    CHECK_EQ(fcntl(sv[1], F_SETFL, fl | O_APPEND), 0);
    CHECK_EQ(mux_set_nonblock(sv[1], 1), 0);
    CHECK(fcntl(sv[1], F_GETFL) & O_APPEND);
    mt_close_pair(sv);
}

static void fd_rlimit(void)
{
    int64_t soft = mux_nofile_limit(0);
    int64_t hard = mux_nofile_limit(1);
    CHECK_GT(soft, 0);
    CHECK_GE(hard, soft);
    CHECK_EQ(mux_set_nofile_limit(600), 0);
    CHECK_EQ(mux_nofile_limit(0), 600);
    CHECK_EQ(mux_nofile_limit(1), hard);
    int e = mux_eventfd(0, 1);
    CHECK_EQ(fcntl(e, F_DUPFD_CLOEXEC, 700), -1); /* beyond the soft limit */
    CHECK_EQ(errno, EINVAL);
    CHECK_EQ(mux_set_nofile_limit(800), 0);
    int d = fcntl(e, F_DUPFD_CLOEXEC, 700);
    CHECK_GE(d, 700);
    if (d >= 0)
        CHECK_EQ(mux_close(d), 0);
    CHECK_EQ(mux_close(e), 0);
    if (hard < INT64_MAX)
        CHECK_EQ(mux_set_nofile_limit(hard + 1), -EINVAL); /* soft may not pass hard */
    CHECK_EQ(mux_set_nofile_limit(-1), -EINVAL);
    CHECK_EQ(mux_set_nofile_limit(soft), 0);
    CHECK_EQ(mux_nofile_limit(0), soft);
}

static void fd_fill_drain(void)
{
    int sv[2];
    mt_pair(sv);
    CHECK_EQ(mux_readable_bytes(sv[1]), 0);
    CHECK_EQ(mux_fill(sv[0], 100), 100);
    CHECK_EQ(mux_readable_bytes(sv[1]), 100);
    CHECK_EQ(mux_fill(sv[0], 0), 0);
    CHECK_EQ(mux_fill(sv[0], 5000), 5000); /* more than one internal chunk */
    CHECK_EQ(mux_readable_bytes(sv[1]), 5100);
    CHECK_EQ(mux_drain(sv[1]), 5100);
    CHECK_EQ(mux_readable_bytes(sv[1]), 0);
    CHECK_EQ(mux_drain(sv[1]), 0); /* nothing: EAGAIN at once */

    int64_t total = mux_fill(sv[0], -1); /* until the buffer is full */
    CHECK_GT(total, 5100);
    CHECK_EQ(mux_fill(sv[0], -1), 0);
    CHECK_EQ(mux_fill(sv[0], 10), 0);
    CHECK_EQ(mux_readable_bytes(sv[1]), total);
    CHECK_EQ(mux_drain(sv[1]), total);
    CHECK_EQ(mux_readable_bytes(sv[1]), 0);

    /* drain stops at EOF and reports what it read */
    CHECK_EQ(mux_fill(sv[0], 300), 300);
    CHECK_EQ(mux_close(sv[0]), 0);
    sv[0] = -1;
    CHECK_EQ(mux_drain(sv[1]), 300);
    CHECK_EQ(mux_drain(sv[1]), 0);
    mt_close_pair(sv);

    CHECK_EQ(mux_fill(-1, 10), -EBADF);
    CHECK_EQ(mux_drain(-1), -EBADF);
    CHECK_EQ(mux_readable_bytes(-1), -EBADF);
    /* the bytes written are zeros */
    int p[2];
    CHECK_EQ(mux_pipe(1, p), 0);
    CHECK_EQ(mux_fill(p[1], 16), 16);
    CHECK_EQ(mux_readable_bytes(p[0]), 16);
    char buf[16];
    memset(buf, 1, sizeof buf);
    CHECK_EQ(mux_read(p[0], addr_of(buf), 16), 16);
    int nonzero = 0;
    for (int i = 0; i < 16; i++)
        nonzero += buf[i] != 0;
    CHECK_EQ(nonzero, 0);
    mt_close_pair(p);
}

static void fd_open_file(void)
{
    char path[256];
    mt_temp_path(path, sizeof path, "fd-file");
    unlink(path);
    CHECK_EQ(mux_open_file(path, 0), -ENOENT);
    int fd = mux_open_file(path, 1);
    CHECK_GE(fd, 0);
    CHECK_EQ(mux_is_cloexec(fd), 1);
    CHECK_EQ(mux_write(fd, addr_of("hello"), 5), 5);
    CHECK_EQ(mux_close(fd), 0);
    fd = mux_open_file(path, 0);
    CHECK_GE(fd, 0);
    CHECK_EQ(mux_is_cloexec(fd), 1);
    char buf[8];
    CHECK_EQ(mux_read(fd, addr_of(buf), sizeof buf), 5);
    CHECK(memcmp(buf, "hello", 5) == 0);
    CHECK_EQ(mux_write(fd, addr_of("x"), 1), -EBADF); /* read-only */
    CHECK_EQ(mux_close(fd), 0);
    CHECK_EQ(unlink(path), 0);
    CHECK_EQ(mux_open_file(NULL, 0), -EFAULT);
}

/* ---- TCP ---- */

static int getsockopt_int(int fd, int level, int opt)
{
    int v = -1;
    socklen_t len = sizeof v;
    if (getsockopt(fd, level, opt, &v, &len) < 0)
        return -errno;
    return v;
}

static int tcp_listener(int nonblock)
{
    int ls = mux_tcp_socket(nonblock);
    CHECK_GE(ls, 0);
    CHECK_EQ(mux_bind4(ls, LOOPBACK, 0), 0);
    CHECK_EQ(mux_listen(ls, 16), 0);
    CHECK_GT(mux_local_port(ls), 0);
    return ls;
}

static int wait_writable(int fd, int ms)
{
    struct pollfd p = { fd, POLLOUT, 0 };
    return poll(&p, 1, ms);
}

static void tcp_socket_flags(void)
{
    int s = mux_tcp_socket(0);
    CHECK_GE(s, 0);
    CHECK_EQ(mux_is_cloexec(s), 1);
    CHECK_EQ(mux_get_nonblock(s), 0);
    CHECK_EQ(getsockopt_int(s, SOL_SOCKET, SO_TYPE), SOCK_STREAM);
    CHECK_EQ(mux_local_port(s), 0); /* unbound */
    CHECK_EQ(mux_close(s), 0);
    s = mux_tcp_socket(1);
    CHECK_GE(s, 0);
    CHECK_EQ(mux_get_nonblock(s), 1);
    CHECK_EQ(mux_is_cloexec(s), 1);
    CHECK_EQ(mux_close(s), 0);
}

static void tcp_blocking_roundtrip(void)
{
    int ls = tcp_listener(0);
    int port = mux_local_port(ls);
    int c = mux_tcp_socket(0);
    CHECK_EQ(mux_connect4(c, LOOPBACK, port), 0);
    CHECK_EQ(mux_so_error(c), 0);
    CHECK_GT(mux_local_port(c), 0);
    CHECK_NE(mux_local_port(c), port);
    int s = mux_accept(ls, 0);
    CHECK_GE(s, 0);
    CHECK_EQ(mux_is_cloexec(s), 1);
    CHECK_EQ(mux_get_nonblock(s), 0);
    CHECK_EQ(mux_local_port(s), port);
    char buf[8];
    CHECK_EQ(mux_write(c, addr_of("hi"), 2), 2);
    CHECK_EQ(mux_read(s, addr_of(buf), sizeof buf), 2);
    CHECK(memcmp(buf, "hi", 2) == 0);
    CHECK_EQ(mux_write(s, addr_of("yo!"), 3), 3);
    CHECK_EQ(mux_read(c, addr_of(buf), sizeof buf), 3);
    CHECK_EQ(mux_shutdown(c, 1), 0);
    CHECK_EQ(mux_read(s, addr_of(buf), sizeof buf), 0);
    CHECK_EQ(mux_close(s), 0);
    CHECK_EQ(mux_close(c), 0);
    CHECK_EQ(mux_close(ls), 0);
}

static void tcp_nonblocking_connect_accept(void)
{
    int ls = tcp_listener(1);
    int port = mux_local_port(ls);
    CHECK_EQ(mux_accept(ls, 1), -EAGAIN); /* nobody yet */
    int c = mux_tcp_socket(1);
    int rc = mux_connect4(c, LOOPBACK, port);
    CHECK(rc == 0 || rc == -EINPROGRESS);
    CHECK_EQ(wait_writable(c, 2000), 1);
    CHECK_EQ(mux_so_error(c), 0);
    struct pollfd p = { ls, POLLIN, 0 };
    CHECK_EQ(poll(&p, 1, 2000), 1);
    int s = mux_accept(ls, 1);
    CHECK_GE(s, 0);
    CHECK_EQ(mux_get_nonblock(s), 1);
    CHECK_EQ(mux_is_cloexec(s), 1);
    CHECK_EQ(mux_fill(c, 1000), 1000);
    struct pollfd q = { s, POLLIN, 0 };
    CHECK_EQ(poll(&q, 1, 2000), 1);
    int64_t got = 0;
    for (int i = 0; i < 100 && got < 1000; i++) {
        int64_t n = mux_drain(s);
        CHECK_GE(n, 0);
        got += n > 0 ? n : 0;
        if (got < 1000)
            mt_sleep_ms(5);
    }
    CHECK_EQ(got, 1000);
    CHECK_EQ(mux_close(s), 0);
    CHECK_EQ(mux_close(c), 0);
    CHECK_EQ(mux_close(ls), 0);
}

/* A bound, non-listening port refuses: directly when blocking, through
 * SO_ERROR when not. */
static void tcp_refused(void)
{
    int holder = mux_tcp_socket(0);
    CHECK_EQ(mux_bind4(holder, LOOPBACK, 0), 0);
    int port = mux_local_port(holder);
    CHECK_GT(port, 0);
    int c = mux_tcp_socket(0);
    CHECK_EQ(mux_connect4(c, LOOPBACK, port), -ECONNREFUSED);
    CHECK_EQ(mux_close(c), 0);
    c = mux_tcp_socket(1);
    int rc = mux_connect4(c, LOOPBACK, port);
    if (rc == -EINPROGRESS) {
        CHECK_EQ(wait_writable(c, 2000), 1);
        CHECK_EQ(mux_so_error(c), ECONNREFUSED);
        CHECK_EQ(mux_so_error(c), 0); /* reading SO_ERROR clears it */
    } else {
        CHECK_EQ(rc, -ECONNREFUSED);
    }
    CHECK_EQ(mux_close(c), 0);
    CHECK_EQ(mux_close(holder), 0);
}

static void tcp_address_errors(void)
{
    int s = mux_tcp_socket(0);
    CHECK_EQ(mux_bind4(s, LOOPBACK, 65536), -EINVAL);
    CHECK_EQ(mux_bind4(s, LOOPBACK, -1), -EINVAL);
    CHECK_EQ(mux_bind4(s, -1, 0), -EINVAL);
    CHECK_EQ(mux_bind4(s, 0x100000000LL, 0), -EINVAL);
    CHECK_EQ(mux_connect4(s, LOOPBACK, 70000), -EINVAL);
    CHECK_EQ(mux_bind4(s, LOOPBACK, 0), 0);
    CHECK_EQ(mux_bind4(s, LOOPBACK, 0), -EINVAL); /* already bound */
    int ls = tcp_listener(0);
    int other = mux_tcp_socket(0);
    CHECK_EQ(mux_bind4(other, LOOPBACK, mux_local_port(ls)), -EADDRINUSE);
    CHECK_EQ(mux_close(other), 0);
    CHECK_EQ(mux_close(ls), 0);
    CHECK_EQ(mux_close(s), 0);
    CHECK_EQ(mux_listen(-1, 1), -EBADF);
    CHECK_EQ(mux_accept(-1, 0), -EBADF);
    CHECK_EQ(mux_local_port(-1), -EBADF);
    CHECK_EQ(mux_so_error(-1), -EBADF);
    int sv[2];
    mt_pair(sv);
    CHECK_EQ(mux_local_port(sv[0]), -EAFNOSUPPORT); /* not IPv4 */
    CHECK_EQ(mux_bind4(sv[0], LOOPBACK, 0), -EINVAL);
    CHECK_EQ(mux_so_error(sv[0]), 0);
    mt_close_pair(sv);
    int p[2];
    CHECK_EQ(mux_pipe(1, p), 0);
    CHECK_EQ(mux_listen(p[0], 1), -ENOTSOCK);
    CHECK_EQ(mux_so_error(p[0]), -ENOTSOCK);
    mt_close_pair(p);
}

static void tcp_sockopts(void)
{
    int s = mux_tcp_socket(0);
    CHECK_EQ(mux_set_reuseaddr(s, 1), 0);
    CHECK_EQ(getsockopt_int(s, SOL_SOCKET, SO_REUSEADDR), 1);
    CHECK_EQ(mux_set_reuseaddr(s, 0), 0);
    CHECK_EQ(getsockopt_int(s, SOL_SOCKET, SO_REUSEADDR), 0);
    CHECK_EQ(mux_set_reuseaddr(s, 7), 0); /* any non-zero is on */
    CHECK_EQ(getsockopt_int(s, SOL_SOCKET, SO_REUSEADDR), 1);
    CHECK_EQ(mux_set_reuseport(s, 1), 0);
    CHECK_EQ(getsockopt_int(s, SOL_SOCKET, SO_REUSEPORT), 1);
    CHECK_EQ(mux_set_reuseport(s, 0), 0);
    CHECK_EQ(getsockopt_int(s, SOL_SOCKET, SO_REUSEPORT), 0);
    CHECK_EQ(mux_set_tcp_nodelay(s, 1), 0);
    CHECK_EQ(getsockopt_int(s, IPPROTO_TCP, TCP_NODELAY), 1);
    CHECK_EQ(mux_set_tcp_nodelay(s, 0), 0);
    CHECK_EQ(getsockopt_int(s, IPPROTO_TCP, TCP_NODELAY), 0);
    struct linger l;
    socklen_t len = sizeof l;
    CHECK_EQ(mux_set_linger(s, 1, 5), 0);
    CHECK_EQ(getsockopt(s, SOL_SOCKET, SO_LINGER, &l, &len), 0);
    CHECK_EQ(l.l_onoff, 1);
    CHECK_EQ(l.l_linger, 5);
    CHECK_EQ(mux_set_linger(s, 0, 0), 0);
    len = sizeof l;
    CHECK_EQ(getsockopt(s, SOL_SOCKET, SO_LINGER, &l, &len), 0);
    CHECK_EQ(l.l_onoff, 0);
    CHECK_EQ(mux_set_linger(s, 1, -1), -EINVAL);
    CHECK_EQ(mux_close(s), 0);

    /* two listeners on one port with SO_REUSEPORT */
    int a = mux_tcp_socket(0), b = mux_tcp_socket(0);
    CHECK_EQ(mux_set_reuseport(a, 1), 0);
    CHECK_EQ(mux_set_reuseport(b, 1), 0);
    CHECK_EQ(mux_bind4(a, LOOPBACK, 0), 0);
    CHECK_EQ(mux_bind4(b, LOOPBACK, mux_local_port(a)), 0);
    CHECK_EQ(mux_local_port(a), mux_local_port(b));
    CHECK_EQ(mux_close(a), 0);
    CHECK_EQ(mux_close(b), 0);

    int p[2];
    CHECK_EQ(mux_pipe(1, p), 0);
    CHECK_EQ(mux_set_reuseaddr(p[0], 1), -ENOTSOCK);
    CHECK_EQ(mux_set_tcp_nodelay(p[0], 1), -ENOTSOCK);
    CHECK_EQ(mux_set_linger(p[0], 1, 1), -ENOTSOCK);
    mt_close_pair(p);
    CHECK_EQ(mux_set_reuseport(-1, 1), -EBADF);
}

/* Linger on with 0 seconds: close sends a reset, the peer reads ECONNRESET. */
static void tcp_linger_reset(void)
{
    int ls = tcp_listener(0);
    int c = mux_tcp_socket(0);
    CHECK_EQ(mux_connect4(c, LOOPBACK, mux_local_port(ls)), 0);
    int s = mux_accept(ls, 0);
    CHECK_GE(s, 0);
    CHECK_EQ(mux_set_linger(s, 1, 0), 0);
    CHECK_EQ(mux_close(s), 0);
    struct pollfd p = { c, POLLIN, 0 };
    CHECK_EQ(poll(&p, 1, 2000), 1);
    char buf[4];
    CHECK_EQ(mux_read(c, addr_of(buf), sizeof buf), -ECONNRESET);
    CHECK_EQ(mux_close(c), 0);
    CHECK_EQ(mux_close(ls), 0);
}

static int64_t timeout_ms_of(int fd, int opt)
{
    struct timeval tv = { -1, -1 };
    socklen_t len = sizeof tv;
    if (getsockopt(fd, SOL_SOCKET, opt, &tv, &len) < 0)
        return -errno;
    return (int64_t)tv.tv_sec * 1000 + tv.tv_usec / 1000;
}

/* The option round-trips through getsockopt (1500 ms is a whole number of
 * jiffies for every HZ), 0 clears it, and bad input is refused. The receive
 * side shares the code, so it is checked here too. */
static void tcp_timeout_options(void)
{
    int s = mux_tcp_socket(0);
    CHECK_EQ(timeout_ms_of(s, SO_SNDTIMEO), 0);
    CHECK_EQ(mux_set_send_timeout(s, 1500), 0);
    CHECK_EQ(timeout_ms_of(s, SO_SNDTIMEO), 1500);
    CHECK_EQ(timeout_ms_of(s, SO_RCVTIMEO), 0); /* the other direction untouched */
    CHECK_EQ(mux_set_send_timeout(s, 0), 0);
    CHECK_EQ(timeout_ms_of(s, SO_SNDTIMEO), 0);
    CHECK_EQ(mux_set_recv_timeout(s, 1500), 0);
    CHECK_EQ(timeout_ms_of(s, SO_RCVTIMEO), 1500);
    CHECK_EQ(timeout_ms_of(s, SO_SNDTIMEO), 0);
    CHECK_EQ(mux_set_recv_timeout(s, 0), 0);
    CHECK_EQ(timeout_ms_of(s, SO_RCVTIMEO), 0);
    CHECK_EQ(mux_set_send_timeout(s, -1), -EINVAL);
    CHECK_EQ(mux_set_send_timeout(s, INT64_MIN), -EINVAL);
    CHECK_EQ(mux_set_recv_timeout(s, -1), -EINVAL);
    CHECK_EQ(timeout_ms_of(s, SO_SNDTIMEO), 0); /* a refused value changes nothing */
    CHECK_EQ(mux_close(s), 0);
    CHECK_EQ(mux_set_send_timeout(-1, 100), -EBADF);
    CHECK_EQ(mux_set_send_timeout(s, 100), -EBADF); /* closed */
    CHECK_EQ(mux_set_recv_timeout(-1, 100), -EBADF);
    int p[2];
    CHECK_EQ(mux_pipe(0, p), 0);
    CHECK_EQ(mux_set_send_timeout(p[1], 100), -ENOTSOCK);
    mt_close_pair(p);
}

#define SEND_TIMEOUT_MS 200
#define BIG_WRITE (8 << 20) /* far more than loopback and AF_UNIX buffers hold */

/* A blocking write to a peer that never reads: with SO_SNDTIMEO it returns
 * after about the timeout, with a partial count when it wrote something and
 * -EAGAIN when it wrote nothing. The bounds are generous: the lower one shows
 * it did wait, the upper one that it did not hang. */
static void send_timeout_ends_blocked_write(int w)
{
    char *big = calloc(1, BIG_WRITE);
    CHECK(big != NULL);
    if (!big)
        return;
    CHECK_EQ(mux_get_nonblock(w), 0);
    CHECK_EQ(mux_set_send_timeout(w, SEND_TIMEOUT_MS), 0);
    int64_t t0 = mt_now_ms();
    int64_t n = mux_write(w, addr_of(big), BIG_WRITE);
    int64_t waited = mt_now_ms() - t0;
    CHECK_GT(n, 0);          /* the buffers took some of it ... */
    CHECK_LT(n, BIG_WRITE);  /* ... not all: the write timed out part way */
    CHECK_GE(waited, SEND_TIMEOUT_MS - 50);
    CHECK_LT(waited, 10000);
    /* now nothing fits: the next write waits again and reports EAGAIN (a
     * loopback TCP peer may still take some more while its buffers settle:
     * that is a partial count, so allow a few tries) */
    int64_t rc = 0;
    for (int i = 0; i < 5; i++) {
        t0 = mt_now_ms();
        rc = mux_write(w, addr_of(big), BIG_WRITE);
        waited = mt_now_ms() - t0;
        CHECK_GE(waited, SEND_TIMEOUT_MS - 50);
        CHECK_LT(waited, 10000);
        if (rc == -EAGAIN)
            break;
        CHECK_GE(rc, 0);
    }
    CHECK_EQ(rc, -EAGAIN);
    free(big);
}

static void send_timeout_socketpair(void)
{
    int sv[2] = { -1, -1 };
    CHECK_EQ(mux_socketpair(0, sv), 0);
    send_timeout_ends_blocked_write(sv[0]);
    /* 0 turns the timeout off again; the data already written still arrives */
    CHECK_EQ(mux_set_send_timeout(sv[0], 0), 0);
    CHECK_EQ(timeout_ms_of(sv[0], SO_SNDTIMEO), 0);
    CHECK_EQ(mux_set_nonblock(sv[1], 1), 0);
    CHECK_GT(mux_drain(sv[1]), 0);
    mt_close_pair(sv);
}

static void send_timeout_tcp(void)
{
    int ls = tcp_listener(0);
    int c = mux_tcp_socket(0);
    CHECK_EQ(mux_connect4(c, LOOPBACK, mux_local_port(ls)), 0);
    int s = mux_accept(ls, 0);
    CHECK_GE(s, 0);
    send_timeout_ends_blocked_write(c);
    CHECK_EQ(mux_close(s), 0);
    CHECK_EQ(mux_close(c), 0);
    CHECK_EQ(mux_close(ls), 0);
}

int main(void)
{
    int fds_at_start = mt_fd_count();
    signal(SIGPIPE, SIG_IGN);
    RUN(fd_socketpair());
    RUN(fd_pipe());
    RUN(fd_eventfd());
    RUN(fd_read_write_errors());
    RUN(fd_close());
    RUN(fd_dup());
    RUN(fd_shutdown());
    RUN(fd_nonblock_flags());
    RUN(fd_rlimit());
    RUN(fd_fill_drain());
    RUN(fd_open_file());
    RUN(tcp_socket_flags());
    RUN(tcp_blocking_roundtrip());
    RUN(tcp_nonblocking_connect_accept());
    RUN(tcp_refused());
    RUN(tcp_address_errors());
    RUN(tcp_sockopts());
    RUN(tcp_linger_reset());
    RUN(tcp_timeout_options());
    RUN(send_timeout_socketpair());
    RUN(send_timeout_tcp());
    RUN(mt_no_fd_leak(fds_at_start));
    return mtest_summary("test_fd");
}
