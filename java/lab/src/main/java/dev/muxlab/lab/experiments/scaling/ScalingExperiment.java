package dev.muxlab.lab.experiments.scaling;

import java.io.IOException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

import dev.muxlab.Backend;
import dev.muxlab.FdSetSizeException;
import dev.muxlab.NativeException;
import dev.muxlab.Trigger;
import dev.muxlab.lab.report.Experiment;
import dev.muxlab.lab.report.ExperimentContext;
import dev.muxlab.lab.report.ExperimentResult;
import dev.muxlab.lab.report.Repeats;

/**
 * "scaling": the method of libevent's test/bench.c on every backend. N socketpairs, all read
 * ends watched, A of them active, W writes chained through the set, only the dispatch loop timed
 * (see {@link ScalingBench}); the same loop in C ({@code muxlab-scaling_ref}, see
 * {@link ScalingRef}) runs beside every Java cell with the same N, A and W. A last part measures a
 * wait that blocks ({@link ScalingWake}): N idle socketpairs and a waiter thread woken once per round.
 * <p>
 * {@link ScalingPlan} chooses the cells (which N the fd limits allow), this class measures them
 * one by one, {@link ScalingReport} turns them into tables, charts and the figures named in
 * {@link ScalingFigures}.
 */
public final class ScalingExperiment implements Experiment {
    public static final String NAME = "scaling";
    /** System property replacing the N list, e.g. "10,100,1000". */
    public static final String N_PROPERTY = "muxlab.scaling.n";
    private static final int MIN_ITERS = 20;
    private static final int MAX_ITERS = 50_000;
    /** The pinger's pause after each ack: this plus twice the waiter's CPU per round (calibrated). */
    private static final long PAUSE_MIN_NS = 50_000;
    /** Linux's default timer slack, which parkNanos adds to the pause (for sizing runs only). */
    private static final long PAUSE_SLACK_NS = 50_000;

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public String title() {
        return "Cost of one event-loop iteration against the number of watched fds (libevent bench.c method)";
    }

    @Override
    public String guide() {
        return "N socketpairs, every read end watched for reading; A pairs (1 or 100, spread evenly) get a byte,"
                + " and each handler reads its pair's bytes and writes them into the next pair until W writes"
                + " have been made, so the activity travels around the set as in libevent's test/bench.c. Only the"
                + " dispatch loop is timed: await with timeout 0 plus the handlers it calls, by the CPU time of the"
                + " dispatching thread (the loop never blocks, so that equals the wall-clock time on an idle machine"
                + " and leaves out time lost to other processes; wall-clock figures are in the CSV). The y axis of the"
                + " charts and the \"ns/iter\" columns are the cost of one loop iteration (one await and the A"
                + " reads and writes it dispatches); the CSV also has microseconds per run (W depends on the"
                + " cell, chosen so a run lasts a few tens of milliseconds) and nanoseconds per dispatched fd."
                + " Each cell runs " + ExperimentContext.FULL_REPEATS + " times (quick: once), the repeats in turn over"
                + " all cells, each repeat the median of a few runs; tables show the median and min\u2013max of the"
                + " repeats, slopes are fitted per repeat. The dashed lines are the C reference"
                + " (native/bench/scaling_ref.c: the same loop on the same shims, with one idle thread so the"
                + " kernel does the same fd bookkeeping as for the multi-threaded JVM); Java/C is what the JVM"
                + " adds. On log-log axes a cost proportional to N is a line of slope 1 and a flat cost a"
                + " horizontal line. Background: select and poll pass every watched fd to the kernel on every call,"
                + " epoll only returns the ready ones. The slope is fitted over all measured N, so a fixed"
                + " per-iteration cost (the read and write) pulls it below 1 at small N. The crossover is the"
                + " smallest N from which epoll (LT) stays cheaper than poll. SELECT stops where fd numbers reach"
                + " 1024; A = 100 starts at N = 200; --trigger picks the epoll rows only."
                + " The last part is a wait that blocks: N idle socketpairs plus a ping pair watched, a waiter"
                + " thread sleeping in await (no timeout) and woken once per round by a pinger thread that sends the"
                + " next byte only after the waiter's answer; it reports the waiter's CPU time per wakeup, which for"
                + " select and poll includes setting up and tearing down a wait-queue entry on every watched fd.";
    }

    /**
     * Run parameters by mode: repeats of every cell (run in turn over the cells), timed runs per
     * repeat (their median is the repeat's figure), target ms per run, JIT warm-up iterations.
     */
    record Mode(int repeats, int runs, double targetRunMs, long warmupIters) {
    }

    /** One measurement (one repeat) of a cell; NaN where not measured. */
    record Cell(ScalingRow row, int a, int n, int w, double javaNs, double javaUs, double javaEventNs,
            double eventsPerIter, double javaWall, double cNs, double cUs, double cEventNs, double cWall) {
    }

