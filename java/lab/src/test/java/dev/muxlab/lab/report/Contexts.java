package dev.muxlab.lab.report;

import java.nio.file.Path;
import java.util.Arrays;
import java.util.EnumSet;
import java.util.Set;
import java.util.function.Function;

import dev.muxlab.Backend;
import dev.muxlab.Trigger;

/** Experiment settings for tests, with the filters written as on the command line. */
public final class Contexts {
    private Contexts() {
    }

    /**
     * A quick-mode context writing into {@code dir}, logging to stdout, without progress bars.
     *
     * @param backends comma-separated backend ids, null for all
     * @param triggers comma-separated trigger ids, null for both
     */
    public static ExperimentContext quick(Path dir, String backends, String triggers) {
        return new ExperimentContext(true, dir, parse(Backend.class, backends, Backend::fromId),
                parse(Trigger.class, triggers, Trigger::fromId), System.out, false);
    }

    /** The same in full mode (for plans: nothing is run). */
    public static ExperimentContext full(Path dir, String backends, String triggers) {
        return new ExperimentContext(false, dir, parse(Backend.class, backends, Backend::fromId),
                parse(Trigger.class, triggers, Trigger::fromId), System.out, false);
    }

    private static <E extends Enum<E>> Set<E> parse(Class<E> type, String ids, Function<String, E> fromId) {
        Set<E> set = EnumSet.noneOf(type);
        if (ids != null) {
            Arrays.stream(ids.split(",")).map(fromId).forEach(set::add);
        }
        return set;
    }

    /** Prints a result's tables (with their notes), summary and paragraphs, for the test log. */
    public static void print(ExperimentResult r) {
        for (Table t : r.tables) {
            System.out.print(t.toText());
            if (t.note != null) {
                System.out.println(t.note);
            }
        }
        r.summary.forEach((k, v) -> System.out.println(k + ": " + v));
        r.paragraphs.forEach(System.out::println);
    }
}
