package dev.muxlab.lab.experiments.models;

import java.io.IOException;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;

import dev.muxlab.lab.experiments.models.ModelsExperiment.Cell;
import dev.muxlab.lab.experiments.models.ModelsExperiment.Env;
import dev.muxlab.lab.experiments.models.ModelsExperiment.Idle;
import dev.muxlab.lab.experiments.models.ModelsExperiment.Results;
import dev.muxlab.lab.experiments.models.ModelsExperiment.Syscalls;
import dev.muxlab.lab.experiments.models.ModelsFigures.CellFigure;
import dev.muxlab.lab.load.LoadResult;
import dev.muxlab.lab.proc.ProcStats;
import dev.muxlab.lab.report.Charts;
import dev.muxlab.lab.report.ExperimentContext;
import dev.muxlab.lab.report.ExperimentResult;
import dev.muxlab.lab.report.Table;
import dev.muxlab.lab.server.Model;

/**
 * The models experiment's tables, chart, figures ({@link ModelsFigures}) and findings, built
 * from what it measured: the main table (one row per model and connection count), idle CPU,
 * system calls per message, the throughput chart and the console summary.
 */
record ModelsReport(ExperimentContext ctx, ExperimentResult r, ModelsPlan plan, Env env) {
    private static final String NA = "n/a";

    void write(Results out) throws IOException {
        Map<String, List<double[]>> series = mainTable(out.cells);
        idleTable(out.idles.values());
        syscallTable(out.syscalls.values(), out.cells);
        Charts.line(ctx.outDir.resolve("models-throughput.png"), "Echo throughput by server model ("
                + ModelsExperiment.SIZE + " B, closed loop)", "connections", "messages/s", true, false,
                Charts.solid(series));
        r.charts.add("models-throughput.png");

        throughputSummary(out.cells);
        blockingSummary(out.cells);
        idleSummary(out.idles);
        syscallSummary(out.syscalls.values());
        r.paragraph("Each server ran in its own JVM, started as `muxlab " + String.join(" ", ModelsChild.serveArgs("M"))
                + "` (threadpool with --pool-size " + ModelsExperiment.POOL_WORKERS + ") with default JVM options, so"
                + " its CPU, threads and memory in /proc are its own; the load generator"
                + " ran in the experiment's JVM. On a machine with few cores the two compete for CPU, and a shared"
                + " machine adds noise: compare models within one run, not across machines.");
        if (out.cells.stream().anyMatch(c -> c.model == Model.THREADPOOL && c.connections > ModelsExperiment.POOL_WORKERS
                && c.load != null)) {
            int w = ModelsExperiment.POOL_WORKERS;
            r.paragraph("threadpool: a connection keeps its worker until it closes, so with " + w
                    + " workers only " + w + " connections are ever served; the rest were accepted by the"
                    + " kernel and wait in the pool's queue. Its msgs/s is the throughput of " + w
                    + " connections, and its p99 only covers messages that completed: the starved connections never"
                    + " show up in the latency (the load generator does not report how many connections got a reply).");
        }
        r.paragraph("fd limits during the run: soft " + env.softLimit() + ", hard " + env.hardLimit() + " (the server"
                + " JVM raises its soft limit to the same hard limit).");
    }

