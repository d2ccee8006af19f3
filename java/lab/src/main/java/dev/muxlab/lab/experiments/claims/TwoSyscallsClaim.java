package dev.muxlab.lab.experiments.claims;

import static dev.muxlab.lab.experiments.claims.Evidence.has;
import static dev.muxlab.lab.experiments.claims.Evidence.v;

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
 * "A multiplexing server needs two system calls to read where blocking IO needs one": the data
 * path's calls per echoed message (reads and writes from /proc/PID/io, plus the server's own count
 * of its readiness waits) of epoll-lt against blocking, with one connection and with
 * {@value #LOADED}. One extra call is an excess of at least {@value #EXTRA}; under
 * {@value #NONE} there is none.
 */
final class TwoSyscallsClaim extends TutorialClaim {
    static final double EXTRA = 0.8;
    static final double NONE = 0.5;
    static final int LOADED = 100;

    TwoSyscallsClaim() {
        super("a multiplexing server needs two syscalls to read where blocking IO needs one",
                Sources.IO_MODELS + ", 5 IO multiplexing; " + Sources.MUX_AND_LOCAL + ", 二 (IO multiplexing)",
                ModelsExperiment.NAME, EnumSet.allOf(Outcome.class));
    }

    @Override
    public Judgement judge(Figures f) {
        Spread b1 = f.get(CellFigure.CALLS_PER_MSG.of(Model.BLOCKING, 1));
        Spread e1 = f.get(CellFigure.CALLS_PER_MSG.of(Model.EPOLL_LT, 1));
        Spread w1 = f.get(CellFigure.WAITS_PER_MSG.of(Model.EPOLL_LT, 1));
        Spread bn = f.get(CellFigure.CALLS_PER_MSG.of(Model.BLOCKING, LOADED));
        Spread en = f.get(CellFigure.CALLS_PER_MSG.of(Model.EPOLL_LT, LOADED));
        Spread wn = f.get(CellFigure.WAITS_PER_MSG.of(Model.EPOLL_LT, LOADED));
        if (!has(b1, e1)) {
            return Judgement.notMeasured("models did not run blocking and epoll-lt with one connection");
        }
        Spread extra1 = e1.minus(b1);
        Spread extraN = has(bn, en) ? en.minus(bn) : null;
        String ev = "system calls per echoed message (reads, writes and readiness waits), 1 connection: blocking "
                + v(b1) + ", epoll-lt " + v(e1) + (has(w1) ? " (" + v(w1) + " epoll_wait)" : "")
                + (has(extraN) ? "; " + LOADED + " connections: blocking " + v(bn) + ", epoll-lt " + v(en)
                        + (has(wn) ? " (" + v(wn) + " epoll_wait)" : "") : "");
        if (extra1.against(NONE) == Order.BELOW) {
            return new Judgement(ev, Verdict.of(Outcome.DOES_NOT_HOLD, "even with one connection the multiplexing"
                    + " server made only " + v(extra1) + " extra calls per message"));
        }
        if (extra1.against(EXTRA) != Order.ABOVE) {
            return new Judgement(ev, Verdict.of(Outcome.INCONCLUSIVE, "the extra calls per message with one"
                    + " connection, " + v(extra1) + ", straddle " + EXTRA));
        }
        if (!has(extraN)) {
            return new Judgement(ev, Verdict.of(Outcome.HOLDS, "one extra call per message (" + v(extra1)
                    + ", the wait) with one connection; " + LOADED + " connections not measured"));
        }
        if (extraN.against(NONE) == Order.BELOW) {
            return new Judgement(ev, Verdict.of(Outcome.DEPENDS, "on load: " + v(extra1) + " extra calls per message"
                    + " with one connection, " + v(extraN) + " with " + LOADED + ", where one wait returns many"
                    + " ready fds"));
        }
        if (extraN.against(EXTRA) == Order.ABOVE) {
            return new Judgement(ev, Verdict.of(Outcome.HOLDS, "about one extra call per message with one"
                    + " connection (" + v(extra1) + ") and with " + LOADED + " (" + v(extraN) + ")"));
        }
        return new Judgement(ev, Verdict.of(Outcome.INCONCLUSIVE, "the extra calls per message with " + LOADED
                + " connections, " + v(extraN) + ", lie between " + NONE + " and " + EXTRA));
    }
}
