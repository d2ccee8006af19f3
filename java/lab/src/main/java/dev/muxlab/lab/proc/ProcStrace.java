package dev.muxlab.lab.proc;

import java.io.File;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Counts the system calls of a running process with {@code strace -f -c -p PID}: attach (all
 * threads, and threads created while attached), let something run, detach with SIGTERM (strace
 * then detaches cleanly and writes its summary), and parse the summary table.
 */
public final class ProcStrace implements AutoCloseable {
    private final Process process;
    private final Path summary;
    private final Path log;
    private boolean detached;

    /** Per-syscall call counts, and their total. */
    public record Counts(Map<String, Long> calls, long total) {
    }

    private ProcStrace(Process process, Path summary, Path log) {
        this.process = process;
        this.summary = summary;
        this.log = log;
    }

    /** The strace executable on PATH, or null. */
    public static Path find() {
        String path = System.getenv("PATH");
        if (path == null) {
            return null;
        }
        for (String dir : path.split(File.pathSeparator)) {
            if (dir.isEmpty()) {
                continue;
            }
            Path p = Path.of(dir, "strace");
            if (Files.isRegularFile(p) && Files.isExecutable(p)) {
                return p;
            }
        }
        return null;
    }

    /**
     * Attaches strace to every thread of {@code pid} and returns once it reports being attached.
     *
     * @throws IOException with strace's own message if it cannot attach (e.g. ptrace not permitted)
     */
    public static ProcStrace attach(Path strace, long pid, long timeoutMillis) throws IOException {
        Path out = Files.createTempFile("muxlab-strace-", ".txt");
        Path log = Files.createTempFile("muxlab-strace-", ".log");
        ProcessBuilder pb = new ProcessBuilder(strace.toString(), "-f", "-c", "-o", out.toString(), "-p",
                Long.toString(pid));
        pb.redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")));
        pb.redirectOutput(ProcessBuilder.Redirect.DISCARD);
        pb.redirectError(log.toFile());
        Process p;
        try {
            p = pb.start();
        } catch (IOException e) {
            Files.deleteIfExists(out);
            Files.deleteIfExists(log);
            throw e;
        }
        ChildProcesses.track(p);
        ProcStrace s = new ProcStrace(p, out, log);
        try {
            long deadline = System.nanoTime() + timeoutMillis * 1_000_000L;
            while (!s.log().contains(" attached")) {
                if (!p.isAlive()) {
                    p.waitFor();
                    String why = s.errTail();
                    s.close();
                    throw new IOException("strace could not attach: " + why);
                }
                if (System.nanoTime() > deadline) {
                    String why = s.errTail();
                    s.close();
                    throw new IOException("strace did not attach within " + timeoutMillis + " ms: " + why);
                }
                Thread.sleep(10);
            }
        } catch (InterruptedException e) {
            s.close();
            Thread.currentThread().interrupt();
            throw new InterruptedIOException("interrupted while attaching strace");
        }
        return s;
    }

    private String log() {
        try {
            return Files.readString(log, StandardCharsets.UTF_8);
        } catch (IOException e) {
            return "";
        }
    }

    /** strace's last messages other than attach/detach notices. */
    private String errTail() {
        List<String> lines = log().lines().filter(l -> !l.contains(" attached") && !l.contains(" detached")).toList();
        return lines.isEmpty() ? "(no message)" : String.join(" | ", lines.subList(Math.max(0, lines.size() - 2),
                lines.size()));
    }

    /** Detaches (SIGTERM to strace) and returns the counts of its summary. */
    public Counts detach() throws IOException {
        detached = true;
        ChildProcesses.kill(process, 15_000);
        try {
            String text = Files.readString(summary, StandardCharsets.UTF_8);
            Counts c = parse(text);
            if (c.total() == 0) {
                throw new IOException("strace counted no system calls (exit " + (process.isAlive() ? "?" : process.exitValue())
                        + "): " + errTail());
            }
            return c;
        } finally {
            Files.deleteIfExists(summary);
            Files.deleteIfExists(log);
        }
    }

    /**
     * Parses the table {@code strace -c} writes: rows of "% time, seconds, usecs/call, calls,
     * [errors], syscall", between dashed lines, ending with a "total" row (ignored: the rows are
     * summed instead).
     */
    public static Counts parse(String text) {
        Map<String, Long> calls = new LinkedHashMap<>();
        long total = 0;
        for (String line : text.split("\n")) {
            String[] f = line.trim().split("\\s+");
            if (f.length < 5 || !Character.isDigit(f[0].charAt(0)) || f[f.length - 1].equals("total")) {
                continue;
            }
            try {
                Double.parseDouble(f[0]);
                long n = Long.parseLong(f[3]);
                calls.merge(f[f.length - 1], n, Long::sum);
                total += n;
            } catch (NumberFormatException e) {
                // not a row
            }
        }
        return new Counts(calls, total);
    }

    @Override
    public void close() throws IOException {
        if (!detached) {
            detached = true;
            ChildProcesses.kill(process, 15_000);
            Files.deleteIfExists(summary);
            Files.deleteIfExists(log);
        }
    }
}
