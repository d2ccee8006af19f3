package dev.muxlab.lab.server;

import java.io.IOException;

import dev.muxlab.Fds;
import dev.muxlab.Sockets;

/**
 * libuv's reserved-fd trick for EMFILE on accept, shared by every server model. A spare fd is
 * held open; when accept fails because the process is at its fd limit, the spare is closed, one
 * pending connection is accepted into the freed slot and closed at once, and the spare is
 * reopened. Each call drops at most one pending connection, so a level-triggered listener makes
 * progress instead of spinning.
 * <p>
 * At the fd limit {@code accept4} fails with EMFILE before it looks at the queue, so EMFILE does
 * not mean a connection is waiting: {@link #shed} says whether one was, and callers stop
 * accepting when it was not.
 */
final class ReservedFd implements AutoCloseable {
    private int fd;

    ReservedFd() throws IOException {
        fd = Fds.eventFd();
    }

    /** Whether the spare fd is held (false if it could not be reopened after a shed). */
    boolean held() {
        return fd >= 0;
    }

    /**
     * Drops one pending connection using the spare fd's slot and reserves again.
     *
     * @return true if a connection was accepted and closed; false if none was pending, or the
     *         spare was not held (then only its reopening is tried)
     */
    boolean shed(int listenFd, ServerStats stats) {
        if (fd < 0) {
            reopen();
            return false;
        }
        Fds.closeQuietly(fd);
        fd = -1;
        boolean shed = false;
        try {
            int c = Sockets.accept(listenFd, true);
            if (c >= 0) {
                Fds.closeQuietly(c);
                stats.closed.increment();
                shed = true;
            }
        } catch (IOException ignored) {
            // still out of fds (ENFILE), or the connection vanished
        }
        reopen();
        return shed;
    }

    /** Reserves the spare again if it is not held. */
    void reopen() {
        if (fd < 0) {
            try {
                fd = Fds.eventFd();
            } catch (IOException e) {
                fd = -1;
            }
        }
    }

    @Override
    public void close() {
        Fds.closeQuietly(fd);
        fd = -1;
    }
}
