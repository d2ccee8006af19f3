package dev.muxlab;

import static dev.muxlab.T.assertErrno;
import static dev.muxlab.T.recv;
import static dev.muxlab.T.send;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.nio.ReadOnlyBufferException;
import java.nio.file.Files;
import java.nio.file.Path;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** Raw fd operations of {@link Fds}. */
@Timeout(value = 60, threadMode = Timeout.ThreadMode.SEPARATE_THREAD) // a hung native wait fails, not hangs
class FdsTest {

    @Test
    void createdFdsAreNonBlockingAndCloseOnExec() throws Exception {
        try (Res r = new Res()) {
            int[] sp = r.socketPair();
            int[] p = r.pipe();
            int e = r.eventFd();
            for (int fd : new int[] {sp[0], sp[1], p[0], p[1], e}) {
                assertTrue(Fds.isOpen(fd));
                assertTrue(Fds.isNonBlocking(fd), "fd " + fd + " is blocking");
                assertTrue(Fds.isCloseOnExec(fd), "fd " + fd + " is not close-on-exec");
            }
            int[] bsp = r.socketPair(false);
            int[] bp = r.track(Fds.pipe(false));
            for (int fd : new int[] {bsp[0], bsp[1], bp[0], bp[1]}) {
                assertFalse(Fds.isNonBlocking(fd), "fd " + fd + " asked blocking");
                assertTrue(Fds.isCloseOnExec(fd));
            }
        }
    }

    @Test
    void setNonBlockingTogglesTheFlag() throws Exception {
        try (Res r = new Res()) {
            int[] sp = r.socketPair();
            Fds.setNonBlocking(sp[0], false);
            assertFalse(Fds.isNonBlocking(sp[0]));
            assertTrue(Fds.isNonBlocking(sp[1]));
            Fds.setNonBlocking(sp[0], true);
            assertTrue(Fds.isNonBlocking(sp[0]));
            Fds.setNonBlocking(sp[0], true); // idempotent
            assertTrue(Fds.isNonBlocking(sp[0]));
        }
    }

    @Test
    void readReturnsZeroWhenItWouldBlockAndMinusOneAtEof() throws Exception {
        try (Res r = new Res()) {
            int[] sp = r.socketPair();
            ByteBuffer b = ByteBuffer.allocateDirect(16);
            assertEquals(0, Fds.read(sp[0], b));
            assertEquals(0, b.position());
            send(sp[1], new byte[] {4, 5, 6});
            assertEquals(3, Fds.read(sp[0], b));
            assertEquals(3, b.position());
            assertEquals(6, b.get(2));
            assertEquals(0, Fds.read(sp[0], b));
            r.close(sp[1]);
            assertEquals(-1, Fds.read(sp[0], b));
            assertEquals(-1, Fds.read(sp[0], b)); // EOF lasts
            assertEquals(3, b.position());
        }
    }

    @Test
    void pipeReadEndEofAndEmpty() throws Exception {
        try (Res r = new Res()) {
            int[] p = r.pipe();
            assertEquals(0, recv(p[0], 8).length);
            send(p[1], 2);
            assertEquals(2, recv(p[0], 8).length);
            r.close(p[1]);
            assertNull(recv(p[0], 8));
        }
    }

    @Test
    void directBuffersHonourPositionAndLimit() throws Exception {
        try (Res r = new Res()) {
            int[] sp = r.socketPair();
            ByteBuffer src = ByteBuffer.allocateDirect(16);
            for (int i = 0; i < 16; i++) {
                src.put(i, (byte) (100 + i));
            }
            src.position(3).limit(8);
            assertEquals(5, Fds.write(sp[1], src));
            assertEquals(8, src.position());
            ByteBuffer dst = ByteBuffer.allocateDirect(16);
            dst.position(10).limit(13); // room for 3
            assertEquals(3, Fds.read(sp[0], dst));
            assertEquals(13, dst.position());
            assertEquals(103, dst.get(10));
            assertEquals(105, dst.get(12));
            assertEquals(0, dst.get(9));
            dst.limit(16);
            assertEquals(0, dst.get(13));
            assertEquals(2, Fds.read(sp[0], dst));
            assertEquals(107, dst.get(14));
        }
    }

