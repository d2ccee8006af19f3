package dev.muxlab.lab.experiments.trigger;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;

import dev.muxlab.Backend;
import dev.muxlab.Errno;
import dev.muxlab.Events;
import dev.muxlab.Fds;
import dev.muxlab.Multiplexer;
import dev.muxlab.NativeException;
import dev.muxlab.ReadySet;
import dev.muxlab.Trigger;
import dev.muxlab.lab.proc.ProcStats;
import dev.muxlab.lab.report.Experiment;
import dev.muxlab.lab.report.ExperimentContext;
import dev.muxlab.lab.report.ExperimentResult;
import dev.muxlab.lab.report.Table;

/**
 * {@code trigger}: level- versus edge-triggered epoll on AF_UNIX socket pairs, in four small
 * demonstrations whose numbers are measured, not assumed: (a) wakeups and reads for a 64 KiB
 * message read 1 KiB at a time, (b) the ET reader that does not drain and stalls, (c) ONESHOT and
 * re-arming, (d) how many of two waiting threads one event wakes (one instance LT/ET, two
 * instances with and without EPOLLEXCLUSIVE).
 */
public final class TriggerExperiment implements Experiment {
    public static final String NAME = "trigger";
    static final int MESSAGE = 64 * 1024;
    static final int CHUNK = 1024;
    /** The await timeout of the waiters in (d); they are normally released much sooner. */
    static final int WAITER_TIMEOUT_MS = 300;
    /** After the event in (d): how long to wait for a second waiter to report before releasing it. */
    static final int GRACE_MS = 5;

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public String title() {
        return "Level- vs edge-triggered epoll: wakeups, stalls, ONESHOT and waking several waiters";
    }

    @Override
    public String guide() {
        return "Four demonstrations on AF_UNIX socket pairs, each a table with one sentence under it. (a) A 64 KiB"
                + " message read 1 KiB per wakeup: level-triggered (LT) epoll reports the fd again on every wait while"
                + " bytes remain, edge-triggered (ET) reports each arrival once, so an ET reader must read until"
                + " EAGAIN. (b) The ET reader that stops early: its next wait times out with the bytes still queued."
                + " (c) ONESHOT: one report, then silence until modify re-arms the fd. (d) Two threads waiting for one"
                + " event, repeated many times: the average number of threads whose wait reported the event, and how"
                + " many the kernel woke (counted from each thread's context switches).";
    }

    /** Only epoll has trigger modes. */
    @Override
    public boolean appliesTo(Set<Backend> backends) {
        return backends.isEmpty() || backends.contains(Backend.EPOLL);
    }

    @Override
    public ExperimentResult run(ExperimentContext ctx) throws Exception {
        if (!ctx.wants(Backend.EPOLL)) {
            throw new IllegalArgumentException("trigger: only the epoll backend has edge-triggered mode; --backend "
                    + ExperimentContext.ids(ctx.backends) + " cannot run it (use --backend epoll or leave --backend out)");
        }
        ExperimentResult r = new ExperimentResult(name(), title());
        long waitMs = 100; // long enough to show that no report comes; the same in quick and full mode
        boolean lt = ctx.wants(Trigger.LEVEL);
        boolean et = ctx.wants(Trigger.EDGE);

        partA(r, lt, et, waitMs);
        if (et) {
            partB(r, waitMs);
        }
        partC(r, et && !lt ? Trigger.EDGE : Trigger.LEVEL, waitMs);
        partD(ctx, r, lt, et);

        summarize(r);
        return r;
    }

