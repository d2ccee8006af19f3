package dev.muxlab.lab.server;

import java.io.IOException;
import java.net.BindException;
import java.net.InetSocketAddress;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.util.Arrays;
import java.util.function.Consumer;

import dev.muxlab.Sockets;
import dev.muxlab.lab.Proto;

/**
 * The {@link Model#NIO} model: the JDK's own reactor, with none of muxlab's native multiplexing.
 * One thread waits in a {@link Selector} over non-blocking {@link SocketChannel}s. On Linux the
 * JDK's default selector is {@code sun.nio.ch.EPollSelectorImpl}: epoll underneath, used
 * level-triggered (the JDK never asks for EPOLLET), with interest changes queued and applied by
 * {@code epoll_ctl} at the next select. So this model is the epoll-lt model written the way a Java
 * program would write it, and the difference between the two is what the JDK's layer costs.
 * <p>
 * It keeps the reactors' rules (see {@link ReactorServer}): one read per readiness event; output
 * that would block is buffered and OP_WRITE is on only while output is pending; a connection whose
 * output buffer reaches {@code maxOutputBytes} stops being read until it drains (backpressure);
 * idle connections ({@code idleTimeoutMillis}) and, for HTTP, header blocks left incomplete
 * ({@code headerTimeoutMillis}) are closed by a periodic sweep in slices of
 * {@link ReactorServer#CLOSE_SLICE}; {@code maxConnections} and EMFILE on accept are handled by a
 * {@link JdkAcceptor} (reserved fd); once nothing is left to shed, or after an accept error that
 * repeating would not fix, the listener's OP_ACCEPT is off for a growing pause that a closing
 * connection ends early ({@link AcceptPause}).
 * <p>
 * Buffers are direct and reused: reads go to one scratch buffer and replies to another, and a
 * connection holds a pooled buffer of its own only while it has leftover input or pending
 * output. Nothing is allocated per request, nor per select: the ready keys go to a
 * {@code select(Consumer, timeout)} action instead of the selected-key set and its iterator.
 */
final class NioServer extends ServerBase {
    /** {@link Conn#partialSince} when no incomplete request is held: never older than a limit. */
    private static final long NONE = Expiry.NONE;
    private static final long MS = 1_000_000L;
    /** Accepts per listener event before IO gets a turn. */
    static final int ACCEPT_SLICE = ReactorServer.ACCEPT_SLICE;

    private Selector selector;
    private ServerSocketChannel listener;
    private SelectionKey listenKey;
    private JdkAcceptor<SocketChannel> acceptor;
    private Thread thread;
    private volatile boolean closed;

    // ---- loop state: the loop thread only ----
    private ByteBuffer scratchIn;
    private ByteBuffer scratchOut;
    private final BufferPool inPool = new BufferPool(cfg.readBufferBytes);
    private final BufferPool outPool = new BufferPool(cfg.maxOutputBytes);
    /** Open connections, dense: conns[i].index == i. */
    private Conn[] conns = new Conn[256];
    private int count;
    /** System.nanoTime() of the event being handled. */
    private long now;
    private final int minOutRoom;
    /** The idle and header timeouts. */
    private final Expiry expiry;
    /** HTTP header timeout in ms; 0 when off (echo, or disabled). */
    private final long headerTimeout;
    /** Sweep period in ns, or 0 without timeouts. */
    private final long sweepEvery;
    private long nextSweep = NONE;
    /** Next conns[] index (descending) of a sweep in progress; -1 when none is. */
    private int sweepCursor = -1;
    private long sliceAt = NONE;
    private final AcceptPause acceptPause = new AcceptPause(cfg, stats);
    private final Consumer<SelectionKey> onKey = this::onKey;

    NioServer(ServerConfig cfg) {
        super(cfg);
        minOutRoom = this.cfg.proto == Proto.HTTP ? HttpSession.MAX_REPLY : 1;
        expiry = new Expiry(this.cfg, stats);
        headerTimeout = expiry.headerTimeoutMillis;
        sweepEvery = expiry.periodMillis * MS;
    }

