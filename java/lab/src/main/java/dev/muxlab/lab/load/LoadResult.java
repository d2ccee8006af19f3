package dev.muxlab.lab.load;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;

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
    /** Every error by errno name (ECONNREFUSED, ECONNRESET, EPIPE, ETIMEDOUT, ...), plus EOF and PROTOCOL. */
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
    /** Slowloris errors and closes by name (EOF, ECONNRESET, EPIPE, ECONNREFUSED, ...). */
    public final Map<String, Long> slowByName;

    /** Latency percentiles and mean in microseconds (0 when nothing completed). */
    public final long p50;
    public final long p90;
    public final long p99;
    public final long p999;
    public final long max;
    public final double mean;
    private final Histogram latency;

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
        Map<String, Long> errs = new TreeMap<>();
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
            ce += w.connectErrors;
            rs += w.resets;
            mm += w.mismatched;
            bad += w.non200;
            pe += w.protocolErrors;
            oe += w.otherErrors;
            dr += w.dropped;
            w.errors.forEach((k, v) -> errs.merge(k, v, Long::sum));
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
        this.errorsByName = Collections.unmodifiableMap(errs);
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
        this.slowConnectErrors = slow == null ? 0 : slow.connectErrors;
        this.slowOtherErrors = slow == null ? 0 : slow.otherErrors;
        this.slowReplied = slow == null ? 0 : slow.replied;
        this.slowBytesSent = slow == null ? 0 : slow.bytesSent;
        boolean closed = slow != null && slow.lifetimes.getTotalCount() > 0;
        this.slowLifetimeMinMillis = closed ? slow.lifetimes.getMinValue() : 0;
        this.slowLifetimeMedianMillis = closed ? slow.lifetimes.getValueAtPercentile(50) : 0;
        this.slowLifetimeMaxMillis = closed ? slow.lifetimes.getMaxValue() : 0;
        this.slowByName = slow == null ? Collections.emptyMap()
                : Collections.unmodifiableMap(new TreeMap<>(slow.errors));
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

    /** The result as one JSON object (no trailing newline). */
    public String toJson() {
        Json j = new Json();
        j.begin();
        j.field("target", target);
        j.field("proto", proto.cliName());
        j.field("size", size);
        j.field("rate", rate);
        j.field("loop", rate > 0 ? "open" : "closed");
        j.field("threads", threads);
        j.key("connections").begin();
        j.field("requested", connectionsRequested);
        j.field("established", connectionsEstablished);
        j.field("open_at_end", connectionsOpenAtEnd);
        j.field("answered", connectionsAnswered);
        j.field("connect_ms", connectMillis);
        j.end();
        j.field("fd_limit", fdLimit);
        j.field("duration_ms", durationMillis);
        j.field("warmup_ms", warmupMillis);
        j.field("messages", messages);
        j.field("messages_total", messagesTotal);
        j.field("messages_per_sec", messagesPerSecond);
        j.field("bytes_sent", bytesSent);
        j.field("bytes_received", bytesReceived);
        j.field("mb_per_sec_received", mbPerSecondReceived);
        j.field("mb_per_sec_sent", mbPerSecondSent);
        j.key("latency_us").begin();
        j.field("p50", p50);
        j.field("p90", p90);
        j.field("p99", p99);
        j.field("p99_9", p999);
        j.field("max", max);
        j.field("mean", mean);
        j.field("count", latency.getTotalCount());
        j.end();
        j.key("errors").begin();
        j.field("connect", connectErrors);
        j.field("resets", resets);
        j.field("mismatched_bytes", mismatchedBytes);
        j.field("non_200", non200);
        j.field("protocol", protocolErrors);
        j.field("other", otherErrors);
        j.field("dropped", dropped);
        j.key("by_name").begin();
        errorsByName.forEach(j::field);
        j.end();
        j.end();
        j.key("slow").begin();
        j.field("requested", slowRequested);
        j.field("interval_ms", slowIntervalMillis);
        j.field("opened", slowOpened);
        j.field("closed_by_server", slowClosedByServer);
        j.field("open_at_end", slowOpenAtEnd);
        j.field("connect_errors", slowConnectErrors);
        j.field("other_errors", slowOtherErrors);
        j.field("replied", slowReplied);
        j.field("bytes_sent", slowBytesSent);
        j.key("lifetime_ms").begin();
        j.field("min", slowLifetimeMinMillis);
        j.field("p50", slowLifetimeMedianMillis);
        j.field("max", slowLifetimeMaxMillis);
        j.end();
        j.key("by_name").begin();
        slowByName.forEach(j::field);
        j.end();
        j.end();
        j.key("status_counts").begin();
        statusCounts.forEach((k, v) -> j.field(String.valueOf(k), v));
        j.end();
        j.key("error_samples").array(errorSamples);
        j.key("warnings").array(warnings);
        j.field("failed", failed());
        j.field("failure", failureReason());
        j.end();
        return j.toString();
    }

    @Override
    public String toString() {
        return toText();
    }

    /** Just enough of a JSON writer: objects, string arrays, numbers, booleans, strings, null. */
    static final class Json {
        private final StringBuilder sb = new StringBuilder();
        private boolean first = true;

        Json begin() {
            sb.append('{');
            first = true;
            return this;
        }

        Json end() {
            sb.append('}');
            first = false;
            return this;
        }

        Json key(String k) {
            if (!first) {
                sb.append(',');
            }
            first = false;
            string(k);
            sb.append(':');
            return this;
        }

        void field(String k, long v) {
            key(k);
            sb.append(v);
        }

        void field(String k, Long v) {
            field(k, v.longValue());
        }

        void field(String k, double v) {
            key(k);
            if (Double.isFinite(v)) {
                sb.append(String.format(Locale.ROOT, "%.3f", v));
            } else {
                sb.append("null");
            }
        }

        void field(String k, boolean v) {
            key(k);
            sb.append(v);
        }

        void field(String k, String v) {
            key(k);
            if (v == null) {
                sb.append("null");
            } else {
                string(v);
            }
        }

        Json array(List<String> values) {
            sb.append('[');
            for (int i = 0; i < values.size(); i++) {
                if (i > 0) {
                    sb.append(',');
                }
                string(values.get(i));
            }
            sb.append(']');
            first = false;
            return this;
        }

        private void string(String s) {
            sb.append('"');
            for (int i = 0; i < s.length(); i++) {
                char c = s.charAt(i);
                switch (c) {
                    case '"':
                        sb.append("\\\"");
                        break;
                    case '\\':
                        sb.append("\\\\");
                        break;
                    case '\n':
                        sb.append("\\n");
                        break;
                    case '\r':
                        sb.append("\\r");
                        break;
                    case '\t':
                        sb.append("\\t");
                        break;
                    default:
                        if (c < 0x20) {
                            sb.append(String.format(Locale.ROOT, "\\u%04x", (int) c));
                        } else {
                            sb.append(c);
                        }
                }
            }
            sb.append('"');
        }

        @Override
        public String toString() {
            return sb.toString();
        }
    }
}
