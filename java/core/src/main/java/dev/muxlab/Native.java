package dev.muxlab;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.nio.file.StandardCopyOption;

import jnr.ffi.annotations.IgnoreError;
import jnr.ffi.annotations.In;
import jnr.ffi.annotations.Out;

/**
 * Loads {@code libmuxlab.so} and reads, at class load, every constant and layout the Java side
 * needs from C, by name. The library is packaged in the core jar under
 * {@code native/linux-x86_64/}, extracted to a private temporary folder (under the system property
 * {@code muxlab.tmpdir} when set, else {@code java.io.tmpdir}), loaded, and deleted at once; the
 * system property {@code muxlab.library.path} (a file or a directory holding {@code libmuxlab.so})
 * loads it from there instead, for development.
 * <p>
 * The library is bound through one {@link NativeBinding}, chosen here (see {@link Binding}):
 * FFM on Java 22 and later when this jar has its classes, jnr-ffi otherwise, or as the system
 * property {@code muxlab.binding} ({@code ffm} or {@code jnr}) says.
 */
final class Native {
    static final String RESOURCE = "/native/linux-x86_64/libmuxlab.so";

    static final LibMuxlab LIB;
    /** The binding in use (null when the library could not be loaded). */
    static final NativeBinding BINDING;
    /** {@link Binding#name()}, {@link Binding#describe()}. */
    static final String BINDING_NAME, BINDING_DETAIL;

    /** The FFM binding's class, in {@code META-INF/versions/22} of the multi-release jar. */
    static final String FFM_CLASS = "dev.muxlab.FfmBinding";

    // read from libmuxlab by name at class load (mux_const_named), never by position
    static final int EPOLLIN, EPOLLPRI, EPOLLOUT, EPOLLERR, EPOLLHUP, EPOLLRDHUP;
    static final int EPOLLEXCLUSIVE, EPOLLONESHOT, EPOLLET;
    static final int POLLIN, POLLPRI, POLLOUT, POLLERR, POLLHUP, POLLNVAL, POLLRDHUP;
    static final int FD_SETSIZE, EPOLL_EVENT_SIZE, EPOLL_EVENT_DATA_OFFSET, READY_SLOT_SIZE;
    static final int EFDSETSIZE;
    static final int SIGURG, PTR_SIZE;
    static final int SIGIO;

    static final int CTL_ADD = 1, CTL_MOD = 2, CTL_DEL = 3; // MUX_CTL_* in muxlab.h

    /**
     * Why the library could not be loaded (null when it was). Then {@link #LIB} throws this
     * error, unwrapped, from every call, and the constants are -1: the first muxlab call says
     * why (Linux only, no packaged library for this architecture, ...) as a plain
     * {@link UnsatisfiedLinkError} instead of an {@code ExceptionInInitializerError}.
     */
    static final UnsatisfiedLinkError UNAVAILABLE;

    static {
        LibMuxlab lib;
        UnsatisfiedLinkError unavailable = null;
        String[] chosen = {"none", null};
        NativeBinding binding = null;
        try {
            binding = choose(chosen);
            lib = load(binding);
        } catch (UnsatisfiedLinkError e) {
            unavailable = e;
            lib = unavailable(e);
        } catch (RuntimeException | IOException e) {
            unavailable = new UnsatisfiedLinkError("muxlab: cannot load libmuxlab.so: " + e.getMessage());
            unavailable.initCause(e);
            lib = unavailable(unavailable);
        }
        UNAVAILABLE = unavailable;
        LIB = lib;
        BINDING = unavailable == null ? binding : null;
        BINDING_NAME = unavailable == null ? binding.name() : "none";
        BINDING_DETAIL = unavailable == null ? binding.name() + " (" + chosen[1] + ")"
                : "none (" + unavailable.getMessage() + ")";
        EPOLLIN = c("EPOLLIN"); EPOLLPRI = c("EPOLLPRI"); EPOLLOUT = c("EPOLLOUT"); EPOLLERR = c("EPOLLERR");
        EPOLLHUP = c("EPOLLHUP"); EPOLLRDHUP = c("EPOLLRDHUP"); EPOLLEXCLUSIVE = c("EPOLLEXCLUSIVE");
        EPOLLONESHOT = c("EPOLLONESHOT"); EPOLLET = c("EPOLLET");
        POLLIN = c("POLLIN"); POLLPRI = c("POLLPRI"); POLLOUT = c("POLLOUT"); POLLERR = c("POLLERR");
        POLLHUP = c("POLLHUP"); POLLNVAL = c("POLLNVAL"); POLLRDHUP = c("POLLRDHUP");
        FD_SETSIZE = c("FD_SETSIZE"); EPOLL_EVENT_SIZE = c("EPOLL_EVENT_SIZE");
        EPOLL_EVENT_DATA_OFFSET = c("EPOLL_EVENT_DATA_OFFSET"); READY_SLOT_SIZE = c("READY_SLOT_SIZE");
        EFDSETSIZE = c("EFDSETSIZE"); SIGURG = c("SIGURG"); PTR_SIZE = c("PTR_SIZE");
        SIGIO = c("SIGIO");
        if (unavailable == null) {
            checkContract();
        }
    }