    /** The console summary, from the figures the parts published. */
    private static void summarize(ExperimentResult r) {
        double ltw = r.get(TriggerFigures.wakeups(Trigger.LEVEL));
        double etw = r.get(TriggerFigures.wakeups(Trigger.EDGE));
        if (!Double.isNaN(ltw) || !Double.isNaN(etw)) {
            r.summary("wakeups for 64 KiB read 1 KiB at a time", (Double.isNaN(ltw) ? "" : "LT " + Table.fmt(ltw))
                    + (!Double.isNaN(ltw) && !Double.isNaN(etw) ? ", " : "")
                    + (Double.isNaN(etw) ? "" : "ET (draining) " + Table.fmt(etw)));
        }
        if (!Double.isNaN(r.get(TriggerFigures.STALLED))) {
            r.summary("ET reader that does not drain", r.get(TriggerFigures.STALLED) == 1
                    ? "stalled with " + Table.fmt(r.get(TriggerFigures.STALLED_QUEUED_BYTES)) + " bytes queued"
                    : "did not stall");
        }
        r.summary("ONESHOT reports: first, while disarmed, after re-arm", Table.fmt(r.get(TriggerFigures.ONESHOT_FIRST))
                + ", " + Table.fmt(r.get(TriggerFigures.ONESHOT_WHILE_DISARMED)) + ", "
                + Table.fmt(r.get(TriggerFigures.ONESHOT_AFTER_REARM)));
        StringBuilder d = new StringBuilder();
        for (String[] k : new String[][] {{Trigger.LEVEL.id(), label(Trigger.LEVEL)},
            {Trigger.EDGE.id(), label(Trigger.EDGE)}, {TriggerFigures.SHARED_INSTANCES, "2 instances"},
            {TriggerFigures.EXCLUSIVE, "EXCLUSIVE"}}) {
            double v = r.get(TriggerFigures.woken(k[0]));
            if (!Double.isNaN(v)) {
                d.append(d.length() > 0 ? ", " : "").append(k[1]).append(' ').append(Table.fmt(v));
            }
        }
        if (d.length() > 0) {
            r.summary("threads woken by one event (of 2 waiting)", d.toString());
        }
    }

    // ---------------------------------------------------------------------------------------------
    // (a) 64 KiB read 1 KiB per wakeup

    /** What one reader in (a) did. */
    record ReadRun(int wakeups, int reads, long bytesRead, long bytesLeft, boolean stalled) {
    }

    private void partA(ExperimentResult r, boolean lt, boolean et, long waitMs) throws NativeException {
        Table t = r.table(new Table("(a) 64 KiB sent at once, read in 1 KiB reads", "mode", "reader",
                "wakeups", "read calls", "bytes read", "bytes left", "outcome"));
        if (lt) {
            ReadRun a = readMessage(Trigger.LEVEL, false, waitMs);
            t.row(label(Trigger.LEVEL), "1 KiB per wakeup", a.wakeups(), a.reads(), a.bytesRead(), a.bytesLeft(), outcome(a, waitMs));
            r.figure(TriggerFigures.wakeups(Trigger.LEVEL), a.wakeups()).figure(TriggerFigures.reads(Trigger.LEVEL), a.reads());
            ReadRun b = readMessage(Trigger.LEVEL, true, waitMs);
            t.row(label(Trigger.LEVEL), "drain until EAGAIN per wakeup", b.wakeups(), b.reads(), b.bytesRead(), b.bytesLeft(),
                    outcome(b, waitMs));
        }
        if (et) {
            ReadRun c = readMessage(Trigger.EDGE, false, waitMs);
            t.row(label(Trigger.EDGE), "1 KiB per wakeup", c.wakeups(), c.reads(), c.bytesRead(), c.bytesLeft(), outcome(c, waitMs));
            r.figure(TriggerFigures.ET_NODRAIN_BYTES_READ, c.bytesRead())
                    .figure(TriggerFigures.ET_NODRAIN_BYTES_LEFT, c.bytesLeft());
            ReadRun d = readMessage(Trigger.EDGE, true, waitMs);
            t.row(label(Trigger.EDGE), "drain until EAGAIN per wakeup", d.wakeups(), d.reads(), d.bytesRead(), d.bytesLeft(),
                    outcome(d, waitMs));
            r.figure(TriggerFigures.wakeups(Trigger.EDGE), d.wakeups()).figure(TriggerFigures.reads(Trigger.EDGE), d.reads());
        }
        t.note("LT reports the socket on every wait while any byte is queued, so a reader may take 1 KiB per"
                + " wakeup; ET reports the arrival once, so the 1 KiB-per-wakeup reader waits forever with the rest"
                + " queued, and the reader that loops until read hits EAGAIN gets everything from one wakeup (read"
                + " calls include that last EAGAIN read).");
    }

