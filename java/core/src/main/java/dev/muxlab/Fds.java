package dev.muxlab;

import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.stream.Stream;

/**
 * Raw file descriptors: creation (every fd muxlab creates is {@code O_CLOEXEC}), non-blocking
 * read and write on {@link ByteBuffer}s, and the {@code RLIMIT_NOFILE} knobs. Failures throw
 * {@link NativeException} with the errno name; "would block" ({@code EAGAIN}) is not a failure
 * but a return value of 0.
 * <p>
 * read and write on direct buffers go straight to the kernel with no copy and no allocation;
 * heap buffers are copied through a per-thread native buffer.
 */
public final class Fds {
    private static final Native.LibMuxlab LIB = Native.LIB;
    private static final int BOUNCE = 64 * 1024;
    private static final ThreadLocal<Bounce> BOUNCE_BUFFER = ThreadLocal.withInitial(Bounce::new);
    private static final ThreadLocal<byte[]> STAGING = ThreadLocal.withInitial(() -> new byte[BOUNCE]);

    private Fds() {
    }

    /** A connected AF_UNIX stream socket pair, both ends non-blocking and close-on-exec. */
    public static int[] socketPair() throws NativeException {
        return socketPair(true);
    }

    /** A connected AF_UNIX stream socket pair, close-on-exec, optionally blocking. */
    public static int[] socketPair(boolean nonBlocking) throws NativeException {
        int[] sv = new int[2];
        Native.check(LIB.mux_socketpair(nonBlocking ? 1 : 0, sv), "socketpair");
        return sv;
    }

    /** A pipe, both ends non-blocking and close-on-exec: [0] is the read end, [1] the write end. */
    public static int[] pipe() throws NativeException {
        return pipe(true);
    }

    /** A pipe, optionally blocking: [0] is the read end, [1] the write end. */
    public static int[] pipe(boolean nonBlocking) throws NativeException {
        int[] fds = new int[2];
        Native.check(LIB.mux_pipe(nonBlocking ? 1 : 0, fds), "pipe2");
        return fds;
    }

    /** A non-blocking eventfd with counter 0: readable once its counter is non-zero. */
    public static int eventFd() throws NativeException {
        return eventFd(0);
    }

    /** A non-blocking eventfd with the given initial counter. */
    public static int eventFd(int initialValue) throws NativeException {
        return Native.check(LIB.mux_eventfd(initialValue, 1), "eventfd");
    }

    /**
     * {@link #eventFd()} without exceptions: a non-blocking eventfd, or {@code -errno}
     * ({@code -Errno.EMFILE} at the fd limit). For reserving an fd slot where failing is routine.
     */
    public static int tryEventFd() {
        return LIB.mux_eventfd(0, 1);
    }

    /**
     * Reads into {@code dst} from its position, advancing it.
     *
     * @return bytes read; -1 at EOF; 0 when the fd would block (or dst is full)
     * @throws NativeException e.g. ECONNRESET, EBADF
     */
    public static int read(int fd, ByteBuffer dst) throws NativeException {
        if (dst.isReadOnly()) {
            throw new java.nio.ReadOnlyBufferException(); // before the kernel writes into it
        }
        int pos = dst.position();
        int len = dst.limit() - pos;
        if (len == 0) {
            return 0;
        }
        long n;
        if (dst.isDirect()) {
            n = LIB.mux_read(fd, Native.address(dst) + pos, len);
        } else {
            Bounce bounce = BOUNCE_BUFFER.get();
            n = LIB.mux_read(fd, bounce.address, Math.min(len, BOUNCE));
            if (n > 0) {
                bounce.buffer.get(0, dst.array(), dst.arrayOffset() + pos, (int) n);
            }
        }
        if (n < 0) {
            if (n == -Errno.EAGAIN) {
                return 0;
            }
            throw NativeException.of((int) -n, "read(fd " + fd + ")");
        }
        if (n == 0) {
            return -1;
        }
        dst.position(pos + (int) n);
        return (int) n;
    }