    private Native() {
    }

    /** A constant by its C name; -1 when the library is unavailable. */
    static int c(String name) {
        if (UNAVAILABLE != null) {
            return -1;
        }
        long v = LIB.mux_const_named(name);
        if (v < 0) {
            throw new IllegalStateException("libmuxlab does not know constant " + name + ": library and jar out of step");
        }
        return (int) v;
    }

    /**
     * The binding to use, and in {@code why[1]} why it was chosen. Throws UnsatisfiedLinkError
     * for a bad {@code muxlab.binding}, or {@code ffm} where it cannot work.
     */
    static NativeBinding choose(String[] why) {
        int feature = Runtime.version().feature();
        String asked = System.getProperty("muxlab.binding", "").trim().toLowerCase(java.util.Locale.ROOT);
        switch (asked) {
            case "":
                if (feature < 22) {
                    why[1] = "the default before Java 22";
                    return new JnrBinding();
                }
                NativeBinding ffm = ffm();
                if (ffm == null) {
                    why[1] = "this jar has no FFM classes (built without a JDK 22+), so not the Java " + feature
                            + " default, ffm";
                    return new JnrBinding();
                }
                why[1] = "java.lang.foreign; the default on Java 22+";
                return ffm;
            case "jnr":
            case "jnr-ffi":
                why[1] = "chosen by -Dmuxlab.binding=" + asked;
                return new JnrBinding();
            case "ffm":
                if (feature < 22) {
                    throw new UnsatisfiedLinkError("muxlab.binding=ffm needs Java 22 or later (java.lang.foreign);"
                            + " this is Java " + feature + ": use muxlab.binding=jnr, or leave it unset");
                }
                NativeBinding forced = ffm();
                if (forced == null) {
                    throw new UnsatisfiedLinkError("muxlab.binding=ffm: this muxlab jar has no FFM classes ("
                            + FFM_CLASS + " in META-INF/versions/22): it was built without a JDK 22+");
                }
                why[1] = "java.lang.foreign; chosen by -Dmuxlab.binding=ffm";
                return forced;
            default:
                throw new UnsatisfiedLinkError("muxlab.binding must be jnr or ffm, not '" + asked + "'");
        }
    }

    /** The FFM binding, or null when this jar (or class path) has no FFM classes. */
    private static NativeBinding ffm() {
        Class<?> c;
        try {
            c = Class.forName(FFM_CLASS, true, Native.class.getClassLoader());
        } catch (ClassNotFoundException e) {
            return null;
        }
        try {
            return (NativeBinding) c.getDeclaredConstructor().newInstance();
        } catch (ReflectiveOperationException | LinkageError e) {
            UnsatisfiedLinkError failed = new UnsatisfiedLinkError("muxlab: the FFM binding does not start: " + e);
            failed.initCause(e);
            throw failed;
        }
    }

    private static LibMuxlab load(NativeBinding binding) throws IOException {
        String os = System.getProperty("os.name", "");
        String arch = System.getProperty("os.arch", "");
        if (!os.toLowerCase(java.util.Locale.ROOT).contains("linux")) {
            throw new UnsatisfiedLinkError("muxlab is Linux-only (select/poll/epoll); this is " + os);
        }
        String override = System.getProperty("muxlab.library.path");
        if (override != null && !override.isEmpty()) {
            return binding.open(overridden(override));
        }
        if (!arch.equals("amd64") && !arch.equals("x86_64")) {
            throw new UnsatisfiedLinkError("the packaged libmuxlab.so is linux-x86_64; this JVM is " + arch
                    + " (build natively and set -Dmuxlab.library.path)");
        }
        Path dir = extractionDir();
        try {
            Path file = dir.resolve("libmuxlab.so");
            try (InputStream in = Native.class.getResourceAsStream(RESOURCE)) {
                if (in == null) {
                    throw new UnsatisfiedLinkError("libmuxlab.so is not on the classpath at " + RESOURCE
                            + " (build with mvn, or set -Dmuxlab.library.path)");
                }
                Files.copy(in, file, StandardCopyOption.REPLACE_EXISTING);
            }
            // mapped once loaded: the file and its folder can go at once (nothing is left in /tmp)
            return binding.open(file);
        } finally {
            deleteTree(dir);
        }
    }

