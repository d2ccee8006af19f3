package dev.muxlab.lab.cli;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;

import dev.muxlab.Fds;
import dev.muxlab.lab.experiments.Experiments;
import dev.muxlab.lab.report.Experiment;
import dev.muxlab.lab.report.ExperimentContext;
import dev.muxlab.lab.report.LabRunner;
import dev.muxlab.lab.report.Selection;

import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;

/**
 * {@code muxlab run} (every experiment, then the claims) and one subcommand per experiment,
 * each writing the same kind of report into its output folder.
 */
@Command(mixinStandardHelpOptions = true)
public final class ExperimentCommand implements Callable<Integer> {
    @Mixin
    ExperimentOptions opts;

    /** null: every experiment (the run command). */
    private final String only;

    public ExperimentCommand(String only) {
        this.only = only;
    }

    /**
     * Whether a suite run includes this experiment under a --backend filter: trigger is about
     * epoll's trigger modes, and no server model uses the wide select. Run by name, they say so.
     */
    static boolean applies(String experiment, String backend) {
        if (backend == null) {
            return true;
        }
        if (experiment.equals("trigger")) {
            return backend.equals("epoll");
        }
        if (experiment.equals("models")) {
            return !backend.equals("select-wide");
        }
        return true;
    }

    @Override
    public Integer call() throws Exception {
        Selection.checkBackend(opts.backend);
        Selection.checkTrigger(opts.trigger);
        if (opts.trigger != null && opts.backend != null && !opts.backend.equals("epoll")) {
            throw new IllegalArgumentException("--trigger applies to the epoll backend only, not " + opts.backend);
        }
        Path out = opts.out != null ? opts.out : LabRunner.defaultOut();
        LabRunner.checkWritable(out);
        Fds.raiseOpenFileLimit();
        List<Experiment> list = new ArrayList<>();
        for (Experiment e : Experiments.all()) {
            // claims needs the others' figures: running it alone runs everything
            if (e.name().equals(only)) {
                list.add(e);
            } else if ((only == null || only.equals("claims")) && applies(e.name(), opts.backend)) {
                list.add(e);
            }
        }
        boolean bars = !opts.noProgress && System.console() != null;
        ExperimentContext ctx = new ExperimentContext(opts.quick, out, opts.backend, opts.trigger, System.out, bars);
        StringBuilder cmd = new StringBuilder("scripts/muxlab ").append(only == null ? "run" : only);
        if (opts.quick) {
            cmd.append(" --quick");
        }
        if (opts.backend != null) {
            cmd.append(" --backend ").append(opts.backend);
        }
        if (opts.trigger != null) {
            cmd.append(" --trigger ").append(opts.trigger);
        }
        if (opts.out != null) {
            cmd.append(" --out ").append(opts.out);
        }
        return new LabRunner(ctx, cmd.toString()).run(list);
    }
}
