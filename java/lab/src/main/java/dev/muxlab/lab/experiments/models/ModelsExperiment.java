package dev.muxlab.lab.experiments.models;

import java.io.IOException;
import java.io.InterruptedIOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeMap;

import dev.muxlab.Backend;
import dev.muxlab.Fds;
import dev.muxlab.lab.experiments.models.ModelsFigures.CellFigure;
import dev.muxlab.lab.load.LoadConfig;
import dev.muxlab.lab.load.LoadGenerator;
import dev.muxlab.lab.load.LoadResult;
import dev.muxlab.lab.proc.ProcStats;
import dev.muxlab.lab.proc.ProcStrace;
import dev.muxlab.lab.report.Charts;
import dev.muxlab.lab.report.Experiment;
import dev.muxlab.lab.report.ExperimentContext;
import dev.muxlab.lab.report.ExperimentResult;
import dev.muxlab.lab.report.Machine;
import dev.muxlab.lab.report.Table;
import dev.muxlab.lab.server.Model;

/**
 * {@code models}: every server model under the load generator at 10, 100, 1,000 and 10,000
 * connections. Each server runs in a child JVM ({@code muxlab serve}, default JVM options) so
 * that its CPU time (utime + stime of /proc/PID/stat over the measured window), threads and
 * resident memory (/proc/PID/status at the end of the window, connections still open) are its
 * own; the load (echo, 64-byte messages, closed loop, one load thread) runs in this JVM. Also
 * measured: each model's CPU with 10 idle connections open, and, when strace is installed,
 * system calls per echoed message ({@code strace -f -c} attached to the server for a short run).
 */
public final class ModelsExperiment implements Experiment {
    public static final String NAME = "models";
    static final int SIZE = 64;
    static final List<Integer> CONNECTIONS = List.of(10, 100, 1_000, 10_000);
    /** Workers of the threadpool model (ServeCommand's default --threads). */
    static final int POOL_WORKERS = 8;
    static final int IDLE_CONNECTIONS = 10;
    static final int STRACE_CONNECTIONS = 10;
    /** The child's --max-connections: above every cell. */
    static final int MAX_CONNECTIONS = 20_000;
    /** Models whose idle CPU quick mode measures (full mode measures every model). */
    static final Set<Model> IDLE_QUICK = EnumSet.of(Model.BLOCKING, Model.NONBLOCKING, Model.EPOLL_ET);
    /** Models quick mode counts syscalls for (full mode counts every model). */
    static final Set<Model> STRACE_QUICK = EnumSet.of(Model.BLOCKING, Model.EPOLL_ET);
    /** System calls that move data or wait for readiness (the rest are the JVM's own: futex, timers, ...). */
    static final Set<String> IO_SYSCALLS = Set.of("read", "write", "readv", "writev", "recvfrom", "sendto",
            "recvmsg", "sendmsg", "epoll_wait", "epoll_pwait", "epoll_pwait2", "epoll_ctl", "poll", "ppoll",
            "select", "pselect6", "accept", "accept4", "close", "shutdown");

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public String title() {
        return "Server models under load: throughput, latency, CPU, threads and memory per IO model";
    }

    @Override
    public String guide() {
        return "Each server model (blocking thread-per-connection, threadpool of 8, nonblocking busy polling, and"
                + " reactors on select, poll, epoll LT and ET) runs as an echo server in a child JVM with default JVM"
                + " options; the load generator in this JVM keeps one 64-byte message in flight per connection (closed"
                + " loop) at 10, 100, 1,000 and 10,000 connections (quick: 10 and 100, plus 1,000 for epoll-et). Server"
                + " CPU seconds are utime + stime of the child over the measured window (so 2 s of one busy core is"
                + " 2 CPU s); threads and RSS are read from /proc at the end of the window with every connection open."
                + " The load generator and the server share this machine's cores, so throughput is a property of the"
                + " pair. Also: the CPU each server burns with 10 idle connections, and system calls per echoed"
                + " message counted with strace -f -c (all of the JVM's threads, so the JVM's own futex and timer"
                + " calls are included; the 'IO' column counts only read/write/accept/close and the readiness calls)."
                + " --backend select, poll or epoll (with --trigger lt or et) keeps only those reactors; select-wide"
                + " is not a server model.";
    }

