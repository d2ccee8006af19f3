package dev.muxlab.lab.experiments.claims;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import dev.muxlab.Backend;
import dev.muxlab.Trigger;
import dev.muxlab.lab.experiments.fdlimit.FdLimitExperiment;
import dev.muxlab.lab.experiments.fdlimit.FdLimitFigures;
import dev.muxlab.lab.experiments.models.ModelsFigures;
import dev.muxlab.lab.experiments.models.ModelsFigures.CellFigure;
import dev.muxlab.lab.experiments.scaling.ScalingFigures;
import dev.muxlab.lab.experiments.scaling.ScalingRow;
import dev.muxlab.lab.experiments.trigger.TriggerFigures;
import dev.muxlab.lab.report.Contexts;
import dev.muxlab.lab.report.ExperimentContext;
import dev.muxlab.lab.report.ExperimentResult;
import dev.muxlab.lab.server.Model;
import dev.muxlab.lab.verdict.Claim;
import dev.muxlab.lab.verdict.Figures;
import dev.muxlab.lab.verdict.Outcome;
import dev.muxlab.lab.verdict.Spread;

/**
 * Every claim fed synthetic figures: each declared outcome is reached by some input, and no input
 * reaches an undeclared one. A claim with a branch no input reaches fails here.
 */
class ClaimsExperimentTest {

    /** A set of figures under construction. */
    static final class F {
        final Map<String, Spread> m = new HashMap<>();

        F put(String k, double v) {
            m.put(k, Spread.single(v));
            return this;
        }

        F put(String k, double... samples) {
            m.put(k, Spread.of(samples));
            return this;
        }

        Figures figures() {
            return Figures.of(m);
        }
    }

    static F f() {
        return new F();
    }

    /** Judges every input; checks each outcome it expects and that together they cover the declared set. */
    private static void covers(Claim c, Map<Outcome, F> cases) {
        Set<Outcome> reached = EnumSet.noneOf(Outcome.class);
        for (Map.Entry<Outcome, F> e : cases.entrySet()) {
            Claim.Judgement j = c.judge(e.getValue().figures());
            assertEquals(e.getKey(), j.verdict().outcome(), c.statement() + " with " + e.getValue().m + ": " + j);
            assertTrue(j.verdict().text().startsWith(e.getKey().label()), j.verdict().text());
            reached.add(j.verdict().outcome());
        }
        assertEquals(c.outcomes(), reached, "outcomes declared by '" + c.statement() + "' vs reached by the inputs");
        assertEquals(Outcome.NOT_MEASURED, c.judge(f().figures()).verdict().outcome(), "no figures: not measured");
    }

    private static Map<Outcome, F> cases(Object... kv) {
        Map<Outcome, F> m = new java.util.LinkedHashMap<>();
        for (int i = 0; i < kv.length; i += 2) {
            m.put((Outcome) kv[i], (F) kv[i + 1]);
        }
        return m;
    }

    @Test
    void selectLimit() {
        String max = FdLimitFigures.maxFd(Backend.SELECT);
        String stop = FdLimitFigures.stop(Backend.SELECT);
        String wide = FdLimitFigures.maxFd(Backend.SELECT_WIDE);
        covers(new SelectLimitClaim(), cases(
                Outcome.NOT_MEASURED, f().put(wide, 19_999),
                Outcome.HOLDS, f().put(max, 1023).put(stop, FdLimitFigures.STOP_FD_SETSIZE),
                Outcome.DEPENDS, f().put(max, 1023).put(stop, FdLimitFigures.STOP_FD_SETSIZE).put(wide, 19_999),
                Outcome.DOES_NOT_HOLD, f().put(max, 2047).put(stop, FdLimitFigures.STOP_FD_SETSIZE),
                Outcome.INCONCLUSIVE, f().put(max, 500).put(stop, FdLimitFigures.STOP_FD_LIMIT)));
        // a select that ran into the fd limit above 1023 contradicts the claim
        assertEquals(Outcome.DOES_NOT_HOLD, new SelectLimitClaim().judge(f().put(max, 4000)
                .put(stop, FdLimitFigures.STOP_FD_LIMIT).figures()).verdict().outcome());
    }

