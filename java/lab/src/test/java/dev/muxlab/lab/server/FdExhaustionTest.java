package dev.muxlab.lab.server;

import static org.junit.jupiter.api.Assertions.*;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

import dev.muxlab.Fds;
import dev.muxlab.lab.Proto;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * accept() at the fd limit (EMFILE), in every model: the server sheds pending connections with
 * its reserved fd instead of spinning on a level-triggered listener (or, for the blocking models,
 * on a blocking accept that fails at once), keeps serving the connections it has, and accepts
 * again once fds free up. The server runs in this JVM, so lowering the soft limit here is what it
 * sees. The busy-polling model spins by design, so only its recovery is checked.
 * <p>
 * uring has a test of its own: io_uring reads RLIMIT_NOFILE when an accept is queued, so a limit
 * lowered under its armed multishot accept does not apply to it; there the fd table is filled up
 * to the limit instead.
 */
class FdExhaustionTest {

    @ParameterizedTest
    @EnumSource(value = Model.class, mode = EnumSource.Mode.EXCLUDE, names = {"URING", TestServers.JDK21_MODELS})
    void emfileShedsConnectionsWithoutSpinningAndRecovers(Model model) throws Exception {
        int oldLimit = Fds.openFileLimit();
        ServerConfig cfg = TestServers.quiet(model, Proto.ECHO);
        List<TestClient> pending = new ArrayList<>();
        try (Server s = ServerEndToEndTest.start(cfg); TestClient served = new TestClient(s.port())) {
            served.send("a");
            assertEquals("a", new String(served.recv(1, 5000), StandardCharsets.US_ASCII));
            Thread loop = Thread.getAllStackTraces().keySet().stream()
                    .filter(t -> t.getName().startsWith("muxlab-" + model.cliName())).findFirst().orElseThrow();
            // the clients' fds are opened first; then no fd is left for the server's accept()
            for (int i = 0; i < 20; i++) {
                pending.add(new TestClient());
            }
            Fds.setOpenFileLimit(Fds.countOpen());
            for (TestClient c : pending) {
                c.connect(s.port());
            }
            ThreadMXBean threads = ManagementFactory.getThreadMXBean();
            long cpu0 = threads.getThreadCpuTime(loop.getId());
            long wall0 = System.nanoTime();
            Thread.sleep(1000);
            double busy = (threads.getThreadCpuTime(loop.getId()) - cpu0) / (double) (System.nanoTime() - wall0);
            long sheds = s.stats().acceptFdLimit.sum();
            assertTrue(sheds >= 1, "accept hit EMFILE");
            assertTrue(model == Model.NONBLOCKING || busy < 0.5, model + ": the loop thread used " + Math.round(busy * 100)
                    + "% of a core at the fd limit (spinning)");
            int shed = 0;
            for (TestClient c : pending) {
                if (c.closedByPeer(2000)) {
                    shed++;
                }
            }
            assertTrue(shed >= 18, "pending connections were shed, not left hanging: " + shed);
            // the connection it already had is still served
            served.send("b");
            assertEquals("b", new String(served.recv(1, 5000), StandardCharsets.US_ASCII));
            // fds free up: accepting works again
            pending.forEach(TestClient::close);
            pending.clear();
            Fds.setOpenFileLimit(oldLimit);
            try (TestClient again = new TestClient(s.port())) {
                again.send("c");
                assertEquals("c", new String(again.recv(1, 5000), StandardCharsets.US_ASCII));
            }
        } finally {
            Fds.setOpenFileLimit(oldLimit);
            pending.forEach(TestClient::close);
        }
    }

    /**
     * uring at the fd limit: the multishot accept completes with -EMFILE and ends; the loop waits
     * on a poll of the listener instead of re-arming at once (which would fail at once), sheds the
     * waiting connections with the reserved fd, keeps serving, and accepts again once fds free up.
     */
    @Test
    void uringAtTheFdLimitShedsWithoutSpinningAndRecovers() throws Exception {
        int oldLimit = Fds.openFileLimit();
        List<TestClient> pending = new ArrayList<>();
        List<Integer> filler = new ArrayList<>();
        try {
            Fds.setOpenFileLimit(Math.min(oldLimit, Fds.countOpen() + 2000)); // a table small enough to fill
            try (Server s = ServerEndToEndTest.start(TestServers.quiet(Model.URING, Proto.ECHO));
                    TestClient served = new TestClient(s.port())) {
                served.send("a");
                assertEquals("a", new String(served.recv(1, 5000), StandardCharsets.US_ASCII));
                Thread loop = Thread.getAllStackTraces().keySet().stream()
                        .filter(t -> t.getName().startsWith("muxlab-uring")).findFirst().orElseThrow();
                for (int i = 0; i < 20; i++) {
                    pending.add(new TestClient());
                }
                int fd;
                while ((fd = Fds.tryEventFd()) >= 0) {
                    filler.add(fd);
                }
                for (TestClient c : pending) {
                    c.connect(s.port());
                }
                ThreadMXBean threads = ManagementFactory.getThreadMXBean();
                long cpu0 = threads.getThreadCpuTime(loop.getId());
                long wall0 = System.nanoTime();
                Thread.sleep(1000);
                double busy = (threads.getThreadCpuTime(loop.getId()) - cpu0) / (double) (System.nanoTime() - wall0);
                assertTrue(s.stats().acceptFdLimit.sum() >= 1, "accept hit EMFILE: " + s.stats());
                assertTrue(busy < 0.5, "the loop thread used " + Math.round(busy * 100)
                        + "% of a core at the fd limit (spinning)");
                // each waiting connection is shed, or served when an fd came free meanwhile (the
                // kernel's accept takes any free slot); none is left hanging in the queue
                int shed = 0;
                List<Integer> hanging = new ArrayList<>();
                for (int i = 0; i < pending.size(); i++) {
                    TestClient c = pending.get(i);
                    if (c.closedByPeer(2000)) {
                        shed++;
                    } else {
                        c.send("p");
                        if (!"p".equals(new String(c.recv(1, 2000), StandardCharsets.US_ASCII))) {
                            hanging.add(i);
                        }
                    }
                }
                assertTrue(hanging.isEmpty(), "connections neither shed nor served: " + hanging + "; " + s.stats());
                assertTrue(shed >= 10, "pending connections were shed: " + shed + "; " + s.stats());
                served.send("b");
                assertEquals("b", new String(served.recv(1, 5000), StandardCharsets.US_ASCII));
                filler.forEach(Fds::closeQuietly);
                filler.clear();
                pending.forEach(TestClient::close);
                pending.clear();
                try (TestClient again = new TestClient(s.port())) {
                    again.send("c");
                    assertEquals("c", new String(again.recv(1, 5000), StandardCharsets.US_ASCII));
                }
                assertEquals(0, s.stats().errors.sum(), s.stats().toString());
            }
        } finally {
            filler.forEach(Fds::closeQuietly);
            Fds.setOpenFileLimit(oldLimit);
            pending.forEach(TestClient::close);
        }
    }
}