    /** Some server model runs on one of these backends (none on select-wide). */
    @Override
    public boolean appliesTo(Set<Backend> backends) {
        return backends.isEmpty() || Arrays.stream(Model.values()).anyMatch(m -> backends.contains(m.backend()));
    }

    /**
     * The models the user's filters let through, in a fixed order: a reactor by its backend and
     * trigger mode, a model without a multiplexer only when no --backend is given.
     */
    static List<Model> models(ExperimentContext ctx) {
        List<Model> out = Arrays.stream(Model.values())
                .filter(m -> m.backend() == null ? ctx.backends.isEmpty() : ctx.wants(m.backend(), m.trigger()))
                .toList();
        if (out.isEmpty()) {
            throw new IllegalArgumentException("models: no server model uses " + ExperimentContext.ids(ctx.backends)
                    + " (the select server uses glibc's fd_set); use --backend " + ExperimentContext.ids(
                    Arrays.stream(Model.values()).map(Model::backend).filter(Objects::nonNull).distinct().toList())
                    + ", or no --backend for every model");
        }
        return out;
    }

    /** The connection counts a model is run at. */
    static List<Integer> connections(Model m, boolean quick) {
        if (!quick) {
            return CONNECTIONS;
        }
        return m == Model.EPOLL_ET ? List.of(10, 100, 1_000) : List.of(10, 100);
    }

    /** Durations of one run, in milliseconds. */
    record Timing(long warmup, long duration, long idleSettle, long idleWindow, long straceDuration) {
        static Timing of(boolean quick) {
            return quick ? new Timing(200, 500, 200, 500, 300) : new Timing(500, 2_000, 300, 1_000, 1_000);
        }
    }

    /** One measured (or skipped) cell of the main table. */
    static final class Cell {
        final Model model;
        final int connections;
        LoadResult load;
        double cpuSeconds = Double.NaN;
        int threads = -1;
        /** Most threads seen in any sample of the run (connect, warmup, window, close). */
        int threadsMax = -1;
        double rssMb = Double.NaN;
        /** read-type + write-type system calls of the server per message, untraced (/proc/PID/io). */
        double rwPerMessage = Double.NaN;
        /** Why the cell was not measured ("n/a: ..."), or null. */
        String skipped;
        String failure;
        /** The server's counters from its "stopped:" line (full mode: this cell's child only). */
        String serverStats;

        Cell(Model model, int connections) {
            this.model = model;
            this.connections = connections;
        }
    }

    record Idle(Model model, double cpuSeconds, double seconds, int threads, String failure) {
        double pct() {
            return cpuSeconds / seconds * 100;
        }
    }

    record Syscalls(Model model, long messages, double seconds, ProcStrace.Counts counts, String failure) {
        double perMessage() {
            return counts == null || messages == 0 ? Double.NaN : (double) counts.total() / messages;
        }

        double ioPerMessage() {
            if (counts == null || messages == 0) {
                return Double.NaN;
            }
            long io = 0;
            for (Map.Entry<String, Long> e : counts.calls().entrySet()) {
                if (IO_SYSCALLS.contains(e.getKey())) {
                    io += e.getValue();
                }
            }
            return (double) io / messages;
        }

        String top3() {
            if (counts == null || messages == 0) {
                return "";
            }
            return counts.calls().entrySet().stream()
                    .sorted((a, b) -> Long.compare(b.getValue(), a.getValue()))
                    .limit(3)
                    .map(e -> e.getKey() + " " + Table.fmt((double) e.getValue() / messages))
                    .reduce((a, b) -> a + ", " + b).orElse("");
        }
    }

