package dev.muxlab.lab.experiments.claims;

import java.util.List;
import java.util.Locale;
import java.util.function.BiFunction;

import dev.muxlab.Backend;
import dev.muxlab.Trigger;
import dev.muxlab.lab.experiments.fdlimit.FdLimitExperiment;
import dev.muxlab.lab.experiments.fdlimit.FdLimitFigures;
import dev.muxlab.lab.experiments.models.ModelsExperiment;
import dev.muxlab.lab.experiments.models.ModelsFigures.CellFigure;
import dev.muxlab.lab.experiments.models.ModelsFigures;
import dev.muxlab.lab.experiments.scaling.ScalingExperiment;
import dev.muxlab.lab.experiments.scaling.ScalingFigures;
import dev.muxlab.lab.experiments.scaling.ScalingRow;
import dev.muxlab.lab.experiments.trigger.TriggerExperiment;
import dev.muxlab.lab.experiments.trigger.TriggerFigures;
import dev.muxlab.lab.report.Experiment;
import dev.muxlab.lab.report.ExperimentContext;
import dev.muxlab.lab.report.ExperimentResult;
import dev.muxlab.lab.report.Table;
import dev.muxlab.lab.server.Model;

/**
 * {@code claims}: the classic claims about IO models from the source tutorials, each tied to the
 * experiment that tests it and a verdict computed from the figures measured in this run. It
 * runs last and reads the other experiments' results from the context, by the figure names the
 * experiments publish; a claim whose experiment did not run is "not measured", never guessed.
 */
public final class ClaimsExperiment implements Experiment {
    public static final String NAME = "claims";
    /** How many claims had their figures, and how many of those hold as stated. */
    public static final String MEASURED = "claims.measured";
    public static final String HOLDS = "claims.holds";

    private static final ScalingRow POLL = ScalingRow.of(Backend.POLL);
    private static final ScalingRow SELECT_WIDE = ScalingRow.of(Backend.SELECT_WIDE);
    private static final ScalingRow EPOLL_LT = new ScalingRow(Backend.EPOLL, Trigger.LEVEL);

    /** The claims, in the order of the table: what, where from, tested by which experiment, and how. */
    static final List<Claim> CLAIMS = List.of(
            new Claim("select can watch at most 1024 fds",
                    "002_e69086838284e94e.txt, 003_940d2da3d2da543d.txt",
                    FdLimitExperiment.NAME, ClaimsExperiment::selectLimit),
            new Claim("select and poll cost grows linearly with the number of watched fds; epoll's does not",
                    "000_5ba3a0492be6f32a.txt, 001_5ffa3695455c5860.txt, 002_e69086838284e94e.txt",
                    ScalingExperiment.NAME, ClaimsExperiment::linearCost),
            new Claim("with few connections, a select/epoll server is not faster than threads with blocking IO,"
                    + " and may have higher latency",
                    "001_5ffa3695455c5860.txt",
                    ModelsExperiment.NAME, ClaimsExperiment::fewConnections),
            new Claim("a multiplexing server needs two syscalls to read where blocking IO needs one",
                    "001_5ffa3695455c5860.txt, 004_4a0eafb13a603784.txt",
                    ModelsExperiment.NAME, ClaimsExperiment::twoSyscalls),
            new Claim("non-blocking polling without a multiplexer wastes CPU",
                    "000_5ba3a0492be6f32a.txt, 004_4a0eafb13a603784.txt",
                    ModelsExperiment.NAME, ClaimsExperiment::busyPolling),
            new Claim("thread-per-connection does not scale to thousands of connections (memory, threads)",
                    "004_4a0eafb13a603784.txt",
                    ModelsExperiment.NAME, ClaimsExperiment::threadPerConnection),
            new Claim("ET reports changes, LT reports state; ET requires draining until EAGAIN",
                    "003_940d2da3d2da543d.txt",
                    TriggerExperiment.NAME, ClaimsExperiment::edgeVsLevel));

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public String title() {
        return "Claims about IO models, with verdicts measured on this machine";
    }

