package dev.muxlab;

/**
 * For the lab's tests: makes io_uring unavailable in the calling thread (and threads it starts
 * later) with a seccomp filter that answers its system calls with {@code errno}, as a container
 * runtime's filter does. In package dev.muxlab for the native call; the rest of the process keeps
 * io_uring.
 */
public final class UringDenial {
    private UringDenial() {
    }

    /** Denies io_uring to this thread from now on; call {@link Ring#probe()} in another thread first (it is cached). */
    public static void denyForThisThread(int errno) {
        int rc = Native.LIB.mux_uring_deny_for_thread(errno);
        if (rc != 0) {
            throw new IllegalStateException("seccomp filter not installed: " + rc);
        }
    }
}
