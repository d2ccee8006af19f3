package dev.muxlab;

import static dev.muxlab.T.assertAwait;
import static dev.muxlab.T.assertErrno;
import static dev.muxlab.T.assertNothing;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** TimerFd against the kernel: expiry wakes every backend, sub-millisecond deadlines, errors. */
@Timeout(value = 60, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class TimerFdTest {
    private static final long MS = 1_000_000L;

    /** A new timerfd, closed with r, registered for READ in m. */
    private static int registeredTimer(Res r, Multiplexer m) throws Exception {
        int t = r.track(TimerFd.open());
        m.register(t, Events.READ);
        return t;
    }

    /** The deadline wakes an await whose own timeout is far away; the read resets readiness. */
    @ParameterizedTest
    // SIGNAL: a timerfd sends no SIGIO and is refused with EPERM (SignalTest)
    @EnumSource(value = Flavour.class, mode = EnumSource.Mode.EXCLUDE, names = "SIGNAL")
    void expiryWakesAwait(Flavour f) throws Exception {
        try (Res r = new Res()) {
            Multiplexer m = r.mux(f);
            int t = registeredTimer(r, m);
            ReadySet rs = new ReadySet(4);
            assertNothing(m, rs, 0);
            long t0 = System.nanoTime();
            TimerFd.arm(t, 20 * MS);
            assertAwait(m, rs, 5_000, t, Events.READ);
            long waited = System.nanoTime() - t0;
            assertTrue(waited >= 20 * MS && waited < 4_000 * MS, "woke after " + waited / 1000 + " us");
            assertEquals(1, TimerFd.read(t));
            assertNothing(m, rs, 0);
            assertEquals(0, TimerFd.read(t), "nothing more expired");
        }
    }

    /**
     * A 300 µs deadline: epoll_wait's timeout could only say 0 or 1 ms. The wake comes after the
     * deadline, never before; how late is not asserted (a shared machine may be late by ms).
     */
    @Test
    void subMillisecondDeadline() throws Exception {
        try (Res r = new Res()) {
            Multiplexer m = r.mux(Backend.EPOLL);
            int t = registeredTimer(r, m);
            ReadySet rs = new ReadySet(4);
            for (int i = 0; i < 20; i++) {
                long t0 = System.nanoTime();
                TimerFd.arm(t, 300_000L);
                assertAwait(m, rs, 1_000, t, Events.READ);
                long waited = System.nanoTime() - t0;
                assertTrue(waited >= 300_000L, "woke early: " + waited + " ns");
                assertEquals(1, TimerFd.read(t));
            }
        }
    }

    @Test
    void periodicTimerCountsExpirations() throws Exception {
        try (Res r = new Res()) {
            int t = r.track(TimerFd.open());
            TimerFd.arm(t, MS, MS);
            TimeUnit.MILLISECONDS.sleep(40);
            long n = TimerFd.read(t);
            assertTrue(n >= 20, n + " expirations in 40 ms of a 1 ms timer");
            TimerFd.disarm(t);
            TimeUnit.MILLISECONDS.sleep(10);
            assertEquals(0, TimerFd.read(t), "disarmed");
        }
    }

    /** Re-arming replaces the deadline: a pending near one no longer fires. */
    @Test
    void rearmReplacesDeadline() throws Exception {
        try (Res r = new Res()) {
            Multiplexer m = r.mux(Backend.EPOLL);
            int t = registeredTimer(r, m);
            ReadySet rs = new ReadySet(4);
            TimerFd.arm(t, 5 * MS);
            TimerFd.arm(t, 60_000 * MS);
            assertNothing(m, rs, 50);
            TimerFd.arm(t, MS);
            assertAwait(m, rs, 5_000, t, Events.READ);
        }
    }

    @Test
    void monotonicClockIsSystemNanoTime() {
        long a = System.nanoTime();
        long mid = TimerFd.monotonicNanos();
        long b = System.nanoTime();
        assertTrue(a <= mid && mid <= b, a + " <= " + mid + " <= " + b);
    }

    @Test
    void badInputIsTyped() throws Exception {
        try (Res r = new Res()) {
            int t = r.track(TimerFd.open());
            assertErrno("EINVAL", () -> TimerFd.arm(t, -1));
            assertErrno("EINVAL", () -> TimerFd.arm(t, MS, -1));
            assertEquals(0, TimerFd.read(t), "a rejected arm leaves it unarmed");
            assertErrno("EBADF", () -> TimerFd.arm(-1, MS));
            assertErrno("EBADF", () -> TimerFd.read(-1));
            int e = r.eventFd();
            assertErrno("EINVAL", () -> TimerFd.arm(e, MS));
            int[] p = r.pipe();
            T.send(p[1], 3);
            assertErrno("EINVAL", () -> TimerFd.read(p[0]));
            TimerFd.arm(t, MS); // the timer still works after all that
            TimeUnit.MILLISECONDS.sleep(5);
            assertEquals(1, TimerFd.read(t));
        }
    }
}
