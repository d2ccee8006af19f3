package dev.muxlab.lab.report;

import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Font;
import java.awt.Graphics2D;
import java.awt.geom.Rectangle2D;
import java.io.IOException;
import java.math.BigDecimal;
import java.nio.file.Files;
import java.nio.file.Path;
import java.text.DecimalFormat;
import java.text.DecimalFormatSymbols;
import java.text.NumberFormat;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

import org.jfree.chart.ChartUtils;
import org.jfree.chart.JFreeChart;
import org.jfree.chart.axis.AxisState;
import org.jfree.chart.axis.LogAxis;
import org.jfree.chart.axis.NumberAxis;
import org.jfree.chart.axis.NumberTick;
import org.jfree.chart.axis.TickType;
import org.jfree.chart.axis.ValueAxis;
import org.jfree.chart.plot.CombinedDomainXYPlot;
import org.jfree.chart.plot.Plot;
import org.jfree.chart.plot.XYPlot;
import org.jfree.chart.renderer.xy.XYLineAndShapeRenderer;
import org.jfree.chart.title.TextTitle;
import org.jfree.chart.ui.RectangleEdge;
import org.jfree.chart.ui.TextAnchor;
import org.jfree.data.Range;
import org.jfree.data.xy.XYSeries;
import org.jfree.data.xy.XYSeriesCollection;

/**
 * PNG line charts drawn with JFreeChart (headless). Every chart has a subtitle (the machine and
 * the date of the run); log axes carry labelled ticks whatever their range: powers of ten over
 * several decades, 1-2-5 steps over one or two, evenly spaced round numbers within one.
 */
public final class Charts {
    static {
        System.setProperty("java.awt.headless", "true");
    }

    private static final Color[] PALETTE = {
        new Color(0x1f77b4), new Color(0xd62728), new Color(0x2ca02c), new Color(0x9467bd),
        new Color(0xff7f0e), new Color(0x8c564b), new Color(0xe377c2), new Color(0x7f7f7f),
        new Color(0xbcbd22), new Color(0x17becf)
    };
    private static final java.awt.Shape[] SHAPES = org.jfree.chart.plot.DefaultDrawingSupplier.createStandardSeriesShapes();
    private static final int WIDTH = 900;
    private static final int HEIGHT = 560;

    private Charts() {
    }

    /** One series: points (x, y) and whether to draw it dashed (e.g. a C reference). */
    public record Series(String name, List<double[]> points, boolean dashed) {
    }

    /** One panel of a stacked chart: its y axis and series. */
    public record Panel(String yLabel, boolean logY, List<Series> series) {
    }

    /**
     * Writes a line chart to {@code file} (PNG, 900x560) with the subtitle under its title. Log
     * axes where asked; points with non-positive values are dropped on a log axis.
     */
    public static Path line(Path file, String title, String subtitle, String xLabel, String yLabel, boolean logX,
            boolean logY, List<Series> series) throws IOException {
        XYPlot plot = plot(new Panel(yLabel, logY, series), logX ? logAxis(xLabel) : linearAxis(xLabel), logX);
        return save(file, title, subtitle, plot, HEIGHT);
    }

    /**
     * Writes panels stacked over one shared x axis (e.g. threads above memory, both against
     * connections); the legend is that of the first panel (every panel has the same series).
     */
    public static Path stacked(Path file, String title, String subtitle, String xLabel, boolean logX,
            List<Panel> panels) throws IOException {
        CombinedDomainXYPlot combined = new CombinedDomainXYPlot(logX ? logAxis(xLabel) : linearAxis(xLabel));
        combined.setGap(14);
        for (int i = 0; i < panels.size(); i++) {
            XYPlot p = plot(panels.get(i), null, logX);
            if (i > 0) {
                p.getRenderer().setDefaultSeriesVisibleInLegend(false);
            }
            combined.add(p, 1);
        }
        return save(file, title, subtitle, combined, HEIGHT + 160 * Math.max(0, panels.size() - 1));
    }

    private static XYPlot plot(Panel panel, ValueAxis x, boolean logX) {
        XYSeriesCollection data = new XYSeriesCollection();
        for (Series s : panel.series()) {
            XYSeries xy = new XYSeries(s.name(), true, true);
            for (double[] p : s.points()) {
                if ((logX && p[0] <= 0) || (panel.logY() && p[1] <= 0) || !Double.isFinite(p[1])) {
                    continue;
                }
                xy.add(p[0], p[1]);
            }
            data.addSeries(xy);
        }
        ValueAxis y = panel.logY() ? logAxis(panel.yLabel()) : linearAxis(panel.yLabel());
        XYLineAndShapeRenderer r = new XYLineAndShapeRenderer(true, true);
        List<Series> series = panel.series();
        for (int i = 0; i < series.size(); i++) {
            Color c = PALETTE[Math.max(0, series.get(i).dashed() ? i - 1 : i) % PALETTE.length];
            r.setSeriesPaint(i, c);
            r.setSeriesShape(i, SHAPES[i % SHAPES.length]); // the same shape for a series in every panel
            r.setSeriesStroke(i, series.get(i).dashed()
                    ? new BasicStroke(1.5f, BasicStroke.CAP_ROUND, BasicStroke.JOIN_ROUND, 1f, new float[] {6f, 4f}, 0f)
                    : new BasicStroke(2f));
        }
        XYPlot plot = new XYPlot(data, x, y, r);
        plot.setBackgroundPaint(Color.WHITE);
        plot.setDomainGridlinePaint(new Color(0xcccccc));
        plot.setRangeGridlinePaint(new Color(0xcccccc));
        return plot;
    }