    /**
     * Blocking-wakeup parameters: repeats of every cell (in turn), runs per repeat (median),
     * untimed rounds per run, and the timed rounds per run: as many as last about targetRunMs by a
     * calibration run, within min..max.
     */
    record WakeMode(int repeats, int runs, int warmup, int minRounds, int maxRounds, double targetRunMs) {
    }

    /** One measurement (one repeat) of a blocking-wakeup cell: timed rounds per run, median waiter CPU and wall ns. */
    record WakeCell(Backend backend, int n, int rounds, long pauseNs, double cpuNs, double wallNs,
            double sleepsPerRound) {
    }

    /** What the first repeat of a blocking-wakeup cell chose, so that later repeats run the same rounds. */
    private record WakeSize(int rounds, long pauseNs) {
    }

    /** Quick: the context's repeats (one) of 5 runs; full: its repeats (3) of 3 runs, a cell's repeats apart in time. */
    static Mode mode(ExperimentContext ctx) {
        return ctx.quick ? new Mode(ctx.repeats(), 5, 8, 100_000) : new Mode(ctx.repeats(), 3, 15, 200_000);
    }

    static WakeMode wakeMode(ExperimentContext ctx) {
        return ctx.quick ? new WakeMode(ctx.repeats(), 3, 20, 100, 1000, 100)
                : new WakeMode(ctx.repeats(), 2, 100, 300, 20_000, 400);
    }

    @Override
    public ExperimentResult run(ExperimentContext ctx) throws Exception {
        ScalingPlan plan = ScalingPlan.of(ctx, System.getProperty(N_PROPERTY));
        Set<String> notes = new LinkedHashSet<>(plan.notes());
        ScalingRef ref = ScalingRef.locate();
        if (ref.note != null) {
            notes.add(ref.note);
        }
        Mode mode = mode(ctx);
        warmUp(plan.rows(), mode);

        List<List<Cell>> repeats = new ArrayList<>();
        Map<ScalingPlan.Point, Integer> writes = new HashMap<>();
        List<String> cFailures = new ArrayList<>();
        int total = plan.points().size();
        ctx.progress("scaling: " + total + " cells (backend x A x N) x " + Repeats.plural(mode.repeats(), "repeat") + ", Java and C",
                (long) total * mode.repeats(), step -> {
                    for (int rep = 0; rep < mode.repeats(); rep++) {
                        List<Cell> cells = new ArrayList<>();
                        for (ScalingPlan.Point p : plan.points()) {
                            step.message("repeat " + (rep + 1) + ": " + p.row() + " A=" + p.a() + " N=" + p.n());
                            Cell c = measure(p, mode, ref, writes, notes, cFailures);
                            if (c != null) {
                                cells.add(c);
                            }
                            step.step();
                        }
                        repeats.add(cells);
                    }
                });
        if (!cFailures.isEmpty()) {
            notes.add("C reference failed in " + cFailures.size() + " cell measurement(s) (n/a there): "
                    + cFailures.get(0) + (cFailures.size() > 1 ? " ..." : ""));
        }

        WakeMode wm = wakeMode(ctx);
        List<List<WakeCell>> wakeRepeats = new ArrayList<>();
        Map<ScalingPlan.WakePoint, WakeSize> sizes = new HashMap<>();
        int wakeTotal = plan.wakePoints().size();
        ctx.progress("scaling: " + wakeTotal + " blocking-wakeup cells (backend x N) x " + Repeats.plural(wm.repeats(), "repeat"),
                (long) wakeTotal * wm.repeats(), step -> {
                    for (int rep = 0; rep < wm.repeats(); rep++) {
                        List<WakeCell> cells = new ArrayList<>();
                        for (ScalingPlan.WakePoint p : plan.wakePoints()) {
                            step.message("repeat " + (rep + 1) + ": blocking " + p.backend().id() + " N=" + p.n());
                            WakeCell c = measureWake(p, plan.wakeTrigger(), wm, sizes, notes);
                            if (c != null) {
                                cells.add(c);
                            }
                            step.step();
                        }
                        wakeRepeats.add(cells);
                    }
                });

        ExperimentResult res = new ExperimentResult(name(), title());
        ScalingReport report = new ScalingReport(ctx, res, plan);
        report.sweep(repeats, mode, new ArrayList<>(notes), ref);
        report.wake(wakeRepeats, repeats, wm);
        return res;
    }

    /**
     * Enough loop iterations for the JIT's optimising compiler (C2 compiles the loop after some
     * 10^4..10^5 iterations), round-robin so that the await call site has seen every backend
     * class before anything is timed.
     */
    private static void warmUp(List<ScalingRow> rows, Mode mode) throws IOException {
        int perRun = (int) Math.max(2000, mode.warmupIters / (2L * rows.size()));
        for (int round = 0; round < 2; round++) {
            for (ScalingRow row : rows) {
                try (ScalingBench b = new ScalingBench(row, 10, 1)) {
                    b.run(perRun);
                }
            }
        }
    }

