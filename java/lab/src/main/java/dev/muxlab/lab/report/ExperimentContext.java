package dev.muxlab.lab.report;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Collection;
import java.util.Collections;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;

import dev.muxlab.Backend;
import dev.muxlab.Trigger;

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
    /**
     * The readiness multiplexers the experiments measure side by side (in this order):
     * {@code --backend} takes these. The signal-driven backend reports changes only and binds
     * one thread, so it joins the experiments where its semantics fit, not these sweeps.
     */
    public static final List<Backend> MULTIPLEXERS = List.of(Backend.SELECT, Backend.SELECT_WIDE, Backend.POLL,
            Backend.EPOLL);

    /** Repeats of a cell in full and quick mode (see {@link #repeats()}). */
    public static final int FULL_REPEATS = 3;
    public static final int QUICK_REPEATS = 1;
    /** Short runs: the whole suite in about a minute. */
    public final boolean quick;
    /** Where CSV/JSON/PNG files go (created if missing). */
    public final Path outDir;
    /** The backends the user asked for; empty: no filter (every backend). */
    public final Set<Backend> backends;
    /** The trigger modes the user asked for (they filter the backends that have triggers); empty: no filter. */
    public final Set<Trigger> triggers;
    public final PrintStream log;
    /** The machine, read when the context was made: at the start of the run. */
    public final Machine machine;
    /** Results of experiments run earlier in this invocation, by name. */
    public final Map<String, ExperimentResult> done = new LinkedHashMap<>();
    /**
     * The JVMs the models experiment ran its servers on, by model: "JDK-version binding" as each
     * server reported it (empty until models has run). The run's metadata lists them.
     */
    public final Map<String, String> serverJvms = new LinkedHashMap<>();
    private final boolean progressBars;

    /**
     * @param backends the backends to run; empty (or every backend) for all
     * @param triggers the trigger modes to run; empty (or both) for both
     * @throws IllegalArgumentException for trigger modes with only backends that have none
     */
    public ExperimentContext(boolean quick, Path outDir, Set<Backend> backends, Set<Trigger> triggers, PrintStream log,
            boolean progressBars) {
        this.quick = quick;
        this.outDir = outDir;
        this.backends = filter(Backend.class, backends);
        this.triggers = filter(Trigger.class, triggers);
        this.log = log;
        this.progressBars = progressBars;
        this.machine = Machine.probe();
        if (!this.triggers.isEmpty() && !this.backends.isEmpty()
                && this.backends.stream().noneMatch(Backend::hasTriggers)) {
            throw new IllegalArgumentException("--trigger applies to the " + ids(MULTIPLEXERS.stream()
                    .filter(Backend::hasTriggers).toList()) + " backend only, not " + ids(this.backends));
        }
    }

    /** An unmodifiable copy; empty when nothing or everything is chosen (no filter). */
    private static <E extends Enum<E>> Set<E> filter(Class<E> type, Set<E> chosen) {
        if (chosen == null || chosen.isEmpty() || chosen.containsAll(EnumSet.allOf(type))
                || type == Backend.class && chosen.containsAll(MULTIPLEXERS)) {
            return Collections.unmodifiableSet(EnumSet.noneOf(type));
        }
        return Collections.unmodifiableSet(EnumSet.copyOf(chosen));
    }

    /** The ids of backends or triggers, comma-separated as on the command line. */
    public static String ids(Collection<?> values) {
        return values.stream().map(String::valueOf).collect(Collectors.joining(","));
    }

    /** Whether the --backend filter lets this backend through. */
    public boolean wants(Backend backend) {
        return backends.isEmpty() || backends.contains(backend);
    }

    /** Whether the --trigger filter lets this trigger mode through. */
    public boolean wants(Trigger trigger) {
        return triggers.isEmpty() || triggers.contains(trigger);
    }

    /**
     * Whether the filters let a multiplexer through: its backend, and its trigger mode where the
     * backend has trigger modes (select and poll are level-triggered whatever --trigger says).
     */
    public boolean wants(Backend backend, Trigger trigger) {
        return wants(backend) && (!backend.hasTriggers() || wants(trigger));
    }

    /** The filters for a report: "backend epoll, trigger et"; "" without filters. */
    public String filters() {
        if (backends.isEmpty() && triggers.isEmpty()) {
            return "";
        }
        return "backend " + (backends.isEmpty() ? "all" : ids(backends)) + ", trigger "
                + (triggers.isEmpty() ? "both" : ids(triggers));
    }

    /** Repeats of every cell in the experiments that repeat their cells (scaling, models): full 3, quick 1. */
    public int repeats() {
        return quick ? QUICK_REPEATS : FULL_REPEATS;
    }

    /** The subtitle of every chart: machine, date and mode. */
    public String chartSubtitle() {
        return machine.subtitle() + (quick ? ", quick run" : "");
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
