package dev.muxlab.lab.server;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import dev.muxlab.Errno;
import dev.muxlab.Fds;
import dev.muxlab.NativeException;
import dev.muxlab.Sockets;

/**
 * The blocking models. An acceptor thread blocks in accept(); each connection is served with
 * blocking read and write, either by a new platform thread of its own ({@link Model#BLOCKING},
 * thread-per-connection) or by one of a fixed pool of workers ({@link Model#THREADPOOL}). In the
 * pool, a connection holds its worker until it closes, so connections beyond the pool size wait
 * in the queue, accepted by the kernel but unserved, until a worker frees up ({@code queued}
 * counts them). Idle connections are closed after {@code idleTimeoutMillis} through SO_RCVTIMEO
 * on the blocking read; the same value goes to SO_SNDTIMEO, so a peer that stops reading cannot
 * hold its thread in a blocking write forever either: a write that gets nothing into the send
 * buffer for that long closes the connection ({@code writeTimeouts}).
 * <p>
 * Buffers (direct, read and written by the kernel in place) come from {@link SharedBufferPool}s:
 * a connection holds its read buffer while open and borrows an output buffer only while it
 * answers, so an idle connection holds one buffer, and a connection's buffers are reused by the
 * next one instead of waiting in native memory for a collection to free them.
 * <p>
 * Threads: the pool's workers are all started with the server, so serving never needs a new
 * one. The blocking model starts one per connection; when that fails (the OS thread limit,
 * OutOfMemoryError "unable to create native thread"), the new connection is closed, counted in
 * {@code errors} and said once on stderr, and the connections being served go on.
 */
final class BlockingServer extends ServerBase {
    private final Set<Integer> open = ConcurrentHashMap.newKeySet();
    private final AtomicInteger busyWorkers = new AtomicInteger();
    private final AtomicInteger threadIds = new AtomicInteger();
    /** Read buffers: a connection holds one while open (its thread reads into it), then gives it back. */
    private final SharedBufferPool inPool;
    /** Output buffers: held only while a connection answers and writes. */
    private final SharedBufferPool outPool;
    private ExecutorService pool;
    private Thread acceptor;
    private int listenFd = -1;
    private Acceptor accepts;
    private volatile boolean closed;
    /** The acceptor's thread only: whether a failure to start a thread was reported yet. */
    private boolean threadFailureReported;

    BlockingServer(ServerConfig cfg) {
        super(cfg);
        inPool = new SharedBufferPool(this.cfg.readBufferBytes, true);
        outPool = new SharedBufferPool(this.cfg.blockingOutputBytes(), true);
    }

    /** The output buffer pool (tests). */
    SharedBufferPool outPool() {
        return outPool;
    }

    @Override
    public void start() throws IOException {
        listenFd = listen(cfg.port, false);
        port = Sockets.localPort(listenFd);
        accepts = new Acceptor(listenFd, false, cfg, stats, msg -> {
            if (!closed) {
                warn(msg);
            }
        });
        if (cfg.model == Model.THREADPOOL) {
            pool = new ThreadPoolExecutor(cfg.poolThreads, cfg.poolThreads, 0, TimeUnit.MILLISECONDS,
                    new LinkedBlockingQueue<>(), r -> {
                        Thread t = new Thread(r, "muxlab-pool-" + threadIds.incrementAndGet());
                        t.setDaemon(true);
                        return t;
                    });
            try {
                // every worker now: serving creates no thread, so it cannot fail for want of one
                ((ThreadPoolExecutor) pool).prestartAllCoreThreads();
            } catch (OutOfMemoryError e) {
                pool.shutdownNow();
                Fds.closeQuietly(listenFd);
                accepts.close();
                throw new IOException("cannot start the pool's " + cfg.poolThreads + " threads: " + e, e);
            }
            if (cfg.verbose) {
                warn(cfg.poolThreads + " workers; a connection holds its worker"
                        + " until it closes, so connection " + (cfg.poolThreads + 1)
                        + " and later wait in the queue, unserved, until a worker frees up");
            }
        }
        acceptor = new Thread(this::acceptLoop, "muxlab-" + cfg.model.cliName() + "-acceptor");
        acceptor.setDaemon(true);
        acceptor.start();
    }