    /** "LT" or "ET", as the table rows say. */
    private static String label(Trigger t) {
        return t.id().toUpperCase(Locale.ROOT);
    }

    private static String outcome(ReadRun run, long waitMs) {
        if (run.stalled()) {
            return "stalled: the next wait timed out after " + waitMs + " ms with " + run.bytesLeft() + " bytes queued";
        }
        return "all read";
    }

    /**
     * Registers the read end (READ in the given trigger mode), writes 64 KiB to the other end, and reads
     * it back 1 KiB per read call, waiting before each (or, if {@code drain}, reading until EAGAIN
     * after each wakeup) until everything is read or a wait times out.
     */
    private static ReadRun readMessage(Trigger trigger, boolean drain, long waitMs) throws NativeException {
        int[] sp = Fds.socketPair();
        try (Multiplexer m = Multiplexer.create(Backend.EPOLL)) {
            ReadySet rs = new ReadySet(4);
            m.register(sp[1], Events.READ | trigger.flags());
            writeFully(sp[0], MESSAGE);
            ByteBuffer buf = ByteBuffer.allocateDirect(CHUNK);
            int wakeups = 0;
            int reads = 0;
            long got = 0;
            boolean stalled = false;
            while (got < MESSAGE) {
                m.await(rs, waitMs);
                if (rs.indexOf(sp[1]) < 0) {
                    stalled = true;
                    break;
                }
                wakeups++;
                while (true) {
                    buf.clear();
                    int n = Fds.read(sp[1], buf);
                    reads++;
                    if (n > 0) {
                        got += n;
                    }
                    if (!drain || n <= 0) {
                        break;
                    }
                }
                if (wakeups > 10 * MESSAGE / CHUNK) {
                    throw new IllegalStateException("no progress reading the message");
                }
            }
            return new ReadRun(wakeups, reads, got, Fds.available(sp[1]), stalled);
        } finally {
            Fds.closeQuietly(sp[0]);
            Fds.closeQuietly(sp[1]);
        }
    }

    private static void writeFully(int fd, int bytes) throws NativeException {
        ByteBuffer b = ByteBuffer.allocateDirect(bytes);
        int zeroWrites = 0;
        while (b.hasRemaining()) {
            if (Fds.write(fd, b) == 0 && ++zeroWrites > 1000) {
                throw new IllegalStateException("the socket buffer does not take " + bytes + " bytes");
            }
        }
    }

    // ---------------------------------------------------------------------------------------------
    // (b) the ET reader that does not drain

