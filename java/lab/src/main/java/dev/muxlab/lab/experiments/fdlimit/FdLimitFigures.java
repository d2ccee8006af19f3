package dev.muxlab.lab.experiments.fdlimit;

import dev.muxlab.Backend;

/**
 * The names of the figures fdlimit publishes, for the experiment that writes them and the
 * claims that read them: a renamed figure is a compile error, not a silent "not measured".
 */
public final class FdLimitFigures {
    /** The soft RLIMIT_NOFILE after raising it to the hard limit. */
    public static final String RLIMIT = "fdlimit.rlimit";

    private FdLimitFigures() {
    }

    /** fds registered before the backend or the kernel refused. */
    public static String count(Backend b) {
        return "fdlimit." + b.id() + ".count";
    }

    /** The highest fd number registered. */
    public static String maxFd(Backend b) {
        return "fdlimit." + b.id() + ".max_fd";
    }

    /** ns per await (timeout 0) over fds numbered near 10, or ({@code high}) near the limit. */
    public static String awaitNs(Backend b, boolean high) {
        return "fdlimit." + b.id() + (high ? ".high_ns" : ".low_ns");
    }
}
