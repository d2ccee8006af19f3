package dev.muxlab.lab.experiments;

import java.util.ArrayList;
import java.util.List;

/**
 * The experiments in the order {@code run} executes them ({@code claims} last: it reads the
 * others' figures). Loaded by class name so each experiment lives in its own file.
 */
public final class Experiments {
    private static final String[] CLASSES = {
        "FdLimitExperiment", "TriggerExperiment", "ScalingExperiment", "ModelsExperiment", "ClaimsExperiment"
    };

    private Experiments() {
    }

    public static List<Experiment> all() {
        List<Experiment> list = new ArrayList<>();
        for (String c : CLASSES) {
            try {
                Class<?> k = Class.forName(Experiments.class.getPackageName() + "." + c);
                list.add((Experiment) k.getDeclaredConstructor().newInstance());
            } catch (ClassNotFoundException e) {
                // not built in this version
            } catch (ReflectiveOperationException e) {
                throw new IllegalStateException("cannot create experiment " + c, e);
            }
        }
        return list;
    }

    public static Experiment byName(String name) {
        for (Experiment e : all()) {
            if (e.name().equals(name)) {
                return e;
            }
        }
        throw new IllegalArgumentException("unknown experiment '" + name + "'");
    }
}
