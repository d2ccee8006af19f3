package dev.muxlab.lab;

/**
 * The range checks of the lab's settings ({@code LoadConfig}, {@code ServerConfig}): each throws
 * IllegalArgumentException naming the setting (as its CLI option, without the dashes), the allowed
 * range and the value, e.g. {@code "connections must be in [1, 1000000]: 0"}.
 */
public final class Ranges {
    private Ranges() {
    }

    /** Checks lo &lt;= v &lt;= hi. */
    public static void check(String name, long v, long lo, long hi) {
        if (v < lo || v > hi) {
            throw new IllegalArgumentException(name + " must be in [" + lo + ", " + hi + "]: " + v);
        }
    }

    /** Checks a time in milliseconds, lo &lt;= ms &lt;= hi, written with units in the message. */
    public static void millis(String name, long ms, long lo, long hi) {
        if (ms < lo || ms > hi) {
            throw new IllegalArgumentException(name + " must be in [" + millisText(lo) + ", " + millisText(hi) + "]: "
                    + millisText(ms));
        }
    }

    /**
     * Checks a time in milliseconds that 0 turns off: 0, or 1 ms up to hi.
     */
    public static void millisOrOff(String name, long ms, long hi) {
        if (ms != 0 && (ms < 1 || ms > hi)) {
            throw new IllegalArgumentException(name + " must be 0 (off) or in [1ms, " + millisText(hi) + "]: "
                    + millisText(ms));
        }
    }

    /** Milliseconds as the CLI writes them, in the largest unit that is exact: 0, 250ms, 10s, 60m. */
    public static String millisText(long ms) {
        if (ms == 0) {
            return "0";
        }
        if (ms % 60_000 == 0) {
            return ms / 60_000 + "m";
        }
        if (ms % 1_000 == 0) {
            return ms / 1_000 + "s";
        }
        return ms + "ms";
    }
}