    /** The main table and the cells' figures; returns the throughput series by model for the chart. */
    private Map<String, List<double[]>> mainTable(List<Cell> cells) {
        Table main = r.table(new Table("echo, " + ModelsExperiment.SIZE + " B messages, closed loop", "model",
                "connections", "msgs/s", "p50 us", "p99 us", "server CPU s", "CPU s per 100k msgs", "threads", "RSS MB",
                "read+write calls per msg", "errors", "notes"));
        Map<String, List<double[]>> series = new LinkedHashMap<>();
        for (Cell c : cells) {
            String m = c.model.cliName();
            LoadResult lr = c.load;
            if (c.skipped != null || lr == null || lr.connectionsEstablished == 0) {
                main.row(m, c.connections, NA, NA, NA, NA, NA, NA, NA, NA, lr == null ? NA : errorText(lr),
                        c.skipped != null ? c.skipped : notes(c));
                continue;
            }
            double perHundredK = lr.messages > 0 ? c.cpuSeconds / lr.messages * 100_000 : Double.NaN;
            main.row(m, c.connections, lr.messagesPerSecond, lr.p50, lr.p99, c.cpuSeconds, perHundredK,
                    c.threads < 0 ? NA : c.threads, c.rssMb, c.rwPerMessage, errorText(lr), notes(c));
            figures(c);
            series.computeIfAbsent(m, k -> new ArrayList<>()).add(new double[] {c.connections, lr.messagesPerSecond});
        }
        main.note(String.format(Locale.ROOT, "Each row: %.1f s measured after %.1f s warmup; one load thread in"
                + " this JVM, one message of %d bytes in flight per connection. Server CPU s = utime + stime of the"
                + " server's JVM over the measured window (/proc/PID/stat, %d ticks/s); threads and RSS (MB = 2^20"
                + " bytes) from /proc/PID/status at the end of the window. Read+write calls per msg: the server's read-type"
                + " and write-type system calls over the window (syscr + syscw of /proc/PID/io, counted by the kernel,"
                + " nothing traced; calls that returned EAGAIN count too) per echoed message. %s The server JVMs run with default"
                + " options (default thread stack size; heap sized by the JVM). Errors count connect errors, resets,"
                + " mismatched bytes and other IO errors over the whole run.",
                plan.timing().duration() / 1000.0, plan.timing().warmup() / 1000.0, ModelsExperiment.SIZE,
                ProcStats.clockTicksPerSecond(), plan.quick()
                        ? "Quick mode reuses one server JVM per model for its connection counts (in increasing order),"
                                + " so RSS includes what earlier, smaller runs left behind."
                        : "Every row has a fresh server JVM."));
        return series;
    }

    /** The figures of a measured cell. */
    private void figures(Cell c) {
        LoadResult lr = c.load;
        r.figure(CellFigure.MSGS_PER_S.of(c.model, c.connections), lr.messagesPerSecond);
        r.figure(CellFigure.P50_US.of(c.model, c.connections), lr.p50);
        r.figure(CellFigure.P99_US.of(c.model, c.connections), lr.p99);
        r.figure(CellFigure.CPU_S.of(c.model, c.connections), c.cpuSeconds);
        if (c.threads >= 0) {
            r.figure(CellFigure.THREADS.of(c.model, c.connections), c.threads);
            r.figure(CellFigure.THREADS_MAX.of(c.model, c.connections), c.threadsMax);
        }
        if (!Double.isNaN(c.rssMb)) {
            r.figure(CellFigure.RSS_MB.of(c.model, c.connections), c.rssMb);
        }
        if (!Double.isNaN(c.rwPerMessage)) {
            r.figure(CellFigure.RW_CALLS_PER_MSG.of(c.model, c.connections), c.rwPerMessage);
        }
        r.figure(CellFigure.CONNECTED.of(c.model, c.connections), lr.connectionsEstablished);
        r.figure(CellFigure.ERRORS.of(c.model, c.connections), errors(lr));
        r.figure(CellFigure.MISMATCHED_BYTES.of(c.model, c.connections), lr.mismatchedBytes);
    }

    private static long errors(LoadResult lr) {
        return lr.connectErrors + lr.resets + lr.mismatchedBytes + lr.otherErrors + lr.protocolErrors;
    }

    private static String errorText(LoadResult lr) {
        long n = errors(lr);
        if (n == 0) {
            return "0";
        }
        List<String> parts = new ArrayList<>();
        if (lr.mismatchedBytes > 0) {
            parts.add(lr.mismatchedBytes + " mismatched bytes");
        }
        lr.errorsByName.forEach((k, v) -> parts.add(k + " " + v));
        return n + " (" + String.join(", ", parts) + ")";
    }