    private void partB(ExperimentResult r, long waitMs) throws NativeException {
        Table t = r.table(new Table("(b) An edge-triggered reader that does not drain", "step", "action",
                "wait reported the fd", "bytes queued after"));
        int[] sp = Fds.socketPair();
        try (Multiplexer m = Multiplexer.create(Backend.EPOLL)) {
            ReadySet rs = new ReadySet(4);
            ByteBuffer buf = ByteBuffer.allocateDirect(CHUNK);
            m.register(sp[1], Events.READ | Trigger.EDGE.flags());

            writeFully(sp[0], 4 * CHUNK);
            boolean first = reported(m, rs, sp[1], waitMs);
            t.row(1, "peer writes 4 KiB; wait", yes(first), Fds.available(sp[1]));

            Fds.read(sp[1], buf);
            boolean again = reported(m, rs, sp[1], waitMs);
            int queued = Fds.available(sp[1]);
            boolean stalled = !again && queued > 0;
            t.row(2, "read 1 KiB; wait again", again ? "yes" : "no: timed out after " + waitMs + " ms", queued);
            r.figure(TriggerFigures.STALLED, stalled ? 1 : 0).figure(TriggerFigures.STALLED_QUEUED_BYTES, queued);

            writeFully(sp[0], CHUNK);
            boolean newData = reported(m, rs, sp[1], waitMs);
            t.row(3, "peer writes 1 KiB more (not drained yet); wait", yes(newData), Fds.available(sp[1]));
            r.figure(TriggerFigures.NEW_DATA_REREPORTS, newData ? 1 : 0);

            long drained = Fds.drain(sp[1]);
            boolean afterDrain = reported(m, rs, sp[1], 0);
            t.row(4, "read until EAGAIN (" + drained + " bytes); wait (timeout 0)", yes(afterDrain),
                    Fds.available(sp[1]));

            writeFully(sp[0], CHUNK);
            boolean fixed = reported(m, rs, sp[1], waitMs);
            t.row(5, "peer writes 1 KiB; wait", yes(fixed), Fds.available(sp[1]));
            r.figure(TriggerFigures.DRAIN_FIXED, fixed && !afterDrain ? 1 : 0);
            Fds.drain(sp[1]);
        } finally {
            Fds.closeQuietly(sp[0]);
            Fds.closeQuietly(sp[1]);
        }
        t.note("ET reports a change, not a state: after reading 1 of 4 KiB the next wait times out although bytes"
                + " are queued (step 2). On Linux every new arrival is an edge even before the reader drained"
                + " (step 3), so the stall lasts until the peer sends again, which a peer waiting for our reply never"
                + " does; reading until EAGAIN (step 4) leaves nothing behind and the next message wakes the reader"
                + " (step 5).");
    }

    private static boolean reported(Multiplexer m, ReadySet rs, int fd, long timeoutMs) throws NativeException {
        m.await(rs, timeoutMs);
        return rs.indexOf(fd) >= 0;
    }

    private static String yes(boolean b) {
        return b ? "yes" : "no";
    }

    // ---------------------------------------------------------------------------------------------
    // (c) ONESHOT

    private void partC(ExperimentResult r, Trigger trigger, long waitMs) throws NativeException {
        String mode = label(trigger);
        int interest = Events.READ | Events.ONESHOT | trigger.flags();
        Table t = r.table(new Table("(c) ONESHOT and re-arming (" + mode + ")", "step", "action", "events reported",
                "bytes queued after"));
        int[] sp = Fds.socketPair();
        try (Multiplexer m = Multiplexer.create(Backend.EPOLL)) {
            ReadySet rs = new ReadySet(4);
            m.register(sp[1], interest);

            writeFully(sp[0], 1);
            int first = count(m, rs, sp[1], waitMs);
            t.row(1, "register " + Events.toString(interest) + "; peer writes 1 byte; wait", first,
                    Fds.available(sp[1]));

            writeFully(sp[0], 1);
            int disarmed = count(m, rs, sp[1], waitMs);
            t.row(2, "peer writes 1 more byte (nothing read); wait " + waitMs + " ms", disarmed, Fds.available(sp[1]));

            String reg;
            boolean eexist;
            try {
                m.register(sp[1], interest);
                reg = "accepted";
                eexist = false;
            } catch (NativeException e) {
                reg = e.errnoName();
                eexist = e.is(Errno.EEXIST);
            }
            t.row(3, "register the fd again while disarmed", reg, Fds.available(sp[1]));

            m.modify(sp[1], interest);
            int rearmed = count(m, rs, sp[1], 0);
            t.row(4, "modify (re-arm), data still queued; wait (timeout 0)", rearmed, Fds.available(sp[1]));

            int afterFire = count(m, rs, sp[1], waitMs);
            t.row(5, "wait again " + waitMs + " ms", afterFire, Fds.available(sp[1]));

            r.figure(TriggerFigures.ONESHOT_FIRST, first).figure(TriggerFigures.ONESHOT_WHILE_DISARMED, disarmed)
                    .figure(TriggerFigures.ONESHOT_AFTER_REARM, rearmed)
                    .figure(TriggerFigures.ONESHOT_REREGISTER_EEXIST, eexist ? 1 : 0);
        } finally {
            Fds.closeQuietly(sp[0]);
            Fds.closeQuietly(sp[1]);
        }
        t.note("A ONESHOT fd is reported once and then disarmed: new data brings no report, but the fd stays in the"
                + " interest list (registering it again is EEXIST); modify re-arms it, and since bytes are still"
                + " queued it is reported at once, then disarmed again.");
    }

