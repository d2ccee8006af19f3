package dev.muxlab;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;

/**
 * An io_uring instance used as what it is for: asynchronous IO, the fifth IO model. The caller
 * queues operations (accept, recv, send, close, cancel, poll), {@link #submitAndWait} hands all
 * of them to the kernel in one {@code io_uring_enter(2)} and collects what has completed; the
 * kernel performs each operation when it can and posts its result, so the caller never waits
 * for an individual fd and never makes a system call per operation.
 * <p>
 * <b>The kernel objects.</b> {@code io_uring_setup(2)} creates a submission queue (SQ) of
 * submission entries and a completion queue (CQ) that the kernel and this process share through
 * {@code mmap}; the shim ({@code native/src/uring.c}) writes entries and publishes the SQ tail
 * with a release store, reads completions after an acquire load of the CQ tail. Every operation
 * carries a 64-bit user data that comes back in its completion, with the result ({@code >= 0},
 * e.g. bytes or a new fd, or {@code -errno}) and flags; completions of different operations come
 * in any order.
 * <ul>
 * <li>{@link #accept} is multishot ({@code IORING_ACCEPT_MULTISHOT}): one completion per
 * connection, each with {@link #CQE_F_MORE} while the request stays armed.</li>
 * <li>{@link #recv} is multishot with buffer selection: the kernel takes a buffer from a
 * {@link BufferRing} ({@code IORING_REGISTER_PBUF_RING}) when data arrives and names it in the
 * completion ({@link Completions#bufferId}); give it back with {@link BufferRing#recycle}. When
 * the ring of buffers is empty the recv ends with {@code -ENOBUFS} (no MORE): recycle, then queue
 * the recv again. End of stream ends it with result 0.</li>
 * <li>{@link #send} may complete short (fewer bytes than asked, F7): send the rest again.</li>
 * <li>{@link #closeFd} closes through the ring; neither it nor {@code close(2)} cancels requests
 * in flight on that fd (they hold the file): {@link #cancel} does, with {@code -ECANCELED} in the
 * cancelled request's completion (F6).</li>
 * </ul>
 * A full SQ is submitted early (one extra {@code io_uring_enter}, counted in
 * {@link Stat#SQ_FULL}); a CQ that overflows is flushed by {@link #submitAndWait} with no
 * completion lost ({@code IORING_FEAT_NODROP}, counted in {@link Stat#OVERFLOWS}).
 * <p>
 * <b>Allocation.</b> Queueing and {@link #submitAndWait} into a reused {@link Completions}
 * allocate nothing on the Java heap, nor does reading completions or recycling buffers.
 * <p>
 * <b>Threads.</b> One thread at a time uses a ring (an overlapping call is refused with
 * {@link IllegalStateException}); {@link #wakeup()} and {@link #close()} work from any thread.
 * Requests belong to the thread that submitted them: when it exits, the kernel cancels them.
 * <p>
 * <b>Availability.</b> {@link #probe()} says whether io_uring works here and what it offers,
 * without throwing; {@link #open} throws {@link UringUnavailableException} when it does not.
 * Nothing else in muxlab needs io_uring.
 */
public final class Ring implements AutoCloseable {
    private static final Native.LibMuxlab LIB = Native.LIB;

    /** Opcodes, from {@code <linux/io_uring.h>} (for {@link Probe#supports}). */
    public static final int OP_NOP = Native.c("IORING_OP_NOP");
    public static final int OP_POLL_ADD = Native.c("IORING_OP_POLL_ADD");
    public static final int OP_POLL_REMOVE = Native.c("IORING_OP_POLL_REMOVE");
    public static final int OP_ACCEPT = Native.c("IORING_OP_ACCEPT");
    public static final int OP_ASYNC_CANCEL = Native.c("IORING_OP_ASYNC_CANCEL");
    public static final int OP_CLOSE = Native.c("IORING_OP_CLOSE");
    public static final int OP_SEND = Native.c("IORING_OP_SEND");
    public static final int OP_RECV = Native.c("IORING_OP_RECV");
    public static final int OP_PROVIDE_BUFFERS = Native.c("IORING_OP_PROVIDE_BUFFERS");
    public static final int OP_MSG_RING = Native.c("IORING_OP_MSG_RING");