    /**
     * Writes from {@code src}'s position, advancing it.
     *
     * @return bytes written; 0 when the fd would block (or src is empty)
     * @throws NativeException e.g. EPIPE, ECONNRESET, EBADF
     */
    public static int write(int fd, ByteBuffer src) throws NativeException {
        int pos = src.position();
        int len = src.limit() - pos;
        if (len == 0) {
            return 0;
        }
        long n;
        if (src.isDirect()) {
            n = LIB.mux_write(fd, Native.address(src) + pos, len);
        } else {
            Bounce bounce = BOUNCE_BUFFER.get();
            int chunk = Math.min(len, BOUNCE);
            if (src.hasArray()) {
                bounce.buffer.put(0, src.array(), src.arrayOffset() + pos, chunk);
            } else { // a read-only heap buffer hides its array: copy through a per-thread one
                byte[] staging = STAGING.get();
                src.get(pos, staging, 0, chunk);
                bounce.buffer.put(0, staging, 0, chunk);
            }
            n = LIB.mux_write(fd, bounce.address, chunk);
        }
        if (n < 0) {
            if (n == -Errno.EAGAIN) {
                return 0;
            }
            throw NativeException.of((int) -n, "write(fd " + fd + ")");
        }
        src.position(pos + (int) n);
        return (int) n;
    }

    /** Adds {@code value} to an eventfd's counter (8-byte write). */
    public static void signalEventFd(int fd, long value) throws NativeException {
        Bounce b = BOUNCE_BUFFER.get();
        b.buffer.putLong(0, value);
        long n = LIB.mux_write(fd, b.address, 8);
        if (n < 0) {
            throw NativeException.of((int) -n, "eventfd write(fd " + fd + ")");
        }
    }

    /** Reads and resets an eventfd's counter; 0 if it was 0 (would block). */
    public static long readEventFd(int fd) throws NativeException {
        Bounce b = BOUNCE_BUFFER.get();
        long n = LIB.mux_read(fd, b.address, 8);
        if (n == -Errno.EAGAIN) {
            return 0;
        }
        if (n < 0) {
            throw NativeException.of((int) -n, "eventfd read(fd " + fd + ")");
        }
        return b.buffer.getLong(0);
    }

    /** Closes fd. Linux releases the fd even when close reports EINTR, so it is never retried. */
    public static void close(int fd) throws NativeException {
        int rc = LIB.mux_close(fd);
        if (rc < 0) {
            throw NativeException.of(-rc, "close(fd " + fd + ")");
        }
    }

    /** Closes fd, ignoring errors (for cleanup paths). */
    public static void closeQuietly(int fd) {
        if (fd >= 0) {
            LIB.mux_close(fd);
        }
    }

    /**
     * Duplicates fd onto the lowest free number (close-on-exec). Both numbers refer to one open
     * file: an epoll registration follows the open file, not the number.
     */
    public static int dup(int fd) throws NativeException {
        int rc = LIB.mux_dup(fd);
        if (rc < 0) {
            throw NativeException.of(-rc, "dup(fd " + fd + ")");
        }
        return rc;
    }

    /** shutdown(SHUT_WR): the peer reads EOF (and sees RDHUP); this side can still read. */
    public static void shutdownOutput(int fd) throws NativeException {
        shutdown(fd, 1, "shutdown(SHUT_WR)");
    }

    /** shutdown(SHUT_RD). */
    public static void shutdownInput(int fd) throws NativeException {
        shutdown(fd, 0, "shutdown(SHUT_RD)");
    }

    private static void shutdown(int fd, int how, String what) throws NativeException {
        int rc = LIB.mux_shutdown(fd, how);
        if (rc < 0) {
            throw NativeException.of(-rc, what + " fd " + fd);
        }
    }

    /** Sets or clears O_NONBLOCK. */
    public static void setNonBlocking(int fd, boolean on) throws NativeException {
        int rc = LIB.mux_set_nonblock(fd, on ? 1 : 0);
        if (rc < 0) {
            throw NativeException.of(-rc, "fcntl(F_SETFL) fd " + fd);
        }
    }

