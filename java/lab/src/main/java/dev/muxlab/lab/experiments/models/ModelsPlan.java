package dev.muxlab.lab.experiments.models;

import java.util.Arrays;
import java.util.EnumSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;

import dev.muxlab.lab.report.ExperimentContext;
import dev.muxlab.lab.server.Model;

/**
 * What the models experiment measures, decided before anything runs: the models the filters let
 * through, in a fixed order, the connection counts each runs at, how many times each cell is
 * repeated, and whether its idle CPU and memory per connection and its system calls are measured.
 * Full mode: 1, 10, 100, 1,000 and 10,000 connections, 3 repeats, every extra; quick mode: 1, 10 and
 * 100 (plus 1,000 for epoll-et), one repeat, idle CPU, memory and strace for a few models.
 */
record ModelsPlan(List<Model> models, boolean quick, int repeats) {
    static final List<Integer> CONNECTIONS = List.of(1, 10, 100, 1_000, 10_000);
    static final List<Integer> QUICK_CONNECTIONS = List.of(1, 10, 100);
    /** The connection count the idle and strace measurements run on the server of (its first cell's). */
    static final int EXTRAS_AFTER = 1;
    /** Models whose idle CPU and memory per idle connection quick mode measures (full mode: every model). */
    static final Set<Model> IDLE_QUICK = EnumSet.of(Model.BLOCKING, Model.NONBLOCKING, Model.EPOLL_ET);
    static final int MEMORY_CONNECTIONS = 10_000;
    static final int MEMORY_CONNECTIONS_QUICK = 1_000;
    static final int MEMORY_CONNECTIONS_SELECT = 900;
    /** Models quick mode counts syscalls for (full mode counts every model). */
    static final Set<Model> STRACE_QUICK = EnumSet.of(Model.BLOCKING, Model.EPOLL_ET, Model.SIGIO, Model.URING);

    /** Durations of one run, in milliseconds. */
    record Timing(long warmup, long duration, long idleSettle, long idleWindow, long straceDuration) {
        /** Connections from which the warmup lasts at least {@link #LONG_WARMUP} ms. */
        static final int MANY = 10_000;
        static final long LONG_WARMUP = 1_000;

        /**
         * The warmup before a cell's window: longer with {@value #MANY} connections or more, where one
         * round trip of every connection takes a good part of a second and a short warmup would leave
         * connections that never got a reply before the window.
         */
        long warmup(int connections) {
            return connections >= MANY ? Math.max(warmup, LONG_WARMUP) : warmup;
        }
    }

    /**
     * The plan for these settings: a reactor by its backend and trigger mode, a model without a
     * multiplexer only when no --backend is given.
     *
     * @throws IllegalArgumentException when no model runs on the chosen backends
     */
    static ModelsPlan of(ExperimentContext ctx) {
        List<Model> models = Arrays.stream(Model.values())
                .filter(m -> m.backend() == null ? ctx.backends.isEmpty() : ctx.wants(m.backend(), m.trigger()))
                .toList();
        if (models.isEmpty()) {
            throw new IllegalArgumentException("models: no server model uses " + ExperimentContext.ids(ctx.backends)
                    + " (the select server uses glibc's fd_set); use --backend " + ExperimentContext.ids(
                    Arrays.stream(Model.values()).map(Model::backend).filter(Objects::nonNull).distinct().toList())
                    + ", or no --backend for every model");
        }
        return new ModelsPlan(models, ctx.quick, ctx.repeats());
    }

    Timing timing() {
        return quick ? new Timing(200, 500, 200, 500, 300) : new Timing(300, 1_000, 300, 1_000, 1_000);
    }

    /** The connection counts a model is run at, in increasing order (the first one also gets the extras). */
    List<Integer> connections(Model m) {
        if (!quick) {
            return CONNECTIONS;
        }
        if (m == Model.EPOLL_ET) {
            List<Integer> c = new java.util.ArrayList<>(QUICK_CONNECTIONS);
            c.add(1_000);
            return List.copyOf(c);
        }
        return QUICK_CONNECTIONS;
    }

    /**
     * The idle connections the memory measurement opens for a model: 10,000 in full mode (the
     * count issue #15's per-connection target names), 1,000 in quick mode, and for select fewer
     * than its FD_SETSIZE of 1,024 fds.
     */
    int memoryConnections(Model m) {
        if (m == Model.SELECT) {
            return MEMORY_CONNECTIONS_SELECT;
        }
        return quick ? MEMORY_CONNECTIONS_QUICK : MEMORY_CONNECTIONS;
    }

    boolean measuresIdle(Model m) {
        return !quick || IDLE_QUICK.contains(m);
    }

    boolean tracesSyscalls(Model m) {
        return !quick || STRACE_QUICK.contains(m);
    }

    /** Progress steps: one per cell and repeat, idle CPU and memory measurement and strace run. */
    long steps() {
        long steps = 0;
        for (Model m : models) {
            steps += (long) connections(m).size() * repeats + (measuresIdle(m) ? 2 : 0) + (tracesSyscalls(m) ? 1 : 0);
        }
        return steps;
    }
}
