package dev.muxlab.lab.compare;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import dev.muxlab.lab.compare.RunComparison.Change;
import dev.muxlab.lab.compare.RunComparison.Row;

class RunComparisonTest {

    private static Path run(Path dir, String name, String json) throws Exception {
        Files.createDirectories(dir);
        Files.writeString(dir.resolve(name + ".json"), json);
        return dir;
    }

    @Test
    void ratiosAndChangesAgainstTheSpread(@TempDir Path tmp) throws Exception {
        Path a = run(tmp.resolve("a"), "models", "{\"schema\":2,\"experiment\":\"models\",\"figures\":{"
                + "\"x.apart\":{\"median\":100,\"min\":95,\"max\":105,\"n\":3},"
                + "\"x.overlap\":{\"median\":100,\"min\":90,\"max\":110,\"n\":3},"
                + "\"x.single\":10,"
                + "\"x.zero\":0,"
                + "\"x.onlyA\":1}}");
        Path b = run(tmp.resolve("b"), "models", "{\"schema\":2,\"experiment\":\"models\",\"figures\":{"
                + "\"x.apart\":{\"median\":150,\"min\":140,\"max\":160,\"n\":3},"
                + "\"x.overlap\":{\"median\":105,\"min\":100,\"max\":112,\"n\":3},"
                + "\"x.single\":20,"
                + "\"x.zero\":0,"
                + "\"x.onlyB\":2}}");
        RunComparison c = RunComparison.of(a, b);
        Map<String, Row> byKey = new java.util.HashMap<>();
        for (Row r : c.rows()) {
            byKey.put(r.key(), r);
        }
        assertEquals(4, byKey.size(), byKey.toString());
        assertEquals(1.5, byKey.get("x.apart").ratio(), 1e-9);
        assertEquals(Change.BEYOND_SPREAD, byKey.get("x.apart").change());
        assertEquals(Change.WITHIN_SPREAD, byKey.get("x.overlap").change());
        assertEquals(Change.NO_SPREAD, byKey.get("x.single").change());
        assertEquals(2.0, byKey.get("x.single").ratio(), 1e-9);
        assertEquals(1.0, byKey.get("x.zero").ratio(), 1e-9);
        assertEquals(List.of("x.onlyA"), c.onlyInA());
        assertEquals(List.of("x.onlyB"), c.onlyInB());
        String md = c.toMarkdown("a", "b");
        assertTrue(md.indexOf("x.apart") < md.indexOf("x.overlap"), "changes first:\n" + md);
        assertTrue(md.contains("**changed**") && md.contains("150 (140–160)"), md);
        assertEquals(1, c.counts().get(Change.BEYOND_SPREAD));
    }

    @Test
    void aRatioFromZeroIsNotANumber() {
        assertTrue(Double.isNaN(RunComparison.ratio(0, 5)));
    }

    @Test
    void badFoldersAreRefusedWithTheReason(@TempDir Path tmp) throws Exception {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> RunComparison.of(tmp.resolve("nope"), tmp));
        assertTrue(e.getMessage().contains("is not a folder"), e.getMessage());
        Path empty = Files.createDirectories(tmp.resolve("empty"));
        e = assertThrows(IllegalArgumentException.class, () -> RunComparison.of(empty, empty));
        assertTrue(e.getMessage().contains("no experiment results"), e.getMessage());
        Path bad = run(tmp.resolve("bad"), "x", "{\"figures\":{\"k\":\"text\"}}");
        e = assertThrows(IllegalArgumentException.class, () -> RunComparison.of(bad, bad));
        assertTrue(e.getMessage().contains("neither a number"), e.getMessage());
    }
}
