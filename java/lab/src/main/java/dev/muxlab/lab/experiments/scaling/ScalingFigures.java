package dev.muxlab.lab.experiments.scaling;

import dev.muxlab.Backend;

/**
 * The names of the figures scaling publishes, for the experiment that writes them and the claims
 * that read them. A is the number of active pairs, N the number of watched socketpairs.
 */
public final class ScalingFigures {
    /** Java ns over C ns per loop iteration, median over the cells. */
    public static final String RATIO_MEDIAN = "scaling.ratio.median";
    /** Wall-clock over CPU time of the timed loops, median over the cells (above 1: a busy machine). */
    public static final String WALL_OVER_CPU_MEDIAN = "scaling.wall_over_cpu.median";
    /** poll's ns per watched fd of the never-blocking loop (A = 1) over the blocking part's N range. */
    public static final String POLL_NONBLOCKING_PER_FD_NS = "scaling.blocking.poll.nonblocking_per_fd_ns";
    /** poll's blocking ns per watched fd over the never-blocking one. */
    public static final String POLL_BLOCKING_OVER_NONBLOCKING = "scaling.blocking.poll.over_nonblocking";

    private ScalingFigures() {
    }

    private static String cells(ScalingRow row, int a) {
        return "scaling." + row.id() + ".a" + a;
    }

    /** Java ns per loop iteration at N. */
    public static String ns(ScalingRow row, int a, int n) {
        return cells(row, a) + ".n" + n + ".ns";
    }

    /** C ns per loop iteration at N. */
    public static String cNs(ScalingRow row, int a, int n) {
        return cells(row, a) + ".c.n" + n + ".ns";
    }

    /** Least-squares slope of log(Java cost) against log N: 1 linear, 0 flat. */
    public static String slope(ScalingRow row, int a) {
        return cells(row, a) + ".slope";
    }

    /** Java cost at the largest N over the cost at the smallest. */
    public static String growth(ScalingRow row, int a) {
        return cells(row, a) + ".growth";
    }

    public static String cSlope(ScalingRow row, int a) {
        return cells(row, a) + ".c.slope";
    }

    public static String cGrowth(ScalingRow row, int a) {
        return cells(row, a) + ".c.growth";
    }

    /** The smallest N from which epoll (LT) is cheaper than poll; NaN if none. */
    public static String crossover(int a) {
        return "scaling.crossover.a" + a;
    }

    private static String blocking(Backend b) {
        return "scaling.blocking." + b.id();
    }

    /** A wait that blocks: the waiter's CPU ns per wakeup at N. */
    public static String blockingNs(Backend b, int n) {
        return blocking(b) + ".n" + n + ".ns";
    }

    /** A wait that blocks: wall-clock ns per round at N. */
    public static String blockingWallNs(Backend b, int n) {
        return blocking(b) + ".n" + n + ".wall_ns";
    }

    /** A wait that blocks: the waiter's voluntary context switches per round at N. */
    public static String blockingSleeps(Backend b, int n) {
        return blocking(b) + ".n" + n + ".sleeps";
    }

    /** A wait that blocks: least-squares CPU ns per added fd. */
    public static String blockingPerFdNs(Backend b) {
        return blocking(b) + ".per_fd_ns";
    }

    /** A wait that blocks: CPU at the largest N over CPU at the smallest. */
    public static String blockingGrowth(Backend b) {
        return blocking(b) + ".growth";
    }
}
