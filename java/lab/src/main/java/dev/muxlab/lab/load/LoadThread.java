package dev.muxlab.lab.load;

import dev.muxlab.Backend;
import dev.muxlab.Multiplexer;
import dev.muxlab.NativeException;
import dev.muxlab.ReadySet;

/**
 * What every thread of a load run has ({@link LoadWorker}, {@link SlowLoris}): its own
 * edge-triggered epoll instance and ready set, a {@link Dialer}, an {@link ErrorTally}, the stop
 * flag and the run's connect barrier. {@link #run()} does the thread's {@link #work()}, keeps
 * whatever it throws in {@link #failure} for the generator, passes the barrier if the work did
 * not, and closes every connection and the epoll instance. Counters are plain fields: the
 * generator reads them after {@link Thread#join}.
 */
abstract class LoadThread implements Runnable {
    final LoadConfig cfg;
    final LoadGenerator.Run run;
    final Multiplexer mux;
    final ReadySet ready;
    /** Every failure by errno: connects, resets, EOFs, protocol errors. */
    final ErrorTally errors = new ErrorTally();
    final Dialer dialer;
    volatile boolean stop;
    /** What ended the thread abnormally, or null. */
    Throwable failure;
    private boolean passedBarrier;

    /** A thread for about {@code connections} connections (sizes the ready set). */
    LoadThread(LoadConfig cfg, LoadGenerator.Run run, int connections) throws NativeException {
        this.cfg = cfg;
        this.run = run;
        this.ready = new ReadySet(Math.min(1024, Math.max(16, connections)));
        this.mux = Multiplexer.create(Backend.EPOLL);
        this.dialer = new Dialer(cfg, mux, errors);
    }

    /** The thread's job: connect, then load until the run's end or {@link #stop}. */
    abstract void work() throws NativeException;

    /** Closes every connection and records what was open at the end. */
    abstract void closeAll();

    @Override
    public final void run() {
        try {
            work();
        } catch (Throwable e) {
            failure = e;
        } finally {
            connected();
            closeAll();
            mux.close();
        }
    }

    /** Tells the generator, once, that this thread has opened its connections (or given up). */
    final void connected() {
        if (!passedBarrier) {
            passedBarrier = true;
            run.connected.countDown();
        }
    }

    /** Connects that failed (refused, timed out, EMFILE, ...). */
    final long connectErrors() {
        return dialer.failures();
    }

    /** Wakes the loop (from any thread). */
    final void wakeup() {
        mux.wakeup();
    }

    /** Asks the loop to end soon (from any thread). */
    final void stop() {
        stop = true;
        mux.wakeup();
    }

    /** Releases the sockets and the epoll instance of a thread that never ran. */
    final void abort() {
        closeAll();
        mux.close();
    }
}