    /** Feature bits of {@code io_uring_params.features} (for {@link Probe#hasFeature}). */
    public static final int FEAT_SINGLE_MMAP = Native.c("IORING_FEAT_SINGLE_MMAP");
    /** Completions that do not fit in a full CQ are kept by the kernel, not dropped. */
    public static final int FEAT_NODROP = Native.c("IORING_FEAT_NODROP");
    public static final int FEAT_SUBMIT_STABLE = Native.c("IORING_FEAT_SUBMIT_STABLE");
    /** Requests on a file that is not ready wait by internal poll instead of a worker thread. */
    public static final int FEAT_FAST_POLL = Native.c("IORING_FEAT_FAST_POLL");
    public static final int FEAT_POLL_32BITS = Native.c("IORING_FEAT_POLL_32BITS");
    /** io_uring_enter takes a timeout (the URING multiplexer needs it). */
    public static final int FEAT_EXT_ARG = Native.c("IORING_FEAT_EXT_ARG");
    public static final int FEAT_NATIVE_WORKERS = Native.c("IORING_FEAT_NATIVE_WORKERS");
    public static final int FEAT_CQE_SKIP = Native.c("IORING_FEAT_CQE_SKIP");

    /**
     * Setup flag ({@link #setupFlags}): completions finished in this ring's thread's context
     * (a socket woken from another CPU) are queued as task work without interrupting that
     * thread; they run when it next enters the kernel, which {@link #submitAndWait} does. Used
     * whenever the kernel has it (5.19): the interrupts cost about a third more CPU per request
     * in the HTTP floor (docs/benchmarks.md).
     */
    public static final int SETUP_COOP_TASKRUN = Native.c("IORING_SETUP_COOP_TASKRUN");
    /** Setup flag ({@link #setupFlags}): a failing entry does not stop the rest of a submission (5.18). */
    public static final int SETUP_SUBMIT_ALL = Native.c("IORING_SETUP_SUBMIT_ALL");

    /** Completion flag: the completion names a provided buffer (in the upper 16 bits). */
    public static final int CQE_F_BUFFER = Native.c("IORING_CQE_F_BUFFER");
    /** Completion flag: the (multishot) request stays armed and will post more completions. */
    public static final int CQE_F_MORE = Native.c("IORING_CQE_F_MORE");
    /** Completion flag (recv): more data was waiting in the socket when this one completed. */
    public static final int CQE_F_SOCK_NONEMPTY = Native.c("IORING_CQE_F_SOCK_NONEMPTY");

    /** User data reserved by the ring itself (its wakeup); operations may not use it. */
    public static final long RESERVED_USER_DATA = -1L;

    static final int BUFFER_SHIFT = Native.c("IORING_CQE_BUFFER_SHIFT");
    static final int CQE_SIZE = Native.c("IO_URING_CQE_SIZE");
    static final int POLL_ADD_MULTI = Native.c("IORING_POLL_ADD_MULTI");
    static final int POLL_ADD_LEVEL = Native.c("IORING_POLL_ADD_LEVEL");

    /** The counters a ring keeps ({@link #stat}). */
    public enum Stat {
        /** {@code io_uring_enter} calls: the system calls this ring made. */
        ENTERS,
        /** Submission entries the kernel consumed. */
        SUBMITTED,
        /** Completions reaped (including the ring's own wakeup polls). */
        COMPLETIONS,
        /** {@code io_uring_enter} calls that flushed completions kept aside by a CQ overflow. */
        OVERFLOWS,
        /** Submissions made early because the SQ was full. */
        SQ_FULL,
        /** (URING multiplexer only) completions polled again before being reported. */
        CONFIRMS
    }

