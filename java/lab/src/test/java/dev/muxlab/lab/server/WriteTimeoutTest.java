package dev.muxlab.lab.server;

import dev.muxlab.lab.Proto;
import static org.junit.jupiter.api.Assertions.*;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.Random;
import java.util.concurrent.atomic.AtomicReference;

import dev.muxlab.Fds;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The blocking models against a peer that sends but never reads: the echo fills both directions'
 * buffers and the server's blocking write stops making progress. SO_SNDTIMEO (the idle timeout)
 * ends that write, the connection is closed and counted in {@code writeTimeouts}, and the thread
 * goes back to serving. Bounds are generous: closed within 10 s of a 500 ms timeout.
 */
@Timeout(value = 120, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class WriteTimeoutTest {
    static final long IDLE_TIMEOUT = 500;

    static ServerConfig config(Model model, long idleTimeout) {
        ServerConfig cfg = TestServers.quiet(model, Proto.ECHO);
        cfg.idleTimeoutMillis = idleTimeout;
        cfg.poolThreads = 1; // threadpool: the next client is served only if the worker came back
        return cfg;
    }

    @ParameterizedTest
    @EnumSource(value = Model.class, names = {"BLOCKING", "THREADPOOL"})
    void aPeerThatNeverReadsIsClosedAndTheThreadServesOthers(Model model) throws Exception {
        try (Server s = ServerEndToEndTest.start(config(model, IDLE_TIMEOUT))) {
            try (TestClient hog = new TestClient(s.port())) {
                long sent = hog.floodUntilClosed(10_000);
                assertTrue(sent > 0, "the flood got somewhere before the close");
            }
            ServerEndToEndTest.eventually(() -> s.stats().active.get() == 0, "the hog's connection to close");
            assertEquals(1, s.stats().writeTimeouts.sum(), s.stats().toString());
            assertEquals(0, s.stats().idleClosed.sum(), "a write timeout, not a read one: " + s.stats());
            assertEquals(0, s.stats().errors.sum(), s.stats().toString());
            assertTrue(s.stats().toString().contains("write_timeouts=1"), s.stats().toString());

            try (TestClient next = new TestClient(s.port())) {
                next.send("still serving");
                assertEquals("still serving", new String(next.recv(13, 5000), StandardCharsets.US_ASCII));
            }
            assertEquals(2, s.stats().accepted.sum());
            assertEquals(1, s.stats().writeTimeouts.sum(), s.stats().toString());
        }
    }

    /**
     * With no timeout, a thread stays blocked in write() to a peer that never reads; stopping the
     * server must still wake it (shutdown of both directions), not wait out the join timeouts.
     */
    @ParameterizedTest
    @EnumSource(value = Model.class, names = {"BLOCKING", "THREADPOOL"})
    void closeWakesAThreadBlockedInWrite(Model model) throws Exception {
        Server s = ServerEndToEndTest.start(config(model, 0));
        try (TestClient hog = new TestClient(s.port())) {
            IOException stuck = assertThrows(IOException.class, () -> hog.floodUntilClosed(1000),
                    "no timeout: the server's write blocks and the connection stays open");
            assertTrue(stuck.getMessage().contains("still open"), stuck.getMessage());
            long t0 = System.nanoTime();
            s.close();
            long ms = (System.nanoTime() - t0) / 1_000_000;
            assertTrue(ms < 4000, "close() took " + ms + " ms: the writer was not woken");
            hog.floodUntilClosed(5000); // returns once the server side is gone
        } finally {
            s.close();
        }
    }

    /**
     * A peer that reads, only in bursts with short pauses, is not a write timeout: blocked
     * writes resume when it drains, and every byte comes back in order. The pauses (50 ms) are
     * far below the timeout (2 s), so while the transfer lasts only a hang of seconds could close
     * the connection.
     */
    @ParameterizedTest
    @EnumSource(value = Model.class, names = {"BLOCKING", "THREADPOOL"})
    void aPeerThatReadsInBurstsLosesNothing(Model model) throws Exception {
        try (Server s = ServerEndToEndTest.start(config(model, 2000)); TestClient c = new TestClient(s.port())) {
            byte[] data = new byte[16_000_000]; // more than the loopback buffers hold: writes block
            new Random(11).nextBytes(data);
            AtomicReference<Throwable> writerFailure = new AtomicReference<>();
            Thread writer = new Thread(() -> {
                try {
                    c.send(data);
                } catch (Throwable t) {
                    writerFailure.set(t);
                }
            }, "burst-writer");
            writer.start();
            ByteArrayOutputStream back = new ByteArrayOutputStream(data.length);
            long deadline = System.nanoTime() + 60_000_000_000L;
            while (back.size() < data.length && System.nanoTime() < deadline) {
                Thread.sleep(50);
                int ready = Fds.available(c.fd);
                if (ready > 0) {
                    back.write(c.recv(Math.min(ready, data.length - back.size()), 5000));
                }
                if (c.eof()) {
                    break;
                }
            }
            // Once the server's last write has returned, its thread waits in read() and the idle
            // timeout may close the connection while the client still drains the loopback buffers
            // (several MB at this reader's pace: more than 2 s on a busy machine). That close is
            // legitimate; a close before the server had written everything is not. Counters only
            // grow, so idle_closed read first and bytes_out read after tell the two apart.
            long idleClosed = s.stats().idleClosed.sum();
            long bytesOut = s.stats().bytesOut.sum();
            long writeTimeouts = s.stats().writeTimeouts.sum();
            String atEnd = s.stats().toString();
            writer.join(10_000);
            assertNull(writerFailure.get(), () -> "writer: " + writerFailure.get());
            assertEquals(data.length, back.size(), atEnd);
            assertArrayEquals(data, back.toByteArray());
            assertEquals(0, writeTimeouts, atEnd);
            assertTrue(idleClosed == 0 || bytesOut == data.length,
                    "closed as idle before every byte was written back: " + atEnd);
        }
    }
}
