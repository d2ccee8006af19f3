package dev.muxlab.lab.experiments.trigger;

import static org.junit.jupiter.api.Assertions.*;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import dev.muxlab.lab.report.Contexts;
import dev.muxlab.lab.report.ExperimentContext;
import dev.muxlab.lab.report.ExperimentResult;
import dev.muxlab.lab.report.Table;
import dev.muxlab.lab.testutil.OpenFds;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** trigger's kernel facts, checked through its figures; its filters; no leaked fds. */
class TriggerExperimentTest {

    private static ExperimentContext quick(Path dir, String backend, String trigger) {
        return Contexts.quick(dir, backend, trigger);
    }

    private static Table table(ExperimentResult r, String titleStart) {
        return r.tables.stream().filter(t -> t.title.startsWith(titleStart)).findFirst()
                .orElseThrow(() -> new AssertionError("no table " + titleStart));
    }

    @Test
    void levelVersusEdgeOneshotAndWaiters(@TempDir Path dir) throws Exception {
        Map<Integer, String> fdsBefore = OpenFds.snapshot();
        long t0 = System.nanoTime();
        ExperimentResult r = new TriggerExperiment().run(quick(dir, null, null));
        double seconds = (System.nanoTime() - t0) / 1e9;
        OpenFds.assertNoneLeaked(fdsBefore, "run");
        for (Table t : r.tables) {
            System.out.print(t.toText());
        }
        System.out.println(r.figures);
        assertTrue(seconds < 5, "trigger took " + seconds + " s");

        // (a) LT reports on every wait, ET once; 64 reads of 1 KiB, plus the EAGAIN one when draining
        assertEquals(64, r.get("trigger.a.lt.wakeups"));
        assertEquals(64, r.get("trigger.a.lt.reads"));
        assertEquals(1, r.get("trigger.a.et.wakeups"));
        assertEquals(65, r.get("trigger.a.et.reads"));
        assertTrue(r.get("trigger.a.lt.wakeups") > r.get("trigger.a.et.wakeups"));
        assertEquals(1024, r.get("trigger.a.et_nodrain.bytes_read"));
        assertEquals(64 * 1024 - 1024, r.get("trigger.a.et_nodrain.bytes_left"));

        // (b) the ET reader that does not drain stalls with bytes queued; draining fixes it
        assertEquals(1, r.get("trigger.b.stalled"));
        assertEquals(3 * 1024, r.get("trigger.b.queued_bytes"));
        assertEquals(1, r.get("trigger.b.drain_fixed"));

        // (c) ONESHOT: once, then nothing while disarmed, once more after modify; ADD again is EEXIST
        assertEquals(1, r.get("trigger.c.first"));
        assertEquals(0, r.get("trigger.c.while_disarmed"));
        assertEquals(1, r.get("trigger.c.after_rearm"));
        assertEquals(1, r.get("trigger.c.reregister_eexist"));

        // (d) every event wakes, and is reported to, at least one of the two waiters and never more than two
        for (String k : List.of("lt", "et", "shared_instances", "exclusive")) {
            for (String f : List.of("woken", "reported")) {
                double v = r.get("trigger.d." + k + "." + f);
                assertTrue(v >= 1 && v <= 2, k + "." + f + ": " + v);
            }
        }
        // ET on one instance delivers the event once; LT wakes the second waiter too (wakeup chain);
        // EXCLUSIVE wakes fewer of two instances than plain registrations
        assertEquals(1, r.get("trigger.d.et.reported"));
        assertTrue(r.get("trigger.d.lt.woken") > r.get("trigger.d.et.woken"), r.figures.toString());
        assertTrue(r.get("trigger.d.shared_instances.woken") > r.get("trigger.d.exclusive.woken"), r.figures.toString());
        assertEquals(4, table(r, "(d)").rows.size());
        assertTrue(r.summary.size() >= 2 && r.summary.size() <= 4, r.summary.toString());
    }

    @Test
    void triggerFilterKeepsOnlyThoseRows(@TempDir Path dir) throws Exception {
        Map<Integer, String> fdsBefore = OpenFds.snapshot();
        ExperimentResult r = new TriggerExperiment().run(quick(dir, "epoll", "lt"));
        OpenFds.assertNoneLeaked(fdsBefore, "run");
        for (List<String> row : table(r, "(a)").rows) {
            assertEquals("LT", row.get(0));
        }
        assertFalse(Double.isNaN(r.get("trigger.a.lt.wakeups")));
        assertTrue(Double.isNaN(r.get("trigger.a.et.wakeups")));
        assertTrue(Double.isNaN(r.get("trigger.b.stalled")), "(b) is about ET only");
        assertTrue(r.tables.stream().noneMatch(t -> t.title.startsWith("(b)")));
        assertTrue(Double.isNaN(r.get("trigger.d.et.woken")));
        for (List<String> row : table(r, "(d)").rows) {
            assertFalse(row.get(1).contains("EDGE"), row.toString());
        }

        ExperimentResult e = new TriggerExperiment().run(quick(dir, null, "et"));
        OpenFds.assertNoneLeaked(fdsBefore, "run");
        for (List<String> row : table(e, "(a)").rows) {
            assertEquals("ET", row.get(0));
        }
        assertTrue(Double.isNaN(e.get("trigger.a.lt.wakeups")));
        assertEquals(1, e.get("trigger.b.stalled"));
        assertEquals(1, e.get("trigger.c.after_rearm"));
        for (List<String> row : table(e, "(d)").rows) {
            assertTrue(row.get(1).contains("EDGE"), row.toString());
        }
    }

    @Test
    void otherBackendsAreRefused(@TempDir Path dir) {
        for (String b : List.of("select", "select-wide", "poll")) {
            IllegalArgumentException ex = assertThrows(IllegalArgumentException.class,
                    () -> new TriggerExperiment().run(quick(dir, b, null)));
            assertTrue(ex.getMessage().startsWith("trigger: only the epoll backend has edge-triggered mode; --backend "),
                    ex.getMessage());
        }
    }
}