    @Override
    public String guide() {
        return "Each row is a claim the tutorials in shared/seeds make (the source column names the file in shared/seeds), the "
                + "experiment whose numbers test it, the numbers, and the verdict: holds, does not hold here, or "
                + "depends on ... . Verdicts are computed from this run's figures, so they can differ from machine to "
                + "machine; a claim whose experiment was skipped (for example by --backend) is 'not measured'.";
    }

    @Override
    public boolean readsOthers() {
        return true;
    }

    /**
     * A claim: what the tutorials say, the source files, the experiment whose figures test it,
     * and the test: the verdict from that experiment's figures.
     */
    record Claim(String text, String source, String experiment, BiFunction<Claim, Figures, Verdict> test) {
        Verdict evaluate(ExperimentContext ctx) {
            return test.apply(this, new Figures(ctx.done.get(experiment)));
        }

        Verdict notMeasured(String why) {
            return new Verdict(this, "-", "not measured (" + why + ")");
        }

        Verdict verdict(String evidence, String verdict) {
            return new Verdict(this, evidence, verdict);
        }
    }

    /** One evaluated claim: the figures that test it, and what they say. */
    record Verdict(Claim claim, String evidence, String verdict) {
        /** The verdict up to its first colon, for the console. */
        String headline() {
            int cut = verdict.indexOf(':');
            return cut > 0 ? verdict.substring(0, cut) : verdict;
        }
    }

    /** The figures of the claim's experiment in this run; NaN for every one if it did not run. */
    record Figures(ExperimentResult result) {
        double get(String key) {
            return result == null ? Double.NaN : result.get(key);
        }
    }

    @Override
    public ExperimentResult run(ExperimentContext ctx) {
        ExperimentResult r = new ExperimentResult(name(), title());
        List<Verdict> vs = CLAIMS.stream().map(c -> c.evaluate(ctx)).toList();
        Table t = r.table(new Table("Claims and verdicts", "claim", "source", "experiment", "measured here", "verdict"));
        Table brief = new Table("Claims", "claim", "verdict");
        int holds = 0;
        int measured = 0;
        for (Verdict v : vs) {
            t.row(v.claim().text(), v.claim().source(), v.claim().experiment(), v.evidence(), v.verdict());
            brief.row(v.claim().text(), v.headline());
            if (!v.verdict().startsWith("not measured")) {
                measured++;
            }
            if (v.verdict().startsWith("holds")) {
                holds++;
            }
        }
        r.console = brief;
        r.figure(MEASURED, measured).figure(HOLDS, holds);
        r.summary("claims measured", measured + " of " + vs.size());
        r.summary("claims that hold as stated", holds);
        return r;
    }

    private static boolean has(double... xs) {
        for (double x : xs) {
            if (Double.isNaN(x)) {
                return false;
            }
        }
        return true;
    }

    private static String f(double v) {
        return Table.fmt(v);
    }

    private static String pct(double v) {
        return String.format(Locale.ROOT, "%.0f%%", v);
    }

    static Verdict selectLimit(Claim c, Figures fig) {
        double max = fig.get(FdLimitFigures.maxFd(Backend.SELECT));
        double count = fig.get(FdLimitFigures.count(Backend.SELECT));
        double wide = fig.get(FdLimitFigures.maxFd(Backend.SELECT_WIDE));
        if (!has(max)) {
            return c.notMeasured("fdlimit did not run for select");
        }
        String ev = "glibc fd_set: highest fd " + f(max) + " (" + f(count) + " fds registered)"
                + (has(wide) ? "; wide select: highest fd " + f(wide) : "");
        if (max == 1023 && has(wide) && wide > 1023) {
            return c.verdict(ev, "holds for glibc's FD_SETSIZE (fd numbers 0..1023), not for the kernel: a"
                    + " caller-sized bitmap watched fd " + f(wide));
        }
        if (max == 1023) {
            return c.verdict(ev, "holds (fd numbers 0..1023; the limit is on fd numbers, not count)");
        }
        return c.verdict(ev, "does not hold here");
    }

