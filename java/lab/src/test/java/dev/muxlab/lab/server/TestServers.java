package dev.muxlab.lab.server;

import java.io.IOException;

import dev.muxlab.lab.Proto;

/** Servers for tests: quiet, on a free loopback port. */
public final class TestServers {
    /**
     * The models that need JDK 21 or later (for {@code @EnumSource(mode = EXCLUDE, names = ...)}):
     * their tests run in the build's "jdk21-test" execution, tagged "jdk21"
     * (VirtualThreadServerTest), the rest in the build JDK's.
     */
    public static final String JDK21_MODELS = "VIRTUAL";

    private TestServers() {
    }

    /** A config for {@code model} speaking {@code proto} on a free port, logging nothing. */
    public static ServerConfig quiet(Model model, Proto proto) {
        ServerConfig cfg = new ServerConfig();
        cfg.model = model;
        cfg.proto = proto;
        cfg.port = 0;
        cfg.verbose = false;
        return cfg;
    }

    /** Creates and starts the server of cfg. */
    public static Server start(ServerConfig cfg) throws IOException {
        Server s = Server.create(cfg);
        try {
            s.start();
        } catch (IOException | RuntimeException e) {
            s.close();
            throw e;
        }
        return s;
    }

    /** Starts a quiet server of {@code model} speaking {@code proto} on a free port. */
    public static Server start(Model model, Proto proto) throws IOException {
        return start(quiet(model, proto));
    }
}
