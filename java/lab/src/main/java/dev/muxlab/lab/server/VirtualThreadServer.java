package dev.muxlab.lab.server;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.BindException;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.atomic.AtomicInteger;

import dev.muxlab.Sockets;

/**
 * The {@link Model#VIRTUAL} model: blocking {@code java.net} sockets, one virtual thread per
 * connection, written as the blocking model is (read, answer, write, repeat). A virtual thread
 * that blocks on a socket does not hold an OS thread: the JDK makes the socket non-blocking,
 * parks the virtual thread and registers the fd with one of its pollers (on Linux, epoll; a few
 * platform threads wait in {@code epoll_wait}), which unparks it when the fd is ready. So
 * thread-per-connection code multiplexes over epoll underneath, with a few carrier threads.
 * <p>
 * Virtual threads are JDK 21 API and this module is Java 17: the thread factory
 * ({@code Thread.ofVirtual().name("muxlab-virtual-", 0).factory()}) is looked up by reflection
 * once, in {@link #start()}, which on an older JDK throws an {@link UnsupportedJdkException}
 * saying so; the other models do not need it.
 * <p>
 * Caps as in the blocking model: accepts on one platform thread with the {@link JdkAcceptor}
 * (the connection cap, EMFILE without spinning). Timeouts: a connection with no read or write for
 * {@code idleTimeoutMillis} is idle ({@code idleClosed}); a blocking write that makes no progress
 * for that long (a peer that does not read) is a write timeout ({@code writeTimeouts}), and an HTTP
 * header block left incomplete for {@code headerTimeoutMillis} a header timeout. Java sockets have
 * no send timeout, and a read timeout (SO_TIMEOUT) would make every read that parks schedule and
 * cancel a timer task, so one platform thread enforces all three: it looks at every connection
 * twice per timeout (the event loops' sweep period) and closes the late ones' sockets, which ends
 * their blocked read or write.
 * <p>
 * Each connection holds a heap read buffer, small until its reads need more
 * ({@link #FIRST_READ_BYTES}), and borrows an output buffer from a shared pool only while it
 * answers and writes ({@link SharedBufferPool}): buffers are the heap's largest objects, and a
 * slowloris wave of 1,000 new connections each allocating two full-size ones every few seconds
 * made young collections that stopped every connection for 20-30 ms. Nothing is allocated per
 * request.
 */
final class VirtualThreadServer extends ServerBase {
    private static final long NONE = Long.MAX_VALUE;
    private static final long MS = 1_000_000L;
    /** Largest single write, so that a write timeout can tell a slow reader from one that reads nothing. */
    static final int WRITE_CHUNK = 64 * 1024;
    /** Why a connection was closed by the timeout thread. */
    private static final int WRITE_TIMEOUT = 1, HEADER_TIMEOUT = 2, IDLE = 3, SERVER_CLOSED = 4;
    /**
     * A connection's first read buffer. Most requests are far smaller than a read buffer, and a
     * connection that never sends more (an idle keep-alive client, a slowloris one) never needs
     * one; a read that fills it, or a request that does not fit, moves it to one four times
     * larger, up to {@code readBufferBytes}.
     */
    static final int FIRST_READ_BYTES = 1024;

    private final Set<Conn> open = ConcurrentHashMap.newKeySet();
    private ThreadFactory virtualThreads;
    private ServerSocket listener;
    private JdkAcceptor<Socket> acceptor;
    private Thread acceptThread;
    private Thread timeoutThread;
    private final long headerTimeout;
    /** How often the timeout thread looks: the event loops' sweep period ({@link Expiry#periodMillis}). */
    private final long sweepMillis;
    /**
     * Output buffers, lent to a connection when input arrived and given back before its next
     * blocking read: a peer that does not read keeps one until the write timeout, an idle or
     * trickling connection holds none.
     */
    private final SharedBufferPool outPool;
    private volatile boolean closed;

