package dev.muxlab.lab.experiments.fdlimit;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Locale;
import java.util.Objects;
import java.util.stream.Stream;

import dev.muxlab.Backend;
import dev.muxlab.Errno;
import dev.muxlab.Events;
import dev.muxlab.FdSetSizeException;
import dev.muxlab.Fds;
import dev.muxlab.Multiplexer;
import dev.muxlab.NativeException;
import dev.muxlab.ReadySet;
import dev.muxlab.lab.report.Experiment;
import dev.muxlab.lab.report.ExperimentContext;
import dev.muxlab.lab.report.ExperimentResult;
import dev.muxlab.lab.report.Table;

/**
 * {@code fdlimit}: how many fds each backend can watch, and why it stops. Raises the soft
 * RLIMIT_NOFILE to the hard limit, then per backend opens eventfds one by one (each gets the
 * lowest free number, so the numbers rise) and registers each for READ until something refuses:
 * glibc's FD_SETSIZE for classic select, the fd limit (EMFILE) for the others. Then it times a
 * non-blocking await over 10 fds numbered near 10 and 10 fds numbered near the limit, to show that
 * select's cost follows the highest fd number while poll's and epoll's do not.
 */
public final class FdLimitExperiment implements Experiment {
    public static final String NAME = "fdlimit";
    /** fds in each set of the low/high timing comparison. */
    static final int TIMED_FDS = 10;
    /**
     * The sweep stops after this many fds even below the fd limit. With a hard limit of 20,000 the
     * whole sweep of the four backends takes well under a second, so quick mode sweeps it all; the
     * caps only matter where the hard limit is huge (a million fds is a common container default).
     */
    static final int QUICK_CAP = 25_000;
    static final int FULL_CAP = 200_000;

    @Override
    public String name() {
        return NAME;
    }
    @Override
    public String title() {
        return "How many fds each backend can watch, and what select's cost follows";
    }

    @Override
    public String guide() {
        return "First table: after raising the soft RLIMIT_NOFILE to the hard limit, eventfds are opened one by one"
                + " (so their numbers rise) and registered for READ until the backend or the kernel refuses, and why"
                + " each sweep stopped. Second table: one await with timeout 0 over 10 registered fds (one ready),"
                + " once with fd numbers near 10 and once near the limit, to tell a cost that follows the highest fd"
                + " number from one that follows the number of fds. Background: glibc's FD_SETSIZE (1024) limits fd"
                + " numbers, not how many fds; a select with caller-sized bitmaps (wide select), poll and epoll have"
                + " no such limit and are bounded by RLIMIT_NOFILE.";
    }

    /** What one sweep found; {@code stop} is one of the STOP_ codes of {@link FdLimitFigures}. */
    record Sweep(Backend backend, int count, int maxFd, int stop, String stoppedBecause, double millis) {
    }

    /** One timed configuration: a backend awaiting fds numbered near 10, or ({@code high}) near the limit. */
    record Timing(Backend backend, boolean high, int[] fds, double nsPerAwait) {
    }

    @Override
    public ExperimentResult run(ExperimentContext ctx) throws Exception {
        ExperimentResult r = new ExperimentResult(name(), title());
        int softBefore = Fds.openFileLimit();
        int rlimit = Fds.raiseOpenFileLimit();
        int hard = Fds.hardOpenFileLimit();
        r.figure(FdLimitFigures.RLIMIT, rlimit);
        r.paragraph(String.format(Locale.ROOT, "The soft RLIMIT_NOFILE was %d and was raised to the hard limit %d.",
                softBefore, hard));
        warmUpErrorPath();
        List<Backend> backends = ExperimentContext.MULTIPLEXERS.stream().filter(ctx::wants).toList();
        int cap = ctx.quick ? QUICK_CAP : FULL_CAP;

        // 1. the sweeps
        List<Sweep> sweeps = new ArrayList<>();
        ctx.progress("fdlimit: registering fds until refused", (long) backends.size() * Math.min(rlimit, cap), step -> {
            long base = 0;
            for (Backend b : backends) {
                step.message(b.id());
                sweeps.add(sweep(b, rlimit, cap));
                base += Math.min(rlimit, cap);
                step.stepTo(base);
            }
        });
        reportSweeps(r, sweeps, rlimit);

        // 2. wide select vs poll vs epoll: low fd numbers vs high fd numbers (classic select cannot
        // watch fds numbered near the limit)
        List<Backend> timed = backends.stream().filter(b -> b != Backend.SELECT).toList();
        List<Timing> timings = new ArrayList<>();
        if (!timed.isEmpty()) {
            ctx.progress("fdlimit: timing await over low and high fd numbers", timed.size() * 2L,
                    step -> timeLowHigh(ctx, timed, Math.min(rlimit, cap), timings, step));
            reportTimings(r, timings);
        }
        return r;
    }

