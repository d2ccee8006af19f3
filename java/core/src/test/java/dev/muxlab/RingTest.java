package dev.muxlab;

import static dev.muxlab.T.assertErrno;
import static dev.muxlab.T.millisSince;
import static dev.muxlab.T.recv;
import static dev.muxlab.T.send;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The completion API against the real kernel: conformance.md F1-F7 (unavailable io_uring, poll
 * kinds, user data, multishot accept and recv with provided buffers, CQ overflow, cancel on
 * close, short sends), a full SQ, wakeup and close from other threads, and bad input.
 */
@Timeout(value = 60, threadMode = Timeout.ThreadMode.SEPARATE_THREAD) // a hung native wait fails, not hangs
class RingTest {

    /** What this kernel offers; the rest of the suite assumes io_uring works here. */
    @Test
    void probeSaysWhatTheKernelHas() {
        Ring.Probe p = Ring.probe();
        assertTrue(p.available(), p.toString());
        assertTrue(Ring.available());
        assertEquals(0, p.errno());
        assertNull(p.reason());
        assertEquals(0, p.probeResult());
        for (int feat : new int[] {Ring.FEAT_NODROP, Ring.FEAT_EXT_ARG, Ring.FEAT_POLL_32BITS, Ring.FEAT_FAST_POLL}) {
            assertTrue(p.hasFeature(feat), "feature 0x" + Integer.toHexString(feat) + " of " + p);
        }
        for (int op : new int[] {Ring.OP_NOP, Ring.OP_POLL_ADD, Ring.OP_POLL_REMOVE, Ring.OP_ACCEPT, Ring.OP_RECV,
            Ring.OP_SEND, Ring.OP_CLOSE, Ring.OP_ASYNC_CANCEL}) {
            assertTrue(p.supports(op), Ring.opcodeName(op) + " in " + p.supportedOpcodes());
        }
        assertTrue(p.opcodes() > Ring.OP_RECV && p.lastOpcode() >= Ring.OP_RECV);
        assertFalse(p.supports(-1));
        assertFalse(p.supports(100_000));
        assertEquals("POLL_ADD", Ring.opcodeName(Ring.OP_POLL_ADD));
        assertEquals("op250", Ring.opcodeName(250));
        assertTrue(p.supportedOpcodes().contains("RECV"));
        assertTrue(p.toString().contains("opcodes"), p.toString());
        assertTrue(p == Ring.probe(), "cached");
    }

    /**
     * F1: where io_uring is refused (a seccomp filter in this thread, as a container runtime
     * installs one; the same errnos as kernel.io_uring_disabled or a kernel without io_uring),
     * every entry point says so in one line with the errno name, and the rest of muxlab works.
     */
    @Test
    void f1UnavailableIoUringIsReportedNotFatal() throws Exception {
        for (int errno : new int[] {Errno.EPERM, Errno.ENOSYS}) {
            AtomicReference<Throwable> failure = new AtomicReference<>();
            Thread t = new Thread(() -> {
                try {
                    assertEquals(0, Native.LIB.mux_uring_deny_for_thread(errno));
                    Ring.Probe p = Ring.probeNow();
                    assertFalse(p.available());
                    assertEquals(errno, p.errno());
                    assertNotNull(p.reason());
                    assertTrue(p.reason().contains(Errno.name(errno)), p.reason());
                    assertFalse(p.reason().contains("\n"), "one line: " + p.reason());
                    assertFalse(p.supports(Ring.OP_NOP));
                    assertEquals(p.reason(), p.toString());

                    UringUnavailableException e = assertThrows(UringUnavailableException.class, () -> Ring.open(8));
                    assertTrue(e.is(errno), e.getMessage());
                    assertTrue(e.getMessage().contains(Errno.name(errno)), e.getMessage());
                    assertTrue(e.getMessage().contains("io_uring"), e.getMessage());
                    assertFalse(e.getMessage().contains("\n"), e.getMessage());
                    UringUnavailableException m = assertThrows(UringUnavailableException.class,
                            () -> Multiplexer.create(Backend.URING));
                    assertTrue(m.is(errno), m.getMessage());
                    UncheckedIOException u = assertThrows(UncheckedIOException.class, () -> Multiplexer.open(Backend.URING));
                    assertInstanceOf(UringUnavailableException.class, u.getCause());
                    // the rest of muxlab is untouched
                    try (Res r = new Res(); Multiplexer ep = Multiplexer.create(Backend.EPOLL)) {
                        int[] sp = r.socketPair();
                        ep.register(sp[0], Events.READ);
                        send(sp[1], 1);
                        assertEquals(1, ep.await(new ReadySet(4), 1000));
                    }
                } catch (Throwable x) {
                    failure.set(x);
                }
            }, "uring-denied");
            t.start();
            t.join(10_000);
            assertFalse(t.isAlive());
            if (failure.get() != null) {
                throw new AssertionError(Errno.name(errno) + ": " + failure.get(), failure.get());
            }
        }
        // other threads were never denied
        try (Ring ring = Ring.open(4)) {
            assertTrue(ring.isOpen());
        }
        assertTrue(Ring.probe().available());
    }

