package dev.muxlab;

/**
 * Signal-driven IO, the fourth of the classic IO models: what {@link Backend#SIGNAL} does, and
 * the counters and limits that show it at work.
 * <h2>What the kernel does</h2>
 * {@code register(fd, ...)} sets {@code O_ASYNC | O_NONBLOCK} on the fd, {@code F_SETSIG} to a
 * real-time signal ({@link #signal()}) and {@code F_SETOWN_EX} with {@code F_OWNER_TID} to the
 * calling thread. From then on the kernel queues one signal to that thread for every readiness
 * change of the fd: every arrival of data, room to write again, a hang-up, an error. The signal
 * carries the fd ({@code si_fd}) and the POLL bits of the change ({@code si_band}): await reads
 * them from a {@code signalfd} and reports {@code (fd, events)}.
 * <ul>
 * <li><b>Edge-like, and nothing else.</b> No signal while data stays unread; a new arrival sends a
 * new one. There is no level-triggered mode, so every registration must say {@link Events#EDGE}
 * (a mask without it asks for level-triggered reports and is refused with
 * {@link IllegalArgumentException}): read until {@code EAGAIN}. Several signals for one fd before
 * an await are one entry with their bits ORed.</li>
 * <li><b>What is reported</b> is the change, not the whole state (unlike an epoll edge report):
 * data arriving on a socket registered for READ|WRITE reports READ only. The bands map to
 * {@link Events#READ} (POLL_IN: data, a queued connection, a peer's shutdown, a pipe's writer
 * closing), {@link Events#WRITE} (POLL_OUT: room again, a connect completed, a pipe's reader
 * closing), {@link Events#PRI} (POLL_PRI: TCP urgent data), {@link Events#ERR} (POLL_ERR: e.g. a
 * reset) and {@link Events#HUP} with {@link Events#ERR} (POLL_HUP: the kernel's band for a hang-up,
 * such as a unix socket's peer closing, is POLLHUP|POLLERR). Bits outside the interest mask are
 * dropped; ERR and HUP are always reported.</li>
 * <li><b>Already ready at register.</b> Data waiting when {@code O_ASYNC} is set sends nothing.
 * So register (and modify) poll the fd once with timeout 0 and queue what the mask sees: that
 * first report carries the whole state, and no readiness is lost.</li>
 * <li><b>Queue overflow.</b> Real-time signals queue up to {@code RLIMIT_SIGPENDING} (per user,
 * {@link #pendingLimit()}). When the queue is full the kernel sends plain {@code SIGIO} with no fd
 * instead. await then polls every registered fd (timeout 0) and reports all that are ready, and
 * counts it ({@link #overflows}). Lower the limit ({@link #setPendingLimit}) to watch it happen.</li>
 * <li><b>Stale signals.</b> unregister clears {@code O_ASYNC}: no new signals. Signals queued
 * before (or before the fd was closed) still arrive; await drops those whose fd is no longer
 * registered ({@link #staleSignals}). If the number has been registered again by then, such a
 * signal is a spurious report, harmless to a reader that reads until {@code EAGAIN}.</li>
 * </ul>
 * <h2>The owner thread</h2>
 * A process-directed real-time signal whose action is the default kills the process when it
 * reaches a thread that does not block it, and every JVM thread but this one does not. So the
 * thread that opens a SIGNAL multiplexer is its owner, for good: opening blocks the signal and
 * {@code SIGIO} in it (they stay blocked after close: one left pending must never be delivered),
 * every registration directs the signal at that thread only, and only that thread can read its
 * signals. Blocking is not enough in a JVM: HotSpot restores a thread's original signal mask when
 * the thread ends, so a signal still pending then, or sent to it while it ends, is delivered. So
 * opening also sets the signal, and {@code SIGIO} if it has the default action, to
 * {@code SIG_IGN} for the process: the kernel never ignores a blocked signal (it stays queued for
 * the {@code signalfd}), and one delivered by accident is discarded instead of killing the JVM.
 * Ignored dispositions survive {@code execve}, and a blocked mask too: processes started after
 * the first open inherit the two ignored signals (and, started from an owner thread, blocked).
 * register, modify, unregister and await from any other thread throw
 * {@link IllegalStateException}; {@link Multiplexer#wakeup()} and {@link Multiplexer#close()} work
 * from any thread. A thread owns one open SIGNAL multiplexer at a time (signals are queued per
 * thread): opening a second throws {@link IllegalStateException}. Should the owner thread end,
 * the kernel sends its fds' signals nowhere (it names the thread, not a number that could be
 * reused); close the multiplexer.
 * <h2>Which fds</h2>
 * Sockets (including listening sockets), pipes, FIFOs, terminals and inotify send these
 * signals. Other files (regular files, eventfd, timerfd, epoll, most devices) accept
 * {@code O_ASYNC} and never signal, so register refuses them with {@code EPERM}. The signal owner
 * belongs to the open file description, not the fd number: registering a dup of a registered fd
 * (or an fd that already has {@code O_ASYNC}) is {@code EBUSY}, and one fd can be in only one
 * SIGNAL multiplexer. unregister leaves the fd non-blocking.
 * <h2>Interest masks</h2>
 * Accepted: {@link Events#EDGE} (required) with any of {@link Events#READ}, {@link Events#WRITE},
 * {@link Events#PRI}, {@link Events#ERR}, {@link Events#HUP}. Refused with
 * {@link IllegalArgumentException}: a mask without EDGE, {@link Events#ONESHOT},
 * {@link Events#EXCLUSIVE}, {@link Events#RDHUP} (no signal carries it) and unknown bits. A
 * registered fd closed without unregister is reported as {@link Events#NVAL} by an overflow scan.
 * <p>
 * The signal is {@code SIGRTMIN + 6}, computed at run time: glibc keeps signals 32 and 33 for
 * itself, libraries and programs habitually take the first real-time signals, and OpenJDK's NIO
 * uses {@code SIGRTMAX - 2}. Opening fails with {@code EBUSY} if a handler is installed for it
 * (a handler for {@code SIGIO} is left alone).
 */
