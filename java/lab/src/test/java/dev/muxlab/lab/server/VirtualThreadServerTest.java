package dev.muxlab.lab.server;

import static org.junit.jupiter.api.Assertions.*;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;

import com.fasterxml.jackson.databind.JsonNode;
import dev.muxlab.Fds;
import dev.muxlab.lab.Json;
import dev.muxlab.lab.Proto;
import dev.muxlab.lab.cli.Main;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The {@link Model#VIRTUAL} model through the same end-to-end tests as every other model (echo
 * bytes verified, HTTP pipelined, reset and half-closing peers, caps, idle, write and header
 * timeouts, EMFILE, a short soak), plus what is its own: connections do not cost platform threads.
 * Tagged "jdk21": the build runs it in its "jdk21-test" execution on a JDK 21+ (see
 * java/lab/pom.xml), which sets {@code muxlab.jdk21.required} so that a wrong JVM there fails
 * instead of skipping.
 */
@Tag("jdk21")
@Timeout(value = 180, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class VirtualThreadServerTest {
    static final Model M = Model.VIRTUAL;

    @BeforeAll
    static void onJdk21() {
        String jdk = System.getProperty("java.version") + " (" + System.getProperty("java.home") + ")";
        if (Runtime.version().feature() < VirtualThreadServer.MIN_FEATURE) {
            assertFalse(Boolean.getBoolean("muxlab.jdk21.required"), "the jdk21 test execution runs on " + jdk);
            assumeTrue(false, "virtual threads need JDK 21+; this is " + jdk);
        }
        System.out.println("virtual-thread tests on JDK " + jdk);
    }

    private final ServerEndToEndTest e2e = new ServerEndToEndTest();

    @Test
    void echoesEveryByteOnSeveralConnections() throws Exception {
        e2e.echoesEveryByteOnSeveralConnections(M);
    }

    @Test
    void httpKeepAlivePipelinedAndSplit() throws Exception {
        e2e.httpKeepAlivePipelinedAndSplit(M);
    }

    @Test
    void httpErrors() throws Exception {
        e2e.httpErrors(M);
    }

    @Test
    void survivesResetHalfCloseAndOneBytePeers() throws Exception {
        e2e.survivesResetHalfCloseAndOneBytePeers(M);
    }

    @Test
    void backpressureLosesNothing() throws Exception {
        e2e.backpressureLosesNothing(M);
    }

    @Test
    void maxConnectionsRefusesTheRest() throws Exception {
        e2e.maxConnectionsRefusesTheRest(M);
    }

    @Test
    void idleConnectionsAreClosed() throws Exception {
        e2e.idleConnectionsAreClosed(M);
    }

    @Test
    void emfileShedsConnectionsWithoutSpinningAndRecovers() throws Exception {
        new FdExhaustionTest().emfileShedsConnectionsWithoutSpinningAndRecovers(M);
    }

    @Test
    void aPeerThatNeverReadsIsClosedAndTheThreadServesOthers() throws Exception {
        new WriteTimeoutTest().aPeerThatNeverReadsIsClosedAndTheThreadServesOthers(M);
    }

    @Test
    void closeWakesAThreadBlockedInWrite() throws Exception {
        new WriteTimeoutTest().closeWakesAThreadBlockedInWrite(M);
    }

    @Test
    void aPeerThatReadsInBurstsLosesNothing() throws Exception {
        new WriteTimeoutTest().aPeerThatReadsInBurstsLosesNothing(M);
    }

    @Test
    void headerTimeoutIsPerRequest() throws Exception {
        new SlowlorisTest().headerTimeoutIsPerRequest(M);
    }

    @Test
    void slowConnectionsAreClosedAndOthersKeepBeingServed() throws Exception {
        new SlowlorisTest().slowConnectionsAreClosedAndOthersKeepBeingServed(M);
    }

    @Test
    void thousandEchoConnectionsLoseNothing() throws Exception {
        new SoakTest().thousandEchoConnectionsLoseNothing(M);
    }

    /**
     * A connection starts with a small read buffer ({@link VirtualThreadServer#FIRST_READ_BYTES}):
     * requests and messages larger than it, pipelined or in one write, come through whole.
     */
    @Test
    void requestsLargerThanTheFirstReadBufferGrowIt() throws Exception {
        try (Server s = ServerEndToEndTest.start(TestServers.quiet(M, Proto.HTTP)); TestClient c = new TestClient(s.port())) {
            String pad = "X-Pad: " + "p".repeat(3 * VirtualThreadServer.FIRST_READ_BYTES) + "\r\n";
            String req = "GET /big HTTP/1.1\r\nHost: x\r\n" + pad + "\r\n";
            assertTrue(req.length() > 3 * VirtualThreadServer.FIRST_READ_BYTES);
            c.send(req + req + req);
            String got = c.recvText("Hello from muxlab\n", 3, 5000);
            assertEquals(3, TestClient.occurrences(got, "HTTP/1.1 200 OK\r\n"), got);
        }
        try (Server s = ServerEndToEndTest.start(TestServers.quiet(M, Proto.ECHO)); TestClient c = new TestClient(s.port())) {
            byte[] msg = new byte[200_000];
            new Random(7).nextBytes(msg);
            Thread writer = new Thread(() -> {
                try {
                    c.send(msg);
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            });
            writer.start();
            byte[] back = c.recv(msg.length, 10_000);
            writer.join(10_000);
            assertArrayEquals(msg, back);
        }
    }

    @Test
    void idleAndTricklingConnectionsHoldNoOutputBuffer() throws Exception {
        e2e.idleAndTricklingConnectionsHoldNoOutputBuffer(M);
    }

    /** 500 open connections, each answered, and the JVM's platform threads hardly grow: one virtual thread each. */
    @Test
    void connectionsCostNoPlatformThreads() throws Exception {
        Fds.raiseOpenFileLimit();
        ServerConfig cfg = TestServers.quiet(M, Proto.ECHO);
        try (Server s = ServerEndToEndTest.start(cfg)) {
            int before = ManagementFactory.getThreadMXBean().getThreadCount();
            List<TestClient> clients = new ArrayList<>();
            try {
                for (int i = 0; i < 500; i++) {
                    TestClient c = new TestClient(s.port());
                    clients.add(c);
                    c.send("c" + i);
                    assertEquals("c" + i, new String(c.recv(("c" + i).length(), 5000), StandardCharsets.US_ASCII));
                }
                assertEquals(500, s.stats().active.get(), s.stats().toString());
                int after = ManagementFactory.getThreadMXBean().getThreadCount();
                assertTrue(after - before < 50, "platform threads " + before + " -> " + after + " for 500 connections");
                assertTrue(Thread.getAllStackTraces().keySet().stream()
                        .noneMatch(t -> t.getName().startsWith("muxlab-virtual-conn-")),
                        "no connection is served by a platform thread");
            } finally {
                clients.forEach(TestClient::close);
            }
            ServerEndToEndTest.eventually(() -> s.stats().active.get() == 0, "the connections to close");
        }
    }

    /** As the lab runs it: {@code muxlab serve --model virtual --format json} in a child JVM of this JDK. */
    @Test
    void serveInAChildJvmNamesItsJdk(@TempDir Path tmp) throws Exception {
        List<String> cmd = new ArrayList<>();
        cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        cmd.add("--enable-native-access=ALL-UNNAMED");
        String lib = System.getProperty("muxlab.library.path");
        if (lib != null) {
            cmd.add("-Dmuxlab.library.path=" + lib);
        }
        cmd.addAll(List.of("-cp", System.getProperty("java.class.path"), Main.class.getName(), "serve",
                "--model", "virtual", "--format", "json", "--port", "0", "--quiet", "--duration", "2s"));
        Path out = tmp.resolve("out");
        Path err = tmp.resolve("err");
        Process p = new ProcessBuilder(cmd).redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")))
                .redirectOutput(out.toFile()).redirectError(err.toFile()).start();
        try {
            assertTrue(p.waitFor(30, TimeUnit.SECONDS), "stopped after --duration");
            assertEquals(0, p.exitValue(), Files.readString(err));
        } finally {
            p.destroyForcibly();
        }
        List<String> lines = Files.readAllLines(out);
        JsonNode first = Json.tree(lines.get(0));
        assertEquals("listening", first.path("event").asText(), first.toString());
        assertEquals("virtual", first.path("model").asText(), first.toString());
        assertEquals(System.getProperty("java.version"), first.path("jdk").asText(), first.toString());
        assertEquals("stopped", Json.tree(lines.get(lines.size() - 1)).path("event").asText(), lines.toString());
    }
}
