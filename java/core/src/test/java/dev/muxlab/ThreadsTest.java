package dev.muxlab;

import static dev.muxlab.T.assertAwait;
import static dev.muxlab.T.send;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.HashSet;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.atomic.AtomicReferenceArray;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** Threads: concurrent epoll waits; SELECT/POLL refuse overlapping calls instead of racing. */
@Timeout(value = 60, threadMode = Timeout.ThreadMode.SEPARATE_THREAD) // a hung native wait fails, not hangs
class ThreadsTest {
    private static final int THREADS = 4;

    /**
     * Four threads block in await on one epoll instance, each with its own ReadySet of one slot;
     * four ONESHOT fds, registered while they wait, become ready: each thread gets exactly one,
     * and together they get all four.
     */
    @Test
    void epollAwaitFromFourThreadsEachGetsOneEvent() throws Exception {
        try (Res r = new Res()) {
            Multiplexer m = r.mux(Backend.EPOLL);
            int[][] sps = new int[THREADS][];
            for (int i = 0; i < THREADS; i++) {
                sps[i] = r.socketPair();
            }
            int[] got = new int[THREADS];
            int[] gotEvents = new int[THREADS];
            AtomicReferenceArray<Throwable> errors = new AtomicReferenceArray<>(THREADS);
            CountDownLatch started = new CountDownLatch(THREADS);
            Thread[] ts = new Thread[THREADS];
            for (int i = 0; i < THREADS; i++) {
                final int k = i;
                ts[i] = new Thread(() -> {
                    ReadySet rs = new ReadySet(1);
                    started.countDown();
                    try {
                        int n = m.await(rs, 10_000);
                        got[k] = n == 1 ? rs.fd(0) : -n - 100;
                        gotEvents[k] = n == 1 ? rs.events(0) : 0;
                    } catch (Throwable e) {
                        errors.set(k, e);
                    }
                }, "epoll-waiter-" + i);
                ts[i].start();
            }
            assertTrue(started.await(5, TimeUnit.SECONDS));
            Set<Integer> expected = new HashSet<>();
            for (int[] sp : sps) {
                m.register(sp[0], Events.READ | Events.ONESHOT); // while the others wait: allowed
                send(sp[1], 1);
                expected.add(sp[0]);
            }
            Set<Integer> seen = new HashSet<>();
            for (int i = 0; i < THREADS; i++) {
                ts[i].join(15_000);
                assertFalse(ts[i].isAlive());
                assertNull(errors.get(i));
                assertTrue(seen.add(got[i]), "fd " + got[i] + " delivered twice (or none: " + got[i] + ")");
                assertEquals(Events.READ, gotEvents[i]);
            }
            assertEquals(expected, seen);
        }
    }

    /**
     * Level-triggered ready fds seen by four threads awaiting at the same time, each with its own
     * ReadySet: every await of every thread reports all of them, uncorrupted.
     */
    @Test
    void epollConcurrentAwaitsDoNotShareBuffers() throws Exception {
        try (Res r = new Res()) {
            Multiplexer m = r.mux(Backend.EPOLL);
            Set<Integer> ready = new HashSet<>();
            for (int i = 0; i < 8; i++) {
                int e = r.eventFd(1);
                ready.add(e);
                m.register(e, Events.READ);
            }
            AtomicReference<String> failure = new AtomicReference<>();
            AtomicInteger awaits = new AtomicInteger();
            CyclicBarrier go = new CyclicBarrier(THREADS);
            Thread[] ts = new Thread[THREADS];
            for (int i = 0; i < THREADS; i++) {
                ts[i] = new Thread(() -> {
                    ReadySet rs = new ReadySet(16);
                    try {
                        go.await(5, TimeUnit.SECONDS);
                        for (int k = 0; k < 2000 && failure.get() == null; k++) {
                            int n = m.await(rs, 1000);
                            Set<Integer> got = new HashSet<>();
                            for (int j = 0; j < n; j++) {
                                if (rs.events(j) != Events.READ) {
                                    failure.compareAndSet(null, "events " + rs);
                                }
                                got.add(rs.fd(j));
                            }
                            if (n != ready.size() || !got.equals(ready)) {
                                failure.compareAndSet(null, "await " + k + " returned " + n + ": " + rs);
                            }
                            awaits.incrementAndGet();
                        }
                    } catch (Throwable e) {
                        failure.compareAndSet(null, e.toString());
                    }
                });
                ts[i].start();
            }
            for (Thread t : ts) {
                t.join(20_000);
                assertFalse(t.isAlive());
            }
            assertNull(failure.get());
            assertEquals(THREADS * 2000, awaits.get());
        }
    }

