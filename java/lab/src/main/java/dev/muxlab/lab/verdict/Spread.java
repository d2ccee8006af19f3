package dev.muxlab.lab.verdict;

import java.util.Arrays;

/**
 * A figure measured {@link #n()} times: median, min and max. A single measurement has no spread
 * (min = max = median). Comparisons that decide a verdict go through {@link #compareTo(Spread, double)},
 * which answers "inside the spread" whenever the min-max ranges overlap, so a verdict never rests on a
 * difference the repeats themselves do not support.
 */
public record Spread(double median, double min, double max, int n) {

    /** How one figure relates to another once spreads are taken into account. */
    public enum Order {
        /** Every repeat of this one is above every repeat of the other (by the margin). */
        ABOVE,
        /** Every repeat of this one is below every repeat of the other (by the margin). */
        BELOW,
        /** The ranges overlap: no order can be claimed. */
        OVERLAP
    }

    public Spread {
        if (n < 1) {
            throw new IllegalArgumentException("a spread needs at least one sample");
        }
        if (!(min <= median && median <= max)) {
            throw new IllegalArgumentException("need min <= median <= max: " + min + ", " + median + ", " + max);
        }
    }

    /** One measurement. */
    public static Spread single(double v) {
        return new Spread(v, v, v, 1);
    }

    /** The median, min and max of the samples (NaN samples are not allowed). */
    public static Spread of(double... samples) {
        if (samples.length == 0) {
            throw new IllegalArgumentException("no samples");
        }
        double[] s = samples.clone();
        Arrays.sort(s);
        if (Double.isNaN(s[s.length - 1])) {
            throw new IllegalArgumentException("NaN sample");
        }
        int k = s.length;
        double med = k % 2 == 1 ? s[k / 2] : (s[k / 2 - 1] + s[k / 2]) / 2;
        return new Spread(med, s[0], s[k - 1], k);
    }

    /** Whether the figure was measured more than once. */
    public boolean hasSpread() {
        return n >= 2;
    }

    /** max - min relative to the median (0 for one sample or a zero median). */
    public double relativeRange() {
        return median == 0 ? 0 : (max - min) / Math.abs(median);
    }

    /**
     * This figure against {@code other} scaled by {@code factor}: ABOVE when this min exceeds
     * {@code factor * other.max}, BELOW when this max is under {@code factor * other.min}, OVERLAP
     * otherwise. For single measurements that is a plain comparison of the two values.
     */
    public Order compareTo(Spread other, double factor) {
        if (min > factor * other.max) {
            return Order.ABOVE;
        }
        if (max < factor * other.min) {
            return Order.BELOW;
        }
        return Order.OVERLAP;
    }

    /** This figure against a fixed threshold: ABOVE, BELOW, or OVERLAP when the range straddles it. */
    public Order against(double threshold) {
        if (min > threshold) {
            return Order.ABOVE;
        }
        if (max < threshold) {
            return Order.BELOW;
        }
        return Order.OVERLAP;
    }

    /**
     * This minus {@code other}, conservatively: the median of the difference of medians, and the
     * widest range the repeats allow (this.min - other.max .. this.max - other.min).
     */
    public Spread minus(Spread other) {
        return new Spread(median - other.median, min - other.max, max - other.min, Math.min(n, other.n));
    }

    /**
     * This over {@code other} for positive figures, conservatively: ratio of medians, and the
     * widest range (this.min / other.max .. this.max / other.min).
     */
    public Spread over(Spread other) {
        if (!(min > 0 && other.min > 0)) {
            throw new IllegalArgumentException("ratios of spreads need positive figures: " + this + " / " + other);
        }
        return new Spread(median / other.median, min / other.max, max / other.min, Math.min(n, other.n));
    }

    /** Every figure divided by {@code d} (e.g. to per-message units). */
    public Spread div(double d) {
        return d > 0 ? new Spread(median / d, min / d, max / d, n) : new Spread(median / d, max / d, min / d, n);
    }
}
