package dev.muxlab;

import java.util.Locale;

/**
 * The kernel's readiness mechanisms, one name for each way muxlab can watch fds.
 * <ul>
 * <li>{@link #SELECT}: {@code select(2)} with glibc's {@code fd_set}: bitmaps rebuilt and
 * scanned up to the highest fd on every call, fds 0..1023 only.</li>
 * <li>{@link #SELECT_WIDE}: the same system call with bitmaps sized to the highest registered fd
 * (as libevent and libev do): 1024 is glibc's limit, not the kernel's, and the cost follows the
 * highest fd number, not the count.</li>
 * <li>{@link #POLL}: {@code poll(2)}, an array of {@code pollfd} passed and scanned on every call.</li>
 * <li>{@link #EPOLL}: {@code epoll(7)}, interest kept in the kernel, only ready fds returned;
 * level- or edge-triggered ({@link Trigger}), ONESHOT, EXCLUSIVE.</li>
 * <li>{@link #SIGNAL}: signal-driven IO: {@code O_ASYNC} makes the kernel queue a real-time
 * signal per readiness change to one thread, which reads them from a {@code signalfd}.
 * Edge-triggered only ({@link Events#EDGE} is required), and the thread that opens it is the only
 * one that may register and await; see {@link SignalIo}.</li>
 * <li>{@link #URING}: io_uring's {@code IORING_OP_POLL_ADD}: readiness as completions of poll
 * requests on a submission/completion ring pair shared with the kernel; interest changes are
 * queued and submitted together with the wait, in one {@code io_uring_enter}. The completion
 * model io_uring exists for is {@link Ring}. Flags: READ, PRI, WRITE, RDHUP, ERR, HUP as interest
 * (ERR and HUP always reported, RDHUP only when asked for); level-triggered by default (one-shot
 * polls re-armed at each await: the kernel refuses {@code IORING_POLL_ADD_LEVEL}), {@link
 * Events#EDGE} (multishot polls) and {@link Events#ONESHOT} (one-shot polls re-armed by modify);
 * {@link Events#EXCLUSIVE} throws {@link IllegalArgumentException}. Where it differs from epoll: an
 * EDGE report carries the events the wake-up named (data arriving on a writable socket is READ,
 * not READ|WRITE), and a socket's data wake-up also names PRI; the registration follows the fd
 * number and a poll request holds the open file, so a registered fd that is closed stays open for
 * the kernel (its peer sees no hang-up) until unregister, and is reported {@link Events#NVAL} once
 * its poll must be re-armed on the closed number; a regular file is always ready (epoll: EPERM).
 * Level-triggered and ONESHOT reports are the file's current state, as epoll's are (completions
 * that may be stale are polled again before being reported). Needs Linux 5.11
 * ({@code IORING_FEAT_EXT_ARG}); where io_uring is missing or disabled, opening it throws
 * {@link UringUnavailableException}.</li>
 * </ul>
 * {@link #id()} is the lower-case name the command line and reports use ({@code "select-wide"}).
 */
public enum Backend {
    SELECT, SELECT_WIDE, POLL, EPOLL, SIGNAL, URING;

    private final String id = name().toLowerCase(Locale.ROOT).replace('_', '-');

    /**
     * The name on the command line and in reports: {@code select}, {@code select-wide},
     * {@code poll}, {@code epoll}, {@code signal}, {@code uring}.
     */
    public String id() {
        return id;
    }

    /**
     * Whether this backend has all three epoll registration flags (EDGE, ONESHOT, EXCLUSIVE) and
     * with them a choice of {@link Trigger}. SIGNAL has none (it is edge-triggered only);
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
