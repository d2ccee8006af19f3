package dev.muxlab.lab;

import java.util.Arrays;

/**
 * Tables indexed by fd number. The kernel hands out the lowest free fd, so a table as long as
 * the highest fd + 1 stays dense; it grows by doubling, at most O(log n) times.
 */
public final class FdTables {
    private FdTables() {
    }

    /** {@code table} itself if it has a slot for {@code fd}, else a doubled copy that has. */
    public static <T> T[] fit(T[] table, int fd) {
        return fd < table.length ? table : Arrays.copyOf(table, sizeFor(table.length, fd));
    }

    /** The int[] flavour of {@link #fit(Object[], int)}; new slots are 0. */
    public static int[] fit(int[] table, int fd) {
        return fd < table.length ? table : Arrays.copyOf(table, sizeFor(table.length, fd));
    }

    /** The long[] flavour of {@link #fit(Object[], int)}; new slots are 0. */
    public static long[] fit(long[] table, int fd) {
        return fd < table.length ? table : Arrays.copyOf(table, sizeFor(table.length, fd));
    }

    private static int sizeFor(int length, int fd) {
        int n = Math.max(1, length);
        while (n <= fd) {
            n *= 2;
        }
        return n;
    }
}
