package dev.muxlab;

/**
 * The classic {@link Backend#SELECT} multiplexer cannot watch this fd: glibc's {@code fd_set}
 * holds fds {@code 0..FD_SETSIZE-1} (1024 bits), and {@code FD_SET} beyond that is undefined
 * behaviour (a fortified build aborts the process). muxlab's shim refuses the fd before touching
 * the set, so the JVM and every existing registration survive. The kernel itself has no such
 * limit: {@link Multiplexer#openWideSelect()} sizes its bitmaps to the highest fd.
 */
public final class FdSetSizeException extends NativeException {
    private static final long serialVersionUID = 1L;

    private final int fd;

    public FdSetSizeException(int fd, String op) {
        super(Native.EFDSETSIZE, (op == null ? "" : op + ": ") + "fd " + fd + " >= FD_SETSIZE ("
                + Native.FD_SETSIZE + "): glibc's select fd_set holds fds 0.." + (Native.FD_SETSIZE - 1));
        this.fd = fd;
    }

    /** The fd that was refused. */
    public int fd() {
        return fd;
    }

    /** FD_SETSIZE as compiled into the shim (1024 with glibc). */
    public int limit() {
        return Native.FD_SETSIZE;
    }
}
