package dev.muxlab.lab.server;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;

import dev.muxlab.Backend;
import dev.muxlab.Errno;
import dev.muxlab.Events;
import dev.muxlab.Fds;
import dev.muxlab.Multiplexer;
import dev.muxlab.NativeException;
import dev.muxlab.ReadySet;
import dev.muxlab.Sockets;

/** A raw-fd TCP client for tests: every wait is bounded, so a broken server fails, never hangs. */
final class TestClient implements AutoCloseable {
    final int fd;
    // separate waits for reading and writing, so one thread may send while another receives
    private final Multiplexer mux = Multiplexer.open(Backend.EPOLL);
    private final ReadySet ready = new ReadySet(4);
    private final Multiplexer wmux = Multiplexer.open(Backend.EPOLL);
    private final ReadySet wready = new ReadySet(4);
    private final ByteBuffer buf = ByteBuffer.allocateDirect(64 * 1024);
    private boolean eof;

    TestClient(int port) throws IOException {
        this();
        connect(port);
    }

    /** A client whose fds are all open but which is not connected yet (see {@link #connect}). */
    TestClient() throws IOException {
        fd = Sockets.tcpSocket(true);
    }

    /** Connects; opens no fd (so it works at the fd limit). */
    void connect(int port) throws IOException {
        if (!Sockets.connect(fd, Sockets.LOOPBACK, port)) {
            mux.register(fd, Events.WRITE);
            if (mux.await(ready, 5000) == 0) {
                throw new IOException("connect timed out");
            }
            mux.unregister(fd);
            Sockets.finishConnect(fd);
        }
    }

    void send(byte[] data) throws IOException {
        ByteBuffer b = ByteBuffer.allocateDirect(data.length);
        b.put(data).flip();
        long deadline = System.nanoTime() + 10_000_000_000L;
        while (b.hasRemaining()) {
            if (Fds.write(fd, b) == 0 && !waitFor(Events.WRITE, deadline)) {
                throw new IOException("send timed out with " + b.remaining() + " bytes unsent");
            }
        }
    }

    void send(String s) throws IOException {
        send(s.getBytes(StandardCharsets.ISO_8859_1));
    }

    /**
     * Sends zeros and never reads, until the server gives up on the connection: a write fails
     * (ECONNRESET or EPIPE; other errors propagate). A server that neither reads nor closes makes
     * this time out. Returns the bytes sent.
     *
     * @throws IOException "still open" when the connection outlived timeoutMillis
     */
    long floodUntilClosed(long timeoutMillis) throws IOException {
        ByteBuffer zeros = ByteBuffer.allocateDirect(64 * 1024);
        long sent = 0;
        long deadline = System.nanoTime() + timeoutMillis * 1_000_000L;
        for (;;) {
            zeros.clear();
            int n;
            try {
                n = Fds.write(fd, zeros);
            } catch (NativeException e) {
                if (e.is(Errno.ECONNRESET) || e.is(Errno.EPIPE)) {
                    return sent;
                }
                throw e;
            }
            sent += n;
            if (n == 0 && !waitFor(Events.WRITE, deadline)) { // an error or hangup also wakes it
                throw new IOException("still open after " + timeoutMillis + " ms, " + sent + " bytes sent");
            }
        }
    }

    /** Reads exactly n bytes (fewer only at EOF) within timeoutMillis. */
    byte[] recv(int n, long timeoutMillis) throws IOException {
        ByteArrayOutputStream acc = new ByteArrayOutputStream();
        long deadline = System.nanoTime() + timeoutMillis * 1_000_000L;
        while (acc.size() < n && !eof) {
            buf.clear().limit(Math.min(buf.capacity(), n - acc.size()));
            int r = Fds.read(fd, buf);
            if (r < 0) {
                eof = true;
            } else if (r == 0) {
                if (!waitFor(Events.READ, deadline)) {
                    break;
                }
            } else {
                byte[] chunk = new byte[r];
                buf.flip().get(chunk);
                acc.write(chunk, 0, r);
            }
        }
        return acc.toByteArray();
    }

    /** Reads until EOF (or timeout); returns what came. */
    byte[] recvUntilEof(long timeoutMillis) throws IOException {
        return recv(Integer.MAX_VALUE, timeoutMillis);
    }

    /** Reads until the text contains marker count times (HTTP responses), or timeout. */
    String recvText(String endMarker, int count, long timeoutMillis) throws IOException {
        StringBuilder sb = new StringBuilder();
        long deadline = System.nanoTime() + timeoutMillis * 1_000_000L;
        while (occurrences(sb, endMarker) < count && !eof && System.nanoTime() < deadline) {
            buf.clear();
            int r = Fds.read(fd, buf);
            if (r < 0) {
                eof = true;
            } else if (r == 0) {
                waitFor(Events.READ, deadline);
            } else {
                byte[] chunk = new byte[r];
                buf.flip().get(chunk);
                sb.append(new String(chunk, StandardCharsets.ISO_8859_1));
            }
        }
        return sb.toString();
    }

    static int occurrences(CharSequence s, String marker) {
        int n = 0;
        for (int i = s.toString().indexOf(marker); i >= 0; i = s.toString().indexOf(marker, i + marker.length())) {
            n++;
        }
        return n;
    }

    /** True when the server closed the connection (EOF or reset) within timeoutMillis. */
    boolean closedByPeer(long timeoutMillis) throws IOException {
        long deadline = System.nanoTime() + timeoutMillis * 1_000_000L;
        while (!eof) {
            buf.clear();
            int r;
            try {
                r = Fds.read(fd, buf);
            } catch (NativeException e) {
                return true; // ECONNRESET
            }
            if (r < 0) {
                eof = true;
            } else if (r == 0 && !waitFor(Events.READ, deadline)) {
                return false;
            }
        }
        return true;
    }

    boolean eof() {
        return eof;
    }

    private boolean waitFor(int events, long deadline) throws IOException {
        long left = (deadline - System.nanoTime()) / 1_000_000L;
        if (left <= 0) {
            return false;
        }
        Multiplexer m = events == Events.WRITE ? wmux : mux;
        m.register(fd, events);
        try {
            return m.await(events == Events.WRITE ? wready : ready, left) > 0;
        } finally {
            m.unregister(fd);
        }
    }

    void resetOnClose() throws IOException {
        Sockets.setLinger(fd, true, 0);
    }

    @Override
    public void close() {
        Fds.closeQuietly(fd);
        mux.close();
        wmux.close();
    }
}
