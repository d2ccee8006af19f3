package dev.muxlab.lab.experiments.models;

import java.io.IOException;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.function.ToDoubleFunction;

import dev.muxlab.lab.experiments.models.ModelsExperiment.Cell;
import dev.muxlab.lab.experiments.models.ModelsExperiment.Env;
import dev.muxlab.lab.experiments.models.ModelsExperiment.Idle;
import dev.muxlab.lab.experiments.models.ModelsExperiment.Results;
import dev.muxlab.lab.experiments.models.ModelsExperiment.Run;
import dev.muxlab.lab.experiments.models.ModelsExperiment.Syscalls;
import dev.muxlab.lab.experiments.models.ModelsFigures.CellFigure;
import dev.muxlab.lab.load.LoadResult;
import dev.muxlab.lab.proc.ProcStats;
import dev.muxlab.lab.report.Charts;
import dev.muxlab.lab.report.ExperimentContext;
import dev.muxlab.lab.report.ExperimentResult;
import dev.muxlab.lab.report.Repeats;
import dev.muxlab.lab.report.Table;
import dev.muxlab.lab.server.Model;
import dev.muxlab.lab.verdict.Spread;

/**
 * The models experiment's tables, charts, figures ({@link ModelsFigures}) and findings, built
 * from what it measured: the main table (one row per model and connection count, the median of
 * its repeats with their min-max spread), idle CPU, system calls per message, the charts and the
 * console summary. Text under a table states this run's numbers or is labelled as background.
 */
record ModelsReport(ExperimentContext ctx, ExperimentResult r, ModelsPlan plan, Env env) {
    private static final String NA = "n/a";

    void write(Results out) throws IOException {
        mainTable(out.cells, out.runtimes);
        idleTable(out.idles.values());
        memoryTable(out.memory.values(), out.runtimes);
        syscallTable(out.syscalls.values(), out.cells);
        charts(out.cells);
        uringRegime(out.cells);
        kernelHelpers(out.cells);

        throughputSummary(out.cells);
        blockingSummary(out.cells);
        idleSummary(out.idles);
        syscallSummary(out.syscalls.values());
        r.paragraph("Each server ran in its own JVM, started as `muxlab " + String.join(" ", ModelsChild.serveArgs("M"))
                + "` (threadpool with --pool-size " + ModelsExperiment.POOL_WORKERS + ") with default JVM options, so"
                + " its CPU, threads and memory in /proc are its own; the load generator"
                + " ran in the experiment's JVM. On a machine with few cores the two compete for CPU, and a shared"
                + " machine adds noise: compare models within one run, not across machines.");
        unanswered(out.cells);
        r.paragraph("fd limits during the run: soft " + env.softLimit() + ", hard " + env.hardLimit() + " (the server"
                + " JVM raises its soft limit to the same hard limit).");
    }

    /** The spread of a per-run number over the runs that measured it (NaN and negative values left out). */
    private static Spread over(Cell c, ToDoubleFunction<Run> f) {
        return Repeats.of(c.measured().stream().map(f::applyAsDouble).filter(v -> v >= 0).toList());
    }

    private static double median(Cell c, ToDoubleFunction<Run> f) {
        Spread s = over(c, f);
        return s == null ? Double.NaN : s.median();
    }

    private static Object cell(Spread s) {
        return s == null ? NA : s;
    }

