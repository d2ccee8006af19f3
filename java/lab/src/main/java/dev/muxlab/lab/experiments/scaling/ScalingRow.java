package dev.muxlab.lab.experiments.scaling;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

import dev.muxlab.Backend;
import dev.muxlab.Trigger;
import dev.muxlab.lab.report.ExperimentContext;

/**
 * A row of the scaling tables and charts: a backend, in a trigger mode where it has them. Its
 * {@link #id()} ({@code poll}, {@code epoll-lt}) names it in tables, figure keys and the C
 * reference's command line.
 */
public record ScalingRow(Backend backend, Trigger trigger) {
    /** Every row, in table and chart order: each backend, in each of its trigger modes. */
    public static final List<ScalingRow> ALL = all();

    public ScalingRow {
        Objects.requireNonNull(backend, "backend");
        Objects.requireNonNull(trigger, "trigger");
        if (!backend.hasTriggers() && trigger != Trigger.LEVEL) {
            throw new IllegalArgumentException(backend.id() + " has no trigger modes (level-triggered only)");
        }
    }

    /** The (level-triggered) row of a backend without trigger modes. */
    public static ScalingRow of(Backend backend) {
        return new ScalingRow(backend, Trigger.LEVEL);
    }

    private static List<ScalingRow> all() {
        List<ScalingRow> rows = new ArrayList<>();
        for (Backend b : ExperimentContext.MULTIPLEXERS) {
            if (b.hasTriggers()) {
                for (Trigger t : Trigger.values()) {
                    rows.add(new ScalingRow(b, t));
                }
            } else {
                rows.add(of(b));
            }
        }
        return List.copyOf(rows);
    }

    /** {@code select}, {@code select-wide}, {@code poll}, {@code epoll-lt}, {@code epoll-et}. */
    public String id() {
        return backend.hasTriggers() ? backend.id() + "-" + trigger.id() : backend.id();
    }

    @Override
    public String toString() {
        return id();
    }
}
