package dev.muxlab.lab.verdict;

/**
 * What a claim's verdict can say. Only {@link #HOLDS} counts as holding: a qualified answer is
 * {@link #DEPENDS}, and a difference inside the measured spread is {@link #INCONCLUSIVE}.
 */
public enum Outcome {
    /** The run's figures support the claim as stated, beyond their spread. */
    HOLDS("holds"),
    /** The run's figures contradict the claim, beyond their spread. */
    DOES_NOT_HOLD("does not hold here"),
    /** True in one measured regime and false in another; the verdict gives the split. */
    DEPENDS("depends"),
    /** The difference that would decide is inside the spread of the repeated runs. */
    INCONCLUSIVE("inconclusive"),
    /** The experiment behind the claim did not run (or not for the cases it needs). */
    NOT_MEASURED("not measured");

    private final String label;

    Outcome(String label) {
        this.label = label;
    }

    /** The words that start the verdict text, e.g. "does not hold here". */
    public String label() {
        return label;
    }
}
