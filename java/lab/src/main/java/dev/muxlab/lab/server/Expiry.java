package dev.muxlab.lab.server;

import dev.muxlab.lab.Proto;

/**
 * The idle and header timeouts as the event-loop servers (the reactors, {@code nio},
 * {@code uring}) apply them: how often a sweep runs, and whether a connection has expired by
 * the time a sweep slice looks at it (counted in {@code idleClosed} or {@code headerTimeouts}).
 * A connection expires when nothing moved for the idle timeout ({@code lastActive}), or, HTTP
 * only, when an incomplete request header has been waiting for the header timeout
 * ({@code partialSince}, {@link #NONE} when none is held). One per loop thread; allocates nothing.
 */
final class Expiry {
    /** A {@code partialSince} that never expires: no incomplete request is held. */
    static final long NONE = Long.MAX_VALUE;
    private static final long MS = 1_000_000L;

    private final ServerStats stats;
    private final long idleNanos;
    /** HTTP header timeout in ms; 0 when off (echo, or disabled). */
    final long headerTimeoutMillis;
    /** Sweep period in ms: half the shorter timeout, within 10 ms .. 1 s; 0 when no timeout is on. */
    final long periodMillis;
    private long idleLimit = Long.MIN_VALUE;
    private long headerLimit = Long.MIN_VALUE;

    Expiry(ServerConfig cfg, ServerStats stats) {
        this.stats = stats;
        long idle = Math.max(0, cfg.idleTimeoutMillis);
        this.idleNanos = idle * MS;
        this.headerTimeoutMillis = cfg.proto == Proto.HTTP ? Math.max(0, cfg.headerTimeoutMillis) : 0;
        long shorter = idle <= 0 ? headerTimeoutMillis
                : headerTimeoutMillis <= 0 ? idle : Math.min(idle, headerTimeoutMillis);
        this.periodMillis = shorter > 0 ? Math.max(10, Math.min(1000, shorter / 2)) : 0;
    }

    /** Starts a slice of a sweep at {@code now} (nanoTime): the limits {@link #expired} compares with. */
    void slice(long now) {
        idleLimit = idleNanos > 0 ? now - idleNanos : Long.MIN_VALUE;
        headerLimit = headerTimeoutMillis > 0 ? now - headerTimeoutMillis * MS : Long.MIN_VALUE;
    }

    /**
     * Whether a connection has expired at the current slice's time; counts it as idle or as a
     * header timeout when it has (the caller closes it).
     */
    boolean expired(long lastActive, long partialSince) {
        if (lastActive < idleLimit) {
            stats.idleClosed.increment();
            return true;
        }
        if (partialSince < headerLimit) {
            stats.headerTimeouts.increment();
            return true;
        }
        return false;
    }
}
