package dev.muxlab.lab.experiments.models;

import java.io.File;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import dev.muxlab.lab.Json;
import dev.muxlab.lab.proc.ChildProcesses;
import dev.muxlab.lab.server.Model;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * A muxlab echo server in a child JVM ({@code muxlab serve --format json}), so that its CPU time,
 * threads and memory can be read from {@code /proc/<pid>} without the load generator mixed in.
 * The child runs with the JVM's default options and this JVM's class path and prints JSON Lines:
 * a {@code listening} event once ready, and on exit a {@code stopped} event with every counter of
 * the server. {@link #close()} stops it with SIGTERM (its shutdown hook closes the server and
 * prints the counters), then SIGKILL after a timeout. A child still running when this JVM exits
 * is killed by {@link ChildProcesses}, so an interrupted experiment leaves no process behind.
 */
final class ModelsChild implements AutoCloseable {
    /** Counters of the {@code stopped} event that the report reads. */
    static final String QUEUED = "queued";
    static final String REJECTED_FD_SETSIZE = "rejected_fd_setsize";
    static final String ACCEPT_FD_LIMIT = "accept_fd_limit";

    final Model model;
    final Process process;
    final long pid;
    final int port;
    /** The child's stdout and stderr, redirected to temporary files (deleted by {@link #stop()}). */
    private final Path outFile;
    private final Path errFile;
    private Counters stats;
    private boolean stopped;

    /** The server's counters from its {@code stopped} event: every counter, zeros included. */
    record Counters(Map<String, Long> values) {
        /**
         * A counter by its name in the server's stats.
         *
         * @throws IllegalStateException if the server did not report it (no silent zero)
         */
        long get(String name) {
            Long v = values.get(name);
            if (v == null) {
                throw new IllegalStateException("the server's stopped event has no counter '" + name + "' (it has "
                        + values.keySet() + ")");
            }
            return v;
        }
    }

    private ModelsChild(Model model, Process process, int port, Path outFile, Path errFile) {
        this.model = model;
        this.process = process;
        this.pid = process.pid();
        this.port = port;
        this.outFile = outFile;
        this.errFile = errFile;
    }

    /** The arguments of the child's {@code muxlab} command line for a model, by its CLI name. */
    static List<String> serveArgs(String model) {
        return List.of("serve", "--model", model, "--proto", "echo", "--port", "0", "--quiet", "--idle-timeout", "0",
                "--max-connections", Integer.toString(ModelsExperiment.MAX_CONNECTIONS), "--format", "json");
    }

    /** The arguments for a model: the threadpool's size is given, so the report's worker count holds. */
    static List<String> serveArgs(Model model) {
        List<String> args = new ArrayList<>(serveArgs(model.cliName()));
        if (model == Model.THREADPOOL) {
            args.addAll(List.of("--pool-size", Integer.toString(ModelsExperiment.POOL_WORKERS)));
        }
        return args;
    }

