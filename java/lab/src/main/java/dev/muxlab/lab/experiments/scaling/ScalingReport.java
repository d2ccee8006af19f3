package dev.muxlab.lab.experiments.scaling;

import java.io.IOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.ToDoubleFunction;

import dev.muxlab.Backend;
import dev.muxlab.Binding;
import dev.muxlab.Trigger;
import dev.muxlab.lab.experiments.scaling.ScalingExperiment.Cell;
import dev.muxlab.lab.experiments.scaling.ScalingExperiment.Mode;
import dev.muxlab.lab.experiments.scaling.ScalingExperiment.WakeCell;
import dev.muxlab.lab.experiments.scaling.ScalingExperiment.WakeMode;
import dev.muxlab.lab.report.Charts;
import dev.muxlab.lab.report.ExperimentContext;
import dev.muxlab.lab.report.ExperimentResult;
import dev.muxlab.lab.report.Repeats;
import dev.muxlab.lab.report.Table;
import dev.muxlab.lab.verdict.Spread;

/**
 * The scaling experiment's tables, charts, figures ({@link ScalingFigures}) and findings, built
 * from the measured cells of every repeat: first the never-blocking sweep (cost per loop
 * iteration, growth with N, the crossover of epoll and poll), then the wait that blocks. A cell's
 * figure is the median of its repeats with their min-max spread; slopes and growth are fitted per
 * repeat, and their spread is over the repeats.
 */
record ScalingReport(ExperimentContext ctx, ExperimentResult res, ScalingPlan plan) {
    /** The rows the crossover compares. */
    static final ScalingRow POLL = ScalingRow.of(Backend.POLL);
    static final ScalingRow EPOLL_LT = new ScalingRow(Backend.EPOLL, Trigger.LEVEL);

    /** The repeats of one cell of the sweep, in repeat order. */
    record Repeated(ScalingRow row, int a, int n, List<Cell> samples) {
        Spread spread(ToDoubleFunction<Cell> f) {
            return Repeats.of(samples.stream().map(f::applyAsDouble).toList());
        }

        /** The median of the repeats, NaN when none measured it. */
        double median(ToDoubleFunction<Cell> f) {
            Spread s = spread(f);
            return s == null ? Double.NaN : s.median();
        }
    }

    /** The repeats of one blocking-wakeup cell. */
    record RepeatedWake(Backend backend, int n, List<WakeCell> samples) {
        Spread spread(ToDoubleFunction<WakeCell> f) {
            return Repeats.of(samples.stream().map(f::applyAsDouble).toList());
        }

        double median(ToDoubleFunction<WakeCell> f) {
            Spread s = spread(f);
            return s == null ? Double.NaN : s.median();
        }
    }

    /** The cells of every repeat, grouped by (row, A, N), in the order of the first repeat that measured them. */
    static List<Repeated> group(List<List<Cell>> repeats) {
        Map<String, Repeated> by = new LinkedHashMap<>();
        for (List<Cell> rep : repeats) {
            for (Cell c : rep) {
                by.computeIfAbsent(c.row().id() + "/" + c.a() + "/" + c.n(),
                        k -> new Repeated(c.row(), c.a(), c.n(), new ArrayList<>())).samples().add(c);
            }
        }
        return List.copyOf(by.values());
    }

    static List<RepeatedWake> groupWake(List<List<WakeCell>> repeats) {
        Map<String, RepeatedWake> by = new LinkedHashMap<>();
        for (List<WakeCell> rep : repeats) {
            for (WakeCell c : rep) {
                by.computeIfAbsent(c.backend().id() + "/" + c.n(),
                        k -> new RepeatedWake(c.backend(), c.n(), new ArrayList<>())).samples().add(c);
            }
        }
        return List.copyOf(by.values());
    }

