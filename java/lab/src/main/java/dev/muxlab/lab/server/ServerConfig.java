package dev.muxlab.lab.server;

import dev.muxlab.Sockets;
import dev.muxlab.lab.Proto;
import dev.muxlab.lab.Ranges;

/** Settings shared by every server model; defaults are safe for a laptop (loopback only). */
public final class ServerConfig implements Cloneable {
    public Model model = Model.EPOLL_ET;
    public Proto proto = Proto.ECHO;
    /** Host-order IPv4 address to bind; 127.0.0.1 unless told otherwise. */
    public int bindAddress = Sockets.LOOPBACK;
    /** 0 picks a free port (see {@link Server#port()}). */
    public int port = 0;
    /** Reactor (or uring) threads, each with its own SO_REUSEPORT listener (nginx-style workers). */
    public int loops = 1;
    /** Connections beyond this are accepted and closed at once, and counted. */
    public int maxConnections = 10_000;
    /** Cap on a connection's buffered output; at the cap it stops being read until it drains. */
    public int maxOutputBytes = 64 * 1024;
    /** Read buffer size. */
    public int readBufferBytes = 16 * 1024;
    /** HTTP: a header block larger than this gets 431 and the connection is closed. */
    public int maxHeaderBytes = 8 * 1024;
    /**
     * Connections idle this long are closed (0 disables): nothing arrives and the peer takes none
     * of the pending output. The blocking models apply it as SO_RCVTIMEO and SO_SNDTIMEO; the virtual
     * model through its timeout thread, which closes connections with no read or write for this long.
     */
    public long idleTimeoutMillis = 60_000;
    /**
     * HTTP, reactor, uring, nio and virtual models: a connection whose request header block is not
     * complete this long after it began is closed (slowloris; 0 disables).
     */
    public long headerTimeoutMillis = 10_000;
    /** Worker threads of the threadpool model (the CLI's --pool-size). */
    public int poolThreads = 8;
    /** listen() backlog. */
    public int backlog = 4096;
    /** Ready fds taken per await (uring: completions taken per submitAndWait). */
    public int batch = 512;
    /**
     * The first and the longest pause of a listener at the fd limit ({@link AcceptPause}); not
     * a CLI option: tests lengthen them to tell a pause from its early end.
     */
    long acceptPauseFirstMillis = 10;
    long acceptPauseMaxMillis = 1000;
    /** Log refused connections and resource events to stderr. */
    public boolean verbose = true;

    /** Longest idle or header timeout: a year. */
    public static final long MAX_TIMEOUT_MILLIS = 365L * 24 * 3600 * 1000;

    /** A copy of every setting. */
    public ServerConfig copy() {
        try {
            return (ServerConfig) super.clone(); // every field is a primitive or an enum
        } catch (CloneNotSupportedException e) {
            throw new AssertionError(e);
        }
    }

    /**
     * The output buffer of a thread-per-connection model (blocking, threadpool, virtual). Its
     * writes block until the peer takes the bytes, so output never queues up beyond one
     * session step: one read buffer's worth (or one HTTP reply) is enough, not
     * {@link #maxOutputBytes}, and each open connection holds that much less.
     */
    int blockingOutputBytes() {
        int minOut = proto == Proto.HTTP ? HttpSession.MAX_REPLY : 1;
        return Math.min(maxOutputBytes, Math.max(readBufferBytes, minOut));
    }

    /** Checks ranges; IllegalArgumentException naming the bad setting. */
    public void validate() {
        Ranges.check("port", port, 0, 65535);
        Ranges.check("loops", loops, 1, 256);
        Ranges.check("max-connections", maxConnections, 1, 10_000_000);
        Ranges.check("max-output", maxOutputBytes, 1024, 1 << 30);
        Ranges.check("read-buffer", readBufferBytes, 512, 1 << 26);
        Ranges.check("max-header", maxHeaderBytes, 256, 1 << 20);
        Ranges.check("pool-size", poolThreads, 1, 100_000);
        Ranges.check("backlog", backlog, 1, 1 << 20);
        Ranges.check("batch", batch, 1, 1 << 20);
        Ranges.millisOrOff("idle-timeout", idleTimeoutMillis, MAX_TIMEOUT_MILLIS);
        Ranges.millisOrOff("header-timeout", headerTimeoutMillis, MAX_TIMEOUT_MILLIS);
        if (proto == Proto.HTTP && readBufferBytes <= maxHeaderBytes) {
            throw new IllegalArgumentException("read-buffer (" + readBufferBytes
                    + ") must exceed max-header (" + maxHeaderBytes + ")");
        }
    }
}
