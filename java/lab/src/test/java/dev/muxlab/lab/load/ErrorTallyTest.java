package dev.muxlab.lab.load;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;

import dev.muxlab.Errno;
import org.junit.jupiter.api.Test;

/** Errors counted by errno int, named only for display. */
class ErrorTallyTest {
    @Test
    void countsByCodeMergesAndNamesForDisplay() {
        ErrorTally a = new ErrorTally();
        assertTrue(a.isEmpty());
        a.count(Errno.ECONNRESET);
        a.count(Errno.ECONNRESET);
        a.count(ErrorTally.EOF);
        ErrorTally b = new ErrorTally();
        b.count(Errno.ECONNREFUSED);
        b.count(ErrorTally.PROTOCOL);
        b.count(Errno.ECONNRESET);
        a.addAll(b);
        assertEquals(3, a.get(Errno.ECONNRESET));
        assertEquals(1, a.get(Errno.ECONNREFUSED));
        assertEquals(1, a.get(ErrorTally.EOF));
        assertEquals(1, a.get(ErrorTally.PROTOCOL));
        assertEquals(0, a.get(Errno.ETIMEDOUT));
        Map<String, Long> names = a.byName();
        assertEquals(List.of("ECONNREFUSED", "ECONNRESET", "EOF", "PROTOCOL"), List.copyOf(names.keySet()),
                "sorted by name");
        assertEquals(3L, names.get("ECONNRESET"));
        assertEquals(1, b.get(Errno.ECONNRESET), "the source is unchanged");
    }

    @Test
    void closedByPeerIsEofResetOrBrokenPipe() {
        assertTrue(ErrorTally.closedByPeer(ErrorTally.EOF));
        assertTrue(ErrorTally.closedByPeer(Errno.ECONNRESET));
        assertTrue(ErrorTally.closedByPeer(Errno.EPIPE));
        assertFalse(ErrorTally.closedByPeer(Errno.ETIMEDOUT));
        assertFalse(ErrorTally.closedByPeer(ErrorTally.PROTOCOL));
    }
}
