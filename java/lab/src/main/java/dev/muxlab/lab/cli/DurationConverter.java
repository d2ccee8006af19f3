package dev.muxlab.lab.cli;

import java.math.BigDecimal;
import java.math.RoundingMode;
import java.time.Duration;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import picocli.CommandLine.ITypeConverter;

/**
 * The one syntax of every time option: a number with a unit, {@code 500ms}, {@code 10s},
 * {@code 1.5s}, {@code 2m} (units ns, us, ms, s, m); {@code 0} alone means off or none. A bare
 * non-zero number is refused (seconds or milliseconds? the reader of a command line cannot
 * tell), and so is a negative one.
 */
public final class DurationConverter implements ITypeConverter<Duration> {
    private static final Pattern SYNTAX = Pattern.compile("(\\d+(?:\\.\\d+)?)(ns|us|ms|s|m)?");
    private static final BigDecimal MAX_NANOS = BigDecimal.valueOf(Long.MAX_VALUE);

    @Override
    public Duration convert(String text) {
        String t = text.trim();
        if (t.startsWith("-")) {
            throw new OptionValueException("", " must not be negative: '" + text + "'");
        }
        Matcher m = SYNTAX.matcher(t);
        if (!m.matches()) {
            throw new OptionValueException("", " must be a number with a unit ns, us, ms, s or m, e.g. 10s, 1.5s or"
                    + " 500ms (0: off): '" + text + "'");
        }
        BigDecimal value = new BigDecimal(m.group(1));
        String unit = m.group(2);
        if (unit == null) {
            if (value.signum() == 0) {
                return Duration.ZERO;
            }
            throw new OptionValueException("", " needs a unit, e.g. 10s or 500ms: '" + text + "'");
        }
        BigDecimal nanos = value.multiply(BigDecimal.valueOf(nanosPer(unit))).setScale(0, RoundingMode.HALF_UP);
        if (nanos.compareTo(MAX_NANOS) > 0) {
            throw new OptionValueException("", " is too long: '" + text + "'");
        }
        return Duration.ofNanos(nanos.longValueExact());
    }

    private static final String[] UNITS = {"m", "s", "ms", "us", "ns"};

    /** A duration as this syntax writes it, in the largest unit that is exact: 0, 100us, 1500ms, 10s, 2m. */
    static String text(Duration d) {
        long nanos = d.toNanos();
        if (nanos == 0) {
            return "0";
        }
        for (String unit : UNITS) {
            long per = nanosPer(unit);
            if (nanos % per == 0) {
                return nanos / per + unit;
            }
        }
        throw new AssertionError(); // every count of nanoseconds is exact in ns
    }

    private static long nanosPer(String unit) {
        switch (unit) {
            case "ns":
                return 1L;
            case "us":
                return 1_000L;
            case "ms":
                return 1_000_000L;
            case "s":
                return 1_000_000_000L;
            default: // "m"
                return 60_000_000_000L;
        }
    }

    /**
     * The duration in whole milliseconds (rounded), for settings kept in milliseconds; a non-zero
     * duration shorter than half a millisecond is refused rather than turned into 0 (off).
     */
    static long millis(String option, Duration d) {
        long ms = (d.toNanos() + 500_000L) / 1_000_000L;
        if (ms == 0 && !d.isZero()) {
            throw new IllegalArgumentException(option + " must be 0 or at least 1ms: " + text(d));
        }
        return ms;
    }
}
