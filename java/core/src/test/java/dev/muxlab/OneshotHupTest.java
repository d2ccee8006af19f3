package dev.muxlab;

import static dev.muxlab.T.assertAwait;
import static dev.muxlab.T.assertErrno;
import static dev.muxlab.T.assertNothing;
import static dev.muxlab.T.recv;
import static dev.muxlab.T.recvExactly;
import static dev.muxlab.T.send;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * conformance.md group C: ONESHOT, RDHUP, HUP, ERR, and the epoll dup pitfall; URING where it
 * behaves the same, and its own answers to C4/C5 (a poll request holds the open file, and the
 * registration follows the fd number).
 */
@Timeout(value = 60, threadMode = Timeout.ThreadMode.SEPARATE_THREAD) // a hung native wait fails, not hangs
class OneshotHupTest {

    /** C1: ONESHOT fires once, stays quiet on new data, is re-armed by modify; ADD is EEXIST. */
    @ParameterizedTest
    @EnumSource(value = Backend.class, names = {"EPOLL", "URING"})
    void c1OneshotFiresOnceUntilModified(Backend b) throws Exception {
        try (Res r = new Res()) {
            Multiplexer m = r.mux(b);
            int[] sp = r.socketPair();
            m.register(sp[0], Events.READ | Events.ONESHOT);
            ReadySet rs = new ReadySet(8);
            assertNothing(m, rs, 0);
            send(sp[1], 1);
            assertAwait(m, rs, 0, sp[0], Events.READ);
            assertNothing(m, rs, 0);
            send(sp[1], 1); // new data: still disarmed
            assertNothing(m, rs, 0);
            // disarmed is not unregistered
            assertErrno("EEXIST", () -> m.register(sp[0], Events.READ | Events.ONESHOT));
            m.modify(sp[0], Events.READ | Events.ONESHOT);
            assertAwait(m, rs, 0, sp[0], Events.READ);
            assertNothing(m, rs, 0);
            // re-armed with a different mask
            m.modify(sp[0], Events.WRITE | Events.ONESHOT);
            assertAwait(m, rs, 0, sp[0], Events.WRITE);
            assertNothing(m, rs, 0);
            // without ONESHOT it is level-triggered again
            m.modify(sp[0], Events.READ);
            assertAwait(m, rs, 0, sp[0], Events.READ);
            assertAwait(m, rs, 0, sp[0], Events.READ);
            // unregister works on a disarmed fd
            m.modify(sp[0], Events.READ | Events.ONESHOT);
            assertAwait(m, rs, 0, sp[0], Events.READ);
            m.unregister(sp[0]);
            assertErrno("ENOENT", () -> m.modify(sp[0], Events.READ));
        }
    }

    /** ONESHOT|EDGE: one report, then nothing until modify, even for new arrivals. */
    @ParameterizedTest
    @EnumSource(value = Backend.class, names = {"EPOLL", "URING"})
    void c1OneshotEdge(Backend b) throws Exception {
        try (Res r = new Res()) {
            Multiplexer m = r.mux(b);
            int e = r.eventFd();
            m.register(e, Events.READ | Events.ONESHOT | Events.EDGE);
            ReadySet rs = new ReadySet(8);
            Fds.signalEventFd(e, 1);
            assertAwait(m, rs, 0, e, Events.READ);
            Fds.signalEventFd(e, 1);
            assertNothing(m, rs, 0);
            m.modify(e, Events.READ | Events.ONESHOT | Events.EDGE);
            assertAwait(m, rs, 0, e, Events.READ);
            assertNothing(m, rs, 0);
        }
    }

    /** C2: peer shutdownOutput: READ|RDHUP, no HUP, read is EOF; peer close adds HUP. */
    @ParameterizedTest
    @EnumSource(value = Backend.class, names = {"POLL", "EPOLL", "URING"})
    void c2RdhupThenHup(Backend b) throws Exception {
        try (Res r = new Res()) {
            Multiplexer m = r.mux(b);
            int[] sp = r.socketPair();
            m.register(sp[0], Events.READ | Events.RDHUP);
            ReadySet rs = new ReadySet(8);
            assertNothing(m, rs, 0);
            Fds.shutdownOutput(sp[1]);
            assertAwait(m, rs, 0, sp[0], Events.READ | Events.RDHUP);
            assertNull(recv(sp[0], 8), "EOF after the peer's shutdown");
            assertAwait(m, rs, 0, sp[0], Events.READ | Events.RDHUP);
            // the half-closed side can still write to the peer
            send(sp[0], 2);
            recvExactly(sp[1], 2);
            r.close(sp[1]);
            assertAwait(m, rs, 0, sp[0], Events.READ | Events.RDHUP | Events.HUP);
        }
    }