    /** The reasons name the errno and the likely cause, for each errno io_uring_setup refuses with. */
    @Test
    void f1ReasonsAreOneLineEach() {
        for (int errno : new int[] {Errno.EPERM, Errno.ENOSYS, Errno.EOPNOTSUPP, Errno.ENOMEM}) {
            String r = Ring.unavailableReason(errno);
            assertTrue(r.contains(Errno.name(errno)), r);
            assertFalse(r.contains("\n"), r);
        }
        assertTrue(Ring.unavailableReason(Errno.EPERM).contains("io_uring_disabled")
                || Ring.unavailableReason(Errno.EPERM).contains("seccomp"));
        assertInstanceOf(UringUnavailableException.class, Ring.failure(Errno.EPERM, "x"));
        assertFalse(Ring.failure(Errno.EMFILE, "x") instanceof UringUnavailableException);
    }

    /**
     * F2: a one-shot poll completes once with the ready mask; a multishot poll posts one
     * completion per readiness change with MORE until removed (its last completion has no MORE);
     * IORING_POLL_ADD_LEVEL is refused by this kernel's POLL_ADD (EINVAL), which is why URING
     * re-arms one-shot polls for level-triggered readiness.
     */
    @Test
    void f2OneShotMultishotAndLevelPolls() throws Exception {
        try (Res r = new Res(); Ring ring = Ring.open(8)) {
            int e = r.eventFd();
            Completions c = new Completions(16);
            ring.poll(e, Events.READ, false, 1);
            ring.poll(e, Events.READ, true, 2);
            ring.poll(e, Events.READ, Ring.POLL_ADD_LEVEL, 3);
            assertEquals(1, ring.submitAndWait(c, 1, 1000), c.toString());
            assertEquals(3, c.userData(0));
            int level = c.result(0);
            if (level != -Errno.EINVAL) {
                throw new AssertionError("this kernel accepts IORING_POLL_ADD_LEVEL (" + level
                        + "): revisit URING's level-triggered mapping");
            }
            for (int round = 0; round < 3; round++) {
                Fds.signalEventFd(e, 1);
                int n = ring.submitAndWait(c, round == 0 ? 2 : 1, 1000);
                assertEquals(round == 0 ? 2 : 1, n, c.toString());
                int one = c.indexOf(1);
                if (round == 0) {
                    assertTrue(one >= 0 && c.result(one) == Events.READ && !c.hasMore(one), c.toString());
                } else {
                    assertEquals(-1, one, "a one-shot poll completes once: " + c);
                }
                int multi = c.indexOf(2);
                assertTrue(multi >= 0 && c.result(multi) == Events.READ && c.hasMore(multi), c.toString());
                assertEquals(1, Fds.readEventFd(e));
            }
            ring.pollRemove(2, 4);
            assertEquals(2, ring.submitAndWait(c, 2, 1000), c.toString());
            int multi = c.indexOf(2);
            assertEquals(-Errno.ECANCELED, c.result(multi));
            assertFalse(c.hasMore(multi), "the last completion of a multishot request has no MORE");
            assertEquals(0, c.result(c.indexOf(4)));
            ring.pollRemove(2, 5); // gone already
            assertEquals(1, ring.submitAndWait(c, 1, 1000));
            assertEquals(-Errno.ENOENT, c.result(0));
        }
    }