    static {
        if (Native.UNAVAILABLE == null && Stat.values().length != Native.c("URING_STAT_COUNT")) {
            throw new IllegalStateException("Ring.Stat and libmuxlab's MUX_URING_STAT_* out of step");
        }
    }

    private final long handle;
    private final int sqEntries;
    private final int cqEntries;
    private final int features;
    private final int setupFlags;
    private final AtomicInteger inflight = new AtomicInteger();
    private final AtomicBoolean busy = new AtomicBoolean();
    private final List<BufferRing> bufferRings = new ArrayList<>();
    private volatile boolean closed;

    private Ring(long handle) {
        this.handle = handle;
        this.sqEntries = (int) LIB.mux_ring_info(handle, 0);
        this.cqEntries = (int) LIB.mux_ring_info(handle, 1);
        this.features = (int) LIB.mux_ring_info(handle, 2);
        this.setupFlags = (int) LIB.mux_ring_info(handle, 3);
    }

    /**
     * Opens a ring with {@code entries} submission entries (rounded up to a power of two by the
     * kernel) and twice as many completion entries.
     *
     * @throws UringUnavailableException where io_uring is missing, disabled or refused
     * @throws NativeException e.g. {@code EMFILE}, or {@code ENOMEM} (locked memory) on old kernels
     * @throws IllegalArgumentException if entries is not positive
     */
    public static Ring open(int entries) throws NativeException {
        return open(entries, 0);
    }

    /**
     * Opens a ring with {@code entries} submission entries and {@code completionEntries}
     * completion entries (0: twice the submission entries; otherwise at least {@code entries},
     * rounded up to a power of two). A small completion queue shows overflow handling.
     */
    public static Ring open(int entries, int completionEntries) throws NativeException {
        if (entries <= 0) {
            throw new IllegalArgumentException("ring entries must be >= 1: " + entries);
        }
        if (completionEntries < 0) {
            throw new IllegalArgumentException("completion entries must be >= 0: " + completionEntries);
        }
        long h = LIB.mux_ring_open(entries, completionEntries);
        if (h < 0) {
            throw failure((int) -h, "io_uring_setup(" + entries + ", cq " + completionEntries + ")");
        }
        return new Ring(h);
    }

    // ------------------------------------------------------------------ operations

    /** Queues a no-op: it completes with result 0 (for measuring the ring itself). */
    public void nop(long userData) throws NativeException {
        checkUserData(userData);
        enter();
        try {
            queued(LIB.mux_ring_nop(handle, userData), "nop", -1);
        } finally {
            exit();
        }
    }

    /**
     * Queues {@code IORING_OP_POLL_ADD} on {@code fd} for {@code events} ({@link Events}
     * readiness bits). One-shot: one completion with the ready mask, when the fd is (or becomes)
     * ready. Multishot ({@code IORING_POLL_ADD_MULTI}): a completion per wake-up with
     * {@link #CQE_F_MORE}, until {@link #pollRemove} or {@link #cancel} (a completion without
     * MORE ends it). A completion that comes from a wake-up carries the events the waker named
     * (a socket's data wake-up names PRI too), not a fresh poll of the file; and a poll for PRI
     * alone is never woken by urgent data (io_uring matches wake-ups without PRI): ask for
     * READ|PRI.
     */
    public void poll(int fd, int events, boolean multishot, long userData) throws NativeException {
        poll(fd, events, multishot ? POLL_ADD_MULTI : 0, userData);
    }

    /** {@link #poll} with the {@code IORING_POLL_ADD_*} flags as given (tests: the kernel's answer to LEVEL). */
    void poll(int fd, int events, int pollFlags, long userData) throws NativeException {
        checkUserData(userData);
        if ((events & ~Events.READINESS) != 0) {
            throw new IllegalArgumentException("poll: not readiness bits: " + Events.toString(events & ~Events.READINESS));
        }
        enter();
        try {
            queued(LIB.mux_ring_poll(handle, fd, events, pollFlags, userData), "poll", fd);
        } finally {
            exit();
        }
    }