    @Test
    void linearCost() {
        String poll = ScalingFigures.slope(ScalingRow.of(Backend.POLL), 1);
        String ep = ScalingFigures.slope(new ScalingRow(Backend.EPOLL, Trigger.LEVEL), 1);
        String wide = ScalingFigures.slope(ScalingRow.of(Backend.SELECT_WIDE), 1);
        covers(new LinearCostClaim(), cases(
                Outcome.NOT_MEASURED, f().put(poll, 0.9),
                Outcome.HOLDS, f().put(poll, 0.85, 0.9, 0.95).put(wide, 0.9).put(ep, 0.01, 0.03, 0.05),
                Outcome.DOES_NOT_HOLD, f().put(poll, 0.2, 0.3, 0.4).put(ep, 0.0),
                Outcome.DEPENDS, f().put(poll, 0.9).put(ep, 0.35),
                Outcome.INCONCLUSIVE, f().put(poll, 0.5, 0.7, 0.9).put(ep, 0.02)));
        // epoll growing as fast as poll: does not hold
        assertEquals(Outcome.DOES_NOT_HOLD, new LinearCostClaim().judge(f().put(poll, 0.9).put(ep, 0.8).figures())
                .verdict().outcome());
    }

    @Test
    void fewConnections() {
        String b = CellFigure.MSGS_PER_S.of(Model.BLOCKING, 10);
        String e = CellFigure.MSGS_PER_S.of(Model.EPOLL_ET, 10);
        covers(new FewConnectionsClaim(), cases(
                Outcome.NOT_MEASURED, f().put(b, 70_000),
                Outcome.HOLDS, f().put(b, 70_000, 72_000, 74_000).put(e, 60_000, 65_000, 70_000),
                Outcome.DOES_NOT_HOLD, f().put(b, 60_000, 62_000).put(e, 100_000, 120_000),
                Outcome.INCONCLUSIVE, f().put(b, 60_000, 70_000, 80_000).put(e, 65_000, 75_000, 85_000)));
    }

    @Test
    void twoSyscalls() {
        String b1 = CellFigure.CALLS_PER_MSG.of(Model.BLOCKING, 1);
        String e1 = CellFigure.CALLS_PER_MSG.of(Model.EPOLL_LT, 1);
        String bn = CellFigure.CALLS_PER_MSG.of(Model.BLOCKING, 100);
        String en = CellFigure.CALLS_PER_MSG.of(Model.EPOLL_LT, 100);
        covers(new TwoSyscallsClaim(), cases(
                Outcome.NOT_MEASURED, f().put(b1, 2.0),
                Outcome.HOLDS, f().put(b1, 2.0).put(e1, 3.0).put(bn, 2.0).put(en, 3.0),
                Outcome.DEPENDS, f().put(b1, 2.0).put(e1, 3.0).put(bn, 2.0).put(en, 2.1),
                Outcome.DOES_NOT_HOLD, f().put(b1, 2.0).put(e1, 2.2),
                Outcome.INCONCLUSIVE, f().put(b1, 2.0).put(e1, 2.4, 2.7, 3.0)));
        // with one connection only: one extra call holds for what was measured
        assertEquals(Outcome.HOLDS, new TwoSyscallsClaim().judge(f().put(b1, 2.0).put(e1, 3.0).figures())
                .verdict().outcome());
        assertEquals(Outcome.INCONCLUSIVE, new TwoSyscallsClaim().judge(f().put(b1, 2.0).put(e1, 3.0).put(bn, 2.0)
                .put(en, 2.65).figures()).verdict().outcome());
    }

    @Test
    void busyPolling() {
        String nb = ModelsFigures.idleCpuPct(Model.NONBLOCKING);
        String et = ModelsFigures.idleCpuPct(Model.EPOLL_ET);
        covers(new BusyPollingClaim(), cases(
                Outcome.NOT_MEASURED, f().put(et, 0),
                Outcome.HOLDS, f().put(nb, 95, 97, 99).put(et, 0, 0.5, 1),
                Outcome.DOES_NOT_HOLD, f().put(nb, 2).put(et, 0),
                Outcome.INCONCLUSIVE, f().put(nb, 30).put(et, 0)));
    }

    @ParameterizedTest
    @EnumSource(value = Model.class, names = {"BLOCKING", "VIRTUAL"})
    void threadPerConnection(Model m) {
        covers(new ThreadPerConnectionClaim(m, ""), cases(
                Outcome.NOT_MEASURED, cell(f(), m, 100, 80, 80_000).put(CellFigure.RSS_MB.of(Model.EPOLL_ET, 100), 70),
                Outcome.HOLDS, epoll(cell(f(), m, 10_000, 1500, 30_000), 10_000, 80, 90_000),
                Outcome.DEPENDS, epoll(cell(f(), m, 10_000, 1500, 90_000), 10_000, 80, 90_000),
                Outcome.DOES_NOT_HOLD, epoll(cell(f(), m, 1_000, 90, 88_000), 1_000, 80, 90_000),
                Outcome.INCONCLUSIVE, epoll(cell(f(), m, 1_000, 140, 88_000), 1_000, 80, 90_000)));
        // light on memory but slower: depends too
        assertEquals(Outcome.DEPENDS, new ThreadPerConnectionClaim(m, "").judge(
                epoll(cell(f(), m, 1_000, 90, 30_000), 1_000, 80, 90_000).figures()).verdict().outcome());
        // the other thread model's figures do not count for this one
        Model other = m == Model.BLOCKING ? Model.VIRTUAL : Model.BLOCKING;
        assertEquals(Outcome.NOT_MEASURED, new ThreadPerConnectionClaim(m, "").judge(
                epoll(cell(f(), other, 10_000, 1500, 30_000), 10_000, 80, 90_000).figures()).verdict().outcome());
    }

