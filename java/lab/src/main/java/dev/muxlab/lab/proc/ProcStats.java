package dev.muxlab.lab.proc;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.ToLongFunction;

/**
 * Readings of another process from {@code /proc/<pid>}: CPU time (user + system, all threads,
 * including threads that already exited) from {@code stat}, and the thread count and resident
 * set size from {@code status}. A {@link Sampler} records them every few milliseconds on a
 * background thread so that a measurement window known only afterwards (the load generator
 * reports how long connecting took) can be cut out of the record.
 */
public final class ProcStats {
    private static volatile long clkTck;

    private ProcStats() {
    }

    /**
     * One reading: when (System.nanoTime), CPU clock ticks so far, threads, VmRSS in kB, and the
     * read-type and write-type system calls so far ({@code syscr}, {@code syscw} of
     * /proc/PID/io: read, readv, pread and friends, and their write twins, whatever they
     * returned, EAGAIN included; -1 if unreadable); and, when the sampler watches them, the
     * voluntary context switches of the event loop's threads so far and the io_uring worker
     * threads alive ({@link ProcThreads}; -1 when not watched or unreadable).
     */
    public record Sample(long nanos, long cpuTicks, int threads, long rssKb, long syscr, long syscw, long loopSwitches,
            int ioWorkers) {
        /** This sample with the thread readings added. */
        Sample with(long loopSwitches, int ioWorkers) {
            return new Sample(nanos, cpuTicks, threads, rssKb, syscr, syscw, loopSwitches, ioWorkers);
        }
    }

    /** Clock ticks per second of the CPU times in /proc (from {@code getconf CLK_TCK}; 100 if that fails). */
    public static long clockTicksPerSecond() {
        long t = clkTck;
        if (t > 0) {
            return t;
        }
        t = 100;
        try {
            Process p = new ProcessBuilder("getconf", "CLK_TCK").redirectErrorStream(true).start();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.US_ASCII).trim();
            if (p.waitFor(5, TimeUnit.SECONDS) && p.exitValue() == 0) {
                long v = Long.parseLong(out);
                if (v > 0) {
                    t = v;
                }
            }
            p.destroyForcibly();
        } catch (IOException | NumberFormatException e) {
            // keep the usual 100 Hz
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        clkTck = t;
        return t;
    }

    /** Reads /proc/pid/stat and /proc/pid/status now. */
    public static Sample read(long pid) throws IOException {
        long now = System.nanoTime();
        String stat = Files.readString(Path.of("/proc", Long.toString(pid), "stat"), StandardCharsets.US_ASCII);
        String status = Files.readString(Path.of("/proc", Long.toString(pid), "status"), StandardCharsets.US_ASCII);
        long syscr = -1;
        long syscw = -1;
        try {
            String io = Files.readString(Path.of("/proc", Long.toString(pid), "io"), StandardCharsets.US_ASCII);
            syscr = statusNumber(io, "syscr");
            syscw = statusNumber(io, "syscw");
        } catch (IOException e) {
            // /proc/PID/io needs ptrace-read access; without it the counts stay unknown
        }
        return new Sample(now, cpuTicks(stat), (int) statusNumber(status, "Threads"), statusNumber(status, "VmRSS"),
                syscr, syscw, -1, -1);
    }

    /** CPU seconds (user + system) of the process so far. */
    public static double cpuSeconds(long pid) throws IOException {
        String stat = Files.readString(Path.of("/proc", Long.toString(pid), "stat"), StandardCharsets.US_ASCII);
        return (double) cpuTicks(stat) / clockTicksPerSecond();
    }

    /**
     * utime + stime from the text of /proc/pid/stat. The command name (field 2) is in parentheses
     * and may hold spaces, so fields are counted from the last ')': state is field 3, utime 14,
     * stime 15.
     */
    static long cpuTicks(String stat) {
        int close = stat.lastIndexOf(')');
        if (close < 0) {
            throw new IllegalArgumentException("not a /proc/pid/stat line: " + stat);
        }
        String[] f = stat.substring(close + 1).trim().split("\\s+");
        // f[0] is field 3 (state), so field n is f[n - 3]
        return Long.parseLong(f[14 - 3]) + Long.parseLong(f[15 - 3]);
    }

