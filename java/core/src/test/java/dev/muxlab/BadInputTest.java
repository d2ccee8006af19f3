package dev.muxlab;

import static dev.muxlab.T.assertAwait;
import static dev.muxlab.T.assertErrno;
import static dev.muxlab.T.assertNothing;
import static dev.muxlab.T.assertStillWorks;
import static dev.muxlab.T.millisSince;
import static dev.muxlab.T.send;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.atomic.AtomicLong;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** Bad input on every backend: the right errno or exception, and the multiplexer still works. */
@Timeout(value = 60, threadMode = Timeout.ThreadMode.SEPARATE_THREAD) // a hung native wait fails, not hangs
class BadInputTest {

    @ParameterizedTest
    @EnumSource(Flavour.class)
    void negativeFdIsEbadf(Flavour f) throws Exception {
        try (Res r = new Res()) {
            Multiplexer m = r.mux(f);
            assertErrno("EBADF", () -> m.register(-1, f.interest(Events.READ)));
            assertErrno("EBADF", () -> m.register(Integer.MIN_VALUE, f.interest(Events.READ)));
            assertErrno("EBADF", () -> m.modify(-1, f.interest(Events.READ)));
            assertErrno("EBADF", () -> m.unregister(-1));
            assertStillWorks(m);
        }
    }

    @ParameterizedTest
    @EnumSource(Flavour.class)
    void closedFdIsEbadf(Flavour f) throws Exception {
        try (Res r = new Res()) {
            Multiplexer m = r.mux(f);
            r.openSpacers(3);
            int e = r.eventFd();
            r.releaseSpacers();
            r.close(e);
            assertFalse(Fds.isOpen(e));
            NativeException x = assertErrno("EBADF", () -> m.register(e, f.interest(Events.READ)));
            assertEquals(Errno.EBADF, x.errno());
            assertTrue(x.getMessage().contains("fd " + e), x.getMessage());
            assertStillWorks(m);
        }
    }

    @ParameterizedTest
    @EnumSource(Flavour.class)
    void unknownFdIsEnoent(Flavour f) throws Exception {
        try (Res r = new Res()) {
            Multiplexer m = r.mux(f);
            int[] sp = r.socketPair();
            assertErrno("ENOENT", () -> m.modify(sp[0], f.interest(Events.READ)));
            assertErrno("ENOENT", () -> m.unregister(sp[0]));
            m.register(sp[0], f.interest(Events.READ));
            m.unregister(sp[0]);
            assertErrno("ENOENT", () -> m.unregister(sp[0])); // twice
            assertStillWorks(m);
        }
    }

    @ParameterizedTest
    @EnumSource(Flavour.class)
    void registerTwiceIsEexistAndKeepsTheFirstMask(Flavour f) throws Exception {
        try (Res r = new Res()) {
            Multiplexer m = r.mux(f);
            int[] sp = r.socketPair();
            m.register(sp[0], f.interest(Events.READ));
            assertErrno("EEXIST", () -> m.register(sp[0], f.interest(Events.WRITE)));
            ReadySet rs = new ReadySet(4);
            assertNothing(m, rs, 0); // still READ only, and not writable-reported
            send(sp[1], 1);
            assertAwait(m, rs, 0, sp[0], Events.READ);
            assertStillWorks(m);
        }
    }

