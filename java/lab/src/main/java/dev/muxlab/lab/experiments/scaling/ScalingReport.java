package dev.muxlab.lab.experiments.scaling;

import java.io.IOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

import dev.muxlab.Backend;
import dev.muxlab.Trigger;
import dev.muxlab.lab.experiments.scaling.ScalingExperiment.Cell;
import dev.muxlab.lab.experiments.scaling.ScalingExperiment.WakeCell;
import dev.muxlab.lab.experiments.scaling.ScalingExperiment.WakeMode;
import dev.muxlab.lab.report.Charts;
import dev.muxlab.lab.report.ExperimentContext;
import dev.muxlab.lab.report.ExperimentResult;
import dev.muxlab.lab.report.Table;

/**
 * The scaling experiment's tables, charts, figures ({@link ScalingFigures}) and findings, built
 * from the measured cells: first the never-blocking sweep (cost per loop iteration, growth with N,
 * the crossover of epoll and poll), then the wait that blocks.
 */
record ScalingReport(ExperimentContext ctx, ExperimentResult res, ScalingPlan plan) {
    /** The rows the crossover compares. */
    static final ScalingRow POLL = ScalingRow.of(Backend.POLL);
    static final ScalingRow EPOLL_LT = new ScalingRow(Backend.EPOLL, Trigger.LEVEL);

    /** The never-blocking sweep: tables, charts, crossover, summary, and the notes gathered while measuring. */
    void sweep(List<Cell> cells, List<String> notes, ScalingRef ref) throws IOException {
        Table main = res.table(mainTable(cells));
        Map<Integer, List<Charts.Series>> series = growth(cells);
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
        String[] crossText = new String[ScalingPlan.ACTIVE.length];
        for (int i = 0; i < crossText.length; i++) {
            crossText[i] = crossover(cells, ScalingPlan.ACTIVE[i]);
        }
        double ratioMedian = ScalingStats.median(finite(cells.stream().map(c -> c.javaNs() / c.cNs()).toList()));
        res.figure(ScalingFigures.RATIO_MEDIAN, ratioMedian);
        res.summary("poll slope (A=1)", slopeText(POLL, 1));
        res.summary("epoll slope (A=1)", slopeText(EPOLL_LT, 1));
        res.summary("epoll overtakes poll at N (A=1)", crossText[0]);
        res.summary("epoll overtakes poll at N (A=100)", crossText[1]);
        res.summary("Java/C median", Double.isNaN(ratioMedian) ? "n/a (no C reference)"
                : String.format(Locale.ROOT, "%.2f", ratioMedian));
        double wallOverCpu = ScalingStats.median(finite(cells.stream()
                .flatMap(c -> List.of(c.javaWall() / c.javaNs(), c.cWall() / c.cNs()).stream()).toList()));
        res.figure(ScalingFigures.WALL_OVER_CPU_MEDIAN, wallOverCpu);
        if (wallOverCpu > 1.15) {
            res.paragraph(String.format(Locale.ROOT, "The machine was busy: the timed loops took %.2fx their CPU time"
                    + " by the wall clock (median over the cells), i.e. other processes held the CPU part of the time."
                    + " The figures use CPU time, which leaves that out; cache and memory contention remain.",
                    wallOverCpu));
        }
        res.paragraph("fd limits: " + plan.limits().text() + "; largest N here " + plan.limits().maxN()
                + ". C reference: " + (ref.available() ? ref.binary() : "n/a") + ".");
        for (String n : notes) {
            res.paragraph("Note: " + n);
        }
    }

    private static List<Double> finite(List<Double> values) {
        return values.stream().filter(Double::isFinite).toList();
    }

    /** One row per cell, and the cells' figures. */
    private Table mainTable(List<Cell> cells) {
        Table main = new Table("Cost per loop iteration (median of the runs)", "backend", "N", "A", "Java ns/iter",
                "C ns/iter", "Java/C", "W", "Java us/run", "C us/run", "Java ns/event", "C ns/event", "events/iter",
                "Java wall ns/iter", "C wall ns/iter");
        for (Cell c : cells) {
            main.row(c.row().id(), c.n(), c.a(), c.javaNs(), c.cNs(), c.javaNs() / c.cNs(), c.w(), c.javaUs(), c.cUs(),
                    c.javaEventNs(), c.cEventNs(), c.eventsPerIter(), c.javaWall(), c.cWall());
            res.figure(ScalingFigures.ns(c.row(), c.a(), c.n()), c.javaNs());
            res.figure(ScalingFigures.cNs(c.row(), c.a(), c.n()), c.cNs());
        }
        main.note("ns/iter: " + (ScalingBench.cpuClock() ? "CPU time of the dispatching thread for" : "wall-clock time of")
                + " one await (timeout 0) plus the handlers it dispatched (A = 1: one read and one write); the wall"
                + " columns are the same loop by the wall clock. W: chained writes per run. n/a: not measured.");
        return main;
    }

