package dev.muxlab;

import static dev.muxlab.T.assertAwait;
import static dev.muxlab.T.assertNothing;
import static dev.muxlab.T.millisSince;
import static dev.muxlab.T.recvExactly;
import static dev.muxlab.T.send;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.HashSet;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * What is particular to {@link Backend#URING} (the shared conformance runs on it through
 * {@link Flavour#URING}): CQ overflow, the system calls an await costs, stale and PRI
 * completions polled again, the RDHUP-only watcher, and polls of threads that exit.
 */
@Timeout(value = 60, threadMode = Timeout.ThreadMode.SEPARATE_THREAD) // a hung native wait fails, not hangs
class UringMultiplexerTest {

    private static UringMultiplexer open(Res r) {
        return (UringMultiplexer) r.mux(Backend.URING);
    }

    /** F5 for readiness: 100 ready fds through a CQ of 8 and an SQ of 4: all reported, each time. */
    @Test
    void f5CompletionQueueOverflowLosesNothing() throws Exception {
        try (Res r = new Res(); UringMultiplexer m = new UringMultiplexer(4, 8)) {
            Set<Integer> fds = new HashSet<>();
            for (int i = 0; i < 100; i++) {
                int e = r.eventFd(1);
                fds.add(e);
                m.register(e, Events.READ);
            }
            ReadySet rs = new ReadySet(128);
            for (int round = 0; round < 3; round++) {
                assertEquals(100, m.await(rs, 0));
                Set<Integer> seen = new HashSet<>();
                for (int i = 0; i < rs.size(); i++) {
                    assertTrue(seen.add(rs.fd(i)), "twice: " + rs.fd(i));
                    assertEquals(Events.READ, rs.events(i));
                }
                assertEquals(fds, seen);
            }
            assertTrue(m.stat(Ring.Stat.OVERFLOWS) > 0, "the CQ of 8 overflowed");
            assertTrue(m.stat(Ring.Stat.SQ_FULL) > 0, "100 polls through an SQ of 4");
        }
    }

    /**
     * One io_uring_enter per await submits the re-arms and waits; edge completions already in
     * the CQ cost none at all.
     */
    @Test
    void systemCallsPerAwait() throws Exception {
        try (Res r = new Res()) {
            UringMultiplexer m = open(r);
            int[] lt = r.socketPair();
            int[] et = r.socketPair();
            m.register(lt[0], Events.READ);
            ReadySet rs = new ReadySet(8);
            assertNothing(m, rs, 0);
            send(lt[1], 1);
            long enters = m.stat(Ring.Stat.ENTERS);
            assertAwait(m, rs, 0, lt[0], Events.READ);
            assertAwait(m, rs, 0, lt[0], Events.READ);
            assertEquals(enters + 2, m.stat(Ring.Stat.ENTERS), "level-triggered: one io_uring_enter per await");
            m.unregister(lt[0]);
            m.register(et[0], Events.READ | Events.EDGE);
            assertNothing(m, rs, 0); // armed
            send(et[1], 1); // the multishot poll completes during this write
            enters = m.stat(Ring.Stat.ENTERS);
            assertAwait(m, rs, 0, et[0], Events.READ);
            assertEquals(enters, m.stat(Ring.Stat.ENTERS), "an edge completion already in the CQ: no system call");
        }
    }

    /**
     * Two modifies without an await between them queue the first poll's removal but never submit
     * its re-arm; unregister must still submit that removal, or the poll keeps the file open and
     * closing the fd does not hang up the peer (found by the binding fuzz).
     */
    @Test
    void unregisterAfterUnsubmittedModifiesReleasesTheFile() throws Exception {
        try (Res r = new Res()) {
            UringMultiplexer m = open(r);
            int[] sp = Fds.socketPair();
            m.register(sp[0], Events.READ);
            ReadySet rs = new ReadySet(8);
            assertNothing(m, rs, 0); // the poll is armed in the kernel now
            m.modify(sp[0], Events.WRITE);
            m.modify(sp[0], Events.READ | Events.WRITE);
            m.unregister(sp[0]);
            Fds.close(sp[0]);
            try {
                NativeException e = org.junit.jupiter.api.Assertions.assertThrows(NativeException.class,
                        () -> Fds.write(sp[1], java.nio.ByteBuffer.allocateDirect(1)));
                assertTrue(e.is(Errno.EPIPE), e.getMessage());
            } finally {
                Fds.close(sp[1]);
            }
        }
    }

    /** A completion that sat in the CQ is polled again: data read meanwhile is not reported. */
    @Test
    void staleCompletionsAreNotReported() throws Exception {
        try (Res r = new Res()) {
            UringMultiplexer m = open(r);
            int[] sp = r.socketPair();
            m.register(sp[0], Events.READ);
            ReadySet rs = new ReadySet(8);
            assertNothing(m, rs, 0);
            send(sp[1], 3);
            recvExactly(sp[0], 3);
            long confirms = m.stat(Ring.Stat.CONFIRMS);
            assertNothing(m, rs, 0);
            assertTrue(m.stat(Ring.Stat.CONFIRMS) > confirms);
            send(sp[1], 1);
            assertAwait(m, rs, 0, sp[0], Events.READ);
        }
    }

    /**
     * A socket's data wake-up names PRI too; URING polls again before reporting, so normal data
     * arriving during a blocked await is READ alone.
     */
    @Test
    void dataIsNotReportedAsPri() throws Exception {
        try (Res r = new Res()) {
            UringMultiplexer m = open(r);
            int[] tcp = T.tcpPair(r);
            m.register(tcp[1], Events.READ | Events.PRI);
            ReadySet rs = new ReadySet(8);
            assertNothing(m, rs, 0);
            Thread t = new Thread(() -> {
                try {
                    Thread.sleep(30);
                    send(tcp[0], 1);
                } catch (Exception e) {
                    throw new RuntimeException(e);
                }
            });
            t.start();
            assertAwait(m, rs, 5000, tcp[1], Events.READ);
            t.join();
        }
    }

    /**
     * A poll that fires for RDHUP alone (WRITE asked on a full socket whose peer shut down) is
     * watched quietly: the await sleeps its timeout out instead of spinning, and WRITE is
     * reported when room comes.
     */
    @Test
    void rdhupAloneDoesNotSpin() throws Exception {
        try (Res r = new Res()) {
            UringMultiplexer m = open(r);
            int[] sp = r.socketPair();
            assertTrue(Fds.fill(sp[0]) > 0);
            m.register(sp[0], Events.WRITE);
            Fds.shutdownOutput(sp[1]);
            ReadySet rs = new ReadySet(8);
            long enters = m.stat(Ring.Stat.ENTERS);
            long t0 = System.nanoTime();
            assertNothing(m, rs, 100);
            assertTrue(millisSince(t0) >= 100);
            assertTrue(m.stat(Ring.Stat.ENTERS) - enters < 10, "spun: " + (m.stat(Ring.Stat.ENTERS) - enters) + " enters");
            assertTrue(Fds.drain(sp[1]) > 0);
            assertAwait(m, rs, 2000, sp[0], Events.WRITE);
            assertAwait(m, rs, 0, sp[0], Events.WRITE);
        }
    }

    /**
     * Polls belong to the thread that submitted them: after it exits the kernel cancels them at
     * their next wake-up, and the next await re-arms and reports (the wake poll too).
     */
    @Test
    void pollsOfAThreadThatExitedAreArmedAgain() throws Exception {
        try (Res r = new Res()) {
            AtomicReference<Multiplexer> opened = new AtomicReference<>();
            Thread opener = new Thread(() -> opened.set(Multiplexer.open(Backend.URING))); // arms the wake poll
            opener.start();
            opener.join();
            Multiplexer m = opened.get();
            try {
                int[] sp = r.socketPair();
                m.register(sp[0], Events.READ);
                Thread first = new Thread(() -> {
                    try {
                        m.await(new ReadySet(4), 0); // arms sp[0]'s poll, then the thread ends
                    } catch (Exception e) {
                        throw new RuntimeException(e);
                    }
                });
                first.start();
                first.join();
                send(sp[1], 1);
                ReadySet rs = new ReadySet(4);
                assertAwait(m, rs, 2000, sp[0], Events.READ);
                recvExactly(sp[0], 1);
                AtomicLong result = new AtomicLong(-99);
                Thread waiter = new Thread(() -> {
                    try {
                        result.set(m.await(new ReadySet(4), -1));
                    } catch (Exception e) {
                        result.set(-98);
                    }
                });
                waiter.start();
                waiter.join(100);
                assertTrue(waiter.isAlive());
                m.wakeup();
                waiter.join(5000);
                assertFalse(waiter.isAlive(), "the wakeup of a ring whose wake poll's thread exited was lost");
                assertEquals(0, result.get());
            } finally {
                m.close();
            }
        }
    }

    /** Unregister-then-close releases the file at the close: the peer sees EOF at once. */
    @Test
    void unregisterThenCloseReleasesTheFile() throws Exception {
        try (Res r = new Res()) {
            UringMultiplexer m = open(r);
            int[] sp = r.socketPair();
            m.register(sp[0], Events.READ);
            assertNothing(m, new ReadySet(4), 0); // armed in the kernel
            m.unregister(sp[0]);
            r.close(sp[0]);
            assertNull(T.recv(sp[1], 8), "EOF");
        }
    }
}
