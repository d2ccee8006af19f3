package dev.muxlab.lab.cli;

import java.nio.file.Path;
import java.util.concurrent.Callable;

import dev.muxlab.lab.compare.RunComparison;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

/** {@code muxlab compare DIR_A DIR_B}: every figure of two lab runs side by side, with the ratio. */
@Command(name = "compare", mixinStandardHelpOptions = true,
        description = "Compare two result folders of 'muxlab run' (or of single experiments): every figure both have,"
                + " the ratio B/A, and whether the change is larger than the min-max spread of the repeats.")
public final class CompareCommand implements Callable<Integer> {

    @Parameters(index = "0", paramLabel = "DIR_A", description = "the run to compare against (e.g. before a change)")
    Path a;

    @Parameters(index = "1", paramLabel = "DIR_B", description = "the other run (e.g. after the change)")
    Path b;

    @Override
    public Integer call() {
        RunComparison c = RunComparison.of(a, b);
        System.out.print(c.toMarkdown(a.toString(), b.toString()));
        System.out.println();
        StringBuilder sb = new StringBuilder();
        c.counts().forEach((k, v) -> sb.append(sb.length() == 0 ? "" : ", ").append(v).append(' ').append(k.label));
        System.out.println(c.rows().size() + " figures in both runs: " + sb);
        return 0;
    }
}
