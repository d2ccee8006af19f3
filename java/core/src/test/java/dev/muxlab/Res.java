package dev.muxlab;

import java.io.IOException;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;

/**
 * The fds and multiplexers one test opened, closed in {@link #close()} (use it in
 * try-with-resources). An fd the test closes itself must go through {@link #close(int)} (or be
 * {@link #forget(int) forgotten}) so that cleanup never closes a number the JVM may have reused.
 */
final class Res implements AutoCloseable {
    private final LinkedHashSet<Integer> fds = new LinkedHashSet<>();
    private final List<Multiplexer> muxes = new ArrayList<>();

    int[] socketPair() throws IOException {
        return track(Fds.socketPair());
    }

    int[] socketPair(boolean nonBlocking) throws IOException {
        return track(Fds.socketPair(nonBlocking));
    }

    /** [0] read end, [1] write end. */
    int[] pipe() throws IOException {
        return track(Fds.pipe());
    }

    int eventFd() throws IOException {
        return track(Fds.eventFd());
    }

    int eventFd(int initial) throws IOException {
        return track(Fds.eventFd(initial));
    }

    int dup(int fd) throws IOException {
        return track(Fds.dup(fd));
    }

    int track(int fd) {
        if (fd < 0) {
            throw new IllegalArgumentException("not an fd: " + fd);
        }
        if (!fds.add(fd)) {
            throw new IllegalStateException("fd " + fd + " tracked twice");
        }
        return fd;
    }

    int[] track(int[] pair) {
        track(pair[0]);
        track(pair[1]);
        return pair;
    }

    Multiplexer mux(Flavour f) {
        Multiplexer m = f.open();
        muxes.add(m);
        return m;
    }

    Multiplexer mux(Backend b) {
        return mux(Flavour.of(b));
    }

    private final List<Integer> spacers = new ArrayList<>();

    /**
     * Opens {@code k} placeholder fds. Open the fds a test will close and then reuse by number
     * after this, then call {@link #releaseSpacers()}: the freed placeholders are lower free
     * numbers, so a transient open by another JVM thread takes one of them instead of the number
     * the test just closed (fds are always allocated lowest-free-first).
     */
    void openSpacers(int k) throws IOException {
        for (int i = 0; i < k; i++) {
            spacers.add(eventFd());
        }
    }

    void releaseSpacers() throws IOException {
        for (int fd : spacers) {
            close(fd);
        }
        spacers.clear();
    }

    /** Closes a tracked fd now (the close itself must succeed). */
    void close(int fd) throws IOException {
        if (!fds.remove(fd)) {
            throw new IllegalStateException("fd " + fd + " is not tracked");
        }
        Fds.close(fd);
    }

    /** Stops tracking an fd that was closed some other way. */
    void forget(int fd) {
        fds.remove(fd);
    }

    @Override
    public void close() {
        for (Multiplexer m : muxes) {
            m.close();
        }
        muxes.clear();
        for (int fd : fds) {
            Fds.closeQuietly(fd);
        }
        fds.clear();
    }
}
