package dev.muxlab;

import java.util.Locale;

/**
 * How epoll reports readiness for a registered fd.
 * <ul>
 * <li>{@link #LEVEL} (the default, and the only mode of select and poll): reported on every
 * await for as long as it holds: data left unread is reported again.</li>
 * <li>{@link #EDGE} ({@code EPOLLET}, {@link Events#EDGE}): reported when it changes: new data
 * arriving, new room to write. A reader that stops before {@code EAGAIN} is not told again about
 * what it left until more arrives, so readers drain, or know that the queue is empty (a short
 * read on a stream socket).</li>
 * </ul>
 * {@link #id()} is the name on the command line and in reports ({@code lt}, {@code et}).
 */
public enum Trigger {
    LEVEL("lt", 0), EDGE("et", Events.EDGE);

    private final String id;
    private final int flags;

    Trigger(String id, int flags) {
        this.id = id;
        this.flags = flags;
    }

    /** {@code "lt"} or {@code "et"}. */
    public String id() {
        return id;
    }

    /** The registration flags that select this mode: 0 or {@link Events#EDGE}. */
    public int flags() {
        return flags;
    }

    /**
     * The trigger named {@code id} ({@code lt}/{@code et}, or {@code level}/{@code edge}).
     *
     * @throws IllegalArgumentException naming the allowed values
     */
    public static Trigger fromId(String id) {
        for (Trigger t : values()) {
            if (t.id.equals(id) || t.name().equalsIgnoreCase(id)) {
                return t;
            }
        }
        throw new IllegalArgumentException("unknown trigger '" + id + "' (allowed: lt, et)");
    }

    @Override
    public String toString() {
        return id;
    }
}
