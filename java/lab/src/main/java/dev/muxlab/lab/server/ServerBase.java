package dev.muxlab.lab.server;

import dev.muxlab.NativeException;
import dev.muxlab.Sockets;

/** What every server model keeps the same way: its own copy of the config, its counters, its port. */
abstract class ServerBase implements Server {
    final ServerConfig cfg;
    final ServerStats stats = new ServerStats();
    /** Set by start() once the listener is bound. */
    int port;

    ServerBase(ServerConfig cfg) {
        this.cfg = cfg.copy();
    }

    /**
     * A listening socket on the configured address and backlog at {@code port} (0: any free one),
     * with SO_REUSEPORT when the server runs several loops, each with a listener of its own.
     */
    final int listen(int port, boolean nonBlocking) throws NativeException {
        return Sockets.listen(cfg.bindAddress, port, cfg.backlog, cfg.loops > 1, nonBlocking);
    }

    /** A line on stderr about this server: "muxlab MODEL: msg". */
    final void warn(String msg) {
        System.err.println("muxlab " + cfg.model.cliName() + ": " + msg);
    }

    /** {@link #warn} with --verbose only. */
    final void log(String msg) {
        if (cfg.verbose) {
            warn(msg);
        }
    }

    /**
     * Waits up to {@code millis} for a server thread to end (null: nothing to wait for); an
     * interrupt ends the wait and stays set.
     */
    static void join(Thread t, long millis) {
        if (t == null) {
            return;
        }
        try {
            t.join(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
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