    /** C2: RDHUP is only reported when asked for; READ (EOF) is. */
    @ParameterizedTest
    @EnumSource(value = Backend.class, names = {"POLL", "EPOLL", "URING"})
    void c2RdhupNotReportedUnlessAsked(Backend b) throws Exception {
        try (Res r = new Res()) {
            Multiplexer m = r.mux(b);
            int[] sp = r.socketPair();
            m.register(sp[0], Events.READ);
            Fds.shutdownOutput(sp[1]);
            ReadySet rs = new ReadySet(8);
            assertAwait(m, rs, 0, sp[0], Events.READ);
        }
    }

    /** C2 with data queued: the data comes first, then EOF; RDHUP is reported throughout. */
    @ParameterizedTest
    @EnumSource(value = Backend.class, names = {"EPOLL", "URING"})
    void c2DataBeforeRdhup(Backend b) throws Exception {
        try (Res r = new Res()) {
            Multiplexer m = r.mux(b);
            int[] sp = r.socketPair();
            send(sp[1], new byte[] {9, 8, 7});
            Fds.shutdownOutput(sp[1]);
            m.register(sp[0], Events.READ | Events.RDHUP);
            ReadySet rs = new ReadySet(8);
            assertAwait(m, rs, 0, sp[0], Events.READ | Events.RDHUP);
            byte[] got = recv(sp[0], 16);
            assertEquals(3, got.length);
            assertEquals(7, got[2]);
            assertNull(recv(sp[0], 16));
        }
    }

    /** C3: HUP is reported with an empty interest mask (poll, epoll) when the peer closes. */
    @ParameterizedTest
    @EnumSource(value = Backend.class, names = {"POLL", "EPOLL", "URING"})
    void c3HupReportedWithoutBeingAsked(Backend b) throws Exception {
        try (Res r = new Res()) {
            Multiplexer m = r.mux(b);
            int[] sp = r.socketPair();
            m.register(sp[0], 0);
            ReadySet rs = new ReadySet(8);
            assertNothing(m, rs, 0);
            r.close(sp[1]);
            assertAwait(m, rs, 0, sp[0], Events.HUP);
        }
    }

    /**
     * C3: a TCP reset (peer closes with SO_LINGER 0): poll and epoll report ERR and/or HUP even
     * with an empty interest mask, and nothing else; select reports the socket readable. The
     * read then fails with ECONNRESET, after which the socket reads EOF.
     */
    @ParameterizedTest
    @EnumSource(Flavour.class)
    void c3ConnectionResetReportsErrOrHup(Flavour f) throws Exception {
        try (Res r = new Res()) {
            Multiplexer m = r.mux(f);
            int[] tcp = T.tcpPair(r);
            int client = tcp[0];
            int server = tcp[1];
            m.register(client, f.interest(f.isSelect() ? Events.READ : 0));
            ReadySet rs = new ReadySet(8);
            assertNothing(m, rs, 0);
            Sockets.setLinger(server, true, 0);
            r.close(server);
            assertEquals(1, m.await(rs, 5000), rs.toString());
            int ev = rs.eventsOf(client);
            if (f.isSelect()) {
                assertEquals(Events.READ, ev, Events.toString(ev));
            } else {
                assertTrue((ev & (Events.ERR | Events.HUP)) != 0, Events.toString(ev));
                assertEquals(0, ev & ~(Events.ERR | Events.HUP), "only what was not asked for: " + Events.toString(ev));
            }
            assertErrno("ECONNRESET", () -> Fds.read(client, java.nio.ByteBuffer.allocateDirect(8)));
            assertNull(recv(client, 8), "EOF once the reset was reported");
        }
    }

    /** C3 with READ|WRITE interest: the reset is still visible as ERR and/or HUP. */
    @ParameterizedTest
    @EnumSource(value = Backend.class, names = {"POLL", "EPOLL", "URING"})
    void c3ResetWithFullInterest(Backend b) throws Exception {
        try (Res r = new Res()) {
            Multiplexer m = r.mux(b);
            int[] tcp = T.tcpPair(r);
            m.register(tcp[0], Events.READ | Events.WRITE | Events.RDHUP);
            Sockets.setLinger(tcp[1], true, 0);
            r.close(tcp[1]);
            ReadySet rs = new ReadySet(8);
            assertEquals(1, m.await(rs, 5000));
            int ev = rs.eventsOf(tcp[0]);
            assertTrue((ev & (Events.ERR | Events.HUP)) != 0, Events.toString(ev));
            assertTrue((ev & Events.READ) != 0, Events.toString(ev));
        }
    }

