package dev.muxlab.lab.cli;

import java.io.PrintStream;
import java.lang.management.ManagementFactory;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import dev.muxlab.Binding;
import dev.muxlab.Fds;
import dev.muxlab.Sockets;
import dev.muxlab.lab.Json;
import dev.muxlab.lab.server.Model;
import dev.muxlab.lab.server.Server;
import dev.muxlab.lab.server.ServerConfig;
import dev.muxlab.lab.server.ServerStats;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code muxlab serve}: runs one server model until interrupted (or for --duration). */
@Command(name = "serve", mixinStandardHelpOptions = true, sortOptions = false,
        description = {
            "Run a server in one IO model until interrupted (SIGINT, SIGTERM) or for --duration.",
            "--format text prints 'listening on ADDR:PORT ...' once ready, 'stats: k=v ...' every --stats-interval"
                    + " and 'stopped: k=v ...' on exit (counters that are 0 left out).",
            "--format json prints JSON Lines instead: {\"event\":\"listening\",\"address\":...,\"port\":...,"
                    + "\"model\":...,\"proto\":...,\"jdk\":...,\"binding\":...} once ready (jdk: the java.version that runs it;"
                    + " binding: ffm or jnr-ffi, the native binding in use), {\"event\":\"stats\",\"stats\":{...},\"heap_used\":BYTES} every"
                    + " --stats-interval (heap_used: the Java heap in use, garbage included until a GC) and {\"event\":\"stopped\",\"stats\":{...}} on exit, with every counter.",
            "Times take a unit: 500ms, 10s, 1.5s, 2m (ns, us, ms, s, m); 0 means off."})
public final class ServeCommand implements Callable<Integer> {

    @Option(names = "--model", defaultValue = "epoll-et", paramLabel = "M",
            converter = Choice.Models.class, completionCandidates = Choice.Models.class,
            description = {"${COMPLETION-CANDIDATES} (default: ${DEFAULT-VALUE});"
                    + " nio: the JDK's Selector, one thread; virtual: one virtual thread per connection (JDK 21+)"})
    Model model;

    @Mixin
    CommonOptions common;

    @Option(names = "--port", defaultValue = "8080", paramLabel = "PORT", description = "TCP port, 0 for any free one (default: ${DEFAULT-VALUE})")
    int port;

    @Option(names = "--bind", defaultValue = "127.0.0.1", paramLabel = "ADDR",
            description = "IPv4 address to bind (default: ${DEFAULT-VALUE}); a warning is printed for non-loopback")
    String bind;

    @Option(names = "--loops", defaultValue = "1", paramLabel = "N",
            description = "reactor models and uring: event loops, one thread each with its own SO_REUSEPORT listener"
                    + " (default: ${DEFAULT-VALUE})")
    int loops;

    @Option(names = "--pool-size", defaultValue = "8", paramLabel = "N",
            description = "threadpool model: worker threads (default: ${DEFAULT-VALUE})")
    int poolSize;

    @Option(names = "--max-connections", defaultValue = "10000", paramLabel = "N",
            description = "beyond this, connections are accepted and closed at once (default: ${DEFAULT-VALUE})")
    int maxConnections;

    @Option(names = "--max-output", defaultValue = "65536", paramLabel = "BYTES",
            description = "cap on a connection's buffered output (default: ${DEFAULT-VALUE})")
    int maxOutput;

    @Option(names = "--idle-timeout", defaultValue = "60s", paramLabel = "TIME", converter = DurationConverter.class,
            description = "close connections idle this long (nothing arrives, no pending output is taken);"
                    + " 0 never (default: ${DEFAULT-VALUE})")
    Duration idleTimeout;

    @Option(names = "--header-timeout", defaultValue = "10s", paramLabel = "TIME", converter = DurationConverter.class,
            description = "http, reactor, uring, nio and virtual models: close a connection whose request headers are not complete"
                    + " this long after they began (slowloris); 0 never (default: ${DEFAULT-VALUE})")
    Duration headerTimeout;

    @Option(names = "--max-header", defaultValue = "8192", paramLabel = "BYTES",
            description = "http: header block cap, 431 beyond (default: ${DEFAULT-VALUE})")
    int maxHeader;

    @Option(names = "--duration", defaultValue = "0", paramLabel = "TIME", converter = DurationConverter.class,
            description = "stop after this long; 0 runs until interrupted (default: ${DEFAULT-VALUE})")
    Duration duration;