    /**
     * A fresh private folder for the extracted library: under {@code muxlab.tmpdir} when set
     * (for a {@code /tmp} mounted noexec, where the loader refuses to map it), else under
     * {@code java.io.tmpdir}.
     */
    private static Path extractionDir() throws IOException {
        String base = System.getProperty("muxlab.tmpdir");
        if (base != null && !base.isEmpty()) {
            Path b = Paths.get(base);
            Files.createDirectories(b);
            return Files.createTempDirectory(b, "muxlab-native");
        }
        return Files.createTempDirectory("muxlab-native");
    }

    private static void deleteTree(Path dir) {
        try {
            Files.deleteIfExists(dir.resolve("libmuxlab.so"));
            Files.deleteIfExists(dir);
        } catch (IOException e) {
            dir.toFile().deleteOnExit();
        }
    }

    /** The error for a library without mux_const_named: built before this jar's sources. */
    static UnsatisfiedLinkError stale(Path file, Throwable cause) {
        UnsatisfiedLinkError stale = new UnsatisfiedLinkError("libmuxlab.so from " + file
                + " is older than this jar (no mux_const_named): rebuild it with mvn");
        stale.initCause(cause);
        return stale;
    }

    /** A LibMuxlab whose every method throws {@code why}, for a machine where the library cannot load. */
    private static LibMuxlab unavailable(UnsatisfiedLinkError why) {
        return (LibMuxlab) java.lang.reflect.Proxy.newProxyInstance(LibMuxlab.class.getClassLoader(),
                new Class<?>[] {LibMuxlab.class}, (proxy, method, args) -> {
                    if (method.getDeclaringClass() == Object.class) {
                        return method.getName().equals("toString") ? "libmuxlab (unavailable)"
                                : method.getName().equals("hashCode") ? System.identityHashCode(proxy) : proxy == args[0];
                    }
                    UnsatisfiedLinkError e = new UnsatisfiedLinkError(why.getMessage());
                    e.initCause(why.getCause());
                    throw e;
                });
    }

    /** The public {@link Events} values are a contract; fail loudly if this kernel's headers disagree. */
    private static void checkContract() {
        check("READ", Events.READ, EPOLLIN, POLLIN);
        check("PRI", Events.PRI, EPOLLPRI, POLLPRI);
        check("WRITE", Events.WRITE, EPOLLOUT, POLLOUT);
        check("ERR", Events.ERR, EPOLLERR, POLLERR);
        check("HUP", Events.HUP, EPOLLHUP, POLLHUP);
        check("RDHUP", Events.RDHUP, EPOLLRDHUP, POLLRDHUP);
        check("NVAL", Events.NVAL, POLLNVAL, POLLNVAL);
        check("EXCLUSIVE", Events.EXCLUSIVE, EPOLLEXCLUSIVE, EPOLLEXCLUSIVE);
        check("ONESHOT", Events.ONESHOT, EPOLLONESHOT, EPOLLONESHOT);
        check("EDGE", Events.EDGE, EPOLLET, EPOLLET);
        if (READY_SLOT_SIZE < 8 || PTR_SIZE != 8) {
            throw new IllegalStateException("unexpected layout: slot " + READY_SLOT_SIZE + ", pointer " + PTR_SIZE);
        }
    }

    private static void check(String name, int javaValue, int a, int b) {
        if (javaValue != a || javaValue != b) {
            throw new IllegalStateException("Events." + name + "=0x" + Integer.toHexString(javaValue)
                    + " but the C headers say 0x" + Integer.toHexString(a) + "/0x" + Integer.toHexString(b));
        }
    }

    private static Path overridden(String override) {
        Path p = Paths.get(override).toAbsolutePath();
        if (Files.isDirectory(p)) {
            p = p.resolve("libmuxlab.so");
        }
        if (!Files.isRegularFile(p)) {
            throw new UnsatisfiedLinkError("muxlab.library.path=" + override + ": no libmuxlab.so there");
        }
        if (!p.getFileName().toString().equals("libmuxlab.so")) {
            throw new UnsatisfiedLinkError("muxlab.library.path must name libmuxlab.so or its directory: " + p);
        }
        return p;
    }

    // ---- memory, through the binding ----

    /** Zeroed native memory as a direct buffer in platform order, freed when collected. */
    static java.nio.ByteBuffer allocate(int bytes) {
        if (UNAVAILABLE != null) {
            throw unavailableError();
        }
        return BINDING.allocate(bytes);
    }

