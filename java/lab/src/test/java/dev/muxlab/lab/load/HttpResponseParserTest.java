package dev.muxlab.lab.load;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;

import org.junit.jupiter.api.Test;

class HttpResponseParserTest {
    private static final String OK = "HTTP/1.1 200 OK\r\nServer: muxlab\r\nContent-Type: text/plain\r\n"
            + "Content-Length: 18\r\n\r\nHello from muxlab\n";
    private static final String NOT_FOUND = "HTTP/1.1 404 Not Found\r\ncontent-length:  4\r\n\r\nnope";
    private static final String EMPTY = "HTTP/1.1 204 No Content\r\nContent-Length: 0\r\n\r\n";

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.US_ASCII);
    }

    @Test
    void pipelinedResponsesSplitAtEveryByte() {
        byte[] s = bytes(OK + NOT_FOUND + EMPTY + OK);
        long[] status = new long[600];
        HttpResponseParser p = new HttpResponseParser(status);
        int done = 0;
        for (int i = 0; i < s.length; i++) {
            int r = p.consume(s, i, 1);
            assertTrue(r >= 0, "byte " + i + ": " + p.error());
            done += r;
        }
        assertEquals(4, done);
        assertEquals(2, status[200]);
        assertEquals(1, status[404]);
        assertEquals(1, status[204]);
        assertEquals(2, p.non200);
        assertTrue(p.idle());
    }

    @Test
    void wholeStreamInOneRead() {
        byte[] s = bytes(OK + OK + OK);
        long[] status = new long[600];
        HttpResponseParser p = new HttpResponseParser(status);
        assertEquals(3, p.consume(s, 0, s.length));
        assertEquals(3, status[200]);
        assertEquals(0, p.non200);
    }

    @Test
    void garbageIsAProtocolError() {
        for (String bad : new String[] {"XTTP/1.1 200 OK\r\n\r\n", "HTTP/1.1 2x0 OK\r\nContent-Length: 0\r\n\r\n",
                "HTTP/1.1 200 OK\r\n\r\n", "HTTP/1.1 200 OK\r\nContent-Length: abc\r\n\r\n",
                "HTTP/1.1 200 OK\r\nno colon here\r\n\r\n"}) {
            HttpResponseParser p = new HttpResponseParser(new long[600]);
            byte[] b = bytes(bad);
            assertEquals(-1, p.consume(b, 0, b.length), bad);
            assertNotNull(p.error());
        }
    }
}
