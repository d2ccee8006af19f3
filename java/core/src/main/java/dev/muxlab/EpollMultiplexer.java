package dev.muxlab;

/** {@link Backend#EPOLL}: interest lives in the kernel; waits may run in several threads at once. */
final class EpollMultiplexer extends AbstractMultiplexer {

    EpollMultiplexer() throws NativeException {
        super(open(), false);
    }

    private static long open() throws NativeException {
        long h = LIB.mux_epoll_open();
        wrapOpen(h, "epoll_create1");
        return h;
    }

    @Override
    public Backend backend() {
        return Backend.EPOLL;
    }

    @Override
    public int fdLimit() {
        return Integer.MAX_VALUE;
    }

    /** The epoll instance's own fd (for tests and diagnostics). */
    int epollFd() {
        if (!isOpen()) {
            throw new IllegalStateException(name() + " multiplexer is closed"); // its native state is freed
        }
        return LIB.mux_epoll_fd(handle);
    }

    @Override
    void checkEvents(int events, boolean register) {
        int unknown = events & ~(Events.READINESS | Events.EPOLL_FLAGS);
        if (unknown != 0) {
            throw new IllegalArgumentException("EPOLL: unknown event bits 0x" + Integer.toHexString(unknown));
        }
    }

    @Override
    int ctl0(int op, int fd, int events) {
        return LIB.mux_epoll_ctl(handle, op, fd, events);
    }

    @Override
    int wait0(long address, int capacity, long timeoutMillis) {
        return LIB.mux_epoll_wait(handle, address, capacity, timeoutMillis);
    }

    @Override
    int wakeup0() {
        return LIB.mux_epoll_wakeup(handle);
    }

    @Override
    int close0() {
        return LIB.mux_epoll_close(handle);
    }

    @Override
    String name() {
        return "EPOLL";
    }
}
