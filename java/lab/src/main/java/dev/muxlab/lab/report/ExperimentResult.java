package dev.muxlab.lab.report;

import dev.muxlab.lab.verdict.Spread;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * What an experiment found: tables (each also written as CSV), PNG charts (file names relative
 * to the output folder), free-text paragraphs, and named measurements that the {@code claims}
 * experiment turns into verdicts.
 */
public final class ExperimentResult {
    public final String name;
    public final String title;
    public final List<Table> tables = new ArrayList<>();
    public final List<String> charts = new ArrayList<>();
    public final List<String> paragraphs = new ArrayList<>();
    /** Named figures for claims and the summary, e.g. "select.max_fd" -> 1023; median when repeated. */
    public final Map<String, Double> figures = new LinkedHashMap<>();
    /** The min-max spread of the figures measured more than once (repeated cells), by the same keys. */
    public final Map<String, Spread> spreads = new LinkedHashMap<>();
    /** Lines for the console summary table: label -> value. */
    public final Map<String, String> summary = new LinkedHashMap<>();
    /** A table printed on the console after the summary (e.g. the claims and their verdicts), or null. */
    public Table console;
    public double seconds;

    public ExperimentResult(String name, String title) {
        this.name = name;
        this.title = title;
    }

    public Table table(Table t) {
        tables.add(t);
        return t;
    }

    public ExperimentResult figure(String key, double value) {
        figures.put(key, value);
        spreads.remove(key);
        return this;
    }

    /** A figure measured {@code s.n()} times: its median is the figure, its range the spread. */
    public ExperimentResult figure(String key, Spread s) {
        figures.put(key, s.median());
        if (s.hasSpread()) {
            spreads.put(key, s);
        } else {
            spreads.remove(key);
        }
        return this;
    }

    public ExperimentResult summary(String label, Object value) {
        summary.put(label, Table.fmt(value));
        return this;
    }

    public ExperimentResult paragraph(String text) {
        paragraphs.add(text);
        return this;
    }

    /** A figure (the median when repeated), or NaN when the experiment did not measure it. */
    public double get(String key) {
        Double v = figures.get(key);
        return v == null ? Double.NaN : v;
    }

    /** A figure with its spread (a single measurement has none), or null when not measured (or NaN). */
    public Spread spread(String key) {
        Spread s = spreads.get(key);
        if (s != null) {
            return s;
        }
        Double v = figures.get(key);
        return v == null || v.isNaN() ? null : Spread.single(v);
    }
}