    /**
     * Queues the removal of the poll request with user data {@code target}: it completes with
     * {@code -ECANCELED}, the removal with 0 (or {@code -ENOENT} when no such poll is armed).
     */
    public void pollRemove(long target, long userData) throws NativeException {
        checkUserData(userData);
        enter();
        try {
            queued(LIB.mux_ring_poll_remove(handle, target, userData), "poll remove", -1);
        } finally {
            exit();
        }
    }

    /**
     * Queues a multishot accept on a listening socket: one completion per connection, the result
     * the new fd (non-blocking, close-on-exec) or {@code -errno} (e.g. {@code -EMFILE}, which does
     * not end it), with {@link #CQE_F_MORE} while it stays armed.
     */
    public void accept(int listenFd, long userData) throws NativeException {
        accept(listenFd, true, userData);
    }

    /** Queues a single accept: one completion, the new fd (non-blocking, close-on-exec) or -errno. */
    public void acceptOnce(int listenFd, long userData) throws NativeException {
        accept(listenFd, false, userData);
    }

    private void accept(int listenFd, boolean multishot, long userData) throws NativeException {
        checkUserData(userData);
        enter();
        try {
            queued(LIB.mux_ring_accept(handle, listenFd, multishot ? 1 : 0, userData), "accept", listenFd);
        } finally {
            exit();
        }
    }

    /**
     * Queues a multishot recv on {@code fd} into buffers the kernel picks from {@code buffers}:
     * one completion per chunk received, result the byte count and
     * {@link Completions#bufferId} the buffer holding them, with {@link #CQE_F_MORE} while it
     * stays armed. It ends with result 0 at end of stream, {@code -ENOBUFS} when no buffer is
     * left (recycle and queue it again), or another {@code -errno}.
     */
    public void recv(int fd, BufferRing buffers, long userData) throws NativeException {
        recv(fd, buffers, true, userData);
    }

    /** Queues a single recv into a buffer picked from {@code buffers}: one completion. */
    public void recvOnce(int fd, BufferRing buffers, long userData) throws NativeException {
        recv(fd, buffers, false, userData);
    }

    private void recv(int fd, BufferRing buffers, boolean multishot, long userData) throws NativeException {
        checkUserData(userData);
        if (buffers == null) {
            throw new NullPointerException("BufferRing");
        }
        if (buffers.ring() != this) {
            throw new IllegalArgumentException("recv: " + buffers + " belongs to another ring");
        }
        buffers.checkOpen();
        enter();
        try {
            queued(LIB.mux_ring_recv(handle, fd, buffers.group(), multishot ? 1 : 0, userData), "recv", fd);
        } finally {
            exit();
        }
    }

    /**
     * Queues a send of {@code src}'s bytes from its position to its limit (its position is not
     * changed: the completion's result is the count sent, possibly short). {@code src} must be
     * direct, and stay untouched and reachable until the completion: the kernel reads it when it
     * performs the send, which may be later (when the socket has room). Sends use
     * {@code MSG_NOSIGNAL}: a closed peer is {@code -EPIPE}, never SIGPIPE.
     */
    public void send(int fd, ByteBuffer src, long userData) throws NativeException {
        if (!src.isDirect()) {
            throw new IllegalArgumentException("send: the buffer must be direct (the kernel reads it after this call returns)");
        }
        send(fd, Native.address(src) + src.position(), src.remaining(), userData);
    }

    /** Queues a send of {@code length} bytes at native {@code address} (kept valid until the completion). */
    public void send(int fd, long address, int length, long userData) throws NativeException {
        checkUserData(userData);
        if (length < 0 || (address == 0 && length > 0)) {
            throw new IllegalArgumentException("send: bad buffer (address 0x" + Long.toHexString(address) + ", length " + length + ")");
        }
        enter();
        try {
            queued(LIB.mux_ring_send(handle, fd, address, length, userData), "send", fd);
        } finally {
            exit();
        }
    }

