package dev.muxlab.lab.experiments.scaling;

import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * The C reference of the scaling experiment, {@code muxlab-scaling_ref} (native/bench/scaling_ref.c):
 * where to find it, how to build it, and one run of it.
 * <p>
 * Lookup: the folder in the system property {@code muxlab.ref.dir}, then
 * {@code build/ref/muxlab-scaling_ref} under the repository root (the first folder above the
 * current one holding CMakeLists.txt and native/bench). When that binary is missing or older than
 * its sources it is built there with CMake. Without a binary the experiment reports "n/a".
 */
final class ScalingRef {
    static final String BINARY = "muxlab-scaling_ref";
    static final String DIR_PROPERTY = "muxlab.ref.dir";

    /** One C measurement (medians over the runs). */
    record Result(double nsPerIter, double usPerRun, double nsPerEvent, double wallNsPerIter) {
    }

    private final Path binary;
    /** Why there is no binary, or what was done to get it (null when nothing to say). */
    final String note;

    private ScalingRef(Path binary, String note) {
        this.binary = binary;
        this.note = note;
    }

    boolean available() {
        return binary != null;
    }

    Path binary() {
        return binary;
    }

    /** Finds (and if needed builds) the binary; never throws. */
    static ScalingRef locate() {
        String dir = System.getProperty(DIR_PROPERTY);
        String propNote = null;
        if (dir != null && !dir.isBlank()) {
            Path p = Paths.get(dir).resolve(BINARY);
            if (Files.isExecutable(p)) {
                return new ScalingRef(p, null);
            }
            propNote = "the folder in -D" + DIR_PROPERTY + " holds no executable " + BINARY;
        }
        Path root = repoRoot(Paths.get("").toAbsolutePath());
        if (root == null) {
            return new ScalingRef(null, join(propNote, "C reference n/a: no " + BINARY + " (set -D" + DIR_PROPERTY
                    + "=DIR, or run from the muxlab source tree so that it can be built with CMake)"));
        }
        Path buildDir = root.resolve("build").resolve("ref");
        Path bin = buildDir.resolve(BINARY);
        boolean exists = Files.isExecutable(bin);
        if (exists && !stale(root, bin)) {
            return new ScalingRef(bin, propNote);
        }
        String err = build(root, buildDir);
        if (err == null && Files.isExecutable(bin)) {
            return new ScalingRef(bin, join(propNote, "built " + root.relativize(bin) + " with CMake"));
        }
        if (exists) {
            return new ScalingRef(bin, join(propNote, "could not rebuild " + root.relativize(bin) + " (" + err
                    + "); used the existing, older binary"));
        }
        return new ScalingRef(null, join(propNote, "C reference n/a: could not build " + BINARY + " with CMake: "
                + err));
    }

    private static String join(String a, String b) {
        return a == null ? b : a + "; " + b;
    }

    /** The first folder at or above start that holds CMakeLists.txt and native/bench. */
    static Path repoRoot(Path start) {
        for (Path p = start; p != null; p = p.getParent()) {
            if (Files.isRegularFile(p.resolve("CMakeLists.txt")) && Files.isDirectory(p.resolve("native").resolve("bench"))) {
                return p;
            }
        }
        return null;
    }

    /** Whether a source the binary is made of is newer than it. */
    private static boolean stale(Path root, Path bin) {
        try {
            long built = Files.getLastModifiedTime(bin).toMillis();
            List<Path> sources = new ArrayList<>();
            sources.add(root.resolve("native/bench/scaling_ref.c"));
            sources.add(root.resolve("native/include/muxlab.h"));
            sources.add(root.resolve("CMakeLists.txt"));
            Path src = root.resolve("native/src");
            if (Files.isDirectory(src)) {
                try (Stream<Path> s = Files.list(src)) {
                    s.forEach(sources::add);
                }
            }
            for (Path p : sources) {
                if (Files.exists(p) && Files.getLastModifiedTime(p).toMillis() > built) {
                    return true;
                }
            }
            return false;
        } catch (IOException e) {
            return false;
        }
    }

