package dev.muxlab;

/**
 * errno values as this machine's C library defines them, read from libmuxlab by name at class
 * load (never hard-coded, never by position in a list). Compare a failure with
 * {@link NativeException#is(int)}, e.g. {@code e.is(Errno.ECONNRESET)}; a few calls report routine
 * failures as {@code -errno} instead of throwing ({@link Sockets#tryAccept}, {@link Fds#tryEventFd}):
 * compare those results with {@code -Errno.X}. Names are for messages only.
 */
public final class Errno {
    /** Would block: a non-blocking fd has nothing to read, or no room to write. */
    public static final int EAGAIN = Native.c("EAGAIN");
    /** A blocking call was interrupted by a signal handler. */
    public static final int EINTR = Native.c("EINTR");
    /** Not an open fd (negative, closed, or never opened). */
    public static final int EBADF = Native.c("EBADF");
    /** Already there: epoll_ctl(ADD) of a registered fd. */
    public static final int EEXIST = Native.c("EEXIST");
    /** Not there: modify or unregister of an fd that is not registered. */
    public static final int ENOENT = Native.c("ENOENT");
    public static final int EINVAL = Native.c("EINVAL");
    /** The process's fd table is full (RLIMIT_NOFILE). */
    public static final int EMFILE = Native.c("EMFILE");
    /** The system's file table is full (fs.file-max). */
    public static final int ENFILE = Native.c("ENFILE");
    /** Not permitted; epoll_ctl(ADD) of an fd that cannot be polled, such as a regular file. */
    public static final int EPERM = Native.c("EPERM");
    public static final int ENOMEM = Native.c("ENOMEM");
    /** A non-blocking connect is under way (finish it when the fd is writable). */
    public static final int EINPROGRESS = Native.c("EINPROGRESS");
    /** The peer reset the connection (RST). */
    public static final int ECONNRESET = Native.c("ECONNRESET");
    /** Write to a connection the peer closed (muxlab's writes never raise SIGPIPE). */
    public static final int EPIPE = Native.c("EPIPE");
    public static final int ENOTCONN = Native.c("ENOTCONN");
    /** Nobody listens on the port. */
    public static final int ECONNREFUSED = Native.c("ECONNREFUSED");
    /** accept: the pending connection was aborted (e.g. reset) before it was accepted. */
    public static final int ECONNABORTED = Native.c("ECONNABORTED");
    /** accept: protocol error on the pending connection. */
    public static final int EPROTO = Native.c("EPROTO");
    /** A socket timeout (SO_RCVTIMEO/SO_SNDTIMEO on some calls, or TCP gave up). */
    public static final int ETIMEDOUT = Native.c("ETIMEDOUT");
    public static final int ENOBUFS = Native.c("ENOBUFS");
    public static final int EADDRINUSE = Native.c("EADDRINUSE");
    public static final int EADDRNOTAVAIL = Native.c("EADDRNOTAVAIL");
    public static final int ECANCELED = Native.c("ECANCELED");
    public static final int ENOSYS = Native.c("ENOSYS");
    public static final int EOPNOTSUPP = Native.c("EOPNOTSUPP");
    public static final int ENOTSOCK = Native.c("ENOTSOCK");
    public static final int EISCONN = Native.c("EISCONN");
    public static final int EALREADY = Native.c("EALREADY");
    public static final int ENETUNREACH = Native.c("ENETUNREACH");
    public static final int EHOSTUNREACH = Native.c("EHOSTUNREACH");
    public static final int EIO = Native.c("EIO");
    /**
     * Busy: on {@link Backend#SIGNAL}, register of an fd whose open file description already has
     * {@code O_ASYNC} (a dup of a registered fd, or set up by someone else).
     */
    public static final int EBUSY = Native.c("EBUSY");
    /**
     * Not an errno: muxlab's own code (outside the errno range) for "fd &gt;= FD_SETSIZE" on the
     * classic SELECT backend; see {@link FdSetSizeException}.
     */
    public static final int EFDSETSIZE = Native.EFDSETSIZE;

    private Errno() {
    }

    /** The symbolic name of errno {@code e} (positive), e.g. {@code "EMFILE"}. */
    public static String name(int e) {
        return Native.errnoName(e);
    }
}
