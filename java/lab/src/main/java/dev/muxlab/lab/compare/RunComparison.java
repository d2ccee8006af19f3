package dev.muxlab.lab.compare;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;

import com.fasterxml.jackson.databind.JsonNode;

import dev.muxlab.lab.Json;

/**
 * Every figure two lab runs have in common, side by side: the tool for "what changed after I
 * changed a kernel setting, a JDK or the machine?". It reads the experiment JSON files of two
 * result folders ({@code <experiment>.json}, each with a {@code figures} object whose values are
 * either a number or {@code {"median", "min", "max", "n"}} for repeated measurements) and, per
 * figure, gives both values, the ratio B/A, and whether the change is larger than the spread:
 * with repeats, when the two min-max ranges do not overlap; for single measurements (no spread
 * known), never: such a row is marked "no spread".
 */
public final class RunComparison {

    /** One figure: its value (median) and range in a run. */
    public record Value(double median, double min, double max, int n) {
        boolean hasSpread() {
            return n >= 2;
        }
    }

    /** How a figure moved from run A to run B. */
    public enum Change {
        /** Both runs have a spread and the ranges do not overlap. */
        BEYOND_SPREAD("changed"),
        /** The ranges overlap: a difference inside the noise of the runs. */
        WITHIN_SPREAD("within spread"),
        /** At least one run measured the figure once: no spread to judge against. */
        NO_SPREAD("no spread");

        public final String label;

        Change(String label) {
            this.label = label;
        }
    }

    /** One row of the comparison. */
    public record Row(String key, Value a, Value b, double ratio, Change change) {
    }

    private final List<Row> rows;
    private final List<String> onlyA;
    private final List<String> onlyB;

    private RunComparison(List<Row> rows, List<String> onlyA, List<String> onlyB) {
        this.rows = rows;
        this.onlyA = onlyA;
        this.onlyB = onlyB;
    }

    /**
     * Compares the runs in two result folders.
     *
     * @throws IllegalArgumentException when a folder holds no experiment JSON or a file is not
     *         a muxlab result
     */
    public static RunComparison of(Path a, Path b) {
        Map<String, Value> fa = figures(a);
        Map<String, Value> fb = figures(b);
        List<Row> rows = new ArrayList<>();
        List<String> onlyA = new ArrayList<>();
        for (Map.Entry<String, Value> e : fa.entrySet()) {
            Value vb = fb.get(e.getKey());
            if (vb == null) {
                onlyA.add(e.getKey());
                continue;
            }
            Value va = e.getValue();
            rows.add(new Row(e.getKey(), va, vb, ratio(va.median, vb.median), change(va, vb)));
        }
        List<String> onlyB = new ArrayList<>();
        for (String k : fb.keySet()) {
            if (!fa.containsKey(k)) {
                onlyB.add(k);
            }
        }
        return new RunComparison(rows, onlyA, onlyB);
    }

    static double ratio(double a, double b) {
        if (a == b) {
            return 1.0; // 0 -> 0 included
        }
        return a == 0 ? Double.NaN : b / a;
    }

    static Change change(Value a, Value b) {
        if (!a.hasSpread() || !b.hasSpread()) {
            return Change.NO_SPREAD;
        }
        boolean apart = a.max < b.min || b.max < a.min;
        return apart ? Change.BEYOND_SPREAD : Change.WITHIN_SPREAD;
    }

    public List<Row> rows() {
        return rows;
    }

    /** Figures only run A has (an experiment or backend the other run skipped). */
    public List<String> onlyInA() {
        return onlyA;
    }

    public List<String> onlyInB() {
        return onlyB;
    }

    /** Figures of every {@code *.json} in {@code dir}, by key, sorted. */
    static Map<String, Value> figures(Path dir) {
        if (!Files.isDirectory(dir)) {
            throw new IllegalArgumentException(dir + " is not a folder (give two result folders of scripts/muxlab run)");
        }
        Map<String, Value> out = new TreeMap<>();
        List<Path> files;
        try (Stream<Path> s = Files.list(dir)) {
            files = s.filter(p -> p.getFileName().toString().endsWith(".json")).sorted().toList();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot list " + dir, e);
        }
        for (Path f : files) {
            JsonNode root = Json.read(f);
            JsonNode figs = root.get("figures");
            if (figs == null || !figs.isObject()) {
                continue; // not an experiment result (e.g. a load run's JSON)
            }
            Iterator<Map.Entry<String, JsonNode>> it = figs.fields();
            while (it.hasNext()) {
                Map.Entry<String, JsonNode> e = it.next();
                Value v = value(f, e.getKey(), e.getValue());
                if (v != null) {
                    out.put(e.getKey(), v);
                }
            }
        }
        if (out.isEmpty()) {
            throw new IllegalArgumentException(dir + " holds no experiment results (no *.json with figures)");
        }
        return out;
    }

    private static Value value(Path file, String key, JsonNode n) {
        if (n.isNumber()) {
            double d = n.asDouble();
            return new Value(d, d, d, 1);
        }
        if (n.isObject() && n.has("median")) {
            double m = n.get("median").asDouble();
            return new Value(m, n.path("min").asDouble(m), n.path("max").asDouble(m), n.path("n").asInt(1));
        }
        if (n.isNull()) {
            return null; // not measured in that run
        }
        throw new IllegalArgumentException(file + ": figure " + key + " is neither a number nor {median,min,max}");
    }

    /** The comparison as a Markdown table, changes beyond the spread first. */
    public String toMarkdown(String nameA, String nameB) {
        StringBuilder sb = new StringBuilder();
        sb.append("| figure | A: ").append(nameA).append(" | B: ").append(nameB).append(" | B/A | change |\n");
        sb.append("|---|---|---|---|---|\n");
        List<Row> sorted = new ArrayList<>(rows);
        sorted.sort((x, y) -> Integer.compare(x.change.ordinal(), y.change.ordinal()));
        for (Row r : sorted) {
            sb.append("| ").append(r.key).append(" | ").append(fmt(r.a)).append(" | ").append(fmt(r.b)).append(" | ")
                    .append(Double.isNaN(r.ratio) ? "n/a" : String.format(Locale.ROOT, "%.3f", r.ratio)).append(" | ")
                    .append(r.change == Change.BEYOND_SPREAD ? "**" + r.change.label + "**" : r.change.label)
                    .append(" |\n");
        }
        if (!onlyA.isEmpty()) {
            sb.append("\nOnly in A (").append(onlyA.size()).append("): ").append(String.join(", ", onlyA)).append('\n');
        }
        if (!onlyB.isEmpty()) {
            sb.append("\nOnly in B (").append(onlyB.size()).append("): ").append(String.join(", ", onlyB)).append('\n');
        }
        return sb.toString();
    }

    /** Counts per kind of change. */
    public Map<Change, Integer> counts() {
        Map<Change, Integer> c = new TreeMap<>();
        for (Change k : Change.values()) {
            c.put(k, 0);
        }
        for (Row r : rows) {
            c.merge(r.change, 1, Integer::sum);
        }
        return c;
    }

    static String fmt(Value v) {
        String m = num(v.median);
        if (!v.hasSpread()) {
            return m;
        }
        return m + " (" + num(v.min) + "–" + num(v.max) + ")";
    }

    static String num(double d) {
        if (d == Math.rint(d) && Math.abs(d) < 1e15) {
            return String.format(Locale.ROOT, "%.0f", d);
        }
        double a = Math.abs(d);
        return String.format(Locale.ROOT, a >= 100 ? "%.0f" : a >= 10 ? "%.1f" : a >= 1 ? "%.2f" : "%.3g", d);
    }
}
