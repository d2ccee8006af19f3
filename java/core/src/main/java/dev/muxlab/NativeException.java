package dev.muxlab;

import java.io.IOException;

/**
 * A system call failed: carries the kernel's errno and its symbolic name. Every muxlab shim
 * returns {@code -errno} instead of leaving errno for later, so the value here is exactly what
 * the kernel reported for this call (for example {@code EEXIST} from {@code epoll_ctl(ADD)} on a
 * registered fd, or {@code EBADF} from {@code select} when a watched fd was closed).
 */
public class NativeException extends IOException {
    private static final long serialVersionUID = 1L;

    private final int errno;
    private final String errnoName;

    public NativeException(int errno, String message) {
        super(message);
        this.errno = errno;
        this.errnoName = Native.errnoName(errno);
    }

    static NativeException of(int errno, String op) {
        if (errno == Native.EFDSETSIZE) {
            return new FdSetSizeException(-1, op);
        }
        return new NativeException(errno, op + ": " + Native.errnoName(errno) + " (" + Native.errnoText(errno) + ")");
    }

    /** The errno value, e.g. 9 for EBADF. */
    public int errno() {
        return errno;
    }

    /**
     * Whether this failure carries errno {@code e}: {@code ex.is(Errno.ECONNRESET)}. Compare
     * errnos this way; {@link #errnoName()} is for messages.
     */
    public boolean is(int e) {
        return errno == e;
    }

    /** The errno's symbolic name, e.g. {@code "EBADF"}, for messages. */
    public String errnoName() {
        return errnoName;
    }
}