    /**
     * Queues {@code IORING_OP_CLOSE} of {@code fd}: completes with 0 or {@code -errno}. Requests
     * in flight on the fd are not cancelled by it (see {@link #cancel}).
     */
    public void closeFd(int fd, long userData) throws NativeException {
        checkUserData(userData);
        enter();
        try {
            queued(LIB.mux_ring_close_fd(handle, fd, userData), "close", fd);
        } finally {
            exit();
        }
    }

    /**
     * Queues {@code IORING_OP_ASYNC_CANCEL} of every request with user data {@code target}
     * ({@code IORING_ASYNC_CANCEL_ALL}): each completes with {@code -ECANCELED}, and this one
     * with how many were found (0 when none was left, e.g. it had completed already).
     */
    public void cancel(long target, long userData) throws NativeException {
        checkUserData(userData);
        enter();
        try {
            queued(LIB.mux_ring_cancel(handle, target, 1, userData), "cancel", -1);
        } finally {
            exit();
        }
    }

    /**
     * Queues the cancellation of every request on {@code fd} ({@code IORING_ASYNC_CANCEL_FD}; the
     * number must still be open): completes with how many were cancelled.
     */
    public void cancelFd(int fd, long userData) throws NativeException {
        checkUserData(userData);
        enter();
        try {
            queued(LIB.mux_ring_cancel_fd(handle, fd, userData), "cancel", fd);
        } finally {
            exit();
        }
    }

    /**
     * Submits everything queued in one {@code io_uring_enter}, waits until at least {@code min}
     * completions are available (or the timeout passes, or {@link #wakeup()} is called), and
     * copies up to {@code out.capacity()} of them into {@code out}. Completions beyond that stay
     * for the next call. A CQ overflow is flushed on the way (more {@code io_uring_enter} calls,
     * nothing lost); a wait longer than the CQ holds is done in steps.
     *
     * @param min 0 submits and collects what is there without waiting; at most {@code out.capacity()}
     * @param timeoutMillis negative waits without limit, 0 does not wait
     * @return the number of completions in {@code out} (fewer than min after a timeout or wakeup)
     */
    public int submitAndWait(Completions out, int min, long timeoutMillis) throws NativeException {
        if (out == null) {
            throw new NullPointerException("Completions");
        }
        if (min < 0 || min > out.capacity()) {
            throw new IllegalArgumentException("min must be 0.." + out.capacity() + " (the Completions' capacity): " + min);
        }
        out.setSize(0);
        enter();
        int n;
        try {
            n = LIB.mux_ring_wait(handle, out.address(), out.capacity(), min, timeoutMillis);
        } finally {
            exit();
        }
        if (n < 0) {
            throw NativeException.of(-n, "io_uring_enter");
        }
        out.setSize(n);
        return n;
    }

    /**
     * Makes a current or the next {@link #submitAndWait} return early (with the completions it
     * has). From any thread; any number of wakeups before a wait cause one early return.
     */
    public void wakeup() {
        inflight.incrementAndGet();
        try {
            if (!closed) {
                LIB.mux_ring_wakeup(handle);
            }
        } finally {
            inflight.decrementAndGet();
        }
    }

