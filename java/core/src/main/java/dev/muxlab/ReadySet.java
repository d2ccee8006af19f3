package dev.muxlab;

import java.nio.ByteBuffer;

/**
 * A reusable buffer of ready (fd, events) entries filled by {@link Multiplexer#await}. It owns a
 * native buffer sized from C ({@code capacity * sizeof(struct epoll_event)}, 12 bytes a slot on
 * x86-64, where the struct is packed) into which the kernel writes and which the shim flattens
 * to (fd, events) pairs; reading an entry allocates nothing. One ReadySet per awaiting thread.
 */
public final class ReadySet {
    private static final int SLOT = 8; // { int32 fd; uint32 events; } after flattening

    private final int capacity;
    private final ByteBuffer buffer; // native, platform order; freed when this object is collected
    private final long address;
    private int size;

    /**
     * @param capacity the most entries one await may return (epoll's {@code maxevents}); at least 1
     * @throws IllegalArgumentException if capacity is not positive (epoll_wait would fail with EINVAL)
     */
    public ReadySet(int capacity) {
        if (capacity <= 0) {
            throw new IllegalArgumentException("ReadySet capacity must be >= 1 (epoll_wait maxevents): " + capacity);
        }
        if (capacity > Integer.MAX_VALUE / Native.READY_SLOT_SIZE) {
            throw new IllegalArgumentException("ReadySet capacity too large: " + capacity);
        }
        this.capacity = capacity;
        this.buffer = Native.allocate(capacity * Native.READY_SLOT_SIZE);
        this.address = Native.address(buffer);
    }

    /** How many entries the last await filled. */
    public int size() {
        return size;
    }

    /** The most entries one await can fill. */
    public int capacity() {
        return capacity;
    }

    /** The fd of entry {@code i} (0 &lt;= i &lt; size()). */
    public int fd(int i) {
        checkIndex(i);
        return buffer.getInt(i * SLOT);
    }

    /** The ready bits of entry {@code i}, a combination of {@link Events} readiness bits. */
    public int events(int i) {
        checkIndex(i);
        return buffer.getInt(i * SLOT + 4);
    }

    /** Index of {@code fd} among the filled entries, or -1. */
    public int indexOf(int fd) {
        for (int i = 0; i < size; i++) {
            if (buffer.getInt(i * SLOT) == fd) {
                return i;
            }
        }
        return -1;
    }

    /** The ready bits reported for {@code fd}, or 0 if it is not among the entries. */
    public int eventsOf(int fd) {
        int i = indexOf(fd);
        return i < 0 ? 0 : buffer.getInt(i * SLOT + 4);
    }

    /** Empties the set (await does this itself). */
    public void clear() {
        size = 0;
    }

    long address() {
        return address;
    }

    void setSize(int n) {
        size = n;
    }

    private void checkIndex(int i) {
        if (i < 0 || i >= size) {
            throw new IndexOutOfBoundsException("entry " + i + " of " + size);
        }
    }

    @Override
    public String toString() {
        StringBuilder sb = new StringBuilder("ReadySet[");
        for (int i = 0; i < size; i++) {
            if (i > 0) {
                sb.append(", ");
            }
            sb.append(fd(i)).append('=').append(Events.toString(events(i)));
        }
        return sb.append(']').toString();
    }
}
