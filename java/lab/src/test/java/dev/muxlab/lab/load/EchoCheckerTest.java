package dev.muxlab.lab.load;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;

import org.junit.jupiter.api.Test;

class EchoCheckerTest {

    /** What connection {@code conn} sends as messages 0..count-1 of {@code size} bytes. */
    private static byte[] stream(int conn, int size, int count) {
        byte[] b = new byte[size * count];
        for (int m = 0; m < count; m++) {
            for (int o = 0; o < size; o++) {
                b[m * size + o] = Payload.expected(conn, m, o);
            }
        }
        return b;
    }

    @Test
    void everySplitPointIsTolerated() {
        int size = 37;
        byte[] s = stream(5, size, 3);
        for (int cut = 0; cut <= s.length; cut++) {
            EchoChecker c = new EchoChecker(5, size, 10, d -> { });
            int done = c.consume(s, 0, cut) + c.consume(s, cut, s.length - cut);
            assertEquals(3, done, "cut at " + cut);
            assertEquals(0, c.mismatched, "cut at " + cut);
        }
    }

    @Test
    void randomChunksAndLargeMessagesAcrossThePatternPeriod() {
        int size = Payload.PERIOD + 12345; // longer than the table: wraps around it
        byte[] s = stream(77, size, 2);
        Random r = new Random(1);
        EchoChecker c = new EchoChecker(77, size, 10, d -> { });
        int done = 0;
        for (int off = 0; off < s.length; ) {
            int n = Math.min(s.length - off, 1 + r.nextInt(70_000));
            done += c.consume(s, off, n);
            off += n;
        }
        assertEquals(2, done);
        assertEquals(0, c.mismatched);
        assertEquals(2, c.seq());
        assertEquals(0, c.offset());
    }

    @Test
    void aFlippedByteIsCountedAndDescribed() {
        int size = 64;
        byte[] s = stream(3, size, 4);
        s[2 * size + 10] ^= 0x01;
        s[3 * size + 63] ^= (byte) 0x80;
        List<String> samples = new ArrayList<>();
        EchoChecker c = new EchoChecker(3, size, 1, samples::add);
        for (int off = 0; off < s.length; off += 7) {
            c.consume(s, off, Math.min(7, s.length - off));
        }
        assertEquals(2, c.mismatched);
        assertEquals(1, samples.size(), "samples are capped");
        assertTrue(samples.get(0).startsWith("connection 3 message 2 byte 10: expected 0x"), samples.get(0));
    }

    @Test
    void messagesOfOneConnectionDifferAndConnectionsDiffer() {
        assertNotEquals(Payload.start(1, 0), Payload.start(1, 1));
        assertNotEquals(Payload.start(1, 0), Payload.start(2, 0));
        // a message delivered twice (or to the wrong connection) is caught
        byte[] m0 = stream(9, 256, 1);
        EchoChecker c = new EchoChecker(9, 256, 0, d -> { });
        c.consume(m0, 0, m0.length);
        c.consume(m0, 0, m0.length);
        assertTrue(c.mismatched > 200, "duplicate detected: " + c.mismatched);
    }
}