    /**
     * Registers a provided-buffer ring ({@code IORING_REGISTER_PBUF_RING}, Linux 5.19): {@code count}
     * buffers of {@code size} bytes in one direct memory block owned by the returned
     * {@link BufferRing}, all of them given to the kernel, as buffer group {@code group}.
     *
     * @param group 0..65535, unique in this ring ({@code EEXIST} otherwise)
     * @param count a power of two, 1..32768
     * @throws IllegalArgumentException for a count, size or group out of range
     */
    public BufferRing registerBuffers(int group, int count, int size) throws NativeException {
        if (group < 0 || group > 0xffff) {
            throw new IllegalArgumentException("buffer group must be 0..65535: " + group);
        }
        if (count <= 0 || count > 32768 || Integer.bitCount(count) != 1) {
            throw new IllegalArgumentException("buffer count must be a power of two in 1..32768: " + count);
        }
        if (size <= 0 || (long) count * size > Integer.MAX_VALUE) {
            throw new IllegalArgumentException("buffer size must be positive and count * size < 2 GiB: " + size);
        }
        ByteBuffer memory = ByteBuffer.allocateDirect(count * size);
        long address = Native.address(memory);
        enter();
        try {
            long b = LIB.mux_ring_buffers(handle, group, count, size, address);
            if (b < 0) {
                throw NativeException.of((int) -b, "io_uring_register(PBUF_RING, group " + group + ")");
            }
            BufferRing ring = new BufferRing(this, b, group, count, size, memory);
            bufferRings.add(ring);
            return ring;
        } finally {
            exit();
        }
    }

    // ------------------------------------------------------------------ facts

    /** The ring's fd (close-on-exec). */
    public int fd() {
        enter();
        try {
            return LIB.mux_ring_fd(handle);
        } finally {
            exit();
        }
    }

    /** Submission queue entries, as the kernel sized it. */
    public int submissionEntries() {
        return sqEntries;
    }

    /** Completion queue entries, as the kernel sized it. */
    public int completionEntries() {
        return cqEntries;
    }

    /** This ring's {@code io_uring_params.features} ({@link #FEAT_NODROP}, ...). */
    public int features() {
        return features;
    }

    /**
     * The {@code IORING_SETUP_*} flags the kernel accepted for this ring: muxlab asks for
     * {@link #SETUP_COOP_TASKRUN} and {@link #SETUP_SUBMIT_ALL} and drops them on a kernel that
     * refuses them.
     */
    public int setupFlags() {
        return setupFlags;
    }

    /** Operations queued and not yet submitted. */
    public int queued() {
        enter();
        try {
            return LIB.mux_ring_queued(handle);
        } finally {
            exit();
        }
    }

    /** A counter of this ring: e.g. {@code stat(Stat.ENTERS)}, the system calls it made. */
    public long stat(Stat which) {
        enter();
        try {
            return LIB.mux_ring_stat(handle, which.ordinal());
        } finally {
            exit();
        }
    }

    /** Whether {@link #close()} has not been called. */
    public boolean isOpen() {
        return !closed;
    }

    /**
     * Cancels everything in flight and waits for it (up to a second;
     * {@code IORING_REGISTER_SYNC_CANCEL}, Linux 6.0), unregisters the buffer rings and closes
     * the ring. Completions not collected are lost, including fds accepted but not reaped (they
     * stay open). From any thread: a {@link #submitAndWait} in progress is woken and returns
     * first. Idempotent.
     */
    @Override
    public void close() {
        synchronized (this) {
            if (closed) {
                return;
            }
            closed = true;
        }
        while (inflight.get() > 0) {
            LIB.mux_ring_wakeup(handle);
            LockSupport.parkNanos(200_000);
        }
        for (BufferRing b : bufferRings) {
            b.markClosed();
        }
        bufferRings.clear();
        LIB.mux_ring_close(handle);
    }

    @Override
    public String toString() {
        return "Ring[" + (closed ? "closed" : "sq " + sqEntries + ", cq " + cqEntries) + "]";
    }

    // ------------------------------------------------------------------ internals

    void recycle(BufferRing b, long bufferHandle, int bid) {
        enter();
        try {
            int rc = LIB.mux_ring_buffers_recycle(bufferHandle, bid);
            if (rc < 0) {
                throw new IllegalArgumentException("recycle: buffer id " + bid + " is not in 0.." + (b.count() - 1));
            }
        } finally {
            exit();
        }
    }

    void unregister(BufferRing b, long bufferHandle) {
        enter();
        try {
            bufferRings.remove(b);
            LIB.mux_ring_buffers_free(bufferHandle);
        } finally {
            exit();
        }
    }