    /** The main table and the cells' figures. */
    private void mainTable(List<Cell> cells, Map<Model, ModelsExperiment.ServerRuntime> runtimes) {
        Table main = r.table(new Table("echo, " + ModelsExperiment.SIZE + " B messages, closed loop ("
                + Repeats.caption(plan.repeats(), plan.quick()) + ")", "model", "connections", "msgs/s", "p50 us",
                "p99 us", "server CPU s", "CPU s per 100k msgs", "threads", "RSS MB", "read+write per msg",
                "waits per msg", "calls per msg", "loop sleeps per msg", "answered", "errors", "JDK, binding",
                "notes"));
        for (Cell c : cells) {
            String m = c.model.cliName();
            ModelsExperiment.ServerRuntime rt = runtimes.get(c.model);
            String jdk = rt == null ? NA : rt.toString();
            if (c.skipped != null || c.measured().isEmpty()) {
                main.row(m, c.connections, NA, NA, NA, NA, NA, NA, NA, NA, NA, NA, NA, NA,
                        c.runs.isEmpty() ? NA : errorText(c), c.skipped != null ? "n/a" : jdk,
                        c.skipped != null ? c.skipped : notes(c));
                continue;
            }
            main.row(m, c.connections, cell(over(c, x -> x.load.messagesPerSecond)), cell(over(c, x -> x.load.p50)),
                    cell(over(c, x -> x.load.p99)), cell(over(c, x -> x.cpuSeconds)),
                    median(c, x -> x.load.messages > 0 ? x.cpuSeconds / x.load.messages * 100_000 : Double.NaN),
                    cell(over(c, x -> x.threads)), cell(over(c, x -> x.rssMb)), cell(over(c, x -> x.rwPerMessage)),
                    cell(over(c, x -> x.waitsPerMessage)), cell(over(c, ModelsReport::callsPerMessage)),
                    cell(over(c, x -> x.loopSleepsPerMessage)), cell(over(c, x -> x.load.connectionsAnswered)),
                    errorText(c), jdk, notes(c));
            figures(c);
        }
        runtimes.forEach((model, rt) -> {
            try {
                r.figure(ModelsFigures.jdkFeature(model), java.lang.Runtime.Version.parse(rt.jdk()).feature());
            } catch (IllegalArgumentException e) {
                // a server that did not report its JDK: the column says "?"
            }
        });
        boolean many = cells.stream().anyMatch(c -> c.connections >= ModelsPlan.Timing.MANY);
        String longWarmup = many ? String.format(Locale.ROOT, " (%.1f s from %,d connections)",
                plan.timing().warmup(ModelsPlan.Timing.MANY) / 1000.0, ModelsPlan.Timing.MANY) : "";
        main.note(String.format(Locale.ROOT, "Each repeat: %.1f s measured after %.1f s warmup" + longWarmup
                + "; one load thread in"
                + " this JVM, one message of %d bytes in flight per connection.%s Server CPU s = utime + stime of the"
                + " server's JVM over the measured window (/proc/PID/stat, %d ticks/s); threads and RSS (MB = 2^20"
                + " bytes) from /proc/PID/status at the end of the window. Read+write per msg: the server's read-type"
                + " and write-type system calls over the window (syscr + syscw of /proc/PID/io, counted by the kernel,"
                + " nothing traced; calls that returned EAGAIN count too) per echoed message. Waits per msg: the"
                + " server's own count of readiness waits (select, poll or epoll_wait calls of the reactors, passes"
                + " over every fd of the busy-polling loop; none for the models that block in read and write) over"
                + " the window per echoed message. Calls per msg: the two added, the data path's system calls."
                + " Loop sleeps per msg: voluntary context switches of the one event-loop thread (models that have"
                + " one; /proc/PID/task/TID/status) over the window per echoed message, i.e. how often the thread"
                + " that serves every connection blocked (in its readiness wait or io_uring_enter, or on a lock)."
                + " JDK, binding: the java.version and native binding (ffm or jnr-ffi) the server JVM reported."
                + " Answered: connections that got at least one reply. %s The server JVMs run with default"
                + " options (default thread stack size; heap sized by the JVM). Errors count connect errors, resets,"
                + " mismatched bytes and other IO errors over every repeat of the row.",
                plan.timing().duration() / 1000.0, plan.timing().warmup() / 1000.0, ModelsExperiment.SIZE,
                plan.repeats() > 1 ? " The " + plan.repeats() + " repeats of a row ran in turn with every other row."
                        : "",
                ProcStats.clockTicksPerSecond(), "Each repeat starts one server JVM per model and runs its connection"
                        + " counts on it in increasing order, so RSS includes what the smaller runs before left"
                        + " behind; every repeat has fresh JVMs."));
    }

    /** Read, write and wait calls per message of a run; NaN unless both are known. */
    private static double callsPerMessage(Run x) {
        return Double.isFinite(x.rwPerMessage) && Double.isFinite(x.waitsPerMessage)
                ? x.rwPerMessage + x.waitsPerMessage : Double.NaN;
    }

