package dev.muxlab;


/**
 * Signals aimed at one thread, to interrupt a blocked system call on purpose. A handler installed
 * here has no SA_RESTART, so select, poll and epoll_wait return EINTR; muxlab's awaits retry with
 * the remaining time ({@link #eintrRetries()} counts those retries). Use a signal the JVM does
 * not use, such as {@link #SIGURG}.
 */
public final class Signals {
    private static final Native.LibMuxlab LIB = Native.LIB;

    /** SIGURG: ignored by default and unused by the JVM. */
    public static final int SIGURG = Native.SIGURG;

    private Signals() {
    }

    /** Installs a counting handler for signo, without SA_RESTART. */
    public static void install(int signo) throws NativeException {
        Native.check(LIB.mux_signal_install(signo), "sigaction(" + signo + ")");
    }

    /** Signals handled by the counting handler since load. */
    public static long handled() {
        return LIB.mux_signal_count();
    }

    /** The calling thread's pthread id, for {@link #kill}. */
    public static long currentThread() {
        return LIB.mux_thread_self();
    }

    /**
     * pthread_kill: sends signo to a thread of this process. The thread must still be alive
     * (a pthread id of a finished thread is undefined behaviour in glibc).
     */
    public static void kill(long thread, int signo) throws NativeException {
        Native.check(LIB.mux_thread_kill(thread, signo), "pthread_kill");
    }

    /** EINTR retries made inside await, in all threads, since load. */
    public static long eintrRetries() {
        return LIB.mux_eintr_retries();
    }
}