    static Verdict linearCost(Claim c, Figures fig) {
        double poll = fig.get(ScalingFigures.slope(POLL, 1));
        double sel = fig.get(ScalingFigures.slope(SELECT_WIDE, 1));
        double ep = fig.get(ScalingFigures.slope(EPOLL_LT, 1));
        double ep100 = fig.get(ScalingFigures.slope(EPOLL_LT, 100));
        double cross = fig.get(ScalingFigures.crossover(1));
        if (!has(poll, ep)) {
            return c.notMeasured("scaling did not run for poll and epoll");
        }
        String ev = "log-log slope of cost vs N (1 = linear, 0 = flat), 1 active fd: poll " + f(poll)
                + (has(sel) ? ", wide select " + f(sel) : "") + ", epoll " + f(ep)
                + (has(ep100) ? "; epoll with 100 active: " + f(ep100) : "")
                + (has(cross) ? "; epoll is cheaper than poll from N = " + f(cross) : "");
        boolean linear = poll >= 0.6 && (!has(sel) || sel >= 0.6); // fixed per-iteration costs flatten small N
        boolean flat = ep <= 0.3;
        if (linear && flat) {
            return c.verdict(ev, "holds: select/poll grow ~linearly with watched fds, epoll stays flat (its cost"
                    + " follows the ready fds, not the watched ones)");
        }
        if (linear) {
            return c.verdict(ev, "holds for select/poll; epoll grew too (slope " + f(ep) + "), depends on what else"
                    + " grows with N here (cache misses, noise)");
        }
        return c.verdict(ev, "does not hold here as stated (slopes above)");
    }

    static Verdict fewConnections(Claim c, Figures fig) {
        double bt = fig.get(CellFigure.MSGS_PER_S.of(Model.BLOCKING, 10));
        double et = fig.get(CellFigure.MSGS_PER_S.of(Model.EPOLL_ET, 10));
        double bp = fig.get(CellFigure.P99_US.of(Model.BLOCKING, 10));
        double ep = fig.get(CellFigure.P99_US.of(Model.EPOLL_ET, 10));
        if (!has(bt, et)) {
            return c.notMeasured("models did not run blocking and epoll-et at 10");
        }
        String ev = "10 connections: blocking " + f(bt) + " msg/s, p99 " + f(bp) + " us; epoll-et " + f(et)
                + " msg/s, p99 " + f(ep) + " us";
        double ratio = et / bt;
        if (ratio <= 1.1) {
            return c.verdict(ev, "holds: epoll-et reaches " + f(ratio) + "x the blocking model's throughput"
                    + (has(bp, ep) && ep > bp ? ", with higher p99" : ""));
        }
        return c.verdict(ev, "does not hold here: epoll-et is " + f(ratio) + "x faster even at 10 connections");
    }

    static Verdict twoSyscalls(Claim c, Figures fig) {
        double b = fig.get(CellFigure.RW_CALLS_PER_MSG.of(Model.BLOCKING, 10));
        double e = fig.get(CellFigure.RW_CALLS_PER_MSG.of(Model.EPOLL_ET, 10));
        double l = fig.get(CellFigure.RW_CALLS_PER_MSG.of(Model.EPOLL_LT, 10));
        double sb = fig.get(ModelsFigures.syscallsPerMsg(Model.BLOCKING));
        double se = fig.get(ModelsFigures.syscallsPerMsg(Model.EPOLL_ET));
        double sl = fig.get(ModelsFigures.syscallsPerMsg(Model.EPOLL_LT));
        if (!has(b) || !(has(e) || has(l))) {
            return c.notMeasured("models did not run blocking and epoll at 10");
        }
        String ev = "read+write calls per echoed message (/proc/PID/io, 10 connections): blocking " + f(b)
                + (has(l) ? ", epoll-lt " + f(l) : "") + (has(e) ? ", epoll-et " + f(e) : "")
                + (has(sb, se) ? "; all syscalls per message (strace -c): blocking " + f(sb)
                        + (has(sl) ? ", epoll-lt " + f(sl) : "") + ", epoll-et " + f(se) : "");
        String etPart = has(e) && e >= b + 0.5
                ? "epoll-et does make one extra call per message (the read that returns EAGAIN, which ET requires)"
                : "epoll-et makes no extra read";
        return c.verdict(ev, "depends on load and trigger mode: one epoll_wait returns every ready fd, so its cost is"
                + " shared (a fraction of a call per message under load, a whole one for a single idle connection); "
                + etPart);
    }

