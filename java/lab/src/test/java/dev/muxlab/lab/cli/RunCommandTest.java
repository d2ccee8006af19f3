package dev.muxlab.lab.cli;

import static org.junit.jupiter.api.Assertions.*;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import dev.muxlab.lab.experiments.Experiments;
import dev.muxlab.lab.report.Experiment;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The lab's main job from the CLI: bad input gives exit 2 and one line; a quick run leaves a report. */
class RunCommandTest {

    /** Runs the CLI capturing stdout and stderr; returns {exit code, out, err}. */
    static Object[] cli(String... args) {
        PrintStream oldOut = System.out;
        PrintStream oldErr = System.err;
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        try {
            System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
            System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
            int rc = Main.run(args);
            return new Object[] {rc, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8)};
        } finally {
            System.setOut(oldOut);
            System.setErr(oldErr);
        }
    }

    static void assertUsageError(String expectedFragment, String... args) {
        Object[] r = cli(args);
        assertEquals(2, r[0], "exit code for " + String.join(" ", args) + "; stderr: " + r[2]);
        String err = ((String) r[2]).trim();
        assertTrue(err.contains(expectedFragment), err);
        assertFalse(err.contains("\tat "), "no stack trace: " + err);
        assertEquals(1, err.lines().count(), "one line: " + err);
    }

    @Test
    void badInputIsOneLineAndExitCode2(@TempDir Path tmp) throws Exception {
        assertUsageError("allowed: select, select-wide, poll, epoll", "run", "--quick", "--backend", "kqueue",
                "--out", tmp.resolve("a").toString());
        assertUsageError("allowed: lt, et", "trigger", "--trigger", "both", "--out", tmp.resolve("b").toString());
        assertUsageError("epoll backend only", "scaling", "--backend", "poll", "--trigger", "et",
                "--out", tmp.resolve("c").toString());
        Path file = Files.writeString(tmp.resolve("plain-file"), "x");
        assertUsageError("cannot write output folder", "fdlimit", "--out", file.resolve("sub").toString());
        assertUsageError("allowed: blocking, threadpool", "serve", "--model", "kqueue");
    }

    @Test
    void helpListsTheBackendAndTriggerIds() {
        Object[] r = cli("run", "--help");
        assertEquals(0, r[0], "stderr: " + r[2]);
        String help = ((String) r[1]).replaceAll("\\s+", " ");
        assertTrue(help.contains("--backend=B[,B...] only these backends, comma-separated: select, select-wide, poll,"
                + " epoll"), help);
        assertTrue(help.contains("--trigger=T[,T...] epoll only: lt, et"), help);
    }

    @Test
    void quickRunLeavesAReportWithEveryExperimentClaimsAndCharts(@TempDir Path tmp) throws Exception {
        Path out = tmp.resolve("report");
        Object[] r = cli("run", "--quick", "--out", out.toString());
        assertEquals(0, r[0], "stdout: " + r[1] + "\nstderr: " + r[2]);
        String report = Files.readString(out.resolve("report.md"));
        for (String exp : List.of("fdlimit", "trigger", "scaling", "models")) {
            assertTrue(report.contains("## " + exp + ":"), "report has " + exp);
            assertTrue(Files.exists(out.resolve(exp + ".json")), exp + ".json");
        }
        assertTrue(report.contains("Claims and verdicts"), "claims table");
        assertTrue(report.contains("select can watch at most 1024 fds"));
        try (Stream<Path> s = Files.list(out)) {
            List<Path> pngs = s.filter(p -> p.toString().endsWith(".png")).toList();
            assertFalse(pngs.isEmpty(), "charts written");
            for (Path p : pngs) {
                byte[] head = Files.readAllBytes(p);
                assertEquals((byte) 0x89, head[0]);
                assertEquals('P', head[1]);
                assertTrue(report.contains("](" + p.getFileName() + ")"), "chart embedded: " + p.getFileName());
            }
        }
        assertTrue(((String) r[1]).contains("Summary"), "console summary table");

        assertEverySectionReadmeNames(report);
        assertRunMetadataAndContents(report);
        assertJsonSchemaAndMeta(out);
        assertModelsFiguresFromTheServer(out);
        assertNoLocalPaths(out, tmp);
    }

    /** The experiments README's table names, by the first column of its rows ("| `fdlimit` | ..."). */
    static List<String> readmeExperiments() throws IOException {
        Path root = Path.of("").toAbsolutePath();
        while (root != null && !Files.isRegularFile(root.resolve("README.md"))) {
            root = root.getParent();
        }
        assertNotNull(root, "README.md above " + Path.of("").toAbsolutePath());
        String readme = Files.readString(root.resolve("README.md"));
        String lab = readme.substring(readme.indexOf("## The lab"));
        lab = lab.substring(0, lab.indexOf("\n## ", 5));
        List<String> names = new ArrayList<>();
        Matcher m = Pattern.compile("(?m)^\\| `([a-z-]+)` \\|").matcher(lab);
        while (m.find()) {
            names.add(m.group(1));
        }
        assertTrue(names.size() >= 5, "README's experiment table: " + names);
        return names;
    }

    /** Every experiment README describes has its section in the report, listed in the contents. */
    private static void assertEverySectionReadmeNames(String report) throws IOException {
        for (String name : readmeExperiments()) {
            Experiment e = Experiments.byName(name); // README names an experiment that exists
            String heading = e.readsOthers() ? e.title() : name + ": " + e.title();
            assertTrue(report.contains("\n## " + heading + "\n"), "report section for README's " + name);
            assertTrue(report.contains("- [" + heading + "](#"), "contents entry for " + name);
        }
    }

    /** The contents first, then the run: build, command, start, mode, the machine at the start, wall time. */
    private static void assertRunMetadataAndContents(String report) {
        int contents = report.indexOf("\n## Contents\n");
        int run = report.indexOf("\n## Run\n");
        assertTrue(contents > 0 && run > contents, "contents, then the run's metadata");
        assertTrue(report.indexOf("\n## ", contents + 1) == run, "the contents are the first section");
        String block = report.substring(run, report.indexOf("\n## ", run + 1));
        for (String line : List.of("- muxlab: dev (commit unknown)", "- command: `scripts/muxlab run --quick --out ",
                "- started: 20", "- mode: quick (1 repeat per cell", "- cpu: ", "- memory: ", "- kernel: Linux ",
                "- jdk: ", "- fd limit at start: soft ", "- load average at start: ", "- binding: ",
                "- server JVMs of models (JDK, binding): JDK ", "- wall time: ")) {
            assertTrue(block.contains("\n" + line), "run metadata has '" + line + "': " + block);
        }
    }

    /** Every JSON file: schema 2 and one metadata block, the same in each. */
    private static void assertJsonSchemaAndMeta(Path out) throws IOException {
        JsonNode meta = null;
        List<Path> files;
        try (Stream<Path> s = Files.list(out)) {
            files = s.filter(p -> p.toString().endsWith(".json")).sorted().toList();
        }
        assertTrue(files.size() >= 5, files.toString());
        for (Path f : files) {
            JsonNode j = new ObjectMapper().readTree(f.toFile());
            assertEquals(2, j.path("schema").asInt(-1), f + " schema");
            assertTrue(j.path("meta").isObject(), f + " meta");
            assertEquals("dev", j.path("meta").path("muxlab_version").asText(), f.toString());
            assertTrue(j.path("meta").path("machine").path("cores").asInt() >= 1, f.toString());
            assertEquals(dev.muxlab.Binding.name(), j.path("meta").path("binding").asText(), f + ": the lab's binding");
            assertTrue(j.path("meta").path("server_jvms").path("epoll-et").asText().contains(" "),
                    f + ": the JDK and binding of each models server");
            if (meta == null) {
                meta = j.path("meta");
            } else {
                assertEquals(meta, j.path("meta"), f + " carries the same metadata");
            }
        }
    }

    /**
     * The models figures the verdicts read, as the server measured them: a blocking server makes no
     * readiness wait, a reactor about one per message on a single connection, and the threadpool
     * answers no more connections than it has workers.
     */
    private static void assertModelsFiguresFromTheServer(Path out) throws IOException {
        JsonNode f = new ObjectMapper().readTree(out.resolve("models.json").toFile()).path("figures");
        assertEquals(0.0, f.path("models.blocking.c1.waits_per_msg").asDouble(-1), "blocking: no readiness waits");
        double et = f.path("models.epoll-et.c1.waits_per_msg").asDouble(-1);
        assertTrue(et >= 0.9 && et < 2, "epoll-et, 1 connection: waits per message " + et);
        assertEquals(f.path("models.epoll-et.c1.rw_calls_per_msg").asDouble() + et,
                f.path("models.epoll-et.c1.calls_per_msg").asDouble(), 1e-9);
        double answered = f.path("models.threadpool.c100.answered").asDouble(-1);
        assertTrue(answered >= 1 && answered <= 8, "threadpool of 8 workers, 100 connections: answered " + answered);
        assertEquals(100.0, f.path("models.threadpool.c100.connected").asDouble(-1));
    }

    /** No absolute local path (output folder, working folder, home, JDK) in the report or the JSON files. */
    private static void assertNoLocalPaths(Path out, Path tmp) throws IOException {
        List<String> local = new ArrayList<>(List.of(out.toAbsolutePath().toString(), tmp.toAbsolutePath().toString(),
                Path.of("").toAbsolutePath().toString(), System.getProperty("java.home")));
        String home = System.getProperty("user.home");
        if (home != null && home.length() > 1) {
            local.add(home + "/");
        }
        try (Stream<Path> s = Files.list(out)) {
            for (Path f : s.filter(p -> p.toString().endsWith(".json") || p.toString().endsWith(".md")).toList()) {
                String text = Files.readString(f);
                for (String l : local) {
                    assertFalse(text.contains(l), f.getFileName() + " contains the local path " + l);
                }
            }
        }
    }
}