    /** The growth table and its figures; returns the chart series by A (Java solid, C dashed). */
    private Map<Integer, List<Charts.Series>> growth(List<Cell> cells) {
        Table growth = new Table("Growth with N (log-log slope: 1 = linear in N, 0 = flat)", "backend", "A", "N range",
                "Java slope", "Java growth", "C slope", "C growth");
        Map<Integer, List<Charts.Series>> series = new LinkedHashMap<>();
        for (int a : ScalingPlan.ACTIVE) {
            List<Charts.Series> list = new ArrayList<>();
            for (ScalingRow row : plan.rows()) {
                List<double[]> java = new ArrayList<>();
                List<double[]> c = new ArrayList<>();
                for (Cell cell : cells) {
                    if (cell.row().equals(row) && cell.a() == a) {
                        java.add(new double[] {cell.n(), cell.javaNs()});
                        c.add(new double[] {cell.n(), cell.cNs()});
                    }
                }
                if (java.isEmpty()) {
                    continue;
                }
                double slope = ScalingStats.logLogSlope(java);
                double cSlope = ScalingStats.logLogSlope(c);
                double g = java.get(java.size() - 1)[1] / java.get(0)[1];
                double cg = c.get(c.size() - 1)[1] / c.get(0)[1];
                res.figure(ScalingFigures.slope(row, a), slope);
                res.figure(ScalingFigures.growth(row, a), g);
                res.figure(ScalingFigures.cSlope(row, a), cSlope);
                res.figure(ScalingFigures.cGrowth(row, a), cg);
                growth.row(row.id(), a, (int) java.get(0)[0] + ".." + (int) java.get(java.size() - 1)[0], slope, g,
                        cSlope, cg);
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

    /** epoll (LT) against poll at A: the crossover figure, a paragraph with the interpolation, and the summary text. */
    private String crossover(List<Cell> cells, int a) {
        List<double[]> common = new ArrayList<>();
        for (Cell p : cells) {
            if (p.row().equals(POLL) && p.a() == a) {
                for (Cell q : cells) {
                    if (q.row().equals(EPOLL_LT) && q.a() == a && q.n() == p.n()) {
                        common.add(new double[] {p.n(), p.javaNs(), q.javaNs()});
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
                res.paragraph(String.format(Locale.ROOT, "A = %d: epoll (LT) is cheaper than poll from N = %d"
                        + " on; interpolating log-log between N = %d and N = %d puts the crossover near"
                        + " N = %.0f.", a, (int) hi[0], (int) lo[0], (int) hi[0], est));
            }
        }
        res.figure(ScalingFigures.crossover(a), cross);
        return text;
    }

    private String slopeText(ScalingRow row, int a) {
        double s = res.get(ScalingFigures.slope(row, a));
        if (Double.isNaN(s)) {
            return "not measured";
        }
        return String.format(Locale.ROOT, "%.2f (cost x%.1f over the N range)", s, res.get(ScalingFigures.growth(row, a)));
    }

    /** The blocking part: its table, chart and figures, and poll's blocking cost against the never-blocking one. */
    void wake(List<WakeCell> wakeCells, List<Cell> cells, WakeMode wm) throws IOException {
        if (plan.wakeRows().isEmpty()) {
            return;
        }
        Table t = new Table("A wait that blocks: waiter CPU per wakeup (N idle AF_UNIX socketpairs plus one ping pair,"
                + " median of " + wm.runs() + " runs)", "backend", "N", "CPU us/wakeup", "wall us/round", "x smallest N",
                "ns per added fd", "sleeps/round", "pause us", "rounds/run");
        List<Charts.Series> series = new ArrayList<>();
        StringBuilder perFd = new StringBuilder();
        for (Backend b : plan.wakeRows()) {
            List<WakeCell> mine = wakeCells.stream().filter(c -> c.backend() == b).toList();
            if (mine.isEmpty()) {
                continue;
            }
            List<double[]> pts = wakeRows(t, mine);
            double slope = ScalingStats.linearSlope(pts);
            res.figure(ScalingFigures.blockingPerFdNs(b), slope);
            res.figure(ScalingFigures.blockingGrowth(b), pts.get(pts.size() - 1)[1] / pts.get(0)[1]);
            perFd.append(perFd.length() == 0 ? "" : ", ").append(b.id()).append(' ')
                    .append(Double.isNaN(slope) ? "n/a" : String.format(Locale.ROOT, "%.1f", slope));
            series.add(new Charts.Series(b.id(), pts, false));
        }
        t.note(wakeNote(wm));
        res.table(t);
        ctx.write("scaling-blocking.csv", t.toCsv());
        if (!series.isEmpty()) {
            String file = "scaling-blocking.png";
            Charts.line(ctx.outDir.resolve(file), "A wait that blocks: waiter CPU per wakeup", "N (idle socketpairs watched)",
                    "ns of waiter CPU per wakeup", true, true, series);
            res.charts.add(file);
        }
        res.summary("blocking wakeup, waiter CPU ns per watched fd", perFd.length() == 0 ? "not measured" : perFd);
        pollBlockingVsNot(wakeCells, cells);
    }

    /** The rows of one backend's cells (against its smallest N) and their figures; returns the points {N, CPU ns}. */
    private List<double[]> wakeRows(Table t, List<WakeCell> cells) {
        List<double[]> pts = new ArrayList<>();
        WakeCell first = cells.get(0);
        for (WakeCell c : cells) {
            double g = c.cpuNs() / first.cpuNs();
            double added = c == first ? Double.NaN : (c.cpuNs() - first.cpuNs()) / (c.n() - first.n());
            t.row(c.backend().id(), c.n(), c.cpuNs() / 1e3, c.wallNs() / 1e3,
                    c == first ? "1" : String.format(Locale.ROOT, "%.1f", g), c == first ? "" : added,
                    c.sleepsPerRound(), c.pauseNs() / 1e3, c.rounds());
            res.figure(ScalingFigures.blockingNs(c.backend(), c.n()), c.cpuNs());
            res.figure(ScalingFigures.blockingWallNs(c.backend(), c.n()), c.wallNs());
            res.figure(ScalingFigures.blockingSleeps(c.backend(), c.n()), c.sleepsPerRound());
            pts.add(new double[] {c.n(), c.cpuNs()});
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
                + wm.warmup() + " untimed rounds (rounds/run: as many as take about " + (int) wm.targetRunMs()
                + " ms, " + wm.minRounds() + ".." + wm.maxRounds() + "); wall: one round, pause included, by the wall"
                + " clock. sleeps/round: the waiter's voluntary context switches per round (/proc/thread-self/status),"
                + " about 1 when every await slept. x smallest N: CPU against the"
                + " row's smallest N; ns per added fd: (CPU - CPU at the smallest N) / (N - smallest N)."
                + (plan.wakeTrigger() == Trigger.EDGE ? " epoll edge-triggered (--trigger et)." : "");
    }

    /** poll: CPU per watched fd of a wait that blocks against the never-blocking loop (A = 1), over the same N range. */
    private void pollBlockingVsNot(List<WakeCell> wakeCells, List<Cell> cells) {
        String key = ScalingFigures.blockingPerFdNs(Backend.POLL);
        if (!res.figures.containsKey(key)) {
            return;
        }
        double pollBlocking = res.get(key);
        int minN = wakeCells.stream().mapToInt(WakeCell::n).min().orElse(Integer.MAX_VALUE);
        int maxN = wakeCells.stream().mapToInt(WakeCell::n).max().orElse(0);
        List<double[]> spin = new ArrayList<>();
        for (Cell c : cells) {
            if (c.row().equals(POLL) && c.a() == 1 && c.n() >= minN && c.n() <= maxN) {
                spin.add(new double[] {c.n(), c.javaNs()});
            }
        }
        double pollSpin = ScalingStats.linearSlope(spin);
        double ratio = pollBlocking / pollSpin;
        res.figure(ScalingFigures.POLL_NONBLOCKING_PER_FD_NS, pollSpin);
        res.figure(ScalingFigures.POLL_BLOCKING_OVER_NONBLOCKING, ratio);
        boolean known = Double.isFinite(ratio) && pollSpin > 0;
        res.summary("poll cost per watched fd, blocking vs never-blocking", known
                ? String.format(Locale.ROOT, "%.0f ns blocking vs %.0f ns never-blocking (A=1, N %d..%d): x%.1f",
                        pollBlocking, pollSpin, minN, maxN, ratio)
                : "n/a (never-blocking slope not measured over N " + minN + ".." + maxN + ")");
        if (known) {
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
