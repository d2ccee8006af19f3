package dev.muxlab.lab.experiments;

import java.util.List;

import dev.muxlab.lab.experiments.claims.ClaimsExperiment;
import dev.muxlab.lab.experiments.fdlimit.FdLimitExperiment;
import dev.muxlab.lab.experiments.models.ModelsExperiment;
import dev.muxlab.lab.experiments.scaling.ScalingExperiment;
import dev.muxlab.lab.experiments.trigger.TriggerExperiment;
import dev.muxlab.lab.report.Experiment;

/**
 * The experiments in the order {@code run} executes them ({@code claims} last: it reads the
 * others' figures). A new experiment is one more entry here.
 */
public final class Experiments {
    private Experiments() {
    }

    public static List<Experiment> all() {
        return List.of(new FdLimitExperiment(), new TriggerExperiment(), new ScalingExperiment(),
                new ModelsExperiment(), new ClaimsExperiment());
    }

    /** The experiment called {@code name}; IllegalArgumentException naming the allowed values otherwise. */
    public static Experiment byName(String name) {
        for (Experiment e : all()) {
            if (e.name().equals(name)) {
                return e;
            }
        }
        throw new IllegalArgumentException("unknown experiment '" + name + "' (allowed: "
                + String.join(", ", all().stream().map(Experiment::name).toList()) + ")");
    }
}