    /** The figures of a measured cell: the spread of each over the repeats. */
    private void figures(Cell c) {
        Model m = c.model;
        int n = c.connections;
        Repeats.figure(r, CellFigure.MSGS_PER_S.of(m, n), over(c, x -> x.load.messagesPerSecond));
        Repeats.figure(r, CellFigure.P50_US.of(m, n), over(c, x -> x.load.p50));
        Repeats.figure(r, CellFigure.P99_US.of(m, n), over(c, x -> x.load.p99));
        Repeats.figure(r, CellFigure.CPU_S.of(m, n), over(c, x -> x.cpuSeconds));
        Repeats.figure(r, CellFigure.THREADS.of(m, n), over(c, x -> x.threads));
        Repeats.figure(r, CellFigure.THREADS_MAX.of(m, n), over(c, x -> x.threadsMax));
        Repeats.figure(r, CellFigure.RSS_MB.of(m, n), over(c, x -> x.rssMb));
        Repeats.figure(r, CellFigure.RW_CALLS_PER_MSG.of(m, n), over(c, x -> x.rwPerMessage));
        Repeats.figure(r, CellFigure.WAITS_PER_MSG.of(m, n), over(c, x -> x.waitsPerMessage));
        Repeats.figure(r, CellFigure.CALLS_PER_MSG.of(m, n), over(c, ModelsReport::callsPerMessage));
        if (ModelsExperiment.loopThreadName(m) != null) {
            Repeats.figure(r, CellFigure.LOOP_SLEEPS_PER_MSG.of(m, n), over(c, x -> x.loopSleepsPerMessage));
        }
        if (m == Model.URING) {
            Repeats.figure(r, CellFigure.IO_WORKERS_MAX.of(m, n), over(c, x -> x.ioWorkersMax));
        }
        if (m == Model.SIGIO) {
            Repeats.figure(r, CellFigure.SIGNAL_OVERFLOWS.of(m, n), over(c, x -> counter(x, ModelsChild.SIGNAL_OVERFLOWS)));
        }
        Repeats.figure(r, CellFigure.CONNECTED.of(m, n), over(c, x -> x.load.connectionsEstablished));
        Repeats.figure(r, CellFigure.ANSWERED.of(m, n), over(c, x -> x.load.connectionsAnswered));
        Repeats.figure(r, CellFigure.ERRORS.of(m, n), over(c, x -> errors(x.load)));
        Repeats.figure(r, CellFigure.MISMATCHED_BYTES.of(m, n), over(c, x -> x.load.mismatchedBytes));
    }

    /** A counter of what the server counted during a run; NaN if unknown. */
    private static double counter(Run x, String name) {
        return x.serverStats == null || !x.serverStats.values().containsKey(name) ? Double.NaN
                : x.serverStats.get(name);
    }

    private static long errors(LoadResult lr) {
        return lr.connectErrors + lr.resets + lr.mismatchedBytes + lr.otherErrors + lr.protocolErrors;
    }

    /** The errors of every repeat of a cell, with their names. */
    private static String errorText(Cell c) {
        long n = 0;
        long mismatched = 0;
        Map<String, Long> byName = new TreeMap<>();
        for (Run x : c.runs) {
            if (x.load == null) {
                continue;
            }
            n += errors(x.load);
            mismatched += x.load.mismatchedBytes;
            x.load.errorsByName.forEach((k, v) -> byName.merge(k, v, Long::sum));
        }
        if (n == 0) {
            return "0";
        }
        List<String> parts = new ArrayList<>();
        if (mismatched > 0) {
            parts.add(mismatched + " mismatched bytes");
        }
        byName.forEach((k, v) -> parts.add(k + " " + v));
        return n + " (" + String.join(", ", parts) + ")";
    }

    /**
     * What a reader of a row should know, from its numbers: missing connections, connections that
     * never got a reply, fewer threads than connections, the server's refusals, failures.
     */
    private String notes(Cell cell) {
        Set<String> notes = new LinkedHashSet<>();
        List<Run> runs = cell.measured();
        long minConnected = runs.stream().mapToLong(x -> x.load.connectionsEstablished).min().orElse(cell.connections);
        if (minConnected < cell.connections) {
            notes.add("only " + minConnected + " of " + cell.connections + " connected");
        }
        Spread answered = over(cell, x -> x.load.connectionsAnswered);
        Spread connected = over(cell, x -> x.load.connectionsEstablished);
        if (answered != null && connected != null && answered.median() < connected.median()) {
            long queued = runs.stream().filter(x -> x.serverStats != null)
                    .mapToLong(x -> x.serverStats.get(ModelsChild.QUEUED)).max().orElse(-1);
            notes.add(Table.fmt(answered) + " of " + Table.fmt(connected.median()) + " connections got a reply; the"
                    + " others waited unanswered for the whole run, unseen in p50/p99 (only completed messages are"
                    + " timed)" + (queued > 0 ? "; the server queued " + queued + " for a worker" : ""));
        }
        for (Run x : runs) {
            if (cell.model == Model.BLOCKING && x.threads >= 0 && x.threads < x.load.connectionsEstablished) {
                notes.add("a repeat ended its window with " + x.threads + " threads for "
                        + x.load.connectionsEstablished + " connections (peak " + x.threadsMax + " threads)");
                break;
            }
        }
        long fdset = runs.stream().filter(x -> x.serverStats != null)
                .mapToLong(x -> x.serverStats.get(ModelsChild.REJECTED_FD_SETSIZE)).sum();
        long fdlim = runs.stream().filter(x -> x.serverStats != null)
                .mapToLong(x -> x.serverStats.get(ModelsChild.ACCEPT_FD_LIMIT)).sum();
        if (fdset > 0) {
            notes.add("server refused " + fdset + " connections with fd >= 1024");
        }
        long overflows = runs.stream().filter(x -> x.serverStats != null
                && x.serverStats.values().containsKey(ModelsChild.SIGNAL_OVERFLOWS))
                .mapToLong(x -> x.serverStats.get(ModelsChild.SIGNAL_OVERFLOWS)).sum();
        if (overflows > 0) {
            notes.add("the real-time signal queue overflowed " + overflows + " times (each a full readiness scan)");
        }
        if (fdlim > 0) {
            notes.add("server hit its fd limit " + fdlim + " times");
        }
        for (Run x : cell.runs) {
            if (x.load != null && x.load.mismatchedBytes > 0) {
                notes.add("MISMATCH: " + x.load.failureReason());
            }
            if (x.failure != null) {
                notes.add(x.failure);
            }
        }
        return String.join("; ", notes);
    }

