package dev.muxlab.lab;

import java.util.ArrayDeque;
import java.util.PriorityQueue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.LongAdder;

import dev.muxlab.NativeException;
import dev.muxlab.Multiplexer;
import dev.muxlab.ReadySet;

/**
 * A small single-threaded reactor over any {@link Multiplexer}: {@code register(fd, events,
 * handler)}, and each ready fd's handler is called with the ready mask (the callback style of
 * CPython's selectors echo server). Timers run on the loop thread; {@link #execute} and
 * {@link #stop} may be called from any thread and wake the loop through the multiplexer's eventfd.
 * <p>
 * The loop itself allocates nothing per event: handlers live in an array indexed by fd, the
 * ReadySet is reused, and the clock is read once per iteration ({@link #now()}).
 */
public final class EventLoop implements Runnable, AutoCloseable {

    /** Called on the loop thread with the ready bits of {@code fd}. */
    @FunctionalInterface
    public interface Handler {
        void onReady(int fd, int events);
    }

    /** A scheduled task; cancel() before it runs to drop it. */
    public static final class Timer implements Comparable<Timer> {
        long dueNanos;
        final long periodNanos;
        final Runnable task;
        final long seq;
        boolean cancelled;

        Timer(long dueNanos, long periodNanos, Runnable task, long seq) {
            this.dueNanos = dueNanos;
            this.periodNanos = periodNanos;
            this.task = task;
            this.seq = seq;
        }

        public void cancel() {
            cancelled = true;
        }

        @Override
        public int compareTo(Timer o) {
            int c = Long.compare(dueNanos, o.dueNanos);
            return c != 0 ? c : Long.compare(seq, o.seq);
        }
    }

    private final Multiplexer mux;
    private final ReadySet ready;
    private final LongAdder awaits;
    private Handler[] handlers = new Handler[256];
    private final ConcurrentLinkedQueue<Runnable> tasks = new ConcurrentLinkedQueue<>();
    private final PriorityQueue<Timer> timers = new PriorityQueue<>();
    private final ArrayDeque<Runnable> deferred = new ArrayDeque<>();
    private long timerSeq;
    private volatile boolean stopping;
    private volatile Thread thread;
    private long now = System.nanoTime();
    private long iterations;
    private long dispatched;

    /** A loop over {@code mux} that takes up to {@code batch} ready fds per await. */
    public EventLoop(Multiplexer mux, int batch) {
        this(mux, batch, null);
    }

    /** The same, counting every await in {@code awaits} (null: not counted). */
    public EventLoop(Multiplexer mux, int batch, LongAdder awaits) {
        this.mux = mux;
        this.ready = new ReadySet(batch);
        this.awaits = awaits;
    }

    public Multiplexer multiplexer() {
        return mux;
    }

    /** Registers fd with the multiplexer and routes its readiness to handler. */
    public void register(int fd, int events, Handler handler) throws NativeException {
        mux.register(fd, events);
        handlers = FdTables.fit(handlers, fd);
        handlers[fd] = handler;
    }

    public void modify(int fd, int events) throws NativeException {
        mux.modify(fd, events);
    }

    /** Unregisters fd; the handler is dropped even if the kernel call fails. */
    public void unregister(int fd) throws NativeException {
        if (fd >= 0 && fd < handlers.length) {
            handlers[fd] = null;
        }
        mux.unregister(fd);
    }

    /** Forgets fd's handler without a system call (the fd is about to be closed on epoll). */
    public void forget(int fd) {
        if (fd >= 0 && fd < handlers.length) {
            handlers[fd] = null;
        }
    }

    /** Runs task once after delayMillis, on the loop thread. Call from the loop thread. */
    public Timer schedule(long delayMillis, Runnable task) {
        Timer t = new Timer(now + delayMillis * 1_000_000L, 0, task, timerSeq++);
        timers.add(t);
        return t;
    }

    /** Runs task every periodMillis, on the loop thread. Call from the loop thread. */
    public Timer every(long periodMillis, Runnable task) {
        long p = Math.max(1, periodMillis) * 1_000_000L;
        Timer t = new Timer(now + p, p, task, timerSeq++);
        timers.add(t);
        return t;
    }

    /**
     * Runs task on the loop thread in the next iteration, after an await that does not block
     * (timeout 0): ready IO is dispatched first. For splitting long work into slices so that
     * other connections are served in between. Call from the loop thread.
     */
    public void defer(Runnable task) {
        deferred.add(task);
    }

    /** Queues task to run on the loop thread and wakes the loop. Safe from any thread. */
    public void execute(Runnable task) {
        tasks.add(task);
        mux.wakeup();
    }

    /** Asks the loop to return from {@link #run()}. Safe from any thread. */
    public void stop() {
        stopping = true;
        mux.wakeup();
    }

    public boolean inLoop() {
        return Thread.currentThread() == thread;
    }

    /** The loop's clock (System.nanoTime at the start of the current iteration). */
    public long now() {
        return now;
    }

    public long iterations() {
        return iterations;
    }

    public long dispatched() {
        return dispatched;
    }

    @Override
    public void run() {
        thread = Thread.currentThread();
        try {
            while (!stopping) {
                runOnce(-1);
            }
        } catch (NativeException e) {
            throw new IllegalStateException("event loop await failed: " + e.getMessage(), e);
        } finally {
            thread = null;
        }
    }

    /**
     * One iteration: await (bounded by the next timer and maxWaitMillis, -1 for no bound),
     * dispatch, then due timers and queued tasks. Returns the number of fds dispatched.
     */
    public int runOnce(long maxWaitMillis) throws NativeException {
        long timeout = tasks.isEmpty() && deferred.isEmpty() ? timerTimeout() : 0;
        int deferredBefore = deferred.size(); // tasks deferred from now on wait for the next await
        if (maxWaitMillis >= 0 && (timeout < 0 || timeout > maxWaitMillis)) {
            timeout = maxWaitMillis;
        }
        int n = mux.await(ready, timeout);
        if (awaits != null) {
            awaits.increment();
        }
        now = System.nanoTime();
        iterations++;
        Handler[] hs = handlers;
        for (int i = 0; i < n; i++) {
            int fd = ready.fd(i);
            Handler h = fd < hs.length ? hs[fd] : null;
            if (h != null) {
                h.onReady(fd, ready.events(i));
                dispatched++;
                hs = handlers; // a handler may have grown the table
            }
        }
        runTimers();
        Runnable r;
        while ((r = tasks.poll()) != null) {
            r.run();
        }
        for (int i = 0; i < deferredBefore; i++) {
            deferred.poll().run();
        }
        return n;
    }

    private long timerTimeout() {
        Timer t = timers.peek();
        if (t == null) {
            return -1;
        }
        long left = t.dueNanos - System.nanoTime();
        return left <= 0 ? 0 : (left + 999_999) / 1_000_000;
    }

    private void runTimers() {
        Timer t;
        while ((t = timers.peek()) != null && t.dueNanos <= now) {
            timers.poll();
            if (t.cancelled) {
                continue;
            }
            t.task.run();
            if (t.periodNanos > 0 && !t.cancelled) {
                t.dueNanos = now + t.periodNanos;
                timers.add(t);
            }
        }
    }

    /** Closes the multiplexer (after the loop has returned). */
    @Override
    public void close() {
        mux.close();
    }
}
