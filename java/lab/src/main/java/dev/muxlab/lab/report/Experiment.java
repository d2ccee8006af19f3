package dev.muxlab.lab.report;

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
}