    /**
     * The rows where some connections never got a reply, stated from the measured answered
     * count; then why the threadpool model does that, as background.
     */
    private void unanswered(List<Cell> cells) {
        List<String> rows = new ArrayList<>();
        for (Cell c : cells) {
            Spread answered = over(c, x -> x.load.connectionsAnswered);
            Spread connected = over(c, x -> x.load.connectionsEstablished);
            if (answered != null && connected != null && answered.median() < connected.median()) {
                rows.add(c.model.cliName() + " at " + c.connections + ": " + Table.fmt(answered) + " of "
                        + Table.fmt(connected.median()));
            }
        }
        if (rows.isEmpty()) {
            r.paragraph("Measured: in every row each connected connection got at least one reply.");
            return;
        }
        r.paragraph("Measured, connections that got a reply (median of the repeats, min\u2013max where they"
                + " differed): " + String.join("; ", rows) + ". The others never completed a message, so msgs/s is"
                + " the throughput of the answered connections and p50/p99 cover only them. Background: the"
                + " threadpool model (--pool-size " + ModelsExperiment.POOL_WORKERS + " here) keeps a worker per"
                + " connection until the connection closes, so connections beyond the pool wait in its queue.");
    }

    private void idleTable(Iterable<Idle> idles) {
        Table idle = r.table(new Table("CPU with " + ModelsExperiment.IDLE_CONNECTIONS + " idle connections", "model",
                "window s", "server CPU s", "% of one core", "threads", "notes"));
        List<String> busy = new ArrayList<>();
        for (Idle i : idles) {
            if (i.failure() != null) {
                idle.row(i.model().cliName(), NA, NA, NA, NA, i.failure());
                continue;
            }
            idle.row(i.model().cliName(), i.seconds(), i.cpuSeconds(), i.pct(), i.threads(), "");
            r.figure(ModelsFigures.idleCpuPct(i.model()), i.pct());
            if (i.pct() >= 20) {
                busy.add(i.model().cliName() + " " + String.format(Locale.ROOT, "%.0f%%", i.pct()));
            }
        }
        ModelsPlan.Timing tm = plan.timing();
        idle.note(String.format(Locale.ROOT, "Measured after the load run of the first repeat, in the same server"
                + " JVM: %d connections opened and left silent, %.1f s to settle, then CPU over %.1f s (resolution: one"
                + " clock tick, %.0f%% of a core over this window). The CPU is that of every thread of the server JVM,"
                + " so it can exceed 100%% when JIT or GC threads run beside a spinning loop. %s Background: the"
                + " nonblocking model retries every fd in a loop without sleeping, whether or not anything arrives;"
                + " the others sleep in a blocking read, accept or readiness wait.", ModelsExperiment.IDLE_CONNECTIONS,
                tm.idleSettle() / 1000.0, tm.idleWindow() / 1000.0,
                100.0 / ProcStats.clockTicksPerSecond() / (tm.idleWindow() / 1000.0),
                busy.isEmpty() ? "Measured: no model used 20% of a core or more with nothing to do."
                        : "Measured: with nothing to do, " + String.join(", ", busy) + " of a core."));
    }

