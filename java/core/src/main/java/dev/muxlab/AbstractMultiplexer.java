package dev.muxlab;

import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;

/**
 * Shared lifecycle of the backends: a native handle, a count of calls in flight so that
 * close never frees native state under a running call, and, for backends whose interest set
 * lives in user space, a guard that refuses overlapping calls instead of racing.
 */
abstract class AbstractMultiplexer implements Multiplexer {
    static final Native.LibMuxlab LIB = Native.LIB;

    final long handle;
    private final boolean exclusive;
    private final AtomicInteger inflight = new AtomicInteger();
    private final AtomicBoolean busy = new AtomicBoolean();
    private volatile boolean closed;

    AbstractMultiplexer(long handle, boolean exclusive) {
        this.handle = handle;
        this.exclusive = exclusive;
    }

    abstract int ctl0(int op, int fd, int events);

    abstract int wait0(long address, int capacity, long timeoutMillis);

    abstract int wakeup0();

    abstract int close0();

    abstract String name();

    /** Throws IllegalArgumentException for bits this backend cannot express. */
    abstract void checkEvents(int events, boolean register);

    /**
     * Throws IllegalStateException when the calling thread may not register, modify, unregister
     * or await (SIGNAL: only its owner thread may). Called before the closed check.
     */
    void checkCaller(String op) {
    }

    @Override
    public final void register(int fd, int events) throws NativeException {
        checkEvents(events, true);
        ctl(Native.CTL_ADD, fd, events);
    }

    @Override
    public final void modify(int fd, int events) throws NativeException {
        checkEvents(events, false);
        ctl(Native.CTL_MOD, fd, events);
    }

    @Override
    public final void unregister(int fd) throws NativeException {
        ctl(Native.CTL_DEL, fd, 0);
    }

    private void ctl(int op, int fd, int events) throws NativeException {
        checkCaller(op == Native.CTL_ADD ? "register" : op == Native.CTL_MOD ? "modify" : "unregister");
        enter();
        int rc;
        try {
            rc = ctl0(op, fd, events);
        } finally {
            exit();
        }
        if (rc < 0) {
            throw ctlError(-rc, op, fd, events);
        }
    }

    NativeException ctlError(int errno, int op, int fd, int events) {
        String opName = op == Native.CTL_ADD ? "register" : op == Native.CTL_MOD ? "modify" : "unregister";
        if (errno == Native.EFDSETSIZE) {
            return new FdSetSizeException(fd, name() + " " + opName);
        }
        return NativeException.of(errno, name() + " " + opName + "(fd " + fd
                + (op == Native.CTL_DEL ? "" : ", " + Events.toString(events)) + ")");
    }

    @Override
    public final int await(ReadySet out, long timeoutMillis) throws NativeException {
        if (out == null) {
            throw new NullPointerException("ReadySet");
        }
        out.setSize(0);
        checkCaller("await");
        enter();
        int n;
        try {
            n = wait0(out.address(), out.capacity(), timeoutMillis);
        } finally {
            exit();
        }
        if (n < 0) {
            throw NativeException.of(-n, name() + " await");
        }
        out.setSize(n);
        return n;
    }

    @Override
    public final void wakeup() {
        // counted as in flight so close cannot free the handle under us
        inflight.incrementAndGet();
        try {
            if (!closed) {
                wakeup0();
            }
        } finally {
            inflight.decrementAndGet();
        }
    }

    @Override
    public final boolean isOpen() {
        return !closed;
    }

    @Override
    public final void close() {
        synchronized (this) {
            if (closed) {
                return;
            }
            closed = true;
        }
        // wake any await in progress and wait until every call has left the native code
        while (inflight.get() > 0) {
            wakeup0();
            LockSupport.parkNanos(200_000);
        }
        close0();
    }

    /**
     * Keeps the native state alive for a diagnostic read from any thread: true if open (then
     * {@link #unpin()} must follow), false once closed. close waits for pinned readers.
     */
    final boolean pin() {
        inflight.incrementAndGet();
        if (closed) {
            inflight.decrementAndGet();
            return false;
        }
        return true;
    }

    final void unpin() {
        inflight.decrementAndGet();
    }

    private void enter() {
        inflight.incrementAndGet();
        if (closed) {
            inflight.decrementAndGet();
            throw new IllegalStateException(name() + " multiplexer is closed");
        }
        if (exclusive && !busy.compareAndSet(false, true)) {
            inflight.decrementAndGet();
            throw new IllegalStateException(name() + ": another thread is in await or an interest change;"
                    + " SELECT, POLL and URING allow one thread at a time (change interest from the awaiting"
                    + " thread, or wakeup() it first)");
        }
    }

    private void exit() {
        if (exclusive) {
            busy.set(false);
        }
        inflight.decrementAndGet();
    }

    static int wrapOpen(long rc, String what) throws NativeException {
        if (rc < 0) {
            throw NativeException.of((int) -rc, what);
        }
        return 0;
    }

    @Override
    public String toString() {
        return name() + (closed ? "[closed]" : "[open]");
    }
}