    /** F3: user data comes back as given, results are >= 0 or -errno, in any order. */
    @Test
    void f3UserDataRoundTrip() throws Exception {
        try (Res r = new Res(); Ring ring = Ring.open(16)) {
            long[] uds = {0, 1, -2, Long.MIN_VALUE, Long.MAX_VALUE, 0x1234_5678_9abc_def0L};
            for (long ud : uds) {
                ring.nop(ud);
            }
            r.openSpacers(2);
            int closed = r.eventFd();
            r.releaseSpacers();
            r.close(closed);
            ring.poll(closed, Events.READ, false, 77); // a closed number: -EBADF
            assertEquals(uds.length + 1, ring.queued());
            long enters = ring.stat(Ring.Stat.ENTERS);
            Completions c = new Completions(16);
            assertEquals(uds.length + 1, ring.submitAndWait(c, uds.length + 1, 1000), c.toString());
            assertEquals(enters + 1, ring.stat(Ring.Stat.ENTERS), "one io_uring_enter submits and reaps them all");
            assertEquals(0, ring.queued());
            Set<Long> seen = new HashSet<>();
            for (int i = 0; i < c.size(); i++) {
                seen.add(c.userData(i));
                if (c.userData(i) == 77) {
                    assertTrue(c.result(i) == -Errno.EBADF || Fds.isOpen(closed), c.toString());
                } else {
                    assertEquals(0, c.result(i));
                }
                assertEquals(0, c.flags(i));
                assertEquals(-1, c.bufferId(i));
            }
            for (long ud : uds) {
                assertTrue(seen.contains(ud), "user data " + ud + " in " + c);
            }
            assertThrows(IllegalArgumentException.class, () -> ring.nop(Ring.RESERVED_USER_DATA));
            assertThrows(IndexOutOfBoundsException.class, () -> c.userData(c.size()));
            assertThrows(IndexOutOfBoundsException.class, () -> c.result(-1));
        }
    }

    /**
     * F4: multishot accept posts one completion per connection; multishot recv takes provided
     * buffers as data comes, names each in the completion, ends with ENOBUFS when none is left,
     * and is armed again after the buffers are returned; every byte arrives, in order.
     */
    @Test
    void f4MultishotAcceptAndRecvWithProvidedBuffers() throws Exception {
        try (Res r = new Res(); Ring ring = Ring.open(32)) {
            int listener = r.track(Sockets.listen(Sockets.LOOPBACK, 0, 16, false, true));
            int port = Sockets.localPort(listener);
            ring.accept(listener, 100);
            Completions c = new Completions(32);
            assertEquals(0, ring.submitAndWait(c, 0, 0));
            int[] clients = new int[3];
            for (int i = 0; i < 3; i++) {
                clients[i] = r.track(Sockets.tcpSocket(false));
                assertTrue(Sockets.connect(clients[i], Sockets.LOOPBACK, port));
            }
            int[] accepted = new int[3];
            int got = 0;
            long t0 = System.nanoTime();
            while (got < 3 && millisSince(t0) < 5000) {
                ring.submitAndWait(c, 1, 1000);
                for (int i = 0; i < c.size(); i++) {
                    assertEquals(100, c.userData(i));
                    assertTrue(c.result(i) >= 0, c.toString());
                    assertTrue(c.hasMore(i), "multishot accept stays armed: " + c);
                    accepted[got++] = r.track(c.result(i));
                }
            }
            assertEquals(3, got);
            for (int fd : accepted) {
                assertTrue(Fds.isNonBlocking(fd) && Fds.isCloseOnExec(fd));
            }
            BufferRing buffers = ring.registerBuffers(5, 4, 16);
            assertEquals(5, buffers.group());
            assertEquals(4, buffers.count());
            assertEquals(16, buffers.bufferSize());
            for (int i = 0; i < 3; i++) {
                ring.recv(accepted[i], buffers, 200 + i);
            }
            byte[] message = new byte[100];
            for (int i = 0; i < message.length; i++) {
                message[i] = (byte) (i * 7 + 3);
            }
            send(clients[1], message);
            ByteBuffer received = ByteBuffer.allocateDirect(200);
            Set<Long> ended = new HashSet<>();
            long who = -1;
            t0 = System.nanoTime();
            // 4 buffers of 16 bytes for 100 bytes: the recv runs dry (other recvs on the group may end too)
            while ((who < 0 || !ended.contains(who)) && millisSince(t0) < 5000) {
                ring.submitAndWait(c, 1, 1000);
                for (int i = 0; i < c.size(); i++) {
                    long ud = c.userData(i);
                    if (c.result(i) == -Errno.ENOBUFS) {
                        assertFalse(c.hasMore(i), "ENOBUFS ends the multishot recv");
                        ended.add(ud);
                        continue;
                    }
                    assertTrue(c.result(i) > 0 && c.hasBuffer(i) && c.hasMore(i), c.toString());
                    assertTrue(who < 0 || who == ud, c.toString());
                    who = ud;
                    buffers.copy(c.bufferId(i), c.result(i), received);
                }
            }
            assertTrue(who >= 0 && ended.contains(who), "no ENOBUFS: " + c);
            assertEquals(64, received.position());
            for (int bid = 0; bid < 4; bid++) {
                buffers.recycle(bid);
            }
            for (long ud : ended) {
                ring.recv(accepted[(int) (ud - 200)], buffers, ud);
            }
            Map<Integer, Integer> uses = new HashMap<>();
            t0 = System.nanoTime();
            while (received.position() < 100 && millisSince(t0) < 5000) {
                ring.submitAndWait(c, 1, 1000);
                for (int i = 0; i < c.size(); i++) {
                    assertEquals(who, c.userData(i), c.toString());
                    assertTrue(c.result(i) > 0 && c.hasMore(i), c.toString());
                    uses.merge(c.bufferId(i), 1, Integer::sum);
                    buffers.copy(c.bufferId(i), c.result(i), received);
                    buffers.recycle(c.bufferId(i));
                }
            }
            assertEquals(100, received.position());
            byte[] back = new byte[100];
            received.flip().get(back);
            assertArrayEquals(message, back);
            // end of stream ends the recv with 0
            r.close(clients[1]);
            boolean eof = false;
            t0 = System.nanoTime();
            while (!eof && millisSince(t0) < 5000) {
                ring.submitAndWait(c, 1, 1000);
                for (int i = 0; i < c.size(); i++) {
                    eof |= c.userData(i) == who && c.result(i) == 0 && !c.hasMore(i);
                }
            }
            assertTrue(eof, c.toString());
            buffers.close();
            buffers.close(); // idempotent
            assertThrows(IllegalStateException.class, () -> buffers.recycle(0));
            assertThrows(IllegalStateException.class, () -> ring.recv(accepted[0], buffers, 9));
        }
    }

