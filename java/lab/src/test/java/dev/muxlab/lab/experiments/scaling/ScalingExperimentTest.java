package dev.muxlab.lab.experiments.scaling;

import static org.junit.jupiter.api.Assertions.*;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import dev.muxlab.Backend;
import dev.muxlab.Trigger;
import dev.muxlab.lab.experiments.LevelRead;
import dev.muxlab.lab.report.Contexts;
import dev.muxlab.lab.report.ExperimentContext;
import dev.muxlab.lab.report.ExperimentResult;
import dev.muxlab.lab.testutil.OpenFds;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The scaling experiment against the real kernel: a quick run draws valid charts, measures
 * poll's cost growing with N while epoll's stays flat (also for a wait that blocks), publishes
 * the figures the claims read, honours --backend and leaks no fd.
 */
class ScalingExperimentTest {

    private static ExperimentContext ctx(Path dir, String backend, String trigger) {
        return Contexts.quick(dir, backend, trigger);
    }

    @Test
    void quickRunShowsPollLinearEpollFlatAndLeaksNothing(@TempDir Path tmp) throws Exception {
        ScalingExperiment exp = new ScalingExperiment();
        Path all = tmp.resolve("all");
        long t0 = System.nanoTime();
        ExperimentResult r = exp.run(ctx(all, null, null));
        System.out.printf("quick scaling run: %.1f s%n", (System.nanoTime() - t0) / 1e9);
        Contexts.print(r);

        // charts: one per A, valid PNGs, listed in the result
        assertEquals(List.of("scaling-a1.png", "scaling-a100.png", "scaling-blocking.png"), r.charts);
        for (String c : r.charts) {
            byte[] png = Files.readAllBytes(all.resolve(c));
            assertTrue(png.length > 1000, c + " has content");
            assertArrayEquals(new byte[] {(byte) 0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'},
                    java.util.Arrays.copyOf(png, 8), c + " is a PNG");
        }
        assertTrue(Files.readString(all.resolve("scaling.csv")).startsWith("backend,N,A,Java ns/iter,C ns/iter,Java/C"));

        // the kernel facts: poll pays for every watched fd, epoll for the ready ones
        double poll = r.get("scaling.poll.a1.slope");
        double epoll = r.get("scaling.epoll-lt.a1.slope");
        assertTrue(poll > 0.5, "poll's cost grows ~linearly with N at A=1: slope " + poll);
        assertTrue(epoll < 0.4, "epoll's cost stays ~flat with N at A=1: slope " + epoll);
        assertTrue(r.get("scaling.poll.a1.growth") > 10, "poll cost x" + r.get("scaling.poll.a1.growth"));

        // the figures the claims experiment and the report read
        for (ScalingRow row : ScalingRow.ALL) {
            if (LevelRead.refusal(row.backend()) != null) {
                assertFalse(r.figures.keySet().stream().anyMatch(k -> k.startsWith("scaling." + row.id() + ".")),
                        row + " refuses level-triggered READ: left out");
                continue;
            }
            String b = row.id();
            for (int a : new int[] {1, 100}) {
                String base = "scaling." + b + ".a" + a;
                assertTrue(r.figures.containsKey(base + ".slope"), base + ".slope");
                assertTrue(r.figures.containsKey(base + ".growth"), base + ".growth");
                assertTrue(r.figures.containsKey(base + ".n200.ns") || r.figures.containsKey(base + ".n10.ns"), base);
            }
            assertTrue(r.get("scaling." + b + ".a1.n10.ns") > 0, b + " N=10");
            assertTrue(r.figures.containsKey("scaling." + b + ".a1.c.n10.ns"), b + " C N=10");
        }
        assertTrue(r.get("scaling.poll.a1.n4000.ns") > 0);
        assertFalse(r.figures.containsKey("scaling.select.a1.n4000.ns"), "select stops below FD_SETSIZE");
        assertTrue(r.figures.containsKey("scaling.crossover.a1"));
        assertTrue(r.figures.containsKey("scaling.crossover.a100"));
        assertTrue(r.figures.containsKey("scaling.ratio.median"));
        assertTrue(r.summary.containsKey("poll slope (A=1)"));
        assertTrue(r.summary.containsKey("Java/C median"));
        // the C reference ran (it is built from this source tree if missing)
        double ratio = r.get("scaling.ratio.median");
        assertTrue(ratio > 0.3 && ratio < 10, "Java/C median " + ratio);
        assertTrue(r.get("scaling.poll.a1.c.n1000.ns") > r.get("scaling.poll.a1.c.n10.ns"));

        // a wait that blocks: figures for every backend that ran (quick mode leaves select-wide out)
        for (String b : List.of("select", "poll", "epoll")) {
            String base = "scaling.blocking." + b;
            assertTrue(r.get(base + ".n10.ns") > 0, base + ".n10.ns");
            assertTrue(r.get(base + ".n10.wall_ns") > 0, base + ".n10.wall_ns");
            assertTrue(r.figures.containsKey(base + ".per_fd_ns"), base + ".per_fd_ns");
            assertTrue(r.get(base + ".growth") > 0, base + ".growth");
        }
        assertFalse(r.figures.containsKey("scaling.blocking.select-wide.n10.ns"), "quick: no select-wide");
        assertTrue(r.get("scaling.blocking.poll.per_fd_ns") > 0, "poll pays per watched fd when it blocks");
        // generous ratios only: poll pays for every idle fd on every wakeup, epoll does not
        double poll10 = r.get("scaling.blocking.poll.n10.ns");
        double poll1000 = r.get("scaling.blocking.poll.n1000.ns");
        assertTrue(poll1000 > 1.5 * poll10, "blocking poll N=1000 " + poll1000 + " ns vs N=10 " + poll10);
        double epoll10 = r.get("scaling.blocking.epoll.n10.ns");
        double epoll1000 = r.get("scaling.blocking.epoll.n1000.ns");
        assertTrue(epoll1000 < 3 * epoll10, "blocking epoll N=1000 " + epoll1000 + " ns vs N=10 " + epoll10);
        assertTrue(r.get("scaling.blocking.poll.over_nonblocking") > 0);
        assertTrue(r.summary.containsKey("poll cost per watched fd, blocking vs never-blocking"));
        assertTrue(Files.readString(all.resolve("scaling-blocking.csv")).startsWith("backend,N,CPU us/wakeup"));

        // --backend poll: only poll rows; and no fd is left open afterwards
        Map<Integer, String> fdsBefore = OpenFds.snapshot();
        ExperimentResult p = exp.run(ctx(tmp.resolve("poll"), "poll", null));
        OpenFds.assertNoneLeaked(fdsBefore, "--backend poll run");
        assertFalse(p.tables.get(0).rows.isEmpty());
        for (List<String> row : p.tables.get(0).rows) {
            assertEquals("poll", row.get(0));
        }
        for (String k : p.figures.keySet()) {
            assertTrue(k.startsWith("scaling.poll.") || k.startsWith("scaling.blocking.poll.")
                    || k.startsWith("scaling.crossover.") || k.equals("scaling.ratio.median")
                    || k.equals("scaling.wall_over_cpu.median"), "only poll figures: " + k);
        }
        assertTrue(Double.isNaN(p.get("scaling.crossover.a1")), "no epoll, no crossover");
        assertTrue(p.get("scaling.blocking.poll.n1000.ns") > 0, "--backend poll: blocking part ran for poll");
    }

    @Test
    void badSettingsNameTheAllowedValues(@TempDir Path tmp) {
        ScalingExperiment exp = new ScalingExperiment();
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> ctx(tmp, "kqueue", null));
        assertTrue(e.getMessage().contains("allowed: select, select-wide, poll, epoll"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> exp.run(ctx(tmp, "poll", "et")));
        assertTrue(e.getMessage().contains("epoll backend only"), e.getMessage());
        String old = System.getProperty(ScalingExperiment.N_PROPERTY);
        try {
            System.setProperty(ScalingExperiment.N_PROPERTY, "100000000");
            e = assertThrows(IllegalArgumentException.class, () -> exp.run(ctx(tmp, "poll", null)));
            assertTrue(e.getMessage().contains("RLIMIT_NOFILE"), e.getMessage());
            System.setProperty(ScalingExperiment.N_PROPERTY, "10,x");
            e = assertThrows(IllegalArgumentException.class, () -> exp.run(ctx(tmp, "poll", null)));
            assertTrue(e.getMessage().contains(ScalingExperiment.N_PROPERTY), e.getMessage());
        } finally {
            if (old == null) {
                System.clearProperty(ScalingExperiment.N_PROPERTY);
            } else {
                System.setProperty(ScalingExperiment.N_PROPERTY, old);
            }
        }
    }

    @Test
    void blockingWakeupRunThatCannotFinishEndsItsThreadsAndLeaksNothing() throws Exception {
        Map<Integer, String> fdsBefore = OpenFds.snapshot();
        try (ScalingWake w = new ScalingWake(Backend.POLL, 10, Trigger.LEVEL)) {
            ScalingWake.Run ok = w.run(10, 50, 20_000, 10_000);
            assertEquals(50, ok.rounds());
            assertTrue(ok.wallNsPerRound() > 0);
            ScalingWake broken = w;
            // far more rounds than fit in the time limit: both threads must be unblocked and end
            long t0 = System.nanoTime();
            IllegalStateException e = assertThrows(IllegalStateException.class,
                    () -> broken.run(0, Integer.MAX_VALUE / 2, 0, 300));
            assertTrue(e.getMessage().contains("did not finish"), e.getMessage());
            assertTrue((System.nanoTime() - t0) / 1e9 < 5, "gave up promptly");
        }
        for (Thread t : Thread.getAllStackTraces().keySet()) {
            assertFalse(t.getName().startsWith("scaling-wake") && t.isAlive(), "thread left running: " + t);
        }
        OpenFds.assertNoneLeaked(fdsBefore, "blocking wakeup run");
    }

    @Test
    void slopeAndCrossoverArithmetic() {
        assertEquals(1.0, ScalingStats.logLogSlope(List.of(new double[] {10, 5}, new double[] {100, 50},
                new double[] {1000, 500})), 1e-9);
        assertEquals(0.0, ScalingStats.logLogSlope(List.of(new double[] {10, 7}, new double[] {1000, 7})), 1e-9);
        assertTrue(Double.isNaN(ScalingStats.logLogSlope(List.of(new double[] {10, 7}))));
        // {N, poll, epoll}: epoll cheaper from index 2 on (index 0 does not count: poll wins again at 1)
        assertEquals(2, ScalingStats.crossoverIndex(List.of(new double[] {10, 5, 4}, new double[] {30, 5, 6},
                new double[] {100, 9, 6}, new double[] {300, 20, 6})));
        assertEquals(-1, ScalingStats.crossoverIndex(List.of(new double[] {10, 5, 6}, new double[] {30, 5, 6})));
        assertEquals(8700, ScalingExperiment.roundTwoDigits(8734));
        assertEquals(50, ScalingExperiment.roundTwoDigits(50));
        assertEquals(2.5, ScalingStats.linearSlope(List.of(new double[] {10, 100}, new double[] {110, 350},
                new double[] {1010, 2600})), 1e-9);
        assertTrue(Double.isNaN(ScalingStats.linearSlope(List.of(new double[] {10, 7}))));
    }
}
