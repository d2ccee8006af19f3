package dev.muxlab.lab.experiments.claims;

import static dev.muxlab.lab.experiments.claims.Evidence.has;
import static dev.muxlab.lab.experiments.claims.Evidence.v;
import static dev.muxlab.lab.experiments.claims.Evidence.x;

import java.util.EnumSet;
import java.util.List;
import java.util.Locale;

import dev.muxlab.lab.experiments.models.ModelsExperiment;
import dev.muxlab.lab.experiments.models.ModelsFigures.CellFigure;
import dev.muxlab.lab.server.Model;
import dev.muxlab.lab.verdict.Figures;
import dev.muxlab.lab.verdict.Outcome;
import dev.muxlab.lab.verdict.Spread;
import dev.muxlab.lab.verdict.Spread.Order;
import dev.muxlab.lab.verdict.Verdict;

/**
 * "Signal-driven IO suits datagrams rather than busy TCP servers" (the tutorial leaves it out as
 * rarely used; the datagram/TCP split is Stevens's reason). This lab serves TCP only, so only the
 * TCP half is tested, and every verdict says so: sigio against epoll-et at the busiest count both
 * served (10,000, else 1,000 connections): throughput, data-path system calls per message and
 * real-time signal queue overflows. It holds when sigio served below {@value #SLOWER}x epoll-et's
 * throughput; it does not when it kept up, made at most {@value #COSTLIER}x the calls and never
 * overflowed; keeping up at a cost in calls or overflows is "depends"; a throughput ratio that
 * straddles {@value #SLOWER} is inconclusive.
 */
final class SignalDrivenClaim extends TutorialClaim {
    static final double SLOWER = 0.9;
    static final double COSTLIER = 1.25;
    static final int FEW = 10;
    static final List<Integer> BUSY = List.of(10_000, 1_000);
    static final String DATAGRAMS = "datagrams are not measured (this lab serves TCP only)";

    SignalDrivenClaim() {
        super("signal-driven IO suits datagrams rather than busy TCP servers",
                Sources.IO_MODELS + ", 2 IO models (Stevens' five models: signal driven IO is rarely used in"
                        + " practice, so it is left out); the datagram/TCP split is Stevens': UNIX Network"
                        + " Programming vol. 1, 25 Signal-Driven I/O",
                ModelsExperiment.NAME, EnumSet.allOf(Outcome.class));
    }

    @Override
    public Judgement judge(Figures f) {
        for (int n : BUSY) {
            Spread ms = f.get(CellFigure.MSGS_PER_S.of(Model.SIGIO, n));
            Spread me = f.get(CellFigure.MSGS_PER_S.of(Model.EPOLL_ET, n));
            if (has(ms, me) && ms.min() > 0 && me.min() > 0) {
                return judge(f, n, ms, me);
            }
        }
        return Judgement.notMeasured("models did not serve sigio and epoll-et at 1,000 or more connections; "
                + DATAGRAMS);
    }

    private Judgement judge(Figures f, int n, Spread ms, Spread me) {
        Spread cs = f.get(CellFigure.CALLS_PER_MSG.of(Model.SIGIO, n));
        Spread ce = f.get(CellFigure.CALLS_PER_MSG.of(Model.EPOLL_ET, n));
        Spread overflows = f.get(CellFigure.SIGNAL_OVERFLOWS.of(Model.SIGIO, n));
        Spread fewS = f.get(CellFigure.MSGS_PER_S.of(Model.SIGIO, FEW));
        Spread fewE = f.get(CellFigure.MSGS_PER_S.of(Model.EPOLL_ET, FEW));
        String at = String.format(Locale.ROOT, "%,d", n);
        String ev = at + " connections: sigio " + v(ms) + " msg/s" + (has(cs) ? ", " + v(cs) + " calls per msg" : "")
                + (has(overflows) ? ", " + v(overflows) + " signal queue overflows" : "") + "; epoll-et " + v(me)
                + " msg/s" + (has(ce) ? ", " + v(ce) + " calls per msg" : "")
                + (has(fewS, fewE) && fewS.min() > 0 && fewE.min() > 0 ? "; " + FEW + " connections: sigio "
                        + x(fewS.over(fewE)) + " epoll-et's msg/s" : "");
        Spread speed = ms.over(me);
        Order served = ms.compareTo(me, SLOWER);
        boolean overflowed = has(overflows) && overflows.max() > 0;
        boolean costlier = has(cs, ce) && cs.min() > 0 && ce.min() > 0 && cs.compareTo(ce, COSTLIER) == Order.ABOVE;
        String cost = (costlier ? x(cs.over(ce)) + " epoll-et's system calls per message" : "")
                + (costlier && overflowed ? " and " : "")
                + (overflowed ? "the signal queue overflowed (" + v(overflows) + " times, each a full scan)" : "");
        if (served == Order.BELOW) {
            return new Judgement(ev, Verdict.of(Outcome.HOLDS, "for a busy TCP server, the half this lab can test:"
                    + " at " + at + " connections sigio served " + x(speed) + " epoll-et's throughput"
                    + (cost.isEmpty() ? "" : ", and " + cost) + "; " + DATAGRAMS));
        }
        if (served == Order.OVERLAP) {
            return new Judgement(ev, Verdict.of(Outcome.INCONCLUSIVE, "sigio's throughput at " + at
                    + " connections, " + x(speed) + " epoll-et's, straddles " + SLOWER + "x; " + DATAGRAMS));
        }
        if (cost.isEmpty()) {
            return new Judgement(ev, Verdict.of(Outcome.DOES_NOT_HOLD, "a busy TCP server kept up on signals: at "
                    + at + " connections sigio served " + x(speed) + " epoll-et's throughput with no signal queue"
                    + " overflow and at most " + COSTLIER + "x its calls per message; " + DATAGRAMS));
        }
        return new Judgement(ev, Verdict.of(Outcome.DEPENDS, "on the resource: at " + at + " connections sigio kept"
                + " up (" + x(speed) + " epoll-et's throughput), but " + cost + "; " + DATAGRAMS));
    }
}
