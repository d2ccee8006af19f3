package dev.muxlab;

/**
 * Readiness bits and registration flags, equal to Linux's values (checked against the C headers
 * when the native library loads). The readiness bits are shared by poll and epoll
 * ({@code POLLIN == EPOLLIN}); select reports {@link #READ}, {@link #WRITE} and {@link #PRI}
 * (its read, write and except sets).
 * <p>
 * {@link #ERR} and {@link #HUP} are always reported by poll and epoll, asked for or not.
 * {@link #RDHUP} (peer shut down its writing side) is poll, epoll and io_uring only. The flags
 * {@link #EDGE}, {@link #ONESHOT} and {@link #EXCLUSIVE} are epoll's; {@link Backend#URING} has
 * EDGE and ONESHOT (multishot and one-shot poll requests), {@link Backend#SIGNAL} is edge-triggered
 * only and requires {@link #EDGE} (and has no RDHUP; see {@link SignalIo}), and every other backend
 * rejects them with {@link IllegalArgumentException}.
 */
public final class Events {
    /** Readable, or EOF/HUP pending (EPOLLIN, POLLIN). */
    public static final int READ = 0x001;
    /** Urgent/priority data (EPOLLPRI, POLLPRI; select's except set). */
    public static final int PRI = 0x002;
    /** Writable without blocking (EPOLLOUT, POLLOUT). */
    public static final int WRITE = 0x004;
    /** Error condition, e.g. a reset connection (EPOLLERR, POLLERR); always reported. */
    public static final int ERR = 0x008;
    /** Hang-up: both directions closed (EPOLLHUP, POLLHUP); always reported. */
    public static final int HUP = 0x010;
    /** The fd is not open (POLLNVAL): poll only, reported per entry instead of failing the call. */
    public static final int NVAL = 0x020;
    /** Peer closed its writing side (EPOLLRDHUP, POLLRDHUP). */
    public static final int RDHUP = 0x2000;
    /** EPOLLEXCLUSIVE: wake only one of several epoll instances waiting on this fd (register only). */
    public static final int EXCLUSIVE = 1 << 28;
    /** EPOLLONESHOT: report once, then disarm until {@link Multiplexer#modify}. */
    public static final int ONESHOT = 1 << 30;
    /** EPOLLET: edge-triggered, report changes rather than state; drain until EAGAIN. */
    public static final int EDGE = 1 << 31;

    static final int READINESS = READ | PRI | WRITE | ERR | HUP | RDHUP;
    static final int EPOLL_FLAGS = EXCLUSIVE | ONESHOT | EDGE;

    private Events() {
    }

    /** A readable rendering such as {@code "READ|HUP"}, for logs and reports. */
    public static String toString(int events) {
        StringBuilder sb = new StringBuilder();
        append(sb, events, READ, "READ");
        append(sb, events, PRI, "PRI");
        append(sb, events, WRITE, "WRITE");
        append(sb, events, ERR, "ERR");
        append(sb, events, HUP, "HUP");
        append(sb, events, NVAL, "NVAL");
        append(sb, events, RDHUP, "RDHUP");
        append(sb, events, EXCLUSIVE, "EXCLUSIVE");
        append(sb, events, ONESHOT, "ONESHOT");
        append(sb, events, EDGE, "EDGE");
        int known = READINESS | NVAL | EPOLL_FLAGS;
        if ((events & ~known) != 0) {
            if (sb.length() > 0) {
                sb.append('|');
            }
            sb.append("0x").append(Integer.toHexString(events & ~known));
        }
        return sb.length() == 0 ? "0" : sb.toString();
    }

    private static void append(StringBuilder sb, int events, int bit, String name) {
        if ((events & bit) != 0) {
            if (sb.length() > 0) {
                sb.append('|');
            }
            sb.append(name);
        }
    }
}