    private void acceptLoop() {
        while (!closed) {
            int c = accepts.next();
            if (c == Acceptor.BACKOFF || c == Acceptor.AT_LIMIT) {
                sleep(100); // a blocking listener would fail again at once
                continue;
            }
            if (c < 0) {
                continue; // DROPPED, RETRY, or NOT_LISTENING: closed is set
            }
            if (closed) {
                Fds.closeQuietly(c);
                stats.closed.increment();
                continue;
            }
            stats.active.incrementAndGet();
            open.add(c);
            try {
                if (pool != null) {
                    if (busyWorkers.get() >= cfg.poolThreads) {
                        stats.queued.increment();
                    }
                    pool.execute(() -> serve(c));
                } else {
                    Thread t = new Thread(() -> serve(c), "muxlab-conn-" + c);
                    t.setDaemon(true);
                    t.start();
                }
            } catch (RuntimeException | OutOfMemoryError e) {
                // no thread could be started (the OS thread limit: OutOfMemoryError "unable to
                // create native thread"), or the pool refused the task: close this connection and
                // keep serving the others; said once, each one counted in errors
                stats.errors.increment();
                if (!threadFailureReported) {
                    threadFailureReported = true;
                    warn("cannot start a thread for a new connection (" + e + "); closing new"
                            + " connections while that lasts, serving the " + (open.size() - 1)
                            + " open ones (said once; each refusal counts in errors)");
                }
                finish(c);
            }
        }
    }

    private void serve(int fd) {
        busyWorkers.incrementAndGet();
        ByteBuffer in = inPool.take();
        Session session = Session.create(cfg.proto, cfg, stats);
        try {
            Sockets.setTcpNoDelay(fd, true);
            if (cfg.idleTimeoutMillis > 0) {
                // a blocking read that waits this long returns EAGAIN (Fds.read: 0): idle
                Sockets.setReceiveTimeout(fd, cfg.idleTimeoutMillis);
                // a blocking write likewise: a short count, or EAGAIN (Fds.write: 0) if nothing fit
                Sockets.setSendTimeout(fd, cfg.idleTimeoutMillis);
            }
            for (;;) {
                boolean room = in.hasRemaining();
                int n = Fds.read(fd, in); // blocks
                if (n == 0 && room) {
                    stats.idleClosed.increment();
                    return;
                }
                if (n < 0) {
                    in.flip();
                    if (in.hasRemaining()) {
                        ByteBuffer out = outPool.take();
                        try {
                            session.onInput(in, out);
                            writeAll(fd, out); // closing anyway: a timeout here is only counted
                        } finally {
                            outPool.give(out);
                        }
                    }
                    return;
                }
                stats.bytesIn.add(n);
                in.flip();
                int verdict = Session.CONTINUE;
                ByteBuffer out = outPool.take();
                try {
                    while (in.hasRemaining()) {
                        int before = in.remaining();
                        verdict = session.onInput(in, out);
                        if (!writeAll(fd, out)) { // blocks until the peer takes it: backpressure for free
                            return; // ... unless it takes nothing for the whole send timeout
                        }
                        if (verdict == Session.CLOSE || in.remaining() == before) {
                            break;
                        }
                    }
                } finally {
                    outPool.give(out);
                }
                in.compact();
                if (verdict == Session.CLOSE) {
                    return;
                }
            }
        } catch (NativeException e) {
            if (e.is(Errno.ECONNRESET) || e.is(Errno.EPIPE)) {
                stats.resets.increment();
            } else if (!closed) {
                stats.errors.increment();
            }
        } catch (RuntimeException e) {
            if (!closed) {
                stats.errors.increment();
            }
        } finally {
            busyWorkers.decrementAndGet();
            finish(fd);
            inPool.give(in);
        }
    }

    /**
     * Writes all of out with blocking writes. A short count means the send timeout expired after
     * some progress, so it goes on; 0 means a whole timeout passed with nothing written (EAGAIN
     * from a blocking socket): the peer is not reading, counted and reported as false. Without a
     * send timeout this blocks for as long as the peer does not read.
     *
     * @return true when everything was written, false on a write timeout
     */
    private boolean writeAll(int fd, ByteBuffer out) throws NativeException {
        out.flip();
        try {
            while (out.hasRemaining()) {
                int n = Fds.write(fd, out);
                if (n == 0) {
                    stats.writeTimeouts.increment();
                    return false;
                }
                stats.bytesOut.add(n);
            }
            return true;
        } finally {
            out.clear();
        }
    }

    private void finish(int fd) {
        if (open.remove(fd)) {
            Fds.closeQuietly(fd);
            stats.active.decrementAndGet();
            stats.closed.increment();
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
        // shutdown() wakes threads blocked in accept() and read(); close() alone would not
        try {
            Fds.shutdownInput(listenFd);
        } catch (NativeException ignored) {
            // not connected is fine: accept still wakes with EINVAL
        }
        join(acceptor, 5_000);
        for (Integer fd : open) {
            try { // both ways: wakes a thread blocked in read() and one blocked in write()
                Fds.shutdownInput(fd);
                Fds.shutdownOutput(fd);
            } catch (NativeException ignored) {
                // already closing
            }
        }
        if (pool != null) {
            pool.shutdownNow();
            try {
                pool.awaitTermination(5, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        long deadline = System.nanoTime() + 5_000_000_000L;
        while (!open.isEmpty() && System.nanoTime() < deadline) {
            sleep(5);
        }
        Fds.closeQuietly(listenFd);
        if (accepts != null) {
            accepts.close();
        }
    }
}
