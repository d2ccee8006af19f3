package dev.muxlab.lab.load;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.muxlab.lab.Json;
import dev.muxlab.lab.Proto;
import org.HdrHistogram.Histogram;

/**
 * The outcome of one {@link LoadGenerator#run(LoadConfig)}: throughput over the measured window,
 * latency percentiles in microseconds, and every error counted. A run has {@link #failed()} when
 * any byte came back different from what was sent, or when no connection could be established.
 * Rendered as text ({@link #toText()}) or JSON ({@link #toJson()}).
 */
public final class LoadResult {
    public final String target;
    public final Proto proto;
    /** Echo message size in bytes (for HTTP, the size of the GET request). */
    public final int size;
    /** Configured open-loop rate in messages/s; 0 for a closed loop. */
    public final double rate;
    public final int threads;
    public final int connectionsRequested;
    /** Connections whose handshake completed. */
    public final long connectionsEstablished;
    /** Connections still open when the run ended. */
    public final long connectionsOpenAtEnd;
    /**
     * Connections that got at least one complete reply (an echoed message, an HTTP response) over
     * the whole run. Below {@link #connectionsEstablished} when some were starved, e.g. by the
     * threadpool model, whose pool serves only as many connections as it has threads.
     */
    public final long connectionsAnswered;
    public final long durationMillis;
    public final long warmupMillis;
    /** Time taken to open the connections (before the warmup). */
    public final long connectMillis;
    /** Soft RLIMIT_NOFILE during the run (raised to the hard limit). */
    public final int fdLimit;

    /** Messages (HTTP: responses) completed within the measured window. */
    public final long messages;
    /** Messages completed over the whole run: warmup, window and the last batch handled after the end. */
    public final long messagesTotal;
    /** Bytes written and read within the measured window. */
    public final long bytesSent;
    public final long bytesReceived;
    public final double messagesPerSecond;
    /** Megabytes (10^6 bytes) per second, received and sent. */
    public final double mbPerSecondReceived;
    public final double mbPerSecondSent;

    /** Connects that failed (refused, timed out, EMFILE, ...). */
    public final long connectErrors;
    /** Connections lost to ECONNRESET, EPIPE or EOF from the server. */
    public final long resets;
    /** Echoed bytes that differed from what was sent, or that were never sent. */
    public final long mismatchedBytes;
    /** HTTP responses whose status was not 200. */
    public final long non200;
    /** HTTP responses that could not be parsed (the connection is closed). */
    public final long protocolErrors;
    /** Other read/write failures. */
    public final long otherErrors;
    /** Open loop: messages not sent because their connection had max-outstanding in flight. */
    public final long dropped;
    /**
     * Every error by its display name (ECONNREFUSED, ECONNRESET, EPIPE, ETIMEDOUT, ..., plus EOF
     * and PROTOCOL), for reports; compare with {@link #errorCount(int)}.
     */
    public final Map<String, Long> errorsByName;
    /** HTTP: responses by status code. */
    public final Map<Integer, Long> statusCounts;
    /** Descriptions of the first mismatches and protocol errors. */
    public final List<String> errorSamples;
    public final List<String> warnings;

    /** Slowloris connections asked for ({@link LoadConfig#slow}); 0 when there were none. */
    public final int slowRequested;
    /** Milliseconds between two bytes of one slowloris connection. */
    public final long slowIntervalMillis;
    /** Slowloris connections established over the whole run: the first N and every replacement. */
    public final long slowOpened;
    /** Slowloris connections the server closed (EOF, ECONNRESET or EPIPE). */
    public final long slowClosedByServer;
    /** Slowloris connections still open when the run ended. */
    public final long slowOpenAtEnd;
    /** Slowloris connects that failed (each retried one interval later). */
    public final long slowConnectErrors;
    /** Slowloris connections lost to another error. */
    public final long slowOtherErrors;
    /** Slowloris connections that received any byte from the server (e.g. a 408 or 431) before it closed them. */
    public final long slowReplied;
    /** Header bytes the slowloris connections sent. */
    public final long slowBytesSent;
    /** Lifetimes of the slowloris connections the server closed, from connect to close, in ms (0 when none). */
    public final long slowLifetimeMinMillis;
    public final long slowLifetimeMedianMillis;
    public final long slowLifetimeMaxMillis;
    /**
     * Slowloris errors and closes by display name (EOF, ECONNRESET, EPIPE, ECONNREFUSED, ...);
     * compare with {@link #slowErrorCount(int)}.
     */
    public final Map<String, Long> slowByName;

