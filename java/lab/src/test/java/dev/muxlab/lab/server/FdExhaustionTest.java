package dev.muxlab.lab.server;

import static org.junit.jupiter.api.Assertions.*;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

import dev.muxlab.Fds;
import dev.muxlab.lab.Proto;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * accept() at the fd limit (EMFILE), in every model: the server sheds pending connections with
 * its reserved fd instead of spinning on a level-triggered listener (or, for the blocking models,
 * on a blocking accept that fails at once), keeps serving the connections it has, and accepts
 * again once fds free up. The server runs in this JVM, so lowering the soft limit here is what it
 * sees. The busy-polling model spins by design, so only its recovery is checked.
 */
class FdExhaustionTest {

    @ParameterizedTest
    @EnumSource(value = Model.class, mode = EnumSource.Mode.EXCLUDE, names = TestServers.JDK21_MODELS)
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
}
