package dev.muxlab.lab.experiments.claims;

import static dev.muxlab.lab.experiments.claims.Evidence.has;
import static dev.muxlab.lab.experiments.claims.Evidence.v;

import java.util.EnumSet;
import java.util.Set;

import dev.muxlab.Trigger;
import dev.muxlab.lab.experiments.trigger.TriggerExperiment;
import dev.muxlab.lab.experiments.trigger.TriggerFigures;
import dev.muxlab.lab.verdict.Figures;
import dev.muxlab.lab.verdict.Outcome;
import dev.muxlab.lab.verdict.Spread;
import dev.muxlab.lab.verdict.Verdict;

/**
 * "ET reports changes, LT reports state; ET requires draining until EAGAIN". The first half
 * compares two readers that both take 1 KiB per wakeup of a 64 KiB message, one LT and one ET;
 * the second half asks whether an ET reader that stops at a short read (and never makes the read
 * that returns EAGAIN) stalls.
 */
final class EdgeVsLevelClaim extends TutorialClaim {

    EdgeVsLevelClaim() {
        super("ET reports changes, LT reports state; ET requires draining until EAGAIN",
                Sources.EVENT_DRIVEN + ", 触发方式 (trigger modes)",
                TriggerExperiment.NAME, EnumSet.of(Outcome.NOT_MEASURED, Outcome.HOLDS, Outcome.DEPENDS, Outcome.DOES_NOT_HOLD));
    }

    @Override
    public Judgement judge(Figures f) {
        Spread lt = f.get(TriggerFigures.wakeups(Trigger.LEVEL));
        Spread et = f.get(TriggerFigures.ET_NODRAIN_WAKEUPS);
        Spread left = f.get(TriggerFigures.ET_NODRAIN_BYTES_LEFT);
        Spread shortStalled = f.get(TriggerFigures.ET_SHORTREAD_STALLED);
        Spread shortReads = f.get(TriggerFigures.ET_SHORTREAD_READS);
        Spread drainReads = f.get(TriggerFigures.reads(Trigger.EDGE));
        if (!has(lt, et, left, shortStalled)) {
            return Judgement.notMeasured("trigger did not run the LT, ET and short-read readers");
        }
        String ev = "64 KiB read 1 KiB per wakeup: LT " + v(lt) + " wakeups, ET " + v(et) + " wakeups with "
                + v(left) + " bytes left unread; ET reader stopping at a short read: "
                + (shortStalled.median() > 0 ? "stalled" : "did not stall")
                + (has(shortReads) ? " (" + v(shortReads) + " reads" + (has(drainReads) ? " vs " + v(drainReads)
                        + " reading until EAGAIN" : "") + ")" : "");
        boolean changes = lt.median() > et.median() && left.median() > 0;
        if (!changes) {
            return new Judgement(ev, Verdict.of(Outcome.DOES_NOT_HOLD, "ET reported the data left unread again, as"
                    + " LT does"));
        }
        if (shortStalled.median() > 0) {
            return new Judgement(ev, Verdict.of(Outcome.HOLDS, "LT re-reported the unread data on every wait, ET"
                    + " once; even a reader that stopped at a short read stalled: only EAGAIN proved the queue empty"));
        }
        return new Judgement(ev, Verdict.of(Outcome.DEPENDS, "on how the reader knows the queue is empty: LT"
                + " re-reported unread data and ET did not, but a reader that stopped at a short read (a stream"
                + " socket's queue is then empty) did not stall: EAGAIN is one proof, not the only one"));
    }
}
