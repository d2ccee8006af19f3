package dev.muxlab.lab.experiments.claims;

import static dev.muxlab.lab.experiments.claims.Evidence.has;
import static dev.muxlab.lab.experiments.claims.Evidence.v;

import java.util.EnumSet;
import java.util.Set;

import dev.muxlab.Backend;
import dev.muxlab.Trigger;
import dev.muxlab.lab.experiments.scaling.ScalingExperiment;
import dev.muxlab.lab.experiments.scaling.ScalingFigures;
import dev.muxlab.lab.experiments.scaling.ScalingRow;
import dev.muxlab.lab.verdict.Figures;
import dev.muxlab.lab.verdict.Outcome;
import dev.muxlab.lab.verdict.Spread;
import dev.muxlab.lab.verdict.Spread.Order;
import dev.muxlab.lab.verdict.Verdict;

/**
 * "select and poll cost grows linearly with the watched fds; epoll's does not": decided by the
 * log-log slopes of scaling's dispatch cost against N with one active fd (1 linear, 0 flat).
 * Linear means a slope above {@value #LINEAR} (fixed per-call costs flatten small N), flat a slope
 * below {@value #FLAT}; every comparison is against the whole min-max range of the repeats.
 */
final class LinearCostClaim extends TutorialClaim {
    static final double LINEAR = 0.6;
    static final double FLAT = 0.3;

    private static final ScalingRow POLL = ScalingRow.of(Backend.POLL);
    private static final ScalingRow SELECT_WIDE = ScalingRow.of(Backend.SELECT_WIDE);
    private static final ScalingRow EPOLL_LT = new ScalingRow(Backend.EPOLL, Trigger.LEVEL);

    LinearCostClaim() {
        super("select and poll cost grows linearly with the number of watched fds; epoll's does not",
                Sources.IO_MODELS + ", select/poll/epoll compared; " + Sources.MULTIPLEXING,
                ScalingExperiment.NAME, EnumSet.allOf(Outcome.class));
    }

    @Override
    public Judgement judge(Figures f) {
        Spread poll = f.get(ScalingFigures.slope(POLL, 1));
        Spread wide = f.get(ScalingFigures.slope(SELECT_WIDE, 1));
        Spread ep = f.get(ScalingFigures.slope(EPOLL_LT, 1));
        if (!has(poll, ep)) {
            return Judgement.notMeasured("scaling did not run for poll and epoll");
        }
        String ev = "log-log slope of cost vs N with 1 active fd (1 = linear, 0 = flat): poll " + v(poll)
                + (has(wide) ? ", wide select " + v(wide) : "") + ", epoll " + v(ep);
        Order classic = poll.against(LINEAR);
        if (has(wide)) {
            Order w = wide.against(LINEAR);
            classic = classic == Order.BELOW || w == Order.BELOW ? Order.BELOW
                    : classic == Order.ABOVE && w == Order.ABOVE ? Order.ABOVE : Order.OVERLAP;
        }
        if (classic == Order.BELOW) {
            return new Judgement(ev, Verdict.of(Outcome.DOES_NOT_HOLD, "select/poll grew with a slope below "
                    + LINEAR + ": not linear here"));
        }
        Order epoll = ep.against(FLAT);
        if (classic == Order.ABOVE && epoll == Order.BELOW) {
            return new Judgement(ev, Verdict.of(Outcome.HOLDS, "select/poll grow about linearly with the watched"
                    + " fds, epoll stays flat (its cost follows the ready fds)"));
        }
        if (classic == Order.ABOVE && epoll == Order.ABOVE) {
            Order vsPoll = ep.compareTo(poll, 0.5);
            if (vsPoll == Order.BELOW) {
                return new Judgement(ev, Verdict.of(Outcome.DEPENDS, "on the scale: epoll's cost grew too (slope "
                        + v(ep) + "), but at less than half of poll's rate"));
            }
            if (vsPoll == Order.ABOVE) {
                return new Judgement(ev, Verdict.of(Outcome.DOES_NOT_HOLD, "epoll's cost grew with N at more than"
                        + " half of poll's rate (slope " + v(ep) + ")"));
            }
        }
        return new Judgement(ev, Verdict.of(Outcome.INCONCLUSIVE, "a slope's spread straddles its threshold ("
                + LINEAR + " linear, " + FLAT + " flat)"));
    }
}