    /** Events reported for fd by one wait. */
    private static int count(Multiplexer m, ReadySet rs, int fd, long timeoutMs) throws NativeException {
        m.await(rs, timeoutMs);
        int n = 0;
        for (int i = 0; i < rs.size(); i++) {
            if (rs.fd(i) == fd) {
                n++;
            }
        }
        return n;
    }

    // ---------------------------------------------------------------------------------------------
    // (d) two waiting threads, one event

    /** One case of (d). */
    record WakeCase(String key, String label, boolean twoInstances, int interest) {
    }

    /** Averages of one case of (d). */
    record WakeResult(int reps, double reported, double gotData, double kernelWoken, int notParked) {
    }

    private void partD(ExperimentContext ctx, ExperimentResult r, boolean lt, boolean et) throws Exception {
        List<WakeCase> cases = new ArrayList<>();
        for (Trigger t : Trigger.values()) {
            if (t == Trigger.LEVEL ? lt : et) {
                cases.add(new WakeCase(t.id(), "1 instance, " + label(t), false, Events.READ | t.flags()));
            }
        }
        Trigger two = lt ? Trigger.LEVEL : Trigger.EDGE; // the two-instance rows: LT unless --trigger et
        cases.add(new WakeCase(TriggerFigures.SHARED_INSTANCES, "2 instances, " + label(two), true, Events.READ | two.flags()));
        cases.add(new WakeCase(TriggerFigures.EXCLUSIVE, "2 instances, " + label(two) + " + EXCLUSIVE", true,
                Events.READ | Events.EXCLUSIVE | two.flags()));
        int reps = ctx.quick ? 20 : 50;

        Table t = r.table(new Table("(d) Two threads waiting, one event (1 byte written), " + reps + " times",
                "case", "interest", "threads woken", "threads whose wait reported the fd",
                "threads that read the byte"));
        List<WakeResult> results = new ArrayList<>();
        ctx.progress("trigger: two waiters, one event", (long) cases.size() * reps, step -> {
            long done = 0;
            for (WakeCase c : cases) {
                step.message(c.label());
                results.add(wakeCase(c, reps));
                done += reps;
                step.stepTo(done);
            }
        });
        int unparked = 0;
        boolean switchesKnown = true;
        for (int i = 0; i < cases.size(); i++) {
            WakeCase c = cases.get(i);
            WakeResult w = results.get(i);
            boolean known = !Double.isNaN(w.kernelWoken());
            switchesKnown &= known;
            t.row(c.label(), Events.toString(c.interest()), known ? w.kernelWoken() : "n/a", w.reported(), w.gotData());
            // "woken" is what the kernel did; where context switches cannot be read, what the waits reported
            r.figure(TriggerFigures.woken(c.key()), known ? w.kernelWoken() : w.reported());
            r.figure(TriggerFigures.reported(c.key()), w.reported());
            unparked += w.notParked();
        }
        t.note("Averages per event over 2 waiting threads; a woken thread reads the fd until EAGAIN, as a worker"
                + " would. 'Woken' counts threads whose wait returned the fd or that slept more than once inside it"
                + " (woken, found the byte already taken and went back to sleep: only the thread's voluntary context"
                + " switches in /proc show that). One instance: epoll_wait sleepers queue exclusively, so the event"
                + " wakes one thread; under LT that thread's epoll_wait puts the still-ready fd back on the ready list"
                + " and wakes the next sleeper, under ET it does not. Two instances each watch the fd and both are"
                + " woken, unless both registered it with EXCLUSIVE.");
        if (!switchesKnown) {
            r.paragraph("(d): context switches could not be read from /proc/thread-self/status here, so 'woken' is"
                    + " the number of waits that reported the fd.");
        }
        if (unparked > 0) {
            r.paragraph("(d): in " + unparked + " repetitions a waiter was not yet seen asleep in epoll_wait when the"
                    + " byte was written (checked through /proc/self/task/<tid>/wchan).");
        }
    }

