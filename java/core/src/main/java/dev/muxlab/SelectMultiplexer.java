package dev.muxlab;

/**
 * {@link Backend#SELECT}. Classic: glibc's fd_set, fds 0..1023 ({@link FdSetSizeException}
 * beyond). Wide: bitmaps sized to the highest registered fd. Reports READ, WRITE and PRI (the
 * read, write and except sets); a closed registered fd fails the whole await with EBADF until it
 * is unregistered. One thread at a time.
 */
final class SelectMultiplexer extends AbstractMultiplexer {
    private final boolean wide;

    SelectMultiplexer(boolean wide) throws NativeException {
        super(open(wide), true);
        this.wide = wide;
    }

    private static long open(boolean wide) throws NativeException {
        long h = LIB.mux_select_open(wide ? 1 : 0);
        if (h == -Native.EFDSETSIZE) {
            throw new NativeException(Errno.EMFILE, "select: its wakeup eventfd got an fd >= FD_SETSIZE ("
                    + Native.FD_SETSIZE + "); fds 0.." + (Native.FD_SETSIZE - 1) + " are all taken");
        }
        wrapOpen(h, "select open");
        return h;
    }

    @Override
    public Backend backend() {
        return wide ? Backend.SELECT_WIDE : Backend.SELECT;
    }

    /** Whether this is the wide flavour (bitmaps sized to the highest fd). */
    boolean isWide() {
        return wide;
    }

    @Override
    public int fdLimit() {
        return wide ? Integer.MAX_VALUE : Native.FD_SETSIZE;
    }

    /** The highest registered fd (the wakeup eventfd included): select's nfds - 1. */
    int maxFd() {
        if (!isOpen()) {
            throw new IllegalStateException(name() + " multiplexer is closed"); // its native state is freed
        }
        return LIB.mux_select_max_fd(handle);
    }

    @Override
    void checkEvents(int events, boolean register) {
        if ((events & Events.EPOLL_FLAGS) != 0) {
            throw new IllegalArgumentException("SELECT cannot do " + Events.toString(events & Events.EPOLL_FLAGS)
                    + ": EDGE, ONESHOT and EXCLUSIVE are EPOLL only");
        }
        if ((events & Events.RDHUP) != 0) {
            throw new IllegalArgumentException("SELECT cannot report RDHUP (it has read, write and except sets only)");
        }
        int unknown = events & ~Events.READINESS;
        if (unknown != 0) {
            throw new IllegalArgumentException("SELECT: unknown event bits 0x" + Integer.toHexString(unknown));
        }
    }

    @Override
    int ctl0(int op, int fd, int events) {
        return LIB.mux_select_ctl(handle, op, fd, events);
    }

    @Override
    int wait0(long address, int capacity, long timeoutMillis) {
        return LIB.mux_select_wait(handle, address, capacity, timeoutMillis);
    }

    @Override
    int wakeup0() {
        return LIB.mux_select_wakeup(handle);
    }

    @Override
    int close0() {
        return LIB.mux_select_close(handle);
    }

    @Override
    String name() {
        return wide ? "SELECT(wide)" : "SELECT";
    }
}
