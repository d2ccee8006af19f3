package dev.muxlab.lab.load;

import java.io.IOException;
import java.io.InterruptedIOException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import dev.muxlab.Fds;
import dev.muxlab.NativeException;

/**
 * The verifying load generator: C connections over raw fds, driven by 1..T threads that each
 * own an epoll instance and a share of the connections (see {@link LoadWorker}).
 * <p>
 * A run has three phases. <b>Connect</b>: every thread opens its connections, at most
 * {@link LoadConfig#connectBatch} in progress at once over all threads, counting failures by
 * errno and going on. <b>Warmup</b>: once every thread has finished connecting, the clock starts
 * ({@code t0}) and load runs without being recorded. <b>Measure</b>: for
 * {@link LoadConfig#durationMillis}, completed messages, bytes and latencies are recorded.
 * Errors (connect errors, resets, mismatched bytes) count over the whole run.
 * <p>
 * <b>Closed loop</b> (rate 0): every connection has one message in flight and sends the next as
 * soon as the last is back; latency runs from the first byte written to the last byte read.
 * <b>Open loop</b> (rate R): messages are due at fixed intervals (R over all connections, spread
 * evenly over them) and latency runs from the time a message was due, not when it could be
 * sent, so a stalled server shows up in the latencies (no coordinated omission); a connection
 * with {@link LoadConfig#maxOutstanding} messages in flight drops further ones, and counts them.
 * <p>
 * <b>Slowloris</b> ({@link LoadConfig#slow} N &gt; 0): one more thread ({@link SlowLoris}) keeps N
 * connections trickling an endless request header for the whole run; the clock starts once they
 * have been opened too.
 */
public final class LoadGenerator {

    private LoadGenerator() {
    }

    /** What the threads share: the connect barrier and, once set, the run's clock. */
    static final class Run {
        final CountDownLatch connected;
        final int threads;
        private volatile boolean started;
        // written before started is set, read after it is seen
        long t0;
        long windowStart;
        long end;
        long established;
        long live;

        Run(int threads, boolean slow) {
            this.threads = threads;
            this.connected = new CountDownLatch(threads + (slow ? 1 : 0));
        }

        boolean started() {
            return started;
        }

        void start(long t0, long windowStart, long end, long established, long live) {
            this.t0 = t0;
            this.windowStart = windowStart;
            this.end = end;
            this.established = established;
            this.live = live;
            this.started = true;
        }
    }

    /**
     * Runs one load test and returns its result (a failed run, e.g. nothing could connect, is a
     * result too: see {@link LoadResult#failed()}).
     *
     * @throws IllegalArgumentException if the config is invalid
     * @throws IOException if the environment refuses (e.g. no epoll instance), or if interrupted
     *         ({@link InterruptedIOException}, with the interrupt flag restored)
     */
    public static LoadResult run(LoadConfig config) throws IOException {
        LoadConfig cfg = config.copy();
        cfg.validate();
        List<String> warnings = new ArrayList<>();
        int fdLimit = Fds.raiseOpenFileLimit();
        int openNow = Fds.countOpen();
        if ((long) cfg.connections + cfg.slow + openNow + 16 > fdLimit) {
            warnings.add("fd limit " + fdLimit + " (hard " + Fds.hardOpenFileLimit() + ") with " + openNow
                    + " fds open leaves no room for " + cfg.connections + " connections"
                    + (cfg.slow > 0 ? " and " + cfg.slow + " slow ones" : "") + ": expect EMFILE connect errors");
        }
        int threads = Math.min(cfg.threads, cfg.connections);
        Run run = new Run(threads, cfg.slow > 0);
        List<LoadWorker> workers = new ArrayList<>();
        SlowLoris slow = null;
        try {
            for (int i = 0; i < threads; i++) {
                workers.add(new LoadWorker(i, threads, cfg, run));
            }
            if (cfg.slow > 0) {
                slow = new SlowLoris(cfg, run);
            }
        } catch (NativeException e) {
            for (LoadWorker w : workers) {
                w.abort();
            }
            throw e;
        }
        List<Thread> ts = new ArrayList<>();
        for (LoadWorker w : workers) {
            Thread t = new Thread(w, "muxlab-load-" + w.index);
            t.setDaemon(true);
            ts.add(t);
        }
        if (slow != null) {
            Thread t = new Thread(slow, "muxlab-load-slow");
            t.setDaemon(true);
            ts.add(t);
        }
        long connectStart = System.nanoTime();
        for (Thread t : ts) {
            t.start();
        }
        try {
            run.connected.await();
            long connectNanos = System.nanoTime() - connectStart;
            long established = 0;
            long live = 0;
            for (LoadWorker w : workers) {
                established += w.established;
                live += w.liveAfterConnect;
            }
            long measuredNanos = 0;
            boolean nothing = established == 0 && cfg.connections > 0; // slowloris-only runs go on
            if (nothing) {
                stopAll(workers, slow);
            } else {
                long t0 = System.nanoTime();
                long windowStart = t0 + cfg.warmupMillis * 1_000_000L;
                long end = windowStart + cfg.durationMillis * 1_000_000L;
                run.start(t0, windowStart, end, established, live);
                for (LoadWorker w : workers) {
                    w.wakeup();
                }
                if (slow != null) {
                    slow.wakeup();
                }
                measuredNanos = end - windowStart;
            }
            joinAll(ts, workers, slow, nothing ? 0 : (run.end - System.nanoTime()) / 1_000_000L + 10_000);
            for (LoadWorker w : workers) {
                if (w.failure != null) {
                    throw new IOException("load thread " + w.index + " failed: " + w.failure, w.failure);
                }
            }
            if (slow != null && slow.failure != null) {
                throw new IOException("slowloris thread failed: " + slow.failure, slow.failure);
            }
            return new LoadResult(cfg, threads, workers, slow, connectNanos, measuredNanos, fdLimit, warnings);
        } catch (InterruptedException e) {
            stopAll(workers, slow);
            for (Thread t : ts) {
                try {
                    t.join(5_000);
                } catch (InterruptedException again) {
                    break;
                }
            }
            Thread.currentThread().interrupt();
            throw new InterruptedIOException("load run interrupted");
        }
    }

    private static void stopAll(List<LoadWorker> workers, SlowLoris slow) {
        for (LoadWorker w : workers) {
            w.stop();
        }
        if (slow != null) {
            slow.stop();
        }
    }

    /** Joins the threads, stopping them if they overrun their end by the grace given. */
    private static void joinAll(List<Thread> ts, List<LoadWorker> workers, SlowLoris slow, long graceMillis)
            throws InterruptedException {
        long deadline = System.nanoTime() + Math.max(0, graceMillis) * 1_000_000L;
        for (Thread t : ts) {
            long left = (deadline - System.nanoTime()) / 1_000_000L;
            if (left > 0) {
                t.join(left);
            }
        }
        stopAll(workers, slow);
        for (Thread t : ts) {
            t.join(TimeUnit.SECONDS.toMillis(10));
            if (t.isAlive()) {
                throw new IllegalStateException(t.getName() + " did not stop");
            }
        }
    }
}
