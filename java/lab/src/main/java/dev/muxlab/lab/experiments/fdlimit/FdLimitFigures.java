package dev.muxlab.lab.experiments.fdlimit;

import dev.muxlab.Backend;

/**
 * The names of the figures fdlimit publishes, for the experiment that writes them and the
 * claims that read them: a renamed figure is a compile error, not a silent "not measured".
 */
public final class FdLimitFigures {
    /** The soft RLIMIT_NOFILE after raising it to the hard limit. */
    public static final String RLIMIT = "fdlimit.rlimit";

    /** Why a backend's sweep stopped ({@link #stop(Backend)}): select's FD_SETSIZE refused the next fd. */
    public static final int STOP_FD_SETSIZE = 1;
    /** ... the process ran out of fds (EMFILE/ENFILE at the rlimit). */
    public static final int STOP_FD_LIMIT = 2;
    /** ... the quick- or full-mode cap on registrations was reached first. */
    public static final int STOP_CAP = 3;
    /** ... any other error (named in the table). */
    public static final int STOP_OTHER = 4;

    private FdLimitFigures() {
    }

    /** Why the sweep stopped, one of the STOP_ codes. */
    public static String stop(Backend b) {
        return "fdlimit." + b.id() + ".stop";
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
