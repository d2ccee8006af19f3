package dev.muxlab.lab.verdict;

/**
 * A claim's verdict from one run: the outcome and a sentence that starts with its label and gives
 * the figures that decided it (e.g. "does not hold here: epoll-et reached 1.7x ...").
 */
public record Verdict(Outcome outcome, String text) {

    public Verdict {
        if (!text.startsWith(outcome.label())) {
            throw new IllegalArgumentException("verdict text must start with '" + outcome.label() + "': " + text);
        }
    }

    public static Verdict of(Outcome o, String detail) {
        return new Verdict(o, detail == null || detail.isEmpty() ? o.label() : o.label() + ": " + detail);
    }

    /** Only an unqualified {@link Outcome#HOLDS} counts as holding. */
    public boolean holds() {
        return outcome == Outcome.HOLDS;
    }

    @Override
    public String toString() {
        return text;
    }
}