    /** The never-blocking sweep: tables, charts, crossover, summary, and the notes gathered while measuring. */
    void sweep(List<List<Cell>> repeats, Mode mode, List<String> notes, ScalingRef ref) throws IOException {
        List<Repeated> cells = group(repeats);
        Table main = res.table(mainTable(cells, mode));
        Map<Integer, List<Charts.Series>> series = growth(cells, repeats);
        ctx.write("scaling.csv", main.toCsv());
        for (Map.Entry<Integer, List<Charts.Series>> e : series.entrySet()) {
            if (e.getValue().isEmpty()) {
                continue;
            }
            String file = "scaling-a" + e.getKey() + ".png";
            Charts.line(ctx.outDir.resolve(file), "Cost per loop iteration, A = " + e.getKey()
                    + (e.getKey() == 1 ? " active pair" : " active pairs") + " (solid: Java, dashed: C reference)",
                    ctx.chartSubtitle(), "N (socketpairs watched)", "ns per loop iteration", true, true, e.getValue());
            res.charts.add(file);
        }
        String[] crossText = new String[ScalingPlan.ACTIVE.length];
        for (int i = 0; i < crossText.length; i++) {
            crossText[i] = crossover(cells, ScalingPlan.ACTIVE[i]);
        }
        double ratioMedian = ScalingStats.median(finite(cells.stream()
                .map(c -> c.median(x -> x.javaNs() / x.cNs())).toList()));
        res.figure(ScalingFigures.RATIO_MEDIAN, ratioMedian);
        res.summary("Java binding", Binding.describe() + ", JDK " + System.getProperty("java.version"));
        res.summary("poll slope (A=1)", slopeText(POLL, 1));
        res.summary("epoll slope (A=1)", slopeText(EPOLL_LT, 1));
        res.summary("epoll overtakes poll at N (A=1)", crossText[0]);
        res.summary("epoll overtakes poll at N (A=100)", crossText[1]);
        res.summary("Java/C median", Double.isNaN(ratioMedian) ? "n/a (no C reference)"
                : String.format(Locale.ROOT, "%.2f", ratioMedian));
        double wallOverCpu = ScalingStats.median(finite(cells.stream().flatMap(c -> c.samples().stream())
                .flatMap(c -> List.of(c.javaWall() / c.javaNs(), c.cWall() / c.cNs()).stream()).toList()));
        res.figure(ScalingFigures.WALL_OVER_CPU_MEDIAN, wallOverCpu);
        if (Double.isFinite(wallOverCpu)) {
            res.paragraph(String.format(Locale.ROOT, "Wall-clock over CPU time of the timed loops: %.2fx (median over"
                    + " every cell and repeat). %s", wallOverCpu, wallOverCpu > 1.15
                    ? "Above 1.15: other processes held the CPUs part of the time. The figures use CPU time, which"
                            + " leaves that out; cache and memory contention remain."
                    : "Close to 1: the timed loops had a CPU to themselves most of the time."));
        }
        res.paragraph("fd limits: " + plan.limits().text() + "; largest N here " + plan.limits().maxN()
                + ". C reference: " + (ref.available() ? ScalingRef.BINARY : "n/a") + ".");
        for (String n : notes) {
            res.paragraph("Note: " + n);
        }
    }

    private static List<Double> finite(List<Double> values) {
        return values.stream().filter(Double::isFinite).toList();
    }