    VirtualThreadServer(ServerConfig cfg) {
        super(cfg);
        Expiry expiry = new Expiry(this.cfg, stats);
        headerTimeout = expiry.headerTimeoutMillis;
        sweepMillis = expiry.periodMillis;
        outPool = new SharedBufferPool(this.cfg.blockingOutputBytes(), false);
    }

    /** The output buffer pool (tests). */
    SharedBufferPool outPool() {
        return outPool;
    }

    /** Thrown by {@link #start()} when this JVM has no virtual threads. */
    static final class UnsupportedJdkException extends IOException {
        private static final long serialVersionUID = 1L;

        UnsupportedJdkException(String message) {
            super(message);
        }
    }

    /** The feature release virtual threads need. */
    static final int MIN_FEATURE = 21;

    /**
     * The one line that says this JVM cannot run the model: its version, and a JDK to use
     * instead when one is known.
     */
    static String needsNewerJdk(String javaVersion, String suggestedHome) {
        return "model virtual needs JDK " + MIN_FEATURE + " or later; this JVM is " + javaVersion
                + " (set JAVA_HOME to a JDK " + MIN_FEATURE + "+"
                + (suggestedHome != null ? ", e.g. " + suggestedHome : "") + ")";
    }

    /**
     * {@code Thread.ofVirtual().name(prefix, 0).factory()}, through reflection.
     *
     * @throws UnsupportedJdkException on a JDK older than 21
     */
    static ThreadFactory virtualThreadFactory(String prefix) throws UnsupportedJdkException {
        if (Runtime.version().feature() < MIN_FEATURE) {
            throw new UnsupportedJdkException(needsNewerJdk(System.getProperty("java.version"),
                    Jdks.newest(MIN_FEATURE)));
        }
        try {
            Object builder = Thread.class.getMethod("ofVirtual").invoke(null);
            Class<?> ofVirtual = Class.forName("java.lang.Thread$Builder$OfVirtual");
            builder = ofVirtual.getMethod("name", String.class, long.class).invoke(builder, prefix, 0L);
            return (ThreadFactory) Class.forName("java.lang.Thread$Builder").getMethod("factory").invoke(builder);
        } catch (ReflectiveOperationException | RuntimeException e) {
            throw new UnsupportedJdkException("model virtual: this JVM (" + System.getProperty("java.version")
                    + ") has no usable Thread.ofVirtual(): " + e);
        }
    }

    @Override
    public void start() throws IOException {
        virtualThreads = virtualThreadFactory("muxlab-virtual-conn-");
        try {
            listener = new ServerSocket();
            listener.setReuseAddress(true);
            try {
                listener.bind(JdkAcceptor.address(cfg, cfg.port), cfg.backlog);
            } catch (BindException e) {
                throw new BindException("bind " + Sockets.format(cfg.bindAddress) + ":" + cfg.port + ": "
                        + e.getMessage());
            }
            acceptor = new JdkAcceptor<>(listener::accept, cfg, stats, () -> closed, msg -> {
                if (!closed) {
                    warn(msg);
                }
            });
        } catch (IOException | RuntimeException e) {
            JdkAcceptor.closeQuietly(listener);
            throw e;
        }
        port = listener.getLocalPort();
        acceptThread = new Thread(this::acceptLoop, "muxlab-virtual-acceptor");
        acceptThread.setDaemon(true);
        acceptThread.start();
        if (sweepMillis > 0) {
            // not "muxlab-virtual-...": that prefix names the model's accepting thread
            timeoutThread = new Thread(() -> timeoutLoop(sweepMillis), "muxlab-timeouts-virtual");
            timeoutThread.setDaemon(true);
            timeoutThread.start();
        }
    }