    @Test
    void heapBuffersWorkIncludingArrayOffsets() throws Exception {
        try (Res r = new Res()) {
            int[] sp = r.socketPair();
            byte[] backing = {0, 1, 2, 3, 4, 5, 6, 7, 8, 9};
            ByteBuffer src = ByteBuffer.wrap(backing, 2, 6).slice(); // arrayOffset 2: bytes 2..7
            assertEquals(2, src.arrayOffset());
            src.position(1); // bytes 3..7
            assertEquals(5, Fds.write(sp[1], src));
            assertEquals(6, src.position());
            byte[] into = new byte[12];
            ByteBuffer dst = ByteBuffer.wrap(into, 4, 8).slice(); // arrayOffset 4
            dst.position(2);
            assertEquals(5, Fds.read(sp[0], dst));
            assertEquals(7, dst.position());
            assertArrayEquals(new byte[] {0, 0, 0, 0, 0, 0, 3, 4, 5, 6, 7, 0}, into);
        }
    }

    /** Heap buffers larger than the 64 KB bounce buffer go through in chunks, content intact. */
    @Test
    void largeHeapBufferRoundTrip() throws Exception {
        try (Res r = new Res()) {
            int[] sp = r.socketPair();
            int size = 300_000;
            byte[] data = new byte[size];
            for (int i = 0; i < size; i++) {
                data[i] = (byte) (i * 31 + (i >> 8));
            }
            ByteBuffer src = ByteBuffer.wrap(data);
            ByteBuffer dst = ByteBuffer.allocate(size);
            int rounds = 0;
            while (dst.hasRemaining() && rounds++ < 100_000) {
                int w = Fds.write(sp[1], src);
                assertTrue(w >= 0 && w <= 64 * 1024, "heap write of " + w);
                int n = Fds.read(sp[0], dst);
                assertTrue(n >= 0 && n <= 64 * 1024, "heap read of " + n);
            }
            assertFalse(src.hasRemaining());
            assertArrayEquals(data, dst.array());
        }
    }

    @Test
    void emptyBuffersReadAndWriteZero() throws Exception {
        try (Res r = new Res()) {
            int[] sp = r.socketPair();
            send(sp[1], 1);
            assertEquals(0, Fds.write(sp[1], ByteBuffer.allocateDirect(0)));
            assertEquals(0, Fds.write(sp[1], ByteBuffer.allocate(4).position(4)));
            assertEquals(0, Fds.read(sp[0], ByteBuffer.allocateDirect(0)));
            assertEquals(0, Fds.read(sp[0], ByteBuffer.allocate(0)));
            assertEquals(1, Fds.available(sp[0]), "nothing was consumed");
            r.close(sp[1]);
            assertEquals(0, Fds.read(sp[0], ByteBuffer.allocateDirect(0)), "a full buffer reads 0, even at EOF");
        }
    }

    @Test
    void writeReturnsZeroWhenFull() throws Exception {
        try (Res r = new Res()) {
            int[] sp = r.socketPair();
            long filled = Fds.fill(sp[1]);
            assertTrue(filled > 0);
            assertEquals(0, Fds.write(sp[1], ByteBuffer.allocateDirect(1).put((byte) 1).flip()));
            assertEquals(0, Fds.write(sp[1], ByteBuffer.wrap(new byte[] {1})));
            assertEquals(filled, Fds.available(sp[0]));
            assertEquals(filled, Fds.drain(sp[0]));
            assertEquals(0, Fds.available(sp[0]));
            assertEquals(0, Fds.drain(sp[0]));
            assertEquals(1, Fds.write(sp[1], ByteBuffer.wrap(new byte[] {1})));
        }
    }

    @Test
    void fillAndDrainAPipe() throws Exception {
        try (Res r = new Res()) {
            int[] p = r.pipe();
            long filled = Fds.fill(p[1]);
            assertTrue(filled >= 4096);
            assertEquals(filled, Fds.available(p[0]));
            assertEquals(filled, Fds.drain(p[0]));
            assertEquals(0, Fds.available(p[0]));
        }
    }

    @Test
    void writeToClosedPeerIsEpipe() throws Exception {
        try (Res r = new Res()) {
            int[] sp = r.socketPair();
            r.close(sp[0]);
            assertErrno("EPIPE", () -> Fds.write(sp[1], ByteBuffer.allocateDirect(4)));
            assertErrno("EPIPE", () -> Fds.write(sp[1], ByteBuffer.allocate(4)));
            int[] p = r.pipe();
            r.close(p[0]);
            assertErrno("EPIPE", () -> Fds.write(p[1], ByteBuffer.allocateDirect(4)));
        }
    }

