package dev.muxlab.lab.server;

import java.io.IOException;
import java.nio.ByteBuffer;

import dev.muxlab.Errno;
import dev.muxlab.Fds;
import dev.muxlab.NativeException;
import dev.muxlab.Sockets;

/**
 * The {@link Model#NONBLOCKING} model: one thread, every fd non-blocking, no multiplexer. It
 * loops forever over the listener and every connection, trying accept, read and write and
 * retrying on EAGAIN: the textbook busy-polling model. It never sleeps, so it burns a core even
 * when idle, and each lap costs one system call per connection whether or not it has data.
 */
final class BusyPollServer extends ServerBase {
    private Thread thread;
    private int listenFd = -1;
    private Acceptor accepts;
    private volatile boolean closed;
    private volatile long laps;

    private int[] fds = new int[64];
    private Session[] sessions = new Session[64];
    /** Reads of connections without leftover input go here, their replies there. */
    private final ByteBuffer scratchIn;
    private final ByteBuffer scratchOut;
    /** Per connection: unparsed input / unsent output, lent from the pools only while there is some. */
    private ByteBuffer[] ins = new ByteBuffer[64];
    private ByteBuffer[] outs = new ByteBuffer[64];
    private final BufferPool inPool;
    private final BufferPool outPool;
    private boolean[] closing = new boolean[64];
    private long[] lastActive = new long[64];
    private int count;

    BusyPollServer(ServerConfig cfg) {
        super(cfg);
        scratchIn = ByteBuffer.allocateDirect(cfg.readBufferBytes);
        scratchOut = ByteBuffer.allocateDirect(cfg.maxOutputBytes);
        inPool = new BufferPool(cfg.readBufferBytes);
        outPool = new BufferPool(cfg.maxOutputBytes);
    }

    @Override
    public void start() throws IOException {
        listenFd = listen(cfg.port, true);
        port = Sockets.localPort(listenFd);
        accepts = new Acceptor(listenFd, true, cfg, stats, this::warn);
        thread = new Thread(this::loop, "muxlab-nonblocking");
        thread.setDaemon(true);
        thread.start();
    }

    /** Laps of the polling loop so far (each lap tries every fd once). */
    long laps() {
        return laps;
    }

    private void loop() {
        long lap = 0;
        long nextIdleCheck = System.nanoTime();
        try {
            while (!closed) {
                acceptAll();
                long now = System.nanoTime();
                for (int i = 0; i < count; i++) {
                    if (serviceOne(i, now)) {
                        removeAt(i);
                        i--;
                    }
                }
                if (cfg.idleTimeoutMillis > 0 && now >= nextIdleCheck) {
                    nextIdleCheck = now + 500_000_000L;
                    long limit = now - cfg.idleTimeoutMillis * 1_000_000L;
                    for (int i = 0; i < count; i++) {
                        if (lastActive[i] < limit) {
                            stats.idleClosed.increment();
                            removeAt(i);
                            i--;
                        }
                    }
                }
                laps = ++lap;
                stats.awaits.increment(); // a pass over every fd: this model's readiness wait
            }
        } catch (RuntimeException e) {
            stats.errors.increment();
            warn("loop failed: " + e);
        } finally {
            while (count > 0) {
                removeAt(count - 1);
            }
            Fds.closeQuietly(listenFd);
            accepts.close();
        }
    }

    private void acceptAll() {
        for (;;) {
            int c = accepts.next();
            if (c >= 0) {
                add(c);
            } else if (c != Acceptor.DROPPED && c != Acceptor.RETRY) {
                return; // drained, or an error: this model comes back on its next lap anyway
            }
        }
    }

    private void add(int fd) {
        if (count == fds.length) {
            int n = count * 2;
            fds = java.util.Arrays.copyOf(fds, n);
            sessions = java.util.Arrays.copyOf(sessions, n);
            ins = java.util.Arrays.copyOf(ins, n);
            outs = java.util.Arrays.copyOf(outs, n);
            closing = java.util.Arrays.copyOf(closing, n);
            lastActive = java.util.Arrays.copyOf(lastActive, n);
        }
        try {
            Sockets.setTcpNoDelay(fd, true);
        } catch (NativeException ignored) {
            // not fatal
        }
        fds[count] = fd;
        sessions[count] = Session.create(cfg.proto, cfg, stats);
        ins[count] = null;
        outs[count] = null;
        closing[count] = false;
        lastActive[count] = System.nanoTime();
        count++;
        stats.active.incrementAndGet();
    }