    private void acceptLoop() {
        while (!closed) {
            Socket s = acceptor.next();
            if (s == null) {
                if (acceptor.status == JdkAcceptor.BACKOFF || acceptor.status == JdkAcceptor.AT_LIMIT) {
                    sleep(100); // a blocking listener would fail again at once
                }
                continue; // DROPPED, RETRY, DRAINED; CLOSED: closed is set
            }
            if (closed) {
                JdkAcceptor.closeQuietly(s);
                stats.closed.increment();
                continue;
            }
            Conn c = new Conn(s);
            stats.active.incrementAndGet();
            open.add(c);
            try {
                virtualThreads.newThread(c).start();
            } catch (RuntimeException | OutOfMemoryError e) {
                stats.errors.increment();
                warn("cannot start a virtual thread: " + e);
                c.finish();
            }
        }
    }

    /**
     * Closes the sockets of connections that were idle or whose write or incomplete header block
     * is too old, in slices of {@link ReactorServer#CLOSE_SLICE} with a pause between them as the
     * reactors do:
     * each close wakes the connection's virtual thread, and a wave of 1,000 at once (a slowloris
     * run's connections all time out together) kept the carriers from the other connections for
     * tens of milliseconds.
     */
    private void timeoutLoop(long everyMillis) {
        while (!closed) {
            sleep(everyMillis);
            long now = System.nanoTime();
            long idleLimit = cfg.idleTimeoutMillis > 0 ? now - cfg.idleTimeoutMillis * MS : Long.MIN_VALUE;
            long headerLimit = headerTimeout > 0 ? now - headerTimeout * MS : Long.MIN_VALUE;
            int inSlice = 0;
            for (Conn c : open) {
                int why = c.writeSince < idleLimit ? WRITE_TIMEOUT
                        : c.lastActive < idleLimit ? IDLE
                        : c.partialSince < headerLimit ? HEADER_TIMEOUT : 0;
                if (why != 0 && c.expire(why) && ++inSlice == ReactorServer.CLOSE_SLICE) {
                    inSlice = 0;
                    sleep(ReactorServer.SWEEP_PAUSE_MS);
                }
            }
        }
    }

