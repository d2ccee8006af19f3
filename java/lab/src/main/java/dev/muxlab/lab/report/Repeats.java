package dev.muxlab.lab.report;

import java.util.Collection;

import dev.muxlab.lab.verdict.Spread;

/**
 * Figures measured once per repeat of a cell. The repeats of an experiment run in turn over all
 * its cells (cell 1, cell 2, ..., cell 1 again), so that drift on a shared machine spreads over
 * every cell instead of landing on one; a figure is then the median of its repeats with their
 * min-max range.
 */
public final class Repeats {
    private Repeats() {
    }

    /** The spread of the finite samples, or null when there is none. */
    public static Spread of(Collection<Double> samples) {
        double[] v = samples.stream().filter(d -> d != null && Double.isFinite(d)).mapToDouble(Double::doubleValue)
                .toArray();
        return v.length == 0 ? null : Spread.of(v);
    }

    /** The same for an array of samples (NaN where a repeat measured nothing). */
    public static Spread of(double... samples) {
        return of(java.util.Arrays.stream(samples).boxed().toList());
    }

    /** A figure with its spread, or NaN (not measured) when there was no sample. */
    public static void figure(ExperimentResult r, String key, Spread s) {
        if (s == null) {
            r.figure(key, Double.NaN);
        } else {
            r.figure(key, s);
        }
    }

    /** "1 repeat", "3 repeats". */
    public static String plural(int n, String word) {
        return n + " " + word + (n == 1 ? "" : "s");
    }

    /** The words for a table title: "median (min–max) of 3 repeats" or "quick: 1 repeat, no spread". */
    public static String caption(int repeats, boolean quick) {
        if (repeats <= 1) {
            return (quick ? "quick: " : "") + "1 repeat, no spread";
        }
        return "median (min\u2013max) of " + repeats + " repeats" + (quick ? ", quick" : "");
    }
}