    /** Memory per idle connection: live heap after a full GC and RSS, with none and with many connections open. */
    private void memoryTable(Iterable<ModelsExperiment.Memory> memory,
            Map<Model, ModelsExperiment.ServerRuntime> runtimes) {
        Table t = r.table(new Table("Memory per idle connection: live heap (after a full GC) and RSS", "model",
                "JDK, binding", "idle connections", "heap MB with none", "heap MB with them", "heap KB per connection",
                "RSS MB with none", "RSS MB with them", "RSS KB per connection", "heap + RSS KB per connection",
                "notes"));
        List<String> most = new ArrayList<>();
        List<String> within = new ArrayList<>();
        List<String> over = new ArrayList<>();
        ModelsExperiment.Memory top = null;
        for (ModelsExperiment.Memory mem : memory) {
            ModelsExperiment.ServerRuntime rt = runtimes.get(mem.model());
            String jdk = rt == null ? NA : rt.toString();
            double total = mem.heapKbPerConnection() + mem.rssKbPerConnection();
            if (mem.failure() != null) {
                t.row(mem.model().cliName(), jdk, mem.connections(), NA, NA, NA, NA, NA, NA, NA, mem.failure());
                continue;
            }
            t.row(mem.model().cliName(), jdk, mem.connections(), mem.heap0() / MIB, mem.heapN() / MIB,
                    mem.heapKbPerConnection(), mem.rss0Kb() / 1024.0, mem.rssNKb() / 1024.0, mem.rssKbPerConnection(),
                    total, "");
            (total <= IDLE_TARGET_KB ? within : over).add(mem.model().cliName() + " " + Table.fmt(total));
            r.figure(ModelsFigures.heapKbPerConnection(mem.model()), mem.heapKbPerConnection());
            r.figure(ModelsFigures.rssKbPerConnection(mem.model()), mem.rssKbPerConnection());
            if (top == null || mem.heapKbPerConnection() > top.heapKbPerConnection()) {
                top = mem;
            }
            most.add(mem.model().cliName() + " " + Table.fmt(mem.heapKbPerConnection()) + " KB heap, "
                    + Table.fmt(mem.rssKbPerConnection()) + " KB RSS");
        }
        t.note("Measured in the server JVM of each model's first cell (first repeat), after its load run:"
                + " `jcmd PID GC.run` (a full collection), then the heap in use that the server prints in its next"
                + " stats line (MemoryMXBean; what survived the collection plus what 50 ms allocated), and VmRSS from"
                + " /proc/PID/status; first with no connection open (after two collections, as the first may shrink"
                + " the heap), then with the idle connections open (select:"
                + " fewer, so that its fds stay below 1024), each after the same settle time. Per connection: the"
                + " difference divided by the connections. RSS rarely shrinks after a collection, so RSS per"
                + " connection counts only what the connections added: socket buffers are kernel memory and count in"
                + " neither. Background: a platform thread's stack is outside the heap (in RSS), a virtual thread's"
                + " stack is a heap object while it is parked.");
        if (!most.isEmpty()) {
            r.paragraph("Measured, memory per idle connection: " + String.join("; ", most) + ". Heap + RSS per"
                    + " connection within " + Table.fmt(IDLE_TARGET_KB) + " KB (the target of issue #15): "
                    + (within.isEmpty() ? "none" : String.join(", ", within)) + "; over it: "
                    + (over.isEmpty() ? "none" : String.join(", ", over)) + " (KB).");
        }
        if (top != null) {
            r.summary("most heap per idle connection", top.model().cliName() + " "
                    + Table.fmt(top.heapKbPerConnection()) + " KB");
        }
    }

    private static final double MIB = 1024.0 * 1024.0;
    /** Issue #15's budget for an idle keep-alive connection: live heap + RSS, in KB. */
    static final double IDLE_TARGET_KB = 0.5;

    /**
     * Where io_uring made fewer system calls, and used less CPU, per message than epoll-et in this
     * run: every connection count both measured, with uring's completions per io_uring_enter and
     * epoll-et's messages per epoll_wait, compared beyond the spread of the repeats.
     */
    private void uringRegime(List<Cell> cells) {
        List<String> calls = new ArrayList<>();
        List<String> cpu = new ArrayList<>();
        List<String> batch = new ArrayList<>();
        List<Integer> fewerCalls = new ArrayList<>();
        List<Integer> lessCpu = new ArrayList<>();
        for (Cell u : cells) {
            if (u.model != Model.URING || u.measured().isEmpty()) {
                continue;
            }
            Cell e = cells.stream().filter(c -> c.model == Model.EPOLL_ET && c.connections == u.connections
                    && !c.measured().isEmpty()).findFirst().orElse(null);
            if (e == null) {
                continue;
            }
            String at = String.format(Locale.ROOT, "%,d", u.connections) + (u.connections == 1 ? " connection"
                    : " connections");
            compare(u, e, ModelsReport::callsPerMessage, at, "fewer", calls, fewerCalls);
            compare(u, e, ModelsReport::cpuPer100k, at, "less", cpu, lessCpu);
            Spread perEnter = over(u, ModelsReport::completionsPerEnter);
            Spread perWait = over(e, x -> x.waitsPerMessage > 0 ? 1 / x.waitsPerMessage : Double.NaN);
            if (perEnter != null || perWait != null) {
                batch.add(at + ": " + (perEnter == null ? NA : Table.fmt(perEnter)) + " completions per"
                        + " io_uring_enter, " + (perWait == null ? NA : Table.fmt(perWait))
                        + " messages per epoll_wait");
            }
        }
        if (calls.isEmpty() && cpu.isEmpty()) {
            return;
        }
        r.paragraph("Measured, io_uring (uring) against epoll-et, per echoed message at each connection count"
                + " (uring vs epoll-et, median (min\u2013max) of the repeats; 'fewer'/'less' only where the ranges do"
                + " not overlap). Data-path system calls per message: " + String.join("; ", calls) + ". Server CPU s"
                + " per 100k messages: " + String.join("; ", cpu) + ". Batching: " + String.join("; ", batch)
                + ". So in this run io_uring"
                + " made fewer system calls per message " + regime(fewerCalls, calls.size()) + ", and used less CPU"
                + " per message " + regime(lessCpu, cpu.size()) + ". Background: one io_uring_enter submits the"
                + " loop iteration's sends and reaps every completion (multishot recv needs no call per read), where"
                + " epoll-et makes one epoll_wait per iteration plus a read and a write per message; the more"
                + " connections are busy at once, the more completions one enter carries.");
    }