public final class SignalIo {
    private static final Native.LibMuxlab LIB = Native.LIB;

    /** {@code SIGIO}: what the kernel sends instead when the real-time queue is full. */
    public static final int SIGIO = Native.SIGIO;

    private SignalIo() {
    }

    /** The real-time signal SIGNAL multiplexers use ({@code SIGRTMIN + 6}, 40 with glibc). */
    public static int signal() throws NativeException {
        return Native.check(LIB.mux_sigio_signal(), "SIGRTMIN + 6");
    }

    /**
     * Queue overflows {@code m} has seen: {@code SIGIO} notices read, each followed by a full
     * scan of its registered fds. Several overflows between two awaits count once (standard
     * signals do not queue). Any thread; after close, the count at close.
     *
     * @throws IllegalArgumentException if m is not a {@link Backend#SIGNAL} multiplexer
     */
    public static long overflows(Multiplexer m) {
        return of(m).counter(SignalMultiplexer.OVERFLOWS);
    }

    /** Real-time signals {@code m} has read (stale ones included). Any thread. */
    public static long signals(Multiplexer m) {
        return of(m).counter(SignalMultiplexer.SIGNALS);
    }

    /**
     * Signals {@code m} dropped: for fds no longer registered, or not sent by the kernel's
     * readiness notification (someone sent the signal by hand). Any thread.
     */
    public static long staleSignals(Multiplexer m) {
        return of(m).counter(SignalMultiplexer.STALE);
    }

    /** The thread that opened {@code m}: the only one that may register, modify, unregister and await. */
    public static Thread owner(Multiplexer m) {
        return of(m).owner();
    }

    /** The soft {@code RLIMIT_SIGPENDING}: signals that may be queued for this user; {@link Long#MAX_VALUE} = unlimited. */
    public static long pendingLimit() throws NativeException {
        return Native.check(LIB.mux_sigpending_limit(0), "getrlimit(RLIMIT_SIGPENDING)");
    }

    /** The hard {@code RLIMIT_SIGPENDING}, the most {@link #setPendingLimit} may set without privilege. */
    public static long pendingHardLimit() throws NativeException {
        return Native.check(LIB.mux_sigpending_limit(1), "getrlimit(RLIMIT_SIGPENDING)");
    }

    /**
     * Sets the soft {@code RLIMIT_SIGPENDING} of this process (all its threads). The count it is
     * compared with is per user ({@link #queuedSignals()}): a limit at or below it makes every
     * real-time signal to this process overflow into {@code SIGIO}, 0 included. Restore it after.
     *
     * @throws NativeException EINVAL for a negative value, EPERM above the hard limit
     */
    public static void setPendingLimit(long soft) throws NativeException {
        Native.check(LIB.mux_set_sigpending_limit(soft), "setrlimit(RLIMIT_SIGPENDING, " + soft + ")");
    }

    /** Signals queued now for this user, in every process ({@code SigQ} in {@code /proc/self/status}). */
    public static long queuedSignals() throws NativeException {
        return Native.check(LIB.mux_sigpending_used(), "/proc/self/status SigQ");
    }

    private static SignalMultiplexer of(Multiplexer m) {
        if (!(m instanceof SignalMultiplexer)) {
            throw new IllegalArgumentException("not a SIGNAL multiplexer: " + (m == null ? "null" : m.backend()));
        }
        return (SignalMultiplexer) m;
    }
}
