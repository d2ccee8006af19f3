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

import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine;

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

    @Override
    public Integer call() throws Exception {
        Path out = opts.out != null ? opts.out : LabRunner.defaultOut();
        boolean bars = !opts.noProgress && System.console() != null;
        ExperimentContext ctx = new ExperimentContext(opts.quick, out, opts.backends(), opts.triggers(), System.out,
                bars);
        LabRunner.checkWritable(out);
        Fds.raiseOpenFileLimit();
        return new LabRunner(ctx, commandLine()).run(experiments(ctx));
    }

    /**
     * The named experiment, or the suite: every experiment the --backend filter applies to.
     * An experiment that reads the others' figures (claims) runs the suite before it.
     */
    private List<Experiment> experiments(ExperimentContext ctx) {
        boolean suite = only == null || Experiments.byName(only).readsOthers();
        List<Experiment> list = new ArrayList<>();
        for (Experiment e : Experiments.all()) {
            if (e.name().equals(only) || (suite && e.appliesTo(ctx.backends))) {
                list.add(e);
            }
        }
        return list;
    }

    /** The command as typed, for the report. */
    private String commandLine() {
        StringBuilder cmd = new StringBuilder("scripts/muxlab ").append(only == null ? "run" : only);
        if (opts.quick) {
            cmd.append(" --quick");
        }
        if (opts.backends != null) {
            cmd.append(" --backend ").append(ExperimentContext.ids(opts.backends));
        }
        if (opts.triggers != null) {
            cmd.append(" --trigger ").append(ExperimentContext.ids(opts.triggers));
        }
        if (opts.out != null) {
            cmd.append(" --out ").append(shown(opts.out));
        }
        return cmd.toString();
    }

    /**
     * A folder as the report may show it: a relative path as typed, an absolute one by its last
     * element only ("…/NAME"), so that no local path ends up in a report meant to be shared.
     */
    static String shown(Path out) {
        if (!out.isAbsolute()) {
            return out.toString();
        }
        Path name = out.getFileName();
        return name == null ? "/" : "\u2026/" + name;
    }
}
