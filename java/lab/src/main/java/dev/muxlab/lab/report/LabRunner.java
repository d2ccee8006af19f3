package dev.muxlab.lab.report;

import dev.muxlab.Binding;
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
    /** The version of the JSON files' layout: 2 added "schema", "meta" and spreads ({median,min,max,n}). */
    public static final int SCHEMA = 2;
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
        for (ExperimentResult r : results) {
            ctx.write(r.name + ".json", json(r, meta())); // again: the metadata of the finished run, the same in each
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
        ctx.write(r.name + ".json", json(r, meta()));
    }

    /**
     * The metadata every JSON file of a run carries, the same in each: muxlab's version and commit,
     * the command, when the run started, its mode and repeats, and the machine as it was at the start.
     */
    Map<String, Object> meta() {
        Machine mc = ctx.machine;
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("muxlab_version", BuildInfo.version());
        m.put("muxlab_commit", BuildInfo.commit());
        m.put("command", command);
        m.put("started", mc.startedIso());
        m.put("mode", ctx.quick ? "quick" : "full");
        m.put("repeats", ctx.repeats());
        m.put("filters", ctx.filters());
        m.put("binding", Binding.name());
        m.put("server_jvms", new LinkedHashMap<>(ctx.serverJvms));
        Map<String, Object> machine = new LinkedHashMap<>();
        machine.put("cpu", mc.cpu());
        machine.put("cores", mc.cores());
        machine.put("memory_mib", mc.memoryMib());
        machine.put("kernel", mc.kernel());
        machine.put("jdk", mc.jdk());
        machine.put("load_average_at_start", mc.loadAverage());
        machine.put("fd_limit_soft_at_start", mc.fdSoft());
        machine.put("fd_limit_hard_at_start", mc.fdHard());
        m.put("machine", machine);
        return m;
    }

    /**
     * The experiment's JSON file: the schema version and the run's metadata, its figures as
     * numbers (null where not measured), or {@code {"median","min","max","n"}} for a figure
     * measured more than once, and its tables' values.
     */
    static String json(ExperimentResult r, Map<String, Object> meta) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("schema", SCHEMA);
        m.put("meta", meta);
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
        List<ExperimentResult> leads = results.stream().filter(r -> of(experiments, r).readsOthers()).toList();
        Toc toc = new Toc();
        StringBuilder body = new StringBuilder();
        body.append(toc.heading(2, "Run"));
        runBlock(body, seconds);
        for (ExperimentResult lead : leads) {
            body.append(toc.heading(2, lead.title));
            body.append(of(experiments, lead).guide()).append("\n\n");
            for (Table t : lead.tables) {
                body.append(toc.heading(3, t.title)).append(t.toMarkdown()).append('\n');
            }
        }
        body.append(toc.heading(2, "Summary"));
        body.append("| experiment | figure | value |\n|---|---|---|\n");
        for (ExperimentResult r : results) {
            for (Map.Entry<String, String> s : r.summary.entrySet()) {
                body.append("| ").append(r.name).append(" | ").append(s.getKey()).append(" | ")
                        .append(s.getValue().replace("|", "\\|")).append(" |\n");
            }
        }
        for (Map.Entry<String, String> f : failures.entrySet()) {
            body.append("| ").append(f.getKey()).append(" | FAILED | ").append(f.getValue().replace("|", "\\|"))
                    .append(" |\n");
        }
        body.append('\n');
        for (ExperimentResult r : results) {
            if (leads.contains(r)) {
                continue;
            }
            body.append(toc.heading(2, r.name + ": " + r.title));
            body.append(of(experiments, r).guide()).append("\n\n");
            for (String p : r.paragraphs) {
                body.append(p).append("\n\n");
            }
            for (Table t : r.tables) {
                body.append(toc.heading(3, t.title)).append(t.toMarkdown()).append('\n');
            }
            for (String c : r.charts) {
                body.append("![").append(c).append("](").append(c).append(")\n\n");
            }
            body.append(String.format(Locale.ROOT, "_(%.1f s)_%n%n", r.seconds));
        }
        String md = "# muxlab report\n\n" + toc.markdown() + "\n" + body;
        return ctx.write("report.md", md);
    }

    /** The run's metadata: what ran, from which build, on what machine (as it was at the start), for how long. */
    private void runBlock(StringBuilder md, double seconds) {
        md.append("- muxlab: ").append(BuildInfo.version()).append(" (commit ").append(BuildInfo.commit())
                .append(")\n");
        md.append("- command: `").append(command).append("`\n");
        md.append("- started: ").append(ctx.machine.startedIso()).append('\n');
        md.append("- mode: ").append(ctx.quick ? "quick" : "full").append(" (").append(ctx.repeats())
                .append(ctx.repeats() == 1 ? " repeat per cell of scaling and models: no spread)"
                        : " repeats per cell of scaling and models: median and min\u2013max)");
        if (!ctx.filters().isEmpty()) {
            md.append(" (").append(ctx.filters()).append(')');
        }
        md.append('\n');
        for (Map.Entry<String, String> m : ctx.machine.describe().entrySet()) {
            md.append("- ").append(m.getKey()).append(": ").append(m.getValue()).append('\n');
        }
        md.append("- binding: ").append(Binding.describe()).append('\n');
        if (!ctx.serverJvms.isEmpty()) {
            Map<String, List<String>> byJvm = new LinkedHashMap<>();
            ctx.serverJvms.forEach((model, jvm) -> byJvm.computeIfAbsent(jvm, k -> new ArrayList<>()).add(model));
            List<String> parts = new ArrayList<>();
            byJvm.forEach((jvm, models) -> parts.add("JDK " + jvm + ": " + String.join(", ", models)));
            md.append("- server JVMs of models (JDK, binding): ").append(String.join("; ", parts)).append('\n');
        }
        md.append(String.format(Locale.ROOT, "- wall time: %.1f s%n%n", seconds));
        md.append("Figures are measured on this machine in this run; every number below comes from the files beside"
                + " this report (one CSV per table, one JSON per experiment, each JSON with this metadata). A figure"
                + " shown as \"median (min\u2013max)\" was measured once per repeat, the repeats of a cell run in"
                + " turn with the other cells.\n\n");
    }

    /** The table of contents, filled as the headings are written: GitHub's anchors, duplicates numbered. */
    static final class Toc {
        private final StringBuilder entries = new StringBuilder();
        private final Map<String, Integer> seen = new LinkedHashMap<>();

        /** A "## text" heading (level 2 or 3), recorded in the contents; returns its Markdown. */
        String heading(int level, String text) {
            String anchor = anchor(text);
            int n = seen.merge(anchor, 1, Integer::sum);
            if (n > 1) {
                anchor += "-" + (n - 1);
            }
            entries.append("  ".repeat(level - 2)).append("- [").append(text.replace("[", "\\[").replace("]", "\\]"))
                    .append("](#").append(anchor).append(")\n");
            return "#".repeat(level) + " " + text + "\n\n";
        }

        String markdown() {
            return "## Contents\n\n" + entries;
        }

        /** GitHub's heading anchor: lower case, punctuation dropped, spaces to hyphens. */
        static String anchor(String text) {
            StringBuilder sb = new StringBuilder();
            for (char ch : text.toLowerCase(Locale.ROOT).toCharArray()) {
                if (Character.isLetterOrDigit(ch) || ch == '-' || ch == '_') {
                    sb.append(ch);
                } else if (ch == ' ') {
                    sb.append('-');
                }
            }
            return sb.toString();
        }
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
