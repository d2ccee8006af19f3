package dev.muxlab.lab.load;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;

import com.fasterxml.jackson.databind.JsonNode;
import dev.muxlab.Backend;
import dev.muxlab.Errno;
import dev.muxlab.Events;
import dev.muxlab.Fds;
import dev.muxlab.Multiplexer;
import dev.muxlab.Sockets;
import dev.muxlab.lab.EventLoop;
import dev.muxlab.lab.Json;
import dev.muxlab.lab.cli.Main;
import dev.muxlab.lab.server.Model;
import dev.muxlab.lab.Proto;
import dev.muxlab.lab.server.Server;
import dev.muxlab.lab.server.ServerConfig;
import dev.muxlab.lab.server.TestServers;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The load generator against real servers on 127.0.0.1, each started here on port 0. */
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class LoadGeneratorTest {

    private static Server server(Model model, Proto proto) throws IOException {
        return server(model, proto, 10_000);
    }

    private static Server server(Model model, Proto proto, int maxConnections) throws IOException {
        ServerConfig sc = TestServers.quiet(model, proto);
        sc.maxConnections = maxConnections;
        return TestServers.start(sc);
    }

    private static LoadConfig config(int port, int connections, long durationMillis) {
        LoadConfig c = new LoadConfig();
        c.targetAddress = Sockets.LOOPBACK;
        c.targetPort = port;
        c.connections = connections;
        c.durationMillis = durationMillis;
        return c;
    }

    private static void assertClean(LoadResult r, int connections) {
        assertEquals(connections, r.connectionsEstablished, r::toText);
        assertEquals(connections, r.connectionsOpenAtEnd, r::toText);
        assertEquals(connections, r.connectionsAnswered, r::toText);
        assertEquals(0, r.connectErrors, r::toText);
        assertEquals(0, r.resets, r::toText);
        assertEquals(0, r.mismatchedBytes, r::toText);
        assertEquals(0, r.otherErrors, r::toText);
        assertTrue(r.messages > 0, r::toText);
        assertTrue(r.p50 > 0 && r.p50 <= r.p90 && r.p90 <= r.p99 && r.p99 <= r.p999 && r.p999 <= r.max, r::toText);
        assertEquals(r.messages, r.latencyHistogram().getTotalCount(), r::toText);
        assertFalse(r.failed(), r::toText);
        assertEquals(0, r.exitCode());
    }

    @Test
    void echoAgainstEpollEdgeTriggered() throws IOException {
        try (Server s = server(Model.EPOLL_ET, Proto.ECHO)) {
            LoadResult r = LoadGenerator.run(config(s.port(), 50, 1000));
            assertClean(r, 50);
            assertEquals(r.messages * 64, r.bytesReceived, "every received byte belongs to a completed message"
                    + " (closed loop, 64-byte messages): " + r.toText());
            assertTrue(r.errorsByName.isEmpty(), r::toText);
        }
    }

    @Test
    void echoAgainstPollWithTwoThreadsAndLargerMessages() throws IOException {
        try (Server s = server(Model.POLL, Proto.ECHO)) {
            LoadConfig c = config(s.port(), 50, 1000);
            c.threads = 2;
            c.size = 3000;
            c.warmupMillis = 200;
            LoadResult r = LoadGenerator.run(c);
            assertClean(r, 50);
            assertEquals(2, r.threads);
            assertTrue(r.messagesTotal > r.messages, "warmup messages are not measured: " + r.toText());
        }
    }

    @Test
    void httpAgainstEpollLevelTriggered() throws IOException {
        try (Server s = server(Model.EPOLL_LT, Proto.HTTP)) {
            LoadConfig c = config(s.port(), 20, 1000);
            c.proto = Proto.HTTP;
            LoadResult r = LoadGenerator.run(c);
            assertClean(r, 20);
            assertEquals(0, r.non200, r::toText);
            assertEquals(0, r.protocolErrors, r::toText);
            assertEquals(1, r.statusCounts.size(), r::toText);
            assertEquals(r.messagesTotal, r.statusCounts.get(200), r::toText);
            // every answer was parsed; at the end each connection may have one request in flight
            long answered = s.stats().requests.sum();
            assertTrue(answered >= r.messagesTotal && answered <= r.messagesTotal + 20,
                    "server answered " + answered + ", client parsed " + r.messagesTotal);
        }
    }

    @Test
    void openLoopKeepsTheRequestedRate() throws IOException {
        try (Server s = server(Model.EPOLL_ET, Proto.ECHO)) {
            LoadConfig c = config(s.port(), 20, 1000);
            c.rate = 2000;
            c.warmupMillis = 200;
            LoadResult r = LoadGenerator.run(c);
            assertClean(r, 20);
            assertEquals(0, r.dropped, r::toText);
            // 2000 msg/s for 1 s; messages are counted when they complete, so allow for scheduling slop
            assertTrue(r.messages >= 1700 && r.messages <= 2100, r::toText);
        }
    }

    @Test
    void openLoopHttpPipelines() throws IOException {
        try (Server s = server(Model.EPOLL_ET, Proto.HTTP)) {
            LoadConfig c = config(s.port(), 4, 500);
            c.proto = Proto.HTTP;
            c.rate = 4000;
            LoadResult r = LoadGenerator.run(c);
            assertClean(r, 4);
            assertEquals(0, r.non200 + r.protocolErrors, r::toText);
        }
    }

    @Test
    void serverClosingConnectionsCountsResets() throws IOException {
        // beyond 10 connections the server accepts and closes at once: the client sees EOF (or a reset)
        try (Server s = server(Model.EPOLL_LT, Proto.ECHO, 10)) {
            LoadResult r = LoadGenerator.run(config(s.port(), 20, 500));
            assertEquals(20, r.connectionsEstablished, r::toText);
            assertEquals(10, r.resets, r::toText);
            assertEquals(10, r.connectionsOpenAtEnd, r::toText);
            assertEquals(10, r.connectionsAnswered, "the 10 closed at once never got a reply: " + r.toText());
            assertEquals(10L, r.errorsByName.values().stream().mapToLong(Long::longValue).sum(), r::toText);
            assertEquals(10L, r.errorCount(ErrorTally.EOF) + r.errorCount(Errno.ECONNRESET), r::toText);
            assertEquals(0, r.mismatchedBytes, r::toText);
            assertTrue(r.messages > 0, r::toText);
            assertFalse(r.failed(), r::toText);
        }
    }

    @Test
    void threadPoolStarvesConnectionsBeyondItsPool() throws IOException {
        // a pool of 2 holds its first 2 connections for their whole life: the other 8 are
        // accepted by the kernel but never get a reply
        ServerConfig sc = TestServers.quiet(Model.THREADPOOL, Proto.HTTP);
        sc.poolThreads = 2;
        try (Server s = TestServers.start(sc)) {
            LoadConfig c = config(s.port(), 10, 700);
            c.proto = Proto.HTTP;
            LoadResult r = LoadGenerator.run(c);
            assertEquals(10, r.connectionsEstablished, r::toText);
            assertEquals(2, r.connectionsAnswered, r::toText);
            assertTrue(r.messages > 0, r::toText);
            assertEquals(0, r.resets + r.otherErrors + r.protocolErrors + r.mismatchedBytes, r::toText);
            assertTrue(r.toText().contains("2 answered"), r::toText);
            assertEquals(2, Json.tree(r.toJson()).path("connections").path("answered").asLong(-1), r::toJson);
        }
        // the same load against a reactor: every connection is answered
        try (Server s = server(Model.EPOLL_ET, Proto.HTTP)) {
            LoadConfig c = config(s.port(), 10, 300);
            c.proto = Proto.HTTP;
            LoadResult r = LoadGenerator.run(c);
            assertEquals(10, r.connectionsAnswered, r::toText);
        }
    }

    /**
     * An attacker alone (no normal connections) whose connect phase outlasts the server's header
     * timeout: a backlog of 4 makes the kernel drop SYNs beyond it (retried after a second), so
     * the first slow connections are closed and re-queued while later ones still connect. The run
     * must still start once every slot has connected or failed once, and end on time; it used to
     * wait for a moment with nothing queued and nothing in progress, which such churn never gives.
     */
    @Test
    void anAttackerWhoseConnectsOutlastTheHeaderTimeoutStillStartsAndEnds() throws Exception {
        ServerConfig sc = TestServers.quiet(Model.EPOLL_ET, Proto.HTTP);
        sc.headerTimeoutMillis = 100;
        sc.backlog = 4;
        try (Server s = TestServers.start(sc)) {
            LoadConfig c = config(s.port(), 0, 1000);
            c.proto = Proto.HTTP;
            c.slow = 400;
            c.slowIntervalMillis = 50;
            LoadResult r = org.junit.jupiter.api.Assertions.assertTimeoutPreemptively(java.time.Duration.ofSeconds(25), () -> LoadGenerator.run(c),
                    "the attacker never started or never ended");
            assertEquals(400, r.slowRequested, r::toText);
            assertTrue(r.slowOpened >= 400, r::toText);
            assertTrue(r.slowClosedByServer > 0, r::toText);
        }
    }

    @Test
    void slowlorisConnectionsAreClosedByTheHeaderTimeoutAndReplaced() throws IOException {
        ServerConfig sc = TestServers.quiet(Model.EPOLL_ET, Proto.HTTP);
        sc.headerTimeoutMillis = 500;
        try (Server s = TestServers.start(sc)) {
            LoadConfig c = config(s.port(), 10, 3000);
            c.proto = Proto.HTTP;
            c.slow = 50;
            c.slowIntervalMillis = 100;
            LoadResult r = LoadGenerator.run(c);
            // the normal clients are served throughout, untouched
            assertClean(r, 10);
            assertEquals(0, r.non200 + r.protocolErrors, r::toText);
            // the slow ones: closed once their header is 500 ms old (the server sweeps every 250 ms)
            assertEquals(50, r.slowRequested, r::toText);
            assertTrue(r.slowClosedByServer >= 50, r::toText);
            assertTrue(r.slowLifetimeMinMillis >= 400, r::toText);
            assertTrue(r.slowLifetimeMaxMillis < 3000, r::toText);
            assertTrue(r.slowLifetimeMinMillis <= r.slowLifetimeMedianMillis
                    && r.slowLifetimeMedianMillis <= r.slowLifetimeMaxMillis, r::toText);
            // every close was replaced: the first 50, one per close, minus closes not yet replaced
            assertTrue(r.slowOpened >= r.slowClosedByServer && r.slowOpened <= 50 + r.slowClosedByServer, r::toText);
            assertTrue(r.slowOpenAtEnd <= 50, r::toText);
            assertEquals(0, r.slowConnectErrors + r.slowOtherErrors + r.slowReplied, r::toText);
            // the server may have closed a few more just before the end, unseen by the client
            long timeouts = s.stats().headerTimeouts.sum();
            assertTrue(timeouts >= r.slowClosedByServer && timeouts <= r.slowClosedByServer + 50,
                    "server header timeouts " + timeouts + ": " + r.toText());
            assertTrue(r.toText().contains("closed by the server after"), r::toText);
            JsonNode slow = Json.tree(r.toJson()).path("slow");
            assertEquals(r.slowClosedByServer, slow.path("closed_by_server").asLong(-1), r::toJson);
            assertEquals(r.slowLifetimeMedianMillis, slow.path("lifetime_ms").path("p50").asLong(-1), r::toJson);
        }
    }

    @Test
    void slowlorisAgainstAServerWithoutHeaderTimeoutStaysOpen() throws IOException {
        // echo has no header timeout: nothing is closed, and the echoed header counts as a reply
        try (Server s = server(Model.EPOLL_LT, Proto.ECHO)) {
            LoadConfig c = config(s.port(), 2, 500);
            c.slow = 20;
            c.slowIntervalMillis = 20;
            LoadResult r = LoadGenerator.run(c);
            assertClean(r, 2);
            assertEquals(20, r.slowOpened, r::toText);
            assertEquals(20, r.slowOpenAtEnd, r::toText);
            assertEquals(0, r.slowClosedByServer, r::toText);
            assertEquals(20, r.slowReplied, r::toText);
            assertTrue(r.slowBytesSent >= 20 * 10, "about 25 bytes each in 500 ms: " + r.toText());
            assertEquals(0, r.slowLifetimeMaxMillis, r::toText);
        }
    }

    /** connections 0 with slow: an attacker-only run (its normal clients run in another process). */
    @Test
    void slowlorisOnlyRunKeepsItsConnectionsForTheWholeDuration() throws IOException {
        try (Server s = server(Model.EPOLL_LT, Proto.ECHO)) {
            LoadConfig c = config(s.port(), 0, 600);
            c.slow = 30;
            c.slowIntervalMillis = 20;
            long t0 = System.nanoTime();
            LoadResult r = LoadGenerator.run(c);
            assertTrue(System.nanoTime() - t0 >= 600_000_000L, "ran its duration: " + r.toText());
            assertEquals(0, r.connectionsEstablished, r::toText);
            assertEquals(0, r.messages, r::toText);
            assertEquals(30, r.slowOpened, r::toText);
            assertEquals(30, r.slowOpenAtEnd, r::toText);
            assertTrue(r.slowBytesSent >= 30 * 15, "about 30 bytes each in 600 ms: " + r.toText());
            assertFalse(r.failed(), r::toText);
            JsonNode slow = Json.tree(r.toJson()).path("slow");
            assertEquals(30, slow.path("opened").asLong(-1), r::toJson);
            assertEquals(30, slow.path("requested").asLong(-1), r::toJson);
        }
    }

    @Test
    void slowlorisOnlyAgainstNothingFailsWithTheSlowErrors() throws IOException {
        LoadConfig c = config(freePort(), 0, 300);
        c.slow = 5;
        LoadResult r = LoadGenerator.run(c);
        assertEquals(0, r.slowOpened, r::toText);
        assertTrue(r.failed(), r::toText);
        assertTrue(r.failureReason().contains("no slowloris connection") && r.failureReason().contains("ECONNREFUSED"),
                r.failureReason());
        assertEquals(r.slowConnectErrors, r.slowErrorCount(Errno.ECONNREFUSED), r::toText);
        LoadConfig none = config(freePort(), 0, 300); // neither normal nor slow connections
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> LoadGenerator.run(none));
        assertTrue(e.getMessage().contains("connections must be in [1,"), e.getMessage());
    }

    @Test
    void nothingListeningCountsConnectErrorsWithoutHanging() throws IOException {
        int port = freePort();
        long t0 = System.nanoTime();
        LoadResult r = LoadGenerator.run(config(port, 20, 5000));
        assertTrue(System.nanoTime() - t0 < 3_000_000_000L, "a refused run returns at once, not after --duration");
        assertEquals(0, r.connectionsEstablished, r::toText);
        assertEquals(20, r.connectErrors, r::toText);
        assertEquals(20, r.errorCount(Errno.ECONNREFUSED), r::toText);
        assertEquals(Long.valueOf(20), r.errorsByName.get("ECONNREFUSED"), "named for display: " + r.toText());
        assertEquals(0, r.messages);
        assertTrue(r.failed());
        assertEquals(1, r.exitCode());
        assertTrue(r.failureReason().contains("ECONNREFUSED 20"), r.failureReason());
        Capture cap = Capture.start();
        int code;
        try {
            code = Main.run("load", "--target", "127.0.0.1:" + port, "--connections", "5", "--duration", "1s");
        } finally {
            cap.stop();
        }
        assertEquals(1, code, cap.out + cap.err);
        assertTrue(cap.err.contains("no connection to 127.0.0.1:" + port + " could be established (ECONNREFUSED 5)"), cap.err);
    }

    @Test
    void aConnectThatNeverCompletesTimesOut() throws IOException {
        // a listener with backlog 1 that never accepts: once its queue is full, SYNs are dropped
        int lfd = Sockets.listen(Sockets.LOOPBACK, 0, 1, false, true);
        try {
            LoadConfig c = config(Sockets.localPort(lfd), 10, 200);
            c.connectTimeoutMillis = 300;
            c.connectBatch = 4;
            long t0 = System.nanoTime();
            LoadResult r = LoadGenerator.run(c);
            assertTrue(System.nanoTime() - t0 < 10_000_000_000L, r::toText);
            assertEquals(10, r.connectionsEstablished + r.connectErrors, r::toText);
            assertTrue(r.errorCount(Errno.ETIMEDOUT) > 0, r::toText);
            assertEquals(r.connectErrors, r.errorCount(Errno.ETIMEDOUT), r::toText);
        } finally {
            Fds.closeQuietly(lfd);
        }
    }

    @Test
    void corruptedEchoIsCaughtAndFailsTheCli() throws Exception {
        try (CorruptingEcho peer = new CorruptingEcho(1000)) {
            LoadResult r = LoadGenerator.run(config(peer.port, 4, 500));
            assertEquals(4, r.connectionsEstablished, r::toText);
            assertEquals(4, r.mismatchedBytes, "one flipped byte per connection: " + r.toText());
            assertTrue(r.failed());
            assertEquals(1, r.exitCode());
            assertFalse(r.errorSamples.isEmpty());
            assertTrue(r.errorSamples.get(0).matches("connection \\d+ message 15 byte 40: expected 0x\\p{XDigit}{2}, got 0x\\p{XDigit}{2}"),
                    r.errorSamples.get(0));
            assertTrue(r.toText().contains("FAILED"), r::toText);

            Capture cap = Capture.start();
            int code;
            try {
                code = Main.run("load", "--target", "127.0.0.1:" + peer.port, "--connections", "3",
                        "--duration", "500ms", "--size", "64");
            } finally {
                cap.stop();
            }
            assertEquals(1, code, cap.out + cap.err);
            assertTrue(cap.out.contains("mismatched bytes 3"), cap.out);
            assertTrue(cap.err.contains("3 bytes came back different"), cap.err);
        }
    }

    @Test
    void badArgumentsExitWithTwo() {
        String[][] cases = {
            {"--connections", "0"},
            {"--proto", "foo"},
            {"--target", "nohost"},
            {"--target", "127.0.0.1"},
            {"--format", "xml"},
            {"--duration", "soon"},
            {"--size", "0"},
            {"--rate", "-1"},
            {"--loops", "0"},
            {"--threads", "2"},
            {"--duration", "10"},
            {"--duration", "0"},
            {"--warmup", "-1s"},
            {"--connect-timeout", "0"},
            {"--slow", "-1"},
            {"--slow-interval", "0"},
            {"--slow", "5", "--slow-interval", "-100"},
        };
        for (String[] args : cases) {
            String[] full = new String[args.length + 1];
            full[0] = "load";
            System.arraycopy(args, 0, full, 1, args.length);
            Capture cap = Capture.start();
            int code;
            try {
                code = Main.run(full);
            } finally {
                cap.stop();
            }
            assertEquals(2, code, String.join(" ", args) + ": " + cap.err);
            String err = cap.err.trim();
            assertFalse(err.contains("\n"), "one line: " + err);
            assertFalse(err.contains("Exception"), "no stack trace: " + err);
            assertTrue(err.startsWith("muxlab: "), err);
        }
        Capture cap = Capture.start();
        try {
            Main.run("load", "--proto", "foo");
        } finally {
            cap.stop();
        }
        assertTrue(cap.err.contains("allowed: echo, http"), cap.err);
        cap = Capture.start();
        try {
            Main.run("load", "--slow", "-1");
            Main.run("load", "--slow-interval", "0");
        } finally {
            cap.stop();
        }
        assertTrue(cap.err.contains("muxlab: --slow must be in [0, 1000000]: -1"), cap.err);
        assertTrue(cap.err.contains("muxlab: --slow-interval must be in [1ms, 60m]: 0"), cap.err);
        assertThrows(IllegalArgumentException.class, () -> new LoadConfig().target("localhost:70000"));
    }

    @Test
    void helpListsTheOptionsAndExitCodes() {
        Capture cap = Capture.start();
        int code;
        try {
            code = Main.run("load", "--help");
        } finally {
            cap.stop();
        }
        assertEquals(0, code);
        for (String opt : new String[] {"--target", "--proto", "--connections", "--duration", "--size", "--rate",
                "--warmup", "--loops", "--format", "--connect-timeout", "--slow", "--slow-interval", "Exit codes",
                "echo, http", "text, json", "10s", "100ms"}) {
            assertTrue(cap.out.contains(opt), opt + " in " + cap.out);
        }
        assertFalse(cap.out.contains("--threads"), "renamed to --loops: " + cap.out);
    }

    @Test
    void jsonOutputIsValid() throws IOException {
        try (Server s = server(Model.EPOLL_ET, Proto.ECHO)) {
            LoadResult r = LoadGenerator.run(config(s.port(), 5, 300));
            String json = r.toJson();
            assertFalse(json.contains("\n"), "one line: " + json);
            JsonNode t = Json.tree(json);
            assertEquals(0, t.path("errors").path("mismatched_bytes").asLong(-1), json);
            assertTrue(t.path("latency_us").path("p99_9").isIntegralNumber(), json);
            assertEquals(r.p999, t.path("latency_us").path("p99_9").asLong(), json);
            // raw numbers, not text formatted with 3 decimals
            assertTrue(t.path("messages_per_sec").isNumber(), json);
            assertEquals(r.messagesPerSecond, t.path("messages_per_sec").asDouble(), 0.0, json);
            assertEquals(r.mean, t.path("latency_us").path("mean").asDouble(), 0.0, json);
            // the shape scripts read
            for (String f : new String[] {"target", "proto", "size", "rate", "loop", "threads", "connections",
                    "fd_limit", "duration_ms", "warmup_ms", "messages", "messages_total", "messages_per_sec",
                    "bytes_sent", "bytes_received", "mb_per_sec_received", "mb_per_sec_sent", "latency_us", "errors",
                    "slow", "status_counts", "error_samples", "warnings", "failed", "failure"}) {
                assertTrue(t.has(f), f + " in " + json);
            }
            assertEquals("closed", t.path("loop").asText(), json);
            assertEquals(5, t.path("connections").path("established").asLong(-1), json);
            assertFalse(t.path("failed").asBoolean(true), json);
            assertTrue(t.path("failure").isNull(), json);

            Capture cap = Capture.start();
            int code;
            try {
                code = Main.run("load", "--target", "127.0.0.1:" + s.port(), "--connections", "3", "--duration",
                        "300ms", "--format", "json");
            } finally {
                cap.stop();
            }
            assertEquals(0, code, cap.err);
            assertEquals(3, Json.tree(cap.out.trim()).path("connections").path("requested").asLong(-1), cap.out);
        }
        // errors by name, and a failure text
        LoadResult refused = LoadGenerator.run(config(freePort(), 2, 100));
        JsonNode t = Json.tree(refused.toJson());
        assertEquals(2, t.path("errors").path("by_name").path("ECONNREFUSED").asLong(-1), refused.toJson());
        assertTrue(t.path("failed").asBoolean(false), refused.toJson());
        assertTrue(t.path("failure").asText().contains("ECONNREFUSED 2"), refused.toJson());
    }

    // ---- helpers ----

    /** A port with nothing listening on it (bound, read, closed). */
    private static int freePort() throws IOException {
        int fd = Sockets.listen(Sockets.LOOPBACK, 0, 1, false, true);
        try {
            return Sockets.localPort(fd);
        } finally {
            Fds.close(fd);
        }
    }

    /** Captures System.out and System.err (Main.run prints there). */
    static final class Capture {
        private final PrintStream oldOut = System.out;
        private final PrintStream oldErr = System.err;
        private final ByteArrayOutputStream o = new ByteArrayOutputStream();
        private final ByteArrayOutputStream e = new ByteArrayOutputStream();
        String out = "";
        String err = "";

        static Capture start() {
            Capture c = new Capture();
            System.setOut(new PrintStream(c.o, true, StandardCharsets.UTF_8));
            System.setErr(new PrintStream(c.e, true, StandardCharsets.UTF_8));
            return c;
        }

        void stop() {
            System.out.flush();
            System.err.flush();
            System.setOut(oldOut);
            System.setErr(oldErr);
            out = o.toString(StandardCharsets.UTF_8);
            err = e.toString(StandardCharsets.UTF_8);
        }
    }

    /**
     * An echo server on raw fds that flips one bit of byte {@code flipAt} of every connection's
     * stream (level-triggered epoll on an {@link EventLoop}; output that would block waits for WRITE).
     */
    static final class CorruptingEcho implements AutoCloseable {
        final int port;
        private final int listenFd;
        private final EventLoop loop;
        private final Thread thread;
        private final long flipAt;

        CorruptingEcho(long flipAt) throws IOException {
            this.flipAt = flipAt;
            this.listenFd = Sockets.listen(Sockets.LOOPBACK, 0, 128, false, true);
            this.port = Sockets.localPort(listenFd);
            this.loop = new EventLoop(Multiplexer.open(Backend.EPOLL), 64);
            loop.register(listenFd, Events.READ, (fd, ev) -> acceptAll());
            this.thread = new Thread(loop, "corrupting-echo");
            thread.setDaemon(true);
            thread.start();
        }

        private void acceptAll() {
            try {
                int c;
                while ((c = Sockets.accept(listenFd, true)) >= 0) {
                    loop.register(c, Events.READ, new Peer(c));
                }
            } catch (IOException ignored) {
                // a vanished connection: go on
            }
        }

        private final class Peer implements EventLoop.Handler {
            final int fd;
            final ByteBuffer buf = ByteBuffer.allocateDirect(16 * 1024);
            long seen;
            boolean writing;

            Peer(int fd) {
                this.fd = fd;
            }

            @Override
            public void onReady(int fd, int events) {
                try {
                    if (!writing) {
                        buf.clear();
                        int n = Fds.read(fd, buf);
                        if (n < 0) {
                            close();
                            return;
                        }
                        buf.flip();
                        if (flipAt >= seen && flipAt < seen + n) {
                            int at = (int) (flipAt - seen);
                            buf.put(at, (byte) (buf.get(at) ^ 0x01));
                        }
                        seen += n;
                    }
                    Fds.write(fd, buf);
                    boolean pending = buf.hasRemaining();
                    if (pending != writing) {
                        writing = pending;
                        loop.modify(fd, pending ? Events.WRITE : Events.READ);
                    }
                } catch (IOException e) {
                    close();
                }
            }

            void close() {
                loop.forget(fd);
                Fds.closeQuietly(fd);
            }
        }

        @Override
        public void close() {
            loop.stop();
            try {
                thread.join(5_000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            Fds.closeQuietly(listenFd);
            loop.close();
        }
    }
}
