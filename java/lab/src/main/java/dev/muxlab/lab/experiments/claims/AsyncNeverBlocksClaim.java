package dev.muxlab.lab.experiments.claims;

import static dev.muxlab.lab.experiments.claims.Evidence.has;
import static dev.muxlab.lab.experiments.claims.Evidence.v;

import java.util.ArrayList;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

import dev.muxlab.lab.experiments.models.ModelsExperiment;
import dev.muxlab.lab.experiments.models.ModelsFigures.CellFigure;
import dev.muxlab.lab.server.Model;
import dev.muxlab.lab.verdict.Figures;
import dev.muxlab.lab.verdict.Outcome;
import dev.muxlab.lab.verdict.Spread;
import dev.muxlab.lab.verdict.Spread.Order;
import dev.muxlab.lab.verdict.Verdict;

/**
 * "Asynchronous IO never blocks the caller": the kernel waits for the data and copies it, and the
 * process is only told when it is done. Asked of io_uring (the uring model) with the thread that
 * submits and reaps: how often its one loop thread blocked (voluntary context switches per echoed
 * message, counted by the kernel), with few ({@value #FEW}) and with many connections (the most of
 * {@link #MANY} measured), beside epoll-et's loop sleeping in epoll_wait; and whether the kernel ran
 * io-wq worker threads (iou-wrk) that block on the caller's behalf.
 * <p>
 * The loop blocked at a count when its sleeps per message are above {@value #BLOCKS} (once per 20
 * messages) beyond the spread, and never did when they are below {@value #NEVER}. Never blocking
 * at every count holds (with io-wq workers it depends: the kernel blocked for it); blocking at one
 * count and never blocking at none does not hold (one clear block refutes "never"); blocking with
 * few connections and not with many depends on load; otherwise a range between or straddling the
 * thresholds is inconclusive.
 */
final class AsyncNeverBlocksClaim extends TutorialClaim {
    static final double BLOCKS = 0.05;
    static final double NEVER = 0.01;
    static final int FEW = 10;
    static final List<Integer> MANY = List.of(10_000, 1_000, 100);

    AsyncNeverBlocksClaim() {
        super("asynchronous IO never blocks the caller (asked of io_uring)",
                Sources.IO_MODELS + ", 6 Asynchronous I/O; " + Sources.EVENT_DRIVEN + ", 4 (asynchronous IO: no"
                        + " blocking from start to end, but a busy kernel); " + Sources.MUX_AND_LOCAL
                        + ", 二 4 (Asynchronous I/O)",
                ModelsExperiment.NAME, EnumSet.allOf(Outcome.class));
    }

    @Override
    public Judgement judge(Figures f) {
        Map<Integer, Spread> sleeps = new LinkedHashMap<>();
        Spread few = f.get(CellFigure.LOOP_SLEEPS_PER_MSG.of(Model.URING, FEW));
        if (few != null) {
            sleeps.put(FEW, few);
        }
        for (int n : MANY) {
            Spread s = f.get(CellFigure.LOOP_SLEEPS_PER_MSG.of(Model.URING, n));
            if (s != null) {
                sleeps.put(n, s);
                break;
            }
        }
        if (sleeps.isEmpty()) {
            return Judgement.notMeasured("models did not measure the uring loop thread (io_uring unavailable, or"
                    + " filtered out)");
        }
        double workers = 0;
        List<String> ev = new ArrayList<>();
        List<String> blockedAt = new ArrayList<>();
        List<String> freeAt = new ArrayList<>();
        List<String> unclearAt = new ArrayList<>();
        for (Map.Entry<Integer, Spread> e : sleeps.entrySet()) {
            int n = e.getKey();
            Spread s = e.getValue();
            Spread et = f.get(CellFigure.LOOP_SLEEPS_PER_MSG.of(Model.EPOLL_ET, n));
            Spread w = f.get(CellFigure.IO_WORKERS_MAX.of(Model.URING, n));
            workers = has(w) ? Math.max(workers, w.max()) : workers;
            String at = String.format(Locale.ROOT, "%,d", n);
            ev.add(at + " connections: uring loop " + v(s) + " sleeps per message" + (has(et) ? ", epoll-et loop "
                    + v(et) : "") + (has(w) ? ", io_uring workers " + v(w) : ""));
            if (s.against(BLOCKS) == Order.ABOVE) {
                blockedAt.add(v(s) + " at " + at);
            } else if (s.against(NEVER) == Order.BELOW) {
                freeAt.add(v(s) + " at " + at);
            } else {
                unclearAt.add(v(s) + " at " + at);
            }
        }
        String evidence = String.join("; ", ev);
        if (!blockedAt.isEmpty() && freeAt.isEmpty()) {
            // one count where the loop clearly slept is enough to refute "never"
            return new Judgement(evidence, Verdict.of(Outcome.DOES_NOT_HOLD, "the loop thread slept in"
                    + " io_uring_enter waiting for completions (" + String.join(", ", blockedAt) + " per message),"
                    + " as a readiness loop sleeps in its wait; only the copy is off its path"
                    + (unclearAt.isEmpty() ? "" : " (" + String.join(", ", unclearAt) + " lies between " + NEVER
                            + " and " + BLOCKS + ")")));
        }
        if (!unclearAt.isEmpty()) {
            return new Judgement(evidence, Verdict.of(Outcome.INCONCLUSIVE, "the loop's sleeps per message ("
                    + String.join(", ", unclearAt) + ") lie between " + NEVER + " and " + BLOCKS
                    + ", or straddle one of them"));
        }
        if (blockedAt.isEmpty()) {
            if (workers > 0) {
                return new Judgement(evidence, Verdict.of(Outcome.DEPENDS, "on who waits: the loop thread hardly"
                        + " slept (" + String.join(", ", freeAt) + " per message), but the kernel ran up to "
                        + Math.round(workers) + " io-wq worker threads that blocked on its behalf"));
            }
            return new Judgement(evidence, Verdict.of(Outcome.HOLDS, "the loop thread hardly slept ("
                    + String.join(", ", freeAt) + " per message) and no io-wq worker blocked for it"));
        }
        return new Judgement(evidence, Verdict.of(Outcome.DEPENDS, "on load: the loop thread slept "
                + String.join(", ", blockedAt) + " per message, and hardly at all (" + String.join(", ", freeAt)
                + "), where completions were always waiting"));
    }
}
