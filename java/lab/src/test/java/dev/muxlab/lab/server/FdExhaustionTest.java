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

    /** A client's exchange of one byte: the server answered it. */
    private static void echoes(TestClient c, String b) throws Exception {
        c.send(b);
        assertEquals(b, new String(c.recv(1, 5000), StandardCharsets.US_ASCII));
    }

    /**
     * Lowers the fd limit, starts a server of cfg and opens {@code clients} unconnected clients
     * into {@code unconnected}; {@link #fill} then takes every fd left (the server's too: same
     * process), so that the server's next accept fails with EMFILE. The limit is lowered before
     * the server starts: uring's accept reads it when it is queued.
     */
    private static Server atTheLimit(ServerConfig cfg, List<TestClient> unconnected, int clients) throws Exception {
        Fds.setOpenFileLimit(Math.min(Fds.openFileLimit(), Fds.countOpen() + 2000));
        Server s = ServerEndToEndTest.start(cfg);
        for (int i = 0; i < clients; i++) {
            unconnected.add(new TestClient());
        }
        return s;
    }

    private static void fill(List<Integer> filler) {
        int fd;
        while ((fd = Fds.tryEventFd()) >= 0) {
            filler.add(fd);
        }
    }

    /**
     * The event-loop models at the fd limit with connections trickling in (one every 25 ms for
     * 1.5 s): once nothing is left to shed the loop stops watching its listener for a pause that
     * doubles from 10 ms to 1 s, so the 60 arrivals cause a handful of pauses (a fixed 10 ms
     * pause would take one per arrival, 60). Every arrival is still shed (none left hanging),
     * the connection the server had is still served, and once fds free up it accepts again.
     */
    @ParameterizedTest
    @EnumSource(value = Model.class, names = {"SELECT", "POLL", "EPOLL_LT", "EPOLL_ET", "SIGIO", "NIO", "URING"})
    void atTheLimitTheListenerPausesForGrowingPauses(Model model) throws Exception {
        int oldLimit = Fds.openFileLimit();
        List<TestClient> trickle = new ArrayList<>();
        List<Integer> filler = new ArrayList<>();
        ServerConfig cfg = TestServers.quiet(model, Proto.ECHO);
        try (Server s = atTheLimit(cfg, trickle, 60); TestClient served = new TestClient(s.port())) {
            echoes(served, "a");
            fill(filler);
            long t0 = System.nanoTime();
            for (int i = 0; i < trickle.size(); i++) {
                long due = t0 + i * 25_000_000L;
                long wait = due - System.nanoTime();
                if (wait > 0) {
                    Thread.sleep(wait / 1_000_000, (int) (wait % 1_000_000));
                }
                trickle.get(i).connect(s.port());
            }
            List<Integer> hanging = new ArrayList<>();
            for (int i = 0; i < trickle.size(); i++) {
                if (!trickle.get(i).closedByPeer(3000)) {
                    hanging.add(i);
                }
            }
            assertTrue(hanging.isEmpty(), model + ": arrivals neither shed nor served: " + hanging + "; " + s.stats());
            long pauses = s.stats().acceptPauses.sum();
            assertTrue(pauses >= 2 && pauses <= 20, model + ": " + pauses
                    + " listener pauses for 60 arrivals at the limit (growing pauses: about 8); " + s.stats());
            assertTrue(s.stats().acceptFdLimit.sum() >= 1, s.stats().toString());
            echoes(served, "b");
            filler.forEach(Fds::closeQuietly);
            filler.clear();
            trickle.forEach(TestClient::close);
            trickle.clear();
            try (TestClient again = new TestClient(s.port())) { // at most one pause (1 s) later
                echoes(again, "c");
            }
            assertEquals(0, s.stats().errors.sum(), s.stats().toString());
        } finally {
            filler.forEach(Fds::closeQuietly);
            Fds.setOpenFileLimit(oldLimit);
            trickle.forEach(TestClient::close);
        }
    }

    /**
     * A pause ends early when one of the loop's connections closes (an fd was freed). With
     * pauses made 60 s long: at the limit a first arrival is shed and the listener pauses; a
     * second one then waits in the backlog, neither shed nor served; the served client closes
     * its connection, the server closes its end, and the waiting connection is accepted and
     * served at once instead of 60 s later.
     */
    @ParameterizedTest
    @EnumSource(value = Model.class, names = {"SELECT", "POLL", "EPOLL_LT", "EPOLL_ET", "SIGIO", "NIO", "URING"})
    void aClosingConnectionEndsThePause(Model model) throws Exception {
        int oldLimit = Fds.openFileLimit();
        List<TestClient> arrivals = new ArrayList<>();
        List<Integer> filler = new ArrayList<>();
        ServerConfig cfg = TestServers.quiet(model, Proto.ECHO);
        cfg.acceptPauseFirstMillis = 60_000;
        cfg.acceptPauseMaxMillis = 60_000;
        try (Server s = atTheLimit(cfg, arrivals, 2)) {
            TestClient served = new TestClient(s.port());
            boolean servedOpen = true;
            try {
                echoes(served, "a");
                fill(filler);
                TestClient first = arrivals.get(0);
                TestClient second = arrivals.get(1);
                first.connect(s.port());
                assertTrue(first.closedByPeer(5000), model + ": the first arrival at the limit is shed; " + s.stats());
                ServerEndToEndTest.eventually(() -> s.stats().acceptPauses.sum() == 1, "the listener's pause");
                second.connect(s.port()); // the kernel completes the handshake: it waits in the backlog
                assertFalse(second.closedByPeer(500), model + ": paused: the second arrival is not even shed; " + s.stats());
                // the served client leaves; its fd and the server's come free, and the server's close ends the pause
                served.close();
                servedOpen = false;
                echoes(second, "b");
                assertEquals(1, s.stats().acceptPauses.sum(), s.stats().toString());
                assertEquals(2, s.stats().accepted.sum(), "served and second (first was shed): " + s.stats());
            } finally {
                if (servedOpen) {
                    served.close(); // once: a second close could hit a reused fd number
                }
            }
        } finally {
            filler.forEach(Fds::closeQuietly);
            Fds.setOpenFileLimit(oldLimit);
            arrivals.forEach(TestClient::close);
        }
    }
}
