package dev.muxlab.lab.proc;

import java.util.ArrayList;
import java.util.List;
import java.util.function.ToLongFunction;

/**
 * Takes samples on a daemon thread every {@code intervalMillis} until {@link #finish()} (which
 * takes one last round and returns everything in time order) or {@link #close()}. Subclasses say
 * what one round takes in {@link #poll()} and hand each sample to {@link #add}.
 */
public abstract class PeriodicSampler<T> implements AutoCloseable {
    private final List<T> samples = new ArrayList<>();
    private final String threadName;
    private final long intervalMillis;
    private Thread thread;
    private volatile boolean stop;

    protected PeriodicSampler(String threadName, long intervalMillis) {
        this.threadName = threadName;
        this.intervalMillis = intervalMillis;
    }

    /** Starts the sampling thread; call it at the end of the subclass's constructor. */
    protected final void start() {
        thread = new Thread(this::loop, threadName);
        thread.setDaemon(true);
        thread.start();
    }

    /** One round: on the sampling thread, and once more in {@link #finish()}. */
    protected abstract void poll();

    protected final void add(T sample) {
        synchronized (samples) {
            samples.add(sample);
        }
    }

    private void loop() {
        while (!stop) {
            poll();
            try {
                Thread.sleep(intervalMillis);
            } catch (InterruptedException e) {
                return;
            }
        }
    }

    /** Stops sampling (after one last round) and returns the samples in time order. */
    public List<T> finish() {
        stop = true;
        if (thread != null) {
            thread.interrupt();
            try {
                thread.join(2_000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        poll();
        synchronized (samples) {
            return List.copyOf(samples);
        }
    }

    @Override
    public void close() {
        stop = true;
        if (thread != null) {
            thread.interrupt();
        }
    }

    /**
     * A counter at time {@code nanos}, interpolated linearly between the two samples around it (the
     * first or last sample's value outside their span); NaN when there are no samples or a counter
     * involved is negative (unknown).
     */
    public static <S> double interpolate(List<S> samples, long nanos, ToLongFunction<S> time,
            ToLongFunction<S> counter) {
        if (samples.isEmpty()) {
            return Double.NaN;
        }
        S prev = samples.get(0);
        if (nanos <= time.applyAsLong(prev)) {
            return known(counter.applyAsLong(prev));
        }
        for (S s : samples) {
            long t = time.applyAsLong(s);
            if (t >= nanos) {
                long t0 = time.applyAsLong(prev);
                double span = t - t0;
                double f = span <= 0 ? 1 : (nanos - t0) / span;
                long a = counter.applyAsLong(prev);
                long b = counter.applyAsLong(s);
                return a < 0 || b < 0 ? Double.NaN : a + f * (b - a);
            }
            prev = s;
        }
        return known(counter.applyAsLong(prev));
    }

    private static double known(long v) {
        return v < 0 ? Double.NaN : v;
    }
}