    /** Not URING: it has EDGE and ONESHOT and refuses only EXCLUSIVE ({@link #exclusiveIsRejectedByUring}). */
    @ParameterizedTest
    @EnumSource(value = Flavour.class, names = {"SELECT", "WIDE_SELECT", "POLL"})
    void epollOnlyFlagsAreRejected(Flavour f) throws Exception {
        try (Res r = new Res()) {
            Multiplexer m = r.mux(f);
            int[] sp = r.socketPair();
            for (int flag : new int[] {Events.EDGE, Events.ONESHOT, Events.EXCLUSIVE}) {
                IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                        () -> m.register(sp[0], Events.READ | flag));
                assertTrue(e.getMessage().contains(Events.toString(flag)), e.getMessage());
            }
            m.register(sp[0], Events.READ); // not registered by the refused calls
            for (int flag : new int[] {Events.EDGE, Events.ONESHOT, Events.EXCLUSIVE}) {
                assertThrows(IllegalArgumentException.class, () -> m.modify(sp[0], Events.READ | flag));
            }
            send(sp[1], 1);
            assertAwait(m, new ReadySet(4), 0, sp[0], Events.READ);
            assertStillWorks(m);
        }
    }

    /** URING has EDGE and ONESHOT (multishot and one-shot polls) but not EXCLUSIVE. */
    @Test
    void exclusiveIsRejectedByUring() throws Exception {
        try (Res r = new Res()) {
            Multiplexer m = r.mux(Backend.URING);
            int[] sp = r.socketPair();
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> m.register(sp[0], Events.READ | Events.EXCLUSIVE));
            assertTrue(e.getMessage().contains("EXCLUSIVE"), e.getMessage());
            m.register(sp[0], Events.READ | Events.EDGE | Events.ONESHOT);
            assertThrows(IllegalArgumentException.class, () -> m.modify(sp[0], Events.READ | Events.EXCLUSIVE));
            m.modify(sp[0], Events.READ | Events.EDGE);
            m.modify(sp[0], Events.READ | Events.ONESHOT);
            send(sp[1], 1);
            assertAwait(m, new ReadySet(4), 0, sp[0], Events.READ);
            assertStillWorks(m);
        }
    }

    @ParameterizedTest
    @EnumSource(value = Flavour.class, names = {"SELECT", "WIDE_SELECT"})
    void rdhupIsRejectedBySelect(Flavour f) throws Exception {
        try (Res r = new Res()) {
            Multiplexer m = r.mux(f);
            int[] sp = r.socketPair();
            assertThrows(IllegalArgumentException.class, () -> m.register(sp[0], Events.READ | Events.RDHUP));
            m.register(sp[0], Events.READ);
            assertThrows(IllegalArgumentException.class, () -> m.modify(sp[0], Events.RDHUP));
            assertStillWorks(m);
        }
    }

    @ParameterizedTest
    @EnumSource(Flavour.class)
    void unknownBitsAreRejected(Flavour f) throws Exception {
        try (Res r = new Res()) {
            Multiplexer m = r.mux(f);
            int[] sp = r.socketPair();
            for (int bits : new int[] {0x40, 0x100, 0x100000, Events.NVAL}) {
                assertThrows(IllegalArgumentException.class, () -> m.register(sp[0], f.interest(Events.READ) | bits),
                        Events.toString(bits));
            }
            assertStillWorks(m);
        }
    }

    /** ERR and HUP may be asked for on every backend (select ignores them). */
    @ParameterizedTest
    @EnumSource(Flavour.class)
    void errAndHupAreAcceptedInterest(Flavour f) throws Exception {
        try (Res r = new Res()) {
            Multiplexer m = r.mux(f);
            int[] sp = r.socketPair();
            m.register(sp[0], f.interest(Events.READ | Events.ERR | Events.HUP | Events.PRI));
            ReadySet rs = new ReadySet(4);
            assertNothing(m, rs, 0);
            send(sp[1], 1);
            assertAwait(m, rs, 0, sp[0], Events.READ);
        }
    }

    @Test
    void readySetOfZeroIsRejected() {
        assertThrows(IllegalArgumentException.class, () -> new ReadySet(0));
        assertThrows(IllegalArgumentException.class, () -> new ReadySet(-5));
    }

    @ParameterizedTest
    @EnumSource(Flavour.class)
    void awaitWithNullReadySet(Flavour f) {
        try (Multiplexer m = f.open()) {
            assertThrows(NullPointerException.class, () -> m.await(null, 0));
        }
    }

    /** After close: every call but close and wakeup is IllegalStateException; close is idempotent. */
    @ParameterizedTest
    @EnumSource(Flavour.class)
    void closedMultiplexer(Flavour f) throws Exception {
        try (Res r = new Res()) {
            int[] sp = r.socketPair();
            Multiplexer m = f.open();
            m.register(sp[0], f.interest(Events.READ));
            assertTrue(m.isOpen());
            m.close();
            assertFalse(m.isOpen());
            ReadySet rs = new ReadySet(4);
            assertThrows(IllegalStateException.class, () -> m.register(sp[1], f.interest(Events.READ)));
            assertThrows(IllegalStateException.class, () -> m.modify(sp[0], f.interest(Events.WRITE)));
            assertThrows(IllegalStateException.class, () -> m.unregister(sp[0]));
            IllegalStateException e = assertThrows(IllegalStateException.class, () -> m.await(rs, 0));
            assertTrue(e.getMessage().contains("closed"), e.getMessage());
            assertThrows(IllegalStateException.class, () -> m.await(rs, -1));
            assertEquals(0, rs.size());
            m.wakeup(); // a no-op
            m.close();
            m.close();
            assertFalse(m.isOpen());
            assertEquals(f.backend, m.backend());
            assertTrue(m.toString().contains("closed"), m.toString());
            // the fd it watched is untouched
            assertTrue(Fds.isOpen(sp[0]));
            send(sp[1], 1);
            T.recvExactly(sp[0], 1);
        }
    }

    /** The package-private diagnostics must not read the freed native state after close. */
    @Test
    void diagnosticsAfterCloseAreIllegalState() {
        SelectMultiplexer s = (SelectMultiplexer) Multiplexer.openWideSelect();
        assertTrue(s.maxFd() >= 0, "the wakeup fd is registered");
        s.close();
        assertThrows(IllegalStateException.class, s::maxFd);
        EpollMultiplexer e = (EpollMultiplexer) Multiplexer.open(Backend.EPOLL);
        assertTrue(Fds.isOpen(e.epollFd()));
        e.close();
        assertThrows(IllegalStateException.class, e::epollFd);
        UringMultiplexer u = (UringMultiplexer) Multiplexer.open(Backend.URING);
        assertTrue(Fds.isOpen(u.ringFd()));
        assertTrue(u.stat(Ring.Stat.ENTERS) >= 1, "the wake poll was submitted at open");
        u.close();
        assertThrows(IllegalStateException.class, u::ringFd);
        assertThrows(IllegalStateException.class, () -> u.stat(Ring.Stat.ENTERS));
    }

    /** Opening and closing multiplexers leaks no fds (the epoll fd and wakeup eventfd go too). */
    @ParameterizedTest
    @EnumSource(Flavour.class)
    void openCloseLeaksNoFds(Flavour f) throws Exception {
        for (int i = 0; i < 5; i++) {
            f.open().close(); // warm-up
        }
        int before = Fds.countOpen();
        for (int i = 0; i < 200; i++) {
            Multiplexer m = f.open();
            m.wakeup();
            m.close();
        }
        // a leak would be >= 200 fds; other JVM threads may hold one or two for a moment
        assertTrue(Fds.countOpen() - before < 10, "fds leaked: " + (Fds.countOpen() - before));
    }

    /** A timeout of Long.MAX_VALUE (or any huge value) waits, and a wakeup ends it promptly. */
    @ParameterizedTest
    // SIGNAL: awaits in another thread than the one that opened it (SignalTest: the owner awaits)
    @EnumSource(value = Flavour.class, mode = EnumSource.Mode.EXCLUDE, names = "SIGNAL")
    void hugeTimeoutsEndOnWakeup(Flavour f) throws Exception {
        for (long timeout : new long[] {Long.MAX_VALUE, Integer.MAX_VALUE + 1L, 1L << 53}) {
            try (Res r = new Res()) {
                Multiplexer m = r.mux(f);
                int[] sp = r.socketPair();
                m.register(sp[0], Events.READ);
                AtomicLong result = new AtomicLong(-99);
                Thread t = new Thread(() -> {
                    try {
                        result.set(m.await(new ReadySet(4), timeout));
                    } catch (Exception e) {
                        result.set(-98);
                    }
                });
                t.start();
                t.join(100);
                assertTrue(t.isAlive(), "await(" + timeout + ") returned " + result.get());
                long t0 = System.nanoTime();
                m.wakeup();
                t.join(5000);
                assertFalse(t.isAlive(), "await(" + timeout + ") not ended by wakeup");
                assertTrue(millisSince(t0) < 2000);
                assertEquals(0, result.get(), "await(" + timeout + ")");
            }
        }
    }

    @Test
    void regularFileOnEpollIsEperm(@TempDir Path dir) throws Exception {
        try (Res r = new Res()) {
            Multiplexer m = r.mux(Backend.EPOLL);
            Path file = Files.write(dir.resolve("f"), new byte[] {1});
            int fd = r.track(Fds.openFile(file, true));
            assertErrno("EPERM", () -> m.register(fd, Events.READ));
            // the kernel checks pollability before the operation: every op on it is EPERM
            assertErrno("EPERM", () -> m.modify(fd, Events.READ));
            assertErrno("EPERM", () -> m.unregister(fd));
            assertStillWorks(m);
        }
    }

    /** select, poll and uring accept a regular file and always report it ready. */
    @ParameterizedTest
    @EnumSource(value = Flavour.class, names = {"SELECT", "WIDE_SELECT", "POLL", "URING"})
    void regularFileIsAlwaysReadyOnSelectAndPoll(Flavour f, @TempDir Path dir) throws Exception {
        try (Res r = new Res()) {
            Multiplexer m = r.mux(f);
            Path file = Files.write(dir.resolve("f"), new byte[0]);
            int fd = r.track(Fds.openFile(file, true));
            m.register(fd, Events.READ | Events.WRITE);
            assertAwait(m, new ReadySet(4), 0, fd, Events.READ | Events.WRITE);
        }
    }

    @Test
    void epollFdOnItselfIsEinval() throws Exception {
        try (Res r = new Res()) {
            EpollMultiplexer m = (EpollMultiplexer) r.mux(Backend.EPOLL);
            int epfd = m.epollFd();
            assertTrue(epfd >= 0 && Fds.isOpen(epfd));
            assertTrue(Fds.isCloseOnExec(epfd), "epoll fd is O_CLOEXEC");
            assertErrno("EINVAL", () -> m.register(epfd, Events.READ));
            assertStillWorks(m);
        }
    }

    /** The ring's own fd cannot be watched by its URING multiplexer (EINVAL, as epoll's fd on itself). */
    @Test
    void uringFdOnItselfIsEinval() throws Exception {
        try (Res r = new Res()) {
            UringMultiplexer m = (UringMultiplexer) r.mux(Backend.URING);
            int fd = m.ringFd();
            assertTrue(Fds.isCloseOnExec(fd), "ring fd is O_CLOEXEC");
            assertErrno("EINVAL", () -> m.register(fd, Events.READ));
            assertErrno("EINVAL", () -> m.modify(fd, Events.READ));
            assertErrno("EINVAL", () -> m.unregister(fd));
            assertStillWorks(m);
        }
    }

    /** EXCLUSIVE may only be given at registration, and not with ONESHOT (kernel EINVAL). */
    @Test
    void exclusiveMisuseOnEpollIsEinval() throws Exception {
        try (Res r = new Res()) {
            Multiplexer m = r.mux(Backend.EPOLL);
            int[] sp = r.socketPair();
            assertErrno("EINVAL", () -> m.register(sp[0], Events.READ | Events.EXCLUSIVE | Events.ONESHOT));
            m.register(sp[0], Events.READ | Events.EXCLUSIVE);
            assertErrno("EINVAL", () -> m.modify(sp[0], Events.READ | Events.EXCLUSIVE));
            send(sp[1], 1);
            assertAwait(m, new ReadySet(4), 0, sp[0], Events.READ);
            assertStillWorks(m);
        }
    }

    /** An error thrown by await leaves the ReadySet empty, not holding stale entries. */
    @Test
    void failedAwaitLeavesReadySetEmpty() throws Exception {
        try (Res r = new Res()) {
            Multiplexer m = r.mux(Flavour.SELECT);
            int e = r.eventFd(1);
            r.openSpacers(3);
            int[] sp = r.socketPair();
            r.releaseSpacers();
            m.register(e, Events.READ);
            ReadySet rs = new ReadySet(4);
            assertAwait(m, rs, 0, e, Events.READ);
            m.register(sp[0], Events.READ);
            r.close(sp[0]);
            assertErrno("EBADF", () -> m.await(rs, 0));
            assertEquals(0, rs.size());
            assertEquals(-1, rs.indexOf(e));
            m.unregister(sp[0]);
            assertStillWorks(m);
        }
    }
}
