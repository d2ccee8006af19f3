package dev.muxlab;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.SymbolLookup;
import java.lang.invoke.MethodHandle;

/**
 * {@link Native.LibMuxlab} through {@code java.lang.foreign}: one downcall handle per shim
 * function, each in a {@code static final} field so that the JIT treats it as a constant and
 * inlines the call. Addresses cross as C's {@code int64_t} ({@code JAVA_LONG}): the shims take
 * and return addresses and handles as {@code int64_t}, so that is the exact C type, and the
 * memory behind them is owned by {@link java.nio.ByteBuffer}s or {@link MemorySegment}s on the
 * Java side ({@link FfmBinding#allocate}). Strings and arrays go through a confined arena per
 * call (not on any hot path); primitives-only calls allocate nothing.
 * <p>
 * <b>Critical calls.</b> A handle made with {@code Linker.Option.critical(false)} skips the
 * thread-state transition of a downcall (cheaper), but while it runs the JVM cannot reach a
 * safepoint: a garbage collection waits for it. So only functions that never block, never call
 * back into Java and take bounded time are linked critical ({@link #critical} below): constant
 * and name lookups, the {@code ctl} of every multiplexer (bookkeeping and one
 * {@code epoll_ctl}/{@code fcntl}; io_uring's only queue a submission, or submit a full SQ
 * without waiting), wakeups (a write to a non-blocking eventfd), getters and counters, fd
 * creation and flags, socket options, {@code bind}/{@code listen}/{@code shutdown}, and the
 * Ring's queueing calls (an SQE written; a full SQ is submitted without waiting, and the kernel
 * issues each request non-blocking, handing what would block to its own workers).
 * <p>
 * Everything that may block is linked as an ordinary downcall: every wait, whatever its
 * timeout (a positive one blocks; even a timeout of 0 is not bounded in general: poll and
 * select scan every registered fd, io_uring's submits what was queued, SIGIO's reads a
 * signalfd and may rescan), {@code read}/{@code write}/{@code fill}/{@code drain} (the fd may
 * be blocking), {@code close} (a lingering socket blocks), {@code accept}/{@code connect},
 * {@code open} (a FIFO blocks), timerfd reads, opening and closing multiplexers and rings
 * (closing a ring cancels and waits for what is in flight), and the io_uring probe.
 * <p>
 * The system property {@code muxlab.ffm.criticalPolls=true} links a second, critical handle
 * for every wait and uses it when the timeout is 0 (the Ring's: min 0 and timeout 0): an
 * experiment for {@code scripts/bench-await} (what the transition costs), not a setting for
 * applications: a safepoint then waits for each such call, however many fds it scans.
 */
final class FfmLib implements Native.LibMuxlab {
    private static final Linker LINKER = Linker.nativeLinker();
    private static final SymbolLookup LIBRARY = FfmBinding.library();
    private static final Linker.Option[] CRITICAL = {Linker.Option.critical(false)};
    /** See the class comment: timeout-0 waits through critical handles (an experiment). */
    static final boolean CRITICAL_POLLS = Boolean.getBoolean("muxlab.ffm.criticalPolls");

