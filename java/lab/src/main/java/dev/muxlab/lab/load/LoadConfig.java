package dev.muxlab.lab.load;

import dev.muxlab.Sockets;
import dev.muxlab.lab.Proto;
import dev.muxlab.lab.Ranges;

/**
 * Settings of one load run (see {@link LoadGenerator#run(LoadConfig)}). Plain public fields with
 * defaults, like {@link dev.muxlab.lab.server.ServerConfig}; {@link #validate()} checks ranges and
 * throws IllegalArgumentException naming the setting and its allowed values.
 */
public final class LoadConfig implements Cloneable {
    /** Host-order IPv4 address of the server (see {@link Sockets#parseIpv4}). */
    public int targetAddress = Sockets.LOOPBACK;
    public int targetPort = 8080;
    public Proto proto = Proto.ECHO;
    /** Connections to open (the generator raises its own soft fd limit for large counts). */
    public int connections = 50;
    /** Measured time, after the warmup. */
    public long durationMillis = 10_000;
    /** Load runs but nothing is recorded for this long first. */
    public long warmupMillis = 0;
    /** Echo: bytes per message. HTTP sends a fixed GET and ignores this. */
    public int size = 64;
    /** Messages per second over all connections (open loop); 0 runs a closed loop. */
    public double rate = 0;
    /** Event-loop threads (the CLI's --loops), each owning connections id % threads. */
    public int threads = 1;
    /** Most connects in progress at once over all threads (keeps the server's backlog from overflowing). */
    public int connectBatch = 256;
    /** A connect not finished after this long counts as ETIMEDOUT. */
    public long connectTimeoutMillis = 5_000;
    /** Open loop: most messages in flight per connection; a scheduled message beyond it is dropped and counted. */
    public int maxOutstanding = 64;
    /** Echo: bytes read per read(2). */
    public int readBufferBytes = 64 * 1024;
    /** How many mismatches (and protocol errors) are described in the result. */
    public int maxErrorSamples = 10;
    /** TCP_NODELAY on every connection. */
    public boolean noDelay = true;
    /**
     * Slowloris connections kept open besides the normal ones, each sending an HTTP request
     * header that never ends, one byte every {@link #slowIntervalMillis}; one the server closes
     * is replaced at once (see {@link SlowLoris}). 0: none.
     */
    public int slow = 0;
    /** Milliseconds between two bytes of one slowloris connection. */
    public long slowIntervalMillis = 100;

    public static final int MAX_CONNECTIONS = 1_000_000;
    public static final int MAX_THREADS = 256;
    public static final int MAX_SIZE = 64 << 20;
    /** Longest duration or warmup: a year. */
    public static final long MAX_MILLIS = 365L * 24 * 3600 * 1000;

    /** A copy of every setting. */
    public LoadConfig copy() {
        try {
            return (LoadConfig) super.clone(); // every field is a primitive or an enum
        } catch (CloneNotSupportedException e) {
            throw new AssertionError(e);
        }
    }

    /** Sets {@link #targetAddress} and {@link #targetPort} from "HOST:PORT" (HOST an IPv4 literal or localhost). */
    public LoadConfig target(String hostPort) {
        int colon = hostPort == null ? -1 : hostPort.lastIndexOf(':');
        String usage = "target must be HOST:PORT with HOST an IPv4 address or localhost and PORT in [1, 65535]"
                + " (e.g. 127.0.0.1:8080): '" + hostPort + "'";
        if (colon <= 0 || colon == hostPort.length() - 1) {
            throw new IllegalArgumentException(usage);
        }
        int addr;
        int port;
        try {
            addr = Sockets.parseIpv4(hostPort.substring(0, colon));
            port = Integer.parseInt(hostPort.substring(colon + 1));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(usage);
        }
        if (port < 1 || port > 65535) {
            throw new IllegalArgumentException(usage);
        }
        targetAddress = addr;
        targetPort = port;
        return this;
    }

    /** "a.b.c.d:port". */
    public String targetString() {
        return Sockets.format(targetAddress) + ":" + targetPort;
    }

    /** Whether messages are sent at a fixed rate rather than one per connection in flight. */
    public boolean openLoop() {
        return rate > 0;
    }

    /** Checks every setting; IllegalArgumentException naming the bad one and its allowed range. */
    public void validate() {
        if (proto == null) {
            throw new IllegalArgumentException("proto must be one of: echo, http");
        }
        Ranges.check("port", targetPort, 1, 65535);
        // 0 only with slow connections: an attacker process whose normal clients run elsewhere
        Ranges.check("connections", connections, slow > 0 ? 0 : 1, MAX_CONNECTIONS);
        Ranges.millis("duration", durationMillis, 1, MAX_MILLIS);
        Ranges.millis("warmup", warmupMillis, 0, MAX_MILLIS);
        Ranges.check("size", size, 1, MAX_SIZE);
        Ranges.check("loops", threads, 1, MAX_THREADS);
        Ranges.check("connect-batch", connectBatch, 1, 1 << 20);
        Ranges.millis("connect-timeout", connectTimeoutMillis, 1, 3_600_000);
        Ranges.check("max-outstanding", maxOutstanding, 1, 1 << 16);
        Ranges.check("read-buffer", readBufferBytes, 512, 1 << 26);
        Ranges.check("max-error-samples", maxErrorSamples, 0, 10_000);
        Ranges.check("slow", slow, 0, MAX_CONNECTIONS);
        Ranges.millis("slow-interval", slowIntervalMillis, 1, 3_600_000);
        if (!(rate >= 0) || Double.isInfinite(rate) || rate > 1e9) {
            throw new IllegalArgumentException("rate must be 0 (closed loop) or in (0, 1e9] messages/s: " + rate);
        }
    }

    @Override
    public String toString() {
        return "LoadConfig[" + proto + " " + targetString() + " connections=" + connections + " duration="
                + durationMillis + "ms warmup=" + warmupMillis + "ms size=" + size + " rate="
                + (openLoop() ? rate + "/s" : "closed-loop") + " loops=" + threads
                + (slow > 0 ? " slow=" + slow + "@" + slowIntervalMillis + "ms" : "") + "]";
    }
}
