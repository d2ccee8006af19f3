package dev.muxlab;

/**
 * {@link Backend#POLL}: the pollfd array lives in native memory, updated in place by interest
 * changes. A closed registered fd is reported as {@link Events#NVAL} until unregistered.
 * One thread at a time.
 */
final class PollMultiplexer extends AbstractMultiplexer {

    PollMultiplexer() throws NativeException {
        super(open(), true);
    }

    private static long open() throws NativeException {
        long h = LIB.mux_poll_open();
        wrapOpen(h, "poll open");
        return h;
    }

    @Override
    public Backend backend() {
        return Backend.POLL;
    }

    @Override
    public int fdLimit() {
        return Integer.MAX_VALUE;
    }

    @Override
    void checkEvents(int events, boolean register) {
        if ((events & Events.EPOLL_FLAGS) != 0) {
            throw new IllegalArgumentException("POLL cannot do " + Events.toString(events & Events.EPOLL_FLAGS)
                    + ": EDGE, ONESHOT and EXCLUSIVE are EPOLL only");
        }
        int unknown = events & ~Events.READINESS;
        if (unknown != 0) {
            throw new IllegalArgumentException("POLL: unknown event bits 0x" + Integer.toHexString(unknown));
        }
    }

    @Override
    int ctl0(int op, int fd, int events) {
        return LIB.mux_poll_ctl(handle, op, fd, events);
    }

    @Override
    int wait0(long address, int capacity, long timeoutMillis) {
        return LIB.mux_poll_wait(handle, address, capacity, timeoutMillis);
    }

    @Override
    int wakeup0() {
        return LIB.mux_poll_wakeup(handle);
    }

    @Override
    int close0() {
        return LIB.mux_poll_close(handle);
    }

    @Override
    String name() {
        return "POLL";
    }
}
