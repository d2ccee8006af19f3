package dev.muxlab.lab.report;

import static org.junit.jupiter.api.Assertions.*;

import java.awt.image.BufferedImage;
import java.nio.file.Path;
import java.util.List;

import javax.imageio.ImageIO;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Log axes keep labelled ticks over any range; charts carry their subtitle and stack panels. */
class ChartsTest {

    @Test
    void logTicksOverManyDecadesAreThePowersOfTen() {
        assertEquals(List.of(10.0, 100.0, 1000.0, 10000.0), Charts.logTicks(7, 12000));
    }

    @Test
    void logTicksOverOneToThreeDecadesStepOneTwoFive() {
        assertEquals(List.of(10.0, 20.0, 50.0, 100.0, 200.0, 500.0, 1000.0), Charts.logTicks(9, 1100));
        // threads from 22 to 7,449: more than two decades, and still labelled inside
        assertEquals(List.of(50.0, 100.0, 200.0, 500.0, 1000.0, 2000.0, 5000.0), Charts.logTicks(22, 7449));
    }

    @Test
    void logTicksWithinADecadeAreRoundLinearSteps() {
        // 3,000..9,000 holds no power of ten: without these the axis had no label at all
        assertEquals(List.of(3000.0, 4000.0, 5000.0, 6000.0, 7000.0, 8000.0, 9000.0), Charts.logTicks(3000, 9000));
        List<Double> narrow = Charts.logTicks(22, 122);
        assertTrue(narrow.size() >= 3, narrow.toString());
        assertTrue(narrow.stream().allMatch(v -> v >= 22 && v <= 122), narrow.toString());
        assertEquals(List.of(), Charts.logTicks(0, 10), "no log ticks through zero");
    }

    @Test
    void niceBoundsWidenANarrowRangeToItsTicksOnly() {
        assertArrayEquals(new double[] {20, 140}, Charts.niceBounds(22, 122), 1e-9);
        assertArrayEquals(new double[] {9, 1100}, Charts.niceBounds(9, 1100), 1e-9);
        assertArrayEquals(new double[] {7, 12000}, Charts.niceBounds(7, 12000), 1e-9);
    }

    @Test
    void chartsAreWrittenWithTheirSubtitle(@TempDir Path dir) throws Exception {
        List<Charts.Series> s = List.of(new Charts.Series("a", List.of(new double[] {1, 3000}, new double[] {10, 9000}),
                false), new Charts.Series("b", List.of(new double[] {1, 4000}, new double[] {10, 5000}), true));
        Path line = Charts.line(dir.resolve("line.png"), "title", "machine, date", "x", "y", true, true, s);
        BufferedImage img = ImageIO.read(line.toFile());
        assertEquals(900, img.getWidth());
        Path stacked = Charts.stacked(dir.resolve("stacked.png"), "title", "machine, date", "x", true,
                List.of(new Charts.Panel("y1", true, s), new Charts.Panel("y2", false, s)));
        assertTrue(ImageIO.read(stacked.toFile()).getHeight() > img.getHeight(), "two panels are taller");
    }
}
