package dev.muxlab;

/**
 * A reusable buffer of ready (fd, events) entries filled by {@link Multiplexer#await}. It owns a
 * native buffer sized from C ({@code capacity * sizeof(struct epoll_event)}, 12 bytes a slot on
 * x86-64, where the struct is packed) into which the kernel writes and which the shim flattens
 * to (fd, events) pairs; reading an entry allocates nothing. One ReadySet per awaiting thread.
 */
public final class ReadySet extends NativeRecords {
    private static final int SLOT = 8; // { int32 fd; uint32 events; } after flattening

    /**
     * @param capacity the most entries one await may return (epoll's {@code maxevents}); at least 1
     * @throws IllegalArgumentException if capacity is not positive (epoll_wait would fail with EINVAL)
     */
    public ReadySet(int capacity) {
        super(capacity, Native.READY_SLOT_SIZE, "ReadySet capacity", " (epoll_wait maxevents)");
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
        for (int i = 0; i < size(); i++) {
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

    private void checkIndex(int i) {
        checkIndex(i, "entry");
    }

    @Override
    public String toString() {
        StringBuilder sb = new StringBuilder("ReadySet[");
        for (int i = 0; i < size(); i++) {
            if (i > 0) {
                sb.append(", ");
            }
            sb.append(fd(i)).append('=').append(Events.toString(events(i)));
        }
        return sb.append(']').toString();
    }
}
