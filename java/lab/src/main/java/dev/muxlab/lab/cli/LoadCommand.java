package dev.muxlab.lab.cli;

import java.io.PrintWriter;
import java.util.Locale;
import java.util.concurrent.Callable;

import dev.muxlab.lab.load.LoadConfig;
import dev.muxlab.lab.load.LoadGenerator;
import dev.muxlab.lab.load.LoadResult;
import dev.muxlab.lab.Proto;
import picocli.CommandLine.Command;
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
            "--slow N adds N slowloris connections (an endless HTTP header, one byte every --slow-interval ms),"
                    + " replaced whenever the server closes one; the report counts the closes and their lifetimes."},
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

    @Option(names = "--proto", defaultValue = "echo", paramLabel = "echo|http",
            description = "echo (verified byte stream) or http (keep-alive GET /) (default: ${DEFAULT-VALUE})")
    String proto;

    @Option(names = "--connections", defaultValue = "50", paramLabel = "C",
            description = "connections to open; the soft fd limit is raised as far as the hard one; 0 with --slow runs"
                    + " only the slowloris connections (default: ${DEFAULT-VALUE})")
    int connections;

    @Option(names = "--duration", defaultValue = "10", paramLabel = "D",
            description = "measured time: seconds, or with a unit: 500ms, 10s, 2m (default: ${DEFAULT-VALUE})")
    String duration;

    @Option(names = "--size", defaultValue = "64", paramLabel = "S",
            description = "echo message size in bytes (default: ${DEFAULT-VALUE})")
    int size;

    @Option(names = "--rate", defaultValue = "0", paramLabel = "R",
            description = "open loop: messages per second over all connections; 0 is a closed loop (default: ${DEFAULT-VALUE})")
    double rate;

    @Option(names = "--warmup", defaultValue = "0", paramLabel = "W",
            description = "unrecorded load before measuring, same units as --duration (default: ${DEFAULT-VALUE})")
    String warmup;

    @Option(names = "--threads", defaultValue = "1", paramLabel = "T",
            description = "event-loop threads, each owning a share of the connections (default: ${DEFAULT-VALUE})")
    int threads;

    @Option(names = "--format", defaultValue = "text", paramLabel = "text|json",
            description = "report format (default: ${DEFAULT-VALUE})")
    String format;

    @Option(names = "--connect-batch", defaultValue = "256", paramLabel = "N",
            description = "most connects in progress at once, so the server's backlog does not overflow (default: ${DEFAULT-VALUE})")
    int connectBatch;

    @Option(names = "--connect-timeout", defaultValue = "5s", paramLabel = "D",
            description = "a connect not done by then counts as ETIMEDOUT (default: ${DEFAULT-VALUE})")
    String connectTimeout;

    @Option(names = "--max-outstanding", defaultValue = "64", paramLabel = "N",
            description = "open loop: messages in flight per connection before further ones are dropped (default: ${DEFAULT-VALUE})")
    int maxOutstanding;

    @Option(names = "--slow", defaultValue = "0", paramLabel = "N",
            description = "also keep N slowloris connections open, each sending an endless HTTP request header one"
                    + " byte at a time; one the server closes is counted and replaced at once (default: ${DEFAULT-VALUE})")
    int slow;

    @Option(names = "--slow-interval", defaultValue = "100", paramLabel = "MS",
            description = "milliseconds between two bytes of one slowloris connection (default: ${DEFAULT-VALUE})")
    long slowInterval;

    @Override
    public Integer call() throws Exception {
        LoadConfig cfg = new LoadConfig();
        try {
            cfg.target(target);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("--" + e.getMessage(), e);
        }
        cfg.proto = Proto.parse(proto);
        boolean json;
        if (format.equals("json")) {
            json = true;
        } else if (format.equals("text")) {
            json = false;
        } else {
            throw new IllegalArgumentException("unknown format '" + format + "' (allowed: text, json)");
        }
        cfg.connections = connections;
        cfg.durationMillis = millis("--duration", duration);
        cfg.warmupMillis = millis("--warmup", warmup);
        cfg.connectTimeoutMillis = millis("--connect-timeout", connectTimeout);
        cfg.size = size;
        cfg.rate = rate;
        cfg.threads = threads;
        cfg.connectBatch = connectBatch;
        cfg.maxOutstanding = maxOutstanding;
        cfg.slow = slow;
        cfg.slowIntervalMillis = slowInterval;
        try {
            cfg.validate();
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("--" + e.getMessage(), e);
        }
        LoadResult r = LoadGenerator.run(cfg);
        PrintWriter out = spec.commandLine().getOut();
        if (json) {
            out.println(r.toJson());
        } else {
            out.print(r.toText());
        }
        out.flush();
        PrintWriter err = spec.commandLine().getErr();
        for (String w : r.warnings) {
            if (json) {
                err.println("muxlab: warning: " + w);
            }
        }
        if (r.failed()) {
            err.println("muxlab: " + r.failureReason());
        }
        err.flush();
        return r.exitCode();
    }

    /** Parses "10", "2.5", "500ms", "10s", "2m" to milliseconds. */
    static long millis(String option, String text) {
        String t = text.trim().toLowerCase(Locale.ROOT);
        double scale = 1000;
        if (t.endsWith("ms")) {
            scale = 1;
            t = t.substring(0, t.length() - 2);
        } else if (t.endsWith("s")) {
            t = t.substring(0, t.length() - 1);
        } else if (t.endsWith("m")) {
            scale = 60_000;
            t = t.substring(0, t.length() - 1);
        }
        double v;
        try {
            v = Double.parseDouble(t.trim());
        } catch (NumberFormatException e) {
            v = Double.NaN;
        }
        if (!(v >= 0) || Double.isInfinite(v) || v * scale > Long.MAX_VALUE / 2) {
            throw new IllegalArgumentException(option + " must be a number of seconds or carry a unit ms, s or m"
                    + " (e.g. 10, 2.5, 500ms, 2m): '" + text + "'");
        }
        return Math.round(v * scale);
    }
}