    private static void checkUserData(long userData) {
        if (userData == RESERVED_USER_DATA) {
            throw new IllegalArgumentException("user data -1 is reserved by the ring");
        }
    }

    /** Throws for a failed queueing call; the message is built only then (queueing allocates nothing). */
    private static void queued(int rc, String op, int fd) throws NativeException {
        if (rc < 0) {
            throw NativeException.of(-rc, "io_uring queue " + op + (fd >= 0 ? "(fd " + fd + ")" : ""));
        }
    }

    private void enter() {
        inflight.incrementAndGet();
        if (closed) {
            inflight.decrementAndGet();
            throw new IllegalStateException("ring is closed");
        }
        if (!busy.compareAndSet(false, true)) {
            inflight.decrementAndGet();
            throw new IllegalStateException("ring: another thread is using it; a Ring is used by one thread at a time"
                    + " (wakeup() and close() excepted)");
        }
    }

    private void exit() {
        busy.set(false);
        inflight.decrementAndGet();
    }

    /**
     * The exception for a failed {@code io_uring_setup}: {@link UringUnavailableException} for
     * ENOSYS, EPERM and EOPNOTSUPP (with the reason), a plain {@link NativeException} otherwise.
     */
    static NativeException failure(int errno, String op) {
        if (errno == Errno.ENOSYS || errno == Errno.EPERM || errno == Errno.EOPNOTSUPP) {
            return new UringUnavailableException(errno, op + ": " + unavailableReason(errno));
        }
        return NativeException.of(errno, op);
    }

    /** One line on why io_uring failed with errno here. */
    static String unavailableReason(int errno) {
        String name = Errno.name(errno) + " (" + Native.errnoText(errno) + ")";
        if (errno == Errno.ENOSYS) {
            return "io_uring is unavailable: " + name + ": this kernel has no io_uring (older than 5.1,"
                    + " or built without CONFIG_IO_URING), or a seccomp filter answers ENOSYS";
        }
        if (errno == Errno.EPERM) {
            String sysctl = readSysctl();
            String why;
            if ("2".equals(sysctl)) {
                why = "kernel.io_uring_disabled=2 disables it for everyone";
            } else if ("1".equals(sysctl)) {
                why = "kernel.io_uring_disabled=1 allows it only to root and kernel.io_uring_group";
            } else if (sysctl == null) {
                why = "a seccomp filter or LSM refuses io_uring_setup";
            } else {
                why = "kernel.io_uring_disabled=" + sysctl + ", so a seccomp filter or LSM refuses io_uring_setup";
            }
            return "io_uring is unavailable: " + name + ": " + why;
        }
        if (errno == Errno.EOPNOTSUPP) {
            return "io_uring is too old here: " + name + ": the URING multiplexer needs IORING_FEAT_NODROP,"
                    + " IORING_FEAT_POLL_32BITS and IORING_FEAT_EXT_ARG (Linux 5.11)";
        }
        return "io_uring_setup failed: " + name;
    }

    private static String readSysctl() {
        try {
            return new String(Files.readAllBytes(Paths.get("/proc/sys/kernel/io_uring_disabled")), "US-ASCII").trim();
        } catch (IOException | RuntimeException e) {
            return null; // no such sysctl (before Linux 6.6), or /proc hidden
        }
    }

    // ------------------------------------------------------------------ probe

    private static final class ProbeHolder {
        static final Probe PROBE = probeNow();
    }

    /**
     * What io_uring offers in this process, probed once ({@code io_uring_setup} of a two-entry
     * ring, {@code IORING_REGISTER_PROBE}, close) and cached. Never throws: where io_uring is
     * unavailable the probe says why ({@link Probe#reason()}).
     */
    public static Probe probe() {
        return ProbeHolder.PROBE;
    }

    /** Whether io_uring works in this process: {@code probe().available()}. */
    public static boolean available() {
        return probe().available();
    }