    /**
     * One measure of uring's cell u against epoll-et's cell e at the same connection count: adds
     * "AT: u vs e (LESS|more|within the spread)" to {@code out}, and the count to {@code below}
     * where uring's range of repeats lies entirely under epoll-et's.
     */
    private static void compare(Cell u, Cell e, ToDoubleFunction<Run> measure, String at, String less,
            List<String> out, List<Integer> below) {
        Spread us = over(u, measure);
        Spread es = over(e, measure);
        if (us == null || es == null) {
            return;
        }
        Spread.Order o = us.compareTo(es, 1.0);
        out.add(at + ": " + Table.fmt(us) + " vs " + Table.fmt(es) + " (" + word(o, less, "more") + ")");
        if (o == Spread.Order.BELOW) {
            below.add(u.connections);
        }
    }

    /** "at 10 and 100 connections", "at every connection count measured", "at no connection count measured". */
    private static String regime(List<Integer> counts, int measured) {
        if (counts.isEmpty()) {
            return "at no connection count measured";
        }
        if (counts.size() == measured) {
            return "at every connection count measured";
        }
        List<String> s = counts.stream().map(c -> String.format(Locale.ROOT, "%,d", c)).toList();
        return "at " + (s.size() == 1 ? s.get(0) : String.join(", ", s.subList(0, s.size() - 1)) + " and "
                + s.get(s.size() - 1)) + " connections only";
    }

    private static String word(Spread.Order o, String below, String above) {
        return o == Spread.Order.BELOW ? below : o == Spread.Order.ABOVE ? above : "within the spread";
    }

    private static double cpuPer100k(Run x) {
        return x.load.messages > 0 ? x.cpuSeconds / x.load.messages * 100_000 : Double.NaN;
    }

    /** uring: completions reaped per io_uring_enter over the whole run (connect, warmup, window). */
    private static double completionsPerEnter(Run x) {
        double enters = counter(x, ModelsChild.ENTERS);
        double completions = counter(x, "completions");
        return enters > 0 ? completions / enters : Double.NaN;
    }

    /**
     * What the kernel did on the servers' behalf: io_uring worker threads seen (the kernel blocking
     * for the caller) and the signal queue overflows of sigio, from this run's counts.
     */
    private void kernelHelpers(List<Cell> cells) {
        List<String> workers = new ArrayList<>();
        List<String> overflows = new ArrayList<>();
        for (Cell c : cells) {
            if (c.measured().isEmpty()) {
                continue;
            }
            String at = String.format(Locale.ROOT, " at %,d", c.connections);
            if (c.model == Model.URING) {
                Spread w = over(c, x -> x.ioWorkersMax);
                if (w != null) {
                    workers.add(Table.fmt(w) + at);
                }
            }
            if (c.model == Model.SIGIO) {
                Spread o = over(c, x -> counter(x, ModelsChild.SIGNAL_OVERFLOWS));
                if (o != null) {
                    overflows.add(Table.fmt(o) + at);
                }
            }
        }
        List<String> parts = new ArrayList<>();
        if (!workers.isEmpty()) {
            parts.add("the most io_uring worker threads (iou-wrk) the uring server had, by connections: "
                    + String.join(", ", workers));
        }
        if (!overflows.isEmpty()) {
            parts.add("sigio's real-time signal queue overflows in the window, by connections: "
                    + String.join(", ", overflows));
        }
        if (!parts.isEmpty()) {
            r.paragraph("Measured, what the kernel did for the asynchronous and signal-driven models: "
                    + String.join("; ", parts) + ". Background: io_uring hands a request it cannot complete without"
                    + " blocking to an io-wq worker thread (iou-wrk-PID in /proc/PID/task) that blocks instead of the"
                    + " caller; socket reads and writes normally wait on a poll and need none. sigio's real-time"
                    + " signal queue (RLIMIT_SIGPENDING) overflowing falls back to a plain SIGIO with no fd, after"
                    + " which the server scans every registered fd.");
        }
    }

