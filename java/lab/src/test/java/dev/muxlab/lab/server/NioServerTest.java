package dev.muxlab.lab.server;

import static org.junit.jupiter.api.Assertions.*;

import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.stream.Collectors;

import dev.muxlab.lab.Proto;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * What is the {@link Model#NIO} model's own, beyond the end-to-end tests it shares with the other
 * models: one thread serves everything, and a request allocates nothing on it (direct buffers
 * reused, the selector's ready keys taken without an iterator).
 */
class NioServerTest {

    private static List<Thread> loopThreads() {
        return Thread.getAllStackTraces().keySet().stream().filter(t -> t.getName().startsWith("muxlab-nio"))
                .collect(Collectors.toList());
    }

    @ParameterizedTest
    @EnumSource(Proto.class)
    void oneThreadAndNoAllocationPerRequest(Proto proto) throws Exception {
        List<Thread> before = loopThreads();
        try (Server s = ServerEndToEndTest.start(Model.NIO, proto); TestClient c = new TestClient(s.port())) {
            List<Thread> loops = loopThreads();
            loops.removeAll(before);
            assertEquals(1, loops.size(), "one thread: " + loops);
            Thread loop = loops.get(0);
            byte[] msg = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"
                    .getBytes(StandardCharsets.US_ASCII);
            String req = "GET / HTTP/1.1\r\nHost: x\r\n\r\n";
            com.sun.management.ThreadMXBean threads = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
            long allocated = 0;
            int requests = 20_000;
            for (int round = 0; round < 2; round++) { // the first warms up (class loading, JIT)
                long a0 = threads.getThreadAllocatedBytes(loop.getId());
                for (int i = 0; i < requests; i++) {
                    if (proto == Proto.ECHO) {
                        c.send(msg);
                        assertEquals(msg.length, c.recv(msg.length, 5000).length);
                    } else {
                        c.send(req);
                        assertTrue(c.recvText("Hello from muxlab\n", 1, 5000).startsWith("HTTP/1.1 200 OK"));
                    }
                }
                allocated = threads.getThreadAllocatedBytes(loop.getId()) - a0;
            }
            double perRequest = allocated / (double) requests;
            System.out.printf("nio %s: %d bytes allocated on the loop thread for %d requests (%.2f per request)%n",
                    proto.cliName(), allocated, requests, perRequest);
            // a ByteBuffer alone is 48+ bytes; allow a few stray allocations of the JDK per thousand requests
            assertTrue(perRequest < 8, proto + ": " + perRequest + " bytes allocated per request");
        }
    }

    @Test
    void cliNamesAndNoMuxlabMultiplexer() {
        ServerConfig cfg = TestServers.quiet(Model.NIO, Proto.ECHO);
        assertNull(Model.NIO.backend());
        assertNull(Model.NIO.trigger());
        assertFalse(Model.NIO.isReactor());
        assertEquals(Model.NIO, Model.parse("nio"));
        assertEquals(Model.VIRTUAL, Model.parse("virtual"));
        assertTrue(Server.create(cfg) instanceof NioServer);
    }
}