    /**
     * Starts {@code muxlab serve} for the model in a child JVM and waits (up to
     * {@code timeoutMillis}) for its {@code listening} event. The child's output goes to files,
     * not pipes: a pipe read by a thread of this JVM can lose the last lines when the child exits
     * (the JDK closes the stream under the reader), and the last line holds the server's counters.
     */
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
        cmd.addAll(serveArgs(model));
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
                int port = listeningPort(completeLines(out));
                if (port >= 0) {
                    return new ModelsChild(model, p, port, out, err);
                }
                if (!p.isAlive()) {
                    throw new IOException("muxlab serve --model " + model.cliName() + " exited with code "
                            + p.exitValue() + " before listening: " + tail(lines(err)));
                }
                if (System.nanoTime() > deadline) {
                    throw new IOException("muxlab serve --model " + model.cliName() + " did not report listening"
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

    /**
     * The port of the {@code listening} event among the child's JSON lines, or -1 if it has not
     * come yet.
     *
     * @throws IOException if a line is not JSON (a serve without --format json), or the event has no port
     */
    static int listeningPort(List<String> lines) throws IOException {
        for (String line : lines) {
            JsonNode ev = event(line);
            if (ev.path("event").asText().equals("listening")) {
                JsonNode port = ev.path("port");
                if (!port.canConvertToInt() || !port.isIntegralNumber()) {
                    throw new IOException("muxlab serve reported listening without a port: " + line);
                }
                return port.intValue();
            }
        }
        return -1;
    }

    /**
     * The counters of the {@code stopped} event among the child's JSON lines, or null if there
     * is none (a child that was killed).
     *
     * @throws IOException if a line is not JSON, or a counter is not a whole number
     */
    static Counters stoppedCounters(List<String> lines) throws IOException {
        Counters found = null;
        for (String line : lines) {
            JsonNode ev = event(line);
            if (!ev.path("event").asText().equals("stopped")) {
                continue;
            }
            if (!ev.path("stats").isObject()) {
                throw new IOException("muxlab serve reported stopped without its stats: " + line);
            }
            Map<String, Long> values = new LinkedHashMap<>();
            for (Map.Entry<String, JsonNode> c : ev.path("stats").properties()) {
                if (!c.getValue().isIntegralNumber()) {
                    throw new IOException("muxlab serve reported counter '" + c.getKey() + "' as " + c.getValue()
                            + ", not a whole number: " + line);
                }
                values.put(c.getKey(), c.getValue().longValue());
            }
            found = new Counters(Map.copyOf(values));
        }
        return found;
    }

    /** One line of the child's JSON Lines output, as an object. */
    private static JsonNode event(String line) throws IOException {
        JsonNode ev;
        try {
            ev = Json.tree(line);
        } catch (IllegalArgumentException e) {
            ev = null;
        }
        if (ev == null || !ev.isObject()) {
            throw new IOException("muxlab serve printed a line that is not a JSON object (it must run with --format"
                    + " json): '" + (line.length() > 120 ? line.substring(0, 120) + "..." : line) + "'");
        }
        return ev;
    }

    /** The lines of a file that end in a newline (the last one may still be being written). */
    private static List<String> completeLines(Path file) {
        String text;
        try {
            text = Files.readString(file, StandardCharsets.UTF_8);
        } catch (IOException e) {
            return List.of();
        }
        int end = text.lastIndexOf('\n');
        return end < 0 ? List.of() : Arrays.stream(text.substring(0, end).split("\n"))
                .filter(l -> !l.isBlank()).toList();
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

    /** The first line (where a usage error says what was wrong) and the last two of some output. */
    static String tail(List<String> lines) {
        List<String> l = lines.stream().map(String::strip).filter(x -> !x.isEmpty()).toList();
        if (l.isEmpty()) {
            return "(no output)";
        }
        if (l.size() <= 3) {
            return String.join(" | ", l);
        }
        return l.get(0) + " | ... | " + String.join(" | ", l.subList(l.size() - 2, l.size()));
    }

    boolean alive() {
        return process.isAlive();
    }

    /** The child's stderr so far, last lines. */
    String errTail() {
        return stopped ? "(stopped)" : tail(lines(errFile));
    }

    /**
     * Stops the child (SIGTERM, SIGKILL after 10 s) and returns the counters of its
     * {@code stopped} event, or null if it printed none.
     *
     * @throws IllegalStateException if its output is not JSON Lines
     */
    Counters stop() {
        if (stopped) {
            return stats;
        }
        stopped = true;
        ChildProcesses.kill(process, 10_000);
        try {
            stats = stoppedCounters(completeLines(outFile));
        } catch (IOException e) {
            throw new IllegalStateException(e.getMessage(), e);
        } finally {
            deleteQuietly(outFile);
            deleteQuietly(errFile);
        }
        return stats;
    }

    @Override
    public void close() {
        stop();
    }
}