    private static void reportSweeps(ExperimentResult r, List<Sweep> sweeps, int rlimit) {
        Table t = r.table(new Table("Registering eventfds in rising fd order until refused (RLIMIT_NOFILE " + rlimit
                + ")", "backend", "fds registered", "highest fd", "stopped because", "time (ms)"));
        for (Sweep s : sweeps) {
            t.row(s.backend().id(), s.count(), s.maxFd(), s.stoppedBecause(), s.millis());
            r.figure(FdLimitFigures.count(s.backend()), s.count());
            r.figure(FdLimitFigures.maxFd(s.backend()), s.maxFd());
            r.figure(FdLimitFigures.stop(s.backend()), s.stop());
        }
        t.note(stopsMeasured(sweeps) + " Background: each multiplexer also holds its own wakeup eventfd (and epoll"
                + " its epoll fd), and the JVM had some fds open already, so the count is a little below the highest"
                + " fd + 1.");
        Sweep sel = find(sweeps, Backend.SELECT);
        if (sel != null) {
            r.summary("select (glibc fd_set) highest fd", sel.maxFd() + " (" + sel.stoppedBecause() + ")");
        }
        Sweep big = Stream.of(Backend.EPOLL, Backend.POLL, Backend.SELECT_WIDE).map(b -> find(sweeps, b))
                .filter(Objects::nonNull).findFirst().orElse(null);
        if (big != null) {
            r.summary(big.backend().id() + " fds registered", big.count() + " of limit " + rlimit + " ("
                    + big.stoppedBecause() + ")");
        }
        if (sel != null && sel.stop() == FdLimitFigures.STOP_FD_SETSIZE) {
            r.paragraph("Measured: classic select refused fd " + (sel.maxFd() + 1) + " with " + sel.count()
                    + " fds registered. Background: FD_SETSIZE limits the fd number, so a process with many fds open"
                    + " cannot select even one new fd once the numbers pass 1023.");
        }
    }

    private static void reportTimings(ExperimentResult r, List<Timing> timings) {
        Table t = r.table(new Table("One await (timeout 0, 1 of " + TIMED_FDS
                + " fds ready): low vs high fd numbers", "backend", "fds", "fd numbers", "ns/await", "high / low"));
        double low = Double.NaN;
        for (Timing tm : timings) {
            if (!tm.high()) {
                low = tm.nsPerAwait();
            }
            t.row(tm.backend().id(), tm.fds().length, tm.fds()[0] + ".." + tm.fds()[tm.fds().length - 1],
                    tm.nsPerAwait(), tm.high() ? Table.fmt(tm.nsPerAwait() / low) + "x" : "");
            r.figure(FdLimitFigures.awaitNs(tm.backend(), tm.high()), tm.nsPerAwait());
        }
        t.note("Median of several batches of awaits; the same " + TIMED_FDS + " fds per row pair, one of them an"
                + " eventfd with a non-zero counter (always readable). " + ratiosMeasured(timings) + " Background:"
                + " select passes bitmaps up to the highest fd to the kernel on every call, poll passes one pollfd"
                + " entry per watched fd and epoll passes none.");
        Timing wl = findTiming(timings, Backend.SELECT_WIDE, false);
        Timing wh = findTiming(timings, Backend.SELECT_WIDE, true);
        if (wl != null && wh != null) {
            r.summary("wide select, 10 fds near " + wl.fds()[0] + " vs near " + wh.fds()[0],
                    Table.fmt(wl.nsPerAwait()) + " vs " + Table.fmt(wh.nsPerAwait()) + " ns/await ("
                            + Table.fmt(wh.nsPerAwait() / wl.nsPerAwait()) + "x)");
        }
        Timing el = findTiming(timings, Backend.EPOLL, false);
        Timing eh = findTiming(timings, Backend.EPOLL, true);
        if (el != null && eh != null) {
            r.summary("epoll, same comparison", Table.fmt(el.nsPerAwait()) + " vs " + Table.fmt(eh.nsPerAwait())
                    + " ns/await");
        }
        if (wl != null && wh != null) {
            r.paragraph("Measured: wide select took " + Table.fmt(wl.nsPerAwait()) + " ns per await over fds "
                    + wl.fds()[0] + ".." + wl.fds()[TIMED_FDS - 1] + " and " + Table.fmt(wh.nsPerAwait())
                    + " ns over fds " + wh.fds()[0] + ".." + wh.fds()[TIMED_FDS - 1] + ": the same number of fds, "
                    + Table.fmt(wh.nsPerAwait() / wl.nsPerAwait()) + "x the time.");
        }
    }

