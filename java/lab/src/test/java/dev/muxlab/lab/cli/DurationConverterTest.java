package dev.muxlab.lab.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import dev.muxlab.lab.Proto;
import dev.muxlab.lab.server.Model;
import org.junit.jupiter.api.Test;

/** The one duration syntax of every time option, and the fixed-set options' converter. */
class DurationConverterTest {
    private final DurationConverter conv = new DurationConverter();

    @Test
    void everyUnitAndFractions() {
        assertEquals(Duration.ofMillis(500), conv.convert("500ms"));
        assertEquals(Duration.ofSeconds(10), conv.convert("10s"));
        assertEquals(Duration.ofMillis(1500), conv.convert("1.5s"));
        assertEquals(Duration.ofMinutes(2), conv.convert("2m"));
        assertEquals(Duration.ofNanos(250_000), conv.convert("250us"));
        assertEquals(Duration.ofNanos(100), conv.convert("100ns"));
        assertEquals(Duration.ofMillis(250), conv.convert("0.25s"));
        assertEquals(Duration.ofSeconds(90), conv.convert("1.5m"));
        assertEquals(Duration.ofMillis(10), conv.convert(" 10ms "));
    }

    @Test
    void zeroAloneMeansOff() {
        assertEquals(Duration.ZERO, conv.convert("0"));
        assertEquals(Duration.ZERO, conv.convert("0s"));
        assertEquals(Duration.ZERO, conv.convert("0ms"));
    }

    @Test
    void aBareNonZeroNumberIsRefusedNamingTheOption() {
        for (String bare : new String[] {"10", "1.5", "500"}) {
            OptionValueException e = assertThrows(OptionValueException.class, () -> conv.convert(bare));
            assertEquals("--duration needs a unit, e.g. 10s or 500ms: '" + bare + "'", e.forOption("--duration"));
        }
    }

    @Test
    void negativeGarbageAndOverflowAreRefused() {
        OptionValueException neg = assertThrows(OptionValueException.class, () -> conv.convert("-1s"));
        assertEquals("--warmup must not be negative: '-1s'", neg.forOption("--warmup"));
        for (String bad : new String[] {"soon", "", "1h", "10%s", "5%", "1.s", ".5s", "1e3ms", "10 s", "5S", "1,5s", "ms"}) {
            OptionValueException e = assertThrows(OptionValueException.class, () -> conv.convert(bad), bad);
            assertTrue(e.forOption("--x").startsWith("--x must be a number with a unit ns, us, ms, s or m"),
                    e.forOption("--x"));
        }
        OptionValueException big = assertThrows(OptionValueException.class,
                () -> conv.convert("99999999999999999999m"));
        assertTrue(big.forOption("--duration").contains("too long"), big.getMessage());
    }

    @Test
    void millisecondSettingsRoundAndRefuseWhatWouldTurnThemOff() {
        assertEquals(1500, DurationConverter.millis("x", Duration.ofMillis(1500)));
        assertEquals(0, DurationConverter.millis("x", Duration.ZERO));
        assertEquals(1, DurationConverter.millis("x", Duration.ofNanos(600_000)));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> DurationConverter.millis("--idle-timeout", Duration.ofNanos(100_000)));
        assertEquals("--idle-timeout must be 0 or at least 1ms: 100us", e.getMessage());
    }

    @Test
    void writtenInTheLargestExactUnit() {
        assertEquals("0", DurationConverter.text(Duration.ZERO));
        assertEquals("100us", DurationConverter.text(Duration.ofNanos(100_000)));
        assertEquals("1500ms", DurationConverter.text(Duration.ofMillis(1500)));
        assertEquals("10s", DurationConverter.text(Duration.ofSeconds(10)));
        assertEquals("2m", DurationConverter.text(Duration.ofMinutes(2)));
        assertEquals("7ns", DurationConverter.text(Duration.ofNanos(7)));
    }

    @Test
    void choicesConvertByCliNameAndListTheAllowedValues() {
        assertEquals(Model.EPOLL_ET, new Choice.Models().convert("epoll-et"));
        assertEquals(Proto.HTTP, new Choice.Protos().convert("http"));
        assertEquals(Format.JSON, new Choice.Formats().convert("json"));
        List<String> names = new ArrayList<>();
        new Choice.Models().forEach(names::add);
        assertEquals(List.of("blocking", "threadpool", "nonblocking", "select", "poll", "epoll-lt", "epoll-et", "sigio",
                "uring", "nio", "virtual"), names);
        OptionValueException e = assertThrows(OptionValueException.class, () -> new Choice.Models().convert("EPOLL_ET"));
        assertEquals("unknown --model 'EPOLL_ET' (allowed: blocking, threadpool, nonblocking, select, poll, epoll-lt,"
                + " epoll-et, sigio, uring, nio, virtual)", e.forOption("--model"));
    }
}
