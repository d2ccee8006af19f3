package dev.muxlab.peers;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;

import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Starts every peer in this JVM on an ephemeral loopback port and talks HTTP to it over a real
 * socket: keep-alive, pipelining, a terminator split across writes; the response bytes must be
 * the floors' 44 bytes exactly. An io_uring peer is skipped, with Netty's reason, where io_uring
 * is unavailable.
 */
class PeerTest {
    private static final byte[] EXPECTED = "HTTP/1.1 200 OK\r\nContent-Length: 6\r\n\r\nhello\n"
            .getBytes(StandardCharsets.US_ASCII);
    private static final String REQ = "GET / HTTP/1.1\r\nHost: muxlab\r\n\r\n";

    @ParameterizedTest(name = "{0} {1}")
    @CsvSource({"epoll, raw", "epoll, codec", "io_uring, raw", "io_uring, codec"})
    void answersKeepAliveAndPipelinedRequests(String transport, String handler) throws Exception {
        Transport t = Transport.byName(transport);
        String why = t.unavailability();
        if (why != null) {
            System.err.println("PeerTest: skipping the " + transport + " peer: unavailable here: " + why);
        }
        Assumptions.assumeTrue(why == null, () -> "Netty " + transport + " unavailable here: " + why);
        try (Peer peer = Peer.start(t, Handler.byName(handler), "127.0.0.1", 0);
             Socket s = new Socket()) {
            assertTrue(peer.port() > 0);
            s.connect(new InetSocketAddress("127.0.0.1", peer.port()), 5000);
            s.setSoTimeout(5000);
            OutputStream out = s.getOutputStream();
            InputStream in = s.getInputStream();

            out.write(REQ.getBytes(StandardCharsets.US_ASCII));
            out.flush();
            assertResponses(in, 1);

            // keep-alive: the same connection, two pipelined requests and most of a third
            String burst = REQ + REQ + REQ.substring(0, REQ.length() - 1);
            out.write(burst.getBytes(StandardCharsets.US_ASCII));
            out.flush();
            assertResponses(in, 2);
            s.setSoTimeout(200);
            assertThrows(SocketTimeoutException.class, in::read, "no response before the request is complete");
            s.setSoTimeout(5000);
            out.write('\n');
            out.flush();
            assertResponses(in, 1);
        }
    }

    private static void assertResponses(InputStream in, int k) throws IOException {
        for (int i = 0; i < k; i++) {
            byte[] got = in.readNBytes(EXPECTED.length);
            assertArrayEquals(EXPECTED, got, () -> "response bytes: " + new String(got, StandardCharsets.US_ASCII));
        }
    }

    @Test
    void parsesTheCommandLine() {
        Main.Options o = Main.parse(new String[] {"--transport", "io_uring", "--handler", "codec", "--port", "0"});
        assertEquals(Transport.IO_URING, o.transport());
        assertEquals(Handler.CODEC, o.handler());
        assertEquals(0, o.port());
        assertEquals("127.0.0.1", o.host());
        assertNull(Main.parse(new String[] {"--help"}));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> Main.parse(new String[] {"--transport", "kqueue", "--handler", "raw"}));
        assertTrue(e.getMessage().contains("epoll, io_uring"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> Main.parse(new String[] {"--transport", "epoll"}));
        assertThrows(IllegalArgumentException.class,
                () -> Main.parse(new String[] {"--transport", "epoll", "--handler", "raw", "--bogus"}));
        assertThrows(IllegalArgumentException.class,
                () -> Main.parse(new String[] {"--transport", "epoll", "--handler", "raw", "--port", "70000"}));
    }
}
