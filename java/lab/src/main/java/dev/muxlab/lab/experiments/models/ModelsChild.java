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
import java.util.concurrent.TimeUnit;

import dev.muxlab.lab.Json;
import dev.muxlab.lab.proc.PeriodicSampler;
import dev.muxlab.lab.proc.ChildProcesses;
import dev.muxlab.lab.server.Jdks;
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
    static final String AWAITS = "awaits";
    /** io_uring_enter calls of the uring model (0 for the others). */
    static final String ENTERS = "enters";
    static final String BYTES_OUT = "bytes_out";
    /** Real-time signal queue overflows of the sigio model (0 for the others). */
    static final String SIGNAL_OVERFLOWS = "signal_overflows";

    final Model model;
    final Process process;
    final long pid;
    final int port;
    /** The java executable the child runs on. */
    final String javaPath;
    /** What the child reported in its listening event: the java.version that runs it, and its native binding. */
    final String jdk;
    final String binding;
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

    private ModelsChild(Model model, Process process, String java, Listening ready, Path outFile, Path errFile) {
        this.model = model;
        this.process = process;
        this.pid = process.pid();
        this.javaPath = java;
        this.port = ready.port();
        this.jdk = ready.jdk();
        this.binding = ready.binding();
        this.outFile = outFile;
        this.errFile = errFile;
    }

    /** How often the child prints its counters (a "stats" line), for the per-window awaits. */
    static final String STATS_INTERVAL = "50ms";

    /** The arguments of the child's {@code muxlab} command line for a model, by its CLI name. */
    static List<String> serveArgs(String model) {
        return List.of("serve", "--model", model, "--proto", "echo", "--port", "0", "--quiet", "--idle-timeout", "0",
                "--max-connections", Integer.toString(ModelsExperiment.MAX_CONNECTIONS), "--format", "json",
                "--stats-interval", STATS_INTERVAL);
    }

    /** The arguments for a model: the threadpool's size is given, so the report's worker count holds. */
    static List<String> serveArgs(Model model) {
        List<String> args = new ArrayList<>(serveArgs(model.cliName()));
        if (model == Model.THREADPOOL) {
            args.addAll(List.of("--pool-size", Integer.toString(ModelsExperiment.POOL_WORKERS)));
        }
        return args;
    }

    /** The first feature release with virtual threads (the virtual model's server needs it). */
    static final int VIRTUAL_MIN_FEATURE = 21;

    /**
     * The java executable a model's server runs on: this JVM's, except for the virtual model when
     * this JVM is older than {@value #VIRTUAL_MIN_FEATURE}: then the newest JDK
     * {@value #VIRTUAL_MIN_FEATURE}+ under /usr/lib/jvm; null if there is none.
     */
    static String javaFor(Model model) {
        return javaFor(model, Runtime.version().feature(), ChildProcesses.javaExecutable(),
                Jdks.newest(VIRTUAL_MIN_FEATURE));
    }

    /** {@link #javaFor(Model)} for a JVM of this feature release and the newest JDK 21+ home found (or null). */
    static String javaFor(Model model, int feature, String ownJava, String newestHome) {
        if (model != Model.VIRTUAL || feature >= VIRTUAL_MIN_FEATURE) {
            return ownJava;
        }
        return newestHome == null ? null : Path.of(newestHome, "bin", "java").toString();
    }

    /** Why a model cannot run here (its cell's text), or null: the virtual model without a JDK 21+. */
    static String unavailable(Model model) {
        return javaFor(model) != null ? null : unavailable(Runtime.version().toString());
    }

    static String unavailable(String ownVersion) {
        return "n/a: needs JDK " + VIRTUAL_MIN_FEATURE + "+ (virtual threads); this JVM is " + ownVersion
                + " and no JDK " + VIRTUAL_MIN_FEATURE + "+ was found under /usr/lib/jvm (set JAVA_HOME to one)";
    }

    /**
     * Starts {@code muxlab serve} for the model in a child JVM and waits (up to
     * {@code timeoutMillis}) for its {@code listening} event. The child's output goes to files,
     * not pipes: a pipe read by a thread of this JVM can lose the last lines when the child exits
     * (the JDK closes the stream under the reader), and the last line holds the server's counters.
     */
    static ModelsChild start(Model model, long timeoutMillis) throws IOException {
        String java = javaFor(model);
        if (java == null) {
            throw new IOException(unavailable(Runtime.version().toString()));
        }
        List<String> cmd = new ArrayList<>();
        cmd.add(java);
        if (!java.equals(ChildProcesses.javaExecutable())) {
            // another JDK (21+): allow its native access as scripts/muxlab does, so it prints no warning lines
            Runtime.Version v = Jdks.version(Path.of(java).getParent().getParent());
            if (v != null && v.feature() >= 22) {
                cmd.add("--enable-native-access=ALL-UNNAMED");
            }
        }
        for (String prop : List.of("muxlab.library.path", "muxlab.binding", "muxlab.tmpdir")) {
            String v = System.getProperty(prop);
            if (v != null) {
                cmd.add("-D" + prop + "=" + v);
            }
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
                Listening ready = listening(completeLines(out));
                if (ready != null) {
                    return new ModelsChild(model, p, java, ready, out, err);
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

    /** The child's {@code listening} event: its port, JDK version and native binding ("?" if not reported). */
    record Listening(int port, String jdk, String binding) {
    }

    /**
     * The port of the {@code listening} event among the child's JSON lines, or -1 if it has not
     * come yet.
     *
     * @throws IOException if a line is not JSON (a serve without --format json), or the event has no port
     */
    static int listeningPort(List<String> lines) throws IOException {
        Listening l = listening(lines);
        return l == null ? -1 : l.port();
    }

    /**
     * The {@code listening} event among the child's JSON lines, or null if it has not come yet.
     *
     * @throws IOException if a line is not JSON (a serve without --format json), or the event has no port
     */
    static Listening listening(List<String> lines) throws IOException {
        for (String line : lines) {
            JsonNode ev = event(line);
            if (ev.path("event").asText().equals("listening")) {
                JsonNode port = ev.path("port");
                if (!port.canConvertToInt() || !port.isIntegralNumber()) {
                    throw new IOException("muxlab serve reported listening without a port: " + line);
                }
                return new Listening(port.intValue(), ev.path("jdk").asText("?"), ev.path("binding").asText("?"));
            }
        }
        return null;
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

    /** One "stats" line of the child: when this JVM read it, and the server's counters then. */
    record CounterSample(long nanos, Map<String, Long> stats, long heapUsed) {
        /** A counter, -1 if the server did not report it. */
        long get(String name) {
            Long v = stats.get(name);
            return v == null ? -1 : v;
        }

        /**
         * The server's waits for work: readiness waits (select, poll, epoll_wait, the selector's,
         * the busy loop's passes) plus, for the completion model, its io_uring_enter calls, which
         * submit and reap everything a loop iteration does (its reads and writes make no system
         * call of their own). -1 if the server reported neither.
         */
        long awaits() {
            long a = get(AWAITS);
            long e = get(ENTERS);
            return a < 0 && e < 0 ? -1 : Math.max(0, a) + Math.max(0, e);
        }

        long bytesOut() {
            return get(BYTES_OUT);
        }
    }

    /**
     * What the server counted between the first and the last of these samples (counters present
     * in both), or null with fewer than two.
     */
    static Counters delta(List<CounterSample> samples) {
        if (samples.size() < 2) {
            return null;
        }
        Map<String, Long> first = samples.get(0).stats();
        Map<String, Long> last = samples.get(samples.size() - 1).stats();
        Map<String, Long> d = new LinkedHashMap<>();
        last.forEach((k, v) -> {
            Long f = first.get(k);
            if (f != null) {
                d.put(k, v - f);
            }
        });
        return new Counters(Map.copyOf(d));
    }

    /** Starts collecting the child's "stats" lines (every {@value #STATS_INTERVAL}) as they are printed. */
    CounterSampler sampleCounters() {
        return new CounterSampler(outFile);
    }

    /**
     * Reads the lines the child appends to its output file every 10 ms on a daemon thread, and
     * keeps the counters of each "stats" line with the time it was read (at most 10 ms after it
     * was written, plus the file system's delay). The first sample is the last "stats" line printed
     * before the sampler started, the baseline of what the server counts from then on.
     */
    static final class CounterSampler extends PeriodicSampler<CounterSample> {
        private final Path file;
        private final StringBuilder partial = new StringBuilder();
        private long position;

        CounterSampler(Path file) {
            super("muxlab-serve-counters", 10);
            this.file = file;
            long now = System.nanoTime();
            byte[] bytes;
            try {
                bytes = Files.readAllBytes(file);
            } catch (IOException e) {
                bytes = new byte[0];
            }
            int end = bytes.length;
            while (end > 0 && bytes[end - 1] != '\n') {
                end--; // a line still being written is read whole by the first poll
            }
            this.position = end;
            CounterSample baseline = null;
            for (String line : new String(bytes, 0, end, StandardCharsets.UTF_8).split("\n")) {
                CounterSample c = parse(now, line);
                baseline = c != null ? c : baseline;
            }
            if (baseline != null) {
                add(baseline);
            }
            start();
        }

        @Override
        protected void poll() {
            long now = System.nanoTime();
            String text;
            try (java.io.RandomAccessFile f = new java.io.RandomAccessFile(file.toFile(), "r")) {
                long len = f.length();
                if (len <= position) {
                    return;
                }
                byte[] b = new byte[(int) Math.min(len - position, 1 << 20)];
                f.seek(position);
                f.readFully(b);
                position += b.length;
                text = new String(b, StandardCharsets.UTF_8);
            } catch (IOException e) {
                return;
            }
            partial.append(text);
            int nl;
            while ((nl = partial.indexOf("\n")) >= 0) {
                String line = partial.substring(0, nl);
                partial.delete(0, nl + 1);
                CounterSample s = parse(now, line);
                if (s != null) {
                    add(s);
                }
            }
        }
    }

    /** The counters of a "stats" line read at {@code nanos}; null for any other line. */
    static CounterSample parse(long nanos, String line) {
        JsonNode ev;
        try {
            ev = Json.tree(line);
        } catch (IllegalArgumentException e) {
            return null;
        }
        if (ev == null || !ev.path("event").asText().equals("stats")) {
            return null;
        }
        Map<String, Long> stats = new LinkedHashMap<>();
        for (Map.Entry<String, JsonNode> c : ev.path("stats").properties()) {
            if (c.getValue().isIntegralNumber()) {
                stats.put(c.getKey(), c.getValue().longValue());
            }
        }
        JsonNode heap = ev.path("heap_used");
        return new CounterSample(nanos, Map.copyOf(stats), heap.isIntegralNumber() ? heap.longValue() : -1);
    }

    /** A counter at {@code nanos}, interpolated linearly between the samples around it; NaN if unknown. */
    static double counterAt(List<CounterSample> samples, long nanos, java.util.function.ToLongFunction<CounterSample> f) {
        return PeriodicSampler.interpolate(samples, nanos, CounterSample::nanos, f);
    }

    /**
     * The child's live heap: {@code jcmd PID GC.run} (a full collection, with the jcmd of the JDK
     * the child runs on), then the {@code heap_used} of the first "stats" line the child prints
     * after it, in bytes: what survived the collection plus the little allocated in the 50 ms since.
     *
     * @throws IOException if there is no jcmd beside the child's java, it fails, or no stats line follows in time
     */
    long heapAfterGc(long timeoutMillis) throws IOException, InterruptedException {
        Path jcmd = Path.of(javaPath).resolveSibling("jcmd");
        if (!Files.isExecutable(jcmd)) {
            throw new IOException("no jcmd beside " + Path.of(javaPath).getParent().getParent().getFileName()
                    + "/bin/java (a JRE without the JDK tools)");
        }
        Path log = Files.createTempFile("muxlab-jcmd-", ".log");
        try {
            Process p = new ProcessBuilder(jcmd.toString(), Long.toString(pid), "GC.run")
                    .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")))
                    .redirectErrorStream(true).redirectOutput(log.toFile()).start();
            ChildProcesses.track(p);
            if (!p.waitFor(timeoutMillis, TimeUnit.MILLISECONDS)) {
                ChildProcesses.kill(p, 2_000);
                throw new IOException("jcmd " + pid + " GC.run did not finish within " + timeoutMillis + " ms");
            }
            if (p.exitValue() != 0) {
                throw new IOException("jcmd " + pid + " GC.run exited with " + p.exitValue() + ": " + tail(lines(log)));
            }
        } finally {
            deleteQuietly(log);
        }
        long from = Files.size(outFile);
        long deadline = System.nanoTime() + timeoutMillis * 1_000_000L;
        while (System.nanoTime() < deadline) {
            byte[] all = Files.readAllBytes(outFile);
            if (all.length > from) {
                String text = new String(all, (int) from, all.length - (int) from, StandardCharsets.UTF_8);
                int end = text.lastIndexOf('\n');
                for (String line : end < 0 ? new String[0] : text.substring(0, end).split("\n")) {
                    CounterSample c = parse(0, line);
                    if (c != null && c.heapUsed() >= 0) {
                        return c.heapUsed();
                    }
                }
            }
            if (!alive()) {
                throw new IOException("the server exited: " + errTail());
            }
            Thread.sleep(10);
        }
        throw new IOException("no stats line with heap_used within " + timeoutMillis + " ms after GC.run");
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
