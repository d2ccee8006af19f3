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

import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;

import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** conformance.md A10: wakeup. */
@Timeout(value = 60, threadMode = Timeout.ThreadMode.SEPARATE_THREAD) // a hung native wait fails, not hangs
class WakeupTest {

    /** A thread blocked in await(rs, timeout) on m, its result and when it returned. */
    static final class Waiter {
        final Thread thread;
        final AtomicLong result = new AtomicLong(Long.MIN_VALUE);
        final AtomicLong returnedAt = new AtomicLong();
        final AtomicReference<Throwable> error = new AtomicReference<>();
        final ReadySet rs = new ReadySet(8);

        Waiter(Multiplexer m, long timeout) {
            thread = new Thread(() -> {
                try {
                    result.set(m.await(rs, timeout));
                } catch (Throwable e) {
                    error.set(e);
                }
                returnedAt.set(System.nanoTime());
            }, "waiter");
            thread.setDaemon(true);
            thread.start();
        }

        /** Fails if the waiter has returned within ms (it should be blocked). */
        void assertBlockedFor(long ms) throws InterruptedException {
            thread.join(ms);
            assertTrue(thread.isAlive(), () -> "await returned early: " + result + " / " + error);
        }

        /**
         * After close from another thread: the await ended with 0, or (had it not yet entered
         * the native wait when close began) with IllegalStateException; nothing else.
         */
        void joinAfterClose() throws InterruptedException {
            thread.join(5000);
            assertFalse(thread.isAlive(), "await did not return after close");
            Throwable e = error.get();
            if (e != null) {
                assertTrue(e instanceof IllegalStateException, e.toString());
            } else {
                assertEquals(0, result.get());
            }
        }

        long join() throws InterruptedException {
            thread.join(5000);
            assertFalse(thread.isAlive(), "await did not return");
            assertNull(error.get());
            return result.get();
        }
    }

    @ParameterizedTest
    // SIGNAL: awaits in another thread than the one that opened it (SignalTest: the owner awaits)
    @EnumSource(value = Flavour.class, mode = EnumSource.Mode.EXCLUDE, names = "SIGNAL")
    void wakeupFromAnotherThreadEndsInfiniteAwait(Flavour f) throws Exception {
        try (Res r = new Res()) {
            Multiplexer m = r.mux(f);
            int[] sp = r.socketPair();
            m.register(sp[0], Events.READ);
            Waiter w = new Waiter(m, -1);
            w.assertBlockedFor(100);
            long t0 = System.nanoTime();
            m.wakeup();
            assertEquals(0, w.join());
            assertTrue(w.returnedAt.get() >= t0);
            long ms = (w.returnedAt.get() - t0) / 1_000_000;
            assertTrue(ms < 1000, "wakeup took " + ms + " ms");
            // consumed: the next await times out normally
            long t1 = System.nanoTime();
            assertNothing(m, new ReadySet(4), 50);
            assertTrue(millisSince(t1) >= 50);
        }
    }

    @ParameterizedTest
    @EnumSource(Flavour.class)
    void wakeupBeforeAwaitMakesItReturnAtOnce(Flavour f) throws Exception {
        try (Res r = new Res()) {
            Multiplexer m = r.mux(f);
            int[] sp = r.socketPair();
            m.register(sp[0], f.interest(Events.READ));
            m.wakeup();
            ReadySet rs = new ReadySet(4);
            long t0 = System.nanoTime();
            assertNothing(m, rs, 10_000);
            assertTrue(millisSince(t0) < 2000, "took " + millisSince(t0) + " ms");
            // also with an infinite timeout
            m.wakeup();
            assertNothing(m, rs, -1);
        }
    }

    /** Many wakeups never block and cause one early return, not many. */
    @ParameterizedTest
    @EnumSource(Flavour.class)
    void manyWakeupsCauseOneEarlyReturn(Flavour f) throws Exception {
        try (Res r = new Res()) {
            Multiplexer m = r.mux(f);
            int[] sp = r.socketPair();
            m.register(sp[0], f.interest(Events.READ));
            for (int i = 0; i < 100; i++) {
                m.wakeup();
            }
            ReadySet rs = new ReadySet(4);
            long t0 = System.nanoTime();
            assertNothing(m, rs, 10_000);
            assertTrue(millisSince(t0) < 2000);
            long t1 = System.nanoTime();
            assertNothing(m, rs, 50);
            long waited = System.nanoTime() - t1;
            assertTrue(waited >= 50_000_000L, "second await(50) returned after " + waited + " ns");
        }
    }

    /** A wakeup together with real events: the events are returned, the wakeup fd never is. */
    @ParameterizedTest
    @EnumSource(Flavour.class)
    void wakeupWithEventsReportsOnlyTheEvents(Flavour f) throws Exception {
        try (Res r = new Res()) {
            Multiplexer m = r.mux(f);
            int[] sp = r.socketPair();
            m.register(sp[0], f.interest(Events.READ));
            send(sp[1], 1);
            m.wakeup();
            ReadySet rs = new ReadySet(4);
            assertAwait(m, rs, 0, sp[0], Events.READ);
            recvExactly(sp[0], 1);
            // the wakeup was consumed by the await that returned the event
            long t0 = System.nanoTime();
            assertNothing(m, rs, 50);
            assertTrue(millisSince(t0) >= 50);
        }
    }

    /** Closing the multiplexer from another thread ends an await(-1) in progress. */
    @ParameterizedTest
    // SIGNAL: awaits in another thread than the one that opened it (SignalTest: the owner awaits)
    @EnumSource(value = Flavour.class, mode = EnumSource.Mode.EXCLUDE, names = "SIGNAL")
    void closeEndsAnAwaitInProgress(Flavour f) throws Exception {
        try (Res r = new Res()) {
            int[] sp = r.socketPair();
            Multiplexer m = f.open();
            m.register(sp[0], Events.READ);
            Waiter w = new Waiter(m, -1);
            w.assertBlockedFor(100);
            m.close();
            assertFalse(m.isOpen());
            w.joinAfterClose();
            assertTrue(Fds.isOpen(sp[0]));
        }
    }

    /** Wakeups from several threads at once are safe and still one early return. */
    @ParameterizedTest
    @EnumSource(Flavour.class)
    void concurrentWakeups(Flavour f) throws Exception {
        try (Res r = new Res()) {
            Multiplexer m = r.mux(f);
            Thread[] ts = new Thread[4];
            for (int i = 0; i < ts.length; i++) {
                ts[i] = new Thread(() -> {
                    for (int k = 0; k < 1000; k++) {
                        m.wakeup();
                    }
                });
                ts[i].start();
            }
            for (Thread t : ts) {
                t.join(5000);
                assertFalse(t.isAlive());
            }
            ReadySet rs = new ReadySet(4);
            assertNothing(m, rs, 10_000);
            long t0 = System.nanoTime();
            assertNothing(m, rs, 50);
            assertTrue(millisSince(t0) >= 50);
        }
    }
}