    @Override
    public void start() throws IOException {
        InetSocketAddress address = JdkAcceptor.address(cfg, cfg.port);
        try {
            selector = Selector.open();
            listener = ServerSocketChannel.open();
            listener.setOption(StandardSocketOptions.SO_REUSEADDR, true);
            try {
                listener.bind(address, cfg.backlog);
            } catch (BindException e) {
                throw new BindException("bind " + Sockets.format(cfg.bindAddress) + ":" + cfg.port + ": "
                        + e.getMessage());
            }
            listener.configureBlocking(false);
            listenKey = listener.register(selector, SelectionKey.OP_ACCEPT);
            acceptor = new JdkAcceptor<>(listener::accept, cfg, stats, () -> closed, this::log);
            scratchIn = ByteBuffer.allocateDirect(cfg.readBufferBytes);
            scratchOut = ByteBuffer.allocateDirect(cfg.maxOutputBytes);
        } catch (IOException | RuntimeException e) {
            JdkAcceptor.closeQuietly(acceptor);
            JdkAcceptor.closeQuietly(listener);
            JdkAcceptor.closeQuietly(selector);
            throw e;
        }
        port = ((InetSocketAddress) listener.getLocalAddress()).getPort();
        thread = new Thread(this::run, "muxlab-nio");
        thread.setDaemon(true);
        thread.start();
    }

    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        if (thread == null) {
            return; // never started
        }
        selector.wakeup();
        join(thread, 10_000);
    }

    private void run() {
        now = System.nanoTime();
        if (sweepEvery > 0) {
            nextSweep = now + sweepEvery;
        }
        try {
            while (!closed) {
                long deadline = Math.min(nextSweep, Math.min(sliceAt, acceptPause.until()));
                if (deadline == NONE) {
                    selector.select(onKey, 0); // 0: no timeout
                } else {
                    long wait = deadline - System.nanoTime();
                    if (wait <= 0) {
                        selector.selectNow(onKey);
                    } else {
                        selector.select(onKey, Math.max(1, (wait + MS - 1) / MS));
                    }
                }
                stats.awaits.increment(); // one readiness wait (epoll_wait in the JDK's selector)
                runTimers();
            }
        } catch (IOException | RuntimeException e) {
            if (!closed) {
                stats.errors.increment();
                log("selector loop failed: " + e);
            }
        } finally {
            shutdown();
        }
    }

    private void runTimers() {
        now = System.nanoTime();
        if (now >= acceptPause.until()) {
            resumeAccepting();
        }
        if (sliceAt != NONE && now >= sliceAt) {
            sliceAt = NONE;
            sweepSlice();
        }
        if (nextSweep != NONE && now >= nextSweep) {
            nextSweep = now + sweepEvery;
            if (sweepCursor < 0) {
                sweepCursor = count - 1;
                sweepSlice();
            }
        }
    }

    /**
     * Closes up to {@link ReactorServer#CLOSE_SLICE} expired connections from the cursor down;
     * the next slice runs {@link ReactorServer#SWEEP_PAUSE_MS} later, the loop serving in between
     * (a wave of connections that expire together does not stall the others; see ReactorServer).
     * Descending, so a close (which moves the last connection into the freed slot) never moves
     * one that has not been looked at.
     */
    private void sweepSlice() {
        expiry.slice(now);
        int closedHere = 0;
        int i = Math.min(sweepCursor, count - 1);
        for (; i >= 0 && closedHere < ReactorServer.CLOSE_SLICE; i--) {
            Conn c = conns[i];
            if (expiry.expired(c.lastActive, c.partialSince)) {
                c.close();
                closedHere++;
            }
        }
        if (i >= 0) {
            sweepCursor = i;
            sliceAt = now + ReactorServer.SWEEP_PAUSE_MS * MS;
        } else {
            sweepCursor = -1;
        }
    }

    private void shutdown() {
        for (int i = count - 1; i >= 0; i--) {
            conns[i].close();
        }
        JdkAcceptor.closeQuietly(listener);
        acceptor.close();
        JdkAcceptor.closeQuietly(selector);
    }

    private void onKey(SelectionKey key) {
        if (!key.isValid()) {
            return;
        }
        now = System.nanoTime();
        if (key == listenKey) {
            acceptSome();
        } else {
            ((Conn) key.attachment()).onReady(key.readyOps());
        }
    }

    /** The listener is ready: up to {@link #ACCEPT_SLICE} accepts; the level-triggered selector reports the rest. */
    private void acceptSome() {
        for (int budget = ACCEPT_SLICE; budget > 0; budget--) {
            SocketChannel c = acceptor.next();
            if (c != null) {
                acceptPause.admitted();
                addConnection(c);
            } else if (acceptor.status == JdkAcceptor.DRAINED) {
                return;
            } else if (acceptor.status == JdkAcceptor.AT_LIMIT || acceptor.status == JdkAcceptor.BACKOFF
                    || acceptor.status == JdkAcceptor.CLOSED) {
                if (acceptPause.begin(now)) {
                    listenKey.interestOps(0); // until the pause ends or a connection closes
                }
                return;
            }
            // DROPPED, RETRY: the next one
        }
    }

    /** The pause is over (its time is up, or a connection closed): watch the listener again. */
    private void resumeAccepting() {
        if (acceptPause.end() && !closed && listenKey.isValid()) {
            listenKey.interestOps(SelectionKey.OP_ACCEPT);
        }
    }

    private void addConnection(SocketChannel ch) {
        Conn conn = new Conn(ch, Session.create(cfg.proto, cfg, stats));
        try {
            ch.configureBlocking(false);
            ch.setOption(StandardSocketOptions.TCP_NODELAY, true);
            conn.key = ch.register(selector, SelectionKey.OP_READ, conn);
        } catch (IOException | RuntimeException e) {
            stats.errors.increment();
            log("register failed: " + e);
            JdkAcceptor.closeQuietly(ch);
            stats.closed.increment();
            return;
        }
        conn.interest = SelectionKey.OP_READ;
        conn.lastActive = now;
        if (count == conns.length) {
            conns = Arrays.copyOf(conns, count * 2);
        }
        conn.index = count;
        conns[count++] = conn;
        stats.active.incrementAndGet();
    }

    private ByteBuffer takeIn() {
        return inPool.take();
    }

    private ByteBuffer takeOut() {
        return outPool.take();
    }

    private void release(ByteBuffer b, boolean input) {
        (input ? inPool : outPool).give(b);
    }

    /** One connection's state machine (the same as ReactorServer's, on a channel). */
    private final class Conn {
        final SocketChannel ch;
        final Session session;
        SelectionKey key;
        int index;
        ByteBuffer in;  // leftover input (write mode), or null
        ByteBuffer out; // pending output (write mode), or null
        int interest;
        boolean paused;
        boolean closing;
        boolean open = true;
        long lastActive;
        /** HTTP: when the incomplete request held in {@link #in} began; NONE when there is none. */
        long partialSince = NONE;

        Conn(SocketChannel ch, Session session) {
            this.ch = ch;
            this.session = session;
        }

        /**
         * Ready ops as the JDK reports them: a hangup or error on the socket shows as every op of
         * the interest set, so a paused or closing connection (OP_WRITE only) learns of it when
         * its write fails.
         */
        void onReady(int ops) {
            try {
                if ((ops & SelectionKey.OP_WRITE) != 0 && out != null && !flush()) {
                    return;
                }
                if ((ops & SelectionKey.OP_READ) != 0 && !paused && !closing && !readSome()) {
                    return;
                }
                updateInterest();
            } catch (RuntimeException e) {
                stats.errors.increment();
                log("connection " + index + ": " + e);
                close();
            }
        }

        /** One read (level-triggered) and its processing; false once the connection is closed. */
        private boolean readSome() {
            ByteBuffer buf;
            if (in != null) {
                buf = in;
            } else {
                buf = scratchIn;
                buf.clear();
            }
            int n;
            try {
                n = ch.read(buf);
            } catch (IOException e) {
                if (JdkAcceptor.isReset(e)) {
                    stats.resets.increment();
                }
                close();
                return false;
            }
            if (n == 0) {
                return true; // nothing after all (or a full leftover buffer)
            }
            if (n > 0) {
                stats.bytesIn.add(n);
                lastActive = now;
            }
            int verdict = process(buf);
            if (!open) {
                return false;
            }
            if (n < 0 || verdict == Session.CLOSE) {
                closing = true;
                if (out == null) {
                    close();
                    return false;
                }
            }
            return true;
        }

        /**
         * Runs the session over buf (write mode) and writes its replies, repeating while it makes
         * progress and the socket takes everything; keeps leftover input; sets {@link #paused}.
         */
        private int process(ByteBuffer buf) {
            buf.flip();
            int verdict = Session.CONTINUE;
            int initial = buf.remaining();
            for (;;) {
                ByteBuffer o;
                if (out != null) {
                    o = out;
                } else {
                    o = scratchOut;
                    o.clear();
                }
                int before = buf.remaining();
                if (before > 0) {
                    verdict = session.onInput(buf, o);
                }
                boolean consumed = buf.remaining() < before;
                if (o == scratchOut) {
                    if (o.position() > 0) {
                        o.flip();
                        if (!writeOut(o)) {
                            return Session.CLOSE;
                        }
                        if (o.hasRemaining()) {
                            out = takeOut();
                            out.put(o);
                        }
                    }
                } else if (!writePending()) {
                    return Session.CLOSE;
                }
                if (verdict == Session.CLOSE || !buf.hasRemaining() || !consumed || out != null) {
                    break;
                }
            }
            if (buf.hasRemaining()) {
                if (buf == scratchIn) {
                    in = takeIn();
                    in.put(buf);
                } else {
                    buf.compact();
                }
            } else if (buf == in) {
                release(in, true);
                in = null;
            }
            boolean wasPaused = paused;
            paused = out != null && out.remaining() < minOutRoom;
            if (paused && !wasPaused) {
                stats.backpressurePauses.increment();
            }
            if (headerTimeout > 0) {
                // leftover input while not paused is an incomplete request: its clock starts when
                // it first shows up, or anew once an earlier request in the buffer was consumed
                if (in == null || paused) {
                    partialSince = NONE;
                } else if (partialSince == NONE || in.position() < initial) {
                    partialSince = now;
                }
            }
            return verdict;
        }

        /** Writes b (read mode) once; false (and closed) on a write error. */
        private boolean writeOut(ByteBuffer b) {
            try {
                int n = ch.write(b);
                if (n > 0) {
                    stats.bytesOut.add(n);
                    lastActive = now;
                }
                return true;
            } catch (IOException e) {
                if (JdkAcceptor.isReset(e)) {
                    stats.resets.increment();
                }
                close();
                return false;
            }
        }

        /** Writes pending output once, releasing the buffer when empty; false once closed. */
        private boolean writePending() {
            out.flip();
            if (!writeOut(out)) {
                return false;
            }
            out.compact();
            if (out.position() == 0) {
                release(out, false);
                out = null;
            }
            return true;
        }

        /** OP_WRITE: flush; close if closing and drained; resume a paused connection. */
        private boolean flush() {
            if (!writePending()) {
                return false;
            }
            if (out == null && closing) {
                close();
                return false;
            }
            // room again: resume, and answer requests still waiting in the leftover input
            if (out == null || out.remaining() >= minOutRoom) {
                paused = false;
                if (in != null) {
                    int verdict = process(in);
                    if (!open) {
                        return false;
                    }
                    if (verdict == Session.CLOSE) {
                        closing = true;
                        if (out == null) {
                            close();
                            return false;
                        }
                    }
                }
            }
            return true;
        }

        private void updateInterest() {
            if (!open) {
                return;
            }
            int want = (paused || closing ? 0 : SelectionKey.OP_READ) | (out != null ? SelectionKey.OP_WRITE : 0);
            if (want != interest) {
                key.interestOps(want);
                interest = want;
            }
        }

        void close() {
            if (!open) {
                return;
            }
            open = false;
            if (key != null) {
                key.cancel();
            }
            JdkAcceptor.closeQuietly(ch); // the fd itself is closed at the next select, which deregisters it
            if (in != null) {
                release(in, true);
                in = null;
            }
            if (out != null) {
                release(out, false);
                out = null;
            }
            Conn last = conns[--count];
            conns[index] = last;
            last.index = index;
            conns[count] = null;
            stats.active.decrementAndGet();
            stats.closed.increment();
            if (acceptPause.paused()) {
                resumeAccepting(); // an fd is freed (at the next select): it may take a waiting connection
            }
        }
    }
}
