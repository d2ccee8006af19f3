package dev.muxlab;

/**
 * A reusable holder of completions filled by {@link Ring#submitAndWait}, like {@link ReadySet}
 * for readiness. It owns a native buffer of {@code capacity} completion records, the kernel's
 * {@code struct io_uring_cqe} ({@code { u64 user_data; s32 res; u32 flags; }}, 16 bytes), copied
 * out of the completion queue; reading an entry allocates nothing. One Completions per ring
 * thread.
 * <p>
 * Each entry is one operation's result: {@link #userData} as queued, {@link #result} (what the
 * system call would have returned: a byte count, a new fd, 0, or {@code -errno}) and
 * {@link #flags}: {@link Ring#CQE_F_MORE} when a multishot request stays armed,
 * {@link Ring#CQE_F_BUFFER} with the provided buffer's id in the upper 16 bits.
 */
public final class Completions extends NativeRecords {
    private final int slot = Ring.CQE_SIZE;

    /**
     * @param capacity the most completions one {@link Ring#submitAndWait} may return; at least 1
     * @throws IllegalArgumentException if capacity is not positive
     */
    public Completions(int capacity) {
        super(capacity, Ring.CQE_SIZE, "Completions capacity", "");
    }

    /** The user data of completion {@code i}, as given when the operation was queued. */
    public long userData(int i) {
        checkIndex(i);
        return buffer.getLong(i * slot);
    }

    /** The result of completion {@code i}: {@code >= 0} (bytes, an fd, a mask, 0) or {@code -errno}. */
    public int result(int i) {
        checkIndex(i);
        return buffer.getInt(i * slot + 8);
    }

    /** The flags of completion {@code i} ({@link Ring#CQE_F_MORE}, {@link Ring#CQE_F_BUFFER}, ...). */
    public int flags(int i) {
        checkIndex(i);
        return buffer.getInt(i * slot + 12);
    }

    /** Whether the request of completion {@code i} stays armed (multishot) and will complete again. */
    public boolean hasMore(int i) {
        return (flags(i) & Ring.CQE_F_MORE) != 0;
    }

    /** Whether completion {@code i} names a provided buffer. */
    public boolean hasBuffer(int i) {
        return (flags(i) & Ring.CQE_F_BUFFER) != 0;
    }

    /** The provided buffer holding completion {@code i}'s data ({@code flags >>> 16}), or -1 if none. */
    public int bufferId(int i) {
        int f = flags(i);
        return (f & Ring.CQE_F_BUFFER) != 0 ? f >>> Ring.BUFFER_SHIFT : -1;
    }

    /** Index of the first completion with {@code userData}, or -1. */
    public int indexOf(long userData) {
        for (int i = 0; i < size(); i++) {
            if (buffer.getLong(i * slot) == userData) {
                return i;
            }
        }
        return -1;
    }

    private void checkIndex(int i) {
        checkIndex(i, "completion");
    }

    @Override
    public String toString() {
        StringBuilder sb = new StringBuilder("Completions[");
        for (int i = 0; i < size(); i++) {
            if (i > 0) {
                sb.append(", ");
            }
            int r = result(i);
            sb.append(userData(i)).append('=');
            sb.append(r < 0 ? "-" + Errno.name(-r) : Integer.toString(r));
            if (hasMore(i)) {
                sb.append(" MORE");
            }
            if (hasBuffer(i)) {
                sb.append(" buf ").append(bufferId(i));
            }
        }
        return sb.append(']').toString();
    }
}
