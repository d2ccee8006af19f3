package dev.muxlab;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.Arrays;

import org.junit.jupiter.api.function.Executable;

/** Shared helpers: byte IO on raw fds, readiness assertions, errno assertions. */
final class T {
    private T() {
    }

    /** Writes all of {@code data} to a non-blocking fd that has room for it (fails otherwise). */
    static void send(int fd, byte[] data) throws IOException {
        ByteBuffer b = ByteBuffer.allocateDirect(data.length);
        b.put(data).flip();
        int n = Fds.write(fd, b);
        assertEquals(data.length, n, "short write on fd " + fd);
    }

    /** Writes {@code n} bytes 'x'. */
    static void send(int fd, int n) throws IOException {
        byte[] d = new byte[n];
        Arrays.fill(d, (byte) 'x');
        send(fd, d);
    }

    /** Reads what is there, up to max bytes: null at EOF, an empty array when it would block. */
    static byte[] recv(int fd, int max) throws IOException {
        ByteBuffer b = ByteBuffer.allocateDirect(max);
        int n = Fds.read(fd, b);
        if (n < 0) {
            return null;
        }
        b.flip();
        byte[] out = new byte[b.remaining()];
        b.get(out);
        return out;
    }

    /** Reads exactly n bytes that are known to be queued. */
    static void recvExactly(int fd, int n) throws IOException {
        byte[] got = recv(fd, n);
        assertTrue(got != null && got.length == n, "expected " + n + " bytes on fd " + fd + ", got "
                + (got == null ? "EOF" : got.length));
    }

    static NativeException assertErrno(String errnoName, Executable call) {
        NativeException e = assertThrows(NativeException.class, call);
        assertEquals(errnoName, e.errnoName(), () -> "errno of: " + e.getMessage());
        assertTrue(e.getMessage().contains(errnoName) || e instanceof FdSetSizeException,
                () -> "message names the errno: " + e.getMessage());
        return e;
    }

    /** await that must report exactly the given (fd, events) pairs, in any order. */
    static void assertAwait(Multiplexer m, ReadySet rs, long timeout, int... fdEventPairs) throws IOException {
        int n = m.await(rs, timeout);
        String got = rs.toString();
        assertEquals(fdEventPairs.length / 2, n, () -> m + " await(" + timeout + "): " + got);
        assertEquals(n, rs.size());
        for (int i = 0; i < fdEventPairs.length; i += 2) {
            int fd = fdEventPairs[i];
            int ev = fdEventPairs[i + 1];
            int idx = rs.indexOf(fd);
            assertTrue(idx >= 0, () -> "fd " + fd + " not reported: " + got);
            assertEquals(Events.toString(ev), Events.toString(rs.events(idx)), () -> "events of fd " + fd + ": " + got);
        }
    }

    /** await(timeout) that must report nothing. */
    static void assertNothing(Multiplexer m, ReadySet rs, long timeout) throws IOException {
        int n = m.await(rs, timeout);
        String got = rs.toString();
        assertEquals(0, n, () -> m + " await(" + timeout + ") reported " + got);
        assertEquals(0, rs.size());
    }

    /** {@code events} as an interest mask m's backend accepts ({@link Flavour#interest}). */
    static int interest(Multiplexer m, int events) {
        return Flavour.of(m.backend()).interest(events);
    }

    /** After an error, the multiplexer must still see a fresh socketpair with data. */
    static void assertStillWorks(Multiplexer m) throws IOException {
        try (Res r = new Res()) {
            int[] sp = r.socketPair();
            send(sp[1], 3);
            m.register(sp[0], interest(m, Events.READ));
            ReadySet rs = new ReadySet(8);
            int n = m.await(rs, 2000);
            assertTrue(n >= 1, () -> m + " does not work after an error: " + rs);
            assertEquals(Events.READ, rs.eventsOf(sp[0]), () -> rs.toString());
            m.unregister(sp[0]);
        }
    }

    /**
     * A connected TCP pair over 127.0.0.1: {client, server}, both non-blocking, both tracked
     * (the listener is closed before returning).
     */
    static int[] tcpPair(Res r) throws IOException {
        int listener = Sockets.listen(Sockets.LOOPBACK, 0, 16, false, false);
        try {
            int client = r.track(Sockets.tcpSocket(false));
            assertTrue(Sockets.connect(client, Sockets.LOOPBACK, Sockets.localPort(listener)));
            Fds.setNonBlocking(client, true);
            int server = r.track(Sockets.accept(listener, true));
            return new int[] {client, server};
        } finally {
            Fds.close(listener);
        }
    }

    static long millisSince(long startNanos) {
        return (System.nanoTime() - startNanos) / 1_000_000;
    }
}