    /** One row per cell, and the cells' figures. */
    private Table mainTable(List<Repeated> cells, Mode mode) {
        Table main = new Table("Cost per loop iteration (" + Repeats.caption(mode.repeats(), ctx.quick)
                + "; each repeat the median of " + mode.runs() + " runs; Java: JDK " + System.getProperty("java.version")
                + ", " + Binding.name() + " binding)", "backend", "N", "A", "Java ns/iter",
                "C ns/iter", "Java/C", "W", "Java us/run", "C us/run", "Java ns/event", "C ns/event", "events/iter",
                "Java wall ns/iter", "C wall ns/iter");
        for (Repeated c : cells) {
            Spread java = c.spread(Cell::javaNs);
            Spread cRef = c.spread(Cell::cNs);
            Spread ratio = c.spread(x -> x.javaNs() / x.cNs());
            main.row(c.row().id(), c.n(), c.a(), orNaN(java), orNaN(cRef), orNaN(ratio), c.samples().get(0).w(),
                    c.median(Cell::javaUs), c.median(Cell::cUs), c.median(Cell::javaEventNs),
                    c.median(Cell::cEventNs), c.median(Cell::eventsPerIter), c.median(Cell::javaWall),
                    c.median(Cell::cWall));
            Repeats.figure(res, ScalingFigures.ns(c.row(), c.a(), c.n()), java);
            Repeats.figure(res, ScalingFigures.cNs(c.row(), c.a(), c.n()), cRef);
        }
        main.note("ns/iter: " + (ScalingBench.cpuClock() ? "CPU time of the dispatching thread for" : "wall-clock time of")
                + " one await (timeout 0) plus the handlers it dispatched (A = 1: one read and one write); the wall"
                + " columns are the same loop by the wall clock. W: chained writes per run. n/a: not measured."
                + (mode.repeats() > 1 ? " The repeats of a cell ran in turn with every other cell, not back to back."
                        : ""));
        return main;
    }

    /** A spread for a table cell, or NaN (shown "n/a") when nothing was measured. */
    private static Object orNaN(Spread s) {
        return s == null ? (Object) Double.NaN : s;
    }

    /**
     * The growth table and its figures (slopes and growth fitted per repeat); returns the chart
     * series by A (medians; Java solid, C dashed).
     */
    private Map<Integer, List<Charts.Series>> growth(List<Repeated> cells, List<List<Cell>> repeats) {
        Table growth = new Table("Growth with N (log-log slope: 1 = linear in N, 0 = flat; "
                + Repeats.caption(repeats.size(), ctx.quick) + ", fitted per repeat)", "backend", "A", "N range",
                "Java slope", "Java growth", "C slope", "C growth");
        Map<Integer, List<Charts.Series>> series = new LinkedHashMap<>();
        for (int a : ScalingPlan.ACTIVE) {
            List<Charts.Series> list = new ArrayList<>();
            for (ScalingRow row : plan.rows()) {
                List<Repeated> mine = cells.stream().filter(c -> c.row().equals(row) && c.a() == a).toList();
                if (mine.isEmpty()) {
                    continue;
                }
                List<Double> slopes = new ArrayList<>();
                List<Double> growths = new ArrayList<>();
                List<Double> cSlopes = new ArrayList<>();
                List<Double> cGrowths = new ArrayList<>();
                for (List<Cell> rep : repeats) {
                    List<double[]> java = points(rep, row, a, Cell::javaNs);
                    List<double[]> c = points(rep, row, a, Cell::cNs);
                    slopes.add(ScalingStats.logLogSlope(java));
                    growths.add(lastOverFirst(java));
                    cSlopes.add(ScalingStats.logLogSlope(c));
                    cGrowths.add(lastOverFirst(c));
                }
                Spread slope = Repeats.of(slopes);
                Spread g = Repeats.of(growths);
                Spread cSlope = Repeats.of(cSlopes);
                Spread cg = Repeats.of(cGrowths);
                Repeats.figure(res, ScalingFigures.slope(row, a), slope);
                Repeats.figure(res, ScalingFigures.growth(row, a), g);
                Repeats.figure(res, ScalingFigures.cSlope(row, a), cSlope);
                Repeats.figure(res, ScalingFigures.cGrowth(row, a), cg);
                growth.row(row.id(), a, mine.get(0).n() + ".." + mine.get(mine.size() - 1).n(), orNaN(slope),
                        orNaN(g), orNaN(cSlope), orNaN(cg));
                List<double[]> java = mine.stream().map(c -> new double[] {c.n(), c.median(Cell::javaNs)}).toList();
                List<double[]> c = mine.stream().map(x -> new double[] {x.n(), x.median(Cell::cNs)}).toList();
                list.add(new Charts.Series(row.id() + " (Java)", java, false));
                if (c.stream().anyMatch(p -> Double.isFinite(p[1]))) {
                    list.add(new Charts.Series(row.id() + " (C)", c, true));
                }
            }
            series.put(a, list);
        }
        growth.note("growth: cost at the largest N over cost at the smallest N of the row.");
        res.table(growth);
        return series;
    }

