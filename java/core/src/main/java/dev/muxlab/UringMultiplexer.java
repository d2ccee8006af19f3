package dev.muxlab;

/**
 * {@link Backend#URING}: readiness through io_uring's {@code IORING_OP_POLL_ADD}, behind the
 * unchanged {@link Multiplexer} interface (native side: {@code native/src/uring.c}).
 * <p>
 * <b>What the kernel does, and how each mode maps onto it.</b> Each registered fd has at most one
 * poll request in the kernel; its completion carries the ready mask and the user data
 * {@code generation << 32 | fd}, so a completion of a request since removed or replaced is
 * recognised and dropped. The interest set is kept here, in an fd-indexed table: register,
 * modify and unregister answer {@code EEXIST}, {@code ENOENT} and {@code EBADF} (checked with
 * {@code fcntl(F_GETFD)}) at once and only queue submissions; await submits everything queued and
 * waits in the same {@code io_uring_enter}.
 * <ul>
 * <li>level-triggered (the default): a one-shot poll, re-armed at the next await after it was
 * reported. A one-shot poll on a file that is already ready completes during its own submission
 * with the file's full current mask, so a still-ready fd is reported at every await, as epoll's
 * level-triggered mode does. The kernel's {@code IORING_POLL_ADD_LEVEL} (a multishot poll that
 * would stay level-triggered) is in the uapi header but {@code IORING_OP_POLL_ADD} refuses it with
 * {@code EINVAL} (measured up to Linux 6.18; {@code RingTest} pins it), so re-arming one-shot
 * polls is the only level-triggered mapping; it costs one submission entry per reported fd and
 * await, no extra system call. Measured on a one-byte ping-pong over a socketpair (C, 200,000
 * rounds, Linux 6.18, 2 vCPUs): 2.7-3.0 µs a round with one {@code io_uring_enter} per await,
 * against 2.5-2.9 µs for epoll's level-triggered {@code epoll_wait}.</li>
 * <li>{@link Events#EDGE}: a multishot poll ({@code IORING_POLL_ADD_MULTI}), which posts one
 * completion per wake-up of the file while it stays armed. Several wake-ups between two awaits
 * are one entry. An await that finds such completions already in the ring and has nothing to
 * submit makes no system call at all (in the ping-pong above: 0 {@code io_uring_enter} per await,
 * the completion having been posted while the peer's write returned). Unlike epoll, a report
 * carries the events the wake-up named (data arriving on a
 * writable socket reports READ, not READ|WRITE: conformance B4 differs), and a socket's data
 * wake-up also names PRI, so an EDGE interest in PRI reports PRI with every arrival.</li>
 * <li>{@link Events#ONESHOT} (with or without EDGE): a one-shot poll that is not re-armed until
 * {@link #modify}; register while disarmed is {@code EEXIST}, as on epoll.</li>
 * </ul>
 * Level-triggered and ONESHOT reports are exactly the file's state, as epoll's are: a completion
 * found in the ring at the start of an await may be stale (the data read since), and one that
 * names PRI may be the waker's word rather than the file's, so both are polled again (a fresh
 * one-shot poll, submitted in the same system call, or a second {@code io_uring_enter} for the
 * PRI case) before anything is reported.
 * <p>
 * <b>Flags.</b> READ, PRI, WRITE, RDHUP, ERR and HUP as interest (PRI is armed together with
 * READ, because io_uring's poll ignores wake-ups that match only by PRI; READ is still reported
 * only when asked for). ERR and HUP are always reported; RDHUP only when asked for (the kernel
 * adds it to every poll request, the binding masks it, and a request that fired for RDHUP alone
 * is replaced by a quiet multishot watcher instead of spinning). EDGE and ONESHOT as above.
 * {@link Events#EXCLUSIVE} is rejected with {@link IllegalArgumentException}: it is an
 * {@code epoll_ctl} flag for several epoll instances sharing one fd, and has no meaning for a
 * ring's poll requests.
 * <p>
 * <b>Closed fds.</b> A poll request holds a reference to the open file: closing a registered fd
 * does not end its registration, and while a request is armed the file stays open (a socket's
 * peer sees no hang-up) until {@link #unregister} (which is allowed for the closed number and
 * submits its removal at once, so an unregister-then-close releases the file at the close). When
 * the request must be re-armed on a closed number, the kernel answers {@code EBADF} and the fd is
 * reported {@link Events#NVAL}, as {@link Backend#POLL} does, until it is unregistered.
 * {@link #modify} of a closed number is {@code EBADF}; a regular file is always ready (io_uring
 * cannot wait on it), where epoll refuses it with EPERM.
 * <p>
 * <b>Threads.</b> One thread at a time (the table and the submission queue live in user space);
 * {@link #wakeup()} and {@link #close()} from any thread. Poll requests belong to the thread that
 * submitted them: when that thread exits, the kernel cancels them at their next wake-up, and the
 * next await (on any thread) arms them again, so nothing is lost. wakeup is an eventfd watched by
 * a multishot poll on the same ring.
 * <p>
 * The completion queue may overflow (many ready fds, a small ring): the kernel keeps the extra
 * completions ({@code IORING_FEAT_NODROP}) and flags it; await flushes them with another
 * {@code io_uring_enter} and loses nothing. A full submission queue is submitted early.
 */
