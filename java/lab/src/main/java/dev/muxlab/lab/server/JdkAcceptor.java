package dev.muxlab.lab.server;

import java.io.Closeable;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Locale;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;

/**
 * The {@link Acceptor}'s rules for the models built on the JDK's own sockets ({@link Model#NIO},
 * {@link Model#VIRTUAL}), which never see an fd number or an errno: the connection cap, the errno
 * triage by the JDK's exception, and the reserved-fd trick for EMFILE, with the spare held as a
 * {@link FileChannel} on /dev/null. At the fd limit the JDK's accept throws an IOException whose
 * message is the C library's text for EMFILE ("Too many open files") or ENFILE ("... in system");
 * the spare is closed, one pending connection is accepted into the freed slot and the spare is
 * reopened; if it cannot be, the process is still at its limit and that connection is shed
 * (closed at once), so a level-triggered selector does not report the listener forever and a
 * blocking accept does not fail in a tight loop. One instance per accepting thread.
 *
 * @param <C> the accepted connection (SocketChannel, Socket)
 */
final class JdkAcceptor<C extends Closeable> implements Closeable {
    /** What {@link #next} returned null for; the same codes as {@link Acceptor}'s. */
    static final int DRAINED = Acceptor.DRAINED;
    static final int DROPPED = Acceptor.DROPPED;
    static final int RETRY = Acceptor.RETRY;
    static final int BACKOFF = Acceptor.BACKOFF;
    /** The listener was closed to stop the server. Not counted. */
    static final int CLOSED = Acceptor.NOT_LISTENING;
    static final int AT_LIMIT = Acceptor.AT_LIMIT;

    /** One accept on the listener: a connection, or null when none is pending (non-blocking). */
    interface Accept<C> {
        C accept() throws IOException;
    }

    private static final Path DEV_NULL = Path.of("/dev/null");

    private final Accept<C> accept;
    private final ServerConfig cfg;
    private final ServerStats stats;
    private final BooleanSupplier stopping;
    private final Consumer<String> log;
    private FileChannel spare;
    /** Why the last {@link #next} returned null. */
    int status;

    /**
     * @param stopping true once the server is closing: an accept failure is then the listener's
     *                 close, not an error
     * @param log      where unexpected accept errors are reported
     */
    JdkAcceptor(Accept<C> accept, ServerConfig cfg, ServerStats stats, BooleanSupplier stopping,
            Consumer<String> log) throws IOException {
        this.accept = accept;
        this.cfg = cfg;
        this.stats = stats;
        this.stopping = stopping;
        this.log = log;
        this.spare = FileChannel.open(DEV_NULL, StandardOpenOption.READ);
    }

    /**
     * Accepts the next connection to serve.
     *
     * @return the connection (counted in {@code accepted}), or null with {@link #status} one of
     *         {@link #DRAINED}, {@link #DROPPED}, {@link #RETRY}, {@link #BACKOFF}, {@link #CLOSED}, {@link #AT_LIMIT}
     */
    C next() {
        if (spare == null) {
            reopen(); // a BACKOFF ago the spare could not be reopened
        }
        C c;
        try {
            c = accept.accept();
        } catch (IOException | RuntimeException e) {
            if (stopping.getAsBoolean()) {
                return none(CLOSED);
            }
            if (isFdLimit(e)) {
                stats.acceptFdLimit.increment();
                return atFdLimit();
            }
            if (isAborted(e)) {
                return none(RETRY);
            }
            stats.errors.increment();
            log.accept("accept failed: " + e);
            return none(BACKOFF);
        }
        if (c == null) {
            return none(DRAINED);
        }
        return admit(c);
    }

    private C none(int why) {
        status = why;
        return null;
    }

    private C admit(C c) {
        stats.accepted.increment();
        if (stats.active.get() >= cfg.maxConnections) {
            stats.rejectedMaxConnections.increment();
            closeQuietly(c);
            return none(DROPPED);
        }
        return c;
    }

    /** EMFILE: take one pending connection in the spare's slot; keep it only if room appeared. */
    private C atFdLimit() {
        if (spare == null) {
            return none(AT_LIMIT); // no slot to borrow (next() just failed to reopen the spare)
        }
        closeQuietly(spare);
        spare = null;
        C c = null;
        try {
            c = accept.accept();
        } catch (IOException | RuntimeException e) {
            // ENFILE (the system is out of files), the connection vanished, or the server stops
        }
        reopen();
        if (c == null) {
            return none(AT_LIMIT); // nothing pending to shed
        }
        if (spare != null) {
            return admit(c); // an fd was freed meanwhile: this one can be served
        }
        closeQuietly(c); // still at the limit: shed it, and take its slot back
        stats.closed.increment();
        reopen();
        return none(spare == null ? AT_LIMIT : DROPPED);
    }

    private void reopen() {
        if (spare == null) {
            try {
                spare = FileChannel.open(DEV_NULL, StandardOpenOption.READ);
            } catch (IOException | RuntimeException e) {
                spare = null;
            }
        }
    }

    /** EMFILE or ENFILE, as the JDK reports them: the C library's message in the exception. */
    static boolean isFdLimit(Throwable e) {
        String m = e.getMessage();
        return m != null && m.contains("Too many open files");
    }

    private static boolean isAborted(Throwable e) {
        String m = e.getMessage();
        return m != null && m.toLowerCase(Locale.ROOT).contains("connection abort");
    }

    /**
     * The peer reset the connection or is gone (ECONNRESET, EPIPE), as the JDK reports it: a
     * {@code SocketException("Connection reset")} on read, the C library's message on write.
     */
    static boolean isReset(Throwable e) {
        String m = e.getMessage();
        if (m == null) {
            return false;
        }
        String l = m.toLowerCase(Locale.ROOT);
        return l.contains("connection reset") || l.contains("broken pipe");
    }

    /** The configured bind address (host-order IPv4) and port as a socket address. */
    static InetSocketAddress address(ServerConfig cfg, int port) throws UnknownHostException {
        int a = cfg.bindAddress;
        byte[] b = {(byte) (a >>> 24), (byte) (a >>> 16), (byte) (a >>> 8), (byte) a};
        return new InetSocketAddress(InetAddress.getByAddress(b), port);
    }

    static void closeQuietly(Closeable c) {
        if (c == null) {
            return;
        }
        try {
            c.close();
        } catch (IOException | RuntimeException ignored) {
            // closing anyway
        }
    }

    @Override
    public void close() {
        closeQuietly(spare);
        spare = null;
    }
}