    static Verdict busyPolling(Claim c, Figures fig) {
        double nb = fig.get(ModelsFigures.idleCpuPct(Model.NONBLOCKING));
        double et = fig.get(ModelsFigures.idleCpuPct(Model.EPOLL_ET));
        if (!has(nb)) {
            return c.notMeasured("models did not measure idle CPU");
        }
        String ev = "idle with 10 connections open: nonblocking " + pct(nb) + " of a core"
                + (has(et) ? ", epoll-et " + pct(et) : "");
        if (nb >= 50 && (!has(et) || et < 5)) {
            return c.verdict(ev, "holds: the busy-polling loop burns a core doing nothing");
        }
        return c.verdict(ev, "does not hold here as stated");
    }

    static Verdict threadPerConnection(Claim c, Figures fig) {
        double th = fig.get(CellFigure.THREADS.of(Model.BLOCKING, 10_000));
        double rss = fig.get(CellFigure.RSS_MB.of(Model.BLOCKING, 10_000));
        double ert = fig.get(CellFigure.THREADS.of(Model.EPOLL_ET, 10_000));
        double errs = fig.get(CellFigure.RSS_MB.of(Model.EPOLL_ET, 10_000));
        double bt = fig.get(CellFigure.MSGS_PER_S.of(Model.BLOCKING, 10_000));
        double et = fig.get(CellFigure.MSGS_PER_S.of(Model.EPOLL_ET, 10_000));
        if (!has(th, rss)) {
            return c.notMeasured("needs the full models run at 10,000 connections");
        }
        String ev = "10,000 connections: blocking " + f(th) + " threads, " + f(rss) + " MB RSS"
                + (has(bt) ? ", " + f(bt) + " msg/s" : "")
                + (has(ert, errs) ? "; epoll-et " + f(ert) + " threads, " + f(errs) + " MB" : "")
                + (has(et) ? ", " + f(et) + " msg/s" : "");
        boolean heavy = th >= 5000 && has(errs) && rss >= 2 * errs;
        if (heavy && has(bt, et) && bt < et) {
            return c.verdict(ev, "holds: one thread and its stack per connection costs " + f(rss / errs)
                    + "x the memory and serves less");
        }
        if (heavy) {
            return c.verdict(ev, "holds for memory and threads (" + f(rss / errs) + "x the RSS); throughput still"
                    + " kept up on this machine");
        }
        return c.verdict(ev, "depends: at this size the cost stayed moderate here");
    }

    static Verdict edgeVsLevel(Claim c, Figures fig) {
        double lt = fig.get(TriggerFigures.wakeups(Trigger.LEVEL));
        double et = fig.get(TriggerFigures.wakeups(Trigger.EDGE));
        double left = fig.get(TriggerFigures.ET_NODRAIN_BYTES_LEFT);
        double stalled = fig.get(TriggerFigures.STALLED);
        double fixed = fig.get(TriggerFigures.DRAIN_FIXED);
        if (!has(lt, et)) {
            return c.notMeasured("trigger did not run LT and ET");
        }
        String ev = "64 KiB read 1 KiB per wakeup: LT " + f(lt) + " wakeups; ET (draining) " + f(et) + " wakeups"
                + (has(left) ? "; ET without draining stalled with " + f(left) + " bytes queued" : "");
        if (lt > et && (!has(stalled) || stalled == 1) && (!has(fixed) || fixed == 1)) {
            return c.verdict(ev, "holds: LT re-reports a readable fd on every wait; ET reports each arrival once,"
                    + " and a reader that stops before EAGAIN waits forever");
        }
        return c.verdict(ev, "does not hold here as stated");
    }
}
