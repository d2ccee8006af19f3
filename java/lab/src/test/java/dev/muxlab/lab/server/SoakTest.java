package dev.muxlab.lab.server;

import dev.muxlab.lab.Proto;
import static org.junit.jupiter.api.Assertions.*;

import dev.muxlab.Fds;
import dev.muxlab.lab.load.LoadConfig;
import dev.muxlab.lab.load.LoadGenerator;
import dev.muxlab.lab.load.LoadResult;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * A short soak: 1,000 concurrent echo connections, the load generator verifying every byte, on
 * every model that can serve that many at once (not select: its fds must stay below 1024; not
 * threadpool: its workers are held by the first connections), virtual in VirtualThreadServerTest,
 * for {@code muxlab.soak.seconds} (default 10, as the hardening issue asks) per model;
 * scripts/soak is the long version (10,000 connections for 60 s, separate processes).
 */
class SoakTest {
    static final int CONNECTIONS = Integer.getInteger("muxlab.soak.connections", 1000);
    static final int SECONDS = Integer.getInteger("muxlab.soak.seconds", 10);

    @ParameterizedTest
    @EnumSource(value = Model.class, names = {"EPOLL_ET", "EPOLL_LT", "POLL", "SIGIO", "URING", "NIO", "BLOCKING", "NONBLOCKING"})
    void thousandEchoConnectionsLoseNothing(Model model) throws Exception {
        Fds.raiseOpenFileLimit();
        ServerConfig cfg = TestServers.quiet(model, Proto.ECHO);
        cfg.idleTimeoutMillis = 0;
        cfg.maxConnections = CONNECTIONS + 100;
        try (Server s = ServerEndToEndTest.start(cfg)) {
            LoadConfig load = new LoadConfig();
            load.targetPort = s.port();
            load.proto = Proto.ECHO;
            load.connections = CONNECTIONS;
            load.durationMillis = SECONDS * 1000L;
            load.size = 64;
            load.threads = 2;
            LoadResult r = LoadGenerator.run(load);
            System.out.printf("soak %s: %d connections, %d s: %d messages (%.0f/s), p99 %d us, max %d us;"
                    + " errors connect %d resets %d mismatched %d other %d; server %s%n", model.cliName(),
                    r.connectionsEstablished, SECONDS, r.messages, r.messagesPerSecond, r.p99, r.max,
                    r.connectErrors, r.resets, r.mismatchedBytes, r.otherErrors, s.stats());
            assertEquals(CONNECTIONS, r.connectionsEstablished, r.toText());
            assertEquals(CONNECTIONS, r.connectionsOpenAtEnd, r.toText());
            assertEquals(0, r.connectErrors, r.toText());
            assertEquals(0, r.resets, r.toText());
            assertEquals(0, r.mismatchedBytes, r.toText());
            assertEquals(0, r.otherErrors, r.toText());
            assertTrue(r.messages > 0, r.toText());
            assertFalse(r.failed(), r.toText());
            assertEquals(0, s.stats().errors.sum(), s.stats().toString());
            // no server-side resets check: the generator closes its connections at the end with
            // echoes in flight, which the server rightly sees as ECONNRESET
            assertEquals(CONNECTIONS, s.stats().accepted.sum(), s.stats().toString());
            ServerEndToEndTest.eventually(() -> s.stats().active.get() == 0, "the load's connections to close");
        }
    }
}
