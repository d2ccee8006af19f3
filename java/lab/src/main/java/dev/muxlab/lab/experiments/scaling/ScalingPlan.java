package dev.muxlab.lab.experiments.scaling;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.TreeSet;
import java.util.stream.IntStream;

import dev.muxlab.Backend;
import dev.muxlab.Fds;
import dev.muxlab.Multiplexer;
import dev.muxlab.NativeException;
import dev.muxlab.Trigger;
import dev.muxlab.lab.experiments.LevelRead;
import dev.muxlab.lab.report.ExperimentContext;

/**
 * What the scaling experiment measures, decided before anything runs: the rows the filters let
 * through, the cells of the never-blocking sweep (row, A, N) and of the blocking part (backend,
 * N) that the fd limits allow, in the order they run, and notes on what was left out.
 * <p>
 * N values: quick {10, 100, 1000, 4000}, full {10, 30, 100, 300, 1000, 3000, 9000} plus the
 * largest N the fd limit allows; a user list (-D{@value ScalingExperiment#N_PROPERTY}) replaces
 * them. N values the fd limit cannot hold are skipped with a note (IllegalArgumentException when
 * none can run). SELECT (glibc fd_set) only takes N with every fd below FD_SETSIZE; its largest
 * such N is added. A = 100 rows start at N = 2A, where the active pairs are at least two apart
 * and their bytes never merge into one chain. The blocking part: quick {10, 100, 1000}, full
 * {10, 100, 1000, 4000}; select up to its largest N, select-wide only in full mode or when named.
 */