    @Override
    public ExperimentResult run(ExperimentContext ctx) throws Exception {
        List<Model> models = models(ctx);
        boolean quick = ctx.quick;
        Timing tm = Timing.of(quick);
        ExperimentResult r = new ExperimentResult(name(), title());

        int softLimit = Fds.raiseOpenFileLimit();
        int hardLimit = Fds.hardOpenFileLimit();
        Path strace = ProcStrace.find();
        ProcStats.clockTicksPerSecond();
        double[] loadBefore = ProcStats.loadAverage();

        List<Cell> cells = new ArrayList<>();
        Map<Model, Idle> idles = new LinkedHashMap<>();
        Map<Model, Syscalls> syscalls = new LinkedHashMap<>();
        long steps = 0;
        for (Model m : models) {
            steps += connections(m, quick).size();
            if (!quick || IDLE_QUICK.contains(m)) {
                steps++;
            }
            if (!quick || STRACE_QUICK.contains(m)) {
                steps++;
            }
        }
        ctx.progress("models: " + models.size() + " server models", steps, step -> {
            long done = 0;
            for (Model m : models) {
                done = runModel(ctx, m, tm, softLimit, hardLimit, strace, cells, idles, syscalls, step, done);
            }
        });

        double[] loadAfter = ProcStats.loadAverage();
        report(ctx, r, cells, idles, syscalls, strace, tm, softLimit, hardLimit);
        if (loadBefore != null && loadAfter != null) {
            r.paragraph(String.format(Locale.ROOT, "Machine load while this ran: 1-minute load average %.2f before and"
                    + " %.2f after, on %d CPUs (this experiment itself keeps about 2 busy). A load well above that means"
                    + " other work shared the CPUs and the numbers are noisier.", loadBefore[0], loadAfter[0],
                    Runtime.getRuntime().availableProcessors()));
            r.figure(ModelsFigures.LOADAVG_BEFORE, loadBefore[0]).figure(ModelsFigures.LOADAVG_AFTER, loadAfter[0]);
        }
        return r;
    }

    /** Runs every cell of one model, plus its idle and strace measurements; returns the steps done. */
    private long runModel(ExperimentContext ctx, Model m, Timing tm, int softLimit, int hardLimit, Path strace,
            List<Cell> cells, Map<Model, Idle> idles, Map<Model, Syscalls> syscalls, ExperimentContext.Step step,
            long done) throws IOException, InterruptedException {
        boolean quick = ctx.quick;
        ModelsChild child = null;
        try {
            for (int c : connections(m, quick)) {
                step.message(m.cliName() + " x " + c);
                Cell cell = new Cell(m, c);
                cells.add(cell);
                if (m == Model.SELECT && c >= 1_024) {
                    cell.skipped = String.format(Locale.ROOT, "n/a: select cannot hold %,d fds (FD_SETSIZE = 1024:"
                            + " fds >= 1024 are refused)", c);
                } else if (hardLimit < c + 256 || softLimit < c + Fds.countOpen() + 64) {
                    cell.skipped = "n/a: fd limit too low for " + c + " connections (soft " + softLimit + ", hard "
                            + hardLimit + "; raise it with ulimit -n)";
                }
                if (cell.skipped != null) {
                    step.stepTo(++done);
                    continue;
                }
                try {
                    if (child != null && !child.alive()) {
                        child.stop(); // quick mode: the server of the last cell died; start another
                        child = null;
                    }
                    if (child == null) {
                        child = ModelsChild.start(m, MAX_CONNECTIONS, 30_000);
                    }
                    measure(child, cell, tm);
                } catch (InterruptedIOException e) {
                    throw e;
                } catch (IOException | RuntimeException e) {
                    cell.failure = "failed: " + e.getMessage();
                    ctx.log.println("  models: " + m.cliName() + " x " + c + " " + cell.failure);
                }
                step.stepTo(++done);
                if (c == CONNECTIONS.get(0) && child != null && child.alive()) {
                    if (!quick || IDLE_QUICK.contains(m)) {
                        step.message(m.cliName() + " idle");
                        idles.put(m, idle(child, tm));
                        step.stepTo(++done);
                    }
                    if (!quick || STRACE_QUICK.contains(m)) {
                        step.message(m.cliName() + " strace");
                        syscalls.put(m, strace == null
                                ? new Syscalls(m, 0, 0, null, "n/a: strace not installed")
                                : syscalls(strace, child, tm));
                        step.stepTo(++done);
                    }
                }
                if (!quick && child != null) {
                    // full mode: a fresh JVM per cell, so RSS and threads are this cell's alone
                    cell.serverStats = child.stop();
                    child = null;
                }
            }
        } finally {
            if (child != null) {
                String stats = child.stop();
                if (!cells.isEmpty()) {
                    cells.get(cells.size() - 1).serverStats = stats;
                }
            }
        }
        // the idle and strace steps of a model whose first cell had no running server
        if (!idles.containsKey(m) && (!quick || IDLE_QUICK.contains(m))) {
            idles.put(m, new Idle(m, Double.NaN, Double.NaN, -1, "not measured: the server did not run"));
            step.stepTo(++done);
        }
        if (!syscalls.containsKey(m) && (!quick || STRACE_QUICK.contains(m))) {
            syscalls.put(m, new Syscalls(m, 0, 0, null, "not measured: the server did not run"));
            step.stepTo(++done);
        }
        return done;
    }

