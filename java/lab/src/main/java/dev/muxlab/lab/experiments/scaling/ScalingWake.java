package dev.muxlab.lab.experiments.scaling;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

import dev.muxlab.Backend;
import dev.muxlab.Events;
import dev.muxlab.Fds;
import dev.muxlab.Multiplexer;
import dev.muxlab.NativeException;
import dev.muxlab.ReadySet;
import dev.muxlab.Trigger;
import dev.muxlab.lab.proc.ProcStats;

/**
 * The blocking-wakeup part of the scaling experiment: a wait that really sleeps. N idle
 * socketpairs and one "ping" pair are registered for reading in one multiplexer; a waiter thread
 * loops on {@code await(-1)}, reads the ping byte and answers on an "ack" socketpair that is not
 * registered; a pinger thread writes the next ping only after it has read the ack and then slept
 * for a pause (parkNanos, no spinning) longer than the waiter's work per round. So the waiter is
 * asleep in await when each ping arrives, and every round is one blocking wait and one wakeup.
 * (Without the pause the ping comes back within microseconds, while select or poll is still
 * registering on the idle fds, and the waiter rarely sleeps; {@link Run#sleeps} shows which.)
 * The ping pair is opened and registered last (highest fd number, end of the poll array), so a
 * scan reaches it after every idle fd whether the ping comes before, during or after the scan.
 * <p>
 * Measured: the waiter's CPU time (user plus kernel, {@link ThreadMXBean}) and the wall-clock time
 * over the timed rounds. poll and select set up a wait-queue entry on every watched fd for each
 * blocking call and tear it down after the wakeup; epoll did that once, at registration.
 */
final class ScalingWake implements AutoCloseable {
    private static final ThreadMXBean THREADS = ManagementFactory.getThreadMXBean();
    private static final boolean CPU_CLOCK = THREADS.isCurrentThreadCpuTimeSupported();

    /**
     * One run over {@code rounds} rounds: waiter CPU and wall-clock nanoseconds, and the waiter's
     * voluntary context switches (times it went to sleep; -1 if /proc does not tell).
     */
    record Run(long cpuNs, long wallNs, int rounds, long sleeps) {
        double sleepsPerRound() {
            return sleeps < 0 ? Double.NaN : (double) sleeps / rounds;
        }

        double cpuNsPerRound() {
            return (double) cpuNs / rounds;
        }

        double wallNsPerRound() {
            return (double) wallNs / rounds;
        }
    }

    final Backend backend;
    final int n;
    private final Multiplexer mux;
    private final int[] idle;
    private final int pingRd;
    private final int pingWr;
    private final int ackRd;
    private final int ackWr;
    private final ReadySet ready = new ReadySet(16);
    private final ByteBuffer waiterBuf = ByteBuffer.allocateDirect(16);
    private final ByteBuffer pingerBuf = ByteBuffer.allocateDirect(16);

    private volatile boolean stop;
    private volatile Throwable failure;
    private long cpuNs;
    private long wallNs;
    private long sleeps;

    /**
     * Opens the multiplexer, the ping and ack pairs and the N idle pairs; on failure closes what
     * it opened.
     *
     * @param trigger the trigger mode to register in (edge: epoll only)
     */
    ScalingWake(Backend backend, int n, Trigger trigger) throws NativeException {
        this.backend = backend;
        this.n = n;
        this.idle = new int[2 * n];
        Arrays.fill(idle, -1);
        int[] ping = {-1, -1};
        int[] ack = {-1, -1};
        Multiplexer m = Multiplexer.create(backend);
        try {
            ack = Fds.socketPair(false); // blocking: the pinger sleeps in read until the ack
            int events = Events.READ | trigger.flags();
            for (int i = 0; i < n; i++) {
                int[] sp = Fds.socketPair();
                idle[2 * i] = sp[0];
                idle[2 * i + 1] = sp[1];
                m.register(sp[0], events);
            }
            ping = Fds.socketPair(); // last: highest fd number, end of the poll array
            m.register(ping[0], events);
        } catch (NativeException | RuntimeException e) {
            m.close();
            for (int fd : new int[] {ping[0], ping[1], ack[0], ack[1]}) {
                Fds.closeQuietly(fd);
            }
            for (int fd : idle) {
                Fds.closeQuietly(fd);
            }
            throw e;
        }
        this.mux = m;
        this.pingRd = ping[0];
        this.pingWr = ping[1];
        this.ackRd = ack[0];
        this.ackWr = ack[1];
    }

