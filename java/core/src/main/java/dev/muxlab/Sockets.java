package dev.muxlab;


/**
 * TCP over IPv4 on raw fds, for muxlab's servers and load generator (no java.net). Sockets are
 * created close-on-exec; accepted sockets inherit nothing and get their own flags. Errors throw
 * {@link NativeException} with the errno name (EADDRINUSE, ECONNREFUSED, EMFILE, ...).
 */
public final class Sockets {
    private static final Native.LibMuxlab LIB = Native.LIB;

    /** 127.0.0.1 as a host-order address. */
    public static final int LOOPBACK = 0x7f000001;

    private Sockets() {
    }

    /** Parses a dotted IPv4 literal or "localhost" to a host-order address. */
    public static int parseIpv4(String host) {
        if (host.equals("localhost")) {
            return LOOPBACK;
        }
        String[] parts = host.split("\\.", -1);
        if (parts.length != 4) {
            throw new IllegalArgumentException("not an IPv4 address: " + host);
        }
        int a = 0;
        for (String p : parts) {
            int v;
            try {
                v = Integer.parseInt(p);
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("not an IPv4 address: " + host);
            }
            if (v < 0 || v > 255 || p.isEmpty() || p.length() > 3 || !p.chars().allMatch(ch -> ch >= '0' && ch <= '9')) {
                throw new IllegalArgumentException("not an IPv4 address: " + host);
            }
            a = (a << 8) | v;
        }
        return a;
    }

    /** Whether a host-order address is in 127.0.0.0/8. */
    public static boolean isLoopback(int addr) {
        return (addr >>> 24) == 127;
    }

    /** A new TCP socket. */
    public static int tcpSocket(boolean nonBlocking) throws NativeException {
        return Native.check(LIB.mux_tcp_socket(nonBlocking ? 1 : 0), "socket(AF_INET, SOCK_STREAM)");
    }

    /**
     * A listening TCP socket bound to addr:port (port 0 picks a free one: see {@link #localPort}),
     * with SO_REUSEADDR, and SO_REUSEPORT if asked (several listeners on one port, the kernel
     * spreading connections among them).
     */
    public static int listen(int addr, int port, int backlog, boolean reusePort, boolean nonBlocking)
            throws NativeException {
        int fd = tcpSocket(nonBlocking);
        try {
            Native.check(LIB.mux_set_reuseaddr(fd, 1), "setsockopt(SO_REUSEADDR)");
            if (reusePort) {
                Native.check(LIB.mux_set_reuseport(fd, 1), "setsockopt(SO_REUSEPORT)");
            }
            int rc = LIB.mux_bind4(fd, addr & 0xffffffffL, port);
            if (rc < 0) {
                throw NativeException.of(-rc, "bind(" + format(addr) + ":" + port + ")");
            }
            Native.check(LIB.mux_listen(fd, backlog), "listen");
            return fd;
        } catch (NativeException | RuntimeException e) {
            Fds.closeQuietly(fd);
            throw e;
        }
    }

    /**
     * Accepts one connection (accept4 with SOCK_CLOEXEC, and SOCK_NONBLOCK if asked).
     *
     * @return the new fd, or -1 if the listener is non-blocking and nothing is pending
     * @throws NativeException EMFILE/ENFILE at the fd limit, ECONNABORTED, ...
     */
    public static int accept(int listenFd, boolean nonBlocking) throws NativeException {
        int rc = LIB.mux_accept(listenFd, nonBlocking ? 1 : 0);
        if (rc < 0) {
            if (rc == -Errno.EAGAIN) {
                return -1;
            }
            throw NativeException.of(-rc, "accept4(fd " + listenFd + ")");
        }
        return rc;
    }

    /**
     * {@link #accept} without exceptions, for accept loops where failure is routine (a flood at
     * the fd limit fails with EMFILE on every call). Allocates nothing.
     *
     * @return the new fd, or {@code -errno}: {@code -Errno.EAGAIN} when a non-blocking listener
     *         has nothing pending, {@code -Errno.EMFILE}/{@code -Errno.ENFILE} at the fd limit,
     *         {@code -Errno.ECONNABORTED} for a connection reset while pending, ...
     */
    public static int tryAccept(int listenFd, boolean nonBlocking) {
        return LIB.mux_accept(listenFd, nonBlocking ? 1 : 0);
    }