    private static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        JdkAcceptor.closeQuietly(listener); // wakes the blocked accept
        join(acceptThread, 5_000);
        if (timeoutThread != null) {
            timeoutThread.interrupt();
            join(timeoutThread, 5_000);
        }
        for (Conn c : open) {
            c.expire(SERVER_CLOSED); // wakes its thread in read or write
        }
        long deadline = System.nanoTime() + 5_000_000_000L;
        while (!open.isEmpty() && System.nanoTime() < deadline) {
            sleep(5);
        }
        if (acceptor != null) {
            acceptor.close();
        }
    }

    /** One connection and the virtual thread that serves it. */
    private final class Conn implements Runnable {
        final Socket socket;
        /** When the blocked write in progress began; NONE when not writing. */
        volatile long writeSince = NONE;
        /** When a read last returned or a write last completed (nanoTime): the idle timeout's clock. */
        volatile long lastActive = System.nanoTime();
        /** HTTP: when the incomplete request held in the input buffer began; NONE when there is none. */
        volatile long partialSince = NONE;
        /** Set once by whoever closes the socket from outside: why. */
        private final AtomicInteger expired = new AtomicInteger();

        Conn(Socket socket) {
            this.socket = socket;
        }

        /**
         * From another thread: counts why and closes the socket, which ends a blocked read or
         * write with an exception (counted first, so whoever sees the close sees the counter).
         */
        boolean expire(int why) {
            if (expired.compareAndSet(0, why)) {
                if (why == WRITE_TIMEOUT) {
                    stats.writeTimeouts.increment();
                } else if (why == HEADER_TIMEOUT) {
                    stats.headerTimeouts.increment();
                } else if (why == IDLE) {
                    stats.idleClosed.increment();
                }
                JdkAcceptor.closeQuietly(socket);
                return true;
            }
            return false;
        }

        @Override
        public void run() {
            try {
                serve();
            } catch (IOException e) {
                if (!expiredOutside()) {
                    if (JdkAcceptor.isReset(e)) {
                        stats.resets.increment();
                    } else if (!closed) {
                        stats.errors.increment();
                    }
                }
            } catch (RuntimeException e) {
                if (!expiredOutside() && !closed) {
                    stats.errors.increment();
                }
            } finally {
                finish();
            }
        }

        /** Whether the socket was closed from outside ({@link #expire}, which counted why). */
        private boolean expiredOutside() {
            return expired.get() != 0;
        }

        private void serve() throws IOException {
            socket.setTcpNoDelay(true);
            // no SO_TIMEOUT: on a virtual thread every read that parks with a timeout schedules
            // (and cancels) a timer task; the timeout thread closes idle connections instead
            InputStream is = socket.getInputStream();
            OutputStream os = socket.getOutputStream();
            ByteBuffer in = ByteBuffer.wrap(new byte[Math.min(FIRST_READ_BYTES, cfg.readBufferBytes)]);
            Session session = Session.create(cfg.proto, cfg, stats);
            boolean filled = false;
            for (;;) {
                if ((filled || !in.hasRemaining()) && in.capacity() < cfg.readBufferBytes) {
                    in = grown(in);
                }
                int room = in.remaining();
                if (room == 0) {
                    throw new IOException("input buffer full"); // cannot happen: sessions consume or close
                }
                int n = is.read(in.array(), in.position(), room); // blocks
                if (n < 0) {
                    in.flip();
                    if (in.hasRemaining()) {
                        ByteBuffer out = outPool.take();
                        try {
                            session.onInput(in, out);
                            writeAll(os, out);
                        } finally {
                            outPool.give(out);
                        }
                    }
                    return;
                }
                filled = n == room;
                lastActive = System.nanoTime();
                stats.bytesIn.add(n);
                in.position(in.position() + n);
                long heldSince = partialSince;
                partialSince = NONE; // answering, not waiting for the peer
                in.flip();
                int initial = in.remaining();
                int verdict = Session.CONTINUE;
                ByteBuffer out = outPool.take();
                try {
                    while (in.hasRemaining()) {
                        int before = in.remaining();
                        verdict = session.onInput(in, out);
                        writeAll(os, out); // blocks until the peer takes it: backpressure for free
                        if (verdict == Session.CLOSE || in.remaining() == before) {
                            break;
                        }
                    }
                } finally {
                    outPool.give(out);
                }
                boolean leftover = in.hasRemaining();
                boolean consumedSome = in.remaining() < initial;
                in.compact();
                if (verdict == Session.CLOSE) {
                    return;
                }
                if (headerTimeout > 0 && leftover) {
                    // an incomplete request: its clock starts when it first shows up, or anew once
                    // an earlier request in the buffer was answered
                    partialSince = consumedSome || heldSince == NONE ? System.nanoTime() : heldSince;
                }
            }
        }

        /** in (write mode) moved to a buffer four times larger, at most the read buffer size. */
        private ByteBuffer grown(ByteBuffer in) {
            byte[] bigger = Arrays.copyOf(in.array(), Math.min(cfg.readBufferBytes, in.capacity() * 4));
            return ByteBuffer.wrap(bigger).position(in.position());
        }

        /**
         * Writes all of out in blocking writes of at most {@link #WRITE_CHUNK}, each timed by the
         * timeout thread through {@link #writeSince}: a chunk that does not get out within the
         * idle timeout ends the connection.
         */
        private void writeAll(OutputStream os, ByteBuffer out) throws IOException {
            try {
                byte[] a = out.array();
                for (int off = 0, end = out.position(); off < end; ) {
                    int len = Math.min(WRITE_CHUNK, end - off);
                    writeSince = System.nanoTime();
                    os.write(a, off, len);
                    writeSince = NONE;
                    lastActive = System.nanoTime();
                    stats.bytesOut.add(len);
                    off += len;
                }
            } finally {
                writeSince = NONE;
                out.clear();
            }
        }

        void finish() {
            if (open.remove(this)) {
                JdkAcceptor.closeQuietly(socket);
                stats.active.decrementAndGet();
                stats.closed.increment();
            }
        }
    }
}
