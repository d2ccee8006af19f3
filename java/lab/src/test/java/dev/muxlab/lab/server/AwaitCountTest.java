package dev.muxlab.lab.server;

import static org.junit.jupiter.api.Assertions.*;

import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.util.concurrent.TimeUnit;

import dev.muxlab.lab.Proto;

import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The {@code awaits} counter the models experiment divides by the echoed messages: a reactor
 * counts one per multiplexer wait (at least one per message on one connection, answered in turn),
 * the busy-polling loop one per pass, and the models that block in read and write none.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class AwaitCountTest {
    private static final int MESSAGES = 200;

    @ParameterizedTest
    @EnumSource(value = Model.class, mode = EnumSource.Mode.EXCLUDE, names = TestServers.JDK21_MODELS)
    void awaitsFollowTheModel(Model model) throws Exception {
        try (Server s = TestServers.start(model, Proto.ECHO); Socket c = new Socket()) {
            c.connect(new InetSocketAddress("127.0.0.1", s.port()), 5_000);
            c.setTcpNoDelay(true);
            OutputStream out = c.getOutputStream();
            InputStream in = c.getInputStream();
            byte[] msg = new byte[64];
            byte[] back = new byte[64];
            long before = s.stats().awaits.sum();
            for (int i = 0; i < MESSAGES; i++) {
                msg[0] = (byte) i;
                out.write(msg);
                int got = 0;
                while (got < back.length) {
                    int n = in.read(back, got, back.length - got);
                    assertTrue(n > 0, "echo closed");
                    got += n;
                }
                assertEquals((byte) i, back[0]);
            }
            long awaits = s.stats().awaits.sum() - before;
            if (model == Model.SIGIO) {
                // signals that queue while the loop drains are taken by one wait: fewer than one per message
                assertTrue(awaits >= MESSAGES / 4 && awaits <= 4L * MESSAGES, model + ": " + awaits + " awaits");
            } else if (model.isReactor() || model == Model.NIO) {
                // one wait reports the request; the reply is written at once, so about one per message
                assertTrue(awaits >= MESSAGES && awaits <= 4L * MESSAGES, model + ": " + awaits + " awaits");
            } else if (model == Model.NONBLOCKING) {
                assertTrue(awaits >= MESSAGES, model + ": " + awaits + " passes"); // it spins between messages
            } else if (model == Model.BLOCKING || model == Model.THREADPOOL) {
                assertEquals(0, awaits, model + " blocks in read and write");
            } else if (model == Model.URING) {
                // completions, not readiness: its io_uring_enter calls are counted in enters instead
                assertEquals(0, awaits, model + " makes no readiness waits");
                // the loop copies the ring's counters every 10 ms of activity: send once more until they show
                long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
                while (s.stats().enters.sum() == 0 && System.nanoTime() < until) {
                    Thread.sleep(20);
                    out.write(msg);
                    in.readNBytes(back, 0, back.length);
                }
                assertTrue(s.stats().enters.sum() > 0, "uring counts its io_uring_enter calls");
            } else {
                throw new AssertionError("no expectation for model " + model);
            }
        }
    }
}