    /** {N, value} of one repeat's cells of a row and A, in N order. */
    private static List<double[]> points(List<Cell> rep, ScalingRow row, int a, ToDoubleFunction<Cell> f) {
        return rep.stream().filter(c -> c.row().equals(row) && c.a() == a)
                .sorted((x, y) -> Integer.compare(x.n(), y.n()))
                .map(c -> new double[] {c.n(), f.applyAsDouble(c)}).toList();
    }

    private static double lastOverFirst(List<double[]> pts) {
        return pts.size() < 2 ? Double.NaN : pts.get(pts.size() - 1)[1] / pts.get(0)[1];
    }

    /**
     * epoll (LT) against poll at A, on the medians of the repeats: the crossover figure, a
     * paragraph with the interpolation, and the summary text.
     */
    private String crossover(List<Repeated> cells, int a) {
        List<double[]> common = new ArrayList<>();
        for (Repeated p : cells) {
            if (p.row().equals(POLL) && p.a() == a) {
                for (Repeated q : cells) {
                    if (q.row().equals(EPOLL_LT) && q.a() == a && q.n() == p.n()) {
                        common.add(new double[] {p.n(), p.median(Cell::javaNs), q.median(Cell::javaNs)});
                    }
                }
            }
        }
        double cross = Double.NaN;
        String text;
        int k = ScalingStats.crossoverIndex(common);
        if (common.isEmpty()) {
            text = "not measured (needs " + POLL + " and " + EPOLL_LT + ")";
        } else if (k < 0) {
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
                res.paragraph(String.format(Locale.ROOT, "A = %d: epoll (LT) is cheaper than poll (medians of the"
                        + " repeats) from N = %d on; interpolating log-log between N = %d and N = %d puts the"
                        + " crossover near N = %.0f.", a, (int) hi[0], (int) lo[0], (int) hi[0], est));
            }
        }
        res.figure(ScalingFigures.crossover(a), cross);
        return text;
    }

    private String slopeText(ScalingRow row, int a) {
        Spread s = res.spread(ScalingFigures.slope(row, a));
        if (s == null) {
            return "not measured";
        }
        Spread g = res.spread(ScalingFigures.growth(row, a));
        return Table.fmt(s) + (g == null ? "" : " (cost x" + Table.fmt(g) + " over the N range)");
    }

    /** The blocking part: its table, chart and figures, and poll's blocking cost against the never-blocking one. */
    void wake(List<List<WakeCell>> wakeRepeats, List<List<Cell>> repeats, WakeMode wm) throws IOException {
        if (plan.wakeRows().isEmpty()) {
            return;
        }
        List<RepeatedWake> cells = groupWake(wakeRepeats);
        Table t = new Table("A wait that blocks: waiter CPU per wakeup (N idle AF_UNIX socketpairs plus one ping pair; "
                + Repeats.caption(wm.repeats(), ctx.quick) + ", each repeat the median of " + wm.runs() + " runs)",
                "backend", "N", "CPU us/wakeup", "wall us/round", "x smallest N", "ns per added fd", "sleeps/round",
                "pause us", "rounds/run");
        List<Charts.Series> series = new ArrayList<>();
        StringBuilder perFd = new StringBuilder();
        for (Backend b : plan.wakeRows()) {
            List<RepeatedWake> mine = cells.stream().filter(c -> c.backend() == b).toList();
            if (mine.isEmpty()) {
                continue;
            }
            List<double[]> pts = wakeRows(t, mine);
            List<Double> slopes = new ArrayList<>();
            List<Double> growths = new ArrayList<>();
            for (List<WakeCell> rep : wakeRepeats) {
                List<double[]> p = rep.stream().filter(c -> c.backend() == b)
                        .map(c -> new double[] {c.n(), c.cpuNs()}).toList();
                slopes.add(ScalingStats.linearSlope(p));
                growths.add(lastOverFirst(p));
            }
            Spread slope = Repeats.of(slopes);
            Repeats.figure(res, ScalingFigures.blockingPerFdNs(b), slope);
            Repeats.figure(res, ScalingFigures.blockingGrowth(b), Repeats.of(growths));
            perFd.append(perFd.length() == 0 ? "" : ", ").append(b.id()).append(' ')
                    .append(slope == null ? "n/a" : Table.fmt(slope));
            series.add(new Charts.Series(b.id(), pts, false));
        }
        t.note(wakeNote(wm));
        res.table(t);
        ctx.write("scaling-blocking.csv", t.toCsv());
        if (!series.isEmpty()) {
            String file = "scaling-blocking.png";
            Charts.line(ctx.outDir.resolve(file), "A wait that blocks: waiter CPU per wakeup", ctx.chartSubtitle(),
                    "N (idle socketpairs watched)", "ns of waiter CPU per wakeup", true, true, series);
            res.charts.add(file);
        }
        res.summary("blocking wakeup, waiter CPU ns per watched fd", perFd.length() == 0 ? "not measured" : perFd);
        pollBlockingVsNot(wakeRepeats, repeats);
    }

    /** The rows of one backend's cells (against its smallest N) and their figures; returns the points {N, CPU ns}. */
    private List<double[]> wakeRows(Table t, List<RepeatedWake> cells) {
        List<double[]> pts = new ArrayList<>();
        RepeatedWake first = cells.get(0);
        double firstCpu = first.median(WakeCell::cpuNs);
        for (RepeatedWake c : cells) {
            Spread cpu = c.spread(WakeCell::cpuNs);
            double med = c.median(WakeCell::cpuNs);
            double added = c == first ? Double.NaN : (med - firstCpu) / (c.n() - first.n());
            WakeCell one = c.samples().get(0);
            t.row(c.backend().id(), c.n(), cpu == null ? (Object) Double.NaN : cpu.div(1e3),
                    c.median(WakeCell::wallNs) / 1e3,
                    c == first ? "1" : String.format(Locale.ROOT, "%.1f", med / firstCpu), c == first ? "" : added,
                    c.median(WakeCell::sleepsPerRound), one.pauseNs() / 1e3, one.rounds());
            Repeats.figure(res, ScalingFigures.blockingNs(c.backend(), c.n()), cpu);
            Repeats.figure(res, ScalingFigures.blockingWallNs(c.backend(), c.n()), c.spread(WakeCell::wallNs));
            Repeats.figure(res, ScalingFigures.blockingSleeps(c.backend(), c.n()), c.spread(WakeCell::sleepsPerRound));
            pts.add(new double[] {c.n(), med});
        }
        return pts;
    }

    private String wakeNote(WakeMode wm) {
        return "One round: the pinger writes a byte to the ping pair, the waiter wakes from await(timeout -1), reads it"
                + " and answers on an unregistered ack socketpair; the pinger sends the next byte only after the ack"
                + " and a pause (parkNanos: 50 us plus twice the waiter's CPU per round in a calibration run), so the"
                + " waiter is asleep in await when it arrives. The ping pair is registered last (highest fd, end of the"
                + " poll array), so select and poll pass every idle fd before they find it. CPU: "
                + (ScalingWake.cpuClock() ? "the waiter thread's CPU time (user + kernel)"
                        : "wall-clock time (no thread CPU clock)") + " per round, after "
                + wm.warmup() + " untimed rounds (rounds/run: as many as took about " + (int) wm.targetRunMs()
                + " ms in the first repeat's calibration, " + wm.minRounds() + ".." + wm.maxRounds() + "); wall: one"
                + " round, pause included, by the wall clock. sleeps/round: the waiter's voluntary context switches per"
                + " round (/proc/thread-self/status), about 1 when every await slept. x smallest N: CPU against the"
                + " row's smallest N; ns per added fd: (CPU - CPU at the smallest N) / (N - smallest N), on the"
                + " medians." + (plan.wakeTrigger() == Trigger.EDGE ? " epoll edge-triggered (--trigger et)." : "");
    }

    /**
     * poll: CPU per watched fd of a wait that blocks against the never-blocking loop (A = 1), over
     * the same N range, per repeat (blocking repeat i against sweep repeat i).
     */
    private void pollBlockingVsNot(List<List<WakeCell>> wakeRepeats, List<List<Cell>> repeats) {
        List<WakeCell> pollWake = wakeRepeats.stream().flatMap(List::stream).filter(c -> c.backend() == Backend.POLL)
                .toList();
        if (pollWake.isEmpty()) {
            return;
        }
        int minN = pollWake.stream().mapToInt(WakeCell::n).min().orElse(Integer.MAX_VALUE);
        int maxN = pollWake.stream().mapToInt(WakeCell::n).max().orElse(0);
        List<Double> blocking = new ArrayList<>();
        List<Double> spins = new ArrayList<>();
        List<Double> ratios = new ArrayList<>();
        for (int i = 0; i < wakeRepeats.size(); i++) {
            double b = ScalingStats.linearSlope(wakeRepeats.get(i).stream().filter(c -> c.backend() == Backend.POLL)
                    .map(c -> new double[] {c.n(), c.cpuNs()}).toList());
            double spin = i >= repeats.size() ? Double.NaN : ScalingStats.linearSlope(repeats.get(i).stream()
                    .filter(c -> c.row().equals(POLL) && c.a() == 1 && c.n() >= minN && c.n() <= maxN)
                    .map(c -> new double[] {c.n(), c.javaNs()}).toList());
            blocking.add(b);
            spins.add(spin);
            ratios.add(spin > 0 ? b / spin : Double.NaN);
        }
        Spread pollBlocking = Repeats.of(blocking);
        Spread pollSpin = Repeats.of(spins);
        Spread ratio = Repeats.of(ratios);
        Repeats.figure(res, ScalingFigures.POLL_NONBLOCKING_PER_FD_NS, pollSpin);
        Repeats.figure(res, ScalingFigures.POLL_BLOCKING_OVER_NONBLOCKING, ratio);
        boolean known = ratio != null && pollBlocking != null && pollSpin != null;
        res.summary("poll cost per watched fd, blocking vs never-blocking", known
                ? Table.fmt(pollBlocking) + " ns blocking vs " + Table.fmt(pollSpin) + " ns never-blocking (A=1, N "
                        + minN + ".." + maxN + "): x" + Table.fmt(ratio)
                : "n/a (never-blocking slope not measured over N " + minN + ".." + maxN + ")");
        if (known) {
            res.paragraph("Measured: a poll that blocks cost " + Table.fmt(pollBlocking) + " ns of CPU per watched fd"
                    + " and wakeup, x" + Table.fmt(ratio) + " the " + Table.fmt(pollSpin) + " ns per fd of the"
                    + " never-blocking loop above (N " + minN + ".." + maxN + "). Background: a blocking poll or select"
                    + " adds a wait-queue entry (holding a reference on the file) to every watched fd, sleeps, scans"
                    + " again after the wakeup and removes every entry, where a call with timeout 0 only scans; in a"
                    + " multi-threaded process (the JVM) each scan also takes and drops a reference per fd. epoll sets"
                    + " its wait-queue entries up once, at EPOLL_CTL_ADD.");
        }
    }
}