    @Test
    void operationsOnClosedFdsAreEbadf() throws Exception {
        int fd;
        try (Res r = new Res()) {
            r.openSpacers(3);
            fd = r.eventFd();
            r.releaseSpacers();
            r.close(fd);
        }
        assertFalse(Fds.isOpen(fd));
        assertFalse(Fds.isOpen(-1));
        final int closed = fd;
        assertErrno("EBADF", () -> Fds.close(closed));
        assertErrno("EBADF", () -> Fds.close(-1));
        assertErrno("EBADF", () -> Fds.read(closed, ByteBuffer.allocateDirect(4)));
        assertErrno("EBADF", () -> Fds.read(closed, ByteBuffer.allocate(4)));
        assertErrno("EBADF", () -> Fds.write(closed, ByteBuffer.allocateDirect(4)));
        assertErrno("EBADF", () -> Fds.dup(closed));
        assertErrno("EBADF", () -> Fds.isNonBlocking(closed));
        assertErrno("EBADF", () -> Fds.setNonBlocking(closed, true));
        assertErrno("EBADF", () -> Fds.isCloseOnExec(closed));
        assertErrno("EBADF", () -> Fds.available(closed));
        assertErrno("EBADF", () -> Fds.shutdownOutput(closed));
        assertErrno("EBADF", () -> Fds.signalEventFd(closed, 1));
        Fds.closeQuietly(-1); // no exception
    }

    @Test
    void shutdownOnAPipeIsEnotsock() throws Exception {
        try (Res r = new Res()) {
            int[] p = r.pipe();
            assertErrno("ENOTSOCK", () -> Fds.shutdownOutput(p[1]));
        }
    }

    @Test
    void dupSharesTheOpenFile() throws Exception {
        try (Res r = new Res()) {
            int[] sp = r.socketPair();
            int d = r.dup(sp[0]);
            assertTrue(d != sp[0]);
            assertTrue(Fds.isCloseOnExec(d), "dup is close-on-exec");
            send(sp[1], new byte[] {1, 2, 3, 4});
            assertArrayEquals(new byte[] {1, 2}, recv(d, 2));
            assertArrayEquals(new byte[] {3, 4}, recv(sp[0], 8)); // one queue, one offset
            // file status flags are shared too
            Fds.setNonBlocking(d, false);
            assertFalse(Fds.isNonBlocking(sp[0]));
            Fds.setNonBlocking(sp[0], true);
            assertTrue(Fds.isNonBlocking(d));
            // closing one number leaves the file open through the other
            r.close(sp[0]);
            send(sp[1], 1);
            assertEquals(1, recv(d, 8).length);
            send(d, 1);
            assertEquals(1, recv(sp[1], 8).length);
        }
    }

    @Test
    void shutdownOutputGivesThePeerEof() throws Exception {
        try (Res r = new Res()) {
            int[] sp = r.socketPair();
            send(sp[0], 2);
            Fds.shutdownOutput(sp[0]);
            assertEquals(2, recv(sp[1], 8).length);
            assertNull(recv(sp[1], 8), "peer reads EOF");
            // this side can still read
            send(sp[1], 3);
            assertEquals(3, recv(sp[0], 8).length);
            assertErrno("EPIPE", () -> Fds.write(sp[0], ByteBuffer.allocateDirect(1)));
        }
    }

    @Test
    void shutdownInputGivesThisSideEof() throws Exception {
        try (Res r = new Res()) {
            int[] sp = r.socketPair();
            Fds.shutdownInput(sp[0]);
            assertNull(recv(sp[0], 8));
        }
    }

    @Test
    void eventFdCounter() throws Exception {
        try (Res r = new Res()) {
            int e = r.eventFd();
            assertEquals(0, Fds.readEventFd(e));
            Fds.signalEventFd(e, 3);
            Fds.signalEventFd(e, 4);
            assertEquals(7, Fds.readEventFd(e));
            assertEquals(0, Fds.readEventFd(e));
            int e5 = r.eventFd(5);
            assertEquals(5, Fds.readEventFd(e5));
            assertErrno("EINVAL", () -> Fds.eventFd(-1));
            assertErrno("EINVAL", () -> Fds.signalEventFd(e, -1L)); // 0xffffffffffffffff is not allowed
        }
    }

