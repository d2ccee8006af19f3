package dev.muxlab.lab.experiments.claims;

import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

import dev.muxlab.lab.report.Experiment;
import dev.muxlab.lab.report.ExperimentContext;
import dev.muxlab.lab.report.ExperimentResult;
import dev.muxlab.lab.report.Table;
import dev.muxlab.lab.server.Model;
import dev.muxlab.lab.verdict.Claim;
import dev.muxlab.lab.verdict.Claim.Judgement;
import dev.muxlab.lab.verdict.Figures;
import dev.muxlab.lab.verdict.Outcome;
import dev.muxlab.lab.verdict.Spread;

/**
 * {@code claims}: the classic claims about IO models from the source tutorials, each judged by a
 * function of this run's figures (with their spread over repeats) that can return every outcome
 * it declares: holds, does not hold here, depends (with the measured split), inconclusive (the
 * deciding difference is inside the spread), or not measured. It runs last and reads the other
 * experiments' figures by the names they publish; nothing is guessed.
 */
public final class ClaimsExperiment implements Experiment {
    public static final String NAME = "claims";
    /** How many claims had their figures, and how many of those hold as stated (an unqualified "holds"). */
    public static final String MEASURED = "claims.measured";
    public static final String HOLDS = "claims.holds";

    /** The claims, in the order of the table. */
    static final List<Claim> CLAIMS = List.of(
            new SelectLimitClaim(),
            new LinearCostClaim(),
            new FewConnectionsClaim(),
            new TwoSyscallsClaim(),
            new BusyPollingClaim(),
            new ThreadPerConnectionClaim(Model.BLOCKING, ""),
            new ThreadPerConnectionClaim(Model.VIRTUAL, ", asked again of virtual threads (JDK 21+)"),
            new EdgeVsLevelClaim(),
            new SignalDrivenClaim(),
            new AsyncNeverBlocksClaim());

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public String title() {
        return "Claims about IO models, with verdicts measured on this machine";
    }

    @Override
    public String guide() {
        return "Each row is a claim the tutorials make (cited by title and section), the experiment whose numbers"
                + " test it, the numbers, and the verdict: holds, does not hold here, depends (with the measured"
                + " split), inconclusive (the difference that would decide is inside the spread of the repeats), or"
                + " not measured (its experiment was skipped, e.g. by --backend). Every verdict is computed from this"
                + " run's figures, so it can differ from machine to machine; only an unqualified 'holds' counts as"
                + " holding.";
    }

    @Override
    public boolean readsOthers() {
        return true;
    }

    /** The figures of every experiment that ran before, by the names they publish. */
    static Figures figures(ExperimentContext ctx) {
        return key -> {
            for (ExperimentResult r : ctx.done.values()) {
                Spread s = r.spread(key);
                if (s != null) {
                    return s;
                }
            }
            return null;
        };
    }

    @Override
    public ExperimentResult run(ExperimentContext ctx) {
        ExperimentResult r = new ExperimentResult(name(), title());
        Figures figures = figures(ctx);
        Table t = r.table(new Table("Claims and verdicts", "claim", "source", "experiment", "measured here", "verdict"));
        Table brief = new Table("Claims", "claim", "verdict");
        Map<Outcome, Integer> counts = new EnumMap<>(Outcome.class);
        List<String> outcomes = new ArrayList<>();
        for (Claim c : CLAIMS) {
            Judgement j = c.judge(figures);
            if (!c.outcomes().contains(j.verdict().outcome())) {
                throw new IllegalStateException("claim '" + c.statement() + "' returned " + j.verdict().outcome()
                        + ", which it does not declare");
            }
            t.row(c.statement(), c.source(), c.experiment(), j.evidence(), j.verdict().text());
            brief.row(c.statement(), j.verdict().outcome().label());
            counts.merge(j.verdict().outcome(), 1, Integer::sum);
            outcomes.add(j.verdict().outcome().label());
        }
        r.console = brief;
        int measured = CLAIMS.size() - counts.getOrDefault(Outcome.NOT_MEASURED, 0);
        int holds = counts.getOrDefault(Outcome.HOLDS, 0);
        r.figure(MEASURED, measured).figure(HOLDS, holds);
        for (Outcome o : Outcome.values()) {
            r.figure(count(o), counts.getOrDefault(o, 0));
        }
        r.summary("claims measured", measured + " of " + CLAIMS.size());
        r.summary("claims that hold as stated", holds);
        StringBuilder split = new StringBuilder();
        for (Outcome o : Outcome.values()) {
            int n = counts.getOrDefault(o, 0);
            if (n > 0) {
                split.append(split.length() == 0 ? "" : ", ").append(n).append(' ').append(o.label());
            }
        }
        r.paragraph("Verdicts of this run: " + split + ".");
        return r;
    }

    /** "claims.does_not_hold": how many claims got that outcome. */
    public static String count(Outcome o) {
        return "claims." + o.name().toLowerCase(Locale.ROOT);
    }
}