    private void syscallTable(Iterable<Syscalls> syscalls, List<Cell> cells) {
        Table sys = r.table(new Table("System calls per echoed message (strace -c)", "model", "messages",
                "syscalls", "per msg", "IO syscalls per msg", "top 3 per msg", "calls per msg untraced", "notes"));
        for (Syscalls s : syscalls) {
            double untraced = Double.NaN;
            for (Cell c : cells) {
                if (c.model == s.model() && c.connections == ModelsExperiment.STRACE_CONNECTIONS) {
                    untraced = median(c, ModelsReport::callsPerMessage);
                }
            }
            if (s.failure() != null || s.counts() == null) {
                sys.row(s.model().cliName(), s.messages() == 0 ? NA : s.messages(), NA, NA, NA, "", untraced,
                        s.failure());
                continue;
            }
            double traced = s.ioPerMessage();
            String note = Double.isFinite(untraced) && untraced > 1.5 * traced
                    ? "untraced, " + Table.fmt(untraced) + " data-path calls per message against " + Table.fmt(traced)
                            + " IO calls traced: tracing slowed the server, so each wait or read found more to do"
                    : "";
            sys.row(s.model().cliName(), s.messages(), s.counts().total(), s.perMessage(), s.ioPerMessage(), s.top3(),
                    untraced, note);
            r.figure(ModelsFigures.syscallsPerMsg(s.model()), s.perMessage());
            r.figure(ModelsFigures.ioSyscallsPerMsg(s.model()), s.ioPerMessage());
        }
        int n = ModelsExperiment.STRACE_CONNECTIONS;
        sys.note(env.strace() == null ? "strace is not installed, so no system calls were counted (install strace to"
                + " measure them)." : String.format(Locale.ROOT, "Counted with strace -f -c attached to the server JVM"
                + " (every thread, including the JVM's GC, JIT and timer threads) for a %.1f s closed-loop run at %d"
                + " connections, divided by the messages echoed while attached. The untraced column is the calls per"
                + " msg of the main table's %d-connection row (median of its repeats: reads and writes from"
                + " /proc/PID/io plus the server's own count of its waits, for uring its io_uring_enter calls). IO"
                + " syscalls: %s. Background:"
                + " tracing slows every system call, so the throughput under strace is not comparable to the table"
                + " above, and a slowed server finds more fds ready per select/poll/epoll_wait call (and more data"
                + " per read) than it would untraced.", plan.timing().straceDuration() / 1000.0, n, n,
                String.join(", ", ModelsExperiment.IO_SYSCALLS.stream().sorted().toList())));
    }

    /** Throughput, p99, and threads over memory, against connections: one line per model, medians of the repeats. */
    private void charts(List<Cell> cells) throws IOException {
        Map<String, List<double[]>> msgs = new LinkedHashMap<>();
        Map<String, List<double[]>> p99 = new LinkedHashMap<>();
        Map<String, List<double[]>> threads = new LinkedHashMap<>();
        Map<String, List<double[]>> rss = new LinkedHashMap<>();
        for (Cell c : cells) {
            if (c.skipped != null || c.measured().isEmpty()) {
                continue;
            }
            String m = c.model.cliName();
            msgs.computeIfAbsent(m, k -> new ArrayList<>()).add(new double[] {c.connections,
                median(c, x -> x.load.messagesPerSecond)});
            p99.computeIfAbsent(m, k -> new ArrayList<>()).add(new double[] {c.connections, median(c, x -> x.load.p99)});
            threads.computeIfAbsent(m, k -> new ArrayList<>()).add(new double[] {c.connections,
                median(c, x -> x.threads)});
            rss.computeIfAbsent(m, k -> new ArrayList<>()).add(new double[] {c.connections, median(c, x -> x.rssMb)});
        }
        String what = ModelsExperiment.SIZE + " B echo, closed loop, "
                + (plan.repeats() > 1 ? "median of " + plan.repeats() + " repeats" : "1 repeat");
        Charts.line(ctx.outDir.resolve("models-throughput.png"), "Echo throughput by server model (" + what + ")",
                ctx.chartSubtitle(), "connections", "messages/s", true, false, Charts.solid(msgs));
        Charts.line(ctx.outDir.resolve("models-p99.png"), "p99 latency by server model (" + what + ")",
                ctx.chartSubtitle(), "connections", "p99 latency (us)", true, true, Charts.solid(p99));
        Charts.stacked(ctx.outDir.resolve("models-threads-rss.png"), "Server threads and RSS at the end of the"
                + " window (" + (plan.repeats() > 1 ? "median of " + plan.repeats() + " repeats" : "1 repeat") + ")",
                ctx.chartSubtitle(), "connections", true, List.of(
                new Charts.Panel("threads", true, Charts.solid(threads)),
                new Charts.Panel("RSS (MB)", false, Charts.solid(rss))));
        r.charts.addAll(List.of("models-throughput.png", "models-p99.png", "models-threads-rss.png"));
    }

