package dev.muxlab;

/**
 * errno values as this machine's C library defines them (read from libmuxlab at class load, not
 * hard-coded), for the few calls that report failure as {@code -errno} instead of throwing:
 * {@link Sockets#tryAccept} and {@link Fds#tryEventFd}. Those exist for paths where a failure is
 * routine and frequent, such as accept at the fd limit (EMFILE) during a connection flood, where
 * building an exception per call would cost more than the system call.
 */
public final class Errno {
    public static final int EAGAIN = Native.EAGAIN;
    public static final int EINTR = Native.EINTR;
    public static final int EBADF = Native.EBADF;
    public static final int EINVAL = Native.EINVAL;
    public static final int EMFILE = Native.EMFILE;
    public static final int ENFILE = Native.ENFILE;
    public static final int EPERM = Native.EPERM;
    public static final int ENOMEM = Native.ENOMEM;
    /** accept: the pending connection was aborted (e.g. reset) before it was accepted. */
    public static final int ECONNABORTED = Native.ECONNABORTED;
    /** accept: protocol error on the pending connection. */
    public static final int EPROTO = Native.EPROTO;

    private Errno() {
    }

    /** The symbolic name of errno {@code e} (positive), e.g. {@code "EMFILE"}. */
    public static String name(int e) {
        return Native.errnoName(e);
    }
}