    /** Interest changes on EPOLL while other threads await are fine (no IllegalStateException). */
    @Test
    void epollInterestChangesDuringAwait() throws Exception {
        try (Res r = new Res()) {
            Multiplexer m = r.mux(Backend.EPOLL);
            WakeupTest.Waiter w = new WakeupTest.Waiter(m, 10_000);
            w.assertBlockedFor(50);
            int[] sp = r.socketPair();
            m.register(sp[0], Events.WRITE);
            // the waiter is woken by the registration of a ready fd
            assertEquals(1, w.join());
            assertEquals(sp[0], w.rs.fd(0));
            m.modify(sp[0], Events.READ); // nothing ready now
            WakeupTest.Waiter w2 = new WakeupTest.Waiter(m, 10_000);
            w2.assertBlockedFor(50);
            m.modify(sp[0], Events.READ);
            m.unregister(sp[0]);
            m.register(sp[0], Events.READ);
            send(sp[1], 1);
            assertEquals(1, w2.join());
            assertEquals(Events.READ, w2.rs.events(0));
        }
    }

    /**
     * SELECT and POLL: while one thread awaits, interest changes and a second await from another
     * thread are refused with IllegalStateException (no crash, no race); after a wakeup the
     * multiplexer is usable again from the other thread.
     */
    @ParameterizedTest
    @EnumSource(value = Flavour.class, names = {"SELECT", "WIDE_SELECT", "POLL", "URING"})
    void selectAndPollRefuseOverlappingCalls(Flavour f) throws Exception {
        try (Res r = new Res()) {
            Multiplexer m = r.mux(f);
            int[] sp = r.socketPair();
            int[] other = r.socketPair();
            m.register(sp[0], Events.READ);
            AtomicInteger refusedInWaiter = new AtomicInteger();
            AtomicInteger result = new AtomicInteger(Integer.MIN_VALUE);
            AtomicReference<Throwable> error = new AtomicReference<>();
            Thread waiter = new Thread(() -> {
                ReadySet rs = new ReadySet(4);
                for (;;) {
                    try {
                        result.set(m.await(rs, -1));
                        return;
                    } catch (IllegalStateException e) {
                        refusedInWaiter.incrementAndGet(); // collided with our probe: try again
                        Thread.onSpinWait();
                    } catch (Throwable e) {
                        error.set(e);
                        return;
                    }
                }
            });
            waiter.start();
            // probe with a harmless call until the waiter is inside await
            IllegalStateException refused = null;
            long deadline = System.nanoTime() + 5_000_000_000L;
            while (refused == null && System.nanoTime() < deadline) {
                try {
                    m.modify(sp[0], Events.READ);
                } catch (IllegalStateException e) {
                    refused = e;
                }
            }
            assertTrue(refused != null, "the waiter never entered await");
            assertTrue(refused.getMessage().contains("another thread"), refused.getMessage());
            assertTrue(waiter.isAlive());
            IllegalStateException e1 = null;
            IllegalStateException e2 = null;
            try {
                m.register(other[0], Events.READ);
            } catch (IllegalStateException e) {
                e1 = e;
            }
            try {
                m.await(new ReadySet(1), 0);
            } catch (IllegalStateException e) {
                e2 = e;
            }
            try {
                m.unregister(sp[0]);
            } catch (IllegalStateException e) {
                e2 = e2 == null ? e : e2;
            }
            assertTrue(e1 != null, "register during another thread's await was accepted");
            assertTrue(e2 != null, "await during another thread's await was accepted");
            m.wakeup();
            waiter.join(5000);
            assertFalse(waiter.isAlive());
            assertNull(error.get());
            assertEquals(0, result.get());
            // the refused calls changed nothing; now the main thread may use it
            m.register(other[0], Events.READ);
            send(other[1], 1);
            assertAwait(m, new ReadySet(4), 0, other[0], Events.READ);
        }
    }

    /** close from another thread while four threads wait on EPOLL: all return, none crash. */
    @Test
    void epollCloseWhileFourThreadsWait() throws Exception {
        try (Res r = new Res()) {
            int[] sp = r.socketPair();
            Multiplexer m = Multiplexer.open(Backend.EPOLL);
            m.register(sp[0], Events.READ);
            WakeupTest.Waiter[] ws = new WakeupTest.Waiter[THREADS];
            for (int i = 0; i < THREADS; i++) {
                ws[i] = new WakeupTest.Waiter(m, -1);
            }
            ws[0].assertBlockedFor(100);
            m.close();
            for (WakeupTest.Waiter w : ws) {
                w.joinAfterClose();
            }
            assertFalse(m.isOpen());
        }
    }
}