    @Option(names = "--stats-interval", defaultValue = "0", paramLabel = "TIME", converter = DurationConverter.class,
            description = "print the counters this often; 0 only at exit (default: ${DEFAULT-VALUE})")
    Duration statsInterval;

    @Option(names = "--quiet", description = "do not log refused connections")
    boolean quiet;

    @Override
    public Integer call() throws Exception {
        ServerConfig cfg = config();
        long durationMillis = DurationConverter.millis("--duration", duration);
        long statsMillis = DurationConverter.millis("--stats-interval", statsInterval);
        if (!Sockets.isLoopback(cfg.bindAddress)) {
            System.err.println("muxlab: WARNING: binding " + bind + ", which is not a loopback address: this server"
                    + " is reachable from other hosts");
        }
        int limit = Fds.raiseOpenFileLimit();
        Server server = Server.create(cfg);
        server.start();
        CountDownLatch done = new CountDownLatch(1);
        Thread hook = new Thread(() -> {
            server.close();
            counters("stopped", server.stats());
            done.countDown();
        }, "muxlab-shutdown");
        // before the listening line: a SIGTERM sent as soon as it is read still gets the counters
        Runtime.getRuntime().addShutdownHook(hook);
        listening(cfg, server.port(), limit);
        long end = durationMillis > 0 ? System.nanoTime() + durationMillis * 1_000_000L : Long.MAX_VALUE;
        long every = statsMillis > 0 ? statsMillis : 1000;
        while (System.nanoTime() < end) {
            if (done.await(Math.min(every, Math.max(1, (end - System.nanoTime()) / 1_000_000)), TimeUnit.MILLISECONDS)) {
                return 0;
            }
            if (statsMillis > 0) {
                counters("stats", server.stats());
            }
        }
        Runtime.getRuntime().removeShutdownHook(hook);
        hook.run();
        return 0;
    }

    /** The options as a checked ServerConfig; IllegalArgumentException naming the bad option. */
    ServerConfig config() {
        ServerConfig cfg = new ServerConfig();
        cfg.model = model;
        cfg.proto = common.proto;
        cfg.port = port;
        cfg.loops = loops;
        cfg.maxConnections = maxConnections;
        cfg.poolThreads = poolSize;
        cfg.maxOutputBytes = maxOutput;
        cfg.maxHeaderBytes = maxHeader;
        cfg.verbose = !quiet;
        try {
            cfg.bindAddress = Sockets.parseIpv4(bind);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("--bind must be an IPv4 address or localhost: '" + bind + "'", e);
        }
        try {
            cfg.idleTimeoutMillis = DurationConverter.millis("idle-timeout", idleTimeout);
            cfg.headerTimeoutMillis = DurationConverter.millis("header-timeout", headerTimeout);
            cfg.validate();
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("--" + e.getMessage(), e);
        }
        if (loops > 1 && !model.takesLoops()) {
            throw new IllegalArgumentException("--loops applies to the reactor models (select, poll, epoll-lt, epoll-et,"
                    + " sigio) and uring, not " + model.cliName());
        }
        return cfg;
    }

    /** The first line: the server is ready at this address. */
    private void listening(ServerConfig cfg, int boundPort, int fdLimit) {
        String address = Sockets.format(cfg.bindAddress);
        long pid = ProcessHandle.current().pid();
        if (common.json()) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("event", "listening");
            m.put("address", address);
            m.put("port", boundPort);
            m.put("model", cfg.model.cliName());
            m.put("proto", cfg.proto.cliName());
            m.put("loops", cfg.loops);
            m.put("fd_limit", fdLimit);
            m.put("pid", pid);
            m.put("jdk", System.getProperty("java.version"));
            m.put("binding", Binding.name());
            emit(Json.line(m));
        } else {
            emit("listening on " + address + ":" + boundPort + " model=" + cfg.model.cliName() + " proto="
                    + cfg.proto.cliName() + " loops=" + cfg.loops + " fd-limit=" + fdLimit + " pid=" + pid
                    + " jdk=" + System.getProperty("java.version") + " binding=" + Binding.name());
        }
    }

    /** A "stats" or "stopped" line with the server's counters. */
    private void counters(String event, ServerStats stats) {
        if (common.json()) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("event", event);
            m.put("stats", stats.snapshot());
            m.put("heap_used", ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed());
            emit(Json.line(m));
        } else {
            emit(event + ": " + stats);
        }
    }

    private static void emit(String line) {
        PrintStream out = System.out;
        synchronized (out) {
            out.println(line);
            out.flush();
        }
    }
}