    private static F cell(F f, Model m, int n, double rssMb, double msgs) {
        return f.put(CellFigure.RSS_MB.of(m, n), rssMb).put(CellFigure.MSGS_PER_S.of(m, n), msgs)
                .put(CellFigure.THREADS.of(m, n), n + 20);
    }

    private static F epoll(F f, int n, double rssMb, double msgs) {
        return f.put(CellFigure.RSS_MB.of(Model.EPOLL_ET, n), rssMb).put(CellFigure.MSGS_PER_S.of(Model.EPOLL_ET, n), msgs);
    }

    @Test
    void edgeVsLevel() {
        String lt = TriggerFigures.wakeups(Trigger.LEVEL);
        String et = TriggerFigures.ET_NODRAIN_WAKEUPS;
        String left = TriggerFigures.ET_NODRAIN_BYTES_LEFT;
        String st = TriggerFigures.ET_SHORTREAD_STALLED;
        covers(new EdgeVsLevelClaim(), cases(
                Outcome.NOT_MEASURED, f().put(lt, 64).put(et, 1).put(left, 64_512),
                Outcome.HOLDS, f().put(lt, 64).put(et, 1).put(left, 64_512).put(st, 1),
                Outcome.DEPENDS, f().put(lt, 64).put(et, 1).put(left, 64_512).put(st, 0),
                Outcome.DOES_NOT_HOLD, f().put(lt, 64).put(et, 64).put(left, 0).put(st, 0)));
    }

    @Test
    void signalDriven() {
        String ms = CellFigure.MSGS_PER_S.of(Model.SIGIO, 1_000);
        String me = CellFigure.MSGS_PER_S.of(Model.EPOLL_ET, 1_000);
        String cs = CellFigure.CALLS_PER_MSG.of(Model.SIGIO, 1_000);
        String ce = CellFigure.CALLS_PER_MSG.of(Model.EPOLL_ET, 1_000);
        String ov = CellFigure.SIGNAL_OVERFLOWS.of(Model.SIGIO, 1_000);
        covers(new SignalDrivenClaim(), cases(
                Outcome.NOT_MEASURED, f().put(CellFigure.MSGS_PER_S.of(Model.SIGIO, 100), 50_000)
                        .put(CellFigure.MSGS_PER_S.of(Model.EPOLL_ET, 100), 60_000),
                Outcome.HOLDS, f().put(ms, 30_000, 32_000, 34_000).put(me, 50_000, 52_000, 54_000),
                Outcome.DOES_NOT_HOLD, f().put(ms, 50_000).put(me, 50_000).put(cs, 2.2).put(ce, 2.1).put(ov, 0),
                Outcome.DEPENDS, f().put(ms, 50_000).put(me, 50_000).put(cs, 3.3).put(ce, 2.1).put(ov, 0),
                Outcome.INCONCLUSIVE, f().put(ms, 30_000, 45_000, 60_000).put(me, 50_000, 52_000, 54_000)));
        // keeping up but overflowing the signal queue: depends too
        Claim.Judgement j = new SignalDrivenClaim().judge(f().put(ms, 50_000).put(me, 50_000).put(cs, 2.2)
                .put(ce, 2.1).put(ov, 0, 3, 12).figures());
        assertEquals(Outcome.DEPENDS, j.verdict().outcome(), j.toString());
        assertTrue(j.verdict().text().contains("overflowed"), j.verdict().text());
        // 10,000 connections decide before 1,000, and every verdict says datagrams were not measured
        j = new SignalDrivenClaim().judge(f().put(ms, 50_000).put(me, 50_000)
                .put(CellFigure.MSGS_PER_S.of(Model.SIGIO, 10_000), 10_000)
                .put(CellFigure.MSGS_PER_S.of(Model.EPOLL_ET, 10_000), 40_000).figures());
        assertEquals(Outcome.HOLDS, j.verdict().outcome(), j.toString());
        assertTrue(j.evidence().startsWith("10,000 connections"), j.evidence());
        assertTrue(j.verdict().text().contains("datagrams are not measured"), j.verdict().text());
    }

