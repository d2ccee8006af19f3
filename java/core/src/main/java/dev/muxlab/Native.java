package dev.muxlab;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.nio.file.StandardCopyOption;

import jnr.ffi.LibraryLoader;
import jnr.ffi.annotations.IgnoreError;
import jnr.ffi.annotations.In;
import jnr.ffi.annotations.Out;
import jnr.ffi.LibraryOption;
import jnr.ffi.Runtime;

/**
 * Loads {@code libmuxlab.so} and reads, at class load, every constant and layout the Java side
 * needs from C. The library is packaged in the core jar under {@code native/linux-x86_64/} and
 * extracted to a temporary file; the system property {@code muxlab.library.path} (a file or a
 * directory holding {@code libmuxlab.so}) overrides that for development.
 */
final class Native {
    static final String RESOURCE = "/native/linux-x86_64/libmuxlab.so";

    static final LibMuxlab LIB;
    static final Runtime RUNTIME;

    // ids of mux_const(), in the order of enum mux_const_id in muxlab.h
    static final int EPOLLIN, EPOLLPRI, EPOLLOUT, EPOLLERR, EPOLLHUP, EPOLLRDHUP;
    static final int EPOLLEXCLUSIVE, EPOLLONESHOT, EPOLLET;
    static final int POLLIN, POLLPRI, POLLOUT, POLLERR, POLLHUP, POLLNVAL, POLLRDHUP;
    static final int FD_SETSIZE, EPOLL_EVENT_SIZE, EPOLL_EVENT_DATA_OFFSET, READY_SLOT_SIZE;
    static final int EAGAIN, EINTR, EBADF, EEXIST, ENOENT, EINVAL, EMFILE, ENFILE, EPERM;
    static final int EINPROGRESS, ECONNRESET, EPIPE, ENOTCONN, ECONNREFUSED, ENOMEM, EFDSETSIZE;
    static final int ECONNABORTED, EPROTO;
    static final int SIGURG, PTR_SIZE;

    static final int CTL_ADD = 1, CTL_MOD = 2, CTL_DEL = 3; // MUX_CTL_* in muxlab.h

    static {
        String os = System.getProperty("os.name", "");
        String arch = System.getProperty("os.arch", "");
        if (!os.toLowerCase().contains("linux")) {
            throw new UnsupportedOperationException("muxlab is Linux-only (select/poll/epoll); this is " + os);
        }
        Path lib = locate(arch);
        RUNTIME = Runtime.getSystemRuntime();
        LIB = LibraryLoader.create(LibMuxlab.class)
                .option(LibraryOption.IgnoreError, true)
                .failImmediately()
                .search(lib.getParent().toString())
                .load("muxlab");
        int i = 0;
        EPOLLIN = c(i++); EPOLLPRI = c(i++); EPOLLOUT = c(i++); EPOLLERR = c(i++); EPOLLHUP = c(i++);
        EPOLLRDHUP = c(i++); EPOLLEXCLUSIVE = c(i++); EPOLLONESHOT = c(i++); EPOLLET = c(i++);
        POLLIN = c(i++); POLLPRI = c(i++); POLLOUT = c(i++); POLLERR = c(i++); POLLHUP = c(i++);
        POLLNVAL = c(i++); POLLRDHUP = c(i++);
        FD_SETSIZE = c(i++); EPOLL_EVENT_SIZE = c(i++); EPOLL_EVENT_DATA_OFFSET = c(i++); READY_SLOT_SIZE = c(i++);
        EAGAIN = c(i++); EINTR = c(i++); EBADF = c(i++); EEXIST = c(i++); ENOENT = c(i++); EINVAL = c(i++);
        EMFILE = c(i++); ENFILE = c(i++); EPERM = c(i++); EINPROGRESS = c(i++); ECONNRESET = c(i++);
        EPIPE = c(i++); ENOTCONN = c(i++); ECONNREFUSED = c(i++); ENOMEM = c(i++); EFDSETSIZE = c(i++);
        SIGURG = c(i++); PTR_SIZE = c(i++);
        ECONNABORTED = c(i++); EPROTO = c(i++);
        checkContract();
    }

    private Native() {
    }

    private static int c(int id) {
        long v = LIB.mux_const(id);
        if (v < 0) {
            throw new IllegalStateException("libmuxlab does not know constant id " + id + ": library and jar out of step");
        }
        return (int) v;
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

    private static Path locate(String arch) {
        String override = System.getProperty("muxlab.library.path");
        if (override != null && !override.isEmpty()) {
            Path p = Paths.get(override).toAbsolutePath();
            if (Files.isDirectory(p)) {
                p = p.resolve("libmuxlab.so");
            }
            if (!Files.isRegularFile(p)) {
                throw new IllegalStateException("muxlab.library.path=" + override + ": no libmuxlab.so there");
            }
            if (!p.getFileName().toString().equals("libmuxlab.so")) {
                throw new IllegalStateException("muxlab.library.path must name libmuxlab.so or its directory: " + p);
            }
            return p;
        }
        if (!arch.equals("amd64") && !arch.equals("x86_64")) {
            throw new UnsupportedOperationException("the packaged libmuxlab.so is linux-x86_64; this JVM is " + arch
                    + " (build natively and set -Dmuxlab.library.path)");
        }
        try (InputStream in = Native.class.getResourceAsStream(RESOURCE)) {
            if (in == null) {
                throw new IllegalStateException("libmuxlab.so is not on the classpath at " + RESOURCE
                        + " (build with mvn, or set -Dmuxlab.library.path)");
            }
            Path dir = Files.createTempDirectory("muxlab-native");
            Path file = dir.resolve("libmuxlab.so");
            Files.copy(in, file, StandardCopyOption.REPLACE_EXISTING);
            file.toFile().deleteOnExit();
            dir.toFile().deleteOnExit();
            return file;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot extract libmuxlab.so", e);
        }
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
     * The C shims of {@code native/include/muxlab.h}, one Java method per exported function.
     * Every function returns {@code >= 0} or {@code -errno}; errno is never saved
     * ({@link IgnoreError}), so a call costs no thread-local bookkeeping. Only primitives,
     * arrays and strings cross this boundary; hot paths use primitives only.
     * <p>
     * Public only so that jnr-ffi's generated class (defined in its own class loader) may
     * implement it; it is unreachable from outside the package because {@code Native} is not.
     */
    public interface LibMuxlab {
        @IgnoreError long mux_const(int id);
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
    }
}
