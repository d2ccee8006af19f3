package dev.muxlab.lab.experiments.scaling;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.nio.ByteBuffer;

import dev.muxlab.Events;
import dev.muxlab.Fds;
import dev.muxlab.Multiplexer;
import dev.muxlab.NativeException;
import dev.muxlab.ReadySet;
import dev.muxlab.Trigger;

/**
 * The dispatch loop of the scaling experiment, after libevent's test/bench.c: N socketpairs
 * whose read ends are registered for reading, A of them made readable, and a handler that
 * passes the bytes on to the next pair until W chained writes have been made. Only the
 * dispatch loop (await with timeout 0 plus the handlers) is timed. native/bench/scaling_ref.c
 * is the same loop in C on the same shims.
 * <p>
 * A handler reads what its pair holds (one read; on edge-triggered epoll it reads again only
 * after a full buffer, since a short read on a stream socket means it was empty) and writes as
 * many bytes into pair (i + 1) mod N while writes remain, so A tokens travel around the set.
 * With N &gt;= 2A the tokens never meet and every await reports A fds. Each run starts where the
 * previous one stopped, so over the runs the chain walks the whole set rather than revisiting
 * the same cache-hot pairs.
 * <p>
 * Clock: the loop never blocks (timeout 0, non-blocking fds), so the CPU time of the dispatching
 * thread (user plus kernel) equals its wall-clock time on an idle machine; unlike wall-clock time
 * it leaves out the time the thread spent preempted by other processes, which on a small shared
 * machine is most of the noise. Both are recorded; the C reference does the same.
 */
final class ScalingBench implements AutoCloseable {
    /** Ready-set capacity, the same as the C reference's -c default. */
    static final int CAPACITY = 256;
    private static final int BUF = 256;

    private static final ThreadMXBean THREADS = ManagementFactory.getThreadMXBean();
    private static final boolean CPU_CLOCK = THREADS.isCurrentThreadCpuTimeSupported();

    /** One timed run: CPU nanoseconds of the dispatching thread, wall-clock nanoseconds, awaits, fds dispatched. */
    record Run(long ns, long wallNs, long iters, long events) {
        double nsPerIter() {
            return (double) ns / iters;
        }

        double nsPerEvent() {
            return events == 0 ? Double.NaN : (double) ns / events;
        }
    }

    final ScalingRow row;
    final int n;
    final int active;
    private final boolean edge;
    private final Multiplexer mux;
    private final int[] rd;
    private final int[] wr;
    private int[] index = new int[0];
    private final ReadySet ready = new ReadySet(CAPACITY);
    private final ByteBuffer in = ByteBuffer.allocateDirect(BUF);
    private final ByteBuffer out = ByteBuffer.allocateDirect(BUF);
    private int offset;

    /**
     * Opens the multiplexer (first, so that its wakeup fd gets a low number, as in C) and the N
     * socketpairs. On failure everything opened so far is closed again.
     *
     * @param row the backend and its trigger mode
     */
    ScalingBench(ScalingRow row, int n, int active) throws NativeException {
        if (active < 1 || active > n) {
            throw new IllegalArgumentException("need 1 <= A <= N, got A=" + active + " N=" + n);
        }
        this.row = row;
        this.n = n;
        this.active = active;
        this.edge = row.trigger() == Trigger.EDGE;
        this.mux = Multiplexer.create(row.backend());
        this.rd = new int[n];
        this.wr = new int[n];
        java.util.Arrays.fill(rd, -1);
        java.util.Arrays.fill(wr, -1);
        for (int i = 0; i < BUF; i++) {
            out.put(i, (byte) 'e');
        }
        int events = Events.READ | row.trigger().flags();
        try {
            for (int i = 0; i < n; i++) {
                int[] sp = Fds.socketPair();
                rd[i] = sp[0];
                wr[i] = sp[1];
                if (sp[0] >= index.length) {
                    int[] bigger = new int[Math.max(sp[0] + 1, Math.max(64, index.length * 2))];
                    java.util.Arrays.fill(bigger, -1);
                    System.arraycopy(index, 0, bigger, 0, index.length);
                    index = bigger;
                }
                index[sp[0]] = i;
                mux.register(sp[0], events);
            }
        } catch (NativeException | RuntimeException e) {
            close();
            throw e;
        }
    }

    /** One run with W chained writes; throws if the chain breaks (a lost byte would hang it). */
    Run run(int writes) throws IOException {
        final int[] index = this.index;
        final int[] wr = this.wr;
        final int n = this.n;
        final int space = n / active;
        for (int i = 0; i < active; i++) {
            int p = (int) ((offset + (long) i * space) % n);
            out.clear().limit(1);
            if (Fds.write(wr[p], out) != 1) {
                throw new IOException("start write to pair " + p + " would block");
            }
        }
        final long total = (long) active + writes;
        final long guard = 4 * total + 1000;
        long left = writes;
        long count = 0;
        long iters = 0;
        long events = 0;
        long w0 = System.nanoTime();
        long c0 = cpuNanos();
        while (count < total) {
            int k = mux.await(ready, 0);
            iters++;
            events += k;
            for (int e = 0; e < k; e++) {
                int fd = ready.fd(e);
                int i = fd < index.length ? index[fd] : -1;
                if (i < 0) {
                    throw new IllegalStateException(row + " reported fd " + fd + ", not one of ours");
                }
                long got = 0;
                for (;;) {
                    in.clear();
                    int m = Fds.read(fd, in);
                    if (m < 0) {
                        throw new IOException("EOF on fd " + fd);
                    }
                    got += m;
                    if (!edge || m < BUF) {
                        break;
                    }
                }
                count += got;
                long w = Math.min(got, left);
                if (w > 0) {
                    int next = i + 1 == n ? 0 : i + 1;
                    while (w > 0) {
                        int chunk = (int) Math.min(w, BUF);
                        out.clear().limit(chunk);
                        int m = Fds.write(wr[next], out);
                        if (m != chunk) {
                            throw new IOException("write to pair " + next + " wrote " + m + " of " + chunk);
                        }
                        w -= m;
                        left -= m;
                    }
                }
            }
            if (iters > guard) {
                throw new IllegalStateException(row + " run did not finish: " + count + " of " + total
                        + " bytes after " + iters + " awaits");
            }
        }
        long cpu = cpuNanos() - c0;
        long wall = System.nanoTime() - w0;
        offset = (int) ((offset + (long) writes / active) % n);
        return new Run(CPU_CLOCK ? cpu : wall, wall, iters, events);
    }

    /** Whether runs are timed by thread CPU time (else wall-clock time). */
    static boolean cpuClock() {
        return CPU_CLOCK;
    }

    private static long cpuNanos() {
        return CPU_CLOCK ? THREADS.getCurrentThreadCpuTime() : 0;
    }

    @Override
    public void close() {
        mux.close();
        for (int i = 0; i < n; i++) {
            Fds.closeQuietly(rd[i]);
            Fds.closeQuietly(wr[i]);
            rd[i] = wr[i] = -1;
        }
    }
}