    /** One sentence on why each backend's sweep stopped, grouped by reason, from the sweeps. */
    static String stopsMeasured(List<Sweep> sweeps) {
        Map<String, List<String>> byReason = new LinkedHashMap<>();
        for (Sweep s : sweeps) {
            String reason = switch (s.stop()) {
                case FdLimitFigures.STOP_FD_SETSIZE -> "at glibc's FD_SETSIZE (fd " + (s.maxFd() + 1) + " refused)";
                case FdLimitFigures.STOP_FD_LIMIT -> "at the fd limit (the next fd could not be opened)";
                case FdLimitFigures.STOP_CAP -> "at this mode's cap on registrations, before any limit";
                default -> "on another error (see the table)";
            };
            byReason.computeIfAbsent(reason, k -> new ArrayList<>()).add(s.backend().id() + " (highest fd "
                    + s.maxFd() + ")");
        }
        if (byReason.isEmpty()) {
            return "No backend was swept.";
        }
        List<String> parts = new ArrayList<>();
        byReason.forEach((reason, backends) -> parts.add(String.join(", ", backends) + " stopped " + reason));
        return "Measured: " + String.join("; ", parts) + ".";
    }

    /** One sentence with each backend's high/low ratio, from the timings. */
    static String ratiosMeasured(List<Timing> timings) {
        List<String> parts = new ArrayList<>();
        for (Timing hi : timings) {
            Timing lo = hi.high() ? findTiming(timings, hi.backend(), false) : null;
            if (lo != null) {
                parts.add(hi.backend().id() + " " + Table.fmt(hi.nsPerAwait() / lo.nsPerAwait()) + "x");
            }
        }
        return parts.isEmpty() ? "" : "Measured, high fd numbers over low: " + String.join(", ", parts)
                + " (1x: the cost does not follow the fd numbers).";
    }

    /**
     * Runs the error path once (NativeException, its message building, the errno-name lookup) so
     * that nothing has to load a class file while every fd is taken.
     */
    private static void warmUpErrorPath() {
        try {
            Fds.available(-1);
        } catch (NativeException e) {
            if (e.errnoName().isEmpty()) {
                throw new AssertionError(e);
            }
        }
    }

    /**
     * Opens eventfds one by one and registers each for READ until the backend refuses or opening
     * fails; closes everything it opened before returning.
     */
    static Sweep sweep(Backend backend, int rlimit, int cap) throws NativeException {
        int[] fds = new int[Math.max(16, Math.min(rlimit, cap) + 16)];
        int opened = 0;
        int count = 0;
        int maxFd = -1;
        int refusedFd = -1;
        NativeException openError = null;
        NativeException registerError = null;
        boolean capped = false;
        long t0 = System.nanoTime();
        Multiplexer m = Multiplexer.create(backend);
        try {
            while (true) {
                if (cap > 0 && count >= cap) {
                    capped = true;
                    break;
                }
                int fd;
                try {
                    fd = Fds.eventFd();
                } catch (NativeException ex) {
                    openError = ex; // at the limit: build nothing here, only after the fds are closed
                    break;
                }
                if (opened == fds.length) {
                    fds = Arrays.copyOf(fds, fds.length * 2);
                }
                fds[opened++] = fd;
                try {
                    m.register(fd, Events.READ);
                } catch (NativeException ex) {
                    registerError = ex;
                    refusedFd = fd;
                    break;
                }
                count++;
                if (fd > maxFd) {
                    maxFd = fd;
                }
            }
        } finally {
            m.close();
            for (int i = 0; i < opened; i++) {
                Fds.closeQuietly(fds[i]);
            }
        }
        double ms = (System.nanoTime() - t0) / 1e6;
        String why = capped ? "stopped: " + (cap == QUICK_CAP ? "quick-mode" : "full-mode") + " cap (" + cap + " fds)"
                : stopReason(registerError, refusedFd, openError, rlimit);
        return new Sweep(backend, count, maxFd, capped ? FdLimitFigures.STOP_CAP : stopCode(registerError, openError),
                why, ms);
    }

    /** The STOP_ code of a sweep that was not capped. */
    static int stopCode(NativeException registerError, NativeException openError) {
        if (registerError instanceof FdSetSizeException) {
            return FdLimitFigures.STOP_FD_SETSIZE;
        }
        if (registerError == null && openError != null && (openError.is(Errno.EMFILE) || openError.is(Errno.ENFILE))) {
            return FdLimitFigures.STOP_FD_LIMIT;
        }
        return FdLimitFigures.STOP_OTHER;
    }

