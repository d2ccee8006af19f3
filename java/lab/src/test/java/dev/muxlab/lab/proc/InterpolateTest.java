package dev.muxlab.lab.proc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;

import org.junit.jupiter.api.Test;

/** The counter interpolation that the /proc sampler and the serve counter reader share. */
class InterpolateTest {
    private static double at(List<long[]> samples, long nanos) {
        return PeriodicSampler.interpolate(samples, nanos, s -> s[0], s -> s[1]);
    }

    @Test
    void linearBetweenSamplesAndHeldOutsideThem() {
        List<long[]> s = List.of(new long[] {100, 10}, new long[] {200, 30}, new long[] {400, 30});
        assertEquals(10, at(s, 50));
        assertEquals(10, at(s, 100));
        assertEquals(20, at(s, 150), 1e-9);
        assertEquals(25, at(s, 175), 1e-9);
        assertEquals(30, at(s, 300), 1e-9);
        assertEquals(30, at(s, 900));
    }

    @Test
    void unknownCountersAndNoSamplesAreNaN() {
        assertTrue(Double.isNaN(at(List.of(), 5)));
        List<long[]> s = List.of(new long[] {100, 10}, new long[] {200, -1});
        assertTrue(Double.isNaN(at(s, 150)));
        assertTrue(Double.isNaN(at(s, 300)));
        assertEquals(10, at(s, 100));
    }
}
