package dev.muxlab.lab.experiments.models;

import java.util.Locale;

import dev.muxlab.lab.server.Model;

/** The names of the figures models publishes, for the experiment that writes them and the claims that read them. */
public final class ModelsFigures {
    /** The 1-minute load average before and after the experiment. */
    public static final String LOADAVG_BEFORE = "models.loadavg_before";
    public static final String LOADAVG_AFTER = "models.loadavg_after";

    private ModelsFigures() {
    }

    /** A figure of one cell of the main table: one model at one connection count. */
    public enum CellFigure {
        /** Echoed messages per second. */
        MSGS_PER_S,
        /** Latency percentiles in microseconds. */
        P50_US, P99_US,
        /** Server CPU seconds over the measured window. */
        CPU_S,
        /** Server threads at the end of the window, and the most seen in any sample. */
        THREADS, THREADS_MAX,
        /** Server resident memory in MiB at the end of the window. */
        RSS_MB,
        /** The server's read-type and write-type system calls per echoed message (/proc/PID/io). */
        RW_CALLS_PER_MSG,
        /**
         * The server's readiness waits (select/poll/epoll_wait/... calls) per echoed message, from its
         * own count; for uring its io_uring_enter calls, which also carry its reads and writes.
         */
        WAITS_PER_MSG,
        /** Read, write and readiness-wait calls per echoed message: the data path's system calls. */
        CALLS_PER_MSG,
        /**
         * Voluntary context switches of the event loop's thread per echoed message (/proc/PID/task/TID/status):
         * how often the one thread that serves every connection blocked, e.g. slept in epoll_wait or
         * io_uring_enter. Only for the models with one loop thread.
         */
        LOOP_SLEEPS_PER_MSG,
        /** uring: the most io_uring worker threads (iou-wrk-*, the kernel blocking on the caller's behalf) seen. */
        IO_WORKERS_MAX,
        /** sigio: times the real-time signal queue overflowed (each one a full readiness scan) in the window. */
        SIGNAL_OVERFLOWS,
        /** Connections established. */
        CONNECTED,
        /** Connections that got at least one reply. */
        ANSWERED,
        /** Connect errors, resets, mismatched bytes and other IO errors. */
        ERRORS,
        /** Bytes echoed back different from what was sent. */
        MISMATCHED_BYTES;

        /** "models.epoll-et.c10.msgs_per_s". */
        public String of(Model m, int connections) {
            return "models." + m.cliName() + ".c" + connections + "." + name().toLowerCase(Locale.ROOT);
        }
    }

    /** CPU in percent of one core with 10 idle connections open. */
    public static String idleCpuPct(Model m) {
        return "models." + m.cliName() + ".idle_cpu_pct";
    }

    /** The live heap (after a full GC) each idle connection added, in KiB. */
    public static String heapKbPerConnection(Model m) {
        return "models." + m.cliName() + ".heap_kb_per_connection";
    }

    /** The resident memory each idle connection added, in KiB. */
    public static String rssKbPerConnection(Model m) {
        return "models." + m.cliName() + ".rss_kb_per_connection";
    }

    /** The feature release of the JDK that ran the model's server (e.g. 17, 25). */
    public static String jdkFeature(Model m) {
        return "models." + m.cliName() + ".jdk_feature";
    }

    /** System calls per echoed message, counted with strace -f -c. */
    public static String syscallsPerMsg(Model m) {
        return "models." + m.cliName() + ".syscalls_per_msg";
    }

    /** The IO and readiness system calls among them. */
    public static String ioSyscallsPerMsg(Model m) {
        return "models." + m.cliName() + ".io_syscalls_per_msg";
    }
}