    /** What a reader of a row should know: missing connections, starved ones, the server's refusals, failures. */
    private String notes(Cell cell) {
        List<String> notes = new ArrayList<>();
        LoadResult lr = cell.load;
        if (lr != null && lr.connectionsEstablished < cell.connections) {
            notes.add("only " + lr.connectionsEstablished + " of " + cell.connections + " connected");
        }
        if (cell.model == Model.BLOCKING && lr != null && cell.threads >= 0
                && cell.threads < lr.connectionsEstablished) {
            notes.add("fewer threads than connections at the end of the window: the acceptor was still starting"
                    + " one thread per connection" + (cell.threadsMax > cell.threads ? " (peak " + cell.threadsMax
                    + " threads)" : ""));
        }
        int w = ModelsExperiment.POOL_WORKERS;
        if (cell.model == Model.THREADPOOL && cell.connections > w) {
            long queued = plan.quick() || cell.serverStats == null ? -1 : cell.serverStats.get(ModelsChild.QUEUED);
            notes.add(w + " workers: at most " + w + " of " + cell.connections
                    + " connections get replies; the others wait unanswered for the whole run"
                    + (queued > 0 && cell.connections > ModelsPlan.CONNECTIONS.get(0) ? " (server queued " + queued + ")"
                            : "")
                    + ", unseen in p50/p99 (only completed messages are timed)");
        }
        if (!plan.quick() && cell.serverStats != null) {
            long fdset = cell.serverStats.get(ModelsChild.REJECTED_FD_SETSIZE);
            long fdlim = cell.serverStats.get(ModelsChild.ACCEPT_FD_LIMIT);
            if (fdset > 0) {
                notes.add("server refused " + fdset + " connections with fd >= 1024");
            }
            if (fdlim > 0) {
                notes.add("server hit its fd limit " + fdlim + " times");
            }
        }
        if (lr != null && lr.mismatchedBytes > 0) {
            notes.add("MISMATCH: " + lr.failureReason());
        }
        if (cell.failure != null) {
            notes.add(cell.failure);
        }
        return String.join("; ", notes);
    }

    private void idleTable(Iterable<Idle> idles) {
        Table idle = r.table(new Table("CPU with " + ModelsExperiment.IDLE_CONNECTIONS + " idle connections", "model",
                "window s", "server CPU s", "% of one core", "threads", "notes"));
        for (Idle i : idles) {
            if (i.failure() != null) {
                idle.row(i.model().cliName(), NA, NA, NA, NA, i.failure());
                continue;
            }
            idle.row(i.model().cliName(), i.seconds(), i.cpuSeconds(), i.pct(), i.threads(),
                    i.model() == Model.NONBLOCKING ? "busy polling: the loop retries every fd without sleeping" : "");
            r.figure(ModelsFigures.idleCpuPct(i.model()), i.pct());
        }
        ModelsPlan.Timing tm = plan.timing();
        idle.note(String.format(Locale.ROOT, "Measured after the load run, in the same server JVM: %d connections"
                + " opened and left silent, %.1f s to settle, then CPU over %.1f s (resolution: one clock tick, %.0f%%"
                + " of a core over this window). The CPU is that of every thread of the server JVM, so it can exceed"
                + " 100%% when JIT or GC threads run beside a spinning loop.", ModelsExperiment.IDLE_CONNECTIONS,
                tm.idleSettle() / 1000.0, tm.idleWindow() / 1000.0,
                100.0 / ProcStats.clockTicksPerSecond() / (tm.idleWindow() / 1000.0)));
    }