    /**
     * F5: a CQ of 4 entries and 64 completions (the SQ of 4 filling up on the way): every one
     * arrives exactly once; a Completions smaller than what is waiting gets the rest later.
     */
    @Test
    void f5CompletionQueueOverflowLosesNothing() throws Exception {
        try (Ring ring = Ring.open(4, 4)) {
            assertEquals(4, ring.submissionEntries());
            assertEquals(4, ring.completionEntries());
            assertTrue((ring.features() & Ring.FEAT_NODROP) != 0);
            for (int i = 0; i < 64; i++) {
                ring.nop(1000 + i);
            }
            assertTrue(ring.stat(Ring.Stat.SQ_FULL) > 0, "the SQ of 4 filled up");
            Completions c = new Completions(64);
            assertEquals(64, ring.submitAndWait(c, 64, 5000), c.toString());
            Set<Long> seen = new HashSet<>();
            for (int i = 0; i < 64; i++) {
                assertTrue(seen.add(c.userData(i)), "twice: " + c.userData(i));
            }
            for (int i = 0; i < 64; i++) {
                assertTrue(seen.contains(1000L + i));
            }
            assertTrue(ring.stat(Ring.Stat.OVERFLOWS) > 0, "the CQ of 4 overflowed and was flushed");
            assertEquals(0, ring.submitAndWait(c, 0, 0));
            for (int i = 0; i < 10; i++) {
                ring.nop(i);
            }
            Completions small = new Completions(3);
            int total = 0;
            for (int round = 0; round < 10 && total < 10; round++) {
                int n = ring.submitAndWait(small, 1, 1000);
                assertTrue(n >= 1 && n <= 3, "n=" + n);
                total += n;
            }
            assertEquals(10, total);
        }
    }

