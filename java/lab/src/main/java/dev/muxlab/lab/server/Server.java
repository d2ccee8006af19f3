package dev.muxlab.lab.server;

import java.io.IOException;

/** A running muxlab server of one {@link Model}. */
public interface Server extends AutoCloseable {
    /** Binds and starts serving; returns once the listener accepts connections. */
    void start() throws IOException;

    /** The bound port (useful with port 0). */
    int port();

    ServerStats stats();

    ServerConfig config();

    /** Stops accepting, closes every connection and joins the server's threads. Idempotent. */
    @Override
    void close();

    /** Creates the server for config.model (not started). */
    static Server create(ServerConfig config) {
        config.validate();
        switch (config.model) {
            case BLOCKING:
            case THREADPOOL:
                return new BlockingServer(config);
            case NONBLOCKING:
                return new BusyPollServer(config);
            case URING:
                return new UringServer(config);
            case NIO:
                return new NioServer(config);
            case VIRTUAL:
                return new VirtualThreadServer(config);
            default:
                return new ReactorServer(config);
        }
    }
}
