package dev.muxlab.lab.report;

import java.util.Set;

import dev.muxlab.Backend;

/**
 * One lab experiment: measures something about select, poll or epoll on this machine and
 * returns tables, charts and findings for the report. Implementations are stateless; all
 * settings come through the {@link ExperimentContext}.
 */
public interface Experiment {
    /** CLI name, e.g. {@code "fdlimit"}. */
    String name();

    /** One-line title for the report. */
    String title();

    /** A short paragraph: what the experiment does and how to read its output. */
    String guide();

    /** Runs the experiment; bad settings throw IllegalArgumentException naming the allowed values. */
    ExperimentResult run(ExperimentContext ctx) throws Exception;

    /**
     * Whether a run of the whole suite under a --backend filter (empty: none) includes this
     * experiment. Run by name, an experiment that cannot use the filter says why.
     */
    default boolean appliesTo(Set<Backend> backends) {
        return true;
    }

    /**
     * Whether it reads the figures of the others: it runs after them (run by name, it runs them
     * all first), and the report shows its tables first.
     */
    default boolean readsOthers() {
        return false;
    }
}
