package dev.muxlab;

import static dev.muxlab.T.assertAwait;
import static dev.muxlab.T.assertNothing;
import static dev.muxlab.T.millisSince;
import static dev.muxlab.T.recv;
import static dev.muxlab.T.recvExactly;
import static dev.muxlab.T.send;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.HashSet;
import java.util.Set;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** conformance.md group A: readiness common to all backends (and both selects). */
@Timeout(value = 60, threadMode = Timeout.ThreadMode.SEPARATE_THREAD) // a hung native wait fails, not hangs
class ReadinessTest {

    /** A1: a connected socket with no data is writable, never readable. */
    @ParameterizedTest
    @EnumSource(Flavour.class)
    void a1FreshSocketPairIsWritableNotReadable(Flavour f) throws Exception {
        try (Res r = new Res()) {
            Multiplexer m = r.mux(f);
            int[] sp = r.socketPair();
            m.register(sp[0], f.interest(Events.READ));
            m.register(sp[1], f.interest(Events.WRITE));
            ReadySet rs = new ReadySet(8);
            assertAwait(m, rs, 0, sp[1], Events.WRITE);
            assertEquals(sp[1], rs.fd(0));
            assertEquals(-1, rs.indexOf(sp[0]));
            assertEquals(0, rs.eventsOf(sp[0]));
        }
    }

    /** A2: level-triggered: reported while unread data remains, 1,1,1,0. */
    @ParameterizedTest
    // SIGNAL: no level-triggered mode (SignalTest pins its edge-like reports)
    @EnumSource(value = Flavour.class, mode = EnumSource.Mode.EXCLUDE, names = "SIGNAL")
    void a2LevelTriggeredUntilDrained(Flavour f) throws Exception {
        try (Res r = new Res()) {
            Multiplexer m = r.mux(f);
            int[] sp = r.socketPair();
            m.register(sp[0], Events.READ);
            ReadySet rs = new ReadySet(8);
            assertNothing(m, rs, 0);
            send(sp[1], new byte[] {1, 2});
            assertAwait(m, rs, 0, sp[0], Events.READ);
            assertAwait(m, rs, 0, sp[0], Events.READ);
            recvExactly(sp[0], 1);
            assertAwait(m, rs, 0, sp[0], Events.READ);
            recvExactly(sp[0], 1);
            assertNothing(m, rs, 0);
        }
    }

    /** A3: an empty pipe is not readable; a full pipe is not writable. */
    @ParameterizedTest
    @EnumSource(Flavour.class)
    void a3EmptyPipeAndFullPipeAreNotReady(Flavour f) throws Exception {
        try (Res r = new Res()) {
            Multiplexer m = r.mux(f);
            int[] empty = r.pipe();
            int[] full = r.pipe();
            ReadySet rs = new ReadySet(8);
            m.register(empty[0], f.interest(Events.READ));
            assertNothing(m, rs, 1);
            assertTrue(Fds.fill(full[1]) > 0);
            m.register(full[1], f.interest(Events.WRITE));
            assertNothing(m, rs, 1);
            // the write end really is full: a 1-byte write would block
            assertEquals(0, Fds.write(full[1], java.nio.ByteBuffer.wrap(new byte[] {1})));
            // the same write end is writable once the pipe is drained
            assertTrue(Fds.drain(full[0]) > 0);
            assertAwait(m, rs, 0, full[1], Events.WRITE);
        }
    }

    /** A4: readable and writable at once is one entry with both bits. */
    @ParameterizedTest
    @EnumSource(Flavour.class)
    void a4ReadAndWriteIsOneEntry(Flavour f) throws Exception {
        try (Res r = new Res()) {
            Multiplexer m = r.mux(f);
            int[] sp = r.socketPair();
            send(sp[1], 5);
            m.register(sp[0], f.interest(Events.READ | Events.WRITE));
            ReadySet rs = new ReadySet(8);
            assertAwait(m, rs, 0, sp[0], Events.READ | Events.WRITE);
            assertEquals(1, rs.size());
        }
    }

