package dev.muxlab.lab.load;

import java.util.function.IntConsumer;

import dev.muxlab.Errno;
import dev.muxlab.Events;
import dev.muxlab.Fds;
import dev.muxlab.Multiplexer;
import dev.muxlab.NativeException;
import dev.muxlab.Sockets;
import dev.muxlab.lab.FdTables;

/**
 * How every load thread ({@link LoadWorker}, {@link SlowLoris}) opens its connections: a
 * non-blocking socket (TCP_NODELAY when configured), {@code connect(2)}, one registration with
 * the thread's edge-triggered epoll instance for {@link #EVENTS} (never modified afterwards),
 * completion on the first report that includes WRITE, ERR or HUP, and a connect timeout
 * ({@link LoadConfig#connectTimeoutMillis}, counted as ETIMEDOUT).
 * <p>
 * Every failed connect is counted once, by errno, in the thread's {@link ErrorTally} and in
 * {@link #failures()}. The owner keeps its own fd-to-connection table and closes the fds it was
 * handed that then failed; the dialer only remembers which fds are still connecting, and until
 * when. Confined to the owner's thread.
 */
final class Dialer {
    /** What each load connection is registered for, once: edge-triggered, never modified. */
    static final int EVENTS = Events.READ | Events.WRITE | Events.RDHUP | Events.EDGE;

    /** {@link #complete}: the report says nothing about the connect yet. */
    static final int WAITING = 0;
    /** {@link #complete}: the connection is established. */
    static final int CONNECTED = 1;
    /** {@link #complete}: the connect failed (counted); the owner closes the fd. */
    static final int FAILED = 2;

    /** How often connects in progress are checked against their deadline. */
    private static final long SCAN_NANOS = 20_000_000L;

    private final Multiplexer mux;
    private final ErrorTally tally;
    private final int address;
    private final int port;
    private final boolean noDelay;
    private final long timeoutNanos;
    /** Deadline of the connect in progress on each fd; 0: none. */
    private long[] deadlines = new long[1024];
    private int highestFd = -1;
    private int inProgress;
    private long failures;
    private long lastScan = System.nanoTime();

    Dialer(LoadConfig cfg, Multiplexer mux, ErrorTally tally) {
        this.mux = mux;
        this.tally = tally;
        this.address = cfg.targetAddress;
        this.port = cfg.targetPort;
        this.noDelay = cfg.noDelay;
        this.timeoutNanos = cfg.connectTimeoutMillis * 1_000_000L;
    }

    /**
     * Starts a connect at {@code now}: returns the fd, registered with the multiplexer and either
     * established at once or {@link #connecting}; or -1 when the connect failed (counted).
     */
    int dial(long now) {
        int fd;
        try {
            fd = Sockets.tcpSocket(true);
        } catch (NativeException e) {
            failed(e.errno());
            return -1;
        }
        boolean done;
        boolean handedOut = false;
        try {
            if (noDelay) {
                Sockets.setTcpNoDelay(fd, true);
            }
            done = Sockets.connect(fd, address, port);
            mux.register(fd, EVENTS);
            handedOut = true;
        } catch (NativeException e) {
            failed(e.errno());
            return -1;
        } finally {
            if (!handedOut) {
                Fds.closeQuietly(fd);
            }
        }
        if (!done) {
            deadlines = FdTables.fit(deadlines, fd);
            long deadline = now + timeoutNanos;
            deadlines[fd] = deadline == 0 ? 1 : deadline;
            highestFd = Math.max(highestFd, fd);
            inProgress++;
        }
        return fd;
    }

    /** Whether a connect is in progress on fd. */
    boolean connecting(int fd) {
        return fd >= 0 && fd < deadlines.length && deadlines[fd] != 0;
    }

    /** Connects in progress. */
    int inProgress() {
        return inProgress;
    }

    /** Connects that failed so far: refused, timed out, EMFILE, ... */
    long failures() {
        return failures;
    }

    /**
     * A readiness report for fd, which is {@link #connecting}: {@link #WAITING},
     * {@link #CONNECTED}, or {@link #FAILED} (counted by errno; the owner closes fd).
     */
    int complete(int fd, int events) {
        if ((events & (Events.WRITE | Events.ERR | Events.HUP)) == 0) {
            return WAITING;
        }
        forget(fd);
        try {
            Sockets.finishConnect(fd);
            return CONNECTED;
        } catch (NativeException e) {
            failed(e.errno());
            return FAILED;
        }
    }

    /**
     * Fails every connect in progress whose deadline has passed, as ETIMEDOUT, and hands its fd
     * to {@code timedOut} (which closes it). Looks at most every 20 ms; cheap to call per loop.
     */
    void expire(long now, IntConsumer timedOut) {
        if (inProgress == 0 || now - lastScan < SCAN_NANOS) {
            return;
        }
        lastScan = now;
        for (int fd = 0; fd <= highestFd && inProgress > 0; fd++) {
            long d = deadlines[fd];
            if (d != 0 && now - d >= 0) {
                forget(fd);
                failed(Errno.ETIMEDOUT);
                timedOut.accept(fd);
            }
        }
    }

    /** Drops fd's connect in progress, if any (its owner closes it for another reason). */
    void forget(int fd) {
        if (connecting(fd)) {
            deadlines[fd] = 0;
            inProgress--;
        }
    }

    private void failed(int errno) {
        failures++;
        tally.count(errno);
    }
}
