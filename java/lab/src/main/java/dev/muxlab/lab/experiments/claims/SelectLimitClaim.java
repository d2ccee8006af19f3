package dev.muxlab.lab.experiments.claims;

import static dev.muxlab.lab.experiments.claims.Evidence.has;
import static dev.muxlab.lab.experiments.claims.Evidence.v;

import java.util.EnumSet;
import java.util.Set;

import dev.muxlab.Backend;
import dev.muxlab.lab.experiments.fdlimit.FdLimitExperiment;
import dev.muxlab.lab.experiments.fdlimit.FdLimitFigures;
import dev.muxlab.lab.verdict.Figures;
import dev.muxlab.lab.verdict.Outcome;
import dev.muxlab.lab.verdict.Spread;
import dev.muxlab.lab.verdict.Verdict;

/**
 * "select can watch at most 1024 fds": decided by why fdlimit's select sweep stopped (glibc's
 * FD_SETSIZE refusing the next fd, or the process's fd limit first) and how far the wide select,
 * with caller-sized bitmaps, got on the same kernel.
 */
final class SelectLimitClaim extends TutorialClaim {

    SelectLimitClaim() {
        super("select can watch at most 1024 fds",
                Sources.IO_MODELS + ", select/poll/epoll compared; " + Sources.ASYNC_IO + ", 一、事件驱动与异步IO",
                FdLimitExperiment.NAME, EnumSet.allOf(Outcome.class));
    }

    @Override
    public Judgement judge(Figures f) {
        Spread max = f.get(FdLimitFigures.maxFd(Backend.SELECT));
        Spread stop = f.get(FdLimitFigures.stop(Backend.SELECT));
        Spread wide = f.get(FdLimitFigures.maxFd(Backend.SELECT_WIDE));
        Spread rlimit = f.get(FdLimitFigures.RLIMIT);
        if (!has(max, stop)) {
            return Judgement.notMeasured("fdlimit did not run for select");
        }
        int highest = (int) max.median();
        int why = (int) stop.median();
        String ev = "glibc fd_set: highest fd " + highest + ", stopped by " + reason(why)
                + (has(wide) ? "; wide select: highest fd " + v(wide) : "")
                + (has(rlimit) ? "; RLIMIT_NOFILE " + v(rlimit) : "");
        if (why == FdLimitFigures.STOP_FD_SETSIZE) {
            if (highest != 1023) {
                return new Judgement(ev, Verdict.of(Outcome.DOES_NOT_HOLD, "select refused fd " + (highest + 1)
                        + ": FD_SETSIZE is " + (highest + 1) + " here, not 1024"));
            }
            if (has(wide) && wide.median() > 1023) {
                return new Judgement(ev, Verdict.of(Outcome.DEPENDS, "on the fd_set, not the kernel: glibc's refused"
                        + " fd 1024, a caller-sized bitmap watched fd " + v(wide) + " with the same select(2)"));
            }
            return new Judgement(ev, Verdict.of(Outcome.HOLDS, "glibc's fd_set refused fd 1024 (the limit is on fd"
                    + " numbers 0..1023, not on the count)"));
        }
        if (why == FdLimitFigures.STOP_FD_LIMIT && highest >= 1024) {
            return new Judgement(ev, Verdict.of(Outcome.DOES_NOT_HOLD, "select watched fd " + highest
                    + " and stopped only at the process's fd limit"));
        }
        return new Judgement(ev, Verdict.of(Outcome.INCONCLUSIVE, "the sweep stopped at fd " + highest + " by "
                + reason(why) + " before select's own limit could show"));
    }

    static String reason(int why) {
        switch (why) {
            case FdLimitFigures.STOP_FD_SETSIZE:
                return "FD_SETSIZE";
            case FdLimitFigures.STOP_FD_LIMIT:
                return "the fd limit (EMFILE)";
            case FdLimitFigures.STOP_CAP:
                return "the sweep's cap";
            default:
                return "another error";
        }
    }
}