    /** The address of a direct buffer's index 0; allocates nothing in steady state. */
    static long address(java.nio.ByteBuffer direct) {
        if (UNAVAILABLE != null) {
            throw unavailableError();
        }
        return BINDING.address(direct);
    }

    private static UnsatisfiedLinkError unavailableError() {
        UnsatisfiedLinkError e = new UnsatisfiedLinkError(UNAVAILABLE.getMessage());
        e.initCause(UNAVAILABLE.getCause());
        return e;
    }

    // ---- error helpers ----

    static String errnoName(int errno) {
        String n = LIB.mux_errno_name(errno);
        return n != null ? n : "E" + errno;
    }

    static String errnoText(int errno) {
        String t = LIB.mux_errno_text(errno);
        return t != null ? t : "unknown error " + errno;
    }

    /** Throws the typed exception for a negative shim result; returns rc otherwise. */
    static int check(int rc, String op) throws NativeException {
        if (rc < 0) {
            throw NativeException.of(-rc, op);
        }
        return rc;
    }

    static long check(long rc, String op) throws NativeException {
        if (rc < 0) {
            throw NativeException.of((int) -rc, op);
        }
        return rc;
    }

    /**
     * The C shims of {@code native/include/muxlab.h}, one Java method per exported function:
     * the seam every native call of the package goes through, implemented by jnr-ffi's
     * generated class ({@link JnrBinding}) or by {@code FfmLib}'s downcall handles
     * ({@code FfmBinding}, Java 22+). Every function returns {@code >= 0} or {@code -errno};
     * errno is never saved ({@link IgnoreError}; FFM does not capture it unless asked), so a
     * call costs no thread-local bookkeeping. Only primitives, arrays and strings cross this
     * boundary; hot paths use primitives only (addresses are C's {@code int64_t}).
     * <p>
     * Public only so that jnr-ffi's generated class (defined in its own class loader) may
     * implement it; it is unreachable from outside the package because {@code Native} is not.
     */
    public interface LibMuxlab {
        @IgnoreError long mux_const_named(@In String name);
        @IgnoreError String mux_errno_name(int err);
        @IgnoreError String mux_errno_text(int err);

        @IgnoreError long mux_select_open(int wide);
        @IgnoreError int mux_select_close(long h);
        @IgnoreError int mux_select_ctl(long h, int op, int fd, int events);
        @IgnoreError int mux_select_wait(long h, long out, int capacity, long timeoutMillis);
        @IgnoreError int mux_select_wakeup(long h);
        @IgnoreError int mux_select_max_fd(long h);

        @IgnoreError long mux_poll_open();
        @IgnoreError int mux_poll_close(long h);
        @IgnoreError int mux_poll_ctl(long h, int op, int fd, int events);
        @IgnoreError int mux_poll_wait(long h, long out, int capacity, long timeoutMillis);
        @IgnoreError int mux_poll_wakeup(long h);
        @IgnoreError int mux_poll_count(long h);

        @IgnoreError long mux_epoll_open();
        @IgnoreError int mux_epoll_close(long h);
        @IgnoreError int mux_epoll_ctl(long h, int op, int fd, int events);
        @IgnoreError int mux_epoll_wait(long h, long out, int capacity, long timeoutMillis);
        @IgnoreError int mux_epoll_wakeup(long h);
        @IgnoreError int mux_epoll_fd(long h);

        @IgnoreError long mux_eintr_retries();

        @IgnoreError int mux_socketpair(int nonblock, @Out int[] sv);
        @IgnoreError int mux_pipe(int nonblock, @Out int[] fds);
        @IgnoreError int mux_eventfd(int initval, int nonblock);
        @IgnoreError long mux_read(int fd, long addr, long len);
        @IgnoreError long mux_write(int fd, long addr, long len);
        @IgnoreError int mux_close(int fd);
        @IgnoreError int mux_dup(int fd);
        @IgnoreError int mux_shutdown(int fd, int how);
        @IgnoreError int mux_set_nonblock(int fd, int on);
        @IgnoreError int mux_get_nonblock(int fd);
        @IgnoreError int mux_is_cloexec(int fd);
        @IgnoreError long mux_nofile_limit(int hard);
        @IgnoreError int mux_set_nofile_limit(long soft);
        @IgnoreError int mux_open_file(@In String path, int writable);
        @IgnoreError long mux_fill(int fd, long maxBytes);
        @IgnoreError long mux_drain(int fd);
        @IgnoreError long mux_readable_bytes(int fd);