    /** A5: nothing ready: wait(0) returns at once, wait(200) after at least 200 ms. */
    @ParameterizedTest
    @EnumSource(Flavour.class)
    void a5TimeoutsAreHonoured(Flavour f) throws Exception {
        try (Res r = new Res()) {
            Multiplexer m = r.mux(f);
            int[] sp = r.socketPair();
            m.register(sp[0], f.interest(Events.READ));
            ReadySet rs = new ReadySet(8);
            long t0 = System.nanoTime();
            assertNothing(m, rs, 0);
            long zero = millisSince(t0);
            assertTrue(zero < 150, "await(0) blocked for " + zero + " ms");
            t0 = System.nanoTime();
            assertNothing(m, rs, 200);
            long waited = System.nanoTime() - t0;
            assertTrue(waited >= 200_000_000L, "await(200) returned after " + waited + " ns");
            assertTrue(waited < 5_000_000_000L, "await(200) took " + waited + " ns");
        }
    }

    /** A6: a pipe whose writer closed: select says readable, poll/epoll say HUP; read gives EOF. */
    @ParameterizedTest
    // SIGNAL: a pipe's writer closing sends POLL_IN once, not a lasting HUP (SignalTest)
    @EnumSource(value = Flavour.class, mode = EnumSource.Mode.EXCLUDE, names = "SIGNAL")
    void a6PipeWriterClosed(Flavour f) throws Exception {
        try (Res r = new Res()) {
            Multiplexer m = r.mux(f);
            int[] p = r.pipe();
            m.register(p[0], Events.READ);
            ReadySet rs = new ReadySet(8);
            assertNothing(m, rs, 0);
            r.close(p[1]);
            assertAwait(m, rs, 0, p[0], f.isSelect() ? Events.READ : Events.HUP);
            assertNull(recv(p[0], 16), "EOF");
            // still reported: EOF is a lasting condition
            assertAwait(m, rs, 0, p[0], f.isSelect() ? Events.READ : Events.HUP);
        }
    }

    /** A6: poll and epoll report HUP even for interest 0; select reports nothing it was not asked. */
    @ParameterizedTest
    // SIGNAL: a pipe's writer closing sends POLL_IN, dropped by interest 0 (SignalTest)
    @EnumSource(value = Flavour.class, mode = EnumSource.Mode.EXCLUDE, names = "SIGNAL")
    void a6HupWithEmptyInterest(Flavour f) throws Exception {
        try (Res r = new Res()) {
            Multiplexer m = r.mux(f);
            int[] p = r.pipe();
            m.register(p[0], 0);
            ReadySet rs = new ReadySet(8);
            r.close(p[1]);
            if (f.isSelect()) {
                assertNothing(m, rs, 0);
            } else {
                assertAwait(m, rs, 0, p[0], Events.HUP);
            }
        }
    }

    /** A7: data then writer close: READ|HUP until drained, then HUP only. */
    @ParameterizedTest
    // SIGNAL: level-triggered expectations (reported again after each read)
    @EnumSource(value = Flavour.class, mode = EnumSource.Mode.EXCLUDE, names = "SIGNAL")
    void a7DataThenHupUntilDrained(Flavour f) throws Exception {
        try (Res r = new Res()) {
            Multiplexer m = r.mux(f);
            int[] p = r.pipe();
            send(p[1], 3);
            r.close(p[1]);
            m.register(p[0], Events.READ);
            ReadySet rs = new ReadySet(8);
            int before = f.isSelect() ? Events.READ : Events.READ | Events.HUP;
            int after = f.isSelect() ? Events.READ : Events.HUP;
            assertAwait(m, rs, 0, p[0], before);
            recvExactly(p[0], 2);
            assertAwait(m, rs, 0, p[0], before);
            recvExactly(p[0], 1);
            assertAwait(m, rs, 0, p[0], after);
            assertNull(recv(p[0], 16));
        }
    }

