package dev.muxlab.lab.experiments.trigger;

import static org.junit.jupiter.api.Assertions.*;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import dev.muxlab.Trigger;
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
        assertEquals(1, r.get(TriggerFigures.ET_NODRAIN_WAKEUPS), "the ET reader taking 1 KiB per wakeup");
        // ET, reading until a short read: 65 reads per 64 KiB + 100 B message (the last one short), no EAGAIN
        // read, and the second message wakes it again: on a stream socket the short read emptied the queue
        assertEquals(0, r.get(TriggerFigures.ET_SHORTREAD_STALLED));
        assertEquals(2, r.get(TriggerFigures.ET_SHORTREAD_WAKEUPS));
        assertEquals(2 * 65, r.get(TriggerFigures.ET_SHORTREAD_READS));
        Table a = table(r, "(a)");
        assertTrue(a.note.startsWith("Measured: LT, 1 KiB per wakeup: 64 wakeups and 64 read calls for 64 KiB"),
                a.note);
        assertTrue(a.note.contains("ET, read until a short read per wakeup: 2 wakeups and 130 read calls for"
                + " 2 x 65636 B, everything read, woken for every message"), a.note);

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
        assertTrue(r.summary.size() >= 2 && r.summary.size() <= 5, r.summary.toString());
    }

    /** The readers of (a) report what they did, stalls included, and the note says it from their numbers. */
    @Test
    void readersReportStallsAndTheNoteFollowsTheNumbers() throws Exception {
        TriggerExperiment.ReadRun stall = TriggerExperiment.readMessages(Trigger.EDGE, TriggerExperiment.Reader.ONE_READ,
                4096, 2, 20);
        assertTrue(stall.stalled());
        assertEquals(1, stall.wakeups());
        assertEquals(3072, stall.bytesLeft());
        assertEquals(1024, stall.bytesRead(), "no second message after a stall");
        TriggerExperiment.ReadRun lt = TriggerExperiment.readMessages(Trigger.LEVEL,
                TriggerExperiment.Reader.UNTIL_SHORT, 4096 + 1, 2, 20);
        assertFalse(lt.stalled());
        assertEquals(2, lt.wakeups());
        assertEquals(2 * 5, lt.reads());
        assertEquals(0, lt.eagainReads());
        String note = TriggerExperiment.noteA(List.of(stall, lt), 20);
        assertTrue(note.startsWith("Measured: ET, 1 KiB per wakeup: 1 wakeup and 1 read call for 2 x 4 KiB, then a"
                + " wait timed out after 20 ms with 3072 bytes queued (stalled); LT, read until a short read per"
                + " wakeup: 2 wakeups and 10 read calls for 2 x 4097 B, everything read, woken for every message."),
                note);
        assertEquals("", TriggerExperiment.noteA(List.of(), 20));
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