        @IgnoreError int mux_timerfd(int nonblock);
        @IgnoreError int mux_timerfd_arm(int fd, long delayNanos, long intervalNanos);
        @IgnoreError long mux_timerfd_read(int fd);
        @IgnoreError long mux_monotonic_nanos();

        @IgnoreError int mux_tcp_socket(int nonblock);
        @IgnoreError int mux_bind4(int fd, long addr, int port);
        @IgnoreError int mux_listen(int fd, int backlog);
        @IgnoreError int mux_accept(int fd, int nonblock);
        @IgnoreError int mux_connect4(int fd, long addr, int port);
        @IgnoreError int mux_local_port(int fd);
        @IgnoreError int mux_so_error(int fd);
        @IgnoreError int mux_set_reuseaddr(int fd, int on);
        @IgnoreError int mux_set_reuseport(int fd, int on);
        @IgnoreError int mux_set_tcp_nodelay(int fd, int on);
        @IgnoreError int mux_set_linger(int fd, int on, int seconds);
        @IgnoreError int mux_set_recv_timeout(int fd, long millis);
        @IgnoreError int mux_set_send_timeout(int fd, long millis);

        @IgnoreError int mux_signal_install(int signo);
        @IgnoreError long mux_signal_count();
        @IgnoreError long mux_thread_self();
        @IgnoreError int mux_thread_kill(long thread, int signo);

        @IgnoreError int mux_sigio_signal();
        @IgnoreError long mux_sigio_open();
        @IgnoreError int mux_sigio_close(long h);
        @IgnoreError int mux_sigio_ctl(long h, int op, int fd, int events);
        @IgnoreError int mux_sigio_wait(long h, long out, int capacity, long timeoutMillis);
        @IgnoreError int mux_sigio_wakeup(long h);
        @IgnoreError int mux_sigio_count(long h);
        @IgnoreError long mux_sigio_overflows(long h);
        @IgnoreError long mux_sigio_signals(long h);
        @IgnoreError long mux_sigio_stale(long h);
        @IgnoreError long mux_sigpending_limit(int hard);
        @IgnoreError int mux_set_sigpending_limit(long soft);
        @IgnoreError long mux_sigpending_used();
        // io_uring (uring.c): the URING multiplexer, the completion Ring, the probe
        @IgnoreError long mux_uring_open();
        @IgnoreError long mux_uring_open_sized(int sqEntries, int cqEntries);
        @IgnoreError int mux_uring_close(long h);
        @IgnoreError int mux_uring_ctl(long h, int op, int fd, int events);
        @IgnoreError int mux_uring_wait(long h, long out, int capacity, long timeoutMillis);
        @IgnoreError int mux_uring_wakeup(long h);
        @IgnoreError int mux_uring_fd(long h);
        @IgnoreError long mux_uring_stat(long h, int which);
        @IgnoreError long mux_ring_open(int sqEntries, int cqEntries);
        @IgnoreError int mux_ring_close(long h);
        @IgnoreError int mux_ring_fd(long h);
        @IgnoreError long mux_ring_info(long h, int which);
        @IgnoreError long mux_ring_stat(long h, int which);
        @IgnoreError int mux_ring_queued(long h);
        @IgnoreError int mux_ring_nop(long h, long userData);
        @IgnoreError int mux_ring_poll(long h, int fd, int events, int pollFlags, long userData);
        @IgnoreError int mux_ring_poll_remove(long h, long target, long userData);
        @IgnoreError int mux_ring_accept(long h, int fd, int multishot, long userData);
        @IgnoreError int mux_ring_recv(long h, int fd, int group, int multishot, long userData);
        @IgnoreError int mux_ring_send(long h, int fd, long addr, int len, long userData);
        @IgnoreError int mux_ring_close_fd(long h, int fd, long userData);
        @IgnoreError int mux_ring_cancel(long h, long target, int all, long userData);
        @IgnoreError int mux_ring_cancel_fd(long h, int fd, long userData);
        @IgnoreError int mux_ring_wait(long h, long out, int capacity, int min, long timeoutMillis);
        @IgnoreError int mux_ring_wakeup(long h);
        @IgnoreError long mux_ring_buffers(long h, int group, int count, int size, long mem);
        @IgnoreError int mux_ring_buffers_recycle(long b, int bid);
        @IgnoreError int mux_ring_buffers_free(long b);
        @IgnoreError int mux_uring_probe(@Out byte[] ops, int cap, @Out int[] info);
        @IgnoreError String mux_uring_op_name(int op);
        @IgnoreError int mux_uring_deny_for_thread(int err);
    }
}