final class UringMultiplexer extends AbstractMultiplexer {

    UringMultiplexer() throws NativeException {
        super(open(0, 0), true);
    }

    /** A ring of the given sizes (tests: a tiny completion queue forces overflow). */
    UringMultiplexer(int sqEntries, int cqEntries) throws NativeException {
        super(open(sqEntries, cqEntries), true);
    }

    private static long open(int sq, int cq) throws NativeException {
        long h = sq == 0 ? LIB.mux_uring_open() : LIB.mux_uring_open_sized(sq, cq);
        if (h < 0) {
            int errno = (int) -h;
            if (errno == Errno.ENOSYS || errno == Errno.EPERM || errno == Errno.EOPNOTSUPP) {
                throw Ring.failure(errno, "io_uring_setup (URING multiplexer)");
            }
            // no other class to load here: at the fd limit (EMFILE) the class file cannot be opened
            throw NativeException.of(errno, "io_uring_setup (URING multiplexer)");
        }
        return h;
    }

    @Override
    public Backend backend() {
        return Backend.URING;
    }

    @Override
    public int fdLimit() {
        return Integer.MAX_VALUE;
    }

    @Override
    void checkEvents(int events, boolean register) {
        if ((events & Events.EXCLUSIVE) != 0) {
            throw new IllegalArgumentException("URING cannot do EXCLUSIVE: it is an epoll_ctl flag"
                    + " (URING has EDGE and ONESHOT)");
        }
        int unknown = events & ~(Events.READINESS | Events.EDGE | Events.ONESHOT);
        if (unknown != 0) {
            throw new IllegalArgumentException("URING: unknown event bits 0x" + Integer.toHexString(unknown));
        }
    }

    @Override
    int ctl0(int op, int fd, int events) {
        return LIB.mux_uring_ctl(handle, op, fd, events);
    }

    @Override
    int wait0(long address, int capacity, long timeoutMillis) {
        return LIB.mux_uring_wait(handle, address, capacity, timeoutMillis);
    }

    @Override
    int wakeup0() {
        return LIB.mux_uring_wakeup(handle);
    }

    @Override
    int close0() {
        return LIB.mux_uring_close(handle);
    }

    @Override
    String name() {
        return "URING";
    }

    /** The ring's own fd (for tests and diagnostics). */
    int ringFd() {
        if (!isOpen()) {
            throw new IllegalStateException(name() + " multiplexer is closed");
        }
        return LIB.mux_uring_fd(handle);
    }

    /** A counter of the ring ({@link Ring.Stat}), for tests and diagnostics. */
    long stat(Ring.Stat which) {
        if (!isOpen()) {
            throw new IllegalStateException(name() + " multiplexer is closed");
        }
        return LIB.mux_uring_stat(handle, which.ordinal());
    }
}
