package dev.muxlab;

/**
 * The kernel's three readiness multiplexers.
 * <ul>
 * <li>{@link #SELECT}: {@code select(2)}, fd bitmaps rebuilt and scanned up to the highest fd on
 * every call; glibc's {@code fd_set} stops at fd 1023.</li>
 * <li>{@link #POLL}: {@code poll(2)}, an array of {@code pollfd} passed and scanned on every call.</li>
 * <li>{@link #EPOLL}: {@code epoll(7)}, interest kept in the kernel, only ready fds returned;
 * level- or edge-triggered, ONESHOT, EXCLUSIVE.</li>
 * </ul>
 */
public enum Backend {
    SELECT, POLL, EPOLL
}