    /** A full SQ is submitted early: more operations than entries are all performed. */
    @Test
    void fullSubmissionQueueIsSubmittedEarly() throws Exception {
        try (Ring ring = Ring.open(2)) {
            assertEquals(2, ring.submissionEntries());
            for (int i = 0; i < 100; i++) {
                ring.nop(i);
                assertTrue(ring.queued() <= 2);
            }
            assertTrue(ring.stat(Ring.Stat.SQ_FULL) >= 49, "early submits: " + ring.stat(Ring.Stat.SQ_FULL));
            Completions c = new Completions(128);
            int total = 0;
            long t0 = System.nanoTime();
            while (total < 100 && millisSince(t0) < 5000) {
                total += ring.submitAndWait(c, Math.min(100 - total, 1), 1000);
            }
            assertEquals(100, total);
            assertEquals(100, ring.stat(Ring.Stat.SUBMITTED) - 1, "every nop, and the ring's own wakeup poll");
        }
    }

    /**
     * F6: closing an fd does not cancel a request in flight on it: the request holds the file,
     * still completes when data comes, and the peer sees no EOF; cancel ends it (-ECANCELED, and
     * the cancel's own result counts it), and with it the file.
     */
    @Test
    void f6CloseDoesNotCancelCancelDoes() throws Exception {
        try (Res r = new Res(); Ring ring = Ring.open(8)) {
            BufferRing buffers = ring.registerBuffers(1, 4, 64);
            int[] sp = r.socketPair();
            ring.recv(sp[0], buffers, 42);
            Completions c = new Completions(8);
            assertEquals(0, ring.submitAndWait(c, 0, 0));
            r.close(sp[0]);
            assertEquals(0, ring.submitAndWait(c, 1, 50), "closing the fd completed nothing: " + c);
            assertEquals(0, recv(sp[1], 8).length, "no EOF for the peer: the request holds the file");
            send(sp[1], 5);
            assertEquals(1, ring.submitAndWait(c, 1, 1000));
            assertEquals(42, c.userData(0));
            assertEquals(5, c.result(0), "the request on the closed number still receives");
            assertTrue(c.hasMore(0));
            buffers.recycle(c.bufferId(0));
            ring.cancel(42, 43);
            assertEquals(2, ring.submitAndWait(c, 2, 1000), c.toString());
            assertEquals(-Errno.ECANCELED, c.result(c.indexOf(42)));
            assertFalse(c.hasMore(c.indexOf(42)));
            assertEquals(1, c.result(c.indexOf(43)), "the cancel found one request");
            assertNull(recv(sp[1], 8), "EOF now: the file went with the request");
            ring.cancel(42, 44);
            assertEquals(1, ring.submitAndWait(c, 1, 1000));
            assertEquals(0, c.result(0), "nothing left to cancel");
            // by fd, and a close through the ring
            int[] p = r.pipe();
            ring.poll(p[0], Events.READ, true, 45);
            ring.poll(p[0], Events.READ, false, 46);
            ring.cancelFd(p[0], 47);
            assertEquals(3, ring.submitAndWait(c, 3, 1000), c.toString());
            assertEquals(-Errno.ECANCELED, c.result(c.indexOf(45)));
            assertEquals(-Errno.ECANCELED, c.result(c.indexOf(46)));
            assertEquals(2, c.result(c.indexOf(47)));
            r.forget(p[0]);
            ring.closeFd(p[0], 48);
            assertEquals(1, ring.submitAndWait(c, 1, 1000));
            assertEquals(0, c.result(0));
            assertErrno("EPIPE", () -> Fds.write(p[1], ByteBuffer.allocateDirect(1))); // no reader left
        }
    }