    /** Latency percentiles and mean in microseconds (0 when nothing completed). */
    public final long p50;
    public final long p90;
    public final long p99;
    public final long p999;
    public final long max;
    public final double mean;
    private final Histogram latency;
    private final ErrorTally errors = new ErrorTally();
    private final ErrorTally slowErrors = new ErrorTally();

    LoadResult(LoadConfig cfg, int threads, List<LoadWorker> workers, SlowLoris slow, long connectNanos,
               long measuredNanos, int fdLimit, List<String> warnings) {
        this.target = cfg.targetString();
        this.proto = cfg.proto;
        this.size = cfg.proto == Proto.HTTP ? LoadWorker.HTTP_REQUEST.length : cfg.size;
        this.rate = cfg.rate;
        this.threads = threads;
        this.connectionsRequested = cfg.connections;
        this.durationMillis = cfg.durationMillis;
        this.warmupMillis = cfg.warmupMillis;
        this.connectMillis = connectNanos / 1_000_000L;
        this.fdLimit = fdLimit;

        Histogram h = new Histogram(1, LoadWorker.HIGHEST_MICROS, 3);
        long est = 0, open = 0, answered = 0, msgs = 0, total = 0, sent = 0, recv = 0, ce = 0, rs = 0, mm = 0,
                bad = 0, pe = 0, oe = 0, dr = 0;
        Map<Integer, Long> status = new TreeMap<>();
        List<String> samples = new ArrayList<>();
        for (LoadWorker w : workers) {
            h.add(w.histogram);
            est += w.established;
            open += w.openAtEnd;
            answered += w.answered;
            msgs += w.messages;
            total += w.messagesTotal;
            sent += w.bytesSent;
            recv += w.bytesReceived;
            ce += w.connectErrors();
            rs += w.resets;
            mm += w.mismatched;
            bad += w.non200;
            pe += w.protocolErrors;
            oe += w.otherErrors;
            dr += w.dropped;
            errors.addAll(w.errors);
            for (int code = 0; code < w.statusCounts.length; code++) {
                if (w.statusCounts[code] != 0) {
                    status.merge(code, w.statusCounts[code], Long::sum);
                }
            }
            for (String s : w.samples) {
                if (samples.size() < cfg.maxErrorSamples) {
                    samples.add(s);
                }
            }
        }
        this.latency = h;
        this.connectionsEstablished = est;
        this.connectionsOpenAtEnd = open;
        this.connectionsAnswered = answered;
        this.messages = msgs;
        this.messagesTotal = total;
        this.bytesSent = sent;
        this.bytesReceived = recv;
        this.connectErrors = ce;
        this.resets = rs;
        this.mismatchedBytes = mm;
        this.non200 = bad;
        this.protocolErrors = pe;
        this.otherErrors = oe;
        this.dropped = dr;
        this.errorsByName = Collections.unmodifiableMap(errors.byName());
        this.statusCounts = Collections.unmodifiableMap(status);
        this.errorSamples = Collections.unmodifiableList(samples);
        this.warnings = Collections.unmodifiableList(new ArrayList<>(warnings));
        double secs = measuredNanos / 1e9;
        this.messagesPerSecond = secs > 0 ? msgs / secs : 0;
        this.mbPerSecondReceived = secs > 0 ? recv / secs / 1e6 : 0;
        this.mbPerSecondSent = secs > 0 ? sent / secs / 1e6 : 0;
        boolean any = h.getTotalCount() > 0;
        this.p50 = any ? h.getValueAtPercentile(50) : 0;
        this.p90 = any ? h.getValueAtPercentile(90) : 0;
        this.p99 = any ? h.getValueAtPercentile(99) : 0;
        this.p999 = any ? h.getValueAtPercentile(99.9) : 0;
        this.max = any ? h.getMaxValue() : 0;
        this.mean = any ? h.getMean() : 0;

        this.slowRequested = slow == null ? 0 : cfg.slow;
        this.slowIntervalMillis = cfg.slowIntervalMillis;
        this.slowOpened = slow == null ? 0 : slow.opened;
        this.slowClosedByServer = slow == null ? 0 : slow.closedByServer;
        this.slowOpenAtEnd = slow == null ? 0 : slow.openAtEnd;
        this.slowConnectErrors = slow == null ? 0 : slow.connectErrors();
        this.slowOtherErrors = slow == null ? 0 : slow.otherErrors;
        this.slowReplied = slow == null ? 0 : slow.replied;
        this.slowBytesSent = slow == null ? 0 : slow.bytesSent;
        boolean closed = slow != null && slow.lifetimes.getTotalCount() > 0;
        this.slowLifetimeMinMillis = closed ? slow.lifetimes.getMinValue() : 0;
        this.slowLifetimeMedianMillis = closed ? slow.lifetimes.getValueAtPercentile(50) : 0;
        this.slowLifetimeMaxMillis = closed ? slow.lifetimes.getMaxValue() : 0;
        if (slow != null) {
            slowErrors.addAll(slow.errors);
        }
        this.slowByName = Collections.unmodifiableMap(slowErrors.byName());
    }