    static LoadConfig loadConfig(int port, int connections, long warmup, long duration) {
        LoadConfig lc = new LoadConfig();
        lc.targetPort = port;
        lc.connections = connections;
        lc.warmupMillis = warmup;
        lc.durationMillis = duration;
        lc.size = SIZE;
        lc.rate = 0;
        lc.threads = 1;
        lc.connectTimeoutMillis = 10_000;
        return lc;
    }

    /** The main measurement: load for warmup + duration, the child's /proc sampled every 20 ms. */
    private static void measure(ModelsChild child, Cell cell, Timing tm) throws IOException {
        LoadConfig lc = loadConfig(child.port, cell.connections, tm.warmup(), tm.duration());
        ProcStats.Sampler sampler = new ProcStats.Sampler(child.pid, 20);
        LoadResult lr;
        long t0 = System.nanoTime();
        try {
            lr = LoadGenerator.run(lc);
        } finally {
            sampler.close();
        }
        List<ProcStats.Sample> samples = sampler.finish();
        cell.load = lr;
        if (lr.connectionsEstablished == 0) {
            cell.failure = "failed: " + lr.failureReason() + (child.alive() ? "" : "; server: " + child.errTail());
            return;
        }
        long windowStart = t0 + (lr.connectMillis + tm.warmup()) * 1_000_000L;
        long windowEnd = windowStart + tm.duration() * 1_000_000L;
        double ticks = ProcStats.ticksAt(samples, windowEnd) - ProcStats.ticksAt(samples, windowStart);
        cell.cpuSeconds = ticks / ProcStats.clockTicksPerSecond();
        double rw = ProcStats.valueAt(samples, windowEnd, ModelsExperiment::readsAndWrites)
                - ProcStats.valueAt(samples, windowStart, ModelsExperiment::readsAndWrites);
        cell.rwPerMessage = lr.messages > 0 ? rw / lr.messages : Double.NaN;
        ProcStats.Sample end = ProcStats.lastAtOrBefore(samples, windowEnd);
        for (ProcStats.Sample x : samples) {
            cell.threadsMax = Math.max(cell.threadsMax, x.threads());
        }
        if (end != null) {
            cell.threads = end.threads();
            cell.rssMb = end.rssKb() < 0 ? Double.NaN : end.rssKb() / 1024.0;
        }
        if (samples.isEmpty() && sampler.failure() != null) {
            cell.failure = "cannot read /proc/" + child.pid + ": " + sampler.failure().getMessage();
        }
    }

    /** syscr + syscw of a sample, -1 if unknown. */
    private static long readsAndWrites(ProcStats.Sample x) {
        return x.syscr() < 0 || x.syscw() < 0 ? -1 : x.syscr() + x.syscw();
    }