    /**
     * F7: a send larger than what the socket takes completes short (the result is what was
     * sent); sending the rest again delivers every byte, in order.
     */
    @Test
    void f7ShortSendsAreCompletedByTheCaller() throws Exception {
        try (Res r = new Res(); Ring ring = Ring.open(8)) {
            int[] tcp = T.tcpPair(r);
            int total = 16 << 20;
            ByteBuffer data = ByteBuffer.allocateDirect(total);
            for (int i = 0; i < total; i++) {
                data.put(i, (byte) (i * 31 + (i >>> 12)));
            }
            ByteBuffer in = ByteBuffer.allocateDirect(1 << 16);
            Completions c = new Completions(4);
            int sent = 0;
            long received = 0;
            long mismatches = 0;
            int sends = 0;
            int shorts = 0;
            long t0 = System.nanoTime();
            while (sent < total && millisSince(t0) < 20_000) {
                data.limit(total).position(sent);
                ring.send(tcp[0], data, 9);
                sends++;
                int n = 0;
                while (n == 0 && millisSince(t0) < 20_000) {
                    // the peer reads while the send is in flight
                    int k;
                    while ((k = Fds.read(tcp[1], in.clear())) > 0) {
                        for (int i = 0; i < k; i++) {
                            if (in.get(i) != (byte) ((received + i) * 31 + ((received + i) >>> 12))) {
                                mismatches++;
                            }
                        }
                        received += k;
                    }
                    if (ring.submitAndWait(c, 1, 5) == 1) {
                        n = c.result(0);
                        assertTrue(n > 0, c.toString());
                    }
                }
                shorts += n < total - sent ? 1 : 0;
                sent += n;
            }
            assertEquals(total, sent);
            assertTrue(shorts > 0, "no send was short in " + sends);
            while (received < total && millisSince(t0) < 20_000) {
                int k = Fds.read(tcp[1], in.clear());
                for (int i = 0; i < k; i++) {
                    if (in.get(i) != (byte) ((received + i) * 31 + ((received + i) >>> 12))) {
                        mismatches++;
                    }
                }
                received += Math.max(k, 0);
            }
            assertEquals(total, received);
            assertEquals(0, mismatches);
            assertThrows(IllegalArgumentException.class, () -> ring.send(tcp[0], ByteBuffer.allocate(8), 1));
        }
    }

    /**
     * Rings are set up with IORING_SETUP_COOP_TASKRUN where the kernel has it (5.19): a recv
     * woken by another thread's send is finished as task work without interrupting this thread.
     * It still reaches a thread asleep in submitAndWait at once, and one that was busy in user
     * space when the data came gets it at its next submitAndWait.
     */
    @Test
    void completionsFromOtherThreadsReachASleepingAndABusyWaiter() throws Exception {
        String[] release = System.getProperty("os.version").split("[.-]");
        int kernel = Integer.parseInt(release[0]) * 100 + Integer.parseInt(release[1]);
        try (Res r = new Res(); Ring ring = Ring.open(8)) {
            assertEquals(kernel >= 519, (ring.setupFlags() & Ring.SETUP_COOP_TASKRUN) != 0,
                    "kernel " + System.getProperty("os.version") + ", setup flags 0x" + Integer.toHexString(ring.setupFlags()));
            assertTrue(kernel < 518 || (ring.setupFlags() & Ring.SETUP_SUBMIT_ALL) != 0);
            int[] pair = T.tcpPair(r);
            Completions c = new Completions(4);
            for (int round = 0; round < 20; round++) {
                ring.poll(pair[1], Events.READ, false, round);
                assertEquals(0, ring.submitAndWait(c, 0, 0), "nothing to read yet");
                boolean busy = round % 2 == 1;
                Thread sender = new Thread(() -> {
                    try {
                        Thread.sleep(busy ? 0 : 20);
                        send(pair[0], new byte[] {(byte) 1});
                    } catch (Exception e) {
                        throw new IllegalStateException(e);
                    }
                });
                long t0 = System.nanoTime();
                sender.start();
                if (busy) {
                    sender.join(); // the data came while this thread was in user space
                    while (millisSince(t0) < 20) {
                        Thread.onSpinWait();
                    }
                }
                assertEquals(1, ring.submitAndWait(c, 1, 5000), (busy ? "busy" : "asleep") + " round " + round);
                assertTrue(millisSince(t0) < 2000, "woken late: " + millisSince(t0) + " ms");
                assertEquals(round, c.userData(0));
                assertTrue((c.result(0) & Events.READ) != 0, c.toString());
                sender.join();
                assertEquals(1, recv(pair[1], 16).length);
            }
        }
    }

    /** submitAndWait ends at its timeout, or early at a wakeup from another thread. */
    @Test
    void timeoutAndWakeup() throws Exception {
        try (Ring ring = Ring.open(8)) {
            Completions c = new Completions(4);
            long t0 = System.nanoTime();
            assertEquals(0, ring.submitAndWait(c, 1, 100));
            assertTrue(millisSince(t0) >= 100);
            AtomicLong result = new AtomicLong(-99);
            Thread t = new Thread(() -> {
                try {
                    result.set(ring.submitAndWait(new Completions(4), 1, -1));
                } catch (Exception e) {
                    result.set(-98);
                }
            });
            t.start();
            t.join(100);
            assertTrue(t.isAlive(), "returned " + result);
            assertThrows(IllegalStateException.class, () -> ring.nop(1), "another thread is in submitAndWait");
            long woke = System.nanoTime();
            ring.wakeup();
            t.join(5000);
            assertFalse(t.isAlive());
            assertEquals(0, result.get());
            assertTrue(millisSince(woke) < 2000);
            t0 = System.nanoTime();
            assertEquals(0, ring.submitAndWait(c, 1, 50), "the wakeup was consumed");
            assertTrue(millisSince(t0) >= 50);
            for (int i = 0; i < 5; i++) {
                ring.wakeup();
            }
            ring.nop(5);
            assertEquals(1, ring.submitAndWait(c, 3, -1), "a wakeup: what there is, at once");
        }
    }

