package dev.muxlab.lab.load;

import java.util.Map;
import java.util.TreeMap;

import dev.muxlab.Errno;

/**
 * Failures of one load thread counted by errno, the int the kernel reported, plus two codes of
 * the load generator's own ({@link #EOF}, {@link #PROTOCOL}). Names are for display only
 * ({@link #byName()}). Confined to its thread while the run lasts; the generator merges the
 * threads' tallies after joining them.
 * <p>
 * Counting an errno seen before allocates nothing (the kernel's errnos are small, so their boxed
 * keys come from the Integer cache).
 */
public final class ErrorTally {
    /** Not an errno: the peer closed the connection (read returned end of stream). */
    public static final int EOF = -1;
    /** Not an errno: an HTTP response that could not be parsed, or one for a request never sent. */
    public static final int PROTOCOL = -2;

    private final TreeMap<Integer, long[]> counts = new TreeMap<>();

    /** Counts one failure with {@code code}: an errno, {@link #EOF} or {@link #PROTOCOL}. */
    void count(int code) {
        long[] c = counts.get(code);
        if (c == null) {
            c = new long[1];
            counts.put(code, c);
        }
        c[0]++;
    }

    /** Adds every count of {@code other} to this tally. */
    void addAll(ErrorTally other) {
        other.counts.forEach((code, c) -> counts.computeIfAbsent(code, k -> new long[1])[0] += c[0]);
    }

    /** How many failures carried {@code code}. */
    public long get(int code) {
        long[] c = counts.get(code);
        return c == null ? 0 : c[0];
    }

    public boolean isEmpty() {
        return counts.isEmpty();
    }

    /** Every count by its display name (ECONNREFUSED, EOF, PROTOCOL, ...), sorted by name. */
    public Map<String, Long> byName() {
        Map<String, Long> m = new TreeMap<>();
        counts.forEach((code, c) -> m.merge(name(code), c[0], Long::sum));
        return m;
    }

    /** The display name of a code: the errno's symbolic name, or EOF, or PROTOCOL. */
    public static String name(int code) {
        if (code == EOF) {
            return "EOF";
        }
        if (code == PROTOCOL) {
            return "PROTOCOL";
        }
        return Errno.name(code);
    }

    /** Whether a connection that failed with {@code code} was ended by its peer: EOF, ECONNRESET or EPIPE. */
    static boolean closedByPeer(int code) {
        return code == EOF || code == Errno.ECONNRESET || code == Errno.EPIPE;
    }

    @Override
    public String toString() {
        return byName().toString();
    }
}
