package dev.muxlab.lab.verdict;

import java.util.Set;

/**
 * A classic statement about IO models, judged by a function of one run's figures. Every claim
 * names the outcomes its function can return ({@link #outcomes()}); the tests feed it synthetic
 * figures and fail if one of them is never reached, or another one appears, so no verdict is
 * decided before anything is measured.
 */
public interface Claim {

    /** The statement as the tutorials make it. */
    String statement();

    /** Where the tutorials make it: title and section, not a file name. */
    String source();

    /** The experiment whose figures decide it. */
    String experiment();

    /** Every outcome {@link #judge} can return ({@link Outcome#NOT_MEASURED} included). */
    Set<Outcome> outcomes();

    /** The verdict and the evidence for it, from this run's figures. */
    Judgement judge(Figures f);

    /** A verdict with the figures it rests on, as one line for the report. */
    record Judgement(String evidence, Verdict verdict) {
        public static Judgement notMeasured(String why) {
            return new Judgement("-", Verdict.of(Outcome.NOT_MEASURED, why));
        }
    }
}
