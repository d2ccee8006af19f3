package dev.muxlab;

import static dev.muxlab.T.assertAwait;
import static dev.muxlab.T.assertErrno;
import static dev.muxlab.T.assertNothing;
import static dev.muxlab.T.send;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** conformance.md group D: limits and bad input. */
@Timeout(value = 60, threadMode = Timeout.ThreadMode.SEPARATE_THREAD) // a hung native wait fails, not hangs
class LimitsTest {

    // ---- D1 ----

    /** D1: epoll_ctl's errors, each with its errno, and the instance usable after each. */
    @Test
    void d1EpollCtlErrors(@TempDir Path dir) throws Exception {
        try (Res r = new Res()) {
            EpollMultiplexer m = (EpollMultiplexer) r.mux(Backend.EPOLL);
            int[] sp = r.socketPair();
            r.openSpacers(3);
            int closed = r.eventFd();
            r.releaseSpacers();
            r.close(closed);
            assertFalse(Fds.isOpen(closed));
            assertErrno("EBADF", () -> m.register(-1, Events.READ));
            assertErrno("EBADF", () -> m.register(closed, Events.READ));
            assertErrno("EINVAL", () -> m.register(m.epollFd(), Events.READ));
            m.register(sp[0], Events.READ);
            assertErrno("EEXIST", () -> m.register(sp[0], Events.WRITE));
            assertErrno("ENOENT", () -> m.modify(sp[1], Events.READ));
            assertErrno("ENOENT", () -> m.unregister(sp[1]));
            Path file = Files.write(dir.resolve("plain.txt"), new byte[] {1, 2, 3});
            int ffd = r.track(Fds.openFile(file, false));
            assertErrno("EPERM", () -> m.register(ffd, Events.READ));
            T.assertStillWorks(m);
            // the failed calls changed nothing: sp[0] is still registered with READ
            send(sp[1], 1);
            assertAwait(m, new ReadySet(4), 0, sp[0], Events.READ);
        }
    }

    /** D1 companion: an epoll fd may watch another epoll fd, but not in a cycle (ELOOP). */
    @Test
    void d1EpollNestingAndLoops() throws Exception {
        try (Res r = new Res()) {
            EpollMultiplexer inner = (EpollMultiplexer) r.mux(Backend.EPOLL);
            EpollMultiplexer outer = (EpollMultiplexer) r.mux(Backend.EPOLL);
            int e = r.eventFd();
            inner.register(e, Events.READ);
            outer.register(inner.epollFd(), Events.READ);
            ReadySet rs = new ReadySet(4);
            assertNothing(outer, rs, 0);
            Fds.signalEventFd(e, 1);
            assertAwait(outer, rs, 0, inner.epollFd(), Events.READ);
            assertErrno("ELOOP", () -> inner.register(outer.epollFd(), Events.READ));
        }
    }

    // ---- D2 ----