    /**
     * C4: an epoll registration belongs to the open file: register fd, dup it, close fd. Events
     * still come under the old number, unregister(old) is EBADF and unregister(dup) ENOENT; the
     * registration goes only when the last duplicate is closed.
     */
    @Test
    void c4DupPitfall() throws Exception {
        try (Res r = new Res()) {
            EpollMultiplexer m = (EpollMultiplexer) r.mux(Backend.EPOLL);
            r.openSpacers(3);
            int[] sp = r.socketPair();
            int fd = sp[0];
            m.register(fd, Events.READ);
            int dup = r.dup(fd);
            r.releaseSpacers();
            r.close(fd);
            assertTrue(!Fds.isOpen(fd), "fd number " + fd + " was reused during the test");
            ReadySet rs = new ReadySet(8);
            assertNothing(m, rs, 0);
            send(sp[1], 1);
            assertAwait(m, rs, 0, fd, Events.READ); // the closed number, still reported
            assertErrno("EBADF", () -> m.unregister(fd));
            assertErrno("ENOENT", () -> m.unregister(dup));
            assertErrno("ENOENT", () -> m.modify(dup, Events.READ));
            assertAwait(m, rs, 0, fd, Events.READ);
            recvExactly(dup, 1);
            assertNothing(m, rs, 0);
            send(sp[1], 1);
            assertAwait(m, rs, 0, fd, Events.READ);
            r.close(dup); // the last reference: the registration goes with it
            assertNothing(m, rs, 0);
            // the instance is clean: a new socket (perhaps under the old number) registers fine
            T.assertStillWorks(m);
        }
    }

    /** C5: closing a registered fd removes it silently; a later unregister is EBADF. */
    @Test
    void c5CloseRemovesRegistration() throws Exception {
        try (Res r = new Res()) {
            Multiplexer m = r.mux(Backend.EPOLL);
            r.openSpacers(3);
            int[] sp = r.socketPair();
            r.releaseSpacers();
            m.register(sp[0], Events.READ);
            send(sp[1], 1);
            ReadySet rs = new ReadySet(8);
            assertAwait(m, rs, 0, sp[0], Events.READ);
            r.close(sp[0]);
            assertNothing(m, rs, 0);
            assertErrno("EBADF", () -> m.unregister(sp[0]));
            T.assertStillWorks(m);
        }
    }

    /**
     * C4 on URING: the registration follows the fd number, not the open file. After dup and
     * close, the armed poll (which holds the file) still completes when data comes, but its
     * re-arm looks the closed number up and fails: the fd is reported NVAL, as poll(2) reports a
     * closed fd. unregister of the closed number is how it is cleaned up; the duplicate was never
     * registered.
     */
    @Test
    void c4UringFollowsTheNumber() throws Exception {
        try (Res r = new Res()) {
            Multiplexer m = r.mux(Backend.URING);
            r.openSpacers(3);
            int[] sp = r.socketPair();
            int fd = sp[0];
            m.register(fd, Events.READ);
            ReadySet rs = new ReadySet(8);
            assertNothing(m, rs, 0); // the poll is armed in the kernel
            int dup = r.dup(fd);
            r.releaseSpacers();
            r.close(fd);
            assertTrue(!Fds.isOpen(fd), "fd number " + fd + " was reused during the test");
            send(sp[1], 1);
            assertAwait(m, rs, 0, fd, Events.NVAL);
            assertAwait(m, rs, 0, fd, Events.NVAL); // until unregistered
            assertErrno("ENOENT", () -> m.unregister(dup));
            assertErrno("EBADF", () -> m.modify(fd, Events.READ));
            m.unregister(fd);
            assertNothing(m, rs, 0);
            recvExactly(dup, 1);
            T.assertStillWorks(m);
        }
    }

    /**
     * C5 on URING: closing a registered fd does not remove it, and while its poll is armed the
     * kernel holds the file open: the peer sees no EOF until unregister (allowed for the closed
     * number, and submitted at once).
     */
    @Test
    void c5UringCloseKeepsTheFileUntilUnregister() throws Exception {
        try (Res r = new Res()) {
            Multiplexer m = r.mux(Backend.URING);
            r.openSpacers(3);
            int[] sp = r.socketPair();
            r.releaseSpacers();
            m.register(sp[0], Events.READ);
            ReadySet rs = new ReadySet(8);
            assertNothing(m, rs, 0); // armed
            r.close(sp[0]);
            assertEquals(0, recv(sp[1], 8).length, "the peer sees no EOF: the ring holds the file");
            m.unregister(sp[0]);
            assertNull(recv(sp[1], 8), "EOF once unregistered");
            assertErrno("ENOENT", () -> m.unregister(sp[0]));
            T.assertStillWorks(m);
        }
    }
}
