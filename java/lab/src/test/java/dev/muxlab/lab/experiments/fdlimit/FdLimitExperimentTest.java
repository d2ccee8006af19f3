package dev.muxlab.lab.experiments.fdlimit;

import static org.junit.jupiter.api.Assertions.*;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import dev.muxlab.Backend;
import dev.muxlab.Errno;
import dev.muxlab.FdSetSizeException;
import dev.muxlab.Fds;
import dev.muxlab.NativeException;
import dev.muxlab.lab.report.Contexts;
import dev.muxlab.lab.report.ExperimentContext;
import dev.muxlab.lab.report.ExperimentResult;
import dev.muxlab.lab.report.Table;
import dev.muxlab.lab.testutil.OpenFds;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** fdlimit's kernel facts, checked through its figures, and that it leaves no fd behind. */
class FdLimitExperimentTest {

    private static ExperimentContext quick(Path dir, String backend) {
        return Contexts.quick(dir, backend, null);
    }

    private static Table table(ExperimentResult r, String titleStart) {
        return r.tables.stream().filter(t -> t.title.startsWith(titleStart)).findFirst()
                .orElseThrow(() -> new AssertionError("no table " + titleStart + " in " + r.tables));
    }

    private static List<String> row(Table t, String backend) {
        return t.rows.stream().filter(r -> r.get(0).equals(backend)).findFirst()
                .orElseThrow(() -> new AssertionError("no row " + backend + " in " + t.toText()));
    }

    @Test
    void everyBackendStopsWhereTheKernelOrGlibcSays(@TempDir Path dir) throws Exception {
        Map<Integer, String> fdsBefore = OpenFds.snapshot();
        int before = Fds.countOpen();
        ExperimentResult r = new FdLimitExperiment().run(quick(dir, null));
        OpenFds.assertNoneLeaked(fdsBefore, "run");

        double rlimit = r.get("fdlimit.rlimit");
        assertEquals(Fds.hardOpenFileLimit(), rlimit, "soft limit raised to the hard limit");
        assertEquals(Fds.openFileLimit(), rlimit);

        // classic select: fd numbers 0..1023, whatever the count
        assertEquals(1023, r.get("fdlimit.select.max_fd"));
        double selCount = r.get("fdlimit.select.count");
        assertTrue(selCount <= 1024 - before && selCount >= 1024 - before - 8, "select count " + selCount
                + " with " + before + " fds open before");
        Table sweep = table(r, "Registering");
        assertEquals("FD_SETSIZE at fd 1024", row(sweep, "select").get(3));
        assertEquals(FdLimitFigures.STOP_FD_SETSIZE, r.get(FdLimitFigures.stop(Backend.SELECT)));
        assertTrue(sweep.note.contains("select (highest fd 1023) stopped at glibc's FD_SETSIZE"), sweep.note);

        // wide select, poll, epoll: up to the fd limit, refused by EMFILE when opening the next fd
        assertTrue(r.get("fdlimit.select-wide.max_fd") > 1023);
        for (String b : List.of("select-wide", "poll", "epoll")) {
            String why = row(sweep, b).get(3);
            double max = r.get("fdlimit." + b + ".max_fd");
            double count = r.get("fdlimit." + b + ".count");
            double stop = r.get(FdLimitFigures.stop(Backend.fromId(b)));
            if (why.startsWith("stopped: quick-mode cap")) {
                assertEquals(FdLimitExperiment.QUICK_CAP, count, b);
                assertEquals(FdLimitFigures.STOP_CAP, stop, b);
            } else {
                assertTrue(why.startsWith("EMFILE"), b + ": " + why);
                assertEquals(FdLimitFigures.STOP_FD_LIMIT, stop, b);
                assertTrue(max >= rlimit - 100 && max < rlimit, b + " max fd " + max + " limit " + rlimit);
                assertTrue(count >= rlimit - 100 - before, b + " count " + count);
            }
        }

        // the low/high timing rows all exist and are positive
        for (String b : List.of("select-wide", "poll", "epoll")) {
            for (String set : List.of("low", "high")) {
                double ns = r.get("fdlimit." + b + "." + set + "_ns");
                assertTrue(ns > 0 && ns < 1e7, b + " " + set + " " + ns);
            }
        }
        assertFalse(r.summary.isEmpty());
        assertTrue(r.summary.size() <= 4, r.summary.toString());
    }

    /** Every stop reason the figure can carry, from the errors a sweep can end on. */
    @Test
    void stopCodesFollowTheErrorThatEndedTheSweep() {
        assertEquals(FdLimitFigures.STOP_FD_SETSIZE, FdLimitExperiment.stopCode(new FdSetSizeException(1024, "register"),
                null));
        assertEquals(FdLimitFigures.STOP_FD_LIMIT, FdLimitExperiment.stopCode(null,
                new NativeException(Errno.EMFILE, "eventfd")));
        assertEquals(FdLimitFigures.STOP_FD_LIMIT, FdLimitExperiment.stopCode(null,
                new NativeException(Errno.ENFILE, "eventfd")));
        assertEquals(FdLimitFigures.STOP_OTHER, FdLimitExperiment.stopCode(new NativeException(Errno.EPERM,
                "epoll_ctl"), null));
        assertEquals(FdLimitFigures.STOP_OTHER, FdLimitExperiment.stopCode(null, new NativeException(Errno.ENOMEM,
                "eventfd")));
    }

    @Test
    void backendFilterRunsOnlyThatBackend(@TempDir Path dir) throws Exception {
        Map<Integer, String> fdsBefore = OpenFds.snapshot();
        ExperimentResult r = new FdLimitExperiment().run(quick(dir, "select"));
        OpenFds.assertNoneLeaked(fdsBefore, "run");
        assertEquals(1023, r.get("fdlimit.select.max_fd"));
        assertTrue(Double.isNaN(r.get("fdlimit.epoll.max_fd")));
        assertTrue(Double.isNaN(r.get("fdlimit.select-wide.low_ns")));
        assertEquals(1, r.tables.size(), "no timing table without select-wide, poll or epoll");
        assertEquals(1, r.tables.get(0).rows.size());

        ExperimentResult e = new FdLimitExperiment().run(quick(dir, "epoll"));
        OpenFds.assertNoneLeaked(fdsBefore, "run");
        assertTrue(Double.isNaN(e.get("fdlimit.select.max_fd")));
        assertTrue(e.get("fdlimit.epoll.low_ns") > 0);
        assertTrue(Double.isNaN(e.get("fdlimit.poll.low_ns")));
    }
}
