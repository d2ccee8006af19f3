package dev.muxlab.lab.verdict;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

import dev.muxlab.lab.verdict.Spread.Order;

class SpreadTest {

    @Test
    void medianMinMax() {
        Spread s = Spread.of(3, 1, 2);
        assertEquals(2, s.median());
        assertEquals(1, s.min());
        assertEquals(3, s.max());
        assertEquals(3, s.n());
        assertEquals(2.5, Spread.of(4, 1, 2, 3).median());
        assertTrue(s.hasSpread());
        assertFalse(Spread.single(5).hasSpread());
        assertEquals(1.0, s.relativeRange(), 1e-9);
    }

    @Test
    void ordersOnlyBeyondTheSpread() {
        Spread a = Spread.of(10, 11, 12);
        assertEquals(Order.ABOVE, a.compareTo(Spread.of(5, 6, 9), 1.0));
        assertEquals(Order.BELOW, a.compareTo(Spread.of(13, 14), 1.0));
        assertEquals(Order.OVERLAP, a.compareTo(Spread.of(9, 10.5), 1.0));
        assertEquals(Order.OVERLAP, a.compareTo(Spread.of(5, 6, 9), 1.5), "12 is not above 1.5 x 9");
        assertEquals(Order.ABOVE, a.against(9.9));
        assertEquals(Order.OVERLAP, a.against(11));
        assertEquals(Order.BELOW, a.against(12.5));
        assertEquals(Order.ABOVE, Spread.single(2).compareTo(Spread.single(1), 1.0));
    }

    @Test
    void badSpreadsAreRefused() {
        assertThrows(IllegalArgumentException.class, () -> Spread.of());
        assertThrows(IllegalArgumentException.class, () -> Spread.of(1, Double.NaN));
        assertThrows(IllegalArgumentException.class, () -> new Spread(5, 6, 7, 2));
        assertThrows(IllegalArgumentException.class, () -> new Spread(5, 5, 5, 0));
    }

    @Test
    void verdictTextStartsWithItsOutcome() {
        assertEquals("holds: x", Verdict.of(Outcome.HOLDS, "x").text());
        assertEquals("inconclusive", Verdict.of(Outcome.INCONCLUSIVE, "").text());
        assertThrows(IllegalArgumentException.class, () -> new Verdict(Outcome.HOLDS, "holds? no: does not"
                .substring(6)));
        assertTrue(Verdict.of(Outcome.HOLDS, null).holds());
        assertFalse(Verdict.of(Outcome.DEPENDS, "on load").holds());
    }
}
