package dev.muxlab.bench;

import java.io.IOException;
import java.util.Arrays;
import java.util.concurrent.TimeUnit;

import dev.muxlab.Backend;
import dev.muxlab.Binding;
import dev.muxlab.Events;
import dev.muxlab.Fds;
import dev.muxlab.Multiplexer;
import dev.muxlab.ReadySet;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The cost of one non-blocking {@link Multiplexer#await} (timeout 0) with {@code n} registered
 * eventfds of which exactly one (the middle one) is readable, per backend. Its C twin is
 * {@code native/bench/await_ref.c}, which calls the same shim functions on the same set-up;
 * {@code scripts/bench-await} runs both and compares them.
 * <p>
 * {@code SELECT} (glibc's 1024-bit fd_set) only takes {@code n} well below 1024 (the JVM holds
 * a few dozen fds of its own); the setup refuses {@code n >= 1024} for it, so run the jar with
 * {@code -p} filters as the script does.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Fork(1)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
public class AwaitBench {

    /** What the benchmark opens (JMH takes the enum constant's name: {@code -p backend=SELECT_WIDE}). */
    @Param({"SELECT", "SELECT_WIDE", "POLL", "EPOLL"})
    public Backend backend;

    /** Registered eventfds (the multiplexer's own wakeup eventfd not counted). */
    @Param({"10", "1000", "10000", "19000"})
    public int n;

    /** Entries one await may return; the C reference uses the same (its -c default). */
    static final int CAPACITY = 64;

    private Multiplexer mux;
    private ReadySet ready;
    private int[] fds;

    @Setup(Level.Trial)
    public void setup() throws IOException {
        if (backend == Backend.SELECT && n >= 1024) {
            throw new IllegalArgumentException("SELECT (glibc fd_set) cannot hold " + n
                    + " fds; run with -p backend=SELECT -p n=10,1000");
        }
        // which binding this fork measures (scripts/bench-await checks it against the one it asked for)
        System.out.println("muxlab binding: " + Binding.describe());
        int limit = Fds.raiseOpenFileLimit();
        if (limit < n + 64) {
            throw new IllegalStateException("RLIMIT_NOFILE " + limit + " is too low for " + n + " eventfds");
        }
        // the multiplexer first, so its wakeup eventfd sits below the benchmark's fds (as in C)
        mux = Multiplexer.create(backend);
        ready = new ReadySet(CAPACITY);
        fds = new int[n];
        Arrays.fill(fds, -1);
        for (int i = 0; i < n; i++) {
            fds[i] = Fds.eventFd();
            mux.register(fds[i], Events.READ);
        }
        int hot = fds[n / 2];
        Fds.signalEventFd(hot, 1);
        // sanity: exactly the middle fd is reported, every time (level-triggered, never drained)
        for (int k = 0; k < 3; k++) {
            int got = mux.await(ready, 0);
            if (got != 1 || ready.fd(0) != hot || (ready.events(0) & Events.READ) == 0) {
                throw new IllegalStateException(backend + " n=" + n + ": expected fd " + hot + " READ, got " + ready);
            }
        }
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        if (mux != null) {
            mux.close();
            mux = null;
        }
        if (fds != null) {
            for (int fd : fds) {
                Fds.closeQuietly(fd);
            }
            fds = null;
        }
    }

    @Benchmark
    public int await() throws IOException {
        return mux.await(ready, 0);
    }
}
