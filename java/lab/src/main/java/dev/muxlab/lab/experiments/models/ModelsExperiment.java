package dev.muxlab.lab.experiments.models;

import java.io.IOException;
import java.io.InterruptedIOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

import dev.muxlab.Backend;
import dev.muxlab.Fds;
import dev.muxlab.lab.load.LoadConfig;
import dev.muxlab.lab.load.LoadGenerator;
import dev.muxlab.lab.load.LoadResult;
import dev.muxlab.lab.proc.ProcStats;
import dev.muxlab.lab.proc.ProcStrace;
import dev.muxlab.lab.proc.ProcThreads;
import dev.muxlab.lab.report.Experiment;
import dev.muxlab.lab.report.ExperimentContext;
import dev.muxlab.lab.report.ExperimentResult;
import dev.muxlab.lab.report.Repeats;
import dev.muxlab.lab.report.Table;
import dev.muxlab.lab.server.Model;

/**
 * {@code models}: every server model under the load generator at 10, 100, 1,000 and 10,000
 * connections. Each server runs in a child JVM ({@code muxlab serve}, default JVM options) so
 * that its CPU time (utime + stime of /proc/PID/stat over the measured window), threads and
 * resident memory (/proc/PID/status at the end of the window, connections still open) are its
 * own; the load (echo, 64-byte messages, closed loop, one load thread) runs in this JVM. Also
 * measured: each model's CPU with 10 idle connections open, its live heap and RSS per idle
 * connection, the sleeps of its event-loop thread, and, when strace is installed, system calls per
 * echoed message ({@code strace -f -c} attached to the server for a short run).
 * <p>
 * {@link ModelsPlan} chooses the models and connection counts, this class measures them one
 * model at a time, {@link ModelsReport} turns them into tables, a chart and the figures named in
 * {@link ModelsFigures}.
 */
