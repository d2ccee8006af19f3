package dev.muxlab.lab.experiments.scaling;

import java.util.Arrays;
import java.util.List;

/** The arithmetic of the scaling report: medians, fitted slopes and the crossover. Points are {x, y}. */
final class ScalingStats {
    private ScalingStats() {
    }

    /** The median of the values that are not NaN; NaN if none. */
    static double median(double[] v) {
        double[] s = Arrays.stream(v).filter(x -> !Double.isNaN(x)).sorted().toArray();
        if (s.length == 0) {
            return Double.NaN;
        }
        int m = s.length / 2;
        return s.length % 2 == 1 ? s[m] : (s[m - 1] + s[m]) / 2;
    }

    static double median(List<Double> v) {
        return median(v.stream().mapToDouble(Double::doubleValue).toArray());
    }

    /** Least-squares slope of log(y) against log(x) over the points with positive finite values; NaN below 2. */
    static double logLogSlope(List<double[]> points) {
        List<double[]> p = points.stream().filter(q -> q[0] > 0 && q[1] > 0 && Double.isFinite(q[1]))
                .map(q -> new double[] {Math.log(q[0]), Math.log(q[1])}).toList();
        return slope(p);
    }

    /** Least-squares slope of y against x (not logs): the cost of one more N; NaN below 2 points. */
    static double linearSlope(List<double[]> points) {
        return slope(points.stream().filter(q -> Double.isFinite(q[1])).toList());
    }

    private static double slope(List<double[]> p) {
        if (p.size() < 2) {
            return Double.NaN;
        }
        double mx = p.stream().mapToDouble(q -> q[0]).average().orElse(0);
        double my = p.stream().mapToDouble(q -> q[1]).average().orElse(0);
        double sxy = 0;
        double sxx = 0;
        for (double[] q : p) {
            sxy += (q[0] - mx) * (q[1] - my);
            sxx += (q[0] - mx) * (q[0] - mx);
        }
        return sxx == 0 ? Double.NaN : sxy / sxx;
    }

    /**
     * The smallest N from which epoll is cheaper than poll at every larger N measured by both
     * (index into the common list), or -1. The points are {N, poll, epoll} at the N both rows measured.
     */
    static int crossoverIndex(List<double[]> common) {
        int k = -1;
        for (int i = common.size() - 1; i >= 0; i--) {
            double[] c = common.get(i);
            if (c[2] < c[1]) {
                k = i;
            } else {
                break;
            }
        }
        return k;
    }
}
