package dev.muxlab.lab.cli;

import static org.junit.jupiter.api.Assertions.*;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;

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
    }
}