    private static Path save(Path file, String title, String subtitle, Plot plot, int height) throws IOException {
        JFreeChart chart = new JFreeChart(title, new Font(Font.SANS_SERIF, Font.BOLD, 17), plot, true);
        if (subtitle != null && !subtitle.isBlank()) {
            TextTitle sub = new TextTitle(subtitle, new Font(Font.SANS_SERIF, Font.PLAIN, 12));
            sub.setPaint(new Color(0x555555));
            chart.addSubtitle(0, sub);
        }
        chart.getLegend().setPosition(RectangleEdge.BOTTOM);
        chart.setBackgroundPaint(Color.WHITE);
        Files.createDirectories(file.toAbsolutePath().getParent());
        ChartUtils.saveChartAsPNG(file.toFile(), chart, WIDTH, height);
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
        LabelledLogAxis a = new LabelledLogAxis(label);
        a.setBase(10);
        a.setSmallestValue(1e-9);
        a.setMinorTickMarksVisible(false);
        return a;
    }

    /**
     * The tick values for a log axis from {@code lo} to {@code hi}: powers of ten when the range
     * spans more than three decades, 1-2-5 steps from one decade on, and round linear steps (about
     * six) within one decade, so that a narrow range still has labels.
     */
    static List<Double> logTicks(double lo, double hi) {
        List<Double> ticks = new ArrayList<>();
        if (!(lo > 0) || !(hi > lo) || !Double.isFinite(hi)) {
            return ticks;
        }
        double decades = Math.log10(hi / lo);
        if (decades < 1) {
            double step = niceStep((hi - lo) / 6);
            for (double v = Math.ceil(lo / step) * step; v <= hi * (1 + 1e-9); v += step) {
                ticks.add(round(v));
            }
            return ticks;
        }
        double[] mantissas = decades > 3 ? new double[] {1} : new double[] {1, 2, 5};
        for (int e = (int) Math.floor(Math.log10(lo)); e <= (int) Math.ceil(Math.log10(hi)); e++) {
            for (double m : mantissas) {
                double v = round(m * Math.pow(10, e));
                if (v >= lo * (1 - 1e-9) && v <= hi * (1 + 1e-9)) {
                    ticks.add(v);
                }
            }
        }
        return ticks;
    }

    /**
     * A log axis range within one decade widened to the linear ticks of {@link #logTicks} below
     * and above it (at most one step each side), so that both ends are labelled; a wider range is
     * left as it is (it has labels inside, and the next 1-2-5 value or power of ten can be far).
     */
    static double[] niceBounds(double lo, double hi) {
        if (!(lo > 0) || !(hi > lo) || !Double.isFinite(hi) || Math.log10(hi / lo) >= 1) {
            return new double[] {lo, hi};
        }
        double step = niceStep((hi - lo) / 6);
        double down = Math.floor(lo / step) * step;
        return new double[] {down > 0 ? round(down) : lo, round(Math.ceil(hi / step) * step)};
    }

    /** 1, 2, 2.5 or 5 times a power of ten, at least {@code raw}. */
    static double niceStep(double raw) {
        double p = Math.pow(10, Math.floor(Math.log10(raw)));
        for (double m : new double[] {1, 2, 2.5, 5, 10}) {
            if (m * p >= raw) {
                return m * p;
            }
        }
        return 10 * p;
    }

    /** Rounds away binary noise (0.30000000000000004 -> 0.3). */
    private static double round(double v) {
        return new BigDecimal(v).round(new java.math.MathContext(12)).doubleValue();
    }

    /** A log axis whose ticks come from {@link #logTicks}, labelled 1,000 rather than 10^3. */
    private static final class LabelledLogAxis extends LogAxis {
        private static final long serialVersionUID = 1L;
        private final DecimalFormat format = new DecimalFormat("#,##0.###", DecimalFormatSymbols.getInstance(Locale.ROOT));

        LabelledLogAxis(String label) {
            super(label);
        }

        /** The automatic range, widened to the nearest tick below and above where that costs little. */
        @Override
        protected void autoAdjustRange() {
            super.autoAdjustRange();
            double[] nice = niceBounds(getLowerBound(), getUpperBound());
            setRange(new Range(nice[0], nice[1]), false, false);
        }

        @Override
        @SuppressWarnings({"rawtypes", "unchecked"})
        public List refreshTicks(Graphics2D g2, AxisState state, Rectangle2D dataArea, RectangleEdge edge) {
            boolean vertical = RectangleEdge.isLeftOrRight(edge);
            TextAnchor anchor = vertical ? (edge == RectangleEdge.LEFT ? TextAnchor.CENTER_RIGHT : TextAnchor.CENTER_LEFT)
                    : (edge == RectangleEdge.TOP ? TextAnchor.BOTTOM_CENTER : TextAnchor.TOP_CENTER);
            List ticks = new ArrayList();
            for (double v : logTicks(getLowerBound(), getUpperBound())) {
                ticks.add(new NumberTick(TickType.MAJOR, v, format.format(v), anchor, anchor, 0.0));
            }
            return ticks;
        }
    }
}