    /** A thread that, on each go, waits once on its multiplexer and reads the fd if it was reported. */
    private static final class Waiter implements Runnable {
        final Multiplexer mux;
        final int fd;
        final ReadySet rs = new ReadySet(4);
        final Semaphore go = new Semaphore(0);
        final Semaphore done;
        volatile int tid = -1;
        volatile boolean stop;
        volatile Throwable failure;
        // results of the last round, published by done.release()
        boolean reported;
        long bytes;
        long switches = -1;

        Waiter(Multiplexer mux, int fd, Semaphore done) {
            this.mux = mux;
            this.fd = fd;
            this.done = done;
        }

        @Override
        public void run() {
            tid = ownTid();
            while (true) {
                go.acquireUninterruptibly();
                if (stop) {
                    return;
                }
                try {
                    long v0 = ProcStats.voluntarySwitches();
                    mux.await(rs, WAITER_TIMEOUT_MS);
                    long v1 = ProcStats.voluntarySwitches();
                    reported = rs.indexOf(fd) >= 0;
                    bytes = reported ? Fds.drain(fd) : 0;
                    switches = v0 < 0 || v1 < 0 ? -1 : v1 - v0;
                } catch (Throwable e) {
                    failure = e;
                } finally {
                    done.release();
                }
            }
        }
    }

    /** Runs one case of (d) {@code reps} times and averages what the two waiters saw. */
    private WakeResult wakeCase(WakeCase c, int reps) throws IOException, InterruptedException {
        long reported = 0;
        long gotData = 0;
        long woken = 0;
        boolean switchesKnown = true;
        int notParked = 0;
        try (Waiters rig = new Waiters(c)) {
            for (int rep = 0; rep < reps; rep++) {
                if (!rig.round()) {
                    notParked++;
                }
                for (Waiter w : rig.waiters) {
                    if (w.reported) {
                        reported++;
                    }
                    if (w.bytes > 0) {
                        gotData++;
                    }
                    if (w.switches < 0) {
                        switchesKnown = false;
                    } else if (w.reported || w.switches >= 2) {
                        woken++; // returned with the event, or woke, found nothing and slept again
                    }
                }
                rig.reset();
            }
        }
        return new WakeResult(reps, reported / (double) reps, gotData / (double) reps,
                switchesKnown ? woken / (double) reps : Double.NaN, notParked);
    }

    /** Two waiter threads on the read end of a socketpair, in one epoll instance or one each. */
    private static final class Waiters implements AutoCloseable {
        private final WakeCase c;
        private final int[] sp;
        private final Multiplexer[] muxes = new Multiplexer[2];
        final Waiter[] waiters = new Waiter[2];
        private final Thread[] threads = new Thread[2];
        private final Semaphore done = new Semaphore(0);
        private final ReadySet rs = new ReadySet(4);
        private final ByteBuffer one = ByteBuffer.allocateDirect(1);

        Waiters(WakeCase c) throws IOException, InterruptedException {
            this.c = c;
            this.sp = Fds.socketPair();
            try {
                muxes[0] = Multiplexer.create(Backend.EPOLL);
                muxes[1] = c.twoInstances() ? Multiplexer.create(Backend.EPOLL) : muxes[0];
                muxes[0].register(sp[1], c.interest());
                if (c.twoInstances()) {
                    muxes[1].register(sp[1], c.interest());
                }
                for (int i = 0; i < 2; i++) {
                    waiters[i] = new Waiter(muxes[i], sp[1], done);
                    threads[i] = new Thread(waiters[i], "trigger-waiter-" + c.key() + "-" + i);
                    threads[i].setDaemon(true);
                    threads[i].start();
                }
            } catch (IOException | RuntimeException e) {
                close();
                throw e;
            }
        }