    /** The number in a "Name:\t value [kB]" line of /proc/pid/status; -1 if absent (e.g. VmRSS of a zombie). */
    static long statusNumber(String status, String name) {
        for (String line : status.split("\n")) {
            if (line.startsWith(name + ":")) {
                String[] f = line.substring(name.length() + 1).trim().split("\\s+");
                return Long.parseLong(f[0]);
            }
        }
        return -1;
    }

    /**
     * voluntary_ctxt_switches of the calling thread (/proc/thread-self/status): how many times
     * it blocked, e.g. slept in a wait. -1 if unknown.
     */
    public static long voluntarySwitches() {
        try {
            return statusNumber(Files.readString(Path.of("/proc/thread-self/status")), "voluntary_ctxt_switches");
        } catch (IOException | RuntimeException e) {
            return -1; // no /proc
        }
    }

    /**
     * Samples a process every {@code intervalMillis} on a daemon thread until closed; optionally
     * also the voluntary context switches of some of its threads (an event loop's) and how many
     * io_uring worker threads it has.
     */
    public static final class Sampler extends PeriodicSampler<Sample> {
        private final long pid;
        private final List<Long> loopThreads;
        private final boolean ioWorkers;
        private volatile IOException failure;

        public Sampler(long pid, long intervalMillis) {
            this(pid, intervalMillis, List.of(), false);
        }

        /**
         * @param loopThreads thread ids whose voluntary context switches each sample sums (none: -1)
         * @param ioWorkers whether each sample counts the process's {@code iou-wrk-*} threads
         */
        public Sampler(long pid, long intervalMillis, List<Long> loopThreads, boolean ioWorkers) {
            super("muxlab-procstats-" + pid, intervalMillis);
            this.pid = pid;
            this.loopThreads = List.copyOf(loopThreads);
            this.ioWorkers = ioWorkers;
            poll();
            start();
        }

        @Override
        protected void poll() {
            try {
                Sample s = read(pid);
                if (!loopThreads.isEmpty() || ioWorkers) {
                    s = s.with(loopThreads.isEmpty() ? -1 : ProcThreads.voluntarySwitches(pid, loopThreads),
                            ioWorkers ? ProcThreads.count(pid, ProcThreads.IO_WORKER_PREFIX) : -1);
                }
                add(s);
            } catch (IOException | RuntimeException e) {
                if (failure == null) {
                    failure = e instanceof IOException io ? io : new IOException(e.toString(), e);
                }
            }
        }

        /** The first error reading /proc, or null. */
        public IOException failure() {
            return failure;
        }
    }

    /** CPU ticks at time {@code nanos}, interpolated linearly between the samples around it. */
    public static double ticksAt(List<Sample> samples, long nanos) {
        return valueAt(samples, nanos, Sample::cpuTicks);
    }

    /** A counter at time {@code nanos}, interpolated linearly between the samples around it; NaN if unknown. */
    public static double valueAt(List<Sample> samples, long nanos, ToLongFunction<Sample> counter) {
        return PeriodicSampler.interpolate(samples, nanos, Sample::nanos, counter);
    }

    /** The system load averages (1, 5, 15 minutes) from /proc/loadavg, or null. */
    public static double[] loadAverage() {
        try {
            String[] f = Files.readString(Path.of("/proc/loadavg"), StandardCharsets.US_ASCII).trim().split("\\s+");
            return new double[] {Double.parseDouble(f[0]), Double.parseDouble(f[1]), Double.parseDouble(f[2])};
        } catch (IOException | RuntimeException e) {
            return null;
        }
    }

    /** The last sample taken at or before {@code nanos} (the first one if none), or null if there are none. */
    public static Sample lastAtOrBefore(List<Sample> samples, long nanos) {
        Sample best = null;
        for (Sample s : samples) {
            if (best == null || s.nanos() <= nanos) {
                best = s;
            }
        }
        return best;
    }
}
