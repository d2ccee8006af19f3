package dev.muxlab.lab.cli;

import java.io.PrintWriter;
import java.time.Duration;
import java.util.concurrent.Callable;

import dev.muxlab.lab.load.LoadConfig;
import dev.muxlab.lab.load.LoadGenerator;
import dev.muxlab.lab.load.LoadResult;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code muxlab load}: the verifying load generator (see {@link LoadGenerator}). */
@Command(name = "load", mixinStandardHelpOptions = true, sortOptions = false,
        description = {
            "Drive C connections over raw fds through epoll, verify every echoed byte, and report throughput,"
                    + " latency percentiles (HdrHistogram, microseconds) and errors.",
            "Closed loop by default (one message in flight per connection); --rate R sends R msg/s in total"
                    + " at fixed intervals and measures latency from when each message was due.",
            "--slow N adds N slowloris connections (an endless HTTP header, one byte every --slow-interval),"
                    + " replaced whenever the server closes one; the report counts the closes and their lifetimes.",
            "Times take a unit: 500ms, 10s, 1.5s, 2m (ns, us, ms, s, m)."},
        exitCodeListHeading = "Exit codes:%n",
        exitCodeList = {
            "0:the run completed with every byte verified",
            "1:a byte came back different from what was sent, or no connection could be established",
            "2:bad usage (the message names the allowed values)",
            "3:an environment problem (e.g. the fd limit or epoll refused)"})
public final class LoadCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Option(names = "--target", defaultValue = "127.0.0.1:8080", paramLabel = "HOST:PORT",
            description = "server address, an IPv4 literal or localhost (default: ${DEFAULT-VALUE})")
    String target;

    @Mixin
    CommonOptions common;

    @Option(names = "--connections", defaultValue = "50", paramLabel = "C",
            description = "connections to open; the soft fd limit is raised as far as the hard one; 0 with --slow runs"
                    + " only the slowloris connections (default: ${DEFAULT-VALUE})")
    int connections;

    @Option(names = "--duration", defaultValue = "10s", paramLabel = "TIME", converter = DurationConverter.class,
            description = "measured time, e.g. 500ms, 10s, 2m (default: ${DEFAULT-VALUE})")
    Duration duration;

    @Option(names = "--warmup", defaultValue = "0", paramLabel = "TIME", converter = DurationConverter.class,
            description = "unrecorded load before measuring, e.g. 2s; 0 none (default: ${DEFAULT-VALUE})")
    Duration warmup;

    @Option(names = "--size", defaultValue = "64", paramLabel = "BYTES",
            description = "echo message size in bytes (default: ${DEFAULT-VALUE})")
    int size;

    @Option(names = "--rate", defaultValue = "0", paramLabel = "R",
            description = "open loop: messages per second over all connections; 0 is a closed loop (default: ${DEFAULT-VALUE})")
    double rate;

    @Option(names = "--loops", defaultValue = "1", paramLabel = "N",
            description = "event loops, one thread each, each owning a share of the connections (default: ${DEFAULT-VALUE})")
    int loops;

    @Option(names = "--connect-batch", defaultValue = "256", paramLabel = "N",
            description = "most connects in progress at once, so the server's backlog does not overflow (default: ${DEFAULT-VALUE})")
    int connectBatch;

    @Option(names = "--connect-timeout", defaultValue = "5s", paramLabel = "TIME", converter = DurationConverter.class,
            description = "a connect not done by then counts as ETIMEDOUT (default: ${DEFAULT-VALUE})")
    Duration connectTimeout;

    @Option(names = "--max-outstanding", defaultValue = "64", paramLabel = "N",
            description = "open loop: messages in flight per connection before further ones are dropped (default: ${DEFAULT-VALUE})")
    int maxOutstanding;

    @Option(names = "--slow", defaultValue = "0", paramLabel = "N",
            description = "also keep N slowloris connections open, each sending an endless HTTP request header one"
                    + " byte at a time; one the server closes is counted and replaced at once (default: ${DEFAULT-VALUE})")
    int slow;

    @Option(names = "--slow-interval", defaultValue = "100ms", paramLabel = "TIME", converter = DurationConverter.class,
            description = "time between two bytes of one slowloris connection (default: ${DEFAULT-VALUE})")
    Duration slowInterval;

    @Override
    public Integer call() throws Exception {
        LoadConfig cfg = config();
        LoadResult r = LoadGenerator.run(cfg);
        boolean json = common.json();
        PrintWriter out = spec.commandLine().getOut();
        if (json) {
            out.println(r.toJson());
        } else {
            out.print(r.toText());
        }
        out.flush();
        PrintWriter err = spec.commandLine().getErr();
        if (json) {
            for (String w : r.warnings) {
                err.println("muxlab: warning: " + w);
            }
        }
        if (r.failed()) {
            err.println("muxlab: " + r.failureReason());
        }
        err.flush();
        return r.exitCode();
    }

    /** The options as a checked LoadConfig; IllegalArgumentException naming the bad option. */
    LoadConfig config() {
        LoadConfig cfg = new LoadConfig();
        try {
            cfg.target(target);
            cfg.proto = common.proto;
            cfg.connections = connections;
            cfg.durationMillis = DurationConverter.millis("duration", duration);
            cfg.warmupMillis = DurationConverter.millis("warmup", warmup);
            cfg.connectTimeoutMillis = DurationConverter.millis("connect-timeout", connectTimeout);
            cfg.size = size;
            cfg.rate = rate;
            cfg.threads = loops;
            cfg.connectBatch = connectBatch;
            cfg.maxOutstanding = maxOutstanding;
            cfg.slow = slow;
            cfg.slowIntervalMillis = DurationConverter.millis("slow-interval", slowInterval);
            cfg.validate();
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("--" + e.getMessage(), e);
        }
        return cfg;
    }
}