        /**
         * One round: both waiters wait once, a byte is written, and both report (the one that got
         * nothing is released after a grace period). Returns whether both were seen asleep first.
         */
        boolean round() throws IOException, InterruptedException {
            for (Waiter w : waiters) {
                w.go.release();
            }
            boolean parked = awaitParked(waiters);
            one.clear();
            Fds.write(sp[0], one);
            if (!done.tryAcquire(2, GRACE_MS, TimeUnit.MILLISECONDS)) {
                long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(2L * WAITER_TIMEOUT_MS);
                do {
                    for (Multiplexer m : c.twoInstances() ? muxes : new Multiplexer[] {muxes[0]}) {
                        m.wakeup(); // returns 0 to a waiter that is still asleep
                    }
                    if (System.nanoTime() > deadline) {
                        throw new IllegalStateException("trigger (d): waiters did not return");
                    }
                } while (!done.tryAcquire(2, 20, TimeUnit.MILLISECONDS));
            }
            for (Waiter w : waiters) {
                if (w.failure != null) {
                    throw new IOException("trigger (d) waiter failed", w.failure);
                }
            }
            return parked;
        }

        /** Leaves nothing for the next round: no byte queued, no wakeup pending. */
        void reset() throws NativeException {
            Fds.drain(sp[1]);
            muxes[0].await(rs, 0);
            if (c.twoInstances()) {
                muxes[1].await(rs, 0);
            }
        }

        /** Stops the threads (flag, go, wakeup), waits for them, then closes the multiplexers and fds. */
        @Override
        public void close() throws InterruptedException {
            for (Waiter w : waiters) {
                if (w != null) {
                    w.stop = true;
                    w.go.release();
                }
            }
            for (Multiplexer m : muxes) {
                if (m != null) {
                    m.wakeup();
                }
            }
            try {
                for (Thread th : threads) {
                    if (th != null) {
                        th.join(2000);
                    }
                }
            } finally {
                for (Multiplexer m : muxes) {
                    if (m != null) {
                        m.close();
                    }
                }
                Fds.closeQuietly(sp[0]);
                Fds.closeQuietly(sp[1]);
            }
        }
    }

    /** Waits (up to 200 ms) until both waiters sleep in epoll_wait; false if that was not seen. */
    private static boolean awaitParked(Waiter[] waiters) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(200);
        while (System.nanoTime() < deadline) {
            boolean all = true;
            for (Waiter w : waiters) {
                int state = sleepingInEpoll(w.tid);
                if (state < 0) {
                    Thread.sleep(5); // no /proc/<tid>/wchan here: give them time to get there
                    return true;
                }
                if (state == 0) {
                    all = false;
                }
            }
            if (all) {
                return true;
            }
            Thread.onSpinWait();
        }
        return false;
    }

    /** 1 if the task sleeps in epoll_wait, 0 if not (yet), -1 if that cannot be told. */
    private static int sleepingInEpoll(int tid) {
        if (tid < 0) {
            return 0;
        }
        try {
            String wchan = Files.readString(Path.of("/proc/self/task/" + tid + "/wchan")).trim();
            if (wchan.contains("epoll") || wchan.equals("ep_poll")) {
                return 1;
            }
            return 0;
        } catch (IOException | RuntimeException e) {
            return -1;
        }
    }

    /** The calling thread's kernel task id, from /proc/thread-self; -1 if unknown. */
    static int ownTid() {
        try {
            String link = Files.readSymbolicLink(Path.of("/proc/thread-self")).toString(); // "<pid>/task/<tid>"
            return Integer.parseInt(link.substring(link.lastIndexOf('/') + 1));
        } catch (IOException | RuntimeException e) {
            return -1;
        }
    }

}