public final class ModelsExperiment implements Experiment {
    public static final String NAME = "models";
    static final int SIZE = 64;
    /** Workers of the threadpool model (the child's --pool-size). */
    static final int POOL_WORKERS = 8;
    static final int IDLE_CONNECTIONS = 10;
    /** Idle connections the memory-per-connection measurement opens (select: fewer, its fds stay below 1024). */
    static final int STRACE_CONNECTIONS = 10;
    /** The child's --max-connections: above every cell. */
    static final int MAX_CONNECTIONS = 20_000;
    /** System calls that move data or wait for readiness (the rest are the JVM's own: futex, timers, ...). */
    static final Set<String> IO_SYSCALLS = Set.of("read", "write", "readv", "writev", "recvfrom", "sendto",
            "recvmsg", "sendmsg", "epoll_wait", "epoll_pwait", "epoll_pwait2", "epoll_ctl", "poll", "ppoll",
            "select", "pselect6", "accept", "accept4", "close", "shutdown", "io_uring_enter");

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
        return "Each server model (" + Model.allowed() + "; the threadpool with 8 workers) runs as an echo server in"
                + " a child JVM with default JVM options; the load generator in this JVM keeps one 64-byte message in"
                + " flight per connection (closed loop) at 1, 10, 100, 1,000 and 10,000 connections (quick: 1, 10 and"
                + " 100, plus 1,000 for epoll-et). Every cell runs " + ExperimentContext.FULL_REPEATS + " times (quick:"
                + " once), the repeats in turn over all cells; tables show the median and the min\u2013max. Server"
                + " CPU seconds are utime + stime of the child over the measured window (so 2 s of one busy core is"
                + " 2 CPU s); threads and RSS are read from /proc at the end of the window with every connection open."
                + " The load generator and the server share this machine's cores, so throughput is a property of the"
                + " pair. Also: the CPU each server burns with 10 idle connections, the live heap (after a full GC)"
                + " and RSS each idle connection adds, and system calls per echoed message counted with strace -f -c"
                + " (all of the JVM's threads, so the JVM's own futex and timer calls are included; the 'IO' column"
                + " counts only read/write/accept/close, the readiness calls and io_uring_enter). Each server runs on"
                + " this JVM's JDK, except virtual, which needs JDK 21+ and runs on the newest one found when this"
                + " JVM is older; the tables name the JDK and binding of each."
                + " --backend select, poll or epoll (with --trigger lt or et) keeps only those reactors; select-wide"
                + " is not a server model.";
    }

    /** Some server model runs on one of these backends (none on select-wide). */
    @Override
    public boolean appliesTo(Set<Backend> backends) {
        return backends.isEmpty() || Arrays.stream(Model.values()).anyMatch(m -> backends.contains(m.backend()));
    }

    /** One cell of the main table (a model at a connection count): its repeats, or why it was skipped. */
    static final class Cell {
        final Model model;
        final int connections;
        /** Why the cell was not measured ("n/a: ..."), or null. */
        String skipped;
        /** One measurement per repeat, in the order they ran. */
        final List<Run> runs = new ArrayList<>();

        Cell(Model model, int connections) {
            this.model = model;
            this.connections = connections;
        }

        /** The runs in which connections were established, the ones the figures come from. */
        List<Run> measured() {
            return runs.stream().filter(Run::measured).toList();
        }
    }

    /** One repeat of a cell. */
    static final class Run {
        LoadResult load;
        double cpuSeconds = Double.NaN;
        int threads = -1;
        /** Most threads seen in any sample of the run (connect, warmup, window, close). */
        int threadsMax = -1;
        double rssMb = Double.NaN;
        /** read-type + write-type system calls of the server per message, untraced (/proc/PID/io). */
        double rwPerMessage = Double.NaN;
        /** The server's readiness waits per echoed message over the window, from its own counters. */
        double waitsPerMessage = Double.NaN;
        /**
         * Voluntary context switches of the event loop's thread per echoed message over the window
         * (the times it blocked: slept in its wait, or on a lock); NaN for models without one loop thread.
         */
        double loopSleepsPerMessage = Double.NaN;
        /** uring: the most io_uring worker threads (iou-wrk-*) seen in any sample of the run; -1 otherwise. */
        int ioWorkersMax = -1;
        String failure;
        /** What the server counted during this run (its counter lines before and after), or null. */
        ModelsChild.Counters serverStats;

        boolean measured() {
            return load != null && load.connectionsEstablished > 0;
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

    /**
     * Idle connections' memory: the server's live heap (after a full GC) and RSS with none and
     * with {@code connections} idle connections open.
     */
    record Memory(Model model, int connections, long heap0, long heapN, long rss0Kb, long rssNKb, String failure) {
        double heapKbPerConnection() {
            return (heapN - heap0) / 1024.0 / connections;
        }

        double rssKbPerConnection() {
            return (double) (rssNKb - rss0Kb) / connections;
        }
    }

    /** What a model's server JVM reported: the JDK that ran it and its native binding. */
    record ServerRuntime(String jdk, String binding) {
        @Override
        public String toString() {
            return jdk + " " + binding;
        }
    }

    /** The fd limits of this run and the strace executable (null: not installed). */
    record Env(int softLimit, int hardLimit, Path strace) {
    }

    /** What the run measured, in table order. */
    static final class Results {
        final List<Cell> cells = new ArrayList<>();
        final Map<Model, Idle> idles = new LinkedHashMap<>();
        final Map<Model, Syscalls> syscalls = new LinkedHashMap<>();
        final Map<Model, Memory> memory = new LinkedHashMap<>();
        /** The JDK and binding of each model's servers (as the first one reported them). */
        final Map<Model, ServerRuntime> runtimes = new LinkedHashMap<>();
    }

    @Override
    public ExperimentResult run(ExperimentContext ctx) throws Exception {
        ModelsPlan plan = ModelsPlan.of(ctx);
        Env env = new Env(Fds.raiseOpenFileLimit(), Fds.hardOpenFileLimit(), ProcStrace.find());
        ProcStats.clockTicksPerSecond();
        double[] loadBefore = ProcStats.loadAverage();
        Results out = new Results();
        for (Model m : plan.models()) {
            for (int c : plan.connections(m)) {
                Cell cell = new Cell(m, c);
                cell.skipped = skipReason(m, c, env);
                out.cells.add(cell);
            }
        }
        ctx.progress("models: " + plan.models().size() + " server models x " + Repeats.plural(plan.repeats(), "repeat"),
                plan.steps(), step -> {
                    for (int rep = 0; rep < plan.repeats(); rep++) {
                        for (Model m : plan.models()) {
                            measureModel(ctx, plan, m, rep, env, out, step);
                        }
                    }
                });
        double[] loadAfter = ProcStats.loadAverage();

        ExperimentResult r = new ExperimentResult(name(), title());
        new ModelsReport(ctx, r, plan, env).write(out);
        if (loadBefore != null && loadAfter != null) {
            r.paragraph(String.format(Locale.ROOT, "Measured: 1-minute load average %.2f before and %.2f after this"
                    + " experiment, on %d CPUs. Background: the experiment itself keeps about 2 CPUs busy (server and"
                    + " load generator); a load well above that means other work shared the CPUs and the numbers are"
                    + " noisier.", loadBefore[0], loadAfter[0], Runtime.getRuntime().availableProcessors()));
            r.figure(ModelsFigures.LOADAVG_BEFORE, loadBefore[0]).figure(ModelsFigures.LOADAVG_AFTER, loadAfter[0]);
        }
        return r;
    }

    /**
     * One repeat of every cell of one model, in increasing connection counts on one server JVM
     * (each repeat starts a fresh one); in the first repeat also its idle and strace measurements,
     * on the server after its first cell. The repeats go round all models before a cell runs again.
     */
    private static void measureModel(ExperimentContext ctx, ModelsPlan plan, Model m, int rep, Env env, Results out,
            ExperimentContext.Step step) throws IOException, InterruptedException {
        ModelsChild child = null;
        try {
            for (Cell cell : out.cells) {
                if (cell.model != m) {
                    continue;
                }
                step.message((rep + 1) + "/" + plan.repeats() + " " + m.cliName() + " x " + cell.connections);
                if (cell.skipped != null) {
                    step.step();
                    continue;
                }
                Run run = new Run();
                cell.runs.add(run);
                child = measureCell(ctx, child, cell, run, plan.timing());
                if (child != null) {
                    out.runtimes.putIfAbsent(m, new ServerRuntime(child.jdk, child.binding));
                    ctx.serverJvms.putIfAbsent(m.cliName(), out.runtimes.get(m).toString());
                }
                step.step();
                if (rep == 0 && cell.connections == plan.connections(m).get(0) && child != null && child.alive()) {
                    measureExtras(plan, child, env, out, step);
                }
            }
        } finally {
            if (child != null) {
                child.stop();
            }
        }
        if (rep > 0) {
            return;
        }
        // the idle and strace steps of a model whose first cell had no running server
        if (!out.idles.containsKey(m) && plan.measuresIdle(m)) {
            out.idles.put(m, new Idle(m, Double.NaN, Double.NaN, -1, "not measured: the server did not run"));
            step.step();
        }
        if (!out.syscalls.containsKey(m) && plan.tracesSyscalls(m)) {
            out.syscalls.put(m, new Syscalls(m, 0, 0, null, "not measured: the server did not run"));
            step.step();
        }
        if (!out.memory.containsKey(m) && plan.measuresIdle(m)) {
            out.memory.put(m, new Memory(m, plan.memoryConnections(m), -1, -1, -1, -1,
                    "not measured: the server did not run"));
            step.step();
        }
    }

    /** Why a cell cannot run here ("n/a: ..."), or null. */
    private static String skipReason(Model m, int c, Env env) throws IOException {
        String jdk = ModelsChild.unavailable(m);
        if (jdk != null) {
            return jdk;
        }
        if (m == Model.SELECT && c >= 1_024) {
            return String.format(Locale.ROOT, "n/a: select cannot hold %,d fds (FD_SETSIZE = 1024: fds >= 1024 are"
                    + " refused)", c);
        }
        if (env.hardLimit() < c + 256 || env.softLimit() < c + Fds.countOpen() + 64) {
            return "n/a: fd limit too low for " + c + " connections (soft " + env.softLimit() + ", hard "
                    + env.hardLimit() + "; raise it with ulimit -n)";
        }
        return null;
    }

    /**
     * Measures one cell on the model's server, starting one if there is none (or the last one
     * died); a failure is the cell's, not the experiment's. Returns the server, or null.
     */
    private static ModelsChild measureCell(ExperimentContext ctx, ModelsChild child, Cell cell, Run run,
            ModelsPlan.Timing tm) throws InterruptedIOException {
        try {
            if (child != null && !child.alive()) {
                child.stop(); // quick mode: the server of the last cell died; start another
                child = null;
            }
            if (child == null) {
                child = ModelsChild.start(cell.model, 30_000);
            }
            measure(child, cell, run, tm);
        } catch (InterruptedIOException e) {
            throw e;
        } catch (IOException | RuntimeException e) {
            run.failure = "failed: " + e.getMessage();
            ctx.log.println("  models: " + cell.model.cliName() + " x " + cell.connections + " " + run.failure);
        }
        return child;
    }

    /** Idle CPU and system calls per message, on the server of the model's first cell. */
    private static void measureExtras(ModelsPlan plan, ModelsChild child, Env env, Results out,
            ExperimentContext.Step step) throws InterruptedException, InterruptedIOException {
        Model m = child.model;
        if (plan.measuresIdle(m)) {
            step.message(m.cliName() + " idle");
            out.idles.put(m, idle(child, plan.timing()));
            step.step();
        }
        if (plan.measuresIdle(m)) {
            step.message(m.cliName() + " memory per connection");
            out.memory.put(m, memory(child, plan.timing(), plan.memoryConnections(m)));
            step.step();
        }
        if (plan.tracesSyscalls(m)) {
            step.message(m.cliName() + " strace");
            out.syscalls.put(m, env.strace() == null
                    ? new Syscalls(m, 0, 0, null, "n/a: strace not installed")
                    : syscalls(env.strace(), child, plan.timing()));
            step.step();
        }
    }

    /** The load of every run: SIZE-byte echoes in a closed loop (one in flight per connection), one load thread. */
    private static final LoadConfig ECHO_LOAD = echoLoad();

    private static LoadConfig echoLoad() {
        LoadConfig lc = new LoadConfig();
        lc.size = SIZE;
        lc.rate = 0;
        lc.threads = 1;
        lc.connectTimeoutMillis = 10_000;
        return lc;
    }

    /** The echo load against the child's port, for one cell's connections and durations. */
    static LoadConfig loadConfig(int port, int connections, long warmup, long duration) {
        LoadConfig lc = ECHO_LOAD.copy();
        lc.targetPort = port;
        lc.connections = connections;
        lc.warmupMillis = warmup;
        lc.durationMillis = duration;
        return lc;
    }

    /**
     * The main measurement: load for warmup + duration, the child's /proc sampled every 20 ms and
     * its counters read as it prints them, so that CPU, system calls and waits cover the measured
     * window only.
     */
    private static void measure(ModelsChild child, Cell cell, Run run, ModelsPlan.Timing tm) throws IOException {
        long warmup = tm.warmup(cell.connections);
        LoadConfig lc = loadConfig(child.port, cell.connections, warmup, tm.duration());
        String loop = loopThreadName(cell.model);
        List<Long> loopThreads = loop == null ? List.of() : ProcThreads.named(child.pid, loop);
        ProcStats.Sampler sampler = new ProcStats.Sampler(child.pid, 20, loopThreads, cell.model == Model.URING);
        ModelsChild.CounterSampler counters = child.sampleCounters();
        LoadResult lr;
        long t0 = System.nanoTime();
        try {
            lr = LoadGenerator.run(lc);
        } finally {
            sampler.close();
            counters.close();
        }
        List<ProcStats.Sample> samples = sampler.finish();
        List<ModelsChild.CounterSample> stats = counters.finish();
        run.load = lr;
        if (lr.connectionsEstablished == 0) {
            run.failure = "failed: " + lr.failureReason() + (child.alive() ? "" : "; server: " + child.errTail());
            return;
        }
        long windowStart = t0 + (lr.connectMillis + warmup) * 1_000_000L;
        long windowEnd = windowStart + tm.duration() * 1_000_000L;
        double ticks = ProcStats.ticksAt(samples, windowEnd) - ProcStats.ticksAt(samples, windowStart);
        run.cpuSeconds = ticks / ProcStats.clockTicksPerSecond();
        double rw = ProcStats.valueAt(samples, windowEnd, ModelsExperiment::readsAndWrites)
                - ProcStats.valueAt(samples, windowStart, ModelsExperiment::readsAndWrites);
        run.rwPerMessage = lr.messages > 0 ? rw / lr.messages : Double.NaN;
        run.waitsPerMessage = waitsPerMessage(stats, windowStart, windowEnd);
        if (!loopThreads.isEmpty() && lr.messages > 0) {
            double sleeps = ProcStats.valueAt(samples, windowEnd, ProcStats.Sample::loopSwitches)
                    - ProcStats.valueAt(samples, windowStart, ProcStats.Sample::loopSwitches);
            run.loopSleepsPerMessage = sleeps / lr.messages;
        }
        if (cell.model == Model.URING) {
            run.ioWorkersMax = samples.stream().mapToInt(ProcStats.Sample::ioWorkers).max().orElse(-1);
        }
        run.serverStats = ModelsChild.delta(stats);
        ProcStats.Sample end = ProcStats.lastAtOrBefore(samples, windowEnd);
        for (ProcStats.Sample x : samples) {
            run.threadsMax = Math.max(run.threadsMax, x.threads());
        }
        if (end != null) {
            run.threads = end.threads();
            run.rssMb = end.rssKb() < 0 ? Double.NaN : end.rssKb() / 1024.0;
        }
        if (samples.isEmpty() && sampler.failure() != null) {
            run.failure = "cannot read /proc/" + child.pid + ": " + sampler.failure().getMessage();
        }
    }

    /**
     * The server's awaits over the window divided by the messages it echoed in it (bytes out over
     * the message size), both from the same counter lines, so that the ratio does not depend on
     * when exactly the lines were read; NaN without two readings that bracket some echoed bytes.
     */
    static double waitsPerMessage(List<ModelsChild.CounterSample> stats, long windowStart, long windowEnd) {
        double awaits = ModelsChild.counterAt(stats, windowEnd, ModelsChild.CounterSample::awaits)
                - ModelsChild.counterAt(stats, windowStart, ModelsChild.CounterSample::awaits);
        double bytes = ModelsChild.counterAt(stats, windowEnd, ModelsChild.CounterSample::bytesOut)
                - ModelsChild.counterAt(stats, windowStart, ModelsChild.CounterSample::bytesOut);
        return bytes >= SIZE ? awaits / (bytes / SIZE) : Double.NaN;
    }

    /**
     * The name (its start) of the thread a model runs its one event loop on ({@code --loops 1}), as
     * the servers name them; null for the models that serve on many threads (blocking, threadpool,
     * virtual).
     */
    static String loopThreadName(Model m) {
        return switch (m) {
            case BLOCKING, THREADPOOL, VIRTUAL -> null;
            case NONBLOCKING -> "muxlab-nonblocking";
            case NIO -> "muxlab-nio";
            default -> "muxlab-" + m.cliName() + "-";
        };
    }

    /**
     * Memory per idle connection: the server's live heap (after {@code jcmd GC.run}) and RSS with
     * no connection open, then with {@code n} idle ones ({@link ModelsPlan#memoryConnections}),
     * after the same settle.
     */
    private static Memory memory(ModelsChild child, ModelsPlan.Timing tm, int n) throws InterruptedException {
        Model m = child.model;
        List<Socket> socks = new ArrayList<>();
        try {
            Thread.sleep(tm.idleSettle());
            // a first full GC may shrink the heap and give memory back; the baseline is taken after a second
            child.heapAfterGc(30_000);
            long heap0 = child.heapAfterGc(30_000);
            long rss0 = ProcStats.read(child.pid).rssKb();
            for (int i = 0; i < n; i++) {
                Socket s = new Socket();
                socks.add(s);
                s.connect(new InetSocketAddress("127.0.0.1", child.port), 5_000);
            }
            Thread.sleep(tm.idleSettle());
            long heapN = child.heapAfterGc(30_000);
            long rssN = ProcStats.read(child.pid).rssKb();
            return new Memory(m, n, heap0, heapN, rss0, rssN, null);
        } catch (IOException e) {
            return new Memory(m, n, -1, -1, -1, -1, "failed: " + e.getMessage());
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

    /** syscr + syscw of a sample, -1 if unknown. */
    private static long readsAndWrites(ProcStats.Sample x) {
        return x.syscr() < 0 || x.syscw() < 0 ? -1 : x.syscr() + x.syscw();
    }

    /** CPU of the server with 10 connected, silent connections. */
    private static Idle idle(ModelsChild child, ModelsPlan.Timing tm) throws InterruptedException {
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
    private static Syscalls syscalls(Path strace, ModelsChild child, ModelsPlan.Timing tm) throws InterruptedIOException {
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
}
