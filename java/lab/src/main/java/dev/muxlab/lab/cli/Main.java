package dev.muxlab.lab.cli;

import java.util.Map;

import dev.muxlab.lab.experiments.Experiments;
import dev.muxlab.lab.report.Experiment;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.ArgSpec;
import picocli.CommandLine.Model.OptionSpec;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.UnmatchedArgumentException;

/**
 * The {@code muxlab} command line. Exit codes: 0 success, 1 a run that failed (e.g. the load
 * generator saw corrupted bytes), 2 bad usage or bad input (with a one-line message naming the
 * problem and the allowed values), 3 an environment problem (e.g. a port already in use).
 */
@Command(name = "muxlab", mixinStandardHelpOptions = true, versionProvider = VersionProvider.class,
        description = "A Linux IO-multiplexing lab: raw-fd servers in every classic IO model,"
                + " a verifying load generator, and experiments on select, poll and epoll.",
        subcommands = {ServeCommand.class, LoadCommand.class, CompareCommand.class, CommandLine.HelpCommand.class})
public final class Main {
    public static final int EXIT_FAILED = 1;
    public static final int EXIT_USAGE = 2;
    public static final int EXIT_ENV = 3;

    /** Options renamed for clarity, by command: a user of the old name is told the new one. */
    private static final Map<String, Map<String, String>> RENAMED = Map.of(
            "serve", Map.of("--threads", "--pool-size"),
            "load", Map.of("--threads", "--loops"));

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
        cl.addSubcommand("run", spec("run", null,
                "Run every experiment (fdlimit, trigger, scaling, models) and the claims; write results/<time>/report.md"));
        for (Experiment e : Experiments.all()) {
            cl.addSubcommand(e.name(), spec(e.name(), e.name(), e.title()));
        }
        for (CommandLine sub : cl.getSubcommands().values()) {
            sub.getCommandSpec().versionProvider(new VersionProvider()); // -V answers the same everywhere
        }
        cl.setParameterExceptionHandler((ex, rest) -> {
            ex.getCommandLine().getErr().println("muxlab: " + usageError(ex));
            ex.getCommandLine().getErr().flush();
            return EXIT_USAGE;
        });
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

    /**
     * One line saying what was wrong with the command line: a bad value names its option and
     * the allowed values; an unknown option names its new name if it was renamed, and where the
     * help is.
     */
    static String usageError(ParameterException ex) {
        ArgSpec arg = ex.getArgSpec();
        if (ex.getCause() instanceof OptionValueException && arg instanceof OptionSpec) {
            return ((OptionValueException) ex.getCause()).forOption(((OptionSpec) arg).longestName());
        }
        String command = ex.getCommandLine().getCommandName();
        StringBuilder sb = new StringBuilder(oneLine(ex.getMessage()));
        if (ex instanceof UnmatchedArgumentException) {
            for (String unmatched : ((UnmatchedArgumentException) ex).getUnmatched()) {
                String now = RENAMED.getOrDefault(command, Map.of()).get(unmatched.split("=", 2)[0]);
                if (now != null) {
                    sb.append(" (renamed: ").append(unmatched).append(" is now ").append(now).append(')');
                }
            }
        }
        String path = ex.getCommandLine().getCommandSpec().qualifiedName(" ");
        return sb.append("; see ").append(path).append(" --help").toString();
    }

    private static String oneLine(String s) {
        return s == null ? "bad usage" : s.strip().replaceAll("\\s*\\R\\s*", " ");
    }
}