record ScalingPlan(Limits limits, List<ScalingRow> rows, List<Point> points, List<Backend> wakeRows,
        List<WakePoint> wakePoints, Trigger wakeTrigger, List<String> notes) {
    /** Active pairs of the two sweeps. */
    static final int[] ACTIVE = {1, 100};
    static final int[] QUICK_N = {10, 100, 1000, 4000};
    static final int[] FULL_N = {10, 30, 100, 300, 1000, 3000, 9000};
    /** N values of the blocking-wakeup part (select: those below FD_SETSIZE, plus its largest). */
    static final int[] WAKE_QUICK_N = {10, 100, 1000};
    static final int[] WAKE_FULL_N = {10, 100, 1000, 4000};
    /** fds left free besides the socketpairs (multiplexer, JVM, the C reference's pipe). */
    private static final int FD_MARGIN = 64;
    /** fd numbers left free below FD_SETSIZE for classic select. */
    private static final int SELECT_MARGIN = 16;

    /** A cell of the never-blocking sweep. */
    record Point(ScalingRow row, int a, int n) {
    }

    /** A cell of the blocking part. */
    record WakePoint(Backend backend, int n) {
    }

    /** The fd limits at the start and the largest N they allow (2 fds a pair). */
    record Limits(int soft, int hard, int open, int fdSetSize) {
        static Limits probe() throws NativeException {
            int soft = Fds.raiseOpenFileLimit();
            int hard = Fds.hardOpenFileLimit();
            int fdSetSize;
            try (Multiplexer m = Multiplexer.create(Backend.SELECT)) {
                fdSetSize = m.fdLimit();
            }
            return new Limits(soft, hard, Fds.countOpen(), fdSetSize);
        }

        /** The most socketpairs that fit under the soft limit. */
        int maxN() {
            return (soft - open - FD_MARGIN) / 2;
        }

        /** The most socketpairs whose fd numbers all stay below FD_SETSIZE (a multiple of 10). */
        int selectMax() {
            return (fdSetSize - open - SELECT_MARGIN) / 2 / 10 * 10;
        }

        String text() {
            return "RLIMIT_NOFILE soft " + soft + ", hard " + hard + ", " + open + " fds already open";
        }
    }

    /**
     * The plan for these settings.
     *
     * @param userNs the N list the user gave ("10,100,1000"), or null/blank for the defaults
     * @throws IllegalArgumentException for a bad N list, or when the fd limit holds none of the N values
     */
    static ScalingPlan of(ExperimentContext ctx, String userNs) throws NativeException {
        List<String> notes = new ArrayList<>();
        List<ScalingRow> rows = new ArrayList<>();
        for (ScalingRow r : ScalingRow.ALL) {
            String refusal = ctx.wants(r.backend(), r.trigger()) ? LevelRead.refusal(r.backend()) : null;
            if (refusal != null && r.trigger() == Trigger.LEVEL) {
                notes.add(r.backend().id() + " left out: it refuses a level-triggered READ registration (" + refusal
                        + ").");
            } else if (refusal == null && ctx.wants(r.backend(), r.trigger())) {
                rows.add(r);
            }
        }
        if (rows.isEmpty()) {
            throw new IllegalArgumentException("scaling: no backend to measure: " + String.join(" ", notes));
        }
        Limits lim = Limits.probe();
        boolean user = userNs != null && !userNs.isBlank();
        TreeSet<Integer> fits = fits(user ? parseNs(userNs) : ctx.quick ? QUICK_N : FULL_N, lim, notes);
        if (!ctx.quick && !user && lim.maxN() > fits.last()) {
            fits.add(lim.maxN());
        }
        List<Point> points = new ArrayList<>();
        for (int a : ACTIVE) {
            for (ScalingRow row : rows) {
                for (int n : ns(row, a, fits, lim, user)) {
                    points.add(new Point(row, a, n));
                }
            }
        }
        if (rows.contains(ScalingRow.of(Backend.SELECT))) {
            notes.add("select (glibc fd_set): N <= " + lim.selectMax() + " only, so that every fd number stays below"
                    + " FD_SETSIZE = " + lim.fdSetSize() + " (" + lim.open() + " fds were open before the socketpairs).");
        }
        if (user && fits.stream().anyMatch(n -> n < 2 * ACTIVE[ACTIVE.length - 1])) {
            notes.add("A = 100 needs N >= 200 (active pairs at least two apart); smaller N ran with A = 1 only.");
        }
        List<Backend> wakeRows = wakeRows(ctx);
        int[] wakeNs = user ? fits.stream().mapToInt(Integer::intValue).toArray() : ctx.quick ? WAKE_QUICK_N : WAKE_FULL_N;
        List<WakePoint> wakePoints = new ArrayList<>();
        for (Backend b : wakeRows) {
            for (int n : wakeNs(b, wakeNs, lim, user)) {
                wakePoints.add(new WakePoint(b, n));
            }
        }
        Trigger wakeTrigger = ctx.wants(Trigger.LEVEL) ? Trigger.LEVEL : Trigger.EDGE;
        return new ScalingPlan(lim, List.copyOf(rows), List.copyOf(points), wakeRows, List.copyOf(wakePoints), wakeTrigger,
                List.copyOf(notes));
    }

    /** The requested N values the fd limit holds; a note on the others. */
    private static TreeSet<Integer> fits(int[] requested, Limits lim, List<String> notes) {
        TreeSet<Integer> fits = new TreeSet<>();
        List<Integer> tooBig = new ArrayList<>();
        for (int n : requested) {
            (n <= lim.maxN() ? fits : tooBig).add(n);
        }
        if (fits.isEmpty()) {
            throw new IllegalArgumentException("scaling: the fd limit allows at most N = " + Math.max(lim.maxN(), 0)
                    + " socketpairs (" + lim.text() + "); requested N = " + Arrays.toString(requested));
        }
        if (!tooBig.isEmpty()) {
            notes.add("N = " + tooBig + " skipped: " + lim.text() + " leave room for N <= " + lim.maxN()
                    + " (2 fds a pair).");
        }
        return fits;
    }

    /** The N values of one row and A: those from minN on, the smallest one itself, and select's largest. */
    private static TreeSet<Integer> ns(ScalingRow row, int a, TreeSet<Integer> fits, Limits lim, boolean user) {
        int minN = a == 1 ? 1 : 2 * a;
        TreeSet<Integer> ns = new TreeSet<>(fits.tailSet(minN));
        if (!user && a > 1 && minN <= lim.maxN()) {
            ns.add(minN);
        }
        if (row.backend() == Backend.SELECT) {
            ns.removeIf(n -> n > lim.selectMax());
            if (!user && lim.selectMax() >= minN && lim.selectMax() <= lim.maxN()) {
                ns.add(lim.selectMax());
            }
        }
        return ns;
    }

    /**
     * The backends of the blocking part: those the filters let through (only the ones with trigger
     * modes under --trigger); quick mode leaves select-wide out unless asked for by name (it repeats
     * select's cost).
     */
    private static List<Backend> wakeRows(ExperimentContext ctx) {
        List<Backend> rows = new ArrayList<>();
        for (Backend b : ExperimentContext.MULTIPLEXERS) {
            boolean skipWide = ctx.quick && b == Backend.SELECT_WIDE && !ctx.backends.contains(b);
            if (ctx.wants(b) && (ctx.triggers.isEmpty() || b.hasTriggers()) && !skipWide
                    && LevelRead.refusal(b) == null) {
                rows.add(b);
            }
        }
        return List.copyOf(rows);
    }

    /** The N values of one backend's blocking part: those that fit, select's only up to its largest. */
    private static TreeSet<Integer> wakeNs(Backend b, int[] candidates, Limits lim, boolean user) {
        TreeSet<Integer> ns = new TreeSet<>();
        IntStream.of(candidates).filter(n -> n <= lim.maxN()).forEach(ns::add);
        if (b == Backend.SELECT) {
            boolean cut = ns.removeIf(n -> n > lim.selectMax());
            if (cut && !user && lim.selectMax() >= 1) {
                ns.add(lim.selectMax());
            }
        }
        return ns;
    }

    /** Parses a user N list such as "10,100,1000" (commas or spaces). */
    static int[] parseNs(String s) {
        try {
            int[] ns = Arrays.stream(s.split("[,\\s]+")).filter(t -> !t.isEmpty()).mapToInt(Integer::parseInt)
                    .toArray();
            if (ns.length == 0 || Arrays.stream(ns).anyMatch(n -> n < 1)) {
                throw new NumberFormatException();
            }
            return ns;
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("-D" + ScalingExperiment.N_PROPERTY + " must be a list of positive"
                    + " integers such as 10,100,1000, not '" + s + "'");
        }
    }
}