    /**
     * {@code warmup} untimed rounds, then {@code rounds} timed ones; the pinger pauses
     * {@code pauseNs} after each ack (0: none). Both threads are daemons; if
     * they have not finished within {@code timeoutMs} (or either fails) both are unblocked (the
     * multiplexer woken, the ack pair shut down) and this throws; the instance is then unusable.
     */
    Run run(int warmup, int rounds, long pauseNs, long timeoutMs) throws IOException, InterruptedException {
        int total = warmup + rounds;
        Thread waiter = new Thread(() -> waiterLoop(warmup, total), "scaling-wake-waiter");
        Thread pinger = new Thread(() -> pingerLoop(total, pauseNs), "scaling-wake-pinger");
        waiter.setDaemon(true);
        pinger.setDaemon(true);
        waiter.start();
        pinger.start();
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(timeoutMs);
        waiter.join(Math.max(1, timeoutMs));
        pinger.join(Math.max(1, TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime())));
        boolean late = waiter.isAlive() || pinger.isAlive();
        if (late || failure != null) {
            abort();
            waiter.join(2000);
            pinger.join(2000);
            Throwable f = failure;
            if (f instanceof IOException io) {
                throw io;
            }
            if (f != null) {
                throw new IllegalStateException(backend + " N=" + n + " wakeup run failed: " + f, f);
            }
            throw new IllegalStateException(backend + " N=" + n + ": " + total + " wakeup rounds did not finish in "
                    + timeoutMs + " ms");
        }
        return new Run(cpuNs, wallNs, rounds, sleeps);
    }

    private void waiterLoop(int warmup, int total) {
        try {
            final ReadySet ready = this.ready;
            final ByteBuffer buf = waiterBuf;
            long c0 = 0;
            long w0 = 0;
            long v0 = -1;
            for (int i = 0; i < total; i++) {
                if (i == warmup) {
                    v0 = ProcStats.voluntarySwitches();
                    c0 = cpuNanos();
                    w0 = System.nanoTime();
                }
                int k;
                do {
                    k = mux.await(ready, -1);
                    if (stop) {
                        return;
                    }
                } while (k == 0);
                if (k != 1 || ready.fd(0) != pingRd) {
                    throw new IllegalStateException(backend + " reported " + k + " fds, first " + ready.fd(0)
                            + "; only the ping fd " + pingRd + " should be ready");
                }
                buf.clear();
                if (Fds.read(pingRd, buf) != 1) {
                    throw new IOException("ping read did not return one byte");
                }
                buf.clear().limit(1);
                if (Fds.write(ackWr, buf) != 1) {
                    throw new IOException("ack write failed");
                }
            }
            cpuNs = cpuNanos() - c0;
            wallNs = System.nanoTime() - w0;
            long v1 = ProcStats.voluntarySwitches();
            sleeps = v0 < 0 || v1 < 0 ? -1 : v1 - v0;
        } catch (Throwable t) {
            fail(t);
        }
    }

    private void pingerLoop(int total, long pauseNs) {
        try {
            final ByteBuffer buf = pingerBuf;
            for (int i = 0; i < total && !stop; i++) {
                buf.clear().limit(1);
                if (Fds.write(pingWr, buf) != 1) {
                    throw new IOException("ping write would block");
                }
                buf.clear().limit(1);
                int m = Fds.read(ackRd, buf); // blocks until the waiter answers
                if (m != 1) {
                    if (stop) {
                        return;
                    }
                    throw new IOException("ack read returned " + m);
                }
                if (pauseNs > 0) {
                    LockSupport.parkNanos(pauseNs); // let the waiter get back to sleep in await
                }
            }
        } catch (Throwable t) {
            fail(t);
        }
    }

    private void fail(Throwable t) {
        if (!stop && failure == null) {
            failure = t;
        }
        abort();
    }

    /** Unblocks both threads: stop flag, multiplexer wakeup, ack pair shut down both ways. */
    private void abort() {
        stop = true;
        mux.wakeup();
        for (int fd : new int[] {ackRd, ackWr}) {
            try {
                Fds.shutdownInput(fd);
                Fds.shutdownOutput(fd);
            } catch (IOException | RuntimeException ignored) {
                // already shut down or closed
            }
        }
    }

    /** Whether the waiter's time is its CPU time (else only the wall clock is meaningful). */
    static boolean cpuClock() {
        return CPU_CLOCK;
    }

    private static long cpuNanos() {
        return CPU_CLOCK ? THREADS.getCurrentThreadCpuTime() : System.nanoTime();
    }

    @Override
    public void close() {
        mux.close();
        Fds.closeQuietly(pingRd);
        Fds.closeQuietly(pingWr);
        Fds.closeQuietly(ackRd);
        Fds.closeQuietly(ackWr);
        for (int i = 0; i < idle.length; i++) {
            Fds.closeQuietly(idle[i]);
            idle[i] = -1;
        }
    }
}
