package dev.muxlab.lab.experiments.claims;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

import dev.muxlab.lab.report.Experiment;
import dev.muxlab.lab.report.ExperimentContext;
import dev.muxlab.lab.report.ExperimentResult;
import dev.muxlab.lab.report.Table;

/**
 * {@code claims}: the classic claims about IO models from the source tutorials, each tied to the
 * experiment that tests it and a verdict computed from the figures measured in this run. It
 * runs last and reads the other experiments' results from the context; a claim whose
 * experiment did not run is "not measured", never guessed.
 */
public final class ClaimsExperiment implements Experiment {

    @Override
    public String name() {
        return "claims";
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

    /** One evaluated claim. */
    record Verdict(String claim, String source, String experiment, String evidence, String verdict) {
    }

    @Override
    public ExperimentResult run(ExperimentContext ctx) {
        ExperimentResult r = new ExperimentResult(name(), title());
        List<Verdict> vs = new ArrayList<>();
        vs.add(selectLimit(ctx));
        vs.add(linearCost(ctx));
        vs.add(fewConnections(ctx));
        vs.add(twoSyscalls(ctx));
        vs.add(busyPolling(ctx));
        vs.add(threadPerConnection(ctx));
        vs.add(edgeVsLevel(ctx));
        Table t = r.table(new Table("Claims and verdicts", "claim", "source", "experiment", "measured here", "verdict"));
        int holds = 0;
        int measured = 0;
        for (Verdict v : vs) {
            t.row(v.claim(), v.source(), v.experiment(), v.evidence(), v.verdict());
            if (!v.verdict().startsWith("not measured")) {
                measured++;
            }
            if (v.verdict().startsWith("holds")) {
                holds++;
            }
        }
        r.figure("claims.measured", measured).figure("claims.holds", holds);
        r.summary("claims measured", measured + " of " + vs.size());
        r.summary("claims that hold as stated", holds);
        return r;
    }

    private static double fig(ExperimentContext ctx, String experiment, String key) {
        ExperimentResult e = ctx.done.get(experiment);
        return e == null ? Double.NaN : e.get(key);
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

    Verdict selectLimit(ExperimentContext ctx) {
        String claim = "select can watch at most 1024 fds";
        String src = "002_e69086838284e94e.txt, 003_940d2da3d2da543d.txt";
        double max = fig(ctx, "fdlimit", "fdlimit.select.max_fd");
        double count = fig(ctx, "fdlimit", "fdlimit.select.count");
        double wide = fig(ctx, "fdlimit", "fdlimit.select-wide.max_fd");
        if (!has(max)) {
            return new Verdict(claim, src, "fdlimit", "-", "not measured (fdlimit did not run for select)");
        }
        String ev = "glibc fd_set: highest fd " + f(max) + " (" + f(count) + " fds registered)"
                + (has(wide) ? "; wide select: highest fd " + f(wide) : "");
        if (max == 1023 && has(wide) && wide > 1023) {
            return new Verdict(claim, src, "fdlimit", ev, "holds for glibc's FD_SETSIZE (fd numbers 0..1023), not for"
                    + " the kernel: a caller-sized bitmap watched fd " + f(wide));
        }
        if (max == 1023) {
            return new Verdict(claim, src, "fdlimit", ev, "holds (fd numbers 0..1023; the limit is on fd numbers, not count)");
        }
        return new Verdict(claim, src, "fdlimit", ev, "does not hold here");
    }

    Verdict linearCost(ExperimentContext ctx) {
        String claim = "select and poll cost grows linearly with the number of watched fds; epoll's does not";
        String src = "000_5ba3a0492be6f32a.txt, 001_5ffa3695455c5860.txt, 002_e69086838284e94e.txt";
        double poll = fig(ctx, "scaling", "scaling.poll.a1.slope");
        double sel = fig(ctx, "scaling", "scaling.select-wide.a1.slope");
        double ep = fig(ctx, "scaling", "scaling.epoll-lt.a1.slope");
        double ep100 = fig(ctx, "scaling", "scaling.epoll-lt.a100.slope");
        double cross = fig(ctx, "scaling", "scaling.crossover.a1");
        if (!has(poll, ep)) {
            return new Verdict(claim, src, "scaling", "-", "not measured (scaling did not run for poll and epoll)");
        }
        String ev = "log-log slope of cost vs N (1 = linear, 0 = flat), 1 active fd: poll " + f(poll)
                + (has(sel) ? ", wide select " + f(sel) : "") + ", epoll " + f(ep)
                + (has(ep100) ? "; epoll with 100 active: " + f(ep100) : "")
                + (has(cross) ? "; epoll is cheaper than poll from N = " + f(cross) : "");
        boolean linear = poll >= 0.6 && (!has(sel) || sel >= 0.6); // fixed per-iteration costs flatten small N
        boolean flat = ep <= 0.3;
        if (linear && flat) {
            return new Verdict(claim, src, "scaling", ev, "holds: select/poll grow ~linearly with watched fds, epoll stays"
                    + " flat (its cost follows the ready fds, not the watched ones)");
        }
        if (linear) {
            return new Verdict(claim, src, "scaling", ev, "holds for select/poll; epoll grew too (slope " + f(ep)
                    + "), depends on what else grows with N here (cache misses, noise)");
        }
        return new Verdict(claim, src, "scaling", ev, "does not hold here as stated (slopes above)");
    }

    Verdict fewConnections(ExperimentContext ctx) {
        String claim = "with few connections, a select/epoll server is not faster than threads with blocking IO,"
                + " and may have higher latency";
        String src = "001_5ffa3695455c5860.txt";
        double bt = fig(ctx, "models", "models.blocking.c10.msgs_per_s");
        double et = fig(ctx, "models", "models.epoll-et.c10.msgs_per_s");
        double bp = fig(ctx, "models", "models.blocking.c10.p99_us");
        double ep = fig(ctx, "models", "models.epoll-et.c10.p99_us");
        if (!has(bt, et)) {
            return new Verdict(claim, src, "models", "-", "not measured (models did not run blocking and epoll-et at 10)");
        }
        String ev = "10 connections: blocking " + f(bt) + " msg/s, p99 " + f(bp) + " us; epoll-et " + f(et)
                + " msg/s, p99 " + f(ep) + " us";
        double ratio = et / bt;
        if (ratio <= 1.1) {
            return new Verdict(claim, src, "models", ev, "holds: epoll-et reaches " + f(ratio)
                    + "x the blocking model's throughput" + (has(bp, ep) && ep > bp ? ", with higher p99" : ""));
        }
        return new Verdict(claim, src, "models", ev, "does not hold here: epoll-et is " + f(ratio)
                + "x faster even at 10 connections");
    }

    Verdict twoSyscalls(ExperimentContext ctx) {
        String claim = "a multiplexing server needs two syscalls to read where blocking IO needs one";
        String src = "001_5ffa3695455c5860.txt, 004_4a0eafb13a603784.txt";
        double b = fig(ctx, "models", "models.blocking.c10.rw_calls_per_msg");
        double e = fig(ctx, "models", "models.epoll-et.c10.rw_calls_per_msg");
        double l = fig(ctx, "models", "models.epoll-lt.c10.rw_calls_per_msg");
        double sb = fig(ctx, "models", "models.blocking.syscalls_per_msg");
        double se = fig(ctx, "models", "models.epoll-et.syscalls_per_msg");
        double sl = fig(ctx, "models", "models.epoll-lt.syscalls_per_msg");
        if (!has(b) || !(has(e) || has(l))) {
            return new Verdict(claim, src, "models", "-", "not measured (models did not run blocking and epoll at 10)");
        }
        String ev = "read+write calls per echoed message (/proc/PID/io, 10 connections): blocking " + f(b)
                + (has(l) ? ", epoll-lt " + f(l) : "") + (has(e) ? ", epoll-et " + f(e) : "")
                + (has(sb, se) ? "; all syscalls per message (strace -c): blocking " + f(sb)
                        + (has(sl) ? ", epoll-lt " + f(sl) : "") + ", epoll-et " + f(se) : "");
        String etPart = has(e) && e >= b + 0.5
                ? "epoll-et does make one extra call per message (the read that returns EAGAIN, which ET requires)"
                : "epoll-et makes no extra read";
        return new Verdict(claim, src, "models", ev, "depends on load and trigger mode: one epoll_wait returns every"
                + " ready fd, so its cost is shared (a fraction of a call per message under load, a whole one"
                + " for a single idle connection); " + etPart);
    }

    Verdict busyPolling(ExperimentContext ctx) {
        String claim = "non-blocking polling without a multiplexer wastes CPU";
        String src = "000_5ba3a0492be6f32a.txt, 004_4a0eafb13a603784.txt";
        double nb = fig(ctx, "models", "models.nonblocking.idle_cpu_pct");
        double et = fig(ctx, "models", "models.epoll-et.idle_cpu_pct");
        if (!has(nb)) {
            return new Verdict(claim, src, "models", "-", "not measured (models did not measure idle CPU)");
        }
        String ev = "idle with 10 connections open: nonblocking " + pct(nb) + " of a core"
                + (has(et) ? ", epoll-et " + pct(et) : "");
        if (nb >= 50 && (!has(et) || et < 5)) {
            return new Verdict(claim, src, "models", ev, "holds: the busy-polling loop burns a core doing nothing");
        }
        return new Verdict(claim, src, "models", ev, "does not hold here as stated");
    }

    Verdict threadPerConnection(ExperimentContext ctx) {
        String claim = "thread-per-connection does not scale to thousands of connections (memory, threads)";
        String src = "004_4a0eafb13a603784.txt";
        double th = fig(ctx, "models", "models.blocking.c10000.threads");
        double rss = fig(ctx, "models", "models.blocking.c10000.rss_mb");
        double ert = fig(ctx, "models", "models.epoll-et.c10000.threads");
        double errs = fig(ctx, "models", "models.epoll-et.c10000.rss_mb");
        double bt = fig(ctx, "models", "models.blocking.c10000.msgs_per_s");
        double et = fig(ctx, "models", "models.epoll-et.c10000.msgs_per_s");
        if (!has(th, rss)) {
            return new Verdict(claim, src, "models", "-", "not measured (needs the full models run at 10,000 connections)");
        }
        String ev = "10,000 connections: blocking " + f(th) + " threads, " + f(rss) + " MB RSS"
                + (has(bt) ? ", " + f(bt) + " msg/s" : "")
                + (has(ert, errs) ? "; epoll-et " + f(ert) + " threads, " + f(errs) + " MB" : "")
                + (has(et) ? ", " + f(et) + " msg/s" : "");
        boolean heavy = th >= 5000 && has(errs) && rss >= 2 * errs;
        if (heavy && has(bt, et) && bt < et) {
            return new Verdict(claim, src, "models", ev, "holds: one thread and its stack per connection costs "
                    + f(rss / errs) + "x the memory and serves less");
        }
        if (heavy) {
            return new Verdict(claim, src, "models", ev, "holds for memory and threads (" + f(rss / errs)
                    + "x the RSS); throughput still kept up on this machine");
        }
        return new Verdict(claim, src, "models", ev, "depends: at this size the cost stayed moderate here");
    }

    Verdict edgeVsLevel(ExperimentContext ctx) {
        String claim = "ET reports changes, LT reports state; ET requires draining until EAGAIN";
        String src = "003_940d2da3d2da543d.txt";
        double lt = fig(ctx, "trigger", "trigger.a.lt.wakeups");
        double et = fig(ctx, "trigger", "trigger.a.et.wakeups");
        double left = fig(ctx, "trigger", "trigger.a.et_nodrain.bytes_left");
        double stalled = fig(ctx, "trigger", "trigger.b.stalled");
        double fixed = fig(ctx, "trigger", "trigger.b.drain_fixed");
        if (!has(lt, et)) {
            return new Verdict(claim, src, "trigger", "-", "not measured (trigger did not run LT and ET)");
        }
        String ev = "64 KiB read 1 KiB per wakeup: LT " + f(lt) + " wakeups; ET (draining) " + f(et) + " wakeups"
                + (has(left) ? "; ET without draining stalled with " + f(left) + " bytes queued" : "");
        if (lt > et && (!has(stalled) || stalled == 1) && (!has(fixed) || fixed == 1)) {
            return new Verdict(claim, src, "trigger", ev, "holds: LT re-reports a readable fd on every wait; ET reports"
                    + " each arrival once, and a reader that stops before EAGAIN waits forever");
        }
        return new Verdict(claim, src, "trigger", ev, "does not hold here as stated");
    }
}