    @Test
    void openFileLimits() throws Exception {
        int hard = Fds.hardOpenFileLimit();
        int soft = Fds.openFileLimit();
        assertTrue(soft > 0 && soft <= hard, soft + " / " + hard);
        try {
            assertEquals(hard, Fds.raiseOpenFileLimit());
            assertEquals(hard, Fds.openFileLimit());
            assertEquals(hard, Fds.raiseOpenFileLimit()); // already there
            if (hard > 2048) {
                Fds.setOpenFileLimit(2048);
                assertEquals(2048, Fds.openFileLimit());
                assertEquals(hard, Fds.hardOpenFileLimit());
            }
            if (hard < Integer.MAX_VALUE) {
                assertErrno("EINVAL", () -> Fds.setOpenFileLimit(hard + 1)); // soft above hard
            }
            assertThrows(IllegalArgumentException.class, () -> Fds.setOpenFileLimit(-1));
        } finally {
            Fds.setOpenFileLimit(soft);
        }
        assertEquals(soft, Fds.openFileLimit());
    }

    @Test
    void countOpenIsUnchangedAcrossOpenAndClose() throws Exception {
        Fds.countOpen();
        int before = Fds.countOpen();
        try (Res r = new Res()) {
            for (int i = 0; i < 50; i++) {
                r.socketPair();
                r.pipe();
                r.eventFd();
            }
            // other JVM threads may hold an fd or two for a moment: allow that, not a leak per fd
            assertTrue(Math.abs(Fds.countOpen() - (before + 250)) <= 5, "250 more fds open");
        }
        assertTrue(Math.abs(Fds.countOpen() - before) <= 5, "fds leaked");
    }

    @Test
    void regularFiles(@TempDir Path dir) throws Exception {
        Path path = dir.resolve("data.bin");
        try (Res r = new Res()) {
            assertErrno("ENOENT", () -> Fds.openFile(path, false));
            int w = r.track(Fds.openFile(path, true)); // created
            assertTrue(Fds.isCloseOnExec(w));
            send(w, new byte[] {7, 8, 9});
            int rd = r.track(Fds.openFile(path, false));
            assertArrayEquals(new byte[] {7, 8, 9}, recv(rd, 16));
            assertNull(recv(rd, 16), "EOF at the end of a file");
            assertErrno("EBADF", () -> Fds.write(rd, ByteBuffer.wrap(new byte[] {1}))); // read-only fd
        }
        assertArrayEquals(new byte[] {7, 8, 9}, Files.readAllBytes(path));
    }

    /** Reading into a read-only buffer must be refused, and consume nothing from the fd. */
    @Test
    void readIntoReadOnlyBufferIsRefusedWithoutConsumingData() throws Exception {
        try (Res r = new Res()) {
            int[] sp = r.socketPair();
            send(sp[1], new byte[] {1, 2, 3});
            ByteBuffer direct = ByteBuffer.allocateDirect(8);
            ByteBuffer directView = direct.asReadOnlyBuffer();
            assertThrows(ReadOnlyBufferException.class, () -> Fds.read(sp[0], directView));
            assertEquals(0, direct.get(0), "the kernel wrote through a read-only view");
            ByteBuffer heapView = ByteBuffer.allocate(8).asReadOnlyBuffer();
            assertThrows(ReadOnlyBufferException.class, () -> Fds.read(sp[0], heapView));
            assertEquals(3, Fds.available(sp[0]), "data was consumed by a refused read");
        }
    }

    /** Writing only reads the buffer: a read-only buffer is a valid source, heap or direct. */
    @Test
    void writeFromReadOnlyBuffers() throws Exception {
        try (Res r = new Res()) {
            int[] sp = r.socketPair();
            ByteBuffer direct = ByteBuffer.allocateDirect(3).put(new byte[] {1, 2, 3}).flip().asReadOnlyBuffer();
            assertEquals(3, Fds.write(sp[1], direct));
            assertEquals(3, direct.position());
            ByteBuffer heap = ByteBuffer.wrap(new byte[] {4, 5}).asReadOnlyBuffer();
            assertEquals(2, Fds.write(sp[1], heap));
            assertEquals(2, heap.position());
            assertArrayEquals(new byte[] {1, 2, 3, 4, 5}, recv(sp[0], 16));
        }
    }
}
