package dev.muxlab.lab.report;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

import me.tongfei.progressbar.ConsoleProgressBarConsumer;
import me.tongfei.progressbar.ProgressBar;
import me.tongfei.progressbar.ProgressBarBuilder;
import me.tongfei.progressbar.ProgressBarStyle;

/**
 * Settings and services shared by the experiments: quick or full mode, the output folder, the
 * user's backend/trigger filters, console progress bars, and the results of experiments that
 * already ran (for {@code claims}).
 */
public final class ExperimentContext {
    /** Short runs: the whole suite in under a minute. */
    public final boolean quick;
    /** Where CSV/JSON/PNG files go (created if missing). */
    public final Path outDir;
    /** null for all; else one of the names in {@link Selection#BACKENDS}. */
    public final String backend;
    /** null for both; else "lt" or "et". */
    public final String trigger;
    public final PrintStream log;
    /** Results of experiments run earlier in this invocation, by name. */
    public final Map<String, ExperimentResult> done = new LinkedHashMap<>();
    private final boolean progressBars;

    public ExperimentContext(boolean quick, Path outDir, String backend, String trigger, PrintStream log,
            boolean progressBars) {
        this.quick = quick;
        this.outDir = outDir;
        this.backend = backend;
        this.trigger = trigger;
        this.log = log;
        this.progressBars = progressBars;
    }

    /** Whether the user's --backend filter lets this backend name through. */
    public boolean wants(String backendName) {
        return backend == null || backend.equals(backendName);
    }

    /** Whether the user's --trigger filter lets "lt" or "et" through. */
    public boolean wantsTrigger(String lt) {
        return trigger == null || trigger.equals(lt);
    }

    /** Writes a text file into the output folder and returns its path. */
    public Path write(String fileName, String content) throws IOException {
        Files.createDirectories(outDir);
        Path p = outDir.resolve(fileName);
        Files.writeString(p, content);
        return p;
    }

    /** The work behind a progress bar: advances the bar through {@code step} and may throw anything. */
    @FunctionalInterface
    public interface Task {
        void run(Step step) throws Exception;
    }

    /**
     * Runs body with a console progress bar of {@code total} steps; body advances it through the
     * {@link Step} it gets. Without a terminal (or in tests) the bar is a plain log line. What the
     * body throws is thrown on, unwrapped.
     */
    public void progress(String task, long total, Task body) throws Exception {
        if (!progressBars) {
            log.println("  " + task + " ...");
            body.run(new Step(null));
            return;
        }
        try (ProgressBar pb = new ProgressBarBuilder().setTaskName(task).setInitialMax(total)
                .setStyle(ProgressBarStyle.ASCII).setUpdateIntervalMillis(250).continuousUpdate()
                .setConsumer(new ConsoleProgressBarConsumer(System.err)).build()) {
            body.run(new Step(pb));
        }
    }

    /** A handle to advance a progress bar. */
    public static final class Step {
        private final ProgressBar bar;

        Step(ProgressBar bar) {
            this.bar = bar;
        }

        public void step() {
            if (bar != null) {
                bar.step();
            }
        }

        public void stepTo(long n) {
            if (bar != null) {
                bar.stepTo(n);
            }
        }

        public void message(String extra) {
            if (bar != null) {
                bar.setExtraMessage(extra);
            }
        }
    }
}