    /**
     * How many errors of the normal connections carried {@code code}: an errno
     * ({@code Errno.ECONNREFUSED}, ...), {@link ErrorTally#EOF} or {@link ErrorTally#PROTOCOL}.
     */
    public long errorCount(int code) {
        return errors.get(code);
    }

    /** How many closes and errors of the slowloris connections carried {@code code} (as {@link #errorCount}). */
    public long slowErrorCount(int code) {
        return slowErrors.get(code);
    }

    /** A copy of the merged latency histogram (microseconds). */
    public Histogram latencyHistogram() {
        return latency.copy();
    }

    /**
     * Whether a byte came back wrong or nothing could connect (in a slowloris-only run, with
     * {@code connections} 0: no slowloris connection).
     */
    public boolean failed() {
        return mismatchedBytes > 0 || nothingConnected();
    }

    private boolean nothingConnected() {
        return connectionsRequested > 0 ? connectionsEstablished == 0 : slowOpened == 0;
    }

    /** The CLI exit code: 0, or 1 when {@link #failed()}. */
    public int exitCode() {
        return failed() ? 1 : 0;
    }

    /** Why the run failed, or null. */
    public String failureReason() {
        if (nothingConnected()) {
            Map<String, Long> why = connectionsRequested > 0 ? errorsByName : slowByName;
            return "no " + (connectionsRequested > 0 ? "" : "slowloris ") + "connection to " + target
                    + " could be established" + (why.isEmpty() ? "" : " (" + join(why) + ")");
        }
        if (mismatchedBytes > 0) {
            return mismatchedBytes + " byte" + (mismatchedBytes == 1 ? "" : "s") + " came back different from what was sent";
        }
        return null;
    }

    private String joinErrors() {
        return join(errorsByName);
    }

    private static String join(Map<String, Long> counts) {
        StringBuilder sb = new StringBuilder();
        counts.forEach((k, v) -> {
            if (sb.length() > 0) {
                sb.append(", ");
            }
            sb.append(k).append(' ').append(v);
        });
        return sb.toString();
    }

    /** A human-readable report, several lines, ending with a newline. */
    public String toText() {
        StringBuilder sb = new StringBuilder();
        sb.append("muxlab load: ").append(proto).append(' ').append(target).append(", ")
                .append(proto == Proto.HTTP ? "GET / keep-alive" : size + "-byte messages").append(", ")
                .append(rate > 0 ? "open loop at " + num(rate, 0) + " msg/s" : "closed loop").append(", ")
                .append(threads).append(threads == 1 ? " thread" : " threads").append('\n');
        line(sb, "connections", connectionsEstablished + " of " + connectionsRequested + " established in "
                + connectMillis + " ms, " + connectionsAnswered + " answered, " + connectionsOpenAtEnd
                + " open at end (fd limit " + fdLimit + ")");
        line(sb, "duration", num(durationMillis / 1000.0, 2) + " s measured after " + num(warmupMillis / 1000.0, 2)
                + " s warmup");
        line(sb, "messages", messages + " (" + num(messagesPerSecond, 0) + " msg/s); " + messagesTotal
                + " in the whole run");
        line(sb, "throughput", num(mbPerSecondReceived, 2) + " MB/s received, " + num(mbPerSecondSent, 2)
                + " MB/s sent (" + bytesReceived + " / " + bytesSent + " bytes)");
        line(sb, "latency us", "p50 " + p50 + "  p90 " + p90 + "  p99 " + p99 + "  p99.9 " + p999 + "  max " + max
                + "  mean " + num(mean, 1));
        line(sb, "errors", "connect " + connectErrors + ", resets " + resets + ", mismatched bytes " + mismatchedBytes
                + (proto == Proto.HTTP ? ", non-200 " + non200 + ", protocol " + protocolErrors : "")
                + ", other " + otherErrors + (rate > 0 ? ", dropped " + dropped : ""));
        if (!errorsByName.isEmpty()) {
            line(sb, "by name", joinErrors());
        }
        if (slowRequested > 0) {
            line(sb, "slowloris", slowRequested + " kept open, one byte every " + slowIntervalMillis + " ms: "
                    + slowOpened + " opened, " + slowClosedByServer + " closed by the server"
                    + (slowClosedByServer > 0 ? " after " + slowLifetimeMinMillis + " / " + slowLifetimeMedianMillis
                    + " / " + slowLifetimeMaxMillis + " ms (min / median / max)" : "")
                    + ", " + slowOpenAtEnd + " open at end; connect errors " + slowConnectErrors + ", other "
                    + slowOtherErrors + ", replied " + slowReplied + ", " + slowBytesSent + " bytes sent");
            if (!slowByName.isEmpty()) {
                line(sb, "slow errors", join(slowByName));
            }
        }
        if (proto == Proto.HTTP && !statusCounts.isEmpty()) {
            StringBuilder st = new StringBuilder();
            statusCounts.forEach((k, v) -> st.append(st.length() > 0 ? ", " : "").append(k == 0 ? "invalid" : k)
                    .append(' ').append(v));
            line(sb, "statuses", st.toString());
        }
        for (String s : errorSamples) {
            line(sb, "sample", s);
        }
        for (String w : warnings) {
            line(sb, "warning", w);
        }
        line(sb, "result", failed() ? "FAILED: " + failureReason() : "OK");
        return sb.toString();
    }