    private static final MethodHandle MUX_CONST_NAMED = critical("mux_const_named", FunctionDescriptor.of(JAVA_LONG, ADDRESS));
    private static final MethodHandle MUX_ERRNO_NAME = critical("mux_errno_name", FunctionDescriptor.of(ADDRESS, JAVA_INT));
    private static final MethodHandle MUX_ERRNO_TEXT = critical("mux_errno_text", FunctionDescriptor.of(ADDRESS, JAVA_INT));
    private static final MethodHandle MUX_SELECT_OPEN = blocking("mux_select_open", FunctionDescriptor.of(JAVA_LONG, JAVA_INT));
    private static final MethodHandle MUX_SELECT_CLOSE = blocking("mux_select_close", FunctionDescriptor.of(JAVA_INT, JAVA_LONG));
    private static final MethodHandle MUX_SELECT_CTL = critical("mux_select_ctl", FunctionDescriptor.of(JAVA_INT, JAVA_LONG, JAVA_INT, JAVA_INT, JAVA_INT));
    private static final MethodHandle MUX_SELECT_WAIT = blocking("mux_select_wait", FunctionDescriptor.of(JAVA_INT, JAVA_LONG, JAVA_LONG, JAVA_INT, JAVA_LONG));
    private static final MethodHandle MUX_SELECT_WAIT_POLL = CRITICAL_POLLS ? critical("mux_select_wait", FunctionDescriptor.of(JAVA_INT, JAVA_LONG, JAVA_LONG, JAVA_INT, JAVA_LONG)) : null;
    private static final MethodHandle MUX_SELECT_WAKEUP = critical("mux_select_wakeup", FunctionDescriptor.of(JAVA_INT, JAVA_LONG));
    private static final MethodHandle MUX_SELECT_MAX_FD = critical("mux_select_max_fd", FunctionDescriptor.of(JAVA_INT, JAVA_LONG));
    private static final MethodHandle MUX_POLL_OPEN = blocking("mux_poll_open", FunctionDescriptor.of(JAVA_LONG));
    private static final MethodHandle MUX_POLL_CLOSE = blocking("mux_poll_close", FunctionDescriptor.of(JAVA_INT, JAVA_LONG));
    private static final MethodHandle MUX_POLL_CTL = critical("mux_poll_ctl", FunctionDescriptor.of(JAVA_INT, JAVA_LONG, JAVA_INT, JAVA_INT, JAVA_INT));
    private static final MethodHandle MUX_POLL_WAIT = blocking("mux_poll_wait", FunctionDescriptor.of(JAVA_INT, JAVA_LONG, JAVA_LONG, JAVA_INT, JAVA_LONG));
    private static final MethodHandle MUX_POLL_WAIT_POLL = CRITICAL_POLLS ? critical("mux_poll_wait", FunctionDescriptor.of(JAVA_INT, JAVA_LONG, JAVA_LONG, JAVA_INT, JAVA_LONG)) : null;
    private static final MethodHandle MUX_POLL_WAKEUP = critical("mux_poll_wakeup", FunctionDescriptor.of(JAVA_INT, JAVA_LONG));
    private static final MethodHandle MUX_POLL_COUNT = critical("mux_poll_count", FunctionDescriptor.of(JAVA_INT, JAVA_LONG));
    private static final MethodHandle MUX_EPOLL_OPEN = blocking("mux_epoll_open", FunctionDescriptor.of(JAVA_LONG));
    private static final MethodHandle MUX_EPOLL_CLOSE = blocking("mux_epoll_close", FunctionDescriptor.of(JAVA_INT, JAVA_LONG));
    private static final MethodHandle MUX_EPOLL_CTL = critical("mux_epoll_ctl", FunctionDescriptor.of(JAVA_INT, JAVA_LONG, JAVA_INT, JAVA_INT, JAVA_INT));
    private static final MethodHandle MUX_EPOLL_WAIT = blocking("mux_epoll_wait", FunctionDescriptor.of(JAVA_INT, JAVA_LONG, JAVA_LONG, JAVA_INT, JAVA_LONG));
    private static final MethodHandle MUX_EPOLL_WAIT_POLL = CRITICAL_POLLS ? critical("mux_epoll_wait", FunctionDescriptor.of(JAVA_INT, JAVA_LONG, JAVA_LONG, JAVA_INT, JAVA_LONG)) : null;
    private static final MethodHandle MUX_EPOLL_WAKEUP = critical("mux_epoll_wakeup", FunctionDescriptor.of(JAVA_INT, JAVA_LONG));
    private static final MethodHandle MUX_EPOLL_FD = critical("mux_epoll_fd", FunctionDescriptor.of(JAVA_INT, JAVA_LONG));
    private static final MethodHandle MUX_EINTR_RETRIES = critical("mux_eintr_retries", FunctionDescriptor.of(JAVA_LONG));
    private static final MethodHandle MUX_SOCKETPAIR = critical("mux_socketpair", FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS));
    private static final MethodHandle MUX_PIPE = critical("mux_pipe", FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS));
    private static final MethodHandle MUX_EVENTFD = critical("mux_eventfd", FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT));
    private static final MethodHandle MUX_READ = blocking("mux_read", FunctionDescriptor.of(JAVA_LONG, JAVA_INT, JAVA_LONG, JAVA_LONG));
    private static final MethodHandle MUX_WRITE = blocking("mux_write", FunctionDescriptor.of(JAVA_LONG, JAVA_INT, JAVA_LONG, JAVA_LONG));
    private static final MethodHandle MUX_CLOSE = blocking("mux_close", FunctionDescriptor.of(JAVA_INT, JAVA_INT));
    private static final MethodHandle MUX_DUP = critical("mux_dup", FunctionDescriptor.of(JAVA_INT, JAVA_INT));
    private static final MethodHandle MUX_SHUTDOWN = critical("mux_shutdown", FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT));
    private static final MethodHandle MUX_SET_NONBLOCK = critical("mux_set_nonblock", FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT));
    private static final MethodHandle MUX_GET_NONBLOCK = critical("mux_get_nonblock", FunctionDescriptor.of(JAVA_INT, JAVA_INT));
    private static final MethodHandle MUX_IS_CLOEXEC = critical("mux_is_cloexec", FunctionDescriptor.of(JAVA_INT, JAVA_INT));
    private static final MethodHandle MUX_NOFILE_LIMIT = critical("mux_nofile_limit", FunctionDescriptor.of(JAVA_LONG, JAVA_INT));
    private static final MethodHandle MUX_SET_NOFILE_LIMIT = critical("mux_set_nofile_limit", FunctionDescriptor.of(JAVA_INT, JAVA_LONG));
    private static final MethodHandle MUX_OPEN_FILE = blocking("mux_open_file", FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT));
    private static final MethodHandle MUX_FILL = blocking("mux_fill", FunctionDescriptor.of(JAVA_LONG, JAVA_INT, JAVA_LONG));
    private static final MethodHandle MUX_DRAIN = blocking("mux_drain", FunctionDescriptor.of(JAVA_LONG, JAVA_INT));
    private static final MethodHandle MUX_READABLE_BYTES = critical("mux_readable_bytes", FunctionDescriptor.of(JAVA_LONG, JAVA_INT));
    private static final MethodHandle MUX_TIMERFD = critical("mux_timerfd", FunctionDescriptor.of(JAVA_INT, JAVA_INT));
    private static final MethodHandle MUX_TIMERFD_ARM = critical("mux_timerfd_arm", FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_LONG, JAVA_LONG));
    private static final MethodHandle MUX_TIMERFD_READ = blocking("mux_timerfd_read", FunctionDescriptor.of(JAVA_LONG, JAVA_INT));
    private static final MethodHandle MUX_MONOTONIC_NANOS = critical("mux_monotonic_nanos", FunctionDescriptor.of(JAVA_LONG));
    private static final MethodHandle MUX_TCP_SOCKET = critical("mux_tcp_socket", FunctionDescriptor.of(JAVA_INT, JAVA_INT));
    private static final MethodHandle MUX_BIND4 = critical("mux_bind4", FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_LONG, JAVA_INT));
    private static final MethodHandle MUX_LISTEN = critical("mux_listen", FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT));
    private static final MethodHandle MUX_ACCEPT = blocking("mux_accept", FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT));
    private static final MethodHandle MUX_CONNECT4 = blocking("mux_connect4", FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_LONG, JAVA_INT));
    private static final MethodHandle MUX_LOCAL_PORT = critical("mux_local_port", FunctionDescriptor.of(JAVA_INT, JAVA_INT));
    private static final MethodHandle MUX_SO_ERROR = critical("mux_so_error", FunctionDescriptor.of(JAVA_INT, JAVA_INT));
    private static final MethodHandle MUX_SET_REUSEADDR = critical("mux_set_reuseaddr", FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT));
    private static final MethodHandle MUX_SET_REUSEPORT = critical("mux_set_reuseport", FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT));
    private static final MethodHandle MUX_SET_TCP_NODELAY = critical("mux_set_tcp_nodelay", FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT));
    private static final MethodHandle MUX_SET_LINGER = critical("mux_set_linger", FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT));
    private static final MethodHandle MUX_SET_RECV_TIMEOUT = critical("mux_set_recv_timeout", FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_LONG));
    private static final MethodHandle MUX_SET_SEND_TIMEOUT = critical("mux_set_send_timeout", FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_LONG));
    private static final MethodHandle MUX_SIGNAL_INSTALL = critical("mux_signal_install", FunctionDescriptor.of(JAVA_INT, JAVA_INT));
    private static final MethodHandle MUX_SIGNAL_COUNT = critical("mux_signal_count", FunctionDescriptor.of(JAVA_LONG));
    private static final MethodHandle MUX_THREAD_SELF = critical("mux_thread_self", FunctionDescriptor.of(JAVA_LONG));
    private static final MethodHandle MUX_THREAD_KILL = critical("mux_thread_kill", FunctionDescriptor.of(JAVA_INT, JAVA_LONG, JAVA_INT));
    private static final MethodHandle MUX_SIGIO_SIGNAL = critical("mux_sigio_signal", FunctionDescriptor.of(JAVA_INT));
    private static final MethodHandle MUX_SIGIO_OPEN = blocking("mux_sigio_open", FunctionDescriptor.of(JAVA_LONG));
    private static final MethodHandle MUX_SIGIO_CLOSE = blocking("mux_sigio_close", FunctionDescriptor.of(JAVA_INT, JAVA_LONG));
    private static final MethodHandle MUX_SIGIO_CTL = critical("mux_sigio_ctl", FunctionDescriptor.of(JAVA_INT, JAVA_LONG, JAVA_INT, JAVA_INT, JAVA_INT));
    private static final MethodHandle MUX_SIGIO_WAIT = blocking("mux_sigio_wait", FunctionDescriptor.of(JAVA_INT, JAVA_LONG, JAVA_LONG, JAVA_INT, JAVA_LONG));
    private static final MethodHandle MUX_SIGIO_WAIT_POLL = CRITICAL_POLLS ? critical("mux_sigio_wait", FunctionDescriptor.of(JAVA_INT, JAVA_LONG, JAVA_LONG, JAVA_INT, JAVA_LONG)) : null;
    private static final MethodHandle MUX_SIGIO_WAKEUP = critical("mux_sigio_wakeup", FunctionDescriptor.of(JAVA_INT, JAVA_LONG));
    private static final MethodHandle MUX_SIGIO_COUNT = critical("mux_sigio_count", FunctionDescriptor.of(JAVA_INT, JAVA_LONG));
    private static final MethodHandle MUX_SIGIO_OVERFLOWS = critical("mux_sigio_overflows", FunctionDescriptor.of(JAVA_LONG, JAVA_LONG));
    private static final MethodHandle MUX_SIGIO_SIGNALS = critical("mux_sigio_signals", FunctionDescriptor.of(JAVA_LONG, JAVA_LONG));
    private static final MethodHandle MUX_SIGIO_STALE = critical("mux_sigio_stale", FunctionDescriptor.of(JAVA_LONG, JAVA_LONG));
    private static final MethodHandle MUX_SIGPENDING_LIMIT = critical("mux_sigpending_limit", FunctionDescriptor.of(JAVA_LONG, JAVA_INT));
    private static final MethodHandle MUX_SET_SIGPENDING_LIMIT = critical("mux_set_sigpending_limit", FunctionDescriptor.of(JAVA_INT, JAVA_LONG));
    private static final MethodHandle MUX_SIGPENDING_USED = blocking("mux_sigpending_used", FunctionDescriptor.of(JAVA_LONG));
    private static final MethodHandle MUX_URING_OPEN = blocking("mux_uring_open", FunctionDescriptor.of(JAVA_LONG));
    private static final MethodHandle MUX_URING_OPEN_SIZED = blocking("mux_uring_open_sized", FunctionDescriptor.of(JAVA_LONG, JAVA_INT, JAVA_INT));
    private static final MethodHandle MUX_URING_CLOSE = blocking("mux_uring_close", FunctionDescriptor.of(JAVA_INT, JAVA_LONG));
    private static final MethodHandle MUX_URING_CTL = critical("mux_uring_ctl", FunctionDescriptor.of(JAVA_INT, JAVA_LONG, JAVA_INT, JAVA_INT, JAVA_INT));
    private static final MethodHandle MUX_URING_WAIT = blocking("mux_uring_wait", FunctionDescriptor.of(JAVA_INT, JAVA_LONG, JAVA_LONG, JAVA_INT, JAVA_LONG));
    private static final MethodHandle MUX_URING_WAIT_POLL = CRITICAL_POLLS ? critical("mux_uring_wait", FunctionDescriptor.of(JAVA_INT, JAVA_LONG, JAVA_LONG, JAVA_INT, JAVA_LONG)) : null;
    private static final MethodHandle MUX_URING_WAKEUP = critical("mux_uring_wakeup", FunctionDescriptor.of(JAVA_INT, JAVA_LONG));
    private static final MethodHandle MUX_URING_FD = critical("mux_uring_fd", FunctionDescriptor.of(JAVA_INT, JAVA_LONG));
    private static final MethodHandle MUX_URING_STAT = critical("mux_uring_stat", FunctionDescriptor.of(JAVA_LONG, JAVA_LONG, JAVA_INT));
    private static final MethodHandle MUX_RING_OPEN = blocking("mux_ring_open", FunctionDescriptor.of(JAVA_LONG, JAVA_INT, JAVA_INT));
    private static final MethodHandle MUX_RING_CLOSE = blocking("mux_ring_close", FunctionDescriptor.of(JAVA_INT, JAVA_LONG));
    private static final MethodHandle MUX_RING_FD = critical("mux_ring_fd", FunctionDescriptor.of(JAVA_INT, JAVA_LONG));
    private static final MethodHandle MUX_RING_INFO = critical("mux_ring_info", FunctionDescriptor.of(JAVA_LONG, JAVA_LONG, JAVA_INT));
    private static final MethodHandle MUX_RING_STAT = critical("mux_ring_stat", FunctionDescriptor.of(JAVA_LONG, JAVA_LONG, JAVA_INT));
    private static final MethodHandle MUX_RING_QUEUED = critical("mux_ring_queued", FunctionDescriptor.of(JAVA_INT, JAVA_LONG));
    private static final MethodHandle MUX_RING_NOP = critical("mux_ring_nop", FunctionDescriptor.of(JAVA_INT, JAVA_LONG, JAVA_LONG));
    private static final MethodHandle MUX_RING_POLL = critical("mux_ring_poll", FunctionDescriptor.of(JAVA_INT, JAVA_LONG, JAVA_INT, JAVA_INT, JAVA_INT, JAVA_LONG));
    private static final MethodHandle MUX_RING_POLL_REMOVE = critical("mux_ring_poll_remove", FunctionDescriptor.of(JAVA_INT, JAVA_LONG, JAVA_LONG, JAVA_LONG));
    private static final MethodHandle MUX_RING_ACCEPT = critical("mux_ring_accept", FunctionDescriptor.of(JAVA_INT, JAVA_LONG, JAVA_INT, JAVA_INT, JAVA_LONG));
    private static final MethodHandle MUX_RING_RECV = critical("mux_ring_recv", FunctionDescriptor.of(JAVA_INT, JAVA_LONG, JAVA_INT, JAVA_INT, JAVA_INT, JAVA_LONG));
    private static final MethodHandle MUX_RING_SEND = critical("mux_ring_send", FunctionDescriptor.of(JAVA_INT, JAVA_LONG, JAVA_INT, JAVA_LONG, JAVA_INT, JAVA_LONG));
    private static final MethodHandle MUX_RING_CLOSE_FD = critical("mux_ring_close_fd", FunctionDescriptor.of(JAVA_INT, JAVA_LONG, JAVA_INT, JAVA_LONG));
    private static final MethodHandle MUX_RING_CANCEL = critical("mux_ring_cancel", FunctionDescriptor.of(JAVA_INT, JAVA_LONG, JAVA_LONG, JAVA_INT, JAVA_LONG));
    private static final MethodHandle MUX_RING_CANCEL_FD = critical("mux_ring_cancel_fd", FunctionDescriptor.of(JAVA_INT, JAVA_LONG, JAVA_INT, JAVA_LONG));
    private static final MethodHandle MUX_RING_WAIT = blocking("mux_ring_wait", FunctionDescriptor.of(JAVA_INT, JAVA_LONG, JAVA_LONG, JAVA_INT, JAVA_INT, JAVA_LONG));
    private static final MethodHandle MUX_RING_WAIT_POLL = CRITICAL_POLLS ? critical("mux_ring_wait", FunctionDescriptor.of(JAVA_INT, JAVA_LONG, JAVA_LONG, JAVA_INT, JAVA_INT, JAVA_LONG)) : null;
    private static final MethodHandle MUX_RING_WAKEUP = critical("mux_ring_wakeup", FunctionDescriptor.of(JAVA_INT, JAVA_LONG));
    private static final MethodHandle MUX_RING_BUFFERS = blocking("mux_ring_buffers", FunctionDescriptor.of(JAVA_LONG, JAVA_LONG, JAVA_INT, JAVA_INT, JAVA_INT, JAVA_LONG));
    private static final MethodHandle MUX_RING_BUFFERS_RECYCLE = critical("mux_ring_buffers_recycle", FunctionDescriptor.of(JAVA_INT, JAVA_LONG, JAVA_INT));
    private static final MethodHandle MUX_RING_BUFFERS_FREE = blocking("mux_ring_buffers_free", FunctionDescriptor.of(JAVA_INT, JAVA_LONG));
    private static final MethodHandle MUX_URING_PROBE = blocking("mux_uring_probe", FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT, ADDRESS));
    private static final MethodHandle MUX_URING_OP_NAME = critical("mux_uring_op_name", FunctionDescriptor.of(ADDRESS, JAVA_INT));
    private static final MethodHandle MUX_URING_DENY_FOR_THREAD = blocking("mux_uring_deny_for_thread", FunctionDescriptor.of(JAVA_INT, JAVA_INT));

    /** A downcall that never blocks, never calls back and takes bounded time: see the class comment. */
    @SuppressWarnings("restricted") // a native call: what FFM's native access is for
    private static MethodHandle critical(String name, FunctionDescriptor d) {
        return LINKER.downcallHandle(symbol(name), d, CRITICAL);
    }

    /** An ordinary downcall (the thread is in native state while it runs: it may block). */
    @SuppressWarnings("restricted")
    private static MethodHandle blocking(String name, FunctionDescriptor d) {
        return LINKER.downcallHandle(symbol(name), d);
    }

    private static MemorySegment symbol(String name) {
        return LIBRARY.find(name).orElseThrow(() -> new UnsatisfiedLinkError(
                "libmuxlab.so has no function " + name + ": library and jar out of step (rebuild with mvn)"));
    }

    /** A NUL-terminated copy of s (NULL for null). */
    private static MemorySegment string(Arena arena, String s) {
        return s == null ? MemorySegment.NULL : arena.allocateFrom(s);
    }

    /** A C string returned by the library (static storage), or null for NULL. */
    @SuppressWarnings("restricted") // the shims return NUL-terminated strings of static storage
    private static String string(MemorySegment p) {
        return p.address() == 0 ? null : p.reinterpret(Long.MAX_VALUE).getString(0);
    }

    /** Native room for an out-array (NULL for null). */
    private static MemorySegment ints(Arena arena, int[] a) {
        return a == null ? MemorySegment.NULL : arena.allocate(JAVA_INT, Math.max(1, a.length));
    }

    private static MemorySegment bytes(Arena arena, byte[] a) {
        return a == null ? MemorySegment.NULL : arena.allocate(JAVA_BYTE, Math.max(1, a.length));
    }

    private static void copyBack(MemorySegment from, int[] to) {
        if (to != null) {
            MemorySegment.copy(from, JAVA_INT, 0, to, 0, to.length);
        }
    }

    private static void copyBack(MemorySegment from, byte[] to) {
        if (to != null) {
            MemorySegment.copy(from, JAVA_BYTE, 0, to, 0, to.length);
        }
    }

    /** A downcall throws nothing checked; rethrow what it threw as it is. */
    private static RuntimeException fail(Throwable t) {
        if (t instanceof Error e) {
            throw e;
        }
        if (t instanceof RuntimeException r) {
            return r;
        }
        return new IllegalStateException("unexpected from a downcall", t);
    }

    @Override
    public long mux_const_named(String name) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment name0 = string(arena, name);
            return (long) MUX_CONST_NAMED.invokeExact(name0);
        } catch (Throwable t) {
            throw fail(t);
        }
    }

    @Override
    public String mux_errno_name(int err) {
        try {
            return string((MemorySegment) MUX_ERRNO_NAME.invokeExact(err));
        } catch (Throwable t) {
            throw fail(t);
        }
    }

    @Override
    public String mux_errno_text(int err) {
        try {
            return string((MemorySegment) MUX_ERRNO_TEXT.invokeExact(err));
        } catch (Throwable t) {
            throw fail(t);
        }
    }

    @Override
    public long mux_select_open(int wide) {
        try {
            return (long) MUX_SELECT_OPEN.invokeExact(wide);
        } catch (Throwable t) {
            throw fail(t);
        }
    }

    @Override
    public int mux_select_close(long h) {
        try {
            return (int) MUX_SELECT_CLOSE.invokeExact(h);
        } catch (Throwable t) {
            throw fail(t);
        }
    }

    @Override
    public int mux_select_ctl(long h, int op, int fd, int events) {
        try {
            return (int) MUX_SELECT_CTL.invokeExact(h, op, fd, events);
        } catch (Throwable t) {
            throw fail(t);
        }
    }

    @Override
    public int mux_select_wait(long h, long out, int capacity, long timeoutMillis) {
        try {
            if (CRITICAL_POLLS && timeoutMillis == 0) {
                return (int) MUX_SELECT_WAIT_POLL.invokeExact(h, out, capacity, timeoutMillis);
            }
            return (int) MUX_SELECT_WAIT.invokeExact(h, out, capacity, timeoutMillis);
        } catch (Throwable t) {
            throw fail(t);
        }
    }

    @Override
    public int mux_select_wakeup(long h) {
        try {
            return (int) MUX_SELECT_WAKEUP.invokeExact(h);
        } catch (Throwable t) {
            throw fail(t);
        }
    }

    @Override
    public int mux_select_max_fd(long h) {
        try {
            return (int) MUX_SELECT_MAX_FD.invokeExact(h);
        } catch (Throwable t) {
            throw fail(t);
        }
    }

    @Override
    public long mux_poll_open() {
        try {
            return (long) MUX_POLL_OPEN.invokeExact();
        } catch (Throwable t) {
            throw fail(t);
        }
    }

    @Override
    public int mux_poll_close(long h) {
        try {
            return (int) MUX_POLL_CLOSE.invokeExact(h);
        } catch (Throwable t) {
            throw fail(t);
        }
    }

    @Override
    public int mux_poll_ctl(long h, int op, int fd, int events) {
        try {
            return (int) MUX_POLL_CTL.invokeExact(h, op, fd, events);
        } catch (Throwable t) {
            throw fail(t);
        }
    }

    @Override
    public int mux_poll_wait(long h, long out, int capacity, long timeoutMillis) {
        try {
            if (CRITICAL_POLLS && timeoutMillis == 0) {
                return (int) MUX_POLL_WAIT_POLL.invokeExact(h, out, capacity, timeoutMillis);
            }
            return (int) MUX_POLL_WAIT.invokeExact(h, out, capacity, timeoutMillis);
        } catch (Throwable t) {
            throw fail(t);
        }
    }

    @Override
    public int mux_poll_wakeup(long h) {
        try {
            return (int) MUX_POLL_WAKEUP.invokeExact(h);
        } catch (Throwable t) {
            throw fail(t);
        }
    }

    @Override
    public int mux_poll_count(long h) {
        try {
            return (int) MUX_POLL_COUNT.invokeExact(h);
        } catch (Throwable t) {
            throw fail(t);
        }
    }

    @Override
    public long mux_epoll_open() {
        try {
            return (long) MUX_EPOLL_OPEN.invokeExact();
        } catch (Throwable t) {
            throw fail(t);
        }
    }

    @Override
    public int mux_epoll_close(long h) {
        try {
            return (int) MUX_EPOLL_CLOSE.invokeExact(h);
        } catch (Throwable t) {
            throw fail(t);
        }
    }

    @Override
    public int mux_epoll_ctl(long h, int op, int fd, int events) {
        try {
            return (int) MUX_EPOLL_CTL.invokeExact(h, op, fd, events);
        } catch (Throwable t) {
            throw fail(t);
        }
    }

    @Override
    public int mux_epoll_wait(long h, long out, int capacity, long timeoutMillis) {
        try {
            if (CRITICAL_POLLS && timeoutMillis == 0) {
                return (int) MUX_EPOLL_WAIT_POLL.invokeExact(h, out, capacity, timeoutMillis);
            }
            return (int) MUX_EPOLL_WAIT.invokeExact(h, out, capacity, timeoutMillis);
        } catch (Throwable t) {
            throw fail(t);
        }
    }

    @Override
    public int mux_epoll_wakeup(long h) {
        try {
            return (int) MUX_EPOLL_WAKEUP.invokeExact(h);
        } catch (Throwable t) {
            throw fail(t);
        }
    }

    @Override
    public int mux_epoll_fd(long h) {
        try {
            return (int) MUX_EPOLL_FD.invokeExact(h);
        } catch (Throwable t) {
            throw fail(t);
        }
    }

    @Override
    public long mux_eintr_retries() {
        try {
            return (long) MUX_EINTR_RETRIES.invokeExact();
        } catch (Throwable t) {
            throw fail(t);
        }
    }

    @Override
    public int mux_socketpair(int nonblock, int[] sv) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment sv0 = ints(arena, sv);
            int rc = (int) MUX_SOCKETPAIR.invokeExact(nonblock, sv0);
            copyBack(sv0, sv);
            return rc;
        } catch (Throwable t) {
            throw fail(t);
        }
    }

    @Override
    public int mux_pipe(int nonblock, int[] fds) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment fds0 = ints(arena, fds);
            int rc = (int) MUX_PIPE.invokeExact(nonblock, fds0);
            copyBack(fds0, fds);
            return rc;
        } catch (Throwable t) {
            throw fail(t);
        }
    }

    @Override
    public int mux_eventfd(int initval, int nonblock) {
        try {
            return (int) MUX_EVENTFD.invokeExact(initval, nonblock);
        } catch (Throwable t) {
            throw fail(t);
        }
    }

    @Override
    public long mux_read(int fd, long addr, long len) {
        try {
            return (long) MUX_READ.invokeExact(fd, addr, len);
        } catch (Throwable t) {
            throw fail(t);
        }
    }

    @Override
    public long mux_write(int fd, long addr, long len) {
        try {
            return (long) MUX_WRITE.invokeExact(fd, addr, len);
        } catch (Throwable t) {
            throw fail(t);
        }
    }

    @Override
    public int mux_close(int fd) {
        try {
            return (int) MUX_CLOSE.invokeExact(fd);
        } catch (Throwable t) {
            throw fail(t);
        }
    }

    @Override
    public int mux_dup(int fd) {
        try {
            return (int) MUX_DUP.invokeExact(fd);
        } catch (Throwable t) {
            throw fail(t);
        }
    }

    @Override
    public int mux_shutdown(int fd, int how) {
        try {
            return (int) MUX_SHUTDOWN.invokeExact(fd, how);
        } catch (Throwable t) {
            throw fail(t);
        }
    }

    @Override
    public int mux_set_nonblock(int fd, int on) {
        try {
            return (int) MUX_SET_NONBLOCK.invokeExact(fd, on);
        } catch (Throwable t) {
            throw fail(t);
        }
    }

    @Override
    public int mux_get_nonblock(int fd) {
        try {
            return (int) MUX_GET_NONBLOCK.invokeExact(fd);
        } catch (Throwable t) {
            throw fail(t);
        }
    }

    @Override
    public int mux_is_cloexec(int fd) {
        try {
            return (int) MUX_IS_CLOEXEC.invokeExact(fd);
        } catch (Throwable t) {
            throw fail(t);
        }
    }

    @Override
    public long mux_nofile_limit(int hard) {
        try {
            return (long) MUX_NOFILE_LIMIT.invokeExact(hard);
        } catch (Throwable t) {
            throw fail(t);
        }
    }

    @Override
    public int mux_set_nofile_limit(long soft) {
        try {
            return (int) MUX_SET_NOFILE_LIMIT.invokeExact(soft);
        } catch (Throwable t) {
            throw fail(t);
        }
    }

    @Override
    public int mux_open_file(String path, int writable) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment path0 = string(arena, path);
            return (int) MUX_OPEN_FILE.invokeExact(path0, writable);
        } catch (Throwable t) {
            throw fail(t);
        }
    }

    @Override
    public long mux_fill(int fd, long maxBytes) {
        try {
            return (long) MUX_FILL.invokeExact(fd, maxBytes);
        } catch (Throwable t) {
            throw fail(t);
        }
    }

    @Override
    public long mux_drain(int fd) {
        try {
            return (long) MUX_DRAIN.invokeExact(fd);
        } catch (Throwable t) {
            throw fail(t);
        }
    }

    @Override
    public long mux_readable_bytes(int fd) {
        try {
            return (long) MUX_READABLE_BYTES.invokeExact(fd);
        } catch (Throwable t) {
            throw fail(t);
        }
    }

    @Override
    public int mux_timerfd(int nonblock) {
        try {
            return (int) MUX_TIMERFD.invokeExact(nonblock);
        } catch (Throwable t) {
            throw fail(t);
        }
    }

    @Override
    public int mux_timerfd_arm(int fd, long delayNanos, long intervalNanos) {
        try {
            return (int) MUX_TIMERFD_ARM.invokeExact(fd, delayNanos, intervalNanos);
        } catch (Throwable t) {
            throw fail(t);
        }
    }

    @Override
    public long mux_timerfd_read(int fd) {
        try {
            return (long) MUX_TIMERFD_READ.invokeExact(fd);
        } catch (Throwable t) {
            throw fail(t);
        }
    }

    @Override
    public long mux_monotonic_nanos() {
        try {
            return (long) MUX_MONOTONIC_NANOS.invokeExact();
        } catch (Throwable t) {
            throw fail(t);
        }
    }

    @Override
    public int mux_tcp_socket(int nonblock) {
        try {
            return (int) MUX_TCP_SOCKET.invokeExact(nonblock);
        } catch (Throwable t) {
            throw fail(t);
        }
    }

    @Override
    public int mux_bind4(int fd, long addr, int port) {
        try {
            return (int) MUX_BIND4.invokeExact(fd, addr, port);
        } catch (Throwable t) {
            throw fail(t);
        }
    }

    @Override
    public int mux_listen(int fd, int backlog) {
        try {
            return (int) MUX_LISTEN.invokeExact(fd, backlog);
        } catch (Throwable t) {
            throw fail(t);
        }
    }

    @Override
    public int mux_accept(int fd, int nonblock) {
        try {
            return (int) MUX_ACCEPT.invokeExact(fd, nonblock);
        } catch (Throwable t) {
            throw fail(t);
        }
    }

    @Override
    public int mux_connect4(int fd, long addr, int port) {
        try {
            return (int) MUX_CONNECT4.invokeExact(fd, addr, port);
        } catch (Throwable t) {
            throw fail(t);
        }
    }

    @Override
    public int mux_local_port(int fd) {
        try {
            return (int) MUX_LOCAL_PORT.invokeExact(fd);
        } catch (Throwable t) {
            throw fail(t);
        }
    }

    @Override
    public int mux_so_error(int fd) {
        try {
            return (int) MUX_SO_ERROR.invokeExact(fd);
        } catch (Throwable t) {
            throw fail(t);
        }
    }

    @Override
    public int mux_set_reuseaddr(int fd, int on) {
        try {
            return (int) MUX_SET_REUSEADDR.invokeExact(fd, on);
        } catch (Throwable t) {
            throw fail(t);
        }
    }

    @Override
    public int mux_set_reuseport(int fd, int on) {
        try {
            return (int) MUX_SET_REUSEPORT.invokeExact(fd, on);
        } catch (Throwable t) {
            throw fail(t);
        }
    }

    @Override
    public int mux_set_tcp_nodelay(int fd, int on) {
        try {
            return (int) MUX_SET_TCP_NODELAY.invokeExact(fd, on);
        } catch (Throwable t) {
            throw fail(t);
        }
    }

    @Override
    public int mux_set_linger(int fd, int on, int seconds) {
        try {
            return (int) MUX_SET_LINGER.invokeExact(fd, on, seconds);
        } catch (Throwable t) {
            throw fail(t);
        }
    }

    @Override
    public int mux_set_recv_timeout(int fd, long millis) {
        try {
            return (int) MUX_SET_RECV_TIMEOUT.invokeExact(fd, millis);
        } catch (Throwable t) {
            throw fail(t);
        }
    }

    @Override
    public int mux_set_send_timeout(int fd, long millis) {
        try {
            return (int) MUX_SET_SEND_TIMEOUT.invokeExact(fd, millis);
        } catch (Throwable t) {
            throw fail(t);
        }
    }

    @Override
    public int mux_signal_install(int signo) {
        try {
            return (int) MUX_SIGNAL_INSTALL.invokeExact(signo);
        } catch (Throwable t) {
            throw fail(t);
        }
    }

    @Override
    public long mux_signal_count() {
        try {
            return (long) MUX_SIGNAL_COUNT.invokeExact();
        } catch (Throwable t) {
            throw fail(t);
        }
    }

    @Override
    public long mux_thread_self() {
        try {
            return (long) MUX_THREAD_SELF.invokeExact();
        } catch (Throwable t) {
            throw fail(t);
        }
    }

    @Override
    public int mux_thread_kill(long thread, int signo) {
        try {
            return (int) MUX_THREAD_KILL.invokeExact(thread, signo);
        } catch (Throwable t) {
            throw fail(t);
        }
    }

    @Override
    public int mux_sigio_signal() {
        try {
            return (int) MUX_SIGIO_SIGNAL.invokeExact();
        } catch (Throwable t) {
            throw fail(t);
        }
    }

    @Override
    public long mux_sigio_open() {
        try {
            return (long) MUX_SIGIO_OPEN.invokeExact();
        } catch (Throwable t) {
            throw fail(t);
        }
    }

    @Override
    public int mux_sigio_close(long h) {
        try {
            return (int) MUX_SIGIO_CLOSE.invokeExact(h);
        } catch (Throwable t) {
            throw fail(t);
        }
    }

    @Override
    public int mux_sigio_ctl(long h, int op, int fd, int events) {
        try {
            return (int) MUX_SIGIO_CTL.invokeExact(h, op, fd, events);
        } catch (Throwable t) {
            throw fail(t);
        }
    }

    @Override
    public int mux_sigio_wait(long h, long out, int capacity, long timeoutMillis) {
        try {
            if (CRITICAL_POLLS && timeoutMillis == 0) {
                return (int) MUX_SIGIO_WAIT_POLL.invokeExact(h, out, capacity, timeoutMillis);
            }
            return (int) MUX_SIGIO_WAIT.invokeExact(h, out, capacity, timeoutMillis);
        } catch (Throwable t) {
            throw fail(t);
        }
    }

    @Override
    public int mux_sigio_wakeup(long h) {
        try {
            return (int) MUX_SIGIO_WAKEUP.invokeExact(h);
        } catch (Throwable t) {
            throw fail(t);
        }
    }

    @Override
    public int mux_sigio_count(long h) {
        try {
            return (int) MUX_SIGIO_COUNT.invokeExact(h);
        } catch (Throwable t) {
            throw fail(t);
        }
    }

    @Override
    public long mux_sigio_overflows(long h) {
        try {
            return (long) MUX_SIGIO_OVERFLOWS.invokeExact(h);
        } catch (Throwable t) {
            throw fail(t);
        }
    }

    @Override
    public long mux_sigio_signals(long h) {
        try {
            return (long) MUX_SIGIO_SIGNALS.invokeExact(h);
        } catch (Throwable t) {
            throw fail(t);
        }
    }

    @Override
    public long mux_sigio_stale(long h) {
        try {
            return (long) MUX_SIGIO_STALE.invokeExact(h);
        } catch (Throwable t) {
            throw fail(t);
        }
    }

    @Override
    public long mux_sigpending_limit(int hard) {
        try {
            return (long) MUX_SIGPENDING_LIMIT.invokeExact(hard);
        } catch (Throwable t) {
            throw fail(t);
        }
    }

    @Override
    public int mux_set_sigpending_limit(long soft) {
        try {
            return (int) MUX_SET_SIGPENDING_LIMIT.invokeExact(soft);
        } catch (Throwable t) {
            throw fail(t);
        }
    }

    @Override
    public long mux_sigpending_used() {
        try {
            return (long) MUX_SIGPENDING_USED.invokeExact();
        } catch (Throwable t) {
            throw fail(t);
        }
    }

    @Override
    public long mux_uring_open() {
        try {
            return (long) MUX_URING_OPEN.invokeExact();
        } catch (Throwable t) {
            throw fail(t);
        }
    }

    @Override
    public long mux_uring_open_sized(int sqEntries, int cqEntries) {
        try {
            return (long) MUX_URING_OPEN_SIZED.invokeExact(sqEntries, cqEntries);
        } catch (Throwable t) {
            throw fail(t);
        }
    }

    @Override
    public int mux_uring_close(long h) {
        try {
            return (int) MUX_URING_CLOSE.invokeExact(h);
        } catch (Throwable t) {
            throw fail(t);
        }
    }

    @Override
    public int mux_uring_ctl(long h, int op, int fd, int events) {
        try {
            return (int) MUX_URING_CTL.invokeExact(h, op, fd, events);
        } catch (Throwable t) {
            throw fail(t);
        }
    }

    @Override
    public int mux_uring_wait(long h, long out, int capacity, long timeoutMillis) {
        try {
            if (CRITICAL_POLLS && timeoutMillis == 0) {
                return (int) MUX_URING_WAIT_POLL.invokeExact(h, out, capacity, timeoutMillis);
            }
            return (int) MUX_URING_WAIT.invokeExact(h, out, capacity, timeoutMillis);
        } catch (Throwable t) {
            throw fail(t);
        }
    }

    @Override
    public int mux_uring_wakeup(long h) {
        try {
            return (int) MUX_URING_WAKEUP.invokeExact(h);
        } catch (Throwable t) {
            throw fail(t);
        }
    }

    @Override
    public int mux_uring_fd(long h) {
        try {
            return (int) MUX_URING_FD.invokeExact(h);
        } catch (Throwable t) {
            throw fail(t);
        }
    }

    @Override
    public long mux_uring_stat(long h, int which) {
        try {
            return (long) MUX_URING_STAT.invokeExact(h, which);
        } catch (Throwable t) {
            throw fail(t);
        }
    }

    @Override
    public long mux_ring_open(int sqEntries, int cqEntries) {
        try {
            return (long) MUX_RING_OPEN.invokeExact(sqEntries, cqEntries);
        } catch (Throwable t) {
            throw fail(t);
        }
    }

    @Override
    public int mux_ring_close(long h) {
        try {
            return (int) MUX_RING_CLOSE.invokeExact(h);
        } catch (Throwable t) {
            throw fail(t);
        }
    }

    @Override
    public int mux_ring_fd(long h) {
        try {
            return (int) MUX_RING_FD.invokeExact(h);
        } catch (Throwable t) {
            throw fail(t);
        }
    }

    @Override
    public long mux_ring_info(long h, int which) {
        try {
            return (long) MUX_RING_INFO.invokeExact(h, which);
        } catch (Throwable t) {
            throw fail(t);
        }
    }

    @Override
    public long mux_ring_stat(long h, int which) {
        try {
            return (long) MUX_RING_STAT.invokeExact(h, which);
        } catch (Throwable t) {
            throw fail(t);
        }
    }

    @Override
    public int mux_ring_queued(long h) {
        try {
            return (int) MUX_RING_QUEUED.invokeExact(h);
        } catch (Throwable t) {
            throw fail(t);
        }
    }

    @Override
    public int mux_ring_nop(long h, long userData) {
        try {
            return (int) MUX_RING_NOP.invokeExact(h, userData);
        } catch (Throwable t) {
            throw fail(t);
        }
    }

    @Override
    public int mux_ring_poll(long h, int fd, int events, int pollFlags, long userData) {
        try {
            return (int) MUX_RING_POLL.invokeExact(h, fd, events, pollFlags, userData);
        } catch (Throwable t) {
            throw fail(t);
        }
    }

    @Override
    public int mux_ring_poll_remove(long h, long target, long userData) {
        try {
            return (int) MUX_RING_POLL_REMOVE.invokeExact(h, target, userData);
        } catch (Throwable t) {
            throw fail(t);
        }
    }

    @Override
    public int mux_ring_accept(long h, int fd, int multishot, long userData) {
        try {
            return (int) MUX_RING_ACCEPT.invokeExact(h, fd, multishot, userData);
        } catch (Throwable t) {
            throw fail(t);
        }
    }

    @Override
    public int mux_ring_recv(long h, int fd, int group, int multishot, long userData) {
        try {
            return (int) MUX_RING_RECV.invokeExact(h, fd, group, multishot, userData);
        } catch (Throwable t) {
            throw fail(t);
        }
    }

    @Override
    public int mux_ring_send(long h, int fd, long addr, int len, long userData) {
        try {
            return (int) MUX_RING_SEND.invokeExact(h, fd, addr, len, userData);
        } catch (Throwable t) {
            throw fail(t);
        }
    }

    @Override
    public int mux_ring_close_fd(long h, int fd, long userData) {
        try {
            return (int) MUX_RING_CLOSE_FD.invokeExact(h, fd, userData);
        } catch (Throwable t) {
            throw fail(t);
        }
    }

    @Override
    public int mux_ring_cancel(long h, long target, int all, long userData) {
        try {
            return (int) MUX_RING_CANCEL.invokeExact(h, target, all, userData);
        } catch (Throwable t) {
            throw fail(t);
        }
    }

    @Override
    public int mux_ring_cancel_fd(long h, int fd, long userData) {
        try {
            return (int) MUX_RING_CANCEL_FD.invokeExact(h, fd, userData);
        } catch (Throwable t) {
            throw fail(t);
        }
    }

    @Override
    public int mux_ring_wait(long h, long out, int capacity, int min, long timeoutMillis) {
        try {
            if (CRITICAL_POLLS && min == 0 && timeoutMillis == 0) {
                return (int) MUX_RING_WAIT_POLL.invokeExact(h, out, capacity, min, timeoutMillis);
            }
            return (int) MUX_RING_WAIT.invokeExact(h, out, capacity, min, timeoutMillis);
        } catch (Throwable t) {
            throw fail(t);
        }
    }

    @Override
    public int mux_ring_wakeup(long h) {
        try {
            return (int) MUX_RING_WAKEUP.invokeExact(h);
        } catch (Throwable t) {
            throw fail(t);
        }
    }

    @Override
    public long mux_ring_buffers(long h, int group, int count, int size, long mem) {
        try {
            return (long) MUX_RING_BUFFERS.invokeExact(h, group, count, size, mem);
        } catch (Throwable t) {
            throw fail(t);
        }
    }

    @Override
    public int mux_ring_buffers_recycle(long b, int bid) {
        try {
            return (int) MUX_RING_BUFFERS_RECYCLE.invokeExact(b, bid);
        } catch (Throwable t) {
            throw fail(t);
        }
    }

    @Override
    public int mux_ring_buffers_free(long b) {
        try {
            return (int) MUX_RING_BUFFERS_FREE.invokeExact(b);
        } catch (Throwable t) {
            throw fail(t);
        }
    }

    @Override
    public int mux_uring_probe(byte[] ops, int cap, int[] info) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment ops0 = bytes(arena, ops);
            MemorySegment info0 = ints(arena, info);
            int rc = (int) MUX_URING_PROBE.invokeExact(ops0, cap, info0);
            copyBack(ops0, ops);
            copyBack(info0, info);
            return rc;
        } catch (Throwable t) {
            throw fail(t);
        }
    }

    @Override
    public String mux_uring_op_name(int op) {
        try {
            return string((MemorySegment) MUX_URING_OP_NAME.invokeExact(op));
        } catch (Throwable t) {
            throw fail(t);
        }
    }

    @Override
    public int mux_uring_deny_for_thread(int err) {
        try {
            return (int) MUX_URING_DENY_FOR_THREAD.invokeExact(err);
        } catch (Throwable t) {
            throw fail(t);
        }
    }
}
