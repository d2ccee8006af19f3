package dev.muxlab.lab.report;

import static org.junit.jupiter.api.Assertions.*;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Set;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import com.fasterxml.jackson.databind.JsonNode;

import dev.muxlab.lab.Json;
import dev.muxlab.lab.verdict.Spread;

/**
 * The files a run writes do not depend on the default locale: under a decimal-comma locale the
 * CSV and JSON hold 1.5 (unrounded numbers, JSON numbers), and the report text 1.50.
 */
class LocaleFreeFilesTest {

    /** An experiment that publishes one table, one figure and one summary line, all 1.5. */
    private static final class OnePointFive implements Experiment {
        @Override
        public String name() {
            return "demo";
        }

        @Override
        public String title() {
            return "Demo";
        }

        @Override
        public String guide() {
            return "One number.";
        }

        @Override
        public ExperimentResult run(ExperimentContext ctx) {
            ExperimentResult r = new ExperimentResult(name(), title());
            r.table(new Table("numbers", "name", "value", "count", "missing")).row("a, b", 1.5, 12_345L, Double.NaN);
            r.figure("demo.value", 1.5).figure("demo.missing", Double.NaN);
            r.summary("value", 1.5);
            return r;
        }
    }

    @Test
    void csvAndJsonHoldDecimalPointsUnderAGermanLocale(@TempDir Path dir) throws Exception {
        Locale before = Locale.getDefault();
        try {
            Locale.setDefault(Locale.GERMANY);
            ByteArrayOutputStream log = new ByteArrayOutputStream();
            ExperimentContext ctx = new ExperimentContext(true, dir, Set.of(), Set.of(),
                    new PrintStream(log, true, StandardCharsets.UTF_8), false);
            assertEquals(0, new LabRunner(ctx, "test").run(List.of(new OnePointFive())));

            String csv = Files.readString(dir.resolve("demo.csv"));
            assertEquals("name,value,count,missing\n\"a, b\",1.5,12345,\n", csv);

            String json = Files.readString(dir.resolve("demo.json"));
            assertTrue(json.contains("1.5") && !json.contains("1,5"), json);
            JsonNode tree = Json.tree(json);
            assertTrue(tree.get("figures").get("demo.value").isDouble(), json);
            assertEquals(1.5, tree.get("figures").get("demo.value").doubleValue());
            assertTrue(tree.get("figures").get("demo.missing").isNull(), json);
            JsonNode row = tree.get("tables").get(0).get("rows").get(0);
            assertEquals("a, b", row.get(0).asText());
            assertEquals(1.5, row.get(1).doubleValue());
            assertEquals(12_345, row.get(2).longValue());
            assertTrue(row.get(3).isNull());
            assertEquals("1.50", tree.get("summary").get("value").asText());

            String report = Files.readString(dir.resolve("report.md"));
            assertTrue(report.contains("| a, b | 1.50 | 12345 | n/a |"), report);
            assertFalse(report.contains("1,50"), report);
            assertTrue(log.toString(StandardCharsets.UTF_8).contains("1.50"));
        } finally {
            Locale.setDefault(before);
        }
    }

    /** A figure measured once per repeat: "median (min–max)" to read, min and max columns in CSV, an object in JSON. */
    @Test
    void spreadsReadAsMedianAndRangeAndKeepTheirSamplesInFiles() {
        Locale before = Locale.getDefault();
        try {
            Locale.setDefault(Locale.GERMANY);
            Table t = new Table("t", "name", "value").row("a", Spread.of(2.0, 1.5, 1.0)).row("b", Spread.of(7, 7, 7))
                    .row("c", 3.25);
            assertEquals("1.50 (1.00\u20132.00)", t.rows.get(0).get(1), "one format for the three numbers");
            assertEquals("1.00", Table.fmt(Spread.of(1.0, 1.0, 1.001)), "the same once rounded: no range");
            assertEquals("81200 (78900\u201383100)", Table.fmt(Spread.of(78_900, 81_200, 83_100)));
            assertEquals("7", t.rows.get(1).get(1), "no range when min and max read the same");
            assertEquals("name,value,value min,value max\na,1.5,1,2\nb,7,7,7\nc,3.25,3.25,3.25\n", t.toCsv());
            @SuppressWarnings("unchecked")
            java.util.Map<String, Object> j = (java.util.Map<String, Object>) Table.json(Spread.of(2.0, 1.5, 1.0));
            assertEquals(1.5, j.get("median"));
            assertEquals(1.0, j.get("min"));
            assertEquals(2.0, j.get("max"));
            assertEquals(3, j.get("n"));
            assertEquals("name,value\nc,3.25\nd,4\n", new Table("u", "name", "value").row("c", 3.25)
                    .row("d", Spread.single(4)).toCsv(), "no extra columns without spreads");
        } finally {
            Locale.setDefault(before);
        }
    }

    @Test
    void rawNumbersArePlainAndUnrounded() {
        assertEquals("1234.5678901", Table.raw(1234.5678901));
        assertEquals("12345678", Table.raw(1.2345678e7));
        assertEquals("0.000012", Table.raw(1.2e-5));
        assertEquals("1023", Table.raw(1023.0));
        assertEquals("", Table.raw(Double.NaN));
        assertEquals("7", Table.raw(7));
    }
}
