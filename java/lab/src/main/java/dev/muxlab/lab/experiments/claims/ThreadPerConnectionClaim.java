package dev.muxlab.lab.experiments.claims;

import static dev.muxlab.lab.experiments.claims.Evidence.has;
import static dev.muxlab.lab.experiments.claims.Evidence.v;
import static dev.muxlab.lab.experiments.claims.Evidence.x;

import java.util.EnumSet;
import java.util.List;
import java.util.Set;

import dev.muxlab.lab.experiments.models.ModelsExperiment;
import dev.muxlab.lab.experiments.models.ModelsFigures.CellFigure;
import dev.muxlab.lab.server.Model;
import dev.muxlab.lab.verdict.Figures;
import dev.muxlab.lab.verdict.Outcome;
import dev.muxlab.lab.verdict.Spread;
import dev.muxlab.lab.verdict.Spread.Order;
import dev.muxlab.lab.verdict.Verdict;

/**
 * "Thread-per-connection does not scale to thousands of connections": a thread-per-connection
 * model against epoll-et at the largest count both served (10,000, else 1,000). It holds when the
 * threads cost at least {@value #HEAVY}x the memory and serve less (below {@value #SLOWER}x the
 * throughput); it does not when memory stays under {@value #LIGHT}x and throughput keeps up; a
 * split between the two is "depends". The model is a parameter, so the same test judges platform
 * threads and virtual threads.
 */
final class ThreadPerConnectionClaim extends TutorialClaim {
    static final double HEAVY = 2.0;
    static final double LIGHT = 1.5;
    static final double SLOWER = 0.9;
    static final List<Integer> COUNTS = List.of(10_000, 1_000);

    private final Model model;

    ThreadPerConnectionClaim(Model model, String what) {
        super("thread-per-connection does not scale to thousands of connections (memory, threads)" + what,
                Sources.MUX_AND_LOCAL + ", 二 (IO multiplexing); " + Sources.MULTIPLEXING,
                ModelsExperiment.NAME, EnumSet.allOf(Outcome.class));
        this.model = model;
    }

    @Override
    public Judgement judge(Figures f) {
        for (int n : COUNTS) {
            Spread rss = f.get(CellFigure.RSS_MB.of(model, n));
            Spread ers = f.get(CellFigure.RSS_MB.of(Model.EPOLL_ET, n));
            Spread msg = f.get(CellFigure.MSGS_PER_S.of(model, n));
            Spread ems = f.get(CellFigure.MSGS_PER_S.of(Model.EPOLL_ET, n));
            if (has(rss, ers, msg, ems) && rss.min() > 0 && ers.min() > 0 && msg.min() > 0 && ems.min() > 0) {
                return judge(f, n, rss, ers, msg, ems);
            }
        }
        return Judgement.notMeasured("models did not serve " + model.cliName() + " and epoll-et at 1,000 or more"
                + " connections");
    }

    private Judgement judge(Figures f, int n, Spread rss, Spread ers, Spread msg, Spread ems) {
        Spread threads = f.get(CellFigure.THREADS.of(model, n));
        Spread ethreads = f.get(CellFigure.THREADS.of(Model.EPOLL_ET, n));
        Spread mem = rss.over(ers);
        Spread speed = msg.over(ems);
        String ev = String.format(java.util.Locale.ROOT, "%,d connections: %s ", n, model.cliName())
                + (has(threads) ? v(threads) + " threads, " : "") + v(rss) + " MB RSS, " + v(msg) + " msg/s; epoll-et "
                + (has(ethreads) ? v(ethreads) + " threads, " : "") + v(ers) + " MB, " + v(ems) + " msg/s";
        Order memory = mem.against(HEAVY) == Order.ABOVE ? Order.ABOVE
                : mem.against(LIGHT) == Order.BELOW ? Order.BELOW : Order.OVERLAP;
        Order served = msg.compareTo(ems, SLOWER);
        String m = x(mem) + " the memory";
        String s = x(speed) + " the throughput";
        if (memory == Order.ABOVE && served == Order.BELOW) {
            return new Judgement(ev, Verdict.of(Outcome.HOLDS, m + " of epoll-et and " + s));
        }
        if (memory == Order.ABOVE && served == Order.ABOVE) {
            return new Judgement(ev, Verdict.of(Outcome.DEPENDS, "on the resource: " + m + ", but " + s
                    + " (it kept up)"));
        }
        if (memory == Order.BELOW && served == Order.ABOVE) {
            return new Judgement(ev, Verdict.of(Outcome.DOES_NOT_HOLD, "only " + m + " and " + s + " of epoll-et"));
        }
        if (memory == Order.BELOW && served == Order.BELOW) {
            return new Judgement(ev, Verdict.of(Outcome.DEPENDS, "on the resource: memory stayed within " + m
                    + ", but it served " + s));
        }
        return new Judgement(ev, Verdict.of(Outcome.INCONCLUSIVE, m + ", " + s
                + ": a range straddles its threshold"));
    }
}
