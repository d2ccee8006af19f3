package dev.muxlab.lab.server;

/** What every server model keeps the same way: its own copy of the config, its counters, its port. */
abstract class ServerBase implements Server {
    final ServerConfig cfg;
    final ServerStats stats = new ServerStats();
    /** Set by start() once the listener is bound. */
    int port;

    ServerBase(ServerConfig cfg) {
        this.cfg = cfg.copy();
    }

    @Override
    public final int port() {
        return port;
    }

    @Override
    public final ServerStats stats() {
        return stats;
    }

    @Override
    public final ServerConfig config() {
        return cfg;
    }
}
