package dev.muxlab.lab.experiments.scaling;

import java.io.IOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeSet;

import dev.muxlab.Backend;
import dev.muxlab.FdSetSizeException;
import dev.muxlab.Fds;
import dev.muxlab.Multiplexer;
import dev.muxlab.NativeException;
import dev.muxlab.Trigger;
import dev.muxlab.lab.report.Charts;
import dev.muxlab.lab.report.Experiment;
import dev.muxlab.lab.report.ExperimentContext;
import dev.muxlab.lab.report.ExperimentResult;
import dev.muxlab.lab.report.Table;

/**
 * "scaling": the method of libevent's test/bench.c on every backend. N socketpairs, all read
 * ends watched, A of them active, W writes chained through the set, only the dispatch loop timed
 * (see {@link ScalingBench}); the same loop in C ({@code muxlab-scaling_ref}, see
 * {@link ScalingRef}) runs beside every Java cell with the same N, A and W.
 * <p>
 * N values: quick {10, 100, 1000, 4000}, full {10, 30, 100, 300, 1000, 3000, 9000} plus the
 * largest N the fd limit allows; {@code -Dmuxlab.scaling.n=10,100,...} replaces the list. N values
 * the fd limit cannot hold are skipped with a note (IllegalArgumentException when none can run).
 * SELECT (glibc fd_set) only takes N with every fd below FD_SETSIZE; its largest such N is added.
 * A = 100 rows start at N = 2A, where the active pairs are at least two apart and their bytes
 * never merge into one chain.
 * <p>
 * Figures: {@code scaling.<b>.a<A>.n<N>.ns} (Java ns per loop iteration),
 * {@code scaling.<b>.a<A>.c.n<N>.ns} (C), {@code scaling.<b>.a<A>.slope} (least-squares slope of
 * log cost against log N), {@code scaling.<b>.a<A>.growth} (cost at the largest N over cost at
 * the smallest), {@code scaling.crossover.a1}, {@code scaling.crossover.a100} (smallest N from
 * which epoll LT is cheaper than poll, NaN if none) and {@code scaling.ratio.median} (Java/C),
 * with b in select, select-wide, poll, epoll-lt, epoll-et.
 * <p>
 * A last part measures a wait that blocks ({@link ScalingWake}): N idle socketpairs (quick
 * {10, 100, 1000}, full {10, 100, 1000, 4000}; select up to its largest N, select-wide only in full
 * mode or when named) and a waiter thread woken once per round. Figures:
 * {@code scaling.blocking.<b>.n<N>.ns} (waiter CPU ns per wakeup), {@code ...n<N>.wall_ns} (wall ns
 * per round), {@code scaling.blocking.<b>.per_fd_ns} (least-squares ns per added fd),
 * {@code scaling.blocking.<b>.growth}, and for poll {@code scaling.blocking.poll.nonblocking_per_fd_ns}
 * (the never-blocking A = 1 slope over the same N range) and {@code scaling.blocking.poll.over_nonblocking};
 * b in select, select-wide, poll, epoll.
 */