    /** Whether O_NONBLOCK is set. */
    public static boolean isNonBlocking(int fd) throws NativeException {
        int rc = LIB.mux_get_nonblock(fd);
        if (rc < 0) {
            throw NativeException.of(-rc, "fcntl(F_GETFL) fd " + fd);
        }
        return rc == 1;
    }

    /** Whether FD_CLOEXEC is set. */
    public static boolean isCloseOnExec(int fd) throws NativeException {
        int rc = LIB.mux_is_cloexec(fd);
        if (rc < 0) {
            throw NativeException.of(-rc, "fcntl(F_GETFD) fd " + fd);
        }
        return rc == 1;
    }

    /** Whether fd is an open descriptor of this process. */
    public static boolean isOpen(int fd) {
        return fd >= 0 && LIB.mux_is_cloexec(fd) >= 0;
    }

    /** The soft RLIMIT_NOFILE: the highest fd number this process may open, plus one. */
    public static int openFileLimit() {
        return clamp(LIB.mux_nofile_limit(0));
    }

    /** The hard RLIMIT_NOFILE: how far {@link #raiseOpenFileLimit()} may go without privilege. */
    public static int hardOpenFileLimit() {
        return clamp(LIB.mux_nofile_limit(1));
    }

    /** Raises the soft RLIMIT_NOFILE to the hard limit; returns the new soft limit. */
    public static int raiseOpenFileLimit() throws NativeException {
        long hard = LIB.mux_nofile_limit(1);
        Native.check(hard, "getrlimit(RLIMIT_NOFILE)");
        long soft = LIB.mux_nofile_limit(0);
        if (soft < hard) {
            Native.check(LIB.mux_set_nofile_limit(hard), "setrlimit(RLIMIT_NOFILE)");
        }
        return openFileLimit();
    }

    /** Sets the soft RLIMIT_NOFILE (at most the hard limit). */
    public static void setOpenFileLimit(int soft) throws NativeException {
        if (soft < 0) {
            throw new IllegalArgumentException("negative fd limit " + soft);
        }
        Native.check(LIB.mux_set_nofile_limit(soft), "setrlimit(RLIMIT_NOFILE, " + soft + ")");
    }

    /** Opens a regular file read-only, or read-write (created if missing), close-on-exec. */
    public static int openFile(Path path, boolean writable) throws NativeException {
        int rc = LIB.mux_open_file(path.toString(), writable ? 1 : 0);
        if (rc < 0) {
            throw NativeException.of(-rc, "open(" + path + ")");
        }
        return rc;
    }

    /** Writes zeros until the fd would block; returns the bytes written (fills a pipe or socket buffer). */
    public static long fill(int fd) throws NativeException {
        return Native.check(LIB.mux_fill(fd, -1), "write(fd " + fd + ")");
    }

    /** Reads and discards until the fd would block or reaches EOF; returns the bytes read. */
    public static long drain(int fd) throws NativeException {
        return Native.check(LIB.mux_drain(fd), "read(fd " + fd + ")");
    }

    /** Bytes queued for reading (FIONREAD). */
    public static int available(int fd) throws NativeException {
        return (int) Native.check(LIB.mux_readable_bytes(fd), "ioctl(FIONREAD) fd " + fd);
    }

    /** How many fds this process has open (entries of /proc/self/fd), for leak checks. */
    public static int countOpen() {
        try (Stream<Path> s = Files.list(Paths.get("/proc/self/fd"))) {
            return (int) s.count() - 1; // the directory stream's own fd
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException("cannot list /proc/self/fd", e);
        }
    }

    /** A thread's native buffer for heap buffers and eventfd counters, with its address. */
    private static final class Bounce {
        final ByteBuffer buffer = Native.allocate(BOUNCE);
        final long address = Native.address(buffer);
    }

    private static int clamp(long v) {
        if (v < 0) {
            return 0;
        }
        return v > Integer.MAX_VALUE ? Integer.MAX_VALUE : (int) v;
    }
}
