package dev.muxlab.lab.experiments.claims;

import static org.junit.jupiter.api.Assertions.*;

import java.nio.file.Path;
import java.util.List;

import dev.muxlab.Backend;
import dev.muxlab.Trigger;
import dev.muxlab.lab.experiments.fdlimit.FdLimitExperiment;
import dev.muxlab.lab.experiments.fdlimit.FdLimitFigures;
import dev.muxlab.lab.experiments.trigger.TriggerExperiment;
import dev.muxlab.lab.experiments.trigger.TriggerFigures;
import dev.muxlab.lab.report.Contexts;
import dev.muxlab.lab.report.ExperimentContext;
import dev.muxlab.lab.report.ExperimentResult;

import org.junit.jupiter.api.Test;

/** Verdicts from figures published under the experiments' own names; nothing guessed without them. */
class ClaimsExperimentTest {

    @Test
    void verdictsFollowThePublishedFigures() {
        ExperimentContext ctx = Contexts.quick(Path.of("unused"), null, null);
        ExperimentResult none = new ClaimsExperiment().run(ctx);
        assertEquals(0, none.get(ClaimsExperiment.MEASURED));
        for (List<String> row : none.tables.get(0).rows) {
            assertTrue(row.get(4).startsWith("not measured"), row.toString());
        }

        ctx.done.put(FdLimitExperiment.NAME, new ExperimentResult(FdLimitExperiment.NAME, "t")
                .figure(FdLimitFigures.maxFd(Backend.SELECT), 1023).figure(FdLimitFigures.count(Backend.SELECT), 1010)
                .figure(FdLimitFigures.maxFd(Backend.SELECT_WIDE), 19_990));
        ctx.done.put(TriggerExperiment.NAME, new ExperimentResult(TriggerExperiment.NAME, "t")
                .figure(TriggerFigures.wakeups(Trigger.LEVEL), 64).figure(TriggerFigures.wakeups(Trigger.EDGE), 1)
                .figure(TriggerFigures.STALLED, 1).figure(TriggerFigures.DRAIN_FIXED, 1));
        ExperimentResult r = new ClaimsExperiment().run(ctx);
        assertEquals(2, r.get(ClaimsExperiment.MEASURED));
        assertEquals(2, r.get(ClaimsExperiment.HOLDS));
        List<String> select = r.tables.get(0).rows.get(0);
        assertEquals("select can watch at most 1024 fds", select.get(0));
        assertTrue(select.get(4).startsWith("holds for glibc's FD_SETSIZE"), select.toString());
        assertEquals(List.of("select can watch at most 1024 fds", "holds for glibc's FD_SETSIZE (fd numbers 0..1023), not"
                + " for the kernel"), r.console.rows.get(0));
    }
}