    private static void line(StringBuilder sb, String label, String text) {
        sb.append("  ").append(label);
        for (int i = label.length(); i < 12; i++) {
            sb.append(' ');
        }
        sb.append(text).append('\n');
    }

    private static String num(double v, int decimals) {
        return String.format(Locale.ROOT, "%." + decimals + "f", v);
    }

    /** The result as one JSON object on one line (no trailing newline); see {@link #toJsonTree()}. */
    public String toJson() {
        return Json.line(toJsonTree());
    }

    /**
     * The result as a JSON tree: what {@code muxlab load --format json} prints, with the field
     * names scripts read (numbers raw, unformatted).
     */
    public ObjectNode toJsonTree() {
        ObjectNode j = Json.mapper().createObjectNode();
        j.put("target", target);
        j.put("proto", proto.cliName());
        j.put("size", size);
        j.put("rate", rate);
        j.put("loop", rate > 0 ? "open" : "closed");
        j.put("threads", threads);
        ObjectNode conns = j.putObject("connections");
        conns.put("requested", connectionsRequested);
        conns.put("established", connectionsEstablished);
        conns.put("open_at_end", connectionsOpenAtEnd);
        conns.put("answered", connectionsAnswered);
        conns.put("connect_ms", connectMillis);
        j.put("fd_limit", fdLimit);
        j.put("duration_ms", durationMillis);
        j.put("warmup_ms", warmupMillis);
        j.put("messages", messages);
        j.put("messages_total", messagesTotal);
        j.put("messages_per_sec", messagesPerSecond);
        j.put("bytes_sent", bytesSent);
        j.put("bytes_received", bytesReceived);
        j.put("mb_per_sec_received", mbPerSecondReceived);
        j.put("mb_per_sec_sent", mbPerSecondSent);
        ObjectNode lat = j.putObject("latency_us");
        lat.put("p50", p50);
        lat.put("p90", p90);
        lat.put("p99", p99);
        lat.put("p99_9", p999);
        lat.put("max", max);
        lat.put("mean", mean);
        lat.put("count", latency.getTotalCount());
        ObjectNode err = j.putObject("errors");
        err.put("connect", connectErrors);
        err.put("resets", resets);
        err.put("mismatched_bytes", mismatchedBytes);
        err.put("non_200", non200);
        err.put("protocol", protocolErrors);
        err.put("other", otherErrors);
        err.put("dropped", dropped);
        counts(err.putObject("by_name"), errorsByName);
        ObjectNode sl = j.putObject("slow");
        sl.put("requested", slowRequested);
        sl.put("interval_ms", slowIntervalMillis);
        sl.put("opened", slowOpened);
        sl.put("closed_by_server", slowClosedByServer);
        sl.put("open_at_end", slowOpenAtEnd);
        sl.put("connect_errors", slowConnectErrors);
        sl.put("other_errors", slowOtherErrors);
        sl.put("replied", slowReplied);
        sl.put("bytes_sent", slowBytesSent);
        ObjectNode life = sl.putObject("lifetime_ms");
        life.put("min", slowLifetimeMinMillis);
        life.put("p50", slowLifetimeMedianMillis);
        life.put("max", slowLifetimeMaxMillis);
        counts(sl.putObject("by_name"), slowByName);
        counts(j.putObject("status_counts"), statusCounts);
        errorSamples.forEach(j.putArray("error_samples")::add);
        warnings.forEach(j.putArray("warnings")::add);
        j.put("failed", failed());
        j.put("failure", failureReason());
        return j;
    }

    private static void counts(ObjectNode node, Map<?, Long> counts) {
        counts.forEach((k, v) -> node.put(String.valueOf(k), v));
    }

    @Override
    public String toString() {
        return toText();
    }
}
