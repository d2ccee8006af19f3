package dev.muxlab.lab.server;

import java.util.concurrent.atomic.LongAdder;

/**
 * When an event loop stops watching its listener, and for how long: the reactors', nio's and
 * uring's answer to a listener at the fd limit (the way nginx disables accept events for a while).
 * <p>
 * When accept fails with EMFILE/ENFILE and nothing is left to shed ({@link Acceptor#AT_LIMIT}),
 * or fails in a way that repeating would not fix, the loop stops watching the listener for a
 * pause of 10 ms, doubling with each pause that follows without a connection admitted in
 * between, up to 1 s (the config's {@code acceptPauseFirstMillis}, {@code acceptPauseMaxMillis});
 * an admitted connection makes the next pause
 * short again. The pause ends early when one of the loop's connections closes (an fd was
 * freed). While paused, new connections wait in the backlog instead of waking the loop one by
 * one to be shed; once it ends, the loop sheds (or, with room, serves) them in one go. Each pause
 * is counted in {@link ServerStats#acceptPauses}.
 * <p>
 * Holds only the state and the arithmetic; the loop does the stopping and re-arming in its own
 * terms (an interest change, a selection key, an io_uring accept). One per loop thread; not
 * thread-safe; allocates nothing.
 */
final class AcceptPause {
    /** {@link #until} when no pause is in progress. */
    static final long NONE = Long.MAX_VALUE;

    private final LongAdder counter;
    /** The first pause after an admitted connection, and the longest, in ns. */
    private final long first;
    private final long max;
    private long next;
    private long until = NONE;

    AcceptPause(ServerConfig cfg, ServerStats stats) {
        this.counter = stats.acceptPauses;
        this.first = Math.max(1, cfg.acceptPauseFirstMillis) * 1_000_000L;
        this.max = Math.max(first, cfg.acceptPauseMaxMillis * 1_000_000L);
        this.next = first;
    }

    /**
     * Starts a pause at {@code now} ({@link System#nanoTime}) unless one is in progress.
     *
     * @return true when a pause started (the caller stops watching its listener)
     */
    boolean begin(long now) {
        if (until != NONE) {
            return false;
        }
        until = now + next;
        next = Math.min(max, next * 2);
        counter.increment();
        return true;
    }

    /** Whether a pause is in progress. */
    boolean paused() {
        return until != NONE;
    }

    /** When the pause in progress ends (nanoTime), {@link #NONE} when none is. */
    long until() {
        return until;
    }

    /** The pause in progress, in whole milliseconds rounded up (0 when none is). */
    long millisLeft(long now) {
        if (until == NONE) {
            return 0;
        }
        long left = until - now;
        return left <= 0 ? 0 : (left + 999_999) / 1_000_000;
    }

    /**
     * Ends the pause in progress: its time is up, or an fd was freed.
     *
     * @return true when one was in progress (the caller watches its listener again)
     */
    boolean end() {
        if (until == NONE) {
            return false;
        }
        until = NONE;
        return true;
    }

    /** A connection was admitted: the next pause is the first one's length again. */
    void admitted() {
        next = first;
    }
}