    /**
     * Connects fd to addr:port.
     *
     * @return true if connected, false if a non-blocking connect is in progress (wait for
     *         WRITE, then {@link #finishConnect})
     */
    public static boolean connect(int fd, int addr, int port) throws NativeException {
        int rc = LIB.mux_connect4(fd, addr & 0xffffffffL, port);
        if (rc == 0) {
            return true;
        }
        if (rc == -Errno.EINPROGRESS) {
            return false;
        }
        throw NativeException.of(-rc, "connect(" + format(addr) + ":" + port + ")");
    }

    /** Completes a non-blocking connect: throws the error SO_ERROR holds (e.g. ECONNREFUSED). */
    public static void finishConnect(int fd) throws NativeException {
        int err = Native.check(LIB.mux_so_error(fd), "getsockopt(SO_ERROR)");
        if (err != 0) {
            throw NativeException.of(err, "connect");
        }
    }

    /** The pending socket error (SO_ERROR), 0 if none; reading it clears it. */
    public static int pendingError(int fd) throws NativeException {
        return Native.check(LIB.mux_so_error(fd), "getsockopt(SO_ERROR)");
    }

    /** The local port the socket is bound to. */
    public static int localPort(int fd) throws NativeException {
        return Native.check(LIB.mux_local_port(fd), "getsockname");
    }

    public static void setReuseAddress(int fd, boolean on) throws NativeException {
        Native.check(LIB.mux_set_reuseaddr(fd, on ? 1 : 0), "setsockopt(SO_REUSEADDR)");
    }

    public static void setReusePort(int fd, boolean on) throws NativeException {
        Native.check(LIB.mux_set_reuseport(fd, on ? 1 : 0), "setsockopt(SO_REUSEPORT)");
    }

    public static void setTcpNoDelay(int fd, boolean on) throws NativeException {
        Native.check(LIB.mux_set_tcp_nodelay(fd, on ? 1 : 0), "setsockopt(TCP_NODELAY)");
    }

    /** SO_LINGER; {@code on} with 0 seconds makes close send RST instead of FIN (an abortive close). */
    public static void setLinger(int fd, boolean on, int seconds) throws NativeException {
        Native.check(LIB.mux_set_linger(fd, on ? 1 : 0, seconds), "setsockopt(SO_LINGER)");
    }

    /**
     * SO_RCVTIMEO: a blocking read that waits longer than this fails with EAGAIN, which
     * {@link Fds#read} reports as 0 ("would block"); 0 waits forever.
     */
    public static void setReceiveTimeout(int fd, long millis) throws NativeException {
        if (millis < 0) {
            throw new IllegalArgumentException("negative receive timeout " + millis);
        }
        Native.check(LIB.mux_set_recv_timeout(fd, millis), "setsockopt(SO_RCVTIMEO)");
    }

    /**
     * SO_SNDTIMEO: bounds how long one blocking write waits for send-buffer space (a peer that
     * does not read). When the time is up the kernel returns the bytes written so far, which
     * {@link Fds#write} reports as a short count, or, if nothing was written, fails with
     * EAGAIN/EWOULDBLOCK, which it reports as 0 ("would block"); 0 waits forever. A caller that
     * loops until everything is written should treat 0 from a blocking socket as "timed out".
     */
    public static void setSendTimeout(int fd, long millis) throws NativeException {
        if (millis < 0) {
            throw new IllegalArgumentException("negative send timeout " + millis);
        }
        Native.check(LIB.mux_set_send_timeout(fd, millis), "setsockopt(SO_SNDTIMEO)");
    }

    /** Dotted rendering of a host-order address. */
    public static String format(int addr) {
        return ((addr >>> 24) & 255) + "." + ((addr >>> 16) & 255) + "." + ((addr >>> 8) & 255) + "." + (addr & 255);
    }
}
