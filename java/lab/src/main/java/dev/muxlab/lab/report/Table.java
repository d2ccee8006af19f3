package dev.muxlab.lab.report;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/** A result table, rendered as Markdown for the report, CSV for files and text for the console. */
public final class Table {
    public final String title;
    public final List<String> columns;
    public final List<List<String>> rows = new ArrayList<>();
    /** Optional sentence under the table (e.g. the explanation of a trigger demo). */
    public String note;

    public Table(String title, String... columns) {
        this.title = title;
        this.columns = List.of(columns);
    }

    /** Adds a row; values are rendered with {@link #fmt(Object)}. */
    public Table row(Object... values) {
        if (values.length != columns.size()) {
            throw new IllegalArgumentException("row has " + values.length + " cells, table " + title + " has "
                    + columns.size() + " columns");
        }
        List<String> r = new ArrayList<>();
        for (Object v : values) {
            r.add(fmt(v));
        }
        rows.add(r);
        return this;
    }

    public Table note(String note) {
        this.note = note;
        return this;
    }

    /** Numbers with sensible precision: integers as is, doubles with 3 significant decimals. */
    public static String fmt(Object v) {
        if (v == null) {
            return "";
        }
        if (v instanceof Double || v instanceof Float) {
            double d = ((Number) v).doubleValue();
            if (Double.isNaN(d)) {
                return "n/a";
            }
            double a = Math.abs(d);
            if (a == Math.rint(a) && a < 1e15) {
                return String.format("%.0f", d);
            }
            if (a >= 100) {
                return String.format("%.0f", d);
            }
            if (a >= 10) {
                return String.format("%.1f", d);
            }
            if (a >= 1) {
                return String.format("%.2f", d);
            }
            return String.format("%.3g", d);
        }
        return String.valueOf(v);
    }

    public String toMarkdown() {
        StringBuilder sb = new StringBuilder();
        sb.append("| ").append(String.join(" | ", columns)).append(" |\n");
        sb.append("|").append("---|".repeat(columns.size())).append('\n');
        for (List<String> r : rows) {
            sb.append("| ").append(String.join(" | ", r.stream().map(c -> c.replace("|", "\\|")).toList()))
                    .append(" |\n");
        }
        if (note != null) {
            sb.append('\n').append(note).append('\n');
        }
        return sb.toString();
    }

    public String toCsv() {
        StringBuilder sb = new StringBuilder();
        sb.append(csvLine(columns));
        for (List<String> r : rows) {
            sb.append(csvLine(r));
        }
        return sb.toString();
    }

    private static String csvLine(List<String> cells) {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < cells.size(); i++) {
            if (i > 0) {
                sb.append(',');
            }
            String c = cells.get(i);
            if (c.contains(",") || c.contains("\"") || c.contains("\n")) {
                sb.append('"').append(c.replace("\"", "\"\"")).append('"');
            } else {
                sb.append(c);
            }
        }
        return sb.append('\n').toString();
    }

    /** Fixed-width text for the console. */
    public String toText() {
        int[] w = new int[columns.size()];
        for (int i = 0; i < w.length; i++) {
            w[i] = columns.get(i).length();
            for (List<String> r : rows) {
                w[i] = Math.max(w[i], r.get(i).length());
            }
        }
        StringBuilder sb = new StringBuilder(title).append('\n');
        appendText(sb, columns, w);
        char[] dash = new char[Arrays.stream(w).sum() + 2 * (w.length - 1)];
        Arrays.fill(dash, '-');
        sb.append(dash).append('\n');
        for (List<String> r : rows) {
            appendText(sb, r, w);
        }
        return sb.toString();
    }

    private static void appendText(StringBuilder sb, List<String> cells, int[] w) {
        for (int i = 0; i < cells.size(); i++) {
            if (i > 0) {
                sb.append("  ");
            }
            String c = cells.get(i);
            sb.append(c).append(" ".repeat(w[i] - c.length()));
        }
        sb.append('\n');
    }
}