    /** Why a sweep stopped: the backend refused an fd, or opening the next one failed. */
    private static String stopReason(NativeException registerError, int refusedFd, NativeException openError,
            int rlimit) {
        if (registerError instanceof FdSetSizeException) {
            return "FD_SETSIZE at fd " + refusedFd;
        }
        if (registerError != null) {
            return registerError.errnoName() + " registering fd " + refusedFd;
        }
        if (openError != null && openError.is(Errno.EMFILE)) {
            return "EMFILE at the rlimit (" + rlimit + ") opening the next fd";
        }
        if (openError != null && openError.is(Errno.ENFILE)) {
            return "ENFILE (the system-wide file limit) opening the next fd";
        }
        return openError != null ? openError.errnoName() + " opening the next fd" : "unknown";
    }

    private void timeLowHigh(ExperimentContext ctx, List<Backend> backends, int limit, List<Timing> out,
            ExperimentContext.Step step) throws NativeException {
        int[] high = new int[TIMED_FDS];
        int[] low = new int[TIMED_FDS];
        Arrays.fill(high, -1);
        Arrays.fill(low, -1);
        try {
            openHigh(high, limit);
            for (int i = 0; i < TIMED_FDS; i++) {
                low[i] = Fds.eventFd();
            }
            Arrays.sort(low);
            Fds.signalEventFd(low[0], 1); // one ready fd per set, level-triggered: stays ready
            Fds.signalEventFd(high[0], 1);
            int batches = ctx.quick ? 5 : 11;
            int iters = ctx.quick ? 2000 : 20000;
            int done = 0;
            for (Backend b : backends) {
                double[] ns = time(b, low, high, batches, iters);
                out.add(new Timing(b, false, low.clone(), ns[0]));
                out.add(new Timing(b, true, high.clone(), ns[1]));
                done += 2;
                step.stepTo(done);
            }
        } finally {
            for (int fd : high) {
                Fds.closeQuietly(fd);
            }
            for (int fd : low) {
                Fds.closeQuietly(fd);
            }
        }
    }

    /**
     * Fills {@code high} with eventfds numbered just below {@code limit} (the fd limit, or the sweep
     * cap): opens filler eventfds until the numbers get there, keeps the last few and closes the filler.
     */
    private static void openHigh(int[] high, int limit) throws NativeException {
        int target = limit - TIMED_FDS - 6; // a little headroom below the limit for the JVM
        int[] filler = new int[Math.max(16, limit)];
        int n = 0;
        try {
            int k = 0;
            while (k < high.length) {
                int fd = Fds.eventFd();
                if (fd >= target) {
                    high[k++] = fd;
                } else {
                    if (n == filler.length) {
                        filler = Arrays.copyOf(filler, n * 2);
                    }
                    filler[n++] = fd;
                }
            }
        } finally {
            for (int i = 0; i < n; i++) {
                Fds.closeQuietly(filler[i]);
            }
        }
        Arrays.sort(high);
    }

    /**
     * Median ns per await(timeout 0) for the low and the high set, batches of {@code iters}
     * interleaved (low, high, low, ...) so that drift in clock speed or load hits both alike.
     */
    private static double[] time(Backend backend, int[] low, int[] high, int batches, int iters)
            throws NativeException {
        try (Multiplexer ml = Multiplexer.create(backend); Multiplexer mh = Multiplexer.create(backend)) {
            Multiplexer[] ms = {ml, mh};
            int[][] sets = {low, high};
            ReadySet rs = new ReadySet(16);
            for (int k = 0; k < 2; k++) {
                for (int fd : sets[k]) {
                    ms[k].register(fd, Events.READ);
                }
                if (ms[k].await(rs, 0) != 1 || rs.indexOf(sets[k][0]) < 0) {
                    throw new IllegalStateException(backend + ": expected exactly fd " + sets[k][0] + " ready, got " + rs);
                }
                for (int i = 0; i < iters; i++) { // warm-up
                    ms[k].await(rs, 0);
                }
            }
            double[][] ns = new double[2][batches];
            for (int b = 0; b < batches; b++) {
                for (int k = 0; k < 2; k++) {
                    Multiplexer m = ms[k];
                    long t0 = System.nanoTime();
                    for (int i = 0; i < iters; i++) {
                        m.await(rs, 0);
                    }
                    ns[k][b] = (System.nanoTime() - t0) / (double) iters;
                }
            }
            Arrays.sort(ns[0]);
            Arrays.sort(ns[1]);
            return new double[] {ns[0][batches / 2], ns[1][batches / 2]};
        }
    }

    private static Sweep find(List<Sweep> list, Backend backend) {
        return list.stream().filter(s -> s.backend() == backend).findFirst().orElse(null);
    }

    private static Timing findTiming(List<Timing> list, Backend backend, boolean high) {
        return list.stream().filter(t -> t.backend() == backend && t.high() == high).findFirst().orElse(null);
    }
}