    /**
     * One try at connection i; returns true when it must be removed. Reads go to the shared
     * scratch buffer and replies to the other; a connection is lent a pool buffer only for input
     * left unparsed or output the socket did not take, and gives it back once that is gone, so an
     * idle connection holds none and a lap that finds nothing to read touches no pool.
     */
    private boolean serviceOne(int i, long now) {
        int fd = fds[i];
        try {
            flushOut(i, now);
            if (closing[i]) {
                return outs[i] == null;
            }
            ByteBuffer in = ins[i];
            if (in == null) {
                in = scratchIn;
                in.clear();
            }
            ByteBuffer out = outs[i];
            if (out == null || out.hasRemaining()) { // backpressure: don't read while output is at the cap
                int n = Fds.read(fd, in); // EAGAIN most of the time: that is the point
                if (n < 0) {
                    closing[i] = true;
                } else if (n > 0) {
                    stats.bytesIn.add(n);
                    lastActive[i] = now;
                }
            }
            if (in.position() > 0) {
                process(i, in, now);
            }
            return closing[i] && outs[i] == null;
        } catch (NativeException e) {
            if (e.is(Errno.ECONNRESET) || e.is(Errno.EPIPE)) {
                stats.resets.increment();
            }
            return true;
        } catch (RuntimeException e) {
            stats.errors.increment();
            return true;
        }
    }

    /**
     * Runs connection i's session over in (write mode: the scratch buffer or its own leftover),
     * writes the replies, and keeps what is left of either in a lent buffer.
     */
    private void process(int i, ByteBuffer in, long now) throws NativeException {
        ByteBuffer out = outs[i];
        if (out == null) {
            out = scratchOut;
            out.clear();
        }
        in.flip();
        if (sessions[i].onInput(in, out) == Session.CLOSE) {
            closing[i] = true;
        }
        if (out == scratchOut) {
            if (out.position() > 0) {
                out.flip();
                int w = Fds.write(fds[i], out);
                if (w > 0) {
                    stats.bytesOut.add(w);
                    lastActive[i] = now;
                }
                if (out.hasRemaining()) {
                    outs[i] = outPool.take();
                    outs[i].put(out);
                }
            }
        } else {
            flushOut(i, now);
        }
        if (in.hasRemaining()) {
            if (in == scratchIn) {
                ins[i] = inPool.take();
                ins[i].put(in);
            } else {
                in.compact();
            }
        } else if (in == ins[i]) {
            inPool.give(in);
            ins[i] = null;
        }
    }

    /**
     * Writes what connection i has buffered, as far as the socket takes it; progress counts as
     * activity. An emptied buffer goes back to the pool.
     */
    private void flushOut(int i, long now) throws NativeException {
        ByteBuffer out = outs[i];
        if (out == null) {
            return;
        }
        if (out.position() > 0) {
            out.flip();
            int w = Fds.write(fds[i], out);
            out.compact();
            if (w > 0) {
                stats.bytesOut.add(w);
                lastActive[i] = now;
            }
        }
        if (out.position() == 0) {
            outPool.give(out);
            outs[i] = null;
        }
    }

    private void removeAt(int i) {
        Fds.closeQuietly(fds[i]);
        if (ins[i] != null) {
            inPool.give(ins[i]);
        }
        if (outs[i] != null) {
            outPool.give(outs[i]);
        }
        int last = count - 1;
        fds[i] = fds[last];
        sessions[i] = sessions[last];
        ins[i] = ins[last];
        outs[i] = outs[last];
        closing[i] = closing[last];
        lastActive[i] = lastActive[last];
        sessions[last] = null;
        ins[last] = null;
        outs[last] = null;
        count--;
        stats.active.decrementAndGet();
        stats.closed.increment();
    }

    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        join(thread, 10_000);
    }
}