    /** CPU of the server with 10 connected, silent connections. */
    private static Idle idle(ModelsChild child, Timing tm) throws InterruptedException {
        List<Socket> socks = new ArrayList<>();
        try {
            for (int i = 0; i < IDLE_CONNECTIONS; i++) {
                Socket s = new Socket();
                socks.add(s);
                s.connect(new InetSocketAddress("127.0.0.1", child.port), 5_000);
            }
            Thread.sleep(tm.idleSettle());
            long n0 = System.nanoTime();
            double c0 = ProcStats.cpuSeconds(child.pid);
            Thread.sleep(tm.idleWindow());
            double c1 = ProcStats.cpuSeconds(child.pid);
            long n1 = System.nanoTime();
            int threads = ProcStats.read(child.pid).threads();
            return new Idle(child.model, c1 - c0, (n1 - n0) / 1e9, threads, null);
        } catch (IOException e) {
            return new Idle(child.model, Double.NaN, Double.NaN, -1, "failed: " + e.getMessage());
        } finally {
            for (Socket s : socks) {
                try {
                    s.close();
                } catch (IOException e) {
                    // closing a loopback socket
                }
            }
        }
    }

    /** Syscalls per message: strace attached for a short closed-loop run at 10 connections. */
    private static Syscalls syscalls(Path strace, ModelsChild child, Timing tm) throws InterruptedIOException {
        Model m = child.model;
        ProcStrace st;
        try {
            st = ProcStrace.attach(strace, child.pid, 10_000);
        } catch (InterruptedIOException e) {
            throw e;
        } catch (IOException e) {
            return new Syscalls(m, 0, 0, null, "n/a: " + e.getMessage());
        }
        try (ProcStrace s = st) {
            LoadResult lr = LoadGenerator.run(loadConfig(child.port, STRACE_CONNECTIONS, 0, tm.straceDuration()));
            ProcStrace.Counts counts = s.detach();
            if (lr.messagesTotal == 0) {
                return new Syscalls(m, 0, 0, counts, "no message completed under strace");
            }
            return new Syscalls(m, lr.messagesTotal, tm.straceDuration() / 1000.0, counts, null);
        } catch (InterruptedIOException e) {
            throw e;
        } catch (IOException | RuntimeException e) {
            return new Syscalls(m, 0, 0, null, "failed: " + e.getMessage());
        }
    }

    private static long errors(LoadResult lr) {
        return lr.connectErrors + lr.resets + lr.mismatchedBytes + lr.otherErrors + lr.protocolErrors;
    }

    private static String errorText(LoadResult lr) {
        long n = errors(lr);
        if (n == 0) {
            return "0";
        }
        StringBuilder sb = new StringBuilder(Long.toString(n)).append(" (");
        List<String> parts = new ArrayList<>();
        if (lr.mismatchedBytes > 0) {
            parts.add(lr.mismatchedBytes + " mismatched bytes");
        }
        lr.errorsByName.forEach((k, v) -> parts.add(k + " " + v));
        return sb.append(String.join(", ", parts)).append(')').toString();
    }