    /** A fresh probe, in the calling thread (its seccomp filter applies), not cached. */
    static Probe probeNow() {
        byte[] ops = new byte[256];
        int[] info = new int[4];
        int n;
        try {
            n = LIB.mux_uring_probe(ops, ops.length, info);
        } catch (UnsatisfiedLinkError e) {
            return new Probe(0, "libmuxlab is unavailable: " + e.getMessage(), 0, 0, new boolean[0], 0);
        }
        if (n < 0) {
            return new Probe(-n, unavailableReason(-n), 0, 0, new boolean[0], 0);
        }
        boolean[] supported = new boolean[n];
        for (int i = 0; i < n; i++) {
            supported[i] = ops[i] != 0;
        }
        return new Probe(0, null, info[0], info[1], supported, info[2]);
    }

    /**
     * What the kernel's io_uring offers: the features of {@code io_uring_params} and the opcodes
     * {@code IORING_REGISTER_PROBE} (Linux 5.6) reports as supported, or, where io_uring is
     * unavailable, the errno and a one-line reason.
     */
    public static final class Probe {
        private final int errno;
        private final String reason;
        private final int features;
        private final int lastOpcode;
        private final boolean[] supported;
        private final int probeResult;

        Probe(int errno, String reason, int features, int lastOpcode, boolean[] supported, int probeResult) {
            this.errno = errno;
            this.reason = reason;
            this.features = features;
            this.lastOpcode = lastOpcode;
            this.supported = supported;
            this.probeResult = probeResult;
        }

        /** Whether {@code io_uring_setup} works here. */
        public boolean available() {
            return errno == 0 && reason == null;
        }

        /** The errno of the failed {@code io_uring_setup} ({@code Errno.ENOSYS}, {@code Errno.EPERM}), 0 if available. */
        public int errno() {
            return errno;
        }

        /** Why io_uring is unavailable, in one line (errno name included); null when available. */
        public String reason() {
            return reason;
        }

        /** {@code io_uring_params.features} (0 when unavailable). */
        public int features() {
            return features;
        }

        /** Whether feature bit {@code feature} ({@link Ring#FEAT_NODROP}, ...) is present. */
        public boolean hasFeature(int feature) {
            return (features & feature) == feature && feature != 0;
        }

        /** Whether this kernel supports opcode {@code op} ({@link Ring#OP_RECV}, ...). */
        public boolean supports(int op) {
            return op >= 0 && op < supported.length && supported[op];
        }

        /** How many opcodes the kernel described (its last opcode + 1); 0 when unavailable. */
        public int opcodes() {
            return supported.length;
        }

        /** The kernel's highest opcode, as the probe reports it. */
        public int lastOpcode() {
            return lastOpcode;
        }

        /**
         * The result of {@code IORING_REGISTER_PROBE} itself: 0, or {@code -errno} on kernels
         * before 5.6 (then no opcode is listed as supported although the ring works).
         */
        public int probeResult() {
            return probeResult;
        }

        /** The names of the supported opcodes ({@code "POLL_ADD"}; {@code "op53"} beyond this build's header). */
        public List<String> supportedOpcodes() {
            List<String> names = new ArrayList<>();
            for (int op = 0; op < supported.length; op++) {
                if (supported[op]) {
                    names.add(opcodeName(op));
                }
            }
            return Collections.unmodifiableList(names);
        }

        @Override
        public String toString() {
            if (!available()) {
                return reason;
            }
            return "io_uring: features 0x" + Integer.toHexString(features) + ", " + supportedOpcodes().size() + " of "
                    + supported.length + " opcodes supported (last " + lastOpcode + ")";
        }
    }

    /** The name of opcode {@code op} as the build's {@code <linux/io_uring.h>} spells it, without {@code IORING_OP_}. */
    public static String opcodeName(int op) {
        String n = LIB.mux_uring_op_name(op);
        return n != null ? n : "op" + op;
    }
}
