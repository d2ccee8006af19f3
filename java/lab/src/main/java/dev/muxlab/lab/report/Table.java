package dev.muxlab.lab.report;

import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

import dev.muxlab.lab.verdict.Spread;

/**
 * A result table, rendered as Markdown for the report, text for the console (numbers rounded for
 * reading, in {@link Locale#ROOT}), and CSV and JSON for files (numbers as measured, unrounded).
 */
public final class Table {
    public final String title;
    public final List<String> columns;
    /** The cells as shown in the report and on the console (see {@link #fmt(Object)}). */
    public final List<List<String>> rows = new ArrayList<>();
    /** The cells as given: numbers unrounded, for CSV and JSON. */
    public final List<List<Object>> values = new ArrayList<>();
    /** Optional sentence under the table (e.g. the explanation of a trigger demo). */
    public String note;

    public Table(String title, String... columns) {
        this.title = title;
        this.columns = List.of(columns);
    }

    /** Adds a row; shown with {@link #fmt(Object)}, written to files with {@link #raw(Object)}. */
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
        this.values.add(Collections.unmodifiableList(Arrays.asList(values.clone())));
        return this;
    }

    public Table note(String note) {
        this.note = note;
        return this;
    }

    /**
     * A value for reading: integers as is, doubles with about 3 significant digits, NaN as "n/a";
     * always with a decimal point ({@link Locale#ROOT}), whatever the default locale. A figure
     * measured more than once ({@link Spread}) reads "median (min–max)".
     */
    public static String fmt(Object v) {
        if (v == null) {
            return "";
        }
        if (v instanceof Spread s) {
            return fmt(s);
        }
        if (v instanceof Double || v instanceof Float) {
            double d = ((Number) v).doubleValue();
            if (Double.isNaN(d)) {
                return "n/a";
            }
            double a = Math.abs(d);
            if ((a == Math.rint(a) && a < 1e15) || a >= 100) {
                return String.format(Locale.ROOT, "%.0f", d);
            }
            if (a >= 10) {
                return String.format(Locale.ROOT, "%.1f", d);
            }
            if (a >= 1) {
                return String.format(Locale.ROOT, "%.2f", d);
            }
            return String.format(Locale.ROOT, "%.3g", d);
        }
        return String.valueOf(v);
    }

    /**
     * A spread as "median (min\u2013max)", the three numbers in one format (that of the largest,
     * integers without decimals only when all three are whole), the median alone when min and max
     * read the same.
     */
    private static String fmt(Spread s) {
        double[] v = {s.median(), s.min(), s.max()};
        boolean whole = true;
        double big = 0;
        for (double d : v) {
            whole &= d == Math.rint(d) && Math.abs(d) < 1e15;
            big = Math.max(big, Math.abs(d));
        }
        String f = whole || big >= 100 ? "%.0f" : big >= 10 ? "%.1f" : big >= 1 ? "%.2f" : null;
        String[] t = new String[3];
        for (int i = 0; i < 3; i++) {
            t[i] = f == null ? fmt(v[i]) : String.format(Locale.ROOT, f, v[i]);
        }
        return s.hasSpread() && !t[1].equals(t[2]) ? t[0] + " (" + t[1] + "\u2013" + t[2] + ")" : t[0];
    }

    /**
     * A value for a CSV file: numbers unrounded in plain decimal notation (1234.5678, 0.000012),
     * NaN and infinities empty, anything else as text.
     */
    public static String raw(Object v) {
        if (v == null) {
            return "";
        }
        if (v instanceof Spread s) {
            return raw(s.median());
        }
        if (v instanceof Double || v instanceof Float) {
            double d = ((Number) v).doubleValue();
            return Double.isFinite(d) ? BigDecimal.valueOf(d).stripTrailingZeros().toPlainString() : "";
        }
        return String.valueOf(v);
    }

    /**
     * A value for a JSON file: numbers as numbers (NaN and infinities as null), anything else
     * that is not a string or boolean as its text.
     */
    public static Object json(Object v) {
        if (v instanceof Spread s) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("median", json(s.median()));
            m.put("min", json(s.min()));
            m.put("max", json(s.max()));
            m.put("n", s.n());
            return m;
        }
        if (v instanceof Double || v instanceof Float) {
            double d = ((Number) v).doubleValue();
            return Double.isFinite(d) ? v : null;
        }
        if (v == null || v instanceof Number || v instanceof String || v instanceof Boolean) {
            return v;
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

    /**
     * CSV (RFC 4180 quoting) with the values unrounded. A column holding figures with a spread
     * (measured more than once) is followed by two more, "COLUMN min" and "COLUMN max" (equal to the value where a cell was
     * measured once).
     */
    public String toCsv() {
        boolean[] spread = new boolean[columns.size()];
        for (List<Object> r : values) {
            for (int i = 0; i < r.size(); i++) {
                spread[i] |= r.get(i) instanceof Spread sp && sp.hasSpread();
            }
        }
        StringBuilder sb = new StringBuilder();
        List<Object> head = new ArrayList<>();
        for (int i = 0; i < columns.size(); i++) {
            head.add(columns.get(i));
            if (spread[i]) {
                head.add(columns.get(i) + " min");
                head.add(columns.get(i) + " max");
            }
        }
        sb.append(csvLine(head));
        for (List<Object> r : values) {
            List<Object> line = new ArrayList<>();
            for (int i = 0; i < r.size(); i++) {
                Object v = r.get(i);
                line.add(v);
                if (spread[i]) {
                    line.add(v instanceof Spread s ? (Object) s.min() : v);
                    line.add(v instanceof Spread s ? (Object) s.max() : v);
                }
            }
            sb.append(csvLine(line));
        }
        return sb.toString();
    }

    private static String csvLine(List<?> cells) {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < cells.size(); i++) {
            if (i > 0) {
                sb.append(',');
            }
            String c = raw(cells.get(i));
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
