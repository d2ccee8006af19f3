package dev.muxlab;

import java.util.concurrent.locks.LockSupport;

/**
 * {@link Backend#SIGNAL}: signal-driven IO (native {@code sigio.c}). The thread that opens it is
 * its owner for good: open blocks the real-time signal and {@code SIGIO} in that thread and opens
 * a {@code signalfd} for them; register names that thread as the fd's signal owner
 * ({@code F_SETOWN_EX}, {@code F_OWNER_TID}); await reads the signals, which only that thread can.
 * So register, modify, unregister and await are owner-only ({@link IllegalStateException}
 * elsewhere); wakeup and close work from any thread. See {@link SignalIo} for the whole contract
 * and the overflow counters.
 */
final class SignalMultiplexer extends AbstractMultiplexer {
    private final Thread owner;
    // the counters as close left them: written before released, read after it
    private long overflowsAtClose, signalsAtClose, staleAtClose;
    private volatile boolean released;

    SignalMultiplexer() throws NativeException {
        super(open(), false);
        owner = Thread.currentThread();
    }

    private static long open() throws NativeException {
        long h = LIB.mux_sigio_open();
        if (h == -Errno.EEXIST) {
            throw new IllegalStateException("SIGNAL: thread '" + Thread.currentThread().getName()
                    + "' already owns an open SIGNAL multiplexer; signals are queued per thread, so a thread"
                    + " can own one at a time (close it first, or open this one in another thread)");
        }
        if (h == -Errno.EBUSY) {
            throw NativeException.of(Errno.EBUSY, "SIGNAL open: signal " + LIB.mux_sigio_signal()
                    + " has a handler installed; something else in this process uses it");
        }
        wrapOpen(h, "SIGNAL open (signalfd)");
        return h;
    }

    @Override
    public Backend backend() {
        return Backend.SIGNAL;
    }

    @Override
    public int fdLimit() {
        return Integer.MAX_VALUE;
    }

    Thread owner() {
        return owner;
    }

    @Override
    void checkCaller(String op) {
        if (Thread.currentThread() != owner && isOpen()) {
            throw new IllegalStateException("SIGNAL " + op + " from thread '" + Thread.currentThread().getName()
                    + "': only the thread that opened it ('" + owner.getName() + "') may " + op
                    + " (the kernel queues its signals to that thread; wakeup() and close() work from any thread)");
        }
    }

    @Override
    void checkEvents(int events, boolean register) {
        int unknown = events & ~(Events.READINESS | Events.EPOLL_FLAGS);
        if (unknown != 0) {
            throw new IllegalArgumentException("SIGNAL: unknown event bits 0x" + Integer.toHexString(unknown));
        }
        int flags = events & (Events.ONESHOT | Events.EXCLUSIVE);
        if (flags != 0) {
            throw new IllegalArgumentException("SIGNAL cannot do " + Events.toString(flags)
                    + ": a signal is queued for every change to the one owner thread; ONESHOT and EXCLUSIVE are EPOLL only");
        }
        if ((events & Events.RDHUP) != 0) {
            throw new IllegalArgumentException("SIGNAL cannot report RDHUP: no signal carries it"
                    + " (a peer's shutdown arrives as READ, reading then gives EOF)");
        }
        if ((events & Events.EDGE) == 0) {
            throw new IllegalArgumentException("SIGNAL is edge-triggered only: register with Events.EDGE ("
                    + Events.toString(events | Events.EDGE) + "). Signals report changes, not state: data left"
                    + " unread is not reported again, so read until EAGAIN");
        }
    }

    @Override
    int ctl0(int op, int fd, int events) {
        return LIB.mux_sigio_ctl(handle, op, fd, events & ~Events.EDGE);
    }

    @Override
    NativeException ctlError(int errno, int op, int fd, int events) {
        NativeException e = super.ctlError(errno, op, fd, events);
        if (op == Native.CTL_ADD && errno == Errno.EPERM) {
            return new NativeException(errno, e.getMessage() + ": this kind of file sends no SIGIO"
                    + " (SIGNAL takes sockets, pipes, FIFOs, terminals and inotify)");
        }
        if (op == Native.CTL_ADD && errno == Errno.EBUSY) {
            return new NativeException(errno, e.getMessage() + ": its open file description already has O_ASYNC"
                    + " (a dup of a registered fd, or someone else's signal owner)");
        }
        return e;
    }

    @Override
    int wait0(long address, int capacity, long timeoutMillis) {
        return LIB.mux_sigio_wait(handle, address, capacity, timeoutMillis);
    }

    @Override
    int wakeup0() {
        return LIB.mux_sigio_wakeup(handle);
    }

    @Override
    int close0() {
        overflowsAtClose = LIB.mux_sigio_overflows(handle);
        signalsAtClose = LIB.mux_sigio_signals(handle);
        staleAtClose = LIB.mux_sigio_stale(handle);
        int rc = LIB.mux_sigio_close(handle);
        released = true;
        return rc;
    }

    static final int OVERFLOWS = 0, SIGNALS = 1, STALE = 2;

    /** One of the native counters; after close, its value at close. Any thread. */
    long counter(int which) {
        if (pin()) {
            try {
                return which == OVERFLOWS ? LIB.mux_sigio_overflows(handle)
                        : which == SIGNALS ? LIB.mux_sigio_signals(handle) : LIB.mux_sigio_stale(handle);
            } finally {
                unpin();
            }
        }
        while (!released) { // another thread is closing it: the values at close come in a moment
            LockSupport.parkNanos(100_000);
        }
        return which == OVERFLOWS ? overflowsAtClose : which == SIGNALS ? signalsAtClose : staleAtClose;
    }

    /** Registered fds (for tests). */
    int count() {
        if (!pin()) {
            throw new IllegalStateException(name() + " multiplexer is closed");
        }
        try {
            return LIB.mux_sigio_count(handle);
        } finally {
            unpin();
        }
    }

    @Override
    String name() {
        return "SIGNAL";
    }
}
