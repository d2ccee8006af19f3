package dev.muxlab.lab.experiments.claims;

import java.util.EnumSet;
import java.util.Set;

import dev.muxlab.lab.verdict.Claim;
import dev.muxlab.lab.verdict.Outcome;

/** A claim from the tutorials: its statement, where they make it, the experiment that tests it, its outcomes. */
abstract class TutorialClaim implements Claim {
    private final String statement;
    private final String source;
    private final String experiment;
    private final Set<Outcome> outcomes;

    TutorialClaim(String statement, String source, String experiment, Set<Outcome> outcomes) {
        this.statement = statement;
        this.source = source;
        this.experiment = experiment;
        this.outcomes = EnumSet.copyOf(outcomes);
    }

    @Override
    public final String statement() {
        return statement;
    }

    @Override
    public final String source() {
        return source;
    }

    @Override
    public final String experiment() {
        return experiment;
    }

    @Override
    public final Set<Outcome> outcomes() {
        return EnumSet.copyOf(outcomes);
    }
}