    /** Configures (once) and builds the target; returns null on success or a one-line reason. */
    private static String build(Path root, Path buildDir) {
        try {
            Files.createDirectories(buildDir);
            Path log = buildDir.resolve("scaling-ref-build.log");
            if (!Files.exists(buildDir.resolve("CMakeCache.txt"))) {
                String err = exec(root, log, "cmake", "-S", root.toString(), "-B", buildDir.toString(),
                        "-DCMAKE_BUILD_TYPE=Release");
                if (err != null) {
                    return err;
                }
            }
            return exec(root, log, "cmake", "--build", buildDir.toString(), "--target", BINARY);
        } catch (IOException e) {
            return e.getMessage();
        }
    }

    private static String exec(Path dir, Path log, String... cmd) {
        try {
            Process p = new ProcessBuilder(cmd).directory(dir.toFile()).redirectErrorStream(true)
                    .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")))
                    .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile())).start();
            try {
                if (!p.waitFor(180, TimeUnit.SECONDS)) {
                    p.destroyForcibly().waitFor();
                    return cmd[0] + " " + cmd[1] + " timed out (log: " + dir.relativize(log) + ")";
                }
            } finally {
                closeStreams(p);
            }
            return p.exitValue() == 0 ? null : cmd[0] + " " + cmd[1] + " exited " + p.exitValue() + " (log: "
                    + dir.relativize(log) + ")";
        } catch (IOException e) {
            return "cannot run " + cmd[0] + ": " + e.getMessage();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return "interrupted";
        }
    }

    private static void closeStreams(Process p) {
        for (AutoCloseable c : new AutoCloseable[] {p.getInputStream(), p.getOutputStream(), p.getErrorStream()}) {
            try {
                c.close();
            } catch (Exception ignored) {
                // cleanup only
            }
        }
    }

    /**
     * Runs the reference for one cell: one warm-up run, then {@code runs} timed ones, with one idle
     * thread (the kernel's fd lookup costs what it costs in the multi-threaded JVM).
     *
     * @throws IOException with the program's own message when it fails
     */
    Result run(ScalingRow row, int n, int active, int writes, int runs) throws IOException {
        if (binary == null) {
            throw new IOException("no C reference");
        }
        List<String> cmd = List.of(binary.toString(), "-w", "1", "-r", String.valueOf(runs), "-T", "1",
                "-c", String.valueOf(ScalingBench.CAPACITY), row.id(), String.valueOf(n), String.valueOf(active),
                String.valueOf(writes));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true)
                .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null"))).start();
        String output;
        try {
            try (InputStream in = p.getInputStream()) {
                output = new String(in.readAllBytes(), StandardCharsets.UTF_8);
            }
            if (!p.waitFor(120, TimeUnit.SECONDS)) {
                p.destroyForcibly().waitFor();
                throw new IOException(BINARY + " timed out");
            }
        } catch (InterruptedException e) {
            p.destroyForcibly();
            Thread.currentThread().interrupt();
            throw new IOException("interrupted", e);
        } finally {
            closeStreams(p);
        }
        String line = output.lines().filter(l -> l.startsWith("backend=")).findFirst().orElse(null);
        if (p.exitValue() != 0 || line == null) {
            String msg = output.strip().replace('\n', ' ');
            throw new IOException(BINARY + " exited " + p.exitValue() + (msg.isEmpty() ? "" : ": " + msg));
        }
        Map<String, String> kv = parse(line);
        try {
            return new Result(Double.parseDouble(kv.get("ns_per_iter")), Double.parseDouble(kv.get("us_per_run")),
                    Double.parseDouble(kv.get("ns_per_event")), Double.parseDouble(kv.get("wall_ns_per_iter")));
        } catch (RuntimeException e) {
            throw new IOException("cannot parse " + BINARY + " output: " + line);
        }
    }

    static Map<String, String> parse(String line) {
        Map<String, String> kv = new HashMap<>();
        for (String tok : line.trim().split("\\s+")) {
            int eq = tok.indexOf('=');
            if (eq > 0) {
                kv.put(tok.substring(0, eq), tok.substring(eq + 1));
            }
        }
        return kv;
    }
}
