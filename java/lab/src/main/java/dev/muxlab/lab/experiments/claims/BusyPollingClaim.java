package dev.muxlab.lab.experiments.claims;

import static dev.muxlab.lab.experiments.claims.Evidence.has;
import static dev.muxlab.lab.experiments.claims.Evidence.pct;

import java.util.EnumSet;
import java.util.Set;

import dev.muxlab.lab.experiments.models.ModelsExperiment;
import dev.muxlab.lab.experiments.models.ModelsFigures;
import dev.muxlab.lab.server.Model;
import dev.muxlab.lab.verdict.Figures;
import dev.muxlab.lab.verdict.Outcome;
import dev.muxlab.lab.verdict.Spread;
import dev.muxlab.lab.verdict.Spread.Order;
import dev.muxlab.lab.verdict.Verdict;

/**
 * "Non-blocking polling without a multiplexer wastes CPU": the busy-polling server's CPU with ten
 * idle connections against the epoll server's. Wasting means above {@value #WASTE}% of a core
 * while epoll stays under {@value #QUIET}%; under {@value #FRUGAL}% the claim does not hold.
 */
final class BusyPollingClaim extends TutorialClaim {
    static final double WASTE = 50;
    static final double QUIET = 5;
    static final double FRUGAL = 10;

    BusyPollingClaim() {
        super("non-blocking polling without a multiplexer wastes CPU",
                Sources.IO_MODELS + ", 4 non-blocking IO; " + Sources.EVENT_DRIVEN + ", 非阻塞IO",
                ModelsExperiment.NAME, EnumSet.of(Outcome.NOT_MEASURED, Outcome.HOLDS, Outcome.DOES_NOT_HOLD, Outcome.INCONCLUSIVE));
    }

    @Override
    public Judgement judge(Figures f) {
        Spread nb = f.get(ModelsFigures.idleCpuPct(Model.NONBLOCKING));
        Spread et = f.get(ModelsFigures.idleCpuPct(Model.EPOLL_ET));
        if (!has(nb)) {
            return Judgement.notMeasured("models did not measure the busy-polling server idle");
        }
        String ev = "idle with 10 connections open: nonblocking " + pct(nb) + " of a core"
                + (has(et) ? ", epoll-et " + pct(et) : "");
        if (nb.against(WASTE) == Order.ABOVE && (!has(et) || et.against(QUIET) == Order.BELOW)) {
            return new Judgement(ev, Verdict.of(Outcome.HOLDS, "the busy-polling loop burned " + pct(nb)
                    + " of a core with nothing to do" + (has(et) ? ", epoll " + pct(et) : "")));
        }
        if (nb.against(FRUGAL) == Order.BELOW) {
            return new Judgement(ev, Verdict.of(Outcome.DOES_NOT_HOLD, "the busy-polling server used " + pct(nb)
                    + " of a core idle"));
        }
        return new Judgement(ev, Verdict.of(Outcome.INCONCLUSIVE, "idle CPU between " + FRUGAL + "% and "
                + WASTE + "%, or epoll not quiet either"));
    }
}
