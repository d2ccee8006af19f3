package dev.muxlab.lab.server;

import dev.muxlab.lab.Proto;
import static org.junit.jupiter.api.Assertions.*;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.function.BooleanSupplier;

import dev.muxlab.Fds;
import dev.muxlab.Sockets;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** Every model x protocol end to end on loopback, with real servers started here. */
class ServerEndToEndTest {

    static Server start(Model model, Proto proto) throws Exception {
        return TestServers.start(model, proto);
    }

    static Server start(ServerConfig cfg) throws Exception {
        return TestServers.start(cfg);
    }

    static void eventually(BooleanSupplier cond, String what) throws InterruptedException {
        long deadline = System.nanoTime() + 5_000_000_000L;
        while (!cond.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                fail("timed out waiting for " + what);
            }
            Thread.sleep(5);
        }
    }

    @ParameterizedTest
    @EnumSource(value = Model.class, mode = EnumSource.Mode.EXCLUDE, names = TestServers.JDK21_MODELS)
    void echoesEveryByteOnSeveralConnections(Model model) throws Exception {
        try (Server s = start(model, Proto.ECHO)) {
            List<TestClient> clients = new ArrayList<>();
            try {
                for (int i = 0; i < 3; i++) {
                    clients.add(new TestClient(s.port()));
                }
                Random rnd = new Random(42);
                for (int round = 0; round < 5; round++) {
                    for (TestClient c : clients) {
                        byte[] msg = new byte[1 + rnd.nextInt(5000)];
                        rnd.nextBytes(msg);
                        c.send(msg);
                        assertArrayEquals(msg, c.recv(msg.length, 5000), model + " round " + round);
                    }
                }
            } finally {
                clients.forEach(TestClient::close);
            }
            eventually(() -> s.stats().active.get() == 0, "connections to close");
            assertEquals(3, s.stats().accepted.sum());
        }
    }

    @ParameterizedTest
    @EnumSource(value = Model.class, mode = EnumSource.Mode.EXCLUDE, names = TestServers.JDK21_MODELS)
    void httpKeepAlivePipelinedAndSplit(Model model) throws Exception {
        try (Server s = start(model, Proto.HTTP); TestClient c = new TestClient(s.port())) {
            String req = "GET /a HTTP/1.1\r\nHost: x\r\n\r\n";
            c.send(req + req + req); // pipelined in one write
            String got = c.recvText("Hello from muxlab\n", 3, 5000);
            assertEquals(3, TestClient.occurrences(got, "HTTP/1.1 200 OK\r\n"), got);
            assertFalse(got.contains("Connection: close"));
            // one request split at every byte
            for (char ch : req.toCharArray()) {
                c.send(String.valueOf(ch));
            }
            got = c.recvText("Hello from muxlab\n", 1, 5000);
            assertTrue(got.startsWith("HTTP/1.1 200 OK\r\n"), got);
            assertTrue(got.contains("Content-Length: 18\r\n"), got);
            // Connection: close is honoured
            c.send("GET / HTTP/1.1\r\nConnection: close\r\n\r\n");
            got = new String(c.recvUntilEof(5000), StandardCharsets.ISO_8859_1);
            assertTrue(got.contains("Connection: close"), got);
            assertTrue(c.eof(), "server closes after Connection: close");
        }
    }

    /**
     * Thread-per-connection models lend output buffers instead of giving each connection its own:
     * 200 connections that each got an answer and went idle, and 200 that trickle an incomplete
     * header, leave the shared pool holding a few buffers, none lent.
     */
    @ParameterizedTest
    @EnumSource(value = Model.class, names = {"BLOCKING", "THREADPOOL"})
    void idleAndTricklingConnectionsHoldNoOutputBuffer(Model model) throws Exception {
        Fds.raiseOpenFileLimit();
        ServerConfig cfg = TestServers.quiet(model, Proto.HTTP);
        cfg.poolThreads = 450;
        try (Server s = start(cfg)) {
            List<TestClient> clients = new ArrayList<>();
            try {
                for (int i = 0; i < 200; i++) {
                    TestClient c = new TestClient(s.port());
                    clients.add(c);
                    c.send("GET /" + i + " HTTP/1.1\r\nHost: x\r\n\r\n");
                    String got = c.recvText("Hello from muxlab\n", 1, 5000);
                    assertTrue(got.startsWith("HTTP/1.1 200 OK\r\n"), got);
                }
                for (int i = 0; i < 200; i++) {
                    TestClient c = new TestClient(s.port());
                    clients.add(c);
                    c.send("GET /slow HTTP/1.1\r\nX-Slow: ");
                }
                eventually(() -> s.stats().active.get() == 400, "400 connections");
                SharedBufferPool pool = outPool(s);
                eventually(() -> pool.lent() == 0, "every output buffer given back");
                int kept = pool.kept();
                assertTrue(kept >= 1 && kept <= 20, kept + " output buffers kept for 400 connections");
            } finally {
                clients.forEach(TestClient::close);
            }
        }
    }

    /** A thread-per-connection server's output buffer pool. */
    private static SharedBufferPool outPool(Server s) {
        if (s instanceof BlockingServer b) {
            return b.outPool();
        }
        if (s instanceof VirtualThreadServer v) {
            return v.outPool();
        }
        throw new IllegalArgumentException(s.getClass() + " has no output buffer pool");
    }

    @ParameterizedTest
    @EnumSource(value = Model.class, names = {"BLOCKING", "POLL", "EPOLL_ET", "SIGIO", "URING", "NIO"})
    void httpErrors(Model model) throws Exception {
        try (Server s = start(model, Proto.HTTP)) {
            try (TestClient c = new TestClient(s.port())) {
                c.send("GARBAGE\r\n\r\n");
                String got = new String(c.recvUntilEof(5000), StandardCharsets.ISO_8859_1);
                assertTrue(got.startsWith("HTTP/1.1 400 "), got);
            }
            try (TestClient c = new TestClient(s.port())) {
                StringBuilder big = new StringBuilder("GET / HTTP/1.1\r\n");
                while (big.length() < 10_000) {
                    big.append("X-Filler: ").append("y".repeat(100)).append("\r\n");
                }
                c.send(big.toString());
                String got = new String(c.recvUntilEof(5000), StandardCharsets.ISO_8859_1);
                assertTrue(got.startsWith("HTTP/1.1 431 "), got);
            }
            assertEquals(2, s.stats().badRequests.sum());
        }
    }

    @ParameterizedTest
    @EnumSource(value = Model.class, mode = EnumSource.Mode.EXCLUDE, names = TestServers.JDK21_MODELS)
    void survivesResetHalfCloseAndOneBytePeers(Model model) throws Exception {
        try (Server s = start(model, Proto.ECHO)) {
            // reset mid-stream: the peer sends, then closes with SO_LINGER 0
            try (TestClient r = new TestClient(s.port())) {
                r.send(new byte[100_000]);
                r.resetOnClose();
            }
            // half-close: data then shutdown(SHUT_WR): everything comes back, then EOF
            try (TestClient h = new TestClient(s.port())) {
                byte[] msg = "half-closed but still reading".getBytes(StandardCharsets.US_ASCII);
                h.send(msg);
                Fds.shutdownOutput(h.fd);
                assertArrayEquals(msg, h.recv(msg.length, 5000));
                assertTrue(h.closedByPeer(5000), "server closes after the peer's EOF");
            }
            // one byte at a time, interleaved with a normal client
            try (TestClient slow = new TestClient(s.port()); TestClient normal = new TestClient(s.port())) {
                byte[] text = "one byte at a time".getBytes(StandardCharsets.US_ASCII);
                for (byte b : text) {
                    slow.send(new byte[] {b});
                    byte[] n = new byte[1000];
                    new Random(b).nextBytes(n);
                    normal.send(n);
                    assertArrayEquals(n, normal.recv(n.length, 5000));
                }
                assertArrayEquals(text, slow.recv(text.length, 5000));
            }
            eventually(() -> s.stats().active.get() == 0, "every connection to be closed");
        }
    }

    @ParameterizedTest
    @EnumSource(value = Model.class, names = {"SELECT", "POLL", "EPOLL_LT", "EPOLL_ET", "NONBLOCKING", "SIGIO", "URING", "NIO"})
    void backpressureLosesNothing(Model model) throws Exception {
        ServerConfig cfg = TestServers.quiet(model, Proto.ECHO);
        cfg.maxOutputBytes = 4096;
        try (Server s = start(cfg); TestClient c = new TestClient(s.port())) {
            byte[] data = new byte[24_000_000]; // more than loopback socket buffers absorb
            new Random(7).nextBytes(data);
            Thread writer = new Thread(() -> {
                try {
                    c.send(data);
                } catch (Exception e) {
                    throw new RuntimeException(e);
                }
            });
            writer.start();
            Thread.sleep(300); // let the server hit its output cap while nobody reads
            byte[] back = c.recv(data.length, 30_000);
            writer.join(10_000);
            assertArrayEquals(data, back);
            if (model != Model.NONBLOCKING && model != Model.VIRTUAL) { // a blocking write is its backpressure
                assertTrue(s.stats().backpressurePauses.sum() > 0, "the output cap was reached");
            }
        }
    }

    /**
     * HTTP under backpressure: 100,000 pipelined requests (14 MB of replies) written before a reply is read, with a
     * 4 KiB output cap: the server stops reading while its output is capped, and every reply
     * comes back, whole and in order.
     */
    @ParameterizedTest
    @EnumSource(value = Model.class, names = {"POLL", "EPOLL_LT", "EPOLL_ET", "SIGIO", "URING"})
    void httpPipelinedBackpressureAnswersEveryRequest(Model model) throws Exception {
        ServerConfig cfg = TestServers.quiet(model, Proto.HTTP);
        cfg.maxOutputBytes = 4096;
        int n = 100_000;
        try (Server s = start(cfg); TestClient c = new TestClient(s.port())) {
            String req = "GET /p HTTP/1.1\r\nHost: x\r\n\r\n";
            c.send(req);
            String one = c.recvText("Hello from muxlab\n", 1, 5000);
            byte[] reply = one.getBytes(StandardCharsets.ISO_8859_1);
            byte[] all = req.repeat(n).getBytes(StandardCharsets.ISO_8859_1);
            Thread writer = new Thread(() -> {
                try {
                    c.send(all);
                } catch (Exception e) {
                    throw new RuntimeException(e);
                }
            });
            writer.start();
            Thread.sleep(300); // the replies fill the socket buffers and the output cap meanwhile
            byte[] back = c.recv(reply.length * n, 30_000);
            writer.join(10_000);
            assertEquals(reply.length * n, back.length, model + ": every reply");
            for (int i = 0; i < n; i++) {
                assertArrayEquals(reply, Arrays.copyOfRange(back, i * reply.length, (i + 1) * reply.length), "reply " + i);
            }
            assertEquals(n + 1, s.stats().requests.sum());
            assertTrue(s.stats().backpressurePauses.sum() > 0, "the output cap was reached");
        }
    }

    @ParameterizedTest
    @EnumSource(value = Model.class, mode = EnumSource.Mode.EXCLUDE, names = TestServers.JDK21_MODELS)
    void maxConnectionsRefusesTheRest(Model model) throws Exception {
        ServerConfig cfg = TestServers.quiet(model, Proto.ECHO);
        cfg.maxConnections = 2;
        try (Server s = start(cfg); TestClient a = new TestClient(s.port()); TestClient b = new TestClient(s.port())) {
            a.send("a");
            b.send("b");
            assertEquals("a", new String(a.recv(1, 5000), StandardCharsets.US_ASCII));
            assertEquals("b", new String(b.recv(1, 5000), StandardCharsets.US_ASCII));
            try (TestClient third = new TestClient(s.port())) {
                assertTrue(third.closedByPeer(5000), "third connection is closed at once");
            }
            assertEquals(1, s.stats().rejectedMaxConnections.sum());
            a.send("still");
            assertEquals("still", new String(a.recv(5, 5000), StandardCharsets.US_ASCII));
        }
    }

    @ParameterizedTest
    @EnumSource(value = Model.class, mode = EnumSource.Mode.EXCLUDE, names = TestServers.JDK21_MODELS)
    void idleConnectionsAreClosed(Model model) throws Exception {
        ServerConfig cfg = TestServers.quiet(model, Proto.ECHO);
        cfg.idleTimeoutMillis = 200;
        try (Server s = start(cfg); TestClient c = new TestClient(s.port())) {
            assertTrue(c.closedByPeer(5000), "idle connection closed");
            assertEquals(1, s.stats().idleClosed.sum());
        }
    }

    @Test
    void selectRefusesFdAbove1023AndKeepsServing() throws Exception {
        Fds.raiseOpenFileLimit();
        try (Server s = start(Model.SELECT, Proto.ECHO); TestClient low = new TestClient(s.port())) {
            low.send("x");
            assertEquals("x", new String(low.recv(1, 5000), StandardCharsets.US_ASCII));
            // occupy every fd below 1024 so the next accepted connection gets fd >= 1024
            List<Integer> filler = new ArrayList<>();
            try {
                int fd;
                while ((fd = Fds.eventFd()) < 1030) {
                    filler.add(fd);
                }
                filler.add(fd);
                try (TestClient high = new TestClient(s.port())) {
                    assertTrue(high.closedByPeer(5000), "select server closes the fd >= 1024 connection");
                }
                eventually(() -> s.stats().rejectedFdSetSize.sum() >= 1, "the FD_SETSIZE counter");
                low.send("still here");
                assertEquals("still here", new String(low.recv(10, 5000), StandardCharsets.US_ASCII));
            } finally {
                filler.forEach(Fds::closeQuietly);
            }
        }
    }

    @ParameterizedTest
    @EnumSource(value = Model.class, names = {"EPOLL_ET", "SIGIO", "URING"})
    void loopsShareOnePortWithReusePort(Model model) throws Exception {
        ServerConfig cfg = TestServers.quiet(model, Proto.ECHO);
        cfg.loops = 3;
        try (Server s = start(cfg)) {
            List<TestClient> cs = new ArrayList<>();
            try {
                for (int i = 0; i < 30; i++) {
                    TestClient c = new TestClient(s.port());
                    cs.add(c);
                    c.send("n" + i);
                    assertEquals("n" + i, new String(c.recv(("n" + i).length(), 5000), StandardCharsets.US_ASCII));
                }
            } finally {
                cs.forEach(TestClient::close);
            }
            assertEquals(30, s.stats().accepted.sum());
        }
    }

    @Test
    void bindsLoopbackByDefault() {
        assertEquals(Sockets.LOOPBACK, new ServerConfig().bindAddress);
    }
}