    /** A8: one fd in two multiplexers of the same flavour: both report it. */
    @ParameterizedTest
    // SIGNAL: an open file description has one signal owner: a second registration is EBUSY (SignalTest)
    @EnumSource(value = Flavour.class, mode = EnumSource.Mode.EXCLUDE, names = "SIGNAL")
    void a8SameFdInTwoMultiplexers(Flavour f) throws Exception {
        try (Res r = new Res()) {
            Multiplexer m1 = r.mux(f);
            Multiplexer m2 = r.mux(f);
            int[] sp = r.socketPair();
            m1.register(sp[0], Events.READ);
            m2.register(sp[0], Events.READ);
            send(sp[1], 1);
            ReadySet rs = new ReadySet(4);
            assertAwait(m1, rs, 0, sp[0], Events.READ);
            assertAwait(m2, rs, 0, sp[0], Events.READ);
            m1.unregister(sp[0]);
            assertNothing(m1, rs, 0);
            assertAwait(m2, rs, 0, sp[0], Events.READ);
        }
    }

    /**
     * A8 across backends: one fd in every kind of multiplexer at once (SIGNAL: its registration is
     * the scan's full state plus the arrival's READ).
     */
    @Test
    void a8SameFdInEveryBackend() throws Exception {
        try (Res r = new Res()) {
            int[] sp = r.socketPair();
            Multiplexer[] ms = new Multiplexer[Flavour.values().length];
            for (Flavour f : Flavour.values()) {
                ms[f.ordinal()] = r.mux(f);
                ms[f.ordinal()].register(sp[0], f.interest(Events.READ | Events.WRITE));
            }
            send(sp[1], 1);
            ReadySet rs = new ReadySet(4);
            for (Multiplexer m : ms) {
                assertAwait(m, rs, 0, sp[0], Events.READ | Events.WRITE);
            }
        }
    }

    /** A9: modify takes effect at the next wait; an unregistered fd is never reported. */
    @ParameterizedTest
    // SIGNAL: level-triggered expectations (SignalTest covers modify and unregister)
    @EnumSource(value = Flavour.class, mode = EnumSource.Mode.EXCLUDE, names = "SIGNAL")
    void a9ModifyAndUnregister(Flavour f) throws Exception {
        try (Res r = new Res()) {
            Multiplexer m = r.mux(f);
            int[] sp = r.socketPair();
            m.register(sp[0], Events.READ);
            ReadySet rs = new ReadySet(8);
            assertNothing(m, rs, 0);
            m.modify(sp[0], Events.WRITE);
            assertAwait(m, rs, 0, sp[0], Events.WRITE);
            send(sp[1], 1);
            assertAwait(m, rs, 0, sp[0], Events.WRITE);
            m.modify(sp[0], Events.READ);
            assertAwait(m, rs, 0, sp[0], Events.READ);
            m.modify(sp[0], 0);
            assertNothing(m, rs, 0);
            m.modify(sp[0], Events.READ | Events.WRITE);
            assertAwait(m, rs, 0, sp[0], Events.READ | Events.WRITE);
            m.unregister(sp[0]);
            assertNothing(m, rs, 0);
            send(sp[1], 1);
            assertNothing(m, rs, 20);
            r.close(sp[1]); // even a hang-up is not reported once unregistered
            assertNothing(m, rs, 0);
            // and the fd can be registered again
            m.register(sp[0], Events.READ);
            assertTrue(m.await(rs, 0) == 1 && rs.fd(0) == sp[0], rs.toString());
        }
    }