public final class ScalingExperiment implements Experiment {
    public static final String NAME = "scaling";
    static final int[] ACTIVE = {1, 100};
    /** The rows the crossover compares. */
    private static final ScalingRow POLL = ScalingRow.of(Backend.POLL);
    private static final ScalingRow EPOLL_LT = new ScalingRow(Backend.EPOLL, Trigger.LEVEL);
    static final int[] QUICK_N = {10, 100, 1000, 4000};
    static final int[] FULL_N = {10, 30, 100, 300, 1000, 3000, 9000};
    /** N values of the blocking-wakeup part (select: those below FD_SETSIZE, plus its largest). */
    static final int[] WAKE_QUICK_N = {10, 100, 1000};
    static final int[] WAKE_FULL_N = {10, 100, 1000, 4000};
    /** System property replacing the N list, e.g. "10,100,1000". */
    public static final String N_PROPERTY = "muxlab.scaling.n";
    /** fds left free besides the socketpairs (multiplexer, JVM, the C reference's pipe). */
    private static final int FD_MARGIN = 64;
    /** fd numbers left free below FD_SETSIZE for classic select. */
    private static final int SELECT_MARGIN = 16;
    private static final int MIN_ITERS = 20;
    private static final int MAX_ITERS = 50_000;

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
                + " Each cell is the median of several runs. The dashed lines are the C reference"
                + " (native/bench/scaling_ref.c: the same loop on the same shims, with one idle thread so the"
                + " kernel does the same fd bookkeeping as for the multi-threaded JVM); Java/C is what the JVM"
                + " adds. On log-log axes a cost proportional to N is a line of slope 1 and a flat cost a"
                + " horizontal line: select and poll pass every watched fd to the kernel on every call, epoll"
                + " only returns the ready ones. The slope is fitted over all measured N, so a fixed"
                + " per-iteration cost (the read and write) pulls it below 1 at small N. The crossover is the"
                + " smallest N from which epoll (LT) stays cheaper than poll. SELECT stops where fd numbers reach"
                + " 1024; A = 100 starts at N = 200; --trigger picks the epoll rows only."
                + " The last part is a wait that blocks: N idle socketpairs plus a ping pair watched, a waiter"
                + " thread sleeping in await (no timeout) and woken once per round by a pinger thread that sends the"
                + " next byte only after the waiter's answer; it reports the waiter's CPU time per wakeup, which for"
                + " select and poll includes setting up and tearing down a wait-queue entry on every watched fd.";
    }

    /** Run parameters by mode. */
    private record Mode(int runs, double targetRunMs, long warmupIters) {
    }

    /** One measured cell; NaN where not measured. */
    record Cell(ScalingRow row, int a, int n, int w, double javaNs, double javaUs, double javaEventNs,
            double eventsPerIter, double javaWall, double cNs, double cUs, double cEventNs, double cWall) {
    }

    @Override
    public ExperimentResult run(ExperimentContext ctx) throws Exception {
        List<ScalingRow> rows = ScalingRow.ALL.stream().filter(r -> ctx.wants(r.backend(), r.trigger())).toList();
        Mode mode = ctx.quick ? new Mode(5, 8, 100_000) : new Mode(7, 20, 200_000);
        ExperimentResult res = new ExperimentResult(name(), title());
        List<String> notes = new ArrayList<>();

        // ---- which N fit under the fd limits
        int soft = Fds.raiseOpenFileLimit();
        int hard = Fds.hardOpenFileLimit();
        int fdSetSize;
        try (Multiplexer m = Multiplexer.create(Backend.SELECT)) {
            fdSetSize = m.fdLimit();
        }
        int open = Fds.countOpen();
        int maxN = (soft - open - FD_MARGIN) / 2;
        int selectMax = (fdSetSize - open - SELECT_MARGIN) / 2 / 10 * 10;
        String prop = System.getProperty(N_PROPERTY);
        boolean userN = prop != null && !prop.isBlank();
        int[] requested = userN ? parseNs(prop) : ctx.quick ? QUICK_N : FULL_N;
        TreeSet<Integer> fits = new TreeSet<>();
        List<Integer> tooBig = new ArrayList<>();
        for (int n : requested) {
            if (n <= maxN) {
                fits.add(n);
            } else {
                tooBig.add(n);
            }
        }
        String limits = "RLIMIT_NOFILE soft " + soft + ", hard " + hard + ", " + open + " fds already open";
        if (fits.isEmpty()) {
            throw new IllegalArgumentException("scaling: the fd limit allows at most N = " + Math.max(maxN, 0)
                    + " socketpairs (" + limits + "); requested N = " + Arrays.toString(requested));
        }
        if (!tooBig.isEmpty()) {
            notes.add("N = " + tooBig + " skipped: " + limits + " leave room for N <= " + maxN + " (2 fds a pair).");
        }
        if (!ctx.quick && !userN && maxN > fits.last()) {
            fits.add(maxN);
        }

        // ---- the cells
        Map<String, List<Integer>> plan = new LinkedHashMap<>();
        int cellCount = 0;
        for (int a : ACTIVE) {
            for (ScalingRow row : rows) {
                TreeSet<Integer> ns = new TreeSet<>();
                int minN = a == 1 ? 1 : 2 * a;
                for (int n : fits) {
                    if (n >= minN) {
                        ns.add(n);
                    }
                }
                if (!userN && a > 1 && minN <= maxN) {
                    ns.add(minN);
                }
                if (row.backend() == Backend.SELECT) {
                    ns.removeIf(n -> n > selectMax);
                    if (!userN && selectMax >= minN && selectMax <= maxN) {
                        ns.add(selectMax);
                    }
                }
                plan.put(key(row, a), new ArrayList<>(ns));
                cellCount += ns.size();
            }
        }
        if (rows.contains(ScalingRow.of(Backend.SELECT))) {
            notes.add("select (glibc fd_set): N <= " + selectMax + " only, so that every fd number stays below FD_SETSIZE = "
                    + fdSetSize + " (" + open + " fds were open before the socketpairs).");
        }
        if (userN && fits.stream().anyMatch(n -> n < 2 * ACTIVE[ACTIVE.length - 1])) {
            notes.add("A = 100 needs N >= 200 (active pairs at least two apart); smaller N ran with A = 1 only.");
        }

        ScalingRef ref = ScalingRef.locate();
        if (ref.note != null) {
            notes.add(ref.note);
        }

        // ---- warm-up: enough loop iterations for the JIT's optimising compiler (C2 compiles the loop
        // after some 10^4..10^5 iterations), round-robin so that the await call site has seen every
        // backend class before anything is timed
        int perRun = (int) Math.max(2000, mode.warmupIters / (2L * rows.size()));
        for (int round = 0; round < 2; round++) {
            for (ScalingRow row : rows) {
                try (ScalingBench b = new ScalingBench(row, 10, 1)) {
                    b.run(perRun);
                }
            }
        }

        // ---- the sweep
        List<Cell> cells = new ArrayList<>();
        List<String> cFailures = new ArrayList<>();
        int total = cellCount;
        ctx.progress("scaling: " + total + " cells (backend x A x N), Java and C", total, step -> {
            for (int a : ACTIVE) {
                for (ScalingRow row : rows) {
                    for (int n : plan.get(key(row, a))) {
                        step.message(row + " A=" + a + " N=" + n);
                        Cell c = measure(row, n, a, mode, ref, notes, cFailures);
                        if (c != null) {
                            cells.add(c);
                        }
                        step.step();
                    }
                }
            }
        });
        if (!cFailures.isEmpty()) {
            notes.add("C reference failed in " + cFailures.size() + " cell(s) (n/a there): " + cFailures.get(0)
                    + (cFailures.size() > 1 ? " ..." : ""));
        }

        // ---- the blocking part: a wait that sleeps, one wakeup per round
        List<Backend> wakeRows = new ArrayList<>();
        for (Backend b : Backend.values()) {
            // quick mode leaves select-wide out unless asked for by name (it repeats select's cost)
            boolean skipWide = ctx.quick && b == Backend.SELECT_WIDE && !ctx.backends.contains(b);
            if (ctx.wants(b) && (ctx.triggers.isEmpty() || b.hasTriggers()) && !skipWide) {
                wakeRows.add(b);
            }
        }
        Map<Backend, List<Integer>> wakePlan = new LinkedHashMap<>();
        int wakeCount = 0;
        for (Backend b : wakeRows) {
            TreeSet<Integer> ns = new TreeSet<>();
            for (int n : userN ? fits.stream().mapToInt(Integer::intValue).toArray() : ctx.quick ? WAKE_QUICK_N : WAKE_FULL_N) {
                if (n <= maxN) {
                    ns.add(n);
                }
            }
            if (b == Backend.SELECT) {
                boolean cut = ns.removeIf(n -> n > selectMax);
                if (cut && !userN && selectMax >= 1) {
                    ns.add(selectMax);
                }
            }
            wakePlan.put(b, new ArrayList<>(ns));
            wakeCount += ns.size();
        }
        Trigger wakeTrigger = ctx.wants(Trigger.LEVEL) ? Trigger.LEVEL : Trigger.EDGE;
        WakeMode wm = ctx.quick ? new WakeMode(3, 20, 100, 1000, 100) : new WakeMode(5, 200, 500, 20_000, 800);
        List<WakeCell> wakeCells = new ArrayList<>();
        ctx.progress("scaling: " + wakeCount + " blocking-wakeup cells (backend x N)", wakeCount, step -> {
            for (Backend b : wakeRows) {
                for (int n : wakePlan.get(b)) {
                    step.message("blocking " + b.id() + " N=" + n);
                    WakeCell c = measureWake(b, n, wakeTrigger, wm, notes);
                    if (c != null) {
                        wakeCells.add(c);
                    }
                    step.step();
                }
            }
        });

        report(ctx, res, rows, cells, notes, limits, maxN, ref);
        reportWake(ctx, res, wakeRows, wakeCells, cells, wm, wakeTrigger);
        return res;
    }

    /**
     * Blocking-wakeup parameters: runs per cell (median), untimed rounds per run, and the timed
     * rounds per run: as many as last about targetRunMs by a calibration run, within min..max.
     */
    private record WakeMode(int runs, int warmup, int minRounds, int maxRounds, double targetRunMs) {
    }

    /** One blocking-wakeup cell: timed rounds per run, median waiter CPU and wall-clock ns per round. */
    record WakeCell(Backend backend, int n, int rounds, long pauseNs, double cpuNs, double wallNs,
            double sleepsPerRound) {
    }

    /** The pinger's pause after each ack: this plus twice the waiter's CPU per round (calibrated). */
    private static final long PAUSE_MIN_NS = 50_000;
    /** Linux's default timer slack, which parkNanos adds to the pause (for sizing runs only). */
    private static final long PAUSE_SLACK_NS = 50_000;

    private static WakeCell measureWake(Backend backend, int n, Trigger trigger, WakeMode wm, List<String> notes)
            throws IOException, InterruptedException {
        double[] cpu = new double[wm.runs];
        double[] wall = new double[wm.runs];
        double[] sleeps = new double[wm.runs];
        // generous: a blocking poll over 10^4 fds costs some milliseconds per round on a busy machine
        long timeoutMs = 30_000 + (long) (wm.warmup + wm.maxRounds) * (1 + n / 100);
        int rounds;
        long pauseNs;
        try (ScalingWake w = new ScalingWake(backend, n, trigger)) {
            ScalingWake.Run cal = w.run(wm.warmup, 100, 0, timeoutMs);
            pauseNs = PAUSE_MIN_NS + 2 * (long) cal.cpuNsPerRound();
            rounds = (int) Math.max(wm.minRounds, Math.min(wm.maxRounds,
                    wm.targetRunMs * 1e6 / (cal.wallNsPerRound() + pauseNs + PAUSE_SLACK_NS)));
            for (int r = 0; r < wm.runs; r++) {
                ScalingWake.Run x = w.run(wm.warmup, rounds, pauseNs, timeoutMs);
                cpu[r] = x.cpuNsPerRound();
                wall[r] = x.wallNsPerRound();
                sleeps[r] = x.sleepsPerRound();
            }
        } catch (FdSetSizeException e) {
            notes.add("blocking " + backend.id() + " N = " + n + " skipped: " + e.getMessage());
            return null;
        } catch (NativeException e) {
            notes.add("blocking " + backend.id() + " N = " + n + " skipped: " + e.getMessage());
            return null;
        }
        return new WakeCell(backend, n, rounds, pauseNs, median(cpu), median(wall), median(sleeps));
    }

    /** Least-squares slope of y against x (not logs): the cost of one more N; NaN below 2 points. */
    static double linearSlope(List<double[]> points) {
        List<double[]> p = points.stream().filter(q -> Double.isFinite(q[1])).toList();
        if (p.size() < 2) {
            return Double.NaN;
        }
        double mx = p.stream().mapToDouble(q -> q[0]).average().orElse(0);
        double my = p.stream().mapToDouble(q -> q[1]).average().orElse(0);
        double sxy = 0;
        double sxx = 0;
        for (double[] q : p) {
            sxy += (q[0] - mx) * (q[1] - my);
            sxx += (q[0] - mx) * (q[0] - mx);
        }
        return sxx == 0 ? Double.NaN : sxy / sxx;
    }

    private static String key(ScalingRow row, int a) {
        return row.id() + "/" + a;
    }

    static int[] parseNs(String s) {
        try {
            int[] ns = Arrays.stream(s.split("[,\\s]+")).filter(t -> !t.isEmpty()).mapToInt(Integer::parseInt)
                    .toArray();
            if (ns.length == 0 || Arrays.stream(ns).anyMatch(n -> n < 1)) {
                throw new NumberFormatException();
            }
            return ns;
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("-D" + N_PROPERTY + " must be a list of positive integers such as"
                    + " 10,100,1000, not '" + s + "'");
        }
    }

    /** Java then C for one cell; null (with a note) when the Java side cannot set it up. */
    private static Cell measure(ScalingRow row, int n, int a, Mode mode, ScalingRef ref, List<String> notes,
            List<String> cFailures) throws IOException {
        int w;
        double[] iter = new double[mode.runs];
        double[] us = new double[mode.runs];
        double[] ev = new double[mode.runs];
        double[] wall = new double[mode.runs];
        double eventsPerIter = 0;
        try (ScalingBench b = new ScalingBench(row, n, a)) {
            // calibration run (also a warm-up): choose W so that a run lasts about targetRunMs
            ScalingBench.Run cal = b.run(50 * a);
            long iters = Math.round(mode.targetRunMs * 1e6 / cal.nsPerIter());
            iters = Math.max(MIN_ITERS, Math.min(MAX_ITERS, iters));
            w = roundTwoDigits(iters * a);
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
        return new Cell(row, a, n, w, median(iter), median(us), median(ev), eventsPerIter, median(wall), cNs, cUs,
                cEv, cWall);
    }

    /** Rounds down to two significant digits (W = 8734 -> 8700), for tidy tables. */
    static int roundTwoDigits(long v) {
        long p = 1;
        while (v / p >= 100) {
            p *= 10;
        }
        return (int) (v / p * p);
    }

    static double median(double[] v) {
        double[] s = Arrays.stream(v).filter(x -> !Double.isNaN(x)).sorted().toArray();
        if (s.length == 0) {
            return Double.NaN;
        }
        int m = s.length / 2;
        return s.length % 2 == 1 ? s[m] : (s[m - 1] + s[m]) / 2;
    }

    /** Least-squares slope of log(y) against log(x) over the points with positive finite values; NaN below 2. */
    static double logLogSlope(List<double[]> points) {
        List<double[]> p = points.stream().filter(q -> q[0] > 0 && q[1] > 0 && Double.isFinite(q[1])).toList();
        if (p.size() < 2) {
            return Double.NaN;
        }
        double mx = 0;
        double my = 0;
        for (double[] q : p) {
            mx += Math.log(q[0]) / p.size();
            my += Math.log(q[1]) / p.size();
        }
        double sxy = 0;
        double sxx = 0;
        for (double[] q : p) {
            double dx = Math.log(q[0]) - mx;
            sxy += dx * (Math.log(q[1]) - my);
            sxx += dx * dx;
        }
        return sxx == 0 ? Double.NaN : sxy / sxx;
    }

    /**
     * The smallest N from which epoll is cheaper than poll at every larger N measured by both
     * (index into the common list), or -1. The common N are those both rows measured.
     */
    static int crossoverIndex(List<double[]> common) {
        int k = -1;
        for (int i = common.size() - 1; i >= 0; i--) {
            double[] c = common.get(i); // {N, poll, epoll}
            if (c[2] < c[1]) {
                k = i;
            } else {
                break;
            }
        }
        return k;
    }

    private void report(ExperimentContext ctx, ExperimentResult res, List<ScalingRow> rows, List<Cell> cells,
            List<String> notes, String limits, int maxN, ScalingRef ref) throws IOException {
        Table main = new Table("Cost per loop iteration (median of the runs)", "backend", "N", "A", "Java ns/iter",
                "C ns/iter", "Java/C", "W", "Java us/run", "C us/run", "Java ns/event", "C ns/event", "events/iter",
                "Java wall ns/iter", "C wall ns/iter");
        List<Double> busy = new ArrayList<>();
        List<Double> ratios = new ArrayList<>();
        for (Cell c : cells) {
            double ratio = c.javaNs / c.cNs;
            if (Double.isFinite(ratio)) {
                ratios.add(ratio);
            }
            main.row(c.row.id(), c.n, c.a, c.javaNs, c.cNs, ratio, c.w, c.javaUs, c.cUs, c.javaEventNs, c.cEventNs,
                    c.eventsPerIter, c.javaWall, c.cWall);
            for (double b : new double[] {c.javaWall / c.javaNs, c.cWall / c.cNs}) {
                if (Double.isFinite(b)) {
                    busy.add(b);
                }
            }
            res.figure(ScalingFigures.ns(c.row, c.a, c.n), c.javaNs);
            res.figure(ScalingFigures.cNs(c.row, c.a, c.n), c.cNs);
        }
        main.note("ns/iter: " + (ScalingBench.cpuClock() ? "CPU time of the dispatching thread for" : "wall-clock time of")
                + " one await (timeout 0) plus the handlers it dispatched (A = 1: one read and one write); the wall"
                + " columns are the same loop by the wall clock. W: chained writes per run. n/a: not measured.");
        res.table(main);

        Table growth = new Table("Growth with N (log-log slope: 1 = linear in N, 0 = flat)", "backend", "A", "N range",
                "Java slope", "Java growth", "C slope", "C growth");
        Map<Integer, List<Charts.Series>> series = new LinkedHashMap<>();
        for (int a : ACTIVE) {
            List<Charts.Series> list = new ArrayList<>();
            for (ScalingRow row : rows) {
                List<double[]> java = new ArrayList<>();
                List<double[]> c = new ArrayList<>();
                for (Cell cell : cells) {
                    if (cell.row.equals(row) && cell.a == a) {
                        java.add(new double[] {cell.n, cell.javaNs});
                        c.add(new double[] {cell.n, cell.cNs});
                    }
                }
                if (java.isEmpty()) {
                    continue;
                }
                double slope = logLogSlope(java);
                double cSlope = logLogSlope(c);
                double g = java.get(java.size() - 1)[1] / java.get(0)[1];
                double cg = c.get(c.size() - 1)[1] / c.get(0)[1];
                res.figure(ScalingFigures.slope(row, a), slope);
                res.figure(ScalingFigures.growth(row, a), g);
                res.figure(ScalingFigures.cSlope(row, a), cSlope);
                res.figure(ScalingFigures.cGrowth(row, a), cg);
                growth.row(row.id(), a, (int) java.get(0)[0] + ".." + (int) java.get(java.size() - 1)[0], slope, g, cSlope, cg);
                list.add(new Charts.Series(row.id() + " (Java)", java, false));
                if (c.stream().anyMatch(p -> Double.isFinite(p[1]))) {
                    list.add(new Charts.Series(row.id() + " (C)", c, true));
                }
            }
            series.put(a, list);
        }
        growth.note("growth: cost at the largest N over cost at the smallest N of the row.");
        res.table(growth);
        ctx.write("scaling.csv", main.toCsv());

        for (Map.Entry<Integer, List<Charts.Series>> e : series.entrySet()) {
            if (e.getValue().isEmpty()) {
                continue;
            }
            String file = "scaling-a" + e.getKey() + ".png";
            Charts.line(ctx.outDir.resolve(file), "Cost per loop iteration, A = " + e.getKey()
                    + (e.getKey() == 1 ? " active pair" : " active pairs") + " (solid: Java, dashed: C reference)",
                    "N (socketpairs watched)", "ns per loop iteration", true, true, e.getValue());
            res.charts.add(file);
        }

        // ---- crossover: epoll LT against poll
        String[] crossText = new String[ACTIVE.length];
        for (int ai = 0; ai < ACTIVE.length; ai++) {
            int a = ACTIVE[ai];
            List<double[]> common = new ArrayList<>();
            for (Cell p : cells) {
                if (p.row.equals(POLL) && p.a == a) {
                    for (Cell q : cells) {
                        if (q.row.equals(EPOLL_LT) && q.a == a && q.n == p.n) {
                            common.add(new double[] {p.n, p.javaNs, q.javaNs});
                        }
                    }
                }
            }
            double cross = Double.NaN;
            String text;
            if (common.isEmpty()) {
                text = "not measured (needs " + POLL + " and " + EPOLL_LT + ")";
            } else {
                int k = crossoverIndex(common);
                if (k < 0) {
                    text = "none in range (N " + (int) common.get(0)[0] + ".." + (int) common.get(common.size() - 1)[0] + ")";
                } else {
                    cross = common.get(k)[0];
                    text = String.valueOf((int) cross);
                    if (k == 0) {
                        text += " (already at the smallest N measured)";
                    } else {
                        double[] lo = common.get(k - 1);
                        double[] hi = common.get(k);
                        double d0 = Math.log(lo[1] / lo[2]);
                        double d1 = Math.log(hi[1] / hi[2]);
                        double t = d1 == d0 ? 1 : -d0 / (d1 - d0);
                        double est = Math.exp(Math.log(lo[0]) + t * (Math.log(hi[0]) - Math.log(lo[0])));
                        res.paragraph(String.format(Locale.ROOT, "A = %d: epoll (LT) is cheaper than poll from N = %d"
                                + " on; interpolating log-log between N = %d and N = %d puts the crossover near"
                                + " N = %.0f.", a, (int) hi[0], (int) lo[0], (int) hi[0], est));
                    }
                }
            }
            res.figure(ScalingFigures.crossover(a), cross);
            crossText[ai] = text;
        }
        double ratioMedian = median(ratios.stream().mapToDouble(Double::doubleValue).toArray());
        res.figure(ScalingFigures.RATIO_MEDIAN, ratioMedian);

        // ---- summary and paragraphs
        res.summary("poll slope (A=1)", slopeText(res, POLL, 1));
        res.summary("epoll slope (A=1)", slopeText(res, EPOLL_LT, 1));
        res.summary("epoll overtakes poll at N (A=1)", crossText[0]);
        res.summary("epoll overtakes poll at N (A=100)", crossText[1]);
        res.summary("Java/C median", Double.isNaN(ratioMedian) ? "n/a (no C reference)"
                : String.format(Locale.ROOT, "%.2f", ratioMedian));
        double wallOverCpu = median(busy.stream().mapToDouble(Double::doubleValue).toArray());
        res.figure(ScalingFigures.WALL_OVER_CPU_MEDIAN, wallOverCpu);
        if (wallOverCpu > 1.15) {
            res.paragraph(String.format(Locale.ROOT, "The machine was busy: the timed loops took %.2fx their CPU time"
                    + " by the wall clock (median over the cells), i.e. other processes held the CPU part of the time."
                    + " The figures use CPU time, which leaves that out; cache and memory contention remain.",
                    wallOverCpu));
        }
        res.paragraph("fd limits: " + limits + "; largest N here " + maxN + ". C reference: "
                + (ref.available() ? ref.binary() : "n/a") + ".");
        for (String n : notes) {
            res.paragraph("Note: " + n);
        }
    }

    private void reportWake(ExperimentContext ctx, ExperimentResult res, List<Backend> wakeRows, List<WakeCell> wakeCells,
            List<Cell> cells, WakeMode wm, Trigger trigger) throws IOException {
        if (wakeRows.isEmpty()) {
            return;
        }
        Table t = new Table("A wait that blocks: waiter CPU per wakeup (N idle AF_UNIX socketpairs plus one ping pair,"
                + " median of " + wm.runs + " runs)", "backend", "N", "CPU us/wakeup", "wall us/round", "x smallest N",
                "ns per added fd", "sleeps/round", "pause us", "rounds/run");
        List<Charts.Series> series = new ArrayList<>();
        StringBuilder perFd = new StringBuilder();
        int minN = Integer.MAX_VALUE;
        int maxN = 0;
        for (Backend b : wakeRows) {
            List<double[]> pts = new ArrayList<>();
            WakeCell first = null;
            for (WakeCell c : wakeCells) {
                if (c.backend != b) {
                    continue;
                }
                if (first == null) {
                    first = c;
                }
                double g = c.cpuNs / first.cpuNs;
                double added = c == first ? Double.NaN : (c.cpuNs - first.cpuNs) / (c.n - first.n);
                t.row(b.id(), c.n, c.cpuNs / 1e3, c.wallNs / 1e3, c == first ? "1" : String.format(Locale.ROOT, "%.1f", g),
                        c == first ? "" : added, c.sleepsPerRound, c.pauseNs / 1e3, c.rounds);
                res.figure(ScalingFigures.blockingNs(b, c.n), c.cpuNs);
                res.figure(ScalingFigures.blockingWallNs(b, c.n), c.wallNs);
                res.figure(ScalingFigures.blockingSleeps(b, c.n), c.sleepsPerRound);
                pts.add(new double[] {c.n, c.cpuNs});
                minN = Math.min(minN, c.n);
                maxN = Math.max(maxN, c.n);
            }
            if (pts.isEmpty()) {
                continue;
            }
            double slope = linearSlope(pts);
            res.figure(ScalingFigures.blockingPerFdNs(b), slope);
            res.figure(ScalingFigures.blockingGrowth(b), pts.get(pts.size() - 1)[1] / pts.get(0)[1]);
            perFd.append(perFd.length() == 0 ? "" : ", ").append(b.id()).append(' ')
                    .append(Double.isNaN(slope) ? "n/a" : String.format(Locale.ROOT, "%.1f", slope));
            series.add(new Charts.Series(b.id(), pts, false));
        }
        t.note("One round: the pinger writes a byte to the ping pair, the waiter wakes from await(timeout -1), reads it"
                + " and answers on an unregistered ack socketpair; the pinger sends the next byte only after the ack"
                + " and a pause (parkNanos: 50 us plus twice the waiter's CPU per round in a calibration run), so the"
                + " waiter is asleep in await when it arrives. The ping pair is registered last (highest fd, end of the"
                + " poll array), so select and poll pass every idle fd before they find it. CPU: " + (ScalingWake.cpuClock() ? "the waiter thread's CPU"
                + " time (user + kernel)" : "wall-clock time (no thread CPU clock)") + " per round, after "
                + wm.warmup + " untimed rounds (rounds/run: as many as take about " + (int) wm.targetRunMs
                + " ms, " + wm.minRounds + ".." + wm.maxRounds + "); wall: one round, pause included, by the wall clock."
                + " sleeps/round: the waiter's voluntary context switches per round (/proc/thread-self/status),"
                + " about 1 when every await slept. x smallest N: CPU against the"
                + " row's smallest N; ns per added fd: (CPU - CPU at the smallest N) / (N - smallest N)."
                + (trigger == Trigger.EDGE ? " epoll edge-triggered (--trigger et)." : ""));
        res.table(t);
        ctx.write("scaling-blocking.csv", t.toCsv());
        if (!series.isEmpty()) {
            String file = "scaling-blocking.png";
            Charts.line(ctx.outDir.resolve(file), "A wait that blocks: waiter CPU per wakeup", "N (idle socketpairs watched)",
                    "ns of waiter CPU per wakeup", true, true, series);
            res.charts.add(file);
        }

        // ---- poll: blocking against never-blocking, per watched fd, over the same N range
        double pollBlocking = res.get(ScalingFigures.blockingPerFdNs(Backend.POLL));
        List<double[]> spin = new ArrayList<>();
        for (Cell c : cells) {
            if (c.row.equals(POLL) && c.a == 1 && c.n >= minN && c.n <= maxN) {
                spin.add(new double[] {c.n, c.javaNs});
            }
        }
        double pollSpin = linearSlope(spin);
        res.summary("blocking wakeup, waiter CPU ns per watched fd", perFd.length() == 0 ? "not measured" : perFd);
        if (res.figures.containsKey(ScalingFigures.blockingPerFdNs(Backend.POLL))) {
            double ratio = pollBlocking / pollSpin;
            res.figure(ScalingFigures.POLL_NONBLOCKING_PER_FD_NS, pollSpin);
            res.figure(ScalingFigures.POLL_BLOCKING_OVER_NONBLOCKING, ratio);
            String text = Double.isFinite(ratio) && pollSpin > 0
                    ? String.format(Locale.ROOT, "%.0f ns blocking vs %.0f ns never-blocking (A=1, N %d..%d): x%.1f",
                            pollBlocking, pollSpin, minN, maxN, ratio)
                    : "n/a (never-blocking slope not measured over N " + minN + ".." + maxN + ")";
            res.summary("poll cost per watched fd, blocking vs never-blocking", text);
            if (Double.isFinite(ratio) && pollSpin > 0) {
                res.paragraph(String.format(Locale.ROOT, "A poll that blocks costs %.0f ns of CPU per watched fd and"
                        + " wakeup, %.1fx the %.0f ns per fd of the never-blocking loop above: a blocking poll or"
                        + " select adds a wait-queue entry (holding a reference on the file) to every watched fd,"
                        + " sleeps, scans again after the wakeup and removes every entry, where a call with timeout 0"
                        + " only scans; in a multi-threaded process (the JVM) each scan also takes and drops a"
                        + " reference per fd. epoll set its wait-queue entries up once, at EPOLL_CTL_ADD.",
                        pollBlocking, ratio, pollSpin));
            }
        }
    }

    private static String slopeText(ExperimentResult res, ScalingRow row, int a) {
        double s = res.get(ScalingFigures.slope(row, a));
        if (Double.isNaN(s)) {
            return "not measured";
        }
        return String.format(Locale.ROOT, "%.2f (cost x%.1f over the N range)", s,
                res.get(ScalingFigures.growth(row, a)));
    }
}