    private void syscallTable(Iterable<Syscalls> syscalls, List<Cell> cells) {
        Table sys = r.table(new Table("System calls per echoed message (strace -c)", "model", "messages",
                "syscalls", "per msg", "IO syscalls per msg", "top 3 per msg", "read+write per msg untraced", "notes"));
        for (Syscalls s : syscalls) {
            double untraced = Double.NaN;
            for (Cell c : cells) {
                if (c.model == s.model() && c.connections == ModelsExperiment.STRACE_CONNECTIONS) {
                    untraced = c.rwPerMessage;
                }
            }
            if (s.failure() != null || s.counts() == null) {
                sys.row(s.model().cliName(), s.messages() == 0 ? NA : s.messages(), NA, NA, NA, "", untraced,
                        s.failure());
                continue;
            }
            sys.row(s.model().cliName(), s.messages(), s.counts().total(), s.perMessage(), s.ioPerMessage(), s.top3(),
                    untraced, s.model() == Model.NONBLOCKING ? "tracing slows each lap of the polling loop so much that"
                    + " nearly every read finds data; untraced, the laps that find nothing add EAGAIN reads (how many"
                    + " depends on how fast the client answers)" : "");
            r.figure(ModelsFigures.syscallsPerMsg(s.model()), s.perMessage());
            r.figure(ModelsFigures.ioSyscallsPerMsg(s.model()), s.ioPerMessage());
        }
        int n = ModelsExperiment.STRACE_CONNECTIONS;
        sys.note(env.strace() == null ? "strace is not installed, so no system calls were counted (install strace to"
                + " measure them)." : String.format(Locale.ROOT, "Counted with strace -f -c attached to the server JVM"
                + " (every thread, including the JVM's GC, JIT and timer threads) for a %.1f s closed-loop run at %d"
                + " connections, divided by the messages echoed while attached. Tracing slows every system call, so"
                + " the throughput under strace is not comparable to the table above, and a slowed server finds more"
                + " fds ready per select/poll/epoll_wait call than it would untraced (the wait's cost per message is"
                + " understated). The untraced column is the read+write count of the main table's %d-connection row."
                + " IO syscalls: %s.", plan.timing().straceDuration() / 1000.0, n, n,
                String.join(", ", ModelsExperiment.IO_SYSCALLS.stream().sorted().toList())));
    }

    /** Best and worst throughput at the largest connection count that most models reached. */
    private void throughputSummary(List<Cell> cells) {
        Map<Integer, List<Cell>> byCount = new TreeMap<>();
        for (Cell c : cells) {
            if (c.load != null && c.load.connectionsEstablished > 0 && c.skipped == null) {
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
        Cell best = cs.get(0);
        Cell worst = cs.get(0);
        for (Cell c : cs) {
            if (c.load.messagesPerSecond > best.load.messagesPerSecond) {
                best = c;
            }
            if (c.load.messagesPerSecond < worst.load.messagesPerSecond) {
                worst = c;
            }
        }
        r.summary("msg/s at " + String.format(Locale.ROOT, "%,d", count) + " connections", cs.size() == 1
                ? best.model.cliName() + " " + Table.fmt(best.load.messagesPerSecond)
                : "best " + best.model.cliName() + " " + Table.fmt(best.load.messagesPerSecond) + ", worst "
                        + worst.model.cliName() + " " + Table.fmt(worst.load.messagesPerSecond));
    }

    /** Threads and memory of thread-per-connection at 10,000 connections, beside epoll-et's. */
    private void blockingSummary(List<Cell> cells) {
        Cell blocking = null;
        Cell et = null;
        for (Cell c : cells) {
            if (c.connections == 10_000 && c.load != null && c.threads >= 0) {
                if (c.model == Model.BLOCKING) {
                    blocking = c;
                } else if (c.model == Model.EPOLL_ET) {
                    et = c;
                }
            }
        }
        if (blocking != null) {
            r.summary("blocking at 10,000 connections", blocking.threads + " threads, " + Table.fmt(blocking.rssMb)
                    + " MB RSS" + (et == null ? "" : " (epoll-et: " + et.threads + " threads, " + Table.fmt(et.rssMb)
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