    /** Several ready fds, all reported in one await with distinct fds and the right bits. */
    @ParameterizedTest
    // SIGNAL: eventfds send no SIGIO and are refused (SignalTest: many ready sockets)
    @EnumSource(value = Flavour.class, mode = EnumSource.Mode.EXCLUDE, names = "SIGNAL")
    void manyReadyFdsInOneAwait(Flavour f) throws Exception {
        try (Res r = new Res()) {
            Multiplexer m = r.mux(f);
            int n = 40;
            Set<Integer> expected = new HashSet<>();
            for (int i = 0; i < n; i++) {
                int e = r.eventFd(i % 2); // half of them readable
                m.register(e, Events.READ);
                if (i % 2 == 1) {
                    expected.add(e);
                }
            }
            ReadySet rs = new ReadySet(64);
            assertEquals(n / 2, m.await(rs, 0), rs.toString());
            Set<Integer> got = new HashSet<>();
            for (int i = 0; i < rs.size(); i++) {
                assertEquals(Events.READ, rs.events(i));
                assertTrue(got.add(rs.fd(i)), "fd reported twice: " + rs);
            }
            assertEquals(expected, got);
        }
    }

    /** await fills at most capacity entries. */
    @ParameterizedTest
    // SIGNAL: eventfds send no SIGIO and are refused (SignalTest: capacity with sockets)
    @EnumSource(value = Flavour.class, mode = EnumSource.Mode.EXCLUDE, names = "SIGNAL")
    void awaitNeverExceedsCapacity(Flavour f) throws Exception {
        try (Res r = new Res()) {
            Multiplexer m = r.mux(f);
            for (int i = 0; i < 5; i++) {
                m.register(r.eventFd(1), Events.READ);
            }
            ReadySet rs = new ReadySet(2);
            assertEquals(2, m.await(rs, 0));
            assertEquals(2, rs.size());
            assertTrue(rs.fd(0) != rs.fd(1));
        }
    }

    /** With fewer slots than ready fds, poll, epoll and uring rotate: nobody starves. */
    @ParameterizedTest
    @EnumSource(value = Backend.class, names = {"POLL", "EPOLL", "URING"})
    void capacityOneRotatesAmongReadyFds(Backend b) throws Exception {
        try (Res r = new Res()) {
            Multiplexer m = r.mux(b);
            Set<Integer> all = new HashSet<>();
            for (int i = 0; i < 3; i++) {
                int e = r.eventFd(1);
                all.add(e);
                m.register(e, Events.READ);
            }
            ReadySet rs = new ReadySet(1);
            Set<Integer> seen = new HashSet<>();
            for (int i = 0; i < 3; i++) {
                assertEquals(1, m.await(rs, 0));
                seen.add(rs.fd(0));
            }
            assertEquals(all, seen);
        }
    }

    @ParameterizedTest
    // SIGNAL: eventfds send no SIGIO and are refused with EPERM (SignalTest)
    @EnumSource(value = Flavour.class, mode = EnumSource.Mode.EXCLUDE, names = "SIGNAL")
    void eventFdReadinessFollowsItsCounter(Flavour f) throws Exception {
        try (Res r = new Res()) {
            Multiplexer m = r.mux(f);
            int e = r.eventFd();
            m.register(e, Events.READ | Events.WRITE);
            ReadySet rs = new ReadySet(4);
            assertAwait(m, rs, 0, e, Events.WRITE);
            Fds.signalEventFd(e, 7);
            assertAwait(m, rs, 0, e, Events.READ | Events.WRITE);
            assertEquals(7, Fds.readEventFd(e));
            assertAwait(m, rs, 0, e, Events.WRITE);
        }
    }

    @ParameterizedTest
    @EnumSource(Flavour.class)
    void backendAndLimitsAreReported(Flavour f) {
        Multiplexer m = f.open();
        try {
            assertEquals(f.backend, m.backend());
            assertTrue(m.isOpen());
            assertEquals(f == Flavour.SELECT ? 1024 : Integer.MAX_VALUE, m.fdLimit());
            assertTrue(m.toString().contains("open"), m.toString());
        } finally {
            m.close();
        }
        assertTrue(!m.isOpen());
    }
}