    @Test
    void asyncNeverBlocks() {
        String u10 = CellFigure.LOOP_SLEEPS_PER_MSG.of(Model.URING, 10);
        String u1k = CellFigure.LOOP_SLEEPS_PER_MSG.of(Model.URING, 1_000);
        String e10 = CellFigure.LOOP_SLEEPS_PER_MSG.of(Model.EPOLL_ET, 10);
        String w10 = CellFigure.IO_WORKERS_MAX.of(Model.URING, 10);
        covers(new AsyncNeverBlocksClaim(), cases(
                Outcome.NOT_MEASURED, f().put(e10, 0.3),
                Outcome.HOLDS, f().put(u10, 0.001, 0.002, 0.004).put(u1k, 0.0).put(w10, 0),
                Outcome.DOES_NOT_HOLD, f().put(u10, 0.4, 0.45, 0.5).put(e10, 0.3).put(u1k, 0.1),
                Outcome.DEPENDS, f().put(u10, 0.4).put(u1k, 0.002),
                Outcome.INCONCLUSIVE, f().put(u10, 0.005, 0.02, 0.08)));
        // one clear block refutes "never", even where another count lies between the thresholds
        Claim.Judgement blockedOnce = new AsyncNeverBlocksClaim().judge(f().put(u10, 0.2, 0.22, 0.25)
                .put(u1k, 0.005, 0.013, 0.03).figures());
        assertEquals(Outcome.DOES_NOT_HOLD, blockedOnce.verdict().outcome(), blockedOnce.toString());
        assertTrue(blockedOnce.verdict().text().contains("lies between"), blockedOnce.verdict().text());
        // the loop never slept, but io-wq workers blocked for it: depends on who waits
        Claim.Judgement j = new AsyncNeverBlocksClaim().judge(f().put(u10, 0.001).put(u1k, 0.001).put(w10, 0, 2, 4)
                .figures());
        assertEquals(Outcome.DEPENDS, j.verdict().outcome(), j.toString());
        assertTrue(j.verdict().text().contains("4 io-wq worker threads"), j.verdict().text());
        // the other models' sleeps do not count for io_uring
        assertEquals(Outcome.NOT_MEASURED, new AsyncNeverBlocksClaim().judge(f()
                .put(CellFigure.LOOP_SLEEPS_PER_MSG.of(Model.SIGIO, 10), 0.001).figures()).verdict().outcome());
    }

    /** The experiment: reads the others' figures from the context, counts only unqualified "holds". */
    @Test
    void theTableCountsOnlyUnqualifiedHolds() {
        ExperimentContext ctx = Contexts.quick(Path.of("unused"), null, null);
        ExperimentResult none = new ClaimsExperiment().run(ctx);
        assertEquals(0, none.get(ClaimsExperiment.MEASURED));
        for (List<String> row : none.tables.get(0).rows) {
            assertTrue(row.get(4).startsWith("not measured"), row.toString());
        }
        ctx.done.put(FdLimitExperiment.NAME, new ExperimentResult(FdLimitExperiment.NAME, "t")
                .figure(FdLimitFigures.maxFd(Backend.SELECT), 1023)
                .figure(FdLimitFigures.stop(Backend.SELECT), FdLimitFigures.STOP_FD_SETSIZE)
                .figure(FdLimitFigures.maxFd(Backend.SELECT_WIDE), 19_990));
        ctx.done.put("trigger", new ExperimentResult("trigger", "t")
                .figure(TriggerFigures.wakeups(Trigger.LEVEL), 64).figure(TriggerFigures.ET_NODRAIN_WAKEUPS, 1)
                .figure(TriggerFigures.ET_NODRAIN_BYTES_LEFT, 64_512).figure(TriggerFigures.ET_SHORTREAD_STALLED, 1));
        ExperimentResult r = new ClaimsExperiment().run(ctx);
        assertEquals(2, r.get(ClaimsExperiment.MEASURED));
        assertEquals(1, r.get(ClaimsExperiment.HOLDS), "the select claim 'depends' and is not counted as holding");
        assertEquals(1, r.get(ClaimsExperiment.count(Outcome.DEPENDS)));
        List<String> select = r.tables.get(0).rows.get(0);
        assertTrue(select.get(4).startsWith("depends: on the fd_set, not the kernel"), select.toString());
        assertTrue(select.get(1).contains("《"), "cited by title: " + select.get(1));
        assertEquals(List.of("select can watch at most 1024 fds", "depends"), r.console.rows.get(0));
    }
}
