package dev.muxlab.lab.cli;

import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import dev.muxlab.Fds;
import dev.muxlab.Sockets;
import dev.muxlab.lab.server.Model;
import dev.muxlab.lab.Proto;
import dev.muxlab.lab.server.Server;
import dev.muxlab.lab.server.ServerConfig;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code muxlab serve}: runs one server model until interrupted (or for --duration). */
@Command(name = "serve", mixinStandardHelpOptions = true,
        description = "Run a raw-fd server in one IO model. Prints 'listening on ADDR:PORT' once ready.")
public final class ServeCommand implements Callable<Integer> {

    @Option(names = "--model", defaultValue = "epoll-et",
            description = "blocking, threadpool, nonblocking, select, poll, epoll-lt, epoll-et (default: ${DEFAULT-VALUE})")
    String model;

    @Option(names = "--proto", defaultValue = "echo", description = "echo or http (default: ${DEFAULT-VALUE})")
    String proto;

    @Option(names = "--port", defaultValue = "8080", description = "TCP port, 0 for any free one (default: ${DEFAULT-VALUE})")
    int port;

    @Option(names = "--bind", defaultValue = "127.0.0.1",
            description = "IPv4 address to bind (default: ${DEFAULT-VALUE}); a warning is printed for non-loopback")
    String bind;

    @Option(names = "--loops", defaultValue = "1",
            description = "reactor threads, each with its own SO_REUSEPORT listener (reactor models; default: ${DEFAULT-VALUE})")
    int loops;

    @Option(names = "--max-connections", defaultValue = "10000",
            description = "beyond this, connections are accepted and closed at once (default: ${DEFAULT-VALUE})")
    int maxConnections;

    @Option(names = "--threads", defaultValue = "8", description = "threadpool workers (default: ${DEFAULT-VALUE})")
    int threads;

    @Option(names = "--max-output", defaultValue = "65536",
            description = "cap on a connection's buffered output in bytes (default: ${DEFAULT-VALUE})")
    int maxOutput;

    @Option(names = "--idle-timeout", defaultValue = "60000",
            description = "close connections idle this many ms (nothing arrives, no pending output is"
                    + " taken), 0 never (default: ${DEFAULT-VALUE})")
    long idleTimeout;

    @Option(names = "--header-timeout", defaultValue = "10000",
            description = "http, reactor models: close a connection whose request headers are not complete"
                    + " within this many ms (slowloris), 0 never (default: ${DEFAULT-VALUE})")
    long headerTimeout;

    @Option(names = "--max-header", defaultValue = "8192",
            description = "http: header block cap in bytes, 431 beyond (default: ${DEFAULT-VALUE})")
    int maxHeader;

    @Option(names = "--duration", defaultValue = "0", description = "stop after this many seconds, 0 runs until interrupted")
    double duration;

    @Option(names = "--stats-interval", defaultValue = "0", description = "print counters every N seconds (0: only at exit)")
    double statsInterval;

    @Option(names = "--quiet", description = "do not log refused connections")
    boolean quiet;

    @Override
    public Integer call() throws Exception {
        ServerConfig cfg = new ServerConfig();
        cfg.model = Model.parse(model);
        cfg.proto = Proto.parse(proto);
        cfg.bindAddress = Sockets.parseIpv4(bind);
        cfg.port = port;
        cfg.loops = loops;
        cfg.maxConnections = maxConnections;
        cfg.poolThreads = threads;
        cfg.maxOutputBytes = maxOutput;
        cfg.idleTimeoutMillis = idleTimeout;
        cfg.maxHeaderBytes = maxHeader;
        cfg.headerTimeoutMillis = headerTimeout;
        cfg.verbose = !quiet;
        if (loops > 1 && !cfg.model.isReactor()) {
            throw new IllegalArgumentException("--loops applies to the reactor models (select, poll, epoll-lt, epoll-et), not "
                    + cfg.model.cliName());
        }
        if (duration < 0 || statsInterval < 0) {
            throw new IllegalArgumentException("--duration and --stats-interval must be >= 0");
        }
        if (!Sockets.isLoopback(cfg.bindAddress)) {
            System.err.println("muxlab: WARNING: binding " + bind + ", which is not a loopback address: this server"
                    + " is reachable from other hosts");
        }
        int limit = Fds.raiseOpenFileLimit();
        Server server = Server.create(cfg);
        server.start();
        System.out.println("listening on " + Sockets.format(cfg.bindAddress) + ":" + server.port() + " model="
                + cfg.model.cliName() + " proto=" + cfg.proto.cliName() + " loops=" + cfg.loops
                + " fd-limit=" + limit + " pid=" + ProcessHandle.current().pid());
        System.out.flush();
        CountDownLatch done = new CountDownLatch(1);
        Thread hook = new Thread(() -> {
            server.close();
            System.out.println("stopped: " + server.stats());
            System.out.flush();
            done.countDown();
        }, "muxlab-shutdown");
        Runtime.getRuntime().addShutdownHook(hook);
        long end = duration > 0 ? System.nanoTime() + (long) (duration * 1e9) : Long.MAX_VALUE;
        long every = statsInterval > 0 ? (long) (statsInterval * 1000) : 1000;
        while (System.nanoTime() < end) {
            if (done.await(Math.min(every, Math.max(1, (end - System.nanoTime()) / 1_000_000)), TimeUnit.MILLISECONDS)) {
                return 0;
            }
            if (statsInterval > 0) {
                System.out.println("stats: " + server.stats());
                System.out.flush();
            }
        }
        Runtime.getRuntime().removeShutdownHook(hook);
        hook.run();
        return 0;
    }
}
