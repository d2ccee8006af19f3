package dev.muxlab.lab.report;

import dev.muxlab.lab.verdict.Spread;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.AccessDeniedException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

import dev.muxlab.lab.Json;

/**
 * Runs experiments in order and writes the results: one CSV per table, one JSON per experiment
 * (figures and summary), the PNG charts the experiments drew, and {@code report.md} with the
 * tables, verdicts and charts embedded. Prints a summary table on the console at the end.
 */
public final class LabRunner {
    private final ExperimentContext ctx;
    private final String command;
    private final Map<String, String> failures = new LinkedHashMap<>();

    public LabRunner(ExperimentContext ctx, String command) {
        this.ctx = ctx;
        this.command = command;
    }

    /** Default output folder: results/&lt;timestamp&gt;. */
    public static Path defaultOut() {
        return Path.of("results", ZonedDateTime.now().format(DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss")));
    }

    /**
     * Checks that the output folder can be created and written; IllegalArgumentException naming
     * the folder and the reason otherwise (exit code 2 at the CLI).
     */
    public static void checkWritable(Path out) {
        try {
            Files.createDirectories(out);
            Path probe = Files.createTempFile(out, ".probe", ".tmp");
            Files.delete(probe);
        } catch (IOException | SecurityException e) {
            throw new IllegalArgumentException("cannot write output folder " + out + ": " + reason(e));
        }
    }

    private static String reason(Exception e) {
        String m = e.getMessage();
        if (e instanceof AccessDeniedException) {
            return "permission denied";
        }
        if (e instanceof FileAlreadyExistsException || e.getClass() == FileSystemException.class) {
            return "a file is in the way (" + m + ")"; // e.g. "Not a directory" under a plain file
        }
        return m == null ? e.getClass().getSimpleName() : m;
    }

    /** Runs the experiments; returns 0 if all succeeded, 1 if any failed. */
    public int run(List<Experiment> experiments) throws IOException {
        PrintStream log = ctx.log;
        long t0 = System.nanoTime();
        List<ExperimentResult> results = new ArrayList<>();
        for (Experiment e : experiments) {
            log.println("== " + e.name() + ": " + e.title());
            long s = System.nanoTime();
            try {
                ExperimentResult r = e.run(ctx);
                r.seconds = (System.nanoTime() - s) / 1e9;
                ctx.done.put(e.name(), r);
                results.add(r);
                writeFiles(r);
                log.printf(Locale.ROOT, "   done in %.1f s%n", r.seconds);
            } catch (IllegalArgumentException ex) {
                throw ex; // bad input: the CLI reports it with exit code 2
            } catch (Exception | Error ex) {
                failures.put(e.name(), ex.toString());
                log.println("   FAILED: " + ex);
            }
        }
        Path report = writeReport(experiments, results, (System.nanoTime() - t0) / 1e9);
        printSummary(results, report);
        return failures.isEmpty() ? 0 : 1;
    }

    /** One CSV per table and one JSON per experiment (figures, summary, tables), numbers unrounded. */
    void writeFiles(ExperimentResult r) throws IOException {
        int i = 0;
        for (Table t : r.tables) {
            i++;
            ctx.write(r.name + (r.tables.size() > 1 ? "-" + i : "") + ".csv", t.toCsv());
        }
        ctx.write(r.name + ".json", json(r));
    }

    /**
     * The experiment's JSON file: its figures as numbers (null where not measured), or
     * {@code {"median","min","max","n"}} for a figure measured more than once, and its tables' values.
     */
    static String json(ExperimentResult r) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("experiment", r.name);
        m.put("title", r.title);
        m.put("seconds", r.seconds);
        Map<String, Object> figures = new LinkedHashMap<>();
        r.figures.forEach((k, v) -> {
            Spread s = r.spreads.get(k);
            if (s == null) {
                figures.put(k, Table.json(v));
            } else {
                Map<String, Object> sm = new LinkedHashMap<>();
                sm.put("median", s.median());
                sm.put("min", s.min());
                sm.put("max", s.max());
                sm.put("n", s.n());
                figures.put(k, sm);
            }
        });
        m.put("figures", figures);
        m.put("summary", r.summary);
        List<Map<String, Object>> tables = new ArrayList<>();
        for (Table t : r.tables) {
            Map<String, Object> tm = new LinkedHashMap<>();
            tm.put("title", t.title);
            tm.put("columns", t.columns);
            tm.put("rows", t.values.stream().map(row -> row.stream().map(Table::json).toList()).toList());
            tables.add(tm);
        }
        m.put("tables", tables);
        return Json.pretty(m);
    }

    private Path writeReport(List<Experiment> experiments, List<ExperimentResult> results, double seconds)
            throws IOException {
        StringBuilder md = new StringBuilder();
        md.append("# muxlab report\n\n");
        md.append("- command: `").append(command).append("`\n");
        md.append("- date: ").append(ZonedDateTime.now().format(DateTimeFormatter.ISO_OFFSET_DATE_TIME)).append('\n');
        md.append("- mode: ").append(ctx.quick ? "quick" : "full");
        if (!ctx.filters().isEmpty()) {
            md.append(" (").append(ctx.filters()).append(')');
        }
        md.append('\n');
        for (Map.Entry<String, String> m : Machine.describe().entrySet()) {
            md.append("- ").append(m.getKey()).append(": ").append(m.getValue()).append('\n');
        }
        md.append(String.format(Locale.ROOT, "- total time: %.1f s%n%n", seconds));
        md.append("Figures are measured on this machine in this run; every number below comes from the files beside"
                + " this report (one CSV per table, one JSON per experiment).\n\n");

        List<ExperimentResult> leads = results.stream().filter(r -> of(experiments, r).readsOthers()).toList();
        for (ExperimentResult lead : leads) {
            md.append("## ").append(lead.title).append("\n\n");
            md.append(of(experiments, lead).guide()).append("\n\n");
            for (Table t : lead.tables) {
                md.append("### ").append(t.title).append("\n\n").append(t.toMarkdown()).append('\n');
            }
        }
        md.append("## Summary\n\n| experiment | figure | value |\n|---|---|---|\n");
        for (ExperimentResult r : results) {
            for (Map.Entry<String, String> s : r.summary.entrySet()) {
                md.append("| ").append(r.name).append(" | ").append(s.getKey()).append(" | ").append(s.getValue())
                        .append(" |\n");
            }
        }
        for (Map.Entry<String, String> f : failures.entrySet()) {
            md.append("| ").append(f.getKey()).append(" | FAILED | ").append(f.getValue().replace("|", "\\|")).append(" |\n");
        }
        md.append('\n');
        for (ExperimentResult r : results) {
            if (leads.contains(r)) {
                continue;
            }
            md.append("## ").append(r.name).append(": ").append(r.title).append("\n\n");
            md.append(of(experiments, r).guide()).append("\n\n");
            for (String p : r.paragraphs) {
                md.append(p).append("\n\n");
            }
            for (Table t : r.tables) {
                md.append("### ").append(t.title).append("\n\n").append(t.toMarkdown()).append('\n');
            }
            for (String c : r.charts) {
                md.append("![").append(c).append("](").append(c).append(")\n\n");
            }
            md.append(String.format(Locale.ROOT, "_(%.1f s)_%n%n", r.seconds));
        }
        return ctx.write("report.md", md.toString());
    }

    /** The experiment that produced a result. */
    private static Experiment of(List<Experiment> experiments, ExperimentResult r) {
        for (Experiment e : experiments) {
            if (e.name().equals(r.name)) {
                return e;
            }
        }
        throw new IllegalStateException("no experiment " + r.name);
    }

    private void printSummary(List<ExperimentResult> results, Path report) {
        Table t = new Table("Summary", "experiment", "figure", "value");
        for (ExperimentResult r : results) {
            for (Map.Entry<String, String> s : r.summary.entrySet()) {
                t.row(r.name, s.getKey(), s.getValue());
            }
        }
        for (Map.Entry<String, String> f : failures.entrySet()) {
            t.row(f.getKey(), "FAILED", f.getValue());
        }
        ctx.log.println();
        ctx.log.print(t.toText());
        for (ExperimentResult r : results) {
            if (r.console != null) {
                ctx.log.println();
                ctx.log.print(r.console.toText());
            }
        }
        ctx.log.println();
        ctx.log.println("report: " + report.toAbsolutePath());
    }
}