    private static String notes(Cell cell, boolean quick) {
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
        if (cell.model == Model.THREADPOOL && cell.connections > POOL_WORKERS) {
            long queued = quick ? -1 : ModelsChild.counter(cell.serverStats, "queued");
            notes.add(POOL_WORKERS + " workers: at most " + POOL_WORKERS + " of " + cell.connections
                    + " connections get replies; the others wait unanswered for the whole run"
                    + (queued > 0 && cell.connections > CONNECTIONS.get(0) ? " (server queued " + queued + ")" : "")
                    + ", unseen in p50/p99 (only completed messages are timed)");
        }
        if (!quick && cell.serverStats != null) {
            long fdset = ModelsChild.counter(cell.serverStats, "rejected_fd_setsize");
            long fdlim = ModelsChild.counter(cell.serverStats, "accept_fd_limit");
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

    private void report(ExperimentContext ctx, ExperimentResult r, List<Cell> cells, Map<Model, Idle> idles,
            Map<Model, Syscalls> syscalls, Path strace, Timing tm, int softLimit, int hardLimit) throws IOException {
        boolean quick = ctx.quick;
        Table main = r.table(new Table("echo, " + SIZE + " B messages, closed loop", "model", "connections",
                "msgs/s", "p50 us", "p99 us", "server CPU s", "CPU s per 100k msgs", "threads", "RSS MB",
                "read+write calls per msg", "errors", "notes"));
        Map<String, List<double[]>> series = new LinkedHashMap<>();
        for (Cell c : cells) {
            String m = c.model.cliName();
            LoadResult lr = c.load;
            if (c.skipped != null || lr == null || lr.connectionsEstablished == 0) {
                String why = c.skipped != null ? c.skipped : notes(c, quick);
                main.row(m, c.connections, "n/a", "n/a", "n/a", "n/a", "n/a", "n/a", "n/a", "n/a",
                        lr == null ? "n/a" : errorText(lr), why);
                continue;
            }
            double perHundredK = lr.messages > 0 ? c.cpuSeconds / lr.messages * 100_000 : Double.NaN;
            main.row(m, c.connections, lr.messagesPerSecond, lr.p50, lr.p99, c.cpuSeconds, perHundredK,
                    c.threads < 0 ? "n/a" : c.threads, c.rssMb, c.rwPerMessage, errorText(lr), notes(c, quick));
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
                tm.duration() / 1000.0, tm.warmup() / 1000.0, SIZE, ProcStats.clockTicksPerSecond(),
                quick ? "Quick mode reuses one server JVM per model for its connection counts (in increasing order),"
                        + " so RSS includes what earlier, smaller runs left behind."
                        : "Every row has a fresh server JVM."));

        Table idle = r.table(new Table("CPU with " + IDLE_CONNECTIONS + " idle connections", "model",
                "window s", "server CPU s", "% of one core", "threads", "notes"));
        for (Idle i : idles.values()) {
            if (i.failure() != null) {
                idle.row(i.model().cliName(), "n/a", "n/a", "n/a", "n/a", i.failure());
                continue;
            }
            idle.row(i.model().cliName(), i.seconds(), i.cpuSeconds(), i.pct(), i.threads(),
                    i.model() == Model.NONBLOCKING ? "busy polling: the loop retries every fd without sleeping" : "");
            r.figure(ModelsFigures.idleCpuPct(i.model()), i.pct());
        }
        idle.note(String.format(Locale.ROOT, "Measured after the load run, in the same server JVM: %d connections"
                + " opened and left silent, %.1f s to settle, then CPU over %.1f s (resolution: one clock tick, %.0f%%"
                + " of a core over this window). The CPU is that of every thread of the server JVM, so it can exceed"
                + " 100%% when JIT or GC threads run beside a spinning loop.", IDLE_CONNECTIONS, tm.idleSettle() / 1000.0, tm.idleWindow() / 1000.0,
                100.0 / ProcStats.clockTicksPerSecond() / (tm.idleWindow() / 1000.0)));

        Table sys = r.table(new Table("System calls per echoed message (strace -c)", "model", "messages",
                "syscalls", "per msg", "IO syscalls per msg", "top 3 per msg", "read+write per msg untraced", "notes"));
        for (Syscalls s : syscalls.values()) {
            double untraced = Double.NaN;
            for (Cell c : cells) {
                if (c.model == s.model() && c.connections == STRACE_CONNECTIONS) {
                    untraced = c.rwPerMessage;
                }
            }
            if (s.failure() != null || s.counts() == null) {
                sys.row(s.model().cliName(), s.messages() == 0 ? "n/a" : s.messages(), "n/a", "n/a", "n/a", "",
                        untraced, s.failure());
                continue;
            }
            sys.row(s.model().cliName(), s.messages(), s.counts().total(), s.perMessage(), s.ioPerMessage(), s.top3(),
                    untraced, s.model() == Model.NONBLOCKING ? "tracing slows each lap of the polling loop so much that"
                    + " nearly every read finds data; untraced, the laps that find nothing add EAGAIN reads (how many"
                    + " depends on how fast the client answers)" : "");
            r.figure(ModelsFigures.syscallsPerMsg(s.model()), s.perMessage());
            r.figure(ModelsFigures.ioSyscallsPerMsg(s.model()), s.ioPerMessage());
        }
        sys.note(strace == null ? "strace is not installed, so no system calls were counted (install strace to"
                + " measure them)." : String.format(Locale.ROOT, "Counted with strace -f -c attached to the server JVM"
                + " (every thread, including the JVM's GC, JIT and timer threads) for a %.1f s closed-loop run at %d"
                + " connections, divided by the messages echoed while attached. Tracing slows every system call, so"
                + " the throughput under strace is not comparable to the table above, and a slowed server finds more"
                + " fds ready per select/poll/epoll_wait call than it would untraced (the wait's cost per message is"
                + " understated). The untraced column is the read+write count of the main table's %d-connection row."
                + " IO syscalls: %s.",
                tm.straceDuration() / 1000.0, STRACE_CONNECTIONS, STRACE_CONNECTIONS, String.join(", ", IO_SYSCALLS.stream().sorted().toList())));

        Path png = ctx.outDir.resolve("models-throughput.png");
        Charts.line(png, "Echo throughput by server model (" + SIZE + " B, closed loop)", "connections", "messages/s",
                true, false, Charts.solid(series));
        r.charts.add("models-throughput.png");

        summarize(r, cells, idles, syscalls);
        r.paragraph("Each server ran in its own JVM, started as `muxlab serve --model M --proto echo --port 0 --quiet"
                + " --idle-timeout 0 --max-connections " + MAX_CONNECTIONS + "` with default JVM options, so its CPU,"
                + " threads and memory in /proc are its own; the load generator ran in the experiment's JVM. On a"
                + " machine with few cores the two compete for CPU, and a shared machine adds noise: compare models"
                + " within one run, not across machines.");
        if (cells.stream().anyMatch(c -> c.model == Model.THREADPOOL && c.connections > POOL_WORKERS && c.load != null)) {
            r.paragraph("threadpool: a connection keeps its worker until it closes, so with " + POOL_WORKERS
                    + " workers only " + POOL_WORKERS + " connections are ever served; the rest were accepted by the"
                    + " kernel and wait in the pool's queue. Its msgs/s is the throughput of " + POOL_WORKERS
                    + " connections, and its p99 only covers messages that completed: the starved connections never"
                    + " show up in the latency (the load generator does not report how many connections got a reply).");
        }
        r.paragraph("fd limits during the run: soft " + softLimit + ", hard " + hardLimit + " (the server JVM raises its"
                + " soft limit to the same hard limit).");
    }

    private static void summarize(ExperimentResult r, List<Cell> cells, Map<Model, Idle> idles,
            Map<Model, Syscalls> syscalls) {
        // best and worst throughput at the largest connection count measured for most models
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
        if (count != null) {
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
        List<String> idle = new ArrayList<>();
        for (Idle i : idles.values()) {
            if (i.failure() == null) {
                idle.add(i.model().cliName() + " " + String.format(Locale.ROOT, "%.0f%%", i.pct()));
            }
        }
        if (!idle.isEmpty() && idle.size() <= 3) {
            r.summary("idle CPU (10 silent connections)", String.join(", ", idle));
        } else if (!idle.isEmpty()) {
            List<String> few = new ArrayList<>();
            for (Model m : List.of(Model.NONBLOCKING, Model.EPOLL_ET, Model.BLOCKING)) {
                Idle i = idles.get(m);
                if (i != null && i.failure() == null) {
                    few.add(m.cliName() + " " + String.format(Locale.ROOT, "%.0f%%", i.pct()));
                }
            }
            r.summary("idle CPU (10 silent connections)", String.join(", ", few));
        }
        List<String> sc = new ArrayList<>();
        for (Syscalls s : syscalls.values()) {
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
