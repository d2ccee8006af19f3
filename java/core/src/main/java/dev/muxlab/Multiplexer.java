package dev.muxlab;

import java.io.UncheckedIOException;

/**
 * One readiness multiplexer over raw fds: {@code select(2)}, {@code poll(2)}, {@code epoll(7)},
 * signal-driven IO or io_uring's poll requests behind one small API, in the spirit of CPython's
 * {@code selectors}.
 * <p>
 * {@link #register} adds an fd with an interest mask of {@link Events} bits, {@link #await} fills
 * a {@link ReadySet} with the fds that are ready and what they are ready for. Readiness is
 * level-triggered (reported as long as it holds) unless the fd was registered on
 * {@link Backend#EPOLL} or {@link Backend#URING} with {@link Events#EDGE}. {@link Backend#SIGNAL} is
 * edge-triggered only and requires {@link Events#EDGE} ({@link SignalIo}).
 * <p>
 * Every multiplexer owns an eventfd for {@link #wakeup()}; it is never reported. await retries
 * {@code EINTR} with the time that remains (rounded up to whole milliseconds, never down to a
 * busy zero) and allocates nothing on the Java heap.
 * <p>
 * <b>Threads.</b> {@link #wakeup()} and {@link #close()} are safe from any thread. On
 * {@link Backend#EPOLL}, await may run in several threads at once (each with its own ReadySet)
 * and register/modify/unregister may be called while others await: the kernel serialises them.
 * On {@link Backend#SELECT}, {@link Backend#POLL} and {@link Backend#URING} the interest set lives
 * in user space: one thread at a time may await, and interest changes must not overlap an await
 * (make them from the awaiting thread, as a reactor does, or wakeup() it first); an overlapping
 * call is refused with {@link IllegalStateException} rather than racing. On
 * {@link Backend#SIGNAL} the thread that opened it is the only one that may register, modify,
 * unregister and await (the kernel queues its signals to that thread); other threads get
 * {@link IllegalStateException}.
 * <p>
 * Errors: a failed system call throws {@link NativeException} carrying the errno name; a mask
 * the backend cannot express throws {@link IllegalArgumentException}; any use after
 * {@link #close()} (but close and wakeup) throws {@link IllegalStateException}. After an error
 * the multiplexer stays usable.
 */
public interface Multiplexer extends AutoCloseable {

    /**
     * Opens a multiplexer on the given backend (SELECT is glibc's classic 1024-bit fd_set,
     * SELECT_WIDE sizes its bitmaps to the highest fd). Unchecked, for one-line use; where the
     * kernel's refusal is handled, {@link #create(Backend)} throws the {@link NativeException}
     * itself.
     *
     * @throws UncheckedIOException wrapping a {@link NativeException} when the kernel refuses,
     *         e.g. {@code EMFILE} at the fd limit
     */
    static Multiplexer open(Backend backend) {
        try {
            return create(backend);
        } catch (NativeException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * Opens a multiplexer on the given backend; the same as {@link #open(Backend)} with the
     * kernel's refusal as a checked exception.
     *
     * @throws NativeException when the kernel refuses, e.g. {@code EMFILE} at the fd limit
     * @throws UringUnavailableException for {@link Backend#URING} where io_uring is missing,
     *         disabled or refused (the message says which, in one line)
     */
    static Multiplexer create(Backend backend) throws NativeException {
        switch (backend) {
            case SELECT:
                return new SelectMultiplexer(false);
            case SELECT_WIDE:
                return new SelectMultiplexer(true);
            case POLL:
                return new PollMultiplexer();
            case EPOLL:
                return new EpollMultiplexer();
            case SIGNAL:
                return new SignalMultiplexer();
            case URING:
                return new UringMultiplexer();
            default:
                throw new IllegalArgumentException("unknown backend " + backend);
        }
    }

    /**
     * Opens a "wide" select: the same as {@code open(Backend.SELECT_WIDE)}. It shows that 1024 is
     * glibc's limit, not the kernel's, and that select's cost follows the highest fd.
     */
    static Multiplexer openWideSelect() {
        return open(Backend.SELECT_WIDE);
    }

    /** The kernel mechanism behind this multiplexer. */
    Backend backend();

    /**
     * Starts watching {@code fd} for {@code events}.
     *
     * @throws NativeException EBADF for a negative or closed fd, EEXIST if already registered,
     *         EPERM (epoll) for fds that cannot be polled such as regular files, EINVAL (epoll)
     *         for the epoll fd itself; on SIGNAL, EPERM for files that send no SIGIO (regular
     *         files, eventfd, timerfd) and EBUSY for a dup of a registered fd
     * @throws FdSetSizeException on classic SELECT for fd &gt;= 1024
     * @throws IllegalArgumentException for bits the backend does not support
     */
    void register(int fd, int events) throws NativeException;

    /**
     * Replaces the interest mask of a registered fd; on epoll this also re-arms a
     * {@link Events#ONESHOT} fd and, with the same mask, re-reports a still-ready edge-triggered fd.
     *
     * @throws NativeException ENOENT if fd is not registered
     */
    void modify(int fd, int events) throws NativeException;

    /**
     * Stops watching {@code fd}. On epoll a closed fd has already left the set and this is EBADF;
     * on SELECT and POLL it removes the stale entry.
     *
     * @throws NativeException ENOENT if fd is not registered
     */
    void unregister(int fd) throws NativeException;

    /**
     * Waits for readiness and fills {@code out}.
     *
     * @param timeoutMillis negative waits until an event or {@link #wakeup()}, 0 does not block; any
     *        positive value is honoured however large (the shim waits in chunks of what the system
     *        call takes, and never returns before the time is up unless an event or wakeup comes)
     * @return the number of entries filled (0 on timeout or wakeup)
     */
    int await(ReadySet out, long timeoutMillis) throws NativeException;

    /**
     * Makes a current or the next await return early. Any number of wakeups before an await cause
     * one early return. A no-op once the multiplexer is closed (close itself wakes waiters).
     */
    void wakeup();

    /** Whether {@link #close()} has not been called. */
    boolean isOpen();

    /**
     * The highest fd number this multiplexer can watch plus one: FD_SETSIZE (1024) for classic
     * SELECT, {@link Integer#MAX_VALUE} otherwise (the fd table is the limit).
     */
    int fdLimit();

    /** Releases the kernel objects and native memory; waits for concurrent awaits to leave. Idempotent. */
    @Override
    void close();
}
