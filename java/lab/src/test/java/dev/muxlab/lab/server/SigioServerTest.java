package dev.muxlab.lab.server;

import static org.junit.jupiter.api.Assertions.*;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;

import dev.muxlab.SignalIo;
import dev.muxlab.lab.Proto;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * What the sigio model does that the other reactors do not: when the real-time signal queue is
 * full the kernel sends plain SIGIO with no fd, and the loop falls back to a scan of its fds.
 * With RLIMIT_SIGPENDING at 0 every signal overflows; the server still accepts and echoes every
 * byte, and counts the overflows (signal_overflows). The rest is in ServerEndToEndTest and the
 * other server tests.
 */
@Timeout(60)
class SigioServerTest {

    @Test
    void signalQueueOverflowFallsBackToScansAndLosesNothing() throws Exception {
        try (Server s = TestServers.start(Model.SIGIO, Proto.ECHO)) {
            long limit = SignalIo.pendingLimit();
            List<TestClient> clients = new ArrayList<>();
            try {
                SignalIo.setPendingLimit(0);
                for (int i = 0; i < 5; i++) {
                    clients.add(new TestClient(s.port()));
                }
                Random rnd = new Random(9);
                for (int round = 0; round < 5; round++) {
                    for (TestClient c : clients) {
                        byte[] msg = new byte[1 + rnd.nextInt(100_000)];
                        rnd.nextBytes(msg);
                        c.send(msg);
                        assertArrayEquals(msg, c.recv(msg.length, 5000), "round " + round);
                    }
                }
            } finally {
                SignalIo.setPendingLimit(limit);
                clients.forEach(TestClient::close);
            }
            ServerEndToEndTest.eventually(() -> s.stats().active.get() == 0, "connections to close");
            ServerEndToEndTest.eventually(() -> s.stats().signalOverflows.sum() > 0, "overflows counted");
            assertEquals(5, s.stats().accepted.sum());
            assertEquals(0, s.stats().errors.sum(), s.stats().toString());
        }
    }
}