    @Test
    void d2ReadySetCapacityMustBePositive() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> new ReadySet(0));
        assertTrue(e.getMessage().contains("0"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> new ReadySet(-1));
        assertThrows(IllegalArgumentException.class, () -> new ReadySet(Integer.MAX_VALUE));
        ReadySet one = new ReadySet(1);
        assertEquals(1, one.capacity());
        assertEquals(0, one.size());
        assertThrows(IndexOutOfBoundsException.class, () -> one.fd(0));
        assertThrows(IndexOutOfBoundsException.class, () -> one.events(-1));
    }

    // ---- D3 ----

    /** D3: poll reports POLLNVAL for a closed fd in its entry; the call itself succeeds. */
    @Test
    void d3PollReportsNvalForClosedFd() throws Exception {
        try (Res r = new Res()) {
            Multiplexer m = r.mux(Backend.POLL);
            int e = r.eventFd(1); // opened first, so it cannot take the closed number
            r.openSpacers(3);
            int[] sp = r.socketPair();
            r.releaseSpacers();
            m.register(sp[0], Events.READ);
            r.close(sp[0]);
            assertFalse(Fds.isOpen(sp[0]), "fd number reused during the test");
            ReadySet rs = new ReadySet(4);
            assertAwait(m, rs, 0, sp[0], Events.NVAL);
            assertAwait(m, rs, 0, sp[0], Events.NVAL); // until it is unregistered
            // other entries are reported next to it
            m.register(e, Events.READ);
            assertAwait(m, rs, 0, sp[0], Events.NVAL, e, Events.READ);
            m.unregister(sp[0]);
            assertAwait(m, rs, 0, e, Events.READ);
            T.assertStillWorks(m);
        }
    }

    /** D3: select on a closed fd fails the whole call with EBADF, until the fd is unregistered. */
    @ParameterizedTest
    @EnumSource(value = Flavour.class, names = {"SELECT", "WIDE_SELECT"})
    void d3SelectFailsWithEbadfForClosedFd(Flavour f) throws Exception {
        try (Res r = new Res()) {
            Multiplexer m = r.mux(f);
            int e = r.eventFd(1);
            r.openSpacers(3);
            int[] sp = r.socketPair();
            r.releaseSpacers();
            m.register(e, Events.READ);
            m.register(sp[0], Events.READ);
            r.close(sp[0]);
            assertFalse(Fds.isOpen(sp[0]), "fd number reused during the test");
            ReadySet rs = new ReadySet(4);
            assertErrno("EBADF", () -> m.await(rs, 0));
            assertEquals(0, rs.size());
            assertErrno("EBADF", () -> m.await(rs, 100));
            m.unregister(sp[0]);
            assertAwait(m, rs, 0, e, Events.READ);
            T.assertStillWorks(m);
        }
    }

    // ---- D4 ----

    /**
     * D4: classic SELECT refuses fd >= 1024 with FdSetSizeException (the JVM survives, earlier
     * registrations keep reporting); the wide select, poll and epoll accept and report it.
     */
    @Test
    void d4FdSetSize() throws Exception {
        int limit = Fds.raiseOpenFileLimit();
        assertEquals(Fds.hardOpenFileLimit(), limit);
        assumeTrue(limit > 1200, "RLIMIT_NOFILE hard limit too low for fds >= 1024: " + limit);
        try (Res r = new Res()) {
            Multiplexer classic = r.mux(Flavour.SELECT);
            SelectMultiplexer wide = (SelectMultiplexer) r.mux(Flavour.WIDE_SELECT);
            Multiplexer poll = r.mux(Backend.POLL);
            Multiplexer epoll = r.mux(Backend.EPOLL);
            assertFalse(((SelectMultiplexer) classic).isWide());
            assertTrue(wide.isWide());
            int[] low = r.socketPair();
            send(low[1], 1);
            classic.register(low[0], Events.READ);
            wide.register(low[0], Events.READ);
            int wideMaxBefore = wide.maxFd();
            assertTrue(wideMaxBefore >= low[0] && wideMaxBefore < 1024, "maxFd " + wideMaxBefore);

            // take every fd number below 1024
            int fd;
            do {
                fd = r.dup(low[1]);
            } while (fd < 1024);
            int[] high = r.socketPair();
            assertTrue(high[0] >= 1024 && high[1] >= 1024, high[0] + "," + high[1]);
            send(high[1], 2);

            FdSetSizeException e = assertThrows(FdSetSizeException.class, () -> classic.register(high[0], Events.READ));
            assertEquals(high[0], e.fd());
            assertEquals(1024, e.limit());
            assertEquals("EFDSETSIZE", e.errnoName());
            assertTrue(e.getMessage().contains("1024") && e.getMessage().contains(Integer.toString(high[0])),
                    e.getMessage());
            assertEquals(high[0], assertThrows(FdSetSizeException.class, () -> classic.modify(high[0], Events.READ)).fd());
            assertEquals(high[0], assertThrows(FdSetSizeException.class, () -> classic.unregister(high[0])).fd());
            ReadySet rs = new ReadySet(8);
            assertAwait(classic, rs, 0, low[0], Events.READ);

            // with 0..1023 taken, a classic select cannot even place its wakeup fd
            UncheckedIOException u = assertThrows(UncheckedIOException.class, () -> Multiplexer.open(Backend.SELECT));
            NativeException cause = assertInstanceOf(NativeException.class, u.getCause());
            assertEquals("EMFILE", cause.errnoName());
            assertTrue(cause.getMessage().contains("1024"), cause.getMessage());
            NativeException checked = assertThrows(NativeException.class, () -> Multiplexer.create(Backend.SELECT));
            assertTrue(checked.is(Errno.EMFILE), checked.getMessage());

            wide.register(high[0], Events.READ);
            assertEquals(high[0], wide.maxFd());
            assertAwait(wide, rs, 0, low[0], Events.READ, high[0], Events.READ);
            wide.unregister(high[0]);
            assertEquals(wideMaxBefore, wide.maxFd());
            assertAwait(wide, rs, 0, low[0], Events.READ);

            // a wide select whose own wakeup fd is above 1023 works, wakeups included
            SelectMultiplexer wide2 = (SelectMultiplexer) r.mux(Flavour.WIDE_SELECT);
            assertTrue(wide2.maxFd() >= 1024, "wakeup fd " + wide2.maxFd());
            wide2.register(high[0], Events.READ);
            assertAwait(wide2, rs, 0, high[0], Events.READ);
            wide2.wakeup();
            wide2.unregister(high[0]);
            long t0 = System.nanoTime();
            assertNothing(wide2, rs, 10_000); // returns at once thanks to the pending wakeup
            assertTrue(T.millisSince(t0) < 5000, "the wakeup of a select with its wakeup fd >= 1024 was lost");

            for (Multiplexer m : new Multiplexer[] {poll, epoll}) {
                m.register(high[0], Events.READ);
                assertAwait(m, rs, 0, high[0], Events.READ);
            }
        }
    }

    // ---- D5 ----

    /** D5: a negative timeout waits until wakeup, on every backend (select maps it to NULL). */
    @ParameterizedTest
    // SIGNAL: awaits in another thread than the one that opened it (SignalTest: the owner awaits)
    @EnumSource(value = Flavour.class, mode = EnumSource.Mode.EXCLUDE, names = "SIGNAL")
    void d5NegativeTimeoutWaitsForWakeup(Flavour f) throws Exception {
        for (long timeout : new long[] {-1, Long.MIN_VALUE}) {
            try (Res r = new Res()) {
                Multiplexer m = r.mux(f);
                int[] sp = r.socketPair();
                m.register(sp[0], Events.READ);
                AtomicLong result = new AtomicLong(-99);
                AtomicLong returnedAt = new AtomicLong();
                AtomicReference<Throwable> error = new AtomicReference<>();
                Thread t = new Thread(() -> {
                    try {
                        result.set(m.await(new ReadySet(4), timeout));
                    } catch (Throwable e) {
                        error.set(e);
                    }
                    returnedAt.set(System.nanoTime());
                });
                t.start();
                t.join(150);
                assertTrue(t.isAlive(), "await(" + timeout + ") returned " + result + " / " + error);
                long wokeAt = System.nanoTime();
                m.wakeup();
                t.join(5000);
                assertFalse(t.isAlive(), "wakeup did not end await(" + timeout + ")");
                assertEquals(null, error.get());
                assertEquals(0, result.get());
                assertTrue(returnedAt.get() >= wokeAt);
            }
        }
    }

    /** D5: a negative timeout also ends with an event. */
    @ParameterizedTest
    // SIGNAL: awaits in another thread than the one that opened it (SignalTest: the owner awaits)
    @EnumSource(value = Flavour.class, mode = EnumSource.Mode.EXCLUDE, names = "SIGNAL")
    void d5NegativeTimeoutEndsWithData(Flavour f) throws Exception {
        try (Res r = new Res()) {
            Multiplexer m = r.mux(f);
            int[] sp = r.socketPair();
            m.register(sp[0], Events.READ);
            ReadySet rs = new ReadySet(4);
            AtomicLong result = new AtomicLong(-99);
            Thread t = new Thread(() -> {
                try {
                    result.set(m.await(rs, -1));
                } catch (Exception e) {
                    result.set(-98);
                }
            });
            t.start();
            t.join(100);
            assertTrue(t.isAlive());
            send(sp[1], 1);
            t.join(5000);
            assertFalse(t.isAlive());
            assertEquals(1, result.get());
            assertEquals(sp[0], rs.fd(0));
        }
    }

    /** D5: poll with more entries than RLIMIT_NOFILE is EINVAL (the wakeup entry counts). */
    @Test
    void d5PollNfdsAboveRlimitIsEinval() throws Exception {
        try (Res r = new Res()) {
            Multiplexer m = r.mux(Backend.POLL);
            for (int i = 0; i < 24; i++) {
                m.register(r.eventFd(1), Events.READ);
            }
            ReadySet rs = new ReadySet(32);
            assertEquals(24, m.await(rs, 0));
            int soft = Fds.openFileLimit();
            NativeException failure = null;
            int n = -1;
            try {
                Fds.setOpenFileLimit(20); // below the 25 pollfds; fds already open stay open
                try {
                    n = m.await(rs, 0);
                } catch (NativeException e) {
                    failure = e;
                }
            } finally {
                Fds.setOpenFileLimit(soft);
            }
            assertEquals(soft, Fds.openFileLimit());
            assertNotNull(failure, "await returned " + n);
            assertEquals("EINVAL", failure.errnoName());
            assertEquals(24, m.await(rs, 0));
        }
    }

    // ---- D6 ----

    /**
     * D6: a signal (handler without SA_RESTART) interrupts the wait with EINTR; await retries
     * with the remaining time: it still times out after the full 400 ms with 0 entries.
     */
    @ParameterizedTest
    // SIGNAL: awaits in another thread than the one that opened it (SignalTest: the owner awaits)
    @EnumSource(value = Flavour.class, mode = EnumSource.Mode.EXCLUDE, names = "SIGNAL")
    void d6SignalsDuringAwaitAreRetried(Flavour f) throws Exception {
        Signals.install(Signals.SIGURG);
        try (Res r = new Res()) {
            Multiplexer m = r.mux(f);
            int[] sp = r.socketPair();
            m.register(sp[0], Events.READ);
            AtomicLong tid = new AtomicLong();
            AtomicLong result = new AtomicLong(-99);
            AtomicLong elapsed = new AtomicLong();
            AtomicReference<Throwable> error = new AtomicReference<>();
            CountDownLatch started = new CountDownLatch(1);
            CountDownLatch mayExit = new CountDownLatch(1); // keeps the thread alive for pthread_kill
            Thread t = new Thread(() -> {
                tid.set(Signals.currentThread());
                ReadySet rs = new ReadySet(4);
                started.countDown();
                long t0 = System.nanoTime();
                try {
                    result.set(m.await(rs, 400));
                } catch (Throwable e) {
                    error.set(e);
                }
                elapsed.set(System.nanoTime() - t0);
                try {
                    mayExit.await();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            });
            long retries0 = Signals.eintrRetries();
            long handled0 = Signals.handled();
            t.start();
            try {
                started.await();
                int sent = 0;
                long deadline = System.nanoTime() + 300_000_000L;
                // keep signalling until one has interrupted the wait (and a few more)
                while (System.nanoTime() < deadline && (sent < 3 || Signals.eintrRetries() == retries0)) {
                    Thread.sleep(20);
                    Signals.kill(tid.get(), Signals.SIGURG);
                    sent++;
                }
                long waitedNs = waitForElapsed(elapsed);
                assertEquals(null, error.get());
                assertEquals(0, result.get(), "nothing was ready");
                assertTrue(waitedNs >= 400_000_000L, "await(400) returned after " + waitedNs + " ns");
                assertTrue(Signals.eintrRetries() > retries0, "no EINTR retry was counted");
                // (signals sent while one is pending coalesce: count at least one, not all)
                assertTrue(Signals.handled() > handled0, "no signal was handled of " + sent + " sent");
            } finally {
                mayExit.countDown();
                t.join(5000);
            }
        }
    }

    private static long waitForElapsed(AtomicLong elapsed) throws InterruptedException {
        long deadline = System.nanoTime() + 5_000_000_000L;
        while (elapsed.get() == 0 && System.nanoTime() < deadline) {
            Thread.sleep(5);
        }
        return elapsed.get();
    }

    /** D6: data arriving after the signal is what the interrupted (infinite) await returns. */
    @ParameterizedTest
    // SIGNAL: awaits in another thread than the one that opened it (SignalTest: the owner awaits)
    @EnumSource(value = Flavour.class, mode = EnumSource.Mode.EXCLUDE, names = "SIGNAL")
    void d6DataAfterSignalIsReturned(Flavour f) throws Exception {
        Signals.install(Signals.SIGURG);
        try (Res r = new Res()) {
            Multiplexer m = r.mux(f);
            int[] sp = r.socketPair();
            m.register(sp[0], Events.READ);
            ReadySet rs = new ReadySet(4);
            AtomicLong tid = new AtomicLong();
            AtomicLong result = new AtomicLong(-99);
            AtomicLong returnedAt = new AtomicLong();
            AtomicReference<Throwable> error = new AtomicReference<>();
            CountDownLatch started = new CountDownLatch(1);
            CountDownLatch mayExit = new CountDownLatch(1);
            Thread t = new Thread(() -> {
                tid.set(Signals.currentThread());
                started.countDown();
                try {
                    result.set(m.await(rs, -1));
                } catch (Throwable e) {
                    error.set(e);
                }
                returnedAt.set(System.nanoTime());
                try {
                    mayExit.await();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            });
            long retries0 = Signals.eintrRetries();
            t.start();
            try {
                started.await();
                long deadline = System.nanoTime() + 3_000_000_000L;
                while (Signals.eintrRetries() == retries0 && System.nanoTime() < deadline) {
                    Thread.sleep(10);
                    Signals.kill(tid.get(), Signals.SIGURG);
                }
                assertTrue(Signals.eintrRetries() > retries0, "the signal never interrupted the wait");
                Thread.sleep(20);
                assertEquals(0, returnedAt.get(), "await returned on EINTR: " + result + " / " + error);
                long sentAt = System.nanoTime();
                send(sp[1], 1);
                long deadline2 = System.nanoTime() + 5_000_000_000L;
                while (returnedAt.get() == 0 && System.nanoTime() < deadline2) {
                    Thread.sleep(2);
                }
                assertEquals(null, error.get());
                assertEquals(1, result.get());
                assertTrue(returnedAt.get() >= sentAt);
                assertEquals(sp[0], rs.fd(0));
                assertEquals(Events.READ, rs.events(0));
            } finally {
                mayExit.countDown();
                t.join(5000);
            }
        }
    }

    // ---- D7 ----

    /**
     * D7: at the RLIMIT_NOFILE limit, opening any multiplexer and accept fail with EMFILE.
     * <p>
     * Other JVM threads (surefire's parent-process checker, for one) may briefly hold an fd and
     * free it while the limit is low, leaving a hole; so before each attempt the table is filled
     * again, and an attempt that succeeded through such a hole is kept open and retried. A binding
     * that never reports EMFILE still fails: every attempt would succeed.
     */
    @Test
    void d7EmfileAtTheFdLimit() throws Exception {
        // load every class used below now: class files are opened lazily, and cannot be then
        for (Flavour f : Flavour.values()) {
            f.open().close();
        }
        Throwable preload = new UncheckedIOException(new NativeException(Errno.EMFILE, "preload"));
        assertNotNull(preload.getCause());
        final int attempts = 5;
        try (Res r = new Res()) {
            int listener = r.track(Sockets.listen(Sockets.LOOPBACK, 0, 16, false, true));
            int client = r.track(Sockets.tcpSocket(false));
            assertTrue(Sockets.connect(client, Sockets.LOOPBACK, Sockets.localPort(listener)));
            try (Multiplexer m = Multiplexer.open(Backend.POLL)) {
                m.register(listener, Events.READ);
                assertAwait(m, new ReadySet(1), 5000, listener, Events.READ); // the connection is queued
            }
            int ops = Backend.values().length + 1; // every backend's open, then accept
            Throwable[] failures = new Throwable[ops];
            int[] successes = new int[ops];
            Multiplexer[] kept = new Multiplexer[ops * attempts];
            int keptCount = 0;
            int accepted = -2;
            int[] fds = new int[10_000];
            int n = 0;
            NativeException fillError = null;
            int soft = Fds.openFileLimit();
            try {
                Fds.setOpenFileLimit(Fds.countOpen() + 8);
                Multiplexer keptSignal = null;
                for (int op = 0; op < ops; op++) {
                    for (int attempt = 0; attempt < attempts && failures[op] == null; attempt++) {
                        if (keptSignal != null) {
                            // a thread owns one SIGNAL multiplexer at a time: free its slots for the fill
                            keptSignal.close();
                            keptSignal = null;
                        }
                        while (n < fds.length) { // fill the table (again)
                            try {
                                fds[n] = Fds.eventFd();
                                n++;
                            } catch (NativeException e) {
                                fillError = e;
                                break;
                            }
                        }
                        try {
                            if (op < Backend.values().length) {
                                Multiplexer m = Multiplexer.open(Backend.values()[op]);
                                kept[keptCount++] = m; // through a hole: keep it, it holds the slot
                                if (m.backend() == Backend.SIGNAL) {
                                    keptSignal = m;
                                }
                            } else {
                                int a = Sockets.accept(listener, true);
                                if (a >= 0) {
                                    accepted = a; // through a hole: keep it, it holds the slot
                                }
                            }
                            successes[op]++;
                        } catch (Throwable e) {
                            failures[op] = e;
                        }
                    }
                }
            } finally {
                Fds.setOpenFileLimit(soft);
                for (int i = 0; i < n; i++) {
                    Fds.closeQuietly(fds[i]);
                }
                for (int i = 0; i < keptCount; i++) {
                    kept[i].close();
                }
                if (accepted >= 0) {
                    Fds.closeQuietly(accepted);
                }
            }
            assertEquals(soft, Fds.openFileLimit());
            assertNotNull(fillError, "opened " + n + " eventfds without reaching the limit");
            assertEquals("EMFILE", fillError.errnoName());
            for (Backend b : Backend.values()) {
                Throwable e = failures[b.ordinal()];
                UncheckedIOException u = assertInstanceOf(UncheckedIOException.class, e,
                        b + " opened " + successes[b.ordinal()] + " times at the fd limit");
                NativeException cause = assertInstanceOf(NativeException.class, u.getCause());
                assertEquals("EMFILE", cause.errnoName(), b + ": " + cause.getMessage());
            }
            Throwable acceptError = failures[ops - 1];
            assertInstanceOf(NativeException.class, acceptError, "accept at the fd limit");
            assertEquals("EMFILE", ((NativeException) acceptError).errnoName());
            // the limit restored, everything works again (and, unless an attempt took it through
            // a hole, the connection is still queued)
            if (accepted < 0) {
                int conn = r.track(Sockets.accept(listener, true));
                assertTrue(conn >= 0, "the connection was lost by the failed accept");
            }
            try (Multiplexer m = Multiplexer.open(Backend.EPOLL)) {
                T.assertStillWorks(m);
            }
        }
    }

    // ---- D8 ----

    @Test
    void d8EpollEventLayout() {
        assumeTrue(System.getProperty("os.arch").equals("amd64"), "x86-64 layout");
        assertEquals(12, Native.EPOLL_EVENT_SIZE);
        assertEquals(4, Native.EPOLL_EVENT_DATA_OFFSET);
        assertTrue(Native.READY_SLOT_SIZE >= Native.EPOLL_EVENT_SIZE, "slot " + Native.READY_SLOT_SIZE);
        assertEquals(1024, Native.FD_SETSIZE);
    }

    /** D8: a full ReadySet of epoll events is flattened correctly in place, every slot. */
    @ParameterizedTest
    // SIGNAL: eventfds send no SIGIO and are refused (SignalTest: a full ReadySet of sockets)
    @EnumSource(value = Flavour.class, mode = EnumSource.Mode.EXCLUDE, names = "SIGNAL")
    void d8FullReadySetIsFlattenedCorrectly(Flavour f) throws Exception {
        try (Res r = new Res()) {
            Multiplexer m = r.mux(f);
            int count = 200;
            Map<Integer, Integer> expected = new HashMap<>();
            for (int i = 0; i < count; i++) {
                int e = r.eventFd(1);
                int interest = i % 3 == 0 ? Events.READ | Events.WRITE : Events.READ;
                expected.put(e, interest);
                m.register(e, interest);
            }
            for (int cap : new int[] {count, count + 7, 37}) {
                ReadySet rs = new ReadySet(cap);
                int n = m.await(rs, 0);
                assertEquals(Math.min(cap, count), n);
                Set<Integer> got = new HashSet<>();
                for (int i = 0; i < n; i++) {
                    int fd = rs.fd(i);
                    assertTrue(expected.containsKey(fd), "unknown fd " + fd + " in slot " + i);
                    assertTrue(got.add(fd), "fd " + fd + " twice");
                    assertEquals(Events.toString(expected.get(fd)), Events.toString(rs.events(i)), "fd " + fd);
                }
                if (cap >= count) {
                    assertEquals(expected.keySet(), got);
                }
            }
        }
    }
}
