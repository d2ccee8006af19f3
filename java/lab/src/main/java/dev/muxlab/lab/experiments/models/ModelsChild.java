package dev.muxlab.lab.experiments.models;

import java.io.File;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import dev.muxlab.lab.proc.ChildProcesses;
import dev.muxlab.lab.server.Model;

/**
 * A muxlab echo server in a child JVM ({@code muxlab serve}), so that its CPU time, threads and
 * memory can be read from {@code /proc/<pid>} without the load generator mixed in. The child
 * runs with the JVM's default options and this JVM's class path; {@link #close()} stops it with
 * SIGTERM (its shutdown hook closes the server and prints its counters), then SIGKILL after a
 * timeout. Every child (and helper such as strace) still running when this JVM exits is killed
 * by a shutdown hook, so an interrupted experiment leaves no process behind.
 */
final class ModelsChild implements AutoCloseable {
    private static final Pattern LISTENING = Pattern.compile("listening on ([0-9.]+):(\\d+)");

    final Model model;
    final Process process;
    final long pid;
    final int port;
    /** The child's stdout and stderr, redirected to temporary files (deleted by {@link #stop()}). */
    private final Path outFile;
    private final Path errFile;
    private String stats;
    private boolean stopped;

    private ModelsChild(Model model, Process process, int port, Path outFile, Path errFile) {
        this.model = model;
        this.process = process;
        this.pid = process.pid();
        this.port = port;
        this.outFile = outFile;
        this.errFile = errFile;
    }

    /**
     * Starts {@code muxlab serve --model M --proto echo --port 0} in a child JVM and waits (up to
     * {@code timeoutMillis}) for its "listening on" line. The child's output goes to files, not
     * pipes: a pipe read by a thread of this JVM can lose the last lines when the child exits
     * (the JDK closes the stream under the reader), and the last line holds the server's counters.
     */
    /** The arguments of the child's {@code muxlab} command line, for the model named {@code model}. */
    static List<String> serveArgs(String model) {
        return List.of("serve", "--model", model, "--proto", "echo", "--port", "0", "--quiet", "--idle-timeout", "0",
                "--max-connections", Integer.toString(ModelsExperiment.MAX_CONNECTIONS));
    }

    static ModelsChild start(Model model, long timeoutMillis) throws IOException {
        List<String> cmd = new ArrayList<>();
        cmd.add(ChildProcesses.javaExecutable());
        String lib = System.getProperty("muxlab.library.path");
        if (lib != null) {
            cmd.add("-Dmuxlab.library.path=" + lib);
        }
        cmd.add("-cp");
        cmd.add(System.getProperty("java.class.path"));
        cmd.add("dev.muxlab.lab.cli.Main");
        cmd.addAll(serveArgs(model.cliName()));
        Path out = Files.createTempFile("muxlab-serve-", ".out");
        Path err = Files.createTempFile("muxlab-serve-", ".err");
        ProcessBuilder pb = new ProcessBuilder(cmd);
        pb.redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")));
        pb.redirectOutput(out.toFile());
        pb.redirectError(err.toFile());
        Process p;
        try {
            p = pb.start();
        } catch (IOException e) {
            deleteQuietly(out);
            deleteQuietly(err);
            throw e;
        }
        ChildProcesses.track(p);
        try {
            long deadline = System.nanoTime() + timeoutMillis * 1_000_000L;
            while (true) {
                for (String line : lines(out)) {
                    Matcher m = LISTENING.matcher(line);
                    if (m.find()) {
                        return new ModelsChild(model, p, Integer.parseInt(m.group(2)), out, err);
                    }
                }
                if (!p.isAlive()) {
                    throw new IOException("muxlab serve --model " + model.cliName() + " exited with code "
                            + p.exitValue() + " before listening: " + tail(lines(err)));
                }
                if (System.nanoTime() > deadline) {
                    throw new IOException("muxlab serve --model " + model.cliName() + " did not print 'listening on'"
                            + " within " + timeoutMillis + " ms: " + tail(lines(err)));
                }
                Thread.sleep(20);
            }
        } catch (IOException | RuntimeException e) {
            ChildProcesses.kill(p, 2_000);
            deleteQuietly(out);
            deleteQuietly(err);
            throw e;
        } catch (InterruptedException e) {
            ChildProcesses.kill(p, 2_000);
            deleteQuietly(out);
            deleteQuietly(err);
            Thread.currentThread().interrupt();
            throw new InterruptedIOException("interrupted while starting the server");
        }
    }

    private static List<String> lines(Path file) {
        try {
            return Files.readAllLines(file, StandardCharsets.UTF_8);
        } catch (IOException e) {
            return List.of();
        }
    }

    private static void deleteQuietly(Path file) {
        try {
            Files.deleteIfExists(file);
        } catch (IOException e) {
            // a temporary file
        }
    }

    static String tail(List<String> lines) {
        if (lines.isEmpty()) {
            return "(no output)";
        }
        return String.join(" | ", lines.subList(Math.max(0, lines.size() - 3), lines.size()));
    }

    boolean alive() {
        return process.isAlive();
    }

    /** The child's stderr so far, last lines. */
    String errTail() {
        return stopped ? "(stopped)" : tail(lines(errFile));
    }

    /**
     * Stops the child (SIGTERM, SIGKILL after 10 s) and returns its counters from the "stopped:"
     * line, or null if it printed none.
     */
    String stop() {
        if (stopped) {
            return stats;
        }
        stopped = true;
        ChildProcesses.kill(process, 10_000);
        for (String l : lines(outFile)) {
            if (l.startsWith("stopped: ")) {
                stats = l.substring("stopped: ".length());
            }
        }
        deleteQuietly(outFile);
        deleteQuietly(errFile);
        return stats;
    }

    /** A counter from the "stopped:" line, e.g. {@code queued}; -1 if absent. */
    static long counter(String stats, String name) {
        if (stats == null) {
            return -1;
        }
        for (String kv : stats.split("\\s+")) {
            int eq = kv.indexOf('=');
            if (eq > 0 && kv.substring(0, eq).equals(name)) {
                try {
                    return Long.parseLong(kv.substring(eq + 1));
                } catch (NumberFormatException e) {
                    return -1;
                }
            }
        }
        return 0; // the line only lists non-zero counters
    }

    @Override
    public void close() {
        stop();
    }
}
