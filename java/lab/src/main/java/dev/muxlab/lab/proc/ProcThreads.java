package dev.muxlab.lab.proc;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Threads of another process by name, from {@code /proc/<pid>/task/<tid>/comm} (the kernel's
 * 15-character thread name; the JVM sets it from the Java thread's name): which threads an event
 * loop runs on, how often they blocked ({@code voluntary_ctxt_switches} of each thread's
 * {@code status}: a sleep in a wait, a blocking read, a lock), and how many kernel io_uring worker
 * threads ({@code iou-wrk-*}, the io-wq threads that run a request which cannot complete without
 * blocking) the process has.
 */
public final class ProcThreads {
    /** The kernel's limit on a thread name (TASK_COMM_LEN - 1). */
    public static final int COMM_LENGTH = 15;
    /** The name prefix of io_uring's io-wq worker threads. */
    public static final String IO_WORKER_PREFIX = "iou-wrk-";

    private ProcThreads() {
    }

    /** A Java thread name as /proc shows it: its first {@value #COMM_LENGTH} characters. */
    public static String comm(String javaName) {
        return javaName.length() <= COMM_LENGTH ? javaName : javaName.substring(0, COMM_LENGTH);
    }

    /** The ids of the process's threads whose name starts with {@code prefix} (cut to the kernel's length). */
    public static List<Long> named(long pid, String prefix) throws IOException {
        String p = comm(prefix);
        List<Long> tids = new ArrayList<>();
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(Path.of("/proc", Long.toString(pid), "task"))) {
            for (Path task : ds) {
                String name;
                try {
                    name = Files.readString(task.resolve("comm"), StandardCharsets.UTF_8).strip();
                } catch (IOException e) {
                    continue; // the thread ended while listed
                }
                if (name.startsWith(p)) {
                    tids.add(Long.parseLong(task.getFileName().toString()));
                }
            }
        }
        return tids;
    }

    /** How many of the process's threads have a name starting with {@code prefix}; -1 if /proc cannot be read. */
    public static int count(long pid, String prefix) {
        try {
            return named(pid, prefix).size();
        } catch (IOException | RuntimeException e) {
            return -1;
        }
    }

    /**
     * voluntary_ctxt_switches summed over these threads of the process: how many times they gave
     * up the CPU to wait. -1 if one of them cannot be read (ended, or no /proc).
     */
    public static long voluntarySwitches(long pid, List<Long> tids) {
        long sum = 0;
        for (long tid : tids) {
            try {
                String status = Files.readString(Path.of("/proc", Long.toString(pid), "task", Long.toString(tid),
                        "status"), StandardCharsets.US_ASCII);
                long v = ProcStats.statusNumber(status, "voluntary_ctxt_switches");
                if (v < 0) {
                    return -1;
                }
                sum += v;
            } catch (IOException | RuntimeException e) {
                return -1;
            }
        }
        return sum;
    }
}
