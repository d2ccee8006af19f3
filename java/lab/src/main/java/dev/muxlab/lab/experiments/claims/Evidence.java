package dev.muxlab.lab.experiments.claims;

import java.util.Locale;

import dev.muxlab.lab.report.Table;
import dev.muxlab.lab.verdict.Spread;

/** How the claims write figures into their evidence and verdicts: median, and the range when repeated. */
final class Evidence {
    private Evidence() {
    }

    /** "81200" or "81200 (78900–83100)". */
    static String v(Spread s) {
        if (s == null) {
            return "n/a";
        }
        String m = Table.fmt(s.median());
        return s.hasSpread() ? m + " (" + Table.fmt(s.min()) + "–" + Table.fmt(s.max()) + ")" : m;
    }

    /** A ratio as "1.72x", with its range when repeated. */
    static String x(Spread s) {
        String m = String.format(Locale.ROOT, "%.2fx", s.median());
        return s.hasSpread() ? m + String.format(Locale.ROOT, " (%.2f–%.2f)", s.min(), s.max()) : m;
    }

    static String pct(Spread s) {
        String m = String.format(Locale.ROOT, "%.0f%%", s.median());
        return s.hasSpread() ? m + String.format(Locale.ROOT, " (%.0f–%.0f)", s.min(), s.max()) : m;
    }

    static boolean has(Spread... ss) {
        for (Spread s : ss) {
            if (s == null) {
                return false;
            }
        }
        return true;
    }
}
