package dev.muxlab.lab.server;

import static org.junit.jupiter.api.Assertions.*;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

import dev.muxlab.Fds;
import dev.muxlab.lab.Proto;
import dev.muxlab.lab.load.LoadConfig;
import dev.muxlab.lab.load.LoadGenerator;
import dev.muxlab.lab.load.LoadResult;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * What the uring model does that the readiness models do not: provided buffers that run out
 * (ENOBUFS) and come back, requests that span buffers, and submissions batched into few
 * io_uring_enter calls, counted in the server's stats. The behaviour it shares with the other
 * models is in ServerEndToEndTest, FdExhaustionTest, SlowlorisTest and SoakTest.
 */
@Timeout(120)
class UringServerTest {

    private static UringServer start(ServerConfig cfg, int bufferCount) throws Exception {
        cfg.validate();
        UringServer s = new UringServer(cfg);
        s.bufferCount = bufferCount;
        try {
            s.start();
        } catch (Exception e) {
            s.close();
            throw e;
        }
        return s;
    }

    /**
     * Four provided buffers for 20 connections that send 16 KiB each before reading: the
     * buffers run out, recvs end with ENOBUFS and are armed again once buffers come back, and
     * every byte is echoed in order.
     */
    @Test
    void exhaustedBuffersAreRecoveredAndLoseNothing() throws Exception {
        ServerConfig cfg = TestServers.quiet(Model.URING, Proto.ECHO);
        try (UringServer s = start(cfg, 4)) {
            List<TestClient> clients = new ArrayList<>();
            try {
                for (int i = 0; i < 20; i++) {
                    clients.add(new TestClient(s.port()));
                }
                Random rnd = new Random(3);
                for (int round = 0; round < 3; round++) {
                    List<byte[]> sent = new ArrayList<>();
                    for (TestClient c : clients) {
                        byte[] msg = new byte[16 * 1024];
                        rnd.nextBytes(msg);
                        sent.add(msg);
                        c.send(msg);
                    }
                    for (int i = 0; i < clients.size(); i++) {
                        assertArrayEquals(sent.get(i), clients.get(i).recv(sent.get(i).length, 10_000),
                                "client " + i + " round " + round);
                    }
                }
            } finally {
                clients.forEach(TestClient::close);
            }
            ServerEndToEndTest.eventually(() -> s.stats().active.get() == 0, "connections to close");
            assertTrue(s.stats().noBuffers.sum() > 0, "the 4 buffers ran out: " + s.stats());
            assertEquals(0, s.stats().errors.sum(), s.stats().toString());
        }
    }

    /**
     * Header blocks longer than a provided buffer (4 KiB) but within the cap: each spans two or
     * three buffers and is copied into the connection's input buffer, alone and pipelined.
     */
    @Test
    void httpRequestsSpanningBuffersAreAnswered() throws Exception {
        try (Server s = TestServers.start(Model.URING, Proto.HTTP); TestClient c = new TestClient(s.port())) {
            String big = "GET /big HTTP/1.1\r\nX-Filler: " + "y".repeat(7000) + "\r\n\r\n";
            String small = "GET / HTTP/1.1\r\n\r\n";
            c.send(big);
            assertTrue(c.recvText("Hello from muxlab\n", 1, 5000).startsWith("HTTP/1.1 200 OK\r\n"));
            c.send(small + big + small + big + big);
            String got = c.recvText("Hello from muxlab\n", 5, 5000);
            assertEquals(5, TestClient.occurrences(got, "HTTP/1.1 200 OK\r\n"), got);
            assertFalse(c.eof());
            assertEquals(6, s.stats().requests.sum());
        }
    }

    /**
     * With 100 connections echoing at once, one io_uring_enter submits and reaps for many of
     * them: fewer enters than completions, and fewer than messages. The counters come from the
     * ring (Ring.stat) into the server's stats.
     */
    @Test
    void submissionsAreBatchedAndCounted() throws Exception {
        Fds.raiseOpenFileLimit();
        ServerConfig cfg = TestServers.quiet(Model.URING, Proto.ECHO);
        Server s = TestServers.start(cfg);
        LoadResult r;
        try {
            LoadConfig load = new LoadConfig();
            load.targetPort = s.port();
            load.proto = Proto.ECHO;
            load.connections = 100;
            load.durationMillis = 1000;
            load.size = 64;
            load.threads = 1;
            r = LoadGenerator.run(load);
        } finally {
            s.close();
        }
        ServerStats st = s.stats();
        System.out.printf("uring batching: %d messages, %d enters, %d submitted, %d completions (%.2f enters per message)%n",
                r.messages, st.enters.sum(), st.submitted.sum(), st.completions.sum(),
                st.enters.sum() / (double) Math.max(1, r.messages));
        assertFalse(r.failed(), r.toText());
        assertEquals(0, r.mismatchedBytes, r.toText());
        assertTrue(r.messages > 1000, r.toText());
        assertTrue(st.enters.sum() > 0 && st.submitted.sum() > 0, st.toString());
        assertTrue(st.completions.sum() > st.enters.sum(), "several completions per enter: " + st);
        assertTrue(st.enters.sum() < r.messages, "fewer enters than messages: " + st);
    }

    /** A listener that closes while the loop runs does not spin it, and close() still returns. */
    @Test
    void stopsPromptlyWithConnectionsInFlight() throws Exception {
        Server s = TestServers.start(Model.URING, Proto.ECHO);
        List<TestClient> clients = new ArrayList<>();
        try {
            for (int i = 0; i < 50; i++) {
                TestClient c = new TestClient(s.port());
                clients.add(c);
                c.send("x");
            }
            assertEquals("x", new String(clients.get(49).recv(1, 5000), StandardCharsets.US_ASCII));
            long t0 = System.nanoTime();
            s.close();
            assertTrue(System.nanoTime() - t0 < 3_000_000_000L, "close took too long");
            for (TestClient c : clients) {
                assertTrue(c.closedByPeer(2000), "a connection was left open");
            }
            assertEquals(0, s.stats().active.get());
            assertEquals(50, s.stats().closed.sum());
        } finally {
            s.close();
            clients.forEach(TestClient::close);
        }
    }
}
