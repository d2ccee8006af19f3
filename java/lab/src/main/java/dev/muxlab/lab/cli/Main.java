package dev.muxlab.lab.cli;

import dev.muxlab.lab.experiments.Experiments;
import dev.muxlab.lab.report.Experiment;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/**
 * The {@code muxlab} command line. Exit codes: 0 success, 1 a run that failed (e.g. the load
 * generator saw corrupted bytes), 2 bad usage or bad input (with a one-line message naming the
 * problem and the allowed values), 3 an environment problem (e.g. a port already in use).
 */
@Command(name = "muxlab", mixinStandardHelpOptions = true, version = "muxlab 0.1.0",
        description = "A Linux IO-multiplexing lab: raw-fd servers in every classic IO model,"
                + " a verifying load generator, and experiments on select, poll and epoll.",
        subcommands = {ServeCommand.class, LoadCommand.class, CommandLine.HelpCommand.class})
public final class Main {
    public static final int EXIT_FAILED = 1;
    public static final int EXIT_USAGE = 2;
    public static final int EXIT_ENV = 3;

    public static void main(String[] args) {
        System.exit(run(args));
    }

    private static CommandLine spec(String name, String only, String description) {
        CommandLine c = new CommandLine(new ExperimentCommand(only));
        c.getCommandSpec().name(name);
        c.getCommandSpec().usageMessage().description(description);
        return c;
    }

    /** Runs the CLI and returns the exit code (for tests). */
    public static int run(String... args) {
        CommandLine cl = new CommandLine(new Main());
        cl.setParameterExceptionHandler(ExperimentCommand.oneLineErrors(cl.getParameterExceptionHandler()));
        cl.addSubcommand("run", spec("run", null,
                "Run every experiment (fdlimit, trigger, scaling, models) and the claims; write results/<time>/report.md"));
        for (Experiment e : Experiments.all()) {
            cl.addSubcommand(e.name(), spec(e.name(), e.name(), e.title()));
        }
        cl.setExecutionExceptionHandler((ex, cmd, parsed) -> {
            if (ex instanceof IllegalArgumentException) {
                cmd.getErr().println("muxlab: " + ex.getMessage());
                return EXIT_USAGE;
            }
            if (ex instanceof java.io.IOException || ex instanceof java.io.UncheckedIOException) {
                cmd.getErr().println("muxlab: " + ex.getMessage());
                return EXIT_ENV;
            }
            throw ex;
        });
        return cl.execute(args);
    }
}
