package dev.muxlab.lab.server;

import java.io.IOException;
import java.util.function.Consumer;

import dev.muxlab.Errno;
import dev.muxlab.Fds;
import dev.muxlab.Sockets;

/**
 * The accept step every server model shares: accept4, the errno triage, the connection cap, and
 * libuv's reserved-fd trick for EMFILE.
 * <p>
 * A spare fd is held open. When accept fails because the process is at its fd limit, the spare
 * is closed, one pending connection is accepted into the freed slot, and the spare is reopened.
 * If the spare cannot be reopened the process is still at its limit, so that connection is
 * closed at once (shed): the client sees a close instead of hanging in the backlog, and a
 * level-triggered listener makes progress instead of spinning. If the spare can be reopened, an
 * fd was freed meanwhile (a connection closed), so the connection is kept and served.
 * <p>
 * At the fd limit {@code accept4} fails with EMFILE before it looks at the queue, so EMFILE does
 * not mean a connection is waiting; {@link #next} says {@link #AT_LIMIT} when none was. The
 * path allocates nothing and throws nothing (a flood at the limit fails on every call). One
 * instance per accepting thread.
 */
final class Acceptor implements AutoCloseable {
    /** Nothing pending (non-blocking listener), also when at the fd limit. */
    static final int DRAINED = -1;
    /** A pending connection was dropped (fd limit or connection cap); call again. */
    static final int DROPPED = -2;
    /** That connection vanished before it was accepted (ECONNABORTED, ...); call again. */
    static final int RETRY = -3;
    /** accept failed in a way that repeating at once would not fix; wait before calling again. */
    static final int BACKOFF = -4;
    /** EINVAL: the socket is no longer listening (shut down to stop the server). Not counted. */
    static final int NOT_LISTENING = -5;
    /**
     * At the fd limit with nothing left to shed: no connection was pending, or the spare's slot
     * could not be taken back. An event loop pauses its listener ({@link AcceptPause}); a
     * blocking one waits before calling again.
     */
    static final int AT_LIMIT = -6;

    private final int listenFd;
    private final boolean nonBlockingConnections;
    private final ServerConfig cfg;
    private final ServerStats stats;
    private final Consumer<String> log;
    private int spare;

    /**
     * @param nonBlockingConnections whether accepted fds get O_NONBLOCK
     * @param log where unexpected accept errors are reported
     */
    Acceptor(int listenFd, boolean nonBlockingConnections, ServerConfig cfg, ServerStats stats,
            Consumer<String> log) throws IOException {
        this.listenFd = listenFd;
        this.nonBlockingConnections = nonBlockingConnections;
        this.cfg = cfg;
        this.stats = stats;
        this.log = log;
        this.spare = Fds.eventFd();
    }

    /**
     * Accepts the next connection to serve.
     *
     * @return its fd (counted in {@code accepted}), or {@link #DRAINED}, {@link #DROPPED},
     *         {@link #RETRY}, {@link #BACKOFF}, {@link #NOT_LISTENING}, {@link #AT_LIMIT}
     */
    int next() {
        if (spare < 0) {
            reopen(); // a BACKOFF ago the spare could not be reopened
        }
        int c = Sockets.tryAccept(listenFd, nonBlockingConnections);
        if (c >= 0) {
            return admit(c);
        }
        int e = -c;
        if (e == Errno.EAGAIN) {
            return DRAINED;
        }
        if (e == Errno.EMFILE || e == Errno.ENFILE) {
            stats.acceptFdLimit.increment();
            return atFdLimit();
        }
        if (e == Errno.ECONNABORTED || e == Errno.EPROTO || e == Errno.EPERM || e == Errno.EINTR) {
            return RETRY;
        }
        if (e == Errno.EINVAL) {
            return NOT_LISTENING;
        }
        stats.errors.increment();
        log.accept("accept failed: " + Errno.name(e));
        return BACKOFF;
    }

    private int admit(int c) {
        stats.accepted.increment();
        if (stats.active.get() >= cfg.maxConnections) {
            stats.rejectedMaxConnections.increment();
            Fds.closeQuietly(c);
            return DROPPED;
        }
        return c;
    }

    /** EMFILE: take one pending connection in the spare's slot; keep it only if room appeared. */
    private int atFdLimit() {
        if (spare < 0) {
            return AT_LIMIT; // no slot to borrow (next() just failed to reopen the spare)
        }
        Fds.closeQuietly(spare);
        spare = -1;
        // ENFILE (the system is out of files) or the connection vanished: nothing to shed
        int c = Sockets.tryAccept(listenFd, nonBlockingConnections);
        reopen();
        if (c < 0) {
            return AT_LIMIT; // nothing pending to shed
        }
        if (spare >= 0) {
            return admit(c); // an fd was freed meanwhile: this one can be served
        }
        Fds.closeQuietly(c); // still at the limit: shed it, and take its slot back
        stats.closed.increment();
        reopen();
        return spare < 0 ? AT_LIMIT : DROPPED;
    }

    /**
     * Reopens the spare if it was lost (its slot taken by another thread between its close and
     * its reopen); true when it is held. An io_uring loop calls this before arming the kernel's
     * accept, which would otherwise take the next freed slot first and leave the spare lost for
     * as long as the process stays at its limit.
     */
    boolean reclaimSpare() {
        reopen();
        return spare >= 0;
    }

    private void reopen() {
        if (spare < 0) {
            int fd = Fds.tryEventFd();
            spare = fd >= 0 ? fd : -1;
        }
    }

    @Override
    public void close() {
        Fds.closeQuietly(spare);
        spare = -1;
    }
}
