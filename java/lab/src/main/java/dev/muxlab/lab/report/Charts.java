package dev.muxlab.lab.report;

import java.awt.BasicStroke;
import java.awt.Color;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.text.DecimalFormat;
import java.text.DecimalFormatSymbols;
import java.text.NumberFormat;
import java.util.List;
import java.util.Locale;
import java.util.Map;

import org.jfree.chart.ChartUtils;
import org.jfree.chart.JFreeChart;
import org.jfree.chart.axis.LogAxis;
import org.jfree.chart.axis.NumberAxis;
import org.jfree.chart.axis.NumberTickUnit;
import org.jfree.chart.axis.ValueAxis;
import org.jfree.chart.plot.XYPlot;
import org.jfree.chart.renderer.xy.XYLineAndShapeRenderer;
import org.jfree.data.xy.XYSeries;
import org.jfree.data.xy.XYSeriesCollection;

/** PNG line charts drawn with JFreeChart (headless). */
public final class Charts {
    static {
        System.setProperty("java.awt.headless", "true");
    }

    private static final Color[] PALETTE = {
        new Color(0x1f77b4), new Color(0xd62728), new Color(0x2ca02c), new Color(0x9467bd),
        new Color(0xff7f0e), new Color(0x8c564b), new Color(0xe377c2), new Color(0x7f7f7f),
        new Color(0xbcbd22), new Color(0x17becf)
    };

    private Charts() {
    }

    /** One series: points (x, y) and whether to draw it dashed (e.g. a C reference). */
    public record Series(String name, List<double[]> points, boolean dashed) {
    }

    /**
     * Writes a line chart to {@code file} (PNG, 900x560). Log axes where asked; points with
     * non-positive values are dropped on a log axis.
     */
    public static Path line(Path file, String title, String xLabel, String yLabel, boolean logX, boolean logY,
            List<Series> series) throws IOException {
        XYSeriesCollection data = new XYSeriesCollection();
        for (Series s : series) {
            XYSeries xy = new XYSeries(s.name(), true, true);
            for (double[] p : s.points()) {
                if ((logX && p[0] <= 0) || (logY && p[1] <= 0) || Double.isNaN(p[1])) {
                    continue;
                }
                xy.add(p[0], p[1]);
            }
            data.addSeries(xy);
        }
        ValueAxis x = logX ? logAxis(xLabel) : linearAxis(xLabel);
        ValueAxis y = logY ? logAxis(yLabel) : linearAxis(yLabel);
        XYLineAndShapeRenderer r = new XYLineAndShapeRenderer(true, true);
        for (int i = 0; i < series.size(); i++) {
            Color c = PALETTE[Math.max(0, series.get(i).dashed() ? i - 1 : i) % PALETTE.length];
            r.setSeriesPaint(i, c);
            r.setSeriesStroke(i, series.get(i).dashed()
                    ? new BasicStroke(1.5f, BasicStroke.CAP_ROUND, BasicStroke.JOIN_ROUND, 1f, new float[] {6f, 4f}, 0f)
                    : new BasicStroke(2f));
        }
        XYPlot plot = new XYPlot(data, x, y, r);
        plot.setBackgroundPaint(Color.WHITE);
        plot.setDomainGridlinePaint(new Color(0xdddddd));
        plot.setRangeGridlinePaint(new Color(0xdddddd));
        JFreeChart chart = new JFreeChart(title, JFreeChart.DEFAULT_TITLE_FONT, plot, true);
        chart.setBackgroundPaint(Color.WHITE);
        Files.createDirectories(file.toAbsolutePath().getParent());
        ChartUtils.saveChartAsPNG(file.toFile(), chart, 900, 560);
        return file;
    }

    /** Convenience: series from a map name -> points, all solid. */
    public static List<Series> solid(Map<String, List<double[]>> m) {
        return m.entrySet().stream().map(e -> new Series(e.getKey(), e.getValue(), false)).toList();
    }

    /** Tick labels with a decimal point and comma grouping, whatever the default locale. */
    private static NumberAxis linearAxis(String label) {
        NumberAxis a = new NumberAxis(label);
        a.setNumberFormatOverride(NumberFormat.getNumberInstance(Locale.ROOT));
        return a;
    }

    private static LogAxis logAxis(String label) {
        LogAxis a = new LogAxis(label);
        a.setBase(10);
        a.setSmallestValue(1e-9);
        a.setTickUnit(new NumberTickUnit(1.0)); // one tick per power of ten
        a.setMinorTickMarksVisible(true);
        a.setNumberFormatOverride(new DecimalFormat("#,##0.###", DecimalFormatSymbols.getInstance(Locale.ROOT)));
        // 1,000 rather than 10^3
        return a;
    }
}
