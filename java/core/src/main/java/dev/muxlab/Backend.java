package dev.muxlab;

import java.util.Locale;

/**
 * The kernel's readiness multiplexers, one name for each way muxlab can watch fds.
 * <ul>
 * <li>{@link #SELECT}: {@code select(2)} with glibc's {@code fd_set}: bitmaps rebuilt and
 * scanned up to the highest fd on every call, fds 0..1023 only.</li>
 * <li>{@link #SELECT_WIDE}: the same system call with bitmaps sized to the highest registered fd
 * (as libevent and libev do): 1024 is glibc's limit, not the kernel's, and the cost follows the
 * highest fd number, not the count.</li>
 * <li>{@link #POLL}: {@code poll(2)}, an array of {@code pollfd} passed and scanned on every call.</li>
 * <li>{@link #EPOLL}: {@code epoll(7)}, interest kept in the kernel, only ready fds returned;
 * level- or edge-triggered ({@link Trigger}), ONESHOT, EXCLUSIVE.</li>
 * <li>{@link #URING}: io_uring's {@code IORING_OP_POLL_ADD}: readiness as completions of poll
 * requests on a submission/completion ring pair shared with the kernel; interest changes are
 * queued and submitted together with the wait, in one {@code io_uring_enter}. Level-triggered by
 * default (one-shot polls re-armed at each await), EDGE (multishot polls) and ONESHOT; no
 * EXCLUSIVE. The completion model io_uring exists for is {@link Ring}.</li>
 * </ul>
 * {@link #id()} is the lower-case name the command line and reports use ({@code "select-wide"}).
 */
public enum Backend {
    SELECT, SELECT_WIDE, POLL, EPOLL, URING;

    private final String id = name().toLowerCase(Locale.ROOT).replace('_', '-');

    /**
     * The name on the command line and in reports: {@code select}, {@code select-wide},
     * {@code poll}, {@code epoll}, {@code uring}.
     */
    public String id() {
        return id;
    }

    /**
     * Whether this backend has all three epoll registration flags (EDGE, ONESHOT, EXCLUSIVE).
     * {@link #URING} has EDGE and ONESHOT but not EXCLUSIVE, so it answers false.
     */
    public boolean hasTriggers() {
        return this == EPOLL;
    }

    /**
     * The backend named {@code id} ({@link #id()}, or the enum constant's name in any case).
     *
     * @throws IllegalArgumentException naming the allowed values
     */
    public static Backend fromId(String id) {
        for (Backend b : values()) {
            if (b.id.equals(id) || b.name().equalsIgnoreCase(id)) {
                return b;
            }
        }
        throw new IllegalArgumentException("unknown backend '" + id + "' (allowed: " + ids() + ")");
    }

    /** The allowed ids, comma-separated, for messages and help texts. */
    public static String ids() {
        StringBuilder sb = new StringBuilder();
        for (Backend b : values()) {
            sb.append(sb.length() == 0 ? "" : ", ").append(b.id);
        }
        return sb.toString();
    }

    @Override
    public String toString() {
        return id;
    }
}
