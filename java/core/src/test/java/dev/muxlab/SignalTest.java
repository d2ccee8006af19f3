package dev.muxlab;

import static dev.muxlab.T.assertAwait;
import static dev.muxlab.T.assertErrno;
import static dev.muxlab.T.assertNothing;
import static dev.muxlab.T.assertStillWorks;
import static dev.muxlab.T.millisSince;
import static dev.muxlab.T.recv;
import static dev.muxlab.T.recvExactly;
import static dev.muxlab.T.send;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * conformance.md group E, signal-driven IO ({@link Backend#SIGNAL}), against real sockets and
 * pipes; and what the shared tests cannot ask of it: the owner thread, edge-only masks, the files
 * it refuses, forced queue overflow.
 */
@Timeout(value = 60, threadMode = Timeout.ThreadMode.SEPARATE_THREAD) // a hung native wait fails, not hangs
class SignalTest {
    private static final int R = Events.READ | Events.EDGE;
    private static final int W = Events.WRITE | Events.EDGE;

    /** A SIGNAL multiplexer opened in (and so owned by) a thread of its own, which runs calls for us. */
    static final class Owner implements AutoCloseable {
        final ExecutorService thread = Executors.newSingleThreadExecutor(r -> {
            Thread t = new Thread(r, "signal-owner");
            t.setDaemon(true);
            return t;
        });
        final Multiplexer m;
        final long pthread;

        Owner() throws Exception {
            m = call(() -> Multiplexer.open(Backend.SIGNAL));
            pthread = call(Signals::currentThread);
        }

        <V> V call(Callable<V> c) throws Exception {
            try {
                return thread.submit(c).get(10, TimeUnit.SECONDS);
            } catch (ExecutionException e) {
                throw e.getCause() instanceof Exception ? (Exception) e.getCause() : e;
            }
        }

        <V> Future<V> start(Callable<V> c) {
            return thread.submit(c);
        }

        @Override
        public void close() throws InterruptedException {
            m.close();
            thread.shutdownNow();
            assertTrue(thread.awaitTermination(5, TimeUnit.SECONDS));
        }
    }

    // ---- E1: one signal per change, carrying the fd and the bits of the change

    @Test
    void e1DataArrivalsOnASocketPair() throws Exception {
        try (Res r = new Res()) {
            Multiplexer m = r.mux(Backend.SIGNAL);
            int[] sp = r.socketPair();
            m.register(sp[0], R);
            ReadySet rs = new ReadySet(8);
            assertNothing(m, rs, 0);
            send(sp[1], 2);
            assertAwait(m, rs, 1000, sp[0], Events.READ);
            assertEquals(1, SignalIo.signals(m));
            send(sp[1], 1);
            send(sp[1], 1); // two signals before the await: one entry
            assertAwait(m, rs, 1000, sp[0], Events.READ);
            assertEquals(3, SignalIo.signals(m));
            recvExactly(sp[0], 4);
            assertNothing(m, rs, 0);
            assertEquals(0, SignalIo.overflows(m));
            assertEquals(0, SignalIo.staleSignals(m));
        }
    }

    /** E1: POLL_OUT when room comes back; the report is the change, not the state (READ|WRITE interest). */
    @Test
    void e1WriteRoomAndTheChangeNotTheState() throws Exception {
        try (Res r = new Res()) {
            Multiplexer m = r.mux(Backend.SIGNAL);
            int[] sp = r.socketPair();
            m.register(sp[0], (Events.READ | Events.WRITE) | Events.EDGE);
            ReadySet rs = new ReadySet(8);
            assertAwait(m, rs, 0, sp[0], Events.WRITE); // the scan at register: writable
            send(sp[1], 1);
            assertAwait(m, rs, 1000, sp[0], Events.READ); // the arrival only, though it is writable too
            recvExactly(sp[0], 1);
            assertTrue(Fds.fill(sp[0]) > 0);
            assertNothing(m, rs, 0);
            assertTrue(Fds.drain(sp[1]) > 0);
            assertAwait(m, rs, 1000, sp[0], Events.WRITE);
        }
    }

    /** E1: a unix socket's peer closing is POLL_HUP, whose band is POLLHUP|POLLERR; ERR and HUP need no interest. */
    @Test
    void e1PeerCloseIsHupAndErr() throws Exception {
        try (Res r = new Res()) {
            Multiplexer m = r.mux(Backend.SIGNAL);
            int[] sp = r.socketPair();
            m.register(sp[0], Events.EDGE); // interest 0
            ReadySet rs = new ReadySet(8);
            send(sp[1], 1);
            assertNothing(m, rs, 50); // READ is not asked for
            r.close(sp[1]);
            assertAwait(m, rs, 1000, sp[0], Events.HUP | Events.ERR);
            recvExactly(sp[0], 1);
            assertNull(recv(sp[0], 8), "EOF");
            assertNothing(m, rs, 0);
        }
    }

    /** E1 on pipes: a writer's close is POLL_IN at the reader, a reader's close POLL_OUT at the writer. */
    @Test
    void e1PipeEnds() throws Exception {
        try (Res r = new Res()) {
            Multiplexer m = r.mux(Backend.SIGNAL);
            int[] a = r.pipe();
            int[] b = r.pipe();
            m.register(a[0], R);
            m.register(b[1], W);
            ReadySet rs = new ReadySet(8);
            assertAwait(m, rs, 0, b[1], Events.WRITE); // an empty pipe is writable (scan)
            send(a[1], 1);
            assertAwait(m, rs, 1000, a[0], Events.READ);
            send(a[1], 1); // a pipe signals every write, empty or not
            assertAwait(m, rs, 1000, a[0], Events.READ);
            r.close(a[1]);
            r.close(b[0]);
            assertAwait(m, rs, 1000, a[0], Events.READ, b[1], Events.WRITE);
            recvExactly(a[0], 2);
            assertNull(recv(a[0], 8), "EOF");
            assertErrno("EPIPE", () -> Fds.write(b[1], ByteBuffer.allocateDirect(1)));
            assertNothing(m, rs, 0);
        }
    }

    /** E1 over TCP: connect completion (WRITE), a queued connection (READ), data, a reset (ERR). */
    @Test
    void e1Tcp() throws Exception {
        try (Res r = new Res()) {
            Multiplexer m = r.mux(Backend.SIGNAL);
            int l = r.track(Sockets.listen(Sockets.LOOPBACK, 0, 16, false, true));
            m.register(l, R);
            int c = r.track(Sockets.tcpSocket(true));
            assertFalse(Sockets.connect(c, Sockets.LOOPBACK, Sockets.localPort(l)));
            m.register(c, Events.READ | Events.WRITE | Events.PRI | Events.EDGE);
            Map<Integer, Integer> seen = collect(m, 3000, l, c);
            assertEquals(Events.READ, seen.get(l));
            assertEquals(Events.WRITE, seen.get(c));
            Sockets.finishConnect(c);
            int s = r.track(Sockets.accept(l, true));
            assertEquals(-1, Sockets.accept(l, true));
            m.register(s, R);
            ReadySet rs = new ReadySet(8);
            assertNothing(m, rs, 0);
            send(c, new byte[] {1, 2, 3});
            assertAwait(m, rs, 1000, s, Events.READ);
            assertArrayEquals(new byte[] {1, 2, 3}, recv(s, 16));
            assertNothing(m, rs, 0);
            // a reset: POLL_ERR
            Sockets.setLinger(s, true, 0);
            m.unregister(s);
            r.close(s);
            seen = collect(m, 3000, c);
            assertTrue((seen.get(c) & Events.ERR) != 0, Events.toString(seen.get(c)));
            assertErrno("ECONNRESET", () -> Fds.read(c, ByteBuffer.allocateDirect(8)));
        }
    }

    /** Awaits until every fd in {@code fds} has been reported, ORing what came for each. */
    private static Map<Integer, Integer> collect(Multiplexer m, long ms, int... fds) throws Exception {
        Map<Integer, Integer> seen = new HashMap<>();
        ReadySet rs = new ReadySet(8);
        long deadline = System.nanoTime() + ms * 1_000_000L;
        while (seen.size() < fds.length && System.nanoTime() < deadline) {
            int n = m.await(rs, 200);
            for (int i = 0; i < n; i++) {
                seen.merge(rs.fd(i), rs.events(i), (x, y) -> x | y);
            }
        }
        for (int fd : fds) {
            assertTrue(seen.containsKey(fd), "fd " + fd + " not reported within " + ms + " ms: " + seen);
        }
        return seen;
    }

    // ---- E2: the owner thread

    @Test
    void e2OnlyTheOwnerThreadMayRegisterModifyUnregisterAndAwait() throws Exception {
        try (Res r = new Res(); Owner o = new Owner()) {
            int[] sp = r.socketPair();
            assertSame(o.thread.submit(Thread::currentThread).get(), SignalIo.owner(o.m));
            ReadySet rs = new ReadySet(4);
            for (Executable call : new Executable[] {
                () -> o.m.register(sp[0], R), () -> o.m.modify(sp[0], R), () -> o.m.unregister(sp[0]),
                () -> o.m.await(rs, 0), () -> o.m.await(rs, -1)}) {
                IllegalStateException e = assertThrows(IllegalStateException.class, call::run);
                assertTrue(e.getMessage().contains("only the thread that opened it"), e.getMessage());
                assertTrue(e.getMessage().contains("signal-owner"), e.getMessage());
            }
            o.m.wakeup(); // any thread
            o.call(() -> {
                o.m.register(sp[0], R);
                return null;
            });
            send(sp[1], 1);
            assertEquals(1, (int) o.call(() -> o.m.await(rs, 1000)));
            assertEquals(sp[0], rs.fd(0));
            assertEquals(0, (int) o.call(() -> o.m.await(rs, 0)), "the wakeup went with the event");
            assertEquals(1, ((SignalMultiplexer) o.m).count());
        }
    }

    /** A10 for SIGNAL: wakeup from another thread ends the owner's await(-1) promptly; consumed after. */
    @Test
    void e2WakeupFromAnotherThreadEndsTheOwnersAwait() throws Exception {
        try (Res r = new Res(); Owner o = new Owner()) {
            int[] sp = r.socketPair();
            o.call(() -> {
                o.m.register(sp[0], R);
                return null;
            });
            ReadySet rs = new ReadySet(4);
            Future<Integer> f = o.start(() -> o.m.await(rs, -1));
            assertThrows(TimeoutException.class, () -> f.get(100, TimeUnit.MILLISECONDS));
            long t0 = System.nanoTime();
            o.m.wakeup();
            assertEquals(0, f.get(5, TimeUnit.SECONDS));
            assertTrue(millisSince(t0) < 1000, "wakeup took " + millisSince(t0) + " ms");
            long t1 = System.nanoTime();
            assertEquals(0, (int) o.call(() -> o.m.await(rs, 50)));
            assertTrue(millisSince(t1) >= 50);
        }
    }

    /** D5 for SIGNAL: a negative timeout ends with data written by another thread. */
    @Test
    void e2NegativeTimeoutEndsWithData() throws Exception {
        try (Res r = new Res(); Owner o = new Owner()) {
            int[] sp = r.socketPair();
            o.call(() -> {
                o.m.register(sp[0], R);
                return null;
            });
            ReadySet rs = new ReadySet(4);
            Future<Integer> f = o.start(() -> o.m.await(rs, Long.MIN_VALUE));
            assertThrows(TimeoutException.class, () -> f.get(100, TimeUnit.MILLISECONDS));
            send(sp[1], 1);
            assertEquals(1, f.get(5, TimeUnit.SECONDS));
            assertEquals(sp[0], rs.fd(0));
            assertEquals(Events.READ, rs.events(0));
        }
    }

    /** Huge timeouts wait, and a wakeup from another thread ends them. */
    @Test
    void e2HugeTimeoutsEndOnWakeup() throws Exception {
        try (Owner o = new Owner()) {
            for (long timeout : new long[] {Long.MAX_VALUE, Integer.MAX_VALUE + 1L, 1L << 53}) {
                Future<Integer> f = o.start(() -> o.m.await(new ReadySet(4), timeout));
                assertThrows(TimeoutException.class, () -> f.get(100, TimeUnit.MILLISECONDS));
                o.m.wakeup();
                assertEquals(0, f.get(5, TimeUnit.SECONDS), "await(" + timeout + ")");
            }
        }
    }

    /** close from another thread ends the owner's await in progress (0, or closed if it had not begun). */
    @Test
    void e2CloseFromAnotherThreadEndsTheOwnersAwait() throws Exception {
        try (Res r = new Res(); Owner o = new Owner()) {
            int[] sp = r.socketPair();
            o.call(() -> {
                o.m.register(sp[0], R);
                return null;
            });
            CountDownLatch entering = new CountDownLatch(1);
            Future<Integer> f = o.start(() -> {
                entering.countDown();
                return o.m.await(new ReadySet(4), -1);
            });
            assertTrue(entering.await(5, TimeUnit.SECONDS));
            Thread.sleep(50);
            o.m.close();
            try {
                assertEquals(0, f.get(5, TimeUnit.SECONDS));
            } catch (ExecutionException e) {
                assertTrue(e.getCause() instanceof IllegalStateException, e.getCause().toString());
            }
            assertFalse(o.m.isOpen());
            assertTrue(Fds.isOpen(sp[0]));
            // close released the fd: another SIGNAL multiplexer may take it
            Multiplexer m2 = r.mux(Backend.SIGNAL);
            m2.register(sp[0], R);
            send(sp[1], 1);
            assertAwait(m2, new ReadySet(4), 1000, sp[0], Events.READ);
        }
    }

    /** D6 for SIGNAL: a handler signal interrupting the owner's await is retried with the time left. */
    @Test
    void e2SignalsDuringAwaitAreRetried() throws Exception {
        Signals.install(Signals.SIGURG);
        try (Res r = new Res(); Owner o = new Owner()) {
            int[] sp = r.socketPair();
            o.call(() -> {
                o.m.register(sp[0], R);
                return null;
            });
            long retries0 = Signals.eintrRetries();
            Future<Long> f = o.start(() -> {
                long t0 = System.nanoTime();
                int n = o.m.await(new ReadySet(4), 400);
                return n == 0 ? System.nanoTime() - t0 : -1L;
            });
            long deadline = System.nanoTime() + 300_000_000L;
            int sent = 0;
            while (System.nanoTime() < deadline && (sent < 3 || Signals.eintrRetries() == retries0)) {
                Thread.sleep(20);
                Signals.kill(o.pthread, Signals.SIGURG);
                sent++;
            }
            long waited = f.get(5, TimeUnit.SECONDS);
            assertTrue(waited >= 400_000_000L, "await(400) returned after " + waited + " ns");
            assertTrue(Signals.eintrRetries() > retries0, "no EINTR retry was counted");
        }
    }

    /** Signals are queued per thread: a thread owns one open SIGNAL multiplexer at a time. */
    @Test
    void e2OneOpenMultiplexerPerThread() throws Exception {
        try (Owner o = new Owner()) {
            Multiplexer m = Multiplexer.open(Backend.SIGNAL); // this thread's own: fine
            try {
                IllegalStateException e = assertThrows(IllegalStateException.class,
                        () -> Multiplexer.open(Backend.SIGNAL));
                assertTrue(e.getMessage().contains("already owns an open SIGNAL multiplexer"), e.getMessage());
                assertThrows(IllegalStateException.class, () -> o.call(() -> Multiplexer.create(Backend.SIGNAL)));
                assertStillWorks(m);
            } finally {
                m.close();
            }
            Multiplexer again = Multiplexer.open(Backend.SIGNAL); // closed: this thread may open another
            again.close();
        }
    }

    /** The signal owner belongs to the open file description: one SIGNAL multiplexer per fd, dups EBUSY. */
    @Test
    void e2OneSignalOwnerPerOpenFileDescription() throws Exception {
        try (Res r = new Res(); Owner o = new Owner()) {
            Multiplexer m = r.mux(Backend.SIGNAL);
            int[] sp = r.socketPair();
            m.register(sp[0], R);
            NativeException e = assertThrows(NativeException.class, () -> o.call(() -> {
                o.m.register(sp[0], R);
                return null;
            }));
            assertEquals("EBUSY", e.errnoName());
            assertTrue(e.getMessage().contains("O_ASYNC"), e.getMessage());
            int d = r.dup(sp[0]);
            assertErrno("EBUSY", () -> m.register(d, R));
            m.unregister(sp[0]); // clears O_ASYNC: the other may have it now
            o.call(() -> {
                o.m.register(sp[0], R);
                return null;
            });
            send(sp[1], 1);
            assertEquals(1, (int) o.call(() -> o.m.await(new ReadySet(4), 1000)));
            assertNothing(m, new ReadySet(4), 20);
        }
    }

    /** Once the owner thread has ended nobody can await; close still works and releases the fds. */
    @Test
    void e2OwnerThreadEnded() throws Exception {
        try (Res r = new Res()) {
            int[] sp = r.socketPair();
            Owner o = new Owner();
            o.call(() -> {
                o.m.register(sp[0], R);
                return null;
            });
            o.thread.shutdown();
            assertTrue(o.thread.awaitTermination(5, TimeUnit.SECONDS));
            send(sp[1], 1); // its signal goes nowhere: the thread is gone
            assertThrows(IllegalStateException.class, () -> o.m.await(new ReadySet(4), 0));
            assertTrue(o.m.isOpen());
            o.m.close();
            Multiplexer m = r.mux(Backend.SIGNAL);
            m.register(sp[0], R); // released by close
            assertAwait(m, new ReadySet(4), 0, sp[0], Events.READ); // the scan finds the byte
        }
    }

    /**
     * HotSpot restores a thread's original signal mask when the thread ends: a signal still
     * pending in an owner thread then, or sent to it while it ends, is delivered. It must be
     * discarded (SIG_IGN), not kill the JVM with the real-time signal's default action.
     */
    @Test
    void ownerThreadsEndingWithSignalsPendingDoNotKillTheJvm() throws Exception {
        try (Res r = new Res()) {
            int[] closedBefore = r.socketPair();
            int[] leftOpen = r.socketPair();
            Multiplexer[] kept = new Multiplexer[1];
            for (int round = 0; round < 20; round++) {
                Thread t = new Thread(() -> {
                    try {
                        Multiplexer m = Multiplexer.open(Backend.SIGNAL);
                        m.register(closedBefore[0], R);
                        send(closedBefore[1], 1); // pending in this thread, never read
                        m.close();
                        if (kept[0] == null) {
                            kept[0] = Multiplexer.open(Backend.SIGNAL); // never closed by this thread
                            kept[0].register(leftOpen[0], R);
                            send(leftOpen[1], 1);
                        }
                    } catch (Exception e) {
                        throw new RuntimeException(e);
                    }
                }, "short-lived-owner-" + round);
                t.start();
                for (int i = 0; i < 50 && t.isAlive(); i++) {
                    send(leftOpen[1], 1); // to the first owner, while it ends and after
                    Thread.sleep(1);
                }
                t.join(5000);
                assertFalse(t.isAlive());
            }
            send(leftOpen[1], 1);
            Thread.sleep(50);
            assertFalse(kept[0].isOpen() && SignalIo.owner(kept[0]).isAlive());
            kept[0].close(); // from another thread than its (ended) owner
            assertTrue(Fds.drain(closedBefore[0]) == 20);
        }
    }

    // ---- E3: edge-like; the scan at register

    @Test
    void e3NothingWhileUnreadEachArrivalReportsAgain() throws Exception {
        try (Res r = new Res()) {
            Multiplexer m = r.mux(Backend.SIGNAL);
            int[] sp = r.socketPair();
            m.register(sp[0], R);
            ReadySet rs = new ReadySet(4);
            send(sp[1], 5);
            assertAwait(m, rs, 1000, sp[0], Events.READ);
            assertNothing(m, rs, 0);
            recvExactly(sp[0], 1);
            assertNothing(m, rs, 20); // 4 bytes left: still nothing
            send(sp[1], 1);
            assertAwait(m, rs, 1000, sp[0], Events.READ);
            recvExactly(sp[0], 5);
            assertNothing(m, rs, 0);
        }
    }

    /** E3: data waiting at register sends nothing; the register scan reports it, once, with the whole state. */
    @Test
    void e3DataWaitingAtRegisterIsReportedOnce() throws Exception {
        try (Res r = new Res()) {
            Multiplexer m = r.mux(Backend.SIGNAL);
            int[] sp = r.socketPair();
            int[] p = r.pipe();
            send(sp[1], 3);
            send(p[1], 3);
            m.register(sp[0], Events.READ | Events.WRITE | Events.EDGE);
            m.register(p[0], R);
            ReadySet rs = new ReadySet(4);
            assertAwait(m, rs, 0, sp[0], Events.READ | Events.WRITE, p[0], Events.READ);
            assertNothing(m, rs, 0);
            assertEquals(0, SignalIo.signals(m));
        }
    }

    /** modify scans with the new mask (no change, no signal); bits outside the mask are dropped. */
    @Test
    void e3ModifyScansTheNewMask() throws Exception {
        try (Res r = new Res()) {
            Multiplexer m = r.mux(Backend.SIGNAL);
            int[] sp = r.socketPair();
            m.register(sp[0], R);
            ReadySet rs = new ReadySet(4);
            assertNothing(m, rs, 0);
            m.modify(sp[0], W);
            assertAwait(m, rs, 0, sp[0], Events.WRITE);
            send(sp[1], 1); // READ, outside the mask
            assertNothing(m, rs, 50);
            m.modify(sp[0], R); // the byte is there: reported
            assertAwait(m, rs, 0, sp[0], Events.READ);
            m.modify(sp[0], Events.EDGE);
            send(sp[1], 1);
            assertNothing(m, rs, 50);
            m.modify(sp[0], (Events.READ | Events.WRITE) | Events.EDGE);
            assertAwait(m, rs, 0, sp[0], Events.READ | Events.WRITE);
        }
    }

    // ---- E4: real-time queue overflow

    /** At RLIMIT_SIGPENDING 0 no real-time signal fits: only SIGIO comes, and the scan finds every ready fd. */
    @Test
    void e4OverflowAtALimitOfZero() throws Exception {
        try (Res r = new Res()) {
            Multiplexer m = r.mux(Backend.SIGNAL);
            int n = 16;
            int[][] sps = pairs(r, m, n);
            ReadySet rs = new ReadySet(64);
            long limit = SignalIo.pendingLimit();
            try {
                SignalIo.setPendingLimit(0);
                for (int[] sp : sps) {
                    send(sp[1], 1);
                }
            } finally {
                SignalIo.setPendingLimit(limit);
            }
            assertEquals(limit, SignalIo.pendingLimit());
            assertEquals(n, m.await(rs, 1000), rs.toString());
            for (int[] sp : sps) {
                assertEquals(Events.READ, rs.eventsOf(sp[0]), rs.toString());
            }
            assertTrue(SignalIo.overflows(m) >= 1, "no overflow counted");
            assertEquals(0, SignalIo.signals(m));
            // the limit restored: real-time signals again
            send(sps[3][1], 1);
            assertAwait(m, rs, 1000, sps[3][0], Events.READ);
            assertEquals(1, SignalIo.signals(m));
        }
    }

    /** At a small limit a few signals fit and the rest overflow: every ready fd is reported exactly once. */
    @Test
    void e4OverflowAtASmallLimit() throws Exception {
        try (Res r = new Res()) {
            Multiplexer m = r.mux(Backend.SIGNAL);
            int n = 64;
            int[][] sps = pairs(r, m, n);
            ReadySet rs = new ReadySet(128);
            long limit = SignalIo.pendingLimit();
            try {
                SignalIo.setPendingLimit(SignalIo.queuedSignals() + 4); // the count is per user
                for (int[] sp : sps) {
                    send(sp[1], 1);
                }
            } finally {
                SignalIo.setPendingLimit(limit);
            }
            assertEquals(n, m.await(rs, 1000), rs.toString());
            Set<Integer> got = new HashSet<>();
            for (int i = 0; i < rs.size(); i++) {
                assertTrue(got.add(rs.fd(i)), "reported twice: " + rs);
                assertEquals(Events.READ, rs.events(i));
            }
            assertEquals(n, got.size());
            assertTrue(SignalIo.overflows(m) >= 1, "no overflow counted");
            assertTrue(SignalIo.signals(m) < n, SignalIo.signals(m) + " signals");
            assertNothing(m, rs, 0);
        }
    }

    /** An overflow scan's results wait their turn when the ReadySet is small: none is lost. */
    @Test
    void e4OverflowWithASmallReadySet() throws Exception {
        try (Res r = new Res()) {
            Multiplexer m = r.mux(Backend.SIGNAL);
            int[][] sps = pairs(r, m, 40);
            long limit = SignalIo.pendingLimit();
            try {
                SignalIo.setPendingLimit(0);
                for (int[] sp : sps) {
                    send(sp[1], 1);
                }
            } finally {
                SignalIo.setPendingLimit(limit);
            }
            ReadySet rs = new ReadySet(16);
            Set<Integer> got = new HashSet<>();
            for (int expected : new int[] {16, 16, 8, 0}) {
                assertEquals(expected, m.await(rs, expected == 0 ? 0 : 1000), rs.toString());
                for (int i = 0; i < rs.size(); i++) {
                    assertTrue(got.add(rs.fd(i)), "reported twice: " + rs.fd(i));
                }
            }
            assertEquals(40, got.size());
        }
    }

    // ---- E5: stale signals

    @Test
    void e5UnregisterStopsSignalsAndDropsQueuedOnes() throws Exception {
        try (Res r = new Res()) {
            Multiplexer m = r.mux(Backend.SIGNAL);
            int[] sp = r.socketPair();
            m.register(sp[0], R);
            send(sp[1], 1); // queued
            m.unregister(sp[0]);
            ReadySet rs = new ReadySet(4);
            assertNothing(m, rs, 50);
            assertEquals(1, SignalIo.signals(m));
            assertEquals(1, SignalIo.staleSignals(m));
            send(sp[1], 1); // O_ASYNC is off: no signal at all
            assertNothing(m, rs, 50);
            assertEquals(1, SignalIo.signals(m));
            assertTrue(Fds.isNonBlocking(sp[0]), "unregister leaves the fd non-blocking");
            m.register(sp[0], R); // the scan finds the unread bytes
            assertAwait(m, rs, 0, sp[0], Events.READ);
            assertErrno("ENOENT", () -> m.unregister(sp[1]));
        }
    }

    /** E5: a registered fd closed with a signal queued; unregister of the closed number cleans up. */
    @Test
    void e5CloseWithASignalQueued() throws Exception {
        try (Res r = new Res()) {
            Multiplexer m = r.mux(Backend.SIGNAL);
            r.openSpacers(3);
            int[] sp = r.socketPair();
            int[] other = r.socketPair();
            r.releaseSpacers();
            m.register(sp[0], R);
            m.register(other[0], R);
            send(sp[1], 1);
            int gone = sp[0];
            r.close(gone);
            assertErrno("EBADF", () -> m.modify(gone, R));
            m.unregister(gone); // allowed for a closed number
            assertErrno("ENOENT", () -> m.unregister(gone));
            send(other[1], 1);
            ReadySet rs = new ReadySet(4);
            assertAwait(m, rs, 1000, other[0], Events.READ);
            assertEquals(1, SignalIo.staleSignals(m));
            assertEquals(1, ((SignalMultiplexer) m).count());
        }
    }

    // ---- masks and files

    @Test
    void edgeIsRequired() throws Exception {
        try (Res r = new Res()) {
            Multiplexer m = r.mux(Backend.SIGNAL);
            int[] sp = r.socketPair();
            for (int mask : new int[] {Events.READ, Events.WRITE, Events.READ | Events.WRITE, 0}) {
                IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> m.register(sp[0], mask));
                assertTrue(e.getMessage().contains("edge-triggered only") && e.getMessage().contains("EDGE"),
                        e.getMessage());
            }
            assertErrno("ENOENT", () -> m.unregister(sp[0])); // the refused calls registered nothing
            m.register(sp[0], R);
            assertThrows(IllegalArgumentException.class, () -> m.modify(sp[0], Events.WRITE));
            send(sp[1], 1);
            assertAwait(m, new ReadySet(4), 1000, sp[0], Events.READ);
        }
    }

    @Test
    void oneshotExclusiveRdhupAndUnknownBitsAreRejected() throws Exception {
        try (Res r = new Res()) {
            Multiplexer m = r.mux(Backend.SIGNAL);
            int[] sp = r.socketPair();
            for (int flag : new int[] {Events.ONESHOT, Events.EXCLUSIVE}) {
                IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> m.register(sp[0], R | flag));
                assertTrue(e.getMessage().contains(Events.toString(flag)), e.getMessage());
            }
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> m.register(sp[0], R | Events.RDHUP));
            assertTrue(e.getMessage().contains("RDHUP"), e.getMessage());
            for (int bits : new int[] {0x40, 0x100, 0x100000, Events.NVAL}) {
                assertThrows(IllegalArgumentException.class, () -> m.register(sp[0], R | bits), Events.toString(bits));
            }
            m.register(sp[0], R | Events.WRITE | Events.PRI | Events.ERR | Events.HUP); // all it accepts
            m.modify(sp[0], Events.EDGE);
            assertThrows(IllegalArgumentException.class, () -> m.modify(sp[0], R | Events.ONESHOT));
            assertStillWorks(m);
        }
    }

    /** Files that accept O_ASYNC but never signal are refused with EPERM: eventfd, timerfd, regular files. */
    @Test
    void filesThatSendNoSigioAreEperm(@TempDir Path dir) throws Exception {
        try (Res r = new Res()) {
            Multiplexer m = r.mux(Backend.SIGNAL);
            int e = r.eventFd(1);
            int t = r.track(TimerFd.open());
            int f = r.track(Fds.openFile(Files.write(dir.resolve("f"), new byte[] {1}), true));
            for (int fd : new int[] {e, t, f}) {
                NativeException x = assertErrno("EPERM", () -> m.register(fd, R));
                assertTrue(x.getMessage().contains("sends no SIGIO"), x.getMessage());
                assertErrno("ENOENT", () -> m.modify(fd, R));
            }
            assertErrno("EBADF", () -> m.register(-1, R));
            assertStillWorks(m);
        }
    }

    @Test
    void registerMakesTheFdNonBlocking() throws Exception {
        try (Res r = new Res()) {
            Multiplexer m = r.mux(Backend.SIGNAL);
            int[] sp = r.socketPair(false);
            assertFalse(Fds.isNonBlocking(sp[0]));
            m.register(sp[0], R);
            assertTrue(Fds.isNonBlocking(sp[0]));
            assertEquals(0, Fds.read(sp[0], ByteBuffer.allocateDirect(4)), "would block: 0, not a hang");
        }
    }

    // ---- capacity, closed, vocabulary

    /** 200 ready sockets through ReadySets of 37: each reported once, in order of arrival, none lost. */
    @Test
    void fullReadySetsOfSockets() throws Exception {
        try (Res r = new Res()) {
            Multiplexer m = r.mux(Backend.SIGNAL);
            int n = 200;
            int[][] sps = pairs(r, m, n);
            for (int[] sp : sps) {
                send(sp[1], 1);
            }
            ReadySet rs = new ReadySet(37);
            Set<Integer> got = new HashSet<>();
            int awaits = 0;
            while (got.size() < n && awaits++ < 20) {
                int k = m.await(rs, 1000);
                assertTrue(k <= 37);
                for (int i = 0; i < k; i++) {
                    assertTrue(got.add(rs.fd(i)), "reported twice: " + rs.fd(i));
                    assertEquals(Events.READ, rs.events(i));
                }
            }
            assertEquals(n, got.size());
            assertEquals(6, awaits, "200 entries in ReadySets of 37");
            assertNothing(m, rs, 0);
            assertEquals(n, ((SignalMultiplexer) m).count());
        }
    }

    @Test
    void closedMultiplexerAndCounters() throws Exception {
        try (Res r = new Res()) {
            int[] sp = r.socketPair();
            Multiplexer m = Multiplexer.open(Backend.SIGNAL);
            m.register(sp[0], R);
            send(sp[1], 1);
            assertEquals(1, m.await(new ReadySet(4), 1000));
            m.close();
            assertEquals(1, SignalIo.signals(m), "the count at close");
            assertEquals(0, SignalIo.overflows(m));
            assertEquals(0, SignalIo.staleSignals(m));
            assertThrows(IllegalStateException.class, () -> m.register(sp[1], R));
            assertThrows(IllegalStateException.class, () -> m.await(new ReadySet(4), 0));
            assertThrows(IllegalStateException.class, ((SignalMultiplexer) m)::count);
            m.wakeup();
            m.close();
            assertTrue(m.toString().contains("closed"));
            try (Multiplexer e = Multiplexer.open(Backend.EPOLL)) {
                assertThrows(IllegalArgumentException.class, () -> SignalIo.overflows(e));
            }
            assertThrows(IllegalArgumentException.class, () -> SignalIo.owner(null));
        }
    }

    @Test
    void vocabulary() throws Exception {
        assertEquals("signal", Backend.SIGNAL.id());
        assertEquals(Backend.SIGNAL, Backend.fromId("signal"));
        assertFalse(Backend.SIGNAL.hasTriggers());
        int sig = SignalIo.signal();
        assertTrue(sig > 33 && sig < 62, "SIGRTMIN + 6 at run time, not glibc's 32/33 nor the JDK's SIGRTMAX - 2: " + sig);
        assertEquals(29, SignalIo.SIGIO);
        assertTrue(SignalIo.pendingHardLimit() >= SignalIo.pendingLimit());
        assertTrue(SignalIo.queuedSignals() >= 0);
        assertErrno("EINVAL", () -> SignalIo.setPendingLimit(-1));
        assertEquals("EBUSY", Errno.name(Errno.EBUSY));
        try (Multiplexer m = Multiplexer.create(Backend.SIGNAL)) {
            assertEquals(Backend.SIGNAL, m.backend());
            assertEquals(Integer.MAX_VALUE, m.fdLimit());
            assertSame(Thread.currentThread(), SignalIo.owner(m));
        }
    }

    /** n non-blocking socketpairs, each read end registered for READ. */
    private static int[][] pairs(Res r, Multiplexer m, int n) throws Exception {
        int[][] sps = new int[n][];
        for (int i = 0; i < n; i++) {
            sps[i] = r.socketPair();
            m.register(sps[i][0], R);
        }
        return sps;
    }

    @FunctionalInterface
    interface Executable {
        void run() throws Throwable;
    }
}
