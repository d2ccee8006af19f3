package dev.muxlab;

/**
 * io_uring cannot be used here: {@code io_uring_setup(2)} failed with {@code ENOSYS} (a kernel
 * older than 5.1 or built without {@code CONFIG_IO_URING}, or a seccomp filter that answers
 * ENOSYS, as some container runtimes install), {@code EPERM} ({@code kernel.io_uring_disabled}
 * is 2, or 1 without membership of {@code kernel.io_uring_group}, or a seccomp filter or LSM
 * refuses it), or {@code EOPNOTSUPP} (an io_uring too old for what was asked, e.g. the
 * {@link Backend#URING} multiplexer needs {@code IORING_FEAT_EXT_ARG}, Linux 5.11).
 * <p>
 * Thrown by {@link Ring#open} and by {@link Multiplexer#create} for {@link Backend#URING}; the
 * message says which of the above applies, in one line. Nothing else in muxlab needs io_uring:
 * the other backends and {@link Fds} work as before. {@link Ring#probe()} answers the same
 * question without throwing.
 */
public final class UringUnavailableException extends NativeException {
    private static final long serialVersionUID = 1L;

    UringUnavailableException(int errno, String message) {
        super(errno, message);
    }
}