    /** Best and worst throughput (medians) at the largest connection count that most models reached. */
    private void throughputSummary(List<Cell> cells) {
        Map<Integer, List<Cell>> byCount = new TreeMap<>();
        for (Cell c : cells) {
            if (c.skipped == null && !c.measured().isEmpty()) {
                byCount.computeIfAbsent(c.connections, k -> new ArrayList<>()).add(c);
            }
        }
        int most = byCount.values().stream().mapToInt(List::size).max().orElse(0);
        Integer count = null;
        for (Map.Entry<Integer, List<Cell>> e : byCount.entrySet()) {
            if (e.getValue().size() == most) {
                count = e.getKey();
            }
        }
        if (count == null) {
            return;
        }
        List<Cell> cs = byCount.get(count);
        ToDoubleFunction<Cell> rate = c -> median(c, x -> x.load.messagesPerSecond);
        Cell best = cs.get(0);
        Cell worst = cs.get(0);
        for (Cell c : cs) {
            if (rate.applyAsDouble(c) > rate.applyAsDouble(best)) {
                best = c;
            }
            if (rate.applyAsDouble(c) < rate.applyAsDouble(worst)) {
                worst = c;
            }
        }
        r.summary("msg/s at " + String.format(Locale.ROOT, "%,d", count) + " connections", cs.size() == 1
                ? best.model.cliName() + " " + Table.fmt(over(best, x -> x.load.messagesPerSecond))
                : "best " + best.model.cliName() + " " + Table.fmt(over(best, x -> x.load.messagesPerSecond))
                        + ", worst " + worst.model.cliName() + " "
                        + Table.fmt(over(worst, x -> x.load.messagesPerSecond)));
    }

    /** Threads and memory of thread-per-connection at 10,000 connections, beside epoll-et's (medians). */
    private void blockingSummary(List<Cell> cells) {
        Cell blocking = null;
        Cell et = null;
        for (Cell c : cells) {
            if (c.connections == 10_000 && !c.measured().isEmpty() && median(c, x -> x.threads) >= 0) {
                if (c.model == Model.BLOCKING) {
                    blocking = c;
                } else if (c.model == Model.EPOLL_ET) {
                    et = c;
                }
            }
        }
        if (blocking != null) {
            r.summary("blocking at 10,000 connections", Table.fmt(median(blocking, x -> x.threads)) + " threads, "
                    + Table.fmt(median(blocking, x -> x.rssMb)) + " MB RSS" + (et == null ? "" : " (epoll-et: "
                    + Table.fmt(median(et, x -> x.threads)) + " threads, " + Table.fmt(median(et, x -> x.rssMb))
                    + " MB)"));
        }
    }

    /** Idle CPU: every model when there are few, else busy polling, epoll-et and blocking. */
    private void idleSummary(Map<Model, Idle> idles) {
        List<Idle> measured = idles.values().stream().filter(i -> i.failure() == null).toList();
        if (measured.isEmpty()) {
            return;
        }
        List<Idle> shown = measured.size() <= 3 ? measured
                : List.of(Model.NONBLOCKING, Model.EPOLL_ET, Model.BLOCKING).stream().map(idles::get)
                        .filter(i -> i != null && i.failure() == null).toList();
        r.summary("idle CPU (10 silent connections)", String.join(", ", shown.stream()
                .map(i -> i.model().cliName() + " " + String.format(Locale.ROOT, "%.0f%%", i.pct())).toList()));
    }

    private void syscallSummary(Collection<Syscalls> syscalls) {
        List<String> sc = new ArrayList<>();
        for (Syscalls s : syscalls) {
            if (s.failure() == null && s.counts() != null && (syscalls.size() <= 3 || s.model() == Model.BLOCKING
                    || s.model() == Model.EPOLL_ET || s.model() == Model.NONBLOCKING)) {
                sc.add(s.model().cliName() + " " + Table.fmt(s.perMessage()));
            }
        }
        if (!sc.isEmpty()) {
            r.summary("syscalls per message (strace -c)", String.join(", ", sc));
        }
    }
}
