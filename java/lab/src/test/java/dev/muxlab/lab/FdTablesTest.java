package dev.muxlab.lab;

import static org.junit.jupiter.api.Assertions.*;

import org.junit.jupiter.api.Test;

class FdTablesTest {
    @Test
    void growsByDoublingOnlyWhenTheFdDoesNotFitAndKeepsEntries() {
        String[] t = new String[4];
        t[3] = "three";
        assertSame(t, FdTables.fit(t, 3), "fd 3 fits in 4 slots");
        String[] g = FdTables.fit(t, 4);
        assertEquals(8, g.length);
        assertEquals("three", g[3]);
        assertEquals(32, FdTables.fit(t, 17).length);
        assertEquals(1, FdTables.fit(new String[0], 0).length);

        int[] i = {7, 8};
        assertSame(i, FdTables.fit(i, 1));
        int[] ig = FdTables.fit(i, 1000);
        assertEquals(1024, ig.length);
        assertEquals(8, ig[1]);
        assertEquals(0, ig[1000]);

        long[] l = {5L};
        assertSame(l, FdTables.fit(l, 0));
        long[] lg = FdTables.fit(l, 2);
        assertEquals(4, lg.length);
        assertEquals(5L, lg[0]);
        assertEquals(0L, lg[2]);
    }
}
