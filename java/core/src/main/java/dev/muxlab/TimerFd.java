package dev.muxlab;


/**
 * Linux {@code timerfd} on {@code CLOCK_MONOTONIC}: a timer that is a file descriptor. An armed
 * timer's fd becomes readable when it expires, so registering it in a {@link Multiplexer} lets a
 * loop sleep in {@code epoll_wait}/{@code poll}/{@code select} until exactly its next deadline,
 * while still waking for IO. Their own timeouts count whole milliseconds; a timerfd has nanosecond
 * resolution (the kernel's hrtimer, plus the thread's timer slack, 50 µs by default).
 * <p>
 * Reading returns how many times the timer expired since the last read and resets the count; the
 * fd stays readable (level-triggered) until it is read. Re-arming replaces the previous deadline.
 * All methods are static and allocate nothing unless they throw.
 */
public final class TimerFd {
    private static final Native.LibMuxlab LIB = Native.LIB;

    private TimerFd() {
    }

    /** A new, unarmed, non-blocking, close-on-exec timerfd. Close it with {@link Fds#close}. */
    public static int open() throws NativeException {
        return Native.check(LIB.mux_timerfd(1), "timerfd_create");
    }

    /**
     * Arms a one-shot timer {@code delayNanos} from now; 0 disarms it.
     *
     * @throws NativeException EINVAL for a negative delay or an fd that is not a timerfd, EBADF
     */
    public static void arm(int fd, long delayNanos) throws NativeException {
        arm(fd, delayNanos, 0);
    }

    /**
     * Arms the timer to expire {@code delayNanos} from now and then every {@code intervalNanos}
     * (0 = once). A delay of 0 disarms it.
     *
     * @throws NativeException EINVAL for negative values or an fd that is not a timerfd, EBADF
     */
    public static void arm(int fd, long delayNanos, long intervalNanos) throws NativeException {
        int rc = LIB.mux_timerfd_arm(fd, delayNanos, intervalNanos);
        if (rc < 0) {
            throw NativeException.of(-rc, "timerfd_settime(fd " + fd + ")");
        }
    }

    /** Stops the timer; an expiration not yet read stays readable. */
    public static void disarm(int fd) throws NativeException {
        arm(fd, 0, 0);
    }

    /**
     * Expirations since the last read (resets the count), or 0 if the timer has not expired.
     *
     * @throws NativeException EBADF, or EINVAL when fd is not a timerfd
     */
    public static long read(int fd) throws NativeException {
        long n = LIB.mux_timerfd_read(fd);
        if (n == -Errno.EAGAIN) {
            return 0;
        }
        if (n < 0) {
            throw NativeException.of((int) -n, "timerfd read(fd " + fd + ")");
        }
        return n;
    }

    /** {@code clock_gettime(CLOCK_MONOTONIC)} in nanoseconds, the clock the timers run on. */
    public static long monotonicNanos() {
        return LIB.mux_monotonic_nanos();
    }
}
