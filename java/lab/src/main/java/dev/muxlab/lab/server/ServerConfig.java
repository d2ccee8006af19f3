package dev.muxlab.lab.server;

import dev.muxlab.lab.Proto;
import dev.muxlab.Sockets;

/** Settings shared by every server model; defaults are safe for a laptop (loopback only). */
public final class ServerConfig {
    public Model model = Model.EPOLL_ET;
    public Proto proto = Proto.ECHO;
    /** Host-order IPv4 address to bind; 127.0.0.1 unless told otherwise. */
    public int bindAddress = Sockets.LOOPBACK;
    /** 0 picks a free port (see {@link Server#port()}). */
    public int port = 0;
    /** Reactor threads, each with its own SO_REUSEPORT listener (nginx-style workers). */
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
     * of the pending output. The blocking models apply it as SO_RCVTIMEO and SO_SNDTIMEO.
     */
    public long idleTimeoutMillis = 60_000;
    /**
     * HTTP, reactor models: a connection whose request header block is not complete this long
     * after it began is closed (slowloris; 0 disables).
     */
    public long headerTimeoutMillis = 10_000;
    /** Worker threads of the threadpool model. */
    public int poolThreads = 8;
    /** listen() backlog. */
    public int backlog = 4096;
    /** Ready fds taken per await. */
    public int batch = 512;
    /** Log refused connections and resource events to stderr. */
    public boolean verbose = true;

    public ServerConfig copy() {
        ServerConfig c = new ServerConfig();
        c.model = model;
        c.proto = proto;
        c.bindAddress = bindAddress;
        c.port = port;
        c.loops = loops;
        c.maxConnections = maxConnections;
        c.maxOutputBytes = maxOutputBytes;
        c.readBufferBytes = readBufferBytes;
        c.maxHeaderBytes = maxHeaderBytes;
        c.idleTimeoutMillis = idleTimeoutMillis;
        c.headerTimeoutMillis = headerTimeoutMillis;
        c.poolThreads = poolThreads;
        c.backlog = backlog;
        c.batch = batch;
        c.verbose = verbose;
        return c;
    }

    /** Checks ranges; IllegalArgumentException naming the bad setting. */
    public void validate() {
        range("port", port, 0, 65535);
        range("loops", loops, 1, 256);
        range("max-connections", maxConnections, 1, 10_000_000);
        range("max-output", maxOutputBytes, 1024, 1 << 30);
        range("read-buffer", readBufferBytes, 512, 1 << 26);
        range("max-header", maxHeaderBytes, 256, 1 << 20);
        range("threads", poolThreads, 1, 100_000);
        range("backlog", backlog, 1, 1 << 20);
        range("batch", batch, 1, 1 << 20);
        if (idleTimeoutMillis < 0) {
            throw new IllegalArgumentException("idle-timeout must be >= 0 ms: " + idleTimeoutMillis);
        }
        if (proto == Proto.HTTP && readBufferBytes <= maxHeaderBytes) {
            throw new IllegalArgumentException("read-buffer (" + readBufferBytes
                    + ") must exceed max-header (" + maxHeaderBytes + ")");
        }
    }

    private static void range(String name, long v, long lo, long hi) {
        if (v < lo || v > hi) {
            throw new IllegalArgumentException(name + " must be in [" + lo + ", " + hi + "]: " + v);
        }
    }
}