    /**
     * One repeat of a cell, Java then C; null (with a note) when the Java side cannot set it up. The
     * first repeat chooses W (writes per run) by a calibration run; later repeats use the same W.
     */
    private static Cell measure(ScalingPlan.Point p, Mode mode, ScalingRef ref, Map<ScalingPlan.Point, Integer> writes,
            Set<String> notes, List<String> cFailures) throws IOException {
        ScalingRow row = p.row();
        int n = p.n();
        int a = p.a();
        int w;
        double[] iter = new double[mode.runs];
        double[] us = new double[mode.runs];
        double[] ev = new double[mode.runs];
        double[] wall = new double[mode.runs];
        double eventsPerIter = 0;
        try (ScalingBench b = new ScalingBench(row, n, a)) {
            Integer known = writes.get(p);
            if (known == null) {
                // calibration run (also a warm-up): choose W so that a run lasts about targetRunMs
                ScalingBench.Run cal = b.run(50 * a);
                long iters = Math.round(mode.targetRunMs * 1e6 / cal.nsPerIter());
                iters = Math.max(MIN_ITERS, Math.min(MAX_ITERS, iters));
                w = roundTwoDigits(iters * a);
                writes.put(p, w);
            } else {
                w = known;
            }
            b.run(w);
            for (int r = 0; r < mode.runs; r++) {
                ScalingBench.Run x = b.run(w);
                iter[r] = x.nsPerIter();
                us[r] = x.ns() / 1e3;
                ev[r] = x.nsPerEvent();
                wall[r] = (double) x.wallNs() / x.iters();
                eventsPerIter += (double) x.events() / x.iters() / mode.runs;
            }
        } catch (FdSetSizeException e) {
            notes.add(row + " N = " + n + " skipped: " + e.getMessage());
            return null;
        } catch (NativeException e) {
            notes.add(row + " N = " + n + " A = " + a + " skipped: " + e.getMessage());
            return null;
        }
        double cNs = Double.NaN;
        double cUs = Double.NaN;
        double cEv = Double.NaN;
        double cWall = Double.NaN;
        if (ref.available()) {
            try {
                ScalingRef.Result r = ref.run(row, n, a, w, mode.runs);
                cNs = r.nsPerIter();
                cUs = r.usPerRun();
                cEv = r.nsPerEvent();
                cWall = r.wallNsPerIter();
            } catch (IOException e) {
                cFailures.add(row + " N=" + n + " A=" + a + ": " + e.getMessage());
            }
        }
        return new Cell(row, a, n, w, ScalingStats.median(iter), ScalingStats.median(us), ScalingStats.median(ev),
                eventsPerIter, ScalingStats.median(wall), cNs, cUs, cEv, cWall);
    }

    /** Rounds down to two significant digits (W = 8734 -> 8700), for tidy tables. */
    static int roundTwoDigits(long v) {
        long p = 1;
        while (v / p >= 100) {
            p *= 10;
        }
        return (int) (v / p * p);
    }

    /** One repeat of a blocking-wakeup cell; the first repeat sizes its runs by a calibration run. */
    private static WakeCell measureWake(ScalingPlan.WakePoint p, Trigger trigger, WakeMode wm,
            Map<ScalingPlan.WakePoint, WakeSize> sizes, Set<String> notes) throws IOException, InterruptedException {
        Backend backend = p.backend();
        int n = p.n();
        double[] cpu = new double[wm.runs];
        double[] wall = new double[wm.runs];
        double[] sleeps = new double[wm.runs];
        // generous: a blocking poll over 10^4 fds costs some milliseconds per round on a busy machine
        long timeoutMs = 30_000 + (long) (wm.warmup + wm.maxRounds) * (1 + n / 100);
        int rounds;
        long pauseNs;
        try (ScalingWake w = new ScalingWake(backend, n, trigger)) {
            WakeSize size = sizes.get(p);
            if (size == null) {
                ScalingWake.Run cal = w.run(wm.warmup, 100, 0, timeoutMs);
                long pause = PAUSE_MIN_NS + 2 * (long) cal.cpuNsPerRound();
                size = new WakeSize((int) Math.max(wm.minRounds, Math.min(wm.maxRounds,
                        wm.targetRunMs * 1e6 / (cal.wallNsPerRound() + pause + PAUSE_SLACK_NS))), pause);
                sizes.put(p, size);
            }
            pauseNs = size.pauseNs();
            rounds = size.rounds();
            for (int r = 0; r < wm.runs; r++) {
                ScalingWake.Run x = w.run(wm.warmup, rounds, pauseNs, timeoutMs);
                cpu[r] = x.cpuNsPerRound();
                wall[r] = x.wallNsPerRound();
                sleeps[r] = x.sleepsPerRound();
            }
        } catch (NativeException e) { // FD_SETSIZE, or the fd limit
            notes.add("blocking " + backend.id() + " N = " + n + " skipped: " + e.getMessage());
            return null;
        }
        return new WakeCell(backend, n, rounds, pauseNs, ScalingStats.median(cpu), ScalingStats.median(wall),
                ScalingStats.median(sleeps));
    }
}