    /** close from another thread ends a wait in progress; then everything is IllegalStateException. */
    @Test
    void closeFromAnotherThreadEndsAWait() throws Exception {
        Ring ring = Ring.open(8);
        BufferRing b = ring.registerBuffers(3, 2, 8);
        AtomicReference<Object> outcome = new AtomicReference<>();
        Thread t = new Thread(() -> {
            try {
                outcome.set(ring.submitAndWait(new Completions(4), 1, -1));
            } catch (Throwable e) {
                outcome.set(e);
            }
        });
        t.start();
        t.join(100);
        assertTrue(t.isAlive());
        ring.close();
        t.join(5000);
        assertFalse(t.isAlive());
        assertTrue(Integer.valueOf(0).equals(outcome.get()) || outcome.get() instanceof IllegalStateException,
                String.valueOf(outcome.get()));
        assertFalse(ring.isOpen());
        assertThrows(IllegalStateException.class, () -> ring.nop(1));
        assertThrows(IllegalStateException.class, () -> ring.submitAndWait(new Completions(1), 0, 0));
        assertThrows(IllegalStateException.class, ring::fd);
        assertThrows(IllegalStateException.class, () -> b.recycle(0));
        b.close();
        ring.wakeup(); // a no-op
        ring.close();
        assertTrue(ring.toString().contains("closed"));
    }

    /** Bad input: IllegalArgumentException before the kernel, typed errnos from it. */
    @Test
    void badInput() throws Exception {
        assertThrows(IllegalArgumentException.class, () -> Ring.open(0));
        assertThrows(IllegalArgumentException.class, () -> Ring.open(8, -1));
        assertErrno("EINVAL", () -> Ring.open(8, 4)); // a CQ smaller than the SQ
        assertThrows(IllegalArgumentException.class, () -> new Completions(0));
        try (Res r = new Res(); Ring ring = Ring.open(8); Ring other = Ring.open(4)) {
            Completions c = new Completions(4);
            assertThrows(NullPointerException.class, () -> ring.submitAndWait(null, 0, 0));
            assertThrows(IllegalArgumentException.class, () -> ring.submitAndWait(c, 5, 0));
            assertThrows(IllegalArgumentException.class, () -> ring.submitAndWait(c, -1, 0));
            assertThrows(IllegalArgumentException.class, () -> ring.registerBuffers(1, 3, 8));
            assertThrows(IllegalArgumentException.class, () -> ring.registerBuffers(1, 65536, 8));
            assertThrows(IllegalArgumentException.class, () -> ring.registerBuffers(1, 4, 0));
            assertThrows(IllegalArgumentException.class, () -> ring.registerBuffers(70000, 4, 8));
            assertThrows(IllegalArgumentException.class, () -> ring.poll(0, Events.EDGE, false, 1));
            assertThrows(IllegalArgumentException.class, () -> ring.send(1, 0, 10, 1));
            assertThrows(IllegalArgumentException.class, () -> ring.send(1, 16, -1, 1));
            BufferRing b = ring.registerBuffers(1, 4, 8);
            assertErrno("EEXIST", () -> ring.registerBuffers(1, 4, 8));
            assertThrows(IndexOutOfBoundsException.class, () -> b.recycle(4));
            assertThrows(IndexOutOfBoundsException.class, () -> b.recycle(-1));
            assertThrows(IndexOutOfBoundsException.class, () -> b.offset(4));
            assertThrows(IllegalArgumentException.class, () -> b.copy(0, 9, ByteBuffer.allocate(16)));
            assertThrows(java.nio.BufferOverflowException.class, () -> b.copy(0, 8, ByteBuffer.allocate(4)));
            assertThrows(IllegalArgumentException.class, () -> other.recv(0, b, 1), "another ring's buffers");
            // what the kernel refuses comes back in the completion
            int e = r.eventFd();
            ring.accept(e, 1); // not a socket
            ring.recv(-3, b, 2);
            assertEquals(2, ring.submitAndWait(c, 2, 1000), c.toString());
            assertEquals(-Errno.ENOTSOCK, c.result(c.indexOf(1)));
            assertEquals(-Errno.EBADF, c.result(c.indexOf(2)));
            assertTrue(c.toString().contains("ENOTSOCK"), c.toString());
        }
    }

