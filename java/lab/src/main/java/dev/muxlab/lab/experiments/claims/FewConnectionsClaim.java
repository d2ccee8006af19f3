package dev.muxlab.lab.experiments.claims;

import static dev.muxlab.lab.experiments.claims.Evidence.has;
import static dev.muxlab.lab.experiments.claims.Evidence.v;
import static dev.muxlab.lab.experiments.claims.Evidence.x;

import java.util.EnumSet;
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
 * "With few connections a select/epoll server is not faster than threads with blocking IO":
 * epoll-et against blocking at 10 connections. "Faster" means more than {@value #MARGIN}x the
 * blocking model's messages per second across every repeat; overlapping ranges are inconclusive.
 */
final class FewConnectionsClaim extends TutorialClaim {
    static final double MARGIN = 1.1;
    static final int FEW = 10;

    FewConnectionsClaim() {
        super("with few connections, a select/epoll server is not faster than threads with blocking IO,"
                + " and may have higher latency",
                Sources.MULTIPLEXING + ", point 1 (when select/epoll beats threads)",
                ModelsExperiment.NAME, EnumSet.of(Outcome.NOT_MEASURED, Outcome.HOLDS, Outcome.DOES_NOT_HOLD, Outcome.INCONCLUSIVE));
    }

    @Override
    public Judgement judge(Figures f) {
        Spread bt = f.get(CellFigure.MSGS_PER_S.of(Model.BLOCKING, FEW));
        Spread et = f.get(CellFigure.MSGS_PER_S.of(Model.EPOLL_ET, FEW));
        Spread bp = f.get(CellFigure.P99_US.of(Model.BLOCKING, FEW));
        Spread ep = f.get(CellFigure.P99_US.of(Model.EPOLL_ET, FEW));
        if (!has(bt, et) || bt.min() <= 0 || et.min() <= 0) {
            return Judgement.notMeasured("models did not serve blocking and epoll-et at " + FEW + " connections");
        }
        Spread ratio = et.over(bt);
        String ev = FEW + " connections: blocking " + v(bt) + " msg/s" + (has(bp) ? ", p99 " + v(bp) + " us" : "")
                + "; epoll-et " + v(et) + " msg/s" + (has(ep) ? ", p99 " + v(ep) + " us" : "")
                + "; epoll-et/blocking " + x(ratio);
        Order o = et.compareTo(bt, MARGIN);
        if (o == Order.ABOVE) {
            return new Judgement(ev, Verdict.of(Outcome.DOES_NOT_HOLD, "epoll-et served " + x(ratio)
                    + " the blocking model's messages even at " + FEW + " connections"));
        }
        if (et.max() < MARGIN * bt.min()) {
            String latency = has(bp, ep) && ep.compareTo(bp, 1.0) == Order.ABOVE ? ", with a higher p99" : "";
            return new Judgement(ev, Verdict.of(Outcome.HOLDS, "epoll-et reached " + x(ratio)
                    + " the blocking model's throughput" + latency));
        }
        return new Judgement(ev, Verdict.of(Outcome.INCONCLUSIVE, "the throughputs' ranges overlap within "
                + MARGIN + "x"));
    }
}
