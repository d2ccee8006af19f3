package dev.muxlab.lab.cli;

import java.nio.file.Path;
import java.util.Arrays;
import java.util.EnumSet;
import java.util.Iterator;
import java.util.List;
import java.util.Set;
import java.util.function.Function;

import dev.muxlab.Backend;
import dev.muxlab.Trigger;
import dev.muxlab.lab.report.ExperimentContext;

import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.Option;
import picocli.CommandLine.TypeConversionException;

/** Options every experiment command takes; picocli turns --backend and --trigger into enums once, here. */
public final class ExperimentOptions {
    @Option(names = "--quick", description = "short runs: the whole suite in under a minute")
    boolean quick;

    @Option(names = "--out", paramLabel = "DIR", description = "output folder (default: results/<timestamp>)")
    Path out;

    @Option(names = "--backend", paramLabel = "B", split = ",", converter = BackendConverter.class,
            completionCandidates = BackendIds.class,
            description = "only these backends, comma-separated: ${COMPLETION-CANDIDATES} (default: all)")
    List<Backend> backends;

    @Option(names = "--trigger", paramLabel = "T", split = ",", converter = TriggerConverter.class,
            completionCandidates = TriggerIds.class,
            description = "epoll only: ${COMPLETION-CANDIDATES} (default: both)")
    List<Trigger> triggers;

    @Option(names = "--no-progress", description = "plain log lines instead of progress bars")
    boolean noProgress;

    /** The chosen backends; empty for all. */
    Set<Backend> backends() {
        return backends == null ? EnumSet.noneOf(Backend.class) : EnumSet.copyOf(backends);
    }

    /** The chosen trigger modes; empty for both. */
    Set<Trigger> triggers() {
        return triggers == null ? EnumSet.noneOf(Trigger.class) : EnumSet.copyOf(triggers);
    }

    /** The ids for a help text or completion, in the enum's order. */
    private static <E extends Enum<E>> Iterator<String> ids(E[] values, Function<E, String> id) {
        return Arrays.stream(values).map(id).iterator();
    }

    /** A value the enum's fromId rejects becomes picocli's conversion error, with fromId's message. */
    private static <E> E convert(String value, Function<String, E> fromId) {
        try {
            return fromId.apply(value);
        } catch (IllegalArgumentException e) {
            throw new TypeConversionException(e.getMessage());
        }
    }

    public static final class BackendConverter implements ITypeConverter<Backend> {
        @Override
        public Backend convert(String value) {
            return ExperimentOptions.convert(value, id -> {
                Backend b = Backend.fromId(id);
                if (!ExperimentContext.MULTIPLEXERS.contains(b)) {
                    throw new IllegalArgumentException("the experiments do not run backend '" + id + "' (allowed: "
                            + String.join(", ", ExperimentContext.MULTIPLEXERS.stream().map(Backend::id).toList()) + ")");
                }
                return b;
            });
        }
    }

    public static final class TriggerConverter implements ITypeConverter<Trigger> {
        @Override
        public Trigger convert(String value) {
            return ExperimentOptions.convert(value, Trigger::fromId);
        }
    }

    public static final class BackendIds implements Iterable<String> {
        @Override
        public Iterator<String> iterator() {
            return ExperimentContext.MULTIPLEXERS.stream().map(Backend::id).iterator();
        }
    }

    public static final class TriggerIds implements Iterable<String> {
        @Override
        public Iterator<String> iterator() {
            return ids(Trigger.values(), Trigger::id);
        }
    }
}