    /** One thread at a time: a call overlapping another thread's wait is refused. */
    @Test
    void overlappingUseIsRefused() throws Exception {
        try (Ring ring = Ring.open(8)) {
            Thread t = new Thread(() -> {
                try {
                    ring.submitAndWait(new Completions(1), 1, 2000);
                } catch (Exception ignored) {
                    // the test looks at the refusal below
                }
            });
            t.start();
            t.join(100);
            IllegalStateException e = assertThrows(IllegalStateException.class, () -> ring.nop(1));
            assertTrue(e.getMessage().contains("one thread at a time"), e.getMessage());
            ring.wakeup();
            t.join(5000);
            ring.nop(2);
            Completions c = new Completions(2);
            assertEquals(1, ring.submitAndWait(c, 1, 1000));
        }
    }

    /** Closing rings with requests in flight leaks no fds and needs no reaping. */
    @Test
    void openCloseLeaksNoFds() throws Exception {
        try (Res r = new Res()) {
            int listener = r.track(Sockets.listen(Sockets.LOOPBACK, 0, 16, false, true));
            int[] sp = r.socketPair();
            for (int i = 0; i < 5; i++) {
                Ring.open(4).close(); // warm-up
            }
            int before = Fds.countOpen();
            for (int i = 0; i < 100; i++) {
                Ring ring = Ring.open(8);
                BufferRing b = ring.registerBuffers(1, 2, 32);
                ring.accept(listener, 1);
                ring.recv(sp[0], b, 2);
                ring.submitAndWait(new Completions(4), 0, 0);
                ring.close();
            }
            assertTrue(Fds.countOpen() - before < 10, "fds leaked: " + (Fds.countOpen() - before));
            // the socket is untouched by the cancelled recvs
            send(sp[1], 3);
            assertEquals(3, recv(sp[0], 8).length);
        }
    }

    /** The batch the lab measures: many operations, one system call (a pipeline of sends and recvs). */
    @Test
    void manyOperationsOneEnter() throws Exception {
        try (Res r = new Res(); Ring ring = Ring.open(64)) {
            int[][] pairs = new int[16][];
            BufferRing b = ring.registerBuffers(2, 32, 64);
            for (int i = 0; i < pairs.length; i++) {
                pairs[i] = r.socketPair();
                ring.recv(pairs[i][0], b, 100 + i);
            }
            ByteBuffer msg = ByteBuffer.allocateDirect(8);
            for (int i = 0; i < 8; i++) {
                msg.put(i, (byte) i);
            }
            long enters = ring.stat(Ring.Stat.ENTERS);
            for (int i = 0; i < pairs.length; i++) {
                ring.send(pairs[i][1], msg, 200 + i);
            }
            Completions c = new Completions(64);
            int got = 0;
            long t0 = System.nanoTime();
            ByteArrayOutputStream bytes = new ByteArrayOutputStream();
            while (got < 2 * pairs.length && millisSince(t0) < 5000) {
                int n = ring.submitAndWait(c, Math.min(2 * pairs.length - got, c.capacity()), 1000);
                for (int i = 0; i < n; i++) {
                    if (c.userData(i) >= 200) {
                        assertEquals(8, c.result(i));
                    } else {
                        assertEquals(8, c.result(i), c.toString());
                        bytes.write(b.memory().get(b.offset(c.bufferId(i))));
                        b.recycle(c.bufferId(i));
                    }
                }
                got += n;
            }
            assertEquals(2 * pairs.length, got);
            assertTrue(ring.stat(Ring.Stat.ENTERS) - enters <= 3,
                    "32 operations took " + (ring.stat(Ring.Stat.ENTERS) - enters) + " io_uring_enter calls");
            assertEquals(pairs.length, bytes.size());
        }
    }
}
