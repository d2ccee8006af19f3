package dev.muxlab;

import java.nio.ByteBuffer;

/**
 * The part {@link ReadySet} and {@link Completions} share: a native buffer of {@code capacity}
 * fixed-size records that a shim call fills, the count it filled, and the bounds check of a read.
 * Allocated once; reading a record allocates nothing.
 */
abstract class NativeRecords {
    private final int capacity;
    /** Native, platform order; freed when the owner is collected. */
    final ByteBuffer buffer;
    private final long address;
    private int size;

    /**
     * @param capacity the most records one call may fill; at least 1
     * @param recordBytes the size of one record in the native buffer
     * @param what the owner's name for messages, e.g. "ReadySet capacity"
     * @param why what a capacity below 1 would break, for the message
     */
    NativeRecords(int capacity, int recordBytes, String what, String why) {
        if (capacity <= 0) {
            throw new IllegalArgumentException(what + " must be >= 1" + why + ": " + capacity);
        }
        if (capacity > Integer.MAX_VALUE / recordBytes) {
            throw new IllegalArgumentException(what + " too large: " + capacity);
        }
        this.capacity = capacity;
        this.buffer = Native.allocate(capacity * recordBytes);
        this.address = Native.address(buffer);
    }

    /** How many records the last call filled. */
    public final int size() {
        return size;
    }

    /** The most records one call can fill. */
    public final int capacity() {
        return capacity;
    }

    /** Empties the holder (the filling call does this itself). */
    public final void clear() {
        size = 0;
    }

    final long address() {
        return address;
    }

    final void setSize(int n) {
        size = n;
    }

    /** @throws IndexOutOfBoundsException unless {@code 0 <= i < size()}, naming the record as {@code noun} */
    final void checkIndex(int i, String noun) {
        if (i < 0 || i >= size) {
            throw new IndexOutOfBoundsException(noun + " " + i + " of " + size);
        }
    }
}
